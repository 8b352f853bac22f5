#!/usr/bin/python3
"""cgi-redirect --check, --help and --version as an operator runs them:
every setting printed with the place it came from (default, config file
with its line, environment, command line), errors naming the file and line
with exit status 1, and the warnings that save a broken deployment: a
loopback public_url, an agent port that listens on loopback only (the real
agent here), nothing listening at all, cacheable 301/308."""
import os
import re
import tempfile

import gwtest as g


def check(args=(), env=None):
    e = {"PATH": "/usr/bin:/bin"}
    e.update(env or {})
    status, out, err = g.run_cgi(e, args=["--check"] + list(args))
    return status, out.decode("latin-1"), err.decode("latin-1")


def setting_line(out, key):
    m = re.search(r"^%s\s+= (.*)$" % key, out, re.M)
    return m.group(1) if m else ""


def main():
    g.need_file(g.cgi_redirect_path(), "cgi-redirect (build it first)")
    agent = g.start_agent()
    conf_dir = g.make_dir("ag-check")
    conf = os.path.join(conf_dir, "gw.conf")
    with open(conf, "w") as f:
        f.write("# the agent\nagent_url = %s\n\nredirect_status = 303\n" % agent.url)

    status, out, err = check(env={"AGENT_CONFIG": conf, "AGENT_STRIP_PREFIX": "/gw"},
                             args=["--redirect-status", "307"])
    g.eq(status, 0, "--check with a good config exits 0")
    g.ok("(config file %s:2)" % conf in setting_line(out, "agent_url"),
         "agent_url shows its config file and line", setting_line(out, "agent_url"))
    g.ok("(environment AGENT_STRIP_PREFIX)" in setting_line(out, "strip_prefix"),
         "strip_prefix shows the environment", setting_line(out, "strip_prefix"))
    g.ok(setting_line(out, "redirect_status").startswith("307") and
         "(command line)" in setting_line(out, "redirect_status"),
         "the command line beats the config file", setting_line(out, "redirect_status"))
    g.ok("(default)" in setting_line(out, "public_url"), "unset values say default")
    g.ok(re.search(r"warning: the agent listens on port %d on loopback only" % agent.port, out),
         "warns that the agent (bound to 127.0.0.1) is unreachable for visitors", out)

    status, out, _ = check(env={"AGENT_URL": "http://127.0.0.1:%d" % g.free_port()})
    g.ok(status == 0 and "nothing listens on TCP port" in out,
         "warns when nothing listens on the agent's port", out)

    for pub in ("http://localhost:8080", "http://127.0.0.1/", "https://[::1]/x"):
        status, out, _ = check(env={"AGENT_PUBLIC_URL": pub})
        g.ok(status == 0 and "public_url names a loopback host" in out,
             "warns about loopback public_url %s" % pub, out)

    status, out, _ = check(env={"AGENT_PUBLIC_URL": "https://agent.example.com",
                                "AGENT_REDIRECT_STATUS": "308"})
    g.ok(status == 0 and "redirect_status 308 is cacheable" in out and
         "loopback" not in out, "warns about a cacheable 308 only", out)

    status, out, _ = check()
    g.ok(status == 1 and "error: set public_url, or agent_url" in out and
         out.rstrip().endswith("FAILED: 1 error(s), 0 warning(s)"),
         "no agent_url and no public_url is an error, exit 1", out)

    with open(conf, "w") as f:
        f.write("agent_url = http://127.0.0.1:1\nagent_ulr = x\n")
    status, out, err = check(env={"AGENT_CONFIG": conf})
    g.ok(status == 1 and "%s:2: unknown key 'agent_ulr' (did you mean agent_url?)" % conf in err,
         "an unknown key names file and line and the key meant, exit 1", err)
    status, out, err = check(env={"AGENT_REDIRECT_STATUS": "200"})
    g.ok(status == 1 and "AGENT_REDIRECT_STATUS: must be 301, 302, 303, 307 or 308" in err,
         "a bad environment value is named", err)
    status, out, err = check(env={"AGENT_CONFIG": "/nonexistent/gw.conf"})
    g.ok(status == 1 and "/nonexistent/gw.conf: cannot read" in err,
         "an unreadable config file is named", err)

    # An unreadable config under CGI: a generic 500 for the client, the
    # detail in the error log.
    env = g.cgi_env(AGENT_CONFIG="/nonexistent/gw.conf")
    status, out, err = g.run_cgi(env)
    g.ok(out.startswith(b"Status: 500 ") and b"nonexistent" not in out and
         b"/nonexistent/gw.conf: cannot read" in err,
         "under CGI a settings error is a 500 without detail", out, err)

    status, out, _ = g.run_cgi({"PATH": "/usr/bin"}, args=["--help"])
    text = out.decode()
    g.ok(status == 0 and all(k in text for k in
                             ("agent_url", "public_url", "redirect_status", "strip_prefix")),
         "--help lists the settings", text)
    g.ok("AGENT_URL" in text and "max_workers" not in text and "listen" not in text,
         "--help lists only the settings cgi-redirect reads", text)
    status, out, _ = g.run_cgi({"PATH": "/usr/bin"}, args=["--version"])
    g.ok(status == 0 and re.match(rb"cgi-redirect \(agent-gateway\) \d+\.\d+", out),
         "--version", out)
    status, out, err = g.run_cgi({"PATH": "/usr/bin"})
    g.ok(status == 2 and b"not started as a CGI program" in err,
         "outside CGI it says so and exits 2", err)

    # installed as nph-*: Apache would send the output raw
    link = os.path.join(conf_dir, "nph-gw.cgi")
    os.symlink(g.cgi_redirect_path(), link)
    status, out, _ = g.run_cgi({"PATH": "/usr/bin", "AGENT_PUBLIC_URL": "https://a.example"},
                               args=["--check"], program=link)
    g.ok(b"Apache treats nph-* programs" in out, "warns about an nph- name", out)


g.run(main)
