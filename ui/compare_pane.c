/* compare_pane.c: the compare view. A picker lists the skill's variants from its git variant
 * store (main, then each <harness>/<model-slug> branch's commits, with provenance); Enter
 * compares the selected variant (right) with the left one (main's tip unless set with x):
 * scores, tokens and latency from its runs, the gaps each addresses, the artifact changes,
 * then SKILL.md side by side with added, removed and changed lines styled. `a` accepts a
 * variant for its target (variants accept).
 *
 * `:compile [--passes LIST]` compiles the loaded skill for the target model as a background
 * job (core/jobs.h) reporting on the trace bus; the new variant then shows here and its plan
 * in the plan pane. Everything comes from core/variants.h and core/compile.h; this file
 * only lays it out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compile.h"
#include "core/jobs.h"
#include "core/variant_name.h"
#include "core/variants.h"
#include "ui/draw.h"
#include "ui/panes.h"
#include "ui/workbench.h"

typedef enum CmpRowKind {
    CMP_ROW_TEXT,    /* one line across the width */
    CMP_ROW_PAIR,    /* a label, then text for A and for B */
    CMP_ROW_HEADING, /* a section rule with a title */
    CMP_ROW_DIFF,    /* SKILL.md: old line | new line */
} CmpRowKind;

typedef struct CmpRow {
    CmpRowKind kind;
    char origin; /* diff: ' ' same, '-' removed, '+' added, '~' changed */
    int no_a, no_b;
    char *label;
    char *a, *b; /* PAIR / DIFF texts (NULL: blank), TEXT: a */
    StyleId style;
} CmpRow;

typedef struct ComparePane {
    Pane super;
    bool diff_mode;
    SkVec variants; /* VariantInfo * (owned) */
    char *skill;    /* store name the list is of */
    PaneList list;  /* rows = variants */
    char left[41];  /* commit of the left side ("" = main's tip) */
    char right[41];
    json_t *diff;
    SkVec rows; /* CmpRow * of the diff view */
    PaneList rows_list;
    char *error;
    /* The running compile. */
    Job *job; /* owned by the pool; valid until its end event */
    char *job_id;
    char *job_text;
    bool counted; /* wb->busy was raised for it */
} ComparePane;

static void cmp_row_free(void *p)
{
    CmpRow *r = p;
    free(r->label);
    free(r->a);
    free(r->b);
    free(r);
}

static CmpRow *cmp_row(ComparePane *cp, CmpRowKind kind, const char *label, const char *a,
                       const char *b, StyleId st)
{
    CmpRow *r = sk_calloc(1, sizeof *r);
    r->kind = kind;
    r->origin = ' ';
    r->label = label ? sk_strdup(label) : NULL;
    r->a = a ? sk_strdup(a) : NULL;
    r->b = b ? sk_strdup(b) : NULL;
    r->style = st;
    sk_vec_push(&cp->rows, r);
    return r;
}

static const VariantInfo *cmp_variant(const ComparePane *cp, const char *commit)
{
    for (size_t i = 0; i < cp->variants.len; i++) {
        const VariantInfo *v = sk_vec_get(&cp->variants, i);
        if (!strcmp(v->commit, commit))
            return v;
    }
    return NULL;
}

/* main's tip: the first original in the list (newest first per branch). */
static const VariantInfo *cmp_main_tip(const ComparePane *cp)
{
    for (size_t i = 0; i < cp->variants.len; i++) {
        const VariantInfo *v = sk_vec_get(&cp->variants, i);
        if (v->original)
            return v;
    }
    return NULL;
}

static const char *cmp_left(const ComparePane *cp)
{
    if (cp->left[0])
        return cp->left;
    const VariantInfo *m = cmp_main_tip(cp);
    return m ? m->commit : "";
}

/* Reload the variant list of the loaded skill, keeping the cursor on SELECT (a commit) when
 * given. */
static void cmp_reload(ComparePane *cp, const char *select)
{
    Workbench *wb = cp->super.wb;
    sk_vec_done(&cp->variants);
    sk_vec_init(&cp->variants, (SkFreeFn)variants_info_free);
    free(cp->error);
    cp->error = NULL;
    free(cp->skill);
    cp->skill = wb->skill ? variant_name_of_skill(wb->skill) : NULL;
    if (!cp->skill) {
        cp->error = sk_strdup("No skill loaded (o: pick one).");
        return;
    }
    SkError err;
    char *dir = variants_repo_dir(NULL, cp->skill);
    bool exists = sk_is_dir(dir);
    free(dir);
    if (!exists) {
        cp->error = sk_asprintf("%s has no compiled variants yet: :compile compiles it for the "
                                "target model.",
                                cp->skill);
        return;
    }
    SkVec tmp;
    if (variants_list(NULL, cp->skill, &tmp, &err) != SK_OK) {
        cp->error = sk_asprintf("variants of %s: %s", cp->skill, err.msg);
        return;
    }
    sk_vec_done(&cp->variants);
    cp->variants = tmp;
    cp->list.count = (int)cp->variants.len;
    if (cp->left[0] && !cmp_variant(cp, cp->left))
        cp->left[0] = '\0';
    for (size_t i = 0; select && i < cp->variants.len; i++)
        if (!strcmp(((const VariantInfo *)sk_vec_get(&cp->variants, i))->commit, select))
            cp->list.cursor = (int)i;
    pane_list_clamp(&cp->list, SK_MAX(1, pane_body_height(&cp->super) - 4));
}

