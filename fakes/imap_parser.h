/*
 * imap_parser.h: the resumable IMAP command parser (RFC 3501 9): tag,
 * atoms, quoted strings, synchronizing and non-synchronizing literals
 * (RFC 7888), parenthesized lists and fetch attributes with a bracketed
 * section, producing struct imap_arg (fakes/imap_arg.h).
 *
 * Pure: it is fed the bytes of a command as they arrive, in pieces of any
 * size, and never does I/O.  When a literal header {n} or {n+} ends a
 * line it stops with IMAP_PARSE_LITERAL; the session decides whether to
 * send "+ " (RFC 3501 7.5) or refuse, and then feeds the literal's bytes
 * and the rest of the command.  Every size is bounded by the limits the
 * session sets (tighter before authentication).
 */
#ifndef MAILRIG_IMAP_PARSER_H
#define MAILRIG_IMAP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fakes/base/defs.h"
#include "fakes/imap_arg.h"

/* Return values of imap_parser_feed(). */
#define IMAP_PARSE_ERROR	(-1)	/* see imap_parser_error() */
#define IMAP_PARSE_MORE		0	/* everything was used; feed more */
#define IMAP_PARSE_DONE		1	/* a whole command is parsed */
#define IMAP_PARSE_LITERAL	2	/* a literal header ended the line */

enum imap_parse_err {
	IMAP_PERR_NONE,
	IMAP_PERR_SYNTAX,	/* malformed: BAD, parse the next line */
	IMAP_PERR_TAG,		/* missing or invalid tag: untagged BAD */
	IMAP_PERR_LINE,		/* command line over line_max: BAD */
	IMAP_PERR_ARGS,		/* too many arguments or lists too deep */
	IMAP_PERR_TOOBIG,	/* synchronizing literal over literal_max:
				   tagged NO [TOOBIG] instead of "+" */
	IMAP_PERR_FATAL,	/* a non-synchronizing literal over the
				   caps (RFC 7888 4, 5): BYE and close */
	IMAP_PERR__COUNT
};

struct imap_parser_limits {
	size_t		 line_max;	/* command bytes besides literals */
	uint64_t	 literal_max;	/* any literal */
	uint64_t	 nonsync_max;	/* {n+}: 4096 for LITERAL- (RFC 7888
					   5), literal_max with LITERAL+ */
	size_t		 depth_max;	/* list nesting */
	size_t		 args_max;	/* arguments, all lists included */
};

struct imap_parser;

struct imap_parser *imap_parser_new(const struct imap_parser_limits *);
void	imap_parser_free(struct imap_parser *);
/* Copied; applies from the next command on. */
void	imap_parser_set_limits(struct imap_parser *,
	    const struct imap_parser_limits *);
/* Forget the command in progress and every argument handed out. */
void	imap_parser_reset(struct imap_parser *);

/*
 * Feed bytes of the command: the line as received, its CRLF (a bare LF
 * is taken too), a literal's bytes after IMAP_PARSE_LITERAL.  *used_r is
 * set to the bytes consumed: all of them for IMAP_PARSE_MORE, up to and
 * including the LF for IMAP_PARSE_DONE and IMAP_PARSE_LITERAL.  After
 * IMAP_PARSE_ERROR nothing more is taken until imap_parser_reset().
 */
int	imap_parser_feed(struct imap_parser *, const char *, size_t,
	    size_t *used_r) ATTR_WUR;

/*
 * After IMAP_PARSE_DONE: the arguments after the tag (the first is the
 * command name), borrowed until imap_parser_reset().  The count goes to
 * *n_r.
 */
const struct imap_arg *imap_parser_args(const struct imap_parser *,
	    size_t *n_r);
/* The tag once it is complete, else "".  Borrowed until reset. */
const char *imap_parser_tag(const struct imap_parser *);

/* After IMAP_PARSE_LITERAL (or IMAP_PERR_TOOBIG): the announced size. */
uint64_t imap_parser_literal_size(const struct imap_parser *);
/* Whether that literal is synchronizing ({n}, "+ " expected). */
bool	imap_parser_literal_sync(const struct imap_parser *);

/*
 * After IMAP_PARSE_DONE: the caller takes the bytes of a LITERAL argument
 * (heap, NUL-terminated, len bytes); the argument keeps its length but
 * its str becomes "".  NULL if arg is not a literal of this command.
 */
char	*imap_parser_literal_steal(struct imap_parser *,
	    const struct imap_arg *) ATTR_WUR;

/* After IMAP_PARSE_ERROR: the kind and a static text for BAD. */
enum imap_parse_err imap_parser_error(const struct imap_parser *,
	    const char **msg_r);

/*
 * Tag syntax, RFC 3501 9: 1*<any ASTRING-CHAR except "+">.  Also used for
 * the checker.
 */
bool	imap_parser_tag_valid(const char *, size_t);

#endif
