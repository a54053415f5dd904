/*
 * sasl.c: the server side of PLAIN (RFC 4616 2), LOGIN, CRAM-MD5
 * (RFC 2195 2) and XOAUTH2, written once for SMTP (RFC 4954 4), POP3
 * (RFC 5034 4) and IMAP (RFC 3501 6.2.2).
 *
 * Owns the per-exchange state (struct sasl): which response is expected
 * next, the last challenge, the CRAM-MD5 challenge text and the
 * authentication identity.  Generic rules of RFC 4422 3 live here once:
 * "*" cancels (3.5), "=" is an empty initial response (RFC 4954 4), every
 * response is strict base64 (RFC 4954 4: reject what is not in the
 * alphabet).
 *
 * Does no I/O and knows nothing of reply codes: the protocol wraps the
 * challenge ("334 " / "+ ") and maps the status to its replies.  No
 * security layers, no SASLprep: names and passwords compare as bytes.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "fakes/base/clock.h"
#include "fakes/base/defs.h"
#include "fakes/base/limits.h"
#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "fakes/sasl.h"

enum sasl_state {
	SASL_S_START,		/* no sasl_step yet */
	SASL_S_RESPONSE,	/* the one response of PLAIN/CRAM/XOAUTH2 */
	SASL_S_LOGIN_USER,	/* LOGIN: answer to "Username:" */
	SASL_S_LOGIN_PASS,	/* LOGIN: answer to "Password:" */
	SASL_S_XOAUTH2_ERROR,	/* XOAUTH2: error challenge sent */
	SASL_S_DONE,		/* a final status was returned */
	SASL_S__COUNT
};

struct sasl {
	enum sasl_mech		 mech;
	enum sasl_state		 state;
	const struct sasl_creds	*creds;		/* borrowed, outlives us */
	char			*hostname;	/* owned */
	char			*challenge;	/* owned: last base64 one */
	char			*cram;		/* owned: CRAM-MD5 text */
	char			*user;		/* owned: authcid once parsed */
	enum sasl_status	 result;	/* valid in SASL_S_DONE */
	const char		*error;		/* static reason or NULL */
};

/* A decoded client response: heap bytes, NUL-terminated, wiped on free. */
struct sasl_resp {
	char	*p;
	size_t	 len;
};

typedef enum sasl_status sasl_resp_fn(struct sasl *,
    const struct sasl_resp *);

/* mechanisms */
static enum sasl_status	sasl_rfc4616_plain(struct sasl *,
			    const struct sasl_resp *);
static enum sasl_status	sasl_login_user(struct sasl *,
			    const struct sasl_resp *);
static enum sasl_status	sasl_login_pass(struct sasl *,
			    const struct sasl_resp *);
static enum sasl_status	sasl_rfc2195_cram_md5(struct sasl *,
			    const struct sasl_resp *);
static enum sasl_status	sasl_xoauth2(struct sasl *,
			    const struct sasl_resp *);
static enum sasl_status	sasl_xoauth2_error(struct sasl *,
			    const struct sasl_resp *);
static void		sasl_cram_md5_challenge(struct sasl *);

/* helpers */
static enum sasl_status	sasl_first_challenge(struct sasl *);
static enum sasl_status	sasl_continue(struct sasl *, enum sasl_state,
			    const void *, size_t);
static enum sasl_status	sasl_finish(struct sasl *, enum sasl_status,
			    const char *);
static bool		sasl_field_ok(const char *, size_t, size_t);
static void		sasl_set_user(struct sasl *, const char *, size_t);
static bool		sasl_creds_check(struct sasl *, const char *,
			    const char *, size_t);
static bool		sasl_secret_eq(const char *, const char *, size_t);
static int		sasl_b64_value(unsigned char);
static void		sasl_resp_clear(struct sasl_resp *);

/*
 * The first challenge each mechanism sends when the client gave no
 * initial response, and whether it may give one at all (RFC 4422 3.3:
 * CRAM-MD5 is server-first).
 */
