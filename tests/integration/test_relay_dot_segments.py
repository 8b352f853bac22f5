#!/usr/bin/python3
"""Traversal above the agent's path prefix through fcgi-relay: with
agent_url http://agent/api, no request may reach a path outside /api.
lighttpd hands '/../' and '%2e%2e' through unresolved in REQUEST_URI, so
there the relay resolves them (agent sees /api/x); Apache refuses the ones
that climb above its root itself (400) before the relay runs, and passes
the rest. An encoded '/' hiding '..' is a
400 from the relay (or the server's own 404)."""
import gwtest as g
import relay_checks as rc

# (target, what the agent sees, whether Apache (Debian 12's 2.4) refuses
# it itself with 400 before the relay runs: every target that climbs above
# the root once decoded; lighttpd hands them all to the relay)
APACHE = "refused by Apache"
TARGETS = [(b"/../x", "/api/x", APACHE),
           (b"/../../../../x?q=1", "/api/x?q=1", APACHE),
           (b"/%2e%2e/x", "/api/x", APACHE),
           (b"/%2E%2e/%2e%2E/x", "/api/x", APACHE),
           (b"/.%2e/x", "/api/x", APACHE),
           (b"/%2e./x", "/api/x", APACHE),
           (b"/a/%2E%2E/%2e%2E/../x", "/api/x", APACHE),
           (b"/a/./b/../../../x", "/api/x", APACHE),
           (b"/a/b/..", "/api/a/", None),
           (b"/a/%2e", "/api/a/", None),
           (b"/x/..?y=/../z", "/api/?y=/../z", None),
           (b"/...x/..../x", "/api/...x/..../x", None)]
ENCODED_SLASH = [b"/..%2fx", b"/..%2Fetc/passwd", b"/%2e%2e%2f%2e%2e%2fx"]


def send(srv, target):
    data = g.build_request("GET", target, host="127.0.0.1:%d" % srv.port)
    try:
        return g.raw_request(srv.port, data)
    except (OSError, ValueError) as e:
        return g.Response(None, str(e), None, [], b"")


def apache_page(r):
    return b"Your browser sent a request that this server could not understand" \
        in r.body


def check(srv, agent, name):
    for target, want, apache in TARGETS:
        agent.reset_stats()
        r = send(srv, target)
        seen = r.json() if r.status == 200 else {}
        if srv.kind == "apache" and apache:
            # Apache's own path check (ap_normalize_path): its HTML error
            # page, not an answer from the relay.
            g.ok(r.status == 400 and apache_page(r) and agent.stats()["requests"] == 0,
                 "%s: %s refused by Apache itself (400), agent not asked" % (
                     name, target.decode()), repr(r))
            continue
        g.eq((r.status, seen.get("raw_path")), (200, want),
             "%s: %s -> agent sees %s" % (name, target.decode(), want))
    for target in ENCODED_SLASH:
        agent.reset_stats()
        r = send(srv, target)
        g.ok(r.status in (400, 404) and agent.stats()["requests"] == 0,
             "%s: %s refused (%s), agent not asked" % (name, target.decode(), r.status), repr(r))
    r = send(srv, b"/api/ok")
    g.eq(r.status == 200 and r.json().get("raw_path"), "/api/api/ok", "%s: still relaying" % name)


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_apache_module("fcgid")
    agent = g.start_agent()
    url = agent.url + "/api"
    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=url, fcgi_relay=rc.relay_path())
    check(srv, agent, "lighttpd mod_fastcgi")
    srv = g.start_lighttpd("fcgi-relay-cgi.conf", agent_url=url, fcgi_relay=rc.relay_path())
    check(srv, agent, "lighttpd mod_cgi")
    srv = g.start_apache("fcgi-relay-fcgid.conf", modules=["fcgid"], agent_url=url,
                         fcgi_relay=rc.relay_path())
    check(srv, agent, "apache mod_fcgid")
    # Everything Apache refuses itself leaves nothing for the relay to do:
    # the lighttpd runs above are the ones that reach it.


g.run(main)
