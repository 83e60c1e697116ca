/* test_analyzer.c: rule-based requirement analysis, evidence integrity, gaps and JSON. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/analyzer.h"
#include "core/catalog.h"
#include "core/skill.h"
#include "core/tcp.h"
#include "core/util.h"
#include "tests/testlib.h"

static int fixture_no;

/* Write a skill with SKILL.md = frontmatter + BODY (and optional bundle file REL/TEXT),
 * load it and analyze it. */
static Analysis *analyze_body2(const char *body, const char *rel, const char *text,
                               Skill **skill_out)
{
    char *dir = sk_asprintf("%s/fx%d", tl_tmpdir(), ++fixture_no);
    char *md = sk_asprintf("---\nname: fx%d\ndescription: A test fixture.\n---\n%s",
                           fixture_no, body);
    tl_write(dir, "SKILL.md", md);
    if (rel)
        tl_write(dir, rel, text);
    Skill *s = NULL;
    SkError err;
    ck_assert_msg(skill_load(dir, &s, &err) == SK_OK, "%s", err.msg);
    Analysis *a = NULL;
    ck_assert(analyzer_run(s, &a, &err) == SK_OK);
    ck_assert_ptr_nonnull(a);
    free(md);
    free(dir);
    if (skill_out)
        *skill_out = s;
    else
        skill_free(s);
    return a;
}

static Analysis *analyze_body(const char *body)
{
    return analyze_body2(body, NULL, NULL, NULL);
}

static int level_of(const Analysis *a, const char *prim)
{
    const Requirement *r = analyzer_find(a, prim);
    return r ? r->level : 0;
}

/* Does requirement PRIM have evidence at FILE:LINE whose text contains NEEDLE? */
static bool has_evidence(const Analysis *a, const char *prim, const char *file, int line,
                         const char *needle)
{
    const Requirement *r = analyzer_find(a, prim);
    if (!r)
        return false;
    for (size_t i = 0; i < r->evidence.len; i++) {
        const Evidence *e = sk_vec_get(&r->evidence, i);
        if (!strcmp(e->file, file) && e->line == line && strstr(e->text, needle))
            return true;
    }
    return false;
}

/* ---- rule families ---- */

START_TEST(test_python_levels)
{
    /* frontmatter is lines 1-4, so the body starts at line 5 */
    Analysis *a = analyze_body("# Tool\n\n```python\nprint('hi')\n```\n");
    ck_assert_int_eq(level_of(a, "gen.code.python"), 1);
    ck_assert(has_evidence(a, "gen.code.python", "SKILL.md", 7, "```python"));
    analyzer_free(a);

    a = analyze_body("```python\nimport json\nimport csv\n```\n");
    ck_assert_int_eq(level_of(a, "gen.code.python"), 2);
    ck_assert(has_evidence(a, "gen.code.python", "SKILL.md", 6, "import json"));
    analyzer_free(a);

    a = analyze_body("Steps:\n\n```python\nimport os\nimport pandas as pd\n```\n");
    ck_assert_int_eq(level_of(a, "gen.code.python"), 3);
    const Requirement *r = analyzer_find(a, "gen.code.python");
    /* the evidence of the highest level comes first */
    const Evidence *e0 = sk_vec_get(&r->evidence, 0);
    ck_assert_int_eq(e0->line, 9);
    ck_assert_str_eq(e0->text, "import pandas as pd");
    ck_assert_ptr_nonnull(strstr(r->why, "pandas"));
    analyzer_free(a);

    /* running a script is Python (L1) and exec */
    a = analyze_body("Run `python3 scripts/check.py input.csv` and read the result.\n");
    ck_assert_int_eq(level_of(a, "gen.code.python"), 1);
    ck_assert_int_ge(level_of(a, "tool.exec"), 1);
    analyzer_free(a);
}
END_TEST

