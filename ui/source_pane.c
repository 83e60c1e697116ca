/* source_pane.c: SKILL.md (or a bundle file) with line numbers, Markdown styling, evidence
 * highlight for the selected requirement, search, jump to line, and the bundle file list. */
#include <stdlib.h>
#include <string.h>

#include "ui/draw.h"
#include "ui/panes.h"
#include "ui/workbench.h"

typedef enum LineKind {
    LINE_TEXT,
    LINE_FM_FENCE,
    LINE_FM,
    LINE_FM_KEY,
    LINE_HEADING,
    LINE_FENCE,
    LINE_CODE,
    LINE_LIST,
} LineKind;

typedef struct SourcePane {
    Pane super;
    char *file;       /* shown file relative to the skill ("SKILL.md") */
    char *text;       /* owned copy for bundle files; NULL for SKILL.md */
    const char *base; /* text being shown */
    size_t *off;      /* line start offsets */
    size_t nlines;
    size_t off_cap;
    unsigned char *kind; /* LineKind per line */
    bool *evidence;      /* per line: evidence of the selected requirement */
    PaneList list;       /* rows = lines */
    int hscroll;
    char *search;    /* current search text or NULL */
    bool files_mode; /* showing the bundle file list */
    PaneList files;  /* rows: SKILL.md + bundle files */
    char *empty_msg; /* what to show when nothing is loaded */
    char *mark_file; /* lines another pane points at (a plan step), shown instead of the
                        requirement's evidence until the requirement changes; NULL none */
    int mark_first, mark_last;
} SourcePane;

static const char *source_pane_line(const SourcePane *sp, size_t i, size_t *len)
{
    size_t start = sp->off[i];
    size_t end = i + 1 < sp->nlines ? sp->off[i + 1] - 1 : strlen(sp->base);
    if (end < start)
        end = start;
    if (end > start && sp->base[end - 1] == '\n')
        end--;
    if (end > start && sp->base[end - 1] == '\r')
        end--;
    *len = end - start;
    return sp->base + start;
}

static bool source_pane_is_fence(const char *s, size_t n)
{
    while (n && (*s == ' ') && n > 0) {
        s++;
        n--;
    }
    return (n >= 3 && (!strncmp(s, "```", 3) || !strncmp(s, "~~~", 3)));
}

static void source_pane_classify(SourcePane *sp, bool markdown)
{
    const Skill *sk = sp->super.wb->skill;
    bool is_skill = !sp->text;
    int fm_end = is_skill && sk ? sk->fm_end_line : 0;
    bool in_code = false;
    for (size_t i = 0; i < sp->nlines; i++) {
        size_t n;
        const char *s = source_pane_line(sp, i, &n);
        LineKind k = LINE_TEXT;
        int lineno = (int)i + 1;
        if (fm_end > 0 && lineno <= fm_end) {
            if (lineno == 1 || lineno == fm_end)
                k = LINE_FM_FENCE;
            else if (n && s[0] != ' ' && s[0] != '-' && s[0] != '#' && memchr(s, ':', n))
                k = LINE_FM_KEY;
            else
                k = LINE_FM;
        } else if (!markdown) {
            k = LINE_TEXT;
        } else if (source_pane_is_fence(s, n)) {
            k = LINE_FENCE;
            in_code = !in_code;
        } else if (in_code) {
            k = LINE_CODE;
        } else if (n && s[0] == '#') {
            k = LINE_HEADING;
        } else {
            size_t j = 0;
            while (j < n && s[j] == ' ')
                j++;
            if (j + 1 < n && (s[j] == '-' || s[j] == '*' || s[j] == '+') && s[j + 1] == ' ')
                k = LINE_LIST;
            else if (j < n && s[j] >= '0' && s[j] <= '9') {
                while (j < n && s[j] >= '0' && s[j] <= '9')
                    j++;
                if (j + 1 < n && (s[j] == '.' || s[j] == ')') && s[j + 1] == ' ')
                    k = LINE_LIST;
            }
        }
        sp->kind[i] = (unsigned char)k;
    }
}

