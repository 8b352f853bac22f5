#!/usr/bin/python3
"""public_url, when set, is the base of every Location whatever Host the
client sent (a path prefix included); following it reaches the agent."""
import gwtest as g


def check_server(srv, public, want_base, agent=None):
    for host in ("127.0.0.1:%d" % srv.port, "evil.example", "localhost"):
        r = g.fetch(srv.port, "GET", "/x/%7Ey?q=%41&r", host=host)
        g.eq((r.status, r.header("Location")), (302, want_base + "/x/%7Ey?q=%41&r"),
             "%s: public_url %s used with Host %s" % (srv.kind, public, host))
    r = g.fetch(srv.port, "POST", "/p?id=1", body=b"abc")
    g.eq((r.status, r.header("Location")), (307, want_base + "/p?id=1"),
         "%s: POST uses public_url too" % srv.kind)
    if agent is not None:
        resp, _ = g.follow(r, method="POST", body=b"abc")
        seen = resp.json()
        g.eq((seen["raw_path"], seen["body_length"]), ("/pub/p?id=1", 3),
             "%s: following reaches the agent under the public prefix" % srv.kind)


def main():
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    agent = g.start_agent()
    public = "https://agent.example.org:8443/app"
    env = {"AGENT_PUBLIC_URL": public}
    check_server(g.start_lighttpd("cgi-redirect.conf", agent_url=agent.url, extra_env=env),
                 public, public)
    check_server(g.start_apache("cgi-redirect.conf", agent_url=agent.url, extra_env=env),
                 public, public)
    # A reachable public_url: the agent itself under /pub.
    public = agent.url + "/pub/"
    env = {"AGENT_PUBLIC_URL": public}
    check_server(g.start_lighttpd("cgi-redirect.conf", agent_url=agent.url, extra_env=env),
                 public, agent.url + "/pub", agent)
    check_server(g.start_apache("cgi-redirect.conf", agent_url=agent.url, extra_env=env),
                 public, agent.url + "/pub", agent)


g.run(main)
