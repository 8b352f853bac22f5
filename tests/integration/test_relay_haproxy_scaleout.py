#!/usr/bin/python3
"""Scale-out recipes: two sample agents behind HAProxy
(examples/haproxy/haproxy.cfg), then behind an nginx upstream pool
(examples/nginx/agent-upstream.conf), with lighttpd and the relay
(examples/lighttpd/fcgi-relay.conf) in front, agent_url naming the
balancer. Under load (CLIENTS threads, GET and POST in turn, each request
carrying an id and taking DELAY s at the agent), agent 1 is killed with
SIGKILL while it holds a GET and a POST, and started again on the same
port. From the agents' own request logs (tests/agent.py --request-log:
start and end of each id, written so they survive the kill) the test
asserts, for each balancer:

- every request the killed agent had not started got 200 with its own
  answer, and those sent while it was dead were served by the other
  agent at once (HAProxy: retries with option redispatch; nginx:
  proxy_next_upstream);
- the only other answers are 502: a POST the killed agent had started
  gets 502 and is never sent again; a GET it had started gets 502 or is
  sent once more to the other agent (behind HAProxy by the relay's
  retry of a stale kept connection, behind nginx by nginx); a request
  that reached the dying agent's socket unread may get 502 (counted);
- the dead agent is taken out and the restarted one serves again
  (HAProxy: DOWN and UP read from its admin socket); every request of
  the last second got 200.

Counts and times (recovery included) go out as TAP diagnostics. The relay
does no balancing: it only ever talks to the balancer."""
import os
import re
import signal
import socket
import subprocess
import threading
import time

import gwtest as g
import faultkit as fk

HAPROXY = "/usr/sbin/haproxy"
CLIENTS = 8                 # client threads
DELAY = 0.3                 # seconds each request spends in the agent
MAX_REQUESTS = 4000         # the load stops here whatever happens
MAX_LOAD_SECONDS = 60.0     # and here
WARM_SECONDS = 2.0          # load before the kill
DOWN_SECONDS = 1.0          # agent 1 dead before it is started again
TAIL_SECONDS = 1.5          # load after the restarted agent serves again
RECOVERY_BOUND = 30.0       # restart to "UP" in HAProxy, generous


# ----------------------------------------------------------- HAProxy

class HAProxy:
    """haproxy -db (foreground) on a config rendered from the example;
    stopped by PID like every process the harness starts."""

    kind = "haproxy"

    def __init__(self, agents, check_path="/"):
        g.need_file(HAPROXY, "haproxy (Debian package haproxy)")
        self.port = g.free_port()
        self.rundir = g.make_dir("haproxy")
        self.cfg = os.path.join(self.rundir, "haproxy.cfg")
        self.log = os.path.join(self.rundir, "haproxy.log")
        self.admin = os.path.join(self.rundir, "admin.sock")
        g.render(g.example("haproxy", "haproxy.cfg"), self.cfg, {
            "PORT": self.port, "RUNDIR": self.rundir, "CHECK_PATH": check_path,
            "AGENT1": "127.0.0.1:%d" % agents[0].port,
            "AGENT2": "127.0.0.1:%d" % agents[1].port})
        out = open(self.log, "wb")
        self.proc = g.Proc("haproxy", [HAPROXY, "-db", "-f", self.cfg],
                           stdout=out, stderr=subprocess.STDOUT)
        g._servers.append(self)
        if not g.wait_port(self.port, self.proc):
            self.show_logs()
            raise RuntimeError("haproxy did not listen on %d (exit %r)" % (
                self.port, self.proc.poll()))
        self.url = "http://127.0.0.1:%d" % self.port

    def states(self):
        """{server name: status} of backend "agents" from "show stat"
        on the admin socket ({} when it does not answer)."""
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(2)
                s.connect(self.admin)
                s.sendall(b"show stat\n")
                data = b""
                while len(data) < 1 << 20:
                    piece = s.recv(65536)
                    if not piece:
                        break
                    data += piece
        except OSError:
            return {}
        lines = data.decode("latin-1").splitlines()
        if not lines or not lines[0].startswith("# "):
            return {}
        cols = lines[0][2:].split(",")
        try:
            px, sv, st = cols.index("pxname"), cols.index("svname"), cols.index("status")
        except ValueError:
            return {}
        out = {}
        for ln in lines[1:]:
            f = ln.split(",")
            if len(f) > st and f[px] == "agents" and f[sv] not in ("BACKEND", "FRONTEND"):
                out[f[sv]] = f[st]
        return out

    def requests(self):
        """HAProxy's log lines (option httplog) as dicts: server,
        status, termination state, retries, request id."""
        out = []
        try:
            with open(self.log, encoding="latin-1") as f:
                text = f.read()
        except OSError:
            return out
        for m in re.finditer(
                r" agents/(\S+) \S+ (\d{3}) \S+ \S+ \S+ (\S{4}) "
                r"\d+/\d+/\d+/\d+/(\+?\d+) .*\"\S+ \S*[?&]rid=([^& ]+)", text):
            out.append({"server": m.group(1), "status": int(m.group(2)),
                        "term": m.group(3), "retries": m.group(4),
                        "rid": m.group(5)})
        return out

    def show_logs(self):
        g._show_file("haproxy log", self.log, 40)

    def stop(self):
        return self.proc.stop()