static void source_pane_mark_evidence(SourcePane *sp)
{
    if (sp->evidence)
        memset(sp->evidence, 0, sp->nlines * sizeof *sp->evidence);
    if (sp->mark_file) {
        for (int l = sp->mark_first; sk_str_eq(sp->mark_file, sp->file) && l <= sp->mark_last; l++)
            if (l >= 1 && (size_t)l <= sp->nlines)
                sp->evidence[l - 1] = true;
        return;
    }
    const Requirement *r = workbench_requirement(sp->super.wb);
    if (!r || !sp->file)
        return;
    for (size_t i = 0; i < r->evidence.len; i++) {
        const Evidence *e = sk_vec_get(&r->evidence, i);
        if (sk_str_eq(e->file, sp->file) && e->line >= 1 && (size_t)e->line <= sp->nlines)
            sp->evidence[e->line - 1] = true;
    }
}

/* Show TEXT (borrowed when OWNED is NULL) as FILE. */
static void source_pane_set_text(SourcePane *sp, const char *file, char *owned, const char *text)
{
    free(sp->text);
    free(sp->file);
    sp->text = owned;
    sp->file = sk_strdup(file);
    sp->base = text;
    sp->nlines = 0;
    size_t len = strlen(text);
    for (size_t i = 0; i <= len; i++) {
        if (i == 0 || text[i - 1] == '\n') {
            if (i == len && i > 0)
                break; /* no empty line after a final newline */
            if (sp->nlines == sp->off_cap) {
                sp->off_cap = sp->off_cap ? sp->off_cap * 2 : 256;
                sp->off = sk_realloc(sp->off, sp->off_cap * sizeof *sp->off);
            }
            sp->off[sp->nlines++] = i;
        }
    }
    free(sp->kind);
    free(sp->evidence);
    sp->kind = sk_calloc(sp->nlines ? sp->nlines : 1, 1);
    sp->evidence = sk_calloc(sp->nlines ? sp->nlines : 1, sizeof *sp->evidence);
    source_pane_classify(sp, sk_str_ends(file, ".md") || sk_str_ends(file, ".markdown"));
    sp->list = (PaneList){(int)sp->nlines, 0, 0};
    sp->hscroll = 0;
    source_pane_mark_evidence(sp);
}

static void source_pane_clear(SourcePane *sp, const char *msg)
{
    source_pane_set_text(sp, "", NULL, "");
    sp->nlines = 0;
    sp->list.count = 0;
    free(sp->empty_msg);
    sp->empty_msg = msg ? sk_strdup(msg) : NULL;
}

static bool source_pane_open(SourcePane *sp, const char *rel)
{
    Workbench *wb = sp->super.wb;
    if (!wb->skill)
        return false;
    if (!strcmp(rel, "SKILL.md")) {
        source_pane_set_text(sp, "SKILL.md", NULL, wb->skill->content);
        return true;
    }
    const SkillFile *f = skill_find_file(wb->skill, rel);
    if (f && !f->is_text) {
        workbench_message(wb, SK_LOG_WARN, "%s is not a text file (%lld bytes)", rel, f->size);
        return false;
    }
    char *text = NULL;
    size_t len = 0;
    SkError err;
    if (skill_read_file(wb->skill, rel, 0, &text, &len, &err) != SK_OK) {
        workbench_message(wb, SK_LOG_ERROR, "%s", err.msg);
        return false;
    }
    source_pane_set_text(sp, rel, text, text);
    return true;
}

static int source_pane_gutter(const SourcePane *sp)
{
    int digits = 1;
    for (size_t n = sp->nlines; n >= 10; n /= 10)
        digits++;
    return SK_MAX(3, digits) + 2; /* number, mark, space */
}

