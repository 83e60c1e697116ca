/* gitrepo.c: the only module that uses libgit2 (see gitrepo.h). */
#include "core/gitrepo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

struct GitRepo {
    git_repository *repo;
    char *path;
};

struct GitRepoLock {
    char *path;
    int fd;
};

/* ---- helpers ---- */

static SkStatus gitrepo_fail(const GitRepo *r, SkError *err, SkStatus code, const char *what)
{
    const git_error *e = git_error_last();
    return sk_error_set(err, code, "%s: %s: %s", r ? r->path : "git", what,
                        e && e->message ? e->message : "unknown libgit2 error");
}

static void oid_hex(const git_oid *oid, char out[GITREPO_OID_HEX])
{
    git_oid_tostr(out, GITREPO_OID_HEX, oid);
}

static SkStatus resolve_commit(GitRepo *r, const char *rev, git_commit **out, SkError *err)
{
    *out = NULL;
    if (!rev || !*rev)
        return sk_error_set(err, SK_ERR_INVALID, "%s: empty revision", r->path);
    git_object *obj = NULL;
    int rc = git_revparse_single(&obj, r->repo, rev);
    if (rc == GIT_ENOTFOUND || rc == GIT_EAMBIGUOUS || rc == GIT_EINVALIDSPEC) {
        const git_error *e = git_error_last();
        return sk_error_set(err, rc == GIT_ENOTFOUND ? SK_ERR_NOT_FOUND : SK_ERR_INVALID,
                            "%s: revision '%s' %s%s%s", r->path, rev,
                            rc == GIT_ENOTFOUND ? "not found"
                            : rc == GIT_EAMBIGUOUS ? "is ambiguous"
                                                   : "is not valid",
                            e && e->message ? ": " : "", e && e->message ? e->message : "");
    }
    if (rc < 0)
        return gitrepo_fail(r, err, SK_ERR_GIT, "revparse");
    git_object *peeled = NULL;
    rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
    git_object_free(obj);
    if (rc < 0)
        return sk_error_set(err, SK_ERR_INVALID, "%s: revision '%s' does not name a commit",
                            r->path, rev);
    *out = (git_commit *)peeled;
    return SK_OK;
}

static SkStatus resolve_tree(GitRepo *r, const char *rev, git_tree **out, SkError *err)
{
    git_commit *c = NULL;
    SkStatus s = resolve_commit(r, rev, &c, err);
    if (s != SK_OK)
        return s;
    int rc = git_commit_tree(out, c);
    git_commit_free(c);
    return rc < 0 ? gitrepo_fail(r, err, SK_ERR_GIT, "read tree") : SK_OK;
}

/* ---- open ---- */

