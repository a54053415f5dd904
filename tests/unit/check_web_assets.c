/*
 * check_web_assets.c: the embedded web inbox and its routes.  The table
 * the build generates holds the page; content types by extension;
 * If-None-Match matching (RFC 9110 13.1.2); and real HTTP over loopback
 * against both entry points (web_register's exact routes and the
 * web_assets_serve fallback): status, Content-Type, ETag, Cache-Control,
 * the page's CSP, 304, 405, HEAD and the body bytes.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "fakes/base/defs.h"
#include "harness/web_assets.h"

Suite	*web_assets_suite(void);

#define WEB_T_BODY_MAX	(1024 * 1024)

/* What a finished request left behind. */
struct web_t_res {
	struct event_base	*base;
	bool			 done;
	int			 status;
	char			 type[128];
	char			 etag[128];
	char			 cache[64];
	char			 csp[512];
	char			 allow[64];
	unsigned char		*body;
	size_t			 len;
};

static const char *const web_t_needed[] = {
	"index.html", "app.js", "app.css",
};

START_TEST(test_table)
{
	const struct web_asset	*a;
	size_t			 i;

	ck_assert_uint_ge(web_assets_count, nitems(web_t_needed));
	for (i = 0; i < nitems(web_t_needed); i++) {
		a = web_assets_find(web_t_needed[i]);
		ck_assert_msg(a != NULL, "%s not embedded", web_t_needed[i]);
		ck_assert_str_eq(a->name, web_t_needed[i]);
		ck_assert_msg(a->len > 0, "%s is empty", a->name);
		/* embed.sh appends a NUL after the bytes. */
		ck_assert_int_eq(a->data[a->len], 0);
		ck_assert_msg(strlen(a->etag) > 2 && a->etag[0] == '"' &&
		    a->etag[strlen(a->etag) - 1] == '"',
		    "%s: etag %s is not quoted", a->name, a->etag);
	}
	for (i = 0; i < web_assets_count; i++)
		ck_assert_msg(strcmp(web_assets_type(web_assets[i].name),
		    "application/octet-stream") != 0,
		    "%s has no known content type", web_assets[i].name);
	a = web_assets_find("index.html");
	ck_assert_msg(a->len > 15 && strncmp((const char *)a->data,
	    "<!doctype html>", 15) == 0, "index.html does not start "
	    "with <!doctype html>");
	ck_assert_msg(strstr((const char *)a->data, "/web/app.js") != NULL,
	    "index.html does not load /web/app.js");
	/* The page loads nothing from outside mailrig. */
	for (i = 0; i < web_assets_count; i++) {
		a = &web_assets[i];
		ck_assert_msg(strstr((const char *)a->data, "src=\"http") ==
		    NULL && strstr((const char *)a->data, "href=\"http") ==
		    NULL && strstr((const char *)a->data, "@import") == NULL,
		    "%s refers to a remote resource", a->name);
	}
	ck_assert_ptr_null(web_assets_find("nope.js"));
	ck_assert_ptr_null(web_assets_find(""));
	ck_assert_ptr_null(web_assets_find("INDEX.HTML"));
}
END_TEST

static const struct {
	const char	*name;
	const char	*want;
} type_cases[] = {
	{ "index.html", "text/html; charset=utf-8" },
	{ "app.css", "text/css; charset=utf-8" },
	{ "app.js", "text/javascript; charset=utf-8" },
	{ "logo.svg", "image/svg+xml" },
	{ "a.png", "image/png" },
	{ "x.tar.js", "text/javascript; charset=utf-8" },
	{ "js", "application/octet-stream" },
	{ ".js", "application/octet-stream" },
	{ "app.JS", "application/octet-stream" },
	{ "app.jsx", "application/octet-stream" },
	{ "", "application/octet-stream" },
};

START_TEST(test_type)
{
	const char	*got;

	got = web_assets_type(type_cases[_i].name);
	ck_assert_msg(strcmp(got, type_cases[_i].want) == 0,
	    "case %d (%s): got %s, want %s", _i, type_cases[_i].name, got,
	    type_cases[_i].want);
}
END_TEST

static const struct {
	const char	*inm;
	const char	*etag;
	bool		 want;
} etag_cases[] = {
	{ NULL, "\"1-2\"", false },
	{ "", "\"1-2\"", false },
	{ "\"1-2\"", "\"1-2\"", true },
	{ "\"1-3\"", "\"1-2\"", false },
	{ "\"1-2", "\"1-2\"", false },
	{ "1-2", "\"1-2\"", false },
	{ "W/\"1-2\"", "\"1-2\"", true },
	{ "\"1-2\"", "W/\"1-2\"", true },
	{ "\"a\", \"1-2\"", "\"1-2\"", true },
	{ "\"a\",\"b\" , W/\"1-2\"", "\"1-2\"", true },
	{ "\"a\", \"b\"", "\"1-2\"", false },
	{ "*", "\"1-2\"", true },
	{ " * ", "\"1-2\"", true },
	{ "*x", "\"1-2\"", false },
	{ "\"a,b\", \"1-2\"", "\"1-2\"", true },
	{ "\"a,\"1-2\"", "\"1-2\"", false },
	{ ",,,", "\"1-2\"", false },
	{ "\"\"", "\"1-2\"", false },
	{ "\"1-2\"x", "\"1-2\"", false },
};

