/*
 * check_smtp_addr.c: the MAIL/RCPT path parser (RFC 5321 4.1.2) and the
 * ESMTP parameter iterator.  Pure string functions, so one feed per case;
 * hostile inputs (unterminated, huge, empty brackets) are cases too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "fakes/base/defs.h"
#include "fakes/smtp_addr.h"

Suite	*smtp_addr_suite(void);

static const struct {
	const char	*in;
	bool		 rcpt;
	bool		 strict;
	int		 want_ret;
	const char	*want_addr;	/* NULL: not checked (errors) */
	const char	*want_params;
	unsigned	 want_flags;
	const char	*want_esc;	/* error prefix, NULL on success */
} parse_cases[] = {
	{ "FROM:<a@b>", false, true, 0, "a@b", "", 0, NULL },
	{ "from:<A.B@Example.ORG>", false, true, 0, "A.B@Example.ORG", "",
	  0, NULL },
	{ "FROM:<>", false, true, 0, "", "", 0, NULL },
	{ "FROM:<> SIZE=10", false, true, 0, "", "SIZE=10", 0, NULL },
	{ "FROM:<a@b> SIZE=1 BODY=8BITMIME", false, true, 0, "a@b",
	  "SIZE=1 BODY=8BITMIME", 0, NULL },
	{ "FROM:<a@b>   X=1", false, true, 0, "a@b", "X=1", 0, NULL },
	{ "FROM: <a@b>", false, false, 0, "a@b", "", SMTP_ADDR_SPACE, NULL },
	{ "FROM: <a@b>", false, true, -1, NULL, NULL, 0, "5.5.4" },
	{ "FROM:a@b", false, false, 0, "a@b", "", SMTP_ADDR_NO_BRACKETS,
	  NULL },
	{ "FROM:a@b SIZE=5", false, false, 0, "a@b", "SIZE=5",
	  SMTP_ADDR_NO_BRACKETS, NULL },
	{ "FROM:a@b", false, true, -1, NULL, NULL, 0, "5.5.4" },
	{ "FROM:<@x.org,@y.org:a@b>", false, true, 0, "a@b", "",
	  SMTP_ADDR_SOURCE_ROUTE, NULL },
	{ "FROM:<@x.org:>", false, false, -1, NULL, NULL, 0, "5.1.7" },
	{ "FROM:<\"a b\\\"c\"@d>", false, true, 0, "\"a b\\\"c\"@d", "",
	  SMTP_ADDR_QUOTED, NULL },
	{ "FROM:<\"unterminated@d>", false, false, -1, NULL, NULL, 0,
	  "5.1.7" },
	{ "FROM:<a@[192.0.2.1]>", false, true, 0, "a@[192.0.2.1]", "", 0,
	  NULL },
	{ "FROM:<a@[]>", false, false, -1, NULL, NULL, 0, "5.1.7" },
	{ "FROM:<a@[1.2.3.4>", false, false, -1, NULL, NULL, 0, "5.1.7" },
	{ "FROM:<j\xc3\xb6rg@b\xc3\xa4r.de>", false, true, 0,
	  "j\xc3\xb6rg@b\xc3\xa4r.de", "", SMTP_ADDR_UTF8, NULL },
	{ "FROM:<a@b", false, false, -1, NULL, NULL, 0, "5.1.7" },
	{ "FROM:<", false, false, -1, NULL, NULL, 0, "5.1.7" },
	{ "FROM:>", false, false, -1, NULL, NULL, 0, "5.1.7" },
	{ "FROM:<@>", false, false, -1, NULL, NULL, 0, "5.1.7" },
	{ "FROM:<a>", false, false, -1, NULL, NULL, 0, "5.1.7" },
	{ "FROM:<a@>", false, false, -1, NULL, NULL, 0, "5.1.7" },
	{ "FROM:<@b>", false, false, -1, NULL, NULL, 0, "5.1.7" },
	{ "FROM:<a@b..c>", false, false, -1, NULL, NULL, 0, "5.1.7" },
	{ "FROM:<a..b@c>", false, false, 0, "a..b@c", "", 0, NULL },
	{ "FROM:<a..b@c>", false, true, -1, NULL, NULL, 0, "5.1.7" },
	{ "FROM:<a@b>SIZE=1", false, false, -1, NULL, NULL, 0, "5.5.4" },
	{ "FROM:", false, false, -1, NULL, NULL, 0, "5.5.4" },
	{ "FROM:   ", false, false, -1, NULL, NULL, 0, "5.5.4" },
	{ "FRM:<a@b>", false, false, -1, NULL, NULL, 0, "5.5.4" },
	{ "", false, false, -1, NULL, NULL, 0, "5.5.4" },
	{ "TO:<a@b>", false, false, -1, NULL, NULL, 0, "5.5.4" },
	{ "TO:<c@d>", true, true, 0, "c@d", "", 0, NULL },
	{ "to:<c@d> NOTIFY=NEVER", true, true, 0, "c@d", "NOTIFY=NEVER", 0,
	  NULL },
	{ "TO:<>", true, false, -1, NULL, NULL, 0, "5.1.3" },
	{ "TO:<Postmaster>", true, true, 0, "Postmaster", "", 0, NULL },
	{ "TO:<postmaster>", true, true, 0, "postmaster", "", 0, NULL },
	{ "FROM:<postmaster>", false, false, -1, NULL, NULL, 0, "5.1.7" },
	{ "TO:<bob>", true, false, -1, NULL, NULL, 0, "5.1.3" },
	{ "TO:<a b@c>", true, false, -1, NULL, NULL, 0, "5.1.3" },
	{ "TO:<a@b\x01>", true, false, -1, NULL, NULL, 0, "5.1.3" },
	{ "TO:<a@b> <c@d>", true, false, 0, "a@b",
	  "<c@d>", 0, NULL },
};

