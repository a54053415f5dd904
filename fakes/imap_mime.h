/*
 * imap_mime.h: the MIME view of one stored message that IMAP FETCH and
 * SEARCH need: ENVELOPE, BODY and BODYSTRUCTURE (RFC 3501 7.4.2), body
 * sections with RFC 3501 6.4.5 part numbering, decoded content for
 * BINARY (RFC 3516) and decoded header text for SEARCH (RFC 3501 6.4.4).
 *
 * The structure (header/body split and part boundaries) is found on the
 * raw bytes, so every section is an exact byte range of the stored
 * message, never a re-serialization; GMime 3 parses what is inside a
 * header (Content-Type and Content-Disposition parameters with RFC 2231,
 * addresses, dates, RFC 2047 encoded words).  ENVELOPE and BODYSTRUCTURE
 * carry header text raw, as RFC 3501 requires (no encoded-word
 * decoding).  Part nesting is capped at IMAP_MIME_DEPTH_MAX, parts per
 * message at IMAP_MIME_PARTS_MAX: deeper or further parts are treated as
 * opaque bodies.  Broken MIME (no final boundary, no blank line) is
 * parsed as far as it goes, never rejected.
 */
#ifndef MAILRIG_IMAP_MIME_H
#define MAILRIG_IMAP_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fakes/base/buf.h"
#include "fakes/base/defs.h"

#define IMAP_MIME_DEPTH_MAX	32	/* nested multipart / message levels */
#define IMAP_MIME_PARTS_MAX	10000	/* parts per message */
#define IMAP_MIME_FIELDS_MAX	256	/* names in HEADER.FIELDS (...) */
#define IMAP_MIME_FIELD_LEN_MAX	256	/* bytes of one such name */

/*
 * GMime needs g_mime_init() once per process.  imap_mime_init() is
 * idempotent and must be called before any other function here (the
 * server calls it at start, tests in their fixture); imap_mime_shutdown()
 * at exit releases GMime's global state so valgrind reports no definite
 * leaks (GLib keeps some "still reachable" memory).  GMime cannot be
 * started again after imap_mime_shutdown(): a later imap_mime_init()
 * aborts, so call shutdown only at process exit.
 */
void	imap_mime_init(void);
void	imap_mime_shutdown(void);

struct imap_mime;

/*
 * Parse the message data[0..len) (the exact stored bytes, CRLF or not).
 * Never fails.  data is borrowed and must outlive the object: sections
 * point into it.  The caller owns the result: imap_mime_free().
 */
struct imap_mime *imap_mime_new(const char *data, size_t len);
void	imap_mime_free(struct imap_mime *);	/* NULL is a no-op */

/*
 * Append the ENVELOPE value "(date subject from sender reply-to to cc
 * bcc in-reply-to message-id)" of RFC 3501 7.4.2 to out: raw header
 * text, addresses as (name adl mailbox host) with RFC 822 group markers,
 * sender and reply-to defaulting to from.  0, or -1 if out's maximum
 * would be passed.
 */
int	imap_mime_envelope(struct imap_mime *, struct buf *out) ATTR_WUR;

/*
 * Append BODYSTRUCTURE (extensible: true, with MD5 NIL, disposition,
 * language and location) or BODY (extensible: false) to out, RFC 3501
 * 7.4.2.  Missing Content-Type is text/plain; charset=us-ascii (RFC 2045
 * 5.2); sizes and text lines count raw bytes.  0, or -1 if out's
 * maximum would be passed.
 */
int	imap_mime_bodystructure(struct imap_mime *, bool extensible,
	    struct buf *out) ATTR_WUR;

/* --- sections, RFC 3501 6.4.5 --- */

enum imap_mime_sect {
	IMAP_MIME_SECT_ALL,		/* [] or [1.2]: the whole (part) */
	IMAP_MIME_SECT_HEADER,		/* [HEADER], [1.HEADER] */
	IMAP_MIME_SECT_FIELDS,		/* [HEADER.FIELDS (a b)] */
	IMAP_MIME_SECT_FIELDS_NOT,	/* [HEADER.FIELDS.NOT (a b)] */
	IMAP_MIME_SECT_TEXT,		/* [TEXT], [1.TEXT] */
	IMAP_MIME_SECT_MIME,		/* [1.MIME]: needs a part number */
	IMAP_MIME_SECT__COUNT
};

