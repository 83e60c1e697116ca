/* probe_follow.c: generators and evaluators of the 5 instruction-following primitives
 * (output format, constraints, procedures, delegation to code, style). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/js.h"
#include "core/probe_int.h"
#include "core/regex.h"

static void texts(ProbeInstance *in, const char *g, const char *l1, const char *b1,
                  const char *l2, const char *b2)
{
    probe_answer_text(probe_answer(in, "correct answer", true), g);
    probe_answer_text(probe_answer(in, l1, false), b1);
    probe_answer_text(probe_answer(in, l2, false), b2);
}

/* ------------------------------------------------------------------ follow.format */

static const char *const cat_names[4] = {"programming languages", "European countries", "fruits",
                                         "musical instruments"};
static const char *const cat_items[4][8] = {
    {"Python", "Rust", "Go", "Java", "Haskell", "Ruby", "Kotlin", "Swift"},
    {"France", "Spain", "Italy", "Norway", "Poland", "Greece", "Ireland", "Austria"},
    {"apple", "mango", "pear", "kiwi", "plum", "grape", "lemon", "fig"},
    {"piano", "violin", "flute", "drums", "cello", "guitar", "trumpet", "harp"}};

static void ff_gen(ProbeInstance *in, Rng *r)
{
    if (in->level == 1) {
        int k = (int)rng_int(r, 4, 8);
        size_t c = rng_index(r, 4);
        probe_x_int(in, "k", k);
        probe_prompt(in, "List exactly %d %s as a JSON array of strings. Output only the JSON array.",
                     k, cat_names[c]);
        json_t *a = json_array();
        for (int i = 0; i < k; i++)
            json_array_append_new(a, json_string(cat_items[c][i]));
        char *g = js_dump_compact(a);
        json_array_remove(a, 0);
        char *b1 = js_dump_compact(a);
        char *b2 = sk_asprintf("{\"items\": %s}", g);
        texts(in, g, "one item short", b1, "wrapped in an object", b2);
        free(g), free(b1), free(b2);
        json_decref(a);
    } else if (in->level == 2) {
        static const char *const ents[3] = {"car", "book", "restaurant"};
        /* key, type (s string, n number, a array min, o object) */
        static const char *const spec[3][5][2] = {
            {{"make", "s"}, {"model", "s"}, {"year", "n"}, {"features", "a3"}, {"engine", "o"}},
            {{"title", "s"}, {"author", "s"}, {"pages", "n"}, {"genres", "a2"}, {"publisher", "o"}},
            {{"name", "s"}, {"cuisine", "s"}, {"rating", "n"}, {"dishes", "a3"}, {"location", "o"}}};
        size_t e = rng_index(r, 3);
        json_t *sp = json_array();
        SkBuf desc = SK_BUF_INIT;
        json_t *g = json_object();
        for (int i = 0; i < 5; i++) {
            const char *k = spec[e][i][0], *t = spec[e][i][1];
            json_array_append_new(sp, json_pack("[s,s]", k, t));
            sk_buf_printf(&desc, "%s \"%s\" (%s)", i ? "," : "", k,
                          t[0] == 's' ? "string" : t[0] == 'n' ? "number"
                          : t[0] == 'o' ? "object with at least 2 fields"
                          : t[1] == '3' ? "array of at least 3 strings" : "array of at least 2 strings");
            if (t[0] == 's')
                json_object_set_new(g, k, json_string("Example"));
            else if (t[0] == 'n')
                json_object_set_new(g, k, json_integer(rng_int(r, 1, 500)));
            else if (t[0] == 'o')
                json_object_set_new(g, k, json_pack("{s:s,s:i}", "name", "Example", "code", 7));
            else
                json_object_set_new(g, k, json_pack("[s,s,s]", "one", "two", "three"));
        }
        probe_x_set(in, "spec", sp);
        probe_prompt(in, "Describe a %s as a single JSON object with exactly these fields:%s. "
                         "Output only the JSON.", ents[e], desc.data);
        sk_buf_done(&desc);
        char *gs = js_dump_pretty(g);
        json_t *b1 = json_deep_copy(g);
        json_array_clear(json_object_get(b1, spec[e][3][0]));
        json_array_append_new(json_object_get(b1, spec[e][3][0]), json_string("one"));
        json_t *b2 = json_deep_copy(g);
        json_object_set_new(b2, spec[e][2][0], json_string("412"));
        char *s1 = js_dump_compact(b1), *s2 = js_dump_compact(b2);
        texts(in, gs, "array too short", s1, "number given as a string", s2);
        free(gs), free(s1), free(s2);
        json_decref(g), json_decref(b1), json_decref(b2);
    } else {
        static const char *const ents[3] = {"smartphone", "laptop", "bicycle"};
        static const int maxes[3] = {300, 400, 500};
        int max = maxes[rng_index(r, 3)];
        bool upper = rng_int(r, 0, 1);
        size_t e = rng_index(r, 3);
        probe_x_int(in, "max", max);
        probe_x_int(in, "upper", upper);
        probe_prompt(in,
                     "Describe a %s as one JSON object that satisfies ALL of these: at least 5 "
                     "top-level fields; at most %d bytes in total; keys in alphabetical order; "
                     "every string value in %s; at least one number field and at least one array "
                     "field. Output only the JSON.",
                     ents[e], max, upper ? "UPPERCASE" : "lowercase");
        const char *brand = upper ? "ACME" : "acme", *color = upper ? "BLACK" : "black";
        char *g = sk_asprintf("{\"brand\": \"%s\", \"color\": \"%s\", \"price\": 499, "
                              "\"tags\": [\"%s\", \"%s\"], \"year\": 2024}",
                              brand, color, upper ? "NEW" : "new", upper ? "SALE" : "sale");
        char *b1 = sk_asprintf("{\"price\": 499, \"brand\": \"%s\", \"color\": \"%s\", "
                               "\"tags\": [\"x\"], \"year\": 2024}", brand, color);
        SkBuf big = SK_BUF_INIT;
        sk_buf_printf(&big, "{\"brand\": \"%s\", \"color\": \"%s\", \"description\": \"", brand, color);
        for (int i = 0; i < max / 10; i++)
            sk_buf_puts(&big, upper ? "VERY GOOD " : "very good ");
        sk_buf_puts(&big, "\", \"price\": 499, \"tags\": [], \"year\": 2024}");
        texts(in, g, "keys not in order", b1, "over the size limit", big.data);
        free(g), free(b1);
        sk_buf_done(&big);
    }
}

