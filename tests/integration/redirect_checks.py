"""Checks shared by the cgi-redirect integration tests: the same behaviour
asserted through each web server (imported by test_redirect_*.py)."""

import html

import gwtest as g

# Path and query with what must survive byte for byte: escapes (also of
# unreserved bytes, which servers like to decode), sub-delims, '+', '~',
# an empty query parameter and a repeated one. No %2F: Apache answers 404
# for it by default (AllowEncodedSlashes Off).
TARGET = "/p/a%20b/%7Euser/;x=1,y!$'()*:@/?q=%41&r=a+b&s=%3D&t=~&&q=2"


def location_for(agent, host, target, prefix=""):
    return "http://%s:%d%s%s" % (host, agent.port, prefix, target)


def check_get(srv, agent, target=TARGET, prefix=""):
    """GET: 302 Found, exact Location, no-store, HTML body with the link
    escaped; following it reaches the agent with the same path and query."""
    r = g.fetch(srv.port, "GET", target)
    want = location_for(agent, "127.0.0.1", target, prefix)
    g.eq(r.status, 302, "%s: GET answers 302" % srv.kind)
    g.eq(r.reason, "Found", "%s: reason phrase Found" % srv.kind)
    g.eq(r.header("Location"), want, "%s: Location is scheme://host:agent-port + raw path and query" % srv.kind)
    g.eq(r.header("Cache-Control"), "no-store", "%s: Cache-Control: no-store" % srv.kind)
    g.ok((r.header("Content-Type") or "").startswith("text/html"),
         "%s: HTML body" % srv.kind, repr(r.headers))
    link = html.escape(want, quote=True).replace("&#x27;", "&#39;")
    body = r.body.decode("utf-8", "replace")
    g.ok('href="%s"' % link in body, "%s: body links to the escaped Location" % srv.kind, body)
    g.ok("&amp;" in body and "&#39;" in body and "q=%41&r" not in body,
         "%s: '&' and quote are HTML-escaped in the body" % srv.kind, body)
    resp, u = g.follow(r)
    g.eq(resp.status, 200, "%s: following the redirect reaches the agent" % srv.kind)
    seen = resp.json()
    g.eq(seen["raw_path"], prefix + target, "%s: agent saw the exact raw path and query" % srv.kind)
    g.eq(seen["method"], "GET", "%s: agent saw GET" % srv.kind)
    return r


def check_head(srv, agent, target="/head/x?y=1"):
    """HEAD: 302 with the same Location and not one body byte."""
    data = g.build_request("HEAD", target, host="127.0.0.1:%d" % srv.port)
    raw = g.raw_exchange(srv.port, data)
    head, _, rest = raw.partition(b"\r\n\r\n")
    g.ok(head.startswith(b"HTTP/1.1 302 "), "%s: HEAD answers 302" % srv.kind, head[:200])
    g.ok(b"\r\nLocation: " + location_for(agent, "127.0.0.1", target).encode() + b"\r\n" in head + b"\r\n",
         "%s: HEAD carries the Location" % srv.kind, head)
    g.eq(rest, b"", "%s: HEAD answer has no body" % srv.kind)


def check_post(srv, agent, size=1000, method="POST"):
    """POST (and other methods): 307 keeps method and body; following it
    delivers the body to the agent."""
    body = bytes((i * 7 + 1) & 0xFF for i in range(size))
    target = "/form/submit?id=7"
    r = g.fetch(srv.port, method, target, body=body,
                  headers=[("Content-Type", "application/octet-stream")])
    g.eq(r.status, 307, "%s: %s answers 307" % (srv.kind, method))
    g.eq(r.reason, "Temporary Redirect", "%s: reason phrase Temporary Redirect" % srv.kind)
    g.eq(r.header("Location"), location_for(agent, "127.0.0.1", target),
         "%s: %s Location" % (srv.kind, method))
    resp, _ = g.follow(r, method=method, body=body)
    seen = resp.json()
    g.eq((seen["method"], seen["body_length"], seen["body_sha256"]),
         (method, size, g.sha256(body)),
         "%s: after following, the agent got the %s body intact" % (srv.kind, method))


def check_client_host(srv, agent):
    """The Location names the host the client used, with the agent's port."""
    for host, want in (("localhost:%d" % srv.port, "localhost"),
                       ("Gateway.Example.ORG", "gateway.example.org"),
                       ("192.0.2.10:8000", "192.0.2.10"),
                       ("[2001:db8::1]", "[2001:db8::1]")):
        r = g.fetch(srv.port, "GET", "/h?x=1", host=host)
        g.eq((r.status, r.header("Location")),
             (302, "http://%s:%d/h?x=1" % (want, agent.port)),
             "%s: Host %s gives a Location on %s" % (srv.kind, host, want))


def check_alive(srv, agent):
    r = g.fetch(srv.port, "GET", "/still/there?ok=1")
    g.ok(srv.alive() and r.status == 302 and
         r.header("Location") == location_for(agent, "127.0.0.1", "/still/there?ok=1"),
         "%s: server still answers redirects" % srv.kind, repr(r))


def check_all(srv, agent):
    check_get(srv, agent)
    check_head(srv, agent)
    check_post(srv, agent)
    check_post(srv, agent, size=0, method="PATCH")
    check_client_host(srv, agent)
    check_alive(srv, agent)
