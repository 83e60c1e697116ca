/* status_bar.c: the bottom status row and its line editor. */
#include "ui/status_bar.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "ui/draw.h"

struct StatusBar {
    WINDOW *win;
    int y, width;
    bool needs_redraw;
    SkLogLevel msg_level;
    char *msg;
    StatusPrompt prompt;
    SkBuf input;
    SkVec history; /* char *: submitted command lines, oldest first */
    size_t hpos;   /* position while browsing the history (history.len = the new line) */
};

StatusBar *status_bar_new(void)
{
    StatusBar *sb = sk_calloc(1, sizeof *sb);
    sk_buf_init(&sb->input);
    sk_vec_init(&sb->history, free);
    sb->needs_redraw = true;
    return sb;
}

void status_bar_free(StatusBar *sb)
{
    if (!sb)
        return;
    if (sb->win)
        delwin(sb->win);
    free(sb->msg);
    sk_buf_done(&sb->input);
    sk_vec_done(&sb->history);
    free(sb);
}

void status_bar_place(StatusBar *sb, int y, int width)
{
    if (sb->win)
        delwin(sb->win);
    sb->win = y >= 0 && width > 0 ? newwin(1, width, y, 0) : NULL;
    sb->y = y;
    sb->width = width;
    sb->needs_redraw = true;
}

void status_bar_dirty(StatusBar *sb)
{
    sb->needs_redraw = true;
}

bool status_bar_needs_redraw(const StatusBar *sb)
{
    return sb->needs_redraw;
}

void status_bar_set_message(StatusBar *sb, SkLogLevel level, const char *msg)
{
    free(sb->msg);
    sb->msg = sk_strdup(msg);
    sb->msg_level = level;
    sb->needs_redraw = true;
}

void status_bar_clear_message(StatusBar *sb)
{
    free(sb->msg);
    sb->msg = NULL;
    sb->needs_redraw = true;
}

bool status_bar_has_message(const StatusBar *sb)
{
    return sb->msg != NULL;
}

void status_bar_prompt(StatusBar *sb, StatusPrompt kind)
{
    sb->prompt = kind;
    sk_buf_reset(&sb->input);
    sb->hpos = sb->history.len;
    sb->needs_redraw = true;
}

StatusPrompt status_bar_prompting(const StatusBar *sb)
{
    return sb->prompt;
}

static void status_bar_backspace(StatusBar *sb)
{
    if (!sb->input.len)
        return;
    size_t n = sb->input.len - 1;
    while (n > 0 && ((unsigned char)sb->input.data[n] & 0xC0) == 0x80)
        n--;
    sb->input.len = n;
    sb->input.data[n] = '\0';
}

StatusPrompt status_bar_key(StatusBar *sb, int key, char **text)
{
    *text = NULL;
    sb->needs_redraw = true;
    if (key == KEYMAP_ESC || key == 3 /* C-c */ || key == 7 /* C-g */) {
        sb->prompt = STATUS_PROMPT_NONE;
        return STATUS_PROMPT_NONE;
    }
    if (key == KEYMAP_ENTER) {
        StatusPrompt k = sb->prompt;
        sb->prompt = STATUS_PROMPT_NONE;
        *text = sk_strdup(sk_buf_cstr(&sb->input));
        if (k == STATUS_PROMPT_COMMAND && **text) {
            const char *last =
                sb->history.len ? sk_vec_get(&sb->history, sb->history.len - 1) : NULL;
            if (!last || strcmp(last, *text))
                sk_vec_push(&sb->history, sk_strdup(*text));
        }
        return k;
    }
    if (sb->prompt == STATUS_PROMPT_COMMAND &&
        (key == (KEYMAP_FN | KEY_UP) || key == (KEYMAP_FN | KEY_DOWN))) {
        if (key == (KEYMAP_FN | KEY_UP) && sb->hpos > 0)
            sb->hpos--;
        else if (key == (KEYMAP_FN | KEY_DOWN) && sb->hpos < sb->history.len)
            sb->hpos++;
        sk_buf_reset(&sb->input);
        if (sb->hpos < sb->history.len)
            sk_buf_puts(&sb->input, sk_vec_get(&sb->history, sb->hpos));
        return STATUS_PROMPT_NONE;
    }
    if (key == (KEYMAP_FN | KEY_BACKSPACE)) {
        if (!sb->input.len)
            sb->prompt = STATUS_PROMPT_NONE; /* backspace on empty closes, like vim */
        status_bar_backspace(sb);
        return STATUS_PROMPT_NONE;
    }
    if (key == 21 /* C-u */) {
        sk_buf_reset(&sb->input);
        return STATUS_PROMPT_NONE;
    }
    if (key & KEYMAP_FN || key < 32)
        return STATUS_PROMPT_NONE;
    char name[16];
    keymap_key_name(key, name, sizeof name);
    if (key == ' ')
        sk_buf_putc(&sb->input, ' ');
    else
        sk_buf_puts(&sb->input, name);
    return STATUS_PROMPT_NONE;
}