/* ---- the diff view's rows ---- */

static char *cmp_join(json_t *arr)
{
    if (!json_array_size(arr))
        return sk_strdup("—");
    SkBuf b;
    sk_buf_init(&b);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *v = json_array_get(arr, i);
        sk_buf_printf(&b, "%s%s", i ? ", " : "", json_is_string(v) ? json_string_value(v) : "?");
    }
    return sk_buf_steal(&b);
}

static char *cmp_runs_text(json_t *r)
{
    if (!json_is_object(r))
        return sk_strdup("no runs yet");
    SkBuf b;
    sk_buf_init(&b);
    long long n = json_integer_value(json_object_get(r, "runs"));
    sk_buf_printf(&b, "%lld run%s", n, n == 1 ? "" : "s");
    json_t *s = json_object_get(r, "score");
    if (json_is_number(s))
        sk_buf_printf(&b, " · score %.2f", json_number_value(s));
    json_t *t = json_object_get(r, "tokens");
    if (json_is_number(t))
        sk_buf_printf(&b, " · %.0f tokens", json_number_value(t));
    json_t *l = json_object_get(r, "latency_ms");
    if (json_is_number(l))
        sk_buf_printf(&b, " · %.1f s", json_number_value(l) / 1000.0);
    return sk_buf_steal(&b);
}

static void cmp_pair_set(ComparePane *cp, const char *label, json_t *set)
{
    char *a = cmp_join(json_object_get(set, "only_a"));
    char *b = cmp_join(json_object_get(set, "only_b"));
    cmp_row(cp, CMP_ROW_PAIR, label, a, b, STYLE_DEFAULT);
    free(a);
    free(b);
    if (json_array_size(json_object_get(set, "both"))) {
        char *both = cmp_join(json_object_get(set, "both"));
        char *t = sk_asprintf("both: %s", both);
        cmp_row(cp, CMP_ROW_PAIR, "", t, t, STYLE_DIM);
        free(t);
        free(both);
    }
}

static void cmp_build_rows(ComparePane *cp)
{
    sk_vec_done(&cp->rows);
    sk_vec_init(&cp->rows, cmp_row_free);
    json_t *d = cp->diff;
    json_t *runs = json_object_get(d, "runs");
    char *ra = cmp_runs_text(json_object_get(runs, "a"));
    char *rb = cmp_runs_text(json_object_get(runs, "b"));
    cmp_row(cp, CMP_ROW_PAIR, "runs", ra, rb, STYLE_DEFAULT);
    free(ra);
    free(rb);
    json_t *art = json_object_get(d, "artifacts");
    cmp_pair_set(cp, "gaps", json_object_get(art, "gaps"));
    cmp_pair_set(cp, "needs", json_object_get(art, "requirements"));
    cmp_pair_set(cp, "deps", json_object_get(art, "dependencies"));
    json_t *plan = json_object_get(art, "plan");
    char *pa = NULL, *pb = NULL;
    for (int side = 0; side < 2; side++) {
        json_t *p = json_object_get(plan, side ? "b" : "a");
        char *t = json_is_object(p)
                      ? sk_asprintf("%lld steps · %lld groups · %.2fx",
                                    (long long)json_integer_value(json_object_get(p, "steps")),
                                    (long long)json_integer_value(json_object_get(p, "groups")),
                                    json_number_value(json_object_get(p, "ideal_speedup")))
                      : sk_strdup("—");
        *(side ? &pb : &pa) = t;
    }
    cmp_row(cp, CMP_ROW_PAIR, "plan", pa, pb, STYLE_DEFAULT);
    free(pa);
    free(pb);
    /* Changed files, two to a row. */
    json_t *files = json_object_get(d, "files");
    size_t nf = json_array_size(files);
    if (!nf)
        cmp_row(cp, CMP_ROW_PAIR, "files", "no changes", "", STYLE_DIM);
    for (size_t i = 0; i < nf; i += 2) {
        char *t[2] = {NULL, NULL};
        for (size_t k = 0; k < 2 && i + k < nf; k++) {
            json_t *f = json_array_get(files, i + k);
            t[k] = sk_asprintf("%s %s", json_string_value(json_object_get(f, "status")),
                               json_string_value(json_object_get(f, "path")));
        }
        cmp_row(cp, CMP_ROW_PAIR, i ? "" : "files", t[0], t[1], STYLE_DEFAULT);
        free(t[0]);
        free(t[1]);
    }

    /* SKILL.md, aligned: a run of removed lines followed by added ones pairs up as changed
     * lines; the rest stand alone. */
    json_t *lines = json_object_get(json_object_get(d, "skill_md"), "lines");
    size_t nl = json_array_size(lines), nadd = 0, ndel = 0, nchg = 0;
    for (size_t i = 0; i < nl; i++) {
        const char *o = json_string_value(json_array_get(json_array_get(lines, i), 0));
        nadd += o && *o == '+';
        ndel += o && *o == '-';
    }
    size_t hdr = cp->rows.len;
    cmp_row(cp, CMP_ROW_HEADING, "SKILL.md", NULL, NULL, STYLE_LABEL);
    for (size_t i = 0; i < nl;) {
        json_t *l = json_array_get(lines, i);
        const char *o = json_string_value(json_array_get(l, 0));
        if (!o || *o != '-') {
            CmpRow *r = cmp_row(cp, CMP_ROW_DIFF, NULL, NULL, NULL, STYLE_DEFAULT);
            r->origin = o && *o == '+' ? '+' : ' ';
            r->no_a = r->origin == '+' ? 0 : (int)json_integer_value(json_array_get(l, 1));
            r->no_b = (int)json_integer_value(json_array_get(l, 2));
            const char *t = json_string_value(json_array_get(l, 3));
            if (r->origin != '+')
                r->a = sk_strdup(t ? t : "");
            r->b = sk_strdup(t ? t : "");
            i++;
            continue;
        }
        size_t d0 = i, d1 = i;
        while (d1 < nl &&
               sk_str_eq(json_string_value(json_array_get(json_array_get(lines, d1), 0)), "-"))
            d1++;
        size_t a1 = d1;
        while (a1 < nl &&
               sk_str_eq(json_string_value(json_array_get(json_array_get(lines, a1), 0)), "+"))
            a1++;
        size_t nd = d1 - d0, na = a1 - d1;
        for (size_t k = 0; k < SK_MAX(nd, na); k++) {
            json_t *ld = k < nd ? json_array_get(lines, d0 + k) : NULL;
            json_t *la = k < na ? json_array_get(lines, d1 + k) : NULL;
            CmpRow *r = cmp_row(cp, CMP_ROW_DIFF, NULL, NULL, NULL, STYLE_DEFAULT);
            r->origin = ld && la ? '~' : ld ? '-' : '+';
            nchg += ld && la;
            if (ld) {
                r->no_a = (int)json_integer_value(json_array_get(ld, 1));
                const char *t = json_string_value(json_array_get(ld, 3));
                r->a = sk_strdup(t ? t : "");
            }
            if (la) {
                r->no_b = (int)json_integer_value(json_array_get(la, 2));
                const char *t = json_string_value(json_array_get(la, 3));
                r->b = sk_strdup(t ? t : "");
            }
        }
        i = a1;
    }
    CmpRow *h = sk_vec_get(&cp->rows, hdr);
    free(h->label);
    h->label = sk_asprintf("SKILL.md  +%zu added  -%zu removed  ~%zu changed", nadd - nchg,
                           ndel - nchg, nchg);
    cp->rows_list = (PaneList){(int)cp->rows.len, 0, 0};
}

