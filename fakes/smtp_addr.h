/*
 * smtp_addr.h: the reverse-path and forward-path parser of RFC 5321 4.1.2
 * with ESMTP parameters (4.1.1.2, 4.1.1.3), and SMTPUTF8 addresses (RFC
 * 6531 3.3).  Pure.
 *
 * Liberal server, strict checker (STYLE 3.4): with strict = false the
 * parser accepts what real clients send (no angle brackets, a space after
 * the colon, empty atoms such as "a..b"); with strict = true those are
 * errors.  The other SMTP_ADDR_* flags (route, UTF-8, lengths, quoting)
 * never fail a parse: the caller or the checker judges them.  Either way
 * it never reads past the terminating NUL.
 */
#ifndef MAILRIG_SMTP_ADDR_H
#define MAILRIG_SMTP_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "fakes/base/defs.h"

/* Deviations found (also set when strict = false). */
#define SMTP_ADDR_NO_BRACKETS	0x01	/* path without < > */
#define SMTP_ADDR_SPACE		0x02	/* space after "FROM:" / "TO:" */
#define SMTP_ADDR_SOURCE_ROUTE	0x04	/* @a,@b: route (RFC 5321 4.1.2) */
#define SMTP_ADDR_UTF8		0x08	/* non-ASCII: needs SMTPUTF8 */
#define SMTP_ADDR_LOCAL_LONG	0x10	/* local part > 64 (4.5.3.1.1) */
#define SMTP_ADDR_DOMAIN_LONG	0x20	/* domain > 255 (4.5.3.1.2) */
#define SMTP_ADDR_PATH_LONG	0x40	/* path > 256 (4.5.3.1.3) */
#define SMTP_ADDR_QUOTED	0x80	/* quoted-string local part */

struct smtp_path {
	char	 addr[1024];	/* mailbox, without < > and route; "" = <> */
	const char *params;	/* borrowed from the input: the text after
				   the path, leading spaces skipped, "" if
				   none; valid while the input is */
	unsigned flags;		/* SMTP_ADDR_* */
};

/*
 * Parse "FROM:<path> params" (MAIL) or "TO:<path> params" (RCPT): args is
 * the text after the verb and its space, NUL-terminated.  is_rcpt selects
 * "TO:", forbids the null path and admits a bare <Postmaster> (4.1.1.3).
 * Returns 0, or -1 with *error_r set to a static reply text such as
 * "5.5.4 Syntax: MAIL FROM:<address>" (enhanced code first; 5.1.7 / 5.1.3
 * for a bad mailbox, "5.5.4 Path too long" if it does not fit addr).
 */
int	smtp_addr_parse(const char *args, bool is_rcpt, bool strict,
	    struct smtp_path *out, const char **error_r) ATTR_WUR;

/*
 * Iterate ESMTP parameters "KEY=VALUE KEY2" (RFC 5321 4.1.2 esmtp-param).
 * *pos starts at the params text.  Returns 1 with key/value spans (value
 * may be empty: vlen 0, vp NULL when there is no '='), 0 at the end,
 * -1 on syntax error.
 */
int	smtp_addr_next_param(const char **pos, const char **kp, size_t *klen,
	    const char **vp, size_t *vlen);

#endif
