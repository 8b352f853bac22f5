#!/usr/bin/python3
"""A sent non-idempotent request is never sent twice (RFC 9110 §9.2.2:
"A proxy MUST NOT automatically retry non-idempotent requests"). The
agent takes a POST on the relay's kept-alive connection and closes without
answering: the client gets 502 and the agent has seen the POST once, not
once more on a fresh connection. An idempotent GET may be retried once.
Through lighttpd with one relay thread, so one libcurl handle and its
kept connection serve every request."""
import gwtest as g
import faultkit as fk


def main():
    agent = g.start_agent()
    srv = fk.lighttpd_relay(agent, threads=1)
    for method, body in (("POST", b"pay once"), ("PATCH", b"pay once"), ("POST", b"")):
        g.eq(g.fetch(srv.port, "GET", "/warm").status, 200,
             "%s: a first request leaves a kept-alive agent connection" % method)
        agent.reset_stats()
        hdrs = [("Content-Type", "text/plain")]
        if not body:
            hdrs.append(("Content-Length", "0"))   # lighttpd wants a length
        r = g.fetch(srv.port, method, "/_/raw/close", body=body, headers=hdrs)
        g.eq(r.status, 502, "%s (%d B body): no answer from the agent -> 502"
             % (method, len(body)))
        g.eq(agent.stats()["requests"], 1,
             "%s (%d B body): the agent saw the request once, no retry" % (method, len(body)))
    g.eq(g.fetch(srv.port, "GET", "/warm").status, 200, "GET: warm connection again")
    agent.reset_stats()
    r = g.fetch(srv.port, "GET", "/_/raw/close")
    g.eq(r.status, 502, "GET: no answer -> 502")
    g.ok(agent.stats()["requests"] <= 2, "GET: at most one retry",
         agent.stats()["requests"])
    g.eq(g.fetch(srv.port, "GET", "/after").status, 200, "the relay serves the next request")


g.run(main)
