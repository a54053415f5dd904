/*
 * api.c: the HTTP server of the API: evhttp on the server's loop, the
 * bearer token (RFC 6750 2.1 header, 2.3 access_token parameter), the
 * route table, and Mailpit's API v1 message endpoints: list, search,
 * read/unread, delete, one message, its headers, raw source and parts,
 * info.  Owns the cache of parsed message views and the read flags,
 * which the store does not keep (a blob is immutable and shared).
 *
 * Limits: header and body sizes are capped by evhttp (it answers 400 and
 * 413 itself), pages by API_PAGE_MAX; errors are {"Error": "..."} JSON
 * with 400, 401, 404 or 405.  Not here: sending and releasing mail, tags,
 * the HTML and link checks of Mailpit.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>

#include "fakes/base/clock.h"
#include "fakes/base/limits.h"
#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "fakes/imap_mime.h"
#include "fakes/store.h"
#include "harness/api.h"
#include "harness/api_int.h"
#include "harness/capture.h"
#include "harness/cmd.h"

#define API_GET		(EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)

typedef void api_route_fn(struct api *, struct evhttp_request *,
    const char *rest);

struct api_route {
	const char	*path;
	bool		 prefix;	/* path ends in '/', rest follows */
	int		 methods;	/* EVHTTP_REQ_* */
	api_route_fn	*fn;
};

static void	api_request_cb(struct evhttp_request *, void *);
static bool	api_authorized(struct api *, struct evhttp_request *);
static void	api_sync(struct api *);
static void	api_entry_drop(struct api *, size_t);
static int	api_parse_id(const char *, size_t, uint64_t *);
static struct api_entry *api_lookup(struct api *, const char *, size_t);
static int	api_body_ids(struct evhttp_request *, cJSON **, cJSON **);
static uint64_t	api_body_id(const cJSON *);
static void	api_raw_cleanup(const void *, size_t, void *);
static void	api_send_raw(struct evhttp_request *,
		    const struct store_msg *);
static void	api_list(struct api *, struct evhttp_request *,
		    const struct api_search *);

static api_route_fn api_h_ok, api_h_info, api_h_webui, api_h_tags,
    api_h_messages, api_h_search, api_h_message, api_h_view,
    api_h_sessions, api_h_session, api_h_findings, api_h_report,
    api_h_scenario, api_h_wait, api_h_events;
static void	api_messages_put(struct api *, struct evhttp_request *);
static void	api_messages_delete(struct api *, struct evhttp_request *);

static const struct api_route api_routes[] = {
	{ .path = "/livez", .methods = API_GET, .fn = api_h_ok },
	{ .path = "/readyz", .methods = API_GET, .fn = api_h_ok },
	{ .path = "/api/v1/info", .methods = API_GET, .fn = api_h_info },
	{ .path = "/api/v1/webui", .methods = API_GET, .fn = api_h_webui },
	{ .path = "/api/v1/tags", .methods = API_GET, .fn = api_h_tags },
	{ .path = "/api/v1/messages", .methods = API_GET | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE, .fn = api_h_messages },
	{ .path = "/api/v1/search", .methods = API_GET | EVHTTP_REQ_DELETE,
	    .fn = api_h_search },
	{ .path = "/api/v1/message/", .prefix = true, .methods = API_GET,
	    .fn = api_h_message },
	{ .path = "/view/", .prefix = true, .methods = API_GET,
	    .fn = api_h_view },
	{ .path = "/api/v1/sessions", .methods = API_GET,
	    .fn = api_h_sessions },
	{ .path = "/api/v1/sessions/", .prefix = true, .methods = API_GET,
	    .fn = api_h_session },
	{ .path = "/api/v1/findings", .methods = API_GET,
	    .fn = api_h_findings },
	{ .path = "/api/v1/report", .methods = API_GET, .fn = api_h_report },
	{ .path = "/api/v1/scenario", .methods = API_GET,
	    .fn = api_h_scenario },
	{ .path = "/api/v1/wait", .methods = API_GET, .fn = api_h_wait },
	{ .path = "/api/v1/events", .methods = API_GET, .fn = api_h_events },
};

/* --- life cycle --- */

