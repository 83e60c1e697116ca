/* plan_pane.c: the plan graph of the skill (compiler pass 3, core/pass_plan.h) drawn with box
 * characters: steps as boxes in topological layers (top to bottom), edges routed between
 * the layers, parallel groups tagged on the boxes, the critical path highlighted. The view
 * scrolls both ways; the selected step's inputs, outputs, group and source lines show below
 * the graph, and its lines are marked in the source pane.
 *
 * The plan comes from the compiler's offline extraction of the loaded skill
 * (pass_plan_build), or from _artifacts/plan.json of a variant (`:plan REV`, the compare
 * view, a finished `:compile`). This file only lays the plan out. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/pass_plan.h"
#include "core/variant_name.h"
#include "core/variants.h"
#include "ui/draw.h"
#include "ui/panes.h"
#include "ui/workbench.h"

enum {
    PLAN_BOX_W = 24, /* box width of a step */
    PLAN_BOX_H = 3,
    PLAN_GAP = 2, /* columns between boxes of a layer */
    PLAN_MARGIN = 1,
};

/* Line directions of a canvas cell (merged into one box character). */
enum { LN_U = 1, LN_D = 2, LN_L = 4, LN_R = 8 };

#define PLAN_CONT 0xFFFFFFFFu /* right half of a wide character */

typedef struct PlanCell {
    uint32_t ch;         /* a character, or 0 to draw the merged lines */
    unsigned char lines; /* LN_* */
    unsigned char style; /* StyleId */
} PlanCell;

typedef struct PlanNode {
    int step; /* index into the plan's steps; -1 for a dummy (an edge passing a layer) */
    int layer, pos;
    int x, y, w; /* canvas position of the box (dummies: w = 1) */
    double key;  /* ordering key within the layer */
    bool critical;
    int group; /* index into the plan's groups, -1 when none */
} PlanNode;

typedef struct PlanSeg {
    int from, to; /* node indices in adjacent layers */
    bool critical;
} PlanSeg;

typedef struct PlanPane {
    Pane super;
    json_t *plan;  /* the shown plan (owned), NULL when none */
    char *variant; /* commit of the shown variant; NULL: the loaded skill */
    char *label;   /* where the plan comes from */
    char *text;    /* the SKILL.md the plan's lines refer to (owned), may be NULL */
    char *error;   /* why there is no plan */
    PlanNode *nodes;
    size_t nnodes, nsteps;
    PlanSeg *segs;
    size_t nsegs, segcap;
    int nlayers;
    PlanCell *cells;
    int cw, chh; /* canvas size */
    int sel;     /* selected step, -1 when none */
    int top, left;
    bool follow; /* scroll to the selection at the next draw */
    int view_h, view_w;
} PlanPane;

/* ---- plan access ---- */

static json_t *plan_steps(const PlanPane *pp)
{
    return json_object_get(pp->plan, "steps");
}

static const char *plan_step_id(const PlanPane *pp, int i)
{
    return json_string_value(json_object_get(json_array_get(plan_steps(pp), (size_t)i), "id"));
}

static int plan_step_find(const PlanPane *pp, const char *id)
{
    json_t *steps = plan_steps(pp);
    for (size_t i = 0; id && i < json_array_size(steps); i++)
        if (sk_str_eq(json_string_value(json_object_get(json_array_get(steps, i), "id")), id))
            return (int)i;
    return -1;
}

/* The title without a leading "Step N:" (the box shows the id). */
static const char *plan_step_title(const PlanPane *pp, int i)
{
    const char *t =
        json_string_value(json_object_get(json_array_get(plan_steps(pp), (size_t)i), "title"));
    if (!t)
        return "";
    if (!strncmp(t, "Step ", 5) || !strncmp(t, "step ", 5)) {
        const char *p = t + 5;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p > t + 5 && (*p == ':' || *p == '.' || *p == ')')) {
            p++;
            while (*p == ' ')
                p++;
            if (*p)
                return p;
        }
    }
    return t;
}

/* ---- layout ---- */

static void plan_free_layout(PlanPane *pp)
{
    free(pp->nodes);
    free(pp->segs);
    free(pp->cells);
    pp->nodes = NULL;
    pp->segs = NULL;
    pp->cells = NULL;
    pp->nnodes = pp->nsteps = pp->nsegs = pp->segcap = 0;
    pp->nlayers = 0;
    pp->cw = pp->chh = 0;
}

static void plan_add_seg(PlanPane *pp, int from, int to, bool critical)
{
    if (pp->nsegs == pp->segcap) {
        pp->segcap = pp->segcap ? pp->segcap * 2 : 16;
        pp->segs = sk_realloc(pp->segs, pp->segcap * sizeof *pp->segs);
    }
    pp->segs[pp->nsegs++] = (PlanSeg){from, to, critical};
}

static int plan_add_node(PlanPane *pp, size_t *cap, int step, int layer)
{
    if (pp->nnodes == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        pp->nodes = sk_realloc(pp->nodes, *cap * sizeof *pp->nodes);
    }
    PlanNode *n = &pp->nodes[pp->nnodes];
    memset(n, 0, sizeof *n);
    n->step = step;
    n->layer = layer;
    n->group = -1;
    n->w = step >= 0 ? PLAN_BOX_W : 1;
    return (int)pp->nnodes++;
}

static int plan_cmp_key(const void *a, const void *b)
{
    const PlanNode *x = *(PlanNode *const *)a, *y = *(PlanNode *const *)b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->pos - y->pos;
}

static PlanCell *plan_cell(PlanPane *pp, int y, int x)
{
    if (y < 0 || x < 0 || y >= pp->chh || x >= pp->cw)
        return NULL;
    return &pp->cells[(size_t)y * (size_t)pp->cw + (size_t)x];
}

static void plan_line(PlanPane *pp, int y, int x, unsigned dirs, StyleId st)
{
    PlanCell *c = plan_cell(pp, y, x);
    if (!c)
        return;
    c->lines |= (unsigned char)dirs;
    if (st == STYLE_PLAN_CRITICAL || c->style == STYLE_DEFAULT)
        c->style = (unsigned char)st;
}

