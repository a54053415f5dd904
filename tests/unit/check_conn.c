/*
 * check_conn.c: the connection layer, with a tiny line protocol ("echo")
 * in test mode and over real loopback sockets: greeting, pipelining in
 * order, pause/resume with buffered input (STYLE 4), DATA and counted
 * modes, close after flush, EOF after pipelined input, the session cap,
 * the idle timeout and the hooks the capture relies on.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "fakes/base/buf.h"
#include "fakes/base/defs.h"
#include "fakes/base/str.h"
#include "fakes/conn.h"
#include "fakes/listen.h"
#include "fakes/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

Suite	*conn_suite(void);

/* --- the echo protocol --- */

struct echo {
	int	closed;
	char	reason[64];
};

static struct echo	echo_last;

static void
echo_open(struct conn *c)
{
	conn_set_data(c, &echo_last);
	conn_reply(c, "hello %llu", (unsigned long long)conn_id(c));
}

static void
echo_resume(struct conn *c)
{
	conn_reply(c, "resumed");
	conn_resume(c);
}

static void
echo_item(struct conn *c, const struct frame_item *it)
{
	char		line[256];
	uint64_t	n;

	if (it->flags & FRAME_DATA) {
		if (it->len > 0)
			conn_reply(c, "data %.*s", (int)it->len, it->p);
		if (it->flags & FRAME_END)
			conn_reply(c, "data end");
		return;
	}
	const struct conn_verdict *v;
	size_t		i;

	if (!str_copyn(line, it->p, it->len, sizeof(line)))
		line[0] = '\0';
	v = conn_ask(c, CONN_ST_COMMAND, line, "");
	if (v != NULL && v->nlines > 0) {
		for (i = 0; i < v->nlines; i++)
			conn_reply(c, "%s", v->lines[i]);
		return;
	}
	if (strcmp(line, "QUIT") == 0) {
		conn_reply(c, "bye");
		conn_close_after_flush(c, "quit");
	} else if (strcmp(line, "PAUSE") == 0) {
		conn_pause(c);
		conn_after(c, 20, echo_resume);
	} else if (strcmp(line, "STARTTLS") == 0) {
		conn_reply(c, "go ahead");
		if (conn_starttls(c) == -1)
			conn_reply(c, "no tls");
	} else if (strcmp(line, "DATA") == 0) {
		conn_expect_dot(c);
	} else if (strncmp(line, "BYTES ", 6) == 0 &&
	    str_to_u64(line + 6, strlen(line + 6), 1000, &n)) {
		conn_expect_bytes(c, n);
	} else
		conn_reply(c, "got %s%s", line,
		    (it->flags & FRAME_BARE_LF) ? " bare" : "");
}

static void
echo_tls(struct conn *c)
{
	conn_reply(c, "tls %s", conn_tls_version(c));
}

static void
echo_timeout(struct conn *c)
{
	conn_reply(c, "timeout");
	conn_close_after_flush(c, "timeout");
}

static void
echo_shutdown(struct conn *c)
{
	conn_reply(c, "shutdown");
	conn_close_after_flush(c, "shutdown");
}

static void
echo_close(struct conn *c, const char *reason)
{
	struct echo	*e = conn_data(c);

	e->closed++;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
}

static const struct conn_proto echo_proto = {
	.name = "echo",
	.line_max = 64,
	.idle_sec = 30,
	.busy_reply = "busy",
	.on_open = echo_open,
	.on_item = echo_item,
	.on_tls = echo_tls,
	.on_timeout = echo_timeout,
	.on_shutdown = echo_shutdown,
	.on_close = echo_close,
};

static const struct conn_port echo_port = {
	.proto = &echo_proto,
	.name = "echo",
};

/* --- hooks: record what the capture would see --- */

struct seen {
	struct buf	io;
	int		opens, closes;
};

static void
seen_open(void *arg, struct conn *c)
{
	((struct seen *)arg)->opens++;
}

static void
seen_io(void *arg, struct conn *c, enum conn_dir dir, const char *p,
    size_t len, unsigned flags)
{
	struct seen	*s = arg;

	if (buf_appendf(&s->io, "%c:%.*s%s|", dir == CONN_DIR_IN ? 'c' : 's',
	    (int)len, p, (flags & FRAME_BARE_LF) ? "(lf)" : "") == -1)
		ck_abort_msg("hook log full");
}

