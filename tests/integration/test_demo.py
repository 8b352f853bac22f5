#!/usr/bin/python3
"""The README's demo command starts what it promises: scripts/demo.sh brings
up the agent and lighttpd with both programs, proves one redirect and one
relayed request itself, prints the URLs to try, and stops everything."""
import os
import re
import subprocess

import gwtest as g


def main():
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    g.need_file(os.path.join(g.BUILDDIR, "fcgi-relay", "fcgi-relay"), "fcgi-relay")
    g.need_file(g.LIGHTTPD, "lighttpd")
    env = dict(os.environ, AG_BUILDDIR=g.BUILDDIR, AG_SRCDIR=g.SRCDIR)
    p = subprocess.run([os.path.join(g.SRCDIR, "scripts", "demo.sh"), "--seconds", "1"],
                       env=env, capture_output=True, timeout=90)
    out = p.stdout.decode("latin-1")
    g.ok(p.returncode == 0, "demo.sh exits 0 after its own checks",
         "exit %s" % p.returncode, p.stderr.decode("latin-1"))
    g.ok(re.search(r"redirect \(302/307\):\s+curl -si http://127\.0\.0\.1:\d+/redirect/", out),
         "prints the redirect URL", out, p.stderr.decode("latin-1"))
    g.ok(re.search(r"relay \(FastCGI\):\s+curl -s http://127\.0\.0\.1:\d+/relay/", out),
         "prints the relay URL", out)
    port = re.search(r"lighttpd (\d+)", out)
    g.ok(port is not None and g.fetch(int(port.group(1)), "GET", "/").status is None,
         "lighttpd is gone after the demo stops")


g.run(main)