static void plan_vline(PlanPane *pp, int x, int y0, int y1, StyleId st)
{
    for (int y = y0; y <= y1; y++)
        plan_line(pp, y, x, (y > y0 ? LN_U : 0) | (y < y1 ? LN_D : 0), st);
}

static void plan_hline(PlanPane *pp, int y, int x0, int x1, StyleId st)
{
    if (x0 > x1) {
        int t = x0;
        x0 = x1;
        x1 = t;
    }
    for (int x = x0; x <= x1; x++)
        plan_line(pp, y, x, (x > x0 ? LN_L : 0) | (x < x1 ? LN_R : 0), st);
}

/* Write UTF-8 TEXT at (Y, X) in at most MAXW columns; returns the columns used. */
static int plan_text(PlanPane *pp, int y, int x, int maxw, const char *text, StyleId st)
{
    mbstate_t ms;
    memset(&ms, 0, sizeof ms);
    const char *s = text;
    size_t left = strlen(text);
    int used = 0;
    while (left) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, s, left, &ms);
        if (n == (size_t)-1 || n == (size_t)-2) {
            wc = L'?';
            n = 1;
            memset(&ms, 0, sizeof ms);
        } else if (n == 0) {
            break;
        }
        s += n;
        left -= n;
        int cwid = wcwidth(wc);
        if (cwid <= 0)
            continue;
        if (used + cwid > maxw) {
            /* Mark the cut with an ellipsis in the last column. */
            PlanCell *c = plan_cell(pp, y, x + used - 1);
            if (c && used > 0) {
                c->ch = 0x2026;
                c->style = (unsigned char)st;
            }
            break;
        }
        PlanCell *c = plan_cell(pp, y, x + used);
        if (c) {
            c->ch = (uint32_t)wc;
            c->style = (unsigned char)st;
        }
        if (cwid == 2 && (c = plan_cell(pp, y, x + used + 1)))
            c->ch = PLAN_CONT;
        used += cwid;
    }
    return used;
}

static void plan_draw_box(PlanPane *pp, const PlanNode *n)
{
    StyleId st = n->critical ? STYLE_PLAN_CRITICAL : STYLE_BORDER;
    int x0 = n->x, x1 = n->x + n->w - 1, y0 = n->y, y1 = n->y + PLAN_BOX_H - 1;
    plan_hline(pp, y0, x0, x1, st);
    plan_hline(pp, y1, x0, x1, st);
    plan_line(pp, y0, x0, LN_D, st);
    plan_line(pp, y0, x1, LN_D, st);
    plan_line(pp, y1, x0, LN_U, st);
    plan_line(pp, y1, x1, LN_U, st);
    for (int y = y0 + 1; y < y1; y++) {
        plan_line(pp, y, x0, LN_U | LN_D, st);
        plan_line(pp, y, x1, LN_U | LN_D, st);
    }
    char *id = sk_asprintf(" %s ", plan_step_id(pp, n->step));
    int used =
        plan_text(pp, y0, x0 + 1, n->w - 2, id, n->critical ? STYLE_PLAN_CRITICAL : STYLE_LABEL);
    free(id);
    if (n->group >= 0) {
        json_t *g = json_array_get(json_object_get(pp->plan, "groups"), (size_t)n->group);
        char *tag = sk_asprintf(" %s %s ", json_string_value(json_object_get(g, "id")),
                                json_string_value(json_object_get(g, "type")));
        int tw = draw_width(tag, strlen(tag));
        if (tw <= n->w - 3 - used)
            plan_text(pp, y0, x1 - tw, tw, tag, STYLE_PLAN_GROUP);
        free(tag);
    }
    plan_text(pp, y0 + 1, x0 + 1, n->w - 2, plan_step_title(pp, n->step),
              n->critical ? STYLE_PLAN_CRITICAL : STYLE_DEFAULT);
}

/* Anchor column of a node (the middle of its box). */
static int plan_anchor(const PlanNode *n)
{
    return n->x + n->w / 2;
}

