/*
 * check_smtp.c: the SMTP fake driven through a socket-less conn
 * (conn_new_test): bytes in, reply lines out, messages in a memory store.
 * Covers the verb x state table, whole transactions (DATA and BDAT), the
 * same session fed whole, byte by byte and split at every offset,
 * pipelining, every limit (SIZE, data, recipients, line length, errors),
 * AUTH with each mechanism, STARTTLS without TLS, parameters per
 * extension, and replies without enhanced codes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fakes/base/buf.h"
#include "fakes/base/defs.h"
#include "fakes/smtp.h"
#include "fakes/smtp_int.h"
#include "tests/unit/helpers.h"

Suite	*smtp_suite(void);

struct t_ctx {
	struct event_base	*base;
	struct conn_env		*env;
	struct store		*store;
	struct smtp_conf	 conf;
	struct sasl_creds	 creds;
	struct conn_port	 port;
	struct conn		*c;
	struct buf		 out;		/* replies since last read */
	char			 codes[8192];	/* "250 250 354" */
};

static const char t_session[] =
    "EHLO client.example\r\n"
    "MAIL FROM:<a@example.org> BODY=8BITMIME\r\n"
    "RCPT TO:<b@example.net>\r\n"
    "RCPT TO:<c@example.net> NOTIFY=SUCCESS,FAILURE\r\n"
    "RCPT TO:<Postmaster>\r\n"
    "DATA\r\n"
    "Subject: hi\r\n"
    "\r\n"
    "..leading dot\r\n"
    ".\tdot tab\r\n"
    "bare lf\n"
    "last\r\n"
    ".\r\n"
    "QUIT\r\n";

/* RFC 5321 4.5.2: the first "." of any longer line is removed. */
static const char t_body[] =
    "Subject: hi\r\n"
    "\r\n"
    ".leading dot\r\n"
    "\tdot tab\r\n"
    "bare lf\n"
    "last\r\n";

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
	smtp_conf_defaults(&t->conf);
	t->conf.store = t->store;
	t->creds = (struct sasl_creds){ .accept_any = false,
	    .lookup = t_lookup };
	buf_init(&t->out, 1024 * 1024);
}

/* Collect the output; codes gets the code of each final reply line. */
static const char *
t_read(struct t_ctx *t)
{
	struct evbuffer	*o = conn_test_output(t->c);
	size_t		 n = evbuffer_get_length(o), off = 0, i;
	const char	*p, *eol;

	buf_reset(&t->out);
	ck_assert_int_eq(buf_reserve(&t->out, n), 0);
	evbuffer_remove(o, t->out.p, n);
	t->out.len = n;
	t->out.p[n] = '\0';
	t->codes[0] = '\0';
	for (p = t->out.p; (eol = strstr(p, "\r\n")) != NULL; p = eol + 2) {
		ck_assert_msg(eol - p >= 3, "short reply line");
		if (eol - p == 3 || p[3] == ' ') {
			if (off > 0)
				t->codes[off++] = ' ';
			for (i = 0; i < 3; i++)
				t->codes[off++] = p[i];
			t->codes[off] = '\0';
			ck_assert_uint_lt(off, sizeof(t->codes) - 8);
		}
	}
	ck_assert_msg(*p == '\0', "output not CRLF-terminated: %s", p);
	return t->out.p;
}

static void
t_open(struct t_ctx *t)
{
	t->port = (struct conn_port){ .proto = &smtp_proto,
	    .conf = &t->conf, .tls = NULL, .name = "smtp", .port = 25 };
	t->c = conn_new_test(t->env, &t->port);
	ck_assert_ptr_nonnull(t->c);
	t_read(t);
	ck_assert_str_eq(t->codes, "220");
}

/* Feed and return the codes of the replies. */
static const char *
t_send(struct t_ctx *t, const char *in)
{
	conn_test_feed(t->c, in, strlen(in));
	t_read(t);
	return t->codes;
}

static void
t_expect_n(struct t_ctx *t, const char *in, size_t len, const char *want)
{
	conn_test_feed(t->c, in, len);
	t_read(t);
	ck_assert_msg(strcmp(t->codes, want) == 0,
	    "after '%.60s': got '%s', want '%s' (%s)", in, t->codes, want,
	    t->out.p);
}

