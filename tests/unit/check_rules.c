/*
 * check_rules.c: the rule engine driving the real SMTP fake in test mode:
 * first match wins, times/nth counters, argument regexes, session
 * numbers, users, stages, and seeded probability (same seed, same
 * decisions).
 */
#include <string.h>

#include <check.h>
#include <event2/event.h>

#include "fakes/base/buf.h"
#include "fakes/base/defs.h"
#include "fakes/conn.h"
#include "fakes/smtp.h"
#include "fakes/store.h"
#include "harness/rules.h"
#include "harness/scenario.h"

Suite	*rules_suite(void);

static const char rules_yaml[] =
    "name: rules under test\n"
    "rules:\n"
    "  - on: {smtp: RCPT, times: 2}\n"
    "    reply: \"451 4.7.1 greylisted\"\n"
    "  - on: {smtp: MAIL, args: \"blocked\\\\.test\"}\n"
    "    reply: \"550 5.7.1 sender refused\"\n"
    "  - on: {smtp: greeting, session: 2}\n"
    "    reply: \"421 4.3.2 second session refused\"\n"
    "  - on: {smtp: NOOP, probability: 0.5, seed: 9}\n"
    "    reply: \"250 2.0.0 heads\"\n"
    "  - on: {smtp: any, user: alice}\n"
    "    reply: \"502 5.5.1 alice may not\"\n"
    "  - on: {smtp: data, nth: 2}\n"
    "    reply: [\"552-5.2.2 mailbox\", \"552 5.2.2 full\"]\n";

struct r_ctx {
	struct event_base	*base;
	struct conn_env		*env;
	struct store		*store;
	struct scenario		*scen;
	struct rules		*rules;
	struct conn_hooks	 hooks;
	struct smtp_conf	 conf;
	struct sasl_creds	 creds;
	struct conn_port	 port;
};

static void
r_init(struct r_ctx *t)
{
	char		 err[512];
	const char	*e;

	memset(t, 0, sizeof(*t));
	t->scen = scenario_load_mem("rules.yaml", rules_yaml,
	    sizeof(rules_yaml) - 1, err, sizeof(err));
	ck_assert_msg(t->scen != NULL, "load: %s", err);
	t->rules = rules_new(t->scen);
	t->base = event_base_new();
	t->env = conn_env_new(t->base, 16);
	t->hooks = (struct conn_hooks){ .on_ask = rules_ask,
	    .ask_arg = t->rules };
	conn_env_set_hooks(t->env, &t->hooks);
	t->store = store_new(NULL, &e);
	ck_assert_ptr_nonnull(t->store);
	smtp_conf_defaults(&t->conf);
	t->creds.accept_any = true;
	t->conf.creds = &t->creds;
	t->conf.store = t->store;
	t->port = (struct conn_port){ .proto = &smtp_proto, .conf = &t->conf,
	    .name = "smtp", .port = 25 };
}

static void
r_fini(struct r_ctx *t)
{
	conn_env_free(t->env);
	rules_free(t->rules);
	scenario_free(t->scen);
	store_free(t->store);
	event_base_free(t->base);
}

/* Feed a line; return the reply text (static, replaced by next call). */
static const char *
r_say(struct conn *c, const char *line)
{
	static char	 out[4096];
	struct evbuffer	*o = conn_test_output(c);
	size_t		 n;

	if (line != NULL)
		conn_test_feed(c, line, strlen(line));
	n = evbuffer_get_length(o);
	ck_assert_uint_lt(n, sizeof(out));
	evbuffer_remove(o, out, n);
	out[n] = '\0';
	return out;
}

