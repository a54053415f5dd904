/*
 * smtp_addr.c: the MAIL/RCPT path parser.  Implements the Path, Mailbox,
 * Local-part, Domain and address-literal productions of RFC 5321 4.1.2,
 * the source route (A-d-l) that 4.1.2 and appendix C say must still be
 * accepted, the esmtp-param list of 4.1.2, and UTF-8 mailboxes (RFC 6531
 * 3.3), which are flagged for the caller to judge.
 *
 * Owns nothing: the result lands in the caller's struct smtp_path and
 * params point into the input.  The address-literal content is checked
 * against dtext only; IPv4/IPv6 forms are not validated.  Every scan stops
 * at the NUL, so no input can make it read past the end.
 */
#include <string.h>
#include <strings.h>

#include "fakes/base/limits.h"
#include "fakes/base/str.h"
#include "fakes/smtp_addr.h"

static bool	smtp_addr_is_atext(unsigned char);
static bool	smtp_addr_is_ldh(unsigned char);
static int	smtp_addr_local(const char **, bool, unsigned *);
static int	smtp_addr_domain(const char **, unsigned *);
static int	smtp_addr_route(const char **, unsigned *);
static int	smtp_addr_mailbox(const char **, bool, bool, bool,
		    struct smtp_path *);

static const char smtp_addr_err_mail[] = "5.5.4 Syntax: MAIL FROM:<address>";
static const char smtp_addr_err_rcpt[] = "5.5.4 Syntax: RCPT TO:<address>";
static const char smtp_addr_err_sender[] = "5.1.7 Bad sender address syntax";
static const char smtp_addr_err_rcptaddr[] =
    "5.1.3 Bad recipient address syntax";
static const char smtp_addr_err_null[] = "5.1.3 Null recipient not allowed";
static const char smtp_addr_err_long[] = "5.5.4 Path too long";
static const char smtp_addr_err_strict[] =
    "5.5.4 Path must be <address> right after the colon";

/* RFC 5321 4.1.2 atext, plus UTF-8 bytes that RFC 6531 3.3 admits. */
static bool
smtp_addr_is_atext(unsigned char ch)
{
	if (ch >= 0x80)
		return true;
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9'))
		return true;
	return ch != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL;
}

/*
 * Let-dig and Ldh-str of RFC 5321 4.1.2.  "_" is outside the grammar but
 * common in internal host names; a catch-all server takes it.
 */
