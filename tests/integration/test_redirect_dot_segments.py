#!/usr/bin/python3
"""Dot-segments, plain and percent-encoded, are resolved (RFC 3986 §5.2.4)
so that a redirect never leads above the agent's path prefix; one hidden
behind an encoded '/' or '\\' is refused. lighttpd passes REQUEST_URI
unresolved, so every case reaches cgi-redirect there; Apache refuses the
ones that climb above its own root before any CGI runs."""
import gwtest as g

# target -> path after the prefix, or None for "400 from cgi-redirect";
# and whether Apache (Debian 12's 2.4) refuses the target itself, before
# any CGI runs: 400 for one that climbs above its root, 404 for an
# encoded '/' (AllowEncodedSlashes Off).
APACHE = "refused by Apache"
CASES = [
    ("/../../etc/passwd", "/etc/passwd", APACHE),
    ("/a/%2e%2e/%2e%2e/b", "/b", APACHE),
    ("/a/.%2E/../x?q=/../", "/x?q=/../", APACHE),
    ("/a/./b/.", "/a/b/", None),
    ("/a/b/..", "/a/", None),
    ("/.", "/", None),
    ("/..", "/", APACHE),
    ("/%2E", "/", None),
    ("/a/%2e%2e", "/", None),
    ("//..//x", "//x", APACHE),
    ("/a/...", "/a/...", None),
    ("/..;/x", "/..;/x", None),
    ("/%2e%2e%2fetc", None, APACHE),
    ("/a/..%2f..%2fx", None, APACHE),
    ("/a/%2e%2e%5c..%5cx", None, None),
]


def apache_refused(r):
    # Apache's own error page (not cgi-redirect's text/plain one).
    return r.status in (400, 404) and r.header("Location") is None and \
        (r.header("Content-Type") or "").startswith("text/html")


def check_server(srv, agent, prefix, strict):
    """strict: every target reaches cgi-redirect (lighttpd); else the
    ones CASES marks are refused by the server itself (Apache)."""
    base = "http://127.0.0.1:%d%s" % (agent.port, prefix)
    for target, want, apache in CASES:
        r = g.fetch(srv.port, "GET", target)
        if not strict and apache:
            g.ok(apache_refused(r), "%s: %s refused by Apache itself, no "
                 "redirect" % (srv.kind, target), repr(r))
        elif want is None:
            g.ok(r.status == 400 and r.header("Location") is None and b"'..'" in r.body,
                 "%s: %s -> 400 naming the hidden '..'" % (srv.kind, target), repr(r))
        else:
            g.eq((r.status, r.header("Location")), (302, base + want),
                 "%s: %s stays under %s" % (srv.kind, target, prefix))
    r = g.fetch(srv.port, "GET", "/../../secret?x=1")
    if strict:
        resp = g.follow(r)[0] if r.status == 302 else None
        g.eq((r.status, resp.json().get("raw_path") if resp else None),
             (302, prefix + "/secret?x=1"),
             "%s: the agent is asked for %s/secret, not /secret" % (srv.kind, prefix))
    else:
        g.ok(apache_refused(r), "%s: /../../secret refused by Apache itself"
             % srv.kind, repr(r))


def main():
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    agent = g.start_agent()
    check_server(g.start_lighttpd("cgi-redirect.conf", agent_url=agent.url + "/base"),
                 agent, "/base", True)
    # A trailing '/' on the prefix changes nothing.
    check_server(g.start_apache("cgi-redirect.conf", agent_url=agent.url + "/base/"),
                 agent, "/base", False)


g.run(main)