static void
t_expect(struct t_ctx *t, const char *in, const char *want)
{
	t_send(t, in);
	ck_assert_msg(strcmp(t->codes, want) == 0,
	    "after '%.60s': got '%s', want '%s' (%s)", in, t->codes, want,
	    t->out.p);
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

static struct smtp_session *
t_session_of(struct t_ctx *t)
{
	return conn_data(t->c);
}

/* --- the greeting and EHLO --- */

START_TEST(test_greeting_ehlo)
{
	struct t_ctx	t;

	t_init(&t);
	t.conf.hostname = "mx.test";
	t.port = (struct conn_port){ .proto = &smtp_proto, .conf = &t.conf,
	    .name = "smtp" };
	t.c = conn_new_test(t.env, &t.port);
	ck_assert_str_eq(t_read(&t), "220 mx.test ESMTP mailrig\r\n");
	t_send(&t, "EHLO client.example\r\n");
	ck_assert_str_eq(t.out.p,
	    "250-mx.test greets client.example\r\n"
	    "250-SIZE 33554432\r\n"
	    "250-PIPELINING\r\n"
	    "250-8BITMIME\r\n"
	    "250-SMTPUTF8\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n"
	    "250-AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2\r\n"
	    "250-CHUNKING\r\n"
	    "250-BINARYMIME\r\n"
	    "250-DSN\r\n"
	    "250-VRFY\r\n"
	    "250 HELP\r\n");
	ck_assert_str_eq(t_session_of(&t)->helo, "client.example");
	t_send(&t, "HELO other\r\n");
	ck_assert_str_eq(t.out.p, "250 mx.test\r\n");
	t_expect(&t, "EHLO\r\n", "501");
	ck_assert_str_eq(t.out.p,
	    "501 Syntax error: EHLO needs an argument\r\n");
	t_fini(&t);
}
END_TEST

/* Disabled extensions are not advertised, and their use is refused. */
START_TEST(test_ext_disabled)
{
	struct t_ctx	t;

	t_init(&t);
	t.conf.ext &= ~(unsigned)(SMTP_EXT_CHUNKING | SMTP_EXT_SIZE |
	    SMTP_EXT_DSN | SMTP_EXT_VRFY | SMTP_EXT_AUTH);
	t_open(&t);
	t_send(&t, "EHLO x\r\n");
	ck_assert_ptr_null(strstr(t.out.p, "CHUNKING"));
	ck_assert_ptr_null(strstr(t.out.p, "BINARYMIME"));
	ck_assert_ptr_null(strstr(t.out.p, "SIZE"));
	ck_assert_ptr_null(strstr(t.out.p, "DSN"));
	ck_assert_ptr_null(strstr(t.out.p, "AUTH"));
	ck_assert_ptr_null(strstr(t.out.p, "STARTTLS"));
	ck_assert_ptr_nonnull(strstr(t.out.p, "PIPELINING"));
	t_expect(&t, "MAIL FROM:<a@b> SIZE=10\r\n", "555");
	t_expect(&t, "MAIL FROM:<a@b> RET=FULL\r\n", "555");
	t_expect(&t, "MAIL FROM:<a@b> AUTH=<>\r\n", "555");
	t_expect(&t, "MAIL FROM:<a@b> BODY=BINARYMIME\r\n", "555");
	t_expect(&t, "MAIL FROM:<a@b>\r\n", "250");
	t_expect(&t, "RCPT TO:<c@d> NOTIFY=NEVER\r\n", "555");
	t_expect(&t, "RCPT TO:<c@d>\r\n", "250");
	/* The chunk is consumed before the refusal, then all is in sync. */
	t_expect(&t, "BDAT 6 LAST\r\nNOOP\r\n", "502");
	t_expect(&t, "NOOP\r\n", "250");
	t_expect(&t, "VRFY x\r\n", "502");
	t_expect(&t, "RSET\r\nAUTH PLAIN AHUAcA==\r\n", "250 502");
	t_expect(&t, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n",
	    "250 250 354");
	t_expect(&t, "x\r\n.\r\n", "250");
	t_fini(&t);
}
END_TEST

/*
 * A conf that lists its extensions exactly gets exactly those: HELP and
 * VRFY are keywords like any other, advertised and answered only when on.
 */
START_TEST(test_ext_exact)
{
	struct t_ctx	t;

	t_init(&t);
	t.conf.hostname = "mx.test";
	t.conf.ext = SMTP_EXT_PIPELINING;
	t_open(&t);
	t_send(&t, "EHLO x\r\n");
	ck_assert_str_eq(t.out.p,
	    "250-mx.test greets x\r\n"
	    "250 PIPELINING\r\n");
	t_expect(&t, "HELP\r\n", "502");
	ck_assert_str_eq(t.out.p, "502 HELP command is disabled\r\n");
	t_expect(&t, "HELP MAIL\r\nVRFY x\r\n", "502 502");
	t_expect(&t, "NOOP\r\n", "250");
	t_fini(&t);

	t_init(&t);
	t.conf.hostname = "mx.test";
	t.conf.ext = SMTP_EXT_HELP;
	t_open(&t);
	t_send(&t, "EHLO x\r\n");
	ck_assert_str_eq(t.out.p,
	    "250-mx.test greets x\r\n"
	    "250 HELP\r\n");
	t_expect(&t, "HELP\r\n", "214");
	ck_assert_ptr_nonnull(strstr(t.out.p, "214-Commands: "));
	t_expect(&t, "VRFY x\r\n", "502");
	t_fini(&t);
}
END_TEST

/* --- every verb in every command state --- */

static const char *const matrix_setup[] = {
	"",
	"EHLO x\r\n",
	"EHLO x\r\nMAIL FROM:<a@b>\r\n",
	"EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n",
};

static const struct {
	const char	*cmd;
	const char	*want[4];	/* GREETING, READY, MAIL, RCPT */
} matrix[] = {
	{ "HELO x\r\n", { "250", "250", "250", "250" } },
	{ "EHLO x\r\n", { "250", "250", "250", "250" } },
	{ "MAIL FROM:<e@f>\r\n", { "503", "250", "503", "503" } },
	{ "RCPT TO:<g@h>\r\n", { "503", "503", "250", "250" } },
	{ "DATA\r\n", { "503", "503", "554", "354" } },
	{ "DATA x\r\n", { "503", "503", "501", "501" } },
	{ "BDAT 3 LAST\r\nabc", { "503", "503", "554", "250" } },
	{ "BDAT 0 LAST\r\n", { "503", "503", "554", "250" } },
	{ "RSET\r\n", { "250", "250", "250", "250" } },
	{ "RSET x\r\n", { "501", "501", "501", "501" } },
	{ "NOOP\r\n", { "250", "250", "250", "250" } },
	{ "NOOP anything\r\n", { "250", "250", "250", "250" } },
	{ "QUIT\r\n", { "221", "221", "221", "221" } },
	{ "VRFY x\r\n", { "252", "252", "252", "252" } },
	{ "VRFY\r\n", { "501", "501", "501", "501" } },
	{ "EXPN list\r\n", { "502", "502", "502", "502" } },
	{ "HELP\r\n", { "214", "214", "214", "214" } },
	{ "STARTTLS\r\n", { "454", "454", "503", "503" } },
	{ "AUTH PLAIN AHUAcA==\r\n", { "503", "235", "503", "503" } },
	{ "AUTH\r\n", { "503", "501", "503", "503" } },
	{ "auth bogus\r\n", { "503", "504", "503", "503" } },
	{ "FOO bar\r\n", { "500", "500", "500", "500" } },
	{ "\r\n", { "500", "500", "500", "500" } },
};

START_TEST(test_matrix)
{
	struct t_ctx	 t;
	int		 cmd = _i / 4, st = _i % 4;
	const char	*got;

	t_init(&t);
	t_open(&t);
	t_send(&t, matrix_setup[st]);
	ck_assert_int_eq(t_session_of(&t)->state, (enum smtp_state)st);
	got = t_send(&t, matrix[cmd].cmd);
	ck_assert_msg(strcmp(got, matrix[cmd].want[st]) == 0,
	    "case %d (%.*s in %s): got %s, want %s", _i,
	    (int)strcspn(matrix[cmd].cmd, "\r"), matrix[cmd].cmd,
	    smtp_state_name((enum smtp_state)st), got, matrix[cmd].want[st]);
	if (strcmp(got, "221") == 0)
		ck_assert(conn_test_closed(t.c));
	else
		ck_assert(!conn_test_closed(t.c));
	t_fini(&t);
}
END_TEST

/* --- a whole transaction --- */

START_TEST(test_transaction)
{
	struct t_ctx		 t;
	const struct store_msg	*m;

	t_init(&t);
	t_open(&t);
	t_send(&t, t_session);
	ck_assert_str_eq(t.codes, "250 250 250 250 250 354 250 221");
	ck_assert_ptr_nonnull(strstr(t.out.p, "250 2.0.0 Ok: queued as 1\r\n"));
	ck_assert(conn_test_closed(t.c));
	ck_assert_str_eq(conn_test_close_reason(t.c), "quit");
	ck_assert_uint_eq(store_count(t.store), 1);
	m = store_get(t.store, 0);
	ck_assert_uint_eq(m->len, strlen(t_body));
	ck_assert_mem_eq(m->data, t_body, m->len);
	ck_assert_str_eq(m->mail_from, "a@example.org");
	ck_assert_str_eq(m->mail_params, "BODY=8BITMIME");
	ck_assert_uint_eq(m->nrcpts, 3);
	ck_assert_str_eq(m->rcpts[0].addr, "b@example.net");
	ck_assert_str_eq(m->rcpts[1].addr, "c@example.net");
	ck_assert_str_eq(m->rcpts[1].params, "NOTIFY=SUCCESS,FAILURE");
	ck_assert_str_eq(m->rcpts[2].addr, "Postmaster");
	ck_assert_str_eq(m->helo, "client.example");
	ck_assert_str_eq(m->via, "ESMTP");
	ck_assert_str_eq(m->port_name, "smtp");
	ck_assert_ptr_null(m->tls);
	ck_assert_ptr_null(m->auth_user);
	ck_assert_uint_eq(m->session_id, conn_id(t.c));
	t_fini(&t);
}
END_TEST

struct t_feed {
	struct t_ctx	*t;
	struct buf	 all;
};

static void
t_feed_cb(void *arg, const char *p, size_t n)
{
	struct t_feed	*f = arg;

	conn_test_feed(f->t->c, p, n);
	t_read(f->t);
	ck_assert_int_eq(buf_append(&f->all, f->t->out.p, f->t->out.len), 0);
}

/* STYLE 3.13: the same replies and the same message however it is cut. */
START_TEST(test_feed_ways)
{
	struct t_ctx		 t;
	struct t_feed		 f;
	size_t			 len = strlen(t_session), k, nways;
	char			 name[32], want[1024];
	const struct store_msg	*m;

	t_init(&t);
	t_open(&t);
	t_send(&t, t_session);
	ck_assert_uint_lt(t.out.len, sizeof(want));
	memcpy(want, t.out.p, t.out.len + 1);
	t_fini(&t);

	nways = feed_ways(len);
	for (k = 0; k < nways; k++) {
		t_init(&t);
		t_open(&t);
		f.t = &t;
		buf_init(&f.all, 65536);
		feed_way(k, t_session, len, t_feed_cb, &f, name, sizeof(name));
		ck_assert_msg(strcmp(buf_cstr(&f.all), want) == 0,
		    "%s: got '%s', want '%s'", name, buf_cstr(&f.all), want);
		ck_assert_uint_eq(store_count(t.store), 1);
		m = store_get(t.store, 0);
		ck_assert_msg(m->len == strlen(t_body) &&
		    memcmp(m->data, t_body, m->len) == 0, "%s: body", name);
		buf_fini(&f.all);
		t_fini(&t);
	}
}
END_TEST

START_TEST(test_pipelining)
{
	struct t_ctx	t;

	t_init(&t);
	t_open(&t);
	t_expect(&t, "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"
	    "RCPT TO:<bad>\r\nRCPT TO:<e@f>\r\nDATA\r\n",
	    "250 250 250 501 250 354");
	t_expect(&t, "body\r\n.\r\nMAIL FROM:<a@b>\r\nRSET\r\nNOOP\r\n",
	    "250 250 250 250");
	ck_assert_uint_eq(store_count(t.store), 1);
	ck_assert_uint_eq(store_get(t.store, 0)->nrcpts, 2);
	t_fini(&t);
}
END_TEST

/* --- limits --- */

START_TEST(test_size_param)
{
	struct t_ctx	t;

	t_init(&t);
	t.conf.size_max = 1000;
	t_open(&t);
	t_send(&t, "EHLO x\r\n");
	ck_assert_ptr_nonnull(strstr(t.out.p, "250-SIZE 1000\r\n"));
	t_expect(&t, "MAIL FROM:<a@b> SIZE=1001\r\n", "552");
	ck_assert_str_eq(t.out.p, "552 5.3.4 Message size exceeds fixed "
	    "maximum message size\r\n");
	t_expect(&t, "MAIL FROM:<a@b> SIZE=99999999999999999999999\r\n",
	    "501");
	t_expect(&t, "MAIL FROM:<a@b> SIZE=1k\r\n", "501");
	t_expect(&t, "MAIL FROM:<a@b> SIZE\r\n", "501");
	t_expect(&t, "MAIL FROM:<a@b> SIZE=1 SIZE=2\r\n", "501");
	t_expect(&t, "MAIL FROM:<a@b> SIZE=1000\r\n", "250");
	t_fini(&t);
}
END_TEST

START_TEST(test_size_data)
{
	struct t_ctx	t;
	char		line[64];
	int		i;

	t_init(&t);
	t.conf.size_max = 100;
	t_open(&t);
	t_expect(&t, "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n",
	    "250 250 250 354");
	memset(line, 'x', 40);
	line[40] = '\r';
	line[41] = '\n';
	line[42] = '\0';
	/* RFC 5321 4.5.3.1.9: nothing is said before the final dot. */
	for (i = 0; i < 5; i++)
		t_expect(&t, line, "");
	t_expect(&t, ".\r\n", "552");
	ck_assert_uint_eq(store_count(t.store), 0);
	/* Exactly at the cap is accepted. */
	t_expect(&t, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n",
	    "250 250 354");
	t_expect(&t, line, "");
	t_expect(&t, line, "");
	t_expect(&t, "12345678901234\r\n.\r\n", "250");
	ck_assert_uint_eq(store_get(t.store, 0)->len, 100);
	t_fini(&t);
}
END_TEST

START_TEST(test_data_line_too_long)
{
	struct t_ctx	 t;
	size_t		 n = LINE_MAX_DATA + 100;
	char		*big;

	t_init(&t);
	t_open(&t);
	t_expect(&t, "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n",
	    "250 250 250 354");
	big = malloc(n + 3);
	memset(big, 'y', n);
	memcpy(big + n, "\r\n", 3);
	t_expect(&t, big, "");
	t_expect(&t, "short\r\n.\r\n", "500");
	ck_assert_uint_eq(store_count(t.store), 0);
	/* Command line over the cap: 500, then the session goes on. */
	t_expect(&t, big, "500");
	ck_assert_ptr_nonnull(strstr(t.out.p, "5.5.2 Line too long"));
	t_expect(&t, "NOOP\r\n", "250");
	free(big);
	t_fini(&t);
}
END_TEST

START_TEST(test_rcpt_max)
{
	struct t_ctx	 t;
	struct buf	 in;
	char		 want[8192];
	int		 i;

	t_init(&t);
	t_open(&t);
	t_expect(&t, "EHLO x\r\nMAIL FROM:<a@b>\r\n", "250 250");
	buf_init(&in, 1024 * 1024);
	for (i = 0; i < SMTP_RCPT_MAX + 1; i++)
		ck_assert_int_eq(buf_appendf(&in, "RCPT TO:<r%d@d>\r\n", i), 0);
	t_send(&t, buf_cstr(&in));
	buf_fini(&in);
	/* 1000 x "250" and one "452", space separated. */
	for (i = 0; i < SMTP_RCPT_MAX; i++)
		memcpy(want + i * 4, "250 ", 4);
	memcpy(want + SMTP_RCPT_MAX * 4, "452", 4);
	ck_assert_str_eq(t.codes, want);
	ck_assert_ptr_nonnull(strstr(t.out.p,
	    "452 4.5.3 Too many recipients\r\n"));
	t_expect(&t, "DATA\r\nx\r\n.\r\n", "354 250");
	ck_assert_uint_eq(store_get(t.store, 0)->nrcpts, SMTP_RCPT_MAX);
	/* A smaller configured cap, and the minimum of RFC 5321 4.5.3.1.8. */
	t.conf.rcpt_max = RFC5321_RCPT_MIN + 1;
	t_expect(&t, "MAIL FROM:<a@b>\r\n", "250");
	for (i = 0; i < RFC5321_RCPT_MIN + 1; i++)
		t_expect(&t, "RCPT TO:<x@y>\r\n", "250");
	t_expect(&t, "RCPT TO:<x@y>\r\n", "452");
	t_fini(&t);
}
END_TEST

START_TEST(test_errors_max)
{
	struct t_ctx	t;
	int		i;

	t_init(&t);
	t_open(&t);
	t_expect(&t, "FOO\r\n", "500");
	ck_assert_str_eq(t.out.p,
	    "500 5.5.2 Error: command not recognized\r\n");
	for (i = 1; i < SMTP_ERRORS_MAX - 1; i++)
		t_expect(&t, "FOO\r\n", "500");
	ck_assert(!conn_test_closed(t.c));
	t_expect(&t, "FOO\r\nNOOP\r\n", "500 421");
	ck_assert_ptr_nonnull(strstr(t.out.p,
	    "421 4.7.0 localhost Too many errors\r\n"));
	ck_assert(conn_test_closed(t.c));
	t_expect(&t, "NOOP\r\n", "");
	t_fini(&t);
}
END_TEST

/* --- BDAT and BINARYMIME, RFC 3030 --- */

START_TEST(test_bdat)
{
	struct t_ctx		 t;
	const struct store_msg	*m;

	t_init(&t);
	t_open(&t);
	t_expect(&t, "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n",
	    "250 250 250");
	t_expect(&t, "BDAT 7\r\nhel\r\nlo", "250");
	ck_assert_str_eq(t.out.p, "250 2.0.0 7 octets received\r\n");
	t_expect(&t, "DATA\r\n", "503");
	t_expect_n(&t, "BDAT 6 last\r\n\0world", 19, "250");
	ck_assert_str_eq(t.out.p, "250 2.0.0 Ok: queued as 1\r\n");
	m = store_get(t.store, 0);
	ck_assert_uint_eq(m->len, 13);
	ck_assert_mem_eq(m->data, "hel\r\nlo\0world", 13);

	/* BDAT 0 LAST ends a chunked message; a lone one is empty. */
	t_expect(&t, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 2\r\nab"
	    "BDAT 0 LAST\r\n", "250 250 250 250");
	ck_assert_uint_eq(store_get(t.store, 1)->len, 2);
	t_expect(&t, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 0 LAST\r\n",
	    "250 250 250");
	ck_assert_uint_eq(store_get(t.store, 2)->len, 0);

	/* A chunk outside a transaction is read, then refused. */
	t_expect(&t, "BDAT 6\r\nNOOP\r\nNOOP\r\n", "503 250");
	/* Split chunk bytes. */
	t_expect(&t, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 4 LAST\r\nab",
	    "250 250");
	t_expect(&t, "cd", "250");
	ck_assert_mem_eq(store_get(t.store, 3)->data, "abcd", 4);
	ck_assert_uint_eq(store_count(t.store), 4);
	t_fini(&t);
}
END_TEST

START_TEST(test_bdat_size)
{
	struct t_ctx	t;

	t_init(&t);
	t.conf.size_max = 10;
	t_open(&t);
	t_expect(&t, "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n",
	    "250 250 250");
	t_expect(&t, "BDAT 8\r\n12345678", "250");
	t_expect(&t, "BDAT 8\r\n12345678", "552");
	t_expect(&t, "BDAT 1 LAST\r\n1", "552");
	ck_assert_uint_eq(store_count(t.store), 0);
	t_expect(&t, "MAIL FROM:<a@b>\r\n", "250");
	t_fini(&t);
}
END_TEST

static const struct {
	const char	*cmd;
	const char	*want;
} bdat_bad[] = {
	{ "BDAT\r\n", "501" },
	{ "BDAT x\r\n", "501" },
	{ "BDAT -1\r\n", "501" },
	{ "BDAT 5 FIRST\r\n", "501" },
	{ "BDAT 99999999999999999999999\r\n", "552" },
	{ "BDAT 999999999999\r\n", "552" },
};

/* The byte count cannot be trusted: reply once and close. */
START_TEST(test_bdat_bad)
{
	struct t_ctx	t;

	t_init(&t);
	t_open(&t);
	t_expect(&t, "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n",
	    "250 250 250");
	t_send(&t, bdat_bad[_i].cmd);
	ck_assert_msg(strcmp(t.codes, bdat_bad[_i].want) == 0,
	    "case %d (%s): got %s, want %s", _i, bdat_bad[_i].cmd, t.codes,
	    bdat_bad[_i].want);
	ck_assert(conn_test_closed(t.c));
	t_fini(&t);
}
END_TEST

START_TEST(test_binarymime)
{
	struct t_ctx	t;

	t_init(&t);
	t_open(&t);
	t_expect(&t, "EHLO x\r\nMAIL FROM:<a@b> BODY=BINARYMIME\r\n"
	    "RCPT TO:<c@d>\r\nDATA\r\n", "250 250 250 503");
	t_expect(&t, "BDAT 3 LAST\r\n\x01\x02\x03", "250");
	ck_assert_str_eq(store_get(t.store, 0)->mail_params,
	    "BODY=BINARYMIME");
	t_expect(&t, "MAIL FROM:<a@b> BODY=bogus\r\n", "501");
	t_expect(&t, "MAIL FROM:<a@b> body=7bit\r\n", "250");
	t_fini(&t);

	t_init(&t);
	t.conf.ext &= ~(unsigned)SMTP_EXT_CHUNKING;
	t_open(&t);
	t_expect(&t, "EHLO x\r\nMAIL FROM:<a@b> BODY=BINARYMIME\r\n",
	    "250 555");
	t_fini(&t);
}
END_TEST

/* --- parameters --- */

static const struct {
	const char	*cmd;
	const char	*want;
} param_cases[] = {
	{ "MAIL FROM:<a@b> FOO=1\r\n", "555" },
	{ "MAIL FROM:<a@b> NOTIFY=NEVER\r\n", "555" },
	{ "MAIL FROM:<a@b> SMTPUTF8\r\n", "250" },
	{ "MAIL FROM:<a@b> SMTPUTF8=yes\r\n", "501" },
	{ "MAIL FROM:<a@b> RET=HDRS ENVID=QQ+2Bx\r\n", "250" },
	{ "MAIL FROM:<a@b> RET=ALL\r\n", "501" },
	{ "MAIL FROM:<a@b> ENVID=a+zz\r\n", "501" },
	{ "MAIL FROM:<a@b> AUTH=<>\r\n", "250" },
	{ "MAIL FROM:<a@b> AUTH=u+40d\r\n", "250" },
	{ "MAIL FROM:<a@b> BODY=8BITMIME SIZE=10 SMTPUTF8\r\n", "250" },
	{ "MAIL FROM:<a@b> =x\r\n", "501" },
	{ "MAIL FROM:<j\xc3\xb6rg@b>\r\n", "550" },
	{ "MAIL FROM:<j\xc3\xb6rg@b> SMTPUTF8\r\n", "250" },
	{ "MAIL FROM:a@b\r\n", "250" },
	{ "MAIL FROM: <a@b>\r\n", "250" },
	{ "MAIL FROM:<a@b\r\n", "501" },
	{ "MAIL TO:<a@b>\r\n", "501" },
	{ "MAIL FROM:<>\r\n", "250" },
	{ "MAIL FROM:<a@b>\r\nRCPT TO:<c@d> NOTIFY=SUCCESS,DELAY "
	  "ORCPT=rfc822;c@d\r\n", "250 250" },
	{ "MAIL FROM:<a@b>\r\nRCPT TO:<c@d> NOTIFY=SOMETIMES\r\n",
	  "250 501" },
	{ "MAIL FROM:<a@b>\r\nRCPT TO:<c@d> ORCPT=c@d\r\n", "250 501" },
	{ "MAIL FROM:<a@b>\r\nRCPT TO:<c@d> SIZE=1\r\n", "250 555" },
	{ "MAIL FROM:<a@b>\r\nRCPT TO:<>\r\n", "250 501" },
	{ "MAIL FROM:<a@b>\r\nRCPT TO:<\xc3\xa4@d>\r\n", "250 553" },
	{ "MAIL FROM:<a@b> SMTPUTF8\r\nRCPT TO:<\xc3\xa4@d>\r\n", "250 250" },
};

START_TEST(test_params)
{
	struct t_ctx	t;

	t_init(&t);
	t_open(&t);
	t_expect(&t, "EHLO x\r\n", "250");
	t_send(&t, param_cases[_i].cmd);
	ck_assert_msg(strcmp(t.codes, param_cases[_i].want) == 0,
	    "case %d (%s): got %s, want %s", _i, param_cases[_i].cmd,
	    t.codes, param_cases[_i].want);
	t_fini(&t);
}
END_TEST

/* After HELO no extension is in effect (RFC 5321 4.1.1.1). */
START_TEST(test_helo_params)
{
	struct t_ctx	t;

	t_init(&t);
	t_open(&t);
	t_expect(&t, "HELO x\r\nMAIL FROM:<a@b> SIZE=1\r\n", "250 555");
	t_expect(&t, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nx\r\n.\r\n",
	    "250 250 354 250");
	ck_assert_str_eq(store_get(t.store, 0)->via, "SMTP");
	t_expect(&t, "AUTH PLAIN AHUAcA==\r\n", "503");
	t_fini(&t);
}
END_TEST

START_TEST(test_no_enhanced)
{
	struct t_ctx	t;

	t_init(&t);
	t.conf.ext &= ~(unsigned)SMTP_EXT_ENHANCED;
	t_open(&t);
	t_send(&t, "EHLO x\r\n");
	ck_assert_ptr_null(strstr(t.out.p, "ENHANCEDSTATUSCODES"));
	t_send(&t, "NOOP\r\nFOO\r\nMAIL FROM:<a@b>\r\nRCPT TO:<>\r\n"
	    "RCPT TO:<c@d>\r\nDATA\r\nx\r\n.\r\nHELP\r\nQUIT\r\n");
	ck_assert_str_eq(t.out.p,
	    "250 Ok\r\n"
	    "500 Error: command not recognized\r\n"
	    "250 Ok\r\n"
	    "501 Null recipient not allowed\r\n"
	    "250 Ok\r\n"
	    "354 End data with <CR><LF>.<CR><LF>\r\n"
	    "250 Ok: queued as 1\r\n"
	    "214-mailrig, a test mail server\r\n"
	    "214-Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP QUIT "
	    "VRFY EXPN HELP STARTTLS AUTH\r\n"
	    "214 End of HELP info\r\n"
	    "221 Bye\r\n");
	t_fini(&t);
}
END_TEST

/* --- STARTTLS without TLS on the port --- */

START_TEST(test_starttls)
{
	struct t_ctx	t;

	t_init(&t);
	t_open(&t);
	t_expect(&t, "EHLO x\r\nSTARTTLS\r\n", "250 454");
	ck_assert_ptr_nonnull(strstr(t.out.p,
	    "\r\n454 4.7.0 TLS not available\r\n"));
	t_expect(&t, "STARTTLS now\r\n", "501");
	t_fini(&t);

	t_init(&t);
	t.conf.ext &= ~(unsigned)SMTP_EXT_STARTTLS;
	t.conf.tls_required = true;
	t_open(&t);
	t_expect(&t, "EHLO x\r\nSTARTTLS\r\n", "250 502");
	ck_assert_ptr_null(strstr(t.out.p, "AUTH"));
	t_expect(&t, "MAIL FROM:<a@b>\r\n", "530");
	ck_assert_str_eq(t.out.p,
	    "530 5.7.0 Must issue a STARTTLS command first\r\n");
	t_expect(&t, "AUTH PLAIN AHUAcA==\r\n", "530");
	t_fini(&t);
}
END_TEST

/* --- AUTH, RFC 4954 --- */

static char *
t_b64(const char *p, size_t len)
{
	char	*out = malloc(len * 2 + 8);

	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)p,
	    (int)len);
	return out;
}

