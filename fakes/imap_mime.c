/*
 * imap_mime.c: the MIME structure of a stored message for IMAP: ENVELOPE
 * and BODY/BODYSTRUCTURE (RFC 3501 7.4.2), sections (RFC 3501 6.4.5),
 * BINARY content (RFC 3516) and SEARCH text (RFC 3501 6.4.4).
 *
 * Owns the part tree of one message and the memory of generated
 * sections; borrows the message bytes.  Part boundaries (RFC 2046 5.1.1)
 * and header/body splits are found here on the raw bytes, so that every
 * section is an exact range of what was stored; GMime parses the inside
 * of header fields (RFC 2045 5.1 parameters, RFC 2231, RFC 2047, dates).
 * Addresses for ENVELOPE are parsed here too, because GMime decodes
 * display names and RFC 3501 7.4.2 wants them raw.  Recursion is bounded
 * by IMAP_MIME_DEPTH_MAX and the part count by IMAP_MIME_PARTS_MAX.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "fakes/imap_mime.h"

#define IMAP_MIME_QUOTED_MAX	1024	/* longer strings go as literals */
#define IMAP_MIME_ADDRS_MAX	1000	/* addresses per ENVELOPE field */

struct imap_mime_part {
	size_t			 off;		/* start of the header */
	size_t			 fields_end;	/* end of the last field */
	size_t			 body_off;	/* after the blank line */
	size_t			 body_len;
	size_t			 lines;		/* LFs in the body, + 1 for
						   an unterminated last line */
	char			*type;		/* owned */
	char			*subtype;	/* owned */
	GMimeContentType	*ct;		/* owned; NULL if missing */
	bool			 multipart;
	bool			 message;	/* message/rfc822 */
	struct imap_mime_part	*child;		/* borrowed from parts[]: first
						   child or the encapsulated
						   message */
	struct imap_mime_part	*next;		/* borrowed: next sibling */
	size_t			 nchildren;
};

struct imap_mime {
	const char		 *data;		/* borrowed */
	size_t			  len;
	struct imap_mime_part	 *root;		/* borrowed from parts[] */
	struct imap_mime_part	**parts;	/* owned, every part */
	size_t			  nparts;
	size_t			  parts_cap;
	char			**owned;	/* owned section copies */
	size_t			  nowned;
	size_t			  owned_cap;
};

/* One header field: [off, end) with folded lines, name [off, name_end). */
struct imap_mime_field {
	size_t	off;
	size_t	end;
	size_t	name_end;
	size_t	val_off;
};

/* Address parser state over one unfolded header value. */
struct imap_mime_addr {
	const char	*s;
	size_t		 i;
	size_t		 len;
};

/* parsing */
static struct imap_mime_part *imap_mime_parse(struct imap_mime *, size_t,
		    size_t, size_t, bool);
static void	imap_mime_split(struct imap_mime *, struct imap_mime_part *,
		    const char *, size_t, bool);
static size_t	imap_mime_line_end(const char *, size_t, size_t);
static size_t	imap_mime_count_lines(const char *, size_t);
static bool	imap_mime_field_next(const char *, size_t *, size_t,
		    struct imap_mime_field *);
static char	*imap_mime_unfold(const char *, const struct imap_mime_field *);
static char	*imap_mime_hdr_get(const struct imap_mime *,
		    const struct imap_mime_part *, const char *);
static bool	imap_mime_name_is(const char *, const struct imap_mime_field *,
		    const char *, size_t);
static bool	imap_mime_is_type(const struct imap_mime_part *, const char *,
		    const char *);

/* rendering */
static int	imap_mime_envelope_part(struct imap_mime *,
		    const struct imap_mime_part *, struct buf *);
static int	imap_mime_body_part(struct imap_mime *,
		    const struct imap_mime_part *, bool, struct buf *);
static int	imap_mime_addr_list(struct buf *, const char *);
static int	imap_mime_addr_emit(struct buf *, const struct buf *,
		    const struct buf *, const struct buf *, const struct buf *);
static void	imap_mime_addr_cfws(struct imap_mime_addr *);
static bool	imap_mime_addr_word(struct imap_mime_addr *, struct buf *,
		    struct buf *);
static void	imap_mime_addr_domain(struct imap_mime_addr *, struct buf *);
static int	imap_mime_params(struct buf *, GMimeParamList *);
static int	imap_mime_languages(struct buf *, const char *);
static int	imap_mime_param_value(struct buf *, const char *);
static int	imap_mime_hdr_nstring(struct imap_mime *,
		    const struct imap_mime_part *, const char *, struct buf *);
static int	imap_mime_ext(struct imap_mime *,
		    const struct imap_mime_part *, struct buf *);
static int	imap_mime_append_cstr(struct buf *, const char *);

/* sections */
static const struct imap_mime_part *imap_mime_resolve(
		    const struct imap_mime *, const struct imap_mime_section *);
static char	*imap_mime_keep(struct imap_mime *, char *);
static int	imap_mime_fields(struct imap_mime *,
		    const struct imap_mime_part *,
		    const struct imap_mime_section *, const char **, size_t *);
static bool	imap_mime_is_atom(const char *);
static int	imap_mime_decode(const struct imap_mime *,
		    const struct imap_mime_part *, char **, size_t *);

/* search */
static bool	imap_mime_ci_contains(const char *, size_t, const char *,
		    size_t);
static bool	imap_mime_ascii_ci_contains(const char *, size_t,
		    const char *, size_t);

static bool	imap_mime_ready;
static bool	imap_mime_down;

void
imap_mime_init(void)
{
	if (imap_mime_ready)
		return;
	/* GMime 3.2 leaves dangling tables when started a second time. */
	if (imap_mime_down)
		fatalx("%s: GMime was shut down already", __func__);
	g_mime_init();
	imap_mime_ready = true;
}

void
imap_mime_shutdown(void)
{
	if (!imap_mime_ready)
		return;
	g_mime_shutdown();
	imap_mime_ready = false;
	imap_mime_down = true;
}

/* --- structure --- */

struct imap_mime *
imap_mime_new(const char *data, size_t len)
{
	struct imap_mime	*m;

	if (!imap_mime_ready)
		fatalx("%s: imap_mime_init() was not called", __func__);
	m = xcalloc(1, sizeof(*m));
	m->data = data;
	m->len = len;
	m->root = imap_mime_parse(m, 0, len, 0, false);
	return m;
}

void
imap_mime_free(struct imap_mime *m)
{
	struct imap_mime_part	*p;
	size_t			 i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nparts; i++) {
		p = m->parts[i];
		if (p->ct != NULL)
			g_object_unref(p->ct);
		free(p->type);
		free(p->subtype);
		free(p);
	}
	free(m->parts);
	for (i = 0; i < m->nowned; i++)
		free(m->owned[i]);
	free(m->owned);
	free(m);
}

