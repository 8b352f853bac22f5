#!/usr/bin/python3
"""The relay never follows the agent's redirects (security.md row 48): a
Location that points at another host, at a link-local metadata address or
at file:// reaches the client as the agent sent it, with the agent's
status and body, and the relay makes no request there (a trap listener
on 127.0.0.2 must see no connection). Through lighttpd with the example."""
import urllib.parse

import gwtest as g
import faultkit as fk


def main():
    g.plan(8)
    agent = g.start_agent()
    trap = fk.Trap("127.0.0.2")
    trap_url = trap.url + "/steal?x=1"
    srv = fk.lighttpd_relay(agent)
    for status, to in ((302, trap_url), (307, trap_url),
                       (301, "http://169.254.169.254/latest/meta-data/"),
                       (302, "file:///etc/passwd")):
        q = urllib.parse.urlencode({"form": "relative", "to": to, "status": status})
        r = g.fetch(srv.port, "GET", "/_/redirect?" + q)
        g.ok(r.status == status and r.header("Location") == to and
             b"see " + to.encode() in r.body,
             "agent's %d to %s reaches the client as sent" % (status, to.split(":")[0] +
                                                              ":" + to.split(":")[1][:18]),
             r)
    agent.reset_stats()
    r = g.fetch(srv.port, "POST", "/_/redirect?" + urllib.parse.urlencode(
        {"form": "relative", "to": trap_url, "status": 307}), body=b"payload")
    g.eq(r.status, 307, "a POST answered 307 by the agent is not re-sent by the relay")
    g.eq(agent.stats()["requests"], 1, "the agent was asked once")
    g.ok(not trap.hit(), "no connection reached the redirect target")
    r = g.fetch(srv.port, "GET", "/after")
    g.eq(r.status, 200, "the relay serves on")
    trap.close()


g.run(main)
