"""buildkit: helpers for the tests that build or install the project again
(portable binaries, install layout, the release tarball).

They run make and configure as children with a time bound, in their own
session so a timeout stops the compilers too, and without the MAKEFLAGS of
the `make check` that runs them: its jobserver and its TESTS=... must not
leak into an unrelated build. Output goes to a log file whose tail becomes
TAP diagnostics when a step fails.
"""

import os
import signal
import subprocess
import time

import gwtest as g

# Inherited from the `make check` running the test; meaningless (or
# harmful: jobserver descriptors, TESTS=...) for a separate build.
_MAKE_VARS = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "GNUMAKEFLAGS")


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in _MAKE_VARS}
    env.update(extra)
    return env


def run(argv, cwd, log, timeout, env=None):
    """Runs argv in cwd with output appended to log; returns the exit
    status, or None when it ran out of time (then its whole process group
    is killed)."""
    with open(log, "ab") as out:
        out.write(("$ %s\n" % " ".join(argv)).encode())
        out.flush()
        p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL,
                             stdout=out, stderr=subprocess.STDOUT,
                             env=env or clean_env(), start_new_session=True)
        try:
            return p.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(10)
            out.write(b"buildkit: killed after %d s\n" % timeout)
            return None


def step(name, argv, cwd, log, timeout, env=None):
    """run() as one TAP test point with the elapsed time in its name; the
    log's tail is shown when it fails."""
    t0 = time.monotonic()
    rc = run(argv, cwd, log, timeout, env)
    took = time.monotonic() - t0
    ok = g.ok(rc == 0, "%s (%.0f s)" % (name, took),
              "exit status %r (None: over %d s)" % (rc, timeout))
    if not ok:
        tail(log)
    return ok


def tail(log, lines=40):
    try:
        with open(log, encoding="latin-1") as f:
            text = f.read().splitlines()
    except OSError as e:
        g.diag("%s: %s" % (log, e))
        return
    for line in text[-lines:]:
        g.diag(line)


def need_build_tree():
    """The configured build tree the tests run from (its Makefile makes
    the copies and installs)."""
    g.need_file(os.path.join(g.BUILDDIR, "Makefile"),
                "a configured build tree in AG_BUILDDIR")
    for tool in ("make", "cc", "tar"):
        g.need(any(os.access(os.path.join(d, tool), os.X_OK)
                   for d in os.environ.get("PATH", "/usr/bin").split(":")),
               "%s not found" % tool)


def dist_copy(dest, log, timeout=120):
    """The distributed sources (what `make dist` would pack) copied into
    dest, an absolute path that must not exist yet, by the build tree's own
    `make distdir`. Nothing is written into the build tree: the copy goes
    straight to dest (a source tree configured in place cannot serve a
    second, out-of-tree build: configure refuses)."""
    return step("make distdir into a temp dir",
                ["make", "-C", g.BUILDDIR, "distdir", "distdir=" + dest],
                None, log, timeout)
