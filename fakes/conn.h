/*
 * conn.h: the connection layer shared by SMTP, POP3 and IMAP (our
 * "pingpong", STYLE 3.2).  It owns the socket's bufferevent, TLS (implicit
 * and in-session upgrade), the framer, the idle timeout, the session cap,
 * pause/resume, close-after-flush, and the two choke points: every byte
 * read passes conn_process(), every byte written passes conn_reply() or
 * conn_write_*().  The harness watches both through struct conn_hooks, so
 * fakes/ never calls capture or rules directly.
 *
 * Lifetime: a conn is freed only by the conn layer.  Protocol code calls
 * conn_close() or conn_close_after_flush(); the free happens when control
 * returns to the conn layer, after proto->on_close() let the protocol free
 * its session.  So a handler may keep using c until it returns.
 */
#ifndef MAILRIG_CONN_H
#define MAILRIG_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <openssl/ssl.h>

#include "fakes/base/defs.h"
#include "fakes/frame.h"

struct conn;
struct conn_env;

enum conn_dir { CONN_DIR_IN, CONN_DIR_OUT };

/* on_io flags besides the FRAME_* flags of input items. */
#define CONN_IO_SECRET	0x10000	/* credentials (SASL, PASS): redact */
#define CONN_IO_DATA	0x20000	/* bulk data written, not a reply line */
#define CONN_IO_DROPPED	0x40000	/* input thrown away (plaintext after
				   STARTTLS, input after close) */

/*
 * Where a session asks the scenario's rules what to do (DESIGN "data
 * flow"); the protocol names the stage, the conn layer asks the hook.
 */
enum conn_stage {
	CONN_ST_CONNECT,	/* accepted, before the greeting (conn asks) */
	CONN_ST_GREETING,	/* the greeting reply */
	CONN_ST_COMMAND,	/* a command: verb and args given */
	CONN_ST_DATA,		/* end of message data, before it is stored */
	CONN_ST_LITERAL,	/* IMAP literal continuation ("+ ") */
	CONN_ST_IDLE,		/* IMAP IDLE accepted */
	CONN_ST_TLS,		/* a TLS handshake is about to start (conn) */
	CONN_ST__COUNT
};

enum conn_disconnect {
	CONN_DISC_NONE,
	CONN_DISC_BEFORE,	/* close instead of replying */
	CONN_DISC_AFTER,	/* reply, then close */
	CONN_DISC_MID,		/* send half the reply, then close */
	CONN_DISC__COUNT
};

enum conn_malformed {
	CONN_MAL_NONE,
	CONN_MAL_BARE_LF,	/* lines end in LF, not CRLF */
	CONN_MAL_BAD_CONT,	/* SMTP multi-line separators swapped */
	CONN_MAL_WRONG_TAG,	/* IMAP tagged reply with another tag */
	CONN_MAL_SPLIT,		/* the reply leaves in one-byte writes */
	CONN_MAL__COUNT
};

/*
 * A rule's verdict: data only, executed by the conn layer (STYLE 3.10).
 * lines replace the protocol's own reply: the protocol sends them (IMAP
 * adds its tag to the last) and does not proceed with the command.  The
 * other fields shape the output of this step: everything the protocol
 * writes while the step runs is held, then released after delay_ms, at
 * drip_bps, broken as malformed says, or never (hang).  Borrowed from the
 * harness; valid for the whole session.
 */
struct conn_verdict {
	const char *const *lines;	/* replacement reply, or NULL */
	size_t		 nlines;
	const char *const *untagged;	/* IMAP untagged lines sent first */
	size_t		 nuntagged;
	unsigned	 delay_ms;
	unsigned	 drip_bps;	/* this step's output */
	unsigned	 throttle_bps;	/* the rest of the session */
	enum conn_disconnect disconnect;
	enum conn_malformed malformed;
	bool		 hang;
	bool		 tls_fail;	/* CONN_ST_TLS: abort the handshake */
	const char	*label;		/* "scenario.yaml:12:5", for "fault" */
};

/* Installed by the harness (capture, rules).  All may be NULL. */
struct conn_hooks {
	void	(*on_open)(void *arg, struct conn *);
	/* p is borrowed for the call only. */
	void	(*on_io)(void *arg, struct conn *, enum conn_dir,
		    const char *p, size_t len, unsigned flags);
	/* Named events: "tls-start" (detail "TLSv1.3 TLS_AES_..."),
	   "tls-end", "tls-failed" (detail: OpenSSL error text). */
	void	(*on_event)(void *arg, struct conn *, const char *name,
		    const char *detail);
	void	(*on_close)(void *arg, struct conn *, const char *reason);
	void	*arg;
	/* The rules: a verdict for this step, or NULL to go on normally.
	   verb and args are NULL except at CONN_ST_COMMAND. */
	const struct conn_verdict *(*on_ask)(void *ask_arg, struct conn *,
		    enum conn_stage, const char *verb, const char *args);
	void	*ask_arg;
};

/* One per protocol, static const. */
struct conn_proto {
	const char	*name;		/* "smtp" */
	size_t		 line_max;	/* command line cap, limits.h */
	unsigned	 idle_sec;	/* idle timeout */
	const char	*busy_reply;	/* sent when the session cap is hit */
	/* Create the session (conn_set_data) and send the greeting. */
	void	(*on_open)(struct conn *);
	/* One framed item: a line, a DATA line, a counted chunk. */
	void	(*on_item)(struct conn *, const struct frame_item *);
	/* A TLS handshake completed (STARTTLS or implicit). May be NULL. */
	void	(*on_tls)(struct conn *);
	/* Idle timeout: reply and close. */
	void	(*on_timeout)(struct conn *);
	/* The server is stopping: reply (421 / BYE) and close. */
	void	(*on_shutdown)(struct conn *);
	/* Free the session; c is still valid during the call. */
	void	(*on_close)(struct conn *, const char *reason);
};

