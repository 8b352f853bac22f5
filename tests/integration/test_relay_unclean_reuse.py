#!/usr/bin/python3
"""No client ever gets another client's answer from a reused agent
connection (issue 12 item 1): a keep-alive agent that writes past the end
of an answer -- a body after the head of a HEAD answer (in a second
write), a body after a 204, more than its Content-Length -- leaves bytes
on the idle connection that read as the next request's answer (here a
whole forged answer carrying a stolen cookie). The relay must refuse to
reuse such a connection: after each poisoning request, 100 requests
through lighttpd (the shipped example) each get exactly their own answer,
and the relay logs that the connection was not reused. Each answer names
its request by path and by the client's own cookie."""
import os
import socketserver
import threading
import time

import gwtest as g
import faultkit as fk

ROUNDS = 100
FORGED = (b"HTTP/1.1 200 OK\r\nContent-Length: 27\r\n\r\n"
          b"STOLEN session=victim-0001\n")


def mine(target, cookie):
    """The answer that names its request: path and the client's cookie."""
    return b"mine " + target + b" cookie=" + cookie + b"\n"


def one(port, target, cookie):
    """(target, status, body) when the answer is not this client's own."""
    r = g.fetch(port, "GET", target, headers=[("Cookie", cookie)])
    want = mine(target.encode(), cookie.encode())
    return None if (r.status, r.body) == (200, want) else (
        target, r.status, r.reason, r.body[:60])


def answer(body):
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


class Agent(socketserver.ThreadingTCPServer):
    """HTTP/1.1 keep-alive, one request after another on a connection,
    bodiless requests only; /poison/* answers and then writes FORGED."""
    daemon_threads = True
    allow_reuse_address = True


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        buf = b""
        s = self.request
        while True:
            while b"\r\n\r\n" not in buf:
                try:
                    chunk = s.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                buf += chunk
            head, buf = buf.split(b"\r\n\r\n", 1)
            method, target = head.split(b" ")[:2]
            cookie = b""
            for line in head.split(b"\r\n")[1:]:
                if line.lower().startswith(b"cookie:"):
                    cookie = line.split(b":", 1)[1].strip()
            if not self.reply(s, method, target, cookie):
                return

    def reply(self, s, method, target, cookie):
        try:
            # The surplus comes in a second write, after the answer was
            # taken: in the same read libcurl sees the excess itself.
            if target == b"/poison/head":
                # the head of a HEAD answer, then a body
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 27\r\n\r\n")
            elif target == b"/poison/204":
                s.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
            elif target == b"/poison/cl":
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            elif method == b"HEAD":
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n")
            else:
                s.sendall(answer(mine(target, cookie)))
            if target.startswith(b"/poison/"):
                time.sleep(0.05)
                s.sendall(FORGED)
        except OSError:
            return False
        return True


def main():
    agent_srv = Agent(("127.0.0.1", 0), Handler)
    threading.Thread(target=agent_srv.serve_forever, daemon=True).start()
    agent_url = "http://127.0.0.1:%d" % agent_srv.server_address[1]
    srv = g.start_lighttpd("fcgi-relay.conf", agent_url=agent_url,
                           fcgi_relay=fk.relay_path())
    for poison, method, want in (("/poison/head", "HEAD", 200),
                                 ("/poison/204", "GET", 204),
                                 ("/poison/cl", "GET", 200)):
        r = g.fetch(srv.port, method, poison)
        g.eq(r.status, want, "%s: the poisoning answer itself (%s)" % (poison, method))
        # the surplus bytes are on the agent connection before the next
        # request comes (the relay cannot see bytes still on their way)
        time.sleep(0.3)
        name = poison.rsplit("/", 1)[1]
        # one client after another: the next request takes the most
        # recently used agent connection, the poisoned one
        wrong = [w for w in (one(srv.port, "/c/%s/%d" % (name, i),
                                 "session=%s-%d" % (name, i))
                             for i in range(ROUNDS)) if w]
        g.eq(wrong[:10], [], "after %s: %d clients one after another each get "
             "their own answer (path and cookie)" % (poison, ROUNDS))
        r = g.fetch(srv.port, method, poison)
        time.sleep(0.3)
        # and four at a time, over several kept agent connections
        got = fk.parallel(4, lambda k: [w for w in (
            one(srv.port, "/p/%s/%d/%d" % (name, k, i),
                "session=%s-%d-%d" % (name, k, i))
            for i in range(ROUNDS // 4)) if w])
        wrong = [w for ws in got for w in (ws if isinstance(ws, list) else [ws])]
        g.eq(wrong[:10], [], "after %s again: %d clients four at a time each get "
             "their own answer" % (poison, ROUNDS))
    with open(os.path.join(srv.rundir, "stdout.log"), encoding="latin-1") as f:
        errlog = f.read()    # the relay's stderr, as lighttpd passes it on
    g.ok(errlog.count("bytes past its last answer: not reused") >= 6,
         "the relay logged each unclean connection it did not reuse",
         errlog[-1500:])
    srv.stop()
    agent_srv.shutdown()


g.run(main)
