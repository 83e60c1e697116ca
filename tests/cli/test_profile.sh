#!/usr/bin/env bash
# test_profile.sh: `skvm profile list|show|diff` against the shipped profiles and a
# profile of our own in a temporary SKVM_HOME.
set -u
BIN=${SKVM_BIN:?SKVM_BIN is not set}
SRC=${SKVM_SOURCE_DIR:?SKVM_SOURCE_DIR is not set}
[ -d "$SRC/profiles/bare-agent" ] || { echo "no shipped profiles"; exit 77; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export SKVM_HOME="$TMP/home"
export SKVM_PROFILES_DIR="$SRC/profiles"
unset COLUMNS
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# run CMD...: sets $out, $err, $rc
run() {
    "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    out=$(cat "$TMP/out")
    err=$(cat "$TMP/err")
}
expect_rc() { [ "$rc" -eq "$1" ] || fail "$2: exit $rc, expected $1; stderr: $err"; }
expect_out() { grep -qF -- "$1" "$TMP/out" || fail "$2: stdout lacks '$1'"; }
expect_err() { grep -qF -- "$1" "$TMP/err" || fail "$2: stderr lacks '$1'"; }
json_get() { python3 -c "import json,sys; d=json.load(open('$TMP/out')); print($1)"; }
have_python=0
command -v python3 >/dev/null && have_python=1

# ---- help and usage ----
run "$BIN" profile --help
expect_rc 0 "profile --help"
expect_out "skvm profile list" "profile --help"
expect_out "skvm profile diff MODEL_A MODEL_B" "profile --help"
run "$BIN" profile
expect_rc 2 "profile without subcommand"
run "$BIN" profile bogus
expect_rc 2 "profile bogus"
expect_err "unknown subcommand 'bogus'" "profile bogus"
run "$BIN" profile show --help
expect_rc 0 "show --help"
expect_out "Usage: skvm profile show MODEL" "show --help"
run "$BIN" profile show
expect_rc 2 "show without a model"
run "$BIN" profile list --bogus
expect_rc 2 "list --bogus"

# ---- list ----
run "$BIN" profile list
expect_rc 0 "list"
expect_out "MODEL" "list header"
expect_out "44 profiles (44 shipped, 0 in" "list summary"
n=$(grep -c " shipped$" "$TMP/out")
[ "$n" -eq 44 ] || fail "list: $n shipped rows, expected 44"
line=$(grep "^qwen/qwen3.5-9b  *bare-agent" "$TMP/out")
# qwen3.5-9b bare-agent: 25 primitives, L0 5, L1 3, L2 7, L3 10
echo "$line" | grep -qE "2026-04-08 +5 +3 +7 +10 +shipped" || fail "list row of qwen3.5-9b: $line"
grep "^openai/gpt-5.4  *bare-agent" "$TMP/out" | grep -q partial || fail "gpt-5.4 not partial"
# sorted by harness then model
awk 'NR>1 && !/profiles \(/ {print $2" "$1}' "$TMP/out" >"$TMP/keys"
LC_ALL=C sort -c "$TMP/keys" 2>/dev/null || fail "list is not sorted by harness, model"

run "$BIN" profile list --harness hermes
expect_rc 0 "list --harness hermes"
expect_out "2 profiles" "list --harness hermes"
grep -q openclaw "$TMP/out" && fail "list --harness hermes shows openclaw"
run "$BIN" profile list --harness nope
expect_rc 2 "list --harness nope"
expect_err "known harnesses: bare-agent, hermes, openclaw" "list --harness nope"

if [ $have_python = 1 ]; then
    run "$BIN" profile list --json
    expect_rc 0 "list --json"
    [ "$(json_get 'len(d)')" = 44 ] || fail "list --json: not 44 entries"
    [ "$(json_get '[e for e in d if e["model"]=="qwen/qwen3.5-9b" and e["harness"]=="bare-agent"][0]["levels"]["L3"]')" = 10 ] ||
        fail "list --json: qwen3.5-9b L3 count"
fi

# ---- show ----
run "$BIN" profile show qwen3.5-9b
expect_rc 0 "show qwen3.5-9b"
expect_out "qwen/qwen3.5-9b  (harness bare-agent)" "show header"
expect_out "  gen.code.python        L3     3/3   3/3   3/3" "show python row"
expect_out "  follow.delegation      L0     0/3   0/3   1/3" "show delegation row"
expect_out "  tool.web               -      not measured" "show tool.web"
expect_out "    L1 failed (0/3 passed): Write and execute a Python script" "show failure"
expect_out "(x3)" "show repeated failure count"
awk 'length($0) > 100 && !/^file: /' "$TMP/out" | grep -q . && fail "show: lines over 100 columns"
COLUMNS=60 run "$BIN" profile show qwen3.5-9b
awk 'length($0) > 60 && /^    /' "$TMP/out" | grep -q . && fail "show: detail lines over 60 columns"

run "$BIN" profile show openrouter--qwen--qwen3.5-9b --harness openclaw
expect_rc 0 "show by slug"
expect_out "openrouter/qwen/qwen3.5-9b  (harness openclaw)" "show by slug"
run "$BIN" profile show haiku
expect_rc 0 "show haiku (openclaw only)"
expect_out "anthropic/claude-haiku-4.5  (harness openclaw)" "show haiku"

run "$BIN" profile show qwen3.5
expect_rc 2 "show ambiguous"
expect_err "matches several models" "show ambiguous"
expect_err "qwen/qwen3.5-122b-a10b" "show ambiguous candidates"
run "$BIN" profile show llama-99
expect_rc 2 "show unknown"
expect_err "no profile for model 'llama-99'" "show unknown"
expect_err "known models: " "show unknown candidates"
run "$BIN" profile show qwen3.5-9b --harness nope
expect_rc 2 "show unknown harness"

if [ $have_python = 1 ]; then
    run "$BIN" profile show qwen3.5-9b --json
    expect_rc 0 "show --json"
    [ "$(json_get 'd["profile"]["capabilities"]["gen.code.python"]')" = L3 ] || fail "show --json"
    [ "$(json_get 'd["shipped"]')" = True ] || fail "show --json shipped"
fi

# ---- a profile of our own hides the shipped one; a broken one is reported ----
mkdir -p "$SKVM_HOME/profiles/bare-agent/qwen--qwen3.5-9b" "$SKVM_HOME/profiles/bare-agent/bad--one"
cat >"$SKVM_HOME/profiles/bare-agent/qwen--qwen3.5-9b/latest.json" <<'EOF'
{"version":"1.0","model":"qwen/qwen3.5-9b","harness":"bare-agent",
 "profiledAt":"2026-11-01T00:00:00.000Z",
 "capabilities":{"gen.code.python":"L1"},
 "details":[{"primitiveId":"gen.code.python","highestLevel":"L1","levelResults":[
   {"level":"L1","passed":true,"passCount":3,"totalCount":3},
   {"level":"L2","passed":false,"passCount":1,"totalCount":3,
    "testDescription":"our own test","failureDetails":["wrong answer"]}]}]}
EOF
echo '{"capabilities": {' >"$SKVM_HOME/profiles/bare-agent/bad--one/latest.json"
run "$BIN" profile list
expect_rc 0 "list with own profile"
expect_out "44 profiles (43 shipped, 1 in" "list with own profile"
expect_err "bad--one/latest.json" "broken profile reported"
grep "^qwen/qwen3.5-9b  *bare-agent" "$TMP/out" | grep -qE "2026-11-01 +0 +1 +0 +0 +home" ||
    fail "own profile row: $(grep '^qwen/qwen3.5-9b  *bare-agent' "$TMP/out")"
run "$BIN" profile show qwen/qwen3.5-9b
expect_out "(yours)" "show own profile"
expect_out "  gen.code.python        L1     3/3   1/3   -" "show own python row"
expect_out "    L2 failed (1/3 passed): our own test" "show own failure"
expect_out "      - wrong answer" "show own failure detail"
expect_out "  gen.code.sql           -      not measured" "show own unmeasured"
rm -rf "$SKVM_HOME/profiles"

# ---- diff ----
run "$BIN" profile diff qwen3.5-9b gpt-5.4
expect_rc 0 "diff"
expect_out "A: qwen/qwen3.5-9b (bare-agent)" "diff header"
expect_out "gen.code.javascript  L0   L3   openai/gpt-5.4" "diff javascript"
expect_out "gen.regex            L3   L1   qwen/qwen3.5-9b" "diff regex"
expect_out "tool.web             -    L3   not comparable (A not measured)" "diff tool.web"
grep -q "^gen.code.python " "$TMP/out" && fail "diff lists an equal primitive"
expect_out "qwen/qwen3.5-9b stronger on 3, openai/gpt-5.4 stronger on 12, equal on 10" "diff summary"
run "$BIN" profile diff qwen3.5-9b qwen3.5-9b --harness openclaw
expect_rc 0 "diff same"
expect_out "(no differences)" "diff same"
run "$BIN" profile diff qwen3.5-9b
expect_rc 2 "diff one model"
run "$BIN" profile diff qwen3.5-9b nonexistent-model
expect_rc 2 "diff unknown"
expect_err "no profile for model 'nonexistent-model'" "diff unknown"
if [ $have_python = 1 ]; then
    run "$BIN" profile diff qwen3.5-9b gpt-5.4 --json
    expect_rc 0 "diff --json"
    [ "$(json_get 'd["summary"]["b_stronger"]')" = 12 ] || fail "diff --json summary"
    [ "$(json_get '[x["stronger"] for x in d["differences"] if x["primitive"]=="gen.regex"][0]')" = a ] ||
        fail "diff --json regex"
fi

if [ $fails -ne 0 ]; then
    echo "$fails failure(s)"
    exit 1
fi
echo "ok"