START_TEST(test_bundle_script)
{
    Skill *s = NULL;
    Analysis *a = analyze_body2("Use the bundled converter.\n", "scripts/convert.py",
                                "#!/usr/bin/env python3\nimport sys\nimport openpyxl\n", &s);
    ck_assert_int_eq(level_of(a, "gen.code.python"), 3);
    ck_assert(has_evidence(a, "gen.code.python", "scripts/convert.py", 3, "import openpyxl"));
    analyzer_free(a);
    skill_free(s);

    /* bundled shell and JavaScript files are code in their language */
    a = analyze_body2("Run `bash scripts/go.sh`.\n", "scripts/go.sh",
                      "#!/bin/bash\nset -e\nls | sort > out.txt\n", &s);
    ck_assert_int_eq(level_of(a, "gen.code.shell"), 2);
    ck_assert(has_evidence(a, "gen.code.shell", "scripts/go.sh", 3, "ls | sort"));
    analyzer_free(a);
    skill_free(s);
    a = analyze_body2("Use the helper.\n", "scripts/build.js",
                      "const fs = require('fs');\nasync function main() { await run(); }\n", &s);
    ck_assert_int_eq(level_of(a, "gen.code.javascript"), 3);
    ck_assert(has_evidence(a, "gen.code.javascript", "scripts/build.js", 2, "async function"));
    analyzer_free(a);
    skill_free(s);

    /* CRLF line endings: same line numbers, no '\r' in the evidence */
    a = analyze_body("Intro\r\n\r\n```python\r\nimport requests\r\n```\r\n");
    ck_assert(has_evidence(a, "gen.code.python", "SKILL.md", 8, "import requests"));
    const Requirement *rq = analyzer_find(a, "gen.code.python");
    for (size_t i = 0; i < rq->evidence.len; i++)
        ck_assert_ptr_null(strchr(((Evidence *)sk_vec_get(&rq->evidence, i))->text, '\r'));
    analyzer_free(a);

    /* a bundled module imported by name is local, not third-party */
    a = analyze_body2("```python\nimport helpers\n```\n", "scripts/helpers.py", "X = 1\n", &s);
    ck_assert_int_eq(level_of(a, "gen.code.python"), 1);
    analyzer_free(a);
    skill_free(s);
}
END_TEST

START_TEST(test_shell_levels)
{
    Analysis *a = analyze_body("```bash\nmkdir -p out\nls out\n```\n");
    ck_assert_int_eq(level_of(a, "gen.code.shell"), 1);
    ck_assert_int_eq(level_of(a, "tool.exec"), 1);
    analyzer_free(a);

    a = analyze_body("```sh\ncat data.txt | grep error > errors.txt\n```\n");
    ck_assert_int_eq(level_of(a, "gen.code.shell"), 2);
    analyzer_free(a);

    a = analyze_body("```bash\nfind . -name '*.log' | xargs rm\n```\n");
    ck_assert_int_eq(level_of(a, "gen.code.shell"), 3);
    ck_assert(has_evidence(a, "gen.code.shell", "SKILL.md", 6, "xargs"));
    analyzer_free(a);

    /* many low-level hits do not hide a later higher-level one */
    SkBuf b = SK_BUF_INIT;
    sk_buf_puts(&b, "```bash\n");
    for (int i = 0; i < 400; i++)
        sk_buf_printf(&b, "mkdir dir%d\n", i);
    sk_buf_puts(&b, "awk '{print $1}' list.txt\n```\n");
    a = analyze_body(sk_buf_cstr(&b));
    sk_buf_done(&b);
    ck_assert_int_eq(level_of(a, "gen.code.shell"), 3);
    ck_assert(has_evidence(a, "gen.code.shell", "SKILL.md", 406, "awk"));
    analyzer_free(a);

    /* an untagged block counts only for lines that look like commands */
    a = analyze_body("```\nBEGIN:VCALENDAR\nVERSION:2.0\n```\n");
    ck_assert_int_eq(level_of(a, "gen.code.shell"), 0);
    ck_assert_int_eq(level_of(a, "tool.exec"), 0);
    analyzer_free(a);
    a = analyze_body("```\ngit status\n```\n");
    ck_assert_int_eq(level_of(a, "gen.code.shell"), 1);
    analyzer_free(a);
}
END_TEST

