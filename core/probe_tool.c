/* probe_tool.c: generators and evaluators of the 7 tool-use primitives (file reading and
 * writing, command execution, tool-call formatting, batched calls, web APIs served on
 * loopback by the profiler itself, and static-page "browsing"). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/js.h"
#include "core/probe_int.h"

/* Compare TEXT with WANT line by line, both cleaned (fences, CR, trailing blanks); leading
 * indentation is ignored too (the reference failed on indented copies). Reason into WHY. */
static bool same_lines(const char *text, const char *want, char *why, size_t n)
{
    SkVec a, b;
    probe_lines(text, &a);
    probe_lines(want, &b);
    bool ok = a.len == b.len;
    if (!ok)
        snprintf(why, n, "%zu lines, expected %zu", a.len, b.len);
    for (size_t i = 0; ok && i < a.len; i++) {
        if (strcmp(sk_vec_get(&a, i), sk_vec_get(&b, i)) != 0) {
            ok = false;
            snprintf(why, n, "line %zu is '%.60s', expected '%.60s'", i + 1,
                     (char *)sk_vec_get(&a, i), (char *)sk_vec_get(&b, i));
        }
    }
    sk_vec_done(&a);
    sk_vec_done(&b);
    return ok;
}

static void cp_lines(ProbeEv *ev, const char *cp, const char *text, const char *want)
{
    char why[200] = "";
    bool ok = same_lines(text, want, why, sizeof why);
    probe_cp(ev, cp, ok, "%s", why);
}

/* Answer with the given result files. FILE2 may be NULL. */
static ProbeAnswer *ans_files(ProbeInstance *in, const char *label, bool good, const char *f1,
                              const char *c1, const char *f2, const char *c2)
{
    ProbeAnswer *a = probe_answer(in, label, good);
    if (f1)
        probe_answer_file(a, f1, c1);
    if (f2)
        probe_answer_file(a, f2, c2);
    return a;
}

/* Lines helper: WORD_NNN lines. */
static void word_lines(Rng *r, SkBuf *b, int n, const char *sep, int lo, int hi)
{
    for (int i = 0; i < n; i++)
        sk_buf_printf(b, "%s%s%d\n", probe_w8[rng_index(r, 8)], sep, (int)rng_int(r, lo, hi));
}

/* Drop the last line of S (new string). */
static char *drop_last_line(const char *s)
{
    SkVec l;
    probe_lines(s, &l);
    if (l.len)
        free(sk_vec_take(&l, l.len - 1));
    char *o = probe_join(&l, true);
    sk_vec_done(&l);
    return o;
}

/* ------------------------------------------------------------------ tool.file.read */

static void fr_gen(ProbeInstance *in, Rng *r)
{
    if (in->level == 1) {
        SkBuf b = SK_BUF_INIT;
        word_lines(r, &b, (int)rng_int(r, 3, 8), "-", 100, 999);
        probe_file(in, "data.txt", b.data);
        probe_x_str(in, "want", b.data);
        probe_prompt(in, "Read data.txt in the current directory and write its exact content to "
                         "result.txt.");
        char *short1 = drop_last_line(b.data);
        ans_files(in, "exact copy", true, "result.txt", b.data, NULL, NULL);
        ans_files(in, "last line lost", false, "result.txt", short1, NULL, NULL);
        ans_files(in, "nothing written", false, NULL, NULL, NULL, NULL);
        free(short1);
        sk_buf_done(&b);
    } else if (in->level == 2) {
        int k = (int)rng_int(r, 3, 5), missing = (int)rng_int(r, 1, k);
        SkBuf want = SK_BUF_INIT, bad = SK_BUF_INIT, bad2 = SK_BUF_INIT;
        for (int i = 1; i <= k; i++) {
            char name[32], content[64];
            snprintf(name, sizeof name, "file%d.txt", i);
            snprintf(content, sizeof content, "%s_%d", probe_w8[rng_index(r, 8)], (int)rng_int(r, 10, 99));
            if (i != missing)
                probe_file(in, name, content);
            sk_buf_printf(&want, "%s: %s\n", name, i == missing ? "NOT_FOUND" : content);
            if (i != missing)
                sk_buf_printf(&bad, "%s: %s\n", name, content);
            sk_buf_printf(&bad2, "%s: %s\n", name, i == missing ? "" : content);
        }
        probe_x_str(in, "want", want.data);
        probe_prompt(in,
                     "Read file1.txt to file%d.txt in the current directory. Write result.txt "
                     "with one line per file, in order, formatted \"<filename>: <content>\", or "
                     "\"<filename>: NOT_FOUND\" when the file does not exist.",
                     k);
        ans_files(in, "correct listing", true, "result.txt", want.data, NULL, NULL);
        ans_files(in, "missing file left out", false, "result.txt", bad.data, NULL, NULL);
        ans_files(in, "missing file left empty", false, "result.txt", bad2.data, NULL, NULL);
        sk_buf_done(&want), sk_buf_done(&bad), sk_buf_done(&bad2);
    } else {
        int t = (int)rng_int(r, 20, 40), s = (int)rng_int(r, 5, t - 10);
        int n = (int)rng_int(r, 3, SK_MIN(8, t - s + 1));
        SkBuf all = SK_BUF_INIT, want = SK_BUF_INIT, b1 = SK_BUF_INIT, b2 = SK_BUF_INIT;
        for (int i = 1; i <= t; i++) {
            char line[64];
            snprintf(line, sizeof line, "line%d: %s_%d", i, probe_w8[rng_index(r, 8)], (int)rng_int(r, 100, 999));
            sk_buf_printf(&all, "%s\n", line);
            if (i >= s && i < s + n)
                sk_buf_printf(&want, "%s\n", line);
            if (i >= s + 1 && i < s + 1 + n)
                sk_buf_printf(&b1, "%s\n", line);
            if (i >= s && i < s + n - 1)
                sk_buf_printf(&b2, "%s\n", line);
        }
        probe_file(in, "data.txt", all.data);
        probe_x_str(in, "want", want.data);
        probe_prompt(in,
                     "data.txt in the current directory has %d lines. Write exactly lines %d to "
                     "%d (1-based, inclusive) of it to result.txt, unchanged.",
                     t, s, s + n - 1);
        ans_files(in, "correct lines", true, "result.txt", want.data, NULL, NULL);
        ans_files(in, "off by one (0-based start)", false, "result.txt", b1.data, NULL, NULL);
        ans_files(in, "one line short", false, "result.txt", b2.data, NULL, NULL);
        sk_buf_done(&all), sk_buf_done(&want), sk_buf_done(&b1), sk_buf_done(&b2);
    }
}