SkStatus gitrepo_open(const char *path, bool create, GitRepo **out, SkError *err)
{
    *out = NULL;
    git_libgit2_init();
    GitRepo *r = sk_calloc(1, sizeof *r);
    r->path = sk_strdup(path);
    int rc = git_repository_open_ext(&r->repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
    if (rc == GIT_ENOTFOUND && create) {
        git_repository_init_options o;
        git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
        o.flags = GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_BARE;
        o.initial_head = "main";
        o.description = "skvm variant store: the original skill on main, one branch per "
                        "<harness>/<model-slug>";
        rc = git_repository_init_ext(&r->repo, path, &o);
        if (rc < 0) {
            SkStatus s = gitrepo_fail(r, err, SK_ERR_GIT, "init");
            gitrepo_free(r);
            return s;
        }
    } else if (rc == GIT_ENOTFOUND) {
        sk_error_set(err, SK_ERR_NOT_FOUND, "%s: no variant repository here", path);
        gitrepo_free(r);
        return SK_ERR_NOT_FOUND;
    } else if (rc < 0) {
        SkStatus s = gitrepo_fail(r, err, SK_ERR_GIT, "open");
        gitrepo_free(r);
        return s;
    }
    *out = r;
    return SK_OK;
}

void gitrepo_free(GitRepo *r)
{
    if (!r)
        return;
    if (r->repo)
        git_repository_free(r->repo);
    free(r->path);
    free(r);
    git_libgit2_shutdown();
}

const char *gitrepo_path(const GitRepo *r)
{
    return r->path;
}

/* ---- write a folder as a tree ---- */

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static SkStatus write_tree_rec(GitRepo *r, const char *dir, git_oid *out, bool *empty,
                               SkError *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return sk_error_set(err, SK_ERR_IO, "%s: %s", dir, strerror(errno));
    SkVec names;
    sk_vec_init(&names, free);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
            !strcmp(de->d_name, ".git"))
            continue;
        sk_vec_push(&names, sk_strdup(de->d_name));
    }
    closedir(d);
    sk_vec_sort(&names, name_cmp);

    git_treebuilder *tb = NULL;
    if (git_treebuilder_new(&tb, r->repo, NULL) < 0) {
        sk_vec_done(&names);
        return gitrepo_fail(r, err, SK_ERR_GIT, "tree builder");
    }
    SkStatus s = SK_OK;
    size_t count = 0;
    for (size_t i = 0; i < names.len && s == SK_OK; i++) {
        const char *name = names.items[i];
        char *p = sk_path_join(dir, name);
        struct stat st;
        if (lstat(p, &st) != 0) {
            s = sk_error_set(err, SK_ERR_IO, "%s: %s", p, strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            git_oid sub;
            bool sub_empty = true;
            s = write_tree_rec(r, p, &sub, &sub_empty, err);
            if (s == SK_OK && !sub_empty) {
                if (git_treebuilder_insert(NULL, tb, name, &sub, GIT_FILEMODE_TREE) < 0)
                    s = gitrepo_fail(r, err, SK_ERR_GIT, "tree insert");
                count++;
            }
        } else if (S_ISREG(st.st_mode)) {
            char *data = NULL;
            size_t len = 0;
            s = sk_read_file(p, 0, &data, &len, err);
            if (s == SK_OK) {
                git_oid blob;
                if (git_blob_create_from_buffer(&blob, r->repo, data, len) < 0)
                    s = gitrepo_fail(r, err, SK_ERR_GIT, "write blob");
                else if (git_treebuilder_insert(NULL, tb, name, &blob,
                                                (st.st_mode & 0111)
                                                    ? GIT_FILEMODE_BLOB_EXECUTABLE
                                                    : GIT_FILEMODE_BLOB) < 0)
                    s = gitrepo_fail(r, err, SK_ERR_GIT, "tree insert");
                count++;
            }
            free(data);
        }
        free(p);
    }
    if (s == SK_OK && git_treebuilder_write(out, tb) < 0)
        s = gitrepo_fail(r, err, SK_ERR_GIT, "write tree");
    *empty = count == 0;
    git_treebuilder_free(tb);
    sk_vec_done(&names);
    return s;
}

SkStatus gitrepo_write_tree(GitRepo *r, const char *dir, char tree_out[GITREPO_OID_HEX],
                            SkError *err)
{
    if (!sk_is_dir(dir))
        return sk_error_set(err, SK_ERR_NOT_FOUND, "%s: not a folder", dir);
    git_oid oid;
    bool empty = true;
    SkStatus s = write_tree_rec(r, dir, &oid, &empty, err);
    if (s == SK_OK)
        oid_hex(&oid, tree_out);
    return s;
}

/* ---- commits and branches ---- */

SkStatus gitrepo_branch_tip(GitRepo *r, const char *branch, char out[GITREPO_OID_HEX],
                            SkError *err)
{
    char *refname = sk_asprintf("refs/heads/%s", branch);
    git_oid oid;
    int rc = git_reference_name_to_id(&oid, r->repo, refname);
    free(refname);
    if (rc == GIT_ENOTFOUND)
        return sk_error_set(err, SK_ERR_NOT_FOUND, "%s: no branch '%s'", r->path, branch);
    if (rc < 0)
        return gitrepo_fail(r, err, SK_ERR_GIT, "read branch");
    oid_hex(&oid, out);
    return SK_OK;
}