/* Compare LEFT with RIGHT (commits or revisions); false with a message on failure. */
static bool cmp_open_diff(ComparePane *cp, const char *left, const char *right)
{
    Workbench *wb = cp->super.wb;
    SkError err;
    json_t *d = NULL;
    if (!cp->skill || variants_diff(NULL, cp->skill, left, right, &d, &err) != SK_OK) {
        workbench_message(wb, SK_LOG_ERROR, "compare: %s",
                          cp->skill ? err.msg : "no variants to compare");
        return false;
    }
    json_decref(cp->diff);
    cp->diff = d;
    snprintf(cp->left, sizeof cp->left, "%s",
             json_string_value(json_object_get(json_object_get(d, "a"), "commit")));
    snprintf(cp->right, sizeof cp->right, "%s",
             json_string_value(json_object_get(json_object_get(d, "b"), "commit")));
    cmp_build_rows(cp);
    cp->diff_mode = true;
    return true;
}

/* ---- accept ---- */

static void cmp_accept(ComparePane *cp, const char *rev)
{
    Workbench *wb = cp->super.wb;
    SkError err;
    char *tag = NULL;
    if (!cp->skill || !rev || !*rev) {
        workbench_message(wb, SK_LOG_ERROR, "accept: no variant selected");
        return;
    }
    if (variants_accept(NULL, cp->skill, rev, &tag, &err) != SK_OK) {
        workbench_message(wb, SK_LOG_ERROR, "accept: %s", err.msg);
        return;
    }
    char short_id[8];
    snprintf(short_id, sizeof short_id, "%.7s", rev);
    workbench_message(wb, SK_LOG_INFO, "accepted %s:%s as %s", cp->skill, short_id, tag);
    free(tag);
    char keep[41];
    snprintf(keep, sizeof keep, "%s", rev);
    cmp_reload(cp, keep);
    if (cp->diff_mode && cp->left[0] && cp->right[0]) {
        char l[41], r[41];
        snprintf(l, sizeof l, "%s", cp->left);
        snprintf(r, sizeof r, "%s", cp->right);
        int top = cp->rows_list.top, cur = cp->rows_list.cursor;
        if (cmp_open_diff(cp, l, r)) {
            cp->rows_list.top = top;
            cp->rows_list.cursor = cur;
        }
    }
}

/* ---- compile job ---- */

typedef struct CmpCompile {
    char *skill_dir, *model, *harness, *passes;
    TraceBus *bus;
    Job *job;
    int npasses, done;
} CmpCompile;

static void cmp_compile_free(void *p)
{
    CmpCompile *c = p;
    free(c->skill_dir);
    free(c->model);
    free(c->harness);
    free(c->passes);
    free(c);
}

static void cmp_compile_progress(const char *line, void *ud)
{
    CmpCompile *c = ud;
    if (sk_str_starts(line, "pass ") && (strstr(line, ": ok") || strstr(line, ": failed")))
        c->done++;
    double f = c->npasses ? (double)c->done / (c->npasses + 1) : -1.0;
    job_progress(c->job, f, "%s", line);
}

