/*
 * conf_imap.c: the IMAP rule table and the tracker it reads.  RFC 3501
 * (2.2, 2.2.1, 2.3.2, 3.1, 4.3, 5.1.3, 5.5, 6.x, 7.5, 9), the extensions
 * mailrig speaks (2177 IDLE, 7888 LITERAL+/LITERAL-, 4315 UID EXPUNGE,
 * 6851 MOVE, 4959 SASL-IR, 5161 ENABLE, 2595 STARTTLS), the SASL
 * responses of 4616/2195, RFC 7162 4 on line length, and SECURITY rows
 * for credentials sent in the clear.
 *
 * A command may span several transcript events (a line per literal
 * header, the literal's bytes, the rest); the tracker judges it when its
 * last line arrives, reassembling it for the same parser the server uses
 * (literal contents replaced by empty literals: their bytes carry no
 * syntax).  Capabilities are the last list the session really advertised
 * in the current TLS epoch.  The server handles one command at a time, so
 * "in progress" is seen through the capture's "pipelined" flag: commands
 * sent since the last line read with no output pending.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fakes/base/buf.h"
#include "fakes/base/defs.h"
#include "fakes/base/limits.h"
#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/frame.h"
#include "fakes/imap_fetch.h"
#include "fakes/imap_parser.h"
#include "fakes/imap_search.h"
#include "fakes/imap_seq.h"
#include "fakes/imap_utf7.h"
#include "harness/capture.h"
#include "harness/conformance/conf.h"
#include "harness/conformance/conf_int.h"
#include "harness/conformance/conf_imap_int.h"

const struct conf_imap_verb_def conf_imap_verbs[] = {
	[CI_V_NONE] = { .name = "" },
	[CI_V_CAPABILITY] = { .name = "CAPABILITY", .states = CI_SM_ANY },
	[CI_V_NOOP] = { .name = "NOOP", .states = CI_SM_ANY },
	[CI_V_LOGOUT] = { .name = "LOGOUT", .states = CI_SM_ANY },
	[CI_V_STARTTLS] = { .name = "STARTTLS",
	    .states = CI_SM(CI_S_NOT_AUTH), .cap = CI_CAP_STARTTLS },
	[CI_V_AUTHENTICATE] = { .name = "AUTHENTICATE",
	    .states = CI_SM(CI_S_NOT_AUTH), .nmin = 1, .nmax = 2 },
	[CI_V_LOGIN] = { .name = "LOGIN", .states = CI_SM(CI_S_NOT_AUTH),
	    .nmin = 2, .nmax = 2 },
	/* RFC 4466 2.1: optional select and create parameters. */
	[CI_V_SELECT] = { .name = "SELECT", .states = CI_SM_AUTHED,
	    .flags = CI_F_MAILBOX, .nmin = 1, .nmax = 2 },
	[CI_V_EXAMINE] = { .name = "EXAMINE", .states = CI_SM_AUTHED,
	    .flags = CI_F_MAILBOX, .nmin = 1, .nmax = 2 },
	[CI_V_CREATE] = { .name = "CREATE", .states = CI_SM_AUTHED,
	    .flags = CI_F_MAILBOX, .nmin = 1, .nmax = 2 },
	[CI_V_DELETE] = { .name = "DELETE", .states = CI_SM_AUTHED,
	    .flags = CI_F_MAILBOX, .nmin = 1, .nmax = 1 },
	[CI_V_RENAME] = { .name = "RENAME", .states = CI_SM_AUTHED,
	    .flags = CI_F_MAILBOX | CI_F_MAILBOX2, .nmin = 2, .nmax = 3 },
	[CI_V_SUBSCRIBE] = { .name = "SUBSCRIBE", .states = CI_SM_AUTHED,
	    .flags = CI_F_MAILBOX, .nmin = 1, .nmax = 1 },
	[CI_V_UNSUBSCRIBE] = { .name = "UNSUBSCRIBE",
	    .states = CI_SM_AUTHED, .flags = CI_F_MAILBOX, .nmin = 1,
	    .nmax = 1 },
	/* RFC 5258 3: LIST-EXTENDED selection and return options. */
	[CI_V_LIST] = { .name = "LIST", .states = CI_SM_AUTHED, .nmin = 2,
	    .nmax = CI_ANY },
	[CI_V_LSUB] = { .name = "LSUB", .states = CI_SM_AUTHED, .nmin = 2,
	    .nmax = 2 },
	[CI_V_STATUS] = { .name = "STATUS", .states = CI_SM_AUTHED,
	    .flags = CI_F_MAILBOX, .nmin = 2, .nmax = 2 },
	[CI_V_APPEND] = { .name = "APPEND", .states = CI_SM_AUTHED,
	    .flags = CI_F_MAILBOX, .nmin = 2, .nmax = CI_ANY },
	[CI_V_CHECK] = { .name = "CHECK", .states = CI_SM(CI_S_SELECTED) },
	[CI_V_CLOSE] = { .name = "CLOSE", .states = CI_SM(CI_S_SELECTED) },
	[CI_V_EXPUNGE] = { .name = "EXPUNGE", .states = CI_SM(CI_S_SELECTED),
	    .flags = CI_F_UIDOK },
	[CI_V_SEARCH] = { .name = "SEARCH", .states = CI_SM(CI_S_SELECTED),
	    .flags = CI_F_UIDOK | CI_F_NOEXP, .nmin = 1, .nmax = CI_ANY },
	[CI_V_FETCH] = { .name = "FETCH", .states = CI_SM(CI_S_SELECTED),
	    .flags = CI_F_SEQ | CI_F_UIDOK | CI_F_NOEXP, .nmin = 2,
	    .nmax = 3 },
	[CI_V_STORE] = { .name = "STORE", .states = CI_SM(CI_S_SELECTED),
	    .flags = CI_F_SEQ | CI_F_UIDOK | CI_F_NOEXP, .nmin = 3,
	    .nmax = CI_ANY },
	[CI_V_COPY] = { .name = "COPY", .states = CI_SM(CI_S_SELECTED),
	    .flags = CI_F_SEQ | CI_F_UIDOK | CI_F_MAILBOX2, .nmin = 2,
	    .nmax = 2 },
	[CI_V_MOVE] = { .name = "MOVE", .states = CI_SM(CI_S_SELECTED),
	    .cap = CI_CAP_MOVE, .flags = CI_F_SEQ | CI_F_UIDOK |
	    CI_F_MAILBOX2, .nmin = 2, .nmax = 2 },
	[CI_V_UID] = { .name = "UID", .states = CI_SM(CI_S_SELECTED),
	    .nmin = 1, .nmax = CI_ANY },
	[CI_V_IDLE] = { .name = "IDLE", .states = CI_SM_AUTHED,
	    .cap = CI_CAP_IDLE },
	[CI_V_ENABLE] = { .name = "ENABLE", .states = CI_SM(CI_S_AUTH),
	    .cap = CI_CAP_ENABLE, .nmin = 1, .nmax = CI_ANY },
	[CI_V_NAMESPACE] = { .name = "NAMESPACE", .states = CI_SM_AUTHED,
	    .cap = CI_CAP_NAMESPACE },
	[CI_V_ID] = { .name = "ID", .states = CI_SM_ANY, .cap = CI_CAP_ID,
	    .nmin = 1, .nmax = 1 },
	[CI_V_UNSELECT] = { .name = "UNSELECT",
	    .states = CI_SM(CI_S_SELECTED), .cap = CI_CAP_UNSELECT },
	[CI_V_GETQUOTA] = { .name = "GETQUOTA", .states = CI_SM_AUTHED,
	    .cap = CI_CAP_QUOTA, .nmin = 1, .nmax = 1 },
	[CI_V_GETQUOTAROOT] = { .name = "GETQUOTAROOT",
	    .states = CI_SM_AUTHED, .cap = CI_CAP_QUOTA, .nmin = 1,
	    .nmax = 1 },
	[CI_V_COMPRESS] = { .name = "COMPRESS", .states = CI_SM_AUTHED,
	    .cap = CI_CAP_COMPRESS, .nmin = 1, .nmax = 1 },
	[CI_V_XLIST] = { .name = "XLIST", .states = CI_SM_AUTHED,
	    .cap = CI_CAP_XLIST, .nmin = 2, .nmax = 2 },
	[CI_V_OTHER] = { .name = "", .states = CI_SM_ANY, .nmax = CI_ANY },
};
_Static_assert(nitems(conf_imap_verbs) == CI_V__COUNT,
    "conf_imap_verbs out of sync with enum conf_imap_verb");


