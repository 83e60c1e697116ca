#!/usr/bin/env bash
# screenshots.sh BUILD: render chosen workbench scenarios to PNG files in screenshots/.
#
# Each shot runs the real binary in a real terminal (tmux, 256 colours, dark theme), drives
# it with a steps script (the same format as tests/screens), waits until it has saved its
# screen, captures the pane with its colours (tmux capture-pane -e), converts the ANSI text
# to HTML (aha) and photographs the HTML with headless Chromium. Needs the Debian packages
# tmux, aha, chromium and a CJK font; the missing ones are installed here through apt-get.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/$build/skvm"
[ -x "$bin" ] || bin="$build/skvm"
[ -x "$bin" ] || { echo "screenshots: no skvm binary in $build (run make build)" >&2; exit 1; }
out="$root/screenshots"
mkdir -p "$out"

need=()
command -v tmux >/dev/null || need+=(tmux)
command -v aha >/dev/null || need+=(aha)
command -v chromium >/dev/null || need+=(chromium)
fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk" || need+=(fonts-wqy-microhei)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "screenshots: installing ${need[*]} (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

tmp=$(mktemp -d)
sock="skvm-shots-$$"
tmx() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tmx kill-server 2>/dev/null || true; rm -rf "$tmp"' EXIT

demo="$root/examples/skills/csv-report"
ref="$root/../shared/reference/skills/coding-lead"

# shot NAME COLSxROWS SKILL STEPS...: one screenshot.
shot() {
  local name=$1 size=$2 skill=$3
  shift 3
  local cols=${size%x*} rows=${size#*x}
  if [ ! -d "$skill" ]; then
    echo "screenshots: skip $name ($skill is absent)"
    return 0
  fi
  local dir="$tmp/$name"
  mkdir -p "$dir"
  printf '%s\n' "$@" ":save-screen shot" > "$dir/steps"
  tmx kill-session -t s 2>/dev/null || true
  tmx new-session -d -s s -x "$cols" -y "$rows" \
    "cd '$dir' && TERM=xterm-256color LANG=C.UTF-8 SKVM_HOME='$tmp/home' '$bin' workbench --theme dark --no-mouse --script steps --screen-dir '$dir' '$skill'; sleep 600"
  for _ in $(seq 1 200); do
    [ -s "$dir/shot.screen" ] && break
    read -r -t 0.05 <> <(:) || true
  done
  [ -s "$dir/shot.screen" ] || { echo "screenshots: $name did not reach its screen" >&2; return 1; }
  # Wait until tmux shows a stable screen.
  local prev="" cur
  for _ in $(seq 1 40); do
    cur=$(tmx capture-pane -e -p -t s)
    [ "$cur" = "$prev" ] && break
    prev=$cur
    read -r -t 0.05 <> <(:) || true
  done
  printf '%s\n' "$cur" > "$dir/shot.ans"
  tmx send-keys -t s Q
  {
    printf '<!DOCTYPE html><html><head><meta charset="utf-8"><style>\n'
    printf 'html,body{margin:0;background:#121212;color:#d0d0d0}\n'
    printf 'pre{margin:0;padding:8px;font-family:"DejaVu Sans Mono","WenQuanYi Micro Hei Mono",monospace;'
    printf 'font-size:14px;line-height:17px;white-space:pre}\n</style></head><body><pre>'
    aha --no-header < "$dir/shot.ans"
    printf '</pre></body></html>\n'
  } > "$dir/shot.html"
  local w=$((cols * 9 + 24)) h=$((rows * 17 + 16))
  chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/chromium" --hide-scrollbars --window-size="$w,$h" \
    --screenshot="$out/$name.png" "file://$dir/shot.html" >/dev/null 2>&1 ||
    { echo "screenshots: chromium failed for $name" >&2; return 1; }
  echo "screenshots: $out/$name.png"
}

shot workbench 120x36 "$demo" ":model qwen/qwen3.5-9b" "<Tab>" ":select gen.code.shell"
shot heatmap 120x36 "$demo" "H"
shot help 100x30 "$demo" "?"
shot evidence 100x30 "$demo" ":model qwen/qwen3.5-9b" "<Tab>" ":select tool.exec" "<Enter>"
shot reference-heatmap 120x40 "$ref" "H"
shot profile 120x36 "$demo" ":model qwen/qwen3.5-9b" "P" ":profile-cell follow.constraint L3"
shot plan 120x36 "$root/tests/screens/fixtures/skills/plan-parallel" "p"
shot compare 120x36 "$demo" ":model qwen/qwen3.5-9b" ":compile" "V" "<Enter>"
