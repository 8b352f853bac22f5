/* Settings of both programs: defaults, config file, environment, command
 * line and per-request parameters, each value remembering its source. */
#ifndef AG_SETTINGS_H
#define AG_SETTINGS_H

#include <stddef.h>
#include <stdio.h>

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
	int old_name;  /* given under a deprecated name (AGENT_AGENT_URL) */
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

/* Which program reads a setting; --help and --check show only these. */
enum settings_program { PROG_REDIRECT = 1, PROG_RELAY = 2 };

/* Key name ("agent_url") of k. */
const char *settings_name(enum setting_key k);
/* One-line description of k, for --help. */
const char *settings_help(enum setting_key k);
/* Whether k may come from a per-request AGENT_* parameter. */
int settings_per_request(enum setting_key k);
/* Whether program prog reads k. */
int settings_applies(enum setting_key k, enum settings_program prog);
/* The environment name of k: "AGENT_" and the key in capitals, without a
 * second prefix ("agent_url" is AGENT_URL, "listen" is AGENT_LISTEN). */
const char *settings_env_name(enum setting_key k, char *buf, size_t len);
/* The kind of value for --help: "URL", "PATH", "DURATION", ... */
const char *settings_kind(enum setting_key k);
/* The default as --help shows it ("5s", "1G", "unset"). */
const char *settings_default_text(enum setting_key k, char *buf, size_t len);
/* The allowed values or range ("1ms..86400s", "yes or no"), "" if any
 * value of the kind will do. */
const char *settings_allowed(enum setting_key k, char *buf, size_t len);
/* Human-readable source: "default", "config file", ... */
const char *settings_source_name(enum setting_source src);

/* The settings part of --help: each setting prog reads with its config
 * key, environment name, option, kind of value, default and allowed
 * values. */
void settings_print_help(FILE *f, enum settings_program prog);

/* Key for a name of len bytes; '-' and '_' are the same, case does not
 * matter, deprecated aliases ("threads") count. -1 if unknown. */
int settings_lookup(const char *name, size_t len);

/* The canonical name of a deprecated alias of len bytes ("threads" ->
 * "max_workers"), NULL if name is not an alias. */
const char *settings_alias_of(const char *name, size_t len);

/* Key for an environment or parameter name of len bytes, "AGENT_URL"
 * included; *old is set when the name is a deprecated spelling
 * (AGENT_AGENT_URL, AGENT_THREADS). -1 if unknown. */
int settings_env_lookup(const char *name, size_t len, int *old);

/* The known name closest to an unknown one, for "did you mean": a key
 * (env = 0) or an environment name (env = 1). NULL if none is close. */
const char *settings_suggest(const char *name, size_t len, int env, char *buf,
                             size_t buflen);

/* How an unknown name was given, for the suggestion's spelling. */
enum name_style { STYLE_KEY, STYLE_ENV, STYLE_OPTION };

/* " (did you mean X?)" in the style of the unknown name, or
 * " (see --help)" when no known name is close; written to buf. */
const char *settings_did_you_mean(const char *name, size_t len,
                                  enum name_style style, char *buf,
                                  size_t buflen);

/* Warnings that start-up found but that do not stop it: deprecated names,
 * unknown AGENT_* names in the environment. settings_startup() logs them
 * unless --check is given (which reports them instead). */
int settings_note_count(void);
const char *settings_note(int i);

void settings_defaults(struct settings *s);

/* Parse and store one value; on error writes a message (without file or
 * line: the caller adds where it came from) and returns -1. */
int settings_set(struct settings *s, enum setting_key k, const char *val,
                 size_t len, enum setting_source src, unsigned line, char *err,
                 size_t errlen);

/* Read a config file: "key = value" lines, '#' comments (also after a
 * value, after a space), values optionally in "double" or 'single'
 * quotes (no escapes inside). The message on error is "FILE:LINE:
 * problem". */
int settings_load_file(struct settings *s, const char *path, char *err,
                       size_t errlen);

/* Apply every AGENT_* entry of a NAME=value array (a CGI environment or
 * FastCGI parameters) with the given source. With SRC_REQUEST only
 * per-request keys are allowed, and agent_url/agent_socket are refused
 * when lock_agent is on. Names starting HTTP_ are never looked at. */
int settings_load_env(struct settings *s, char *const *envp,
                      enum setting_source src, char *err, size_t errlen);

/* The whole start-up sequence of both programs: defaults, then the file
 * named by --config or AGENT_CONFIG (a relative path is taken from the
 * working directory and kept as an absolute one), then the environment,
 * then the command line. Unknown options are errors; unknown AGENT_*
 * names in the environment and deprecated names are notes. */
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
