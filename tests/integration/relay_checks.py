"""Checks shared by the fcgi-relay integration tests: the same behaviour
asserted through each web server and mode (imported by test_relay_*.py).
The web server must pass AGENT_RESPONSE_TIMEOUT=2 to the relay."""

import json
import os
import socket
import time

import gwtest as g

TARGET = "/p/a%20b/%7Euser/;x=1,y!$'()*:@/?q=%41&r=a+b&s=%3D&t=~&&q=2"
RESPONSE_TIMEOUT = "2"


def relay_path():
    return g.program("fcgi-relay", "fcgi-relay")


def check_target(srv, agent):
    r = g.fetch(srv.port, "GET", TARGET)
    g.eq(r.status, 200, "%s: GET relayed" % srv.kind)
    seen = r.json() if r.status == 200 else {}
    g.eq(seen.get("raw_path"), TARGET, "%s: agent saw the raw path and query" % srv.kind)
    r = g.fetch(srv.port, "GET", "/a/b/%2e%2e/./../c")
    g.eq(r.json().get("raw_path") if r.status == 200 else r.status,
         "/c", "%s: dot-segments, also encoded, resolved" % srv.kind)


def check_methods(srv, agent):
    for m in ("PUT", "DELETE", "PATCH", "OPTIONS"):
        r = g.fetch(srv.port, m, "/m")
        g.eq(r.status == 200 and r.json()["method"], m, "%s: method %s relayed" % (srv.kind, m))
    r = g.fetch(srv.port, "HEAD", "/_/bytes/1000")
    g.eq((r.status, r.body), (200, b""), "%s: HEAD relayed without a body" % srv.kind)


def check_bodies(srv, agent):
    for size in (0, 1 << 20):
        body = os.urandom(size)
        r = g.fetch(srv.port, "POST", "/upload", body=body,
                    headers=[("Content-Type", "application/octet-stream"),
                             ("Content-Length", str(size))])
        seen = r.json() if r.status == 200 else {}
        g.eq((seen.get("body_length"), seen.get("body_sha256")),
             (size, g.sha256(body)), "%s: %d byte request body arrives intact" % (srv.kind, size))
    n = 16 << 20
    r = g.request_digest(srv.port, "GET", "/_/bytes/%d?mode=chunked" % n)
    g.eq((r.body_length, r.body_sha256), (n, r.header("X-Body-Sha256")),
         "%s: 16 MiB chunked response arrives intact" % srv.kind)


def check_status_and_headers(srv, agent, conn_tokens=True):
    r = g.fetch(srv.port, "GET", "/_/status/299?reason=Odd%20Reason")
    g.eq(r.status, 299, "%s: status passed" % srv.kind)
    # lighttpd writes its own reason phrase whatever the CGI Status says.
    if srv.kind != "lighttpd":
        g.eq(r.reason, "Odd Reason", "%s: reason passed" % srv.kind)
    r = g.fetch(srv.port, "GET", "/_/cookies?n=3")
    g.eq(len(r.header_all("Set-Cookie")), 3, "%s: repeated Set-Cookie kept" % srv.kind)
    r = g.fetch(srv.port, "GET", "/h", headers=[
        ("Connection", "close, X-Secret"), ("X-Secret", "1"), ("Proxy", "http://127.0.0.1:1/"),
        ("X-Forwarded-For", "203.0.113.9"), ("X-Forwarded-Host", "evil.example"),
        ("X-Custom", "kept")])
    names = [k.lower() for k, _ in r.json()["headers"]] if r.status == 200 else []
    hdrs = dict((k.lower(), v) for k, v in r.json()["headers"]) if r.status == 200 else {}
    g.ok("proxy" not in names and "connection" not in names,
         "%s: hop-by-hop and Proxy headers removed" % srv.kind, names)
    if conn_tokens:
        g.ok("x-secret" not in names,
             "%s: headers listed in Connection removed" % srv.kind, names)
    g.eq(hdrs.get("x-custom"), "kept", "%s: ordinary header passed" % srv.kind)
    # DESIGN.md: the client's value with REMOTE_ADDR appended, as the web
    # servers' own proxies do (trust_forwarded = no would start it here)
    g.eq(hdrs.get("x-forwarded-for"), "203.0.113.9, 127.0.0.1",
         "%s: X-Forwarded-For is the client's chain plus the client address" % srv.kind)
    g.eq(hdrs.get("x-forwarded-host"), "127.0.0.1:%d" % srv.port, "%s: X-Forwarded-Host set, not appended" % srv.kind)


