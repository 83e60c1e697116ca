#!/usr/bin/env bash
# test_analyze.sh: `skvm primitives` and `skvm analyze` (text, --json, --model, errors).
set -u
BIN=${SKVM_BIN:?SKVM_BIN is not set}
SRC=${SKVM_SOURCE_DIR:?SKVM_SOURCE_DIR is not set}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export SKVM_HOME="$TMP/home"
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
run() {
    "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
}
expect_rc() { [ "$rc" -eq "$1" ] || fail "$2: exit $rc, expected $1; stderr: $(cat "$TMP/err")"; }
expect_out() { grep -qF -- "$1" "$TMP/out" || fail "$2: stdout lacks '$1'"; }
expect_err() { grep -qF -- "$1" "$TMP/err" || fail "$2: stderr lacks '$1'"; }
py() { python3 -c "import json,sys; d=json.load(open('$TMP/out')); $1" || fail "$2"; }
command -v python3 >/dev/null || { echo "python3 is needed to parse JSON"; exit 77; }

# ---- a fixture skill ----
SK="$TMP/report-skill"
mkdir -p "$SK/scripts"
cat >"$SK/SKILL.md" <<'MD'
---
name: report-skill
description: Builds a sales report from a spreadsheet.
---
# Sales report

## Workflow

1. Read the input spreadsheet
2. Run `python3 scripts/summarize.py sales.xlsx > summary.json`
3. If the script fails, fix the input and run it again
4. Compute the percentage growth per region
5. Save the report to report.md

You MUST keep the region names. NEVER invent numbers. Do not round totals.

```python
import pandas as pd
df = pd.read_excel("sales.xlsx")
```

```bash
cat summary.json | jq '.regions[]' | sort
```
MD
cat >"$SK/scripts/summarize.py" <<'PY'
#!/usr/bin/env python3
import json
import openpyxl
PY

# ---- primitives ----
run "$BIN" primitives
expect_rc 0 "primitives"
n=$(grep -cE '^(gen|reason|tool|follow)\.' "$TMP/out")
[ "$n" -eq 26 ] || fail "primitives lists $n primitives"
expect_out "gen.code.python" "primitives"
expect_out "L3" "primitives"
awk 'length($0) > 100 { bad = 1 } END { exit bad }' "$TMP/out" || fail "primitives wider than 100"

run "$BIN" primitives --json
expect_rc 0 "primitives --json"
py "assert len(d) == 26, len(d); ids = [p['id'] for p in d]; assert len(set(ids)) == 26
b = [p for p in d if p['id'] == 'tool.browser'][0]
assert b['degradation']['L2->L1'] is None and b['degradation']['L3->L2']
assert sum(1 for p in d if p['degradation']['L2->L1'] is None) == 1
assert set(d[0]['levels']) == {'L1', 'L2', 'L3'}
assert {p['category'] for p in d} == {'generation', 'reasoning', 'tool_use', 'instruction_following'}" \
    "primitives --json content"

run "$BIN" primitives gen.code.shell
expect_rc 0 "primitives ID"
expect_out "degrade L3->L2" "primitives ID"
run "$BIN" primitives gen.code.cobol
expect_rc 2 "primitives unknown"
expect_err "unknown primitive" "primitives unknown"
run "$BIN" primitives --help
expect_rc 0 "primitives --help"

# ---- analyze: text ----
run "$BIN" analyze "$SK"
expect_rc 0 "analyze"
expect_out "Skill: report-skill" "analyze"
expect_out "gen.code.python" "analyze"
expect_out "SKILL.md:" "analyze evidence"
expect_out "scripts/summarize.py:3" "analyze bundle evidence"
python3 - "$TMP/out" <<'PYCHK' || fail "analyze output wider than 100 columns"
import sys
for line in open(sys.argv[1], encoding="utf-8"):
    if len(line.rstrip("\n")) > 100:
        print("too wide:", line); sys.exit(1)
