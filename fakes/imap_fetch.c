/*
 * imap_fetch.c: FETCH attributes (RFC 3501 6.4.5, 9 "fetch-att") and the
 * FETCH response of one message (RFC 3501 7.4.2), with BINARY (RFC
 * 3516).
 *
 * Owns the parsed spec and the rendered pieces.  The response is built
 * as text plus references into the stored message, so BODY[] of a large
 * message is never copied: the session writes MESSAGE pieces by
 * reference.  The MIME work (ENVELOPE, BODYSTRUCTURE, sections) is
 * imap_mime's; this file only names items, applies <partial> ranges and
 * quotes.  \Seen is the session's business (imap_fetch_sets_seen).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "fakes/imap_fetch.h"

/* Simple items by name; macros expand to several (RFC 3501 6.4.5). */
static const struct imap_fetch_name {
	const char	*name;
	unsigned	 items;
	bool		 macro;
} imap_fetch_names[] = {
	{ .name = "ALL", .macro = true, .items = IMAP_FETCH_FLAGS |
	  IMAP_FETCH_INTERNALDATE | IMAP_FETCH_RFC822_SIZE |
	  IMAP_FETCH_ENVELOPE },
	{ .name = "FAST", .macro = true, .items = IMAP_FETCH_FLAGS |
	  IMAP_FETCH_INTERNALDATE | IMAP_FETCH_RFC822_SIZE },
	{ .name = "FULL", .macro = true, .items = IMAP_FETCH_FLAGS |
	  IMAP_FETCH_INTERNALDATE | IMAP_FETCH_RFC822_SIZE |
	  IMAP_FETCH_ENVELOPE | IMAP_FETCH_BODY },
	{ .name = "FLAGS", .items = IMAP_FETCH_FLAGS },
	{ .name = "INTERNALDATE", .items = IMAP_FETCH_INTERNALDATE },
	{ .name = "RFC822.SIZE", .items = IMAP_FETCH_RFC822_SIZE },
	{ .name = "RFC822", .items = IMAP_FETCH_RFC822 },
	{ .name = "RFC822.HEADER", .items = IMAP_FETCH_RFC822_HEADER },
	{ .name = "RFC822.TEXT", .items = IMAP_FETCH_RFC822_TEXT },
	{ .name = "ENVELOPE", .items = IMAP_FETCH_ENVELOPE },
	{ .name = "BODY", .items = IMAP_FETCH_BODY },
	{ .name = "BODYSTRUCTURE", .items = IMAP_FETCH_BODYSTRUCTURE },
	{ .name = "UID", .items = IMAP_FETCH_UID },
};

/* Prefixes of items with a section, longest first. */
static const struct imap_fetch_prefix {
	const char			*prefix;
	enum imap_fetch_body_kind	 kind;
	bool				 peek;
} imap_fetch_prefixes[] = {
	{ .prefix = "BODY.PEEK[", .kind = IMAP_FETCH_K_BODY, .peek = true },
	{ .prefix = "BODY[", .kind = IMAP_FETCH_K_BODY },
	{ .prefix = "BINARY.PEEK[", .kind = IMAP_FETCH_K_BINARY,
	  .peek = true },
	{ .prefix = "BINARY.SIZE[", .kind = IMAP_FETCH_K_BINARY_SIZE,
	  .peek = true },
	{ .prefix = "BINARY[", .kind = IMAP_FETCH_K_BINARY },
};

static int	imap_fetch_item(struct imap_fetch_spec *, const char *, size_t,
		    bool, const char **);
static int	imap_fetch_body_item(struct imap_fetch_spec *,
		    const struct imap_fetch_prefix *, const char *, size_t,
		    const char **);
static int	imap_fetch_partial(struct imap_fetch_body *, const char *,
		    size_t, const char **);
static int	imap_fetch_text(struct imap_fetch_out *, const void *,
		    size_t);
static int	imap_fetch_textf(struct imap_fetch_out *, const char *, ...)
		    ATTR_PRINTF(2, 3);
static int	imap_fetch_buf(struct imap_fetch_out *, const struct buf *);
static void	imap_fetch_piece(struct imap_fetch_out *, enum imap_fetch_src,
		    size_t, size_t);
