/*
 * conf_msg.c: the message rule table, for the bytes SMTP carried: RFC
 * 5322 (2.1.1 line lengths, 2.2 header field syntax, 3.6 required and
 * unique fields), RFC 2045 (MIME-Version, transfer encodings and their
 * 76-character lines), RFC 2046 (multipart boundaries), RFC 2047
 * (encoded words), RFC 2231 (parameter continuations) and RFC 6531/6152
 * (8-bit only when declared).
 *
 * One pass builds a mask of facts (conf_msg_facts), the rows test bits.
 * It judges bytes as sent (after dot-unstuffing), walks nested multiparts
 * to a fixed depth, and when only the first bytes of a message were kept
 * it skips what needs the end (the closing boundary).  It does not decode
 * content or judge HTML, charsets or addresses in header fields.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fakes/base/defs.h"
#include "fakes/base/str.h"
#include "harness/capture.h"
#include "harness/conformance/conf.h"
#include "harness/conformance/conf_int.h"

#define CM_NO_DATE		0x0001
#define CM_NO_FROM		0x0002
#define CM_DUP_FIELD		0x0004
#define CM_FIELD_SYNTAX		0x0008
#define CM_LINE_998		0x0010
#define CM_LINE_78		0x0020
#define CM_HDR_8BIT		0x0040
#define CM_NO_MIME_VERSION	0x0080
#define CM_NO_BOUNDARY		0x0100
#define CM_UNCLOSED		0x0200
#define CM_7BIT_8BIT		0x0400
#define CM_B64_LONG		0x0800
#define CM_QP_LONG		0x1000
#define CM_EW_SYNTAX		0x2000
#define CM_2231_SYNTAX		0x4000

#define CM_DEPTH_MAX		16	/* nested multiparts judged */
#define CM_VALUE_MAX		1024	/* Content-Type value kept */
#define CM_BOUNDARY_MAX		70	/* RFC 2046 5.1.1 */
#define CM_EW_MAX		75	/* RFC 2047 2 */
#define CM_ENC_LINE_MAX		76	/* RFC 2045 6.7 (5), 6.8 */

enum cm_cte { CM_CTE_7BIT, CM_CTE_8BIT, CM_CTE_BINARY, CM_CTE_QP,
    CM_CTE_B64, CM_CTE_OTHER, CM_CTE__COUNT };

/* RFC 5322 3.6: fields that may occur at most once. */
static const char *const conf_msg_unique[] = {
	"Date", "From", "Sender", "Reply-To", "To", "Cc", "Bcc",
	"Message-ID", "In-Reply-To", "References", "Subject",
};

struct cm_walk {
	const struct conf_ctx *ctx;
	unsigned	 facts;
};

struct cm_entity {
	char		 ctype[CM_VALUE_MAX];	/* unfolded value */
	enum cm_cte	 cte;
	bool		 has_ctype;
	bool		 has_cte;
	bool		 has_mime_version;
	bool		 has_date;
	bool		 has_from;
	unsigned	 seen_unique;		/* bit per conf_msg_unique */
};

static size_t	cm_line(const char *, size_t, size_t *);
static size_t	cm_entity(struct cm_walk *, const char *, size_t, int,
		    bool);
static void	cm_field(struct cm_walk *, struct cm_entity *, const char *,
		    size_t, bool);
static void	cm_value_append(char *, size_t, const char *, size_t);
static void	cm_body(struct cm_walk *, const struct cm_entity *,
		    const char *, size_t, int);
static void	cm_multipart(struct cm_walk *, const char *, size_t,
		    const char *, int);
static bool	cm_param(const char *, const char *, char *, size_t);
static void	cm_params_2231(struct cm_walk *, const char *);
static void	cm_encoded_words(struct cm_walk *, const char *, size_t);
static bool	cm_encoded_word(const char *, size_t);
static bool	cm_has_8bit(const char *, size_t);

static conf_check_fn conf_msg_r_no_date, conf_msg_r_no_from, conf_msg_r_dup_field,
    conf_msg_r_field_syntax, conf_msg_r_line_998, conf_msg_r_line_78, conf_msg_r_hdr_8bit,
    conf_msg_r_no_mime_version, conf_msg_r_no_boundary, conf_msg_r_unclosed, conf_msg_r_7bit_8bit,
    conf_msg_r_b64_long, conf_msg_r_qp_long, conf_msg_r_ew_syntax, conf_msg_r_2231_syntax;

