/* Settings of both programs: defaults, config file, environment, command
 * line and per-request parameters, each value remembering its source. */
#include "config.h"

#include "settings.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "url.h"

enum setting_type {
	T_URL,    /* http(s) base URL */
	T_PATH,   /* absolute file system path */
	T_PREFIX, /* URL path prefix: "/a/b" */
	T_STATUS, /* redirect status */
	T_UINT,   /* integer within [min, max] */
	T_MSEC,   /* duration: "5", "5s", "250ms", "2m" -> milliseconds */
	T_SIZE,   /* bytes: "512", "64k", "1M", "1G" */
	T_BOOL,   /* yes/no, on/off, true/false, 1/0 */
	T_ENUM,   /* one of names[] */
	T_LISTEN  /* HOST:PORT or an absolute socket path */
};

struct setting_desc {
	const char *name;
	enum setting_type type;
	int per_request;
	const char *dflt;
	long long min, max;
	const char *const *names; /* T_ENUM */
	const char *help;
};

static const char *const forwarded_names[] = {"x-forwarded", "rfc7239", "both",
                                              "none", NULL};

#define DAY_MS (24LL * 3600 * 1000)

/* Order follows enum setting_key. */
static const struct setting_desc table[SET_COUNT] = {
    {"agent_url", T_URL, 1, "", 0, 0, NULL,
     "base URL of the agent, http:// or https://, may carry a path prefix"},
    {"agent_socket", T_PATH, 1, "", 0, 0, NULL,
     "reach the agent over this Unix socket (agent_url still names host and "
     "path)"},
    {"public_url", T_URL, 1, "", 0, 0, NULL,
     "base URL that redirects send clients to (default: derived from the "
     "request)"},
    {"redirect_status", T_STATUS, 1, "", 0, 0, NULL,
     "301, 302, 303, 307 or 308 (default: 302 for GET/HEAD, 307 otherwise)"},
    {"config", T_PATH, 0, "", 0, 0, NULL, "config file of key = value lines"},
    {"strip_prefix", T_PREFIX, 1, "", 0, 0, NULL,
     "path prefix the gateway is mounted under, removed before the agent sees "
     "the path"},
    {"preserve_host", T_BOOL, 1, "no", 0, 1, NULL,
     "send the client's Host to the agent instead of the agent's own"},
    {"forwarded_headers", T_ENUM, 1, "x-forwarded", 0, 3, forwarded_names,
     "forwarding information: x-forwarded, rfc7239, both or none"},
    {"trust_forwarded", T_BOOL, 1, "yes", 0, 1, NULL,
     "extend the client's X-Forwarded-For/Forwarded (yes) or start them here "
     "(no)"},
    {"connect_timeout", T_MSEC, 1, "5", 1, DAY_MS, NULL,
     "time to connect to the agent"},
    {"response_timeout", T_MSEC, 1, "60", 1, DAY_MS, NULL,
     "time from sending the request to the agent's response head"},
    {"idle_timeout", T_MSEC, 1, "300", 1, DAY_MS, NULL,
     "longest silence while a response body streams"},
    {"max_body_size", T_SIZE, 1, "1G", 0, 1LL << 50, NULL,
     "largest request body passed to the agent (0: no limit)"},
    {"keepalive_max_age", T_MSEC, 0, "60", 1000, DAY_MS, NULL,
     "reuse an agent connection only if younger than this (keep below the "
     "agent's keep-alive)"},
    {"ca_file", T_PATH, 0, "", 0, 0, NULL,
     "CA certificates to verify an https:// agent with"},
    {"access_log", T_BOOL, 1, "no", 0, 1, NULL,
     "log one line per request to stderr"},
    {"diagnose_path", T_PREFIX, 1, "", 0, 0, NULL,
     "answer this exact request path with a diagnose page (off when unset)"},
    {"lock_agent", T_BOOL, 0, "no", 0, 1, NULL,
     "refuse per-request agent_url and agent_socket parameters"},
    {"listen", T_LISTEN, 0, "", 0, 0, NULL,
     "serve FastCGI on HOST:PORT or a Unix socket path (fcgi-relay)"},
    {"max_workers", T_UINT, 0, "0", 0, 65536, NULL,
     "most requests served at once by one process, 503 past it (0: derived "
     "from the descriptor and thread limits) (fcgi-relay)"},
    {"request_head_timeout", T_MSEC, 0, "10", 1, DAY_MS, NULL,
     "time the web server has to send a request's parameters (fcgi-relay)"},
    {"shutdown_timeout", T_MSEC, 0, "30", 0, DAY_MS, NULL,
     "on SIGTERM, how long requests in flight may finish (fcgi-relay)"},
    /* Process-wide only: a per-request parameter could turn any path
     * into the status page, or shadow one of the agent's. */
    {"status_path", T_PREFIX, 0, "", 0, 0, NULL,
     "answer this exact request path with the relay's counters (off when "
     "unset) (fcgi-relay)"},
    {"ping_path", T_PREFIX, 0, "", 0, 0, NULL,
     "answer this exact request path with \"pong\" (off when unset) "
     "(fcgi-relay)"},
    {"ready_path", T_PREFIX, 0, "", 0, 0, NULL,
     "answer this exact request path with 200 when the agent answers, 503 "
     "otherwise (off when unset) (fcgi-relay)"},
};