static void
seen_event(void *arg, struct conn *c, const char *name, const char *detail)
{
	struct seen	*s = arg;

	if (buf_appendf(&s->io, "e:%s|", name) == -1)
		ck_abort_msg("hook log full");
}

static void
seen_close(void *arg, struct conn *c, const char *reason)
{
	((struct seen *)arg)->closes++;
}

/* --- rules: verdicts by command name --- */

static const char *const v_lines[] = { "451-one", "451 two" };
static const struct {
	const char		*verb;
	struct conn_verdict	 v;
} verdicts[] = {
	{ "GREY", { .lines = v_lines, .nlines = 2, .label = "t:1:1" } },
	{ "SLOW", { .delay_ms = 50, .label = "t:2:1" } },
	{ "DROP", { .disconnect = CONN_DISC_BEFORE, .label = "t:3:1" } },
	{ "BYE", { .disconnect = CONN_DISC_AFTER, .label = "t:4:1" } },
	{ "HALF", { .lines = v_lines, .nlines = 2,
	    .disconnect = CONN_DISC_MID } },
	{ "LF", { .lines = v_lines, .nlines = 2,
	    .malformed = CONN_MAL_BARE_LF } },
	{ "CONT", { .lines = v_lines, .nlines = 2,
	    .malformed = CONN_MAL_BAD_CONT } },
	{ "TAG", { .malformed = CONN_MAL_WRONG_TAG } },
	{ "DRIP", { .drip_bps = 2000 } },
	{ "SPLIT", { .malformed = CONN_MAL_SPLIT } },
	{ "HANG", { .hang = true } },
};

static const struct conn_verdict *
rules_ask(void *arg, struct conn *c, enum conn_stage st, const char *verb,
    const char *args)
{
	size_t	i;

	if (st != CONN_ST_COMMAND)
		return NULL;
	for (i = 0; i < nitems(verdicts); i++)
		if (strcmp(verb, verdicts[i].verb) == 0)
			return &verdicts[i].v;
	return NULL;
}

/* --- helpers --- */

static struct event_base	*base;
static struct conn_env		*env;
static struct seen		 seen;
static struct conn_hooks	 seen_hooks = {
	.on_open = seen_open,
	.on_io = seen_io,
	.on_event = seen_event,
	.on_close = seen_close,
	.arg = &seen,
	.on_ask = rules_ask,
};

static void
setup(void)
{
	memset(&echo_last, 0, sizeof(echo_last));
	memset(&seen, 0, sizeof(seen));
	buf_init(&seen.io, 1 << 20);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	env = conn_env_new(base, 4);
	conn_env_set_hooks(env, &seen_hooks);
}

static void
teardown(void)
{
	conn_env_free(env);
	event_base_free(base);
	buf_fini(&seen.io);
}

static char *
out_text(struct conn *c)
{
	struct evbuffer	*out = conn_test_output(c);
	size_t		 n = evbuffer_get_length(out);
	char		*p = malloc(n + 1);

	evbuffer_remove(out, p, n);
	p[n] = '\0';
	return p;
}

/* Run the loop until fd has want bytes (or EOF), bounded by 2 s. */
static char *
sock_read(int fd, size_t want)
{
	static char	buf[65536];
	size_t		have = 0;
	int		i;
	ssize_t		n;
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };

	for (i = 0; i < 2000 && have < want; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (poll(&pfd, 1, 1) <= 0)
			continue;
		n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	buf[have] = '\0';
	return buf;
}

/* True if the peer closed fd within 2 s (bytes before EOF are dropped). */
static bool
sock_eof(int fd)
{
	char		tmp[4096];
	int		i;
	ssize_t		n;
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };

	for (i = 0; i < 2000; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (poll(&pfd, 1, 1) <= 0)
			continue;
		n = read(fd, tmp, sizeof(tmp));
		if (n == 0)
			return true;
		if (n < 0 && errno != EAGAIN)
			return true;
	}
	return false;
}

