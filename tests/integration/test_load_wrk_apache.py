#!/usr/bin/python3
"""Bounded load through Apache: wrk for 30 s at 64 connections, Apache
mod_proxy_fcgi (examples/apache/fcgi-relay-proxy-fcgi.conf) to the relay
on its own (--listen, 72 threads: the 64 connections plus the
digest sampler and room to spare, so no 503 is due): zero non-2xx, zero
socket errors, every body of the announced length, bodies sampled by
digest during and after the run, the relay's VmRSS flat."""
import gwtest as g
import faultkit as fk


# One Apache child with room for every connection: with the harness's
# StartServers 1, the event MPM starts and retires children under this
# load, and a retiring child closes its idle keep-alive connections, which
# wrk counts as read errors (measured: ~550 in 10 s; none with this).
STEADY = """\
ThreadLimit 128
ServerLimit 2
StartServers 1
ThreadsPerChild 128
MaxRequestWorkers 256
MinSpareThreads 1
MaxSpareThreads 256
"""


def main():
    g.need_file(fk.WRK, "wrk (scripts/bootstrap installs it)")
    agent = g.start_agent()
    relay, sock, _ = fk.start_relay(agent, 72)
    srv = fk.apache_proxy(sock, directives=STEADY)
    fk.wrk_under_watch(srv, relay.pid)


g.run(main)
