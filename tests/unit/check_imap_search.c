/*
 * check_imap_search.c: SEARCH programs (RFC 3501 6.4.4): every key
 * against a small mailbox of three messages, nesting with NOT, OR and
 * parentheses, CHARSET handling, and programs that must be refused.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "fakes/base/defs.h"
#include "fakes/base/xalloc.h"
#include "fakes/imap_search.h"

Suite	*imap_search_suite(void);

#define ARGS_MAX	64

/* A tiny argument builder: atoms, "quoted" strings and ( ) lists. */
struct imap_search_test_args {
	struct imap_arg	 pool[ARGS_MAX];
	size_t		 n;
	char		 text[1024];
};

static size_t
imap_search_test_build(struct imap_search_test_args *ta, const char **s,
    struct imap_arg *out, size_t max, char **w)
{
	size_t	 n;

	n = 0;
	for (;;) {
		while (**s == ' ')
			(*s)++;
		if (**s == '\0' || **s == ')') {
			if (**s == ')')
				(*s)++;
			return n;
		}
		ck_assert_uint_lt(n, max);
		if (**s == '(') {
			(*s)++;
			out[n].type = IMAP_ARG_LIST;
			out[n].list = &ta->pool[ta->n];
			out[n].nlist = imap_search_test_build(ta, s,
			    &ta->pool[ta->n], ARGS_MAX - ta->n, w);
			ta->n += out[n].nlist;
		} else if (**s == '"') {
			out[n].type = IMAP_ARG_STRING;
			out[n].str = *w;
			for ((*s)++; **s != '"'; (*s)++)
				*(*w)++ = **s;
			(*s)++;
			out[n].len = (size_t)(*w - out[n].str);
			*(*w)++ = '\0';
		} else {
			out[n].type = IMAP_ARG_ATOM;
			out[n].str = *w;
			for (; **s != ' ' && **s != '\0' && **s != ')' &&
			    **s != '('; (*s)++)
				*(*w)++ = **s;
			out[n].len = (size_t)(*w - out[n].str);
			*(*w)++ = '\0';
		}
		n++;
	}
}

static const char *const imap_search_test_msgs[] = {
	"From: Alice <alice@example.com>\r\n"
	"To: bob@example.net\r\n"
	"Cc: carol@example.org\r\n"
	"Subject: =?utf-8?q?Caf=C3=A9?= meeting\r\n"
	"Date: Mon, 05 Feb 2024 23:30:00 -0500\r\n"
	"X-Tag: red\r\n"
	"\r\n"
	"Let us meet at noon.\r\n",

	"From: bob@example.net\r\n"
	"To: alice@example.com\r\n"
	"Bcc: secret@example.org\r\n"
	"Subject: Re: lunch\r\n"
	"Date: Tue, 6 Feb 2024 08:00:00 +0000\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"U8O8w59lcyBUcmFua2Vu\r\n",	/* "Süßes Tranken" */

	"From: carol@example.org\r\n"
	"Subject: report\r\n"
	"\r\n"
	"A short report.\r\n",		/* 61 bytes in all */
};

