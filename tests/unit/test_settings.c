/* Unit tests: settings from every source, and their errors (common/settings.c).
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "settings.h"
#include "suites.h"

struct value_row {
	int line;
	const char *key;
	const char *val;
	int ok;
	long long num; /* expected parsed number when ok */
};

static const struct value_row value_rows[] = {
    {__LINE__, "agent_url", "http://127.0.0.1:8080/x", 1, 0},
    {__LINE__, "agent_url", "gopher://127.0.0.1/", 0, 0},
    {__LINE__, "agent_url", "http://127.0.0.1:8080/\x01", 0, 0},
    {__LINE__, "agent_socket", "/run/agent.sock", 1, 0},
    {__LINE__, "agent_socket", "run/agent.sock", 0, 0},
    {__LINE__, "redirect_status", "301", 1, 301},
    {__LINE__, "redirect_status", "303", 1, 303},
    {__LINE__, "redirect_status", "308", 1, 308},
    {__LINE__, "redirect_status", "300", 0, 0},
    {__LINE__, "redirect_status", "200", 0, 0},
    {__LINE__, "redirect_status", "302x", 0, 0},
    {__LINE__, "redirect_status", " 302", 0, 0},
    {__LINE__, "redirect_status", "-302", 0, 0},
    {__LINE__, "connect_timeout", "5", 1, 5000},
    {__LINE__, "connect_timeout", "5s", 1, 5000},
    {__LINE__, "connect_timeout", "250ms", 1, 250},
    {__LINE__, "connect_timeout", "2m", 1, 120000},
    {__LINE__, "connect_timeout", "0", 0, 0},
    {__LINE__, "connect_timeout", "5h", 0, 0},
    {__LINE__, "connect_timeout", "1.5", 0, 0},
    {__LINE__, "connect_timeout", "99999999999999999999", 0, 0},
    {__LINE__, "idle_timeout", "86400", 1, 86400000LL},
    {__LINE__, "idle_timeout", "86401", 0, 0},
    {__LINE__, "max_body_size", "0", 1, 0},
    {__LINE__, "max_body_size", "512k", 1, 512 * 1024},
    {__LINE__, "max_body_size", "64M", 1, 64LL << 20},
    {__LINE__, "max_body_size", "1G", 1, 1LL << 30},
    {__LINE__, "max_body_size", "1T", 0, 0},
    {__LINE__, "max_body_size", "k", 0, 0},
    {__LINE__, "max_body_size", "0x10", 0, 0},
    {__LINE__, "preserve_host", "yes", 1, 1},
    {__LINE__, "preserve_host", "on", 1, 1},
    {__LINE__, "preserve_host", "0", 1, 0},
    {__LINE__, "preserve_host", "false", 1, 0},
    {__LINE__, "preserve_host", "maybe", 0, 0},
    {__LINE__, "preserve_host", "YES ", 0, 0},
    {__LINE__, "forwarded_headers", "rfc7239", 1, FWD_RFC7239},
    {__LINE__, "forwarded_headers", "none", 1, FWD_NONE},
    {__LINE__, "forwarded_headers", "both", 1, FWD_BOTH},
    {__LINE__, "forwarded_headers", "x-forwarded", 1, FWD_X_FORWARDED},
    {__LINE__, "forwarded_headers", "X-Forwarded", 0, 0},
    {__LINE__, "strip_prefix", "/app", 1, 0},
    {__LINE__, "strip_prefix", "app", 0, 0},
    {__LINE__, "strip_prefix", "/a b", 0, 0},
    {__LINE__, "max_workers", "1", 1, 1},
    {__LINE__, "max_workers", "0", 1, 0},
    {__LINE__, "max_workers", "65536", 1, 65536},
    {__LINE__, "max_workers", "65537", 0, 0},
    {__LINE__, "max_workers", "-1", 0, 0},
    {__LINE__, "threads", "1024", 1, 1024},
    {__LINE__, "request_head_timeout", "250ms", 1, 250},
    {__LINE__, "request_head_timeout", "0", 0, 0},
    {__LINE__, "shutdown_timeout", "0", 1, 0},
    {__LINE__, "shutdown_timeout", "2m", 1, 120000},
    {__LINE__, "threads", "0", 1, 0},
    {__LINE__, "threads", "65536", 1, 65536},
    {__LINE__, "threads", "65537", 0, 0},
    {__LINE__, "listen", "127.0.0.1:9000", 1, 0},
    {__LINE__, "listen", "/run/relay.sock", 1, 0},
    {__LINE__, "listen", "[::1]:9000", 1, 0},
    {__LINE__, "listen", "127.0.0.1", 0, 0},
    {__LINE__, "listen", "relay.sock", 0, 0},
    {__LINE__, "public_url", "https://example.com/agent", 1, 0},
    {__LINE__, "public_url", "https://example.com/agent?x", 0, 0},
};

