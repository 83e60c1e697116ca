/* test_gitrepo.c: the libgit2 layer (trees, commits, revisions, diffs, tags, lock), checked
 * with the real git command line where it is installed. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/gitrepo.h"
#include "core/util.h"
#include "tests/testlib.h"

static char *fresh(const char *name)
{
    char *p = sk_path_join(tl_tmpdir(), name);
    sk_rm_rf(p, NULL);
    return p;
}

static bool have_git(void)
{
    char *out = NULL;
    int rc = tl_run("git --version", true, &out);
    free(out);
    return rc == 0;
}

static void commit_dir(GitRepo *r, const char *branch, const char *dir, const char *msg,
                       char out[GITREPO_OID_HEX])
{
    char tree[GITREPO_OID_HEX];
    SkError err;
    ck_assert_int_eq(gitrepo_write_tree(r, dir, tree, &err), SK_OK);
    GitCommitOpts o = {.branch = branch, .tree = tree, .message = msg};
    ck_assert_msg(gitrepo_commit(r, &o, out, &err) == SK_OK, "%s", err.msg);
}

START_TEST(test_commit_and_read)
{
    char *repo_dir = fresh("repo1");
    char *src = fresh("src1");
    tl_write(src, "SKILL.md", "---\nname: x\n---\n# X\nline a\n");
    tl_write(src, "scripts/run.sh", "#!/bin/sh\necho hi\n");
    tl_write(src, ".git/ignored", "not copied");
    char *exe = sk_path_join(src, "scripts/run.sh");
    chmod(exe, 0755);
    char *empty = sk_path_join(src, "empty");
    sk_mkdir_p(empty, NULL);

    GitRepo *r = NULL;
    SkError err;
    ck_assert_int_eq(gitrepo_open(repo_dir, false, &r, &err), SK_ERR_NOT_FOUND);
    ck_assert_msg(gitrepo_open(repo_dir, true, &r, &err) == SK_OK, "%s", err.msg);
    char c1[GITREPO_OID_HEX], c2[GITREPO_OID_HEX], tip[GITREPO_OID_HEX];
    commit_dir(r, "main", src, "first\n\nbody\n", c1);
    tl_write(src, "SKILL.md", "---\nname: x\n---\n# X\nline a\nline b\n");
    tl_write(src, "notes.txt", "new file\n");
    commit_dir(r, "main", src, "second", c2);
    ck_assert_int_eq(gitrepo_branch_tip(r, "main", tip, &err), SK_OK);
    ck_assert_str_eq(tip, c2);
    ck_assert_int_eq(gitrepo_branch_tip(r, "nope", tip, &err), SK_ERR_NOT_FOUND);

    char id[GITREPO_OID_HEX];
    ck_assert_int_eq(gitrepo_resolve(r, "main~1", id, &err), SK_OK);
    ck_assert_str_eq(id, c1);
    char abbrev[8];
    memcpy(abbrev, c1, 7);
    abbrev[7] = 0;
    ck_assert_int_eq(gitrepo_resolve(r, abbrev, id, &err), SK_OK);
    ck_assert_str_eq(id, c1);
    ck_assert_int_eq(gitrepo_resolve(r, "main~5", id, &err), SK_ERR_NOT_FOUND);
    ck_assert_int_eq(gitrepo_resolve(r, "", id, &err), SK_ERR_INVALID);

    GitCommitInfo *ci = NULL;
    ck_assert_int_eq(gitrepo_commit_info(r, c2, &ci, &err), SK_OK);
    ck_assert_str_eq(ci->parent, c1);
    ck_assert_str_eq(ci->summary, "second");
    gitrepo_commit_info_free(ci);

    SkVec log;
    ck_assert_int_eq(gitrepo_log(r, "main", 0, &log, &err), SK_OK);
    ck_assert_uint_eq(log.len, 2);
    ck_assert_str_eq(((GitCommitInfo *)log.items[0])->id, c2);
    ck_assert_str_eq(((GitCommitInfo *)log.items[1])->summary, "first");
    sk_vec_done(&log);

    SkVec files;
    ck_assert_int_eq(gitrepo_list_files(r, "main", &files, &err), SK_OK);
    ck_assert_uint_eq(files.len, 3); /* no .git, no empty folder */
    ck_assert_str_eq(files.items[0], "SKILL.md");
    ck_assert_str_eq(files.items[1], "notes.txt");
    ck_assert_str_eq(files.items[2], "scripts/run.sh");
    sk_vec_done(&files);

    char *text = NULL;
    ck_assert_int_eq(gitrepo_read_file(r, "main~1", "SKILL.md", &text, NULL, &err), SK_OK);
    ck_assert_str_eq(text, "---\nname: x\n---\n# X\nline a\n");
    free(text);
    ck_assert_int_eq(gitrepo_read_file(r, "main~1", "notes.txt", &text, NULL, &err),
                     SK_ERR_NOT_FOUND);

    char *out = fresh("out1");
    ck_assert_int_eq(gitrepo_checkout(r, "main", out, &err), SK_OK);
    char *p = sk_path_join(out, "scripts/run.sh");
    struct stat st;
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert(st.st_mode & 0100);
    free(p);

    /* diffs */
    SkVec d;
    ck_assert_int_eq(gitrepo_diff(r, c1, c2, &d, &err), SK_OK);
    ck_assert_uint_eq(d.len, 2);
    ck_assert_str_eq(((GitDiffEntry *)d.items[0])->path, "SKILL.md");
    ck_assert_int_eq(((GitDiffEntry *)d.items[0])->status, 'M');
    ck_assert_str_eq(((GitDiffEntry *)d.items[1])->path, "notes.txt");
    ck_assert_int_eq(((GitDiffEntry *)d.items[1])->status, 'A');
    sk_vec_done(&d);
    char *u = NULL;
    ck_assert_int_eq(gitrepo_diff_text(r, c1, c2, "SKILL.md", 3, &u, &err), SK_OK);
    ck_assert_ptr_nonnull(strstr(u, "+line b"));
    ck_assert_ptr_null(strstr(u, "notes.txt"));
    free(u);
    SkVec lines;
    ck_assert_int_eq(gitrepo_diff_lines(r, c1, c2, "SKILL.md", &lines, &err), SK_OK);
    ck_assert_uint_eq(lines.len, 6);
    GitDiffLine *l5 = lines.items[4], *l6 = lines.items[5];
    ck_assert_int_eq(l5->origin, ' ');
    ck_assert_int_eq(l5->old_no, 5);
    ck_assert_int_eq(l5->new_no, 5);
    ck_assert_int_eq(l6->origin, '+');
    ck_assert_int_eq(l6->old_no, -1);
    ck_assert_int_eq(l6->new_no, 6);
    ck_assert_str_eq(l6->text, "line b");
    sk_vec_done(&lines);

    /* branches and tags */
    char c3[GITREPO_OID_HEX];
    commit_dir(r, "bare-agent/qwen--qwen3.5-9b", src, "variant", c3);
    SkVec br;
    ck_assert_int_eq(gitrepo_branches(r, &br, &err), SK_OK);
    ck_assert_uint_eq(br.len, 2);
    ck_assert_str_eq(br.items[0], "bare-agent/qwen--qwen3.5-9b");
    ck_assert_str_eq(br.items[1], "main");
    sk_vec_done(&br);
    ck_assert_int_eq(gitrepo_tag_set(r, "accepted/bare-agent/q", c1, "ok", &err), SK_OK);
    ck_assert_int_eq(gitrepo_tag_set(r, "accepted/bare-agent/q", c3, "moved", &err), SK_OK);
    ck_assert_int_eq(gitrepo_resolve(r, "accepted/bare-agent/q", id, &err), SK_OK);
    ck_assert_str_eq(id, c3);
    SkVec tags;
    ck_assert_int_eq(gitrepo_tags(r, "accepted/*", &tags, &err), SK_OK);
    ck_assert_uint_eq(tags.len, 1);
    sk_vec_done(&tags);
    ck_assert_int_eq(gitrepo_tag_set(r, "bad..name", c1, "x", &err), SK_ERR_INVALID);
    GitCommitOpts bad = {.branch = "has space", .tree = "0", .message = "x"};
    ck_assert_int_eq(gitrepo_commit(r, &bad, id, &err), SK_ERR_INVALID);
    gitrepo_free(r);

    if (have_git()) {
        char *cmd = sk_asprintf("git -C '%s' fsck --strict 2>&1 && git -C '%s' log --all "
                                "--format=%%s",
                                repo_dir, repo_dir);
        char *o = NULL;
        ck_assert_int_eq(tl_run(cmd, true, &o), 0);
        ck_assert_ptr_nonnull(strstr(o, "second"));
        ck_assert_ptr_nonnull(strstr(o, "variant"));
        free(o);
        free(cmd);
    }
    free(out);
    free(exe);
    free(empty);
    free(src);
    free(repo_dir);
}
END_TEST

