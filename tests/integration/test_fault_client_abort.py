#!/usr/bin/python3
"""A client that goes away mid-request: an upload announced as 10 MiB
cut after 1 MiB, and a download of an endless stream cut after the first
bytes. The agent must see its side end within a few seconds (its
/_/stats records when), never a complete upload, and the relay must serve
the next request on the same worker. Through lighttpd (bin-path, one
thread, request bodies streamed) and Apache mod_proxy_fcgi (--listen,
which streams request bodies; mod_fcgid buffers them whole first)."""
import socket
import time

import gwtest as g
import faultkit as fk

ANNOUNCED = 10 << 20
SENT = 1 << 20
BOUND = 5.0         # seconds for the agent to see the client gone


def abort_upload(srv, agent, sid):
    head = ("POST /upload?id=%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
            "Content-Type: application/octet-stream\r\n"
            "Content-Length: %d\r\n\r\n" % (sid, srv.port, ANNOUNCED)).encode()
    s = fk.connect(srv.port)
    s.sendall(head)
    block = b"u" * 65536
    for _ in range(SENT // len(block)):
        s.sendall(block)
    # Let the bytes travel through the server and the relay to the agent.
    fk.wait_for(lambda: (agent.stats()["streams"].get(sid) or {}).get("bytes", 0) > 0, 5)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
    s.close()
    return time.time()


def abort_download(srv, sid):
    s = fk.connect(srv.port)
    s.sendall(g.build_request("GET", "/_/endless?id=%s&interval=0.2" % sid,
                              host="127.0.0.1:%d" % srv.port))
    got = b""
    while b"xxxx" not in got:
        piece = s.recv(4096)
        if not piece:
            break
        got += piece
    s.close()
    return time.time()


def check(srv, agent):
    k = srv.kind
    for what, run in (("upload", lambda sid: abort_upload(srv, agent, sid)),
                      ("download", lambda sid: abort_download(srv, sid))):
        for n in range(2):
            sid = "%s-%s-%d" % (k, what, n)
            closed = run(sid)
            rec = fk.agent_stream(agent, sid, timeout=BOUND + 3) or {}
            g.eq(rec.get("how"), "client left",
                 "%s: aborted %s %d: the agent's side ended" % (k, what, n))
            took = (rec.get("left") or 1e9) - closed
            g.ok(took < BOUND, "%s: within %.0f s of the client leaving (%.2f s)" % (k, BOUND, took),
                 rec)
            if what == "upload":
                g.ok(0 < rec.get("bytes", 0) < ANNOUNCED,
                     "%s: the agent got part of the upload, never all of it (%s bytes)" % (
                         k, rec.get("bytes")))
            r = fk.timed_fetch(srv.port, "GET", "/next")
            g.ok(r.status == 200 and r.elapsed < 2,
                 "%s: the relay serves the next request (%s in %.2f s)" % (k, r.status, r.elapsed))
    body = b"b" * 300000
    r = g.fetch(srv.port, "POST", "/whole?id=%s-whole" % k, body=body)
    seen = r.json() if r.status == 200 else {}
    g.eq((seen.get("body_length"), seen.get("body_sha256")), (len(body), g.sha256(body)),
         "%s: a whole upload after the aborts arrives intact" % k)


def main():
    agent = g.start_agent()
    srv = fk.lighttpd_relay(agent, threads=1)
    check(srv, agent)
    srv.stop()
    relay, sock, _ = fk.start_relay(agent, 1)
    srv = fk.apache_proxy(sock)
    check(srv, agent)
    g.ok(relay.poll() is None, "apache: the relay process is still running")


g.run(main)