START_TEST(test_setting_values)
{
	const struct value_row *r = &value_rows[_i];
	struct settings s;
	char err[256] = "";
	int k = settings_lookup(r->key, strlen(r->key));
	int rc;

	ck_assert_int_ge(k, 0);
	settings_defaults(&s);
	rc = settings_set(&s, (enum setting_key)k, r->val, strlen(r->val),
	                  SRC_ARGV, 0, err, sizeof(err));
	if (!r->ok) {
		ck_assert_msg(rc < 0, "line %d: %s=%s accepted", r->line,
		              r->key, r->val);
		/* the message names the key (an alias by its new name) */
		ck_assert_msg(strstr(err, settings_name((enum setting_key)k)) ==
		                  err,
		              "line %d: '%s'", r->line, err);
		return;
	}
	ck_assert_msg(rc == 0, "line %d: %s", r->line, err);
	ck_assert_str_eq(settings_str(&s, (enum setting_key)k), r->val);
	ck_assert_msg(s.v[k].num == r->num, "line %d: num %lld", r->line,
	              s.v[k].num);
	ck_assert_int_eq(s.v[k].src, SRC_ARGV);
}
END_TEST

/* Every refusal says what would be accepted. */
struct message_row {
	int line;
	const char *key;
	const char *val;
	const char *msg;
};

static const struct message_row message_rows[] = {
    {__LINE__, "redirect_status", "300",
     "redirect_status: must be 301, 302, 303, 307 or 308"},
    {__LINE__, "max_workers", "65537", "max_workers: out of range 0..65536"},
    {__LINE__, "max_workers", "many",
     "max_workers: not a whole number in 0..65536"},
    {__LINE__, "threads", "-1", "max_workers: not a whole number in 0..65536"},
    {__LINE__, "connect_timeout", "0",
     "connect_timeout: out of range 1ms..86400s"},
    {__LINE__, "connect_timeout", "5h",
     "connect_timeout: not a duration (e.g. 30, 30s, 500ms, 2m): allowed "
     "1ms..86400s"},
    {__LINE__, "keepalive_max_age", "500ms",
     "keepalive_max_age: out of range 1s..86400s"},
    {__LINE__, "shutdown_timeout", "86401",
     "shutdown_timeout: out of range 0s..86400s"},
    {__LINE__, "max_body_size", "2000000G",
     "max_body_size: out of range 0..1048576G"},
    {__LINE__, "max_body_size", "1T",
     "max_body_size: not a size (e.g. 1048576, 512k, 64M, 1G): allowed "
     "0..1048576G"},
    {__LINE__, "preserve_host", "maybe",
     "preserve_host: must be yes or no (also on/off, true/false, 1/0)"},
    {__LINE__, "forwarded_headers", "X-Forwarded",
     "forwarded_headers: must be x-forwarded, rfc7239, both or none"},
};

START_TEST(test_messages)
{
	const struct message_row *r = &message_rows[_i];
	struct settings s;
	char err[320] = "";
	int k = settings_lookup(r->key, strlen(r->key));

	ck_assert_int_ge(k, 0);
	settings_defaults(&s);
	ck_assert_int_lt(settings_set(&s, (enum setting_key)k, r->val,
	                              strlen(r->val), SRC_ARGV, 0, err,
	                              sizeof(err)),
	                 0);
	ck_assert_msg(strcmp(err, r->msg) == 0, "line %d: got '%s'", r->line,
	              err);
}
END_TEST

/* Environment and parameter names: AGENT_ once, old spellings flagged. */
struct env_name_row {
	int line;
	const char *name;
	int key; /* -1: unknown */
	int old;
};

static const struct env_name_row env_name_rows[] = {
    {__LINE__, "AGENT_URL", SET_AGENT_URL, 0},
    {__LINE__, "AGENT_SOCKET", SET_AGENT_SOCKET, 0},
    {__LINE__, "AGENT_AGENT_URL", SET_AGENT_URL, 1},
    {__LINE__, "AGENT_AGENT_SOCKET", SET_AGENT_SOCKET, 1},
    {__LINE__, "AGENT_MAX_WORKERS", SET_MAX_WORKERS, 0},
    {__LINE__, "AGENT_THREADS", SET_MAX_WORKERS, 1},
    {__LINE__, "AGENT_PUBLIC_URL", SET_PUBLIC_URL, 0},
    {__LINE__, "AGENT_CONFIG", SET_CONFIG, 0},
    {__LINE__, "AGENT_AGNET_URL", -1, 0},
    {__LINE__, "AGENT_", -1, 0},
    {__LINE__, "AGENT", -1, 0},
    {__LINE__, "HTTP_AGENT_URL", -1, 0},
    {__LINE__, "AGENT_AGENT_AGENT_URL", -1, 0},
};

