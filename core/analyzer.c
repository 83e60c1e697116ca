/* analyzer.c: offline, rule-based capability requirements of a skill, and gap analysis.
 *
 * The analyzer reads SKILL.md (frontmatter and body) and the text files of the bundle
 * (scripts and reference documents, not licences or assets) line by line. Markdown fenced
 * code blocks are tracked (``` or ~~~, with their language tag) so that a line inside a
 * ```python block is Python evidence and a "# heading" inside code is not a heading.
 * Bundle scripts are code in the language of their extension.
 *
 * Every rule that fires records a HIT: primitive, level, file, line, the line's text and a
 * reason. Per primitive the highest level wins; evidence lists the hits of the highest
 * level first (SKILL.md before bundle files), deduplicated by line, at most 5.
 * Some hits are GATED: they count only when the same primitive also has an ungated hit
 * (for example "click" is browser evidence only in a skill that names a browser tool).
 *
 * Where rules look ("prose" = outside code blocks):
 *   S  prose of SKILL.md (frontmatter included)      A  prose of any scanned file
 *   C  code (fenced blocks, bundle scripts)
 *
 * Rule table (keyword rules live in kw_rules[] below; the others are functions):
 *
 * primitive           where  trigger                                           level
 * ------------------  -----  ------------------------------------------------  -----
 * gen.code.python     C      ```python block / .py script                      1
 *                     C      import of a basic module (sys, math, time...)     1
 *                     C      import of a stdlib module (json, csv, re, os...)  2
 *                     C      import of a third-party module (pandas...)        3
 *                     S C    `python3 x.py` / `python -m x` command            1
 *                     A      names a third-party package, `pip install`        3
 * gen.code.javascript C      ```js/ts block / .js script, require('fs')        1
 *                     C      Node built-in or npm module, npm/npx commands     2
 *                     C      async/await, DOM APIs; A: bundlers (vite...)      3
 * gen.code.shell      C      shell block or shell-like line in an untagged     1
 *                            block / .sh script
 *                     C      pipes, redirection, loops, $(...), &&             2
 *                     C      sed, awk, xargs, find -exec                       3
 * gen.code.sql        C      SELECT..FROM, INSERT INTO, CREATE TABLE           1
 *                     C      JOIN, GROUP BY, HAVING, OVER (, (SELECT           2
 *                     C      WITH name AS ( (CTE), WITH RECURSIVE              3
 * gen.code.html       C      h1/p/ul/a tags in html/svg/jsx code               1
 *                     C      form/table/section/svg shapes, CSS                2
 *                     C      @media, aria-, role=, svg paths/gradients         3
 *                     S      "create ... HTML" 1, "... SVG" 2, a11y/responsive 3 (gated)
 * gen.text.structured C      ```json/yaml block: <500 B flat 1, nested 2,      1-3
 *                            >5 KB or depth >= 4 3
 *                     S      "output/return ... JSON/YAML" 1, "JSON schema" 2
 * gen.text.long       S      write/generate a report/document 2; comprehensive 3
 *                            report, "N words" (N >= 1500) 3
 * gen.text.prose      S      write a summary/description 1; email/announcement 2;
 *                            article/essay/newsletter/story 3
 * gen.regex           A C    "regex" 1; capture groups/alternation 2;          1-3
 *                            lookaround/named groups 3; re.*( / RegExp calls
 *                            graded by the pattern's features
 * reason.arithmetic   S      calculate/compute 1; average/median/weighted 2;   1-3
 *                            percentage/growth/financial 3 (not on lines about
 *                            number formatting)
 * reason.logic        S      deduce/infer 1; satisfy constraints 2; optimal 3
 * reason.spatial      A C    distance/coordinates 1; geometry/rotation 2;      1-3
 *                            3D/spherical/lat-long 3; rotate()/atan2 in code 2
 * reason.planning     S      plan/prioritize 1; decompose/subtasks/parallel 2;  1-3
 *                            "if X fails", fallback next to a failure word,
 *                            retry/recover/rollback 3
 * reason.analysis     S      explain code 1; review/debug/bugs 2;              1-3
 *                            root cause/codebase/architecture 3
 * tool.file.read      S      read/open a file 1; several files, missing files 2;
 *                            large files/offsets/chunks 3 (gated)
 *                     S      mentions a bundle file by path: 1 (2 when >= 2)
 * tool.file.write     S      save/write to a file 1; a report/document file 2;
 *                            several files/project structure 3
 * tool.exec           S C    shell commands, `python3 x.py`, "run the script" 1;
 *                            write a script and run it, output to a file 2;
 *                            >= 6 command lines in >= 3 blocks 3
 * tool.call.format    C      name(key: value, ...) tool-call syntax: 2,
 *                            nested { or [ in the arguments 3
 * tool.call.batch     S      in parallel/simultaneously 2; comparing batched
 *                            results 3 (gated)
 * tool.web            A C    URL with curl/fetch/requests/API words 1,         1-3
 *                            HTTP client calls in Python/JS code 1,
 *                            with query parameters 2; web_fetch/web search 1;
 *                            pagination/multiple APIs 3 (gated)
 * tool.browser        A C    playwright/puppeteer/selenium/headless browser 1;
 *                            click/fill/forms 2, login/auth 3 (gated)
 * follow.format       S      named format ("as JSON", "markdown table") 1;
 *                            a ```json/yaml block within 3 lines after a
 *                            sentence about output/schema/format 2;
 *                            "use this structure/template", "output format",
 *                            schema 2; >= 3 such lines 3
 * follow.constraint   S      sentences with MUST/NEVER/ALWAYS/do not/must/never:
 *                            1-2 rules 1, 3-5 rules 2, >= 6 rules or a rule
 *                            against habit ("even if", "regardless") 3
 * follow.procedure    S      numbered list / "Step N" headings whose steps
 *                            mostly start with a verb: >= 3 steps 1;
 *                            >= 5 steps or a branch (if/otherwise/go to) 2;
 *                            a loop (repeat/until/re-run) or verification in
 *                            a long or branching list 3
 * follow.delegation   S      "write a script to compute" 1; code instead of
 *                            mental math 2; always use code 3
 * follow.style        S      tone/casual/formal tone 1 (not colour tones);
 *                            persona, or use/keep/apply + voice/brand/style
 *                            guide 2; consistent tone/style 3
 *
 * To add a keyword rule, add a row to kw_rules[]. Pattern syntax: groups separated by
 * " * " must appear in this order on one line, with any text between them; a group is a
 * list of phrases separated by '|' ("in parallel|at the same time"); the words of a phrase
 * must be adjacent (spaces and light punctuation between them); a trailing '~' on a word
 * makes it a prefix ("calculat~" matches "calculation"). Matching is ASCII
 * case-insensitive with word boundaries (UTF-8 text such as CJK counts as a boundary). */
#include "core/analyzer.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/catalog.h"

#define AN_MAX_EVIDENCE 5
#define AN_MAX_TEXT 200
#define AN_MAX_LINE 4000
#define AN_MAX_FILE_BYTES (1u << 20)
#define AN_MAX_HITS_PER_PRIM 200
#define AN_MAX_GAP 80 /* bytes allowed between the groups of a pattern */

/* ------------------------------------------------------------------------------------ */
/* where a rule applies */
enum {
    W_SKILL = 1,  /* prose of SKILL.md */
    W_PROSE = 2,  /* prose of any scanned file */
    W_CODE = 4,   /* code */
};

typedef struct KwRule {
    const char *prim;
    int level;
    unsigned where;
    bool gated;
    const char *pat;
    const char *why;
    const char *unless; /* optional: the rule does not fire on lines matching this */
} KwRule;

