#!/usr/bin/python3
"""The relay's status page (status_path) through lighttpd: after a bounded
load of 200 requests from 8 threads (200, 3xx, 404, 500 from the agent,
502 for its duplicate Content-Length, POST bodies), the counters equal what
the clients saw, class by class, cause by cause, byte for byte; the status
requests themselves are counted as accepted and as local answers, never
in the answer classes. Plain text, JSON (?json) and Prometheus text
(?prometheus, ?openmetrics) show the same numbers, and no setting's
value. HEAD has no body; POST is refused."""
import json
import os
import subprocess

import gwtest as g
import faultkit as fk
from fcgipeer import ask, base_params
from prometheus_client.parser import text_string_to_metric_families

STATUS = "/relay-status"
N, THREADS = 200, 8


def relay_cmd(*args):
    return " ".join([fk.relay_path(), "--status-path", STATUS] + list(args))


def one(srv, i):
    """Request i of the load: (status, body length, POST body length, is 502
    from the relay)."""
    kind = i % 8
    if kind == 0:
        body = b"b" * (100 + i)
        r = g.fetch(srv.port, "POST", "/upload/%d" % i, body=body,
                    headers=[("Content-Type", "application/octet-stream")])
        return r.status, len(r.body), len(body), False
    target = {4: "/_/status/404", 5: "/_/status/500", 6: "/_/raw/dup-cl",
              7: "/_/status/302"}.get(kind, "/page/%d" % i)
    r = g.fetch(srv.port, "GET", target)
    return r.status, len(r.body), 0, kind == 6


CALLS = {"status": 0}


def status(srv, query=""):
    CALLS["status"] += 1
    return g.fetch(srv.port, "GET", STATUS + query)


def quiet_json(srv):
    """The JSON page once only the status request itself is in flight
    (a finished request leaves the pool's count just after its answer)."""
    def read():
        r = status(srv, "?json")
        d = json.loads(r.body)
        return d if d["requests_in_flight"] == 1 else None
    return fk.wait_for(read, 5)


