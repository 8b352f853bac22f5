"""gwtest: the integration-test harness for agent-gateway (stdlib only).

A test file imports it, starts what it needs and reports in TAP:

    import gwtest as g

    def main():
        agent = g.start_agent()
        srv = g.start_lighttpd("cgi-redirect.conf", agent_url=agent.url)
        r = g.request(srv.port, "GET", "/x?y=1")
        g.eq(r.status, 302, "GET answers 302")

    g.run(main)

Paths: binaries are looked up under $AG_BUILDDIR, sources (examples/,
tests/agent.py) under $AG_SRCDIR; both default to the repository root, so a
test runs by hand with `AG_BUILDDIR=. /usr/bin/python3 tests/integration/x.py`.

Templates from examples/ are rendered by replacing @NAME@ placeholders:
    @PORT@          the web server's port (it listens on 127.0.0.1)
    @AGENT_URL@     the agent's base URL, e.g. http://127.0.0.1:41234
    @CGI_REDIRECT@  absolute path of the cgi-redirect binary
    @BUILDDIR@ @SRCDIR@  the two roots above
    @DOCROOT@       a fresh document root (world-readable temp dir)
    @RUNDIR@        a fresh directory for logs, pid files and sockets
plus any extra NAME=value a test passes (upper-cased). A placeholder left
unreplaced is an error, so a template and its test cannot drift apart.

Every wait is bounded in time; every process started here is stopped by its
PID (SIGTERM, then SIGKILL to its process group after a bound) when the test
ends, and on failure the servers' error logs are printed as TAP diagnostics.

A test that cannot find its server or module calls need(); outside CI it
skips (TAP "1..0 # SKIP", exit status 77 when run by hand, 0 under make,
whose TAP driver counts any non-zero status as an error); with $CI set it
fails.
"""

import atexit
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.path.abspath(os.environ.get("AG_BUILDDIR") or ROOT)
SRCDIR = os.path.abspath(os.environ.get("AG_SRCDIR") or ROOT)
PYTHON = "/usr/bin/python3"     # Debian's, the one with aiohttp
LIGHTTPD = "/usr/sbin/lighttpd"
APACHE = "/usr/sbin/apache2"
NGINX = "/usr/sbin/nginx"
APACHE_MODULES = "/usr/lib/apache2/modules"
APACHE_USER = "www-data"        # Apache started as root must drop to someone

START_TIMEOUT = 15.0            # seconds for a server or the agent to listen
STOP_TIMEOUT = 10.0             # seconds between SIGTERM and SIGKILL
IO_TIMEOUT = 20.0               # default client socket timeout
MAX_RESPONSE = 256 << 20        # largest response the raw client will hold

# ---------------------------------------------------------------- TAP output

_tap = {"n": 0, "failed": 0, "planned": None}
_procs = []                     # every Proc started, for cleanup
_servers = []                   # servers whose logs to show on failure


def plan(n):
    """Prints the TAP plan up front (optional: run() prints 1..N at the end)."""
    _tap["planned"] = n
    print("1..%d" % n, flush=True)


def diag(msg):
    """A TAP diagnostic line per line of msg."""
    for line in str(msg).splitlines() or [""]:
        print("# " + line, flush=True)


def ok(cond, name, *details, todo=None):
    """One TAP test point; details are printed as diagnostics on failure.
    todo names a known, reported bug: the point is a TAP TODO, so its
    failure is expected (XFAIL) and its passing is an error (XPASS) that
    asks for the todo to be removed with the fix."""
    _tap["n"] += 1
    name = name.replace("#", "\\#").replace("\n", " ")
    print("%s %d - %s%s" % ("ok" if cond else "not ok", _tap["n"], name,
                            " # TODO %s" % todo if todo else ""), flush=True)
    if not cond:
        if not todo:
            _tap["failed"] += 1
        for d in details:
            diag(d)
    return bool(cond)


def eq(got, want, name, todo=None):
    """ok(got == want) with both values shown on failure."""
    return ok(got == want, name, "got:  %r" % (got,), "want: %r" % (want,),
              todo=todo)


def is_ci():
    return bool(os.environ.get("CI"))


