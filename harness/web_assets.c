/*
 * web_assets.c: serves the embedded web inbox over evhttp.
 *
 * Owns the routes "/", "/web/" and "/web/<name>", the extension to
 * Content-Type table and the caching rules: every answer carries a strong
 * ETag and "Cache-Control: no-cache" (RFC 9111 5.2.2.4), so a browser
 * revalidates and gets 304 (RFC 9110 15.4.5) until the program changes.
 * The page itself gets a Content-Security-Policy that allows nothing from
 * outside mailrig: the inbox works without network access and a mail shown
 * in it cannot reach the net either (its frame inherits the policy).
 * Methods other than GET and HEAD get 405 with Allow (RFC 9110 15.5.6).
 * It does not read the store or the capture; the page uses the API.
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "fakes/base/defs.h"
#include "fakes/base/log.h"
#include "harness/web_assets.h"

#define WEB_ASSETS_PREFIX	"/web/"
#define WEB_ASSETS_INDEX	"index.html"
#define WEB_ASSETS_ROUTE_MAX	128

static void	web_assets_cb(struct evhttp_request *, void *);
static void	web_assets_send(struct evhttp_request *,
		    const struct web_asset *);
static void	web_assets_headers(struct evhttp_request *,
		    const struct web_asset *);
static void	web_assets_route(struct evhttp *, const char *,
		    const struct web_asset *);
static bool	web_assets_tag_eq(const char *, size_t, const char *);

static const struct {
	const char	*ext;
	const char	*type;
} web_assets_types[] = {
	{ .ext = ".html", .type = "text/html; charset=utf-8" },
	{ .ext = ".css", .type = "text/css; charset=utf-8" },
	{ .ext = ".js", .type = "text/javascript; charset=utf-8" },
	{ .ext = ".svg", .type = "image/svg+xml" },
	{ .ext = ".png", .type = "image/png" },
	{ .ext = ".ico", .type = "image/x-icon" },
	{ .ext = ".txt", .type = "text/plain; charset=utf-8" },
};

/*
 * 'unsafe-inline' styles: a mail's HTML is shown in a srcdoc frame, which
 * inherits this policy, and mail relies on inline styles.  Scripts and
 * every fetch stay on our own origin.
 */
static const char web_assets_csp[] =
    "default-src 'none'; script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

const struct web_asset *
web_assets_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < web_assets_count; i++)
		if (strcmp(web_assets[i].name, name) == 0)
			return &web_assets[i];
	return NULL;
}

const char *
web_assets_type(const char *name)
{
	size_t	 i, n, e;

	n = strlen(name);
	for (i = 0; i < nitems(web_assets_types); i++) {
		e = strlen(web_assets_types[i].ext);
		if (n > e && strcmp(name + n - e,
		    web_assets_types[i].ext) == 0)
			return web_assets_types[i].type;
	}
	return "application/octet-stream";
}

/*
 * RFC 9110 13.1.2: If-None-Match uses the weak comparison, so a "W/"
 * prefix on either side is ignored.
 */
static bool
web_assets_tag_eq(const char *p, size_t len, const char *etag)
{
	if (len >= 2 && p[0] == 'W' && p[1] == '/') {
		p += 2;
		len -= 2;
	}
	if (strncmp(etag, "W/", 2) == 0)
		etag += 2;
	return len == strlen(etag) && memcmp(p, etag, len) == 0;
}

bool
web_assets_etag_match(const char *inm, const char *etag)
{
	const char	*p, *start;

	if (inm == NULL)
		return false;
	p = inm;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			return false;
		start = p;
		if (*p == '*' && (p[1] == '\0' || p[1] == ' ' ||
		    p[1] == '\t' || p[1] == ','))
			return true;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (*p == '"') {
			/* RFC 9110 8.8.3: no DQUOTE inside an opaque-tag. */
			p = strchr(p + 1, '"');
			if (p == NULL)
				return false;
			p++;
			if (*p != '\0' && *p != ' ' && *p != '\t' &&
			    *p != ',') {
				/* Malformed: match nothing up to the comma. */
				while (*p != '\0' && *p != ',')
					p++;
				continue;
			}
		} else {
			while (*p != '\0' && *p != ',')
				p++;
		}
		if (web_assets_tag_eq(start, (size_t)(p - start), etag))
			return true;
	}
}

