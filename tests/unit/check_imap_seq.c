/*
 * check_imap_seq.c: sequence sets (RFC 3501 9): parsing with "*",
 * reversed ranges and hostile input, membership against a changing "*",
 * resolution into sorted merged ranges, iteration and formatting.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "fakes/base/defs.h"
#include "fakes/imap_seq.h"

Suite	*imap_seq_suite(void);

/* want: the set resolved with star = 10, formatted; NULL: parse fails. */
static const struct {
	const char	*in;
	const char	*want;
} parse_cases[] = {
	{ "1", "1" },
	{ "4294967295", "4294967295" },
	{ "1:3", "1:3" },
	{ "3:1", "1:3" },
	{ "*", "10" },
	{ "*:4", "4:10" },
	{ "4:*", "4:10" },
	{ "12:*", "10:12" },
	{ "1,3,5", "1,3,5" },
	{ "1,2,3", "1:3" },
	{ "5:7,1:3,4", "1:7" },
	{ "2:4,3:9,20", "2:9,20" },
	{ "1:*,*", "1:10" },
	{ "*:*", "10" },
	{ "", NULL },
	{ "0", NULL },
	{ "0:3", NULL },
	{ "1:0", NULL },
	{ "01", NULL },
	{ "1:", NULL },
	{ ":1", NULL },
	{ ",", NULL },
	{ "1,", NULL },
	{ ",1", NULL },
	{ "1,,2", NULL },
	{ "1:2:3", NULL },
	{ "4294967296", NULL },
	{ "99999999999999999999999", NULL },
	{ "1 ", NULL },
	{ " 1", NULL },
	{ "a", NULL },
	{ "-1", NULL },
	{ "+1", NULL },
	{ "**", NULL },
	{ "1:**", NULL },
	{ "$", NULL },
};

START_TEST(test_parse)
{
	struct imap_seq	*seq, *res;
	struct buf	 b;
	const char	*err;
	int		 rc;

	err = NULL;
	rc = imap_seq_parse(parse_cases[_i].in, strlen(parse_cases[_i].in),
	    &seq, &err);
	ck_assert_msg(rc == (parse_cases[_i].want == NULL ? -1 : 0),
	    "case %d (%s): got %d, want %d", _i, parse_cases[_i].in, rc,
	    parse_cases[_i].want == NULL ? -1 : 0);
	if (rc == -1) {
		ck_assert_ptr_null(seq);
		ck_assert_ptr_nonnull(err);
		return;
	}
	res = imap_seq_resolve(seq, 10);
	buf_init(&b, 1024);
	ck_assert_int_eq(imap_seq_format(res, &b), 0);
	ck_assert_msg(strcmp(buf_cstr(&b), parse_cases[_i].want) == 0,
	    "case %d (%s): got %s, want %s", _i, parse_cases[_i].in,
	    buf_cstr(&b), parse_cases[_i].want);
	buf_fini(&b);
	imap_seq_free(res);
	imap_seq_free(seq);
}
END_TEST

/* The NUL case: "1\0002" with its full length must fail. */
START_TEST(test_parse_nul)
{
	struct imap_seq	*seq;
	const char	*err;

	ck_assert_int_eq(imap_seq_parse("1\0002", 3, &seq, &err), -1);
	ck_assert_int_eq(imap_seq_parse("1", 1, &seq, &err), 0);
	imap_seq_free(seq);
}
END_TEST

static const struct {
	const char	*set;
	uint32_t	 n;
	uint32_t	 star;
	bool		 want;
} contains_cases[] = {
	{ "1:3", 2, 10, true },
	{ "1:3", 4, 10, false },
	{ "3:1", 1, 10, true },
	{ "*", 10, 10, true },
	{ "*", 9, 10, false },
	{ "*", 1, 0, false },
	{ "5:*", 7, 10, true },
	{ "5:*", 11, 10, false },
	/* RFC 3501 6.4.8: "559:*" includes the last UID even below 559. */
	{ "559:*", 100, 100, true },
	{ "559:*", 99, 100, false },
	{ "559:*", 300, 100, true },
	{ "1,5,9", 5, 10, true },
	{ "1,5,9", 6, 10, false },
	{ "4294967295", 4294967295u, 10, true },
	{ "1:*", 0, 10, false },
};

