/* probe_reason.c: generators and evaluators of the 5 reasoning primitives (arithmetic,
 * logic, spatial, planning, code analysis). All are text tasks scored from the final answer;
 * reasoning before the answer is allowed (answers are read from the end). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/js.h"
#include "core/probe_int.h"
#include "core/regex.h"

static void three_answers(ProbeInstance *in, const char *good, const char *l1, const char *b1,
                          const char *l2, const char *b2)
{
    probe_answer_text(probe_answer(in, "correct answer", true), good);
    probe_answer_text(probe_answer(in, l1, false), b1);
    probe_answer_text(probe_answer(in, l2, false), b2);
}

/* Format with thousands separators and 2 decimals when not integral (tests "1,234.5"). */
static char *fmt_grouped(double v)
{
    char raw[64];
    bool integral = fabs(v - llround(v)) < 1e-9;
    snprintf(raw, sizeof raw, integral ? "%.0f" : "%.2f", fabs(v));
    const char *dot = strchr(raw, '.');
    size_t ilen = dot ? (size_t)(dot - raw) : strlen(raw);
    SkBuf b = SK_BUF_INIT;
    if (v < 0)
        sk_buf_putc(&b, '-');
    for (size_t i = 0; i < ilen; i++) {
        if (i && (ilen - i) % 3 == 0)
            sk_buf_putc(&b, ',');
        sk_buf_putc(&b, raw[i]);
    }
    if (dot)
        sk_buf_puts(&b, dot);
    return sk_buf_steal(&b);
}

/* The last number in TEXT. */
/* TEXT without what is not an answer: parenthesised remarks ("(rounded to 2 decimal
 * places)"), precision notes ("to 2 decimals", "2 dp"), exponents ("cm^2"). New string. */
static char *strip_remarks(const char *text)
{
    SkBuf b = SK_BUF_INIT;
    int depth = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '(')
            depth++;
        else if (*p == ')' && depth > 0)
            depth--;
        else if (depth == 0)
            sk_buf_putc(&b, *p);
    }
    char *t = sk_buf_steal(&b);
    static const char *const noise[] = {"\\d+\\s*(decimal|dp\\b|d\\.p\\.|significant|sig\\.? fig)",
                                        "\\^\\s*\\d+"};
    for (size_t k = 0; k < SK_ARRAY_LEN(noise); k++) {
        Regex *re = NULL;
        if (regex_compile(noise[k], REGEX_CASELESS, &re, NULL) != SK_OK)
            continue;
        RegexMatch *m = NULL;
        size_t n = 0;
        if (regex_find_all(re, t, strlen(t), &m, &n, NULL) == SK_OK)
            for (size_t i = 0; i < n; i++)
                for (size_t j = m[i].start; j < m[i].end; j++)
                    if (t[j] >= '0' && t[j] <= '9')
                        t[j] = '#';
        free(m);
        regex_free(re);
    }
    return t;
}

static bool last_number(const char *text, double *out)
{
    double v[512];
    char *t = strip_remarks(text);
    size_t n = probe_numbers(t, v, SK_ARRAY_LEN(v));
    free(t);
    if (!n)
        return false;
    *out = v[n - 1];
    return true;
}

/* Last non-empty lines of TEXT: *a = second to last, *b = last (new strings or NULL). */
static size_t last_two_lines(const char *text, char **a, char **b)
{
    SkVec lines;
    probe_lines(text, &lines);
    *a = lines.len >= 2 ? sk_strdup(sk_vec_get(&lines, lines.len - 2)) : NULL;
    *b = lines.len >= 1 ? sk_strdup(sk_vec_get(&lines, lines.len - 1)) : NULL;
    size_t n = lines.len;
    sk_vec_done(&lines);
    return n;
}

static void check_last_number(ProbeEv *ev, double want, double tol)
{
    double v;
    if (!probe_cp(ev, "number_found", last_number(ev->resp, &v), "no number in the answer"))
        return;
    probe_cp(ev, "value_correct", probe_near(v, want, tol), "the answer is %g, expected %g", v, want);
}

/* ------------------------------------------------------------------ reason.arithmetic */

