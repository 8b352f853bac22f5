#!/usr/bin/python3
"""SIGHUP reloads the settings (issue 13 item 3), standalone (--listen)
and spawned by lighttpd:
- new requests take the new config file's agent_url, while a stream in
  flight runs to its end on the settings it started with (the new
  idle_timeout, shorter than its pauses, would cut it);
- a config with an unknown key, a bad value, or lock_agent without
  agent_url is refused with a log line naming the problem, and the running
  settings keep serving;
- request_head_timeout (read once) is kept, with a warning;
- max_workers follows the reload (503 past a new cap of 1, served again
  after the next);
- reloads every 50 ms while four clients ask without pause: every answer
  is 200 and names its own path (generations freed under load; the
  sanitizer build checks the frees);
- under lighttpd, a reload turns ping_path on."""
import json
import os
import signal
import threading
import time

import gwtest as g
import faultkit as fk
from fcgipeer import Stream, ask, base_params


def log_text(logp):
    try:
        with open(logp, encoding="latin-1") as f:
            return f.read()
    except OSError:
        return ""


def write_config(path, text):
    """Replaces the file whole, so a reload never reads half of it."""
    with open(path + ".new", "w") as f:
        f.write(text)
    os.replace(path + ".new", path)


def host_of(out):
    """The Host the agent saw, from its JSON report in a FastCGI answer."""
    body = out.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in out else b""
    try:
        headers = dict((k.lower(), v) for k, v in json.loads(body)["headers"])
    except (ValueError, KeyError):
        return None
    return headers.get("host")


def reload_and_wait(relay, logp, marker, before):
    """SIGHUP, then waits until the log has one more marker line."""
    os.kill(relay.pid, signal.SIGHUP)
    return fk.wait_for(lambda: log_text(logp).count(marker) > before, 5, 0.02)


def agent_part(relay, addr, logp, a, b, cfg):
    st = Stream(addr, 4, 1.2)          # 4.8 s of events from agent a
    first = st.read_for(0.6)
    # an idle_timeout the stream's 1.2 s pauses would break, were the
    # stream to read the new settings
    write_config(cfg, "agent_url = %s\nidle_timeout = 400ms\n" % b.url)
    done = reload_and_wait(relay, logp, "settings generation", 0)
    g.ok(done and "settings generation 2" in log_text(logp),
         "SIGHUP: the new settings are logged as generation 2",
         log_text(logp)[-600:])
    status, out = ask(addr, base_params(b"/after-reload"))
    g.ok(status == 200 and host_of(out) == "127.0.0.1:%d" % b.port,
         "a new request goes to the new agent_url (status %r, Host %r)" % (
             status, host_of(out)))
    n = st.read_for(10)
    g.ok(first >= 1 and n == 4 and st.ended,
         "the stream begun before the reload runs to its end (%d of 4 "
         "events, end of request %s)" % (n, "seen" if st.ended else "missing"))
    st.close()


BAD_CONFIGS = (
    ("an unknown key", "agent_url = %(b)s\nagent_ulr = %(b)s\n", "agent_ulr"),
    ("a bad value", "agent_url = ftp://127.0.0.1/\n", "agent_url"),
    ("lock_agent without agent_url", "lock_agent = yes\n", "lock_agent"),
)


def refused_part(relay, addr, logp, b, cfg):
    for what, text, named in BAD_CONFIGS:
        before = log_text(logp).count("reload refused")
        write_config(cfg, text % {"b": b.url})
        done = reload_and_wait(relay, logp, "reload refused", before)
        line = [ln for ln in log_text(logp).splitlines()
                if "reload refused" in ln][-1:] or [""]
        g.ok(done and named in line[0] and "running settings are kept"
             in line[0], "a config with %s is refused, the log names %s"
             % (what, named), log_text(logp)[-600:])
        status, out = ask(addr, base_params(b"/after-refusal"))
        g.ok(relay.poll() is None and status == 200 and
             host_of(out) == "127.0.0.1:%d" % b.port,
             "after refusing %s the running settings serve (status %r, "
             "Host %r)" % (what, status, host_of(out)))


def restart_only_part(relay, addr, logp, b, cfg):
    before = log_text(logp).count("settings generation")
    write_config(cfg, "agent_url = %s\nrequest_head_timeout = 3s\n" % b.url)
    done = reload_and_wait(relay, logp, "settings generation", before)
    g.ok(done and "request_head_timeout changed; it takes a restart"
         in log_text(logp), "request_head_timeout in a reload: kept, "
         "with a warning", log_text(logp)[-600:])


