/*
 * check_imap_fetch.c: FETCH attribute parsing (items, macros, sections,
 * partial ranges, hostile atoms) and the rendered response of one
 * message: text and by-reference pieces joined and compared byte by
 * byte, \Seen rules, UID FETCH, INTERNALDATE, BINARY.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "fakes/base/defs.h"
#include "fakes/base/xalloc.h"
#include "fakes/imap_fetch.h"

Suite	*imap_fetch_suite(void);

static const char imap_fetch_test_msg[] =
    "Subject: hi\r\n"
    "From: A <a@b.c>\r\n"
    "Content-Type: multipart/mixed; boundary=X\r\n"
    "\r\n"
    "--X\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "hello\r\n"
    "--X\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "AAEC\r\n"
    "--X--\r\n";

/* want NULL: refused; else the items mask and body count. */
static const struct {
	const char	*atom;		/* a single atom argument */
	int		 want;
	unsigned	 items;
	size_t		 nbodies;
	bool		 seen;
} parse_cases[] = {
	{ "ALL", 0, IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE |
	  IMAP_FETCH_RFC822_SIZE | IMAP_FETCH_ENVELOPE, 0, false },
	{ "fast", 0, IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE |
	  IMAP_FETCH_RFC822_SIZE, 0, false },
	{ "FULL", 0, IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE |
	  IMAP_FETCH_RFC822_SIZE | IMAP_FETCH_ENVELOPE | IMAP_FETCH_BODY, 0,
	  false },
	{ "UID", 0, IMAP_FETCH_UID, 0, false },
	{ "RFC822", 0, IMAP_FETCH_RFC822, 0, true },
	{ "RFC822.TEXT", 0, IMAP_FETCH_RFC822_TEXT, 0, true },
	{ "RFC822.HEADER", 0, IMAP_FETCH_RFC822_HEADER, 0, false },
	{ "BODYSTRUCTURE", 0, IMAP_FETCH_BODYSTRUCTURE, 0, false },
	{ "BODY[]", 0, 0, 1, true },
	{ "body.peek[]", 0, 0, 1, false },
	{ "BODY[1.2.MIME]<0.10>", 0, 0, 1, true },
	{ "BODY.PEEK[HEADER.FIELDS (From \"To\")]", 0, 0, 1, false },
	{ "BINARY[1]", 0, 0, 1, true },
	{ "BINARY.PEEK[1]<5.5>", 0, 0, 1, false },
	{ "BINARY.SIZE[2]", 0, 0, 1, false },
	{ "BODY", 0, IMAP_FETCH_BODY, 0, false },
	{ "BODY[", -1, 0, 0, false },
	{ "BODY[]<", -1, 0, 0, false },
	{ "BODY[]<1>", -1, 0, 0, false },
	{ "BODY[]<1.0>", -1, 0, 0, false },
	{ "BODY[]<a.1>", -1, 0, 0, false },
	{ "BODY[]<1.99999999999>", -1, 0, 0, false },
	{ "BODY[]x", -1, 0, 0, false },
	{ "BODY[MIME]", -1, 0, 0, false },
	{ "BINARY[HEADER]", -1, 0, 0, false },
	{ "BINARY.SIZE[1]<0.1>", -1, 0, 0, false },
	{ "BODY.PEEK", -1, 0, 0, false },
	{ "FLAGZ", -1, 0, 0, false },
	{ "", -1, 0, 0, false },
};

START_TEST(test_parse)
{
	struct imap_fetch_spec	*spec;
	struct imap_arg		 arg;
	const char		*err;
	int			 rc;

	arg = (struct imap_arg){ .type = IMAP_ARG_ATOM,
	    .str = parse_cases[_i].atom, .len = strlen(parse_cases[_i].atom) };
	rc = imap_fetch_parse(&arg, &spec, &err);
	ck_assert_msg(rc == parse_cases[_i].want,
	    "case %d (%s): got %d, want %d", _i, parse_cases[_i].atom, rc,
	    parse_cases[_i].want);
	if (rc == -1) {
		ck_assert_ptr_null(spec);
		return;
	}
	ck_assert_uint_eq(spec->items, parse_cases[_i].items);
	ck_assert_uint_eq(spec->nbodies, parse_cases[_i].nbodies);
	ck_assert_msg(imap_fetch_sets_seen(spec) == parse_cases[_i].seen,
	    "case %d (%s): seen wrong", _i, parse_cases[_i].atom);
	imap_fetch_spec_free(spec);
}
END_TEST

