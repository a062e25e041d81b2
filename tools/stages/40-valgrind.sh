#!/usr/bin/env bash
# The C test programs under valgrind memcheck (errors fail the run). Valgrind hides AVX-512 from
# CPUID, so this covers the scalar and AVX2 paths; sizes are scaled down (memcheck is ~30x slower).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d build ] || meson setup build --werror
meson compile -C build
export SIMDGRAD_TEST_SCALE=small
meson test -C build --print-errorlogs --timeout-multiplier 10 \
  --wrapper 'valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --quiet' \
  --suite kernels --suite dispatch --suite train --suite fuzz
