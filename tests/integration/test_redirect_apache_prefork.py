#!/usr/bin/python3
"""cgi-redirect under Apache mpm_prefork + mod_cgi, the classic CGI module
(examples/apache/cgi-redirect.conf): the same redirects as with mod_cgid."""
import gwtest as g
import redirect_checks as rc


def main():
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    agent = g.start_agent()
    srv = g.start_apache("cgi-redirect.conf", mpm="prefork",
                         agent_url=agent.url)
    rc.check_all(srv, agent)


g.run(main)
