/* test_skill.c: skill loading (good and bad input) and lint rules. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/lint.h"
#include "core/skill.h"
#include "tests/testlib.h"

static const char *good_md = "---\n"
                             "name: demo-skill\n"
                             "description: Does a demo. Use when testing.\n"
                             "x-custom: kept\n"
                             "---\n"
                             "# Demo\n"
                             "\n"
                             "Run `scripts/run.py` and read [the guide](references/guide.md).\n";

static char *make_skill(const char *name, const char *md)
{
    const char *root = tl_tmpdir();
    char *dir = sk_path_join(root, name);
    tl_write(dir, "SKILL.md", md);
    return dir;
}

static bool has_diag(const SkVec *v, SkillDiagLevel level, int line, const char *needle)
{
    for (size_t i = 0; i < v->len; i++) {
        const SkillDiag *d = v->items[i];
        if (d->level == level && (line < 0 || d->line == line) && strstr(d->msg, needle))
            return true;
    }
    return false;
}

static SkVec lint_of(Skill *s)
{
    SkVec v;
    lint_diags_init(&v);
    lint_run(s, NULL, &v);
    return v;
}

START_TEST(test_load_good)
{
    char *dir = make_skill("demo-skill", good_md);
    tl_write(dir, "scripts/run.py", "print('hi')\n");
    tl_write(dir, "references/guide.md", "# Guide\n");
    tl_write(dir, "assets/logo.svg", "<svg/>\n");
    tl_write(dir, ".git/config", "x\n");
    Skill *s;
    SkError err;
    ck_assert_int_eq(skill_load(dir, &s, &err), SK_OK);
    ck_assert_str_eq(s->name, "demo-skill");
    ck_assert_str_eq(s->id, "demo-skill");
    ck_assert_str_eq(s->description, "Does a demo. Use when testing.");
    ck_assert(s->has_frontmatter);
    ck_assert_str_eq(json_string_value(json_object_get(s->frontmatter, "x-custom")), "kept");
    ck_assert_int_eq(s->body_line, 6);
    ck_assert_uint_eq(s->files.len, 3); /* .git skipped */
    const SkillFile *f = skill_find_file(s, "scripts/run.py");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->kind, SKILL_FILE_SCRIPT);
    ck_assert_int_eq(skill_find_file(s, "references/guide.md")->kind, SKILL_FILE_REFERENCE);
    ck_assert_int_eq(skill_find_file(s, "assets/logo.svg")->kind, SKILL_FILE_ASSET);
    ck_assert_uint_eq(strlen(s->hash), 64);
    size_t len;
    const char *l = skill_line(s, 6, &len);
    ck_assert_int_eq((int)len, 6);
    ck_assert(!strncmp(l, "# Demo", 6));
    ck_assert_int_eq((int)json_integer_value(json_object_get(s->fm_key_lines, "description")),
                     3);
    SkVec v = lint_of(s);
    ck_assert(has_diag(&v, SKILL_DIAG_ERROR, 4, "x-custom"));
    ck_assert_uint_eq(lint_count(&v, SKILL_DIAG_ERROR), 1);
    sk_vec_done(&v);

    /* the hash is stable and changes with any bundle byte */
    char h1[65];
    memcpy(h1, s->hash, sizeof h1);
    skill_free(s);
    ck_assert_int_eq(skill_load(dir, &s, &err), SK_OK);
    ck_assert_str_eq(s->hash, h1);
    skill_free(s);
    tl_write(dir, "scripts/run.py", "print('hi!')\n");
    ck_assert_int_eq(skill_load(dir, &s, &err), SK_OK);
    ck_assert_str_ne(s->hash, h1);
    /* loading by the SKILL.md path gives the same skill */
    char *md = sk_path_join(dir, "SKILL.md");
    Skill *s2;
    ck_assert_int_eq(skill_load(md, &s2, &err), SK_OK);
    ck_assert_str_eq(s2->hash, s->hash);
    skill_free(s2);
    skill_free(s);
    free(md);
    free(dir);
}
END_TEST

