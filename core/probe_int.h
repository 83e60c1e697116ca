/* probe_int.h: helpers shared by the probe generator/evaluator files (probe_gen.c,
 * probe_reason.c, probe_tool.c, probe_follow.c). Private to the probe module. */
#ifndef SKVM_CORE_PROBE_INT_H
#define SKVM_CORE_PROBE_INT_H

#include <jansson.h>
#include <stdbool.h>

#include "core/compiler.h"
#include "core/probe.h"
#include "core/rng.h"
#include "core/util.h"

/* Evaluation context: checkpoints accumulate in res. */
typedef struct ProbeEv {
    const ProbeInstance *in;
    const char *dir;
    const char *resp; /* never NULL ("" when the model said nothing) */
    ProbeResult *res;
} ProbeEv;

typedef void (*ProbeGenFn)(ProbeInstance *in, Rng *r);
typedef void (*ProbeEvalFn)(ProbeEv *ev);

typedef struct ProbeSpec {
    const char *id;
    ProbeGenFn gen;
    ProbeEvalFn eval;
    const char *desc[3];
} ProbeSpec;

extern const ProbeSpec probe_gen_specs[9];
extern const ProbeSpec probe_reason_specs[5];
extern const ProbeSpec probe_tool_specs[7];
extern const ProbeSpec probe_follow_specs[5];

/* ---- generation ---- */
void probe_prompt(ProbeInstance *in, const char *fmt, ...) ATTR_FORMAT(2, 3);
void probe_file(ProbeInstance *in, const char *path, const char *content);
ProbeAnswer *probe_answer(ProbeInstance *in, const char *label, bool should_pass);
void probe_answer_text(ProbeAnswer *a, const char *text);
void probe_answer_file(ProbeAnswer *a, const char *path, const char *content);
/* Convenience: a correct answer plus mistakes, each a text response. */
void probe_x_int(ProbeInstance *in, const char *key, long long v);
void probe_x_num(ProbeInstance *in, const char *key, double v);
void probe_x_str(ProbeInstance *in, const char *key, const char *v);
void probe_x_set(ProbeInstance *in, const char *key, json_t *v); /* takes V */
long long probe_xi(const ProbeInstance *in, const char *key);
double probe_xd(const ProbeInstance *in, const char *key);
const char *probe_xs(const ProbeInstance *in, const char *key);
json_t *probe_xj(const ProbeInstance *in, const char *key); /* borrowed */

/* ---- evaluation ---- */
/* Add a checkpoint; the reason is formatted only when !ok. Returns ok. */
bool probe_cp(ProbeEv *ev, const char *name, bool ok, const char *fmt, ...) ATTR_FORMAT(4, 5);
void probe_cp_score(ProbeEv *ev, const char *name, double score, const char *reason);
void probe_skip(ProbeEv *ev, const char *fmt, ...) ATTR_FORMAT(2, 3);
/* Read REL from the work dir (max 4 MiB). Adds checkpoint CP (when non-NULL): passing when
 * the file exists, failing "REL not found" otherwise. NULL when missing. New string. */
char *probe_read(ProbeEv *ev, const char *rel, const char *cp);
/* Run the model's code; when the tool is missing, marks the instance skipped and returns
 * false. Adds checkpoint "execution_success": exit 0 within the timeout, or, when
 * ANY_EXIT, just finishing within the timeout (a shell script ending in a grep that found
 * nothing exits 1 and is still right). */
bool probe_run_code(ProbeEv *ev, const char *const *argv, int timeout_ms, bool any_exit);

/* ---- text helpers (tolerant of the usual harmless variations) ---- */
/* Strip one surrounding code fence, CR characters, trailing blanks per line and outer
 * white space. New string. */
char *probe_clean(const char *s);
/* Non-empty lines, each trimmed (fence and CR removed first). Owned vector of char *. */
void probe_lines(const char *s, SkVec *out);
/* Numbers in S in order, tolerant of thousands separators ("1,234"), signs, "$" and "%".
 * Returns how many (at most MAX). */
size_t probe_numbers(const char *s, double *out, size_t max);
/* Parse S (trimmed, fence-stripped) as a single number ("42", "42.0", "1,234", "$5").
 * False when S is not exactly one number. */
bool probe_parse_number(const char *s, double *out);
bool probe_near(double got, double want, double tol);
/* Extract and parse a JSON value from a model's text: the whole (fence-stripped) text if
 * it parses, else the greedy span from the first OPEN to the last matching closer. NULL
 * when nothing parses. New reference. */
json_t *probe_json_from_text(const char *s, char open);
/* Count whole-word, case-insensitive occurrences of WORD in S. */
int probe_word_count_of(const char *s, const char *word);
/* Whitespace-separated tokens. */
int probe_word_total(const char *s);
/* Sentences: pieces split on runs of .!? followed by space/end, non-empty. */
int probe_sentence_count(const char *s);
/* Join lines with '\n' (+ trailing newline when NL). New string. */
char *probe_join(const SkVec *lines, bool nl);
/* Emit a double as the shortest of "%.0f"/"%.2f"... that round-trips to 2 decimals. */
char *probe_fmt_num(double v);

/* Word pools used across generators. */
extern const char *const probe_w8[8];
extern const char *const probe_n8[8];

#endif
