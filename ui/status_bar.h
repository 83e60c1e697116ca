/* status_bar.h: the bottom row: skill, target model, activity and key hints, the latest
 * message, and the prompt (`:` command line, `/` search, goto line). */
#ifndef SKVM_UI_STATUS_BAR_H
#define SKVM_UI_STATUS_BAR_H

#include <stdbool.h>

#include "ui/workbench.h"

typedef enum StatusPrompt {
    STATUS_PROMPT_NONE,
    STATUS_PROMPT_COMMAND, /* ":" */
    STATUS_PROMPT_SEARCH,  /* "/" */
    STATUS_PROMPT_LINE,    /* "line: " */
} StatusPrompt;

StatusBar *status_bar_new(void);
void status_bar_free(StatusBar *sb);
void status_bar_place(StatusBar *sb, int y, int width);
void status_bar_dirty(StatusBar *sb);
bool status_bar_needs_redraw(const StatusBar *sb);
/* Draw into the virtual screen (wnoutrefresh). */
void status_bar_render(StatusBar *sb, const Workbench *wb);
/* Show MSG (with its level) until status_bar_clear_message or the next message. */
void status_bar_set_message(StatusBar *sb, SkLogLevel level, const char *msg);
void status_bar_clear_message(StatusBar *sb);
bool status_bar_has_message(const StatusBar *sb);
/* Start a prompt. */
void status_bar_prompt(StatusBar *sb, StatusPrompt kind);
StatusPrompt status_bar_prompting(const StatusBar *sb);
/* Complete the command word being typed from WORDS (unique match: the word and a space;
 * several: their common prefix). */
void status_bar_complete(StatusBar *sb, const char *const *words, size_t n);
/* Feed a key to the open prompt (Up/Down browse the command history). When the user submits
 * (Enter), returns the prompt kind and sets *TEXT (free() it); Esc closes the prompt and returns
 * STATUS_PROMPT_NONE. */
StatusPrompt status_bar_key(StatusBar *sb, int key, char **text);

#endif
