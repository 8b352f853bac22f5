#!/usr/bin/python3
"""A peer that speaks FastCGI to the relay's --listen socket itself: what
anyone who reaches that socket can send (security.md rows 51, 52, 57, 6,
31, 32, 24-25, 55, 49, 60). Every answer must be a fixed error from the
relay, the agent must not be asked, and the relay must keep serving. The
peer builds the records by hand so it can send what no web server would:
raw control bytes in REQUEST_URI, CR/LF in a header value, other roles,
lengths near 2 GiB, a body left unread on a kept connection."""
import os
import socket
import stat
import struct
import time

import gwtest as g
import faultkit as fk

from fcgipeer import (AUTHORIZER, FILTER, KEEP_CONN, PARAMS, RESPONDER, ask,
                      base_params, begin, params_records, read_records, record,
                      status_of, stdin_records)


def check_refused(addr, agent, label, params, want, role=RESPONDER):
    agent.reset_stats()
    st, out = ask(addr, params, role)
    g.eq((st, agent.stats()["requests"]), (want, 0), "%s -> %s, agent not asked" % (label, want))
    g.ok(b"127.0.0.1:%d" % agent.port not in out and b"curl" not in out.lower(),
         "%s: the error body names neither the agent nor curl" % label, out[:300])


def serves(addr, label):
    st, out = ask(addr, base_params(b"/still?x=1"))
    g.eq(st, 200, "relay still serves after %s" % label)