static const struct {
	const char	*word;
	unsigned	 bit;
	bool		 prefix;	/* "COMPRESS=" names a family */
} conf_imap_caps[] = {
	{ .word = "STARTTLS", .bit = CI_CAP_STARTTLS },
	{ .word = "LOGINDISABLED", .bit = CI_CAP_LOGINDISABLED },
	{ .word = "SASL-IR", .bit = CI_CAP_SASL_IR },
	{ .word = "LITERAL+", .bit = CI_CAP_LITERAL_PLUS },
	{ .word = "LITERAL-", .bit = CI_CAP_LITERAL_MINUS },
	{ .word = "IDLE", .bit = CI_CAP_IDLE },
	{ .word = "UIDPLUS", .bit = CI_CAP_UIDPLUS },
	{ .word = "MOVE", .bit = CI_CAP_MOVE },
	{ .word = "ENABLE", .bit = CI_CAP_ENABLE },
	{ .word = "NAMESPACE", .bit = CI_CAP_NAMESPACE },
	{ .word = "ID", .bit = CI_CAP_ID },
	{ .word = "UNSELECT", .bit = CI_CAP_UNSELECT },
	{ .word = "QUOTA", .bit = CI_CAP_QUOTA },
	{ .word = "COMPRESS=", .bit = CI_CAP_COMPRESS, .prefix = true },
	{ .word = "XLIST", .bit = CI_CAP_XLIST },
	{ .word = "UTF8=", .bit = CI_CAP_UTF8, .prefix = true },
	{ .word = "ESEARCH", .bit = CI_CAP_SEARCH_EXT },
	{ .word = "SEARCHRES", .bit = CI_CAP_SEARCH_EXT },
	{ .word = "WITHIN", .bit = CI_CAP_SEARCH_EXT },
	{ .word = "FUZZY", .bit = CI_CAP_SEARCH_EXT },
	{ .word = "CONDSTORE", .bit = CI_CAP_SEARCH_EXT | CI_CAP_FETCH_EXT },
	{ .word = "QRESYNC", .bit = CI_CAP_SEARCH_EXT | CI_CAP_FETCH_EXT },
	{ .word = "OBJECTID", .bit = CI_CAP_SEARCH_EXT | CI_CAP_FETCH_EXT },
	{ .word = "X-GM-EXT-1", .bit = CI_CAP_SEARCH_EXT | CI_CAP_FETCH_EXT },
	{ .word = "BINARY", .bit = CI_CAP_FETCH_EXT },
	{ .word = "PREVIEW", .bit = CI_CAP_FETCH_EXT },
	{ .word = "SAVEDATE", .bit = CI_CAP_SEARCH_EXT | CI_CAP_FETCH_EXT },
};

const struct conf_imap_mech conf_imap_mechs[] = {
	{ .name = "PLAIN", .bit = CI_MECH_PLAIN },
	{ .name = "LOGIN", .bit = CI_MECH_LOGIN },
	{ .name = "CRAM-MD5", .bit = CI_MECH_CRAM_MD5 },
	{ .name = "XOAUTH2", .bit = CI_MECH_XOAUTH2 },
};

const size_t conf_imap_nmechs = nitems(conf_imap_mechs);

static unsigned	conf_imap_classify(struct conf_ctx *);
static void	conf_imap_advance(struct conf_ctx *);
static unsigned	conf_imap_client_line(struct conf_ctx *, struct conf_imap *,
		    const struct tevent *);
