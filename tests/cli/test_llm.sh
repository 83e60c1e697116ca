#!/usr/bin/env bash
# test_llm.sh: skvm llm chat|ping, config show|doctor, cache stats|clear|prune against the
# loopback model server, and the key-leak check: a key set in the environment appears in no
# output, no file and no database row after a run with failures.
set -u
. "$SKVM_SOURCE_DIR/tests/modelserver/msrv.sh"

KEY="sk-leak-TESTKEY-9f8e7d6c5b4a"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/skvm-cli-llm.XXXXXX")"
export SKVM_HOME="$WORK/home"
mkdir -p "$SKVM_HOME"
OUT="$WORK/out"
mkdir -p "$OUT"
cleanup() { msrv_stop; rm -rf "$WORK"; }
trap cleanup EXIT

# The server demands the key; one rule echoes it back in an error message (as some
# gateways do) to prove the client redacts it.
cat > "$WORK/scenario.json" <<EOF
{"require_key": "$KEY",
 "rules": [
  {"match": {"last_user": "boom"}, "fault": "server_error"},
  {"match": {"last_user": "echo key"}, "fault": {"type": "bad_request",
     "message": "Incorrect API key provided: $KEY"}},
  {"match": {"last_user": "cut"}, "fault": {"type": "stream_cut", "after_chunks": 2},
   "reply": {"text": "this stream is cut short before the end"}},
  {"match": {"last_user": "garbage"}, "fault": "malformed_json"},
  {"reply": {"text_template": "Echo: {last_user}", "usage": {"input": 5, "output": 3},
             "cost": 0.0002}}
 ]}
EOF
msrv_start "$WORK/scenario.json"
rc=$?
[ $rc -eq 77 ] && exit 77
[ $rc -ne 0 ] && { echo "FAIL: model server did not start"; exit 1; }

cat > "$SKVM_HOME/config.yaml" <<EOF
providers:
  routes:
    - match: "oa/*"
      kind: openai-compatible
      base_url: $MSRV_OPENAI_URL
      api_key_env: SKVM_CLI_TEST_KEY
    - match: "an/*"
      kind: anthropic
      base_url: $MSRV_ANTHROPIC_URL
      api_key_env: SKVM_CLI_TEST_KEY
prices:
  - match: "an/*"
    input: 3
    output: 15
EOF
export SKVM_CLI_TEST_KEY="$KEY"

fails=0
n=0
check() { # name, condition...
  local name="$1"
  shift
  n=$((n + 1))
  if "$@"; then :; else
    echo "FAIL: $name"
    fails=$((fails + 1))
  fi
}
run() { # label, then the command; captures stdout/stderr/status into $OUT/label.*
  local label="$1"
  shift
  "$@" >"$OUT/$label.out" 2>"$OUT/$label.err" </dev/null
  echo $? >"$OUT/$label.rc"
}
rc_of() { cat "$OUT/$1.rc"; }
has() { grep -q -F -- "$2" "$OUT/$1"; }

# --- chat, both protocols, argument and stdin prompts ---
run chat1 "$SKVM_BIN" llm chat oa/m hello there
check "chat exit 0" [ "$(rc_of chat1)" = 0 ]
check "chat streams the reply" has chat1.out "Echo: hello there"
check "chat ends with a usage line" bash -c "tail -n 1 '$OUT/chat1.out' | grep -q '^-- tokens in 5 out 3 .*cost \\\$0.000200 (provider).*ttft .* ms.*total .* ms'"

echo "from stdin" | "$SKVM_BIN" llm chat an/m >"$OUT/chat2.out" 2>"$OUT/chat2.err"
check "stdin prompt" has chat2.out "Echo: from stdin"
check "price table cost" has chat2.out "cost \$0.000060 (price-table)"

run chat3 "$SKVM_BIN" llm chat an/m --json "json please"
check "json exit 0" [ "$(rc_of chat3)" = 0 ]
check "json is the response object" python3 -c "
import json,sys
d=json.load(open('$OUT/chat3.out'))
assert d['text']=='Echo: json please', d
assert d['usage']['output']==3 and d['stop_reason']=='end' and d['cached'] is False
"

# --- cache and replay ---
run chat4 "$SKVM_BIN" llm chat oa/m hello there
check "second call is cached" has chat4.out "| cached"
run replay1 "$SKVM_BIN" llm chat oa/m --replay hello there
check "replay answers from the cache" has replay1.out "Echo: hello there"
check "replay exit 0" [ "$(rc_of replay1)" = 0 ]
run replay2 "$SKVM_BIN" llm chat oa/m --replay never asked
check "replay miss exits 1" [ "$(rc_of replay2)" = 1 ]
check "replay miss says so" has replay2.err "replay"
run nocache "$SKVM_BIN" llm chat oa/m --no-cache hello there
check "no-cache goes to the server" bash -c "! grep -q '| cached' '$OUT/nocache.out'"
run stats "$SKVM_BIN" cache stats --json
check "cache stats" python3 -c "
import json
d=json.load(open('$OUT/stats.out'))
assert d['entries']==3, d
assert d['hits']>=2, d
"
run stats2 "$SKVM_BIN" cache stats
check "cache stats text" has stats2.out "entries: 3"

