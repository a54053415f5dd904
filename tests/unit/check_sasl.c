/*
 * check_sasl.c: SASL exchanges for every mechanism, driven from one table
 * of client lines and wanted statuses; the RFC 2195 digest vector; base64
 * round trips and rejects; field limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "fakes/base/clock.h"
#include "fakes/base/defs.h"
#include "fakes/base/limits.h"
#include "fakes/sasl.h"

Suite	*sasl_suite(void);

static const char	*check_sasl_lookup(void *, const char *);
static char		*check_sasl_wire(const char *, const char *);

/* Marks the first step as "no initial response" (in = NULL). */
static const char	NO_IR[] = "(no initial response)";

/*
 * One client line.  Text is base64-encoded by the test, with '|' standing
 * for NUL and '^' for 0x01; raw lines are sent as written.  "@cram U P"
 * answers the last CRAM-MD5 challenge as user U with password P.
 */
struct check_sasl_line {
	const char		*in;
	bool			 raw;
	enum sasl_status	 want;
	const char		*chal;	/* decoded challenge; NULL: unchecked */
};

#define STEPS_MAX	4

static const struct {
	const char		*name;
	enum sasl_mech		 mech;
	bool			 any;	/* accept_any, else lookup */
	struct check_sasl_line	 steps[STEPS_MAX];	/* in == NULL ends */
	const char		*user;	/* sasl_user() at the end */
} cases[] = {
	/* PLAIN */
	{ "plain ir", SASL_PLAIN, false,
	  { { "|alice|secret", false, SASL_OK, NULL } }, "alice" },
	{ "plain ir authzid=authcid", SASL_PLAIN, false,
	  { { "alice|alice|secret", false, SASL_OK, NULL } }, "alice" },
	{ "plain no ir", SASL_PLAIN, false,
	  { { NO_IR, false, SASL_CONTINUE, "" },
	    { "|alice|secret", false, SASL_OK, NULL } }, "alice" },
	{ "plain wrong password", SASL_PLAIN, false,
	  { { "|alice|Secret", false, SASL_FAIL, NULL } }, "alice" },
	{ "plain password prefix", SASL_PLAIN, false,
	  { { "|alice|secre", false, SASL_FAIL, NULL } }, "alice" },
	{ "plain unknown user", SASL_PLAIN, false,
	  { { "|mallory|secret", false, SASL_FAIL, NULL } }, "mallory" },
	{ "plain authzid differs", SASL_PLAIN, false,
	  { { "bob|alice|secret", false, SASL_FAIL, NULL } }, "alice" },
	{ "plain accept_any", SASL_PLAIN, true,
	  { { "|anyone|whatever", false, SASL_OK, NULL } }, "anyone" },
	{ "plain not base64", SASL_PLAIN, false,
	  { { "abc", true, SASL_BAD, NULL } }, NULL },
	{ "plain misplaced pad", SASL_PLAIN, false,
	  { { NO_IR, false, SASL_CONTINUE, "" },
	    { "YW=j", true, SASL_BAD, NULL } }, NULL },
	{ "plain one field", SASL_PLAIN, true,
	  { { "alice", false, SASL_BAD, NULL } }, NULL },
	{ "plain two fields", SASL_PLAIN, true,
	  { { "alice|secret", false, SASL_BAD, NULL } }, NULL },
	{ "plain four fields", SASL_PLAIN, true,
	  { { "|alice|sec|ret", false, SASL_BAD, NULL } }, NULL },
	{ "plain empty authcid", SASL_PLAIN, true,
	  { { "||secret", false, SASL_BAD, NULL } }, NULL },
	{ "plain empty password", SASL_PLAIN, true,
	  { { "|alice|", false, SASL_BAD, NULL } }, NULL },
	{ "plain = empty ir", SASL_PLAIN, true,
	  { { "=", true, SASL_BAD, NULL } }, NULL },
	{ "plain empty line", SASL_PLAIN, true,
	  { { NO_IR, false, SASL_CONTINUE, "" },
	    { "", true, SASL_BAD, NULL } }, NULL },
	{ "plain = is not empty later", SASL_PLAIN, true,
	  { { NO_IR, false, SASL_CONTINUE, "" },
	    { "=", true, SASL_BAD, NULL } }, NULL },
	{ "plain cancel ir", SASL_PLAIN, true,
	  { { "*", true, SASL_CANCEL, NULL } }, NULL },
	{ "plain cancel step 2", SASL_PLAIN, true,
	  { { NO_IR, false, SASL_CONTINUE, "" },
	    { "*", true, SASL_CANCEL, NULL } }, NULL },

	/* LOGIN */
	{ "login no ir", SASL_LOGIN, false,
	  { { NO_IR, false, SASL_CONTINUE, "Username:" },
	    { "alice", false, SASL_CONTINUE, "Password:" },
	    { "secret", false, SASL_OK, NULL } }, "alice" },
	{ "login ir is user", SASL_LOGIN, false,
	  { { "alice", false, SASL_CONTINUE, "Password:" },
	    { "secret", false, SASL_OK, NULL } }, "alice" },
	{ "login wrong password", SASL_LOGIN, false,
	  { { NO_IR, false, SASL_CONTINUE, "Username:" },
	    { "alice", false, SASL_CONTINUE, "Password:" },
	    { "secret2", false, SASL_FAIL, NULL } }, "alice" },
	{ "login unknown user", SASL_LOGIN, false,
	  { { "mallory", false, SASL_CONTINUE, "Password:" },
	    { "secret", false, SASL_FAIL, NULL } }, "mallory" },
	{ "login accept_any", SASL_LOGIN, true,
	  { { "anyone", false, SASL_CONTINUE, "Password:" },
	    { "x", false, SASL_OK, NULL } }, "anyone" },
	{ "login bad base64 user", SASL_LOGIN, true,
	  { { NO_IR, false, SASL_CONTINUE, "Username:" },
	    { "YWxp Y2U=", true, SASL_BAD, NULL } }, NULL },
	{ "login bad base64 password", SASL_LOGIN, true,
	  { { "alice", false, SASL_CONTINUE, "Password:" },
	    { "c2VjcmV0=", true, SASL_BAD, NULL } }, NULL },
	{ "login = empty user", SASL_LOGIN, true,
	  { { "=", true, SASL_BAD, NULL } }, NULL },
	{ "login NUL in user", SASL_LOGIN, true,
	  { { "al|ice", false, SASL_BAD, NULL } }, NULL },
	{ "login empty password", SASL_LOGIN, true,
	  { { "alice", false, SASL_CONTINUE, "Password:" },
	    { "", true, SASL_BAD, NULL } }, NULL },
	{ "login cancel ir", SASL_LOGIN, true,
	  { { "*", true, SASL_CANCEL, NULL } }, NULL },
	{ "login cancel user", SASL_LOGIN, true,
	  { { NO_IR, false, SASL_CONTINUE, "Username:" },
	    { "*", true, SASL_CANCEL, NULL } }, NULL },
	{ "login cancel password", SASL_LOGIN, true,
	  { { NO_IR, false, SASL_CONTINUE, "Username:" },
	    { "alice", false, SASL_CONTINUE, "Password:" },
	    { "*", true, SASL_CANCEL, NULL } }, NULL },

	/* CRAM-MD5 */
	{ "cram good", SASL_CRAM_MD5, false,
	  { { NO_IR, false, SASL_CONTINUE, NULL },
	    { "@cram tim tanstaaftanstaaf", false, SASL_OK, NULL } },
	  "tim" },
	{ "cram wrong password", SASL_CRAM_MD5, false,
	  { { NO_IR, false, SASL_CONTINUE, NULL },
	    { "@cram tim tanstaaf", false, SASL_FAIL, NULL } }, "tim" },
	{ "cram unknown user", SASL_CRAM_MD5, false,
	  { { NO_IR, false, SASL_CONTINUE, NULL },
	    { "@cram tom tanstaaftanstaaf", false, SASL_FAIL, NULL } },
	  "tom" },
	{ "cram accept_any", SASL_CRAM_MD5, true,
	  { { NO_IR, false, SASL_CONTINUE, NULL },
	    { "@cram anyone anything", false, SASL_OK, NULL } }, "anyone" },
	{ "cram user with space", SASL_CRAM_MD5, true,
	  { { NO_IR, false, SASL_CONTINUE, NULL },
	    { "@cram tim smith x", false, SASL_OK, NULL } }, "tim smith" },
	{ "cram upper-case hex", SASL_CRAM_MD5, true,
	  { { NO_IR, false, SASL_CONTINUE, NULL },
	    { "tim B913A602C7EDA7A495B4E6E7334D3890", false, SASL_OK,
	      NULL } }, "tim" },
	{ "cram initial response", SASL_CRAM_MD5, true,
	  { { "tim b913a602c7eda7a495b4e6e7334d3890", false, SASL_BAD,
	      NULL } }, NULL },
	{ "cram = initial response", SASL_CRAM_MD5, true,
	  { { "=", true, SASL_BAD, NULL } }, NULL },
	{ "cram no space", SASL_CRAM_MD5, true,
	  { { NO_IR, false, SASL_CONTINUE, NULL },
	    { "timb913a602c7eda7a495b4e6e7334d3890", false, SASL_BAD,
	      NULL } }, NULL },
	{ "cram empty user", SASL_CRAM_MD5, true,
	  { { NO_IR, false, SASL_CONTINUE, NULL },
	    { " b913a602c7eda7a495b4e6e7334d3890", false, SASL_BAD,
	      NULL } }, NULL },
	{ "cram short digest", SASL_CRAM_MD5, true,
	  { { NO_IR, false, SASL_CONTINUE, NULL },
	    { "tim b913a602c7eda7a495b4e6e7334d389", false, SASL_BAD,
	      NULL } }, NULL },
	{ "cram non-hex digest", SASL_CRAM_MD5, true,
	  { { NO_IR, false, SASL_CONTINUE, NULL },
	    { "tim g913a602c7eda7a495b4e6e7334d3890", false, SASL_BAD,
	      NULL } }, NULL },
	{ "cram not base64", SASL_CRAM_MD5, true,
	  { { NO_IR, false, SASL_CONTINUE, NULL },
	    { "dGlt!", true, SASL_BAD, NULL } }, NULL },
	{ "cram cancel ir", SASL_CRAM_MD5, true,
	  { { "*", true, SASL_CANCEL, NULL } }, NULL },
	{ "cram cancel response", SASL_CRAM_MD5, true,
	  { { NO_IR, false, SASL_CONTINUE, NULL },
	    { "*", true, SASL_CANCEL, NULL } }, NULL },

	/* XOAUTH2 */
	{ "xoauth2 ir", SASL_XOAUTH2, false,
	  { { "user=bob^auth=Bearer token123^^", false, SASL_OK, NULL } },
	  "bob" },
	{ "xoauth2 no ir", SASL_XOAUTH2, false,
	  { { NO_IR, false, SASL_CONTINUE, "" },
	    { "user=bob^auth=Bearer token123^^", false, SASL_OK, NULL } },
	  "bob" },
	{ "xoauth2 scheme case", SASL_XOAUTH2, false,
	  { { "user=bob^auth=bearer token123^^", false, SASL_OK, NULL } },
	  "bob" },
	{ "xoauth2 wrong token", SASL_XOAUTH2, false,
	  { { "user=bob^auth=Bearer token124^^", false, SASL_CONTINUE,
	      "{\"status\":\"401\",\"schemes\":\"bearer\","
	      "\"scope\":\"https://mail.google.com/\"}" },
	    { "", true, SASL_FAIL, NULL } }, "bob" },
	{ "xoauth2 unknown user", SASL_XOAUTH2, false,
	  { { NO_IR, false, SASL_CONTINUE, "" },
	    { "user=eve^auth=Bearer token123^^", false, SASL_CONTINUE,
	      "{\"status\":\"401\",\"schemes\":\"bearer\","
	      "\"scope\":\"https://mail.google.com/\"}" },
	    { "", true, SASL_FAIL, NULL } }, "eve" },
	{ "xoauth2 error then garbage", SASL_XOAUTH2, false,
	  { { "user=bob^auth=Bearer nope^^", false, SASL_CONTINUE, NULL },
	    { "!!", true, SASL_FAIL, NULL } }, "bob" },
	{ "xoauth2 error then cancel", SASL_XOAUTH2, false,
	  { { "user=bob^auth=Bearer nope^^", false, SASL_CONTINUE, NULL },
	    { "*", true, SASL_FAIL, NULL } }, "bob" },
	{ "xoauth2 accept_any", SASL_XOAUTH2, true,
	  { { "user=x@example.org^auth=Bearer ya29.abc^^", false, SASL_OK,
	      NULL } }, "x@example.org" },
	{ "xoauth2 no final ^A^A", SASL_XOAUTH2, true,
	  { { "user=bob^auth=Bearer t^", false, SASL_BAD, NULL } }, NULL },
	{ "xoauth2 fields swapped", SASL_XOAUTH2, true,
	  { { "auth=Bearer t^user=bob^^", false, SASL_BAD, NULL } }, NULL },
	{ "xoauth2 one field", SASL_XOAUTH2, true,
	  { { "user=bob^^", false, SASL_BAD, NULL } }, NULL },
	{ "xoauth2 three fields", SASL_XOAUTH2, true,
	  { { "user=bob^auth=Bearer t^x=y^^", false, SASL_BAD, NULL } },
	  NULL },
	{ "xoauth2 basic scheme", SASL_XOAUTH2, true,
	  { { "user=bob^auth=Basic t^^", false, SASL_BAD, NULL } }, NULL },
	{ "xoauth2 empty token", SASL_XOAUTH2, true,
	  { { "user=bob^auth=Bearer ^^", false, SASL_BAD, NULL } }, NULL },
	{ "xoauth2 empty user", SASL_XOAUTH2, true,
	  { { "user=^auth=Bearer t^^", false, SASL_BAD, NULL } }, NULL },
	{ "xoauth2 not base64", SASL_XOAUTH2, true,
	  { { "dXNlcj1ib2I", true, SASL_BAD, NULL } }, NULL },
	{ "xoauth2 cancel ir", SASL_XOAUTH2, true,
	  { { "*", true, SASL_CANCEL, NULL } }, NULL },
	{ "xoauth2 cancel response", SASL_XOAUTH2, true,
	  { { NO_IR, false, SASL_CONTINUE, "" },
	    { "*", true, SASL_CANCEL, NULL } }, NULL },
};