static SkStatus cmp_compile_job(Job *job, void *ud, SkError *err)
{
    CmpCompile *c = ud;
    c->job = job;
    int nums[COMPILE_MAX_PASSES];
    size_t n = 0;
    if (compile_resolve_passes(c->passes, nums, &n, NULL) == SK_OK)
        c->npasses = (int)n;
    CompileOptions o = {0};
    o.skill_dir = c->skill_dir;
    o.model = c->model;
    o.harness = c->harness;
    o.passes = c->passes;
    o.progress = cmp_compile_progress;
    o.progress_ud = c;
    o.cancel = job_cancel_flag(job);
    CompileResult r;
    SkStatus s = compile_run(&o, &r, err);
    /* The result for the UI thread, ahead of the job's end. */
    json_t *res = compile_result_to_json(&r);
    TraceBus *bus = job_bus(job);
    if (s == SK_OK && r.ok) {
        job_progress(job, 1.0, "%s %s:%s %.7s", r.up_to_date ? "up to date:" : "compiled",
                     r.skill ? r.skill : "?", r.branch ? r.branch : "?", r.commit);
    } else if (s == SK_OK) {
        sk_error_set(err, SK_ERR_INVALID, "%s",
                     r.rejected ? "the guard rejected the variant"
                                : (r.error ? r.error : "the compile failed"));
        s = SK_ERR_INVALID;
    }
    if (bus)
        trace_bus_publish(
            bus, trace_event_new(
                     TRACE_LOG, job_id(job), -1, s == SK_OK ? "compile finished" : "compile failed",
                     json_pack("{s:i,s:o}", "level", (int)(s == SK_OK ? SK_LOG_INFO : SK_LOG_ERROR),
                               "compile", res)));
    else
        json_decref(res);
    compile_result_done(&r);
    return s;
}

static void cmp_compile(ComparePane *cp, const char *args)
{
    Workbench *wb = cp->super.wb;
    if (!wb->skill) {
        workbench_message(wb, SK_LOG_ERROR, "compile: no skill loaded");
        return;
    }
    const Tcp *t = workbench_target(wb);
    if (!t) {
        workbench_message(wb, SK_LOG_ERROR, "compile: no target model (add profiles)");
        return;
    }
    if (cp->job_id) {
        workbench_message(wb, SK_LOG_WARN, "a compile is already running (%s)", cp->job_id);
        return;
    }
    /* Options: --passes LIST (or a bare list). */
    char *passes = NULL;
    char *buf = sk_strdup(args);
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
        if (!strcmp(tok, "--passes")) {
            char *v = strtok(NULL, " ");
            if (!v) {
                workbench_message(wb, SK_LOG_ERROR, "compile: --passes needs a list, e.g. 1,2,3");
                free(buf);
                free(passes);
                return;
            }
            free(passes);
            passes = sk_strdup(v);
        } else if (sk_str_starts(tok, "--passes=")) {
            free(passes);
            passes = sk_strdup(tok + 9);
        } else if (tok[0] != '-') {
            free(passes);
            passes = sk_strdup(tok);
        } else {
            workbench_message(wb, SK_LOG_ERROR,
                              "compile: unknown option %s (usage: :compile [--passes 1,2,3])", tok);
            free(buf);
            free(passes);
            return;
        }
    }
    free(buf);
    SkError err;
    int nums[COMPILE_MAX_PASSES];
    size_t n = 0;
    if (compile_resolve_passes(passes, nums, &n, &err) != SK_OK) {
        workbench_message(wb, SK_LOG_ERROR, "compile: %s", err.msg);
        free(passes);
        return;
    }
    CmpCompile *c = sk_calloc(1, sizeof *c);
    c->skill_dir = sk_strdup(wb->skill->dir);
    c->model = sk_strdup(t->model);
    c->harness = sk_strdup(t->harness);
    c->passes = passes ? passes : sk_strdup("all");
    char *label = sk_asprintf("compile %s for %s (%s)", wb->skill->name, t->model, t->harness);
    Job *job = jobs_submit(wb->jobs, "compile", label, cmp_compile_job, c, cmp_compile_free);
    cp->job_id = sk_strdup(job_id(job));
    cp->job = job;
    free(cp->job_text);
    cp->job_text = sk_asprintf("%s: queued", label);
    wb->busy++;
    cp->counted = true;
    workbench_message(wb, SK_LOG_INFO, "%s started (%s)", label, cp->job_id);
    free(label);
}

/* ---- drawing ---- */

static void cmp_draw_status(ComparePane *cp, WINDOW *w, int y, int width)
{
    if (cp->job_text)
        draw_str_ellipsis(w, y, 1, width - 2, cp->job_text, STYLE_INFO);
}

