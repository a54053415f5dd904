/*
 * scenario.h: a scenario file (YAML, format v1 of issue 5) loaded into
 * plain, validated data.  scenario_load() does every check there is
 * (STYLE 3.10): unknown keys, types, durations, regexes, reply shapes,
 * verbs and capabilities per protocol, fixtures read into memory, users,
 * rules that could never match, script, run command, expectations and
 * conformance overrides.  Any error stops the load with
 * "FILE:LINE:COL: message" (libyaml marks + 1) for exit code 2.
 *
 * The result is const after load: the rule engine, `mailrig run`, the
 * expectations and the report writers only read it, and have no error
 * paths for bad scenario data.  Runtime state (counters, random state)
 * lives elsewhere (struct rules_state).  Every pointer below is owned by
 * the scenario and freed by scenario_free(); arrays come with a count.
 *
 * Format clarification: stage names are lower-case words and anything
 * else in on: {smtp: ...} is a verb in any case, so "data" is the end of
 * the message and "DATA" the command ("idle" / "IDLE" likewise for IMAP).
 */
#ifndef MAILRIG_SCENARIO_H
#define MAILRIG_SCENARIO_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fakes/base/defs.h"
#include "harness/conformance/conf.h"

#define SCEN_INF		UINT64_MAX	/* open end of a range */
#define SCEN_FIXTURE_MAX	(32UL * 1024 * 1024)	/* one fixture file */
#define SCEN_FILE_MAX		(4UL * 1024 * 1024)	/* the YAML file */
#define SCEN_VERB_MAX		16	/* "UID EXPUNGE" + NUL fits */

/* Where something was written: 1-based, ready to print. */
struct scen_mark {
	unsigned	 line;
	unsigned	 col;
};

/* The three protocols. */
enum scen_proto {
	SCEN_P_SMTP,
	SCEN_P_POP3,
	SCEN_P_IMAP,
	SCEN_P__COUNT
};

/* The servers, in the order of enum opts_port (harness/opts.h). */
enum scen_server {
	SCEN_SRV_SMTP,
	SCEN_SRV_SUBMISSION,
	SCEN_SRV_SMTPS,
	SCEN_SRV_POP3,
	SCEN_SRV_POP3S,
	SCEN_SRV_IMAP,
	SCEN_SRV_IMAPS,
	SCEN_SRV__COUNT
};

enum scen_tls {
	SCEN_TLS_NONE,		/* plaintext only, no STARTTLS/STLS */
	SCEN_TLS_STARTTLS,	/* offered, optional */
	SCEN_TLS_REQUIRED,	/* offered and needed before MAIL/AUTH/LOGIN */
	SCEN_TLS_IMPLICIT,	/* TLS from the first byte (smtps/pop3s/imaps) */
	SCEN_TLS__COUNT
};

enum scen_auth {
	SCEN_AUTH_NONE,		/* AUTH/LOGIN not offered */
	SCEN_AUTH_OPTIONAL,
	SCEN_AUTH_REQUIRED,
	SCEN_AUTH_REQUIRED_AFTER_TLS,	/* and refused before TLS */
	SCEN_AUTH__COUNT
};

/*
 * Capability keywords of all three protocols (EHLO keywords, CAPA lines,
 * IMAP CAPABILITY atoms).  SCEN_CAP_AUTH is SMTP "AUTH mechs" and IMAP
 * "AUTH=mech"; SCEN_CAP_SASL is POP3 "SASL mechs"; SCEN_CAP_STARTTLS is
 * SMTP/IMAP STARTTLS, SCEN_CAP_STLS the POP3 one.
 */
enum scen_cap_id {
	SCEN_CAP_SIZE,
	SCEN_CAP_PIPELINING,
	SCEN_CAP_8BITMIME,
	SCEN_CAP_SMTPUTF8,
	SCEN_CAP_ENHANCEDSTATUSCODES,
	SCEN_CAP_STARTTLS,
	SCEN_CAP_AUTH,
	SCEN_CAP_CHUNKING,
	SCEN_CAP_BINARYMIME,
	SCEN_CAP_DSN,
	SCEN_CAP_HELP,
	SCEN_CAP_VRFY,
	SCEN_CAP_TOP,
	SCEN_CAP_UIDL,
	SCEN_CAP_USER,
	SCEN_CAP_SASL,
	SCEN_CAP_RESP_CODES,
	SCEN_CAP_AUTH_RESP_CODE,
	SCEN_CAP_EXPIRE,
	SCEN_CAP_LOGIN_DELAY,
	SCEN_CAP_IMPLEMENTATION,
	SCEN_CAP_STLS,
	SCEN_CAP_APOP,
	SCEN_CAP_IDLE,
	SCEN_CAP_LITERAL_PLUS,
	SCEN_CAP_UIDPLUS,
	SCEN_CAP_MOVE,
	SCEN_CAP_NAMESPACE,
	SCEN_CAP_ID,
	SCEN_CAP_ENABLE,
	SCEN_CAP_UNSELECT,
	SCEN_CAP_SPECIAL_USE,
	SCEN_CAP_CHILDREN,
	SCEN_CAP_SASL_IR,
	SCEN_CAP_LOGINDISABLED,
	SCEN_CAP__COUNT
};

