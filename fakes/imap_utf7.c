/*
 * imap_utf7.c: modified UTF-7 (RFC 3501 5.1.3) <-> UTF-8 for mailbox
 * names.
 *
 * Owns nothing.  RFC 3501 5.1.3 names one encoding per name: printable
 * ASCII other than '&' is never encoded, "&-" is '&', encoded runs are
 * modified BASE64 of UTF-16 (RFC 2152 with ',' for '/', no '=') and two
 * runs never touch.  The decoder refuses every other spelling, so a name
 * the store holds maps back to exactly the bytes a client sent.
 */
#include <stdbool.h>
#include <stdint.h>

#include "fakes/imap_utf7.h"

static int	imap_utf7_b64_value(unsigned char);
static int	imap_utf7_put_utf8(struct buf *, uint32_t);
struct imap_utf7_enc;
static int	imap_utf7_enc_unit(struct buf *, struct imap_utf7_enc *,
		    uint16_t);
static int	imap_utf7_enc_end(struct buf *, struct imap_utf7_enc *);
static int	imap_utf7_utf8_next(const unsigned char *, size_t, size_t *,
		    uint32_t *);
static int	imap_utf7_decode_run(const char *, size_t, struct buf *);

static const char imap_utf7_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
imap_utf7_b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == ',')
		return 63;
	return -1;
}

static int
imap_utf7_put_utf8(struct buf *out, uint32_t cp)
{
	char	 b[4];
	size_t	 n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_append(out, b, n);
}

/* in[0..len) is the base64 between '&' and '-', len > 0. */
static int
imap_utf7_decode_run(const char *in, size_t len, struct buf *out)
{
	uint32_t	 bits, hi_sur, cp;
	unsigned	 nbits;
	uint16_t	 u;
	size_t		 i;
	int		 v;

	bits = 0;
	nbits = 0;
	hi_sur = 0;
	for (i = 0; i < len; i++) {
		v = imap_utf7_b64_value((unsigned char)in[i]);
		if (v == -1)
			return -1;
		bits = (bits << 6) | (uint32_t)v;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		u = (uint16_t)(bits >> nbits);
		bits &= (1u << nbits) - 1;
		if (hi_sur != 0) {
			if (u < 0xdc00 || u > 0xdfff)
				return -1;
			cp = 0x10000 + ((hi_sur - 0xd800) << 10) +
			    (u - 0xdc00);
			hi_sur = 0;
		} else if (u >= 0xd800 && u <= 0xdbff) {
			hi_sur = u;
			continue;
		} else if (u >= 0xdc00 && u <= 0xdfff)
			return -1;
		else
			cp = u;
		/* Printable ASCII must stand for itself, RFC 3501 5.1.3. */
		if (cp == 0 || (cp >= 0x20 && cp <= 0x7e))
			return -1;
		if (imap_utf7_put_utf8(out, cp) == -1)
			return -1;
	}
	/* Leftover bits are padding: fewer than 6 and all zero. */
	if (hi_sur != 0 || nbits >= 6 || bits != 0)
		return -1;
	return 0;
}

int
imap_utf7_to_utf8(const char *in, size_t len, struct buf *out)
{
	size_t		 i, j;
	bool		 after_run;
	unsigned char	 c;

	after_run = false;
	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c < 0x20 || c > 0x7e)
			return -1;
		if (c != '&') {
			if (buf_appendc(out, (char)c) == -1)
				return -1;
			after_run = false;
			continue;
		}
		for (j = i + 1; j < len && in[j] != '-'; j++)
			;
		if (j == len)
			return -1;
		if (j == i + 1) {
			if (buf_appendc(out, '&') == -1)
				return -1;
			after_run = false;
		} else {
			/* Two adjacent runs would be one, RFC 3501 5.1.3. */
			if (after_run)
				return -1;
			if (imap_utf7_decode_run(in + i + 1, j - i - 1,
			    out) == -1)
				return -1;
			after_run = true;
		}
		i = j;
	}
	return 0;
}

/* Strict UTF-8 decoding of one code point at p[*i]. */
static int
imap_utf7_utf8_next(const unsigned char *p, size_t len, size_t *i,
    uint32_t *cp_r)
{
	uint32_t	 cp, min;
	size_t		 n, k;
	unsigned char	 c;

	c = p[*i];
	if (c < 0x80) {
		cp = c;
		n = 0;
		min = 0;
	} else if ((c & 0xe0) == 0xc0) {
		cp = c & 0x1f;
		n = 1;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		cp = c & 0x0f;
		n = 2;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		cp = c & 0x07;
		n = 3;
		min = 0x10000;
	} else
		return -1;
	if (len - *i <= n)
		return -1;
	for (k = 1; k <= n; k++) {
		c = p[*i + k];
		if ((c & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (c & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp == 0)
		return -1;
	*i += n + 1;
	*cp_r = cp;
	return 0;
}

/* Streaming modified BASE64 of UTF-16 units, RFC 3501 5.1.3. */
struct imap_utf7_enc {
	uint32_t	bits;
	unsigned	nbits;
	bool		in_run;
};

static int
imap_utf7_enc_unit(struct buf *out, struct imap_utf7_enc *e, uint16_t u)
{
	if (!e->in_run) {
		if (buf_appendc(out, '&') == -1)
			return -1;
		e->in_run = true;
		e->bits = 0;
		e->nbits = 0;
	}
	e->bits = (e->bits << 16) | u;
	e->nbits += 16;
	while (e->nbits >= 6) {
		e->nbits -= 6;
		if (buf_appendc(out,
		    imap_utf7_b64[(e->bits >> e->nbits) & 0x3f]) == -1)
			return -1;
	}
	e->bits &= (1u << e->nbits) - 1;
	return 0;
}

static int
imap_utf7_enc_end(struct buf *out, struct imap_utf7_enc *e)
{
	if (!e->in_run)
		return 0;
	e->in_run = false;
	if (e->nbits > 0 && buf_appendc(out,
	    imap_utf7_b64[(e->bits << (6 - e->nbits)) & 0x3f]) == -1)
		return -1;
	return buf_appendc(out, '-');
}

int
imap_utf8_to_utf7(const char *in, size_t len, struct buf *out)
{
	const unsigned char	*p = (const unsigned char *)in;
	struct imap_utf7_enc	 e = { .in_run = false };
	size_t			 i;
	uint32_t		 cp;

	i = 0;
	while (i < len) {
		if (imap_utf7_utf8_next(p, len, &i, &cp) == -1)
			return -1;
		if (cp >= 0x20 && cp <= 0x7e) {
			if (imap_utf7_enc_end(out, &e) == -1)
				return -1;
			if (cp == '&') {
				if (buf_append(out, "&-", 2) == -1)
					return -1;
			} else if (buf_appendc(out, (char)cp) == -1)
				return -1;
			continue;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			if (imap_utf7_enc_unit(out, &e,
			    (uint16_t)(0xd800 + (cp >> 10))) == -1 ||
			    imap_utf7_enc_unit(out, &e,
			    (uint16_t)(0xdc00 + (cp & 0x3ff))) == -1)
				return -1;
		} else if (imap_utf7_enc_unit(out, &e, (uint16_t)cp) == -1)
			return -1;
	}
	return imap_utf7_enc_end(out, &e);
}
