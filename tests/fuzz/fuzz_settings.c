/* libFuzzer target: the config file parser. Oracles: an error message names
 * the file and a line; a file that loads holds only values that parse again. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct settings s, again;
	char err[512];
	FILE *f;
	int k;

	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/fuzz-settings-%ld.conf",
		         (long)getpid());
	f = fopen(path, "w");
	if (f == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	settings_defaults(&s);
	if (settings_load_file(&s, path, err, sizeof(err)) < 0) {
		if (strncmp(err, path, strlen(path)) != 0 ||
		    err[strlen(path)] != ':')
			abort();
		return 0;
	}
	settings_defaults(&again);
	for (k = 0; k < SET_COUNT; k++) {
		const char *v = settings_str(&s, (enum setting_key)k);

		if (settings_set(&again, (enum setting_key)k, v, strlen(v),
		                 SRC_FILE, 1, err, sizeof(err)) < 0 ||
		    settings_num(&again, (enum setting_key)k) !=
		        settings_num(&s, (enum setting_key)k))
			abort();
	}
	return 0;
}
