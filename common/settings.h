/* Settings of both programs: defaults, config file, environment, command
 * line and per-request parameters, each value remembering its source. */
#ifndef AG_SETTINGS_H
#define AG_SETTINGS_H

#include <stddef.h>

#include "ag_limits.h"

enum setting_key {
	SET_AGENT_URL,
	SET_AGENT_SOCKET,
	SET_PUBLIC_URL,
	SET_REDIRECT_STATUS,
	SET_CONFIG,
	SET_STRIP_PREFIX,
	SET_PRESERVE_HOST,
	SET_FORWARDED_HEADERS,
	SET_TRUST_FORWARDED,
	SET_CONNECT_TIMEOUT,
	SET_RESPONSE_TIMEOUT,
	SET_IDLE_TIMEOUT,
	SET_MAX_BODY_SIZE,
	SET_KEEPALIVE_MAX_AGE,
	SET_CA_FILE,
	SET_ACCESS_LOG,
	SET_DIAGNOSE_PATH,
	SET_LOCK_AGENT,
	SET_LISTEN,
	SET_MAX_WORKERS,
	SET_REQUEST_HEAD_TIMEOUT,
	SET_SHUTDOWN_TIMEOUT,
	SET_STATUS_PATH,
	SET_PING_PATH,
	SET_READY_PATH,
	SET_COUNT
};

/* Weakest first: a later source overrides an earlier one. */
enum setting_source { SRC_DEFAULT, SRC_FILE, SRC_ENV, SRC_ARGV, SRC_REQUEST };

/* Values of forwarded_headers. */
enum forwarded_style { FWD_X_FORWARDED, FWD_RFC7239, FWD_BOTH, FWD_NONE };

struct setting_value {
	char text[SETTING_VALUE_MAX]; /* as given ("" = unset) */
	long long num; /* parsed: number, ms, bytes, bool, enum index */
	enum setting_source src;
	unsigned line; /* config file line, for SRC_FILE */
};

/* Plain data with no pointers: copying the struct gives a request its own
 * overlay of the process settings. */
struct settings {
	struct setting_value v[SET_COUNT];
};

/* What the command line asked for besides settings. */
struct cli_flags {
	int help;
	int version;
	int check;
};

/* Key name ("agent_url") of k. */
const char *settings_name(enum setting_key k);
/* One-line description of k, for --help. */
const char *settings_help(enum setting_key k);
/* Whether k may come from a per-request AGENT_* parameter. */
int settings_per_request(enum setting_key k);
/* Human-readable source: "default", "config file", ... */
const char *settings_source_name(enum setting_source src);

/* Key for a name of len bytes; '-' and '_' are the same. -1 if unknown. */
int settings_lookup(const char *name, size_t len);

void settings_defaults(struct settings *s);

/* Parse and store one value; on error writes a message (without file or
 * line: the caller adds where it came from) and returns -1. */
int settings_set(struct settings *s, enum setting_key k, const char *val,
                 size_t len, enum setting_source src, unsigned line, char *err,
                 size_t errlen);

/* Read a config file: "key = value" lines, '#' comments. The message on
 * error is "FILE:LINE: problem". */
int settings_load_file(struct settings *s, const char *path, char *err,
                       size_t errlen);

/* Apply every AGENT_* entry of a NAME=value array (a CGI environment or
 * FastCGI parameters) with the given source. With SRC_REQUEST only
 * per-request keys are allowed, and agent_url/agent_socket are refused
 * when lock_agent is on. Names starting HTTP_ are never looked at. */
int settings_load_env(struct settings *s, char *const *envp,
                      enum setting_source src, char *err, size_t errlen);

/* The whole start-up sequence of both programs: defaults, then the file
 * named by --config or AGENT_CONFIG, then the environment, then the
 * command line. Unknown options are errors. */
int settings_startup(struct settings *s, struct cli_flags *cli, int argc,
                     char **argv, char *const *envp, char *err, size_t errlen);

static inline const char *settings_str(const struct settings *s,
                                       enum setting_key k)
{
	return s->v[k].text;
}

static inline long long settings_num(const struct settings *s,
                                     enum setting_key k)
{
	return s->v[k].num;
}

static inline int settings_isset(const struct settings *s, enum setting_key k)
{
	return s->v[k].text[0] != '\0';
}

#endif
