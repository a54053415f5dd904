/*
 * check_capture.c: transcripts built through the low-level API with a
 * frozen clock: the JSON contract (golden text), data runs, the data cap,
 * binary lines, redaction, the parse round trip, malformed input,
 * message envelopes, eviction and the capture-dir file.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "fakes/base/clock.h"
#include "fakes/base/defs.h"
#include "fakes/base/limits.h"
#include "fakes/conn.h"
#include "fakes/frame.h"
#include "fakes/store.h"
#include "harness/capture.h"

Suite	*capture_suite(void);

/* 2026-11-22T01:02:03.456Z */
#define WALL0	1795309323456LL
#define MONO0	1000

static uint64_t	capture_test_ms;

static void	tick(uint64_t);
static void	clock_setup(void);
static void	clock_teardown(void);
static struct transcript *golden_steps(void);
static struct transcript *golden_session(void);
static char	*read_file(const char *, size_t *);
static void	assert_same(const struct transcript *,
		    const struct transcript *);
static struct transcript *rich_session(void);

static void
tick(uint64_t ms)
{
	capture_test_ms += ms;
	clock_set_fake(MONO0 + capture_test_ms,
	    WALL0 + (int64_t)capture_test_ms);
}

static void
clock_setup(void)
{
	capture_test_ms = 0;
	tick(0);
}

static void
clock_teardown(void)
{
	clock_set_fake(0, 0);
}

static char *
read_file(const char *path, size_t *len_r)
{
	FILE	*fp;
	char	*p;
	long	 n;

	fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	ck_assert_int_ge(n, 0);
	rewind(fp);
	p = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(fread(p, 1, (size_t)n, fp), (size_t)n);
	p[n] = '\0';
	fclose(fp);
	*len_r = (size_t)n;
	return p;
}

/* The session of the JSON contract, step by step, up to its end. */
static struct transcript *
golden_steps(void)
{
	struct transcript	*t;

	t = capture_transcript_new(3, "smtp", "submission", 1587,
	    "127.0.0.1:40522");
	capture_transcript_line(t, CONN_DIR_OUT,
	    "220 localhost ESMTP mailrig", 27, 0);
	tick(3);
	capture_transcript_line(t, CONN_DIR_IN, "EHLO x", 6,
	    FRAME_BARE_LF | FRAME_8BIT);
	capture_transcript_line(t, CONN_DIR_OUT, "250 ok", 6, 0);
	tick(1);
	capture_transcript_event(t, "tls-start",
	    "TLSv1.3 TLS_AES_256_GCM_SHA384");
	tick(1);
	capture_transcript_line(t, CONN_DIR_IN, "AUTH PLAIN dGVzdA==", 19,
	    CONN_IO_SECRET);
	capture_transcript_line(t, CONN_DIR_OUT, "235 2.7.0 ok", 12, 0);
	tick(1);
	capture_transcript_line(t, CONN_DIR_IN, "DATA", 4, 0);
	capture_transcript_line(t, CONN_DIR_OUT, "354 go", 6, 0);
	capture_transcript_data(t, CONN_DIR_IN, "Subject: x\r\n", 12,
	    FRAME_DATA);
	tick(1);
	capture_transcript_data(t, CONN_DIR_IN, ".dot\r\n", 6,
	    FRAME_DATA | FRAME_STUFFED);
	capture_transcript_data(t, CONN_DIR_IN, "end\n", 4,
	    FRAME_DATA | FRAME_BARE_LF);
	capture_transcript_data(t, CONN_DIR_IN, "", 0, FRAME_DATA | FRAME_END |
	    FRAME_DOT_END);
	capture_transcript_line(t, CONN_DIR_OUT, "250 2.0.0 queued", 16, 0);
	return t;
}

static struct transcript *
golden_session(void)
{
	struct transcript	*t;

	t = golden_steps();
	tick(2);
	capture_transcript_end(t, "quit");
	return t;
}

#define GOLDEN_HEAD \
	"{\"id\":3,\"protocol\":\"smtp\",\"port_name\":\"submission\"," \
	"\"port\":1587,\"peer\":\"127.0.0.1:40522\"," \
	"\"started\":\"2026-11-22T01:02:03.456Z\",\"duration_ms\":9," \
	"\"tls\":true,\"tls_version\":\"TLSv1.3\"," \
	"\"tls_cipher\":\"TLS_AES_256_GCM_SHA384\",\"outcome\":\"quit\"," \
	"\"messages\":[],\"transcript\":[" \
	"{\"t_ms\":0,\"dir\":\"s\",\"line\":\"220 localhost ESMTP mailrig\"}," \
	"{\"t_ms\":3,\"dir\":\"c\",\"line\":\"EHLO x\"," \
	"\"flags\":[\"bare-lf\",\"8bit\"]}," \
	"{\"t_ms\":3,\"dir\":\"s\",\"line\":\"250 ok\"}," \
	"{\"t_ms\":4,\"event\":\"tls-start\"," \
	"\"detail\":\"TLSv1.3 TLS_AES_256_GCM_SHA384\"},"
#define GOLDEN_TAIL \
	"{\"t_ms\":5,\"dir\":\"s\",\"line\":\"235 2.7.0 ok\"}," \
	"{\"t_ms\":6,\"dir\":\"c\",\"line\":\"DATA\"}," \
	"{\"t_ms\":6,\"dir\":\"s\",\"line\":\"354 go\"}," \
	"{\"t_ms\":6,\"dir\":\"c\",\"data\":22,\"lines\":3," \
	"\"data_b64\":\"U3ViamVjdDogeA0KLmRvdA0KZW5kCg==\"," \
	"\"flags\":[\"bare-lf\",\"dot-stuffed\"]}," \
	"{\"t_ms\":7,\"dir\":\"c\",\"line\":\".\"}," \
	"{\"t_ms\":7,\"dir\":\"s\",\"line\":\"250 2.0.0 queued\"}," \
	"{\"t_ms\":9,\"event\":\"close\",\"detail\":\"quit\"}]," \
	"\"findings\":[]}"

static const char golden_plain[] = GOLDEN_HEAD
	"{\"t_ms\":5,\"dir\":\"c\",\"line\":\"AUTH PLAIN dGVzdA==\","
	"\"secret\":true},"
	GOLDEN_TAIL;

static const char golden_redacted[] = GOLDEN_HEAD
	"{\"t_ms\":5,\"dir\":\"c\",\"line\":\"AUTH PLAIN ********\","
	"\"secret\":true},"
	GOLDEN_TAIL;

