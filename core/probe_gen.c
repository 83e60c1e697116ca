/* probe_gen.c: generators and evaluators of the 9 generation primitives (code in Python,
 * JavaScript, shell, SQL and HTML; structured, long and prose text; regular expressions). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/js.h"
#include "core/probe_int.h"
#include "core/regex.h"
#include "core/store.h"

#define CODE_TIMEOUT_MS probe_code_timeout_ms()

/* ------------------------------------------------------------------ shared bits */

static const char *const depts5[] = {"Engineering", "Marketing", "Sales", "HR", "Finance"};

/* Correct answer = script GOOD; then the listed mistakes. */
static void code_answers(ProbeInstance *in, const char *file, const char *good,
                         const char *bad1_label, const char *bad1, const char *bad2_label,
                         const char *bad2_file, const char *bad2)
{
    probe_answer_file(probe_answer(in, "correct solution", true), file, good);
    probe_answer_file(probe_answer(in, bad1_label, false), file, bad1);
    ProbeAnswer *b2 = probe_answer(in, bad2_label, false);
    if (bad2_file)
        probe_answer_file(b2, bad2_file, bad2);
}

/* Script exists, runs (timeout), then returns result file text (or NULL, cps added). */
static char *run_and_read(ProbeEv *ev, const char *script, const char *const *argv,
                          const char *result)
{
    /* shell scripts may end in a command with a non-zero status and still be right */
    bool any_exit = !strcmp(argv[0], "bash");
    char *src = probe_read(ev, script, "script_created");
    if (!src)
        return NULL;
    free(src);
    if (!probe_run_code(ev, argv, CODE_TIMEOUT_MS, any_exit))
        return NULL;
    return probe_read(ev, result, "output_format");
}

static void check_int_text(ProbeEv *ev, const char *cp, const char *text, long long want)
{
    double v;
    if (!probe_parse_number(text, &v)) {
        char *c = probe_clean(text);
        probe_cp(ev, cp, false, "expected the number %lld, found '%.60s'", want, c);
        free(c);
        return;
    }
    probe_cp(ev, cp, fabs(v - (double)want) < 1e-9, "got %g, expected %lld", v, want);
}

/* ------------------------------------------------------------------ gen.code.python */

/* data.csv of 5-12 rows "name,score,department" (departments from the first NDEPTS of
 * depts5), with the expected "total" rows and "average" score (2 decimals). The Python and
 * JavaScript L2 tasks share it; NDEPTS differs between them, as their seeds were pinned. */
static void scores_csv(ProbeInstance *in, Rng *r, size_t ndepts)
{
    int n = (int)rng_int(r, 5, 12), total = 0;
    SkBuf b = SK_BUF_INIT;
    sk_buf_puts(&b, "name,score,department\n");
    for (int i = 0; i < n; i++) {
        int s = (int)rng_int(r, 1, 100);
        total += s;
        sk_buf_printf(&b, "%s%d,%d,%s\n", probe_n8[rng_index(r, 8)], i, s,
                      depts5[rng_index(r, ndepts)]);
    }
    probe_file(in, "data.csv", b.data);
    sk_buf_done(&b);
    probe_x_int(in, "total", n);
    probe_x_num(in, "average", round((double)total / n * 100) / 100);
}

/* The L2 result.json of scores_csv(): total_employees and average_score (2 decimals). */
static void scores_check(ProbeEv *ev, const ProbeInstance *in, const char *text)
{
    json_t *j = probe_json_from_text(text, '{');
    if (probe_cp(ev, "json_valid", json_is_object(j), "result.json is not a JSON object")) {
        json_t *t = json_object_get(j, "total_employees");
        json_t *a = json_object_get(j, "average_score");
        char *ts = t ? js_dump_compact(t) : sk_strdup("missing");
        probe_cp(ev, "total_correct",
                 json_is_number(t) && json_number_value(t) == (double)probe_xi(in, "total"),
                 "total_employees is %s, expected %lld", ts, probe_xi(in, "total"));
        free(ts);
        probe_cp(ev, "value_correct",
                 json_is_number(a) &&
                     probe_near(json_number_value(a), probe_xd(in, "average"), 0.011),
                 "average_score is %g, expected %.2f", a ? json_number_value(a) : NAN,
                 probe_xd(in, "average"));
    }
    json_decref(j);
}

static void py_gen(ProbeInstance *in, Rng *r)
{
    in->needs_tool = "python3";
    if (in->level == 1) {
        int n = (int)rng_int(r, 5, 24), t = (int)rng_int(r, 25, 74), count = 0;
        SkBuf b = SK_BUF_INIT;
        int at_t = (int)rng_index(r, (size_t)n);
        for (int i = 0; i < n; i++) {
            int v = i == at_t ? t : (int)rng_int(r, 0, 99); /* one line on the threshold */
            count += v >= t;
            sk_buf_printf(&b, "%s:%d\n", probe_n8[rng_index(r, 8)], v);
        }
        probe_file(in, "input.txt", b.data);
        sk_buf_done(&b);
        probe_x_int(in, "count", count);
        probe_prompt(in,
                     "Write a Python script solution.py in the current directory. It reads "
                     "input.txt, where each line is name:number, counts the lines whose number "
                     "is greater than or equal to %d, and writes only that count (an integer) "
                     "to result.txt. Run it with python3 solution.py. Do not modify input.txt.",
                     t);
        char *good = sk_asprintf(
            "n = 0\nfor line in open('input.txt'):\n    line = line.strip()\n"
            "    if line and int(line.split(':')[1]) >= %d:\n        n += 1\n"
            "open('result.txt', 'w').write(str(n) + '\\n')\n", t);
        char *bad = sk_asprintf(
            "n = 0\nfor line in open('input.txt'):\n    line = line.strip()\n"
            "    if line and int(line.split(':')[1]) > %d:\n        n += 1\n"
            "open('result.txt', 'w').write(str(n))\n", t);
        code_answers(in, "solution.py", good, "strict > instead of >=", bad,
                     "result written by hand, no script", "result.txt", "");
        ProbeAnswer *last = sk_vec_get(&in->answers, 2);
        char *cnt = sk_asprintf("%d", count);
        free(((ProbeFile *)sk_vec_get(&last->files, 0))->content);
        ((ProbeFile *)sk_vec_get(&last->files, 0))->content = cnt;
        free(good);
        free(bad);
    } else if (in->level == 2) {
        scores_csv(in, r, 4);
        probe_prompt(in,
                     "Write solution.py in the current directory: it reads data.csv (columns "
                     "name,score,department) and writes result.json with two keys: "
                     "\"average_score\" (the mean score rounded to 2 decimals) and "
                     "\"total_employees\" (the number of rows). Run it with python3 "
                     "solution.py. Do not modify data.csv.");
        const char *good =
            "import csv, json\nrows = list(csv.DictReader(open('data.csv')))\n"
            "scores = [int(r['score']) for r in rows]\n"
            "json.dump({'average_score': round(sum(scores) / len(scores), 2),\n"
            "           'total_employees': len(rows)}, open('result.json', 'w'))\n";
        const char *bad1 =
            "import json\nlines = open('data.csv').read().strip().split('\\n')\n"
            "scores = [int(l.split(',')[1]) for l in lines[1:]]\n"
            "json.dump({'average_score': round(sum(scores) / len(lines), 2),\n"
            "           'total_employees': len(lines)}, open('result.json', 'w'))\n";
        const char *bad2 = "import csv\nrows = list(csv.DictReader(open('data.csv')))\n"
                           "print(len(rows))\nraise SystemExit(open('missing.csv').read())\n";
        code_answers(in, "solution.py", good, "header row counted", bad1, "script crashes",
                     "solution.py", bad2);
        /* bad2 overrides the file of a correct-looking script: keep only the crash */
    } else {
        static const char *const sets[3][3] = {{"temperature", "humidity", "pressure"},
                                               {"height", "weight", "age"},
                                               {"latency", "throughput", "error_rate"}};
        size_t k = rng_index(r, 3);
        int n = (int)rng_int(r, 30, 100);
        SkBuf b = SK_BUF_INIT;
        sk_buf_printf(&b, "%s,%s,%s\n", sets[k][0], sets[k][1], sets[k][2]);
        double sum[3] = {0}, sq[3] = {0}, mn[3] = {1e9, 1e9, 1e9}, mx[3] = {-1e9, -1e9, -1e9};
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                double v = (double)rng_int(r, -5000, 14999) / 100.0;
                sum[c] += v;
                sq[c] += v * v;
                mn[c] = SK_MIN(mn[c], v);
                mx[c] = SK_MAX(mx[c], v);
                sk_buf_printf(&b, "%.2f%s", v, c < 2 ? "," : "\n");
            }
        }
        probe_file(in, "measurements.csv", b.data);
        sk_buf_done(&b);
        json_t *ex = json_object();
        for (int c = 0; c < 3; c++) {
            double mean = sum[c] / n, var = sq[c] / n - mean * mean;
            json_t *o = json_object();
            json_object_set_new(o, "mean", json_real(mean));
            json_object_set_new(o, "std", json_real(sqrt(var > 0 ? var : 0)));
            json_object_set_new(o, "min", json_real(mn[c]));
            json_object_set_new(o, "max", json_real(mx[c]));
            json_object_set_new(ex, sets[k][c], o);
        }
        probe_x_set(in, "stats", ex);
        probe_prompt(in,
                     "Write solution.py in the current directory that uses numpy to read "
                     "measurements.csv (columns %s, %s, %s) and computes, for each column, "
                     "the mean, the population standard deviation, the minimum and the maximum, "
                     "each rounded to 3 decimals. Write result.json shaped as "
                     "{\"<column>\": {\"mean\": ..., \"std\": ..., \"min\": ..., \"max\": ...}}. "
                     "Run it with python3 solution.py.",
                     sets[k][0], sets[k][1], sets[k][2]);
        const char *good =
            "import json\nimport numpy as np\n"
            "data = np.genfromtxt('measurements.csv', delimiter=',', names=True)\n"
            "out = {}\nfor c in data.dtype.names:\n    v = data[c]\n"
            "    out[c] = {'mean': round(float(np.mean(v)), 3), 'std': round(float(np.std(v)), 3),\n"
            "              'min': round(float(np.min(v)), 3), 'max': round(float(np.max(v)), 3)}\n"
            "json.dump(out, open('result.json', 'w'), indent=2)\n";
        const char *bad1 =
            "import json\nimport numpy as np\n"
            "data = np.genfromtxt('measurements.csv', delimiter=',', names=True)\n"
            "out = {}\nfor c in data.dtype.names:\n    v = data[c]\n"
            "    out[c] = {'mean': round(float(np.mean(v)), 3), 'std': round(float(np.std(v, ddof=1)), 3),\n"
            "              'min': round(float(np.min(v)), 3), 'max': round(float(np.max(v)), 3)}\n"
            "json.dump(out, open('result.json', 'w'), indent=2)\n";
        const char *bad2 =
            "import json\nimport numpy as np\n"
            "data = np.genfromtxt('measurements.csv', delimiter=',', names=True)\n"
            "out = {}\nfor c in data.dtype.names[:2]:\n    v = data[c]\n"
            "    out[c] = {'mean': float(np.mean(v)), 'std': float(np.std(v)),\n"
            "              'min': float(np.min(v)), 'max': float(np.max(v))}\n"
            "json.dump(out, open('result.json', 'w'))\n";
        code_answers(in, "solution.py", good, "sample instead of population std", bad1,
                     "last column missing", "solution.py", bad2);
    }
}