START_TEST(test_etag)
{
	bool	 got;

	got = web_assets_etag_match(etag_cases[_i].inm, etag_cases[_i].etag);
	ck_assert_msg(got == etag_cases[_i].want,
	    "case %d (%s): got %d, want %d", _i, etag_cases[_i].inm != NULL ?
	    etag_cases[_i].inm : "(null)", got, etag_cases[_i].want);
}
END_TEST

static const struct {
	const char	*path;
	const char	*want;	/* asset name, NULL: none */
} route_cases[] = {
	{ NULL, "index.html" },
	{ "/", "index.html" },
	{ "/web/", "index.html" },
	{ "/web/app.js", "app.js" },
	{ "/web/app.css", "app.css" },
	{ "/web/index.html", "index.html" },
	{ "/web", NULL },
	{ "/web/nope.js", NULL },
	{ "/web/../web/app.js", NULL },
	{ "/app.js", NULL },
	{ "/api/v1/messages", NULL },
	{ "", NULL },
	{ "//", NULL },
};

START_TEST(test_route)
{
	const struct web_asset	*a;
	const char		*got;

	a = web_assets_route_find(route_cases[_i].path);
	got = a != NULL ? a->name : NULL;
	ck_assert_msg((got == NULL && route_cases[_i].want == NULL) ||
	    (got != NULL && route_cases[_i].want != NULL &&
	    strcmp(got, route_cases[_i].want) == 0),
	    "case %d (%s): got %s, want %s", _i, route_cases[_i].path != NULL ?
	    route_cases[_i].path : "(null)", got != NULL ? got : "(none)",
	    route_cases[_i].want != NULL ? route_cases[_i].want : "(none)");
}
END_TEST

/* ---- HTTP over loopback ---- */

static void
web_t_copy(struct evkeyvalq *h, const char *key, char *dst, size_t size)
{
	const char	*v;

	v = evhttp_find_header(h, key);
	dst[0] = '\0';
	if (v != NULL)
		ck_assert_int_lt(snprintf(dst, size, "%s", v), (int)size);
}

static void
web_t_done(struct evhttp_request *req, void *arg)
{
	struct web_t_res	*r = arg;
	struct evkeyvalq	*h;
	struct evbuffer		*in;

	r->done = true;
	event_base_loopbreak(r->base);
	if (req == NULL)
		return;
	r->status = evhttp_request_get_response_code(req);
	h = evhttp_request_get_input_headers(req);
	web_t_copy(h, "Content-Type", r->type, sizeof(r->type));
	web_t_copy(h, "ETag", r->etag, sizeof(r->etag));
	web_t_copy(h, "Cache-Control", r->cache, sizeof(r->cache));
	web_t_copy(h, "Content-Security-Policy", r->csp, sizeof(r->csp));
	web_t_copy(h, "Allow", r->allow, sizeof(r->allow));
	in = evhttp_request_get_input_buffer(req);
	r->len = evbuffer_get_length(in);
	ck_assert_uint_le(r->len, WEB_T_BODY_MAX);
	r->body = malloc(r->len + 1);
	ck_assert_ptr_nonnull(r->body);
	evbuffer_remove(in, r->body, r->len);
}

/* One request on a fresh server; fallback selects the entry point. */
static void
web_t_request(bool fallback, enum evhttp_cmd_type cmd, const char *path,
    const char *inm, struct web_t_res *r)
{
	struct event_base		*base;
	struct evhttp			*http;
	struct evhttp_bound_socket	*bs;
	struct evhttp_connection	*conn;
	struct evhttp_request		*req;
	struct sockaddr_in		 sin;
	socklen_t			 slen = sizeof(sin);

	memset(r, 0, sizeof(*r));
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	http = evhttp_new(base);
	ck_assert_ptr_nonnull(http);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST);
	if (fallback)
		evhttp_set_gencb(http, web_assets_serve, NULL);
	else
		web_register(http);
	bs = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	ck_assert_ptr_nonnull(bs);
	ck_assert_int_eq(getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &slen), 0);
	conn = evhttp_connection_base_new(base, NULL, "127.0.0.1",
	    ntohs(sin.sin_port));
	ck_assert_ptr_nonnull(conn);
	evhttp_connection_set_timeout(conn, 3);
	r->base = base;
	req = evhttp_request_new(web_t_done, r);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
	    "127.0.0.1");
	if (inm != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "If-None-Match", inm);
	ck_assert_int_eq(evhttp_make_request(conn, req, cmd, path), 0);
	event_base_dispatch(base);
	ck_assert_msg(r->done, "%s: no answer", path);
	evhttp_connection_free(conn);
	evhttp_free(http);
	event_base_free(base);
}

