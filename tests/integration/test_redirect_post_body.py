#!/usr/bin/python3
"""A POST with a body gets its 307 under every CGI module: cgi-redirect
reads and discards the body (Apache mod_cgid loses the answer of a program
that exits without reading it), with Content-Length and chunked (Apache
then passes no CONTENT_LENGTH), several times in a row."""
import gwtest as g
import redirect_checks as rc

MIB = 1 << 20


def chunked(body, piece=65536):
    out = b""
    for i in range(0, len(body), piece):
        part = body[i:i + piece]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
    return out + b"0\r\n\r\n"


def check_server(srv, agent, label):
    body = bytes((i * 13 + 5) & 0xFF for i in range(MIB))
    want = rc.location_for(agent, "127.0.0.1", "/upload/file?name=a.bin")
    for i in range(3):
        r = g.fetch(srv.port, "POST", "/upload/file?name=a.bin", body=body,
                    headers=[("Content-Type", "application/octet-stream")])
        g.eq((r.status, r.header("Location")), (307, want),
             "%s: 1 MiB POST answered with 307 (round %d)" % (label, i + 1))
    data = g.build_request("POST", "/upload/file?name=a.bin",
                           [("Transfer-Encoding", "chunked")], chunked(body),
                           host="127.0.0.1:%d" % srv.port)
    try:
        r = g.raw_request(srv.port, data, "POST")
    except (OSError, ValueError) as e:
        r = g.Response(None, repr(e), None, [], b"")
    g.eq((r.status, r.header("Location")), (307, want),
         "%s: chunked 1 MiB POST answered with 307" % label)
    # The body still arrives when the client follows the redirect.
    r = g.fetch(srv.port, "PUT", "/doc/1", body=body)
    resp, _ = g.follow(r, method="PUT", body=body)
    seen = resp.json()
    g.eq((r.status, seen["method"], seen["body_length"], seen["body_sha256"]),
         (307, "PUT", MIB, g.sha256(body)),
         "%s: 1 MiB PUT reaches the agent intact after the redirect" % label)
    rc.check_alive(srv, agent)


def main():
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    agent = g.start_agent()
    check_server(g.start_apache("cgi-redirect.conf", agent_url=agent.url),
                 agent, "apache mod_cgid")
    check_server(g.start_apache("cgi-redirect.conf", mpm="prefork",
                                agent_url=agent.url), agent, "apache mod_cgi")
    check_server(g.start_lighttpd("cgi-redirect.conf", agent_url=agent.url),
                 agent, "lighttpd")


g.run(main)
