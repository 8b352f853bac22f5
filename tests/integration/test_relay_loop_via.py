#!/usr/bin/python3
"""agent_url pointing back at the relay's own web server: the relay marks
what it sends with Via (RFC 9110 §7.6.3) and refuses a request that comes
back with its own mark, 508 Loop Detected, logged. Through lighttpd with
the relay under FastCGI (examples/lighttpd/fcgi-relay.conf, 8 workers,
which an unmarked loop takes all of) and as CGI (fcgi-relay-cgi.conf, one
process per hop): the client gets 508 at once, the relay keeps serving
other URLs, and the agent sees the Via the relay added. fcgi-relay --check
with agent_url at that web server says it loops."""
import subprocess
import time

import gwtest as g
import faultkit as fk
import relay_checks as rc

# /loop/... is relayed with agent_url = this lighttpd (a per-request
# setting); everything else goes to the real agent.
LOOP = """$HTTP["url"] =~ "^/loop" {
    setenv.add-environment += ( "AGENT_URL" => "http://127.0.0.1:%d" )
}
"""


def start(template, agent):
    srv = g.Lighttpd(g.example("lighttpd", template),
                     {"agent_url": agent.url, "fcgi_relay": rc.relay_path()})
    srv.directives = LOOP % srv.port
    return srv.start()



def check(srv, agent, name):
    t0 = time.monotonic()
    r = g.fetch(srv.port, "GET", "/loop/x?y=1", timeout=15)
    took = time.monotonic() - t0
    g.eq(r.status, 508, "%s: a request that loops gets 508" % name)
    g.ok(took < 10, "%s: at once (%.1f s)" % (name, took))
    r = g.fetch(srv.port, "POST", "/loop/post", body=b"p" * 5000, timeout=15)
    g.eq(r.status, 508, "%s: also with a body" % name)
    codes = fk.parallel(12, lambda i: g.fetch(srv.port, "GET", "/loop/%d" % i,
                                              timeout=20).status, timeout=40)
    g.eq(sorted(set(codes)), [508], "%s: 12 looping requests at once: 508 each" % name)
    r = g.fetch(srv.port, "GET", "/other", headers=[("Via", "1.0 upstream")])
    g.eq(r.status, 200, "%s: other requests still served" % name)
    via = dict(r.json()["headers"]).get("Via", "") if r.status == 200 else ""
    g.ok(via.startswith("1.0 upstream, 1.1 fcgi-relay-"),
         "%s: the agent sees the client's Via with the relay's appended" % name, via)
    text = srv.logs_text()
    g.ok("GET /loop/x?y=1: request loop detected" in text,
         "%s: the loop is logged with method and URI" % name, text[-1500:])


def run_check(url):
    p = subprocess.run([rc.relay_path(), "--check", "--agent-url", url],
                       capture_output=True, timeout=30,
                       env={"PATH": "/usr/bin:/bin"})
    return p.returncode, (p.stdout + p.stderr).decode("latin-1")


def check_selfcheck(srv):
    code, out = run_check("http://127.0.0.1:%d/loop" % srv.port)
    g.ok(code != 0 and "leads back to this web server" in out,
         "--check: agent_url that loops is an error", out[-1500:])
    # A web server that does not run the relay: only a hint.
    plain = g.start_lighttpd(None)
    code, out = run_check(plain.url)
    g.ok(code == 0 and "answered by a web server (Server: lighttpd" in out
         and "leads back" not in out,
         "--check: agent_url answered by lighttpd is a warning", out[-1500:])
    plain.stop()


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    agent = g.start_agent()
    srv = start("fcgi-relay.conf", agent)
    check(srv, agent, "lighttpd fastcgi")
    check_selfcheck(srv)
    srv.stop()
    srv = start("fcgi-relay-cgi.conf", agent)
    check(srv, agent, "lighttpd cgi")
    srv.stop()


g.run(main)
