/*
 * capture.c: session transcripts (STYLE 3.10).  Owns every transcript the
 * conn hooks open: an append-only byte log per session plus an index of
 * events pointing into it, the envelopes of the messages each session
 * delivered, and the JSON form `mailrig check` reads back.
 *
 * DATA lines arrive dot-unstuffed (RFC 5321 4.5.2) and are joined into one
 * data event per run, kept up to CAPTURE_DATA_MAX bytes per session; the
 * "." terminator is recorded as a client line so a checker sees it.
 * Plaintext thrown away after STARTTLS (RFC 3207 4.2) is kept as "dropped"
 * data.  Credentials (RFC 4954 4, RFC 1939 7 PASS) are redacted only when
 * written out.  Binary lines are base64 (RFC 4648 4) since JSON strings
 * must be UTF-8 (RFC 8259 8.1, RFC 3629 4).
 *
 * It does not judge anything: the conformance checker reads transcripts.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "fakes/base/buf.h"
#include "fakes/base/clock.h"
#include "fakes/base/defs.h"
#include "fakes/base/limits.h"
#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "fakes/conn.h"
#include "fakes/frame.h"
#include "fakes/store.h"
#include "harness/capture.h"
#include "harness/conformance/conf.h"

/* Room kept past the caps so "capture-limit" and "close" always fit. */
#define CAPTURE_NAME_MAX	64
#define CAPTURE_RESERVE		\
	(2 * (CAPTURE_NAME_MAX + CAPTURE_DETAIL_MAX + 2))
#define CAPTURE_LOG_BUDGET	(CAPTURE_LOG_MAX + CAPTURE_DATA_MAX)
/* JSON numbers are doubles: integers above 2^53 are not exact. */
#define CAPTURE_JSON_INT_MAX	((uint64_t)1 << 53)
#define CAPTURE_MASK		"********"

struct capture {
	char		*dir;		/* owned; NULL: memory only */
	struct transcript **tr;		/* owned array of owned, start order */
	size_t		 ntr;
	size_t		 trcap;
	size_t		 max;
	bool		 sorted;	/* ids increase with start order */
	struct conn_hooks hooks;
	const struct conf_opts *conf_opts; /* borrowed; NULL: defaults */
	bool		 no_check;	/* sessions are not judged */
};

/* Parser context: where in the document, and the caller's err buffer. */
struct capture_pctx {
	char		*err;
	size_t		 size;
	char		 where[40];
};

static const struct {
	unsigned	 bit;
	const char	*name;
} capture_flag_names[] = {
	{ .bit = FRAME_BARE_LF, .name = "bare-lf" },
	{ .bit = FRAME_BARE_CR, .name = "bare-cr" },
	{ .bit = FRAME_NUL, .name = "nul" },
	{ .bit = FRAME_TOO_LONG, .name = "too-long" },
	{ .bit = FRAME_8BIT, .name = "8bit" },
	{ .bit = FRAME_STUFFED, .name = "dot-stuffed" },
	{ .bit = CONN_IO_DROPPED, .name = "dropped" },
	{ .bit = CAPTURE_F_PIPELINED, .name = "pipelined" },
};

#define CAPTURE_FLAGS	(FRAME_BARE_LF | FRAME_BARE_CR | FRAME_NUL | \
	    FRAME_TOO_LONG | FRAME_8BIT | FRAME_STUFFED | CONN_IO_DROPPED | \
	    CAPTURE_F_PIPELINED)

/* hooks */
static void	capture_open_cb(void *, struct conn *);
static void	capture_io_cb(void *, struct conn *, enum conn_dir,
		    const char *, size_t, unsigned);
static void	capture_event_cb(void *, struct conn *, const char *,
		    const char *);
static void	capture_close_cb(void *, struct conn *, const char *);

/* the collection */
static void	capture_evict(struct capture *);
static ssize_t	capture_index(const struct capture *, uint64_t);
static void	capture_write_file(struct capture *, const struct transcript *);
static void	capture_check(struct transcript *,
		    const struct conf_opts *);

/* recording */
static uint64_t	capture_now(const struct transcript *);
static struct tevent *capture_push(struct transcript *, enum tevent_kind,
		    char, uint64_t, bool);
static bool	capture_fits(const struct transcript *, size_t, bool);
static void	capture_overflow(struct transcript *);
static void	capture_append(struct transcript *, const void *, size_t);
static bool	capture_add_event(struct transcript *, uint64_t, const char *,
		    const char *, size_t, bool);
static void	capture_set_tls(struct transcript *, const char *);
static char	*capture_clean(const char *, size_t);
static void	 capture_clean_inplace(char *, size_t);
static void	 capture_label(char *, size_t, const char *, size_t);
static char	*capture_clean_str(const char *);
static void	capture_msg_free(struct capture_msg *);

/* bytes */
static size_t	capture_utf8_seq(const unsigned char *, size_t);
static bool	capture_utf8_valid(const char *, size_t);
static char	*capture_b64_encode(const char *, size_t);
static char	*capture_b64_decode(const char *, size_t *);
static bool	capture_word_is(const char *, size_t, const char *);
static size_t	capture_redact_keep(const char *, size_t);
static bool	capture_has_initial_response(const char *, size_t);

/* JSON out */
static cJSON	*capture_json_build(const struct transcript *, bool);
static void	 capture_json_header(cJSON *, const struct transcript *);
static cJSON	*capture_json_msg(const struct capture_msg *);
static cJSON	*capture_json_finding(const struct conf_finding *);
static cJSON	*capture_json_entry(const struct transcript *,
		    const struct tevent *, bool);
static void	 capture_json_text(cJSON *, const char *, const char *,
		    size_t);
static void	 capture_json_flags(cJSON *, unsigned);

/* JSON in */
static bool	capture_perr(struct capture_pctx *, const char *, ...)
		    ATTR_PRINTF(2, 3);
static int	capture_pj_u64(struct capture_pctx *, const cJSON *,
		    const char *, uint64_t, bool, uint64_t *);
static int	capture_pj_str(struct capture_pctx *, const cJSON *,
		    const char *, size_t, bool, const char **);
static int	capture_pj_bool(struct capture_pctx *, const cJSON *,
		    const char *, bool *);
static bool	capture_pj_flags(struct capture_pctx *, const cJSON *,
		    unsigned *);
static bool	capture_parse_time(const char *, int64_t *);
static bool	capture_parse_header(struct capture_pctx *, const cJSON *,
		    struct transcript *);
static bool	capture_parse_msgs(struct capture_pctx *, const cJSON *,
		    struct transcript *);
static bool	capture_parse_msg(struct capture_pctx *, const cJSON *,
		    struct capture_msg *);
static bool	capture_parse_entry(struct capture_pctx *, const cJSON *,
		    struct transcript *);
static bool	capture_parse_line(struct capture_pctx *, const cJSON *,
		    struct transcript *, uint64_t, char);
static bool	capture_parse_data(struct capture_pctx *, const cJSON *,
		    struct transcript *, uint64_t, char);
static bool	capture_parse_event(struct capture_pctx *, const cJSON *,
		    struct transcript *, uint64_t);
static bool	capture_parse_findings(struct capture_pctx *, const cJSON *,
		    struct transcript *);

/* --- the collection --- */

