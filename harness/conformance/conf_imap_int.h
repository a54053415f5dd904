/*
 * conf_imap_int.h: what the IMAP tracker (conf_imap.c) shares with the
 * IMAP rule checks (conf_imap_rule.c): the tracker's state, the command
 * and capability vocabulary, and the checks the rule table points at.
 * Rules read the state; only the tracker changes it.
 */
#ifndef MAILRIG_CONF_IMAP_INT_H
#define MAILRIG_CONF_IMAP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fakes/imap_arg.h"
#include "fakes/imap_parser.h"
#include "harness/conformance/conf.h"
enum conf_imap_verb {
	CI_V_NONE,
	CI_V_CAPABILITY, CI_V_NOOP, CI_V_LOGOUT, CI_V_STARTTLS,
	CI_V_AUTHENTICATE, CI_V_LOGIN, CI_V_SELECT, CI_V_EXAMINE,
	CI_V_CREATE, CI_V_DELETE, CI_V_RENAME, CI_V_SUBSCRIBE,
	CI_V_UNSUBSCRIBE, CI_V_LIST, CI_V_LSUB, CI_V_STATUS, CI_V_APPEND,
	CI_V_CHECK, CI_V_CLOSE, CI_V_EXPUNGE, CI_V_SEARCH, CI_V_FETCH,
	CI_V_STORE, CI_V_COPY, CI_V_MOVE, CI_V_UID, CI_V_IDLE, CI_V_ENABLE,
	CI_V_NAMESPACE, CI_V_ID, CI_V_UNSELECT, CI_V_GETQUOTA,
	CI_V_GETQUOTAROOT, CI_V_COMPRESS, CI_V_XLIST, CI_V_OTHER,
	CI_V__COUNT
};

/* What the current event is. */
enum conf_imap_kind {
	CI_K_REPLY,	/* a server line */
	CI_K_SDATA,	/* server literal bytes */
	CI_K_EVENT,
	CI_K_PART,	/* a client line ending in a literal header */
	CI_K_CMD,	/* the client line that completes a command */
	CI_K_LITERAL,	/* client literal bytes */
	CI_K_SASL,	/* a response inside AUTHENTICATE */
	CI_K_DONE,	/* "DONE" */
	CI_K_IDLE_CMD,	/* another line while IDLE is active */
	CI_K_DROPPED,	/* input thrown away at STARTTLS */
	CI_K__COUNT
};

enum conf_imap_state {
	CI_S_NOT_AUTH, CI_S_AUTH, CI_S_SELECTED, CI_S__COUNT
};

/* Capabilities (RFC 3501 7.2.1) the rules depend on. */
#define CI_CAP_STARTTLS		0x00001
#define CI_CAP_LOGINDISABLED	0x00002
#define CI_CAP_SASL_IR		0x00004
#define CI_CAP_LITERAL_PLUS	0x00008
#define CI_CAP_LITERAL_MINUS	0x00010
#define CI_CAP_IDLE		0x00020
#define CI_CAP_UIDPLUS		0x00040
#define CI_CAP_MOVE		0x00080
#define CI_CAP_ENABLE		0x00100
#define CI_CAP_NAMESPACE	0x00200
#define CI_CAP_ID		0x00400
#define CI_CAP_UNSELECT		0x00800
#define CI_CAP_QUOTA		0x01000
#define CI_CAP_COMPRESS		0x02000
#define CI_CAP_XLIST		0x04000
#define CI_CAP_UTF8		0x08000
#define CI_CAP_SEARCH_EXT	0x10000	/* adds search keys or RETURN */
#define CI_CAP_FETCH_EXT	0x20000	/* adds fetch items or modifiers */

/* SASL mechanisms named by AUTH= (RFC 3501 6.1.1). */
#define CI_MECH_PLAIN		0x01
#define CI_MECH_LOGIN		0x02
#define CI_MECH_CRAM_MD5	0x04
#define CI_MECH_XOAUTH2		0x08
#define CI_MECH_OTHER		0x10

/* Verb flags. */
#define CI_F_SEQ	0x01	/* the first argument is a sequence set */
#define CI_F_UIDOK	0x02	/* may follow UID (RFC 3501 6.4.8) */
#define CI_F_NOEXP	0x04	/* no EXPUNGE while it runs (5.5) */
#define CI_F_MAILBOX	0x08	/* the first argument is a mailbox */
#define CI_F_MAILBOX2	0x10	/* so is the second */

#define CI_SM(s)	(1U << (s))
#define CI_SM_ANY	(CI_SM(CI_S_NOT_AUTH) | CI_SM(CI_S_AUTH) | \
	    CI_SM(CI_S_SELECTED))
#define CI_SM_AUTHED	(CI_SM(CI_S_AUTH) | CI_SM(CI_S_SELECTED))

#define CI_ANY		(-1)	/* no upper bound on arguments */
#define CI_TAG_KEEP	64	/* bytes of a tag kept for comparison */
#define CI_WIN_MAX	64	/* commands remembered as in progress */
#define CI_LINE_SHOULD	8192	/* RFC 7162 4 */
#define CI_IDLE_MS	(29ULL * 60 * 1000)	/* RFC 2177 3 */

