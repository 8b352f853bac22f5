#!/usr/bin/python3
"""Oversized request header fields through fcgi-relay: whichever layer
answers, the answer is a 4xx (the web server's own 400/431, or the relay's
431 when the fields pass the server but exceed the relay's 64 KiB for all
fields or 200 of them), the agent is not asked, and the relay keeps
serving. Apache (fields up to 8190 bytes, 100 of them) lets 72 KiB of
fields through: under mod_cgid the relay answers 431, while mod_fcgid
refuses to build such a request itself (500). lighttpd limits the bytes
itself but passes 250 small fields, which the relay refuses."""
import gwtest as g
import relay_checks as rc

CASES = {"one 100 KiB field": [("X-Big", "a" * (100 << 10))],
         "one 8 KiB field": [("X-Big", "b" * 8100)],
         "90 fields of 800 bytes (72 KiB)": [("X-F%d" % i, "c" * 800) for i in range(90)],
         "150 small fields": [("X-S%d" % i, "d") for i in range(150)],
         "250 small fields": [("X-S%d" % i, "d") for i in range(250)]}


def logs(srv):
    try:
        with open(srv.rundir + "/stdout.log", encoding="latin-1") as f:
            return srv.error_log_text() + f.read()
    except OSError:
        return srv.error_log_text()


def check(srv, agent, name, want):
    """want: case label -> (status, layer), layer "relay" or "server"."""
    for label, (status, layer) in want.items():
        headers = CASES[label]
        agent.reset_stats()
        before = logs(srv).count("431")
        r = g.fetch(srv.port, "GET", "/hdr", headers=headers)
        g.eq((r.status, agent.stats()["requests"]), (status, 0 if status != 200 else 1),
             "%s: %s -> %s (%s)" % (name, label, status, layer))
        if layer == "relay":
            g.ok(logs(srv).count("431") > before and "GET /hdr" in logs(srv),
                 "%s: %s: the relay logged its 431" % (name, label), logs(srv)[-800:])
        r = g.fetch(srv.port, "GET", "/after")
        g.eq(r.status, 200, "%s: relay serves after %s" % (name, label))


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_apache_module("fcgid")
    agent = g.start_agent()
    srv = g.start_apache("fcgi-relay-fcgid.conf", modules=["fcgid"], agent_url=agent.url,
                         fcgi_relay=rc.relay_path())
    check(srv, agent, "apache mod_fcgid", {
        "one 100 KiB field": (400, "server"),
        "one 8 KiB field": (200, "none"),
        "90 fields of 800 bytes (72 KiB)": (500, "server"),
        "150 small fields": (400, "server")})
    srv = g.start_apache("fcgi-relay-cgi.conf", agent_url=agent.url, fcgi_relay=rc.relay_path())
    check(srv, agent, "apache mod_cgid", {
        "one 8 KiB field": (200, "none"),
        "90 fields of 800 bytes (72 KiB)": (431, "relay")})
    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=agent.url, fcgi_relay=rc.relay_path())
    check(srv, agent, "lighttpd", {
        "one 100 KiB field": (431, "server"),
        "one 8 KiB field": (200, "none"),
        "90 fields of 800 bytes (72 KiB)": (431, "server"),
        "250 small fields": (431, "relay")})


g.run(main)
