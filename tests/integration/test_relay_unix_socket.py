#!/usr/bin/python3
"""fcgi-relay reaching the agent over a Unix socket (agent_socket): the
agent listens on a socket only (tests/agent.py --unix) and agent_url names
a host that does not resolve, so only the socket can carry the requests.
Through lighttpd mod_fastcgi (agent_socket as a per-request parameter) and
Apache mod_fcgid (in the relay's start-up environment): path, Host, bodies
by digest, Location rewriting, connection reuse, and a 502 naming the
socket when it is missing."""
import os
import re
import socket

import gwtest as g
import relay_checks as rc

AGENT_URL = "http://agent.invalid"     # RFC 6761: never resolves


def agent_get(path, target):
    """GET straight to the agent's Unix socket; the JSON answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(g.IO_TIMEOUT)
        s.connect(path)
        s.sendall(g.build_request("GET", target, host="localhost"))
        return g.read_response(s).json()


def check(srv, sock, name):
    r = g.fetch(srv.port, "GET", "/u/a%20b?x=1&y")
    seen = r.json() if r.status == 200 else {}
    g.eq((r.status, seen.get("raw_path"), seen.get("peer")), (200, "/u/a%20b?x=1&y", "unix"),
         "%s: relayed over the Unix socket, raw path kept" % name)
    hdrs = dict((k.lower(), v) for k, v in seen.get("headers", []))
    g.eq(hdrs.get("host"), "agent.invalid", "%s: Host is agent_url's host" % name)
    body = os.urandom(1 << 20)
    r = g.fetch(srv.port, "PUT", "/u/put", body=body)
    seen = r.json() if r.status == 200 else {}
    g.eq((seen.get("body_length"), seen.get("body_sha256")), (len(body), g.sha256(body)),
         "%s: 1 MiB request body over the socket by digest" % name)
    n = 4 << 20
    r = g.request_digest(srv.port, "GET", "/_/bytes/%d" % n)
    g.eq((r.status, r.body_length, r.body_sha256), (200, n, r.header("X-Body-Sha256")),
         "%s: 4 MiB response over the socket by digest" % name)
    r = g.fetch(srv.port, "GET", "/_/redirect?to=/landing&form=host")
    g.eq(r.header("Location"), "http://127.0.0.1:%d/landing" % srv.port,
         "%s: Location naming agent_url's host rewritten to the client's address" % name)
    agent_get(sock, "/_/reset-stats")
    # At most one connection per relay worker (lighttpd: 8 threads).
    for i in range(40):
        g.fetch(srv.port, "GET", "/reuse%d" % i)
    st = agent_get(sock, "/_/stats")
    g.ok(st["requests"] == 40 and st["connections"] <= 8,
         "%s: socket connections reused (%s for %s requests)" % (
             name, st["connections"], st["requests"]), st)


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_apache_module("fcgid")
    d = g.make_dir("agent-sock")
    sock = os.path.join(d, "agent.sock")
    g.start_agent(unix=sock)
    os.chmod(sock, 0o666)      # Apache's relay runs as www-data

    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=AGENT_URL,
                           fcgi_relay=rc.relay_path(),
                           extra_env={"AGENT_SOCKET": sock})
    check(srv, sock, "lighttpd")
    srv.stop()
    srv = g.start_apache("fcgi-relay-fcgid.conf", modules=["fcgid"],
                         agent_url=AGENT_URL, fcgi_relay=rc.relay_path(),
                         directives='FcgidInitialEnv AGENT_SOCKET "%s"' % sock)
    check(srv, sock, "apache")
    srv.stop()

    missing = os.path.join(d, "missing.sock")
    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=AGENT_URL,
                           fcgi_relay=rc.relay_path(),
                           extra_env={"AGENT_SOCKET": missing})
    r = g.fetch(srv.port, "GET", "/gone")
    g.eq(r.status, 502, "missing socket -> 502")
    # lighttpd hands the relay its own stderr (stdout.log here).
    with open(os.path.join(srv.rundir, "stdout.log"), encoding="latin-1") as f:
        log = srv.error_log_text() + f.read()
    g.ok(re.search(r"GET /gone: agent unreachable: agent_socket \S*missing\.sock .*onnect", log),
         "the log line names the failed connect and the socket path", log[-1500:])
    r = g.fetch(srv.port, "GET", "/gone2")
    g.eq(r.status, 502, "the relay keeps answering")


g.run(main)
