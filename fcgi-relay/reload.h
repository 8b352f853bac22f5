/* The process settings as generations: SIGHUP reads the config file,
 * the environment and the command line again into a new one; requests
 * take the generation current when they start and keep it to their end. */
#ifndef AG_RELOAD_H
#define AG_RELOAD_H

#include "settings.h"

/* Why s cannot serve, or NULL: an empty agent_url is legal (each
 * request may bring its own) unless lock_agent forbids exactly that. */
const char *reload_unusable(const struct settings *s);

/* The first generation, a copy of s; argc/argv are read again at each
 * reload and must live as long as the process. -1: out of memory. */
int reload_init(const struct settings *s, int argc, char **argv);

/* The current generation, held until reload_release(). */
const struct settings *reload_acquire(void);
void reload_release(const struct settings *s);

/* Reads the settings again (the signal thread at SIGHUP). A new set
 * that fails to parse, cannot serve or changes a setting that takes a
 * restart is refused with a log line and the old one kept. 0 when the new
 * generation is current, -1 when refused. */
int reload_now(void);

#endif
