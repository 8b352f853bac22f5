#!/usr/bin/python3
"""status_path is a process setting only: a per-request AGENT_STATUS_PATH
(lighttpd setenv, as an .htaccess SetEnv would send it) is refused with
500 and logged, and turns no path into the status page."""
import gwtest as g
import faultkit as fk


def main():
    agent = g.start_agent()
    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=agent.url,
                           fcgi_relay=fk.relay_path(),
                           extra_env={"AGENT_STATUS_PATH": "/st"})
    r = g.fetch(srv.port, "GET", "/st?json")
    g.eq(r.status, 500, "per-request AGENT_STATUS_PATH: 500")
    g.ok(b"requests_total" not in r.body, "no status page", r.body[:200])
    g.eq(agent.stats()["requests"], 0, "nothing reached the agent")
    g.ok(fk.wait_for(lambda: "AGENT_STATUS_PATH cannot be set per request"
                     in srv.logs_text(), 5),
         "the refusal is logged, naming the parameter")


g.run(main)
