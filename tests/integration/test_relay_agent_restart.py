#!/usr/bin/python3
"""The agent goes away and comes back, with fcgi-relay kept running
(lighttpd mod_fastcgi, Apache mod_fcgid): while nothing listens, every
request is a short 502 logged with method, URI and the connect failure,
and the relay process stays the same; when the agent is back on the same
port, the next request is answered (the dead kept-alive connection is not
reused), and a restart between two requests is not seen by the client
(the stale connection is retried once)."""
import re

import gwtest as g
import relay_checks as rc


def logs(srv):
    try:
        with open(srv.rundir + "/stdout.log", encoding="latin-1") as f:
            return srv.error_log_text() + f.read()
    except OSError:
        return srv.error_log_text()


def relay_pids(srv):
    return set(re.findall(r"fcgi-relay\[(\d+)\]", logs(srv)))


def check(srv, agent, name):
    port = agent.port
    r = g.fetch(srv.port, "GET", "/warm")
    g.eq(r.status, 200, "%s: agent up: 200" % name)
    agent.stop()
    for i, (m, body) in enumerate((("GET", b""), ("POST", b"x" * 4096), ("GET", b""))):
        r = g.fetch(srv.port, m, "/down%d?q=1" % i, body=body)
        g.ok(r.status == 502 and len(r.body) < 200,
             "%s: agent down: %s -> short 502" % (name, m), repr(r))
    text = logs(srv)
    g.ok(re.search(r"GET /down0\?q=1: agent unreachable .*onnect", text) and
         re.search(r"POST /down1\?q=1: agent unreachable", text),
         "%s: each 502 logged with method, URI and cause" % name, text[-1500:])
    agent = g.start_agent(port=port)
    r = g.fetch(srv.port, "GET", "/back?q=2")
    seen = r.json() if r.status == 200 else {}
    g.eq((r.status, seen.get("raw_path")), (200, "/back?q=2"), "%s: agent back: 200" % name)
    body = b"y" * 70000
    r = g.fetch(srv.port, "POST", "/back-post", body=body)
    seen = r.json() if r.status == 200 else {}
    g.eq((r.status, seen.get("body_sha256")), (200, g.sha256(body)),
         "%s: agent back: POST body intact" % name)
    # Restart between requests: the relay's workers hold kept-alive
    # connections that are dead now; an idempotent request is retried on a
    # fresh one. (Enough requests first that every worker holds one.)
    for i in range(16):
        g.fetch(srv.port, "GET", "/spread%d" % i)
    agent.stop()
    agent = g.start_agent(port=port)
    for i in range(12):
        r = g.fetch(srv.port, "GET", "/after-restart%d" % i)
        g.eq(r.status, 200, "%s: after an agent restart, GET %d answered" % (name, i))
    return agent


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_apache_module("fcgid")
    agent = g.start_agent()
    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=agent.url,
                           fcgi_relay=rc.relay_path())
    agent = check(srv, agent, "lighttpd")
    pids = relay_pids(srv)
    g.eq(len(pids), 1, "lighttpd: one relay process throughout (%s)" % sorted(pids))
    srv.stop()
    srv = g.start_apache("fcgi-relay-fcgid.conf", modules=["fcgid"], agent_url=agent.url,
                         fcgi_relay=rc.relay_path())
    check(srv, agent, "apache")
    g.ok(srv.alive(), "apache: still running")


g.run(main)
