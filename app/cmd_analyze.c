/* cmd_analyze.c: `skvm primitives` (the capability catalog) and `skvm analyze` (what a
 * skill needs, and where known models fall short). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/cli.h"
#include "core/analyzer.h"
#include "core/catalog.h"
#include "core/skill.h"
#include "core/tcp.h"

#include "app/commands.h"

/* ------------------------------------------------------------------------------------ */
/* skvm primitives */

static const char primitives_usage[] =
    "Usage: skvm primitives [ID] [--json]\n\n"
    "Lists the 26 primitive capabilities that profiles measure and skills require, with what\n"
    "levels L1, L2 and L3 mean. With ID, shows one primitive in full, including the\n"
    "degradation guidance used when a target model is weaker than a skill needs.\n"
    "--json prints every field (id, category, title, description, levels, degradation).\n";

static const char *short_category(CatalogCategory c)
{
    switch (c) {
    case CATALOG_GENERATION: return "gen";
    case CATALOG_REASONING: return "reason";
    case CATALOG_TOOL_USE: return "tool";
    case CATALOG_FOLLOW: return "follow";
    }
    return "?";
}

static json_t *primitive_json(const Primitive *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(p->id));
    json_object_set_new(o, "category", json_string(catalog_category_name(p->category)));
    json_object_set_new(o, "title", json_string(p->title));
    json_object_set_new(o, "description", json_string(p->description));
    json_t *lv = json_object();
    for (int l = 0; l < 3; l++) {
        char key[4];
        snprintf(key, sizeof key, "L%d", l + 1);
        json_object_set_new(lv, key, json_string(p->level[l]));
    }
    json_object_set_new(o, "levels", lv);
    json_t *dg = json_object();
    json_object_set_new(dg, "L3->L2", json_string(p->degrade_3_2));
    json_object_set_new(dg, "L2->L1", p->degrade_2_1 ? json_string(p->degrade_2_1) : json_null());
    json_object_set_new(o, "degradation", dg);
    return o;
}

/* Print TEXT wrapped at WIDTH columns with INDENT spaces on every line. */
static void print_wrapped(const char *text, int indent, int width)
{
    const char *p = text;
    while (*p) {
        int avail = width - indent;
        size_t n = strlen(p);
        size_t cut = n;
        if ((int)n > avail) {
            cut = (size_t)avail;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = (size_t)avail;
        }
        printf("%*s%.*s\n", indent, "", (int)cut, p);
        p += cut;
        while (*p == ' ')
            p++;
    }
}

/* Print TEXT from the current column (already at INDENT), continuation lines indented. */
static void print_hanging(const char *text, int indent, int width)
{
    const char *p = text;
    bool first = true;
    while (*p) {
        int avail = width - indent;
        size_t n = strlen(p), cut = n;
        if ((int)n > avail) {
            cut = (size_t)avail;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = (size_t)avail;
        }
        printf("%*s%.*s\n", first ? 0 : indent, "", (int)cut, p);
        first = false;
        p += cut;
        while (*p == ' ')
            p++;
    }
}

int cmd_primitives(int argc, char **argv)
{
    bool json;
    const char *id;
    int rc_args = cli_parse_arg_json(argc, argv, primitives_usage, &json, &id);
    if (rc_args >= 0)
        return rc_args;
    size_t n = 0;
    const Primitive *all = catalog_all(&n);
    if (id) {
        const Primitive *p = catalog_find(id);
        if (!p) {
            cli_error("unknown primitive '%s'", id);
            fprintf(stderr, "known primitives:");
            for (size_t i = 0; i < n; i++)
                if (sk_str_casestr(all[i].id, id))
                    fprintf(stderr, " %s", all[i].id);
            fprintf(stderr, "%s\n", "  (run `skvm primitives` for the full list)");
            return CLI_EXIT_USAGE;
        }
        if (json) {
            json_t *j = primitive_json(p);
            cli_print_json(j);
            json_decref(j);
            return CLI_EXIT_OK;
        }
        printf("%s  (%s)  %s\n", p->id, catalog_category_name(p->category), p->title);
        print_wrapped(p->description, 2, 96);
        for (int l = 0; l < 3; l++) {
            printf("  L%d ", l + 1);
            print_hanging(p->level[l], 5, 96);
        }
        printf("  degrade L3->L2:\n");
        print_wrapped(p->degrade_3_2, 4, 96);
        printf("  degrade L2->L1:\n");
        print_wrapped(p->degrade_2_1 ? p->degrade_2_1
                                     : "none: this capability cannot be reduced; substitute "
                                       "another approach",
                      4, 96);
        return CLI_EXIT_OK;
    }
    if (json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, primitive_json(&all[i]));
        cli_print_json(arr);
        json_decref(arr);
        return CLI_EXIT_OK;
    }
    printf("%-20s %-7s %s\n", "PRIMITIVE", "CAT", "LEVELS");
    for (size_t i = 0; i < n; i++) {
        const Primitive *p = &all[i];
        printf("%-20s %-7s %s\n", p->id, short_category(p->category), p->title);
        for (int l = 0; l < 3; l++) {
            printf("%4sL%d ", "", l + 1);
            print_hanging(p->level[l], 7, 100);
        }
    }
    printf("\n`skvm primitives ID` shows one primitive with its degradation guidance.\n");
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------------------------ */
/* skvm analyze */

