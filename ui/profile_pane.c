/* profile_pane.c: the target model's capability profile as a grid of the 26 primitives
 * (grouped by category) by L1-L3 with pass counts, the highest level marked; a profiling
 * run started with `:profile [PRIMITIVES]` fills the grid in live from the profiler's
 * job.progress events; Enter on a failed cell lists its failed instances (checkpoints with
 * the failing one marked, the prompt, the model's conversation). Figures come from
 * core/tcp.h, core/profiler.h and core/profile_view.h; this file only lays them out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "core/jobs.h"
#include "core/js.h"
#include "core/probe.h"
#include "core/profile_view.h"
#include "core/profiler.h"
#include "ui/draw.h"
#include "ui/panes.h"
#include "ui/workbench.h"

#define PP_INSTANCES_DEFAULT 3
#define PP_CELL_W            8

typedef struct PpCell {
    int pass, fail, skip, infra;
} PpCell;

typedef struct PpRun {
    bool active;  /* a run was started (it may have ended) */
    bool running; /* its job has not ended */
    Job *job;     /* owned by wb->jobs */
    char *job_id;
    char *model, *harness;
    int instances; /* per level */
    int total, done;
    double cost;
    int64_t started_ms, ended_ms;
    bool planned[CATALOG_COUNT];
    PpCell cells[CATALOG_COUNT][3];
    char *end_text; /* how it ended (NULL while running) */
    bool end_error;
    char *last;          /* last decided instance, "reason.arithmetic L1 #2 fail" */
    int64_t drawn_sec;   /* wall-clock second of the last elapsed-time redraw */
    bool release_script; /* :profile-bg: let scripted input go on after the first instance */
} PpRun;

typedef struct PpLine {
    StyleId st;
    int indent;
    char *text;
} PpLine;

typedef struct ProfilePane {
    Pane super;
    int prim;  /* catalog index of the selected row */
    int level; /* 0..2: selected column */
    int top;   /* first visible display row */
    PpRun run;
    char *notice;  /* why a run could not start (shown in the header) */
    int head_rows; /* rows of the header at the last draw (1 + wrapped notice) */
    /* detail of a failed cell */
    bool detail;
    int detail_prim, detail_level;
    SkVec failures; /* ProfileViewInstance * */
    int inst;       /* selected failure */
    SkVec lines;    /* PpLine *, the wrapped detail text */
    int lines_width;
    int scroll;
} ProfilePane;

/* ---- data ---- */

static const Primitive *pp_prim(int i)
{
    size_t n = 0;
    const Primitive *all = catalog_all(&n);
    return i >= 0 && (size_t)i < n ? &all[i] : NULL;
}

/* Display rows: a category header before each category's primitives. Returns the number of
 * rows; ROWS[r] is -1 - category for a header, else the catalog index. */
static int pp_rows(int *rows, int max)
{
    size_t n = 0;
    const Primitive *all = catalog_all(&n);
    int k = 0;
    int last = -1;
    for (size_t i = 0; i < n && k < max; i++) {
        if ((int)all[i].category != last) {
            last = (int)all[i].category;
            rows[k++] = -1 - last;
            if (k >= max)
                break;
        }
        rows[k++] = (int)i;
    }
    return k;
}

static int pp_row_of(int prim)
{
    int rows[CATALOG_COUNT + 8];
    int n = pp_rows(rows, (int)SK_ARRAY_LEN(rows));
    for (int r = 0; r < n; r++)
        if (rows[r] == prim)
            return r;
    return 0;
}

static const char *pp_category_title(int c)
{
    switch ((CatalogCategory)c) {
    case CATALOG_GENERATION:
        return "Generation";
    case CATALOG_REASONING:
        return "Reasoning";
    case CATALOG_TOOL_USE:
        return "Tool use";
    case CATALOG_FOLLOW:
        return "Instruction following";
    }
    return "?";
}

/* Does the grid show the live run (rather than the target's profile)? */
static bool pp_live(const ProfilePane *pp)
{
    return pp->run.active;
}

typedef struct PpCellView {
    bool known;   /* there is something to show */
    bool planned; /* live: part of the run */
    int pass, total, decided;
    bool passed, settled; /* settled: every instance decided */
    int infra;            /* live: undecided by a model-service failure */
} PpCellView;

static const TcpLevelResult *pp_level_result(const TcpDetail *d, int level)
{
    for (int i = 0; d && i < d->nlevels; i++)
        if (d->levels[i].level == level)
            return &d->levels[i];
    return NULL;
}

static PpCellView pp_cell(const ProfilePane *pp, const Tcp *t, int prim, int l)
{
    PpCellView v = {0};
    if (pp_live(pp)) {
        const PpRun *r = &pp->run;
        v.planned = r->planned[prim];
        v.infra = r->cells[prim][l].infra;
        if (!v.planned)
            return v;
        const PpCell *c = &r->cells[prim][l];
        v.known = true;
        v.pass = c->pass;
        v.decided = c->pass + c->fail + c->skip + c->infra;
        v.total = r->instances;
        v.settled = v.decided >= r->instances;
        v.passed = v.settled && !c->infra &&
                   profiler_level_passed(c->pass, c->pass + c->fail + c->skip, c->skip);
        return v;
    }
    const Primitive *p = pp_prim(prim);
    const TcpDetail *d = t && p ? tcp_detail(t, p->id) : NULL;
    const TcpLevelResult *lr = pp_level_result(d, l + 1);
    if (!lr)
        return v;
    v.known = true;
    v.pass = lr->pass_count;
    v.total = lr->total_count;
    v.decided = lr->total_count;
    v.passed = lr->passed;
    v.settled = true;
    return v;
}

/* Highest level of PRIM (0..3); -1 when unknown. */
static int pp_highest(const ProfilePane *pp, const Tcp *t, int prim, char **note)
{
    if (note)
        *note = NULL;
    if (pp_live(pp)) {
        if (!pp->run.planned[prim])
            return -1;
        bool passed[3], decided[3];
        for (int l = 0; l < 3; l++) {
            PpCellView v = pp_cell(pp, t, prim, l);
            passed[l] = v.passed;
            decided[l] = v.settled;
        }
        return profiler_highest_level(passed, decided, note);
    }
    const Primitive *p = pp_prim(prim);
    if (!t || !p)
        return -1;
    int ci = catalog_index(p->id);
    if (ci < 0 || t->caps[ci] < 0)
        return -1;
    const TcpDetail *d = tcp_detail(t, p->id);
    if (note && d && d->calibration_note)
        *note = sk_strdup(d->calibration_note);
    return t->caps[ci];
}

