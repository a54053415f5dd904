/*
 * imap_parser.c: the resumable IMAP command parser (RFC 3501 9, literals
 * of RFC 3501 4.3 and RFC 7888).  Owns the arguments of the command in
 * progress: every string, literal and list array it hands out is in its
 * `owned' list until imap_parser_reset().
 *
 * One byte at a time through a small state machine, so a command can be
 * cut anywhere (Dovecot's imap-parser is the model).  Liberal where it is
 * harmless (extra spaces between arguments, a bare LF, 8-bit bytes in
 * quoted strings), strict where the syntax carries meaning: tag
 * characters, quoted-string escapes, literal headers, balanced lists.  A
 * fetch attribute's [section]<partial> stays inside its atom, spaces and
 * parentheses included (imap_arg.h).
 */
#include <stdlib.h>
#include <string.h>

#include "fakes/base/buf.h"
#include "fakes/base/limits.h"
#include "fakes/base/log.h"
#include "fakes/base/str.h"
#include "fakes/base/xalloc.h"
#include "fakes/imap_parser.h"

enum imap_parser_state {
	IMAP_PS_TAG,		/* reading the tag */
	IMAP_PS_ARG,		/* between arguments */
	IMAP_PS_ATOM,		/* inside an atom */
	IMAP_PS_QUOTED,		/* inside "..." */
	IMAP_PS_QUOTED_ESC,	/* after a backslash in "..." */
	IMAP_PS_LIT_SIZE,	/* after '{' */
	IMAP_PS_LIT_CLOSE,	/* after '+', expecting '}' */
	IMAP_PS_LIT_EOL,	/* after '}', expecting CRLF */
	IMAP_PS_LITERAL,	/* reading literal bytes */
	IMAP_PS_CR,		/* CR seen, LF must follow */
	IMAP_PS_DONE,		/* command complete */
	IMAP_PS_ERROR,		/* stopped until reset */
	IMAP_PS__COUNT
};

/* One open list (level 0 is the command itself). */
struct imap_parser_level {
	struct imap_arg	*args;		/* owned until the list closes */
	size_t		 n;
	size_t		 cap;
};

struct imap_parser {
	/* permanent */
	struct imap_parser_limits lim;
	struct imap_parser_limits next_lim;	/* set_limits, at reset */

	/* reset by imap_parser_reset() */
	enum imap_parser_state	 st;
	enum imap_parse_err	 err;
	const char		*errmsg;	/* static */
	char			 tag[IMAP_TAG_MAX + 1];
	size_t			 taglen;
	bool			 tagdone;
	struct buf		 tok;		/* atom or quoted text */
	unsigned		 brackets;	/* atom: open '[' */
	bool			 partial;	/* atom: inside <...> */
	bool			 need_sep;	/* after a string or literal */
	struct imap_parser_level *levels;	/* owned; depth + 1 used */
	size_t			 depth;
	size_t			 levels_cap;
	void			**owned;	/* owned allocations */
	size_t			 nowned;
	size_t			 owned_cap;
	size_t			 line_bytes;	/* besides literals and CRLF */
	size_t			 nargs;
	uint64_t		 lit_size;
	uint64_t		 lit_left;
	bool			 lit_sync;
	bool			 lit_cr;	/* CR after the header */
	struct buf		 lit;		/* the literal being read */
};

/* the state machine */
static int	imap_parser_byte(struct imap_parser *, unsigned char);
static int	imap_parser_tag_byte(struct imap_parser *, unsigned char);
static int	imap_parser_arg_byte(struct imap_parser *, unsigned char);
static int	imap_parser_atom_byte(struct imap_parser *, unsigned char);
static int	imap_parser_quoted_byte(struct imap_parser *, unsigned char);
static int	imap_parser_lit_byte(struct imap_parser *, unsigned char);
static int	imap_parser_eol(struct imap_parser *);
static int	imap_parser_lit_start(struct imap_parser *);
static size_t	imap_parser_lit_data(struct imap_parser *, const char *,
		    size_t);
static int	imap_parser_fail(struct imap_parser *, enum imap_parse_err,
		    const char *);

