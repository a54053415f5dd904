/*
 * api_int.h: the pieces of the HTTP API shared by its files and the unit
 * tests: the parsed view of a stored message (api_msg.c), the Mailpit
 * search query (api_search.c), the JSON shapes (api_json.c), the event
 * stream (api_events.c), mailrig's own endpoints (api_mailrig.c) and the
 * server state with its reply helpers (api.c).
 *
 * Mailpit API v1 shapes: field names, nesting and types follow what the
 * npm package mailpit-api expects, so its client works unchanged.
 */
#ifndef MAILRIG_API_INT_H
#define MAILRIG_API_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fakes/base/defs.h"

struct cJSON;
struct evhttp;
struct evhttp_request;
struct event_base;
struct store;
struct capture;
struct scenario;
struct store_msg;
struct transcript;
struct api;

/* --- the parsed view of one message (api_msg.c) --- */

struct api_addr {
	char		*name;		/* owned; "" if none */
	char		*addr;		/* owned; "" if none */
};

struct api_addrs {
	struct api_addr	*v;		/* owned array */
	size_t		 n;
};

struct api_part {
	char		 id[64];	/* "2", "1.2": RFC 3501 6.4.5 numbers */
	char		*filename;	/* owned; "" if none */
	char		*ctype;		/* owned; "image/png" */
	char		*cid;		/* owned; Content-ID without <>, "" */
	size_t		 size;		/* decoded bytes */
	char		 sha256[65];	/* hex of the decoded bytes */
};

struct api_parts {
	struct api_part	*v;		/* owned array */
	size_t		 n;
};

struct api_view {
	uint64_t	 id;		/* store id */
	uint64_t	 session_id;	/* the delivering session, 0 if none */
	int64_t		 created_ms;	/* received, wall clock */
	size_t		 size;		/* bytes as stored */
	char		*message_id;	/* owned; without <>, "" if none */
	char		*subject;	/* owned; decoded, "" if none */
	char		*date;		/* owned; RFC 3339 of Date:, "" */
	char		*return_path;	/* owned; the envelope sender */
	bool		 has_from;
	struct api_addr	 from;
	struct api_addrs to, cc, bcc, reply_to;
	char		*text;		/* owned; first text/plain, UTF-8 */
	char		*html;		/* owned; first text/html, UTF-8 */
	char		*snippet;	/* owned; text squeezed, <= 250 chars */
	struct api_parts attachments;
	struct api_parts inlines;
};

/*
 * Parse m (GMime, imap_mime_init() must have run).  Never fails: broken
 * MIME gives what could be read.  Envelope recipients that no To, Cc or
 * Bcc header names are added to bcc, as a catcher sees them.  The view
 * copies everything it needs; the caller frees it.
 */
struct api_view	*api_msg_view_new(const struct store_msg *m);
void		 api_msg_view_free(struct api_view *);
/*
 * The decoded bytes of part id (as in api_part.id) of m.  1: *data_r
 * (heap, caller frees), *len_r and *ctype_r (heap) are set; 0: no such
 * leaf part.
 */
int		 api_msg_part(const struct store_msg *m, const char *id,
		    char **data_r, size_t *len_r, char **ctype_r);
/*
 * The top-level header fields of m as a JSON object of arrays
 * {"Subject": ["..."], ...}, values unfolded and RFC 2047 decoded, in
 * order of appearance, names as first written.  Caller owns it.
 */
struct cJSON	*api_msg_headers(const struct store_msg *m);

/* --- the Mailpit search query (api_search.c) --- */

#define API_SEARCH_TERMS_MAX	64
#define API_SEARCH_LEN_MAX	4096

enum api_search_kind {
	API_Q_TEXT,		/* a plain word or "quoted phrase" */
	API_Q_FROM,
	API_Q_TO,
	API_Q_CC,
	API_Q_BCC,
	API_Q_REPLY_TO,
	API_Q_ADDRESSED,	/* To, Cc or Bcc */
	API_Q_SUBJECT,
	API_Q_MESSAGE_ID,
	API_Q_TAG,		/* mailrig keeps no tags: never matches */
	API_Q_READ,		/* is:read */
	API_Q_UNREAD,		/* is:unread */
	API_Q_ATTACHMENT,	/* has:attachment */
	API_Q_BEFORE,		/* received before a time */
	API_Q_AFTER,		/* received after a time */
	API_Q_LARGER,		/* bigger than n bytes */
	API_Q_SMALLER,
	API_Q__COUNT
};

struct api_search_term {
	enum api_search_kind kind;
	bool		 neg;		/* -word */
	char		*text;		/* owned; the value, unquoted */
	int64_t		 ms;		/* BEFORE / AFTER, UTC */
	uint64_t	 n;		/* LARGER / SMALLER */
};

struct api_search {
	struct api_search_term	 terms[API_SEARCH_TERMS_MAX];
	size_t			 nterms;
};

/*
 * Parse a Mailpit query: words separated by spaces, each optionally
 * negated with '-' or '!', optionally "name:" prefixed, values optionally
 * "quoted" (\" and \\ escape inside quotes).  Unknown prefixes are plain
 * text, as Mailpit does.  0, or -1 with *error_r (static text) for an
 * unterminated quote, an empty value, an unknown is:/has: word, a bad
 * date or size, or a query over the limits; on -1 nothing needs
 * releasing.  An empty query gives zero terms.
 */