START_TEST(test_golden)
{
	struct transcript	*t;
	char			*j;

	t = golden_session();
	j = capture_transcript_json(t, false);
	ck_assert_str_eq(j, golden_plain);
	free(j);
	j = capture_transcript_json(t, true);
	ck_assert_str_eq(j, golden_redacted);
	free(j);
	ck_assert(t->tls);
	ck_assert_str_eq(t->tls_version, "TLSv1.3");
	ck_assert_str_eq(t->tls_cipher, "TLS_AES_256_GCM_SHA384");
	ck_assert_str_eq(t->close_reason, "quit");
	ck_assert_uint_eq(t->nev, 12);
	ck_assert_str_eq(capture_tevent_name(t, &t->ev[11]), "close");
	capture_transcript_free(t);
}
END_TEST

/* A hand-written, indented file reads back to the same transcript. */
START_TEST(test_golden_file)
{
	struct transcript	*t;
	char			*text, *j, err[128];
	size_t			 len;

	text = read_file("../data/capture/session-smtp.json", &len);
	t = capture_transcript_parse(text, len, err, sizeof(err));
	ck_assert_msg(t != NULL, "parse: %s", err);
	j = capture_transcript_json(t, true);
	ck_assert_str_eq(j, golden_redacted);
	ck_assert_uint_eq(t->nev, 12);
	ck_assert(t->ev[4].flags & CONN_IO_SECRET);
	ck_assert_uint_eq(t->ev[8].kind, TEV_DATA);
	ck_assert_uint_eq(t->ev[8].bytes, 22);
	ck_assert_mem_eq(t->log.p + t->ev[8].off, "Subject: x\r\n.dot\r\n", 18);
	free(j);
	free(text);
	capture_transcript_free(t);
}
END_TEST

START_TEST(test_data_runs)
{
	struct transcript	*t;
	const struct tevent	*ev;

	t = capture_transcript_new(1, "pop3", "pop3", 1110, "peer");
	capture_transcript_data(t, CONN_DIR_IN, "a\r\nb", 4, FRAME_DATA);
	tick(5);
	capture_transcript_data(t, CONN_DIR_IN, "\r\n", 2,
	    FRAME_DATA | FRAME_NUL);
	capture_transcript_data(t, CONN_DIR_IN, "junk\r\n", 6,
	    CONN_IO_DROPPED);
	capture_transcript_data(t, CONN_DIR_IN, "more\n", 5,
	    CONN_IO_DROPPED | FRAME_BARE_LF);
	capture_transcript_data(t, CONN_DIR_OUT, "x\r\ny\r\n", 6,
	    CONN_IO_DATA);
	capture_transcript_data(t, CONN_DIR_OUT, "z\r\n", 3, CONN_IO_DATA);
	capture_transcript_line(t, CONN_DIR_OUT, ".", 1, 0);
	capture_transcript_data(t, CONN_DIR_OUT, "again", 5, CONN_IO_DATA);
	ck_assert_uint_eq(t->nev, 5);
	ev = &t->ev[0];
	ck_assert_uint_eq(ev->kind, TEV_DATA);
	ck_assert_int_eq(ev->dir, 'c');
	ck_assert_uint_eq(ev->t_ms, 0);
	ck_assert_uint_eq(ev->bytes, 6);
	ck_assert_uint_eq(ev->len, 6);
	ck_assert_uint_eq(ev->lines, 2);
	ck_assert_uint_eq(ev->flags, FRAME_NUL);
	ck_assert_mem_eq(t->log.p + ev->off, "a\r\nb\r\n", 6);
	ev = &t->ev[1];
	ck_assert_uint_eq(ev->bytes, 11);
	ck_assert_uint_eq(ev->lines, 2);
	ck_assert_uint_eq(ev->flags, CONN_IO_DROPPED | FRAME_BARE_LF);
	ck_assert_uint_eq(ev->t_ms, 5);
	ev = &t->ev[2];
	ck_assert_int_eq(ev->dir, 's');
	ck_assert_uint_eq(ev->bytes, 9);
	ck_assert_uint_eq(ev->lines, 3);
	ck_assert_uint_eq(ev->flags, 0);
	ck_assert_uint_eq(t->ev[3].kind, TEV_LINE);
	ck_assert_uint_eq(t->ev[4].bytes, 5);
	ck_assert_uint_eq(t->ev[4].lines, 0);
	ck_assert_uint_eq(t->data_kept, 6 + 11 + 9 + 5);
	capture_transcript_free(t);
}
END_TEST

START_TEST(test_data_cap)
{
	struct transcript	*t;
	char			*chunk, *j;
	size_t			 n = 1000, sent = 0;

	chunk = malloc(n);
	ck_assert_ptr_nonnull(chunk);
	memset(chunk, 'x', n);
	chunk[n - 1] = '\n';
	t = capture_transcript_new(1, "smtp", "smtp", 25, "peer");
	while (sent < CAPTURE_DATA_MAX + 5 * n) {
		capture_transcript_data(t, CONN_DIR_IN, chunk, n, FRAME_DATA);
		sent += n;
	}
	ck_assert_uint_eq(t->nev, 1);
	ck_assert_uint_eq(t->ev[0].bytes, sent);
	ck_assert_uint_eq(t->ev[0].len, CAPTURE_DATA_MAX);
	ck_assert_uint_eq(t->ev[0].lines, sent / n);
	ck_assert_uint_eq(t->data_kept, CAPTURE_DATA_MAX);
	/* A later run is only counted. */
	capture_transcript_data(t, CONN_DIR_IN, "", 0, FRAME_DATA | FRAME_END |
	    FRAME_DOT_END);
	capture_transcript_data(t, CONN_DIR_IN, "late\r\n", 6, FRAME_DATA);
	ck_assert_uint_eq(t->nev, 3);
	ck_assert_uint_eq(t->ev[2].bytes, 6);
	ck_assert_uint_eq(t->ev[2].len, 0);
	ck_assert_uint_eq(t->log.len, CAPTURE_DATA_MAX + 2);
	j = capture_transcript_json(t, false);
	ck_assert_ptr_nonnull(strstr(j, "\"truncated\":true"));
	ck_assert_ptr_nonnull(strstr(j, "{\"t_ms\":0,\"dir\":\"c\","
	    "\"data\":6,\"lines\":1,\"truncated\":true}"));
	free(j);
	free(chunk);
	capture_transcript_free(t);
}
END_TEST

/*
 * Only the DOT terminator (FRAME_DOT_END) is written as the "." line; the
 * last piece of a BDAT chunk is data even when it is only a line ending.
 */