START_TEST(test_sql_html_regex)
{
    Analysis *a = analyze_body("```sql\nSELECT name FROM users WHERE id = 1;\n```\n");
    ck_assert_int_eq(level_of(a, "gen.code.sql"), 1);
    analyzer_free(a);
    a = analyze_body("```sql\nSELECT u.name, COUNT(*) FROM users u JOIN orders o ON o.uid = u.id\n"
                     "GROUP BY u.name;\n```\n");
    ck_assert_int_eq(level_of(a, "gen.code.sql"), 2);
    analyzer_free(a);
    a = analyze_body("```sql\nWITH recent AS (SELECT * FROM orders) SELECT * FROM recent;\n```\n");
    ck_assert_int_eq(level_of(a, "gen.code.sql"), 3);
    analyzer_free(a);

    a = analyze_body("```html\n<h1>Title</h1>\n<p>Text</p>\n```\n");
    ck_assert_int_eq(level_of(a, "gen.code.html"), 1);
    analyzer_free(a);
    a = analyze_body("```html\n<form action=\"/x\">\n<input name=\"q\">\n</form>\n```\n");
    ck_assert_int_eq(level_of(a, "gen.code.html"), 2);
    analyzer_free(a);
    a = analyze_body("```html\n<nav aria-label=\"main\">\n</nav>\n```\n");
    ck_assert_int_eq(level_of(a, "gen.code.html"), 3);
    analyzer_free(a);

    a = analyze_body("```python\nimport re\npat = re.compile(r\"(?<=id=)\\d+\")\n```\n");
    ck_assert_int_eq(level_of(a, "gen.regex"), 3);
    analyzer_free(a);
    a = analyze_body("Extract the codes with a regex.\n");
    ck_assert_int_eq(level_of(a, "gen.regex"), 1);
    analyzer_free(a);
}
END_TEST

START_TEST(test_structured_and_format)
{
    Analysis *a = analyze_body("Return the result as JSON using the following format:\n\n"
                               "```json\n{\n  \"user\": {\n    \"name\": \"x\"\n  }\n}\n```\n");
    ck_assert_int_eq(level_of(a, "gen.text.structured"), 2);
    ck_assert_int_ge(level_of(a, "follow.format"), 2);
    ck_assert(has_evidence(a, "gen.text.structured", "SKILL.md", 7, "```json"));
    ck_assert(has_evidence(a, "follow.format", "SKILL.md", 7, "```json"));
    analyzer_free(a);

    /* a JSON block that is not introduced as output is data, not a format to follow */
    a = analyze_body("## Settings\n\nThe settings file:\n\n```json\n{\"a\": 1}\n```\n");
    ck_assert_int_eq(level_of(a, "gen.text.structured"), 1);
    ck_assert_ptr_null(analyzer_find(a, "follow.format"));
    analyzer_free(a);

    /* three explicit structure instructions -> several format constraints at once */
    a = analyze_body("Use this structure for the header.\n\nThe output format is fixed.\n\n"
                     "Put the totals in the following format.\n");
    ck_assert_int_eq(level_of(a, "follow.format"), 3);
    analyzer_free(a);
}
END_TEST

START_TEST(test_constraints)
{
    Analysis *a = analyze_body("You MUST keep the header.\n");
    ck_assert_int_eq(level_of(a, "follow.constraint"), 1);
    analyzer_free(a);
    a = analyze_body("You MUST keep the header.\n\nNEVER delete rows.\n\n- Do not rename sheets.\n");
    ck_assert_int_eq(level_of(a, "follow.constraint"), 2);
    ck_assert_int_eq((int)analyzer_find(a, "follow.constraint")->evidence.len, 3);
    analyzer_free(a);
    a = analyze_body("Never use bullet points, even if the user asks for a list.\n");
    ck_assert_int_eq(level_of(a, "follow.constraint"), 3);
    analyzer_free(a);
}
END_TEST

START_TEST(test_procedures)
{
    Analysis *a = analyze_body("## Workflow\n\n1. Read the input\n2. Convert it\n3. Save it\n");
    ck_assert_int_eq(level_of(a, "follow.procedure"), 1);
    ck_assert(has_evidence(a, "follow.procedure", "SKILL.md", 7, "1. Read the input"));
    analyzer_free(a);

    a = analyze_body("1. Fetch\n2. Parse\n3. If the data is empty, stop\n");
    ck_assert_int_eq(level_of(a, "follow.procedure"), 2);
    analyzer_free(a);

    a = analyze_body("1. Render\n2. Inspect\n3. Fix issues\n4. Repeat until no issues remain\n");
    ck_assert_int_eq(level_of(a, "follow.procedure"), 3);
    analyzer_free(a);

    /* numbered lines and '#' lines inside code blocks are code, not steps or headings */
    a = analyze_body("```text\n1. one\n2. two\n3. three\n4. four\n```\n"
                     "```python\n# Step 1: not a heading\nx = 1\n```\n");
    ck_assert_int_eq(level_of(a, "follow.procedure"), 0);
    analyzer_free(a);

    /* "Step N" headings form a procedure too */
    a = analyze_body("### Step 1: Unpack\ntext\n### Step 2: Edit\ntext\n### Step 3: Pack\n"
                     "If validation fails, go to Step 2.\n");
    ck_assert_int_ge(level_of(a, "follow.procedure"), 2);
    analyzer_free(a);
}
END_TEST

