/*
 * esc.c: the enhanced mail system status code table (RFC 3463 3, used in
 * SMTP replies as RFC 2034 3 says) and the code grammar (RFC 3463 2).
 *
 * Owns one static table keyed by subject.detail: the class only says
 * success / transient / permanent, so "4.2.2" and "5.2.2" share a title.
 * Titles are the RFC 3463 3 headings, plus the codes RFC 4954 6 (AUTH)
 * and RFC 6531 4.2 (SMTPUTF8) add.  Not here: the IANA registry's later
 * additions, and whether a code suits a given command (the checker's job).
 */
#include <stddef.h>
#include <stdbool.h>

#include "fakes/base/defs.h"
#include "fakes/esc.h"

static bool	esc_parse(const char *, unsigned *, unsigned *, unsigned *,
		    const char **);
static bool	esc_parse_num(const char **, unsigned *);

static const struct esc_code {
	unsigned	 subject;
	unsigned	 detail;
	const char	*title;
} esc_codes[] = {
	/* RFC 3463 3.1 */
	{ .subject = 0, .detail = 0, .title = "Other undefined Status" },
	/* RFC 3463 3.2 */
	{ .subject = 1, .detail = 0, .title = "Other address status" },
	{ .subject = 1, .detail = 1,
	  .title = "Bad destination mailbox address" },
	{ .subject = 1, .detail = 2,
	  .title = "Bad destination system address" },
	{ .subject = 1, .detail = 3,
	  .title = "Bad destination mailbox address syntax" },
	{ .subject = 1, .detail = 4,
	  .title = "Destination mailbox address ambiguous" },
	{ .subject = 1, .detail = 5, .title = "Destination address valid" },
	{ .subject = 1, .detail = 6,
	  .title = "Destination mailbox has moved, No forwarding address" },
	{ .subject = 1, .detail = 7,
	  .title = "Bad sender's mailbox address syntax" },
	{ .subject = 1, .detail = 8, .title = "Bad sender's system address" },
	/* RFC 3463 3.3 */
	{ .subject = 2, .detail = 0,
	  .title = "Other or undefined mailbox status" },
	{ .subject = 2, .detail = 1,
	  .title = "Mailbox disabled, not accepting messages" },
	{ .subject = 2, .detail = 2, .title = "Mailbox full" },
	{ .subject = 2, .detail = 3,
	  .title = "Message length exceeds administrative limit" },
	{ .subject = 2, .detail = 4,
	  .title = "Mailing list expansion problem" },
	/* RFC 3463 3.4 */
	{ .subject = 3, .detail = 0,
	  .title = "Other or undefined mail system status" },
	{ .subject = 3, .detail = 1, .title = "Mail system full" },
	{ .subject = 3, .detail = 2,
	  .title = "System not accepting network messages" },
	{ .subject = 3, .detail = 3,
	  .title = "System not capable of selected features" },
	{ .subject = 3, .detail = 4, .title = "Message too big for system" },
	{ .subject = 3, .detail = 5,
	  .title = "System incorrectly configured" },
	/* RFC 3463 3.5 */
	{ .subject = 4, .detail = 0,
	  .title = "Other or undefined network or routing status" },
	{ .subject = 4, .detail = 1, .title = "No answer from host" },
	{ .subject = 4, .detail = 2, .title = "Bad connection" },
	{ .subject = 4, .detail = 3, .title = "Directory server failure" },
	{ .subject = 4, .detail = 4, .title = "Unable to route" },
	{ .subject = 4, .detail = 5, .title = "Mail system congestion" },
	{ .subject = 4, .detail = 6, .title = "Routing loop detected" },
	{ .subject = 4, .detail = 7, .title = "Delivery time expired" },
	/* RFC 3463 3.6 */
	{ .subject = 5, .detail = 0,
	  .title = "Other or undefined protocol status" },
	{ .subject = 5, .detail = 1, .title = "Invalid command" },
	{ .subject = 5, .detail = 2, .title = "Syntax error" },
	{ .subject = 5, .detail = 3, .title = "Too many recipients" },
	{ .subject = 5, .detail = 4, .title = "Invalid command arguments" },
	{ .subject = 5, .detail = 5, .title = "Wrong protocol version" },
	/* RFC 4954 6 */
	{ .subject = 5, .detail = 6,
	  .title = "Authentication Exchange line is too long" },
	/* RFC 3463 3.7 */
	{ .subject = 6, .detail = 0,
	  .title = "Other or undefined media error" },
	{ .subject = 6, .detail = 1, .title = "Media not supported" },
	{ .subject = 6, .detail = 2,
	  .title = "Conversion required and prohibited" },
	{ .subject = 6, .detail = 3,
	  .title = "Conversion required but not supported" },
	{ .subject = 6, .detail = 4,
	  .title = "Conversion with loss performed" },
	{ .subject = 6, .detail = 5, .title = "Conversion Failed" },
	/* RFC 6531 3.5 and 3.7.4.2, sample texts of RFC 6531 4.2 */
	{ .subject = 6, .detail = 7,
	  .title = "Non-ASCII addresses not permitted for that "
	  "sender/recipient" },
	{ .subject = 6, .detail = 8,
	  .title = "UTF-8 string reply is required, but not permitted by "
	  "the SMTP client" },
	{ .subject = 6, .detail = 9,
	  .title = "UTF-8 header message cannot be transferred to one or "
	  "more recipients, so the message must be rejected" },
	/* RFC 3463 3.8 */
	{ .subject = 7, .detail = 0,
	  .title = "Other or undefined security status" },
	{ .subject = 7, .detail = 1,
	  .title = "Delivery not authorized, message refused" },
	{ .subject = 7, .detail = 2,
	  .title = "Mailing list expansion prohibited" },
	{ .subject = 7, .detail = 3,
	  .title = "Security conversion required but not possible" },
	{ .subject = 7, .detail = 4,
	  .title = "Security features not supported" },
	{ .subject = 7, .detail = 5, .title = "Cryptographic failure" },
	{ .subject = 7, .detail = 6,
	  .title = "Cryptographic algorithm not supported" },
	{ .subject = 7, .detail = 7, .title = "Message integrity failure" },
	/* RFC 4954 6 */
	{ .subject = 7, .detail = 8,
	  .title = "Authentication credentials invalid" },
	{ .subject = 7, .detail = 9,
	  .title = "Authentication mechanism is too weak" },
	{ .subject = 7, .detail = 11,
	  .title = "Encryption required for requested authentication "
	  "mechanism" },
	{ .subject = 7, .detail = 12,
	  .title = "A password transition is needed" },
};

