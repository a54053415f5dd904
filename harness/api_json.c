/*
 * api_json.c: the JSON shapes of the HTTP API, built with cJSON and kept
 * here so that cJSON's ownership rules stay in few files (STYLE 3.6.9).
 *
 * The message shapes are Mailpit's API v1 (field names, nesting, types),
 * so that Mailpit clients work unchanged; mailrig adds "Read", "Created"
 * and "SessionID" to a message, which those clients ignore.  Sessions and
 * findings use the lower-case keys of mailrig's transcript JSON
 * (harness/capture.c) and report (reports/report_json.c).
 */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "fakes/base/clock.h"
#include "fakes/base/log.h"
#include "harness/api_int.h"
#include "harness/capture.h"
#include "harness/conformance/conf.h"

static cJSON	*api_json_addr(const struct api_addr *);
static cJSON	*api_json_addrs(const struct api_addrs *);
static cJSON	*api_json_parts(const struct api_parts *);
static cJSON	*api_json_id(uint64_t);
static void	 api_json_common(cJSON *, const struct api_view *);

static cJSON *
api_json_id(uint64_t id)
{
	char	buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)id);
	return cJSON_CreateString(buf);
}

static cJSON *
api_json_addr(const struct api_addr *a)
{
	cJSON	*o;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Name", a->name);
	cJSON_AddStringToObject(o, "Address", a->addr);
	return o;
}

static cJSON *
api_json_addrs(const struct api_addrs *as)
{
	cJSON	*arr;
	size_t	 i;

	arr = cJSON_CreateArray();
	for (i = 0; i < as->n; i++)
		cJSON_AddItemToArray(arr, api_json_addr(&as->v[i]));
	return arr;
}

static cJSON *
api_json_parts(const struct api_parts *ps)
{
	const struct api_part	*p;
	cJSON			*arr, *o, *sums;
	size_t			 i;

	arr = cJSON_CreateArray();
	for (i = 0; i < ps->n; i++) {
		p = &ps->v[i];
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "PartID", p->id);
		cJSON_AddStringToObject(o, "FileName", p->filename);
		cJSON_AddStringToObject(o, "ContentType", p->ctype);
		cJSON_AddStringToObject(o, "ContentID", p->cid);
		cJSON_AddNumberToObject(o, "Size", (double)p->size);
		sums = cJSON_AddObjectToObject(o, "Checksums");
		cJSON_AddStringToObject(sums, "SHA256", p->sha256);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* Fields a list item and a full message share, in Mailpit's order. */
static void
api_json_common(cJSON *o, const struct api_view *v)
{
	cJSON_AddItemToObject(o, "ID", api_json_id(v->id));
	cJSON_AddStringToObject(o, "MessageID", v->message_id);
	/* Mailpit sends null for a message without From:. */
	if (v->has_from)
		cJSON_AddItemToObject(o, "From", api_json_addr(&v->from));
	else
		cJSON_AddNullToObject(o, "From");
	cJSON_AddItemToObject(o, "To", api_json_addrs(&v->to));
	cJSON_AddItemToObject(o, "Cc", api_json_addrs(&v->cc));
	cJSON_AddItemToObject(o, "Bcc", api_json_addrs(&v->bcc));
	cJSON_AddItemToObject(o, "ReplyTo", api_json_addrs(&v->reply_to));
}

cJSON *
api_json_list_item(const struct api_view *v, bool read)
{
	cJSON	*o;
	char	 created[32];

	o = cJSON_CreateObject();
	api_json_common(o, v);
	cJSON_AddBoolToObject(o, "Read", read);
	cJSON_AddStringToObject(o, "Subject", v->subject);
	clock_rfc3339(v->created_ms, created, sizeof(created));
	cJSON_AddStringToObject(o, "Created", created);
	cJSON_AddArrayToObject(o, "Tags");
	cJSON_AddNumberToObject(o, "Size", (double)v->size);
	cJSON_AddNumberToObject(o, "Attachments", (double)v->attachments.n);
	cJSON_AddStringToObject(o, "Snippet", v->snippet);
	cJSON_AddNumberToObject(o, "SessionID", (double)v->session_id);
	return o;
}

cJSON *
api_json_message(const struct api_view *v, bool read)
{
	cJSON	*o, *lu;
	char	 created[32];

	o = cJSON_CreateObject();
	api_json_common(o, v);
	cJSON_AddStringToObject(o, "ReturnPath", v->return_path);
	cJSON_AddStringToObject(o, "Subject", v->subject);
	lu = cJSON_AddObjectToObject(o, "ListUnsubscribe");
	cJSON_AddStringToObject(lu, "Header", "");
	cJSON_AddArrayToObject(lu, "Links");
	cJSON_AddStringToObject(lu, "Errors", "");
	cJSON_AddStringToObject(lu, "HeaderPost", "");
	cJSON_AddStringToObject(o, "Date", v->date);
	cJSON_AddArrayToObject(o, "Tags");
	cJSON_AddStringToObject(o, "Text", v->text != NULL ? v->text : "");
	cJSON_AddStringToObject(o, "HTML", v->html != NULL ? v->html : "");
	cJSON_AddNumberToObject(o, "Size", (double)v->size);
	cJSON_AddItemToObject(o, "Inline", api_json_parts(&v->inlines));
	cJSON_AddItemToObject(o, "Attachments",
	    api_json_parts(&v->attachments));
	cJSON_AddBoolToObject(o, "Read", read);
	clock_rfc3339(v->created_ms, created, sizeof(created));
	cJSON_AddStringToObject(o, "Created", created);
	cJSON_AddNumberToObject(o, "SessionID", (double)v->session_id);
	return o;
}

cJSON *
api_json_list(size_t total, size_t unread, size_t matched,
    size_t matched_unread, size_t start, cJSON *items)
{
	cJSON	*o;

	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "total", (double)total);
	cJSON_AddNumberToObject(o, "unread", (double)unread);
	cJSON_AddNumberToObject(o, "count",
	    (double)cJSON_GetArraySize(items));
	cJSON_AddNumberToObject(o, "messages_count", (double)matched);
	cJSON_AddNumberToObject(o, "messages_unread", (double)matched_unread);
	cJSON_AddNumberToObject(o, "start", (double)start);
	cJSON_AddArrayToObject(o, "tags");
	cJSON_AddItemToObject(o, "messages", items);
	return o;
}