const struct conf_rule conf_msg_rules[] = {
	{ .id = "msg.header.date-missing", .rfc = "5322", .section = "3.6",
	  .level = CONF_MUST, .scope = CONF_PER_MESSAGE, .after_fault = true,
	  .check = conf_msg_r_no_date,
	  .message = "client sent a message without a Date header field",
	  .hint = "add a Date: field with the time the message was "
	  "written" },
	{ .id = "msg.header.from-missing", .rfc = "5322", .section = "3.6",
	  .level = CONF_MUST, .scope = CONF_PER_MESSAGE, .after_fault = true,
	  .check = conf_msg_r_no_from,
	  .message = "client sent a message without a From header field",
	  .hint = "add a From: field naming the author" },
	{ .id = "msg.header.duplicate", .rfc = "5322", .section = "3.6",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_MESSAGE,
	  .after_fault = true, .check = conf_msg_r_dup_field,
	  .message = "client sent a message with a header field that may "
	  "occur only once (Date, From, Sender, Reply-To, To, Cc, Bcc, "
	  "Message-ID, In-Reply-To, References, Subject) twice",
	  .hint = "merge the repeated field into one" },
	{ .id = "msg.header.syntax", .rfc = "5322", .section = "2.2",
	  .level = CONF_MUST, .scope = CONF_PER_MESSAGE, .after_fault = true,
	  .check = conf_msg_r_field_syntax,
	  .message = "client sent a header line that is neither "
	  "\"name: value\" nor a folded continuation",
	  .hint = "start each field with a printable name and a colon, and "
	  "continuation lines with a space or tab" },
	{ .id = "msg.line.too-long", .rfc = "5322", .section = "2.1.1",
	  .level = CONF_MUST, .scope = CONF_PER_MESSAGE, .after_fault = true,
	  .check = conf_msg_r_line_998,
	  .message = "client sent a message line longer than 998 characters",
	  .hint = "fold header fields and encode long body lines with "
	  "quoted-printable or base64" },
	{ .id = "msg.line.over-78", .rfc = "5322", .section = "2.1.1",
	  .level = CONF_SHOULD_NOT, .scope = CONF_PER_MESSAGE,
	  .after_fault = true, .check = conf_msg_r_line_78,
	  .message = "client sent a message line longer than 78 characters",
	  .hint = "fold header fields at 78 characters and wrap or encode "
	  "body text" },
	{ .id = "msg.header.8bit", .rfc = "6531", .section = "3.2",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_MESSAGE,
	  .after_fault = true, .check = conf_msg_r_hdr_8bit,
	  .message = "client sent non-ASCII header fields without declaring "
	  "SMTPUTF8",
	  .hint = "encode non-ASCII header text as RFC 2047 encoded words, "
	  "or declare SMTPUTF8 on MAIL" },
	{ .id = "msg.mime.version-missing", .rfc = "2045", .section = "4",
	  .level = CONF_MUST, .scope = CONF_PER_MESSAGE, .after_fault = true,
	  .check = conf_msg_r_no_mime_version,
	  .message = "client sent MIME fields without MIME-Version",
	  .hint = "add \"MIME-Version: 1.0\" to the top-level header" },
	{ .id = "msg.mime.boundary-missing", .rfc = "2046",
	  .section = "5.1.1", .level = CONF_MUST,
	  .scope = CONF_PER_MESSAGE, .after_fault = true,
	  .check = conf_msg_r_no_boundary,
	  .message = "client sent a multipart Content-Type without a "
	  "boundary parameter",
	  .hint = "give every multipart entity a boundary parameter" },
	{ .id = "msg.mime.boundary-unclosed", .rfc = "2046",
	  .section = "5.1.1", .level = CONF_MUST,
	  .scope = CONF_PER_MESSAGE, .after_fault = true,
	  .check = conf_msg_r_unclosed,
	  .message = "client sent a multipart body without its closing "
	  "\"--boundary--\" line",
	  .hint = "end every multipart body with the close-delimiter" },
	{ .id = "msg.mime.8bit-in-7bit", .rfc = "2045", .section = "6.2",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_MESSAGE,
	  .after_fault = true, .check = conf_msg_r_7bit_8bit,
	  .message = "client sent 8-bit octets in a part whose transfer "
	  "encoding is 7bit (explicit or by default)",
	  .hint = "label the part Content-Transfer-Encoding: 8bit, or encode "
	  "it as quoted-printable or base64" },
	{ .id = "msg.mime.base64-line-length", .rfc = "2045",
	  .section = "6.8", .level = CONF_MUST, .scope = CONF_PER_MESSAGE,
	  .after_fault = true, .check = conf_msg_r_b64_long,
	  .message = "client sent a base64 line longer than 76 characters",
	  .hint = "wrap base64 output at 76 characters" },
	{ .id = "msg.mime.qp-line-length", .rfc = "2045", .section = "6.7",
	  .level = CONF_MUST, .scope = CONF_PER_MESSAGE, .after_fault = true,
	  .check = conf_msg_r_qp_long,
	  .message = "client sent a quoted-printable line longer than 76 "
	  "characters",
	  .hint = "use soft line breaks (\"=\" at the end) to keep lines at "
	  "76 characters" },
	{ .id = "msg.mime.encoded-word-syntax", .rfc = "2047",
	  .section = "2", .level = CONF_MUST, .scope = CONF_PER_MESSAGE,
	  .after_fault = true, .check = conf_msg_r_ew_syntax,
	  .message = "client sent a malformed or over-long (75) encoded "
	  "word in a header field",
	  .hint = "write =?charset?B|Q?text?= with no spaces inside, and "
	  "split long text into several words" },
	{ .id = "msg.mime.param-continuation", .rfc = "2231",
	  .section = "3", .level = CONF_MUST, .scope = CONF_PER_MESSAGE,
	  .after_fault = true, .check = conf_msg_r_2231_syntax,
	  .message = "client sent parameter continuations (name*0, name*1, "
	  "...) that do not start at 0 or skip a number",
	  .hint = "number the sections of a continued parameter 0, 1, 2 "
	  "without gaps" },
};

