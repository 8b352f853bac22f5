#!/usr/bin/python3
"""--check and --help of both programs speak the names operators type:
AGENT_URL is read and shown as its source; the old AGENT_AGENT_URL and
threads still work with a warning naming the new name; a misspelt
AGENT_AGNET_URL is a warning with "did you mean AGENT_URL?" (and, with no
agent_url at all, exit 1); each program lists only the settings it reads,
with environment name, default and allowed range; a relative config path
with quoted values and trailing comments works."""
import os
import re
import subprocess

import gwtest as g
import relay_checks as rc


def run(prog, args=(), env=None, cwd=None):
    e = {"PATH": "/usr/bin:/bin"}
    e.update(env or {})
    p = subprocess.run([prog] + list(args), env=e, capture_output=True,
                       timeout=30, stdin=subprocess.DEVNULL, cwd=cwd)
    return p.returncode, p.stdout.decode("latin-1"), p.stderr.decode("latin-1")


def line(out, key):
    m = re.search(r"^%s\s+= (.*)$" % key, out, re.M)
    return m.group(1) if m else ""


def check_names(prog, name, agent):
    status, out, err = run(prog, ["--check"], {"AGENT_URL": agent.url})
    g.ok(status == 0 and "(environment AGENT_URL)" in line(out, "agent_url") and
         "deprecated" not in out and "did you mean" not in out,
         "%s --check reads AGENT_URL" % name, out, err)

    status, out, err = run(prog, ["--check"], {"AGENT_AGENT_URL": agent.url})
    g.ok(status == 0 and line(out, "agent_url").startswith(agent.url) and
         "warning: environment variable AGENT_AGENT_URL is a deprecated "
         "name: use AGENT_URL" in out,
         "%s --check: AGENT_AGENT_URL works, named as deprecated" % name, out, err)
    g.ok("(environment, deprecated name for AGENT_URL)" in line(out, "agent_url"),
         "%s --check: the source says which name to use" % name, line(out, "agent_url"))

    status, out, err = run(prog, ["--check"], {"AGENT_AGNET_URL": agent.url})
    g.ok(status == 1 and "warning: unknown environment variable AGENT_AGNET_URL "
         "ignored (did you mean AGENT_URL?)" in out,
         "%s --check: AGENT_AGNET_URL gets a did-you-mean, exit 1 without "
         "agent_url" % name, out, err)

    status, out, err = run(prog, [], {"AGENT_AGNET_URL": "x", "AGENT_URL": agent.url})
    g.ok(re.search(r"%s\[\d+\]: warning: unknown environment variable "
                   r"AGENT_AGNET_URL ignored \(did you mean AGENT_URL\?\)" % name,
                   err), "%s logs the did-you-mean at start-up as a warning" % name,
         err)


def check_help(prog, name, mine, not_mine):
    status, out, _ = run(prog, ["--help"])
    g.ok(status == 0 and "AGENT_URL" in out and "AGENT_AGENT_URL" not in out,
         "%s --help names AGENT_URL" % name, out)
    for key in mine:
        g.ok(re.search(r"^  %s, AGENT_" % key, out, re.M),
             "%s --help lists %s" % (name, key), out)
    for key in not_mine:
        g.ok(not re.search(r"^  %s, " % key, out, re.M),
             "%s --help leaves out %s" % (name, key), out)
    status, out, _ = run(prog, ["--check"], {"AGENT_URL": "http://127.0.0.1:1"})
    for key in not_mine:
        g.ok(not line(out, key), "%s --check leaves out %s" % (name, key), out)


def check_relay_aliases(agent):
    relay = rc.relay_path()
    status, out, err = run(relay, ["--check", "--threads", "4"],
                           {"AGENT_URL": agent.url})
    g.ok(status == 0 and line(out, "max_workers").startswith("4 ") and
         "warning: option --threads is a deprecated name: use --max-workers" in out,
         "relay --check: --threads works and is named as deprecated", out, err)
    status, out, err = run(relay, ["--check", "--max-workers", "65537"],
                           {"AGENT_URL": agent.url})
    g.ok(status == 1 and "max_workers: out of range 0..65536" in err,
         "relay --check: the range is in the message", err)
    status, out, _ = run(relay, ["--help"])
    g.ok(re.search(r"^  max_workers, AGENT_MAX_WORKERS, --max-workers NUMBER\n"
                   r"(?:      .*\n)*?      default: 0; allowed: 0\.\.65536", out, re.M) and
         re.search(r"^  connect_timeout, .*\n(?:      .*\n)*?      default: 5s; allowed: "
                   r"1ms\.\.86400s", out, re.M),
         "relay --help: default, unit and range", out)
    status, out, err = run(relay, ["--check", "--agent-url", agent.url],
                           {"AGENT_PUBLIC_URL": "https://a.example"})
    g.ok(status == 0 and "warning: public_url is set (environment) but this "
         "program does not use it" in out,
         "relay --check: a cgi-redirect setting is named as unused", out)


def check_config_file(agent):
    d = g.make_dir("names-conf")
    with open(os.path.join(d, "gw.conf"), "w") as f:
        f.write('agent_url = "%s"   # the agent\nmax_workers = 3 # per process\n'
                % agent.url)
    status, out, err = run(rc.relay_path(), ["--check", "--config", "gw.conf"],
                           cwd=d)
    g.ok(status == 0 and line(out, "agent_url").startswith(agent.url + " ") and
         line(out, "max_workers").startswith("3 ") and
         line(out, "config").startswith(os.path.join(d, "gw.conf")),
         "a relative --config with a quoted value and comments works", out, err)
    with open(os.path.join(d, "gw.conf"), "w") as f:
        f.write('agent_url = "%s\n' % agent.url)
    status, out, err = run(rc.relay_path(), ["--check", "--config", "gw.conf"],
                           cwd=d)
    g.ok(status == 1 and "gw.conf:1: agent_url: missing closing \"" in err,
         "an unclosed quote is named with file and line", err)


def main():
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    agent = g.start_agent()
    check_names(rc.relay_path(), "fcgi-relay", agent)
    check_names(g.cgi_redirect_path(), "cgi-redirect", agent)
    check_help(rc.relay_path(), "fcgi-relay",
               ("agent_url", "agent_socket", "listen", "max_workers",
                "idle_timeout"), ("public_url", "redirect_status"))
    check_help(g.cgi_redirect_path(), "cgi-redirect",
               ("agent_url", "public_url", "redirect_status", "strip_prefix"),
               ("listen", "max_workers", "connect_timeout", "agent_socket"))
    check_relay_aliases(agent)
    check_config_file(agent)


g.run(main)