START_TEST(test_contains)
{
	struct imap_seq	*seq;
	const char	*err;
	bool		 got;

	ck_assert_int_eq(imap_seq_parse(contains_cases[_i].set,
	    strlen(contains_cases[_i].set), &seq, &err), 0);
	got = imap_seq_contains(seq, contains_cases[_i].n,
	    contains_cases[_i].star);
	ck_assert_msg(got == contains_cases[_i].want,
	    "case %d (%s has %u, * = %u): got %d, want %d", _i,
	    contains_cases[_i].set, contains_cases[_i].n,
	    contains_cases[_i].star, got, contains_cases[_i].want);
	imap_seq_free(seq);
}
END_TEST

START_TEST(test_iter)
{
	struct imap_seq		*seq, *res;
	struct imap_seq_iter	 it;
	const char		*err;
	char			 got[128];
	size_t			 len;
	uint32_t		 n;

	ck_assert_int_eq(imap_seq_parse("9:*,2,4:3,1", 11, &seq, &err), 0);
	ck_assert_uint_eq(imap_seq_max(seq, 12), 12);
	res = imap_seq_resolve(seq, 12);
	imap_seq_iter_init(&it, res, 10);
	len = 0;
	got[0] = '\0';
	while (imap_seq_iter_next(&it, &n))
		len += (size_t)snprintf(got + len, sizeof(got) - len, "%u ",
		    n);
	ck_assert_str_eq(got, "1 2 3 4 9 10 ");
	imap_seq_free(res);

	/* Empty mailbox: "*" is 0 and names nothing. */
	res = imap_seq_resolve(seq, 0);
	imap_seq_iter_init(&it, res, 0);
	ck_assert(!imap_seq_iter_next(&it, &n));
	imap_seq_free(res);
	imap_seq_free(seq);

	/* The top of the range does not wrap. */
	ck_assert_int_eq(imap_seq_parse("4294967294:4294967295", 21, &seq,
	    &err), 0);
	res = imap_seq_resolve(seq, 1);
	imap_seq_iter_init(&it, res, UINT32_MAX);
	ck_assert(imap_seq_iter_next(&it, &n));
	ck_assert_uint_eq(n, 4294967294u);
	ck_assert(imap_seq_iter_next(&it, &n));
	ck_assert_uint_eq(n, 4294967295u);
	ck_assert(!imap_seq_iter_next(&it, &n));
	imap_seq_free(res);
	imap_seq_free(seq);
}
END_TEST

START_TEST(test_add_format)
{
	struct imap_seq	*seq;
	struct buf	 b;

	seq = imap_seq_new();
	imap_seq_add(seq, 3, 3);
	imap_seq_add(seq, 4, 4);
	imap_seq_add(seq, 5, 7);
	imap_seq_add(seq, 10, 10);
	imap_seq_add(seq, 2, 1);
	buf_init(&b, 64);
	ck_assert_int_eq(imap_seq_format(seq, &b), 0);
	ck_assert_str_eq(buf_cstr(&b), "3:7,10,1:2");
	buf_fini(&b);
	ck_assert(imap_seq_contains(seq, 6, 0));
	ck_assert(!imap_seq_contains(seq, 8, 0));
	/* A buffer too small reports -1. */
	buf_init(&b, 4);
	ck_assert_int_eq(imap_seq_format(seq, &b), -1);
	buf_fini(&b);
	imap_seq_free(seq);
	imap_seq_free(NULL);
}
END_TEST

START_TEST(test_too_many)
{
	struct buf	 b;
	struct imap_seq	*seq;
	const char	*err;
	size_t		 i;

	buf_init(&b, 1 << 20);
	for (i = 0; i < IMAP_SEQ_RANGES_MAX; i++)
		ck_assert_int_eq(buf_appendf(&b, "%s%zu", i ? "," : "",
		    2 * i + 1), 0);
	ck_assert_int_eq(imap_seq_parse(b.p, b.len, &seq, &err), 0);
	ck_assert_uint_eq(seq->nranges, IMAP_SEQ_RANGES_MAX);
	imap_seq_free(seq);
	ck_assert_int_eq(buf_append(&b, ",1", 2), 0);
	ck_assert_int_eq(imap_seq_parse(b.p, b.len, &seq, &err), -1);
	buf_fini(&b);
}
END_TEST

Suite *
imap_seq_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("imap_seq");
	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_parse, 0, nitems(parse_cases));
	tcase_add_test(tc, test_parse_nul);
	tcase_add_test(tc, test_too_many);
	suite_add_tcase(s, tc);
	tc = tcase_create("eval");
	tcase_add_loop_test(tc, test_contains, 0, nitems(contains_cases));
	tcase_add_test(tc, test_iter);
	tcase_add_test(tc, test_add_format);
	suite_add_tcase(s, tc);
	return s;
}
