#!/usr/bin/python3
"""cgi-redirect on "shared hosting": no server configuration of its own,
only examples/apache/htaccess-cgi-redirect as .htaccess beside the program
uploaded as cgi-redirect.cgi (AllowOverride All, mod_rewrite). The
settings come from SetEnv in the .htaccess."""
import gwtest as g
import redirect_checks as rc


def main():
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    g.need_apache_module("rewrite")
    agent = g.start_agent()
    srv = g.start_apache(
        None, agent_url=agent.url, modules=["rewrite"], allow_override="All",
        docroot_files={
            ".htaccess": ("render", g.example("apache", "htaccess-cgi-redirect")),
            "cgi-redirect.cgi": ("copy", g.cgi_redirect_path())})
    # The rewrite happens inside Apache: the program still sees the
    # original target, and "/" is rewritten too.
    rc.check_get(srv, agent)
    r = g.fetch(srv.port, "GET", "/")
    g.eq((r.status, r.header("Location")),
         (302, rc.location_for(agent, "127.0.0.1", "/")), "apache: / redirects too")
    rc.check_head(srv, agent)
    rc.check_post(srv, agent, size=1 << 20)
    # The program's own URL is not special to the client: it redirects.
    r = g.fetch(srv.port, "GET", "/cgi-redirect.cgi?x=1")
    g.eq((r.status, r.header("Location")),
         (302, rc.location_for(agent, "127.0.0.1", "/cgi-redirect.cgi?x=1")),
         "apache: the program's own URL redirects like any other")
    rc.check_alive(srv, agent)


g.run(main)