static bool	conf_imap_lit_header(const char *, size_t, uint64_t *,
		    bool *, size_t *);
static void	conf_imap_command(struct conf_ctx *, struct conf_imap *,
		    size_t);
static void	conf_imap_scan_line(struct conf_imap *, const char *, size_t,
		    bool, bool);
static enum conf_imap_verb conf_imap_verb_find(const char *, size_t);
static void	conf_imap_reply(struct conf_imap *);
static void	conf_imap_caps_parse(struct conf_imap *, const char *);
static void	conf_imap_tagged(struct conf_imap *, const char *, size_t,
		    const char *);
static void	conf_imap_sent(struct conf_imap *);
static void	conf_imap_prune(struct conf_imap *);
static void	conf_imap_epoch(struct conf_imap *);
static bool	conf_imap_word_eq(const char *, size_t, const char *);
static bool	conf_imap_tag_is(const char *, const char *, size_t);

static const struct conf_rule conf_imap_rules[] = {
	/* 2.2 has no key word; 2.2.1 makes the grammar's CRLF a MUST. */
	{ .id = "imap.line.bare-lf", .rfc = "3501", .section = "2.2",
	  .level = CONF_MUST, .scope = CONF_PER_LINE, .after_fault = true,
	  .check = conf_imap_r_bare_lf,
	  .message = "client ended a line with a bare LF",
	  .hint = "terminate every command line with CRLF" },
	{ .id = "imap.line.bare-cr", .rfc = "3501", .section = "9",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_LINE,
	  .after_fault = true, .check = conf_imap_r_bare_cr,
	  .message = "client sent a CR not followed by LF in a command line",
	  .hint = "send CR only as part of CRLF; put other octets in a "
	  "literal" },
	{ .id = "imap.cmd.nul", .rfc = "3501", .section = "9",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_LINE,
	  .after_fault = true, .check = conf_imap_r_nul,
	  .message = "client sent a NUL octet in a command line",
	  .hint = "never send NUL; CHAR8 excludes it even in literals" },
	{ .id = "imap.cmd.too-long", .rfc = "7162", .section = "4",
	  .level = CONF_SHOULD_NOT, .scope = CONF_PER_COMMAND,
	  .after_fault = true, .check = conf_imap_r_long,
	  .message = "client sent a command line longer than 8192 octets "
	  "(literals apart)",
	  .hint = "split long sequence sets into several commands or send "
	  "long strings as literals" },
	{ .id = "imap.syntax.8bit", .rfc = "3501", .section = "9",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .after_fault = true, .check = conf_imap_r_8bit,
	  .message = "client sent 8-bit octets in an atom or quoted string",
	  .hint = "send 8-bit strings as literals and mailbox names in "
	  "modified UTF-7" },
	{ .id = "imap.syntax.tag", .rfc = "3501", .section = "9",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_imap_r_tag,
	  .message = "client sent a command with a missing or invalid tag",
	  .hint = "start every command with a tag of ASTRING-CHARs other "
	  "than \"+\", then one space" },
	{ .id = "imap.syntax.command", .rfc = "3501", .section = "9",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_imap_r_syntax,
	  .message = "client sent a command that does not parse (quoting, "
	  "parentheses, literal header or command name)",
	  .hint = "follow the formal syntax: balanced lists, \\\\ and \\\" "
	  "as the only escapes, a literal header last on its line" },
	{ .id = "imap.syntax.spaces", .rfc = "3501", .section = "2.2.1",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_imap_r_spaces,
	  .message = "client sent a command with missing or extraneous "
	  "spaces",
	  .hint = "separate arguments with exactly one space, with none "
	  "inside parentheses' edges or at the end" },
	{ .id = "imap.syntax.args", .rfc = "3501", .section = "6",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_imap_r_args,
	  .message = "client sent a command with missing, extra or "
	  "mistyped arguments",
	  .hint = "send the arguments the command's syntax lists, in "
	  "order" },
	{ .id = "imap.syntax.sequence-set", .rfc = "3501", .section = "9",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_imap_r_seq,
	  .message = "client sent an invalid sequence set",
	  .hint = "use nz-numbers, \"*\", ranges a:b and commas; never 0 "
	  "or an empty element" },
	{ .id = "imap.syntax.fetch-att", .rfc = "3501", .section = "9",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_imap_r_fetch,
	  .message = "client asked FETCH for an invalid attribute or section",
	  .hint = "use the fetch-att items of RFC 3501 9 (or of an "
	  "advertised extension); macros only alone" },
	{ .id = "imap.syntax.search-key", .rfc = "3501", .section = "9",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_imap_r_search,
	  .message = "client sent an invalid SEARCH key or key argument",
	  .hint = "use the search-key grammar; dates as d-Mon-yyyy" },
	{ .id = "imap.flags.recent", .rfc = "3501", .section = "2.3.2",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .after_fault = true, .check = conf_imap_r_recent,
	  .message = "client tried to set or clear \\Recent",
	  .hint = "leave \\Recent to the server; it is not in the flag "
	  "grammar of STORE or APPEND" },
	{ .id = "imap.mailbox.utf7", .rfc = "3501", .section = "5.1.3",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND, .after_fault = true,
	  .check = conf_imap_r_utf7,
	  .message = "client sent a mailbox name that is not valid modified "
	  "UTF-7",
	  .hint = "encode non-ASCII names in modified UTF-7 and \"&\" as "
	  "\"&-\"" },
	/* "A different tag is generated": no key word; level chosen. */
	{ .id = "imap.tag.reused", .rfc = "3501", .section = "2.2.1",
	  .level = CONF_SHOULD, .scope = CONF_PER_COMMAND,
	  .check = conf_imap_r_tag_reused,
	  .message = "client reused the tag of a command still in progress",
	  .hint = "generate a new tag for every command" },
	{ .id = "imap.pipeline.ambiguous", .rfc = "3501", .section = "5.5",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_imap_r_ambiguous,
	  .message = "client sent a command with message sequence numbers "
	  "while a command that permits EXPUNGE was in progress",
	  .hint = "wait for the completion of commands other than FETCH, "
	  "STORE and SEARCH before using sequence numbers" },
	{ .id = "imap.state.not-authenticated", .rfc = "3501",
	  .section = "3.1", .level = CONF_MUST, .scope = CONF_PER_COMMAND,
	  .check = conf_imap_r_not_auth,
	  .message = "client sent a command that needs authentication "
	  "before logging in",
	  .hint = "LOGIN or AUTHENTICATE first and wait for the tagged OK" },
	/* 6.4's commands are valid "in the selected state": as MUST. */
	{ .id = "imap.state.no-mailbox", .rfc = "3501", .section = "6.4",
	  .level = CONF_MUST, .scope = CONF_PER_COMMAND,
	  .check = conf_imap_r_not_selected,
	  .message = "client sent a command that needs a selected mailbox "
	  "while none was selected",
	  .hint = "SELECT or EXAMINE a mailbox first and wait for its OK" },
	{ .id = "imap.state.already-authenticated", .rfc = "3501",
	  .section = "6.2", .level = CONF_MUST_NOT,
	  .scope = CONF_PER_COMMAND, .check = conf_imap_r_authed,
	  .message = "client sent LOGIN, AUTHENTICATE or STARTTLS after "
	  "authenticating",
	  .hint = "authenticate once; these commands are valid only in the "
	  "not authenticated state" },
	{ .id = "imap.literal.before-continuation", .rfc = "3501",
	  .section = "4.3", .level = CONF_MUST, .scope = CONF_PER_LINE,
	  .check = conf_imap_r_lit_early,
	  .message = "client sent a synchronizing literal before the "
	  "server's \"+\" continuation request",
	  .hint = "wait for \"+\" after {n}, or use {n+} when LITERAL+ is "
	  "advertised" },
	/* "the client can only use synchronizing literals": as MUST NOT. */
	{ .id = "imap.literal.plus-not-advertised", .rfc = "7888",
	  .section = "3", .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_imap_r_lit_plus,
	  .message = "client sent a non-synchronizing literal {n+} to a "
	  "server that advertised neither LITERAL+ nor LITERAL-",
	  .hint = "send {n} and wait for \"+\" unless LITERAL+ or LITERAL- "
	  "is advertised" },
	{ .id = "imap.literal.minus-too-big", .rfc = "7888", .section = "5",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_imap_r_lit_minus,
	  .message = "client sent a non-synchronizing literal over 4096 "
	  "octets to a LITERAL- server",
	  .hint = "send literals over 4096 octets as {n} and wait for "
	  "\"+\"" },
	{ .id = "imap.idle.not-advertised", .rfc = "2177", .section = "3",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_imap_r_idle_offer,
	  .message = "client sent IDLE although the server did not "
	  "advertise IDLE",
	  .hint = "poll with NOOP unless the capability list holds IDLE" },
	{ .id = "imap.idle.command-while-idling", .rfc = "2177",
	  .section = "3", .level = CONF_MUST_NOT, .scope = CONF_PER_LINE,
	  .check = conf_imap_r_idle_cmd,
	  .message = "client sent a command while IDLE was waiting for DONE",
	  .hint = "send DONE and wait for IDLE's tagged response first" },
	/* DONE answers IDLE's "+" (3501 5.5, 2177 3); level chosen. */
	{ .id = "imap.idle.done-outside", .rfc = "2177", .section = "3",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_LINE,
	  .check = conf_imap_r_idle_done,
	  .message = "client sent DONE without an IDLE waiting for it "
	  "(before its \"+\" or with none active)",
	  .hint = "send DONE only after the \"+\" that answers IDLE" },
	{ .id = "imap.idle.too-long", .rfc = "2177", .section = "3",
	  .level = CONF_SHOULD, .scope = CONF_PER_LINE,
	  .check = conf_imap_r_idle_long,
	  .message = "client stayed in IDLE for more than 29 minutes",
	  .hint = "end IDLE with DONE and re-issue it at least every 29 "
	  "minutes" },
	/* "should fall back" without UIDPLUS: lowercase; as MUST NOT. */
	{ .id = "imap.uidplus.not-advertised", .rfc = "4315",
	  .section = "2.1", .level = CONF_MUST_NOT,
	  .scope = CONF_PER_COMMAND, .check = conf_imap_r_uidplus,
	  .message = "client sent UID EXPUNGE although the server did not "
	  "advertise UIDPLUS",
	  .hint = "use EXPUNGE unless UIDPLUS is advertised" },
	/* No key word: the command exists only with its capability. */
	{ .id = "imap.move.not-advertised", .rfc = "6851", .section = "3.1",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_imap_r_move,
	  .message = "client sent MOVE or UID MOVE although the server did "
	  "not advertise MOVE",
	  .hint = "COPY, STORE \\Deleted and EXPUNGE unless MOVE is "
	  "advertised" },
	{ .id = "imap.sasl-ir.not-advertised", .rfc = "4959", .section = "3",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_imap_r_sasl_ir,
	  .message = "client sent an initial response with AUTHENTICATE "
	  "although the server did not advertise SASL-IR",
	  .hint = "send AUTHENTICATE with the mechanism only and answer "
	  "the \"+\"" },
	/* No key word for the capability; level chosen. */
	{ .id = "imap.enable.not-advertised", .rfc = "5161",
	  .section = "3.1", .level = CONF_MUST_NOT,
	  .scope = CONF_PER_COMMAND, .check = conf_imap_r_enable_offer,
	  .message = "client sent ENABLE although the server did not "
	  "advertise ENABLE",
	  .hint = "send ENABLE only when the capability list holds it" },
	{ .id = "imap.enable.state", .rfc = "5161", .section = "3.1",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_imap_r_enable_state,
	  .message = "client sent ENABLE before authenticating or after "
	  "selecting a mailbox",
	  .hint = "ENABLE right after authentication, before any SELECT "
	  "or EXAMINE" },
	/* Commands absent from RFC 3501 9 without their capability. */
	{ .id = "imap.ext.not-advertised", .rfc = "3501", .section = "7.2.1",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_imap_r_ext_offer,
	  .message = "client sent an extension command (NAMESPACE, ID, "
	  "UNSELECT, QUOTA, COMPRESS, XLIST) the server did not advertise",
	  .hint = "use an extension command only when its capability is "
	  "listed" },
	{ .id = "imap.auth.mech-not-advertised", .rfc = "3501",
	  .section = "6.2.2", .level = CONF_SHOULD_NOT,
	  .scope = CONF_PER_COMMAND, .check = conf_imap_r_mech,
	  .message = "client used an AUTHENTICATE mechanism the server did "
	  "not list as AUTH=",
	  .hint = "pick a mechanism from the AUTH= capabilities" },
	{ .id = "imap.auth.response-syntax", .rfc = "3501",
	  .section = "6.2.2", .level = CONF_MUST, .scope = CONF_PER_LINE,
	  .after_fault = true, .check = conf_imap_r_sasl_b64,
	  .message = "client sent a SASL response that is neither BASE64 "
	  "nor \"*\"",
	  .hint = "encode every response (and a SASL-IR initial response, "
	  "\"=\" when empty) in BASE64 without quotes" },
	/* "MUST discard cached" capabilities covers STARTTLS; chosen. */
	{ .id = "imap.starttls.not-advertised", .rfc = "2595",
	  .section = "3.1", .level = CONF_MUST_NOT,
	  .scope = CONF_PER_COMMAND, .check = conf_imap_r_starttls_offer,
	  .message = "client sent STARTTLS although the server did not "
	  "advertise it",
	  .hint = "send STARTTLS only when the capability list holds it" },
	{ .id = "imap.starttls.already-active", .rfc = "2595",
	  .section = "3.1", .level = CONF_MUST_NOT,
	  .scope = CONF_PER_COMMAND, .check = conf_imap_r_starttls_active,
	  .message = "client sent STARTTLS inside an active TLS session",
	  .hint = "send STARTTLS only on a plaintext connection" },
	/* TLS starts right after the tagged OK (3501 6.2.1); as MUST NOT. */
	{ .id = "imap.starttls.pipelined", .rfc = "3501", .section = "6.2.1",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_LINE,
	  .check = conf_imap_r_starttls_pipe,
	  .message = "client sent plaintext after STARTTLS before the TLS "
	  "handshake",
	  .hint = "wait for STARTTLS's tagged OK, then start TLS at once" },
	{ .id = "imap.starttls.cached-capability", .rfc = "2595",
	  .section = "3.1", .level = CONF_MUST, .scope = CONF_PER_COMMAND,
	  .check = conf_imap_r_starttls_cached,
	  .message = "client used an extension it learned of before "
	  "STARTTLS without asking for the capabilities again",
	  .hint = "discard capabilities at STARTTLS and send CAPABILITY "
	  "after the handshake" },
	{ .id = "imap.starttls.no-capability", .rfc = "2595",
	  .section = "3.1", .level = CONF_SHOULD, .scope = CONF_PER_COMMAND,
	  .check = conf_imap_r_starttls_capa,
	  .message = "client did not re-issue CAPABILITY after STARTTLS "
	  "before authenticating",
	  .hint = "send CAPABILITY first after the TLS handshake" },
	{ .id = "imap.login.disabled", .rfc = "3501", .section = "6.2.3",
	  .level = CONF_MUST_NOT, .scope = CONF_PER_COMMAND,
	  .check = conf_imap_r_login_disabled,
	  .message = "client sent LOGIN although the server advertised "
	  "LOGINDISABLED",
	  .hint = "use STARTTLS or AUTHENTICATE when LOGINDISABLED is "
	  "listed" },
	/* LOGOUT "informs the server": no key word; level chosen. */
	{ .id = "imap.session.no-logout", .rfc = "3501", .section = "6.1.3",
	  .level = CONF_SHOULD, .scope = CONF_PER_SESSION,
	  .check = conf_imap_r_no_logout,
	  .message = "client closed the connection without LOGOUT",
	  .hint = "end every session with LOGOUT and wait for the BYE" },
	{ .id = "imap.session.after-logout", .rfc = "3501",
	  .section = "6.1.3", .level = CONF_SHOULD_NOT,
	  .scope = CONF_PER_LINE, .check = conf_imap_r_after_logout,
	  .message = "client sent more input after LOGOUT",
	  .hint = "send nothing after LOGOUT; wait for BYE and the tagged "
	  "OK" },
	{ .id = "imap.security.cleartext-login-starttls-offered",
	  .rfc = "2595", .section = "3.1", .level = CONF_SECURITY,
	  .scope = CONF_PER_COMMAND,
	  .check = conf_imap_r_sec_starttls_offered,
	  .message = "client sent a password in the clear (LOGIN, "
	  "AUTHENTICATE PLAIN or LOGIN) although STARTTLS was offered",
	  .hint = "issue STARTTLS (and verify the certificate) before "
	  "logging in" },
	{ .id = "imap.security.cleartext-login", .rfc = "4616",
	  .section = "5", .level = CONF_SECURITY, .scope = CONF_PER_COMMAND,
	  .check = conf_imap_r_sec_cleartext,
	  .message = "client sent a password over a connection without TLS",
	  .hint = "use implicit TLS (port 993) or STARTTLS before logging "
	  "in" },
	{ .id = "imap.security.after-tls-failure", .rfc = "2595",
	  .section = "2.4", .level = CONF_SECURITY, .scope = CONF_PER_LINE,
	  .check = conf_imap_r_sec_after_tls_fail,
	  .message = "client went on sending after its TLS handshake failed",
	  .hint = "abort the connection when the TLS handshake or the "
	  "certificate check fails" },
};