static size_t
imap_mime_line_end(const char *d, size_t pos, size_t end)
{
	const char	*lf;

	lf = memchr(d + pos, '\n', end - pos);
	return lf == NULL ? end : (size_t)(lf - d) + 1;
}

static size_t
imap_mime_count_lines(const char *p, size_t len)
{
	size_t	 n, i;

	n = 0;
	for (i = 0; i < len; i++)
		if (p[i] == '\n')
			n++;
	if (len > 0 && p[len - 1] != '\n')
		n++;
	return n;
}

static bool
imap_mime_is_type(const struct imap_mime_part *p, const char *type,
    const char *subtype)
{
	return strcasecmp(p->type, type) == 0 &&
	    (subtype == NULL || strcasecmp(p->subtype, subtype) == 0);
}

/*
 * The entity data[off..end): header up to the first empty line (RFC 5322
 * 2.1; all header if there is none), then the body.  digest: the default
 * type is message/rfc822 (RFC 2046 5.1.5).
 */
static struct imap_mime_part *
imap_mime_parse(struct imap_mime *m, size_t off, size_t end, size_t depth,
    bool digest)
{
	struct imap_mime_part	*p;
	const char		*d = m->data, *t, *st, *boundary;
	char			*v;
	size_t			 pos, next;
	bool			 opaque;

	p = xcalloc(1, sizeof(*p));
	if (m->nparts == m->parts_cap) {
		m->parts_cap = m->parts_cap == 0 ? 8 : m->parts_cap * 2;
		m->parts = xreallocarray(m->parts, m->parts_cap,
		    sizeof(*m->parts));
	}
	m->parts[m->nparts++] = p;
	p->off = off;
	p->fields_end = end;
	p->body_off = end;
	for (pos = off; pos < end; pos = next) {
		next = imap_mime_line_end(d, pos, end);
		if (d[pos] == '\n' || (d[pos] == '\r' && next - pos == 2 &&
		    d[pos + 1] == '\n')) {
			p->fields_end = pos;
			p->body_off = next;
			break;
		}
	}
	p->body_len = end - p->body_off;

	v = imap_mime_hdr_get(m, p, "Content-Type");
	if (v != NULL) {
		p->ct = g_mime_content_type_parse(NULL, v);
		free(v);
	}
	t = p->ct != NULL ? g_mime_content_type_get_media_type(p->ct) : NULL;
	st = p->ct != NULL ?
	    g_mime_content_type_get_media_subtype(p->ct) : NULL;
	if (t == NULL || *t == '\0' || st == NULL || *st == '\0') {
		/* RFC 2045 5.2 default; RFC 2046 5.1.5 in a digest. */
		if (p->ct != NULL)
			g_object_unref(p->ct);
		p->ct = NULL;
		t = digest ? "message" : "text";
		st = digest ? "rfc822" : "plain";
	}
	p->type = xstrdup(t);
	p->subtype = xstrdup(st);

	opaque = depth >= IMAP_MIME_DEPTH_MAX - 1 ||
	    m->nparts >= IMAP_MIME_PARTS_MAX;
	if (imap_mime_is_type(p, "multipart", NULL)) {
		boundary = p->ct != NULL ?
		    g_mime_content_type_get_parameter(p->ct, "boundary") : NULL;
		if (opaque || boundary == NULL || *boundary == '\0') {
			/* XXX no way to show children: an opaque blob. */
			free(p->type);
			free(p->subtype);
			p->type = xstrdup("application");
			p->subtype = xstrdup("octet-stream");
		} else {
			p->multipart = true;
			imap_mime_split(m, p, boundary, depth,
			    imap_mime_is_type(p, "multipart", "digest"));
		}
	} else if (imap_mime_is_type(p, "message", "rfc822") && !opaque) {
		p->message = true;
		p->child = imap_mime_parse(m, p->body_off,
		    p->body_off + p->body_len, depth + 1, false);
	}
	p->lines = imap_mime_count_lines(d + p->body_off, p->body_len);
	return p;
}

/*
 * RFC 2046 5.1.1: a delimiter line is "--" boundary, optional "--" for
 * the last one, optional white space; the CRLF before it belongs to the
 * delimiter.  Without a close delimiter the last part runs to the end.
 */
static void
imap_mime_split(struct imap_mime *m, struct imap_mime_part *p,
    const char *boundary, size_t depth, bool digest)
{
	const char		*d = m->data;
	struct imap_mime_part	*c, **tail;
	size_t			 blen, pos, next, end, start, k, pend;
	bool			 in_part, close;

	blen = strlen(boundary);
	end = p->body_off + p->body_len;
	tail = &p->child;
	in_part = false;
	start = 0;
	for (pos = p->body_off; pos < end; pos = next) {
		next = imap_mime_line_end(d, pos, end);
		if (next - pos < blen + 2 || d[pos] != '-' ||
		    d[pos + 1] != '-' || memcmp(d + pos + 2, boundary,
		    blen) != 0)
			continue;
		k = pos + 2 + blen;
		close = false;
		if (next - k >= 2 && d[k] == '-' && d[k + 1] == '-') {
			close = true;
			k += 2;
		}
		while (k < next && (d[k] == ' ' || d[k] == '\t' ||
		    d[k] == '\r' || d[k] == '\n'))
			k++;
		if (k != next)
			continue;
		if (in_part && m->nparts < IMAP_MIME_PARTS_MAX) {
			pend = pos;
			if (pend > start && d[pend - 1] == '\n') {
				pend--;
				if (pend > start && d[pend - 1] == '\r')
					pend--;
			}
			c = imap_mime_parse(m, start, pend, depth + 1, digest);
			*tail = c;
			tail = &c->next;
			p->nchildren++;
		}
		if (close)
			return;
		in_part = true;
		start = next;
	}
	if (in_part && m->nparts < IMAP_MIME_PARTS_MAX) {
		c = imap_mime_parse(m, start, end, depth + 1, digest);
		*tail = c;
		p->nchildren++;
	}
}

/* The next field in [*pos, end); continuation lines start with WSP. */
static bool
imap_mime_field_next(const char *d, size_t *pos, size_t end,
    struct imap_mime_field *f)
{
	const char	*colon;
	size_t		 next, line_end;