const size_t conf_msg_nrules = nitems(conf_msg_rules);

/* Each row tests its bit of the facts the engine computed once. */
#define CM_FACT_RULE(fn, bit)						\
static bool								\
fn(const struct conf_ctx *ctx, const struct tevent *ev, size_t *evidence_r) \
{									\
	return (ctx->msg_facts & (bit)) != 0;				\
}

CM_FACT_RULE(conf_msg_r_no_date, CM_NO_DATE)
CM_FACT_RULE(conf_msg_r_no_from, CM_NO_FROM)
CM_FACT_RULE(conf_msg_r_dup_field, CM_DUP_FIELD)
CM_FACT_RULE(conf_msg_r_field_syntax, CM_FIELD_SYNTAX)
CM_FACT_RULE(conf_msg_r_line_998, CM_LINE_998)
CM_FACT_RULE(conf_msg_r_line_78, CM_LINE_78)
CM_FACT_RULE(conf_msg_r_hdr_8bit, CM_HDR_8BIT)
CM_FACT_RULE(conf_msg_r_no_mime_version, CM_NO_MIME_VERSION)
CM_FACT_RULE(conf_msg_r_no_boundary, CM_NO_BOUNDARY)
CM_FACT_RULE(conf_msg_r_unclosed, CM_UNCLOSED)
CM_FACT_RULE(conf_msg_r_7bit_8bit, CM_7BIT_8BIT)
CM_FACT_RULE(conf_msg_r_b64_long, CM_B64_LONG)
CM_FACT_RULE(conf_msg_r_qp_long, CM_QP_LONG)
CM_FACT_RULE(conf_msg_r_ew_syntax, CM_EW_SYNTAX)
CM_FACT_RULE(conf_msg_r_2231_syntax, CM_2231_SYNTAX)

/* --- the one pass --- */

unsigned
conf_msg_facts(const struct conf_ctx *ctx)
{
	struct cm_walk	w = { .ctx = ctx };

	(void)cm_entity(&w, ctx->msg, ctx->msglen, 0, true);
	return w.facts;
}

