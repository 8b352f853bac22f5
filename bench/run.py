"""bench/run.py: every way through the web server, side by side, in one run
(`make bench`, or /usr/bin/python3 bench/run.py [--seconds N]).

On 127.0.0.1 only it starts a fast upstream (bench/upstream.c: 100 B and
256 KiB bodies), the sample aiohttp agent, lighttpd and Apache (through the
integration-test harness tests/integration/gwtest.py, so servers start and
stop the same way as in the tests), and for each mode measures with wrk
(-t1 -c32, a short warm-up, then a bounded run): requests/s, p50 and p99
latency, transfer rate, CPU per request (utime+stime of the web server and
relay processes from /proc, before and after; "prog us" the part of it
spent in the FastCGI program, relay or bare libfcgi), and the ratio to the
server's own mod_proxy measured in the same run. Then the relay's peak RSS
and lighttpd's temp-file spooling while 1 GiB moves each way, the
seed-style aiohttp relay's memory on a 512 MiB body, and cgi-redirect's
start-up against bench/min302.c with hyperfine.

Writes bench/out/results.csv, bench/out/memory.csv, bench/out/bench.png
and prints a table. Everything it starts is stopped by PID at exit.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import re
import resource
import selectors
import shutil
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
os.environ.setdefault("AG_BUILDDIR", ROOT)
os.environ.setdefault("AG_SRCDIR", ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import gwtest as g  # noqa: E402

BUILDDIR = g.BUILDDIR
OUT = os.environ.get("BENCH_OUT") or os.path.join(BUILDDIR, "bench", "out")
CONF = os.path.join(HERE, "conf")
RELAY = os.path.join(BUILDDIR, "fcgi-relay", "fcgi-relay")
# Relay rows run with the status page on, read before and after each
# measurement: the report shows what the relay itself counted (503s at
# max_workers, failures by cause, agent connections made and reused).
STATUS_PATH = "/relay-status"
RELAY_STATUS = "%s --status-path %s" % (RELAY, STATUS_PATH)
REDIRECT = os.path.join(BUILDDIR, "cgi-redirect", "cgi-redirect")

CONNECTIONS = 32               # wrk -c, as in issue 4's reference runs
WRK_TIMEOUT = "10s"            # wrk's per-request timeout
SMALL, LARGE = "/small", "/large"
AGENT_SMALL, AGENT_LARGE = "/_/bytes/100", "/_/bytes/262144"
GIB = 1 << 30
SEED_BODY = 512 << 20
MEM_POLL_S = 0.05              # memory and spool polling interval
MEM_XFER_TIMEOUT = 240.0       # bound for one 1 GiB transfer
HELLO_THREADS = 32             # the bare libfcgi program: one per client
FCGID_PROCS = 40               # mod_fcgid: >= clients, one request each
FCGID_WARMUP = 8               # seconds for mod_fcgid to spawn its processes
HYPERFINE_RUNS = 2000
STREAM_COUNTS = (1, 100, 1000)  # quiet event streams held open at once
STREAM_FIRST_TIMEOUT_S = 30    # bound for all first events of one count
QUIET_STREAM_WAIT_S = 3        # > the relay's QUIET_STREAM_MS, with margin
STREAM_PAUSE_S = 15            # then each stream ends (lighttpd sees the
                               # client gone only when it writes)
WORKER_RETIRE_WAIT_S = 30      # > STREAM_PAUSE_S + WORKER_IDLE_MS
QUIET_WAIT_S = 5.0             # longest wait for an idle machine per measurement
QUIET_LIMIT = 0.15             # "idle": under 15 % of all CPUs busy

# Apache's event MPM grows slowly from StartServers 1; give it the threads
# for 32 clients from the start so the warm-up is not spent spawning.
APACHE_TUNING = """\
StartServers 2
ServerLimit 4
ThreadsPerChild 32
MaxRequestWorkers 128
MinSpareThreads 32
MaxSpareThreads 128
"""

# Debian packages for each tool the run needs.
NEEDS = [
    ("wrk", "/usr/bin/wrk", "wrk"),
    ("hyperfine", "/usr/bin/hyperfine", "hyperfine"),
    ("gnuplot", "/usr/bin/gnuplot", "gnuplot-nox"),
    ("cc", "/usr/bin/cc", "gcc"),
    ("lighttpd", g.LIGHTTPD, "lighttpd"),
    ("apache2", g.APACHE, "apache2"),
    ("mod_fcgid", os.path.join(g.APACHE_MODULES, "mod_fcgid.so"),
     "libapache2-mod-fcgid"),
    ("python3-aiohttp", "/usr/lib/python3/dist-packages/aiohttp",
     "python3-aiohttp"),
]


def log(msg):
    print(msg, flush=True)


# ------------------------------------------------------------ preflight

def ensure_tools(install):
    missing = [(n, pkg) for n, path, pkg in NEEDS if not os.path.exists(path)]
    if not missing:
        return
    pkgs = sorted({pkg for _, pkg in missing})
    names = ", ".join(n for n, _ in missing)
    if install and os.geteuid() == 0 and shutil.which("apt-get"):
        log("bench: installing %s (%s)" % (" ".join(pkgs), names))
        rc = subprocess.call(["apt-get", "install", "-y", "--no-install-recommends"]
                             + pkgs, timeout=900)
        if rc == 0 and all(os.path.exists(p) for _, p, _ in NEEDS):
            return
    sys.exit("bench: missing %s; install them with:\n  apt-get install -y %s"
             % (names, " ".join(pkgs)))


def build_helpers():
    os.makedirs(OUT, exist_ok=True)
    for p in (RELAY, REDIRECT):
        if not os.access(p, os.X_OK):
            sys.exit("bench: %s not built; run make first" % p)
    progs = {
        "upstream": (["upstream.c"], []),
        "min302": (["min302.c"], []),
        # A bare libfcgi responder: the FastCGI path's own limit.
        "fcgi_hello": (["fcgi_hello.c"], ["-lfcgi", "-pthread"]),
        # The same program with libcurl loaded (issue 4's 4.0 ms figure).
        "min302-curl": (["min302.c"], ["-Wl,--no-as-needed", "-lcurl"]),
    }
    for name, (srcs, libs) in progs.items():
        out = os.path.join(OUT, name)
        cmd = ["cc", "-O2", "-D_GNU_SOURCE", "-o", out] + \
            [os.path.join(HERE, s) for s in srcs] + libs
        subprocess.check_call(cmd, timeout=120)
    # The CGI programs run as www-data under Apache: the tree must be
    # readable (and the out dir traversable) for them.
    os.chmod(OUT, 0o755)


# ------------------------------------------------------------ processes

def read_ready(proc, what):
    line = g._read_line(proc, g.START_TIMEOUT)
    m = re.match(r"READY port=(\d+)", line or "")
    if not m:
        raise RuntimeError("%s did not start: %r" % (what, line))
    return int(m.group(1))


class Upstream:
    def __init__(self):
        self.proc = g.Proc("upstream", [os.path.join(OUT, "upstream")],
                           stdout=subprocess.PIPE)
        self.port = read_ready(self.proc, "upstream")
        self.url = "http://127.0.0.1:%d" % self.port


class SeedRelay:
    def __init__(self, upstream_url):
        self.proc = g.Proc("seed-relay", [g.PYTHON, os.path.join(HERE, "seed_relay.py"),
                                          "--upstream", upstream_url],
                           stdout=subprocess.PIPE)
        self.port = read_ready(self.proc, "seed relay")

    def stop(self):
        self.proc.stop()


def start_relay_listen(spec, agent_url):
    """The relay as the examples start it: no concurrency option."""
    d = g.make_dir("relay")
    err = open(os.path.join(d, "relay.log"), "wb")
    p = g.Proc("fcgi-relay", [RELAY, "--listen", spec, "--agent-url", agent_url,
                               "--status-path", STATUS_PATH], stderr=err)
    end = time.monotonic() + g.START_TIMEOUT
    while time.monotonic() < end and p.poll() is None:
        if spec.startswith("/"):
            if os.path.exists(spec):
                shutil.chown(spec, group=g.APACHE_USER)
                return p
        elif g.wait_port(int(spec.rsplit(":", 1)[1]), p, timeout=0.2):
            return p
        time.sleep(0.05)
    raise RuntimeError("standalone relay did not start (exit %r)" % p.poll())


def lighttpd(template, **values):
    """gwtest's lighttpd, but with server.upload-dirs on an empty dir of its
    own, so what lands there is the spooling."""
    base = g.LIGHTTPD_BASE
    g.LIGHTTPD_BASE = base.replace('server.upload-dirs = ( "%(rundir)s" )',
                                   'server.upload-dirs = ( "%(rundir)s/spool" )')
    try:
        srv = g.Lighttpd(template, values)
        srv.spool = os.path.join(srv.rundir, "spool")
        os.mkdir(srv.spool)
        srv.start()
    finally:
        g.LIGHTTPD_BASE = base
    return srv


def apache(template, modules, **values):
    srv = g.start_apache(template, modules=modules, directives=APACHE_TUNING,
                         **values)
    srv.spool = None
    return srv


def children_map():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(d))
    return kids


def tree(roots):
    """PIDs of roots and all their descendants."""
    kids = children_map()
    seen, todo = set(), list(roots)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        todo.extend(kids.get(p, ()))
    return seen


# The FastCGI programs whose share of a row's CPU is shown on its own
# (column "prog us"): what the relay costs beside the web server.
PROGRAM_NAMES = ("fcgi-relay", "fcgi_hello")


def cpu_ticks(roots, names=None):
    """utime+stime+cutime+cstime over the process trees (children reaped
    during the window, CGI programs, show up in their parent's c-times);
    only the processes called one of names, if given."""
    total = 0
    for p in tree(roots):
        if names is not None and proc_name(p) not in names:
            continue
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])
        except (OSError, IndexError, ValueError):
            pass
    return total


TICK = os.sysconf("SC_CLK_TCK")


def status_kib(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def proc_name(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


def open_streams(port, count):
    """count clients of the sample agent's event stream (one event now,
    the last after STREAM_PAUSE_S), all asked at once. Returns the sockets
    and the longest wait from a stream's request to its first event, or
    None if not every first event came within STREAM_FIRST_TIMEOUT_S."""
    socks, sent, first = [], {}, {}
    sel = selectors.DefaultSelector()
    for i in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b"GET /_/events?n=2&pause=%d&sid=bench%d HTTP/1.1\r\n"
                  b"Host: 127.0.0.1\r\n\r\n" % (STREAM_PAUSE_S, i))
        sent[s] = time.monotonic()
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, bytearray())
        socks.append(s)
    deadline = time.monotonic() + STREAM_FIRST_TIMEOUT_S
    while len(first) < count and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            try:
                chunk = key.fileobj.recv(4096)
            except BlockingIOError:
                continue
            key.data.extend(chunk)
            if b"id: 0" in key.data or not chunk:
                if chunk:
                    first[key.fileobj] = time.monotonic() - sent[key.fileobj]
                sel.unregister(key.fileobj)
    sel.close()
    slowest = max(first.values()) if len(first) == count else None
    return socks, slowest


def threads_of(pid):
    return len(os.listdir("/proc/%d/task" % pid))


def relay_pids(roots):
    return [p for p in tree(roots) if proc_name(p) == "fcgi-relay"]


def spooled_bytes(srv):
    """Bytes in lighttpd's temp files now: its open fds into the spool dir
    (also unlinked ones) plus files still in it."""
    if srv is None or getattr(srv, "spool", None) is None:
        return 0
    seen, total = set(), 0
    fddir = "/proc/%d/fd" % srv.proc.pid
    try:
        fds = os.listdir(fddir)
    except OSError:
        fds = []
    for fd in fds:
        try:
            target = os.readlink(os.path.join(fddir, fd))
            if target.startswith(srv.spool + "/"):
                st = os.stat(os.path.join(fddir, fd))
                if (st.st_dev, st.st_ino) not in seen:
                    seen.add((st.st_dev, st.st_ino))
                    total += st.st_size
        except OSError:
            pass
    try:
        for name in os.listdir(srv.spool):
            st = os.stat(os.path.join(srv.spool, name))
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    except OSError:
        pass
    return total


class Poller:
    """Polls, in a thread, the largest spool size and the peak RSS
    (VmHWM, and VmRSS as seen) of some processes until stopped."""

    def __init__(self, srv=None, rss_roots=(), rss_filter=None):
        self.srv, self.rss_roots, self.rss_filter = srv, rss_roots, rss_filter
        self.max_spool = 0
        self.max_rss_kib = 0
        self.max_hwm_kib = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _pids(self):
        ps = tree(self.rss_roots) if self.rss_roots else set()
        return [p for p in ps if self.rss_filter is None or self.rss_filter(p)]

    def sample(self):
        self.max_spool = max(self.max_spool, spooled_bytes(self.srv))
        for p in self._pids():
            self.max_rss_kib = max(self.max_rss_kib, status_kib(p, "VmRSS"))
            self.max_hwm_kib = max(self.max_hwm_kib, status_kib(p, "VmHWM"))

    def _run(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(MEM_POLL_S if self.rss_roots else 0.2)

    def stop(self):
        self._stop.set()
        self._t.join(5)
        self.sample()
        return self


# ------------------------------------------------------------------ wrk

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}
SIZES = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}


def parse_wrk(text):
    def num(pat, conv=float, default=0):
        m = re.search(pat, text)
        return conv(m.group(1)) if m else default

    lat = {}
    for pct, v, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$",
                                   text, re.M):
        lat[pct] = float(v) * UNITS[unit]
    m = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", text)
    mib = float(m.group(1)) * SIZES[m.group(2)] / (1 << 20) if m else 0.0
    errs = sum(int(x) for x in re.findall(
        r"(?:connect|read|write|timeout) (\d+)", text))
    return {"rps": num(r"Requests/sec:\s+([\d.]+)"),
            "requests": num(r"(\d+) requests in", int),
            "p50_ms": lat.get("50", 0.0), "p99_ms": lat.get("99", 0.0),
            "mib_s": mib, "non2xx3xx": num(r"Non-2xx or 3xx responses: (\d+)", int),
            "socket_errors": errs}


def wrk(url, seconds, warmup, warmup_conns=CONNECTIONS):
    base = ["wrk", "-t1", "--timeout", WRK_TIMEOUT]
    if warmup > 0:
        subprocess.run(base + ["-c%d" % warmup_conns, "-d%ds" % warmup, url],
                       capture_output=True, timeout=warmup + 60)
    return base + ["-c%d" % CONNECTIONS, "-d%ds" % seconds, "--latency", url]


def machine_busy():
    """Busy and total jiffies of all CPUs (/proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return sum(v) - v[3] - v[4], sum(v)


def wait_quiet(max_s=QUIET_WAIT_S, limit=QUIET_LIMIT):
    """Waits (bounded) until the machine is mostly idle before a
    measurement, so other work on it (a test suite) does not count
    against one mode; returns the busy fraction last seen."""
    end = time.monotonic() + max_s
    while True:
        b0, t0 = machine_busy()
        time.sleep(0.5)
        b1, t1 = machine_busy()
        frac = (b1 - b0) / max(t1 - t0, 1)
        if frac < limit or time.monotonic() >= end:
            return frac


def measure(url, seconds, warmup, cpu_roots, upstream_pid, srv=None,
            warmup_conns=CONNECTIONS, own_pids=()):
    quiet = wait_quiet()
    argv = wrk(url, seconds, warmup, warmup_conns)
    poll = Poller(srv) if srv is not None and getattr(srv, "spool", None) else None
    everything = list(cpu_roots) + [upstream_pid] + list(own_pids)
    c0, u0, a0 = cpu_ticks(cpu_roots), cpu_ticks([upstream_pid]), cpu_ticks(everything)
    g0 = cpu_ticks(cpu_roots, PROGRAM_NAMES)
    w0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    m0, t0 = machine_busy(), time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True,
                       timeout=seconds + 60)
    m1, t1 = machine_busy(), time.monotonic()
    w1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    c1, u1, a1 = cpu_ticks(cpu_roots), cpu_ticks([upstream_pid]), cpu_ticks(everything)
    g1 = cpu_ticks(cpu_roots, PROGRAM_NAMES)
    r = parse_wrk(p.stdout)
    n = max(r["requests"], 1)
    r["cpu_us_req"] = (c1 - c0) / TICK * 1e6 / n
    # the FastCGI program's part (a plain CGI relay is reaped: not seen)
    r["prog_cpu_us_req"] = (g1 - g0) / TICK * 1e6 / n if g1 > g0 else ""
    r["upstream_cpu_us_req"] = (u1 - u0) / TICK * 1e6 / n
    # CPU used by anything this run did not start (other users of the
    # machine), in % of all CPUs: a warning sign next to the figures.
    ours = (a1 - a0) / TICK + (w1.ru_utime + w1.ru_stime - w0.ru_utime - w0.ru_stime)
    other = (m1[0] - m0[0]) / TICK - ours
    r["other_cpu_pct"] = round(max(0.0, other) / (t1 - t0) / (os.cpu_count() or 1) * 100, 1)
    r["idle_before_pct"] = round((1 - quiet) * 100, 1)
    r["spool_max"] = poll.stop().max_spool if poll else ""
    if p.returncode != 0 or r["requests"] == 0:
        raise RuntimeError("wrk failed on %s: %s %s" % (url, p.stdout, p.stderr))
    return r


