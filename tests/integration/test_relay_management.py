#!/usr/bin/python3
"""FastCGI management records (request id 0: FCGI_GET_VALUES, the web
server's query of the application's limits) are answered by the relay,
never by libfcgi. libfcgi builds its answer in a 64-byte stack buffer:
a FCGI_GET_VALUES naming FCGI_MPXS_CONNS a few thousand times overran it
and the relay died (SIGABRT, every stream with it); its padding carried
bytes of its stack; and a query whose record has no padding went
unanswered until more bytes came. No web server of the examples sends
such records, but a standalone relay's socket takes them from any peer
that can connect.

Standalone relay, --max-workers 3, a raw FastCGI peer:
- FCGI_GET_VALUES first on a connection, for name sets whose answers
  need 0, 5, 6 or 7 padding bytes (also query records without padding): each
  answered with FCGI_GET_VALUES_RESULT, each known name once with the
  relay's values (3, 3, 0), unknown names left out, padding zero;
- a name repeated 100 times (within the relay's 8 KiB look) is answered
  once; one repeated 3001 times (51 KB, past it) closes the connection;
  an event stream begun before both flows on to its end, and the relay
  is still running;
- a query then a request on the same connection: both answered; a kept
  connection (FCGI_KEEP_CONN) with a query between two requests: all
  three answered;
- a management record of an unknown type: FCGI_UNKNOWN_TYPE naming it;
- a malformed query (a name longer than the record): connection closed;
- a management record between FCGI_BEGIN_REQUEST and the parameters:
  the connection is closed with a warning naming it, and the relay
  serves on."""
import socket
import struct
import time

import gwtest as g
import faultkit as fk
from fcgipeer import (KEEP_CONN, Stream, ask, base_params, begin, pair,
                      params_records, read_records, record, status_of,
                      stdin_records)

GET_VALUES, GET_VALUES_RESULT, UNKNOWN_TYPE = 9, 10, 11
WORKERS = 3
NAMES = (b"FCGI_MAX_CONNS", b"FCGI_MAX_REQS", b"FCGI_MPXS_CONNS")
VALUES = {b"FCGI_MAX_CONNS": b"%d" % WORKERS,
          b"FCGI_MAX_REQS": b"%d" % WORKERS, b"FCGI_MPXS_CONNS": b"0"}


def query(names):
    return record(GET_VALUES, b"".join(pair(n, b"") for n in names), req_id=0)


def parse_records(buf):
    """[(type, request id, content, padding)] of the whole records in
    buf."""
    recs = []
    while len(buf) >= 8:
        _, kind, rid, clen, pad = struct.unpack(">BBHHBx", buf[:8])
        if len(buf) < 8 + clen + pad:
            break
        recs.append((kind, rid, buf[8:8 + clen], buf[8 + clen:8 + clen + pad]))
        buf = buf[8 + clen + pad:]
    return recs


def pairs(content):
    out, at = [], 0
    while at + 2 <= len(content):
        nl, vl = content[at], content[at + 1]
        out.append((content[at + 2:at + 2 + nl],
                    content[at + 2 + nl:at + 2 + nl + vl]))
        at += 2 + nl + vl
    return out


def read_until(s, enough, timeout=5):
    """Reads until enough(records) or EOF or timeout: (records, eof)."""
    buf, end = b"", time.monotonic() + timeout
    while time.monotonic() < end:
        if enough(parse_records(buf)):
            break
        s.settimeout(max(0.05, end - time.monotonic()))
        try:
            piece = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            return parse_records(buf), True
        if not piece:
            return parse_records(buf), True
        buf += piece
    return parse_records(buf), False


def ask_values(addr, data, want=1):
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(addr)
        s.sendall(data)
        recs, _ = read_until(s, lambda r: len(r) >= want)
    return recs


def good_answer(recs, asked):
    """One FCGI_GET_VALUES_RESULT with each known name asked, once, with
    the relay's value, and zero padding."""
    want = sorted((n, VALUES[n]) for n in set(asked) if n in VALUES)
    return (len(recs) == 1 and recs[0][:2] == (GET_VALUES_RESULT, 0) and
            sorted(pairs(recs[0][2])) == want and
            recs[0][3] == b"\0" * len(recs[0][3]) and
            (len(recs[0][2]) + len(recs[0][3])) % 8 == 0)


def name_sets():
    sets = []
    for k in range(0, 4):
        for i in range(len(NAMES)):
            names = (NAMES[i:] + NAMES[:i])[:k]
            for extra in ((), (b"X_UNKNOWN",), (b"X_UNKNOWN_NAME_TOO",)):
                sets.append(names + extra)
    return sets


