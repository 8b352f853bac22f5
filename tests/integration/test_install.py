#!/usr/bin/python3
"""`make install` into a DESTDIR puts every file where an operator looks
for it (prefix /usr): programs in /usr/sbin, manuals in man8, README and
SECURITY.md in the doc directory with the examples under it, and with a
CGI directory (configure --with-cgi-bin-dir, here given to make as
cgibindir) a copy of both programs there; `make uninstall` removes every
file again. Install only copies: it runs in the build tree of the test
run and writes nowhere but the DESTDIR."""
import filecmp
import os
import subprocess

import buildkit as bk
import gwtest as g

TIMEOUT = 120
PROGRAMS = ("cgi-redirect", "fcgi-relay")
DOC = "usr/share/doc/agent-gateway"


def installed_files(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            out[os.path.relpath(p, root)] = os.lstat(p).st_mode & 0o7777
    return out


def expected(cgibin):
    want = {}
    for p in PROGRAMS:
        want["usr/sbin/" + p] = 0o755
        if cgibin:
            want["usr/lib/cgi-bin/" + p] = 0o755
        want["usr/share/man/man8/%s.8" % p] = 0o644
    for f in ("README.md", "SECURITY.md"):
        want["%s/%s" % (DOC, f)] = 0o644
    src = os.path.join(g.SRCDIR, "examples")
    for d, _, files in os.walk(src):
        for f in files:
            if f.startswith(".") or f.endswith("~"):
                continue
            rel = os.path.relpath(os.path.join(d, f), src)
            want["%s/examples/%s" % (DOC, rel)] = 0o644
    return want


def same_as_source(dest):
    """Installed copies are the built programs and the shipped files."""
    pairs = [(os.path.join(g.BUILDDIR, p, p), "usr/sbin/" + p) for p in PROGRAMS]
    pairs += [(os.path.join(g.SRCDIR, "man", p + ".8"),
               "usr/share/man/man8/%s.8" % p) for p in PROGRAMS]
    pairs.append((os.path.join(g.SRCDIR, "examples", "lighttpd", "fcgi-relay.conf"),
                  DOC + "/examples/lighttpd/fcgi-relay.conf"))
    bad = [b for a, b in pairs
           if not filecmp.cmp(a, os.path.join(dest, b), shallow=False)]
    g.eq(bad, [], "installed files are byte for byte the built and shipped ones")


def round_trip(cgibin, label):
    dest = g.make_dir("install")
    log = os.path.join(g.make_dir("install-log"), "make.log")
    args = ["DESTDIR=" + dest, "prefix=/usr",
            "cgibindir=" + ("/usr/lib/cgi-bin" if cgibin else "")]
    if not bk.step("%s: make install" % label,
                   ["make", "-C", g.BUILDDIR, "install"] + args, None, log,
                   TIMEOUT):
        return
    got = installed_files(dest)
    want = expected(cgibin)
    g.eq(sorted(set(got) - set(want)), [], "%s: nothing installed beyond the layout" % label)
    g.eq(sorted(set(want) - set(got)), [], "%s: every file of the layout installed" % label)
    g.eq({k: oct(v) for k, v in got.items() if want.get(k) not in (None, v)}, {},
         "%s: modes 0755 for programs, 0644 for the rest" % label)
    if cgibin:
        same_as_source(dest)
        for p in PROGRAMS:
            path = os.path.join(dest, "usr/lib/cgi-bin", p)
            r = subprocess.run([path, "--version"], capture_output=True,
                               text=True, timeout=20)
            g.ok(r.returncode == 0 and r.stdout.startswith(p + " "),
                 "%s: the CGI directory's %s runs" % (label, p), r.stdout, r.stderr)
    if bk.step("%s: make uninstall" % label,
               ["make", "-C", g.BUILDDIR, "uninstall"] + args, None, log,
               TIMEOUT):
        left = installed_files(dest)
        g.eq(sorted(left), [], "%s: uninstall leaves no file behind" % label)
        g.ok(not os.path.exists(os.path.join(dest, DOC, "examples")),
             "%s: uninstall removes the examples' directories" % label)


def main():
    bk.need_build_tree()
    for p in PROGRAMS:
        g.need_file(os.path.join(g.BUILDDIR, p, p), "%s (build it first)" % p)
    round_trip(True, "with a CGI directory")
    round_trip(False, "without one")


g.run(main)