	if (*pos >= end)
		return false;
	f->off = *pos;
	line_end = imap_mime_line_end(d, *pos, end);
	for (next = line_end; next < end && (d[next] == ' ' ||
	    d[next] == '\t'); next = imap_mime_line_end(d, next, end))
		;
	f->end = next;
	colon = memchr(d + f->off, ':', line_end - f->off);
	if (colon == NULL) {
		f->name_end = f->off;
		f->val_off = f->off;
	} else {
		f->name_end = (size_t)(colon - d);
		/* RFC 5322 4.5: obsolete white space before the colon. */
		while (f->name_end > f->off && (d[f->name_end - 1] == ' ' ||
		    d[f->name_end - 1] == '\t'))
			f->name_end--;
		f->val_off = (size_t)(colon - d) + 1;
	}
	*pos = next;
	return true;
}

static bool
imap_mime_name_is(const char *d, const struct imap_mime_field *f,
    const char *name, size_t len)
{
	return f->name_end - f->off == len && len > 0 &&
	    strncasecmp(d + f->off, name, len) == 0;
}

/* The value without CR and LF (RFC 5322 2.2.3 unfolding), WSP trimmed. */
static char *
imap_mime_unfold(const char *d, const struct imap_mime_field *f)
{
	char	*v;
	size_t	 i, n;

	v = xmalloc(f->end - f->val_off + 1);
	n = 0;
	for (i = f->val_off; i < f->end; i++) {
		if (d[i] == '\r' || d[i] == '\n')
			continue;
		if (d[i] == '\0')
			v[n++] = ' ';
		else if (n > 0 || (d[i] != ' ' && d[i] != '\t'))
			v[n++] = d[i];
	}
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	v[n] = '\0';
	return v;
}

/* The first field called name, unfolded; NULL if none.  Caller frees. */
static char *
imap_mime_hdr_get(const struct imap_mime *m, const struct imap_mime_part *p,
    const char *name)
{
	struct imap_mime_field	 f;
	size_t			 pos, len;

	len = strlen(name);
	pos = p->off;
	while (imap_mime_field_next(m->data, &pos, p->fields_end, &f))
		if (imap_mime_name_is(m->data, &f, name, len))
			return imap_mime_unfold(m->data, &f);
	return NULL;
}

/* --- IMAP strings --- */

int
imap_mime_append_nstring(struct buf *out, const char *p, size_t len)
{
	size_t		 i;
	bool		 quoted;
	unsigned char	 c;

	if (p == NULL)
		return buf_append(out, "NIL", 3);
	quoted = len <= IMAP_MIME_QUOTED_MAX;
	for (i = 0; i < len && quoted; i++) {
		c = (unsigned char)p[i];
		if (c == '\0' || c == '\r' || c == '\n' || c >= 0x80)
			quoted = false;
	}
	if (!quoted) {
		if (buf_appendf(out, "{%zu}\r\n", len) == -1)
			return -1;
		return buf_append(out, p, len);
	}
	if (buf_appendc(out, '"') == -1)
		return -1;
	for (i = 0; i < len; i++) {
		/* RFC 3501 9 quoted-specials. */
		if ((p[i] == '"' || p[i] == '\\') &&
		    buf_appendc(out, '\\') == -1)
			return -1;
		if (buf_appendc(out, p[i]) == -1)
			return -1;
	}
	return buf_appendc(out, '"');
}

static int
imap_mime_append_cstr(struct buf *out, const char *s)
{
	return imap_mime_append_nstring(out, s, s == NULL ? 0 : strlen(s));
}

/* --- ENVELOPE, RFC 3501 7.4.2 --- */

int
imap_mime_envelope(struct imap_mime *m, struct buf *out)
{
	return imap_mime_envelope_part(m, m->root, out);
}

static int
imap_mime_hdr_nstring(struct imap_mime *m, const struct imap_mime_part *p,
    const char *name, struct buf *out)
{
	char	*v;
	int	 rc;

	v = imap_mime_hdr_get(m, p, name);
	rc = imap_mime_append_cstr(out, v);
	free(v);
	return rc;
}

static int
imap_mime_envelope_part(struct imap_mime *m, const struct imap_mime_part *p,
    struct buf *out)
{
	static const char *const addr_fields[] = {
		"From", "Sender", "Reply-To", "To", "Cc", "Bcc"
	};
	char		*from, *v;
	size_t		 i;
	int		 rc;

	if (buf_appendc(out, '(') == -1 ||
	    imap_mime_hdr_nstring(m, p, "Date", out) == -1 ||
	    buf_appendc(out, ' ') == -1 ||
	    imap_mime_hdr_nstring(m, p, "Subject", out) == -1)
		return -1;
	from = imap_mime_hdr_get(m, p, "From");
	for (i = 0; i < nitems(addr_fields); i++) {
		v = i == 0 ? NULL : imap_mime_hdr_get(m, p, addr_fields[i]);
		/* RFC 3501 7.4.2: sender and reply-to default to from. */
		if (i == 0 || ((i == 1 || i == 2) && (v == NULL ||
		    *v == '\0'))) {
			free(v);
			v = from == NULL ? NULL : xstrdup(from);
		}
		rc = buf_appendc(out, ' ');
		if (rc == 0)
			rc = imap_mime_addr_list(out, v);
		free(v);
		if (rc == -1) {
			free(from);
			return -1;
		}
	}
	free(from);
	if (buf_appendc(out, ' ') == -1 ||
	    imap_mime_hdr_nstring(m, p, "In-Reply-To", out) == -1 ||
	    buf_appendc(out, ' ') == -1 ||
	    imap_mime_hdr_nstring(m, p, "Message-ID", out) == -1 ||
	    buf_appendc(out, ')') == -1)
		return -1;
	return 0;
}

/* Skip white space and (nested) comments, RFC 5322 3.2.2 CFWS. */
static void
imap_mime_addr_cfws(struct imap_mime_addr *a)
{
	size_t	 depth;

	while (a->i < a->len) {
		if (a->s[a->i] == ' ' || a->s[a->i] == '\t') {
			a->i++;
			continue;
		}
		if (a->s[a->i] != '(')
			return;
		depth = 0;
		for (; a->i < a->len; a->i++) {
			if (a->s[a->i] == '\\' && a->i + 1 < a->len)
				a->i++;
			else if (a->s[a->i] == '(')
				depth++;
			else if (a->s[a->i] == ')' && --depth == 0) {
				a->i++;
				break;
			}
		}
	}
}

/*
 * One word (atom with dots, or quoted string) at a->i: appended to name
 * unquoted and space-separated, and to raw as written.  False if none.
 */
static bool
imap_mime_addr_word(struct imap_mime_addr *a, struct buf *name,
    struct buf *raw)
{
	size_t		 start;
	unsigned char	 c;

