/* cmd_skill.c: `skvm skill lint` and `skvm skill show`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli.h"
#include "core/js.h"
#include "core/lint.h"
#include "core/skill.h"

#include "app/commands.h"

static const char skill_usage[] =
    "Usage: skvm skill lint DIR... [--strict] [--json]\n"
    "       skvm skill show DIR [--json]\n\n"
    "lint  checks SKILL.md against the open Agent Skills specification (name, description,\n"
    "      allowed keys, body size, references to missing bundle files). Diagnostics are\n"
    "      printed as FILE:LINE: error|warning: message. --strict makes client-specific\n"
    "      keys errors. Exit 0 when there are no errors, 1 when there are, 2 when a skill\n"
    "      cannot be read.\n"
    "show  prints name, description, frontmatter keys, body size, bundle files and hash.\n";

static json_t *diag_json(const SkillDiag *d)
{
    return json_pack("{s:s, s:i, s:s, s:s}", "file", d->file, "line", d->line, "level",
                     d->level == SKILL_DIAG_ERROR ? "error" : "warning", "message", d->msg);
}

/* The displayed path of a diagnostic: the skill folder as given + its file. */
static char *diag_path(const Skill *s, const SkillDiag *d)
{
    if (!strcmp(s->dir, "."))
        return sk_strdup(d->file);
    return sk_path_join(s->dir, d->file);
}

static int skill_lint(int argc, char **argv)
{
    LintOptions opt = {0};
    bool json = false;
    SkVec dirs;
    sk_vec_init(&dirs, NULL);
    CliOpts o;
    cli_opts_init(&o, argc, argv);
    while (cli_opts_next(&o)) {
        if (cli_opt_flag(&o, "--strict"))
            opt.strict = true;
        else if (cli_opt_flag(&o, "--json"))
            json = true;
        else if (cli_opt_flag(&o, "--help")) {
            fputs(skill_usage, stdout);
            sk_vec_done(&dirs);
            return CLI_EXIT_OK;
        } else if (o.positional)
            sk_vec_push(&dirs, (void *)o.arg);
        else
            cli_opts_unknown(&o);
    }
    if (o.failed) {
        sk_vec_done(&dirs);
        return CLI_EXIT_USAGE;
    }
    if (!dirs.len) {
        sk_vec_done(&dirs);
        return cli_error("skill lint: give a skill folder (see --help)");
    }
    int rc = CLI_EXIT_OK;
    json_t *all = json_array();
    for (size_t i = 0; i < dirs.len; i++) {
        const char *dir = dirs.items[i];
        Skill *s;
        SkError err;
        if (skill_load(dir, &s, &err) != SK_OK) {
            if (json)
                json_array_append_new(all, json_pack("{s:s, s:s}", "skill", dir, "error",
                                                     err.msg));
            else
                fprintf(stderr, "skvm: error: %s\n", err.msg);
            rc = CLI_EXIT_USAGE;
            continue;
        }
        SkVec diags;
        lint_diags_init(&diags);
        lint_run(s, &opt, &diags);
        size_t nerr = lint_count(&diags, SKILL_DIAG_ERROR);
        size_t nwarn = lint_count(&diags, SKILL_DIAG_WARNING);
        if (json) {
            json_t *arr = json_array();
            for (size_t k = 0; k < diags.len; k++)
                json_array_append_new(arr, diag_json(diags.items[k]));
            json_array_append_new(all, json_pack("{s:s, s:s, s:o, s:i, s:i}", "skill", dir,
                                                 "name", s->name, "diagnostics", arr, "errors",
                                                 (int)nerr, "warnings", (int)nwarn));
        } else {
            for (size_t k = 0; k < diags.len; k++) {
                const SkillDiag *d = diags.items[k];
                char *p = diag_path(s, d);
                if (d->line > 0)
                    printf("%s:%d: %s: %s\n", p, d->line,
                           d->level == SKILL_DIAG_ERROR ? "error" : "warning", d->msg);
                else
                    printf("%s: %s: %s\n", p, d->level == SKILL_DIAG_ERROR ? "error" : "warning",
                           d->msg);
                free(p);
            }
            fflush(stdout);
            if (nerr || nwarn)
                fprintf(stderr, "%s: %zu error%s, %zu warning%s\n", dir, nerr,
                        nerr == 1 ? "" : "s", nwarn, nwarn == 1 ? "" : "s");
        }
        if (nerr && rc == CLI_EXIT_OK)
            rc = CLI_EXIT_FOUND;
        sk_vec_done(&diags);
        skill_free(s);
    }
    if (json)
        cli_print_json(dirs.len == 1 ? json_array_get(all, 0) : all);
    json_decref(all);
    sk_vec_done(&dirs);
    return rc;
}

