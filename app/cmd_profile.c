/* cmd_profile.c: `skvm profile SUBCOMMAND`: list, show and compare capability profiles.
 *
 * Subcommands come from one table (profile_subs[] at the end of the file): to add one
 * (e.g. `profile run`), write `static int profile_<name>(int argc, char **argv)` with
 * argv[0] = the subcommand word, and add a row with its usage line and help text. The
 * `skvm profile --help` text and the dispatch are built from the table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "app/cli.h"
#include "core/catalog.h"
#include "core/js.h"
#include "core/tcp.h"

#include "app/commands.h"

typedef struct ProfileSub {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *usage; /* arguments after "skvm profile NAME" */
    const char *help;  /* what it does, wrapped at 80 columns, ends with a newline */
} ProfileSub;

static const ProfileSub *profile_sub_find(const char *name);
static void profile_sub_usage(FILE *out, const ProfileSub *s);

/* ---- shared helpers ---- */

/* Common options of the read-only subcommands. */
typedef struct ProfileArgs {
    const char *harness;
    bool json;
    const char *pos[2];
    int npos;
} ProfileArgs;

/* Parse [--harness H] [--json] and up to MAXPOS positionals. Returns -1 to go on, else
 * the exit code (help printed, or a usage error). */
static int profile_parse(int argc, char **argv, int maxpos, ProfileArgs *a)
{
    memset(a, 0, sizeof *a);
    CliOpts o;
    cli_opts_init(&o, argc, argv);
    while (cli_opts_next(&o)) {
        if (cli_opt_flag(&o, "--json")) {
            a->json = true;
        } else if (cli_opt_value(&o, "--harness", &a->harness)) {
            continue;
        } else if (cli_opt_flag(&o, "--help") || cli_opt_flag(&o, "-h")) {
            profile_sub_usage(stdout, profile_sub_find(argv[0]));
            return CLI_EXIT_OK;
        } else if (o.positional) {
            if (a->npos >= maxpos)
                return cli_error("profile %s: unexpected argument '%s' (see --help)", argv[0],
                                 o.arg);
            a->pos[a->npos++] = o.arg;
        } else {
            return cli_opts_unknown(&o);
        }
    }
    if (o.failed)
        return CLI_EXIT_USAGE;
    if (a->harness && !*a->harness)
        return cli_error("profile %s: --harness needs a name", argv[0]);
    return -1;
}

static TcpIndex *profile_index(void)
{
    TcpIndex *idx = NULL;
    tcp_index_load(NULL, &idx, NULL);
    const SkVec *probs = tcp_index_problems(idx);
    for (size_t i = 0; i < probs->len; i++)
        cli_warn("skipped a profile: %s", (const char *)sk_vec_get(probs, i));
    return idx;
}

static bool profile_harness_known(const TcpIndex *idx, const char *harness)
{
    for (size_t i = 0; i < tcp_index_count(idx); i++)
        if (!strcmp(tcp_index_get(idx, i)->harness, harness))
            return true;
    return false;
}

static int profile_unknown_harness(const TcpIndex *idx, const char *harness)
{
    SkBuf b = SK_BUF_INIT;
    const char *last = NULL;
    for (size_t i = 0; i < tcp_index_count(idx); i++) {
        const char *h = tcp_index_get(idx, i)->harness;
        if (last && !strcmp(last, h))
            continue;
        sk_buf_printf(&b, "%s%s", last ? ", " : "", h);
        last = h;
    }
    cli_error("no profiles for harness '%s' (known harnesses: %s)", harness,
              b.len ? b.data : "none");
    sk_buf_done(&b);
    return CLI_EXIT_USAGE;
}

