/* Settings of both programs: defaults, config file, environment, command
 * line and per-request parameters, each value remembering its source. */
#include "config.h"

#include "settings.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
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
	int progs; /* enum settings_program bits */
	const char *dflt;
	long long min, max;
	const char *const *names; /* T_ENUM */
	const char *help;
};

static const char *const forwarded_names[] = {"x-forwarded", "rfc7239", "both",
                                              "none", NULL};

#define DAY_MS (24LL * 3600 * 1000)
#define ONLY_R PROG_REDIRECT
#define ONLY_F PROG_RELAY
#define BOTH   (PROG_REDIRECT | PROG_RELAY)

/* Order follows enum setting_key. */
static const struct setting_desc table[SET_COUNT] = {
    {"agent_url", T_URL, 1, BOTH, "", 0, 0, NULL,
     "base URL of the agent, http:// or https://, may carry a path prefix"},
    {"agent_socket", T_PATH, 1, ONLY_F, "", 0, 0, NULL,
     "reach the agent over this Unix socket (agent_url still names host and "
     "path)"},
    {"public_url", T_URL, 1, ONLY_R, "", 0, 0, NULL,
     "base URL that redirects send clients to (default: derived from the "
     "request)"},
    {"redirect_status", T_STATUS, 1, ONLY_R, "", 0, 0, NULL,
     "status of the redirect (unset: 302 for GET/HEAD, 307 otherwise)"},
    {"config", T_PATH, 0, BOTH, "", 0, 0, NULL,
     "config file of key = value lines"},
    {"strip_prefix", T_PREFIX, 1, BOTH, "", 0, 0, NULL,
     "path prefix the gateway is mounted under, removed before the agent sees "
     "the path"},
    {"preserve_host", T_BOOL, 1, ONLY_F, "no", 0, 1, NULL,
     "send the client's Host to the agent instead of the agent's own"},
    {"forwarded_headers", T_ENUM, 1, ONLY_F, "x-forwarded", 0, 3,
     forwarded_names,
     "forwarding information: x-forwarded, rfc7239, both or none"},
    {"trust_forwarded", T_BOOL, 1, ONLY_F, "yes", 0, 1, NULL,
     "extend the client's X-Forwarded-For/Forwarded (yes) or start them here "
     "(no)"},
    {"connect_timeout", T_MSEC, 1, ONLY_F, "5", 1, DAY_MS, NULL,
     "time to connect to the agent"},
    {"response_timeout", T_MSEC, 1, ONLY_F, "60", 1, DAY_MS, NULL,
     "time from sending the request to the agent's response head"},
    {"idle_timeout", T_MSEC, 1, ONLY_F, "300", 1, DAY_MS, NULL,
     "longest silence while a response body streams"},
    {"max_body_size", T_SIZE, 1, ONLY_F, "1G", 0, 1LL << 50, NULL,
     "largest request body passed to the agent (0: no limit)"},
    {"keepalive_max_age", T_MSEC, 0, ONLY_F, "60", 1000, DAY_MS, NULL,
     "reuse an agent connection only if younger than this (keep below the "
     "agent's keep-alive)"},
    {"ca_file", T_PATH, 0, ONLY_F, "", 0, 0, NULL,
     "CA certificates to verify an https:// agent with"},
    {"access_log", T_BOOL, 1, ONLY_F, "no", 0, 1, NULL,
     "log one line per request to stderr"},
    {"diagnose_path", T_PREFIX, 1, BOTH, "", 0, 0, NULL,
     "answer this exact request path with a diagnose page (off when unset)"},
    {"lock_agent", T_BOOL, 0, ONLY_F, "no", 0, 1, NULL,
     "refuse per-request agent_url and agent_socket parameters"},
    {"listen", T_LISTEN, 0, ONLY_F, "", 0, 0, NULL,
     "serve FastCGI on HOST:PORT or a Unix socket path"},
    {"max_workers", T_UINT, 0, ONLY_F, "0", 0, 65536, NULL,
     "most requests served at once by one process, 503 past it (0: derived "
     "from the descriptor and thread limits)"},
    {"request_head_timeout", T_MSEC, 0, ONLY_F, "10", 1, DAY_MS, NULL,
     "time the web server has to send a request's parameters"},
    {"shutdown_timeout", T_MSEC, 0, ONLY_F, "30", 0, DAY_MS, NULL,
     "on SIGTERM, how long requests in flight may finish"},
    /* Process-wide only: a per-request parameter could turn any path
     * into the status page, or shadow one of the agent's. */
    {"status_path", T_PREFIX, 0, ONLY_F, "", 0, 0, NULL,
     "answer this exact request path with the relay's counters (off when "
     "unset)"},
    {"ping_path", T_PREFIX, 0, ONLY_F, "", 0, 0, NULL,
     "answer this exact request path with \"pong\" (off when unset)"},
    {"ready_path", T_PREFIX, 0, ONLY_F, "", 0, 0, NULL,
     "answer this exact request path with 200 when the agent answers, 503 "
     "otherwise (off when unset)"},
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

int settings_applies(enum setting_key k, enum settings_program prog)
{
	return (table[k].progs & (int)prog) != 0;
}

const char *settings_kind(enum setting_key k)
{
	static const char *const kinds[] = {
	    [T_URL] = "URL",       [T_PATH] = "PATH",   [T_PREFIX] = "PREFIX",
	    [T_STATUS] = "CODE",   [T_UINT] = "NUMBER", [T_MSEC] = "DURATION",
	    [T_SIZE] = "SIZE",     [T_BOOL] = "yes|no", [T_ENUM] = "NAME",
	    [T_LISTEN] = "ADDRESS"};

	return kinds[table[k].type];
}

const char *settings_default_text(enum setting_key k, char *buf, size_t len)
{
	const struct setting_desc *d = &table[k];

	if (d->dflt[0] == '\0')
		snprintf(buf, len, "unset");
	else
		snprintf(buf, len, "%s%s", d->dflt,
		         d->type == T_MSEC ? "s" : "");
	return buf;
}

/* n milliseconds in the largest accepted unit that is exact. */
static void msec_text(long long n, char *buf, size_t len)
{
	if (n % 60000 == 0 && n / 60000 < 60 && n != 0)
		snprintf(buf, len, "%lldm", n / 60000);
	else if (n % 1000 == 0)
		snprintf(buf, len, "%llds", n / 1000);
	else
		snprintf(buf, len, "%lldms", n);
}

/* n bytes in the largest accepted unit that is exact. */
static void size_text(long long n, char *buf, size_t len)
{
	static const char *const sfx[] = {"", "k", "M", "G"};
	int u = 0;

	while (u < 3 && n != 0 && n % 1024 == 0) {
		n /= 1024;
		u++;
	}
	snprintf(buf, len, "%lld%s", n, sfx[u]);
}

/* "a, b, c or d" from a NULL-terminated list. */
static void list_text(const char *const *names, char *buf, size_t len)
{
	size_t used = 0;
	int i, n = 0;

	while (names[n] != NULL)
		n++;
	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s",
		                 i == 0       ? ""
		                 : i == n - 1 ? " or "
		                              : ", ",
		                 names[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

const char *settings_allowed(enum setting_key k, char *buf, size_t len)
{
	static const char *const statuses[] = {"301", "302", "303",
	                                       "307", "308", NULL};
	const struct setting_desc *d = &table[k];
	char lo[32], hi[32];

	buf[0] = '\0';
	switch (d->type) {
	case T_UINT:
		snprintf(buf, len, "%lld..%lld", d->min, d->max);
		break;
	case T_MSEC:
		msec_text(d->min, lo, sizeof(lo));
		msec_text(d->max, hi, sizeof(hi));
		snprintf(buf, len, "%s..%s", lo, hi);
		break;
	case T_SIZE:
		size_text(d->min, lo, sizeof(lo));
		size_text(d->max, hi, sizeof(hi));
		snprintf(buf, len, "%s..%s", lo, hi);
		break;
	case T_BOOL:
		snprintf(buf, len, "yes or no (also on/off, true/false, 1/0)");
		break;
	case T_STATUS:
		list_text(statuses, buf, len);
		break;
	case T_ENUM:
		list_text(d->names, buf, len);
		break;
	case T_URL:
	case T_PATH:
	case T_PREFIX:
	case T_LISTEN:
		break;
	}
	return buf;
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

/* Start-up notes: filled before any thread exists, read after. */
static char notes[SETTINGS_NOTES_MAX][SETTINGS_NOTE_LEN];
static int note_count;

static void add_note(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void add_note(const char *fmt, ...)
{
	va_list ap;

	if (note_count >= SETTINGS_NOTES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(notes[note_count++], SETTINGS_NOTE_LEN, fmt, ap);
	va_end(ap);
}

int settings_note_count(void)
{
	return note_count;
}

const char *settings_note(int i)
{
	return i >= 0 && i < note_count ? notes[i] : "";
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

/* The message for a value of d that does not parse: what is wrong, and
 * what would be right. */
static const char *value_problem(const struct setting_desc *d, const char *what,
                                 int in_parens, char *buf, size_t len)
{
	char allowed[160];

	settings_allowed((enum setting_key)(d - table), allowed,
	                 sizeof(allowed));
	if (in_parens)
		snprintf(buf, len, "%s (%s)", what, allowed);
	else
		snprintf(buf, len, "%s %s", what, allowed);
	return buf;
}

static const char *number_problem(const struct setting_desc *d, char *buf,
                                  size_t len)
{
	switch (d->type) {
	case T_MSEC:
		return value_problem(d,
		                     "not a duration (e.g. 30, 30s, 500ms, 2m):"
		                     " allowed",
		                     0, buf, len);
	case T_SIZE:
		return value_problem(d,
		                     "not a size (e.g. 1048576, 512k, 64M, 1G):"
		                     " allowed",
		                     0, buf, len);
	default:
		return value_problem(d, "not a whole number in", 0, buf, len);
	}
}

/* Validates v and computes its number; NULL, or a message (maybe built
 * in buf). */
static const char *parse_value(const struct setting_desc *d, const char *v,
                               size_t len, long long *num, char *buf,
                               size_t buflen)
{
	struct base_url u;
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
			return value_problem(d, "must be", 0, buf, buflen);
		return NULL;
	case T_UINT:
	case T_MSEC:
	case T_SIZE:
		if (parse_scaled(v, len,
		                 d->type == T_MSEC   ? msec_units
		                 : d->type == T_SIZE ? size_units
		                                     : plain_units,
		                 num) < 0)
			return number_problem(d, buf, buflen);
		if (*num < d->min || *num > d->max)
			return value_problem(d, "out of range", 0, buf, buflen);
		return NULL;
	case T_BOOL:
		if (parse_bool(v, len, num) < 0)
			return value_problem(d, "must be", 0, buf, buflen);
		return NULL;
	case T_ENUM:
		for (i = 0; d->names[i] != NULL; i++)
			if (strlen(d->names[i]) == len &&
			    strncmp(d->names[i], v, len) == 0) {
				*num = (long long)i;
				return NULL;
			}
		return value_problem(d, "must be", 0, buf, buflen);
	}
	return "unknown setting type";
}

int settings_set(struct settings *s, enum setting_key k, const char *val,
                 size_t len, enum setting_source src, unsigned line, char *err,
                 size_t errlen)
{
	const struct setting_desc *d = &table[k];
	const char *msg;
	char buf[256];
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
	if ((msg = parse_value(d, val, len, &num, buf, sizeof(buf))) != NULL) {
		set_error(err, errlen, "%s: %s", d->name, msg);
		return -1;
	}
	if (len == 0 && d->dflt[0] != '\0' && src != SRC_DEFAULT) {
		/* An empty value means "back to the default". */
		msg = parse_value(d, d->dflt, strlen(d->dflt), &num, buf,
		                  sizeof(buf));
		val = d->dflt;
		len = strlen(d->dflt);
	}
	memcpy(s->v[k].text, val, len);
	s->v[k].text[len] = '\0';
	s->v[k].num = num;
	s->v[k].src = src;
	s->v[k].line = line;
	s->v[k].old_name = 0;
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

/* The value part of a config line (after '=', leading blanks gone):
 * unquoted up to a '#' that follows a blank, or inside matching quotes
 * with nothing but a comment after them. NULL or the problem. */
static const char *file_value(const char *v, size_t len, const char **out,
                              size_t *outlen)
{
	const char *close;
	size_t i, rest;

	if (len > 0 && (v[0] == '"' || v[0] == '\'')) {
		close = memchr(v + 1, v[0], len - 1);
		if (close == NULL)
			return v[0] == '"' ? "missing closing \" (quotes have "
			                     "no escapes)"
			                   : "missing closing ' (quotes have "
			                     "no escapes)";
		*out = v + 1;
		*outlen = (size_t)(close - v - 1);
		rest = len - (size_t)(close + 1 - v);
		for (i = 0; i < rest && is_space(close[1 + i]); i++)
			;
		if (i < rest && close[1 + i] != '#')
			return "text after the closing quote (a comment starts "
			       "with '#')";
		return NULL;
	}
	for (i = 0; i < len; i++)
		if (v[i] == '#' && (i == 0 || is_space(v[i - 1])))
			break;
	while (i > 0 && is_space(v[i - 1]))
		i--;
	*out = v;
	*outlen = i;
	return NULL;
}

/* One config line of len bytes (no newline). */
static int file_line(struct settings *s, const char *line, size_t len,
                     const char *path, unsigned lineno, char *err,
                     size_t errlen)
{
	const char *eq, *val, *problem, *alias;
	size_t klen, vlen;
	char msg[320], hint[96];
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
		set_error(err, errlen, "%s:%u: unknown key '%.*s'%s", path,
		          lineno, (int)(klen > 64 ? 64 : klen), line,
		          k == SET_CONFIG
		              ? " (a config file cannot name "
		                "another)"
		              : settings_did_you_mean(line, klen, STYLE_KEY,
		                                      hint, sizeof(hint)));
		return -1;
	}
	if ((problem = file_value(val, vlen, &val, &vlen)) != NULL) {
		set_error(err, errlen, "%s:%u: %s: %s", path, lineno,
		          table[k].name, problem);
		return -1;
	}
	if (settings_set(s, (enum setting_key)k, val, vlen, SRC_FILE, lineno,
	                 msg, sizeof(msg)) < 0) {
		set_error(err, errlen, "%s:%u: %s", path, lineno, msg);
		return -1;
	}
	if ((alias = settings_alias_of(line, klen)) != NULL) {
		s->v[k].old_name = 1;
		add_note("%s:%u: '%.*s' is a deprecated name: use %s", path,
		         lineno, (int)klen, line, alias);
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

/* Per-request parameters under an old name still work; the log says so
 * once per process, not once per request. */
static void warn_old_param_once(const char *name, size_t len,
                                enum setting_key k)
{
	static int warned;
	char env[64];

	if (__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		return;
	log_warning("per-request parameter %.*s is a deprecated name: use %s",
	            (int)(len > 64 ? 64 : len), name,
	            settings_env_name(k, env, sizeof(env)));
}

/* Refusals that only a per-request parameter gets. */
static int request_refused(const struct settings *s, enum setting_key k,
                           char *err, size_t errlen)
{
	char env[64];

	settings_env_name(k, env, sizeof(env));
	if (!table[k].per_request) {
		set_error(err, errlen,
		          "%s cannot be set per request (only in the config "
		          "file, the process environment or on the command "
		          "line)",
		          env);
		return -1;
	}
	if (s->v[SET_LOCK_AGENT].num &&
	    (k == SET_AGENT_URL || k == SET_AGENT_SOCKET)) {
		set_error(err, errlen,
		          "%s per request refused: lock_agent is on", env);
		return -1;
	}
	return 0;
}

static int env_entry(struct settings *s, const char *entry,
                     enum setting_source src, char *err, size_t errlen)
{
	const char *eq = strchr(entry, '=');
	size_t nlen;
	char msg[320], hint[96], env[64];
	int k, old, noted;

	if (eq == NULL)
		return 0;
	nlen = (size_t)(eq - entry);
	k = settings_env_lookup(entry, nlen, &old);
	if (k < 0) {
		settings_did_you_mean(entry, nlen, STYLE_ENV, hint,
		                      sizeof(hint));
		/* AGENT_* names the programs do not know might belong to the
		 * agent's own deployment; only per-request ones are errors,
		 * because there they can only be meant for the gateway. */
		if (src != SRC_REQUEST) {
			add_note("unknown environment variable %.*s ignored%s",
			         (int)(nlen > 64 ? 64 : nlen), entry, hint);
			return 0;
		}
		set_error(err, errlen, "unknown parameter %.*s%s",
		          (int)(nlen > 64 ? 64 : nlen), entry, hint);
		return -1;
	}
	if (k == SET_CONFIG && src != SRC_REQUEST)
		return 0; /* read first, by settings_startup() */
	if (src == SRC_REQUEST &&
	    request_refused(s, (enum setting_key)k, err, errlen) < 0)
		return -1;
	/* Under CGI the environment comes again as the request's: named at
	 * start-up already. */
	noted = s->v[k].old_name && s->v[k].src == SRC_ENV;
	if (settings_set(s, (enum setting_key)k, eq + 1, strlen(eq + 1), src, 0,
	                 msg, sizeof(msg)) < 0) {
		/* name the variable as it was spelt: "AGENT_URL: ..." */
		size_t skip = strlen(table[k].name) + 2;

		set_error(err, errlen, "%.*s: %s", (int)(nlen > 64 ? 64 : nlen),
		          entry, strlen(msg) > skip ? msg + skip : msg);
		return -1;
	}
	if (old) {
		s->v[k].old_name = 1;
		/* Requests run in worker threads: they log, never add notes. */
		if (src == SRC_REQUEST) {
			if (!noted)
				warn_old_param_once(entry, nlen,
				                    (enum setting_key)k);
		} else {
			add_note("environment variable %.*s is a deprecated "
			         "name: use %s",
			         (int)(nlen > 64 ? 64 : nlen), entry,
			         settings_env_name((enum setting_key)k, env,
			                           sizeof(env)));
		}
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
	int old; /* given under a deprecated name */
};

static int is_flag(const char *a, const char *name)
{
	return strcmp(a, name) == 0;
}

static void note_old_option(const char *name, size_t len, const char *key)
{
	char opt[64];
	size_t i;

	snprintf(opt, sizeof(opt), "%s", key);
	for (i = 0; opt[i] != '\0'; i++)
		if (opt[i] == '_')
			opt[i] = '-';
	add_note("option --%.*s is a deprecated name: use --%s",
	         (int)(len > 64 ? 64 : len), name, opt);
}

/* Splits argv into flags and (key, value) pairs. */
static int parse_argv(int argc, char **argv, struct cli_flags *cli,
                      struct arg_value *args, int *nargs, char *err,
                      size_t errlen)
{
	char hint[96];
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *eq, *val, *alias;
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
			set_error(err, errlen, "unknown option '--%.*s'%s",
			          (int)(nlen > 64 ? 64 : nlen), a + 2,
			          settings_did_you_mean(a + 2, nlen,
			                                STYLE_OPTION, hint,
			                                sizeof(hint)));
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
		alias = settings_alias_of(a + 2, nlen);
		if (alias != NULL)
			note_old_option(a + 2, nlen, alias);
		if (*nargs >= SET_COUNT * 4) {
			set_error(err, errlen, "too many options");
			return -1;
		}
		args[*nargs].key = k;
		args[*nargs].val = val;
		args[*nargs].old = alias != NULL;
		(*nargs)++;
	}
	return 0;
}

/* The config file is named by the command line, else by AGENT_CONFIG. */
static const char *config_path(const struct arg_value *args, int nargs,
                               char *const *envp, enum setting_source *src)
{
	const char *path = NULL;
	size_t i;
	int j;

	*src = SRC_ARGV;
	for (j = 0; j < nargs; j++)
		if (args[j].key == SET_CONFIG)
			path = args[j].val;
	if (path != NULL || envp == NULL)
		return path;
	*src = SRC_ENV;
	for (i = 0; envp[i] != NULL; i++)
		if (strncmp(envp[i], "AGENT_CONFIG=", 13) == 0)
			path = envp[i] + 13;
	return path;
}

/* Reads the config file; a relative name is taken from the working
 * directory (for a CGI program: the script's directory) and remembered
 * as the absolute path, so --check shows which file it was. */
static int load_config(struct settings *s, const char *path,
                       enum setting_source src, char *err, size_t errlen)
{
	char abs[PATH_MAX], msg[SETTING_VALUE_MAX + 64];

	if (path == NULL || path[0] == '\0')
		return 0;
	if (realpath(path, abs) == NULL) {
		set_error(err, errlen, "config file %s: cannot read: %s", path,
		          strerror(errno));
		return -1;
	}
	if (settings_set(s, SET_CONFIG, abs, strlen(abs), src, 0, msg,
	                 sizeof(msg)) < 0) {
		set_error(err, errlen, "%s", msg);
		return -1;
	}
	return settings_load_file(s, abs, err, errlen);
}

/* Logs the start-up notes: --check prints them in its report instead,
 * unless start-up failed and there will be no report. */
static void log_notes(void)
{
	int i;

	for (i = 0; i < note_count; i++)
		log_warning("%s", notes[i]);
}

int settings_startup(struct settings *s, struct cli_flags *cli, int argc,
                     char **argv, char *const *envp, char *err, size_t errlen)
{
	struct arg_value args[SET_COUNT * 4];
	enum setting_source csrc = SRC_ARGV;
	char msg[320];
	int nargs = 0, j, rc = -1;

	memset(cli, 0, sizeof(*cli));
	note_count = 0;
	settings_defaults(s);
	if (parse_argv(argc, argv, cli, args, &nargs, err, errlen) < 0)
		goto out;
	if (cli->help || cli->version) {
		rc = 0;
		goto out;
	}
	if (load_config(s, config_path(args, nargs, envp, &csrc), csrc, err,
	                errlen) < 0)
		goto out;
	if (settings_load_env(s, envp, SRC_ENV, err, errlen) < 0)
		goto out;
	for (j = 0; j < nargs; j++) {
		if (args[j].key == SET_CONFIG)
			continue;
		if (settings_set(s, (enum setting_key)args[j].key, args[j].val,
		                 strlen(args[j].val), SRC_ARGV, 0, msg,
		                 sizeof(msg)) < 0) {
			set_error(err, errlen, "--%s", msg);
			goto out;
		}
		s->v[args[j].key].old_name = args[j].old;
	}
	rc = 0;
out:
	if ((rc < 0 || !cli->check) && !cli->help && !cli->version)
		log_notes();
	return rc;
}