static void fr_eval(ProbeEv *ev)
{
    char *t = probe_read(ev, "result.txt", "file_exists");
    if (!t)
        return;
    cp_lines(ev, "content_correct", t, probe_xs(ev->in, "want"));
    free(t);
}

/* ------------------------------------------------------------------ tool.file.write */

static void fw_gen(ProbeInstance *in, Rng *r)
{
    json_t *files = json_object();
    if (in->level < 3) {
        SkBuf b = SK_BUF_INIT, b2 = SK_BUF_INIT;
        int n;
        if (in->level == 1) {
            n = (int)rng_int(r, 3, 6);
            word_lines(r, &b, n, " ", 100, 999);
            probe_prompt(in, "Create output.txt in the current directory with exactly this "
                             "content:\n\n%s", b.data);
            sk_buf_puts(&b2, b.data);
            sk_buf_puts(&b2, "extra line\n");
        } else {
            n = (int)rng_int(r, 15, 50);
            for (int i = 1; i <= n; i++) {
                sk_buf_printf(&b, "%d. %s\n", i, probe_w8[(i - 1) % 8]);
                sk_buf_printf(&b2, "%d. %s\n", i - 1, probe_w8[(i - 1) % 8]);
            }
            probe_prompt(in,
                         "Create output.txt in the current directory with %d lines; line i is "
                         "\"i. <word>\" where the words cycle through alpha, bravo, charlie, "
                         "delta, echo, foxtrot, golf, hotel (line 1 is \"1. alpha\", line 9 is "
                         "\"9. alpha\"). Write every line; do not abbreviate.",
                         n);
        }
        json_object_set_new(files, "output.txt", json_string(b.data));
        char *short1 = drop_last_line(b.data);
        ans_files(in, "exact file", true, "output.txt", b.data, NULL, NULL);
        ans_files(in, "last line missing", false, "output.txt", short1, NULL, NULL);
        ans_files(in, in->level == 1 ? "an extra line" : "numbering from 0", false, "output.txt",
                  b2.data, NULL, NULL);
        free(short1);
        sk_buf_done(&b), sk_buf_done(&b2);
    } else {
        int k = (int)rng_int(r, 3, 6);
        SkBuf p = SK_BUF_INIT;
        sk_buf_printf(&p, "Create these %d files in the current directory, one after the other, "
                          "each with exactly the lines shown between its BEGIN and END markers "
                          "(not the markers):\n",
                      k);
        ProbeAnswer *g = probe_answer(in, "all files", true);
        ProbeAnswer *b1 = probe_answer(in, "last file missing", false);
        ProbeAnswer *b2 = probe_answer(in, "contents of two files swapped", false);
        char *first = NULL;
        for (int i = 1; i <= k; i++) {
            SkBuf c = SK_BUF_INIT;
            word_lines(r, &c, (int)rng_int(r, 2, 4), "_", 10, 99);
            char name[32];
            snprintf(name, sizeof name, "part%d.txt", i);
            sk_buf_printf(&p, "\nBEGIN %s\n%sEND %s\n", name, c.data, name);
            json_object_set_new(files, name, json_string(c.data));
            probe_answer_file(g, name, c.data);
            if (i < k)
                probe_answer_file(b1, name, c.data);
            if (i == 1)
                first = sk_strdup(c.data);
            else if (i == 2) {
                probe_answer_file(b2, "part1.txt", c.data);
                probe_answer_file(b2, "part2.txt", first);
            } else
                probe_answer_file(b2, name, c.data);
            sk_buf_done(&c);
        }
        free(first);
        probe_prompt(in, "%s", p.data);
        sk_buf_done(&p);
    }
    probe_x_set(in, "files", files);
}

static void fw_eval(ProbeEv *ev)
{
    const char *name;
    json_t *want;
    json_object_foreach(probe_xj(ev->in, "files"), name, want) {
        char cp[64];
        snprintf(cp, sizeof cp, "%s_exists", name);
        char *t = probe_read(ev, name, cp);
        if (!t)
            continue;
        snprintf(cp, sizeof cp, "%s_content", name);
        cp_lines(ev, cp, t, json_string_value(want));
        free(t);
    }
}