static const struct {
	const char	*user;
	const char	*pass;
} users[] = {
	{ "alice", "secret" },
	{ "tim", "tanstaaftanstaaf" },
	{ "bob", "token123" },
};

static const char *
check_sasl_lookup(void *arg, const char *user)
{
	size_t	i;

	(*(int *)arg)++;
	for (i = 0; i < nitems(users); i++)
		if (strcmp(users[i].user, user) == 0)
			return users[i].pass;
	return NULL;
}

/*
 * The client line for one step: base64 of the text with '|' and '^'
 * replaced, or for "@cram U P" the RFC 2195 response to chal.
 */
static char *
check_sasl_wire(const char *text, const char *chal)
{
	char	*plain, *wire, *sp, digest[33];
	size_t	 i, len;

	if (strncmp(text, "@cram ", 6) == 0) {
		plain = strdup(text + 6);
		ck_assert_ptr_nonnull(plain);
		sp = strrchr(plain, ' ');
		ck_assert_ptr_nonnull(sp);
		*sp = '\0';
		ck_assert_ptr_nonnull(chal);
		ck_assert(sasl_cram_md5_digest(sp + 1, chal, digest));
		len = (size_t)(sp - plain) + 1 + 32;
		wire = malloc(len + 1);
		ck_assert_ptr_nonnull(wire);
		snprintf(wire, len + 1, "%s %s", plain, digest);
		free(plain);
		plain = wire;
	} else {
		plain = strdup(text);
		ck_assert_ptr_nonnull(plain);
		len = strlen(plain);
		for (i = 0; i < len; i++) {
			if (plain[i] == '|')
				plain[i] = '\0';
			else if (plain[i] == '^')
				plain[i] = '\x01';
		}
	}
	wire = sasl_b64_encode(plain, len);
	free(plain);
	return wire;
}