def need(cond, reason):
    """Stops the test when a prerequisite (binary, module) is missing:
    a skip outside CI, a failure in CI."""
    if cond:
        return
    if is_ci():
        print("Bail out! %s (CI is set, so this is a failure)" % reason,
              flush=True)
        _cleanup()
        sys.exit(1)
    print("1..0 # SKIP %s" % reason, flush=True)
    _cleanup()
    sys.exit(0 if os.environ.get("MAKELEVEL") else 77)


def need_file(path, what=None):
    need(os.path.exists(path), "%s not found: %s" % (what or "file", path))
    return path


def need_apache_module(name):
    return need_file(os.path.join(APACHE_MODULES, "mod_%s.so" % name),
                     "Apache module %s" % name)


def run(fn):
    """Runs a test body, reports an exception as a failed test point, stops
    everything, shows server logs after a failure, and exits with the TAP
    result (0 when every point passed)."""
    try:
        fn()
    except SystemExit:
        raise
    except BaseException:
        ok(False, "test body raised an exception", traceback.format_exc())
    if _tap["failed"]:
        for s in _servers:
            s.show_logs()
    _cleanup()
    if _tap["planned"] is None:
        print("1..%d" % _tap["n"], flush=True)
    sys.exit(1 if _tap["failed"] or _tap["n"] == 0 else 0)


# ------------------------------------------------------------ paths, ports

_SANITIZED = {}


def sanitized(path):
    """Whether the program at path is built with AddressSanitizer: its
    quarantine keeps freed memory on purpose, so RSS bounds say nothing
    there (valgrind cannot run it either)."""
    if path not in _SANITIZED:
        try:
            with open(path, "rb") as f:
                _SANITIZED[path] = b"__asan_init" in f.read()
        except OSError:
            _SANITIZED[path] = False
    return _SANITIZED[path]


def _others_can_enter(path):
    """Whether every directory from / down to path lets others search it
    (Apache runs CGI and mod_fcgid programs as www-data)."""
    p = os.path.abspath(path)
    while True:
        try:
            if not os.stat(p).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
        if p == os.path.dirname(p):
            return True
        p = os.path.dirname(p)


_PROGRAMS = {}


def program(*rel):
    """A program of the build tree (path parts under BUILDDIR) where every
    server's user can run it: in place, or, when the tree lies below a
    directory others cannot enter (a clone in /root, mode 0700 on
    Debian), a copy in a temp dir made for this test run."""
    src = os.path.join(BUILDDIR, *rel)
    if src in _PROGRAMS:
        return _PROGRAMS[src]
    path = src
    if os.path.exists(src) and not _others_can_enter(os.path.dirname(src)):
        d = make_dir("bin")
        if not _others_can_enter(d):
            # Not a skip: nothing run by Apache could work from here.
            print("Bail out! %s lies below a directory others cannot enter, and "
                  "so does the temp dir %s made for a copy: Apache's CGI user "
                  "(%s) could not run the programs. Set TMPDIR to a directory "
                  "every user can enter (e.g. TMPDIR=/tmp), or build outside %s."
                  % (BUILDDIR, d, APACHE_USER, BUILDDIR), flush=True)
            _cleanup()
            sys.exit(1)
        path = os.path.join(d, os.path.basename(src))
        shutil.copy2(src, path)
        os.chmod(path, 0o755)
    _PROGRAMS[src] = path
    return path


def cgi_redirect_path():
    return program("cgi-redirect", "cgi-redirect")


def example(*parts):
    return os.path.join(SRCDIR, "examples", *parts)


def free_port():
    """A free TCP port on 127.0.0.1 (bind port 0, read it, release it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_dir(prefix):
    """A temp dir readable by the web server's user; removed at exit."""
    d = tempfile.mkdtemp(prefix="ag-%s-" % prefix)
    os.chmod(d, 0o755)
    atexit.register(shutil.rmtree, d, True)
    return d


