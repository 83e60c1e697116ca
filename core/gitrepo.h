/* gitrepo.h: the only module that uses libgit2.
 *
 * A thin, value-oriented layer over a bare git repository: write a folder as a tree,
 * commit a tree on a branch, resolve any revision git understands, read a commit's tree
 * back into a folder or one file, list branches, commits and tags, diff two commits (a
 * file-level list, the unified text of one file, and aligned lines for side-by-side
 * views), and an inter-process lock file. Object ids are 40-hex-digit strings.
 *
 * Thread-safety: a GitRepo handle is used by one thread at a time; several handles on the
 * same repository (in one process or several) are safe as long as writers hold the lock
 * (gitrepo_lock). Every error message names the repository. */
#ifndef SKVM_CORE_GITREPO_H
#define SKVM_CORE_GITREPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

#define GITREPO_OID_HEX 41 /* 40 hex digits + NUL */

typedef struct GitRepo GitRepo;

/* Open the bare repository at PATH. With CREATE, a missing repository is initialized
 * (bare, HEAD -> refs/heads/main, parent folders created). SK_ERR_NOT_FOUND when absent and
 * not CREATE; SK_ERR_GIT when PATH is not a repository. */
SkStatus gitrepo_open(const char *path, bool create, GitRepo **out, SkError *err);
void gitrepo_free(GitRepo *r); /* NULL is a no-op */
const char *gitrepo_path(const GitRepo *r);

/* Write the folder DIR (recursively; ".git" folders and symlinks skipped, empty folders
 * dropped, the executable bit kept) as a tree; its id goes to TREE_OUT. */
SkStatus gitrepo_write_tree(GitRepo *r, const char *dir, char tree_out[GITREPO_OID_HEX],
                            SkError *err);

typedef struct GitCommitOpts {
    const char *branch;   /* short name ("main", "bare-agent/qwen--qwen3.5-9b") */
    const char *tree;     /* tree id from gitrepo_write_tree */
    const char *message;  /* full message (summary line, blank line, body/trailers) */
    const char *author;   /* NULL: "skvm" */
    const char *email;    /* NULL: "skvm@localhost" */
    int64_t when_ms;      /* 0: sk_wall_ms() */
    const char *start;    /* parent when BRANCH does not exist yet (a commit id); NULL: a
                             root commit */
} GitCommitOpts;

/* Commit TREE on BRANCH with the branch tip (else START, else none) as parent and move
 * the branch. The
 * branch is moved only if it still points where it did (else SK_ERR_BUSY). */
SkStatus gitrepo_commit(GitRepo *r, const GitCommitOpts *o, char commit_out[GITREPO_OID_HEX],
                        SkError *err);

/* Tip of BRANCH (short name); SK_ERR_NOT_FOUND when the branch does not exist. */
SkStatus gitrepo_branch_tip(GitRepo *r, const char *branch, char out[GITREPO_OID_HEX],
                            SkError *err);
/* Resolve any revision git understands ("main", "bare-agent/x~1", "accepted/...", an
 * abbreviated id, "HEAD^{tree}" is refused: the result must peel to a commit).
 * SK_ERR_NOT_FOUND when it names nothing. */
SkStatus gitrepo_resolve(GitRepo *r, const char *rev, char out[GITREPO_OID_HEX], SkError *err);

typedef struct GitCommitInfo {
    char id[GITREPO_OID_HEX];
    char tree[GITREPO_OID_HEX];
    char parent[GITREPO_OID_HEX]; /* "" for a root commit */
    char *message;                /* full message */
    char *summary;                /* first line */
    char *author;
    int64_t time_ms;
} GitCommitInfo;

void gitrepo_commit_info_free(GitCommitInfo *c); /* frees the struct too; NULL ok */
/* Details of the commit REV resolves to. *OUT is owned by the caller. */
SkStatus gitrepo_commit_info(GitRepo *r, const char *rev, GitCommitInfo **out, SkError *err);
/* Commits reachable from REV, newest first (at most MAX, 0 = all), into OUT (GitCommitInfo *,
 * the vector is initialized here and owns them). */
SkStatus gitrepo_log(GitRepo *r, const char *rev, size_t max, SkVec *out, SkError *err);
/* Local branch short names, sorted, into OUT (char *, owned; initialized here). */
SkStatus gitrepo_branches(GitRepo *r, SkVec *out, SkError *err);
/* Tags matching the glob PATTERN (NULL: all), sorted, into OUT (char *, owned). */
SkStatus gitrepo_tags(GitRepo *r, const char *pattern, SkVec *out, SkError *err);
/* Create or move the annotated tag NAME to the commit REV resolves to, with MESSAGE. */
SkStatus gitrepo_tag_set(GitRepo *r, const char *name, const char *rev, const char *message,
                         SkError *err);

/* Write the tree of the commit REV into folder DIR (created; existing files overwritten). */
SkStatus gitrepo_checkout(GitRepo *r, const char *rev, const char *dir, SkError *err);
/* Read the file PATH of commit REV. *OUT is NUL-terminated (free() it). SK_ERR_NOT_FOUND
 * when the commit has no such file. */
SkStatus gitrepo_read_file(GitRepo *r, const char *rev, const char *path, char **out,
                           size_t *len, SkError *err);
/* Paths of every file in commit REV, sorted (char *, owned; OUT initialized here). */
SkStatus gitrepo_list_files(GitRepo *r, const char *rev, SkVec *out, SkError *err);

typedef struct GitDiffEntry {
    char status; /* 'A' added, 'D' deleted, 'M' modified, 'R' renamed, 'T' type change */
    char *path;  /* new path (old path when deleted) */
    char *old_path;
} GitDiffEntry;

/* Files that differ between commits A and B, sorted by path (GitDiffEntry *, owned). */
SkStatus gitrepo_diff(GitRepo *r, const char *rev_a, const char *rev_b, SkVec *out,
                      SkError *err);
/* Unified diff text of PATH between A and B with CONTEXT lines (""-string when equal). */
SkStatus gitrepo_diff_text(GitRepo *r, const char *rev_a, const char *rev_b, const char *path,
                           int context, char **out, SkError *err);

typedef struct GitDiffLine {
    char origin;  /* ' ' both, '-' only in A, '+' only in B */
    int old_no;   /* 1-based line in A, -1 when absent */
    int new_no;   /* 1-based line in B, -1 when absent */
    char *text;   /* the line without its newline */
} GitDiffLine;

/* The whole file PATH of A and B as aligned lines (every line of both, in order: unchanged
 * lines once with both numbers, removed and added lines between them). GitDiffLine *, owned.
 * A missing side counts as an empty file. */
SkStatus gitrepo_diff_lines(GitRepo *r, const char *rev_a, const char *rev_b, const char *path,
                            SkVec *out, SkError *err);

/* ---- inter-process lock: a file holding the owner's pid ---- */
typedef struct GitRepoLock GitRepoLock;

/* Take the lock file PATH, waiting up to TIMEOUT_MS while a live process holds it
 * (SK_ERR_BUSY when it does not free up). A lock left by a process that no longer runs is
 * NOT broken: SK_ERR_BUSY with a message naming the file, the dead pid and the command to
 * remove it. */
SkStatus gitrepo_lock(const char *path, int timeout_ms, GitRepoLock **out, SkError *err);
/* Release and free (NULL is a no-op). */
void gitrepo_unlock(GitRepoLock *lock);

#endif
