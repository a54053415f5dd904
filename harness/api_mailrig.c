/*
 * api_mailrig.c: mailrig's own endpoints beside Mailpit's: sessions and
 * their transcripts, conformance findings (all, per session, per
 * message), the report of everything so far, the scenario in force, and
 * the waiting read.
 *
 * GET /api/v1/wait?query=Q&timeout=N answers with the newest message
 * matching the Mailpit query Q (all messages without one) as GET
 * /api/v1/message/{ID} would, at once if one is stored, else when one
 * arrives within N seconds (default 10, at most API_WAIT_SEC_MAX); after
 * that 408 Request Timeout.  The request is parked, never the loop: the
 * store observer (api_note_message) or a timer answers it.  At most
 * API_WAITS_MAX are parked (503 beyond).
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <event2/http.h>
#include <yaml.h>

#include "fakes/base/clock.h"
#include "fakes/base/limits.h"
#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "fakes/store.h"
#include "harness/api_int.h"
#include "harness/capture.h"
#include "harness/cmd.h"
#include "harness/expect.h"
#include "harness/scenario.h"
#include "reports/report.h"

#define API_WAIT_SEC_DEFAULT	10
#define API_YAML_DEPTH_MAX	64

struct api_mailrig_wait {
	struct api			*api;		/* borrowed */
	struct evhttp_request		*req;		/* owned by evhttp */
	struct evhttp_connection	*conn;		/* owned by evhttp */
	struct api_search		 q;
	bool				 any;		/* no query */
	struct event			*timer;		/* owned */
	TAILQ_ENTRY(api_mailrig_wait)	 entry;
};

struct api_mailrig_waits {
	TAILQ_HEAD(, api_mailrig_wait)	 list;
	size_t				 n;
};

static void	api_mailrig_wait_free(struct api_mailrig_waits *,
		    struct api_mailrig_wait *);
static void	api_mailrig_wait_timer_cb(evutil_socket_t, short, void *);
static void	api_mailrig_wait_close_cb(struct evhttp_connection *, void *);
static bool	api_mailrig_id_param(struct evhttp_request *, const char *,
		    uint64_t *, bool *);
static cJSON	*api_mailrig_yaml(const char *, size_t);
static cJSON	*api_mailrig_scalar(const yaml_event_t *);

/* --- the waiting read --- */

struct api_mailrig_waits *
api_mailrig_waits_new(void)
{
	struct api_mailrig_waits	*ws;

	ws = xcalloc(1, sizeof(*ws));
	TAILQ_INIT(&ws->list);
	return ws;
}

void
api_mailrig_waits_free(struct api_mailrig_waits *ws)
{
	struct api_mailrig_wait	*w;

	if (ws == NULL)
		return;
	while ((w = TAILQ_FIRST(&ws->list)) != NULL)
		api_mailrig_wait_free(ws, w);
	free(ws);
}

size_t
api_mailrig_waits_count(const struct api_mailrig_waits *ws)
{
	return ws->n;
}

static void
api_mailrig_wait_free(struct api_mailrig_waits *ws, struct api_mailrig_wait *w)
{
	TAILQ_REMOVE(&ws->list, w, entry);
	ws->n--;
	if (w->conn != NULL)
		evhttp_connection_set_closecb(w->conn, NULL, NULL);
	event_free(w->timer);
	api_search_fini(&w->q);
	free(w);
}

