/*
 * check_base.c: the leaf library: buf, str, repr.
 */
#include <string.h>

#include <check.h>

#include "fakes/base/buf.h"
#include "fakes/base/defs.h"
#include "fakes/base/repr.h"
#include "fakes/base/str.h"

Suite	*base_suite(void);

START_TEST(test_buf_bounded)
{
	struct buf	b;

	buf_init(&b, 8);
	ck_assert_int_eq(buf_append(&b, "abcd", 4), 0);
	ck_assert_int_eq(buf_appendf(&b, "%d", 123), 0);
	ck_assert_str_eq(buf_cstr(&b), "abcd123");
	ck_assert_int_eq(buf_append(&b, "xy", 2), -1);
	ck_assert_uint_eq(b.len, 7);
	ck_assert_int_eq(buf_appendc(&b, 'z'), 0);
	ck_assert_int_eq(buf_appendc(&b, 'z'), -1);
	ck_assert_str_eq(buf_cstr(&b), "abcd123z");
	buf_reset(&b);
	ck_assert_str_eq(buf_cstr(&b), "");
	buf_fini(&b);
}
END_TEST

START_TEST(test_buf_appendf_long)
{
	struct buf	b;
	char		big[1000];

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_init(&b, 4096);
	ck_assert_int_eq(buf_appendf(&b, "<%s>", big), 0);
	ck_assert_uint_eq(b.len, 1001);
	ck_assert_int_eq(b.p[1000], '>');
	buf_fini(&b);
}
END_TEST

static const struct {
	const char	*in;
	uint64_t	 max;
	bool		 ok;
	uint64_t	 want;
} u64_cases[] = {
	{ "0", 10, true, 0 },
	{ "10", 10, true, 10 },
	{ "11", 10, false, 0 },
	{ "18446744073709551615", UINT64_MAX, true, UINT64_MAX },
	{ "18446744073709551616", UINT64_MAX, false, 0 },
	{ "4294967296", 4294967295u, false, 0 },
	{ "", 10, false, 0 },
	{ "1a", 10, false, 0 },
	{ "-1", 10, false, 0 },
	{ " 1", 10, false, 0 },
};

START_TEST(test_str_to_u64)
{
	uint64_t	v = 0;
	bool		ok;

	ok = str_to_u64(u64_cases[_i].in, strlen(u64_cases[_i].in),
	    u64_cases[_i].max, &v);
	ck_assert_msg(ok == u64_cases[_i].ok, "case %d (%s): got %d, want %d",
	    _i, u64_cases[_i].in, ok, u64_cases[_i].ok);
	if (ok)
		ck_assert_uint_eq(v, u64_cases[_i].want);
}
END_TEST

START_TEST(test_str_copy)
{
	char	small[4];

	ck_assert(str_copy(small, "abc", sizeof(small)));
	ck_assert_str_eq(small, "abc");
	ck_assert(!str_copy(small, "abcd", sizeof(small)));
	ck_assert_str_eq(small, "abc");
	ck_assert(str_prefix_ci("MAIL FROM:<a>", "mail from:"));
	ck_assert(!str_prefix_ci("MAI", "mail"));
	ck_assert(str_eq_ci("Ehlo", "EHLO"));
}
END_TEST

START_TEST(test_repr)
{
	struct buf	b;
	char		out[16];

	buf_init(&b, 1024);
	repr_append(&b, "a\r\n\x01\xff\\", 6, 100);
	ck_assert_str_eq(buf_cstr(&b), "a\\r\\n\\x01\\xff\\\\");
	buf_reset(&b);
	repr_append(&b, "abcdef", 6, 3);
	ck_assert_str_eq(buf_cstr(&b), "abc...");
	buf_fini(&b);
	ck_assert_str_eq(repr_str(out, sizeof(out), "ok\n", 3), "ok\\n");
	repr_str(out, sizeof(out), "0123456789abcdefghij", 20);
	ck_assert_uint_lt(strlen(out), sizeof(out));
	ck_assert_str_eq(out + strlen(out) - 3, "...");
}
END_TEST

Suite *
base_suite(void)
{
	Suite	*s = suite_create("base");
	TCase	*tc = tcase_create("base");

	tcase_add_test(tc, test_buf_bounded);
	tcase_add_test(tc, test_buf_appendf_long);
	tcase_add_loop_test(tc, test_str_to_u64, 0, nitems(u64_cases));
	tcase_add_test(tc, test_str_copy);
	tcase_add_test(tc, test_repr);
	suite_add_tcase(s, tc);
	return s;
}