/* want: the matching sequence numbers as a bit mask (1 << seq). */
static const struct {
	const char	*prog;
	unsigned	 want;
} match_cases[] = {
	{ "ALL", 0xe },
	{ "ANSWERED", 0x2 },
	{ "UNANSWERED", 0xc },
	{ "DELETED", 0x4 },
	{ "UNDELETED", 0xa },
	{ "DRAFT", 0x8 },
	{ "UNDRAFT", 0x6 },
	{ "FLAGGED", 0x2 },
	{ "UNFLAGGED", 0xc },
	{ "SEEN", 0x6 },
	{ "UNSEEN", 0x8 },
	{ "RECENT", 0xa },
	{ "NEW", 0x8 },
	{ "OLD", 0x4 },
	{ "KEYWORD $Work", 0x4 },
	{ "KEYWORD $work", 0x4 },
	{ "UNKEYWORD $Work", 0xa },
	{ "KEYWORD $Nope", 0x0 },
	{ "FROM alice", 0x2 },
	{ "FROM EXAMPLE", 0xe },
	{ "TO alice", 0x4 },
	{ "CC carol", 0x2 },
	{ "BCC secret", 0x4 },
	{ "SUBJECT \"caf\xc3\xa9\"", 0x2 },
	{ "SUBJECT \"CAF\xc3\x89 MEETING\"", 0x2 },
	{ "SUBJECT lunch", 0x4 },
	{ "HEADER X-Tag red", 0x2 },
	{ "HEADER x-tag \"\"", 0x2 },
	{ "HEADER X-Tag blue", 0x0 },
	{ "BODY noon", 0x2 },
	{ "BODY \"s\xc3\xbc\xc3\x9f" "es\"", 0x4 },
	{ "BODY alice", 0x0 },
	{ "TEXT alice", 0x6 },
	{ "TEXT noon", 0x2 },
	{ "TEXT \"\"", 0xe },
	{ "BEFORE 6-Feb-2024", 0x2 },
	{ "ON 6-Feb-2024", 0x4 },
	{ "ON \"06-feb-2024\"", 0x4 },
	{ "SINCE 6-Feb-2024", 0xc },
	{ "SINCE 7-Feb-2024", 0x8 },
	/* The Date: header's own day: 23:30 -0500 is the 5th. */
	{ "SENTON 5-Feb-2024", 0x2 },
	{ "SENTBEFORE 6-Feb-2024", 0x2 },
	{ "SENTSINCE 6-Feb-2024", 0x4 },
	{ "LARGER 192", 0x4 },		/* sizes 192, 229, 61 */
	{ "SMALLER 192", 0x8 },
	{ "LARGER 60", 0xe },
	{ "SMALLER 61", 0x0 },
	{ "1", 0x2 },
	{ "2:*", 0xc },
	{ "*", 0x8 },
	{ "1,3", 0xa },
	{ "UID 20", 0x4 },
	{ "UID 15:*", 0xc },
	{ "UID *", 0x8 },
	{ "NOT SEEN", 0x8 },
	{ "NOT NOT SEEN", 0x6 },
	{ "OR ANSWERED DRAFT", 0xa },
	{ "OR (FROM bob) (FROM carol)", 0xc },
	{ "SEEN FROM bob", 0x4 },
	{ "(SEEN (FROM bob))", 0x4 },
	{ "NOT (SEEN FROM bob)", 0xa },
	{ "OR NOT 1 UID 10", 0xe },
	{ "CHARSET UTF-8 FROM carol", 0x8 },
	{ "charset us-ascii ALL", 0xe },
};

struct imap_search_test_box {
	struct store		*st;
	struct store_box	*box;
	struct store_msg	*msgs[3];
	struct store_entry	 e[3];
};

static void
imap_search_test_box(struct imap_search_test_box *tb)
{
	static const unsigned flags[] = {
		STORE_F_SEEN | STORE_F_ANSWERED | STORE_F_FLAGGED |
		STORE_F_RECENT,
		STORE_F_SEEN | STORE_F_DELETED,
		STORE_F_DRAFT | STORE_F_RECENT,
	};
	static const int64_t dates[] = {
		INT64_C(1707177599000),		/* 05-Feb-2024 23:59:59 UTC */
		INT64_C(1707177600000),		/* 06-Feb-2024 00:00:00 UTC */
		INT64_C(1707350400000),		/* 08-Feb-2024 */
	};
	struct store_user	*u;
	const char		*err;
	size_t			 i, len;
	int			 kw;

	imap_mime_init();
	tb->st = store_new(NULL, &err);
	ck_assert_ptr_nonnull(tb->st);
	u = store_user_get(tb->st, "u", true);
	ck_assert_ptr_nonnull(u);
	tb->box = store_box_get(u, "INBOX");
	ck_assert_ptr_nonnull(tb->box);
	kw = store_box_keyword_id(tb->box, "$Other", true);
	ck_assert_int_eq(kw, 0);
	kw = store_box_keyword_id(tb->box, "$Work", true);
	ck_assert_int_eq(kw, 1);
	for (i = 0; i < 3; i++) {
		tb->msgs[i] = store_msg_new();
		len = strlen(imap_search_test_msgs[i]);
		store_msg_take_data(tb->msgs[i],
		    xmemdup(imap_search_test_msgs[i], len + 1), len);
		tb->e[i] = (struct store_entry){ .msg = tb->msgs[i],
		    .uid = (uint32_t)(10 * (i + 1)), .flags = flags[i],
		    .internal_ms = dates[i], .keywords = i == 1 ? 3 : 1 };
	}
}

static void
imap_search_test_box_free(struct imap_search_test_box *tb)
{
	size_t	 i;

	for (i = 0; i < 3; i++)
		store_msg_unref(&tb->msgs[i]);
	store_free(tb->st);
}

static int
imap_search_test_parse(const char *prog, struct imap_search **s_r,
    const char **err_r)
{
	struct imap_search_test_args	 ta;
	struct imap_arg			 top[ARGS_MAX];
	const char			*p = prog;
	char				*w;
	size_t				 n;

	memset(&ta, 0, sizeof(ta));
	w = ta.text;
	n = imap_search_test_build(&ta, &p, top, ARGS_MAX, &w);
	return imap_search_parse(top, n, s_r, err_r);
}

