/*
 * check_esc.c: the RFC 3463 table (titles by subject.detail, whatever the
 * class) and the status-code grammar of RFC 3463 2 against reply codes.
 */
#include <string.h>

#include <check.h>

#include "fakes/base/defs.h"
#include "fakes/esc.h"

Suite	*esc_suite(void);

static const struct {
	const char	*code;
	const char	*want;	/* NULL: not in the table or not a code */
} describe_cases[] = {
	{ "5.1.1", "Bad destination mailbox address" },
	{ "4.1.1", "Bad destination mailbox address" },
	{ "2.1.5", "Destination address valid" },
	{ "2.0.0", "Other undefined Status" },
	{ "5.0.0", "Other undefined Status" },
	{ "4.2.2", "Mailbox full" },
	{ "5.3.4", "Message too big for system" },
	{ "5.3.5", "System incorrectly configured" },
	{ "4.4.7", "Delivery time expired" },
	{ "5.5.1", "Invalid command" },
	{ "5.5.2", "Syntax error" },
	{ "4.5.3", "Too many recipients" },
	{ "5.5.4", "Invalid command arguments" },
	{ "5.5.6", "Authentication Exchange line is too long" },
	{ "5.6.5", "Conversion Failed" },
	{ "5.6.7",
	  "Non-ASCII addresses not permitted for that sender/recipient" },
	{ "2.7.0", "Other or undefined security status" },
	{ "4.7.0", "Other or undefined security status" },
	{ "5.7.0", "Other or undefined security status" },
	{ "5.7.1", "Delivery not authorized, message refused" },
	{ "5.7.7", "Message integrity failure" },
	{ "5.7.8", "Authentication credentials invalid" },
	{ "5.7.9", "Authentication mechanism is too weak" },
	{ "5.7.11",
	  "Encryption required for requested authentication mechanism" },
	{ "4.7.12", "A password transition is needed" },
	/* well-formed but not in the table */
	{ "5.1.9", NULL },
	{ "5.6.10", NULL },
	{ "5.7.10", NULL },
	{ "5.8.0", NULL },
	{ "5.999.999", NULL },
	/* not a code */
	{ "", NULL },
	{ "5", NULL },
	{ "5.1", NULL },
	{ "5.1.", NULL },
	{ "5..1", NULL },
	{ "3.1.1", NULL },
	{ "1.1.1", NULL },
	{ "5.01.1", NULL },
	{ "5.1.01", NULL },
	{ "5.1.1 ", NULL },
	{ "5.1.1.1", NULL },
	{ "55.1.1", NULL },
	{ " 5.1.1", NULL },
};

START_TEST(test_esc_describe)
{
	const char	*got;

	got = esc_describe(describe_cases[_i].code);
	if (describe_cases[_i].want == NULL)
		ck_assert_msg(got == NULL,
		    "case %d (%s): got \"%s\", want NULL", _i,
		    describe_cases[_i].code, got);
	else
		ck_assert_msg(got != NULL &&
		    strcmp(got, describe_cases[_i].want) == 0,
		    "case %d (%s): got \"%s\", want \"%s\"", _i,
		    describe_cases[_i].code, got ? got : "(null)",
		    describe_cases[_i].want);
}
END_TEST

/* Every subject of RFC 3463 3 has its X.n.0 "other" row. */
START_TEST(test_esc_subjects)
{
	char	code[8];

	code[0] = '5';
	code[1] = '.';
	code[2] = (char)('0' + _i);
	code[3] = '.';
	code[4] = '0';
	code[5] = '\0';
	ck_assert_msg(esc_describe(code) != NULL, "case %d (%s): no title",
	    _i, code);
}
END_TEST

static const struct {
	const char	*s;
	int		 reply;
	bool		 want;
} valid_cases[] = {
	{ "2.0.0 OK", 250, true },
	{ "2.1.5", 250, true },
	{ "5.1.1 <x@example.org>: no such user", 550, true },
	{ "4.7.0 Temporary authentication failure", 454, true },
	{ "5.7.8", 535, true },
	{ "5.0.0 x", 500, true },
	{ "5.1.10 x", 550, true },
	{ "5.100.999 x", 550, true },
	{ "2.7.0 Authentication successful", 235, true },
	{ "2.0.0 Bye", 221, true },
	/* class disagrees with the reply */
	{ "5.1.1 x", 450, false },
	{ "4.2.2 x", 552, false },
	{ "2.0.0 x", 354, false },
	{ "5.5.1 x", 250, false },
	/* reply code out of range */
	{ "5.1.1", 5, false },
	{ "5.1.1", 600, false },
	{ "2.0.0", 199, false },
	{ "5.1.1", -550, false },
	/* grammar, RFC 3463 2 */
	{ "3.0.0 x", 354, false },
	{ "5.1000.1 x", 550, false },
	{ "5.1.1000 x", 550, false },
	{ "5.01.1 x", 550, false },
	{ "5.1.00 x", 550, false },
	{ "5.1.1x", 550, false },
	{ "5.1.1.", 550, false },
	{ "5.1.1\t x", 550, false },
	{ "5.1. x", 550, false },
	{ "5..1 x", 550, false },
	{ ".1.1 x", 550, false },
	{ "5,1,1 x", 550, false },
	{ " 5.1.1 x", 550, false },
	{ "", 250, false },
	{ "Ok", 250, false },
};

START_TEST(test_esc_valid_for)
{
	bool	got;

	got = esc_valid_for(valid_cases[_i].s, valid_cases[_i].reply);
	ck_assert_msg(got == valid_cases[_i].want,
	    "case %d (%s for %d): got %d, want %d", _i, valid_cases[_i].s,
	    valid_cases[_i].reply, got, valid_cases[_i].want);
}
END_TEST

Suite *
esc_suite(void)
{
	Suite	*su;
	TCase	*tc;

	su = suite_create("esc");
	tc = tcase_create("table");
	tcase_add_loop_test(tc, test_esc_describe, 0, nitems(describe_cases));
	tcase_add_loop_test(tc, test_esc_subjects, 0, 8);
	suite_add_tcase(su, tc);

	tc = tcase_create("grammar");
	tcase_add_loop_test(tc, test_esc_valid_for, 0, nitems(valid_cases));
	suite_add_tcase(su, tc);
	return su;
}
