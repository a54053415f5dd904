/*
 * check_api.c: the HTTP API without sockets: the Mailpit search query
 * parser (every word, quoting, negation, bad input), matching against a
 * parsed message, and the JSON shapes (list item, message, list,
 * headers, error) against golden strings, plus part extraction.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <cjson/cJSON.h>

#include "fakes/base/defs.h"
#include "fakes/base/xalloc.h"
#include "fakes/imap_mime.h"
#include "fakes/store.h"
#include "harness/api_int.h"

Suite	*api_suite(void);

/* --- the query parser --- */

static const struct {
	const char		*in;
	int			 ret;
	size_t			 nterms;
	enum api_search_kind	 kind;	/* of the last term */
	bool			 neg;
	const char		*text;	/* of the last term */
	const char		*err;	/* substring of the error */
} parse_cases[] = {
	{ "", 0, 0, API_Q_TEXT, false, NULL, NULL },
	{ "   ", 0, 0, API_Q_TEXT, false, NULL, NULL },
	{ "hello", 0, 1, API_Q_TEXT, false, "hello", NULL },
	{ "hello world", 0, 2, API_Q_TEXT, false, "world", NULL },
	{ "\"hello world\"", 0, 1, API_Q_TEXT, false, "hello world", NULL },
	{ "-spam", 0, 1, API_Q_TEXT, true, "spam", NULL },
	{ "!spam", 0, 1, API_Q_TEXT, true, "spam", NULL },
	{ "-", 0, 1, API_Q_TEXT, false, "-", NULL },
	{ "from:alice@example.test", 0, 1, API_Q_FROM, false,
	    "alice@example.test", NULL },
	{ "FROM:Alice", 0, 1, API_Q_FROM, false, "Alice", NULL },
	{ "to:bob", 0, 1, API_Q_TO, false, "bob", NULL },
	{ "cc:carol", 0, 1, API_Q_CC, false, "carol", NULL },
	{ "bcc:dave", 0, 1, API_Q_BCC, false, "dave", NULL },
	{ "reply-to:eve", 0, 1, API_Q_REPLY_TO, false, "eve", NULL },
	{ "addressed:bob", 0, 1, API_Q_ADDRESSED, false, "bob", NULL },
	{ "subject:\"big news\"", 0, 1, API_Q_SUBJECT, false, "big news",
	    NULL },
	{ "-subject:\"big news\" x", 0, 2, API_Q_TEXT, false, "x", NULL },
	{ "message-id:<a@b>", 0, 1, API_Q_MESSAGE_ID, false, "<a@b>", NULL },
	{ "tag:x", 0, 1, API_Q_TAG, false, "x", NULL },
	{ "is:read", 0, 1, API_Q_READ, false, "read", NULL },
	{ "is:UNREAD", 0, 1, API_Q_UNREAD, false, "UNREAD", NULL },
	{ "-is:unread", 0, 1, API_Q_UNREAD, true, "unread", NULL },
	{ "has:attachment", 0, 1, API_Q_ATTACHMENT, false, "attachment",
	    NULL },
	{ "has:attachments", 0, 1, API_Q_ATTACHMENT, false, "attachments",
	    NULL },
	{ "before:2024-01-02", 0, 1, API_Q_BEFORE, false, "2024-01-02",
	    NULL },
	{ "after:2024-01-02T10:30", 0, 1, API_Q_AFTER, false,
	    "2024-01-02T10:30", NULL },
	{ "after:2024-01-02T10:30:15Z", 0, 1, API_Q_AFTER, false,
	    "2024-01-02T10:30:15Z", NULL },
	{ "larger:10kb", 0, 1, API_Q_LARGER, false, "10kb", NULL },
	{ "smaller:2048", 0, 1, API_Q_SMALLER, false, "2048", NULL },
	{ "unknown:thing", 0, 1, API_Q_TEXT, false, "unknown:thing", NULL },
	{ "say \"a \\\"b\\\" c\"", 0, 2, API_Q_TEXT, false, "a \"b\" c",
	    NULL },
	{ "\"open", -1, 0, API_Q_TEXT, false, NULL, "unterminated" },
	{ "subject:\"open", -1, 0, API_Q_TEXT, false, NULL, "unterminated" },
	{ "from:", -1, 0, API_Q_TEXT, false, NULL, "needs a value" },
	{ "from:\"\"", -1, 0, API_Q_TEXT, false, NULL, "needs a value" },
	{ "\"\"", -1, 0, API_Q_TEXT, false, NULL, "empty" },
	{ "is:starred", -1, 0, API_Q_TEXT, false, NULL, "is:" },
	{ "has:picture", -1, 0, API_Q_TEXT, false, NULL, "has:" },
	{ "before:yesterday", -1, 0, API_Q_TEXT, false, NULL, "before:" },
	{ "before:2024-13-01", -1, 0, API_Q_TEXT, false, NULL, "before:" },
	{ "after:2024-01-00", -1, 0, API_Q_TEXT, false, NULL, "before:" },
	{ "after:2024/01/02", -1, 0, API_Q_TEXT, false, NULL, "before:" },
	{ "larger:big", -1, 0, API_Q_TEXT, false, NULL, "larger:" },
	{ "larger:99999999999999999999", -1, 0, API_Q_TEXT, false, NULL,
	    "larger:" },
	{ "smaller:10gb", -1, 0, API_Q_TEXT, false, NULL, "larger:" },
};

