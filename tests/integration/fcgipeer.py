"""A FastCGI peer built by hand, for tests that talk to the relay's
--listen socket without a web server: records, parameters, the body,
and reading an answer back."""
import socket
import struct
import time

BEGIN, ABORT, END, PARAMS, STDIN, STDOUT, STDERR = 1, 2, 3, 4, 5, 6, 7
RESPONDER, AUTHORIZER, FILTER = 1, 2, 3
KEEP_CONN = 1


def record(kind, content=b"", req_id=1):
    pad = (8 - len(content) % 8) % 8
    return struct.pack(">BBHHBx", 1, kind, req_id, len(content), pad) + content + b"\0" * pad


def length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def pair(name, value):
    return length(len(name)) + length(len(value)) + name + value


def params_records(params):
    """params: list of (bytes, bytes); split into records of at most
    65535 bytes, then the empty record that ends them."""
    blob = b"".join(pair(k, v) for k, v in params)
    out = b""
    for i in range(0, len(blob), 65528):
        out += record(PARAMS, blob[i:i + 65528])
    return out + record(PARAMS)


def stdin_records(body):
    out = b""
    for i in range(0, len(body), 65528):
        out += record(STDIN, body[i:i + 65528])
    return out + record(STDIN)


def base_params(uri=b"/peer", method=b"GET", extra=()):
    p = [(b"GATEWAY_INTERFACE", b"CGI/1.1"), (b"REQUEST_METHOD", method),
         (b"REQUEST_URI", uri), (b"SCRIPT_NAME", b""), (b"SERVER_NAME", b"127.0.0.1"),
         (b"SERVER_PORT", b"80"), (b"SERVER_PROTOCOL", b"HTTP/1.1"),
         (b"REMOTE_ADDR", b"127.0.0.1"), (b"HTTP_HOST", b"127.0.0.1")]
    return p + list(extra)


def begin(role=RESPONDER, flags=0):
    return record(BEGIN, struct.pack(">HB5x", role, flags))


def read_records(s, deadline):
    """Records until FCGI_END_REQUEST or EOF: (stdout bytes, ended)."""
    buf, out = b"", b""
    while time.monotonic() < deadline:
        while len(buf) >= 8:
            _, kind, _, clen, pad = struct.unpack(">BBHHBx", buf[:8])
            if len(buf) < 8 + clen + pad:
                break
            content = buf[8:8 + clen]
            buf = buf[8 + clen + pad:]
            if kind == STDOUT:
                out += content
            elif kind == END:
                return out, True
        s.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            piece = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            return out, False
        if not piece:
            return out, False
        buf += piece
    return out, False


def status_of(out):
    head = out.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"status:"):
            return int(line.split()[1])
    return None


def exchange(addr, data, timeout=10):
    """addr: a Unix socket path, or a (host, port) pair for TCP."""
    family = socket.AF_INET if isinstance(addr, tuple) else socket.AF_UNIX
    with socket.socket(family) as s:
        s.settimeout(timeout)
        s.connect(addr)
        s.sendall(data)
        out, _ = read_records(s, time.monotonic() + timeout)
    return status_of(out), out


def ask(addr, params, role=RESPONDER, body=b"", timeout=10):
    return exchange(addr, begin(role) + params_records(params) + stdin_records(body),
                    timeout)


class Stream:
    """An event stream requested over a raw FastCGI connection, read
    incrementally: events counted by their id lines, ended once
    FCGI_END_REQUEST came, closed when the relay closed without it."""

    def __init__(self, addr, n, pause):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(10)
        self.s.connect(addr)
        self.s.sendall(begin() + params_records(base_params(
            b"/_/events?n=%d&pause=%s" % (n, str(pause).encode())))
            + stdin_records(b""))
        self.buf = b""
        self.out = b""
        self.ended = False
        self.closed = False

    def events(self):
        body = self.out.split(b"\r\n\r\n", 1)[1:]
        return body[0].count(b"id: ") if body else 0

    def read_for(self, seconds):
        """Reads what arrives for up to seconds (less once the stream ended
        or the connection closed); returns the events seen so far."""
        deadline = time.monotonic() + seconds
        while not (self.ended or self.closed) and time.monotonic() < deadline:
            self.s.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                piece = self.s.recv(65536)
            except socket.timeout:
                break
            except OSError:
                piece = b""
            if not piece:
                self.closed = True
                break
            self.buf += piece
            while len(self.buf) >= 8:
                _, kind, _, clen, pad = struct.unpack(">BBHHBx", self.buf[:8])
                if len(self.buf) < 8 + clen + pad:
                    break
                if kind == STDOUT:
                    self.out += self.buf[8:8 + clen]
                elif kind == END:
                    self.ended = True
                self.buf = self.buf[8 + clen + pad:]
        return self.events()

    def close(self):
        self.s.close()