PYCHK
if [ -d "$SRC/profiles/bare-agent" ]; then
    export SKVM_PROFILES_DIR="$SRC/profiles"
    run "$BIN" analyze "$SK"
    expect_rc 0 "analyze table"
    expect_out "Models profiled with harness bare-agent" "analyze table"
    expect_out "primitive (needed)" "analyze table"
    grep -qE '^gen\.code\.python L3 ' "$TMP/out" || fail "table row for gen.code.python L3"
fi

# ---- analyze: --json ----
run "$BIN" analyze "$SK" --json
expect_rc 0 "analyze --json"
py "assert list(d) == ['skill', 'requirements', 'targets'], list(d)
assert d['skill'] == 'report-skill'
reqs = {r['primitive']: r for r in d['requirements']}
assert reqs['gen.code.python']['level'] == 3
assert reqs['reason.arithmetic']['level'] == 3
assert reqs['follow.constraint']['level'] == 2
assert reqs['follow.procedure']['level'] >= 2
assert reqs['tool.exec']['level'] >= 1
assert reqs['gen.code.shell']['level'] == 2
lines = open('$SK/SKILL.md', encoding='utf-8').read().split('\n')
for r in d['requirements']:
    assert set(r) == {'primitive', 'level', 'evidence', 'why'}, r
    assert isinstance(r['level'], int) and 1 <= r['level'] <= 3
    assert 1 <= len(r['evidence']) <= 5
    for e in r['evidence']:
        assert set(e) == {'file', 'line', 'text'}
        if e['file'] == 'SKILL.md':
            assert e['text'] in lines[e['line'] - 1], e
if '$SRC' and __import__('os').path.isdir('$SRC/profiles/bare-agent'):
    assert len(d['targets']) > 0
for t in d['targets']:
    assert set(t) == {'model', 'harness', 'gaps'} and t['harness'] == 'bare-agent'
    for g in t['gaps']:
        assert set(g) == {'primitive', 'required', 'have', 'kind', 'guidance'}
        assert g['kind'] == ('missing' if g['have'] == 0 else 'weak')
        assert g['have'] < g['required'] and g['guidance']
    prims = [g['primitive'] for g in t['gaps']]
    assert len(prims) == len(set(prims))" "analyze --json content"

# ---- analyze --model (needs the shipped profiles) ----
if [ -d "$SRC/profiles/bare-agent/qwen--qwen3.5-9b" ]; then
    run "$BIN" analyze "$SK" --model qwen/qwen3.5-9b
    expect_rc 0 "analyze --model"
    expect_out "Target qwen/qwen3.5-9b (harness bare-agent)" "analyze --model"
    run "$BIN" analyze "$SK" --model qwen/qwen3.5-9b --model anthropic/claude-opus-4.6 --json
    expect_rc 0 "analyze --model --json"
    py "assert [t['model'] for t in d['targets']] == ['qwen/qwen3.5-9b', 'anthropic/claude-opus-4.6']" \
        "two targets in order"
    run "$BIN" analyze "$SK" --model qwen3.5-9x
    expect_rc 2 "analyze unknown model"
    expect_err "unknown model 'qwen3.5-9x'" "unknown model"
    expect_err "qwen/qwen3.5-9b" "close matches"
fi
run "$BIN" analyze "$SK" --model no-such-model-anywhere-xyz
expect_rc 2 "analyze unknown model (no profiles needed)"
expect_err "unknown model" "unknown model message"

# ---- errors ----
run "$BIN" analyze "$TMP/missing-skill"
expect_rc 2 "analyze missing dir"
run "$BIN" analyze
expect_rc 2 "analyze without dir"
run "$BIN" analyze "$SK" --bogus
expect_rc 2 "analyze unknown option"
run "$BIN" analyze --help
expect_rc 0 "analyze --help"
expect_out "--model" "analyze --help"
printf -- '---\nname: bad\n' >"$TMP/bad.md"; mkdir -p "$TMP/bin-skill"
printf 'SKILL\0binary' >"$TMP/bin-skill/SKILL.md"
run "$BIN" analyze "$TMP/bin-skill"
expect_rc 2 "analyze binary SKILL.md"

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "ok"