#define SCEN_CAPBIT(id)		((uint64_t)1 << (id))

/* One capability as written, e.g. "SIZE 1000", "AUTH=PLAIN". */
struct scen_cap {
	enum scen_cap_id id;
	char		*text;		/* owned: as advertised, keyword
					   upper-cased, single spaces */
	char		*value;		/* owned: after the keyword ("1000",
					   "PLAIN LOGIN", "PLAIN"); "" if none */
	struct scen_mark mark;
};

/* One fake server. */
struct scen_server_conf {
	bool		 enabled;	/* runs in this scenario */
	bool		 listed;	/* named under servers: */
	bool		 port_set;
	int		 port;		/* 0..65535 when port_set; 0 = free */
	char		*hostname;	/* owned; NULL: the default */
	char		*greeting;	/* owned; NULL: the default text */
	enum scen_tls	 tls;		/* defaults resolved */
	enum scen_auth	 auth;		/* defaults resolved */
	bool		 caps_set;	/* capabilities: given; then caps is
					   EXACTLY the advertised set, the
					   rest is refused; else defaults */
	struct scen_cap	*caps;		/* owned array, in file order */
	size_t		 ncaps;
	uint64_t	 capmask;	/* SCEN_CAPBIT of caps (caps_set) */
	uint64_t	 size;		/* SMTP "SIZE n": n; 0 without n */
	unsigned	 mechs;		/* 1u << enum sasl_mech, from AUTH,
					   SASL and AUTH= (caps_set) */
	struct scen_mark mark;		/* of its key; 0:0 if not listed */
};

/* A fixture message, ready for the store. */
struct scen_msg {
	char		*data;		/* owned bytes: a file's as they are,
					   text: with LF made CRLF */
	size_t		 len;
	char		*file;		/* owned: path as written; NULL for
					   text: */
	unsigned	 flags;		/* STORE_F_* system flags */
	char		**keywords;	/* owned array of owned atoms */
	size_t		 nkeywords;
	bool		 date_set;
	int64_t		 date_ms;	/* RFC 3339 date, ms since the epoch */
	struct scen_mark mark;
};

struct scen_mailbox {
	char		*name;		/* owned, UTF-8, '/' separated;
					   "INBOX" upper-cased */
	struct scen_msg	*msgs;		/* owned array */
	size_t		 nmsgs;
	struct scen_mark mark;
};

struct scen_user {
	char		*name;		/* owned; unique, case-insensitive */
	char		*password;	/* owned; NULL: any password */
	struct scen_mailbox *mailboxes;	/* owned; [0] is always INBOX
					   (added empty if not listed) */
	size_t		 nmailboxes;
	struct scen_mark mark;
};

/* What a rule is matched on, besides its verb. */
enum scen_stage {
	SCEN_ST_CONNECT,	/* accepted, before the greeting */
	SCEN_ST_GREETING,	/* the greeting reply */
	SCEN_ST_TLS,		/* a TLS handshake (STARTTLS/STLS/implicit) */
	SCEN_ST_ANY,		/* every command */
	SCEN_ST_DATA,		/* SMTP: end of DATA / BDAT LAST */
	SCEN_ST_LITERAL,	/* IMAP: the "+ " literal continuation */
	SCEN_ST_IDLE,		/* IMAP: after "+ idling" */
	SCEN_ST_COMMAND,	/* the command in rule->verb */
	SCEN_ST__COUNT
};

enum scen_disconnect {
	SCEN_DISC_NONE,
	SCEN_DISC_BEFORE_REPLY,
	SCEN_DISC_AFTER_REPLY,
	SCEN_DISC_MID_REPLY,	/* after about half of the reply's bytes */
	SCEN_DISC__COUNT
};

enum scen_malformed {
	SCEN_MAL_NONE,
	SCEN_MAL_BARE_LF,	/* lines end in LF, not CRLF */
	SCEN_MAL_BAD_CONTINUATION, /* SMTP "ddd " on every line; others:
				   the multi-line terminator left out */
	SCEN_MAL_WRONG_TAG,	/* IMAP: tagged reply with another tag */
	SCEN_MAL_SPLIT,		/* the reply in many small writes */
	SCEN_MAL__COUNT
};