START_TEST(test_tools)
{
    Analysis *a = analyze_body("```bash\ncurl -s \"https://api.example.com/v1/items?page=2\"\n```\n");
    ck_assert_int_eq(level_of(a, "tool.web"), 2);
    analyzer_free(a);
    a = analyze_body("Use web_fetch to gather the pages.\n");
    ck_assert_int_eq(level_of(a, "tool.web"), 1);
    analyzer_free(a);

    a = analyze_body("Open the site with Playwright, then click the Export button.\n");
    ck_assert_int_eq(level_of(a, "tool.browser"), 2);
    analyzer_free(a);
    a = analyze_body("Use Playwright to log in with the given credentials and download it.\n");
    ck_assert_int_eq(level_of(a, "tool.browser"), 3);
    analyzer_free(a);

    a = analyze_body("Read each file in the folder and write the summary to report.md.\n");
    ck_assert_int_ge(level_of(a, "tool.file.read"), 2);
    ck_assert_int_ge(level_of(a, "tool.file.write"), 1);
    analyzer_free(a);

    a = analyze_body("Spawn the two subagents in parallel.\n");
    ck_assert_int_eq(level_of(a, "tool.call.batch"), 2);
    analyzer_free(a);

    Skill *s = NULL;
    a = analyze_body2("Read `references/api.md` before calling the API.\n", "references/api.md",
                      "# API\n", &s);
    ck_assert_int_eq(level_of(a, "tool.file.read"), 1);
    analyzer_free(a);
    skill_free(s);
}
END_TEST

START_TEST(test_reasoning_and_follow)
{
    Analysis *a = analyze_body("Compute the percentage growth between the two quarters.\n");
    ck_assert_int_eq(level_of(a, "reason.arithmetic"), 3);
    analyzer_free(a);
    a = analyze_body("Calculate the average score.\n");
    ck_assert_int_eq(level_of(a, "reason.arithmetic"), 2);
    analyzer_free(a);

    a = analyze_body("Write a Python script to compute the totals instead of doing it by hand.\n");
    ck_assert_int_ge(level_of(a, "follow.delegation"), 1);
    analyzer_free(a);

    a = analyze_body("Keep a friendly, casual tone.\n");
    ck_assert_int_eq(level_of(a, "follow.style"), 1);
    analyzer_free(a);
    a = analyze_body("Write in the brand voice of the company.\n");
    ck_assert_int_eq(level_of(a, "follow.style"), 2);
    analyzer_free(a);

    a = analyze_body("Find the root cause of the failing test across the codebase.\n");
    ck_assert_int_eq(level_of(a, "reason.analysis"), 3);
    analyzer_free(a);

    a = analyze_body("If the upload fails, retry once and then fall back to saving locally.\n");
    ck_assert_int_eq(level_of(a, "reason.planning"), 3);
    analyzer_free(a);

    a = analyze_body("Write a comprehensive report on the incident.\n");
    ck_assert_int_eq(level_of(a, "gen.text.long"), 3);
    analyzer_free(a);
    a = analyze_body("Draft an email announcing the release.\n");
    ck_assert_int_eq(level_of(a, "gen.text.prose"), 2);
    analyzer_free(a);
}
END_TEST