static const struct {
	bool		 real;		/* alice/secret, else accept_any */
	const char	*script;	/* lines sent, "|" between rounds */
	const char	*want;		/* codes, one per round */
	const char	*user;		/* authenticated user, NULL: none */
} auth_cases[] = {
	/* PLAIN with and without an initial response; "=" is empty. */
	{ false, "AUTH PLAIN AHUAcA==", "235", "u" },
	{ true, "AUTH PLAIN AGFsaWNlAHNlY3JldA==", "235", "alice" },
	{ true, "AUTH PLAIN AGFsaWNlAHdyb25n", "535", NULL },
	{ true, "AUTH plain|AGFsaWNlAHNlY3JldA==", "334 235", "alice" },
	{ false, "AUTH PLAIN =", "501", NULL },
	{ false, "AUTH PLAIN !!!!", "501", NULL },
	{ false, "AUTH PLAIN|*", "334 501", NULL },
	/* LOGIN: Username:, Password: */
	{ true, "AUTH LOGIN|YWxpY2U=|c2VjcmV0", "334 334 235", "alice" },
	{ true, "AUTH LOGIN YWxpY2U=|c2VjcmV0", "334 235", "alice" },
	{ true, "AUTH LOGIN|Ym9i|c2VjcmV0", "334 334 535", NULL },
	{ false, "AUTH LOGIN|*", "334 501", NULL },
	{ false, "AUTH LOGIN|dQ==|*", "334 334 501", NULL },
	/* XOAUTH2 with an initial response. */
	{ false, "AUTH XOAUTH2 dXNlcj11AWF1dGg9QmVhcmVyIHQBAQ==", "235",
	  "u" },
	{ true, "AUTH XOAUTH2 dXNlcj1hbGljZQFhdXRoPUJlYXJlciBzZWNyZXQBAQ==",
	  "235", "alice" },
	{ true, "AUTH XOAUTH2 dXNlcj1hbGljZQFhdXRoPUJlYXJlciBiYWQBAQ==|",
	  "334 535", NULL },
	/* Not a mechanism we know, or more than one argument. */
	{ false, "AUTH GSSAPI", "504", NULL },
	{ false, "AUTH PLAIN a b", "501", NULL },
	/* CRAM-MD5: server first; an initial response is a 501. */
	{ false, "AUTH CRAM-MD5 dQ==", "501", NULL },
};

