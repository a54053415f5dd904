/*
 * imap_utf7.h: modified UTF-7 mailbox names (RFC 3501 5.1.3) to and
 * from UTF-8.
 *
 * Printable US-ASCII except '&' stands for itself, "&-" is '&', and any
 * other run of characters is "&" + modified BASE64 (',' for '/', no
 * padding) of the UTF-16BE code units + "-".  Decoding is strict: only
 * the one canonical encoding of a name is accepted (no encoded printable
 * ASCII, no empty "&-" run other than '&' itself, no two adjacent
 * encoded runs, zero padding bits, paired surrogates), so a name has one
 * spelling on the wire and in the store.  Pure functions, no state.
 */
#ifndef MAILRIG_IMAP_UTF7_H
#define MAILRIG_IMAP_UTF7_H

#include <stddef.h>

#include "fakes/base/buf.h"
#include "fakes/base/defs.h"

/*
 * Append the UTF-8 form of the mUTF-7 name in[0..len) to out.  0 on
 * success; -1 if the input is not canonical modified UTF-7 (or out's
 * maximum would be passed); out then holds an unspecified prefix, so
 * reset it before reuse.
 */
int	imap_utf7_to_utf8(const char *in, size_t len, struct buf *out)
	    ATTR_WUR;

/*
 * Append the mUTF-7 form of the UTF-8 name in[0..len) to out.  0 on
 * success; -1 if the input is not valid UTF-8 (overlong forms,
 * surrogates, code points above U+10FFFF, NUL) or out's maximum would
 * be passed; out then holds an unspecified prefix.
 */
int	imap_utf8_to_utf7(const char *in, size_t len, struct buf *out)
	    ATTR_WUR;

#endif
