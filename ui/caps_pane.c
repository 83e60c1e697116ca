/* caps_pane.c: the skill's capability requirements against the target model (level bars,
 * missing/weak marks, guidance and evidence of the selected row), and a heatmap of every
 * known model across the required primitives. All figures come from core/analyzer and
 * core/tcp; this file only lays them out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "ui/draw.h"
#include "ui/panes.h"
#include "ui/workbench.h"

typedef struct CapsPane {
    Pane super;
    PaneList list; /* requirements */
    bool heatmap;
    PaneList models; /* heatmap rows */
    int col;         /* heatmap column (requirement index) */
    int col_left;    /* first visible heatmap column */
    bool auto_zoom;  /* the heatmap zoomed the pane; leaving it restores the layout */
} CapsPane;

/* The gap of PRIMITIVE for T (borrowed from GAPS), NULL when T meets the requirement. */
static const Gap *caps_pane_gap(const SkVec *gaps, const char *primitive)
{
    for (size_t i = 0; i < gaps->len; i++) {
        const Gap *g = sk_vec_get(gaps, i);
        if (!strcmp(g->primitive, primitive))
            return g;
    }
    return NULL;
}

static void caps_pane_gaps(const Workbench *wb, const Tcp *t, SkVec *out)
{
    sk_vec_init(out, NULL);
    if (wb->analysis && t)
        analyzer_gaps(wb->analysis, t, out);
}

static bool caps_pane_known(const Tcp *t, const char *primitive)
{
    int i = catalog_index(primitive);
    return t && i >= 0 && t->caps[i] >= 0;
}

static StyleId caps_pane_level_style(int level)
{
    static const StyleId s[] = {STYLE_LEVEL_0, STYLE_LEVEL_1, STYLE_LEVEL_2, STYLE_LEVEL_3};
    return level >= 0 && level <= 3 ? s[level] : STYLE_DIM;
}

static void caps_pane_draw_detail(CapsPane *cp, WINDOW *w, int y, int h, int width,
                                  const SkVec *gaps)
{
    const Workbench *wb = cp->super.wb;
    const Requirement *r = workbench_requirement(wb);
    if (!r || h < 2)
        return;
    draw_hline(w, y, 0, width, STYLE_BORDER);
    const Primitive *pr = catalog_find(r->primitive);
    int row = y + 1, end = y + h;
    draw_printf(w, row++, 1, width - 1, STYLE_LABEL, "%s — %s", r->primitive, pr ? pr->title : "");
    if (row < end && pr && r->level >= 1 && r->level <= 3) {
        int x = draw_printf(w, row, 1, width - 1, STYLE_DIM, "needs L%d: ", r->level);
        row += draw_wrap(w, row, 1 + x, width - 1 - x, 2, pr->level[r->level - 1], STYLE_DEFAULT);
    }
    const Tcp *t = workbench_target(wb);
    const Gap *g = t ? caps_pane_gap(gaps, r->primitive) : NULL;
    if (row < end && t) {
        if (g) {
            int x = draw_printf(w, row, 1, width - 1,
                                g->kind == GAP_MISSING ? STYLE_GAP_MISSING : STYLE_GAP_WEAK,
                                "%s: has L%d → %s. ", t->model, g->have,
                                g->kind == GAP_MISSING ? "missing" : "weak");
            (void)x;
            row++;
            if (row < end && g->guidance && *g->guidance)
                row += draw_wrap(w, row, 3, width - 3, SK_MAX(1, end - row - 1), g->guidance,
                                 STYLE_DEFAULT);
        } else {
            draw_printf(w, row++, 1, width - 1, STYLE_GAP_OK, "%s: has L%d, meets the need.",
                        t->model, tcp_level(t, r->primitive));
        }
    }
    if (row < end) {
        SkBuf b;
        sk_buf_init(&b);
        sk_buf_printf(&b, "evidence (%zu):", r->evidence.len);
        for (size_t i = 0; i < r->evidence.len && i < 6; i++) {
            const Evidence *e = sk_vec_get(&r->evidence, i);
            sk_buf_printf(&b, " %s:%d", e->file, e->line);
        }
        if (r->evidence.len > 6)
            sk_buf_puts(&b, " …");
        draw_str_ellipsis(w, row++, 1, width - 1, sk_buf_cstr(&b), STYLE_DIM);
        sk_buf_done(&b);
    }
}