static void py_eval(ProbeEv *ev)
{
    const ProbeInstance *in = ev->in;
    if (in->level == 3) {
        /* a third-party library: skip (not fail) when this machine lacks it */
        if (!probe_have_tool("python3")) {
            probe_skip(ev, "python3 is not installed on this machine");
            return;
        }
        const char *argv[] = {"python3", "-c", "import numpy", NULL};
        ProbeExecResult r;
        if (probe_exec(ev->dir, argv, CODE_TIMEOUT_MS, 4096, &r, NULL) != SK_OK ||
            r.exit_code != 0) {
            probe_exec_result_done(&r);
            probe_skip(ev, "the numpy library is not installed for python3 on this machine");
            return;
        }
        probe_exec_result_done(&r);
    }
    const char *argv[] = {"python3", "solution.py", NULL};
    const char *result = in->level == 1 ? "result.txt" : "result.json";
    char *text = run_and_read(ev, "solution.py", argv, result);
    if (!text)
        return;
    if (in->level == 1) {
        check_int_text(ev, "value_correct", text, probe_xi(in, "count"));
    } else if (in->level == 2) {
        scores_check(ev, in, text);
    } else {
        json_t *j = probe_json_from_text(text, '{');
        json_t *ex = probe_xj(in, "stats");
        if (probe_cp(ev, "json_valid", json_is_object(j), "result.json is not a JSON object")) {
            const char *col;
            json_t *want;
            json_object_foreach(ex, col, want) {
                char name[96];
                snprintf(name, sizeof name, "col_%s", col);
                json_t *got = json_object_get(j, col);
                if (!probe_cp(ev, name, json_is_object(got), "column %s missing", col))
                    continue;
                const char *stat;
                json_t *wv;
                json_object_foreach(want, stat, wv) {
                    json_t *gv = json_object_get(got, stat);
                    snprintf(name, sizeof name, "col_%s_%s", col, stat);
                    probe_cp(ev, name,
                             json_is_number(gv) &&
                                 probe_near(json_number_value(gv), json_number_value(wv), 0.1),
                             "%s of %s is %g, expected %.3f", stat, col,
                             gv ? json_number_value(gv) : NAN, json_number_value(wv));
                }
            }
        }
        json_decref(j);
    }
    free(text);
}

/* ------------------------------------------------------------------ gen.code.javascript */

static const char *const fruits20[] = {
    "apple", "banana", "cherry", "grape", "lemon", "mango", "orange", "peach", "pear", "plum",
    "kiwi", "melon", "papaya", "guava", "lime", "fig", "date", "apricot", "coconut", "blueberry"};

static void js_gen(ProbeInstance *in, Rng *r)
{
    in->needs_tool = "node";
    if (in->level == 1) {
        char c = (char)('a' + rng_index(r, 26));
        int n = (int)rng_int(r, 8, 30), count = 0;
        SkBuf b = SK_BUF_INIT;
        for (int i = 0; i < n; i++) {
            const char *f = fruits20[rng_index(r, 20)];
            char line[64];
            snprintf(line, sizeof line, "%s %d", f, (int)rng_int(r, 1, 999));
            count += strchr(line, c) != NULL;
            sk_buf_printf(&b, "%s\n", line);
        }
        probe_file(in, "input.txt", b.data);
        sk_buf_done(&b);
        probe_x_int(in, "count", count);
        probe_prompt(in,
                     "Write a Node.js script solution.js in the current directory that reads "
                     "input.txt and counts the lines containing the letter '%c' "
                     "(case-sensitive), then writes only that count to result.txt. Run it with "
                     "node solution.js. Do not modify input.txt.",
                     c);
        char *good = sk_asprintf(
            "const fs = require('fs');\n"
            "const lines = fs.readFileSync('input.txt', 'utf8').split('\\n').filter(l => l.length);\n"
            "fs.writeFileSync('result.txt', String(lines.filter(l => l.includes('%c')).length));\n",
            c);
        char *bad = sk_asprintf(
            "const fs = require('fs');\n"
            "const lines = fs.readFileSync('input.txt', 'utf8').split('\\n').filter(l => l.length);\n"
            "console.log(lines.filter(l => l.includes('%c')).length);\n", c);
        code_answers(in, "solution.js", good, "prints instead of writing result.txt", bad,
                     "reads the wrong file", "solution.js",
                     "const fs = require('fs');\nconst t = fs.readFileSync('input.csv', 'utf8');\n"
                     "fs.writeFileSync('result.txt', String(t.split('\\n').length));\n");
        free(good);
        free(bad);
    } else if (in->level == 2) {
        scores_csv(in, r, 5);
        probe_prompt(in,
                     "Write solution.js in the current directory: it reads data.csv (columns "
                     "name,score,department) and writes result.json with \"average_score\" (mean "
                     "score rounded to 2 decimals) and \"total_employees\" (number of rows). Run it "
                     "with node solution.js. Do not modify data.csv.");
        const char *good =
            "const fs = require('fs');\n"
            "const rows = fs.readFileSync('data.csv', 'utf8').trim().split('\\n').slice(1);\n"
            "const s = rows.map(r => Number(r.split(',')[1]));\n"
            "const avg = Math.round(s.reduce((a, b) => a + b, 0) / s.length * 100) / 100;\n"
            "fs.writeFileSync('result.json', JSON.stringify({average_score: avg, total_employees: rows.length}));\n";
        const char *bad1 =
            "const fs = require('fs');\n"
            "const rows = fs.readFileSync('data.csv', 'utf8').trim().split('\\n');\n"
            "const s = rows.slice(1).map(r => Number(r.split(',')[1]));\n"
            "const avg = Math.round(s.reduce((a, b) => a + b, 0) / rows.length * 100) / 100;\n"
            "fs.writeFileSync('result.json', JSON.stringify({average_score: avg, total_employees: rows.length}));\n";
        code_answers(in, "solution.js", good, "header row counted", bad1, "no script at all",
                     NULL, NULL);
    } else {
        int k = (int)rng_int(r, 2, 4);
        json_t *last = json_object(); /* id -> record (last occurrence wins) */
        json_t *files = json_array();
        for (int f = 0; f < k; f++) {
            json_t *arr = json_array();
            int m = (int)rng_int(r, 3, 6);
            for (int i = 0; i < m; i++) {
                int id = (int)rng_int(r, 1, 4 * k);
                if (f == 1 && i == 0) /* guarantee a cross-file duplicate */
                    id = (int)json_integer_value(
                        json_object_get(json_array_get(json_array_get(files, 0), 0), "id"));
                json_t *rec = json_pack("{s:i,s:s,s:s++}", "id", id, "name",
                                        probe_n8[rng_index(r, 8)], "source", "file",
                                        (char[]){(char)('0' + f), 0}, "");
                char key[16];
                snprintf(key, sizeof key, "%d", id);
                json_object_set(last, key, rec);
                json_array_append_new(arr, rec);
            }
            char name[32];
            snprintf(name, sizeof name, "data%d.json", f);
            char *text = js_dump_pretty(arr);
            probe_file(in, name, text);
            free(text);
            json_array_append_new(files, arr);
        }
        probe_x_set(in, "last", last);
        probe_x_int(in, "files", k);
        json_decref(files);
        probe_prompt(in,
                     "Write solution.js in the current directory. Using Promise.all, read the "
                     "files data0.json to data%d.json concurrently (each is a JSON array of "
                     "records with id, name and source), merge them in file order, remove "
                     "duplicate ids keeping the LAST occurrence, and write the resulting array "
                     "to result.json. Run it with node solution.js.",
                     k - 1);
        char *good = sk_asprintf(
            "const fs = require('fs').promises;\n(async () => {\n"
            "  const names = Array.from({length: %d}, (_, i) => `data${i}.json`);\n"
            "  const parts = await Promise.all(names.map(n => fs.readFile(n, 'utf8')));\n"
            "  const m = new Map();\n"
            "  for (const p of parts) for (const r of JSON.parse(p)) { m.delete(r.id); m.set(r.id, r); }\n"
            "  await fs.writeFile('result.json', JSON.stringify([...m.values()], null, 2));\n"
            "})();\n", k);
        char *bad1 = sk_asprintf(
            "const fs = require('fs').promises;\n(async () => {\n"
            "  const names = Array.from({length: %d}, (_, i) => `data${i}.json`);\n"
            "  const parts = await Promise.all(names.map(n => fs.readFile(n, 'utf8')));\n"
            "  const m = new Map();\n"
            "  for (const p of parts) for (const r of JSON.parse(p)) if (!m.has(r.id)) m.set(r.id, r);\n"
            "  await fs.writeFile('result.json', JSON.stringify([...m.values()]));\n"
            "})();\n", k);
        char *bad2 = sk_asprintf(
            "const fs = require('fs').promises;\n(async () => {\n"
            "  const names = Array.from({length: %d}, (_, i) => `data${i}.json`);\n"
            "  const parts = await Promise.all(names.map(n => fs.readFile(n, 'utf8')));\n"
            "  await fs.writeFile('result.json', JSON.stringify(parts.flatMap(p => JSON.parse(p))));\n"
            "})();\n", k);
        code_answers(in, "solution.js", good, "keeps the first occurrence", bad1,
                     "no deduplication", "solution.js", bad2);
        free(good);
        free(bad1);
        free(bad2);
    }
}

static void js_eval(ProbeEv *ev)
{
    const ProbeInstance *in = ev->in;
    const char *argv[] = {"node", "solution.js", NULL};
    char *text = run_and_read(ev, "solution.js", argv, in->level == 1 ? "result.txt" : "result.json");
    if (!text)
        return;
    if (in->level == 1) {
        check_int_text(ev, "value_correct", text, probe_xi(in, "count"));
    } else if (in->level == 2) {
        scores_check(ev, in, text);
    } else {
        json_t *j = probe_json_from_text(text, '[');
        json_t *last = probe_xj(in, "last");
        if (probe_cp(ev, "result_is_array", json_is_array(j), "result.json is not a JSON array")) {
            json_t *seen = json_object();
            size_t i;
            json_t *rec;
            bool dup = false, wrong = false;
            char why[160] = "";
            json_array_foreach(j, i, rec) {
                char key[32];
                snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(rec, "id")));
                if (json_object_get(seen, key))
                    dup = true;
                json_object_set_new(seen, key, json_true());
                json_t *want = json_object_get(last, key);
                if (!want || !json_equal(want, rec)) {
                    if (!wrong)
                        snprintf(why, sizeof why, "record with id %s is %s, expected the last "
                                                  "occurrence (source %s)",
                                 key, want ? js_str(rec, "source", "?") : "unknown",
                                 want ? js_str(want, "source", "?") : "-");
                    wrong = true;
                }
            }
            probe_cp(ev, "no_duplicates", !dup, "some id appears twice");
            probe_cp(ev, "value_correct", json_array_size(j) == json_object_size(last),
                     "%zu records, expected %zu distinct ids", json_array_size(j),
                     json_object_size(last));
            probe_cp(ev, "last_wins", !wrong, "%s", why);
            json_decref(seen);
        }
        json_decref(j);
    }
    free(text);
}

/* ------------------------------------------------------------------ gen.code.shell */

