/*
 * check_imap_mime.c: ENVELOPE, BODY and BODYSTRUCTURE of tricky MIME
 * (the .eml files in tests/data/imap: the RFC 3501 7.4.2 example,
 * nested multiparts, encoded words, an RFC 2231 attachment,
 * message/rfc822, a missing final boundary, no Content-Type) against
 * hand-checked strings; sections as exact byte ranges; section-spec
 * parsing; hostile nesting; the SEARCH helpers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "fakes/base/defs.h"
#include "fakes/imap_mime.h"

Suite	*imap_mime_suite(void);

static char	*imap_mime_test_read(const char *, size_t *);

static char *
imap_mime_test_read(const char *name, size_t *len_r)
{
	char	 path[256];
	FILE	*fp;
	char	*p;
	long	 n;

	(void)snprintf(path, sizeof(path), "../data/imap/%s", name);
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

static void
imap_mime_test_setup(void)
{
	imap_mime_init();
	imap_mime_init();	/* idempotent */
}

/*
 * No shutdown between cases: GMime cannot start twice in one process,
 * and what it keeps is "still reachable", not leaked.
 */


/*
 * simple.eml is the message of the RFC 3501 7.4.2 example: its ENVELOPE
 * is the RFC's string byte for byte; its BODY differs only in the size
 * and the lower-case default "7bit" (the example's body is not given).
 */
static const struct {
	const char	*file;
	const char	*envelope;
	const char	*bodystructure;
	const char	*body;
} golden_cases[] = {
	{ "simple.eml",
	  "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG m"
	  "tg summary and minutes\" ((\"Terry Gray\" NIL \"gray\" \"cac.w"
	  "ashington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washingt"
	  "on.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\""
	  ")) ((NIL NIL \"imap\" \"cac.washington.edu\")) ((NIL NIL \"mi"
	  "nutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\""
	  " \"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu"
	  ">\")",
	  "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7bit\" 35"
	  " 2 NIL NIL NIL NIL)",
	  "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7bit\" 35"
	  " 2)" },
	{ "nested.eml",
	  "(\"Thu, 01 Feb 2024 23:30:00 +0100\" \"=?iso-8859-1?q?Gr=FC"
	  "=DFe?= aus Berlin\" ((\"=?utf-8?q?J=C3=B6rg_M=C3=BCller?=\""
	  " NIL \"joerg\" \"example.org\")) ((\"=?utf-8?q?J=C3=B6rg_M=C3"
	  "=BCller?=\" NIL \"joerg\" \"example.org\")) ((\"=?utf-8?q?J=C3"
	  "=B6rg_M=C3=BCller?=\" NIL \"joerg\" \"example.org\")) ((\"Doe,"
	  " Jane\" NIL \"jane\" \"example.com\")(NIL NIL \"bob\" \"example."
	  "net\")) NIL NIL NIL \"<nested@example.org>\")",
	  "(((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-pr"
	  "intable\" 27 1 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" "
	  "\"utf-8\") NIL NIL \"7bit\" 9 1 NIL NIL NIL NIL) \"alternativ"
	  "e\" (\"boundary\" \"inner\") NIL NIL NIL)(\"application\" \"pdf\""
	  " (\"name\" \"report.pdf\") NIL NIL \"base64\" 16 NIL (\"attachm"
	  "ent\" (\"filename\" \"=?utf-8?b?csOpc3Vtw6kucGRm?=\")) (\"en\" "
	  "\"de\") NIL)(\"message\" \"rfc822\" NIL NIL \"forwarded\" \"7bit\""
	  " 145 (\"Mon, 5 Feb 2024 10:00:00 +0000\" \"inner message\" ("
	  "(\"Alice\" NIL \"alice\" \"example.com\")) ((\"Alice\" NIL \"alic"
	  "e\" \"example.com\")) ((\"Alice\" NIL \"alice\" \"example.com\"))"
	  " ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL"
	  ")) NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii"
	  "\") NIL NIL \"7bit\" 18 2 NIL NIL NIL NIL) 7 NIL NIL NIL NI"
	  "L) \"mixed\" (\"boundary\" \"outer\") NIL NIL NIL)",
	  "(((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-pr"
	  "intable\" 27 1)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL"
	  " \"7bit\" 9 1) \"alternative\")(\"application\" \"pdf\" (\"name\" "
	  "\"report.pdf\") NIL NIL \"base64\" 16)(\"message\" \"rfc822\" NI"
	  "L NIL \"forwarded\" \"7bit\" 145 (\"Mon, 5 Feb 2024 10:00:00 "
	  "+0000\" \"inner message\" ((\"Alice\" NIL \"alice\" \"example.co"
	  "m\")) ((\"Alice\" NIL \"alice\" \"example.com\")) ((\"Alice\" NIL"
	  " \"alice\" \"example.com\")) ((NIL NIL \"undisclosed-recipien"
	  "ts\" NIL)(NIL NIL NIL NIL)) NIL NIL NIL NIL) (\"text\" \"pla"
	  "in\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 18 2) 7) \"mixe"
	  "d\")" },
	{ "broken.eml",
	  "(NIL \"broken\" ((NIL NIL \"x\" \"y\")) ((NIL NIL \"x\" \"y\")) (("
	  "NIL NIL \"x\" \"y\")) NIL NIL NIL NIL NIL)",
	  "((\"text\" \"plain\" NIL NIL NIL \"7bit\" 8 1 NIL NIL NIL NIL)"
	  "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 23 1 NIL NIL NIL NIL)"
	  " \"mixed\" (\"boundary\" \"b1\") NIL NIL NIL)",
	  "((\"text\" \"plain\" NIL NIL NIL \"7bit\" 8 1)(\"text\" \"plain\" "
	  "NIL NIL NIL \"7bit\" 23 1) \"mixed\")" },
	{ "notype.eml",
	  "(NIL \"no content type\" ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\""
	  " \"b\")) ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL)",
	  "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 11"
	  " 1 NIL NIL NIL NIL)",
	  "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 11"
	  " 1)" },
};