static void ar_gen(ProbeInstance *in, Rng *r)
{
    char *g, *b1, *b2;
    if (in->level == 1) {
        static const char *const ops[] = {"+", "-", "*", "% of"};
        int op = (int)rng_index(r, 4);
        long a = (long)rng_int(r, 10, 9999), b = (long)rng_int(r, 10, 999);
        double e = op == 0 ? a + b : op == 1 ? a - b : op == 2 ? (double)a * b
                                                               : round(a / 100.0 * b * 100) / 100;
        probe_x_num(in, "value", e);
        probe_x_num(in, "tol", SK_MAX(0.01, fabs(e) * 0.001));
        probe_prompt(in, "What is %ld %s %ld? Give the final number on the last line.", a, ops[op], b);
        double digits = e == 0 ? 1 : floor(log10(fabs(e))) + 1;
        double slip = digits >= 3 ? pow(10, digits - 2) : 1;
        char *gs = fmt_grouped(e);
        g = sk_asprintf("Working it out step by step.\nThe answer is %s.", gs);
        b1 = sk_asprintf("The answer is %.2f.", e + slip);
        b2 = sk_asprintf("%.2f", e == 0 ? 5 : e * 10);
        free(gs);
        three_answers(in, g, "carry slip", b1, "decimal point slip", b2);
    } else if (in->level == 2) {
        int p = (int)rng_int(r, 50, 249), q = (int)rng_int(r, 2, 6);
        static const int disc[] = {5, 10, 15, 20}, taxes[] = {8, 10};
        int d = disc[rng_index(r, 4)], x = taxes[rng_index(r, 2)];
        double e = round(p * q * (1 - d / 100.0) * (1 + x / 100.0) * 100) / 100;
        probe_x_num(in, "value", e);
        probe_x_num(in, "tol", 0.02);
        probe_prompt(in,
                     "An item costs $%d. A customer buys %d of them with a %d%% discount on the "
                     "subtotal, then %d%% sales tax is added. What is the final total? Give it "
                     "with 2 decimals on the last line.",
                     p, q, d, x);
        char *gs = fmt_grouped(e);
        g = sk_asprintf("Subtotal %d x %d, minus %d%%, plus %d%% tax.\nTotal: $%s", p, q, d, x, gs);
        b1 = sk_asprintf("Total: $%.2f", p * q * (1 + x / 100.0));
        b2 = sk_asprintf("Total: $%.2f", p * q * (1 - d / 100.0));
        free(gs);
        three_answers(in, g, "discount forgotten", b1, "tax forgotten", b2);
    } else {
        int pr = (int)rng_int(r, 1000, 50000), rate = (int)rng_int(r, 3, 12), y = (int)rng_int(r, 2, 10);
        static const char *const comp[] = {"monthly", "quarterly", "annually"};
        static const int per[] = {12, 4, 1};
        int c = (int)rng_index(r, 3);
        c = c == 2 ? (int)rng_index(r, 2) : c; /* annual compounding makes EAR == rate */
        double n = per[c], rr = rate / 100.0;
        double total = pr * pow(1 + rr / n, n * y), ear = (pow(1 + rr / n, n) - 1) * 100;
        probe_x_num(in, "total", total);
        probe_x_num(in, "ear", ear);
        probe_prompt(in,
                     "$%d is invested at %d%% annual interest compounded %s for %d years. Give "
                     "two lines at the end of your answer: the final value, then the effective "
                     "annual rate in percent, both with 2 decimals.",
                     pr, rate, comp[c], y);
        char *ts = fmt_grouped(round(total * 100) / 100);
        g = sk_asprintf("Using A = P(1 + r/n)^(nt):\nFinal value: $%s\nEffective annual rate: %.2f%%",
                        ts, ear);
        b1 = sk_asprintf("Final value: $%.2f\nEffective annual rate: %.2f%%", pr * (1 + rr * y), ear);
        b2 = sk_asprintf("Final value: $%s\nEffective annual rate: %d.00%%", ts, rate);
        free(ts);
        three_answers(in, g, "simple interest", b1, "nominal rate as EAR", b2);
    }
    free(g);
    free(b1);
    free(b2);
}

static void ar_eval(ProbeEv *ev)
{
    if (ev->in->level < 3) {
        check_last_number(ev, probe_xd(ev->in, "value"), probe_xd(ev->in, "tol"));
        return;
    }
    char *a, *b;
    last_two_lines(ev->resp, &a, &b);
    double t = NAN, e = NAN;
    bool ok = a && b && last_number(a, &t) && last_number(b, &e);
    if (probe_cp(ev, "numbers_found", ok, "expected the final value and the rate on the last two lines")) {
        double want = probe_xd(ev->in, "total");
        probe_cp(ev, "total_correct", fabs(t - want) <= want * 0.002, "final value %g, expected %.2f",
                 t, want);
        probe_cp(ev, "ear_correct", probe_near(e, probe_xd(ev->in, "ear"), 0.02),
                 "effective rate %g, expected %.2f", e, probe_xd(ev->in, "ear"));
    }
    free(a);
    free(b);
}

/* ------------------------------------------------------------------ reason.logic */

/* First whole word "yes" or "no" (case-insensitive). 1 yes, 0 no, -1 none. */
static int yes_no(const char *s)
{
    for (const char *p = s; *p; p++) {
        if (p != s && isalnum((unsigned char)p[-1]))
            continue;
        if (!strncasecmp(p, "yes", 3) && !isalnum((unsigned char)p[3]))
            return 1;
        if (!strncasecmp(p, "no", 2) && !isalnum((unsigned char)p[2]))
            return 0;
    }
    return -1;
}