static const struct sasl_mech_def {
	const char		*name;
	bool			 client_first;
	enum sasl_state		 first;		/* expects the 1st response */
	const char		*prompt;	/* 1st challenge, if fixed */
} sasl_mechs[] = {
	[SASL_PLAIN] = { .name = "PLAIN", .client_first = true,
	    .first = SASL_S_RESPONSE, .prompt = "" },
	[SASL_LOGIN] = { .name = "LOGIN", .client_first = true,
	    .first = SASL_S_LOGIN_USER, .prompt = "Username:" },
	[SASL_CRAM_MD5] = { .name = "CRAM-MD5", .client_first = false,
	    .first = SASL_S_RESPONSE, .prompt = NULL },
	[SASL_XOAUTH2] = { .name = "XOAUTH2", .client_first = true,
	    .first = SASL_S_RESPONSE, .prompt = "" },
};
_Static_assert(nitems(sasl_mechs) == SASL__COUNT, "sasl_mechs");

#define SASL_CANCELLED		"cancelled by client"	/* RFC 4422 3.5 */
#define SASL_LOGIN_PASS_PROMPT	"Password:"
#define SASL_XOAUTH2_ERROR_JSON	"{\"status\":\"401\",\"schemes\":\"bearer\"," \
				"\"scope\":\"https://mail.google.com/\"}"
#define SASL_XOAUTH2_BEARER	"auth=Bearer "

bool
sasl_mech_from_name(const char *name, enum sasl_mech *mech_r)
{
	size_t	i;

	for (i = 0; i < nitems(sasl_mechs); i++) {
		if (str_eq_ci(name, sasl_mechs[i].name)) {
			*mech_r = (enum sasl_mech)i;
			return true;
		}
	}
	return false;
}

const char *
sasl_mech_name(enum sasl_mech mech)
{
	if ((unsigned)mech >= nitems(sasl_mechs))
		fatalx("%s: bad mechanism %d", __func__, (int)mech);
	return sasl_mechs[mech].name;
}

struct sasl *
sasl_new(enum sasl_mech mech, const struct sasl_creds *creds,
    const char *hostname)
{
	struct sasl	*s;

	if ((unsigned)mech >= nitems(sasl_mechs))
		fatalx("%s: bad mechanism %d", __func__, (int)mech);
	s = xcalloc(1, sizeof(*s));
	s->mech = mech;
	s->state = SASL_S_START;
	s->creds = creds;
	s->hostname = xstrdup(hostname != NULL ? hostname : "localhost");
	return s;
}

void
sasl_free(struct sasl *s)
{
	if (s == NULL)
		return;
	free(s->hostname);
	free(s->challenge);
	free(s->cram);
	free(s->user);
	free(s);
}

enum sasl_status
sasl_step(struct sasl *s, const char *in, const char **challenge_r)
{
	const struct sasl_mech_def	*def = &sasl_mechs[s->mech];
	struct sasl_resp		 r = { .p = NULL, .len = 0 };
	enum sasl_status		 st;
	sasl_resp_fn			*fn;

	*challenge_r = NULL;
	free(s->challenge);
	s->challenge = NULL;

	switch (s->state) {
	case SASL_S_START:
		if (in != NULL && strcmp(in, "*") == 0)
			return sasl_finish(s, SASL_CANCEL, SASL_CANCELLED);
		if (in == NULL) {
			st = sasl_first_challenge(s);
			*challenge_r = s->challenge;
			return st;
		}
		/* RFC 4954 4: 501 for an initial response to server-first. */
		if (!def->client_first)
			return sasl_finish(s, SASL_BAD,
			    "initial response to a server-first mechanism");
		s->state = def->first;
		/* RFC 4954 4: a lone "=" is a present but empty response. */
		if (strcmp(in, "=") == 0)
			in = "";
		break;
	case SASL_S_XOAUTH2_ERROR:
		/*
		 * The outcome is already decided; even "*" only acknowledges
		 * the error challenge, so it is reported as the failure.
		 */
		return sasl_xoauth2_error(s, &r);
	case SASL_S_RESPONSE:
	case SASL_S_LOGIN_USER:
	case SASL_S_LOGIN_PASS:
		if (in == NULL)
			fatalx("%s: NULL response after the first step",
			    __func__);
		if (strcmp(in, "*") == 0)
			return sasl_finish(s, SASL_CANCEL, SASL_CANCELLED);
		break;
	case SASL_S_DONE:
		fatalx("%s: exchange already finished", __func__);
	default:
		fatalx("%s: bad state %d", __func__, (int)s->state);
	}

	r.p = sasl_b64_decode(in, strlen(in), &r.len);
	if (r.p == NULL)
		return sasl_finish(s, SASL_BAD, "response is not base64");

	switch (s->state) {
	case SASL_S_RESPONSE:
		switch (s->mech) {
		case SASL_PLAIN:
			fn = sasl_rfc4616_plain;
			break;
		case SASL_CRAM_MD5:
			fn = sasl_rfc2195_cram_md5;
			break;
		case SASL_XOAUTH2:
			fn = sasl_xoauth2;
			break;
		case SASL_LOGIN:
		default:
			fatalx("%s: bad mechanism %d in RESPONSE", __func__,
			    (int)s->mech);
		}
		break;
	case SASL_S_LOGIN_USER:
		fn = sasl_login_user;
		break;
	case SASL_S_LOGIN_PASS:
		fn = sasl_login_pass;
		break;
	default:
		fatalx("%s: bad state %d", __func__, (int)s->state);
	}
	st = fn(s, &r);
	sasl_resp_clear(&r);
	if (st == SASL_CONTINUE)
		*challenge_r = s->challenge;
	return st;
}