static int	imap_fetch_literal(struct imap_fetch_out *,
		    const struct imap_fetch_msg *, const char *, size_t, bool,
		    bool);
static int	imap_fetch_render_body(struct imap_fetch_out *,
		    const struct imap_fetch_msg *, struct imap_mime *,
		    const struct imap_fetch_body *, const char **);
static void	imap_fetch_unspace(struct imap_fetch_out *, size_t);
static int	imap_fetch_render_mime(struct imap_fetch_out *,
		    const struct imap_fetch_spec *,
		    const struct imap_fetch_msg *, struct imap_mime *);

/* --- parsing --- */

void
imap_fetch_spec_free(struct imap_fetch_spec *spec)
{
	size_t	 i;

	if (spec == NULL)
		return;
	for (i = 0; i < spec->nbodies; i++)
		imap_mime_section_fini(&spec->bodies[i].section);
	free(spec->bodies);
	free(spec);
}

int
imap_fetch_parse(const struct imap_arg *arg, struct imap_fetch_spec **spec_r,
    const char **error_r)
{
	struct imap_fetch_spec	*spec;
	size_t			 i;

	*spec_r = NULL;
	spec = xcalloc(1, sizeof(*spec));
	if (arg->type == IMAP_ARG_ATOM) {
		if (imap_fetch_item(spec, arg->str, arg->len, true,
		    error_r) == -1)
			goto fail;
	} else if (arg->type == IMAP_ARG_LIST) {
		if (arg->nlist == 0) {
			*error_r = "empty FETCH attribute list";
			goto fail;
		}
		for (i = 0; i < arg->nlist; i++) {
			if (arg->list[i].type != IMAP_ARG_ATOM) {
				*error_r = "FETCH attribute is not an atom";
				goto fail;
			}
			if (imap_fetch_item(spec, arg->list[i].str,
			    arg->list[i].len, false, error_r) == -1)
				goto fail;
		}
	} else {
		*error_r = "FETCH attribute expected";
		goto fail;
	}
	*spec_r = spec;
	return 0;
fail:
	imap_fetch_spec_free(spec);
	return -1;
}

static int
imap_fetch_item(struct imap_fetch_spec *spec, const char *s, size_t len,
    bool alone, const char **error_r)
{
	const struct imap_fetch_name	*n;
	const struct imap_fetch_prefix	*pf;
	size_t				 i, plen;

	for (i = 0; i < nitems(imap_fetch_names); i++) {
		n = &imap_fetch_names[i];
		if (strlen(n->name) != len || strncasecmp(s, n->name, len) != 0)
			continue;
		/* RFC 3501 9: macros only stand alone, never in a list. */
		if (n->macro && !alone) {
			*error_r = "FETCH macro inside a list";
			return -1;
		}
		spec->items |= n->items;
		return 0;
	}
	for (i = 0; i < nitems(imap_fetch_prefixes); i++) {
		pf = &imap_fetch_prefixes[i];
		plen = strlen(pf->prefix);
		if (len > plen && strncasecmp(s, pf->prefix, plen) == 0)
			return imap_fetch_body_item(spec, pf, s + plen,
			    len - plen, error_r);
	}
	*error_r = "unknown FETCH attribute";
	return -1;
}

/* s is what follows '[': section-spec "]" [partial]. */
static int
imap_fetch_body_item(struct imap_fetch_spec *spec,
    const struct imap_fetch_prefix *pf, const char *s, size_t len,
    const char **error_r)
{
	struct imap_fetch_body	*b;
	size_t			 i;
	bool			 quoted;

	quoted = false;
	for (i = 0; i < len; i++) {
		if (quoted && s[i] == '\\' && i + 1 < len)
			i++;
		else if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted && s[i] == ']')
			break;
	}
	if (i == len) {
		*error_r = "section without ']'";
		return -1;
	}
	if (spec->nbodies == IMAP_FETCH_BODIES_MAX) {
		*error_r = "too many FETCH body sections";
		return -1;
	}
	spec->bodies = xreallocarray(spec->bodies, spec->nbodies + 1,
	    sizeof(*spec->bodies));
	b = &spec->bodies[spec->nbodies];
	*b = (struct imap_fetch_body){ .kind = pf->kind, .peek = pf->peek };
	if (imap_mime_section_parse(s, i, &b->section, error_r) == -1)
		return -1;
	/* RFC 3516 4.1: section-binary is a part number list only. */
	if (b->kind != IMAP_FETCH_K_BODY &&
	    b->section.kind != IMAP_MIME_SECT_ALL) {
		imap_mime_section_fini(&b->section);
		*error_r = "BINARY takes part numbers only";
		return -1;
	}
	spec->nbodies++;
	if (i + 1 == len)
		return 0;
	if (b->kind == IMAP_FETCH_K_BINARY_SIZE) {
		*error_r = "BINARY.SIZE takes no partial range";
		return -1;
	}
	return imap_fetch_partial(b, s + i + 1, len - i - 1, error_r);
}