const struct conf_proto conf_imap_proto = {
	.name = "imap",
	.rules = conf_imap_rules,
	.nrules = nitems(conf_imap_rules),
	.state_size = sizeof(struct conf_imap),
	.classify = conf_imap_classify,
	.advance = conf_imap_advance,
};

/* --- the tracker --- */

static unsigned
conf_imap_classify(struct conf_ctx *ctx)
{
	struct conf_imap	*s = ctx->st;
	const struct transcript	*t = ctx->t;
	const struct tevent	*ev = &t->ev[ctx->idx];

	s->line = NULL;
	s->len = 0;
	s->now_ms = ev->t_ms;
	switch (ev->kind) {
	case TEV_EVENT:
		s->kind = CI_K_EVENT;
		/* IDLE's length is judged when the session ends in it. */
		return CONF_SCOPE_BIT(CONF_PER_LINE);
	case TEV_DATA:
		if (ev->dir != 'c') {
			s->kind = CI_K_SDATA;
			return 0;
		}
		if (ev->flags & CONN_IO_DROPPED) {
			s->kind = CI_K_DROPPED;
			return CONF_SCOPE_BIT(CONF_PER_LINE);
		}
		s->kind = CI_K_LITERAL;
		s->lit_early = s->lit_sync && s->lit_expect &&
		    (!s->cont_seen || (ev->flags & CAPTURE_F_PIPELINED));
		return CONF_SCOPE_BIT(CONF_PER_LINE);
	case TEV_LINE:
		break;
	default:
		fatalx("%s: kind %d", __func__, ev->kind);
	}
	s->line = conf_ev_text(t, ev);
	s->len = ev->len;
	if (ev->dir == 's') {
		s->kind = CI_K_REPLY;
		return 0;
	}
	return conf_imap_client_line(ctx, s, ev);
}