static void sh_gen(ProbeInstance *in, Rng *r)
{
    in->needs_tool = "bash";
    static const char *const pfx[] = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE"};
    if (in->level == 1) {
        const char *p = pfx[rng_index(r, 5)];
        int n = (int)rng_int(r, 15, 50), count = 0;
        SkBuf b = SK_BUF_INIT;
        int tricky = (int)rng_index(r, (size_t)n);
        for (int i = 1; i <= n; i++) {
            const char *q = i == 1 && tricky != 0 ? p : pfx[rng_index(r, 5)];
            while (i == tricky + 1 && !strcmp(q, p))
                q = pfx[rng_index(r, 5)];
            if (i == tricky + 1) { /* PREFIX inside a line, not at its start */
                sk_buf_printf(&b, "%s: retry after %s at line %d\n", q, p, i);
                continue;
            }
            count += !strcmp(q, p);
            sk_buf_printf(&b, "%s: something happened at line %d\n", q, i);
        }
        probe_file(in, "data.txt", b.data);
        sk_buf_done(&b);
        probe_x_int(in, "expected", count);
        probe_x_str(in, "kind", "count");
        probe_prompt(in,
                     "Write a bash script solution.sh in the current directory that uses grep to "
                     "count the lines of data.txt that START with \"%s\" and writes only the "
                     "count to result.txt. Run it with bash solution.sh.",
                     p);
        char *good = sk_asprintf("#!/bin/bash\ngrep -c '^%s' data.txt > result.txt\n", p);
        char *bad = sk_asprintf("#!/bin/bash\ngrep -c '%s' data.txt > result.txt\n", p);
        code_answers(in, "solution.sh", good, "prefix not anchored", bad,
                     "no script, result typed by hand", "result.txt", "0");
        free(good);
        free(bad);
    } else if (in->level == 2) {
        int t = (int)rng_int(r, 50, 80), k = (int)rng_int(r, 3, 7), n = (int)rng_int(r, 15, 40);
        int *sc = sk_malloc((size_t)n * sizeof *sc);
        SkBuf b = SK_BUF_INIT;
        for (int i = 0; i < n; i++) {
            sc[i] = i < k + 2 ? (int)rng_int(r, t, 100) : (int)rng_int(r, 10, 100);
            sk_buf_printf(&b, "%s%d %d\n", probe_n8[rng_index(r, 8)], i, sc[i]);
        }
        /* shuffle lines is unnecessary: the filter and sort decide */
        probe_file(in, "scores.txt", b.data);
        sk_buf_done(&b);
        /* expected: scores >= t sorted descending, first k */
        int *kept = sk_malloc((size_t)n * sizeof *kept), m = 0;
        for (int i = 0; i < n; i++)
            if (sc[i] >= t)
                kept[m++] = sc[i];
        for (int i = 1; i < m; i++)
            for (int j = i; j > 0 && kept[j] > kept[j - 1]; j--) {
                int x = kept[j];
                kept[j] = kept[j - 1];
                kept[j - 1] = x;
            }
        json_t *want = json_array();
        for (int i = 0; i < m && i < k; i++)
            json_array_append_new(want, json_integer(kept[i]));
        probe_x_set(in, "scores", want);
        free(sc);
        free(kept);
        probe_prompt(in,
                     "Write solution.sh in the current directory. scores.txt has lines "
                     "\"<name> <score>\". Keep the lines with score >= %d, sort them by score from "
                     "highest to lowest, keep the top %d, and write them in the same format to "
                     "result.txt. Run it with bash solution.sh.",
                     t, k);
        char *good = sk_asprintf(
            "#!/bin/bash\nawk '$2 >= %d' scores.txt | sort -k2,2nr | head -n %d > result.txt\n", t, k);
        char *bad1 = sk_asprintf(
            "#!/bin/bash\nawk '$2 >= %d' scores.txt | sort -k2,2n | head -n %d > result.txt\n", t, k);
        char *bad2 = sk_asprintf(
            "#!/bin/bash\nawk '$2 >= %d' scores.txt | sort -k2,2nr | head -n %d > result.txt\n", t,
            k + 1);
        code_answers(in, "solution.sh", good, "ascending sort", bad1, "one line too many",
                     "solution.sh", bad2);
        free(good);
        free(bad1);
        free(bad2);
    } else {
        static const char *const keys[] = {"latency", "duration", "count", "size"};
        static const char *const aggs[] = {"sum", "avg", "count"};
        const char *lv = pfx[rng_index(r, 4)], *key = keys[rng_index(r, 4)],
                   *agg = aggs[rng_index(r, 3)];
        int n = (int)rng_int(r, 20, 60), hits = 0, all_n = 0;
        long sum = 0, all_sum = 0;
        const char *other = NULL;
        SkBuf b = SK_BUF_INIT;
        for (int i = 0; i < n; i++) {
            const char *l = pfx[rng_index(r, 4)];
            if (i == 0)
                l = lv;
            while (i == 1 && !strcmp(l, lv)) /* at least one line of another level */
                l = pfx[rng_index(r, 4)];
            if (i == 1)
                other = l;
            int v = (int)rng_int(r, 1, 500);
            if (!strcmp(l, lv)) {
                hits++;
                sum += v;
            }
            all_n++;
            all_sum += v;
            sk_buf_printf(&b, "[2024-01-%02dT%02d:%02d:%02d] %s: request processed %s=%d\n",
                          (int)rng_int(r, 1, 28), (int)rng_int(r, 0, 23), (int)rng_int(r, 0, 59),
                          (int)rng_int(r, 0, 59), l, key, v);
        }
        double want = !strcmp(agg, "sum") ? (double)sum
                      : !strcmp(agg, "avg") ? round((double)sum / hits * 100) / 100
                                            : (double)hits;
        /* forgetting the level filter must change the answer beyond the tolerance: add
         * lines of another level with extreme values until it does */
        for (int extra = 0; extra < 50; extra++) {
            double bad = !strcmp(agg, "sum") ? (double)all_sum
                         : !strcmp(agg, "avg") ? round((double)all_sum / all_n * 100) / 100
                                               : (double)all_n;
            if (fabs(bad - want) > SK_MAX(0.01, fabs(want) * 0.01) + 1e-9)
                break;
            int v = !strcmp(agg, "avg") && want >= 250 ? 1 : 500;
            all_n++;
            all_sum += v;
            sk_buf_printf(&b, "[2024-01-28T23:59:%02d] %s: request processed %s=%d\n", extra % 60,
                          other, key, v);
        }
        probe_file(in, "app.log", b.data);
        sk_buf_done(&b);
        probe_x_num(in, "value", want);
        probe_prompt(in,
                     "Write solution.sh in the current directory that uses awk to compute the %s "
                     "of the %s= values over the lines of app.log whose level is %s%s, and writes "
                     "only the number to result.txt. Run it with bash solution.sh.",
                     !strcmp(agg, "avg") ? "average" : agg, key, lv,
                     !strcmp(agg, "avg") ? " (rounded to 2 decimals)" : "");
        const char *expr = !strcmp(agg, "sum") ? "s" : !strcmp(agg, "avg") ? "(n ? s / n : 0)" : "n";
        const char *fmt = !strcmp(agg, "avg") ? "%.2f" : "%d";
        char *good = sk_asprintf(
            "#!/bin/bash\nawk '/ %s: / { split($NF, kv, \"=\"); s += kv[2]; n++ } "
            "END { printf \"%s\\n\", %s }' app.log > result.txt\n", lv, fmt, expr);
        char *bad1 = sk_asprintf(
            "#!/bin/bash\nawk '{ split($NF, kv, \"=\"); s += kv[2]; n++ } "
            "END { printf \"%s\\n\", %s }' app.log > result.txt\n", fmt, expr);
        code_answers(in, "solution.sh", good, "level filter forgotten", bad1,
                     "script missing", NULL, NULL);
        free(good);
        free(bad1);
    }
}

static void sh_eval(ProbeEv *ev)
{
    const ProbeInstance *in = ev->in;
    const char *argv[] = {"bash", "solution.sh", NULL};
    char *text = run_and_read(ev, "solution.sh", argv, "result.txt");
    if (!text)
        return;
    if (in->level == 1) {
        check_int_text(ev, "output_correct", text, probe_xi(in, "expected"));
    } else if (in->level == 2) {
        SkVec lines;
        probe_lines(text, &lines);
        json_t *want = probe_xj(in, "scores");
        if (probe_cp(ev, "line_count", lines.len == json_array_size(want),
                     "result.txt has %zu lines, expected %zu", lines.len,
                     json_array_size(want))) {
            bool ok = true;
            char why[128] = "";
            for (size_t i = 0; i < lines.len && ok; i++) {
                const char *l = sk_vec_get(&lines, i);
                const char *sp = strrchr(l, ' ');
                long got = sp ? strtol(sp + 1, NULL, 10) : -1;
                long w = (long)json_integer_value(json_array_get(want, i));
                if (got != w) {
                    ok = false;
                    snprintf(why, sizeof why, "line %zu has score %ld, expected %ld", i + 1, got, w);
                }
            }
            probe_cp(ev, "output_correct", ok, "%s", why);
        }
        sk_vec_done(&lines);
    } else {
        double v[1];
        double want = probe_xd(in, "value");
        if (probe_cp(ev, "number_found", probe_numbers(text, v, 1) == 1, "no number in result.txt"))
            probe_cp(ev, "output_correct", probe_near(v[0], want, SK_MAX(0.01, fabs(want) * 0.01)),
                     "got %g, expected %g", v[0], want);
    }
    free(text);
}

/* ------------------------------------------------------------------ gen.code.sql */

static const char *const depts6[] = {"Engineering", "Marketing", "Sales", "HR", "Finance", "Operations"};
static const char *const names16[] = {"Alice", "Bob", "Carol", "Dave", "Eve", "Frank", "Grace", "Hank",
                                      "Ivy", "Jack", "Kate", "Leo", "Mia", "Nick", "Olga", "Pat"};