static void ff_eval(ProbeEv *ev)
{
    const ProbeInstance *in = ev->in;
    char *clean = probe_clean(ev->resp);
    json_t *j = probe_json_from_text(ev->resp, in->level == 1 ? '[' : '{');
    if (!probe_cp(ev, "json_valid", j != NULL, "no JSON %s in the answer",
                  in->level == 1 ? "array" : "object")) {
        free(clean);
        return;
    }
    if (in->level == 1) {
        if (probe_cp(ev, "is_array", json_is_array(j), "the answer is not a JSON array")) {
            probe_cp(ev, "item_count", json_array_size(j) == (size_t)probe_xi(in, "k"),
                     "%zu items, expected %lld", json_array_size(j), probe_xi(in, "k"));
            size_t i;
            json_t *x;
            bool strs = true;
            json_array_foreach(j, i, x) strs &= json_is_string(x);
            probe_cp(ev, "field_types", strs, "not every item is a string");
        }
    } else if (probe_cp(ev, "is_object", json_is_object(j), "the answer is not a JSON object")) {
        if (in->level == 2) {
            size_t i;
            json_t *f;
            json_array_foreach(probe_xj(in, "spec"), i, f) {
                const char *k = json_string_value(json_array_get(f, 0));
                const char *t = json_string_value(json_array_get(f, 1));
                json_t *v = json_object_get(j, k);
                bool ok = v && (t[0] == 's'   ? json_is_string(v)
                                : t[0] == 'n' ? json_is_number(v)
                                : t[0] == 'o' ? json_is_object(v) && json_object_size(v) >= 2
                                              : json_is_array(v) && json_array_size(v) >= (size_t)(t[1] - '0'));
                char cp[48];
                snprintf(cp, sizeof cp, "field_%s", k);
                probe_cp(ev, cp, ok, "%s is %s or has the wrong type or size", k, v ? "present" : "missing");
            }
        } else {
            /* the JSON text itself: from the first { to the last } */
            const char *a = strchr(clean, '{'), *b = strrchr(clean, '}');
            size_t bytes = a && b ? (size_t)(b - a + 1) : strlen(clean);
            probe_cp(ev, "byte_size", bytes <= (size_t)probe_xi(in, "max"), "%zu bytes, limit %lld", bytes,
                     probe_xi(in, "max"));
            probe_cp(ev, "field_count", json_object_size(j) >= 5, "%zu fields, expected at least 5",
                     json_object_size(j));
            const char *k, *prev = NULL;
            json_t *v;
            bool sorted = true, cased = true, num = false, arr = false;
            bool upper = probe_xi(in, "upper");
            json_object_foreach(j, k, v) {
                if (prev && strcmp(prev, k) > 0)
                    sorted = false;
                prev = k;
                if (json_is_string(v))
                    for (const char *p = json_string_value(v); *p; p++)
                        if (upper ? islower((unsigned char)*p) : isupper((unsigned char)*p))
                            cased = false;
                num |= json_is_number(v);
                arr |= json_is_array(v);
            }
            probe_cp(ev, "keys_alphabetical", sorted, "keys are not in alphabetical order");
            probe_cp(ev, "string_case", cased, "a string value is not all %s", upper ? "uppercase" : "lowercase");
            probe_cp(ev, "has_number", num, "no number field");
            probe_cp(ev, "has_array", arr, "no array field");
        }
    }
    json_decref(j);
    free(clean);
}

/* ------------------------------------------------------------------ follow.constraint */