void
api_mailrig_wait(struct api *api, struct evhttp_request *req)
{
	struct api_mailrig_waits	*ws = api->waits;
	struct api_mailrig_wait		*w;
	struct api_entry		*e;
	struct timeval			 tv;
	uint64_t			 secs = API_WAIT_SEC_DEFAULT;
	const char			*err = NULL;
	char				*q;

	if (api_number_param(req, "timeout", API_WAIT_SEC_MAX, &secs) == -1) {
		api_reply_error(req, 400, "timeout takes whole seconds up to "
		    "120");
		return;
	}
	w = xcalloc(1, sizeof(*w));
	q = api_query_param(req, "query");
	if (q != NULL && api_search_parse(q, &w->q, &err) == -1) {
		free(q);
		free(w);
		api_reply_error(req, 400, err);
		return;
	}
	free(q);
	w->any = w->q.nterms == 0;
	if ((e = api_newest_match(api, w->any ? NULL : &w->q)) != NULL) {
		api_search_fini(&w->q);
		free(w);
		api_reply_json(req, 200, api_entry_message_json(api, e));
		return;
	}
	if (ws->n >= API_WAITS_MAX || secs == 0) {
		api_search_fini(&w->q);
		free(w);
		if (secs == 0)
			api_reply_error(req, 408, "no message matched");
		else
			api_reply_error(req, 503, "too many waiting reads");
		return;
	}
	w->api = api;
	w->req = req;
	w->conn = evhttp_request_get_connection(req);
	w->timer = evtimer_new(api->base, api_mailrig_wait_timer_cb, w);
	if (w->timer == NULL)
		fatalx("%s: evtimer_new failed", __func__);
	tv = (struct timeval){ .tv_sec = (time_t)secs };
	evtimer_add(w->timer, &tv);
	evhttp_connection_set_closecb(w->conn, api_mailrig_wait_close_cb, w);
	TAILQ_INSERT_TAIL(&ws->list, w, entry);
	ws->n++;
}

void
api_mailrig_waits_note(struct api *api, struct api_entry *e)
{
	struct api_mailrig_waits	*ws = api->waits;
	struct api_mailrig_wait		*w, *next;
	struct evhttp_request		*req;

	for (w = TAILQ_FIRST(&ws->list); w != NULL; w = next) {
		next = TAILQ_NEXT(w, entry);
		if (!w->any && !api_search_match(&w->q,
		    api_entry_view(api, e), e->read))
			continue;
		req = w->req;
		api_mailrig_wait_free(ws, w);
		api_reply_json(req, 200, api_entry_message_json(api, e));
	}
}

static void
api_mailrig_wait_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct api_mailrig_wait	*w = arg;
	struct evhttp_request	*req = w->req;

	api_mailrig_wait_free(w->api->waits, w);
	api_reply_error(req, 408, "no message matched before the timeout");
}

/* The client left: evhttp frees its request; nothing to answer. */
static void
api_mailrig_wait_close_cb(struct evhttp_connection *conn, void *arg)
{
	struct api_mailrig_wait	*w = arg;

	w->conn = NULL;
	api_mailrig_wait_free(w->api->waits, w);
}

/* --- sessions and findings --- */

/*
 * An id parameter: true with *set_r false if absent, true with the value,
 * or false after a 400 was sent.
 */
static bool
api_mailrig_id_param(struct evhttp_request *req, const char *name,
    uint64_t *v_r, bool *set_r)
{
	int	r;

	r = api_number_param(req, name, UINT64_MAX, v_r);
	if (r == -1) {
		api_reply_error(req, 400, "an id is a decimal number");
		return false;
	}
	*set_r = r == 1;
	return true;
}

void
api_mailrig_sessions(struct api *api, struct evhttp_request *req)
{
	const struct transcript	*t;
	cJSON			*root, *arr;
	char			*proto;
	uint64_t		 start = 0, limit = API_PAGE_MAX;
	size_t			 i, n, matched = 0;

	if (api_number_param(req, "start", UINT32_MAX, &start) == -1 ||
	    api_number_param(req, "limit", API_PAGE_MAX, &limit) == -1) {
		api_reply_error(req, 400, "start and limit take numbers; "
		    "limit is at most 1000");
		return;
	}
	proto = api_query_param(req, "protocol");
	if (proto != NULL && strcmp(proto, "smtp") != 0 &&
	    strcmp(proto, "pop3") != 0 && strcmp(proto, "imap") != 0) {
		free(proto);
		api_reply_error(req, 400, "protocol is smtp, pop3 or imap");
		return;
	}
	root = cJSON_CreateObject();
	arr = cJSON_CreateArray();
	n = capture_count(api->capture);
	for (i = 0; i < n; i++) {
		t = capture_get(api->capture, i);
		if (proto != NULL && strcmp(t->protocol, proto) != 0)
			continue;
		if (matched >= start && matched - start < limit)
			cJSON_AddItemToArray(arr, api_json_session(t));
		matched++;
	}
	free(proto);
	cJSON_AddNumberToObject(root, "total", (double)matched);
	cJSON_AddNumberToObject(root, "start", (double)start);
	cJSON_AddNumberToObject(root, "count",
	    (double)cJSON_GetArraySize(arr));
	cJSON_AddItemToObject(root, "sessions", arr);
	api_reply_json(req, 200, root);
}