static const KwRule kw_rules[] = {
    /* gen.code.python */
    {"gen.code.python", 3, W_PROSE, false,
     "pandas|openpyxl|numpy|matplotlib|scipy|python-pptx|python-docx|pdfplumber|pypdf|pypdf2|"
     "reportlab|beautifulsoup~|bs4|seaborn|plotly|scikit-learn|sklearn|markitdown",
     "uses a third-party Python package", NULL},
    {"gen.code.python", 3, W_PROSE | W_CODE, false, "pip install|pip3 install|uv pip install",
     "installs third-party Python packages", NULL},
    {"gen.code.python", 1, W_SKILL, false, "write|create|generate|writing * python script|python program|python code",
     "asks for Python code", NULL},
    /* gen.code.javascript */
    {"gen.code.javascript", 2, W_PROSE | W_CODE, false, "npm install|npm i|npm ci|npm run|pnpm install|pnpm add|yarn add|yarn install|bun add",
     "installs or runs npm packages", NULL},
    {"gen.code.javascript", 2, W_PROSE | W_CODE, false, "npx|pptxgenjs|node.js|nodejs",
     "uses Node.js tooling or npm packages", NULL},
    {"gen.code.javascript", 3, W_PROSE | W_CODE, false, "vite|webpack|parcel|esbuild|rollup",
     "uses a JavaScript build tool", NULL},
    {"gen.code.javascript", 2, W_SKILL, false, "react|vue.js|svelte|angular|typescript",
     "writes front-end framework or TypeScript code", "react to|react quickly|react when"},
    /* gen.code.shell */
    {"gen.code.shell", 1, W_SKILL, false, "bash script|bash scripts|shell script|shell scripts", "asks for shell scripts", NULL},
    /* gen.code.sql */
    {"gen.code.sql", 1, W_SKILL, false, "sql|sqlite", "works with SQL", NULL},
    /* gen.code.html */
    {"gen.code.html", 1, W_SKILL, false,
     "create|write|generate|build|produce|render|output * html", "produces HTML", NULL},
    {"gen.code.html", 1, W_SKILL, false, "html page|html file|html document|html artifact~|html output",
     "produces HTML", NULL},
    {"gen.code.html", 1, W_SKILL, false,
     "build|create|design * web page|webpage|website|landing page|web app~|web interface~",
     "builds a web page", NULL},
    {"gen.code.html", 2, W_SKILL, false, "create|write|generate|build|produce|output * svg",
     "produces SVG", NULL},
    {"gen.code.html", 3, W_SKILL, true,
     "responsive|accessibility|accessible|aria|wcag|media queries|media query",
     "needs responsive or accessible markup", NULL},
    /* gen.text.structured */
    {"gen.text.structured", 1, W_SKILL, false,
     "output|return|respond|reply|emit|produce|generate|write|save * json|yaml",
     "emits JSON or YAML", NULL},
    {"gen.text.structured", 2, W_SKILL, false, "json schema|json schemas|yaml schema",
     "emits JSON that follows a schema", NULL},
    /* gen.text.long */
    {"gen.text.long", 2, W_SKILL, false,
     "write|writing|generate|generating|create|creating|produce|producing|draft * report|"
     "reports|document|documentation|article|"
     "whitepaper|guide|newsletter|essay|proposal|manual",
     "produces a multi-section document", NULL},
    {"gen.text.long", 3, W_SKILL, false,
     "comprehensive|in-depth|exhaustive|lengthy|long-form * report|document|documentation|"
     "analysis|guide|article",
     "produces a long, comprehensive document", NULL},
    {"gen.text.long", 3, W_SKILL, false, "multi-page|long-form", "produces long-form output", NULL},
    {"gen.text.long", 2, W_SKILL, false,
     "report generation|research report~|creating reports|writing reports|write-up",
     "produces a multi-section report", NULL},
    /* gen.text.prose */
    {"gen.text.prose", 1, W_SKILL, false,
     "write|draft|compose|writing * summary|summaries|paragraph|description|caption~",
     "writes a short piece of prose", NULL},
    {"gen.text.prose", 2, W_SKILL, false,
     "write|draft|compose|writing * email|emails|announcement~|letter|update|updates|message~|"
     "memo|faq|prose|paragraphs|post|posts|communication~|comms",
     "writes multi-paragraph prose in a consistent tone", NULL},
    {"gen.text.prose", 3, W_SKILL, false,
     "write|draft|compose|writing|create|produce * article|articles|essay|newsletter~|blog|"
     "manifesto|narrative|story|stories|long-form",
     "writes long-form prose with sections", NULL},
    /* gen.regex */
    {"gen.regex", 1, W_PROSE, false, "regex|regexes|regexp|regular expression~",
     "uses regular expressions", NULL},
    {"gen.regex", 2, W_PROSE, true, "capture group~|alternation|anchors",
     "uses regex groups or alternation", NULL},
    {"gen.regex", 3, W_PROSE, false, "lookahead|lookbehind|lookaround|named group~|named capture~",
     "uses advanced regex features", NULL},
    /* reason.arithmetic */
    {"reason.arithmetic", 1, W_SKILL, false,
     "calculat~|arithmetic|compute|computes|computed|computing|add up|sum of|total of",
     "performs calculations", NULL},
    {"reason.arithmetic", 2, W_SKILL, false,
     "average~|median|weighted|statistic~|standard deviation|variance|subtotal~",
     "performs multi-step calculations", "format|formats|formatting|formatted"},
    {"reason.arithmetic", 3, W_SKILL, false,
     "percent|percentage~|growth rate~|compound~|interest rate~|cagr|roi|npv|irr|amortiz~|"
     "financial model~|discounted cash|year-over-year|depreciation|valuation~",
     "performs compound (percentage or financial) calculations",
     "format|formats|formatting|formatted|percentage-based width~"},
    /* reason.logic */
    {"reason.logic", 1, W_SKILL, false, "deduce|deduction|deductive|logic puzzle~|syllogism~|logically follow~",
     "draws logical conclusions", NULL},
    {"reason.logic", 2, W_SKILL, false,
     "satisfy|satisfies|satisfying * constraint~|condition~|requirement~",
     "satisfies several constraints at once", NULL},
    {"reason.logic", 3, W_SKILL, false,
     "optimal|best possible * schedul~|assignment~|allocation~|route~|combination~|solution~|plan",
     "optimizes under constraints", NULL},
    /* reason.spatial */
    {"reason.spatial", 1, W_PROSE, false, "distance|distances|coordinates|spatial",
     "reasons about positions and distances", NULL},
    {"reason.spatial", 2, W_PROSE, false,
     "geometry|geometric~|polygon~|area of|perimeter",
     "reasons about geometry and transforms", NULL},
    {"reason.spatial", 3, W_PROSE, false,
     "3d|three-dimensional|spherical|haversine|great-circle|latitude|longitude|quaternion~",
     "reasons about 3D or spherical geometry", NULL},
    {"reason.spatial", 2, W_CODE, false, "rotate|atan2|sin|cos|hypot",
     "computes geometric transforms in code", NULL},
    /* reason.planning */
    {"reason.planning", 1, W_SKILL, false, "plan|planning|prioriti~", "plans the work", NULL},
    {"reason.planning", 2, W_SKILL, false,
     "decompos~|subtask~|sub-task~|in parallel|parallelize|depends on|dependency order|"
     "critical path|milestone~",
     "decomposes work into dependent subtasks", NULL},
    {"reason.planning", 2, W_SKILL, false, "break * down", "decomposes work into subtasks", NULL},
    {"reason.planning", 3, W_SKILL, false,
     "on failure|recover|recovery|rollback|roll back|retry|retries|contingenc~|error handling "
     "strategy",
     "plans conditional branches and error recovery", NULL},
    {"reason.planning", 3, W_SKILL, false, "if|when|unless * fail|fails|failed|times out",
     "plans conditional branches and error recovery", "pass/fail|pass or fail|pass-fail"},
    {"reason.planning", 3, W_SKILL, false, "fail|fails|failed|failure * fallback|fall back",
     "plans conditional branches and error recovery", NULL},
    {"reason.planning", 3, W_SKILL, false, "fallback|fall back * fail|fails|failed|failure",
     "plans conditional branches and error recovery", NULL},
    /* reason.analysis */
    {"reason.analysis", 1, W_SKILL, false,
     "explain|understand|read * code|snippet~|function|script", "understands code", NULL},
    {"reason.analysis", 2, W_SKILL, false,
     "code review~|debug~|bug|bugs|bugfix~|troubleshoot~|diagnos~|stack trace~|traceback~",
     "reviews or debugs code", "log level|log-level|loglevel|bug hunt"},
    {"reason.analysis", 2, W_SKILL, false, "review * code|changes|diff|pull request~",
     "reviews code", NULL},
    {"reason.analysis", 3, W_SKILL, false,
     "root cause~|root-cause~|codebase|multi-file|multi-module|call chain~|code architecture|"
     "software architecture|existing architecture|cross-file",
     "traces causes across a system or codebase", NULL},
    /* tool.file.read */
    {"tool.file.read", 1, W_SKILL, false,
     "read|open|examine|inspect|view * file|document|spreadsheet|workbook|pdf|csv|"
     "presentation|.docx|.xlsx|.pptx|.md|.json|.txt",
     "reads a file", NULL},
    {"tool.file.read", 1, W_SKILL, false, "read_file|read tool|input file~|uploaded file~",
     "reads a file", NULL},
    {"tool.file.read", 2, W_SKILL, false,
     "read|open|load|scan|search|examine|inspect * each|every|all|multiple|several * file~|"
     "document~",
     "reads several files", NULL},
    {"tool.file.read", 2, W_SKILL, false,
     "missing file~", "handles missing files", NULL},
    {"tool.file.read", 2, W_SKILL, false,
     "file|files * does not exist|doesn't exist|not found|is missing|are missing",
     "handles missing files", NULL},
    {"tool.file.read", 3, W_SKILL, true,
     "large file~|huge file~|long file~|in chunks|line range~|head -n|read * offset~|"
     "offset * line|offset * lines|paginat~ * file|file~ * paginat~",
     "reads large files in pieces", NULL},
    /* tool.file.write */
    {"tool.file.write", 1, W_SKILL, false,
     "save|write|store|export * to|into|in * file|disk|workspace|folder|directory|path",
     "writes a file", NULL},
    {"tool.file.write", 1, W_SKILL, false,
     "save|write|create|generate|produce|export * file|.ics|.csv|.json|.html|.md|.svg|.png|"
     ".txt",
     "writes a file", NULL},
    {"tool.file.write", 1, W_SKILL, false, "write_file|write tool|output file~",
     "writes a file", NULL},
    {"tool.file.write", 2, W_SKILL, false,
     "save|write|create|generate|produce|export * report|document|readme|presentation|deck|"
     "workbook|spreadsheet|.docx|.xlsx|.pptx|.pdf",
     "writes a document-sized file", NULL},
    {"tool.file.write", 3, W_SKILL, false,
     "create|write|generate|save|produce * files|multiple files|several files|each file|"
     "project structure|directory structure|scaffold~",
     "writes several files", NULL},
    /* tool.exec */
    {"tool.exec", 1, W_SKILL, false,
     "run|execute|exec|invoke * script|scripts|command|commands|cli|tests|.py|.sh|.js",
     "runs commands", NULL},
    {"tool.exec", 2, W_SKILL, false, "write|create * script * run|execute|and run|then run",
     "writes a script and runs it", NULL},
    {"tool.exec", 2, W_SKILL, false, "run|execute * script * output|result~|save",
     "runs a script and uses its output", NULL},
    /* tool.call.batch */
    {"tool.call.batch", 2, W_SKILL, false,
     "in parallel|simultaneously|concurrently|at the same time|same turn|all at once",
     "issues several tool calls together", NULL},
    {"tool.call.batch", 2, W_SKILL, false,
     "batch|parallel * read~|request~|call~|file~|fetch~|subagent~|agents|runs",
     "issues several tool calls together", NULL},
    {"tool.call.batch", 3, W_SKILL, true,
     "compare|cross-reference|cross-check|aggregate|combine * results|findings|sources|outputs",
     "reasons across the results of batched calls", NULL},
    /* tool.web */
    {"tool.web", 1, W_PROSE, false,
     "web_fetch|web_search|webfetch|websearch|web search|search the web|search online|"
     "scrape|scraping|crawl~|http request~|rest api~|curl|wget",
     "accesses the web", NULL},
    {"tool.web", 1, W_SKILL, true, "api endpoint~|api call~|http api~", "calls web APIs", NULL},
    {"tool.web", 1, W_SKILL, false, "fetch * url|urls|page|pages|html|data|website~|web",
     "fetches web content", NULL},
    {"tool.web", 2, W_SKILL, true,
     "query param~|query string~|request header~|accept header~|multiple sources|several sources",
     "uses request parameters or several sources", NULL},
    {"tool.web", 3, W_SKILL, true,
     "paginat~|per_page|next page|next_cursor|multiple apis|several apis|multiple endpoints",
     "combines several APIs or paginated results", NULL},
    /* tool.browser */
    {"tool.browser", 1, W_PROSE | W_CODE, false,
     "playwright|puppeteer|selenium|headless browser~|headless chrom~|browser automation|"
     "webdriver|page.goto|browser_navigate|browser tool",
     "drives a web browser", NULL},
    {"tool.browser", 2, W_PROSE | W_CODE, true,
     "click|clicks|clicking|fill in|fill out|form|forms|type into|hover|page.click|page.fill|"
     "dropdown~",
     "interacts with page elements", NULL},
    {"tool.browser", 3, W_PROSE, true,
     "log in|login|sign in|authenticat~|credential~|session cookie~",
     "runs authenticated multi-step browser workflows", NULL},
    /* follow.format */
    {"follow.format", 1, W_SKILL, false,
     "respond|reply|answer|output|return|format~|present * in|as * json|yaml|markdown|csv|xml|"
     "table|bullet~",
     "output in a named format", NULL},
    {"follow.format", 2, W_SKILL, false,
     "output format|response format|report format|format as follows|following format|"
     "following structure|following template|this structure|this format|this template|"
     "exact format|exactly this|required fields|use this structure|use this format",
     "output follows a given structure or template", NULL},
    /* follow.delegation */
    {"follow.delegation", 1, W_SKILL, false,
     "write|create|use * script|code|program * to * calculat~|comput~|process|count|pars~|"
     "convert|analy~|extract|transform|validate",
     "delegates work to code", NULL},
    {"follow.delegation", 2, W_SKILL, false,
     "instead of|rather than * by hand|manually|mentally|in your head|mental math",
     "prefers code over doing it by hand", NULL},
    {"follow.delegation", 2, W_SKILL, false, "programmatically", "prefers code over doing it by hand", NULL},
    {"follow.delegation", 3, W_SKILL, false,
     "always * use|write|run|delegate * script|scripts|code * to|for|when",
     "delegates to code consistently", NULL},
    /* follow.style */
    {"follow.style", 1, W_SKILL, false,
     "tone|informal|casual|conversational|formal tone|formal language|formal writing|"
     "formal register|friendly tone|professional tone",
     "keeps a requested tone", "color|colour|colors|colours|hue|shade|palette|two-tone|skin"},
    {"follow.style", 2, W_SKILL, false, "persona|personas|in the style of|keep the register",
     "keeps a persona, voice or brand style", NULL},
    {"follow.style", 2, W_SKILL, false,
     "use|uses|match|matches|keep|maintain|adopt|follow|write in|written in|apply|applies|"
     "applying * voice|brand voice|brand guideline~|brand identity|brand colors|brand colours|"
     "brand style|writing style|style guide~|house style|visual identity",
     "keeps a persona, voice or brand style", NULL},
    {"follow.style", 3, W_SKILL, false,
     "consistent~ * tone|voice|style|look|feel|aesthetic~", "keeps one style across long output", NULL},
};