const char *
sasl_user(const struct sasl *s)
{
	if (s->state != SASL_S_DONE ||
	    (s->result != SASL_OK && s->result != SASL_FAIL))
		return NULL;
	return s->user;
}

const char *
sasl_error(const struct sasl *s)
{
	return s->error;
}

/*
 * RFC 4616 2: message = [authzid] UTF8NUL authcid UTF8NUL passwd, with
 * authcid and passwd non-empty.  Acting for another identity is not
 * something a fake can grant, so only an authzid equal to the authcid
 * (or none) is accepted (RFC 4616 2, last paragraph).
 */
static enum sasl_status
sasl_rfc4616_plain(struct sasl *s, const struct sasl_resp *r)
{
	const char	*authzid, *authcid, *passwd, *nul1, *nul2, *end;
	size_t		 zlen, clen, plen;

	end = r->p + r->len;
	nul1 = memchr(r->p, '\0', r->len);
	if (nul1 == NULL)
		return sasl_finish(s, SASL_BAD, "PLAIN: no NUL separator");
	nul2 = memchr(nul1 + 1, '\0', (size_t)(end - nul1 - 1));
	if (nul2 == NULL)
		return sasl_finish(s, SASL_BAD, "PLAIN: one NUL, need two");
	if (memchr(nul2 + 1, '\0', (size_t)(end - nul2 - 1)) != NULL)
		return sasl_finish(s, SASL_BAD, "PLAIN: over three fields");
	authzid = r->p;
	zlen = (size_t)(nul1 - authzid);
	authcid = nul1 + 1;
	clen = (size_t)(nul2 - authcid);
	passwd = nul2 + 1;
	plen = (size_t)(end - passwd);

	if (zlen > SASL_USER_MAX)
		return sasl_finish(s, SASL_BAD, "PLAIN: authzid too long");
	if (!sasl_field_ok(authcid, clen, SASL_USER_MAX))
		return sasl_finish(s, SASL_BAD,
		    "PLAIN: authcid empty or too long");
	if (!sasl_field_ok(passwd, plen, SASL_PASS_MAX))
		return sasl_finish(s, SASL_BAD,
		    "PLAIN: password empty or too long");
	sasl_set_user(s, authcid, clen);
	if (zlen != 0 && (zlen != clen || memcmp(authzid, authcid, clen) != 0))
		return sasl_finish(s, SASL_FAIL,
		    "PLAIN: authzid differs from authcid");
	if (!sasl_creds_check(s, s->user, passwd, plen))
		return sasl_finish(s, SASL_FAIL, s->error);
	return sasl_finish(s, SASL_OK, NULL);
}

/*
 * LOGIN (draft-murchison-sasl-login): the user name answers
 * "Username:", or is the initial response, which skips that prompt.
 */