static int
sock_connect(int port)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	int			fd;

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static void
sock_send(int fd, const char *s)
{
	ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* --- test mode --- */

START_TEST(test_mode_pipelined)
{
	struct conn	*c;
	char		*out;

	c = conn_new_test(env, &echo_port);
	conn_test_feed(c, "a\r\nb\nc", 6);
	out = out_text(c);
	ck_assert_str_eq(out, "hello 1\r\ngot a\r\ngot b bare\r\n");
	free(out);
	conn_test_feed(c, "\r\nQUIT\r\nlost\r\n", 15);
	out = out_text(c);
	ck_assert_str_eq(out, "got c\r\nbye\r\n");
	free(out);
	ck_assert(conn_test_closed(c));
	ck_assert_str_eq(conn_test_close_reason(c), "quit");
	ck_assert_int_eq(echo_last.closed, 1);
	ck_assert_int_eq(seen.opens, 1);
	ck_assert_int_eq(seen.closes, 1);
	ck_assert_str_eq(buf_cstr(&seen.io), "s:hello 1|c:a|s:got a|"
	    "c:b(lf)|s:got b bare|c:c|s:got c|c:QUIT|s:bye|");
	conn_test_free(c);
	ck_assert_int_eq(echo_last.closed, 1);
	ck_assert_uint_eq(conn_env_sessions(env), 0);
}
END_TEST

START_TEST(test_mode_data_and_bytes)
{
	struct conn	*c;
	char		*out;

	c = conn_new_test(env, &echo_port);
	conn_test_feed(c, "DATA\r\nx\r\n..y\r\n.\r\nBYTES 3\r\nabcz\r\n", 33);
	out = out_text(c);
	ck_assert_str_eq(out, "hello 1\r\ndata x\r\ndata .y\r\ndata end\r\n"
	    "data abc\r\ndata end\r\ngot z\r\n");
	free(out);
	/* Data items reach the hooks with their line ending. */
	ck_assert_ptr_nonnull(strstr(buf_cstr(&seen.io), "c:x\r\n|"));
	conn_test_free(c);
}
END_TEST

START_TEST(test_mode_pause_resume_buffered)
{
	struct conn	*c;
	char		*out;
	int		 i;

	c = conn_new_test(env, &echo_port);
	conn_test_feed(c, "PAUSE\r\none\r\ntwo\r\n", 18);
	out = out_text(c);
	ck_assert_str_eq(out, "hello 1\r\n");
	free(out);
	/* Nothing new arrives: resume alone must process what is buffered. */
	for (i = 0; i < 200 && evbuffer_get_length(conn_test_output(c)) == 0;
	    i++)
		event_base_loop(base, EVLOOP_ONCE);
	out = out_text(c);
	ck_assert_str_eq(out, "resumed\r\ngot one\r\ngot two\r\n");
	free(out);
	conn_test_free(c);
}
END_TEST

START_TEST(test_mode_too_long)
{
	struct conn	*c;
	char		 line[200];
	char		*out;

	memset(line, 'x', sizeof(line));
	c = conn_new_test(env, &echo_port);
	conn_test_feed(c, line, sizeof(line));
	conn_test_feed(c, "\r\nok\r\n", 6);
	out = out_text(c);
	/* The echo protocol ignores the flag; the line is cut at line_max
	   and the session stays in sync. */
	ck_assert_ptr_nonnull(strstr(out, "got ok\r\n"));
	ck_assert_ptr_null(strstr(out, "got xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"));
	free(out);
	conn_test_free(c);
}
END_TEST

/* --- real sockets --- */

START_TEST(test_socket_session)
{
	struct listener	*l;
	const char	*err = NULL;
	int		 fd;
	char		*got;

	l = listen_new(env, "127.0.0.1", 0, &echo_port, &err);
	ck_assert_msg(l != NULL, "listen: %s", err);
	ck_assert_int_gt(listen_port(l), 0);
	fd = sock_connect(listen_port(l));
	got = sock_read(fd, 9);
	ck_assert_str_eq(got, "hello 1\r\n");
	sock_send(fd, "a\r\nb\r\nQUIT\r\nafter\r\n");
	got = sock_read(fd, 21);
	ck_assert_str_eq(got, "got a\r\ngot b\r\nbye\r\n");
	ck_assert(sock_eof(fd));
	close(fd);
	ck_assert_int_eq(echo_last.closed, 1);
	ck_assert_str_eq(echo_last.reason, "quit");
	ck_assert_uint_eq(conn_env_sessions(env), 0);
	listen_free(l);
}
END_TEST

START_TEST(test_socket_eof_after_pipeline)
{
	struct listener	*l;
	const char	*err = NULL;
	int		 fd;
	char		*got;

	l = listen_new(env, "127.0.0.1", 0, &echo_port, &err);
	ck_assert_ptr_nonnull(l);
	fd = sock_connect(listen_port(l));
	sock_send(fd, "one\r\nPAUSE\r\ntwo\r\n");
	shutdown(fd, SHUT_WR);
	got = sock_read(fd, 9 + 9 + 9 + 9);
	ck_assert_str_eq(got, "hello 1\r\ngot one\r\nresumed\r\ngot two\r\n");
	ck_assert(sock_eof(fd));
	close(fd);
	ck_assert_str_eq(echo_last.reason, "eof");
	listen_free(l);
}
END_TEST

START_TEST(test_socket_session_cap)
{
	struct listener	*l;
	const char	*err = NULL;
	int		 fds[5], i;
	char		*got;

	l = listen_new(env, "127.0.0.1", 0, &echo_port, &err);
	ck_assert_ptr_nonnull(l);
	for (i = 0; i < 4; i++) {
		fds[i] = sock_connect(listen_port(l));
		got = sock_read(fds[i], 9);
		ck_assert_str_eq(got, i == 0 ? "hello 1\r\n" :
		    i == 1 ? "hello 2\r\n" : i == 2 ? "hello 3\r\n" :
		    "hello 4\r\n");
	}
	fds[4] = sock_connect(listen_port(l));
	got = sock_read(fds[4], 6);
	ck_assert_str_eq(got, "busy\r\n");
	ck_assert(sock_eof(fds[4]));
	ck_assert_uint_eq(conn_env_sessions(env), 4);
	for (i = 0; i < 5; i++)
		close(fds[i]);
	for (i = 0; i < 100 && conn_env_sessions(env) > 0; i++)
		event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
	listen_free(l);
}
END_TEST

START_TEST(test_socket_idle_timeout)
{
	static const struct conn_port quick = {
		.proto = &echo_proto,
		.name = "echo",
		.idle_sec = 1,
	};
	struct listener	*l;
	const char	*err = NULL;
	int		 fd;
	char		*got;

	l = listen_new(env, "127.0.0.1", 0, &quick, &err);
	ck_assert_ptr_nonnull(l);
	fd = sock_connect(listen_port(l));
	got = sock_read(fd, 9 + 9);
	ck_assert_str_eq(got, "hello 1\r\ntimeout\r\n");
	ck_assert(sock_eof(fd));
	close(fd);
	ck_assert_str_eq(echo_last.reason, "timeout");
	listen_free(l);
}
END_TEST

START_TEST(test_socket_shutdown)
{
	struct listener	*l;
	const char	*err = NULL;
	int		 fd;
	char		*got;

	l = listen_new(env, "127.0.0.1", 0, &echo_port, &err);
	ck_assert_ptr_nonnull(l);
	fd = sock_connect(listen_port(l));
	got = sock_read(fd, 9);
	ck_assert_str_eq(got, "hello 1\r\n");
	conn_env_shutdown(env);
	got = sock_read(fd, 10);
	ck_assert_str_eq(got, "shutdown\r\n");
	ck_assert(sock_eof(fd));
	close(fd);
	ck_assert_str_eq(echo_last.reason, "shutdown");
	listen_free(l);
}
END_TEST

/* Drive a non-blocking client handshake while the server loop runs. */
static SSL *
tls_client(SSL_CTX *cctx, int fd)
{
	SSL	*ssl;
	int	 i, r, e;

	ssl = SSL_new(cctx);
	ck_assert_ptr_nonnull(ssl);
	SSL_set_fd(ssl, fd);
	ck_assert_int_eq(SSL_set1_host(ssl, "localhost"), 1);
	for (i = 0; i < 2000; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if ((r = SSL_connect(ssl)) == 1)
			return ssl;
		e = SSL_get_error(ssl, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			break;
		poll(NULL, 0, 1);
	}
	SSL_free(ssl);
	return NULL;
}

static char *
tls_read(SSL *ssl, size_t want)
{
	static char	buf[4096];
	size_t		have = 0;
	int		i, n;

	for (i = 0; i < 2000 && have < want; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		n = SSL_read(ssl, buf + have, (int)(sizeof(buf) - 1 - have));
		if (n > 0)
			have += (size_t)n;
		else
			poll(NULL, 0, 1);
	}
	buf[have] = '\0';
	return buf;
}

/*
 * STARTTLS: plaintext pipelined after the command is dropped and recorded
 * (RFC 3207 4.2), the handshake verifies against the generated CA, the
 * protocol hears on_tls, and the session goes on encrypted.
 */
START_TEST(test_socket_starttls)
{
	char		 dir[] = "/tmp/check_conn.XXXXXX", ca[64], err[256];
	struct conn_port port = echo_port;
	struct listener	*l;
	const char	*lerr = NULL;
	SSL_CTX		*sctx, *cctx;
	SSL		*ssl;
	int		 fd;
	char		*got;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	sctx = tls_ctx_generate(ca, err, sizeof(err));
	ck_assert_msg(sctx != NULL, "tls: %s", err);
	port.tls = sctx;
	l = listen_new(env, "127.0.0.1", 0, &port, &lerr);
	ck_assert_ptr_nonnull(l);
	fd = sock_connect(listen_port(l));
	got = sock_read(fd, 9);
	ck_assert_str_eq(got, "hello 1\r\n");
	sock_send(fd, "STARTTLS\r\nINJECTED\r\n");
	got = sock_read(fd, 10);
	ck_assert_str_eq(got, "go ahead\r\n");

	cctx = SSL_CTX_new(TLS_client_method());
	ck_assert_int_eq(SSL_CTX_load_verify_locations(cctx, ca, NULL), 1);
	SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
	ssl = tls_client(cctx, fd);
	ck_assert_msg(ssl != NULL, "client handshake failed");
	ck_assert_int_eq(SSL_get_verify_result(ssl), X509_V_OK);
	got = tls_read(ssl, 13);
	ck_assert_str_eq(got, "tls TLSv1.3\r\n");
	ck_assert_int_eq(SSL_write(ssl, "ping\r\nQUIT\r\n", 12), 12);
	got = tls_read(ssl, 15);
	ck_assert_str_eq(got, "got ping\r\nbye\r\n");
	/* The injected line was never answered, only recorded. */
	ck_assert_ptr_nonnull(strstr(buf_cstr(&seen.io), "c:INJECTED\r\n|"));
	ck_assert_ptr_null(strstr(buf_cstr(&seen.io), "got INJECTED"));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&seen.io), "e:tls-start|"));
	SSL_free(ssl);
	SSL_CTX_free(cctx);
	close(fd);
	conn_env_free(env);
	env = conn_env_new(base, 4);
	listen_free(l);
	tls_ctx_free(sctx);
	unlink(ca);
	rmdir(dir);
}
END_TEST