def render(template, dest, values):
    """Copies template to dest replacing @NAME@ with values[NAME]; fails on
    a placeholder that has no value."""
    with open(template, encoding="utf-8") as f:
        text = f.read()
    for k, v in values.items():
        text = text.replace("@%s@" % k.upper(), str(v))
    left = sorted(set(re.findall(r"@[A-Z][A-Z0-9_]*@", text)))
    if left:
        raise ValueError("%s: no value for %s" % (template, ", ".join(left)))
    with open(dest, "w", encoding="utf-8") as f:
        f.write(text)
    return dest


def wait_port(port, proc=None, timeout=START_TIMEOUT, host="127.0.0.1"):
    """Waits until host:port accepts a connection; False when proc died or
    time ran out."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


# ---------------------------------------------------------------- processes

class Proc:
    """A child process in its own session, stopped by PID."""

    def __init__(self, name, argv, stdout=None, stderr=None, env=None,
                 stdin=None):
        self.name = name
        self.argv = argv
        self.popen = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL if stdin is None else stdin,
            stdout=stdout or subprocess.DEVNULL,
            stderr=stderr, env=env, start_new_session=True)
        self.pid = self.popen.pid
        _procs.append(self)

    def poll(self):
        return self.popen.poll()

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM, wait up to timeout, then SIGKILL its process group."""
        if self.popen.poll() is None:
            try:
                os.kill(self.pid, signal.SIGTERM)
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                diag("%s (pid %d) ignored SIGTERM; killing" % (self.name, self.pid))
            except ProcessLookupError:
                pass
        try:
            os.killpg(self.pid, signal.SIGKILL)   # leftovers (workers, cgid)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            diag("%s (pid %d) did not exit" % (self.name, self.pid))
        return self.popen.returncode


def _cleanup():
    while _procs:
        _procs.pop().stop()


atexit.register(_cleanup)


# -------------------------------------------------------------------- agent

class Agent:
    """tests/agent.py on a free port of 127.0.0.1 (or a Unix socket)."""

    def __init__(self, port=0, unix=None, args=()):
        path = os.path.join(SRCDIR, "tests", "agent.py")
        need_file(path, "the sample agent")
        need(os.path.exists(PYTHON), "%s not found" % PYTHON)
        rundir = make_dir("agent")
        self.log = os.path.join(rundir, "agent.log")
        self.unix = unix
        argv = [PYTHON, path] + (["--unix", unix] if unix else
                                 ["--port", str(port)]) + list(args)
        self._err = open(self.log, "wb")
        self.proc = Proc("agent", argv, stdout=subprocess.PIPE, stderr=self._err)
        line = _read_line(self.proc, START_TIMEOUT)
        m = re.match(r"READY (port|unix)=(\S+)", line or "")
        if not m:
            self.show_logs()
            raise RuntimeError("agent did not become ready: %r" % line)
        self.port = int(m.group(2)) if m.group(1) == "port" else None
        self.url = "http://127.0.0.1:%d" % self.port if self.port else "http://localhost"
        _servers.append(self)

    def get(self, path):
        """GET straight to the agent; the JSON body as a dict."""
        r = request(self.port, "GET", path)
        return json.loads(r.body)

    def stats(self):
        return self.get("/_/stats")

    def reset_stats(self):
        return self.get("/_/reset-stats")

    def show_logs(self):
        _show_file("agent log", self.log)

    def stop(self):
        return self.proc.stop()


def _read_line(proc, timeout):
    """First stdout line of proc within timeout (None if it died or hung)."""
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(proc.popen.stdout, selectors.EVENT_READ)
    end = time.monotonic() + timeout
    buf = b""
    while time.monotonic() < end and b"\n" not in buf:
        if not sel.select(max(0.0, min(0.2, end - time.monotonic()))):
            if proc.poll() is not None:
                break
            continue
        chunk = os.read(proc.popen.stdout.fileno(), 4096)
        if not chunk:
            break
        buf += chunk
    sel.close()
    return buf.decode("latin-1").split("\n")[0] if buf else None


def start_agent(**kw):
    return Agent(**kw)


def _show_file(title, path, limit=60):
    try:
        with open(path, encoding="latin-1") as f:
            lines = f.read().splitlines()
    except OSError as e:
        diag("%s: %s" % (title, e))
        return
    diag("---- %s (%s), last %d lines" % (title, path, min(limit, len(lines))))
    for line in lines[-limit:]:
        diag(line)


