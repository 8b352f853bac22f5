"""The demo: the sample agent, and lighttpd with both programs in front of
it, on 127.0.0.1; prints the URLs to try and waits for Ctrl-C (or
--seconds N, for a scripted check). Uses the integration-test harness, so
the demo and the tests start servers the same way."""

import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
os.environ.setdefault("AG_BUILDDIR", ROOT)
os.environ.setdefault("AG_SRCDIR", ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import gwtest as g  # noqa: E402


def check(srv, agent):
    """One request each way, so the demo proves itself before it prints."""
    r = g.request(srv.port, "GET", "/redirect/hello?from=demo")
    want = "%s/hello?from=demo" % agent.url
    if r.status != 302 or r.header("Location") != want:
        raise SystemExit("demo: redirect answered %s %r" % (r.status, r.headers))
    r = g.request(srv.port, "GET", "/relay/hello?from=demo")
    if r.status != 200 or r.json().get("raw_path") != "/hello?from=demo":
        raise SystemExit("demo: relay answered %s %r" % (r.status, r.body[:200]))


def main():
    seconds = None
    if len(sys.argv) == 3 and sys.argv[1] == "--seconds":
        seconds = float(sys.argv[2])
    relay = os.path.join(g.BUILDDIR, "fcgi-relay", "fcgi-relay")
    agent = g.start_agent()
    srv = g.start_lighttpd("demo.conf", agent_url=agent.url,
                           fcgi_relay=relay)
    check(srv, agent)
    base = "http://127.0.0.1:%d" % srv.port
    print("""
agent-gateway demo (lighttpd %s, agent %s)

  the agent itself:     curl -s %s/anything?x=1
  redirect (302/307):   curl -si %s/redirect/anything?x=1
    ...and follow it:   curl -sL %s/redirect/anything?x=1
  relay (FastCGI):      curl -s %s/relay/anything?x=1
  relay, event stream:  curl -sN '%s/relay/_/events?n=5&pause=1'
  relay, 64 MiB body:   curl -s %s/relay/_/bytes/67108864 | sha256sum

The agent answers every path with a JSON report of what it received.
Logs: %s
Press Ctrl-C to stop.""" % (srv.port, agent.port, agent.url, base, base,
                             base, base, base, srv.error_log))
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    deadline = time.time() + seconds if seconds is not None else None
    try:
        while deadline is None or time.time() < deadline:
            if not srv.alive():
                raise SystemExit("demo: lighttpd stopped")
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    print("\nstopping")


if __name__ == "__main__":
    main()  # the harness stops what it started when the process exits