def main():
    agent = g.start_agent()
    trap = fk.Trap()
    trap_url = trap.url.encode()
    relay, addr, logp = fk.start_relay(agent, 2, args=("--lock-agent=yes",
                                                        "--max-body-size=1000"))
    mode = stat.S_IMODE(os.stat(addr).st_mode)
    g.eq(mode & 0o007, 0, "row 51: the --listen Unix socket is not open to others (%o)" % mode)

    st, out = ask(addr, base_params(b"/peer?a=1"))
    g.ok(st == 200 and b'"raw_path": "/peer?a=1"' in out, "a hand-built request is relayed",
         out[:400])

    # row 57: only the RESPONDER role
    check_refused(addr, agent, "row 57: FCGI role AUTHORIZER", base_params(), 500, AUTHORIZER)
    check_refused(addr, agent, "row 57: FCGI role FILTER", base_params(), 500, FILTER)
    # row 6: raw control bytes in the target, as only the socket can send
    for label, uri in (("CR LF", b"/a\r\nSet-Cookie: x=1"),
                       ("0x01", b"/a\x01"), ("DEL in query", b"/a?b=\x7f")):
        check_refused(addr, agent, "row 6: raw %s in REQUEST_URI" % label,
                      base_params(uri), 400)
    # row 31: header names and values
    check_refused(addr, agent, "row 31: CR LF in a header value",
                  base_params(extra=[(b"HTTP_X_A", b"v\r\nX-Injected: 1")]), 400)
    # A NUL cannot be seen: libfcgi hands parameters over as C strings,
    # so the value ends there. What matters is that nothing after it
    # travels on (no injection).
    agent.reset_stats()
    st, out = ask(addr, base_params(b"/nul\0X-Injected: 1", extra=[
        (b"HTTP_X_A", b"v\0\r\nX-Injected: 1")]))
    g.ok(st == 200 and b'"raw_path": "/nul"' in out and b'["X-A", "v"]' in out and
         b"Injected" not in out,
         "rows 6/31: a NUL ends the value; nothing after it reaches the agent", out[:700])
    check_refused(addr, agent, "row 31: non-token header name",
                  base_params(extra=[(b"HTTP_X_(A", b"v")]), 400)
    # row 30: method
    check_refused(addr, agent, "row 30: method with a space",
                  base_params(method=b"GET /x"), 400)
    # row 32: huge or numerous HTTP_* params
    check_refused(addr, agent, "row 32: 300 HTTP_* params",
                  base_params(extra=[(b"HTTP_X_N%d" % i, b"1") for i in range(300)]), 431)
    check_refused(addr, agent, "row 32: one 100 KiB HTTP_* param",
                  base_params(extra=[(b"HTTP_X_BIG", b"a" * (100 << 10))]), 431)
    # rows 49/51: with lock_agent a peer cannot choose where the relay connects
    for name in (b"AGENT_URL", b"AGENT_SOCKET", b"AGENT_AGENT_URL", b"AGENT_AGENT_SOCKET"):
        val = trap_url if name.endswith(b"URL") else b"/var/run/docker.sock"
        check_refused(addr, agent, "row 49: per-request %s with lock_agent" % name.decode(),
                      base_params(extra=[(name, val)]), 500)
    g.ok(not trap.hit(), "row 49: no connection reached the address the peer named")
    trap.close()

    # rows 24-25: HTTP_CONTENT_LENGTH / HTTP_TRANSFER_ENCODING never frame the body
    agent.reset_stats()
    st, out = ask(addr, base_params(b"/body", b"POST", [
        (b"CONTENT_LENGTH", b"5"), (b"HTTP_CONTENT_LENGTH", b"999"),
        (b"HTTP_TRANSFER_ENCODING", b"chunked")]), body=b"hello")
    g.ok(st == 200 and b'"body_length": 5' in out and b"chunked" not in out.split(b"\r\n\r\n", 1)[1],
         "rows 24-25: the body is CONTENT_LENGTH's 5 bytes; HTTP_* framing params ignored",
         out[:600])
    for bad in (b"-1", b"+5", b" 5", b"5,5", b"0x10", b"99999999999999999999"):
        check_refused(addr, agent, "row 25: CONTENT_LENGTH %r" % bad,
                      base_params(b"/cl", b"POST", [(b"CONTENT_LENGTH", bad)]), 400)

    # row 55: an early 413 on a kept connection leaves no unread body
    # records behind: the next request on it is answered whole, or the
    # relay closes the connection; never a protocol error for a live one.
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(addr)
        s.sendall(begin(flags=KEEP_CONN) +
                  params_records(base_params(b"/big", b"POST", [(b"CONTENT_LENGTH", b"5000")])) +
                  stdin_records(b"x" * 5000))
        out, ended = read_records(s, time.monotonic() + 10)
        g.eq((status_of(out), ended), (413, True), "row 55: 413 above max_body_size, request ended")
        try:
            s.sendall(begin(flags=KEEP_CONN) + params_records(base_params(b"/next")) +
                      stdin_records(b""))
            out2, ended2 = read_records(s, time.monotonic() + 10)
        except OSError:
            out2, ended2 = b"", False
        g.ok((status_of(out2) == 200 and ended2) or out2 == b"",
             "row 55: the next request on that connection is whole or the connection closed",
             out2[:300])
    serves(addr, "the early 413")

    # row 52: CVE-2025-23016 shape, name and value lengths near 2 GiB (their
    # sum overflows), then the peer goes away; the process survives. Known
    # limit (SECURITY.md): lengths whose sum is just 2 GiB make Debian's
    # libfcgi 2.4.2-2+deb12u1 fail an assert in its Malloc and abort the
    # whole process; only a peer on the socket can send them.
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(addr)
        blob = struct.pack(">II", 0xFFFFFFFF, 0xFFFFFFFF) + b"A" * 64
        s.sendall(begin() + record(PARAMS, blob))
        time.sleep(0.3)
    g.eq(relay.poll(), None, "row 52: lengths near 2 GiB do not end the relay")
    serves(addr, "parameter lengths near 2 GiB")

    # row 60: a peer that stops reading a large answer holds only its own
    # worker (the relay has 2): another request is served meanwhile.
    stalled = socket.socket(socket.AF_UNIX)
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.connect(addr)
    stalled.sendall(begin() + params_records(base_params(b"/_/bytes/67108864")) +
                    stdin_records(b""))
    time.sleep(1)
    t0 = time.monotonic()
    st, _ = ask(addr, base_params(b"/beside-stalled"))
    g.ok(st == 200 and time.monotonic() - t0 < 5,
         "row 60: served beside a peer that stopped reading", st)
    stalled.close()
    serves(addr, "the stalled peer left")
    with open(logp, encoding="latin-1") as f:
        log = f.read()
    g.ok("lock_agent" in log and "RESPONDER" in log, "refusals are logged with their cause",
         log[-1500:])
    relay.stop()


g.run(main)