# ------------------------------------------------------------------ servers

class Server:
    """A web server started from a rendered config; see start_lighttpd,
    start_apache and start_nginx."""

    kind = "server"

    def __init__(self, template, values, extra_env=None, docroot_files=None):
        self.port = free_port()
        self.rundir = make_dir(self.kind)
        self.docroot = os.path.join(self.rundir, "docroot")
        os.mkdir(self.docroot)
        os.chmod(self.docroot, 0o755)
        self.error_log = os.path.join(self.rundir, "error.log")
        self.values = {
            "PORT": self.port, "BUILDDIR": BUILDDIR, "SRCDIR": SRCDIR,
            "DOCROOT": self.docroot, "RUNDIR": self.rundir,
            "CGI_REDIRECT": cgi_redirect_path(),
        }
        self.values.update({k.upper(): v for k, v in values.items()})
        self.extra_env = dict(extra_env or {})
        self.site = os.path.join(self.rundir, "site.conf")
        if template is None:
            open(self.site, "w").close()
        else:
            render(template, self.site, self.values)
        for name, (kind, src) in (docroot_files or {}).items():
            self.add_file(name, kind, src)
        self.url = "http://127.0.0.1:%d" % self.port

    def add_file(self, name, kind, src):
        """Puts a file into the document root: kind "render" renders the
        template src, "copy" copies src as an executable (a CGI program)."""
        dest = os.path.join(self.docroot, name)
        if kind == "render":
            render(src, dest, self.values)
            os.chmod(dest, 0o644)
        else:
            shutil.copyfile(src, dest)
            os.chmod(dest, 0o755)
        return dest

    def _launch(self, argv):
        out = open(os.path.join(self.rundir, "stdout.log"), "wb")
        self.proc = Proc(self.kind, argv, stdout=out, stderr=subprocess.STDOUT)
        _servers.append(self)
        if not wait_port(self.port, self.proc):
            self.show_logs()
            raise RuntimeError("%s did not start listening on %d (exit %r)" %
                               (self.kind, self.port, self.proc.poll()))

    def alive(self):
        return self.proc.poll() is None

    def show_logs(self):
        _show_file("%s error log" % self.kind, self.error_log)
        _show_file("%s stdout/stderr" % self.kind,
                   os.path.join(self.rundir, "stdout.log"), 20)

    def error_log_text(self):
        try:
            with open(self.error_log, encoding="latin-1") as f:
                return f.read()
        except OSError:
            return ""

    def logs_text(self):
        """The error log and the server's stderr (where a program it
        spawned, such as lighttpd's bin-path relay, writes its lines)."""
        try:
            with open(self.rundir + "/stdout.log", encoding="latin-1") as f:
                out = f.read()
        except OSError:
            out = ""
        return self.error_log_text() + out

    def stop(self):
        return self.proc.stop()


class Lighttpd(Server):
    kind = "lighttpd"

    def __init__(self, template, values, extra_env=None, directives="",
                 docroot_files=None):
        super().__init__(template, values, extra_env, docroot_files)
        self.directives = directives

    def start(self):
        need_file(LIGHTTPD, "lighttpd")
        need_file("/usr/lib/lighttpd/mod_cgi.so", "lighttpd mod_cgi")
        conf = os.path.join(self.rundir, "lighttpd.conf")
        env = "".join('  "%s" => "%s",\n' % (k, _lighttpd_quote(v))
                      for k, v in self.extra_env.items())
        with open(conf, "w") as f:
            f.write(LIGHTTPD_BASE % {
                "port": self.port, "docroot": self.docroot,
                "rundir": self.rundir, "env": env, "site": self.site,
                "directives": self.directives})
        self._launch([LIGHTTPD, "-D", "-f", conf])
        return self


def _lighttpd_quote(v):
    return str(v).replace("\\", "\\\\").replace('"', '\\"')


