#!/usr/bin/python3
"""Compressed answers pass through fcgi-relay byte for byte (security.md
row 46): the relay never asks libcurl to decode (no CURLOPT_ACCEPT_ENCODING,
HTTP_CONTENT_DECODING 0), so Content-Encoding and the body stay as the
agent sent them, the client's Accept-Encoding reaches the agent as sent,
and a decompression bomb (64 MiB of text gzipped to about 4 MiB) is
never inflated inside the relay: its peak memory stays far below the
inflated size. Through lighttpd (mod_fastcgi bin-path)."""
import gzip

import gwtest as g
import faultkit as fk

BOMB = 64 << 20


def main():
    agent = g.start_agent()
    srv = fk.lighttpd_relay(agent, threads=1)
    r = g.fetch(srv.port, "GET", "/_/gzip?n=100000", headers=[("Accept-Encoding", "gzip")])
    g.ok(r.status == 200 and r.header("Content-Encoding") == "gzip" and
         g.sha256(r.body) == r.header("X-Body-Sha256") and
         g.sha256(gzip.decompress(r.body)) == r.header("X-Identity-Sha256"),
         "gzip body relayed byte for byte with its Content-Encoding", repr(r)[:300])
    r = g.fetch(srv.port, "GET", "/ae", headers=[("Accept-Encoding", "gzip;q=1, br;q=0.5")])
    hdrs = dict((k.lower(), v) for k, v in r.json()["headers"]) if r.status == 200 else {}
    g.eq(hdrs.get("accept-encoding"), "gzip;q=1, br;q=0.5",
         "the client's Accept-Encoding reaches the agent as sent")
    r = g.fetch(srv.port, "GET", "/ae-none")
    hdrs = dict((k.lower(), v) for k, v in r.json()["headers"]) if r.status == 200 else {}
    g.ok("accept-encoding" not in hdrs,
         "no Accept-Encoding of the relay's own when the client sent none", hdrs)

    pids = fk.relay_pids(agent.url)
    r = g.request_digest(srv.port, "GET", "/_/gzip?n=%d" % BOMB,
                         headers=[("Accept-Encoding", "gzip")])
    g.ok(r.status == 200 and r.body_sha256 == r.header("X-Body-Sha256") and
         r.body_length < BOMB // 10 and r.header("X-Identity-Length") == str(BOMB),
         "bomb: %d compressed bytes of %d relayed as they are" % (r.body_length, BOMB),
         r.status, r.body_length)
    hwm = [fk.mem_kib(p)[1] for p in pids]
    g.ok(pids and all(h is not None and h < 32 << 10 for h in hwm),
         "bomb: relay peak memory %s KiB, far below the %d MiB inflated" % (hwm, BOMB >> 20),
         pids)


g.run(main)
