/*
 * api_msg.c: the view of a stored message the HTTP API shows: addresses,
 * subject, date, the first text/plain and text/html bodies (transfer
 * encoding removed, charset converted to UTF-8), attachments and inline
 * parts with their decoded sizes and SHA-256, and the header fields.
 *
 * GMime 3 parses the message (RFC 5322, RFC 2045-2047, RFC 2231); part
 * ids are the part numbers of RFC 3501 6.4.5 ("1", "2.1"), the same the
 * IMAP fake serves, so BODY[2] and /part/2 are the same bytes decoded.
 * A message/rfc822 part is one attachment; its inside is not walked (as
 * Mailpit shows it).  Nesting and part counts are capped.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <gmime/gmime.h>
#include <openssl/evp.h>

#include "fakes/base/buf.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "fakes/imap_mime.h"
#include "fakes/store.h"
#include "harness/api_int.h"

#define API_MSG_DEPTH_MAX	32	/* nested multiparts walked */
#define API_MSG_PARTS_MAX	1000	/* parts listed per message */
#define API_MSG_SNIPPET_MAX	250	/* characters, as Mailpit */

/* One walk over the MIME tree: fills a view, or looks for one part. */
struct api_msg_walk {
	struct api_view	*v;		/* NULL when looking for want */
	const char	*want;		/* part id to find, or NULL */
	GMimeObject	*found;		/* borrowed from the message */
	size_t		 nparts;
};

static GMimeMessage *api_msg_parse(const struct store_msg *);
static char	*api_msg_strdup(const char *);
static void	 api_msg_addrs(InternetAddressList *, struct api_addrs *);
static void	 api_msg_addr_add(struct api_addrs *, const char *,
		    const char *);
static bool	 api_msg_addr_known(const struct api_view *, const char *);
static void	 api_msg_envelope(struct api_view *, const struct store_msg *);
static void	 api_msg_walk(struct api_msg_walk *, GMimeObject *,
		    const char *, unsigned);
static void	 api_msg_leaf(struct api_msg_walk *, GMimeObject *,
		    const char *);
static GByteArray *api_msg_decode(GMimeObject *, GMimeStream **);
static char	*api_msg_text(GMimeObject *);
static void	 api_msg_part_add(struct api_parts *, GMimeObject *,
		    const char *);
static void	 api_msg_snippet(struct api_view *);
static void	 api_msg_parts_free(struct api_parts *);
static void	 api_msg_addrs_free(struct api_addrs *);
static void	 api_msg_canon(char *);
static void	 api_msg_header_add(cJSON *, const char *, struct buf *);