START_TEST(test_golden)
{
	struct imap_mime	*m;
	struct buf		 b;
	char			*data;
	size_t			 len;

	data = imap_mime_test_read(golden_cases[_i].file, &len);
	m = imap_mime_new(data, len);
	buf_init(&b, 1 << 20);
	ck_assert_int_eq(imap_mime_envelope(m, &b), 0);
	ck_assert_msg(strcmp(buf_cstr(&b), golden_cases[_i].envelope) == 0,
	    "case %d (%s): ENVELOPE got %s", _i, golden_cases[_i].file,
	    buf_cstr(&b));
	buf_reset(&b);
	ck_assert_int_eq(imap_mime_bodystructure(m, true, &b), 0);
	ck_assert_msg(strcmp(buf_cstr(&b), golden_cases[_i].bodystructure) ==
	    0, "case %d (%s): BODYSTRUCTURE got %s", _i,
	    golden_cases[_i].file, buf_cstr(&b));
	buf_reset(&b);
	ck_assert_int_eq(imap_mime_bodystructure(m, false, &b), 0);
	ck_assert_msg(strcmp(buf_cstr(&b), golden_cases[_i].body) == 0,
	    "case %d (%s): BODY got %s", _i, golden_cases[_i].file,
	    buf_cstr(&b));
	buf_fini(&b);

	/* Too small an output buffer fails cleanly. */
	buf_init(&b, 16);
	ck_assert_int_eq(imap_mime_envelope(m, &b), -1);
	buf_reset(&b);
	ck_assert_int_eq(imap_mime_bodystructure(m, true, &b), -1);
	buf_fini(&b);
	imap_mime_free(m);
	free(data);
}
END_TEST

/*
 * Sections of nested.eml: want is the exact content, NULL for "no such
 * part"; from_data says whether it must be a range of the message.
 */
