/*
 * check_pop3.c: the POP3 fake driven through a socket-less conn
 * (conn_new_test): bytes in, reply lines out, messages in a memory store.
 * Covers every verb in every state, whole sessions fed whole, byte by
 * byte and split at every offset, the maildrop snapshot, DELE/RSET and
 * UPDATE, the lock ([IN-USE]), USER/PASS, APOP, AUTH with each
 * mechanism, CAPA with and without TLS, byte-stuffing and octet counts,
 * TOP, UIDL stability, a big RETR resumed from the drain callback, bad
 * input and the error limit, timeout and shutdown without UPDATE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "fakes/base/buf.h"
#include "fakes/base/defs.h"
#include "fakes/base/xalloc.h"
#include "fakes/pop3.h"
#include "fakes/pop3_int.h"
#include "tests/unit/helpers.h"

Suite	*pop3_suite(void);

struct t_ctx {
	struct event_base	*base;
	struct conn_env		*env;
	struct store		*store;
	struct pop3_conf	 conf;
	struct sasl_creds	 creds;
	struct conn_port	 port;
	struct conn		*c;
	struct buf		 out;		/* output since the last read */
};

/* RFC 1939 11 example shapes: a dot line, a body, CRLF throughout. */
static const char t_msg1[] =
    "From: a@example.org\r\n"
    "To: alice@example.test\r\n"
    "Subject: one\r\n"
    "\r\n"
    "line 1\r\n"
    ".dot line\r\n"
    "..two dots\r\n"
    "line 4\r\n";

/* As it goes on the wire after "+OK": stuffed, then ".". */
static const char t_msg1_wire[] =
    "From: a@example.org\r\n"
    "To: alice@example.test\r\n"
    "Subject: one\r\n"
    "\r\n"
    "line 1\r\n"
    "..dot line\r\n"
    "...two dots\r\n"
    "line 4\r\n"
    ".\r\n";

/* The last line lacks CRLF: RETR adds it and counts it. */
static const char t_msg2[] =
    "Subject: two\r\n"
    "\r\n"
    "no final newline";

static const char *
t_lookup(void *arg, const char *user)
{
	return strcmp(user, "alice") == 0 ? "secret" : NULL;
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
	pop3_conf_defaults(&t->conf);
	t->conf.store = t->store;
	t->creds = (struct sasl_creds){ .accept_any = false,
	    .lookup = t_lookup };
	buf_init(&t->out, 64 * 1024 * 1024);
}

static void
t_deliver(struct t_ctx *t, const char *rcpt, const char *data, size_t len)
{
	struct store_msg	*m = store_msg_new();
	const char		*err = NULL;
	char			*copy = xmalloc(len + 1);

	memcpy(copy, data, len);
	copy[len] = '\0';
	store_msg_set_from(m, "a@example.org", NULL);
	store_msg_add_rcpt(m, rcpt, NULL);
	store_msg_take_data(m, copy, len);
	ck_assert_int_eq(store_deliver(t->store, m, &err), 0);
	store_msg_unref(&m);
}

/* Take all output (appending to what an earlier read left). */
static const char *
t_take(struct t_ctx *t)
{
	struct evbuffer	*o = conn_test_output(t->c);
	size_t		 n = evbuffer_get_length(o);

	ck_assert_int_eq(buf_reserve(&t->out, n), 0);
	evbuffer_remove(o, t->out.p + t->out.len, n);
	t->out.len += n;
	t->out.p[t->out.len] = '\0';
	return t->out.p;
}

static const char *
t_read(struct t_ctx *t)
{
	buf_reset(&t->out);
	if (t->out.p != NULL)
		t->out.p[0] = '\0';
	t_take(t);
	return t->out.p != NULL ? t->out.p : "";
}

static struct conn *
t_conn(struct t_ctx *t)
{
	struct conn	*c;

	c = conn_new_test(t->env, &t->port);
	ck_assert_ptr_nonnull(c);
	return c;
}

static void
t_open(struct t_ctx *t)
{
	t->port = (struct conn_port){ .proto = &pop3_proto,
	    .conf = &t->conf, .tls = NULL, .name = "pop3", .port = 110 };
	t->c = t_conn(t);
	ck_assert_msg(strncmp(t_read(t), "+OK ", 4) == 0, "greeting: %s",
	    t->out.p);
}

static const char *
t_send(struct t_ctx *t, const char *in)
{
	conn_test_feed(t->c, in, strlen(in));
	return t_read(t);
}

/* The whole output of one exchange. */
static void
t_expect(struct t_ctx *t, const char *in, const char *want)
{
	t_send(t, in);
	ck_assert_msg(strcmp(t->out.p != NULL ? t->out.p : "", want) == 0,
	    "after '%.60s': got '%s', want '%s'", in, t->out.p, want);
}

/* The output of one exchange starts with want. */
static void
t_expect_pfx(struct t_ctx *t, const char *in, const char *want)
{
	const char	*got = t_send(t, in);

	ck_assert_msg(strncmp(got, want, strlen(want)) == 0,
	    "after '%.60s': got '%s', want '%s...'", in, got, want);
}

static struct pop3_session *
t_session(struct t_ctx *t)
{
	return conn_data(t->c);
}

static void
t_login(struct t_ctx *t, const char *user)
{
	char	line[128];

	snprintf(line, sizeof(line), "USER %s\r\n", user);
	t_expect(t, line, "+OK send PASS\r\n");
	t_expect_pfx(t, "PASS any\r\n", "+OK maildrop locked and ready");
	ck_assert_int_eq(t_session(t)->state, POP3_S_TRANSACTION);
}

static void
t_fini(struct t_ctx *t)
{
	conn_test_free(t->c);
	conn_env_free(t->env);
	store_free(t->store);
	event_base_free(t->base);
	buf_fini(&t->out);
}

static size_t
t_inbox_size(struct t_ctx *t, const char *user)
{
	struct store_user	*u = store_user_get(t->store, user, true);

	ck_assert_ptr_nonnull(u);
	return store_box_size(store_box_get(u, "INBOX"));
}

static char *
t_b64(const char *p, size_t len)
{
	char	*out = xmalloc(len * 2 + 8);

	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)p,
	    (int)len);
	return out;
}

/* --- pure helpers of pop3_out.c --- */