/* Run one "|"-separated script; codes of each round appended. */
static void
t_auth_script(struct t_ctx *t, const char *script, char *got, size_t size)
{
	char	line[256];
	size_t	n, off = 0;

	got[0] = '\0';
	while (script != NULL) {
		n = strcspn(script, "|");
		ck_assert_uint_lt(n + 3, sizeof(line));
		memcpy(line, script, n);
		memcpy(line + n, "\r\n", 3);
		t_send(t, line);
		off += (size_t)snprintf(got + off, size - off, "%s%s",
		    off > 0 ? " " : "", t->codes);
		script = script[n] == '|' ? script + n + 1 : NULL;
	}
}

START_TEST(test_auth)
{
	struct t_ctx		 t;
	struct smtp_session	*s;
	char			 got[64];

	t_init(&t);
	if (auth_cases[_i].real)
		t.conf.creds = &t.creds;
	t_open(&t);
	t_expect(&t, "EHLO x\r\n", "250");
	t_auth_script(&t, auth_cases[_i].script, got, sizeof(got));
	ck_assert_msg(strcmp(got, auth_cases[_i].want) == 0,
	    "case %d (%s): got %s, want %s", _i, auth_cases[_i].script, got,
	    auth_cases[_i].want);
	s = t_session_of(&t);
	ck_assert_int_eq(s->state, SMTP_S_READY);
	ck_assert_ptr_null(s->sasl);
	if (auth_cases[_i].user != NULL) {
		ck_assert(s->flags & SMTP_F_AUTHED);
		ck_assert_str_eq(s->auth_user, auth_cases[_i].user);
		/* RFC 4954 4: no second AUTH. */
		t_expect(&t, "AUTH PLAIN AHUAcA==\r\n", "503");
		t_expect(&t, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"
		    "x\r\n.\r\n", "250 250 354 250");
		ck_assert_str_eq(store_get(t.store, 0)->via, "ESMTPA");
		ck_assert_str_eq(store_get(t.store, 0)->auth_user,
		    auth_cases[_i].user);
	} else {
		ck_assert(!(s->flags & SMTP_F_AUTHED));
		ck_assert_ptr_null(s->auth_user);
	}
	t_fini(&t);
}
END_TEST

