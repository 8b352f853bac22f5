#!/usr/bin/python3
"""An absolute-form request target (GET http://evil.example/x HTTP/1.1):
only its path and query reach the Location, the agent's port is kept, and
the host is the name the server validated. Apache puts the whole target
into REQUEST_URI and takes SERVER_NAME from its authority (RFC 9112
§3.2.2), so the host in the Location is the client's own choice, like a
Host header; UseCanonicalName On or public_url pin it. lighttpd refuses an
authority that differs from Host."""
import gwtest as g
import redirect_checks as rc


def absolute(srv, authority, host, target=b"/x/y?z=1&w"):
    data = (b"GET http://" + authority + target + b" HTTP/1.1\r\nHost: " + host +
            b"\r\nConnection: close\r\n\r\n")
    try:
        return g.raw_request(srv.port, data)
    except (OSError, ValueError) as e:
        return g.Response(None, repr(e), None, [], b"")


def main():
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    agent = g.start_agent()
    local = b"127.0.0.1:%d"

    apache = g.start_apache("cgi-redirect.conf", agent_url=agent.url)
    r = absolute(apache, b"evil.example", local % apache.port)
    g.eq((r.status, r.header("Location")),
         (302, "http://evil.example:%d/x/y?z=1&w" % agent.port),
         "apache: absolute form reduced to path and query, agent port kept")
    r = absolute(apache, b"evil.example:1", local % apache.port)
    g.eq((r.status, r.header("Location")),
         (302, "http://evil.example:%d/x/y?z=1&w" % agent.port),
         "apache: the target's port never replaces the agent's")
    r = absolute(apache, local % apache.port, local % apache.port, b"/a/b?c=d")
    resp, _ = g.follow(r)
    g.eq(resp.json()["raw_path"], "/a/b?c=d",
         "apache: the agent sees only the path and query")
    rc.check_alive(apache, agent)

    canon = g.start_apache("cgi-redirect.conf", agent_url=agent.url,
                           directives="UseCanonicalName On")
    r = absolute(canon, b"evil.example", b"evil.example")
    g.eq((r.status, r.header("Location")),
         (302, "http://127.0.0.1:%d/x/y?z=1&w" % agent.port),
         "apache UseCanonicalName On: the server's own name, not evil.example")

    pub = g.start_apache("cgi-redirect.conf", agent_url=agent.url,
                         extra_env={"AGENT_PUBLIC_URL": "https://agent.example.org"})
    r = absolute(pub, b"evil.example", b"evil.example")
    g.eq((r.status, r.header("Location")),
         (302, "https://agent.example.org/x/y?z=1&w"),
         "apache with public_url: the public URL, not evil.example")

    lt = g.start_lighttpd("cgi-redirect.conf", agent_url=agent.url)
    r = absolute(lt, b"evil.example", local % lt.port)
    g.ok(r.status == 400 and r.header("Location") is None,
         "lighttpd: authority differing from Host refused", repr(r))
    r = absolute(lt, local % lt.port, local % lt.port)
    g.eq((r.status, r.header("Location")),
         (302, "http://127.0.0.1:%d/x/y?z=1&w" % agent.port),
         "lighttpd: absolute form reduced to path and query")
    rc.check_alive(lt, agent)


g.run(main)