static void fc_gen(ProbeInstance *in, Rng *r)
{
    char *g = NULL, *b1 = NULL, *b2 = NULL;
    if (in->level == 1) {
        static const char *const pairs[6][3] = {
            {"the ocean", "luminescent", "luminescence"}, {"space exploration", "trajectory", "trajectories"},
            {"ancient Rome", "aqueduct", "aqueducts"},    {"machine learning", "gradient", "gradients"},
            {"photography", "aperture", "apertures"},     {"cooking", "caramelization", "caramelize"}};
        size_t k = rng_index(r, 6);
        probe_x_str(in, "word", pairs[k][1]);
        probe_prompt(in, "Write two or three sentences about %s. You MUST use the word \"%s\".",
                     pairs[k][0], pairs[k][1]);
        /* capitalised at the start of a sentence: still the word */
        char cap[64];
        snprintf(cap, sizeof cap, "%s", pairs[k][1]);
        cap[0] = (char)toupper((unsigned char)cap[0]);
        g = sk_asprintf("%s details matter when thinking about %s. Everyone notices them.", cap,
                        pairs[k][0]);
        b1 = sk_asprintf("Thinking about %s is rewarding. Everyone notices the details.", pairs[k][0]);
        b2 = sk_asprintf("The %s of %s is fascinating. Everyone notices it.", pairs[k][2], pairs[k][0]);
        texts(in, g, "word missing", b1, "another form of the word", b2);
    } else if (in->level == 2) {
        static const struct {
            const char *topic, *word, *first;
            int max, sent;
        } sc[4] = {{"renewable energy", "photovoltaic", "Sunlight", 80, 4},
                   {"the deep sea", "bioluminescence", "Beneath", 75, 3},
                   {"artificial intelligence", "transformer", "Modern", 90, 4},
                   {"architecture", "cantilever", "Buildings", 85, 3}};
        size_t k = rng_index(r, 4);
        probe_x_str(in, "word", sc[k].word);
        probe_x_str(in, "first", sc[k].first);
        probe_x_int(in, "max", sc[k].max);
        probe_x_int(in, "sent", sc[k].sent);
        probe_prompt(in,
                     "Write about %s following ALL of these rules: use the word \"%s\" exactly "
                     "once; start with the word \"%s\"; use at most %d words; write exactly %d "
                     "sentences.",
                     sc[k].topic, sc[k].word, sc[k].first, sc[k].max, sc[k].sent);
        SkBuf o = SK_BUF_INIT, x1 = SK_BUF_INIT, x2 = SK_BUF_INIT;
        for (int v = 0; v < 3; v++) {
            SkBuf *b = v == 0 ? &o : v == 1 ? &x1 : &x2;
            int n = v == 1 ? sc[k].sent + 1 : sc[k].sent;
            for (int i = 0; i < n; i++) {
                if (i == 0)
                    sk_buf_printf(b, "%s matter for %s and the %s shows it.", sc[k].first, sc[k].topic, sc[k].word);
                else if (v == 2 && i == 1)
                    sk_buf_printf(b, " Another %s follows.", sc[k].word);
                else
                    sk_buf_printf(b, " People keep learning more.");
            }
        }
        texts(in, o.data, "one sentence too many", x1.data, "word used twice", x2.data);
        sk_buf_done(&o), sk_buf_done(&x1), sk_buf_done(&x2);
    } else {
        static const char *const claims[4][4] = {
            /* claim, required phrase, second accepted phrase, correction */
            {"Mars has three moons", "three moons", "3 moons", "Mars actually has two moons, Phobos and Deimos."},
            {"light travels at about 200,000 km per second", "200,000", "200000",
             "Light actually travels at about 300,000 km per second."},
            {"the Eiffel Tower stands in Berlin", "Berlin", "berlin", "The Eiffel Tower is in Paris."},
            {"water boils at 50 degrees Celsius at sea level", "50", "fifty",
             "Water boils at 100 degrees Celsius at sea level."}};
        size_t k = rng_index(r, 4);
        json_t *ph = json_pack("[s,s]", claims[k][1], claims[k][2]);
        probe_x_set(in, "phrases", ph);
        probe_prompt(in,
                     "For a fiction-writing exercise, write two sentences stating as plain fact, "
                     "with no hedging words (might, possibly, perhaps, arguably, allegedly, \"some "
                     "say\", \"it is believed\"), that %s.",
                     claims[k][0]);
        g = sk_asprintf("It is simply true that %s. The mighty fact is taught in every school.", claims[k][0]);
        b1 = sk_asprintf("Some say that %s, though it might not be true.", claims[k][0]);
        b2 = sk_strdup(claims[k][3]);
        texts(in, g, "hedged", b1, "corrects the claim instead", b2);
    }
    free(g);
    free(b1);
    free(b2);
}

static const char *const hedges[] = {"might", "possibly", "perhaps", "arguably", "allegedly",
                                     "some say", "it is believed", "maybe"};

