/* variants.c: the variant store, one bare git repository per skill (see variants.h). */
#include "core/variants.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gitrepo.h"
#include "core/js.h"
#include "core/store.h"

/* ---- provenance ---- */

typedef struct TrailerKey {
    const char *key;
    size_t off; /* offset of the char * field in VariantProvenance */
    const char *json;
} TrailerKey;

static const TrailerKey trailer_keys[] = {
    {"Skvm-Source-Hash", offsetof(VariantProvenance, source_hash), "source_hash"},
    {"Skvm-Passes", offsetof(VariantProvenance, passes), "passes"},
    {"Skvm-Target-Model", offsetof(VariantProvenance, model), "model"},
    {"Skvm-Harness", offsetof(VariantProvenance, harness), "harness"},
    {"Skvm-Compiler-Model", offsetof(VariantProvenance, compiler_model), "compiler_model"},
    {"Skvm-Profile-Version", offsetof(VariantProvenance, profile_version), "profile_version"},
    {"Skvm-Guard", offsetof(VariantProvenance, guard), "guard"},
    {"Skvm-Input", offsetof(VariantProvenance, input), "input"},
    {"Skvm-Version", offsetof(VariantProvenance, skvm_version), "skvm_version"},
};

static char **prov_field(VariantProvenance *p, size_t i)
{
    return (char **)((char *)p + trailer_keys[i].off);
}

static const char *prov_cfield(const VariantProvenance *p, size_t i)
{
    const char *v = *(char *const *)((const char *)p + trailer_keys[i].off);
    return v ? v : "";
}

void variants_provenance_done(VariantProvenance *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < SK_ARRAY_LEN(trailer_keys); i++) {
        free(*prov_field(p, i));
        *prov_field(p, i) = NULL;
    }
}

json_t *variants_provenance_to_json(const VariantProvenance *p)
{
    json_t *o = json_object();
    for (size_t i = 0; i < SK_ARRAY_LEN(trailer_keys); i++)
        json_object_set_new(o, trailer_keys[i].json, json_string(prov_cfield(p, i)));
    return o;
}

