#!/usr/bin/python3
"""Signals to a standalone relay (--listen on a Unix socket) with an event
stream in flight (issue 12 item 6):
- SIGUSR2 and SIGALRM, one at a time (SIGHUP reloads:
  test_relay_reload.py): each is logged, the process
  stays, and the stream keeps flowing;
- SIGTERM: the listener goes first (a new connection is refused within
  1 s, it does not hang), the stream in flight flows on to its end with
  FCGI_END_REQUEST, then the process exits 0;
- SIGINT, SIGQUIT and SIGUSR1 stop it the same graceful way;
- --shutdown-timeout 1s and a stream that would last 30 s: the process
  exits 0 about 1 s after SIGTERM, the log says the request was cut, and
  the client sees a cut stream (no FCGI_END_REQUEST);
- a second SIGTERM ends the process at once."""
import os
import signal
import socket
import time

import gwtest as g
import faultkit as fk
from fcgipeer import Stream, base_params, begin, params_records, stdin_records


def log_text(logp):
    with open(logp, encoding="latin-1") as f:
        return f.read()


def wait_exit(relay, seconds):
    """The exit status once the process ended within seconds, else None."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        rc = relay.poll()
        if rc is not None:
            return rc
        time.sleep(0.05)
    return relay.poll()


def refused_at_once(addr):
    """(refused, how): a new connection fails, or is closed unanswered,
    within 1 s of trying."""
    t0 = time.monotonic()
    c = socket.socket(socket.AF_UNIX)
    c.settimeout(1)
    try:
        c.connect(addr)
    except OSError as e:
        c.close()
        return True, "connect: %s" % e.strerror
    try:
        c.sendall(begin() + params_records(base_params(b"/late")) +
                  stdin_records(b""))
        data = c.recv(4096)
        took = time.monotonic() - t0
        return data == b"" and took < 1, "connected, then %r after %.2f s" % (
            data[:40], took)
    except socket.timeout:
        return False, "connected and hung for 1 s"
    except OSError as e:
        return True, "connected, then %s" % e.strerror
    finally:
        c.close()


def ignored_part(agent):
    relay, addr, logp = fk.start_relay(agent, 0)
    st = Stream(addr, 60, 0.2)         # 12 s of events
    st.read_for(1)
    for sig in (signal.SIGUSR2, signal.SIGALRM):
        before = st.events()
        if relay.poll() is None:
            os.kill(relay.pid, sig)
        after = st.read_for(1.0)
        line = "signal %d ignored" % sig
        logged = fk.wait_for(lambda: line in log_text(logp), 3)
        g.ok(relay.poll() is None and after > before and not st.ended
             and not st.closed and logged,
             "%s: logged and ignored; the process stays and the stream "
             "flows (%d events before, %d after)" % (
                 signal.Signals(sig).name, before, after),
             "exit: %r" % relay.poll(), log_text(logp)[-600:])
    st.close()
    relay.stop()


def graceful_part(agent, sig, check_refusal):
    name = signal.Signals(sig).name
    relay, addr, logp = fk.start_relay(agent, 0)
    st = Stream(addr, 8, 0.4)          # about 3 s of events
    first = st.read_for(0.6)
    t0 = time.monotonic()
    os.kill(relay.pid, sig)
    closed = fk.wait_for(lambda: "listener closed" in log_text(logp), 5, 0.02)
    took = time.monotonic() - t0
    if check_refusal:
        g.ok(closed and took < 1, "%s: the listener is closed at once "
             "(%.2f s)" % (name, took), log_text(logp)[-600:])
        refused, how = refused_at_once(addr)
        g.ok(refused, "%s: a new connection is refused within 1 s (%s)"
             % (name, how))
    n = st.read_for(15)
    g.ok(first >= 1 and n == 8 and st.ended,
         "%s: the stream in flight flows on to its end (%d of 8 events, "
         "end of request %s)" % (name, n, "seen" if st.ended else "missing"))
    rc = wait_exit(relay, 5)
    g.eq(rc, 0, "%s: then the process exits 0" % name)
    st.close()
    relay.stop()


def timeout_part(agent):
    relay, addr, logp = fk.start_relay(agent, 0,
                                       args=("--shutdown-timeout", "1s"))
    st = Stream(addr, 100, 0.3)        # 30 s of events
    st.read_for(0.6)
    t0 = time.monotonic()
    os.kill(relay.pid, signal.SIGTERM)
    rc = wait_exit(relay, 8)
    took = time.monotonic() - t0
    st.read_for(2)
    log = log_text(logp)
    g.ok(rc == 0 and 0.8 <= took <= 4,
         "--shutdown-timeout 1s, a 30 s stream: the process exits 0 %.1f s "
         "after SIGTERM (want 1 to 3 s, on a busy host up to 4)" % took,
         "exit: %r" % rc)
    g.ok("shutdown_timeout passed: 1 request(s) cut" in log,
         "and the log says the request was cut", log[-600:])
    g.ok(not st.ended, "the client sees a cut stream, not a whole one "
         "(no FCGI_END_REQUEST; %d events)" % st.events())
    st.close()
    relay.stop()


def second_signal_part(agent):
    relay, addr, logp = fk.start_relay(agent, 0)   # shutdown_timeout 30 s
    st = Stream(addr, 100, 0.3)
    st.read_for(0.6)
    os.kill(relay.pid, signal.SIGTERM)
    fk.wait_for(lambda: "listener closed" in log_text(logp), 5, 0.02)
    t0 = time.monotonic()
    os.kill(relay.pid, signal.SIGTERM)
    rc = wait_exit(relay, 5)
    took = time.monotonic() - t0
    g.ok(rc == 0 and took < 2 and "second stop signal" in log_text(logp),
         "a second SIGTERM ends the process at once (%.1f s, exit %r)" % (
             took, rc), log_text(logp)[-600:])
    st.close()
    relay.stop()


def main():
    g.need_file(fk.relay_path(), "fcgi-relay (build it first)")
    agent = g.start_agent()
    ignored_part(agent)
    graceful_part(agent, signal.SIGTERM, True)
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGUSR1):
        graceful_part(agent, sig, False)
    timeout_part(agent)
    second_signal_part(agent)


g.run(main)