	imap_mime_addr_cfws(a);
	if (a->i >= a->len)
		return false;
	c = (unsigned char)a->s[a->i];
	if (c != '"' && c < 0x80 && strchr("()<>[]:;@\\,", c) != NULL)
		return false;
	start = a->i;
	if (name->len > 0 && buf_appendc(name, ' ') == -1)
		return false;
	if (a->s[a->i] == '"') {
		for (a->i++; a->i < a->len && a->s[a->i] != '"'; a->i++) {
			if (a->s[a->i] == '\\' && a->i + 1 < a->len)
				a->i++;
			if (buf_appendc(name, a->s[a->i]) == -1)
				return false;
		}
		if (a->i < a->len)
			a->i++;
	} else {
		for (; a->i < a->len; a->i++) {
			c = (unsigned char)a->s[a->i];
			if (c == ' ' || c == '\t' || (c < 0x80 &&
			    strchr("()<>[]:;@\\,\"", c) != NULL))
				break;
			if (buf_appendc(name, (char)c) == -1)
				return false;
		}
		if (a->i == start)
			return false;
	}
	return buf_append(raw, a->s + start, a->i - start) == 0;
}

/* A domain after '@': dot-atoms or a domain literal, CFWS dropped. */
static void
imap_mime_addr_domain(struct imap_mime_addr *a, struct buf *host)
{
	struct buf	 scratch;
	size_t		 start;

	buf_init(&scratch, 4096);
	for (;;) {
		imap_mime_addr_cfws(a);
		if (a->i < a->len && a->s[a->i] == '[') {
			start = a->i;
			while (a->i < a->len && a->s[a->i] != ']')
				a->i++;
			if (a->i < a->len)
				a->i++;
			if (buf_append(host, a->s + start, a->i - start) == -1)
				break;
			continue;
		}
		if (!imap_mime_addr_word(a, &scratch, host))
			break;
	}
	buf_fini(&scratch);
}

static int
imap_mime_addr_emit(struct buf *out, const struct buf *name,
    const struct buf *adl, const struct buf *mbox, const struct buf *host)
{
	const struct buf	*f[] = { name, adl, mbox, host };
	size_t			 i;

	if (buf_appendc(out, '(') == -1)
		return -1;
	for (i = 0; i < nitems(f); i++) {
		if (i > 0 && buf_appendc(out, ' ') == -1)
			return -1;
		if (imap_mime_append_nstring(out, f[i] == NULL ? NULL :
		    (f[i]->p == NULL ? "" : f[i]->p), f[i] == NULL ? 0 :
		    f[i]->len) == -1)
			return -1;
	}
	return buf_appendc(out, ')');
}

/*
 * RFC 5322 3.4 address-list as RFC 3501 7.4.2 wants it: each mailbox as
 * (name adl mailbox host), a group as (NIL NIL name NIL) ... (NIL NIL NIL
 * NIL).  Display names stay raw (encoded words included).  NIL if v is
 * NULL or names nobody.
 */
static int
imap_mime_addr_list(struct buf *out, const char *v)
{
	struct imap_mime_addr	 a;
	struct buf		 res, name, raw, host, junk;
	size_t			 n;
	bool			 in_group, empty_ok;
	int			 rc;
	char			 c;

	if (v == NULL)
		return buf_append(out, "NIL", 3);
	a = (struct imap_mime_addr){ .s = v, .i = 0, .len = strlen(v) };
	buf_init(&res, out->max);
	buf_init(&name, 4096);
	buf_init(&raw, 4096);
	buf_init(&host, 4096);
	buf_init(&junk, 4096);
	rc = 0;
	n = 0;
	in_group = false;
	while (a.i < a.len && n < IMAP_MIME_ADDRS_MAX && rc == 0) {
		buf_reset(&name);
		buf_reset(&raw);
		buf_reset(&host);
		while (imap_mime_addr_word(&a, &name, &raw))
			;
		imap_mime_addr_cfws(&a);
		c = a.i < a.len ? a.s[a.i] : '\0';
		empty_ok = false;
		if (c == ':' && !in_group) {
			a.i++;
			in_group = true;
			rc = imap_mime_addr_emit(&res, NULL, NULL, &name, NULL);
			n++;
			continue;
		}
		if (c == '<') {
			a.i++;
			imap_mime_addr_cfws(&a);
			/* XXX RFC 5322 4.4 obs-route "@a,@b:" is dropped. */
			if (a.i < a.len && a.s[a.i] == '@') {
				while (a.i < a.len && a.s[a.i] != ':' &&
				    a.s[a.i] != '>')
					a.i++;
				if (a.i < a.len && a.s[a.i] == ':')
					a.i++;
			}
			buf_reset(&junk);
			buf_reset(&raw);
			while (imap_mime_addr_word(&a, &junk, &raw))
				;
			if (a.i < a.len && a.s[a.i] == '@') {
				a.i++;
				imap_mime_addr_domain(&a, &host);
			}
			while (a.i < a.len && a.s[a.i] != '>')
				a.i++;
			if (a.i < a.len)
				a.i++;
			if (raw.len == 0 && host.len == 0)
				empty_ok = true;	/* "<>" */
			else
				rc = imap_mime_addr_emit(&res,
				    name.len > 0 ? &name : NULL, NULL, &raw,
				    &host);
		} else if (c == '@') {
			a.i++;
			imap_mime_addr_domain(&a, &host);
			rc = imap_mime_addr_emit(&res, NULL, NULL, &raw,
			    &host);
		} else if (raw.len > 0) {
			/* XXX a bare local part: Dovecot's placeholder. */
			buf_reset(&host);
			rc = buf_append(&host, "MISSING_DOMAIN", 14);
			if (rc == 0)
				rc = imap_mime_addr_emit(&res, NULL, NULL,
				    &raw, &host);
		} else
			empty_ok = true;
		if (!empty_ok)
			n++;
		imap_mime_addr_cfws(&a);
		if (a.i < a.len && a.s[a.i] == ';' && in_group) {
			rc = rc == -1 ? -1 : imap_mime_addr_emit(&res, NULL,
			    NULL, NULL, NULL);
			in_group = false;
			a.i++;
			imap_mime_addr_cfws(&a);
		}
		/* Skip anything unparseable up to the next address. */
		while (a.i < a.len && a.s[a.i] != ',' && a.s[a.i] != ';')
			a.i++;
		if (a.i < a.len && a.s[a.i] == ',')
			a.i++;
		else if (a.i < a.len && !in_group)
			a.i++;
	}
	if (in_group && rc == 0)
		rc = imap_mime_addr_emit(&res, NULL, NULL, NULL, NULL);
	if (rc == 0 && res.len == 0)
		rc = buf_append(out, "NIL", 3);
	else if (rc == 0 && (buf_appendc(out, '(') == -1 ||
	    buf_append(out, res.p, res.len) == -1 ||
	    buf_appendc(out, ')') == -1))
		rc = -1;
	buf_fini(&res);
	buf_fini(&name);
	buf_fini(&raw);
	buf_fini(&host);
	buf_fini(&junk);
	return rc;
}