/* RFC 3501 9 partial: "<" number "." nz-number ">". */
static int
imap_fetch_partial(struct imap_fetch_body *b, const char *s, size_t len,
    const char **error_r)
{
	const char	*dot;
	uint64_t	 off, n;

	dot = len > 2 ? memchr(s, '.', len) : NULL;
	if (len < 5 || s[0] != '<' || s[len - 1] != '>' || dot == NULL ||
	    !str_to_u64(s + 1, (size_t)(dot - s) - 1, UINT32_MAX, &off) ||
	    !str_to_u64(dot + 1, (size_t)(s + len - 1 - dot) - 1,
	    UINT32_MAX, &n) || n == 0) {
		*error_r = "invalid partial range";
		return -1;
	}
	b->partial = true;
	b->partial_off = (uint32_t)off;
	b->partial_len = (uint32_t)n;
	return 0;
}

bool
imap_fetch_sets_seen(const struct imap_fetch_spec *spec)
{
	size_t	 i;

	if ((spec->items & (IMAP_FETCH_RFC822 | IMAP_FETCH_RFC822_TEXT)) != 0)
		return true;
	for (i = 0; i < spec->nbodies; i++)
		if (!spec->bodies[i].peek)
			return true;
	return false;
}

bool
imap_fetch_needs_mime(const struct imap_fetch_spec *spec)
{
	const struct imap_fetch_body	*b;
	size_t				 i;

	if ((spec->items & (IMAP_FETCH_ENVELOPE | IMAP_FETCH_BODY |
	    IMAP_FETCH_BODYSTRUCTURE | IMAP_FETCH_RFC822_HEADER |
	    IMAP_FETCH_RFC822_TEXT)) != 0)
		return true;
	for (i = 0; i < spec->nbodies; i++) {
		b = &spec->bodies[i];
		if (b->section.npart > 0 ||
		    b->section.kind != IMAP_MIME_SECT_ALL)
			return true;
	}
	return false;
}

/* --- output --- */

void
imap_fetch_out_init(struct imap_fetch_out *out)
{
	*out = (struct imap_fetch_out){ .npieces = 0 };
	buf_init(&out->text, IMAP_FETCH_TEXT_MAX);
}

void
imap_fetch_out_reset(struct imap_fetch_out *out)
{
	buf_reset(&out->text);
	out->npieces = 0;
}

void
imap_fetch_out_fini(struct imap_fetch_out *out)
{
	buf_fini(&out->text);
	free(out->pieces);
	out->pieces = NULL;
	out->npieces = out->cap = 0;
}

static void
imap_fetch_piece(struct imap_fetch_out *out, enum imap_fetch_src src,
    size_t off, size_t len)
{
	struct imap_fetch_piece	*last;

	if (len == 0)
		return;
	last = out->npieces > 0 ? &out->pieces[out->npieces - 1] : NULL;
	if (last != NULL && last->src == src && last->off + last->len == off) {
		last->len += len;
		return;
	}
	if (out->npieces == out->cap) {
		out->cap = out->cap == 0 ? 8 : out->cap * 2;
		out->pieces = xreallocarray(out->pieces, out->cap,
		    sizeof(*out->pieces));
	}
	out->pieces[out->npieces++] = (struct imap_fetch_piece){ .src = src,
	    .off = off, .len = len };
}