/* Find MODEL or print a clear error with candidates. */
static const Tcp *profile_find(const TcpIndex *idx, const char *model, const char *harness)
{
    const Tcp *t = tcp_index_find(idx, model, harness);
    if (t)
        return t;
    SkVec c;
    sk_vec_init(&c, NULL);
    tcp_index_candidates(idx, model, harness, &c);
    bool contains = c.len && sk_str_casestr(((const Tcp *)c.items[0])->model, model);
    SkBuf b = SK_BUF_INIT;
    size_t shown = 0;
    for (size_t i = 0; i < c.len; i++) {
        const Tcp *p = c.items[i];
        /* each model once, and an openrouter copy only when its plain id is not listed */
        bool dup = false;
        const char *plain =
            sk_str_starts(p->model, "openrouter/") ? p->model + strlen("openrouter/") : NULL;
        for (size_t k = 0; k < c.len && !dup; k++) {
            const char *other = ((const Tcp *)c.items[k])->model;
            dup = (k < i && !strcmp(other, p->model)) || (plain && !strcmp(other, plain));
        }
        if (dup)
            continue;
        if (shown == 12) {
            sk_buf_puts(&b, ", ...");
            break;
        }
        sk_buf_printf(&b, "%s%s", shown ? ", " : "", p->model);
        shown++;
    }
    const char *where = harness ? harness : "any harness";
    if (contains)
        cli_error("'%s' matches several models (%s): %s; give more of the model id", model, where,
                  b.data);
    else
        cli_error("no profile for model '%s' (%s); known models: %s", model, where,
                  b.len ? b.data : "none");
    sk_buf_done(&b);
    sk_vec_done(&c);
    return NULL;
}

/* Width for wrapped text: the terminal's, else $COLUMNS, else 100. */
static int profile_width(void)
{
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
        return ws.ws_col;
    const char *c = getenv("COLUMNS");
    if (c && atoi(c) > 20)
        return atoi(c);
    return 100;
}

/* Print TEXT word-wrapped to WIDTH columns: the first line after FIRST, the others after
 * an indent of INDENT spaces. Words longer than a line are cut. */
static void profile_wrap(const char *first, int indent, const char *text, int width)
{
    if (width < indent + 20)
        width = indent + 20;
    fputs(first, stdout);
    int start = (int)sk_utf8_width(first, strlen(first));
    int col = start;
    bool line_start = true;
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == '\n' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *w = p;
        while (*p && *p != ' ' && *p != '\n' && *p != '\t')
            p++;
        size_t wlen = (size_t)(p - w);
        int wwidth = (int)sk_utf8_width(w, wlen);
        if (!line_start && col + 1 + wwidth > width) {
            printf("\n%*s", indent, "");
            col = indent;
        } else if (!line_start) {
            putchar(' ');
            col++;
        }
        while (wwidth > width - col && wwidth > 0) { /* cut a long word at a UTF-8 start */
            size_t cut = 0;
            int cw = 0;
            while (cut < wlen) {
                size_t next = cut + 1;
                while (next < wlen && ((unsigned char)w[next] & 0xC0) == 0x80)
                    next++;
                int nw = (int)sk_utf8_width(w + cut, next - cut);
                if (col + cw + nw > width)
                    break;
                cw += nw;
                cut = next;
            }
            if (cut == 0 && col == indent)
                cut = 1; /* a character wider than the whole line */
            fwrite(w, 1, cut, stdout);
            printf("\n%*s", indent, "");
            col = indent;
            w += cut;
            wlen -= cut;
            wwidth = (int)sk_utf8_width(w, wlen);
        }
        fwrite(w, 1, wlen, stdout);
        col += wwidth;
        line_start = false;
    }
    putchar('\n');
}

/* Level of catalog primitive I, -1 when the profile did not measure it. */
static int profile_cap(const Tcp *t, size_t i)
{
    return t->caps[i];
}

static void profile_level_counts(const Tcp *t, int counts[4], int *measured)
{
    memset(counts, 0, 4 * sizeof counts[0]);
    *measured = 0;
    for (size_t i = 0; i < CATALOG_COUNT; i++) {
        int l = profile_cap(t, i);
        if (l >= 0 && l <= 3) {
            counts[l]++;
            (*measured)++;
        }
    }
    const char *key;
    json_t *v;
    json_object_foreach(t->extra_caps, key, v)
    {
        int l = tcp_level(t, key);
        counts[l]++;
        (*measured)++;
    }
}