static unsigned
conf_imap_client_line(struct conf_ctx *ctx, struct conf_imap *s,
    const struct tevent *ev)
{
	const unsigned	 line = CONF_SCOPE_BIT(CONF_PER_LINE);
	uint64_t	 n;
	bool		 sync;
	size_t		 at;

	if (s->open && s->lit_expect && s->lit_left == 0)
		s->lit_expect = false;
	if (!s->open) {
		if (s->sasl) {
			s->kind = CI_K_SASL;
			return line;
		}
		if (conf_imap_word_eq(s->line, s->len, "DONE")) {
			s->kind = CI_K_DONE;
			return line;
		}
		if (s->idle_sent) {
			s->kind = CI_K_IDLE_CMD;
			return line;
		}
		s->open = true;
		s->open_first = ctx->idx;
		s->open_pipelined = (ev->flags & CAPTURE_F_PIPELINED) != 0;
		if (!s->open_pipelined)
			conf_imap_prune(s);
	}
	if (conf_imap_lit_header(s->line, s->len, &n, &sync, &at)) {
		s->kind = CI_K_PART;
		s->lit_left = n;
		s->lit_sync = sync;
		s->lit_expect = true;
		s->cont_seen = false;
		return line;
	}
	s->kind = CI_K_CMD;
	conf_imap_command(ctx, s, ctx->idx);
	return line | CONF_SCOPE_BIT(CONF_PER_COMMAND);
}