class StateWatch:
    """Polls HAProxy's server states every 0.1 s, keeping each change
    with its wall-clock time."""

    def __init__(self, hx):
        self.hx = hx
        self.changes = []       # (time, server, status)
        self.last = {}
        self.stop_ev = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        end = time.monotonic() + MAX_LOAD_SECONDS + 60
        while not self.stop_ev.is_set() and time.monotonic() < end:
            now = time.time()
            for sv, st in self.hx.states().items():
                if self.last.get(sv) != st:
                    self.last[sv] = st
                    self.changes.append((now, sv, st))
            self.stop_ev.wait(0.1)

    def first(self, server, prefix, after):
        for t, sv, st in self.changes:
            if sv == server and t >= after and st.startswith(prefix):
                return t
        return None

    def end(self):
        self.stop_ev.set()
        self.t.join(10)


class NginxPool:
    """nginx with examples/nginx/agent-upstream.conf: the agents' pool."""

    def __init__(self, agents):
        self.srv = g.start_nginx(
            "agent-upstream.conf",
            agent1="127.0.0.1:%d" % agents[0].port,
            agent2="127.0.0.1:%d" % agents[1].port)
        self.proc = self.srv.proc
        self.url = self.srv.url
        with open(g.example("nginx", "agent-upstream.conf"), encoding="utf-8") as f:
            m = re.search(r"fail_timeout=(\d+)s", f.read())
        self.fail_timeout = int(m.group(1)) if m else 10

    def requests(self):
        return []

    def stop(self):
        return self.srv.stop()


# ------------------------------------------------------------- agents

def start_agent(port, log):
    return g.start_agent(port=port, args=["--request-log", log])


def read_request_log(path):
    """({rid: start time}, {rid: end time}) from an agent's request log."""
    start, end = {}, {}
    try:
        with open(path, encoding="latin-1") as f:
            for line in f:
                p = line.split()
                if len(p) == 3 and p[0] in ("start", "end"):
                    (start if p[0] == "start" else end)[p[1]] = float(p[2])
    except OSError:
        pass
    return start, end


# --------------------------------------------------------------- load