START_TEST(test_missing)
{
    Skill *s;
    SkError err;
    ck_assert_int_eq(skill_load("/nonexistent/skill", &s, &err), SK_ERR_NOT_FOUND);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/skill"));
    const char *d = tl_tmpdir();
    ck_assert_int_eq(skill_load(d, &s, &err), SK_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "no SKILL.md"));
    tl_write(d, "skill.md", "---\nname: x\n---\n");
    ck_assert_int_eq(skill_load(d, &s, &err), SK_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "upper case"));
    ck_assert_int_eq(skill_load("", &s, &err), SK_ERR_INVALID);
}
END_TEST

START_TEST(test_no_frontmatter)
{
    char *dir = make_skill("plain", "# Just markdown\n\nNo frontmatter here.\n");
    Skill *s;
    SkError err;
    ck_assert_int_eq(skill_load(dir, &s, &err), SK_OK); /* lenient */
    ck_assert(!s->has_frontmatter);
    ck_assert_str_eq(s->name, "plain");
    SkVec v = lint_of(s);
    ck_assert(has_diag(&v, SKILL_DIAG_ERROR, 1, "no frontmatter"));
    sk_vec_done(&v);
    skill_free(s);
    free(dir);
    dir = make_skill("unclosed", "---\nname: unclosed\ndescription: x\n# body\n");
    ck_assert_int_eq(skill_load(dir, &s, &err), SK_OK);
    ck_assert(has_diag(&s->diags, SKILL_DIAG_ERROR, 1, "not closed"));
    skill_free(s);
    free(dir);
}
END_TEST

START_TEST(test_invalid_yaml)
{
    char *dir = make_skill("bad-yaml", "---\nname: bad-yaml\ndescription: [unclosed\n"
                                       "other: 1\n---\nbody\n");
    Skill *s;
    SkError err;
    ck_assert_int_eq(skill_load(dir, &s, &err), SK_OK);
    ck_assert_uint_eq(skill_diag_count(s, SKILL_DIAG_ERROR), 1);
    const SkillDiag *d = s->diags.items[0];
    ck_assert_ptr_nonnull(strstr(d->msg, "invalid YAML"));
    ck_assert_ptr_nonnull(strstr(d->msg, "column"));
    ck_assert_int_ge(d->line, 3); /* points into the frontmatter, file-relative */
    ck_assert_int_le(d->line, 5);
    skill_free(s);
    free(dir);
    /* duplicate keys are an error with the line of the second one */
    dir = make_skill("dup", "---\nname: dup\ndescription: a\nname: again\n---\nx\n");
    ck_assert_int_eq(skill_load(dir, &s, &err), SK_OK);
    d = s->diags.items[0];
    ck_assert_ptr_nonnull(strstr(d->msg, "duplicate key"));
    ck_assert_int_eq(d->line, 4);
    skill_free(s);
    free(dir);
}
END_TEST

START_TEST(test_non_mapping)
{
    char *dir = make_skill("list", "---\n- a\n- b\n---\nbody\n");
    Skill *s;
    SkError err;
    ck_assert_int_eq(skill_load(dir, &s, &err), SK_OK);
    ck_assert(has_diag(&s->diags, SKILL_DIAG_ERROR, -1, "mapping"));
    ck_assert(json_is_object(s->frontmatter));
    skill_free(s);
    free(dir);
    dir = make_skill("scalar", "---\njust text\n---\nbody\n");
    ck_assert_int_eq(skill_load(dir, &s, &err), SK_OK);
    ck_assert(has_diag(&s->diags, SKILL_DIAG_ERROR, -1, "single value"));
    skill_free(s);
    free(dir);
}
END_TEST