START_TEST(test_not_a_repo)
{
    char *dir = fresh("plainfolder");
    tl_write(dir, "file.txt", "x");
    GitRepo *r = NULL;
    SkError err;
    SkStatus s = gitrepo_open(dir, false, &r, &err);
    ck_assert(s != SK_OK);
    ck_assert_ptr_null(r);
    free(dir);
}
END_TEST

START_TEST(test_lock)
{
    char *p = sk_path_join(tl_tmpdir(), "locks/a.lock");
    GitRepoLock *l1 = NULL, *l2 = NULL;
    SkError err;
    ck_assert_int_eq(gitrepo_lock(p, 1000, &l1, &err), SK_OK);
    int64_t t0 = sk_now_ms();
    ck_assert_int_eq(gitrepo_lock(p, 150, &l2, &err), SK_ERR_BUSY);
    ck_assert(sk_now_ms() - t0 >= 140);
    ck_assert_ptr_nonnull(strstr(err.msg, "locked by running process"));
    gitrepo_unlock(l1);
    ck_assert(!sk_is_file(p));
    ck_assert_int_eq(gitrepo_lock(p, 100, &l2, &err), SK_OK);
    gitrepo_unlock(l2);

    /* a stale lock: the pid of a process that has exited */
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    char *text = sk_asprintf("%d\n", (int)pid);
    sk_write_file_atomic(p, text, strlen(text), NULL);
    free(text);
    ck_assert_int_eq(gitrepo_lock(p, 2000, &l2, &err), SK_ERR_BUSY);
    ck_assert_ptr_nonnull(strstr(err.msg, "stale lock"));
    ck_assert_ptr_nonnull(strstr(err.msg, "rm '"));
    ck_assert(sk_is_file(p)); /* reported, not broken */
    unlink(p);
    free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gitrepo");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_commit_and_read);
    tcase_add_test(tc, test_not_a_repo);
    tcase_add_test(tc, test_lock);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
