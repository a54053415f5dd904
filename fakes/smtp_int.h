/*
 * smtp_int.h: what smtp.c (session, command table, dispatcher) and
 * smtp_tx.c (MAIL, RCPT, DATA, BDAT and delivery) share.  Private to the
 * SMTP fake; nothing outside fakes/smtp*.c includes it.
 *
 * The session owns its transaction, its SASL exchange and its line copy;
 * the conn owns the session (conn_set_data) and frees it through
 * smtp_proto.on_close.
 */
#ifndef MAILRIG_SMTP_INT_H
#define MAILRIG_SMTP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "fakes/base/buf.h"
#include "fakes/base/defs.h"
#include "fakes/base/limits.h"
#include "fakes/conn.h"
#include "fakes/smtp.h"
#include "fakes/smtp_addr.h"

/* Coarse states (STYLE 3.3); everything finer is a flag or the tx. */
enum smtp_state {
	SMTP_S_GREETING,	/* greeted, no HELO/EHLO yet */
	SMTP_S_READY,		/* HELO/EHLO done, no transaction */
	SMTP_S_MAIL,		/* MAIL accepted, no recipient yet */
	SMTP_S_RCPT,		/* at least one recipient */
	SMTP_S_DATA,		/* reading DATA lines up to "." */
	SMTP_S_BDAT,		/* reading a BDAT chunk */
	SMTP_S_AUTH,		/* inside a SASL exchange */
	SMTP_S_TLS,		/* 220 sent to STARTTLS, handshake pending */
	SMTP_S_QUIT,		/* closing; input is ignored */
	SMTP_S__COUNT
};

#define SMTP_SM(s)	(1u << (s))
/* The states in which command lines are dispatched. */
#define SMTP_SM_CMD	(SMTP_SM(SMTP_S_GREETING) | SMTP_SM(SMTP_S_READY) | \
			    SMTP_SM(SMTP_S_MAIL) | SMTP_SM(SMTP_S_RCPT))
#define SMTP_SM_TX	(SMTP_SM(SMTP_S_MAIL) | SMTP_SM(SMTP_S_RCPT))

/* Session flags. */
#define SMTP_F_EHLO	0x01	/* EHLO accepted: extensions in effect */
#define SMTP_F_HELO	0x02	/* HELO accepted: plain RFC 5321 only */
#define SMTP_F_AUTHED	0x04	/* AUTH succeeded (RFC 4954 4) */

/* Transaction flags. */
#define SMTP_TX_BINARYMIME	0x01	/* BODY=BINARYMIME: BDAT only */
#define SMTP_TX_BDAT		0x02	/* a BDAT chunk was taken: no DATA */
#define SMTP_TX_SMTPUTF8	0x04	/* MAIL carried SMTPUTF8 */
#define SMTP_TX_E_SIZE		0x10	/* sticky: message over the cap */
#define SMTP_TX_E_LINE		0x20	/* sticky: DATA line over the cap */

/* Rows of the command table; counters are indexed by these. */
enum smtp_cmd_id {
	SMTP_CMD_HELO,
	SMTP_CMD_EHLO,
	SMTP_CMD_MAIL,
	SMTP_CMD_RCPT,
	SMTP_CMD_DATA,
	SMTP_CMD_BDAT,
	SMTP_CMD_RSET,
	SMTP_CMD_NOOP,
	SMTP_CMD_QUIT,
	SMTP_CMD_VRFY,
	SMTP_CMD_EXPN,
	SMTP_CMD_HELP,
	SMTP_CMD_STARTTLS,
	SMTP_CMD_AUTH,
	SMTP_CMD__COUNT
};

/* Alive from MAIL to the end of the transaction. */
struct smtp_tx {
	struct store_msg *msg;		/* owned; the envelope so far */
	unsigned	 flags;		/* SMTP_TX_* */
	size_t		 nrcpts;
	struct buf	 data;		/* owned; the body, max = size cap */
};

/* A BDAT command between its line and the end of its chunk. */
struct smtp_bdat {
	uint64_t	 size;		/* announced chunk size */
	bool		 last;		/* LAST given */
	int		 deny_code;	/* 0: accepted, else the reply after
					   the chunk */
	const char	*deny_esc;	/* static */
	const char	*deny_text;	/* static */
	enum smtp_state	 prev;		/* state to return to */
};

struct smtp_session {
	struct conn	*conn;		/* borrowed; owns this session */
	const struct smtp_conf *conf;	/* borrowed from the port */
	enum smtp_state	 state;
	unsigned	 flags;		/* SMTP_F_* */
	unsigned	 errors;	/* protocol errors so far */
	char		 helo[SMTP_HELO_MAX + 1];
	char		*auth_user;	/* owned; NULL until AUTH succeeds */
	struct sasl	*sasl;		/* owned; only in SMTP_S_AUTH */
	struct smtp_tx	*tx;		/* owned; NULL outside a transaction */
	struct smtp_bdat bdat;
	struct buf	 line;		/* owned; NUL-terminated command copy */
	struct smtp_path path;		/* MAIL/RCPT path, from check to
					   proceed; params point into line */
	unsigned	 path_tx;	/* SMTP_TX_* the MAIL params ask for */
	unsigned	 counts[SMTP_CMD__COUNT]; /* commands seen, per row */
};

/* smtp.c */
void	smtp_enter_state(struct smtp_session *, enum smtp_state);
const char *smtp_state_name(enum smtp_state);
/* One reply line; esc (RFC 3463 code) is dropped without the extension. */
void	smtp_reply(struct smtp_session *, int code, const char *esc,
	    const char *, ...) ATTR_PRINTF(4, 5);
/* The same, counted as a protocol error; may close the session. */
void	smtp_error(struct smtp_session *, int code, const char *esc,
	    const char *, ...) ATTR_PRINTF(4, 5);
/*
 * Ask the scenario's rules about this step (conn_ask).  true if a rule
 * replaced the reply: it has been sent and the step must not go on.
 */
bool	smtp_rules(struct smtp_session *, enum conn_stage, const char *verb,
	    const char *args);
uint64_t smtp_size_max(const struct smtp_session *);
bool	smtp_ext(const struct smtp_session *, unsigned);

/* smtp_tx.c: the transaction commands, check/proceed pairs. */
bool	smtp_check_mail(struct smtp_session *, const char *);
void	smtp_proceed_mail(struct smtp_session *, const char *);
bool	smtp_check_rcpt(struct smtp_session *, const char *);
void	smtp_proceed_rcpt(struct smtp_session *, const char *);
bool	smtp_check_data(struct smtp_session *, const char *);
void	smtp_proceed_data(struct smtp_session *, const char *);
bool	smtp_check_bdat(struct smtp_session *, const char *);
void	smtp_proceed_bdat(struct smtp_session *, const char *);
/* DATA lines and BDAT chunks, in SMTP_S_DATA / SMTP_S_BDAT. */
void	smtp_tx_data_item(struct smtp_session *, const struct frame_item *);
void	smtp_tx_bdat_item(struct smtp_session *, const struct frame_item *);
/* Forget the transaction without storing anything (RFC 5321 4.1.1.5). */
void	smtp_tx_free(struct smtp_session *);

#endif
