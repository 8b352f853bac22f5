/* Settings generations. A generation is freed by whoever drops its last
 * reference: the reload that replaces it, or the last request that
 * started under it. One mutex guards the pointer and the counts: two
 * uncontended lock operations per request, where lock-free counting of
 * a pointer that a reload may swap and free would need hazard pointers
 * or epochs for no measurable gain. */
#include "config.h"

#include "reload.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct generation {
	struct settings s; /* first: a settings pointer is its generation */
	int refs;          /* requests under it, plus one while current */
	unsigned serial;
};

static struct {
	pthread_mutex_t lock;
	struct generation *cur;
	int argc;
	char **argv;
} g = {.lock = PTHREAD_MUTEX_INITIALIZER};

extern char **environ;

/* Read once, by the listener and the workers made at start: a new value
 * would apply to some connections and not others. */
static const enum setting_key restart_only[] = {SET_LISTEN,
                                                SET_REQUEST_HEAD_TIMEOUT};

const char *reload_unusable(const struct settings *s)
{
	if (!settings_isset(s, SET_AGENT_URL) &&
	    settings_num(s, SET_LOCK_AGENT))
		return "agent_url is not set and lock_agent forbids "
		       "per-request agent_url";
	return NULL;
}

int reload_init(const struct settings *s, int argc, char **argv)
{
	struct generation *gen = malloc(sizeof(*gen));

	if (gen == NULL)
		return -1;
	memcpy(&gen->s, s, sizeof(gen->s));
	gen->refs = 1;
	gen->serial = 1;
	g.cur = gen;
	g.argc = argc;
	g.argv = argv;
	return 0;
}

const struct settings *reload_acquire(void)
{
	struct generation *gen;

	pthread_mutex_lock(&g.lock);
	gen = g.cur;
	gen->refs++;
	pthread_mutex_unlock(&g.lock);
	return &gen->s;
}

/* Drops one reference; the caller holds the lock. */
static void unref_locked(struct generation *gen)
{
	if (--gen->refs == 0)
		free(gen);
}

void reload_release(const struct settings *s)
{
	pthread_mutex_lock(&g.lock);
	unref_locked((struct generation *)s);
	pthread_mutex_unlock(&g.lock);
}

/* Keeps the running value of each restart-only setting, with a warning
 * where the new set differs. */
static void keep_restart_only(struct settings *next, const struct settings *old)
{
	size_t i;

	for (i = 0; i < sizeof(restart_only) / sizeof(restart_only[0]); i++) {
		enum setting_key k = restart_only[i];

		if (strcmp(next->v[k].text, old->v[k].text) != 0 ||
		    next->v[k].num != old->v[k].num)
			log_warning("reload: %s changed; it takes a restart, "
			            "the running value is kept",
			            settings_name(k));
		next->v[k] = old->v[k];
	}
}

int reload_now(void)
{
	struct generation *next = malloc(sizeof(*next)), *old;
	struct cli_flags cli;
	const char *why;
	char err[512];

	if (next == NULL) {
		log_msg("reload refused: out of memory; the running settings "
		        "are kept");
		return -1;
	}
	if (settings_startup(&next->s, &cli, g.argc, g.argv, environ, err,
	                     sizeof(err)) < 0) {
		log_msg("reload refused: %s; the running settings are kept",
		        err);
		free(next);
		return -1;
	}
	if ((why = reload_unusable(&next->s)) != NULL) {
		log_msg("reload refused: %s; the running settings are kept",
		        why);
		free(next);
		return -1;
	}
	pthread_mutex_lock(&g.lock);
	old = g.cur;
	keep_restart_only(&next->s, &old->s);
	next->refs = 1;
	next->serial = old->serial + 1;
	g.cur = next;
	unref_locked(old);
	pthread_mutex_unlock(&g.lock);
	log_info("reload: settings generation %u for new requests; those in "
	         "flight finish on the ones they started with",
	         next->serial);
	return 0;
}
