#!/usr/bin/python3
"""An agent that accepts the request and never answers, and one that
trickles its head a byte at a time: the relay answers 504 once
response_timeout (2 s here) has passed, and does not put that connection
back into its pool: the next request reaches the agent on a fresh
connection. One relay thread, so the connection that timed out is the
one the next request would reuse (security.md rows 67 and 68).
Through lighttpd (bin-path) and Apache mod_fcgid."""
import time

import gwtest as g
import faultkit as fk

TIMEOUT = 2


def check(srv, agent):
    k = srv.kind
    r = g.fetch(srv.port, "GET", "/warm")
    g.eq(r.status, 200, "%s: a first request is relayed" % k)
    first = r.json() if r.status == 200 else {}
    r = g.fetch(srv.port, "GET", "/again")
    again = r.json() if r.status == 200 else {}
    g.eq((again.get("conn_id"), again.get("request_no")),
         (first.get("conn_id"), 2), "%s: the agent connection is reused" % k)
    for what, target in (("never answers", "/_/raw/never"),
                         ("trickles its head", "/_/raw/trickle?interval=0.5")):
        r = fk.timed_fetch(srv.port, "GET", target, timeout=20)
        g.eq(r.status, 504, "%s: agent that %s -> 504" % (k, what))
        g.ok(TIMEOUT - 0.3 <= r.elapsed <= TIMEOUT + 3,
             "%s: the 504 comes after response_timeout (%.2f s)" % (k, r.elapsed))
        g.ok(len(r.body) < 200 and b"127.0.0.1" not in r.body,
             "%s: short generic error body" % k, r.body)
        r = fk.timed_fetch(srv.port, "GET", "/after")
        seen = r.json() if r.status == 200 else {}
        g.eq((r.status, seen.get("request_no")), (200, 1),
             "%s: after the 504 the next request uses a fresh agent connection" % k)
        g.ok(r.elapsed < 1.5, "%s: and is answered at once (%.2f s)" % (k, r.elapsed))
        # The connection that timed out was closed, not kept: the agent
        # sees only the fresh one open (and the one asking for its stats).
        n = fk.wait_for(lambda: agent.stats()["connections_open"] == 2, 5)
        g.ok(n, "%s: the timed-out agent connection was closed" % k, agent.stats())


def main():
    agent = g.start_agent()
    srv = fk.lighttpd_relay(agent, threads=1,
                            extra_env={"AGENT_RESPONSE_TIMEOUT": str(TIMEOUT)})
    check(srv, agent)
    srv.stop()
    # mod_fcgid: one request at a time per process, one thread each (the
    # default), so sequential requests meet the same relay worker.
    srv = fk.apache_fcgid(agent, extra_env={"AGENT_RESPONSE_TIMEOUT": str(TIMEOUT)})
    check(srv, agent)


g.run(main)