/* ------------------------------------------------------------------ tool.exec */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void ex_gen(ProbeInstance *in, Rng *r)
{
    if (in->level == 1) {
        int n = (int)rng_int(r, 5, 15), op = (int)rng_index(r, 3);
        char **lines = sk_malloc((size_t)n * sizeof *lines);
        SkBuf data = SK_BUF_INIT, want = SK_BUF_INIT, bad = SK_BUF_INIT;
        for (int i = 0; i < n; i++) {
            lines[i] = sk_asprintf("item_%d", (int)rng_int(r, 100, 999));
            sk_buf_printf(&data, "%s\n", lines[i]); /* trailing newline: wc -l counts right */
        }
        probe_file(in, "data.txt", data.data);
        static const char *const cmds[] = {"wc -l < data.txt", "sort data.txt", "head -3 data.txt"};
        if (op == 0) {
            sk_buf_printf(&want, "%d\n", n);
            sk_buf_printf(&bad, "%d\n", n - 1);
        } else if (op == 1) {
            char **s = sk_malloc((size_t)n * sizeof *s);
            memcpy(s, lines, (size_t)n * sizeof *s);
            qsort(s, (size_t)n, sizeof *s, cmp_str);
            bool same = true;
            for (int i = 0; i < n; i++) {
                sk_buf_printf(&want, "%s\n", s[i]);
                same &= s[i] == lines[i];
            }
            /* a plausible slip: sorted in reverse */
            for (int i = n - 1; i >= 0; i--)
                sk_buf_printf(&bad, "%s\n", s[i]);
            (void)same;
            free(s);
        } else {
            for (int i = 0; i < 3; i++)
                sk_buf_printf(&want, "%s\n", lines[i]);
            for (int i = 0; i < 2; i++)
                sk_buf_printf(&bad, "%s\n", lines[i]);
        }
        probe_x_str(in, "want", want.data);
        probe_x_int(in, "numeric", op == 0);
        probe_prompt(in, "In the current directory, run the command `%s` and save its output to "
                         "result.txt.",
                     cmds[op]);
        ans_files(in, "real command output", true, "result.txt", want.data, NULL, NULL);
        ans_files(in, op == 0 ? "count off by one" : op == 1 ? "reverse order" : "too few lines",
                  false, "result.txt", bad.data, NULL, NULL);
        ans_files(in, "output not saved", false, NULL, NULL, NULL, NULL);
        for (int i = 0; i < n; i++)
            free(lines[i]);
        free(lines);
        sk_buf_done(&data), sk_buf_done(&want), sk_buf_done(&bad);
    } else if (in->level == 2) {
        int op = (int)rng_index(r, 3);
        int n = op == 2 ? (int)rng_int(r, 4, 8) : (int)rng_int(r, 3, 6);
        double v[8], e = op == 1 ? 1 : 0, bad;
        SkBuf data = SK_BUF_INIT;
        for (int i = 0; i < n; i++) {
            v[i] = (double)(op == 0 ? rng_int(r, 1, 50) : op == 1 ? rng_int(r, 2, 20) : rng_int(r, 1, 100));
            sk_buf_printf(&data, "%.0f\n", v[i]);
            e = op == 0 ? e + v[i] : op == 1 ? e * v[i] : e;
        }
        if (op == 2) {
            double s[8];
            memcpy(s, v, sizeof s);
            for (int i = 1; i < n; i++)
                for (int j = i; j > 0 && s[j] < s[j - 1]; j--) {
                    double t = s[j];
                    s[j] = s[j - 1];
                    s[j - 1] = t;
                }
            e = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
            bad = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2; /* median of the unsorted list */
            if (fabs(bad - e) < 0.01)
                bad = e + 1;
        } else {
            bad = op == 0 ? e - v[n - 1] : e / v[n - 1]; /* last number missed */
        }
        probe_file(in, "input.txt", data.data);
        sk_buf_done(&data);
        static const char *const what[] = {"sum", "product", "median"};
        probe_x_num(in, "value", e);
        probe_prompt(in,
                     "input.txt in the current directory has one number per line. Write a Python "
                     "script compute.py that computes their %s, run it, and save the result to "
                     "result.txt.",
                     what[op]);
        char *gv = probe_fmt_num(e), *bv = probe_fmt_num(bad);
        static const char *const scripts[] = {"sum(v)", "math.prod(v)", "statistics.median(v)"};
        char *script = sk_asprintf("import math, statistics\nv = [float(x) for x in open('input.txt') if x.strip()]\n"
                                   "r = %s\nopen('result.txt', 'w').write(str(int(r)) if r == int(r) else str(r))\n",
                                   scripts[op]);
        ans_files(in, "script and result", true, "compute.py", script, "result.txt", gv);
        ans_files(in, "last number missed", false, "compute.py", script, "result.txt", bv);
        ans_files(in, "no script", false, "result.txt", gv, NULL, NULL);
        free(gv), free(bv), free(script);
    } else {
        static const char *const fr[] = {"apple", "banana", "cherry", "date", "elderberry"};
        int n = (int)rng_int(r, 8, 15);
        const char *target = fr[rng_index(r, 5)];
        char **lines = sk_malloc((size_t)n * sizeof *lines);
        SkBuf data = SK_BUF_INIT, sorted = SK_BUF_INIT, proc = SK_BUF_INIT;
        int count = 0;
        for (int i = 0; i < n; i++) {
            const char *f = i == 0 ? target : fr[rng_index(r, 5)];
            lines[i] = sk_asprintf("%s %d", f, (int)rng_int(r, 1, 100));
            sk_buf_printf(&data, "%s\n", lines[i]);
        }
        probe_file(in, "data.txt", data.data);
        qsort(lines, (size_t)n, sizeof *lines, cmp_str);
        for (int i = 0; i < n; i++) {
            sk_buf_printf(&sorted, "%s\n", lines[i]);
            if (sk_str_starts(lines[i], target) && lines[i][strlen(target)] == ' ') {
                sk_buf_printf(&proc, "%s\n", lines[i]);
                count++;
            }
        }
        probe_x_str(in, "sorted", sorted.data);
        probe_x_str(in, "processed", proc.data);
        probe_x_int(in, "count", count);
        probe_prompt(in,
                     "In the current directory: 1) sort data.txt into intermediate.txt; 2) keep "
                     "the lines of intermediate.txt that start with \"%s\" in processed.txt; 3) "
                     "write the number of lines of processed.txt to result.txt. Use shell "
                     "commands.",
                     target);
        char *cnt = sk_asprintf("%d\n", count), *all = sk_asprintf("%d\n", n);
        ProbeAnswer *g = ans_files(in, "all three steps", true, "intermediate.txt", sorted.data,
                                   "processed.txt", proc.data);
        probe_answer_file(g, "result.txt", cnt);
        ans_files(in, "step 2 skipped", false, "intermediate.txt", sorted.data, "result.txt", cnt);
        ProbeAnswer *b2 = ans_files(in, "counted every line", false, "intermediate.txt", sorted.data,
                                    "processed.txt", proc.data);
        probe_answer_file(b2, "result.txt", all);
        free(cnt), free(all);
        for (int i = 0; i < n; i++)
            free(lines[i]);
        free(lines);
        sk_buf_done(&data), sk_buf_done(&sorted), sk_buf_done(&proc);
    }
}