START_TEST(test_sasl_exchange)
{
	const struct check_sasl_line	*l;
	struct sasl_creds		 creds;
	struct sasl			*s;
	const char			*chal;
	char				*wire, *dec, *last = NULL;
	enum sasl_status		 st = SASL_CONTINUE;
	int				 calls = 0, n;

	creds.accept_any = cases[_i].any;
	creds.lookup = check_sasl_lookup;
	creds.arg = &calls;
	s = sasl_new(cases[_i].mech, &creds, "mx.example.org");
	for (n = 0; n < STEPS_MAX && cases[_i].steps[n].in != NULL; n++) {
		l = &cases[_i].steps[n];
		ck_assert_msg(st == SASL_CONTINUE,
		    "case %d (%s): step %d after a final status", _i,
		    cases[_i].name, n);
		wire = NULL;
		if (l->in == NO_IR)
			st = sasl_step(s, NULL, &chal);
		else if (l->raw)
			st = sasl_step(s, l->in, &chal);
		else {
			wire = check_sasl_wire(l->in, last);
			st = sasl_step(s, wire, &chal);
		}
		free(wire);
		ck_assert_msg(st == l->want,
		    "case %d (%s): step %d: got %d, want %d", _i,
		    cases[_i].name, n, st, l->want);
		free(last);
		last = NULL;
		if (st != SASL_CONTINUE) {
			ck_assert_ptr_null(chal);
			continue;
		}
		ck_assert_ptr_nonnull(chal);
		dec = sasl_b64_decode(chal, strlen(chal), NULL);
		ck_assert_msg(dec != NULL, "case %d (%s): step %d: challenge "
		    "%s is not base64", _i, cases[_i].name, n, chal);
		if (l->chal != NULL)
			ck_assert_msg(strcmp(dec, l->chal) == 0,
			    "case %d (%s): step %d: challenge %s, want %s", _i,
			    cases[_i].name, n, dec, l->chal);
		last = dec;
	}
	free(last);
	ck_assert_msg(st != SASL_CONTINUE, "case %d (%s): not finished", _i,
	    cases[_i].name);
	ck_assert_msg(cases[_i].user == NULL ?
	    sasl_user(s) == NULL : sasl_user(s) != NULL &&
	    strcmp(sasl_user(s), cases[_i].user) == 0,
	    "case %d (%s): user %s, want %s", _i, cases[_i].name,
	    sasl_user(s) ? sasl_user(s) : "(null)",
	    cases[_i].user ? cases[_i].user : "(null)");
	if (st == SASL_OK)
		ck_assert_ptr_null(sasl_error(s));
	else
		ck_assert_msg(sasl_error(s) != NULL && *sasl_error(s) != '\0',
		    "case %d (%s): no error text", _i, cases[_i].name);
	/* accept_any never consults the user table. */
	if (cases[_i].any)
		ck_assert_int_eq(calls, 0);
	sasl_free(s);
}
END_TEST