static void cmp_draw_list(ComparePane *cp, WINDOW *w, int h, int width)
{
    Workbench *wb = cp->super.wb;
    int row = 0;
    if (cp->error) {
        draw_wrap(w, row, 1, width - 2, 2, cp->error, STYLE_DIM);
        cmp_draw_status(cp, w, 3, width);
        return;
    }
    const VariantInfo *lv = cmp_variant(cp, cmp_left(cp));
    char ek[16], xk[16], ak[16];
    workbench_keys_for(wb, "compare", ACTION_ENTER, ek, sizeof ek);
    workbench_keys_for(wb, "compare", ACTION_SET_LEFT, xk, sizeof xk);
    workbench_keys_for(wb, "compare", ACTION_ACCEPT, ak, sizeof ak);
    int x = draw_str(w, row, 1, width - 2, "left ", STYLE_DIM);
    x += draw_printf(w, row, 1 + x, width - 2 - x, STYLE_LABEL, "%s %.7s", lv ? lv->branch : "-",
                     lv ? lv->commit : "");
    draw_printf(w, row, 1 + x, width - 2 - x, STYLE_DIM,
                "  (%s: compare with the selected, %s: set left, %s: accept)", ek, xk, ak);
    row++;
    if (cp->job_text)
        cmp_draw_status(cp, w, row++, width);
    int detail = h >= 12 ? 3 : 0;
    int lh = h - row - detail;
    if (lh < 1)
        return;
    pane_list_clamp(&cp->list, lh);
    int bw = 0;
    for (size_t i = 0; i < cp->variants.len; i++) {
        const VariantInfo *v = sk_vec_get(&cp->variants, i);
        bw = SK_MAX(bw, draw_width(v->branch, strlen(v->branch)));
    }
    bw = SK_MIN(bw, width / 3);
    for (int r = 0; r < lh; r++) {
        size_t i = (size_t)(cp->list.top + r);
        if (i >= cp->variants.len)
            break;
        const VariantInfo *v = sk_vec_get(&cp->variants, i);
        int y = row + r;
        bool isleft = !strcmp(v->commit, cmp_left(cp));
        /* A branch's older commits are indented under its newest. */
        bool first =
            i == 0 ||
            strcmp(((const VariantInfo *)sk_vec_get(&cp->variants, i - 1))->branch, v->branch) != 0;
        int cx = 1;
        cx += draw_str(w, y, cx, 2, isleft ? "L" : " ", STYLE_LABEL);
        cx += draw_str(w, y, cx, 2, v->accepted ? "✓" : " ", STYLE_GAP_OK);
        if (first)
            draw_str_ellipsis(w, y, cx, bw, v->branch, v->original ? STYLE_HEADING : STYLE_LABEL);
        else
            draw_str(w, y, cx, bw, "  ┆", STYLE_DIM);
        cx += bw + 1;
        char stamp[40];
        sk_iso8601(v->time_ms, stamp, sizeof stamp); /* 2026-11-25T10:00:00.000Z */
        stamp[10] = ' ';
        stamp[16] = '\0';
        cx += draw_printf(w, y, cx, width - cx, STYLE_DIM, "%.7s %s ", v->commit, stamp);
        draw_str_ellipsis(w, y, cx, width - cx - 1, v->summary ? v->summary : "", STYLE_DEFAULT);
        if ((int)i == cp->list.cursor)
            draw_restyle(w, y, 0, width, cp->super.focused ? STYLE_SELECTION : STYLE_SELECTION_DIM);
    }
    if (!detail || !cp->variants.len)
        return;
    const VariantInfo *v = sk_vec_get(&cp->variants, (size_t)cp->list.cursor);
    int dy = h - detail;
    draw_hline(w, dy, 0, width, STYLE_BORDER);
    if (v->original) {
        draw_printf(w, dy + 1, 1, width - 2, STYLE_DIM, "the skill as written (source %.16s)",
                    v->prov.source_hash && *v->prov.source_hash ? v->prov.source_hash : "-");
    } else {
        const VariantProvenance *p = &v->prov;
        char *a =
            sk_asprintf("for %s on %s · passes %s · compiler %s · guard %s%s", p->model, p->harness,
                        p->passes, p->compiler_model, p->guard, v->accepted ? " · accepted" : "");
        draw_str_ellipsis(w, dy + 1, 1, width - 2, a, STYLE_DEFAULT);
        free(a);
        char *b = sk_asprintf("profile %s · source %.12s · input %.12s · %s",
                              *p->profile_version ? p->profile_version : "-", p->source_hash,
                              p->input, p->skvm_version);
        if (detail > 2)
            draw_str_ellipsis(w, dy + 2, 1, width - 2, b, STYLE_DIM);
        free(b);
    }
}

static StyleId cmp_origin_style(char o, bool left)
{
    switch (o) {
    case '-':
        return left ? STYLE_DIFF_REMOVED : STYLE_DIM;
    case '+':
        return left ? STYLE_DIM : STYLE_DIFF_ADDED;
    case '~':
        return STYLE_DIFF_CHANGED;
    default:
        return STYLE_DEFAULT;
    }
}

/* Bytes TEXT and OTHER share at the start (*PRE) and at the end (*SUF), on UTF-8
 * character boundaries and without overlapping. */
static void cmp_common(const char *text, const char *other, size_t *pre, size_t *suf)
{
    size_t la = strlen(text), lb = strlen(other), p = 0, s = 0;
    while (p < la && p < lb && text[p] == other[p])
        p++;
    while (p > 0 && p < la && ((unsigned char)text[p] & 0xC0) == 0x80)
        p--;
    while (s < la - p && s < lb - p && text[la - 1 - s] == other[lb - 1 - s])
        s++;
    while (s > 0 && ((unsigned char)text[la - s] & 0xC0) == 0x80)
        s--;
    *pre = p;
    *suf = s;
}

/* One side of a SKILL.md row: number, mark and text; a changed line shows the part that
 * differs from OTHER (the other side's line) in the changed style. */
