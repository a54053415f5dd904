/*
 * capture.h: session transcripts.  Installed as the conn layer's hooks, it
 * sees every byte at the two choke points plus the named events, and keeps
 * them per session as an append-only byte log with an event index (STYLE
 * 3.10): {t_ms, dir, off, len, flags} into the log, so there is no copy per
 * line beyond the log itself.  Message data is aggregated into one event
 * per DATA/BDAT run (bytes, lines, OR-ed frame flags); the first
 * CAPTURE_DATA_MAX data bytes of a session are kept in the log.
 *
 * The JSON a transcript is written as (capture_transcript_json) is exactly
 * what `mailrig check` reads back (capture_transcript_parse).
 */
#ifndef MAILRIG_CAPTURE_H
#define MAILRIG_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fakes/base/buf.h"
#include "fakes/conn.h"

struct store_msg;
struct conf_finding;
struct conf_opts;

/*
 * Set on a client line or data run read while a reply to an earlier
 * command was still unsent: the client did not wait for it (RFC 2920).
 */
#define CAPTURE_F_PIPELINED	0x1000000

enum tevent_kind {
	TEV_LINE,	/* a command or reply line */
	TEV_DATA,	/* a run of message / literal bytes */
	TEV_EVENT,	/* a named event: tls-start, close, ... */
	TEV__COUNT
};

/*
 * Where the bytes are: a TEV_LINE's content is log.p + off, len bytes,
 * followed by a NUL; a TEV_EVENT's detail likewise, and its name is the
 * NUL-terminated string at log.p + name_off.  A TEV_DATA's kept bytes are
 * log.p + off, len bytes (no NUL); bytes counts what was seen.
 */
struct tevent {
	uint64_t	 t_ms;		/* since session start */
	enum tevent_kind kind;
	char		 dir;		/* 'c' client, 's' server, 0 events */
	unsigned	 flags;		/* FRAME_* | CONN_IO_SECRET/DROPPED */
	size_t		 off;		/* into transcript.log */
	size_t		 len;		/* bytes kept in the log */
	uint64_t	 bytes;		/* TEV_DATA: bytes seen (>= len) */
	uint64_t	 lines;		/* TEV_DATA: LF bytes seen */
	size_t		 name_off;	/* TEV_EVENT: name at log+name_off */
};

/* The envelope of a message the session delivered (copies, all owned). */
struct capture_rcpt {
	char		*addr;		/* owned */
	char		*params;	/* owned; "" if none */
};

struct capture_msg {
	uint64_t	 id;		/* store id */
	char		*from;		/* owned; "" for the null path */
	char		*from_params;	/* owned; "" if none */
	struct capture_rcpt *rcpts;	/* owned array */
	size_t		 nrcpts;
	uint64_t	 size;
	char		*tls;		/* owned; NULL without TLS */
	char		*auth_user;	/* owned; NULL if not authenticated */
};

struct transcript {
	uint64_t	 id;		/* conn_id */
	char		 protocol[16];	/* "smtp" */
	char		 port_name[16];	/* "submission" */
	int		 port;
	char		 peer[64];
	int64_t		 started_wall;	/* ms since epoch */
	uint64_t	 started_mono;
	uint64_t	 ended_mono;	/* set by capture_transcript_end */
	bool		 tls;		/* TLS was active at some point */
	char		 tls_version[32];
	char		 tls_cipher[64];
	char		*close_reason;	/* owned; NULL while open */
	struct buf	 log;		/* owned byte log */
	struct tevent	*ev;		/* owned array */
	size_t		 nev;
	size_t		 evcap;
	uint64_t	 data_kept;	/* data bytes kept so far */
	bool		 overflow;	/* a per-transcript cap was hit; later
					   input was not recorded */
	bool		 parsed;	/* read back from JSON: times fixed */
	struct capture_msg *msgs;	/* owned array */
	size_t		 nmsgs;
	/* The conformance findings, set when the session ends (conf.h). */
	struct conf_finding *findings;	/* owned array */
	size_t		 nfindings;
};

struct capture;

/* --- the collection, installed as conn hooks --- */

/*
 * dir: NULL to keep transcripts only in memory, else a directory (created
 * if missing) that receives session-<id>.json (redacted) when each session
 * ends.  NULL with *error_r (static text) on failure.  Free the conn env
 * before the capture: open transcripts are referenced by their conns.
 */