cJSON *
api_json_error(const char *msg)
{
	cJSON	*o;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Error", msg);
	return o;
}

cJSON *
api_json_session(const struct transcript *t)
{
	cJSON	*o, *ids;
	char	 started[32];
	size_t	 i;

	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)t->id);
	cJSON_AddStringToObject(o, "protocol", t->protocol);
	cJSON_AddStringToObject(o, "port_name", t->port_name);
	cJSON_AddNumberToObject(o, "port", t->port);
	cJSON_AddStringToObject(o, "peer", t->peer);
	clock_rfc3339(t->started_wall, started, sizeof(started));
	cJSON_AddStringToObject(o, "started", started);
	cJSON_AddBoolToObject(o, "open", t->close_reason == NULL);
	if (t->close_reason != NULL) {
		cJSON_AddStringToObject(o, "close_reason", t->close_reason);
		cJSON_AddNumberToObject(o, "duration_ms",
		    t->ended_mono >= t->started_mono ?
		    (double)(t->ended_mono - t->started_mono) : 0);
	} else
		cJSON_AddNullToObject(o, "close_reason");
	cJSON_AddBoolToObject(o, "tls", t->tls);
	cJSON_AddStringToObject(o, "tls_version", t->tls_version);
	ids = cJSON_AddArrayToObject(o, "messages");
	for (i = 0; i < t->nmsgs; i++)
		cJSON_AddItemToArray(ids, api_json_id(t->msgs[i].id));
	cJSON_AddNumberToObject(o, "entries", (double)t->nev);
	cJSON_AddNumberToObject(o, "findings", (double)t->nfindings);
	return o;
}

/* The keys of a finding in the transcript JSON (capture.c). */
void
api_json_findings(const struct transcript *t, cJSON *arr)
{
	const struct conf_finding	*f;
	cJSON				*o;
	size_t				 i;

	for (i = 0; i < t->nfindings; i++) {
		f = &t->findings[i];
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "rule", f->rule->id);
		cJSON_AddStringToObject(o, "rfc", f->rule->rfc);
		cJSON_AddStringToObject(o, "section", f->rule->section);
		cJSON_AddStringToObject(o, "level", conf_level_name(f->level));
		cJSON_AddStringToObject(o, "protocol", f->protocol);
		cJSON_AddNumberToObject(o, "session", (double)f->session);
		cJSON_AddNumberToObject(o, "index", (double)f->index);
		cJSON_AddNumberToObject(o, "count", (double)f->count);
		cJSON_AddStringToObject(o, "excerpt", f->excerpt);
		cJSON_AddStringToObject(o, "message", f->rule->message);
		cJSON_AddStringToObject(o, "hint", f->rule->hint);
		cJSON_AddItemToArray(arr, o);
	}
}

char *
api_json_print_free(cJSON *root)
{
	char	*s;

	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (s == NULL)
		fatalx("%s: cJSON_PrintUnformatted failed", __func__);
	return s;
}