static void lg_gen(ProbeInstance *in, Rng *r)
{
    char *g = NULL, *b1 = NULL, *b2 = NULL;
    if (in->level == 1) {
        static const char *const t[8][5] = {
            /* plural, singular, class plural, class singular, name */
            {"dogs", "dog", "mammals", "mammal", "Rex"},
            {"cats", "cat", "animals", "animal", "Whiskers"},
            {"roses", "rose", "flowers", "flower", "Bella"},
            {"sparrows", "sparrow", "birds", "bird", "Tweety"},
            {"salmon", "salmon", "fish", "fish", "Finley"},
            {"oaks", "oak", "trees", "tree", "Woody"},
            {"pythons", "python", "snakes", "snake", "Slither"},
            {"eagles", "eagle", "birds", "bird", "Sky"}};
        size_t k = rng_index(r, 8);
        bool yes = rng_int(r, 0, 1);
        if (yes)
            probe_prompt(in, "All %s are %s. %s is a %s. Is %s a %s? Answer Yes or No.", t[k][0],
                         t[k][2], t[k][4], t[k][1], t[k][4], t[k][3]);
        else
            probe_prompt(in, "No %s are %s. %s is a %s. Is %s a %s? Answer Yes or No.", t[k][2],
                         t[k][0], t[k][4], t[k][3], t[k][4], t[k][1]);
        probe_x_int(in, "yes", yes);
        g = sk_asprintf("**%s.** The conclusion follows from the premises.", yes ? "Yes" : "No");
        b1 = sk_strdup(yes ? "No." : "Yes.");
        b2 = sk_strdup("It cannot be determined from the information given.");
        three_answers(in, g, "opposite answer", b1, "refuses to decide", b2);
    } else if (in->level == 2) {
        static const char *const names[] = {"Alice", "Bob", "Carol", "Dave", "Erin"};
        int k = rng_int(r, 0, 1) ? 4 : 5;
        int seat[5]; /* seat[pos] = person */
        for (int i = 0; i < 5; i++)
            seat[i] = i;
        rng_shuffle(r, seat, 5, sizeof seat[0]);
        int hidden = (int)rng_index(r, (size_t)k); /* position deduced by elimination */
        SkBuf p = SK_BUF_INIT;
        sk_buf_printf(&p, "%d people sit in a row of %d seats numbered 1 to %d from left to right:", k,
                      k, k);
        for (int i = 0; i < k; i++)
            sk_buf_printf(&p, "%s %s", i ? "," : "", names[seat[i]]);
        sk_buf_puts(&p, ". Clues:");
        for (int pos = 0; pos < k; pos++) {
            if (pos == hidden)
                continue;
            if (pos + 1 < k && pos + 1 != hidden && rng_int(r, 0, 2) == 0)
                sk_buf_printf(&p, " %s sits immediately left of %s.", names[seat[pos]],
                              names[seat[pos + 1]]);
            else
                sk_buf_printf(&p, " %s sits in seat %d.", names[seat[pos]], pos + 1);
        }
        /* every clue chain must be anchored: state the seat of the last non-hidden person */
        int last = k - 1 == hidden ? k - 2 : k - 1;
        sk_buf_printf(&p, " %s sits in seat %d.", names[seat[last]], last + 1);
        sk_buf_printf(&p, " Who sits in seat %d? Give the name on the last line.", hidden + 1);
        probe_prompt(in, "%s", p.data);
        sk_buf_done(&p);
        json_t *cands = json_array();
        for (int i = 0; i < k; i++)
            json_array_append_new(cands, json_string(names[seat[i]]));
        probe_x_set(in, "names", cands);
        probe_x_str(in, "answer", names[seat[hidden]]);
        int other = (hidden + 1) % k;
        g = sk_asprintf("Placing everyone who has a known seat, %s is left over.\n%s",
                        names[seat[other]], names[seat[hidden]]);
        /* (the correct answer mentions another name first: only the last one counts) */
        b1 = sk_asprintf("%s", names[seat[other]]);
        b2 = sk_strdup("There is not enough information to tell.");
        three_answers(in, g, "wrong person", b1, "no name", b2);
    } else {
        int n = rng_int(r, 0, 1) ? 3 : 4;
        int cost[4][4];
        SkBuf p = SK_BUF_INIT;
        sk_buf_printf(&p, "Assign %d tasks to %d workers, one task each. Costs (task: worker costs):\n", n, n);
        for (int t = 0; t < n; t++) {
            sk_buf_printf(&p, "Task %c:", 'A' + t);
            for (int w = 0; w < n; w++) {
                cost[t][w] = (int)rng_int(r, 1, 20);
                sk_buf_printf(&p, " W%d=%d", w + 1, cost[t][w]);
            }
            sk_buf_putc(&p, '\n');
        }
        sk_buf_puts(&p, "What is the minimum total cost? Give the number on the last line.");
        probe_prompt(in, "%s", p.data);
        sk_buf_done(&p);
        int perm[4] = {0, 1, 2, 3}, best = 1 << 30, second = 1 << 30, worst = 0;
        /* all permutations (Heap's algorithm would do; n <= 4 so nested swaps suffice) */
        int vals[24], nv = 0;
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++)
                for (int c = 0; c < n; c++)
                    for (int d = 0; d < (n == 4 ? n : 1); d++) {
                        int q[4] = {a, b, c, n == 4 ? d : 0};
                        bool distinct = a != b && a != c && b != c &&
                                        (n == 3 || (d != a && d != b && d != c));
                        if (!distinct)
                            continue;
                        int s = 0;
                        for (int t = 0; t < n; t++)
                            s += cost[t][q[t]];
                        vals[nv++] = s;
                    }
        (void)perm;
        for (int i = 0; i < nv; i++)
            best = SK_MIN(best, vals[i]), worst = SK_MAX(worst, vals[i]);
        for (int i = 0; i < nv; i++)
            if (vals[i] > best)
                second = SK_MIN(second, vals[i]);
        if (second == 1 << 30)
            second = best + 1;
        probe_x_int(in, "best", best);
        g = sk_asprintf("Checking every assignment, the cheapest total is:\n%d", best);
        b1 = sk_asprintf("Minimum total cost: %d", second);
        b2 = sk_asprintf("Minimum total cost: %d", worst == best ? best + 2 : worst);
        three_answers(in, g, "near-optimal assignment", b1, "the maximum", b2);
    }
    free(g);
    free(b1);
    free(b2);
}

