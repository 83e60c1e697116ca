/* script.h: scripted input for tests and demos (--script FILE / SKVM_SCRIPT).
 *
 * One token per line: ":command args" lines run a command; "#" starts a comment; any other
 * line is keys: <Name> for named keys (<Enter>, <Down>, <C-r>, <S-Tab>, <Esc>), a mouse
 * event (<Click:ROW,COL>, <WheelUp:ROW,COL>, <WheelDown:ROW,COL>, screen coordinates) or
 * literal characters (UTF-8). The workbench consumes items only while it is quiescent. */
#ifndef SKVM_UI_SCRIPT_H
#define SKVM_UI_SCRIPT_H

#include <stdbool.h>

#include "core/util.h"

typedef enum ScriptItemKind { SCRIPT_KEY, SCRIPT_COMMAND, SCRIPT_MOUSE } ScriptItemKind;

typedef struct ScriptItem {
    ScriptItemKind kind;
    int key;        /* SCRIPT_KEY: keymap code */
    char *command;  /* SCRIPT_COMMAND: without the ':' */
    int mouse_kind; /* SCRIPT_MOUSE: PaneMouseKind */
    int y, x;       /* SCRIPT_MOUSE: screen position */
    int line;       /* line in the steps file */
} ScriptItem;

typedef struct Script Script;

/* Parse steps TEXT (NAME for messages). Unknown <keys> fail with "NAME:LINE: ...". */
SkStatus script_parse(const char *text, const char *name, Script **out, SkError *err);
SkStatus script_load(const char *path, Script **out, SkError *err);
void script_free(Script *s);
/* Next item (borrowed), NULL at the end. */
const ScriptItem *script_next(Script *s);
bool script_done(const Script *s);

#endif