START_TEST(test_times_args_data)
{
	struct r_ctx	 t;
	struct conn	*c;

	r_init(&t);
	c = conn_new_test(t.env, &t.port);
	ck_assert_ptr_nonnull(strstr(r_say(c, NULL), "220 "));
	r_say(c, "EHLO x\r\n");
	ck_assert_str_eq(r_say(c, "MAIL FROM:<a@blocked.test>\r\n"),
	    "550 5.7.1 sender refused\r\n");
	ck_assert_str_eq(r_say(c, "MAIL FROM:<a@ok.test>\r\n"),
	    "250 2.1.0 Ok\r\n");
	/* "451 twice, then accept": one rule, counted per rule. */
	ck_assert_str_eq(r_say(c, "RCPT TO:<b@c>\r\n"),
	    "451 4.7.1 greylisted\r\n");
	ck_assert_str_eq(r_say(c, "RCPT TO:<b@c>\r\n"),
	    "451 4.7.1 greylisted\r\n");
	ck_assert_str_eq(r_say(c, "RCPT TO:<b@c>\r\n"), "250 2.1.5 Ok\r\n");
	/* nth: 2 of the data rule: the first message goes through. */
	r_say(c, "DATA\r\n");
	ck_assert_str_eq(r_say(c, "hi\r\n.\r\n"),
	    "250 2.0.0 Ok: queued as 1\r\n");
	r_say(c, "MAIL FROM:<a@ok.test>\r\nRCPT TO:<b@c>\r\nDATA\r\n");
	ck_assert_str_eq(r_say(c, "hi\r\n.\r\n"),
	    "552-5.2.2 mailbox\r\n552 5.2.2 full\r\n");
	ck_assert_uint_eq(store_count(t.store), 1);
	ck_assert_uint_eq(rules_fired(t.rules, 0), 2);
	ck_assert_uint_eq(rules_fired(t.rules, 1), 1);
	ck_assert_uint_eq(rules_fired(t.rules, 5), 1);
	conn_test_free(c);
	r_fini(&t);
}
END_TEST

START_TEST(test_session_and_user)
{
	struct r_ctx	 t;
	struct conn	*c1, *c2, *c3;

	r_init(&t);
	c1 = conn_new_test(t.env, &t.port);
	ck_assert_ptr_nonnull(strstr(r_say(c1, NULL), "220 "));
	c2 = conn_new_test(t.env, &t.port);
	ck_assert_str_eq(r_say(c2, NULL),
	    "421 4.3.2 second session refused\r\n");
	ck_assert(conn_test_closed(c2));
	c3 = conn_new_test(t.env, &t.port);
	ck_assert_ptr_nonnull(strstr(r_say(c3, NULL), "220 "));
	/* After AUTH as alice, "any" matches her every command. */
	r_say(c1, "EHLO x\r\n");
	ck_assert_str_eq(r_say(c1, "AUTH PLAIN AGFsaWNlAHB3\r\n"),
	    "235 2.7.0 Authentication successful\r\n");
	ck_assert_str_eq(r_say(c1, "RSET\r\n"), "502 5.5.1 alice may not\r\n");
	ck_assert_str_eq(r_say(c3, "RSET\r\n"), "250 2.0.0 Ok\r\n");
	conn_test_free(c1);
	conn_test_free(c2);
	conn_test_free(c3);
	r_fini(&t);
}
END_TEST

/* Same seed, same decisions; and the coin is not stuck on one side. */
static void
r_coins(char *out, size_t n)
{
	struct r_ctx	 t;
	struct conn	*c;
	size_t		 i;

	r_init(&t);
	c = conn_new_test(t.env, &t.port);
	r_say(c, NULL);
	for (i = 0; i < n; i++)
		out[i] = strstr(r_say(c, "NOOP\r\n"), "heads") != NULL ?
		    'H' : 't';
	out[n] = '\0';
	conn_test_free(c);
	r_fini(&t);
}

START_TEST(test_probability_seeded)
{
	char	a[65], b[65];
	size_t	i, heads = 0;

	r_coins(a, 64);
	r_coins(b, 64);
	ck_assert_str_eq(a, b);
	for (i = 0; i < 64; i++)
		heads += a[i] == 'H';
	ck_assert_uint_gt(heads, 10);
	ck_assert_uint_lt(heads, 54);
}
END_TEST

Suite *
rules_suite(void)
{
	Suite	*s = suite_create("rules");
	TCase	*tc = tcase_create("rules");

	tcase_add_test(tc, test_times_args_data);
	tcase_add_test(tc, test_session_and_user);
	tcase_add_test(tc, test_probability_seeded);
	suite_add_tcase(s, tc);
	return s;
}