struct imap_mime_section {
	uint32_t		 part[IMAP_MIME_DEPTH_MAX];
	size_t			 npart;		/* 0: the message itself */
	enum imap_mime_sect	 kind;
	char			**fields;	/* owned, FIELDS and FIELDS_NOT:
						   the names as sent */
	size_t			 nfields;
};

/*
 * Parse the text between '[' and ']' of a section spec (RFC 3501 9
 * "section-spec"), e.g. "1.2.HEADER.FIELDS (From To)"; keywords are
 * case-insensitive, field names are astrings (atoms or quoted).  0 and
 * *sect filled (release with imap_mime_section_fini) or -1 and *error_r
 * (static text); on -1 nothing needs releasing.
 */
int	imap_mime_section_parse(const char *s, size_t len,
	    struct imap_mime_section *sect, const char **error_r) ATTR_WUR;
void	imap_mime_section_fini(struct imap_mime_section *);
/*
 * Append the canonical spec text (no brackets) to out for the response
 * item name: keywords upper case, field names as sent, quoted if they
 * are not atoms ("1.HEADER.FIELDS (From To)").  0 or -1 (out's max).
 */
int	imap_mime_section_format(const struct imap_mime_section *,
	    struct buf *out) ATTR_WUR;

/*
 * The bytes of a section.  1: *p_r and *len_r hold them, and *from_data_r
 * says whether they are a range of the message data (valid as long as
 * the data) or memory owned by the imap_mime object (HEADER.FIELDS,
 * valid until imap_mime_free).  0: no such part (FETCH answers NIL).
 * HEADER and MIME include the blank line that ends the header; [1] of a
 * non-multipart message is its body; [n.HEADER]/[n.TEXT] of a part that
 * is not message/rfc822 is no such part.  from_data_r may be NULL.
 */
int	imap_mime_section(struct imap_mime *, const struct imap_mime_section *,
	    const char **p_r, size_t *len_r, bool *from_data_r);

/*
 * BINARY[part] (RFC 3516 4.2): the content of a leaf part with its
 * Content-Transfer-Encoding removed.  1 and the bytes (owned by the
 * imap_mime object, or a range of the data for identity encodings);
 * 0: no such part, or the section is not a plain part list; -1: the
 * encoding is unknown or the content does not decode (UNKNOWN-CTE).
 * Only IMAP_MIME_SECT_ALL sections are meaningful here.
 */
int	imap_mime_binary(struct imap_mime *, const struct imap_mime_section *,
	    const char **p_r, size_t *len_r);

/* --- SEARCH helpers, RFC 3501 6.4.4 --- */

/*
 * Whether the top-level header has a field named name (case-insensitive)
 * whose value, unfolded and with RFC 2047 encoded words decoded to
 * UTF-8, contains needle (UTF-8) case-insensitively.  An empty needle
 * matches any message that has the field.
 */
bool	imap_mime_header_contains(struct imap_mime *, const char *name,
	    const char *needle, size_t needle_len);
/*
 * Whether the body (everything after the top-level header) contains
 * needle case-insensitively, either in the raw bytes or in the decoded
 * (transfer encoding removed, charset converted to UTF-8) text of a
 * text part.
 */
bool	imap_mime_body_contains(struct imap_mime *, const char *needle,
	    size_t needle_len);
/*
 * The Date: header as a calendar day (year * 10000 + month * 100 + day)
 * in its own time zone; false if missing or unparseable.
 */
bool	imap_mime_sent_day(struct imap_mime *, uint32_t *day_r);

/* --- IMAP string syntax, shared with FETCH --- */

/*
 * Append p[0..len) as an IMAP string: a quoted string with \" and \\
 * escaped when it is short (<= 1024 bytes) and has only 7-bit
 * characters other than CR, LF and NUL, else a literal "{n}\r\n...".
 * p NULL appends NIL.  0 or -1 (out's max).
 */
int	imap_mime_append_nstring(struct buf *out, const char *p, size_t len)
	    ATTR_WUR;

#endif