static void caps_pane_draw_list(CapsPane *cp, WINDOW *w, int h, int width)
{
    Workbench *wb = cp->super.wb;
    const Tcp *t = workbench_target(wb);
    SkVec gaps;
    caps_pane_gaps(wb, t, &gaps);
    size_t nreq = workbench_requirement_count(wb);
    int nmiss = 0, nweak = 0;
    for (size_t i = 0; i < gaps.len; i++)
        ((const Gap *)sk_vec_get(&gaps, i))->kind == GAP_MISSING ? nmiss++ : nweak++;

    /* Row 0: the target model and its gap summary. */
    size_t nprof = wb->profiles ? tcp_index_count(wb->profiles) : 0;
    char mkey[16], hkey[16];
    workbench_keys_for(wb, "caps", ACTION_NEXT_MODEL, mkey, sizeof mkey);
    workbench_keys_for(wb, "caps", ACTION_HEATMAP, hkey, sizeof hkey);
    if (t) {
        int x = draw_str(w, 0, 1, width - 1, "Target ", STYLE_DIM);
        x += draw_str(w, 0, 1 + x, width - 1 - x, t->model, STYLE_LABEL);
        x += draw_printf(w, 0, 1 + x, width - 1 - x, STYLE_DIM, " %s %zu/%zu  ", t->harness,
                         wb->target + 1, nprof);
        if (nmiss)
            x +=
                draw_printf(w, 0, 1 + x, width - 1 - x, STYLE_GAP_MISSING, "✗ %d missing  ", nmiss);
        if (nweak)
            x += draw_printf(w, 0, 1 + x, width - 1 - x, STYLE_GAP_WEAK, "! %d weak  ", nweak);
        if (!nmiss && !nweak && nreq)
            x += draw_str(w, 0, 1 + x, width - 1 - x, "✓ meets every need  ", STYLE_GAP_OK);
        char *hint = sk_asprintf("(%s: next model, %s: heatmap)", mkey, hkey);
        if (draw_width(hint, strlen(hint)) <= width - 1 - x)
            draw_str(w, 0, 1 + x, width - 1 - x, hint, STYLE_DIM);
        free(hint);
    } else {
        draw_str(w, 0, 1, width - 1,
                 "No model profiles found: add them under profiles/ or $SKVM_HOME/profiles.",
                 STYLE_WARNING);
    }
    if (!wb->analysis) {
        draw_str(w, 2, 1, width - 1, wb->skill ? "No analysis." : "No skill loaded.", STYLE_DIM);
        sk_vec_done(&gaps);
        return;
    }
    if (!nreq) {
        draw_str(w, 2, 1, width - 1, "No capability requirements were found in this skill.",
                 STYLE_DIM);
        sk_vec_done(&gaps);
        return;
    }
    /* Header + rows, then the detail of the selected row. */
    int detail_h = h >= 18 ? 8 : h >= 12 ? 6 : 0;
    int list_h = h - 2 - detail_h;
    if (list_h < 1) {
        list_h = h - 2;
        detail_h = 0;
    }
    int pw = 24;
    draw_printf(w, 1, 1, width - 1, STYLE_DIM, "  %-*s NEED HAVE      WHY", pw, "PRIMITIVE");
    cp->list.count = (int)nreq;
    cp->list.cursor = wb->req >= 0 ? wb->req : 0;
    pane_list_clamp(&cp->list, list_h);
    for (int row = 0; row < list_h; row++) {
        size_t i = (size_t)(cp->list.top + row);
        if (i >= nreq)
            break;
        const Requirement *r = workbench_requirement_at(wb, i);
        const Gap *g = t ? caps_pane_gap(&gaps, r->primitive) : NULL;
        int y = 2 + row;
        bool sel = (int)i == cp->list.cursor;
        const char *mark = !t ? " " : !g ? "✓" : g->kind == GAP_MISSING ? "✗" : "!";
        StyleId mst = !t                       ? STYLE_DEFAULT
                      : !g                     ? STYLE_GAP_OK
                      : g->kind == GAP_MISSING ? STYLE_GAP_MISSING
                                               : STYLE_GAP_WEAK;
        int x = 1;
        x += draw_str(w, y, x, 2, mark, mst);
        x += 1;
        draw_str_ellipsis(w, y, x, pw, r->primitive, STYLE_DEFAULT);
        x += pw + 1;
        x += draw_printf(w, y, x, 5, STYLE_DEFAULT, " L%d ", r->level);
        if (t && caps_pane_known(t, r->primitive)) {
            int have = tcp_level(t, r->primitive);
            x += draw_printf(w, y, x, 4, mst, "L%d ", have);
            x += draw_bar(w, y, x, have, 3, caps_pane_level_style(have), STYLE_DIM);
        } else {
            x += draw_str(w, y, x, 7, t ? "n/a" : "—", STYLE_DIM);
            x = 1 + 2 + 1 + pw + 1 + 5 + 3 + 3;
        }
        x += 2;
        draw_str_ellipsis(w, y, x, width - x, r->why ? r->why : "", STYLE_DIM);
        if (sel)
            draw_restyle(w, y, 0, width, cp->super.focused ? STYLE_SELECTION : STYLE_SELECTION_DIM);
    }
    if (detail_h)
        caps_pane_draw_detail(cp, w, 2 + list_h, detail_h, width, &gaps);
    sk_vec_done(&gaps);
}