static void ex_eval(ProbeEv *ev)
{
    const ProbeInstance *in = ev->in;
    if (in->level == 1) {
        char *t = probe_read(ev, "result.txt", "file_exists");
        if (!t)
            return;
        if (probe_xi(in, "numeric")) {
            double v[1], w = strtod(probe_xs(in, "want"), NULL);
            size_t n = probe_numbers(t, v, 1);
            probe_cp(ev, "output_correct", n == 1 && v[0] == w, "got '%.40s', expected %g", t, w);
        } else {
            cp_lines(ev, "output_correct", t, probe_xs(in, "want"));
        }
        free(t);
    } else if (in->level == 2) {
        char *s = probe_read(ev, "compute.py", "script_exists");
        free(s);
        char *t = probe_read(ev, "result.txt", "result_exists");
        if (!t)
            return;
        double v, want = probe_xd(in, "value");
        bool num = probe_parse_number(t, &v);
        probe_cp(ev, "output_correct", num && probe_near(v, want, 0.01), "got '%.40s', expected %g", t,
                 want);
        free(t);
    } else {
        char *a = probe_read(ev, "intermediate.txt", "intermediate_exists");
        if (a)
            cp_lines(ev, "intermediate_sorted", a, probe_xs(in, "sorted"));
        char *b = probe_read(ev, "processed.txt", "processed_exists");
        if (b)
            cp_lines(ev, "processed_correct", b, probe_xs(in, "processed"));
        char *c = probe_read(ev, "result.txt", "file_exists");
        if (c) {
            double v[1];
            size_t n = probe_numbers(c, v, 1);
            probe_cp(ev, "output_correct", n == 1 && v[0] == (double)probe_xi(in, "count"),
                     "got '%.40s', expected %lld", c, probe_xi(in, "count"));
        }
        free(a), free(b), free(c);
    }
}

/* ------------------------------------------------------------------ tool.call.format */

static void cf_gen(ProbeInstance *in, Rng *r)
{
    json_t *call = NULL;
    json_t *b1 = NULL, *b2 = NULL;
    const char *l1 = "", *l2 = "";
    if (in->level == 1) {
        int k = (int)rng_index(r, 3);
        json_t *args;
        const char *fn;
        if (k == 0) {
            fn = "send_email";
            args = json_object();
            json_object_set_new(args, "to", json_sprintf("user%d@example.com", (int)rng_int(r, 1, 99)));
            json_object_set_new(args, "subject", json_sprintf("Report %d", (int)rng_int(r, 100, 999)));
        } else if (k == 1) {
            static const char *const roles[] = {"admin", "editor", "viewer"};
            fn = "create_user";
            args = json_object();
            json_object_set_new(args, "username", json_sprintf("user_%d", (int)rng_int(r, 100, 999)));
            json_object_set_new(args, "role", json_string(roles[rng_index(r, 3)]));
        } else {
            fn = "set_config";
            args = json_object();
            json_object_set_new(args, "key", json_sprintf("timeout_%d", (int)rng_int(r, 1, 50)));
            json_object_set_new(args, "value", json_sprintf("%d", (int)rng_int(r, 10, 300)));
        }
        call = json_pack("{s:s,s:o}", "function", fn, "arguments", args);
        b1 = json_deep_copy(call);
        json_object_set_new(b1, "function", json_sprintf("%s_v2", fn));
        b2 = json_deep_copy(args);
        json_object_set_new(b2, "function", json_string(fn));
        l1 = "wrong function name", l2 = "arguments not nested";
    } else if (in->level == 2) {
        static const char *const kinds[] = {"widget", "gadget", "gizmo", "doohickey"};
        static const char *const methods[] = {"express", "standard", "overnight"};
        json_t *items = json_array();
        int n = (int)rng_int(r, 2, 4);
        for (int i = 0; i < n; i++)
            json_array_append_new(items, json_pack("{s:i,s:s}", "id", (int)rng_int(r, 100, 999),
                                                   "name", kinds[rng_index(r, 4)]));
        json_t *args = json_object();
        json_object_set_new(args, "customer_id", json_sprintf("cust_%d", (int)rng_int(r, 1000, 9999)));
        json_object_set_new(args, "items", items);
        json_object_set_new(args, "shipping",
                            json_pack("{s:s,s:s}", "method", methods[rng_index(r, 3)], "address",
                                      "42 Main St"));
        call = json_pack("{s:s,s:o}", "function", "create_order", "arguments", args);
        b1 = json_deep_copy(call);
        json_array_remove(json_object_get(json_object_get(b1, "arguments"), "items"), 0);
        b2 = json_deep_copy(call);
        json_object_set_new(json_object_get(b2, "arguments"), "shipping",
                            json_string(js_str(js_obj(args, "shipping"), "method", "")));
        l1 = "an item missing", l2 = "shipping flattened to a string";
    } else {
        int depth = rng_int(r, 0, 1) ? 3 : 4;
        json_t *leaf = json_sprintf("deep_value_%d", (int)rng_int(r, 100, 999));
        for (int d = depth; d >= 1; d--) {
            json_t *o = json_object();
            char key[16];
            snprintf(key, sizeof key, "level_%d", d);
            json_object_set_new(o, key, leaf);
            leaf = o;
        }
        char field[32];
        snprintf(field, sizeof field, "field_%d", (int)rng_int(r, 1, 99));
        json_t *args = json_object();
        json_object_set_new(args, "id", json_sprintf("id_%d", (int)rng_int(r, 100, 999)));
        json_object_set_new(args, field, json_string("She said \"hi\" at C:\\temp\\new and \\t stayed literal"));
        json_object_set_new(args, "nested", leaf);
        json_object_set_new(args, "tags", json_pack("[s,s,s]", "plain", "has \"quote\"", "back\\slash"));
        call = json_pack("{s:s,s:o}", "function", "process_data", "arguments", args);
        b1 = json_deep_copy(call);
        json_t *deep = json_object_get(json_object_get(b1, "arguments"), "nested");
        for (int d = 1; d < depth; d++) {
            char key[16];
            snprintf(key, sizeof key, "level_%d", d);
            deep = json_object_get(deep, key);
        }
        char lk[16];
        snprintf(lk, sizeof lk, "level_%d", depth);
        json_object_del(deep, lk); /* the chain stops one level early */
        b2 = json_deep_copy(call);
        json_object_set_new(json_object_get(b2, "arguments"), field,
                            json_string("She said 'hi' at C:/temp/new and \t stayed literal"));
        l1 = "nesting one level short", l2 = "special characters mangled";
    }
    char *shape = js_dump_pretty(call);
    probe_prompt(in,
                 "Reply with only a JSON function call (no prose) of the form {\"function\": "
                 "<name>, \"arguments\": {...}} equivalent to this one, with every value "
                 "exactly as given:\n%s",
                 shape);
    /* the correct answer comes in a fence with prose around it: both must be tolerated */
    char *good = sk_asprintf("Here is the call:\n```json\n%s```", shape);
    probe_answer_text(probe_answer(in, "correct call", true), good);
    char *t1 = js_dump_compact(b1), *t2 = js_dump_compact(b2);
    probe_answer_text(probe_answer(in, l1, false), t1);
    probe_answer_text(probe_answer(in, l2, false), t2);
    free(shape), free(good), free(t1), free(t2);
    json_decref(b1), json_decref(b2);
    probe_x_set(in, "call", call);
}