class Load:
    """CLIENTS threads sending requests in a loop, GET and POST in turn
    (the relay may retry a GET once, a POST never), each to
    /_/slow?delay=DELAY&rid=ID with ID "gC-N" or "pC-N", until told to
    stop, MAX_REQUESTS are sent, or MAX_LOAD_SECONDS pass. Each answer
    is kept: rid -> (sent, done, status, reason, own answer)."""

    BODY = b"scale-out test body\n" * 50

    def __init__(self, port):
        self.port = port
        self.stop_ev = threading.Event()
        self.lock = threading.Lock()
        self.results = {}
        self.sent = 0
        self.deadline = time.monotonic() + MAX_LOAD_SECONDS
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(CLIENTS)]
        for t in self.threads:
            t.start()

    def run(self, i):
        n = 0
        while not self.stop_ev.is_set() and time.monotonic() < self.deadline:
            with self.lock:
                if self.sent >= MAX_REQUESTS:
                    return
                self.sent += 1
            n += 1
            post = (i + n) % 2 == 0
            rid = "%s%d-%d" % ("p" if post else "g", i, n)
            target = "/_/slow?delay=%s&rid=%s" % (DELAY, rid)
            t0 = time.time()
            r = g.fetch(self.port, "POST" if post else "GET", target,
                        body=self.BODY if post else b"", timeout=20)
            own = False
            if r.status == 200:
                try:
                    seen = r.json()
                    own = seen.get("raw_path") == target and \
                        seen.get("body_length") == (len(self.BODY) if post else 0)
                except ValueError:
                    pass
            with self.lock:
                self.results[rid] = (t0, time.time(), r.status, r.reason, own)

    def end(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(30)

    def snapshot(self):
        with self.lock:
            return dict(self.results)


def wait_until(cond, timeout, step=0.1):
    return fk.wait_for(cond, timeout, step)


def in_flight(path):
    s, e = read_request_log(path)
    return set(s) - set(e)


# --------------------------------------------------------------- test

def scenario(kind):
    """The kill and restart with HAProxy (kind "haproxy") or an nginx
    upstream pool (kind "nginx") between the relay and the agents."""
    logdir = g.make_dir("agent-logs")
    log1 = os.path.join(logdir, "agent1.log")
    log1b = os.path.join(logdir, "agent1-restarted.log")
    log2 = os.path.join(logdir, "agent2.log")
    a1 = start_agent(0, log1)
    a2 = start_agent(0, log2)
    if kind == "haproxy":
        hx = HAProxy([a1, a2])
        g.ok(wait_until(lambda: len(hx.states()) == 2 and
                        all(s.startswith("UP") for s in hx.states().values()), 20),
             "haproxy: both agents UP by the health check", hx.states())
    else:
        hx = NginxPool([a1, a2])
    chk = subprocess.run([fk.relay_path(), "--check", "--agent-url", hx.url],
                         capture_output=True, text=True, timeout=30)
    g.ok(chk.returncode == 0 and "OK: 0 error(s), 0 warning(s)" in chk.stdout + chk.stderr,
         "%s: fcgi-relay --check with agent_url naming it: no error, no warning" % kind,
         (chk.stdout + chk.stderr)[-800:])
    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=hx.url,
                           fcgi_relay=fk.relay_path())
    r = g.fetch(srv.port, "GET", "/_/slow?delay=0&rid=warm", timeout=20)
    g.eq(r.status, 200, "%s: lighttpd -> relay -> %s -> agent: 200" % (kind, kind))

    watch = StateWatch(hx) if kind == "haproxy" else None
    load = Load(srv.port)
    t_load = time.time()
    # Load for WARM_SECONDS, until both agents have answered a few, and
    # then until agent 1 is in the middle of a GET and of a POST.
    wait_until(lambda: time.time() - t_load >= WARM_SECONDS and
               len(read_request_log(log1)[1]) >= 3 and
               len(read_request_log(log2)[1]) >= 3, 30)
    wait_until(lambda: {x[0] for x in in_flight(log1)} >= {"g", "p"}, 20, 0.02)
    t_kill = time.time()
    os.kill(a1.proc.pid, signal.SIGKILL)
    a1.proc.popen.wait(10)
    t_dead = time.time()          # reaped: its sockets are closed
    # Dead for DOWN_SECONDS, and behind HAProxy until its health check
    # has taken it out (bounded): requests before that are refused by the
    # dead agent and must be tried on the other one. nginx takes it out
    # at the first failure (the requests cut by the kill) for
    # fail_timeout, then tries it again with a live request: dead longer
    # than that, so that request is refused and must go to agent 2.
    down = DOWN_SECONDS if watch else hx.fail_timeout + 1.5
    wait_until(lambda: time.time() - t_kill >= down and
               (watch is None or watch.first("agent1", "DOWN", t_kill) is not None), 15)
    a1b = start_agent(a1.port, log1b)
    t_restart = time.time()
    # HAProxy's health check (nginx: fail_timeout, then a live request)
    # brings it back; then it must serve again, then the tail.
    t_up = None
    if watch:
        wait_until(lambda: watch.first("agent1", "UP", t_restart) is not None,
                   RECOVERY_BOUND)
        t_up = watch.first("agent1", "UP", t_restart)
    wait_until(lambda: len(read_request_log(log1b)[1]) >= 3, RECOVERY_BOUND)
    t_served = time.time()
    time.sleep(TAIL_SECONDS)
    t_stop = time.time()
    load.end()
    if watch:
        watch.end()
    res = load.snapshot()
    s1b = read_request_log(log1b)[0]
    t_first = min(s1b.values()) if s1b else None

    s1, e1 = read_request_log(log1)
    s2, e2 = read_request_log(log2)
    s1b, e1b = read_request_log(log1b)
    cut = set(s1) - set(e1)       # started by the killed agent, not finished
    cut_get = {rid for rid in cut if rid[0] == "g"}
    cut_post = cut - cut_get
    started = {}                  # rid -> agents that started it
    for name, s in (("agent1", s1), ("agent2", s2), ("agent1'", s1b)):
        for rid in s:
            started.setdefault(rid, []).append(name)
    hlog = {}
    for x in hx.requests():
        hlog.setdefault(x["rid"], []).append(x)
    k = kind

    by_status = {}
    for rid, (t0, t1, st, why, own) in res.items():
        by_status[st] = by_status.get(st, 0) + 1
    resent = sorted(rid for rid in cut_get if len(started.get(rid, [])) > 1)
    # A request may reach the killed agent's socket (a kept connection,
    # or its listen queue while the process is being torn down) and die
    # there unread: no agent has a record of it, and the balancer cannot
    # know whether the agent saw it, so it answers 502 rather than try
    # another agent. Only a 502 to a request sent before the agent was
    # reaped, not logged by HAProxy as sent anywhere else, can be that.
    unread = sorted(rid for rid, (t0, t1, st, why, own) in res.items()
                    if rid not in started and st == 502 and
                    t_kill - 2.0 <= t0 <= t_dead + 0.25 and
                    all(x["server"] == "agent1" for x in hlog.get(rid, [])))
    g.diag("%s: %d requests answered (%s), %.1f s of load, %d clients, GET and POST "
           "in turn, %.2f s each at the agent" % (
               k, len(res), ", ".join("%s: %d" % kv for kv in sorted(by_status.items(), key=str)),
               t_stop - t_load, CLIENTS, DELAY))
    lat = sorted(t1 - t0 for rid, (t0, t1, st, why, own) in res.items() if st == 200)
    if lat:
        g.diag("%s: time to a 200: median %.3f s, slowest %.3f s" % (
            k, lat[len(lat) // 2], lat[-1]))
    g.diag("%s: served by agent1 %d before the kill, agent2 %d, agent1 restarted %d" % (
        k, len(e1), len(e2), len(e1b)))
    g.diag("%s: in flight at agent1 at the kill: %d GET (%d sent again to agent2), %d POST; "
           "%d reached it unread (502); agent reaped %.3f s after SIGKILL" % (
               k, len(cut_get), len(resent), len(cut_post), len(unread), t_dead - t_kill))
    t_down = watch.first("agent1", "DOWN", t_kill) if watch else None
    if watch:
        redispatched = sum(1 for xs in hlog.values() for x in xs
                           if x["retries"].startswith("+"))
        g.diag("%s: %d requests retried on the other agent (redispatched); agent1 DOWN %s "
               "after the kill, UP %s after the restart" % (
                   k, redispatched,
                   "%.2f s" % (t_down - t_kill) if t_down else "never",
                   "%.2f s" % (t_up - t_restart) if t_up else "never"))
    g.diag("%s: recovery: the restarted agent1 started its first request %s after the "
           "restart, had answered 3 after %.2f s" % (
               k, "%.2f s" % (t_first - t_restart) if t_first else "never",
               t_served - t_restart))

    def about(rid):
        t0, t1, st, why, own = res[rid]
        return "%s: %s %s (sent %+.3f s from the kill; started at %s%s)" % (
            rid, st, why, t0 - t_kill, started.get(rid, "no agent"),
            "; haproxy %s" % hlog.get(rid) if watch else "")

    slowest = sorted(res, key=lambda rid: res[rid][0] - res[rid][1])[:3]
    g.diag("%s: slowest: " % k + "; ".join(
        "%.3f s %s" % (res[rid][1] - res[rid][0], about(rid)) for rid in slowest))
    g.ok(len(e1) >= 3 and len(e2) >= 3 and len(res) >= 40,
         "%s: load reached both agents before the kill (%d, %d; %d requests in all)" % (
             k, len(e1), len(e2), len(res)))
    g.ok(cut_get and cut_post,
         "%s: a GET and a POST were in flight at agent1 when it was killed (%d, %d)" % (
             k, len(cut_get), len(cut_post)))

    # Every request the killed agent had not started: 200, its own answer.
    bad = [about(rid) for rid, (t0, t1, st, why, own) in sorted(res.items())
           if rid not in cut and rid not in unread and not (st == 200 and own)]
    g.ok(not bad, "%s: every request the killed agent had not started got 200 with its "
         "own answer (%d of %d)" % (k, len(res) - len(cut) - len(unread) - len(bad),
                                    len(res) - len(cut) - len(unread)), *bad[:15])
    # From the kill to the restart, every request was served by agent 2 on
    # its first or next try: none waited for agent 1 to come back (without
    # redispatch, HAProxy's retries stay on the dead agent, a second apart).
    during = [rid for rid, (t0, t1, st, why, own) in res.items()
              if t_kill <= t0 <= t_restart and rid not in unread]
    dead = [about(rid) for rid in sorted(during) if started.get(rid) != ["agent2"]]
    g.ok(during and not dead, "%s: every request sent while agent1 was dead was served "
         "by agent2 (%d of %d)" % (k, len(during) - len(dead), len(during)), *dead[:15])
    g.ok(len(unread) <= CLIENTS, "%s: at most one request per client reached the killed "
         "agent unread (%d)" % (k, len(unread)), *[about(rid) for rid in unread])

    # In flight at the kill: a POST gets 502 and is never sent again; a
    # GET gets 502, or is sent once more to the other agent: by the relay
    # behind HAProxy (HAProxy closes a kept connection without an answer
    # when the agent vanished, and the relay retries a GET on a stale
    # connection once), by nginx itself (proxy_next_upstream error).
    got = {rid: res[rid][2] if rid in res else "no answer" for rid in cut_post}
    g.ok(got and all(v == 502 for v in got.values()),
         "%s: the POSTs in flight at the kill got 502 (%d)" % (k, len(got)),
         *[about(rid) for rid in sorted(got) if rid in res])
    g.eq(sorted(rid for rid in cut_post if len(started[rid]) > 1), [],
         "%s: no POST the killed agent had started was sent again" % k)
    wrong = [about(rid) for rid in sorted(cut_get) if rid not in res or not (
        (res[rid][2] == 502 and len(started[rid]) == 1) or
        (res[rid][2] == 200 and res[rid][4] and started[rid] == ["agent1", "agent2"]))]
    g.ok(cut_get and not wrong,
         "%s: the GETs in flight at the kill got 502, or 200 from agent2 after one "
         "retry (%d)" % (k, len(cut_get)), *wrong)
    others = sorted(set(st for rid, (_, _, st, _, _) in res.items() if st != 200), key=str)
    g.ok(set(others) <= {502}, "%s: no answer other than 200 and 502 (%s)" % (k, others))
    twice = sorted(rid for rid, names in started.items()
                   if len(names) > 1 and rid not in cut_get)
    g.eq(twice, [], "%s: no other request reached two agents" % k)

    # Out and back in, and serving again.
    if watch:
        g.ok(t_down is not None,
             "%s: the health check marked agent1 DOWN after the kill" % k, watch.changes)
        g.ok(t_up is not None and t_up - t_restart < RECOVERY_BOUND,
             "%s: the health check marked the restarted agent1 UP within %d s (%s)" % (
                 k, RECOVERY_BOUND, "%.2f s" % (t_up - t_restart) if t_up else "never"),
             watch.changes)
    g.ok(len(e1b) >= 3, "%s: the restarted agent1 serves requests again (%d)" % (k, len(e1b)))
    last = [(rid, st) for rid, (t0, t1, st, why, own) in res.items()
            if t0 >= t_stop - 1.0]
    g.ok(last and all(st == 200 for _, st in last),
         "%s: every request of the last second got 200 (%d)" % (k, len(last)),
         sorted(x for x in last if x[1] != 200))
    g.ok(hx.proc.poll() is None and a2.proc.poll() is None and a1b.proc.poll() is None,
         "%s: the balancer and the agents still run" % k)
    for p in (srv, hx, a2, a1b):
        p.stop()


def main():
    g.need_file(fk.relay_path(), "fcgi-relay (build it first)")
    g.need_file(HAPROXY, "haproxy (Debian package haproxy)")
    g.need_file(g.NGINX, "nginx")
    scenario("haproxy")
    scenario("nginx")


g.run(main)