START_TEST(test_parse)
{
	struct api_search	 s;
	const char		*err = NULL;
	int			 r;

	r = api_search_parse(parse_cases[_i].in, &s, &err);
	ck_assert_msg(r == parse_cases[_i].ret, "case %d (%s): got %d, want "
	    "%d (%s)", _i, parse_cases[_i].in, r, parse_cases[_i].ret,
	    r == -1 ? err : "");
	if (r == -1) {
		ck_assert_msg(strstr(err, parse_cases[_i].err) != NULL,
		    "case %d (%s): error '%s', want '%s'", _i,
		    parse_cases[_i].in, err, parse_cases[_i].err);
		return;
	}
	ck_assert_msg(s.nterms == parse_cases[_i].nterms, "case %d (%s): "
	    "got %zu terms, want %zu", _i, parse_cases[_i].in, s.nterms,
	    parse_cases[_i].nterms);
	if (s.nterms > 0) {
		const struct api_search_term *t = &s.terms[s.nterms - 1];

		ck_assert_msg(t->kind == parse_cases[_i].kind, "case %d (%s): "
		    "got %s, want %s", _i, parse_cases[_i].in,
		    api_search_kind_name(t->kind),
		    api_search_kind_name(parse_cases[_i].kind));
		ck_assert_msg(t->neg == parse_cases[_i].neg, "case %d (%s): "
		    "got neg %d, want %d", _i, parse_cases[_i].in, t->neg,
		    parse_cases[_i].neg);
		ck_assert_pstr_eq(t->text, parse_cases[_i].text);
	}
	api_search_fini(&s);
}
END_TEST

START_TEST(test_parse_limits)
{
	struct api_search	 s;
	const char		*err = NULL;
	char			*q;
	size_t			 i;

	/* API_SEARCH_TERMS_MAX words parse; one more is refused. */
	q = xmalloc(API_SEARCH_TERMS_MAX * 2 + 3);
	for (i = 0; i < API_SEARCH_TERMS_MAX; i++) {
		q[i * 2] = 'a';
		q[i * 2 + 1] = ' ';
	}
	q[API_SEARCH_TERMS_MAX * 2] = '\0';
	ck_assert_int_eq(api_search_parse(q, &s, &err), 0);
	ck_assert_uint_eq(s.nterms, API_SEARCH_TERMS_MAX);
	api_search_fini(&s);
	q[API_SEARCH_TERMS_MAX * 2] = 'b';
	q[API_SEARCH_TERMS_MAX * 2 + 1] = '\0';
	ck_assert_int_eq(api_search_parse(q, &s, &err), -1);
	ck_assert_str_eq(err, "too many words in the query");
	free(q);
	q = xmalloc(API_SEARCH_LEN_MAX + 2);
	memset(q, 'x', API_SEARCH_LEN_MAX + 1);
	q[API_SEARCH_LEN_MAX + 1] = '\0';
	ck_assert_int_eq(api_search_parse(q, &s, &err), -1);
	ck_assert_str_eq(err, "query too long");
	free(q);
}
END_TEST

/* --- a message to match and to show --- */

#define MSG_RECEIVED	INT64_C(1704103200123)	/* 2024-01-01T10:00:00.123Z */

