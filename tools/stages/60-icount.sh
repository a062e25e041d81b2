#!/usr/bin/env bash
# Performance-regression gate, deterministic mode: instruction counts per kernel call under callgrind
# (`simdgrad ci-check`, README.md "Performance regressions in CI") against the committed
# results/baseline/icount-<compiler>.json, then the gate's self-test: a second build with
# -Dinject_slowdown=relu/<isa> must be flagged naming exactly that kernel (and the training step that
# calls it), and the unmodified build measured again must be identical. Wall-clock mode is not run
# here: CI machines are shared and noisy.
set -euo pipefail
cd "$(dirname "$0")/../.."
t0=$(date +%s)
command -v valgrind >/dev/null || { echo "60-icount: valgrind missing (tools/packages.txt installs it)"; exit 1; }

build=${ICOUNT_BUILD_DIR:-build}                    # the native release build of stage 10
inject=${ICOUNT_INJECT_DIR:-build-icount-inject}    # the deliberately slowed copy
[ -d "$build" ] || meson setup "$build" --werror
meson compile -C "$build" -j 2 simdgrad:executable simdgrad-icount

echo "--- 60-icount: gate against the committed baseline"
"$build"/src/simdgrad ci-check

echo "--- 60-icount: self-test"
work=$(mktemp -d /tmp/sg-60-icount.XXXXXX)
trap 'rm -rf "$work"' EXIT
# A fresh baseline from this very build, so the self-test does not depend on the committed one.
"$build"/src/simdgrad ci-check --update-baseline --baseline "$work/fresh.json"
"$build"/src/simdgrad ci-check --baseline "$work/fresh.json" --threshold 0 | tee "$work/again.txt"
grep -q ' 0 changed, 0 not measured; no regression' "$work/again.txt" ||
  { echo "60-icount: the same build measured twice gave different counts"; exit 1; }

isa=scalar
grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && isa=avx2
[ -d "$inject" ] ||
  meson setup "$inject" --werror -Dinject_slowdown="relu/$isa" -Dbench=disabled -Dpeers=disabled
meson configure "$inject" -Dinject_slowdown="relu/$isa" >/dev/null
meson compile -C "$inject" -j 2 simdgrad:executable simdgrad-icount
rc=0
"$inject"/src/simdgrad ci-check --baseline "$work/fresh.json" >"$work/inject.txt" 2>&1 || rc=$?
cat "$work/inject.txt"
[ "$rc" -eq 1 ] || { echo "60-icount: injected slowdown in relu/$isa not flagged (exit $rc)"; exit 1; }
grep -q "^relu/$isa/n:4099 .*REGRESSION" "$work/inject.txt" ||
  { echo "60-icount: relu/$isa not named as the regression"; exit 1; }
if grep 'REGRESSION$' "$work/inject.txt" | grep -v -e "^relu/$isa/" -e "^train_step/$isa "; then
  echo "60-icount: kernels other than relu/$isa flagged"
  exit 1
fi
echo "60-icount: self-test ok (relu/$isa flagged, nothing else); done in $(( $(date +%s) - t0 )) s"