START_TEST(test_parse)
{
	struct smtp_path	 path;
	const char		*err = NULL;
	int			 r;

	memset(&path, 0x5a, sizeof(path));
	r = smtp_addr_parse(parse_cases[_i].in, parse_cases[_i].rcpt,
	    parse_cases[_i].strict, &path, &err);
	ck_assert_msg(r == parse_cases[_i].want_ret,
	    "case %d (%s): got %d, want %d", _i, parse_cases[_i].in, r,
	    parse_cases[_i].want_ret);
	if (r == 0) {
		ck_assert_msg(strcmp(path.addr, parse_cases[_i].want_addr) == 0,
		    "case %d (%s): got addr '%s', want '%s'", _i,
		    parse_cases[_i].in, path.addr, parse_cases[_i].want_addr);
		ck_assert_str_eq(path.params, parse_cases[_i].want_params);
		ck_assert_msg(path.flags == parse_cases[_i].want_flags,
		    "case %d (%s): got flags %#x, want %#x", _i,
		    parse_cases[_i].in, path.flags,
		    parse_cases[_i].want_flags);
	} else {
		ck_assert_ptr_nonnull(err);
		ck_assert_msg(strncmp(err, parse_cases[_i].want_esc, 5) == 0,
		    "case %d (%s): got error '%s', want %s", _i,
		    parse_cases[_i].in, err, parse_cases[_i].want_esc);
	}
}
END_TEST

/* Length flags: RFC 5321 4.5.3.1.1-3 limits are findings, not errors. */
START_TEST(test_lengths)
{
	struct smtp_path	 path;
	const char		*err;
	char			 in[2048];
	size_t			 n;

	/* local part of 65 */
	n = (size_t)snprintf(in, sizeof(in), "FROM:<");
	memset(in + n, 'l', 65);
	n += 65;
	snprintf(in + n, sizeof(in) - n, "@b>");
	ck_assert_int_eq(smtp_addr_parse(in, false, true, &path, &err), 0);
	ck_assert_uint_eq(path.flags, SMTP_ADDR_LOCAL_LONG);

	/* local part of 64, domain of 191: path of 258 with brackets */
	n = (size_t)snprintf(in, sizeof(in), "FROM:<");
	memset(in + n, 'l', 64);
	n += 64;
	in[n++] = '@';
	memset(in + n, 'd', 191);
	n += 191;
	snprintf(in + n, sizeof(in) - n, ">");
	ck_assert_int_eq(smtp_addr_parse(in, false, true, &path, &err), 0);
	ck_assert_uint_eq(path.flags, SMTP_ADDR_PATH_LONG);

	/* domain of 300 */
	n = (size_t)snprintf(in, sizeof(in), "TO:<a@");
	memset(in + n, 'd', 300);
	n += 300;
	snprintf(in + n, sizeof(in) - n, ">");
	ck_assert_int_eq(smtp_addr_parse(in, true, true, &path, &err), 0);
	ck_assert_uint_eq(path.flags,
	    SMTP_ADDR_DOMAIN_LONG | SMTP_ADDR_PATH_LONG);
	ck_assert_uint_eq(strlen(path.addr), 302);
}
END_TEST