/* Draw TEXT with inline `code` styled; returns columns used. */
static int source_pane_draw_inline(WINDOW *w, int y, int x, int maxw, const char *s, size_t n,
                                   int skip, StyleId base)
{
    int col = 0, used = 0;
    size_t i = 0;
    while (i < n && used < maxw) {
        size_t j = i;
        bool code = s[i] == '`';
        if (code) {
            const char *close = memchr(s + i + 1, '`', n - i - 1);
            j = close ? (size_t)(close - s) + 1 : n;
        } else {
            const char *open = memchr(s + i, '`', n - i);
            j = open ? (size_t)(open - s) : n;
        }
        int wd = draw_width(s + i, j - i);
        int sk = skip > col ? skip - col : 0;
        if (sk < wd)
            used += draw_text(w, y, x + used, maxw - used, s + i, j - i, sk,
                              code ? STYLE_CODE_INLINE : base);
        col += wd;
        i = j;
    }
    return used;
}

static void source_pane_draw_line(SourcePane *sp, WINDOW *w, int y, int x, int maxw, size_t i)
{
    size_t n;
    const char *s = source_pane_line(sp, i, &n);
    int skip = sp->hscroll;
    switch ((LineKind)sp->kind[i]) {
    case LINE_FM_FENCE:
    case LINE_FM:
        draw_text(w, y, x, maxw, s, n, skip, STYLE_FRONTMATTER);
        break;
    case LINE_FM_KEY: {
        const char *colon = memchr(s, ':', n);
        size_t kl = colon ? (size_t)(colon - s) + 1 : n;
        int kw = draw_width(s, kl);
        int used = draw_text(w, y, x, maxw, s, kl, skip, STYLE_FRONTMATTER_KEY);
        draw_text(w, y, x + used, maxw - used, s + kl, n - kl, skip > kw ? skip - kw : 0,
                  STYLE_FRONTMATTER);
        break;
    }
    case LINE_HEADING:
        draw_text(w, y, x, maxw, s, n, skip, STYLE_HEADING);
        break;
    case LINE_FENCE:
    case LINE_CODE:
        draw_text(w, y, x, maxw, s, n, skip, STYLE_CODE);
        break;
    case LINE_LIST: {
        size_t j = 0;
        while (j < n && s[j] == ' ')
            j++;
        while (j < n && s[j] != ' ')
            j++;
        int mw = draw_width(s, j);
        int used = draw_text(w, y, x, maxw, s, j, skip, STYLE_LIST_MARK);
        source_pane_draw_inline(w, y, x + used, maxw - used, s + j, n - j,
                                skip > mw ? skip - mw : 0, STYLE_DEFAULT);
        break;
    }
    case LINE_TEXT:
    default:
        source_pane_draw_inline(w, y, x, maxw, s, n, skip, STYLE_DEFAULT);
        break;
    }
    /* Search matches on top. */
    if (sp->search && *sp->search) {
        size_t ql = strlen(sp->search);
        char *line = sk_strndup(s, n);
        for (const char *m = sk_str_casestr(line, sp->search); m;
             m = sk_str_casestr(m + ql, sp->search)) {
            int c0 = draw_width(line, (size_t)(m - line)) - skip;
            int mw = draw_width(m, ql);
            if (c0 + mw <= 0 || c0 >= maxw)
                continue;
            int from = SK_MAX(0, c0), to = SK_MIN(maxw, c0 + mw);
            draw_restyle(w, y, x + from, to - from, STYLE_SEARCH_MATCH);
        }
        free(line);
    }
}

