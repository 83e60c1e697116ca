/* keymap.h: the actions of the workbench and the keys bound to them.
 *
 * ACTION_INFO is the one list of actions: it generates the Action enum, the name table used
 * by the command line and key files, and the help pane. Bindings live in keymaps ("generic"
 * plus one per pane, e.g. "source", "caps"); a pane's keymap falls back to "generic".
 * Defaults come from the built-in ui/data/keys.yaml; $SKVM_HOME/keys.yaml adds overrides, and
 * conflicts and bad lines are reported, never fatal. */
#ifndef SKVM_UI_KEYMAP_H
#define SKVM_UI_KEYMAP_H

#include <stdbool.h>

#include "core/util.h"

/* _(id, name, help) */
#define ACTION_INFO(_)                                                                             \
    _(ACTION_NONE, "none", "Do nothing (unbinds a key)")                                           \
    _(ACTION_QUIT, "quit", "Close help or the zoomed pane; otherwise quit the workbench")          \
    _(ACTION_QUIT_ALL, "quit-all", "Quit the workbench at once")                                   \
    _(ACTION_CANCEL, "cancel", "Cancel: leave a mode, clear the search and messages")              \
    _(ACTION_MOVE_DOWN, "move-down", "Move down one row")                                          \
    _(ACTION_MOVE_UP, "move-up", "Move up one row")                                                \
    _(ACTION_MOVE_LEFT, "move-left", "Move left (heatmap column, source scrolls left)")            \
    _(ACTION_MOVE_RIGHT, "move-right", "Move right (heatmap column, source scrolls right)")        \
    _(ACTION_PAGE_DOWN, "page-down", "Move down one page")                                         \
    _(ACTION_PAGE_UP, "page-up", "Move up one page")                                               \
    _(ACTION_MOVE_FIRST, "move-first", "Go to the first row")                                      \
    _(ACTION_MOVE_LAST, "move-last", "Go to the last row")                                         \
    _(ACTION_ENTER, "enter", "Open the selection (evidence line, bundle file, skill, model)")      \
    _(ACTION_NEXT_PANE, "next-pane", "Focus the next pane")                                        \
    _(ACTION_PREV_PANE, "prev-pane", "Focus the previous pane")                                    \
    _(ACTION_FOCUS_SOURCE, "focus-source", "Focus the source pane")                                \
    _(ACTION_FOCUS_CAPS, "focus-caps", "Focus the capabilities pane")                              \
    _(ACTION_ZOOM, "zoom", "Maximise the focused pane, or restore the layout")                     \
    _(ACTION_SEARCH, "search", "Search the source (type the text, then Enter)")                    \
    _(ACTION_SEARCH_NEXT, "search-next", "Go to the next search match")                            \
    _(ACTION_SEARCH_PREV, "search-prev", "Go to the previous search match")                        \
    _(ACTION_GOTO_LINE, "goto-line", "Jump to a line number of the source")                        \
    _(ACTION_FILES, "files", "List the skill's bundle files in the source pane")                   \
    _(ACTION_NEXT_EVIDENCE, "next-evidence", "Jump to the next evidence line of the requirement")  \
    _(ACTION_NEXT_MODEL, "next-model", "Cycle the target model forward through every profile")     \
    _(ACTION_PREV_MODEL, "prev-model", "Cycle the target model backward")                          \
    _(ACTION_HEATMAP, "heatmap", "Toggle the heatmap of all models x required primitives")         \
    _(ACTION_LOG, "log", "Show or hide the message log")                                           \
    _(ACTION_HELP, "help", "Show this help (generated from the action list)")                      \
    _(ACTION_COMMAND, "command", "Open the command line (actions by name, :help for the list)")    \
    _(ACTION_PICKER, "open-skill", "Pick another skill folder")                                    \
    _(ACTION_RELOAD, "reload", "Reload the skill and the profiles from disk")                      \
    _(ACTION_REDRAW, "redraw", "Redraw the whole screen")                                          \
    _(ACTION_FOCUS_TRACE, "focus-trace", "Show and focus the trace pane (chat and runs)")          \
    _(ACTION_CHAT, "chat", "Type a prompt for the target model (streams in the trace pane)")       \
    _(ACTION_RUN, "run", "Type a prompt and run the skill on it with the target model")            \
    _(ACTION_RUNS, "runs", "Browse past runs from the store in the trace pane")                    \
    _(ACTION_CANCEL_JOB, "cancel-job", "Cancel the chat or run in progress (Esc in the trace pane)") \
    _(ACTION_PROFILE_VIEW, "profile-view", "Show the target's profile grid; :profile runs one")    \
    _(ACTION_PLAN, "plan", "Show the plan graph of the skill (compiler pass 3)")                   \
    _(ACTION_COMPARE, "compare", "Compare two variants of the skill side by side")                 \
    _(ACTION_SCROLL_LEFT, "scroll-left", "Scroll the view left (plan graph)")                      \
    _(ACTION_SCROLL_RIGHT, "scroll-right", "Scroll the view right (plan graph)")                   \
    _(ACTION_SET_LEFT, "set-left", "Use the selected variant as the left side of the comparison") \
    _(ACTION_ACCEPT, "accept", "Accept the variant for its target (variants accept)")

typedef enum Action {
#define ACTION_ENUM(id, name, help) id,
    ACTION_INFO(ACTION_ENUM)
#undef ACTION_ENUM
        ACTION_COUNT
} Action;

/* Key codes: a Unicode code point for characters (Ctrl-A is 1, Tab 9, Enter 13, Esc 27), or
 * KEYMAP_FN | a curses KEY_* code for function keys. */
#define KEYMAP_FN    0x40000000
#define KEYMAP_ENTER 13
#define KEYMAP_ESC   27
#define KEYMAP_TAB   9

const char *keymap_action_name(Action a);
const char *keymap_action_help(Action a);
/* Action by name, -1 when unknown. */
int keymap_action_find(const char *name);

/* Parse a key name ("j", "G", "C-r", "Enter", "S-Tab", "PgDn", "F1", "Space"); -1 when bad. */
int keymap_key_parse(const char *name);
/* Human name of KEY into OUT (at least 16 bytes): "j", "C-r", "PgDn", ... */
void keymap_key_name(int key, char *out, size_t size);
/* Fold equivalent curses codes (KEY_ENTER, '\n', 127, ...) into one key code. */
int keymap_key_normalize(int key, bool is_function);

typedef struct Keymap Keymap;

/* The built-in bindings plus overrides from PATH (NULL or a missing file: defaults only).
 * Problems (unknown keys or actions, conflicts) are appended to PROBLEMS as new strings. */
Keymap *keymap_load(const char *path, SkVec *problems);
void keymap_free(Keymap *km);
/* Action of KEY in keymap SCOPE (e.g. "source"), falling back to "generic". */
Action keymap_lookup(const Keymap *km, const char *scope, int key);
/* Keys bound to ACTION in SCOPE only (no fallback), as a display string like "j, Down";
 * writes "" when none. */
void keymap_keys_for(const Keymap *km, const char *scope, Action a, char *out, size_t size);
/* Names of the scopes, in file order (borrowed, NULL-terminated into OUT up to MAX). */
size_t keymap_scopes(const Keymap *km, const char **out, size_t max);

#endif
