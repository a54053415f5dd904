/*
 * imap_int.h: what the IMAP session (imap.c: session, command table,
 * dispatcher, replies, mailbox view and its untagged updates) and the
 * command files share: imap_cmd_auth.c (any-state and not-authenticated
 * commands), imap_cmd_box.c (mailbox commands of the authenticated
 * state), imap_cmd_msg.c (selected-state message commands).  Private to
 * the IMAP fake.
 *
 * The conn owns the session (conn_set_data) and frees it through
 * imap_proto.on_close; the session owns its parser, the command in
 * flight, the SASL exchange and the view of the selected mailbox.
 */
#ifndef MAILRIG_IMAP_INT_H
#define MAILRIG_IMAP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

#include "fakes/base/buf.h"
#include "fakes/base/defs.h"
#include "fakes/base/limits.h"
#include "fakes/imap.h"
#include "fakes/imap_arg.h"
#include "fakes/imap_fetch.h"
#include "fakes/imap_parser.h"
#include "fakes/imap_seq.h"

/* RFC 3501 3: the states; LOGOUT also covers "closing". */
enum imap_state {
	IMAP_S_NOT_AUTH,
	IMAP_S_AUTH,
	IMAP_S_SELECTED,
	IMAP_S_LOGOUT,
	IMAP_S__COUNT
};

#define IMAP_SM(s)	(1u << (s))
#define IMAP_SM_ANY	(IMAP_SM(IMAP_S_NOT_AUTH) | IMAP_SM(IMAP_S_AUTH) | \
			    IMAP_SM(IMAP_S_SELECTED))
#define IMAP_SM_AUTHED	(IMAP_SM(IMAP_S_AUTH) | IMAP_SM(IMAP_S_SELECTED))

/* Rows of the command table; counters are indexed by these. */
enum imap_cmd_id {
	IMAP_CMD_CAPABILITY,
	IMAP_CMD_NOOP,
	IMAP_CMD_LOGOUT,
	IMAP_CMD_STARTTLS,
	IMAP_CMD_AUTHENTICATE,
	IMAP_CMD_LOGIN,
	IMAP_CMD_ID,
	IMAP_CMD_ENABLE,
	IMAP_CMD_NAMESPACE,
	IMAP_CMD_SELECT,
	IMAP_CMD_EXAMINE,
	IMAP_CMD_CREATE,
	IMAP_CMD_DELETE,
	IMAP_CMD_RENAME,
	IMAP_CMD_SUBSCRIBE,
	IMAP_CMD_UNSUBSCRIBE,
	IMAP_CMD_LIST,
	IMAP_CMD_LSUB,
	IMAP_CMD_STATUS,
	IMAP_CMD_APPEND,
	IMAP_CMD_IDLE,
	IMAP_CMD_CHECK,
	IMAP_CMD_CLOSE,
	IMAP_CMD_UNSELECT,
	IMAP_CMD_EXPUNGE,
	IMAP_CMD_SEARCH,
	IMAP_CMD_FETCH,
	IMAP_CMD_STORE,
	IMAP_CMD_COPY,
	IMAP_CMD_MOVE,
	IMAP_CMD_UID,
	IMAP_CMD__COUNT
};

struct imap_session;
struct imap_cmd;

typedef void imap_cmd_fn(struct imap_session *, struct imap_cmd *);

/* Command flags. */
#define IMAP_C_UID	0x01	/* may follow UID (RFC 3501 6.4.8) */
#define IMAP_C_NOEXPUNGE 0x02	/* no EXPUNGE responses while it runs nor
				   right after it (RFC 3501 7.4.1); not
				   for its UID form */

struct imap_cmd_def {
	const char	*verb;
	unsigned	 states;	/* IMAP_SM() mask */
	unsigned	 cap;		/* IMAP_CAP_* needed, 0: always */
	unsigned	 flags;		/* IMAP_C_* */
	unsigned	 nargs_min;	/* after the name */
	unsigned	 nargs_max;
	imap_cmd_fn	*proceed;
};

