#!/usr/bin/env bash
# AArch64 port under qemu-user: cross-build with gcc (build-arm) and clang (build-arm-clang), both
# with -Werror, then the whole harness on the emulated CPUs: the default setup (qemu 'max': SVE
# 512-bit), 'neon' (SVE off), and SVE at 128/256/512/2048 bits. In each SVE setup the tests check
# NEON and SVE; tests/arm's sve_lanes test fails if a setup's QEMU_CPU did not take effect, and the
# dispatch tests that the best ISA is NEON at 128 bits and SVE from 256 (docs/model.md).
# Finishes with the CLI's info and train (every ISA, every ReLU'(0) convention) and study (its CSV on
# scalar, NEON and SVE byte-identical to the x86-64 one in tests/train) under qemu.
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in aarch64-linux-gnu-gcc qemu-aarch64 clang; do
  command -v "$tool" >/dev/null || { echo "50-arm: $tool missing (tools/packages.txt installs it)"; exit 1; }
done
qemu=(qemu-aarch64 -L /usr/aarch64-linux-gnu)
t0=$(date +%s)

[ -d build-arm ] || meson setup build-arm --cross-file cross/aarch64-linux-gnu.ini --werror
meson compile -C build-arm -j 2
for setup in qemumax neon sve128 sve256 sve512 sve2048; do
  echo "--- 50-arm: meson test --setup $setup"
  meson test -C build-arm --no-rebuild --setup "$setup" --print-errorlogs
done

[ -d build-arm-clang ] || meson setup build-arm-clang --cross-file cross/aarch64-linux-gnu-clang.ini --werror
meson compile -C build-arm-clang -j 2
echo "--- 50-arm: clang build, meson test (default setup)"
meson test -C build-arm-clang --no-rebuild --print-errorlogs

echo "--- 50-arm: simdgrad info / train under qemu (default CPU, then SVE off)"
"${qemu[@]}" build-arm/src/simdgrad info | tee build-arm/info.txt
# qemu-user passes the x86 host's /proc/cpuinfo through: info must say so, and show qemu max's SVE length.
grep -q '^cpu: .*\[emulated: /proc/cpuinfo describes the x86 host' build-arm/info.txt &&
  grep -q '^SVE vectors:    512 bits' build-arm/info.txt || { echo "50-arm: info misreports the emulated CPU"; exit 1; }
echo "--- 50-arm: dispatch by SVE vector length: NEON at 128 bits (info says why on one line), SVE from 256"
for vl in 16 32 64; do
  want=sve why='^sve: .*not preferred'
  [ "$vl" -eq 16 ] && want=neon why='^sve:            available, not preferred at 128-bit vectors: NEON is dispatched there .*docs/model.md'
  QEMU_CPU=max,sve-default-vector-length=$vl "${qemu[@]}" build-arm/src/simdgrad info >"build-arm/info-vl$vl.txt"
  grep -e '^ISA selected' -e '^sve:' "build-arm/info-vl$vl.txt"
  grep -q "^ISA selected:   $want (" "build-arm/info-vl$vl.txt" ||
    { echo "50-arm: SVE at $((vl * 8)) bits: dispatch did not pick $want"; exit 1; }
  if [ "$vl" -eq 16 ]; then
    [ "$(grep -c "$why" "build-arm/info-vl$vl.txt")" -eq 1 ] || { echo "50-arm: info does not say why sve is passed over"; exit 1; }
  elif grep -q "$why" "build-arm/info-vl$vl.txt"; then
    echo "50-arm: sve passed over at $((vl * 8)) bits"; exit 1
  fi
done
# Passed over is not unavailable: SIMDGRAD_ISA=sve and --isa sve still run SVE at 128 bits.
QEMU_CPU=max,sve-default-vector-length=16 SIMDGRAD_ISA=sve "${qemu[@]}" build-arm/src/simdgrad info |
  grep -q '^ISA selected:   sve (forced by SIMDGRAD_ISA)' || { echo "50-arm: SIMDGRAD_ISA=sve not honoured at 128 bits"; exit 1; }
QEMU_CPU=max,sve-default-vector-length=16 "${qemu[@]}" build-arm/src/simdgrad train --isa sve --steps 3 |
  grep -q '^sve ' || { echo "50-arm: --isa sve did not train with sve at 128 bits"; exit 1; }
"${qemu[@]}" build-arm/src/simdgrad train --isa all --grad-at-zero all
QEMU_CPU=max,sve=off "${qemu[@]}" build-arm/src/simdgrad train --isa all --grad-at-zero all
echo "--- 50-arm: simdgrad study under qemu: the CSV of every ARM ISA equals the x86-64 one checked in"
for isa in scalar neon sve; do
  "${qemu[@]}" build-arm/src/simdgrad study --data xor --seed-range 0..7 --isa "$isa" --threads 2 \
    --csv "build-arm/study-$isa.csv" | tail -1
  cmp "build-arm/study-$isa.csv" tests/train/study-xor-0-7.csv ||
    { echo "50-arm: study CSV on $isa differs from tests/train/study-xor-0-7.csv"; exit 1; }
done
echo "--- 50-arm: simdgrad bench under qemu: not built without arm64 Google Benchmark, a clear exit 2"
rc=0
"${qemu[@]}" build-arm/src/simdgrad bench --quick 2>"build-arm/bench-skip.txt" || rc=$?
cat build-arm/bench-skip.txt
[ "$rc" -eq 2 ] && grep -q "simdgrad-bench not found" build-arm/bench-skip.txt ||
  { [ -x build-arm/bench/simdgrad-bench ] || { echo "50-arm: bench neither built nor clearly refused"; exit 1; }; }
echo "--- 50-arm: simdgrad ci-check under qemu: no json-c and no icount driver here, one clear line, exit 2"
rc=0
"${qemu[@]}" build-arm/src/simdgrad ci-check 2>"build-arm/ci-check-skip.txt" || rc=$?
cat build-arm/ci-check-skip.txt
[ "$rc" -eq 2 ] && [ "$(wc -l <build-arm/ci-check-skip.txt)" -eq 1 ] &&
  grep -q -e "not available in this build" -e "this build has no simdgrad-icount" build-arm/ci-check-skip.txt ||
  { echo "50-arm: ci-check did not say clearly what this build supports"; exit 1; }
echo "50-arm: done in $(( $(date +%s) - t0 )) s"
