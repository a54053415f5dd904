/*
 * web_assets.h: the web inbox (harness/web/) compiled into the program and
 * served over evhttp at "/" and "/web/<name>".
 *
 * The bytes come from a file that harness/web/embed.sh generates at build
 * time (build/gen/web_assets_data.c); this module owns the routes, the
 * content types and the HTTP caching rules (RFC 9110 8.8.3 ETag, RFC 9110
 * 13.1.2 If-None-Match, RFC 9111 5.2.2.4 no-cache).  It serves no data of
 * its own: the page reads everything from the JSON API under /api/v1/.
 */
#ifndef MAILRIG_WEB_ASSETS_H
#define MAILRIG_WEB_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

struct evhttp;
struct evhttp_request;

/* One embedded file; static, never freed. */
struct web_asset {
	const char		*name;	/* "app.js": the path under /web/ */
	const unsigned char	*data;	/* len bytes, then a NUL */
	size_t			 len;
	const char		*etag;	/* strong validator, with its quotes */
};

/* Defined in the generated file, in name order. */
extern const struct web_asset	web_assets[];
extern const size_t		web_assets_count;

/* The asset called name ("index.html"), or NULL; borrowed, static. */
const struct web_asset *web_assets_find(const char *name);
/* Content-Type for a file name by its extension; static string. */
const char	*web_assets_type(const char *name);
/*
 * True if an If-None-Match field value (NULL when absent) matches etag:
 * "*" or any listed tag, compared weakly as RFC 9110 13.1.2 asks.
 */
bool		 web_assets_etag_match(const char *if_none_match,
		    const char *etag);
/*
 * The asset a request path names: "/" and "/web/" give index.html,
 * "/web/<name>" that asset; NULL otherwise.  A NULL path is "/".
 * Borrowed, static.
 */
const struct web_asset *web_assets_route_find(const char *path);
/*
 * evhttp callback answering any path with web_assets_route_find(): the
 * asset or 404.  Meant for api_set_fallback(api, web_assets_serve, NULL),
 * so the page sits behind the API's token check too.
 */
void		 web_assets_serve(struct evhttp_request *, void *);
/*
 * Add GET/HEAD routes for "/", "/web/" and "/web/<name>" of every asset.
 * Exact-path callbacks, so a general callback the API installs still sees
 * every other path.
 */
void		 web_register(struct evhttp *);

#endif