static const char *profile_date(const Tcp *t, char *buf, size_t size)
{
    snprintf(buf, size, "%.10s", t->profiled_at && *t->profiled_at ? t->profiled_at : "-");
    return buf;
}

/* ---- list ---- */

static int profile_list(int argc, char **argv)
{
    ProfileArgs a;
    int rc = profile_parse(argc, argv, 0, &a);
    if (rc >= 0)
        return rc;
    TcpIndex *idx = profile_index();
    if (a.harness && !profile_harness_known(idx, a.harness)) {
        rc = profile_unknown_harness(idx, a.harness);
        tcp_index_free(idx);
        return rc;
    }
    json_t *arr = json_array();
    size_t wm = strlen("MODEL"), wh = strlen("HARNESS");
    for (size_t i = 0; i < tcp_index_count(idx); i++) {
        const Tcp *t = tcp_index_get(idx, i);
        if (a.harness && strcmp(t->harness, a.harness) != 0)
            continue;
        wm = SK_MAX(wm, strlen(t->model));
        wh = SK_MAX(wh, strlen(t->harness));
    }
    if (!a.json)
        printf("%-*s  %-*s  %-10s  %3s %3s %3s %3s  %-7s  %s\n", (int)wm, "MODEL", (int)wh,
               "HARNESS", "DATE", "L0", "L1", "L2", "L3", "PARTIAL", "SOURCE");
    size_t n = 0, mine = 0;
    for (size_t i = 0; i < tcp_index_count(idx); i++) {
        const Tcp *t = tcp_index_get(idx, i);
        if (a.harness && strcmp(t->harness, a.harness) != 0)
            continue;
        int counts[4], measured;
        profile_level_counts(t, counts, &measured);
        char date[16];
        profile_date(t, date, sizeof date);
        n++;
        mine += !t->shipped;
        if (a.json) {
            json_array_append_new(
                arr,
                json_pack("{s:s, s:s, s:s?, s:{s:i, s:i, s:i, s:i}, s:i, s:b, s:s, s:s?}", "model",
                          t->model, "harness", t->harness, "profiledAt", t->profiled_at, "levels",
                          "L0", counts[0], "L1", counts[1], "L2", counts[2], "L3", counts[3],
                          "primitives", measured, "partial", t->is_partial, "source",
                          t->shipped ? "shipped" : "home", "path", t->source_path));
        } else {
            printf("%-*s  %-*s  %-10s  %3d %3d %3d %3d  %-7s  %s\n", (int)wm, t->model, (int)wh,
                   t->harness, date, counts[0], counts[1], counts[2], counts[3],
                   t->is_partial ? "partial" : "", t->shipped ? "shipped" : "home");
        }
    }
    if (a.json)
        cli_print_json(arr);
    else
        printf("%zu profile%s (%zu shipped, %zu in %s)\n", n, n == 1 ? "" : "s", n - mine, mine,
               "$SKVM_HOME/profiles");
    json_decref(arr);
    tcp_index_free(idx);
    return CLI_EXIT_OK;
}

/* ---- show ---- */

/* "3/3" for the level result of level L in D, "-" when absent. */
static const TcpLevelResult *profile_level_result(const TcpDetail *d, int level)
{
    if (!d)
        return NULL;
    for (int k = 0; k < d->nlevels; k++)
        if (d->levels[k].level == level)
            return &d->levels[k];
    return NULL;
}

static void profile_show_detail(const TcpDetail *d, int width)
{
    for (int k = 0; d && k < d->nlevels; k++) {
        const TcpLevelResult *r = &d->levels[k];
        if (r->passed)
            continue;
        char *head =
            sk_asprintf("    %s failed (%d/%d passed%s): ", tcp_level_name(r->level), r->pass_count,
                        r->total_count, r->skip_count ? ", some skipped" : "");
        profile_wrap(head, 6,
                     r->test_description && *r->test_description ? r->test_description
                                                                 : "(no description)",
                     width);
        free(head);
        /* identical details (the usual case for 3 instances) are shown once with a count */
        for (size_t m = 0; m < r->failure_details.len; m++) {
            const char *fd = sk_vec_get(&r->failure_details, m);
            bool seen = false;
            for (size_t q = 0; q < m && !seen; q++)
                seen = !strcmp(fd, sk_vec_get(&r->failure_details, q));
            if (seen)
                continue;
            int times = 0;
            for (size_t q = m; q < r->failure_details.len; q++)
                times += !strcmp(fd, sk_vec_get(&r->failure_details, q));
            char *text = times > 1 ? sk_asprintf("%s (x%d)", fd, times) : sk_strdup(fd);
            profile_wrap("      - ", 8, text, width);
            free(text);
        }
    }
}

