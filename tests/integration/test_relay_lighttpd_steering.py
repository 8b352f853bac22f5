#!/usr/bin/python3
"""The agent's X-LIGHTTPD-* fields never reach lighttpd: an agent that says
X-LIGHTTPD-KBytes-per-second: 1 would throttle the download (100 KiB in
about 100 s), X-LIGHTTPD-send-tempfile would have lighttpd send a file of
its upload directory and delete it. Through lighttpd with the relay under
FastCGI (examples/lighttpd/fcgi-relay.conf) and as CGI
(fcgi-relay-cgi.conf): the answer arrives whole and fast, without those
fields, and the file stays."""
import os
import time

import gwtest as g
import relay_checks as rc

SIZE = 100 << 10
# Throttled to 1 KB/s the body would take about 100 s; unthrottled it
# takes milliseconds. The bound only separates the two.
FAST = 20.0


def check(srv, name):
    tmp = os.path.join(srv.rundir, "steer.tmp")
    with open(tmp, "wb") as f:
        f.write(b"TEMPFILE CONTENT\n")
    t0 = time.monotonic()
    try:
        r = g.request_digest(srv.port, "GET", "/_/raw/x-lighttpd?size=%d&file=%s"
                             % (SIZE, tmp), timeout=FAST + 10)
    except OSError as e:     # throttled: the read times out
        r = g.Response(None, str(e), None, [], b"")
        r.body_length, r.body_sha256 = None, None
    took = time.monotonic() - t0
    g.eq((r.status, r.body_length, r.body_sha256),
         (200, SIZE, g.sha256(b"L" * SIZE)), "%s: the agent's body, whole" % name)
    g.ok(took < FAST, "%s: not throttled (%.1f s)" % (name, took))
    names = [k for k, _ in r.headers if k.lower().startswith("x-lighttpd")]
    g.eq(names, [], "%s: no X-LIGHTTPD-* field at the client" % name)
    g.ok(os.path.exists(tmp), "%s: lighttpd did not delete the file" % name)
    r = g.fetch(srv.port, "GET", "/after")
    g.eq(r.status, 200, "%s: still relaying" % name)


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    agent = g.start_agent()
    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=agent.url,
                           fcgi_relay=rc.relay_path())
    check(srv, "lighttpd fastcgi")
    srv.stop()
    srv = g.start_lighttpd("fcgi-relay-cgi.conf", agent_url=agent.url,
                           fcgi_relay=rc.relay_path())
    check(srv, "lighttpd cgi")
    srv.stop()


g.run(main)