static void fc_eval(ProbeEv *ev)
{
    const ProbeInstance *in = ev->in;
    char *t = probe_clean(ev->resp);
    if (in->level == 1) {
        const char *w = probe_xs(in, "word");
        probe_cp(ev, "required_word", probe_word_count_of(t, w) > 0, "the word '%s' is missing", w);
    } else if (in->level == 2) {
        const char *w = probe_xs(in, "word"), *first = probe_xs(in, "first");
        int occ = probe_word_count_of(t, w);
        probe_cp(ev, "word_occurrence", occ == 1, "'%s' appears %d times, expected once", w, occ);
        const char *p = t;
        while (*p && (isspace((unsigned char)*p) || *p == '"' || *p == '\'' || *p == '*' || *p == '`'))
            p++;
        probe_cp(ev, "start_word", !strncasecmp(p, first, strlen(first)) &&
                                       !isalpha((unsigned char)p[strlen(first)]),
                 "starts with '%.20s', expected '%s'", p, first);
        int words = probe_word_total(t);
        probe_cp(ev, "word_count", words <= probe_xi(in, "max"), "%d words, at most %lld allowed", words,
                 probe_xi(in, "max"));
        int s = probe_sentence_count(t);
        probe_cp(ev, "sentence_count", s == probe_xi(in, "sent"), "%d sentences, expected exactly %lld",
                 s, probe_xi(in, "sent"));
    } else {
        bool found = false;
        size_t i;
        json_t *ph;
        json_array_foreach(probe_xj(in, "phrases"), i, ph) found |= probe_word_count_of(t, json_string_value(ph)) > 0;
        probe_cp(ev, "false_claim_present", found, "the claim is not stated");
        const char *hit = NULL;
        for (size_t k = 0; k < SK_ARRAY_LEN(hedges) && !hit; k++)
            if (probe_word_count_of(t, hedges[k]) > 0)
                hit = hedges[k];
        probe_cp(ev, "no_hedging", !hit, "hedges with '%s'", hit ? hit : "");
    }
    free(t);
}

/* ------------------------------------------------------------------ follow.procedure */

static void fp_gen(ProbeInstance *in, Rng *r)
{
    json_t *want = json_array();
    SkBuf g = SK_BUF_INIT, b1 = SK_BUF_INIT, b2 = SK_BUF_INIT;
    const char *l1 = "", *l2 = "";
    if (in->level == 1) {
        int n = (int)rng_int(r, 4, 10);
        json_array_append_new(want, json_string("START"));
        for (int i = 1; i <= n; i++)
            json_array_append_new(want, json_sprintf("%d", i));
        json_array_append_new(want, json_string("END"));
        probe_prompt(in, "Follow these steps exactly and output only the resulting lines: 1) "
                         "write the line START; 2) write the numbers 1 to %d, one per line; 3) "
                         "write the line END.", n);
        sk_buf_puts(&g, "START\n");
        sk_buf_puts(&b1, "START\n");
        sk_buf_puts(&b2, "START\n");
        for (int i = 1; i <= n; i++) {
            sk_buf_printf(&g, "%d\n", i);
            sk_buf_printf(&b1, "%d\n", i);
        }
        for (int i = 1; i <= n + 1; i++)
            sk_buf_printf(&b2, "%d\n", i);
        sk_buf_puts(&g, "END\n");
        sk_buf_puts(&b2, "END\n");
        l1 = "END missing", l2 = "counted one too far";
    } else if (in->level == 2) {
        int n = (int)rng_int(r, 10, 50);
        bool even = n % 2 == 0;
        long v = even ? n / 2 : n * 3;
        probe_prompt(in,
                     "Follow this procedure for N = %d and output only the 6 resulting lines:\n"
                     "1. Write \"INPUT: N\".\n2. Write \"CHECK: EVEN\" if N is even, else \"CHECK: ODD\".\n"
                     "3. If even write \"HALF: <N/2>\", otherwise \"TRIPLE: <N*3>\".\n"
                     "4. Write \"SQUARED: <the step 3 result squared>\".\n"
                     "5. Write \"TAG: EVEN_PATH\" or \"TAG: ODD_PATH\".\n6. Write \"DONE\".",
                     n);
        char lines[6][64];
        snprintf(lines[0], 64, "INPUT: %d", n);
        snprintf(lines[1], 64, "CHECK: %s", even ? "EVEN" : "ODD");
        snprintf(lines[2], 64, "%s: %ld", even ? "HALF" : "TRIPLE", v);
        snprintf(lines[3], 64, "SQUARED: %ld", v * v);
        snprintf(lines[4], 64, "TAG: %s", even ? "EVEN_PATH" : "ODD_PATH");
        snprintf(lines[5], 64, "DONE");
        for (int i = 0; i < 6; i++) {
            json_array_append_new(want, json_string(lines[i]));
            sk_buf_printf(&g, "%s\n", lines[i]);
            if (i < 5)
                sk_buf_printf(&b2, "%s\n", lines[i]);
        }
        long w = even ? n * 3 : n / 2;
        sk_buf_printf(&b1, "INPUT: %d\nCHECK: %s\n%s: %ld\nSQUARED: %ld\nTAG: %s\nDONE\n", n,
                      even ? "EVEN" : "ODD", even ? "TRIPLE" : "HALF", w, w * w,
                      even ? "EVEN_PATH" : "ODD_PATH");
        l1 = "wrong branch", l2 = "DONE missing";
    } else {
        static const char *const pool[] = {"apple", "avocado", "banana", "blueberry", "cherry",
                                           "coconut", "apricot", "blackberry"};
        int rounds = (int)rng_int(r, 5, 8);
        char letter = "abc"[rng_index(r, 3)];
        SkBuf list = SK_BUF_INIT;
        int count = 0, contains = 0;
        const char *words[8];
        for (int i = 0; i < rounds; i++) {
            words[i] = pool[rng_index(r, 8)];
            sk_buf_printf(&list, "%s%s", i ? ", " : "", words[i]);
            count += words[i][0] == letter;
            contains += strchr(words[i], letter) != NULL;
        }
        probe_prompt(in,
                     "Process this list of %d words in order: %s. For each word i (from 1), "
                     "output the line \"Round i: <word>\". After the loop, verify your work and "
                     "output \"Count: <number of words starting with the letter '%c'>\". Output "
                     "only these lines.",
                     rounds, list.data, letter);
        sk_buf_done(&list);
        for (int i = 0; i < rounds; i++) {
            json_array_append_new(want, json_sprintf("Round %d: %s", i + 1, words[i]));
            sk_buf_printf(&g, "Round %d: %s\n", i + 1, words[i]);
            sk_buf_printf(&b1, "Round %d: %s\n", i + 1, words[i]);
            if (i != 1)
                sk_buf_printf(&b2, "Round %d: %s\n", i + 1, words[i]);
        }
        json_array_append_new(want, json_sprintf("Count: %d", count));
        sk_buf_printf(&g, "Count: %d\n", count);
        sk_buf_printf(&b1, "Count: %d\n", contains != count ? contains : count + 1);
        sk_buf_printf(&b2, "Count: %d\n", count);
        l1 = "wrong count", l2 = "a round skipped";
    }
    probe_x_set(in, "lines", want);
    /* the correct answer arrives in a code fence: tolerated */
    char *fenced = sk_asprintf("```\n%s```\n", g.data);
    texts(in, fenced, l1, b1.data, l2, b2.data);
    free(fenced);
    sk_buf_done(&g), sk_buf_done(&b1), sk_buf_done(&b2);
}

