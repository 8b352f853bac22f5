#!/usr/bin/python3
"""Sample agent for the agent-gateway tests: an aiohttp app that reports
exactly what it received and misbehaves on request.

Run with Debian's Python (the one that has aiohttp):

    /usr/bin/python3 tests/agent.py --port 0          # prints "READY port=N"
    /usr/bin/python3 tests/agent.py --unix /tmp/a.sock  # prints "READY unix=PATH"

Options: --host (default 127.0.0.1), --port, --unix, --keepalive-timeout
(seconds, default 75 as aiohttp's own), --verbose (access log on stderr),
--tls-cert FILE and --tls-key FILE (serve https on the TCP port; READY
then says "READY port=N tls"), --request-log FILE (see below).

Request log (--request-log FILE): every request with an rid= query
parameter appends a line "start RID TIME" when its handler begins and
"end RID TIME" once its answer has been written out whole (TIME is the
wall clock, time.time()). Each line is one write(2) on a file opened
with O_APPEND, so the lines survive a SIGKILL of the agent: a test that
kills it reads there which requests it had started and not finished.

Any path not listed below (any method) answers 200 with a JSON report:
    method, http_version, raw_path (path and query, raw bytes as sent),
    path (decoded), query_string (raw), headers ([name, value] pairs in
    arrival order, latin-1), body_length, body_sha256, conn_id (number of
    the TCP/Unix connection, counted from 1), request_no (requests so far on
    that connection), peer.
The request body is read in pieces and hashed, never held whole; with an
id= query parameter the upload is also recorded under streams[id] in
/_/stats (bytes, and how: "done" or "client left"), for abort tests.

Feature endpoints (query parameters in brackets, with their defaults):
    /_/status/CODE [reason=]        that status and reason; a short text
                                    body except for 1xx/204/304 and HEAD
    /_/cookies [n=3]                n separate Set-Cookie headers c0..c(n-1)
    /_/redirect [to=/landing] [form=absolute|relative|host] [status=302]
                                    Location and Content-Location pointing
                                    back at this agent: absolute uses the
                                    listening address (http://127.0.0.1:PORT,
                                    https:// when serving TLS),
                                    host uses the request's Host header,
                                    relative is the bare path
    /_/bytes/N [mode=length|chunked] [chunk=65536] [pause=0]
                                    N bytes of the pattern below; the
                                    X-Body-Sha256 and X-Body-Length headers
                                    give what must arrive; pause seconds
                                    between pieces
    /_/gzip [n=100000]              a gzip body with Content-Encoding: gzip;
                                    X-Body-Sha256 is the digest of the bytes
                                    on the wire, X-Identity-Sha256 and
                                    X-Identity-Length those decompressed
    /_/events [n=5] [pause=0.2] [id=]
                                    text/event-stream, n events with a pause
                                    after each; each event carries its send
                                    time so a test can see it arrived before
                                    the next was sent
    /_/slow [delay=2]               sleep before the head, then the report
    /_/reset [after=65536] [length=1048576] [mode=length|chunked]
                                    announce length bytes, send after of
                                    them, then abort with SO_LINGER 0 (RST)
    /_/endless [id=] [interval=0.5] [size=64]
                                    a chunked stream without end (bounded at
                                    600 s); when the client leaves, the time
                                    is recorded under streams[id] in /_/stats
    /_/stats                        JSON: connections (that carried a counted
                                    request), connections_accepted,
                                    connections_open, requests, streams;
                                    /_/stats and /_/reset-stats themselves
                                    are not counted
    /_/reset-stats                  zero the counters and forget the streams

Raw answers, /_/raw/NAME: the request body is read first, then the bytes
are written on the transport as they are and the connection is closed.
    dup-cl           two Content-Length headers that disagree
    cl-te            Content-Length and Transfer-Encoding: chunked
    bare-cr          a bare CR inside a header value
    nul              a NUL inside a header value
    obs-fold         a header continued on the next line (obs-fold)
    long-header      one 9 KiB header line
    many-headers     10 000 header lines
    status-header    a Status: header on a 200
    x-accel-redirect X-Accel-Redirect on a 200
    x-sendfile       X-Sendfile on a 200
    x-lighttpd-send-file  X-LIGHTTPD-send-file on a 200
    x-lighttpd       the X-LIGHTTPD-* fields that throttle (1 KB/s) and send
                     a file (?file=PATH) on a 200 of ?size= bytes (100 KiB)
    location-200     a Location header on a 200
    upgrade-101      101 Switching Protocols nobody asked for
    head-body        Content-Length and a body, also when the method is HEAD
    204-body         a 204 followed by body bytes
    103-close        103 Early Hints, then the connection closes
    interim [codes=100,103]  those 1xx answers, then a 200
    bad-status       a malformed status line (HTTP/1.1 2OO OK)
    http09           an HTTP/0.9-style answer: body bytes, no head
    never            accept the request and never answer (until the client
                     leaves, at most 600 s)
    trickle [interval=0.5]  the head written one byte at a time
    close            close without writing anything

Body pattern for /_/bytes: 64 KiB blocks; block k is the 8-byte big-endian
k followed by bytes (j * 131 + 7) & 0xff for j = 8 .. 65535.
"""