/*
 * The line at p: returns its content length, *next_r the offset after
 * its ending (CRLF or LF), or len when it runs to the end.
 */
static size_t
cm_line(const char *p, size_t len, size_t *next_r)
{
	const char	*nl;
	size_t		 n;

	nl = memchr(p, '\n', len);
	if (nl == NULL) {
		*next_r = len;
		return len;
	}
	n = (size_t)(nl - p);
	*next_r = n + 1;
	return n > 0 && p[n - 1] == '\r' ? n - 1 : n;
}

/* A header and body; returns the body offset. */
static size_t
cm_entity(struct cm_walk *w, const char *p, size_t len, int depth, bool top)
{
	struct cm_entity	 e;
	size_t			 off = 0, n, next, start = 0, flen = 0;
	bool			 infield = false;

	memset(&e, 0, sizeof(e));
	while (off < len) {
		n = cm_line(p + off, len - off, &next);
		if (n > 998)
			w->facts |= CM_LINE_998;
		else if (n > 78)
			w->facts |= CM_LINE_78;
		if (n == 0)
			break;
		if (p[off] == ' ' || p[off] == '\t') {
			if (!infield)
				w->facts |= CM_FIELD_SYNTAX;
			flen = off + n - start;
		} else {
			if (infield)
				cm_field(w, &e, p + start, flen, top);
			infield = true;
			start = off;
			flen = n;
		}
		off += next;
	}
	if (infield)
		cm_field(w, &e, p + start, flen, top);
	/* The blank line ends the header; a message without one has none. */
	if (off < len)
		off += next;
	if (top) {
		if (!e.has_date)
			w->facts |= CM_NO_DATE;
		if (!e.has_from)
			w->facts |= CM_NO_FROM;
		if ((e.has_ctype || e.has_cte) && !e.has_mime_version)
			w->facts |= CM_NO_MIME_VERSION;
	}
	cm_body(w, &e, p + off, off <= len ? len - off : 0, depth);
	return off;
}

/* One unfolded field: name syntax, counts, the MIME fields. */
static void
cm_field(struct cm_walk *w, struct cm_entity *e, const char *p, size_t len,
    bool top)
{
	const char	*colon, *v;
	size_t		 nlen, vlen, i;

	colon = memchr(p, ':', len);
	if (colon == NULL || colon == p) {
		w->facts |= CM_FIELD_SYNTAX;
		return;
	}
	nlen = (size_t)(colon - p);
	/* RFC 5322 3.6.8: ftext is %d33-57 / %d59-126. */
	for (i = 0; i < nlen; i++)
		if ((unsigned char)p[i] < 33 || (unsigned char)p[i] > 126) {
			w->facts |= CM_FIELD_SYNTAX;
			return;
		}
	if (cm_has_8bit(p, len) && !w->ctx->msg_utf8)
		w->facts |= CM_HDR_8BIT;
	v = colon + 1;
	vlen = len - nlen - 1;
	if (top) {
		for (i = 0; i < nitems(conf_msg_unique); i++) {
			if (strlen(conf_msg_unique[i]) != nlen ||
			    strncasecmp(p, conf_msg_unique[i], nlen) != 0)
				continue;
			if (e->seen_unique & (1U << i))
				w->facts |= CM_DUP_FIELD;
			e->seen_unique |= 1U << i;
		}
		if (nlen == 4 && strncasecmp(p, "Date", 4) == 0)
			e->has_date = true;
		if (nlen == 4 && strncasecmp(p, "From", 4) == 0)
			e->has_from = true;
		if (nlen == 12 && strncasecmp(p, "MIME-Version", 12) == 0)
			e->has_mime_version = true;
	}
	cm_encoded_words(w, v, vlen);
	if (nlen == 12 && strncasecmp(p, "Content-Type", 12) == 0) {
		e->has_ctype = true;
		e->ctype[0] = '\0';
		cm_value_append(e->ctype, sizeof(e->ctype), v, vlen);
		cm_params_2231(w, e->ctype);
	} else if (nlen == 25 &&
	    strncasecmp(p, "Content-Transfer-Encoding", 25) == 0) {
		e->has_cte = true;
		while (vlen > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vlen--;
		}
		while (vlen > 0 && (v[vlen - 1] == ' ' ||
		    v[vlen - 1] == '\t' || v[vlen - 1] == '\r' ||
		    v[vlen - 1] == '\n'))
			vlen--;
		if (vlen == 4 && strncasecmp(v, "7bit", 4) == 0)
			e->cte = CM_CTE_7BIT;
		else if (vlen == 4 && strncasecmp(v, "8bit", 4) == 0)
			e->cte = CM_CTE_8BIT;
		else if (vlen == 6 && strncasecmp(v, "binary", 6) == 0)
			e->cte = CM_CTE_BINARY;
		else if (vlen == 16 &&
		    strncasecmp(v, "quoted-printable", 16) == 0)
			e->cte = CM_CTE_QP;
		else if (vlen == 6 && strncasecmp(v, "base64", 6) == 0)
			e->cte = CM_CTE_B64;
		else
			e->cte = CM_CTE_OTHER;
	}
}