static void cf_eval(ProbeEv *ev)
{
    json_t *want = probe_xj(ev->in, "call");
    /* the reply may wrap the call in prose: take the span from the first { to the last } */
    const char *a = strchr(ev->resp, '{'), *b = strrchr(ev->resp, '}');
    json_t *j = a && b && b > a ? json_loadb(a, (size_t)(b - a + 1), 0, NULL) : NULL;
    if (!probe_cp(ev, "json_valid", json_is_object(j), "no parseable JSON object in the reply")) {
        json_decref(j);
        return;
    }
    const char *fn = js_str(want, "function", "");
    probe_cp(ev, "function_name", sk_str_eq(js_str(j, "function", NULL), fn),
             "function is '%s', expected '%s'", js_str(j, "function", "(missing)"), fn);
    json_t *ga = js_obj(j, "arguments"), *wa = js_obj(want, "arguments");
    if (!probe_cp(ev, "arguments_object", ga != NULL, "no \"arguments\" object")) {
        json_decref(j);
        return;
    }
    const char *k;
    json_t *wv;
    json_object_foreach(wa, k, wv) {
        char cp[64];
        snprintf(cp, sizeof cp, "arg_%s", k);
        json_t *gv = json_object_get(ga, k);
        char *gs = gv ? js_dump_compact(gv) : sk_strdup("missing");
        char *ws = js_dump_compact(wv);
        /* numbers given as numbers may come back as 42.0; strings must match exactly */
        bool ok = gv && (json_equal(gv, wv) ||
                         (json_is_number(gv) && json_is_number(wv) &&
                          json_number_value(gv) == json_number_value(wv)));
        /* a numeric string given as the number itself ("120" as 120) is the same value */
        double num;
        if (!ok && gv && json_is_number(gv) && json_is_string(wv) &&
            probe_parse_number(json_string_value(wv), &num))
            ok = json_number_value(gv) == num;
        probe_cp(ev, cp, ok, "%s is %.80s, expected %.80s", k, gs, ws);
        free(gs);
        free(ws);
    }
    json_decref(j);
}

/* ------------------------------------------------------------------ tool.call.batch */

static void cb_gen(ProbeInstance *in, Rng *r)
{
    if (in->level == 1) {
        SkBuf p1 = SK_BUF_INIT, p2 = SK_BUF_INIT;
        word_lines(r, &p1, (int)rng_int(r, 2, 4), "_", 10, 99);
        word_lines(r, &p2, (int)rng_int(r, 2, 4), "_", 10, 99);
        probe_file(in, "part1.txt", p1.data);
        probe_file(in, "part2.txt", p2.data);
        char *want = sk_asprintf("%s%s", p1.data, p2.data), *swap = sk_asprintf("%s%s", p2.data, p1.data);
        probe_x_str(in, "want", want);
        probe_prompt(in, "Read part1.txt and part2.txt in the current directory (you may read "
                         "them in parallel) and write result.txt: the lines of part1.txt "
                         "followed by the lines of part2.txt.");
        ans_files(in, "concatenation", true, "result.txt", want, NULL, NULL);
        ans_files(in, "wrong order", false, "result.txt", swap, NULL, NULL);
        ans_files(in, "second file forgotten", false, "result.txt", p1.data, NULL, NULL);
        free(want), free(swap);
        sk_buf_done(&p1), sk_buf_done(&p2);
    } else if (in->level == 2) {
        SkBuf want = SK_BUF_INIT, b1 = SK_BUF_INIT, b2 = SK_BUF_INIT;
        for (int i = 1; i <= 5; i++) {
            const char *w = probe_w8[rng_index(r, 8)];
            int num = (int)rng_int(r, 100, 999);
            char name[32], content[96];
            snprintf(name, sizeof name, "data%d.txt", i);
            snprintf(content, sizeof content, "%s %d extra content here\n", w, num);
            probe_file(in, name, content);
            sk_buf_printf(&want, "%s: %s\n", name, w);
            if (i < 5)
                sk_buf_printf(&b1, "%s: %s\n", name, w);
            sk_buf_printf(&b2, "%s: %d\n", name, num);
        }
        probe_x_str(in, "want", want.data);
        probe_prompt(in, "Read data1.txt to data5.txt in the current directory (in parallel if you "
                         "can) and write result.txt with one line per file, in order: "
                         "\"dataN.txt: <first word of the file>\".");
        ans_files(in, "all five", true, "result.txt", want.data, NULL, NULL);
        ans_files(in, "one file skipped", false, "result.txt", b1.data, NULL, NULL);
        ans_files(in, "second word instead of first", false, "result.txt", b2.data, NULL, NULL);
        sk_buf_done(&want), sk_buf_done(&b1), sk_buf_done(&b2);
    } else {
        static const char *const aggs[] = {"sum", "maximum", "minimum"};
        int agg = (int)rng_index(r, 3), k = (int)rng_int(r, 3, 6);
        double tot = agg == 0 ? 0 : agg == 1 ? -1 : 1e9, without = tot;
        int extreme_file = (int)rng_int(r, 1, k);
        for (int f = 1; f <= k; f++) {
            SkBuf b = SK_BUF_INIT;
            int m = (int)rng_int(r, 3, 6);
            for (int i = 0; i < m; i++) {
                int v = (int)rng_int(r, 2, 499);
                if (f == extreme_file && i == 0)
                    v = agg == 1 ? 500 : 1; /* the extreme lives in one file */
                sk_buf_printf(&b, "%d\n", v);
                tot = agg == 0 ? tot + v : agg == 1 ? SK_MAX(tot, v) : SK_MIN(tot, v);
                if (f != extreme_file)
                    without = agg == 0 ? without + v : agg == 1 ? SK_MAX(without, v) : SK_MIN(without, v);
            }
            char name[32];
            snprintf(name, sizeof name, "values%d.txt", f);
            probe_file(in, name, b.data);
            sk_buf_done(&b);
        }
        probe_x_num(in, "value", tot);
        probe_prompt(in,
                     "The files values1.txt to values%d.txt in the current directory hold one "
                     "number per line. Read them all (in parallel if you can) and write the %s "
                     "of all the numbers to result.txt.",
                     k, aggs[agg]);
        char *g = probe_fmt_num(tot), *b = probe_fmt_num(without), *g2 = sk_asprintf("%s.0\n", g);
        ans_files(in, "aggregate (written as 42.0)", true, "result.txt", g2, NULL, NULL);
        ans_files(in, "one file missed", false, "result.txt", b, NULL, NULL);
        ans_files(in, "nothing written", false, NULL, NULL, NULL, NULL);
        free(g), free(b), free(g2);
    }
}

