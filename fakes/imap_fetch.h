/*
 * imap_fetch.h: FETCH attributes (RFC 3501 6.4.5, 9 "fetch-att") parsed
 * from the command's arguments, and one message's FETCH response (RFC
 * 3501 7.4.2) rendered as pieces, so message bytes go out by reference.
 *
 * Items: FLAGS, INTERNALDATE, RFC822.SIZE, RFC822, RFC822.HEADER,
 * RFC822.TEXT, ENVELOPE, BODY, BODYSTRUCTURE, UID, the macros ALL, FAST
 * and FULL, BODY[section]<partial>, BODY.PEEK[...], and BINARY[...],
 * BINARY.PEEK[...], BINARY.SIZE[...] (RFC 3516).  Pure: the session
 * sets \Seen (imap_fetch_sets_seen) and writes the pieces.  INTERNALDATE
 * is rendered in UTC ("+0000").
 */
#ifndef MAILRIG_IMAP_FETCH_H
#define MAILRIG_IMAP_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fakes/base/buf.h"
#include "fakes/base/defs.h"
#include "fakes/imap_arg.h"
#include "fakes/imap_mime.h"
#include "fakes/store.h"

#define IMAP_FETCH_BODIES_MAX	64	/* BODY[...] items per command */
#define IMAP_FETCH_TEXT_MAX	(64UL * 1024 * 1024) /* rendered text */

/* Simple items, struct imap_fetch_spec.items. */
#define IMAP_FETCH_FLAGS	0x0001
#define IMAP_FETCH_INTERNALDATE	0x0002
#define IMAP_FETCH_RFC822_SIZE	0x0004
#define IMAP_FETCH_RFC822	0x0008
#define IMAP_FETCH_RFC822_HEADER 0x0010
#define IMAP_FETCH_RFC822_TEXT	0x0020
#define IMAP_FETCH_ENVELOPE	0x0040
#define IMAP_FETCH_BODY		0x0080	/* non-extensible BODYSTRUCTURE */
#define IMAP_FETCH_BODYSTRUCTURE 0x0100
#define IMAP_FETCH_UID		0x0200

enum imap_fetch_body_kind {
	IMAP_FETCH_K_BODY,		/* BODY[...] and BODY.PEEK[...] */
	IMAP_FETCH_K_BINARY,		/* BINARY[...], BINARY.PEEK[...] */
	IMAP_FETCH_K_BINARY_SIZE,	/* BINARY.SIZE[...] */
	IMAP_FETCH_K__COUNT
};

struct imap_fetch_body {
	enum imap_fetch_body_kind kind;
	bool			 peek;
	struct imap_mime_section section;	/* owned */
	bool			 partial;	/* <off.len> was given */
	uint32_t		 partial_off;
	uint32_t		 partial_len;	/* > 0 */
};

struct imap_fetch_spec {
	unsigned		 items;		/* IMAP_FETCH_* */
	struct imap_fetch_body	*bodies;	/* owned, nbodies used */
	size_t			 nbodies;
};

/*
 * Parse the argument after the sequence set: one ATOM (a single item or
 * a macro) or a LIST of item atoms (macros are not allowed inside a
 * list, RFC 3501 9).  Keywords are case-insensitive.  0 and *spec_r
 * (caller owns: imap_fetch_spec_free) or -1 and *error_r (static text,
 * for the BAD reply).
 */
int	imap_fetch_parse(const struct imap_arg *arg,
	    struct imap_fetch_spec **spec_r, const char **error_r) ATTR_WUR;
void	imap_fetch_spec_free(struct imap_fetch_spec *);	/* NULL: no-op */

/*
 * Whether fetching this spec sets \Seen (RFC 3501 6.4.5): a BODY[...]
 * or BINARY[...] without PEEK, RFC822 or RFC822.TEXT.
 */
bool	imap_fetch_sets_seen(const struct imap_fetch_spec *);
/* Whether rendering parses MIME (so a caller may pass a cached one). */
bool	imap_fetch_needs_mime(const struct imap_fetch_spec *);

/* One message as the session shows it. */
struct imap_fetch_msg {
	uint32_t		 seq;		/* message sequence number */
	const struct store_entry *entry;	/* borrowed: uid, msg,
						   keywords, internal_ms */
	const struct store_box	*box;		/* borrowed: keyword names */
	unsigned		 flags;		/* STORE_F_* as this session
						   shows them (\Recent is per
						   session, RFC 3501 2.3.2) */
	struct imap_mime	*mime;		/* borrowed cache of
						   entry->msg, or NULL: parsed
						   and freed inside */
};

/* Rendering options. */
#define IMAP_FETCH_R_UID	0x01	/* UID FETCH: always send UID
					   (RFC 3501 6.4.8) */
#define IMAP_FETCH_R_FLAGS	0x02	/* send FLAGS even if not asked
					   (\Seen just changed, 6.4.5) */

/*
 * Where a piece's bytes are: out->text.p + off, or the message data
 * entry->msg->data + off (send by reference while holding a msg ref).
 */
enum imap_fetch_src {
	IMAP_FETCH_SRC_TEXT,
	IMAP_FETCH_SRC_MESSAGE,
	IMAP_FETCH_SRC__COUNT
};

struct imap_fetch_piece {
	enum imap_fetch_src	src;
	size_t			off;
	size_t			len;
};

/*
 * The whole untagged response "* <seq> FETCH (...)\r\n", final CRLF
 * included, as pieces in order.  Literals are announced "{n}\r\n" in the
 * text and their content follows as a MESSAGE piece when it is a range
 * of the stored bytes, else in the text.
 */
struct imap_fetch_out {
	struct buf		 text;		/* owned */
	struct imap_fetch_piece	*pieces;	/* owned, npieces used */
	size_t			 npieces;
	size_t			 cap;
};

void	imap_fetch_out_init(struct imap_fetch_out *);
void	imap_fetch_out_reset(struct imap_fetch_out *);	/* keeps memory */
void	imap_fetch_out_fini(struct imap_fetch_out *);

/*
 * Render one message into out (after imap_fetch_out_reset).  0 on
 * success; -1 with *error_r (static text) if the text would pass
 * IMAP_FETCH_TEXT_MAX.  BINARY of an undecodable part is -2 with
 * *error_r: the session answers NO [UNKNOWN-CTE] (RFC 3516 4.1).
 */
int	imap_fetch_render(const struct imap_fetch_spec *,
	    const struct imap_fetch_msg *, unsigned rflags,
	    struct imap_fetch_out *out, const char **error_r) ATTR_WUR;

/*
 * Helpers the session shares for its own FETCH FLAGS responses:
 * append "(\Seen \Flagged kw ...)" for flags and keywords (names from
 * box), and the RFC 3501 9 date-time "dd-Mon-yyyy hh:mm:ss +0000" in
 * double quotes.  0 or -1 (out's max).
 */
int	imap_fetch_append_flags(struct buf *out, unsigned flags,
	    uint64_t keywords, const struct store_box *box) ATTR_WUR;
int	imap_fetch_append_date(struct buf *out, int64_t ms) ATTR_WUR;

#endif