struct capture *
capture_new(const char *dir, const char **error_r)
{
	struct capture	*cap;
	struct stat	 st;

	if (dir != NULL) {
		if (mkdir(dir, 0777) == -1 && errno != EEXIST) {
			*error_r = "cannot create the capture directory";
			return NULL;
		}
		if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
			*error_r = "the capture path is not a directory";
			return NULL;
		}
		if (access(dir, W_OK | X_OK) == -1) {
			*error_r = "the capture directory is not writable";
			return NULL;
		}
	}
	cap = xcalloc(1, sizeof(*cap));
	cap->dir = dir != NULL ? xstrdup(dir) : NULL;
	cap->max = CAPTURE_SESSIONS_MAX;
	cap->sorted = true;
	cap->hooks = (struct conn_hooks){
		.on_open = capture_open_cb,
		.on_io = capture_io_cb,
		.on_event = capture_event_cb,
		.on_close = capture_close_cb,
		.arg = cap,
	};
	return cap;
}

void
capture_free(struct capture *cap)
{
	size_t	i;

	if (cap == NULL)
		return;
	for (i = 0; i < cap->ntr; i++)
		capture_transcript_free(cap->tr[i]);
	free(cap->tr);
	free(cap->dir);
	free(cap);
}

const struct conn_hooks *
capture_hooks(struct capture *cap)
{
	return &cap->hooks;
}

void
capture_set_checking(struct capture *cap, bool on)
{
	cap->no_check = !on;
}

void
capture_set_sessions_max(struct capture *cap, size_t max)
{
	cap->max = max;
	capture_evict(cap);
}

void
capture_set_conf_opts(struct capture *cap, const struct conf_opts *opts)
{
	cap->conf_opts = opts;
}

struct transcript *
capture_session_start(struct capture *cap, uint64_t id, const char *protocol,
    const char *port_name, int port, const char *peer)
{
	struct transcript	*t;

	t = capture_transcript_new(id, protocol, port_name, port, peer);
	if (cap->ntr > 0 && cap->tr[cap->ntr - 1]->id >= id)
		cap->sorted = false;
	if (cap->ntr == cap->trcap) {
		cap->trcap = cap->trcap == 0 ? 64 : cap->trcap * 2;
		cap->tr = xreallocarray(cap->tr, cap->trcap, sizeof(*cap->tr));
	}
	cap->tr[cap->ntr++] = t;
	capture_evict(cap);
	return t;
}

void
capture_session_end(struct capture *cap, struct transcript *t,
    const char *reason)
{
	capture_transcript_end(t, reason);
	if (!cap->no_check)
		capture_check(t, cap->conf_opts);
	if (cap->dir != NULL)
		capture_write_file(cap, t);
	capture_evict(cap);
}

/*
 * Oldest finished first, so what a long CI run shows at the end is its
 * latest sessions; open ones stay, their conns still point at them.
 */
static void
capture_evict(struct capture *cap)
{
	size_t	i, j;

	i = 0;
	while (cap->ntr > cap->max) {
		while (i < cap->ntr && cap->tr[i]->close_reason == NULL)
			i++;
		if (i == cap->ntr)
			break;
		capture_transcript_free(cap->tr[i]);
		for (j = i + 1; j < cap->ntr; j++)
			cap->tr[j - 1] = cap->tr[j];
		cap->ntr--;
	}
}

size_t
capture_count(const struct capture *cap)
{
	return cap->ntr;
}

const struct transcript *
capture_get(const struct capture *cap, size_t i)
{
	if (i >= cap->ntr)
		fatalx("%s: index %zu of %zu", __func__, i, cap->ntr);
	return cap->tr[i];
}