/* Words in passing that must not become requirements. */
START_TEST(test_negatives)
{
    Analysis *a = analyze_body(
        "# Notes\n\n"
        "Dates use the ISO format.\n"                             /* not follow.format */
        "- Log level: `DEBUG` -> `WARNING`\n"                      /* not reason.analysis */
        "Click the link in the email to confirm.\n"                /* no browser tool named */
        "Always use `WidthType.PERCENTAGE` for nothing.\n"         /* identifier, not math */
        "Select from the options below.\n"                         /* not SQL */
        "The palette uses warm earth tones.\n"                     /* colour, not style */
        "See the [docs](https://example.com/docs) for details.\n"  /* a link, not web use */
        "This skill is about python snakes.\n"                     /* not Python code */
        "Coordinate with the team.\n"                              /* not spatial */
        "Headings: Poppins (with Arial fallback)\n");              /* not error recovery */
    const char *absent[] = {"follow.format", "reason.analysis", "tool.browser",
                            "reason.arithmetic", "gen.code.sql", "follow.style", "tool.web",
                            "gen.code.python", "reason.spatial", "reason.planning",
                            "follow.procedure"};
    for (size_t i = 0; i < SK_ARRAY_LEN(absent); i++) {
        const Requirement *r = analyzer_find(a, absent[i]);
        ck_assert_msg(r == NULL, "%s found: %s (%s)", absent[i], r ? r->why : "",
                      r ? ((Evidence *)sk_vec_get(&r->evidence, 0))->text : "");
    }
    analyzer_free(a);

    /* a numbered catalogue of names is not a procedure; "pass/fail" is not a failure plan;
     * a style named in passing is not a style requirement */
    a = analyze_body("## Themes\n\n1. **Ocean Depths** - calm blues\n2. **Sunset** - warm\n"
                     "3. **Forest Canopy** - greens\n4. **Modern Minimalist** - greys\n\n"
                     "Show a table of assertions (if grading was run) with pass/fail.\n\n"
                     "Subjective skills (writing style, design quality) are judged by people.\n");
    ck_assert_ptr_null(analyzer_find(a, "follow.procedure"));
    ck_assert_ptr_null(analyzer_find(a, "reason.planning"));
    ck_assert_ptr_null(analyzer_find(a, "follow.style"));
    analyzer_free(a);

    /* an empty body needs nothing */
    a = analyze_body("");
    ck_assert_uint_eq(a->reqs.len, 0);
    analyzer_free(a);
}
END_TEST

START_TEST(test_utf8_and_dedupe)
{
    /* CJK prose with an embedded package name; a very long CJK line */
    SkBuf b = SK_BUF_INIT;
    sk_buf_puts(&b, "使用pandas处理数据。\n\n");
    for (int i = 0; i < 120; i++)
        sk_buf_puts(&b, "汉字");
    sk_buf_puts(&b, " MUST keep\n\n```python\nimport numpy\n```\n\n```python\nimport scipy\n```\n");
    Analysis *a = analyze_body(sk_buf_cstr(&b));
    sk_buf_done(&b);
    ck_assert_int_eq(level_of(a, "gen.code.python"), 3);
    ck_assert(has_evidence(a, "gen.code.python", "SKILL.md", 5, "pandas"));
    size_t count = 0;
    for (size_t i = 0; i < a->reqs.len; i++) {
        const Requirement *r = sk_vec_get(&a->reqs, i);
        if (!strcmp(r->primitive, "gen.code.python"))
            count++;
        ck_assert_uint_ge(r->evidence.len, 1);
        ck_assert_uint_le(r->evidence.len, 5);
        for (size_t k = 0; k < r->evidence.len; k++) {
            const Evidence *e = sk_vec_get(&r->evidence, k);
            ck_assert_uint_le(strlen(e->text), 200);
            ck_assert(sk_utf8_valid(e->text, strlen(e->text), NULL));
        }
        if (i > 0) /* catalog order */
            ck_assert_int_lt(catalog_index(((Requirement *)sk_vec_get(&a->reqs, i - 1))->primitive),
                             catalog_index(r->primitive));
    }
    ck_assert_uint_eq(count, 1);
    const Requirement *c = analyzer_find(a, "follow.constraint");
    ck_assert_ptr_nonnull(c);
    analyzer_free(a);
}
END_TEST

/* ---- the reference skills ---- */