/* RFC 2195 2, the worked example. */
START_TEST(test_sasl_cram_md5_rfc2195)
{
	char	out[33];

	ck_assert(sasl_cram_md5_digest("tanstaaftanstaaf",
	    "<1896.697170952@postoffice.reston.mci.net>", out));
	ck_assert_str_eq(out, "b913a602c7eda7a495b4e6e7334d3890");
}
END_TEST

/* The challenge is a msg-id naming the host and the (fake) time. */
START_TEST(test_sasl_cram_md5_challenge)
{
	struct sasl_creds	 creds = { .accept_any = true };
	struct sasl		*a, *b;
	const char		*ca, *cb;
	char			*da, *db, *dot;

	clock_set_fake(1, 697170952000LL);
	a = sasl_new(SASL_CRAM_MD5, &creds, "postoffice.example");
	b = sasl_new(SASL_CRAM_MD5, &creds, "postoffice.example");
	ck_assert_int_eq(sasl_step(a, NULL, &ca), SASL_CONTINUE);
	ck_assert_int_eq(sasl_step(b, NULL, &cb), SASL_CONTINUE);
	clock_set_fake(0, 0);
	da = sasl_b64_decode(ca, strlen(ca), NULL);
	db = sasl_b64_decode(cb, strlen(cb), NULL);
	ck_assert_ptr_nonnull(da);
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(da[0], '<');
	dot = strchr(da, '.');
	ck_assert_ptr_nonnull(dot);
	ck_assert_uint_gt(strspn(da + 1, "0123456789"), 0);
	ck_assert_uint_eq(strspn(da + 1, "0123456789"), (size_t)(dot - da - 1));
	ck_assert_str_eq(dot, ".697170952@postoffice.example>");
	/* Same second, same host: only the random part tells them apart. */
	ck_assert_str_ne(da, db);
	free(da);
	free(db);
	sasl_free(a);
	sasl_free(b);
}
END_TEST