static int
imap_fetch_text(struct imap_fetch_out *out, const void *p, size_t len)
{
	size_t	 off;

	off = out->text.len;
	if (buf_append(&out->text, p, len) == -1)
		return -1;
	imap_fetch_piece(out, IMAP_FETCH_SRC_TEXT, off, len);
	return 0;
}

static int
imap_fetch_textf(struct imap_fetch_out *out, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 rc;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatalx("%s: out of memory", __func__);
	va_end(ap);
	rc = imap_fetch_text(out, s, strlen(s));
	free(s);
	return rc;
}

static int
imap_fetch_buf(struct imap_fetch_out *out, const struct buf *b)
{
	return imap_fetch_text(out, b->p == NULL ? "" : b->p, b->len);
}

/*
 * A literal: "{n}\r\n" then the bytes, by reference when they are a
 * range of the stored message.  binary: "~{n}" if there is a NUL (RFC
 * 3516 4.2).
 */
static int
imap_fetch_literal(struct imap_fetch_out *out, const struct imap_fetch_msg *m,
    const char *p, size_t len, bool from_data, bool binary)
{
	bool	 nul;

	nul = binary && len > 0 && memchr(p, '\0', len) != NULL;
	if (imap_fetch_textf(out, "%s{%zu}\r\n", nul ? "~" : "", len) == -1)
		return -1;
	if (from_data) {
		imap_fetch_piece(out, IMAP_FETCH_SRC_MESSAGE,
		    (size_t)(p - m->entry->msg->data), len);
		return 0;
	}
	return imap_fetch_text(out, p, len);
}

int
imap_fetch_append_flags(struct buf *out, unsigned flags, uint64_t keywords,
    const struct store_box *box)
{
	static const struct {
		unsigned	 flag;
		const char	*name;
	} names[] = {
		{ .flag = STORE_F_ANSWERED, .name = "\\Answered" },
		{ .flag = STORE_F_FLAGGED, .name = "\\Flagged" },
		{ .flag = STORE_F_DELETED, .name = "\\Deleted" },
		{ .flag = STORE_F_SEEN, .name = "\\Seen" },
		{ .flag = STORE_F_DRAFT, .name = "\\Draft" },
		{ .flag = STORE_F_RECENT, .name = "\\Recent" },
	};
	const char	*sep = "";
	size_t		 i, n;

	if (buf_appendc(out, '(') == -1)
		return -1;
	for (i = 0; i < nitems(names); i++) {
		if ((flags & names[i].flag) == 0)
			continue;
		if (buf_appendf(out, "%s%s", sep, names[i].name) == -1)
			return -1;
		sep = " ";
	}
	n = box == NULL ? 0 : store_box_nkeywords(box);
	for (i = 0; i < n && i < 64; i++) {
		if ((keywords & (UINT64_C(1) << i)) == 0)
			continue;
		if (buf_appendf(out, "%s%s", sep,
		    store_box_keyword(box, i)) == -1)
			return -1;
		sep = " ";
	}
	return buf_appendc(out, ')');
}

int
imap_fetch_append_date(struct buf *out, int64_t ms)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm	 tm;
	time_t		 t;

	t = (time_t)(ms / 1000);
	if (ms < 0 && ms % 1000 != 0)
		t--;
	if (gmtime_r(&t, &tm) == NULL)
		return buf_append(out, "\"01-Jan-1970 00:00:00 +0000\"", 28);
	/* RFC 3501 9 date-time, with date-day-fixed: a space, not '0'. */
	return buf_appendf(out, "\"%2d-%s-%04d %02d:%02d:%02d +0000\"",
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
}