/* Does the line end in "{n}" or "{n+}"?  at_r: the "{". */
static bool
conf_imap_lit_header(const char *p, size_t len, uint64_t *n_r, bool *sync_r,
    size_t *at_r)
{
	size_t	end, i;

	if (len < 3 || p[len - 1] != '}')
		return false;
	end = len - 1;
	*sync_r = p[end - 1] != '+';
	if (!*sync_r)
		end--;
	for (i = end; i > 0 && p[i - 1] >= '0' && p[i - 1] <= '9'; i--)
		continue;
	if (i == end || i == 0 || p[i - 1] != '{')
		return false;
	*at_r = i - 1;
	return str_to_u64(p + i, end - i, UINT32_MAX, n_r);
}

/*
 * The command ends at event last: feed its lines to the server's parser
 * with every literal emptied ({0}, {0+}), and note what the raw text
 * shows (spaces, 8-bit octets, line lengths).
 */
static void
conf_imap_command(struct conf_ctx *ctx, struct conf_imap *s, size_t last)
{
	const struct imap_parser_limits lim = {
		.line_max = SIZE_MAX / 2,
		.literal_max = UINT32_MAX,
		.nonsync_max = UINT32_MAX,
		.depth_max = IMAP_DEPTH_MAX,
		.args_max = IMAP_ARGS_MAX,
	};
	const struct transcript	*t = ctx->t;
	const struct tevent	*ev;
	const struct imap_arg	*a;
	const char		*p;
	uint64_t		 n;
	size_t			 i, at, used, na;
	bool			 sync;
	int			 r = IMAP_PARSE_MORE;

	s->cmd_first = s->open_first;
	s->cmd_pipelined = s->open_pipelined;
	s->cmd_spaces = false;
	s->cmd_8bit = false;
	s->cmd_linemax = 0;
	s->cmd_toolong = false;
	s->cmd_nonsync = false;
	s->cmd_nonsync_max = 0;
	s->verb = CI_V_NONE;
	s->uid = false;
	s->tag[0] = '\0';
	s->args = NULL;
	s->nargs = 0;
	s->parser = imap_parser_new(&lim);
	for (i = s->open_first; i <= last; i++) {
		ev = &t->ev[i];
		if (ev->kind != TEV_LINE || ev->dir != 'c')
			continue;
		p = conf_ev_text(t, ev);
		s->cmd_linemax = MAX(s->cmd_linemax, ev->len);
		if (ev->flags & FRAME_8BIT)
			s->cmd_8bit = true;
		if (ev->flags & FRAME_TOO_LONG)
			s->cmd_toolong = true;
		if (i != last && conf_imap_lit_header(p, ev->len, &n, &sync,
		    &at)) {
			if (!sync) {
				s->cmd_nonsync = true;
				s->cmd_nonsync_max = MAX(s->cmd_nonsync_max, n);
			}
			conf_imap_scan_line(s, p, at, i == s->open_first,
			    true);
			if (r == IMAP_PARSE_MORE || r == IMAP_PARSE_LITERAL)
				r = imap_parser_feed(s->parser, p, at, &used);
			if (r == IMAP_PARSE_MORE)
				r = imap_parser_feed(s->parser, sync ?
				    "{0}\r\n" : "{0+}\r\n", sync ? 5 : 6,
				    &used);
			continue;
		}
		conf_imap_scan_line(s, p, ev->len, i == s->open_first,
		    false);
		if (r == IMAP_PARSE_MORE || r == IMAP_PARSE_LITERAL)
			r = imap_parser_feed(s->parser, p, ev->len, &used);
		if (r == IMAP_PARSE_MORE)
			r = imap_parser_feed(s->parser, "\r\n", 2, &used);
	}
	s->perr = IMAP_PERR_NONE;
	/* Only the start of an over-long line was kept: not judged. */
	if (s->cmd_toolong)
		s->perr = IMAP_PERR_LINE;
	else if (r == IMAP_PARSE_ERROR)
		s->perr = imap_parser_error(s->parser, NULL);
	else if (r != IMAP_PARSE_DONE)
		s->perr = IMAP_PERR_SYNTAX;
	/* A longer tag is compared by its first bytes. */
	if (!str_copy(s->tag, imap_parser_tag(s->parser), sizeof(s->tag)))
		s->tag[sizeof(s->tag) - 1] = '\0';
	if (s->perr != IMAP_PERR_NONE)
		return;
	a = imap_parser_args(s->parser, &na);
	if (na == 0 || a[0].type != IMAP_ARG_ATOM) {
		s->perr = IMAP_PERR_SYNTAX;
		return;
	}
	s->verb = conf_imap_verb_find(a[0].str, a[0].len);
	s->args = a + 1;
	s->nargs = na - 1;
	if (s->verb == CI_V_UID && na >= 2 && a[1].type == IMAP_ARG_ATOM) {
		s->uid = true;
		s->verb = conf_imap_verb_find(a[1].str, a[1].len);
		s->args = a + 2;
		s->nargs = na - 2;
	}
}

