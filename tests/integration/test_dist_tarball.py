#!/usr/bin/python3
"""The release tarball, made by the build tree's own `make dist-gzip`,
holds what a user needs (README, manuals, examples, the build system, the
tests, .ci/run) and no build or test leftovers; unpacked in a clean
directory it configures, builds and passes the unit tests without the
autotools running again.

The tarball is made under a name of its own (distdir=...), so a `make
dist` or `make distcheck` running in the same build tree at the same time
never meets it; it is moved out at once."""
import os
import re
import shutil
import subprocess

import buildkit as bk
import gwtest as g

DIST_TIMEOUT = 120          # seconds; a few on an idle machine
CONFIGURE_TIMEOUT = 120
MAKE_TIMEOUT = 300
CHECK_TIMEOUT = 180

REQUIRED = ["README.md", "HACKING.md", "SECURITY.md", "man/cgi-redirect.8",
            "man/fcgi-relay.8", ".ci/run", "scripts/bootstrap", "configure",
            "configure.ac", "Makefile.am", "Makefile.in", "config.h.in",
            "build-aux/tap-driver.sh", "tests/agent.py",
            "tests/integration/gwtest.py", "tests/unit/check_unit.c",
            "bench/run.py", ".clang-format"]
EXECUTABLE = ["configure", ".ci/run", "scripts/bootstrap"]
# What a build or a test run leaves in a tree, never to be shipped.
LEFTOVER = re.compile(r"(^|/)(\.git|__pycache__|autom4te\.cache|config\.status|"
                      r"config\.log|config\.h|Makefile|stamp-h1|out)(/|$)|"
                      r"\.(o|a|log|trs)$")


def shipped_sources():
    """Files the tarball must carry because the tree has them: every
    example, integration test module and bench file (bench/ is listed
    file by file in Makefile.am, so a new one can be forgotten)."""
    out = []
    for sub in ("examples", "tests/integration", "bench"):
        root = os.path.join(g.SRCDIR, sub)
        for d, dirs, files in os.walk(root):
            dirs[:] = [x for x in dirs if x not in ("__pycache__", "out")]
            for f in files:
                if f.startswith(".") or f.endswith(("~", ".log", ".trs")):
                    continue
                out.append(os.path.relpath(os.path.join(d, f), g.SRCDIR))
    return sorted(out)


def make_tarball(tmp, log):
    name = "agent-gateway-disttest-%d" % os.getpid()
    made = os.path.join(g.BUILDDIR, name + ".tar.gz")
    try:
        if not bk.step("make dist-gzip (distdir=%s)" % name,
                       ["make", "-C", g.BUILDDIR, "dist-gzip",
                        "distdir=" + name], None, log, DIST_TIMEOUT):
            return None, name
        dest = os.path.join(tmp, name + ".tar.gz")
        shutil.move(made, dest)
        return dest, name
    finally:
        # A failed run must not leave anything in the build tree.
        if os.path.exists(made):
            os.unlink(made)
        shutil.rmtree(os.path.join(g.BUILDDIR, name), ignore_errors=True)


def list_tarball(path):
    p = subprocess.run(["tar", "-tvzf", path], capture_output=True,
                       text=True, timeout=60)
    members = {}
    for line in p.stdout.splitlines():
        fields = line.split(None, 5)
        if len(fields) == 6:
            members[fields[5].rstrip("/")] = fields[0]
    return members


def check_contents(members, name):
    g.ok(members and all(m == name or m.startswith(name + "/") for m in members),
         "every member is under %s/" % name, sorted(members)[:5])
    rel = {m[len(name) + 1:]: mode for m, mode in members.items()
           if m.startswith(name + "/")}
    g.eq([f for f in REQUIRED if f not in rel], [],
         "README, manuals, .ci/run and the build system are in the tarball")
    g.eq([f for f in shipped_sources() if f not in rel], [],
         "every example, integration test module and bench file is in the tarball")
    g.eq([f for f in EXECUTABLE if "x" not in rel.get(f, "")], [],
         "configure, .ci/run and scripts/bootstrap stay executable")
    g.eq(sorted(f for f in rel if LEFTOVER.search(f)), [],
         "no build or test leftovers in the tarball")


def build_unpacked(tarball, tmp, name, log):
    if not bk.step("unpack", ["tar", "-xzf", tarball], tmp, log, 60):
        return
    top = os.path.join(tmp, name)
    env = bk.clean_env()
    if not bk.step("./configure in the unpacked tree", ["./configure"],
                   top, log, CONFIGURE_TIMEOUT, env):
        return
    if not bk.step("make", ["make", "-j2"], top, log, MAKE_TIMEOUT, env):
        return
    with open(log, encoding="latin-1") as f:
        text = f.read().split("$ ./configure")[-1]
    g.eq(re.findall(r"\b(aclocal|automake|autoconf|autoheader)-?[\d.]* ", text), [],
         "the autotools did not run again (the tarball's files are current)")
    if not bk.step("make check TESTS=tests/unit/check_unit",
                   ["make", "check", "TESTS=tests/unit/check_unit"], top, log,
                   CHECK_TIMEOUT, env):
        return
    try:
        with open(os.path.join(top, "tests/unit/check_unit.log"),
                  encoding="latin-1") as f:
            summary = re.findall(r"^\d+%: Checks: .*$", f.read(), re.M)
    except OSError:
        summary = []
    g.ok(summary and summary[-1].startswith("100%:"),
         "the unit tests pass in the unpacked tree", summary)
    if summary:
        g.diag(summary[-1])


def main():
    bk.need_build_tree()
    tmp = g.make_dir("dist")
    log = os.path.join(g.make_dir("dist-log"), "dist.log")
    tarball, name = make_tarball(tmp, log)
    g.ok(not os.path.exists(os.path.join(g.BUILDDIR, name)) and
         not os.path.exists(os.path.join(g.BUILDDIR, name + ".tar.gz")),
         "nothing of it is left in the build tree")
    if tarball is None:
        return
    g.diag("tarball: %d bytes" % os.path.getsize(tarball))
    check_contents(list_tarball(tarball), name)
    build_unpacked(tarball, tmp, name, log)


g.run(main)
