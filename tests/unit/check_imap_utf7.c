/*
 * check_imap_utf7.c: modified UTF-7 mailbox names (RFC 3501 5.1.3):
 * known pairs both ways (the RFC's own example among them), round trips,
 * and every non-canonical or malformed spelling the decoder must refuse.
 */
#include <string.h>

#include <check.h>

#include "fakes/base/defs.h"
#include "fakes/imap_utf7.h"

Suite	*imap_utf7_suite(void);

static const struct {
	const char	*utf8;
	const char	*utf7;
} pair_cases[] = {
	{ "", "" },
	{ "INBOX", "INBOX" },
	{ "&", "&-" },
	{ "a&b&&", "a&-b&-&-" },
	{ "Sent Items/2024", "Sent Items/2024" },
	/* RFC 3501 5.1.3 example. */
	{ "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac"
	  "\xe8\xaa\x9e", "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },
	{ "Entw\xc3\xbcrfe", "Entw&APw-rfe" },
	{ "\xc3\xa4\xc3\xb6\xc3\xbc", "&AOQA9gD8-" },
	{ "\xd0\x9f\xd1\x80\xd0\xb8", "&BB8EQAQ4-" },
	{ "\xf0\x9f\x98\x80", "&2D3eAA-" },		/* U+1F600 */
	{ "a\xc3\xa9&\xc3\xa9", "a&AOk-&-&AOk-" },
	{ "\x7f", "&AH8-" },
	{ "tab\there", "tab&AAk-here" },
};

START_TEST(test_pairs)
{
	const char	*u8 = pair_cases[_i].utf8, *u7 = pair_cases[_i].utf7;
	struct buf	 b;

	buf_init(&b, 4096);
	ck_assert_msg(imap_utf8_to_utf7(u8, strlen(u8), &b) == 0,
	    "case %d (%s): encode failed", _i, u7);
	ck_assert_msg(strcmp(buf_cstr(&b), u7) == 0,
	    "case %d (%s): encoded to %s", _i, u7, buf_cstr(&b));
	buf_reset(&b);
	ck_assert_msg(imap_utf7_to_utf8(u7, strlen(u7), &b) == 0,
	    "case %d (%s): decode failed", _i, u7);
	ck_assert_msg(b.len == strlen(u8) && memcmp(b.p == NULL ? "" : b.p,
	    u8, b.len) == 0, "case %d (%s): decoded wrong", _i, u7);
	buf_fini(&b);
}
END_TEST

static const char *const bad_utf7[] = {
	"&",		/* unterminated */
	"&U,BTFw",	/* unterminated run */
	"&AGE-",	/* 'a' encoded: printable ASCII must be direct */
	"&ACY-",	/* '&' encoded instead of "&-" */
	"&AOQ-&APY-",	/* two adjacent runs */
	"&AOR-",	/* non-zero padding bits */
	"&AO-",		/* too few bits for a unit, 12 bits */
	"&AOQA-",	/* 6 leftover bits */
	"&2D0-",	/* lone high surrogate */
	"&3gA-",	/* lone low surrogate */
	"&2D3YPQ-",	/* high surrogate followed by a high one */
	"&AAA-",	/* U+0000 */
	"&AOQ=-",	/* '=' is not modified BASE64 */
	"&AOQ/-",	/* '/' is ',' in modified BASE64 */
	"a\x80",	/* 8-bit */
	"a\tb",		/* CTL must be encoded */
	"\xc3\xa4",	/* raw UTF-8 */
};

START_TEST(test_bad_utf7)
{
	struct buf	 b;

	buf_init(&b, 4096);
	ck_assert_msg(imap_utf7_to_utf8(bad_utf7[_i], strlen(bad_utf7[_i]),
	    &b) == -1, "case %d (%s): got 0, want -1", _i, bad_utf7[_i]);
	buf_fini(&b);
}
END_TEST

static const char *const bad_utf8[] = {
	"\x80",			/* continuation first */
	"\xc3",			/* truncated */
	"\xc0\xaf",		/* overlong '/' */
	"\xe0\x80\xaf",		/* overlong */
	"\xed\xa0\x80",		/* surrogate */
	"\xf4\x90\x80\x80",	/* above U+10FFFF */
	"\xff",
	"a\xc3(",
};

START_TEST(test_bad_utf8)
{
	struct buf	 b;

	buf_init(&b, 4096);
	ck_assert_msg(imap_utf8_to_utf7(bad_utf8[_i], strlen(bad_utf8[_i]),
	    &b) == -1, "case %d: got 0, want -1", _i);
	buf_fini(&b);
}
END_TEST

/* NUL inside a counted name is refused both ways. */
START_TEST(test_nul)
{
	struct buf	 b;

	buf_init(&b, 64);
	ck_assert_int_eq(imap_utf8_to_utf7("a\0b", 3, &b), -1);
	buf_reset(&b);
	ck_assert_int_eq(imap_utf7_to_utf8("a\0b", 3, &b), -1);
	buf_fini(&b);
}
END_TEST

/* Every BMP code point outside printable ASCII and surrogates. */
START_TEST(test_round_trip_bmp)
{
	struct buf	 u8, u7, back;
	uint32_t	 cp;
	char		 s[8];
	size_t		 n;

	buf_init(&u8, 1 << 20);
	buf_init(&u7, 1 << 20);
	buf_init(&back, 1 << 20);
	for (cp = 1; cp < 0x10000; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		if (cp < 0x80) {
			s[0] = (char)cp;
			n = 1;
		} else if (cp < 0x800) {
			s[0] = (char)(0xc0 | (cp >> 6));
			s[1] = (char)(0x80 | (cp & 0x3f));
			n = 2;
		} else {
			s[0] = (char)(0xe0 | (cp >> 12));
			s[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
			s[2] = (char)(0x80 | (cp & 0x3f));
			n = 3;
		}
		/* "x" between runs keeps them apart and tests mixing. */
		ck_assert_int_eq(buf_append(&u8, s, n), 0);
		if (cp % 7 == 0)
			ck_assert_int_eq(buf_appendc(&u8, 'x'), 0);
	}
	ck_assert_int_eq(imap_utf8_to_utf7(u8.p, u8.len, &u7), 0);
	ck_assert_int_eq(imap_utf7_to_utf8(u7.p, u7.len, &back), 0);
	ck_assert_uint_eq(back.len, u8.len);
	ck_assert_mem_eq(back.p, u8.p, u8.len);
	buf_fini(&u8);
	buf_fini(&u7);
	buf_fini(&back);
}
END_TEST

/* The output maximum is honoured. */
START_TEST(test_max)
{
	struct buf	 b;

	buf_init(&b, 4);
	ck_assert_int_eq(imap_utf8_to_utf7("\xc3\xa4\xc3\xb6", 4, &b), -1);
	buf_reset(&b);
	ck_assert_int_eq(imap_utf7_to_utf8("abcdef", 6, &b), -1);
	buf_fini(&b);
}
END_TEST

Suite *
imap_utf7_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("imap_utf7");
	tc = tcase_create("utf7");
	tcase_add_loop_test(tc, test_pairs, 0, nitems(pair_cases));
	tcase_add_loop_test(tc, test_bad_utf7, 0, nitems(bad_utf7));
	tcase_add_loop_test(tc, test_bad_utf8, 0, nitems(bad_utf8));
	tcase_add_test(tc, test_nul);
	tcase_add_test(tc, test_round_trip_bmp);
	tcase_add_test(tc, test_max);
	suite_add_tcase(s, tc);
	return s;
}