static void sql_gen(ProbeInstance *in, Rng *r)
{
    SkBuf s = SK_BUF_INIT;
    if (in->level == 1) {
        int n = (int)rng_int(r, 10, 25), t = (int)rng_int(r, 30, 70), count = 0;
        sk_buf_puts(&s, "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, score INTEGER);\n");
        for (int i = 0; i < n; i++) {
            int v = i == 0 ? t : (int)rng_int(r, 0, 100);
            count += v >= t;
            sk_buf_printf(&s, "INSERT INTO users (name, score) VALUES ('%s%d', %d);\n",
                          names16[rng_index(r, 16)], i, v);
        }
        probe_x_int(in, "count", count);
        probe_prompt(in,
                     "setup.sql in the current directory creates a SQLite table users(id, name, "
                     "score). Write query.sql containing one SQL query that returns the number "
                     "of users with a score of at least %d. Only write query.sql; it will be run "
                     "against a fresh database built from setup.sql.",
                     t);
        char *bad = sk_asprintf("SELECT COUNT(*) FROM users WHERE score > %d;", t);
        char *good = sk_asprintf("SELECT COUNT(*)\nFROM users\nWHERE score >= %d;\n", t);
        code_answers(in, "query.sql", good, "strict > instead of >=", bad, "no WHERE clause",
                     "query.sql", "SELECT COUNT(*) FROM users;");
        free(good);
        free(bad);
    } else {
        int n = in->level == 2 ? (int)rng_int(r, 12, 30) : (int)rng_int(r, 15, 35);
        sk_buf_puts(&s, "CREATE TABLE departments (id INTEGER PRIMARY KEY, name TEXT);\n"
                        "CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT, "
                        "department_id INTEGER REFERENCES departments(id), salary INTEGER);\n");
        for (int d = 0; d < 6; d++)
            sk_buf_printf(&s, "INSERT INTO departments (id, name) VALUES (%d, '%s');\n", d + 1, depts6[d]);
        int per[6] = {0};
        int top = (int)rng_index(r, 6);
        int k = (int)rng_int(r, 1, 3);
        int used[256] = {0};
        json_t *rows = json_array();
        int (*sal)[64] = sk_calloc(6, sizeof *sal);
        for (int i = 0; i < n; i++) {
            /* the first employees go to TOP so the answer is unique (no ties) */
            int d = i < 3 ? top : (int)rng_index(r, 6);
            if (in->level == 2 && d != top && per[d] + 1 >= per[top])
                d = top;
            if (in->level == 3 && i < k + 1)
                d = top; /* at least one department with more than K people */
            int sv;
            do
                sv = (int)rng_int(r, 40, in->level == 2 ? 150 : 200);
            while (used[sv]); /* distinct salaries: ranks have no ties */
            used[sv] = 1;
            sal[d][per[d]++] = sv * 1000;
            sk_buf_printf(&s, "INSERT INTO employees (name, department_id, salary) VALUES ('%s%d', %d, %d);\n",
                          names16[rng_index(r, 16)], i, d + 1, sv * 1000);
        }
        if (in->level == 2) {
            probe_x_str(in, "dept", depts6[top]);
            probe_prompt(in,
                         "setup.sql in the current directory creates SQLite tables "
                         "departments(id, name) and employees(id, name, department_id, salary). "
                         "Write query.sql with one query that uses a JOIN to return the name of "
                         "the department with the most employees (a single column, a single "
                         "row). Only write query.sql.");
            code_answers(in, "query.sql",
                         "SELECT d.name FROM departments d JOIN employees e ON e.department_id = d.id\n"
                         "GROUP BY d.id ORDER BY COUNT(*) DESC LIMIT 1;\n",
                         "fewest instead of most",
                         "SELECT d.name FROM departments d JOIN employees e ON e.department_id = d.id "
                         "GROUP BY d.id ORDER BY COUNT(*) ASC LIMIT 1;",
                         "returns the id, not the name", "query.sql",
                         "SELECT e.department_id FROM employees e GROUP BY e.department_id "
                         "ORDER BY COUNT(*) DESC LIMIT 1;");
        } else {
            for (int d = 0; d < 6; d++) {
                /* sort salaries descending */
                for (int i = 1; i < per[d]; i++)
                    for (int j = i; j > 0 && sal[d][j] > sal[d][j - 1]; j--) {
                        int x = sal[d][j];
                        sal[d][j] = sal[d][j - 1];
                        sal[d][j - 1] = x;
                    }
            }
            /* ordered by department name, then rank */
            int order[6] = {0, 1, 2, 3, 4, 5};
            for (int i = 1; i < 6; i++)
                for (int j = i; j > 0 && strcmp(depts6[order[j]], depts6[order[j - 1]]) < 0; j--) {
                    int x = order[j];
                    order[j] = order[j - 1];
                    order[j - 1] = x;
                }
            for (int oi = 0; oi < 6; oi++) {
                int d = order[oi];
                for (int i = 0; i < per[d] && i < k; i++)
                    json_array_append_new(rows, json_pack("[s,i]", depts6[d], sal[d][i]));
            }
            probe_x_set(in, "rows", json_incref(rows));
            probe_prompt(in,
                         "setup.sql in the current directory creates SQLite tables "
                         "departments(id, name) and employees(id, name, department_id, salary). "
                         "Write query.sql with one query using a CTE and a window function that "
                         "ranks employees by salary within their department (rank 1 = highest "
                         "salary) and returns the top %d per department with the columns "
                         "department_name, employee_name, salary, salary_rank, ordered by "
                         "department_name and then salary_rank. Only write query.sql.",
                         k);
            char *good = sk_asprintf(
                "WITH ranked AS (\n  SELECT d.name AS department_name, e.name AS employee_name, e.salary,\n"
                "         RANK() OVER (PARTITION BY d.id ORDER BY e.salary DESC) AS salary_rank\n"
                "  FROM employees e JOIN departments d ON d.id = e.department_id)\n"
                "SELECT * FROM ranked WHERE salary_rank <= %d ORDER BY department_name, salary_rank;\n", k);
            char *bad1 = sk_asprintf(
                "WITH ranked AS (SELECT d.name AS department_name, e.name AS employee_name, e.salary, "
                "RANK() OVER (PARTITION BY d.id ORDER BY e.salary ASC) AS salary_rank "
                "FROM employees e JOIN departments d ON d.id = e.department_id) "
                "SELECT * FROM ranked WHERE salary_rank <= %d ORDER BY department_name, salary_rank;", k);
            char *bad2 = sk_asprintf(
                "WITH ranked AS (SELECT d.name AS department_name, e.name AS employee_name, e.salary, "
                "RANK() OVER (PARTITION BY d.id ORDER BY e.salary DESC) AS salary_rank "
                "FROM employees e JOIN departments d ON d.id = e.department_id) "
                "SELECT * FROM ranked WHERE salary_rank <= %d ORDER BY department_name, salary_rank;", k + 1);
            code_answers(in, "query.sql", good, "ranked lowest first", bad1, "top K+1",
                         "query.sql", bad2);
            free(good);
            free(bad1);
            free(bad2);
        }
        json_decref(rows);
        free(sal);
    }
    probe_file(in, "setup.sql", s.data);
    probe_x_str(in, "setup", s.data);
    sk_buf_done(&s);
}

static void sql_eval(ProbeEv *ev)
{
    const ProbeInstance *in = ev->in;
    char *q = probe_read(ev, "query.sql", "query_created");
    if (!q)
        return;
    char *sql = probe_clean(q);
    free(q);
    /* drop trailing semicolons and blanks: a single statement is expected */
    size_t n = strlen(sql);
    while (n && (sql[n - 1] == ';' || isspace((unsigned char)sql[n - 1])))
        sql[--n] = 0;
    /* a fresh scratch database built from the generator's own setup (never test.db reuse) */
    Store *st = NULL;
    SkError err = {0};
    if (store_open_raw(":memory:", false, &st, &err) != SK_OK ||
        store_exec(st, probe_xs(in, "setup"), &err) != SK_OK) {
        probe_skip(ev, "cannot build the scratch database: %s", err.msg);
        store_close(st);
        free(sql);
        return;
    }
    json_t *rows = NULL;
    SkStatus s = store_query_json(st, sql, NULL, 10000, &rows, NULL, &err);
    store_close(st);
    free(sql);
    if (!probe_cp(ev, "query_valid", s == SK_OK, "the query failed: %s", err.msg))
        return;
    json_t *first = json_array_get(json_array_get(rows, 0), 0);
    char *fs = first ? js_dump_compact(first) : sk_strdup("no rows");
    if (in->level == 1) {
        long long want = probe_xi(in, "count");
        probe_cp(ev, "result_correct",
                 json_array_size(rows) == 1 && json_is_number(first) &&
                     json_number_value(first) == (double)want,
                 "the query returned %s, expected one row with %lld", fs, want);
    } else if (in->level == 2) {
        const char *want = probe_xs(in, "dept");
        probe_cp(ev, "result_correct",
                 json_array_size(rows) == 1 && json_is_string(first) &&
                     !strcmp(json_string_value(first), want),
                 "the query returned %s, expected '%s'", fs, want);
    } else {
        json_t *want = probe_xj(in, "rows");
        if (probe_cp(ev, "row_count", json_array_size(rows) == json_array_size(want),
                     "%zu rows, expected %zu", json_array_size(rows), json_array_size(want))) {
            size_t i;
            json_t *w;
            json_array_foreach(want, i, w) {
                json_t *g = json_array_get(rows, i);
                json_t *gd = json_array_get(g, 0), *gs = json_array_get(g, 2);
                char name[48];
                snprintf(name, sizeof name, "row_%zu_correct", i + 1);
                char *gtext = g ? js_dump_compact(g) : sk_strdup("missing");
                probe_cp(ev, name,
                         json_is_string(gd) &&
                             !strcmp(json_string_value(gd), json_string_value(json_array_get(w, 0))) &&
                             json_is_number(gs) &&
                             json_number_value(gs) == json_number_value(json_array_get(w, 1)),
                         "row %zu is %s, expected department %s with salary %lld", i + 1,
                         gtext, json_string_value(json_array_get(w, 0)),
                         (long long)json_integer_value(json_array_get(w, 1)));
                free(gtext);
            }
        }
    }
    free(fs);
    json_decref(rows);
}

/* ------------------------------------------------------------------ gen.code.html */

/* Count opening tags <TAG ...> in [s, e) (case-insensitive). */
static int html_count(const char *s, const char *e, const char *tag)
{
    int n = 0;
    size_t tl = strlen(tag);
    for (const char *p = s; p && p < e; p++) {
        if (*p == '<' && !strncasecmp(p + 1, tag, tl) &&
            (isspace((unsigned char)p[1 + tl]) || p[1 + tl] == '>' || p[1 + tl] == '/'))
            n++;
    }
    return n;
}

/* Span of the first <TAG>...</TAG> element (inner part). */
static bool html_inner(const char *s, const char *tag, const char **a, const char **b)
{
    size_t tl = strlen(tag);
    for (const char *p = s; *p; p++) {
        if (*p == '<' && !strncasecmp(p + 1, tag, tl) &&
            (isspace((unsigned char)p[1 + tl]) || p[1 + tl] == '>')) {
            const char *gt = strchr(p, '>');
            if (!gt)
                return false;
            char close[32];
            snprintf(close, sizeof close, "</%s", tag);
            const char *c = sk_str_casestr(gt, close);
            *a = gt + 1;
            *b = c ? c : gt + strlen(gt);
            return true;
        }
    }
    return false;
}

/* Text of [a, b) with tags removed. New string. */
static char *html_text(const char *a, const char *b)
{
    SkBuf t = SK_BUF_INIT;
    bool tag = false;
    for (const char *p = a; p < b; p++) {
        if (*p == '<')
            tag = true;
        else if (*p == '>')
            tag = false;
        else if (!tag)
            sk_buf_putc(&t, *p);
    }
    char *s = sk_buf_steal(&t);
    sk_str_trim(s);
    return s;
}

static const char *const titles6[] = {"Welcome to My Site", "Project Dashboard", "Team Directory",
                                      "Product Catalog", "Event Schedule", "Help Center"};
static const char *const menu10[] = {"Dashboard", "Settings", "Profile", "Reports", "Analytics",
                                     "Messages", "Calendar", "Tasks", "Documents", "Help"};