void status_bar_complete(StatusBar *sb, const char *const *words, size_t n)
{
    const char *in = sk_buf_cstr(&sb->input);
    if (strchr(in, ' '))
        return; /* only the command word is completed */
    size_t len = strlen(in), matches = 0, common = 0;
    const char *first = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(words[i], in, len))
            continue;
        if (!first) {
            first = words[i];
            common = strlen(first);
        } else {
            size_t c = 0;
            while (c < common && first[c] == words[i][c])
                c++;
            common = c;
        }
        matches++;
    }
    if (!first)
        return;
    sk_buf_reset(&sb->input);
    sk_buf_append(&sb->input, first, common);
    if (matches == 1)
        sk_buf_putc(&sb->input, ' ');
    sb->needs_redraw = true;
}

void status_bar_render(StatusBar *sb, const Workbench *wb)
{
    if (!sb->win)
        return;
    if (!sb->needs_redraw) {
        wnoutrefresh(sb->win);
        return;
    }
    WINDOW *w = sb->win;
    int width = sb->width;
    draw_fill(w, 0, 0, width, sb->prompt ? STYLE_COMMAND : STYLE_STATUS);
    if (sb->prompt) {
        const char *lead = sb->prompt == STATUS_PROMPT_COMMAND  ? ":"
                           : sb->prompt == STATUS_PROMPT_SEARCH ? "/"
                                                                : "line: ";
        int x = draw_str(w, 0, 0, width, lead, STYLE_COMMAND);
        const char *in = sk_buf_cstr(&sb->input);
        int iw = draw_width(in, strlen(in));
        int skip = iw > width - x - 1 ? iw - (width - x - 1) : 0;
        x += draw_text(w, 0, x, width - x - 1, in, strlen(in), skip, STYLE_COMMAND);
        draw_fill(w, 0, x, 1, STYLE_SELECTION); /* the cursor */
    } else {
        SkBuf left;
        sk_buf_init(&left);
        sk_buf_puts(&left, " skvm");
        if (wb->skill)
            sk_buf_printf(&left, " │ %s", wb->skill->name);
        else
            sk_buf_puts(&left, " │ no skill");
        const Tcp *t = workbench_target(wb);
        sk_buf_printf(&left, " │ target %s", t ? t->model : "none");
        if (wb->busy)
            sk_buf_printf(&left, " │ running %d", wb->busy);
        if (wb->small)
            sk_buf_puts(&left, " │ small terminal: one pane, Tab switches");
        sk_buf_puts(&left, " ");
        int x = draw_str(w, 0, 0, width, sk_buf_cstr(&left), STYLE_STATUS);
        sk_buf_done(&left);
        if (sb->msg) {
            StyleId st = sb->msg_level >= SK_LOG_ERROR  ? STYLE_ERROR
                         : sb->msg_level == SK_LOG_WARN ? STYLE_WARNING
                                                        : STYLE_INFO;
            x += draw_str(w, 0, x, width - x, "│ ", STYLE_STATUS);
            draw_str_ellipsis(w, 0, x, width - x, sb->msg, st);
        } else {
            char help[24], cmd[24], quit[24], tab[24];
            workbench_keys_for(wb, "generic", ACTION_HELP, help, sizeof help);
            workbench_keys_for(wb, "generic", ACTION_COMMAND, cmd, sizeof cmd);
            workbench_keys_for(wb, "generic", ACTION_QUIT, quit, sizeof quit);
            workbench_keys_for(wb, "generic", ACTION_NEXT_PANE, tab, sizeof tab);
            struct {
                const char *key, *what;
            } hints[] = {{help, "help"}, {quit, "quit"}, {cmd, "command"}, {tab, "pane"}};
            /* As many hints as fit, most important first. */
            size_t nh = SK_ARRAY_LEN(hints);
            int need = 0;
            for (;;) {
                need = 0;
                for (size_t i = 0; i < nh; i++)
                    if (*hints[i].key)
                        need += draw_width(hints[i].key, strlen(hints[i].key)) +
                                (int)strlen(hints[i].what) + 3;
                if (width - need > x || nh == 0)
                    break;
                nh--;
            }
            int hx = width - need;
            if (hx > x) {
                for (size_t i = 0; i < nh; i++) {
                    if (!*hints[i].key)
                        continue;
                    hx += draw_str(w, 0, hx, width - hx, hints[i].key, STYLE_STATUS_KEY);
                    hx += draw_printf(w, 0, hx, width - hx, STYLE_STATUS, " %s  ", hints[i].what);
                }
            }
        }
    }
    sb->needs_redraw = false;
    wnoutrefresh(w);
}