static enum sasl_status
sasl_login_user(struct sasl *s, const struct sasl_resp *r)
{
	if (!sasl_field_ok(r->p, r->len, SASL_USER_MAX))
		return sasl_finish(s, SASL_BAD,
		    "LOGIN: user name empty, too long or with NUL");
	sasl_set_user(s, r->p, r->len);
	return sasl_continue(s, SASL_S_LOGIN_PASS, SASL_LOGIN_PASS_PROMPT,
	    strlen(SASL_LOGIN_PASS_PROMPT));
}

/* An empty password is refused as malformed, as PLAIN's 1*SAFE does. */
static enum sasl_status
sasl_login_pass(struct sasl *s, const struct sasl_resp *r)
{
	if (!sasl_field_ok(r->p, r->len, SASL_PASS_MAX))
		return sasl_finish(s, SASL_BAD,
		    "LOGIN: password empty, too long or with NUL");
	if (!sasl_creds_check(s, s->user, r->p, r->len))
		return sasl_finish(s, SASL_FAIL, s->error);
	return sasl_finish(s, SASL_OK, NULL);
}

/*
 * RFC 2195 2: the challenge is a msg-id, "<random.timestamp@hostname>";
 * the random part keeps two challenges in the same second apart.
 */
static void
sasl_cram_md5_challenge(struct sasl *s)
{
	uint64_t	rnd;

	if (RAND_bytes((unsigned char *)&rnd, sizeof(rnd)) != 1)
		fatalx("%s: RAND_bytes failed", __func__);
	free(s->cram);
	s->cram = xasprintf("<%llu.%lld@%s>", (unsigned long long)rnd,
	    (long long)(clock_wall_ms() / 1000), s->hostname);
}

/*
 * RFC 2195 2: response = user SP digest, the digest being 32 lowercase
 * hex digits.  The user name may itself hold spaces, so the digest is
 * what follows the last one.  Upper-case hex is tolerated (liberal
 * server); the conformance checker is where case is judged.
 */
static enum sasl_status
sasl_rfc2195_cram_md5(struct sasl *s, const struct sasl_resp *r)
{
	const char	*sp, *password;
	char		 got[33], want[33];
	size_t		 ulen, i;

	if (memchr(r->p, '\0', r->len) != NULL)
		return sasl_finish(s, SASL_BAD, "CRAM-MD5: NUL in response");
	sp = strrchr(r->p, ' ');
	if (sp == NULL)
		return sasl_finish(s, SASL_BAD, "CRAM-MD5: no space");
	ulen = (size_t)(sp - r->p);
	if (strlen(sp + 1) != 32)
		return sasl_finish(s, SASL_BAD, "CRAM-MD5: digest not 32 hex");
	for (i = 0; i < 32; i++) {
		got[i] = sp[1 + i];
		if (got[i] >= 'A' && got[i] <= 'F')
			got[i] = (char)(got[i] - 'A' + 'a');
		if (!((got[i] >= '0' && got[i] <= '9') ||
		    (got[i] >= 'a' && got[i] <= 'f')))
			return sasl_finish(s, SASL_BAD,
			    "CRAM-MD5: digest not 32 hex");
	}
	got[32] = '\0';
	if (!sasl_field_ok(r->p, ulen, SASL_USER_MAX))
		return sasl_finish(s, SASL_BAD,
		    "CRAM-MD5: user name empty or too long");
	sasl_set_user(s, r->p, ulen);

	if (s->creds->accept_any)
		return sasl_finish(s, SASL_OK, NULL);
	password = NULL;
	if (s->creds->lookup != NULL)
		password = s->creds->lookup(s->creds->arg, s->user);
	if (password == NULL)
		return sasl_finish(s, SASL_FAIL, "unknown user");
	if (password == sasl_any_password)
		return sasl_finish(s, SASL_OK, NULL);
	if (!sasl_cram_md5_digest(password, s->cram, want))
		fatalx("%s: HMAC-MD5 unavailable", __func__);
	if (CRYPTO_memcmp(got, want, 32) != 0)
		return sasl_finish(s, SASL_FAIL, "wrong digest");
	return sasl_finish(s, SASL_OK, NULL);
}

bool
sasl_cram_md5_digest(const char *password, const char *challenge,
    char out[33])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 mac[EVP_MAX_MD_SIZE];
	size_t			 maclen = 0, i;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "MD5", NULL, password,
	    strlen(password), (const unsigned char *)challenge,
	    strlen(challenge), mac, sizeof(mac), &maclen) == NULL ||
	    maclen != 16)
		return false;
	for (i = 0; i < 16; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 0x0f];
	}
	out[32] = '\0';
	OPENSSL_cleanse(mac, sizeof(mac));
	return true;
}