static void lg_eval(ProbeEv *ev)
{
    const ProbeInstance *in = ev->in;
    if (in->level == 1) {
        int yn = yes_no(ev->resp);
        probe_cp(ev, "answer_correct", yn == probe_xi(in, "yes"), "answered %s, expected %s",
                 yn < 0 ? "neither yes nor no" : yn ? "yes" : "no", probe_xi(in, "yes") ? "yes" : "no");
    } else if (in->level == 2) {
        /* the answer line: the last line naming a candidate; in it, the first name named
         * ("Bob (Alice is in seat 1)" answers Bob) */
        const char *want = probe_xs(in, "answer"), *got = NULL;
        SkVec lines;
        probe_lines(ev->resp, &lines);
        for (size_t li = lines.len; li > 0 && !got; li--) {
            const char *line = sk_vec_get(&lines, li - 1), *first = NULL;
            size_t i;
            json_t *nm;
            json_array_foreach(probe_xj(in, "names"), i, nm) {
                const char *name = json_string_value(nm);
                const char *hit = probe_word_count_of(line, name) ? sk_str_casestr(line, name) : NULL;
                if (hit && (!first || hit < first))
                    first = hit, got = name;
            }
        }
        sk_vec_done(&lines);
        probe_cp(ev, "answer_correct", got && !strcmp(got, want), "answered %s, expected %s",
                 got ? got : "no name", want);
    } else {
        double v;
        if (probe_cp(ev, "number_found", last_number(ev->resp, &v), "no number in the answer"))
            probe_cp(ev, "cost_correct", v == (double)probe_xi(in, "best"),
                     "the answer is %g, expected %lld", v, probe_xi(in, "best"));
    }
}

/* ------------------------------------------------------------------ reason.spatial */

static void sp_gen(ProbeInstance *in, Rng *r)
{
    char *g, *b1, *b2;
    if (in->level == 1) {
        int x1 = (int)rng_int(r, -20, 20), y1 = (int)rng_int(r, -20, 20), x2, y2;
        do
            x2 = (int)rng_int(r, -20, 20), y2 = (int)rng_int(r, -20, 20);
        while (x2 == x1 || y2 == y1 || abs(x2 - x1) == abs(y2 - y1));
        bool eu = rng_int(r, 0, 1);
        double dx = abs(x2 - x1), dy = abs(y2 - y1);
        double e = eu ? round(sqrt(dx * dx + dy * dy) * 10) / 10 : dx + dy;
        probe_x_num(in, "value", e);
        probe_x_num(in, "tol", 0.15);
        probe_prompt(in,
                     "What is the %s distance between the points (%d, %d) and (%d, %d)? Round to "
                     "1 decimal and give the number on the last line.",
                     eu ? "Euclidean" : "Manhattan", x1, y1, x2, y2);
        g = sk_asprintf("dx = %.0f, dy = %.0f.\nDistance: %.1f", dx, dy, e);
        b1 = sk_asprintf("Distance: %.1f", eu ? dx + dy : sqrt(dx * dx + dy * dy));
        b2 = sk_asprintf("Distance: %.1f", eu ? dx * dx + dy * dy : SK_MAX(dx, dy));
        three_answers(in, g, "the other metric", b1, eu ? "square root forgotten" : "largest difference only", b2);
    } else if (in->level == 2) {
        int w = (int)rng_int(r, 2, 10), h;
        do
            h = (int)rng_int(r, 1, 10);
        while (h == w);
        int prop = (int)rng_index(r, 3);
        static const char *const props[] = {"area", "perimeter", "diagonal length"};
        double vals[3] = {w * h, 2.0 * (w + h), sqrt((double)w * w + h * h)};
        double e = round(vals[prop] * 100) / 100;
        probe_x_num(in, "value", e);
        probe_x_num(in, "tol", SK_MAX(0.02, e * 0.005));
        int x = (int)rng_int(r, 0, 5), y = (int)rng_int(r, 0, 5);
        probe_prompt(in,
                     "A rectangle has corners (%d, %d), (%d, %d), (%d, %d) and (%d, %d). What is "
                     "its %s? Round to 2 decimals and give the number on the last line.",
                     x, y, x + w, y, x + w, y + h, x, y + h, props[prop]);
        g = sk_asprintf("Width %d, height %d.\n%.2f", w, h, e);
        double wrong1 = prop == 0 ? vals[1] : prop == 1 ? vals[0] : (double)(w + h);
        if (fabs(wrong1 - e) < 0.05)
            wrong1 = e + w;
        b1 = sk_asprintf("%.2f", wrong1);
        b2 = sk_asprintf("%.2f", prop == 2 ? (double)(w * w + h * h) : (double)(w + h));
        three_answers(in, g, "the wrong formula", b1, "a half-done formula", b2);
    } else {
        static const struct {
            const char *name;
            double lat, lon;
        } cities[] = {{"New York", 40.7128, -74.0060}, {"London", 51.5074, -0.1278},
                      {"Tokyo", 35.6762, 139.6503},    {"Sydney", -33.8688, 151.2093},
                      {"Paris", 48.8566, 2.3522},      {"Cairo", 30.0444, 31.2357},
                      {"Mumbai", 19.0760, 72.8777},    {"Sao Paulo", -23.5505, -46.6333}};
        size_t pick[2];
        rng_sample(r, 8, 2, pick);
        double la1 = cities[pick[0]].lat * M_PI / 180, la2 = cities[pick[1]].lat * M_PI / 180;
        double dla = la2 - la1, dlo = (cities[pick[1]].lon - cities[pick[0]].lon) * M_PI / 180;
        double a = sin(dla / 2) * sin(dla / 2) + cos(la1) * cos(la2) * sin(dlo / 2) * sin(dlo / 2);
        double km = 2 * 6371 * atan2(sqrt(a), sqrt(1 - a));
        probe_x_num(in, "value", round(km));
        probe_x_num(in, "tol", SK_MAX(5, km * 0.005));
        probe_prompt(in,
                     "Using the haversine formula with an Earth radius of 6371 km, what is the "
                     "great-circle distance between %s (%.4f, %.4f) and %s (%.4f, %.4f)? Give the "
                     "distance in km on the last line.",
                     cities[pick[0]].name, cities[pick[0]].lat, cities[pick[0]].lon,
                     cities[pick[1]].name, cities[pick[1]].lat, cities[pick[1]].lon);
        char *ks = fmt_grouped(round(km * 10) / 10);
        g = sk_asprintf("Applying the haversine formula:\nAbout %s km", ks);
        free(ks);
        double flat = sqrt(pow(cities[pick[1]].lat - cities[pick[0]].lat, 2) +
                           pow(cities[pick[1]].lon - cities[pick[0]].lon, 2)) * 111.2;
        b1 = sk_asprintf("About %.0f km", fabs(flat - km) < 60 ? km * 1.1 : flat);
        b2 = sk_asprintf("About %.0f km", km * 3959 / 6371);
        three_answers(in, g, "flat-earth approximation", b1, "Earth radius in miles", b2);
    }
    free(g);
    free(b1);
    free(b2);
}

