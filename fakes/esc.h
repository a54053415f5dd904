/*
 * esc.h: enhanced mail system status codes (RFC 3463, RFC 2034).
 *
 * The table is data: one row per code mailrig uses, with its meaning, so
 * the SMTP fake, the checker and the reports speak one vocabulary.
 */
#ifndef MAILRIG_ESC_H
#define MAILRIG_ESC_H

#include <stdbool.h>

/* The RFC 3463 meaning of "X.Y.Z" ("Bad destination mailbox address"),
   or NULL if the code is not in the table. */
const char *esc_describe(const char *code);
/* true if s starts with a well-formed class.subject.detail code followed
   by a space or the end (RFC 3463 2), whose class matches the reply's
   first digit (2, 4 or 5). */
bool	esc_valid_for(const char *s, int reply_code);

#endif