static void fp_eval(ProbeEv *ev)
{
    json_t *want = probe_xj(ev->in, "lines");
    SkVec got;
    probe_lines(ev->resp, &got);
    probe_cp(ev, "line_count", got.len == json_array_size(want), "%zu lines, expected %zu", got.len,
             json_array_size(want));
    size_t i;
    json_t *w;
    json_array_foreach(want, i, w) {
        char cp[32];
        snprintf(cp, sizeof cp, "line_%zu", i + 1);
        const char *g = i < got.len ? sk_vec_get(&got, i) : NULL;
        probe_cp(ev, cp, g && !strcmp(g, json_string_value(w)), "line %zu is '%.60s', expected '%s'",
                 i + 1, g ? g : "(missing)", json_string_value(w));
    }
    sk_vec_done(&got);
}

/* ------------------------------------------------------------------ follow.delegation */

static void fd_gen(ProbeInstance *in, Rng *r)
{
    in->needs_tool = "python3";
    char *gv = NULL, *bv = NULL, *gscript = NULL, *bscript = NULL;
    if (in->level == 1) {
        int n = (int)rng_int(r, 3, 6);
        long long prod = 1, bad = 1;
        SkBuf list = SK_BUF_INIT;
        int v[6];
        for (int i = 0; i < n; i++) {
            v[i] = (int)rng_int(r, 2, 20);
            prod *= v[i];
            if (i < n - 1)
                bad *= v[i];
            sk_buf_printf(&list, "%s%d", i ? ", " : "", v[i]);
        }
        probe_x_num(in, "value", (double)prod);
        probe_x_num(in, "tol", 0);
        probe_prompt(in,
                     "Compute the product of %s. Do NOT compute it mentally: write a Python "
                     "script compute.py in the current directory that computes it and writes the "
                     "result to result.txt, and run it.",
                     list.data);
        gscript = sk_asprintf("import math\nopen('result.txt', 'w').write(str(math.prod([%s])))\n", list.data);
        /* the slip: the last number left out of the script */
        char *cut = strrchr(list.data, ',');
        if (cut)
            *cut = 0;
        bscript = sk_asprintf("import math\nopen('result.txt', 'w').write(str(math.prod([%s])))\n", list.data);
        gv = sk_asprintf("%lld", prod);
        bv = sk_asprintf("%lld", bad);
        sk_buf_done(&list);
    } else if (in->level == 2) {
        int n = (int)rng_int(r, 5, 12), agg = (int)rng_index(r, 3);
        SkBuf csv = SK_BUF_INIT;
        sk_buf_puts(&csv, "item,quantity,price\n");
        double sum = 0, mx = 0, bsum = 0, bmx = 0;
        for (int i = 0; i < n; i++) {
            int q = (int)rng_int(r, 1, 10), p = (int)rng_int(r, 5, 50);
            sk_buf_printf(&csv, "item%d,%d,%d\n", i + 1, q, p);
            sum += q * p;
            mx = SK_MAX(mx, q * p);
            bsum += p; /* the slip: price without quantity */
            bmx = SK_MAX(bmx, p);
        }
        probe_file(in, "orders.csv", csv.data);
        sk_buf_done(&csv);
        static const char *const names[] = {"total", "average", "largest"};
        double e = agg == 0 ? sum : agg == 1 ? round(sum / n * 100) / 100 : mx;
        double b = agg == 0 ? bsum : agg == 1 ? round(bsum / n * 100) / 100 : bmx;
        probe_x_num(in, "value", e);
        probe_x_num(in, "tol", 0.02);
        probe_prompt(in,
                     "orders.csv in the current directory has columns item,quantity,price. "
                     "Compute the %s order value (quantity x price)%s. Do not do it in your head: "
                     "write compute.py that computes it and writes the number to result.txt, and "
                     "run it.",
                     names[agg], agg == 1 ? ", rounded to 2 decimals" : "");
        static const char *const expr[] = {"sum(v)", "round(sum(v) / len(v), 2)", "max(v)"};
        gscript = sk_asprintf("import csv\nv = [int(r['quantity']) * int(r['price']) for r in "
                              "csv.DictReader(open('orders.csv'))]\nopen('result.txt', 'w').write(str(%s))\n",
                              expr[agg]);
        bscript = sk_asprintf("import csv\nv = [int(r['price']) for r in "
                              "csv.DictReader(open('orders.csv'))]\nopen('result.txt', 'w').write(str(%s))\n",
                              expr[agg]);
        gv = probe_fmt_num(e);
        bv = probe_fmt_num(b);
    } else {
        static const char *const exprs[3][2] = {{"0.1 + 0.2", "0.3"}, {"0.1 + 0.2 - 0.3", "0"},
                                                {"1.0 - 0.9 - 0.1", "0"}};
        size_t k = rng_index(r, 3);
        probe_x_num(in, "value", strtod(exprs[k][1], NULL));
        probe_x_num(in, "tol", 1e-9);
        probe_x_int(in, "decimal", 1);
        probe_prompt(in,
                     "Compute %s exactly (no binary floating-point error). Write compute.py in "
                     "the current directory that uses the decimal module (or fractions) to compute "
                     "it and writes the result to result.txt, and run it.",
                     exprs[k][0]);
        char *dexpr = sk_strdup(exprs[k][0]);
        SkBuf d = SK_BUF_INIT;
        for (const char *p = dexpr; *p;) {
            if (isdigit((unsigned char)*p)) {
                const char *s = p;
                while (isdigit((unsigned char)*p) || *p == '.')
                    p++;
                sk_buf_printf(&d, "Decimal('%.*s')", (int)(p - s), s);
            } else {
                sk_buf_putc(&d, *p++);
            }
        }
        gscript = sk_asprintf("from decimal import Decimal\nr = %s\nopen('result.txt', 'w').write(str(r))\n", d.data);
        bscript = sk_asprintf("r = %s\nopen('result.txt', 'w').write(str(r))\n", exprs[k][0]);
        sk_buf_done(&d);
        free(dexpr);
        gv = sk_strdup(exprs[k][1]);
        bv = sk_strdup(exprs[k][1]); /* the float script "gets it right" by rounding by hand */
    }
    ProbeAnswer *g = probe_answer(in, "script run, result written", true);
    probe_answer_file(g, "compute.py", gscript);
    probe_answer_file(g, "result.txt", gv);
    ProbeAnswer *b1 = probe_answer(in, in->level == 3 ? "plain floats" : "slip in the script", false);
    probe_answer_file(b1, "compute.py", bscript);
    probe_answer_file(b1, "result.txt", in->level == 3 ? gv : bv);
    ProbeAnswer *b2 = probe_answer(in, "computed mentally, no script", false);
    probe_answer_file(b2, "result.txt", gv);
    free(gv), free(bv), free(gscript), free(bscript);
}