START_TEST(test_env_names)
{
	const struct env_name_row *r = &env_name_rows[_i];
	int old = -1;
	int k = settings_env_lookup(r->name, strlen(r->name), &old);

	ck_assert_msg(k == r->key, "line %d: %s -> %d", r->line, r->name, k);
	if (k >= 0)
		ck_assert_msg(old == r->old, "line %d: old %d", r->line, old);
}
END_TEST

START_TEST(test_env_name_of_key)
{
	char buf[64];

	ck_assert_str_eq(settings_env_name(SET_AGENT_URL, buf, sizeof(buf)),
	                 "AGENT_URL");
	ck_assert_str_eq(settings_env_name(SET_AGENT_SOCKET, buf, sizeof(buf)),
	                 "AGENT_SOCKET");
	ck_assert_str_eq(settings_env_name(SET_MAX_WORKERS, buf, sizeof(buf)),
	                 "AGENT_MAX_WORKERS");
}
END_TEST

/* "did you mean": keys, options and environment names. */
struct suggest_row {
	int line;
	const char *name;
	int env;
	const char *want; /* NULL: nothing close */
};

static const struct suggest_row suggest_rows[] = {
    {__LINE__, "AGENT_AGNET_URL", 1, "AGENT_URL"},
    {__LINE__, "AGENT_UR", 1, "AGENT_URL"},
    {__LINE__, "AGENT_SOCKT", 1, "AGENT_SOCKET"},
    {__LINE__, "AGENT_MAX_WORKER", 1, "AGENT_MAX_WORKERS"},
    {__LINE__, "AGENT_THREAD", 1, "AGENT_MAX_WORKERS"},
    {__LINE__, "AGENT_CONECT_TIMEOUT", 1, "AGENT_CONNECT_TIMEOUT"},
    {__LINE__, "AGENT_HOME", 1, NULL},
    {__LINE__, "AGENT_LOG_LEVEL", 1, NULL},
    {__LINE__, "HTTP_AGENT_URL", 1, NULL},
    {__LINE__, "agent_ulr", 0, "agent_url"},
    {__LINE__, "agent-urll", 0, "agent_url"},
    {__LINE__, "pubilc_url", 0, "public_url"},
    {__LINE__, "redirect-stauts", 0, "redirect_status"},
    {__LINE__, "bogus", 0, NULL},
    {__LINE__, "x", 0, NULL},
};

START_TEST(test_suggest)
{
	const struct suggest_row *r = &suggest_rows[_i];
	char buf[64];
	const char *got = settings_suggest(r->name, strlen(r->name), r->env,
	                                   buf, sizeof(buf));

	if (r->want == NULL)
		ck_assert_msg(got == NULL, "line %d: suggested %s", r->line,
		              got);
	else
		ck_assert_msg(got != NULL && strcmp(got, r->want) == 0,
		              "line %d: got %s", r->line, got ? got : "NULL");
}
END_TEST

START_TEST(test_lookup)
{
	ck_assert_int_eq(settings_lookup("agent_url", 9), SET_AGENT_URL);
	ck_assert_int_eq(settings_lookup("agent-url", 9), SET_AGENT_URL);
	ck_assert_int_eq(settings_lookup("AGENT_URL", 9), SET_AGENT_URL);
	ck_assert_int_eq(settings_lookup("agent_urlx", 10), -1);
	ck_assert_int_eq(settings_lookup("agent_ur", 8), -1);
	ck_assert_int_eq(settings_lookup("", 0), -1);
}
END_TEST

START_TEST(test_defaults)
{
	struct settings s;

	settings_defaults(&s);
	ck_assert(!settings_isset(&s, SET_AGENT_URL));
	ck_assert_int_eq(settings_num(&s, SET_CONNECT_TIMEOUT), 5000);
	ck_assert_int_eq(settings_num(&s, SET_MAX_BODY_SIZE), 1LL << 30);
	ck_assert_int_eq(settings_num(&s, SET_FORWARDED_HEADERS),
	                 FWD_X_FORWARDED);
	ck_assert_int_eq(s.v[SET_CONNECT_TIMEOUT].src, SRC_DEFAULT);
}
END_TEST

