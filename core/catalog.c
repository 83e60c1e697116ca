/* catalog.c: the 26 primitive capabilities.
 *
 * Ids, categories and order match the reference SkVM so that profiles written by either tool
 * interoperate. Titles, level meanings and degradation guidance are our own words. The
 * guidance is addressed to whoever rewrites a skill for a weaker target (a skill author or
 * the compiler): it says concretely what to write instead. */
#include "core/catalog.h"

#include <string.h>

static const Primitive catalog_table[CATALOG_COUNT] = {
    /* ---------------- generation (9) ---------------- */
    {
        .id = "gen.code.python",
        .category = CATALOG_GENERATION,
        .title = "Python code",
        .description = "Write Python programs that run correctly on the first try.",
        .level = {
            "a single-file script with plain syntax: variables, loops, functions, print",
            "scripts using the standard library: file I/O, csv, json, re, os, argparse",
            "programs using third-party packages such as pandas, requests, numpy, openpyxl",
        },
        .degrade_3_2 = "Replace third-party packages with the standard library where possible "
                       "(csv instead of pandas, urllib instead of requests); where a package is "
                       "unavoidable, spell out the exact import line and each call with its "
                       "arguments, one call per statement, no method chaining.",
        .degrade_2_1 = "Give the exact open()/read()/write() code to use; parse text with "
                       "split(), strip() and replace() instead of the csv, json or re modules, "
                       "and show a complete minimal example script to adapt.",
    },
    {
        .id = "gen.code.javascript",
        .category = CATALOG_GENERATION,
        .title = "JavaScript code",
        .description = "Write JavaScript (Node.js) programs that run correctly.",
        .level = {
            "a single-file script with plain syntax, reading and writing files with fs",
            "Node built-in modules and npm packages in one program",
            "async/await flows and complex APIs (DOM, bundlers, build tools)",
        },
        .degrade_3_2 = "Use synchronous calls (fs.readFileSync, execSync) or plain callbacks "
                       "instead of async/await chains; avoid DOM and build-tool APIs and show "
                       "the exact require() line and usage for every npm package.",
        .degrade_2_1 = "Use no npm packages and nothing beyond fs: give the exact "
                       "readFileSync/writeFileSync calls and do the processing with plain "
                       "string and array operations written out inline.",
    },
    {
        .id = "gen.code.shell",
        .category = CATALOG_GENERATION,
        .title = "Shell scripts",
        .description = "Write bash commands and scripts that do what is asked.",
        .level = {
            "single basic commands: ls, cat, grep, mkdir, cp",
            "pipes, redirection, variables and for/while loops",
            "long pipelines with sed, awk, xargs, find -exec and quoting subtleties",
        },
        .degrade_3_2 = "Replace sed/awk/xargs one-liners with explicit while-read loops and "
                       "short pipes; split each long pipeline into numbered steps that store "
                       "intermediate results in named variables or files.",
        .degrade_2_1 = "Give one plain command per step with no pipes, loops or redirection "
                       "tricks; write intermediate results to named files and list the exact "
                       "commands in order.",
    },
    {
        .id = "gen.code.sql",
        .category = CATALOG_GENERATION,
        .title = "SQL queries",
        .description = "Write SQL queries that return the right rows.",
        .level = {
            "SELECT with WHERE, ORDER BY and simple aggregates (COUNT, SUM) on one table",
            "JOINs, GROUP BY/HAVING, subqueries and window functions",
            "CTEs (WITH ... AS), many-table queries and performance-aware rewrites",
        },
        .degrade_3_2 = "Rewrite CTEs as subqueries or as separate queries that save "
                       "intermediate results in temporary tables; drop optimizer hints and keep "
                       "to plain JOIN and GROUP BY.",
        .degrade_2_1 = "Break JOINs into a sequence of single-table queries and combine the "
                       "results in code; no subqueries or window functions; compute each "
                       "aggregate with its own simple query.",
    },
    {
        .id = "gen.code.html",
        .category = CATALOG_GENERATION,
        .title = "HTML and SVG",
        .description = "Write well-formed HTML (and inline SVG) documents.",
        .level = {
            "headings, paragraphs, lists and links",
            "forms, tables, semantic sections and basic SVG shapes",
            "complex SVG, responsive layout with media queries, accessibility (ARIA)",
        },
        .degrade_3_2 = "Replace complex SVG and media queries with simple tables and basic "
                       "shapes (rect, circle, line, text); list every ARIA attribute that must "
                       "appear instead of asking for 'accessible' markup.",
        .degrade_2_1 = "Use only headings, paragraphs, lists and links; give the exact document "
                       "skeleton to fill in instead of forms, tables or SVG.",
    },
    {
        .id = "gen.text.structured",
        .category = CATALOG_GENERATION,
        .title = "Structured data (JSON/YAML)",
        .description = "Emit valid JSON or YAML of the requested shape and size.",
        .level = {
            "small flat objects (under about 500 bytes)",
            "nested documents up to about 5 KB",
            "large (over 5 KB), deeply nested documents",
        },
        .degrade_3_2 = "Produce the data in chunks under 5 KB each (one file or object per "
                       "chunk) and flatten intermediate nesting levels; merge the chunks with a "
                       "script afterwards.",
        .degrade_2_1 = "Use flat key/value objects only; express hierarchy with dotted keys "
                       "(\"user.name\") or with separate flat objects, and show one complete "
                       "example object.",
    },
    {
        .id = "gen.text.long",
        .category = CATALOG_GENERATION,
        .title = "Long output",
        .description = "Produce long outputs completely, without truncation or lost markers.",
        .level = {
            "complete outputs under about 1 KB",
            "1-5 KB outputs that keep their structure",
            "outputs over 5 KB with begin/end delimiters intact",
        },
        .degrade_3_2 = "Generate the document in sequential parts under 5 KB each, every part "
                       "with an explicit heading and a 'continued in part N' marker, written to "
                       "separate files or appended one at a time.",
        .degrade_2_1 = "Keep each output under 1 KB: ask for independent short pieces (one "
                       "section, one file each) instead of one long document.",
    },
    {
        .id = "gen.text.prose",
        .category = CATALOG_GENERATION,
        .title = "Prose",
        .description = "Write coherent natural-language text.",
        .level = {
            "one coherent paragraph",
            "several paragraphs with a consistent tone",
            "long-form text with sections and transitions between them",
        },
        .degrade_3_2 = "Ask for independent sections, each with its own heading and purpose "
                       "stated, and do not require transitions that refer across sections.",
        .degrade_2_1 = "Ask for a single paragraph at a time and give its topic sentence and the "
                       "key points it must cover.",
    },
    {
        .id = "gen.regex",
        .category = CATALOG_GENERATION,
        .title = "Regular expressions",
        .description = "Write regular expressions that match exactly what is intended.",
        .level = {
            "literals, character classes and quantifiers",
            "groups, alternation and anchors",
            "lookahead/lookbehind, named groups and backreferences",
        },
        .degrade_3_2 = "Avoid lookaround: match broadly with a simple pattern, then filter the "
                       "matches with a second simple pattern or a plain string test in code.",
        .degrade_2_1 = "Avoid groups and alternation: apply several simple patterns one after "
                       "another, or give the exact pattern to use.",
    },

    /* ---------------- reasoning (5) ---------------- */
    {
        .id = "reason.arithmetic",
        .category = CATALOG_REASONING,
        .title = "Arithmetic",
        .description = "Compute numeric results correctly.",
        .level = {
            "single-step calculations",
            "multi-step calculations: averages, weighted sums, totals",
            "compound calculations: chained percentages, growth rates, financial formulas",
        },
        .degrade_3_2 = "Break each compound calculation into numbered steps with the formula "
                       "for each step written out, and have every intermediate value recorded "
                       "before it is used.",
        .degrade_2_1 = "Keep mental math to single steps; every multi-step calculation is done "
                       "by writing and running a short script (or precomputed in the skill).",
    },
    {
        .id = "reason.logic",
        .category = CATALOG_REASONING,
        .title = "Logical deduction",
        .description = "Draw correct conclusions from rules and constraints.",
        .level = {
            "simple if-then deductions",
            "satisfying several constraints at once",
            "finding the best option under constraints (optimization)",
        },
        .degrade_3_2 = "List the feasible options explicitly (or have a script enumerate them), "
                       "then state the rule for picking the best one.",
        .degrade_2_1 = "Turn the constraint set into a checklist of single if-then checks "
                       "applied one at a time, in a fixed order.",
    },
    {
        .id = "reason.spatial",
        .category = CATALOG_REASONING,
        .title = "Spatial reasoning",
        .description = "Reason about positions, distances, shapes and transforms.",
        .level = {
            "2D distance and direction",
            "plane geometry: areas, rotations, transforms",
            "3D and spherical geometry (e.g. great-circle distance)",
        },
        .degrade_3_2 = "Use 2D approximations or give the exact formula, and have the "
                       "computation done in code rather than reasoned out.",
        .degrade_2_1 = "Give the formulas to apply and restrict the task to distances and "
                       "directions; compute areas and transforms in code.",
    },
    {
        .id = "reason.planning",
        .category = CATALOG_REASONING,
        .title = "Planning",
        .description = "Order work into steps that respect dependencies.",
        .level = {
            "ordering 3-5 dependent steps",
            "decomposing a goal into subtasks and spotting what can run in parallel",
            "plans with conditional branches and recovery from errors",
        },
        .degrade_3_2 = "Write the plan as an explicit decision tree: for each step, what to do "
                       "on success and on each known failure, with the fallbacks stated up "
                       "front.",
        .degrade_2_1 = "Give a fixed, linear sequence of 3-5 steps in dependency order instead "
                       "of asking the model to decompose the goal.",
    },
    {
        .id = "reason.analysis",
        .category = CATALOG_REASONING,
        .title = "Code analysis",
        .description = "Understand existing code: purpose, bugs, root causes.",
        .level = {
            "explaining what a short snippet does",
            "finding bugs in a moderately sized piece of code",
            "tracing a root cause across several files",
        },
        .degrade_3_2 = "Name the files and functions to inspect, give the entry point and the "
                       "call chain, and ask about one file at a time.",
        .degrade_2_1 = "Provide the short, isolated snippet to examine inline and ask one "
                       "specific question about it.",
    },

    /* ---------------- tool use (7) ---------------- */
    {
        .id = "tool.file.read",
        .category = CATALOG_TOOL_USE,
        .title = "Reading files",
        .description = "Read files through the harness's file tools.",
        .level = {
            "reading one file by a given path",
            "reading several files and coping with missing ones",
            "reading large files in pieces (offsets, pagination)",
        },
        .degrade_3_2 = "Pre-split large files into parts or state the exact offsets/line ranges "
                       "to read; do not rely on the model paging through a file on its own.",
        .degrade_2_1 = "Give exact paths up front, read one file per step, and state what to do "
                       "if a file is absent instead of expecting the model to handle it.",
    },
    {
        .id = "tool.file.write",
        .category = CATALOG_TOOL_USE,
        .title = "Writing files",
        .description = "Create and update files through the harness's file tools.",
        .level = {
            "writing one short file (under about 1 KB)",
            "writing a file of 1-10 KB",
            "writing several files in sequence",
        },
        .degrade_3_2 = "Write one file per step and confirm each (list or read it back) before "
                       "the next.",
        .degrade_2_1 = "Keep every write under 1 KB: split larger content into several small "
                       "files or append in small pieces.",
    },
    {
        .id = "tool.exec",
        .category = CATALOG_TOOL_USE,
        .title = "Running commands",
        .description = "Run shell commands and programs and use their output.",
        .level = {
            "running a single given command",
            "writing a script, running it and saving its output",
            "chained multi-step command workflows that depend on earlier output",
        },
        .degrade_3_2 = "Spell out write-then-run as separate steps and tell the model to check "
                       "each command's output before running the next.",
        .degrade_2_1 = "Give the exact command line to run; do not ask the model to write a "
                       "script first.",
    },
    {
        .id = "tool.call.format",
        .category = CATALOG_TOOL_USE,
        .title = "Tool-call arguments",
        .description = "Format tool-call arguments correctly.",
        .level = {
            "simple string arguments",
            "structured arguments (JSON objects, arrays)",
            "nested parameters and strings needing escaping",
        },
        .degrade_3_2 = "Flatten nested parameters to top-level keys and give pre-escaped or "
                       "pre-formatted string values to pass verbatim.",
        .degrade_2_1 = "Use string arguments only; serialize any structure to a flat string "
                       "in a format shown by example.",
    },
    {
        .id = "tool.call.batch",
        .category = CATALOG_TOOL_USE,
        .title = "Batched tool calls",
        .description = "Issue several tool calls together and combine their results.",
        .level = {
            "two independent reads",
            "five or so independent reads with their results aggregated",
            "batches whose results must be reasoned about together",
        },
        .degrade_3_2 = "Process each result on its own first, then add an explicit aggregation "
                       "step that lists what to combine.",
        .degrade_2_1 = "Do the reads sequentially, one file per step, two at most before "
                       "summarizing.",
    },
    {
        .id = "tool.web",
        .category = CATALOG_TOOL_USE,
        .title = "Web APIs",
        .description = "Call HTTP APIs and extract data from the responses.",
        .level = {
            "a simple GET and one field from the response",
            "GET with query parameters and parsing of the response",
            "several APIs, pagination and combining results",
        },
        .degrade_3_2 = "Call one API at a time and avoid pagination (ask for larger pages); "
                       "give each request's URL pattern explicitly.",
        .degrade_2_1 = "Give the exact, fully built URL to fetch and name the single field to "
                       "extract from the response.",
    },
    {
        .id = "tool.browser",
        .category = CATALOG_TOOL_USE,
        .title = "Browser automation",
        .description = "Drive a web browser: navigate, click, fill forms, read pages.",
        .level = {
            "navigating to a page, waiting and extracting text",
            "filling forms, clicking and handling dynamic content",
            "multi-step workflows including authentication",
        },
        .degrade_3_2 = "Split the workflow into single-page actions, one per step, and supply "
                       "credentials and every URL explicitly up front.",
        .degrade_2_1 = NULL, /* form filling cannot be reduced to navigation: substitute */
    },

    /* ---------------- instruction following (5) ---------------- */
    {
        .id = "follow.format",
        .category = CATALOG_FOLLOW,
        .title = "Output format",
        .description = "Produce output in exactly the requested format.",
        .level = {
            "a named format (e.g. 'answer in JSON')",
            "a specific schema or template",
            "several format constraints at the same time",
        },
        .degrade_3_2 = "Impose one format constraint at a time: produce the primary format "
                       "first, then post-process (or check with a script) for the others.",
        .degrade_2_1 = "Give an exact template with placeholders, or a complete example output, "
                       "to copy.",
    },
    {
        .id = "follow.constraint",
        .category = CATALOG_FOLLOW,
        .title = "Constraints",
        .description = "Obey explicit MUST/NEVER rules.",
        .level = {
            "one MUST/NEVER rule",
            "three to five rules at once",
            "rules that go against the model's habits",
        },
        .degrade_3_2 = "Rephrase rules that go against habit as positive instructions ('write "
                       "X', not 'never write Y') and place them right at the step they apply "
                       "to.",
        .degrade_2_1 = "Keep only the most critical rule as an instruction; turn the others "
                       "into a verification checklist run after the work is done.",
    },
    {
        .id = "follow.procedure",
        .category = CATALOG_FOLLOW,
        .title = "Procedures",
        .description = "Carry out a multi-step procedure in order.",
        .level = {
            "three sequential steps",
            "five to seven steps including branches",
            "procedures with loops and verification steps",
        },
        .degrade_3_2 = "Unroll loops into a fixed number of explicit iterations and write the "
                       "stop criterion into the step itself.",
        .degrade_2_1 = "Reduce to three linear steps; replace conditionals with the common path "
                       "and move rare cases to a note.",
    },
    {
        .id = "follow.delegation",
        .category = CATALOG_FOLLOW,
        .title = "Delegating to code",
        .description = "Use code for work that code does better than the model.",
        .level = {
            "writing and running a script when told to",
            "preferring code over mental math without being told",
            "delegating consistently whenever it is the obvious choice",
        },
        .degrade_3_2 = "Mark each computation that must go to code explicitly: 'compute this "
                       "by writing and running a script'.",
        .degrade_2_1 = "Give the exact script template to run and always instruct to use it; "
                       "never leave the choice to the model.",
    },
    {
        .id = "follow.style",
        .category = CATALOG_FOLLOW,
        .title = "Style and tone",
        .description = "Keep a requested tone, voice or persona.",
        .level = {
            "formal versus casual tone",
            "a specific persona or register",
            "a consistent style across long output",
        },
        .degrade_3_2 = "Ask for shorter sections (two or three paragraphs) and restate the "
                       "style requirement at the start of each.",
        .degrade_2_1 = "Reduce to a simple tone choice (formal or casual) and give concrete "
                       "word-choice examples to imitate and to avoid.",
    },
};

const Primitive *catalog_all(size_t *count) {
    if (count)
        *count = CATALOG_COUNT;
    return catalog_table;
}

int catalog_index(const char *id) {
    if (!id)
        return -1;
    for (int i = 0; i < CATALOG_COUNT; i++)
        if (strcmp(catalog_table[i].id, id) == 0)
            return i;
    return -1;
}

const Primitive *catalog_find(const char *id) {
    int i = catalog_index(id);
    return i < 0 ? NULL : &catalog_table[i];
}

const char *catalog_category_name(CatalogCategory c) {
    switch (c) {
    case CATALOG_GENERATION: return "generation";
    case CATALOG_REASONING: return "reasoning";
    case CATALOG_TOOL_USE: return "tool_use";
    case CATALOG_FOLLOW: return "instruction_following";
    }
    return "unknown";
}
