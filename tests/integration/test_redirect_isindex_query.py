#!/usr/bin/python3
"""A query without '=' (an "indexed" query, RFC 3875 §4.4) is handed to a
CGI program by Apache as command-line words, split at '+' and decoded.
cgi-redirect takes its settings from the command line too, so it must
ignore those words when run as CGI: a client must not be able to choose
public_url or the status, nor break the redirect, with its query."""
import gwtest as g


def main():
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    agent = g.start_agent()
    srv = g.start_apache("cgi-redirect.conf", agent_url=agent.url)
    base = "http://127.0.0.1:%d" % agent.port
    for target in ("/search?word",
                   "/a?x+y",
                   "/x?--public-url+http://evil.example/",
                   "/x?--redirect-status+301",
                   "/x?--agent-url+http://evil.example:1/",
                   "/x?--help",
                   "/x?--check",
                   "/x?--config+/etc/passwd"):
        r = g.fetch(srv.port, "GET", target)
        g.eq((r.status, r.header("Location")), (302, base + target),
             "query %r is not read as options: plain 302 to the agent" % target)
    # The same holds for a POST whose body must still be read (mod_cgid).
    body = b"b" * (256 << 10)
    r = g.fetch(srv.port, "POST", "/upload?x", body=body)
    g.eq((r.status, r.header("Location")), (307, base + "/upload?x"),
         "POST with an indexed query answers 307")
    # And directly, as any CGI server may pass such words (RFC 3875 §4.4).
    env = g.cgi_env(REQUEST_URI="/x?--public-url+http://evil.example/",
                    QUERY_STRING="--public-url+http://evil.example/",
                    AGENT_URL="http://192.0.2.7:8080")
    rc, out, err = g.run_cgi(env, args=["--public-url", "http://evil.example/"])
    hdrs, _ = g.parse_cgi(out)
    loc = [v for k, v in hdrs if k.lower() == "location"]
    g.ok(loc == ["http://gateway.example:8080/x?--public-url+http://evil.example/"],
         "run as CGI with the query's words as arguments: arguments ignored",
         "exit %d" % rc, "stdout: %r" % out[:300], "stderr: %r" % err[:300])
    r = g.fetch(srv.port, "GET", "/after?x=1")
    g.eq(r.status, 302, "server still answers")


g.run(main)
