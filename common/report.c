/* --check output shared by both programs: the effective settings with
 * where each came from, and numbered problems. */
#include "config.h"

#include "report.h"

#include <stdarg.h>
#include <string.h>

/* Where v came from, for the line of setting k. */
static void print_source(FILE *f, const struct settings *s, enum setting_key k)
{
	const struct setting_value *v = &s->v[k];
	char env[64];

	settings_env_name(k, env, sizeof(env));
	if (v->src == SRC_FILE)
		fprintf(f, "(config file %s:%u%s)\n",
		        settings_str(s, SET_CONFIG), v->line,
		        v->old_name ? ", deprecated name" : "");
	else if (v->src == SRC_ENV && v->old_name)
		fprintf(f, "(environment, deprecated name for %s)\n", env);
	else if (v->src == SRC_ENV)
		fprintf(f, "(environment %s)\n", env);
	else
		fprintf(f, "(%s%s)\n", settings_source_name(v->src),
		        v->old_name ? ", deprecated name" : "");
}

void report_settings(struct report *rep, const struct settings *s,
                     enum settings_program prog)
{
	int k, i;

	for (k = 0; k < SET_COUNT; k++) {
		const struct setting_value *v = &s->v[k];
		const char *name = settings_name((enum setting_key)k);

		if (!settings_applies((enum setting_key)k, prog))
			continue;
		fprintf(rep->f, "%-20s = %-32s ", name,
		        v->text[0] != '\0' ? v->text : "(unset)");
		print_source(rep->f, s, (enum setting_key)k);
	}
	for (i = 0; i < settings_note_count(); i++)
		report_warning(rep, "%s", settings_note(i));
	for (k = 0; k < SET_COUNT; k++)
		if (!settings_applies((enum setting_key)k, prog) &&
		    s->v[k].src != SRC_DEFAULT)
			report_warning(rep,
			               "%s is set (%s) but this program does "
			               "not use it",
			               settings_name((enum setting_key)k),
			               settings_source_name(s->v[k].src));
}

static void report_line(struct report *rep, const char *kind, const char *fmt,
                        va_list ap)
{
	fprintf(rep->f, "%s: ", kind);
	vfprintf(rep->f, fmt, ap);
	fputc('\n', rep->f);
}

void report_error(struct report *rep, const char *fmt, ...)
{
	va_list ap;

	rep->errors++;
	va_start(ap, fmt);
	report_line(rep, "error", fmt, ap);
	va_end(ap);
}

void report_warning(struct report *rep, const char *fmt, ...)
{
	va_list ap;

	rep->warnings++;
	va_start(ap, fmt);
	report_line(rep, "warning", fmt, ap);
	va_end(ap);
}

int report_finish(struct report *rep)
{
	fprintf(rep->f, "%s: %d error(s), %d warning(s)\n",
	        rep->errors > 0 ? "FAILED" : "OK", rep->errors, rep->warnings);
	fflush(rep->f);
	return rep->errors > 0 ? 1 : 0;
}
