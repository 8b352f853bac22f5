#!/usr/bin/python3
"""Targets of 7 KiB and more through real servers (security.md row 13).
Whichever layer answers, a target above TARGET_MAX (7168 bytes) is a 4xx
and the agent is not asked: the relay's 414 when the web server lets it
through, the server's own 414/400 otherwise. cgi-redirect answers 414
instead of writing a Location line Apache would split (it reads CGI header
lines into 8192 bytes and parses the rest of a longer one as a new
header); below the limit its Location line stays under 8190 bytes."""
import gwtest as g
import relay_checks as rc

LIMIT = 7168


def target(n):
    """A target of exactly n bytes whose tail would be a header if a line
    were ever split: ':' and a header-like name near the end. The length
    is in the query: Apache maps the path to files, and a path longer than
    PATH_MAX is its own 403 before any handler runs."""
    head, tail = "/long?q=", "&X-Injected:1"
    return head + "a" * (n - len(head) - len(tail)) + tail


def check_relay(srv, agent, name):
    for n in (LIMIT - 100, LIMIT + 1, 8100, 16000):
        agent.reset_stats()
        r = g.fetch(srv.port, "GET", target(n))
        asked = agent.stats()["requests"]
        if n <= LIMIT:
            g.ok(r.status == 200 and r.json()["raw_path"] == target(n),
                 "%s: %d-byte target relayed whole" % (name, n), r.status)
        else:
            g.ok(r.status in (400, 414, 431) and asked == 0,
                 "%s: %d-byte target -> %s, agent not asked" % (name, n, r.status), asked)
    r = g.fetch(srv.port, "GET", target(LIMIT + 1))
    g.eq(r.status, 414, "%s: just above the relay's limit the relay answers 414" % name)
    g.eq(g.fetch(srv.port, "GET", "/after").status, 200, "%s: relay serves after" % name)


def location_line(out):
    for line in out.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"location:"):
            return line
    return None


def check_redirect(srv, name):
    for n in (LIMIT - 100, LIMIT + 1, 8100):
        r = g.fetch(srv.port, "GET", target(n))
        loc = r.header("Location")
        if n <= LIMIT:
            g.ok(r.status == 302 and loc is not None and len("Location: " + loc) < 8190 and
                 loc.endswith(target(n)) and r.header("X-Injected") is None,
                 "%s: %d-byte target redirected, Location line < 8190" % (name, n),
                 r.status, len(loc or ""))
        else:
            g.ok(r.status in (400, 414) and loc is None,
                 "%s: %d-byte target -> %s, no Location" % (name, n, r.status))


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_apache_module("fcgid")
    agent = g.start_agent()
    check_relay(g.start_lighttpd("fcgi-relay.conf", agent_url=agent.url,
                                 fcgi_relay=rc.relay_path()), agent, "lighttpd relay")
    check_relay(g.start_apache("fcgi-relay-fcgid.conf", modules=["fcgid"],
                               agent_url=agent.url, fcgi_relay=rc.relay_path()),
                agent, "apache mod_fcgid relay")
    # cgi-redirect as plain CGI with the longest target a header line can
    # carry: just under the limit, Apache's reader must see one line.
    env = g.cgi_env(REQUEST_URI=target(LIMIT), AGENT_URL=agent.url,
                    AGENT_PUBLIC_URL="https://gw.example")
    _, out, err = g.run_cgi(env)
    line = location_line(out)
    g.ok(line is not None and len(line) < 8190 and out.startswith(b"Status: 3"),
         "cgi-redirect: %d-byte target, Location line %d < 8190 bytes"
         % (LIMIT, len(line or b"")), out[:200], err)
    env["REQUEST_URI"] = target(LIMIT + 1)
    _, out, err = g.run_cgi(env)
    g.ok(out.startswith(b"Status: 414") and location_line(out) is None,
         "cgi-redirect: %d-byte target -> 414 without Location" % (LIMIT + 1), out[:200], err)
    srv = g.start_apache("cgi-redirect.conf", agent_url=agent.url)
    check_redirect(srv, "apache cgi-redirect")


g.run(main)