# The part of lighttpd.conf a distribution ships (Debian: /etc/lighttpd/
# lighttpd.conf); the example under test is included at the end, as it
# would be from conf-enabled/. lighttpd runs as root here without
# server.username: it only warns at start-up ("running as root" is not
# refused by 1.4.69), and CGI programs then run as root too.
LIGHTTPD_BASE = """\
server.port = %(port)d
server.bind = "127.0.0.1"
server.document-root = "%(docroot)s"
server.errorlog = "%(rundir)s/error.log"
server.pid-file = "%(rundir)s/lighttpd.pid"
server.upload-dirs = ( "%(rundir)s" )
server.max-worker = 0
mimetype.assign = ( ".html" => "text/html", "" => "application/octet-stream" )
# Settings a test adds on top of the example's (the example uses +=).
setenv.add-environment = (
%(env)s)
%(directives)s
include "%(site)s"
"""


class Apache(Server):
    kind = "apache"

    def __init__(self, template, values, extra_env=None, mpm="event",
                 cgi=None, modules=(), allow_override="None", directives="",
                 docroot_files=None):
        super().__init__(template, values, extra_env, docroot_files)
        self.mpm = mpm
        # mod_cgid is the CGI module for threaded MPMs, mod_cgi for prefork.
        self.cgi = cgi or ("cgi" if mpm == "prefork" else "cgid")
        self.modules = list(modules)
        self.allow_override = allow_override
        self.directives = directives

    def start(self):
        need_file(APACHE, "apache2")
        mods = ["mpm_" + self.mpm, "authz_core", "alias", "env", "mime",
                self.cgi] + self.modules
        for m in mods:
            need_apache_module(m)
        loads = "".join("LoadModule %s_module %s/mod_%s.so\n" % (m, APACHE_MODULES, m)
                        for m in dict.fromkeys(mods))
        env = "".join('SetEnv %s "%s"\n' % (k, str(v).replace('"', '\\"'))
                      for k, v in self.extra_env.items())
        conf = os.path.join(self.rundir, "apache2.conf")
        with open(conf, "w") as f:
            f.write(APACHE_BASE % {
                "port": self.port, "docroot": self.docroot,
                "rundir": self.rundir, "loads": loads, "env": env,
                "user": APACHE_USER, "override": self.allow_override,
                "directives": self.directives, "site": self.site})
        # The run dir holds the cgid socket and mutexes used by children
        # that run as www-data.
        shutil.chown(self.rundir, user=APACHE_USER)
        self._launch([APACHE, "-f", conf, "-DFOREGROUND"])
        return self


# A self-contained httpd.conf: no /etc/apache2 includes, so Debian's
# envvars (APACHE_RUN_DIR ...) are not needed. Started as root, Apache
# needs User/Group to have its children (and the CGI programs) drop to an
# unprivileged user; without them it refuses to run as root.
APACHE_BASE = """\
ServerRoot "%(rundir)s"
ServerName 127.0.0.1
Listen 127.0.0.1:%(port)d
PidFile "%(rundir)s/apache.pid"
DefaultRuntimeDir "%(rundir)s"
ErrorLog "%(rundir)s/error.log"
LogLevel warn
User %(user)s
Group %(user)s
%(loads)s
StartServers 1
<IfModule mpm_prefork_module>
    MinSpareServers 1
    MaxSpareServers 4
</IfModule>
<IfModule cgid_module>
    ScriptSock "%(rundir)s/cgid.sock"
</IfModule>
TypesConfig /etc/mime.types
DocumentRoot "%(docroot)s"
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "%(docroot)s">
    AllowOverride %(override)s
    Require all granted
</Directory>
# Settings a test adds on top of the example's.
%(env)s
%(directives)s
Include "%(site)s"
"""


def start_lighttpd(template, extra_env=None, directives="",
                   docroot_files=None, **values):
    """Renders examples/lighttpd/<template> (placeholders from values, e.g.
    agent_url=...) and starts lighttpd with it; extra_env adds AGENT_*
    settings through setenv.add-environment; directives are extra lines
    for the main config; docroot_files maps a name in the document root to
    ("render", template) or ("copy", path)."""
    return Lighttpd(example("lighttpd", template) if template else None,
                    values, extra_env, directives, docroot_files).start()


