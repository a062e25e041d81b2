#!/usr/bin/env bash
# Installs the library into a scratch prefix and builds an outside program against it with
# pkg-config only (tests/install/consumer.c), as a user of the public API would. Also checks that the
# installed simdgrad.pc asks for nothing but the library (the CLI's hwloc and any JSON library stay
# out) and that the installed archive exports only what the rule allows (tests/install/check_symbols.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d build ] || meson setup build --werror
meson compile -C build
dest=$(mktemp -d /tmp/sg-install.XXXXXX)
trap 'rm -rf "$dest"' EXIT
meson install -C build --destdir "$dest" --quiet
pcdir=$(dirname "$(find "$dest" -name simdgrad.pc | head -n 1)")
export PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$dest"
# Requires/Requires.private would make every user install (and, for static linking, link) them;
# -lhwloc in Libs would do the same without saying so.
if grep -Eiq '^Requires(\.private)?:|hwloc|json' "$pcdir/simdgrad.pc"; then
  echo "15-install: the installed simdgrad.pc requires more than the library itself:"; cat "$pcdir/simdgrad.pc"; exit 1
fi
lib=$(find "$dest" -name libsimdgrad.a | head -n 1)
python3 tests/install/check_symbols.py --nm nm --include "$(dirname "$(find "$dest" -name simdgrad.h | head -n 1)")" \
  "$lib" -- cc
cc -std=c11 -Wall -Wextra -Werror tests/install/consumer.c $(pkg-config --cflags --libs simdgrad) -o "$dest/consumer"
out=$("$dest/consumer")
echo "$out"
want=$'relu 0 0 2 0 3\nrelu_grad 4 2 0\nmatmul 4 5 10 11'
[ "$out" = "$want" ] || { echo "15-install: consumer printed something else; want:"; echo "$want"; exit 1; }
echo "15-install: the installed header, library and pkg-config file work for an outside program"
# The installed 'simdgrad report' finds its scripts (share/simdgrad/report) and simdgrad-agreement
# (bin/) without the source or build tree.
if /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
  bin=$(dirname "$(find "$dest" -path '*/bin/simdgrad' -type f | head -n 1)")
  "$bin/simdgrad" report tests/report/zen3.json --out "$dest/report" >/dev/null
  grep -q 'produced by running' "$dest/report/report.md" ||
    { echo "15-install: the installed simdgrad report did not run simdgrad-agreement"; exit 1; }
  echo "15-install: the installed simdgrad report renders a run and runs simdgrad-agreement"
fi