START_TEST(test_auth_cram_md5)
{
	struct t_ctx	 t;
	const char	*b64;
	char		*chal, *resp, *b, line[256];
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen, i;
	size_t		 n;
	int		 len;

	t_init(&t);
	t.conf.creds = &t.creds;
	t_open(&t);
	t_expect(&t, "EHLO x\r\nAUTH CRAM-MD5\r\n", "250 334");
	b64 = strstr(t.out.p, "334 ") + 4;
	n = strcspn(b64, "\r");
	chal = malloc(n + 1);
	len = EVP_DecodeBlock((unsigned char *)chal,
	    (const unsigned char *)b64, (int)n);
	ck_assert_int_gt(len, 0);
	chal[len] = '\0';
	chal[strcspn(chal, ">") + 1] = '\0';
	ck_assert_int_eq(chal[0], '<');
	HMAC(EVP_md5(), "secret", 6, (unsigned char *)chal, strlen(chal), md,
	    &mdlen);
	resp = malloc(64);
	n = (size_t)snprintf(resp, 64, "alice ");
	for (i = 0; i < mdlen; i++)
		n += (size_t)snprintf(resp + n, 64 - n, "%02x", md[i]);
	b = t_b64(resp, n);
	snprintf(line, sizeof(line), "%s\r\n", b);
	t_expect(&t, line, "235");
	ck_assert_str_eq(t_session_of(&t)->auth_user, "alice");
	free(b);
	free(resp);
	free(chal);
	t_fini(&t);
}
END_TEST