static const struct {
	const char	*in;
	uint64_t	 n;		/* TOP lines */
	size_t		 want_size;
	size_t		 want_top;
} out_cases[] = {
	{ "", 0, 0, 0 },
	{ "a\r\n", 0, 3, 3 },				/* no blank line */
	{ "abc", 0, 5, 3 },				/* CRLF added */
	{ "H: 1\r\n\r\nb1\r\nb2\r\n", 0, 16, 8 },
	{ "H: 1\r\n\r\nb1\r\nb2\r\n", 1, 16, 12 },
	{ "H: 1\r\n\r\nb1\r\nb2\r\n", 2, 16, 16 },
	{ "H: 1\r\n\r\nb1\r\nb2\r\n", 99, 16, 16 },
	{ "H: 1\n\nb1\nb2", 1, 13, 9 },		/* bare LF */
	{ "H: 1\r\n\r\nb1\r\nlast", 1, 18, 12 },
	{ "H: 1\r\n\r\nb1\r\nlast", 2, 18, 16 },
	{ "\r\nbody\r\n", 0, 8, 2 },			/* empty header */
	{ "H: 1\r\n\r\n", 5, 8, 8 },
};

START_TEST(test_out_helpers)
{
	const char	*in = out_cases[_i].in;
	size_t		 len = strlen(in), got;

	got = pop3_out_size(in, len);
	ck_assert_msg(got == out_cases[_i].want_size,
	    "case %d (%s): size got %zu, want %zu", _i, in, got,
	    out_cases[_i].want_size);
	got = pop3_out_top_end(in, len, out_cases[_i].n);
	ck_assert_msg(got == out_cases[_i].want_top,
	    "case %d (%s): top got %zu, want %zu", _i, in, got,
	    out_cases[_i].want_top);
}
END_TEST

/* --- greeting and CAPA --- */

START_TEST(test_greeting)
{
	struct t_ctx	 t;
	const char	*g, *lt, *at;

	t_init(&t);
	t.conf.hostname = "pop.test";
	t_open(&t);
	g = t.out.p;
	/* RFC 1939 7: a msg-id shaped timestamp ends the greeting. */
	lt = strchr(g, '<');
	at = strchr(g, '@');
	ck_assert_ptr_nonnull(lt);
	ck_assert_ptr_nonnull(at);
	ck_assert_ptr_nonnull(strstr(g, "@pop.test>\r\n"));
	ck_assert(strncmp(t_session(&t)->timestamp, lt, strlen(lt) - 2) == 0);
	ck_assert_uint_eq(strlen(t_session(&t)->timestamp), strlen(lt) - 2);
	ck_assert_uint_lt(strlen(g), 512);
	t_fini(&t);

	t_init(&t);
	t.conf.capa &= ~(unsigned)POP3_CAPA_APOP;
	t.conf.greeting = "hello there";
	t_open(&t);
	ck_assert_str_eq(t.out.p, "+OK hello there\r\n");
	t_expect(&t, "APOP alice 0123456789abcdef0123456789abcdef\r\n",
	    "-ERR APOP not supported\r\n");
	t_fini(&t);
}
END_TEST

static const char t_capa_all[] =
    "+OK Capability list follows\r\n"
    "TOP\r\n"
    "UIDL\r\n"
    "USER\r\n"
    "SASL PLAIN LOGIN CRAM-MD5 XOAUTH2\r\n"
    "RESP-CODES\r\n"
    "PIPELINING\r\n"
    "AUTH-RESP-CODE\r\n"
    "EXPIRE NEVER\r\n"
    "LOGIN-DELAY 0\r\n"
    "IMPLEMENTATION mailrig\r\n";

START_TEST(test_capa)
{
	struct t_ctx	 t;
	char		 want[1024];
	SSL_CTX		*ctx;

	t_init(&t);
	t_open(&t);
	snprintf(want, sizeof(want), "%s.\r\n", t_capa_all);
	t_expect(&t, "CAPA\r\n", want);
	/* Both states (RFC 2449 5); SASL stays after login (RFC 5034 6). */
	t_login(&t, "alice");
	t_expect(&t, "capa\r\n", want);
	t_fini(&t);

	/* STLS only where TLS can start and has not (RFC 2595 4). */
	ctx = SSL_CTX_new(TLS_server_method());
	ck_assert_ptr_nonnull(ctx);
	t_init(&t);
	t_open(&t);
	t.port.tls = ctx;
	snprintf(want, sizeof(want), "%sSTLS\r\n.\r\n", t_capa_all);
	t_expect(&t, "CAPA\r\n", want);
	t_fini(&t);

	/* TLS required: no cleartext login offered, none taken. */
	t_init(&t);
	t.conf.tls_required = true;
	t_open(&t);
	t.port.tls = ctx;
	t_expect(&t, "CAPA\r\n", "+OK Capability list follows\r\n"
	    "TOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\n"
	    "EXPIRE NEVER\r\nLOGIN-DELAY 0\r\nIMPLEMENTATION mailrig\r\n"
	    "STLS\r\n.\r\n");
	t_expect(&t, "USER alice\r\n", "-ERR [AUTH] plaintext "
	    "authentication disallowed without TLS, use STLS\r\n");
	t_expect_pfx(&t, "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n",
	    "-ERR [AUTH] plaintext");
	t_expect_pfx(&t, "APOP alice 0123456789abcdef0123456789abcdef\r\n",
	    "-ERR [AUTH] plaintext");
	ck_assert_int_eq(t_session(&t)->state, POP3_S_AUTHORIZATION);
	t_fini(&t);

	/* Nothing but the bare protocol. */
	t_init(&t);
	t.conf.capa = POP3_CAPA_USER;
	t_open(&t);
	t_expect(&t, "CAPA\r\n", "+OK Capability list follows\r\n"
	    "USER\r\n.\r\n");
	t_expect(&t, "AUTH PLAIN\r\n", "-ERR AUTH not supported\r\n");
	t_expect(&t, "STLS\r\n", "-ERR STLS not supported\r\n");
	t_login(&t, "alice");
	t_expect(&t, "TOP 1 0\r\n", "-ERR TOP not supported\r\n");
	t_expect(&t, "UIDL\r\n", "-ERR UIDL not supported\r\n");
	t_fini(&t);
	SSL_CTX_free(ctx);
}
END_TEST

/* --- every verb in every state --- */