import argparse
import asyncio
import gzip
import hashlib
import logging
import os
import signal
import socket
import ssl
import stat
import struct
import sys
import time

from aiohttp import web

MAX_WAIT = 600.0          # longest any endpoint sleeps or streams
MAX_BYTES = 1 << 34       # largest /_/bytes size (16 GiB)
BLOCK = 65536
_BASE = bytes((j * 131 + 7) & 0xFF for j in range(BLOCK))

STATS = {"connections": 0, "connections_accepted": 0, "connections_open": 0,
         "requests": 0, "streams": {}}
CONN_IDS = {}             # RequestHandler -> [conn_id, requests, counted]
_NEXT_CONN = [0]
_SHA_CACHE = {}


def pattern_blocks(n, chunk=BLOCK):
    """Yields the first n bytes of the body pattern in pieces <= chunk."""
    off = 0
    while off < n:
        k, start = divmod(off, BLOCK)
        block = struct.pack(">Q", k) + _BASE[8:]
        piece = block[start:start + min(chunk, n - off, BLOCK - start)]
        off += len(piece)
        yield piece


def pattern_sha256(n):
    if n not in _SHA_CACHE:
        h = hashlib.sha256()
        for piece in pattern_blocks(n):
            h.update(piece)
        _SHA_CACHE[n] = h.hexdigest()
    return _SHA_CACHE[n]


def qnum(request, name, default, lo, hi, kind=float):
    """A bounded numeric query parameter; bad values give the default."""
    try:
        v = kind(request.query.get(name, default))
    except ValueError:
        return default
    return min(max(v, lo), hi)


def conn_of(request):
    return CONN_IDS.get(request.protocol, [0, 0, True])


def count_request(request):
    c = conn_of(request)
    c[1] += 1
    STATS["requests"] += 1
    if not c[2]:
        c[2] = True
        STATS["connections"] += 1


def client_gone(request):
    t = request.transport
    return t is None or t.is_closing()


async def read_body(request):
    h = hashlib.sha256()
    n = 0
    while True:
        piece = await request.content.read(BLOCK)
        if not piece:
            break
        n += len(piece)
        h.update(piece)
    return n, h.hexdigest()


async def report(request):
    count_request(request)
    if "id" in request.query:
        n, digest = await read_body_recorded(request)
    else:
        n, digest = await read_body(request)
    c = conn_of(request)
    peer = request.transport.get_extra_info("peername") if request.transport else None
    data = {
        "method": request.method,
        "http_version": "%d.%d" % tuple(request.version),
        "raw_path": request.raw_path,
        "path": request.path,
        "query_string": request.raw_path.partition("?")[2],
        "headers": [[k.decode("latin-1"), v.decode("latin-1")]
                    for k, v in request.raw_headers],
        "body_length": n,
        "body_sha256": digest,
        "conn_id": c[0],
        "request_no": c[1],
        "peer": "%s:%s" % tuple(peer[:2]) if isinstance(peer, tuple) else "unix",
    }
    return web.json_response(data)


