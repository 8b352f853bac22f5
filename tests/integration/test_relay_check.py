#!/usr/bin/python3
"""fcgi-relay --check, --help and --version as an operator runs them: the
settings with their sources, the agent tried for real (up: its answer;
down: exit 1 naming the connect failure), the Apache lines for
Authorization printed, bad settings named with exit 1."""
import os
import re
import socket
import subprocess

import gwtest as g

RELAY = os.path.join(g.BUILDDIR, "fcgi-relay", "fcgi-relay")


def relay(args=(), env=None):
    e = {"PATH": "/usr/bin:/bin"}
    e.update(env or {})
    p = subprocess.run([RELAY] + list(args), env=e, capture_output=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode("latin-1"), p.stderr.decode("latin-1")


def check_socket_messages(agent):
    """A socket problem names the path and the real cause."""
    d = g.make_dir("relay-check-sock")
    missing = os.path.join(d, "missing.sock")
    status, out, _ = relay(["--check", "--agent-url", agent.url,
                            "--agent-socket", missing])
    g.ok(status == 1 and "error: agent_socket %s: No such file or directory" % missing in out,
         "a missing agent_socket is named with its path and cause", out)
    status, out, _ = relay(["--check", "--agent-url", agent.url, "--agent-socket", d])
    g.ok(status == 1 and "error: agent_socket %s: not a socket (a directory)" % d in out,
         "a directory as agent_socket says so", out)
    dead = os.path.join(d, "dead.sock")
    s = socket.socket(socket.AF_UNIX)
    s.bind(dead)            # bound, never listening: connect is refused
    status, out, _ = relay(["--check", "--agent-url", agent.url, "--agent-socket", dead])
    s.close()
    g.ok(status == 1 and "error: agent_socket %s: cannot connect: Connection refused "
         "(nobody listens on it)" % dead in out and
         "over socket %s failed" % dead in out,
         "a socket nobody listens on is named with the cause", out)


def main():
    g.need_file(RELAY, "fcgi-relay (build it first)")
    agent = g.start_agent()

    status, out, _ = relay(["--check", "--max-workers", "4"],
                           {"AGENT_URL": agent.url + "/api"})
    g.eq(status, 0, "agent up: --check exits 0")
    g.ok(re.search(r"^agent_url\s+= %s/api\s+\(environment AGENT_URL\)$"
                   % re.escape(agent.url), out, re.M), "agent_url with its source", out)
    g.ok(re.search(r"^max_workers\s+= 4\s+\(command line\)$", out, re.M),
         "max_workers from the command line", out)
    g.ok("deprecated" not in out, "no deprecation warning for the new names", out)
    g.ok(re.search(r"agent: HEAD %s/api/ answered \d{3}" % re.escape(agent.url), out),
         "the agent was tried for real", out)
    g.ok("CGIPassAuth On" in out and "FcgidPassHeader Authorization" in out,
         "prints the Apache lines Authorization needs", out)

    port = g.free_port()
    status, out, _ = relay(["--check"], {"AGENT_URL": "http://127.0.0.1:%d" % port})
    g.ok(status == 1 and re.search(r"error: agent: .*127\.0\.0\.1:%d.*(connect|Connect)" % port, out),
         "agent down: exit 1 naming the connect failure", out)

    status, out, err = relay(["--check"])
    g.ok(status == 1 and "agent_url" in out + err, "no agent_url: exit 1 naming it", out, err)
    status, out, err = relay(["--check"], {"AGENT_URL": "ftp://127.0.0.1/"})
    g.ok(status == 1 and "AGENT_URL: URL must start with http:// or https://" in err,
         "a non-http agent_url is refused by name", err)
    status, out, _ = relay(["--check", "--agent-url", agent.url, "--threads", "4"])
    g.ok(status == 0 and
         re.search(r"^max_workers\s+= 4\s+\(command line, deprecated name\)$", out, re.M) and
         "warning: option --threads is a deprecated name: use --max-workers" in out,
         "--threads still works, --check says to use --max-workers", out)
    status, out, err = relay(["--check", "--agent-url", agent.url, "--max-workers", "65537"])
    g.ok(status == 1 and "--max_workers: out of range 0..65536" in err,
         "max_workers 65537 refused with the range", err)
    status, out, err = relay(["--check", "--bogus", "1"])
    g.ok(status == 1 and "unknown option '--bogus'" in err, "unknown option named", err)
    status, out, err = relay(["--check", "--max-worker", "2"])
    g.ok(status == 1 and "unknown option '--max-worker' (did you mean --max-workers?)" in err,
         "a misspelt option gets a did-you-mean", err)

    check_socket_messages(agent)

    status, out, _ = relay(["--help"])
    g.ok(status == 0 and all(k in out for k in ("agent_url", "agent_socket", "max_workers",
                                                "listen", "idle_timeout", "AGENT_URL")),
         "--help lists the settings", out)
    status, out, _ = relay(["--version"])
    g.ok(status == 0 and re.match(r"fcgi-relay \(agent-gateway\) \d+\.\d+", out) and
         "libcurl" in out, "--version names itself and libcurl", out)
    status, out, err = relay([], {"AGENT_URL": agent.url})
    g.ok(status == 2 and "no FastCGI socket on fd 0" in err,
         "outside any mode it says so and exits 2", err)


g.run(main)