struct api *
api_new(const struct api_conf *c, char *err, size_t size)
{
	struct api			*api;
	struct evhttp_bound_socket	*bs;
	struct sockaddr_storage		 ss;
	socklen_t			 sl = sizeof(ss);

	imap_mime_init();
	api = xcalloc(1, sizeof(*api));
	api->base = c->base;
	api->store = c->store;
	api->capture = c->capture;
	api->scenario = c->scenario;
	api->token = c->token != NULL ? xstrdup(c->token) : NULL;
	api->started_wall = clock_wall_ms();
	api->started_mono = clock_mono_ms();
	if ((api->http = evhttp_new(c->base)) == NULL)
		fatalx("%s: evhttp_new failed", __func__);
	evhttp_set_max_headers_size(api->http, API_HEADERS_MAX);
	evhttp_set_max_body_size(api->http, API_BODY_MAX);
	evhttp_set_timeout(api->http, API_IDLE_SEC);
	evhttp_set_allowed_methods(api->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_POST | EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(api->http, api_request_cb, api);
	bs = evhttp_bind_socket_with_handle(api->http, c->bind,
	    (uint16_t)c->port);
	if (bs == NULL) {
		snprintf(err, size, "http: cannot listen on %s port %d",
		    c->bind, c->port);
		goto fail;
	}
	if (getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&ss, &sl) == -1)
		fatal("%s: getsockname", __func__);
	api->port = ss.ss_family == AF_INET6 ?
	    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
	    ntohs(((struct sockaddr_in *)&ss)->sin_port);
	api->events = api_events_new(c->base);
	api->waits = api_mailrig_waits_new();
	api_mailrig_scenario_load(api);
	return api;
fail:
	api_free(api);
	return NULL;
}

void
api_free(struct api *api)
{
	size_t	i;

	if (api == NULL)
		return;
	/* Parked requests first: evhttp_free frees their connections. */
	api_mailrig_waits_free(api->waits);
	api_events_free(api->events);
	if (api->http != NULL)
		evhttp_free(api->http);
	for (i = 0; i < api->nentries; i++)
		api_msg_view_free(api->entries[i].view);
	free(api->entries);
	cJSON_Delete(api->scenario_json);
	free(api->token);
	free(api);
}

int
api_port(const struct api *api)
{
	return api->port;
}

void
api_set_fallback(struct api *api, void (*cb)(struct evhttp_request *,
    void *), void *arg)
{
	api->fallback = cb;
	api->fallback_arg = arg;
}

void
api_note_message(struct api *api, const struct store_msg *m)
{
	struct api_entry	*e;

	if ((e = api_entry_find(api, m->id)) == NULL)
		return;
	if (api_events_count(api->events) > 0)
		api_events_send(api->events, "message",
		    api_json_list_item(api_entry_view(api, e), e->read));
	api_mailrig_waits_note(api, e);
}

void
api_note_session(struct api *api, uint64_t id)
{
	const struct transcript	*t;
	cJSON			*arr, *f;

	if (api_events_count(api->events) == 0 ||
	    (t = capture_find(api->capture, id)) == NULL)
		return;
	api_events_send(api->events, "session", api_json_session(t));
	arr = cJSON_CreateArray();
	api_json_findings(t, arr);
	while ((f = cJSON_DetachItemFromArray(arr, 0)) != NULL)
		api_events_send(api->events, "finding", f);
	cJSON_Delete(arr);
}

/* --- dispatch --- */

static void
api_request_cb(struct evhttp_request *req, void *arg)
{
	struct api		*api = arg;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const struct api_route	*r;
	const char		*path;
	size_t			 i, n;
	int			 method = evhttp_request_get_command(req);

	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL || *path == '\0')
		path = "/";
	for (i = 0; i < nitems(api_routes); i++) {
		r = &api_routes[i];
		n = strlen(r->path);
		if (!(r->prefix ? strncmp(path, r->path, n) != 0 ||
		    path[n] == '\0' : strcmp(path, r->path) != 0))
			break;
	}
	/*
	 * The web inbox's own files hold no mail and are the same for
	 * everyone: served without the token, so that the page can load,
	 * take the token from its URL and send it on every API call.
	 */
	if (i == nitems(api_routes) && api->fallback != NULL &&
	    strncmp(path, "/api/", 5) != 0) {
		api->fallback(req, api->fallback_arg);
		return;
	}
	if (!api_authorized(api, req)) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer realm=\"mailrig\"");
		api_reply_error(req, 401, "missing or wrong bearer token");
		return;
	}
	if (i == nitems(api_routes)) {
		api_reply_error(req, 404, "not found");
		return;
	}
	r = &api_routes[i];
	if ((method & r->methods) == 0) {
		api_reply_error(req, 405, "method not allowed");
		return;
	}
	r->fn(api, req, r->prefix ? path + n : NULL);
}

