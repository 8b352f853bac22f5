#!/usr/bin/python3
"""Gateway mounted under /agent (examples/*/cgi-redirect-prefix.conf with
strip_prefix=/agent): the prefix is removed on a segment boundary, the
rest of the site is left alone, and the agent sees the stripped path."""
import gwtest as g

CASES = [
    ("/agent/x/y?z=1", "/x/y?z=1"),
    ("/agent", "/"),
    ("/agent/", "/"),
    ("/agent?q=1", "/?q=1"),
    ("/agent/agent/x", "/agent/x"),
    ("/agent/a/%2e%2e/b?c=", "/b?c="),
    ("/agent/%7Eu/%20?x=%41", "/%7Eu/%20?x=%41"),
]


def check_server(srv, agent):
    for target, want in CASES:
        r = g.fetch(srv.port, "GET", target)
        g.eq((r.status, r.header("Location")),
             (302, "http://127.0.0.1:%d%s" % (agent.port, want)),
             "%s: %s -> agent %s" % (srv.kind, target, want))
    for target in ("/agentx", "/other/agent/x", "/"):
        r = g.fetch(srv.port, "GET", target)
        g.ok(r.status in (403, 404) and r.header("Location") is None,
             "%s: %s is not the gateway's" % (srv.kind, target), repr(r))
    r = g.fetch(srv.port, "POST", "/agent/form?id=3", body=b"k=v")
    resp, _ = g.follow(r, method="POST", body=b"k=v")
    seen = resp.json()
    g.eq((r.status, seen["raw_path"], seen["body_length"]), (307, "/form?id=3", 3),
         "%s: POST followed reaches the agent's /form?id=3 with its body" % srv.kind)


def main():
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    agent = g.start_agent()
    check_server(g.start_lighttpd("cgi-redirect-prefix.conf", agent_url=agent.url), agent)
    check_server(g.start_apache("cgi-redirect-prefix.conf", agent_url=agent.url), agent)


g.run(main)