/* A FETCH between its start and its last response (backpressure). */
struct imap_fetch_job {
	struct imap_fetch_spec	*spec;		/* owned */
	size_t			*idx;		/* owned: view indexes, n */
	size_t			 n;
	size_t			 next;
	bool			 seen;		/* sets \Seen */
	bool			 paused;	/* input paused for the drain */
	struct imap_fetch_out	 out;		/* owned */
};

/* One tagged command in flight (STYLE 3.3). */
struct imap_cmd {
	char			 tag[IMAP_TAG_MAX + 1];
	char			 name[24];	/* "UID FETCH", for replies */
	enum imap_cmd_id	 id;
	const struct imap_cmd_def *def;
	const struct imap_arg	*args;		/* borrowed from the parser
						   until the command ends */
	size_t			 nargs;
	bool			 uid;		/* UID form */
	struct imap_fetch_job	*fetch;		/* owned, FETCH only */
	/* A rule's untagged lines, sent right before the tagged status so
	   they follow the command's own (imap_rules); borrowed. */
	const struct conn_verdict *inject;
};

/* A message as this session sees it (RFC 3501 2.3.1.2). */
struct imap_vmsg {
	uint32_t	 uid;
	unsigned	 flags;		/* last reported, without RECENT */
	uint64_t	 keywords;	/* last reported */
	bool		 recent;	/* this session holds \Recent */
	bool		 expunged;	/* gone from the store, not yet
					   reported */
};

struct imap_session {
	struct conn		*conn;		/* borrowed; owns this */
	const struct imap_conf	*conf;		/* borrowed from the port */
	enum imap_state		 state;
	unsigned		 errors;	/* protocol errors so far */
	struct imap_parser	*parser;	/* owned */
	struct imap_cmd		*cmd;		/* owned; in flight or NULL */
	struct sasl		*sasl;		/* owned; AUTHENTICATE only */
	bool			 idling;	/* IDLE until DONE */
	struct store_user	*user;		/* borrowed from the store */
	char			*login;		/* owned */
	struct event		*ev_sync;	/* owned; deferred updates */
	struct buf		 line;		/* owned; raw lines, replies */
	struct buf		 rargs;		/* owned; arguments as text for
						   the rules */
	char			**ghosts;	/* owned, nghosts: subscribed
						   names with no mailbox */
	size_t			 nghosts;

	/* the selected mailbox */
	struct store_box	*box;		/* borrowed while watched; NULL
						   if none or deleted */
	char			*box_name;	/* owned; UTF-8 */
	struct store_watch	 watch;
	bool			 readonly;	/* EXAMINE */
	bool			 dirty;		/* the store changed */
	bool			 gone;		/* mailbox deleted under us */
	struct imap_vmsg	*msgs;		/* owned, nmsgs used */
	size_t			 nmsgs;
	size_t			 msgs_cap;
	uint32_t		 uid_last;	/* highest UID in the view */
	size_t			 nkeywords;	/* announced in FLAGS */

	unsigned		 counts[IMAP_CMD__COUNT];
};

/* imap.c: replies and completion. */
void	imap_untagged(struct imap_session *, const char *, ...)
	    ATTR_PRINTF(2, 3);
/* A possibly long line (no CRLF in b): conn_reply or bulk data. */
void	imap_write_line(struct imap_session *, const struct buf *);
/* Tagged OK / NO, after the untagged updates the RFC allows here. */
void	imap_ok(struct imap_session *, struct imap_cmd *, const char *, ...)
	    ATTR_PRINTF(3, 4);
void	imap_no(struct imap_session *, struct imap_cmd *, const char *, ...)
	    ATTR_PRINTF(3, 4);
/* Tagged BAD, counted as a protocol error; may end the session. */
void	imap_bad(struct imap_session *, struct imap_cmd *, const char *, ...)
	    ATTR_PRINTF(3, 4);
/* Untagged BYE (text NULL: none) and close once it is sent. */
void	imap_bye(struct imap_session *, const char *reason, const char *text);
/* Ask the rules (conn_ask); true if the reply was replaced (sent). */
bool	imap_rules(struct imap_session *, struct imap_cmd *, enum conn_stage,
	    const char *verb, const char *args);