/* --- BODY and BODYSTRUCTURE, RFC 3501 7.4.2 --- */

int
imap_mime_bodystructure(struct imap_mime *m, bool extensible,
    struct buf *out)
{
	return imap_mime_body_part(m, m->root, extensible, out);
}

/*
 * RFC 2231 values arrive decoded to UTF-8; 8-bit text goes back out as
 * an RFC 2047 encoded word, as Gmail does, since a body-fld-param value
 * has no charset of its own.
 */
static int
imap_mime_param_value(struct buf *out, const char *v)
{
	const unsigned char	*p;
	char			*b64, *w;
	int			 rc;

	for (p = (const unsigned char *)v; *p != '\0' && *p < 0x80; p++)
		;
	if (*p == '\0')
		return imap_mime_append_cstr(out, v);
	b64 = g_base64_encode((const guchar *)v, strlen(v));
	w = xasprintf("=?utf-8?b?%s?=", b64);
	g_free(b64);
	rc = imap_mime_append_cstr(out, w);
	free(w);
	return rc;
}

static int
imap_mime_params(struct buf *out, GMimeParamList *list)
{
	GMimeParam	*prm;
	int		 i, n;

	n = list == NULL ? 0 : g_mime_param_list_length(list);
	if (n == 0)
		return buf_append(out, "NIL", 3);
	if (buf_appendc(out, '(') == -1)
		return -1;
	for (i = 0; i < n; i++) {
		prm = g_mime_param_list_get_parameter_at(list, i);
		if ((i > 0 && buf_appendc(out, ' ') == -1) ||
		    imap_mime_append_cstr(out,
		    g_mime_param_get_name(prm)) == -1 ||
		    buf_appendc(out, ' ') == -1 ||
		    imap_mime_param_value(out,
		    g_mime_param_get_value(prm)) == -1)
			return -1;
	}
	return buf_appendc(out, ')');
}

/* body-fld-lang: NIL, one string, or a list of strings. */
static int
imap_mime_languages(struct buf *out, const char *v)
{
	struct buf	 list;
	size_t		 i, start, n;
	int		 rc;

	if (v == NULL)
		return buf_append(out, "NIL", 3);
	buf_init(&list, out->max);
	rc = 0;
	n = 0;
	for (i = 0; v[i] != '\0' && rc == 0; ) {
		while (v[i] == ',' || v[i] == ' ' || v[i] == '\t')
			i++;
		start = i;
		while (v[i] != '\0' && v[i] != ',' && v[i] != ' ' &&
		    v[i] != '\t')
			i++;
		if (i == start)
			continue;
		if (n++ > 0)
			rc = buf_appendc(&list, ' ');
		if (rc == 0)
			rc = imap_mime_append_nstring(&list, v + start,
			    i - start);
	}
	if (rc == 0 && n == 0)
		rc = buf_append(out, "NIL", 3);
	else if (rc == 0 && n == 1)
		rc = buf_append(out, list.p, list.len);
	else if (rc == 0 && buf_appendc(out, '(') == 0 &&
	    buf_append(out, list.p, list.len) == 0)
		rc = buf_appendc(out, ')');
	else
		rc = -1;
	buf_fini(&list);
	return rc;
}

/* body-fld-dsp SP body-fld-lang SP body-fld-loc (RFC 3501 9). */
static int
imap_mime_ext(struct imap_mime *m, const struct imap_mime_part *p,
    struct buf *out)
{
	GMimeContentDisposition	*cd;
	char			*v;
	int			 rc;

	rc = buf_appendc(out, ' ');
	v = imap_mime_hdr_get(m, p, "Content-Disposition");
	cd = v == NULL || *v == '\0' ? NULL :
	    g_mime_content_disposition_parse(NULL, v);
	free(v);
	if (rc == 0 && (cd == NULL ||
	    g_mime_content_disposition_get_disposition(cd) == NULL))
		rc = buf_append(out, "NIL", 3);
	else if (rc == 0) {
		if (buf_appendc(out, '(') == -1 || imap_mime_append_cstr(out,
		    g_mime_content_disposition_get_disposition(cd)) == -1 ||
		    buf_appendc(out, ' ') == -1 || imap_mime_params(out,
		    g_mime_content_disposition_get_parameters(cd)) == -1 ||
		    buf_appendc(out, ')') == -1)
			rc = -1;
	}
	if (cd != NULL)
		g_object_unref(cd);
	if (rc == -1 || buf_appendc(out, ' ') == -1)
		return -1;

	/* RFC 3282 2: a comma-separated list of language tags. */
	v = imap_mime_hdr_get(m, p, "Content-Language");
	rc = imap_mime_languages(out, v);
	free(v);
	if (rc == -1 || buf_appendc(out, ' ') == -1)
		return -1;
	return imap_mime_hdr_nstring(m, p, "Content-Location", out);
}

