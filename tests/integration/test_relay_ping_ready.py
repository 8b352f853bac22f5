#!/usr/bin/python3
"""ping_path and ready_path through lighttpd: ping answers "pong" without
the agent; ready probes the agent (a HEAD of its base URL) and answers
200 "ready" while it is up, 503 "agent unreachable" with Retry-After once
it is stopped, while ping still answers."""
import gwtest as g
import faultkit as fk


def main():
    agent = g.start_agent()
    relay = " ".join([fk.relay_path(), "--ping-path", "/healthz",
                      "--ready-path", "/readyz"])
    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=agent.url,
                           fcgi_relay=relay)
    p = g.fetch(srv.port, "GET", "/healthz")
    g.eq((p.status, p.body), (200, b"pong\n"), "ping: 200 pong")
    g.eq(p.header("Content-Type"), "text/plain; charset=utf-8",
         "ping: text/plain")
    g.eq(p.header("Cache-Control"), "no-store", "ping: no-store")
    g.eq(agent.stats()["requests"], 0, "ping never reaches the agent")
    r = g.fetch(srv.port, "GET", "/readyz")
    g.eq((r.status, r.body), (200, b"ready\n"), "ready with the agent up")
    g.eq(agent.stats()["requests"], 1, "ready probed the agent once")
    q = g.fetch(srv.port, "GET", "/readyz?x")
    g.eq(q.status, 200, "a query does not change the path")
    g.eq(g.fetch(srv.port, "GET", "/healthz/x").status, 200,
         "a path below ping_path goes to the agent")
    agent.stop()
    r = g.fetch(srv.port, "GET", "/readyz")
    g.eq((r.status, r.body), (503, b"agent unreachable\n"),
         "ready with the agent stopped: 503")
    g.eq(r.header("Retry-After"), "5", "... with Retry-After")
    g.eq(g.fetch(srv.port, "GET", "/healthz").status, 200,
         "ping still answers without the agent")
    g.eq(g.fetch(srv.port, "GET", "/page").status, 502,
         "a relayed request: 502")


g.run(main)
