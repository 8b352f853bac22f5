#!/usr/bin/python3
"""The diagnose page under lighttpd: fcgi-relay under mod_fastcgi
(examples/lighttpd/fcgi-relay.conf) and cgi-redirect under mod_cgi
(cgi-redirect.conf), with AGENT_DIAGNOSE_PATH sent per request by
setenv.add-environment. lighttpd always hands Authorization over: the page
says it is present, with its length, never its value; a client's bytes are
shown escaped; other paths still relay or redirect."""
import re

import gwtest as g
import relay_checks as rc

SECRET = "Bearer tok-9f8e7d6c5b4a"
PAGE = "/agent-gateway-diagnose"


def page(srv, query="?a=1"):
    r = g.fetch(srv.port, "GET", PAGE + query,
                headers=[("Authorization", SECRET), ("X-Probe", "1")])
    return r, r.body.decode("latin-1")


def check(srv, what, fastcgi):
    r, body = page(srv)
    g.eq((r.status, (r.header("Content-Type") or "").split(";")[0],
          r.header("Cache-Control")), (200, "text/plain", "no-store"),
         "%s: diagnose page is 200 text/plain, no-store" % what)
    g.ok("HTTP_AUTHORIZATION: present (%d bytes" % len(SECRET) in body and
         "tok-9f8e7d6c5b4a" not in body,
         "%s: Authorization present with its length, value not shown" % what, body)
    g.ok(("mode: FastCGI" in body) == fastcgi,
         "%s: the page says %s" % (what, "FastCGI" if fastcgi else "CGI"), body)
    g.ok('SERVER_SOFTWARE = "lighttpd' in body and "HTTP_X_PROBE" in body and
         re.search(r"^diagnose_path +  = %s" % PAGE, body, re.M) is not None,
         "%s: server, header names and settings listed" % what, body)
    # %-escapes stay as sent; a raw byte above 0x7e is shown as \xHH.
    r, body = page(srv, "?q=%41\xe9<b>")
    g.ok('REQUEST_URI = "%s?q=%%41\\xe9<b>"' % PAGE in body,
         "%s: a client's bytes are shown escaped" % what, body)


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    agent = g.start_agent()
    env = {"AGENT_DIAGNOSE_PATH": PAGE}
    relay = g.start_lighttpd("fcgi-relay.conf", agent_url=agent.url,
                             fcgi_relay=rc.relay_path(), extra_env=env)
    check(relay, "lighttpd relay", fastcgi=True)
    _, body = page(relay)
    g.ok("agent: HEAD %s/ answered" % agent.url in body,
         "lighttpd relay: the agent was probed", body)
    r = g.fetch(relay.port, "GET", PAGE + "x?y=1")
    g.eq((r.status, r.json().get("raw_path") if r.status == 200 else None),
         (200, PAGE + "x?y=1"), "lighttpd relay: other paths are relayed")
    redir = g.start_lighttpd("cgi-redirect.conf", agent_url=agent.url, extra_env=env)
    check(redir, "lighttpd redirect", fastcgi=False)
    r = g.fetch(redir.port, "GET", "/x?y=1")
    g.eq((r.status, r.header("Location")),
         (302, "http://127.0.0.1:%d/x?y=1" % agent.port),
         "lighttpd redirect: other paths are redirected")


g.run(main)