START_TEST(test_binary_utf8_large)
{
    const char *root = tl_tmpdir();
    char *dir = sk_path_join(root, "bin");
    char *md = sk_path_join(dir, "SKILL.md");
    sk_mkdir_p(dir, NULL);
    sk_write_file_atomic(md, "---\nname: bin\n\0\0\0---\n", 20, NULL);
    Skill *s;
    SkError err;
    ck_assert_int_eq(skill_load(dir, &s, &err), SK_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "binary"));
    sk_write_file_atomic(md, "---\nname: x\ndescription: caf\xe9\n---\n", 32, NULL);
    ck_assert_int_eq(skill_load(dir, &s, &err), SK_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "UTF-8"));
    ck_assert_ptr_nonnull(strstr(err.msg, ":3:"));
    size_t big = SKILL_MAX_BYTES + 10;
    char *text = sk_malloc(big);
    memset(text, 'a', big);
    memcpy(text, "---\nname: x\n---\n", 16);
    sk_write_file_atomic(md, text, big, NULL);
    free(text);
    ck_assert_int_eq(skill_load(dir, &s, &err), SK_ERR_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "larger than"));
    free(md);
    free(dir);
}
END_TEST

START_TEST(test_crlf_bom)
{
    char *dir = make_skill("crlf", "\xEF\xBB\xBF---\r\nname: crlf\r\ndescription: >\r\n  Folded "
                                   "text. Use when testing.\r\n---\r\n# Body\r\n");
    Skill *s;
    SkError err;
    ck_assert_int_eq(skill_load(dir, &s, &err), SK_OK);
    ck_assert(s->had_crlf);
    ck_assert(s->has_frontmatter);
    ck_assert_str_eq(s->name, "crlf");
    ck_assert_str_eq(s->description, "Folded text. Use when testing.\n");
    ck_assert_ptr_null(strchr(s->content, '\r'));
    SkVec v = lint_of(s);
    ck_assert(has_diag(&v, SKILL_DIAG_WARNING, 1, "CRLF"));
    ck_assert_uint_eq(lint_count(&v, SKILL_DIAG_ERROR), 0);
    sk_vec_done(&v);
    skill_free(s);
    free(dir);
    /* closing fence at end of file with no newline */
    dir = make_skill("eof", "---\nname: eof\ndescription: d. Use when x.\n---");
    ck_assert_int_eq(skill_load(dir, &s, &err), SK_OK);
    ck_assert(s->has_frontmatter);
    ck_assert_uint_eq(skill_diag_count(s, SKILL_DIAG_ERROR), 0);
    skill_free(s);
    free(dir);
}
END_TEST

START_TEST(test_symlinks)
{
    char *dir = make_skill("links", good_md);
    const char *outside = tl_tmpdir();
    tl_write(outside, "secret.txt", "secret\n");
    tl_write(dir, "references/guide.md", "# g\n");
    char *target = sk_path_join(outside, "secret.txt");
    char *link = sk_path_join(dir, "references/leak.txt");
    ck_assert_int_eq(symlink(target, link), 0);
    char *inlink = sk_path_join(dir, "references/alias.md");
    ck_assert_int_eq(symlink("guide.md", inlink), 0);
    char *dirlink = sk_path_join(dir, "up");
    ck_assert_int_eq(symlink("..", dirlink), 0);
    Skill *s;
    SkError err;
    ck_assert_int_eq(skill_load(dir, &s, &err), SK_OK);
    const SkillFile *f = skill_find_file(s, "references/leak.txt");
    ck_assert_ptr_nonnull(f);
    ck_assert(f->skipped);
    ck_assert(!skill_find_file(s, "references/alias.md")->skipped);
    ck_assert(has_diag(&s->diags, SKILL_DIAG_WARNING, -1, "outside"));
    char *data;
    size_t len;
    ck_assert_int_eq(skill_read_file(s, "references/leak.txt", 0, &data, &len, &err),
                     SK_ERR_SANDBOX);
    ck_assert_int_eq(skill_read_file(s, "../links/SKILL.md", 0, &data, &len, &err),
                     SK_ERR_SANDBOX);
    ck_assert_int_eq(skill_read_file(s, "references/alias.md", 0, &data, &len, &err), SK_OK);
    ck_assert_str_eq(data, "# g\n");
    free(data);
    skill_free(s);
    free(target), free(link), free(inlink), free(dirlink), free(dir);
}
END_TEST