SkStatus gitrepo_commit(GitRepo *r, const GitCommitOpts *o, char commit_out[GITREPO_OID_HEX],
                        SkError *err)
{
    char *refname = sk_asprintf("refs/heads/%s", o->branch);
    if (!git_reference_is_valid_name(refname)) {
        SkStatus s = sk_error_set(err, SK_ERR_INVALID, "%s: '%s' is not a valid branch name",
                                  r->path, o->branch);
        free(refname);
        return s;
    }
    SkStatus s = SK_OK;
    git_oid tree_oid, parent_oid, commit_oid;
    git_tree *tree = NULL;
    git_commit *parent = NULL;
    git_signature *sig = NULL;
    bool has_parent = false;
    if (git_oid_fromstr(&tree_oid, o->tree) < 0 || git_tree_lookup(&tree, r->repo, &tree_oid) < 0) {
        s = gitrepo_fail(r, err, SK_ERR_GIT, "look up tree");
        goto out;
    }
    int rc = git_reference_name_to_id(&parent_oid, r->repo, refname);
    if (rc == 0) {
        has_parent = true;
        if (git_commit_lookup(&parent, r->repo, &parent_oid) < 0) {
            s = gitrepo_fail(r, err, SK_ERR_GIT, "look up branch tip");
            goto out;
        }
    } else if (rc != GIT_ENOTFOUND) {
        s = gitrepo_fail(r, err, SK_ERR_GIT, "read branch");
        goto out;
    } else if (o->start && *o->start) {
        git_oid start_oid;
        if (git_oid_fromstr(&start_oid, o->start) < 0 ||
            git_commit_lookup(&parent, r->repo, &start_oid) < 0) {
            s = gitrepo_fail(r, err, SK_ERR_GIT, "look up start commit");
            goto out;
        }
    }
    int64_t when = o->when_ms ? o->when_ms : sk_wall_ms();
    if (git_signature_new(&sig, o->author ? o->author : "skvm",
                          o->email ? o->email : "skvm@localhost", (git_time_t)(when / 1000),
                          0) < 0) {
        s = gitrepo_fail(r, err, SK_ERR_GIT, "signature");
        goto out;
    }
    const git_commit *parents[1] = {parent};
    if (git_commit_create(&commit_oid, r->repo, NULL, sig, sig, "UTF-8", o->message, tree,
                          parent ? 1 : 0, parents) < 0) {
        s = gitrepo_fail(r, err, SK_ERR_GIT, "create commit");
        goto out;
    }
    git_reference *ref = NULL;
    char *logmsg = sk_asprintf("skvm: commit on %s", o->branch);
    if (has_parent)
        rc = git_reference_create_matching(&ref, r->repo, refname, &commit_oid, 1, &parent_oid,
                                           logmsg);
    else
        rc = git_reference_create(&ref, r->repo, refname, &commit_oid, 0, logmsg);
    free(logmsg);
    if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS || rc == GIT_ELOCKED) {
        s = sk_error_set(err, SK_ERR_BUSY,
                         "%s: branch '%s' was moved by someone else while committing", r->path,
                         o->branch);
        goto out;
    }
    if (rc < 0) {
        s = gitrepo_fail(r, err, SK_ERR_GIT, "update branch");
        goto out;
    }
    git_reference_free(ref);
    oid_hex(&commit_oid, commit_out);
out:
    git_signature_free(sig);
    git_commit_free(parent);
    git_tree_free(tree);
    free(refname);
    return s;
}

SkStatus gitrepo_resolve(GitRepo *r, const char *rev, char out[GITREPO_OID_HEX], SkError *err)
{
    git_commit *c = NULL;
    SkStatus s = resolve_commit(r, rev, &c, err);
    if (s != SK_OK)
        return s;
    oid_hex(git_commit_id(c), out);
    git_commit_free(c);
    return SK_OK;
}