#define DOT_END	FRAME_DOT_END
static const struct {
	const char	*name;
	const char	*before;	/* "c:LINE", "s:LINE", "d:DATA" or "" */
	const char	*end;
	unsigned	 flags;
	const char	*want;		/* substring of the JSON */
} dot_cases[] = {
	{ "empty after data", "d:x\r\n", "", DOT_END,
	    "{\"t_ms\":0,\"dir\":\"c\",\"line\":\".\"}" },
	{ "crlf after data", "d:x\r\n", "\r\n", DOT_END,
	    "\"data\":3,\"lines\":1,\"data_b64\":\"eA0K\"},"
	    "{\"t_ms\":0,\"dir\":\"c\",\"line\":\".\"}" },
	{ "bare lf after data", "d:x\n", "\n", DOT_END | FRAME_BARE_LF,
	    "{\"t_ms\":0,\"dir\":\"c\",\"line\":\".\","
	    "\"flags\":[\"bare-lf\"]}" },
	{ "empty message", "s:354 go", "\r\n", DOT_END,
	    "\"line\":\"354 go\"},{\"t_ms\":0,\"dir\":\"c\",\"line\":\".\"}" },
	{ "bdat 0 last", "c:BDAT 0 LAST", "", 0,
	    "\"line\":\"BDAT 0 LAST\"}]" },
	{ "bdat crlf chunk", "c:BDAT 2 LAST", "\r\n", 0,
	    "\"line\":\"BDAT 2 LAST\"},{\"t_ms\":0,\"dir\":\"c\","
	    "\"data\":2,\"lines\":1,\"data_b64\":\"DQo=\"}]" },
	{ "bdat split, crlf last", "d:ab", "\r\n", 0,
	    "\"data\":4,\"lines\":1,\"data_b64\":\"YWINCg==\"}]" },
	{ "last chunk with text", "d:abc", "de\r\n", 0,
	    "\"data\":7,\"lines\":1,\"data_b64\":\"YWJjZGUNCg==\"}]" },
};

START_TEST(test_dot_end)
{
	struct transcript	*t;
	const char		*b = dot_cases[_i].before;
	char			*j;

	t = capture_transcript_new(1, "smtp", "smtp", 25, "p");
	if (b[0] == 'c' || b[0] == 's')
		capture_transcript_line(t, b[0] == 'c' ? CONN_DIR_IN :
		    CONN_DIR_OUT, b + 2, strlen(b + 2), 0);
	else if (b[0] == 'd')
		capture_transcript_data(t, CONN_DIR_IN, b + 2, strlen(b + 2),
		    FRAME_DATA);
	capture_transcript_data(t, CONN_DIR_IN, dot_cases[_i].end,
	    strlen(dot_cases[_i].end),
	    FRAME_DATA | FRAME_END | dot_cases[_i].flags);
	j = capture_transcript_json(t, false);
	ck_assert_msg(strstr(j, dot_cases[_i].want) != NULL,
	    "case %d (%s): got %s, want %s", _i, dot_cases[_i].name, j,
	    dot_cases[_i].want);
	free(j);
	capture_transcript_free(t);
}
END_TEST

static const struct {
	const char	*name;
	const char	*in;
	size_t		 len;
	const char	*want;	/* substring of the JSON */
} text_cases[] = {
	{ "ascii", "EHLO a", 6, "\"line\":\"EHLO a\"" },
	{ "utf8 2-byte", "caf\xc3\xa9", 5, "\"line\":\"caf\xc3\xa9\"" },
	{ "utf8 4-byte", "\xf0\x9f\x98\x80", 4,
	    "\"line\":\"\xf0\x9f\x98\x80\"" },
	{ "control", "a\tb\x01", 4, "\"line\":\"a\\tb\\u0001\"" },
	{ "latin1", "caf\xe9", 4, "\"line_b64\":\"Y2Fm6Q==\"" },
	{ "nul", "a\0b", 3, "\"line_b64\":\"YQBi\"" },
	{ "overlong", "\xc0\xaf", 2, "\"line_b64\":\"wK8=\"" },
	{ "surrogate", "\xed\xa0\x80", 3, "\"line_b64\":\"7aCA\"" },
	{ "past U+10FFFF", "\xf4\x90\x80\x80", 4, "\"line_b64\":\"9JCAgA==\"" },
	{ "cut short", "\xe2\x82", 2, "\"line_b64\":\"4oI=\"" },
	{ "lone continuation", "\x80", 1, "\"line_b64\":\"gA==\"" },
};

START_TEST(test_text_or_b64)
{
	struct transcript	*t, *p;
	char			*j, err[128];

	t = capture_transcript_new(1, "smtp", "smtp", 25, "peer");
	capture_transcript_line(t, CONN_DIR_IN, text_cases[_i].in,
	    text_cases[_i].len, 0);
	j = capture_transcript_json(t, false);
	ck_assert_msg(strstr(j, text_cases[_i].want) != NULL,
	    "case %d (%s): got %s, want %s", _i, text_cases[_i].name, j,
	    text_cases[_i].want);
	p = capture_transcript_parse(j, strlen(j), err, sizeof(err));
	ck_assert_msg(p != NULL, "case %d (%s): %s", _i, text_cases[_i].name,
	    err);
	ck_assert_uint_eq(p->ev[0].len, text_cases[_i].len);
	ck_assert_mem_eq(p->log.p + p->ev[0].off, text_cases[_i].in,
	    text_cases[_i].len);
	free(j);
	capture_transcript_free(p);
	capture_transcript_free(t);
}
END_TEST

static const struct {
	const char	*in;
	const char	*want;
} redact_cases[] = {
	{ "AUTH PLAIN dGVzdA==", "AUTH PLAIN ********" },
	{ "auth login dXNlcg==", "auth login ********" },
	{ "AUTH LOGIN", "AUTH LOGIN" },
	{ "AUTHENTICATE PLAIN AGEAYg==", "AUTHENTICATE PLAIN ********" },
	{ "a1 AUTHENTICATE PLAIN AGEAYg==", "a1 AUTHENTICATE PLAIN ********" },
	{ "a1 authenticate XOAUTH2 x y", "a1 authenticate XOAUTH2 ********" },
	{ "PASS hunter2", "********" },
	{ "a1 LOGIN alice hunter2", "********" },
	{ "dXNlcg==", "********" },
	{ "AUTHX PLAIN abc", "********" },
	{ "", "" },
};

START_TEST(test_redact)
{
	struct transcript	*t, *p;
	char			*j, err[128];
	size_t			 len = strlen(redact_cases[_i].in);

	t = capture_transcript_new(1, "smtp", "smtp", 25, "peer");
	capture_transcript_line(t, CONN_DIR_IN, redact_cases[_i].in, len,
	    CONN_IO_SECRET);
	j = capture_transcript_json(t, true);
	p = capture_transcript_parse(j, strlen(j), err, sizeof(err));
	ck_assert_msg(p != NULL, "case %d (%s): %s", _i, redact_cases[_i].in,
	    err);
	ck_assert_msg(strcmp(p->log.p + p->ev[0].off,
	    redact_cases[_i].want) == 0, "case %d (%s): got %s, want %s", _i,
	    redact_cases[_i].in, p->log.p + p->ev[0].off,
	    redact_cases[_i].want);
	ck_assert(p->ev[0].flags & CONN_IO_SECRET);
	/* The transcript in memory and the unredacted JSON keep the bytes. */
	ck_assert_mem_eq(t->log.p + t->ev[0].off, redact_cases[_i].in, len);
	free(j);
	capture_transcript_free(p);
	j = capture_transcript_json(t, false);
	p = capture_transcript_parse(j, strlen(j), err, sizeof(err));
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->log.p + p->ev[0].off, redact_cases[_i].in);
	free(j);
	capture_transcript_free(p);
	capture_transcript_free(t);
}
END_TEST