/* Status of a reply: SMTP by code, POP3 +OK/-ERR, IMAP OK/NO/BAD/BYE. */
enum scen_status {
	SCEN_RS_NONE,		/* no reply: the fake's own */
	SCEN_RS_OK,		/* SMTP 2xx/3xx, POP3 +OK, IMAP OK */
	SCEN_RS_TEMP,		/* SMTP 4xx */
	SCEN_RS_PERM,		/* SMTP 5xx */
	SCEN_RS_ERR,		/* POP3 -ERR */
	SCEN_RS_NO,		/* IMAP NO */
	SCEN_RS_BAD,		/* IMAP BAD */
	SCEN_RS_BYE,		/* IMAP BYE (sent untagged, then close) */
	SCEN_RS__COUNT
};

/* An inclusive range of counts; to == SCEN_INF is open. */
struct scen_range {
	uint64_t	 from;
	uint64_t	 to;
};

/*
 * A rule: conditions (on:) and actions.  First matching rule wins.  The
 * reply lines are as written; the runtime adds CRLF, the IMAP tag (to the
 * last line, which is the status line; "* " lines before it are
 * untagged) and the POP3 multi-line terminator with dot-stuffing when
 * there is more than one POP3 line.
 */
struct scen_rule {
	struct scen_mark mark;		/* of the rule (the "- " item) */
	size_t		 index;		/* 0-based position in rules: */

	/* on: */
	enum scen_proto	 proto;
	enum scen_stage	 stage;
	char		 verb[SCEN_VERB_MAX];	/* SCEN_ST_COMMAND: upper-case,
					   "UID FETCH" with one space;
					   else "" */
	bool		 has_args;
	regex_t		 args;		/* REG_EXTENDED|REG_ICASE|REG_NOSUB,
					   on the arguments after the verb */
	char		*args_src;	/* owned; NULL without args */
	struct scen_range nth;		/* default [1, INF] */
	struct scen_range session;	/* default [1, INF] */
	bool		 server_set;
	enum scen_server server;	/* when server_set */
	char		*user;		/* owned; NULL: any or none */
	double		 probability;	/* (0, 1]; 1 = always */
	uint64_t	 seed;		/* the rule's or the scenario's */

	/* actions: at least one */
	char		**reply;	/* owned lines; NULL: fake's reply */
	size_t		 nreply;
	enum scen_status status;	/* of the reply; SCEN_RS_NONE without */
	unsigned	 code;		/* SMTP reply code, else 0 */
	bool		 closes;	/* SMTP 421 / IMAP BYE: close after */
	uint64_t	 delay_ms;	/* 0: none */
	uint64_t	 drip_bps;	/* 0: none; this reply */
	uint64_t	 throttle_bps;	/* 0: none; rest of the session */
	enum scen_disconnect disconnect;
	bool		 hang;		/* alone: never answer */
	bool		 tls_fail;	/* SCEN_ST_TLS only */
	enum scen_malformed malformed;
	char		**untagged;	/* owned; IMAP "* ..." lines sent
					   before the reply */
	size_t		 nuntagged;
};

/* Script mode: an exact dialogue for one protocol. */
struct scen_step {
	char		*client;	/* owned glob (* ?), whole line,
					   case-sensitive; NULL: the first
					   step, the greeting */
	char		**server;	/* owned lines sent in answer; may be
					   none (nserver 0) */
	size_t		 nserver;
	struct scen_mark mark;
};

struct scen_script {
	bool		 set;
	struct scen_step *steps;	/* owned array */
	size_t		 nsteps;
	struct scen_mark mark;
};

/* run: the client command.  Exactly one of argv / shell when set. */
struct scen_run {
	bool		 set;
	char		**argv;		/* owned, NULL-terminated; ${VAR}
					   not yet expanded */
	size_t		 argc;
	char		*shell;		/* owned: for /bin/sh -c */
	uint64_t	 timeout_ms;	/* 0: not given */
	char		*cwd;		/* owned: resolved against the
					   scenario's directory; NULL: not
					   given */
	char		**env;		/* owned "NAME=value", NULL-terminated
					   (NULL if none) */
	size_t		 nenv;
	struct scen_mark mark;
};

/* Expectations: every item keeps its mark for reports. */
enum scen_pat_kind {
	SCEN_PAT_NONE,		/* not given */
	SCEN_PAT_EXACT,		/* text equals */
	SCEN_PAT_REGEX,		/* "/re/" or "/re/i" (REG_ICASE) */
	SCEN_PAT_CONTAINS,	/* substring */
	SCEN_PAT_PRESENT,	/* header present */
	SCEN_PAT_ABSENT,	/* header absent */
	SCEN_PAT__COUNT
};

struct scen_pattern {
	enum scen_pat_kind kind;
	char		*text;		/* owned: exact text, substring or
					   regex source (without slashes) */
	regex_t		 re;		/* SCEN_PAT_REGEX: REG_EXTENDED|
					   REG_NOSUB */
	struct scen_mark mark;
};