static void check_evidence_real(const Skill *s, const Analysis *a)
{
    for (size_t i = 0; i < a->reqs.len; i++) {
        const Requirement *r = sk_vec_get(&a->reqs, i);
        ck_assert_msg(catalog_find(r->primitive), "%s: unknown %s", s->id, r->primitive);
        ck_assert_msg(r->level >= 1 && r->level <= 3, "%s: level", s->id);
        ck_assert_msg(r->why && *r->why, "%s: %s has no reason", s->id, r->primitive);
        ck_assert_msg(r->evidence.len >= 1 && r->evidence.len <= 5, "%s: %s evidence count",
                      s->id, r->primitive);
        for (size_t k = 0; k < r->evidence.len; k++) {
            const Evidence *e = sk_vec_get(&r->evidence, k);
            char *text = NULL;
            size_t len = 0;
            ck_assert_msg(skill_read_file(s, e->file, 0, &text, &len, NULL) == SK_OK,
                          "%s: evidence file %s", s->id, e->file);
            /* find line e->line */
            const char *p = text;
            for (int ln = 1; ln < e->line && p; ln++) {
                p = strchr(p, '\n');
                if (p)
                    p++;
            }
            ck_assert_msg(p && *p, "%s: %s:%d beyond the end", s->id, e->file, e->line);
            const char *nl = strchr(p, '\n');
            char *line = sk_strndup(p, nl ? (size_t)(nl - p) : strlen(p));
            ck_assert_msg(*e->text && strstr(line, e->text), "%s: %s:%d text '%s' not in '%s'",
                          s->id, e->file, e->line, e->text, line);
            free(line);
            free(text);
        }
    }
}

static Analysis *analyze_ref(const char *rel, Skill **out)
{
    char *dir = tl_reference_path(rel);
    char *md = sk_path_join(dir, "SKILL.md");
    Analysis *a = NULL;
    *out = NULL;
    if (sk_is_file(md)) {
        SkError err;
        ck_assert_msg(skill_load(dir, out, &err) == SK_OK, "%s", err.msg);
        ck_assert(analyzer_run(*out, &a, &err) == SK_OK);
    }
    free(md);
    free(dir);
    return a;
}

START_TEST(test_reference_evidence)
{
    TL_REQUIRE_REFERENCE();
    static const char *const sets[] = {"skills", "skills-anthropic"};
    int analyzed = 0;
    for (size_t si = 0; si < 2; si++) {
        char *root = tl_reference_path(sets[si]);
        DIR *d = opendir(root);
        if (!d) {
            free(root);
            continue;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            char *rel = sk_asprintf("%s/%s", sets[si], de->d_name);
            Skill *s = NULL;
            Analysis *a = analyze_ref(rel, &s);
            if (a) {
                check_evidence_real(s, a);
                ck_assert_msg(a->reqs.len > 0, "%s: a real skill needs something", rel);
                analyzed++;
            }
            analyzer_free(a);
            skill_free(s);
            free(rel);
        }
        closedir(d);
        free(root);
    }
    if (!analyzed)
        TL_SKIP("no reference skills with SKILL.md");
}
END_TEST

START_TEST(test_reference_expectations)
{
    TL_REQUIRE_REFERENCE();
    Skill *s = NULL;
    Analysis *a = analyze_ref("skills/python-coding", &s);
    if (!a)
        TL_SKIP("python-coding reference skill absent");
    /* it shows `import requests` */
    ck_assert_int_eq(level_of(a, "gen.code.python"), 3);
    ck_assert_int_ge(level_of(a, "tool.web"), 1);
    ck_assert_int_ge(level_of(a, "follow.procedure"), 2); /* a 6-step API recipe */
    ck_assert_int_eq(level_of(a, "tool.browser"), 0);
    ck_assert_int_eq(level_of(a, "gen.code.sql"), 0);
    analyzer_free(a);
    skill_free(s);

    a = analyze_ref("skills/web-research", &s);
    if (a) {
        ck_assert_int_ge(level_of(a, "tool.web"), 2); /* ?format=j1 query parameters */
        ck_assert_int_ge(level_of(a, "follow.procedure"), 2);
        ck_assert_int_ge(level_of(a, "follow.format"), 2); /* "use this structure" */
        ck_assert_int_ge(level_of(a, "tool.file.write"), 1);
        analyzer_free(a);
        skill_free(s);
    }
    a = analyze_ref("skills/calendar", &s);
    if (a) {
        ck_assert_int_ge(level_of(a, "tool.file.write"), 1); /* save the .ics file */
        ck_assert_int_ge(level_of(a, "follow.procedure"), 1);
        ck_assert_int_eq(level_of(a, "gen.code.shell"), 0); /* the ICS block is not shell */
        analyzer_free(a);
        skill_free(s);
    }
    a = analyze_ref("skills/coding-lead", &s);
    if (a) {
        ck_assert_int_eq(level_of(a, "reason.planning"), 3); /* ACP fails -> fallback */
        ck_assert_int_ge(level_of(a, "follow.procedure"), 2);
        ck_assert_int_ge(level_of(a, "follow.constraint"), 2);
        analyzer_free(a);
        skill_free(s);
    }
    a = analyze_ref("skills-anthropic/internal-comms", &s);
    if (a) {
        ck_assert_int_ge(level_of(a, "gen.text.prose"), 2);
        ck_assert_int_ge(level_of(a, "tool.file.read"), 1); /* loads the examples/ guides */
        analyzer_free(a);
        skill_free(s);
    }
}
END_TEST