START_TEST(test_parse_list)
{
	struct imap_arg		 items[3], list, bad[1];
	struct imap_fetch_spec	*spec;
	const char		*err;

	items[0] = (struct imap_arg){ .type = IMAP_ARG_ATOM, .str = "UID",
	    .len = 3 };
	items[1] = (struct imap_arg){ .type = IMAP_ARG_ATOM, .str = "flags",
	    .len = 5 };
	items[2] = (struct imap_arg){ .type = IMAP_ARG_ATOM,
	    .str = "BODY.PEEK[1]", .len = 12 };
	list = (struct imap_arg){ .type = IMAP_ARG_LIST, .list = items,
	    .nlist = 3 };
	ck_assert_int_eq(imap_fetch_parse(&list, &spec, &err), 0);
	ck_assert_uint_eq(spec->items, IMAP_FETCH_UID | IMAP_FETCH_FLAGS);
	ck_assert_uint_eq(spec->nbodies, 1);
	ck_assert(spec->bodies[0].peek);
	ck_assert_uint_eq(spec->bodies[0].section.npart, 1);
	imap_fetch_spec_free(spec);
	/* Macros only alone (RFC 3501 9); strings are not attributes. */
	bad[0] = (struct imap_arg){ .type = IMAP_ARG_ATOM, .str = "ALL",
	    .len = 3 };
	list = (struct imap_arg){ .type = IMAP_ARG_LIST, .list = bad,
	    .nlist = 1 };
	ck_assert_int_eq(imap_fetch_parse(&list, &spec, &err), -1);
	bad[0].type = IMAP_ARG_STRING;
	bad[0].str = "UID";
	ck_assert_int_eq(imap_fetch_parse(&list, &spec, &err), -1);
	list.nlist = 0;
	ck_assert_int_eq(imap_fetch_parse(&list, &spec, &err), -1);
	ck_assert_int_eq(imap_fetch_parse(&bad[0], &spec, &err), -1);
}
END_TEST

/* Join the pieces into one string, as the session would send them. */
static char *
imap_fetch_test_join(const struct imap_fetch_out *out,
    const struct store_msg *msg, size_t *len_r)
{
	const struct imap_fetch_piece	*pc;
	struct buf			 b;
	size_t				 i;

	buf_init(&b, 1 << 20);
	for (i = 0; i < out->npieces; i++) {
		pc = &out->pieces[i];
		if (pc->src == IMAP_FETCH_SRC_TEXT) {
			ck_assert_uint_le(pc->off + pc->len, out->text.len);
			ck_assert_int_eq(buf_append(&b, out->text.p + pc->off,
			    pc->len), 0);
		} else {
			ck_assert_uint_le(pc->off + pc->len, msg->len);
			ck_assert_int_eq(buf_append(&b, msg->data + pc->off,
			    pc->len), 0);
		}
	}
	return buf_steal(&b, len_r);
}

