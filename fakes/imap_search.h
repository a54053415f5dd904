/*
 * imap_search.h: SEARCH programs (RFC 3501 6.4.4, 9 "search-key") parsed
 * from the command arguments into a tree, and evaluated per message.
 *
 * Every RFC 3501 key: ALL, ANSWERED, BCC, BEFORE, BODY, CC, DELETED,
 * DRAFT, FLAGGED, FROM, HEADER, KEYWORD, LARGER, NEW, NOT, OLD, ON, OR,
 * RECENT, SEEN, SENTBEFORE, SENTON, SENTSINCE, SINCE, SMALLER, SUBJECT,
 * TEXT, TO, UID, UNANSWERED, UNDELETED, UNDRAFT, UNFLAGGED, UNKEYWORD,
 * UNSEEN, sequence sets and parenthesized lists; CHARSET US-ASCII and
 * UTF-8.  Strings match case-insensitively as substrings, headers after
 * RFC 2047 decoding.  Dates compare by calendar day: the internal date
 * in UTC (as FETCH INTERNALDATE shows it), the Date: header in its own
 * zone.  Nesting is capped at IMAP_SEARCH_DEPTH_MAX, keys at
 * IMAP_SEARCH_KEYS_MAX.  Pure: no I/O.
 */
#ifndef MAILRIG_IMAP_SEARCH_H
#define MAILRIG_IMAP_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fakes/base/defs.h"
#include "fakes/imap_arg.h"
#include "fakes/imap_mime.h"
#include "fakes/store.h"

#define IMAP_SEARCH_DEPTH_MAX	32	/* nested NOT / OR / ( ) */
#define IMAP_SEARCH_KEYS_MAX	4096	/* keys in one program */

/* Parse results besides 0. */
#define IMAP_SEARCH_ERR_SYNTAX	(-1)	/* answer BAD */
#define IMAP_SEARCH_ERR_CHARSET	(-2)	/* answer NO [BADCHARSET
					   (US-ASCII UTF-8)], RFC 3501 6.4.4 */

struct imap_search;

/*
 * Parse args[0..nargs) (everything after SEARCH / UID SEARCH), with an
 * optional leading "CHARSET x".  Strings may be atoms, quoted strings or
 * literals.  0 and *out_r (caller owns: imap_search_free), or one of the
 * IMAP_SEARCH_ERR_* values with *error_r (static text).  The args are
 * not referenced after the call.
 */
int	imap_search_parse(const struct imap_arg *args, size_t nargs,
	    struct imap_search **out_r, const char **error_r) ATTR_WUR;
void	imap_search_free(struct imap_search *);	/* NULL is a no-op */

/* Whether evaluation needs the MIME parse (header, body, sent keys). */
bool	imap_search_needs_mime(const struct imap_search *);

/* One message as the session sees it. */
struct imap_search_msg {
	uint32_t		 seq;		/* message sequence number */
	uint32_t		 max_seq;	/* "*" of sequence sets */
	uint32_t		 max_uid;	/* "*" of UID sets */
	const struct store_entry *entry;	/* borrowed */
	const struct store_box	*box;		/* borrowed: keyword names */
	unsigned		 flags;		/* STORE_F_* as this session
						   shows them (\Recent) */
	struct imap_mime	*mime;		/* borrowed cache of
						   entry->msg, or NULL: parsed
						   and freed inside when a
						   key needs it */
};

/* Whether the message satisfies the program (all top-level keys). */
bool	imap_search_match(const struct imap_search *,
	    const struct imap_search_msg *);

#endif
