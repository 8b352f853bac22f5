#!/usr/bin/python3
"""fcgi-relay as a plain CGI program, one process per request: through
lighttpd mod_cgi (examples/lighttpd/fcgi-relay-cgi.conf) and Apache mod_cgid
and mod_cgi (examples/apache/fcgi-relay-cgi.conf): raw path and query,
methods and HEAD, request bodies by digest, statuses and headers, Location
rewriting, Authorization, and a 502 naming the cause when the agent is
down."""
import re

import gwtest as g
import relay_checks as rc


def start(kind, agent_url, mpm="event"):
    env = {"AGENT_RESPONSE_TIMEOUT": rc.RESPONSE_TIMEOUT}
    if kind == "lighttpd":
        return g.start_lighttpd("fcgi-relay-cgi.conf", agent_url=agent_url,
                                fcgi_relay=rc.relay_path(), extra_env=env)
    return g.start_apache("fcgi-relay-cgi.conf", mpm=mpm, agent_url=agent_url,
                          fcgi_relay=rc.relay_path(), extra_env=env)



def check_relayed(srv, agent, name):
    srv.kind = name         # labels; "lighttpd" also skips the reason check
    rc.check_target(srv, agent)
    rc.check_methods(srv, agent)
    rc.check_bodies(srv, agent)
    rc.check_status_and_headers(srv, agent)
    rc.check_location(srv, agent)
    r = g.fetch(srv.port, "GET", "/auth", headers=[("Authorization", "Basic eDp5")])
    hdrs = dict(r.json()["headers"]) if r.status == 200 else {}
    g.eq(hdrs.get("Authorization"), "Basic eDp5", "%s: Authorization reaches the agent" % name)
    # One process per request: every request is a connection of its own.
    agent.reset_stats()
    for i in range(3):
        g.fetch(srv.port, "GET", "/n%d" % i)
    g.eq(agent.stats()["requests"], 3, "%s: three requests, three at the agent" % name)


def check_agent_down(kind, mpm, name):
    port = g.free_port()
    srv = start(kind, "http://127.0.0.1:%d" % port, mpm)
    r = g.fetch(srv.port, "GET", "/down/x?y=1")
    g.eq((r.status, len(r.body) < 200), (502, True), "%s: agent down -> short 502" % name)
    text = srv.logs_text()
    g.ok(re.search(r"GET /down/x\?y=1.*(onnect|refused)", text),
         "%s: the log names method, URI and the connect failure" % name, text[-2000:])
    r = g.fetch(srv.port, "POST", "/down/post", body=b"p" * (300 << 10))
    g.eq(r.status, 502, "%s: agent down, POST with a body -> 502" % name)
    srv.stop()


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    agent = g.start_agent()
    for kind, mpm, name in (("lighttpd", None, "lighttpd"),
                            ("apache", "event", "apache mod_cgid"),
                            ("apache", "prefork", "apache mod_cgi")):
        srv = start(kind, agent.url, mpm)
        check_relayed(srv, agent, name)
        srv.stop()
        check_agent_down(kind, mpm, name)


g.run(main)