/* ------------------------------------------------------------------------------------ */
/* word matcher */

static bool is_word_byte(unsigned char c)
{
    return c < 0x80 && (isalnum(c) || c == '_');
}

/* Match one choice (of length N, maybe with trailing '~') at P. Returns end or NULL. */
static const char *match_choice(const char *line, const char *p, const char *c, size_t n)
{
    bool prefix = n > 0 && c[n - 1] == '~';
    if (prefix)
        n--;
    if (n == 0 || strncasecmp(p, c, n) != 0)
        return NULL;
    if (is_word_byte((unsigned char)c[0]) && p > line && is_word_byte((unsigned char)p[-1]))
        return NULL;
    const char *e = p + n;
    if (prefix) {
        while (is_word_byte((unsigned char)*e) || *e == '-')
            e++;
        return e;
    }
    if (is_word_byte((unsigned char)c[n - 1]) && is_word_byte((unsigned char)*e))
        return NULL;
    return e;
}

/* Match a phrase (words separated by single spaces, each word may end in '~') at P.
 * Between words the line may have spaces and light punctuation. Returns the end or NULL. */
static const char *match_phrase(const char *line, const char *p, const char *ph, size_t n)
{
    const char *w = ph;
    const char *end = ph + n;
    bool first = true;
    while (w < end) {
        const char *sp = memchr(w, ' ', (size_t)(end - w));
        size_t wn = sp ? (size_t)(sp - w) : (size_t)(end - w);
        if (!first)
            while (*p == ' ' || *p == '\t' || *p == '`' || *p == '*' || *p == '"' ||
                   *p == '\'' || *p == ':' || *p == ',')
                p++;
        p = match_choice(line, p, w, wn);
        if (!p)
            return NULL;
        first = false;
        w += wn + (sp ? 1 : 0);
    }
    return p;
}

typedef struct Group {
    const char *s;
    size_t n;
} Group;

/* Group GI (choices separated by '|') anywhere at or after P, then the following groups. */
static bool match_groups(const char *line, const char *p, const Group *g, size_t ng, size_t gi)
{
    for (const char *q = p; *q && (gi == 0 || q - p <= AN_MAX_GAP); q++) {
        unsigned char qc = (unsigned char)tolower((unsigned char)*q);
        const char *c = g[gi].s;
        const char *end = g[gi].s + g[gi].n;
        while (c < end) {
            const char *bar = memchr(c, '|', (size_t)(end - c));
            size_t cn = bar ? (size_t)(bar - c) : (size_t)(end - c);
            if (cn && (unsigned char)tolower((unsigned char)*c) == qc) {
                const char *e = match_phrase(line, q, c, cn);
                if (e && (gi + 1 == ng || match_groups(line, e, g, ng, gi + 1)))
                    return true;
            }
            c += cn + 1;
        }
    }
    return false;
}

/* Does LINE match PAT? Groups are separated by " * " (any text between); each group is a
 * list of '|'-separated phrases. */
static bool pattern_match(const char *line, const char *pat)
{
    Group g[8];
    size_t ng = 0;
    const char *p = pat;
    while (ng < 8) {
        const char *star = strstr(p, " * ");
        g[ng].s = p;
        g[ng].n = star ? (size_t)(star - p) : strlen(p);
        ng++;
        if (!star)
            break;
        p = star + 3;
    }
    return match_groups(line, line, g, ng, 0);
}

