#!/usr/bin/python3
"""Bad Host values: never a redirect, always 400 (from the web server or,
for names the server lets through, from cgi-redirect with a message that
names the problem); the server serves the next request normally."""
import gwtest as g
import redirect_checks as rc

# (Host value, what cgi-redirect's message says, or None when the web
# server itself already refuses it; measured on lighttpd 1.4.69 and
# Apache 2.4 of Debian 12)
BAD = {
    "both": [
        (b"evil.com/x", None), (b"a@b", None), (b"[::1", None),
        (b"evil.com\\", None), (b"evil.com:80:80", None),
        (b"[4712::abcd::]", None), (b"abc\xa0", None), (b"0x7f.1", None),
        (b"127.1", None), (b"2130706433", None), (b"a..b", None),
        (b"a;b", None), (b"h.example:99999", None),
        (b"a" * 64 + b".example", b"label longer than 63"),
        ((b"a" * 60 + b".") * 5, b"longer than 253"),
    ],
    "apache": [
        (b"-bad.example", b"label starts with '-'"),
        (b"bad_.example", b"invalid character"),
    ],
    "lighttpd": [(b"-bad.example", None), (b"bad_.example", None)],
}


def check_server(srv, agent):
    for host, msg in BAD["both"] + BAD[srv.kind]:
        data = b"GET /x?a=1 HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n"
        try:
            r = g.raw_request(srv.port, data)
        except (OSError, ValueError) as e:
            g.ok(False, "%s: Host %r answered" % (srv.kind, host[:40]), repr(e))
            continue
        name = "%s: Host %r -> 400 without Location" % (srv.kind, host[:40])
        g.ok(r.status == 400 and r.header("Location") is None, name, repr(r))
        if msg is not None:
            g.ok(msg in r.body and r.header("Cache-Control") == "no-store",
                 "%s: cgi-redirect's 400 names the problem (%s)" % (srv.kind, msg.decode()),
                 repr(r.body))
        rc.check_alive(srv, agent)


def main():
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    agent = g.start_agent()
    check_server(g.start_lighttpd("cgi-redirect.conf", agent_url=agent.url), agent)
    check_server(g.start_apache("cgi-redirect.conf", agent_url=agent.url), agent)


g.run(main)