/* building arguments */
static void	*imap_parser_own(struct imap_parser *, void *);
static int	imap_parser_push(struct imap_parser *, enum imap_arg_type,
		    const char *, size_t);
static int	imap_parser_push_tok(struct imap_parser *,
		    enum imap_arg_type);
static int	imap_parser_open(struct imap_parser *);
static int	imap_parser_close(struct imap_parser *);
static void	imap_parser_free_args(struct imap_parser *);

static bool	imap_parser_atom_char(unsigned char);
static bool	imap_parser_atom_more(unsigned char);

struct imap_parser *
imap_parser_new(const struct imap_parser_limits *lim)
{
	struct imap_parser	*p;

	p = xcalloc(1, sizeof(*p));
	p->lim = *lim;
	p->next_lim = *lim;
	p->levels_cap = 4;
	p->levels = xcalloc(p->levels_cap, sizeof(*p->levels));
	buf_init(&p->tok, lim->line_max);
	buf_init(&p->lit, 0);
	imap_parser_reset(p);
	return p;
}

void
imap_parser_free(struct imap_parser *p)
{
	if (p == NULL)
		return;
	imap_parser_free_args(p);
	free(p->levels);
	free(p->owned);
	buf_fini(&p->tok);
	buf_fini(&p->lit);
	free(p);
}

void
imap_parser_set_limits(struct imap_parser *p,
    const struct imap_parser_limits *lim)
{
	p->next_lim = *lim;
}

static void
imap_parser_free_args(struct imap_parser *p)
{
	size_t	i;

	for (i = 0; i < p->nowned; i++)
		free(p->owned[i]);
	p->nowned = 0;
	for (i = 0; i <= p->depth && i < p->levels_cap; i++) {
		free(p->levels[i].args);
		p->levels[i] = (struct imap_parser_level){ 0 };
	}
	p->depth = 0;
}

void
imap_parser_reset(struct imap_parser *p)
{
	imap_parser_free_args(p);
	p->lim = p->next_lim;
	p->st = IMAP_PS_TAG;
	p->err = IMAP_PERR_NONE;
	p->errmsg = NULL;
	p->tag[0] = '\0';
	p->taglen = 0;
	p->tagdone = false;
	buf_fini(&p->tok);
	buf_init(&p->tok, p->lim.line_max);
	p->brackets = 0;
	p->partial = false;
	p->need_sep = false;
	p->line_bytes = 0;
	p->nargs = 0;
	p->lit_size = 0;
	p->lit_left = 0;
	p->lit_sync = false;
	p->lit_cr = false;
	buf_fini(&p->lit);
}

/* --- feeding --- */

int
imap_parser_feed(struct imap_parser *p, const char *in, size_t len,
    size_t *used_r)
{
	size_t	i = 0;
	int	r;

	*used_r = 0;
	if (p->st == IMAP_PS_ERROR)
		return IMAP_PARSE_ERROR;
	if (p->st == IMAP_PS_DONE)
		fatalx("%s: fed after the command was complete", __func__);
	while (i < len) {
		if (p->st == IMAP_PS_LITERAL) {
			i += imap_parser_lit_data(p, in + i, len - i);
			continue;
		}
		r = imap_parser_byte(p, (unsigned char)in[i++]);
		if (r != IMAP_PARSE_MORE) {
			*used_r = i;
			return r;
		}
	}
	*used_r = i;
	return IMAP_PARSE_MORE;
}

static int
imap_parser_byte(struct imap_parser *p, unsigned char ch)
{
	if (ch != '\r' && ch != '\n' && ++p->line_bytes > p->lim.line_max)
		return imap_parser_fail(p, IMAP_PERR_LINE,
		    "Command line too long");
	switch (p->st) {
	case IMAP_PS_TAG:
		return imap_parser_tag_byte(p, ch);
	case IMAP_PS_ARG:
		return imap_parser_arg_byte(p, ch);
	case IMAP_PS_ATOM:
		return imap_parser_atom_byte(p, ch);
	case IMAP_PS_QUOTED:
	case IMAP_PS_QUOTED_ESC:
		return imap_parser_quoted_byte(p, ch);
	case IMAP_PS_LIT_SIZE:
	case IMAP_PS_LIT_CLOSE:
	case IMAP_PS_LIT_EOL:
		return imap_parser_lit_byte(p, ch);
	case IMAP_PS_CR:
		if (ch != '\n')
			return imap_parser_fail(p, IMAP_PERR_SYNTAX,
			    "CR without LF");
		return imap_parser_eol(p);
	case IMAP_PS_LITERAL:
	case IMAP_PS_DONE:
	case IMAP_PS_ERROR:
		fatalx("%s: byte in state %d", __func__, (int)p->st);
	default:
		fatalx("%s: bad state %d", __func__, (int)p->st);
	}
}