/* Case-sensitive or -insensitive whole-word search. */
static const char *find_word(const char *line, const char *w, bool icase)
{
    size_t n = strlen(w);
    for (const char *p = line; *p; p++) {
        if ((icase ? strncasecmp(p, w, n) : strncmp(p, w, n)) != 0)
            continue;
        if (p > line && is_word_byte((unsigned char)p[-1]) && is_word_byte((unsigned char)w[0]))
            continue;
        if (is_word_byte((unsigned char)p[n]) && is_word_byte((unsigned char)w[n - 1]))
            continue;
        return p;
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------ */
/* hits */

typedef struct Hit {
    int prim;
    int level;
    int file_order;
    int line;
    bool gated;
    char *file;
    char *text;
    char *why;
} Hit;

static void hit_free(void *p)
{
    Hit *h = p;
    if (!h)
        return;
    free(h->file);
    free(h->text);
    free(h->why);
    free(h);
}

typedef enum Lang {
    LANG_PROSE,
    LANG_PY,
    LANG_JS,
    LANG_SH,
    LANG_SQL,
    LANG_HTML,
    LANG_CSS,
    LANG_JSON,
    LANG_YAML,
    LANG_MD,
    LANG_UNTAGGED,
    LANG_OTHER,
} Lang;

typedef struct ListState {
    int len;          /* steps so far */
    int last;         /* last step number */
    int start_line;
    char *start_text;
    int heading_level; /* for "Step N" headings */
    int imperative;    /* steps that start with a verb */
    int branch_line, loop_line, verify_line;
    char *branch_text, *loop_text, *verify_text;
} ListState;

typedef struct Ctx {
    const Skill *skill;
    SkVec hits;          /* Hit * */
    int counts[CATALOG_COUNT][4]; /* hits kept per primitive and level */
    /* per file */
    const char *file;
    int file_order;
    bool is_skill;
    bool jsx;            /* current code allows html tags (jsx/tsx) */
    /* fence state */
    bool in_fence;
    char fence_ch;
    int fence_len;
    Lang lang;
    char lang_tag[32];
    int fence_line;
    char *fence_text;
    size_t fence_bytes;
    int fence_depth;
    int fence_depth_max;
    bool fence_has_shell;
    int fence_count_shell_blocks;
    /* counters across the skill */
    int cmd_lines;
    int cmd_blocks;
    SkVec constraints;   /* Hit * candidates */
    SkVec format_l2;     /* Hit * candidates */
    SkVec bundle_refs;   /* char * distinct bundle paths referenced */
    ListState num, step;
    int intent_line;     /* last SKILL.md prose line that talks about output or a schema */
} Ctx;

static char *evidence_text(const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
        n--;
    if (n > AN_MAX_TEXT) {
        n = AN_MAX_TEXT;
        while (n > 0 && ((unsigned char)line[n] & 0xC0) == 0x80)
            n--;
    }
    return sk_strndup(line, n);
}

static void add_hit_at(Ctx *c, const char *prim, int level, int line, const char *text,
                       bool gated, const char *why)
{
    int pi = catalog_index(prim);
    if (pi < 0 || level < 1 || level > 3)
        return;
    if (c->counts[pi][level] >= AN_MAX_HITS_PER_PRIM)
        return;
    c->counts[pi][level]++;
    Hit *h = sk_calloc(1, sizeof *h);
    h->prim = pi;
    h->level = level;
    h->file_order = c->file_order;
    h->line = line;
    h->gated = gated;
    h->file = sk_strdup(c->file);
    h->text = evidence_text(text);
    h->why = sk_strdup(why);
    sk_vec_push(&c->hits, h);
}

static Hit *cand_new(Ctx *c, int line, const char *text, int level, const char *why)
{
    Hit *h = sk_calloc(1, sizeof *h);
    h->prim = -1;
    h->level = level;
    h->file_order = c->file_order;
    h->line = line;
    h->file = sk_strdup(c->file);
    h->text = evidence_text(text);
    h->why = sk_strdup(why);
    return h;
}

/* ------------------------------------------------------------------------------------ */
/* language tables */

static const char *const py_basic[] = {"sys", "math", "random", "time", "string", "typing",
                                       "__future__", "pprint", "dataclasses", "enum"};
static const char *const py_stdlib[] = {
    "os", "json", "csv", "re", "pathlib", "argparse", "subprocess", "datetime", "collections",
    "itertools", "functools", "urllib", "http", "io", "shutil", "glob", "tempfile", "logging",
    "statistics", "hashlib", "base64", "textwrap", "copy", "uuid", "zipfile", "tarfile",
    "sqlite3", "xml", "html", "unicodedata", "decimal", "fractions", "asyncio", "threading",
    "concurrent", "multiprocessing", "socket", "email", "smtplib", "traceback", "inspect",
    "ast", "contextlib", "abc", "operator", "heapq", "bisect", "struct", "platform", "signal",
    "getpass", "locale", "calendar", "zoneinfo", "secrets", "gzip", "bz2", "lzma", "pickle",
    "shelve", "configparser", "tomllib", "difflib", "fnmatch", "queue", "array", "weakref",
    "types", "warnings", "unittest", "doctest", "venv", "webbrowser", "ssl", "select",
    "codecs", "binascii", "mimetypes", "shlex", "errno", "stat", "filecmp", "timeit", "cmath",
    "numbers", "colorsys", "imghdr", "wave", "curses", "gettext", "importlib", "pkgutil",
    "site", "sysconfig", "optparse", "cProfile", "profile", "pdb", "atexit", "gc", "ctypes",
};
static const char *const node_builtin[] = {
    "path", "child_process", "os", "http", "https", "url", "util", "crypto", "events",
    "stream", "readline", "zlib", "process", "assert", "buffer", "net", "querystring",
    "worker_threads", "cluster", "dns", "timers", "fs/promises", "module", "vm", "tty",
};

static bool in_list(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static Lang lang_from_tag(const char *tag, bool *jsx)
{
    *jsx = false;
    static const struct {
        const char *tag;
        Lang lang;
    } map[] = {
        {"python", LANG_PY},     {"py", LANG_PY},         {"python3", LANG_PY},
        {"ipython", LANG_PY},    {"pycon", LANG_PY},      {"javascript", LANG_JS},
        {"js", LANG_JS},         {"node", LANG_JS},       {"mjs", LANG_JS},
        {"cjs", LANG_JS},        {"typescript", LANG_JS}, {"ts", LANG_JS},
        {"jsx", LANG_JS},        {"tsx", LANG_JS},        {"bash", LANG_SH},
        {"sh", LANG_SH},         {"shell", LANG_SH},      {"zsh", LANG_SH},
        {"console", LANG_SH},    {"terminal", LANG_SH},   {"shell-session", LANG_SH},
        {"shellsession", LANG_SH}, {"sql", LANG_SQL},     {"sqlite", LANG_SQL},
        {"postgresql", LANG_SQL}, {"mysql", LANG_SQL},    {"psql", LANG_SQL},
        {"html", LANG_HTML},     {"svg", LANG_HTML},      {"xhtml", LANG_HTML},
        {"htm", LANG_HTML},      {"vue", LANG_HTML},      {"css", LANG_CSS},
        {"scss", LANG_CSS},      {"json", LANG_JSON},     {"jsonc", LANG_JSON},
        {"json5", LANG_JSON},    {"jsonl", LANG_JSON},    {"yaml", LANG_YAML},
        {"yml", LANG_YAML},      {"markdown", LANG_MD},   {"md", LANG_MD},
    };
    if (!*tag)
        return LANG_UNTAGGED;
    for (size_t i = 0; i < SK_ARRAY_LEN(map); i++)
        if (strcasecmp(tag, map[i].tag) == 0) {
            if (!strcasecmp(tag, "jsx") || !strcasecmp(tag, "tsx") || !strcasecmp(tag, "vue"))
                *jsx = true;
            return map[i].lang;
        }
    return LANG_OTHER;
}

static Lang lang_from_path(const char *path, bool *jsx, bool *markdown)
{
    *jsx = false;
    *markdown = false;
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return LANG_OTHER;
    const char *ext = dot + 1;
    if (!strcasecmp(ext, "md") || !strcasecmp(ext, "markdown") || !strcasecmp(ext, "txt") ||
        !strcasecmp(ext, "rst")) {
        *markdown = true;
        return LANG_PROSE;
    }
    if (!strcasecmp(ext, "py"))
        return LANG_PY;
    if (!strcasecmp(ext, "js") || !strcasecmp(ext, "mjs") || !strcasecmp(ext, "cjs") ||
        !strcasecmp(ext, "ts"))
        return LANG_JS;
    if (!strcasecmp(ext, "jsx") || !strcasecmp(ext, "tsx")) {
        *jsx = true;
        return LANG_JS;
    }
    if (!strcasecmp(ext, "sh") || !strcasecmp(ext, "bash"))
        return LANG_SH;
    if (!strcasecmp(ext, "sql"))
        return LANG_SQL;
    if (!strcasecmp(ext, "html") || !strcasecmp(ext, "htm") || !strcasecmp(ext, "svg"))
        return LANG_HTML;
    if (!strcasecmp(ext, "css"))
        return LANG_CSS;
    return LANG_OTHER;
}

/* ------------------------------------------------------------------------------------ */
/* code rules */

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static bool bundle_has_py_module(const Skill *s, const char *mod)
{
    for (size_t i = 0; i < s->files.len; i++) {
        const SkillFile *f = sk_vec_get(&s->files, i);
        const char *base = strrchr(f->path, '/');
        base = base ? base + 1 : f->path;
        size_t n = strlen(mod);
        if (strncmp(base, mod, n) == 0 && (strcmp(base + n, ".py") == 0 || base[n] == '\0'))
            return true;
    }
    return false;
}

static void rule_python_line(Ctx *c, int ln, const char *line)
{
    const char *p = skip_ws(line);
    const char *mod = NULL;
    if (strncmp(p, "import ", 7) == 0)
        mod = p + 7;
    else if (strncmp(p, "from ", 5) == 0 && strstr(p, " import"))
        mod = p + 5;
    if (!mod)
        return;
    mod = skip_ws(mod);
    if (*mod == '.')
        return; /* relative import: a local module */
    char name[64];
    size_t n = 0;
    while (n < sizeof name - 1 && (is_word_byte((unsigned char)mod[n])))
        name[n] = mod[n], n++;
    name[n] = '\0';
    if (n == 0)
        return;
    if (in_list(py_basic, SK_ARRAY_LEN(py_basic), name)) {
        add_hit_at(c, "gen.code.python", 1, ln, line, false, "Python script with basic modules");
    } else if (in_list(py_stdlib, SK_ARRAY_LEN(py_stdlib), name)) {
        char *why = sk_asprintf("Python code using the standard library (%s)", name);
        add_hit_at(c, "gen.code.python", 2, ln, line, false, why);
        free(why);
    } else if (bundle_has_py_module(c->skill, name)) {
        add_hit_at(c, "gen.code.python", 1, ln, line, false, "Python code using a bundled module");
    } else {
        char *why = sk_asprintf("Python code using a third-party package (%s)", name);
        add_hit_at(c, "gen.code.python", 3, ln, line, false, why);
        free(why);
    }
}

static void rule_js_line(Ctx *c, int ln, const char *line)
{
    const char *spec = NULL;
    const char *r = strstr(line, "require(");
    if (r)
        spec = r + 8;
    else if (strncmp(skip_ws(line), "import ", 7) == 0) {
        const char *f = strstr(line, " from ");
        spec = f ? f + 6 : skip_ws(line) + 7;
    }
    if (spec) {
        spec = skip_ws(spec);
        if (*spec == '\'' || *spec == '"' || *spec == '`') {
            char q = *spec++;
            const char *e = strchr(spec, q);
            if (e && e > spec && *spec != '.' && *spec != '/') {
                char name[80];
                size_t n = (size_t)(e - spec) < sizeof name - 1 ? (size_t)(e - spec)
                                                                 : sizeof name - 1;
                memcpy(name, spec, n);
                name[n] = '\0';
                const char *bare = strncmp(name, "node:", 5) == 0 ? name + 5 : name;
                if (!strcmp(bare, "fs")) {
                    add_hit_at(c, "gen.code.javascript", 1, ln, line, false,
                               "JavaScript reading or writing files with fs");
                } else if (in_list(node_builtin, SK_ARRAY_LEN(node_builtin), bare)) {
                    char *why = sk_asprintf("JavaScript using Node built-in modules (%s)", bare);
                    add_hit_at(c, "gen.code.javascript", 2, ln, line, false, why);
                    free(why);
                } else {
                    char *why = sk_asprintf("JavaScript using an npm package (%s)", name);
                    add_hit_at(c, "gen.code.javascript", 2, ln, line, false, why);
                    free(why);
                }
            }
        }
    }
    if (find_word(line, "await", false) || find_word(line, "async", false))
        add_hit_at(c, "gen.code.javascript", 3, ln, line, false,
                   "asynchronous JavaScript (async/await)");
    if (strstr(line, "document.") || strstr(line, "window.") || strstr(line, "querySelector") ||
        strstr(line, "addEventListener"))
        add_hit_at(c, "gen.code.javascript", 3, ln, line, false, "JavaScript using DOM APIs");
}

static const char *const shell_cmds[] = {
    "ls", "cd", "mkdir", "cat", "grep", "find", "git", "npm", "npx", "pnpm", "yarn", "pip",
    "pip3", "python", "python3", "node", "curl", "wget", "docker", "cp", "mv", "rm", "echo",
    "chmod", "tar", "unzip", "zip", "apt", "apt-get", "brew", "sudo", "export", "source",
    "sed", "awk", "xargs", "head", "tail", "wc", "sort", "uniq", "touch", "bash", "sh", "make",
    "cmake", "pandoc", "soffice", "libreoffice", "uv", "bun", "deno", "jq", "ssh", "scp",
    "rsync", "kill", "ps", "which", "open", "pdftoppm", "convert", "ffmpeg", "go", "cargo",
    "java", "javac", "mvn", "gradle", "ruby", "gem", "php", "composer", "dotnet", "qmd",
    "acpx", "anthropic", "ant", "printf", "test", "diff", "tee", "env", "set",
};

/* Is LINE a shell command (for untagged blocks)? Returns the command start or NULL. */
static const char *shell_like(const char *line)
{
    const char *p = skip_ws(line);
    if (p[0] == '$' && p[1] == ' ')
        p += 2;
    char w[24];
    size_t n = 0;
    while (n < sizeof w - 1 && p[n] && (is_word_byte((unsigned char)p[n]) || p[n] == '-'))
        w[n] = p[n], n++;
    w[n] = '\0';
    if (n == 0 || (p[n] != ' ' && p[n] != '\0'))
        return NULL;
    if (p[n] == '\0' && strcmp(w, "ls") != 0 && strcmp(w, "make") != 0)
        return NULL;
    return in_list(shell_cmds, SK_ARRAY_LEN(shell_cmds), w) ? p : NULL;
}

static void rule_shell_line(Ctx *c, int ln, const char *line)
{
    const char *p = skip_ws(line);
    if (p[0] == '$' && p[1] == ' ')
        p += 2;
    if (!*p || *p == '#')
        return;
    c->cmd_lines++;
    c->fence_has_shell = true;
    add_hit_at(c, "tool.exec", 1, ln, line, false, "runs shell commands");
    if (find_word(p, "sed", false) || find_word(p, "awk", false) ||
        find_word(p, "xargs", false) || find_word(p, "gawk", false) ||
        (find_word(p, "find", false) && strstr(p, "-exec")))
        add_hit_at(c, "gen.code.shell", 3, ln, line, false,
                   "shell pipelines with sed/awk/xargs");
    else if ((strchr(p, '|') && !strstr(p, "||")) || strstr(p, "$(") || strstr(p, "&&") ||
             strstr(p, " > ") || strstr(p, ">>") || strstr(p, " 2>") ||
             strncmp(p, "for ", 4) == 0 || strncmp(p, "while ", 6) == 0 ||
             strncmp(p, "if [", 4) == 0)
        add_hit_at(c, "gen.code.shell", 2, ln, line, false,
                   "shell with pipes, redirection, chaining or loops");
    else
        add_hit_at(c, "gen.code.shell", 1, ln, line, false, "basic shell commands");
}

/* `python3 x.py`, `python -m x`, `node x.js` anywhere (prose or code). */
static void rule_run_commands(Ctx *c, int ln, const char *line)
{
    static const char *const py[] = {"python3", "python"};
    for (size_t i = 0; i < 2; i++) {
        const char *p = find_word(line, py[i], false);
        if (!p)
            continue;
        const char *a = p + strlen(py[i]);
        if (*a != ' ')
            continue;
        a = skip_ws(a);
        const char *e = a;
        while (*e && *e != ' ' && *e != '`' && *e != '"')
            e++;
        if ((e - a > 3 && strncmp(e - 3, ".py", 3) == 0) || strncmp(a, "-m ", 3) == 0 ||
            strncmp(a, "-c ", 3) == 0) {
            add_hit_at(c, "gen.code.python", 1, ln, line, false, "runs Python scripts");
            add_hit_at(c, "tool.exec", 1, ln, line, false, "runs a Python script");
        }
        break;
    }
    const char *n = find_word(line, "node", false);
    if (n && n[4] == ' ') {
        const char *a = skip_ws(n + 4);
        const char *e = a;
        while (*e && *e != ' ' && *e != '`')
            e++;
        if (e - a > 3 && (strncmp(e - 3, ".js", 3) == 0 || strncmp(e - 3, "mjs", 3) == 0)) {
            add_hit_at(c, "gen.code.javascript", 1, ln, line, false, "runs JavaScript with node");
            add_hit_at(c, "tool.exec", 1, ln, line, false, "runs a Node.js script");
        }
    }
}

static void rule_sql_line(Ctx *c, int ln, const char *line, bool sql_block)
{
    bool ic = sql_block; /* inside ```sql any case counts; elsewhere only UPPERCASE keywords */
    bool select = find_word(line, "SELECT", ic) && (find_word(line, "FROM", ic) || sql_block);
    bool dml = (find_word(line, "INSERT", ic) && find_word(line, "INTO", ic)) ||
               (find_word(line, "CREATE", ic) && find_word(line, "TABLE", ic)) ||
               (find_word(line, "UPDATE", ic) && find_word(line, "SET", ic) && sql_block) ||
               (find_word(line, "DELETE", ic) && find_word(line, "FROM", ic));
    const char *w = find_word(line, "WITH", ic);
    bool cte = w && (find_word(w, "AS", ic) && strchr(w, '(')) ;
    bool recursive = w && find_word(w, "RECURSIVE", ic);
    bool l2 = find_word(line, "JOIN", ic) || (find_word(line, "GROUP", ic) &&
                                               find_word(line, "BY", ic)) ||
              find_word(line, "HAVING", ic) || strstr(line, "OVER (") ||
              strstr(line, "(SELECT") || (ic && sk_str_casestr(line, "(select"));
    if (cte || recursive)
        add_hit_at(c, "gen.code.sql", 3, ln, line, false, "SQL with common table expressions");
    else if (l2 && (select || sql_block || find_word(line, "JOIN", false)))
        add_hit_at(c, "gen.code.sql", 2, ln, line, false,
                   "SQL with joins, grouping or subqueries");
    else if (select || dml)
        add_hit_at(c, "gen.code.sql", 1, ln, line, false, "SQL queries");
}

static bool has_tag(const char *line, const char *tag)
{
    size_t n = strlen(tag);
    for (const char *p = strchr(line, '<'); p; p = strchr(p + 1, '<')) {
        if (strncasecmp(p + 1, tag, n) == 0) {
            char e = p[1 + n];
            if (e == ' ' || e == '>' || e == '/' || e == '\0' || e == '\n')
                return true;
        }
    }
    return false;
}

static void rule_html_line(Ctx *c, int ln, const char *line, bool css)
{
    static const char *const l1[] = {"h1", "h2", "h3", "p", "ul", "ol", "li", "a", "div",
                                     "span", "html", "body", "head", "title", "img", "button"};
    static const char *const l2[] = {"form", "table", "input", "section", "nav", "article",
                                     "header", "footer", "main", "svg", "rect", "circle",
                                     "line", "select", "textarea", "canvas", "style", "tr"};
    static const char *const l3[] = {"path", "linearGradient", "radialGradient", "filter",
                                     "animate", "animateTransform", "clipPath", "mask",
                                     "pattern", "symbol"};
    if (strstr(line, "@media")) {
        add_hit_at(c, "gen.code.html", 3, ln, line, false, "responsive layout (media queries)");
        return;
    }
    if (css) {
        if (strchr(line, '{') && !strstr(line, "@"))
            add_hit_at(c, "gen.code.html", 2, ln, line, false, "styled HTML (CSS rules)");
        return;
    }
    if (strstr(line, "aria-") || strstr(line, "role=\"")) {
        add_hit_at(c, "gen.code.html", 3, ln, line, false, "accessible markup (ARIA)");
        return;
    }
    for (size_t i = 0; i < SK_ARRAY_LEN(l3); i++)
        if (has_tag(line, l3[i])) {
            add_hit_at(c, "gen.code.html", 3, ln, line, false, "complex SVG graphics");
            return;
        }
    for (size_t i = 0; i < SK_ARRAY_LEN(l2); i++)
        if (has_tag(line, l2[i])) {
            add_hit_at(c, "gen.code.html", 2, ln, line, false,
                       "HTML with forms, tables, semantic sections or SVG");
            return;
        }
    for (size_t i = 0; i < SK_ARRAY_LEN(l1); i++)
        if (has_tag(line, l1[i])) {
            add_hit_at(c, "gen.code.html", 1, ln, line, false, "basic HTML markup");
            return;
        }
}

/* Level of a regex pattern appearing in LINE. */
static int regex_level(const char *line)
{
    if (strstr(line, "(?=") || strstr(line, "(?!") || strstr(line, "(?<=") ||
        strstr(line, "(?<!") || strstr(line, "(?P<") || strstr(line, "(?<"))
        return 3;
    if (strchr(line, '(') && (strchr(line, '|') || strchr(line, '^') || strchr(line, '$')))
        return 2;
    if (strstr(line, "\\1") || strstr(line, "(?:"))
        return 2;
    return 1;
}

static void rule_regex_code(Ctx *c, int ln, const char *line)
{
    static const char *const calls[] = {"re.compile(", "re.search(", "re.match(",
                                        "re.fullmatch(", "re.findall(", "re.finditer(",
                                        "re.sub(", "re.split(", "new RegExp(", "grep -E",
                                        "grep -P", "grep -oE", "grep -oP", "sed -E", "sed -r"};
    for (size_t i = 0; i < SK_ARRAY_LEN(calls); i++) {
        const char *p = strstr(line, calls[i]);
        if (!p)
            continue;
        int lv = regex_level(p + strlen(calls[i]));
        add_hit_at(c, "gen.regex", lv, ln, line, false,
                   lv == 3   ? "regex with lookaround or named groups"
                   : lv == 2 ? "regex with groups, alternation or anchors"
                             : "simple regular expressions");
        return;
    }
}

/* HTTP client calls in code (the URL may be a variable) */
static void rule_http_code(Ctx *c, int ln, const char *line)
{
    static const char *const calls[] = {"requests.get(", "requests.post(", "requests.put(",
                                        "requests.delete(", "requests.request(", "urlopen(",
                                        "httpx.get(", "httpx.post(", "httpx.Client(",
                                        "fetch(", "axios.get(", "axios.post(", "axios(",
                                        "http.get(", "https.get(", "aiohttp.ClientSession("};
    for (size_t i = 0; i < SK_ARRAY_LEN(calls); i++) {
        const char *p = strstr(line, calls[i]);
        if (!p || (p > line && is_word_byte((unsigned char)p[-1]) && calls[i][0] != 'r'))
            continue;
        bool params = strstr(line, "params=") || strstr(line, "?") || strstr(line, "headers=");
        add_hit_at(c, "tool.web", params ? 2 : 1, ln, line, false,
                   params ? "code calls web APIs with parameters" : "code calls web APIs");
        return;
    }
}

static void rule_url(Ctx *c, int ln, const char *line, bool code)
{
    const char *u = strstr(line, "https://");
    if (!u)
        u = strstr(line, "http://");
    if (!u)
        return;
    /* in prose a URL alone is a reference; it is web use only with an access word */
    bool access = find_word(line, "curl", true) || find_word(line, "wget", true) ||
                  strstr(line, "fetch") || strstr(line, "requests.") ||
                  strstr(line, "urlopen") || strstr(line, "axios") ||
                  strstr(line, "http.get") || find_word(line, "GET", false) ||
                  find_word(line, "POST", false) || find_word(line, "api", true) ||
                  find_word(line, "endpoint", true) || find_word(line, "download", true);
    if (!access && !(code && !strstr(line, "://localhost")))
        return;
    if (!access)
        return; /* a URL in code without a call (e.g. a link in a template) */
    const char *q = strchr(u, '?');
    bool params = (q && strchr(q, '=')) || strstr(line, " -d ") || strstr(line, "--data") ||
                  strstr(line, " -H ") || strstr(line, "params=");
    add_hit_at(c, "tool.web", params ? 2 : 1, ln, line, false,
               params ? "calls a web API with parameters" : "fetches a URL");
}

/* name(key: value, key: value) in untagged code: a tool call written out */
static void rule_tool_call(Ctx *c, int ln, const char *line)
{
    const char *p = skip_ws(line);
    const char *q = p;
    while (is_word_byte((unsigned char)*q) || *q == '.')
        q++;
    if (q == p || *q != '(')
        return;
    const char *args = q + 1;
    int named = 0;
    for (const char *r = args; *r; r++) {
        if (*r == ':' && r > args && is_word_byte((unsigned char)r[-1]) && r[1] == ' ')
            named++;
    }
    if (named == 0)
        return;
    bool nested = strchr(args, '{') || strchr(args, '[');
    add_hit_at(c, "tool.call.format", nested ? 3 : named >= 2 ? 2 : 1, ln, line, false,
               nested ? "tool call with nested arguments"
               : named >= 2 ? "tool call with several structured arguments"
                            : "tool call with a simple argument");
}

static void code_line(Ctx *c, int ln, const char *line, Lang lang)
{
    switch (lang) {
    case LANG_PY: rule_python_line(c, ln, line); break;
    case LANG_JS:
        rule_js_line(c, ln, line);
        if (c->jsx)
            rule_html_line(c, ln, line, false);
        break;
    case LANG_SH: rule_shell_line(c, ln, line); break;
    case LANG_HTML: rule_html_line(c, ln, line, false); break;
    case LANG_CSS: rule_html_line(c, ln, line, true); break;
    case LANG_UNTAGGED:
        if (shell_like(line))
            rule_shell_line(c, ln, line);
        else
            rule_tool_call(c, ln, line);
        if (skip_ws(line)[0] == '<')
            rule_html_line(c, ln, line, false);
        break;
    default: break;
    }
    rule_run_commands(c, ln, line);
    rule_sql_line(c, ln, line, lang == LANG_SQL);
    rule_regex_code(c, ln, line);
    rule_url(c, ln, line, true);
    if (lang == LANG_PY || lang == LANG_JS)
        rule_http_code(c, ln, line);
    for (size_t i = 0; i < SK_ARRAY_LEN(kw_rules); i++) {
        const KwRule *r = &kw_rules[i];
        if (!(r->where & W_CODE))
            continue;
        if (!strcmp(r->prim, "reason.spatial") && lang != LANG_JS && lang != LANG_PY)
            continue;
        if (pattern_match(line, r->pat) && !(r->unless && pattern_match(line, r->unless)))
            add_hit_at(c, r->prim, r->level, ln, line, r->gated, r->why);
    }
}

/* ------------------------------------------------------------------------------------ */
/* prose rules */

static bool is_heading(const char *line, int *level)
{
    const char *p = line;
    int n = 0;
    while (*p == '#')
        p++, n++;
    if (n == 0 || n > 6 || (*p != ' ' && *p != '\0'))
        return false;
    if (level)
        *level = n;
    return true;
}

static const char *const constraint_upper[] = {"MUST", "NEVER", "ALWAYS", "DO NOT", "DON'T",
                                               "IMPORTANT", "CRITICAL", "REQUIRED"};

static bool constraint_line(const char *line)
{
    for (size_t i = 0; i < SK_ARRAY_LEN(constraint_upper); i++)
        if (find_word(line, constraint_upper[i], false))
            return true;
    if (find_word(line, "must", true) || find_word(line, "never", true) ||
        find_word(line, "do not", true) || find_word(line, "don't", true) ||
        find_word(line, "must not", true) || find_word(line, "should never", true))
        return true;
    /* imperative "Always ..." / "Avoid ..." at the start of a sentence or list item */
    const char *p = skip_ws(line);
    while (*p == '-' || *p == '*' || *p == '+' || *p == ' ' || isdigit((unsigned char)*p) ||
           *p == '.' || *p == ')')
        p++;
    return strncmp(p, "Always ", 7) == 0 || strncmp(p, "Avoid ", 6) == 0;
}

/* How many sentences of LINE state a rule ("You MUST x. NEVER y." -> 2). */
static int constraint_sentences(const char *line)
{
    int n = 0;
    char buf[AN_MAX_LINE + 1];
    const char *p = line;
    while (*p) {
        const char *e = p;
        while (*e && !((*e == '.' || *e == ';' || *e == '!') && (e[1] == ' ' || !e[1])))
            e++;
        size_t len = (size_t)(e - p) < AN_MAX_LINE ? (size_t)(e - p) : AN_MAX_LINE;
        memcpy(buf, p, len);
        buf[len] = '\0';
        if (constraint_line(buf))
            n++;
        p = *e ? e + 1 : e;
    }
    return n;
}

static bool prior_conflict(const char *line)
{
    return find_word(line, "even if", true) || find_word(line, "even when", true) ||
           find_word(line, "regardless", true) || find_word(line, "counterintuitive", true) ||
           find_word(line, "counter-intuitive", true) || find_word(line, "instead of the usual", true) ||
           find_word(line, "no matter", true);
}

/* Common imperative verbs: a numbered list is a procedure when most items start with one
 * ("1. Read the file"), not a catalogue of names ("1. Ocean Depths - ..."). */
static const char *const step_verbs[] = {
    "add", "aggregate", "analyze", "analyse", "apply", "ask", "assign", "build", "bundle",
    "calculate", "call", "capture", "check", "choose", "clean", "clone", "close", "collect",
    "combine", "commit", "compare", "compute", "confirm", "convert", "copy", "create",
    "decide", "define", "delete", "deploy", "describe", "detect", "determine", "develop",
    "display", "document", "download", "draft", "edit", "ensure", "estimate", "evaluate",
    "execute", "explain", "export", "extract", "fetch", "fill", "filter", "finalize", "find",
    "fix", "follow", "format", "gather", "generate", "get", "go", "grade", "handle",
    "identify", "implement", "import", "include", "initialize", "insert", "inspect",
    "install", "iterate", "keep", "launch", "list", "load", "locate", "log", "look", "make",
    "map", "mark", "measure", "merge", "move", "note", "open", "organize", "pack", "parse",
    "pick", "place", "plan", "prepare", "present", "print", "prioritize", "provide",
    "publish", "pull", "push", "read", "recalculate", "record", "refine", "remove", "rename",
    "render", "repeat", "replace", "report", "request", "resolve", "restart", "return",
    "review", "rewrite", "run", "save", "scan", "search", "select", "send", "set", "share",
    "show", "sort", "spawn", "split", "start", "stop", "store", "submit", "summarize",
    "synthesize", "test", "trace", "transform", "try", "unpack", "update", "upload", "use",
    "validate", "verify", "view", "wait", "write", "if", "when", "once", "then", "after",
    "before", "for", "repeat", "re-run", "rerun", "open", "upgrade", "translate", "score",
    "propose", "consult", "communicate", "define", "outline", "draw", "design", "choose",
};

/* Does the step text (after "1. " or "Step 1:") start with a verb? */
static bool step_is_imperative(const char *p)
{
    while (*p == ' ' || *p == '*' || *p == '_' || *p == '[' || *p == '`' || *p == '"')
        p++;
    char w[24];
    size_t n = 0;
    while (n < sizeof w - 1 && (isalpha((unsigned char)p[n]) || p[n] == '-'))
        w[n] = (char)tolower((unsigned char)p[n]), n++;
    w[n] = '\0';
    if (!n)
        return false;
    for (size_t i = 0; i < SK_ARRAY_LEN(step_verbs); i++)
        if (!strcmp(step_verbs[i], w))
            return true;
    return false;
}

static void list_reset(ListState *l)
{
    free(l->start_text);
    free(l->branch_text);
    free(l->loop_text);
    free(l->verify_text);
    memset(l, 0, sizeof *l);
}

static void list_close(Ctx *c, ListState *l, const char *kind)
{
    if (l->len >= 3 && l->imperative * 2 >= l->len) {
        bool branch = l->branch_line > 0, loop = l->loop_line > 0, verify = l->verify_line > 0;
        int lv = 1;
        if (l->len >= 5 || branch)
            lv = 2;
        if (loop || (verify && (l->len >= 5 || branch)))
            lv = 3;
        bool v = verify && lv == 3;
        char *why = sk_asprintf("%s of %d steps%s%s%s%s%s", kind, l->len,
                                branch || loop || v ? " with " : "", branch ? "branches" : "",
                                branch && (loop || v) ? ", " : "", loop ? "a loop" : "",
                                v ? (loop ? ", checks" : "checks") : "");
        add_hit_at(c, "follow.procedure", lv, l->start_line, l->start_text, false, why);
        if (lv == 3 && loop)
            add_hit_at(c, "follow.procedure", lv, l->loop_line, l->loop_text, false, why);
        else if (lv == 3)
            add_hit_at(c, "follow.procedure", lv, l->verify_line, l->verify_text, false, why);
        if (branch && lv >= 2)
            add_hit_at(c, "follow.procedure", lv, l->branch_line, l->branch_text, false, why);
        free(why);
    }
    list_reset(l);
}

static void list_note(ListState *l, int ln, const char *line)
{
    if (!l->len)
        return;
    if (!l->branch_line &&
        (find_word(line, "if", true) || find_word(line, "otherwise", true) ||
         find_word(line, "else", true) || find_word(line, "unless", true) ||
         sk_str_casestr(line, "go to step") || find_word(line, "depending on", true))) {
        l->branch_line = ln;
        l->branch_text = sk_strdup(line);
    }
    if (!l->loop_line &&
        (find_word(line, "repeat", true) || find_word(line, "until", true) ||
         find_word(line, "iterate", true) || find_word(line, "loop", true) ||
         find_word(line, "go back", true) || find_word(line, "re-run", true) ||
         find_word(line, "rerun", true) || find_word(line, "for each", true) ||
         find_word(line, "again", true))) {
        l->loop_line = ln;
        l->loop_text = sk_strdup(line);
    }
    if (!l->verify_line &&
        (find_word(line, "verify", true) || find_word(line, "validate", true) ||
         find_word(line, "check that", true) || find_word(line, "confirm", true))) {
        l->verify_line = ln;
        l->verify_text = sk_strdup(line);
    }
}

/* "1. text" / "1) text" -> 1; 0 when not a numbered item */
static int numbered_item(const char *line)
{
    const char *p = skip_ws(line);
    int n = 0, digits = 0;
    while (isdigit((unsigned char)*p) && digits < 3)
        n = n * 10 + (*p++ - '0'), digits++;
    if (!digits || (*p != '.' && *p != ')') || p[1] != ' ')
        return 0;
    return n;
}

/* "### Step 2: ..." -> 2 */
static int step_heading(const char *line, int *hlevel)
{
    if (!is_heading(line, hlevel))
        return 0;
    const char *p = skip_ws(line + *hlevel);
    if (strncasecmp(p, "step ", 5) != 0)
        return 0;
    p += 5;
    int n = 0;
    while (isdigit((unsigned char)*p))
        n = n * 10 + (*p++ - '0');
    return n;
}

static void bundle_ref(Ctx *c, int ln, const char *line)
{
    const Skill *s = c->skill;
    for (size_t i = 0; i < s->files.len; i++) {
        const SkillFile *f = sk_vec_get(&s->files, i);
        if (!f->is_text || f->skipped || sk_str_starts(f->path, "LICENSE"))
            continue;
        const char *p = strstr(line, f->path);
        if (!p || (p > line && (is_word_byte((unsigned char)p[-1]) || p[-1] == '/')))
            continue;
        char e = p[strlen(f->path)];
        if (is_word_byte((unsigned char)e))
            continue;
        bool seen = false;
        for (size_t k = 0; k < c->bundle_refs.len; k++)
            if (!strcmp(sk_vec_get(&c->bundle_refs, k), f->path))
                seen = true;
        if (!seen)
            sk_vec_push(&c->bundle_refs, sk_strdup(f->path));
        if (f->kind == SKILL_FILE_REFERENCE)
            add_hit_at(c, "tool.file.read", c->bundle_refs.len >= 2 ? 2 : 1, ln, line, false,
                       "reads bundled reference files");
    }
}

/* Copy LINE to OUT with the contents of `inline code` spans replaced by spaces. */
static void mask_inline_code(const char *line, char *out, size_t size)
{
    size_t i = 0;
    bool in = false;
    for (const char *p = line; *p && i + 1 < size; p++) {
        if (*p == '`') {
            in = !in;
            out[i++] = ' ';
        } else {
            out[i++] = in ? ' ' : *p;
        }
    }
    out[i] = '\0';
}

static bool words_only(const char *prim)
{
    return sk_str_starts(prim, "reason.") || sk_str_starts(prim, "gen.text.") ||
           !strcmp(prim, "follow.style") || !strcmp(prim, "follow.delegation");
}

static void prose_line(Ctx *c, int ln, const char *line)
{
    int hl = 0;
    bool heading = is_heading(line, &hl);
    /* procedures */
    int num = numbered_item(line);
    if (c->is_skill) {
        if (heading) {
            int sh = 0;
            int sn = step_heading(line, &sh);
            list_close(c, &c->num, "numbered list");
            if (sn > 0 && (sn == c->step.last + 1 || (sn == 1))) {
                if (sn == 1 && c->step.len)
                    list_close(c, &c->step, "procedure");
                if (!c->step.len) {
                    c->step.start_line = ln;
                    c->step.start_text = sk_strdup(line);
                    c->step.heading_level = sh;
                }
                c->step.len++;
                c->step.last = sn;
                const char *t = strchr(line, ':');
                if (!t) {
                    t = skip_ws(line + sh);
                    t += 5; /* "Step " */
                    while (isdigit((unsigned char)*t))
                        t++;
                } else {
                    t++;
                }
                c->step.imperative += step_is_imperative(t);
            } else if (c->step.len && hl <= c->step.heading_level) {
                list_close(c, &c->step, "procedure");
            }
        } else if (num > 0) {
            const char *item = skip_ws(line);
            while (isdigit((unsigned char)*item))
                item++;
            item++; /* '.' or ')' */
            bool verb = step_is_imperative(item);
            if (num == c->num.last + 1 && c->num.len) {
                c->num.len++;
                c->num.last = num;
                c->num.imperative += verb;
            } else {
                list_close(c, &c->num, "numbered list");
                if (num == 1) {
                    c->num.len = 1;
                    c->num.last = 1;
                    c->num.imperative = verb;
                    c->num.start_line = ln;
                    c->num.start_text = sk_strdup(line);
                }
            }
        }
        if (!heading || c->step.len) {
            list_note(&c->num, ln, line);
            list_note(&c->step, ln, line);
        }
        /* constraints: one candidate per sentence that states a rule */
        if (!heading && constraint_line(line)) {
            int rules = constraint_sentences(line);
            for (int k = 0; k < (rules > 0 ? rules : 1); k++) {
                Hit *h = cand_new(c, ln, line, prior_conflict(line) ? 3 : 0, "");
                sk_vec_push(&c->constraints, h);
            }
        }
        bundle_ref(c, ln, line);
    }
    if (c->is_skill && pattern_match(line, "output|outputs|return|returns|respond|response|"
                                           "produce|emit|write|save|schema|format|structure|"
                                           "template|example|shape"))
        c->intent_line = ln;
    rule_run_commands(c, ln, line);
    rule_url(c, ln, line, false);
    /* "N words" */
    if (c->is_skill) {
        for (const char *p = line; *p; p++) {
            if (!isdigit((unsigned char)*p) || (p > line && isdigit((unsigned char)p[-1])))
                continue;
            long v = 0;
            const char *q = p;
            while (isdigit((unsigned char)*q) || *q == ',')
                v = *q == ',' ? v : v * 10 + (*q - '0'), q++;
            q = skip_ws(q);
            if (strncasecmp(q, "words", 5) == 0 && v >= 300)
                add_hit_at(c, "gen.text.long", v >= 1500 ? 3 : 2, ln, line, false,
                           v >= 1500 ? "asks for a very long text" : "asks for a long text");
        }
    }
    /* Reasoning, style and writing rules look at the words only: inline `code` spans are
     * identifiers (WidthType.PERCENTAGE), not requests to compute or write. */
    char masked[AN_MAX_LINE + 1];
    mask_inline_code(line, masked, sizeof masked);
    for (size_t i = 0; i < SK_ARRAY_LEN(kw_rules); i++) {
        const KwRule *r = &kw_rules[i];
        bool ok = (r->where & W_PROSE) || ((r->where & W_SKILL) && c->is_skill);
        if (!ok)
            continue;
        if (heading)
            continue; /* headings name topics; they are not instructions */
        const char *subject = words_only(r->prim) ? masked : line;
        if (!pattern_match(subject, r->pat))
            continue;
        if (r->unless && pattern_match(subject, r->unless))
            continue;
        if (!strcmp(r->prim, "follow.format") && r->level == 2) {
            sk_vec_push(&c->format_l2, cand_new(c, ln, line, 2, r->why));
        }
        add_hit_at(c, r->prim, r->level, ln, line, r->gated, r->why);
    }
}

/* ------------------------------------------------------------------------------------ */
/* files */

static void fence_open(Ctx *c, int ln, const char *line, const char *tagp)
{
    c->in_fence = true;
    c->fence_line = ln;
    free(c->fence_text);
    c->fence_text = sk_strdup(line);
    c->fence_bytes = 0;
    c->fence_depth = 0;
    c->fence_depth_max = 0;
    c->fence_has_shell = false;
    tagp = skip_ws(tagp);
    if (*tagp == '{')
        tagp++;
    if (*tagp == '.')
        tagp++;
    size_t n = 0;
    while (n < sizeof c->lang_tag - 1 && tagp[n] && !isspace((unsigned char)tagp[n]) &&
           tagp[n] != '}' && tagp[n] != '`' && tagp[n] != ',')
        c->lang_tag[n] = tagp[n], n++;
    c->lang_tag[n] = '\0';
    bool jsx = false;
    c->lang = lang_from_tag(c->lang_tag, &jsx);
    c->jsx = jsx;
    switch (c->lang) {
    case LANG_PY:
        add_hit_at(c, "gen.code.python", 1, ln, line, false, "Python code");
        break;
    case LANG_JS:
        add_hit_at(c, "gen.code.javascript", 1, ln, line, false, "JavaScript code");
        break;
    case LANG_SQL: add_hit_at(c, "gen.code.sql", 1, ln, line, false, "SQL code"); break;
    case LANG_HTML: add_hit_at(c, "gen.code.html", 1, ln, line, false, "HTML markup"); break;
    case LANG_JSON:
    case LANG_YAML:
        /* a JSON/YAML block right after a sentence about the output is a schema to follow */
        if (c->is_skill && c->intent_line > 0 && ln - c->intent_line <= 3)
            add_hit_at(c, "follow.format", 2, ln, line, false,
                       "output must follow the JSON/YAML shape shown");
        break;
    default: break;
    }
}

static void fence_close(Ctx *c)
{
    if (c->lang == LANG_JSON || c->lang == LANG_YAML) {
        int lv = 1;
        const char *why = "small flat JSON/YAML";
        if (c->fence_bytes > 5000 || c->fence_depth_max >= 4)
            lv = 3, why = "large or deeply nested JSON/YAML";
        else if (c->fence_depth_max >= 2)
            lv = 2, why = "nested JSON/YAML";
        if (c->is_skill || c->fence_bytes > 0)
            add_hit_at(c, "gen.text.structured", lv, c->fence_line, c->fence_text, false, why);
    }
    if (c->fence_has_shell)
        c->cmd_blocks++;
    c->in_fence = false;
    c->lang = LANG_PROSE;
    c->jsx = false;
}

static void fence_track_depth(Ctx *c, const char *line)
{
    if (c->lang == LANG_JSON) {
        for (const char *p = line; *p; p++) {
            if (*p == '{' || *p == '[') {
                if (++c->fence_depth > c->fence_depth_max)
                    c->fence_depth_max = c->fence_depth;
            } else if ((*p == '}' || *p == ']') && c->fence_depth > 0) {
                c->fence_depth--;
            }
        }
    } else if (c->lang == LANG_YAML) {
        const char *p = line;
        int ind = 0;
        while (*p == ' ')
            p++, ind++;
        if (*p && *p != '#') {
            int d = 1 + ind / 2;
            if (d > c->fence_depth_max)
                c->fence_depth_max = d;
        }
    }
}

/* Is LINE a fence opener/closer? Returns the fence length, fills CH. */
static int fence_marker(const char *line, char *ch)
{
    const char *p = skip_ws(line);
    if (*p != '`' && *p != '~')
        return 0;
    char f = *p;
    int n = 0;
    while (p[n] == f)
        n++;
    if (n < 3)
        return 0;
    *ch = f;
    return n;
}

static void scan_text(Ctx *c, const char *text, size_t len, Lang whole, bool markdown,
                      int first_prose_line)
{
    int ln = 0;
    const char *p = text;
    const char *end = text + len;
    char buf[AN_MAX_LINE + 1];
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        ln++;
        size_t m = n < AN_MAX_LINE ? n : AN_MAX_LINE;
        while (m > 0 && m < n && ((unsigned char)p[m] & 0xC0) == 0x80)
            m--;
        memcpy(buf, p, m);
        buf[m] = '\0';
        for (size_t i = 0; i < m; i++)
            if (buf[i] == '\0' || buf[i] == '\r')
                buf[i] = ' ';
        p = nl ? nl + 1 : end;
        if (ln < first_prose_line)
            continue;
        if (!markdown) {
            code_line(c, ln, buf, whole);
            continue;
        }
        char ch = 0;
        int fl = fence_marker(buf, &ch);
        if (c->in_fence) {
            if (fl >= c->fence_len && ch == c->fence_ch && *skip_ws(skip_ws(buf) + fl) == '\0') {
                fence_close(c);
                continue;
            }
            c->fence_bytes += m + 1;
            fence_track_depth(c, buf);
            code_line(c, ln, buf, c->lang);
            continue;
        }
        if (fl) {
            c->fence_ch = ch;
            c->fence_len = fl;
            fence_open(c, ln, buf, skip_ws(buf) + fl);
            continue;
        }
        prose_line(c, ln, buf);
    }
    if (c->in_fence)
        fence_close(c);
    list_close(c, &c->num, "numbered list");
    list_close(c, &c->step, "procedure");
}

static bool scannable_bundle_file(const SkillFile *f)
{
    if (!f->is_text || f->skipped || f->size > (long long)AN_MAX_FILE_BYTES)
        return false;
    if (f->kind != SKILL_FILE_SCRIPT && f->kind != SKILL_FILE_REFERENCE)
        return false;
    const char *base = strrchr(f->path, '/');
    base = base ? base + 1 : f->path;
    if (sk_str_casestr(base, "LICENSE") || sk_str_casestr(base, "OFL") ||
        sk_str_casestr(base, "COPYING"))
        return false;
    return true;
}

/* ------------------------------------------------------------------------------------ */
/* finishing */

static void finish_counts(Ctx *c)
{
    /* follow.constraint */
    size_t n = c->constraints.len;
    if (n) {
        bool conflict = false;
        for (size_t i = 0; i < n; i++)
            if (((Hit *)sk_vec_get(&c->constraints, i))->level == 3)
                conflict = true;
        int lv = conflict || n >= 6 ? 3 : n >= 3 ? 2 : 1;
        char *why = conflict ? sk_asprintf("%zu explicit rules, some against common habits", n)
                             : sk_asprintf("%zu explicit MUST/NEVER-style rules", n);
        /* the conflicting lines first */
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < n; i++) {
                Hit *h = sk_vec_get(&c->constraints, i);
                if ((pass == 0) != (h->level == 3))
                    continue;
                const char *saved = c->file;
                int saved_order = c->file_order;
                c->file = h->file;
                c->file_order = h->file_order;
                add_hit_at(c, "follow.constraint", lv, h->line, h->text, false, why);
                c->file = saved;
                c->file_order = saved_order;
            }
        free(why);
    }
    /* follow.format L3: several structure/template instructions */
    if (c->format_l2.len >= 3) {
        for (size_t i = 0; i < c->format_l2.len; i++) {
            Hit *h = sk_vec_get(&c->format_l2, i);
            const char *saved = c->file;
            c->file = h->file;
            add_hit_at(c, "follow.format", 3, h->line, h->text, false,
                       "several format requirements at once");
            c->file = saved;
        }
    }
    /* tool.exec L3: a workflow of many commands */
    if (c->cmd_lines >= 6 && c->cmd_blocks >= 3) {
        size_t k = 0;
        for (size_t i = 0; i < c->hits.len && k < AN_MAX_EVIDENCE; i++) {
            Hit *h = sk_vec_get(&c->hits, i);
            if (h->prim == catalog_index("tool.exec") && h->level == 1) {
                bool again = false;
                for (size_t j = 0; j < i && !again; j++) {
                    const Hit *o = sk_vec_get(&c->hits, j);
                    again = o->prim == h->prim && o->level == 3 && o->line == h->line &&
                            !strcmp(o->file, h->file);
                }
                h->level = 3;
                free(h->why);
                h->why = sk_asprintf("a workflow of %d commands in %d blocks", c->cmd_lines,
                                     c->cmd_blocks);
                if (!again) /* the same line twice counts once */
                    k++;
            }
        }
    }
}

static int hit_cmp(const void *a, const void *b)
{
    const Hit *x = *(Hit *const *)a, *y = *(Hit *const *)b;
    if (x->prim != y->prim)
        return x->prim - y->prim;
    if (x->level != y->level)
        return y->level - x->level;
    if (x->file_order != y->file_order)
        return x->file_order - y->file_order;
    return x->line - y->line;
}

static void evidence_free(void *p)
{
    Evidence *e = p;
    if (!e)
        return;
    free(e->file);
    free(e->text);
    free(e);
}

static void requirement_free(void *p)
{
    Requirement *r = p;
    if (!r)
        return;
    free(r->why);
    sk_vec_done(&r->evidence);
    free(r);
}

static void build_requirements(Ctx *c, Analysis *a)
{
    sk_vec_sort(&c->hits, hit_cmp);
    size_t i = 0;
    while (i < c->hits.len) {
        Hit *first = sk_vec_get(&c->hits, i);
        int prim = first->prim;
        size_t j = i;
        bool ungated = false;
        while (j < c->hits.len && ((Hit *)sk_vec_get(&c->hits, j))->prim == prim) {
            if (!((Hit *)sk_vec_get(&c->hits, j))->gated)
                ungated = true;
            j++;
        }
        if (ungated) {
            Requirement *r = sk_calloc(1, sizeof *r);
            r->primitive = catalog_all(NULL)[prim].id;
            sk_vec_init(&r->evidence, evidence_free);
            for (size_t k = i; k < j && r->evidence.len < AN_MAX_EVIDENCE; k++) {
                Hit *h = sk_vec_get(&c->hits, k);
                bool dup = false;
                for (size_t e = 0; e < r->evidence.len; e++) {
                    Evidence *ev = sk_vec_get(&r->evidence, e);
                    if (ev->line == h->line && !strcmp(ev->file, h->file))
                        dup = true;
                }
                if (dup)
                    continue;
                if (!r->why) {
                    r->level = h->level;
                    r->why = sk_strdup(h->why);
                }
                Evidence *ev = sk_calloc(1, sizeof *ev);
                ev->file = sk_strdup(h->file);
                ev->line = h->line;
                ev->text = sk_strdup(h->text);
                sk_vec_push(&r->evidence, ev);
            }
            sk_vec_push(&a->reqs, r);
        }
        i = j;
    }
}

SkStatus analyzer_run(const Skill *s, Analysis **out, SkError *err)
{
    *out = NULL;
    if (!s || !s->content)
        return sk_error_set(err, SK_ERR_INVALID, "no skill to analyze");
    Ctx c;
    memset(&c, 0, sizeof c);
    c.skill = s;
    sk_vec_init(&c.hits, hit_free);
    sk_vec_init(&c.constraints, hit_free);
    sk_vec_init(&c.format_l2, hit_free);
    sk_vec_init(&c.bundle_refs, free);

    /* SKILL.md: frontmatter lines are prose (the description says what the skill does);
     * the body is markdown. */
    c.file = "SKILL.md";
    c.file_order = 0;
    c.is_skill = true;
    scan_text(&c, s->content, s->content_len, LANG_PROSE, true, 1);

    c.is_skill = false;
    int order = 1;
    for (size_t i = 0; i < s->files.len; i++) {
        const SkillFile *f = sk_vec_get(&s->files, i);
        if (!scannable_bundle_file(f))
            continue;
        bool jsx = false, md = false;
        Lang lang = lang_from_path(f->path, &jsx, &md);
        if (!md && lang == LANG_OTHER)
            continue;
        char *text = NULL;
        size_t len = 0;
        if (skill_read_file(s, f->path, AN_MAX_FILE_BYTES, &text, &len, NULL) != SK_OK)
            continue; /* unreadable bundle files are lint's business, not ours */
        c.file = f->path;
        c.file_order = order++;
        c.jsx = jsx;
        if (!md) {
            switch (lang) {
            case LANG_PY:
                add_hit_at(&c, "gen.code.python", 1, 1, text, false, "bundled Python script");
                break;
            case LANG_JS:
                add_hit_at(&c, "gen.code.javascript", 1, 1, text, false,
                           "bundled JavaScript code");
                break;
            case LANG_SH:
                add_hit_at(&c, "gen.code.shell", 1, 1, text, false, "bundled shell script");
                break;
            case LANG_SQL: add_hit_at(&c, "gen.code.sql", 1, 1, text, false, "bundled SQL"); break;
            case LANG_HTML:
                add_hit_at(&c, "gen.code.html", 1, 1, text, false, "bundled HTML");
                break;
            default: break;
            }
            /* the first line's text only */
            Hit *h = c.hits.len ? sk_vec_get(&c.hits, c.hits.len - 1) : NULL;
            if (h && h->line == 1 && !strcmp(h->file, f->path)) {
                char *nl = strchr(h->text, '\n');
                if (nl) {
                    *nl = '\0';
                    char *t = evidence_text(h->text);
                    free(h->text);
                    h->text = t;
                }
            }
        }
        scan_text(&c, text, len, lang, md, 1);
        free(text);
        c.jsx = false;
    }
    c.file = "SKILL.md";
    finish_counts(&c);

    Analysis *a = sk_calloc(1, sizeof *a);
    a->skill_name = sk_strdup(s->name ? s->name : s->id);
    sk_vec_init(&a->reqs, requirement_free);
    build_requirements(&c, a);

    sk_vec_done(&c.hits);
    sk_vec_done(&c.constraints);
    sk_vec_done(&c.format_l2);
    sk_vec_done(&c.bundle_refs);
    list_reset(&c.num);
    list_reset(&c.step);
    free(c.fence_text);
    *out = a;
    return SK_OK;
}

void analyzer_free(Analysis *a)
{
    if (!a)
        return;
    free(a->skill_name);
    sk_vec_done(&a->reqs);
    free(a);
}

const Requirement *analyzer_find(const Analysis *a, const char *primitive)
{
    if (!a || !primitive)
        return NULL;
    for (size_t i = 0; i < a->reqs.len; i++) {
        const Requirement *r = sk_vec_get(&a->reqs, i);
        if (!strcmp(r->primitive, primitive))
            return r;
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------ */
/* gaps */

static void gap_free(void *p)
{
    Gap *g = p;
    if (!g)
        return;
    free(g->guidance);
    free(g);
}

char *analyzer_guidance(const char *primitive, int required, int have)
{
    const Primitive *p = catalog_find(primitive);
    if (!p)
        return sk_asprintf("Unknown primitive %s: no guidance available.", primitive);
    if (have >= required)
        return sk_strdup("The target meets this requirement; no change needed.");
    SkBuf b = SK_BUF_INIT;
    if (required >= 3 && have < 3)
        sk_buf_printf(&b, "L3->L2: %s", p->degrade_3_2);
    if (required >= 2 && have < 2) {
        if (b.len)
            sk_buf_puts(&b, " Then ");
        if (p->degrade_2_1)
            sk_buf_printf(&b, "L2->L1: %s", p->degrade_2_1);
        else
            sk_buf_printf(&b, "L2->L1: no feasible degradation for %s (%s cannot be reduced "
                              "to simpler steps); substitute another approach or leave this "
                              "part unchanged.",
                          p->id, p->title);
    }
    if (!b.len)
        sk_buf_printf(&b, "No degradation below L1 exists: the target shows no %s ability at "
                          "all (%s). Move this work into a provided script or tool the target "
                          "only has to run, or expect this part to fail.",
                      p->id, p->level[0]);
    return sk_buf_steal(&b);
}

void analyzer_gaps(const Analysis *a, const Tcp *t, SkVec *out)
{
    sk_vec_init(out, gap_free);
    if (!a)
        return;
    const Primitive *all = catalog_all(NULL);
    for (int pi = 0; pi < CATALOG_COUNT; pi++) {
        const Requirement *r = analyzer_find(a, all[pi].id);
        if (!r)
            continue;
        int have = t ? tcp_level(t, r->primitive) : 0;
        if (have < 0)
            have = 0;
        if (have >= r->level)
            continue;
        Gap *g = sk_calloc(1, sizeof *g);
        g->primitive = all[pi].id;
        g->required = r->level;
        g->have = have;
        g->kind = have == 0 ? GAP_MISSING : GAP_WEAK;
        g->guidance = analyzer_guidance(g->primitive, g->required, have);
        sk_vec_push(out, g);
    }
}

json_t *analyzer_to_json(const Analysis *a, const Tcp *const *targets, size_t ntargets)
{
    json_t *root = json_object();
    json_object_set_new(root, "skill", json_string(a && a->skill_name ? a->skill_name : ""));
    json_t *reqs = json_array();
    for (size_t i = 0; a && i < a->reqs.len; i++) {
        const Requirement *r = sk_vec_get(&a->reqs, i);
        json_t *jr = json_object();
        json_object_set_new(jr, "primitive", json_string(r->primitive));
        json_object_set_new(jr, "level", json_integer(r->level));
        json_t *ev = json_array();
        for (size_t k = 0; k < r->evidence.len; k++) {
            const Evidence *e = sk_vec_get(&r->evidence, k);
            json_t *je = json_object();
            json_object_set_new(je, "file", json_string(e->file));
            json_object_set_new(je, "line", json_integer(e->line));
            json_object_set_new(je, "text", json_string(e->text));
            json_array_append_new(ev, je);
        }
        json_object_set_new(jr, "evidence", ev);
        json_object_set_new(jr, "why", json_string(r->why ? r->why : ""));
        json_array_append_new(reqs, jr);
    }
    json_object_set_new(root, "requirements", reqs);
    json_t *tj = json_array();
    for (size_t i = 0; i < ntargets; i++) {
        const Tcp *t = targets[i];
        json_t *jt = json_object();
        json_object_set_new(jt, "model", json_string(t && t->model ? t->model : ""));
        json_object_set_new(jt, "harness", json_string(t && t->harness ? t->harness : ""));
        SkVec gaps;
        analyzer_gaps(a, t, &gaps);
        json_t *jg = json_array();
        for (size_t k = 0; k < gaps.len; k++) {
            const Gap *g = sk_vec_get(&gaps, k);
            json_t *o = json_object();
            json_object_set_new(o, "primitive", json_string(g->primitive));
            json_object_set_new(o, "required", json_integer(g->required));
            json_object_set_new(o, "have", json_integer(g->have));
            json_object_set_new(o, "kind", json_string(g->kind == GAP_MISSING ? "missing" : "weak"));
            json_object_set_new(o, "guidance", json_string(g->guidance));
            json_array_append_new(jg, o);
        }
        sk_vec_done(&gaps);
        json_object_set_new(jt, "gaps", jg);
        json_array_append_new(tj, jt);
    }
    json_object_set_new(root, "targets", tj);
    return root;
}
