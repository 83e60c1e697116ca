#!/usr/bin/env bash
# test_run.sh: `skvm run` and `skvm runs` from the command line against the loopback model
# server: usage errors, a prompt run with progress and JSON, a task run with its score,
# exit statuses, and the run listing / timeline.
set -u
. "$SKVM_SOURCE_DIR/tests/modelserver/msrv.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }

export SKVM_HOME="$(mktemp -d "${TMPDIR:-/tmp}/skvm-run-test.XXXXXX")"
cleanup() { msrv_stop; rm -rf "$SKVM_HOME"; }
trap cleanup EXIT

msrv_start '{"rules":[
 {"name":"judge","match":{"tool":"submit_score"},"reply":{"tool_calls":[{"name":"submit_score","arguments":{"score":0.5,"reasoning":"half right"}}]}},
 {"name":"agent","match":{"tool":"write_file"},"turns":[
   {"text":"Writing.","tool_calls":[{"name":"write_file","arguments":{"path":"answer.txt","content":"42\n"}},
                                    {"name":"execute_command","arguments":{"command":"cat answer.txt"}}]},
   {"text":"The answer is in answer.txt."}]}]}'
rc=$?; [ $rc -eq 77 ] && exit 77; [ $rc -eq 0 ] || fail "model server did not start"
printf 'providers:\n  routes:\n    - match: "test/*"\n      kind: openai-compatible\n      base_url: %s\n' \
  "$MSRV_OPENAI_URL" > "$SKVM_HOME/config.yaml"

B="$SKVM_BIN"
"$B" run --help | grep -q "Exit status" || fail "run --help"
"$B" run --prompt x >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing --model must exit 2"
"$B" run --model test/m >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing --prompt/--task must exit 2"
"$B" run --model test/m --prompt x --task /nonexistent >/dev/null 2>&1; [ $? -eq 2 ] || fail "both given"
"$B" run --model test/m --task /nonexistent/task >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad task must exit 2"
"$B" run --model test/m --prompt x --mode sideways >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad mode"
"$B" run --model test/m --prompt x --max-steps zero >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad max-steps"

# a prompt run: progress lines, the final answer, totals
out="$("$B" run --model test/m --prompt "write the answer" --no-cache 2>&1)" || fail "prompt run exit $?: $out"
echo "$out" | grep -q "write_file" || fail "no progress line for write_file: $out"
echo "$out" | grep -q "The answer is in answer.txt." || fail "no final answer: $out"
echo "$out" | grep -q "totals: 2 model calls, 2 tool calls" || fail "no totals: $out"

# a task run with --json: the file check passes, the judge scores 0.5
task="$SKVM_HOME/task1"
mkdir -p "$task/fixtures"
echo "input" > "$task/fixtures/input.txt"
cat > "$task/task.json" <<'JSON'
{"id":"task1","prompt":"Write 42 into answer.txt","timeoutMs":60000,"maxSteps":5,
 "eval":[{"id":"file","method":"file-check","path":"answer.txt","mode":"exact","expected":"42","weight":0.5},
         {"id":"fixture","method":"script","command":"test -f input.txt","weight":0.2},
         {"id":"judge","method":"llm-judge","rubric":"1.0: correct","weight":0.3}]}
JSON
json="$("$B" run --model test/m --task "$task" --judge-model test/judge --json --no-cache 2>/dev/null)" \
  || fail "task run exit $?"
python3 - "$json" <<'PY' || fail "task run JSON: $json"
import json, sys
r = json.loads(sys.argv[1])
assert r["status"] == "ok", r
ev = r["evaluation"]
assert abs(ev["score"] - (0.5 + 0.2 + 0.3 * 0.5)) < 1e-9, ev
crit = {c["id"]: c for c in ev["criteria"]}
assert crit["judge"]["status"] == "scored" and abs(crit["judge"]["score"] - 0.5) < 1e-9, crit
assert r["workdir_kept"] is False
PY
# without a judge model: reported as not run, the rest renormalized
out="$("$B" run --model test/m --task "$task" --no-cache 2>&1)" || fail "task run without judge: $out"
echo "$out" | grep -q "no judge model" || fail "judge not reported as not run: $out"
echo "$out" | grep -q "score: 1.000 (pass)" || fail "renormalized score: $out"

# a model error is an infrastructure failure: exit 3
"$B" run --model nowhere/m --prompt x --no-cache >/dev/null 2>&1; [ $? -eq 3 ] || fail "model error must exit 3"

# runs list / show
list="$("$B" runs list)" || fail "runs list"
[ "$(echo "$list" | grep -c ' ok ')" -ge 3 ] || fail "runs list: $list"
id="$("$B" runs list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"
"$B" runs show "$id" >/dev/null || fail "runs show $id"
tid="$("$B" runs list --json | python3 -c 'import json,sys; print([r["id"] for r in json.load(sys.stdin) if r["task"]][0])')"
show="$("$B" runs show "${tid:0:20}")" || fail "runs show prefix"
echo "$show" | grep -q "write_file" || fail "timeline lacks the tool call: $show"
echo "$show" | grep -q "CRITERION" || fail "show lacks scores: $show"
"$B" runs show "$tid" --json | python3 -c 'import json,sys; r=json.load(sys.stdin); assert len(r["steps"])>=4 and r["scores"], r' \
  || fail "runs show --json"
"$B" runs show nosuchrun >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown run must exit 2"
echo "ok"
