#!/usr/bin/python3
"""fcgi-relay as plain CGI answering before it used the request body (413
for a body over max_body_size, 400 for a bad method, 431 for oversized
header fields): the answer must reach the client under Apache mod_cgid
(event MPM), which loses the answer of a CGI program that exits without
reading its body, and under Apache mod_cgi and lighttpd mod_cgi too (which
refuse the long method and the large header fields themselves). The
body is far larger than the relay's FastCGI drain bound (1 MiB), so only a
whole-body drain keeps the answer."""
import gwtest as g
import relay_checks as rc

BODY = b"b" * (4 << 20)
LIMIT = 1000


# Under /nolimit the body is allowed, so the header fields decide.
NOLIMIT = """<Location "/nolimit">
    SetEnv AGENT_MAX_BODY_SIZE 1G
</Location>
"""


def start(kind, agent_url, mpm="event"):
    env = {"AGENT_MAX_BODY_SIZE": str(LIMIT)}
    if kind == "lighttpd":
        return g.start_lighttpd("fcgi-relay-cgi.conf", agent_url=agent_url,
                                fcgi_relay=rc.relay_path(), extra_env=env)
    return g.start_apache("fcgi-relay-cgi.conf", mpm=mpm, agent_url=agent_url,
                          fcgi_relay=rc.relay_path(), extra_env=env,
                          directives=NOLIMIT)


def check_early(srv, agent, name, method, headers, want, what,
                target="/early"):
    agent.reset_stats()
    r = g.fetch(srv.port, method, target, headers=headers, body=BODY,
                timeout=30)
    g.eq(r.status, want, "%s: %s with a 4 MiB body -> %d" % (name, what, want))
    g.eq(agent.stats()["requests"], 0, "%s: %s: agent not asked" % (name, what))


def check_server(kind, mpm, name, agent):
    srv = start(kind, agent.url, mpm)
    check_early(srv, agent, name, "POST", [], 413, "body over max_body_size")
    check_early(srv, agent, name, "PUT", [("Content-Type", "text/plain")],
                413, "PUT over max_body_size")
    if kind == "apache":
        # A method token longer than the relay forwards (METHOD_MAX 32):
        # Apache passes extension methods on; CONNECT it keeps for itself,
        # so 405 cannot reach a CGI program.
        check_early(srv, agent, name, "X" * 40, [], 400, "overlong method")
        big = [("X-Big-%d" % i, "v" * 8000) for i in range(10)]
        check_early(srv, agent, name, "POST", big, 431,
                    "80 KB of header fields", "/nolimit/x")
    r = g.fetch(srv.port, "POST", "/small", body=b"s" * 100)
    g.eq(r.status, 200, "%s: a body under the limit is still relayed" % name)
    srv.stop()


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    agent = g.start_agent()
    for kind, mpm, name in (("apache", "event", "apache mod_cgid"),
                            ("apache", "prefork", "apache mod_cgi"),
                            ("lighttpd", None, "lighttpd mod_cgi")):
        check_server(kind, mpm, name, agent)


g.run(main)