const char *settings_name(enum setting_key k)
{
	return table[k].name;
}

const char *settings_help(enum setting_key k)
{
	return table[k].help;
}

int settings_per_request(enum setting_key k)
{
	return table[k].per_request;
}

const char *settings_source_name(enum setting_source src)
{
	switch (src) {
	case SRC_DEFAULT:
		return "default";
	case SRC_FILE:
		return "config file";
	case SRC_ENV:
		return "environment";
	case SRC_ARGV:
		return "command line";
	case SRC_REQUEST:
		return "request parameter";
	}
	return "?";
}

static void set_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Old names that still work: "threads" was a fixed pool size before
 * workers grew on demand; now it caps them like max_workers. */
static const struct {
	const char *name;
	enum setting_key key;
} aliases[] = {{"threads", SET_MAX_WORKERS}};

/* Whether name (len bytes, '-' as '_', any case) spells key name n. */
static int name_matches(const char *name, size_t len, const char *n)
{
	size_t i;

	if (strlen(n) != len)
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i] == '-' ? '_' : name[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != n[i])
			return 0;
	}
	return 1;
}

int settings_lookup(const char *name, size_t len)
{
	size_t i;
	int k;

	for (k = 0; k < SET_COUNT; k++)
		if (name_matches(name, len, table[k].name))
			return k;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (name_matches(name, len, aliases[i].name))
			return (int)aliases[i].key;
	return -1;
}

/* Unsigned decimal with optional unit; units[] pairs a suffix with its
 * multiplier, the first entry being the multiplier for no suffix. */
struct unit {
	const char *suffix;
	long long mul;
};

static int parse_scaled(const char *v, size_t len, const struct unit *units,
                        long long *out)
{
	unsigned long long n = 0;
	size_t i = 0;
	const struct unit *u;

	if (len == 0 || v[0] < '0' || v[0] > '9')
		return -1;
	while (i < len && v[i] >= '0' && v[i] <= '9') {
		if (n > (1ULL << 53))
			return -1;
		n = n * 10 + (unsigned)(v[i++] - '0');
	}
	for (u = units; u->suffix != NULL; u++) {
		size_t sl = strlen(u->suffix);

		if (sl == len - i && strncmp(v + i, u->suffix, sl) == 0) {
			if (n > (unsigned long long)(1LL << 53) /
			            (unsigned long long)u->mul)
				return -1;
			*out = (long long)n * u->mul;
			return 0;
		}
	}
	return -1;
}

static const struct unit msec_units[] = {
    {"", 1000}, {"s", 1000}, {"ms", 1}, {"m", 60000}, {NULL, 0}};
static const struct unit size_units[] = {
    {"", 1},        {"k", 1024},    {"K", 1024},    {"m", 1 << 20},
    {"M", 1 << 20}, {"g", 1 << 30}, {"G", 1 << 30}, {NULL, 0}};
static const struct unit plain_units[] = {{"", 1}, {NULL, 0}};