static ssize_t
capture_index(const struct capture *cap, uint64_t id)
{
	size_t	lo, hi, mid;

	if (!cap->sorted) {
		for (lo = 0; lo < cap->ntr; lo++)
			if (cap->tr[lo]->id == id)
				return (ssize_t)lo;
		return -1;
	}
	lo = 0;
	hi = cap->ntr;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cap->tr[mid]->id == id)
			return (ssize_t)mid;
		if (cap->tr[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

const struct transcript *
capture_find(const struct capture *cap, uint64_t id)
{
	ssize_t	i;

	i = capture_index(cap, id);
	return i < 0 ? NULL : cap->tr[i];
}

void
capture_note_message(struct capture *cap, const struct store_msg *msg)
{
	ssize_t	i;

	i = capture_index(cap, msg->session_id);
	if (i >= 0)
		capture_transcript_note_message(cap->tr[i], msg);
}

/* DESIGN "session end -> conformance checker". */
static void
capture_check(struct transcript *t, const struct conf_opts *opts)
{
	const struct conf_finding	*f;
	size_t				 i;

	free(t->findings);
	t->nfindings = conf_check(t, opts, &t->findings);
	for (i = 0; i < t->nfindings; i++) {
		f = &t->findings[i];
		log_info("conformance: session=%llu index=%zu level=\"%s\" "
		    "rule=%s rfc=%s section=%s excerpt=\"%s\"",
		    (unsigned long long)t->id, f->index,
		    conf_level_name(f->level), f->rule->id, f->rule->rfc,
		    f->rule->section, f->excerpt);
	}
}

/* Readers (the API, `mailrig check`) never see a half-written file. */
static void
capture_write_file(struct capture *cap, const struct transcript *t)
{
	char	*json, *path, *tmp;
	FILE	*fp;
	int	 fd, ok;

	json = capture_transcript_json(t, true);
	path = xasprintf("%s/session-%llu.json", cap->dir,
	    (unsigned long long)t->id);
	tmp = xasprintf("%s/.session-%llu.json.XXXXXX", cap->dir,
	    (unsigned long long)t->id);
	fd = mkstemp(tmp);
	if (fd == -1) {
		log_warn("capture: session=%llu create %s",
		    (unsigned long long)t->id, tmp);
		goto done;
	}
	fp = fdopen(fd, "w");
	if (fp == NULL) {
		close(fd);
		ok = 0;
	} else {
		ok = fputs(json, fp) != EOF && fputc('\n', fp) != EOF;
		ok = fclose(fp) == 0 && ok;
	}
	if (!ok || rename(tmp, path) == -1) {
		log_warn("capture: session=%llu write %s",
		    (unsigned long long)t->id, path);
		unlink(tmp);
	}
done:
	free(tmp);
	free(path);
	free(json);
}

/* --- hooks --- */

static void
capture_open_cb(void *arg, struct conn *c)
{
	struct capture		*cap = arg;
	const struct conn_port	*port = conn_port(c);
	struct transcript	*t;

	t = capture_session_start(cap, conn_id(c), port->proto->name,
	    port->name, port->port, conn_peer(c));
	conn_set_hook_data(c, t);
}

static void
capture_io_cb(void *arg, struct conn *c, enum conn_dir dir, const char *p,
    size_t len, unsigned flags)
{
	struct transcript	*t = conn_hook_data(c);

	if (t == NULL)
		return;
	/* Input framed while a reply is still queued: sent without waiting. */
	if (dir == CONN_DIR_IN && !(flags & CONN_IO_DROPPED) &&
	    conn_output_pending(c) > 0)
		flags |= CAPTURE_F_PIPELINED;
	if (flags & (CONN_IO_DATA | CONN_IO_DROPPED | FRAME_DATA))
		capture_transcript_data(t, dir, p, len, flags);
	else
		capture_transcript_line(t, dir, p, len, flags);
}

static void
capture_event_cb(void *arg, struct conn *c, const char *name,
    const char *detail)
{
	struct transcript	*t = conn_hook_data(c);
	const char		*v, *ciph;

	if (t == NULL)
		return;
	capture_transcript_event(t, name, detail);
	if (strcmp(name, "tls-start") != 0)
		return;
	/* The conn's own view wins over the detail text. */
	v = conn_tls_version(c);
	ciph = conn_tls_cipher(c);
	if (v != NULL)
		capture_label(t->tls_version, sizeof(t->tls_version), v,
		    strlen(v));
	if (ciph != NULL)
		capture_label(t->tls_cipher, sizeof(t->tls_cipher), ciph,
		    strlen(ciph));
}

static void
capture_close_cb(void *arg, struct conn *c, const char *reason)
{
	struct capture		*cap = arg;
	struct transcript	*t = conn_hook_data(c);

	if (t == NULL)
		return;
	conn_set_hook_data(c, NULL);
	capture_session_end(cap, t, reason);
}

/* --- one transcript: recording --- */

struct transcript *
capture_transcript_new(uint64_t id, const char *protocol,
    const char *port_name, int port, const char *peer)
{
	struct transcript	*t;

	t = xcalloc(1, sizeof(*t));
	t->id = id;
	capture_label(t->protocol, sizeof(t->protocol), protocol,
	    strlen(protocol));
	capture_label(t->port_name, sizeof(t->port_name), port_name,
	    strlen(port_name));
	capture_label(t->peer, sizeof(t->peer), peer, strlen(peer));
	t->port = port;
	t->started_wall = clock_wall_ms();
	t->started_mono = clock_mono_ms();
	buf_init(&t->log, CAPTURE_LOG_BUDGET + CAPTURE_RESERVE);
	return t;
}

static void
capture_msg_free(struct capture_msg *m)
{
	size_t	i;

	for (i = 0; i < m->nrcpts; i++) {
		free(m->rcpts[i].addr);
		free(m->rcpts[i].params);
	}
	free(m->rcpts);
	free(m->from);
	free(m->from_params);
	free(m->tls);
	free(m->auth_user);
}

void
capture_transcript_free(struct transcript *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nmsgs; i++)
		capture_msg_free(&t->msgs[i]);
	free(t->msgs);
	free(t->findings);
	free(t->ev);
	buf_fini(&t->log);
	free(t->close_reason);
	free(t);
}

static uint64_t
capture_now(const struct transcript *t)
{
	uint64_t	now = clock_mono_ms();

	/* A test clock may be set back; never produce a huge t_ms. */
	return now > t->started_mono ? now - t->started_mono : 0;
}

/* reserve: the "capture-limit" and "close" events may pass the caps. */
static struct tevent *
capture_push(struct transcript *t, enum tevent_kind kind, char dir,
    uint64_t t_ms, bool reserve)
{
	struct tevent	*ev;

	if (t->nev >= CAPTURE_EVENTS_MAX + (reserve ? 2 : 0))
		return NULL;
	if (t->nev == t->evcap) {
		t->evcap = t->evcap == 0 ? 32 : t->evcap * 2;
		t->ev = xreallocarray(t->ev, t->evcap, sizeof(*t->ev));
	}
	ev = &t->ev[t->nev++];
	*ev = (struct tevent){ .t_ms = t_ms, .kind = kind, .dir = dir,
	    .off = t->log.len };
	return ev;
}

static bool
capture_fits(const struct transcript *t, size_t n, bool reserve)
{
	size_t	limit = CAPTURE_LOG_BUDGET + (reserve ? CAPTURE_RESERVE : 0);

	return n <= limit && t->log.len <= limit - n;
}

static void
capture_append(struct transcript *t, const void *p, size_t len)
{
	/* Every caller checked capture_fits() first. */
	if (buf_append(&t->log, p, len) == -1)
		fatalx("%s: log over its budget", __func__);
}

/*
 * A session that floods lines must not take the process's memory: one
 * marker event, then nothing but the close.
 */
static void
capture_overflow(struct transcript *t)
{
	static const char	why[] = "transcript limit reached, later input "
	    "not recorded";

	if (t->overflow)
		return;
	t->overflow = true;
	(void)capture_add_event(t, capture_now(t), "capture-limit", why,
	    strlen(why), true);
	log_info("capture: session=%llu transcript limit reached",
	    (unsigned long long)t->id);
}

void
capture_transcript_line(struct transcript *t, enum conn_dir dir,
    const char *p, size_t len, unsigned flags)
{
	struct tevent	*ev;

	if (t->close_reason != NULL || t->overflow)
		return;
	if (!capture_fits(t, len + 1, false) ||
	    t->nev >= CAPTURE_EVENTS_MAX) {
		capture_overflow(t);
		return;
	}
	ev = capture_push(t, TEV_LINE, dir == CONN_DIR_IN ? 'c' : 's',
	    capture_now(t), false);
	ev->flags = flags & (CAPTURE_FLAGS | CONN_IO_SECRET);
	/*
	 * An initial response rides on the AUTH line itself (RFC 4954 4,
	 * RFC 4959), before the protocol can flag the exchange as secret.
	 */
	if (dir == CONN_DIR_IN && capture_has_initial_response(p, len))
		ev->flags |= CONN_IO_SECRET;
	ev->len = len;
	capture_append(t, p, len);
	capture_append(t, "", 1);
}

void
capture_transcript_data(struct transcript *t, enum conn_dir dir,
    const char *p, size_t len, unsigned flags)
{
	struct tevent	*ev;
	char		 d = dir == CONN_DIR_IN ? 'c' : 's';
	size_t		 keep, i;

	if (t->close_reason != NULL || t->overflow)
		return;
	if (dir == CONN_DIR_IN && (flags & FRAME_DOT_END)) {
		capture_transcript_line(t, CONN_DIR_IN, ".", 1,
		    flags & FRAME_BARE_LF);
		return;
	}
	if (len == 0)
		return;
	keep = 0;
	if (t->data_kept < CAPTURE_DATA_MAX)
		keep = MIN(len, CAPTURE_DATA_MAX - t->data_kept);
	ev = t->nev > 0 ? &t->ev[t->nev - 1] : NULL;
	if (ev == NULL || ev->kind != TEV_DATA || ev->dir != d ||
	    ((ev->flags ^ flags) & CONN_IO_DROPPED) != 0) {
		if (!capture_fits(t, keep, false) ||
		    t->nev >= CAPTURE_EVENTS_MAX) {
			capture_overflow(t);
			return;
		}
		ev = capture_push(t, TEV_DATA, d, capture_now(t), false);
	} else if (!capture_fits(t, keep, false)) {
		capture_overflow(t);
		return;
	}
	if (ev->off + ev->len != t->log.len)
		fatalx("%s: data run is not at the log's end", __func__);
	capture_append(t, p, keep);
	t->data_kept += keep;
	ev->len += keep;
	ev->bytes += len;
	ev->flags |= flags & CAPTURE_FLAGS;
	for (i = 0; i < len; i++)
		if (p[i] == '\n')
			ev->lines++;
}

/* Returns false if the caps left no room. */
static bool
capture_add_event(struct transcript *t, uint64_t t_ms, const char *name,
    const char *detail, size_t dlen, bool reserve)
{
	struct tevent	*ev;
	size_t		 nlen;

	nlen = strnlen(name, CAPTURE_NAME_MAX - 1);
	dlen = MIN(dlen, CAPTURE_DETAIL_MAX);
	if (!capture_fits(t, nlen + dlen + 2, reserve))
		return false;
	ev = capture_push(t, TEV_EVENT, 0, t_ms, reserve);
	if (ev == NULL)
		return false;
	ev->name_off = t->log.len;
	capture_append(t, name, nlen);
	capture_append(t, "", 1);
	ev->off = t->log.len;
	ev->len = dlen;
	capture_append(t, detail, dlen);
	capture_append(t, "", 1);
	return true;
}

void
capture_transcript_event(struct transcript *t, const char *name,
    const char *detail)
{
	char	*clean;

	if (t->close_reason != NULL)
		return;
	/* OpenSSL error text and reasons are ours, but keep JSON valid. */
	clean = capture_clean(detail != NULL ? detail : "",
	    detail != NULL ? strnlen(detail, CAPTURE_DETAIL_MAX) : 0);
	/* Session facts, kept even when the entries no longer are. */
	if (strcmp(name, "tls-start") == 0)
		capture_set_tls(t, clean);
	if (!t->overflow && !capture_add_event(t, capture_now(t), name, clean,
	    strlen(clean), false))
		capture_overflow(t);
	free(clean);
}

/* detail is "TLSv1.3 TLS_AES_256_GCM_SHA384", as the conn layer sends it. */
static void
capture_set_tls(struct transcript *t, const char *detail)
{
	const char	*sp;

	t->tls = true;
	sp = strchr(detail, ' ');
	if (sp == NULL) {
		capture_label(t->tls_version, sizeof(t->tls_version), detail,
		    strlen(detail));
		return;
	}
	capture_label(t->tls_version, sizeof(t->tls_version), detail,
	    (size_t)(sp - detail));
	capture_label(t->tls_cipher, sizeof(t->tls_cipher), sp + 1,
	    strlen(sp + 1));
}

void
capture_transcript_end(struct transcript *t, const char *reason)
{
	char	*clean;

	if (t->close_reason != NULL)
		return;
	if (reason == NULL)
		reason = "unknown";
	clean = capture_clean(reason, strnlen(reason, CAPTURE_DETAIL_MAX));
	t->ended_mono = clock_mono_ms();
	if (t->ended_mono < t->started_mono)
		t->ended_mono = t->started_mono;
	if (!capture_add_event(t, capture_now(t), "close", clean,
	    strlen(clean), true))
		fatalx("%s: no room reserved for close", __func__);
	t->close_reason = clean;
}

void
capture_transcript_note_message(struct transcript *t,
    const struct store_msg *msg)
{
	struct capture_msg	*m;
	size_t			 i;

	if (t->nmsgs >= CAPTURE_MSGS_MAX)
		return;
	t->msgs = xreallocarray(t->msgs, t->nmsgs + 1, sizeof(*t->msgs));
	m = &t->msgs[t->nmsgs++];
	*m = (struct capture_msg){ .id = msg->id, .size = msg->len };
	m->from = capture_clean_str(msg->mail_from);
	m->from_params = capture_clean_str(msg->mail_params);
	if (msg->tls != NULL && msg->tls[0] != '\0')
		m->tls = capture_clean_str(msg->tls);
	if (msg->auth_user != NULL && msg->auth_user[0] != '\0')
		m->auth_user = capture_clean_str(msg->auth_user);
	m->rcpts = xcalloc(msg->nrcpts > 0 ? msg->nrcpts : 1,
	    sizeof(*m->rcpts));
	for (i = 0; i < msg->nrcpts; i++) {
		m->rcpts[i].addr = capture_clean_str(msg->rcpts[i].addr);
		m->rcpts[i].params = capture_clean_str(msg->rcpts[i].params);
	}
	m->nrcpts = msg->nrcpts;
}

const char *
capture_tevent_name(const struct transcript *t, const struct tevent *ev)
{
	if (ev->kind != TEV_EVENT)
		fatalx("%s: not an event", __func__);
	return t->log.p + ev->name_off;
}

/* --- bytes --- */

/* Length of the valid UTF-8 sequence at p (RFC 3629 4), 0 if none; NUL
   counts as invalid because a C string cannot carry it. */
static size_t
capture_utf8_seq(const unsigned char *p, size_t len)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;

	if (p[0] == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (len < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static bool
capture_utf8_valid(const char *p, size_t len)
{
	size_t	i, n;

	for (i = 0; i < len; i += n) {
		n = capture_utf8_seq((const unsigned char *)p + i, len - i);
		if (n == 0)
			return false;
	}
	return true;
}

/*
 * A heap copy with each byte that is not valid UTF-8 replaced by '?':
 * envelopes and error texts are labels, and must not break the JSON.
 */
static char *
capture_clean(const char *p, size_t len)
{
	char	*out;

	out = xstrndup(p, len);
	capture_clean_inplace(out, strlen(out));
	return out;
}

static void
capture_clean_inplace(char *s, size_t len)
{
	size_t	i, n;

	for (i = 0; i < len; i += n) {
		n = capture_utf8_seq((const unsigned char *)s + i, len - i);
		if (n == 0) {
			s[i] = '?';
			n = 1;
		}
	}
}

/* Into a fixed field: labels may be cut, but must stay valid UTF-8. */
static void
capture_label(char *dst, size_t size, const char *src, size_t len)
{
	if (!str_copyn(dst, src, len, size))
		log_debug("capture: label cut to %zu bytes", size - 1);
	capture_clean_inplace(dst, strlen(dst));
}

static char *
capture_clean_str(const char *s)
{
	return s != NULL ? capture_clean(s, strlen(s)) : xstrdup("");
}

static char *
capture_b64_encode(const char *p, size_t len)
{
	char	*out;

	if (len > INT32_MAX / 2)
		fatalx("%s: %zu bytes", __func__, len);
	out = xmalloc((len + 2) / 3 * 4 + 1);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)p,
	    (int)len);
	return out;
}

/* Strict RFC 4648 4: no whitespace, padding only at the end. */
static char *
capture_b64_decode(const char *s, size_t *len_r)
{
	static const char	 alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t			 len = strlen(s), i, pad = 0;
	char			*out;
	int			 n;

	if (len % 4 != 0 || len > INT32_MAX / 2)
		return NULL;
	if (len > 0 && s[len - 1] == '=')
		pad = len > 1 && s[len - 2] == '=' ? 2 : 1;
	for (i = 0; i < len - pad; i++)
		if (s[i] == '\0' || strchr(alpha, s[i]) == NULL)
			return NULL;
	out = xmalloc(len / 4 * 3 + 1);
	n = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)s,
	    (int)len);
	if (n < 0 || (size_t)n < pad) {
		free(out);
		return NULL;
	}
	*len_r = (size_t)n - pad;
	return out;
}