static void source_pane_draw_files(SourcePane *sp, WINDOW *w, int h, int width)
{
    const Skill *sk = sp->super.wb->skill;
    sp->files.count = sk ? (int)sk->files.len + 1 : 0;
    pane_list_clamp(&sp->files, h);
    for (int row = 0; row < h; row++) {
        int i = sp->files.top + row;
        if (i >= sp->files.count)
            break;
        bool sel = i == sp->files.cursor;
        StyleId st =
            sel ? (sp->super.focused ? STYLE_SELECTION : STYLE_SELECTION_DIM) : STYLE_DEFAULT;
        if (sel)
            draw_fill(w, row, 0, width, st);
        if (i == 0) {
            draw_printf(w, row, 1, width - 1, st, "%-40s %-9s %8zu B", "SKILL.md", "skill",
                        sk->content_len);
            continue;
        }
        const SkillFile *f = sk_vec_get(&sk->files, (size_t)i - 1);
        draw_printf(w, row, 1, width - 1, sel ? st : (f->is_text ? STYLE_DEFAULT : STYLE_DIM),
                    "%-40s %-9s %8lld B%s", f->path, skill_file_kind_name(f->kind), f->size,
                    f->is_text ? "" : "  binary");
    }
}

static void source_pane_draw(Pane *p, WINDOW *w, int h, int width)
{
    SourcePane *sp = (SourcePane *)p;
    if (sp->files_mode) {
        source_pane_draw_files(sp, w, h, width);
        return;
    }
    if (!sp->nlines) {
        const Workbench *wb = p->wb;
        if (wb->skill_error) {
            draw_str(w, 0, 1, width - 1, "The skill could not be opened:", STYLE_ERROR);
            int rows =
                draw_wrap(w, 1, 1, width - 2, SK_MAX(1, h - 3), wb->skill_error, STYLE_DEFAULT);
            draw_str(w, 2 + rows, 1, width - 1, "Press o to pick another skill, or :open PATH.",
                     STYLE_DIM);
        } else {
            draw_str(w, 0, 1, width - 1,
                     sp->empty_msg ? sp->empty_msg : "No skill loaded (o: pick one).", STYLE_DIM);
        }
        return;
    }
    pane_list_clamp(&sp->list, h);
    int gutter = source_pane_gutter(sp);
    int textw = width - gutter;
    for (int row = 0; row < h; row++) {
        size_t i = (size_t)(sp->list.top + row);
        if (i >= sp->nlines)
            break;
        bool ev = sp->evidence[i];
        bool cur = (int)i == sp->list.cursor;
        draw_printf(w, row, 0, gutter - 2, cur ? STYLE_LABEL : STYLE_LINE_NUMBER, "%*zu",
                    gutter - 2, i + 1);
        draw_str(w, row, gutter - 2, 1, ev ? "▶" : " ", ev ? STYLE_EVIDENCE_MARK : STYLE_DEFAULT);
        source_pane_draw_line(sp, w, row, gutter, textw, i);
        if (cur)
            draw_restyle(w, row, gutter, textw, p->focused ? STYLE_SELECTION : STYLE_SELECTION_DIM);
        else if (ev)
            draw_restyle(w, row, gutter, textw, STYLE_EVIDENCE);
    }
}

static void source_pane_title(Pane *p, SkBuf *out)
{
    SourcePane *sp = (SourcePane *)p;
    const Skill *sk = p->wb->skill;
    if (sp->files_mode) {
        sk_buf_printf(out, "Files of %s (%zu)", sk ? sk->name : "-", sk ? sk->files.len + 1 : 0);
        return;
    }
    if (!sp->nlines) {
        sk_buf_puts(out, "Source");
        return;
    }
    int pct = sp->nlines ? (int)((sp->list.cursor + 1) * 100 / (int)sp->nlines) : 0;
    sk_buf_printf(out, "%s  line %d/%zu  %d%%", sp->file, sp->list.cursor + 1, sp->nlines, pct);
    if (sp->search)
        sk_buf_printf(out, "  /%s", sp->search);
}

