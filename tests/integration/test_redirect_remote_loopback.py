#!/usr/bin/python3
"""A redirect to a loopback name is never sent to a remote client (for it,
localhost is its own machine): 400 naming the problem. The client here is
made remote the way a server behind a trusted proxy sees it: Apache
mod_remoteip and lighttpd mod_extforward take REMOTE_ADDR from
X-Forwarded-For sent by 127.0.0.1. A local client may still be sent to
loopback; public_url avoids the question."""
import gwtest as g
import redirect_checks as rc

LOOPBACK = ["localhost", "LOCALHOST.", "x.localhost", "127.0.0.1", "[::1]",
            "[::ffff:127.0.0.1]", "0.0.0.0"]
REMOTE = [("X-Forwarded-For", "203.0.113.9")]

APACHE_REMOTEIP = """\
RemoteIPHeader X-Forwarded-For
RemoteIPInternalProxy 127.0.0.1
"""
LIGHTTPD_EXTFORWARD = """\
server.modules += ( "mod_extforward" )
extforward.forwarder = ( "127.0.0.1" => "trust" )
extforward.headers = ( "X-Forwarded-For" )
"""


def check_server(srv, agent):
    for host in LOOPBACK:
        r = g.fetch(srv.port, "GET", "/x?a=1", host=host, headers=REMOTE)
        g.ok(r.status == 400 and r.header("Location") is None and b"loopback" in r.body,
             "%s: remote client, Host %s -> 400 naming loopback" % (srv.kind, host), repr(r))
        r = g.fetch(srv.port, "GET", "/x?a=1", host=host)
        g.eq(r.status, 302, "%s: local client, Host %s -> 302" % (srv.kind, host))
    r = g.fetch(srv.port, "GET", "/x?a=1", host="gw.example.org", headers=REMOTE)
    g.eq((r.status, r.header("Location")),
         (302, "http://gw.example.org:%d/x?a=1" % agent.port),
         "%s: remote client with a public name is redirected" % srv.kind)


def main():
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    g.need_apache_module("remoteip")
    agent = g.start_agent()
    check_server(g.start_lighttpd("cgi-redirect.conf", agent_url=agent.url,
                                  directives=LIGHTTPD_EXTFORWARD), agent)
    ap = g.start_apache("cgi-redirect.conf", agent_url=agent.url,
                        modules=["remoteip"], directives=APACHE_REMOTEIP)
    check_server(ap, agent)
    pub = g.start_apache("cgi-redirect.conf", agent_url=agent.url,
                         modules=["remoteip"], directives=APACHE_REMOTEIP,
                         extra_env={"AGENT_PUBLIC_URL": "https://agent.example.org"})
    r = g.fetch(pub.port, "GET", "/x?a=1", host="localhost", headers=REMOTE)
    g.eq((r.status, r.header("Location")), (302, "https://agent.example.org/x?a=1"),
         "apache with public_url: remote client with Host localhost gets the public URL")
    rc.check_alive(ap, agent)


g.run(main)