static void sp_eval(ProbeEv *ev)
{
    check_last_number(ev, probe_xd(ev->in, "value"), probe_xd(ev->in, "tol"));
}

/* ------------------------------------------------------------------ reason.planning */

/* Task letters (single capital letters A..A+n-1 as whole words) of LINE, in order. */
static size_t task_letters(const char *line, int n, char *out, size_t max)
{
    size_t k = 0;
    for (const char *p = line; *p && k < max; p++) {
        if (*p >= 'A' && *p < 'A' + n && (p == line || !isalnum((unsigned char)p[-1])) &&
            !isalnum((unsigned char)p[1]))
            out[k++] = *p;
    }
    return k;
}

static void pl_gen(ProbeInstance *in, Rng *r)
{
    char *g = NULL, *b1 = NULL, *b2 = NULL;
    if (in->level == 1) {
        static const int sizes[] = {4, 5, 6};
        int n = sizes[rng_index(r, 3)];
        json_t *edges = json_array();
        SkBuf p = SK_BUF_INIT;
        sk_buf_printf(&p, "Tasks A to %c have these dependencies (X -> Y means X must finish "
                          "before Y starts):",
                      'A' + n - 1);
        for (int i = 1; i < n; i++) {
            int nd = (int)rng_int(r, 1, SK_MIN(2, i));
            size_t deps[2];
            rng_sample(r, (size_t)i, (size_t)nd, deps);
            for (int j = 0; j < nd; j++) {
                json_array_append_new(edges, json_pack("[i,i]", (int)deps[j], i));
                sk_buf_printf(&p, " %c -> %c;", 'A' + (int)deps[j], 'A' + i);
            }
        }
        sk_buf_puts(&p, " Give a valid order to run all tasks, as comma-separated letters on the "
                        "last line.");
        probe_prompt(in, "%s", p.data);
        sk_buf_done(&p);
        probe_x_set(in, "edges", edges);
        probe_x_int(in, "n", n);
        /* identity order is a topological order here (edges go from lower to higher) */
        SkBuf o = SK_BUF_INIT, rev = SK_BUF_INIT, miss = SK_BUF_INIT;
        for (int i = 0; i < n; i++) {
            sk_buf_printf(&o, "%s%c", i ? ", " : "", 'A' + i);
            sk_buf_printf(&rev, "%s%c", i ? ", " : "", 'A' + n - 1 - i);
            if (i < n - 1)
                sk_buf_printf(&miss, "%s%c", i ? ", " : "", 'A' + i);
        }
        g = sk_asprintf("I start with the tasks that have no prerequisites.\n%s", o.data);
        b1 = sk_strdup(rev.data);
        b2 = sk_strdup(miss.data);
        sk_buf_done(&o), sk_buf_done(&rev), sk_buf_done(&miss);
        three_answers(in, g, "reversed order", b1, "a task left out", b2);
    } else if (in->level == 2) {
        static const char *const graphs[3] = {"A -> B, A -> C, B -> D, C -> E",
                                              "A -> C, B -> C, C -> D, C -> E",
                                              "A -> B, A -> C, B -> D, C -> D, A -> E"};
        static const char *const after[3] = {"A", "A and B", "A"};
        static const char *const ans[3] = {"BC", "C", "BCE"};
        size_t k = rng_index(r, 3);
        probe_prompt(in,
                     "Five tasks A-E have dependencies %s (X -> Y: Y needs X). Once %s %s done, "
                     "which tasks can start right away, in parallel? List their letters, "
                     "comma-separated, on the last line.",
                     graphs[k], after[k], k == 1 ? "are" : "is");
        probe_x_str(in, "answer", ans[k]);
        SkBuf o = SK_BUF_INIT;
        for (const char *c = ans[k]; *c; c++)
            sk_buf_printf(&o, "%s%c", c == ans[k] ? "" : ", ", *c);
        g = sk_asprintf("Tasks whose prerequisites are all finished:\n%s", o.data);
        b1 = k == 1 ? sk_strdup("C, D") : sk_asprintf("%c", ans[k][0]);
        b2 = sk_asprintf("%s, D", o.data);
        sk_buf_done(&o);
        three_answers(in, g, k == 1 ? "a dependent task included" : "one task missing", b1,
                      "a blocked task included", b2);
    } else {
        bool test_fails = rng_int(r, 0, 1);
        const char *failed = test_fails ? "Test" : "Lint", *other = test_fails ? "Lint" : "Test";
        probe_prompt(in,
                     "A pipeline runs Build first, then Test and Lint (both need Build), then "
                     "Deploy (needs Test and Lint), then Notify (needs Deploy). %s fails; a step "
                     "whose prerequisite failed is skipped. Answer with two lines at the end: "
                     "line 1 the steps that completed successfully in execution order, line 2 the "
                     "steps that did not complete (failed or skipped) in alphabetical order.",
                     failed);
        json_t *done = json_pack("[s,s]", "Build", other);
        json_t *notdone = json_array();
        const char *nd[3] = {"Deploy", "Notify", failed};
        /* alphabetical: Deploy, Lint/Test..., Notify */
        const char *sorted[3];
        memcpy(sorted, nd, sizeof nd);
        for (int i = 1; i < 3; i++)
            for (int j = i; j > 0 && strcmp(sorted[j], sorted[j - 1]) < 0; j--) {
                const char *t = sorted[j];
                sorted[j] = sorted[j - 1];
                sorted[j - 1] = t;
            }
        for (int i = 0; i < 3; i++)
            json_array_append_new(notdone, json_string(sorted[i]));
        probe_x_set(in, "done", done);
        probe_x_set(in, "notdone", notdone);
        g = sk_asprintf("%s fails, so everything after it is skipped.\nCompleted: Build, %s\n"
                        "Not completed: %s, %s, %s",
                        failed, other, sorted[0], sorted[1], sorted[2]);
        b1 = sk_asprintf("Completed: Build, %s, Deploy\nNot completed: %s, Notify", other, failed);
        b2 = sk_asprintf("Completed: Build, %s\nNot completed: Deploy, Notify", other);
        three_answers(in, g, "deploy counted as done", b1, "failed step not listed", b2);
    }
    free(g);
    free(b1);
    free(b2);
}

