#!/usr/bin/python3
"""256 slow clients at once, 128 uploading a byte per second and 128
reading a 4 MiB answer a byte per second, and one fast client that must
still be answered 200 within 5 s (a 503 with Retry-After may be retried
within that time). Through the examples as shipped: lighttpd
(fcgi-relay.conf: bin-path, 8 threads, request and response bodies
streamed) and Apache mod_proxy_fcgi (fcgi-relay-proxy-fcgi.conf, the relay
on --listen with the 16 threads its comment suggests, and mod_reqtimeout
as Debian enables it). Afterwards the relay serves as before.
DESIGN.md "bounded workers", security.md row 72."""
import socket
import threading
import time

import gwtest as g
import faultkit as fk

UPLOADERS = 128
READERS = 128
BOUND = 5.0


class SlowClients:
    """The slow clients, driven by one thread: every second each uploader
    sends one body byte and each reader takes one byte."""

    def __init__(self, port):
        self.socks = []
        self.stop = threading.Event()
        self.errors = 0
        for i in range(UPLOADERS):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"POST /slow-up/%d HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Content-Type: text/plain\r\nContent-Length: 600\r\n\r\n" % i)
            self.socks.append(("up", s))
        for i in range(READERS):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.settimeout(5)
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /_/bytes/4194304?slow-read=%d HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % i)
            self.socks.append(("read", s))
        for _, s in self.socks:
            s.setblocking(False)
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop.is_set():
            for kind, s in self.socks:
                try:
                    if kind == "up":
                        s.send(b"x")
                    else:
                        s.recv(1)
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    self.errors += 1
            self.stop.wait(1)

    def close(self):
        self.stop.set()
        self.t.join(10)
        for _, s in self.socks:
            s.close()


def fast_client(port):
    """GET /fast until a 200 or BOUND seconds; returns (status, seconds,
    attempts)."""
    t0 = time.monotonic()
    attempts = []
    while True:
        left = BOUND - (time.monotonic() - t0)
        if left <= 0:
            break
        r = g.fetch(port, "GET", "/fast?try=%d" % len(attempts), timeout=left)
        attempts.append(r.status)
        if r.status == 200:
            break
        if r.status == 503:
            time.sleep(min(float(r.header("Retry-After") or 1), max(0.0, left - 0.1)))
    return attempts[-1] if attempts else None, time.monotonic() - t0, attempts


def check(srv, agent):
    k = srv.kind
    slow = SlowClients(srv.port)
    time.sleep(2)           # every slow client has reached the server
    status, took, attempts = fast_client(srv.port)
    g.diag("%s: fast client: %s in %.2f s (answers: %s)" % (k, status, took, attempts))
    g.ok(status == 200 and took <= BOUND + 0.5,
         "%s: with %d slow clients, a fast client is served within %.0f s" % (
             k, UPLOADERS + READERS, BOUND), attempts, "%.2f s" % took)
    slow.close()
    r = fk.wait_for(lambda: g.fetch(srv.port, "GET", "/after-slow", timeout=5).status == 200, 20, 0.5)
    g.ok(r, "%s: the relay serves again once the slow clients left" % k)


def main():
    agent = g.start_agent()
    srv = fk.lighttpd_relay(agent)
    check(srv, agent)
    srv.stop()
    g.need_apache_module("reqtimeout")
    relay, sock, _ = fk.start_relay(agent, 16)
    srv = fk.apache_proxy(sock, directives="LoadModule reqtimeout_module %s/mod_reqtimeout.so\n"
                          % g.APACHE_MODULES)
    check(srv, agent)
    g.ok(relay.poll() is None, "apache: the relay process is still running")


g.run(main)