struct scen_count {
	bool		 set;
	uint64_t	 min;		/* exact: min == max */
	uint64_t	 max;		/* SCEN_INF: no upper bound */
	struct scen_mark mark;
};

struct scen_flag {
	bool		 set;
	bool		 value;
	struct scen_mark mark;
};

struct scen_strings {
	bool		 set;
	char		**v;		/* owned array of owned strings */
	size_t		 n;
	struct scen_mark mark;
};

struct scen_header_expect {
	char		*name;		/* owned field name */
	struct scen_pattern pat;	/* EXACT, REGEX, PRESENT or ABSENT */
};

struct scen_msg_expect {
	struct scen_mark mark;		/* of the match entry */
	struct scen_pattern from;	/* envelope MAIL FROM */
	struct scen_strings to;		/* envelope rcpts also in To: */
	struct scen_strings cc;		/* ... in Cc: */
	struct scen_strings bcc;	/* ... in neither */
	struct scen_pattern subject;	/* decoded Subject */
	struct scen_header_expect *headers;	/* owned array */
	size_t		 nheaders;
	struct scen_pattern body_contains;	/* text/plain, decoded */
	struct scen_pattern body_regex;
	struct scen_pattern html_contains;	/* text/html, decoded */
	struct scen_pattern html_regex;
	struct scen_count attachments;
	struct scen_strings attachment_names;
	struct scen_strings attachment_types;
	struct scen_count size;		/* bytes */
	struct scen_flag tls;
	struct scen_flag auth;		/* "auth: alice" sets value true */
	char		*auth_user;	/* owned; NULL: any user */
};

enum scen_fail_on {
	SCEN_FAIL_MUST,		/* the default */
	SCEN_FAIL_SHOULD,
	SCEN_FAIL_NEVER,
	SCEN_FAIL__COUNT
};

struct scen_expect {
	bool		 exit_code_set;
	int		 exit_code;	/* 0..255 */
	struct scen_mark exit_code_mark;

	struct scen_count count;	/* messages: count */
	struct scen_msg_expect *match;	/* owned array: messages: match */
	size_t		 nmatch;

	struct scen_flag retried_after_4xx;
	struct scen_flag gave_up_after_5xx;
	struct scen_count sessions[SCEN_P__COUNT];
	struct scen_strings commands_used;	/* upper-case verbs */
	struct scen_strings commands_not_used;
	struct scen_flag quit;

	enum scen_fail_on fail_on;
	struct scen_mark fail_on_mark;
	struct conf_override *overrides;	/* owned array; each id is an
					   owned copy; pass as conf_opts */
	size_t		 noverrides;
};

struct scenario {
	char		*path;		/* owned: as given to scenario_load */
	char		*dir;		/* owned: its directory, for paths */
	char		*name;		/* owned */
	char		*description;	/* owned; NULL if none */
	uint64_t	 seed;		/* default 1 */

	bool		 servers_listed;	/* servers: present */
	struct scen_server_conf servers[SCEN_SRV__COUNT];

	bool		 users_set;	/* users: present: only these log in */
	struct scen_user *users;	/* owned array */
	size_t		 nusers;

	struct scen_rule *rules;	/* owned array, in file order */
	size_t		 nrules;

	struct scen_script scripts[SCEN_P__COUNT];
	struct scen_run	 run;
	struct scen_expect expect;
};

/*
 * Load and validate path.  Returns the scenario (free with
 * scenario_free), or NULL with "FILE:LINE:COL: message; expected ..."
 * (or "FILE: message" when there is no position) in err.
 */
struct scenario	*scenario_load(const char *path, char *err, size_t errsize)
		    ATTR_WUR;
/* The same from bytes in memory; name is used in messages and paths. */
struct scenario	*scenario_load_mem(const char *name, const char *yaml,
		    size_t len, char *err, size_t errsize) ATTR_WUR;
void		 scenario_free(struct scenario *);

/* Names as written in scenarios; static strings. */
const char	*scenario_proto_name(enum scen_proto);
const char	*scenario_server_name(enum scen_server);
const char	*scenario_stage_name(enum scen_stage);
const char	*scenario_tls_name(enum scen_tls);
const char	*scenario_auth_name(enum scen_auth);
const char	*scenario_disconnect_name(enum scen_disconnect);
const char	*scenario_malformed_name(enum scen_malformed);
const char	*scenario_cap_name(enum scen_cap_id);
/* The protocol a server speaks. */
enum scen_proto	 scenario_server_proto(enum scen_server);
/* A user by name (case-insensitive), or NULL. */
const struct scen_user *scenario_user_find(const struct scenario *,
		    const char *name);

#endif