void gitrepo_commit_info_free(GitCommitInfo *c)
{
    if (!c)
        return;
    free(c->message);
    free(c->summary);
    free(c->author);
    free(c);
}

static GitCommitInfo *info_from_commit(git_commit *c)
{
    GitCommitInfo *i = sk_calloc(1, sizeof *i);
    oid_hex(git_commit_id(c), i->id);
    oid_hex(git_commit_tree_id(c), i->tree);
    if (git_commit_parentcount(c) > 0)
        oid_hex(git_commit_parent_id(c, 0), i->parent);
    const char *m = git_commit_message(c);
    i->message = sk_strdup(m ? m : "");
    const char *nl = strchr(i->message, '\n');
    i->summary = nl ? sk_strndup(i->message, (size_t)(nl - i->message)) : sk_strdup(i->message);
    const git_signature *a = git_commit_author(c);
    i->author = sk_strdup(a && a->name ? a->name : "");
    i->time_ms = (int64_t)git_commit_time(c) * 1000;
    return i;
}

SkStatus gitrepo_commit_info(GitRepo *r, const char *rev, GitCommitInfo **out, SkError *err)
{
    *out = NULL;
    git_commit *c = NULL;
    SkStatus s = resolve_commit(r, rev, &c, err);
    if (s != SK_OK)
        return s;
    *out = info_from_commit(c);
    git_commit_free(c);
    return SK_OK;
}

static void commit_info_free_void(void *p)
{
    gitrepo_commit_info_free(p);
}