static void plan_layout(PlanPane *pp)
{
    plan_free_layout(pp);
    json_t *steps = plan_steps(pp);
    size_t ns = json_array_size(steps);
    if (!ns)
        return;
    pp->nsteps = ns;
    size_t cap = 0;
    for (size_t i = 0; i < ns; i++)
        plan_add_node(pp, &cap, (int)i, 0);

    /* Topological order: the plan's own, else the step order. */
    int *order = sk_calloc(ns, sizeof *order);
    size_t no = 0;
    json_t *topo = json_object_get(pp->plan, "topo_order");
    for (size_t i = 0; i < json_array_size(topo) && no < ns; i++) {
        int k = plan_step_find(pp, json_string_value(json_array_get(topo, i)));
        if (k >= 0)
            order[no++] = k;
    }
    if (no != ns)
        for (no = 0; no < ns; no++)
            order[no] = (int)no;
    int *rank = sk_calloc(ns, sizeof *rank);
    for (size_t i = 0; i < ns; i++)
        rank[order[i]] = (int)i;

    /* Critical path membership and its consecutive pairs. */
    json_t *cp = json_object_get(pp->plan, "critical_path");
    for (size_t i = 0; i < json_array_size(cp); i++) {
        int k = plan_step_find(pp, json_string_value(json_array_get(cp, i)));
        if (k >= 0)
            pp->nodes[k].critical = true;
    }
    json_t *groups = json_object_get(pp->plan, "groups");
    for (size_t g = 0; g < json_array_size(groups); g++) {
        json_t *members = json_object_get(json_array_get(groups, g), "steps");
        for (size_t i = 0; i < json_array_size(members); i++) {
            int k = plan_step_find(pp, json_string_value(json_array_get(members, i)));
            if (k >= 0 && pp->nodes[k].group < 0)
                pp->nodes[k].group = (int)g;
        }
    }

    /* Layers: longest path from a source, edges taken in topological order. */
    json_t *edges = json_object_get(pp->plan, "edges");
    size_t ne = json_array_size(edges);
    int(*ev)[2] = sk_calloc(ne ? ne : 1, sizeof *ev);
    size_t nev = 0;
    for (size_t i = 0; i < ne; i++) {
        json_t *e = json_array_get(edges, i);
        int a = plan_step_find(pp, json_string_value(json_object_get(e, "from")));
        int b = plan_step_find(pp, json_string_value(json_object_get(e, "to")));
        if (a >= 0 && b >= 0 && a != b && rank[a] < rank[b]) {
            ev[nev][0] = a;
            ev[nev][1] = b;
            nev++;
        }
    }
    for (size_t i = 0; i < ns; i++) {
        int v = order[i];
        for (size_t k = 0; k < nev; k++)
            if (ev[k][1] == v && pp->nodes[ev[k][0]].layer + 1 > pp->nodes[v].layer)
                pp->nodes[v].layer = pp->nodes[ev[k][0]].layer + 1;
        if (pp->nodes[v].layer + 1 > pp->nlayers)
            pp->nlayers = pp->nodes[v].layer + 1;
    }
    /* Segments between adjacent layers, with dummy nodes where an edge skips layers. */
    for (size_t k = 0; k < nev; k++) {
        int a = ev[k][0], b = ev[k][1];
        bool crit = false;
        for (size_t i = 0; i + 1 < json_array_size(cp); i++)
            if (plan_step_find(pp, json_string_value(json_array_get(cp, i))) == a &&
                plan_step_find(pp, json_string_value(json_array_get(cp, i + 1))) == b)
                crit = true;
        int prev = a;
        for (int l = pp->nodes[a].layer + 1; l < pp->nodes[b].layer; l++) {
            int d = plan_add_node(pp, &cap, -1, l);
            pp->nodes[d].critical = crit;
            pp->nodes[d].pos = 1000000 + d; /* after the real steps until ordered */
            plan_add_seg(pp, prev, d, crit);
            prev = d;
        }
        plan_add_seg(pp, prev, b, crit);
    }
    free(ev);

    /* Order within layers: topological rank first, then one barycentre sweep down. */
    for (size_t i = 0; i < ns; i++)
        pp->nodes[i].pos = rank[i];
    free(rank);
    free(order);
    PlanNode **byl = sk_calloc(pp->nnodes, sizeof *byl);
    int *lw = sk_calloc((size_t)pp->nlayers, sizeof *lw);
    int maxw = 0;
    for (int l = 0; l < pp->nlayers; l++) {
        size_t m = 0;
        for (size_t i = 0; i < pp->nnodes; i++)
            if (pp->nodes[i].layer == l)
                byl[m++] = &pp->nodes[i];
        for (size_t i = 0; i < m; i++) {
            PlanNode *n = byl[i];
            double sum = 0;
            int cnt = 0;
            for (size_t s = 0; l > 0 && s < pp->nsegs; s++)
                if (&pp->nodes[pp->segs[s].to] == n) {
                    sum += pp->nodes[pp->segs[s].from].key;
                    cnt++;
                }
            n->key = cnt ? sum / cnt : (double)n->pos;
        }
        qsort(byl, m, sizeof *byl, plan_cmp_key);
        int w = 0;
        for (size_t i = 0; i < m; i++) {
            byl[i]->pos = (int)i;
            byl[i]->key = (double)i;
            w += byl[i]->w + (i ? PLAN_GAP : 0);
        }
        lw[l] = w;
        maxw = SK_MAX(maxw, w);
    }
    /* Columns: the widest layer is packed and centred; every other node goes under its
     * critical predecessor (else the median of its predecessors) when its left neighbour
     * leaves room, so that the critical path runs straight down. */
    int right = 0;
    for (int l = 0; l < pp->nlayers; l++) {
        int x = PLAN_MARGIN + (maxw - lw[l]) / 2;
        int min_x = PLAN_MARGIN;
        for (int pos = 0;; pos++) {
            PlanNode *n = NULL;
            for (size_t i = 0; i < pp->nnodes && !n; i++)
                if (pp->nodes[i].layer == l && pp->nodes[i].pos == pos)
                    n = &pp->nodes[i];
            if (!n)
                break;
            int want = -1, anchors[64], na = 0;
            for (size_t s = 0; l > 0 && lw[l] != maxw && s < pp->nsegs; s++) {
                if (&pp->nodes[pp->segs[s].to] != n)
                    continue;
                const PlanNode *a = &pp->nodes[pp->segs[s].from];
                if (pp->segs[s].critical)
                    want = a->x + a->w / 2;
                if (na < 64)
                    anchors[na++] = a->x + a->w / 2;
            }
            if (want < 0 && na) {
                for (int i = 1; i < na; i++) /* insertion sort: a handful of values */
                    for (int j = i; j > 0 && anchors[j - 1] > anchors[j]; j--) {
                        int tmp = anchors[j];
                        anchors[j] = anchors[j - 1];
                        anchors[j - 1] = tmp;
                    }
                want = anchors[(na - 1) / 2];
            }
            n->x = want >= 0 ? SK_MAX(min_x, want - n->w / 2) : SK_MAX(min_x, x);
            min_x = n->x + n->w + PLAN_GAP;
            x = min_x;
            right = SK_MAX(right, n->x + n->w);
        }
    }
    pp->cw = right + PLAN_MARGIN;
    free(lw);
    free(byl);

    /* Rows: each layer, then a channel with one track per source whose edges bend and a
     * final row for the arrow heads. */
    int *ly = sk_calloc((size_t)pp->nlayers + 1, sizeof *ly);
    /* Tracks: a row of the channel per source whose edges bend (its fan-out shares the
     * row), except that sources with a single edge into the same target (a fan-in) share a
     * row of that target's. Tracks go left to right by the anchor of their key node. */
    int *tracks = sk_calloc(pp->nsegs ? pp->nsegs : 1, sizeof *tracks); /* per segment */
    int *keys = sk_calloc(pp->nsegs ? pp->nsegs : 1, sizeof *keys);
    int *segkey = sk_calloc(pp->nsegs ? pp->nsegs : 1, sizeof *segkey);
    int *ntr = sk_calloc((size_t)pp->nlayers, sizeof *ntr);
    for (int l = 0; l < pp->nlayers; l++) {
        int nk = 0;
        for (size_t s = 0; s < pp->nsegs; s++) {
            const PlanSeg *sg = &pp->segs[s];
            if (pp->nodes[sg->from].layer != l)
                continue;
            tracks[s] = -1;
            segkey[s] = -1;
            if (plan_anchor(&pp->nodes[sg->from]) == plan_anchor(&pp->nodes[sg->to]))
                continue;
            int out = 0, in = 0;
            for (size_t k = 0; k < pp->nsegs; k++) {
                out += pp->segs[k].from == sg->from;
                in += pp->segs[k].to == sg->to;
            }
            int key = out == 1 && in >= 2 ? sg->to : sg->from;
            segkey[s] = key;
            bool seen = false;
            for (int k = 0; k < nk && !seen; k++)
                seen = keys[k] == key;
            if (!seen) {
                /* Insert in anchor order. */
                int at = nk;
                while (at > 0 &&
                       plan_anchor(&pp->nodes[keys[at - 1]]) > plan_anchor(&pp->nodes[key])) {
                    keys[at] = keys[at - 1];
                    at--;
                }
                keys[at] = key;
                nk++;
            }
        }
        for (size_t s = 0; s < pp->nsegs; s++)
            if (pp->nodes[pp->segs[s].from].layer == l && segkey[s] >= 0)
                for (int k = 0; k < nk; k++)
                    if (keys[k] == segkey[s])
                        tracks[s] = k;
        ntr[l] = nk;
    }
    free(keys);
    free(segkey);
    int y = 0;
    for (int l = 0; l < pp->nlayers; l++) {
        ly[l] = y;
        y += PLAN_BOX_H;
        if (l + 1 < pp->nlayers)
            y += ntr[l] + 1;
    }
    pp->chh = y;
    for (size_t i = 0; i < pp->nnodes; i++)
        pp->nodes[i].y = ly[pp->nodes[i].layer];
    pp->cells = sk_calloc((size_t)pp->cw * (size_t)pp->chh, sizeof *pp->cells);

    /* Edges first (boxes drawn over them merge with their borders). */
    for (size_t s = 0; s < pp->nsegs; s++) {
        const PlanSeg *sg = &pp->segs[s];
        const PlanNode *a = &pp->nodes[sg->from], *b = &pp->nodes[sg->to];
        StyleId st = sg->critical ? STYLE_PLAN_CRITICAL : STYLE_BORDER;
        int ybot = a->y + PLAN_BOX_H - 1; /* bottom border (or last dummy row) */
        int ch0 = ybot + 1;               /* first channel row */
        int arrow = ch0 + ntr[a->layer];  /* arrow row */
        int xa = plan_anchor(a), xb = plan_anchor(b);
        int t = tracks[s];
        if (xa == xb || t < 0) {
            plan_vline(pp, xa, ybot, b->step >= 0 ? arrow : b->y, st);
        } else {
            int ty = ch0 + t;
            plan_vline(pp, xa, ybot, ty, st);
            plan_hline(pp, ty, xa, xb, st);
            plan_vline(pp, xb, ty, b->step >= 0 ? arrow : b->y, st);
        }
        if (b->step >= 0) {
            PlanCell *c = plan_cell(pp, arrow, xb);
            if (c) {
                c->ch = 0x25BC; /* ▼ */
                if (st == STYLE_PLAN_CRITICAL || c->style == STYLE_DEFAULT)
                    c->style = (unsigned char)st;
            }
        }
    }
    /* Dummies: a vertical line through the layer. */
    for (size_t i = 0; i < pp->nnodes; i++) {
        const PlanNode *n = &pp->nodes[i];
        if (n->step < 0)
            plan_vline(pp, n->x, n->y, n->y + PLAN_BOX_H - 1,
                       n->critical ? STYLE_PLAN_CRITICAL : STYLE_BORDER);
    }
    /* Stubs below a source border: the border cell joins the line (┬). */
    for (size_t s = 0; s < pp->nsegs; s++) {
        const PlanNode *a = &pp->nodes[pp->segs[s].from];
        if (a->step >= 0)
            plan_line(pp, a->y + PLAN_BOX_H - 1, plan_anchor(a), LN_D,
                      pp->segs[s].critical ? STYLE_PLAN_CRITICAL : STYLE_BORDER);
    }
    for (size_t i = 0; i < pp->nnodes; i++)
        if (pp->nodes[i].step >= 0)
            plan_draw_box(pp, &pp->nodes[i]);
    free(ly);
    free(tracks);
    free(ntr);
}