/*
 * An initial response on the AUTH line is a secret even though the
 * protocol could not flag the line before reading it (RFC 4954 4).
 */
static const struct {
	const char	*in;
	bool		 secret;
} initial_cases[] = {
	{ "AUTH PLAIN AGFsaWNlAHMzY3JldA==", true },
	{ "auth xoauth2 dXNlcj1h", true },
	{ "a7 AUTHENTICATE PLAIN AGEAYg==", true },
	{ "AUTH LOGIN", false },
	{ "AUTH", false },
	{ "MAIL FROM:<a@b>", false },
};

START_TEST(test_initial_response_secret)
{
	struct transcript	*t;
	char			*j;
	bool			 secret;

	t = capture_transcript_new(1, "smtp", "smtp", 25, "peer");
	capture_transcript_line(t, CONN_DIR_IN, initial_cases[_i].in,
	    strlen(initial_cases[_i].in), 0);
	secret = (t->ev[0].flags & CONN_IO_SECRET) != 0;
	ck_assert_msg(secret == initial_cases[_i].secret,
	    "case %d (%s): got %d, want %d", _i, initial_cases[_i].in, secret,
	    initial_cases[_i].secret);
	j = capture_transcript_json(t, true);
	if (initial_cases[_i].secret)
		ck_assert_ptr_nonnull(strstr(j, " ********\""));
	else
		ck_assert_ptr_null(strstr(j, "********"));
	free(j);
	capture_transcript_free(t);
}
END_TEST

static void
assert_same(const struct transcript *a, const struct transcript *b)
{
	const struct tevent	*x, *y;
	size_t			 i, k;

	ck_assert_uint_eq(a->id, b->id);
	ck_assert_str_eq(a->protocol, b->protocol);
	ck_assert_str_eq(a->port_name, b->port_name);
	ck_assert_int_eq(a->port, b->port);
	ck_assert_str_eq(a->peer, b->peer);
	ck_assert_int_eq(a->started_wall, b->started_wall);
	ck_assert_uint_eq(a->ended_mono - a->started_mono,
	    b->ended_mono - b->started_mono);
	ck_assert_int_eq(a->tls, b->tls);
	ck_assert_str_eq(a->tls_version, b->tls_version);
	ck_assert_str_eq(a->tls_cipher, b->tls_cipher);
	ck_assert_pstr_eq(a->close_reason, b->close_reason);
	ck_assert_int_eq(a->overflow, b->overflow);
	ck_assert_uint_eq(a->data_kept, b->data_kept);
	ck_assert_uint_eq(a->nev, b->nev);
	for (i = 0; i < a->nev; i++) {
		x = &a->ev[i];
		y = &b->ev[i];
		ck_assert_msg(x->kind == y->kind && x->dir == y->dir &&
		    x->flags == y->flags && x->t_ms == y->t_ms &&
		    x->len == y->len && x->bytes == y->bytes &&
		    x->lines == y->lines, "event %zu differs", i);
		ck_assert_mem_eq(a->log.p + x->off, b->log.p + y->off, x->len);
		if (x->kind == TEV_EVENT)
			ck_assert_str_eq(capture_tevent_name(a, x),
			    capture_tevent_name(b, y));
	}
	ck_assert_uint_eq(a->nmsgs, b->nmsgs);
	for (i = 0; i < a->nmsgs; i++) {
		ck_assert_uint_eq(a->msgs[i].id, b->msgs[i].id);
		ck_assert_uint_eq(a->msgs[i].size, b->msgs[i].size);
		ck_assert_str_eq(a->msgs[i].from, b->msgs[i].from);
		ck_assert_str_eq(a->msgs[i].from_params,
		    b->msgs[i].from_params);
		ck_assert_pstr_eq(a->msgs[i].tls, b->msgs[i].tls);
		ck_assert_pstr_eq(a->msgs[i].auth_user, b->msgs[i].auth_user);
		ck_assert_uint_eq(a->msgs[i].nrcpts, b->msgs[i].nrcpts);
		for (k = 0; k < a->msgs[i].nrcpts; k++) {
			ck_assert_str_eq(a->msgs[i].rcpts[k].addr,
			    b->msgs[i].rcpts[k].addr);
			ck_assert_str_eq(a->msgs[i].rcpts[k].params,
			    b->msgs[i].rcpts[k].params);
		}
	}
}

static struct transcript *
rich_session(void)
{
	struct transcript	*t;
	struct store_rcpt	 rcpts[2] = {
		{ .addr = "x@y.test", .params = "NOTIFY=NEVER" },
		{ .addr = "z@y.test", .params = "" },
	};
	struct store_msg	 msg = {
		.id = 7, .session_id = 1, .len = 1234,
		.mail_from = "a@b.test", .mail_params = "SIZE=10",
		.rcpts = rcpts, .nrcpts = 2, .tls = "TLSv1.3",
		.auth_user = "alice",
	};
	char			*big;

	big = malloc(CAPTURE_DATA_MAX + 100);
	ck_assert_ptr_nonnull(big);
	memset(big, 'q', CAPTURE_DATA_MAX + 100);
	t = golden_steps();
	capture_transcript_line(t, CONN_DIR_IN, "\xff\xfe bin", 6,
	    FRAME_TOO_LONG | FRAME_BARE_CR | FRAME_NUL);
	capture_transcript_data(t, CONN_DIR_IN, big, CAPTURE_DATA_MAX + 100,
	    FRAME_DATA | FRAME_8BIT);
	capture_transcript_data(t, CONN_DIR_IN, "tail\r\n", 6,
	    CONN_IO_DROPPED);
	capture_transcript_event(t, "tls-failed", "");
	capture_transcript_note_message(t, &msg);
	msg.tls = NULL;
	msg.auth_user = NULL;
	msg.mail_from = "";
	msg.nrcpts = 0;
	capture_transcript_note_message(t, &msg);
	tick(4);
	capture_transcript_end(t, "timeout");
	free(big);
	return t;
}