/* Writes text to a fresh temporary file; the caller unlinks path. */
static void write_temp(char *path, size_t len, const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, len, "/tmp/ag-settings-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

struct file_row {
	int line;
	const char *text;
	const char *err; /* NULL: loads; else expected ":LINE: msg" part */
};

static const struct file_row file_rows[] = {
    {__LINE__, "", NULL},
    {__LINE__, "# only a comment\n\n   \n", NULL},
    {__LINE__, "agent_url = http://127.0.0.1:8080\n", NULL},
    {__LINE__, "agent_url=http://127.0.0.1:8080", NULL},
    {__LINE__, "  agent-url\t=\thttp://127.0.0.1:8080  \r\n", NULL},
    {__LINE__, "agent_url = http://127.0.0.1:8080\nbogus = 1\n",
     ":2: unknown key 'bogus'"},
    {__LINE__, "\n\nagent_url\n", ":3: expected 'key = value'"},
    {__LINE__, "redirect_status = 299\n", ":1: redirect_status: must be"},
    {__LINE__, "config = /etc/other.conf\n", ":1: unknown key 'config'"},
    {__LINE__, "agent_url = ftp://x/\n", ":1: agent_url: URL must start"},
    {__LINE__, "connect_timeout = ten\n",
     ":1: connect_timeout: not a duration"},
    {__LINE__, "= value\n", ":1: unknown key ''"},
    {__LINE__, "agent_ulr = http://x\n",
     ":1: unknown key 'agent_ulr' (did you mean agent_url?)"},
    {__LINE__, "bogus = 1\n", ":1: unknown key 'bogus' (see --help)"},
    {__LINE__, "agent_url = \"http://127.0.0.1:8080\"\n", NULL},
    {__LINE__, "agent_url = 'http://127.0.0.1:8080' # the agent\n", NULL},
    {__LINE__, "agent_url = http://127.0.0.1:8080 # the agent\n", NULL},
    {__LINE__, "agent_url = http://127.0.0.1:8080\t# tab, then comment\n",
     NULL},
    {__LINE__, "max_workers = 4 # per process\n", NULL},
    {__LINE__, "agent_url = \"http://127.0.0.1:8080\n",
     ":1: agent_url: missing closing \""},
    {__LINE__, "agent_url = \"http://a:1\" x\n",
     ":1: agent_url: text after the closing quote"},
    {__LINE__, "agent_url = http://a:1#frag\n", ":1: agent_url: "},
    {__LINE__, "max_workers = 70000 # too many\n",
     ":1: max_workers: out of range 0..65536"},
};

START_TEST(test_file)
{
	const struct file_row *r = &file_rows[_i];
	char path[64], err[512] = "", want[256];
	struct settings s;
	int rc;

	write_temp(path, sizeof(path), r->text);
	settings_defaults(&s);
	rc = settings_load_file(&s, path, err, sizeof(err));
	unlink(path);
	if (r->err == NULL) {
		ck_assert_msg(rc == 0, "line %d: %s", r->line, err);
		return;
	}
	ck_assert_msg(rc < 0, "line %d: loaded", r->line);
	snprintf(want, sizeof(want), "%s%s", path, r->err);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
	              "line %d: got '%s', want '%s...'", r->line, err, want);
}
END_TEST

/* Quotes and comments are not part of the value. */
struct file_value_row {
	int line;
	const char *text;
	int key;
	const char *want;
};

static const struct file_value_row file_value_rows[] = {
    {__LINE__, "agent_url = \"http://a.example:81/p\"\n", SET_AGENT_URL,
     "http://a.example:81/p"},
    {__LINE__, "agent_url = 'http://a.example:81/p'  # c\n", SET_AGENT_URL,
     "http://a.example:81/p"},
    {__LINE__, "agent_url = http://a.example:81/p # c # d\n", SET_AGENT_URL,
     "http://a.example:81/p"},
    {__LINE__, "agent_socket = \"/run/a b#c.sock\"\n", SET_AGENT_SOCKET,
     "/run/a b#c.sock"},
    {__LINE__, "agent_socket = /run/a#c.sock\n", SET_AGENT_SOCKET,
     "/run/a#c.sock"},
    {__LINE__, "max_workers = \"\"\n", SET_MAX_WORKERS, "0"},
    {__LINE__, "strip_prefix = # nothing\n", SET_STRIP_PREFIX, ""},
};

START_TEST(test_file_values)
{
	const struct file_value_row *r = &file_value_rows[_i];
	char path[64], err[512] = "";
	struct settings s;
	int rc;

	write_temp(path, sizeof(path), r->text);
	settings_defaults(&s);
	rc = settings_load_file(&s, path, err, sizeof(err));
	unlink(path);
	ck_assert_msg(rc == 0, "line %d: %s", r->line, err);
	ck_assert_msg(
	    strcmp(settings_str(&s, (enum setting_key)r->key), r->want) == 0,
	    "line %d: got '%s'", r->line,
	    settings_str(&s, (enum setting_key)r->key));
}
END_TEST

