#!/usr/bin/python3
"""examples/agent/forwarded_app.py behind fcgi-relay under lighttpd
(mod_fastcgi, examples/lighttpd/fcgi-relay.conf), in both forwarding
styles. The client connects from 127.0.0.2, the relay from 127.0.0.1: the
app must see 127.0.0.2 and the client's scheme and host, ignore the forged
prefix a client puts in X-Forwarded-For or Forwarded, and ignore the
headers altogether when the peer is not the relay."""
import json
import os
import socket
import subprocess

import gwtest as g
import relay_checks as rc

CLIENT_ADDR = "127.0.0.2"
HOST = "www.example.test"


def start_app(style):
    port = g.free_port()
    path = g.need_file(os.path.join(g.SRCDIR, "examples", "agent", "forwarded_app.py"),
                       "examples/agent/forwarded_app.py")
    log = open(os.path.join(g.make_dir("app"), "app.log"), "wb")
    proc = g.Proc("forwarded_app", [g.PYTHON, path, "--port", str(port),
                                    "--style", style], stderr=log)
    if not g.wait_port(port, proc.popen):
        raise RuntimeError("forwarded_app.py did not listen on %d" % port)
    return port


def whoami(port, target, headers):
    """GET from CLIENT_ADDR; the JSON answer."""
    data = g.build_request("GET", target, headers, host=HOST)
    with socket.create_connection(("127.0.0.1", port), timeout=g.IO_TIMEOUT,
                                  source_address=(CLIENT_ADDR, 0)) as s:
        s.sendall(data)
        r = g.read_response(s)
    return r.json() if r.status == 200 else {"status": r.status}


def check(style, forged, env=None):
    app = start_app(style)
    srv = g.start_lighttpd("fcgi-relay.conf", agent_url="http://127.0.0.1:%d" % app,
                           fcgi_relay=rc.relay_path(), extra_env=env or {})
    seen = whoami(srv.port, "/orders?id=7", [])
    g.eq((seen.get("client"), seen.get("scheme"), seen.get("host"), seen.get("trusted")),
         (CLIENT_ADDR, "http", HOST, True),
         "%s: through the relay the app sees the client's address, scheme and host" % style)
    g.eq(seen.get("url"), "http://%s/orders?id=7" % HOST,
         "%s: the URL the app builds is the one the client used" % style)
    seen = whoami(srv.port, "/orders", forged)
    g.ok("203.0.113.66" in seen.get("chain", ""),
         "%s: the forged prefix did reach the app" % style, seen)
    g.eq((seen.get("client"), seen.get("scheme"), seen.get("host")),
         (CLIENT_ADDR, "http", HOST),
         "%s: a forged prefix from the client is ignored (%s)" % (style, forged[0][0]))
    seen = whoami(app, "/direct", forged)
    g.eq((seen.get("client"), seen.get("trusted")), (CLIENT_ADDR, False),
         "%s: from a peer that is not the relay the headers are not trusted" % style)


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need(os.path.exists(g.PYTHON), "%s not found" % g.PYTHON)
    try:    # all of 127/8 is loopback on Linux
        with socket.socket() as s:
            s.bind((CLIENT_ADDR, 0))
    except OSError as e:
        g.need(False, "cannot bind %s: %s" % (CLIENT_ADDR, e))
    check("x-forwarded", [("X-Forwarded-For", "203.0.113.66, 198.51.100.7"),
                          ("X-Forwarded-Proto", "https"),
                          ("X-Forwarded-Host", "evil.example"),
                          ("X-Real-IP", "203.0.113.66")])
    check("rfc7239", [("Forwarded", 'for=203.0.113.66;proto=https;host=evil.example, '
                                    'for="[2001:db8::66]"'),
                      ("X-Forwarded-For", "203.0.113.66")],
          env={"AGENT_FORWARDED_HEADERS": "rfc7239"})


g.run(main)
