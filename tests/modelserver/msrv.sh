# shellcheck shell=bash
# msrv.sh: drive the loopback model server from bash tests (tests/cli/*.sh).
#
#   . "$SKVM_SOURCE_DIR/tests/modelserver/msrv.sh"
#   msrv_start '{"rules":[{"reply":{"text":"hello"}}]}' || exit 77   # or a scenario file
#   trap msrv_stop EXIT
#   ... route a model at "$MSRV_OPENAI_URL" or "$MSRV_ANTHROPIC_URL" ...
#   msrv_requests > reqs.json            # what the client sent (secrets redacted)
#   msrv_script new-scenario.json        # replace the rules
#   msrv_reset                           # forget requests and rule counters
#
# msrv_start returns 77 (the ctest "skipped" code) when python3 is missing and 1 when the
# server does not start (the reason goes to stderr). It sets MSRV_PORT, MSRV_PID,
# MSRV_OPENAI_URL (http://127.0.0.1:PORT/v1) and MSRV_ANTHROPIC_URL (http://127.0.0.1:PORT).
# The server also exits by itself when the shell that started it exits.
# HTTP is done with bash's /dev/tcp: no curl needed.

MSRV_SERVER="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/modelserver.py"

msrv_start() {
  local scenario="${1:-}"
  command -v python3 >/dev/null 2>&1 || { echo "msrv: python3 is not installed" >&2; return 77; }
  MSRV_DIR="$(mktemp -d "${TMPDIR:-/tmp}/skvm-msrv.XXXXXX")"
  local args=(--port-file "$MSRV_DIR/port")
  if [ -n "$scenario" ]; then
    case "$scenario" in
      \{*|\[*) printf '%s' "$scenario" > "$MSRV_DIR/scenario.json"; scenario="$MSRV_DIR/scenario.json" ;;
    esac
    args+=(--scenario "$scenario")
  fi
  python3 "$MSRV_SERVER" "${args[@]}" >"$MSRV_DIR/stdout" 2>"$MSRV_DIR/stderr" </dev/null &
  MSRV_PID=$!
  local i
  for ((i = 0; i < 200; i++)); do
    [ -s "$MSRV_DIR/port" ] && break
    if ! kill -0 "$MSRV_PID" 2>/dev/null; then
      echo "msrv: the model server exited: $(cat "$MSRV_DIR/stderr")" >&2
      return 1
    fi
    sleep 0.1
  done
  if [ ! -s "$MSRV_DIR/port" ]; then
    echo "msrv: the model server did not report a port" >&2
    msrv_stop
    return 1
  fi
  MSRV_PORT="$(cat "$MSRV_DIR/port")"
  MSRV_OPENAI_URL="http://127.0.0.1:$MSRV_PORT/v1"
  MSRV_ANTHROPIC_URL="http://127.0.0.1:$MSRV_PORT"
  export MSRV_PORT MSRV_PID MSRV_OPENAI_URL MSRV_ANTHROPIC_URL
}

# msrv_http METHOD PATH [BODY]: prints the response body; sets MSRV_STATUS; returns 0 when
# the status is 2xx.
msrv_http() {
  local method="$1" path="$2" body="${3:-}" resp status
  exec {MSRV_FD}<>"/dev/tcp/127.0.0.1/$MSRV_PORT" || return 1
  printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
    "$method" "$path" "$(printf '%s' "$body" | wc -c)" "$body" >&"$MSRV_FD"
  resp="$(cat <&"$MSRV_FD")"
  exec {MSRV_FD}>&-
  status="${resp#HTTP/1.1 }"
  MSRV_STATUS="${status%% *}"
  printf '%s\n' "${resp#*$'\r\n\r\n'}"
  [[ "$MSRV_STATUS" == 2* ]]
}

# msrv_script FILE_OR_JSON: replace the scenario.
msrv_script() {
  local s="$1"
  case "$s" in \{*|\[*) ;; *) s="$(cat "$s")" ;; esac
  msrv_http POST /_script "$s" >/dev/null || { echo "msrv: scenario rejected (HTTP $MSRV_STATUS)" >&2; return 1; }
}

msrv_requests() { msrv_http GET /_requests; }
msrv_reset() { msrv_http POST /_reset >/dev/null; }

msrv_stop() {
  if [ -n "${MSRV_PID:-}" ]; then
    kill "$MSRV_PID" 2>/dev/null
    wait "$MSRV_PID" 2>/dev/null
    MSRV_PID=""
  fi
  [ -n "${MSRV_DIR:-}" ] && rm -rf "$MSRV_DIR"
  MSRV_DIR=""
  return 0
}