struct api_view *
api_msg_view_new(const struct store_msg *m)
{
	struct api_view		*v;
	struct api_msg_walk	 w;
	GMimeMessage		*msg;
	GDateTime		*dt;
	InternetAddressList	*from;
	gchar			*d;

	v = xcalloc(1, sizeof(*v));
	v->id = m->id;
	v->session_id = m->session_id;
	v->created_ms = m->received_ms;
	v->size = m->len;
	v->return_path = xstrdup(m->mail_from != NULL ? m->mail_from : "");
	msg = api_msg_parse(m);
	v->message_id = api_msg_strdup(g_mime_message_get_message_id(msg));
	v->subject = api_msg_strdup(g_mime_message_get_subject(msg));
	if ((dt = g_mime_message_get_date(msg)) != NULL &&
	    (d = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S%:z")) != NULL) {
		v->date = xstrdup(d);
		g_free(d);
	} else
		v->date = xstrdup("");
	from = g_mime_message_get_from(msg);
	if (from != NULL && internet_address_list_length(from) > 0) {
		struct api_addrs	 fa = { NULL, 0 };

		api_msg_addrs(from, &fa);
		if (fa.n > 0) {
			v->has_from = true;
			v->from = fa.v[0];
			fa.v[0] = (struct api_addr){ NULL, NULL };
		}
		api_msg_addrs_free(&fa);
	}
	api_msg_addrs(g_mime_message_get_to(msg), &v->to);
	api_msg_addrs(g_mime_message_get_cc(msg), &v->cc);
	api_msg_addrs(g_mime_message_get_bcc(msg), &v->bcc);
	api_msg_addrs(g_mime_message_get_reply_to(msg), &v->reply_to);
	api_msg_envelope(v, m);
	memset(&w, 0, sizeof(w));
	w.v = v;
	if (g_mime_message_get_mime_part(msg) != NULL)
		api_msg_walk(&w, g_mime_message_get_mime_part(msg), "", 0);
	api_msg_snippet(v);
	g_object_unref(msg);
	return v;
}

void
api_msg_view_free(struct api_view *v)
{
	if (v == NULL)
		return;
	free(v->message_id);
	free(v->subject);
	free(v->date);
	free(v->return_path);
	free(v->from.name);
	free(v->from.addr);
	api_msg_addrs_free(&v->to);
	api_msg_addrs_free(&v->cc);
	api_msg_addrs_free(&v->bcc);
	api_msg_addrs_free(&v->reply_to);
	free(v->text);
	free(v->html);
	free(v->snippet);
	api_msg_parts_free(&v->attachments);
	api_msg_parts_free(&v->inlines);
	free(v);
}

int
api_msg_part(const struct store_msg *m, const char *id, char **data_r,
    size_t *len_r, char **ctype_r)
{
	struct api_msg_walk	 w;
	GMimeMessage		*msg;
	GMimeStream		*ms;
	GByteArray		*ba;
	GMimeContentType	*ct;
	gchar			*mt;

	msg = api_msg_parse(m);
	memset(&w, 0, sizeof(w));
	w.want = id;
	if (g_mime_message_get_mime_part(msg) != NULL)
		api_msg_walk(&w, g_mime_message_get_mime_part(msg), "", 0);
	if (w.found == NULL) {
		g_object_unref(msg);
		return 0;
	}
	ba = api_msg_decode(w.found, &ms);
	*len_r = ba->len;
	*data_r = xmemdup(ba->len > 0 ? (const char *)ba->data : "",
	    ba->len > 0 ? ba->len : 1);
	g_object_unref(ms);
	ct = g_mime_object_get_content_type(w.found);
	mt = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;
	*ctype_r = xstrdup(mt != NULL ? mt : "application/octet-stream");
	g_free(mt);
	g_object_unref(msg);
	return 1;
}

/*
 * From the raw bytes, not GMime's lists: GMime files Content-* fields
 * under the body part, and Mailpit shows every field of the header.
 */
cJSON *
api_msg_headers(const struct store_msg *m)
{
	const char	*p = m->data != NULL ? m->data : "", *end = p + m->len;
	const char	*line, *eol, *colon;
	cJSON		*root;
	struct buf	 val;
	char		*name = NULL;

	imap_mime_init();
	root = cJSON_CreateObject();
	buf_init(&val, m->len + 1);
	for (line = p; line < end; line = eol + 1) {
		if ((eol = memchr(line, '\n', (size_t)(end - line))) == NULL)
			eol = end;
		/* RFC 5322 2.2.3: a line starting with WSP continues. */
		if ((*line == ' ' || *line == '\t') && name != NULL) {
			if (buf_append(&val, line, (size_t)(eol - line)) == -1)
				break;
			continue;
		}
		if (name != NULL)
			api_msg_header_add(root, name, &val);
		free(name);
		name = NULL;
		buf_reset(&val);
		if (eol == line || (eol == line + 1 && *line == '\r'))
			break;
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon == NULL || colon == line)
			continue;
		name = xstrndup(line, (size_t)(colon - line));
		api_msg_canon(name);
		if (buf_append(&val, colon + 1,
		    (size_t)(eol - colon - 1)) == -1)
			break;
	}
	if (name != NULL)
		api_msg_header_add(root, name, &val);
	free(name);
	buf_fini(&val);
	return root;
}

/* Unfolded (CR and LF dropped), trimmed, RFC 2047 decoded. */
static void
api_msg_header_add(cJSON *root, const char *name, struct buf *val)
{
	cJSON		*arr;
	const char	*v;
	char		*raw, *dec;
	size_t		 i, n = 0;

	raw = xmalloc(val->len + 1);
	for (i = 0; i < val->len; i++)
		if (val->p[i] != '\r' && val->p[i] != '\n')
			raw[n++] = val->p[i];
	while (n > 0 && (raw[n - 1] == ' ' || raw[n - 1] == '\t'))
		n--;
	raw[n] = '\0';
	v = raw;
	while (*v == ' ' || *v == '\t')
		v++;
	dec = g_mime_utils_header_decode_text(NULL, v);
	if ((arr = cJSON_GetObjectItemCaseSensitive(root, name)) == NULL) {
		arr = cJSON_CreateArray();
		cJSON_AddItemToObject(root, name, arr);
	}
	cJSON_AddItemToArray(arr, cJSON_CreateString(dec != NULL ? dec : v));
	g_free(dec);
	free(raw);
}

/*
 * Go's canonical header key, as Mailpit's /headers shows names: the first
 * letter and every letter after '-' upper case, the rest lower case.
 */
static void
api_msg_canon(char *s)
{
	bool	up = true;

	for (; *s != '\0'; s++) {
		if (*s >= 'a' && *s <= 'z' && up)
			*s = (char)(*s - 'a' + 'A');
		else if (*s >= 'A' && *s <= 'Z' && !up)
			*s = (char)(*s - 'A' + 'a');
		up = *s == '-';
	}
}

