#!/usr/bin/python3
"""Location and Content-Location rewriting with the gateway mounted under a
path (strip_prefix /gw): the agent's own absolute URLs (its listening
address, its Host, another loopback spelling of it) and its root-relative
paths become the client's address under /gw, like Apache's
ProxyPassReverse; URLs of other hosts or other loopback ports are left
alone; the prefix is stripped segment-aligned from what the agent sees.
Through lighttpd mod_fastcgi and Apache mod_fcgid (strip_prefix as a
per-request parameter)."""
import urllib.parse

import gwtest as g
import relay_checks as rc


def redirect(srv, to, form="relative", status=302):
    q = urllib.parse.urlencode({"to": to, "form": form, "status": status})
    return g.fetch(srv.port, "GET", "/gw/_/redirect?" + q)


def check(srv, agent, name):
    me = "http://127.0.0.1:%d" % srv.port
    ap = agent.port
    cases = [("/landing", "absolute", 302, me + "/gw/landing"),
             ("/landing", "host", 302, me + "/gw/landing"),
             ("/a/b?c=1&d=%41", "absolute", 307, me + "/gw/a/b?c=1&d=%41"),
             ("/", "absolute", 301, me + "/gw/"),
             ("/rel", "relative", 302, "/gw/rel"),
             ("http://localhost:%d/lh" % ap, "relative", 302, me + "/gw/lh"),
             ("http://other.example/x", "relative", 302, "http://other.example/x"),
             ("http://127.0.0.1:1/x", "relative", 302, "http://127.0.0.1:1/x"),
             ("https://127.0.0.1:%d/s" % ap, "relative", 302, "https://127.0.0.1:%d/s" % ap)]
    for to, form, status, want in cases:
        r = redirect(srv, to, form, status)
        g.eq((r.status, r.header("Location"), r.header("Content-Location")),
             (status, want, want),
             "%s: %s Location %s (%s) -> %s" % (name, status, to, form, want))
    r = g.fetch(srv.port, "GET", "/gw/x/y?z=%2F")
    g.eq(r.status == 200 and r.json()["raw_path"], "/x/y?z=%2F",
         "%s: /gw stripped before the agent sees the path" % name)
    r = g.fetch(srv.port, "GET", "/gwx/y")
    g.eq(r.status == 200 and r.json()["raw_path"], "/gwx/y",
         "%s: /gwx is not under /gw (segment-aligned)" % name)
    r = g.fetch(srv.port, "GET", "/gw")
    g.eq(r.status == 200 and r.json()["raw_path"], "/", "%s: /gw itself is the agent's /" % name)
    r = g.fetch(srv.port, "GET", "/_/raw/location-200")
    g.ok(r.status == 200 and r.header("Location") is None,
         "%s: a Location on a 200 is still dropped" % name, repr(r))


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_apache_module("fcgid")
    agent = g.start_agent()
    env = {"AGENT_STRIP_PREFIX": "/gw"}
    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=agent.url,
                           fcgi_relay=rc.relay_path(), extra_env=env)
    check(srv, agent, "lighttpd")
    srv = g.start_apache("fcgi-relay-fcgid.conf", modules=["fcgid"], agent_url=agent.url,
                         fcgi_relay=rc.relay_path(), extra_env=env)
    check(srv, agent, "apache")


g.run(main)
