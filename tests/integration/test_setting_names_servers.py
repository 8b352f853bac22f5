#!/usr/bin/python3
"""AGENT_URL, the name everyone tries, reaches both programs through real
servers: lighttpd setenv.add-environment and Apache SetEnv for cgi-redirect
and the relay as CGI, and as a per-request FastCGI parameter that beats the
relay's start-up environment. The old spelling AGENT_AGENT_URL per request
still works and the log names the new one; a misspelt AGENT_AGNET_URL per
request is a 500 whose log line says "did you mean AGENT_URL?"."""
import re

import gwtest as g
import relay_checks as rc


def dead_url():
    return "http://127.0.0.1:%d" % g.free_port()



def relayed(srv, what):
    r = g.fetch(srv.port, "GET", "/names?x=1")
    ok = r.status == 200 and r.json().get("raw_path") == "/names?x=1"
    g.ok(ok, what, r, srv.logs_text()[-2000:])


def redirected(srv, agent, what):
    r = g.fetch(srv.port, "GET", "/names?x=1")
    g.ok(r.status == 302 and
         r.header("Location") == "http://127.0.0.1:%d/names?x=1" % agent.port,
         what, r, srv.logs_text()[-2000:])


def check_cgi_redirect(agent):
    srv = g.start_lighttpd("cgi-redirect.conf", agent_url=agent.url)
    redirected(srv, agent, "lighttpd setenv AGENT_URL reaches cgi-redirect")
    srv.stop()
    srv = g.start_apache("cgi-redirect.conf", agent_url=agent.url)
    redirected(srv, agent, "Apache SetEnv AGENT_URL reaches cgi-redirect")
    srv.stop()


def check_relay_cgi(agent):
    srv = g.start_lighttpd("fcgi-relay-cgi.conf", agent_url=agent.url,
                           fcgi_relay=rc.relay_path())
    relayed(srv, "lighttpd setenv AGENT_URL reaches the relay as CGI")
    srv.stop()
    srv = g.start_apache("fcgi-relay-cgi.conf", agent_url=agent.url,
                         fcgi_relay=rc.relay_path())
    relayed(srv, "Apache SetEnv AGENT_URL reaches the relay as CGI")
    srv.stop()


def check_relay_fastcgi(agent):
    # bin-environment (start-up) names a dead agent; the per-request
    # parameter from setenv.add-environment must win.
    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=dead_url(),
                           fcgi_relay=rc.relay_path(),
                           extra_env={"AGENT_URL": agent.url})
    relayed(srv, "per-request AGENT_URL (lighttpd setenv) reaches the relay "
            "over FastCGI and beats bin-environment")
    srv.stop()

    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=dead_url(),
                           fcgi_relay=rc.relay_path(),
                           extra_env={"AGENT_AGENT_URL": agent.url})
    relayed(srv, "the old per-request name AGENT_AGENT_URL still works")
    g.ok(re.search(r"fcgi-relay\[\d+\]: warning: per-request parameter "
                   r"AGENT_AGENT_URL is a deprecated name: use AGENT_URL",
                   srv.logs_text()),
         "the log names the new name, with the warning level", srv.logs_text()[-2000:])
    srv.stop()

    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=agent.url,
                           fcgi_relay=rc.relay_path(),
                           extra_env={"AGENT_AGNET_URL": agent.url})
    r = g.fetch(srv.port, "GET", "/names")
    g.eq(r.status, 500, "a misspelt per-request name is refused")
    g.ok(re.search(r"fcgi-relay\[\d+\]: error: .*unknown parameter "
                   r"AGENT_AGNET_URL \(did you mean AGENT_URL\?\)", srv.logs_text()),
         "the log says which name was meant", srv.logs_text()[-2000:])
    srv.stop()


def main():
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    agent = g.start_agent()
    check_cgi_redirect(agent)
    check_relay_cgi(agent)
    check_relay_fastcgi(agent)


g.run(main)