static const char analyze_usage[] =
    "Usage: skvm analyze DIR [--model MODEL]... [--harness H] [--json]\n\n"
    "Finds the capabilities (primitives and levels L1-L3) a skill needs by reading SKILL.md\n"
    "and its bundled scripts and reference documents offline, with the evidence (file:line)\n"
    "for each. Then compares them with the known model profiles:\n"
    "  without --model  a table of every model profiled with harness H (default bare-agent):\n"
    "                   'ok' when the model meets the level, 'L1 weak' when it is below it,\n"
    "                   '-- miss' when the model has none of the capability;\n"
    "  with --model     the gaps of each named model with the degradation guidance that\n"
    "                   applies (repeat --model for several models).\n"
    "MODEL may be a full id (openrouter/qwen/qwen3.5-9b), its folder slug, or a unique tail\n"
    "(qwen3.5-9b). --json prints {\"skill\", \"requirements\", \"targets\"}.\n"
    "Exit 0 when the analysis ran (gaps are information), 2 when the skill cannot be read or\n"
    "a model is unknown.\n";

static size_t edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 200 || m > 200)
        return 1000;
    size_t *row = sk_calloc(m + 1, sizeof *row);
    for (size_t j = 0; j <= m; j++)
        row[j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cur = row[j];
            size_t cost = (a[i - 1] | 0x20) == (b[j - 1] | 0x20) ? 0 : 1;
            size_t best = prev + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    size_t d = row[m];
    free(row);
    return d;
}

/* Distance of Q to MODEL: the best of the whole id and its last path segment. */
static size_t model_distance(const char *model, const char *q)
{
    size_t d = edit_distance(model, q);
    const char *slash = strrchr(model, '/');
    if (slash) {
        size_t e = edit_distance(slash + 1, q);
        if (e < d)
            d = e;
    }
    return d;
}

static void report_unknown_model(const TcpIndex *idx, const char *model, const char *harness)
{
    cli_error("unknown model '%s'%s%s%s", model, harness ? " (harness " : "",
              harness ? harness : "", harness ? ")" : "");
    SkVec cands;
    sk_vec_init(&cands, NULL);
    size_t total = tcp_index_count(idx);
    for (size_t i = 0; i < total; i++) {
        const Tcp *t = tcp_index_get(idx, i);
        if (harness && strcmp(t->harness, harness) != 0)
            continue;
        if (sk_str_casestr(t->model, model))
            sk_vec_push(&cands, (void *)t);
    }
    const char *what = "matching";
    if (!cands.len) {
        /* nothing contains it: the closest ids by edit distance */
        what = "closest";
        for (size_t limit = 1; limit <= 12 && cands.len == 0; limit++)
            for (size_t i = 0; i < total; i++) {
                const Tcp *t = tcp_index_get(idx, i);
                if (harness && strcmp(t->harness, harness) != 0)
                    continue;
                if (model_distance(t->model, model) <= limit)
                    sk_vec_push(&cands, (void *)t);
            }
    }
    if (cands.len) {
        fprintf(stderr, "%s models:\n", what);
        for (size_t i = 0; i < cands.len && i < 10; i++) {
            const Tcp *t = cands.items[i];
            fprintf(stderr, "  %s  (harness %s)\n", t->model, t->harness);
        }
        if (cands.len > 1 && !strcmp(what, "matching"))
            fprintf(stderr, "the name is ambiguous: give the full model id\n");
    } else if (total == 0) {
        fprintf(stderr, "no model profiles are installed (run `skvm profile` first)\n");
    } else {
        fprintf(stderr, "no similar model; known models are listed by `skvm analyze DIR`\n");
    }
    sk_vec_done(&cands);
}