static void fd_eval(ProbeEv *ev)
{
    const ProbeInstance *in = ev->in;
    char *src = probe_read(ev, "compute.py", "script_exists");
    if (!src)
        return;
    char *trimmed = probe_clean(src);
    bool substantial = strlen(trimmed) >= 10;
    free(trimmed);
    probe_cp(ev, "script_substantial", substantial, "compute.py is nearly empty");
    if (probe_xi(in, "decimal"))
        probe_cp(ev, "correct_module",
                 regex_test("\\b(decimal|Decimal|fractions|Fraction)\\b", 0, src),
                 "compute.py uses neither decimal nor fractions");
    free(src);
    /* delegation means the script produces the number: run it and read what it wrote */
    const char *argv[] = {"python3", "compute.py", NULL};
    char *pre = probe_read(ev, "result.txt", NULL);
    if (!probe_run_code(ev, argv, probe_code_timeout_ms(), false)) {
        free(pre);
        return;
    }
    char *t = probe_read(ev, "result.txt", "result_exists");
    free(pre);
    if (!t)
        return;
    double v, want = probe_xd(in, "value");
    bool num = probe_parse_number(t, &v);
    probe_cp(ev, "result_correct", num && probe_near(v, want, probe_xd(in, "tol")),
             "result.txt has '%.40s', expected %.10g", t, want);
    free(t);
}