static bool
smtp_addr_is_ldh(unsigned char ch)
{
	return ch >= 0x80 || (ch >= 'a' && ch <= 'z') ||
	    (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	    ch == '-' || ch == '_';
}

/* Local-part: Dot-string or Quoted-string.  0 or -1; *pp moves past it. */
static int
smtp_addr_local(const char **pp, bool strict, unsigned *flags)
{
	const unsigned char	*p = (const unsigned char *)*pp;
	const unsigned char	*start = p;

	if (*p == '"') {
		*flags |= SMTP_ADDR_QUOTED;
		for (p++; *p != '"'; p++) {
			if (*p == '\\') {
				p++;
				if (*p < 32 || *p == 127)
					return -1;
			} else if (*p < 32 || *p == 127)
				return -1;	/* includes the NUL */
			if (*p >= 0x80)
				*flags |= SMTP_ADDR_UTF8;
		}
		*pp = (const char *)(p + 1);
		return 0;
	}
	for (; smtp_addr_is_atext(*p) || *p == '.'; p++) {
		if (*p >= 0x80)
			*flags |= SMTP_ADDR_UTF8;
		/* Dot-string = Atom *("." Atom): no empty atom. */
		if (strict && *p == '.' && (p == start || p[1] == '.' ||
		    !smtp_addr_is_atext(p[1])))
			return -1;
	}
	if (p == start)
		return -1;
	*pp = (const char *)p;
	return 0;
}

/* Domain or address-literal.  0 or -1; *pp moves past it. */
static int
smtp_addr_domain(const char **pp, unsigned *flags)
{
	const unsigned char	*p = (const unsigned char *)*pp;
	const unsigned char	*start;

	if (*p == '[') {
		/* dtext: %d33-90 / %d94-126 (RFC 5321 4.1.3) */
		for (start = ++p; *p != ']'; p++)
			if (*p < 33 || *p > 126 || *p == '[' || *p == '\\')
				return -1;
		if (p == start)
			return -1;
		*pp = (const char *)(p + 1);
		return 0;
	}
	for (;;) {
		for (start = p; smtp_addr_is_ldh(*p); p++)
			if (*p >= 0x80)
				*flags |= SMTP_ADDR_UTF8;
		if (p == start)
			return -1;
		if (*p != '.')
			break;
		p++;
	}
	*pp = (const char *)p;
	return 0;
}

/* A-d-l ":" of RFC 5321 4.1.2; the route itself is ignored (4.1.1.3). */
static int
smtp_addr_route(const char **pp, unsigned *flags)
{
	const char	*p = *pp;

	*flags |= SMTP_ADDR_SOURCE_ROUTE;
	for (;;) {
		if (*p != '@')
			return -1;
		p++;
		if (smtp_addr_domain(&p, flags) == -1)
			return -1;
		if (*p == ':')
			break;
		if (*p != ',')
			return -1;
		p++;
	}
	*pp = p + 1;
	return 0;
}

/*
 * Mailbox = Local-part "@" ( Domain / address-literal ), copied into
 * out->addr.  A recipient may be a bare "Postmaster" (RFC 5321 4.1.1.3).
 * Returns 0, -1 on bad syntax, -2 if the mailbox does not fit out->addr.
 */
static int
smtp_addr_mailbox(const char **pp, bool is_rcpt, bool bracketed, bool strict,
    struct smtp_path *out)
{
	const char	*start = *pp, *p = *pp, *at;
	size_t		 len;

	if (smtp_addr_local(&p, strict, &out->flags) == -1)
		return -1;
	if ((size_t)(p - start) > RFC5321_LOCAL_MAX)
		out->flags |= SMTP_ADDR_LOCAL_LONG;
	if (*p != '@') {
		if (!is_rcpt || p - start != 10 ||
		    strncasecmp(start, "postmaster", 10) != 0)
			return -1;
		if (bracketed ? *p != '>' : (*p != ' ' && *p != '\0'))
			return -1;
	} else {
		at = ++p;
		if (smtp_addr_domain(&p, &out->flags) == -1)
			return -1;
		if ((size_t)(p - at) > RFC5321_DOMAIN_MAX)
			out->flags |= SMTP_ADDR_DOMAIN_LONG;
	}
	len = (size_t)(p - start);
	if (!str_copyn(out->addr, start, len, sizeof(out->addr)))
		return -2;
	*pp = p;
	return 0;
}

int
smtp_addr_parse(const char *args, bool is_rcpt, bool strict,
    struct smtp_path *out, const char **error_r)
{
	const char	*p, *path, *syntax, *bad;
	int		 r;

	syntax = is_rcpt ? smtp_addr_err_rcpt : smtp_addr_err_mail;
	bad = is_rcpt ? smtp_addr_err_rcptaddr : smtp_addr_err_sender;
	out->addr[0] = '\0';
	out->params = "";
	out->flags = 0;
	if (!str_prefix_ci(args, is_rcpt ? "TO:" : "FROM:")) {
		*error_r = syntax;
		return -1;
	}
	p = args + (is_rcpt ? 3 : 5);
	if (*p == ' ') {
		out->flags |= SMTP_ADDR_SPACE;
		while (*p == ' ')
			p++;
	}
	if (*p == '\0') {
		*error_r = syntax;
		return -1;
	}
	path = p;
	if (*p == '<') {
		p++;
		if (*p == '@' && smtp_addr_route(&p, &out->flags) == -1) {
			*error_r = bad;
			return -1;
		}
		if (*p == '>' && !(out->flags & SMTP_ADDR_SOURCE_ROUTE)) {
			/* The null reverse-path "<>", RFC 5321 4.5.5. */
			if (is_rcpt) {
				*error_r = smtp_addr_err_null;
				return -1;
			}
		} else if ((r = smtp_addr_mailbox(&p, is_rcpt, true, strict,
		    out)) != 0 || *p != '>') {
			*error_r = r == -2 ? smtp_addr_err_long : bad;
			return -1;
		}
		p++;
	} else {
		out->flags |= SMTP_ADDR_NO_BRACKETS;
		if ((r = smtp_addr_mailbox(&p, is_rcpt, false, strict,
		    out)) != 0) {
			*error_r = r == -2 ? smtp_addr_err_long : bad;
			return -1;
		}
	}
	/* RFC 5321 4.5.3.1.3 counts the punctuation, so add the brackets. */
	if ((size_t)(p - path) +
	    (out->flags & SMTP_ADDR_NO_BRACKETS ? 2 : 0) > RFC5321_PATH_MAX)
		out->flags |= SMTP_ADDR_PATH_LONG;
	if (*p != '\0' && *p != ' ') {
		*error_r = syntax;
		return -1;
	}
	while (*p == ' ')
		p++;
	out->params = p;
	if (strict &&
	    (out->flags & (SMTP_ADDR_NO_BRACKETS | SMTP_ADDR_SPACE))) {
		*error_r = smtp_addr_err_strict;
		return -1;
	}
	return 0;
}

int
smtp_addr_next_param(const char **pos, const char **kp, size_t *klen,
    const char **vp, size_t *vlen)
{
	const unsigned char	*p = (const unsigned char *)*pos;
	const unsigned char	*k, *v;

	while (*p == ' ')
		p++;
	if (*p == '\0') {
		*pos = (const char *)p;
		return 0;
	}
	/* esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-") */
	k = p;
	if (*p == '-' || !smtp_addr_is_ldh(*p) || *p == '_' || *p >= 0x80)
		return -1;
	while (smtp_addr_is_ldh(*p) && *p != '_' && *p < 0x80)
		p++;
	*kp = (const char *)k;
	*klen = (size_t)(p - k);
	*vp = NULL;
	*vlen = 0;
	if (*p == '=') {
		/* esmtp-value: %d33-60 / %d62-126, and UTF-8 (RFC 6531 3.3) */
		for (v = ++p; *p > 32 && *p != '=' && *p != 127; p++)
			;
		if (p == v)
			return -1;
		*vp = (const char *)v;
		*vlen = (size_t)(p - v);
	}
	if (*p != '\0' && *p != ' ')
		return -1;
	*pos = (const char *)p;
	return 1;
}