/* p starts with the word w followed by a space (ASCII, any case). */
static bool
capture_word_is(const char *p, size_t len, const char *w)
{
	size_t	wl = strlen(w);

	return len > wl && p[wl] == ' ' && strncasecmp(p, w, wl) == 0;
}

/*
 * How much of a secret line says only which mechanism was used: "AUTH
 * PLAIN " (RFC 4954 4), "a1 AUTHENTICATE PLAIN " (RFC 3501 6.2.2); none of
 * a PASS or LOGIN line or a SASL response.
 */
static size_t
capture_redact_keep(const char *p, size_t len)
{
	const char	*sp;
	size_t		 words, n, i;

	sp = memchr(p, ' ', len);
	if (capture_word_is(p, len, "AUTH") ||
	    capture_word_is(p, len, "AUTHENTICATE"))
		words = 2;
	else if (sp != NULL && capture_word_is(sp + 1,
	    len - (size_t)(sp + 1 - p), "AUTHENTICATE"))
		words = 3;
	else
		return 0;
	n = 0;
	for (i = 0; i < len; i++) {
		if (p[i] == ' ')
			n++;
		if (n == words)
			return i + 1;
	}
	return len;
}

/* "AUTH PLAIN <b64>", "a1 AUTHENTICATE PLAIN <b64>": more than the name. */
static bool
capture_has_initial_response(const char *p, size_t len)
{
	size_t	keep;

	keep = capture_redact_keep(p, len);
	return keep > 0 && keep < len;
}

