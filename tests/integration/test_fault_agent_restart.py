#!/usr/bin/python3
"""The agent killed (SIGKILL) and started again on the same port while
eight clients keep sending requests: the relay answers 502 while the
agent is gone, 2xx again by itself once it is back (same relay process),
and no worker is left stuck: as many slow requests as the relay has
threads are then served side by side. Through lighttpd (bin-path, the
example's 8 threads) and Apache mod_proxy_fcgi (--listen --max-workers 8);
lighttpd mod-fastcgi.t "killing fastcgi and wait for restart", security.md
row 71."""
import os
import signal
import threading
import time

import gwtest as g
import faultkit as fk

THREADS = 8
CLIENTS = 8


class Load:
    """CLIENTS threads sending GETs in a loop; every answer is kept with
    the time it was sent."""

    def __init__(self, port):
        self.port = port
        self.stop = threading.Event()
        self.log = []           # (start time, status or None, reason)
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(CLIENTS)]
        for t in self.threads:
            t.start()

    def run(self, i):
        n = 0
        while not self.stop.is_set():
            n += 1
            t0 = time.monotonic()
            r = g.fetch(self.port, "GET", "/load/%d/%d" % (i, n), timeout=10)
            ok = r.status != 200 or r.json().get("path") == "/load/%d/%d" % (i, n)
            with self.lock:
                self.log.append((t0, r.status if ok else "wrong body", r.reason))
            time.sleep(0.01)

    def end(self):
        self.stop.set()
        for t in self.threads:
            t.join(15)

    def between(self, a, b):
        with self.lock:
            return [(s, why) for t0, s, why in self.log if a <= t0 < b]

    def failures(self, origin):
        """Non-200 answers with their start relative to origin."""
        with self.lock:
            return ["%+.3f s: %s %s" % (t0 - origin, s, why)
                    for t0, s, why in self.log if s != 200]


def check(srv, agent, relay_pid, relay_log=None):
    k = srv.kind
    load = Load(srv.port)
    t_up = time.monotonic()
    time.sleep(2)
    t_kill = time.monotonic()
    os.kill(agent.proc.pid, signal.SIGKILL)
    agent.proc.popen.wait(5)
    time.sleep(2)
    t_start = time.monotonic()
    agent = g.start_agent(port=agent.port)
    t_back = time.monotonic()
    time.sleep(3)
    t_end = time.monotonic()
    load.end()

    # A request in flight at the kill may fail either way: leave out the
    # 0.3 s around each change.
    before = load.between(t_up, t_kill - 0.3)
    down = load.between(t_kill + 0.3, t_start)
    after = load.between(t_back + 1.0, t_end)
    total = len(load.log)
    g.diag("%s: %d requests: %d before the kill, %d while the agent was down, %d after" % (
        k, total, len(before), len(down), len(after)))
    if not g.ok(before and all(s == 200 for s, _ in before),
                "%s: all 200 before the kill (%d)" % (k, len(before)),
                sorted(set(before)), *load.failures(t_kill)[:5]) and relay_log:
        with open(relay_log, encoding="latin-1") as f:
            g.diag("".join(f.readlines()[:20]))
    g.ok(down and all(s == 502 for s, _ in down),
         "%s: all 502 while the agent is gone (%d)" % (k, len(down)),
         sorted(set(down), key=repr))
    g.ok(after and all(s == 200 for s, _ in after),
         "%s: all 200 from 1 s after the agent is back (%d)" % (k, len(after)),
         sorted(set(after), key=repr))
    odd = [x for x in load.log if x[1] not in (200, 502)]
    g.ok(len(odd) <= CLIENTS, "%s: at most one odd answer per client, around the kill (%d)" % (
        k, len(odd)), odd[:10])
    g.eq(fk.relay_pids(relay_pid[0]) if relay_pid[0] else None, relay_pid[1],
         "%s: the same relay process served throughout" % k)
    # No stuck worker: THREADS requests that each take 1 s finish side by
    # side, so every thread is free.
    t0 = time.monotonic()
    rs = fk.parallel(THREADS, lambda i: g.fetch(srv.port, "GET", "/_/slow?delay=1&w=%d" % i))
    took = time.monotonic() - t0
    g.eq([getattr(r, "status", r) for r in rs], [200] * THREADS,
         "%s: %d parallel slow requests all answered" % (k, THREADS))
    g.ok(took < 2.5, "%s: side by side, so every worker serves (%.2f s)" % (k, took))
    return agent


def main():
    agent = g.start_agent()
    srv = fk.lighttpd_relay(agent)
    marker = agent.url
    # lighttpd spawns the relay as it starts; an ASan build takes a moment
    before = fk.wait_for(lambda: fk.relay_pids(marker), 10)
    g.ok(before, "lighttpd: the spawned relay process is there before the load")
    agent = check(srv, agent, (marker, before))
    srv.stop()
    relay, sock, log = fk.start_relay(agent, THREADS)
    srv = fk.apache_proxy(sock)
    check(srv, agent, (sock, [relay.pid]), log)


g.run(main)