static void profile_show_row(const Tcp *t, const char *id, int level, int width)
{
    const TcpDetail *d = tcp_detail(t, id);
    if (level < 0) {
        printf("  %-22s %-5s  not measured\n", id, "-");
        return;
    }
    char cells[3][32];
    for (int l = 1; l <= 3; l++) {
        const TcpLevelResult *r = profile_level_result(d, l);
        if (r)
            snprintf(cells[l - 1], sizeof cells[0], "%d/%d", r->pass_count, r->total_count);
        else
            snprintf(cells[l - 1], sizeof cells[0], "-");
    }
    printf("  %-22s %-5s  %-5s %-5s %s\n", id, tcp_level_name(level), cells[0], cells[1], cells[2]);
    profile_show_detail(d, width);
}

static int profile_show(int argc, char **argv)
{
    ProfileArgs a;
    int rc = profile_parse(argc, argv, 1, &a);
    if (rc >= 0)
        return rc;
    if (a.npos != 1)
        return cli_error("profile show: give a model (see --help)");
    TcpIndex *idx = profile_index();
    if (a.harness && !profile_harness_known(idx, a.harness)) {
        rc = profile_unknown_harness(idx, a.harness);
        tcp_index_free(idx);
        return rc;
    }
    const Tcp *t = profile_find(idx, a.pos[0], a.harness);
    if (!t) {
        tcp_index_free(idx);
        return CLI_EXIT_USAGE;
    }
    if (a.json) {
        json_t *o = json_pack("{s:s?, s:b, s:o}", "path", t->source_path, "shipped", t->shipped,
                              "profile", tcp_to_json(t));
        cli_print_json(o);
        json_decref(o);
        tcp_index_free(idx);
        return CLI_EXIT_OK;
    }
    int width = profile_width();
    int counts[4], measured;
    profile_level_counts(t, counts, &measured);
    printf("%s  (harness %s)%s\n", t->model, t->harness, t->is_partial ? "  [partial]" : "");
    printf("profiled %s (%s)\nfile: %s\n", t->profiled_at ? t->profiled_at : "(no date)",
           t->shipped ? "shipped with skvm" : "yours", t->source_path ? t->source_path : "-");
    printf("%d primitives measured: L0 %d, L1 %d, L2 %d, L3 %d\n", measured, counts[0], counts[1],
           counts[2], counts[3]);
    size_t n = 0;
    const Primitive *all = catalog_all(&n);
    int cat = -1;
    for (size_t i = 0; i < n; i++) {
        if ((int)all[i].category != cat) {
            cat = (int)all[i].category;
            printf("\n%-24s %-5s  %-5s %-5s %s\n", catalog_category_name(all[i].category), "LEVEL",
                   "L1", "L2", "L3");
        }
        profile_show_row(t, all[i].id, profile_cap(t, i), width);
    }
    if (json_object_size(t->extra_caps)) {
        printf("\n%-24s %-5s  %-5s %-5s %s\n", "other (not in this skvm's catalog)", "LEVEL", "L1",
               "L2", "L3");
        const char *key;
        json_t *v;
        json_object_foreach(t->extra_caps, key, v)
        {
            profile_show_row(t, key, tcp_level(t, key), width);
        }
    }
    tcp_index_free(idx);
    return CLI_EXIT_OK;
}

/* ---- diff ---- */

