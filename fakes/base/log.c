/*
 * log.c: stderr logging.  No syslog: mailrig is a foreground test tool.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static enum log_level log_level = LOG_L_WARN;

static void	log_vout(const char *, const char *, va_list) ATTR_PRINTF(2, 0);

void
log_init(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

static void
log_vout(const char *suffix, const char *fmt, va_list ap)
{
	char	line[4096];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (suffix != NULL)
		fprintf(stderr, "mailrig: %s: %s\n", line, suffix);
	else
		fprintf(stderr, "mailrig: %s\n", line);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	char	 err[256];

	snprintf(err, sizeof(err), "%s", strerror(errno));
	va_start(ap, fmt);
	log_vout(err, fmt, ap);
	va_end(ap);
}

#define LOG_AT(name, level)					\
void								\
name(const char *fmt, ...)					\
{								\
	va_list	ap;						\
								\
	if (log_level < (level))				\
		return;						\
	va_start(ap, fmt);					\
	log_vout(NULL, fmt, ap);				\
	va_end(ap);						\
}

LOG_AT(log_warnx, LOG_L_WARN)
LOG_AT(log_info, LOG_L_INFO)
LOG_AT(log_debug, LOG_L_DEBUG)
LOG_AT(log_trace, LOG_L_TRACE)

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	char	 err[256];

	snprintf(err, sizeof(err), "%s", strerror(errno));
	va_start(ap, fmt);
	log_vout(err, fmt, ap);
	va_end(ap);
	abort();
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vout(NULL, fmt, ap);
	va_end(ap);
	abort();
}
