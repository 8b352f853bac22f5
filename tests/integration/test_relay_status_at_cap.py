#!/usr/bin/python3
"""The status page and ping answer while --max-workers 2 is taken by two
long event streams (they cost no agent, so they pass the cap), and show
it: two requests streaming, the cap, and the 503 a relayed request got
counted as a cap hit; ready_path, which probes the agent, waits its turn
like a relayed request (503 busy at the cap)."""
import json
import time

import gwtest as g
import faultkit as fk

EVENTS = "/_/events?n=40&pause=0.25"    # 10 s each


def open_stream(port):
    """A client that sent its request and read the head; kept open."""
    s = fk.connect(port)
    s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % EVENTS.encode())
    head = b""
    end = time.monotonic() + 10
    while b"\r\n\r\n" not in head and time.monotonic() < end:
        chunk = s.recv(4096)
        if not chunk:
            break
        head += chunk
    return s, head


def main():
    agent = g.start_agent()
    relay = " ".join([fk.relay_path(), "--max-workers", "2", "--status-path",
                      "/st", "--ping-path", "/ping", "--ready-path", "/ready"])
    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=agent.url,
                           fcgi_relay=relay)
    streams = [open_stream(srv.port) for _ in range(2)]
    for i, (_, head) in enumerate(streams):
        g.ok(head.startswith(b"HTTP/1.1 200"), "stream %d open" % i, head[:80])
    busy = g.fetch(srv.port, "GET", "/page")
    g.eq(busy.status, 503, "a relayed request past the cap: 503")
    r = g.fetch(srv.port, "GET", "/st?json", timeout=5)
    g.eq(r.status, 200, "status page answered at the cap")
    d = json.loads(r.body) if r.status == 200 else {}
    g.eq(d.get("max_workers"), 2, "cap shown")
    g.eq(d.get("streams"), 2, "two answers streaming")
    g.eq(d.get("requests_in_flight"), 3, "in flight: two streams and this")
    g.eq(d.get("max_workers_reached_total"), 1, "the 503 counted as a cap hit")
    g.eq(d.get("causes", {}).get("busy"), 1, "... and as cause busy")
    g.eq(d.get("answers", {}).get("5xx"), 1, "... and as a 5xx answer")
    p = g.fetch(srv.port, "GET", "/ping", timeout=5)
    g.eq((p.status, p.body), (200, b"pong\n"), "ping answered at the cap")
    rd = g.fetch(srv.port, "GET", "/ready", timeout=5)
    g.eq(rd.status, 503, "ready at the cap: 503 busy")
    g.eq(rd.header("Retry-After"), "1", "... with the busy Retry-After")
    for s, _ in streams:
        s.close()
    g.ok(fk.wait_for(lambda: json.loads(g.fetch(srv.port, "GET", "/st?json")
                                        .body)["streams"] == 0, 10),
         "streams counted down once their clients left")


g.run(main)