SkStatus gitrepo_log(GitRepo *r, const char *rev, size_t max, SkVec *out, SkError *err)
{
    sk_vec_init(out, commit_info_free_void);
    git_commit *start = NULL;
    SkStatus s = resolve_commit(r, rev, &start, err);
    if (s != SK_OK)
        return s;
    git_revwalk *walk = NULL;
    if (git_revwalk_new(&walk, r->repo) < 0) {
        git_commit_free(start);
        return gitrepo_fail(r, err, SK_ERR_GIT, "revwalk");
    }
    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
    git_revwalk_push(walk, git_commit_id(start));
    git_commit_free(start);
    git_oid oid;
    while ((max == 0 || out->len < max) && git_revwalk_next(&oid, walk) == 0) {
        git_commit *c = NULL;
        if (git_commit_lookup(&c, r->repo, &oid) < 0) {
            s = gitrepo_fail(r, err, SK_ERR_GIT, "read commit");
            break;
        }
        sk_vec_push(out, info_from_commit(c));
        git_commit_free(c);
    }
    git_revwalk_free(walk);
    return s;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

SkStatus gitrepo_branches(GitRepo *r, SkVec *out, SkError *err)
{
    sk_vec_init(out, free);
    git_branch_iterator *it = NULL;
    if (git_branch_iterator_new(&it, r->repo, GIT_BRANCH_LOCAL) < 0)
        return gitrepo_fail(r, err, SK_ERR_GIT, "list branches");
    git_reference *ref = NULL;
    git_branch_t type;
    while (git_branch_next(&ref, &type, it) == 0) {
        const char *name = NULL;
        if (git_branch_name(&name, ref) == 0 && name)
            sk_vec_push(out, sk_strdup(name));
        git_reference_free(ref);
    }
    git_branch_iterator_free(it);
    sk_vec_sort(out, str_cmp);
    return SK_OK;
}

SkStatus gitrepo_tags(GitRepo *r, const char *pattern, SkVec *out, SkError *err)
{
    sk_vec_init(out, free);
    git_strarray names = {0};
    if (git_tag_list_match(&names, pattern ? pattern : "*", r->repo) < 0)
        return gitrepo_fail(r, err, SK_ERR_GIT, "list tags");
    for (size_t i = 0; i < names.count; i++)
        sk_vec_push(out, sk_strdup(names.strings[i]));
    git_strarray_dispose(&names);
    sk_vec_sort(out, str_cmp);
    return SK_OK;
}

SkStatus gitrepo_tag_set(GitRepo *r, const char *name, const char *rev, const char *message,
                         SkError *err)
{
    char *refname = sk_asprintf("refs/tags/%s", name);
    bool ok = git_reference_is_valid_name(refname);
    free(refname);
    if (!ok)
        return sk_error_set(err, SK_ERR_INVALID, "%s: '%s' is not a valid tag name", r->path,
                            name);
    git_commit *c = NULL;
    SkStatus s = resolve_commit(r, rev, &c, err);
    if (s != SK_OK)
        return s;
    git_signature *sig = NULL;
    git_oid oid;
    if (git_signature_new(&sig, "skvm", "skvm@localhost", (git_time_t)(sk_wall_ms() / 1000),
                          0) < 0)
        s = gitrepo_fail(r, err, SK_ERR_GIT, "signature");
    else if (git_tag_create(&oid, r->repo, name, (const git_object *)c, sig,
                            message ? message : "", 1) < 0)
        s = gitrepo_fail(r, err, SK_ERR_GIT, "create tag");
    git_signature_free(sig);
    git_commit_free(c);
    return s;
}

/* ---- reading trees ---- */

static SkStatus checkout_rec(GitRepo *r, git_tree *tree, const char *dir, SkError *err)
{
    SkStatus s = sk_mkdir_p(dir, err);
    size_t n = git_tree_entrycount(tree);
    for (size_t i = 0; i < n && s == SK_OK; i++) {
        const git_tree_entry *e = git_tree_entry_byindex(tree, i);
        const char *name = git_tree_entry_name(e);
        if (!strcmp(name, ".") || !strcmp(name, "..") || strchr(name, '/'))
            continue; /* never write outside DIR */
        char *p = sk_path_join(dir, name);
        git_object *obj = NULL;
        if (git_tree_entry_to_object(&obj, r->repo, e) < 0) {
            s = gitrepo_fail(r, err, SK_ERR_GIT, "read tree entry");
        } else if (git_object_type(obj) == GIT_OBJECT_TREE) {
            s = checkout_rec(r, (git_tree *)obj, p, err);
        } else if (git_object_type(obj) == GIT_OBJECT_BLOB) {
            git_blob *b = (git_blob *)obj;
            s = sk_write_file_atomic(p, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b),
                                     err);
            if (s == SK_OK)
                chmod(p, git_tree_entry_filemode(e) == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755
                                                                                     : 0644);
        }
        git_object_free(obj);
        free(p);
    }
    return s;
}

SkStatus gitrepo_checkout(GitRepo *r, const char *rev, const char *dir, SkError *err)
{
    git_tree *tree = NULL;
    SkStatus s = resolve_tree(r, rev, &tree, err);
    if (s != SK_OK)
        return s;
    s = checkout_rec(r, tree, dir, err);
    git_tree_free(tree);
    return s;
}

static SkStatus read_blob_at(GitRepo *r, git_tree *tree, const char *path, char **out,
                             size_t *len, SkError *err)
{
    git_tree_entry *e = NULL;
    int rc = git_tree_entry_bypath(&e, tree, path);
    if (rc == GIT_ENOTFOUND)
        return sk_error_set(err, SK_ERR_NOT_FOUND, "%s: no file '%s' in that variant", r->path,
                            path);
    if (rc < 0)
        return gitrepo_fail(r, err, SK_ERR_GIT, "look up path");
    git_object *obj = NULL;
    SkStatus s = SK_OK;
    if (git_tree_entry_to_object(&obj, r->repo, e) < 0 ||
        git_object_type(obj) != GIT_OBJECT_BLOB) {
        s = sk_error_set(err, SK_ERR_INVALID, "%s: '%s' is not a file", r->path, path);
    } else {
        git_blob *b = (git_blob *)obj;
        size_t n = (size_t)git_blob_rawsize(b);
        char *buf = sk_malloc(n + 1);
        memcpy(buf, git_blob_rawcontent(b), n);
        buf[n] = '\0';
        *out = buf;
        if (len)
            *len = n;
    }
    git_object_free(obj);
    git_tree_entry_free(e);
    return s;
}