static const char *const cols8[] = {"Name", "Email", "Phone", "Department", "Role",
                                    "Location", "Status", "Manager"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void html_gen(ProbeInstance *in, Rng *r)
{
    SkBuf g = SK_BUF_INIT, b1 = SK_BUF_INIT, b2 = SK_BUF_INIT;
    if (in->level == 1) {
        const char *title = titles6[rng_index(r, 6)];
        int k = (int)rng_int(r, 3, 7);
        probe_x_str(in, "title", title);
        probe_x_int(in, "k", k);
        SkBuf list = SK_BUF_INIT;
        for (int i = 0; i < k; i++)
            sk_buf_printf(&list, "%s%s", i ? ", " : "", menu10[i]);
        probe_prompt(in,
                     "Create index.html in the current directory: a complete HTML document whose "
                     "h1 heading is \"%s\" followed by an unordered list with exactly these %d "
                     "items: %s.",
                     title, k, list.data);
        sk_buf_done(&list);
        for (int v = 0; v < 3; v++) {
            SkBuf *o = v == 0 ? &g : v == 1 ? &b1 : &b2;
            sk_buf_printf(o, "<!DOCTYPE html>\n<html><head><title>%s</title></head><body>\n"
                             "<%s>%s</%s>\n<ul>\n",
                          title, v == 2 ? "h2" : "h1", title, v == 2 ? "h2" : "h1");
            for (int i = 0; i < k - (v == 1); i++)
                sk_buf_printf(o, "  <li>%s</li>\n", menu10[i]);
            sk_buf_puts(o, "</ul>\n</body></html>\n");
        }
        code_answers(in, "index.html", g.data, "last item missing", b1.data,
                     "h2 instead of h1", "index.html", b2.data);
    } else if (in->level == 2) {
        int c = (int)rng_int(r, 3, 5), rows = (int)rng_int(r, 3, 6);
        probe_x_int(in, "cols", c);
        probe_x_int(in, "rows", rows);
        SkBuf list = SK_BUF_INIT;
        for (int i = 0; i < c; i++)
            sk_buf_printf(&list, "%s%s", i ? ", " : "", cols8[i]);
        probe_prompt(in,
                     "Create index.html in the current directory: a semantic HTML page with a "
                     "header containing the h1 \"Data Report\", a main element holding a table "
                     "(a thead with the %d column headers %s, and a tbody with exactly %d rows of "
                     "sample data), and a footer with a copyright line.",
                     c, list.data, rows);
        sk_buf_done(&list);
        for (int v = 0; v < 3; v++) {
            SkBuf *o = v == 0 ? &g : v == 1 ? &b1 : &b2;
            sk_buf_puts(o, "<!DOCTYPE html>\n<html><body>\n<header><h1>Data Report</h1></header>\n"
                           "<main>\n<table>\n<thead><tr>");
            for (int i = 0; i < c; i++)
                sk_buf_printf(o, "<th>%s</th>", cols8[i]);
            sk_buf_puts(o, "</tr></thead>\n<tbody>\n");
            for (int j = 0; j < rows - (v == 1); j++) {
                sk_buf_puts(o, "<tr>");
                for (int i = 0; i < c; i++)
                    sk_buf_printf(o, "<td>%s %d</td>", cols8[i], j + 1);
                sk_buf_puts(o, "</tr>\n");
            }
            sk_buf_puts(o, "</tbody>\n</table>\n</main>\n");
            if (v != 2)
                sk_buf_puts(o, "<footer>&copy; 2026 Example</footer>\n");
            sk_buf_puts(o, "</body></html>\n");
        }
        code_answers(in, "index.html", g.data, "one row short", b1.data, "no footer",
                     "index.html", b2.data);
    } else {
        int k = (int)rng_int(r, 4, 8);
        probe_x_int(in, "k", k);
        SkBuf list = SK_BUF_INIT;
        int vals[8];
        for (int i = 0; i < k; i++) {
            vals[i] = (int)rng_int(r, 10, 100);
            sk_buf_printf(&list, "%s%s=%d", i ? ", " : "", months[i], vals[i]);
        }
        probe_prompt(in,
                     "Create index.html in the current directory with an inline SVG bar chart "
                     "of these values: %s. The svg element must have a viewBox, contain exactly "
                     "%d rect elements (one per bar, each with x, y, width and height) and a "
                     "text label for each bar.",
                     list.data, k);
        sk_buf_done(&list);
        for (int v = 0; v < 3; v++) {
            SkBuf *o = v == 0 ? &g : v == 1 ? &b1 : &b2;
            sk_buf_printf(o, "<!DOCTYPE html>\n<html><body>\n<svg %swidth=\"%d\" height=\"120\">\n",
                          v == 2 ? "" : "viewBox=\"0 0 400 120\" ", 50 * k);
            for (int i = 0; i < k - (v == 1); i++)
                sk_buf_printf(o, "  <rect x=\"%d\" y=\"%d\" width=\"40\" height=\"%d\" fill=\"steelblue\"/>\n"
                                 "  <text x=\"%d\" y=\"115\">%s</text>\n",
                              i * 50, 110 - vals[i], vals[i], i * 50, months[i]);
            sk_buf_puts(o, "</svg>\n</body></html>\n");
        }
        code_answers(in, "index.html", g.data, "one bar missing", b1.data, "no viewBox",
                     "index.html", b2.data);
    }
    sk_buf_done(&g);
    sk_buf_done(&b1);
    sk_buf_done(&b2);
}

static void html_eval(ProbeEv *ev)
{
    const ProbeInstance *in = ev->in;
    char *raw = probe_read(ev, "index.html", "file_created");
    if (!raw)
        return;
    char *h = probe_clean(raw); /* a model may wrap the file in a code fence */
    free(raw);
    const char *end = h + strlen(h), *a, *b;
    if (in->level == 1) {
        const char *title = probe_xs(in, "title");
        char *t = html_inner(h, "h1", &a, &b) ? html_text(a, b) : sk_strdup("");
        probe_cp(ev, "h1_correct", sk_str_casestr(t, title) != NULL,
                 "h1 is '%.80s', expected '%s'", t, title);
        free(t);
        int k = (int)probe_xi(in, "k");
        int lis = html_count(h, end, "li");
        probe_cp(ev, "li_count", lis == k, "%d list items, expected %d", lis, k);
        for (int i = 0; i < k; i++) {
            char name[48];
            snprintf(name, sizeof name, "item_%s", menu10[i]);
            bool found = false;
            const char *p = h;
            while (!found && html_inner(p, "li", &a, &b)) {
                char *x = html_text(a, b);
                found = sk_str_casestr(x, menu10[i]) != NULL;
                free(x);
                p = b;
            }
            probe_cp(ev, name, found, "no list item '%s'", menu10[i]);
        }
    } else if (in->level == 2) {
        static const char *const tags[] = {"header", "main", "footer", "table", "thead", "tbody"};
        for (size_t i = 0; i < SK_ARRAY_LEN(tags); i++) {
            char name[32];
            snprintf(name, sizeof name, "tag_%s", tags[i]);
            probe_cp(ev, name, html_count(h, end, tags[i]) > 0, "no <%s> element", tags[i]);
        }
        int th = html_inner(h, "thead", &a, &b) ? html_count(a, b, "th") : 0;
        int tr = html_inner(h, "tbody", &a, &b) ? html_count(a, b, "tr") : 0;
        probe_cp(ev, "structure_correct", th == probe_xi(in, "cols"),
                 "%d header cells in thead, expected %lld", th, probe_xi(in, "cols"));
        probe_cp(ev, "content_correct", tr == probe_xi(in, "rows"), "%d rows in tbody, expected %lld",
                 tr, probe_xi(in, "rows"));
    } else {
        if (probe_cp(ev, "tag_svg", html_inner(h, "svg", &a, &b), "no <svg> element")) {
            const char *open = a;
            while (open > h && *open != '<')
                open--;
            char *head = sk_strndup(open, (size_t)(a - open));
            probe_cp(ev, "tag_viewbox", sk_str_casestr(head, "viewbox") != NULL,
                     "the svg element has no viewBox");
            free(head);
            int k = (int)probe_xi(in, "k"), rects = 0, full = 0;
            for (const char *p = a; p < b; p++) {
                if (*p == '<' && !strncasecmp(p + 1, "rect", 4) &&
                    (isspace((unsigned char)p[5]) || p[5] == '/' || p[5] == '>')) {
                    rects++;
                    const char *gt = strchr(p, '>');
                    char *tag = sk_strndup(p, gt ? (size_t)(gt - p) : strlen(p));
                    if (regex_test("\\sx\\s*=", 0, tag) && regex_test("\\sy\\s*=", 0, tag) &&
                        regex_test("\\swidth\\s*=", 0, tag) && regex_test("\\sheight\\s*=", 0, tag))
                        full++;
                    free(tag);
                }
            }
            probe_cp(ev, "structure_correct", rects == k, "%d rect elements, expected %d", rects, k);
            probe_cp(ev, "content_correct", full == rects && rects > 0,
                     "%d of %d rects lack x, y, width or height", rects - full, rects);
        }
    }
    free(h);
}

/* ------------------------------------------------------------------ text helpers */

static const char *const topics8[] = {"renewable energy", "ocean exploration", "urban gardening",
                                      "space travel", "ancient history", "machine learning",
                                      "coffee culture", "mountain hiking"};
static const char *const fill_words[] = {"careful", "steady", "practical", "curious", "shared",
                                         "local", "modern", "simple", "patient", "clear"};

/* N sentences about TOPIC, each mentioning it; deterministic from R. */
static void filler(SkBuf *b, Rng *r, const char *topic, int n)
{
    if (n == 0) {
        sk_buf_puts(b, "In brief.");
        return;
    }
    for (int i = 0; i < n; i++)
        sk_buf_printf(b, "%sThe %s side of %s matters because people value %s results in "
                         "everyday work.",
                      i ? " " : "", fill_words[rng_index(r, 10)], topic,
                      fill_words[rng_index(r, 10)]);
}

/* Numbers equal, ignoring int/real representation (42 == 42.0). */
static bool json_same(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    return json_equal((json_t *)a, (json_t *)b);
}

/* ------------------------------------------------------------------ gen.text.structured */

static const char *const cities8[] = {"Paris", "Tokyo", "Lima", "Oslo", "Cairo", "Denver", "Seoul", "Perth"};
static const char *const colors8[] = {"red", "blue", "green", "purple", "orange", "teal", "gold", "gray"};
static const char *const skills8[] = {"python", "sql", "design", "sales", "writing", "golang", "excel", "rust"};

static void st_gen(ProbeInstance *in, Rng *r)
{
    if (in->level == 1) {
        json_t *o = json_pack("{s:s,s:i,s:s,s:b,s:s}", "name", probe_n8[rng_index(r, 8)], "age",
                              (int)rng_int(r, 18, 67), "city", cities8[rng_index(r, 8)], "active",
                              (int)rng_int(r, 0, 1), "favorite_color", colors8[rng_index(r, 8)]);
        char *lst = js_dump_compact(o);
        probe_prompt(in,
                     "Respond with a JSON object with exactly these fields and values, and "
                     "nothing else: %s (name a string, age a number, city a string, active a "
                     "boolean, favorite_color a string).",
                     lst);
        free(lst);
        char *good = js_dump_pretty(o);
        probe_answer_text(probe_answer(in, "correct JSON", true), good);
        json_t *b1 = json_deep_copy(o);
        json_object_set_new(b1, "age", json_sprintf("%lld", (long long)js_int(o, "age", 0)));
        char *t1 = js_dump_compact(b1);
        probe_answer_text(probe_answer(in, "age as a string", false), t1);
        json_t *b2 = json_deep_copy(o);
        json_object_del(b2, "favorite_color");
        char *t2 = js_dump_compact(b2);
        probe_answer_text(probe_answer(in, "a field missing", false), t2);
        free(good), free(t1), free(t2);
        json_decref(b1), json_decref(b2);
        probe_x_set(in, "object", o);
    } else if (in->level == 2) {
        static const char *const cos[] = {"Acme Corp", "TechFlow", "DataPrime", "CloudNine"};
        const char *co = cos[rng_index(r, 4)];
        int n = (int)rng_int(r, 3, 5);
        json_t *emps = json_array();
        SkBuf desc = SK_BUF_INIT;
        for (int i = 0; i < n; i++) {
            size_t pick[4];
            int ns = (int)rng_int(r, 2, 4);
            rng_sample(r, 8, (size_t)ns, pick);
            json_t *sk = json_array();
            for (int j = 0; j < ns; j++)
                json_array_append_new(sk, json_string(skills8[pick[j]]));
            json_t *e = json_pack("{s:s,s:s,s:o,s:i,s:b}", "name", probe_n8[i], "department",
                                  depts5[rng_index(r, 5)], "skills", sk, "salary",
                                  1000 * (int)rng_int(r, 40, 120), "active", rng_double(r) > 0.3);
            char *d = js_dump_compact(e);
            sk_buf_printf(&desc, "\n- %s", d);
            free(d);
            json_array_append_new(emps, e);
        }
        probe_prompt(in,
                     "Respond with only a JSON document (no prose) with the keys \"company\" "
                     "(\"%s\"), \"employee_count\" (%d) and \"employees\": an array of these %d "
                     "employees, each with name (string), department (string), skills (array of "
                     "strings), salary (number) and active (boolean):%s",
                     co, n, n, desc.data);
        sk_buf_done(&desc);
        json_t *doc = json_pack("{s:s,s:i,s:O}", "company", co, "employee_count", n, "employees", emps);
        char *good = js_dump_pretty(doc);
        probe_answer_text(probe_answer(in, "correct document", true), good);
        json_t *b1 = json_deep_copy(doc);
        json_array_remove(json_object_get(b1, "employees"), (size_t)n - 1);
        char *t1 = js_dump_pretty(b1);
        probe_answer_text(probe_answer(in, "one employee missing", false), t1);
        json_t *b2 = json_deep_copy(doc);
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(b2, "employees"), i, e)
            json_object_set_new(e, "salary", json_sprintf("%lld", (long long)js_int(e, "salary", 0)));
        char *t2 = js_dump_pretty(b2);
        probe_answer_text(probe_answer(in, "salaries as strings", false), t2);
        free(good), free(t1), free(t2);
        json_decref(b1), json_decref(b2), json_decref(emps);
        probe_x_str(in, "company", co);
        probe_x_int(in, "n", n);
        json_decref(doc);
    } else {
        int d = (int)rng_int(r, 3, 5), t = (int)rng_int(r, 2, 4), m = (int)rng_int(r, 3, 5);
        probe_x_int(in, "d", d);
        probe_x_int(in, "t", t);
        probe_x_int(in, "m", m);
        probe_prompt(in,
                     "Respond with only a JSON document (no prose, more than 5 KB in total) "
                     "describing the organisation \"GlobalTech\": {\"organization\": ..., "
                     "\"departments\": [...]} with exactly %d departments, each with a name and "
                     "exactly %d teams, each team with a name and exactly %d members, each member "
                     "with name, role, email and joined_year (2018-2024). Add descriptive text "
                     "fields as needed to exceed 5 KB.",
                     d, t, m);
        json_t *deps = json_array();
        for (int i = 0; i < d; i++) {
            json_t *teams = json_array();
            for (int j = 0; j < t; j++) {
                json_t *mem = json_array();
                for (int k = 0; k < m; k++) {
                    SkBuf bio = SK_BUF_INIT;
                    filler(&bio, r, "teamwork", 2);
                    json_array_append_new(
                        mem, json_pack("{s:s,s:s,s:s,s:i,s:s}", "name", names16[rng_index(r, 16)],
                                       "role", k ? "engineer" : "lead", "email",
                                       "someone@globaltech.example", "joined_year",
                                       (int)rng_int(r, 2018, 2024), "bio", bio.data));
                    sk_buf_done(&bio);
                }
                json_array_append_new(teams, json_pack("{s:s++,s:o}", "name", "Team ",
                                                       fill_words[j % 10], "", "members", mem));
            }
            json_array_append_new(deps, json_pack("{s:s,s:o}", "name", depts6[i], "teams", teams));
        }
        json_t *doc = json_pack("{s:s,s:o}", "organization", "GlobalTech", "departments", deps);
        char *good = js_dump_pretty(doc);
        probe_answer_text(probe_answer(in, "correct document", true), good);
        json_t *b1 = json_deep_copy(doc);
        json_array_remove(js_arr(json_array_get(js_arr(b1, "departments"), (size_t)d - 1), "teams"), 0);
        char *t1 = js_dump_pretty(b1);
        probe_answer_text(probe_answer(in, "a team missing", false), t1);
        good[strlen(good) * 4 / 5] = 0;
        probe_answer_text(probe_answer(in, "output cut short (invalid JSON)", false), good);
        free(good), free(t1);
        json_decref(b1);
        json_decref(doc);
    }
}