def check_location(srv, agent):
    r = g.fetch(srv.port, "GET", "/_/redirect?to=/landing")
    g.eq(r.header("Location"), "http://127.0.0.1:%d/landing" % srv.port,
         "%s: Location to the agent rewritten to the client's address" % srv.kind)


def check_agent_faults(srv, agent):
    for name in ("dup-cl", "cl-te", "bare-cr", "obs-fold", "long-header", "bad-status", "103-close"):
        r = g.fetch(srv.port, "GET", "/_/raw/" + name)
        g.eq(r.status, 502, "%s: agent fault %s -> 502" % (srv.kind, name))
    r = g.fetch(srv.port, "GET", "/_/raw/interim?codes=100,103")
    g.eq(r.status, 200, "%s: 1xx before the answer skipped" % srv.kind)
    r = g.fetch(srv.port, "GET", "/_/raw/x-sendfile")
    g.ok(r.status == 200 and r.header("X-Sendfile") is None,
         "%s: X-Sendfile not passed on" % srv.kind, repr(r))
    r = g.fetch(srv.port, "GET", "/_/slow?delay=4")
    g.eq(r.status, 504, "%s: slow agent -> 504" % srv.kind)
    r = g.fetch(srv.port, "GET", "/_/reset?after=65536&length=1048576")
    g.eq(r.status, None, "%s: reset mid-body leaves an incomplete response" % srv.kind)
    r = g.fetch(srv.port, "GET", "/after-faults")
    g.eq(r.status, 200, "%s: the relay serves after the faults" % srv.kind)


def check_client_abort(srv, agent):
    data = g.build_request("GET", "/_/endless?id=abort1", host="127.0.0.1")
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(data)
        s.recv(4096)
    end = time.monotonic() + 8
    how = None
    while time.monotonic() < end and how is None:
        time.sleep(0.3)
        how = agent.stats().get("streams", {}).get("abort1", {}).get("how")
    g.eq(how, "client left", "%s: client abort ends the agent's stream within seconds" % srv.kind)


def check_events(srv, agent):
    data = g.build_request("GET", "/_/events?n=3&pause=1", host="127.0.0.1")
    arrived, sent, buf = [], [], b""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(data)
        while len(arrived) < 3:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
            while b"data: " in buf and b"\n" in buf[buf.index(b"data: "):]:
                i = buf.index(b"data: ")
                j = buf.index(b"\n", i)
                ev = json.loads(buf[i + 6:j].split(b"\r")[0])
                arrived.append(time.time())
                sent.append(ev["sent"])
                buf = buf[j + 1:]
    g.ok(len(arrived) == 3 and arrived[0] < sent[1] and arrived[1] < sent[2],
         "%s: each event arrives before the next is sent" % srv.kind, arrived, sent)


def check_reuse(srv, agent):
    agent.reset_stats()
    for _ in range(20):
        g.fetch(srv.port, "GET", "/reuse")
    st = agent.stats()
    g.ok(st["requests"] >= 20 and st["connections"] <= 8,
         "%s: agent connections reused (%s for %s requests)" % (
             srv.kind, st["connections"], st["requests"]), st)


def check_all(srv, agent, conn_tokens=True):
    """conn_tokens: the web server passes HTTP_CONNECTION (mod_fcgid does
    not, so the relay cannot see which headers it lists)."""
    check_target(srv, agent)
    check_methods(srv, agent)
    check_bodies(srv, agent)
    check_status_and_headers(srv, agent, conn_tokens)
    check_location(srv, agent)
    check_agent_faults(srv, agent)
    check_client_abort(srv, agent)
    check_events(srv, agent)
    check_reuse(srv, agent)
