/* regex.h: regular expressions (PCRE2). The only module that includes pcre2.h.
 *
 * Patterns are UTF-8. Matching runs with a match limit and a depth limit, so a
 * catastrophic-backtracking pattern fails with SK_ERR_TOO_LARGE instead of hanging. */
#ifndef SKVM_CORE_REGEX_H
#define SKVM_CORE_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

typedef struct Regex Regex;

enum {
    REGEX_CASELESS = 1 << 0,  /* (?i) */
    REGEX_MULTILINE = 1 << 1, /* ^ and $ at line boundaries */
    REGEX_DOTALL = 1 << 2,    /* . matches a newline */
    REGEX_ANCHORED = 1 << 3,  /* match only at the start */
};

typedef struct RegexMatch {
    size_t start, end; /* byte offsets of the whole match */
} RegexMatch;

/* Compile PATTERN with REGEX_* FLAGS. On failure SK_ERR_PARSE with
 * "offset N: message" pointing at the bad spot. Free with regex_free(). */
SkStatus regex_compile(const char *pattern, int flags, Regex **out, SkError *err);
void regex_free(Regex *re);
/* Number of capture groups. */
int regex_group_count(const Regex *re);

/* Search SUBJECT[0..len) for the first match at or after START. Returns SK_OK with *found
 * set; SK_ERR_TOO_LARGE when the match limit was hit; SK_ERR_INVALID for bad UTF-8 in the
 * subject. GROUPS (may be NULL) receives up to NGROUPS group spans (group 0 = whole match;
 * unset groups get start = end = (size_t)-1). */
SkStatus regex_search(const Regex *re, const char *subject, size_t len, size_t start,
                      bool *found, RegexMatch *groups, int ngroups, SkError *err);
/* True when the whole subject matches (Python's fullmatch). */
SkStatus regex_fullmatch(const Regex *re, const char *subject, size_t len, bool *matched,
                         SkError *err);
/* All non-overlapping matches (empty matches advance by one character). *out gets a
 * new array of RegexMatch (free() it), *count its length. */
SkStatus regex_find_all(const Regex *re, const char *subject, size_t len, RegexMatch **out,
                        size_t *count, SkError *err);

/* One-shot convenience: does PATTERN match anywhere in SUBJECT? A pattern that fails to
 * compile or hits the limit counts as "no match". */
bool regex_test(const char *pattern, int flags, const char *subject);

#endif
