#!/usr/bin/python3
"""fcgi-relay under Apache mod_fcgid (Apache starts the relay processes;
examples/apache/fcgi-relay-fcgid.conf)."""
import gwtest as g
import relay_checks as rc


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_apache_module("fcgid")
    agent = g.start_agent()
    srv = g.start_apache("fcgi-relay-fcgid.conf", modules=["fcgid"],
                         agent_url=agent.url, fcgi_relay=rc.relay_path(),
                         extra_env={"AGENT_RESPONSE_TIMEOUT": rc.RESPONSE_TIMEOUT})
    rc.check_all(srv, agent, conn_tokens=False)
    # Authorization reaches the agent (FcgidPassHeader Authorization).
    r = g.fetch(srv.port, "GET", "/auth", headers=[("Authorization", "Basic eDp5")])
    hdrs = dict(r.json()["headers"]) if r.status == 200 else {}
    g.eq(hdrs.get("Authorization"), "Basic eDp5", "apache: Authorization passed to the agent")


g.run(main)
