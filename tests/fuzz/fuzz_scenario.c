/*
 * fuzz_scenario.c: the scenario loader on arbitrary YAML.  It must either
 * load or stop with a FILE:LINE:COL message, never crash or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/scenario.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario	*s;
	char		 err[1024];

	err[0] = '\0';
	s = scenario_load_mem("fuzz.yaml", (const char *)data, size, err,
	    sizeof(err));
	if (s == NULL && strncmp(err, "fuzz.yaml", 9) != 0)
		abort();
	scenario_free(s);
	return 0;
}
