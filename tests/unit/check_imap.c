/*
 * check_imap.c: the IMAP fake driven through socket-less conns
 * (conn_new_test) over a memory store: every command in every state and
 * the class of its tagged response, a whole session (LOGIN, SELECT,
 * FETCH, STORE, COPY, EXPUNGE, LOGOUT), APPEND with synchronizing and
 * non-synchronizing literals and their limits, two sessions on one
 * mailbox seeing each other's changes only where RFC 3501 7.4.1 allows,
 * IDLE with a delivery in between, AUTHENTICATE, LOGINDISABLED, LIST
 * wildcards and attributes, and the error limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "fakes/base/buf.h"
#include "fakes/base/defs.h"
#include "fakes/base/xalloc.h"
#include "fakes/imap.h"
#include "fakes/imap_int.h"
#include "fakes/imap_mime.h"

Suite	*imap_suite(void);

struct t_ctx {
	struct event_base	*base;
	struct conn_env		*env;
	struct store		*store;
	struct imap_conf	 conf;
	struct sasl_creds	 creds;
	struct conn_port	 port;
	struct buf		 out;
};

static const char t_msg[] =
    "From: Bob <bob@example.test>\r\n"
    "To: alice@example.test\r\n"
    "Subject: hello\r\n"
    "Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n"
    "Message-ID: <1@example.test>\r\n"
    "\r\n"
    "Hi Alice.\r\n";

static const char *
t_lookup(void *arg, const char *user)
{
	return strcmp(user, "alice") == 0 ? "secret" : NULL;
}

static void
t_deliver(struct t_ctx *t, const char *rcpt, const char *body)
{
	struct store_msg	*m = store_msg_new();
	const char		*err = NULL;

	store_msg_set_from(m, "bob@example.test", NULL);
	store_msg_add_rcpt(m, rcpt, NULL);
	store_msg_take_data(m, xstrdup(body), strlen(body));
	ck_assert_msg(store_deliver(t->store, m, &err) == 0, "deliver: %s",
	    err);
	store_msg_unref(&m);
}

static void
t_init(struct t_ctx *t)
{
	const char	*err = NULL;

	memset(t, 0, sizeof(*t));
	t->base = event_base_new();
	ck_assert_ptr_nonnull(t->base);
	t->env = conn_env_new(t->base, 16);
	t->store = store_new(NULL, &err);
	ck_assert_ptr_nonnull(t->store);
	imap_conf_defaults(&t->conf);
	t->conf.store = t->store;
	t->creds = (struct sasl_creds){ .accept_any = false,
	    .lookup = t_lookup };
	t->conf.creds = &t->creds;
	t->port = (struct conn_port){ .proto = &imap_proto,
	    .conf = &t->conf, .tls = NULL, .name = "imap", .port = 143 };
	buf_init(&t->out, 64 * 1024 * 1024);
	t_deliver(t, "alice@example.test", t_msg);
}

static void
t_fini(struct t_ctx *t)
{
	conn_env_free(t->env);
	store_free(t->store);
	event_base_free(t->base);
	buf_fini(&t->out);
}

/* Everything the conn wrote since the last call. */
static const char *
t_read(struct t_ctx *t, struct conn *c)
{
	struct evbuffer	*o = conn_test_output(c);
	size_t		 n = evbuffer_get_length(o);

	buf_reset(&t->out);
	ck_assert_int_eq(buf_reserve(&t->out, n), 0);
	evbuffer_remove(o, t->out.p, n);
	t->out.len = n;
	t->out.p[n] = '\0';
	return t->out.p;
}

static struct conn *
t_open(struct t_ctx *t)
{
	struct conn	*c = conn_new_test(t->env, &t->port);

	ck_assert_ptr_nonnull(c);
	ck_assert_msg(strncmp(t_read(t, c), "* OK [CAPABILITY IMAP4rev1",
	    26) == 0, "greeting: %s", t->out.p);
	return c;
}

static const char *
t_send(struct t_ctx *t, struct conn *c, const char *in)
{
	conn_test_feed(c, in, strlen(in));
	return t_read(t, c);
}

/* The status word of the tagged response for tag, or "". */
static const char *
t_status(const char *out, const char *tag)
{
	static char	 word[8];
	const char	*p = out;
	size_t		 tl = strlen(tag), i;

	word[0] = '\0';
	while (p != NULL && *p != '\0') {
		if (strncmp(p, tag, tl) == 0 && p[tl] == ' ') {
			for (i = 0; i < sizeof(word) - 1 &&
			    p[tl + 1 + i] != ' ' && p[tl + 1 + i] != '\r'; i++)
				word[i] = p[tl + 1 + i];
			word[i] = '\0';
		}
		p = strstr(p, "\r\n");
		if (p != NULL)
			p += 2;
	}
	return word;
}