static void print_requirements(const Analysis *a)
{
    printf("Skill: %s\n", a->skill_name);
    if (!a->reqs.len) {
        printf("No capability requirements found (no rule matched the skill's text).\n");
        return;
    }
    printf("Requirements (%zu):\n", a->reqs.len);
    for (size_t i = 0; i < a->reqs.len; i++) {
        const Requirement *r = sk_vec_get(&a->reqs, i);
        printf("  %-20s L%d  %s\n", r->primitive, r->level, r->why);
        for (size_t k = 0; k < r->evidence.len; k++) {
            const Evidence *e = sk_vec_get(&r->evidence, k);
            char loc[160];
            snprintf(loc, sizeof loc, "%s:%d", e->file, e->line);
            /* keep the line within 100 columns: cut the text at a character boundary by
             * display width (CJK characters take two columns) */
            size_t room = 100 > strlen(loc) + 11 ? 100 - strlen(loc) - 11 : 20;
            size_t n = 0, width = 0, total = strlen(e->text);
            bool cut = false;
            while (n < total) {
                size_t cl = 1;
                while (n + cl < total && ((unsigned char)e->text[n + cl] & 0xC0) == 0x80)
                    cl++;
                size_t w = sk_utf8_width(e->text + n, cl);
                if (width + w > room) {
                    cut = true;
                    break;
                }
                width += w;
                n += cl;
            }
            printf("      %s  %.*s%s\n", loc, (int)n, e->text, cut ? "..." : "");
        }
    }
}

#define AN_COL_W 8
#define AN_ROW_W 24
#define AN_COLS_PER_TABLE ((100 - AN_ROW_W) / AN_COL_W)

static void print_table(const Analysis *a, const Tcp *const *targets, size_t nt,
                        const char *harness, const char *known)
{
    if (!a->reqs.len)
        return;
    if (!nt) {
        printf("\nNo profiles for harness %s; profile a model with `skvm profile`\n"
               "or pick another --harness%s",
               harness, known && *known ? " (known: " : ".\n");
        if (known && *known)
            printf("%s).\n", known);
        return;
    }
    printf("\nModels profiled with harness %s (ok = meets the level, weak = below it, "
           "miss = none):\n",
           harness);
    for (size_t start = 0; start < nt; start += AN_COLS_PER_TABLE) {
        size_t end = start + AN_COLS_PER_TABLE < nt ? start + AN_COLS_PER_TABLE : nt;
        printf("\n%-*s", AN_ROW_W, "primitive (needed)");
        for (size_t j = start; j < end; j++) {
            char h[32];
            snprintf(h, sizeof h, "#%zu", j + 1);
            printf("%-*s", AN_COL_W, h);
        }
        printf("\n");
        for (size_t i = 0; i < a->reqs.len; i++) {
            const Requirement *r = sk_vec_get(&a->reqs, i);
            char row[64];
            snprintf(row, sizeof row, "%s L%d", r->primitive, r->level);
            printf("%-*s", AN_ROW_W, row);
            for (size_t j = start; j < end; j++) {
                int have = tcp_level(targets[j], r->primitive);
                if (have < 0)
                    have = 0;
                char cell[32];
                if (have >= r->level)
                    snprintf(cell, sizeof cell, "ok");
                else if (have == 0)
                    snprintf(cell, sizeof cell, "-- miss");
                else
                    snprintf(cell, sizeof cell, "L%d weak", have);
                printf("%-*s", AN_COL_W, cell);
            }
            printf("\n");
        }
        printf("%-*s", AN_ROW_W, "gaps");
        for (size_t j = start; j < end; j++) {
            SkVec gaps;
            analyzer_gaps(a, targets[j], &gaps);
            char cell[32];
            snprintf(cell, sizeof cell, "%zu", gaps.len);
            printf("%-*s", AN_COL_W, cell);
            sk_vec_done(&gaps);
        }
        printf("\n");
        for (size_t j = start; j < end; j++)
            printf("  #%-3zu %s\n", j + 1, targets[j]->model);
    }
    printf("\nUse --model MODEL for the gaps of one model with degradation guidance.\n");
}

/* "bare-agent, hermes, openclaw": the harnesses that have profiles. New string. */
static char *known_harnesses(const TcpIndex *idx)
{
    SkBuf b = SK_BUF_INIT;
    size_t n = idx ? tcp_index_count(idx) : 0;
    for (size_t i = 0; i < n; i++) {
        const Tcp *t = tcp_index_get(idx, i);
        if (!t->harness)
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) {
            const Tcp *u = tcp_index_get(idx, j);
            seen = u->harness && !strcmp(u->harness, t->harness);
        }
        if (!seen)
            sk_buf_printf(&b, "%s%s", b.len ? ", " : "", t->harness);
    }
    sk_buf_puts(&b, "");
    return sk_buf_steal(&b);
}

