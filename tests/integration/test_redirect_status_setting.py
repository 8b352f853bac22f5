#!/usr/bin/python3
"""redirect_status (AGENT_REDIRECT_STATUS) replaces the by-method choice
for every method: 301, 302, 303, 307 and 308, each with its reason."""
import gwtest as g

REASONS = {301: "Moved Permanently", 302: "Found", 303: "See Other",
           307: "Temporary Redirect", 308: "Permanent Redirect"}


def main():
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    agent = g.start_agent()
    for i, (code, reason) in enumerate(sorted(REASONS.items())):
        env = {"AGENT_REDIRECT_STATUS": str(code)}
        start = g.start_lighttpd if i % 2 == 0 else g.start_apache
        srv = start("cgi-redirect.conf", agent_url=agent.url, extra_env=env)
        want = "http://127.0.0.1:%d/s?n=%d" % (agent.port, code)
        for method, body in (("GET", b""), ("HEAD", b""), ("POST", b"x=1"), ("DELETE", b"")):
            r = g.fetch(srv.port, method, "/s?n=%d" % code, body=body)
            g.eq((r.status, r.reason, r.header("Location"), r.header("Cache-Control")),
                 (code, reason, want, "no-store"),
                 "%s: redirect_status %d for %s" % (srv.kind, code, method))
        srv.stop()
    # Without the setting: by method (302 for GET and HEAD, 307 otherwise).
    srv = g.start_apache("cgi-redirect.conf", agent_url=agent.url)
    got = {m: g.fetch(srv.port, m, "/d?x=1", body=b"b" if m == "POST" else b"").status
           for m in ("GET", "HEAD", "POST", "PUT", "OPTIONS")}
    g.eq(got, {"GET": 302, "HEAD": 302, "POST": 307, "PUT": 307, "OPTIONS": 307},
         "apache: without redirect_status the status follows the method")


g.run(main)