/* ---- loading ---- */

static void plan_mark_source(PlanPane *pp)
{
    Workbench *wb = pp->super.wb;
    Pane *src = workbench_pane(wb, "source");
    if (!src)
        return;
    json_t *st = json_array_get(plan_steps(pp), (size_t)(pp->sel >= 0 ? pp->sel : 0));
    json_t *lines = json_object_get(st, "lines");
    if (pp->variant || pp->sel < 0 || json_array_size(lines) != 2) {
        pane_command(src, "mark", "");
        pane_dirty(src);
        return;
    }
    const char *file = json_string_value(json_object_get(st, "file"));
    char *args = sk_asprintf("%s %lld %lld", file ? file : "SKILL.md",
                             (long long)json_integer_value(json_array_get(lines, 0)),
                             (long long)json_integer_value(json_array_get(lines, 1)));
    if (pane_command(src, "mark", args) & PANE_REDRAW)
        pane_dirty(src);
    free(args);
}

static void plan_set(PlanPane *pp, json_t *plan, const char *variant, char *label, char *text)
{
    json_decref(pp->plan);
    free(pp->variant);
    free(pp->label);
    free(pp->text);
    free(pp->error);
    pp->error = NULL;
    pp->plan = plan;
    pp->variant = variant ? sk_strdup(variant) : NULL;
    pp->label = label;
    pp->text = text;
    plan_layout(pp);
    pp->sel = pp->nsteps ? 0 : -1;
    /* Start on the first step of the critical path. */
    json_t *cp = json_object_get(plan, "critical_path");
    if (json_array_size(cp)) {
        int k = plan_step_find(pp, json_string_value(json_array_get(cp, 0)));
        if (k >= 0)
            pp->sel = k;
    }
    pp->top = pp->left = 0;
    pp->follow = true;
}

