/*
 * fuzz_smtp_addr.c: the MAIL/RCPT path parser and the ESMTP parameter
 * iterator on arbitrary text, liberal and strict.  The parser must stay
 * inside the NUL-terminated input and its outputs must be terminated.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fakes/smtp_addr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_path	 path;
	const char		*err, *pos, *k, *v;
	size_t			 kl, vl;
	char			*s;
	int			 i, guard;

	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	for (i = 0; i < 4; i++) {
		err = NULL;
		if (smtp_addr_parse(s, i & 1, i & 2, &path, &err) == -1) {
			if (err == NULL)
				abort();
			continue;
		}
		if (strnlen(path.addr, sizeof(path.addr)) == sizeof(path.addr))
			abort();
		pos = path.params;
		for (guard = 0; guard <= (int)size + 1; guard++)
			if (smtp_addr_next_param(&pos, &k, &kl, &v, &vl) != 1)
				break;
		if (guard > (int)size + 1)
			abort();
	}
	free(s);
	return 0;
}
