#!/usr/bin/python3
"""What the relay says and does at start-up in its FastCGI modes (issue 12
item 10): one log line naming the agent and how many requests it serves
at once (max_workers given, or derived from the descriptor limit); with no
agent_url a warning, and every request must then bring its own (a request
without one gets 500, one with AGENT_URL is relayed); with no agent_url
and lock_agent on it refuses to start, saying why."""
import os
import re
import subprocess

import gwtest as g
import faultkit as fk
from fcgipeer import ask, base_params


def read(path):
    with open(path, encoding="latin-1") as f:
        return f.read()


def main():
    agent = g.start_agent()
    relay, addr, logp = fk.start_relay(agent, 7)
    st, _ = ask(addr, base_params(b"/hello"))
    g.eq(st, 200, "the relay serves")
    log = read(logp)
    g.ok(re.search(r"serving FastCGI; agent %s; up to 7 requests at once "
                   r"\(max_workers\)" % re.escape(agent.url), log),
         "start-up line names the agent and max_workers", log)
    relay.stop()

    d = g.make_dir("relay-derived")
    sock = os.path.join(d, "r.sock")
    logp = os.path.join(d, "relay.log")
    p = g.Proc("fcgi-relay", ["prlimit", "--nofile=1024:1024", "--",
                              fk.relay_path(), "--listen", sock],
               stderr=open(logp, "wb"))
    g.ok(fk.wait_for(lambda: os.path.exists(sock), 10), "relay without agent_url starts")
    log = read(logp)
    # (1024 - 64 - 3 * 32) / 5 = 172 requests at once
    g.ok(re.search(r"warning: agent_url is not set", log) and
         re.search(r"up to 172 requests at once \(max_workers derived from "
                   r"the descriptor limit\)", log),
         "without agent_url: a warning, and the cap derived from 1024 descriptors",
         log)
    st, _ = ask(sock, base_params(b"/no-agent"))
    g.eq(st, 500, "a request without AGENT_URL gets 500")
    params = base_params(b"/own-agent")
    params.append((b"AGENT_URL", agent.url.encode()))
    st, _ = ask(sock, params)
    g.eq(st, 200, "a request bringing AGENT_URL is relayed")
    p.stop()

    r = subprocess.run([fk.relay_path(), "--listen", os.path.join(d, "x.sock"),
                        "--lock-agent"], capture_output=True, timeout=10,
                       env=dict(os.environ, AGENT_URL="", AGENT_AGENT_URL=""))
    err = r.stderr.decode("latin-1")
    g.ok(r.returncode == 1 and "lock_agent" in err and "refusing to start" in err,
         "no agent_url with lock_agent on: refuses to start, saying why",
         r.returncode, err)
    g.ok(not os.path.exists(os.path.join(d, "x.sock")), "and leaves no socket behind")


g.run(main)
