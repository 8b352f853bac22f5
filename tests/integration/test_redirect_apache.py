#!/usr/bin/python3
"""cgi-redirect under Apache mpm_event + mod_cgid
(examples/apache/cgi-redirect.conf): 302/307 by method, the exact
Location, HEAD without body, escaped HTML body, and a client that follows
the redirect reaching the agent."""
import gwtest as g
import redirect_checks as rc


def main():
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    agent = g.start_agent()
    srv = g.start_apache("cgi-redirect.conf", agent_url=agent.url)
    rc.check_all(srv, agent)


g.run(main)