/* A client that speaks garbage instead of TLS is closed; others go on. */
START_TEST(test_socket_tls_garbage)
{
	char		 dir[] = "/tmp/check_conn.XXXXXX", ca[64], err[256];
	struct conn_port port = echo_port;
	struct listener	*l;
	const char	*lerr = NULL;
	SSL_CTX		*sctx;
	int		 fd, fd2;
	char		*got;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	sctx = tls_ctx_generate(ca, err, sizeof(err));
	ck_assert_ptr_nonnull(sctx);
	port.tls = sctx;
	l = listen_new(env, "127.0.0.1", 0, &port, &lerr);
	ck_assert_ptr_nonnull(l);
	fd = sock_connect(listen_port(l));
	got = sock_read(fd, 9);
	sock_send(fd, "STARTTLS\r\n");
	got = sock_read(fd, 10);
	ck_assert_str_eq(got, "go ahead\r\n");
	sock_send(fd, "this is not a client hello\r\n\r\n");
	ck_assert(sock_eof(fd));
	ck_assert_str_eq(echo_last.reason, "tls-failed");
	ck_assert_ptr_nonnull(strstr(buf_cstr(&seen.io), "e:tls-failed|"));
	fd2 = sock_connect(listen_port(l));
	got = sock_read(fd2, 9);
	ck_assert_str_eq(got, "hello 2\r\n");
	close(fd);
	close(fd2);
	conn_env_free(env);
	env = conn_env_new(base, 4);
	listen_free(l);
	tls_ctx_free(sctx);
	unlink(ca);
	rmdir(dir);
}
END_TEST