/* A relative --config is read from the working directory and shown as
 * the absolute path. */
START_TEST(test_config_relative)
{
	char dir[] = "/tmp/ag-rel-XXXXXX", old[PATH_MAX], err[256], want[128];
	char *argv[] = {"prog", "--config", "gw.conf", NULL};
	char *envp[] = {NULL};
	struct settings s;
	struct cli_flags cli;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_ptr_nonnull(getcwd(old, sizeof(old)));
	ck_assert_int_eq(chdir(dir), 0);
	f = fopen("gw.conf", "w");
	ck_assert_ptr_nonnull(f);
	fputs("agent_url = http://a.example:81\n", f);
	fclose(f);
	ck_assert_int_eq(
	    settings_startup(&s, &cli, 3, argv, envp, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/gw.conf", dir);
	ck_assert_str_eq(settings_str(&s, SET_CONFIG), want);
	ck_assert_int_eq(s.v[SET_CONFIG].src, SRC_ARGV);
	ck_assert_str_eq(settings_str(&s, SET_AGENT_URL),
	                 "http://a.example:81");
	unlink("gw.conf");
	ck_assert_int_eq(chdir(old), 0);
	rmdir(dir);
}
END_TEST

START_TEST(test_file_unreadable)
{
	struct settings s;
	char err[256];

	settings_defaults(&s);
	ck_assert_int_lt(
	    settings_load_file(&s, "/nonexistent/ag.conf", err, sizeof(err)),
	    0);
	ck_assert_msg(strstr(err, "/nonexistent/ag.conf: cannot read") == err,
	              "%s", err);
}
END_TEST

START_TEST(test_file_long_line)
{
	char text[CONFIG_LINE_MAX + 100], path[64], err[512];
	struct settings s;

	memset(text, 'a', sizeof(text) - 2);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	write_temp(path, sizeof(path), text);
	settings_defaults(&s);
	ck_assert_int_lt(settings_load_file(&s, path, err, sizeof(err)), 0);
	unlink(path);
	ck_assert_msg(strstr(err, ":1: line longer than") != NULL, "%s", err);
}
END_TEST

START_TEST(test_file_line_numbers)
{
	char path[64], err[256];
	struct settings s;

	write_temp(path, sizeof(path),
	           "# c\nagent_url = http://a.example:81\n\nthreads = 4\n");
	settings_defaults(&s);
	ck_assert_int_eq(settings_load_file(&s, path, err, sizeof(err)), 0);
	unlink(path);
	ck_assert_int_eq(s.v[SET_AGENT_URL].src, SRC_FILE);
	ck_assert_uint_eq(s.v[SET_AGENT_URL].line, 2);
	ck_assert_uint_eq(s.v[SET_MAX_WORKERS].line, 4);
	ck_assert_int_eq(settings_num(&s, SET_MAX_WORKERS), 4);
}
END_TEST

/* defaults < file < environment < command line < request */
START_TEST(test_precedence)
{
	char path[64], err[256], conf[128];
	char *argv[] = {"prog", "--connect-timeout", "3", "--config", conf,
	                NULL};
	char *envp[] = {"AGENT_CONNECT_TIMEOUT=2", "AGENT_IDLE_TIMEOUT=9",
	                "PATH=/bin", NULL};
	char *req[] = {"AGENT_IDLE_TIMEOUT=11", "HTTP_AGENT_CONNECT_TIMEOUT=1",
	               NULL};
	struct settings s;
	struct cli_flags cli;

	write_temp(
	    path, sizeof(path),
	    "connect_timeout = 1\nidle_timeout = 8\nresponse_timeout = 7\n");
	snprintf(conf, sizeof(conf), "%s", path);
	ck_assert_int_eq(
	    settings_startup(&s, &cli, 5, argv, envp, err, sizeof(err)), 0);
	unlink(path);
	ck_assert_int_eq(settings_num(&s, SET_RESPONSE_TIMEOUT), 7000);
	ck_assert_int_eq(s.v[SET_RESPONSE_TIMEOUT].src, SRC_FILE);
	ck_assert_int_eq(settings_num(&s, SET_IDLE_TIMEOUT), 9000);
	ck_assert_int_eq(s.v[SET_IDLE_TIMEOUT].src, SRC_ENV);
	ck_assert_int_eq(settings_num(&s, SET_CONNECT_TIMEOUT), 3000);
	ck_assert_int_eq(s.v[SET_CONNECT_TIMEOUT].src, SRC_ARGV);
	ck_assert_int_eq(
	    settings_load_env(&s, req, SRC_REQUEST, err, sizeof(err)), 0);
	ck_assert_int_eq(settings_num(&s, SET_IDLE_TIMEOUT), 11000);
	ck_assert_int_eq(s.v[SET_IDLE_TIMEOUT].src, SRC_REQUEST);
	/* a client header HTTP_AGENT_* never sets anything */
	ck_assert_int_eq(settings_num(&s, SET_CONNECT_TIMEOUT), 3000);
}
END_TEST

START_TEST(test_config_from_env)
{
	char path[64], err[256], envconf[128];
	char *argv[] = {"prog", NULL};
	char *envp[] = {envconf, NULL};
	struct settings s;
	struct cli_flags cli;

	write_temp(path, sizeof(path), "threads = 3\n");
	snprintf(envconf, sizeof(envconf), "AGENT_CONFIG=%s", path);
	ck_assert_int_eq(
	    settings_startup(&s, &cli, 1, argv, envp, err, sizeof(err)), 0);
	unlink(path);
	ck_assert_int_eq(settings_num(&s, SET_MAX_WORKERS), 3);
	/* and a broken one names the file */
	snprintf(envconf, sizeof(envconf), "AGENT_CONFIG=/nonexistent.conf");
	ck_assert_int_lt(
	    settings_startup(&s, &cli, 1, argv, envp, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "/nonexistent.conf") != NULL, "%s", err);
}
END_TEST

struct argv_row {
	int line;
	const char *a1, *a2;
	int ok;
	int help, version, check;
};

static const struct argv_row argv_rows[] = {
    {__LINE__, "--help", NULL, 1, 1, 0, 0},
    {__LINE__, "-h", NULL, 1, 1, 0, 0},
    {__LINE__, "--version", NULL, 1, 0, 1, 0},
    {__LINE__, "--check", NULL, 1, 0, 0, 1},
    {__LINE__, "--threads=4", NULL, 1, 0, 0, 0},
    {__LINE__, "--threads", "4", 1, 0, 0, 0},
    {__LINE__, "--preserve-host", NULL, 1, 0, 0, 0},
    {__LINE__, "--preserve-host=no", NULL, 1, 0, 0, 0},
    {__LINE__, "--threads", NULL, 0, 0, 0, 0},
    {__LINE__, "--threads=many", NULL, 0, 0, 0, 0},
    {__LINE__, "--bogus", "1", 0, 0, 0, 0},
    {__LINE__, "stray", NULL, 0, 0, 0, 0},
    {__LINE__, "-x", NULL, 0, 0, 0, 0},
};

START_TEST(test_argv)
{
	const struct argv_row *r = &argv_rows[_i];
	char *argv[4] = {"prog", (char *)r->a1, (char *)r->a2, NULL};
	char *envp[] = {NULL};
	struct settings s;
	struct cli_flags cli;
	char err[256] = "";
	int rc = settings_startup(&s, &cli, r->a2 != NULL ? 3 : 2, argv, envp,
	                          err, sizeof(err));

	ck_assert_msg((rc == 0) == r->ok, "line %d: rc %d (%s)", r->line, rc,
	              err);
	if (!r->ok) {
		ck_assert_msg(err[0] != '\0', "line %d: no message", r->line);
		return;
	}
	ck_assert_int_eq(cli.help, r->help);
	ck_assert_int_eq(cli.version, r->version);
	ck_assert_int_eq(cli.check, r->check);
}
END_TEST

struct request_row {
	int line;
	const char *param;
	int lock;
	int ok;
	const char *err_part;
};

static const struct request_row request_rows[] = {
    {__LINE__, "AGENT_URL=http://127.0.0.1:9/", 0, 1, NULL},
    {__LINE__, "AGENT_URL=http://127.0.0.1:9/", 1, 0,
     "AGENT_URL per request refused: lock_agent"},
    {__LINE__, "AGENT_SOCKET=/run/docker.sock", 1, 0, "lock_agent"},
    {__LINE__, "AGENT_SOCKET=run/docker.sock", 0, 0,
     "AGENT_SOCKET: path must be absolute"},
    {__LINE__, "AGENT_AGENT_URL=http://127.0.0.1:9/", 0, 1, NULL},
    {__LINE__, "AGENT_AGNET_URL=http://127.0.0.1:9/", 0, 0,
     "unknown parameter AGENT_AGNET_URL (did you mean AGENT_URL?)"},
    {__LINE__, "AGENT_MAX_WORKERS=8", 0, 0,
     "AGENT_MAX_WORKERS cannot be set per request"},
    {__LINE__, "AGENT_AGENT_URL=http://127.0.0.1:9/", 1, 0, "lock_agent"},
    {__LINE__, "AGENT_AGENT_SOCKET=/run/docker.sock", 1, 0, "lock_agent"},
    {__LINE__, "AGENT_PUBLIC_URL=https://example.com", 1, 1, NULL},
    {__LINE__, "AGENT_CONFIG=/etc/passwd", 0, 0, "per request"},
    {__LINE__, "AGENT_LISTEN=127.0.0.1:1", 0, 0, "per request"},
    {__LINE__, "AGENT_THREADS=8", 0, 0,
     "AGENT_MAX_WORKERS cannot be set per request"},
    {__LINE__, "AGENT_CA_FILE=/tmp/x", 0, 0, "per request"},
    {__LINE__, "AGENT_LOCK_AGENT=no", 1, 0, "per request"},
    {__LINE__, "AGENT_BOGUS=1", 0, 0, "unknown parameter AGENT_BOGUS"},
    {__LINE__, "AGENT_REDIRECT_STATUS=200", 0, 0,
     "AGENT_REDIRECT_STATUS: must be"},
    {__LINE__, "HTTP_AGENT_AGENT_URL=http://evil/", 1, 1, NULL},
    {__LINE__, "AGENTX=1", 0, 1, NULL},
};

START_TEST(test_request_params)
{
	const struct request_row *r = &request_rows[_i];
	char *req[] = {(char *)r->param, NULL};
	struct settings s;
	char err[256] = "";
	int rc;

	settings_defaults(&s);
	s.v[SET_LOCK_AGENT].num = r->lock;
	rc = settings_load_env(&s, req, SRC_REQUEST, err, sizeof(err));
	ck_assert_msg((rc == 0) == r->ok, "line %d: rc %d (%s)", r->line, rc,
	              err);
	if (r->err_part != NULL)
		ck_assert_msg(strstr(err, r->err_part) != NULL, "line %d: '%s'",
		              r->line, err);
	if (strncmp(r->param, "HTTP_", 5) == 0)
		ck_assert(!settings_isset(&s, SET_AGENT_URL));
	else if (r->ok && (strncmp(r->param, "AGENT_URL=", 10) == 0 ||
	                   strncmp(r->param, "AGENT_AGENT_URL=", 16) == 0))
		ck_assert_str_eq(settings_str(&s, SET_AGENT_URL),
		                 "http://127.0.0.1:9/");
}
END_TEST

START_TEST(test_env_unknown_ignored)
{
	/* The process environment may hold the agent's own AGENT_* names. */
	char *envp[] = {"AGENT_HOME=/srv/agent", NULL};
	struct settings s;
	char err[64];

	settings_defaults(&s);
	ck_assert_int_eq(settings_load_env(&s, envp, SRC_ENV, err, sizeof(err)),
	                 0);
}
END_TEST

/* Start-up notes: what works but should change, each named once. */
struct note_row {
	int line;
	const char *env;  /* one environment entry */
	const char *arg;  /* one command-line word, or NULL */
	const char *note; /* expected note, NULL: none */
};

static const struct note_row note_rows[] = {
    {__LINE__, "AGENT_URL=http://a.example:81", NULL, NULL},
    {__LINE__, "AGENT_AGENT_URL=http://a.example:81", NULL,
     "environment variable AGENT_AGENT_URL is a deprecated name: use "
     "AGENT_URL"},
    {__LINE__, "AGENT_AGENT_SOCKET=/run/a.sock", NULL,
     "environment variable AGENT_AGENT_SOCKET is a deprecated name: use "
     "AGENT_SOCKET"},
    {__LINE__, "AGENT_THREADS=4", NULL,
     "environment variable AGENT_THREADS is a deprecated name: use "
     "AGENT_MAX_WORKERS"},
    {__LINE__, "AGENT_AGNET_URL=http://a.example:81", NULL,
     "unknown environment variable AGENT_AGNET_URL ignored (did you mean "
     "AGENT_URL?)"},
    {__LINE__, "AGENT_HOME=/srv/agent", NULL,
     "unknown environment variable AGENT_HOME ignored (see --help)"},
    {__LINE__, "PATH=/bin", "--threads=4",
     "option --threads is a deprecated name: use --max-workers"},
    {__LINE__, "PATH=/bin", "--max-workers=4", NULL},
};

START_TEST(test_startup_notes)
{
	const struct note_row *r = &note_rows[_i];
	char *argv[] = {"prog", "--check", (char *)r->arg, NULL};
	char *envp[] = {(char *)r->env, NULL};
	struct settings s;
	struct cli_flags cli;
	char err[256] = "";

	ck_assert_msg(settings_startup(&s, &cli, r->arg != NULL ? 3 : 2, argv,
	                               envp, err, sizeof(err)) == 0,
	              "line %d: %s", r->line, err);
	if (r->note == NULL) {
		ck_assert_msg(settings_note_count() == 0, "line %d: '%s'",
		              r->line, settings_note(0));
		return;
	}
	ck_assert_int_eq(settings_note_count(), 1);
	ck_assert_msg(strcmp(settings_note(0), r->note) == 0,
	              "line %d: got '%s'", r->line, settings_note(0));
}
END_TEST

struct argv_msg_row {
	int line;
	const char *arg;
	const char *msg;
};

static const struct argv_msg_row argv_msg_rows[] = {
    {__LINE__, "--agent-ulr=http://x",
     "unknown option '--agent-ulr' (did "
     "you mean --agent-url?)"},
    {__LINE__, "--max_worker=2",
     "unknown option '--max_worker' (did you "
     "mean --max-workers?)"},
    {__LINE__, "--bogus=1", "unknown option '--bogus' (see --help)"},
    {__LINE__, "--max-workers=70000", "--max_workers: out of range 0..65536"},
};

START_TEST(test_argv_messages)
{
	const struct argv_msg_row *r = &argv_msg_rows[_i];
	char *argv[] = {"prog", (char *)r->arg, NULL};
	char *envp[] = {NULL};
	struct settings s;
	struct cli_flags cli;
	char err[256] = "";

	ck_assert_int_lt(
	    settings_startup(&s, &cli, 2, argv, envp, err, sizeof(err)), 0);
	ck_assert_msg(strcmp(err, r->msg) == 0, "line %d: got '%s'", r->line,
	              err);
}
END_TEST

START_TEST(test_empty_value_resets)
{
	struct settings s;
	char err[64];

	settings_defaults(&s);
	ck_assert_int_eq(settings_set(&s, SET_MAX_WORKERS, "8", 1, SRC_FILE, 1,
	                              err, sizeof(err)),
	                 0);
	ck_assert_int_eq(settings_set(&s, SET_MAX_WORKERS, "", 0, SRC_ENV, 0,
	                              err, sizeof(err)),
	                 0);
	ck_assert_int_eq(settings_num(&s, SET_MAX_WORKERS), 0);
	ck_assert_int_eq(settings_set(&s, SET_AGENT_URL, "", 0, SRC_ENV, 0, err,
	                              sizeof(err)),
	                 0);
	ck_assert(!settings_isset(&s, SET_AGENT_URL));
}
END_TEST

START_TEST(test_value_too_long)
{
	char big[SETTING_VALUE_MAX + 10];
	struct settings s;
	char err[128];

	memset(big, 'a', sizeof(big));
	memcpy(big, "/", 1);
	settings_defaults(&s);
	ck_assert_int_lt(settings_set(&s, SET_AGENT_SOCKET, big, sizeof(big),
	                              SRC_ENV, 0, err, sizeof(err)),
	                 0);
	ck_assert_msg(strstr(err, "longer than") != NULL, "%s", err);
}
END_TEST

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *settings_suite(void)
{
	Suite *s = suite_create("settings");
	TCase *tc = tcase_create("sources");

	tcase_add_loop_test(tc, test_setting_values, 0, NROWS(value_rows));
	tcase_add_loop_test(tc, test_messages, 0, NROWS(message_rows));
	tcase_add_test(tc, test_lookup);
	tcase_add_loop_test(tc, test_env_names, 0, NROWS(env_name_rows));
	tcase_add_test(tc, test_env_name_of_key);
	tcase_add_loop_test(tc, test_suggest, 0, NROWS(suggest_rows));
	tcase_add_loop_test(tc, test_file_values, 0, NROWS(file_value_rows));
	tcase_add_test(tc, test_config_relative);
	tcase_add_loop_test(tc, test_startup_notes, 0, NROWS(note_rows));
	tcase_add_loop_test(tc, test_argv_messages, 0, NROWS(argv_msg_rows));
	tcase_add_test(tc, test_defaults);
	tcase_add_loop_test(tc, test_file, 0, NROWS(file_rows));
	tcase_add_test(tc, test_file_unreadable);
	tcase_add_test(tc, test_file_long_line);
	tcase_add_test(tc, test_file_line_numbers);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_config_from_env);
	tcase_add_loop_test(tc, test_argv, 0, NROWS(argv_rows));
	tcase_add_loop_test(tc, test_request_params, 0, NROWS(request_rows));
	tcase_add_test(tc, test_env_unknown_ignored);
	tcase_add_test(tc, test_empty_value_resets);
	tcase_add_test(tc, test_value_too_long);
	suite_add_tcase(s, tc);
	return s;
}