/* Heatmap row label: the model name without its provider ("claude-opus-4.6"), with "or/"
 * for OpenRouter routes, so that narrow columns still tell models apart. */
static void caps_pane_model_label(const Tcp *t, char *out, size_t size)
{
    const char *m = t->model ? t->model : "?";
    bool or = sk_str_starts(m, "openrouter/");
    const char *slash = strrchr(m, '/');
    snprintf(out, size, "%s%s", or ? "or/" : "", slash ? slash + 1 : m);
}

/* Short column label of a primitive: its last dotted segment, at most 5 columns. */
static void caps_pane_short(const char *id, char *out, size_t size)
{
    const char *dot = strrchr(id, '.');
    snprintf(out, size, "%.5s", dot ? dot + 1 : id);
}

static void caps_pane_draw_heatmap(CapsPane *cp, WINDOW *w, int h, int width)
{
    Workbench *wb = cp->super.wb;
    size_t nreq = workbench_requirement_count(wb);
    size_t nprof = wb->profiles ? tcp_index_count(wb->profiles) : 0;
    int hx = draw_printf(w, 0, 1, width - 1, STYLE_LABEL,
                         "Heatmap: %zu models × %zu required primitives", nprof, nreq);
    if (hx + 40 < width)
        draw_str(w, 0, 2 + hx, width - 2 - hx, " (arrows move, Enter: make it the target)",
                 STYLE_DIM);
    if (!nreq || !nprof) {
        draw_str(w, 2, 1, width - 1,
                 !nprof ? "No model profiles found." : "The skill needs no primitive.", STYLE_DIM);
        return;
    }
    int namew = SK_MIN(32, SK_MAX(24, width * 2 / 5));
    int cellw = 6;
    int gapw = 9;
    int ncols_vis = SK_MAX(1, (width - 2 - namew - gapw) / cellw);
    if (ncols_vis > (int)nreq)
        ncols_vis = (int)nreq;
    if (cp->col >= (int)nreq)
        cp->col = (int)nreq - 1;
    if (cp->col < cp->col_left)
        cp->col_left = cp->col;
    if (cp->col >= cp->col_left + ncols_vis)
        cp->col_left = cp->col - ncols_vis + 1;
    /* Header rows: primitive labels and needed levels. */
    int x0 = 1 + namew + 1;
    draw_str(w, 1, 1, namew, "model", STYLE_DIM);
    draw_str(w, 1, namew - 4, 5, "via", STYLE_DIM);
    draw_str(w, 2, 1, namew, "needs", STYLE_DIM);
    for (int c = 0; c < ncols_vis && cp->col_left + c < (int)nreq; c++) {
        const Requirement *r = workbench_requirement_at(wb, (size_t)(cp->col_left + c));
        char s[16];
        caps_pane_short(r->primitive, s, sizeof s);
        StyleId st = cp->col_left + c == cp->col ? STYLE_LABEL : STYLE_DIM;
        draw_str(w, 1, x0 + c * cellw, cellw - 1, s, st);
        draw_printf(w, 2, x0 + c * cellw, cellw - 1, st, "L%d", r->level);
    }
    draw_str(w, 1, x0 + ncols_vis * cellw, gapw, "gaps", STYLE_DIM);
    int detail_h = h >= 14 ? 4 : 2;
    int list_h = h - 3 - detail_h;
    if (list_h < 1)
        list_h = 1;
    cp->models.count = (int)nprof;
    pane_list_clamp(&cp->models, list_h);
    for (int row = 0; row < list_h; row++) {
        size_t mi = (size_t)(cp->models.top + row);
        if (mi >= nprof)
            break;
        const Tcp *t = tcp_index_get(wb->profiles, mi);
        SkVec gaps;
        caps_pane_gaps(wb, t, &gaps);
        int y = 3 + row;
        bool selrow = (int)mi == cp->models.cursor;
        StyleId nst =
            selrow ? (cp->super.focused ? STYLE_SELECTION : STYLE_SELECTION_DIM) : STYLE_DEFAULT;
        draw_fill(w, y, 0, namew + 1, nst);
        draw_str(w, y, 0, 1, mi == wb->target ? "▶" : " ", nst);
        char name[160];
        caps_pane_model_label(t, name, sizeof name);
        draw_str_ellipsis(w, y, 1, namew - 6, name, nst);
        char hshort[8];
        snprintf(hshort, sizeof hshort, "%.4s", t->harness ? t->harness : "?");
        draw_str(w, y, namew - 4, 5, hshort, selrow ? nst : STYLE_DIM);
        for (int c = 0; c < ncols_vis && cp->col_left + c < (int)nreq; c++) {
            const Requirement *r = workbench_requirement_at(wb, (size_t)(cp->col_left + c));
            const Gap *g = caps_pane_gap(&gaps, r->primitive);
            int have = tcp_level(t, r->primitive);
            StyleId st = !g                       ? STYLE_LEVEL_3
                         : g->kind == GAP_MISSING ? STYLE_LEVEL_0
                                                  : STYLE_LEVEL_1;
            const char *mark = !g ? "✓" : g->kind == GAP_MISSING ? "✗" : "!";
            if (!caps_pane_known(t, r->primitive))
                draw_str(w, y, x0 + c * cellw, cellw - 1, " n/a ", STYLE_DIM);
            else
                draw_printf(w, y, x0 + c * cellw, cellw - 1, st, " %d %s ", have, mark);
            if (selrow && cp->col_left + c == cp->col)
                draw_restyle(w, y, x0 + c * cellw, cellw - 1, STYLE_SELECTION);
        }
        int nm = 0, nw = 0;
        for (size_t i = 0; i < gaps.len; i++)
            ((const Gap *)sk_vec_get(&gaps, i))->kind == GAP_MISSING ? nm++ : nw++;
        int gx = x0 + ncols_vis * cellw;
        if (!nm && !nw)
            draw_str(w, y, gx, gapw, "ok", STYLE_GAP_OK);
        else
            draw_printf(w, y, gx, gapw, nm ? STYLE_GAP_MISSING : STYLE_GAP_WEAK, "%d✗ %d!", nm, nw);
        sk_vec_done(&gaps);
    }
    /* Detail of the selected cell. */
    const Tcp *t = tcp_index_get(wb->profiles, (size_t)cp->models.cursor);
    const Requirement *r = workbench_requirement_at(wb, (size_t)cp->col);
    if (t && r && h - detail_h >= 3) {
        int y = h - detail_h;
        draw_hline(w, y, 0, width, STYLE_BORDER);
        const Primitive *pr = catalog_find(r->primitive);
        int have = tcp_level(t, r->primitive);
        SkVec gaps;
        caps_pane_gaps(wb, t, &gaps);
        const Gap *g = caps_pane_gap(&gaps, r->primitive);
        const char *verdict = !g ? "meets the need" : g->kind == GAP_MISSING ? "missing" : "weak";
        if (!caps_pane_known(t, r->primitive))
            verdict = g ? "not profiled, counted as missing" : "not profiled";
        StyleId vst = !g                       ? STYLE_GAP_OK
                      : g->kind == GAP_MISSING ? STYLE_GAP_MISSING
                                               : STYLE_GAP_WEAK;
        int x = draw_printf(w, y + 1, 1, width - 1, STYLE_DEFAULT,
                            "%s [%s] · %s (%s): has L%d, needs L%d → ", t->model, t->harness,
                            r->primitive, pr ? pr->title : "?", have, r->level);
        draw_str(w, y + 1, 1 + x, width - 1 - x, verdict, vst);
        if (g && g->guidance && *g->guidance && detail_h > 2)
            draw_wrap(w, y + 2, 3, width - 4, detail_h - 2, g->guidance, STYLE_DIM);
        sk_vec_done(&gaps);
    }
}

