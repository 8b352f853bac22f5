#!/usr/bin/python3
"""fcgi-relay under lighttpd mod_fastcgi with bin-path (lighttpd starts the
relay with the listen socket on fd 0; examples/lighttpd/fcgi-relay.conf)."""
import gwtest as g
import relay_checks as rc


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    agent = g.start_agent()
    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=agent.url,
                           fcgi_relay=rc.relay_path(),
                           extra_env={"AGENT_RESPONSE_TIMEOUT": rc.RESPONSE_TIMEOUT})
    rc.check_all(srv, agent)


g.run(main)