/* GMime never fails to give a message: broken input parses as far as it
   goes, and an empty message is made if nothing parses. */
static GMimeMessage *
api_msg_parse(const struct store_msg *m)
{
	GMimeStream	*st;
	GMimeParser	*p;
	GMimeMessage	*msg;

	imap_mime_init();
	st = g_mime_stream_mem_new_with_buffer(m->data != NULL ? m->data : "",
	    m->data != NULL ? m->len : 0);
	p = g_mime_parser_new_with_stream(st);
	msg = g_mime_parser_construct_message(p, NULL);
	g_object_unref(p);
	g_object_unref(st);
	if (msg == NULL)
		msg = g_mime_message_new(TRUE);
	return msg;
}

static char *
api_msg_strdup(const char *s)
{
	return xstrdup(s != NULL ? s : "");
}

static void
api_msg_addr_add(struct api_addrs *as, const char *name, const char *addr)
{
	as->v = xreallocarray(as->v, as->n + 1, sizeof(*as->v));
	as->v[as->n].name = api_msg_strdup(name);
	as->v[as->n].addr = api_msg_strdup(addr);
	as->n++;
}

/* Groups (RFC 5322 3.4) are flattened into their members. */
static void
api_msg_addrs(InternetAddressList *l, struct api_addrs *as)
{
	InternetAddress	*a;
	int		 i, n;

	n = l != NULL ? internet_address_list_length(l) : 0;
	for (i = 0; i < n && as->n < API_MSG_PARTS_MAX; i++) {
		a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_GROUP(a))
			api_msg_addrs(internet_address_group_get_members(
			    INTERNET_ADDRESS_GROUP(a)), as);
		else if (INTERNET_ADDRESS_IS_MAILBOX(a))
			api_msg_addr_add(as, internet_address_get_name(a),
			    internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(a)));
	}
}

static bool
api_msg_addr_known(const struct api_view *v, const char *addr)
{
	const struct api_addrs	*lists[] = { &v->to, &v->cc, &v->bcc };
	size_t			 i, j;

	for (i = 0; i < nitems(lists); i++)
		for (j = 0; j < lists[i]->n; j++)
			if (strcasecmp(lists[i]->v[j].addr, addr) == 0)
				return true;
	return false;
}

/* A recipient only the envelope names was a blind copy (RFC 5321 7.2). */
static void
api_msg_envelope(struct api_view *v, const struct store_msg *m)
{
	size_t	i;

	for (i = 0; i < m->nrcpts && v->bcc.n < API_MSG_PARTS_MAX; i++)
		if (!api_msg_addr_known(v, m->rcpts[i].addr))
			api_msg_addr_add(&v->bcc, "", m->rcpts[i].addr);
}

static void
api_msg_walk(struct api_msg_walk *w, GMimeObject *obj, const char *prefix,
    unsigned depth)
{
	GMimeMultipart	*mp;
	char		 id[64];
	int		 i, n;

	if (w->found != NULL || w->nparts >= API_MSG_PARTS_MAX)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		if (depth >= API_MSG_DEPTH_MAX)
			return;
		mp = GMIME_MULTIPART(obj);
		n = g_mime_multipart_get_count(mp);
		for (i = 0; i < n; i++) {
			if (snprintf(id, sizeof(id), "%s%s%d", prefix,
			    *prefix != '\0' ? "." : "", i + 1) >=
			    (int)sizeof(id))
				return;
			api_msg_walk(w, g_mime_multipart_get_part(mp, i), id,
			    depth + 1);
		}
		return;
	}
	/* RFC 3501 6.4.5: a non-multipart message has one part, "1". */
	api_msg_leaf(w, obj, *prefix != '\0' ? prefix : "1");
}

static void
api_msg_leaf(struct api_msg_walk *w, GMimeObject *obj, const char *id)
{
	struct api_view		*v = w->v;
	GMimeContentType	*ct;
	const char		*disp, *fname = NULL;
	bool			 attach, plain, html;

	w->nparts++;
	if (w->want != NULL) {
		if (strcmp(w->want, id) == 0)
			w->found = obj;
		return;
	}
	ct = g_mime_object_get_content_type(obj);
	disp = g_mime_object_get_disposition(obj);
	if (GMIME_IS_PART(obj))
		fname = g_mime_part_get_filename(GMIME_PART(obj));
	attach = disp != NULL && strcasecmp(disp, "attachment") == 0;
	plain = ct != NULL && g_mime_content_type_is_type(ct, "text", "plain");
	html = ct != NULL && g_mime_content_type_is_type(ct, "text", "html");
	if (!attach && fname == NULL && plain && v->text == NULL)
		v->text = api_msg_text(obj);
	else if (!attach && fname == NULL && html && v->html == NULL)
		v->html = api_msg_text(obj);
	else if (!attach && g_mime_object_get_content_id(obj) != NULL)
		api_msg_part_add(&v->inlines, obj, id);
	else if (attach || fname != NULL || (!plain && !html))
		api_msg_part_add(&v->attachments, obj, id);
}