static void st_eval(ProbeEv *ev)
{
    const ProbeInstance *in = ev->in;
    json_t *j = probe_json_from_text(ev->resp, '{');
    if (!probe_cp(ev, "json_valid", json_is_object(j), "no JSON object in the response")) {
        json_decref(j);
        return;
    }
    if (in->level == 1) {
        const char *k;
        json_t *want;
        json_object_foreach(probe_xj(in, "object"), k, want) {
            char name[48];
            snprintf(name, sizeof name, "field_%s", k);
            json_t *got = json_object_get(j, k);
            char *gs = got ? js_dump_compact(got) : sk_strdup("missing");
            char *ws = js_dump_compact(want);
            probe_cp(ev, name, got && json_same(got, want), "%s is %s, expected %s", k, gs, ws);
            free(gs);
            free(ws);
        }
    } else if (in->level == 2) {
        long long n = probe_xi(in, "n");
        probe_cp(ev, "field_company", sk_str_eq(js_str(j, "company", NULL), probe_xs(in, "company")),
                 "company is '%s', expected '%s'", js_str(j, "company", "?"), probe_xs(in, "company"));
        probe_cp(ev, "field_employee_count", js_num(j, "employee_count", -1) == (double)n,
                 "employee_count is %g, expected %lld", js_num(j, "employee_count", -1), n);
        json_t *emps = js_arr(j, "employees");
        probe_cp(ev, "employees_length", json_array_size(emps) == (size_t)n,
                 "%zu employees, expected %lld", json_array_size(emps), n);
        size_t i;
        json_t *e;
        char why[160] = "";
        json_array_foreach(emps, i, e) {
            if (!why[0] && (!json_is_string(json_object_get(e, "name")) ||
                            !json_is_string(json_object_get(e, "department")) ||
                            !json_is_array(json_object_get(e, "skills")) ||
                            !json_is_number(json_object_get(e, "salary")) ||
                            !json_is_boolean(json_object_get(e, "active"))))
                snprintf(why, sizeof why, "employee %zu: name/department must be strings, skills "
                                          "an array, salary a number, active a boolean", i + 1);
        }
        probe_cp(ev, "type_correct", emps && !why[0], "%s", why[0] ? why : "no employees array");
    } else {
        char *dump = json_dumps(j, 0);
        size_t size = strlen(dump);
        free(dump);
        probe_cp(ev, "byte_size", size > 5000, "%zu bytes, expected more than 5000", size);
        long long d = probe_xi(in, "d"), t = probe_xi(in, "t"), m = probe_xi(in, "m");
        json_t *deps = js_arr(j, "departments");
        probe_cp(ev, "field_departments", json_array_size(deps) == (size_t)d,
                 "%zu departments, expected %lld", json_array_size(deps), d);
        bool teams_ok = deps != NULL, types_ok = deps != NULL;
        char why[160] = "no departments array";
        size_t i, k2, k3;
        json_t *dep, *team, *mem;
        json_array_foreach(deps, i, dep) {
            json_t *teams = js_arr(dep, "teams");
            if (json_array_size(teams) != (size_t)t && teams_ok) {
                teams_ok = false;
                snprintf(why, sizeof why, "department %zu has %zu teams, expected %lld", i + 1,
                         json_array_size(teams), t);
            }
            json_array_foreach(teams, k2, team) {
                json_t *mems = js_arr(team, "members");
                if (json_array_size(mems) != (size_t)m)
                    types_ok = false;
                json_array_foreach(mems, k3, mem) {
                    if (!json_object_get(mem, "name") || !json_object_get(mem, "role") ||
                        !json_object_get(mem, "email") || !json_object_get(mem, "joined_year"))
                        types_ok = false;
                }
            }
        }
        probe_cp(ev, "field_teams", teams_ok, "%s", why);
        probe_cp(ev, "type_correct", types_ok,
                 "every team needs %lld members with name, role, email and joined_year", m);
    }
    json_decref(j);
}

/* ------------------------------------------------------------------ gen.text.long */

static const char *const starts[] = {"===BEGIN===", "---START---", "<<<CONTENT>>>"};
static const char *const ends[] = {"===END===", "---FINISH---", "<<<END>>>"};

static void long_gen(ProbeInstance *in, Rng *r)
{
    const char *topic = topics8[rng_index(r, 8)];
    const char *st = starts[rng_index(r, 3)], *en = ends[rng_index(r, 3)];
    probe_x_str(in, "start", st);
    probe_x_str(in, "end", en);
    SkBuf g = SK_BUF_INIT, b1 = SK_BUF_INIT, b2 = SK_BUF_INIT;
    if (in->level == 1) {
        int k = (int)rng_int(r, 5, 10);
        probe_x_int(in, "k", k);
        probe_prompt(in,
                     "Write a numbered list of exactly %d key concepts about %s, one sentence "
                     "each. Put %s on the line before the list and %s on the line after it.",
                     k, topic, st, en);
        for (int v = 0; v < 3; v++) {
            SkBuf *o = v == 0 ? &g : v == 1 ? &b1 : &b2;
            sk_buf_printf(o, "Here is the list.\n%s\n", st);
            for (int i = 1; i <= k - (v == 1); i++) {
                sk_buf_printf(o, "%d. Concept %d: ", i, i);
                filler(o, r, topic, 1);
                sk_buf_putc(o, '\n');
            }
            if (v != 2)
                sk_buf_printf(o, "%s\n", en);
        }
        probe_answer_text(probe_answer(in, "correct list", true), g.data);
        probe_answer_text(probe_answer(in, "one item short", false), b1.data);
        probe_answer_text(probe_answer(in, "end marker missing", false), b2.data);
    } else {
        int s = (int)rng_int(r, 3, 5), sub = in->level == 3 ? (int)rng_int(r, 2, 3) : 0;
        probe_x_int(in, "s", s);
        probe_x_int(in, "sub", sub);
        if (in->level == 2)
            probe_prompt(in,
                         "Write an article about %s with exactly %d sections, each starting with "
                         "a '## ' heading and holding at least 3 paragraphs; 1500 to 5000 bytes "
                         "in total. Put %s before the article and %s after it.",
                         topic, s, st, en);
        else
            probe_prompt(in,
                         "Write a long document (at least 5000 bytes) about %s: a table of "
                         "contents, then %d sections with '## ' headings, each with %d "
                         "subsections with '### ' headings of at least 2 paragraphs, then a "
                         "summary. Put %s before the document and %s after it.",
                         topic, s, sub, st, en);
        for (int v = 0; v < 3; v++) {
            SkBuf *o = v == 0 ? &g : v == 1 ? &b1 : &b2;
            sk_buf_printf(o, "%s\n", st);
            if (in->level == 3)
                sk_buf_puts(o, "Table of contents: see the sections below.\n\n");
            int nsec = in->level == 2 && v == 1 ? s - 1 : s;
            int paras = in->level == 2 && v == 2 ? 1 : 3, sents = in->level == 2 && v == 2 ? 1 : 3;
            for (int i = 1; i <= nsec; i++) {
                sk_buf_printf(o, "## Section %d\n\n", i);
                int nsub = in->level == 3 && v == 1 ? 0 : sub;
                for (int j = 1; j <= (nsub ? nsub : 1); j++) {
                    if (nsub)
                        sk_buf_printf(o, "### Part %d.%d\n\n", i, j);
                    for (int p = 0; p < (in->level == 3 ? 2 : paras); p++) {
                        filler(o, r, topic, in->level == 3 ? 4 : sents);
                        sk_buf_puts(o, "\n\n");
                    }
                }
            }
            if (in->level == 3)
                sk_buf_puts(o, "## Summary\n\nThat is the whole story.\n");
            if (!(in->level == 3 && v == 2))
                sk_buf_printf(o, "%s\n", en);
        }
        probe_answer_text(probe_answer(in, "correct document", true), g.data);
        probe_answer_text(probe_answer(in, in->level == 2 ? "one section short" : "no subsections",
                                       false), b1.data);
        probe_answer_text(probe_answer(in, in->level == 2 ? "too short" : "end marker missing",
                                       false), b2.data);
    }
    sk_buf_done(&g);
    sk_buf_done(&b1);
    sk_buf_done(&b2);
}