/* An address that cannot fit addr[] is an error, never a truncation. */
START_TEST(test_huge)
{
	struct smtp_path	 path;
	const char		*err = NULL;
	size_t			 len = 70000, n;
	char			*in;

	in = malloc(len + 16);
	ck_assert_ptr_nonnull(in);
	n = (size_t)snprintf(in, len, "FROM:<a@");
	memset(in + n, 'x', len - n - 2);
	in[len - 2] = '>';
	in[len - 1] = '\0';
	ck_assert_int_eq(smtp_addr_parse(in, false, false, &path, &err), -1);
	ck_assert_str_eq(err, "5.5.4 Path too long");
	/* Unterminated and huge: the scan stops at the NUL. */
	in[len - 2] = '\0';
	ck_assert_int_eq(smtp_addr_parse(in, false, false, &path, &err), -1);
	/* Unterminated quoted string up to the NUL. */
	in[6] = '"';
	ck_assert_int_eq(smtp_addr_parse(in, false, false, &path, &err), -1);
	free(in);
}
END_TEST

static const struct {
	const char	*in;
	int		 want_n;	/* params before the end or error */
	int		 want_last;	/* 0 end, -1 error */
	const char	*want;		/* "K=V|K|" rendering of the params */
} param_cases[] = {
	{ "", 0, 0, "" },
	{ "   ", 0, 0, "" },
	{ "SIZE=1", 1, 0, "SIZE=1|" },
	{ "SIZE=1 BODY=8BITMIME", 2, 0, "SIZE=1|BODY=8BITMIME|" },
	{ "SMTPUTF8  RET=HDRS ", 2, 0, "SMTPUTF8|RET=HDRS|" },
	{ "X-FOO-1=a+2Bb", 1, 0, "X-FOO-1=a+2Bb|" },
	{ "ORCPT=rfc822;a@b NOTIFY=SUCCESS,DELAY", 2, 0,
	  "ORCPT=rfc822;a@b|NOTIFY=SUCCESS,DELAY|" },
	{ "SIZE=", 0, -1, "" },
	{ "=1", 0, -1, "" },
	{ "-X=1", 0, -1, "" },
	{ "SIZE=1=2", 0, -1, "" },
	{ "SIZE=1 B@D", 1, -1, "SIZE=1|" },
	{ "A=\x01", 0, -1, "" },
	{ "A\tB", 0, -1, "" },
	{ "K=v\xc3\xa4l", 1, 0, "K=v\xc3\xa4l|" },
};

START_TEST(test_params)
{
	const char	*pos = param_cases[_i].in, *k, *v;
	size_t		 kl, vl;
	int		 n = 0, r;
	char		 out[256];
	size_t		 o = 0;

	out[0] = '\0';
	while ((r = smtp_addr_next_param(&pos, &k, &kl, &v, &vl)) == 1) {
		n++;
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%.*s",
		    (int)kl, k);
		if (v != NULL)
			o += (size_t)snprintf(out + o, sizeof(out) - o, "=%.*s",
			    (int)vl, v);
		else
			ck_assert_uint_eq(vl, 0);
		o += (size_t)snprintf(out + o, sizeof(out) - o, "|");
		ck_assert_int_lt(n, 10);
	}
	ck_assert_msg(n == param_cases[_i].want_n,
	    "case %d (%s): got %d, want %d", _i, param_cases[_i].in, n,
	    param_cases[_i].want_n);
	ck_assert_msg(r == param_cases[_i].want_last,
	    "case %d (%s): got %d, want %d", _i, param_cases[_i].in, r,
	    param_cases[_i].want_last);
	ck_assert_str_eq(out, param_cases[_i].want);
}
END_TEST

Suite *
smtp_addr_suite(void)
{
	Suite	*s = suite_create("smtp_addr");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_parse, 0, nitems(parse_cases));
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_huge);
	tcase_add_loop_test(tc, test_params, 0, nitems(param_cases));
	suite_add_tcase(s, tc);
	return s;
}