static int
imap_mime_body_part(struct imap_mime *m, const struct imap_mime_part *p,
    bool ext, struct buf *out)
{
	const struct imap_mime_part	*c;
	char				*enc;
	int				 rc;

	if (p->multipart) {
		if (buf_appendc(out, '(') == -1)
			return -1;
		for (c = p->child; c != NULL; c = c->next)
			if (imap_mime_body_part(m, c, ext, out) == -1)
				return -1;
		/* RFC 3501 9 body-type-mpart needs one part at least. */
		if (p->nchildren == 0 && buf_appendf(out, "(\"text\" \"plain\" "
		    "(\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)") == -1)
			return -1;
		if (buf_appendc(out, ' ') == -1 ||
		    imap_mime_append_cstr(out, p->subtype) == -1)
			return -1;
		if (ext && (buf_appendc(out, ' ') == -1 ||
		    imap_mime_params(out,
		    g_mime_content_type_get_parameters(p->ct)) == -1 ||
		    imap_mime_ext(m, p, out) == -1))
			return -1;
		return buf_appendc(out, ')');
	}
	if (buf_appendc(out, '(') == -1 ||
	    imap_mime_append_cstr(out, p->type) == -1 ||
	    buf_appendc(out, ' ') == -1 ||
	    imap_mime_append_cstr(out, p->subtype) == -1 ||
	    buf_appendc(out, ' ') == -1)
		return -1;
	if (p->ct != NULL)
		rc = imap_mime_params(out,
		    g_mime_content_type_get_parameters(p->ct));
	else if (imap_mime_is_type(p, "text", "plain"))
		rc = buf_appendf(out, "(\"charset\" \"us-ascii\")");
	else
		rc = buf_append(out, "NIL", 3);
	if (rc == -1 || buf_appendc(out, ' ') == -1 ||
	    imap_mime_hdr_nstring(m, p, "Content-ID", out) == -1 ||
	    buf_appendc(out, ' ') == -1 ||
	    imap_mime_hdr_nstring(m, p, "Content-Description", out) == -1 ||
	    buf_appendc(out, ' ') == -1)
		return -1;
	enc = imap_mime_hdr_get(m, p, "Content-Transfer-Encoding");
	rc = imap_mime_append_cstr(out, enc == NULL || *enc == '\0' ?
	    "7bit" : enc);
	free(enc);
	if (rc == -1 || buf_appendf(out, " %zu", p->body_len) == -1)
		return -1;
	if (p->message) {
		if (buf_appendc(out, ' ') == -1 ||
		    imap_mime_envelope_part(m, p->child, out) == -1 ||
		    buf_appendc(out, ' ') == -1 ||
		    imap_mime_body_part(m, p->child, ext, out) == -1 ||
		    buf_appendf(out, " %zu", p->lines) == -1)
			return -1;
	} else if (imap_mime_is_type(p, "text", NULL) &&
	    buf_appendf(out, " %zu", p->lines) == -1)
		return -1;
	if (ext && (buf_appendc(out, ' ') == -1 ||
	    imap_mime_hdr_nstring(m, p, "Content-MD5", out) == -1 ||
	    imap_mime_ext(m, p, out) == -1))
		return -1;
	return buf_appendc(out, ')');
}

/* --- sections, RFC 3501 6.4.5 --- */

static bool
imap_mime_is_atom(const char *s)
{
	const unsigned char	*p;

	if (*s == '\0')
		return false;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		/* RFC 3501 9 ATOM-CHAR: no atom-specials. */
		if (*p <= 0x20 || *p >= 0x7f ||
		    strchr("(){%*\"\\]", *p) != NULL)
			return false;
	return true;
}

void
imap_mime_section_fini(struct imap_mime_section *sect)
{
	size_t	 i;

	for (i = 0; i < sect->nfields; i++)
		free(sect->fields[i]);
	free(sect->fields);
	sect->fields = NULL;
	sect->nfields = 0;
}

int
imap_mime_section_parse(const char *s, size_t len,
    struct imap_mime_section *sect, const char **error_r)
{
	static const struct {
		const char		*kw;
		enum imap_mime_sect	 kind;
	} kws[] = {
		{ .kw = "HEADER.FIELDS.NOT",
		  .kind = IMAP_MIME_SECT_FIELDS_NOT },
		{ .kw = "HEADER.FIELDS", .kind = IMAP_MIME_SECT_FIELDS },
		{ .kw = "HEADER", .kind = IMAP_MIME_SECT_HEADER },
		{ .kw = "TEXT", .kind = IMAP_MIME_SECT_TEXT },
		{ .kw = "MIME", .kind = IMAP_MIME_SECT_MIME },
	};
	struct buf	 name;
	size_t		 i, j, k, kwlen;
	uint64_t	 v;

	*sect = (struct imap_mime_section){ .kind = IMAP_MIME_SECT_ALL };
	i = 0;
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		for (j = i; j < len && s[j] >= '0' && s[j] <= '9'; j++)
			;
		if (sect->npart == IMAP_MIME_DEPTH_MAX) {
			*error_r = "section part number too deep";
			return -1;
		}
		if (s[i] == '0' || !str_to_u64(s + i, j - i, UINT32_MAX, &v)) {
			*error_r = "invalid section part number";
			return -1;
		}
		sect->part[sect->npart++] = (uint32_t)v;
		i = j;
		if (i == len)
			return 0;
		if (s[i] != '.') {
			*error_r = "invalid section";
			return -1;
		}
		i++;
		if (i == len) {
			*error_r = "section ends in '.'";
			return -1;
		}
	}
	if (i == len)
		return 0;
	for (k = 0; k < nitems(kws); k++) {
		kwlen = strlen(kws[k].kw);
		if (len - i >= kwlen && strncasecmp(s + i, kws[k].kw,
		    kwlen) == 0 && (len - i == kwlen || s[i + kwlen] == ' '))
			break;
	}
	if (k == nitems(kws) || (kws[k].kind == IMAP_MIME_SECT_MIME &&
	    sect->npart == 0)) {
		*error_r = "unknown section text";
		return -1;
	}
	sect->kind = kws[k].kind;
	i += kwlen;
	if (sect->kind != IMAP_MIME_SECT_FIELDS &&
	    sect->kind != IMAP_MIME_SECT_FIELDS_NOT) {
		if (i == len)
			return 0;
		*error_r = "junk after section text";
		return -1;
	}
	if (len - i < 3 || s[i] != ' ' || s[i + 1] != '(' ||
	    s[len - 1] != ')') {
		*error_r = "HEADER.FIELDS needs a list of names";
		return -1;
	}
	i += 2;
	len--;
	buf_init(&name, IMAP_MIME_FIELD_LEN_MAX);
	while (i < len) {
		buf_reset(&name);
		if (s[i] == '"') {
			for (i++; i < len && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				if (buf_appendc(&name, s[i]) == -1)
					goto fail_name;
			}
			if (i == len)
				goto fail_name;
			i++;
		} else {
			for (; i < len && s[i] != ' '; i++)
				if (s[i] == '(' || s[i] == ')' ||
				    s[i] == '"' || s[i] == '{' ||
				    (unsigned char)s[i] < 0x21 ||
				    buf_appendc(&name, s[i]) == -1)
					goto fail_name;
		}
		if (name.len == 0 || memchr(name.p, ':', name.len) != NULL ||
		    sect->nfields == IMAP_MIME_FIELDS_MAX)
			goto fail_name;
		sect->fields = xreallocarray(sect->fields, sect->nfields + 1,
		    sizeof(*sect->fields));
		sect->fields[sect->nfields++] = xstrndup(name.p, name.len);
		if (i < len) {
			if (s[i] != ' ' || i + 1 == len)
				goto fail_name;
			i++;
		}
	}
	buf_fini(&name);
	if (sect->nfields == 0) {
		*error_r = "HEADER.FIELDS needs a list of names";
		return -1;
	}
	return 0;
fail_name:
	buf_fini(&name);
	imap_mime_section_fini(sect);
	*error_r = "invalid header field name";
	return -1;
}