static int
imap_fetch_render_body(struct imap_fetch_out *out,
    const struct imap_fetch_msg *m, struct imap_mime *mime,
    const struct imap_fetch_body *b, const char **error_r)
{
	static const char *const names[] = {
		[IMAP_FETCH_K_BODY] = "BODY",
		[IMAP_FETCH_K_BINARY] = "BINARY",
		[IMAP_FETCH_K_BINARY_SIZE] = "BINARY.SIZE",
	};
	struct buf	 name;
	const char	*p;
	size_t		 len;
	bool		 from_data;
	int		 rc;

	_Static_assert(nitems(names) == IMAP_FETCH_K__COUNT, "body kinds");
	from_data = true;
	if (mime == NULL) {
		/* imap_fetch_needs_mime(): only [] comes here. */
		p = m->entry->msg->data;
		len = m->entry->msg->len;
		rc = 1;
	} else if (b->kind == IMAP_FETCH_K_BODY)
		rc = imap_mime_section(mime, &b->section, &p, &len,
		    &from_data);
	else
		rc = imap_mime_binary(mime, &b->section, &p, &len);
	if (rc == -1) {
		*error_r = "unknown Content-Transfer-Encoding";
		return -2;
	}
	if (rc == 1 && b->kind != IMAP_FETCH_K_BODY)
		from_data = p >= m->entry->msg->data &&
		    p < m->entry->msg->data + m->entry->msg->len;
	buf_init(&name, 4096);
	/* RFC 3501 7.4.2: the response names the section without PEEK. */
	if (buf_appendf(&name, " %s[", names[b->kind]) == -1 ||
	    imap_mime_section_format(&b->section, &name) == -1 ||
	    buf_appendc(&name, ']') == -1 || (b->partial &&
	    buf_appendf(&name, "<%u>", b->partial_off) == -1) ||
	    imap_fetch_buf(out, &name) == -1) {
		buf_fini(&name);
		*error_r = "FETCH response too large";
		return -1;
	}
	buf_fini(&name);
	if (b->kind == IMAP_FETCH_K_BINARY_SIZE)
		rc = imap_fetch_textf(out, " %zu", rc == 1 ? len : 0);
	else if (rc == 0)
		rc = imap_fetch_text(out, " NIL", 4);
	else {
		if (b->partial) {
			/* RFC 3501 6.4.5: clipped to what exists. */
			if (b->partial_off >= len)
				len = 0;
			else {
				p += b->partial_off;
				len = MIN(len - b->partial_off,
				    (size_t)b->partial_len);
			}
		}
		rc = imap_fetch_text(out, " ", 1);
		if (rc == 0)
			rc = imap_fetch_literal(out, m, p, len, from_data,
			    b->kind == IMAP_FETCH_K_BINARY);
	}
	if (rc == -1)
		*error_r = "FETCH response too large";
	return rc;
}

static int
imap_fetch_render_mime(struct imap_fetch_out *out,
    const struct imap_fetch_spec *spec, const struct imap_fetch_msg *m,
    struct imap_mime *mime)
{
	struct buf	 b;
	int		 rc;

	buf_init(&b, IMAP_FETCH_TEXT_MAX);
	rc = 0;
	if ((spec->items & IMAP_FETCH_ENVELOPE) != 0) {
		rc = buf_append(&b, " ENVELOPE ", 10);
		if (rc == 0)
			rc = imap_mime_envelope(mime, &b);
	}
	if (rc == 0 && (spec->items & IMAP_FETCH_BODYSTRUCTURE) != 0) {
		rc = buf_append(&b, " BODYSTRUCTURE ", 15);
		if (rc == 0)
			rc = imap_mime_bodystructure(mime, true, &b);
	}
	if (rc == 0 && (spec->items & IMAP_FETCH_BODY) != 0) {
		rc = buf_append(&b, " BODY ", 6);
		if (rc == 0)
			rc = imap_mime_bodystructure(mime, false, &b);
	}
	if (rc == 0)
		rc = imap_fetch_buf(out, &b);
	buf_fini(&b);
	return rc;
}

/*
 * Every item is written with a leading space; the one after "FETCH ("
 * goes.  It is in the first piece, which is text from offset 0.
 */
static void
imap_fetch_unspace(struct imap_fetch_out *out, size_t head)
{
	size_t	 i;

	if (out->npieces == 0 || out->pieces[0].src != IMAP_FETCH_SRC_TEXT ||
	    out->pieces[0].len <= head || out->text.p[head] != ' ')
		fatalx("%s: unexpected response shape", __func__);
	memmove(out->text.p + head, out->text.p + head + 1,
	    out->text.len - head - 1);
	out->text.len--;
	out->text.p[out->text.len] = '\0';
	out->pieces[0].len--;
	for (i = 1; i < out->npieces; i++)
		if (out->pieces[i].src == IMAP_FETCH_SRC_TEXT)
			out->pieces[i].off--;
}