/* Verdicts that need no socket: replace, disconnect, malformed. */
static const struct {
	const char	*in;
	const char	*want;
	bool		 closed;
} vcases[] = {
	{ "GREY\r\nNOOP\r\n", "451-one\r\n451 two\r\ngot NOOP\r\n", false },
	{ "DROP\r\nNOOP\r\n", "", true },
	{ "BYE\r\nNOOP\r\n", "got BYE\r\n", true },
	{ "HALF\r\n", "451-one\r\n", true },
	{ "LF\r\n", "451-one\n451 two\n", false },
	{ "CONT\r\n", "451 one\r\n451-two\r\n", false },
	{ "TAG\r\n", "Xgot TAG\r\n", false },
	{ "SLOW\r\n", "got SLOW\r\n", false },
};

START_TEST(test_mode_verdicts)
{
	struct conn	*c;
	char		*out;

	c = conn_new_test(env, &echo_port);
	free(out_text(c));
	conn_test_feed(c, vcases[_i].in, strlen(vcases[_i].in));
	out = out_text(c);
	ck_assert_msg(strcmp(out, vcases[_i].want) == 0,
	    "case %d (%s): got '%s', want '%s'", _i, vcases[_i].in, out,
	    vcases[_i].want);
	ck_assert_int_eq(conn_test_closed(c), vcases[_i].closed);
	free(out);
	conn_test_free(c);
}
END_TEST