def relay_status(port):
    """The relay's counters (status page, JSON) through the web server."""
    r = g.request(port, "GET", STATUS_PATH + "?json")
    if r.status != 200:
        raise RuntimeError("status page on port %d: %s" % (port, r.status))
    return json.loads(r.body)


def status_delta(s0, s1):
    """What the relay counted during one measurement: requests, 503s at
    max_workers, answers other than ok by cause, agent connections made
    and the share of relayed requests that reused one."""
    def d(k):
        return s1[k] - s0[k]
    relayed = sum(s1["answers"][c] - s0["answers"][c] for c in s1["answers"])
    made = d("agent_connections_opened_total")
    causes = {c: s1["causes"][c] - s0["causes"][c] for c in s1["causes"]
              if c != "ok" and s1["causes"][c] != s0["causes"][c]}
    reuse = round(100.0 * (1 - made / relayed), 2) if relayed else ""
    text = "%d requests, %d 503 at max_workers, %s, %d agent connections " \
        "made (%s%% reused), %d workers at the end" % (
            d("requests_total"), d("max_workers_reached_total"),
            ", ".join("%s %d" % kv for kv in sorted(causes.items()))
            or "no failures", made, reuse, s1["workers"])
    return {"relay_requests": d("requests_total"),
            "relay_503": d("max_workers_reached_total"),
            "relay_failures": sum(causes.values()),
            "agent_reuse_pct": reuse, "relay_status": text}


