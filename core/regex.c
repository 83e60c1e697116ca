/* regex.c: PCRE2 wrapper with a match limit against catastrophic backtracking. */
#include "core/regex.h"

#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#define REGEX_MATCH_LIMIT 1000000u
#define REGEX_DEPTH_LIMIT 10000u

struct Regex {
    pcre2_code *code;
    pcre2_match_context *mctx;
    int groups;
    bool utf;
};

SkStatus regex_compile(const char *pattern, int flags, Regex **out, SkError *err)
{
    *out = NULL;
    if (!pattern)
        return sk_error_set(err, SK_ERR_INVALID, "no pattern");
    uint32_t opts = PCRE2_UTF | PCRE2_UCP;
    if (flags & REGEX_CASELESS)
        opts |= PCRE2_CASELESS;
    if (flags & REGEX_MULTILINE)
        opts |= PCRE2_MULTILINE;
    if (flags & REGEX_DOTALL)
        opts |= PCRE2_DOTALL;
    if (flags & REGEX_ANCHORED)
        opts |= PCRE2_ANCHORED;
    int ecode = 0;
    PCRE2_SIZE eoff = 0;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &ecode,
                                     &eoff, NULL);
    if (!code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ecode, msg, sizeof msg);
        return sk_error_set(err, SK_ERR_PARSE, "offset %zu: %s", (size_t)eoff, (char *)msg);
    }
    Regex *re = sk_calloc(1, sizeof *re);
    re->code = code;
    re->utf = true;
    re->mctx = pcre2_match_context_create(NULL);
    if (!re->mctx)
        sk_die("out of memory (pcre2 match context)");
    pcre2_set_match_limit(re->mctx, REGEX_MATCH_LIMIT);
    pcre2_set_depth_limit(re->mctx, REGEX_DEPTH_LIMIT);
    uint32_t cap = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &cap);
    re->groups = (int)cap;
    *out = re;
    return SK_OK;
}

void regex_free(Regex *re)
{
    if (!re)
        return;
    pcre2_match_context_free(re->mctx);
    pcre2_code_free(re->code);
    free(re);
}

int regex_group_count(const Regex *re)
{
    return re ? re->groups : 0;
}

/* Run one match; returns 1 match, 0 no match, <0 error (status in *st). */
static int regex_exec(const Regex *re, const char *subject, size_t len, size_t start,
                      uint32_t opts, pcre2_match_data *md, SkStatus *st, SkError *err)
{
    int rc = pcre2_match(re->code, (PCRE2_SPTR)subject, len, start, opts, md, re->mctx);
    if (rc >= 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_HEAPLIMIT) {
        *st = sk_error_set(err, SK_ERR_TOO_LARGE,
                           "regular expression hit the backtracking limit");
        return -1;
    }
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(rc, msg, sizeof msg);
    *st = sk_error_set(err, rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21
                                ? SK_ERR_INVALID
                                : SK_ERR_INTERNAL,
                       "match failed: %s", (char *)msg);
    return -1;
}

SkStatus regex_search(const Regex *re, const char *subject, size_t len, size_t start,
                      bool *found, RegexMatch *groups, int ngroups, SkError *err)
{
    *found = false;
    if (start > len)
        return SK_OK;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
    if (!md)
        sk_die("out of memory (pcre2 match data)");
    SkStatus st = SK_OK;
    int rc = regex_exec(re, subject, len, start, 0, md, &st, err);
    if (rc == 1) {
        *found = true;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        uint32_t n = pcre2_get_ovector_count(md);
        for (int i = 0; groups && i < ngroups; i++) {
            if ((uint32_t)i < n && ov[2 * i] != PCRE2_UNSET) {
                groups[i].start = ov[2 * i];
                groups[i].end = ov[2 * i + 1];
            } else {
                groups[i].start = groups[i].end = (size_t)-1;
            }
        }
    }
    pcre2_match_data_free(md);
    return st;
}

SkStatus regex_fullmatch(const Regex *re, const char *subject, size_t len, bool *matched,
                         SkError *err)
{
    *matched = false;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
    if (!md)
        sk_die("out of memory (pcre2 match data)");
    SkStatus st = SK_OK;
    int rc = regex_exec(re, subject, len, 0, PCRE2_ANCHORED | PCRE2_ENDANCHORED, md, &st, err);
    if (rc == 1)
        *matched = true;
    pcre2_match_data_free(md);
    return st;
}

SkStatus regex_find_all(const Regex *re, const char *subject, size_t len, RegexMatch **out,
                        size_t *count, SkError *err)
{
    *out = NULL;
    *count = 0;
    size_t cap = 0;
    RegexMatch *v = NULL;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
    if (!md)
        sk_die("out of memory (pcre2 match data)");
    SkStatus st = SK_OK;
    size_t pos = 0;
    while (pos <= len) {
        int rc = regex_exec(re, subject, len, pos, 0, md, &st, err);
        if (rc <= 0)
            break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        if (*count == cap) {
            cap = cap ? cap * 2 : 8;
            v = sk_realloc(v, cap * sizeof *v);
        }
        v[*count].start = ov[0];
        v[*count].end = ov[1];
        (*count)++;
        if (ov[1] > ov[0]) {
            pos = ov[1];
        } else {
            /* empty match: step over one UTF-8 character */
            pos = ov[1] + 1;
            while (pos < len && ((unsigned char)subject[pos] & 0xC0) == 0x80)
                pos++;
        }
    }
    pcre2_match_data_free(md);
    if (st != SK_OK) {
        free(v);
        *count = 0;
        return st;
    }
    *out = v;
    return SK_OK;
}

bool regex_test(const char *pattern, int flags, const char *subject)
{
    Regex *re = NULL;
    if (regex_compile(pattern, flags, &re, NULL) != SK_OK)
        return false;
    bool found = false;
    SkStatus st = regex_search(re, subject, strlen(subject), 0, &found, NULL, 0, NULL);
    regex_free(re);
    return st == SK_OK && found;
}
