#!/usr/bin/python3
"""fcgi-relay on shared hosting under mod_fcgid: only
examples/apache/htaccess-fcgi-relay-fcgid as .htaccess beside the program
uploaded as fcgi-relay.fcgi (AllowOverride All, mod_rewrite). The server
configuration has nothing of the relay's, only mod_fcgid's own settings,
so each directory's SetEnv AGENT_* reaches the running relay as per-request
FastCGI parameters; Authorization passes (CGIPassAuth)."""
import os

import gwtest as g
import htaccess_relay as h
import relay_checks as rc


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    agent = g.start_agent()
    srv = h.start_apache_fcgid("FcgidMaxRequestLen 67108864\n")
    h.check(srv, agent, "htaccess-fcgi-relay-fcgid", "fcgi-relay.fcgi", "apache fcgid .htaccess")
    # The relay processes are mod_fcgid's, kept between requests: fewer
    # agent connections than requests.
    agent.reset_stats()
    for i in range(10):
        g.fetch(srv.port, "GET", "/two/reuse%d" % i)
    st = agent.stats()
    g.ok(st["requests"] == 10 and st["connections"] <= 3,
         "apache fcgid .htaccess: agent connections reused (%s for %s requests)" %
         (st["connections"], st["requests"]), st)
    g.ok(os.path.isdir(os.path.join(srv.fcgid_dir, "ipc")), "mod_fcgid ran from the test's IPC dir")


g.run(main)