static const struct {
	const char	*file;
	const char	*spec;
	const char	*want;
	bool		 from_data;
} section_cases[] = {
	{ "nested.eml", "1.1", "Sch=C3=B6ne Gr=C3=BC=C3=9Fe", true },
	{ "nested.eml", "1.2", "<p>Hi</p>", true },
	{ "nested.eml", "1.2.MIME",
	  "Content-Type: text/html; charset=utf-8\r\n\r\n", true },
	{ "nested.eml", "2", "SGVsbG8gUERGIQ==", true },
	{ "nested.eml", "3.HEADER",
	  "From: Alice <alice@example.com>\r\n"
	  "To: undisclosed-recipients:;\r\n"
	  "Subject: inner message\r\n"
	  "Date: Mon, 5 Feb 2024 10:00:00 +0000\r\n\r\n", true },
	{ "nested.eml", "3.TEXT", "Inner body\r\nline 2", true },
	{ "nested.eml", "3.1", "Inner body\r\nline 2", true },
	{ "nested.eml", "3.MIME", "Content-Type: message/rfc822\r\n"
	  "Content-Description: forwarded\r\n\r\n", true },
	{ "nested.eml", "3.HEADER.FIELDS (SUBJECT from)",
	  "From: Alice <alice@example.com>\r\n"
	  "Subject: inner message\r\n\r\n", false },
	{ "nested.eml", "HEADER.FIELDS (Message-ID \"X-None\")",
	  "Message-ID: <nested@example.org>\r\n\r\n", false },
	{ "nested.eml", "HEADER.FIELDS (X-None)", "\r\n", false },
	{ "nested.eml", "1.2.3", NULL, false },
	{ "nested.eml", "4", NULL, false },
	{ "nested.eml", "1.TEXT", NULL, false },
	{ "nested.eml", "2.HEADER", NULL, false },
	{ "nested.eml", "3.2", NULL, false },
	{ "simple.eml", "TEXT",
	  "Hello \"world\" \\ back\r\nsecond line\r\n", true },
	{ "simple.eml", "1", "Hello \"world\" \\ back\r\nsecond line\r\n",
	  true },
	{ "simple.eml", "2", NULL, false },
	{ "simple.eml", "1.1", NULL, false },
	{ "simple.eml", "HEADER.FIELDS (cc)",
	  "cc: minutes@CNRI.Reston.VA.US,\r\n John Klensin "
	  "<KLENSIN@MIT.EDU>\r\n\r\n", false },
	{ "simple.eml", "HEADER.FIELDS.NOT (Date From Subject To Cc "
	  "Message-Id MIME-Version)",
	  "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n", false },
	{ "broken.eml", "2", "part two never closed\r\n", true },
	{ "broken.eml", "1", "part one", true },
	{ "notype.eml", "1", "body only\r\n", true },
};

START_TEST(test_section)
{
	struct imap_mime_section	 sect;
	struct imap_mime		*m;
	const char			*err, *p, *want;
	char				*data;
	size_t				 len, plen;
	bool				 from_data;
	int				 rc;

	want = section_cases[_i].want;
	data = imap_mime_test_read(section_cases[_i].file, &len);
	m = imap_mime_new(data, len);
	ck_assert_int_eq(imap_mime_section_parse(section_cases[_i].spec,
	    strlen(section_cases[_i].spec), &sect, &err), 0);
	rc = imap_mime_section(m, &sect, &p, &plen, &from_data);
	ck_assert_msg(rc == (want == NULL ? 0 : 1),
	    "case %d (%s): got %d, want %d", _i, section_cases[_i].spec, rc,
	    want == NULL ? 0 : 1);
	if (want != NULL) {
		ck_assert_msg(plen == strlen(want) && memcmp(p, want,
		    plen) == 0, "case %d (%s): got <%.*s>", _i,
		    section_cases[_i].spec, (int)plen, p);
		ck_assert_msg(from_data == section_cases[_i].from_data,
		    "case %d (%s): got from_data %d", _i,
		    section_cases[_i].spec, from_data);
		/* A range of the message is the original bytes in place. */
		if (from_data)
			ck_assert(p >= data && p + plen <= data + len);
	}
	imap_mime_section_fini(&sect);
	imap_mime_free(m);
	free(data);
}
END_TEST