static void caps_pane_draw(Pane *p, WINDOW *w, int h, int width)
{
    CapsPane *cp = (CapsPane *)p;
    if (cp->heatmap)
        caps_pane_draw_heatmap(cp, w, h, width);
    else
        caps_pane_draw_list(cp, w, h, width);
}

static void caps_pane_title(Pane *p, SkBuf *out)
{
    CapsPane *cp = (CapsPane *)p;
    size_t n = workbench_requirement_count(p->wb);
    if (cp->heatmap)
        sk_buf_puts(out, "Capabilities · heatmap of all models");
    else
        sk_buf_printf(out, "Capabilities · %zu required  %d/%zu", n, n ? p->wb->req + 1 : 0, n);
}

static int caps_pane_list_height(const Pane *p)
{
    int h = pane_body_height(p);
    int detail_h = h >= 18 ? 8 : h >= 12 ? 6 : 0;
    return SK_MAX(1, h - 2 - detail_h);
}

static void caps_pane_leave_heatmap(CapsPane *cp)
{
    cp->heatmap = false;
    if (cp->auto_zoom) {
        cp->auto_zoom = false;
        cp->super.wb->zoom = false;
        workbench_relayout(cp->super.wb);
    }
}

static PaneResult caps_pane_toggle_heatmap(CapsPane *cp)
{
    if (cp->heatmap) {
        caps_pane_leave_heatmap(cp);
        return PANE_HANDLED | PANE_REDRAW;
    }
    cp->heatmap = true;
    /* Every model and every required primitive need the full width. */
    if (!cp->super.wb->zoom) {
        cp->super.wb->zoom = true;
        cp->auto_zoom = true;
    }
    if (cp->heatmap) {
        cp->models.cursor = cp->super.wb->target == SIZE_MAX ? 0 : (int)cp->super.wb->target;
        cp->col = cp->super.wb->req >= 0 ? cp->super.wb->req : 0;
        pane_list_select(&cp->models, cp->models.cursor,
                         SK_MAX(1, pane_body_height(&cp->super) - 5));
    }
    workbench_focus(cp->super.wb, &cp->super);
    workbench_relayout(cp->super.wb);
    return PANE_HANDLED | PANE_REDRAW;
}