struct conf_imap_verb_def {
	const char	*name;
	unsigned	 states;	/* CI_SM() mask */
	unsigned	 cap;		/* CI_CAP_* needed, 0 for none */
	unsigned	 flags;		/* CI_F_* */
	int		 nmin;		/* arguments after the verb */
	int		 nmax;
};

struct conf_imap_mech {
	const char	*name;
	unsigned	 bit;
};

/* A command the client has sent, as the client knew it. */
struct conf_imap_sent {
	char		 tag[CI_TAG_KEEP];
	enum conf_imap_verb verb;
	bool		 uid;
	bool		 done;		/* its tagged response was seen */
	bool		 selected;	/* a mailbox was selected when sent */
};

struct conf_imap {
	/* the current event, set by classify */
	enum conf_imap_kind kind;
	const char	*line;		/* client or server line text */
	size_t		 len;
	/* the command completed by this event (CI_K_CMD) */
	enum conf_imap_verb verb;	/* UID's sub-command when uid */
	bool		 uid;
	char		 tag[CI_TAG_KEEP];
	struct imap_parser *parser;	/* owned from classify to advance */
	enum imap_parse_err perr;
	const struct imap_arg *args;	/* after the verb; borrowed */
	size_t		 nargs;
	size_t		 cmd_first;	/* its first line */
	bool		 cmd_pipelined;	/* its first line was */
	bool		 cmd_spaces;	/* a missing or extra space */
	bool		 cmd_8bit;	/* outside literals */
	size_t		 cmd_linemax;	/* longest line, literals apart */
	bool		 cmd_toolong;	/* a line passed the server's cap */
	bool		 cmd_nonsync;	/* a {n+} literal */
	uint64_t	 cmd_nonsync_max;
	/* session */
	bool		 greeted;
	unsigned	 caps;		/* this TLS epoch's last list */
	unsigned	 mechs;
	bool		 caps_seen;	/* a list was seen in this epoch */
	unsigned	 old_caps;	/* the last list before STARTTLS */
	bool		 starttls_sent;
	bool		 after_starttls;
	bool		 starttls_offered;
	bool		 tls;
	bool		 tls_fresh;	/* STARTTLS done, no command yet */
	bool		 tls_failed;
	enum conf_imap_state state;
	bool		 ever_selected;
	bool		 logout;	/* LOGOUT sent */
	bool		 server_closing; /* BYE seen */
	/* a command in pieces */
	bool		 open;
	size_t		 open_first;
	bool		 open_pipelined;
	uint64_t	 lit_left;	/* literal bytes still expected */
	bool		 lit_sync;
	bool		 lit_expect;	/* the literal (or a 0-size one) */
	bool		 cont_seen;	/* "+" since the literal header */
	bool		 lit_early;	/* this data came before its "+" */
	/* AUTHENTICATE, IDLE, STARTTLS in progress */
	char		 sasl_tag[CI_TAG_KEEP];
	bool		 sasl;
	char		 idle_tag[CI_TAG_KEEP];
	bool		 idle_sent;
	bool		 idling;	/* its "+" was seen */
	uint64_t	 idle_ms;
	uint64_t	 now_ms;
	/* commands in progress as the client knew */
	struct conf_imap_sent win[CI_WIN_MAX];
	size_t		 nwin;
};

extern const struct conf_imap_verb_def	conf_imap_verbs[];
extern const struct conf_imap_mech	conf_imap_mechs[];
extern const size_t			conf_imap_nmechs;

/* rules */
conf_check_fn conf_imap_r_bare_lf, conf_imap_r_bare_cr,
    conf_imap_r_nul, conf_imap_r_long, conf_imap_r_8bit,
    conf_imap_r_tag, conf_imap_r_syntax, conf_imap_r_spaces,
    conf_imap_r_args, conf_imap_r_seq, conf_imap_r_fetch,
    conf_imap_r_search, conf_imap_r_recent, conf_imap_r_utf7,
    conf_imap_r_tag_reused, conf_imap_r_ambiguous,
    conf_imap_r_not_auth, conf_imap_r_not_selected,
    conf_imap_r_authed, conf_imap_r_lit_early, conf_imap_r_lit_plus,
    conf_imap_r_lit_minus, conf_imap_r_idle_offer,
    conf_imap_r_idle_cmd, conf_imap_r_idle_done, conf_imap_r_idle_long,
    conf_imap_r_uidplus, conf_imap_r_move, conf_imap_r_sasl_ir,
    conf_imap_r_enable_offer, conf_imap_r_enable_state,
    conf_imap_r_ext_offer, conf_imap_r_mech, conf_imap_r_sasl_b64,
    conf_imap_r_starttls_offer, conf_imap_r_starttls_active,
    conf_imap_r_starttls_pipe, conf_imap_r_starttls_cached,
    conf_imap_r_starttls_capa, conf_imap_r_login_disabled,
    conf_imap_r_no_logout, conf_imap_r_after_logout,
    conf_imap_r_sec_starttls_offered, conf_imap_r_sec_cleartext,
    conf_imap_r_sec_after_tls_fail;


#endif
