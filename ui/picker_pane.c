/* picker_pane.c: choose a skill folder: folders below the current one that hold a SKILL.md,
 * and the bundled examples. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "ui/draw.h"
#include "ui/panes.h"
#include "ui/workbench.h"

#define PICKER_MAX   500
#define PICKER_DEPTH 3

typedef struct PickerPane {
    Pane super;
    SkVec paths;  /* char *: folder paths */
    SkVec labels; /* char *: "here" or "example" */
    PaneList list;
} PickerPane;

static int picker_pane_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void picker_pane_scan(PickerPane *pp, const char *dir, int depth, SkVec *out)
{
    if (out->len >= PICKER_MAX || depth > PICKER_DEPTH)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    SkVec subs;
    sk_vec_init(&subs, free);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || !strcmp(de->d_name, "node_modules") ||
            sk_str_starts(de->d_name, "build"))
            continue;
        char *p = strcmp(dir, ".") ? sk_path_join(dir, de->d_name) : sk_strdup(de->d_name);
        if (sk_is_dir(p))
            sk_vec_push(&subs, p);
        else
            free(p);
    }
    closedir(d);
    sk_vec_sort(&subs, picker_pane_cmp);
    for (size_t i = 0; i < subs.len && out->len < PICKER_MAX; i++) {
        const char *sub = sk_vec_get(&subs, i);
        char *md = sk_path_join(sub, "SKILL.md");
        if (sk_is_file(md))
            sk_vec_push(out, sk_strdup(sub));
        else
            picker_pane_scan(pp, sub, depth + 1, out);
        free(md);
    }
    sk_vec_done(&subs);
}

static char *picker_pane_examples_dir(void)
{
    const char *e = getenv("SKVM_EXAMPLES_DIR");
    if (e && *e)
        return sk_strdup(e);
    const char *src = getenv("SKVM_SOURCE_DIR");
    char *d = sk_path_join(src && *src ? src : SKVM_SOURCE_DIR, "examples/skills");
    if (sk_is_dir(d))
        return d;
    free(d);
    return sk_strdup("/usr/share/skvm/examples/skills");
}

static void picker_pane_refresh(PickerPane *pp)
{
    sk_vec_done(&pp->paths);
    sk_vec_done(&pp->labels);
    sk_vec_init(&pp->paths, free);
    sk_vec_init(&pp->labels, NULL);
    SkVec here;
    sk_vec_init(&here, NULL);
    picker_pane_scan(pp, ".", 1, &here);
    for (size_t i = 0; i < here.len; i++) {
        sk_vec_push(&pp->paths, sk_vec_get(&here, i));
        sk_vec_push(&pp->labels, "here");
    }
    sk_vec_done(&here);
    char *ex = picker_pane_examples_dir();
    SkVec exs;
    sk_vec_init(&exs, NULL);
    picker_pane_scan(pp, ex, PICKER_DEPTH, &exs);
    for (size_t i = 0; i < exs.len; i++) {
        sk_vec_push(&pp->paths, sk_vec_get(&exs, i));
        sk_vec_push(&pp->labels, "example");
    }
    sk_vec_done(&exs);
    free(ex);
    pp->list = (PaneList){(int)pp->paths.len, 0, 0};
}

static void picker_pane_draw(Pane *p, WINDOW *w, int h, int width)
{
    PickerPane *pp = (PickerPane *)p;
    draw_str(w, 0, 1, width - 1,
             "Pick a skill (Enter opens): folders below this one, then bundled examples.",
             STYLE_DIM);
    if (!pp->paths.len) {
        draw_str(w, 2, 1, width - 1,
                 "No skill folders found. Run skvm in a folder with a SKILL.md, or :open PATH.",
                 STYLE_WARNING);
        return;
    }
    int lh = h - 2;
    pane_list_clamp(&pp->list, lh);
    for (int row = 0; row < lh; row++) {
        size_t i = (size_t)(pp->list.top + row);
        if (i >= pp->paths.len)
            break;
        bool sel = (int)i == pp->list.cursor;
        StyleId st = sel ? STYLE_SELECTION : STYLE_DEFAULT;
        if (sel)
            draw_fill(w, 2 + row, 0, width, st);
        int x = draw_printf(w, 2 + row, 1, 10, sel ? st : STYLE_DIM, "%-9s",
                            (const char *)sk_vec_get(&pp->labels, i));
        const char *path = sk_vec_get(&pp->paths, i);
        const char *label = sk_vec_get(&pp->labels, i);
        const char *slash = strrchr(path, '/');
        /* Examples live in the install tree: their folder name says enough. */
        const char *shown = !strcmp(label, "example") && slash ? slash + 1 : path;
        draw_str_ellipsis(w, 2 + row, 1 + x, width - 1 - x, shown, st);
    }
}