def cap_part(relay, addr, logp, b, cfg):
    before = log_text(logp).count("settings generation")
    write_config(cfg, "agent_url = %s\nmax_workers = 1\n" % b.url)
    reload_and_wait(relay, logp, "settings generation", before)
    st = Stream(addr, 20, 0.3)
    st.read_for(0.6)
    status, _ = ask(addr, base_params(b"/past-the-cap"))
    g.eq(status, 503, "max_workers 1 by reload: a second request while a "
         "stream runs gets 503")
    write_config(cfg, "agent_url = %s\n" % b.url)
    reload_and_wait(relay, logp, "settings generation", before + 1)
    status, _ = ask(addr, base_params(b"/cap-lifted"))
    g.eq(status, 200, "max_workers back to derived by the next reload: "
         "served beside the stream")
    st.close()


def churn_part(relay, addr, logp, a, b, cfg):
    stop = time.monotonic() + 3
    bad = []
    counts = [0] * 4

    def client(i):
        k = 0
        while time.monotonic() < stop and k < 3000:
            path = b"/churn-%d-%d" % (i, k)
            status, out = ask(addr, base_params(path))
            if status != 200 or (b'"raw_path": "%s"' % path) not in out:
                bad.append((path, status, out[:200]))
            k += 1
        counts[i] = k

    threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    reloads = 0
    while time.monotonic() < stop and reloads < 100:
        agent = a if reloads % 2 else b
        write_config(cfg, "agent_url = %s\n" % agent.url)
        os.kill(relay.pid, signal.SIGHUP)
        reloads += 1
        time.sleep(0.05)
    for t in threads:
        t.join(30)
    g.ok(not bad and relay.poll() is None and sum(counts) > 0,
         "%d reloads while 4 clients asked %d times: every answer 200 with "
         "its own path" % (reloads, sum(counts)), *bad[:3])


def standalone_part(a, b):
    d = g.make_dir("reload")
    cfg = os.path.join(d, "relay.conf")
    write_config(cfg, "agent_url = %s\n" % a.url)
    relay, addr, logp = fk.start_relay(None, None, args=("--config", cfg))
    agent_part(relay, addr, logp, a, b, cfg)
    refused_part(relay, addr, logp, b, cfg)
    restart_only_part(relay, addr, logp, b, cfg)
    cap_part(relay, addr, logp, b, cfg)
    churn_part(relay, addr, logp, a, b, cfg)
    relay.stop()


LIGHTTPD_CONFIG_RELAY = """\
server.modules += ( "mod_fastcgi" )
fastcgi.server += ( "/" => ((
    "bin-path" => "%(relay)s --config %(cfg)s",
    "socket" => "%(rundir)s/fcgi-relay.sock",
    "check-local" => "disable",
    "max-procs" => 1,
)))
"""


def spawned_part(a):
    srv = g.Lighttpd(None, {}, None, "", None)
    cfg = os.path.join(srv.rundir, "relay.conf")
    write_config(cfg, "agent_url = %s\n" % a.url)
    srv.directives = LIGHTTPD_CONFIG_RELAY % {
        "relay": fk.relay_path(), "cfg": cfg, "rundir": srv.rundir}
    srv.start()
    r = g.fetch(srv.port, "GET", "/relay-ping")
    g.ok(r.status == 200 and b"raw_path" in r.body,
         "lighttpd: before the reload /relay-ping goes to the agent")
    pids = fk.relay_pids(cfg)
    write_config(cfg, "agent_url = %s\nping_path = /relay-ping\n" % a.url)
    for pid in pids:
        os.kill(pid, signal.SIGHUP)
    logp = os.path.join(srv.rundir, "stdout.log")
    fk.wait_for(lambda: "settings generation 2" in log_text(logp), 5, 0.02)
    r = g.fetch(srv.port, "GET", "/relay-ping")
    g.ok(len(pids) == 1 and r.status == 200 and r.body == b"pong\n",
         "lighttpd: after SIGHUP to the spawned relay (pids %r) "
         "/relay-ping is answered pong" % pids, r.body[:200],
         log_text(logp)[-600:])
    srv.stop()


def main():
    g.need_file(fk.relay_path(), "fcgi-relay (build it first)")
    a, b = g.start_agent(), g.start_agent()
    standalone_part(a, b)
    spawned_part(a)


g.run(main)