/* Lines of TEXT starting with PREFIX followed by a space. */
static int count_headings(const char *text, const char *prefix)
{
    int n = 0;
    size_t pl = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        const char *q = p;
        while (*q == ' ')
            q++;
        if (!strncmp(q, prefix, pl) && (q[pl] == ' ' || q[pl] == '\t'))
            n++;
    }
    return n;
}

static void long_eval(ProbeEv *ev)
{
    const ProbeInstance *in = ev->in;
    const char *st = probe_xs(in, "start"), *en = probe_xs(in, "end");
    const char *a = strstr(ev->resp, st);
    const char *b = a ? strstr(a + strlen(st), en) : NULL;
    probe_cp(ev, "start_marker", a != NULL, "no %s marker", st);
    probe_cp(ev, "end_marker", b != NULL, "no %s marker after the start marker", en);
    if (!a || !b)
        return;
    char *content = sk_strndup(a + strlen(st), (size_t)(b - a - strlen(st)));
    size_t size = strlen(content);
    if (in->level == 1) {
        int items = 0;
        SkVec lines;
        probe_lines(content, &lines);
        for (size_t i = 0; i < lines.len; i++)
            items += regex_test("^\\s*\\d+[.)]\\s", 0, sk_vec_get(&lines, i));
        sk_vec_done(&lines);
        probe_cp(ev, "item_count", items == probe_xi(in, "k"), "%d numbered items, expected %lld",
                 items, probe_xi(in, "k"));
        probe_cp(ev, "byte_size", strlen(ev->resp) < 5120, "%zu bytes, expected under 5120",
                 strlen(ev->resp));
    } else if (in->level == 2) {
        probe_cp(ev, "byte_size_min", size >= 1000, "%zu bytes between the markers, expected at "
                                                    "least 1000", size);
        probe_cp(ev, "byte_size_max", size <= 8000, "%zu bytes, expected at most 8000", size);
        int s = count_headings(content, "##");
        probe_cp(ev, "section_count", s >= probe_xi(in, "s"), "%d '## ' sections, expected %lld", s,
                 probe_xi(in, "s"));
    } else {
        probe_cp(ev, "byte_size", size >= 3000, "%zu bytes between the markers, expected at least "
                                                "3000", size);
        int s = count_headings(content, "##"), ss = count_headings(content, "###");
        probe_cp(ev, "section_count", s >= probe_xi(in, "s"), "%d '## ' sections, expected %lld", s,
                 probe_xi(in, "s"));
        long long want = probe_xi(in, "s") * probe_xi(in, "sub");
        probe_cp(ev, "subsection_count", ss >= want, "%d '### ' subsections, expected %lld", ss, want);
    }
    free(content);
}

/* ------------------------------------------------------------------ gen.text.prose */

static const char *const kw15[] = {"innovation", "sustainability", "community", "resilience",
                                   "efficiency", "collaboration", "heritage", "curiosity",
                                   "balance", "growth", "diversity", "precision", "trust",
                                   "adaptation", "clarity"};

static void prose_gen(ProbeInstance *in, Rng *r)
{
    const char *topic = topics8[rng_index(r, 8)];
    SkBuf g = SK_BUF_INIT, b1 = SK_BUF_INIT, b2 = SK_BUF_INIT;
    if (in->level == 1) {
        int s = (int)rng_int(r, 4, 7), nk = (int)rng_int(r, 2, 3);
        size_t pick[3];
        rng_sample(r, 15, (size_t)nk, pick);
        json_t *kws = json_array();
        SkBuf kl = SK_BUF_INIT;
        for (int i = 0; i < nk; i++) {
            json_array_append_new(kws, json_string(kw15[pick[i]]));
            sk_buf_printf(&kl, "%s\"%s\"", i ? ", " : "", kw15[pick[i]]);
        }
        probe_x_set(in, "keywords", kws);
        probe_x_int(in, "s", s);
        probe_prompt(in,
                     "Write one paragraph of at least %d sentences about %s that uses the "
                     "words %s.",
                     s, topic, kl.data);
        sk_buf_done(&kl);
        for (int v = 0; v < 3; v++) {
            SkBuf *o = v == 0 ? &g : v == 1 ? &b1 : &b2;
            int ns = v == 1 ? s - 1 : s;
            for (int i = 0; i < ns; i++) {
                const char *kw = v == 2 && i % nk == nk - 1 ? "progress" : kw15[pick[i % nk]];
                sk_buf_printf(o, "%sWhen it comes to %s, %s shapes how people plan their days.",
                              i ? " " : "", topic, kw);
            }
            if (v == 1) /* the missing sentence must not hide a keyword */
                for (int i = ns; i < nk; i++)
                    sk_buf_printf(o, " It also needs %s and more", kw15[pick[i]]);
        }
        probe_answer_text(probe_answer(in, "correct paragraph", true), g.data);
        probe_answer_text(probe_answer(in, "one sentence short", false), b1.data);
        probe_answer_text(probe_answer(in, "a keyword missing", false), b2.data);
    } else {
        int s = (int)rng_int(r, 3, 5);
        probe_x_int(in, "s", s);
        if (in->level == 2)
            probe_prompt(in,
                         "Write an essay titled \"%s\" with exactly %d sections, each starting "
                         "with a '## ' heading and made of 2 to 3 paragraphs of 3 to 4 "
                         "sentences; separate paragraphs with a blank line.",
                         topic, s);
        else
            probe_prompt(in,
                         "Write a formal essay on %s of about 3000 to 5000 bytes with an "
                         "Introduction section, %d body sections and a Conclusion section, every "
                         "section starting with a '## ' heading and holding at least 2 "
                         "paragraphs.",
                         topic, s);
        for (int v = 0; v < 3; v++) {
            SkBuf *o = v == 0 ? &g : v == 1 ? &b1 : &b2;
            int paras = in->level == 2 && v == 2 ? 1 : 2;
            int sents = in->level == 3 && v == 2 ? 0 : 3;
            int nsec = in->level == 2 && v == 1 ? s - 1 : s;
            if (in->level == 3) {
                sk_buf_puts(o, "## Introduction\n\n");
                filler(o, r, topic, sents);
                sk_buf_puts(o, "\n\n");
                filler(o, r, topic, sents);
                sk_buf_puts(o, "\n\n");
            }
            for (int i = 1; i <= nsec; i++) {
                sk_buf_printf(o, "## Part %d\n\n", i);
                for (int p = 0; p < paras; p++) {
                    filler(o, r, topic, sents);
                    sk_buf_puts(o, "\n\n");
                }
            }
            if (in->level == 3 && v != 1) {
                sk_buf_puts(o, "## Conclusion\n\n");
                filler(o, r, topic, sents);
                sk_buf_puts(o, "\n\n");
                filler(o, r, topic, sents);
                sk_buf_puts(o, "\n");
            }
        }
        probe_answer_text(probe_answer(in, "correct essay", true), g.data);
        probe_answer_text(probe_answer(in, in->level == 2 ? "one section short" : "no conclusion",
                                       false), b1.data);
        probe_answer_text(probe_answer(in, in->level == 2 ? "one paragraph per section"
                                                          : "far too short", false), b2.data);
    }
    sk_buf_done(&g);
    sk_buf_done(&b1);
    sk_buf_done(&b2);
}

static void prose_eval(ProbeEv *ev)
{
    const ProbeInstance *in = ev->in;
    char *t = probe_clean(ev->resp);
    if (in->level == 1) {
        int s = probe_sentence_count(t);
        probe_cp(ev, "sentence_count", s >= probe_xi(in, "s"), "%d sentences, expected at least %lld",
                 s, probe_xi(in, "s"));
        size_t i;
        json_t *kw;
        json_array_foreach(probe_xj(in, "keywords"), i, kw) {
            char name[64];
            snprintf(name, sizeof name, "keyword_%s", json_string_value(kw));
            probe_cp(ev, name, sk_str_casestr(t, json_string_value(kw)) != NULL,
                     "the word '%s' is missing", json_string_value(kw));
        }
        probe_cp(ev, "length_ok", strlen(t) >= 100, "only %zu characters", strlen(t));
    } else {
        long long s = probe_xi(in, "s");
        /* split into sections at '## ' headings */
        SkVec bodies;
        sk_vec_init(&bodies, free);
        int heads = 0, intro = 0, concl = 0;
        SkBuf cur = SK_BUF_INIT;
        bool in_sec = false;
        char *save = NULL, *copy = sk_strdup(t);
        for (char *line = strtok_r(copy, "\n", &save); ; line = strtok_r(NULL, "\n", &save)) {
            bool head = line && !strncmp(line, "## ", 3);
            if (!line || head) {
                if (in_sec)
                    sk_vec_push(&bodies, sk_buf_steal(&cur));
                sk_buf_reset(&cur);
                if (!line)
                    break;
                heads++;
                in_sec = true;
                intro += sk_str_casestr(line, "intro") != NULL;
                concl += sk_str_casestr(line, "conclu") != NULL;
                continue;
            }
            sk_buf_puts(&cur, line);
            sk_buf_putc(&cur, '\n');
        }
        sk_buf_done(&cur);
        free(copy);
        if (in->level == 2) {
            probe_cp(ev, "section_count", heads >= s, "%d '## ' sections, expected %lld", heads, s);
            int thin = 0;
            /* paragraphs are separated by blank lines: re-split the original text */
            const char *p = t;
            int sec = -1, paras = 0;
            bool in_para = false;
            while (p && *p) {
                const char *e = strchr(p, '\n');
                size_t n = e ? (size_t)(e - p) : strlen(p);
                bool blank = true;
                for (size_t k = 0; k < n; k++)
                    blank &= isspace((unsigned char)p[k]) != 0;
                if (n >= 3 && !strncmp(p, "## ", 3)) {
                    if (sec >= 0 && paras < 2)
                        thin++;
                    sec++;
                    paras = 0;
                    in_para = false;
                } else if (blank) {
                    in_para = false;
                } else if (!in_para) {
                    in_para = true;
                    paras++;
                }
                p = e ? e + 1 : NULL;
            }
            if (sec >= 0 && paras < 2)
                thin++;
            probe_cp(ev, "paragraphs_per_section", heads > 0 && thin == 0,
                     "%d section(s) have fewer than 2 paragraphs", heads ? thin : -1);
        } else {
            probe_cp(ev, "section_count", heads >= s + 2, "%d '## ' sections, expected %lld "
                                                          "(introduction, %lld body, conclusion)",
                     heads, s + 2, s);
            probe_cp(ev, "has_introduction", intro > 0, "no Introduction heading");
            probe_cp(ev, "has_conclusion", concl > 0, "no Conclusion heading");
            probe_cp(ev, "byte_size_min", strlen(t) >= 1500, "%zu bytes, expected at least 1500",
                     strlen(t));
            probe_cp(ev, "byte_size_max", strlen(t) <= 10000, "%zu bytes, expected at most 10000",
                     strlen(t));
        }
        sk_vec_done(&bodies);
    }
    free(t);
}