START_TEST(test_round_trip)
{
	struct transcript	*t, *p;
	char			*j, *j2, err[128];

	t = rich_session();
	ck_assert_uint_eq(t->nmsgs, 2);
	ck_assert_str_eq(t->msgs[0].rcpts[0].params, "NOTIFY=NEVER");
	j = capture_transcript_json(t, false);
	p = capture_transcript_parse(j, strlen(j), err, sizeof(err));
	ck_assert_msg(p != NULL, "parse: %s", err);
	assert_same(t, p);
	j2 = capture_transcript_json(p, false);
	ck_assert_str_eq(j, j2);
	ck_assert_ptr_nonnull(strstr(j, "\"messages\":[{\"id\":7,"
	    "\"from\":\"a@b.test\",\"from_params\":\"SIZE=10\",\"rcpts\":["
	    "{\"addr\":\"x@y.test\",\"params\":\"NOTIFY=NEVER\"},"
	    "{\"addr\":\"z@y.test\",\"params\":\"\"}],\"size\":1234,"
	    "\"tls\":\"TLSv1.3\",\"auth_user\":\"alice\"},"
	    "{\"id\":7,\"from\":\"\",\"from_params\":\"SIZE=10\","
	    "\"rcpts\":[],\"size\":1234}]"));
	ck_assert_ptr_nonnull(strstr(j, "\"flags\":[\"bare-cr\",\"nul\","
	    "\"too-long\"]"));
	ck_assert_ptr_nonnull(strstr(j, "\"flags\":[\"dropped\"]"));
	ck_assert_ptr_nonnull(strstr(j, "{\"t_ms\":7,\"event\":"
	    "\"tls-failed\"}"));
	free(j);
	free(j2);
	capture_transcript_free(p);
	capture_transcript_free(t);
}
END_TEST

/* Parsing an open transcript keeps it open with its duration so far. */
START_TEST(test_round_trip_open)
{
	struct transcript	*t, *p;
	char			*j, *j2, err[128];

	t = capture_transcript_new(9, "imap", "imap", 1143, "[::1]:5");
	capture_transcript_line(t, CONN_DIR_OUT, "* OK", 4, 0);
	tick(12);
	j = capture_transcript_json(t, false);
	ck_assert_ptr_null(strstr(j, "outcome"));
	ck_assert_ptr_nonnull(strstr(j, "\"duration_ms\":12,"));
	p = capture_transcript_parse(j, strlen(j), err, sizeof(err));
	ck_assert_msg(p != NULL, "parse: %s", err);
	ck_assert_ptr_null(p->close_reason);
	tick(100);
	j2 = capture_transcript_json(p, false);
	ck_assert_str_eq(j, j2);
	free(j);
	free(j2);
	capture_transcript_free(p);
	capture_transcript_free(t);
}
END_TEST

#define HDR0	"{\"id\":1,\"protocol\":\"smtp\",\"port_name\":\"smtp\"," \
		"\"port\":25,\"peer\":\"p\"," \
		"\"started\":\"2026-11-22T01:02:03.456Z\",\"duration_ms\":5,"
#define HDR	HDR0 "\"tls\":false,"
#define ENTRY(e)	HDR "\"transcript\":[" e "]}"

static const struct {
	const char	*name;
	const char	*in;
	const char	*want;	/* substring of the error */
} bad_cases[] = {
	{ "empty", "", "not valid JSON" },
	{ "cut", "{\"id\":", "not valid JSON" },
	{ "array", "[]", "must be a JSON object" },
	{ "garbage after", ENTRY("") " x", "trailing bytes" },
	{ "no id", "{\"protocol\":\"smtp\"}", "\"id\" is missing" },
	{ "negative id", "{\"id\":-1}", "\"id\" must be an integer" },
	{ "fraction id", "{\"id\":1.5}", "\"id\" must be an integer" },
	{ "string id", "{\"id\":\"1\"}", "\"id\" must be an integer" },
	{ "huge id", "{\"id\":1e300}", "\"id\" must be an integer" },
	{ "port", "{\"id\":1,\"port\":70000}", "\"port\" must be" },
	{ "long protocol", "{\"id\":1,\"port\":1,\"protocol\":"
	    "\"smtpsmtpsmtpsmtp\"}", "\"protocol\" is longer" },
	{ "bad time", "{\"id\":1,\"protocol\":\"smtp\",\"port_name\":\"s\","
	    "\"port\":25,\"peer\":\"p\",\"started\":\"2026-13-22T01:02:03"
	    ".456Z\"}", "\"started\" must be" },
	{ "tls no version", "{\"id\":1,\"protocol\":\"smtp\",\"port_name\":"
	    "\"s\",\"port\":25,\"peer\":\"p\",\"started\":"
	    "\"2026-11-22T01:02:03.456Z\",\"duration_ms\":5,\"tls\":true}",
	    "\"tls_version\" is missing" },
	{ "tls not bool", HDR0 "\"tls\":1}", "\"tls\" must be true or false" },
	{ "no transcript", HDR "\"x\":1}", "\"transcript\" must be an array" },
	{ "transcript object", HDR "\"transcript\":{}}",
	    "\"transcript\" must be an array" },
	{ "entry not object", ENTRY("1"), "transcript[0]: must be an object" },
	{ "no t_ms", ENTRY("{\"dir\":\"c\",\"line\":\"x\"}"),
	    "transcript[0]: \"t_ms\" is missing" },
	{ "two kinds", ENTRY("{\"t_ms\":1,\"dir\":\"c\",\"line\":\"x\","
	    "\"data\":1}"), "exactly one of" },
	{ "no kind", ENTRY("{\"t_ms\":1,\"dir\":\"c\"}"), "exactly one of" },
	{ "bad dir", ENTRY("{\"t_ms\":1,\"dir\":\"c\",\"line\":\"x\"},"
	    "{\"t_ms\":1,\"dir\":\"x\",\"line\":\"x\"}"),
	    "transcript[1]: \"dir\" must be" },
	{ "line number", ENTRY("{\"t_ms\":1,\"dir\":\"c\",\"line\":1}"),
	    "\"line\" must be a string" },
	{ "line not utf8", ENTRY("{\"t_ms\":1,\"dir\":\"c\",\"line\":"
	    "\"caf\xe9\"}"), "\"line\" is not UTF-8" },
	{ "bad flag", ENTRY("{\"t_ms\":1,\"dir\":\"c\",\"line\":\"x\","
	    "\"flags\":[\"bare-lf\",\"shiny\"]}"), "unknown flag \"shiny\"" },
	{ "flags not array", ENTRY("{\"t_ms\":1,\"dir\":\"c\",\"line\":\"x\","
	    "\"flags\":\"nul\"}"), "\"flags\" must be an array" },
	{ "bad b64", ENTRY("{\"t_ms\":1,\"dir\":\"c\",\"line_b64\":\"@@@@\"}"),
	    "not base64" },
	{ "b64 length", ENTRY("{\"t_ms\":1,\"dir\":\"c\",\"line_b64\":\"YQ\"}"),
	    "not base64" },
	{ "b64 inner pad", ENTRY("{\"t_ms\":1,\"dir\":\"c\",\"line_b64\":"
	    "\"YQ==YQ==\"}"), "not base64" },
	{ "data short", ENTRY("{\"t_ms\":1,\"dir\":\"c\",\"data\":1,"
	    "\"lines\":0,\"data_b64\":\"YWI=\"}"), "disagrees" },
	{ "data not truncated", ENTRY("{\"t_ms\":1,\"dir\":\"c\",\"data\":3,"
	    "\"lines\":0,\"data_b64\":\"YWI=\"}"), "disagrees" },
	{ "data no lines", ENTRY("{\"t_ms\":1,\"dir\":\"c\",\"data\":0}"),
	    "\"lines\" is missing" },
	{ "secret string", ENTRY("{\"t_ms\":1,\"dir\":\"c\",\"line\":\"x\","
	    "\"secret\":\"yes\"}"), "\"secret\" must be true or false" },
	{ "empty event", ENTRY("{\"t_ms\":1,\"event\":\"\"}"),
	    "must not be empty" },
	{ "event number", ENTRY("{\"t_ms\":1,\"event\":3}"),
	    "\"event\" must be a string" },
	{ "messages object", HDR "\"messages\":{},\"transcript\":[]}",
	    "\"messages\" must be an array" },
	{ "message no rcpts", HDR "\"messages\":[{\"id\":1,\"size\":2,"
	    "\"from\":\"a\"}],\"transcript\":[]}",
	    "messages[0]: \"rcpts\" must be an array" },
	{ "rcpt not object", HDR "\"messages\":[{\"id\":1,\"size\":2,"
	    "\"from\":\"a\",\"rcpts\":[1]}],\"transcript\":[]}",
	    "a recipient must be an object" },
	{ "rcpt no addr", HDR "\"messages\":[{\"id\":1,\"size\":2,"
	    "\"from\":\"a\",\"rcpts\":[{}]}],\"transcript\":[]}",
	    "\"addr\" is missing" },
	{ "message tls number", HDR "\"messages\":[{\"id\":1,\"size\":2,"
	    "\"from\":\"a\",\"tls\":1,\"rcpts\":[]}],\"transcript\":[]}",
	    "\"tls\" must be a string" },
};