async def read_body_recorded(request):
    """read_body, with the upload recorded under streams[id] in /_/stats:
    bytes received, and how it ended ("done" or "client left")."""
    rec = stream_record(request, "upload")
    h = hashlib.sha256()
    try:
        while True:
            piece = await request.content.read(BLOCK)
            if not piece:
                break
            rec["bytes"] += len(piece)
            h.update(piece)
        rec["how"] = "done"
    except asyncio.CancelledError:
        left(rec)
        raise
    except Exception:
        left(rec)
        raise
    finally:
        rec["ended"] = time.time()
    return rec["bytes"], h.hexdigest()


async def status(request):
    count_request(request)
    await read_body(request)
    code = int(request.match_info["code"])
    if not 100 <= code <= 999:
        return web.Response(status=400, text="status out of range\n")
    reason = request.query.get("reason")
    no_body = code < 200 or code in (204, 304)
    try:
        resp = web.Response(status=code, reason=reason,
                            text=None if no_body else "status %d\n" % code)
    except ValueError:
        return web.Response(status=400, text="bad reason\n")
    return resp


async def cookies(request):
    count_request(request)
    n = qnum(request, "n", 3, 0, 100, int)
    resp = web.Response(text="%d cookies\n" % n)
    for i in range(n):
        resp.headers.add("Set-Cookie", "c%d=v%d; Path=/; HttpOnly" % (i, i))
    return resp


async def redirect(request):
    count_request(request)
    to = request.query.get("to", "/landing")
    form = request.query.get("form", "absolute")
    code = qnum(request, "status", 302, 300, 399, int)
    scheme = "https" if request.secure else "http"
    if form == "relative":
        loc = to
    elif form == "host":
        loc = "%s://%s%s" % (scheme, request.headers.get("Host", ""), to)
    else:
        sock = request.transport.get_extra_info("sockname")
        if not isinstance(sock, tuple):
            loc = "%s://%s%s" % (scheme, request.headers.get("Host", "localhost"), to)
        elif ":" in sock[0]:
            loc = "%s://[%s]:%d%s" % (scheme, sock[0], sock[1], to)
        else:
            loc = "%s://%s:%d%s" % (scheme, sock[0], sock[1], to)
    resp = web.Response(status=code, text="see %s\n" % loc)
    resp.headers["Location"] = loc
    resp.headers["Content-Location"] = loc
    return resp


async def big(request):
    count_request(request)
    await read_body(request)
    n = min(int(request.match_info["n"]), MAX_BYTES)
    chunk = qnum(request, "chunk", BLOCK, 1, BLOCK, int)
    pause = qnum(request, "pause", 0.0, 0.0, 10.0)
    resp = web.StreamResponse(headers={
        "Content-Type": "application/octet-stream",
        "X-Body-Sha256": pattern_sha256(n),
        "X-Body-Length": str(n)})
    if request.query.get("mode") == "chunked":
        resp.enable_chunked_encoding()
    else:
        resp.content_length = n
    await resp.prepare(request)
    if request.method != "HEAD":
        for piece in pattern_blocks(n, chunk):
            await resp.write(piece)
            if pause:
                await asyncio.sleep(pause)
    await resp.write_eof()
    return resp