static const char *const steps5[] = {"Build", "Test", "Lint", "Deploy", "Notify"};

/* Step names of LINE in order of appearance, as a JSON array. */
static json_t *step_names(const char *line)
{
    json_t *a = json_array();
    const char *p = line;
    while (*p) {
        const char *best = NULL;
        size_t bi = 0;
        for (size_t i = 0; i < 5; i++) {
            const char *h = sk_str_casestr(p, steps5[i]);
            if (h && (!best || h < best))
                best = h, bi = i;
        }
        if (!best)
            break;
        json_array_append_new(a, json_string(steps5[bi]));
        p = best + strlen(steps5[bi]);
    }
    return a;
}

static void pl_eval(ProbeEv *ev)
{
    const ProbeInstance *in = ev->in;
    char *a, *b;
    size_t n = last_two_lines(ev->resp, &a, &b);
    if (in->level < 3) {
        /* the answer line: the last line holding task letters (a closing sentence after it
         * is fine) */
        SkVec lines;
        probe_lines(ev->resp, &lines);
        int tasks = in->level == 1 ? (int)probe_xi(in, "n") : 5;
        for (size_t li = lines.len; li > 0; li--) {
            char tmp[64];
            if (task_letters(sk_vec_get(&lines, li - 1), tasks, tmp, sizeof tmp) >= 1) {
                free(b);
                b = sk_strdup(sk_vec_get(&lines, li - 1));
                break;
            }
        }
        sk_vec_done(&lines);
    }
    if (in->level == 1) {
        int tasks = (int)probe_xi(in, "n");
        char order[64];
        size_t k = b ? task_letters(b, tasks, order, sizeof order) : 0;
        bool seen[26] = {false}, dup = false;
        int distinct = 0;
        for (size_t i = 0; i < k; i++) {
            dup |= seen[order[i] - 'A'];
            distinct += !seen[order[i] - 'A'];
            seen[order[i] - 'A'] = true;
        }
        probe_cp(ev, "tasks_complete", distinct == tasks, "%d of %d tasks in the order", distinct, tasks);
        probe_cp(ev, "no_duplicates", !dup, "a task appears twice");
        size_t i;
        json_t *e;
        char why[96] = "";
        json_array_foreach(probe_xj(in, "edges"), i, e) {
            int x = (int)json_integer_value(json_array_get(e, 0)),
                y = (int)json_integer_value(json_array_get(e, 1));
            const char *px = memchr(order, 'A' + x, k), *py = memchr(order, 'A' + y, k);
            if (!why[0] && px && py && px > py)
                snprintf(why, sizeof why, "%c runs before %c, but %c -> %c", 'A' + y, 'A' + x,
                         'A' + x, 'A' + y);
        }
        probe_cp(ev, "order_valid", k > 0 && !why[0], "%s", why[0] ? why : "no order found");
    } else if (in->level == 2) {
        char got[16];
        size_t k = b ? task_letters(b, 5, got, sizeof got) : 0;
        bool set[5] = {false};
        for (size_t i = 0; i < k; i++)
            set[got[i] - 'A'] = true;
        char s[8];
        size_t m = 0;
        for (int i = 0; i < 5; i++)
            if (set[i])
                s[m++] = (char)('A' + i);
        s[m] = 0;
        probe_cp(ev, "answer_correct", !strcmp(s, probe_xs(in, "answer")),
                 "answered {%s}, expected {%s}", s, probe_xs(in, "answer"));
    } else {
        if (probe_cp(ev, "lines_found", n >= 2, "expected two lines")) {
            json_t *d = step_names(a), *nd = step_names(b);
            char *ds = js_dump_compact(d), *nds = js_dump_compact(nd);
            char *wd = js_dump_compact(probe_xj(in, "done")), *wnd = js_dump_compact(probe_xj(in, "notdone"));
            probe_cp(ev, "completed_correct", json_equal(d, probe_xj(in, "done")),
                     "completed %s, expected %s", ds, wd);
            /* order of the second line is not essential: compare as sets */
            bool same = json_array_size(nd) == json_array_size(probe_xj(in, "notdone"));
            size_t i;
            json_t *x;
            json_array_foreach(probe_xj(in, "notdone"), i, x) {
                bool found = false;
                size_t j;
                json_t *y;
                json_array_foreach(nd, j, y) found |= json_equal(x, y);
                same &= found;
            }
            probe_cp(ev, "skipped_correct", same, "not completed %s, expected %s", nds, wnd);
            free(ds), free(nds), free(wd), free(wnd);
            json_decref(d), json_decref(nd);
        }
    }
    free(a);
    free(b);
}