/* The transcript JSON `mailrig check` reads, secrets redacted. */
void
api_mailrig_session(struct api *api, struct evhttp_request *req,
    const char *id)
{
	const struct transcript	*t;
	uint64_t		 v;

	if (!str_to_u64(id, strlen(id), UINT64_MAX, &v) ||
	    (t = capture_find(api->capture, v)) == NULL) {
		api_reply_error(req, 404, "session not found");
		return;
	}
	api_reply_json(req, 200, capture_transcript_cjson(t, true));
}

void
api_mailrig_findings(struct api *api, struct evhttp_request *req)
{
	const struct transcript	*t;
	const struct store_msg	*m;
	cJSON			*root, *arr;
	uint64_t		 sid = 0, mid = 0;
	bool			 sset, mset;
	size_t			 i, n;

	if (!api_mailrig_id_param(req, "session", &sid, &sset) ||
	    !api_mailrig_id_param(req, "message", &mid, &mset))
		return;
	if (mset) {
		/* A message's findings are those of the session that
		   carried it, message rules included. */
		if ((m = store_find(api->store, mid)) == NULL) {
			api_reply_error(req, 404, "message not found");
			return;
		}
		if (sset && sid != m->session_id) {
			api_reply_error(req, 400, "that message came in "
			    "another session");
			return;
		}
		sid = m->session_id;
		sset = true;
	}
	if (sset && capture_find(api->capture, sid) == NULL) {
		api_reply_error(req, 404, "session not found");
		return;
	}
	root = cJSON_CreateObject();
	arr = cJSON_CreateArray();
	n = capture_count(api->capture);
	for (i = 0; i < n; i++) {
		t = capture_get(api->capture, i);
		if (!sset || t->id == sid)
			api_json_findings(t, arr);
	}
	cJSON_AddNumberToObject(root, "total",
	    (double)cJSON_GetArraySize(arr));
	cJSON_AddItemToObject(root, "findings", arr);
	api_reply_json(req, 200, root);
}

/* --- report and scenario --- */

/* What reports/report_json.c writes, for everything so far. */
void
api_mailrig_report(struct api *api, struct evhttp_request *req)
{
	const struct scenario	*scen = api->scenario;
	struct scen_expect	 none;
	struct expect_results	 res;
	struct report		 rep;
	char			*text = NULL;
	size_t			 len = 0, i;
	FILE			*fp;

	report_init(&rep, MAILRIG_VERSION);
	for (i = 0; i < capture_count(api->capture); i++)
		report_add_session(&rep, capture_get(api->capture, i));
	for (i = 0; i < store_count(api->store); i++)
		report_add_message(&rep, store_get(api->store, i));
	memset(&none, 0, sizeof(none));
	memset(&res, 0, sizeof(res));
	expect_eval(scen != NULL ? &scen->expect : &none, rep.messages,
	    rep.nmessages, rep.sessions, rep.nsessions, NULL, &res);
	rep.scenario_name = scen != NULL ? scen->name : NULL;
	rep.scenario_path = scen != NULL ? scen->path : NULL;
	rep.started_wall = api->started_wall;
	rep.duration_ms = clock_mono_ms() - api->started_mono;
	rep.expectations = res.v;
	rep.nexpectations = res.n;
	rep.passed = expect_results_passed(&res);
	if ((fp = open_memstream(&text, &len)) == NULL)
		fatal("%s: open_memstream", __func__);
	if (report_write_json(&rep, fp) == -1)
		fatalx("%s: report_write_json failed", __func__);
	fclose(fp);
	api_reply_text(req, 200, "application/json; charset=utf-8", text,
	    len);
	free(text);
	report_fini(&rep);
	expect_results_fini(&res);
}

