#!/usr/bin/env bash
# Installs whatever in tools/packages.txt is missing (Debian/Ubuntu, apt). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t wanted < <(grep -v '^\s*#' tools/packages.txt | awk 'NF {print $1}')
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#wanted[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
if ! "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  # Another release may lack a name (e.g. clang's runtime is versioned): install what exists and
  # name what does not, so the rest still works and the gap is visible.
  unavailable=()
  for p in "${missing[@]}"; do
    "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "$p" || unavailable+=("$p")
  done
  echo "install-deps: could not install: ${unavailable[*]} (the stages needing them will fail or skip)" >&2
  exit 1
fi