START_TEST(test_match)
{
	struct imap_search_test_box	 tb;
	struct imap_search_msg		 m;
	struct imap_search		*s;
	const char			*err;
	unsigned			 got;
	uint32_t			 i;

	imap_search_test_box(&tb);
	err = NULL;
	ck_assert_msg(imap_search_test_parse(match_cases[_i].prog, &s,
	    &err) == 0, "case %d (%s): parse failed: %s", _i,
	    match_cases[_i].prog, err);
	got = 0;
	for (i = 0; i < 3; i++) {
		m = (struct imap_search_msg){ .seq = i + 1, .max_seq = 3,
		    .max_uid = 30, .entry = &tb.e[i], .box = tb.box,
		    .flags = tb.e[i].flags };
		if (imap_search_match(s, &m))
			got |= 1u << (i + 1);
	}
	ck_assert_msg(got == match_cases[_i].want,
	    "case %d (%s): got %#x, want %#x", _i, match_cases[_i].prog, got,
	    match_cases[_i].want);
	imap_search_free(s);
	imap_search_test_box_free(&tb);
}
END_TEST

static const struct {
	const char	*prog;
	int		 want;
} bad_cases[] = {
	{ "", IMAP_SEARCH_ERR_SYNTAX },
	{ "FOO", IMAP_SEARCH_ERR_SYNTAX },
	{ "FROM", IMAP_SEARCH_ERR_SYNTAX },
	{ "FROM ()", IMAP_SEARCH_ERR_SYNTAX },
	{ "HEADER X", IMAP_SEARCH_ERR_SYNTAX },
	{ "HEADER \"\" x", IMAP_SEARCH_ERR_SYNTAX },
	{ "BEFORE 32-Jan-2024", IMAP_SEARCH_ERR_SYNTAX },
	{ "BEFORE 1-Foo-2024", IMAP_SEARCH_ERR_SYNTAX },
	{ "BEFORE 2024-01-01", IMAP_SEARCH_ERR_SYNTAX },
	{ "ON", IMAP_SEARCH_ERR_SYNTAX },
	{ "LARGER x", IMAP_SEARCH_ERR_SYNTAX },
	{ "LARGER 99999999999", IMAP_SEARCH_ERR_SYNTAX },
	{ "NOT", IMAP_SEARCH_ERR_SYNTAX },
	{ "OR SEEN", IMAP_SEARCH_ERR_SYNTAX },
	{ "()", IMAP_SEARCH_ERR_SYNTAX },
	{ "UID", IMAP_SEARCH_ERR_SYNTAX },
	{ "UID 0", IMAP_SEARCH_ERR_SYNTAX },
	{ "1:", IMAP_SEARCH_ERR_SYNTAX },
	{ "\"SEEN\"", IMAP_SEARCH_ERR_SYNTAX },
	{ "CHARSET", IMAP_SEARCH_ERR_SYNTAX },
	{ "CHARSET UTF-8", IMAP_SEARCH_ERR_SYNTAX },
	{ "CHARSET KOI8-R ALL", IMAP_SEARCH_ERR_CHARSET },
	{ "NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT "
	  "NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT "
	  "NOT ALL", IMAP_SEARCH_ERR_SYNTAX },
};

START_TEST(test_bad)
{
	struct imap_search	*s;
	const char		*err;
	int			 rc;

	err = NULL;
	rc = imap_search_test_parse(bad_cases[_i].prog, &s, &err);
	ck_assert_msg(rc == bad_cases[_i].want,
	    "case %d (%s): got %d, want %d", _i, bad_cases[_i].prog, rc,
	    bad_cases[_i].want);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(err);
}
END_TEST

/* Depth just under the cap parses; needs_mime follows the keys. */
START_TEST(test_depth_and_mime)
{
	struct imap_search	*s;
	struct buf		 b;
	const char		*err;
	size_t			 i;

	buf_init(&b, 4096);
	for (i = 0; i < IMAP_SEARCH_DEPTH_MAX - 1; i++)
		ck_assert_int_eq(buf_append(&b, "NOT ", 4), 0);
	ck_assert_int_eq(buf_append(&b, "ALL", 3), 0);
	ck_assert_int_eq(imap_search_test_parse(buf_cstr(&b), &s, &err), 0);
	ck_assert(!imap_search_needs_mime(s));
	imap_search_free(s);
	buf_fini(&b);
	ck_assert_int_eq(imap_search_test_parse("SEEN SUBJECT x", &s, &err),
	    0);
	ck_assert(imap_search_needs_mime(s));
	imap_search_free(s);
	imap_search_free(NULL);
}
END_TEST

Suite *
imap_search_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("imap_search");
	tc = tcase_create("search");
	tcase_add_loop_test(tc, test_match, 0, nitems(match_cases));
	tcase_add_loop_test(tc, test_bad, 0, nitems(bad_cases));
	tcase_add_test(tc, test_depth_and_mime);
	suite_add_tcase(s, tc);
	return s;
}