/* Spaces and 8-bit octets outside quoted strings' escapes (2.2.1, 9). */
static void
conf_imap_scan_line(struct conf_imap *s, const char *p, size_t len,
    bool first, bool before_lit)
{
	bool	 quoted = false, esc = false;
	unsigned brackets = 0;
	size_t	 i;
	char	 prev = first ? 'x' : ' ';

	/* A continuation line starts right after the literal. */
	if (!first && len > 0 && p[0] != ' ' && p[0] != ')')
		s->cmd_spaces = true;
	for (i = 0; i < len; i++) {
		if ((unsigned char)p[i] >= 0x80)
			s->cmd_8bit = true;
		if (quoted) {
			if (esc)
				esc = false;
			else if (p[i] == '\\')
				esc = true;
			else if (p[i] == '"')
				quoted = false;
			prev = p[i];
			continue;
		}
		if (p[i] == '"')
			quoted = true;
		else if (p[i] == '[')
			brackets++;
		else if (p[i] == ']' && brackets > 0)
			brackets--;
		else if (p[i] == ' ' && brackets == 0 &&
		    (prev == ' ' || prev == '('))
			s->cmd_spaces = true;
		else if (p[i] == ')' && brackets == 0 && prev == ' ' && i > 0)
			s->cmd_spaces = true;
		prev = p[i];
	}
	/* A space ends the line only before a literal header. */
	if (len > 0 && p[len - 1] == ' ' && !quoted && !before_lit)
		s->cmd_spaces = true;
}

static enum conf_imap_verb
conf_imap_verb_find(const char *p, size_t n)
{
	size_t	i;

	for (i = 1; i < CI_V_OTHER; i++)
		if (conf_imap_word_eq(p, n, conf_imap_verbs[i].name))
			return (enum conf_imap_verb)i;
	return CI_V_OTHER;
}

static bool
conf_imap_word_eq(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(p, w, n) == 0;
}

/* Is tag[0..n) the kept (maybe shortened) tag? */
static bool
conf_imap_tag_is(const char *kept, const char *tag, size_t n)
{
	size_t	k = strlen(kept);

	return k == MIN(n, (size_t)CI_TAG_KEEP - 1) &&
	    strncmp(kept, tag, k) == 0;
}

static void
conf_imap_advance(struct conf_ctx *ctx)
{
	struct conf_imap	*s = ctx->st;
	const struct tevent	*ev = &ctx->t->ev[ctx->idx];
	const char		*name;

	switch (s->kind) {
	case CI_K_EVENT:
		name = capture_tevent_name(ctx->t, ev);
		if (strcmp(name, "tls-start") == 0 && !s->starttls_sent) {
			/*
			 * Implicit TLS: the greeting may be recorded before
			 * the handshake ends, but it travelled inside TLS.
			 */
			s->tls = true;
			s->starttls_offered = false;
		} else if (strcmp(name, "tls-start") == 0) {
			s->tls_fresh = true;
			s->after_starttls = true;
			s->tls = true;
			conf_imap_epoch(s);
		} else if (strcmp(name, "tls-failed") == 0)
			s->tls_failed = true;
		break;
	case CI_K_REPLY:
		s->greeted = true;
		conf_imap_reply(s);
		break;
	case CI_K_LITERAL:
		s->lit_left = ev->bytes >= s->lit_left ? 0 :
		    s->lit_left - ev->bytes;
		break;
	case CI_K_PART:
	case CI_K_SDATA:
	case CI_K_DROPPED:
	case CI_K_SASL:
	case CI_K_IDLE_CMD:
		break;
	case CI_K_DONE:
		s->idle_sent = false;
		s->idling = false;
		break;
	case CI_K_CMD:
		s->open = false;
		s->lit_expect = false;
		conf_imap_sent(s);
		imap_parser_free(s->parser);
		s->parser = NULL;
		break;
	default:
		fatalx("%s: kind %d", __func__, s->kind);
	}
}