/* Move to the next (DIR 1) or previous (-1) line matching the search. */
static bool source_pane_find(SourcePane *sp, int dir, bool include_current)
{
    Workbench *wb = sp->super.wb;
    if (!sp->search || !*sp->search || !sp->nlines)
        return false;
    int n = (int)sp->nlines;
    int start = sp->list.cursor;
    for (int k = include_current ? 0 : 1; k <= n; k++) {
        int i = ((start + dir * k) % n + n) % n;
        size_t len;
        const char *s = source_pane_line(sp, (size_t)i, &len);
        char *line = sk_strndup(s, len);
        bool hit = sk_str_casestr(line, sp->search) != NULL;
        free(line);
        if (hit) {
            if ((dir > 0 && i < start) || (dir < 0 && i > start))
                workbench_message(wb, SK_LOG_INFO, "search wrapped around");
            pane_list_select(&sp->list, i, pane_body_height(&sp->super));
            return true;
        }
    }
    workbench_message(wb, SK_LOG_WARN, "not found: %s", sp->search);
    return false;
}

static bool source_pane_goto_evidence(SourcePane *sp, bool next)
{
    const Requirement *r = workbench_requirement(sp->super.wb);
    if (!r || !r->evidence.len)
        return false;
    /* The next evidence line after the cursor in this file, else the first one anywhere. */
    const Evidence *target = NULL;
    for (size_t i = 0; i < r->evidence.len && next; i++) {
        const Evidence *e = sk_vec_get(&r->evidence, i);
        if (sk_str_eq(e->file, sp->file) && e->line - 1 > sp->list.cursor) {
            target = e;
            break;
        }
    }
    if (!target)
        target = sk_vec_get(&r->evidence, 0);
    if (!sk_str_eq(target->file, sp->file) && !source_pane_open(sp, target->file))
        return false;
    sp->files_mode = false;
    pane_list_select(&sp->list, target->line - 1, pane_body_height(&sp->super));
    return true;
}

static PaneResult source_pane_handle_key(Pane *p, const PaneKey *k)
{
    SourcePane *sp = (SourcePane *)p;
    int h = pane_body_height(p);
    bool handled = false;
    if (sp->files_mode) {
        if (pane_list_move(&sp->files, k->action, h, &handled) || handled)
            return PANE_HANDLED | PANE_REDRAW;
        if (k->action == ACTION_ENTER) {
            const Skill *sk = p->wb->skill;
            const char *rel =
                sp->files.cursor == 0
                    ? "SKILL.md"
                    : ((const SkillFile *)sk_vec_get(&sk->files, (size_t)sp->files.cursor - 1))
                          ->path;
            if (source_pane_open(sp, rel))
                sp->files_mode = false;
            return PANE_HANDLED | PANE_REDRAW;
        }
        if (k->action == ACTION_QUIT || k->action == ACTION_CANCEL || k->action == ACTION_FILES) {
            sp->files_mode = false;
            return PANE_HANDLED | PANE_REDRAW;
        }
        return PANE_IGNORED;
    }
    if (pane_list_move(&sp->list, k->action, h, &handled) || handled)
        return PANE_HANDLED | PANE_REDRAW;
    switch (k->action) {
    case ACTION_ENTER: {
        /* Open the bundle file this line names (the longest match), e.g. scripts/x.py. */
        const Skill *sk = p->wb->skill;
        if (!sk || !sp->nlines)
            return PANE_IGNORED;
        size_t n;
        const char *s = source_pane_line(sp, (size_t)sp->list.cursor, &n);
        char *line = sk_strndup(s, n);
        const SkillFile *best = NULL;
        for (size_t i = 0; i < sk->files.len; i++) {
            const SkillFile *f = sk_vec_get(&sk->files, i);
            if (strstr(line, f->path) && (!best || strlen(f->path) > strlen(best->path)))
                best = f;
        }
        free(line);
        if (!best) {
            workbench_message(p->wb, SK_LOG_INFO, "this line names no bundle file (f lists them)");
            return PANE_HANDLED;
        }
        source_pane_open(sp, best->path);
        return PANE_HANDLED | PANE_REDRAW;
    }
    case ACTION_MOVE_LEFT:
        sp->hscroll = SK_MAX(0, sp->hscroll - 8);
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_MOVE_RIGHT:
        sp->hscroll += 8;
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_FILES:
        sp->files_mode = true;
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_SEARCH_NEXT:
    case ACTION_SEARCH_PREV:
        source_pane_find(sp, k->action == ACTION_SEARCH_NEXT ? 1 : -1, false);
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_NEXT_EVIDENCE:
        if (!source_pane_goto_evidence(sp, true))
            workbench_message(p->wb, SK_LOG_INFO, "no requirement selected");
        return PANE_HANDLED | PANE_REDRAW;
    case ACTION_CANCEL:
        if (sp->search) {
            free(sp->search);
            sp->search = NULL;
            return PANE_REDRAW; /* not handled: the global cancel also runs */
        }
        return PANE_IGNORED;
    case ACTION_QUIT:
        if (sp->text) { /* a bundle file is open: back to SKILL.md */
            source_pane_open(sp, "SKILL.md");
            return PANE_HANDLED | PANE_REDRAW;
        }
        return PANE_IGNORED;
    default:
        return PANE_IGNORED;
    }
}