/* ---- gaps ---- */

static Tcp *target(const char *model, const char *const *ids, const int *levels, size_t n)
{
    Tcp *t = tcp_new(model, "bare-agent");
    for (size_t i = 0; i < n; i++)
        t->caps[catalog_index(ids[i])] = levels[i];
    return t;
}

START_TEST(test_gaps)
{
    /* python L3 (twice in the text: one requirement), browser L2, regex L1 */
    Analysis *a = analyze_body("```python\nimport pandas\n```\n\n```python\nimport numpy\n```\n\n"
                               "Open the page with Playwright and fill in the form.\n\n"
                               "Match the ids with a regex.\n");
    ck_assert_int_eq(level_of(a, "gen.code.python"), 3);
    ck_assert_int_eq(level_of(a, "tool.browser"), 2);
    ck_assert_int_eq(level_of(a, "gen.regex"), 1);

    static const char *const ids[] = {"gen.code.python", "tool.browser"};
    /* have: python 1 (weak, both guidance texts), browser absent (missing, infeasible),
     * regex absent (missing, no degradation below L1) */
    const int lv1[] = {1, -1};
    Tcp *t = target("m/weak", ids, lv1, 1);
    SkVec gaps;
    analyzer_gaps(a, t, &gaps);
    ck_assert_uint_eq(gaps.len, 3);
    const Gap *g0 = sk_vec_get(&gaps, 0);
    ck_assert_str_eq(g0->primitive, "gen.code.python");
    ck_assert_int_eq(g0->required, 3);
    ck_assert_int_eq(g0->have, 1);
    ck_assert_int_eq(g0->kind, GAP_WEAK);
    const Primitive *py = catalog_find("gen.code.python");
    ck_assert_ptr_nonnull(strstr(g0->guidance, py->degrade_3_2));
    ck_assert_ptr_nonnull(strstr(g0->guidance, py->degrade_2_1));
    ck_assert(strstr(g0->guidance, py->degrade_3_2) < strstr(g0->guidance, py->degrade_2_1));
    const Gap *g1 = sk_vec_get(&gaps, 1);
    ck_assert_str_eq(g1->primitive, "gen.regex");
    ck_assert_int_eq(g1->kind, GAP_MISSING);
    ck_assert_int_eq(g1->have, 0);
    ck_assert_ptr_nonnull(strstr(g1->guidance, "No degradation below L1"));
    const Gap *g2 = sk_vec_get(&gaps, 2);
    ck_assert_str_eq(g2->primitive, "tool.browser");
    ck_assert_int_eq(g2->kind, GAP_MISSING);
    ck_assert_ptr_nonnull(strstr(g2->guidance, "no feasible degradation"));
    ck_assert_ptr_null(strstr(g2->guidance, "L3->L2")); /* required 2: only the 2->1 step */
    sk_vec_done(&gaps);
    tcp_free(t);

    /* have python 2: only the L3->L2 text; browser 3 and regex 1: no gaps */
    static const char *const ids2[] = {"gen.code.python", "tool.browser", "gen.regex"};
    const int lv2[] = {2, 3, 1};
    t = target("m/mid", ids2, lv2, 3);
    analyzer_gaps(a, t, &gaps);
    ck_assert_uint_eq(gaps.len, 1);
    g0 = sk_vec_get(&gaps, 0);
    ck_assert_int_eq(g0->kind, GAP_WEAK);
    ck_assert_ptr_nonnull(strstr(g0->guidance, py->degrade_3_2));
    ck_assert_ptr_null(strstr(g0->guidance, py->degrade_2_1));
    sk_vec_done(&gaps);

    /* JSON shape */
    const Tcp *targets[] = {t};
    json_t *j = analyzer_to_json(a, targets, 1);
    ck_assert_uint_eq(json_object_size(j), 3);
    ck_assert_str_eq(json_string_value(json_object_get(j, "skill")), a->skill_name);
    json_t *reqs = json_object_get(j, "requirements");
    ck_assert_uint_eq(json_array_size(reqs), a->reqs.len);
    json_t *r0 = json_array_get(reqs, 0);
    ck_assert_uint_eq(json_object_size(r0), 4);
    ck_assert(json_is_integer(json_object_get(r0, "level")));
    json_t *e0 = json_array_get(json_object_get(r0, "evidence"), 0);
    ck_assert_uint_eq(json_object_size(e0), 3);
    ck_assert(json_is_integer(json_object_get(e0, "line")));
    ck_assert(json_is_string(json_object_get(e0, "file")));
    ck_assert(json_is_string(json_object_get(r0, "why")));
    json_t *t0 = json_array_get(json_object_get(j, "targets"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(t0, "model")), "m/mid");
    ck_assert_str_eq(json_string_value(json_object_get(t0, "harness")), "bare-agent");
    json_t *jg = json_array_get(json_object_get(t0, "gaps"), 0);
    ck_assert_uint_eq(json_object_size(jg), 5);
    ck_assert_str_eq(json_string_value(json_object_get(jg, "kind")), "weak");
    ck_assert_int_eq(json_integer_value(json_object_get(jg, "required")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(jg, "have")), 2);
    json_decref(j);
    j = analyzer_to_json(a, NULL, 0);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "targets")), 0);
    json_decref(j);
    tcp_free(t);
    analyzer_free(a);
}
END_TEST

