"""Shared-hosting checks for fcgi-relay (imported by test_relay_htaccess_*):
two directories, each with its own copy of the relay and its own .htaccess
from examples/apache/ naming a different agent prefix, served by an Apache
with AllowOverride All and no relay configuration of its own."""
import os
import shutil

import gwtest as g
import relay_checks as rc


def start_apache_fcgid(extra=""):
    """Apache with mod_fcgid and mod_rewrite, AllowOverride All and no
    relay configuration of its own: what a shared host offers."""
    g.need_apache_module("rewrite")
    g.need_apache_module("fcgid")
    ipc = g.make_dir("fcgid")
    shutil.chown(ipc, user=g.APACHE_USER)
    srv = g.start_apache(None, modules=["rewrite", "fcgid"], allow_override="All",
                         directives='FcgidIPCDir "%s/ipc"\n'
                                    'FcgidProcessTableFile "%s/shm"\n'
                                    "FcgidOutputBufferSize 0\n%s" % (ipc, ipc, extra))
    srv.fcgid_dir = ipc
    return srv


def install(srv, template, program, subdir, agent_url, extra=""):
    """(Re)writes <docroot>/<subdir>/.htaccess from the template with
    agent_url, plus extra lines; copies the relay in as program."""
    d = os.path.join(srv.docroot, subdir)
    os.makedirs(d, mode=0o755, exist_ok=True)
    os.chmod(d, 0o755)
    dest = os.path.join(d, ".htaccess")
    g.render(g.example("apache", template), dest + ".tmp",
             dict(srv.values, AGENT_URL=agent_url))
    with open(dest + ".tmp", "a") as f:
        f.write(extra)
    os.chmod(dest + ".tmp", 0o644)
    os.replace(dest + ".tmp", dest)
    prog = os.path.join(d, program)
    if not os.path.exists(prog):
        shutil.copyfile(rc.relay_path(), prog)
        os.chmod(prog, 0o755)


def seen(r):
    return r.json() if r.status == 200 else {}


def check(srv, agent, template, program, name):
    install(srv, template, program, "one", agent.url + "/api1")
    install(srv, template, program, "two", agent.url + "/api2")
    for target, want in (("/one/x/y?q=%41+b", "/api1/one/x/y?q=%41+b"),
                         ("/two/z?q=2", "/api2/two/z?q=2"),
                         ("/one/", "/api1/one/"),
                         ("/two/" + program + "?p=1", "/api2/two/" + program + "?p=1")):
        r = g.fetch(srv.port, "GET", target)
        g.eq((r.status, seen(r).get("raw_path")), (200, want),
             "%s: %s relayed with its directory's agent prefix" % (name, target))
    r = g.fetch(srv.port, "GET", "/one/auth", headers=[("Authorization", "Basic eDp5")])
    hdrs = dict(seen(r).get("headers", []))
    g.eq(hdrs.get("Authorization"), "Basic eDp5", "%s: Authorization reaches the agent" % name)
    body = os.urandom(1 << 20)
    r = g.fetch(srv.port, "POST", "/two/upload", body=body,
                headers=[("Content-Type", "application/octet-stream")])
    g.eq((r.status, seen(r).get("body_length"), seen(r).get("body_sha256")),
         (200, len(body), g.sha256(body)), "%s: 1 MiB POST body arrives intact" % name)
    r = g.fetch(srv.port, "HEAD", "/one/head")
    # (Apache's CGI layer drops the Content-Length; the type shows the
    # agent answered.)
    g.ok(r.status == 200 and r.body == b"" and
         (r.header("Content-Type") or "").startswith("application/json"),
         "%s: HEAD relayed, the agent's head, no body" % name, repr(r))
    # The .htaccess is read per request: a change applies at once, also to
    # a relay process that is already running (FastCGI parameters).
    install(srv, template, program, "one", agent.url + "/v3",
            extra="SetEnv AGENT_STRIP_PREFIX /one\n")
    r = g.fetch(srv.port, "GET", "/one/x?q=3")
    g.eq((r.status, seen(r).get("raw_path")), (200, "/v3/x?q=3"),
         "%s: changed .htaccess (new prefix, strip_prefix) applies to the next request" % name)
    r = g.fetch(srv.port, "GET", "/two/z")
    g.eq(seen(r).get("raw_path"), "/api2/two/z", "%s: the other directory keeps its own" % name)
    # A bad per-request value is this request's error, not the process's.
    install(srv, template, program, "one", "ftp://127.0.0.1/")
    r = g.fetch(srv.port, "GET", "/one/x")
    g.eq(r.status, 500, "%s: an unusable agent_url in .htaccess -> 500" % name)
    r = g.fetch(srv.port, "GET", "/two/after")
    g.eq(seen(r).get("raw_path"), "/api2/two/after", "%s: still relaying afterwards" % name)