static void cb_eval(ProbeEv *ev)
{
    char *t = probe_read(ev, "result.txt", "file_exists");
    if (!t)
        return;
    if (ev->in->level < 3) {
        cp_lines(ev, "content_correct", t, probe_xs(ev->in, "want"));
    } else {
        double v, want = probe_xd(ev->in, "value");
        bool num = probe_parse_number(t, &v);
        probe_cp(ev, "aggregation_correct", num && probe_near(v, want, 0.01),
                 "got '%.40s', expected %g", t, want);
    }
    free(t);
}

/* ------------------------------------------------------------------ tool.web */

static void web_gen(ProbeInstance *in, Rng *r)
{
    in->needs_server = true;
    json_t *routes = json_object();
    static const char *const url = "http://127.0.0.1:{{PORT}}";
    if (in->level == 1) {
        static const char *const keys[] = {"name", "status", "version", "message"};
        json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "name", "inventory-service", "status", "ok",
                              "version", "2.4.1", "message", "all systems nominal");
        const char *key = keys[rng_index(r, 4)];
        char *val = sk_asprintf("%s_%d", probe_w8[rng_index(r, 3)], (int)rng_int(r, 100, 999));
        json_object_set_new(o, key, json_string(val));
        json_object_set(routes, "*", o);
        probe_x_str(in, "want", val);
        probe_prompt(in,
                     "An HTTP API runs at %s/info. Fetch it (with a web fetch tool or curl) and write the "
                     "value of its \"%s\" field, alone, to result.txt in the current directory.",
                     url, key);
        char *all = js_dump_compact(o);
        const char *other = !strcmp(key, "status") ? "inventory-service" : "ok";
        ans_files(in, "the field value", true, "result.txt", val, NULL, NULL);
        ans_files(in, "the whole JSON", false, "result.txt", all, NULL, NULL);
        ans_files(in, "another field", false, "result.txt", other, NULL, NULL);
        free(all), free(val);
        json_decref(o);
    } else if (in->level == 2) {
        static const char *const cats[] = {"books", "tools", "games", "music"};
        const char *cat = cats[rng_index(r, 4)];
        json_t *ids = json_array();
        int grand = 0;
        for (int c = 0; c < 4; c++) {
            int n = (int)rng_int(r, 3, 6);
            json_t *items = json_array();
            for (int i = 0; i < n; i++) {
                int id = (int)rng_int(r, 100, 999);
                json_array_append_new(items, json_pack("{s:i,s:s++}", "id", id, "name", cats[c], " item", ""));
                if (!strcmp(cats[c], cat))
                    json_array_append_new(ids, json_integer(id));
            }
            grand += n;
            char target[64];
            snprintf(target, sizeof target, "/items?category=%s", cats[c]);
            json_object_set_new(routes, target, json_pack("{s:i,s:o}", "total", n, "items", items));
        }
        json_object_set_new(routes, "/items", json_pack("{s:s}", "error", "category parameter required"));
        probe_x_set(in, "ids", json_incref(ids));
        probe_x_int(in, "total", (long long)json_array_size(ids));
        probe_prompt(in,
                     "An HTTP API at %s/items?category=<name> returns {\"total\": N, \"items\": "
                     "[{\"id\": ..., \"name\": ...}]}. Query it for the category \"%s\" and write "
                     "result.json in the current directory as {\"total\": N, \"ids\": [<the item "
                     "ids>]}.",
                     url, cat);
        json_t *g = json_pack("{s:I,s:O}", "total", (json_int_t)json_array_size(ids), "ids", ids);
        json_t *b1 = json_pack("{s:i,s:O}", "total", grand, "ids", ids);
        json_t *short_ids = json_deep_copy(ids);
        json_array_remove(short_ids, 0);
        json_t *b2 = json_pack("{s:I,s:o}", "total", (json_int_t)json_array_size(ids), "ids", short_ids);
        char *gs = js_dump_pretty(g), *s1 = js_dump_compact(b1), *s2 = js_dump_compact(b2);
        ans_files(in, "correct summary", true, "result.json", gs, NULL, NULL);
        ans_files(in, "total of every category", false, "result.json", s1, NULL, NULL);
        ans_files(in, "an id missing", false, "result.json", s2, NULL, NULL);
        free(gs), free(s1), free(s2);
        json_decref(g), json_decref(b1), json_decref(b2), json_decref(ids);
    } else {
        int n = (int)rng_int(r, 8, 15);
        static const int sizes[] = {3, 4, 5};
        int ps = sizes[rng_index(r, 3)], pages = (n + ps - 1) / ps;
        json_t *all = json_array(), *first = json_array(), *nolast = json_array();
        for (int p = 1; p <= pages + 1; p++) {
            json_t *items = json_array();
            for (int i = (p - 1) * ps; i < n && i < p * ps; i++) {
                char v[32];
                snprintf(v, sizeof v, "item_%d", (int)rng_int(r, 100, 999));
                json_array_append_new(items, json_pack("{s:i,s:s}", "id", i + 1, "value", v));
                json_array_append_new(all, json_string(v));
                if (p == 1)
                    json_array_append_new(first, json_string(v));
                if (p < pages)
                    json_array_append_new(nolast, json_string(v));
            }
            char target[64];
            snprintf(target, sizeof target, "/items?page=%d", p);
            json_object_set_new(routes, target,
                                json_pack("{s:i,s:i,s:o}", "page", p, "totalPages", pages, "items", items));
        }
        probe_x_set(in, "values", json_incref(all));
        probe_prompt(in,
                     "An HTTP API at %s/items?page=N (N from 1) returns {\"page\", \"totalPages\", "
                     "\"items\": [{\"id\", \"value\"}]}. Fetch every page and write result.json in "
                     "the current directory: a JSON array of all the \"value\" strings.",
                     url);
        char *gs = js_dump_pretty(all), *s1 = js_dump_compact(first), *s2 = js_dump_compact(nolast);
        ans_files(in, "every page", true, "result.json", gs, NULL, NULL);
        ans_files(in, "first page only", false, "result.json", s1, NULL, NULL);
        ans_files(in, "last page missed", false, "result.json", s2, NULL, NULL);
        free(gs), free(s1), free(s2);
        json_decref(all), json_decref(first), json_decref(nolast);
    }
    probe_x_set(in, "routes", routes);
}