/* The whole message and its HEADER/TEXT split exactly. */
START_TEST(test_whole)
{
	struct imap_mime_section	 sect = { .kind = IMAP_MIME_SECT_ALL };
	struct imap_mime		*m;
	const char			*p, *h, *t;
	char				*data;
	size_t				 len, plen, hlen, tlen;

	data = imap_mime_test_read("nested.eml", &len);
	m = imap_mime_new(data, len);
	ck_assert_int_eq(imap_mime_section(m, &sect, &p, &plen, NULL), 1);
	ck_assert_ptr_eq(p, data);
	ck_assert_uint_eq(plen, len);
	sect.kind = IMAP_MIME_SECT_HEADER;
	ck_assert_int_eq(imap_mime_section(m, &sect, &h, &hlen, NULL), 1);
	sect.kind = IMAP_MIME_SECT_TEXT;
	ck_assert_int_eq(imap_mime_section(m, &sect, &t, &tlen, NULL), 1);
	ck_assert_ptr_eq(h, data);
	ck_assert_ptr_eq(t, data + hlen);
	ck_assert_uint_eq(hlen + tlen, len);
	ck_assert_mem_eq(h + hlen - 4, "\r\n\r\n", 4);
	imap_mime_free(m);
	free(data);
}
END_TEST

/* BINARY: transfer encodings removed; unknown ones are -1. */
START_TEST(test_binary)
{
	static const char unknown[] = "Content-Type: text/plain\r\n"
	    "Content-Transfer-Encoding: x-rot13\r\n\r\nuryyb\r\n";
	struct imap_mime_section	 sect;
	struct imap_mime		*m;
	const char			*p, *err;
	char				*data;
	size_t				 len, plen;

	data = imap_mime_test_read("nested.eml", &len);
	m = imap_mime_new(data, len);
	ck_assert_int_eq(imap_mime_section_parse("2", 1, &sect, &err), 0);
	ck_assert_int_eq(imap_mime_binary(m, &sect, &p, &plen), 1);
	ck_assert_uint_eq(plen, 10);
	ck_assert_mem_eq(p, "Hello PDF!", 10);
	ck_assert_int_eq(imap_mime_section_parse("1.1", 3, &sect, &err), 0);
	ck_assert_int_eq(imap_mime_binary(m, &sect, &p, &plen), 1);
	ck_assert_uint_eq(plen, strlen("Sch\xc3\xb6ne Gr\xc3\xbc\xc3\x9f" "e"));
	ck_assert_mem_eq(p, "Sch\xc3\xb6ne Gr\xc3\xbc\xc3\x9f" "e", plen);
	/* A multipart has no BINARY content; a missing part neither. */
	ck_assert_int_eq(imap_mime_section_parse("1", 1, &sect, &err), 0);
	ck_assert_int_eq(imap_mime_binary(m, &sect, &p, &plen), 0);
	ck_assert_int_eq(imap_mime_section_parse("9", 1, &sect, &err), 0);
	ck_assert_int_eq(imap_mime_binary(m, &sect, &p, &plen), 0);
	imap_mime_free(m);
	m = imap_mime_new(unknown, sizeof(unknown) - 1);
	ck_assert_int_eq(imap_mime_section_parse("1", 1, &sect, &err), 0);
	ck_assert_int_eq(imap_mime_binary(m, &sect, &p, &plen), -1);
	imap_mime_free(m);
	free(data);
}
END_TEST

/* want NULL: the spec must be refused; else its canonical form. */
static const struct {
	const char	*in;
	const char	*want;
} spec_cases[] = {
	{ "", "" },
	{ "1", "1" },
	{ "1.2.3", "1.2.3" },
	{ "header", "HEADER" },
	{ "Text", "TEXT" },
	{ "1.mime", "1.MIME" },
	{ "2.HEADER", "2.HEADER" },
	{ "HEADER.FIELDS (From To)", "HEADER.FIELDS (From To)" },
	{ "header.fields.not (X-A)", "HEADER.FIELDS.NOT (X-A)" },
	{ "1.HEADER.FIELDS (\"a b\" c)", "1.HEADER.FIELDS (\"a b\" c)" },
	{ "MIME", NULL },
	{ "0", NULL },
	{ "1.0", NULL },
	{ "01", NULL },
	{ "1.", NULL },
	{ ".1", NULL },
	{ "1..2", NULL },
	{ "4294967296", NULL },
	{ "BODY", NULL },
	{ "HEADERX", NULL },
	{ "TEXT ", NULL },
	{ "HEADER.FIELDS", NULL },
	{ "HEADER.FIELDS ()", NULL },
	{ "HEADER.FIELDS (a", NULL },
	{ "HEADER.FIELDS (a  b)", NULL },
	{ "HEADER.FIELDS (a )", NULL },
	{ "HEADER.FIELDS (\"a)", NULL },
	{ "HEADER.FIELDS (a:b)", NULL },
	{ "HEADER.FIELDS(a)", NULL },
	{ "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24."
	  "25.26.27.28.29.30.31.32.33", NULL },
};