START_TEST(test_parse_bad)
{
	struct transcript	*t;
	char			 err[160];

	memset(err, 'Z', sizeof(err));
	t = capture_transcript_parse(bad_cases[_i].in,
	    strlen(bad_cases[_i].in), err, sizeof(err));
	ck_assert_msg(t == NULL, "case %d (%s): parsed", _i,
	    bad_cases[_i].name);
	ck_assert_msg(memchr(err, '\0', sizeof(err)) != NULL,
	    "case %d (%s): error not terminated", _i, bad_cases[_i].name);
	ck_assert_msg(strstr(err, bad_cases[_i].want) != NULL,
	    "case %d (%s): got \"%s\", want \"%s\"", _i, bad_cases[_i].name,
	    err, bad_cases[_i].want);
}
END_TEST

/* The accepted minimum, and error text that does not fit its buffer. */
START_TEST(test_parse_edges)
{
	struct transcript	*t;
	const char		*min = ENTRY("");
	char			 err[8];

	t = capture_transcript_parse(min, strlen(min), err, sizeof(err));
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->nev, 0);
	ck_assert_ptr_null(t->close_reason);
	capture_transcript_free(t);
	t = capture_transcript_parse("[]", 2, err, sizeof(err));
	ck_assert_ptr_null(t);
	ck_assert_uint_lt(strlen(err), sizeof(err));
	t = capture_transcript_parse("[]", 2, NULL, 0);
	ck_assert_ptr_null(t);
}
END_TEST

/* Deep nesting, every prefix and every byte flip: refused or parsed,
   never a crash or a leak. */
START_TEST(test_parse_hostile)
{
	struct transcript	*t, *p;
	char			*j, *deep, err[128];
	size_t			 len, i, n = 100000, ok = 0;

	deep = malloc(n + 1);
	ck_assert_ptr_nonnull(deep);
	memset(deep, '[', n);
	deep[n] = '\0';
	p = capture_transcript_parse(deep, n, err, sizeof(err));
	ck_assert_ptr_null(p);
	free(deep);

	t = golden_session();
	j = capture_transcript_json(t, false);
	len = strlen(j);
	for (i = 0; i < len; i++) {
		p = capture_transcript_parse(j, i, err, sizeof(err));
		ck_assert_msg(p == NULL, "prefix %zu parsed", i);
	}
	for (i = 0; i < len; i++) {
		j[i] ^= 0x21;
		p = capture_transcript_parse(j, len, err, sizeof(err));
		if (p != NULL)
			ok++;
		capture_transcript_free(p);
		j[i] ^= 0x21;
	}
	/* Some flips only change a letter inside a string. */
	ck_assert_uint_gt(ok, 0);
	ck_assert_uint_lt(ok, len);
	free(j);
	capture_transcript_free(t);
}
END_TEST

START_TEST(test_note_message)
{
	struct capture		*cap;
	const struct transcript	*t;
	const char		*error;
	struct store_rcpt	 rcpt = { .addr = "x@y.test", .params = "" };
	struct store_msg	 msg = {
		.id = 4, .session_id = 6, .len = 99, .mail_from = "a@b.test",
		.mail_params = "", .rcpts = &rcpt, .nrcpts = 1,
		.auth_user = "us\xe9r",
	};
	char			*j;

	cap = capture_new(NULL, &error);
	ck_assert_ptr_nonnull(cap);
	(void)capture_session_start(cap, 5, "smtp", "smtp", 25, "a");
	(void)capture_session_start(cap, 6, "smtp", "smtp", 25, "b");
	capture_note_message(cap, &msg);
	msg.session_id = 99;
	capture_note_message(cap, &msg);
	ck_assert_uint_eq(capture_get(cap, 0)->nmsgs, 0);
	t = capture_get(cap, 1);
	ck_assert_uint_eq(t->nmsgs, 1);
	ck_assert_uint_eq(t->msgs[0].id, 4);
	ck_assert_uint_eq(t->msgs[0].size, 99);
	ck_assert_ptr_ne(t->msgs[0].from, msg.mail_from);
	ck_assert_str_eq(t->msgs[0].from, "a@b.test");
	ck_assert_ptr_null(t->msgs[0].tls);
	ck_assert_str_eq(t->msgs[0].auth_user, "us?r");
	j = capture_transcript_json(t, true);
	ck_assert_ptr_nonnull(strstr(j, "\"messages\":[{\"id\":4,\"from\":"
	    "\"a@b.test\",\"from_params\":\"\",\"rcpts\":[{\"addr\":"
	    "\"x@y.test\",\"params\":\"\"}],\"size\":99,\"auth_user\":"
	    "\"us?r\"}]"));
	free(j);
	capture_free(cap);
}
END_TEST

