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

enum tevent_kind {
	TEV_LINE,	/* a command or reply line */
	TEV_DATA,	/* a run of message / literal bytes */
	TEV_EVENT,	/* a named event: tls-start, close, ... */
	TEV__COUNT
};

struct tevent {
	uint64_t	 t_ms;		/* since session start */
	enum tevent_kind kind;
	char		 dir;		/* 'c' client, 's' server, 0 events */
	unsigned	 flags;		/* FRAME_* | CONN_IO_* */
	size_t		 off;		/* into transcript.log */
	size_t		 len;		/* bytes kept in the log */
	uint64_t	 bytes;		/* TEV_DATA: bytes seen (may be > len) */
	uint64_t	 lines;		/* TEV_DATA: lines seen */
	size_t		 name_off;	/* TEV_EVENT: name at log+name_off */
};

struct transcript {
	uint64_t	 id;		/* conn_id */
	char		 protocol[16];	/* "smtp" */
	char		 port_name[16];	/* "submission" */
	int		 port;
	char		 peer[64];
	int64_t		 started_wall;	/* ms since epoch */
	uint64_t	 started_mono;
	uint64_t	 ended_mono;	/* 0 while open */
	bool		 tls;		/* TLS was active at some point */
	char		 tls_version[32];
	char		 tls_cipher[64];
	char		*close_reason;	/* owned; NULL while open */
	struct buf	 log;		/* owned byte log */
	struct tevent	*ev;		/* owned array */
	size_t		 nev;
	size_t		 evcap;
	uint64_t	 data_kept;	/* data bytes kept so far */
};

struct capture;

/*
 * dir: NULL to keep transcripts only in memory, else a directory (created
 * if missing) that receives session-<id>.json when each session ends.
 */
struct capture	*capture_new(const char *dir, const char **error_r);
void		 capture_free(struct capture *);
/* Hooks for conn_env_set_hooks; borrowed, valid while the capture is. */
const struct conn_hooks *capture_hooks(struct capture *);

/* Finished and open transcripts, in start order. */
size_t		 capture_count(const struct capture *);
const struct transcript *capture_get(const struct capture *, size_t i);

/* JSON text of one transcript (heap; caller frees). redact hides SECRET
   lines' arguments as "********". */
char		*capture_transcript_json(const struct transcript *, bool redact);
/* Parse that JSON back; NULL with a message in err on failure. */
struct transcript *capture_transcript_parse(const char *text, size_t len,
		    char *err, size_t size);
void		 capture_transcript_free(struct transcript *);

#endif
