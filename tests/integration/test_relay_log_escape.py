#!/usr/bin/python3
"""Untrusted bytes in the relay's log lines (security.md row 74): a
target with printf conversions is logged literally (never used as a
format: %n would crash the relay), long targets are cut, and control or
high bytes are written as \\xNN escapes, so one request is one log line.
Through Apache mod_fcgid (the relay's stderr goes to Apache's error log;
lighttpd itself refuses '%s' as a bad escape) with a ~7 KiB target that
fails at the agent (502), and as plain CGI with raw CR/LF, NUL-free
control bytes and 10 KB in REQUEST_URI, which only a lax server or a
FastCGI peer could send."""
import gwtest as g
import faultkit as fk

FMT = "/_/raw/dup-cl?%s%n%x%p"
LINE_MAX = 1024		# LOG_URI_MAX (512) plus method, cause and curl text


def relay_lines(text, marker):
    return [ln for ln in text.split("\n") if "fcgi-relay[" in ln and marker in ln]


def main():
    agent = g.start_agent()
    srv = fk.apache_fcgid(agent)
    target = FMT + "&" + "%0d%0a" + "b" * 7000
    r = g.fetch(srv.port, "GET", target)
    g.eq(r.status, 502, "a 7 KiB target with %s%n%x answered (agent fault -> 502)")
    g.eq(g.fetch(srv.port, "GET", "/after").status, 200, "the relay is alive after it")
    lines = relay_lines(srv.error_log_text(), "dup-cl")
    g.ok(len(lines) == 1 and "%s%n%x%p" in lines[0],
         "logged once, the conversions literally", lines)
    g.ok(lines and all(len(ln) < LINE_MAX and "..." in ln for ln in lines),
         "the long target is cut in the log line", [len(ln) for ln in lines])

    # plain CGI: raw control and high bytes in a 10 KB REQUEST_URI
    raw = "/cgi-log/%s%n\r\nX-Injected: 1\x01\x1b[31m\x7f\xff" + "c" * 10000
    env = g.cgi_env(REQUEST_URI=raw, AGENT_URL=agent.url, AGENT_ACCESS_LOG="yes")
    status, out, err = g.run_cgi(env, program=fk.relay_path())
    lines = [ln for ln in err.split(b"\n") if ln]
    g.ok(out.startswith(b"Status: 400"), "raw control bytes in the target -> 400", out[:200])
    g.ok(len(lines) >= 1 and all(len(ln) < LINE_MAX for ln in lines) and
         not any(b in ln for ln in lines for b in (b"\r", b"\x01", b"\x1b", b"\x7f", b"\xff")),
         "every log line is short and free of raw control or high bytes", lines)
    g.ok(any(b"%s%n\\x0d\\x0aX-Injected: 1\\x01\\x1b[31m\\x7f\\xff" in ln for ln in lines),
         "the bytes are logged as \\xNN escapes, the conversions literally", lines)
    g.ok(not any(ln.startswith(b"X-Injected") for ln in lines), "no forged log line", lines)


g.run(main)
