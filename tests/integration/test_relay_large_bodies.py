#!/usr/bin/python3
"""Large bodies through fcgi-relay, compared by digest, under lighttpd
mod_fastcgi and Apache mod_fcgid (the 0 B and 1 MiB uploads and the
16 MiB response are in relay_checks): a 64 MiB request body with its
length, the same in chunked transfer coding (lighttpd refuses it with 411,
mod_fcgid buffers it and sends a length; under Apache mod_cgid no length
is known and the relay must send it chunked to the agent), a 64 MiB
response with a length and chunked, and 1 MiB up with 64 MiB down in one
request."""
import hashlib
import os
import socket

import gwtest as g
import relay_checks as rc

SIZE = 64 << 20
TIMEOUT = 60


def chunked_upload(port, target, data, piece=1 << 20):
    """POST with Transfer-Encoding: chunked, streamed piece by piece."""
    head = g.build_request("POST", target, [("Transfer-Encoding", "chunked"),
                                            ("Content-Type", "application/octet-stream")],
                           host="127.0.0.1:%d" % port)
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
        s.sendall(head)
        for i in range(0, len(data), piece):
            p = data[i:i + piece]
            s.sendall(b"%x\r\n" % len(p) + p + b"\r\n")
        s.sendall(b"0\r\n\r\n")
        return g.read_response(s, "POST", TIMEOUT)


def try_chunked(srv, data):
    try:
        return chunked_upload(srv.port, "/big-chunked", data)
    except (OSError, ValueError) as e:
        return g.Response(None, str(e), None, [], b"")


def check_cgi_chunked(srv, data, digest):
    """Apache's CGI layer hands a chunked body over without a length: the
    relay must pass it on chunked, streaming."""
    r = try_chunked(srv, data)
    seen = r.json() if r.status == 200 else {}
    hdrs = dict((k.lower(), v) for k, v in seen.get("headers", []))
    g.eq((r.status, seen.get("body_length"), seen.get("body_sha256")), (200, SIZE, digest),
         "apache mod_cgid: 64 MiB chunked request body arrives intact")
    g.eq((hdrs.get("transfer-encoding"), hdrs.get("content-length")), ("chunked", None),
         "apache mod_cgid: no length known, so the relay sent it chunked")


def check(srv, name, data, digest):
    r = g.fetch(srv.port, "POST", "/big-up", body=data, timeout=TIMEOUT,
                headers=[("Content-Type", "application/octet-stream")])
    seen = r.json() if r.status == 200 else {}
    g.eq((r.status, seen.get("body_length"), seen.get("body_sha256")), (200, SIZE, digest),
         "%s: 64 MiB request body with Content-Length arrives intact" % name)
    hdrs = dict((k.lower(), v) for k, v in seen.get("headers", []))
    g.eq(hdrs.get("content-length"), str(SIZE), "%s: the agent got the length" % name)

    r = try_chunked(srv, data)
    if srv.kind == "lighttpd":
        # server.stream-request-body = 2 makes lighttpd refuse a chunked
        # upload without a length by itself (411); the relay never sees it.
        g.eq(r.status, 411, "%s: chunked upload refused by lighttpd itself (411)" % name)
    else:
        seen = r.json() if r.status == 200 else {}
        hdrs = dict((k.lower(), v) for k, v in seen.get("headers", []))
        # mod_fcgid reads the whole body first and sends its length.
        g.eq((r.status, seen.get("body_length"), seen.get("body_sha256"),
              hdrs.get("content-length")), (200, SIZE, digest, str(SIZE)),
             "%s: 64 MiB chunked request body arrives intact, with its length" % name)

    for mode in ("length", "chunked"):
        r = g.request_digest(srv.port, "GET", "/_/bytes/%d?mode=%s" % (SIZE, mode),
                             timeout=TIMEOUT)
        g.eq((r.status, r.body_length, r.body_sha256), (200, SIZE, r.header("X-Body-Sha256")),
             "%s: 64 MiB response (%s) arrives intact" % (name, mode))
    r = g.request_digest(srv.port, "POST", "/_/bytes/%d" % SIZE, body=data[:1 << 20],
                         timeout=TIMEOUT)
    g.eq((r.status, r.body_length, r.body_sha256), (200, SIZE, r.header("X-Body-Sha256")),
         "%s: 1 MiB up and 64 MiB down in one request" % name)
    r = g.fetch(srv.port, "GET", "/after")
    g.eq(r.status, 200, "%s: the relay serves after the large bodies" % name)


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_apache_module("fcgid")
    agent = g.start_agent()
    data = os.urandom(SIZE)
    digest = hashlib.sha256(data).hexdigest()
    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=agent.url, fcgi_relay=rc.relay_path())
    check(srv, "lighttpd", data, digest)
    srv.stop()
    srv = g.start_apache("fcgi-relay-fcgid.conf", modules=["fcgid"], agent_url=agent.url,
                         fcgi_relay=rc.relay_path())
    check(srv, "apache", data, digest)
    srv.stop()
    srv = g.start_apache("fcgi-relay-cgi.conf", agent_url=agent.url, fcgi_relay=rc.relay_path())
    check_cgi_chunked(srv, data, digest)
    srv.stop()


g.run(main)