/* Unfolded (CR and LF dropped), cut at the buffer's size. */
static void
cm_value_append(char *dst, size_t size, const char *p, size_t len)
{
	size_t	o = strlen(dst), i;

	for (i = 0; i < len && o + 1 < size; i++)
		if (p[i] != '\r' && p[i] != '\n')
			dst[o++] = p[i];
	dst[o] = '\0';
}

static void
cm_body(struct cm_walk *w, const struct cm_entity *e, const char *p,
    size_t len, int depth)
{
	char	 boundary[CM_BOUNDARY_MAX + 1];
	size_t	 off, n, next;
	bool	 multi;

	multi = e->has_ctype && strncasecmp(e->ctype + strspn(e->ctype,
	    " \t"), "multipart/", 10) == 0;
	if (multi) {
		if (!cm_param(e->ctype, "boundary", boundary,
		    sizeof(boundary)))
			w->facts |= CM_NO_BOUNDARY;
		else if (depth < CM_DEPTH_MAX)
			cm_multipart(w, p, len, boundary, depth);
		return;
	}
	if ((e->cte == CM_CTE_7BIT) && cm_has_8bit(p, len))
		w->facts |= CM_7BIT_8BIT;
	for (off = 0; off < len; off += next) {
		n = cm_line(p + off, len - off, &next);
		if (e->cte != CM_CTE_BINARY) {
			if (n > 998)
				w->facts |= CM_LINE_998;
			else if (n > 78)
				w->facts |= CM_LINE_78;
		}
		if (n > CM_ENC_LINE_MAX && e->cte == CM_CTE_B64)
			w->facts |= CM_B64_LONG;
		if (n > CM_ENC_LINE_MAX && e->cte == CM_CTE_QP)
			w->facts |= CM_QP_LONG;
	}
}

/* RFC 2046 5.1.1: "--" boundary lines split the parts, "--b--" ends. */
static void
cm_multipart(struct cm_walk *w, const char *p, size_t len,
    const char *boundary, int depth)
{
	size_t	 bl = strlen(boundary), off, n, next, part = 0;
	bool	 in_part = false, closed = false;

	for (off = 0; off < len && !closed; off += next) {
		n = cm_line(p + off, len - off, &next);
		if (n < bl + 2 || p[off] != '-' || p[off + 1] != '-' ||
		    memcmp(p + off + 2, boundary, bl) != 0) {
			if (!in_part) {
				if (n > 998)
					w->facts |= CM_LINE_998;
				else if (n > 78)
					w->facts |= CM_LINE_78;
			}
			continue;
		}
		if (in_part)
			(void)cm_entity(w, p + part, off - part, depth + 1,
			    false);
		closed = n >= bl + 4 && p[off + bl + 2] == '-' &&
		    p[off + bl + 3] == '-';
		in_part = !closed;
		part = off + next;
	}
	if (in_part)
		(void)cm_entity(w, p + part, len - part, depth + 1, false);
	if (!closed && !w->ctx->msg_partial)
		w->facts |= CM_UNCLOSED;
}

