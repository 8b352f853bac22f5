#!/usr/bin/python3
"""fcgi-relay as a plain CGI program reads its environment once, as the
process's settings (issue 12 item 2): settings that cannot be given per
request (lock_agent, which SECURITY.md recommends for shared hosting,
ca_file, keepalive_max_age, config) and AGENT_* names the relay does not
know, all set with SetEnv in .htaccess, leave every request relayed
instead of answering 500. Apache with mod_cgid (event MPM) and mod_cgi
(prefork); the same .htaccess under mod_fcgid is the FastCGI case, where
such names arrive as per-request parameters and are refused."""
import os

import gwtest as g
import htaccess_relay as h
import relay_checks as rc

EXTRA = """
SetEnv AGENT_LOCK_AGENT yes
SetEnv AGENT_CA_FILE /etc/ssl/certs/ca-certificates.crt
SetEnv AGENT_KEEPALIVE_MAX_AGE 30s
SetEnv AGENT_MAX_WORKERS 4
SetEnv AGENT_DEPLOYMENT_COLOUR blue
"""


def check(srv, agent, name):
    h.install(srv, "htaccess-fcgi-relay-cgi", "fcgi-relay.cgi", "env",
              agent.url + "/api", extra=EXTRA)
    for target in ("/env/a?x=1", "/env/b"):
        r = g.fetch(srv.port, "GET", target)
        g.eq((r.status, h.seen(r).get("raw_path")), (200, "/api" + target),
             "%s: %s relayed with lock_agent, ca_file, keepalive_max_age, "
             "max_workers and an unknown AGENT_* name in the environment"
             % (name, target))
    r = g.fetch(srv.port, "POST", "/env/post", body=b"abc" * 1000)
    g.eq((r.status, h.seen(r).get("body_sha256")), (200, g.sha256(b"abc" * 1000)),
         "%s: a POST body passes too" % name)


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_apache_module("rewrite")
    agent = g.start_agent()
    srv = g.start_apache(None, modules=["rewrite"], allow_override="All")
    check(srv, agent, "apache mod_cgid")
    srv.stop()
    srv = g.start_apache(None, mpm="prefork", modules=["rewrite"], allow_override="All")
    check(srv, agent, "apache mod_cgi")
    srv.stop()


g.run(main)