/* A digest for another challenge does not pass. */
START_TEST(test_sasl_cram_md5_replay)
{
	struct sasl_creds	 creds = { .lookup = check_sasl_lookup };
	struct sasl		*s;
	const char		*chal;
	char			*wire;
	int			 calls = 0;

	creds.arg = &calls;
	s = sasl_new(SASL_CRAM_MD5, &creds, "localhost");
	ck_assert_int_eq(sasl_step(s, NULL, &chal), SASL_CONTINUE);
	wire = sasl_b64_encode("tim b913a602c7eda7a495b4e6e7334d3890", 36);
	ck_assert_int_eq(sasl_step(s, wire, &chal), SASL_FAIL);
	ck_assert_str_eq(sasl_error(s), "wrong digest");
	ck_assert_int_eq(calls, 1);
	free(wire);
	sasl_free(s);
}
END_TEST

START_TEST(test_sasl_mech_names)
{
	enum sasl_mech	m;
	int		i;

	for (i = 0; i < SASL__COUNT; i++) {
		ck_assert(sasl_mech_from_name(sasl_mech_name(i), &m));
		ck_assert_int_eq(m, i);
	}
	ck_assert(sasl_mech_from_name("cram-md5", &m));
	ck_assert_int_eq(m, SASL_CRAM_MD5);
	ck_assert(sasl_mech_from_name("Plain", &m));
	ck_assert_int_eq(m, SASL_PLAIN);
	ck_assert_str_eq(sasl_mech_name(SASL_XOAUTH2), "XOAUTH2");
	ck_assert_str_eq(sasl_mech_name(SASL_LOGIN), "LOGIN");
	ck_assert(!sasl_mech_from_name("GSSAPI", &m));
	ck_assert(!sasl_mech_from_name("PLAIN ", &m));
	ck_assert(!sasl_mech_from_name("", &m));
	sasl_free(NULL);
}
END_TEST