START_TEST(test_auth_policy)
{
	struct t_ctx	t;

	/* REQUIRED: MAIL needs AUTH first. */
	t_init(&t);
	t.conf.auth = SMTP_AUTH_REQUIRED;
	t_open(&t);
	t_expect(&t, "EHLO x\r\nMAIL FROM:<a@b>\r\n", "250 530");
	ck_assert_ptr_nonnull(strstr(t.out.p,
	    "530 5.7.0 Authentication required\r\n"));
	t_expect(&t, "AUTH PLAIN AHUAcA==\r\nMAIL FROM:<a@b>\r\n", "235 250");
	/* RSET and a new EHLO keep the authentication. */
	t_expect(&t, "RSET\r\nEHLO y\r\nMAIL FROM:<a@b>\r\n", "250 250 250");
	t_fini(&t);

	/* AFTER_TLS: not offered in plaintext, 538 if tried. */
	t_init(&t);
	t.conf.auth = SMTP_AUTH_AFTER_TLS;
	t_open(&t);
	t_send(&t, "EHLO x\r\n");
	ck_assert_ptr_null(strstr(t.out.p, "AUTH"));
	t_expect(&t, "AUTH PLAIN AHUAcA==\r\n", "538");
	t_expect(&t, "MAIL FROM:<a@b>\r\n", "530");
	t_fini(&t);

	/* NONE: 502; and a mechanism switched off is 504. */
	t_init(&t);
	t.conf.auth = SMTP_AUTH_NONE;
	t_open(&t);
	t_send(&t, "EHLO x\r\n");
	ck_assert_ptr_null(strstr(t.out.p, "AUTH"));
	t_expect(&t, "AUTH PLAIN AHUAcA==\r\n", "502");
	t_fini(&t);

	t_init(&t);
	t.conf.auth_mechs = 1u << SASL_LOGIN;
	t_open(&t);
	t_send(&t, "EHLO x\r\n");
	ck_assert_ptr_nonnull(strstr(t.out.p, "250-AUTH LOGIN\r\n"));
	t_expect(&t, "AUTH PLAIN AHUAcA==\r\n", "504");
	ck_assert_str_eq(t.out.p,
	    "504 5.5.4 Unrecognized authentication type\r\n");
	t_fini(&t);
}
END_TEST