static void
t_expect(struct t_ctx *t, struct conn *c, const char *in, const char *tag,
    const char *want)
{
	const char	*out = t_send(t, c, in);

	ck_assert_msg(strcmp(t_status(out, tag), want) == 0,
	    "after '%.60s': got '%s', want '%s' (%s)", in, t_status(out, tag),
	    want, out);
}

static void
t_has(struct t_ctx *t, const char *needle)
{
	ck_assert_msg(strstr(t->out.p, needle) != NULL, "'%s' not in: %s",
	    needle, t->out.p);
}

static void
t_hasnt(struct t_ctx *t, const char *needle)
{
	ck_assert_msg(strstr(t->out.p, needle) == NULL, "'%s' in: %s",
	    needle, t->out.p);
}

static struct conn *
t_login(struct t_ctx *t, bool select)
{
	struct conn	*c = t_open(t);

	t_expect(t, c, "l1 LOGIN alice secret\r\n", "l1", "OK");
	if (select)
		t_expect(t, c, "l2 SELECT INBOX\r\n", "l2", "OK");
	return c;
}

/* --- every command in every state --- */

static const struct {
	int		 state;		/* 0 not auth, 1 auth, 2 selected */
	const char	*in;
	const char	*want;
} state_cases[] = {
	{ 0, "t CAPABILITY\r\n", "OK" },
	{ 0, "t NOOP\r\n", "OK" },
	{ 0, "t LOGOUT\r\n", "OK" },
	{ 0, "t STARTTLS\r\n", "NO" },		/* no TLS on this port */
	{ 0, "t AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n", "OK" },
	{ 0, "t AUTHENTICATE PLAIN AGFsaWNlAHdyb25n\r\n", "NO" },
	{ 0, "t AUTHENTICATE FOO\r\n", "NO" },
	{ 0, "t LOGIN alice secret\r\n", "OK" },
	{ 0, "t LOGIN alice wrong\r\n", "NO" },
	{ 0, "t LOGIN alice\r\n", "BAD" },
	{ 0, "t ID NIL\r\n", "OK" },
	{ 0, "t ENABLE UTF8=ACCEPT\r\n", "BAD" },
	{ 0, "t NAMESPACE\r\n", "BAD" },
	{ 0, "t SELECT INBOX\r\n", "BAD" },
	{ 0, "t EXAMINE INBOX\r\n", "BAD" },
	{ 0, "t CREATE x\r\n", "BAD" },
	{ 0, "t DELETE x\r\n", "BAD" },
	{ 0, "t RENAME x y\r\n", "BAD" },
	{ 0, "t SUBSCRIBE x\r\n", "BAD" },
	{ 0, "t UNSUBSCRIBE x\r\n", "BAD" },
	{ 0, "t LIST \"\" *\r\n", "BAD" },
	{ 0, "t LSUB \"\" *\r\n", "BAD" },
	{ 0, "t STATUS INBOX (MESSAGES)\r\n", "BAD" },
	{ 0, "t APPEND INBOX \"x\"\r\n", "BAD" },
	{ 0, "t IDLE\r\n", "BAD" },
	{ 0, "t CHECK\r\n", "BAD" },
	{ 0, "t CLOSE\r\n", "BAD" },
	{ 0, "t UNSELECT\r\n", "BAD" },
	{ 0, "t EXPUNGE\r\n", "BAD" },
	{ 0, "t SEARCH ALL\r\n", "BAD" },
	{ 0, "t FETCH 1 FLAGS\r\n", "BAD" },
	{ 0, "t STORE 1 +FLAGS (\\Seen)\r\n", "BAD" },
	{ 0, "t COPY 1 Trash\r\n", "BAD" },
	{ 0, "t MOVE 1 Trash\r\n", "BAD" },
	{ 0, "t UID FETCH 1 FLAGS\r\n", "BAD" },
	{ 0, "t XYZZY\r\n", "BAD" },
	{ 1, "t CAPABILITY\r\n", "OK" },
	{ 1, "t NOOP\r\n", "OK" },
	{ 1, "t LOGOUT\r\n", "OK" },
	{ 1, "t STARTTLS\r\n", "BAD" },
	{ 1, "t AUTHENTICATE PLAIN\r\n", "BAD" },
	{ 1, "t LOGIN alice secret\r\n", "BAD" },
	{ 1, "t ID (\"name\" \"x\")\r\n", "OK" },
	{ 1, "t ENABLE UTF8=ACCEPT\r\n", "OK" },
	{ 1, "t NAMESPACE\r\n", "OK" },
	{ 1, "t SELECT INBOX\r\n", "OK" },
	{ 1, "t SELECT nosuch\r\n", "NO" },
	{ 1, "t EXAMINE inbox\r\n", "OK" },
	{ 1, "t CREATE new/box\r\n", "OK" },
	{ 1, "t CREATE INBOX\r\n", "NO" },
	{ 1, "t CREATE Sent\r\n", "NO" },
	{ 1, "t DELETE Trash\r\n", "OK" },
	{ 1, "t DELETE INBOX\r\n", "NO" },
	{ 1, "t DELETE nosuch\r\n", "NO" },
	{ 1, "t RENAME Drafts Drafts2\r\n", "OK" },
	{ 1, "t RENAME nosuch x\r\n", "NO" },
	{ 1, "t SUBSCRIBE INBOX\r\n", "OK" },
	{ 1, "t UNSUBSCRIBE INBOX\r\n", "OK" },
	{ 1, "t LIST \"\" *\r\n", "OK" },
	{ 1, "t LSUB \"\" *\r\n", "OK" },
	{ 1, "t STATUS INBOX (MESSAGES UIDNEXT UNSEEN)\r\n", "OK" },
	{ 1, "t STATUS INBOX (BOGUS)\r\n", "BAD" },
	{ 1, "t APPEND INBOX \"x\"\r\n", "OK" },
	{ 1, "t APPEND nosuch \"x\"\r\n", "NO" },
	{ 1, "t APPEND INBOX (\\Bogus) \"x\"\r\n", "BAD" },
	{ 1, "t APPEND INBOX \"bad date\" \"x\"\r\n", "BAD" },
	{ 1, "t CHECK\r\n", "BAD" },
	{ 1, "t CLOSE\r\n", "BAD" },
	{ 1, "t UNSELECT\r\n", "BAD" },
	{ 1, "t EXPUNGE\r\n", "BAD" },
	{ 1, "t SEARCH ALL\r\n", "BAD" },
	{ 1, "t FETCH 1 FLAGS\r\n", "BAD" },
	{ 1, "t STORE 1 +FLAGS (\\Seen)\r\n", "BAD" },
	{ 1, "t COPY 1 Trash\r\n", "BAD" },
	{ 1, "t MOVE 1 Trash\r\n", "BAD" },
	{ 1, "t UID FETCH 1 FLAGS\r\n", "BAD" },
	{ 2, "t CAPABILITY\r\n", "OK" },
	{ 2, "t NOOP\r\n", "OK" },
	{ 2, "t LOGOUT\r\n", "OK" },
	{ 2, "t LOGIN alice secret\r\n", "BAD" },
	{ 2, "t SELECT Sent\r\n", "OK" },
	{ 2, "t LIST \"\" %\r\n", "OK" },
	{ 2, "t CHECK\r\n", "OK" },
	{ 2, "t CLOSE\r\n", "OK" },
	{ 2, "t UNSELECT\r\n", "OK" },
	{ 2, "t EXPUNGE\r\n", "OK" },
	{ 2, "t SEARCH ALL\r\n", "OK" },
	{ 2, "t SEARCH CHARSET KOI8-R ALL\r\n", "NO" },
	{ 2, "t SEARCH BOGUS\r\n", "BAD" },
	{ 2, "t FETCH 1 FLAGS\r\n", "OK" },
	{ 2, "t FETCH 1:* (UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (Subject)])"
	    "\r\n", "OK" },
	{ 2, "t FETCH 2 FLAGS\r\n", "BAD" },
	{ 2, "t FETCH 0 FLAGS\r\n", "BAD" },
	{ 2, "t FETCH 1 BOGUS\r\n", "BAD" },
	{ 2, "t STORE 1 +FLAGS (\\Seen)\r\n", "OK" },
	{ 2, "t STORE 1 FLAGS.SILENT (\\Seen $Junk)\r\n", "OK" },
	{ 2, "t STORE 1 +FLAGS (\\Bogus)\r\n", "BAD" },
	{ 2, "t STORE 1 BOGUS (\\Seen)\r\n", "BAD" },
	{ 2, "t COPY 1 Trash\r\n", "OK" },
	{ 2, "t COPY 1 nosuch\r\n", "NO" },
	{ 2, "t MOVE 1 Trash\r\n", "OK" },
	{ 2, "t UID FETCH 1:* (FLAGS)\r\n", "OK" },
	{ 2, "t UID SEARCH ALL\r\n", "OK" },
	{ 2, "t UID STORE 1 -FLAGS (\\Seen)\r\n", "OK" },
	{ 2, "t UID COPY 1 Trash\r\n", "OK" },
	{ 2, "t UID MOVE 1 Trash\r\n", "OK" },
	{ 2, "t UID EXPUNGE 1\r\n", "OK" },
	{ 2, "t UID EXPUNGE\r\n", "BAD" },
	{ 2, "t UID XYZZY 1\r\n", "BAD" },
	{ 2, "t UID\r\n", "BAD" },
	{ 2, "t FETCH\r\n", "BAD" },
	{ 2, "t STARTTLS\r\n", "BAD" },
};