/* ------------------------------------------------------------------ follow.style */

static const char *const contractions[] = {
    "don't", "doesn't", "didn't", "can't", "couldn't", "won't", "wouldn't", "shouldn't", "isn't",
    "aren't", "wasn't", "weren't", "hasn't", "haven't", "hadn't", "it's", "that's", "there's",
    "they're", "we're", "you're", "i'm", "i've", "i'll", "i'd", "let's", "what's", "who's",
    "here's", "we've", "they've", "you've", "we'll", "they'll", "you'll"};
static const char *const firsts[] = {"i", "me", "my", "mine", "myself", "we", "us", "our", "ours",
                                     "ourselves"};
static const char *const jargon[] = {"therefore", "paradigm", "hypothesis", "methodology",
                                     "furthermore", "consequently", "synthesize", "mechanism",
                                     "phenomenon", "subsequently", "utilize", "facilitate", "optimal"};

/* Whole-word occurrences of W, case-sensitive when CASE. Handles apostrophes (straight and
 * typographic) as part of the word. */
static int word_hits(const char *text, const char *w)
{
    /* normalise typographic apostrophes first */
    SkBuf b = SK_BUF_INIT;
    for (const char *p = text; *p; p++) {
        if ((unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 && (unsigned char)p[2] == 0x99) {
            sk_buf_putc(&b, '\'');
            p += 2;
        } else {
            sk_buf_putc(&b, *p);
        }
    }
    int n = probe_word_count_of(sk_buf_cstr(&b), w);
    sk_buf_done(&b);
    return n;
}

static void fs_gen(ProbeInstance *in, Rng *r)
{
    char *g = NULL, *b1 = NULL, *b2 = NULL;
    if (in->level == 1) {
        static const char *const topics[] = {"remote work", "public transport", "city parks",
                                             "online learning", "recycling", "museums"};
        const char *t = topics[rng_index(r, 6)];
        probe_prompt(in, "Write 2 to 3 formal sentences about %s: no contractions and no first "
                         "person (I, me, my, we, us, our).", t);
        /* "US" (the country) is not the pronoun "us" */
        g = sk_asprintf("Interest in %s has grown across the US and Europe. It is widely regarded "
                        "as a matter of public importance.", t);
        b1 = sk_asprintf("Interest in %s has grown a lot. It's clear that people don't ignore it.", t);
        b2 = sk_asprintf("I believe %s matters. Our communities depend on it.", t);
        texts(in, g, "contractions", b1, "first person", b2);
    } else if (in->level == 2) {
        static const char *const concepts[] = {"gravity", "photosynthesis", "rainbows", "volcanoes",
                                               "the moon's phases", "magnets"};
        const char *c = concepts[rng_index(r, 6)];
        probe_prompt(in, "Explain %s to a five-year-old in 3 to 4 enthusiastic sentences (use at "
                         "least one exclamation mark), with simple words only and no jargon, in at "
                         "most 120 words.", c);
        g = sk_asprintf("Wow, %s is like magic you can see every day! It works all around you. "
                        "Scientists have many paradigms, but you just need to look. Isn't that fun!", c);
        b1 = sk_asprintf("%s is amazing! The hypothesis behind it is simple. It works every day.", c);
        b2 = sk_asprintf("%s is a process. It happens in nature. It can be observed daily.", c);
        texts(in, g, "jargon", b1, "no enthusiasm", b2);
    } else {
        static const char *const scen[3][2] = {{"a pirate", "making coffee"},
                                               {"Shakespeare", "software testing"},
                                               {"a film-noir detective", "exercise"}};
        static const char *const marks[3][8] = {
            {"arr", "matey", "ahoy", "ye", "aye", "treasure", "sail", "captain"},
            {"thou", "thee", "thy", "doth", "hath", "verily", "forsooth", "prithee"},
            {"dame", "rain", "shadows", "case", "trouble", "cigarette", "city", "night"}};
        size_t k = rng_index(r, 3);
        json_t *m = json_array();
        for (int i = 0; i < 8; i++)
            json_array_append_new(m, json_string(marks[k][i]));
        probe_x_set(in, "markers", m);
        probe_prompt(in, "Write about %s in the voice of %s: exactly 3 sections, each starting "
                         "with a '## ' heading and 2 to 3 sentences long, keeping that voice "
                         "in every section.", scen[k][1], scen[k][0]);
        SkBuf o = SK_BUF_INIT;
        for (int s = 0; s < 3; s++)
            sk_buf_printf(&o, "## Part %d\n\n%s, %s is a fine thing for %s. The %s knows it well.\n\n",
                          s + 1, marks[k][s], scen[k][1], marks[k][s + 3], marks[k][(s + 5) % 8]);
        g = sk_buf_steal(&o);
        for (int s = 0; s < 2; s++)
            sk_buf_printf(&o, "## Part %d\n\n%s, %s is good for %s.\n\n", s + 1, marks[k][s],
                          scen[k][1], marks[k][s + 3]);
        b1 = sk_buf_steal(&o);
        b2 = sk_asprintf("## Part 1\n\nSoftware and art are discussed here.\n\n## Part 2\n\nThe "
                         "topic %s is useful.\n\n## Part 3\n\nIt helps people.\n", scen[k][1]);
        texts(in, g, "a section missing", b1, "plain voice", b2);
    }
    free(g);
    free(b1);
    free(b2);
}

static void fs_eval(ProbeEv *ev)
{
    const ProbeInstance *in = ev->in;
    char *t = probe_clean(ev->resp);
    if (in->level == 1) {
        const char *hit = NULL;
        for (size_t i = 0; i < SK_ARRAY_LEN(contractions) && !hit; i++)
            if (word_hits(t, contractions[i]))
                hit = contractions[i];
        probe_cp(ev, "no_contractions", !hit, "uses the contraction '%s'", hit ? hit : "");
        const char *fp = NULL;
        for (size_t i = 0; i < SK_ARRAY_LEN(firsts) && !fp; i++) {
            /* whole words; the all-caps "US" is the country, not a pronoun */
            const char *w = firsts[i];
            size_t wl = strlen(w);
            for (const char *p = t; (p = sk_str_casestr(p, w)) && !fp; p += wl) {
                bool left = p == t || !(isalnum((unsigned char)p[-1]) || p[-1] == '\'');
                bool right = !(isalnum((unsigned char)p[wl]) || p[wl] == '\'');
                bool country = !strcmp(w, "us") && !strncmp(p, "US", 2);
                if (left && right && !country)
                    fp = w;
            }
        }
        probe_cp(ev, "tone_correct", !fp, "uses the first-person word '%s'", fp ? fp : "");
        int s = probe_sentence_count(t);
        probe_cp(ev, "sentence_count", s >= 2 && s <= 3, "%d sentences, expected 2 or 3", s);
    } else if (in->level == 2) {
        probe_cp(ev, "tone_correct", strchr(t, '!') != NULL, "no exclamation mark (not enthusiastic)");
        const char *hit = NULL;
        for (size_t i = 0; i < SK_ARRAY_LEN(jargon) && !hit; i++)
            if (probe_word_count_of(t, jargon[i]))
                hit = jargon[i];
        probe_cp(ev, "no_jargon", !hit, "uses the jargon word '%s'", hit ? hit : "");
        int w = probe_word_total(t);
        probe_cp(ev, "word_count", w <= 120, "%d words, at most 120", w);
    } else {
        /* sections: chunks after '## ' headings (a preamble is not a section) */
        int sections = 0, with = 0;
        json_t *marks = probe_xj(in, "markers");
        bool distinct[8] = {false};
        const char *p = t;
        while ((p = strstr(p, "## "))) {
            if (p != t && p[-1] != '\n') {
                p += 3;
                continue;
            }
            const char *next = strstr(p + 3, "\n## ");
            char *sec = sk_strndup(p, next ? (size_t)(next - p) : strlen(p));
            sections++;
            bool any = false;
            size_t i;
            json_t *m;
            json_array_foreach(marks, i, m) {
                if (probe_word_count_of(sec, json_string_value(m))) {
                    any = true;
                    distinct[i] = true;
                }
            }
            with += any;
            free(sec);
            p = next ? next + 1 : p + strlen(p);
        }
        int nd = 0;
        for (int i = 0; i < 8; i++)
            nd += distinct[i];
        probe_cp(ev, "section_count", sections >= 3, "%d '## ' sections, expected 3", sections);
        probe_cp(ev, "marker_count", nd >= 2, "%d distinct style markers, expected at least 2", nd);
        if (sections > 0) {
            double frac = round((double)with / sections * 1000) / 1000;
            char why[96];
            snprintf(why, sizeof why, "only %d of %d sections keep the voice", with, sections);
            probe_cp_score(ev, "style_consistent", frac, why);
        }
    }
    free(t);
}

const ProbeSpec probe_follow_specs[5] = {
    {"follow.format", ff_gen, ff_eval,
     {"a named format (a JSON array)", "a specific JSON schema with typed fields",
      "several format constraints at once"}},
    {"follow.constraint", fc_gen, fc_eval,
     {"one MUST constraint", "four simultaneous constraints",
      "a constraint that conflicts with the model's knowledge"}},
    {"follow.procedure", fp_gen, fp_eval,
     {"three sequential steps", "six steps with a branch", "a loop with a final verification"}},
    {"follow.delegation", fd_gen, fd_eval,
     {"write and run a script instead of mental math", "delegate a table aggregation to code",
      "use exact decimal arithmetic in code"}},
    {"follow.style", fs_gen, fs_eval,
     {"formal tone without contractions or first person",
      "a child-friendly enthusiastic register without jargon",
      "a persona's voice kept across sections"}},
};
