#!/usr/bin/python3
"""The relay's access log (access_log = yes) through lighttpd with
examples/lighttpd/fcgi-relay.conf: one line per request, in the format
README.md "Access log" gives, checked field by field with a strict
pattern. A 200 without an id (the agent gets the id the line shows), with
a well-formed one (kept), with malformed ones (replaced, never two); a
second request on the kept agent connection says reused, as the agent's
own count of requests on that connection agrees; an early 413; a 502
(agent_url at a closed port); a 504 (response_timeout 1 s, the agent's
/_/slow waits 3 s); a client that leaves an endless stream (cut, no
second status). Status and body bytes equal what the client got."""
import calendar
import re
import socket
import time

import gwtest as g
import faultkit as fk
from fcgipeer import Stream, ask, base_params

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
LINE = re.compile(
    r"fcgi-relay\[\d+\]: info: access "
    r"\[(?P<day>\d{2})/(?P<mon>%s)/(?P<year>\d{4}):(?P<h>\d{2}):(?P<m>\d{2}):(?P<s>\d{2}) \+0000\] "
    r"(?P<addr>[0-9a-fA-F.:]+) "
    r"\"(?P<method>[A-Z]+) (?P<uri>[\x21-\x7e]+)\" "
    r"(?P<status>[1-9]\d\d|-) (?P<bytes>\d+) (?P<ms>\d+)ms "
    r"ttfb=(?P<ttfb>\d+ms|-) agent=(?P<agent>new|reused|-) "
    r"cause=(?P<cause>[a-z_]+) id=(?P<id>[A-Za-z0-9._:+/=-]{1,128})$"
    % "|".join(MONTHS))
HEX32 = re.compile(r"^[0-9a-f]{32}$")

# Per-request settings: a short first-byte deadline for /_/slow?delay=
# (by its query: lighttpd 1.4.69 did not match "^/_/slow" on the url),
# an agent that refuses for /unreach, a small body limit for /small.
DIRECTIVES = """\
$HTTP["querystring"] =~ "^delay=" {
    setenv.add-environment += ( "AGENT_RESPONSE_TIMEOUT" => "1" )
}
$HTTP["url"] =~ "^/unreach" {
    setenv.add-environment += ( "AGENT_URL" => "http://127.0.0.1:%(closed)d" )
}
$HTTP["url"] =~ "^/small" {
    setenv.add-environment += ( "AGENT_MAX_BODY_SIZE" => "10" )
}
"""


