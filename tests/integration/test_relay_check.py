#!/usr/bin/python3
"""fcgi-relay --check, --help and --version as an operator runs them: the
settings with their sources, the agent tried for real (up: its answer;
down: exit 1 naming the connect failure), the Apache lines for
Authorization printed, bad settings named with exit 1."""
import os
import re
import subprocess

import gwtest as g

RELAY = os.path.join(g.BUILDDIR, "fcgi-relay", "fcgi-relay")


def relay(args=(), env=None):
    e = {"PATH": "/usr/bin:/bin"}
    e.update(env or {})
    p = subprocess.run([RELAY] + list(args), env=e, capture_output=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode("latin-1"), p.stderr.decode("latin-1")


def main():
    g.need_file(RELAY, "fcgi-relay (build it first)")
    agent = g.start_agent()

    status, out, _ = relay(["--check", "--max-workers", "4"],
                           {"AGENT_URL": agent.url + "/api"})
    g.eq(status, 0, "agent up: --check exits 0")
    g.ok(re.search(r"^agent_url\s+= %s/api\s+\(environment AGENT_URL\)$"
                   % re.escape(agent.url), out, re.M), "agent_url with its source", out)
    g.ok(re.search(r"^threads\s+= 4\s+\(command line\)$", out, re.M),
         "threads from the command line", out)
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
    status, out, err = relay(["--check", "--agent-url", agent.url, "--max-workers", "0"])
    g.ok(status == 1 and "threads: out of range" in err, "threads 0 refused", err)
    status, out, err = relay(["--check", "--bogus", "1"])
    g.ok(status == 1 and "unknown option '--bogus'" in err, "unknown option named", err)

    status, out, _ = relay(["--help"])
    g.ok(status == 0 and all(k in out for k in ("agent_url", "agent_socket", "threads",
                                                "listen", "idle_timeout")),
         "--help lists the settings", out)
    status, out, _ = relay(["--version"])
    g.ok(status == 0 and re.match(r"fcgi-relay \(agent-gateway\) \d+\.\d+", out) and
         "libcurl" in out, "--version names itself and libcurl", out)
    status, out, err = relay([], {"AGENT_URL": agent.url})
    g.ok(status == 2 and "no FastCGI socket on fd 0" in err,
         "outside any mode it says so and exits 2", err)


g.run(main)
