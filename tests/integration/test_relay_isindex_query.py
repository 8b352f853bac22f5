#!/usr/bin/python3
"""A query without '=' (an "indexed" query, RFC 3875 §4.4) is handed to a
CGI program by Apache as command-line words, split at '+' and decoded.
Run as plain CGI, fcgi-relay must not read those words as options: a
client must not choose the agent, the prefix, or make the relay print its
help instead of relaying. The query reaches the agent as sent."""
import gwtest as g
import relay_checks as rc

TARGETS = ["/search?word",
           "/a?x+y",
           "/x?--agent-url+http://127.0.0.1:1/",
           "/x?--agent-socket+/nonexistent.sock",
           "/x?--strip-prefix+/x",
           "/x?--preserve-host+yes",
           "/x?--forwarded-headers+none",
           "/x?--max-body-size+1",
           "/x?--max-workers+0",
           "/x?--config+/etc/passwd",
           "/x?--help",
           "/x?--version",
           "/x?--check"]


def check_server(srv, name):
    for target in TARGETS:
        r = g.fetch(srv.port, "GET", target)
        seen = r.json() if r.status == 200 else {}
        g.eq((r.status, seen.get("raw_path")), (200, target),
             "%s: query %r not read as options, relayed as sent" % (name, target))
    r = g.fetch(srv.port, "GET", "/h?--preserve-host+yes+--forwarded-headers+none")
    hdrs = dict((k.lower(), v) for k, v in r.json()["headers"]) if r.status == 200 else {}
    g.ok(hdrs.get("host", "").startswith("127.0.0.1:") and
         hdrs.get("host") != "127.0.0.1:%d" % srv.port and "x-forwarded-for" in hdrs,
         "%s: agent's own Host and forwarding headers despite the words" % name, hdrs)
    body = b"b" * (256 << 10)
    r = g.fetch(srv.port, "POST", "/upload?--max-body-size+1", body=body)
    seen = r.json() if r.status == 200 else {}
    g.eq((r.status, seen.get("body_length"), seen.get("body_sha256")),
         (200, len(body), g.sha256(body)), "%s: POST with an indexed query relayed whole" % name)


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    agent = g.start_agent()
    for mpm, name in (("event", "apache mod_cgid"), ("prefork", "apache mod_cgi")):
        srv = g.start_apache("fcgi-relay-cgi.conf", mpm=mpm, agent_url=agent.url,
                             fcgi_relay=rc.relay_path())
        check_server(srv, name)
        srv.stop()
    # Directly, as any CGI server may pass such words.
    # (AGENT_URL from the environment counts as a per-request
    # parameter under CGI and would win over argv anyway; a setting the
    # environment leaves alone, such as strip_prefix, shows the words.)
    env = g.cgi_env(REQUEST_URI="/x/y?--strip-prefix+/x",
                    QUERY_STRING="--strip-prefix+/x", AGENT_URL=agent.url)
    st, out, err = g.run_cgi(env, args=["--strip-prefix", "/x"],
                             program=rc.relay_path())
    hdrs, body = g.parse_cgi(out)
    g.ok(out.startswith(b"Status: 200") and b'"raw_path": "/x/y?--strip-prefix+/x"' in body,
         "run as CGI with the query's words as arguments: arguments ignored",
         "exit %d" % st, "stdout: %r" % out[:300], "stderr: %r" % err[:300])


g.run(main)
