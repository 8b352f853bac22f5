#!/usr/bin/python3
"""CR/LF smuggled as %0d%0a under Apache, which decodes it into PATH_INFO:
fcgi-relay reads the still-encoded REQUEST_URI, so the agent gets the
escapes byte for byte (DESIGN.md: percent-encoding preserved) and nothing
is injected into the request to the agent or the answer to the client.
lighttpd refuses such targets itself. Without REQUEST_URI (the PATH_INFO
fallback, run as CGI directly) a raw control byte is a 400 and the agent
is not asked."""
import gwtest as g
import relay_checks as rc

TARGETS = [b"/a%0d%0aSet-Cookie:%20x=1", b"/a%0D%0AX-Injected:%201%0d%0a%0d%0abody",
           b"/q?x=%0d%0aSet-Cookie:%20y=2", b"/t%09%0b%7f", b"/h%0d%0aHost:%20evil.example"]


def check(srv, agent, name):
    for t in TARGETS:
        agent.reset_stats()
        try:
            resp = g.raw_request(srv.port, g.build_request("GET", t, host="127.0.0.1:%d" % srv.port))
            head, body = resp.raw.partition(b"\r\n\r\n")[0], resp.body
        except (OSError, ValueError) as e:
            head, body = repr(e).encode(), b""
        names = [ln.split(b":")[0].lower() for ln in head.split(b"\r\n")[1:]]
        g.ok(head.startswith(b"HTTP/1.1 ") and b"set-cookie" not in names and
             b"x-injected" not in names and b"\n" not in head.replace(b"\r\n", b""),
             "%s: %s injects nothing into the answer" % (name, t.decode()), head)
        if head.startswith(b"HTTP/1.1 200"):
            r = g.json.loads(body) if body.startswith(b"{") else {}
            sent = [k.lower() for k, _ in r.get("headers", [])]
            g.ok(r.get("raw_path") == t.decode() and "set-cookie" not in sent and
                 "x-injected" not in sent and sent.count("host") == 1 and
                 dict(r["headers"]).get("Host") == "127.0.0.1:%d" % agent.port,
                 "%s: %s reaches the agent with the escapes kept, no header injected"
                 % (name, t.decode()), body[:400])
        else:
            g.ok(head.startswith((b"HTTP/1.1 400", b"HTTP/1.1 404")) and
                 agent.stats()["requests"] == 0,
                 "%s: %s refused (400/404), agent not asked" % (name, t.decode()), head)
    r = g.fetch(srv.port, "GET", "/after")
    g.eq(r.status, 200, "%s: still relaying" % name)


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_apache_module("fcgid")
    agent = g.start_agent()
    srv = g.start_apache("fcgi-relay-fcgid.conf", modules=["fcgid"], agent_url=agent.url,
                         fcgi_relay=rc.relay_path())
    r = g.fetch(srv.port, "GET", "/a%0d%0aSet-Cookie:%20x=1")
    g.eq(r.status == 200 and r.json()["raw_path"], "/a%0d%0aSet-Cookie:%20x=1",
         "apache mod_fcgid: %0d%0a reaches the relay and stays encoded")
    check(srv, agent, "apache mod_fcgid")
    check(g.start_apache("fcgi-relay-cgi.conf", agent_url=agent.url,
                         fcgi_relay=rc.relay_path()), agent, "apache mod_cgid")
    check(g.start_lighttpd("fcgi-relay.conf", agent_url=agent.url,
                           fcgi_relay=rc.relay_path()), agent, "lighttpd")
    # The PATH_INFO fallback, directly: raw control bytes never reach a URL.
    for pi in ("/a\r\nSet-Cookie: x=1", "/a\nb", "/a\rb", "/a\x01b", "/a\x7fb", "/a\tb"):
        agent.reset_stats()
        env = g.cgi_env(REQUEST_URI=None, SCRIPT_NAME="/gw", PATH_INFO=pi,
                        AGENT_URL=agent.url)
        st, out, err = g.run_cgi(env, program=rc.relay_path())
        head = out.split(b"\r\n\r\n")[0]
        g.ok(out.startswith(b"Status: 400 ") and b"Set-Cookie" not in head and
             agent.stats()["requests"] == 0,
             "PATH_INFO fallback: %r -> 400, agent not asked" % pi, repr(out[:200]), repr(err[:300]))
    env = g.cgi_env(REQUEST_URI=None, SCRIPT_NAME="/gw", PATH_INFO="/a b/%/?#",
                    QUERY_STRING="x=1", AGENT_URL=agent.url)
    st, out, err = g.run_cgi(env, program=rc.relay_path())
    g.ok(out.startswith(b"Status: 200") and b'"raw_path": "/gw/a%20b/%25/%3F%23?x=1"' in out,
         "PATH_INFO fallback: re-encoded (space, %, ?, #)", repr(out[:400]), repr(err[:300]))


g.run(main)