/* RFC 4648 10 test vectors, both ways. */
static const struct {
	const char	*plain;
	const char	*b64;
} b64_vectors[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
	{ "\xfb\xff\xbf", "+/+/" },
};

START_TEST(test_sasl_b64_vectors)
{
	char	*enc, *dec;
	size_t	 len = 99;

	enc = sasl_b64_encode(b64_vectors[_i].plain,
	    strlen(b64_vectors[_i].plain));
	ck_assert_msg(strcmp(enc, b64_vectors[_i].b64) == 0,
	    "case %d (%s): got %s, want %s", _i, b64_vectors[_i].plain, enc,
	    b64_vectors[_i].b64);
	dec = sasl_b64_decode(enc, strlen(enc), &len);
	ck_assert_msg(dec != NULL, "case %d (%s): decode failed", _i,
	    b64_vectors[_i].b64);
	ck_assert_uint_eq(len, strlen(b64_vectors[_i].plain));
	ck_assert_mem_eq(dec, b64_vectors[_i].plain, len);
	ck_assert_int_eq(dec[len], '\0');
	free(enc);
	free(dec);
}
END_TEST

/* Every byte value, at every length mod 3. */
START_TEST(test_sasl_b64_binary)
{
	unsigned char	 all[256];
	char		*enc, *dec;
	size_t		 n, len, i;

	for (i = 0; i < sizeof(all); i++)
		all[i] = (unsigned char)(255 - i);
	for (n = 253; n <= 256; n++) {
		enc = sasl_b64_encode(all, n);
		ck_assert_uint_eq(strlen(enc), (n + 2) / 3 * 4);
		dec = sasl_b64_decode(enc, strlen(enc), &len);
		ck_assert_ptr_nonnull(dec);
		ck_assert_uint_eq(len, n);
		ck_assert_mem_eq(dec, all, n);
		free(enc);
		free(dec);
	}
}
END_TEST