static int parse_bool(const char *v, size_t len, long long *out)
{
	static const char *const yes[] = {"yes", "on", "true", "1", NULL};
	static const char *const no[] = {"no", "off", "false", "0", NULL};
	size_t i;

	for (i = 0; yes[i] != NULL; i++) {
		if (strlen(yes[i]) == len && strncmp(v, yes[i], len) == 0) {
			*out = 1;
			return 0;
		}
		if (strlen(no[i]) == len && strncmp(v, no[i], len) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

static const char *check_listen(const char *v, size_t len)
{
	struct host h;
	const char *err;

	if (v[0] == '/')
		return NULL;
	if ((err = host_parse(v, len, &h)) != NULL)
		return err;
	if (h.port == 0)
		return "listen address needs a port (HOST:PORT) or an absolute "
		       "socket path";
	return NULL;
}

static const char *check_prefix(const char *v, size_t len)
{
	size_t i;

	if (v[0] != '/')
		return "prefix must start with '/'";
	for (i = 0; i < len; i++)
		if (!url_path_char((unsigned char)v[i]) && v[i] != '%')
			return "invalid character in prefix";
	return NULL;
}

/* Validates v and computes its number; NULL or a message. */
static const char *parse_value(const struct setting_desc *d, const char *v,
                               size_t len, long long *num)
{
	struct base_url u;
	const char *err;
	size_t i;

	*num = 0;
	if (len == 0)
		return NULL; /* empty: back to unset */
	switch (d->type) {
	case T_URL:
		return base_url_parse(v, len, &u);
	case T_PATH:
		return v[0] == '/' ? NULL : "path must be absolute";
	case T_PREFIX:
		return check_prefix(v, len);
	case T_LISTEN:
		return check_listen(v, len);
	case T_STATUS:
		if (parse_scaled(v, len, plain_units, num) < 0 ||
		    (*num != 301 && *num != 302 && *num != 303 && *num != 307 &&
		     *num != 308))
			return "must be 301, 302, 303, 307 or 308";
		return NULL;
	case T_UINT:
	case T_MSEC:
	case T_SIZE:
		if (parse_scaled(v, len,
		                 d->type == T_MSEC   ? msec_units
		                 : d->type == T_SIZE ? size_units
		                                     : plain_units,
		                 num) < 0)
			return d->type == T_MSEC
			           ? "not a duration (e.g. 30, 30s, 500ms, 2m)"
			       : d->type == T_SIZE
			           ? "not a size (e.g. 1048576, 512k, 64M, 1G)"
			           : "not a number";
		if (*num < d->min || *num > d->max)
			return "out of range";
		return NULL;
	case T_BOOL:
		return parse_bool(v, len, num) < 0 ? "must be yes or no" : NULL;
	case T_ENUM:
		for (i = 0; d->names[i] != NULL; i++)
			if (strlen(d->names[i]) == len &&
			    strncmp(d->names[i], v, len) == 0) {
				*num = (long long)i;
				return NULL;
			}
		return "not one of the allowed values";
	}
	err = "unknown setting type";
	return err;
}

int settings_set(struct settings *s, enum setting_key k, const char *val,
                 size_t len, enum setting_source src, unsigned line, char *err,
                 size_t errlen)
{
	const struct setting_desc *d = &table[k];
	const char *msg;
	long long num;
	size_t i;

	if (len >= SETTING_VALUE_MAX) {
		set_error(err, errlen, "%s: value longer than %d bytes",
		          d->name, SETTING_VALUE_MAX - 1);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)val[i];

		if (c < 0x20 || c == 0x7f) {
			set_error(err, errlen, "%s: control character in value",
			          d->name);
			return -1;
		}
	}
	if ((msg = parse_value(d, val, len, &num)) != NULL) {
		set_error(err, errlen, "%s: %s", d->name, msg);
		return -1;
	}
	if (len == 0 && d->dflt[0] != '\0' && src != SRC_DEFAULT) {
		/* An empty value means "back to the default". */
		msg = parse_value(d, d->dflt, strlen(d->dflt), &num);
		val = d->dflt;
		len = strlen(d->dflt);
	}
	memcpy(s->v[k].text, val, len);
	s->v[k].text[len] = '\0';
	s->v[k].num = num;
	s->v[k].src = src;
	s->v[k].line = line;
	return 0;
}

void settings_defaults(struct settings *s)
{
	int k;
	char err[8];

	/* No memset of the whole struct: cgi-redirect starts once per request
	 * and every value is fully set below. */
	for (k = 0; k < SET_COUNT; k++)
		(void)settings_set(s, (enum setting_key)k, table[k].dflt,
		                   strlen(table[k].dflt), SRC_DEFAULT, 0, err,
		                   sizeof(err));
}

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* One config line of len bytes (no newline). */
static int file_line(struct settings *s, const char *line, size_t len,
                     const char *path, unsigned lineno, char *err,
                     size_t errlen)
{
	const char *eq, *val;
	size_t klen, vlen;
	char msg[256];
	int k;

	while (len > 0 && (is_space(line[len - 1]) || line[len - 1] == '\r'))
		len--;
	while (len > 0 && is_space(*line)) {
		line++;
		len--;
	}
	if (len == 0 || line[0] == '#')
		return 0;
	eq = memchr(line, '=', len);
	if (eq == NULL) {
		set_error(err, errlen, "%s:%u: expected 'key = value'", path,
		          lineno);
		return -1;
	}
	klen = (size_t)(eq - line);
	while (klen > 0 && is_space(line[klen - 1]))
		klen--;
	val = eq + 1;
	vlen = len - (size_t)(val - line);
	while (vlen > 0 && is_space(*val)) {
		val++;
		vlen--;
	}
	k = settings_lookup(line, klen);
	if (k < 0 || k == SET_CONFIG) {
		set_error(err, errlen, "%s:%u: unknown key '%.*s'", path,
		          lineno, (int)(klen > 64 ? 64 : klen), line);
		return -1;
	}
	if (settings_set(s, (enum setting_key)k, val, vlen, SRC_FILE, lineno,
	                 msg, sizeof(msg)) < 0) {
		set_error(err, errlen, "%s:%u: %s", path, lineno, msg);
		return -1;
	}
	return 0;
}

int settings_load_file(struct settings *s, const char *path, char *err,
                       size_t errlen)
{
	char line[CONFIG_LINE_MAX + 2];
	unsigned lineno = 0;
	int rc = -1;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		set_error(err, errlen, "%s: cannot read: %s", path,
		          strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		else if (!feof(f)) {
			set_error(err, errlen,
			          "%s:%u: line longer than %d bytes", path,
			          lineno, CONFIG_LINE_MAX);
			goto out;
		}
		if (memchr(line, '\0', len) != NULL) {
			set_error(err, errlen, "%s:%u: NUL byte in line", path,
			          lineno);
			goto out;
		}
		if (file_line(s, line, len, path, lineno, err, errlen) < 0)
			goto out;
	}
	if (ferror(f)) {
		set_error(err, errlen, "%s: read error", path);
		goto out;
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

static int env_entry(struct settings *s, const char *entry,
                     enum setting_source src, char *err, size_t errlen)
{
	const char *eq = strchr(entry, '=');
	const char *name = entry + 6; /* after "AGENT_" */
	char msg[256];
	int k;

	if (eq == NULL)
		return 0;
	k = settings_lookup(name, (size_t)(eq - name));
	if (k < 0) {
		/* AGENT_* names the programs do not know might belong to the
		 * agent's own deployment; only per-request ones are errors,
		 * because there they can only be meant for the gateway. */
		if (src != SRC_REQUEST)
			return 0;
		set_error(err, errlen, "unknown parameter %.*s",
		          (int)(eq - entry > 64 ? 64 : eq - entry), entry);
		return -1;
	}
	if (src == SRC_REQUEST && !table[k].per_request) {
		set_error(err, errlen, "AGENT_%.40s cannot be set per request",
		          table[k].name);
		return -1;
	}
	if (src == SRC_REQUEST && s->v[SET_LOCK_AGENT].num &&
	    (k == SET_AGENT_URL || k == SET_AGENT_SOCKET)) {
		set_error(err, errlen,
		          "AGENT_%.40s per request refused: lock_agent is on",
		          table[k].name);
		return -1;
	}
	if (settings_set(s, (enum setting_key)k, eq + 1, strlen(eq + 1), src, 0,
	                 msg, sizeof(msg)) < 0) {
		/* name the variable as it was spelt: "AGENT_AGENT_URL: ..." */
		size_t skip = strlen(table[k].name) + 2;

		set_error(err, errlen, "%.*s: %s",
		          (int)(eq - entry > 64 ? 64 : eq - entry), entry,
		          strlen(msg) > skip ? msg + skip : msg);
		return -1;
	}
	return 0;
}

int settings_load_env(struct settings *s, char *const *envp,
                      enum setting_source src, char *err, size_t errlen)
{
	size_t i;

	if (envp == NULL)
		return 0;
	/* Only the exact prefix AGENT_ is read; HTTP_AGENT_URL (a client's
	 * "Agent-Url:" header) never matches it. */
	for (i = 0; envp[i] != NULL; i++)
		if (strncmp(envp[i], "AGENT_", 6) == 0 &&
		    env_entry(s, envp[i], src, err, errlen) < 0)
			return -1;
	return 0;
}

/* One command-line setting, kept until the file and environment are in. */
struct arg_value {
	int key;
	const char *val;
};

static int is_flag(const char *a, const char *name)
{
	return strcmp(a, name) == 0;
}

/* Splits argv into flags and (key, value) pairs. */
static int parse_argv(int argc, char **argv, struct cli_flags *cli,
                      struct arg_value *args, int *nargs, char *err,
                      size_t errlen)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *eq, *val;
		size_t nlen;
		int k;

		if (is_flag(a, "--help") || is_flag(a, "-h")) {
			cli->help = 1;
			continue;
		}
		if (is_flag(a, "--version") || is_flag(a, "-V")) {
			cli->version = 1;
			continue;
		}
		if (is_flag(a, "--check")) {
			cli->check = 1;
			continue;
		}
		if (strncmp(a, "--", 2) != 0) {
			set_error(err, errlen, "unexpected argument '%.64s'",
			          a);
			return -1;
		}
		eq = strchr(a + 2, '=');
		nlen = eq != NULL ? (size_t)(eq - a - 2) : strlen(a + 2);
		k = settings_lookup(a + 2, nlen);
		if (k < 0) {
			set_error(err, errlen,
			          "unknown option '--%.*s' (see --help)",
			          (int)(nlen > 64 ? 64 : nlen), a + 2);
			return -1;
		}
		if (eq != NULL) {
			val = eq + 1;
		} else if (table[k].type == T_BOOL) {
			val = "yes"; /* a bare boolean switches it on */
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			set_error(err, errlen, "option '--%s' needs a value",
			          a + 2);
			return -1;
		}
		if (*nargs >= SET_COUNT * 4) {
			set_error(err, errlen, "too many options");
			return -1;
		}
		args[*nargs].key = k;
		args[*nargs].val = val;
		(*nargs)++;
	}
	return 0;
}

/* The config file is named by the command line, else by AGENT_CONFIG. */
static const char *config_path(const struct arg_value *args, int nargs,
                               char *const *envp)
{
	const char *path = NULL;
	size_t i;
	int j;

	for (j = 0; j < nargs; j++)
		if (args[j].key == SET_CONFIG)
			path = args[j].val;
	if (path != NULL || envp == NULL)
		return path;
	for (i = 0; envp[i] != NULL; i++)
		if (strncmp(envp[i], "AGENT_CONFIG=", 13) == 0)
			path = envp[i] + 13;
	return path;
}

int settings_startup(struct settings *s, struct cli_flags *cli, int argc,
                     char **argv, char *const *envp, char *err, size_t errlen)
{
	struct arg_value args[SET_COUNT * 4];
	const char *path;
	char msg[256];
	int nargs = 0, j;

	memset(cli, 0, sizeof(*cli));
	settings_defaults(s);
	if (parse_argv(argc, argv, cli, args, &nargs, err, errlen) < 0)
		return -1;
	if (cli->help || cli->version)
		return 0;
	path = config_path(args, nargs, envp);
	if (path != NULL && path[0] != '\0' &&
	    settings_load_file(s, path, err, errlen) < 0)
		return -1;
	if (settings_load_env(s, envp, SRC_ENV, err, errlen) < 0)
		return -1;
	for (j = 0; j < nargs; j++) {
		if (settings_set(s, (enum setting_key)args[j].key, args[j].val,
		                 strlen(args[j].val), SRC_ARGV, 0, msg,
		                 sizeof(msg)) < 0) {
			set_error(err, errlen, "--%s", msg);
			return -1;
		}
	}
	return 0;
}