static void cmp_draw_side(WINDOW *w, int y, int x, int width, int no, const char *text,
                          const char *other, char o, bool left)
{
    if (width < 8 || !text)
        return;
    StyleId st = cmp_origin_style(o, left);
    const char *mark = o == '~' ? "~" : (o == '-' && left) ? "-" : (o == '+' && !left) ? "+" : " ";
    draw_printf(w, y, x, 5, STYLE_LINE_NUMBER, "%4d", no);
    draw_str(w, y, x + 4, 1, mark, st);
    int tw = width - 6;
    if (o == '~' && other) {
        size_t pre, suf, len = strlen(text);
        cmp_common(text, other, &pre, &suf);
        int used = draw_text(w, y, x + 6, tw, text, pre, 0, STYLE_DEFAULT);
        used += draw_text(w, y, x + 6 + used, tw - used, text + pre, len - pre - suf, 0, st);
        if (len - pre - suf == 0 && used < tw) /* only removed text: mark the spot */
            draw_restyle(w, y, x + 6 + used, 1, st);
        draw_text(w, y, x + 6 + used, tw - used, text + len - suf, suf, 0, STYLE_DEFAULT);
        return;
    }
    draw_text(w, y, x + 6, tw, text, strlen(text), 0, st);
    if (o != ' ')
        draw_restyle(w, y, x + 4, width - 4, st);
}

static void cmp_draw_diff(ComparePane *cp, WINDOW *w, int h, int width)
{
    json_t *a = json_object_get(cp->diff, "a"), *b = json_object_get(cp->diff, "b");
    int half = (width - 1) / 2;
    int rx = half + 1;
    for (int side = 0; side < 2; side++) {
        json_t *v = side ? b : a;
        int x0 = side ? rx : 0, ww = side ? width - rx : half;
        int x = draw_printf(w, 0, x0 + 1, ww - 1, STYLE_LABEL, "%s %.7s ", side ? "B" : "A",
                            json_string_value(json_object_get(v, "commit")));
        if (json_is_true(json_object_get(v, "accepted")))
            x += draw_str(w, 0, x0 + 1 + x, ww - 1 - x, "✓ ", STYLE_GAP_OK);
        draw_str_ellipsis(w, 0, x0 + 1 + x, ww - 2 - x,
                          json_string_value(json_object_get(v, "branch")), STYLE_LABEL);
        json_t *p = json_object_get(v, "provenance");
        const char *model = json_string_value(json_object_get(p, "model"));
        char *sub = json_is_true(json_object_get(v, "original"))
                        ? sk_strdup("the original skill")
                        : sk_asprintf("%s · passes %s · guard %s", model ? model : "?",
                                      json_string_value(json_object_get(p, "passes")),
                                      json_string_value(json_object_get(p, "guard")));
        draw_str_ellipsis(w, 1, x0 + 1, ww - 2, sub, STYLE_DIM);
        free(sub);
    }
    int top = 2;
    if (cp->job_text)
        cmp_draw_status(cp, w, top++, width);
    int lh = h - top;
    if (lh < 1)
        return;
    pane_list_clamp(&cp->rows_list, lh);
    for (int r = 0; r < lh; r++) {
        size_t i = (size_t)(cp->rows_list.top + r);
        if (i >= cp->rows.len)
            break;
        const CmpRow *row = sk_vec_get(&cp->rows, i);
        int y = top + r;
        switch (row->kind) {
        case CMP_ROW_TEXT:
            draw_str_ellipsis(w, y, 1, width - 2, row->a, row->style);
            break;
        case CMP_ROW_HEADING: {
            draw_hline(w, y, 0, width, STYLE_BORDER);
            char *t = sk_asprintf(" %s ", row->label);
            draw_str(w, y, 2, width - 4, t, STYLE_LABEL);
            free(t);
            break;
        }
        case CMP_ROW_PAIR: {
            int lw = 7;
            draw_str(w, y, 1, lw - 1, row->label, STYLE_DIM);
            draw_str_ellipsis(w, y, lw, half - lw, row->a ? row->a : "", row->style);
            draw_str_ellipsis(w, y, rx + 1, width - rx - 2, row->b ? row->b : "", row->style);
            break;
        }
        case CMP_ROW_DIFF:
            cmp_draw_side(w, y, 0, half, row->no_a, row->a, row->b, row->origin, true);
            cmp_draw_side(w, y, rx, width - rx, row->no_b, row->b, row->a, row->origin, false);
            break;
        }
        if (row->kind == CMP_ROW_PAIR || row->kind == CMP_ROW_DIFF)
            draw_str(w, y, half, 1, "│", STYLE_BORDER);
        if ((int)i == cp->rows_list.cursor && cp->super.focused)
            draw_restyle(w, y, 0, width, STYLE_SELECTION_DIM);
    }
}

static void compare_pane_draw(Pane *p, WINDOW *w, int h, int width)
{
    ComparePane *cp = (ComparePane *)p;
    if (cp->diff_mode && cp->diff)
        cmp_draw_diff(cp, w, h, width);
    else
        cmp_draw_list(cp, w, h, width);
}

static void compare_pane_title(Pane *p, SkBuf *out)
{
    ComparePane *cp = (ComparePane *)p;
    if (cp->diff_mode)
        sk_buf_printf(out, "Compare %s  %.7s ↔ %.7s  row %d/%zu", cp->skill ? cp->skill : "-",
                      cp->left, cp->right, cp->rows_list.cursor + 1, cp->rows.len);
    else
        sk_buf_printf(out, "Variants of %s  %zu", cp->skill ? cp->skill : "-", cp->variants.len);
}

