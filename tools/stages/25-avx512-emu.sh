#!/usr/bin/env bash
# The AVX-512 kernels on a CPU without AVX-512: a second build (-Davx512_emulation=true) compiles
# simd/avx512/*.c for AVX2+FMA+F16C on SIMDe's portable AVX-512 (simd/avx512/intrin.h), so their
# own code paths (masks, heads and tails, the packed matmul driver, the unpacked strips) run here,
# and the correctness harness checks them bit for bit against the reference, behind guard pages,
# at every tail and alignment. What it proves: the AVX-512 sources are bit-exact and stay within
# their buffers. What it cannot: anything about speed (no benchmarks are built), or a fault of the
# native AVX-512 instructions themselves (SIMDe stands in for them; README, "Correctness harness").
# SIMDGRAD_TEST_REQUIRE_ISA=avx512 makes a test that does not reach avx512 fail instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/../.."
t0=$(date +%s)
[ "$(uname -m)" = x86_64 ] || { echo "25-avx512-emu: not an x86-64 host, nothing to do"; exit 0; }
for f in avx2 fma f16c; do
  grep -qw "$f" /proc/cpuinfo || { echo "25-avx512-emu: NOT RUN: this CPU lacks $f, which the emulation runs on"; exit 0; }
done
[ -f /usr/include/simde/x86/avx512.h ] ||
  { echo "25-avx512-emu: SIMDe missing (libsimde-dev, tools/packages.txt installs it)"; exit 1; }
build=${AVX512_EMU_BUILD_DIR:-build-avx512emu}
[ -d "$build" ] || meson setup "$build" --werror -Davx512_emulation=true -Dbench=disabled >/dev/null
meson configure "$build" -Dwerror=true -Davx512_emulation=true -Dbench=disabled >/dev/null
meson compile -C "$build" -j 2 >"$build/compile.log" 2>&1 || { tail -40 "$build/compile.log"; exit 1; }

info=$("$build/src/simdgrad" info)
echo "$info" | grep -e '^ISAs' -e '^avx512:'
echo "$info" | grep -q '^ISAs compiled:.*avx512 (emulated)' && echo "$info" | grep -q '^avx512: .*emulated' ||
  { echo "25-avx512-emu: simdgrad info does not say avx512 is emulated"; exit 1; }

# The rounding sweep (all 2^32 inputs, ~75 s) only when the avx512 table has a rounding kernel of its own.
tests=()
kernels=$(SIMDGRAD_ISA=avx512 "$build/src/simdgrad" info | grep '^kernels:')
if echo "$kernels" | grep -qE 'round_(bf16|fp16) avx512'; then tests+=(rounding); fi
mapfile -t listed < <(meson test -C "$build" --no-rebuild --list --suite kernels --suite dispatch 2>/dev/null |
  sed -n 's|^simdgrad:[a-z]* / ||p' | grep -vx rounding)
tests+=("${listed[@]}" train study cli-csv report-agreement fuzz-corpus-kernels)
echo "--- 25-avx512-emu: meson test ${tests[*]}"
SIMDGRAD_TEST_REQUIRE_ISA=avx512 SIMDGRAD_EXPECT_BEST=avx2 SIMDGRAD_EXPECT_AVAILABLE="scalar, avx2, avx512" \
  meson test -C "$build" --no-rebuild --num-processes 2 --print-errorlogs "${tests[@]}"

# What ran: the harness prints "testing <isa>" per table; the cross-ISA training check its verdict.
log="$build/meson-logs/testlog.txt"
grep -q 'ISAs: scalar, avx2, avx512 agree bit for bit' "$log" ||
  { echo "25-avx512-emu: simdgrad train --isa all did not run avx512 (cli-csv)"; exit 1; }
echo "25-avx512-emu: 'testing avx512' in $(grep -c '^testing avx512' "$log") test outputs; done in $(( $(date +%s) - t0 )) s"