static const struct {
	const char	*in;
	size_t		 len;	/* 0: strlen(in) */
	const char	*why;
} b64_rejects[] = {
	{ "Zg", 0, "no padding" },
	{ "Zg=", 0, "short padding" },
	{ "Z===", 0, "three pads" },
	{ "====", 0, "only pads" },
	{ "=Zg=", 0, "leading pad" },
	{ "Zg==Zg==", 0, "pad in the middle" },
	{ "Zm9v=", 0, "stray pad" },
	{ "Zm9v YmFy", 0, "space" },
	{ " Zm9v", 0, "leading space" },
	{ "Zm9v\r\n", 0, "CRLF" },
	{ "Zm9-", 0, "base64url" },
	{ "Zm9_", 0, "base64url" },
	{ "Zh==", 0, "non-zero pad bits, one byte" },
	{ "Zm9=", 0, "non-zero pad bits, two bytes" },
	{ "Zg\0=", 4, "NUL" },
	{ "Zm9v\xc3\xa9", 0, "non-ASCII" },
};

START_TEST(test_sasl_b64_rejects)
{
	size_t	 len;
	char	*dec;

	len = b64_rejects[_i].len ? b64_rejects[_i].len :
	    strlen(b64_rejects[_i].in);
	dec = sasl_b64_decode(b64_rejects[_i].in, len, NULL);
	ck_assert_msg(dec == NULL, "case %d (%s): got %s, want NULL", _i,
	    b64_rejects[_i].why, dec);
}
END_TEST

/*
 * Field limits from limits.h: at the limit is fine, one over is malformed.
 * Each mechanism is run with a filled user or secret of n bytes.
 */
static const struct {
	const char	*name;
	enum sasl_mech	 mech;
	bool		 long_user;	/* else the password / token */
	size_t		 n;
	enum sasl_status want;
} limit_cases[] = {
	{ "plain user max", SASL_PLAIN, true, SASL_USER_MAX, SASL_OK },
	{ "plain user over", SASL_PLAIN, true, SASL_USER_MAX + 1, SASL_BAD },
	{ "plain pass max", SASL_PLAIN, false, SASL_PASS_MAX, SASL_OK },
	{ "plain pass over", SASL_PLAIN, false, SASL_PASS_MAX + 1, SASL_BAD },
	{ "login user max", SASL_LOGIN, true, SASL_USER_MAX, SASL_OK },
	{ "login user over", SASL_LOGIN, true, SASL_USER_MAX + 1, SASL_BAD },
	{ "login pass over", SASL_LOGIN, false, SASL_PASS_MAX + 1, SASL_BAD },
	{ "cram user max", SASL_CRAM_MD5, true, SASL_USER_MAX, SASL_OK },
	{ "cram user over", SASL_CRAM_MD5, true, SASL_USER_MAX + 1,
	  SASL_BAD },
	{ "xoauth2 user over", SASL_XOAUTH2, true, SASL_USER_MAX + 1,
	  SASL_BAD },
	{ "xoauth2 token max", SASL_XOAUTH2, false, SASL_PASS_MAX, SASL_OK },
	{ "xoauth2 token over", SASL_XOAUTH2, false, SASL_PASS_MAX + 1,
	  SASL_BAD },
};