/* A heap, NUL-terminated copy of a secret line as it is written out. */
char *
capture_redact(const char *p, size_t len, size_t *len_r)
{
	size_t	 keep;
	char	*out;

	keep = capture_redact_keep(p, len);
	/* Nothing after the mechanism (or an empty line): nothing to hide. */
	if (keep == len) {
		*len_r = len;
		return xstrndup(p, len);
	}
	out = xmalloc(keep + sizeof(CAPTURE_MASK));
	memcpy(out, p, keep);
	memcpy(out + keep, CAPTURE_MASK, sizeof(CAPTURE_MASK));
	*len_r = keep + sizeof(CAPTURE_MASK) - 1;
	return out;
}

/* --- JSON out --- */

char *
capture_transcript_json(const struct transcript *t, bool redact)
{
	cJSON	*root;
	char	*s;

	root = capture_json_build(t, redact);
	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (s == NULL)
		fatalx("%s: out of memory", __func__);
	return s;
}

struct cJSON *
capture_transcript_cjson(const struct transcript *t, bool redact)
{
	return capture_json_build(t, redact);
}

static cJSON *
capture_json_build(const struct transcript *t, bool redact)
{
	cJSON	*root, *arr;
	size_t	 i;

	root = cJSON_CreateObject();
	if (root == NULL)
		fatalx("%s: out of memory", __func__);
	capture_json_header(root, t);
	arr = cJSON_AddArrayToObject(root, "messages");
	for (i = 0; i < t->nmsgs; i++)
		cJSON_AddItemToArray(arr, capture_json_msg(&t->msgs[i]));
	arr = cJSON_AddArrayToObject(root, "transcript");
	for (i = 0; i < t->nev; i++)
		cJSON_AddItemToArray(arr,
		    capture_json_entry(t, &t->ev[i], redact));
	/* Only once judged: an open session has no findings yet. */
	if (t->close_reason != NULL || t->nfindings > 0) {
		arr = cJSON_AddArrayToObject(root, "findings");
		for (i = 0; i < t->nfindings; i++)
			cJSON_AddItemToArray(arr,
			    capture_json_finding(&t->findings[i]));
	}
	return root;
}

static void
capture_json_header(cJSON *root, const struct transcript *t)
{
	char		when[32];
	uint64_t	dur;

	clock_rfc3339(t->started_wall, when, sizeof(when));
	if (t->close_reason != NULL || t->parsed)
		dur = t->ended_mono - t->started_mono;
	else
		dur = capture_now(t);
	cJSON_AddNumberToObject(root, "id", (double)t->id);
	cJSON_AddStringToObject(root, "protocol", t->protocol);
	cJSON_AddStringToObject(root, "port_name", t->port_name);
	cJSON_AddNumberToObject(root, "port", t->port);
	cJSON_AddStringToObject(root, "peer", t->peer);
	cJSON_AddStringToObject(root, "started", when);
	cJSON_AddNumberToObject(root, "duration_ms", (double)dur);
	cJSON_AddBoolToObject(root, "tls", t->tls);
	if (t->tls) {
		cJSON_AddStringToObject(root, "tls_version", t->tls_version);
		cJSON_AddStringToObject(root, "tls_cipher", t->tls_cipher);
	}
	/* An open session has no outcome yet. */
	if (t->close_reason != NULL)
		cJSON_AddStringToObject(root, "outcome", t->close_reason);
	if (t->overflow)
		cJSON_AddBoolToObject(root, "overflow", true);
}

static cJSON *
capture_json_msg(const struct capture_msg *m)
{
	cJSON	*o, *arr, *r;
	size_t	 i;

	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)m->id);
	cJSON_AddStringToObject(o, "from", m->from);
	cJSON_AddStringToObject(o, "from_params", m->from_params);
	arr = cJSON_AddArrayToObject(o, "rcpts");
	for (i = 0; i < m->nrcpts; i++) {
		r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "addr", m->rcpts[i].addr);
		cJSON_AddStringToObject(r, "params", m->rcpts[i].params);
		cJSON_AddItemToArray(arr, r);
	}
	cJSON_AddNumberToObject(o, "size", (double)m->size);
	if (m->tls != NULL)
		cJSON_AddStringToObject(o, "tls", m->tls);
	if (m->auth_user != NULL)
		cJSON_AddStringToObject(o, "auth_user", m->auth_user);
	return o;
}

static cJSON *
capture_json_finding(const struct conf_finding *f)
{
	cJSON	*o;

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
	return o;
}

static cJSON *
capture_json_entry(const struct transcript *t, const struct tevent *ev,
    bool redact)
{
	cJSON		*o;
	char		*b64, *red;
	const char	*p = t->log.p + ev->off;
	size_t		 rlen;

	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "t_ms", (double)ev->t_ms);
	switch (ev->kind) {
	case TEV_LINE:
		cJSON_AddStringToObject(o, "dir", ev->dir == 'c' ? "c" : "s");
		if (redact && (ev->flags & CONN_IO_SECRET)) {
			red = capture_redact(p, ev->len, &rlen);
			capture_json_text(o, "line", red, rlen);
			free(red);
		} else
			capture_json_text(o, "line", p, ev->len);
		capture_json_flags(o, ev->flags);
		if (ev->flags & CONN_IO_SECRET)
			cJSON_AddBoolToObject(o, "secret", true);
		break;
	case TEV_DATA:
		cJSON_AddStringToObject(o, "dir", ev->dir == 'c' ? "c" : "s");
		cJSON_AddNumberToObject(o, "data", (double)ev->bytes);
		cJSON_AddNumberToObject(o, "lines", (double)ev->lines);
		if (ev->len > 0) {
			b64 = capture_b64_encode(p, ev->len);
			cJSON_AddStringToObject(o, "data_b64", b64);
			free(b64);
		}
		if (ev->len < ev->bytes)
			cJSON_AddBoolToObject(o, "truncated", true);
		capture_json_flags(o, ev->flags);
		break;
	case TEV_EVENT:
		cJSON_AddStringToObject(o, "event", t->log.p + ev->name_off);
		if (ev->len > 0)
			cJSON_AddStringToObject(o, "detail", p);
		break;
	default:
		fatalx("%s: kind %d", __func__, ev->kind);
	}
	return o;
}