const char *
esc_describe(const char *code)
{
	unsigned	 class, subject, detail;
	const char	*end;
	size_t		 i;

	if (!esc_parse(code, &class, &subject, &detail, &end) || *end != '\0')
		return NULL;
	for (i = 0; i < nitems(esc_codes); i++) {
		if (esc_codes[i].subject == subject &&
		    esc_codes[i].detail == detail)
			return esc_codes[i].title;
	}
	return NULL;
}

bool
esc_valid_for(const char *s, int reply_code)
{
	unsigned	 class, subject, detail;
	const char	*end;

	if (reply_code < 200 || reply_code > 599)
		return false;
	if (!esc_parse(s, &class, &subject, &detail, &end))
		return false;
	if (*end != ' ' && *end != '\0')
		return false;
	/* RFC 2034 3: the class repeats the reply's first digit. */
	return class == (unsigned)reply_code / 100;
}

/*
 * RFC 3463 2: status-code = class "." subject "." detail, class one of
 * 2 / 4 / 5, subject and detail 1*3digit without leading zeros.  *end_r
 * points past the code; what may follow is the caller's business.
 */
static bool
esc_parse(const char *s, unsigned *class_r, unsigned *subject_r,
    unsigned *detail_r, const char **end_r)
{
	if (s[0] != '2' && s[0] != '4' && s[0] != '5')
		return false;
	*class_r = (unsigned)(s[0] - '0');
	if (s[1] != '.')
		return false;
	s += 2;
	if (!esc_parse_num(&s, subject_r) || *s != '.')
		return false;
	s++;
	if (!esc_parse_num(&s, detail_r))
		return false;
	*end_r = s;
	return true;
}

static bool
esc_parse_num(const char **sp, unsigned *v_r)
{
	const char	*s = *sp;
	unsigned	 v = 0;
	size_t		 n = 0;

	while (s[n] >= '0' && s[n] <= '9') {
		if (n == 3)
			return false;
		v = v * 10 + (unsigned)(s[n] - '0');
		n++;
	}
	if (n == 0 || (n > 1 && s[0] == '0'))
		return false;
	*v_r = v;
	*sp = s + n;
	return true;
}