/*
 * XOAUTH2: "user=" U ^A "auth=Bearer " TOKEN ^A ^A, exactly these two
 * fields in this order, as Google documents the mechanism.  The scheme
 * name is case-insensitive (RFC 6750 and RFC 7235 2.1).
 */
static enum sasl_status
sasl_xoauth2(struct sasl *s, const struct sasl_resp *r)
{
	const char	*u, *sep, *auth, *tok;
	size_t		 blen, ulen, alen, tlen, plen;

	if (memchr(r->p, '\0', r->len) != NULL)
		return sasl_finish(s, SASL_BAD, "XOAUTH2: NUL in response");
	if (r->len < 2 || r->p[r->len - 1] != '\x01' ||
	    r->p[r->len - 2] != '\x01')
		return sasl_finish(s, SASL_BAD, "XOAUTH2: no final ^A^A");
	blen = r->len - 2;
	sep = memchr(r->p, '\x01', blen);
	if (sep == NULL)
		return sasl_finish(s, SASL_BAD, "XOAUTH2: need two fields");
	auth = sep + 1;
	alen = (size_t)(r->p + blen - auth);
	if (memchr(auth, '\x01', alen) != NULL)
		return sasl_finish(s, SASL_BAD, "XOAUTH2: over two fields");
	if (strncmp(r->p, "user=", 5) != 0)
		return sasl_finish(s, SASL_BAD, "XOAUTH2: no user= field");
	u = r->p + 5;
	ulen = (size_t)(sep - u);
	plen = strlen(SASL_XOAUTH2_BEARER);
	if (alen < plen || strncmp(auth, "auth=", 5) != 0 ||
	    strncasecmp(auth + 5, &SASL_XOAUTH2_BEARER[5], plen - 5) != 0)
		return sasl_finish(s, SASL_BAD,
		    "XOAUTH2: second field not auth=Bearer");
	tok = auth + plen;
	tlen = alen - plen;
	if (!sasl_field_ok(u, ulen, SASL_USER_MAX))
		return sasl_finish(s, SASL_BAD,
		    "XOAUTH2: user empty or too long");
	if (!sasl_field_ok(tok, tlen, SASL_PASS_MAX))
		return sasl_finish(s, SASL_BAD,
		    "XOAUTH2: token empty or too long");
	sasl_set_user(s, u, ulen);
	if (sasl_creds_check(s, s->user, tok, tlen))
		return sasl_finish(s, SASL_OK, NULL);
	/*
	 * As Google's server does: a bad token earns a JSON error challenge
	 * first, and the failure reply comes only after the client has
	 * answered it (normally with an empty line).
	 */
	return sasl_continue(s, SASL_S_XOAUTH2_ERROR, SASL_XOAUTH2_ERROR_JSON,
	    strlen(SASL_XOAUTH2_ERROR_JSON));
}

static enum sasl_status
sasl_xoauth2_error(struct sasl *s, const struct sasl_resp *r)
{
	return sasl_finish(s, SASL_FAIL, s->error);
}

/* No initial response: RFC 4422 3.3, the server sends the first one. */
static enum sasl_status
sasl_first_challenge(struct sasl *s)
{
	const struct sasl_mech_def	*def = &sasl_mechs[s->mech];

	if (s->mech == SASL_CRAM_MD5) {
		sasl_cram_md5_challenge(s);
		return sasl_continue(s, def->first, s->cram, strlen(s->cram));
	}
	return sasl_continue(s, def->first, def->prompt, strlen(def->prompt));
}

static enum sasl_status
sasl_continue(struct sasl *s, enum sasl_state next, const void *text,
    size_t len)
{
	free(s->challenge);
	s->challenge = sasl_b64_encode(text, len);
	s->state = next;
	return SASL_CONTINUE;
}

static enum sasl_status
sasl_finish(struct sasl *s, enum sasl_status st, const char *why)
{
	s->state = SASL_S_DONE;
	s->result = st;
	s->error = why;
	return st;
}