def check_get(port, path, want_status=200, want_len=None):
    """One request before timing, so a broken mode fails loudly rather
    than being measured as fast errors."""
    r = g.request_digest(port, "GET", path)
    if r.status != want_status or (want_len is not None and r.body_length != want_len):
        raise RuntimeError("GET %s on port %d: %s, %d bytes" %
                           (path, port, r.status, r.body_length))


# ---------------------------------------------------------------- modes

class Bench:
    def __init__(self, args):
        self.args = args
        self.rows = []
        self.mem = []
        self.up = Upstream()
        self.agent = g.start_agent()

    def run_mode(self, mode, family, port, cpu_roots, srv=None,
                 paths=(SMALL, LARGE), sizes=(100, 256 << 10), note="",
                 check=True, warmup=None, warmup_conns=CONNECTIONS,
                 status=False):
        for path, size in zip(paths, sizes):
            body = "small" if size == 100 else "large"
            if self.args.only and not re.search(self.args.only, mode):
                continue
            if check:
                check_get(port, path, 200, size)
            before = relay_status(port) if status else None
            r = measure("http://127.0.0.1:%d%s" % (port, path),
                        self.args.seconds,
                        self.args.warmup if warmup is None else warmup, cpu_roots,
                        self.up.proc.pid, srv, warmup_conns,
                        [self.agent.proc.pid])
            r.update(mode=mode, family=family, body=body, note=note)
            self.rows.append(r)
            log("  %-28s %-5s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  "
                "%8.1f MiB/s  %6.0f us CPU/req%s%s" % (
                    mode, body, r["rps"], r["p50_ms"], r["p99_ms"], r["mib_s"],
                    r["cpu_us_req"],
                    " (%.0f in the FastCGI program)" % r["prog_cpu_us_req"]
                    if r["prog_cpu_us_req"] != "" else "",
                    "  (%d non-2xx/3xx, %d socket errors)" % (
                        r["non2xx3xx"], r["socket_errors"])
                    if r["non2xx3xx"] or r["socket_errors"] else ""))
            if before is not None:
                r.update(status_delta(before, relay_status(port)))
                log("  %-28s %-5s relay counted: %s" % ("", body,
                                                        r["relay_status"]))

    def wanted(self, mode):
        return not self.args.only or re.search(self.args.only, mode)

    def direct(self):
        self.run_mode("direct-upstream", "direct", self.up.port, [self.up.proc.pid])
        self.run_mode("direct-agent", "agent", self.agent.port,
                      [self.agent.proc.pid], paths=(AGENT_SMALL, AGENT_LARGE))

    def lighttpd_proxy(self):
        if not self.wanted("lighttpd-proxy"):
            return
        srv = lighttpd(os.path.join(CONF, "lighttpd-proxy.conf"), up_port=self.up.port)
        self.run_mode("lighttpd-proxy", "lighttpd", srv.port, [srv.proc.pid], srv)
        srv.stop()

    def apache_proxy(self):
        if not self.wanted("apache-proxy-http"):
            return
        srv = apache(os.path.join(CONF, "apache-proxy-http.conf"),
                     ["proxy", "proxy_http"], up_port=self.up.port)
        self.run_mode("apache-proxy-http", "apache", srv.port, [srv.proc.pid])
        srv.stop()

    def lighttpd_fcgi_spawn(self):
        if not self.wanted("lighttpd-fcgi-spawn"):
            return
        srv = lighttpd(g.example("lighttpd", "fcgi-relay.conf"),
                       agent_url=self.up.url, fcgi_relay=RELAY_STATUS)
        self.run_mode("lighttpd-fcgi-spawn", "lighttpd", srv.port,
                      [srv.proc.pid], srv, status=True,
                      note="examples/lighttpd/fcgi-relay.conf: 1 process, workers on demand")
        srv.stop()

    def fcgi_hello(self):
        """The bare libfcgi responder in the relay's places (same configs,
        same thread and process counts): what the relay could reach."""
        hello = os.path.join(OUT, "fcgi_hello")
        if self.wanted("lighttpd-fcgi-hello"):
            srv = lighttpd(g.example("lighttpd", "fcgi-relay.conf"),
                           agent_url=self.up.url,
                           fcgi_relay="%s --threads %d" % (hello, HELLO_THREADS))
            self.run_mode("lighttpd-fcgi-hello", "lighttpd", srv.port,
                          [srv.proc.pid], srv,
                          note="bare libfcgi, %d threads" % HELLO_THREADS)
            srv.stop()
        if self.wanted("apache-fcgid-hello"):
            srv = apache(os.path.join(CONF, "apache-fcgid.conf"), ["fcgid"],
                         agent_url=self.up.url, fcgi_relay=hello, procs=FCGID_PROCS)
            self.run_mode("apache-fcgid-hello", "apache", srv.port, [srv.proc.pid],
                          note="bare libfcgi", warmup=max(self.args.warmup, FCGID_WARMUP),
                          warmup_conns=FCGID_PROCS)
            srv.stop()
        if self.wanted("apache-proxy-fcgi-hello"):
            d = g.make_dir("hellosock")
            sock = os.path.join(d, "hello.sock")
            p = g.Proc("fcgi_hello", [hello, "--listen", sock, "--threads",
                                      str(HELLO_THREADS)])
            end = time.monotonic() + g.START_TIMEOUT
            while not os.path.exists(sock) and time.monotonic() < end:
                time.sleep(0.05)
            # A bare libfcgi program pins a thread to each kept connection,
            # so it gets the example without enablereuse (one connection
            # per request), which is what it can serve.
            conf = os.path.join(d, "proxy-fcgi-noreuse.conf")
            with open(g.example("apache", "fcgi-relay-proxy-fcgi.conf")) as f:
                text = f.read().replace(" enablereuse=on", "")
            with open(conf, "w") as f:
                f.write(text)
            srv = apache(conf, ["proxy", "proxy_fcgi"], relay_socket=sock)
            self.run_mode("apache-proxy-fcgi-hello", "apache", srv.port,
                          [srv.proc.pid, p.pid], note="bare libfcgi, %d threads"
                          % HELLO_THREADS)
            srv.stop()
            p.stop()

    def lighttpd_fcgi_listen(self):
        if not self.wanted("lighttpd-fcgi-listen"):
            return
        rport = g.free_port()
        relay = start_relay_listen("127.0.0.1:%d" % rport, self.up.url)
        srv = lighttpd(os.path.join(CONF, "lighttpd-fcgi-listen.conf"),
                       relay_port=rport)
        self.run_mode("lighttpd-fcgi-listen", "lighttpd", srv.port,
                      [srv.proc.pid, relay.pid], srv, status=True,
                      note="--listen 127.0.0.1, workers on demand")
        srv.stop()
        relay.stop()

    def lighttpd_relay_cgi(self):
        if not self.wanted("lighttpd-relay-cgi"):
            return
        srv = lighttpd(os.path.join(CONF, "lighttpd-relay-cgi.conf"),
                       agent_url=self.up.url, fcgi_relay=RELAY)
        self.run_mode("lighttpd-relay-cgi", "lighttpd", srv.port, [srv.proc.pid],
                      srv, note="one exec per request")
        srv.stop()

    def apache_fcgid(self):
        if not self.wanted("apache-fcgid"):
            return
        srv = apache(os.path.join(CONF, "apache-fcgid.conf"), ["fcgid"],
                     agent_url=self.up.url, fcgi_relay=RELAY, procs=FCGID_PROCS)
        # mod_fcgid starts processes only as load arrives, and a request
        # that finds none idle sleeps a whole second (fcgid_bridge.c): warm
        # up longer and with more clients than measured, so the pool has
        # spare processes, as a sized production pool would.
        self.run_mode("apache-fcgid", "apache", srv.port, [srv.proc.pid],
                      note="FcgidMaxProcessesPerClass %d" % FCGID_PROCS,
                      warmup=max(self.args.warmup, FCGID_WARMUP),
                      warmup_conns=FCGID_PROCS)
        srv.stop()

    def apache_proxy_fcgi(self):
        if not self.wanted("apache-proxy-fcgi"):
            return
        d = g.make_dir("relaysock")
        shutil.chown(d, group=g.APACHE_USER)
        sock = os.path.join(d, "fcgi-relay.sock")
        relay = start_relay_listen(sock, self.up.url)
        srv = apache(g.example("apache", "fcgi-relay-proxy-fcgi.conf"),
                     ["proxy", "proxy_fcgi"], relay_socket=sock)
        self.run_mode("apache-proxy-fcgi", "apache", srv.port,
                      [srv.proc.pid, relay.pid], status=True,
                      note="examples/apache/fcgi-relay-proxy-fcgi.conf, "
                      "--listen unix, workers on demand")
        srv.stop()
        relay.stop()

    def redirect(self):
        if not self.wanted("lighttpd-cgi-redirect"):
            return
        srv = lighttpd(g.example("lighttpd", "cgi-redirect.conf"),
                       agent_url=self.up.url)
        # The answer must point at the upstream, and following it works.
        r = g.request(srv.port, "GET", SMALL)
        got, _ = g.follow(r)
        if r.status != 302 or got.status != 200 or len(got.body) != 100:
            raise RuntimeError("redirect: %r then %r" % (r, got))
        self.run_mode("lighttpd-cgi-redirect", "lighttpd", srv.port,
                      [srv.proc.pid], srv, paths=(SMALL,), sizes=(100,),
                      check=False)
        r = self.rows[-1]
        r["note"] = "302 alone"
        srv.stop()
        self.compose_follow(r)

    def compose_follow(self, redir):
        """A client that follows the redirect makes two requests in a row
        on each connection: the 302 and then the upstream itself. wrk cannot
        follow, so the end-to-end figures are composed from the two legs
        measured in this run: rate 1/(1/r1 + 1/r2), latency and CPU summed."""
        for body in ("small", "large"):
            leg2 = [x for x in self.rows if x["mode"] == "direct-upstream"
                    and x["body"] == body]
            if not leg2:
                continue
            d = leg2[0]
            rps = 1.0 / (1.0 / redir["rps"] + 1.0 / d["rps"])
            self.rows.append({
                "mode": "lighttpd-cgi-redirect-follow", "family": "lighttpd",
                "body": body, "rps": rps, "requests": 0,
                "p50_ms": redir["p50_ms"] + d["p50_ms"],
                "p99_ms": redir["p99_ms"] + d["p99_ms"],
                "mib_s": rps * (d["mib_s"] / d["rps"]) if d["rps"] else 0,
                "non2xx3xx": 0, "socket_errors": 0,
                "cpu_us_req": redir["cpu_us_req"],
                "upstream_cpu_us_req": d["cpu_us_req"], "spool_max": "",
                "other_cpu_pct": max(redir["other_cpu_pct"], d["other_cpu_pct"]),
                "idle_before_pct": "",
                "note": "composed: 302 leg + direct leg"})

    def seed(self):
        if not self.wanted("seed-aiohttp-relay"):
            return
        s = SeedRelay(self.up.url)
        self.run_mode("seed-aiohttp-relay", "direct", s.port, [s.proc.pid],
                      note="ClientSession per request, clients connect to it")
        s.stop()

    def behind_agent(self):
        paths, sizes = (AGENT_SMALL, AGENT_LARGE), (100, 256 << 10)
        if self.wanted("agent-lighttpd-proxy"):
            srv = lighttpd(os.path.join(CONF, "lighttpd-proxy.conf"),
                           up_port=self.agent.port)
            self.run_mode("agent-lighttpd-proxy", "agent-lighttpd", srv.port,
                          [srv.proc.pid, self.agent.proc.pid], srv, paths, sizes)
            srv.stop()
        if self.wanted("agent-apache-proxy-http"):
            srv = apache(os.path.join(CONF, "apache-proxy-http.conf"),
                         ["proxy", "proxy_http"], up_port=self.agent.port)
            self.run_mode("agent-apache-proxy-http", "agent-apache", srv.port,
                          [srv.proc.pid, self.agent.proc.pid], None, paths, sizes)
            srv.stop()
        if self.wanted("agent-lighttpd-fcgi-spawn"):
            srv = lighttpd(g.example("lighttpd", "fcgi-relay.conf"),
                           agent_url=self.agent.url, fcgi_relay=RELAY_STATUS)
            self.run_mode("agent-lighttpd-fcgi-spawn", "agent-lighttpd", srv.port,
                          [srv.proc.pid, self.agent.proc.pid], srv, paths, sizes,
                          status=True)
            srv.stop()

    # ------------------------------------------------------------ memory

    def memory(self):
        if not self.wanted("memory"):
            return
        srv = lighttpd(g.example("lighttpd", "fcgi-relay.conf"),
                       agent_url=self.up.url, fcgi_relay=RELAY)
        check_get(srv.port, SMALL, 200, 100)
        pids = relay_pids([srv.proc.pid])
        base = max((status_kib(p, "VmHWM") for p in pids), default=0)
        is_relay = lambda p: proc_name(p) == "fcgi-relay"  # noqa: E731
        for direction in ("down", "up"):
            poll = Poller(srv, [srv.proc.pid], is_relay)
            t0 = time.monotonic()
            ok = transfer_gib(srv.port, direction, GIB)
            secs = time.monotonic() - t0
            poll.stop()
            self.mem.append({
                "what": "fcgi-relay (lighttpd fastcgi, workers on demand)",
                "direction": direction, "bytes": GIB, "ok": ok,
                "seconds": round(secs, 2), "peak_rss_kib": poll.max_hwm_kib,
                "start_hwm_kib": base, "spool_max_bytes": poll.max_spool})
            log("  relay %-4s 1 GiB: %s in %.1f s, peak RSS %d KiB (after one "
                "request: %d KiB), lighttpd spooled at most %d bytes" % (
                    direction, "ok" if ok else "FAILED", secs, poll.max_hwm_kib,
                    base, poll.max_spool))
        srv.stop()
        # The reference: lighttpd's own mod_proxy, spool only.
        srv = lighttpd(os.path.join(CONF, "lighttpd-proxy.conf"), up_port=self.up.port)
        for direction in ("down", "up"):
            poll = Poller(srv, [srv.proc.pid])
            t0 = time.monotonic()
            ok = transfer_gib(srv.port, direction, GIB)
            secs = time.monotonic() - t0
            poll.stop()
            self.mem.append({
                "what": "lighttpd mod_proxy (reference)", "direction": direction,
                "bytes": GIB, "ok": ok, "seconds": round(secs, 2),
                "peak_rss_kib": poll.max_hwm_kib, "start_hwm_kib": "",
                "spool_max_bytes": poll.max_spool})
            log("  lighttpd mod_proxy %-4s 1 GiB: %s in %.1f s, lighttpd RSS "
                "%d KiB, spooled at most %d bytes" % (
                    direction, "ok" if ok else "FAILED", secs,
                    poll.max_hwm_kib, poll.max_spool))
        srv.stop()
        s = SeedRelay(self.up.url)
        poll = Poller(None, [s.proc.pid])
        t0 = time.monotonic()
        ok = transfer_gib(s.port, "down", SEED_BODY)
        secs = time.monotonic() - t0
        poll.stop()
        self.mem.append({
            "what": "seed aiohttp relay", "direction": "down",
            "bytes": SEED_BODY, "ok": ok, "seconds": round(secs, 2),
            "peak_rss_kib": poll.max_hwm_kib, "start_hwm_kib": "",
            "spool_max_bytes": ""})
        log("  seed relay down 512 MiB: %s in %.1f s, peak RSS %d KiB" % (
            "ok" if ok else "FAILED", secs, poll.max_hwm_kib))
        s.stop()

    # ----------------------------------------------------------- streams

    def streams(self):
        """What open, quiet event streams cost the relay, and whether each
        is served at once: for each count in STREAM_COUNTS, that many
        streams of the sample agent's /_/events (one event, then a pause)
        opened together through lighttpd and the spawned relay as the
        example starts it; the slowest first event, VmRSS and threads
        while all are open (after QUIET_STREAM_WAIT_S), and once they
        were closed and the idle workers had time to retire."""
        if not self.wanted("streams"):
            return
        srv = lighttpd(g.example("lighttpd", "fcgi-relay.conf"),
                       agent_url=self.agent.url, fcgi_relay=RELAY)
        check_get(srv.port, "/warm", 200, None)
        pid = relay_pids([srv.proc.pid])[0]
        time.sleep(2)
        for count in STREAM_COUNTS:
            self.stream_count(srv.port, pid, count)
        srv.stop()

    def stream_count(self, port, pid, count):
        rss0, thr0 = status_kib(pid, "VmRSS"), threads_of(pid)
        socks, slowest = open_streams(port, count)
        time.sleep(QUIET_STREAM_WAIT_S)
        rss1, thr1 = status_kib(pid, "VmRSS"), threads_of(pid)
        for s in socks:
            s.close()
        retire_by = time.monotonic() + WORKER_RETIRE_WAIT_S
        while threads_of(pid) > thr0 and time.monotonic() < retire_by:
            time.sleep(1)
        rss2, thr2 = status_kib(pid, "VmRSS"), threads_of(pid)
        per = (rss1 - rss0) / count
        self.mem.append({
            "what": "fcgi-relay, %d quiet event streams" % count,
            "direction": "streams", "bytes": 0, "ok": slowest is not None,
            "seconds": round(slowest, 3) if slowest is not None else "",
            "peak_rss_kib": round(per, 1), "start_hwm_kib": rss0,
            "spool_max_bytes": "", "streams": count, "rss_open_kib": rss1,
            "rss_after_kib": rss2, "threads_idle": thr0,
            "threads_open": thr1, "threads_after": thr2})
        log("  relay, %d quiet streams: slowest first event %s; VmRSS %d KiB "
            "idle, %d open (%.1f KiB a stream), %d after; threads %d idle, "
            "%d open, %d after" % (
                count, "%.3f s" % slowest if slowest is not None else
                "NOT ALL ARRIVED", rss0, rss1, per, rss2, thr0, thr1, thr2))

    # ---------------------------------------------------------- start-up

    def startup(self):
        """hyperfine runs its commands one after the other, so a change in
        the machine's load lands on one program only: run it twice, in
        opposite orders, and pool the times of both rounds."""
        if not self.wanted("startup"):
            return
        progs = [os.path.join(OUT, "min302"), REDIRECT,
                 os.path.join(OUT, "min302-curl")]
        times = {p: [] for p in progs}
        cpu = {p: [] for p in progs}
        runs = max(1, self.args.hyperfine_runs // 2)
        for rnd, order in enumerate((progs, progs[::-1])):
            js = os.path.join(OUT, "hyperfine-%d.json" % rnd)
            argv = [os.path.join(HERE, "cgi-env.sh"), "hyperfine", "-N",
                    "--warmup", "200", "--runs", str(runs),
                    "--export-json", js] + order
            subprocess.run(argv, capture_output=True, timeout=600, check=True)
            with open(js) as f:
                for prog, r in zip(order, json.load(f)["results"]):
                    times[prog] += r["times"]
                    cpu[prog].append(r["user"] + r["system"])
        for prog in progs:
            t = times[prog]
            mean = sum(t) / len(t)
            self.rows.append({
                "mode": "startup-" + os.path.basename(prog), "family": "startup",
                "body": "", "rps": 1.0 / mean, "requests": len(t),
                "p50_ms": percentile(t, 50) * 1000, "p99_ms": percentile(t, 99) * 1000,
                "mib_s": 0, "non2xx3xx": 0, "socket_errors": 0,
                "cpu_us_req": sum(cpu[prog]) / len(cpu[prog]) * 1e6,
                "upstream_cpu_us_req": 0,
                "spool_max": "", "other_cpu_pct": "", "idle_before_pct": "",
                "note": "hyperfine -N, 2 rounds in opposite orders, mean %.3f ms"
                % (mean * 1000)})
            log("  %-28s mean %.3f ms  median %.3f ms" % (
                os.path.basename(prog), mean * 1000, percentile(t, 50) * 1000))


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))] if xs else 0.0