static PaneResult source_pane_handle_mouse(Pane *p, const PaneMouse *m)
{
    SourcePane *sp = (SourcePane *)p;
    PaneList *l = sp->files_mode ? &sp->files : &sp->list;
    return pane_list_mouse(l, m, pane_body_height(p)) ? PANE_HANDLED | PANE_REDRAW : PANE_HANDLED;
}

static PaneResult source_pane_command(Pane *p, const char *cmd, const char *args)
{
    SourcePane *sp = (SourcePane *)p;
    if (!strcmp(cmd, "search")) {
        free(sp->search);
        sp->search = *args ? sk_strdup(args) : NULL;
        sp->files_mode = false;
        if (sp->search)
            source_pane_find(sp, 1, true);
        workbench_focus(p->wb, p);
        return PANE_HANDLED | PANE_REDRAW;
    }
    if (!strcmp(cmd, "line")) {
        long n = strtol(args, NULL, 10);
        if (n < 1 || (size_t)n > sp->nlines) {
            workbench_message(p->wb, SK_LOG_ERROR, "no line %s (the file has %zu)", args,
                              sp->nlines);
            return PANE_HANDLED;
        }
        sp->files_mode = false;
        pane_list_select(&sp->list, (int)n - 1, pane_body_height(p));
        workbench_focus(p->wb, p);
        return PANE_HANDLED | PANE_REDRAW;
    }
    if (!strcmp(cmd, "mark")) {
        /* "mark FILE FIRST LAST" highlights lines (the plan pane's step); "mark" clears. */
        char file[256];
        int a, b;
        free(sp->mark_file);
        sp->mark_file = NULL;
        if (sscanf(args, "%255s %d %d", file, &a, &b) == 3 && a >= 1 && b >= a) {
            sp->mark_file = sk_strdup(file);
            sp->mark_first = a;
            sp->mark_last = b;
            if (sk_str_eq(file, sp->file) && (size_t)a <= sp->nlines)
                pane_list_select(&sp->list, a - 1, pane_body_height(p) ? pane_body_height(p) : 10);
        }
        source_pane_mark_evidence(sp);
        return PANE_HANDLED | PANE_REDRAW;
    }
    if (!strcmp(cmd, "file")) {
        if (source_pane_open(sp, *args ? args : "SKILL.md"))
            sp->files_mode = false;
        return PANE_HANDLED | PANE_REDRAW;
    }
    static const Action mine[] = {ACTION_SEARCH_NEXT, ACTION_SEARCH_PREV, ACTION_FILES,
                                  ACTION_NEXT_EVIDENCE};
    for (size_t i = 0; i < SK_ARRAY_LEN(mine); i++)
        if (!strcmp(cmd, keymap_action_name(mine[i]))) {
            PaneKey k = {0, mine[i]};
            return source_pane_handle_key(p, &k);
        }
    return PANE_IGNORED;
}