static void plan_from_skill(PlanPane *pp)
{
    Workbench *wb = pp->super.wb;
    if (!wb->skill) {
        plan_set(pp, NULL, NULL, NULL, NULL);
        pp->error = sk_strdup("No skill loaded (o: pick one).");
        return;
    }
    const Tcp *t = workbench_target(wb);
    json_t *plan = pass_plan_build(wb->skill->content, t ? t->harness : NULL);
    plan_set(pp, plan, NULL, sk_asprintf("%s, offline extraction", wb->skill->name),
             sk_strdup(wb->skill->content));
}

/* Show the plan of variant REV in the store STORE. */
static bool plan_from_store(PlanPane *pp, const char *store, const char *rev)
{
    Workbench *wb = pp->super.wb;
    SkError err;
    VariantInfo *vi = NULL;
    if (variants_get(NULL, store, rev, &vi, &err) != SK_OK) {
        workbench_message(wb, SK_LOG_ERROR, "plan: %s", err.msg);
        return false;
    }
    char *raw = NULL;
    if (variants_read_file(NULL, store, vi->commit, "_artifacts/plan.json", &raw, &err) != SK_OK) {
        workbench_message(wb, SK_LOG_ERROR, "plan: variant %.7s has no plan (%s)", vi->commit,
                          err.msg);
        variants_info_free(vi);
        return false;
    }
    json_error_t je;
    json_t *plan = json_loads(raw, 0, &je);
    free(raw);
    if (!json_is_object(plan)) {
        workbench_message(wb, SK_LOG_ERROR, "plan: _artifacts/plan.json of %.7s: %s", vi->commit,
                          je.text);
        json_decref(plan);
        variants_info_free(vi);
        return false;
    }
    char *text = NULL;
    if (variants_read_file(NULL, store, vi->commit, "SKILL.md", &text, NULL) != SK_OK)
        text = NULL;
    plan_set(pp, plan, vi->commit, sk_asprintf("variant %s %.7s", vi->branch, vi->commit), text);
    variants_info_free(vi);
    return true;
}

/* Show the plan of variant REV of the loaded skill. */
static bool plan_from_variant(PlanPane *pp, const char *rev)
{
    Workbench *wb = pp->super.wb;
    if (!wb->skill) {
        workbench_message(wb, SK_LOG_ERROR, "no skill loaded");
        return false;
    }
    char *store = variant_name_of_skill(wb->skill);
    bool ok = plan_from_store(pp, store, rev);
    free(store);
    return ok;
}

/* ---- drawing ---- */

static const wchar_t plan_box_chars[16] = {
    L' ',      L'\x2575', L'\x2577', L'\x2502', L'\x2574', L'\x2518', L'\x2510', L'\x2524',
    L'\x2576', L'\x2514', L'\x250C', L'\x251C', L'\x2500', L'\x2534', L'\x252C', L'\x253C',
};

static void plan_put(WINDOW *w, int y, int x, wchar_t c, StyleId st)
{
    unsigned long attrs;
    short pair;
    theme_style(st, &attrs, &pair);
    wchar_t wc[2] = {c, 0};
    cchar_t cc;
    setcchar(&cc, wc, (attr_t)attrs, pair, NULL);
    mvwadd_wch(w, y, x, &cc);
}

static PlanNode *plan_step_node(PlanPane *pp, int step)
{
    return step >= 0 && (size_t)step < pp->nsteps ? &pp->nodes[step] : NULL;
}

static void plan_draw_canvas(PlanPane *pp, WINDOW *w, int y0, int h, int width)
{
    const PlanNode *sel = plan_step_node(pp, pp->sel);
    for (int row = 0; row < h; row++) {
        int cy = pp->top + row;
        if (cy >= pp->chh)
            break;
        for (int col = 0; col < width; col++) {
            int cx = pp->left + col;
            if (cx >= pp->cw)
                break;
            const PlanCell *c = &pp->cells[(size_t)cy * (size_t)pp->cw + (size_t)cx];
            if (c->ch == PLAN_CONT)
                continue;
            wchar_t ch = c->ch ? (wchar_t)c->ch : plan_box_chars[c->lines & 15];
            if (!c->ch && !c->lines)
                continue;
            StyleId st = (StyleId)c->style;
            if (sel && cy == sel->y + 1 && cx > sel->x && cx < sel->x + sel->w - 1)
                st = pp->super.focused ? STYLE_SELECTION : STYLE_SELECTION_DIM;
            if (wcwidth(ch) == 2 && col == width - 1)
                ch = L' ';
            plan_put(w, y0 + row, col, ch, st);
        }
    }
    /* The selected box's title row fully in the selection style (also its blanks). */
    if (sel && sel->y + 1 >= pp->top && sel->y + 1 < pp->top + h) {
        int x0 = sel->x + 1 - pp->left, x1 = sel->x + sel->w - 1 - pp->left;
        x0 = SK_MAX(x0, 0);
        x1 = SK_MIN(x1, width);
        if (x1 > x0)
            draw_restyle(w, y0 + sel->y + 1 - pp->top, x0, x1 - x0,
                         pp->super.focused ? STYLE_SELECTION : STYLE_SELECTION_DIM);
    }
}

static void plan_join(SkBuf *b, json_t *arr)
{
    for (size_t i = 0; i < json_array_size(arr); i++)
        sk_buf_printf(b, "%s%s", i ? ", " : "", json_string_value(json_array_get(arr, i)));
}

/* Steps linked to SEL by an edge (DIR 0: predecessors, 1: successors), with the file. */
static void plan_neighbours(PlanPane *pp, SkBuf *b, int dir)
{
    const char *id = plan_step_id(pp, pp->sel);
    json_t *edges = json_object_get(pp->plan, "edges");
    int n = 0;
    for (size_t i = 0; i < json_array_size(edges); i++) {
        json_t *e = json_array_get(edges, i);
        const char *from = json_string_value(json_object_get(e, "from"));
        const char *to = json_string_value(json_object_get(e, "to"));
        if (!sk_str_eq(dir ? from : to, id))
            continue;
        const char *via = json_string_value(json_object_get(e, "via"));
        sk_buf_printf(b, "%s%s", n++ ? ", " : "", dir ? to : from);
        if (via)
            sk_buf_printf(b, " (%s)", via);
        else
            sk_buf_printf(b, " (%s)", json_string_value(json_object_get(e, "kind")));
    }
    if (!n)
        sk_buf_puts(b, "—");
}

