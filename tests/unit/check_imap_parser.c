/*
 * check_imap_parser.c: the IMAP command parser fed whole, byte by byte and
 * split at every offset (STYLE 3.13): tags, atoms, quoted strings with
 * escapes, synchronizing and non-synchronizing literals across pieces,
 * NIL, nested lists, fetch attributes with bracketed sections, every
 * limit, and malformed input.  Arguments are compared as a canonical
 * dump: atoms as is, "quoted", {n}bytes, (lists).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "fakes/base/buf.h"
#include "fakes/base/defs.h"
#include "fakes/imap_parser.h"
#include "tests/unit/helpers.h"

Suite	*imap_parser_suite(void);

static const struct imap_parser_limits t_lim = {
	.line_max = 200, .literal_max = 100, .nonsync_max = 50,
	.depth_max = 8, .args_max = 32,
};

struct t_state {
	struct imap_parser	*p;
	int			 ret;		/* last non-MORE result */
	size_t			 fed;		/* bytes given */
	size_t			 used;		/* bytes consumed */
	int			 literals;	/* LITERAL results */
	int			 sync;		/* of which synchronizing */
	bool			 early;		/* a result before the end */
	size_t			 total;		/* input length */
};

static const struct {
	const char	*in;
	size_t		 len;		/* 0: strlen */
	int		 want_ret;
	enum imap_parse_err want_err;
	const char	*want_tag;
	const char	*want;		/* dump of the arguments */
	int		 want_lits;
} cases[] = {
	{ "a1 NOOP\r\n", 0, IMAP_PARSE_DONE, 0, "a1", "NOOP", 0 },
	{ "a1 NOOP\n", 0, IMAP_PARSE_DONE, 0, "a1", "NOOP", 0 },
	{ "A.b]9 noop\r\n", 0, IMAP_PARSE_DONE, 0, "A.b]9", "noop", 0 },
	{ "a1\r\n", 0, IMAP_PARSE_DONE, 0, "a1", "", 0 },
	{ "a1 X  two   spaces \r\n", 0, IMAP_PARSE_DONE, 0, "a1",
	    "X two spaces", 0 },
	{ "t LOGIN \"us\\\"er\" \"p\\\\ss\"\r\n", 0, IMAP_PARSE_DONE, 0, "t",
	    "LOGIN \"us\"er\" \"p\\ss\"", 0 },
	{ "t X \"\" NIL nil\r\n", 0, IMAP_PARSE_DONE, 0, "t",
	    "X \"\" NIL nil", 0 },
	{ "t X \"caf\xc3\xa9\"\r\n", 0, IMAP_PARSE_DONE, 0, "t",
	    "X \"caf\xc3\xa9\"", 0 },
	{ "t LOGIN {5}\r\nalice {6+}\r\nsecret\r\n", 0, IMAP_PARSE_DONE, 0,
	    "t", "LOGIN {5}alice {6}secret", 2 },
	{ "t APPEND box (\\Seen) {3}\r\na\0b\r\n", 31, IMAP_PARSE_DONE, 0,
	    "t", "APPEND box (\\Seen) {3}a.b", 1 },
	{ "t X {0}\r\n\r\n", 0, IMAP_PARSE_DONE, 0, "t", "X {0}", 1 },
	{ "t X ({2}\r\nab)\r\n", 0, IMAP_PARSE_DONE, 0, "t", "X ({2}ab)", 1 },
	{ "t X (a (b (c)) d) ()\r\n", 0, IMAP_PARSE_DONE, 0, "t",
	    "X (a (b (c)) d) ()", 0 },
	{ "t FETCH 1:*,3 (BODY.PEEK[HEADER.FIELDS (From To)]<0.2048> "
	    "FLAGS)\r\n", 0, IMAP_PARSE_DONE, 0, "t",
	    "FETCH 1:*,3 (BODY.PEEK[HEADER.FIELDS (From To)]<0.2048> FLAGS)",
	    0 },
	{ "t FETCH 1 BODY[]\r\n", 0, IMAP_PARSE_DONE, 0, "t",
	    "FETCH 1 BODY[]", 0 },
	{ "t LIST \"\" %/*\r\n", 0, IMAP_PARSE_DONE, 0, "t",
	    "LIST \"\" %/*", 0 },
	/* errors */
	{ "\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_TAG, "", NULL, 0 },
	{ " NOOP\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_TAG, "", NULL, 0 },
	{ "+ NOOP\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_TAG, "", NULL, 0 },
	{ "a* NOOP\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_TAG, "", NULL, 0 },
	{ "a(1 NOOP\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_TAG, "", NULL, 0 },
	{ "t X \"abc\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_SYNTAX, "t", NULL,
	    0 },
	{ "t X \"a\\b\"\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_SYNTAX, "t",
	    NULL, 0 },
	{ "t X \"a\"\"b\"\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_SYNTAX, "t",
	    NULL, 0 },
	{ "t X )\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_SYNTAX, "t", NULL, 0 },
	{ "t X (a\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_SYNTAX, "t", NULL, 0 },
	{ "t X {4294967296}\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_SYNTAX, "t",
	    NULL, 0 },
	{ "t X {abc}\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_SYNTAX, "t", NULL,
	    0 },
	{ "t X {}\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_SYNTAX, "t", NULL, 0 },
	{ "t X {3+x}\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_SYNTAX, "t", NULL,
	    0 },
	{ "t X {3} \r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_SYNTAX, "t", NULL,
	    0 },
	{ "t X {1}\r\nxy\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_SYNTAX, "t",
	    NULL, 1 },
	{ "t X a\"b\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_SYNTAX, "t", NULL,
	    0 },
	{ "t X a\x01\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_SYNTAX, "t", NULL,
	    0 },
	{ "t X a\xc3\xa9\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_SYNTAX, "t",
	    NULL, 0 },
	{ "t X a\rb\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_SYNTAX, "t", NULL,
	    0 },
	{ "t FETCH 1 BODY[HEADER\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_SYNTAX,
	    "t", NULL, 0 },
	{ "t FETCH 1 BODY[]<0.x>\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_SYNTAX,
	    "t", NULL, 0 },
	{ "t X {101}\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_TOOBIG, "t", NULL,
	    0 },
	{ "t X {51+}\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_FATAL, "t", NULL,
	    0 },
	{ "t X (((((((((a)))))))))\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_ARGS,
	    "t", NULL, 0 },
	{ "t X 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 "
	    "24 25 26 27 28 29 30 31 32\r\n", 0, IMAP_PARSE_ERROR,
	    IMAP_PERR_ARGS, "t", NULL, 0 },
	{ "t X aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaa\r\n", 0, IMAP_PARSE_ERROR, IMAP_PERR_LINE, "t", NULL,
	    0 },
};

static void
t_dump(struct buf *b, const struct imap_arg *a, size_t n)
{
	size_t	i, j;

	for (i = 0; i < n; i++) {
		if (i > 0)
			ck_assert_int_eq(buf_appendc(b, ' '), 0);
		switch (a[i].type) {
		case IMAP_ARG_ATOM:
			ck_assert_int_eq(buf_append(b, a[i].str, a[i].len), 0);
			break;
		case IMAP_ARG_STRING:
			ck_assert_int_eq(buf_appendf(b, "\"%s\"", a[i].str), 0);
			break;
		case IMAP_ARG_LITERAL:
			ck_assert_int_eq(buf_appendf(b, "{%zu}", a[i].len), 0);
			/* NUL shown as '.', and str is NUL-terminated. */
			ck_assert_int_eq(a[i].str[a[i].len], '\0');
			for (j = 0; j < a[i].len; j++)
				ck_assert_int_eq(buf_appendc(b,
				    a[i].str[j] == '\0' ? '.' : a[i].str[j]),
				    0);
			break;
		case IMAP_ARG_LIST:
			ck_assert_int_eq(buf_appendc(b, '('), 0);
			t_dump(b, a[i].list, a[i].nlist);
			ck_assert_int_eq(buf_appendc(b, ')'), 0);
			break;
		default:
			ck_abort_msg("bad arg type %d", (int)a[i].type);
		}
	}
}

static void
t_feed(void *arg, const char *p, size_t n)
{
	struct t_state	*t = arg;
	size_t		 used;
	int		 r;

	while (n > 0) {
		if (t->ret == IMAP_PARSE_DONE || t->ret == IMAP_PARSE_ERROR)
			return;
		r = imap_parser_feed(t->p, p, n, &used);
		ck_assert_uint_le(used, n);
		t->fed += n;
		t->used += used;
		if (r == IMAP_PARSE_MORE) {
			ck_assert_uint_eq(used, n);
			return;
		}
		if (r == IMAP_PARSE_LITERAL) {
			t->literals++;
			if (imap_parser_literal_sync(t->p))
				t->sync++;
		} else {
			t->ret = r;
		}
		p += used;
		n -= used;
	}
}

START_TEST(test_cases)
{
	struct t_state	 t;
	struct buf	 dump;
	const char	*in = cases[_i].in;
	size_t		 len = cases[_i].len ? cases[_i].len : strlen(in);
	size_t		 k, n;
	const struct imap_arg *args;
	const char	*msg;
	char		 way[32];

	buf_init(&dump, 4096);
	memset(&t, 0, sizeof(t));
	t.p = imap_parser_new(&t_lim);
	for (k = 0; k < feed_ways(len); k++) {
		imap_parser_reset(t.p);
		t.ret = IMAP_PARSE_MORE;
		t.literals = t.sync = 0;
		t.used = 0;
		feed_way(k, in, len, t_feed, &t, way, sizeof(way));
		ck_assert_msg(t.ret == cases[_i].want_ret,
		    "case %d (%s, %s): got %d, want %d", _i, in, way, t.ret,
		    cases[_i].want_ret);
		ck_assert_msg(t.literals == cases[_i].want_lits,
		    "case %d (%s, %s): got %d literals, want %d", _i, in, way,
		    t.literals, cases[_i].want_lits);
		ck_assert_str_eq(imap_parser_tag(t.p), cases[_i].want_tag);
		if (t.ret == IMAP_PARSE_ERROR) {
			ck_assert_msg(imap_parser_error(t.p, &msg) ==
			    cases[_i].want_err, "case %d (%s, %s): got err "
			    "%d (%s), want %d", _i, in, way,
			    (int)imap_parser_error(t.p, NULL), msg,
			    (int)cases[_i].want_err);
			ck_assert_ptr_nonnull(msg);
			continue;
		}
		/* DONE exactly at the last byte: never early. */
		ck_assert_msg(t.used == len, "case %d (%s, %s): used %zu of "
		    "%zu", _i, in, way, t.used, len);
		args = imap_parser_args(t.p, &n);
		buf_reset(&dump);
		t_dump(&dump, args, n);
		ck_assert_msg(strcmp(buf_cstr(&dump), cases[_i].want) == 0,
		    "case %d (%s): got '%s', want '%s'", _i, way,
		    buf_cstr(&dump), cases[_i].want);
	}
	imap_parser_free(t.p);
	buf_fini(&dump);
}
END_TEST

/* The session refuses a literal before "+": the size is known. */
START_TEST(test_literal_info)
{
	struct imap_parser	*p = imap_parser_new(&t_lim);
	const char		*in = "t APPEND x {42}\r\n";
	size_t			 used;

	ck_assert_int_eq(imap_parser_feed(p, in, strlen(in), &used),
	    IMAP_PARSE_LITERAL);
	ck_assert_uint_eq(used, strlen(in));
	ck_assert_uint_eq(imap_parser_literal_size(p), 42);
	ck_assert(imap_parser_literal_sync(p));
	imap_parser_reset(p);
	in = "t APPEND x {7+}\r\n";
	ck_assert_int_eq(imap_parser_feed(p, in, strlen(in), &used),
	    IMAP_PARSE_LITERAL);
	ck_assert(!imap_parser_literal_sync(p));
	ck_assert_uint_eq(imap_parser_literal_size(p), 7);
	imap_parser_free(p);
}
END_TEST

/* APPEND takes the literal's bytes without copying them. */
START_TEST(test_literal_steal)
{
	struct imap_parser	*p = imap_parser_new(&t_lim);
	const char		*in = "t APPEND x {5}\r\nhello\r\nnext";
	const struct imap_arg	*args;
	const char		*before;
	char			*s;
	size_t			 used, n, off = 0;

	ck_assert_int_eq(imap_parser_feed(p, in, strlen(in), &used),
	    IMAP_PARSE_LITERAL);
	off += used;
	ck_assert_int_eq(imap_parser_feed(p, in + off, strlen(in) - off,
	    &used), IMAP_PARSE_DONE);
	off += used;
	ck_assert_str_eq(in + off, "next");
	args = imap_parser_args(p, &n);
	ck_assert_uint_eq(n, 3);
	before = args[2].str;
	ck_assert_ptr_null(imap_parser_literal_steal(p, &args[1]));
	s = imap_parser_literal_steal(p, &args[2]);
	ck_assert_ptr_eq(s, before);
	ck_assert_str_eq(s, "hello");
	ck_assert_str_eq(args[2].str, "");
	ck_assert_uint_eq(args[2].len, 5);
	ck_assert_ptr_null(imap_parser_literal_steal(p, &args[2]));
	free(s);
	imap_parser_reset(p);
	imap_parser_free(p);
}
END_TEST

/* New limits apply from the next command; errors stop further input. */
START_TEST(test_limits_and_error_stop)
{
	struct imap_parser		*p = imap_parser_new(&t_lim);
	struct imap_parser_limits	 lim = t_lim;
	const char			*in = "t X {60}\r\n";
	size_t				 used;

	ck_assert_int_eq(imap_parser_feed(p, in, strlen(in), &used),
	    IMAP_PARSE_LITERAL);
	imap_parser_reset(p);
	lim.literal_max = 10;
	imap_parser_set_limits(p, &lim);
	/* Still the old limits until the reset. */
	ck_assert_int_eq(imap_parser_feed(p, in, strlen(in), &used),
	    IMAP_PARSE_LITERAL);
	imap_parser_reset(p);
	ck_assert_int_eq(imap_parser_feed(p, in, strlen(in), &used),
	    IMAP_PARSE_ERROR);
	ck_assert_int_eq(imap_parser_error(p, NULL), IMAP_PERR_TOOBIG);
	ck_assert_uint_eq(imap_parser_literal_size(p), 60);
	ck_assert_int_eq(imap_parser_feed(p, "x", 1, &used),
	    IMAP_PARSE_ERROR);
	ck_assert_uint_eq(used, 0);
	imap_parser_reset(p);
	in = "t NOOP\r\n";
	ck_assert_int_eq(imap_parser_feed(p, in, strlen(in), &used),
	    IMAP_PARSE_DONE);
	imap_parser_free(p);
}
END_TEST

static const struct {
	const char	*tag;
	bool		 ok;
} tags[] = {
	{ "a1", true }, { "A]", true }, { "x.y-z_0", true }, { "", false },
	{ "a+", false }, { "a*", false }, { "a%", false }, { "a b", false },
	{ "a\"", false }, { "a\\", false }, { "a{", false }, { "\x7f", false },
};

START_TEST(test_tag_valid)
{
	ck_assert_msg(imap_parser_tag_valid(tags[_i].tag,
	    strlen(tags[_i].tag)) == tags[_i].ok, "case %d (%s): got %d, "
	    "want %d", _i, tags[_i].tag, !tags[_i].ok, tags[_i].ok);
}
END_TEST

Suite *
imap_parser_suite(void)
{
	Suite	*s = suite_create("imap_parser");
	TCase	*tc = tcase_create("parser");

	tcase_add_loop_test(tc, test_cases, 0, nitems(cases));
	tcase_add_test(tc, test_literal_info);
	tcase_add_test(tc, test_literal_steal);
	tcase_add_test(tc, test_limits_and_error_stop);
	tcase_add_loop_test(tc, test_tag_valid, 0, nitems(tags));
	suite_add_tcase(s, tc);
	return s;
}