static void profile_diff_ids(const Tcp *a, const Tcp *b, SkVec *ids)
{
    size_t n = 0;
    const Primitive *all = catalog_all(&n);
    for (size_t i = 0; i < n; i++)
        sk_vec_push(ids, sk_strdup(all[i].id));
    const Tcp *both[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        const char *key;
        json_t *v;
        json_object_foreach(both[k]->extra_caps, key, v)
        {
            bool dup = false;
            for (size_t i = 0; i < ids->len && !dup; i++)
                dup = !strcmp(sk_vec_get(ids, i), key);
            if (!dup)
                sk_vec_push(ids, sk_strdup(key));
        }
    }
}

/* Level of ID in T, -1 when not measured. */
static int profile_measured(const Tcp *t, const char *id)
{
    int idx = catalog_index(id);
    if (idx >= 0)
        return t->caps[idx];
    return json_object_get(t->extra_caps, id) ? tcp_level(t, id) : -1;
}

static int profile_diff(int argc, char **argv)
{
    ProfileArgs a;
    int rc = profile_parse(argc, argv, 2, &a);
    if (rc >= 0)
        return rc;
    if (a.npos != 2)
        return cli_error("profile diff: give two models (see --help)");
    TcpIndex *idx = profile_index();
    if (a.harness && !profile_harness_known(idx, a.harness)) {
        rc = profile_unknown_harness(idx, a.harness);
        tcp_index_free(idx);
        return rc;
    }
    const Tcp *pa = profile_find(idx, a.pos[0], a.harness);
    const Tcp *pb = pa ? profile_find(idx, a.pos[1], a.harness) : NULL;
    if (!pa || !pb) {
        tcp_index_free(idx);
        return CLI_EXIT_USAGE;
    }
    SkVec ids;
    sk_vec_init(&ids, free);
    profile_diff_ids(pa, pb, &ids);
    int a_stronger = 0, b_stronger = 0, equal = 0, only_a = 0, only_b = 0, neither = 0;
    json_t *rows = json_array();
    size_t wid = strlen("PRIMITIVE");
    for (size_t i = 0; i < ids.len; i++)
        wid = SK_MAX(wid, strlen(sk_vec_get(&ids, i)));
    const char *na = pa->model, *nb = pb->model;
    if (!strcmp(na, nb)) { /* same model, two harnesses */
        na = pa->harness;
        nb = pb->harness;
    }
    if (!a.json) {
        printf("A: %s (%s)\nB: %s (%s)\n\n", pa->model, pa->harness, pb->model, pb->harness);
        printf("%-*s  %-3s  %-3s  %s\n", (int)wid, "PRIMITIVE", "A", "B", "STRONGER");
    }
    for (size_t i = 0; i < ids.len; i++) {
        const char *id = sk_vec_get(&ids, i);
        int la = profile_measured(pa, id), lb = profile_measured(pb, id);
        const char *who;
        if (la < 0 && lb < 0) {
            neither++;
            continue;
        } else if (la < 0) {
            only_b++;
            who = "not comparable (A not measured)";
        } else if (lb < 0) {
            only_a++;
            who = "not comparable (B not measured)";
        } else if (la == lb) {
            equal++;
            continue;
        } else if (la > lb) {
            a_stronger++;
            who = na;
        } else {
            b_stronger++;
            who = nb;
        }
        if (a.json) {
            json_t *r = json_pack("{s:s, s:s?, s:s?, s:s}", "primitive", id, "a",
                                  la >= 0 ? tcp_level_name(la) : NULL, "b",
                                  lb >= 0 ? tcp_level_name(lb) : NULL, "stronger",
                                  la < 0 || lb < 0 ? "none"
                                  : la > lb        ? "a"
                                                   : "b");
            json_array_append_new(rows, r);
        } else {
            printf("%-*s  %-3s  %-3s  %s\n", (int)wid, id, la >= 0 ? tcp_level_name(la) : "-",
                   lb >= 0 ? tcp_level_name(lb) : "-", who);
        }
    }
    if (a.json) {
        json_t *o = json_pack("{s:{s:s, s:s}, s:{s:s, s:s}, s:o, s:{s:i, s:i, s:i, s:i, s:i}}", "a",
                              "model", pa->model, "harness", pa->harness, "b", "model", pb->model,
                              "harness", pb->harness, "differences", rows, "summary", "a_stronger",
                              a_stronger, "b_stronger", b_stronger, "equal", equal, "only_a",
                              only_a, "only_b", only_b);
        cli_print_json(o);
        json_decref(o);
    } else {
        if (!a_stronger && !b_stronger && !only_a && !only_b)
            printf("(no differences)\n");
        SkBuf sum = SK_BUF_INIT;
        sk_buf_printf(&sum, "%s stronger on %d, %s stronger on %d, equal on %d", na, a_stronger, nb,
                      b_stronger, equal);
        if (only_a || only_b)
            sk_buf_printf(&sum, "; measured for only one: %d", only_a + only_b);
        sk_buf_printf(&sum, " (of %d primitives)",
                      a_stronger + b_stronger + equal + only_a + only_b);
        putchar('\n');
        profile_wrap("", 2, sum.data, profile_width());
        sk_buf_done(&sum);
        json_decref(rows);
    }
    (void)neither;
    sk_vec_done(&ids);
    tcp_index_free(idx);
    return CLI_EXIT_OK;
}