static int
imap_parser_fail(struct imap_parser *p, enum imap_parse_err err,
    const char *msg)
{
	p->st = IMAP_PS_ERROR;
	p->err = err;
	p->errmsg = msg;
	return IMAP_PARSE_ERROR;
}

/* RFC 3501 9: tag = 1*<any ASTRING-CHAR except "+"> */
static int
imap_parser_tag_byte(struct imap_parser *p, unsigned char ch)
{
	if (ch == ' ' || ch == '\r' || ch == '\n') {
		if (p->taglen == 0)
			return imap_parser_fail(p, IMAP_PERR_TAG,
			    ch == ' ' ? "Missing tag" : "Empty command line");
		p->tagdone = true;
		p->st = IMAP_PS_ARG;
		return ch == ' ' ? IMAP_PARSE_MORE :
		    imap_parser_arg_byte(p, ch);
	}
	if ((!imap_parser_atom_char(ch) && ch != ']') || ch == '+')
		return imap_parser_fail(p, IMAP_PERR_TAG, "Invalid tag");
	if (p->taglen >= IMAP_TAG_MAX)
		return imap_parser_fail(p, IMAP_PERR_TAG, "Tag too long");
	p->tag[p->taglen++] = (char)ch;
	p->tag[p->taglen] = '\0';
	return IMAP_PARSE_MORE;
}

static int
imap_parser_arg_byte(struct imap_parser *p, unsigned char ch)
{
	if (p->need_sep && ch != ' ' && ch != ')' && ch != '\r' && ch != '\n')
		return imap_parser_fail(p, IMAP_PERR_SYNTAX,
		    "Missing space after string");
	p->need_sep = false;
	switch (ch) {
	case ' ':
		return IMAP_PARSE_MORE;
	case '\r':
		p->st = IMAP_PS_CR;
		return IMAP_PARSE_MORE;
	case '\n':
		return imap_parser_eol(p);
	case '(':
		return imap_parser_open(p);
	case ')':
		return imap_parser_close(p);
	case '"':
		buf_reset(&p->tok);
		p->st = IMAP_PS_QUOTED;
		return IMAP_PARSE_MORE;
	case '{':
		buf_reset(&p->tok);
		p->st = IMAP_PS_LIT_SIZE;
		return IMAP_PARSE_MORE;
	default:
		break;
	}
	if (!imap_parser_atom_more(ch))
		return imap_parser_fail(p, IMAP_PERR_SYNTAX,
		    "Invalid character in atom");
	buf_reset(&p->tok);
	p->brackets = 0;
	p->partial = false;
	p->st = IMAP_PS_ATOM;
	return imap_parser_atom_byte(p, ch);
}

/*
 * An atom ends at a space, a parenthesis or the end of the line, except
 * inside [section] and <partial>, which belong to the atom (imap_arg.h).
 */