static const struct {
	const char		*name;
	enum evhttp_cmd_type	 cmd;
	const char		*path;
	const char		*inm;	/* "@": the asset's own ETag */
	int			 want_status;
	const char		*want_asset;	/* body and headers of */
	bool			 want_body;
} http_cases[] = {
	{ "index", EVHTTP_REQ_GET, "/", NULL, 200, "index.html", true },
	{ "web dir", EVHTTP_REQ_GET, "/web/", NULL, 200, "index.html",
	  true },
	{ "js", EVHTTP_REQ_GET, "/web/app.js", NULL, 200, "app.js", true },
	{ "css", EVHTTP_REQ_GET, "/web/app.css", NULL, 200, "app.css",
	  true },
	{ "query", EVHTTP_REQ_GET, "/web/app.js?v=2", NULL, 200, "app.js",
	  true },
	{ "unknown", EVHTTP_REQ_GET, "/web/nope.js", NULL, 404, NULL,
	  false },
	{ "outside", EVHTTP_REQ_GET, "/app.js", NULL, 404, NULL, false },
	{ "304", EVHTTP_REQ_GET, "/", "@", 304, "index.html", false },
	{ "304 weak list", EVHTTP_REQ_GET, "/web/app.css", "\"x\", W/@",
	  304, "app.css", false },
	{ "304 star", EVHTTP_REQ_GET, "/web/app.js", "*", 304, "app.js",
	  false },
	{ "stale tag", EVHTTP_REQ_GET, "/", "\"0-0\"", 200, "index.html",
	  true },
	{ "head", EVHTTP_REQ_HEAD, "/", NULL, 200, "index.html", false },
	{ "post", EVHTTP_REQ_POST, "/", NULL, 405, NULL, false },
};

static void
web_t_http(bool fallback, int i)
{
	const struct web_asset	*a = NULL;
	struct web_t_res	 r;
	char			 inm[256];
	const char		*p, *want_csp;

	if (http_cases[i].want_asset != NULL)
		a = web_assets_find(http_cases[i].want_asset);
	inm[0] = '\0';
	if (http_cases[i].inm != NULL) {
		p = strchr(http_cases[i].inm, '@');
		if (p == NULL)
			snprintf(inm, sizeof(inm), "%s", http_cases[i].inm);
		else
			snprintf(inm, sizeof(inm), "%.*s%s",
			    (int)(p - http_cases[i].inm), http_cases[i].inm,
			    a->etag);
	}
	web_t_request(fallback, http_cases[i].cmd, http_cases[i].path,
	    http_cases[i].inm != NULL ? inm : NULL, &r);
	ck_assert_msg(r.status == http_cases[i].want_status,
	    "case %d (%s): got %d, want %d", i, http_cases[i].name, r.status,
	    http_cases[i].want_status);
	if (http_cases[i].want_status == 405)
		ck_assert_str_eq(r.allow, "GET, HEAD");
	if (a != NULL) {
		ck_assert_msg(strcmp(r.etag, a->etag) == 0,
		    "case %d (%s): etag %s, want %s", i, http_cases[i].name,
		    r.etag, a->etag);
		ck_assert_str_eq(r.cache, "no-cache");
	}
	if (a != NULL && r.status == 200) {
		ck_assert_str_eq(r.type, web_assets_type(a->name));
		want_csp = strcmp(a->name, "index.html") == 0 ?
		    "default-src 'none'" : "";
		ck_assert_msg(strncmp(r.csp, want_csp, strlen(want_csp)) ==
		    0 && (want_csp[0] != '\0' || r.csp[0] == '\0'),
		    "case %d (%s): CSP \"%s\"", i, http_cases[i].name, r.csp);
	}
	if (http_cases[i].want_body) {
		ck_assert_uint_eq(r.len, a->len);
		ck_assert_mem_eq(r.body, a->data, a->len);
	} else if (http_cases[i].want_status != 404 &&
	    http_cases[i].want_status != 405)
		ck_assert_msg(r.len == 0, "case %d (%s): %zu body bytes", i,
		    http_cases[i].name, r.len);
	free(r.body);
}

START_TEST(test_http_routes)
{
	web_t_http(false, _i);
}
END_TEST

START_TEST(test_http_fallback)
{
	web_t_http(true, _i);
}
END_TEST

Suite *
web_assets_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("web_assets");
	tc = tcase_create("assets");
	tcase_add_test(tc, test_table);
	tcase_add_loop_test(tc, test_type, 0, nitems(type_cases));
	tcase_add_loop_test(tc, test_etag, 0, nitems(etag_cases));
	tcase_add_loop_test(tc, test_route, 0, nitems(route_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("http");
	tcase_add_loop_test(tc, test_http_routes, 0, nitems(http_cases));
	tcase_add_loop_test(tc, test_http_fallback, 0, nitems(http_cases));
	suite_add_tcase(s, tc);
	return s;
}
