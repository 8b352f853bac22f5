#!/usr/bin/python3
"""Dot-segments, plain and percent-encoded, are resolved (RFC 3986 §5.2.4)
so that a redirect never leads above the agent's path prefix; one hidden
behind an encoded '/' or '\\' is refused. lighttpd passes REQUEST_URI
unresolved, so every case reaches cgi-redirect there; Apache refuses the
ones that climb above its own root before any CGI runs."""
import gwtest as g

# target -> path after the prefix, or None for "400 from cgi-redirect"
CASES = [
    ("/../../etc/passwd", "/etc/passwd"),
    ("/a/%2e%2e/%2e%2e/b", "/b"),
    ("/a/.%2E/../x?q=/../", "/x?q=/../"),
    ("/a/./b/.", "/a/b/"),
    ("/a/b/..", "/a/"),
    ("/.", "/"),
    ("/..", "/"),
    ("/%2E", "/"),
    ("/a/%2e%2e", "/"),
    ("//..//x", "//x"),
    ("/a/...", "/a/..."),
    ("/..;/x", "/..;/x"),
    ("/%2e%2e%2fetc", None),
    ("/a/..%2f..%2fx", None),
    ("/a/%2e%2e%5c..%5cx", None),
]


def apache_refused(r):
    # Apache's own error page (not cgi-redirect's text/plain one).
    return r.status in (400, 404) and r.header("Location") is None and \
        (r.header("Content-Type") or "").startswith("text/html")


def check_server(srv, agent, prefix, strict):
    base = "http://127.0.0.1:%d%s" % (agent.port, prefix)
    for target, want in CASES:
        r = g.fetch(srv.port, "GET", target)
        if not strict and apache_refused(r):
            g.ok(True, "%s: %s refused by Apache itself" % (srv.kind, target))
        elif want is None:
            g.ok(r.status == 400 and r.header("Location") is None and b"'..'" in r.body,
                 "%s: %s -> 400 naming the hidden '..'" % (srv.kind, target), repr(r))
        else:
            g.eq((r.status, r.header("Location")), (302, base + want),
                 "%s: %s stays under %s" % (srv.kind, target, prefix))
    r = g.fetch(srv.port, "GET", "/../../secret?x=1")
    if r.status == 302:
        resp, _ = g.follow(r)
        g.eq(resp.json()["raw_path"], prefix + "/secret?x=1",
             "%s: the agent is asked for %s/secret, not /secret" % (srv.kind, prefix))
    else:
        g.ok(not strict and apache_refused(r), "%s: /../../secret refused" % srv.kind, repr(r))


def main():
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    agent = g.start_agent()
    check_server(g.start_lighttpd("cgi-redirect.conf", agent_url=agent.url + "/base"),
                 agent, "/base", True)
    # A trailing '/' on the prefix changes nothing.
    check_server(g.start_apache("cgi-redirect.conf", agent_url=agent.url + "/base/"),
                 agent, "/base", False)


g.run(main)