static void plan_draw_detail(PlanPane *pp, WINDOW *w, int y, int h, int width)
{
    if (h < 2 || pp->sel < 0)
        return;
    draw_hline(w, y, 0, width, STYLE_BORDER);
    int row = y + 1, end = y + h;
    json_t *st = json_array_get(plan_steps(pp), (size_t)pp->sel);
    const PlanNode *n = plan_step_node(pp, pp->sel);
    json_t *lines = json_object_get(st, "lines");
    long long l0 = json_integer_value(json_array_get(lines, 0));
    long long l1 = json_integer_value(json_array_get(lines, 1));
    const char *file = json_string_value(json_object_get(st, "file"));
    int x = 1;
    x += draw_printf(w, row, x, width - x, n->critical ? STYLE_PLAN_CRITICAL : STYLE_LABEL, "%s ",
                     plan_step_id(pp, pp->sel));
    x += draw_str_ellipsis(w, row, x, width - x - 1,
                           json_string_value(json_object_get(st, "title")), STYLE_DEFAULT);
    row++;
    SkBuf b;
    sk_buf_init(&b);
    sk_buf_printf(&b, "%s %lld-%lld", file ? file : "SKILL.md", l0, l1);
    if (n->critical)
        sk_buf_puts(&b, " · on the critical path");
    draw_str_ellipsis(w, row, 1, width - 2, sk_buf_cstr(&b),
                      n->critical ? STYLE_PLAN_CRITICAL : STYLE_DIM);
    if (n->group >= 0) {
        json_t *g = json_array_get(json_object_get(pp->plan, "groups"), (size_t)n->group);
        int used = draw_width(b.data, b.len) + 3;
        sk_buf_reset(&b);
        sk_buf_printf(&b, "%s %s: ", json_string_value(json_object_get(g, "id")),
                      json_string_value(json_object_get(g, "type")));
        plan_join(&b, json_object_get(g, "steps"));
        sk_buf_printf(&b, " — %s%s", json_string_value(json_object_get(g, "mechanism")),
                      json_is_false(json_object_get(g, "harness_supported"))
                          ? " (not supported by the harness)"
                          : "");
        if (used < width - 2)
            draw_str_ellipsis(w, row, used, width - used - 1, sk_buf_cstr(&b), STYLE_PLAN_GROUP);
    }
    row++;
    if (row < end) {
        sk_buf_reset(&b);
        sk_buf_puts(&b, "reads  ");
        json_t *in = json_object_get(st, "inputs");
        if (json_array_size(in))
            plan_join(&b, in);
        else
            sk_buf_puts(&b, "—");
        sk_buf_puts(&b, "   after ");
        plan_neighbours(pp, &b, 0);
        draw_str_ellipsis(w, row++, 1, width - 2, sk_buf_cstr(&b), STYLE_DEFAULT);
    }
    if (row < end) {
        sk_buf_reset(&b);
        sk_buf_puts(&b, "writes ");
        json_t *out = json_object_get(st, "outputs");
        if (json_array_size(out))
            plan_join(&b, out);
        else
            sk_buf_puts(&b, "—");
        sk_buf_puts(&b, "   before ");
        plan_neighbours(pp, &b, 1);
        draw_str_ellipsis(w, row++, 1, width - 2, sk_buf_cstr(&b), STYLE_DEFAULT);
    }
    sk_buf_done(&b);
    /* The step's source lines. */
    if (pp->text && (!file || !strcmp(file, "SKILL.md"))) {
        const char *s = pp->text;
        long long no = 1;
        while (*s && no < l0) {
            const char *nl = strchr(s, '\n');
            if (!nl)
                break;
            s = nl + 1;
            no++;
        }
        for (; row < end && *s && no <= l1; no++) {
            const char *nl = strchr(s, '\n');
            size_t len = nl ? (size_t)(nl - s) : strlen(s);
            int gx = draw_printf(w, row, 1, 6, STYLE_LINE_NUMBER, "%4lld ", no);
            draw_text(w, row, 1 + gx, width - 2 - gx, s, len, 0, STYLE_EVIDENCE);
            row++;
            if (!nl)
                break;
            s = nl + 1;
        }
    }
}

static void plan_pane_draw(Pane *p, WINDOW *w, int h, int width)
{
    PlanPane *pp = (PlanPane *)p;
    if (!pp->plan || !pp->nsteps) {
        draw_str(w, 0, 1, width - 1,
                 pp->error ? pp->error : "The skill has no workflow steps to plan.", STYLE_DIM);
        return;
    }
    /* Summary row. */
    json_t *cp = json_object_get(pp->plan, "critical_path");
    size_t ng = json_array_size(json_object_get(pp->plan, "groups"));
    SkBuf b;
    sk_buf_init(&b);
    sk_buf_printf(&b, "%zu steps in %d layers · %zu parallel group%s · critical path ", pp->nsteps,
                  pp->nlayers, ng, ng == 1 ? "" : "s");
    for (size_t i = 0; i < json_array_size(cp); i++)
        sk_buf_printf(&b, "%s%s", i ? "→" : "", json_string_value(json_array_get(cp, i)));
    double sp = json_number_value(json_object_get(pp->plan, "ideal_speedup"));
    sk_buf_printf(&b, " · speed-up %.2fx", sp > 0 ? sp : 1.0);
    draw_str_ellipsis(w, 0, 1, width - 2, sk_buf_cstr(&b), STYLE_DIM);
    sk_buf_done(&b);

    int detail_h = h >= 30 ? 10 : h >= 18 ? 7 : h >= 12 ? 5 : 0;
    int gh = h - 1 - detail_h;
    if (gh < 3) {
        gh = h - 1;
        detail_h = 0;
    }
    pp->view_h = gh;
    pp->view_w = width;
    /* Keep the selection in view (after a move), and the view inside the canvas. */
    const PlanNode *sel = plan_step_node(pp, pp->sel);
    if (pp->follow && sel) {
        if (sel->y < pp->top)
            pp->top = SK_MAX(0, sel->y - 1);
        if (sel->y + PLAN_BOX_H > pp->top + gh)
            pp->top = sel->y + PLAN_BOX_H - gh + (sel->y + PLAN_BOX_H < pp->chh ? 1 : 0);
        if (sel->x < pp->left)
            pp->left = SK_MAX(0, sel->x - 1);
        if (sel->x + sel->w > pp->left + width)
            pp->left = sel->x + sel->w - width + 1;
        pp->follow = false;
    }
    pp->top = SK_MAX(0, SK_MIN(pp->top, pp->chh - gh));
    pp->left = SK_MAX(0, SK_MIN(pp->left, pp->cw - width));
    /* Centre a narrow graph. */
    int off = pp->cw < width ? (width - pp->cw) / 2 : 0;
    WINDOW *sub = derwin(w, gh, width - off, 1, off);
    if (sub) {
        plan_draw_canvas(pp, sub, 0, gh, width - off);
        delwin(sub);
    }
    if (detail_h)
        plan_draw_detail(pp, w, 1 + gh, detail_h, width);
}

