/* bench_ui.c: how fast the workbench shows its first frame and redraws its panes.
 *
 *  1. start to first complete frame (skill load, analysis, all profiles, layout, draw) on a
 *     reference skill (../shared/reference; our example skill when it is absent);
 *  2. redraw time of each pane (draw + composition + doupdate) on a generated skill of
 *     thousands of lines, in list and heatmap views, via the :time-redraw command;
 *  3. keystroke to frame: 2000 scripted moves through the large skill.
 * Everything runs headless at 120x40. It prints numbers; it never fails on timing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "tests/testlib.h"
#include "ui/workbench.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int write_large_skill(const char *dir, int sections)
{
    SkBuf b;
    sk_buf_init(&b);
    sk_buf_puts(&b, "---\nname: large-generated\ndescription: A generated skill of thousands "
                    "of lines for redraw benchmarks.\n---\n\n# Large generated skill\n\n");
    for (int i = 0; i < sections; i++) {
        sk_buf_printf(&b, "## Step %d: process batch %d\n\n", i + 1, i + 1);
        sk_buf_printf(&b, "1. Read `data/batch_%d.csv` with read_file and parse every row.\n", i);
        sk_buf_puts(&b, "2. Run `python3 scripts/report.py --check` and compute the totals.\n");
        sk_buf_puts(&b, "3. You MUST write the result to `out/report.md` as a Markdown table.\n");
        sk_buf_puts(&b, "4. 计算每个批次的总和 (sum every batch) and never skip a row.\n\n");
        sk_buf_puts(&b, "```python\nimport csv\nfor row in csv.reader(open('x.csv')):\n"
                        "    print(sum(float(v) for v in row[1:]))\n```\n\n");
    }
    tl_write(dir, "SKILL.md", sk_buf_cstr(&b));
    int lines = 0;
    for (size_t i = 0; i < b.len; i++)
        lines += b.data[i] == '\n';
    sk_buf_done(&b);
    return lines;
}

static double run(const char *skill, const char *steps_text, const char *outdir, int cols, int rows,
                  double *first_frame)
{
    tl_write(outdir, "steps", steps_text);
    char *steps = sk_path_join(outdir, "steps");
    WorkbenchOptions o = {0};
    o.headless = true;
    o.skill_dir = skill;
    o.script = steps;
    o.screen_dir = outdir;
    o.cols = cols;
    o.rows = rows;
    o.theme = "dark";
    o.first_frame_ms = first_frame;
    double t0 = now_ms();
    int rc = workbench_run(&o);
    double t = now_ms() - t0;
    if (rc)
        fprintf(stderr, "workbench exited with %d\n", rc);
    free(steps);
    return t;
}

int main(void)
{
    setenv("SKVM_HOME", tl_tmpdir(), 1);
    setenv("SKVM_HEADLESS", "1", 1);
    setenv("TERM", "xterm-256color", 1);
    unsetenv("SKVM_SCRIPT");

    /* 1. First frame on a reference skill with every shipped profile. */
    char *ref = tl_reference_path("skills/coding-lead");
    char *skill =
        ref && sk_is_dir(ref) ? ref : tl_source_path("tests/screens/fixtures/skills/wide-notes");
    printf("first frame (%s):\n", ref && skill == ref ? "reference skill coding-lead"
                                                      : "fixture wide-notes; no reference data");
    double best = 1e9, sum = 0;
    const int reps = 10;
    for (int i = 0; i < reps; i++) {
        double ff = 0;
        const char *out = tl_tmpdir();
        run(skill, ":quit\n", out, 120, 40, &ff);
        sum += ff;
        if (ff < best)
            best = ff;
    }
    printf("  start to first complete frame: best %.2f ms, mean %.2f ms over %d starts\n", best,
           sum / reps, reps);

    /* 2. Redraw per pane on a large skill. */
    const char *big = tl_tmpdir();
    int nlines = write_large_skill(big, 300);
    const char *out = tl_tmpdir();
    double ff = 0;
    double total = run(big,
                       ":time-redraw 200\n:select follow.procedure\nG\n:time-redraw 200\nH\n"
                       ":time-redraw 200\n:quit\n",
                       out, 120, 40, &ff);
    char *times = sk_path_join(out, "redraw-times.txt");
    char *text = NULL;
    size_t len = 0;
    printf("\nlarge generated skill (%d lines): first frame %.2f ms, whole scripted run %.1f ms\n",
           nlines, ff, total);
    if (sk_read_file(times, 0, &text, &len, NULL) == SK_OK) {
        printf("redraw per pane (ms per frame, 200 frames each; list, end of file, heatmap):\n");
        fputs(text, stdout);
    }
    free(text);
    free(times);

    /* 3. Keystroke to frame. */
    SkBuf keys;
    sk_buf_init(&keys);
    for (int i = 0; i < 1000; i++)
        sk_buf_puts(&keys, "j\n");
    for (int i = 0; i < 1000; i++)
        sk_buf_puts(&keys, "<PgUp>\n");
    sk_buf_puts(&keys, ":quit\n");
    double base = run(big, ":quit\n", tl_tmpdir(), 120, 40, &ff);
    double moved = run(big, sk_buf_cstr(&keys), tl_tmpdir(), 120, 40, &ff);
    printf("\nkeystroke to frame: %.3f ms per key (2000 keys, start-up of %.1f ms removed)\n",
           (moved - base) / 2000, base);
    sk_buf_done(&keys);
    printf("\n(a person notices delays above about 50-100 ms)\n");
    free(ref);
    if (skill != ref)
        free(skill);
    return 0;
}