async def gzipped(request):
    count_request(request)
    n = qnum(request, "n", 100000, 0, 1 << 26, int)
    plain = b"".join(b"line %d of the gzip test body\n" % i
                     for i in range(n // 29 + 1))[:n]
    body = gzip.compress(plain, mtime=0)
    return web.Response(body=body, headers={
        "Content-Type": "text/plain",
        "Content-Encoding": "gzip",
        "X-Body-Sha256": hashlib.sha256(body).hexdigest(),
        "X-Identity-Sha256": hashlib.sha256(plain).hexdigest(),
        "X-Identity-Length": str(len(plain))})


def stream_record(request, kind):
    sid = request.query.get("id") or "%s-%d" % (kind, len(STATS["streams"]) + 1)
    rec = {"kind": kind, "started": time.time(), "left": None,
           "ended": None, "bytes": 0, "how": None}
    STATS["streams"][sid] = rec
    return rec


async def events(request):
    count_request(request)
    n = qnum(request, "n", 5, 0, 100000, int)
    pause = qnum(request, "pause", 0.2, 0.0, 60.0)
    rec = stream_record(request, "events")
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                       "Cache-Control": "no-cache"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    try:
        for i in range(n):
            ev = b"id: %d\nevent: tick\ndata: {\"i\": %d, \"sent\": %.6f}\n\n" % (
                i, i, time.time())
            await resp.write(ev)
            rec["bytes"] += len(ev)
            if i + 1 < n and await sleep_unless_gone(request, pause):
                raise ConnectionResetError("client left")
        await resp.write_eof()
        rec["how"] = "done"
    except ConnectionError:
        left(rec)
    except asyncio.CancelledError:
        left(rec)
        raise
    finally:
        rec["ended"] = time.time()
    return resp


def left(rec):
    rec["left"] = time.time()
    rec["how"] = "client left"


async def sleep_unless_gone(request, seconds):
    """Sleeps up to seconds; True as soon as the client has gone."""
    end = time.monotonic() + min(seconds, MAX_WAIT)
    while time.monotonic() < end:
        if client_gone(request):
            return True
        await asyncio.sleep(min(0.05, max(end - time.monotonic(), 0)))
    return client_gone(request)


async def slow(request):
    delay = qnum(request, "delay", 2.0, 0.0, MAX_WAIT)
    await asyncio.sleep(delay)
    return await report(request)


async def reset(request):
    count_request(request)
    await read_body(request)
    length = qnum(request, "length", 1 << 20, 1, MAX_BYTES, int)
    after = qnum(request, "after", BLOCK, 0, length - 1, int)
    resp = web.StreamResponse(headers={
        "Content-Type": "application/octet-stream",
        "X-Body-Sha256": pattern_sha256(length)})
    if request.query.get("mode") == "chunked":
        resp.enable_chunked_encoding()
    else:
        resp.content_length = length
    await resp.prepare(request)
    for piece in pattern_blocks(after):
        await resp.write(piece)
    await abort_with_rst(request)
    return resp


async def abort_with_rst(request):
    """Lets the written bytes leave, then resets the connection (SO_LINGER 0)."""
    t = request.transport
    for _ in range(200):
        if t is None or t.is_closing() or t.get_write_buffer_size() == 0:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)
    if t is None or t.is_closing():
        return
    sock = t.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
    t.abort()


async def endless(request):
    count_request(request)
    interval = qnum(request, "interval", 0.5, 0.01, 60.0)
    size = qnum(request, "size", 64, 1, BLOCK, int)
    rec = stream_record(request, "endless")
    resp = web.StreamResponse(headers={"Content-Type": "text/plain"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    line = (b"x" * (size - 1)) + b"\n"
    deadline = time.monotonic() + MAX_WAIT
    try:
        while time.monotonic() < deadline:
            await resp.write(line)
            rec["bytes"] += len(line)
            if await sleep_unless_gone(request, interval):
                raise ConnectionResetError("client left")
        rec["how"] = "time limit"
    except ConnectionError:
        left(rec)
    except asyncio.CancelledError:
        left(rec)
        raise
    finally:
        rec["ended"] = time.time()
    return resp


async def stats(request):
    return web.json_response(STATS)


async def reset_stats(request):
    STATS.update(connections=0, connections_accepted=0, requests=0, streams={})
    for c in CONN_IDS.values():
        c[2] = False
    return web.json_response(STATS)


# Raw answers. Each builder takes the request and returns the bytes to write
# (or None for the ones that manage the transport themselves).
def _head(status_line, *fields, body=b""):
    lines = [status_line] + list(fields)
    return b"".join(x + b"\r\n" for x in lines) + b"\r\n" + body


def _ok_with(field, body=b"raw answer\n"):
    return _head(b"HTTP/1.1 200 OK", b"Content-Type: text/plain",
                 b"Content-Length: %d" % len(body), b"Connection: close",
                 field, body=body)


RAW = {
    "dup-cl": lambda r: _head(b"HTTP/1.1 200 OK", b"Content-Length: 5",
                              b"Content-Length: 11", b"Connection: close",
                              body=b"hello world"),
    "cl-te": lambda r: _head(b"HTTP/1.1 200 OK", b"Content-Length: 5",
                             b"Transfer-Encoding: chunked", b"Connection: close",
                             body=b"5\r\nhello\r\n0\r\n\r\n"),
    "bare-cr": lambda r: _ok_with(b"X-Bare-Cr: a\rX-Injected: 1"),
    "nul": lambda r: _ok_with(b"Set-Cookie: a=b\x00; Secure; HttpOnly"),
    "obs-fold": lambda r: _ok_with(b"X-Folded: first\r\n  second"),
    "long-header": lambda r: _ok_with(b"X-Long: " + b"a" * (9 * 1024)),
    "many-headers": lambda r: _ok_with(b"\r\n".join(
        b"X-H%d: %d" % (i, i) for i in range(10000))),
    "status-header": lambda r: _ok_with(b"Status: 302 Found"),
    "x-accel-redirect": lambda r: _ok_with(b"X-Accel-Redirect: /internal/secret"),
    "x-sendfile": lambda r: _ok_with(b"X-Sendfile: /etc/passwd"),
    "x-lighttpd-send-file": lambda r: _ok_with(b"X-LIGHTTPD-send-file: /etc/passwd"),
    "location-200": lambda r: _ok_with(b"Location: /server-status"),
    "upgrade-101": lambda r: _head(b"HTTP/1.1 101 Switching Protocols",
                                   b"Upgrade: websocket", b"Connection: Upgrade",
                                   body=b"\x81\x05hello"),
    "head-body": lambda r: _head(b"HTTP/1.1 200 OK", b"Content-Length: 11",
                                 b"Connection: close", body=b"hello world"),
    "204-body": lambda r: _head(b"HTTP/1.1 204 No Content", b"Connection: close",
                                body=b"unexpected body bytes"),
    "103-close": lambda r: _head(b"HTTP/1.1 103 Early Hints",
                                 b"Link: </style.css>; rel=preload"),
    "bad-status": lambda r: _head(b"HTTP/1.1 2OO OK", b"Content-Length: 2",
                                  b"Connection: close", body=b"ok"),
    "http09": lambda r: b"an HTTP/0.9 answer has no head\n",
    "close": lambda r: b"",
}


def _interim(request):
    out = b""
    for code in request.query.get("codes", "100,103").split(",")[:10]:
        try:
            c = min(max(int(code), 100), 199)
        except ValueError:
            continue
        extra = [b"Link: </style.css>; rel=preload"] if c == 103 else []
        out += _head(b"HTTP/1.1 %d Interim" % c, *extra)
    return out + _ok_with(b"X-After-Interim: yes", body=b"final answer\n")


RAW["interim"] = _interim


def _x_lighttpd(request):
    size = qnum(request, "size", 100 << 10, 0, 16 << 20, int)
    path = request.query.get("file", "/nonexistent").encode("latin-1")
    fields = [b"X-LIGHTTPD-KBytes-per-second: 1",
              b"x-lighttpd-send-tempfile: " + path,
              b"X-Lighttpd-Send-File: " + path,
              b"X-LIGHTTPD-Future-Field: 1"]
    return _ok_with(b"\r\n".join(fields), body=b"L" * size)


RAW["x-lighttpd"] = _x_lighttpd


async def raw(request):
    count_request(request)
    name = request.match_info["name"]
    await read_body(request)
    t = request.transport
    if t is None:
        return web.Response(status=500)
    if name == "never":
        await sleep_unless_gone(request, MAX_WAIT)
    elif name == "trickle":
        interval = qnum(request, "interval", 0.5, 0.0, 60.0)
        data = _ok_with(b"X-Trickled: yes")
        head_end = data.index(b"\r\n\r\n") + 4
        for i in range(head_end):
            if client_gone(request):
                break
            t.write(data[i:i + 1])
            if await sleep_unless_gone(request, interval):
                break
        if not client_gone(request):
            t.write(data[head_end:])
    elif name in RAW:
        t.write(RAW[name](request))
    else:
        return web.Response(status=404, text="no raw answer %r\n" % name)
    if not client_gone(request):
        t.close()
    # aiohttp sees the transport closing and drops this response quietly.
    return web.Response(status=204)


REQUEST_LOG = [None]      # fd of --request-log, or None


def log_request(what, rid):
    line = "%s %s %.6f\n" % (what, rid.replace(" ", "_").replace("\n", "_"),
                              time.time())
    os.write(REQUEST_LOG[0], line.encode("latin-1", "replace"))


@web.middleware
async def request_log(request, handler):
    """With --request-log, records start and end of requests with rid=."""
    rid = request.query.get("rid")
    if REQUEST_LOG[0] is None or rid is None:
        return await handler(request)
    log_request("start", rid)
    resp = await handler(request)
    # Written out here rather than after this returns, so "end" means
    # every byte of the answer has left the agent.
    await resp.prepare(request)
    await resp.write_eof()
    log_request("end", rid)
    return resp


async def on_prepare(request, response):
    if request.query.get("close") == "1":
        response.force_close()


def make_app():
    app = web.Application(client_max_size=MAX_BYTES, middlewares=[request_log])
    r = app.router
    r.add_route("*", "/_/status/{code:[0-9]{1,3}}", status)
    r.add_route("*", "/_/cookies", cookies)
    r.add_route("*", "/_/redirect", redirect)
    r.add_route("*", "/_/bytes/{n:[0-9]{1,12}}", big)
    r.add_route("*", "/_/gzip", gzipped)
    r.add_route("*", "/_/events", events)
    r.add_route("*", "/_/slow", slow)
    r.add_route("*", "/_/reset", reset)
    r.add_route("*", "/_/endless", endless)
    r.add_route("*", "/_/stats", stats)
    r.add_route("*", "/_/reset-stats", reset_stats)
    r.add_route("*", "/_/raw/{name}", raw)
    r.add_route("*", "/{tail:.*}", report)
    app.on_response_prepare.append(on_prepare)
    return app


def count_connections(server):
    """Wraps aiohttp's connection hooks to number connections."""
    made, lost = server.connection_made, server.connection_lost

    def on_made(handler, transport):
        _NEXT_CONN[0] += 1
        CONN_IDS[handler] = [_NEXT_CONN[0], 0, False]
        STATS["connections_accepted"] += 1
        STATS["connections_open"] += 1
        made(handler, transport)

    def on_lost(handler, exc=None):
        if CONN_IDS.pop(handler, None) is not None:
            STATS["connections_open"] -= 1
        lost(handler, exc)

    server.connection_made = on_made
    server.connection_lost = on_lost


async def serve(args):
    kwargs = {"keepalive_timeout": args.keepalive_timeout}
    if args.verbose:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    else:
        kwargs["access_log"] = None
    runner = web.AppRunner(make_app(), **kwargs)
    await runner.setup()
    count_connections(runner.server)
    if args.unix:
        if os.path.exists(args.unix) and stat.S_ISSOCK(os.stat(args.unix).st_mode):
            os.unlink(args.unix)
        site = web.UnixSite(runner, args.unix)
        await site.start()
        ready = "READY unix=%s" % args.unix
    else:
        tls = None
        if args.tls_cert:
            tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.load_cert_chain(args.tls_cert, args.tls_key)
        site = web.TCPSite(runner, args.host, args.port, reuse_address=True,
                           ssl_context=tls)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        ready = "READY port=%d%s" % (port, " tls" if tls else "")
    print(ready, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def main():
    p = argparse.ArgumentParser(description="agent-gateway test agent")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--unix", help="listen on this Unix socket instead")
    p.add_argument("--keepalive-timeout", type=float, default=75.0)
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--request-log",
                   help="append start and end of each request with rid= here")
    p.add_argument("--tls-cert", help="serve https with this certificate (PEM)")
    p.add_argument("--tls-key", help="the certificate's private key (PEM)")
    args = p.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key) or (args.tls_cert and args.unix):
        p.error("--tls-cert and --tls-key go together, and not with --unix")
    if args.request_log:
        REQUEST_LOG[0] = os.open(args.request_log,
                                 os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