/*
 * Each line is sent alone to a fresh session in the state named: "A"
 * AUTHORIZATION, "T" TRANSACTION (alice, two messages), "S" inside an
 * AUTH PLAIN exchange, "Q" after QUIT.  want is the start of the output
 * ("" for none).
 */
static const struct {
	const char	*line;
	const char	*want_a;
	const char	*want_t;
} matrix[] = {
	{ "USER alice", "+OK", "-ERR USER not valid in the TRANSACTION" },
	{ "PASS secret", "-ERR send USER first", "-ERR PASS not valid" },
	{ "APOP alice 0123456789abcdef0123456789abcdef", "+OK maildrop",
	    "-ERR APOP not valid" },
	{ "AUTH PLAIN AGFsaWNlAHNlY3JldA==", "+OK maildrop",
	    "-ERR AUTH not valid" },
	{ "AUTH LOGIN", "+ VXNlcm5hbWU6", "-ERR AUTH not valid" },
	{ "STLS", "-ERR [SYS/PERM] TLS not available", "-ERR STLS not valid" },
	{ "CAPA", "+OK Capability", "+OK Capability" },
	{ "QUIT", "+OK localhost POP3 server signing off\r\n",
	    "+OK localhost POP3 server signing off (2 messages left)" },
	{ "STAT", "-ERR STAT not valid in the AUTHORIZATION", "+OK 2 " },
	{ "LIST", "-ERR LIST not valid", "+OK 2 messages (" },
	{ "LIST 2", "-ERR LIST not valid", "+OK 2 " },
	{ "RETR 1", "-ERR RETR not valid", "+OK 100 octets\r\nFrom:" },
	{ "DELE 1", "-ERR DELE not valid", "+OK message 1 deleted\r\n" },
	{ "NOOP", "-ERR NOOP not valid", "+OK\r\n" },
	{ "RSET", "-ERR RSET not valid", "+OK maildrop has 2 messages" },
	{ "TOP 1 0", "-ERR TOP not valid", "+OK top of message follows" },
	{ "UIDL", "-ERR UIDL not valid", "+OK unique-id listing follows" },
	{ "UIDL 1", "-ERR UIDL not valid", "+OK 1 " },
	{ "XTND XMIT", "-ERR unknown command", "-ERR unknown command" },
	{ "", "-ERR unknown command", "-ERR unknown command" },
};

START_TEST(test_matrix)
{
	struct t_ctx	 t;
	int		 row = _i / 4, st = _i % 4;
	char		 line[256];
	const char	*want = NULL;

	t_init(&t);
	t_deliver(&t, "alice@example.test", t_msg1, strlen(t_msg1));
	t_deliver(&t, "alice@example.test", t_msg2, strlen(t_msg2));
	t_open(&t);
	snprintf(line, sizeof(line), "%s\r\n", matrix[row].line);
	switch (st) {
	case 0:
		want = matrix[row].want_a;
		break;
	case 1:
		t_login(&t, "alice");
		want = matrix[row].want_t;
		break;
	case 2:
		/* Every line is a SASL response here: bad base64. */
		t_expect(&t, "AUTH PLAIN\r\n", "+ \r\n");
		ck_assert_int_eq(t_session(&t)->state, POP3_S_SASL);
		want = "-ERR ";
		break;
	case 3:
		t_login(&t, "alice");
		t_expect_pfx(&t, "QUIT\r\n", "+OK");
		ck_assert(conn_test_closed(t.c));
		want = "";
		break;
	default:
		ck_abort();
	}
	t_send(&t, line);
	ck_assert_msg(strncmp(t.out.p != NULL ? t.out.p : "", want,
	    strlen(want)) == 0, "case %d (%s in state %d): got '%s', want "
	    "'%s'", _i, matrix[row].line, st, t.out.p, want);
	if (st == 3)
		ck_assert_uint_eq(t.out.len, 0);
	t_fini(&t);
}
END_TEST

/* --- a whole session --- */