/*
 * The value of parameter name in a Content-Type value (token or quoted
 * string, RFC 2045 5.1); false if absent, empty or too long.
 */
static bool
cm_param(const char *v, const char *name, char *out, size_t size)
{
	size_t	 nl = strlen(name), o;
	const char *p = v;

	while ((p = strchr(p, ';')) != NULL) {
		p++;
		p += strspn(p, " \t");
		if (strncasecmp(p, name, nl) != 0)
			continue;
		p += nl;
		p += strspn(p, " \t");
		if (*p != '=')
			continue;
		p++;
		p += strspn(p, " \t");
		o = 0;
		if (*p == '"') {
			for (p++; *p != '\0' && *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				if (o + 1 >= size)
					return false;
				out[o++] = *p;
			}
		} else {
			for (; *p != '\0' && *p != ';' && *p != ' ' &&
			    *p != '\t'; p++) {
				if (o + 1 >= size)
					return false;
				out[o++] = *p;
			}
		}
		out[o] = '\0';
		return o > 0;
	}
	return false;
}

/* RFC 2231 3: name*0, name*1, ... in order from 0, no gaps. */
static void
cm_params_2231(struct cm_walk *w, const char *v)
{
	const char	*p = v, *star, *eq;
	char		 name[64];
	uint64_t	 num;
	uint64_t	 want = 0;
	size_t		 nl, dl;

	name[0] = '\0';
	while ((p = strchr(p, ';')) != NULL) {
		p++;
		p += strspn(p, " \t");
		eq = strchr(p, '=');
		star = strchr(p, '*');
		if (eq == NULL || star == NULL || star > eq)
			continue;
		nl = (size_t)(star - p);
		dl = strspn(star + 1, "0123456789");
		if (dl == 0 || nl >= sizeof(name) ||
		    !str_to_u64(star + 1, dl, 1000000, &num))
			continue;
		if (name[0] == '\0' || strlen(name) != nl ||
		    strncasecmp(name, p, nl) != 0) {
			memcpy(name, p, nl);
			name[nl] = '\0';
			want = 0;
		}
		if (num != want)
			w->facts |= CM_2231_SYNTAX;
		want = num + 1;
	}
}

/* Words that look like encoded words ("=?...?=") must be valid ones. */
static void
cm_encoded_words(struct cm_walk *w, const char *p, size_t len)
{
	size_t	i = 0, j;

	while (i < len) {
		/* Separators, comments' parentheses included ("(UTC)"). */
		while (i < len && (p[i] == ' ' || p[i] == '\t' ||
		    p[i] == '\r' || p[i] == '\n' || p[i] == '(' ||
		    p[i] == ')' || p[i] == '"'))
			i++;
		j = i;
		while (j < len && p[j] != ' ' && p[j] != '\t' &&
		    p[j] != '\r' && p[j] != '\n' && p[j] != '(' &&
		    p[j] != ')' && p[j] != '"')
			j++;
		if (j - i >= 4 && p[i] == '=' && p[i + 1] == '?' &&
		    p[j - 2] == '?' && p[j - 1] == '=' &&
		    !cm_encoded_word(p + i, j - i))
			w->facts |= CM_EW_SYNTAX;
		/* Every turn moves on, whatever the bytes. */
		i = j > i ? j : i + 1;
	}
}

/* RFC 2047 2: =?charset?encoding?encoded-text?=, at most 75 chars. */
static bool
cm_encoded_word(const char *p, size_t len)
{
	size_t	i, q[3], nq = 0;

	if (len > CM_EW_MAX)
		return false;
	for (i = 2; i < len - 2 && nq < 3; i++)
		if (p[i] == '?')
			q[nq++] = i;
	/* Exactly two '?' inside: after the charset and the encoding. */
	if (nq != 2 || q[0] == 2 || q[1] != q[0] + 2)
		return false;
	if (strchr("BbQq", p[q[0] + 1]) == NULL)
		return false;
	for (i = q[1] + 1; i < len - 2; i++)
		if ((unsigned char)p[i] <= 32 || (unsigned char)p[i] >= 127)
			return false;
	return true;
}

static bool
cm_has_8bit(const char *p, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] >= 0x80)
			return true;
	return false;
}
