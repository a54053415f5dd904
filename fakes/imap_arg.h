/*
 * imap_arg.h: one parsed IMAP command argument (RFC 3501 9 formal
 * syntax), as the IMAP parser produces it and the command handlers, the
 * FETCH and the SEARCH code consume it.
 *
 * A fetch attribute with a section and partial range, such as
 * BODY.PEEK[HEADER.FIELDS (From To)]<0.2048>, is ONE atom: the parser
 * keeps everything from '[' to the matching ']' (spaces and parentheses
 * included) and a following <...> inside the atom, as Dovecot does, and
 * imap_fetch parses the section itself.
 */
#ifndef MAILRIG_IMAP_ARG_H
#define MAILRIG_IMAP_ARG_H

#include <stddef.h>

enum imap_arg_type {
	IMAP_ARG_ATOM,		/* atom, number, NIL, flags like \Seen, or a
				   fetch attribute with section (above) */
	IMAP_ARG_STRING,	/* quoted string, unescaped */
	IMAP_ARG_LITERAL,	/* {n} or {n+} literal; may contain NUL */
	IMAP_ARG_LIST,		/* ( ... ) */
	IMAP_ARG__COUNT
};

struct imap_arg {
	enum imap_arg_type	 type;
	const char		*str;	/* ATOM, STRING, LITERAL: the bytes,
					   NUL-terminated after len */
	size_t			 len;
	const struct imap_arg	*list;	/* LIST: the elements */
	size_t			 nlist;
};

#endif