START_TEST(test_states)
{
	struct t_ctx	 t;
	struct conn	*c;
	int		 st = state_cases[_i].state;
	const char	*out, *got;

	t_init(&t);
	c = st == 0 ? t_open(&t) : t_login(&t, st == 2);
	out = t_send(&t, c, state_cases[_i].in);
	got = t_status(out, "t");
	ck_assert_msg(strcmp(got, state_cases[_i].want) == 0,
	    "case %d (%s): got %s, want %s (%s)", _i, state_cases[_i].in,
	    got, state_cases[_i].want, out);
	conn_test_free(c);
	t_fini(&t);
}
END_TEST

/* --- a whole session --- */

START_TEST(test_session)
{
	struct t_ctx			 t;
	struct conn			*c;
	struct store_user		*u;
	struct store_box		*trash, *inbox;
	const struct store_entry	*e;

	t_init(&t);
	t_deliver(&t, "alice@example.test", "Subject: two\r\n\r\nSecond\r\n");
	c = t_open(&t);
	t_has(&t, "AUTH=PLAIN");
	t_has(&t, "IDLE");
	t_hasnt(&t, "LOGINDISABLED");
	t_expect(&t, c, "a1 LOGIN \"alice\" {6}\r\n", "a1", "");
	t_has(&t, "+ Ready");
	t_expect(&t, c, "secret\r\n", "a1", "OK");
	t_has(&t, "a1 OK [CAPABILITY IMAP4rev1");
	t_hasnt(&t, "AUTH=");
	t_expect(&t, c, "a2 SELECT INBOX\r\n", "a2", "OK");
	t_has(&t, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)");
	t_has(&t, "\\*)]");
	t_has(&t, "* 2 EXISTS\r\n");
	t_has(&t, "* 2 RECENT\r\n");
	t_has(&t, "* OK [UNSEEN 1]");
	t_has(&t, "* OK [UIDVALIDITY ");
	t_has(&t, "* OK [UIDNEXT 3]");
	t_has(&t, "a2 OK [READ-WRITE]");
	/* BODY.PEEK leaves \Seen alone, BODY[] sets it and says so. */
	t_expect(&t, c, "a3 FETCH 1 (FLAGS BODY.PEEK[HEADER.FIELDS "
	    "(Subject)])\r\n", "a3", "OK");
	t_has(&t, "* 1 FETCH (");
	t_has(&t, "Subject: hello\r\n\r\n)");
	t_hasnt(&t, "\\Seen");
	t_expect(&t, c, "a4 FETCH 1 BODY[]\r\n", "a4", "OK");
	t_has(&t, "\\Seen");
	t_has(&t, "BODY[] {");
	t_has(&t, "Hi Alice.\r\n)\r\n");
	t_expect(&t, c, "a5 UID FETCH 2 (UID RFC822.SIZE)\r\n", "a5", "OK");
	t_has(&t, "* 2 FETCH (UID 2 RFC822.SIZE 24)\r\n");
	t_expect(&t, c, "a6 STORE 1:2 +FLAGS (\\Deleted $Label1)\r\n", "a6",
	    "OK");
	t_has(&t, "* FLAGS (");
	t_has(&t, "$Label1");
	t_has(&t, "* 1 FETCH (FLAGS (");
	t_has(&t, "* 2 FETCH (FLAGS (");
	t_expect(&t, c, "a7 SEARCH DELETED UNSEEN\r\n", "a7", "OK");
	t_has(&t, "* SEARCH 2\r\n");
	t_expect(&t, c, "a8 COPY 2 Trash\r\n", "a8", "OK");
	t_has(&t, "a8 OK [COPYUID ");
	t_expect(&t, c, "a9 EXPUNGE\r\n", "a9", "OK");
	t_has(&t, "* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n");
	t_expect(&t, c, "a10 LOGOUT\r\n", "a10", "OK");
	t_has(&t, "* BYE");
	ck_assert(conn_test_closed(c));
	u = store_user_get(t.store, "alice", false);
	ck_assert_ptr_nonnull(u);
	inbox = store_box_get(u, "INBOX");
	ck_assert_uint_eq(store_box_size(inbox), 0);
	trash = store_box_get(u, "Trash");
	ck_assert_uint_eq(store_box_size(trash), 1);
	e = store_box_entry(trash, 0);
	ck_assert_uint_eq(e->msg->len, 24);
	ck_assert(e->flags & STORE_F_DELETED);
	ck_assert_int_ge(store_box_keyword_id(trash, "$Label1", false), 0);
	conn_test_free(c);
	t_fini(&t);
}
END_TEST