static void
assert_ids(const struct capture *cap, const uint64_t *want, size_t n)
{
	size_t	i;

	ck_assert_uint_eq(capture_count(cap), n);
	for (i = 0; i < n; i++)
		ck_assert_msg(capture_get(cap, i)->id == want[i],
		    "index %zu: got %llu, want %llu", i,
		    (unsigned long long)capture_get(cap, i)->id,
		    (unsigned long long)want[i]);
}

START_TEST(test_evict)
{
	struct capture		*cap;
	struct transcript	*t[8];
	const char		*error;
	uint64_t		 i;
	static const uint64_t	 w1[] = { 1, 2, 3, 4 }, w2[] = { 1, 3, 4 },
				 w3[] = { 3, 4, 5 }, w4[] = { 4, 5 },
				 w5[] = { 4, 5, 9, 7 };

	cap = capture_new(NULL, &error);
	capture_set_sessions_max(cap, 3);
	for (i = 1; i <= 4; i++)
		t[i] = capture_session_start(cap, i, "pop3", "pop3", 110, "p");
	/* All open: nothing may go. */
	assert_ids(cap, w1, nitems(w1));
	capture_session_end(cap, t[2], "quit");
	assert_ids(cap, w2, nitems(w2));
	capture_session_end(cap, t[1], "eof");
	assert_ids(cap, w2, nitems(w2));
	t[5] = capture_session_start(cap, 5, "pop3", "pop3", 110, "p");
	assert_ids(cap, w3, nitems(w3));
	ck_assert_ptr_null(capture_find(cap, 1));
	ck_assert_ptr_eq(capture_find(cap, 4), t[4]);
	capture_session_end(cap, t[3], "quit");
	capture_set_sessions_max(cap, 2);
	assert_ids(cap, w4, nitems(w4));
	/* Ids out of order still resolve. */
	capture_set_sessions_max(cap, 10);
	t[6] = capture_session_start(cap, 9, "pop3", "pop3", 110, "p");
	t[7] = capture_session_start(cap, 7, "pop3", "pop3", 110, "p");
	assert_ids(cap, w5, nitems(w5));
	ck_assert_ptr_eq(capture_find(cap, 7), t[7]);
	ck_assert_ptr_eq(capture_find(cap, 9), t[6]);
	ck_assert_ptr_null(capture_find(cap, 8));
	capture_free(cap);
}
END_TEST

START_TEST(test_dir_file)
{
	struct capture		*cap;
	struct transcript	*t;
	const char		*error = NULL;
	char			 base[] = "/tmp/check_capture.XXXXXX", *sub,
				*path, *text, *j;
	DIR			*d;
	struct dirent		*de;
	size_t			 len, n = 0;

	ck_assert_ptr_nonnull(mkdtemp(base));
	ck_assert_int_ne(asprintf(&sub, "%s/caps", base), -1);
	ck_assert_int_ne(asprintf(&path, "%s/session-42.json", sub), -1);
	cap = capture_new(sub, &error);
	ck_assert_msg(cap != NULL, "%s", error);
	t = capture_session_start(cap, 42, "smtp", "smtp", 25, "p");
	capture_transcript_line(t, CONN_DIR_IN, "AUTH PLAIN c2VjcmV0", 19,
	    CONN_IO_SECRET);
	ck_assert_int_eq(access(path, F_OK), -1);
	capture_session_end(cap, t, "quit");
	text = read_file(path, &len);
	j = capture_transcript_json(t, true);
	ck_assert_uint_eq(len, strlen(j) + 1);
	ck_assert_mem_eq(text, j, strlen(j));
	ck_assert_int_eq(text[len - 1], '\n');
	ck_assert_ptr_null(strstr(text, "c2VjcmV0"));
	d = opendir(sub);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' || strlen(de->d_name) > 2)
			n++;
	closedir(d);
	ck_assert_uint_eq(n, 1);
	capture_free(cap);

	/* A file where the directory should be. */
	cap = capture_new(path, &error);
	ck_assert_ptr_null(cap);
	ck_assert_str_eq(error, "the capture path is not a directory");
	free(j);
	free(text);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(sub), 0);
	ck_assert_int_eq(rmdir(base), 0);
	free(path);
	free(sub);
}
END_TEST

START_TEST(test_after_end)
{
	struct transcript	*t;

	t = capture_transcript_new(1, "smtp", "smtp", 25, "p");
	tick(7);
	capture_transcript_end(t, NULL);
	tick(7);
	capture_transcript_end(t, "quit");
	capture_transcript_line(t, CONN_DIR_IN, "NOOP", 4, 0);
	capture_transcript_data(t, CONN_DIR_IN, "x", 1, FRAME_DATA);
	capture_transcript_event(t, "tls-start", "TLSv1.3 X");
	ck_assert_uint_eq(t->nev, 1);
	ck_assert_str_eq(t->close_reason, "unknown");
	ck_assert_uint_eq(t->ended_mono - t->started_mono, 7);
	ck_assert(!t->tls);
	capture_transcript_free(t);
}
END_TEST

/* A flood of long lines stops at the log cap; the close still shows. */
START_TEST(test_overflow)
{
	struct transcript	*t;
	char			*line, *j;
	size_t			 n = LINE_MAX_CMD, i;

	line = malloc(n);
	ck_assert_ptr_nonnull(line);
	memset(line, 'A', n);
	t = capture_transcript_new(1, "smtp", "smtp", 25, "p");
	for (i = 0; i < (CAPTURE_LOG_MAX + CAPTURE_DATA_MAX) / n + 10; i++)
		capture_transcript_line(t, CONN_DIR_IN, line, n,
		    FRAME_TOO_LONG);
	ck_assert(t->overflow);
	ck_assert_uint_le(t->log.len, CAPTURE_LOG_MAX + CAPTURE_DATA_MAX);
	ck_assert_uint_eq(t->ev[t->nev - 1].kind, TEV_EVENT);
	ck_assert_str_eq(capture_tevent_name(t, &t->ev[t->nev - 1]),
	    "capture-limit");
	capture_transcript_event(t, "tls-start", "TLSv1.2 AES128-SHA");
	ck_assert(t->tls);
	ck_assert_str_eq(t->tls_cipher, "AES128-SHA");
	ck_assert_str_eq(capture_tevent_name(t, &t->ev[t->nev - 1]),
	    "capture-limit");
	capture_transcript_end(t, "too many errors");
	ck_assert_str_eq(capture_tevent_name(t, &t->ev[t->nev - 1]), "close");
	j = capture_transcript_json(t, false);
	ck_assert_ptr_nonnull(strstr(j, "\"overflow\":true"));
	free(j);
	free(line);
	capture_transcript_free(t);
}
END_TEST