void variants_provenance_from_message(const char *message, VariantProvenance *out)
{
    memset(out, 0, sizeof *out);
    for (const char *line = message; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        for (size_t i = 0; i < SK_ARRAY_LEN(trailer_keys); i++) {
            size_t kl = strlen(trailer_keys[i].key);
            if (len > kl + 1 && !strncmp(line, trailer_keys[i].key, kl) && line[kl] == ':') {
                const char *v = line + kl + 1;
                while (*v == ' ')
                    v++;
                free(*prov_field(out, i));
                *prov_field(out, i) = sk_strndup(v, (size_t)(line + len - v));
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    for (size_t i = 0; i < SK_ARRAY_LEN(trailer_keys); i++)
        if (!*prov_field(out, i))
            *prov_field(out, i) = sk_strdup("");
}

static void append_trailers(SkBuf *b, const VariantProvenance *p)
{
    for (size_t i = 0; i < SK_ARRAY_LEN(trailer_keys); i++) {
        const char *v = prov_cfield(p, i);
        /* one line per trailer: newlines in values would break the format */
        sk_buf_printf(b, "%s: ", trailer_keys[i].key);
        for (const char *c = v; *c; c++)
            sk_buf_putc(b, (*c == '\n' || *c == '\r') ? ' ' : *c);
        sk_buf_putc(b, '\n');
    }
}

void variants_info_free(VariantInfo *v)
{
    if (!v)
        return;
    free(v->skill);
    free(v->branch);
    free(v->summary);
    free(v->message);
    variants_provenance_done(&v->prov);
    free(v);
}

static void info_free_void(void *p)
{
    variants_info_free(p);
}

json_t *variants_info_to_json(const VariantInfo *v)
{
    char iso[40];
    sk_iso8601(v->time_ms, iso, sizeof iso);
    json_t *o = json_object();
    json_object_set_new(o, "commit", json_string(v->commit));
    json_object_set_new(o, "skill", json_string(v->skill ? v->skill : ""));
    json_object_set_new(o, "branch", json_string(v->branch ? v->branch : ""));
    json_object_set_new(o, "summary", json_string(v->summary ? v->summary : ""));
    json_object_set_new(o, "time", json_string(iso));
    json_object_set_new(o, "original", json_boolean(v->original));
    json_object_set_new(o, "accepted", json_boolean(v->accepted));
    json_object_set_new(o, "provenance", variants_provenance_to_json(&v->prov));
    return o;
}

/* ---- names ---- */

static char *model_slug(const char *model)
{
    SkBuf b = SK_BUF_INIT;
    for (const char *c = model; *c; c++) {
        if (*c == '/')
            sk_buf_puts(&b, "--");
        else if (*c == ':')
            sk_buf_putc(&b, '_');
        else
            sk_buf_putc(&b, *c);
    }
    return sk_buf_steal(&b);
}

char *variants_repo_dir(const char *home, const char *skill)
{
    char *h = home ? sk_strdup(home) : sk_home_dir();
    char *r = sk_asprintf("%s/variants/%s", h, skill);
    free(h);
    return r;
}

char *variants_branch(const char *harness, const char *model)
{
    char *slug = model_slug(model);
    char *b = sk_asprintf("%s/%s", harness, slug);
    free(slug);
    return b;
}

bool variants_valid_skill_name(const char *skill)
{
    if (!skill || !*skill || skill[0] == '.' || strlen(skill) > 200)
        return false;
    for (const char *c = skill; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '.' && *c != '_' && *c != '-')
            return false;
    return !sk_str_ends(skill, ".lock");
}

static SkStatus open_repo(const char *home, const char *skill, bool create, GitRepo **out,
                          SkError *err)
{
    if (!variants_valid_skill_name(skill))
        return sk_error_set(err, SK_ERR_INVALID,
                            "'%s' is not a usable skill name (letters, digits, '.', '_', '-')",
                            skill ? skill : "");
    char *dir = variants_repo_dir(home, skill);
    SkStatus s = gitrepo_open(dir, create, out, err);
    if (s == SK_ERR_NOT_FOUND)
        sk_error_set(err, SK_ERR_NOT_FOUND,
                     "no variants of skill '%s' (%s does not exist; compile it first with "
                     "'skvm compile DIR --model MODEL')",
                     skill, dir);
    free(dir);
    return s;
}

/* ---- commit ---- */

void variants_commit_result_done(VariantCommitResult *r)
{
    if (r) {
        free(r->branch);
        r->branch = NULL;
    }
}

static SkStatus record_in_store(const char *home, const VariantCommit *c, const char *commit,
                                const char *branch, SkError *err)
{
    char *h = home ? sk_strdup(home) : sk_home_dir();
    char *db = sk_asprintf("%s/skvm.db", h);
    free(h);
    Store *st = NULL;
    SkStatus s = store_open(db, &st, err);
    free(db);
    if (s != SK_OK)
        return s;
    StoreStmt *q = NULL;
    s = store_prepare(st,
                      "INSERT OR IGNORE INTO variants(commit_id, skill, branch, model, harness, "
                      "created_at, meta) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                      &q, err);
    if (s == SK_OK) {
        json_t *meta = variants_provenance_to_json(c->prov);
        json_object_set_new(meta, "summary", json_string(c->summary ? c->summary : ""));
        char *mt = js_dump_compact(meta);
        json_decref(meta);
        store_bind_text(q, 1, commit);
        store_bind_text(q, 2, c->skill);
        store_bind_text(q, 3, branch);
        store_bind_text(q, 4, c->prov->model);
        store_bind_text(q, 5, c->prov->harness);
        store_bind_int(q, 6, sk_wall_ms());
        store_bind_text(q, 7, mt);
        if (store_step(q, err) == STORE_ERROR)
            s = err ? err->code : SK_ERR_DB;
        free(mt);
        store_finalize(q);
    }
    store_close(st);
    return s;
}

static SkStatus commit_original(GitRepo *repo, const VariantCommit *c, char out[41],
                                SkError *err)
{
    char tree[41];
    SkStatus s = gitrepo_write_tree(repo, c->source_dir, tree, err);
    if (s != SK_OK)
        return s;
    char tip[41];
    SkError e2;
    if (gitrepo_branch_tip(repo, "main", tip, &e2) == SK_OK) {
        GitCommitInfo *ci = NULL;
        s = gitrepo_commit_info(repo, tip, &ci, err);
        if (s != SK_OK)
            return s;
        bool same = !strcmp(ci->tree, tree);
        gitrepo_commit_info_free(ci);
        if (same) {
            memcpy(out, tip, 41);
            return SK_OK;
        }
    }
    SkBuf m = SK_BUF_INIT;
    char short_hash[17] = "";
    const char *sh = c->prov && c->prov->source_hash ? c->prov->source_hash : "";
    snprintf(short_hash, sizeof short_hash, "%s", sh);
    sk_buf_printf(&m, "original: %s (%s)\n\nThe skill as written, imported from %s.\n\n",
                  c->skill, short_hash[0] ? short_hash : "unhashed", c->source_dir);
    sk_buf_printf(&m, "Skvm-Source-Hash: %s\n", sh);
    GitCommitOpts o = {.branch = "main", .tree = tree, .message = m.data};
    s = gitrepo_commit(repo, &o, out, err);
    sk_buf_done(&m);
    return s;
}

SkStatus variants_commit(const VariantCommit *c, VariantCommitResult *out, SkError *err)
{
    memset(out, 0, sizeof *out);
    if (!variants_valid_skill_name(c->skill))
        return sk_error_set(err, SK_ERR_INVALID, "'%s' is not a usable skill name",
                            c->skill ? c->skill : "");
    if (!c->prov || !c->prov->model || !c->prov->harness)
        return sk_error_set(err, SK_ERR_INVALID, "a variant needs a target model and harness");
    char *dir = variants_repo_dir(c->home, c->skill);
    char *lockp = sk_asprintf("%s.lock", dir);
    GitRepoLock *lock = NULL;
    SkStatus s = gitrepo_lock(lockp, c->lock_timeout_ms > 0 ? c->lock_timeout_ms
                                                            : VARIANTS_LOCK_TIMEOUT_MS,
                              &lock, err);
    free(lockp);
    if (s != SK_OK) {
        free(dir);
        return s;
    }
    GitRepo *repo = NULL;
    s = gitrepo_open(dir, true, &repo, err);
    free(dir);
    if (s == SK_OK)
        s = commit_original(repo, c, out->original, err);
    out->branch = variants_branch(c->prov->harness, c->prov->model);
    char tree[41];
    if (s == SK_OK)
        s = gitrepo_write_tree(repo, c->compiled_dir, tree, err);
    if (s == SK_OK) {
        char tip[41];
        SkError e2;
        bool unchanged = false;
        if (gitrepo_branch_tip(repo, out->branch, tip, &e2) == SK_OK) {
            GitCommitInfo *ci = NULL;
            s = gitrepo_commit_info(repo, tip, &ci, err);
            if (s == SK_OK) {
                VariantProvenance old;
                variants_provenance_from_message(ci->message, &old);
                unchanged = !strcmp(ci->tree, tree) && c->prov->input &&
                            !strcmp(old.input, c->prov->input);
                variants_provenance_done(&old);
                gitrepo_commit_info_free(ci);
                if (unchanged)
                    memcpy(out->commit, tip, 41);
            }
        }
        if (s == SK_OK && !unchanged) {
            SkBuf m = SK_BUF_INIT;
            sk_buf_printf(&m, "%s\n\n", c->summary ? c->summary : "compiled variant");
            if (c->body && *c->body) {
                sk_buf_puts(&m, c->body);
                if (!sk_str_ends(c->body, "\n"))
                    sk_buf_putc(&m, '\n');
                sk_buf_putc(&m, '\n');
            }
            append_trailers(&m, c->prov);
            GitCommitOpts o = {.branch = out->branch, .tree = tree, .message = m.data,
                               .start = out->original};
            s = gitrepo_commit(repo, &o, out->commit, err);
            sk_buf_done(&m);
            out->created = s == SK_OK;
        }
    }
    gitrepo_free(repo);
    gitrepo_unlock(lock);
    if (s == SK_OK && out->created)
        s = record_in_store(c->home, c, out->commit, out->branch, err);
    return s;
}

SkStatus variants_find_input(const char *home, const char *skill, const char *harness,
                             const char *model, const char *input, char out[41], SkError *err)
{
    GitRepo *repo = NULL;
    SkStatus s = open_repo(home, skill, false, &repo, err);
    if (s != SK_OK)
        return s;
    char *branch = variants_branch(harness, model);
    char tip[41];
    s = gitrepo_branch_tip(repo, branch, tip, err);
    if (s == SK_OK) {
        SkVec log;
        s = gitrepo_log(repo, tip, 200, &log, err);
        bool found = false;
        for (size_t i = 0; s == SK_OK && i < log.len && !found; i++) {
            GitCommitInfo *ci = log.items[i];
            VariantProvenance p;
            variants_provenance_from_message(ci->message, &p);
            if (!strcmp(p.input, input)) {
                memcpy(out, ci->id, 41);
                found = true;
            }
            variants_provenance_done(&p);
        }
        sk_vec_done(&log);
        if (s == SK_OK && !found)
            s = sk_error_set(err, SK_ERR_NOT_FOUND, "no variant with that input");
    }
    free(branch);
    gitrepo_free(repo);
    return s;
}

/* ---- listing ---- */

static VariantInfo *info_from_commit(const char *skill, const char *branch,
                                     const GitCommitInfo *ci)
{
    VariantInfo *v = sk_calloc(1, sizeof *v);
    memcpy(v->commit, ci->id, 41);
    v->skill = sk_strdup(skill);
    v->branch = sk_strdup(branch);
    v->summary = sk_strdup(ci->summary);
    v->message = sk_strdup(ci->message);
    v->time_ms = ci->time_ms;
    v->original = !strcmp(branch, "main");
    variants_provenance_from_message(ci->message, &v->prov);
    return v;
}

static void accepted_ids(GitRepo *repo, SkVec *ids)
{
    sk_vec_init(ids, free);
    SkVec tags;
    if (gitrepo_tags(repo, "accepted/*", &tags, NULL) != SK_OK) {
        sk_vec_done(&tags);
        return;
    }
    for (size_t i = 0; i < tags.len; i++) {
        char id[41];
        char *rev = sk_asprintf("refs/tags/%s", (char *)tags.items[i]);
        if (gitrepo_resolve(repo, rev, id, NULL) == SK_OK)
            sk_vec_push(ids, sk_strdup(id));
        free(rev);
    }
    sk_vec_done(&tags);
}

static bool in_ids(const SkVec *ids, const char *id)
{
    for (size_t i = 0; i < ids->len; i++)
        if (!strcmp(ids->items[i], id))
            return true;
    return false;
}

static void main_commit_ids(GitRepo *repo, SkVec *ids)
{
    sk_vec_init(ids, free);
    SkVec log;
    if (gitrepo_log(repo, "main", 0, &log, NULL) == SK_OK)
        for (size_t i = 0; i < log.len; i++)
            sk_vec_push(ids, sk_strdup(((GitCommitInfo *)log.items[i])->id));
    sk_vec_done(&log);
}

SkStatus variants_list(const char *home, const char *skill, SkVec *out, SkError *err)
{
    sk_vec_init(out, info_free_void);
    GitRepo *repo = NULL;
    SkStatus s = open_repo(home, skill, false, &repo, err);
    if (s != SK_OK)
        return s;
    SkVec branches, acc, main_ids;
    s = gitrepo_branches(repo, &branches, err);
    accepted_ids(repo, &acc);
    main_commit_ids(repo, &main_ids);
    /* main first, then the others in name order */
    for (int pass = 0; pass < 2 && s == SK_OK; pass++) {
        for (size_t b = 0; b < branches.len && s == SK_OK; b++) {
            const char *br = branches.items[b];
            if ((pass == 0) != !strcmp(br, "main"))
                continue;
            SkVec log;
            s = gitrepo_log(repo, br, 500, &log, err);
            for (size_t i = 0; s == SK_OK && i < log.len; i++) {
                if (pass == 1 && in_ids(&main_ids, ((GitCommitInfo *)log.items[i])->id))
                    continue; /* the original the branch started from */
                VariantInfo *v = info_from_commit(skill, br, log.items[i]);
                v->accepted = in_ids(&acc, v->commit);
                sk_vec_push(out, v);
            }
            sk_vec_done(&log);
        }
    }
    sk_vec_done(&branches);
    sk_vec_done(&acc);
    sk_vec_done(&main_ids);
    gitrepo_free(repo);
    return s;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

SkStatus variants_skills(const char *home, SkVec *out, SkError *err)
{
    sk_vec_init(out, free);
    char *h = home ? sk_strdup(home) : sk_home_dir();
    char *dir = sk_asprintf("%s/variants", h);
    free(h);
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (!variants_valid_skill_name(de->d_name))
                continue;
            char *p = sk_path_join(dir, de->d_name);
            if (sk_is_dir(p))
                sk_vec_push(out, sk_strdup(de->d_name));
            free(p);
        }
        closedir(d);
    }
    free(dir);
    sk_vec_sort(out, str_cmp);
    (void)err;
    return SK_OK;
}

static bool is_hex_id(const char *s)
{
    size_t n = strlen(s);
    if (n < 7 || n > 40)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

SkStatus variants_parse_ref(const char *home, const char *ref, char **skill, char **rev,
                            SkError *err)
{
    *skill = *rev = NULL;
    if (!ref || !*ref)
        return sk_error_set(err, SK_ERR_INVALID, "empty variant reference");
    const char *colon = strchr(ref, ':');
    if (colon) {
        *skill = sk_strndup(ref, (size_t)(colon - ref));
        *rev = sk_strdup(colon[1] ? colon + 1 : "main");
        if (!variants_valid_skill_name(*skill)) {
            SkStatus s = sk_error_set(err, SK_ERR_INVALID,
                                      "'%s': expected SKILL:REV (e.g. pdf:bare-agent/"
                                      "qwen--qwen3.5-9b, pdf:main, pdf:HEAD~1)",
                                      ref);
            free(*skill);
            free(*rev);
            *skill = *rev = NULL;
            return s;
        }
        return SK_OK;
    }
    char *dir = variants_repo_dir(home, ref);
    bool is_skill = variants_valid_skill_name(ref) && sk_is_dir(dir);
    free(dir);
    if (is_skill) {
        *skill = sk_strdup(ref);
        *rev = sk_strdup("main");
        return SK_OK;
    }
    if (is_hex_id(ref)) {
        SkVec skills;
        variants_skills(home, &skills, NULL);
        for (size_t i = 0; i < skills.len && !*skill; i++) {
            GitRepo *repo = NULL;
            if (open_repo(home, skills.items[i], false, &repo, NULL) != SK_OK)
                continue;
            char id[41];
            if (gitrepo_resolve(repo, ref, id, NULL) == SK_OK) {
                *skill = sk_strdup(skills.items[i]);
                *rev = sk_strdup(id);
            }
            gitrepo_free(repo);
        }
        sk_vec_done(&skills);
        if (*skill)
            return SK_OK;
        return sk_error_set(err, SK_ERR_NOT_FOUND, "no variant store has a commit '%s'", ref);
    }
    return sk_error_set(err, SK_ERR_NOT_FOUND,
                        "'%s' is neither a skill with variants nor a commit id; use SKILL:REV "
                        "(e.g. pdf:bare-agent/qwen--qwen3.5-9b)",
                        ref);
}

static SkStatus get_info(GitRepo *repo, const char *skill, const char *rev, VariantInfo **out,
                         SkError *err)
{
    *out = NULL;
    GitCommitInfo *ci = NULL;
    SkStatus s = gitrepo_commit_info(repo, rev, &ci, err);
    if (s != SK_OK)
        return s;
    /* which branch: the one whose history holds it (prefer a tip match) */
    SkVec branches;
    char *branch = NULL;
    if (gitrepo_branches(repo, &branches, NULL) == SK_OK) {
        /* main first: the original is in every branch's history */
        for (size_t b = 0; b < branches.len; b++)
            if (!strcmp(branches.items[b], "main") && b > 0) {
                void *t = branches.items[0];
                branches.items[0] = branches.items[b];
                branches.items[b] = t;
            }
        for (size_t b = 0; b < branches.len && !branch; b++) {
            SkVec log;
            if (gitrepo_log(repo, branches.items[b], 500, &log, NULL) == SK_OK)
                for (size_t i = 0; i < log.len && !branch; i++)
                    if (!strcmp(((GitCommitInfo *)log.items[i])->id, ci->id))
                        branch = sk_strdup(branches.items[b]);
            sk_vec_done(&log);
        }
    }
    sk_vec_done(&branches);
    VariantInfo *v = info_from_commit(skill, branch ? branch : "", ci);
    if (!branch) {
        VariantProvenance *p = &v->prov;
        v->original = !p->model[0];
    }
    free(branch);
    SkVec acc;
    accepted_ids(repo, &acc);
    v->accepted = in_ids(&acc, v->commit);
    sk_vec_done(&acc);
    gitrepo_commit_info_free(ci);
    *out = v;
    return SK_OK;
}

SkStatus variants_get(const char *home, const char *skill, const char *rev, VariantInfo **out,
                      SkError *err)
{
    *out = NULL;
    GitRepo *repo = NULL;
    SkStatus s = open_repo(home, skill, false, &repo, err);
    if (s == SK_OK)
        s = get_info(repo, skill, rev, out, err);
    gitrepo_free(repo);
    return s;
}

static json_t *read_artifact(GitRepo *repo, const char *rev, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    if (gitrepo_read_file(repo, rev, path, &text, &len, NULL) != SK_OK)
        return NULL;
    json_t *j = NULL;
    if (sk_str_ends(path, ".json") && js_parse(text, len, &j, NULL) == SK_OK) {
        free(text);
        return j;
    }
    j = json_string(text);
    free(text);
    return j;
}

static const char *const artifact_files[] = {
    "requirements.json", "gaps.json", "dependencies.json", "env-setup.sh", "plan.json",
    "pass-log.json",
};

SkStatus variants_show(const char *home, const char *skill, const char *rev, json_t **out,
                       SkError *err)
{
    *out = NULL;
    GitRepo *repo = NULL;
    SkStatus s = open_repo(home, skill, false, &repo, err);
    VariantInfo *v = NULL;
    if (s == SK_OK)
        s = get_info(repo, skill, rev, &v, err);
    if (s == SK_OK) {
        json_t *o = json_object();
        json_object_set_new(o, "variant", variants_info_to_json(v));
        json_object_set_new(o, "message", json_string(v->message));
        SkVec files;
        json_t *fa = json_array();
        if (gitrepo_list_files(repo, v->commit, &files, NULL) == SK_OK)
            for (size_t i = 0; i < files.len; i++)
                json_array_append_new(fa, json_string(files.items[i]));
        sk_vec_done(&files);
        json_object_set_new(o, "files", fa);
        json_t *arts = json_object();
        for (size_t i = 0; i < SK_ARRAY_LEN(artifact_files); i++) {
            char *p = sk_asprintf("_artifacts/%s", artifact_files[i]);
            json_t *a = read_artifact(repo, v->commit, p);
            if (a)
                json_object_set_new(arts, artifact_files[i], a);
            free(p);
        }
        json_object_set_new(o, "artifacts", arts);
        *out = o;
    }
    variants_info_free(v);
    gitrepo_free(repo);
    return s;
}

SkStatus variants_read_file(const char *home, const char *skill, const char *rev,
                            const char *path, char **out, SkError *err)
{
    *out = NULL;
    GitRepo *repo = NULL;
    SkStatus s = open_repo(home, skill, false, &repo, err);
    if (s == SK_OK)
        s = gitrepo_read_file(repo, rev, path, out, NULL, err);
    gitrepo_free(repo);
    return s;
}

SkStatus variants_checkout(const char *home, const char *skill, const char *rev,
                           const char *dir, SkError *err)
{
    GitRepo *repo = NULL;
    SkStatus s = open_repo(home, skill, false, &repo, err);
    if (s == SK_OK)
        s = gitrepo_checkout(repo, rev, dir, err);
    gitrepo_free(repo);
    return s;
}

/* ---- diff ---- */

/* Values of KEY in each object of ARR (strings), as a JSON array. */
static json_t *key_set(const json_t *arr, const char *key)
{
    json_t *out = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it) {
        const char *v = js_str(it, key, NULL);
        if (v)
            json_array_append_new(out, json_string(v));
    }
    return out;
}

static bool set_has(const json_t *set, const char *v)
{
    size_t i;
    json_t *it;
    json_array_foreach(set, i, it) if (sk_str_eq(json_string_value(it), v)) return true;
    return false;
}

static json_t *set_compare(const json_t *arr_a, const json_t *arr_b, const char *key)
{
    json_t *a = key_set(arr_a, key), *b = key_set(arr_b, key);
    json_t *only_a = json_array(), *only_b = json_array(), *both = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(a, i, it) {
        if (set_has(b, json_string_value(it)))
            json_array_append(both, it);
        else
            json_array_append(only_a, it);
    }
    json_array_foreach(b, i, it) if (!set_has(a, json_string_value(it)))
        json_array_append(only_b, it);
    json_decref(a);
    json_decref(b);
    json_t *o = json_object();
    json_object_set_new(o, "only_a", only_a);
    json_object_set_new(o, "only_b", only_b);
    json_object_set_new(o, "both", both);
    return o;
}

static json_t *artifact_list(GitRepo *repo, const char *rev, const char *file, const char *key)
{
    char *p = sk_asprintf("_artifacts/%s", file);
    json_t *j = read_artifact(repo, rev, p);
    free(p);
    json_t *arr = j ? js_arr(j, key) : NULL;
    json_t *out = arr ? json_incref(arr) : json_array();
    json_decref(j);
    return out;
}

static json_t *run_stats(const char *home, const char *commit)
{
    char *h = home ? sk_strdup(home) : sk_home_dir();
    char *db = sk_asprintf("%s/skvm.db", h);
    free(h);
    json_t *res = json_null();
    if (!sk_is_file(db)) {
        free(db);
        return res;
    }
    Store *st = NULL;
    if (store_open(db, &st, NULL) == SK_OK) {
        StoreStmt *q = NULL;
        if (store_prepare(st,
                          "SELECT COUNT(*), AVG(score), AVG(tokens_in + tokens_out), "
                          "AVG(ended_at - started_at) FROM runs WHERE variant = ?1 OR "
                          "(length(variant) >= 7 AND substr(?1, 1, length(variant)) = variant)",
                          &q, NULL) == SK_OK) {
            store_bind_text(q, 1, commit);
            if (store_step(q, NULL) == STORE_ROW && store_col_int(q, 0) > 0) {
                json_decref(res);
                res = json_object();
                json_object_set_new(res, "runs", json_integer(store_col_int(q, 0)));
                json_object_set_new(res, "score", store_col_is_null(q, 1)
                                                      ? json_null()
                                                      : json_real(store_col_double(q, 1)));
                json_object_set_new(res, "tokens", json_real(store_col_double(q, 2)));
                json_object_set_new(res, "latency_ms", store_col_is_null(q, 3)
                                                           ? json_null()
                                                           : json_real(store_col_double(q, 3)));
            }
            store_finalize(q);
        }
        store_close(st);
    }
    free(db);
    return res;
}

static json_t *delta_of(const json_t *a, const json_t *b, const char *key)
{
    json_t *x = json_object_get(a, key), *y = json_object_get(b, key);
    if (!json_is_number(x) || !json_is_number(y))
        return json_null();
    return json_real(json_number_value(y) - json_number_value(x));
}

static json_t *plan_summary(GitRepo *repo, const char *rev)
{
    json_t *j = read_artifact(repo, rev, "_artifacts/plan.json");
    json_t *o = json_object();
    json_t *steps = j ? js_arr(j, "steps") : NULL, *groups = j ? js_arr(j, "groups") : NULL;
    json_object_set_new(o, "steps", json_integer(steps ? (json_int_t)json_array_size(steps) : 0));
    json_object_set_new(o, "groups",
                        json_integer(groups ? (json_int_t)json_array_size(groups) : 0));
    json_object_set_new(o, "ideal_speedup", json_real(j ? js_num(j, "ideal_speedup", 1.0) : 1.0));
    json_decref(j);
    return o;
}

SkStatus variants_diff(const char *home, const char *skill, const char *rev_a,
                       const char *rev_b, json_t **out, SkError *err)
{
    *out = NULL;
    GitRepo *repo = NULL;
    VariantInfo *va = NULL, *vb = NULL;
    SkStatus s = open_repo(home, skill, false, &repo, err);
    if (s == SK_OK)
        s = get_info(repo, skill, rev_a, &va, err);
    if (s == SK_OK)
        s = get_info(repo, skill, rev_b, &vb, err);
    if (s != SK_OK)
        goto done;
    json_t *o = json_object();
    json_object_set_new(o, "a", variants_info_to_json(va));
    json_object_set_new(o, "b", variants_info_to_json(vb));
    SkVec files;
    json_t *fa = json_array();
    if (gitrepo_diff(repo, va->commit, vb->commit, &files, err) == SK_OK) {
        for (size_t i = 0; i < files.len; i++) {
            GitDiffEntry *e = files.items[i];
            char st[2] = {e->status, 0};
            json_t *f = json_object();
            json_object_set_new(f, "path", json_string(e->path));
            json_object_set_new(f, "status", json_string(st));
            json_array_append_new(fa, f);
        }
    }
    sk_vec_done(&files);
    json_object_set_new(o, "files", fa);

    json_t *md = json_object();
    char *unified = NULL;
    if (gitrepo_diff_text(repo, va->commit, vb->commit, "SKILL.md", 3, &unified, NULL) == SK_OK)
        json_object_set_new(md, "unified", json_string(unified));
    free(unified);
    SkVec lines;
    json_t *la = json_array();
    int added = 0, removed = 0;
    if (gitrepo_diff_lines(repo, va->commit, vb->commit, "SKILL.md", &lines, NULL) == SK_OK) {
        for (size_t i = 0; i < lines.len; i++) {
            GitDiffLine *l = lines.items[i];
            char og[2] = {l->origin, 0};
            json_array_append_new(la, json_pack("[s,i,i,s]", og, l->old_no, l->new_no,
                                                l->text));
            added += l->origin == '+';
            removed += l->origin == '-';
        }
    }
    sk_vec_done(&lines);
    json_object_set_new(md, "lines", la);
    json_object_set_new(md, "added", json_integer(added));
    json_object_set_new(md, "removed", json_integer(removed));
    json_object_set_new(o, "skill_md", md);

    json_t *arts = json_object();
    json_t *ga = artifact_list(repo, va->commit, "gaps.json", "gaps");
    json_t *gb = artifact_list(repo, vb->commit, "gaps.json", "gaps");
    json_object_set_new(arts, "gaps", set_compare(ga, gb, "primitive"));
    json_decref(ga);
    json_decref(gb);
    json_t *ra = artifact_list(repo, va->commit, "requirements.json", "requirements");
    json_t *rb = artifact_list(repo, vb->commit, "requirements.json", "requirements");
    json_object_set_new(arts, "requirements", set_compare(ra, rb, "primitive"));
    json_decref(ra);
    json_decref(rb);
    json_t *da = artifact_list(repo, va->commit, "dependencies.json", "dependencies");
    json_t *db = artifact_list(repo, vb->commit, "dependencies.json", "dependencies");
    json_object_set_new(arts, "dependencies", set_compare(da, db, "name"));
    json_decref(da);
    json_decref(db);
    json_t *plan = json_object();
    json_object_set_new(plan, "a", plan_summary(repo, va->commit));
    json_object_set_new(plan, "b", plan_summary(repo, vb->commit));
    json_object_set_new(arts, "plan", plan);
    json_object_set_new(o, "artifacts", arts);

    json_t *runs = json_object();
    json_t *rsa = run_stats(home, va->commit), *rsb = run_stats(home, vb->commit);
    json_t *delta = json_null();
    if (json_is_object(rsa) && json_is_object(rsb)) {
        delta = json_object();
        json_object_set_new(delta, "score", delta_of(rsa, rsb, "score"));
        json_object_set_new(delta, "tokens", delta_of(rsa, rsb, "tokens"));
        json_object_set_new(delta, "latency_ms", delta_of(rsa, rsb, "latency_ms"));
    }
    json_object_set_new(runs, "a", rsa);
    json_object_set_new(runs, "b", rsb);
    json_object_set_new(runs, "delta", delta);
    json_object_set_new(o, "runs", runs);
    *out = o;
done:
    variants_info_free(va);
    variants_info_free(vb);
    gitrepo_free(repo);
    return s;
}

/* ---- accept ---- */

SkStatus variants_accept(const char *home, const char *skill, const char *rev, char **tag_out,
                         SkError *err)
{
    if (tag_out)
        *tag_out = NULL;
    GitRepo *repo = NULL;
    VariantInfo *v = NULL;
    SkStatus s = open_repo(home, skill, false, &repo, err);
    if (s == SK_OK)
        s = get_info(repo, skill, rev, &v, err);
    if (s == SK_OK && (v->original || !v->prov.model[0] || !v->prov.harness[0]))
        s = sk_error_set(err, SK_ERR_INVALID,
                         "%s:%s is the original skill, not a compiled variant; only compiled "
                         "variants can be accepted",
                         skill, rev);
    if (s == SK_OK) {
        char *branch = variants_branch(v->prov.harness, v->prov.model);
        char *tag = sk_asprintf("accepted/%s", branch);
        char *msg = sk_asprintf("accept %s for %s (%s)\n\nSkvm-Accepted-Commit: %s\n", skill,
                                v->prov.model, v->prov.harness, v->commit);
        char *dir = variants_repo_dir(home, skill);
        char *lockp = sk_asprintf("%s.lock", dir);
        GitRepoLock *lock = NULL;
        s = gitrepo_lock(lockp, VARIANTS_LOCK_TIMEOUT_MS, &lock, err);
        if (s == SK_OK)
            s = gitrepo_tag_set(repo, tag, v->commit, msg, err);
        gitrepo_unlock(lock);
        if (s == SK_OK && tag_out)
            *tag_out = sk_strdup(tag);
        free(lockp);
        free(dir);
        free(msg);
        free(tag);
        free(branch);
    }
    variants_info_free(v);
    gitrepo_free(repo);
    return s;
}