static PaneResult caps_pane_handle_key(Pane *p, const PaneKey *k)
{
    CapsPane *cp = (CapsPane *)p;
    Workbench *wb = p->wb;
    bool handled = false;
    if (k->action == ACTION_HEATMAP)
        return caps_pane_toggle_heatmap(cp);
    if (cp->heatmap) {
        int lh = SK_MAX(1, pane_body_height(p) - 5);
        if (pane_list_move(&cp->models, k->action, lh, &handled) || handled)
            return PANE_HANDLED | PANE_REDRAW;
        int nreq = (int)workbench_requirement_count(wb);
        switch (k->action) {
        case ACTION_MOVE_LEFT:
            if (cp->col > 0)
                cp->col--;
            return PANE_HANDLED | PANE_REDRAW;
        case ACTION_MOVE_RIGHT:
            if (cp->col + 1 < nreq)
                cp->col++;
            return PANE_HANDLED | PANE_REDRAW;
        case ACTION_ENTER:
            caps_pane_leave_heatmap(cp);
            workbench_set_requirement(wb, cp->col);
            workbench_set_target(wb, (size_t)cp->models.cursor);
            return PANE_HANDLED | PANE_REDRAW;
        case ACTION_QUIT:
        case ACTION_CANCEL:
            caps_pane_leave_heatmap(cp);
            return PANE_HANDLED | PANE_REDRAW;
        default:
            return PANE_IGNORED;
        }
    }
    PaneList l = cp->list;
    l.count = (int)workbench_requirement_count(wb);
    l.cursor = wb->req >= 0 ? wb->req : 0;
    if (pane_list_move(&l, k->action, caps_pane_list_height(p), &handled) || handled) {
        cp->list = l;
        workbench_set_requirement(wb, l.cursor);
        return PANE_HANDLED | PANE_REDRAW;
    }
    if (k->action == ACTION_ENTER || k->action == ACTION_NEXT_EVIDENCE) {
        Pane *src = workbench_pane(wb, "source");
        if (src && workbench_requirement(wb)) {
            pane_command(src, "next-evidence", "");
            pane_dirty(src);
            if (k->action == ACTION_ENTER)
                workbench_focus(wb, src);
        }
        return PANE_HANDLED | PANE_REDRAW;
    }
    return PANE_IGNORED;
}