# --- failures (classified, exit 3, no key anywhere) ---
run boom "$SKVM_BIN" llm chat oa/m --max-retries 1 boom
check "server error exits 3" [ "$(rc_of boom)" = 3 ]
check "server error message" has boom.err "server error"
check "attempts counted" has boom.err "after 2 attempts"
run echo1 "$SKVM_BIN" llm chat an/m echo key
check "bad request exits 3" [ "$(rc_of echo1)" = 3 ]
check "echoed key is redacted" has echo1.err "[REDACTED]"
run cut "$SKVM_BIN" llm chat oa/m --max-retries 0 cut
check "stream cut exits 3" [ "$(rc_of cut)" = 3 ]
check "stream cut says cut" has cut.err "cut"
check "partial text was streamed" has cut.out "this"
run garbage "$SKVM_BIN" llm chat an/m --json --no-stream garbage
check "malformed json exits 3" [ "$(rc_of garbage)" = 3 ]
check "json error object" python3 -c "
import json
d=json.load(open('$OUT/garbage.out'))
assert d['error']['status'].lower()=='bad_response' and d['error']['infra'] is True, d
"
SKVM_CLI_TEST_KEY="sk-wrong-$KEY-x" run wrong "$SKVM_BIN" llm chat an/m --no-cache hello
check "wrong key exits 3" [ "$(rc_of wrong)" = 3 ]
check "wrong key is auth" has wrong.err "authentication"
run nokey env -u SKVM_CLI_TEST_KEY "$SKVM_BIN" llm chat oa/m --no-cache hello
check "missing key names the variable" has nokey.err "SKVM_CLI_TEST_KEY"

# --- usage errors ---
run u1 "$SKVM_BIN" llm chat
check "missing model exits 2" [ "$(rc_of u1)" = 2 ]
run u2 "$SKVM_BIN" llm chat nosuch/model hi
check "unknown route exits 2" [ "$(rc_of u2)" = 2 ]
check "unknown route message" has u2.err "no route matches"
run u3 "$SKVM_BIN" llm chat oa/m --temperature 9 hi
check "bad temperature exits 2" [ "$(rc_of u3)" = 2 ]
run u4 "$SKVM_BIN" llm chat --help
check "help exits 0" [ "$(rc_of u4)" = 0 ]

# --- ping, config ---
run ping "$SKVM_BIN" llm ping an/m
check "ping ok" has ping.out "ok an/m via an/*"
run ping2 "$SKVM_BIN" llm ping oa/m --json
check "ping json" python3 -c "
import json
d=json.load(open('$OUT/ping2.out'))
assert d['ok'] is True and d['kind']=='openai-compatible', d
"
run show "$SKVM_BIN" config show
check "config show lists the route" has show.out "oa/*"
check "config show key status" has show.out "env SKVM_CLI_TEST_KEY (set)"
run showj "$SKVM_BIN" config show --json
check "config show json" python3 -c "
import json
d=json.load(open('$OUT/showj.out'))
assert d['routes'][0]['key_present'] is True and len(d['routes'])==6, d
"
run doctor "$SKVM_BIN" config doctor
check "doctor ok" [ "$(rc_of doctor)" = 0 ]
printf 'providers:\n  routes:\n    - match: "x/*"\n      kind: nope\n' > "$WORK/bad.yaml"
cp "$SKVM_HOME/config.yaml" "$WORK/good.yaml"
cp "$WORK/bad.yaml" "$SKVM_HOME/config.yaml"
run doctor2 "$SKVM_BIN" config doctor
check "doctor finds problems" [ "$(rc_of doctor2)" = 1 ]
check "doctor names file:line" has doctor2.out "config.yaml:3"
cp "$WORK/good.yaml" "$SKVM_HOME/config.yaml"

# --- cache maintenance ---
run prune "$SKVM_BIN" cache prune --older-than 1
check "prune keeps fresh entries" has prune.out "removed 0"
run clear "$SKVM_BIN" cache clear
check "clear" has clear.out "removed 3"

# --- trace events reached the database ---
check "trace events stored" python3 -c "
import sqlite3
db=sqlite3.connect('$SKVM_HOME/skvm.db')
kinds={k for (k,) in db.execute('select distinct kind from events')}
for k in ('llm.start','llm.first_token','llm.delta','llm.end','llm.error','llm.retry'):
    assert k in kinds, (k, kinds)
"

# --- the key appears nowhere: outputs, files under SKVM_HOME (database included) ---
check "key not in any output" bash -c "! grep -r -a -F -l -- '$KEY' '$OUT'"
check "key not in any file or database row" bash -c "! grep -r -a -F -l -- '$KEY' '$SKVM_HOME'"
check "key not in the database dump" python3 -c "
import sqlite3
db=sqlite3.connect('$SKVM_HOME/skvm.db')
dump='\n'.join(db.iterdump())
assert '$KEY' not in dump
"

echo "$((n - fails))/$n checks passed"
[ $fails -eq 0 ]
