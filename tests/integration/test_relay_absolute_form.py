#!/usr/bin/python3
"""Absolute-form request targets (GET http://host/path HTTP/1.1, RFC 9112
§3.2.2) through fcgi-relay: Apache puts the whole URL into REQUEST_URI;
the relay keeps only its path and query, under the agent's prefix, and
sends the agent's own Host: the target's scheme, host and port never
choose where the request goes. Through lighttpd mod_fastcgi (which itself
refuses an authority that differs from Host), Apache mod_fcgid and Apache
mod_cgid."""
import gwtest as g
import relay_checks as rc


def send(srv, target, host):
    data = b"GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (target, host)
    try:
        return g.raw_request(srv.port, data)
    except (OSError, ValueError) as e:
        return g.Response(None, str(e), None, [], b"")


def check(srv, agent, name):
    agent_host = "127.0.0.1:%d" % agent.port
    me = b"127.0.0.1:%d" % srv.port
    evil = b"evil.example"
    # lighttpd answers 400 itself when the authority and Host differ, so
    # there the Host matches the authority.
    host = (lambda auth: auth) if srv.kind == "lighttpd" else (lambda auth: me)
    # (target, Host, what the agent sees, the servers that refuse the
    # target themselves with 400: both refuse user@ in the authority,
    # lighttpd an authority without a path, Apache a path that climbs
    # above its root)
    both = ("lighttpd", "apache")
    cases = [(b"http://evil.example/x?y=%41", host(evil), "/api/x?y=%41", ()),
             (b"http://evil.example:1/a/b?c", host(evil + b":1"), "/api/a/b?c", ()),
             (b"https://evil.example/s", host(evil), "/api/s", ()),
             (b"HTTP://EVIL.EXAMPLE/u", host(b"EVIL.EXAMPLE"), "/api/u", ()),
             (b"http://evil.example", host(evil), "/api/", ("lighttpd",)),
             (b"http://evil.example?q=1", host(evil), "/api/?q=1", ("lighttpd",)),
             (b"http://user@evil.example/p", host(evil), "/api/p", both),
             (b"http://" + me + b"/same", me, "/api/same", ()),
             (b"http://evil.example/../../etc/x", host(evil), "/api/etc/x",
              ("apache",))]
    for target, h, want, refused_by in cases:
        agent.reset_stats()
        r = send(srv, target, h)
        seen = r.json() if r.status == 200 else {}
        hdrs = dict((k.lower(), v) for k, v in seen.get("headers", []))
        if srv.kind in refused_by:
            g.eq((r.status, agent.stats()["requests"]), (400, 0),
                 "%s: %s refused by the server (400), agent not asked" % (
                     name, target.decode()))
            continue
        g.eq((r.status, seen.get("raw_path"), hdrs.get("host")), (200, want, agent_host),
             "%s: %s -> agent sees %s and its own Host" % (name, target.decode(), want))
    agent.reset_stats()
    r = g.fetch(srv.port, "GET", "/after")
    g.eq((r.status, agent.stats()["requests"]), (200, 1), "%s: the agent got the next request" % name)


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_apache_module("fcgid")
    agent = g.start_agent()
    url = agent.url + "/api"
    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=url, fcgi_relay=rc.relay_path())
    check(srv, agent, "lighttpd")
    srv = g.start_apache("fcgi-relay-fcgid.conf", modules=["fcgid"], agent_url=url,
                         fcgi_relay=rc.relay_path())
    check(srv, agent, "apache mod_fcgid")
    srv = g.start_apache("fcgi-relay-cgi.conf", agent_url=url, fcgi_relay=rc.relay_path())
    check(srv, agent, "apache mod_cgid")


g.run(main)
