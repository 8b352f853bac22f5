#!/usr/bin/python3
"""The relay's file descriptors and memory stay flat across 10 000 mixed
requests (small GETs and POSTs, HEAD, the agent's 404 and 500, malformed
agent answers that become 502): /proc/PID/fd counted and VmRSS read after
a warm-up and again at the end, VmHWM reported. Four keep-alive clients.
Through lighttpd (bin-path, the example's 8 threads) and Apache
mod_proxy_fcgi (--listen --max-workers 8). security.md §3.4 "Stability"."""
import http.client
import os
import time

import gwtest as g
import faultkit as fk

CLIENTS = 4
WARMUP = 1000
REQUESTS = 10000
FD_SLACK = 2
RSS_GROWTH_KIB = 2048
POOL_MAX = 150     # Apache event MPM default MaxRequestWorkers: its pool bound

SMALL = os.urandom(1024)
# (method, target, body, expected status, check of the body)
MIX = [
    ("GET", "/small?i=%d", None, 200, lambda b, i: b'"/small"' in b),
    ("POST", "/post?i=%d", SMALL, 200,
     lambda b, i: g.sha256(SMALL).encode() in b),
    ("HEAD", "/_/bytes/1000?i=%d", None, 200, lambda b, i: b == b""),
    ("GET", "/_/status/404?i=%d", None, 404, lambda b, i: True),
    ("GET", "/_/bytes/20000?i=%d", None, 200, lambda b, i: len(b) == 20000),
    ("GET", "/_/status/500?i=%d", None, 500, lambda b, i: True),
    ("GET", "/_/raw/dup-cl?i=%d", None, 502, lambda b, i: True),
    ("PUT", "/put?i=%d", b"", 200, lambda b, i: b'"PUT"' in b),
    ("GET", "/_/raw/bad-status?i=%d", None, 502, lambda b, i: True),
    ("DELETE", "/d/%d", None, 200, lambda b, i: True),
]


def client(port, n, start, bad):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    done = 0
    for i in range(start, start + n):
        m, target, body, want, check = MIX[i % len(MIX)]
        t = target % i
        try:
            c.request(m, t, body=body)
            r = c.getresponse()
            data = r.read()
            if r.status != want or not check(data, i):
                bad.append("%s %s -> %s %r" % (m, t, r.status, data[:80]))
            if r.will_close:
                c.close()
        except (OSError, http.client.HTTPException) as e:
            bad.append("%s %s -> %r" % (m, t, e))
            c.close()
        done += 1
    c.close()
    return done


def run(port, total, offset):
    bad = []
    per = total // CLIENTS
    done = fk.parallel(CLIENTS, lambda k: client(port, per, offset + k * per, bad),
                       timeout=120)
    return sum(x for x in done if isinstance(x, int)), bad


def settle(port):
    """Quiet the relay: every worker idle with its agent connection kept
    (plain requests, side by side), then a moment for closes to land."""
    for _ in range(3):
        fk.parallel(8, lambda i: g.fetch(port, "GET", "/settle"))
    time.sleep(0.5)


def conns(srv, pid):
    return fk.fastcgi_conns(pid, srv.sock) if getattr(srv, "sock", None) else 0


def check(srv, pid):
    k = srv.kind
    n, bad = run(srv.port, WARMUP, 0)
    g.ok(n == WARMUP and not bad, "%s: %d warm-up requests as expected" % (k, n), *bad[:5])
    settle(srv.port)
    fd0, (rss0, hwm0), c0 = fk.fd_count(pid), fk.mem_kib(pid), conns(srv, pid)
    kinds0 = fk.fd_kinds(pid)
    t0 = time.monotonic()
    n, bad = run(srv.port, REQUESTS, WARMUP)
    took = time.monotonic() - t0
    g.ok(n == REQUESTS and not bad,
         "%s: %d mixed requests in %.1f s (%.0f/s), every answer as expected" % (
             k, n, took, n / took), "%d unexpected" % len(bad), *bad[:10])
    settle(srv.port)
    fd1, (rss1, hwm1), c1 = fk.fd_count(pid), fk.mem_kib(pid), conns(srv, pid)
    g.diag("%s: relay pid %d: fds %s -> %s %s -> %s (web server connections %s -> %s); "
           "VmRSS %s -> %s KiB; VmHWM %s -> %s KiB" % (
               k, pid, fd0, fd1, kinds0, fk.fd_kinds(pid), c0, c1, rss0, rss1, hwm0, hwm1))
    g.ok(None not in (fd0, fd1, c0, c1) and abs((fd1 - c1) - (fd0 - c0)) <= FD_SLACK,
         "%s: fd count after == before +- %d, the web server's connections apart "
         "(%s -> %s, of which its connections %s -> %s)" % (k, FD_SLACK, fd0, fd1, c0, c1))
    g.ok(c1 is not None and c1 <= POOL_MAX,
         "%s: kept web server connections within its pool (%s <= %d)" % (k, c1, POOL_MAX))
    if g.sanitized(fk.relay_path()):
        g.diag("%s: memory bounds not checked: ASan's quarantine keeps freed "
               "memory by design" % k)
        return
    g.ok(rss0 and rss1 and rss1 - rss0 < RSS_GROWTH_KIB,
         "%s: VmRSS growth < %d KiB after warm-up (%s -> %s KiB)" % (
             k, RSS_GROWTH_KIB, rss0, rss1))
    g.ok(hwm0 and hwm1 and hwm1 - hwm0 < RSS_GROWTH_KIB,
         "%s: VmHWM growth < %d KiB after warm-up (%s -> %s KiB)" % (
             k, RSS_GROWTH_KIB, hwm0, hwm1))


def main():
    agent = g.start_agent()
    srv = fk.lighttpd_relay(agent)
    pids = fk.wait_for(lambda: fk.relay_pids(agent.url), 5)
    g.eq(len(pids or []), 1, "lighttpd: one relay process")
    check(srv, pids[0])
    srv.stop()
    relay, sock, _ = fk.start_relay(agent, 8)
    srv = fk.apache_proxy(sock)
    srv.sock = sock
    check(srv, relay.pid)


g.run(main)