/* ---- input ---- */

static PaneResult compare_pane_handle_key(Pane *p, const PaneKey *k)
{
    ComparePane *cp = (ComparePane *)p;
    Workbench *wb = p->wb;
    bool handled = false;
    if (cp->diff_mode) {
        int lh = SK_MAX(1, pane_body_height(p) - 2);
        if (pane_list_move(&cp->rows_list, k->action, lh, &handled) || handled)
            return PANE_HANDLED | PANE_REDRAW;
        switch (k->action) {
        case ACTION_QUIT:
        case ACTION_CANCEL:
            cp->diff_mode = false;
            return PANE_HANDLED | PANE_REDRAW;
        case ACTION_ACCEPT: {
            char r[41];
            snprintf(r, sizeof r, "%s", cp->right);
            cmp_accept(cp, r);
            return PANE_HANDLED | PANE_REDRAW;
        }
        case ACTION_PLAN: {
            Pane *plan = workbench_pane(wb, "plan");
            if (plan)
                pane_command(plan, "plan", cp->right);
            return PANE_HANDLED | PANE_REDRAW;
        }
        default:
            return PANE_IGNORED;
        }
    }
    int lh = SK_MAX(1, pane_body_height(p) - 5);
    if (pane_list_move(&cp->list, k->action, lh, &handled) || handled)
        return PANE_HANDLED | PANE_REDRAW;
    const VariantInfo *v =
        cp->variants.len ? sk_vec_get(&cp->variants, (size_t)cp->list.cursor) : NULL;
    switch (k->action) {
    case ACTION_CANCEL_JOB:
        if (!cp->job)
            return PANE_IGNORED;
        job_cancel(cp->job);
        workbench_message(wb, SK_LOG_INFO, "cancelling the compile (%s)", cp->job_id);
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_ENTER:
        if (v) {
            char l[41], r[41];
            snprintf(l, sizeof l, "%s", cmp_left(cp));
            snprintf(r, sizeof r, "%s", v->commit);
            cmp_open_diff(cp, l, r);
        }
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_SET_LEFT:
        if (v)
            snprintf(cp->left, sizeof cp->left, "%s", v->commit);
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_ACCEPT:
        if (v) {
            char r[41];
            snprintf(r, sizeof r, "%s", v->commit);
            cmp_accept(cp, r);
        }
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_PLAN:
        if (v) {
            Pane *plan = workbench_pane(wb, "plan");
            if (plan)
                pane_command(plan, "plan", v->commit);
        }
        return PANE_HANDLED | PANE_REDRAW;
    default:
        return PANE_IGNORED;
    }
}

static PaneResult compare_pane_handle_mouse(Pane *p, const PaneMouse *m)
{
    ComparePane *cp = (ComparePane *)p;
    if (cp->diff_mode) {
        PaneMouse mm = *m;
        mm.y -= 2;
        return pane_list_mouse(&cp->rows_list, &mm, SK_MAX(1, pane_body_height(p) - 2))
                   ? PANE_HANDLED | PANE_REDRAW
                   : PANE_HANDLED;
    }
    PaneMouse mm = *m;
    mm.y -= cp->job_text ? 2 : 1;
    return pane_list_mouse(&cp->list, &mm, SK_MAX(1, pane_body_height(p) - 5))
               ? PANE_HANDLED | PANE_REDRAW
               : PANE_HANDLED;
}

static PaneResult compare_pane_command(Pane *p, const char *cmd, const char *args)
{
    ComparePane *cp = (ComparePane *)p;
    Workbench *wb = p->wb;
    if (!strcmp(cmd, "compare")) {
        /* ":compare" opens the picker; ":compare A B" or ":compare B" (left: main) compares. */
        cmp_reload(cp, NULL);
        cp->diff_mode = false;
        char a[128] = "", b[128] = "";
        int n = sscanf(args, "%127s %127s", a, b);
        workbench_open_modal(wb, "compare");
        if (n == 2)
            cmp_open_diff(cp, a, b);
        else if (n == 1)
            cmp_open_diff(cp, "main", a);
        return PANE_HANDLED | PANE_REDRAW;
    }
    if (!strcmp(cmd, "compile")) {
        cmp_compile(cp, args);
        return PANE_HANDLED | PANE_REDRAW;
    }
    if (!strcmp(cmd, "accept")) {
        if (!cp->skill)
            cmp_reload(cp, NULL);
        if (*args)
            cmp_accept(cp, args);
        else if (wb->modal == p && cp->diff_mode)
            cmp_accept(cp, cp->right);
        else if (wb->modal == p && cp->variants.len) {
            char r[41];
            snprintf(
                r, sizeof r, "%s",
                ((const VariantInfo *)sk_vec_get(&cp->variants, (size_t)cp->list.cursor))->commit);
            cmp_accept(cp, r);
        } else
            workbench_message(wb, SK_LOG_ERROR, "accept needs a variant: :accept REV");
        return PANE_HANDLED | PANE_REDRAW;
    }
    if (!strcmp(cmd, "set-left") && wb->modal == p) {
        PaneKey k = {0, ACTION_SET_LEFT};
        return compare_pane_handle_key(p, &k);
    }
    return PANE_IGNORED;
}

