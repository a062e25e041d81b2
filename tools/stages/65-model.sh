#!/usr/bin/env bash
# Performance-regression gate for what valgrind cannot see: llvm-mca's cycles per iteration of the
# kernels' inner loops (`simdgrad ci-check --mode model`, docs/model.md "The gate") against the
# committed results/baseline/model-llvm-16.json, for AVX-512 and AVX2 (this build's objects) and
# NEON and SVE (build-arm's, from stage 50). Then its self-test: a build with
# -Dinject_slowdown=relu/avx512, which puts a dependent multiply chain into the AVX-512 relu loop
# (simd/inject_hot.h), must be flagged exactly there, on every AVX-512 core of the list, and nowhere
# else. Cores: three AVX-512 models (Skylake-server, Ice Lake server, Zen 4) that also run the AVX2
# loops, Neoverse-N2 (NEON, SVE at 128 bits) and A64FX (SVE at 512): every kernel on at least two
# scheduling models. The full 13-core comparison is `simdgrad ci-check --mode model` (no --cpu).
set -euo pipefail
cd "$(dirname "$0")/../.."
t0=$(date +%s)
command -v llvm-mca-16 >/dev/null ||
  { echo "65-model: llvm-mca-16 missing (tools/packages.txt installs llvm-16; the baseline is for LLVM 16)"; exit 1; }
build=${MODEL_BUILD_DIR:-build}                    # the native release build of stage 10
inject=${MODEL_INJECT_DIR:-build-model-inject}     # the deliberately slowed copy
cores=${MODEL_GATE_CPUS:-skylake-avx512,icelake-server,znver4,neoverse-n2,a64fx}
[ -d "$build" ] || meson setup "$build" --werror
[ -d build-arm ] || meson setup build-arm --cross-file cross/aarch64-linux-gnu.ini --werror
meson compile -C "$build" -j 2 simdgrad:executable
meson compile -C build-arm -j 2

echo "--- 65-model: gate against the committed baseline ($cores)"
t1=$(date +%s)
"$build"/src/simdgrad ci-check --mode model --cpu "$cores"
echo "65-model: gate took $(( $(date +%s) - t1 )) s"

echo "--- 65-model: self-test (relu/avx512 slowed in its inner loop)"
work=$(mktemp -d /tmp/sg-65-model.XXXXXX)
trap 'rm -rf "$work"' EXIT
[ -d "$inject" ] ||
  meson setup "$inject" --werror -Dinject_slowdown=relu/avx512 -Dbench=disabled -Dpeers=disabled
meson configure "$inject" -Dinject_slowdown=relu/avx512 >/dev/null
meson compile -C "$inject" -j 2 simdgrad:executable
rc=0
"$inject"/src/simdgrad ci-check --mode model --cpu "$cores" >"$work/inject.txt" 2>&1 || rc=$?
cat "$work/inject.txt"
[ "$rc" -eq 1 ] || { echo "65-model: injected slowdown in relu/avx512 not flagged (exit $rc)"; exit 1; }
for core in skylake-avx512 icelake-server znver4; do
  [[ ",$cores," == *",$core,"* ]] || continue
  grep -q "^avx512/relu@$core .*REGRESSION$" "$work/inject.txt" ||
    { echo "65-model: avx512/relu@$core not named as the regression"; exit 1; }
done
if grep 'REGRESSION$' "$work/inject.txt" | grep -v '^avx512/relu@'; then
  echo "65-model: kernels other than avx512/relu flagged"
  exit 1
fi
echo "65-model: self-test ok (avx512/relu flagged, nothing else); done in $(( $(date +%s) - t0 )) s"
