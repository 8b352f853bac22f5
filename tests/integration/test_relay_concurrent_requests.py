#!/usr/bin/python3
"""64 requests at once through fcgi-relay (lighttpd mod_fastcgi with the
example's 8 relay threads; Apache mod_fcgid with up to 16 relay
processes): every one answered 200 with its own path and its own body
digest (no answer crosses to another client), within a time bound; and the
agent's connection count stays far below the request count (keep-alive per
worker)."""
import os
import threading
import time

import gwtest as g
import relay_checks as rc

CLIENTS = 64
ROUNDS = 2
BOUND = 25.0            # seconds for all rounds of one server


def one(port, i, rnd, out):
    target = "/c/%d/%d?k=%d&pad=%s" % (rnd, i, i, "x" * (i % 7))
    if i % 2:
        body = os.urandom(1024 * (i + 1))
        r = g.fetch(port, "POST", "/_/slow?delay=0.2&t=" + target, body=body, timeout=BOUND)
        want = ("/_/slow?delay=0.2&t=" + target, len(body), g.sha256(body))
    else:
        r = g.fetch(port, "GET", target, timeout=BOUND)
        want = (target, 0, g.sha256(b""))
    seen = r.json() if r.status == 200 else {}
    out[i] = (r.status, (seen.get("raw_path"), seen.get("body_length"),
                         seen.get("body_sha256")), want)


def check(srv, agent, name, max_conns):
    agent.reset_stats()
    start = time.monotonic()
    bad = []
    for rnd in range(ROUNDS):
        out = [None] * CLIENTS
        ts = [threading.Thread(target=one, args=(srv.port, i, rnd, out), daemon=True)
              for i in range(CLIENTS)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(max(0.1, BOUND - (time.monotonic() - start)))
        bad += [(i, o) for i, o in enumerate(out)
                if o is None or o[0] != 200 or o[1] != o[2]]
    took = time.monotonic() - start
    g.ok(not bad, "%s: %d x %d concurrent requests each answered with its own path and body"
         % (name, ROUNDS, CLIENTS), *bad[:10])
    g.ok(took < BOUND, "%s: all answered within %.0f s (took %.1f s)" % (name, BOUND, took))
    st = agent.stats()
    g.eq(st["requests"], ROUNDS * CLIENTS, "%s: the agent saw every request once" % name)
    g.ok(st["connections"] <= max_conns,
         "%s: agent connections reused: %d for %d requests (at most %d)"
         % (name, st["connections"], st["requests"], max_conns), st)
    r = g.fetch(srv.port, "GET", "/after")
    g.eq(r.status, 200, "%s: serves normally afterwards" % name)


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_apache_module("fcgid")
    agent = g.start_agent()
    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=agent.url, fcgi_relay=rc.relay_path())
    # One process, a worker per request in flight: 64 at once need 64
    # agent connections; the relay keeps 32 (AGENT_KEEPALIVE_MAX) for the
    # second round, which makes up to 32 more.
    check(srv, agent, "lighttpd", 64 + 32)
    srv.stop()
    srv = g.start_apache("fcgi-relay-fcgid.conf", modules=["fcgid"], agent_url=agent.url,
                         fcgi_relay=rc.relay_path())
    # Up to FcgidMaxProcessesPerClass 16 processes, one connection each.
    check(srv, agent, "apache", 20)
    srv.stop()


g.run(main)
