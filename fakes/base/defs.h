/*
 * defs.h: small macros every module uses.
 *
 * nitems() for static arrays, attribute shorthands for printf-checked and
 * must-check functions.  Leaf header: includes nothing from the project.
 */
#ifndef MAILRIG_DEFS_H
#define MAILRIG_DEFS_H

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define ATTR_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#define ATTR_NORETURN		__attribute__((noreturn))
#define ATTR_WUR		__attribute__((warn_unused_result))
#define ATTR_UNUSED		__attribute__((unused))

/* GLib (GMime) defines the same macros. */
#ifndef MIN
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b)	((a) > (b) ? (a) : (b))
#endif

#endif