START_TEST(test_spec)
{
	struct imap_mime_section	 sect;
	struct buf			 b;
	const char			*err;
	int				 rc;

	err = NULL;
	rc = imap_mime_section_parse(spec_cases[_i].in,
	    strlen(spec_cases[_i].in), &sect, &err);
	ck_assert_msg(rc == (spec_cases[_i].want == NULL ? -1 : 0),
	    "case %d (%s): got %d, want %d", _i, spec_cases[_i].in, rc,
	    spec_cases[_i].want == NULL ? -1 : 0);
	if (rc == -1) {
		ck_assert_ptr_nonnull(err);
		return;
	}
	buf_init(&b, 1024);
	ck_assert_int_eq(imap_mime_section_format(&sect, &b), 0);
	ck_assert_msg(strcmp(buf_cstr(&b), spec_cases[_i].want) == 0,
	    "case %d (%s): got %s", _i, spec_cases[_i].in, buf_cstr(&b));
	buf_fini(&b);
	imap_mime_section_fini(&sect);
}
END_TEST

/* Quoted unless long, 8-bit or CR/LF/NUL: then a literal. */
static const struct {
	const char	*in;
	size_t		 len;
	const char	*want;
} nstring_cases[] = {
	{ "abc", 3, "\"abc\"" },
	{ "", 0, "\"\"" },
	{ "a\"b\\c", 5, "\"a\\\"b\\\\c\"" },
	{ "a\r\nb", 4, "{4}\r\na\r\nb" },
	{ "a\0b", 3, "{3}\r\na\0b" },
	{ "\xc3\xa4", 2, "{2}\r\n\xc3\xa4" },
	{ NULL, 0, "NIL" },
};

START_TEST(test_nstring)
{
	struct buf	 b;
	size_t		 wlen;

	wlen = strlen(nstring_cases[_i].want);
	if (nstring_cases[_i].in != NULL &&
	    memchr(nstring_cases[_i].in, '\0', nstring_cases[_i].len) != NULL)
		wlen = 5 + nstring_cases[_i].len;
	buf_init(&b, 64);
	ck_assert_int_eq(imap_mime_append_nstring(&b, nstring_cases[_i].in,
	    nstring_cases[_i].len), 0);
	ck_assert_msg(b.len == wlen && memcmp(b.p, nstring_cases[_i].want,
	    wlen) == 0, "case %d: got %s", _i, buf_cstr(&b));
	buf_fini(&b);
}
END_TEST

START_TEST(test_nstring_long)
{
	struct buf	 b;
	char		 s[1025];

	memset(s, 'x', sizeof(s));
	buf_init(&b, 4096);
	ck_assert_int_eq(imap_mime_append_nstring(&b, s, 1024), 0);
	ck_assert_uint_eq(b.len, 1026);
	ck_assert_int_eq(b.p[0], '"');
	buf_reset(&b);
	ck_assert_int_eq(imap_mime_append_nstring(&b, s, 1025), 0);
	ck_assert_mem_eq(b.p, "{1025}\r\n", 8);
	buf_fini(&b);
}
END_TEST

/*
 * 100 nested multiparts: bounded at IMAP_MIME_DEPTH_MAX, the deepest
 * level shown as an opaque application/octet-stream, no crash.
 */