/* Over a socket: a delay holds the reply and the next pipelined command. */
START_TEST(test_socket_delay_drip_hang)
{
	struct listener	*l;
	const char	*err = NULL;
	int		 fd;
	char		*got;
	struct timespec	 t0, t1;
	long		 ms;

	l = listen_new(env, "127.0.0.1", 0, &echo_port, &err);
	ck_assert_ptr_nonnull(l);
	fd = sock_connect(listen_port(l));
	got = sock_read(fd, 9);
	ck_assert_str_eq(got, "hello 1\r\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sock_send(fd, "SLOW\r\nNOOP\r\n");
	got = sock_read(fd, 10 + 10);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_str_eq(got, "got SLOW\r\ngot NOOP\r\n");
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	/* Not a timing test: only that the hold happened at all. */
	ck_assert_int_ge(ms, 40);
	sock_send(fd, "DRIP\r\nSPLIT\r\n");
	got = sock_read(fd, 10 + 11);
	ck_assert_str_eq(got, "got DRIP\r\ngot SPLIT\r\n");
	ck_assert_ptr_nonnull(strstr(buf_cstr(&seen.io), "s:got SPLIT|"));
	sock_send(fd, "HANG\r\nNOOP\r\n");
	got = sock_read(fd, 1);
	ck_assert_str_eq(got, "");
	ck_assert_int_eq(echo_last.closed, 0);
	close(fd);
	/* Hanging still notices the peer leaving. */
	for (ms = 0; ms < 2000 && conn_env_sessions(env) > 0; ms++)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	ck_assert_uint_eq(conn_env_sessions(env), 0);
	ck_assert_str_eq(echo_last.reason, "eof");
	listen_free(l);
}
END_TEST

START_TEST(test_listen_bad_address)
{
	const char	*err = NULL;

	ck_assert_ptr_null(listen_new(env, "not-an-address", 0, &echo_port,
	    &err));
	ck_assert_ptr_nonnull(err);
	ck_assert_ptr_nonnull(strstr(err, "not-an-address"));
}
END_TEST

Suite *
conn_suite(void)
{
	Suite	*s = suite_create("conn");
	TCase	*tc;

	tc = tcase_create("test-mode");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_mode_pipelined);
	tcase_add_test(tc, test_mode_data_and_bytes);
	tcase_add_test(tc, test_mode_pause_resume_buffered);
	tcase_add_test(tc, test_mode_too_long);
	tcase_add_loop_test(tc, test_mode_verdicts, 0, nitems(vcases));
	suite_add_tcase(s, tc);

	tc = tcase_create("socket");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_socket_session);
	tcase_add_test(tc, test_socket_eof_after_pipeline);
	tcase_add_test(tc, test_socket_session_cap);
	tcase_add_test(tc, test_socket_idle_timeout);
	tcase_add_test(tc, test_socket_shutdown);
	tcase_add_test(tc, test_socket_delay_drip_hang);
	tcase_add_test(tc, test_socket_starttls);
	tcase_add_test(tc, test_socket_tls_garbage);
	tcase_add_test(tc, test_listen_bad_address);
	suite_add_tcase(s, tc);
	return s;
}