static void
web_assets_headers(struct evhttp_request *req, const struct web_asset *a)
{
	struct evkeyvalq	*h;

	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "ETag", a->etag);
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
}

static void
web_assets_cb(struct evhttp_request *req, void *arg)
{
	web_assets_send(req, arg);
}

const struct web_asset *
web_assets_route_find(const char *path)
{
	if (path == NULL || strcmp(path, "/") == 0 ||
	    strcmp(path, WEB_ASSETS_PREFIX) == 0)
		return web_assets_find(WEB_ASSETS_INDEX);
	if (strncmp(path, WEB_ASSETS_PREFIX, strlen(WEB_ASSETS_PREFIX)) != 0)
		return NULL;
	return web_assets_find(path + strlen(WEB_ASSETS_PREFIX));
}

void
web_assets_serve(struct evhttp_request *req, void *arg)
{
	const struct web_asset	*a;
	const struct evhttp_uri	*uri;

	uri = evhttp_request_get_evhttp_uri(req);
	a = web_assets_route_find(uri != NULL ? evhttp_uri_get_path(uri) :
	    NULL);
	if (a == NULL) {
		evhttp_send_error(req, HTTP_NOTFOUND, "Not Found");
		return;
	}
	web_assets_send(req, a);
}

static void
web_assets_send(struct evhttp_request *req, const struct web_asset *a)
{
	struct evkeyvalq	*h;
	struct evbuffer		*body;
	enum evhttp_cmd_type	 cmd;
	const char		*inm;

	h = evhttp_request_get_output_headers(req);
	cmd = evhttp_request_get_command(req);
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		/* evhttp_send_error() would drop the Allow header. */
		evhttp_add_header(h, "Allow", "GET, HEAD");
		evhttp_add_header(h, "Content-Type",
		    "text/plain; charset=utf-8");
		body = evbuffer_new();
		if (body == NULL)
			fatalx("%s: evbuffer_new failed", __func__);
		evbuffer_add_printf(body, "method not allowed\n");
		evhttp_send_reply(req, 405, "Method Not Allowed", body);
		evbuffer_free(body);
		return;
	}
	web_assets_headers(req, a);
	inm = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "If-None-Match");
	if (web_assets_etag_match(inm, a->etag)) {
		evhttp_send_reply(req, 304, "Not Modified", NULL);
		return;
	}
	evhttp_add_header(h, "Content-Type", web_assets_type(a->name));
	if (strcmp(a->name, WEB_ASSETS_INDEX) == 0)
		evhttp_add_header(h, "Content-Security-Policy",
		    web_assets_csp);
	/* evhttp leaves the body out for HEAD itself. */
	body = evbuffer_new();
	if (body == NULL)
		fatalx("%s: evbuffer_new failed", __func__);
	if (evbuffer_add_reference(body, a->data, a->len, NULL, NULL) == -1)
		fatalx("%s: evbuffer_add_reference failed", __func__);
	evhttp_send_reply(req, 200, "OK", body);
	evbuffer_free(body);
}

static void
web_assets_route(struct evhttp *http, const char *path,
    const struct web_asset *a)
{
	/* The callback argument is not const in evhttp; it is only read. */
	if (evhttp_set_cb(http, path, web_assets_cb, (void *)a) != 0)
		log_warnx("web: route %s already taken", path);
}

void
web_register(struct evhttp *http)
{
	const struct web_asset	*index;
	char			 path[WEB_ASSETS_ROUTE_MAX];
	size_t			 i;
	int			 n;

	if ((index = web_assets_find(WEB_ASSETS_INDEX)) == NULL)
		fatalx("%s: no %s embedded", __func__, WEB_ASSETS_INDEX);
	web_assets_route(http, "/", index);
	web_assets_route(http, WEB_ASSETS_PREFIX, index);
	for (i = 0; i < web_assets_count; i++) {
		n = snprintf(path, sizeof(path), "%s%s", WEB_ASSETS_PREFIX,
		    web_assets[i].name);
		if (n < 0 || (size_t)n >= sizeof(path))
			fatalx("%s: asset name too long", __func__);
		web_assets_route(http, path, &web_assets[i]);
	}
}
