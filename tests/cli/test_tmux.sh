#!/usr/bin/env bash
# test_tmux.sh: run the real workbench in a real terminal (tmux): start it, send keys, read
# the screen with capture-pane, quit; then check the exit status and that the terminal
# settings (stty) and the main screen were restored. Also after Ctrl-C and after a crash
# signal (SIGSEGV), which must restore the terminal and still die of the signal.
set -u
command -v tmux >/dev/null || { echo "SKIP: tmux is not installed"; exit 77; }
BIN=${SKVM_BIN:?}
SRC=${SKVM_SOURCE_DIR:?}
TMP=$(mktemp -d)
SOCK="skvm-test-$$"
tmx() { tmux -L "$SOCK" -f /dev/null "$@"; }
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() { tmx kill-server 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
export SKVM_HOME="$TMP/home" SKVM_PROFILES_DIR="$SRC/tests/screens/fixtures/profiles"
SKILL="$SRC/tests/screens/fixtures/skills/wide-notes"
fail() { echo "FAIL: $*"; echo "--- screen:"; tmx capture-pane -p -t t 2>/dev/null; exit 1; }

# wait_for TEXT [ABSENT]: poll the screen (no fixed sleeps) for up to 10 seconds.
wait_for() {
    local want=$1 absent=${2:-}
    for _ in $(seq 1 200); do
        local scr
        scr=$(tmx capture-pane -p -t t 2>/dev/null)
        if [[ $scr == *"$want"* && ( -z $absent || $scr != *"$absent"* ) ]]; then
            return 0
        fi
        tmx has-session -t t 2>/dev/null || return 1
        read -r -t 0.05 <> <(:) || true
    done
    return 1
}
wait_file() {
    for _ in $(seq 1 200); do
        [[ -s $1 ]] && return 0
        read -r -t 0.05 <> <(:) || true
    done
    return 1
}

# One run: the inner shell records stty before and after, and the exit status.
start() {
    rm -f "$TMP"/{before,after,rc,pid}
    cat > "$TMP/run.sh" <<EOS
stty -a > "$TMP/before"
sh -c 'echo \$\$ > "$TMP/pid"; exec "$BIN" workbench --theme dark "$SKILL"'
echo \$? > "$TMP/rc"
stty -a > "$TMP/after"
printf 'SHELL-BACK\n'
exec sleep 600
EOS
    tmx kill-session -t t 2>/dev/null
    tmx new-session -d -s t -x 100 -y 30 "TERM=xterm-256color LANG=C.UTF-8 bash $TMP/run.sh" ||
        fail "tmux could not start"
    wait_for "Capabilities" || fail "the workbench did not draw"
}

check_restored() {
    local want_rc=$1
    wait_file "$TMP/after" || fail "the workbench did not exit"
    local rc
    rc=$(cat "$TMP/rc")
    [[ $rc == "$want_rc" ]] || fail "exit status $rc, expected $want_rc"
    # The first line holds the window size, which a resize legitimately changes.
    diff -u <(tail -n +2 "$TMP/before") <(tail -n +2 "$TMP/after") ||
        fail "terminal settings were not restored"
    wait_for "SHELL-BACK" || fail "the shell did not get the screen back"
    local scr
    scr=$(tmx capture-pane -p -t t)
    [[ $scr != *"Capabilities"* ]] || fail "the workbench screen is still shown (alternate screen not left)"
}

# 1. Normal use: help, heatmap, model cycling, quit.
start
scr=$(tmx capture-pane -p -t t)
[[ $scr == *"SKILL.md"* && $scr == *"会议纪要"* ]] || fail "source pane missing"
[[ $scr == *"┌"* && $scr == *"│"* ]] || fail "no box characters on screen"
tmx send-keys -t t '?'
wait_for "Help · q or Esc closes" || fail "? did not open the help"
tmx send-keys -t t q
wait_for "Capabilities" "Help ·" || fail "q did not close the help"
tmx send-keys -t t H
wait_for "Heatmap: 3 models" || fail "H did not open the heatmap"
tmx send-keys -t t Escape
wait_for "PRIMITIVE" || fail "Esc did not leave the heatmap"
tmx send-keys -t t m
wait_for "target example/strong-model" || fail "m did not change the target model"
# A real resize (SIGWINCH): the layout follows, from side by side to stacked.
tmx resize-window -t t -x 82 -y 26
wait_for "│ Target example/strong-model" || fail "no redraw after the terminal was resized"
[[ $(tmx capture-pane -p -t t | head -1) == "┌─ SKILL.md"*"┐" ]] || fail "top row is not one pane wide"
(( $(tmx capture-pane -p -t t | head -1 | wc -m) <= 83 )) || fail "the layout did not shrink to 82 columns"
tmx send-keys -t t q
check_restored 0
echo "ok: normal quit restores the terminal"

# 2. Ctrl-C quits cleanly.
start
tmx send-keys -t t C-c
check_restored 0
echo "ok: Ctrl-C restores the terminal"

# 3. A crash signal restores the terminal and the process still dies of it (128+11).
start
kill -SEGV "$(cat "$TMP/pid")"
check_restored 139
echo "ok: SIGSEGV restores the terminal"
exit 0
