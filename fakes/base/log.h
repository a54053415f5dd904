/*
 * log.h: leveled logging to stderr, fatal()/fatalx() for broken invariants.
 *
 * Lines are "mailrig: key=value ..." as the callers format them; peer bytes
 * must go through repr_append() first (STYLE 3.7).
 */
#ifndef MAILRIG_LOG_H
#define MAILRIG_LOG_H

#include "defs.h"

enum log_level { LOG_L_WARN, LOG_L_INFO, LOG_L_DEBUG, LOG_L_TRACE };

/* Set the most verbose level printed (default LOG_L_WARN). */
void	log_init(enum log_level);
enum log_level log_get_level(void);

void	log_warn(const char *, ...) ATTR_PRINTF(1, 2);	/* appends strerror */
void	log_warnx(const char *, ...) ATTR_PRINTF(1, 2);
void	log_info(const char *, ...) ATTR_PRINTF(1, 2);
void	log_debug(const char *, ...) ATTR_PRINTF(1, 2);
void	log_trace(const char *, ...) ATTR_PRINTF(1, 2);

/* Print and abort: only for mailrig's own broken invariants. */
void	fatal(const char *, ...) ATTR_PRINTF(1, 2) ATTR_NORETURN;
void	fatalx(const char *, ...) ATTR_PRINTF(1, 2) ATTR_NORETURN;

#endif