static PaneResult source_pane_on_change(Pane *p, unsigned what)
{
    SourcePane *sp = (SourcePane *)p;
    if (what & (PANE_CHANGE_SKILL | PANE_CHANGE_REQUIREMENT)) {
        free(sp->mark_file);
        sp->mark_file = NULL;
    }
    if (what & PANE_CHANGE_SKILL) {
        sp->files_mode = false;
        sp->files = (PaneList){0, 0, 0};
        if (p->wb->skill)
            source_pane_open(sp, "SKILL.md");
        else
            source_pane_clear(sp, NULL);
    }
    if (what & (PANE_CHANGE_SKILL | PANE_CHANGE_REQUIREMENT)) {
        source_pane_mark_evidence(sp);
        if (what & PANE_CHANGE_SKILL)
            return PANE_REDRAW; /* a fresh skill opens at its first line */
        /* Scroll to the first evidence line when it is in the shown file. */
        const Requirement *r = workbench_requirement(p->wb);
        for (size_t i = 0; r && i < r->evidence.len; i++) {
            const Evidence *e = sk_vec_get(&r->evidence, i);
            if (sk_str_eq(e->file, sp->file) && e->line >= 1 && (size_t)e->line <= sp->nlines) {
                int h = pane_body_height(p) ? pane_body_height(p) : 10;
                pane_list_select(&sp->list, e->line - 1, h);
                break;
            }
        }
        return PANE_REDRAW;
    }
    return PANE_IGNORED;
}

static void source_pane_dump_state(Pane *p, SkBuf *out)
{
    SourcePane *sp = (SourcePane *)p;
    sk_buf_printf(out, "file %s\nlines %zu\ncursor %d\ntop %d\nmode %s\nsearch %s\n",
                  sp->file ? sp->file : "-", sp->nlines, sp->list.cursor + 1, sp->list.top + 1,
                  sp->files_mode ? "files" : "text", sp->search ? sp->search : "-");
    sk_buf_puts(out, "evidence");
    for (size_t i = 0; i < sp->nlines; i++)
        if (sp->evidence[i])
            sk_buf_printf(out, " %zu", i + 1);
    sk_buf_putc(out, '\n');
    static const char *const kinds[] = {"text",    "fm-fence", "fm",   "fm-key",
                                        "heading", "fence",    "code", "list"};
    int h = pane_body_height(p);
    for (int row = 0; row < h && (size_t)(sp->list.top + row) < sp->nlines; row++) {
        size_t i = (size_t)(sp->list.top + row);
        sk_buf_printf(out, "row %d line %zu %s%s%s\n", row, i + 1, kinds[sp->kind[i]],
                      sp->evidence[i] ? " evidence" : "",
                      (int)i == sp->list.cursor ? " cursor" : "");
    }
}

static void source_pane_free(Pane *p)
{
    SourcePane *sp = (SourcePane *)p;
    pane_done(p);
    free(sp->file);
    free(sp->text);
    free(sp->off);
    free(sp->kind);
    free(sp->evidence);
    free(sp->search);
    free(sp->empty_msg);
    free(sp->mark_file);
    free(sp);
}

static const PaneClass source_pane_class = {
    .name = "source",
    .draw = source_pane_draw,
    .title = source_pane_title,
    .handle_key = source_pane_handle_key,
    .handle_mouse = source_pane_handle_mouse,
    .on_change = source_pane_on_change,
    .command = source_pane_command,
    .dump_state = source_pane_dump_state,
    .free = source_pane_free,
};

Pane *source_pane_new(Workbench *wb)
{
    SourcePane *sp = sk_calloc(1, sizeof *sp);
    pane_init(&sp->super, &source_pane_class, wb);
    source_pane_clear(sp, NULL);
    return &sp->super;
}
