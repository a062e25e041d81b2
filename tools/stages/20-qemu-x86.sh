#!/usr/bin/env bash
# The kernel and dispatch suites on emulated x86 CPUs (qemu-user, test setups in tests/meson.build):
# 'nehalem' has no AVX (only scalar may be available), 'haswell' has AVX2+FMA but no AVX-512.
# The dispatch tests assert exactly that availability; the kernel tests check whatever vector ISA
# the emulated CPU has (Nehalem: none, so they check the scalar reference and report skipped).
set -euo pipefail
cd "$(dirname "$0")/../.."
t0=$(date +%s)
command -v qemu-x86_64 >/dev/null || { echo "20-qemu-x86: qemu-x86_64 missing (tools/packages.txt installs qemu-user)"; exit 1; }
[ "$(uname -m)" = x86_64 ] || { echo "20-qemu-x86: not an x86-64 host, nothing to do"; exit 0; }
build=${QEMU_X86_BUILD_DIR:-build}   # the native build of stage 10
[ -d "$build" ] || meson setup "$build" --werror
meson compile -C "$build" -j 2
for setup in nehalem haswell; do
  echo "--- 20-qemu-x86: meson test --setup $setup (suites kernels, dispatch)"
  meson test -C "$build" --no-rebuild --setup "$setup" --suite kernels --suite dispatch --print-errorlogs
done
echo "20-qemu-x86: done in $(( $(date +%s) - t0 )) s"