int
imap_mime_section_format(const struct imap_mime_section *sect,
    struct buf *out)
{
	static const char *const names[] = {
		[IMAP_MIME_SECT_ALL] = "",
		[IMAP_MIME_SECT_HEADER] = "HEADER",
		[IMAP_MIME_SECT_FIELDS] = "HEADER.FIELDS",
		[IMAP_MIME_SECT_FIELDS_NOT] = "HEADER.FIELDS.NOT",
		[IMAP_MIME_SECT_TEXT] = "TEXT",
		[IMAP_MIME_SECT_MIME] = "MIME",
	};
	size_t	 i;

	_Static_assert(nitems(names) == IMAP_MIME_SECT__COUNT,
	    "section names");
	for (i = 0; i < sect->npart; i++)
		if (buf_appendf(out, "%s%u", i > 0 ? "." : "",
		    sect->part[i]) == -1)
			return -1;
	if (sect->kind == IMAP_MIME_SECT_ALL)
		return 0;
	if (buf_appendf(out, "%s%s", sect->npart > 0 ? "." : "",
	    names[sect->kind]) == -1)
		return -1;
	if (sect->kind != IMAP_MIME_SECT_FIELDS &&
	    sect->kind != IMAP_MIME_SECT_FIELDS_NOT)
		return 0;
	if (buf_append(out, " (", 2) == -1)
		return -1;
	for (i = 0; i < sect->nfields; i++) {
		if (i > 0 && buf_appendc(out, ' ') == -1)
			return -1;
		if (imap_mime_is_atom(sect->fields[i])) {
			if (buf_appendf(out, "%s", sect->fields[i]) == -1)
				return -1;
		} else if (imap_mime_append_cstr(out, sect->fields[i]) == -1)
			return -1;
	}
	return buf_appendc(out, ')');
}

/*
 * RFC 3501 6.4.5 numbering: the parts of a multipart are 1..n; a
 * non-multipart message has only part 1, its body; the numbers after a
 * message/rfc822 part address the encapsulated message.  Returns the
 * addressed part with msgctx semantics folded in, or NULL.
 */
static const struct imap_mime_part *
imap_mime_resolve(const struct imap_mime *m,
    const struct imap_mime_section *sect)
{
	const struct imap_mime_part	*p, *c;
	bool				 msgctx;
	uint32_t			 k, j;
	size_t				 i;

	p = m->root;
	msgctx = true;
	for (i = 0; i < sect->npart; i++) {
		k = sect->part[i];
		if (p->multipart) {
			for (c = p->child, j = 1; c != NULL && j < k;
			    c = c->next, j++)
				;
			if (c == NULL)
				return NULL;
			p = c;
		} else if (!msgctx || k != 1)
			return NULL;
		msgctx = false;
		if (i + 1 < sect->npart && p->message) {
			p = p->child;
			msgctx = true;
		}
	}
	return p;
}

static char *
imap_mime_keep(struct imap_mime *m, char *p)
{
	if (m->nowned == m->owned_cap) {
		m->owned_cap = m->owned_cap == 0 ? 4 : m->owned_cap * 2;
		m->owned = xreallocarray(m->owned, m->owned_cap,
		    sizeof(*m->owned));
	}
	m->owned[m->nowned++] = p;
	return p;
}

/* HEADER.FIELDS [.NOT]: the fields in message order, then CRLF. */
static int
imap_mime_fields(struct imap_mime *m, const struct imap_mime_part *p,
    const struct imap_mime_section *sect, const char **p_r, size_t *len_r)
{
	struct imap_mime_field	 f;
	struct buf		 out;
	size_t			 pos, i;
	bool			 hit, want;
	char			*s;

	buf_init(&out, m->len + 3);
	want = sect->kind == IMAP_MIME_SECT_FIELDS;
	pos = p->off;
	while (imap_mime_field_next(m->data, &pos, p->fields_end, &f)) {
		hit = false;
		for (i = 0; i < sect->nfields && !hit; i++)
			hit = imap_mime_name_is(m->data, &f, sect->fields[i],
			    strlen(sect->fields[i]));
		if (hit == want && buf_append(&out, m->data + f.off,
		    f.end - f.off) == -1)
			fatalx("%s: header larger than the message", __func__);
	}
	if (buf_append(&out, "\r\n", 2) == -1)
		fatalx("%s: header larger than the message", __func__);
	s = buf_steal(&out, len_r);
	*p_r = imap_mime_keep(m, s);
	return 1;
}

int
imap_mime_section(struct imap_mime *m, const struct imap_mime_section *sect,
    const char **p_r, size_t *len_r, bool *from_data_r)
{
	const struct imap_mime_part	*p;
	bool				 dummy;

	if (from_data_r == NULL)
		from_data_r = &dummy;
	*from_data_r = true;
	if (sect->npart == 0 && sect->kind == IMAP_MIME_SECT_ALL) {
		*p_r = m->data;
		*len_r = m->len;
		return 1;
	}
	p = imap_mime_resolve(m, sect);
	if (p == NULL)
		return 0;
	switch (sect->kind) {
	case IMAP_MIME_SECT_ALL:
		*p_r = m->data + p->body_off;
		*len_r = p->body_len;
		return 1;
	case IMAP_MIME_SECT_MIME:
		*p_r = m->data + p->off;
		*len_r = p->body_off - p->off;
		return 1;
	case IMAP_MIME_SECT_HEADER:
	case IMAP_MIME_SECT_FIELDS:
	case IMAP_MIME_SECT_FIELDS_NOT:
	case IMAP_MIME_SECT_TEXT:
		break;
	default:
		fatalx("%s: section kind %d", __func__, sect->kind);
	}
	/* HEADER and TEXT of a part only exist for message/rfc822. */
	if (sect->npart > 0) {
		if (!p->message)
			return 0;
		p = p->child;
	}
	if (sect->kind == IMAP_MIME_SECT_HEADER) {
		*p_r = m->data + p->off;
		*len_r = p->body_off - p->off;
		return 1;
	}
	if (sect->kind == IMAP_MIME_SECT_TEXT) {
		*p_r = m->data + p->body_off;
		*len_r = p->body_len;
		return 1;
	}
	*from_data_r = false;
	return imap_mime_fields(m, p, sect, p_r, len_r);
}