void
api_mailrig_scenario(struct api *api, struct evhttp_request *req)
{
	cJSON	*o;

	if (api->scenario == NULL) {
		api_reply_error(req, 404, "no scenario in force");
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", api->scenario->name);
	cJSON_AddStringToObject(o, "path", api->scenario->path);
	if (api->scenario->description != NULL)
		cJSON_AddStringToObject(o, "description",
		    api->scenario->description);
	else
		cJSON_AddNullToObject(o, "description");
	if (api->scenario_json != NULL)
		cJSON_AddItemReferenceToObject(o, "content",
		    api->scenario_json);
	else
		cJSON_AddNullToObject(o, "content");
	api_reply_json(req, 200, o);
}

/*
 * Read the file once at start: what is in force is what was loaded, even
 * if the file changes later.  A file that cannot be read again gives a
 * null content, not an error.
 */
void
api_mailrig_scenario_load(struct api *api)
{
	FILE	*fp;
	char	*data;
	size_t	 len;

	if (api->scenario == NULL || api->scenario->path == NULL)
		return;
	if ((fp = fopen(api->scenario->path, "rb")) == NULL) {
		log_warn("api: scenario %s", api->scenario->path);
		return;
	}
	data = xmalloc(SCEN_FILE_MAX + 1);
	len = fread(data, 1, SCEN_FILE_MAX + 1, fp);
	fclose(fp);
	if (len <= SCEN_FILE_MAX)
		api->scenario_json = api_mailrig_yaml(data, len);
	free(data);
}

/*
 * YAML 1.1 plain scalars as JSON: null, booleans and decimal integers are
 * typed, everything else (and every quoted scalar) is a string.
 */
static cJSON *
api_mailrig_scalar(const yaml_event_t *ev)
{
	const char	*v = (const char *)ev->data.scalar.value;
	size_t		 n = ev->data.scalar.length;
	uint64_t	 u;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return cJSON_CreateString(v);
	if (n == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0)
		return cJSON_CreateNull();
	if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
		return cJSON_CreateBool(v[0] == 't');
	if (n < 16 && str_to_u64(v, n, UINT64_MAX, &u))
		return cJSON_CreateNumber((double)u);
	return cJSON_CreateString(v);
}

/* The first document as JSON; aliases become null.  NULL if malformed. */
static cJSON *
api_mailrig_yaml(const char *data, size_t len)
{
	yaml_parser_t	 p;
	yaml_event_t	 ev;
	cJSON		*stack[API_YAML_DEPTH_MAX], *root = NULL, *item;
	char		*keys[API_YAML_DEPTH_MAX];
	size_t		 depth = 0;
	bool		 done = false, ok = true;

	memset(keys, 0, sizeof(keys));
	if (!yaml_parser_initialize(&p))
		fatalx("%s: yaml_parser_initialize failed", __func__);
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	while (!done && ok) {
		if (!yaml_parser_parse(&p, &ev)) {
			ok = false;
			break;
		}
		item = NULL;
		switch (ev.type) {
		case YAML_SCALAR_EVENT:
			if (depth > 0 && cJSON_IsObject(stack[depth - 1]) &&
			    keys[depth - 1] == NULL) {
				keys[depth - 1] = xstrdup(
				    (const char *)ev.data.scalar.value);
				break;
			}
			item = api_mailrig_scalar(&ev);
			break;
		case YAML_ALIAS_EVENT:
			item = cJSON_CreateNull();
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth == API_YAML_DEPTH_MAX) {
				ok = false;
				break;
			}
			item = ev.type == YAML_SEQUENCE_START_EVENT ?
			    cJSON_CreateArray() : cJSON_CreateObject();
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			free(keys[depth]);
			keys[depth] = NULL;
			break;
		case YAML_DOCUMENT_END_EVENT:
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		if (item != NULL) {
			if (depth == 0) {
				cJSON_Delete(root);
				root = item;
			} else if (cJSON_IsArray(stack[depth - 1]))
				cJSON_AddItemToArray(stack[depth - 1], item);
			else {
				/* A complex key: keep the value, nameless. */
				cJSON_AddItemToObject(stack[depth - 1],
				    keys[depth - 1] != NULL ?
				    keys[depth - 1] : "", item);
				free(keys[depth - 1]);
				keys[depth - 1] = NULL;
			}
			if (cJSON_IsArray(item) || cJSON_IsObject(item))
				stack[depth++] = item;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	while (depth > 0)
		free(keys[--depth]);
	if (!ok) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}