START_TEST(test_transaction)
{
	struct t_ctx	 t;
	char		 want[1024], uid1[64], uid2[64];
	size_t		 s1 = strlen(t_msg1), s2 = strlen(t_msg2) + 2;

	t_init(&t);
	t_deliver(&t, "alice@example.test", t_msg1, s1);
	t_deliver(&t, "bob@example.test", "Subject: bob\r\n\r\nx\r\n", 19);
	t_deliver(&t, "alice@other.test", t_msg2, strlen(t_msg2));
	t.conf.creds = &t.creds;
	t_open(&t);
	t_expect(&t, "user alice\r\n", "+OK send PASS\r\n");
	t_expect(&t, "pass wrong\r\n", "-ERR [AUTH] invalid user name or "
	    "password\r\n");
	t_expect(&t, "PASS secret\r\n", "-ERR send USER first\r\n");
	t_expect(&t, "USER alice\r\n", "+OK send PASS\r\n");
	snprintf(want, sizeof(want), "+OK maildrop locked and ready, 2 "
	    "messages (%zu octets)\r\n", s1 + s2);
	t_expect(&t, "PASS secret\r\n", want);
	snprintf(want, sizeof(want), "+OK 2 %zu\r\n", s1 + s2);
	t_expect(&t, "STAT\r\n", want);
	snprintf(want, sizeof(want), "+OK 2 messages (%zu octets)\r\n"
	    "1 %zu\r\n2 %zu\r\n.\r\n", s1 + s2, s1, s2);
	t_expect(&t, "LIST\r\n", want);
	snprintf(want, sizeof(want), "+OK 2 %zu\r\n", s2);
	t_expect(&t, "LIST 2\r\n", want);
	t_expect(&t, "LIST 3\r\n", "-ERR no such message, only 2 messages "
	    "in maildrop\r\n");
	/* RETR: the octet count, then the stuffed bytes. */
	snprintf(want, sizeof(want), "+OK %zu octets\r\n%s", s1, t_msg1_wire);
	t_expect(&t, "RETR 1\r\n", want);
	snprintf(want, sizeof(want), "+OK %zu octets\r\n%s\r\n.\r\n", s2,
	    t_msg2);
	t_expect(&t, "RETR 2\r\n", want);
	t_expect(&t, "TOP 1 0\r\n", "+OK top of message follows\r\n"
	    "From: a@example.org\r\nTo: alice@example.test\r\n"
	    "Subject: one\r\n\r\n.\r\n");
	t_expect(&t, "TOP 1 2\r\n", "+OK top of message follows\r\n"
	    "From: a@example.org\r\nTo: alice@example.test\r\n"
	    "Subject: one\r\n\r\nline 1\r\n..dot line\r\n.\r\n");
	t_expect(&t, "TOP 2 5\r\n", "+OK top of message follows\r\n"
	    "Subject: two\r\n\r\nno final newline\r\n.\r\n");
	t_send(&t, "UIDL\r\n");
	ck_assert_int_eq(sscanf(t.out.p, "+OK unique-id listing follows\r\n"
	    "1 %63s\r\n2 %63s\r\n.\r\n", uid1, uid2), 2);
	ck_assert_str_ne(uid1, uid2);
	snprintf(want, sizeof(want), "+OK 2 %s\r\n", uid2);
	t_expect(&t, "UIDL 2\r\n", want);
	/* DELE marks; the message is refused until RSET (RFC 1939 5). */
	t_expect(&t, "DELE 1\r\n", "+OK message 1 deleted\r\n");
	t_expect(&t, "DELE 1\r\n", "-ERR message 1 already deleted\r\n");
	t_expect(&t, "RETR 1\r\n", "-ERR message 1 already deleted\r\n");
	t_expect(&t, "TOP 1 0\r\n", "-ERR message 1 already deleted\r\n");
	t_expect(&t, "LIST 1\r\n", "-ERR message 1 already deleted\r\n");
	t_expect(&t, "UIDL 1\r\n", "-ERR message 1 already deleted\r\n");
	snprintf(want, sizeof(want), "+OK 1 %zu\r\n", s2);
	t_expect(&t, "STAT\r\n", want);
	snprintf(want, sizeof(want), "+OK 1 messages (%zu octets)\r\n"
	    "2 %zu\r\n.\r\n", s2, s2);
	t_expect(&t, "LIST\r\n", want);
	snprintf(want, sizeof(want), "+OK unique-id listing follows\r\n"
	    "2 %s\r\n.\r\n", uid2);
	t_expect(&t, "UIDL\r\n", want);
	snprintf(want, sizeof(want), "+OK maildrop has 2 messages (%zu "
	    "octets)\r\n", s1 + s2);
	t_expect(&t, "RSET\r\n", want);
	t_expect(&t, "DELE 2\r\n", "+OK message 2 deleted\r\n");
	/* Deletion only happens in UPDATE. */
	ck_assert_uint_eq(t_inbox_size(&t, "alice"), 2);
	t_expect(&t, "QUIT\r\n", "+OK localhost POP3 server signing off "
	    "(1 messages left)\r\n");
	ck_assert(conn_test_closed(t.c));
	ck_assert_str_eq(conn_test_close_reason(t.c), "quit");
	ck_assert_uint_eq(t_inbox_size(&t, "alice"), 1);
	ck_assert_uint_eq(t_inbox_size(&t, "bob"), 1);
	conn_test_free(t.c);

	/* The lock is free again; the UIDL of message 1 has not moved. */
	t.c = t_conn(&t);
	t_read(&t);
	t_expect(&t, "USER alice\r\n", "+OK send PASS\r\n");
	t_expect_pfx(&t, "PASS secret\r\n", "+OK maildrop locked and ready, "
	    "1 messages");
	snprintf(want, sizeof(want), "+OK 1 %s\r\n", uid1);
	t_expect(&t, "UIDL 1\r\n", want);
	t_fini(&t);
}
END_TEST

/* The same pipelined session, fed in every cut, gives the same bytes. */
static const char t_pipelined[] =
    "CAPA\r\nUSER alice\r\nPASS x y \r\nSTAT\r\nLIST\r\nRETR 1\r\n"
    "TOP 1 1\r\nUIDL 1\r\nDELE 1\r\nNOOP\r\nRSET\r\nQUIT\r\n";

static void
t_feed_conn(void *arg, const char *p, size_t n)
{
	conn_test_feed(arg, p, n);
}

START_TEST(test_feed_ways)
{
	struct t_ctx	 t;
	char		*first = NULL, way[32];
	size_t		 k, len = strlen(t_pipelined);

	for (k = 0; k < feed_ways(len); k++) {
		t_init(&t);
		t_deliver(&t, "alice@example.test", t_msg1, strlen(t_msg1));
		t_open(&t);
		feed_way(k, t_pipelined, len, t_feed_conn, t.c, way,
		    sizeof(way));
		t_read(&t);
		ck_assert_msg(conn_test_closed(t.c), "%s: not closed", way);
		if (first == NULL) {
			first = xstrdup(t.out.p);
			ck_assert_ptr_nonnull(strstr(first, t_msg1_wire));
			ck_assert_ptr_nonnull(strstr(first,
			    "+OK message 1 deleted\r\n+OK\r\n"
			    "+OK maildrop has 1 messages"));
		} else
			ck_assert_msg(strcmp(first, t.out.p) == 0,
			    "%s: got '%s', want '%s'", way, t.out.p, first);
		ck_assert_uint_eq(t_inbox_size(&t, "alice"), 1);
		t_fini(&t);
	}
	free(first);
}
END_TEST

/* --- the maildrop: lock, no UPDATE without QUIT --- */

START_TEST(test_lock)
{
	struct t_ctx	 t;
	struct conn	*c2;
	char		 out[512];
	size_t		 n;

	t_init(&t);
	t_deliver(&t, "alice@example.test", t_msg1, strlen(t_msg1));
	t_open(&t);
	t_login(&t, "alice");
	t_expect(&t, "DELE 1\r\n", "+OK message 1 deleted\r\n");

	/* RFC 1939 8 / RFC 2449 8.1.1: a second session gets IN-USE. */
	c2 = t_conn(&t);
	conn_test_feed(c2, "USER ALICE\r\nPASS x\r\nSTAT\r\n", 26);
	n = evbuffer_get_length(conn_test_output(c2));
	ck_assert_uint_lt(n, sizeof(out));
	evbuffer_remove(conn_test_output(c2), out, n);
	out[n] = '\0';
	ck_assert_ptr_nonnull(strstr(out, "+OK send PASS\r\n"
	    "-ERR [IN-USE] maildrop already locked\r\n"
	    "-ERR STAT not valid in the AUTHORIZATION state\r\n"));
	ck_assert(!conn_test_closed(c2));

	/* The first goes away without QUIT: no UPDATE (RFC 1939 6). */
	conn_test_free(t.c);
	t.c = c2;
	ck_assert_uint_eq(t_inbox_size(&t, "alice"), 1);
	t_expect(&t, "USER alice\r\n", "+OK send PASS\r\n");
	t_expect(&t, "PASS x\r\n", "+OK maildrop locked and ready, 1 "
	    "messages (100 octets)\r\n");
	t_fini(&t);
}
END_TEST