/* What a listener hands each connection; borrowed, outlives them. */
struct conn_port {
	const struct conn_proto	*proto;
	const void		*conf;		/* protocol config */
	SSL_CTX			*tls;		/* NULL: no TLS here */
	bool			 implicit_tls;	/* RFC 8314 port */
	const char		*name;		/* "smtp", "submission", ... */
	int			 port;		/* bound port number */
	unsigned		 idle_sec;	/* 0: proto->idle_sec */
};

/* --- environment: one per server process --- */

struct conn_env	*conn_env_new(struct event_base *, unsigned sessions_max);
void		 conn_env_free(struct conn_env *);	/* closes live conns */
/* Borrowed; must outlive the env. */
void		 conn_env_set_hooks(struct conn_env *, const struct conn_hooks *);
struct event_base *conn_env_base(const struct conn_env *);
unsigned	 conn_env_sessions(const struct conn_env *);
/* Ask every live session to end (proto->on_shutdown). */
void		 conn_env_shutdown(struct conn_env *);

/* --- creation --- */

/*
 * Take an accepted socket.  Over the session cap, busy_reply is sent and
 * the socket closed; NULL is returned then.
 */
struct conn	*conn_accept(struct conn_env *, const struct conn_port *,
		    evutil_socket_t fd, const struct sockaddr *, int socklen);

/*
 * Tests: a conn without a socket.  Input is fed with conn_test_feed(),
 * output collects in conn_test_output().  When the protocol closes, the
 * conn is only marked (conn_test_closed) and freed by conn_test_free().
 */
struct conn	*conn_new_test(struct conn_env *, const struct conn_port *);
void		 conn_test_feed(struct conn *, const void *, size_t);
struct evbuffer	*conn_test_output(struct conn *);
bool		 conn_test_closed(const struct conn *);
const char	*conn_test_close_reason(const struct conn *);
void		 conn_test_free(struct conn *);

/* --- accessors --- */

uint64_t	 conn_id(const struct conn *);		/* 1, 2, ... per env */
const struct conn_port *conn_port(const struct conn *);
struct conn_env	*conn_env(const struct conn *);
const char	*conn_peer(const struct conn *);	/* "127.0.0.1:5555" */
void		*conn_data(const struct conn *);	/* protocol session */
void		 conn_set_data(struct conn *, void *);
void		*conn_hook_data(const struct conn *);	/* harness slot */
void		 conn_set_hook_data(struct conn *, void *);
bool		 conn_tls_active(const struct conn *);
const char	*conn_tls_version(const struct conn *);	/* NULL if none */
const char	*conn_tls_cipher(const struct conn *);	/* NULL if none */
uint64_t	 conn_started_ms(const struct conn *);	/* monotonic */
bool		 conn_closing(const struct conn *);

/* --- the write choke point --- */

/* One reply line; CRLF is appended.  Lines over REPLY_LINE_MAX abort. */
void	conn_reply(struct conn *, const char *, ...) ATTR_PRINTF(2, 3);
/* Bulk data (a message body), copied; captured as data. */
void	conn_write_data(struct conn *, const void *, size_t);
/* Bulk data by reference: cleanup(p, len, arg) runs once it is sent. */
void	conn_write_ref(struct conn *, const void *, size_t,
	    void (*cleanup)(const void *, size_t, void *), void *arg);
size_t	conn_output_pending(const struct conn *);
/* Called when the output has drained (backpressure); NULL to clear. */
void	conn_set_drain_cb(struct conn *, void (*)(struct conn *));

/* --- input control --- */

/* Mark following input items as credentials (CONN_IO_SECRET). */
void	conn_set_secret(struct conn *, bool);
/* Stop dispatching items; conn_resume() goes on with buffered input. */
void	conn_pause(struct conn *);
void	conn_resume(struct conn *);
/* Next items are DATA lines up to "." (RFC 5321 4.1.1.4). */
void	conn_expect_dot(struct conn *);
/* Next items are n raw bytes (BDAT, IMAP literal). */
void	conn_expect_bytes(struct conn *, uint64_t n);

/*
 * Upgrade to TLS after the protocol has queued its go-ahead reply.  Input
 * already received after the command is recorded (CONN_IO_DROPPED) and
 * thrown away (RFC 3207 4.2 / Postfix).  on_tls() runs after the
 * handshake.  Returns -1 if the port has no TLS context.
 */
int	conn_starttls(struct conn *) ATTR_WUR;

/*
 * Ask the rules about this step.  NULL: go on as usual.  Otherwise the
 * step's output is held until control returns to the conn layer, and the
 * verdict is applied then; if verdict->lines is set the protocol sends
 * those instead of its own reply and does not carry out the command.  A
 * "fault" event names the rule in the transcript.
 */
const struct conn_verdict *conn_ask(struct conn *, enum conn_stage,
	    const char *verb, const char *args);
/* Record a named event in the transcript (hooks' on_event). */
void	conn_event(struct conn *, const char *name, const char *detail);

/* The authenticated user, for rules that match on it (copied). */
void	conn_set_user(struct conn *, const char *);
const char *conn_user(const struct conn *);	/* NULL before AUTH */

/* Run cb once after ms milliseconds (one timer per conn; replaces any). */
void	conn_after(struct conn *, unsigned ms, void (*cb)(struct conn *));

/* --- closing --- */

/* Close now, discarding unsent output. */
void	conn_close(struct conn *, const char *reason);
/* Stop reading, send what is queued, then close. */
void	conn_close_after_flush(struct conn *, const char *reason);

#endif