void	imap_enter_state(struct imap_session *, enum imap_state);
const char *imap_state_name(enum imap_state);
/* The CAPABILITY list for this session now, into b. */
void	imap_capabilities(struct imap_session *, struct buf *b);
bool	imap_cap(const struct imap_session *, unsigned);
void	imap_set_limits(struct imap_session *);
const struct sasl_creds *imap_creds(const struct imap_session *);

/* imap.c: arguments. */
/* ATOM, STRING or LITERAL as a NUL-terminated string (RFC 3501 astring). */
bool	imap_arg_astring(const struct imap_arg *, const char **s_r);
bool	imap_arg_atom(const struct imap_arg *, const char *word);
/* A mailbox name from the wire (mUTF-7) as UTF-8 in s->line. */
bool	imap_arg_mailbox(struct imap_session *, const struct imap_arg *,
	    const char **name_r);
/* Append a UTF-8 name as a quoted mUTF-7 string to b. */
int	imap_append_mailbox(struct buf *, const char *) ATTR_WUR;

/* imap.c: the selected mailbox. */
void	imap_select(struct imap_session *, struct store_box *, bool readonly);
void	imap_unselect(struct imap_session *);
/*
 * Send EXPUNGE, FETCH FLAGS, EXISTS and RECENT for changes since the last
 * call; EXPUNGE only if expunge.  Claims \Recent for new messages.
 */
void	imap_sync(struct imap_session *, bool expunge);
/* The entry of view message i (0-based), or NULL if it is expunged. */
const struct store_entry *imap_view_entry(struct imap_session *, size_t i);
/* "* FLAGS" and "* OK [PERMANENTFLAGS]" for the selected mailbox. */
void	imap_send_flags(struct imap_session *);
/*
 * Resolve a sequence set (uid: a UID set) against the view: the matching
 * 0-based view indexes in ascending order (caller frees) and their
 * count.  false after a BAD reply for an invalid set.
 */
bool	imap_view_match(struct imap_session *, struct imap_cmd *,
	    const struct imap_arg *, bool uid, size_t **idx_r, size_t *n_r);

/* imap_cmd_auth.c */
imap_cmd_fn	imap_cmd_capability;
imap_cmd_fn	imap_cmd_noop;
imap_cmd_fn	imap_cmd_logout;
imap_cmd_fn	imap_cmd_starttls;
imap_cmd_fn	imap_cmd_authenticate;
imap_cmd_fn	imap_cmd_login;
imap_cmd_fn	imap_cmd_id;
imap_cmd_fn	imap_cmd_enable;
imap_cmd_fn	imap_cmd_namespace;
/* A line of the AUTHENTICATE exchange. */
void	imap_auth_line(struct imap_session *, const struct frame_item *);
void	imap_auth_end(struct imap_session *);

/* imap_cmd_box.c */
imap_cmd_fn	imap_cmd_select;
imap_cmd_fn	imap_cmd_create;
imap_cmd_fn	imap_cmd_delete;
imap_cmd_fn	imap_cmd_rename;
imap_cmd_fn	imap_cmd_subscribe;
imap_cmd_fn	imap_cmd_list;
imap_cmd_fn	imap_cmd_status;
imap_cmd_fn	imap_cmd_append;
imap_cmd_fn	imap_cmd_idle;
imap_cmd_fn	imap_cmd_check;
imap_cmd_fn	imap_cmd_close;
/* A line while idling (RFC 2177: "DONE"). */
void	imap_idle_line(struct imap_session *, const struct frame_item *);
/* Whether name is in the session's list of subscribed absent names. */
bool	imap_ghost_find(struct imap_session *, const char *, size_t *);
void	imap_ghost_add(struct imap_session *, const char *);
void	imap_ghost_del(struct imap_session *, size_t);
/* RFC 3501 9 date-time to epoch ms; false if malformed. */
bool	imap_parse_date_time(const char *, int64_t *ms_r);

/* imap_cmd_msg.c */
imap_cmd_fn	imap_cmd_expunge;
imap_cmd_fn	imap_cmd_search;
imap_cmd_fn	imap_cmd_fetch;
imap_cmd_fn	imap_cmd_store;
imap_cmd_fn	imap_cmd_copy;
/* NULL is a no-op; bytes already queued keep their own references. */
void	imap_fetch_job_free(struct imap_fetch_job *);

#endif
