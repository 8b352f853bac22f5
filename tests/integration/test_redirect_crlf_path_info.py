#!/usr/bin/python3
"""CR/LF smuggled as %0d%0a: Apache decodes it into PATH_INFO (lighttpd
refuses it, or with url-ctrls-reject off turns it into '_'). cgi-redirect
reads the still-encoded REQUEST_URI, so the Location keeps %0d%0a and no
header is injected; without REQUEST_URI (the PATH_INFO fallback) a raw
control byte is a 400."""
import gwtest as g
import redirect_checks as rc

TARGETS = [b"/a%0d%0aSet-Cookie:%20x=1", b"/a%0D%0ALocation:%20http://evil/",
           b"/q?x=%0d%0aSet-Cookie:%20y=2", b"/n%00x", b"/t%09%0b%7f"]


def check_server(srv, agent):
    for t in TARGETS:
        data = g.build_request("GET", t, host="127.0.0.1:%d" % srv.port)
        raw = g.raw_exchange(srv.port, data)
        head = raw.partition(b"\r\n\r\n")[0]
        names = [ln.split(b":")[0].lower() for ln in head.split(b"\r\n")[1:]]
        g.ok(b"set-cookie" not in names and names.count(b"location") <= 1
             and b"\r" not in head.replace(b"\r\n", b"") and b"\n" not in head.replace(b"\r\n", b""),
             "%s: %s injects no header" % (srv.kind, t.decode()), head)
        if head.startswith(b"HTTP/1.1 302"):
            g.ok(b"\r\nLocation: " + rc.location_for(agent, "127.0.0.1", t.decode()).encode() + b"\r\n"
                 in head + b"\r\n",
                 "%s: %s redirect keeps the escapes as sent" % (srv.kind, t.decode()), head)
        else:
            # Apache refuses %00 itself with 404 (ap_unescape_url).
            g.ok(head.startswith((b"HTTP/1.1 400", b"HTTP/1.1 404")) and b"location" not in names,
                 "%s: %s refused (400/404), no Location" % (srv.kind, t.decode()), head)
    rc.check_alive(srv, agent)


def main():
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    agent = g.start_agent()
    apache = g.start_apache("cgi-redirect.conf", agent_url=agent.url)
    # Apache hands %0d%0a to the program (decoded in PATH_INFO), so here the
    # program's answer is what is checked: a 302 with the escapes kept.
    r = g.fetch(apache.port, "GET", "/a%0d%0aSet-Cookie:%20x=1")
    g.eq((r.status, r.header("Location")),
         (302, rc.location_for(agent, "127.0.0.1", "/a%0d%0aSet-Cookie:%20x=1")),
         "apache: %0d%0a reaches cgi-redirect and stays encoded")
    check_server(apache, agent)
    check_server(g.start_lighttpd(
        "cgi-redirect.conf", agent_url=agent.url,
        directives='server.http-parseopts = ( "url-ctrls-reject" => "disable" )'), agent)
    # Without REQUEST_URI the program rebuilds the path from PATH_INFO.
    for pi in ("/a\r\nSet-Cookie: x=1", "/a\nb", "/a\x01b", "/a\x7fb"):
        env = g.cgi_env(REQUEST_URI=None, SCRIPT_NAME="/gw", PATH_INFO=pi,
                        AGENT_URL="http://192.0.2.7:8080")
        rc_, out, err = g.run_cgi(env)
        hdrs, _ = g.parse_cgi(out)
        g.ok(out.startswith(b"Status: 400 ") and not any(k.lower() == "location" for k, _ in hdrs)
             and b"Set-Cookie" not in out.split(b"\r\n\r\n")[0],
             "fallback: PATH_INFO %r -> 400" % pi, repr(out[:200]), repr(err[:200]))
    env = g.cgi_env(REQUEST_URI=None, SCRIPT_NAME="/gw", PATH_INFO="/a b/%/?#",
                    QUERY_STRING="x=1", AGENT_URL="http://192.0.2.7:8080")
    rc_, out, err = g.run_cgi(env)
    hdrs, _ = g.parse_cgi(out)
    g.eq([v for k, v in hdrs if k.lower() == "location"],
         ["http://gateway.example:8080/gw/a%20b/%25/%3F%23?x=1"],
         "fallback: PATH_INFO re-encoded (space, %, ?, #)")


g.run(main)
