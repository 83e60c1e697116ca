/* pass_plan.h: compiler pass 3, concurrency extraction.
 *
 * Offline, the skill's workflow is read from its own structure: "Step N" headings, else the
 * best numbered list (one under a Workflow/Steps/Process heading wins, else the longest),
 * else its sections. Each step gets its source lines and the files and variables it reads
 * and writes; edges come from data flow (a file written by one step and read by a later
 * one), explicit "step N" references and the written order, except where the text marks
 * steps as independent. Duplicate steps are merged (unless that would make a cycle), the
 * graph is checked acyclic, and parallel groups are found:
 *   dlp  one step applying the same operation to many items ("for each file ...")
 *   ilp  two or more independent single-action steps (tool calls in one turn)
 *   tlp  two or more independent multi-step subtasks (sub-agents)
 * with the critical path (unit weight per step) and the ideal speed-up (steps / critical
 * path length). The plan goes to _artifacts/plan.json and, when it has a group the harness
 * can use, a short marked "Execution plan" section is appended to SKILL.md.
 *
 * plan.json:
 *   {version: 1, source: "offline", strategy, steps: [{id, title, lines: [first, last],
 *    file: "SKILL.md", inputs: [], outputs: [], merged_from?: [ids]}],
 *    edges: [{from, to, kind: data|ref|order, via?}], groups: [{id, type, steps, mechanism,
 *    reason, harness_supported}], critical_path: [ids], total_weight, critical_weight,
 *    ideal_speedup, acyclic: true, topo_order: [ids]} */
#ifndef SKVM_CORE_PASS_PLAN_H
#define SKVM_CORE_PASS_PLAN_H

#include <jansson.h>

#include "core/compile.h"
#include "core/util.h"

SkStatus pass_plan_run(CompileCtx *ctx, SkError *err);

/* Build the plan of a SKILL.md text for HARNESS (NULL: bare-agent). New ref; never NULL. */
json_t *pass_plan_build(const char *skill_text, const char *harness);
/* The SKILL.md section for PLAN in at most MAX_LINES lines (NULL when it has no usable
 * group or does not fit). New string. */
char *pass_plan_section(const json_t *plan, int max_lines);
/* Check that EDGES over STEPS (plan arrays) form a DAG; on success fill ORDER (ids, may be
 * NULL). */
bool pass_plan_acyclic(const json_t *plan, json_t *order);

#endif
