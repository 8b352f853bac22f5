#!/usr/bin/python3
"""fcgi-relay standalone on a Unix socket (--listen) behind Apache
mod_proxy_fcgi (examples/apache/fcgi-relay-proxy-fcgi.conf); also the 503
when every worker is busy and a SIGTERM that finishes requests in flight."""
import os
import shutil
import threading
import time

import gwtest as g
import relay_checks as rc


def start_relay(agent, threads):
    d = g.make_dir("relay")
    sock = os.path.join(d, "fcgi-relay.sock")
    log = open(os.path.join(d, "relay.log"), "wb")
    p = g.Proc("fcgi-relay", [rc.relay_path(), "--listen", sock, "--max-workers",
                              str(threads), "--agent-url", agent.url,
                              "--response-timeout", rc.RESPONSE_TIMEOUT],
               stderr=log)
    end = time.monotonic() + g.START_TIMEOUT
    while not os.path.exists(sock) and time.monotonic() < end and p.poll() is None:
        time.sleep(0.05)
    g.ok(os.path.exists(sock) and (os.stat(sock).st_mode & 0o777) == 0o660,
         "relay socket created with mode 0660")
    shutil.chown(sock, group=g.APACHE_USER)
    return p, sock


def check_busy(srv):
    slow = []
    ts = [threading.Thread(target=lambda: slow.append(
        g.fetch(srv.port, "GET", "/_/slow?delay=1.5"))) for _ in range(2)]
    for t in ts:
        t.start()
    time.sleep(0.5)
    r = g.fetch(srv.port, "GET", "/third")
    for t in ts:
        t.join()
    g.eq((r.status, r.header("Retry-After")), (503, "1"),
         "apache: all workers busy -> 503 with Retry-After")
    g.eq(sorted(x.status for x in slow), [200, 200], "apache: the busy ones finish")


def check_sigterm(srv, relay):
    out = []
    t = threading.Thread(target=lambda: out.append(
        g.fetch(srv.port, "GET", "/_/slow?delay=1.5")))
    t.start()
    time.sleep(0.5)
    rc_ = relay.stop()
    t.join()
    g.eq(out[0].status, 200, "apache: SIGTERM lets the request in flight finish")
    g.eq(rc_, 0, "apache: relay exits 0 after SIGTERM")


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_apache_module("proxy_fcgi")
    agent = g.start_agent()
    relay, sock = start_relay(agent, 2)
    srv = g.start_apache("fcgi-relay-proxy-fcgi.conf",
                         modules=["proxy", "proxy_fcgi"], relay_socket=sock)
    rc.check_all(srv, agent)
    check_busy(srv)
    check_sigterm(srv, relay)


g.run(main)