/* ------------------------------------------------------------------ gen.regex */

static const char *const rx_words[] = {"error", "warning", "success", "failure", "timeout",
                                       "connect", "refused", "retry", "deploy", "commit",
                                       "login", "upload", "restart", "backup", "cache"};

/* Strip what models put around a bare pattern: fences, backticks, /.../flags. New. */
static char *regex_unwrap(const char *resp)
{
    char *c = probe_clean(resp);
    /* a multi-line answer: take the last non-empty line (explanations come first) */
    if (strchr(c, '\n')) {
        SkVec lines;
        probe_lines(c, &lines);
        char *last = lines.len ? sk_strdup(sk_vec_get(&lines, lines.len - 1)) : sk_strdup("");
        sk_vec_done(&lines);
        free(c);
        c = last;
    }
    char *p = c;
    size_t n = strlen(p);
    while (n && (p[n - 1] == '`'))
        p[--n] = 0;
    while (*p == '`')
        p++, n--;
    if (n >= 2 && p[0] == 'r' && (p[1] == '"' || p[1] == '\'') && p[n - 1] == p[1]) {
        p[n - 1] = 0;
        p += 2;
        n -= 3;
    }
    if (n >= 2 && p[0] == '/') {
        char *slash = strrchr(p + 1, '/');
        if (slash && strspn(slash + 1, "gimsuy") == strlen(slash + 1)) {
            *slash = 0;
            p++;
        }
    }
    char *out = sk_strdup(p);
    free(c);
    return out;
}

static void rx_add_case(json_t *cases, const char *s, bool match)
{
    json_array_append_new(cases, json_pack("{s:s,s:b}", "s", s, "m", match));
}

static void rx_gen(ProbeInstance *in, Rng *r)
{
    json_t *cases = json_array();
    const char *good = NULL, *bad1 = NULL, *bad2 = NULL, *l1 = "", *l2 = "";
    char gb[256], b1b[256], b2b[256];
    if (in->level == 1) {
        const char *w = rx_words[rng_index(r, 15)];
        static const char *const pre[] = {"log: ", "msg: ", "event: ", "status: ", ""};
        static const char *const suf[] = {" occurred", " detected", " at line 7", "", " here"};
        int n = (int)rng_int(r, 8, 15), pos = (int)rng_int(r, 3, SK_MIN(6, n - 2));
        for (int i = 0; i < n; i++) {
            char s[128];
            if (i < pos) {
                snprintf(s, sizeof s, "%s%s%s", i == 0 ? "log: " : pre[rng_index(r, 5)], w,
                         suf[rng_index(r, 5)]);
            } else {
                const char *o;
                do
                    o = rx_words[rng_index(r, 15)];
                while (strstr(o, w) || strstr(w, o));
                snprintf(s, sizeof s, "%s%s happened", pre[rng_index(r, 5)], o);
            }
            rx_add_case(cases, s, i < pos);
        }
        /* shuffle the cases */
        size_t nc = json_array_size(cases);
        json_t **tmp = sk_malloc(nc * sizeof *tmp);
        for (size_t i = 0; i < nc; i++)
            tmp[i] = json_incref(json_array_get(cases, i));
        rng_shuffle(r, tmp, nc, sizeof *tmp);
        json_array_clear(cases);
        for (size_t i = 0; i < nc; i++)
            json_array_append_new(cases, tmp[i]);
        free(tmp);
        probe_x_str(in, "mode", "search");
        probe_prompt(in,
                     "Give a regular expression that finds the word \"%s\" anywhere in a log "
                     "line. Answer with the bare pattern only.",
                     w);
        snprintf(gb, sizeof gb, "%s", w);
        snprintf(b2b, sizeof b2b, "^%s", w);
        good = gb, bad1 = ".*", bad2 = b2b, l1 = "matches everything", l2 = "anchored at the start";
    } else if (in->level == 2) {
        bool iso = rng_int(r, 0, 1);
        int y = (int)rng_int(r, 1990, 2030);
        char s[64];
        if (iso) {
            static const char *const pos[] = {"-01-15", "-12-31", "-02-28", "-10-01", "-06-30"};
            static const char *const neg[] = {"-13-01", "-00-10", "-01-32", "/01/15", "-1-5"};
            for (int i = 0; i < 5; i++) {
                snprintf(s, sizeof s, "%d%s", y + i, pos[i]);
                rx_add_case(cases, s, true);
                snprintf(s, sizeof s, "%d%s", y + i, neg[i]);
                rx_add_case(cases, s, false);
            }
            good = "^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$";
            bad1 = "^\\d{4}-\\d{2}-\\d{2}$";
            bad2 = "^\\d{4}-(0?[1-9]|1[0-2])-(0?[1-9]|[12]\\d|3[01])$";
        } else {
            static const char *const pos[] = {"01/15/", "12/31/", "02/28/", "10/01/", "06/30/"};
            static const char *const neg[] = {"13/01/", "00/10/", "01/32/", "01-15-", "1/5/"};
            for (int i = 0; i < 5; i++) {
                snprintf(s, sizeof s, "%s%d", pos[i], y + i);
                rx_add_case(cases, s, true);
                snprintf(s, sizeof s, "%s%d", neg[i], y + i);
                rx_add_case(cases, s, false);
            }
            good = "^(0[1-9]|1[0-2])/(0[1-9]|[12]\\d|3[01])/\\d{4}$";
            bad1 = "^\\d{2}/\\d{2}/\\d{4}$";
            bad2 = "^(0?[1-9]|1[0-2])/(0?[1-9]|[12]\\d|3[01])/\\d{4}$";
        }
        l1 = "no range check on month and day", l2 = "accepts unpadded numbers";
        probe_x_str(in, "mode", "full");
        probe_prompt(in,
                     "Give a regular expression that matches a whole string that is a valid "
                     "date in %s format (month 01-12, day 01-31, zero-padded) and nothing "
                     "else. Answer with the bare pattern only.",
                     iso ? "YYYY-MM-DD" : "MM/DD/YYYY");
    } else {
        int L = (int)rng_int(r, 8, 12);
        static const char lower[] = "abcdefghijkmnpqrstuvwxyz", upper[] = "ABCDEFGHJKLMNPQRSTUVWXYZ",
                          digit[] = "23456789";
        for (int v = 0; v < 8; v++) {
            /* v 0-3 valid (lengths L..L+4), 4 too short, 5 no digit, 6 no upper, 7 no lower */
            int len = v == 4 ? L - 1 : L + (int)rng_int(r, 0, 4);
            char s[32];
            for (int i = 0; i < len; i++) {
                int cls = i % 3;
                if (v == 5 && cls == 2)
                    cls = 0;
                if (v == 6 && cls == 1)
                    cls = 2;
                if (v == 7 && cls == 0)
                    cls = 1;
                s[i] = cls == 0 ? lower[rng_index(r, 24)] : cls == 1 ? upper[rng_index(r, 24)]
                                                                     : digit[rng_index(r, 8)];
            }
            s[len] = 0;
            rx_add_case(cases, s, v < 4);
        }
        snprintf(gb, sizeof gb, "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d).{%d,}$", L);
        snprintf(b1b, sizeof b1b, "^.{%d,}$", L);
        snprintf(b2b, sizeof b2b, "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d).{%d,}$", L - 1);
        good = gb, bad1 = b1b, bad2 = b2b, l1 = "no lookaheads", l2 = "length off by one";
        probe_x_str(in, "mode", "full");
        probe_prompt(in,
                     "Give a regular expression (lookaheads allowed) that matches a whole "
                     "password only when it is at least %d characters long and contains at least "
                     "one lowercase letter, one uppercase letter and one digit. Answer with the "
                     "bare pattern only.",
                     L);
    }
    probe_x_set(in, "cases", cases);
    char *g = sk_asprintf("`%s`", good); /* backticks are tolerated */
    probe_answer_text(probe_answer(in, "correct pattern", true), g);
    free(g);
    probe_answer_text(probe_answer(in, l1, false), bad1);
    probe_answer_text(probe_answer(in, l2, false), bad2);
}

static void rx_eval(ProbeEv *ev)
{
    char *pat = regex_unwrap(ev->resp);
    Regex *re = NULL;
    SkError err = {0};
    if (!probe_cp(ev, "regex_valid", *pat && regex_compile(pat, 0, &re, &err) == SK_OK,
                  "'%.80s' does not compile: %s", pat, *pat ? err.msg : "empty answer")) {
        free(pat);
        return;
    }
    bool full = !strcmp(probe_xs(ev->in, "mode"), "full");
    size_t i;
    json_t *c;
    json_array_foreach(probe_xj(ev->in, "cases"), i, c) {
        const char *s = js_str(c, "s", "");
        bool want = js_bool(c, "m", false), got = false;
        SkStatus st = full ? regex_fullmatch(re, s, strlen(s), &got, &err)
                           : regex_search(re, s, strlen(s), 0, &got, NULL, 0, &err);
        char name[32];
        snprintf(name, sizeof name, "case_%zu", i + 1);
        if (st != SK_OK)
            probe_cp(ev, name, false, "'%s': %s", s, err.msg);
        else
            probe_cp(ev, name, got == want, "'%s' %s but should %s", s,
                     got ? "matches" : "does not match", want ? "match" : "not match");
    }
    regex_free(re);
    free(pat);
}

/* ------------------------------------------------------------------ registry */

const ProbeSpec probe_gen_specs[9] = {
    {"gen.code.python", py_gen, py_eval,
     {"a single-file script that reads a text file and writes a count",
      "a script using the csv and json modules to summarize a table",
      "a script using a third-party library (numpy) for column statistics"}},
    {"gen.code.javascript", js_gen, js_eval,
     {"a Node.js script counting matching lines with fs",
      "a Node.js script summarizing a CSV into JSON",
      "async/await with Promise.all merging JSON files with last-wins deduplication"}},
    {"gen.code.shell", sh_gen, sh_eval,
     {"a shell script using grep to count prefixed lines",
      "a pipeline filtering, sorting and truncating scored lines",
      "an awk aggregation over a log filtered by level"}},
    {"gen.code.sql", sql_gen, sql_eval,
     {"a SELECT with WHERE and COUNT", "a JOIN with GROUP BY picking the largest group",
      "a CTE with a window function ranking rows within groups"}},
    {"gen.code.html", html_gen, html_eval,
     {"a document with a heading and a list", "a semantic page with a table, header and footer",
      "an inline SVG bar chart with a viewBox"}},
    {"gen.text.structured", st_gen, st_eval,
     {"a flat JSON object with exact typed values", "a nested JSON document with typed arrays",
      "a deeply nested JSON document larger than 5 KB"}},
    {"gen.text.long", long_gen, long_eval,
     {"a short numbered list wrapped in markers", "a sectioned article of 1-5 KB within markers",
      "a document over 5 KB with sections, subsections and intact markers"}},
    {"gen.text.prose", prose_gen, prose_eval,
     {"one coherent paragraph with required words", "a multi-section essay with paragraphs",
      "a long-form essay with introduction, body sections and conclusion"}},
    {"gen.regex", rx_gen, rx_eval,
     {"a literal pattern found in log lines", "groups, alternation and anchors for dates",
      "lookaheads for a password policy"}},
};