static void plan_pane_title(Pane *p, SkBuf *out)
{
    PlanPane *pp = (PlanPane *)p;
    sk_buf_puts(out, "Plan");
    if (pp->label)
        sk_buf_printf(out, "  %s", pp->label);
    if (pp->nsteps && (pp->top || pp->left || pp->chh > pp->view_h || pp->cw > pp->view_w))
        sk_buf_printf(out, "  rows %d-%d/%d cols %d-%d/%d", pp->top + 1,
                      SK_MIN(pp->chh, pp->top + pp->view_h), pp->chh, pp->left + 1,
                      SK_MIN(pp->cw, pp->left + pp->view_w), pp->cw);
}

/* ---- input ---- */

static void plan_select(PlanPane *pp, int step)
{
    if (step < 0 || (size_t)step >= pp->nsteps)
        return;
    pp->sel = step;
    pp->follow = true;
    plan_mark_source(pp);
}

/* The step at (LAYER, POS), -1 when none. */
static int plan_at(const PlanPane *pp, int layer, int pos)
{
    for (size_t i = 0; i < pp->nsteps; i++)
        if (pp->nodes[i].layer == layer && pp->nodes[i].pos == pos)
            return (int)i;
    return -1;
}

/* Reading order: layer by layer, left to right (real steps only). */
static int plan_step_next(const PlanPane *pp, int from, int dir)
{
    const PlanNode *c = &pp->nodes[from];
    int best = -1;
    long bk = 0, ck = (long)c->layer * 100000 + c->pos;
    for (size_t i = 0; i < pp->nsteps; i++) {
        long k = (long)pp->nodes[i].layer * 100000 + pp->nodes[i].pos;
        if ((dir > 0 && k > ck && (best < 0 || k < bk)) ||
            (dir < 0 && k < ck && (best < 0 || k > bk))) {
            best = (int)i;
            bk = k;
        }
    }
    return best;
}

/* The nearest step by column in the next (DIR 1) or previous layer that has steps. */
static int plan_step_vertical(const PlanPane *pp, int from, int dir)
{
    const PlanNode *c = &pp->nodes[from];
    for (int l = c->layer + dir; l >= 0 && l < pp->nlayers; l += dir) {
        int best = -1, bd = 0;
        for (size_t i = 0; i < pp->nsteps; i++) {
            if (pp->nodes[i].layer != l)
                continue;
            int d = abs(plan_anchor(&pp->nodes[i]) - plan_anchor(c));
            if (best < 0 || d < bd) {
                best = (int)i;
                bd = d;
            }
        }
        if (best >= 0)
            return best;
    }
    return -1;
}

static PaneResult plan_pane_handle_key(Pane *p, const PaneKey *k)
{
    PlanPane *pp = (PlanPane *)p;
    if (!pp->nsteps || pp->sel < 0)
        return PANE_IGNORED;
    int to = -1;
    switch (k->action) {
    case ACTION_MOVE_DOWN:
        to = plan_step_vertical(pp, pp->sel, 1);
        break;
    case ACTION_MOVE_UP:
        to = plan_step_vertical(pp, pp->sel, -1);
        break;
    case ACTION_MOVE_RIGHT:
        to = plan_step_next(pp, pp->sel, 1);
        break;
    case ACTION_MOVE_LEFT:
        to = plan_step_next(pp, pp->sel, -1);
        break;
    case ACTION_MOVE_FIRST:
        to = plan_at(pp, 0, 0);
        break;
    case ACTION_MOVE_LAST: {
        int l = pp->nlayers - 1, last = -1;
        for (int pos = 0; plan_at(pp, l, pos) >= 0 || pos == 0; pos++)
            if (plan_at(pp, l, pos) >= 0)
                last = plan_at(pp, l, pos);
            else
                break;
        to = last;
        break;
    }
    case ACTION_PAGE_DOWN:
        pp->top += SK_MAX(1, pp->view_h / 2);
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_PAGE_UP:
        pp->top = SK_MAX(0, pp->top - SK_MAX(1, pp->view_h / 2));
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_SCROLL_RIGHT:
        pp->left += 8;
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_SCROLL_LEFT:
        pp->left = SK_MAX(0, pp->left - 8);
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_ENTER: {
        /* Show the step's lines in the source pane. */
        json_t *lines = json_object_get(json_array_get(plan_steps(pp), (size_t)pp->sel), "lines");
        if (pp->variant) {
            workbench_message(p->wb, SK_LOG_INFO,
                              "this plan is of a variant; its lines are in the variant's SKILL.md");
            return PANE_HANDLED;
        }
        Workbench *wb = p->wb;
        char num[32];
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(json_array_get(lines, 0)));
        workbench_close_modal(wb);
        Pane *src = workbench_pane(wb, "source");
        if (src && (pane_command(src, "line", num) & PANE_REDRAW))
            pane_dirty(src);
        plan_mark_source(pp);
        return PANE_HANDLED;
    }
    default:
        return PANE_IGNORED;
    }
    if (to >= 0 && to != pp->sel)
        plan_select(pp, to);
    return PANE_HANDLED | PANE_REDRAW;
}