static const char msg_text[] =
    "From: \"Alice Example\" <alice@example.test>\r\n"
    "To: Bob <bob@example.test>, carol@example.test\r\n"
    "Cc: =?UTF-8?Q?Dan_M=C3=BCller?= <dan@example.test>\r\n"
    "Reply-To: replies@example.test\r\n"
    "Subject: =?UTF-8?B?R3LDvMOfZQ==?= and news\r\n"
    "Date: Mon, 01 Jan 2024 11:00:00 +0100\r\n"
    "Message-ID: <m1@example.test>\r\n"
    "X-Folded: one\r\n"
    "  two\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"B\"\r\n"
    "\r\n"
    "--B\r\n"
    "Content-Type: multipart/alternative; boundary=\"A\"\r\n"
    "\r\n"
    "--A\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Hello   caf=C3=A9\r\n"
    "world\r\n"
    "--A\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<p>Hello <b>HTML</b></p>\r\n"
    "--A--\r\n"
    "--B\r\n"
    "Content-Type: image/png\r\n"
    "Content-ID: <logo@example.test>\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "iVBORw==\r\n"
    "--B\r\n"
    "Content-Type: application/pdf; name=\"report.pdf\"\r\n"
    "Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "JVBERi0=\r\n"
    "--B--\r\n";

static struct store_msg *
msg_new(const char *text, uint64_t id)
{
	struct store_msg	*m;

	m = store_msg_new();
	store_msg_take_data(m, xstrdup(text), strlen(text));
	store_msg_set_from(m, "bounce@example.test", NULL);
	store_msg_add_rcpt(m, "bob@example.test", NULL);
	store_msg_add_rcpt(m, "secret@example.test", NULL);
	m->id = id;
	m->received_ms = MSG_RECEIVED;
	m->session_id = 7;
	return m;
}

static void
setup(void)
{
	imap_mime_init();
}

static const struct {
	const char	*q;
	bool		 read;
	bool		 want;
} match_cases[] = {
	{ "", false, true },
	{ "hello", false, true },
	{ "HELLO", false, true },
	{ "café", false, true },
	{ "nothere", false, false },
	{ "-nothere", false, true },
	{ "report.pdf", false, true },
	{ "from:alice", false, true },
	{ "from:\"Alice Example\"", false, true },
	{ "from:bob", false, false },
	{ "-from:bob", false, true },
	{ "to:bob@example.test", false, true },
	{ "to:carol", false, true },
	{ "to:dan", false, false },
	{ "cc:müller", false, true },
	{ "cc:dan@", false, true },
	{ "bcc:secret", false, true },
	{ "bcc:bob", false, false },
	{ "addressed:dan", false, true },
	{ "addressed:secret", false, true },
	{ "addressed:alice", false, false },
	{ "reply-to:replies", false, true },
	{ "subject:grüße", false, true },
	{ "subject:GRÜ", false, false },
	{ "subject:news", false, true },
	{ "subject:\"and news\"", false, true },
	{ "subject:\"news and\"", false, false },
	{ "message-id:m1@example.test", false, true },
	{ "message-id:<m1@example.test>", false, true },
	{ "message-id:m1", false, false },
	{ "tag:x", false, false },
	{ "-tag:x", false, true },
	{ "is:read", false, false },
	{ "is:read", true, true },
	{ "is:unread", false, true },
	{ "-is:unread", true, true },
	{ "has:attachment", false, true },
	{ "-has:attachment", false, false },
	{ "before:2024-01-02", false, true },
	{ "before:2024-01-01", false, false },
	{ "after:2024-01-01T09:59", false, true },
	{ "after:2024-01-01T10:00:01Z", false, false },
	{ "larger:512", false, true },
	{ "larger:1kb", false, false },
		{ "smaller:10kb", false, true },
	{ "smaller:100", false, false },
	{ "from:alice subject:news is:unread", false, true },
	{ "from:alice subject:news is:read", false, false },
};

START_TEST(test_match)
{
	struct store_msg	*m = msg_new(msg_text, 1);
	struct api_view		*v = api_msg_view_new(m);
	struct api_search	 s;
	const char		*err;
	bool			 got;

	ck_assert_int_eq(api_search_parse(match_cases[_i].q, &s, &err), 0);
	got = api_search_match(&s, v, match_cases[_i].read);
	ck_assert_msg(got == match_cases[_i].want, "case %d (%s): got %d, "
	    "want %d", _i, match_cases[_i].q, got, match_cases[_i].want);
	api_search_fini(&s);
	api_msg_view_free(v);
	store_msg_unref(&m);
}
END_TEST