/* Non-empty, at most max bytes, no NUL: the shape of every name field. */
static bool
sasl_field_ok(const char *p, size_t len, size_t max)
{
	return len > 0 && len <= max && memchr(p, '\0', len) == NULL;
}

static void
sasl_set_user(struct sasl *s, const char *p, size_t len)
{
	free(s->user);
	s->user = xstrndup(p, len);
}

/*
 * Sets s->error to the reason when false.  Passwords are secrets even in
 * a fake, so the comparison does not leak where they differ.
 */
static bool
sasl_creds_check(struct sasl *s, const char *user, const char *pass,
    size_t len)
{
	const char	*want = NULL;

	if (s->creds->accept_any)
		return true;
	if (s->creds->lookup != NULL)
		want = s->creds->lookup(s->creds->arg, user);
	if (want == NULL) {
		s->error = "unknown user";
		return false;
	}
	if (want == sasl_any_password)
		return true;
	if (!sasl_secret_eq(want, pass, len)) {
		s->error = "wrong password";
		return false;
	}
	return true;
}

static bool
sasl_secret_eq(const char *want, const char *got, size_t len)
{
	return strlen(want) == len && CRYPTO_memcmp(want, got, len) == 0;
}

static void
sasl_resp_clear(struct sasl_resp *r)
{
	if (r->p != NULL) {
		OPENSSL_cleanse(r->p, r->len);
		free(r->p);
	}
	r->p = NULL;
	r->len = 0;
}

static int
sasl_b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Hand-written rather than EVP_DecodeBlock, which skips leading white
 * space and reports padded lengths: RFC 4954 4 wants every character
 * outside the alphabet and every misplaced "=" rejected.  Non-zero pad
 * bits are refused too (RFC 4648 3.5 allows it), so that only one
 * encoding of each response is accepted.
 */
char *
sasl_b64_decode(const char *in, size_t len, size_t *len_r)
{
	unsigned char	*out;
	size_t		 i, j, n = 0, pad = 0;
	uint32_t	 acc = 0;
	int		 v;

	if (len % 4 != 0)
		return NULL;
	if (len > 0 && in[len - 1] == '=')
		pad++;
	if (len > 1 && in[len - 2] == '=')
		pad++;
	out = xmalloc(len / 4 * 3 + 1);
	for (i = 0; i < len; i += 4) {
		acc = 0;
		for (j = 0; j < 4; j++) {
			if (i + 4 == len && j >= 4 - pad)
				v = 0;
			else
				v = sasl_b64_value((unsigned char)in[i + j]);
			if (v < 0)
				goto fail;
			acc = acc << 6 | (uint32_t)v;
		}
		out[n++] = (unsigned char)(acc >> 16);
		if (i + 4 < len || pad < 2)
			out[n++] = (unsigned char)(acc >> 8);
		if (i + 4 < len || pad < 1)
			out[n++] = (unsigned char)acc;
	}
	if ((pad == 1 && (acc & 0xff) != 0) ||
	    (pad == 2 && (acc & 0xffff) != 0))
		goto fail;
	out[n] = '\0';
	if (len_r != NULL)
		*len_r = n;
	return (char *)out;
fail:
	free(out);
	return NULL;
}

char *
sasl_b64_encode(const void *p, size_t len)
{
	unsigned char	*out;
	size_t		 olen;

	if (len > (size_t)INT_MAX / 4 * 3 - 3)
		fatalx("%s: %zu bytes is too long", __func__, len);
	olen = (len + 2) / 3 * 4;
	out = xmalloc(olen + 1);
	out[0] = '\0';
	if (len > 0 && (size_t)EVP_EncodeBlock(out, p, (int)len) != olen)
		fatalx("%s: EVP_EncodeBlock length", __func__);
	out[olen] = '\0';
	return (char *)out;
}

const char sasl_any_password[] = "";

bool
sasl_creds_verify(const struct sasl_creds *creds, const char *user,
    const char *pass)
{
	const char	*want = NULL;

	if (creds->accept_any)
		return true;
	if (creds->lookup != NULL)
		want = creds->lookup(creds->arg, user);
	if (want == NULL)
		return false;
	if (want == sasl_any_password)
		return true;
	return sasl_secret_eq(want, pass, strlen(pass));
}