static PaneResult plan_pane_handle_mouse(Pane *p, const PaneMouse *m)
{
    PlanPane *pp = (PlanPane *)p;
    if (m->kind == PANE_MOUSE_WHEEL_DOWN) {
        pp->top += 3;
        return PANE_HANDLED | PANE_REDRAW;
    }
    if (m->kind == PANE_MOUSE_WHEEL_UP) {
        pp->top = SK_MAX(0, pp->top - 3);
        return PANE_HANDLED | PANE_REDRAW;
    }
    int off = pp->cw < pp->view_w ? (pp->view_w - pp->cw) / 2 : 0;
    int cy = pp->top + m->y - 1, cx = pp->left + m->x - off;
    for (size_t i = 0; i < pp->nsteps; i++) {
        const PlanNode *n = &pp->nodes[i];
        if (cy >= n->y && cy < n->y + PLAN_BOX_H && cx >= n->x && cx < n->x + n->w) {
            plan_select(pp, (int)i);
            return PANE_HANDLED | PANE_REDRAW;
        }
    }
    return PANE_HANDLED;
}

static PaneResult plan_pane_command(Pane *p, const char *cmd, const char *args)
{
    PlanPane *pp = (PlanPane *)p;
    Workbench *wb = p->wb;
    if (!strcmp(cmd, "plan")) {
        /* ":plan" opens what is loaded (the skill's plan, or the variant a compile just
         * made); ":plan skill" re-extracts the skill's; ":plan REV" shows a variant's. */
        if (!strcmp(args, "skill") || (!*args && !pp->plan))
            plan_from_skill(pp);
        else if (*args && !plan_from_variant(pp, args))
            return PANE_HANDLED;
        plan_mark_source(pp);
        workbench_open_modal(wb, "plan");
        return PANE_HANDLED | PANE_REDRAW;
    }
    if (!strcmp(cmd, "plan-load")) {
        /* Load a variant's plan (a finished compile) without opening the pane. */
        if (*args && plan_from_variant(pp, args))
            return PANE_HANDLED | PANE_REDRAW;
        return PANE_HANDLED;
    }
    if (!strcmp(cmd, "plan-step")) {
        int k = plan_step_find(pp, args);
        if (k < 0) {
            workbench_message(wb, SK_LOG_ERROR, "the plan has no step '%s'", args);
            return PANE_HANDLED;
        }
        plan_select(pp, k);
        return PANE_HANDLED | PANE_REDRAW;
    }
    static const Action mine[] = {ACTION_SCROLL_LEFT, ACTION_SCROLL_RIGHT};
    for (size_t i = 0; i < SK_ARRAY_LEN(mine); i++)
        if (!strcmp(cmd, keymap_action_name(mine[i])) && wb->modal == p) {
            PaneKey k = {0, mine[i]};
            return plan_pane_handle_key(p, &k);
        }
    return PANE_IGNORED;
}

static PaneResult plan_pane_on_change(Pane *p, unsigned what)
{
    PlanPane *pp = (PlanPane *)p;
    if ((what & PANE_CHANGE_SKILL) && p->wb->modal != p) {
        /* Opening the modal also sends PANE_CHANGE_SKILL: keep a variant's plan then. */
        free(pp->variant);
        pp->variant = NULL;
        plan_from_skill(pp);
        return PANE_REDRAW;
    }
    if ((what & PANE_CHANGE_TARGET) && !pp->variant && p->wb->skill && pp->plan) {
        /* Whether the harness supports a group depends on the target. */
        int sel = pp->sel;
        plan_from_skill(pp);
        if (sel >= 0 && (size_t)sel < pp->nsteps)
            pp->sel = sel;
        return PANE_REDRAW;
    }
    return PANE_IGNORED;
}

static void plan_pane_dump_state(Pane *p, SkBuf *out)
{
    PlanPane *pp = (PlanPane *)p;
    sk_buf_printf(out, "source %s\n", pp->label ? pp->label : "-");
    sk_buf_printf(out, "steps %zu\nlayers %d\ncanvas %dx%d\nview %d,%d\n", pp->nsteps, pp->nlayers,
                  pp->cw, pp->chh, pp->top, pp->left);
    sk_buf_printf(out, "selected %s\n", pp->sel >= 0 ? plan_step_id(pp, pp->sel) : "-");
    json_t *cp = json_object_get(pp->plan, "critical_path");
    sk_buf_puts(out, "critical");
    for (size_t i = 0; i < json_array_size(cp); i++)
        sk_buf_printf(out, " %s", json_string_value(json_array_get(cp, i)));
    sk_buf_putc(out, '\n');
    for (size_t i = 0; i < pp->nsteps; i++) {
        const PlanNode *n = &pp->nodes[i];
        sk_buf_printf(out, "node %s layer %d pos %d at %d,%d%s", plan_step_id(pp, (int)i), n->layer,
                      n->pos, n->y, n->x, n->critical ? " critical" : "");
        if (n->group >= 0)
            sk_buf_printf(
                out, " group %s",
                json_string_value(json_object_get(
                    json_array_get(json_object_get(pp->plan, "groups"), (size_t)n->group), "id")));
        sk_buf_puts(out, (int)i == pp->sel ? " selected\n" : "\n");
    }
}

static void plan_pane_free(Pane *p)
{
    PlanPane *pp = (PlanPane *)p;
    pane_done(p);
    plan_free_layout(pp);
    json_decref(pp->plan);
    free(pp->variant);
    free(pp->label);
    free(pp->text);
    free(pp->error);
    free(pp);
}

static const PaneClass plan_pane_class = {
    .name = "plan",
    .draw = plan_pane_draw,
    .title = plan_pane_title,
    .handle_key = plan_pane_handle_key,
    .handle_mouse = plan_pane_handle_mouse,
    .on_change = plan_pane_on_change,
    .command = plan_pane_command,
    .dump_state = plan_pane_dump_state,
    .free = plan_pane_free,
};

Pane *plan_pane_new(Workbench *wb)
{
    PlanPane *pp = sk_calloc(1, sizeof *pp);
    pane_init(&pp->super, &plan_pane_class, wb);
    pp->sel = -1;
    pp->error = sk_strdup("No skill loaded (o: pick one).");
    return &pp->super;
}