/* ------------------------------------------------------------------ reason.analysis */

static void an_gen(ProbeInstance *in, Rng *r)
{
    static const char *const l1[8][3] = {
        {"def f(xs): return [x for x in xs if x % 2 == 0]", "even", "It keeps the even numbers."},
        {"def f(s): return s[::-1]", "reverse|backward", "It reverses the string."},
        {"def f(xs): return max(xs) - min(xs)", "range|difference|spread|max minus min|largest minus smallest", "It computes the range (max minus min)."},
        {"def f(n): return n * (n + 1) // 2", "sum|triangular|total|adds", "Sum of the integers 1..n."},
        {"def f(xs): return len(set(xs))", "unique|distinct", "Counts the unique values."},
        {"def f(s): return s.upper()", "upper|capital", "Converts text to uppercase."},
        {"def f(xs): return sorted(xs)", "sort|ascending|in order", "Returns the list sorted."},
        {"def f(d): return list(d.keys())", "key", "Lists the dictionary keys."}};
    static const char *const l2[6][3] = {
        {"def avg(xs):\n    return sum(xs) / (len(xs) - 1)", "len|length|divid|minus 1|- 1|off by one|off-by-one",
         "The divisor is len(xs) - 1 instead of len(xs), so the average is too high."},
        {"def fact(n):\n    r = 0\n    for i in range(1, n + 1):\n        r *= i\n    return r", "zero|r = 0|= 0|starts at 0|initialized to 0|initialised to 0|should start at 1",
         "r starts at zero, so the product is always zero; it should start at 1."},
        {"def biggest(xs):\n    m = 0\n    for x in xs:\n        if x > m:\n            m = x\n    return m",
         "negative|-inf|xs[0]|below 0|less than 0", "m starts at 0, so a list of only negative numbers returns 0."},
        {"def rev(s):\n    return s.reverse()", "reverse|[::-1]|no attribute|immutable",
         "Strings have no reverse() method; use s[::-1] to reverse."},
        {"def search(a, t):\n    lo, hi = 0, len(a) - 1\n    while lo < hi:\n        mid = (lo + hi) // 2\n"
         "        if a[mid] < t:\n            lo = mid\n        else:\n            hi = mid\n    return lo",
         "loop|infinite|forever|never terminat|hang|mid + 1|mid+1", "lo = mid never advances, so the while loop can run forever; use lo = mid + 1."},
        {"def vowels(s):\n    return sum(1 for c in s if c in 'aeiou')", "upper|capital|case|lower()",
         "It ignores uppercase vowels such as 'A' and 'E'."}};
    char *g = NULL, *b1 = NULL, *b2 = NULL;
    if (in->level < 3) {
        size_t n = in->level == 1 ? 8 : 6, k = rng_index(r, n), o = (k + 1 + rng_index(r, n - 1)) % n;
        const char *const *row = in->level == 1 ? l1[k] : l2[k];
        const char *const *wrong = in->level == 1 ? l1[o] : l2[o];
        /* keywords: alternatives separated by '|' (any one shows understanding) */
        json_t *kws = json_array();
        char *alts = sk_strdup(row[1]), *save = NULL;
        for (char *t = strtok_r(alts, "|", &save); t; t = strtok_r(NULL, "|", &save))
            json_array_append_new(kws, json_string(t));
        free(alts);
        if (in->level == 1)
            probe_prompt(in, "In at most 5 words, what does this Python function do?\n\n%s", row[0]);
        else
            probe_prompt(in, "This Python function has a bug. What is it?\n\n%s", row[0]);
        g = sk_strdup(row[2]);
        /* a wrong explanation taken from another snippet must not contain our keyword */
        bool clash = false;
        size_t ki;
        json_t *kw;
        json_array_foreach(kws, ki, kw) clash |= sk_str_casestr(wrong[2], json_string_value(kw)) != NULL;
        b1 = sk_strdup(clash ? "It prints the input." : wrong[2]);
        probe_x_set(in, "keywords", kws);
        b2 = sk_strdup(in->level == 1 ? "It is a helper function." : "The code looks correct to me.");
        three_answers(in, g, "describes other code", b1, "vague answer", b2);
    } else {
        static const char *const progs[3][7] = {
            {"main.py", "from utils import parse_age\nfrom data import load\n\nfor row in load():\n    print(parse_age(row['age']))\n",
             "utils.py", "def parse_age(text):\n    text = text.strip()\n    return int(text)\n",
             "data.py", "def load():\n    return [{'age': '41'}, {'age': '30.5'}]\n", "utils.py:3"},
            {"main.py", "from data import get_user\n\nuser = get_user(7)\nprint(user['name'])\n",
             "data.py", "USERS = {\n    1: {'name': 'Ann'},\n    2: {'name': 'Bo'},\n}\n\n\ndef get_user(uid):\n    return USERS[uid]\n",
             "config.py", "DEBUG = False\nDEFAULT_ID = 1\n", "data.py:8"},
            {"main.py", "from process import total\nfrom fetch import fetch_prices\n\nprint(total(fetch_prices('XYZ')))\n",
             "fetch.py", "def fetch_prices(sym):\n    if sym != 'ABC':\n        return None\n    return [1, 2, 3]\n",
             "process.py", "def total(prices):\n    # prices may be missing\n    s = 0\n    if prices == []:\n        return 0\n    for p in prices:\n        s += p\n    return s\n", "process.py:6"}};
        size_t k = rng_index(r, 3);
        SkBuf p = SK_BUF_INIT;
        sk_buf_puts(&p, "Running python3 main.py in the current directory crashes. Files:\n");
        for (int f = 0; f < 3; f++) {
            probe_file(in, progs[k][2 * f], progs[k][2 * f + 1]);
            sk_buf_printf(&p, "\n--- %s ---\n%s", progs[k][2 * f], progs[k][2 * f + 1]);
        }
        sk_buf_puts(&p, "\nWhere is the root cause? End your answer with two lines: the file "
                        "name, then the line number.");
        probe_prompt(in, "%s", p.data);
        sk_buf_done(&p);
        char file[32];
        int line = 0;
        sscanf(progs[k][6], "%31[^:]:%d", file, &line);
        probe_x_str(in, "file", file);
        probe_x_int(in, "line", line);
        const char *other = !strcmp(file, "main.py") ? "utils.py" : "main.py";
        g = sk_asprintf("Tracing the call from main.py into %s shows the failing line.\n%s\n%d",
                        file, file, line);
        b1 = sk_asprintf("%s\n%d", file, line + 5);
        b2 = sk_asprintf("%s\n%d", other, line);
        three_answers(in, g, "wrong line", b1, "wrong file", b2);
    }
    free(g);
    free(b1);
    free(b2);
}