def values_part(addr):
    bad, pads, unpadded = [], set(), 0
    for names in name_sets():
        recs = ask_values(addr, query(names))
        if not good_answer(recs, names):
            bad.append((names, recs))
        else:
            pads.add(len(recs[0][3]))
        unpadded += len(b"".join(pair(n, b"") for n in names)) % 8 == 0
    g.ok(not bad and unpadded > 0, "%d FCGI_GET_VALUES first on a connection "
         "(%d of them records without padding; answers with padding %s): "
         "each known name once with the relay's value, zero padding" % (
             len(name_sets()), unpadded, sorted(pads)), repr(bad[:3]))


def repeat_part(addr, logp):
    stream = Stream(addr, 6, 0.3)
    recs = ask_values(addr, query([b"FCGI_MPXS_CONNS"] * 100))
    g.ok(good_answer(recs, [b"FCGI_MPXS_CONNS"]),
         "a name repeated 100 times: answered once", repr(recs))
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(addr)
        try:
            s.sendall(query([b"FCGI_MPXS_CONNS"] * 3001))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the relay may close once it saw the record's length
        recs, eof = read_until(s, lambda r: False)
    g.ok(eof and not recs, "a name repeated 3001 times (a record past the "
         "relay's 8 KiB look): the connection is closed unanswered",
         repr(recs[:2]))
    events = stream.read_for(10)
    stream.close()
    g.ok(events == 6 and stream.ended, "an event stream begun before both "
         "flows on to its end (%d of 6 events)" % events,
         open(logp, encoding="latin-1").read()[-800:])


def sequence_part(addr):
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(addr)
        s.sendall(query(NAMES) + begin() +
                  params_records(base_params(b"/after-query")) +
                  stdin_records(b""))
        recs, _ = read_until(s, lambda r: any(x[0] == 3 for x in r))
    out = b"".join(x[2] for x in recs if x[:2] == (6, 1))
    g.ok(good_answer([x for x in recs if x[1] == 0], NAMES) and
         status_of(out) == 200,
         "a query then a request on one connection: both answered",
         repr(recs[:2]))
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(addr)
        req = (begin(flags=KEEP_CONN) + params_records(base_params(b"/kept")) +
               stdin_records(b""))
        got = []
        s.sendall(req)
        out, ended = read_records(s, time.monotonic() + 10)
        got.append(status_of(out) if ended else None)
        s.sendall(query(NAMES))
        recs, _ = read_until(s, lambda r: len(r) >= 1)
        got.append(good_answer(recs, NAMES))
        s.sendall(req)
        out, ended = read_records(s, time.monotonic() + 10)
        got.append(status_of(out) if ended else None)
    g.eq(got, [200, True, 200], "a kept connection: a request, a query, "
         "a request: all answered")


def odd_part(addr, logp):
    recs = ask_values(addr, record(12, b"abc", req_id=0))
    g.ok(len(recs) == 1 and recs[0][:3] == (UNKNOWN_TYPE, 0, b"\x0c" + b"\0" * 7),
         "a management record of unknown type 12: FCGI_UNKNOWN_TYPE naming it",
         repr(recs))
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(addr)
        s.sendall(record(GET_VALUES, b"\x20\x00FCGI_MAX_CONNS", req_id=0))
        recs, eof = read_until(s, lambda r: False)
    g.ok(eof and not recs, "a query whose name runs past its record: the "
         "connection is closed unanswered", repr(recs))
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(addr)
        s.sendall(begin() + query(NAMES) +
                  params_records(base_params(b"/inside")) + stdin_records(b""))
        recs, eof = read_until(s, lambda r: False)
    log = open(logp, encoding="latin-1").read()
    g.ok(eof and not recs and "management record inside a request head" in log,
         "a query between FCGI_BEGIN_REQUEST and the parameters: the "
         "connection is closed, and the log says why", repr(recs), log[-600:])


def main():
    g.need_file(fk.relay_path(), "fcgi-relay (build it first)")
    agent = g.start_agent()
    relay, addr, logp = fk.start_relay(agent, WORKERS)
    values_part(addr)
    repeat_part(addr, logp)
    sequence_part(addr)
    odd_part(addr, logp)
    st, _ = ask(addr, base_params(b"/after"))
    g.eq(st, 200, "the relay serves on")
    g.ok(relay.poll() is None, "the relay is still running",
         open(logp, encoding="latin-1").read()[-800:])
    relay.stop()
    agent.stop()


g.run(main)