START_TEST(test_guidance_texts)
{
    char *g = analyzer_guidance("tool.browser", 3, 0);
    ck_assert_ptr_nonnull(strstr(g, catalog_find("tool.browser")->degrade_3_2));
    ck_assert_ptr_nonnull(strstr(g, "no feasible degradation"));
    free(g);
    g = analyzer_guidance("follow.style", 2, 2);
    ck_assert_ptr_nonnull(strstr(g, "no change"));
    free(g);
    g = analyzer_guidance("not.a.primitive", 2, 0);
    ck_assert_ptr_nonnull(strstr(g, "Unknown primitive"));
    free(g);
    /* a profile that lacks the primitive counts as 0 (missing) */
    Analysis *a = analyze_body("Keep a casual tone.\n");
    Tcp *t = tcp_new("m/none", NULL);
    SkVec gaps;
    analyzer_gaps(a, t, &gaps);
    ck_assert_uint_eq(gaps.len, 1);
    ck_assert_int_eq(((Gap *)sk_vec_get(&gaps, 0))->kind, GAP_MISSING);
    sk_vec_done(&gaps);
    tcp_free(t);
    analyzer_free(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("analyzer");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, test_python_levels);
    tcase_add_test(tc, test_bundle_script);
    tcase_add_test(tc, test_shell_levels);
    tcase_add_test(tc, test_sql_html_regex);
    tcase_add_test(tc, test_structured_and_format);
    tcase_add_test(tc, test_constraints);
    tcase_add_test(tc, test_procedures);
    tcase_add_test(tc, test_tools);
    tcase_add_test(tc, test_reasoning_and_follow);
    tcase_add_test(tc, test_negatives);
    tcase_add_test(tc, test_utf8_and_dedupe);
    suite_add_tcase(s, tc);
    TCase *tr = tcase_create("reference");
    tcase_add_test(tr, test_reference_evidence);
    tcase_add_test(tr, test_reference_expectations);
    suite_add_tcase(s, tr);
    TCase *tg = tcase_create("gaps");
    tcase_add_test(tg, test_gaps);
    tcase_add_test(tg, test_guidance_texts);
    suite_add_tcase(s, tg);
    return tl_run_suite(s);
}
