#!/usr/bin/env bash
# The whole test suite (every suite that exists) in a separate build with AddressSanitizer and
# UndefinedBehaviorSanitizer. UBSan findings abort the test (-fno-sanitize-recover plus
# halt_on_error), so they cannot scroll by as warnings in a passing run.
set -euo pipefail
cd "$(dirname "$0")/../.."
t0=$(date +%s)
dir=${SANITIZE_BUILD_DIR:-build-asan}
if [ ! -d "$dir" ]; then
  meson setup "$dir" --werror -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fno-sanitize-recover=all
fi
meson compile -C "$dir" -j 2
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# Leaks fail the run (LeakSanitizer). A deliberate process-lifetime allocation can be listed, one
# `leak:<function>` per line with a comment saying why, in tests/lsan-suppressions.txt.
if [ -f tests/lsan-suppressions.txt ]; then
  export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan-suppressions.txt:print_suppressions=0}
fi
# Tests that cannot run a sanitized binary (valgrind-based ones: ASan and valgrind do not mix)
# may exit 77 when SIMDGRAD_SANITIZED is set, saying so.
export SIMDGRAD_SANITIZED=address,undefined
# Sanitized code is ~2-3x slower; the sampled parts of the tests shrink, the exhaustive sweeps stay.
export SIMDGRAD_TEST_SCALE=small
meson test -C "$dir" --no-rebuild --print-errorlogs --timeout-multiplier 3
echo "30-sanitize: done in $(( $(date +%s) - t0 )) s"