START_TEST(test_deep)
{
	struct imap_mime_section	 sect = { .kind = IMAP_MIME_SECT_ALL };
	struct imap_mime		*m;
	struct buf			 msg, out;
	const char			*p;
	size_t				 i, plen, opens;

	buf_init(&msg, 1 << 20);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(buf_appendf(&msg, "Content-Type: multipart/"
		    "mixed; boundary=b%zu\r\n\r\n--b%zu\r\n", i, i), 0);
	ck_assert_int_eq(buf_appendf(&msg, "\r\ndeep\r\n"), 0);
	m = imap_mime_new(msg.p, msg.len);
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(imap_mime_bodystructure(m, true, &out), 0);
	opens = 0;
	for (i = 0; i < out.len; i++)
		if (out.p[i] == '(' && i + 1 < out.len && out.p[i + 1] == '(')
			opens++;
	ck_assert_uint_eq(opens, IMAP_MIME_DEPTH_MAX - 1);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&out),
	    "(\"application\" \"octet-stream\""));
	sect.npart = IMAP_MIME_DEPTH_MAX;
	for (i = 0; i < sect.npart; i++)
		sect.part[i] = 1;
	ck_assert_int_eq(imap_mime_section(m, &sect, &p, &plen, NULL), 0);
	sect.npart = IMAP_MIME_DEPTH_MAX - 1;
	ck_assert_int_eq(imap_mime_section(m, &sect, &p, &plen, NULL), 1);
	buf_fini(&out);
	imap_mime_free(m);
	buf_fini(&msg);
}
END_TEST

/* Headers for SEARCH: decoded encoded words, case-insensitive. */
static const struct {
	const char	*field;
	const char	*needle;
	bool		 want;
} hdr_cases[] = {
	{ "Subject", "gr\xc3\xbc\xc3\x9f" "e", true },	/* decoded */
	{ "Subject", "GR\xc3\x9c\xc3\x9f" "E", true },	/* Unicode case */
	{ "Subject", "aus berlin", true },
	{ "Subject", "=?iso", true },			/* raw too */
	{ "Subject", "munich", false },
	{ "From", "j\xc3\xb6rg m\xc3\xbcller", true },
	{ "From", "JOERG@EXAMPLE", true },
	{ "To", "doe, jane", true },
	{ "Cc", "", false },				/* no such field */
	{ "to", "", true },				/* empty: present */
	{ "X-Missing", "a", false },
};

START_TEST(test_header_contains)
{
	struct imap_mime	*m;
	char			*data;
	size_t			 len;
	bool			 got;

	data = imap_mime_test_read("nested.eml", &len);
	m = imap_mime_new(data, len);
	got = imap_mime_header_contains(m, hdr_cases[_i].field,
	    hdr_cases[_i].needle, strlen(hdr_cases[_i].needle));
	ck_assert_msg(got == hdr_cases[_i].want,
	    "case %d (%s %s): got %d, want %d", _i, hdr_cases[_i].field,
	    hdr_cases[_i].needle, got, hdr_cases[_i].want);
	imap_mime_free(m);
	free(data);
}
END_TEST

static const struct {
	const char	*needle;
	bool		 want;
} body_cases[] = {
	{ "preamble", true },			/* raw body */
	{ "sch\xc3\xb6ne gr\xc3\xbc\xc3\x9f" "e", true },	/* QP decoded */
	{ "SCH=C3=B6NE", true },		/* raw QP */
	{ "inner BODY", true },			/* in message/rfc822 */
	{ "Hello PDF", false },			/* base64, not text */
	{ "From: x", false },
};

START_TEST(test_body_contains)
{
	struct imap_mime	*m;
	char			*data;
	size_t			 len;
	bool			 got;

	data = imap_mime_test_read("nested.eml", &len);
	m = imap_mime_new(data, len);
	got = imap_mime_body_contains(m, body_cases[_i].needle,
	    strlen(body_cases[_i].needle));
	ck_assert_msg(got == body_cases[_i].want,
	    "case %d (%s): got %d, want %d", _i, body_cases[_i].needle, got,
	    body_cases[_i].want);
	imap_mime_free(m);
	free(data);
}
END_TEST

START_TEST(test_sent_day)
{
	static const char nodate[] = "Subject: x\r\n\r\n";
	static const char baddate[] = "Date: yesterday\r\n\r\n";
	struct imap_mime	*m;
	char			*data;
	size_t			 len;
	uint32_t		 day;

	data = imap_mime_test_read("nested.eml", &len);
	m = imap_mime_new(data, len);
	/* 23:30 +0100 is the 1st in its own zone (the 1st in UTC too). */
	ck_assert(imap_mime_sent_day(m, &day));
	ck_assert_uint_eq(day, 20240201);
	imap_mime_free(m);
	free(data);
	m = imap_mime_new(nodate, sizeof(nodate) - 1);
	ck_assert(!imap_mime_sent_day(m, &day));
	imap_mime_free(m);
	m = imap_mime_new(baddate, sizeof(baddate) - 1);
	ck_assert(!imap_mime_sent_day(m, &day));
	imap_mime_free(m);
}
END_TEST

