#!/usr/bin/env bash
# test_compile.sh: `skvm compile` and `skvm variants` from the command line: compile, the
# repository read with real git, unchanged recompile, two compiles at once, show, diff,
# accept, checkout, a stale lock, usage errors.
set -u
BIN="${SKVM_BIN:?SKVM_BIN not set}"
command -v git >/dev/null 2>&1 || { echo "SKIP: git not installed"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export SKVM_HOME="$T/home"
export PATH="/usr/bin:$PATH"   # the system python answers presence probes quickly
fail=0
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then echo "ok - $what"; else echo "FAIL - $what"; fail=1; fi
}

SK="$T/notes-skill"
mkdir -p "$SK/scripts"
cat > "$SK/SKILL.md" <<'EOF'
---
name: notes-skill
description: Turn meeting notes into a summary file.
---
# Notes skill

## Workflow

1. Read `notes.txt`
2. Read `attendees.csv`
3. Then summarize both with Python and write summary.md

```python
import yaml
import pandas as pd
```
EOF
printf 'import requests\n' > "$SK/scripts/fetch.py"
cat > "$T/profile.json" <<'EOF'
{"version":"1.0","model":"test/tiny","harness":"bare-agent","profiledAt":"2026-03-01T00:00:00.000Z",
 "capabilities":{"gen.code.python":"L1","tool.file.read":"L1","tool.file.write":"L1"},"details":[],"isPartial":false}
EOF

out=$("$BIN" compile "$SK" --model test/tiny --profile "$T/profile.json" 2>&1); rc=$?
check "compile exits 0" test $rc -eq 0
check "compile reports the commit" grep -q "^compiled notes-skill:bare-agent/test--tiny [0-9a-f]\{40\}$" <<<"$out"
REPO="$SKVM_HOME/variants/notes-skill"
check "the repository passes git fsck" git -C "$REPO" fsck --strict
check "git log shows the provenance" bash -c "git -C '$REPO' log --format=%B bare-agent/test--tiny | grep -q '^Skvm-Target-Model: test/tiny$'"
check "main holds the original byte for byte" bash -c "git -C '$REPO' show main:SKILL.md | cmp -s - '$SK/SKILL.md'"
check "the variant has its artifacts" bash -c "git -C '$REPO' ls-tree -r --name-only bare-agent/test--tiny | grep -q '^_artifacts/plan.json$'"
check "the variant SKILL.md has marked notes" bash -c "git -C '$REPO' show bare-agent/test--tiny:SKILL.md | grep -q 'skvm:begin target-notes'"
git -C "$REPO" show bare-agent/test--tiny:_artifacts/env-setup.sh > "$T/env.sh"
check "env-setup.sh passes bash -n" bash -n "$T/env.sh"
if command -v shellcheck >/dev/null 2>&1; then
    check "env-setup.sh passes shellcheck" shellcheck -s bash "$T/env.sh"
fi
check "env-setup.sh names the pyyaml distribution" grep -q "pip install 'pyyaml'" "$T/env.sh"

out=$("$BIN" compile "$SK" --model test/tiny --profile "$T/profile.json" 2>&1); rc=$?
check "an unchanged recompile exits 0" test $rc -eq 0
check "an unchanged recompile is up to date" grep -q "^up to date" <<<"$out"
n=$(git -C "$REPO" rev-list --count bare-agent/test--tiny)
check "an unchanged recompile makes no commit (2 commits: original + variant)" test "$n" -eq 2

# two compiles at once, for two targets
cp "$T/profile.json" "$T/profile2.json"
sed -i 's#test/tiny#test/other#' "$T/profile2.json"
"$BIN" compile "$SK" --model test/tiny --profile "$T/profile.json" --force >"$T/c1.log" 2>&1 &
p1=$!
"$BIN" compile "$SK" --model test/other --profile "$T/profile2.json" >"$T/c2.log" 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check "concurrent compiles both succeed" test $r1 -eq 0 -a $r2 -eq 0
check "the repository is still valid" git -C "$REPO" fsck --strict
check "both branches exist" bash -c "git -C '$REPO' branch | grep -q test--other"