/* --- APPEND and literals --- */

START_TEST(test_append)
{
	struct t_ctx			 t;
	struct conn			*c;
	struct store_box		*box;
	const struct store_entry	*e;

	t_init(&t);
	t.conf.append_max = 100;
	c = t_login(&t, false);
	t_expect(&t, c, "a1 APPEND Drafts (\\Draft \\Seen) "
	    "\"14-Jul-2020 10:00:00 +0200\" {12}\r\n", "a1", "");
	t_has(&t, "+ Ready");
	t_expect(&t, c, "Subject: x\r\n\r\n", "a1", "OK");
	t_has(&t, "a1 OK [APPENDUID ");
	/* LITERAL+: no continuation request. */
	t_expect(&t, c, "a2 APPEND Drafts {5+}\r\nhello\r\n", "a2", "OK");
	t_hasnt(&t, "+ Ready");
	box = store_box_get(store_user_get(t.store, "alice", false),
	    "Drafts");
	ck_assert_uint_eq(store_box_size(box), 2);
	e = store_box_entry(box, 0);
	ck_assert_mem_eq(e->msg->data, "Subject: x\r\n", 12);
	ck_assert_uint_eq(e->flags & (STORE_F_DRAFT | STORE_F_SEEN),
	    STORE_F_DRAFT | STORE_F_SEEN);
	ck_assert_int_eq(e->internal_ms, 1594713600000LL);
	e = store_box_entry(box, 1);
	ck_assert_uint_eq(e->msg->len, 5);
	ck_assert_mem_eq(e->msg->data, "hello", 5);
	/* Over the cap: a sync literal gets NO [TOOBIG] instead of "+". */
	t_expect(&t, c, "a3 APPEND Drafts {101}\r\n", "a3", "NO");
	t_has(&t, "[TOOBIG]");
	t_hasnt(&t, "+ Ready");
	t_expect(&t, c, "a4 NOOP\r\n", "a4", "OK");
	/* A non-sync one cannot be refused: BYE (RFC 7888 4). */
	t_send(&t, c, "a5 APPEND Drafts {101+}\r\n");
	t_has(&t, "* BYE");
	ck_assert(conn_test_closed(c));
	conn_test_free(c);
	ck_assert_uint_eq(store_box_size(box), 2);
	t_fini(&t);
}
END_TEST

