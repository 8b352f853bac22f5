#!/usr/bin/python3
"""fcgi-relay as plain CGI with an answer that pauses: every byte must
arrive, and each event before the next is sent, under lighttpd mod_cgi,
Apache mod_cgi (prefork) and Apache mod_cgid (event). mod_cgid hands the
program one Unix socket as stdin and stdout and half-closes it once the
request body is sent: that half-close is the end of the request, not a
client that went away. (Apache's CGI layer ends a cut answer cleanly, so a
wrongly cut one looks complete to the client: compare by digest.)"""
import gwtest as g
import relay_checks as rc

N = 1 << 20


def check(srv, name):
    for q in ("chunk=65536&pause=0.4", "chunk=65536&pause=0.1&mode=chunked"):
        try:
            r = g.request_digest(srv.port, "GET", "/_/bytes/%d?%s" % (N, q), timeout=30)
            got = (r.status, r.body_length, r.body_sha256 == r.header("X-Body-Sha256"))
        except (OSError, ValueError) as e:
            got = (None, str(e), False)
        g.eq(got, (200, N, True), "%s: 1 MiB answer with pauses (%s) arrives whole" % (name, q))
    body = b"p" * 5000
    r = g.request_digest(srv.port, "POST", "/_/bytes/%d?chunk=65536&pause=0.3" % (N // 4),
                         body=body, timeout=30)
    g.eq((r.status, r.body_length), (200, N // 4),
         "%s: POST answered with pauses arrives whole" % name)
    srv.kind = name
    rc.check_events(srv, None)
    log = srv.error_log_text()
    g.ok("client went away" not in log, "%s: no false 'client went away' logged" % name,
         "\n".join(ln for ln in log.splitlines() if "fcgi-relay[" in ln)[-1500:])


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    agent = g.start_agent()
    check(g.start_lighttpd("fcgi-relay-cgi.conf", agent_url=agent.url,
                           fcgi_relay=rc.relay_path()), "lighttpd")
    check(g.start_apache("fcgi-relay-cgi.conf", mpm="prefork", agent_url=agent.url,
                         fcgi_relay=rc.relay_path()), "apache mod_cgi")
    check(g.start_apache("fcgi-relay-cgi.conf", mpm="event", agent_url=agent.url,
                         fcgi_relay=rc.relay_path()), "apache mod_cgid")


g.run(main)
