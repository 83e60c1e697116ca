#!/usr/bin/env bash
# Install what skvm needs to build and test on Debian 12, through apt-get (sudo when not
# root). Only packages that are missing are installed; nothing is downloaded from elsewhere.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  libncurses-dev libcurl4-openssl-dev libjansson-dev libyaml-dev libsqlite3-dev
  libgit2-dev libpcre2-dev check
  python3 tmux bubblewrap shellcheck sqlite3
  nodejs python3-numpy
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; fi
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