def start_apache(template, extra_env=None, mpm="event", cgi=None, modules=(),
                 allow_override="None", directives="", docroot_files=None,
                 **values):
    """Renders examples/apache/<template> (None: no site config, e.g. for
    an .htaccess test) and starts Apache (mpm_event + mod_cgid by default;
    mpm="prefork" uses mod_cgi). extra_env adds SetEnv lines; modules adds
    LoadModule lines (e.g. "rewrite"); allow_override is the document
    root's AllowOverride; directives are extra lines for the main config;
    docroot_files as for start_lighttpd."""
    return Apache(example("apache", template) if template else None, values,
                  extra_env, mpm, cgi, modules, allow_override, directives,
                  docroot_files).start()


class Nginx(Server):
    kind = "nginx"

    def __init__(self, template, values, directives=""):
        super().__init__(template, values)
        self.directives = directives

    def start(self):
        need_file(NGINX, "nginx")
        conf = os.path.join(self.rundir, "nginx.conf")
        # Started as root, the master hands the workers to an unprivileged
        # user; as anyone else the directive would only warn.
        user = "user %s;" % APACHE_USER if os.geteuid() == 0 else ""
        with open(conf, "w") as f:
            f.write(NGINX_BASE % {
                "rundir": self.rundir, "user": user, "site": self.site,
                "directives": self.directives})
        # -e: the error log from the first line on, not Debian's
        # /var/log/nginx (unwritable for a non-root user).
        self._launch([NGINX, "-p", self.rundir + "/", "-c", conf,
                      "-e", self.error_log, "-g", "daemon off;"])
        return self


# The part of nginx.conf a distribution ships, with every path nginx
# writes (pid, logs, temp files) in the test's run dir; the example under
# test is a server block included into http { }.
NGINX_BASE = """\
%(user)s
worker_processes 1;
pid "%(rundir)s/nginx.pid";
error_log "%(rundir)s/error.log" warn;
events {
    worker_connections 256;
}
http {
    access_log "%(rundir)s/access.log";
    client_body_temp_path "%(rundir)s/client_body";
    fastcgi_temp_path "%(rundir)s/fastcgi";
    proxy_temp_path "%(rundir)s/proxy";
    uwsgi_temp_path "%(rundir)s/uwsgi";
    scgi_temp_path "%(rundir)s/scgi";
    %(directives)s
    include "%(site)s";
}
"""


def start_nginx(template, directives="", **values):
    """Renders examples/nginx/<template> (a server block; placeholders from
    values, e.g. relay_address="127.0.0.1:9000") and starts nginx in the
    foreground with a config whose pid file, logs and temp paths are all
    in a fresh run dir; directives are extra lines for the http block."""
    return Nginx(example("nginx", template), values, directives).start()


# ------------------------------------------------------------------ clients

class Response:
    """A parsed HTTP response: status, reason, version, headers (list of
    (name, value) in order, repeats kept), body, raw (all bytes read)."""

    def __init__(self, status, reason, version, headers, body, raw=b""):
        self.status = status
        self.reason = reason
        self.version = version
        self.headers = headers
        self.body = body
        self.raw = raw

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<Response %s %s %r %d body bytes>" % (
            self.status, self.reason, self.headers, len(self.body))


