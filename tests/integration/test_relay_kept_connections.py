#!/usr/bin/python3
"""Connections the web server keeps between requests (FCGI_KEEP_CONN:
Apache mod_proxy_fcgi with enablereuse=on, nginx fastcgi_keep_conn) do
not pin a worker while idle: with 2 workers and 6 idle kept connections
a new request is still served, and each kept connection still carries
its next request. Then through Apache with enablereuse=on, under
concurrent load, no answer is a 503."""
import socket
import threading
import time

import gwtest as g
import faultkit as fk
from fcgipeer import (KEEP_CONN, base_params, begin, params_records,
                      read_records, status_of, stdin_records)

KEPT = 6


def kept_request(s, uri):
    s.sendall(begin(flags=KEEP_CONN) + params_records(base_params(uri)) +
              stdin_records(b""))
    out, ended = read_records(s, time.monotonic() + 10)
    return status_of(out), ended


def fresh_request(addr, uri):
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(addr)
        s.sendall(begin() + params_records(base_params(uri)) + stdin_records(b""))
        out, ended = read_records(s, time.monotonic() + 10)
    return status_of(out), ended


def peer_checks(agent):
    relay, addr, _ = fk.start_relay(agent, 2)
    kept = []
    for i in range(KEPT):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(10)
        s.connect(addr)
        kept.append(s)
    firsts = [kept_request(s, b"/kept/%d" % i) for i, s in enumerate(kept)]
    g.eq(firsts, [(200, True)] * KEPT,
         "%d kept connections each answered with the connection left open" % KEPT)
    t0 = time.monotonic()
    st = fresh_request(addr, b"/beside-kept")
    g.ok(st == (200, True) and time.monotonic() - t0 < 3,
         "with 2 workers and %d idle kept connections a new request is served at once"
         % KEPT, st, time.monotonic() - t0)
    seconds = [kept_request(s, b"/kept/again/%d" % i) for i, s in enumerate(kept)]
    g.eq(seconds, [(200, True)] * KEPT, "every kept connection carries its next request")
    for s in kept[:3]:
        s.close()
    time.sleep(0.3)
    st = fresh_request(addr, b"/after-close")
    g.eq(st, (200, True), "closed kept connections leave the relay serving")
    g.eq([kept_request(s, b"/kept/third") for s in kept[3:]], [(200, True)] * 3,
         "the kept connections still open still serve")
    for s in kept[3:]:
        s.close()
    relay.stop()
    g.eq(relay.poll(), 0, "the relay stops cleanly with parked connections")


def apache_checks(agent):
    relay, addr, logp = fk.start_relay(agent, 8)
    srv = fk.apache_proxy(addr)
    statuses = []
    lock = threading.Lock()

    def client(n):
        for i in range(25):
            r = g.fetch(srv.port, "GET", "/reuse/%d/%d" % (n, i))
            with lock:
                statuses.append(r.status)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    g.eq(sorted(set(statuses)), [200],
         "Apache enablereuse=on, 8 clients x 25 requests, 8 workers: every answer 200")
    g.eq(len(statuses), 200, "all 200 requests answered")
    with open(logp, encoding="latin-1") as f:
        log = f.read()
    g.ok("busy" not in log, "no request found every worker busy", log[-800:])
    srv.stop()
    relay.stop()


def main():
    g.plan(9)
    agent = g.start_agent()
    peer_checks(agent)
    apache_checks(agent)


g.run(main)
