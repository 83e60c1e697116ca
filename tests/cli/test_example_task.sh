#!/usr/bin/env bash
# test_example_task.sh: the bundled example task (examples/tasks/csv-report_task_01) run end
# to end with the bundled csv-report skill against the loopback model server. A scripted
# model that follows the skill (reads the CSV, runs the skill's script, writes report.md)
# must score 1.0; one that writes wrong totals must fail the numbers criterion and keep the
# report-table criterion. The task's checker runs from the task folder ($SKVM_TASK_DIR).
set -u
. "$SKVM_SOURCE_DIR/tests/modelserver/msrv.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v python3 >/dev/null || exit 77

export SKVM_HOME="$(mktemp -d "${TMPDIR:-/tmp}/skvm-example-task.XXXXXX")"
cleanup() { msrv_stop; rm -rf "$SKVM_HOME"; }
trap cleanup EXIT

report_good='# Amount by region\n\nGrand total: 3,136.50 over 7 rows.\n\n| region | total | share |\n|---|---:|---:|\n| north | 2,250.50 | 71.8% |\n| east | 506.00 | 16.1% |\n| south | 380.00 | 12.1% |\n\n## Skipped rows\n\n- line 6: "n/a"\n'
report_bad='# Amount by region\n\n| region | total |\n|---|---:|\n| north | 2,000.00 |\n| east | 506.00 |\n| south | 380.00 |\n'
good=$(printf '%b' "$report_good" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')
bad=$(printf '%b' "$report_bad" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')

msrv_start '{"rules":[
 {"name":"good","match":{"model":"good"},"turns":[
   {"text":"Looking at the CSV.","tool_calls":[{"name":"read_file","arguments":{"path":"sales.csv"}}]},
   {"text":"Computing totals with the bundled script.","tool_calls":[{"name":"execute_command","arguments":{"command":"python3 skill/scripts/summarize.py sales.csv --group region --value amount > summary.json"}}]},
   {"text":"Writing the report.","tool_calls":[{"name":"write_file","arguments":{"path":"report.md","content":'"$good"'}}]},
   {"text":"Wrote summary.json and report.md."}]},
 {"name":"bad","match":{"model":"bad"},"turns":[
   {"text":"I will add them up myself.","tool_calls":[{"name":"write_file","arguments":{"path":"summary.json","content":"{\"groups\": [{\"name\": \"north\", \"total\": 2000}], \"grand_total\": 2886}"}},
                                                    {"name":"write_file","arguments":{"path":"report.md","content":'"$bad"'}}]},
   {"text":"Done."}]}]}'
rc=$?; [ $rc -eq 77 ] && exit 77; [ $rc -eq 0 ] || fail "model server did not start"
printf 'providers:\n  routes:\n    - match: "test/*"\n      kind: openai-compatible\n      base_url: %s\n' \
  "$MSRV_OPENAI_URL" > "$SKVM_HOME/config.yaml"

B="$SKVM_BIN"
task="$SKVM_SOURCE_DIR/examples/tasks/csv-report_task_01"
skill="$SKVM_SOURCE_DIR/examples/skills/csv-report"

json="$("$B" run --skill "$skill" --task "$task" --model test/good --json --no-cache 2>/dev/null)"
rc=$?
[ $rc -eq 0 ] || fail "good run exit $rc: $json"
python3 - "$json" <<'PY' || fail "good run JSON: $json"
import json, sys
r = json.loads(sys.argv[1])
assert r["status"] == "ok", r["status"]
ev = r["evaluation"]
crit = {c["id"]: c for c in ev["criteria"]}
assert crit["numbers"]["status"] == "scored", crit["numbers"]
assert abs(crit["numbers"]["score"] - 1.0) < 1e-9, crit["numbers"]
assert abs(crit["report-exists"]["score"] - 1.0) < 1e-9, crit["report-exists"]
assert abs(ev["score"] - 1.0) < 1e-9, ev
PY

json="$("$B" run --skill "$skill" --task "$task" --model test/bad --json --no-cache 2>/dev/null)"
rc=$?
[ $rc -eq 1 ] || fail "bad run must exit 1 (task failed), got $rc"
python3 - "$json" <<'PY' || fail "bad run JSON: $json"
import json, sys
r = json.loads(sys.argv[1])
ev = r["evaluation"]
crit = {c["id"]: c for c in ev["criteria"]}
assert crit["numbers"]["score"] < 0.5, crit["numbers"]
assert abs(crit["report-exists"]["score"] - 1.0) < 1e-9, crit["report-exists"]
assert ev["score"] < 0.5, ev
details = json.dumps(crit["numbers"])
assert "expected" in details, details   # the checker says what was wrong
PY
# the same task on a compiled variant of the skill (issue 7: `skvm run` takes a variant), and
# the variant comparison then shows both runs' scores
"$B" compile "$skill" --model qwen3.5-9b >/dev/null 2>&1 || fail "offline compile"
ref="csv-report:bare-agent/qwen--qwen3.5-9b"
json="$("$B" run --skill "$ref" --task "$task" --model test/good --json --no-cache 2>/dev/null)"
rc=$?
[ $rc -eq 0 ] || fail "variant run exit $rc: $json"
python3 - "$json" <<'PY' || fail "variant run JSON: $json"
import json, sys
r = json.loads(sys.argv[1])
assert abs(r["evaluation"]["score"] - 1.0) < 1e-9, r["evaluation"]
PY
"$B" run --skill "csv-report:no-such-branch" --task "$task" --model test/good >/dev/null 2>&1
[ $? -eq 2 ] || fail "an unknown variant must exit 2"
diff_json="$("$B" variants diff csv-report:main "$ref" --json)" || fail "variants diff"
python3 - "$diff_json" <<'PY' || fail "variants diff JSON lacks the variant's run: $diff_json"
import json, sys
d = json.loads(sys.argv[1])
runs = d["runs"]
assert runs["b"] and runs["b"]["runs"] == 1 and abs(runs["b"]["score"] - 1.0) < 1e-9, runs
PY
echo "example task: good run 1.0, bad run failed as expected, variant run recorded"