static int
imap_parser_atom_byte(struct imap_parser *p, unsigned char ch)
{
	int	r;

	if (p->brackets > 0) {
		if (ch == '\r' || ch == '\n' || ch == '\0')
			return imap_parser_fail(p, IMAP_PERR_SYNTAX,
			    "Unterminated [");
		if (ch == '[')
			p->brackets++;
		else if (ch == ']')
			p->brackets--;
	} else if (p->partial) {
		if (ch == '>')
			p->partial = false;
		else if ((ch < '0' || ch > '9') && ch != '.')
			return imap_parser_fail(p, IMAP_PERR_SYNTAX,
			    "Invalid partial range");
	} else if (ch == ' ' || ch == '(' || ch == ')' || ch == '\r' ||
	    ch == '\n') {
		r = imap_parser_push_tok(p, IMAP_ARG_ATOM);
		if (r != IMAP_PARSE_MORE)
			return r;
		p->st = IMAP_PS_ARG;
		return imap_parser_arg_byte(p, ch);
	} else if (ch == '[') {
		p->brackets++;
	} else if (ch == '<' && p->tok.len > 0 &&
	    p->tok.p[p->tok.len - 1] == ']') {
		p->partial = true;
	} else if (!imap_parser_atom_more(ch)) {
		return imap_parser_fail(p, IMAP_PERR_SYNTAX,
		    "Invalid character in atom");
	}
	if (buf_appendc(&p->tok, (char)ch) == -1)
		return imap_parser_fail(p, IMAP_PERR_LINE,
		    "Command line too long");
	return IMAP_PARSE_MORE;
}

/* RFC 3501 9: quoted = DQUOTE *QUOTED-CHAR DQUOTE; only \" and \\. */
static int
imap_parser_quoted_byte(struct imap_parser *p, unsigned char ch)
{
	int	r;

	if (ch == '\r' || ch == '\n' || ch == '\0')
		return imap_parser_fail(p, IMAP_PERR_SYNTAX,
		    "Unterminated quoted string");
	if (p->st == IMAP_PS_QUOTED_ESC) {
		if (ch != '"' && ch != '\\')
			return imap_parser_fail(p, IMAP_PERR_SYNTAX,
			    "Invalid escape in quoted string");
		p->st = IMAP_PS_QUOTED;
	} else if (ch == '\\') {
		p->st = IMAP_PS_QUOTED_ESC;
		return IMAP_PARSE_MORE;
	} else if (ch == '"') {
		r = imap_parser_push_tok(p, IMAP_ARG_STRING);
		if (r != IMAP_PARSE_MORE)
			return r;
		p->st = IMAP_PS_ARG;
		p->need_sep = true;
		return IMAP_PARSE_MORE;
	}
	if (buf_appendc(&p->tok, (char)ch) == -1)
		return imap_parser_fail(p, IMAP_PERR_LINE,
		    "Command line too long");
	return IMAP_PARSE_MORE;
}

/* RFC 3501 9 literal = "{" number "}" CRLF; RFC 7888 adds "+". */
static int
imap_parser_lit_byte(struct imap_parser *p, unsigned char ch)
{
	uint64_t	n;

	switch (p->st) {
	case IMAP_PS_LIT_SIZE:
		if (ch >= '0' && ch <= '9' && p->tok.len < 20) {
			if (buf_appendc(&p->tok, (char)ch) == -1)
				return imap_parser_fail(p, IMAP_PERR_LINE,
				    "Command line too long");
			return IMAP_PARSE_MORE;
		}
		if (ch != '+' && ch != '}')
			break;
		/* RFC 3501 9: number is a 32-bit unsigned value. */
		if (!str_to_u64(p->tok.p, p->tok.len, UINT32_MAX, &n))
			break;
		p->lit_size = n;
		p->lit_sync = ch == '}';
		p->st = ch == '+' ? IMAP_PS_LIT_CLOSE : IMAP_PS_LIT_EOL;
		return IMAP_PARSE_MORE;
	case IMAP_PS_LIT_CLOSE:
		if (ch != '}')
			break;
		p->st = IMAP_PS_LIT_EOL;
		return IMAP_PARSE_MORE;
	case IMAP_PS_LIT_EOL:
		if (ch == '\r' && !p->lit_cr) {
			p->lit_cr = true;
			return IMAP_PARSE_MORE;
		}
		if (ch != '\n')
			return imap_parser_fail(p, IMAP_PERR_SYNTAX,
			    "Literal must end the line");
		p->lit_cr = false;
		return imap_parser_lit_start(p);
	default:
		fatalx("%s: bad state %d", __func__, (int)p->st);
	}
	return imap_parser_fail(p, IMAP_PERR_SYNTAX, "Invalid literal size");
}