/* Timeout and shutdown end the session, never through UPDATE. */
START_TEST(test_timeout_shutdown)
{
	struct t_ctx	t;
	int		k;

	for (k = 0; k < 2; k++) {
		t_init(&t);
		t_deliver(&t, "alice@example.test", t_msg1, strlen(t_msg1));
		t_open(&t);
		t_login(&t, "alice");
		t_expect(&t, "DELE 1\r\n", "+OK message 1 deleted\r\n");
		if (k == 0) {
			pop3_proto.on_timeout(t.c);
			ck_assert_str_eq(t_read(&t), "-ERR [SYS/TEMP] "
			    "autologout timer expired, closing\r\n");
		} else {
			pop3_proto.on_shutdown(t.c);
			ck_assert_str_eq(t_read(&t), "-ERR [SYS/TEMP] server "
			    "shutting down\r\n");
		}
		ck_assert(conn_test_closed(t.c));
		ck_assert_uint_eq(t_inbox_size(&t, "alice"), 1);
		t_fini(&t);
	}
}
END_TEST

/* One store: what another session expunged meanwhile is just gone. */
START_TEST(test_expunged_elsewhere)
{
	struct t_ctx		 t;
	struct store_user	*u;
	struct store_box	*box;
	char			 want[512];

	t_init(&t);
	t_deliver(&t, "alice@example.test", t_msg1, strlen(t_msg1));
	t_deliver(&t, "alice@example.test", t_msg2, strlen(t_msg2));
	t_open(&t);
	t_login(&t, "alice");
	u = store_user_get(t.store, "alice", false);
	box = store_box_get(u, "INBOX");
	ck_assert_int_eq(store_box_expunge(box, store_box_entry(box, 0)->uid,
	    NULL), 0);
	/* The snapshot still serves it (RFC 1939: numbers are fixed). */
	snprintf(want, sizeof(want), "+OK %zu octets\r\n%s",
	    strlen(t_msg1), t_msg1_wire);
	t_expect(&t, "RETR 1\r\n", want);
	t_expect(&t, "DELE 1\r\nDELE 2\r\n", "+OK message 1 deleted\r\n"
	    "+OK message 2 deleted\r\n");
	t_expect_pfx(&t, "QUIT\r\n", "+OK");
	ck_assert_uint_eq(t_inbox_size(&t, "alice"), 0);
	t_fini(&t);
}
END_TEST

/* --- APOP, RFC 1939 7 --- */

