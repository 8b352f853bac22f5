#!/usr/bin/python3
"""The systemd recipe (examples/systemd/fcgi-relay.socket and .service):
systemd-analyze verify on the rendered units (with controls that show it
can fail here), then the activation path as systemd runs it: the test
creates the socket the socket unit describes, starts the service's
ExecStart with that socket on fd 0 (StandardInput=socket; also on fd 3
with LISTEN_FDS, as systemd adds) and its Environment=, and drives
requests through nginx (examples/nginx/fcgi-relay.conf). systemd itself
is not PID 1 in a test, so it does not start the service here."""
import os
import shlex
import shutil
import socket
import stat
import subprocess
import threading
import time

import gwtest as g
import relay_checks as rc

ANALYZE = "/usr/bin/systemd-analyze"
UNITS = ("fcgi-relay.socket", "fcgi-relay.service")


def render_units(values, edit=None):
    """Renders both units into a fresh dir; edit(name, text) may change
    a unit (the controls)."""
    d = g.make_dir("units")
    for name in UNITS:
        dest = g.render(g.example("systemd", name), os.path.join(d, name), values)
        if edit is not None:
            with open(dest) as f:
                text = edit(name, f.read())
            with open(dest, "w") as f:
                f.write(text)
    return d


def verify(d):
    p = subprocess.run([ANALYZE, "verify", "--man=no"] +
                       [os.path.join(d, n) for n in UNITS],
                       capture_output=True, text=True, timeout=60)
    return p.returncode, (p.stdout + p.stderr).strip()


def check_verify(values):
    rc_, out = verify(render_units(values))
    g.ok(rc_ == 0 and out == "", "systemd-analyze verify: units clean",
         "exit %d" % rc_, out)
    # Controls: verify must be able to fail in this environment, both on
    # an error (exit status) and on a warning (output).
    rc_, out = verify(render_units(dict(values, fcgi_relay="/nonexistent/fcgi-relay")))
    g.ok(rc_ != 0, "control: verify fails on a missing ExecStart binary", out)
    rc_, out = verify(render_units(values, lambda n, t: t.replace(
        "StandardInput=socket", "StandardInput=sockett")))
    g.ok("StandardInput" in out or "sockett" in out,
         "control: verify reports a bad StandardInput", out)


def parse_unit(path):
    """systemd's unit syntax as far as these units use it: [Section],
    Key=Value, repeated keys kept in order, # comments."""
    out = {}
    section = None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            k, v = line.split("=", 1)
            out.setdefault((section, k.strip()), []).append(v.strip())
    return out


def make_listen_socket(sock_unit):
    """What systemd does for the socket unit: bind the path with
    SocketMode and SocketGroup, listen."""
    path = sock_unit[("Socket", "ListenStream")][0]
    mode = int(sock_unit[("Socket", "SocketMode")][0], 8)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    os.chmod(path, mode)
    if os.geteuid() == 0:
        shutil.chown(path, group=sock_unit[("Socket", "SocketGroup")][0])
    s.listen(128)
    return s, path


def start_service(svc, listener, extra_env):
    """ExecStart as systemd runs it with StandardInput=socket and
    Accept=no: the listening socket on fd 0, and the same socket on fd 3
    with LISTEN_FDS=1 and LISTEN_PID set to the service's PID (the shell
    execs the relay, so $$ is the relay's PID)."""
    env = {"PATH": "/usr/bin:/bin", "LISTEN_FDS": "1",
           "LISTEN_FDNAMES": "fcgi-relay.socket"}
    for assignment in svc.get(("Service", "Environment"), []):
        k, v = assignment.split("=", 1)
        env[k] = v
    env.update(extra_env)
    argv = shlex.split(svc[("Service", "ExecStart")][0])
    log = open(os.path.join(g.make_dir("journal"), "relay.log"), "wb")
    return g.Proc("fcgi-relay (service)",
                  ["/bin/sh", "-c", 'LISTEN_PID=$$; export LISTEN_PID; '
                   'exec "$@" 3<&0', "sh"] + argv,
                  stdin=listener.fileno(), stderr=log, stdout=log, env=env)


def fetch_later(port, target, out):
    t = threading.Thread(target=lambda: out.append(
        g.fetch(port, "GET", target, timeout=15)))
    t.start()
    return t


def check_activation(values, agent):
    d = render_units(values)
    sock_unit = parse_unit(os.path.join(d, "fcgi-relay.socket"))
    svc = parse_unit(os.path.join(d, "fcgi-relay.service"))
    g.eq(svc.get(("Service", "StandardInput")), ["socket"],
         "service takes the socket on standard input")
    listener, path = make_listen_socket(sock_unit)
    g.eq(stat.S_IMODE(os.stat(path).st_mode), 0o660, "socket mode 0660")
    srv = g.start_nginx("fcgi-relay.conf", relay_address="unix:" + path)
    srv.kind = "nginx systemd"
    # A request before the service runs waits in the socket's backlog,
    # as with systemd, which starts the service on that connection.
    early = []
    t = fetch_later(srv.port, "/early?x=%41", early)
    time.sleep(0.5)
    extra = {"AGENT_RESPONSE_TIMEOUT": rc.RESPONSE_TIMEOUT}
    relay = start_service(svc, listener, extra)
    t.join(20)
    g.ok(early and early[0].status == 200 and
         early[0].json().get("raw_path") == "/early?x=%41",
         "request sent before activation is served by the started relay",
         early)
    rc.check_target(srv, agent)
    rc.check_methods(srv, agent)
    rc.check_bodies(srv, agent)
    rc.check_status_and_headers(srv, agent)
    rc.check_location(srv, agent)
    rc.check_events(srv, agent)
    rc.check_client_abort(srv, agent)
    # Stop and start again on the same socket (systemctl restart, or a
    # crash with Restart=on-failure): nothing is refused meanwhile.
    g.eq(relay.stop(), 0, "relay exits 0 on SIGTERM")
    pending = []
    t = fetch_later(srv.port, "/while-restarting", pending)
    time.sleep(0.5)
    start_service(svc, listener, extra)
    t.join(20)
    g.eq(pending[0].status if pending else None, 200,
         "request during the restart is served by the new relay")
    listener.close()


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_file(ANALYZE, "systemd-analyze (Debian package systemd)")
    g.need_file(g.NGINX, "nginx")
    ver = subprocess.run([ANALYZE, "--version"], capture_output=True,
                         text=True).stdout.splitlines()
    g.diag("tested on: %s" % (ver[0] if ver else "systemd-analyze ?"))
    g.diag("systemd is not PID 1 here: the test plays systemd's part in "
           "socket activation (socket, fd 0, LISTEN_FDS, Environment=)")
    agent = g.start_agent()
    values = {"fcgi_relay": os.path.realpath(rc.relay_path()),
              "agent_url": agent.url,
              "relay_socket": os.path.join(g.make_dir("run"), "fcgi-relay.sock")}
    check_verify(values)
    check_activation(values, agent)


g.run(main)
