#!/usr/bin/python3
"""httpoxy, both ways in (security.md rows 1-3): neither the client's
`Proxy:` header (HTTP_PROXY in a CGI environment) nor the operator's
http_proxy / HTTPS_PROXY / ALL_PROXY variables ever make the relay use a
proxy. A trap listener stands where every proxy variable points; any
connection to it fails the test. Through Apache mod_proxy_fcgi to a
standalone relay started with those variables, and the relay run as a
plain CGI program with HTTP_PROXY set as a server like nginx+fcgiwrap or
an old Apache would set it."""
import os
import socket
import threading

import gwtest as g
import faultkit as fk


class Trap:
    """Counts connections on a port; answers nothing."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.stop = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
                self.hits += 1
                c.close()
            except OSError:
                pass

    def close(self):
        self.stop.set()
        self.t.join(5)
        self.sock.close()


def main():
    agent = g.start_agent()
    trap = Trap()
    proxy = "http://127.0.0.1:%d" % trap.port
    names = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
             "ALL_PROXY", "all_proxy")
    saved = {n: os.environ.get(n) for n in names}
    for n in names:
        os.environ[n] = proxy
    os.environ.pop("NO_PROXY", None)
    os.environ.pop("no_proxy", None)
    try:
        relay, sock, log = fk.start_relay(agent, 4)
    finally:
        for n, v in saved.items():
            if v is None:
                os.environ.pop(n, None)
            else:
                os.environ[n] = v
    srv = fk.apache_proxy(sock)
    r = g.fetch(srv.port, "GET", "/oxy?a=1", headers=[("Proxy", proxy)])
    g.eq(r.status, 200, "relay started with every *_proxy variable set answers 200")
    names_seen = [k.lower() for k, _ in r.json()["headers"]] if r.status == 200 else []
    g.ok("proxy" not in names_seen, "the client's Proxy header is not forwarded", names_seen)
    g.eq(r.json().get("raw_path") if r.status == 200 else None, "/oxy?a=1",
         "the request reached the agent directly")
    g.eq(trap.hits, 0, "no connection to the proxy the environment names")
    srv.stop()
    relay.stop()

    # plain CGI: the server put the client's Proxy header in HTTP_PROXY
    env = g.cgi_env(REQUEST_URI="/cgi-oxy", AGENT_URL=agent.url,
                    HTTP_PROXY=proxy, http_proxy=proxy, HTTPS_PROXY=proxy,
                    ALL_PROXY=proxy)
    status, out, err = g.run_cgi(env, program=fk.relay_path())
    heads, body = g.parse_cgi(out)
    g.ok(out.startswith(b"Status: 200") and b'"/cgi-oxy"' in body,
         "as CGI with HTTP_PROXY set: 200 from the agent itself", out[:300], err)
    g.ok(b'"Proxy"' not in body, "and no Proxy header reaches the agent", body[:600])
    g.eq(trap.hits, 0, "still no connection to the proxy")
    trap.close()


g.run(main)