static const struct {
	const char	*atom;
	unsigned	 rflags;
	const char	*want;
	size_t		 message_pieces;	/* by reference */
} render_cases[] = {
	{ "FLAGS", 0, "* 7 FETCH (FLAGS (\\Seen \\Recent))\r\n", 0 },
	{ "UID", 0, "* 7 FETCH (UID 42)\r\n", 0 },
	{ "RFC822.SIZE", IMAP_FETCH_R_UID,
	  "* 7 FETCH (UID 42 RFC822.SIZE 210)\r\n", 0 },
	{ "INTERNALDATE", 0,
	  "* 7 FETCH (INTERNALDATE \" 5-Feb-2024 09:08:07 +0000\")\r\n", 0 },
	{ "BODY.PEEK[1]", IMAP_FETCH_R_FLAGS,
	  "* 7 FETCH (FLAGS (\\Seen \\Recent) BODY[1] {5}\r\nhello)\r\n", 1 },
	{ "BODY[1]<1.3>", 0, "* 7 FETCH (BODY[1]<1> {3}\r\nell)\r\n", 1 },
	{ "BODY[1]<4.100>", 0, "* 7 FETCH (BODY[1]<4> {1}\r\no)\r\n", 1 },
	{ "BODY[1]<9.1>", 0, "* 7 FETCH (BODY[1]<9> {0}\r\n)\r\n", 0 },
	{ "BODY[3]", 0, "* 7 FETCH (BODY[3] NIL)\r\n", 0 },
	{ "BODY[HEADER.FIELDS (subject)]", 0,
	  "* 7 FETCH (BODY[HEADER.FIELDS (subject)] {15}\r\n"
	  "Subject: hi\r\n\r\n)\r\n", 0 },
	{ "BINARY[2]", 0, "* 7 FETCH (BINARY[2] ~{3}\r\n\x00\x01\x02)\r\n",
	  0 },
	{ "BINARY.SIZE[2]", 0, "* 7 FETCH (BINARY.SIZE[2] 3)\r\n", 0 },
	{ "BINARY[1]", 0, "* 7 FETCH (BINARY[1] {5}\r\nhello)\r\n", 1 },
	{ "BODYSTRUCTURE", 0, "* 7 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" "
	  "NIL NIL NIL \"7bit\" 5 1 NIL NIL NIL NIL)(\"application\" "
	  "\"octet-stream\" NIL NIL NIL \"base64\" 4 NIL NIL NIL NIL) "
	  "\"mixed\" (\"boundary\" \"X\") NIL NIL NIL))\r\n", 0 },
	{ "ENVELOPE", 0, "* 7 FETCH (ENVELOPE (NIL \"hi\" ((\"A\" NIL \"a\" "
	  "\"b.c\")) ((\"A\" NIL \"a\" \"b.c\")) ((\"A\" NIL \"a\" \"b.c\")) "
	  "NIL NIL NIL NIL NIL))\r\n", 0 },
};

START_TEST(test_render)
{
	struct imap_fetch_spec	*spec;
	struct imap_fetch_out	 out;
	struct imap_fetch_msg	 fm;
	struct store_entry	 e;
	struct store_msg	*msg;
	struct imap_arg		 arg;
	const char		*err, *want;
	char			*got;
	size_t			 len, i, nmsg, wlen;

	imap_mime_init();
	msg = store_msg_new();
	store_msg_take_data(msg, xmemdup(imap_fetch_test_msg,
	    sizeof(imap_fetch_test_msg)), sizeof(imap_fetch_test_msg) - 1);
	e = (struct store_entry){ .msg = msg, .uid = 42,
	    .internal_ms = INT64_C(1707124087000) };
	fm = (struct imap_fetch_msg){ .seq = 7, .entry = &e,
	    .flags = STORE_F_SEEN | STORE_F_RECENT };
	arg = (struct imap_arg){ .type = IMAP_ARG_ATOM,
	    .str = render_cases[_i].atom,
	    .len = strlen(render_cases[_i].atom) };
	ck_assert_int_eq(imap_fetch_parse(&arg, &spec, &err), 0);
	imap_fetch_out_init(&out);
	ck_assert_int_eq(imap_fetch_render(spec, &fm, render_cases[_i].rflags,
	    &out, &err), 0);
	got = imap_fetch_test_join(&out, msg, &len);
	want = render_cases[_i].want;
	wlen = strlen(want);
	if (strstr(want, "~{3}") != NULL)
		wlen += 6;	/* past the NUL: 3 bytes and ")\r\n" */
	ck_assert_msg(len == wlen && memcmp(got, want, len) == 0,
	    "case %d (%s): got %s", _i, render_cases[_i].atom, got);
	nmsg = 0;
	for (i = 0; i < out.npieces; i++)
		if (out.pieces[i].src == IMAP_FETCH_SRC_MESSAGE)
			nmsg++;
	ck_assert_msg(nmsg == render_cases[_i].message_pieces,
	    "case %d (%s): got %zu message pieces", _i,
	    render_cases[_i].atom, nmsg);
	free(got);
	imap_fetch_out_fini(&out);
	imap_fetch_spec_free(spec);
	store_msg_unref(&msg);
}
END_TEST

Suite *
imap_fetch_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("imap_fetch");
	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_parse, 0, nitems(parse_cases));
	tcase_add_test(tc, test_parse_list);
	suite_add_tcase(s, tc);
	tc = tcase_create("render");
	tcase_add_loop_test(tc, test_render, 0, nitems(render_cases));
	suite_add_tcase(s, tc);
	return s;
}