static PaneResult caps_pane_handle_mouse(Pane *p, const PaneMouse *m)
{
    CapsPane *cp = (CapsPane *)p;
    Workbench *wb = p->wb;
    if (cp->heatmap) {
        PaneMouse mm = *m;
        mm.y -= 3;
        return pane_list_mouse(&cp->models, &mm, SK_MAX(1, pane_body_height(p) - 5))
                   ? PANE_HANDLED | PANE_REDRAW
                   : PANE_HANDLED;
    }
    PaneMouse mm = *m;
    mm.y -= 2;
    if (m->kind == PANE_MOUSE_CLICK && mm.y < 0)
        return PANE_HANDLED;
    PaneList l = cp->list;
    l.count = (int)workbench_requirement_count(wb);
    l.cursor = wb->req >= 0 ? wb->req : 0;
    if (pane_list_mouse(&l, &mm, caps_pane_list_height(p))) {
        cp->list = l;
        workbench_set_requirement(wb, l.cursor);
        return PANE_HANDLED | PANE_REDRAW;
    }
    return PANE_HANDLED;
}

static PaneResult caps_pane_command(Pane *p, const char *cmd, const char *args)
{
    CapsPane *cp = (CapsPane *)p;
    if (!strcmp(cmd, "heatmap")) {
        bool want = !strcmp(args, "on") ? true : !strcmp(args, "off") ? false : !cp->heatmap;
        if (want != cp->heatmap)
            caps_pane_toggle_heatmap(cp);
        else
            workbench_focus(p->wb, p);
        return PANE_HANDLED | PANE_REDRAW;
    }
    return PANE_IGNORED;
}

static PaneResult caps_pane_on_change(Pane *p, unsigned what)
{
    CapsPane *cp = (CapsPane *)p;
    if (what & PANE_CHANGE_SKILL) {
        if (cp->heatmap)
            caps_pane_leave_heatmap(cp);
        cp->list = (PaneList){0, 0, 0};
        cp->col = cp->col_left = 0;
    }
    if (what &
        (PANE_CHANGE_SKILL | PANE_CHANGE_TARGET | PANE_CHANGE_REQUIREMENT | PANE_CHANGE_PROFILES))
        return PANE_REDRAW;
    return PANE_IGNORED;
}

static void caps_pane_dump_state(Pane *p, SkBuf *out)
{
    CapsPane *cp = (CapsPane *)p;
    Workbench *wb = p->wb;
    const Tcp *t = workbench_target(wb);
    sk_buf_printf(out, "mode %s\n", cp->heatmap ? "heatmap" : "list");
    if (cp->heatmap)
        sk_buf_printf(out, "heatmap-row %d\nheatmap-col %d\n", cp->models.cursor + 1, cp->col + 1);
    SkVec gaps;
    caps_pane_gaps(wb, t, &gaps);
    for (size_t i = 0; i < workbench_requirement_count(wb); i++) {
        const Requirement *r = workbench_requirement_at(wb, i);
        const Gap *g = t ? caps_pane_gap(&gaps, r->primitive) : NULL;
        sk_buf_printf(out, "row %zu %s need L%d have %s %s%s\n", i + 1, r->primitive, r->level,
                      t ? tcp_level_name(tcp_level(t, r->primitive)) : "-",
                      !t                       ? "-"
                      : !g                     ? "ok"
                      : g->kind == GAP_MISSING ? "missing"
                                               : "weak",
                      (int)i == wb->req ? " selected" : "");
    }
    sk_vec_done(&gaps);
}

static void caps_pane_free(Pane *p)
{
    pane_done(p);
    free(p);
}

static const PaneClass caps_pane_class = {
    .name = "caps",
    .draw = caps_pane_draw,
    .title = caps_pane_title,
    .handle_key = caps_pane_handle_key,
    .handle_mouse = caps_pane_handle_mouse,
    .on_change = caps_pane_on_change,
    .command = caps_pane_command,
    .dump_state = caps_pane_dump_state,
    .free = caps_pane_free,
};

Pane *caps_pane_new(Workbench *wb)
{
    CapsPane *cp = sk_calloc(1, sizeof *cp);
    pane_init(&cp->super, &caps_pane_class, wb);
    return &cp->super;
}