/* The gist of a reference failureDetails string for the NOTE column: "Exit code: 1
 * (expected 0), output mismatch: got \"why\" | 3 steps" -> "why"; with an empty "got" the
 * last line of its stderr. Writes into OUT and returns it. */
static const char *pp_short_failure(const char *f, char *out, size_t size)
{
    size_t n = strcspn(f, "|");
    /* "a: 1.00; b: 0.00 (why)": the first failing checkpoint. */
    for (const char *piece = f; piece && *piece && piece < f + n;) {
        const char *colon = strchr(piece, ':');
        const char *semi = strchr(piece, ';');
        if (!semi || semi > f + n)
            semi = f + n;
        if (colon && colon < semi) {
            char *end = NULL;
            double score = strtod(colon + 1, &end);
            if (end != colon + 1 && score < 0.5) {
                while (*piece == ' ')
                    piece++;
                snprintf(out, size, "%.*s", (int)(semi - piece), piece);
                return out;
            }
        }
        piece = *semi ? semi + 1 : NULL;
    }
    const char *err = strstr(f, "stderr: ");
    const char *got = strstr(f, "got \"");
    const char *gend = got ? strchr(got + 5, '"') : NULL;
    const char *from = f, *to = f + n;
    if (got && gend && gend > got + 5 && gend < to) {
        from = got + 5;
        to = gend;
    } else if (err && err < to) {
        from = err + 8;
        /* the last non-empty line before TO */
        const char *e = to;
        while (e > from && (e[-1] == '\n' || e[-1] == ' '))
            e--;
        const char *b = e;
        while (b > from && b[-1] != '\n')
            b--;
        from = b;
        to = e;
    }
    size_t k = 0;
    for (const char *p = from; p < to && k + 1 < size; p++)
        out[k++] = *p == '\n' || *p == '\t' ? ' ' : *p;
    while (k && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
    return out;
}

/* First failure text of PRIM (lowest failing level) for the NOTE column. New or NULL. */
static char *pp_first_failure(const ProfilePane *pp, const Tcp *t, int prim)
{
    char buf[256];
    if (pp_live(pp) || !t)
        return NULL;
    const TcpDetail *d = tcp_detail(t, pp_prim(prim)->id);
    for (int l = 1; d && l <= 3; l++) {
        const TcpLevelResult *lr = pp_level_result(d, l);
        if (lr && !lr->passed && lr->failure_details.len) {
            return sk_asprintf(
                "L%d: %s", l,
                pp_short_failure(sk_vec_get(&lr->failure_details, 0), buf, sizeof buf));
        }
    }
    return NULL;
}

static StyleId pp_level_style(int level)
{
    static const StyleId s[] = {STYLE_LEVEL_0, STYLE_LEVEL_1, STYLE_LEVEL_2, STYLE_LEVEL_3};
    return level >= 0 && level <= 3 ? s[level] : STYLE_DIM;
}

static void pp_elapsed(const PpRun *r, char *out, size_t size)
{
    int64_t end = r->running ? sk_wall_ms() : r->ended_ms;
    int64_t s = (end - r->started_ms) / 1000;
    if (s < 0)
        s = 0;
    snprintf(out, size, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
}

/* ---- grid ---- */

static int pp_grid_footer(int h)
{
    return h >= 14 ? 4 : 0;
}

/* Rows above the grid's column header: 1, or more for a notice wrapped over rows. */
static int pp_grid_list_height(const ProfilePane *pp, int h)
{
    return SK_MAX(1, h - pp->head_rows - 1 - pp_grid_footer(h));
}

static void pp_clamp_top(ProfilePane *pp, int list_h)
{
    int rows[CATALOG_COUNT + 8];
    int n = pp_rows(rows, (int)SK_ARRAY_LEN(rows));
    int r = pp_row_of(pp->prim);
    /* Keep the category header visible with the first primitive of a category. */
    int want_top = r > 0 && rows[r - 1] < 0 ? r - 1 : r;
    if (want_top < pp->top)
        pp->top = want_top;
    if (r >= pp->top + list_h)
        pp->top = r - list_h + 1;
    if (pp->top > n - list_h)
        pp->top = SK_MAX(0, n - list_h);
    if (pp->top < 0)
        pp->top = 0;
}

static void pp_draw_header(ProfilePane *pp, WINDOW *w, int width, const Tcp *t)
{
    Workbench *wb = pp->super.wb;
    if (pp_live(pp)) {
        const PpRun *r = &pp->run;
        char el[32];
        pp_elapsed(r, el, sizeof el);
        int x = draw_str(w, 0, 1, width - 1, r->running ? "Profiling " : "Profiled ", STYLE_DIM);
        x += draw_str(w, 0, 1 + x, width - 1 - x, r->model, STYLE_LABEL);
        x += draw_printf(w, 0, 1 + x, width - 1 - x, STYLE_DIM, " %s", r->harness);
        if (!r->running && r->end_text)
            draw_printf(w, 0, 1 + x, width - 1 - x, r->end_error ? STYLE_ERROR : STYLE_INFO,
                        " · %s", r->end_text);
        else if (r->last)
            draw_printf(w, 0, 1 + x, width - 1 - x, STYLE_DIM, " · last: %s", r->last);
        int bar = 10;
        int filled = r->total > 0 ? (int)((long long)r->done * bar / r->total) : 0;
        x = draw_bar(w, 1, 1, filled, bar, STYLE_LEVEL_3, STYLE_DIM);
        x += draw_printf(w, 1, 2 + x, width - 2 - x, STYLE_DEFAULT,
                         " %d/%d instances · %s elapsed · $%.4f", r->done, r->total, el, r->cost);
        if (r->running) {
            char ck[16];
            workbench_keys_for(wb, "profile", ACTION_CANCEL, ck, sizeof ck);
            draw_printf(w, 1, 2 + x, width - 2 - x, STYLE_DIM, " · %s: cancel", ck);
        }
        pp->head_rows = 2;
        return;
    }
    if (pp->notice) {
        pp->head_rows = SK_MAX(1, draw_wrap(w, 0, 1, width - 2, 4, pp->notice, STYLE_ERROR));
        return;
    }
    if (!t) {
        draw_str(w, 0, 1, width - 1,
                 "No model profiles found: add them under profiles/ or $SKVM_HOME/profiles.",
                 STYLE_WARNING);
        return;
    }
    size_t n = tcp_index_count(wb->profiles);
    int x = draw_str(w, 0, 1, width - 1, t->model, STYLE_LABEL);
    char date[16] = "";
    if (t->profiled_at)
        snprintf(date, sizeof date, "%.10s", t->profiled_at);
    x += draw_printf(w, 0, 1 + x, width - 1 - x, STYLE_DIM, " %s %zu/%zu%s%s%s%s", t->harness,
                     wb->target + 1, n, *date ? " · profiled " : "", date,
                     t->is_partial ? " · partial" : "", t->shipped ? " · shipped" : "");
    char mk[16], ek[16];
    workbench_keys_for(wb, "profile", ACTION_NEXT_MODEL, mk, sizeof mk);
    workbench_keys_for(wb, "profile", ACTION_ENTER, ek, sizeof ek);
    char *hint = sk_asprintf("  (%s: next model, %s: failures, :profile runs)", mk, ek);
    if (draw_width(hint, strlen(hint)) <= width - 1 - x)
        draw_str(w, 0, 1 + x, width - 1 - x, hint, STYLE_DIM);
    free(hint);
}

static void pp_draw_cell(ProfilePane *pp, WINDOW *w, int y, int x, const PpCellView *v,
                         bool highest, bool sel)
{
    char buf[32];
    StyleId st = STYLE_DIM;
    if (!v->known) {
        snprintf(buf, sizeof buf, pp_live(pp) ? "   ·" : "   —");
    } else if (!v->settled) {
        /* "…" pending, "-" never decided (the run ended), "!" a model-service failure */
        snprintf(buf, sizeof buf, " %d/%d %s", v->pass, v->total,
                 v->infra          ? "!"
                 : pp->run.running ? "…"
                                   : "-");
        st = STYLE_DEFAULT;
    } else {
        /* "!": some instance undecided (model service failure), not the model's fault. */
        bool undecided = !v->passed && v->infra;
        snprintf(buf, sizeof buf, "%s%d/%d %s%s", highest ? "[" : " ", v->pass, v->total,
                 v->passed   ? "✓"
                 : undecided ? "!"
                             : "✗",
                 highest ? "]" : "");
        st = highest     ? STYLE_LABEL
             : v->passed ? STYLE_GAP_OK
             : undecided ? STYLE_WARNING
                         : STYLE_GAP_MISSING;
    }
    draw_fill(w, y, x, PP_CELL_W - 1, STYLE_DEFAULT);
    draw_str(w, y, x, PP_CELL_W - 1, buf, st);
    if (sel)
        draw_restyle(w, y, x, PP_CELL_W - 1,
                     pp->super.focused ? STYLE_SELECTION : STYLE_SELECTION_DIM);
}

static void pp_draw_footer(ProfilePane *pp, WINDOW *w, int y, int h, int width, const Tcp *t)
{
    const Primitive *p = pp_prim(pp->prim);
    if (!p || h < 2)
        return;
    draw_hline(w, y, 0, width, STYLE_BORDER);
    PpCellView v = pp_cell(pp, t, pp->prim, pp->level);
    int x = draw_printf(w, y + 1, 1, width - 1, STYLE_LABEL, "%s L%d", p->id, pp->level + 1);
    if (v.known)
        x += draw_printf(w, y + 1, 1 + x, width - 1 - x,
                         v.settled ? (v.passed ? STYLE_GAP_OK : STYLE_GAP_MISSING) : STYLE_DEFAULT,
                         " · %d/%d passed%s", v.pass, v.total,
                         !v.settled ? " so far"
                         : v.passed ? ""
                                    : " · failed");
    else
        x += draw_str(w, y + 1, 1 + x, width - 1 - x, " · not profiled", STYLE_DIM);
    if (v.known && v.settled && !v.passed) {
        char ek[16];
        workbench_keys_for(pp->super.wb, "profile", ACTION_ENTER, ek, sizeof ek);
        draw_printf(w, y + 1, 1 + x, width - 1 - x, STYLE_DIM, "  (%s: failed instances)", ek);
    }
    const char *desc = NULL;
    if (!pp_live(pp) && t) {
        const TcpLevelResult *lr = pp_level_result(tcp_detail(t, p->id), pp->level + 1);
        desc = lr ? lr->test_description : NULL;
    }
    if (!desc || !*desc)
        desc = probe_description(p->id, pp->level + 1);
    if (!desc || !*desc)
        desc = p->level[pp->level];
    draw_wrap(w, y + 2, 1, width - 2, h - 2, desc ? desc : "", STYLE_DIM);
}

static void pp_draw_grid(ProfilePane *pp, WINDOW *w, int h, int width)
{
    Workbench *wb = pp->super.wb;
    const Tcp *t = workbench_target(wb);
    pp->head_rows = 1;
    pp_draw_header(pp, w, width, t);
    int y0 = pp->head_rows;
    int namew = 24;
    int x_level = 1 + namew;
    int x_cells = x_level + 8;
    int x_note = x_cells + 3 * PP_CELL_W;
    draw_str(w, y0, 1, namew, "PRIMITIVE", STYLE_DIM);
    draw_str(w, y0, x_level, 7, "LEVEL", STYLE_DIM);
    for (int l = 0; l < 3; l++)
        draw_printf(w, y0, x_cells + l * PP_CELL_W + 1, PP_CELL_W - 1,
                    l == pp->level ? STYLE_LABEL : STYLE_DIM, "L%d", l + 1);
    if (x_note + 4 < width)
        draw_str(w, y0, x_note, width - x_note, "NOTE", STYLE_DIM);
    int list_h = pp_grid_list_height(pp, h);
    pp_clamp_top(pp, list_h);
    int rows[CATALOG_COUNT + 8];
    int n = pp_rows(rows, (int)SK_ARRAY_LEN(rows));
    for (int k = 0; k < list_h && pp->top + k < n; k++) {
        int y = y0 + 1 + k;
        int r = rows[pp->top + k];
        if (r < 0) {
            int c = -1 - r;
            int count = 0;
            size_t np = 0;
            const Primitive *all = catalog_all(&np);
            for (size_t i = 0; i < np; i++)
                count += (int)all[i].category == c;
            draw_printf(w, y, 1, width - 1, STYLE_HEADING, "%s (%d)", pp_category_title(c), count);
            continue;
        }
        const Primitive *p = pp_prim(r);
        bool sel = r == pp->prim;
        draw_str_ellipsis(w, y, 3, namew - 3, p->id, sel ? STYLE_LABEL : STYLE_DEFAULT);
        if (sel)
            draw_str(w, y, 1, 2, "▶", STYLE_LABEL);
        char *note = NULL;
        int hl = pp_highest(pp, t, r, &note);
        bool any_settled = !pp_live(pp);
        for (int l = 0; l < 3 && !any_settled; l++)
            any_settled = pp_cell(pp, t, r, l).settled;
        if (hl >= 0 && !any_settled) {
            draw_str(w, y, x_level, 7, "…", STYLE_DIM); /* nothing decided yet */
        } else if (hl >= 0) {
            int x = x_level + draw_printf(w, y, x_level, 3, pp_level_style(hl), "L%d ", hl);
            draw_bar(w, y, x, hl, 3, pp_level_style(hl), STYLE_DIM);
        } else {
            draw_str(w, y, x_level, 7, pp_live(pp) ? "·" : "n/a", STYLE_DIM);
        }
        for (int l = 0; l < 3; l++) {
            PpCellView v = pp_cell(pp, t, r, l);
            pp_draw_cell(pp, w, y, x_cells + l * PP_CELL_W, &v, hl == l + 1 && v.settled,
                         sel && l == pp->level);
        }
        if (!note)
            note = pp_first_failure(pp, t, r);
        if (note && x_note + 4 < width)
            draw_str_ellipsis(w, y, x_note, width - x_note - 1, note, STYLE_DIM);
        free(note);
    }
    int fh = pp_grid_footer(h);
    if (fh)
        pp_draw_footer(pp, w, h - fh, fh, width, t);
}

/* ---- detail of a failed cell ---- */

static void pp_line_free(void *p)
{
    PpLine *l = p;
    if (l) {
        free(l->text);
        free(l);
    }
}

/* Append TEXT wrapped to WIDTH - INDENT columns (newlines start new rows). */
static void pp_add(ProfilePane *pp, int width, StyleId st, int indent, const char *text)
{
    int avail = SK_MAX(8, width - indent - 1);
    const char *s = text ? text : "";
    for (;;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        /* Wrap one paragraph. */
        size_t pos = 0;
        do {
            size_t cut = pos, last_space = 0;
            int cols = 0;
            while (cut < len) {
                size_t clen = 1;
                unsigned char c = (unsigned char)s[cut];
                if (c >= 0xF0)
                    clen = 4;
                else if (c >= 0xE0)
                    clen = 3;
                else if (c >= 0xC0)
                    clen = 2;
                if (cut + clen > len)
                    clen = len - cut;
                int cw = draw_width(s + cut, clen);
                if (cols + cw > avail)
                    break;
                if (s[cut] == ' ')
                    last_space = cut;
                cols += cw;
                cut += clen;
            }
            if (cut < len && last_space > pos)
                cut = last_space + 1;
            PpLine *l = sk_calloc(1, sizeof *l);
            l->st = st;
            l->indent = indent;
            l->text = sk_strndup(s + pos, cut - pos);
            size_t tl = strlen(l->text);
            while (tl && l->text[tl - 1] == ' ')
                l->text[--tl] = '\0';
            sk_vec_push(&pp->lines, l);
            pos = cut;
        } while (pos < len);
        if (!nl)
            break;
        s = nl + 1;
    }
}

static void pp_add_heading(ProfilePane *pp, int width, const char *title)
{
    pp_add(pp, width, STYLE_DEFAULT, 0, "");
    pp_add(pp, width, STYLE_HEADING, 1, title);
}

static void pp_build_lines(ProfilePane *pp, int width)
{
    sk_vec_done(&pp->lines);
    sk_vec_init(&pp->lines, pp_line_free);
    pp->lines_width = width;
    const Tcp *t = workbench_target(pp->super.wb);
    const Primitive *p = pp_prim(pp->detail_prim);
    int level = pp->detail_level + 1;
    const TcpLevelResult *lr =
        t && !pp_live(pp) ? pp_level_result(tcp_detail(t, p->id), level) : NULL;
    const char *desc =
        lr && lr->test_description ? lr->test_description : probe_description(p->id, level);
    if (desc && *desc) {
        char *s = sk_asprintf("Tests: %s", desc);
        pp_add(pp, width, STYLE_DIM, 1, s);
        free(s);
    }
    if (!pp->failures.len) {
        pp_add(pp, width, STYLE_DEFAULT, 0, "");
        pp_add(pp, width, STYLE_DIM, 1,
               "No failed instance is recorded for this cell (not in the store, no "
               "failure-reports.json, no failureDetails in the profile).");
        return;
    }
    const ProfileViewInstance *in = sk_vec_get(&pp->failures, (size_t)pp->inst);
    char head[160];
    snprintf(head, sizeof head, "Failed instance %d of %zu%s%s · %s", pp->inst + 1,
             pp->failures.len, in->instance >= 0 ? " · instance #" : "",
             in->instance >= 0 ? "" : "", profile_view_source_name(in->source));
    if (in->instance >= 0)
        snprintf(head, sizeof head, "Failed instance %d of %zu · instance #%d%s · %s", pp->inst + 1,
                 pp->failures.len, in->instance + 1, strcmp(in->status, "fail") ? " (infra)" : "",
                 profile_view_source_name(in->source));
    pp_add(pp, width, STYLE_LABEL, 1, head);
    if (in->source == PROFILE_VIEW_STORE) {
        char *s = sk_asprintf("seed %llu · $%.4f", (unsigned long long)in->seed, in->cost_usd);
        pp_add(pp, width, STYLE_DIM, 1, s);
        free(s);
    }
    pp_add_heading(pp, width, "Checkpoints");
    if (!in->checkpoints.len)
        pp_add(pp, width, STYLE_DIM, 3, in->summary ? in->summary : "(none recorded)");
    for (size_t i = 0; i < in->checkpoints.len; i++) {
        const ProfileViewCheckpoint *c = sk_vec_get(&in->checkpoints, i);
        char score[16] = "";
        if (c->score >= 0)
            snprintf(score, sizeof score, " %.2f", c->score);
        char *s = sk_asprintf("%s %s%s%s%s", c->failed ? "✗" : "✓", c->name, score,
                              c->reason ? " — " : "", c->reason ? c->reason : "");
        pp_add(pp, width, c->failed ? STYLE_GAP_MISSING : STYLE_GAP_OK, 3, s);
        free(s);
    }
    if (in->summary && in->checkpoints.len && in->source == PROFILE_VIEW_STORE &&
        strcmp(in->status, "fail")) {
        pp_add(pp, width, STYLE_WARNING, 3, in->summary);
    }
    if (in->source == PROFILE_VIEW_DETAILS && in->summary) {
        const char *bar = strstr(in->summary, " | ");
        if (bar)
            pp_add(pp, width, STYLE_DIM, 3, bar + 3);
    }
    pp_add_heading(pp, width, "Prompt");
    pp_add(pp, width, in->prompt ? STYLE_DEFAULT : STYLE_DIM, 3,
           in->prompt ? in->prompt : "(not recorded with this profile)");
    char *ch = sk_asprintf("Conversation (%zu messages)", in->conversation.len);
    pp_add_heading(pp, width, ch);
    free(ch);
    if (!in->conversation.len)
        pp_add(pp, width, STYLE_DIM, 3,
               in->source == PROFILE_VIEW_DETAILS
                   ? "(the profile keeps only the failure details; no conversation log)"
                   : "(no conversation recorded)");
    for (size_t i = 0; i < in->conversation.len; i++) {
        const ProfileViewMessage *m = sk_vec_get(&in->conversation, i);
        StyleId st = !strcmp(m->role, "assistant") ? STYLE_INFO
                     : !strcmp(m->role, "error")   ? STYLE_ERROR
                     : !strcmp(m->role, "user")    ? STYLE_LABEL
                                                   : STYLE_DIM;
        char *lab = sk_asprintf("%s:", m->role);
        pp_add(pp, width, st, 3, lab);
        free(lab);
        pp_add(pp, width, STYLE_DEFAULT, 5, m->text);
    }
    if (in->run_id) {
        pp_add(pp, width, STYLE_DEFAULT, 0, "");
        char *s = sk_asprintf("agent run %s (%.1f s)", in->run_id, in->duration_ms / 1000.0);
        pp_add(pp, width, STYLE_DIM, 1, s);
        free(s);
    }
    if (in->artifact) {
        char *s = sk_asprintf("work dir kept: %s", in->artifact);
        pp_add(pp, width, STYLE_DIM, 1, s);
        free(s);
    }
    if (in->conversation_path) {
        char *s = sk_asprintf("log: %s", in->conversation_path);
        pp_add(pp, width, STYLE_DIM, 1, s);
        free(s);
    }
}

static void pp_close_detail(ProfilePane *pp)
{
    pp->detail = false;
    sk_vec_done(&pp->failures);
    sk_vec_init(&pp->failures, (SkFreeFn)profile_view_instance_free);
    sk_vec_done(&pp->lines);
    sk_vec_init(&pp->lines, pp_line_free);
    pp->lines_width = 0;
}

static void pp_open_detail(ProfilePane *pp)
{
    Workbench *wb = pp->super.wb;
    const Tcp *t = workbench_target(wb);
    const Primitive *p = pp_prim(pp->prim);
    pp_close_detail(pp);
    if (!p)
        return;
    if (pp_live(pp)) {
        /* Records of the run are in the store under the run's model. */
        Tcp *tmp = tcp_new(pp->run.model, pp->run.harness);
        profile_view_failures(tmp, p->id, pp->level + 1, NULL, &pp->failures);
        tcp_free(tmp);
    } else if (t) {
        profile_view_failures(t, p->id, pp->level + 1, NULL, &pp->failures);
    }
    pp->detail = true;
    pp->detail_prim = pp->prim;
    pp->detail_level = pp->level;
    pp->inst = 0;
    pp->scroll = 0;
}

static void pp_draw_detail(ProfilePane *pp, WINDOW *w, int h, int width)
{
    if (pp->lines_width != width)
        pp_build_lines(pp, width);
    int n = (int)pp->lines.len;
    if (pp->scroll > n - h)
        pp->scroll = SK_MAX(0, n - h);
    for (int k = 0; k < h && pp->scroll + k < n; k++) {
        const PpLine *l = sk_vec_get(&pp->lines, (size_t)(pp->scroll + k));
        draw_str(w, k, l->indent, width - l->indent, l->text, l->st);
    }
}

static void pp_draw(Pane *p, WINDOW *w, int h, int width)
{
    ProfilePane *pp = (ProfilePane *)p;
    if (pp->detail)
        pp_draw_detail(pp, w, h, width);
    else
        pp_draw_grid(pp, w, h, width);
}

static void pp_title(Pane *p, SkBuf *out)
{
    ProfilePane *pp = (ProfilePane *)p;
    if (pp->detail) {
        const Primitive *pr = pp_prim(pp->detail_prim);
        sk_buf_printf(out, "Profile · %s L%d · %d/%zu failed · ←→ instance, Esc back",
                      pr ? pr->id : "?", pp->detail_level + 1, pp->failures.len ? pp->inst + 1 : 0,
                      pp->failures.len);
        return;
    }
    if (pp_live(pp))
        sk_buf_printf(out, "Profile · %s run", pp->run.running ? "live" : "last");
    else
        sk_buf_puts(out, "Profile · 26 primitives × L1-L3");
}

/* ---- the run ---- */

static void pp_run_reset(PpRun *r)
{
    free(r->job_id);
    free(r->model);
    free(r->harness);
    free(r->end_text);
    free(r->last);
    memset(r, 0, sizeof *r);
}

/* Split ARGS ("-n 2 a,b c") into instances and primitive ids. False (message given) when
 * something is wrong. */
static bool pp_parse_args(ProfilePane *pp, const char *args, int *instances, SkVec *prims)
{
    Workbench *wb = pp->super.wb;
    char *copy = sk_strdup(args);
    char *save = NULL;
    bool ok = true;
    bool want_n = false;
    for (char *tok = strtok_r(copy, " ,", &save); tok && ok; tok = strtok_r(NULL, " ,", &save)) {
        if (want_n) {
            char *end = NULL;
            long v = strtol(tok, &end, 10);
            if (*end || v < 1 || v > 20) {
                workbench_message(wb, SK_LOG_ERROR,
                                  "profile: -n needs a number of instances from 1 to 20, not '%s'",
                                  tok);
                ok = false;
            }
            *instances = (int)v;
            want_n = false;
        } else if (!strcmp(tok, "-n") || !strcmp(tok, "--instances")) {
            want_n = true;
        } else if (!strcmp(tok, "all")) {
            /* every primitive: an empty list */
        } else if (!probe_known(tok)) {
            workbench_message(wb, SK_LOG_ERROR,
                              "profile: unknown primitive '%s' (ids as in the grid, e.g. "
                              "reason.arithmetic)",
                              tok);
            ok = false;
        } else {
            sk_vec_push(prims, sk_strdup(tok));
        }
    }
    if (ok && want_n) {
        workbench_message(wb, SK_LOG_ERROR, "profile: -n needs a number of instances");
        ok = false;
    }
    free(copy);
    return ok;
}

static PaneResult pp_start_run(ProfilePane *pp, const char *args, bool background)
{
    Workbench *wb = pp->super.wb;
    workbench_open_modal(wb, "profile");
    if (pp->run.running) {
        workbench_message(wb, SK_LOG_WARN, "a profiling run of %s is in progress (Esc cancels it)",
                          pp->run.model);
        return PANE_HANDLED | PANE_REDRAW;
    }
    const Tcp *t = workbench_target(wb);
    free(pp->notice);
    pp->notice = NULL;
    if (!t) {
        pp->notice = sk_strdup("No target model: add a profile under profiles/ or "
                               "$SKVM_HOME/profiles, then pick it with m.");
        workbench_message(wb, SK_LOG_ERROR, "%s", pp->notice);
        return PANE_HANDLED | PANE_REDRAW;
    }
    int instances = PP_INSTANCES_DEFAULT;
    SkVec prims;
    sk_vec_init(&prims, free);
    if (!pp_parse_args(pp, args, &instances, &prims)) {
        sk_vec_done(&prims);
        return PANE_HANDLED | PANE_REDRAW;
    }
    SkError err = {0};
    if (profile_view_check_route(t->model, NULL, &err) != SK_OK) {
        pp->notice = sk_asprintf("Cannot profile %s: %s", t->model, err.msg);
        workbench_message(wb, SK_LOG_ERROR, "%s", pp->notice);
        sk_vec_done(&prims);
        return PANE_HANDLED | PANE_REDRAW;
    }
    pp_close_detail(pp);
    pp_run_reset(&pp->run);
    PpRun *r = &pp->run;
    r->active = true;
    r->running = true;
    r->model = sk_strdup(t->model);
    r->harness = sk_strdup(t->harness ? t->harness : TCP_DEFAULT_HARNESS);
    r->instances = instances;
    r->started_ms = sk_wall_ms();
    r->release_script = background;
    if (prims.len) {
        for (size_t i = 0; i < prims.len; i++) {
            int ci = catalog_index(sk_vec_get(&prims, i));
            if (ci >= 0)
                r->planned[ci] = true;
        }
    } else {
        for (int i = 0; i < CATALOG_COUNT; i++)
            r->planned[i] = true;
    }
    int nplanned = 0;
    for (int i = 0; i < CATALOG_COUNT; i++)
        nplanned += r->planned[i];
    r->total = nplanned * 3 * instances;
    ProfileViewRun *run = profile_view_run_new(
        r->model, r->harness, (const char *const *)prims.items, prims.len, instances, 1);
    char *label =
        sk_asprintf("profile %s (%d primitive%s)", r->model, nplanned, nplanned == 1 ? "" : "s");
    r->job =
        jobs_submit(wb->jobs, "profile", label, profile_view_run_job, run, profile_view_run_free);
    r->job_id = sk_strdup(job_id(r->job));
    workbench_message(wb, SK_LOG_INFO, "%s started as %s", label, r->job_id);
    free(label);
    /* Move the cursor to the first profiled primitive. */
    for (int i = 0; i < CATALOG_COUNT; i++)
        if (r->planned[i]) {
            pp->prim = i;
            pp->level = 0;
            break;
        }
    sk_vec_done(&prims);
    return PANE_HANDLED | PANE_REDRAW;
}

static PaneResult pp_on_event(Pane *p, const TraceEvent *ev)
{
    ProfilePane *pp = (ProfilePane *)p;
    PpRun *r = &pp->run;
    if (!r->active || !r->job_id)
        return PANE_IGNORED;
    if (!ev->run_id || strcmp(ev->run_id, r->job_id)) {
        /* The agent runs' own events: tick the elapsed time once a second. */
        int64_t sec = sk_wall_ms() / 1000;
        if (!r->running || !p->visible || sec == r->drawn_sec)
            return PANE_IGNORED;
        r->drawn_sec = sec;
        return PANE_REDRAW;
    }
    const json_t *d = ev->data;
    switch (ev->kind) {
    case TRACE_RUN_START:
        if (js_int(d, "total", 0) > 0)
            r->total = (int)js_int(d, "total", 0);
        if (js_int(d, "instances", 0) > 0)
            r->instances = (int)js_int(d, "instances", 0);
        return PANE_REDRAW;
    case TRACE_JOB_PROGRESS: {
        const char *prim = js_str(d, "primitive", NULL);
        int ci = prim ? catalog_index(prim) : -1;
        int level = (int)js_int(d, "level", 0);
        if (ci < 0 || level < 1 || level > 3)
            return PANE_IGNORED;
        const char *st = js_str(d, "status", "fail");
        PpCell *c = &r->cells[ci][level - 1];
        if (!strcmp(st, "pass"))
            c->pass++;
        else if (!strcmp(st, "skip"))
            c->skip++;
        else if (!strcmp(st, "infra"))
            c->infra++;
        else
            c->fail++;
        r->planned[ci] = true;
        r->done = (int)js_int(d, "done", r->done + 1);
        if (js_int(d, "total", 0) > 0)
            r->total = (int)js_int(d, "total", 0);
        r->cost = js_num(d, "cost_usd", r->cost);
        free(r->last);
        r->last = sk_strdup(ev->text ? ev->text : "");
        if (r->release_script && r->job && r->running) {
            job_release_script(r->job);
            r->release_script = false;
        }
        return PANE_REDRAW;
    }
    case TRACE_JOB_END:
        if (json_object_get(d, "passed")) {
            /* The profiler's own summary: cost is final. */
            r->cost = js_num(d, "cost_usd", r->cost);
            return PANE_REDRAW;
        }
        r->running = false;
        r->ended_ms = sk_wall_ms();
        free(r->end_text);
        {
            const char *state = js_str(d, "state", "done");
            const char *error = js_str(d, "error", NULL);
            r->end_error = !strcmp(state, "failed");
            int pass = 0, fail = 0;
            for (int i = 0; i < CATALOG_COUNT; i++)
                for (int l = 0; l < 3; l++) {
                    pass += r->cells[i][l].pass;
                    fail += r->cells[i][l].fail;
                }
            if (r->end_error)
                r->end_text = sk_asprintf("failed: %s", error ? error : "?");
            else if (!strcmp(state, "cancelled"))
                r->end_text = sk_strdup("cancelled (:profile resumes)");
            else
                r->end_text = sk_asprintf("done: %d passed, %d failed", pass, fail);
            workbench_message(p->wb, r->end_error ? SK_LOG_ERROR : SK_LOG_INFO, "profile %s %s",
                              r->model, r->end_text);
        }
        return PANE_REDRAW;
    default:
        return r->running ? PANE_REDRAW : PANE_IGNORED; /* elapsed time */
    }
}

/* ---- input ---- */

static PaneResult pp_detail_key(ProfilePane *pp, const PaneKey *k)
{
    int h = SK_MAX(1, pane_body_height(&pp->super));
    int n = (int)pp->lines.len;
    switch (k->action) {
    case ACTION_MOVE_DOWN:
        pp->scroll++;
        break;
    case ACTION_MOVE_UP:
        pp->scroll--;
        break;
    case ACTION_PAGE_DOWN:
        pp->scroll += h - 1;
        break;
    case ACTION_PAGE_UP:
        pp->scroll -= h - 1;
        break;
    case ACTION_MOVE_FIRST:
        pp->scroll = 0;
        break;
    case ACTION_MOVE_LAST:
        pp->scroll = n;
        break;
    case ACTION_MOVE_RIGHT:
    case ACTION_MOVE_LEFT: {
        int nf = (int)pp->failures.len;
        if (nf > 1) {
            pp->inst = (pp->inst + (k->action == ACTION_MOVE_RIGHT ? 1 : nf - 1)) % nf;
            pp->scroll = 0;
            pp->lines_width = 0;
        }
        break;
    }
    case ACTION_CANCEL:
    case ACTION_QUIT:
        pp_close_detail(pp);
        break;
    default:
        return PANE_IGNORED;
    }
    if (pp->scroll > n - h)
        pp->scroll = n - h;
    if (pp->scroll < 0)
        pp->scroll = 0;
    return PANE_HANDLED | PANE_REDRAW;
}

static PaneResult pp_handle_key(Pane *p, const PaneKey *k)
{
    ProfilePane *pp = (ProfilePane *)p;
    if (pp->detail)
        return pp_detail_key(pp, k);
    int rows[CATALOG_COUNT + 8];
    int n = pp_rows(rows, (int)SK_ARRAY_LEN(rows));
    int r = pp_row_of(pp->prim);
    int list_h = pp_grid_list_height(pp, pane_body_height(p));
    int step = 0;
    switch (k->action) {
    case ACTION_MOVE_DOWN:
        step = 1;
        break;
    case ACTION_MOVE_UP:
        step = -1;
        break;
    case ACTION_PAGE_DOWN:
        step = SK_MAX(1, list_h - 1);
        break;
    case ACTION_PAGE_UP:
        step = -SK_MAX(1, list_h - 1);
        break;
    case ACTION_MOVE_FIRST:
        pp->prim = 0;
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_MOVE_LAST:
        pp->prim = CATALOG_COUNT - 1;
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_MOVE_LEFT:
        if (pp->level > 0)
            pp->level--;
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_MOVE_RIGHT:
        if (pp->level < 2)
            pp->level++;
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_ENTER:
        pp_open_detail(pp);
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_CANCEL:
        if (pp->run.running && pp->run.job) {
            job_cancel(pp->run.job);
            workbench_message(p->wb, SK_LOG_INFO,
                              "cancelling the profile run: it stops after the instances in flight");
            return PANE_HANDLED | PANE_REDRAW;
        }
        if (pp->notice) {
            free(pp->notice);
            pp->notice = NULL;
        }
        return PANE_IGNORED; /* closes the pane */
    default:
        return PANE_IGNORED;
    }
    /* Move over primitive rows, skipping category headers. */
    int target = r + step;
    if (target < 0)
        target = 0;
    if (target >= n)
        target = n - 1;
    int dir = step > 0 ? 1 : -1;
    while (target >= 0 && target < n && rows[target] < 0)
        target += dir;
    if (target < 0 || target >= n) {
        target = r;
    }
    pp->prim = rows[target];
    if (step == SK_MAX(1, list_h - 1) || step == -SK_MAX(1, list_h - 1))
        pp->top += step;
    return PANE_HANDLED | PANE_REDRAW;
}

static PaneResult pp_handle_mouse(Pane *p, const PaneMouse *m)
{
    ProfilePane *pp = (ProfilePane *)p;
    if (pp->detail) {
        PaneKey k = {0, m->kind == PANE_MOUSE_WHEEL_UP     ? ACTION_MOVE_UP
                        : m->kind == PANE_MOUSE_WHEEL_DOWN ? ACTION_MOVE_DOWN
                                                           : ACTION_NONE};
        return k.action == ACTION_NONE ? PANE_HANDLED : pp_detail_key(pp, &k);
    }
    if (m->kind != PANE_MOUSE_CLICK) {
        PaneKey k = {0, m->kind == PANE_MOUSE_WHEEL_UP ? ACTION_MOVE_UP : ACTION_MOVE_DOWN};
        return pp_handle_key(p, &k);
    }
    int rows[CATALOG_COUNT + 8];
    int n = pp_rows(rows, (int)SK_ARRAY_LEN(rows));
    int r = pp->top + m->y - pp->head_rows - 1;
    if (m->y < pp->head_rows + 1 || r >= n || rows[r] < 0)
        return PANE_HANDLED;
    pp->prim = rows[r];
    int x_cells = 1 + 24 + 8;
    if (m->x >= x_cells && m->x < x_cells + 3 * PP_CELL_W)
        pp->level = (m->x - x_cells) / PP_CELL_W;
    return PANE_HANDLED | PANE_REDRAW;
}

static PaneResult pp_command(Pane *p, const char *cmd, const char *args)
{
    ProfilePane *pp = (ProfilePane *)p;
    if (!strcmp(cmd, "profile") || !strcmp(cmd, "profile-bg"))
        return pp_start_run(pp, args, !strcmp(cmd, "profile-bg"));
    if (!strcmp(cmd, "profile-view")) {
        if (p->wb->modal == p && !pp->detail) {
            workbench_close_modal(p->wb);
            return PANE_HANDLED;
        }
        workbench_open_modal(p->wb, "profile");
        return PANE_HANDLED | PANE_REDRAW;
    }
    if (!strcmp(cmd, "profile-cell")) {
        /* ":profile-cell PRIMITIVE L2": select a cell (scripts, quick jumps). */
        char prim[96] = "";
        char lev[8] = "";
        if (sscanf(args, "%95s %7s", prim, lev) < 1 || catalog_index(prim) < 0) {
            workbench_message(p->wb, SK_LOG_ERROR, "profile-cell needs PRIMITIVE [L1|L2|L3]");
            return PANE_HANDLED;
        }
        pp->prim = catalog_index(prim);
        int l = tcp_level_parse(lev);
        if (l >= 1 && l <= 3)
            pp->level = l - 1;
        if (pp->detail)
            pp_close_detail(pp);
        workbench_open_modal(p->wb, "profile");
        return PANE_HANDLED | PANE_REDRAW;
    }
    return PANE_IGNORED;
}

static PaneResult pp_on_change(Pane *p, unsigned what)
{
    ProfilePane *pp = (ProfilePane *)p;
    if (what & (PANE_CHANGE_TARGET | PANE_CHANGE_PROFILES)) {
        if (pp->detail)
            pp_close_detail(pp);
        /* A finished run gives way to the newly chosen model's profile. */
        if (pp->run.active && !pp->run.running && (what & PANE_CHANGE_TARGET))
            pp_run_reset(&pp->run);
        free(pp->notice);
        pp->notice = NULL;
        return PANE_REDRAW;
    }
    return PANE_IGNORED;
}

static void pp_dump_state(Pane *p, SkBuf *out)
{
    ProfilePane *pp = (ProfilePane *)p;
    const Tcp *t = workbench_target(p->wb);
    const Primitive *pr = pp_prim(pp->prim);
    sk_buf_printf(out, "mode %s\n", pp->detail ? "failures" : "grid");
    sk_buf_printf(out, "source %s\n", pp_live(pp) ? "run" : t ? "profile" : "-");
    sk_buf_printf(out, "cell %s L%d\n", pr ? pr->id : "-", pp->level + 1);
    if (pp_live(pp)) {
        const PpRun *r = &pp->run;
        sk_buf_printf(out, "run %s %s %d/%d instances cost %.4f%s%s\n", r->model,
                      r->running ? "running" : "ended", r->done, r->total, r->cost,
                      r->end_text ? " · " : "", r->end_text ? r->end_text : "");
        for (int i = 0; i < CATALOG_COUNT; i++) {
            if (!r->planned[i])
                continue;
            sk_buf_printf(out, "row %s highest L%d", pp_prim(i)->id, pp_highest(pp, t, i, NULL));
            for (int l = 0; l < 3; l++) {
                const PpCell *c = &r->cells[i][l];
                sk_buf_printf(out, " L%d %d/%d%s", l + 1, c->pass, r->instances,
                              c->infra ? " infra" : "");
            }
            sk_buf_putc(out, '\n');
        }
    }
    if (pp->detail) {
        sk_buf_printf(out, "failures %zu selected %d\n", pp->failures.len,
                      pp->failures.len ? pp->inst + 1 : 0);
        for (size_t i = 0; i < pp->failures.len; i++) {
            const ProfileViewInstance *in = sk_vec_get(&pp->failures, i);
            int nfailed = 0;
            for (size_t k = 0; k < in->checkpoints.len; k++)
                nfailed += ((const ProfileViewCheckpoint *)sk_vec_get(&in->checkpoints, k))->failed;
            sk_buf_printf(out, "failure %zu %s %s checkpoints %zu failed %d conversation %zu%s\n",
                          i + 1, profile_view_source_name(in->source), in->status,
                          in->checkpoints.len, nfailed, in->conversation.len,
                          in->prompt ? " prompt" : "");
        }
    }
}

static void pp_free(Pane *p)
{
    ProfilePane *pp = (ProfilePane *)p;
    pp_close_detail(pp);
    sk_vec_done(&pp->failures);
    sk_vec_done(&pp->lines);
    pp_run_reset(&pp->run);
    free(pp->notice);
    pane_done(p);
    free(pp);
}

static const PaneClass profile_pane_class = {
    .name = "profile",
    .draw = pp_draw,
    .title = pp_title,
    .handle_key = pp_handle_key,
    .handle_mouse = pp_handle_mouse,
    .on_event = pp_on_event,
    .on_change = pp_on_change,
    .command = pp_command,
    .dump_state = pp_dump_state,
    .free = pp_free,
};

Pane *profile_pane_new(Workbench *wb)
{
    ProfilePane *pp = sk_calloc(1, sizeof *pp);
    pp->head_rows = 1;
    pane_init(&pp->super, &profile_pane_class, wb);
    sk_vec_init(&pp->failures, (SkFreeFn)profile_view_instance_free);
    sk_vec_init(&pp->lines, pp_line_free);
    return &pp->super;
}