def closed_port():
    """A port nothing listens on (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port



def access_lines(srv):
    return [ln for ln in srv.logs_text().splitlines() if ": info: access " in ln]


def line_for(srv, uri, timeout=10):
    """The one access line whose request target is uri (waits for it: the
    line is written as the request ends, after the client's answer)."""
    def find():
        found = [ln for ln in access_lines(srv) if (' %s" ' % uri) in ln]
        return found or None
    found = fk.wait_for(find, timeout) or []
    if len(found) != 1:
        g.diag("lines for %s: %r" % (uri, found))
        return None
    m = LINE.search(found[0])
    if m is None or m.start() != found[0].find("fcgi-relay["):
        g.diag("does not parse: %r" % found[0])
        return None
    return m.groupdict()


def sane(f, name):
    """Fields that hold for every line: a time of this run, a client
    address, duration >= time to first byte."""
    if f is None:
        return g.ok(False, "%s: exactly one access line, which parses" % name)
    t = calendar.timegm((int(f["year"]), MONTHS.index(f["mon"]) + 1,
                         int(f["day"]), int(f["h"]), int(f["m"]), int(f["s"])))
    ttfb = int(f["ttfb"][:-2]) if f["ttfb"] != "-" else None
    return g.ok(abs(time.time() - t) < 120 and f["addr"] == "127.0.0.1" and
                (ttfb is None or ttfb <= int(f["ms"])),
                "%s: one line, time of now (UTC), client address, ttfb <= duration"
                % name, f)


def agent_ids(r):
    return [v for k, v in r.json()["headers"] if k.lower() == "x-request-id"]


def check_relayed(srv):
    # no id from the client: one is made, sent, logged
    r = g.fetch(srv.port, "GET", "/al/plain?q=1")
    g.eq(r.status, 200, "plain GET answered")
    ids = agent_ids(r) if r.status == 200 else []
    f = line_for(srv, "/al/plain?q=1")
    sane(f, "plain")
    g.ok(len(ids) == 1 and HEX32.match(ids[0]),
         "the agent got one X-Request-Id, 32 hex digits", ids)
    g.ok(f and ids and f["id"] == ids[0],
         "the line's id is the one the agent got", f, ids)
    g.ok(f and (f["method"], f["status"], int(f["bytes"]), f["cause"]) ==
         ("GET", "200", len(r.body), "ok") and f["ttfb"] != "-",
         "status 200, the body's bytes, cause ok, a first byte", f, len(r.body))
    conn = r.json()["request_no"] if r.status == 200 else None
    g.eq(f and f["agent"], "new" if conn == 1 else "reused",
         "agent connection as the agent counted it (request %s on it)" % conn)

    # the next request takes the kept connection
    r2 = g.fetch(srv.port, "GET", "/al/again")
    f2 = line_for(srv, "/al/again")
    sane(f2, "again")
    g.ok(r2.status == 200 and r2.json()["request_no"] > 1 and f2 and
         f2["agent"] == "reused",
         "a second request on the kept agent connection: agent=reused",
         f2, r2.status == 200 and r2.json()["request_no"])
    g.ok(f2 and f and f2["id"] != f["id"] and HEX32.match(f2["id"]),
         "each request gets an id of its own", f and f["id"], f2 and f2["id"])

    # a well-formed id is kept, byte for byte
    mine = "client-4f1c.9:a+b/c=d_e"
    r = g.fetch(srv.port, "GET", "/al/kept", headers=[("X-Request-Id", mine)])
    f = line_for(srv, "/al/kept")
    sane(f, "kept")
    g.eq(agent_ids(r) if r.status == 200 else None, [mine],
         "a well-formed client id reaches the agent unchanged, once")
    g.eq(f and f["id"], mine, "and is the line's id")

    # malformed ones are replaced, never forwarded next to the new one
    for n, bad in enumerate(["bad!id", "x" * 129, "two words", ""]):
        uri = "/al/bad/%d" % n
        r = g.fetch(srv.port, "GET", uri, headers=[("X-Request-Id", bad)])
        f = line_for(srv, uri)
        ids = agent_ids(r) if r.status == 200 else []
        g.ok(len(ids) == 1 and HEX32.match(ids[0]) and f and f["id"] == ids[0],
             "malformed id %r (%d bytes) replaced: one new id, the same in the line"
             % (bad[:12], len(bad)), ids, f)


def check_failures(srv):
    # answered before the agent: the body is over max_body_size
    r = g.fetch(srv.port, "POST", "/small/up", body=b"b" * 100,
                headers=[("Content-Type", "text/plain")])
    f = line_for(srv, "/small/up")
    sane(f, "413")
    g.ok(r.status == 413 and f and (f["status"], int(f["bytes"]), f["agent"],
                                    f["cause"]) ==
         ("413", len(r.body), "-", "body_too_large") and f["ttfb"] != "-",
         "early 413: status and bytes as the client got them, no agent connection",
         r.status, len(r.body), f)

    # 502: nothing listens at agent_url
    r = g.fetch(srv.port, "GET", "/unreach/x")
    f = line_for(srv, "/unreach/x")
    sane(f, "502")
    g.ok(r.status == 502 and f and (f["status"], int(f["bytes"]), f["agent"],
                                    f["cause"]) ==
         ("502", len(r.body), "-", "unreachable") and HEX32.match(f["id"]),
         "502: status and bytes as the client got them, agent=-, cause unreachable",
         r.status, len(r.body), f)
    text = srv.logs_text()
    g.ok(f and re.search(r"GET /unreach/x: .* -> 502 after \d+ ms id=%s$" % f["id"],
                         text, re.M),
         "the failure line names the same request id", text[-1500:])
    # the worker's handle still holds the agent connection from before the
    # failed connect: libcurl reuses it, the line must say so
    r = g.fetch(srv.port, "GET", "/al/after-502")
    f = line_for(srv, "/al/after-502")
    n = r.json()["request_no"] if r.status == 200 else None
    g.eq(f and f["agent"], "new" if n == 1 else "reused",
         "after the 502, agent connection as the agent counted it (request %s on it)" % n)

    # 504: no head within response_timeout (1 s; the agent waits 3 s)
    t0 = time.monotonic()
    r = g.fetch(srv.port, "GET", "/_/slow?delay=3")
    took = time.monotonic() - t0
    f = line_for(srv, "/_/slow?delay=3")
    sane(f, "504")
    g.ok(r.status == 504 and took < 2.8 and f and
         (f["status"], int(f["bytes"]), f["cause"]) ==
         ("504", len(r.body), "timeout") and f["agent"] in ("new", "reused") and
         1000 <= int(f["ms"]) < 2800 and int(f["ttfb"][:-2]) >= 1000,
         "504 after ~1 s: status, bytes, cause timeout, an agent connection, "
         "first byte after the deadline", r.status, took, f)


def check_abort(srv):
    uri = "/_/endless?interval=0.1&size=100"
    s = fk.connect(srv.port)
    s.sendall(g.build_request("GET", uri, host="127.0.0.1:%d" % srv.port))
    got = b""
    while got.count(b"x" * 99) < 3:
        piece = s.recv(4096)
        if not piece:
            break
        got += piece
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
    s.close()
    f = line_for(srv, uri, timeout=15)
    sane(f, "abort")
    g.ok(f and f["status"] == "200" and f["cause"] == "client_gone" and
         int(f["bytes"]) >= 300 and f["agent"] in ("new", "reused"),
         "client left mid-stream: status 200 went out, cause client_gone, "
         "the bytes handed on before", f, len(got))


def check_busy(agent):
    """A 503 past max_workers has its line too (standalone relay, one
    worker held by a stream)."""
    relay, addr, logp = fk.start_relay(agent, 1, args=("--access-log=yes",))
    st = Stream(addr, 20, 0.3)
    st.read_for(0.6)
    status, _ = ask(addr, base_params(b"/al/busy"))
    st.close()

    def find():
        with open(logp, encoding="latin-1") as f:
            found = [ln for ln in f.read().splitlines()
                     if ": info: access " in ln and ' /al/busy" ' in ln]
        return found or None
    found = fk.wait_for(find, 5) or []
    m = LINE.search(found[0]) if len(found) == 1 else None
    f = m.groupdict() if m else None
    g.ok(status == 503 and f is not None and f["status"] == "503" and
         f["cause"] == "busy" and f["agent"] == "-" and
         int(f["bytes"]) > 0 and HEX32.match(f["id"]),
         "503 at max_workers: one line, status 503, cause busy, no agent "
         "connection, its body bytes, a made id", status, found)
    relay.stop()


def main():
    agent = g.start_agent()
    g.need_file(fk.relay_path(), "fcgi-relay (build it first)")
    srv = g.Lighttpd(g.example("lighttpd", "fcgi-relay.conf"),
                     {"agent_url": agent.url, "fcgi_relay": fk.relay_path()},
                     {"AGENT_ACCESS_LOG": "yes"},
                     DIRECTIVES % {"closed": closed_port()}).start()
    check_relayed(srv)
    check_failures(srv)
    check_abort(srv)
    check_busy(agent)
    lines = access_lines(srv)
    bad = [ln for ln in lines if not LINE.search(ln)]
    g.eq(bad, [], "every access line parses (%d lines)" % len(lines))


g.run(main)