static void print_gaps(const Analysis *a, const Tcp *t)
{
    SkVec gaps;
    analyzer_gaps(a, t, &gaps);
    printf("\nTarget %s (harness %s%s): ", t->model, t->harness,
           t->is_partial ? ", partial profile" : "");
    if (!gaps.len) {
        printf("no gaps; the model meets every requirement.\n");
        sk_vec_done(&gaps);
        return;
    }
    size_t missing = 0;
    for (size_t i = 0; i < gaps.len; i++)
        if (((Gap *)sk_vec_get(&gaps, i))->kind == GAP_MISSING)
            missing++;
    printf("%zu gap%s (%zu missing, %zu weak)\n", gaps.len, gaps.len == 1 ? "" : "s", missing,
           gaps.len - missing);
    for (size_t i = 0; i < gaps.len; i++) {
        const Gap *g = sk_vec_get(&gaps, i);
        printf("  %-20s needs L%d, has L%d  %s\n", g->primitive, g->required, g->have,
               g->kind == GAP_MISSING ? "missing" : "weak");
        print_wrapped(g->guidance, 6, 100);
    }
    sk_vec_done(&gaps);
}

int cmd_analyze(int argc, char **argv)
{
    bool json = false;
    const char *dir = NULL;
    const char *harness = NULL;
    SkVec models;
    sk_vec_init(&models, NULL);
    CliOpts o;
    cli_opts_init(&o, argc, argv);
    const char *val = NULL;
    while (cli_opts_next(&o)) {
        if (cli_opt_flag(&o, "--json"))
            json = true;
        else if (cli_opt_flag(&o, "--help")) {
            fputs(analyze_usage, stdout);
            sk_vec_done(&models);
            return CLI_EXIT_OK;
        } else if (cli_opt_value(&o, "--model", &val))
            sk_vec_push(&models, (void *)val);
        else if (cli_opt_value(&o, "--harness", &val))
            harness = val;
        else if (o.positional && !dir)
            dir = o.arg;
        else {
            sk_vec_done(&models);
            return cli_opts_unknown(&o);
        }
    }
    if (o.failed) {
        sk_vec_done(&models);
        return CLI_EXIT_USAGE;
    }
    if (!dir) {
        sk_vec_done(&models);
        return cli_error("analyze: give a skill folder (see --help)");
    }
    Skill *s = NULL;
    SkError err;
    if (skill_load(dir, &s, &err) != SK_OK) {
        sk_vec_done(&models);
        return cli_error("%s", err.msg);
    }
    Analysis *a = NULL;
    if (analyzer_run(s, &a, &err) != SK_OK) {
        skill_free(s);
        sk_vec_done(&models);
        return cli_error("%s", err.msg);
    }

    TcpIndex *idx = NULL;
    int rc = CLI_EXIT_OK;
    if (tcp_index_load(NULL, &idx, &err) != SK_OK) {
        cli_warn("cannot load model profiles: %s", err.msg);
        idx = NULL;
    }
    SkVec targets;
    sk_vec_init(&targets, NULL);
    const char *table_harness = harness ? harness : TCP_DEFAULT_HARNESS;
    size_t partial = 0;
    if (models.len) {
        for (size_t i = 0; i < models.len; i++) {
            const char *m = models.items[i];
            const Tcp *t = idx ? tcp_index_find(idx, m, harness) : NULL;
            if (!t) {
                if (idx)
                    report_unknown_model(idx, m, harness);
                else
                    cli_error("unknown model '%s': no profiles could be loaded", m);
                rc = CLI_EXIT_USAGE;
                continue;
            }
            sk_vec_push(&targets, (void *)t);
        }
    } else if (idx) {
        for (size_t i = 0; i < tcp_index_count(idx); i++) {
            const Tcp *t = tcp_index_get(idx, i);
            if (!t->harness || strcmp(t->harness, table_harness) != 0)
                continue;
            if (t->is_partial)
                partial++; /* a partial profile does not count as a profile */
            else
                sk_vec_push(&targets, (void *)t);
        }
    }
    if (rc == CLI_EXIT_OK) {
        if (json) {
            json_t *j = analyzer_to_json(a, (const Tcp *const *)targets.items, targets.len);
            cli_print_json(j);
            json_decref(j);
        } else {
            print_requirements(a);
            if (models.len) {
                for (size_t i = 0; i < targets.len; i++)
                    print_gaps(a, targets.items[i]);
            } else {
                char *known = known_harnesses(idx);
                print_table(a, (const Tcp *const *)targets.items, targets.len, table_harness,
                            known);
                free(known);
                if (partial && a->reqs.len)
                    printf("(%zu partial profile%s of harness %s not shown; use --model to "
                           "see one)\n",
                           partial, partial == 1 ? "" : "s", table_harness);
            }
        }
    }
    sk_vec_done(&targets);
    tcp_index_free(idx);
    analyzer_free(a);
    skill_free(s);
    sk_vec_done(&models);
    return rc;
}
