#!/usr/bin/python3
"""Peers on the relay's --listen socket that connect and say nothing
hold a descriptor, never a worker (the relay accepts by itself and parks
a connection until its first bytes arrive): with 2 workers and 12 silent
connections a request is still served at once, and each silent peer is
served when it finally speaks. Running out of descriptors in accept
(security.md row 58, EMFILE under a low RLIMIT_NOFILE) is waited out and
logged; once the peers leave, the relay serves again."""
import socket
import time

import gwtest as g
import faultkit as fk
from fcgipeer import (ask, base_params, begin, params_records, read_records,
                      status_of, stdin_records)

SILENT = 12
NOFILE = 48        # the relay's descriptor limit in the EMFILE part
CROWD = 80         # more connections than that limit


def connect(addr):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(addr)
    return s


def speak(s, uri):
    s.sendall(begin() + params_records(base_params(uri)) + stdin_records(b""))
    out, ended = read_records(s, time.monotonic() + 10)
    return status_of(out), ended


def silent_part(agent):
    relay, addr, _ = fk.start_relay(agent, 2)
    quiet = [connect(addr) for _ in range(SILENT)]
    time.sleep(0.3)
    t0 = time.monotonic()
    st, _ = ask(addr, base_params(b"/beside-silent"))
    took = time.monotonic() - t0
    g.ok(st == 200 and took < 3,
         "2 workers, %d silent connections: a request is served at once" % SILENT,
         st, "%.2f s" % took)
    answers = [speak(s, b"/late/%d" % i) for i, s in enumerate(quiet)]
    g.eq(answers, [(200, True)] * SILENT, "each silent peer is served when it speaks")
    for s in quiet:
        s.close()
    relay.stop()
    g.eq(relay.poll(), 0, "the relay stops cleanly")


def emfile_part(agent):
    relay, addr, logp = fk.start_relay(
        agent, 2, wrapper=("prlimit", "--nofile=%d" % NOFILE, "--"))
    st, _ = ask(addr, base_params(b"/before"))
    g.eq(st, 200, "under RLIMIT_NOFILE %d the relay serves" % NOFILE)
    crowd = []
    for _ in range(CROWD):
        try:
            crowd.append(connect(addr))
        except OSError:
            break       # the listen backlog is full: enough
    deadline = time.monotonic() + 10
    log = ""
    while time.monotonic() < deadline and "Too many open files" not in log:
        time.sleep(0.2)
        with open(logp, encoding="latin-1") as f:
            log = f.read()
    g.ok("accept: Too many open files; retrying" in log,
         "%d connections against %d descriptors: EMFILE in accept is logged and "
         "waited out" % (len(crowd), NOFILE), log[-600:])
    g.eq(relay.poll(), None, "the relay is still running")
    for s in crowd:
        s.close()
    deadline = time.monotonic() + 10
    st = None
    while time.monotonic() < deadline and st != 200:
        try:
            st, _ = ask(addr, base_params(b"/after"), timeout=3)
        except OSError:
            time.sleep(0.2)
    g.eq(st, 200, "once the peers left the relay serves again")
    relay.stop()


def main():
    g.plan(7)
    agent = g.start_agent()
    silent_part(agent)
    emfile_part(agent)


g.run(main)