static void picker_pane_title(Pane *p, SkBuf *out)
{
    PickerPane *pp = (PickerPane *)p;
    sk_buf_printf(out, "Open a skill · %zu found", pp->paths.len);
}

static PaneResult picker_pane_handle_key(Pane *p, const PaneKey *k)
{
    PickerPane *pp = (PickerPane *)p;
    bool handled = false;
    if (pane_list_move(&pp->list, k->action, pane_body_height(p) - 2, &handled) || handled)
        return PANE_HANDLED | PANE_REDRAW;
    if (k->action == ACTION_ENTER && pp->paths.len) {
        char *path = sk_strdup(sk_vec_get(&pp->paths, (size_t)pp->list.cursor));
        bool ok = workbench_load_skill(p->wb, path);
        free(path);
        return ok ? PANE_HANDLED | PANE_QUIT : PANE_HANDLED | PANE_REDRAW;
    }
    if (k->action == ACTION_QUIT && !p->wb->skill && !p->wb->skill_error) {
        p->wb->quit = true; /* nothing to go back to: q quits the workbench */
        return PANE_HANDLED;
    }
    if (k->action == ACTION_QUIT || k->action == ACTION_CANCEL)
        return PANE_HANDLED | PANE_QUIT;
    return PANE_IGNORED;
}

static PaneResult picker_pane_handle_mouse(Pane *p, const PaneMouse *m)
{
    PickerPane *pp = (PickerPane *)p;
    PaneMouse mm = *m;
    mm.y -= 2;
    return pane_list_mouse(&pp->list, &mm, pane_body_height(p) - 2) ? PANE_HANDLED | PANE_REDRAW
                                                                    : PANE_HANDLED;
}

static PaneResult picker_pane_on_change(Pane *p, unsigned what)
{
    if (what & PANE_CHANGE_SKILL && p->wb->modal == p) {
        picker_pane_refresh((PickerPane *)p);
        return PANE_REDRAW;
    }
    return PANE_IGNORED;
}

static void picker_pane_dump_state(Pane *p, SkBuf *out)
{
    PickerPane *pp = (PickerPane *)p;
    sk_buf_printf(out, "entries %zu\ncursor %d\n", pp->paths.len, pp->list.cursor + 1);
    for (size_t i = 0; i < pp->paths.len; i++) {
        const char *path = sk_vec_get(&pp->paths, i);
        const char *slash = strrchr(path, '/');
        sk_buf_printf(out, "entry %s %s\n", (const char *)sk_vec_get(&pp->labels, i),
                      slash ? slash + 1 : path);
    }
}

static void picker_pane_free(Pane *p)
{
    PickerPane *pp = (PickerPane *)p;
    pane_done(p);
    sk_vec_done(&pp->paths);
    sk_vec_done(&pp->labels);
    free(pp);
}

static const PaneClass picker_pane_class = {
    .name = "picker",
    .draw = picker_pane_draw,
    .title = picker_pane_title,
    .handle_key = picker_pane_handle_key,
    .handle_mouse = picker_pane_handle_mouse,
    .on_change = picker_pane_on_change,
    .dump_state = picker_pane_dump_state,
    .free = picker_pane_free,
};

Pane *picker_pane_new(Workbench *wb)
{
    PickerPane *pp = sk_calloc(1, sizeof *pp);
    pane_init(&pp->super, &picker_pane_class, wb);
    sk_vec_init(&pp->paths, free);
    sk_vec_init(&pp->labels, NULL);
    return &pp->super;
}