/* The exchange is marked secret while it runs, and only then. */
START_TEST(test_auth_long_line)
{
	struct t_ctx	 t;
	size_t		 n = SMTP_AUTH_LINE_MAX + 10;
	char		*big;

	t_init(&t);
	t_open(&t);
	t_expect(&t, "EHLO x\r\nAUTH LOGIN\r\n", "250 334");
	ck_assert_int_eq(t_session_of(&t)->state, SMTP_S_AUTH);
	big = malloc(n + 3);
	memset(big, 'Q', n);
	memcpy(big + n, "\r\n", 3);
	t_expect(&t, big, "500");
	ck_assert_str_eq(t.out.p,
	    "500 5.5.6 Authentication Exchange line is too long\r\n");
	ck_assert_int_eq(t_session_of(&t)->state, SMTP_S_READY);
	t_expect(&t, "NOOP\r\n", "250");
	free(big);
	t_fini(&t);
}
END_TEST

/* --- timeout and shutdown --- */

START_TEST(test_timeout_shutdown)
{
	struct t_ctx	t;

	t_init(&t);
	t_open(&t);
	t_expect(&t, "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"
	    "half a message\r\n", "250 250 250 354");
	smtp_proto.on_timeout(t.c);
	t_read(&t);
	ck_assert_str_eq(t.out.p,
	    "421 4.4.2 localhost Error: timeout exceeded\r\n");
	ck_assert(conn_test_closed(t.c));
	ck_assert_uint_eq(store_count(t.store), 0);
	t_fini(&t);

	t_init(&t);
	t_open(&t);
	t_expect(&t, "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 10\r\n"
	    "half", "250 250 250");
	conn_env_shutdown(t.env);
	t_read(&t);
	ck_assert_str_eq(t.out.p,
	    "421 4.3.2 localhost Service shutting down\r\n");
	ck_assert(conn_test_closed(t.c));
	ck_assert_uint_eq(store_count(t.store), 0);
	t_fini(&t);
}
END_TEST

/* RFC 3207 4.2: after the handshake nothing learned before is kept. */
START_TEST(test_tls_reset)
{
	struct t_ctx		 t;
	struct smtp_session	*s;

	t_init(&t);
	t_open(&t);
	t_expect(&t, "EHLO x\r\nAUTH PLAIN AHUAcA==\r\nMAIL FROM:<a@b>\r\n",
	    "250 235 250");
	smtp_proto.on_tls(t.c);
	s = t_session_of(&t);
	ck_assert_int_eq(s->state, SMTP_S_GREETING);
	ck_assert_uint_eq(s->flags, 0);
	ck_assert_ptr_null(s->tx);
	ck_assert_ptr_null(s->auth_user);
	ck_assert_str_eq(s->helo, "");
	t_expect(&t, "MAIL FROM:<a@b>\r\nEHLO y\r\nMAIL FROM:<a@b>\r\n",
	    "503 250 250");
	t_fini(&t);
}
END_TEST