START_TEST(test_sasl_limits)
{
	struct sasl_creds	 creds = { .accept_any = true };
	struct sasl		*s;
	const char		*chal;
	char			*user, *pass, *msg, *wire;
	size_t			 ulen, plen, len;
	enum sasl_status	 st;

	ulen = limit_cases[_i].long_user ? limit_cases[_i].n : 3;
	plen = limit_cases[_i].long_user ? 3 : limit_cases[_i].n;
	user = malloc(ulen + 1);
	pass = malloc(plen + 1);
	msg = malloc(ulen + plen + 64);
	ck_assert(user != NULL && pass != NULL && msg != NULL);
	memset(user, 'u', ulen);
	user[ulen] = '\0';
	memset(pass, 'p', plen);
	pass[plen] = '\0';

	s = sasl_new(limit_cases[_i].mech, &creds, NULL);
	switch (limit_cases[_i].mech) {
	case SASL_PLAIN:
		len = (size_t)snprintf(msg, ulen + plen + 64, "|%s|%s", user,
		    pass);
		msg[0] = '\0';
		msg[1 + ulen] = '\0';
		wire = sasl_b64_encode(msg, len);
		st = sasl_step(s, wire, &chal);
		break;
	case SASL_LOGIN:
		wire = sasl_b64_encode(user, ulen);
		st = sasl_step(s, wire, &chal);
		if (st == SASL_CONTINUE) {
			free(wire);
			wire = sasl_b64_encode(pass, plen);
			st = sasl_step(s, wire, &chal);
		}
		break;
	case SASL_CRAM_MD5:
		ck_assert_int_eq(sasl_step(s, NULL, &chal), SASL_CONTINUE);
		len = (size_t)snprintf(msg, ulen + plen + 64, "%s %032d",
		    user, 0);
		wire = sasl_b64_encode(msg, len);
		st = sasl_step(s, wire, &chal);
		break;
	case SASL_XOAUTH2:
		len = (size_t)snprintf(msg, ulen + plen + 64,
		    "user=%s\001auth=Bearer %s\001\001", user, pass);
		wire = sasl_b64_encode(msg, len);
		st = sasl_step(s, wire, &chal);
		break;
	default:
		ck_abort_msg("case %d: bad mechanism", _i);
	}
	ck_assert_msg(st == limit_cases[_i].want,
	    "case %d (%s): got %d, want %d", _i, limit_cases[_i].name, st,
	    limit_cases[_i].want);
	if (st == SASL_OK)
		ck_assert_str_eq(sasl_user(s), user);
	free(wire);
	free(user);
	free(pass);
	free(msg);
	sasl_free(s);
}
END_TEST

/* lookup == NULL without accept_any: nobody can log in. */
START_TEST(test_sasl_no_lookup)
{
	struct sasl_creds	 creds = { .accept_any = false };
	struct sasl		*s;
	const char		*chal;
	char			*wire;

	s = sasl_new(SASL_PLAIN, &creds, NULL);
	wire = sasl_b64_encode("\0alice\0secret", 13);
	ck_assert_int_eq(sasl_step(s, wire, &chal), SASL_FAIL);
	ck_assert_str_eq(sasl_error(s), "unknown user");
	ck_assert_str_eq(sasl_user(s), "alice");
	free(wire);
	sasl_free(s);
}
END_TEST

/* The user is only reported once the exchange is over. */
START_TEST(test_sasl_user_pending)
{
	struct sasl_creds	 creds = { .accept_any = true };
	struct sasl		*s;
	const char		*chal;
	char			*wire;

	s = sasl_new(SASL_LOGIN, &creds, NULL);
	ck_assert_ptr_null(sasl_error(s));
	wire = sasl_b64_encode("alice", 5);
	ck_assert_int_eq(sasl_step(s, wire, &chal), SASL_CONTINUE);
	ck_assert_str_eq(chal, "UGFzc3dvcmQ6");
	ck_assert_ptr_null(sasl_user(s));
	ck_assert_ptr_null(sasl_error(s));
	free(wire);
	/* Freed mid-exchange: nothing leaks. */
	sasl_free(s);
}
END_TEST

Suite *
sasl_suite(void)
{
	Suite	*su;
	TCase	*tc;

	su = suite_create("sasl");
	tc = tcase_create("exchange");
	tcase_add_loop_test(tc, test_sasl_exchange, 0, nitems(cases));
	tcase_add_loop_test(tc, test_sasl_limits, 0, nitems(limit_cases));
	tcase_add_test(tc, test_sasl_no_lookup);
	tcase_add_test(tc, test_sasl_user_pending);
	suite_add_tcase(su, tc);

	tc = tcase_create("cram_md5");
	tcase_add_test(tc, test_sasl_cram_md5_rfc2195);
	tcase_add_test(tc, test_sasl_cram_md5_challenge);
	tcase_add_test(tc, test_sasl_cram_md5_replay);
	suite_add_tcase(su, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, test_sasl_mech_names);
	suite_add_tcase(su, tc);

	tc = tcase_create("base64");
	tcase_add_loop_test(tc, test_sasl_b64_vectors, 0,
	    nitems(b64_vectors));
	tcase_add_test(tc, test_sasl_b64_binary);
	tcase_add_loop_test(tc, test_sasl_b64_rejects, 0,
	    nitems(b64_rejects));
	suite_add_tcase(su, tc);
	return su;
}