static void an_eval(ProbeEv *ev)
{
    const ProbeInstance *in = ev->in;
    if (in->level < 3) {
        json_t *kws = probe_xj(in, "keywords");
        bool found = false;
        size_t i;
        json_t *kw;
        json_array_foreach(kws, i, kw) found |= sk_str_casestr(ev->resp, json_string_value(kw)) != NULL;
        probe_cp(ev, "keyword_found", found, "the answer does not mention '%s' (or an equivalent)",
                 json_string_value(json_array_get(kws, 0)));
        return;
    }
    char *a, *b;
    size_t n = last_two_lines(ev->resp, &a, &b);
    if (probe_cp(ev, "format_correct", n >= 2, "expected a file line and a line-number line")) {
        char file[64] = "";
        RegexMatch m[1];
        Regex *re = NULL;
        bool found = false;
        if (regex_compile("[\\w./-]+\\.py", 0, &re, NULL) == SK_OK &&
            regex_search(re, a, strlen(a), 0, &found, m, 1, NULL) == SK_OK && found)
            snprintf(file, sizeof file, "%.*s", (int)(m[0].end - m[0].start), a + m[0].start);
        regex_free(re);
        const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
        probe_cp(ev, "file_correct", !strcmp(base, probe_xs(in, "file")), "file '%s', expected %s",
                 file, probe_xs(in, "file"));
        double v;
        bool num = last_number(b, &v);
        probe_cp(ev, "line_correct", num && fabs(v - (double)probe_xi(in, "line")) <= 2,
                 "line %g, expected %lld (within 2)", num ? v : -1.0, probe_xi(in, "line"));
    }
    free(a);
    free(b);
}

const ProbeSpec probe_reason_specs[5] = {
    {"reason.arithmetic", ar_gen, ar_eval,
     {"one arithmetic operation", "a multi-step price calculation",
      "compound interest and effective annual rate"}},
    {"reason.logic", lg_gen, lg_eval,
     {"a one-step syllogism", "a seating puzzle solved by elimination",
      "a minimum-cost assignment (optimization)"}},
    {"reason.spatial", sp_gen, sp_eval,
     {"a 2D distance", "rectangle geometry (area, perimeter, diagonal)",
      "great-circle distance on a sphere"}},
    {"reason.planning", pl_gen, pl_eval,
     {"a valid order for dependent tasks", "which tasks can run in parallel",
      "a pipeline with a failing step: completed and skipped steps"}},
    {"reason.analysis", an_gen, an_eval,
     {"the purpose of a short function", "the bug in a short function",
      "the root cause of a crash across three files"}},
};