/* Sorted copy of a JSON array of scalars, compared by dump. */
static bool same_set(json_t *a, json_t *b)
{
    if (!json_is_array(a) || !json_is_array(b) || json_array_size(a) != json_array_size(b))
        return false;
    size_t i, j;
    json_t *x, *y;
    json_array_foreach(a, i, x) {
        size_t ca = 0, cb = 0;
        json_array_foreach(a, j, y) ca += json_equal(x, y);
        json_array_foreach(b, j, y) cb += json_equal(x, y) ||
                                          (json_is_number(x) && json_is_number(y) &&
                                           json_number_value(x) == json_number_value(y));
        if (ca != cb)
            return false;
    }
    return true;
}

static void web_eval(ProbeEv *ev)
{
    const ProbeInstance *in = ev->in;
    if (in->level == 1) {
        char *t = probe_read(ev, "result.txt", "file_exists");
        if (!t)
            return;
        char *c = probe_clean(t);
        /* a quoted value (JSON string syntax) is also fine */
        size_t n = strlen(c);
        char *v = c;
        if (n >= 2 && c[0] == '"' && c[n - 1] == '"') {
            c[n - 1] = 0;
            v = c + 1;
        }
        probe_cp(ev, "data_extraction", !strcmp(v, probe_xs(in, "want")), "got '%.60s', expected '%s'",
                 v, probe_xs(in, "want"));
        free(c);
        free(t);
        return;
    }
    char *t = probe_read(ev, "result.json", "file_exists");
    if (!t)
        return;
    json_t *j = probe_json_from_text(t, in->level == 2 ? '{' : '[');
    free(t);
    if (in->level == 2) {
        if (probe_cp(ev, "json_valid", json_is_object(j), "result.json is not a JSON object")) {
            probe_cp(ev, "total_correct", js_num(j, "total", -1) == (double)probe_xi(in, "total"),
                     "total is %g, expected %lld", js_num(j, "total", -1), probe_xi(in, "total"));
            probe_cp(ev, "ids_correct", same_set(js_arr(j, "ids"), probe_xj(in, "ids")),
                     "the ids differ from the API's");
        }
    } else {
        if (probe_cp(ev, "json_valid", json_is_array(j), "result.json is not a JSON array")) {
            json_t *want = probe_xj(in, "values");
            probe_cp(ev, "pagination", same_set(j, want), "%zu values, expected the %zu of every page",
                     json_array_size(j), json_array_size(want));
        }
    }
    json_decref(j);
}

/* ------------------------------------------------------------------ tool.browser */

