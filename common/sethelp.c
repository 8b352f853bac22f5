/* The settings part of --help, the same for both programs. */
#include "config.h"

#include <stdio.h>

#include "settings.h"

void settings_print_help(FILE *f, enum settings_program prog)
{
	char env[64], dflt[64], allowed[160], opt[64];
	size_t i;
	int k;

	fprintf(f,
	        "Settings: config file key, environment variable, "
	        "option; later ones win\n"
	        "(config file < environment < command line%s).\n\n",
	        prog == PROG_RELAY ? " < per-request parameter" : "");
	for (k = 0; k < SET_COUNT; k++) {
		enum setting_key key = (enum setting_key)k;

		if (!settings_applies(key, prog))
			continue;
		snprintf(opt, sizeof(opt), "--%s", settings_name(key));
		for (i = 2; opt[i] != '\0'; i++)
			if (opt[i] == '_')
				opt[i] = '-';
		settings_allowed(key, allowed, sizeof(allowed));
		fprintf(f,
		        "  %s, %s, %s %s\n      %s\n      default: %s%s%s%s\n",
		        settings_name(key),
		        settings_env_name(key, env, sizeof(env)), opt,
		        settings_kind(key), settings_help(key),
		        settings_default_text(key, dflt, sizeof(dflt)),
		        allowed[0] != '\0' ? "; allowed: " : "", allowed,
		        prog == PROG_RELAY && !settings_per_request(key)
		            ? "; not per request"
		            : "");
	}
}