/*
 * The header is complete.  RFC 7888 4: a non-synchronizing literal over
 * the limit cannot be refused without losing sync, so the session must
 * end; a synchronizing one is refused instead of "+" (RFC 7888 4 / RFC
 * 5530 TOOBIG).
 */
static int
imap_parser_lit_start(struct imap_parser *p)
{
	if (!p->lit_sync && p->lit_size > p->lim.nonsync_max)
		return imap_parser_fail(p, IMAP_PERR_FATAL,
		    "Non-synchronizing literal too big");
	if (p->lit_size > p->lim.literal_max)
		return imap_parser_fail(p, p->lit_sync ? IMAP_PERR_TOOBIG :
		    IMAP_PERR_FATAL, "Literal too big");
	if (p->nargs + 1 > p->lim.args_max)
		return imap_parser_fail(p, IMAP_PERR_ARGS,
		    "Too many arguments");
	buf_fini(&p->lit);
	buf_init(&p->lit, (size_t)p->lit_size);
	/* One allocation of the announced size, so nothing is copied
	   twice (pages of a lying literal are never touched). */
	if (buf_reserve(&p->lit, (size_t)p->lit_size) == -1)
		fatalx("%s: literal over its own size", __func__);
	p->lit_left = p->lit_size;
	p->st = IMAP_PS_LITERAL;
	if (p->lit_left == 0)
		(void)imap_parser_lit_data(p, "", 0);
	return IMAP_PARSE_LITERAL;
}

static size_t
imap_parser_lit_data(struct imap_parser *p, const char *in, size_t len)
{
	size_t	 n = len;
	char	*data;
	size_t	 dlen;

	if (n > p->lit_left)
		n = (size_t)p->lit_left;
	if (buf_append(&p->lit, in, n) == -1)
		fatalx("%s: literal over its own size", __func__);
	p->lit_left -= n;
	if (p->lit_left > 0)
		return n;
	data = buf_steal(&p->lit, &dlen);
	if (data == NULL)
		data = xstrdup("");
	imap_parser_own(p, data);
	if (imap_parser_push(p, IMAP_ARG_LITERAL, data, dlen) !=
	    IMAP_PARSE_MORE)
		fatalx("%s: argument counted twice", __func__);
	p->st = IMAP_PS_ARG;
	p->need_sep = true;
	return n;
}

static int
imap_parser_eol(struct imap_parser *p)
{
	if (p->depth > 0)
		return imap_parser_fail(p, IMAP_PERR_SYNTAX, "Missing )");
	p->st = IMAP_PS_DONE;
	return IMAP_PARSE_DONE;
}

/* --- arguments --- */

static void *
imap_parser_own(struct imap_parser *p, void *ptr)
{
	if (p->nowned == p->owned_cap) {
		p->owned_cap = p->owned_cap == 0 ? 16 : p->owned_cap * 2;
		p->owned = xreallocarray(p->owned, p->owned_cap,
		    sizeof(*p->owned));
	}
	p->owned[p->nowned++] = ptr;
	return ptr;
}

static int
imap_parser_push(struct imap_parser *p, enum imap_arg_type type,
    const char *str, size_t len)
{
	struct imap_parser_level	*lv = &p->levels[p->depth];

	if (++p->nargs > p->lim.args_max)
		return imap_parser_fail(p, IMAP_PERR_ARGS,
		    "Too many arguments");
	if (lv->n == lv->cap) {
		lv->cap = lv->cap == 0 ? 8 : lv->cap * 2;
		lv->args = xreallocarray(lv->args, lv->cap, sizeof(*lv->args));
	}
	lv->args[lv->n++] = (struct imap_arg){ .type = type, .str = str,
	    .len = len };
	return IMAP_PARSE_MORE;
}

static int
imap_parser_push_tok(struct imap_parser *p, enum imap_arg_type type)
{
	char	*s;

	s = xmalloc(p->tok.len + 1);
	if (p->tok.len > 0)
		memcpy(s, p->tok.p, p->tok.len);
	s[p->tok.len] = '\0';
	imap_parser_own(p, s);
	return imap_parser_push(p, type, s, p->tok.len);
}