START_TEST(test_event_detail)
{
	struct transcript	*t;
	char			 longd[CAPTURE_DETAIL_MAX + 50];

	memset(longd, 'e', sizeof(longd) - 1);
	longd[sizeof(longd) - 1] = '\0';
	t = capture_transcript_new(1, "smtp", "smtp", 25, "p");
	capture_transcript_event(t, "tls-failed", "bad \xff byte");
	capture_transcript_event(t, "tls-failed", longd);
	capture_transcript_event(t, "pause", NULL);
	ck_assert_str_eq(t->log.p + t->ev[0].off, "bad ? byte");
	ck_assert_uint_eq(t->ev[1].len, CAPTURE_DETAIL_MAX);
	ck_assert_uint_eq(t->ev[2].len, 0);
	ck_assert_str_eq(capture_tevent_name(t, &t->ev[2]), "pause");
	capture_transcript_free(t);
}
END_TEST

/* A minimal line protocol to drive the real conn layer in test mode. */
static void
hk_open(struct conn *c)
{
	conn_reply(c, "220 hi");
}

static void
hk_item(struct conn *c, const struct frame_item *it)
{
	if (it->flags & FRAME_DATA) {
		if (it->flags & FRAME_END)
			conn_reply(c, "250 queued");
		return;
	}
	if (it->len == 4 && memcmp(it->p, "DATA", 4) == 0) {
		conn_reply(c, "354 go");
		conn_expect_dot(c);
	} else if (it->len == 4 && memcmp(it->p, "QUIT", 4) == 0) {
		conn_reply(c, "221 bye");
		conn_close_after_flush(c, "quit");
	} else
		conn_reply(c, "250 ok");
}

static void
hk_none(struct conn *c)
{
}

static void
hk_close(struct conn *c, const char *reason)
{
}

static const struct conn_proto hk_proto = {
	.name = "smtp", .line_max = LINE_MAX_CMD, .idle_sec = 300,
	.busy_reply = "421 busy", .on_open = hk_open, .on_item = hk_item,
	.on_tls = hk_none, .on_timeout = hk_none, .on_shutdown = hk_none,
	.on_close = hk_close,
};

START_TEST(test_hooks)
{
	static const char	 in[] = "EHLO x\nDATA\r\nhello\r\n..x\r\n"
	    ".\r\nQUIT\r\n";
	/* Everything arrived in one read: lines after the first are
	   pipelined; the live checker then judges the session. */
	static const char	 want[] = "{\"id\":1,\"protocol\":\"smtp\","
	    "\"port_name\":\"mx\",\"port\":2525,\"peer\":\"test\","
	    "\"started\":\"2026-11-22T01:02:03.456Z\",\"duration_ms\":0,"
	    "\"tls\":false,\"outcome\":\"quit\",\"messages\":[],"
	    "\"transcript\":["
	    "{\"t_ms\":0,\"dir\":\"s\",\"line\":\"220 hi\"},"
	    "{\"t_ms\":0,\"dir\":\"c\",\"line\":\"EHLO x\","
	    "\"flags\":[\"bare-lf\",\"pipelined\"]},"
	    "{\"t_ms\":0,\"dir\":\"s\",\"line\":\"250 ok\"},"
	    "{\"t_ms\":0,\"dir\":\"c\",\"line\":\"DATA\","
	    "\"flags\":[\"pipelined\"]},"
	    "{\"t_ms\":0,\"dir\":\"s\",\"line\":\"354 go\"},"
	    "{\"t_ms\":0,\"dir\":\"c\",\"data\":11,\"lines\":2,"
	    "\"data_b64\":\"aGVsbG8NCi54DQo=\","
	    "\"flags\":[\"dot-stuffed\",\"pipelined\"]},"
	    "{\"t_ms\":0,\"dir\":\"c\",\"line\":\".\"},"
	    "{\"t_ms\":0,\"dir\":\"s\",\"line\":\"250 queued\"},"
	    "{\"t_ms\":0,\"dir\":\"c\",\"line\":\"QUIT\","
	    "\"flags\":[\"pipelined\"]},"
	    "{\"t_ms\":0,\"dir\":\"s\",\"line\":\"221 bye\"},"
	    "{\"t_ms\":0,\"event\":\"close\",\"detail\":\"quit\"}],"
	    "\"findings\":[";
	const struct conn_port	 port = { .proto = &hk_proto, .name = "mx",
	    .port = 2525 };
	struct event_base	*base;
	struct conn_env		*env;
	struct capture		*cap;
	struct conn		*c;
	const char		*error;
	char			*j;

	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	env = conn_env_new(base, 0);
	cap = capture_new(NULL, &error);
	conn_env_set_hooks(env, capture_hooks(cap));
	c = conn_new_test(env, &port);
	conn_test_feed(c, in, sizeof(in) - 1);
	ck_assert(conn_test_closed(c));
	ck_assert_ptr_null(conn_hook_data(c));
	ck_assert_uint_eq(capture_count(cap), 1);
	j = capture_transcript_json(capture_get(cap, 0), false);
	ck_assert_msg(strncmp(j, want, sizeof(want) - 1) == 0, "got %s", j);
	ck_assert_ptr_nonnull(strstr(j, "\"rule\":\"smtp.line.bare-lf\""));
	ck_assert_ptr_nonnull(strstr(j,
	    "\"rule\":\"smtp.pipelining.not-advertised\""));
	free(j);
	conn_test_free(c);
	conn_env_free(env);
	capture_free(cap);
	event_base_free(base);
}
END_TEST

Suite *
capture_suite(void)
{
	Suite	*s = suite_create("capture");
	TCase	*tc = tcase_create("capture");

	tcase_add_checked_fixture(tc, clock_setup, clock_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_golden);
	tcase_add_test(tc, test_golden_file);
	tcase_add_test(tc, test_data_runs);
	tcase_add_test(tc, test_data_cap);
	tcase_add_loop_test(tc, test_dot_end, 0, nitems(dot_cases));
	tcase_add_loop_test(tc, test_text_or_b64, 0, nitems(text_cases));
	tcase_add_loop_test(tc, test_redact, 0, nitems(redact_cases));
	tcase_add_loop_test(tc, test_initial_response_secret, 0,
	    nitems(initial_cases));
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_round_trip_open);
	tcase_add_loop_test(tc, test_parse_bad, 0, nitems(bad_cases));
	tcase_add_test(tc, test_parse_edges);
	tcase_add_test(tc, test_parse_hostile);
	tcase_add_test(tc, test_note_message);
	tcase_add_test(tc, test_evict);
	tcase_add_test(tc, test_dir_file);
	tcase_add_test(tc, test_after_end);
	tcase_add_test(tc, test_overflow);
	tcase_add_test(tc, test_event_detail);
	tcase_add_test(tc, test_hooks);
	suite_add_tcase(s, tc);
	return s;
}