/* key, or key_b64 when the bytes are not a JSON-safe string. */
static void
capture_json_text(cJSON *o, const char *key, const char *p, size_t len)
{
	char	*b64, k[32];

	if (capture_utf8_valid(p, len)) {
		/* Both log lines and redacted copies end in a NUL. */
		cJSON_AddStringToObject(o, key, p);
		return;
	}
	b64 = capture_b64_encode(p, len);
	(void)snprintf(k, sizeof(k), "%s_b64", key);
	cJSON_AddStringToObject(o, k, b64);
	free(b64);
}

static void
capture_json_flags(cJSON *o, unsigned flags)
{
	cJSON	*arr;
	size_t	 i;

	if ((flags & CAPTURE_FLAGS) == 0)
		return;
	arr = cJSON_AddArrayToObject(o, "flags");
	for (i = 0; i < nitems(capture_flag_names); i++)
		if (flags & capture_flag_names[i].bit)
			cJSON_AddItemToArray(arr,
			    cJSON_CreateString(capture_flag_names[i].name));
}

/* --- JSON in --- */

static bool
capture_perr(struct capture_pctx *pc, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	n = snprintf(pc->err, pc->size, "%s%s", pc->where,
	    pc->where[0] != '\0' ? ": " : "");
	if (n < 0 || (size_t)n >= pc->size)
		return false;
	va_start(ap, fmt);
	(void)vsnprintf(pc->err + n, pc->size - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

/* 1 found, 0 absent and optional, -1 error (message set). */
static int
capture_pj_u64(struct capture_pctx *pc, const cJSON *o, const char *key,
    uint64_t max, bool required, uint64_t *out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);
	double		 d;

	if (v == NULL) {
		if (!required)
			return 0;
		capture_perr(pc, "\"%s\" is missing", key);
		return -1;
	}
	d = cJSON_IsNumber(v) ? v->valuedouble : -1;
	if (!(d >= 0 && d <= (double)max) || (double)(uint64_t)d != d) {
		capture_perr(pc, "\"%s\" must be an integer from 0 to %llu",
		    key, (unsigned long long)max);
		return -1;
	}
	*out = (uint64_t)d;
	return 1;
}

static int
capture_pj_str(struct capture_pctx *pc, const cJSON *o, const char *key,
    size_t max, bool required, const char **out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL) {
		if (!required)
			return 0;
		capture_perr(pc, "\"%s\" is missing", key);
		return -1;
	}
	if (!cJSON_IsString(v) || v->valuestring == NULL) {
		capture_perr(pc, "\"%s\" must be a string", key);
		return -1;
	}
	if (strlen(v->valuestring) > max) {
		capture_perr(pc, "\"%s\" is longer than %zu bytes", key, max);
		return -1;
	}
	/* RFC 8259 8.1; what we write back out must stay valid too. */
	if (!capture_utf8_valid(v->valuestring, strlen(v->valuestring))) {
		capture_perr(pc, "\"%s\" is not UTF-8", key);
		return -1;
	}
	*out = v->valuestring;
	return 1;
}

static int
capture_pj_bool(struct capture_pctx *pc, const cJSON *o, const char *key,
    bool *out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL)
		return 0;
	if (!cJSON_IsBool(v)) {
		capture_perr(pc, "\"%s\" must be true or false", key);
		return -1;
	}
	*out = cJSON_IsTrue(v);
	return 1;
}

static bool
capture_pj_flags(struct capture_pctx *pc, const cJSON *o, unsigned *out)
{
	const cJSON	*arr, *v;
	size_t		 i;

	*out = 0;
	arr = cJSON_GetObjectItemCaseSensitive(o, "flags");
	if (arr == NULL)
		return true;
	if (!cJSON_IsArray(arr))
		return capture_perr(pc, "\"flags\" must be an array");
	cJSON_ArrayForEach(v, arr) {
		if (!cJSON_IsString(v))
			return capture_perr(pc, "a flag must be a string");
		for (i = 0; i < nitems(capture_flag_names); i++)
			if (strcmp(v->valuestring,
			    capture_flag_names[i].name) == 0)
				break;
		if (i == nitems(capture_flag_names))
			return capture_perr(pc, "unknown flag \"%.32s\"",
			    v->valuestring);
		*out |= capture_flag_names[i].bit;
	}
	return true;
}

/* "2026-11-22T01:02:03.456Z" as clock_rfc3339 writes it (RFC 3339 5.6). */
static bool
capture_parse_time(const char *s, int64_t *wall_r)
{
	static const struct {
		size_t		off, len;
		uint64_t	min, max;
		char		after;
	} f[] = {
		{ .off = 0, .len = 4, .min = 1970, .max = 9999, .after = '-' },
		{ .off = 5, .len = 2, .min = 1, .max = 12, .after = '-' },
		{ .off = 8, .len = 2, .min = 1, .max = 31, .after = 'T' },
		{ .off = 11, .len = 2, .min = 0, .max = 23, .after = ':' },
		{ .off = 14, .len = 2, .min = 0, .max = 59, .after = ':' },
		{ .off = 17, .len = 2, .min = 0, .max = 60, .after = '.' },
		{ .off = 20, .len = 3, .min = 0, .max = 999, .after = 'Z' },
	};
	uint64_t	v[nitems(f)];
	struct tm	tm;
	time_t		secs;
	size_t		i;

	if (strlen(s) != 24)
		return false;
	for (i = 0; i < nitems(f); i++) {
		if (!str_to_u64(s + f[i].off, f[i].len, f[i].max, &v[i]) ||
		    v[i] < f[i].min || s[f[i].off + f[i].len] != f[i].after)
			return false;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)v[0] - 1900;
	tm.tm_mon = (int)v[1] - 1;
	tm.tm_mday = (int)v[2];
	tm.tm_hour = (int)v[3];
	tm.tm_min = (int)v[4];
	tm.tm_sec = (int)v[5];
	secs = timegm(&tm);
	if (secs == (time_t)-1)
		return false;
	*wall_r = (int64_t)secs * 1000 + (int64_t)v[6];
	return true;
}

struct transcript *
capture_transcript_parse(const char *text, size_t len, char *err,
    size_t size)
{
	struct capture_pctx	 pc = { .err = err, .size = size };
	struct transcript	*t = NULL;
	const cJSON		*arr, *v;
	cJSON			*root;
	const char		*end = NULL;
	size_t			 i;

	root = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (root == NULL) {
		capture_perr(&pc, "not valid JSON (at byte %zu)",
		    end != NULL && end >= text ? (size_t)(end - text) : 0);
		return NULL;
	}
	for (i = (size_t)(end - text); i < len; i++)
		if (strchr(" \t\r\n", text[i]) == NULL || text[i] == '\0') {
			capture_perr(&pc, "trailing bytes after the JSON "
			    "value");
			goto fail;
		}
	if (!cJSON_IsObject(root)) {
		capture_perr(&pc, "a transcript must be a JSON object");
		goto fail;
	}
	t = capture_transcript_new(0, "", "", 0, "");
	t->parsed = true;
	t->started_mono = 0;
	if (!capture_parse_header(&pc, root, t) ||
	    !capture_parse_msgs(&pc, root, t))
		goto fail;
	arr = cJSON_GetObjectItemCaseSensitive(root, "transcript");
	if (!cJSON_IsArray(arr)) {
		capture_perr(&pc, "\"transcript\" must be an array");
		goto fail;
	}
	i = 0;
	cJSON_ArrayForEach(v, arr) {
		(void)snprintf(pc.where, sizeof(pc.where), "transcript[%zu]",
		    i++);
		if (!capture_parse_entry(&pc, v, t))
			goto fail;
	}
	pc.where[0] = '\0';
	if (!capture_parse_findings(&pc, root, t))
		goto fail;
	cJSON_Delete(root);
	return t;
fail:
	capture_transcript_free(t);
	cJSON_Delete(root);
	return NULL;
}

