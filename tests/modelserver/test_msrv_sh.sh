#!/usr/bin/env bash
# Test of msrv.sh, the bash driver of the loopback model server.
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/msrv.sh
. "$HERE/msrv.sh"

fail() { echo "FAIL: $*" >&2; exit 1; }

msrv_start '{"rules":[{"match":{"last_user":"hi"},"reply":{"text":"hello from bash"}}]}'
rc=$?
[ $rc -eq 77 ] && { echo "SKIP: python3 missing"; exit 77; }
[ $rc -eq 0 ] || fail "msrv_start returned $rc"
trap msrv_stop EXIT

[[ "$MSRV_OPENAI_URL" == "http://127.0.0.1:$MSRV_PORT/v1" ]] || fail "openai url $MSRV_OPENAI_URL"

out="$(msrv_http POST /v1/chat/completions '{"model":"m","messages":[{"role":"user","content":"hi"}]}')" \
  || fail "chat request failed: $MSRV_STATUS"
[[ "$out" == *'"content": "hello from bash"'* ]] || fail "unexpected reply: $out"

msrv_http POST /v1/chat/completions '{"model":"m","messages":[{"role":"user","content":"other"}]}' >/dev/null \
  && fail "an unscripted request must fail"
[ "$MSRV_STATUS" = 400 ] || fail "unscripted status $MSRV_STATUS"

reqs="$(msrv_requests)" || fail "requests"
n="$(printf '%s' "$reqs" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
[ "$n" = 2 ] || fail "expected 2 recorded requests, got $n"

msrv_script '{"rules":[{"reply":{"text":"replaced"}}]}' || fail "script"
out="$(msrv_http POST /chat/completions '{"model":"m","messages":[{"role":"user","content":"other"}]}')" \
  || fail "after script: $MSRV_STATUS"
[[ "$out" == *replaced* ]] || fail "script not applied: $out"

msrv_script '{"rules":[{"reply":{"nope":1}}]}' 2>/dev/null && fail "a bad script must be rejected"

msrv_reset || fail "reset"
[ "$(msrv_requests)" = "[]" ] || fail "reset did not clear the record"

pid=$MSRV_PID port=$MSRV_PORT
msrv_stop
kill -0 "$pid" 2>/dev/null && fail "server still running after msrv_stop"
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && fail "port $port still open"

# A bad scenario makes msrv_start fail with the reason.
err="$(msrv_start '{"rules":[{"fault":"meteor"}]}' 2>&1)" && fail "bad scenario accepted"
[[ "$err" == *meteor* ]] || fail "no reason given: $err"
msrv_stop
echo "ok"