static PaneResult compare_pane_on_event(Pane *p, const TraceEvent *ev)
{
    ComparePane *cp = (ComparePane *)p;
    if (!cp->job_id || !sk_str_eq(ev->run_id, cp->job_id))
        return PANE_IGNORED;
    Workbench *wb = p->wb;
    if (ev->kind == TRACE_JOB_PROGRESS && ev->text) {
        free(cp->job_text);
        cp->job_text = sk_strdup(ev->text);
        return PANE_REDRAW;
    }
    if (ev->kind == TRACE_LOG && json_object_get(ev->data, "compile")) {
        json_t *r = json_object_get(ev->data, "compile");
        const char *commit = json_string_value(json_object_get(r, "commit"));
        bool ok = json_is_true(json_object_get(r, "ok"));
        if (ok && commit && *commit) {
            cmp_reload(cp, commit);
            Pane *plan = workbench_pane(wb, "plan");
            if (plan && (pane_command(plan, "plan-load", commit) & PANE_REDRAW))
                pane_dirty(plan);
        }
        return PANE_REDRAW;
    }
    if (ev->kind == TRACE_JOB_END) {
        const char *state = json_string_value(json_object_get(ev->data, "state"));
        free(cp->job_text);
        cp->job_text = NULL;
        if (sk_str_eq(state, "done"))
            workbench_message(wb, SK_LOG_INFO, "compile finished: %s",
                              cp->variants.len ? "the variant is in the compare view (V)" : "ok");
        else
            workbench_message(wb, SK_LOG_ERROR, "compile %s: %s", state ? state : "ended",
                              ev->text ? ev->text : "");
        free(cp->job_id);
        cp->job_id = NULL;
        cp->job = NULL;
        if (cp->counted && wb->busy > 0)
            wb->busy--;
        cp->counted = false;
        return PANE_REDRAW;
    }
    return PANE_IGNORED;
}

static PaneResult compare_pane_on_change(Pane *p, unsigned what)
{
    ComparePane *cp = (ComparePane *)p;
    if ((what & PANE_CHANGE_SKILL) && p->wb->modal != p) {
        cp->diff_mode = false;
        cp->left[0] = cp->right[0] = '\0';
        cp->list = (PaneList){0, 0, 0};
        json_decref(cp->diff);
        cp->diff = NULL;
        sk_vec_done(&cp->variants);
        sk_vec_init(&cp->variants, (SkFreeFn)variants_info_free);
        free(cp->skill);
        cp->skill = NULL;
        return PANE_REDRAW;
    }
    return PANE_IGNORED;
}

static void compare_pane_dump_state(Pane *p, SkBuf *out)
{
    ComparePane *cp = (ComparePane *)p;
    sk_buf_printf(out, "mode %s\nskill %s\nvariants %zu\n", cp->diff_mode ? "diff" : "list",
                  cp->skill ? cp->skill : "-", cp->variants.len);
    for (size_t i = 0; i < cp->variants.len; i++) {
        const VariantInfo *v = sk_vec_get(&cp->variants, i);
        sk_buf_printf(out, "variant %s %s%s%s%s\n", v->branch,
                      v->original ? "original" : v->prov.model, v->accepted ? " accepted" : "",
                      !strcmp(v->commit, cmp_left(cp)) ? " left" : "",
                      (int)i == cp->list.cursor ? " cursor" : "");
    }
    if (cp->diff_mode) {
        const VariantInfo *l = cmp_variant(cp, cp->left), *r = cmp_variant(cp, cp->right);
        sk_buf_printf(out, "left %s\nright %s\nrows %zu\n", l ? l->branch : "-",
                      r ? r->branch : "-", cp->rows.len);
        size_t counts[4] = {0};
        for (size_t i = 0; i < cp->rows.len; i++) {
            const CmpRow *row = sk_vec_get(&cp->rows, i);
            if (row->kind == CMP_ROW_DIFF)
                counts[row->origin == '+'   ? 1
                       : row->origin == '-' ? 2
                       : row->origin == '~' ? 3
                                            : 0]++;
        }
        sk_buf_printf(out, "diff same %zu added %zu removed %zu changed %zu\n", counts[0],
                      counts[1], counts[2], counts[3]);
    }
    sk_buf_printf(out, "job %s\n", cp->job_id ? cp->job_id : "-");
}

static void compare_pane_free(Pane *p)
{
    ComparePane *cp = (ComparePane *)p;
    pane_done(p);
    sk_vec_done(&cp->variants);
    sk_vec_done(&cp->rows);
    json_decref(cp->diff);
    free(cp->skill);
    free(cp->error);
    free(cp->job_id);
    free(cp->job_text);
    free(cp);
}

static const PaneClass compare_pane_class = {
    .name = "compare",
    .draw = compare_pane_draw,
    .title = compare_pane_title,
    .handle_key = compare_pane_handle_key,
    .handle_mouse = compare_pane_handle_mouse,
    .on_event = compare_pane_on_event,
    .on_change = compare_pane_on_change,
    .command = compare_pane_command,
    .dump_state = compare_pane_dump_state,
    .free = compare_pane_free,
};

Pane *compare_pane_new(Workbench *wb)
{
    ComparePane *cp = sk_calloc(1, sizeof *cp);
    pane_init(&cp->super, &compare_pane_class, wb);
    sk_vec_init(&cp->variants, (SkFreeFn)variants_info_free);
    sk_vec_init(&cp->rows, cmp_row_free);
    return &cp->super;
}
