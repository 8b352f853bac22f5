#!/usr/bin/python3
"""fcgi-relay started by spawn-fcgi (examples/spawn-fcgi/fcgi-relay.sh:
the listen socket on fd 0, the PID in a file) behind lighttpd connecting
by host and port (examples/lighttpd/fcgi-relay-external.conf), and on a
Unix socket behind nginx; stopped by the PID spawn-fcgi wrote."""
import atexit
import ctypes
import os
import signal
import stat
import subprocess
import time

import gwtest as g
import relay_checks as rc

SPAWN_FCGI = "/usr/bin/spawn-fcgi"
PR_SET_CHILD_SUBREAPER = 36     # <linux/prctl.h>


def become_subreaper():
    """spawn-fcgi forks the relay and exits; as a subreaper this test
    inherits the orphan and can wait for it, instead of leaving a zombie
    to a PID 1 that may not reap (a container's)."""
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def alive(pid):
    """Whether pid runs (reaped here when it is our orphan; a zombie
    left for someone else to reap counts as gone)."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pid, timeout=g.STOP_TIMEOUT):
    end = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < end:
        time.sleep(0.05)
    return not alive(pid)


def kill_by_pid(pid):
    """The relay is not our child (spawn-fcgi forked it and exited): stop
    it by PID, SIGKILL after a bound."""
    if alive(pid):
        os.kill(pid, signal.SIGTERM)
        if not wait_gone(pid):
            os.kill(pid, signal.SIGKILL)
            wait_gone(pid)


def spawn(agent, listen, **env):
    """Runs the recipe; returns the relay's PID from the pid file."""
    d = g.make_dir("spawn")
    pidfile = os.path.join(d, "relay.pid")
    full = {"PATH": "/usr/bin:/bin", "AGENT_URL": agent.url,
            "AGENT_RESPONSE_TIMEOUT": rc.RESPONSE_TIMEOUT,
            "RELAY_LISTEN": listen, "RELAY_PIDFILE": pidfile,
            "FCGI_RELAY": rc.relay_path()}
    full.update(env)
    with open(os.path.join(d, "relay.log"), "wb") as log:
        p = subprocess.run(["/bin/sh", g.example("spawn-fcgi", "fcgi-relay.sh")],
                           env=full, stdout=subprocess.PIPE, stderr=log,
                           stdin=subprocess.DEVNULL, timeout=g.START_TIMEOUT,
                           start_new_session=True)
    g.eq(p.returncode, 0, "spawn-fcgi (%s) exits 0 after spawning" % listen)
    with open(pidfile) as f:
        pid = int(f.read())
    atexit.register(kill_by_pid, pid)
    g.ok(b"PID: %d" % pid in p.stdout, "spawn-fcgi reports the PID it wrote",
         p.stdout)
    g.eq(os.path.realpath("/proc/%d/exe" % pid), os.path.realpath(rc.relay_path()),
         "the PID in the pid file is the relay")
    g.ok(os.readlink("/proc/%d/fd/0" % pid).startswith("socket:"),
         "the relay's fd 0 is the listen socket")
    return pid


def check_tcp(agent):
    port = g.free_port()
    pid = spawn(agent, "127.0.0.1:%d" % port)
    srv = g.start_lighttpd("fcgi-relay-external.conf", relay_host="127.0.0.1",
                           relay_port=port)
    rc.check_all(srv, agent)
    os.kill(pid, signal.SIGTERM)
    g.ok(wait_gone(pid), "SIGTERM to the PID in the pid file stops the relay")
    r = g.fetch(srv.port, "GET", "/relay-down")
    g.eq(r.status, 503, "lighttpd: relay stopped -> 503")
    srv.stop()


def check_unix(agent):
    sock = os.path.join(g.make_dir("spawn-unix"), "relay.sock")
    env = {"RELAY_SOCKET_GROUP": g.APACHE_USER} if os.geteuid() == 0 else {}
    pid = spawn(agent, sock, **env)
    g.eq(stat.S_IMODE(os.stat(sock).st_mode), 0o660, "socket created 0660")
    srv = g.start_nginx("fcgi-relay.conf", relay_address="unix:" + sock)
    srv.kind = "nginx unix"
    rc.check_target(srv, agent)
    rc.check_bodies(srv, agent)
    rc.check_events(srv, agent)
    kill_by_pid(pid)
    g.ok(not alive(pid), "nginx unix: relay stopped by its PID")
    srv.stop()


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_file(SPAWN_FCGI, "spawn-fcgi")
    g.ok(become_subreaper(), "test process is a subreaper for the relay")
    g.diag("tested on: " + subprocess.run([SPAWN_FCGI, "-v"], capture_output=True,
                                           text=True).stdout.splitlines()[0])
    agent = g.start_agent()
    check_tcp(agent)
    if os.path.exists(g.NGINX) or g.is_ci():
        check_unix(agent)
    else:
        g.diag("nginx not installed: Unix socket variant left out")


g.run(main)