static void br_gen(ProbeInstance *in, Rng *r)
{
    if (in->level == 1) {
        int id = (int)rng_int(r, 1, 99);
        char *val = sk_asprintf("%s_%d", probe_w8[rng_index(r, 3)], (int)rng_int(r, 100, 999));
        char *page = sk_asprintf(
            "<!DOCTYPE html><html><head><title>Status page</title></head><body>\n"
            "<h1>Service status</h1>\n<p>Filler text about the service.</p>\n"
            "<div id=\"content-%d\">%s</div>\n<p>More filler.</p>\n</body></html>\n", id, val);
        probe_file(in, "page.html", page);
        probe_x_str(in, "want", val);
        probe_prompt(in, "page.html in the current directory is a web page. Extract the text of "
                         "the element with id \"content-%d\" and write it to result.txt.", id);
        ans_files(in, "element text", true, "result.txt", val, NULL, NULL);
        ans_files(in, "the heading instead", false, "result.txt", "Service status", NULL, NULL);
        ans_files(in, "the raw element", false, "result.txt", strstr(page, "<div"), NULL, NULL);
        free(val), free(page);
    } else if (in->level == 2) {
        int n = (int)rng_int(r, 3, 6);
        SkBuf page = SK_BUF_INIT, want = SK_BUF_INIT, b1 = SK_BUF_INIT, b2 = SK_BUF_INIT;
        sk_buf_puts(&page, "<!DOCTYPE html><html><body>\n<table id=\"scores\">\n"
                           "<thead><tr><th>Name</th><th>Score</th><th>Grade</th></tr></thead>\n<tbody>\n");
        sk_buf_puts(&want, "Name,Score,Grade\n");
        sk_buf_puts(&b2, "Name,Score,Grade\n");
        size_t order[8];
        rng_sample(r, 8, (size_t)n, order);
        for (int i = 0; i < n; i++) {
            int sc = (int)rng_int(r, 50, 100);
            char g = "ABCD"[rng_index(r, 4)];
            sk_buf_printf(&page, "<tr><td>%s</td><td>%d</td><td>%c</td></tr>\n", probe_n8[order[i]], sc, g);
            sk_buf_printf(&want, "%s,%d,%c\n", probe_n8[order[i]], sc, g);
            sk_buf_printf(&b1, "%s,%d,%c\n", probe_n8[order[i]], sc, g);
            if (i < n - 1)
                sk_buf_printf(&b2, "%s,%d,%c\n", probe_n8[order[i]], sc, g);
        }
        sk_buf_puts(&page, "</tbody>\n</table>\n</body></html>\n");
        probe_file(in, "page.html", page.data);
        probe_x_str(in, "want", want.data);
        probe_prompt(in, "page.html in the current directory holds a table with id \"scores\". "
                         "Extract its body rows into result.csv with the header line "
                         "Name,Score,Grade.");
        ans_files(in, "table as CSV", true, "result.csv", want.data, NULL, NULL);
        ans_files(in, "header missing", false, "result.csv", b1.data, NULL, NULL);
        ans_files(in, "last row missing", false, "result.csv", b2.data, NULL, NULL);
        sk_buf_done(&page), sk_buf_done(&want), sk_buf_done(&b1), sk_buf_done(&b2);
    } else {
        int pages = (int)rng_int(r, 3, 4);
        json_t *all = json_array(), *first = json_array();
        for (int p = 1; p <= pages; p++) {
            SkBuf b = SK_BUF_INIT;
            sk_buf_printf(&b, "<!DOCTYPE html><html><body>\n<h1>Catalog page %d</h1>\n<ul id=\"items\">\n", p);
            int m = (int)rng_int(r, 2, 4);
            for (int i = 0; i < m; i++) {
                char v[32];
                snprintf(v, sizeof v, "item_%d", (int)rng_int(r, 100, 999));
                sk_buf_printf(&b, "  <li class=\"item\">%s</li>\n", v);
                json_array_append_new(all, json_string(v));
                if (p == 1)
                    json_array_append_new(first, json_string(v));
            }
            sk_buf_puts(&b, "</ul>\n<nav>");
            if (p < pages)
                sk_buf_printf(&b, "<a href=\"page%d.html\" class=\"next\">Next</a>", p + 1);
            else
                sk_buf_puts(&b, "<span>Last page</span>");
            sk_buf_puts(&b, "</nav>\n</body></html>\n");
            char name[32];
            snprintf(name, sizeof name, "page%d.html", p);
            probe_file(in, name, b.data);
            sk_buf_done(&b);
        }
        /* sorted copy */
        size_t n = json_array_size(all);
        const char **v = sk_malloc(n * sizeof *v);
        for (size_t i = 0; i < n; i++)
            v[i] = json_string_value(json_array_get(all, i));
        qsort(v, n, sizeof *v, cmp_str);
        json_t *sorted = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(sorted, json_string(v[i]));
        free(v);
        probe_x_set(in, "sorted", json_incref(sorted));
        probe_prompt(in, "Starting at page1.html in the current directory, follow the \"next\" "
                         "links page by page, collect the text of every li element with class "
                         "\"item\", sort them, and write them as a JSON array to result.json.");
        char *gs = js_dump_compact(sorted), *s1 = js_dump_compact(first);
        bool already = json_equal(all, sorted);
        json_t *rev = json_array();
        for (size_t i = n; i > 0; i--)
            json_array_append(rev, json_array_get(sorted, i - 1));
        char *s2 = js_dump_compact(already ? rev : all);
        ans_files(in, "every page, sorted", true, "result.json", gs, NULL, NULL);
        ans_files(in, "first page only", false, "result.json", s1, NULL, NULL);
        ans_files(in, "not sorted", false, "result.json", s2, NULL, NULL);
        free(gs), free(s1), free(s2);
        json_decref(all), json_decref(first), json_decref(sorted), json_decref(rev);
    }
}

static void br_eval(ProbeEv *ev)
{
    const ProbeInstance *in = ev->in;
    if (in->level == 1) {
        char *t = probe_read(ev, "result.txt", "file_exists");
        if (t) {
            cp_lines(ev, "extraction_correct", t, probe_xs(in, "want"));
            free(t);
        }
    } else if (in->level == 2) {
        char *t = probe_read(ev, "result.csv", "file_exists");
        if (t) {
            /* tolerate spaces after commas */
            SkBuf b = SK_BUF_INIT;
            for (const char *p = t; *p; p++)
                if (!(*p == ' ' && p > t && p[-1] == ','))
                    sk_buf_putc(&b, *p);
            cp_lines(ev, "rows_correct", sk_buf_cstr(&b), probe_xs(in, "want"));
            sk_buf_done(&b);
            free(t);
        }
    } else {
        char *t = probe_read(ev, "result.json", "file_exists");
        if (!t)
            return;
        json_t *j = probe_json_from_text(t, '[');
        free(t);
        if (probe_cp(ev, "json_valid", json_is_array(j), "result.json is not a JSON array")) {
            json_t *want = probe_xj(in, "sorted");
            probe_cp(ev, "all_pages", same_set(j, want), "%zu items, expected %zu from every page",
                     json_array_size(j), json_array_size(want));
            probe_cp(ev, "sorted", json_equal(j, want), "the items are not in sorted order");
        }
        json_decref(j);
    }
}

const ProbeSpec probe_tool_specs[7] = {
    {"tool.file.read", fr_gen, fr_eval,
     {"read one file by path", "read several files, handling a missing one",
      "read a line range out of a larger file"}},
    {"tool.file.write", fw_gen, fw_eval,
     {"write a short file exactly", "write a longer file without truncation",
      "write several files in sequence"}},
    {"tool.exec", ex_gen, ex_eval,
     {"run one command and save its output", "write a script, run it and save the result",
      "a chain of dependent commands with intermediate files"}},
    {"tool.call.format", cf_gen, cf_eval,
     {"a call with simple string arguments", "a call with structured arguments (arrays, objects)",
      "nested parameters and special characters"}},
    {"tool.call.batch", cb_gen, cb_eval,
     {"two reads combined", "five reads aggregated in order",
      "reads across many files with one aggregate"}},
    {"tool.web", web_gen, web_eval,
     {"a GET extracting one field", "a GET with a query parameter, parsed",
      "a paginated API fetched to the end"}},
    {"tool.browser", br_gen, br_eval,
     {"extract text by element id", "extract a table into CSV",
      "follow next links across pages and aggregate"}},
};