static bool
capture_parse_header(struct capture_pctx *pc, const cJSON *root,
    struct transcript *t)
{
	const char	*s;
	uint64_t	 v;

	if (capture_pj_u64(pc, root, "id", CAPTURE_JSON_INT_MAX, true,
	    &t->id) < 0 ||
	    capture_pj_u64(pc, root, "port", 65535, true, &v) < 0)
		return false;
	t->port = (int)v;
	if (capture_pj_str(pc, root, "protocol", sizeof(t->protocol) - 1,
	    true, &s) < 0)
		return false;
	capture_label(t->protocol, sizeof(t->protocol), s, strlen(s));
	if (capture_pj_str(pc, root, "port_name", sizeof(t->port_name) - 1,
	    true, &s) < 0)
		return false;
	capture_label(t->port_name, sizeof(t->port_name), s, strlen(s));
	if (capture_pj_str(pc, root, "peer", sizeof(t->peer) - 1, true,
	    &s) < 0)
		return false;
	capture_label(t->peer, sizeof(t->peer), s, strlen(s));
	if (capture_pj_str(pc, root, "started", 32, true, &s) < 0)
		return false;
	if (!capture_parse_time(s, &t->started_wall))
		return capture_perr(pc, "\"started\" must be like "
		    "\"2026-11-22T01:02:03.456Z\"");
	if (capture_pj_u64(pc, root, "duration_ms", CAPTURE_JSON_INT_MAX,
	    true, &t->ended_mono) < 0 ||
	    capture_pj_bool(pc, root, "tls", &t->tls) < 0 ||
	    capture_pj_bool(pc, root, "overflow", &t->overflow) < 0)
		return false;
	if (t->tls) {
		if (capture_pj_str(pc, root, "tls_version",
		    sizeof(t->tls_version) - 1, true, &s) < 0)
			return false;
		capture_label(t->tls_version, sizeof(t->tls_version), s,
		    strlen(s));
		if (capture_pj_str(pc, root, "tls_cipher",
		    sizeof(t->tls_cipher) - 1, true, &s) < 0)
			return false;
		capture_label(t->tls_cipher, sizeof(t->tls_cipher), s,
		    strlen(s));
	}
	switch (capture_pj_str(pc, root, "outcome", CAPTURE_DETAIL_MAX, false,
	    &s)) {
	case -1:
		return false;
	case 1:
		t->close_reason = xstrdup(s);
		break;
	default:
		break;
	}
	return true;
}

static bool
capture_parse_msgs(struct capture_pctx *pc, const cJSON *root,
    struct transcript *t)
{
	const cJSON	*arr, *v;
	int		 n;

	arr = cJSON_GetObjectItemCaseSensitive(root, "messages");
	if (arr == NULL)
		return true;
	if (!cJSON_IsArray(arr))
		return capture_perr(pc, "\"messages\" must be an array");
	n = cJSON_GetArraySize(arr);
	if (n < 0 || (size_t)n > CAPTURE_MSGS_MAX)
		return capture_perr(pc, "more than %d messages",
		    CAPTURE_MSGS_MAX);
	t->msgs = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*t->msgs));
	cJSON_ArrayForEach(v, arr) {
		(void)snprintf(pc->where, sizeof(pc->where), "messages[%zu]",
		    t->nmsgs);
		/* Counted first, so a failure frees what it half built. */
		t->nmsgs++;
		if (!capture_parse_msg(pc, v, &t->msgs[t->nmsgs - 1]))
			return false;
	}
	pc->where[0] = '\0';
	return true;
}

static bool
capture_parse_msg(struct capture_pctx *pc, const cJSON *o,
    struct capture_msg *m)
{
	const cJSON	*arr, *r;
	const char	*s, *params;
	int		 n;

	if (!cJSON_IsObject(o))
		return capture_perr(pc, "must be an object");
	if (capture_pj_u64(pc, o, "id", CAPTURE_JSON_INT_MAX, true,
	    &m->id) < 0 ||
	    capture_pj_u64(pc, o, "size", CAPTURE_JSON_INT_MAX, true,
	    &m->size) < 0 ||
	    capture_pj_str(pc, o, "from", LINE_MAX_CMD, true, &s) < 0)
		return false;
	m->from = xstrdup(s);
	params = "";
	if (capture_pj_str(pc, o, "from_params", LINE_MAX_CMD, false,
	    &params) < 0)
		return false;
	m->from_params = xstrdup(params);
	switch (capture_pj_str(pc, o, "tls", 64, false, &s)) {
	case -1:
		return false;
	case 1:
		m->tls = xstrdup(s);
		break;
	default:
		break;
	}
	switch (capture_pj_str(pc, o, "auth_user", SASL_USER_MAX, false, &s)) {
	case -1:
		return false;
	case 1:
		m->auth_user = xstrdup(s);
		break;
	default:
		break;
	}
	arr = cJSON_GetObjectItemCaseSensitive(o, "rcpts");
	n = cJSON_GetArraySize(arr);
	if (!cJSON_IsArray(arr) || n < 0 || n > SMTP_RCPT_MAX)
		return capture_perr(pc, "\"rcpts\" must be an array of at "
		    "most %d recipients", SMTP_RCPT_MAX);
	m->rcpts = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*m->rcpts));
	cJSON_ArrayForEach(r, arr) {
		params = "";
		if (!cJSON_IsObject(r))
			return capture_perr(pc, "a recipient must be an "
			    "object");
		if (capture_pj_str(pc, r, "addr", LINE_MAX_CMD, true, &s) < 0 ||
		    capture_pj_str(pc, r, "params", LINE_MAX_CMD, false,
		    &params) < 0)
			return false;
		m->rcpts[m->nrcpts].addr = xstrdup(s);
		m->rcpts[m->nrcpts++].params = xstrdup(params);
	}
	return true;
}

static bool
capture_parse_entry(struct capture_pctx *pc, const cJSON *o,
    struct transcript *t)
{
	const char	*dir;
	uint64_t	 t_ms;
	int		 kinds;