/* ---- dispatch ---- */

/* in app/cmd_profile_run.c */
int cmd_profile_selftest(int argc, char **argv);
int cmd_profile_run(int argc, char **argv);

static const ProfileSub profile_subs[] = {
    {"list", profile_list, "[--harness H] [--json]",
     "List every known profile (yours in $SKVM_HOME/profiles first, then the shipped ones)\n"
     "with its date, how many primitives reached each level L0..L3, and whether it is\n"
     "partial.\n"},
    {"show", profile_show, "MODEL [--harness H] [--json]",
     "Show one profile: per primitive its level, the instances passed at L1 L2 L3, and\n"
     "why the failed levels failed. MODEL is a model id, its folder name, or a unique\n"
     "part of it (\"qwen3.5-9b\"). Without --harness, bare-agent is preferred.\n"},
    {"diff", profile_diff, "MODEL_A MODEL_B [--harness H] [--json]",
     "Compare two profiles: the primitives where their levels differ and which model is\n"
     "stronger, then a summary line.\n"},
    {"run", cmd_profile_run, "MODEL [--primitives LIST] [--instances N] [--concurrency N] ...",
     "Profile a model through the agent loop on the 26 primitives at L1-L3 (see\n"
     "'skvm profile run --help').\n"},
    {"selftest", cmd_profile_selftest, "[--seed S] [--primitives LIST] [--json]",
     "Prove every evaluator: a correct answer passes and plausible mistakes fail, for each\n"
     "primitive and level; prints the 26x3 table.\n"},
};

static const ProfileSub *profile_sub_find(const char *name)
{
    for (size_t i = 0; i < SK_ARRAY_LEN(profile_subs); i++)
        if (!strcmp(profile_subs[i].name, name))
            return &profile_subs[i];
    return NULL;
}

static void profile_sub_usage(FILE *out, const ProfileSub *s)
{
    if (!s)
        return;
    fprintf(out, "Usage: skvm profile %s %s\n\n%s", s->name, s->usage, s->help);
}

static void profile_usage(FILE *out)
{
    for (size_t i = 0; i < SK_ARRAY_LEN(profile_subs); i++)
        fprintf(out, "%s skvm profile %s %s\n", i ? "      " : "Usage:", profile_subs[i].name,
                profile_subs[i].usage);
    fputs("\nCapability profiles say, per model and harness, the level (L0-L3) reached on each\n"
          "of the 26 primitives. Exit 0 ok, 2 unknown model or bad arguments.\n\n",
          out);
    for (size_t i = 0; i < SK_ARRAY_LEN(profile_subs); i++)
        fprintf(out, "%s:\n%s\n", profile_subs[i].name, profile_subs[i].help);
}

int cmd_profile(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        profile_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    const ProfileSub *s = profile_sub_find(argv[1]);
    if (!s) {
        cli_error("profile: unknown subcommand '%s' (run 'skvm profile --help')", argv[1]);
        return CLI_EXIT_USAGE;
    }
    return s->fn(argc - 1, argv + 1);
}