/* No store, or a store that fails: 451 and nothing claimed. */
START_TEST(test_store_fail)
{
	struct t_ctx	t;

	t_init(&t);
	t.conf.store = NULL;
	t_open(&t);
	t_expect(&t, "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"
	    "DATA\r\nx\r\n.\r\n", "250 250 250 354 451");
	ck_assert_ptr_nonnull(strstr(t.out.p,
	    "451 4.3.0 Error: could not store message\r\n"));
	ck_assert_ptr_null(t_session_of(&t)->tx);
	t_expect(&t, "MAIL FROM:<a@b>\r\n", "250");
	t_fini(&t);
}
END_TEST

/* Counters per table row, for the rule engine. */
START_TEST(test_counts)
{
	struct t_ctx		 t;
	struct smtp_session	*s;

	t_init(&t);
	t_open(&t);
	t_send(&t, "EHLO x\r\nnoop\r\nNOOP\r\nMAIL FROM:<a@b>\r\n"
	    "RCPT TO:<c@d>\r\nRCPT TO:<bad>\r\nRSET\r\n");
	s = t_session_of(&t);
	ck_assert_uint_eq(s->counts[SMTP_CMD_EHLO], 1);
	ck_assert_uint_eq(s->counts[SMTP_CMD_NOOP], 2);
	ck_assert_uint_eq(s->counts[SMTP_CMD_RCPT], 2);
	ck_assert_uint_eq(s->counts[SMTP_CMD_RSET], 1);
	ck_assert_uint_eq(s->counts[SMTP_CMD_DATA], 0);
	ck_assert_uint_eq(s->errors, 1);
	ck_assert_ptr_null(s->tx);
	t_fini(&t);
}
END_TEST

/* --- rules (conn_ask): replaced replies at each stage --- */

static const char *const r_grey[] = { "450 4.2.0 greylisted" };
static const char *const r_busy[] = { "421 4.3.2 busy" };
static const char *const r_full[] = { "552-5.2.2 mailbox", "552 5.2.2 full" };
static const struct conn_verdict r_grey_v = { .lines = r_grey, .nlines = 1 };
static const struct conn_verdict r_busy_v = { .lines = r_busy, .nlines = 1 };
static const struct conn_verdict r_full_v = { .lines = r_full, .nlines = 2 };
static const char *r_mode;
static int r_rcpts;

static const struct conn_verdict *
r_ask(void *arg, struct conn *c, enum conn_stage st, const char *verb,
    const char *args)
{
	if (strcmp(r_mode, "greeting") == 0 && st == CONN_ST_GREETING)
		return &r_busy_v;
	if (strcmp(r_mode, "rcpt") == 0 && st == CONN_ST_COMMAND &&
	    strcmp(verb, "RCPT") == 0 && r_rcpts++ == 0)
		return &r_grey_v;
	if (strcmp(r_mode, "data") == 0 && st == CONN_ST_DATA)
		return &r_full_v;
	return NULL;
}

static const struct conn_hooks r_hooks = { .on_ask = r_ask };

START_TEST(test_rules)
{
	struct t_ctx	t;

	t_init(&t);
	conn_env_set_hooks(t.env, &r_hooks);
	r_rcpts = 0;
	/* A 421 greeting closes, as a real one would (RFC 5321 3.8). */
	r_mode = "greeting";
	t.port = (struct conn_port){ .proto = &smtp_proto, .conf = &t.conf,
	    .name = "smtp", .port = 25 };
	t.c = conn_new_test(t.env, &t.port);
	t_read(&t);
	ck_assert_str_eq(t.codes, "421");
	ck_assert(conn_test_closed(t.c));
	conn_test_free(t.c);
	/* The first RCPT is greylisted and not added: DATA finds none. */
	r_mode = "rcpt";
	t_open(&t);
	t_expect(&t, "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"
	    "DATA\r\nRCPT TO:<c@d>\r\nDATA\r\nhi\r\n.\r\n",
	    "250 250 450 554 250 354 250");
	ck_assert_uint_eq(store_count(t.store), 1);
	ck_assert_uint_eq(store_get(t.store, 0)->nrcpts, 1);
	conn_test_free(t.c);
	/* A replaced end-of-data reply stores nothing. */
	r_mode = "data";
	t_open(&t);
	t_expect(&t, "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"
	    "DATA\r\nhi\r\n.\r\nNOOP\r\n", "250 250 250 354 552 250");
	ck_assert_uint_eq(store_count(t.store), 1);
	t_fini(&t);
}
END_TEST

Suite *
smtp_suite(void)
{
	Suite	*s = suite_create("smtp");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_greeting_ehlo);
	tcase_add_test(tc, test_ext_disabled);
	tcase_add_test(tc, test_ext_exact);
	tcase_add_loop_test(tc, test_matrix, 0, nitems(matrix) * 4);
	tcase_add_test(tc, test_transaction);
	tcase_add_test(tc, test_feed_ways);
	tcase_add_test(tc, test_pipelining);
	tcase_add_test(tc, test_size_param);
	tcase_add_test(tc, test_size_data);
	tcase_add_test(tc, test_data_line_too_long);
	tcase_add_test(tc, test_rcpt_max);
	tcase_add_test(tc, test_errors_max);
	tcase_add_test(tc, test_bdat);
	tcase_add_test(tc, test_bdat_size);
	tcase_add_loop_test(tc, test_bdat_bad, 0, nitems(bdat_bad));
	tcase_add_test(tc, test_binarymime);
	tcase_add_loop_test(tc, test_params, 0, nitems(param_cases));
	tcase_add_test(tc, test_helo_params);
	tcase_add_test(tc, test_no_enhanced);
	tcase_add_test(tc, test_starttls);
	tcase_add_loop_test(tc, test_auth, 0, nitems(auth_cases));
	tcase_add_test(tc, test_auth_cram_md5);
	tcase_add_test(tc, test_auth_policy);
	tcase_add_test(tc, test_auth_long_line);
	tcase_add_test(tc, test_timeout_shutdown);
	tcase_add_test(tc, test_tls_reset);
	tcase_add_test(tc, test_store_fail);
	tcase_add_test(tc, test_counts);
	tcase_add_test(tc, test_rules);
	suite_add_tcase(s, tc);
	return s;
}