/* Before authentication the caps are tighter (STYLE 3.8). */
START_TEST(test_preauth_limits)
{
	struct t_ctx	 t;
	struct conn	*c;

	t_init(&t);
	c = t_open(&t);
	t_expect(&t, c, "a1 LOGIN {9000}\r\n", "a1", "NO");
	t_has(&t, "[TOOBIG]");
	/* LITERAL+ within the cap is fine, past it fatal. */
	t_expect(&t, c, "a2 LOGIN alice {6+}\r\nsecret\r\n", "a2", "OK");
	conn_test_free(c);
	c = t_open(&t);
	t_send(&t, c, "a3 LOGIN alice {9000+}\r\n");
	t_has(&t, "* BYE");
	ck_assert(conn_test_closed(c));
	conn_test_free(c);
	t_fini(&t);
}
END_TEST

/* --- several sessions on one mailbox --- */

START_TEST(test_two_sessions)
{
	struct t_ctx	 t;
	struct conn	*a, *b;

	t_init(&t);
	a = t_login(&t, true);
	b = t_login(&t, true);
	/* The first SELECT claimed \Recent (RFC 3501 2.3.2). */
	t_expect(&t, b, "b0 FETCH 1 FLAGS\r\n", "b0", "OK");
	t_hasnt(&t, "\\Recent");
	t_expect(&t, b, "b1 STORE 1 +FLAGS (\\Flagged)\r\n", "b1", "OK");
	t_expect(&t, a, "a1 NOOP\r\n", "a1", "OK");
	t_has(&t, "* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))");
	t_expect(&t, a, "a2 NOOP\r\n", "a2", "OK");
	t_hasnt(&t, "FETCH");
	t_deliver(&t, "alice@example.test", t_msg);
	t_expect(&t, b, "b2 NOOP\r\n", "b2", "OK");
	t_has(&t, "* 2 EXISTS\r\n* 1 RECENT\r\n");
	/* b claimed the new one: a sees it without \Recent. */
	t_expect(&t, a, "a3 CHECK\r\n", "a3", "OK");
	t_has(&t, "* 2 EXISTS\r\n* 1 RECENT\r\n");
	t_expect(&t, b, "b3 STORE 1 +FLAGS.SILENT (\\Deleted)\r\n", "b3",
	    "OK");
	t_hasnt(&t, "FETCH");
	t_expect(&t, b, "b4 EXPUNGE\r\n", "b4", "OK");
	t_has(&t, "* 1 EXPUNGE\r\n");
	/* RFC 3501 7.4.1: no EXPUNGE during or right after FETCH. */
	t_expect(&t, a, "a4 FETCH 1:2 (UID)\r\n", "a4", "OK");
	t_hasnt(&t, "EXPUNGE");
	t_has(&t, "* 2 FETCH (UID 2)");
	t_expect(&t, a, "a5 STORE 2 +FLAGS (\\Seen)\r\n", "a5", "OK");
	t_hasnt(&t, "EXPUNGE");
	t_expect(&t, a, "a6 SEARCH ALL\r\n", "a6", "OK");
	t_hasnt(&t, "EXPUNGE");
	t_has(&t, "* SEARCH 2\r\n");
	/* ... but after a UID command and NOOP it comes. */
	t_expect(&t, a, "a7 UID SEARCH ALL\r\n", "a7", "OK");
	t_has(&t, "* 1 EXPUNGE\r\n");
	t_expect(&t, a, "a8 FETCH 1 (UID)\r\n", "a8", "OK");
	t_has(&t, "* 1 FETCH (UID 2)");
	/* b sees a's \Seen. */
	t_expect(&t, b, "b5 NOOP\r\n", "b5", "OK");
	t_has(&t, "* 1 FETCH (UID 2 FLAGS (\\Seen \\Recent))");
	/* MOVE: COPYUID first, then the EXPUNGE (RFC 6851 4.3). */
	t_expect(&t, b, "b6 UID MOVE 2 Archive\r\n", "b6", "OK");
	ck_assert_msg(strstr(t.out.p, "* OK [COPYUID ") != NULL &&
	    strstr(t.out.p, "* OK [COPYUID ") < strstr(t.out.p,
	    "* 1 EXPUNGE"), "%s", t.out.p);
	t_expect(&t, a, "a9 NOOP\r\n", "a9", "OK");
	t_has(&t, "* 1 EXPUNGE\r\n");
	t_expect(&t, a, "a10 STATUS Archive (MESSAGES)\r\n", "a10", "OK");
	t_has(&t, "* STATUS \"Archive\" (MESSAGES 1)");
	conn_test_free(a);
	conn_test_free(b);
	t_fini(&t);
}
END_TEST

