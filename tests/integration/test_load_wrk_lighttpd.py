#!/usr/bin/python3
"""Bounded load through lighttpd: wrk for 30 s at 64 connections to the
relay spawned by lighttpd (examples/lighttpd/fcgi-relay.conf as shipped:
one process, 8 threads): zero non-2xx, zero socket errors, every body of
the announced length, bodies sampled by digest during and after the run,
the relay's VmRSS flat."""
import gwtest as g
import faultkit as fk


def main():
    g.need_file(fk.WRK, "wrk (scripts/bootstrap installs it)")
    agent = g.start_agent()
    srv = fk.lighttpd_relay(agent)
    pids = fk.wait_for(lambda: fk.relay_pids(agent.url), 5)
    g.eq(len(pids or []), 1, "lighttpd: one relay process")
    fk.wrk_under_watch(srv, pids[0])


g.run(main)