/* The content with its transfer encoding removed; *ms_r owns the bytes. */
static GByteArray *
api_msg_decode(GMimeObject *obj, GMimeStream **ms_r)
{
	GMimeStream		*ms;
	GMimeDataWrapper	*dw;
	GMimeMessage		*inner;

	ms = g_mime_stream_mem_new();
	if (GMIME_IS_PART(obj)) {
		dw = g_mime_part_get_content(GMIME_PART(obj));
		if (dw != NULL)
			g_mime_data_wrapper_write_to_stream(dw, ms);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));
		if (inner != NULL)
			g_mime_object_write_to_stream(GMIME_OBJECT(inner),
			    NULL, ms);
	}
	*ms_r = ms;
	return g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(ms));
}

static char *
api_msg_text(GMimeObject *obj)
{
	GMimeStream	*ms;
	GByteArray	*ba;
	char		*t, *out;

	if (GMIME_IS_TEXT_PART(obj)) {
		t = g_mime_text_part_get_text(GMIME_TEXT_PART(obj));
		if (t != NULL) {
			out = xstrdup(t);
			g_free(t);
			return out;
		}
	}
	ba = api_msg_decode(obj, &ms);
	out = xstrndup((const char *)ba->data, ba->len);
	g_object_unref(ms);
	return out;
}

static void
api_msg_part_add(struct api_parts *ps, GMimeObject *obj, const char *id)
{
	struct api_part		*p;
	GMimeContentType	*ct;
	GMimeStream		*ms;
	GByteArray		*ba;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned		 mdlen = 0, i;
	const char		*fname = NULL, *cid;
	gchar			*mt;

	ps->v = xreallocarray(ps->v, ps->n + 1, sizeof(*ps->v));
	p = &ps->v[ps->n++];
	memset(p, 0, sizeof(*p));
	if (!str_copy(p->id, id, sizeof(p->id)))
		p->id[0] = '\0';
	if (GMIME_IS_PART(obj))
		fname = g_mime_part_get_filename(GMIME_PART(obj));
	p->filename = api_msg_strdup(fname);
	ct = g_mime_object_get_content_type(obj);
	mt = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;
	p->ctype = xstrdup(mt != NULL ? mt : "application/octet-stream");
	g_free(mt);
	cid = g_mime_object_get_content_id(obj);
	p->cid = api_msg_strdup(cid);
	ba = api_msg_decode(obj, &ms);
	p->size = ba->len;
	if (EVP_Digest(ba->data, ba->len, md, &mdlen, EVP_sha256(), NULL) != 1)
		mdlen = 0;
	for (i = 0; i < mdlen && i * 2 + 2 < sizeof(p->sha256); i++)
		snprintf(p->sha256 + i * 2, 3, "%02x", md[i]);
	g_object_unref(ms);
}

/*
 * Mailpit's Snippet: the start of the text (or of the HTML with its tags
 * dropped), white space squeezed, cut at a character boundary.
 */
static void
api_msg_snippet(struct api_view *v)
{
	const char	*src = v->text != NULL ? v->text : v->html;
	char		*out;
	size_t		 n = 0, chars = 0;
	bool		 space = false, tag = false;

	out = xmalloc(API_MSG_SNIPPET_MAX * 4 + 1);
	for (; src != NULL && *src != '\0'; src++) {
		unsigned char	c = (unsigned char)*src;

		if (v->text == NULL && c == '<')
			tag = true;
		if (tag) {
			if (c == '>')
				tag = false;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			space = n > 0;
			continue;
		}
		if ((c & 0xc0) != 0x80) {
			if (chars + (space ? 1 : 0) >= API_MSG_SNIPPET_MAX)
				break;
			if (space) {
				out[n++] = ' ';
				chars++;
			}
			space = false;
			chars++;
		}
		if (n >= API_MSG_SNIPPET_MAX * 4)
			break;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	v->snippet = out;
}

static void
api_msg_parts_free(struct api_parts *ps)
{
	size_t	i;

	for (i = 0; i < ps->n; i++) {
		free(ps->v[i].filename);
		free(ps->v[i].ctype);
		free(ps->v[i].cid);
	}
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}

static void
api_msg_addrs_free(struct api_addrs *as)
{
	size_t	i;

	for (i = 0; i < as->n; i++) {
		free(as->v[i].name);
		free(as->v[i].addr);
	}
	free(as->v);
	as->v = NULL;
	as->n = 0;
}
