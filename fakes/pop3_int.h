/*
 * pop3_int.h: what pop3.c (session, command table, dispatcher) and
 * pop3_out.c (the dot-stuffing RETR/TOP writer) share.  Private to the
 * POP3 fake and its unit tests.
 *
 * The conn owns the session (conn_set_data) and frees it through
 * pop3_proto.on_close; the session owns its SASL exchange, its line copy,
 * its maildrop snapshot (one message reference per entry) and the writer
 * state, and holds the maildrop lock of RFC 1939 8 while in TRANSACTION.
 */
#ifndef MAILRIG_POP3_INT_H
#define MAILRIG_POP3_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fakes/base/buf.h"
#include "fakes/base/defs.h"
#include "fakes/base/limits.h"
#include "fakes/pop3.h"

/* The states of RFC 1939 3, plus the short waits between them. */
enum pop3_state {
	POP3_S_AUTHORIZATION,	/* greeted, not logged in */
	POP3_S_TRANSACTION,	/* maildrop locked, snapshot taken */
	POP3_S_UPDATE,		/* QUIT in TRANSACTION: deletions applied,
				   closing */
	POP3_S_SASL,		/* inside an AUTH exchange (RFC 5034 4) */
	POP3_S_TLS,		/* +OK sent to STLS, handshake pending */
	POP3_S_QUIT,		/* closing without UPDATE */
	POP3_S__COUNT
};

#define POP3_SM(s)	(1u << (s))

/* Rows of the command table; counters are indexed by these. */
enum pop3_cmd_id {
	POP3_CMD_USER,
	POP3_CMD_PASS,
	POP3_CMD_APOP,
	POP3_CMD_AUTH,
	POP3_CMD_STLS,
	POP3_CMD_CAPA,
	POP3_CMD_QUIT,
	POP3_CMD_STAT,
	POP3_CMD_LIST,
	POP3_CMD_RETR,
	POP3_CMD_DELE,
	POP3_CMD_NOOP,
	POP3_CMD_RSET,
	POP3_CMD_TOP,
	POP3_CMD_UIDL,
	POP3_CMD__COUNT
};

/* APOP timestamp (RFC 1939 7) with its brackets. */
#define POP3_TIMESTAMP_MAX	256

/* One message of the maildrop snapshot, numbered from 1 by position. */
struct pop3_msg {
	struct store_msg *msg;		/* owned reference */
	uint32_t	 uid;		/* INBOX UID, for UIDL and UPDATE */
	size_t		 size;		/* octets RETR sends (pop3_out_size) */
	bool		 deleted;	/* DELE'd, undone by RSET */
};

/* A RETR or TOP in flight, resumed by the drain callback. */
struct pop3_out {
	struct store_msg *msg;		/* owned reference while active */
	size_t		 off;		/* next byte of msg->data to send */
	size_t		 end;		/* stop here (TOP: before the body's
					   line n+1) */
	bool		 bol;		/* off is at a line start */
	bool		 crlf;		/* end is not after LF: add CRLF */
	bool		 active;
	bool		 paused;	/* we paused the conn's input */
};

struct pop3_session {
	struct conn	*conn;		/* borrowed; owns this session */
	const struct pop3_conf *conf;	/* borrowed from the port */
	enum pop3_state	 state;
	unsigned	 errors;	/* protocol errors so far */
	bool		 have_user;	/* USER accepted, PASS may follow */
	bool		 secret;	/* the next line is a PASS: redact */
	char		 user[SASL_USER_MAX + 1];	/* from USER */
	char		 timestamp[POP3_TIMESTAMP_MAX];	/* APOP, "" if off */
	struct sasl	*sasl;		/* owned; only in POP3_S_SASL */
	struct store_user *suser;	/* borrowed from the store; set
					   while the lock is held */
	uint32_t	 uidvalidity;	/* of the INBOX at login */
	struct pop3_msg	*msgs;		/* owned array, nmsgs used */
	size_t		 nmsgs;
	struct pop3_out	 out;
	struct buf	 line;		/* owned; NUL-terminated command copy */
	unsigned	 counts[POP3_CMD__COUNT]; /* commands seen, per row */
};

/* pop3.c */
const char *pop3_state_name(enum pop3_state);
const char *pop3_cmd_verb(enum pop3_cmd_id);

/* pop3_out.c */
/*
 * The octets RETR sends for a message of len bytes, before byte-stuffing
 * (RFC 1939 11): the stored bytes, plus CRLF when the last line lacks
 * its line ending, since the terminating "." must start a line.
 */
size_t	pop3_out_size(const char *p, size_t len);
/*
 * Where TOP msg n stops (RFC 1939 7): after the header, the empty line
 * that ends it and n body lines; len if the message is shorter or has no
 * empty line.
 */
size_t	pop3_out_top_end(const char *p, size_t len, uint64_t n);
/*
 * Send msg->data[0..end) byte-stuffed, then the terminating ".".  The
 * positive reply must be queued already.  Stops after POP3_OUT_CHUNK
 * queued bytes, pauses the conn's input and goes on from the drain
 * callback, so pipelined commands wait for the end of the message.
 */
void	pop3_out_start(struct pop3_session *, struct store_msg *, size_t end);
/* The drain callback (the tests call it after taking the output). */
void	pop3_out_drain(struct conn *);
/* Forget a transfer in flight (session end); no-op when idle. */
void	pop3_out_stop(struct pop3_session *);

#endif