class _Reader:
    """Buffered reads from a socket against one deadline; linear in the
    response size (a bytearray and a read offset, no re-copying)."""

    def __init__(self, sock, deadline):
        self.sock = sock
        self.buf = bytearray()
        self.pos = 0
        self.deadline = deadline

    def _fill(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("response not complete in time")
        self.sock.settimeout(left)
        data = self.sock.recv(1 << 18)
        self.buf += data
        if len(self.buf) > MAX_RESPONSE:
            raise ValueError("response larger than %d bytes" % MAX_RESPONSE)
        return data

    def until(self, sep):
        start = self.pos
        while True:
            i = self.buf.find(sep, start)
            if i >= 0:
                break
            start = max(self.pos, len(self.buf) - len(sep) + 1)
            if not self._fill():
                raise ConnectionError("connection closed before %r" % sep)
        out = bytes(self.buf[self.pos:i + len(sep)])
        self.pos = i + len(sep)
        return out

    def exactly(self, n):
        while len(self.buf) - self.pos < n:
            if not self._fill():
                raise ConnectionError("connection closed after %d of %d bytes"
                                      % (len(self.buf) - self.pos, n))
        out = bytes(self.buf[self.pos:self.pos + n])
        self.pos += n
        return out

    def rest(self):
        while self._fill():
            pass
        out = bytes(self.buf[self.pos:])
        self.pos = len(self.buf)
        return out

    def raw(self):
        return bytes(self.buf[:self.pos])


def read_response(sock, method="GET", timeout=IO_TIMEOUT, sink=None):
    """Reads one response from sock (interim 1xx skipped): the body framed
    by Content-Length, chunked coding, or the connection's end; none for
    HEAD, 204 and 304. Raises on a malformed or unfinished response.
    With sink (a callable), body pieces go to it as they arrive and are not
    kept: r.body stays empty and r.body_length counts them (for bodies of
    any size; see request_digest)."""
    rd = _Reader(sock, time.monotonic() + timeout)
    while True:
        head = rd.until(b"\r\n\r\n").decode("latin-1")
        lines = head[:-4].split("\r\n")
        m = re.match(r"(HTTP/\d\.\d) (\d{3})(?: (.*))?$", lines[0])
        if not m:
            raise ValueError("bad status line %r" % lines[0])
        headers = [tuple(x.strip() for x in ln.split(":", 1)) for ln in lines[1:]]
        status = int(m.group(2))
        if status >= 200 or status == 101:
            break
    r = Response(status, m.group(3) or "", m.group(1), headers, b"")
    head_len = rd.pos
    parts = []
    r.body_length = 0

    def take(piece):
        r.body_length += len(piece)
        if sink is None:
            parts.append(piece)
        else:
            sink(piece)
            del rd.buf[:rd.pos]     # constant memory while streaming
            rd.pos = 0

    te = (r.header("Transfer-Encoding") or "").lower()
    cl = r.header("Content-Length")
    if method == "HEAD" or status in (204, 304) or status < 200:
        pass
    elif "chunked" in te:
        while True:
            size = int(rd.until(b"\r\n").split(b";")[0].strip(), 16)
            if size == 0:
                rd.until(b"\r\n")      # no trailers expected
                break
            while size > 0:
                piece = rd.exactly(min(size, 1 << 20))
                size -= len(piece)
                take(piece)
            if rd.exactly(2) != b"\r\n":
                raise ValueError("chunk not followed by CR LF")
    elif cl is not None:
        left = int(cl)
        while left > 0:
            piece = rd.exactly(min(left, 1 << 20))
            left -= len(piece)
            take(piece)
    else:
        while True:
            if len(rd.buf) > rd.pos:
                take(rd.exactly(len(rd.buf) - rd.pos))
            if not rd._fill():
                break
    r.body = b"".join(parts)
    r.raw = rd.raw() if sink is None else b""
    r.head_length = head_len
    return r


def request_digest(port, method, target, headers=(), body=b"", host=None,
                   timeout=IO_TIMEOUT):
    """request() for large answers: returns the Response with an empty
    body plus body_length and body_sha256, never holding the body."""
    if host is None:
        host = "127.0.0.1:%d" % port
    h = hashlib.sha256()
    data = build_request(method, target, list(headers), body, host)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        r = read_response(s, method, timeout, sink=h.update)
    r.body_sha256 = h.hexdigest()
    return r


def raw_request(port, data, method="GET", timeout=IO_TIMEOUT,
                host="127.0.0.1"):
    """Sends data (bytes, exactly as given) to host:port and reads one
    response (see read_response)."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(data)
        return read_response(s, method, timeout)


def raw_exchange(port, data, timeout=IO_TIMEOUT, host="127.0.0.1"):
    """Sends data and returns every byte the server sends until it closes
    (or timeout: then what arrived so far)."""
    out = []
    end = time.monotonic() + timeout
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(data)
        try:
            while time.monotonic() < end:
                s.settimeout(max(0.01, end - time.monotonic()))
                chunk = s.recv(1 << 18)
                if not chunk:
                    break
                out.append(chunk)
        except (socket.timeout, ConnectionError):
            pass
    return b"".join(out)


def build_request(method, target, headers=(), body=b"", host=None,
                  version="HTTP/1.1", close=True):
    """The request bytes: target exactly as given (no normalisation)."""
    if isinstance(target, str):
        target = target.encode("latin-1")
    lines = [b"%s %s %s" % (method.encode(), target, version.encode())]
    names = {k.lower() for k, _ in headers}
    if host is not None and "host" not in names:
        lines.append(b"Host: " + host.encode("latin-1"))
    for k, v in headers:
        lines.append(("%s: %s" % (k, v)).encode("latin-1"))
    if body and "content-length" not in names and \
            "transfer-encoding" not in names:
        lines.append(b"Content-Length: %d" % len(body))
    if close and "connection" not in names:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def request(port, method, target, headers=(), body=b"", host=None,
            timeout=IO_TIMEOUT):
    """One request over a raw socket to 127.0.0.1:port with the target kept
    byte for byte; Host defaults to 127.0.0.1:port."""
    if host is None:
        host = "127.0.0.1:%d" % port
    data = build_request(method, target, list(headers), body, host)
    return raw_request(port, data, method, timeout)


def fetch(port, method, target, **kw):
    """request(), but a failed exchange (reset, timeout, garbage) gives a
    Response with status None and the error as reason, so one bad answer
    is one failed test point rather than the end of the test."""
    try:
        return request(port, method, target, **kw)
    except (OSError, ValueError) as e:
        return Response(None, "%s: %s" % (type(e).__name__, e), None, [], b"")


def http_request(port, method, path, body=None, headers=None, timeout=IO_TIMEOUT):
    """A request through http.client (a normal client: it encodes and frames
    the way libraries do); returns a Response."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        body = r.read()
        return Response(r.status, r.reason, "HTTP/%d.%d" % divmod(r.version, 10),
                        r.getheaders(), body)
    finally:
        c.close()


def follow(resp, method="GET", body=b"", headers=(), timeout=IO_TIMEOUT):
    """Follows resp's Location like a client would (same method and body
    for 307/308): connects to the host and port it names, sends its path
    and query unchanged. Returns (Response, urlsplit of the Location)."""
    loc = resp.header("Location")
    u = urllib.parse.urlsplit(loc)
    if u.scheme != "http" or not u.port:
        raise ValueError("cannot follow %r" % loc)
    target = (u.path or "/") + ("?" + u.query if u.query or loc.endswith("?") else "")
    host = u.hostname
    addr = "127.0.0.1" if host in ("localhost",) else host
    if addr.startswith("["):
        addr = addr[1:-1]
    data = build_request(method, target, list(headers), body, u.netloc)
    with socket.create_connection((addr, u.port), timeout=timeout) as s:
        s.sendall(data)
        return read_response(s, method, timeout), u


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------ the program itself

def cgi_env(**kw):
    """A minimal CGI/1.1 environment (RFC 3875 §4.1) for running a program
    directly, without a web server; keyword arguments add or override
    variables (a value of None removes one)."""
    env = {"GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET",
           "REQUEST_URI": "/", "SCRIPT_NAME": "", "PATH_INFO": "/",
           "QUERY_STRING": "", "SERVER_NAME": "gateway.example",
           "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
           "REMOTE_ADDR": "192.0.2.1", "PATH": "/usr/bin:/bin"}
    for k, v in kw.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def run_cgi(env, stdin=b"", args=(), program=None, timeout=IO_TIMEOUT):
    """Runs a CGI program once with exactly env (bytes values allowed);
    returns (exit status, stdout bytes, stderr bytes)."""
    argv = [program or cgi_redirect_path()] + list(args)
    benv = {k.encode() if isinstance(k, str) else k:
            v.encode("latin-1") if isinstance(v, str) else v
            for k, v in env.items()}
    p = subprocess.run(argv, input=stdin, env=benv, capture_output=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def parse_cgi(out):
    """Splits CGI output into (header list, body); header lines must end
    in CR LF or LF (RFC 3875 §6.3)."""
    head, sep, body = out.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = out.partition(b"\n\n")
    lines = head.replace(b"\r\n", b"\n").split(b"\n") if head else []
    return [tuple(x.strip() for x in ln.decode("latin-1").split(":", 1))
            for ln in lines], body
