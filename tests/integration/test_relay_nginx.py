#!/usr/bin/python3
"""fcgi-relay standalone (--listen) behind nginx fastcgi_pass
(examples/nginx/fcgi-relay.conf), over TCP and over a Unix socket: the
relay checks every server gets, plus an Authorization header, a large
upload in both framings, and nginx's answer when the agent or the relay
is gone."""
import os
import shutil
import time

import gwtest as g
import relay_checks as rc


def start_relay(agent, listen):
    d = g.make_dir("relay")
    log = open(os.path.join(d, "relay.log"), "wb")
    # 4 workers (plus the one that answers 503): rc.check_reuse allows
    # at most 8 agent connections, one per worker at most.
    p = g.Proc("fcgi-relay", [rc.relay_path(), "--listen", listen,
                              "--max-workers", "4", "--agent-url", agent.url,
                              "--response-timeout", rc.RESPONSE_TIMEOUT],
               stderr=log)
    if listen.startswith("/"):
        end = time.monotonic() + g.START_TIMEOUT
        while not os.path.exists(listen) and time.monotonic() < end \
                and p.poll() is None:
            time.sleep(0.05)
        ok = os.path.exists(listen)
        if ok and os.geteuid() == 0:
            # nginx's workers run as www-data; the socket is 0660.
            shutil.chown(listen, group=g.APACHE_USER)
    else:
        ok = g.wait_port(int(listen.rsplit(":", 1)[1]), p)
    if not ok:
        raise RuntimeError("relay did not start listening on %s" % listen)
    return p


def check_authorization(srv):
    r = g.fetch(srv.port, "GET", "/auth",
                headers=[("Authorization", "Bearer t0ken")])
    hdrs = dict((k.lower(), v) for k, v in r.json()["headers"]) \
        if r.status == 200 else {}
    g.eq(hdrs.get("authorization"), "Bearer t0ken",
         "%s: Authorization reaches the agent" % srv.kind)


def check_large_upload(srv):
    n = 16 << 20
    body = os.urandom(n)
    r = g.fetch(srv.port, "POST", "/upload", body=body, timeout=60,
                headers=[("Content-Type", "application/octet-stream")])
    seen = r.json() if r.status == 200 else {}
    g.eq((seen.get("body_length"), seen.get("body_sha256")),
         (n, g.sha256(body)), "%s: 16 MiB upload arrives intact" % srv.kind)
    # A chunked upload reaches the relay without CONTENT_LENGTH while
    # nginx does not buffer requests.
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(c), c)
                      for c in (body[:100000], body[100000:300000]))
    r = g.fetch(srv.port, "POST", "/upload", body=chunks + b"0\r\n\r\n",
                headers=[("Transfer-Encoding", "chunked")])
    seen = r.json() if r.status == 200 else {}
    g.eq((seen.get("body_length"), seen.get("body_sha256")),
         (300000, g.sha256(body[:300000])),
         "%s: chunked upload arrives intact" % srv.kind)


def check_over_unix_socket(agent):
    sock = os.path.join(g.make_dir("relay-unix"), "fcgi-relay.sock")
    relay = start_relay(agent, sock)
    srv = g.start_nginx("fcgi-relay.conf", relay_address="unix:" + sock)
    srv.kind = "nginx unix"
    rc.check_target(srv, agent)
    rc.check_bodies(srv, agent)
    rc.check_events(srv, agent)
    r = g.fetch(srv.port, "GET", "/_/slow?delay=0.5")
    g.eq(r.status, 200, "nginx unix: relay reached over its socket")
    relay.stop()
    srv.stop()


def check_gone(srv, agent, relay):
    agent.stop()
    r = g.fetch(srv.port, "GET", "/agent-down")
    g.eq(r.status, 502, "nginx: agent down -> 502 from the relay")
    g.eq(relay.stop(), 0, "nginx: relay exits 0 on SIGTERM")
    r = g.fetch(srv.port, "GET", "/relay-down")
    g.eq(r.status, 502, "nginx: relay down -> 502 from nginx")
    g.ok(srv.alive(), "nginx still running")


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_file(g.NGINX, "nginx")
    out = os.popen("%s -v 2>&1" % g.NGINX).read().strip()
    g.diag("tested on: %s" % out)
    agent = g.start_agent()
    port = g.free_port()
    relay = start_relay(agent, "127.0.0.1:%d" % port)
    srv = g.start_nginx("fcgi-relay.conf", relay_address="127.0.0.1:%d" % port)
    rc.check_all(srv, agent)
    check_authorization(srv)
    check_large_upload(srv)
    check_over_unix_socket(agent)
    check_gone(srv, agent, relay)


g.run(main)