/* EXAMINE never changes flags (RFC 3501 6.3.2). */
START_TEST(test_examine)
{
	struct t_ctx	 t;
	struct conn	*a, *b;

	t_init(&t);
	a = t_login(&t, false);
	t_expect(&t, a, "a1 EXAMINE INBOX\r\n", "a1", "OK");
	t_has(&t, "[READ-ONLY]");
	t_has(&t, "[PERMANENTFLAGS ()]");
	t_has(&t, "* 1 RECENT");
	t_expect(&t, a, "a2 FETCH 1 BODY[TEXT]\r\n", "a2", "OK");
	t_hasnt(&t, "\\Seen");
	t_expect(&t, a, "a3 STORE 1 +FLAGS (\\Seen)\r\n", "a3", "NO");
	t_expect(&t, a, "a4 EXPUNGE\r\n", "a4", "NO");
	b = t_login(&t, true);
	t_has(&t, "* 1 RECENT");
	t_expect(&t, b, "b1 FETCH 1 FLAGS\r\n", "b1", "OK");
	t_has(&t, "FLAGS (\\Recent)");
	conn_test_free(a);
	conn_test_free(b);
	t_fini(&t);
}
END_TEST

/* --- IDLE --- */

START_TEST(test_idle)
{
	struct t_ctx	 t;
	struct conn	*c;

	t_init(&t);
	c = t_login(&t, true);
	t_expect(&t, c, "i1 IDLE\r\n", "i1", "");
	t_has(&t, "+ idling\r\n");
	t_deliver(&t, "alice@example.test", t_msg);
	/* Sent from the event loop, not inside the delivery. */
	t_read(&t, c);
	ck_assert_str_eq(t.out.p, "");
	event_base_loop(t.base, EVLOOP_NONBLOCK);
	t_read(&t, c);
	/* The first message is still \Recent for this session. */
	ck_assert_str_eq(t.out.p, "* 2 EXISTS\r\n* 2 RECENT\r\n");
	t_expect(&t, c, "DONE\r\n", "i1", "OK");
	t_expect(&t, c, "i2 IDLE\r\n", "i2", "");
	t_expect(&t, c, "NOTDONE\r\n", "i2", "BAD");
	t_expect(&t, c, "i3 NOOP\r\n", "i3", "OK");
	conn_test_free(c);
	t_fini(&t);
}
END_TEST