# list, show, diff, accept, checkout
out=$("$BIN" variants list notes-skill); rc=$?
check "variants list exits 0" test $rc -eq 0
check "variants list shows the original and the variants" bash -c "grep -q 'main' <<<'$out' && grep -q 'bare-agent/test--other' <<<'$out'"
check "variants show" bash -c "'$BIN' variants show notes-skill:bare-agent/test--tiny | grep -q '^target   test/tiny on bare-agent'"
check "variants show --json" bash -c "'$BIN' variants show notes-skill:bare-agent/test--tiny --json | grep -q '\"compiler_model\": \"offline\"'"
out=$("$BIN" variants diff notes-skill:main bare-agent/test--tiny); rc=$?
check "variants diff exits 0" test $rc -eq 0
check "variants diff shows the SKILL.md change" grep -q '^+## Notes for test/tiny (added by skvm)' <<<"$out"
check "variants diff lists the new artifacts" grep -q 'A _artifacts/gaps.json' <<<"$out"
check "variants diff --json has aligned lines" bash -c "'$BIN' variants diff notes-skill:main notes-skill:bare-agent/test--tiny --json | grep -q '\"lines\"'"
out=$("$BIN" variants accept notes-skill:bare-agent/test--tiny); rc=$?
check "variants accept" test $rc -eq 0
check "the accepted tag exists" bash -c "git -C '$REPO' tag | grep -qx 'accepted/bare-agent/test--tiny'"
check "accepted variant is marked in the list" bash -c "'$BIN' variants list notes-skill | grep -q accepted"
"$BIN" variants accept notes-skill:main >/dev/null 2>&1; rc=$?
check "the original cannot be accepted" test $rc -eq 2
check "checkout writes a runnable folder" bash -c "'$BIN' variants checkout notes-skill:accepted/bare-agent/test--tiny '$T/co' >/dev/null && test -f '$T/co/SKILL.md'"
id=$(git -C "$REPO" rev-parse bare-agent/test--tiny)
check "a bare commit id works as REF" bash -c "'$BIN' variants show ${id:0:10} | grep -q '^commit   $id'"

# a stale lock is reported, not broken
sh -c 'exit 0' & dead=$!; wait $dead
echo "$dead" > "$SKVM_HOME/variants/notes-skill.lock"
out=$("$BIN" compile "$SK" --model test/third --profile "$T/profile.json" --passes 2,3 2>&1); rc=$?
check "a stale lock stops the compile (exit 3)" test $rc -eq 3
check "the message says how to remove it" grep -q "stale lock left by process $dead.*rm '" <<<"$out"
check "the lock file is left in place" test -f "$SKVM_HOME/variants/notes-skill.lock"
rm -f "$SKVM_HOME/variants/notes-skill.lock"

# usage errors
"$BIN" compile "$SK" >/dev/null 2>&1; check "no --model: exit 2" test $? -eq 2
"$BIN" compile "$SK" --model nobody/none >"$T/np.log" 2>&1; rc=$?
check "no profile for pass 1: exit 2" test $rc -eq 2
check "no profile: the message names the way out" grep -q -- "--passes 2,3" "$T/np.log"
"$BIN" compile "$SK" --model test/tiny --passes 9 >/dev/null 2>&1; check "unknown pass: exit 2" test $? -eq 2
"$BIN" compile "$T/none" --model test/tiny >/dev/null 2>&1; check "missing skill: exit 2" test $? -eq 2
"$BIN" variants show nosuch:main >/dev/null 2>&1; check "unknown skill: exit 2" test $? -eq 2
"$BIN" variants frob >/dev/null 2>&1; check "unknown subcommand: exit 2" test $? -eq 2
check "compile --help" bash -c "'$BIN' compile --help | grep -q 'Usage: skvm compile'"
check "variants --help" bash -c "'$BIN' variants --help | grep -q 'Usage: skvm variants'"
out=$("$BIN" compile --list-passes --json); check "--list-passes --json" grep -q '"extract-parallelism"' <<<"$out"

exit $fail