/* --- JSON shapes --- */

static void
json_eq(cJSON *root, const char *want)
{
	char	*got = api_json_print_free(root);

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_json_list_item)
{
	struct store_msg	*m = msg_new(msg_text, 42);
	struct api_view		*v = api_msg_view_new(m);

	json_eq(api_json_list_item(v, false),
	    "{\"ID\":\"42\",\"MessageID\":\"m1@example.test\","
	    "\"From\":{\"Name\":\"Alice Example\","
	    "\"Address\":\"alice@example.test\"},"
	    "\"To\":[{\"Name\":\"Bob\",\"Address\":\"bob@example.test\"},"
	    "{\"Name\":\"\",\"Address\":\"carol@example.test\"}],"
	    "\"Cc\":[{\"Name\":\"Dan Müller\","
	    "\"Address\":\"dan@example.test\"}],"
	    "\"Bcc\":[{\"Name\":\"\",\"Address\":\"secret@example.test\"}],"
	    "\"ReplyTo\":[{\"Name\":\"\","
	    "\"Address\":\"replies@example.test\"}],"
	    "\"Read\":false,\"Subject\":\"Grüße and news\","
	    "\"Created\":\"2024-01-01T10:00:00.123Z\",\"Tags\":[],"
	    "\"Size\":910,\"Attachments\":1,"
	    "\"Snippet\":\"Hello café world\",\"SessionID\":7}");
	api_msg_view_free(v);
	store_msg_unref(&m);
}
END_TEST

START_TEST(test_json_message)
{
	struct store_msg	*m = msg_new(msg_text, 42);
	struct api_view		*v = api_msg_view_new(m);

	json_eq(api_json_message(v, true),
	    "{\"ID\":\"42\",\"MessageID\":\"m1@example.test\","
	    "\"From\":{\"Name\":\"Alice Example\","
	    "\"Address\":\"alice@example.test\"},"
	    "\"To\":[{\"Name\":\"Bob\",\"Address\":\"bob@example.test\"},"
	    "{\"Name\":\"\",\"Address\":\"carol@example.test\"}],"
	    "\"Cc\":[{\"Name\":\"Dan Müller\","
	    "\"Address\":\"dan@example.test\"}],"
	    "\"Bcc\":[{\"Name\":\"\",\"Address\":\"secret@example.test\"}],"
	    "\"ReplyTo\":[{\"Name\":\"\","
	    "\"Address\":\"replies@example.test\"}],"
	    "\"ReturnPath\":\"bounce@example.test\","
	    "\"Subject\":\"Grüße and news\","
	    "\"ListUnsubscribe\":{\"Header\":\"\",\"Links\":[],"
	    "\"Errors\":\"\",\"HeaderPost\":\"\"},"
	    "\"Date\":\"2024-01-01T11:00:00+01:00\",\"Tags\":[],"
	    "\"Text\":\"Hello   café\\r\\nworld\","
	    "\"HTML\":\"<p>Hello <b>HTML</b></p>\","
	    "\"Size\":910,"
	    "\"Inline\":[{\"PartID\":\"2\",\"FileName\":\"\","
	    "\"ContentType\":\"image/png\","
	    "\"ContentID\":\"logo@example.test\",\"Size\":4,"
	    "\"Checksums\":{\"SHA256\":\"0f4636c78f65d3639ece5a064b5ae753"
	    "e3408614a14fb18ab4d7540d2c248543\"}}],"
	    "\"Attachments\":[{\"PartID\":\"3\",\"FileName\":\"report.pdf\","
	    "\"ContentType\":\"application/pdf\",\"ContentID\":\"\","
	    "\"Size\":5,"
	    "\"Checksums\":{\"SHA256\":\"38523c087796e5d5dd1cf9bad1fb0267"
	    "81a838dd9dd2cf8af58b9f6502a46778\"}}],"
	    "\"Read\":true,\"Created\":\"2024-01-01T10:00:00.123Z\","
	    "\"SessionID\":7}");
	api_msg_view_free(v);
	store_msg_unref(&m);
}
END_TEST