struct capture	*capture_new(const char *dir, const char **error_r) ATTR_WUR;
void		 capture_free(struct capture *);
/* Hooks for conn_env_set_hooks; borrowed, valid while the capture is. */
const struct conn_hooks *capture_hooks(struct capture *);
/*
 * Keep at most max transcripts (default CAPTURE_SESSIONS_MAX): beyond it
 * the oldest finished ones are freed; open ones are never freed.
 */
void		 capture_set_sessions_max(struct capture *, size_t max);
/* Judge sessions as they end (the default), or not (--no-check). */
void		 capture_set_checking(struct capture *, bool);
/*
 * The scenario's conformance overrides for sessions that end from now on
 * (borrowed: valid while the capture is; NULL for the rule defaults).
 */
void		 capture_set_conf_opts(struct capture *,
		    const struct conf_opts *);

/*
 * What the hooks do, for callers without sockets.  The transcript is
 * borrowed: valid until capture_session_end() lets it be evicted.
 */
struct transcript *capture_session_start(struct capture *, uint64_t id,
		    const char *protocol, const char *port_name, int port,
		    const char *peer);
/*
 * End it, run the conformance checker on it (findings logged at -v),
 * write the directory file if any, then evict if over the cap.
 */
void		 capture_session_end(struct capture *, struct transcript *,
		    const char *reason);

/* Attach the envelope of msg to transcript msg->session_id, if kept. */
void		 capture_note_message(struct capture *,
		    const struct store_msg *);

/* Finished and open transcripts, in start order. */
size_t		 capture_count(const struct capture *);
const struct transcript *capture_get(const struct capture *, size_t i);
/* NULL if no kept transcript has that id. */
const struct transcript *capture_find(const struct capture *, uint64_t id);

/* --- one transcript --- */

/*
 * A standalone transcript starting now (clock_mono_ms/clock_wall_ms);
 * strings are copied, truncated to the struct's fields.  The caller frees
 * it with capture_transcript_free().
 */
struct transcript *capture_transcript_new(uint64_t id, const char *protocol,
		    const char *port_name, int port, const char *peer);
void		 capture_transcript_free(struct transcript *);
/*
 * A command (IN) or reply (OUT) line without its ending; flags are
 * FRAME_* and CONN_IO_SECRET.  Ignored once the transcript has ended.
 */
void		 capture_transcript_line(struct transcript *, enum conn_dir,
		    const char *p, size_t len, unsigned flags);
/*
 * Message or literal bytes (CONN_IO_DATA, FRAME_DATA) or dropped input
 * (CONN_IO_DROPPED).  Runs in one direction join one TEV_DATA event.  A
 * FRAME_END item that is empty or only a line ending, after data or a
 * reply, is the DATA terminator: recorded as a client line ".".
 */
void		 capture_transcript_data(struct transcript *, enum conn_dir,
		    const char *p, size_t len, unsigned flags);
/* A named event; "tls-start" with "VERSION CIPHER" also sets tls_*. */
void		 capture_transcript_event(struct transcript *,
		    const char *name, const char *detail);
/* Records the "close" event; later calls and records are ignored. */
void		 capture_transcript_end(struct transcript *,
		    const char *reason);
/* Copy the envelope of msg (at most CAPTURE_MSGS_MAX per transcript). */
void		 capture_transcript_note_message(struct transcript *,
		    const struct store_msg *);

/* Name of a TEV_EVENT (borrowed from the log, valid while t is). */
const char	*capture_tevent_name(const struct transcript *,
		    const struct tevent *);

/*
 * A secret line as it may be shown: "AUTH PLAIN ********" (heap,
 * NUL-terminated, length in *len_r).  Every writer of client lines that
 * carry CONN_IO_SECRET uses it: transcripts, findings, reports.
 */
char		*capture_redact(const char *p, size_t len, size_t *len_r);

/*
 * JSON text of one transcript (heap, compact; caller frees).  redact hides
 * the arguments of secret lines as "********"; the transcript itself keeps
 * the real bytes.
 */
char		*capture_transcript_json(const struct transcript *,
		    bool redact);
/*
 * The same as a cJSON object (the caller owns it and deletes it or adds
 * it to a tree), for writers that embed transcripts (reports/).
 */
struct cJSON	*capture_transcript_cjson(const struct transcript *,
		    bool redact);
/*
 * Parse that JSON back (text need not be NUL-terminated).  NULL with a
 * message in err (size bytes) on malformed or over-limit input.
 */
struct transcript *capture_transcript_parse(const char *text, size_t len,
		    char *err, size_t size);

#endif