	if (!cJSON_IsObject(o))
		return capture_perr(pc, "must be an object");
	if (t->nev >= CAPTURE_EVENTS_MAX + 2)
		return capture_perr(pc, "more than %d entries",
		    CAPTURE_EVENTS_MAX + 2);
	if (capture_pj_u64(pc, o, "t_ms", CAPTURE_JSON_INT_MAX, true,
	    &t_ms) < 0)
		return false;
	kinds = (cJSON_HasObjectItem(o, "line") ? 1 : 0) +
	    (cJSON_HasObjectItem(o, "line_b64") ? 1 : 0) +
	    (cJSON_HasObjectItem(o, "data") ? 1 : 0) +
	    (cJSON_HasObjectItem(o, "event") ? 1 : 0);
	if (kinds != 1)
		return capture_perr(pc, "needs exactly one of \"line\", "
		    "\"line_b64\", \"data\", \"event\"");
	if (cJSON_HasObjectItem(o, "event"))
		return capture_parse_event(pc, o, t, t_ms);
	if (capture_pj_str(pc, o, "dir", 1, true, &dir) < 0)
		return false;
	if (strcmp(dir, "c") != 0 && strcmp(dir, "s") != 0)
		return capture_perr(pc, "\"dir\" must be \"c\" or \"s\"");
	if (cJSON_HasObjectItem(o, "data"))
		return capture_parse_data(pc, o, t, t_ms, dir[0]);
	return capture_parse_line(pc, o, t, t_ms, dir[0]);
}

static bool
capture_parse_line(struct capture_pctx *pc, const cJSON *o,
    struct transcript *t, uint64_t t_ms, char dir)
{
	struct tevent	*ev;
	const char	*s;
	char		*bytes = NULL;
	size_t		 len;
	unsigned	 flags;
	bool		 secret = false;

	if (!capture_pj_flags(pc, o, &flags) ||
	    capture_pj_bool(pc, o, "secret", &secret) < 0)
		return false;
	if (capture_pj_str(pc, o, "line", CAPTURE_LOG_MAX, false, &s) < 0 ||
	    capture_pj_str(pc, o, "line_b64", CAPTURE_LOG_MAX, false, &s) < 0)
		return false;
	if (cJSON_HasObjectItem(o, "line_b64")) {
		bytes = capture_b64_decode(s, &len);
		if (bytes == NULL)
			return capture_perr(pc, "\"line_b64\" is not base64");
		s = bytes;
	} else
		len = strlen(s);
	if (!capture_fits(t, len + 1, true)) {
		free(bytes);
		return capture_perr(pc, "the transcript is too large");
	}
	ev = capture_push(t, TEV_LINE, dir, t_ms, true);
	ev->flags = flags | (secret ? CONN_IO_SECRET : 0);
	ev->len = len;
	capture_append(t, s, len);
	capture_append(t, "", 1);
	free(bytes);
	return true;
}

static bool
capture_parse_data(struct capture_pctx *pc, const cJSON *o,
    struct transcript *t, uint64_t t_ms, char dir)
{
	struct tevent	*ev;
	const char	*s = "";
	char		*bytes;
	uint64_t	 total, lines;
	size_t		 len;
	unsigned	 flags;
	bool		 trunc = false;

	if (capture_pj_u64(pc, o, "data", CAPTURE_JSON_INT_MAX, true,
	    &total) < 0 ||
	    capture_pj_u64(pc, o, "lines", CAPTURE_JSON_INT_MAX, true,
	    &lines) < 0 ||
	    capture_pj_bool(pc, o, "truncated", &trunc) < 0 ||
	    !capture_pj_flags(pc, o, &flags) ||
	    capture_pj_str(pc, o, "data_b64", CAPTURE_LOG_BUDGET * 2, false,
	    &s) < 0)
		return false;
	bytes = capture_b64_decode(s, &len);
	if (bytes == NULL)
		return capture_perr(pc, "\"data_b64\" is not base64");
	if (len > total || trunc != (len < total)) {
		free(bytes);
		return capture_perr(pc, "\"data\" (%llu) disagrees with "
		    "\"data_b64\" (%zu bytes) and \"truncated\"",
		    (unsigned long long)total, len);
	}
	if (!capture_fits(t, len, true)) {
		free(bytes);
		return capture_perr(pc, "the transcript is too large");
	}
	ev = capture_push(t, TEV_DATA, dir, t_ms, true);
	ev->flags = flags;
	ev->len = len;
	ev->bytes = total;
	ev->lines = lines;
	capture_append(t, bytes, len);
	t->data_kept += len;
	free(bytes);
	return true;
}

static bool
capture_parse_event(struct capture_pctx *pc, const cJSON *o,
    struct transcript *t, uint64_t t_ms)
{
	const char	*name, *detail = "";

	if (capture_pj_str(pc, o, "event", CAPTURE_NAME_MAX - 1, true,
	    &name) < 0 ||
	    capture_pj_str(pc, o, "detail", CAPTURE_DETAIL_MAX, false,
	    &detail) < 0)
		return false;
	if (name[0] == '\0')
		return capture_perr(pc, "\"event\" must not be empty");
	if (!capture_add_event(t, t_ms, name, detail, strlen(detail), true))
		return capture_perr(pc, "the transcript is too large");
	return true;
}

/*
 * Findings as a checker wrote them.  Rules are known by id; an id this
 * build does not know (a newer or older table) is skipped, since `mailrig
 * check` judges the transcript afresh anyway.
 */
static bool
capture_parse_findings(struct capture_pctx *pc, const cJSON *root,
    struct transcript *t)
{
	const struct conf_rule	*r;
	struct conf_finding	*f;
	const cJSON		*arr, *v;
	const char		*id, *lv, *ex;
	uint64_t		 idx, count;
	int			 n, level;

	arr = cJSON_GetObjectItemCaseSensitive(root, "findings");
	if (arr == NULL)
		return true;
	n = cJSON_GetArraySize(arr);
	if (!cJSON_IsArray(arr) || n < 0 || n > CAPTURE_EVENTS_MAX)
		return capture_perr(pc, "\"findings\" must be an array");
	t->findings = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*t->findings));
	cJSON_ArrayForEach(v, arr) {
		(void)snprintf(pc->where, sizeof(pc->where), "findings[%zu]",
		    t->nfindings);
		ex = "";
		count = 1;
		if (!cJSON_IsObject(v))
			return capture_perr(pc, "must be an object");
		if (capture_pj_str(pc, v, "rule", 128, true, &id) < 0 ||
		    capture_pj_str(pc, v, "level", 16, true, &lv) < 0 ||
		    capture_pj_u64(pc, v, "index", CAPTURE_JSON_INT_MAX, true,
		    &idx) < 0 ||
		    capture_pj_u64(pc, v, "count", CAPTURE_JSON_INT_MAX, false,
		    &count) < 0 ||
		    capture_pj_str(pc, v, "excerpt", CONF_EXCERPT_MAX - 1,
		    false, &ex) < 0)
			return false;
		if ((level = conf_level_parse(lv)) < 0)
			return capture_perr(pc, "unknown level \"%.16s\"", lv);
		if (idx >= t->nev)
			return capture_perr(pc, "\"index\" %llu is past the "
			    "transcript", (unsigned long long)idx);
		if ((r = conf_rule_find(id)) == NULL)
			continue;
		f = &t->findings[t->nfindings++];
		f->rule = r;
		f->level = (enum conf_level)level;
		f->protocol = conf_rule_protocol(r);
		f->session = t->id;
		f->index = (size_t)idx;
		f->count = (size_t)count;
		capture_label(f->excerpt, sizeof(f->excerpt), ex, strlen(ex));
	}
	return true;
}