START_TEST(test_lint_rules)
{
    struct {
        const char *folder, *md, *needle;
        SkillDiagLevel level;
    } cases[] = {
        {"Bad_Name", "---\nname: Bad_Name\ndescription: d. Use when x.\n---\nb\n", "lowercase",
         SKILL_DIAG_ERROR},
        {"a--b", "---\nname: a--b\ndescription: d. Use when x.\n---\nb\n", "'--'",
         SKILL_DIAG_ERROR},
        {"-lead", "---\nname: -lead\ndescription: d. Use when x.\n---\nb\n", "start or end",
         SKILL_DIAG_ERROR},
        {"other", "---\nname: mismatch\ndescription: d. Use when x.\n---\nb\n", "folder",
         SKILL_DIAG_ERROR},
        {"nodesc", "---\nname: nodesc\n---\nb\n", "description", SKILL_DIAG_ERROR},
        {"emptydesc", "---\nname: emptydesc\ndescription: \"  \"\n---\nb\n", "empty",
         SKILL_DIAG_ERROR},
        {"nowhen", "---\nname: nowhen\ndescription: Converts things.\n---\nb\n", "when to use",
         SKILL_DIAG_WARNING},
        {"meta", "---\nname: meta\ndescription: d. Use when x.\nmetadata:\n  v: 2\n---\nb\n",
         "metadata.v", SKILL_DIAG_ERROR},
        {"tools", "---\nname: tools\ndescription: d. Use when x.\nallowed-tools: 3\n---\nb\n",
         "allowed-tools", SKILL_DIAG_ERROR},
        {"cc", "---\nname: cc\ndescription: d. Use when x.\nmodel: opus\n---\nb\n",
         "client extension", SKILL_DIAG_WARNING},
        {"emptybody", "---\nname: emptybody\ndescription: d. Use when x.\n---\n\n", "body is empty",
         SKILL_DIAG_WARNING},
        {"xml", "---\nname: xml\ndescription: <b>d</b>. Use when x.\n---\nb\n", "XML",
         SKILL_DIAG_WARNING},
        {"refs", "---\nname: refs\ndescription: d. Use when x.\n---\nSee `scripts/missing.py`.\n",
         "scripts/missing.py", SKILL_DIAG_ERROR},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *dir = make_skill(cases[i].folder, cases[i].md);
        Skill *s;
        SkError err;
        ck_assert_int_eq(skill_load(dir, &s, &err), SK_OK);
        SkVec v = lint_of(s);
        if (!has_diag(&v, cases[i].level, -1, cases[i].needle))
            ck_abort_msg("case %s: no diagnostic containing '%s'", cases[i].folder,
                         cases[i].needle);
        sk_vec_done(&v);
        skill_free(s);
        free(dir);
    }
    /* long description and name, and body size advice */
    SkBuf b = SK_BUF_INIT;
    sk_buf_puts(&b, "---\nname: long\ndescription: ");
    for (int i = 0; i < 1100; i++)
        sk_buf_putc(&b, 'x');
    sk_buf_puts(&b, "\n---\n");
    for (int i = 0; i < 600; i++)
        sk_buf_puts(&b, "line of body text\n");
    char *dir = make_skill("long", b.data);
    sk_buf_done(&b);
    Skill *s;
    SkError err;
    ck_assert_int_eq(skill_load(dir, &s, &err), SK_OK);
    SkVec v = lint_of(s);
    ck_assert(has_diag(&v, SKILL_DIAG_ERROR, 3, "1100 characters"));
    ck_assert(has_diag(&v, SKILL_DIAG_WARNING, 5, "600 lines"));
    sk_vec_done(&v);
    skill_free(s);
    free(dir);
    /* references in code fences, URLs and present files are not errors */
    dir = make_skill("fine", "---\nname: fine\ndescription: d. Use when x.\n---\n"
                             "[site](https://example.com) [anchor](#top) `scripts/ok.sh`\n"
                             "```\nscripts/not-checked.py\n```\n");
    tl_write(dir, "scripts/ok.sh", "echo\n");
    ck_assert_int_eq(skill_load(dir, &s, &err), SK_OK);
    v = lint_of(s);
    ck_assert_uint_eq(v.len, 0);
    sk_vec_done(&v);
    skill_free(s);
    free(dir);
}
END_TEST