static int
imap_parser_open(struct imap_parser *p)
{
	if (p->depth + 1 > p->lim.depth_max)
		return imap_parser_fail(p, IMAP_PERR_ARGS,
		    "Lists nested too deep");
	if (p->nargs + 1 > p->lim.args_max)
		return imap_parser_fail(p, IMAP_PERR_ARGS,
		    "Too many arguments");
	if (p->depth + 1 >= p->levels_cap) {
		p->levels = xreallocarray(p->levels, p->levels_cap * 2,
		    sizeof(*p->levels));
		memset(p->levels + p->levels_cap, 0,
		    p->levels_cap * sizeof(*p->levels));
		p->levels_cap *= 2;
	}
	p->depth++;
	p->levels[p->depth] = (struct imap_parser_level){ 0 };
	return IMAP_PARSE_MORE;
}

static int
imap_parser_close(struct imap_parser *p)
{
	struct imap_parser_level	 lv;
	struct imap_parser_level	*parent;

	if (p->depth == 0)
		return imap_parser_fail(p, IMAP_PERR_SYNTAX, "Unexpected )");
	lv = p->levels[p->depth];
	p->levels[p->depth] = (struct imap_parser_level){ 0 };
	p->depth--;
	if (lv.args != NULL)
		imap_parser_own(p, lv.args);
	/* imap_parser_open checked there is room for this one. */
	parent = &p->levels[p->depth];
	if (imap_parser_push(p, IMAP_ARG_LIST, NULL, 0) != IMAP_PARSE_MORE)
		return IMAP_PARSE_ERROR;
	parent->args[parent->n - 1].list = lv.args;
	parent->args[parent->n - 1].nlist = lv.n;
	return IMAP_PARSE_MORE;
}

/* RFC 3501 9: ATOM-CHAR, any CHAR except atom-specials. */
static bool
imap_parser_atom_char(unsigned char ch)
{
	if (ch <= 0x1f || ch >= 0x7f)
		return false;
	return strchr("(){ %*\"\\]", ch) == NULL;
}

/*
 * Inside an atom the parser also takes what the grammar puts in atom-like
 * places: list-wildcards (LIST patterns, sequence sets "1:*"), "\" (flags)
 * and "]" (ASTRING-CHAR).
 */
static bool
imap_parser_atom_more(unsigned char ch)
{
	return imap_parser_atom_char(ch) || ch == '%' || ch == '*' ||
	    ch == '\\' || ch == ']';
}

bool
imap_parser_tag_valid(const char *s, size_t len)
{
	size_t	i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		if ((!imap_parser_atom_char((unsigned char)s[i]) &&
		    s[i] != ']') || s[i] == '+')
			return false;
	}
	return true;
}

/* --- results --- */

const struct imap_arg *
imap_parser_args(const struct imap_parser *p, size_t *n_r)
{
	if (p->st != IMAP_PS_DONE)
		fatalx("%s: command not complete", __func__);
	*n_r = p->levels[0].n;
	return p->levels[0].args;
}

const char *
imap_parser_tag(const struct imap_parser *p)
{
	return p->tagdone ? p->tag : "";
}

uint64_t
imap_parser_literal_size(const struct imap_parser *p)
{
	return p->lit_size;
}

bool
imap_parser_literal_sync(const struct imap_parser *p)
{
	return p->lit_sync;
}

char *
imap_parser_literal_steal(struct imap_parser *p, const struct imap_arg *arg)
{
	struct imap_arg	*a = (struct imap_arg *)(uintptr_t)arg;
	char		*s;
	size_t		 i;

	if (arg->type != IMAP_ARG_LITERAL)
		return NULL;
	for (i = 0; i < p->nowned; i++) {
		if (p->owned[i] == arg->str) {
			s = p->owned[i];
			p->owned[i] = NULL;
			a->str = "";
			return s;
		}
	}
	return NULL;
}

enum imap_parse_err
imap_parser_error(const struct imap_parser *p, const char **msg_r)
{
	if (msg_r != NULL)
		*msg_r = p->errmsg != NULL ? p->errmsg : "Syntax error";
	return p->err;
}
