#!/usr/bin/python3
"""The classic split (examples/*/fcgi-relay-static-split.conf): lighttpd and
Apache (mod_fcgid) serve /static/ from disk themselves and hand only the
other paths to fcgi-relay. Proven on the agent's side: its request count
does not move for static requests (hits, misses, a 1 MiB file, HEAD), and
moves by one for each dynamic one."""
import os

import gwtest as g
import relay_checks as rc

FILES = {"app.css": b"body { color: #123; }\n",
         "sub/app.js": b"console.log('static');\n",
         "big.bin": os.urandom(1 << 20)}


def static_dir():
    d = g.make_dir("static")
    for name, data in FILES.items():
        path = os.path.join(d, name)
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        os.chmod(os.path.dirname(path), 0o755)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o644)
    return d


def agent_requests(agent):
    return agent.stats()["requests"]


def check(srv, agent):
    kind = srv.kind
    before = agent_requests(agent)
    for name, data in FILES.items():
        r = g.fetch(srv.port, "GET", "/static/" + name)
        g.eq((r.status, g.sha256(r.body)), (200, g.sha256(data)),
             "%s: /static/%s served from disk" % (kind, name))
    r = g.fetch(srv.port, "HEAD", "/static/app.css")
    g.eq((r.status, r.header("Content-Length")), (200, str(len(FILES["app.css"]))),
         "%s: HEAD of a static file" % kind)
    r = g.fetch(srv.port, "GET", "/static/missing.css")
    g.eq(r.status, 404, "%s: a missing static file is the server's 404" % kind)
    r = g.fetch(srv.port, "GET", "/static/app.css",
                headers=[("Range", "bytes=0-3")])
    g.eq((r.status, r.body), (206, FILES["app.css"][:4]),
         "%s: ranges on static files (the server's own file handling)" % kind)
    g.eq(agent_requests(agent) - before, 0,
         "%s: no static request reached the agent" % kind)
    dynamic = ("/api/items?id=1", "/", "/static", "/staticfoo/x", "/x/static/app.css")
    for target in dynamic:
        r = g.fetch(srv.port, "GET", target)
        g.eq((r.status, r.json().get("raw_path") if r.status == 200 else None),
             (200, target), "%s: %s relayed to the agent" % (kind, target))
    g.eq(agent_requests(agent) - before, len(dynamic),
         "%s: the agent saw exactly the dynamic requests" % kind)


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    agent = g.start_agent()
    static = static_dir()
    srv = g.start_lighttpd("fcgi-relay-static-split.conf", agent_url=agent.url,
                           fcgi_relay=rc.relay_path(), static_dir=static)
    check(srv, agent)
    g.need_apache_module("fcgid")
    srv = g.start_apache("fcgi-relay-static-split.conf", modules=["fcgid"],
                         agent_url=agent.url, fcgi_relay=rc.relay_path(),
                         static_dir=static)
    check(srv, agent)


g.run(main)