/* --- authentication --- */

START_TEST(test_authenticate)
{
	struct t_ctx	 t;
	struct conn	*c;

	t_init(&t);
	c = t_open(&t);
	t_expect(&t, c, "a1 AUTHENTICATE PLAIN\r\n", "a1", "");
	ck_assert_str_eq(t.out.p, "+ \r\n");
	t_expect(&t, c, "AGFsaWNlAHNlY3JldA==\r\n", "a1", "OK");
	conn_test_free(c);
	c = t_open(&t);
	t_expect(&t, c, "a1 AUTHENTICATE LOGIN\r\n", "a1", "");
	t_expect(&t, c, "*\r\n", "a1", "BAD");
	t_expect(&t, c, "a2 AUTHENTICATE PLAIN =\r\n", "a2", "BAD");
	t_expect(&t, c, "a3 AUTHENTICATE PLAIN !!!\r\n", "a3", "BAD");
	t_expect(&t, c, "a4 NOOP\r\n", "a4", "OK");
	conn_test_free(c);
	t_fini(&t);
}
END_TEST

/* RFC 3501 6.2.3, RFC 2595 3.2 */
START_TEST(test_logindisabled)
{
	struct t_ctx	 t;
	struct conn	*c;

	t_init(&t);
	t.conf.login_disabled = true;
	c = t_open(&t);
	t_has(&t, "LOGINDISABLED");
	t_expect(&t, c, "a1 LOGIN alice secret\r\n", "a1", "NO");
	t_expect(&t, c, "a2 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n",
	    "a2", "OK");
	conn_test_free(c);
	t.conf.login_disabled = false;
	t.conf.tls_required = true;
	c = t_open(&t);
	t_has(&t, "LOGINDISABLED");
	t_hasnt(&t, "AUTH=");
	t_expect(&t, c, "a1 LOGIN alice secret\r\n", "a1", "NO");
	t_has(&t, "[PRIVACYREQUIRED]");
	t_expect(&t, c, "a2 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n",
	    "a2", "NO");
	conn_test_free(c);
	t_fini(&t);
}
END_TEST

/* --- LIST --- */

