#!/usr/bin/python3
"""The sample agent (tests/agent.py) does what its docstring promises: the
report of a request, and each fault endpoint's bytes, checked straight
against the agent (the relay and redirect tests rely on them)."""
import gzip
import os
import socket
import time

import gwtest as g


def raw(agent, target, method="GET", timeout=5):
    data = g.build_request(method, target, host="127.0.0.1:%d" % agent.port)
    return g.raw_exchange(agent.port, data, timeout=timeout)


def main():
    agent = g.start_agent()
    p = agent.port
    body = os.urandom(100000)
    r = g.fetch(p, "POST", "/a%2Fb/./c%20?x=%41&y", body=body,
                headers=[("X-One", "1"), ("x-two", "a, b"), ("X-One", "again")])
    j = r.json()
    g.eq((j["method"], j["raw_path"], j["query_string"], j["body_length"], j["body_sha256"]),
         ("POST", "/a%2Fb/./c%20?x=%41&y", "x=%41&y", len(body), g.sha256(body)),
         "report: method, raw path and query, body length and digest")
    g.eq([h for h in j["headers"] if h[0].lower() in ("x-one", "x-two")],
         [["X-One", "1"], ["x-two", "a, b"], ["X-One", "again"]],
         "report: headers in order, spelling and repeats kept")

    r = g.fetch(p, "GET", "/_/status/418?reason=Short%20and%20stout")
    g.eq((r.status, r.reason), (418, "Short and stout"), "status and reason")
    r = g.fetch(p, "GET", "/_/status/204")
    g.eq((r.status, r.body), (204, b""), "204 without body")
    r = g.fetch(p, "GET", "/_/cookies?n=3")
    g.eq(len(r.header_all("Set-Cookie")), 3, "three Set-Cookie headers")
    r = g.fetch(p, "GET", "/_/redirect?to=/t&form=absolute")
    g.eq((r.status, r.header("Location"), r.header("Content-Location")),
         (302, "http://127.0.0.1:%d/t" % p, "http://127.0.0.1:%d/t" % p), "redirect to itself")
    r = g.fetch(p, "GET", "/_/redirect?to=/t&form=relative&status=307")
    g.eq((r.status, r.header("Location")), (307, "/t"), "relative redirect")

    for mode in ("length", "chunked"):
        r = g.fetch(p, "GET", "/_/bytes/300001?mode=%s&chunk=1000" % mode)
        g.ok(len(r.body) == 300001 and g.sha256(r.body) == r.header("X-Body-Sha256"),
             "bytes (%s): length and X-Body-Sha256 agree" % mode, repr(r)[:300])
        te = r.header("Transfer-Encoding")
        g.eq(te == "chunked", mode == "chunked", "bytes (%s): framing" % mode)
    r = g.fetch(p, "GET", "/_/gzip?n=5000")
    g.ok(r.header("Content-Encoding") == "gzip" and
         g.sha256(r.body) == r.header("X-Body-Sha256") and
         g.sha256(gzip.decompress(r.body)) == r.header("X-Identity-Sha256"),
         "gzip body and its digests")

    t0 = time.monotonic()
    r = g.fetch(p, "GET", "/_/slow?delay=0.5")
    g.ok(r.status == 200 and time.monotonic() - t0 >= 0.5, "slow answers after the delay")

    # Events arrive one by one, each before the next is sent.
    with socket.create_connection(("127.0.0.1", p), timeout=5) as s:
        s.sendall(g.build_request("GET", "/_/events?n=3&pause=0.3", host="x"))
        first = s.recv(65536)
        g.ok(b"text/event-stream" in first and b"id: 1" not in first,
             "events: the first arrives alone", first)

    out = raw(agent, "/_/reset?after=1000&length=5000")
    head, _, rest = out.partition(b"\r\n\r\n")
    g.ok(b"Content-Length: 5000" in head and len(rest) == 1000,
         "reset: 1000 of 5000 announced bytes, then the connection ends", head, len(rest))

    out = raw(agent, "/_/endless?id=t1&interval=0.05", timeout=0.5)
    time.sleep(0.3)
    rec = agent.stats()["streams"].get("t1", {})
    g.ok(len(out) > 200 and rec.get("how") == "client left" and rec.get("left"),
         "endless: streams, and records the client leaving", rec)

    expect = {
        "dup-cl": b"Content-Length: 5\r\nContent-Length: 11\r\n",
        "cl-te": b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        "bare-cr": b"X-Bare-Cr: a\rX-Injected: 1\r\n",
        "nul": b"Set-Cookie: a=b\x00; Secure",
        "obs-fold": b"X-Folded: first\r\n  second\r\n",
        "long-header": b"X-Long: " + b"a" * 9216 + b"\r\n",
        "many-headers": b"X-H9999: 9999\r\n",
        "status-header": b"\r\nStatus: 302 Found\r\n",
        "x-accel-redirect": b"\r\nX-Accel-Redirect: /internal/secret\r\n",
        "x-sendfile": b"\r\nX-Sendfile: /etc/passwd\r\n",
        "x-lighttpd-send-file": b"\r\nX-LIGHTTPD-send-file: /etc/passwd\r\n",
        "location-200": b"HTTP/1.1 200 OK\r\n",
        "upgrade-101": b"HTTP/1.1 101 Switching Protocols\r\n",
        "204-body": b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\nunexpected",
        "103-close": b"HTTP/1.1 103 Early Hints\r\n",
        "interim?codes=100,103": b"HTTP/1.1 100 Interim\r\n\r\nHTTP/1.1 103 Interim\r\n",
        "bad-status": b"HTTP/1.1 2OO OK\r\n",
        "http09": b"an HTTP/0.9 answer",
        "trickle?interval=0.01": b"HTTP/1.1 200 OK\r\n",
    }
    for name, want in expect.items():
        out = raw(agent, "/_/raw/" + name)
        g.ok(want in out, "raw %s" % name, repr(out[:200]))
    out = raw(agent, "/_/raw/head-body", method="HEAD")
    g.ok(out.endswith(b"\r\n\r\nhello world"), "raw head-body: a body after HEAD", out)
    g.eq(raw(agent, "/_/raw/close"), b"", "raw close: nothing")
    t0 = time.monotonic()
    g.eq(raw(agent, "/_/raw/never", timeout=0.5), b"", "raw never: no answer")

    st = agent.stats()
    # every raw request above was one connection, closed by now (the
    # client reads to the end or times out, then closes)
    g.ok(st["requests"] >= 30 and st["connections"] >= 30,
         "stats count requests and connections", st)
    # ... and the only one open is the stats request's own
    deadline = time.monotonic() + 5
    while agent.stats()["connections_open"] != 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    st = agent.stats()
    g.ok(st["connections_open"] == 1,
         "stats: connections the clients closed are counted closed", st)
    # Keep-alive: two requests on one connection share a conn_id.
    with socket.create_connection(("127.0.0.1", p), timeout=5) as s:
        ids = []
        for _ in range(2):
            s.sendall(g.build_request("GET", "/k", host="x", close=False))
            ids.append(g.read_response(s).json()["conn_id"])
    g.ok(ids[0] == ids[1] and ids[0] > 0, "one connection, one conn_id", ids)
    agent.reset_stats()
    st = agent.stats()
    g.eq((st["requests"], st["streams"]), (0, {}), "reset-stats zeroes the counters")

    # The agent survived all of it.
    g.eq(g.fetch(p, "GET", "/alive").status, 200, "agent still answers")
    sock = os.path.join(g.make_dir("unix"), "agent.sock")
    ua = g.start_agent(unix=sock)
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(sock)
        s.sendall(g.build_request("GET", "/u?x=1", host="localhost"))
        j = g.read_response(s).json()
    g.eq((j["raw_path"], j["peer"]), ("/u?x=1", "unix"), "agent on a Unix socket")
    ua.stop()


g.run(main)
