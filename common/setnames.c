/* Setting names: environment spellings, deprecated aliases, and the
 * "did you mean" for a name nobody knows. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "settings.h"

/* The part after "AGENT_" in k's environment name, in lower case. */
static const char *env_suffix(enum setting_key k)
{
	const char *n = settings_name(k);

	return strncmp(n, "agent_", 6) == 0 ? n + 6 : n;
}

/* "AGENT_" and n in capitals, cut to fit. */
static const char *upper_env(const char *n, char *buf, size_t len)
{
	size_t i;

	if (len == 0)
		return buf;
	snprintf(buf, len, "AGENT_%s", n);
	for (i = 6; i < len && buf[i] != '\0'; i++)
		if (buf[i] >= 'a' && buf[i] <= 'z')
			buf[i] = (char)(buf[i] - 32);
	return buf;
}

const char *settings_env_name(enum setting_key k, char *buf, size_t len)
{
	return upper_env(env_suffix(k), buf, len);
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

/* The alias at name (len bytes), or -1. */
static int alias_index(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (name_matches(name, len, aliases[i].name))
			return (int)i;
	return -1;
}

int settings_lookup(const char *name, size_t len)
{
	int k, a;

	for (k = 0; k < SET_COUNT; k++)
		if (name_matches(name, len, settings_name((enum setting_key)k)))
			return k;
	a = alias_index(name, len);
	return a < 0 ? -1 : (int)aliases[a].key;
}

const char *settings_alias_of(const char *name, size_t len)
{
	int a = alias_index(name, len);

	return a < 0 ? NULL : settings_name(aliases[a].key);
}

int settings_env_lookup(const char *name, size_t len, int *old)
{
	int k;

	*old = 0;
	if (len < 6 || strncmp(name, "AGENT_", 6) != 0)
		return -1;
	name += 6;
	len -= 6;
	for (k = 0; k < SET_COUNT; k++)
		if (name_matches(name, len, env_suffix((enum setting_key)k)))
			return k;
	/* Before AGENT_URL, every key was prefixed: AGENT_AGENT_URL; and
	 * AGENT_THREADS is the old name of AGENT_MAX_WORKERS. */
	k = settings_lookup(name, len);
	if (k >= 0)
		*old = 1;
	return k;
}

/* Edit distance of a (alen bytes, any case, '-' as '_') to the lower-case
 * name b; counts stop at 9, which is far enough to mean "not close". */
static unsigned distance(const char *a, size_t alen, const char *b)
{
	unsigned row[64], i, j, blen = (unsigned)strlen(b);

	if (alen >= 60 || blen >= 60)
		return 9;
	for (j = 0; j <= blen; j++)
		row[j] = j;
	for (i = 1; i <= alen; i++) {
		unsigned diag = row[0], c;
		char ca = a[i - 1] == '-' ? '_' : a[i - 1];

		if (ca >= 'A' && ca <= 'Z')
			ca = (char)(ca + 32);
		row[0] = i;
		for (j = 1; j <= blen; j++) {
			unsigned up = row[j];

			c = diag + (ca != b[j - 1]);
			if (row[j] + 1 < c)
				c = row[j] + 1;
			if (row[j - 1] + 1 < c)
				c = row[j - 1] + 1;
			row[j] = c;
			diag = up;
		}
	}
	return row[blen] < 9 ? row[blen] : 9;
}

/* Whether d edits are few enough for a name of len bytes to be a typo. */
static int close_enough(unsigned d, size_t len)
{
	return d <= 1 + len / 4 && d <= 3;
}

const char *settings_suggest(const char *name, size_t len, int env, char *buf,
                             size_t buflen)
{
	unsigned best = 99, d;
	int k, best_k = -1;

	if (env) {
		if (len < 6 || strncmp(name, "AGENT_", 6) != 0)
			return NULL;
		name += 6;
		len -= 6;
	}
	/* Old spellings are candidates too ("AGENT_AGNET_URL" is one typo
	 * from AGENT_AGENT_URL); the suggestion is always the new name. */
	for (k = 0; k < SET_COUNT; k++) {
		d = distance(name, len, settings_name((enum setting_key)k));
		if (env) {
			unsigned e = distance(name, len,
			                      env_suffix((enum setting_key)k));

			d = e < d ? e : d;
		}
		if (d < best) {
			best = d;
			best_k = k;
		}
	}
	for (k = 0; k < (int)(sizeof(aliases) / sizeof(aliases[0])); k++) {
		d = distance(name, len, aliases[k].name);
		if (d < best) {
			best = d;
			best_k = (int)aliases[k].key;
		}
	}
	if (best_k < 0 || best == 0 || !close_enough(best, len))
		return NULL;
	if (env)
		return settings_env_name((enum setting_key)best_k, buf, buflen);
	snprintf(buf, buflen, "%s", settings_name((enum setting_key)best_k));
	return buf;
}

/* " (did you mean X?)", or a pointer to --help, into buf. */
const char *settings_did_you_mean(const char *name, size_t len,
                                  enum name_style style, char *buf,
                                  size_t buflen)
{
	char sug[64];
	size_t i;

	if (settings_suggest(name, len, style == STYLE_ENV, sug, sizeof(sug)) ==
	    NULL) {
		snprintf(buf, buflen, " (see --help)");
		return buf;
	}
	if (style == STYLE_OPTION)
		for (i = 0; sug[i] != '\0'; i++)
			if (sug[i] == '_')
				sug[i] = '-';
	snprintf(buf, buflen, " (did you mean %s%s?)",
	         style == STYLE_OPTION ? "--" : "", sug);
	return buf;
}