def transfer_gib(port, direction, size):
    """Moves size bytes through port: "down" reads GET /bytes/size and
    drops it, "up" POSTs size zero bytes. True when all arrived."""
    buf = bytearray(1 << 20)
    deadline = time.monotonic() + MEM_XFER_TIMEOUT
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        if direction == "down":
            s.sendall(b"GET /bytes/%d HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Connection: close\r\n\r\n" % size)
            got, head = 0, b""
            while b"\r\n\r\n" not in head:
                piece = s.recv(65536)
                if not piece:
                    return False
                head += piece
            got = len(head.split(b"\r\n\r\n", 1)[1])
            ok = head.startswith(b"HTTP/1.1 200")
            view = memoryview(buf)
            while time.monotonic() < deadline:
                n = s.recv_into(view)
                if n == 0:
                    break
                got += n
            return ok and got == size
        s.sendall(b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Content-Type: application/octet-stream\r\n"
                  b"Content-Length: %d\r\nConnection: close\r\n\r\n" % size)
        left = size
        while left > 0 and time.monotonic() < deadline:
            n = min(left, len(buf))
            s.sendall(memoryview(buf)[:n])
            left -= n
        r = g.read_response(s, "POST", timeout=max(1.0, deadline - time.monotonic()))
        return left == 0 and r.status == 200