START_TEST(test_json_plain)
{
	static const char	 text[] = "Subject: bare\n\nno headers to "
	    "speak of\n";
	struct store_msg	*m = msg_new(text, 3);
	struct api_view		*v;

	m->nrcpts = 0;
	v = api_msg_view_new(m);
	/* No From: is null, as Mailpit sends; no Date: is "". */
	json_eq(api_json_list_item(v, true),
	    "{\"ID\":\"3\",\"MessageID\":\"\",\"From\":null,\"To\":[],"
	    "\"Cc\":[],\"Bcc\":[],\"ReplyTo\":[],\"Read\":true,"
	    "\"Subject\":\"bare\","
	    "\"Created\":\"2024-01-01T10:00:00.123Z\",\"Tags\":[],"
	    "\"Size\":38,\"Attachments\":0,"
	    "\"Snippet\":\"no headers to speak of\",\"SessionID\":7}");
	ck_assert_str_eq(v->date, "");
	api_msg_view_free(v);
	m->nrcpts = 2;
	store_msg_unref(&m);
}
END_TEST

START_TEST(test_json_list_error)
{
	json_eq(api_json_list(10, 4, 2, 1, 5, cJSON_CreateArray()),
	    "{\"total\":10,\"unread\":4,\"count\":0,\"messages_count\":2,"
	    "\"messages_unread\":1,\"start\":5,\"tags\":[],"
	    "\"messages\":[]}");
	json_eq(api_json_error("message not found"),
	    "{\"Error\":\"message not found\"}");
}
END_TEST

START_TEST(test_json_headers)
{
	struct store_msg	*m = msg_new(msg_text, 1);

	json_eq(api_msg_headers(m),
	    "{\"From\":[\"\\\"Alice Example\\\" <alice@example.test>\"],"
	    "\"To\":[\"Bob <bob@example.test>, carol@example.test\"],"
	    "\"Cc\":[\"Dan Müller <dan@example.test>\"],"
	    "\"Reply-To\":[\"replies@example.test\"],"
	    "\"Subject\":[\"Grüße and news\"],"
	    "\"Date\":[\"Mon, 01 Jan 2024 11:00:00 +0100\"],"
	    "\"Message-Id\":[\"<m1@example.test>\"],"
	    "\"X-Folded\":[\"one  two\"],"
	    "\"Mime-Version\":[\"1.0\"],"
	    "\"Content-Type\":[\"multipart/mixed; boundary=\\\"B\\\"\"]}");
	store_msg_unref(&m);
}
END_TEST

static const struct {
	const char	*id;
	int		 ret;
	const char	*data;
	const char	*ctype;
} part_cases[] = {
	{ "1.1", 1, "Hello   caf\xc3\xa9\r\nworld", "text/plain" },
	{ "1.2", 1, "<p>Hello <b>HTML</b></p>", "text/html" },
	{ "2", 1, "\x89PNG", "image/png" },
	{ "3", 1, "%PDF-", "application/pdf" },
	{ "1", 0, NULL, NULL },
	{ "4", 0, NULL, NULL },
	{ "1.3", 0, NULL, NULL },
	{ "", 0, NULL, NULL },
	{ "x", 0, NULL, NULL },
};

START_TEST(test_part)
{
	struct store_msg	*m = msg_new(msg_text, 1);
	char			*data = NULL, *ctype = NULL;
	size_t			 len = 0;
	int			 r;

	r = api_msg_part(m, part_cases[_i].id, &data, &len, &ctype);
	ck_assert_msg(r == part_cases[_i].ret, "case %d (%s): got %d, want "
	    "%d", _i, part_cases[_i].id, r, part_cases[_i].ret);
	if (r == 1) {
		ck_assert_uint_eq(len, strlen(part_cases[_i].data));
		ck_assert_mem_eq(data, part_cases[_i].data, len);
		ck_assert_str_eq(ctype, part_cases[_i].ctype);
	}
	free(data);
	free(ctype);
	store_msg_unref(&m);
}
END_TEST

Suite *
api_suite(void)
{
	Suite	*s = suite_create("api");
	TCase	*tc;

	tc = tcase_create("search");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, test_parse, 0, nitems(parse_cases));
	tcase_add_test(tc, test_parse_limits);
	tcase_add_loop_test(tc, test_match, 0, nitems(match_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("json");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_json_list_item);
	tcase_add_test(tc, test_json_message);
	tcase_add_test(tc, test_json_plain);
	tcase_add_test(tc, test_json_list_error);
	tcase_add_test(tc, test_json_headers);
	tcase_add_loop_test(tc, test_part, 0, nitems(part_cases));
	suite_add_tcase(s, tc);
	return s;
}