SkStatus gitrepo_read_file(GitRepo *r, const char *rev, const char *path, char **out,
                           size_t *len, SkError *err)
{
    *out = NULL;
    git_tree *tree = NULL;
    SkStatus s = resolve_tree(r, rev, &tree, err);
    if (s != SK_OK)
        return s;
    s = read_blob_at(r, tree, path, out, len, err);
    git_tree_free(tree);
    return s;
}

typedef struct ListCtx {
    SkVec *out;
} ListCtx;

static int list_cb(const char *root, const git_tree_entry *e, void *payload)
{
    ListCtx *lc = payload;
    if (git_tree_entry_type(e) == GIT_OBJECT_BLOB)
        sk_vec_push(lc->out, sk_asprintf("%s%s", root, git_tree_entry_name(e)));
    return 0;
}

SkStatus gitrepo_list_files(GitRepo *r, const char *rev, SkVec *out, SkError *err)
{
    sk_vec_init(out, free);
    git_tree *tree = NULL;
    SkStatus s = resolve_tree(r, rev, &tree, err);
    if (s != SK_OK)
        return s;
    ListCtx lc = {out};
    if (git_tree_walk(tree, GIT_TREEWALK_PRE, list_cb, &lc) < 0)
        s = gitrepo_fail(r, err, SK_ERR_GIT, "walk tree");
    git_tree_free(tree);
    sk_vec_sort(out, str_cmp);
    return s;
}

/* ---- diffs ---- */

static void diff_entry_free(void *p)
{
    GitDiffEntry *e = p;
    free(e->path);
    free(e->old_path);
    free(e);
}

static int diff_entry_cmp(const void *a, const void *b)
{
    const GitDiffEntry *x = *(GitDiffEntry *const *)a, *y = *(GitDiffEntry *const *)b;
    return strcmp(x->path, y->path);
}

static SkStatus make_diff(GitRepo *r, const char *rev_a, const char *rev_b, const char *path,
                          int context, git_diff **out, SkError *err)
{
    git_tree *ta = NULL, *tb = NULL;
    SkStatus s = resolve_tree(r, rev_a, &ta, err);
    if (s == SK_OK)
        s = resolve_tree(r, rev_b, &tb, err);
    if (s == SK_OK) {
        git_diff_options o;
        git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
        char *spec[1] = {(char *)path};
        if (path) {
            o.pathspec.strings = spec;
            o.pathspec.count = 1;
            o.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH;
        }
        o.context_lines = (uint32_t)(context < 0 ? 3 : context);
        if (git_diff_tree_to_tree(out, r->repo, ta, tb, &o) < 0)
            s = gitrepo_fail(r, err, SK_ERR_GIT, "diff");
    }
    git_tree_free(ta);
    git_tree_free(tb);
    return s;
}

SkStatus gitrepo_diff(GitRepo *r, const char *rev_a, const char *rev_b, SkVec *out,
                      SkError *err)
{
    sk_vec_init(out, diff_entry_free);
    git_diff *d = NULL;
    SkStatus s = make_diff(r, rev_a, rev_b, NULL, 3, &d, err);
    if (s != SK_OK)
        return s;
    size_t n = git_diff_num_deltas(d);
    for (size_t i = 0; i < n; i++) {
        const git_diff_delta *dd = git_diff_get_delta(d, i);
        GitDiffEntry *e = sk_calloc(1, sizeof *e);
        switch (dd->status) {
        case GIT_DELTA_ADDED: e->status = 'A'; break;
        case GIT_DELTA_DELETED: e->status = 'D'; break;
        case GIT_DELTA_RENAMED: e->status = 'R'; break;
        case GIT_DELTA_TYPECHANGE: e->status = 'T'; break;
        default: e->status = 'M'; break;
        }
        const char *np = dd->new_file.path ? dd->new_file.path : dd->old_file.path;
        e->path = sk_strdup(dd->status == GIT_DELTA_DELETED && dd->old_file.path
                                ? dd->old_file.path
                                : np);
        e->old_path = sk_strdup(dd->old_file.path ? dd->old_file.path : e->path);
        sk_vec_push(out, e);
    }
    git_diff_free(d);
    sk_vec_sort(out, diff_entry_cmp);
    return SK_OK;
}

