/* The settings part of --help, the same for both programs. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "settings.h"

/* Help lines stay within a terminal's 80 columns. */
#define HELP_WIDTH  78
#define HELP_INDENT "      "

/* text, indented, broken at spaces so no line is wider than HELP_WIDTH. */
static void print_wrapped(FILE *f, const char *text)
{
	size_t room = HELP_WIDTH - strlen(HELP_INDENT);

	while (strlen(text) > room) {
		size_t cut = room;

		while (cut > 0 && text[cut] != ' ')
			cut--;
		if (cut == 0)
			break; /* one word longer than a line: print it whole */
		fprintf(f, "%s%.*s\n", HELP_INDENT, (int)cut, text);
		text += cut + 1;
	}
	fprintf(f, "%s%s\n", HELP_INDENT, text);
}

static void print_setting(FILE *f, enum setting_key key,
                          enum settings_program prog)
{
	char env[64], dflt[64], allowed[160], opt[64], line[320];
	size_t i;

	snprintf(opt, sizeof(opt), "--%s", settings_name(key));
	for (i = 2; opt[i] != '\0'; i++)
		if (opt[i] == '_')
			opt[i] = '-';
	settings_allowed(key, allowed, sizeof(allowed));
	fprintf(f, "  %s, %s, %s %s\n", settings_name(key),
	        settings_env_name(key, env, sizeof(env)), opt,
	        settings_kind(key));
	print_wrapped(f, settings_help(key));
	snprintf(line, sizeof(line), "default: %s%s%s%s",
	         settings_default_text(key, dflt, sizeof(dflt)),
	         allowed[0] != '\0' ? "; allowed: " : "", allowed,
	         prog == PROG_RELAY && !settings_per_request(key)
	             ? "; not per request"
	             : "");
	print_wrapped(f, line);
}

void settings_print_help(FILE *f, enum settings_program prog)
{
	int k;

	fprintf(f,
	        "Settings: config file key, environment variable, "
	        "option; later ones win\n"
	        "(config file < environment < command line%s).\n\n",
	        prog == PROG_RELAY ? " < per-request parameter" : "");
	for (k = 0; k < SET_COUNT; k++)
		if (settings_applies((enum setting_key)k, prog))
			print_setting(f, (enum setting_key)k, prog);
}
