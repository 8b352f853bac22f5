#!/usr/bin/python3
"""--enable-portable, built as a user would for a shared host: a copy of
the distributed sources configured out of tree. cgi-redirect has no
dynamic dependency at all; fcgi-relay needs libc and libcurl but not
libfcgi. Then both serve as CGI programs under lighttpd mod_cgi
(examples/lighttpd/cgi-redirect.conf and fcgi-relay-cgi.conf) in front of
the agent, and the relay also as lighttpd's FastCGI responder
(fcgi-relay.conf)."""
import os
import re
import subprocess

import buildkit as bk
import gwtest as g

CONFIGURE_TIMEOUT = 120     # seconds; about 15 on an idle 2-core machine
MAKE_TIMEOUT = 180

# Direct dependencies the relay may have: libcurl and the parts of libc
# (older glibc splits out libpthread).
RELAY_NEEDED_OK = {"libcurl.so.4", "libc.so.6", "libpthread.so.0"}


def needed(path):
    """DT_NEEDED entries and whether there is a program interpreter."""
    dyn = subprocess.run(["readelf", "-dW", path], capture_output=True,
                         text=True, timeout=20).stdout
    prog = subprocess.run(["readelf", "-lW", path], capture_output=True,
                          text=True, timeout=20).stdout
    return (re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dyn),
            "INTERP" in prog)


def ldd(path):
    p = subprocess.run(["ldd", path], capture_output=True, text=True,
                       timeout=20)
    return (p.stdout + p.stderr).strip()


def build(log):
    tmp = g.make_dir("portable")
    src = os.path.join(tmp, "src")
    obj = os.path.join(tmp, "build")
    os.mkdir(obj)
    if not bk.dist_copy(src, log):
        return None
    if not bk.step("configure --enable-portable (out of tree)",
                   [os.path.join(src, "configure"), "--enable-portable"],
                   obj, log, CONFIGURE_TIMEOUT):
        return None
    if not bk.step("make the two programs",
                   ["make", "-j2", "cgi-redirect/cgi-redirect",
                    "fcgi-relay/fcgi-relay"], obj, log, MAKE_TIMEOUT):
        return None
    # Compiler warnings, and glibc's link warnings about getaddrinfo and
    # friends in a static program (--fatal-warnings also fails the link).
    with open(log, encoding="latin-1") as f:
        made = f.read().split("$ make -j2")[-1]
    warnings = [ln for ln in made.splitlines() if "warning:" in ln]
    g.eq(warnings, [], "the portable build has no warnings")
    return obj


def check_redirect_binary(path):
    libs, interp = needed(path)
    out = ldd(path)
    g.diag("ldd cgi-redirect: %s (%d bytes)" % (out, os.path.getsize(path)))
    g.eq((libs, interp), ([], False),
         "cgi-redirect: no shared library and no interpreter (fully static)")
    g.ok("not a dynamic executable" in out or "statically linked" in out,
         "ldd calls cgi-redirect static", out)


def check_relay_binary(path):
    libs, interp = needed(path)
    out = ldd(path)
    g.diag("ldd fcgi-relay (%d bytes):" % os.path.getsize(path))
    g.diag(out)
    g.ok("libcurl.so.4" in libs and set(libs) <= RELAY_NEEDED_OK,
         "fcgi-relay needs libcurl and libc only", repr(libs))
    g.ok("libfcgi" not in out, "no libfcgi in fcgi-relay's ldd", out)
    g.ok("not found" not in out, "every library fcgi-relay needs is there", out)
    p = subprocess.run([path, "--version"], capture_output=True, text=True,
                       timeout=20)
    g.eq((p.returncode, p.stdout.split("\n")[0]),
         (0, "fcgi-relay (agent-gateway) %s" % version()),
         "the portable fcgi-relay starts")


def version():
    with open(os.path.join(g.BUILDDIR, "config.h"), encoding="utf-8") as f:
        return re.search(r'#define PACKAGE_VERSION "([^"]+)"', f.read()).group(1)


def serve_redirect(agent, path):
    srv = g.start_lighttpd("cgi-redirect.conf", agent_url=agent.url,
                           cgi_redirect=path)
    r = g.fetch(srv.port, "GET", "/p/a%20b?q=1")
    g.eq((r.status, r.header("Location")),
         (302, "http://127.0.0.1:%d/p/a%%20b?q=1" % agent.port),
         "portable cgi-redirect under lighttpd mod_cgi: 302 to the agent")
    if r.status == 302:
        resp, _ = g.follow(r)
        seen = resp.json() if resp.status == 200 else {}
        g.eq(seen.get("raw_path"), "/p/a%20b?q=1",
             "following it reaches the agent with the path and query")
    body = b"portable" * 4096
    r = g.fetch(srv.port, "POST", "/form", body=body)
    g.eq(r.status, 307, "portable cgi-redirect: POST with a body answers 307")
    srv.stop()


def serve_relay(agent, path):
    srv = g.start_lighttpd("fcgi-relay-cgi.conf", agent_url=agent.url,
                           fcgi_relay=path)
    agent.reset_stats()
    r = g.fetch(srv.port, "GET", "/p/a%20b?q=1")
    seen = r.json() if r.status == 200 else {}
    g.eq((r.status, seen.get("raw_path")), (200, "/p/a%20b?q=1"),
         "portable fcgi-relay under lighttpd mod_cgi: relayed to the agent")
    body = os.urandom(300 << 10)
    r = g.fetch(srv.port, "POST", "/upload", body=body,
                headers=[("Content-Type", "application/octet-stream")])
    seen = r.json() if r.status == 200 else {}
    g.eq((seen.get("body_length"), seen.get("body_sha256")),
         (len(body), g.sha256(body)), "a 300 KiB request body arrives intact")
    n = 2 << 20
    r = g.request_digest(srv.port, "GET", "/_/bytes/%d?mode=chunked" % n)
    g.eq((r.status, r.body_length, r.body_sha256),
         (200, n, r.header("X-Body-Sha256")),
         "a 2 MiB chunked answer arrives intact")
    g.eq(agent.stats()["requests"], 3, "the agent saw the three requests")
    srv.stop()


def serve_relay_fastcgi(agent, path):
    """The FastCGI side is where the linked-in libfcgi does its work."""
    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=agent.url,
                           fcgi_relay=path)
    for i in range(3):
        r = g.fetch(srv.port, "GET", "/fcgi/%d?x=%d" % (i, i))
        seen = r.json() if r.status == 200 else {}
        g.eq((r.status, seen.get("raw_path")), (200, "/fcgi/%d?x=%d" % (i, i)),
             "portable fcgi-relay as lighttpd's FastCGI responder, request %d" % i)
    srv.stop()


def main():
    bk.need_build_tree()
    for tool in ("/usr/bin/ldd", "/usr/bin/readelf"):
        g.need_file(tool)
    log = os.path.join(g.make_dir("portable-log"), "build.log")
    obj = build(log)
    if obj is None:
        return
    redirect = os.path.join(obj, "cgi-redirect", "cgi-redirect")
    relay = os.path.join(obj, "fcgi-relay", "fcgi-relay")
    check_redirect_binary(redirect)
    check_relay_binary(relay)
    agent = g.start_agent()
    serve_redirect(agent, redirect)
    serve_relay(agent, relay)
    serve_relay_fastcgi(agent, relay)


g.run(main)