static json_t *show_json(const Skill *s, size_t body_bytes, size_t body_tokens)
{
    json_t *files = json_array();
    for (size_t i = 0; i < s->files.len; i++) {
        const SkillFile *f = s->files.items[i];
        json_t *jf = json_pack("{s:s, s:I, s:s, s:b}", "path", f->path, "size",
                               (json_int_t)f->size, "kind", skill_file_kind_name(f->kind),
                               "text", f->is_text);
        if (f->skipped)
            json_object_set_new(jf, "skipped", json_string("symlink outside the skill"));
        json_array_append_new(files, jf);
    }
    json_t *keys = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(s->frontmatter, k, v) json_array_append_new(keys, json_string(k));
    json_t *diags = json_array();
    for (size_t i = 0; i < s->diags.len; i++)
        json_array_append_new(diags, diag_json(s->diags.items[i]));
    char short_hash[17];
    skill_short_hash(s, short_hash);
    return json_pack("{s:s, s:s, s:s, s:o, s:O, s:{s:I, s:I, s:I, s:i}, s:o, s:s, s:s, s:o}",
                     "name", s->name, "description", s->description, "dir", s->dir, "keys",
                     keys, "frontmatter", s->frontmatter, "body", "bytes",
                     (json_int_t)body_bytes, "tokens", (json_int_t)body_tokens, "lines",
                     (json_int_t)(s->nlines >= (size_t)s->body_line
                                      ? s->nlines - (size_t)s->body_line + 1
                                      : 0),
                     "line", s->body_line, "files", files, "hash", s->hash, "contentHash",
                     short_hash, "diagnostics", diags);
}

static void print_scalar(const char *key, const json_t *v)
{
    if (json_is_string(v)) {
        const char *str = json_string_value(v);
        size_t n = strlen(str);
        const char *nl = strchr(str, '\n');
        int show = (int)(nl ? (size_t)(nl - str) : n);
        if (show > 76)
            show = 76;
        printf("  %-14s %.*s%s\n", key, show, str, (size_t)show < n ? " ..." : "");
    } else {
        char *d = js_dump_compact(v);
        printf("  %-14s %.76s%s\n", key, d, strlen(d) > 76 ? " ..." : "");
        free(d);
    }
}

static int skill_show(int argc, char **argv)
{
    bool json;
    const char *dir;
    int rc_args = cli_parse_arg_json(argc, argv, skill_usage, &json, &dir);
    if (rc_args >= 0)
        return rc_args;
    if (!dir)
        return cli_error("skill show: give a skill folder (see --help)");
    Skill *s;
    SkError err;
    if (skill_load(dir, &s, &err) != SK_OK)
        return cli_error("%s", err.msg);
    size_t body_bytes = s->content_len - s->body_off;
    size_t body_tokens = sk_estimate_tokens(s->content + s->body_off, body_bytes);
    int rc = skill_diag_count(s, SKILL_DIAG_ERROR) ? CLI_EXIT_FOUND : CLI_EXIT_OK;
    if (json) {
        json_t *j = show_json(s, body_bytes, body_tokens);
        cli_print_json(j);
        json_decref(j);
    } else {
        printf("name:        %s\n", s->name);
        const char *d = s->description;
        printf("description: %.300s%s\n", d, strlen(d) > 300 ? " ..." : "");
        printf("folder:      %s\n", s->dir);
        printf("frontmatter:\n");
        const char *k;
        json_t *v;
        json_object_foreach(s->frontmatter, k, v) print_scalar(k, v);
        size_t body_lines =
            s->nlines >= (size_t)s->body_line ? s->nlines - (size_t)s->body_line + 1 : 0;
        printf("body:        %zu bytes, %zu lines, about %zu tokens (from line %d)\n",
               body_bytes, body_lines, body_tokens, s->body_line);
        long long total = 0;
        for (size_t i = 0; i < s->files.len; i++)
            total += ((SkillFile *)s->files.items[i])->size;
        printf("bundle:      %zu file%s, %lld bytes\n", s->files.len,
               s->files.len == 1 ? "" : "s", total);
        for (size_t i = 0; i < s->files.len; i++) {
            const SkillFile *f = s->files.items[i];
            printf("  %-10s %9lld  %s%s%s\n", skill_file_kind_name(f->kind), f->size, f->path,
                   f->is_text || f->skipped ? "" : "  (binary)",
                   f->skipped ? "  (symlink outside the skill: not followed)" : "");
        }
        printf("hash:        %s\n", s->hash);
        for (size_t i = 0; i < s->diags.len; i++) {
            const SkillDiag *dg = s->diags.items[i];
            fprintf(stderr, "%s/%s:%d: %s: %s\n", s->dir, dg->file, dg->line,
                    dg->level == SKILL_DIAG_ERROR ? "error" : "warning", dg->msg);
        }
    }
    skill_free(s);
    return rc;
}

int cmd_skill(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(skill_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    if (!strcmp(argv[1], "lint"))
        return skill_lint(argc - 1, argv + 1);
    if (!strcmp(argv[1], "show"))
        return skill_show(argc - 1, argv + 1);
    return cli_error("skill: unknown subcommand '%s' (lint, show)", argv[1]);
}
