#!/usr/bin/python3
"""The diagnose page on shared hosting: Apache with AllowOverride All and
three directories, each with an .htaccess from examples/apache/ (cgi-redirect
under mod_cgid, fcgi-relay under mod_cgid and under mod_fcgid). The page
exists only once `SetEnv AGENT_DIAGNOSE_PATH` is added; it shows
HTTP_AUTHORIZATION as present when CGIPassAuth is on and missing (with the
fix) when off, never the credential itself; every other path still
redirects or relays."""
import os
import re
import shutil

import gwtest as g
import htaccess_relay as h
import relay_checks as rc

SECRET = "Basic c2VjcmV0LXZhbHVlLTQy"      # "secret-value-42"
PAGE = "agent-gateway-diagnose"
DIRS = (("redir", "htaccess-cgi-redirect", "cgi-redirect.cgi"),
        ("cgi", "htaccess-fcgi-relay-cgi", "fcgi-relay.cgi"),
        ("fcgid", "htaccess-fcgi-relay-fcgid", "fcgi-relay.fcgi"))


def install(srv, agent, subdir, template, program, extra="", passauth=None):
    """(Re)writes <docroot>/<subdir>/.htaccess from the example plus extra
    lines; passauth "On"/"Off" sets or replaces its CGIPassAuth line."""
    d = os.path.join(srv.docroot, subdir)
    os.makedirs(d, mode=0o755, exist_ok=True)
    dest = os.path.join(d, ".htaccess")
    g.render(g.example("apache", template), dest + ".tmp",
             dict(srv.values, AGENT_URL=agent.url))
    with open(dest + ".tmp") as f:
        text = f.read()
    if passauth is not None:
        text = "\n".join(ln for ln in text.splitlines()
                         if not ln.startswith("CGIPassAuth"))
        text += "\nCGIPassAuth %s\n" % passauth
    with open(dest + ".tmp", "w") as f:
        f.write(text + extra)
    os.chmod(dest + ".tmp", 0o644)
    os.replace(dest + ".tmp", dest)
    prog = os.path.join(d, program)
    if not os.path.exists(prog):
        src = g.cgi_redirect_path() if program.startswith("cgi-") else rc.relay_path()
        shutil.copyfile(src, prog)
        os.chmod(prog, 0o755)


def diag_line(subdir):
    return "SetEnv AGENT_DIAGNOSE_PATH /%s/%s\n" % (subdir, PAGE)


def check_ordinary(srv, agent, subdir, target, what):
    """target is redirected (redir) or relayed (the others)."""
    r = g.fetch(srv.port, "GET", target)
    if subdir == "redir":
        g.eq((r.status, r.header("Location")),
             (302, "http://127.0.0.1:%d%s" % (agent.port, target)),
             "%s: %s %s redirects" % (subdir, target, what))
    else:
        g.eq((r.status, r.json().get("raw_path") if r.status == 200 else None),
             (200, target), "%s: %s %s is relayed" % (subdir, target, what))


def fetch_page(srv, subdir):
    return g.fetch(srv.port, "GET", "/%s/%s?from=test" % (subdir, PAGE),
                   headers=[("Authorization", SECRET)])


def check_page(srv, subdir, auth_present):
    r = fetch_page(srv, subdir)
    body = r.body.decode("latin-1")
    g.eq((r.status, (r.header("Content-Type") or "").split(";")[0],
          r.header("Cache-Control")), (200, "text/plain", "no-store"),
         "%s: diagnose page is 200 text/plain, no-store" % subdir)
    g.ok("c2VjcmV0LXZhbHVlLTQy" not in body and "secret-value" not in body,
         "%s: the Authorization value is never shown" % subdir, body)
    if auth_present:
        g.ok("HTTP_AUTHORIZATION: present (%d bytes" % len(SECRET) in body,
             "%s: CGIPassAuth On -> HTTP_AUTHORIZATION present, with its length"
             % subdir, body)
    else:
        g.ok("HTTP_AUTHORIZATION: missing" in body and "CGIPassAuth On" in body
             and "FcgidPassHeader Authorization" in body,
             "%s: CGIPassAuth Off -> HTTP_AUTHORIZATION missing, with the fixes"
             % subdir, body)
    return body


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    agent = g.start_agent()
    srv = h.start_apache_fcgid()
    # Off by default: the page's path is an ordinary path.
    for subdir, template, program in DIRS:
        install(srv, agent, subdir, template, program)
        check_ordinary(srv, agent, subdir, "/%s/%s" % (subdir, PAGE),
                       "(diagnose_path unset)")
    # On: CGIPassAuth On where the example has it, added for the redirect.
    for subdir, template, program in DIRS:
        install(srv, agent, subdir, template, program, extra=diag_line(subdir),
                passauth="On")
        body = check_page(srv, subdir, auth_present=True)
        fastcgi = subdir == "fcgid"
        g.ok(("mode: FastCGI" in body) == fastcgi and ("mode: CGI" in body) != fastcgi,
             "%s: the page says %s" % (subdir, "FastCGI" if fastcgi else "CGI"), body)
        g.ok('REQUEST_URI = "/%s/%s?from=test"' % (subdir, PAGE) in body and
             'SERVER_SOFTWARE = "Apache' in body and
             'GATEWAY_INTERFACE = "CGI/1.1"' in body and
             'REMOTE_ADDR = "127.0.0.1"' in body and "HTTPS: missing" in body,
             "%s: REQUEST_URI, SERVER_SOFTWARE, GATEWAY_INTERFACE, REMOTE_ADDR, "
             "HTTPS shown as delivered" % subdir, body)
        g.ok(re.search(r"^diagnose_path +  = /%s/%s" % (subdir, PAGE), body, re.M) and
             re.search(r"^agent_url +  = %s" % re.escape(agent.url), body, re.M),
             "%s: the effective settings are listed" % subdir, body)
        if subdir == "redir":
            g.ok("not probed" in body, "redir: the agent is not probed", body)
        else:
            g.ok("agent: HEAD %s/ answered" % agent.url in body,
                 "%s: the relay probed the agent" % subdir, body)
        check_ordinary(srv, agent, subdir, "/%s/other?q=1" % subdir,
                       "(diagnose_path set)")
        check_ordinary(srv, agent, subdir, "/%s/%s/sub" % (subdir, PAGE),
                       "(below the diagnose path)")
    # CGIPassAuth Off: Apache hides Authorization, the page says how to fix it.
    for subdir, template, program in DIRS:
        install(srv, agent, subdir, template, program, extra=diag_line(subdir),
                passauth="Off")
        check_page(srv, subdir, auth_present=False)
    # HEAD: the head alone.
    r = g.fetch(srv.port, "HEAD", "/fcgid/%s" % PAGE)
    g.eq((r.status, r.body, r.header("Cache-Control")), (200, b"", "no-store"),
         "fcgid: HEAD of the page has no body")
    g.ok("diagnose page served to 127.0.0.1" in srv.error_log_text(),
         "each page is logged in the error log")
    g.ok(srv.alive(), "apache still running")


g.run(main)