int
imap_fetch_render(const struct imap_fetch_spec *spec,
    const struct imap_fetch_msg *m, unsigned rflags,
    struct imap_fetch_out *out, const char **error_r)
{
	static const struct imap_fetch_body rfc822[] = {
		{ .kind = IMAP_FETCH_K_BODY,
		  .section = { .kind = IMAP_MIME_SECT_HEADER } },
		{ .kind = IMAP_FETCH_K_BODY,
		  .section = { .kind = IMAP_MIME_SECT_TEXT } },
		{ .kind = IMAP_FETCH_K_BODY,
		  .section = { .kind = IMAP_MIME_SECT_ALL } },
	};
	static const char *const rfc822_names[] = {
		" RFC822.HEADER ", " RFC822.TEXT ", " RFC822 " };
	static const unsigned rfc822_items[] = { IMAP_FETCH_RFC822_HEADER,
	    IMAP_FETCH_RFC822_TEXT, IMAP_FETCH_RFC822 };
	const struct store_msg	*msg = m->entry->msg;
	struct imap_mime	*mime, *own;
	struct buf		 b;
	const char		*p;
	size_t			 i, len, head;
	bool			 from_data;
	int			 rc;

	own = NULL;
	mime = m->mime;
	if (mime == NULL && imap_fetch_needs_mime(spec)) {
		own = imap_mime_new(msg->data, msg->len);
		mime = own;
	}
	buf_init(&b, 4096);
	rc = buf_appendf(&b, "* %u FETCH (", m->seq);
	head = b.len;
	/* RFC 3501 6.4.8: UID FETCH always answers with UID. */
	if (rc == 0 && ((spec->items & IMAP_FETCH_UID) != 0 ||
	    (rflags & IMAP_FETCH_R_UID) != 0))
		rc = buf_appendf(&b, " UID %u", m->entry->uid);
	if (rc == 0 && ((spec->items & IMAP_FETCH_FLAGS) != 0 ||
	    (rflags & IMAP_FETCH_R_FLAGS) != 0)) {
		rc = buf_append(&b, " FLAGS ", 7);
		if (rc == 0)
			rc = imap_fetch_append_flags(&b, m->flags,
			    m->entry->keywords, m->box);
	}
	if (rc == 0 && (spec->items & IMAP_FETCH_INTERNALDATE) != 0) {
		rc = buf_append(&b, " INTERNALDATE ", 14);
		if (rc == 0)
			rc = imap_fetch_append_date(&b, m->entry->internal_ms);
	}
	if (rc == 0 && (spec->items & IMAP_FETCH_RFC822_SIZE) != 0)
		rc = buf_appendf(&b, " RFC822.SIZE %zu", msg->len);
	if (rc == 0)
		rc = imap_fetch_text(out, b.p, b.len);
	buf_fini(&b);
	if (rc == 0 && mime != NULL)
		rc = imap_fetch_render_mime(out, spec, m, mime);
	for (i = 0; i < nitems(rfc822) && rc == 0; i++) {
		if ((spec->items & rfc822_items[i]) == 0)
			continue;
		from_data = true;
		if (mime == NULL) {
			p = msg->data;
			len = msg->len;
		} else if (imap_mime_section(mime, &rfc822[i].section, &p,
		    &len, &from_data) != 1)
			fatalx("%s: no top-level section", __func__);
		rc = imap_fetch_text(out, rfc822_names[i],
		    strlen(rfc822_names[i]));
		if (rc == 0)
			rc = imap_fetch_literal(out, m, p, len, from_data,
			    false);
	}
	if (rc == -1)
		*error_r = "FETCH response too large";
	for (i = 0; i < spec->nbodies && rc == 0; i++)
		rc = imap_fetch_render_body(out, m, mime, &spec->bodies[i],
		    error_r);
	if (rc == 0 && imap_fetch_text(out, ")\r\n", 3) == -1) {
		*error_r = "FETCH response too large";
		rc = -1;
	}
	if (rc == 0)
		imap_fetch_unspace(out, head);
	imap_mime_free(own);
	return rc;
}
