/* tools.h: the agent's tools, with the reference's names, schemas and output texts so
 * transcripts interoperate:
 *
 *   read_file {path}                 whole file as text; "Error: File not found: <path>"
 *   write_file {path, content}       mkdir -p + overwrite; "File written: <path>"
 *   list_directory {path?}           "[dir] name" / "[file] name" lines; "(empty directory)"
 *   execute_command {command}        "stdout:\n..." / "stderr:\n..." sections (omitted when
 *                                    empty) then "exit code: N"; timeout ->
 *                                    "Error: command timed out after Ns"
 *   web_fetch {url, method?, headers?, body?}   only when allowed: "HTTP <status>\n<body>"
 *
 * Differences from the reference: every path is confined to the work directory (see
 * sandbox.h; refusals are "Error: access denied: ..." texts), commands run in the sandbox,
 * and every output longer than max_output is cut (head and tail kept) with a marker
 * "[... N bytes omitted (output was M bytes) ...]". Errors are returned as tool output,
 * never as failures of the call. */
#ifndef SKVM_CORE_TOOLS_H
#define SKVM_CORE_TOOLS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sandbox.h"
#include "core/util.h"

struct HttpEngine;

typedef struct ToolsConfig {
    const char *workdir;       /* required: the run's work directory */
    SandboxOptions sandbox;    /* for execute_command (workdir is filled in by the tools) */
    bool allow_web;            /* offer web_fetch */
    struct HttpEngine *http;   /* for web_fetch (borrowed); NULL: web_fetch reports an error */
    size_t max_output;         /* characters of tool output given to the model; 0: 30000 */
    size_t max_read;           /* largest file read_file reads; 0: 10 MiB */
} ToolsConfig;

/* Defaults: command timeout 30 s (the reference's), sandbox AUTO, web off. */
void tools_config_init(ToolsConfig *cfg, const char *workdir);

typedef struct ToolResult {
    char *output;          /* text for the model (capped); never NULL after execute */
    bool is_error;         /* the tool reported an error (bad args, refused, missing, a
                            * command timed out); a command's non-zero exit is not one */
    int exit_code;         /* execute_command: the exit status (-1 not run); others 0/1 */
    size_t output_bytes;   /* size of the full output before capping */
    bool truncated;
    bool sandbox_denied;   /* a path or command was refused by the sandbox */
    bool crashed;          /* internal failure (could not start a process...) */
    int64_t duration_ms;
} ToolResult;

void tool_result_done(ToolResult *r);

/* Names of the tools offered (web_fetch only when allowed). */
size_t tools_count(const ToolsConfig *cfg);
const char *tools_name(const ToolsConfig *cfg, size_t i);
/* The definitions [{name, description, input_schema}] (new reference). */
json_t *tools_definitions(const ToolsConfig *cfg);

/* Execute tool NAME with ARGUMENTS (JSON text as the model wrote it; garbage gives an
 * error text). Thread-safe: several calls may run at once. OUT is initialized here. */
void tools_execute(const ToolsConfig *cfg, const char *name, const char *arguments,
                   ToolResult *out);

#endif
