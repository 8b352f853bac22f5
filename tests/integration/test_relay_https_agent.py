#!/usr/bin/python3
"""fcgi-relay to an https:// agent: a throwaway CA and server certificate
made with openssl at test time, the agent behind TLS (tests/agent.py
--tls-cert/--tls-key), the relay under Apache mod_fcgid. With ca_file
naming the CA: 200, bodies intact. Without it (verification is on by
default), and with the right CA but a host name the certificate does not
name: 502, and the log line names the TLS problem."""
import os
import re
import shutil
import subprocess

import gwtest as g
import relay_checks as rc

OPENSSL = "/usr/bin/openssl"


def openssl(d, *args):
    p = subprocess.run([OPENSSL] + list(args), cwd=d, capture_output=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (" ".join(args), p.stderr.decode()))


def make_certs(d):
    """ca.pem (a CA) and agent.pem/agent.key (for IP 127.0.0.1 only)."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl(d, "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=agent-gateway test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl(d, "req", *ec, "-keyout", "agent.key", "-out", "agent.csr",
            "-subj", "/CN=127.0.0.1")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n"
                "basicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    openssl(d, "x509", "-req", "-in", "agent.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "agent.pem", "-days", "2", "-extfile", "ext.cnf")
    os.chmod(os.path.join(d, "ca.pem"), 0o644)
    return [os.path.join(d, n) for n in ("ca.pem", "agent.pem", "agent.key")]


def start(agent_url, ca=None):
    ipc = "FcgidInitialEnv AGENT_CA_FILE \"%s\"\n" % ca if ca else ""
    return g.start_apache("fcgi-relay-fcgid.conf", modules=["fcgid"], agent_url=agent_url,
                          fcgi_relay=rc.relay_path(), directives=ipc)


def check_refused(srv, what, pattern):
    r = g.fetch(srv.port, "GET", "/tls?x=1")
    g.eq(r.status, 502, "%s -> 502" % what)
    g.ok(b"raw_path" not in r.body, "%s: no agent answer leaks through" % what, r.body[:300])
    log = srv.error_log_text()
    g.ok(re.search(r"GET /tls\?x=1: .*(" + pattern + ")", log, re.I),
         "%s: the log line names the TLS problem" % what, log[-1500:])


def main():
    g.need_file(rc.relay_path(), "fcgi-relay (build it first)")
    g.need_file(OPENSSL, "openssl")
    g.need_apache_module("fcgid")
    d = g.make_dir("tls")
    ca, cert, key = make_certs(d)
    agent = g.start_agent(args=["--tls-cert", cert, "--tls-key", key])
    url = "https://127.0.0.1:%d" % agent.port

    srv = start(url + "/api", ca)
    r = g.fetch(srv.port, "GET", "/p/q?x=%41")
    seen = r.json() if r.status == 200 else {}
    g.eq((r.status, seen.get("raw_path")), (200, "/api/p/q?x=%41"),
         "right CA: relayed to the https agent")
    body = os.urandom(1 << 20)
    r = g.fetch(srv.port, "POST", "/up", body=body)
    seen = r.json() if r.status == 200 else {}
    g.eq((seen.get("body_length"), seen.get("body_sha256")), (len(body), g.sha256(body)),
         "right CA: 1 MiB request body by digest")
    srv.stop()
    # Without prefix for the agent's own endpoints.
    srv = start(url, ca)
    n = 8 << 20
    r = g.request_digest(srv.port, "GET", "/_/bytes/%d" % n)
    g.eq((r.status, r.body_length, r.body_sha256), (200, n, r.header("X-Body-Sha256")),
         "right CA: 8 MiB response by digest")
    r = g.fetch(srv.port, "GET", "/_/redirect?to=/landing")
    g.eq(r.header("Location"), "http://127.0.0.1:%d/landing" % srv.port,
         "right CA: https Location of the agent rewritten to the client's http address")
    srv.stop()

    srv = start(url)
    check_refused(srv, "no ca_file (system CAs only)",
                  r"certificate|SSL|TLS|issuer")
    srv.stop()
    # The certificate names 127.0.0.1 only; "localhost" reaches the same
    # agent, so only the name check can refuse it.
    srv = start("https://localhost:%d" % agent.port, ca)
    check_refused(srv, "right CA, host name not in the certificate",
                  r"certificate|SSL|TLS|subject|name")
    srv.stop()
    shutil.rmtree(d, True)


g.run(main)