START_TEST(test_list)
{
	struct t_ctx	 t;
	struct conn	*c;

	t_init(&t);
	c = t_login(&t, false);
	t_expect(&t, c, "a1 CREATE a/b/c/\r\n", "a1", "OK");
	t_expect(&t, c, "a2 CREATE caf&AOk-\r\n", "a2", "OK");
	t_expect(&t, c, "a3 LIST \"\" *\r\n", "a3", "OK");
	t_has(&t, "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n");
	t_has(&t, "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"\r\n");
	t_has(&t, "* LIST (\\HasNoChildren \\Trash) \"/\" \"Trash\"\r\n");
	t_has(&t, "* LIST (\\HasChildren) \"/\" \"a\"\r\n");
	t_has(&t, "* LIST (\\HasNoChildren) \"/\" \"a/b/c\"\r\n");
	t_has(&t, "\"caf&AOk-\"");
	t_expect(&t, c, "a4 LIST \"\" %\r\n", "a4", "OK");
	t_has(&t, "\"a\"\r\n");
	t_hasnt(&t, "a/b");
	t_expect(&t, c, "a5 LIST a/ %\r\n", "a5", "OK");
	t_has(&t, "\"a/b\"\r\n");
	t_hasnt(&t, "a/b/c");
	t_expect(&t, c, "a6 LIST \"\" \"\"\r\n", "a6", "OK");
	t_has(&t, "* LIST (\\Noselect) \"/\" \"\"\r\n");
	t_expect(&t, c, "a7 LIST \"\" inbox\r\n", "a7", "OK");
	t_has(&t, "\"INBOX\"");
	t_expect(&t, c, "a8 DELETE a/b\r\n", "a8", "OK");
	t_expect(&t, c, "a9 LIST \"\" a/*\r\n", "a9", "OK");
	t_has(&t, "* LIST (\\Noselect \\HasChildren) \"/\" \"a/b\"\r\n");
	t_expect(&t, c, "a10 UNSUBSCRIBE INBOX\r\n", "a10", "OK");
	t_expect(&t, c, "a11 LSUB \"\" *\r\n", "a11", "OK");
	t_has(&t, "\"Sent\"");
	t_hasnt(&t, "INBOX");
	t_expect(&t, c, "a12 SELECT caf&AOk-\r\n", "a12", "OK");
	t_expect(&t, c, "a13 SELECT caf&Jjo\r\n", "a13", "BAD");
	conn_test_free(c);
	t_fini(&t);
}
END_TEST

/* --- bad input --- */

START_TEST(test_errors)
{
	struct t_ctx	 t;
	struct conn	*c;
	char		*big;
	int		 i;

	t_init(&t);
	c = t_open(&t);
	t_send(&t, c, "+ NOOP\r\n");
	ck_assert_str_eq(t.out.p, "* BAD Invalid tag\r\n");
	t_send(&t, c, "\r\n");
	ck_assert_str_eq(t.out.p, "* BAD Empty command line\r\n");
	t_expect(&t, c, "a1 NOOP (\r\n", "a1", "BAD");
	t_expect(&t, c, "a2 \"NOOP\"\r\n", "a2", "BAD");
	/* Over the line cap: BAD, and the session stays in sync. */
	big = xmalloc(IMAP_LINE_MAX + 100);
	memset(big, 'x', IMAP_LINE_MAX + 97);
	memcpy(big, "a3 NOOP ", 8);
	memcpy(big + IMAP_LINE_MAX + 97, "\r\n", 3);
	t_expect(&t, c, big, "a3", "BAD");
	free(big);
	t_expect(&t, c, "a4 NOOP\r\n", "a4", "OK");
	for (i = 0; i < 15 && !conn_test_closed(c); i++)
		t_send(&t, c, "x XYZZY\r\n");
	ck_assert(conn_test_closed(c));
	t_has(&t, "* BYE Too many invalid commands\r\n");
	conn_test_free(c);
	t_fini(&t);
}
END_TEST

/* Shutdown and pipelined input. */
START_TEST(test_pipeline_shutdown)
{
	struct t_ctx	 t;
	struct conn	*c;

	t_init(&t);
	c = t_open(&t);
	t_send(&t, c, "p1 LOGIN alice secret\r\np2 SELECT INBOX\r\n"
	    "p3 FETCH 1 (FLAGS)\r\np4 NAMESPACE\r\np5 ID NIL\r\n");
	t_has(&t, "p1 OK");
	t_has(&t, "p2 OK");
	t_has(&t, "p3 OK");
	t_has(&t, "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\np4 OK");
	t_has(&t, "* ID (\"name\" \"mailrig\"");
	conn_env_shutdown(t.env);
	t_read(&t, c);
	t_has(&t, "* BYE Server shutting down\r\n");
	ck_assert(conn_test_closed(c));
	conn_test_free(c);
	t_fini(&t);
}
END_TEST

static void
t_setup(void)
{
	imap_mime_init();
}

Suite *
imap_suite(void)
{
	Suite	*s = suite_create("imap");
	TCase	*tc = tcase_create("imap");

	tcase_add_unchecked_fixture(tc, t_setup, NULL);
	tcase_add_loop_test(tc, test_states, 0, nitems(state_cases));
	tcase_add_test(tc, test_session);
	tcase_add_test(tc, test_append);
	tcase_add_test(tc, test_preauth_limits);
	tcase_add_test(tc, test_two_sessions);
	tcase_add_test(tc, test_examine);
	tcase_add_test(tc, test_idle);
	tcase_add_test(tc, test_authenticate);
	tcase_add_test(tc, test_logindisabled);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_pipeline_shutdown);
	suite_add_tcase(s, tc);
	return s;
}