# --------------------------------------------------------------- output

FIELDS = ["date", "mode", "family", "body", "rps", "p50_ms", "p99_ms", "mib_s",
          "cpu_us_req", "prog_cpu_us_req", "upstream_cpu_us_req", "ratio_own_proxy",
          "ratio_lighttpd_proxy", "requests", "non2xx3xx", "socket_errors",
          "spool_max", "other_cpu_pct", "idle_before_pct", "relay_requests",
          "relay_503", "relay_failures", "agent_reuse_pct", "note"]


def add_ratios(rows):
    def ref(mode, body):
        for r in rows:
            if r["mode"] == mode and r["body"] == body:
                return r["rps"]
        return None

    own = {"lighttpd": "lighttpd-proxy", "apache": "apache-proxy-http",
           "direct": "lighttpd-proxy", "agent": "agent-lighttpd-proxy",
           "agent-lighttpd": "agent-lighttpd-proxy",
           "agent-apache": "agent-apache-proxy-http"}
    for r in rows:
        if r["family"] == "startup":
            base = [x for x in rows if x["mode"] == "startup-min302"]
            r["ratio_own_proxy"] = round(base[0]["p50_ms"] / r["p50_ms"], 3) \
                if base and r["p50_ms"] else ""
            r["ratio_lighttpd_proxy"] = ""
            continue
        o = ref(own.get(r["family"], ""), r["body"])
        lp = ref("agent-lighttpd-proxy" if r["family"].startswith("agent")
                 else "lighttpd-proxy", r["body"])
        r["ratio_own_proxy"] = round(r["rps"] / o, 3) if o else ""
        r["ratio_lighttpd_proxy"] = round(r["rps"] / lp, 3) if lp else ""


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass

    def first_line(argv):
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=10)
            return (p.stdout or p.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "?"

    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
        "lighttpd": first_line([g.LIGHTTPD, "-v"]),
        "apache": first_line([g.APACHE, "-v"]),
        "wrk": first_line(["wrk", "-v"]),
        "relay": " / ".join(subprocess.run([RELAY, "--version"], capture_output=True,
                                           text=True).stdout.strip().splitlines()),
        "python": sys.version.split()[0],
    }