SkStatus gitrepo_diff_text(GitRepo *r, const char *rev_a, const char *rev_b, const char *path,
                           int context, char **out, SkError *err)
{
    *out = NULL;
    git_diff *d = NULL;
    SkStatus s = make_diff(r, rev_a, rev_b, path, context, &d, err);
    if (s != SK_OK)
        return s;
    git_buf buf = {0};
    if (git_diff_to_buf(&buf, d, GIT_DIFF_FORMAT_PATCH) < 0) {
        s = gitrepo_fail(r, err, SK_ERR_GIT, "format diff");
    } else {
        *out = sk_strndup(buf.ptr ? buf.ptr : "", buf.size);
    }
    git_buf_dispose(&buf);
    git_diff_free(d);
    return s;
}

static void diff_line_free(void *p)
{
    GitDiffLine *l = p;
    free(l->text);
    free(l);
}

static void push_line(SkVec *out, char origin, int old_no, int new_no, const char *t, size_t n)
{
    while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == '\r'))
        n--;
    GitDiffLine *l = sk_calloc(1, sizeof *l);
    l->origin = origin;
    l->old_no = old_no;
    l->new_no = new_no;
    l->text = sk_strndup(t, n);
    sk_vec_push(out, l);
}

/* Split TEXT into lines; pushes (start, len) pairs. */
static size_t count_lines(const char *t)
{
    size_t n = 0;
    for (const char *p = t; *p;) {
        const char *nl = strchr(p, '\n');
        n++;
        if (!nl)
            break;
        p = nl + 1;
    }
    return n;
}

static const char *line_at(const char *t, size_t idx, size_t *len)
{
    const char *p = t;
    for (size_t i = 0; i < idx && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!p || !*p) {
        *len = 0;
        return "";
    }
    const char *nl = strchr(p, '\n');
    *len = nl ? (size_t)(nl - p) : strlen(p);
    return p;
}