def check_counts(d, seen, local_before):
    classes = {"none": 0, "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0}
    for st, _, _, _ in seen:
        classes["%dxx" % (st // 100) if st else "none"] += 1
    g.eq(d["answers"], classes, "answers by class equal what the clients saw")
    g.eq(d["requests_total"], N + local_before + 1,
         "accepted: the load, earlier status requests and this one")
    g.eq(d["local_answers_total"], local_before,
         "local answers: the earlier status requests")
    relayed_502 = sum(1 for s in seen if s[3])
    g.eq(d["causes"]["bad_response"], relayed_502,
         "cause bad_response: the duplicate Content-Length answers")
    g.eq(d["causes"]["ok"], N - relayed_502, "cause ok: every other request")
    g.eq(sum(d["causes"].values()), N, "one cause per relayed request")
    g.eq(d["answer_body_bytes_total"],
         sum(s[1] for s in seen if not s[3]),
         "answer body bytes: the agent's bodies the clients got")
    g.eq(d["request_body_bytes_total"], sum(s[2] for s in seen),
         "request body bytes: the POST bodies")
    g.eq(d["max_workers_reached_total"], 0, "cap never hit")
    g.eq(d["streams"], 0, "no answer streaming once all ended")


def check_formats(srv, d, agent):
    r = status(srv, "?prometheus")
    g.eq(r.status, 200, "?prometheus: 200")
    g.ok(r.header("Content-Type", "").startswith("text/plain; version=0.0.4"),
         "?prometheus: exposition format 0.0.4", r.header("Content-Type"))
    fams = {f.name: f for f in text_string_to_metric_families(
        r.body.decode())}
    g.ok("fcgi_relay_requests" in fams and
         fams["fcgi_relay_requests"].type == "counter",
         "prometheus: requests_total is a counter", sorted(fams))
    sample = {(s.name, tuple(sorted(s.labels.items()))): s.value
              for f in fams.values() for s in f.samples}
    g.eq(sample[("fcgi_relay_requests_total", ())], d["requests_total"] + 1,
         "prometheus: accepted one more than the JSON page (itself)")
    g.eq(sample[("fcgi_relay_answers_total", (("class", "5xx"),))],
         d["answers"]["5xx"], "prometheus: 5xx as in JSON")
    g.eq(sample[("fcgi_relay_outcomes_total", (("cause", "bad_response"),))],
         d["causes"]["bad_response"], "prometheus: bad_response as in JSON")
    g.eq(status(srv, "?openmetrics").status, 200, "?openmetrics: 200")
    t = status(srv)
    g.eq(t.header("Content-Type"), "text/plain; charset=utf-8",
         "default: plain text")
    lines = dict(ln.rsplit(None, 1) for ln in t.body.decode().splitlines())
    g.eq(int(lines["answers 4xx"]), d["answers"]["4xx"], "text: 4xx as in JSON")
    g.eq(t.header("Cache-Control"), "no-store", "status page: no-store")
    pages = [status(srv, q).body for q in ("", "?json", "?prometheus")]
    port = agent.url.rsplit(":", 1)[1].encode()
    g.ok(not any(port in p or STATUS.encode() in p or b"127.0.0.1" in p
                 for p in pages), "no setting's value on any page")


def ss_listen_queue(path):
    """(Recv-Q, Send-Q) that ss reports for the listening Unix socket at
    path: for a socket in LISTEN, its accept queue and the queue's limit."""
    out = subprocess.run(["ss", "-xlnH"], capture_output=True, text=True,
                         timeout=10).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 5 and f[4].startswith(path):  # lighttpd adds "-0"
            return int(f[2]), int(f[3])
    return None


def tcp_part(agent):
    """--listen on TCP: the queue as TCP_INFO gives it, the same as ss."""
    port = g.free_port()
    relay, addr, _ = fk.start_relay(agent, 0, listen="127.0.0.1:%d" % port,
                                    args=("--status-path", STATUS))
    status, out = ask(("127.0.0.1", port), base_params(STATUS.encode() + b"?json"))
    d = json.loads(out.split(b"\r\n\r\n", 1)[1]) if status == 200 else {}
    ss = subprocess.run(["ss", "-ltnH", "sport = :%d" % port],
                        capture_output=True, text=True, timeout=10).stdout.split()
    want = (int(ss[1]), int(ss[2])) if len(ss) >= 3 else None
    g.eq((d.get("listen_queue"), d.get("listen_backlog")), want,
         "--listen TCP: listen queue and backlog as ss reports them")
    relay.stop()


def main():
    agent = g.start_agent()
    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=agent.url,
                           fcgi_relay=relay_cmd())
    pid = fk.wait_for(lambda: fk.relay_pids(agent.url), 5)[0]
    first = status(srv, "?json")
    g.eq(first.status, 200, "status page answered")
    g.eq(first.header("Content-Type"), "application/json", "?json: JSON")
    d0 = json.loads(first.body)
    g.eq(d0["requests_total"], 1, "fresh relay: this request only")
    want = ss_listen_queue(os.path.join(srv.rundir, "fcgi-relay.sock"))
    g.eq((d0.get("listen_queue"), d0.get("listen_backlog")), want,
         "listen queue and backlog: as ss reports them for the socket")
    g.eq(agent.stats()["requests"], 0, "the agent never saw the status page")
    seen = []
    for part in fk.parallel(THREADS, lambda t: [one(srv, i) for i in
                                                range(t, N, THREADS)]):
        g.ok(isinstance(part, list), "load thread finished", part)
        seen += part if isinstance(part, list) else []
    g.eq(len(seen), N, "every load request answered")
    g.ok(all(s[0] for s in seen), "no failed exchange")
    d = quiet_json(srv)
    g.ok(d is not None, "status page quiet after the load")
    check_counts(d, seen, CALLS["status"] - 1)
    g.eq(d["agent_connections"], d["agent_connections_idle"],
         "at rest every agent connection is idle")
    g.eq(d["agent_connections"], fk.agent_conns(pid, agent.url),
         "agent connections: the relay's sockets to the agent")
    g.ok(d["agent_connections"] >= 1, "agent connections kept")
    # less this test's own two connections to /_/stats, this one included
    g.eq(d["agent_connections_opened_total"],
         agent.stats()["connections_accepted"] - 2,
         "agent connections made: as many as the agent accepted from it")
    g.ok(d["workers"] >= 1 and d["workers_idle"] <= d["workers"],
         "workers alive and idle", d["workers"], d["workers_idle"])
    check_formats(srv, d, agent)
    h = g.fetch(srv.port, "HEAD", STATUS)
    g.eq((h.status, h.body), (200, b""), "HEAD: 200 without a body")
    p = g.fetch(srv.port, "POST", STATUS, body=b"x")
    g.eq(p.status, 405, "POST to the status page: 405")
    near = g.fetch(srv.port, "GET", STATUS + "/x")
    g.eq(near.status, 200, "a path below status_path goes to the agent")
    g.eq(near.json()["path"], STATUS + "/x", "... and the agent got it")
    tcp_part(agent)


g.run(main)