def write_csv(rows, mem, info):
    path = os.path.join(OUT, "results.csv")
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, FIELDS, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            r = dict(r, date=info["date"])
            for k in ("rps", "p50_ms", "p99_ms", "mib_s", "cpu_us_req",
                      "prog_cpu_us_req", "upstream_cpu_us_req"):
                if isinstance(r.get(k), float):
                    r[k] = round(r[k], 3)
            w.writerow(r)
    mpath = os.path.join(OUT, "memory.csv")
    with open(mpath, "w", newline="") as f:
        cols = ["what", "direction", "bytes", "ok", "seconds", "peak_rss_kib",
                "start_hwm_kib", "spool_max_bytes", "streams", "rss_open_kib",
                "rss_after_kib", "threads_idle", "threads_open",
                "threads_after"]
        w = csv.DictWriter(f, cols, restval="")
        w.writeheader()
        for m in mem:
            w.writerow(m)
    with open(os.path.join(OUT, "machine.json"), "w") as f:
        json.dump(info, f, indent=1)
    return path


def chart(rows, info):
    """Requests/s ratio to the server's own proxy, per mode, small vs
    large (bench/out/bench.png)."""
    modes = []
    for r in rows:
        # The bare upstream (9x) is not a way through a web server and
        # would flatten every other bar.
        if r["family"] != "startup" and r["mode"] != "direct-upstream" and \
                r["mode"] not in modes:
            modes.append(r["mode"])
    dat = os.path.join(OUT, "chart.dat")
    with open(dat, "w") as f:
        for m in modes:
            v = {r["body"]: r["ratio_own_proxy"] for r in rows if r["mode"] == m}
            f.write('"%s" %s %s\n' % (m, v.get("small", "") or "-",
                                      v.get("large", "") or "-"))
    png = os.path.join(OUT, "bench.png")
    script = """
set terminal pngcairo size 1400,700 noenhanced font ",10"
set output "%s"
set title "agent-gateway: requests/s relative to the server's own mod_proxy (same run)\\n%s, %d x %s, wrk -t1 -c%d"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set datafile missing "-"
set ylabel "ratio to own mod_proxy (lighttpd or Apache)"
set yrange [0:2.5]
set rmargin 14
set bmargin 9
set grid ytics
set xtics rotate by -35 left
set key top right
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2 lc rgb "black"
plot "%s" using 2:xtic(1) title "100 B", "" using 3 title "256 KiB"
""" % (png, info["date"], info["nproc"], info["cpu"], CONNECTIONS, dat)
    gp = os.path.join(OUT, "chart.gp")
    with open(gp, "w") as f:
        f.write(script)
    p = subprocess.run(["gnuplot", gp], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        log("bench: gnuplot failed: %s" % p.stderr.strip())
    return png


def print_table(rows, mem, info):
    log("\nagent-gateway benchmark, %s" % info["date"])
    log("machine: %d CPUs, %s, Linux %s" % (info["nproc"], info["cpu"], info["kernel"]))
    log("versions: %s; %s; %s; %s; Python %s" % (
        info["lighttpd"], info["apache"], info["wrk"], info["relay"], info["python"]))
    log("wrk -t1 -c%d; ratio = requests/s over the same server's own proxy "
        "in this run; vs lp = over lighttpd's mod_proxy;\nother = CPU used by "
        "processes this run did not start, %% of all CPUs (high: figures "
        "disturbed)\n" % CONNECTIONS)
    hdr = "%-30s %-5s %9s %8s %8s %9s %8s %7s %6s %6s %6s %s" % (
        "mode", "body", "req/s", "p50 ms", "p99 ms", "MiB/s", "CPU us",
        "prog us", "ratio", "vs lp", "other", "errors")
    log(hdr)
    log("-" * len(hdr))
    for r in rows:
        if r["family"] == "startup":
            continue
        errs = r["non2xx3xx"] + r["socket_errors"]
        prog = r.get("prog_cpu_us_req", "")
        log("%-30s %-5s %9.0f %8.2f %8.2f %9.1f %8.0f %7s %6s %6s %6s %s" % (
            r["mode"], r["body"], r["rps"], r["p50_ms"], r["p99_ms"], r["mib_s"],
            r["cpu_us_req"], "%.0f" % prog if prog != "" else "",
            r["ratio_own_proxy"], r["ratio_lighttpd_proxy"],
            "%.0f%%" % r["other_cpu_pct"] if r.get("other_cpu_pct") != "" and
            "other_cpu_pct" in r else "", errs or ""))
    counted = [r for r in rows if r.get("relay_status")]
    if counted:
        log("\nwhat the relay counted in each run (its status page, read "
            "before and after):")
        for r in counted:
            log("  %-28s %-5s %s" % (r["mode"], r["body"], r["relay_status"]))
    st = [r for r in rows if r["family"] == "startup"]
    if st:
        log("\nCGI start-up (hyperfine -N, CGI environment of bench/cgi-env.sh):")
        for r in st:
            log("  %-22s median %.3f ms  %s  speed vs min302 %s" % (
                r["mode"][8:], r["p50_ms"], r["note"], r["ratio_own_proxy"]))
    if mem:
        log("\nmemory:")
        for m in mem:
            if m["direction"] == "streams":
                log("  %s: slowest first event %s, %.1f KiB a stream; VmRSS "
                    "%d KiB idle, %d open, %d after; threads %d / %d / %d" % (
                        m["what"], "%.3f s" % m["seconds"] if m["ok"]
                        else "NOT ALL ARRIVED", m["peak_rss_kib"],
                        m["start_hwm_kib"], m["rss_open_kib"],
                        m["rss_after_kib"], m["threads_idle"],
                        m["threads_open"], m["threads_after"]))
                continue
            log("  %-42s %-4s %5d MiB %s %6.1f s  peak RSS %7d KiB  spooled %s" % (
                m["what"], m["direction"], m["bytes"] >> 20,
                "ok    " if m["ok"] else "FAILED", m["seconds"], m["peak_rss_kib"],
                m["spool_max_bytes"]))


def raise_fd_limit():
    """1000 streams hold about 2000 sockets here and as many in the agent
    and lighttpd, which inherit the limit: the soft limit up to the hard."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > 65536:
        hard = 65536
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main():
    raise_fd_limit()
    p = argparse.ArgumentParser(description="agent-gateway benchmark")
    p.add_argument("--seconds", type=int,
                   default=int(os.environ.get("BENCH_SECONDS") or 10),
                   help="wrk duration per measurement (BENCH_SECONDS)")
    p.add_argument("--warmup", type=int, default=2, help="wrk warm-up seconds")
    p.add_argument("--hyperfine-runs", type=int, default=HYPERFINE_RUNS)
    p.add_argument("--only", help="regex: run only the modes it matches "
                   "(also 'memory', 'streams', 'startup')")
    p.add_argument("--no-install", action="store_true",
                   help="do not apt-get install missing tools")
    p.add_argument("--replot", action="store_true",
                   help="redraw bench.png from the results.csv in the out dir")
    args = p.parse_args()
    if args.replot:
        with open(os.path.join(OUT, "results.csv")) as f:
            rows = list(csv.DictReader(f))
        with open(os.path.join(OUT, "machine.json")) as f:
            info = json.load(f)
        log("wrote %s" % chart(rows, info))
        return
    if not 1 <= args.seconds <= 300:
        sys.exit("bench: --seconds must be 1..300")
    ensure_tools(not args.no_install)
    build_helpers()
    info = machine()
    log("bench: %ds per measurement after %ds warm-up, %d connections" % (
        args.seconds, args.warmup, CONNECTIONS))
    b = Bench(args)
    try:
        for step in (b.direct, b.lighttpd_proxy, b.apache_proxy,
                     b.lighttpd_fcgi_spawn, b.lighttpd_fcgi_listen,
                     b.apache_fcgid, b.apache_proxy_fcgi, b.lighttpd_relay_cgi,
                     b.fcgi_hello, b.redirect, b.seed, b.behind_agent,
                     b.memory, b.streams, b.startup):
            log("bench: %s" % step.__name__)
            step()
    finally:
        g._cleanup()
    add_ratios(b.rows)
    path = write_csv(b.rows, b.mem, info)
    png = chart(b.rows, info)
    print_table(b.rows, b.mem, info)
    log("\nwrote %s, %s, %s" % (path, os.path.join(OUT, "memory.csv"), png))


if __name__ == "__main__":
    main()