static void
t_apop_digest(const char *ts, const char *pw, char out[33])
{
	unsigned char	md[16];
	unsigned int	len = 0, i;
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();

	ck_assert_int_eq(EVP_DigestInit_ex(ctx, EVP_md5(), NULL), 1);
	EVP_DigestUpdate(ctx, ts, strlen(ts));
	EVP_DigestUpdate(ctx, pw, strlen(pw));
	ck_assert_int_eq(EVP_DigestFinal_ex(ctx, md, &len), 1);
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

START_TEST(test_apop)
{
	struct t_ctx	t;
	char		ts[POP3_TIMESTAMP_MAX], d[33], line[128];

	t_init(&t);
	t.conf.creds = &t.creds;
	t_deliver(&t, "alice@example.test", t_msg1, strlen(t_msg1));
	t_open(&t);
	ck_assert_ptr_nonnull(strchr(t.out.p, '<'));
	snprintf(ts, sizeof(ts), "%s", strchr(t.out.p, '<'));
	ts[strcspn(ts, "\r")] = '\0';
	t_apop_digest(ts, "wrong", d);
	snprintf(line, sizeof(line), "APOP alice %s\r\n", d);
	t_expect(&t, line, "-ERR [AUTH] authentication failed\r\n");
	t_expect(&t, "APOP alice 123\r\n", "-ERR digest is not 32 hex "
	    "digits\r\n");
	t_expect(&t, "APOP alice\r\n", "-ERR wrong number of arguments for "
	    "APOP\r\n");
	t_apop_digest(ts, "secret", d);
	snprintf(line, sizeof(line), "APOP bob %s\r\n", d);
	t_expect(&t, line, "-ERR [AUTH] authentication failed\r\n");
	snprintf(line, sizeof(line), "APOP alice %s\r\n", d);
	t_expect(&t, line, "+OK maildrop locked and ready, 1 messages "
	    "(100 octets)\r\n");
	t_fini(&t);
}
END_TEST

/* --- AUTH, RFC 5034 4 --- */

static const struct {
	bool		 real;		/* alice/secret, else accept_any */
	const char	*script;	/* lines sent, "|" between rounds */
	const char	*want;		/* replies, "|" between rounds */
} auth_cases[] = {
	/* PLAIN with the initial response, and after an empty one. */
	{ true, "AUTH PLAIN AGFsaWNlAHNlY3JldA==", "+OK maildrop" },
	{ true, "AUTH plain|AGFsaWNlAHNlY3JldA==", "+ |+OK maildrop" },
	{ true, "AUTH PLAIN AGFsaWNlAHdyb25n",
	    "-ERR [AUTH] authentication failed" },
	{ false, "AUTH PLAIN AGJvYgB3aGF0ZXZlcg==", "+OK maildrop" },
	{ true, "AUTH PLAIN|*", "+ |-ERR authentication cancelled" },
	{ true, "AUTH PLAIN @@@@", "-ERR cannot decode response" },
	{ true, "AUTH LOGIN|YWxpY2U=|c2VjcmV0",
	    "+ VXNlcm5hbWU6|+ UGFzc3dvcmQ6|+OK maildrop" },
	{ true, "AUTH LOGIN|YWxpY2U=|*",
	    "+ VXNlcm5hbWU6|+ UGFzc3dvcmQ6|-ERR authentication cancelled" },
	{ false, "AUTH XOAUTH2 dXNlcj1hbGljZQFhdXRoPUJlYXJlciB0b2sBAQ==",
	    "+OK maildrop" },
	{ true, "AUTH DIGEST-MD5", "-ERR unrecognized authentication type" },
	{ true, "AUTH", "-ERR wrong number of arguments for AUTH" },
	{ true, "AUTH PLAIN a b", "-ERR wrong number of arguments for AUTH" },
};

START_TEST(test_auth)
{
	struct t_ctx	 t;
	char		 script[256], want[256], line[300];
	char		*sp, *wp, *s_next, *w_next;

	t_init(&t);
	if (auth_cases[_i].real)
		t.conf.creds = &t.creds;
	t_open(&t);
	snprintf(script, sizeof(script), "%s", auth_cases[_i].script);
	snprintf(want, sizeof(want), "%s", auth_cases[_i].want);
	for (sp = script, wp = want; sp != NULL && wp != NULL;
	    sp = s_next, wp = w_next) {
		s_next = strchr(sp, '|');
		w_next = strchr(wp, '|');
		if (s_next != NULL)
			*s_next++ = '\0';
		if (w_next != NULL)
			*w_next++ = '\0';
		snprintf(line, sizeof(line), "%s\r\n", sp);
		t_send(&t, line);
		ck_assert_msg(strncmp(t.out.p, wp, strlen(wp)) == 0,
		    "case %d (%s): got '%s', want '%s'", _i, sp, t.out.p, wp);
	}
	ck_assert_msg(sp == NULL && wp == NULL, "case %d: script and replies "
	    "differ in length", _i);
	/* After any end of the exchange, commands are commands again. */
	ck_assert_int_ne(t_session(&t)->state, POP3_S_SASL);
	t_expect_pfx(&t, "CAPA\r\n", "+OK Capability");
	t_fini(&t);
}
END_TEST

START_TEST(test_auth_cram_md5)
{
	struct t_ctx	 t;
	char		*chal, *text, *resp, digest[33], line[512], *b;
	size_t		 len;

	t_init(&t);
	t.conf.creds = &t.creds;
	t_open(&t);
	t_send(&t, "AUTH CRAM-MD5\r\n");
	ck_assert(strncmp(t.out.p, "+ ", 2) == 0);
	chal = xstrdup(t.out.p + 2);
	chal[strcspn(chal, "\r")] = '\0';
	text = sasl_b64_decode(chal, strlen(chal), &len);
	ck_assert_ptr_nonnull(text);
	ck_assert(sasl_cram_md5_digest("secret", text, digest));
	snprintf(line, sizeof(line), "alice %s", digest);
	resp = t_b64(line, strlen(line));
	b = xmalloc(strlen(resp) + 3);
	snprintf(b, strlen(resp) + 3, "%s\r\n", resp);
	t_expect_pfx(&t, b, "+OK maildrop locked");
	free(b);
	free(resp);
	free(text);
	free(chal);
	t_fini(&t);
}
END_TEST

/* An AUTH line may pass 255 octets; a response line has its own cap. */
START_TEST(test_auth_long)
{
	struct t_ctx	 t;
	char		*line, *tok;
	size_t		 n = 600;

	t_init(&t);
	t_open(&t);
	tok = xmalloc(n + 64);
	memset(tok, 'a', n);
	tok[n] = '\0';
	line = xasprintf("user=alice\001auth=Bearer %s\001\001", tok);
	free(tok);
	tok = t_b64(line, strlen(line));
	free(line);
	line = xasprintf("AUTH XOAUTH2 %s\r\n", tok);
	ck_assert_uint_gt(strlen(line), POP3_CMD_LINE_MAX);
	t_expect_pfx(&t, line, "+OK maildrop locked");
	free(line);
	free(tok);
	t_fini(&t);

	t_init(&t);
	t_open(&t);
	t_expect(&t, "AUTH PLAIN\r\n", "+ \r\n");
	line = xmalloc(POP3_AUTH_LINE_MAX + 8);
	memset(line, 'A', POP3_AUTH_LINE_MAX);
	memcpy(line + POP3_AUTH_LINE_MAX, "\r\n", 3);
	t_expect(&t, line, "-ERR authentication line too long\r\n");
	free(line);
	ck_assert_int_eq(t_session(&t)->state, POP3_S_AUTHORIZATION);
	t_expect_pfx(&t, "NOOP\r\n", "-ERR NOOP not valid");
	t_fini(&t);
}
END_TEST

/* --- STLS and the reset after it --- */

START_TEST(test_stls)
{
	struct t_ctx		 t;
	struct pop3_session	*s;
	SSL_CTX			*ctx;

	ctx = SSL_CTX_new(TLS_server_method());
	ck_assert_ptr_nonnull(ctx);
	t_init(&t);
	t_open(&t);
	t.port.tls = ctx;
	t_expect(&t, "STLS now\r\n", "-ERR wrong number of arguments for "
	    "STLS\r\n");
	/* A test conn cannot hand over to TLS: +OK, then the end. */
	t_expect(&t, "STLS\r\nCAPA\r\n", "+OK begin TLS negotiation\r\n");
	ck_assert(conn_test_closed(t.c));
	t_fini(&t);

	/* RFC 2595 4: AUTHORIZATION again, what was said before is gone. */
	t_init(&t);
	t_open(&t);
	t.port.tls = ctx;
	t_expect(&t, "USER alice\r\n", "+OK send PASS\r\n");
	s = t_session(&t);
	s->state = POP3_S_TLS;
	pop3_proto.on_tls(t.c);
	ck_assert_int_eq(s->state, POP3_S_AUTHORIZATION);
	ck_assert(!s->have_user);
	ck_assert(!s->secret);
	ck_assert_str_eq(s->user, "");
	t_expect(&t, "PASS x\r\n", "-ERR send USER first\r\n");
	t_fini(&t);
	SSL_CTX_free(ctx);
}
END_TEST

/* --- bad input --- */

static const struct {
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	const char	*want;
} bad_cases[] = {
	{ "RETR\r\n", 0, "-ERR wrong number of arguments for RETR\r\n" },
	{ "RETR 1 2\r\n", 0, "-ERR wrong number of arguments for RETR\r\n" },
	{ "RETR 0\r\n", 0, "-ERR no such message, only 1 messages in "
	    "maildrop\r\n" },
	{ "RETR 2\r\n", 0, "-ERR no such message, only 1 messages in "
	    "maildrop\r\n" },
	{ "RETR 4294967296\r\n", 0, "-ERR invalid message number\r\n" },
	{ "RETR 99999999999999999999999\r\n", 0,
	    "-ERR invalid message number\r\n" },
	{ "RETR -1\r\n", 0, "-ERR invalid message number\r\n" },
	{ "RETR +1\r\n", 0, "-ERR invalid message number\r\n" },
	{ "RETR x\r\n", 0, "-ERR invalid message number\r\n" },
	{ "DELE 1x\r\n", 0, "-ERR invalid message number\r\n" },
	{ "LIST 1 2\r\n", 0, "-ERR wrong number of arguments for LIST\r\n" },
	{ "TOP 1\r\n", 0, "-ERR wrong number of arguments for TOP\r\n" },
	{ "TOP 1 -1\r\n", 0, "-ERR invalid number of lines\r\n" },
	{ "TOP 1 1 1\r\n", 0, "-ERR wrong number of arguments for TOP\r\n" },
	{ "STAT 1\r\n", 0, "-ERR wrong number of arguments for STAT\r\n" },
	{ "NOOP \r\n", 0, "+OK\r\n" },
	{ "noop\r\n", 0, "+OK\r\n" },
	{ "LIST  1\r\n", 0, "+OK 1 100\r\n" },
	{ "NOOP\n", 0, "+OK\r\n" },
	{ "NO\0OP\r\n", 7, "-ERR NUL byte in command\r\n" },
	{ "\x80\xff\x01\r\n", 0, "-ERR unknown command\r\n" },
	{ "RETRX 1\r\n", 0, "-ERR unknown command\r\n" },
	{ "QUITE\r\n", 0, "-ERR unknown command\r\n" },
};

START_TEST(test_bad)
{
	struct t_ctx	 t;
	const char	*in = bad_cases[_i].in;
	size_t		 len = bad_cases[_i].len != 0 ? bad_cases[_i].len :
			    strlen(in);

	t_init(&t);
	t_deliver(&t, "alice@example.test", t_msg1, strlen(t_msg1));
	t_open(&t);
	t_login(&t, "alice");
	conn_test_feed(t.c, in, len);
	t_read(&t);
	ck_assert_msg(strcmp(t.out.p, bad_cases[_i].want) == 0,
	    "case %d (%s): got '%s', want '%s'", _i, in, t.out.p,
	    bad_cases[_i].want);
	/* The session goes on. */
	t_expect(&t, "NOOP\r\n", "+OK\r\n");
	t_fini(&t);
}
END_TEST

/* RFC 2449 4: 255 octets with CRLF; over that -ERR, and in sync. */
START_TEST(test_line_length)
{
	struct t_ctx	 t;
	const char	*want = "-ERR command line too long\r\n"
			    "+OK Capability list follows\r\n";
	char		*line;
	size_t		 n;

	t_init(&t);
	t_open(&t);
	line = xmalloc(70000);
	/* 255 octets exactly: "USER ", a 248-byte name, CRLF. */
	n = POP3_CMD_LINE_MAX - 7;
	memcpy(line, "USER ", 5);
	memset(line + 5, 'u', n);
	memcpy(line + 5 + n, "\r\n", 3);
	ck_assert_uint_eq(strlen(line), POP3_CMD_LINE_MAX);
	t_expect(&t, line, "+OK send PASS\r\n");
	/* One more octet is too long. */
	memset(line + 5, 'u', n + 1);
	memcpy(line + 5 + n + 1, "\r\n", 3);
	t_expect(&t, line, "-ERR command line too long\r\n");
	/* Past the framer's cap: one -ERR, the rest skipped. */
	memset(line, 'x', 69990);
	memcpy(line + 69990, "\r\nCAPA\r\n", 9);
	t_send(&t, line);
	ck_assert_msg(strncmp(t.out.p, want, strlen(want)) == 0, "got %s",
	    t.out.p);
	free(line);
	t_fini(&t);
}
END_TEST

START_TEST(test_errors_max)
{
	struct t_ctx	t;
	int		i;

	t_init(&t);
	t_open(&t);
	for (i = 0; i < POP3_ERRORS_MAX - 1; i++)
		t_expect(&t, "BOGUS\r\n", "-ERR unknown command\r\n");
	ck_assert(!conn_test_closed(t.c));
	t_expect(&t, "BOGUS\r\nCAPA\r\n", "-ERR unknown command\r\n"
	    "-ERR too many errors, closing\r\n");
	ck_assert(conn_test_closed(t.c));
	ck_assert_str_eq(conn_test_close_reason(t.c), "errors");
	t_fini(&t);
}
END_TEST

/* PASS is the one line after USER flagged secret; spaces belong to it. */
START_TEST(test_pass_raw)
{
	struct t_ctx	t;

	t_init(&t);
	t.conf.creds = &t.creds;
	t.creds.lookup = NULL;
	t.creds.accept_any = false;
	t_open(&t);
	t_expect(&t, "USER alice\r\nPASS secret\r\n", "+OK send PASS\r\n"
	    "-ERR [AUTH] invalid user name or password\r\n");
	t_fini(&t);

	t_init(&t);
	t.conf.creds = &t.creds;
	t_open(&t);
	t_expect(&t, "USER alice\r\nPASS secret \r\n", "+OK send PASS\r\n"
	    "-ERR [AUTH] invalid user name or password\r\n");
	t_expect(&t, "USER alice\r\nPASS  secret\r\n", "+OK send PASS\r\n"
	    "-ERR [AUTH] invalid user name or password\r\n");
	t_expect(&t, "USER alice\r\nPASS \r\n", "+OK send PASS\r\n"
	    "-ERR wrong number of arguments for PASS\r\n");
	t_expect(&t, "USER bob\r\nPASS secret\r\n", "+OK send PASS\r\n"
	    "-ERR [AUTH] invalid user name or password\r\n");
	ck_assert(!t_session(&t)->secret);
	t_fini(&t);
}
END_TEST

/* Without RESP-CODES, no codes in brackets (RFC 2449 8). */
START_TEST(test_no_resp_codes)
{
	struct t_ctx	t;

	t_init(&t);
	t.conf.capa &= ~(unsigned)POP3_CAPA_RESP_CODES;
	t.conf.creds = &t.creds;
	t_open(&t);
	t_expect(&t, "USER alice\r\nPASS no\r\n", "+OK send PASS\r\n"
	    "-ERR invalid user name or password\r\n");
	t_expect(&t, "STLS\r\n", "-ERR TLS not available\r\n");
	t_fini(&t);

	t_init(&t);
	t.conf.capa &= ~(unsigned)POP3_CAPA_AUTH_RESP;
	t.conf.creds = &t.creds;
	t_open(&t);
	t_expect(&t, "USER alice\r\nPASS no\r\n", "+OK send PASS\r\n"
	    "-ERR invalid user name or password\r\n");
	t_expect(&t, "STLS\r\n", "-ERR [SYS/PERM] TLS not available\r\n");
	t_fini(&t);
}
END_TEST

/* --- a big RETR resumed from the drain callback --- */

static char *
t_unstuff(const char *p, size_t len, size_t *len_r)
{
	char	*out = xmalloc(len + 1);
	size_t	 i, o = 0;
	bool	 bol = true;

	for (i = 0; i < len; i++) {
		if (!(bol && p[i] == '.'))
			out[o++] = p[i];
		bol = p[i] == '\n';
	}
	*len_r = o;
	return out;
}

START_TEST(test_big_retr)
{
	struct t_ctx	 t;
	char		*msg, *got, hdr[64];
	size_t		 len = 3 * POP3_OUT_CHUNK + 1234, i, glen, rounds = 0;
	const char	*body;

	msg = xmalloc(len);
	for (i = 0; i < len; i++)
		msg[i] = "ab.\r\n"[(i * 7 + i / 13) % 5];
	/* Whole lines, many starting with ".", ending in CRLF. */
	for (i = 0; i + 1 < len; i += 61) {
		msg[i] = '\r';
		msg[i + 1] = '\n';
	}
	msg[len - 2] = '\r';
	msg[len - 1] = '\n';
	t_init(&t);
	t_deliver(&t, "alice@example.test", msg, len);
	t_open(&t);
	t_login(&t, "alice");
	/* Pipelined: NOOP and QUIT wait for the end of the message. */
	t_send(&t, "RETR 1\r\nNOOP\r\nQUIT\r\n");
	ck_assert(t_session(&t)->out.active);
	ck_assert_uint_lt(t.out.len, len);
	while (t_session(&t) != NULL && t_session(&t)->out.active) {
		ck_assert_uint_lt(++rounds, 100);
		pop3_out_drain(t.c);
		t_take(&t);
	}
	ck_assert_uint_ge(rounds, 2);
	snprintf(hdr, sizeof(hdr), "+OK %zu octets\r\n", len);
	ck_assert(strncmp(t.out.p, hdr, strlen(hdr)) == 0);
	body = t.out.p + strlen(hdr);
	ck_assert_ptr_nonnull(strstr(body, "\r\n.\r\n+OK\r\n+OK "));
	glen = (size_t)(strstr(body, "\r\n.\r\n+OK\r\n+OK ") - body) + 2;
	got = t_unstuff(body, glen, &glen);
	ck_assert_uint_eq(glen, len);
	ck_assert_mem_eq(got, msg, len);
	ck_assert(conn_test_closed(t.c));
	free(got);
	free(msg);
	t_fini(&t);
}
END_TEST

/* A session that ends in the middle of a transfer frees everything. */
START_TEST(test_retr_abort)
{
	struct t_ctx	 t;
	char		*msg;
	size_t		 len = 2 * POP3_OUT_CHUNK;

	msg = xmalloc(len);
	memset(msg, '.', len);
	msg[len - 2] = '\r';
	msg[len - 1] = '\n';
	t_init(&t);
	t_deliver(&t, "alice@example.test", msg, len);
	t_open(&t);
	t_login(&t, "alice");
	t_send(&t, "RETR 1\r\n");
	ck_assert(t_session(&t)->out.active);
	pop3_proto.on_shutdown(t.c);
	ck_assert(conn_test_closed(t.c));
	free(msg);
	t_fini(&t);
}
END_TEST

START_TEST(test_counts)
{
	struct t_ctx	t;

	t_init(&t);
	t_open(&t);
	t_send(&t, "CAPA\r\nCAPA\r\nuser a\r\nPASS b\r\nNOOP\r\n");
	ck_assert_uint_eq(t_session(&t)->counts[POP3_CMD_CAPA], 2);
	ck_assert_uint_eq(t_session(&t)->counts[POP3_CMD_USER], 1);
	ck_assert_uint_eq(t_session(&t)->counts[POP3_CMD_PASS], 1);
	ck_assert_uint_eq(t_session(&t)->counts[POP3_CMD_NOOP], 1);
	ck_assert_str_eq(pop3_cmd_verb(POP3_CMD_UIDL), "UIDL");
	ck_assert_str_eq(pop3_state_name(POP3_S_UPDATE), "UPDATE");
	t_fini(&t);
}
END_TEST

Suite *
pop3_suite(void)
{
	Suite	*s = suite_create("pop3");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_out_helpers, 0, nitems(out_cases));
	tcase_add_test(tc, test_greeting);
	tcase_add_test(tc, test_capa);
	tcase_add_loop_test(tc, test_matrix, 0, nitems(matrix) * 4);
	tcase_add_test(tc, test_transaction);
	tcase_add_test(tc, test_feed_ways);
	tcase_add_test(tc, test_lock);
	tcase_add_test(tc, test_timeout_shutdown);
	tcase_add_test(tc, test_expunged_elsewhere);
	tcase_add_test(tc, test_apop);
	tcase_add_loop_test(tc, test_auth, 0, nitems(auth_cases));
	tcase_add_test(tc, test_auth_cram_md5);
	tcase_add_test(tc, test_auth_long);
	tcase_add_test(tc, test_stls);
	tcase_add_loop_test(tc, test_bad, 0, nitems(bad_cases));
	tcase_add_test(tc, test_line_length);
	tcase_add_test(tc, test_errors_max);
	tcase_add_test(tc, test_pass_raw);
	tcase_add_test(tc, test_no_resp_codes);
	tcase_add_test(tc, test_big_retr);
	tcase_add_test(tc, test_retr_abort);
	tcase_add_test(tc, test_counts);
	suite_add_tcase(s, tc);
	return s;
}
