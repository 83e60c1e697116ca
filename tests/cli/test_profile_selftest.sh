#!/usr/bin/env bash
# test_profile_selftest.sh: `skvm profile selftest` passes every cell (CI gate), its --json
# form, and `skvm profile run` usage errors (no model, bad numbers, unknown primitive).
set -u
BIN=${SKVM_BIN:?SKVM_BIN is not set}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export SKVM_HOME="$TMP/home"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
run() {
    "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
}
expect_rc() { [ "$rc" -eq "$1" ] || fail "$2: exit $rc, expected $1; stderr: $(head -c 400 "$TMP/err")"; }
expect_out() { grep -qF -- "$1" "$TMP/out" || fail "$2: stdout lacks '$1'"; }
expect_err() { grep -qF -- "$1" "$TMP/err" || fail "$2: stderr lacks '$1'"; }

run "$BIN" profile selftest --help
expect_rc 0 "selftest --help"
expect_out "Usage: skvm profile selftest" "selftest --help"

# the gate: all 78 cells
run "$BIN" profile selftest
expect_rc 0 "selftest"
expect_out "78 ok, 0 failed, 0 skipped" "selftest"
expect_out "follow.style" "selftest table"

run "$BIN" profile selftest --json --seed 9 --primitives gen.regex,tool.web
expect_rc 0 "selftest --json"
if command -v python3 >/dev/null; then
    python3 - "$TMP/out" <<'PY' || fail "selftest --json shape"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["seed"] == 9 and d["ok"] == 6 and d["fail"] == 0, d
assert [c["primitive"] for c in d["cells"]] == ["gen.regex", "tool.web"]
assert all(c[l]["status"] == "ok" and c[l]["answers"] >= 3 for c in d["cells"] for l in ("L1", "L2", "L3"))
PY
fi

run "$BIN" profile selftest --primitives gen.nope
expect_rc 2 "selftest unknown primitive"
expect_err "unknown primitive 'gen.nope'" "selftest unknown primitive"
run "$BIN" profile selftest --seed -3
expect_rc 2 "selftest bad seed"

# profile run: usage errors never reach a model
run "$BIN" profile run --help
expect_rc 0 "run --help"
expect_out "Usage: skvm profile run MODEL" "run --help"
run "$BIN" profile run
expect_rc 2 "run without a model"
expect_err "which model" "run without a model"
run "$BIN" profile run some/model --instances 0
expect_rc 2 "run --instances 0"
run "$BIN" profile run some/model --concurrency lots
expect_rc 2 "run --concurrency lots"
run "$BIN" profile run some/model --primitives gen.regex,nope
expect_rc 2 "run unknown primitive"
expect_err "unknown primitive 'nope'" "run unknown primitive"
run "$BIN" profile run some/model --harness other
expect_rc 2 "run other harness"
run "$BIN" profile --help
expect_out "selftest" "profile --help lists selftest"
expect_out "run" "profile --help lists run"

[ "$fails" -eq 0 ] || exit 1
echo "ok"