/* A command leaves the client: what it starts. */
static void
conf_imap_sent(struct conf_imap *s)
{
	struct conf_imap_sent	*e;

	s->tls_fresh = false;
	if (s->perr != IMAP_PERR_NONE)
		return;
	if (s->nwin == CI_WIN_MAX) {
		memmove(&s->win[0], &s->win[1],
		    (CI_WIN_MAX - 1) * sizeof(s->win[0]));
		s->nwin--;
	}
	e = &s->win[s->nwin++];
	memset(e, 0, sizeof(*e));
	memcpy(e->tag, s->tag, sizeof(e->tag));
	e->verb = s->verb;
	e->uid = s->uid;
	e->selected = s->state == CI_S_SELECTED;
	switch (s->verb) {
	case CI_V_AUTHENTICATE:
		s->sasl = true;
		memcpy(s->sasl_tag, s->tag, sizeof(s->sasl_tag));
		break;
	case CI_V_IDLE:
		s->idle_sent = true;
		s->idling = false;
		memcpy(s->idle_tag, s->tag, sizeof(s->idle_tag));
		break;
	case CI_V_LOGOUT:
		s->logout = true;
		break;
	case CI_V_STARTTLS:
		s->starttls_sent = true;
		break;
	default:
		break;
	}
}

/* A line read with no output pending: the client had seen it all. */
static void
conf_imap_prune(struct conf_imap *s)
{
	size_t	i, j = 0;

	for (i = 0; i < s->nwin; i++)
		if (!s->win[i].done)
			s->win[j++] = s->win[i];
	s->nwin = j;
}

static void
conf_imap_reply(struct conf_imap *s)
{
	const char	*p = s->line, *sp, *st;
	size_t		 n;

	if (s->len >= 1 && p[0] == '+') {
		if (s->lit_expect)
			s->cont_seen = true;
		else if (s->idle_sent && !s->idling) {
			s->idling = true;
			s->idle_ms = s->now_ms;
		}
		return;
	}
	if (s->len >= 2 && p[0] == '*' && p[1] == ' ') {
		p += 2;
		if (str_prefix_ci(p, "BYE"))
			s->server_closing = true;
		if (str_prefix_ci(p, "PREAUTH"))
			s->state = CI_S_AUTH;
		if (str_prefix_ci(p, "CAPABILITY "))
			conf_imap_caps_parse(s, p + 11);
		else if ((sp = strstr(p, "[CAPABILITY ")) != NULL)
			conf_imap_caps_parse(s, sp + 12);
		return;
	}
	sp = strchr(p, ' ');
	if (sp == NULL)
		return;
	n = (size_t)(sp - p);
	st = sp + 1;
	if ((sp = strstr(st, "[CAPABILITY ")) != NULL &&
	    str_prefix_ci(st, "OK"))
		conf_imap_caps_parse(s, sp + 12);
	conf_imap_tagged(s, p, n, st);
}

/* The tagged response of a command: its effect on the session. */
static void
conf_imap_tagged(struct conf_imap *s, const char *tag, size_t n,
    const char *status)
{
	struct conf_imap_sent	*e = NULL;
	bool			 ok = str_prefix_ci(status, "OK");
	size_t			 i;

	if (s->open && s->lit_expect) {
		/* The server refused the literal (RFC 7888 4, 3501 7.5). */
		s->open = false;
		s->lit_expect = false;
	}
	if (s->sasl && conf_imap_tag_is(s->sasl_tag, tag, n))
		s->sasl = false;
	if (s->idle_sent && conf_imap_tag_is(s->idle_tag, tag, n)) {
		s->idle_sent = false;
		s->idling = false;
	}
	for (i = s->nwin; i > 0; i--) {
		e = &s->win[i - 1];
		if (!e->done && conf_imap_tag_is(e->tag, tag, n))
			break;
		e = NULL;
	}
	if (e == NULL)
		return;
	e->done = true;
	switch (e->verb) {
	case CI_V_LOGIN:
	case CI_V_AUTHENTICATE:
		if (ok)
			s->state = CI_S_AUTH;
		break;
	case CI_V_SELECT:
	case CI_V_EXAMINE:
		/* RFC 3501 6.3.1: a failed SELECT leaves none selected. */
		if (s->state != CI_S_NOT_AUTH)
			s->state = ok ? CI_S_SELECTED : CI_S_AUTH;
		if (ok)
			s->ever_selected = true;
		break;
	case CI_V_CLOSE:
	case CI_V_UNSELECT:
		if (ok && s->state == CI_S_SELECTED)
			s->state = CI_S_AUTH;
		break;
	default:
		break;
	}
}

static void
conf_imap_caps_parse(struct conf_imap *s, const char *p)
{
	size_t	n, i;

	s->caps = 0;
	s->mechs = 0;
	s->caps_seen = true;
	while (*p != '\0' && *p != ']') {
		n = strcspn(p, " ]");
		if (n > 5 && strncasecmp(p, "AUTH=", 5) == 0) {
			for (i = 0; i < nitems(conf_imap_mechs); i++)
				if (conf_imap_word_eq(p + 5, n - 5,
				    conf_imap_mechs[i].name))
					break;
			s->mechs |= i < nitems(conf_imap_mechs) ?
			    conf_imap_mechs[i].bit : CI_MECH_OTHER;
		}
		for (i = 0; i < nitems(conf_imap_caps); i++) {
			if (conf_imap_caps[i].prefix ? n >=
			    strlen(conf_imap_caps[i].word) &&
			    strncasecmp(p, conf_imap_caps[i].word,
			    strlen(conf_imap_caps[i].word)) == 0 :
			    conf_imap_word_eq(p, n, conf_imap_caps[i].word))
				s->caps |= conf_imap_caps[i].bit;
		}
		p += n;
		while (*p == ' ')
			p++;
	}
	if (!s->tls && (s->caps & CI_CAP_STARTTLS))
		s->starttls_offered = true;
}

/* Knowledge from before TLS is void (RFC 2595 3.1). */
static void
conf_imap_epoch(struct conf_imap *s)
{
	if (s->caps_seen)
		s->old_caps = s->caps;
	s->caps = 0;
	s->mechs = 0;
	s->caps_seen = false;
	s->open = false;
	s->lit_expect = false;
	s->nwin = 0;
}