/* Address corner cases, through ENVELOPE's from field. */
static const struct {
	const char	*from;
	const char	*want;
} addr_cases[] = {
	{ "a@b", "((NIL NIL \"a\" \"b\"))" },
	{ "\"Last, First\" <f.l@x.org>",
	  "((\"Last, First\" NIL \"f.l\" \"x.org\"))" },
	{ "First Last <fl@x.org> (comment)",
	  "((\"First Last\" NIL \"fl\" \"x.org\"))" },
	{ "<@relay.org:a@b>", "((NIL NIL \"a\" \"b\"))" },
	{ "grp: a@b, C <c@d>;",
	  "((NIL NIL \"grp\" NIL)(NIL NIL \"a\" \"b\")(\"C\" NIL \"c\" \"d\")"
	  "(NIL NIL NIL NIL))" },
	{ "a@b,,c@d", "((NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\"))" },
	{ "\"q\\\"x\" <a@b>", "((\"q\\\"x\" NIL \"a\" \"b\"))" },
	{ "<>", "NIL" },
	{ "", "NIL" },
	{ "foo", "((NIL NIL \"foo\" \"MISSING_DOMAIN\"))" },
	{ "a@[192.0.2.1]", "((NIL NIL \"a\" \"[192.0.2.1]\"))" },
	{ "x <a@b", "((\"x\" NIL \"a\" \"b\"))" },
	{ "(((", "NIL" },
};

START_TEST(test_addr)
{
	struct imap_mime	*m;
	struct buf		 msg, out;
	const char		*p, *q;

	buf_init(&msg, 4096);
	ck_assert_int_eq(buf_appendf(&msg, "From: %s\r\n\r\n",
	    addr_cases[_i].from), 0);
	m = imap_mime_new(msg.p, msg.len);
	buf_init(&out, 4096);
	ck_assert_int_eq(imap_mime_envelope(m, &out), 0);
	/* "(NIL NIL " + from + " " ... : cut the from field out. */
	p = buf_cstr(&out) + strlen("(NIL NIL ");
	q = strstr(p, " ");
	ck_assert_ptr_nonnull(q);
	ck_assert_msg(strncmp(p, addr_cases[_i].want,
	    strlen(addr_cases[_i].want)) == 0 &&
	    p[strlen(addr_cases[_i].want)] == ' ',
	    "case %d (%s): got %s", _i, addr_cases[_i].from, p);
	buf_fini(&out);
	imap_mime_free(m);
	buf_fini(&msg);
}
END_TEST

Suite *
imap_mime_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("imap_mime");
	tc = tcase_create("structure");
	tcase_add_unchecked_fixture(tc, imap_mime_test_setup, NULL);
	tcase_add_loop_test(tc, test_golden, 0, nitems(golden_cases));
	tcase_add_loop_test(tc, test_addr, 0, nitems(addr_cases));
	tcase_add_test(tc, test_deep);
	suite_add_tcase(s, tc);
	tc = tcase_create("sections");
	tcase_add_unchecked_fixture(tc, imap_mime_test_setup, NULL);
	tcase_add_loop_test(tc, test_section, 0, nitems(section_cases));
	tcase_add_loop_test(tc, test_spec, 0, nitems(spec_cases));
	tcase_add_test(tc, test_whole);
	tcase_add_test(tc, test_binary);
	tcase_add_loop_test(tc, test_nstring, 0, nitems(nstring_cases));
	tcase_add_test(tc, test_nstring_long);
	suite_add_tcase(s, tc);
	tc = tcase_create("search");
	tcase_add_unchecked_fixture(tc, imap_mime_test_setup, NULL);
	tcase_add_loop_test(tc, test_header_contains, 0, nitems(hdr_cases));
	tcase_add_loop_test(tc, test_body_contains, 0, nitems(body_cases));
	tcase_add_test(tc, test_sent_day);
	suite_add_tcase(s, tc);
	return s;
}