START_TEST(test_examples_clean)
{
    const char *names[] = {"csv-report", "log-triage", "release-notes"};
    for (size_t i = 0; i < 3; i++) {
        char *rel = sk_asprintf("examples/skills/%s", names[i]);
        char *dir = tl_source_path(rel);
        Skill *s;
        SkError err;
        ck_assert_msg(skill_load(dir, &s, &err) == SK_OK, "%s: %s", dir, err.msg);
        SkVec v = lint_of(s);
        for (size_t k = 0; k < v.len; k++) {
            const SkillDiag *d = v.items[k];
            ck_abort_msg("%s:%d: %s", names[i], d->line, d->msg);
        }
        sk_vec_done(&v);
        skill_free(s);
        free(dir);
        free(rel);
    }
}
END_TEST

START_TEST(test_reference_skills)
{
    TL_REQUIRE_REFERENCE();
    const char *sets[] = {"skills", "skills-anthropic"};
    int loaded = 0;
    for (size_t k = 0; k < 2; k++) {
        char *root = tl_reference_path(sets[k]);
        char *cmd = sk_asprintf("ls -1 '%s'", root);
        char *out;
        tl_run(cmd, false, &out);
        for (char *name = strtok(out, "\n"); name; name = strtok(NULL, "\n")) {
            char *dir = sk_path_join(root, name);
            char *md = sk_path_join(dir, "SKILL.md");
            if (sk_is_file(md)) {
                Skill *s;
                SkError err;
                ck_assert_msg(skill_load(dir, &s, &err) == SK_OK, "%s: %s", dir, err.msg);
                ck_assert_msg(s->has_frontmatter, "%s has frontmatter", name);
                ck_assert_str_eq(s->name, name);
                ck_assert(strlen(s->description) > 0);
                SkVec v = lint_of(s);
                /* every diagnostic points at a real line */
                for (size_t i = 0; i < v.len; i++) {
                    const SkillDiag *d = v.items[i];
                    ck_assert_int_le(d->line, (int)s->nlines);
                }
                sk_vec_done(&v);
                skill_free(s);
                loaded++;
            }
            free(md);
            free(dir);
        }
        free(out);
        free(cmd);
        free(root);
    }
    ck_assert_int_ge(loaded, 10);
}
END_TEST

START_TEST(test_load_text)
{
    Skill *s;
    SkError err;
    ck_assert_int_eq(skill_load_text(good_md, strlen(good_md), "demo-skill", &s, &err), SK_OK);
    ck_assert_str_eq(s->name, "demo-skill");
    skill_free(s);
    ck_assert_int_eq(skill_load_text("", 0, "e", &s, &err), SK_OK);
    ck_assert_uint_eq(s->nlines, 0);
    ck_assert(!s->has_frontmatter);
    skill_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("skill");
    TCase *tc = tcase_create("skill");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_load_good);
    tcase_add_test(tc, test_missing);
    tcase_add_test(tc, test_no_frontmatter);
    tcase_add_test(tc, test_invalid_yaml);
    tcase_add_test(tc, test_non_mapping);
    tcase_add_test(tc, test_binary_utf8_large);
    tcase_add_test(tc, test_crlf_bom);
    tcase_add_test(tc, test_symlinks);
    tcase_add_test(tc, test_lint_rules);
    tcase_add_test(tc, test_examples_clean);
    tcase_add_test(tc, test_reference_skills);
    tcase_add_test(tc, test_load_text);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