/* Remove the transfer encoding of a leaf; -1 if unknown or broken. */
static int
imap_mime_decode(const struct imap_mime *m, const struct imap_mime_part *p,
    char **out_r, size_t *len_r)
{
	GMimeEncoding		 st;
	GMimeContentEncoding	 enc;
	char			*out, *v;
	size_t			 n;
	bool			 unknown;

	*out_r = NULL;
	*len_r = 0;
	enc = GMIME_CONTENT_ENCODING_DEFAULT;
	v = imap_mime_hdr_get(m, p, "Content-Transfer-Encoding");
	if (v != NULL) {
		enc = g_mime_content_encoding_from_string(v);
		unknown = enc == GMIME_CONTENT_ENCODING_DEFAULT && *v != '\0';
		free(v);
		if (unknown)
			return -1;
	}
	switch (enc) {
	case GMIME_CONTENT_ENCODING_DEFAULT:
	case GMIME_CONTENT_ENCODING_7BIT:
	case GMIME_CONTENT_ENCODING_8BIT:
	case GMIME_CONTENT_ENCODING_BINARY:
		return 0;
	case GMIME_CONTENT_ENCODING_BASE64:
	case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
	case GMIME_CONTENT_ENCODING_UUENCODE:
		break;
	default:
		return -1;
	}
	g_mime_encoding_init_decode(&st, enc);
	out = xmalloc(g_mime_encoding_outlen(&st, p->body_len) + 1);
	n = g_mime_encoding_flush(&st, m->data + p->body_off, p->body_len,
	    out);
	out[n] = '\0';
	*out_r = out;
	*len_r = n;
	return 1;
}

int
imap_mime_binary(struct imap_mime *m, const struct imap_mime_section *sect,
    const char **p_r, size_t *len_r)
{
	const struct imap_mime_part	*p;
	char				*dec;
	size_t				 n;
	int				 rc;

	if (sect->kind != IMAP_MIME_SECT_ALL)
		return 0;
	if (sect->npart == 0) {
		*p_r = m->data;
		*len_r = m->len;
		return 1;
	}
	p = imap_mime_resolve(m, sect);
	if (p == NULL || p->multipart)
		return 0;
	rc = imap_mime_decode(m, p, &dec, &n);
	if (rc == -1)
		return -1;
	if (rc == 0) {
		*p_r = m->data + p->body_off;
		*len_r = p->body_len;
		return 1;
	}
	*p_r = imap_mime_keep(m, dec);
	*len_r = n;
	return 1;
}

/* --- SEARCH, RFC 3501 6.4.4 --- */

static bool
imap_mime_ascii_ci_contains(const char *h, size_t hlen, const char *n,
    size_t nlen)
{
	size_t	 i, j;

	if (nlen == 0)
		return true;
	for (i = 0; i + nlen <= hlen; i++) {
		for (j = 0; j < nlen; j++)
			if (tolower((unsigned char)h[i + j]) !=
			    tolower((unsigned char)n[j]))
				break;
		if (j == nlen)
			return true;
	}
	return false;
}

/* Unicode case folding where both sides are UTF-8, else ASCII. */
static bool
imap_mime_ci_contains(const char *h, size_t hlen, const char *n,
    size_t nlen)
{
	char	*fh, *fn;
	bool	 hit;

	if (imap_mime_ascii_ci_contains(h, hlen, n, nlen))
		return true;
	if (!g_utf8_validate(h, (gssize)hlen, NULL) ||
	    !g_utf8_validate(n, (gssize)nlen, NULL))
		return false;
	fh = g_utf8_casefold(h, (gssize)hlen);
	fn = g_utf8_casefold(n, (gssize)nlen);
	hit = memmem(fh, strlen(fh), fn, strlen(fn)) != NULL;
	g_free(fh);
	g_free(fn);
	return hit;
}

bool
imap_mime_header_contains(struct imap_mime *m, const char *name,
    const char *needle, size_t needle_len)
{
	struct imap_mime_field	 f;
	size_t			 pos, nlen;
	char			*v, *dec;
	bool			 hit;

	nlen = strlen(name);
	pos = m->root->off;
	while (imap_mime_field_next(m->data, &pos, m->root->fields_end, &f)) {
		if (!imap_mime_name_is(m->data, &f, name, nlen))
			continue;
		if (needle_len == 0)
			return true;
		v = imap_mime_unfold(m->data, &f);
		dec = g_mime_utils_header_decode_text(NULL, v);
		hit = imap_mime_ci_contains(v, strlen(v), needle,
		    needle_len) || (dec != NULL && imap_mime_ci_contains(dec,
		    strlen(dec), needle, needle_len));
		g_free(dec);
		free(v);
		if (hit)
			return true;
	}
	return false;
}

bool
imap_mime_body_contains(struct imap_mime *m, const char *needle,
    size_t needle_len)
{
	const struct imap_mime_part	*p;
	const char			*cs;
	char				*dec, *conv;
	size_t				 i, n;
	gsize				 clen;
	bool				 hit;
	int				 rc;

	if (imap_mime_ci_contains(m->data + m->root->body_off,
	    m->root->body_len, needle, needle_len))
		return true;
	/* The parts list is flat: no recursion needed to visit leaves. */
	for (i = 0; i < m->nparts; i++) {
		p = m->parts[i];
		if (p->multipart || !imap_mime_is_type(p, "text", NULL))
			continue;
		rc = imap_mime_decode(m, p, &dec, &n);
		if (rc == -1)
			continue;
		if (rc == 0) {
			dec = xmemdup(m->data + p->body_off, p->body_len + 1);
			dec[p->body_len] = '\0';
			n = p->body_len;
		}
		cs = p->ct == NULL ? NULL :
		    g_mime_content_type_get_parameter(p->ct, "charset");
		conv = NULL;
		if (cs != NULL && strcasecmp(cs, "utf-8") != 0 &&
		    strcasecmp(cs, "us-ascii") != 0)
			conv = g_convert(dec, (gssize)n, "UTF-8", cs, NULL,
			    &clen, NULL);
		hit = conv != NULL ?
		    imap_mime_ci_contains(conv, clen, needle, needle_len) :
		    imap_mime_ci_contains(dec, n, needle, needle_len);
		g_free(conv);
		free(dec);
		if (hit)
			return true;
	}
	return false;
}

bool
imap_mime_sent_day(struct imap_mime *m, uint32_t *day_r)
{
	GDateTime	*dt;
	char		*v;
	int		 y, mo, d;

	v = imap_mime_hdr_get(m, m->root, "Date");
	if (v == NULL)
		return false;
	dt = g_mime_utils_header_decode_date(v);
	free(v);
	if (dt == NULL)
		return false;
	g_date_time_get_ymd(dt, &y, &mo, &d);
	g_date_time_unref(dt);
	if (y < 1 || y > 9999)
		return false;
	*day_r = (uint32_t)(y * 10000 + mo * 100 + d);
	return true;
}
