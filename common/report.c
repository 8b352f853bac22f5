/* --check output shared by both programs: the effective settings with
 * where each came from, and numbered problems. */
#include "config.h"

#include "report.h"

#include <stdarg.h>
#include <string.h>

/* "agent_url" -> "AGENT_AGENT_URL" */
static const char *env_name(const char *key, char *buf, size_t len)
{
	size_t i, n = strlen(key);

	if (n + 7 > len)
		return key;
	memcpy(buf, "AGENT_", 6);
	for (i = 0; i <= n; i++)
		buf[6 + i] = (char)(key[i] >= 'a' && key[i] <= 'z' ? key[i] - 32
		                                                   : key[i]);
	return buf;
}

void report_settings(struct report *rep, const struct settings *s)
{
	char envbuf[64];
	int k;

	for (k = 0; k < SET_COUNT; k++) {
		const struct setting_value *v = &s->v[k];
		const char *name = settings_name((enum setting_key)k);

		if (v->src == SRC_FILE)
			fprintf(rep->f, "%-18s = %-32s (config file %s:%u)\n",
			        name, v->text, settings_str(s, SET_CONFIG),
			        v->line);
		else if (v->src == SRC_ENV)
			fprintf(rep->f, "%-18s = %-32s (environment %s)\n",
			        name, v->text,
			        env_name(name, envbuf, sizeof(envbuf)));
		else
			fprintf(rep->f, "%-18s = %-32s (%s)\n", name,
			        v->text[0] != '\0' ? v->text : "(unset)",
			        settings_source_name(v->src));
	}
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