/* Length first, then a constant-time compare of the bytes. */
static bool
api_authorized(struct api *api, struct evhttp_request *req)
{
	const char	*h;
	char		*tok;
	size_t		 n;
	bool		 ok;

	if (api->token == NULL)
		return true;
	n = strlen(api->token);
	h = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0)
		return strlen(h + 7) == n &&
		    CRYPTO_memcmp(h + 7, api->token, n) == 0;
	/* RFC 6750 2.3, for the browser's EventSource and links. */
	if ((tok = api_query_param(req, "access_token")) == NULL)
		return false;
	ok = strlen(tok) == n && CRYPTO_memcmp(tok, api->token, n) == 0;
	free(tok);
	return ok;
}

/* --- reply helpers --- */

void
api_reply_text(struct evhttp_request *req, int code, const char *ctype,
    const char *p, size_t len)
{
	struct evbuffer	*b = evbuffer_new();

	if (b == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", ctype);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	evbuffer_add(b, p, len);
	evhttp_send_reply(req, code, NULL, b);
	evbuffer_free(b);
}

void
api_reply_json(struct evhttp_request *req, int code, cJSON *root)
{
	char	*s;

	s = api_json_print_free(root);
	api_reply_text(req, code, "application/json; charset=utf-8", s,
	    strlen(s));
	free(s);
}

void
api_reply_error(struct evhttp_request *req, int code, const char *msg)
{
	api_reply_json(req, code, api_json_error(msg));
}

char *
api_query_param(struct evhttp_request *req, const char *name)
{
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	struct evkeyvalq	 q;
	const char		*qs, *v;
	char			*out = NULL;

	if (uri == NULL || (qs = evhttp_uri_get_query(uri)) == NULL)
		return NULL;
	TAILQ_INIT(&q);
	if (evhttp_parse_query_str(qs, &q) == 0 &&
	    (v = evhttp_find_header(&q, name)) != NULL)
		out = xstrdup(v);
	evhttp_clear_headers(&q);
	return out;
}

int
api_number_param(struct evhttp_request *req, const char *name, uint64_t max,
    uint64_t *v_r)
{
	char	*s;
	int	 r;

	if ((s = api_query_param(req, name)) == NULL)
		return 0;
	r = str_to_u64(s, strlen(s), max, v_r) ? 1 : -1;
	free(s);
	return r;
}

/* --- the entry cache --- */

/*
 * Both arrays ascend by id, so one merge pass drops entries of messages
 * that left the store (POP3 DELE, IMAP EXPUNGE of every copy does not
 * remove them; store_remove and store_clear do) and adds new ones.
 */
static void
api_sync(struct api *api)
{
	const struct store_msg	*m;
	struct api_entry	*out;
	size_t			 n = store_count(api->store), i, j = 0;

	if (n == api->nentries && (n == 0 ||
	    (api->entries[0].id == store_get(api->store, 0)->id &&
	    api->entries[n - 1].id == store_get(api->store, n - 1)->id)))
		return;
	out = xcalloc(n + 1, sizeof(*out));
	for (i = 0; i < n; i++) {
		m = store_get(api->store, i);
		while (j < api->nentries && api->entries[j].id < m->id)
			api_msg_view_free(api->entries[j++].view);
		if (j < api->nentries && api->entries[j].id == m->id)
			out[i] = api->entries[j++];
		else
			out[i] = (struct api_entry){ .id = m->id };
	}
	while (j < api->nentries)
		api_msg_view_free(api->entries[j++].view);
	free(api->entries);
	api->entries = out;
	api->nentries = api->entries_cap = n;
}

static void
api_entry_drop(struct api *api, size_t i)
{
	api_msg_view_free(api->entries[i].view);
	memmove(&api->entries[i], &api->entries[i + 1],
	    (api->nentries - i - 1) * sizeof(*api->entries));
	api->nentries--;
}

struct api_entry *
api_entry_find(struct api *api, uint64_t id)
{
	size_t	lo = 0, hi, mid;

	api_sync(api);
	hi = api->nentries;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (api->entries[mid].id == id)
			return &api->entries[mid];
		if (api->entries[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct api_view *
api_entry_view(struct api *api, struct api_entry *e)
{
	const struct store_msg	*m;

	if (e->view == NULL) {
		if ((m = store_find(api->store, e->id)) == NULL)
			fatalx("%s: message %llu not in the store", __func__,
			    (unsigned long long)e->id);
		e->view = api_msg_view_new(m);
	}
	return e->view;
}

struct api_entry *
api_newest_match(struct api *api, const struct api_search *s)
{
	struct api_entry	*e;
	size_t			 i;

	api_sync(api);
	for (i = api->nentries; i > 0; i--) {
		e = &api->entries[i - 1];
		if (s == NULL || api_search_match(s, api_entry_view(api, e),
		    e->read))
			return e;
	}
	return NULL;
}

cJSON *
api_entry_message_json(struct api *api, struct api_entry *e)
{
	return api_json_message(api_entry_view(api, e), e->read);
}

/* Decimal store ids, as the list shows them. */
static int
api_parse_id(const char *p, size_t len, uint64_t *id_r)
{
	return str_to_u64(p, len, UINT64_MAX, id_r) && *id_r != 0 ? 0 : -1;
}

/* An id or "latest" (Mailpit), p[0..len). */
static struct api_entry *
api_lookup(struct api *api, const char *p, size_t len)
{
	uint64_t	id;

	if (len == 6 && strncmp(p, "latest", 6) == 0)
		return api_newest_match(api, NULL);
	if (api_parse_id(p, len, &id) == -1)
		return NULL;
	return api_entry_find(api, id);
}

/* --- Mailpit endpoints --- */

static void
api_h_ok(struct api *api, struct evhttp_request *req, const char *rest)
{
	api_reply_text(req, 200, "text/plain; charset=utf-8", "ok", 2);
}

static void
api_h_info(struct api *api, struct evhttp_request *req, const char *rest)
{
	cJSON	*o, *rs;
	size_t	 i, unread = 0;
	uint64_t bytes = 0;

	api_sync(api);
	for (i = 0; i < api->nentries; i++) {
		unread += !api->entries[i].read;
		bytes += store_find(api->store, api->entries[i].id)->len;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Version", "mailrig " MAILRIG_VERSION);
	cJSON_AddStringToObject(o, "LatestVersion", "");
	cJSON_AddStringToObject(o, "Database", "");
	cJSON_AddNumberToObject(o, "DatabaseSize", (double)bytes);
	cJSON_AddNumberToObject(o, "Messages", (double)api->nentries);
	cJSON_AddNumberToObject(o, "Unread", (double)unread);
	cJSON_AddObjectToObject(o, "Tags");
	rs = cJSON_AddObjectToObject(o, "RuntimeStats");
	cJSON_AddNumberToObject(rs, "Uptime",
	    (double)((clock_mono_ms() - api->started_mono) / 1000));
	cJSON_AddNumberToObject(rs, "Memory", 0);
	cJSON_AddNumberToObject(rs, "MessagesDeleted", (double)api->deleted);
	cJSON_AddNumberToObject(rs, "SMTPAccepted", (double)api->nentries);
	cJSON_AddNumberToObject(rs, "SMTPAcceptedSize", (double)bytes);
	cJSON_AddNumberToObject(rs, "SMTPRejected", 0);
	cJSON_AddNumberToObject(rs, "SMTPIgnored", 0);
	cJSON_AddNumberToObject(o, "Sessions",
	    (double)capture_count(api->capture));
	cJSON_AddNumberToObject(o, "Subscribers",
	    (double)api_events_count(api->events));
	cJSON_AddNumberToObject(o, "Waiting",
	    (double)api_mailrig_waits_count(api->waits));
	api_reply_json(req, 200, o);
}

static void
api_h_webui(struct api *api, struct evhttp_request *req, const char *rest)
{
	cJSON	*o, *relay;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "Label", "mailrig");
	relay = cJSON_AddObjectToObject(o, "MessageRelay");
	cJSON_AddBoolToObject(relay, "Enabled", false);
	cJSON_AddStringToObject(relay, "SMTPServer", "");
	cJSON_AddBoolToObject(o, "SpamAssassin", false);
	cJSON_AddBoolToObject(o, "ChaosEnabled", false);
	cJSON_AddBoolToObject(o, "DuplicatesIgnored", false);
	cJSON_AddBoolToObject(o, "HideDeleteAllButton", false);
	api_reply_json(req, 200, o);
}

static void
api_h_tags(struct api *api, struct evhttp_request *req, const char *rest)
{
	api_reply_json(req, 200, cJSON_CreateArray());
}

static void
api_h_messages(struct api *api, struct evhttp_request *req, const char *rest)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_PUT:
		api_messages_put(api, req);
		return;
	case EVHTTP_REQ_DELETE:
		api_messages_delete(api, req);
		return;
	default:
		api_list(api, req, NULL);
		return;
	}
}

/* Newest first, as Mailpit lists; start and limit page the matches. */
static void
api_list(struct api *api, struct evhttp_request *req,
    const struct api_search *s)
{
	struct api_entry	*e;
	cJSON			*items;
	uint64_t		 start = 0, limit = API_PAGE_DEFAULT;
	size_t			 i, unread = 0, matched = 0, munread = 0;

	if (api_number_param(req, "start", UINT32_MAX, &start) == -1 ||
	    api_number_param(req, "limit", API_PAGE_MAX, &limit) == -1) {
		api_reply_error(req, 400, "start and limit take numbers; "
		    "limit is at most 1000");
		return;
	}
	if (limit == 0)
		limit = API_PAGE_DEFAULT;
	api_sync(api);
	items = cJSON_CreateArray();
	for (i = api->nentries; i > 0; i--) {
		e = &api->entries[i - 1];
		unread += !e->read;
		if (s != NULL && !api_search_match(s, api_entry_view(api, e),
		    e->read))
			continue;
		if (matched >= start && matched < start + limit)
			cJSON_AddItemToArray(items, api_json_list_item(
			    api_entry_view(api, e), e->read));
		matched++;
		munread += !e->read;
	}
	api_reply_json(req, 200, api_json_list(api->nentries, unread, matched,
	    munread, (size_t)start, items));
}

static void
api_h_search(struct api *api, struct evhttp_request *req, const char *rest)
{
	struct api_search	 s;
	struct api_entry	*e;
	const char		*err = NULL;
	char			*q;
	size_t			 i;

	if ((q = api_query_param(req, "query")) == NULL) {
		api_reply_error(req, 400, "no search query");
		return;
	}
	if (api_search_parse(q, &s, &err) == -1 || s.nterms == 0) {
		api_reply_error(req, 400, err == NULL ? "no search query" :
		    err);
		free(q);
		return;
	}
	free(q);
	if (evhttp_request_get_command(req) != EVHTTP_REQ_DELETE) {
		api_list(api, req, &s);
		api_search_fini(&s);
		return;
	}
	api_sync(api);
	for (i = api->nentries; i > 0; i--) {
		e = &api->entries[i - 1];
		if (!api_search_match(&s, api_entry_view(api, e), e->read))
			continue;
		if (store_remove(api->store, e->id) == 0)
			api->deleted++;
		api_entry_drop(api, i - 1);
	}
	api_search_fini(&s);
	api_reply_text(req, 200, "text/plain; charset=utf-8", "ok", 2);
}

/*
 * The body of PUT and DELETE /api/v1/messages: {"IDs": [...]} and, for
 * PUT, "Read" and "Search".  0 with *root_r (NULL if there was no body)
 * and *ids_r (NULL if absent), -1 after a 400 was sent.
 */
static int
api_body_ids(struct evhttp_request *req, cJSON **root_r, cJSON **ids_r)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	size_t		 len = evbuffer_get_length(in);
	cJSON		*root, *ids, *it;

	*root_r = *ids_r = NULL;
	if (len == 0)
		return 0;
	root = cJSON_ParseWithLength((const char *)evbuffer_pullup(in, -1),
	    len);
	if (root == NULL || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		api_reply_error(req, 400, "the body is not a JSON object");
		return -1;
	}
	ids = cJSON_GetObjectItemCaseSensitive(root, "IDs");
	if (ids != NULL && !cJSON_IsNull(ids) && !cJSON_IsArray(ids)) {
		cJSON_Delete(root);
		api_reply_error(req, 400, "IDs must be an array");
		return -1;
	}
	cJSON_ArrayForEach(it, ids) {
		if (!cJSON_IsString(it) && !cJSON_IsNumber(it)) {
			cJSON_Delete(root);
			api_reply_error(req, 400, "IDs holds strings");
			return -1;
		}
	}
	*root_r = root;
	*ids_r = cJSON_IsArray(ids) && cJSON_GetArraySize(ids) > 0 ? ids :
	    NULL;
	return 0;
}

/* An id from the body: a decimal string or a number; 0 if neither. */
static uint64_t
api_body_id(const cJSON *it)
{
	uint64_t	id;

	if (cJSON_IsNumber(it))
		return it->valuedouble >= 1 ? (uint64_t)it->valuedouble : 0;
	if (api_parse_id(it->valuestring, strlen(it->valuestring), &id) == -1)
		return 0;
	return id;
}

static void
api_messages_put(struct api *api, struct evhttp_request *req)
{
	struct api_search	 s = { .nterms = 0 };
	struct api_entry	*e;
	cJSON			*root, *ids, *it, *rd, *sq;
	const char		*err;
	bool			 read;
	size_t			 i;

	if (api_body_ids(req, &root, &ids) == -1)
		return;
	rd = cJSON_GetObjectItemCaseSensitive(root, "Read");
	read = cJSON_IsTrue(rd);
	sq = cJSON_GetObjectItemCaseSensitive(root, "Search");
	if (ids == NULL && cJSON_IsString(sq) && sq->valuestring[0] != '\0' &&
	    api_search_parse(sq->valuestring, &s, &err) == -1) {
		cJSON_Delete(root);
		api_reply_error(req, 400, err);
		return;
	}
	api_sync(api);
	if (ids != NULL) {
		cJSON_ArrayForEach(it, ids) {
			e = api_entry_find(api, api_body_id(it));
			if (e != NULL)
				e->read = read;
		}
	} else
		for (i = 0; i < api->nentries; i++) {
			e = &api->entries[i];
			if (api_search_match(&s, api_entry_view(api, e),
			    e->read))
				e->read = read;
		}
	api_search_fini(&s);
	cJSON_Delete(root);
	api_reply_text(req, 200, "text/plain; charset=utf-8", "ok", 2);
}

/* POP3 and IMAP see the deletes: the store expunges every copy. */
static void
api_messages_delete(struct api *api, struct evhttp_request *req)
{
	cJSON		*root, *ids, *it;
	uint64_t	 id;

	if (api_body_ids(req, &root, &ids) == -1)
		return;
	if (ids == NULL) {
		api_sync(api);
		api->deleted += api->nentries;
		store_clear(api->store);
		api_sync(api);
	} else
		cJSON_ArrayForEach(it, ids) {
			id = api_body_id(it);
			if (id != 0 && store_remove(api->store, id) == 0)
				api->deleted++;
		}
	cJSON_Delete(root);
	api_sync(api);
	api_reply_text(req, 200, "text/plain; charset=utf-8", "ok", 2);
}

static void
api_raw_cleanup(const void *data, size_t len, void *arg)
{
	struct store_msg	*m = arg;

	store_msg_unref(&m);
}

/* The stored bytes, shared with the store by reference (STYLE 3.6.4). */
static void
api_send_raw(struct evhttp_request *req, const struct store_msg *cm)
{
	struct store_msg	*m = (struct store_msg *)cm;
	struct evbuffer		*b = evbuffer_new();

	if (b == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	if (m->len > 0) {
		store_msg_ref(m);
		if (evbuffer_add_reference(b, m->data, m->len,
		    api_raw_cleanup, m) == -1)
			fatalx("%s: evbuffer_add_reference failed", __func__);
	}
	evhttp_send_reply(req, 200, NULL, b);
	evbuffer_free(b);
}

/* {ID}, {ID}/headers, {ID}/raw, {ID}/part/{PartID} */
static void
api_h_message(struct api *api, struct evhttp_request *req, const char *rest)
{
	const struct store_msg	*m;
	struct api_entry	*e;
	const char		*slash = strchr(rest, '/');
	size_t			 idlen = slash != NULL ?
				    (size_t)(slash - rest) : strlen(rest);
	char			*data, *ctype;
	size_t			 len;

	if ((e = api_lookup(api, rest, idlen)) == NULL) {
		api_reply_error(req, 404, "message not found");
		return;
	}
	m = store_find(api->store, e->id);
	if (slash == NULL) {
		/* Mailpit marks a message read when it is fetched. */
		e->read = true;
		api_reply_json(req, 200, api_entry_message_json(api, e));
	} else if (strcmp(slash, "/headers") == 0)
		api_reply_json(req, 200, api_msg_headers(m));
	else if (strcmp(slash, "/raw") == 0)
		api_send_raw(req, m);
	else if (strncmp(slash, "/part/", 6) == 0 && slash[6] != '\0' &&
	    strchr(slash + 6, '/') == NULL) {
		if (api_msg_part(m, slash + 6, &data, &len, &ctype) == 0) {
			api_reply_error(req, 404, "part not found");
			return;
		}
		api_reply_text(req, 200, ctype, data, len);
		free(data);
		free(ctype);
	} else
		api_reply_error(req, 404, "not found");
}

/* Mailpit's /view/{ID}.txt and /view/{ID}.html. */
static void
api_h_view(struct api *api, struct evhttp_request *req, const char *rest)
{
	const struct api_view	*v;
	struct api_entry	*e;
	const char		*dot = strrchr(rest, '.');

	if (dot == NULL || (e = api_lookup(api, rest,
	    (size_t)(dot - rest))) == NULL ||
	    (strcmp(dot, ".txt") != 0 && strcmp(dot, ".html") != 0)) {
		api_reply_error(req, 404, "not found");
		return;
	}
	v = api_entry_view(api, e);
	if (strcmp(dot, ".txt") == 0)
		api_reply_text(req, 200, "text/plain; charset=utf-8",
		    v->text != NULL ? v->text : "",
		    v->text != NULL ? strlen(v->text) : 0);
	else {
		/* The mail's HTML runs no script and loads nothing. */
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Security-Policy", "default-src 'none'; "
		    "style-src 'unsafe-inline'; img-src data: cid:; "
		    "sandbox");
		api_reply_text(req, 200, "text/html; charset=utf-8",
		    v->html != NULL ? v->html : "",
		    v->html != NULL ? strlen(v->html) : 0);
	}
}

/* --- mailrig's own endpoints (api_mailrig.c, api_events.c) --- */

static void
api_h_sessions(struct api *api, struct evhttp_request *req, const char *rest)
{
	api_mailrig_sessions(api, req);
}

static void
api_h_session(struct api *api, struct evhttp_request *req, const char *rest)
{
	api_mailrig_session(api, req, rest);
}

static void
api_h_findings(struct api *api, struct evhttp_request *req, const char *rest)
{
	api_mailrig_findings(api, req);
}

static void
api_h_report(struct api *api, struct evhttp_request *req, const char *rest)
{
	api_mailrig_report(api, req);
}

static void
api_h_scenario(struct api *api, struct evhttp_request *req, const char *rest)
{
	api_mailrig_scenario(api, req);
}

static void
api_h_wait(struct api *api, struct evhttp_request *req, const char *rest)
{
	api_mailrig_wait(api, req);
}

static void
api_h_events(struct api *api, struct evhttp_request *req, const char *rest)
{
	api_events_subscribe(api->events, req);
}
