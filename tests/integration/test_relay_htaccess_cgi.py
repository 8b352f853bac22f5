#!/usr/bin/python3
"""fcgi-relay on shared hosting as a CGI program: only
examples/apache/htaccess-fcgi-relay-cgi as .htaccess beside the program
uploaded as fcgi-relay.cgi (AllowOverride All, mod_rewrite, mod_cgid).
Each directory's SetEnv AGENT_* reaches its relay; Authorization passes
(CGIPassAuth)."""
import gwtest as g
import htaccess_relay as h
import relay_checks as rc


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_apache_module("rewrite")
    agent = g.start_agent()
    srv = g.start_apache(None, modules=["rewrite"], allow_override="All")
    h.check(srv, agent, "htaccess-fcgi-relay-cgi", "fcgi-relay.cgi", "apache cgi .htaccess")


g.run(main)