int		 api_search_parse(const char *q, struct api_search *s,
		    const char **error_r) ATTR_WUR;
void		 api_search_fini(struct api_search *);
/* Whether v (read or not) matches every term; zero terms match all. */
bool		 api_search_match(const struct api_search *,
		    const struct api_view *v, bool read);
/* "from", "is:read", ...; static. */
const char	*api_search_kind_name(enum api_search_kind);

/* --- JSON shapes (api_json.c); results are owned by the caller --- */

/* A messages[] entry of GET /api/v1/messages and /search. */
struct cJSON	*api_json_list_item(const struct api_view *, bool read);
/* GET /api/v1/message/{ID}. */
struct cJSON	*api_json_message(const struct api_view *, bool read);
/* The paged list: total, unread, count, messages_count, ... */
struct cJSON	*api_json_list(size_t total, size_t unread, size_t matched,
		    size_t matched_unread, size_t start,
		    struct cJSON *items);
/* {"Error": msg}. */
struct cJSON	*api_json_error(const char *msg);
/* A session summary for GET /api/v1/sessions and the event stream. */
struct cJSON	*api_json_session(const struct transcript *);
/* The findings of a transcript, appended to arr. */
void		 api_json_findings(const struct transcript *,
		    struct cJSON *arr);
/* Compact text (heap) of a cJSON tree, which is deleted. */
char		*api_json_print_free(struct cJSON *);

/* --- server state shared by the API files (api.c) --- */

/* A message's cached view and read state. */
struct api_entry {
	uint64_t	 id;
	struct api_view	*view;		/* owned; NULL until needed */
	bool		 read;
};

struct api {
	struct event_base	*base;		/* borrowed */
	struct evhttp		*http;		/* owned */
	int			 port;		/* bound port */
	char			*token;		/* owned; NULL: open */
	struct store		*store;		/* borrowed */
	struct capture		*capture;	/* borrowed */
	const struct scenario	*scenario;	/* borrowed; NULL: none */
	struct cJSON		*scenario_json;	/* owned; the file as JSON */
	int64_t			 started_wall;
	uint64_t		 started_mono;
	struct api_entry	*entries;	/* owned array, ascending id */
	size_t			 nentries;
	size_t			 entries_cap;
	uint64_t		 deleted;	/* messages deleted over HTTP */
	struct api_events	*events;	/* owned */
	struct api_mailrig_waits *waits;	/* owned */
	void			(*fallback)(struct evhttp_request *, void *);
	void			*fallback_arg;
};

/* Reply helpers: the body is sent and req is done. */
void		 api_reply_json(struct evhttp_request *, int code,
		    struct cJSON *);	/* takes the tree */
void		 api_reply_error(struct evhttp_request *, int code,
		    const char *msg);
void		 api_reply_text(struct evhttp_request *, int code,
		    const char *ctype, const char *p, size_t len);
/* A query parameter of req (decoded, heap) or NULL. */
char		*api_query_param(struct evhttp_request *, const char *name);
/*
 * A "start"/"limit"/"timeout" style number parameter: 1 and *v_r, 0 if
 * absent, -1 if malformed or over max.
 */
int		 api_number_param(struct evhttp_request *, const char *name,
		    uint64_t max, uint64_t *v_r);
/* The entry of id after syncing with the store; NULL if gone. */
struct api_entry *api_entry_find(struct api *, uint64_t id);
/* The view of an entry, parsed on first use. */
const struct api_view *api_entry_view(struct api *, struct api_entry *);
/* The newest message matching s (NULL: any), or NULL. */
struct api_entry *api_newest_match(struct api *, const struct api_search *);
/* Full message JSON of e (marks nothing). */
struct cJSON	*api_entry_message_json(struct api *, struct api_entry *);

/* --- the event stream (api_events.c) --- */

struct api_events;

struct api_events *api_events_new(struct event_base *);
void		 api_events_free(struct api_events *);
/* GET /api/v1/events: park req as a subscriber (503 when full). */
void		 api_events_subscribe(struct api_events *,
		    struct evhttp_request *);
/* Send "event: name" with data (compact JSON, taken) to everyone. */
void		 api_events_send(struct api_events *, const char *name,
		    struct cJSON *data);
size_t		 api_events_count(const struct api_events *);

/* --- mailrig's own endpoints (api_mailrig.c) --- */

struct api_mailrig_waits;

struct api_mailrig_waits *api_mailrig_waits_new(void);
/* Answers no one: the requests die with the evhttp. */
void		 api_mailrig_waits_free(struct api_mailrig_waits *);
/* A new message arrived: answer the waiters whose query it matches. */
void		 api_mailrig_waits_note(struct api *, struct api_entry *);
size_t		 api_mailrig_waits_count(const struct api_mailrig_waits *);
/* GET /api/v1/wait: answer now, or park req (503 when full). */
void		 api_mailrig_wait(struct api *, struct evhttp_request *);
void		 api_mailrig_sessions(struct api *, struct evhttp_request *);
void		 api_mailrig_session(struct api *, struct evhttp_request *,
		    const char *id);
void		 api_mailrig_findings(struct api *, struct evhttp_request *);
void		 api_mailrig_report(struct api *, struct evhttp_request *);
void		 api_mailrig_scenario(struct api *, struct evhttp_request *);
/* Read the scenario file into api->scenario_json (YAML to JSON). */
void		 api_mailrig_scenario_load(struct api *);

#endif