SkStatus gitrepo_diff_lines(GitRepo *r, const char *rev_a, const char *rev_b, const char *path,
                            SkVec *out, SkError *err)
{
    sk_vec_init(out, diff_line_free);
    char *a = NULL, *b = NULL;
    SkStatus s = gitrepo_read_file(r, rev_a, path, &a, NULL, err);
    if (s == SK_ERR_NOT_FOUND) {
        a = sk_strdup("");
        s = SK_OK;
    }
    if (s != SK_OK)
        return s;
    s = gitrepo_read_file(r, rev_b, path, &b, NULL, err);
    if (s == SK_ERR_NOT_FOUND) {
        b = sk_strdup("");
        s = SK_OK;
    }
    if (s != SK_OK) {
        free(a);
        return s;
    }
    git_patch *patch = NULL;
    git_diff_options o;
    git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
    o.context_lines = 0;
    if (git_patch_from_buffers(&patch, a, strlen(a), path, b, strlen(b), path, &o) < 0) {
        s = gitrepo_fail(r, err, SK_ERR_GIT, "diff buffers");
        goto done;
    }
    /* Walk the hunks; copy unchanged lines between them from A (and B) in step. */
    size_t na = count_lines(a), nb = count_lines(b);
    int ia = 1, ib = 1; /* next unconsumed line numbers */
    size_t nh = git_patch_num_hunks(patch);
    for (size_t h = 0; h <= nh; h++) {
        int stop_a = (int)na + 1, stop_b = (int)nb + 1;
        size_t nlines = 0;
        const git_diff_hunk *hunk = NULL;
        if (h < nh) {
            git_patch_get_hunk(&hunk, &nlines, patch, h);
            /* a hunk with old_lines == 0 starts after old_start */
            stop_a = hunk->old_lines == 0 ? hunk->old_start + 1 : hunk->old_start;
            stop_b = hunk->new_lines == 0 ? hunk->new_start + 1 : hunk->new_start;
        }
        while (ia < stop_a && ib < stop_b) {
            size_t len;
            const char *t = line_at(a, (size_t)ia - 1, &len);
            push_line(out, ' ', ia, ib, t, len);
            ia++;
            ib++;
        }
        if (h == nh)
            break;
        for (size_t l = 0; l < nlines; l++) {
            const git_diff_line *dl = NULL;
            if (git_patch_get_line_in_hunk(&dl, patch, h, l) < 0)
                continue;
            if (dl->origin == GIT_DIFF_LINE_DELETION) {
                push_line(out, '-', dl->old_lineno, -1, dl->content, dl->content_len);
                ia = dl->old_lineno + 1;
            } else if (dl->origin == GIT_DIFF_LINE_ADDITION) {
                push_line(out, '+', -1, dl->new_lineno, dl->content, dl->content_len);
                ib = dl->new_lineno + 1;
            }
        }
    }
done:
    git_patch_free(patch);
    free(a);
    free(b);
    return s;
}

/* ---- lock file ---- */

static bool pid_alive(long pid)
{
    if (pid <= 0)
        return false;
    if (kill((pid_t)pid, 0) == 0)
        return true;
    return errno == EPERM;
}

SkStatus gitrepo_lock(const char *path, int timeout_ms, GitRepoLock **out, SkError *err)
{
    *out = NULL;
    char *dir = sk_path_dir(path);
    SkStatus s = sk_mkdir_p(dir, err);
    free(dir);
    if (s != SK_OK)
        return s;
    int64_t deadline = sk_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            char buf[64];
            int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
            if (write(fd, buf, (size_t)n) != n) {
                close(fd);
                unlink(path);
                return sk_error_set(err, SK_ERR_IO, "%s: cannot write the lock file: %s",
                                    path, strerror(errno));
            }
            GitRepoLock *l = sk_calloc(1, sizeof *l);
            l->path = sk_strdup(path);
            l->fd = fd;
            *out = l;
            return SK_OK;
        }
        if (errno != EEXIST)
            return sk_error_set(err, SK_ERR_IO, "%s: cannot create the lock file: %s", path,
                                strerror(errno));
        char *text = NULL;
        long pid = 0;
        if (sk_read_file(path, 4096, &text, NULL, NULL) == SK_OK) {
            pid = strtol(text, NULL, 10);
            free(text);
        } else {
            /* vanished between open and read: try again at once */
            continue;
        }
        if (pid == 0) {
            /* being written right now by its owner: give it a moment */
            struct timespec ts = {0, 5 * 1000 * 1000};
            nanosleep(&ts, NULL);
            if (sk_now_ms() < deadline)
                continue;
        }
        if (pid > 0 && !pid_alive(pid))
            return sk_error_set(err, SK_ERR_BUSY,
                                "%s: stale lock left by process %ld, which is no longer "
                                "running. If no other skvm is working on this variant store, "
                                "remove it with: rm '%s'",
                                path, pid, path);
        if (sk_now_ms() >= deadline)
            return sk_error_set(err, SK_ERR_BUSY,
                                "%s: locked by running process %ld (another compile?); try "
                                "again when it has finished",
                                path, pid);
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

void gitrepo_unlock(GitRepoLock *lock)
{
    if (!lock)
        return;
    close(lock->fd);
    unlink(lock->path);
    free(lock->path);
    free(lock);
}
