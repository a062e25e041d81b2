# Shared by the cicheck test scripts: $1 is the simdgrad binary. Exit 77 = skipped (meson).
set -u
SIMDGRAD=$1
WORK=$(mktemp -d /tmp/sg-cicheck-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
# Runs simdgrad, keeping stdout+stderr in $WORK/out and the exit code in $rc.
run() { "$SIMDGRAD" "$@" >"$WORK/out" 2>&1; rc=$?; cat "$WORK/out"; }
need_icount() {
  # ASan/UBSan binaries and valgrind do not mix (tools/stages/30-sanitize.sh sets this).
  [ -z "${SIMDGRAD_SANITIZED:-}" ] || skip "sanitized build ($SIMDGRAD_SANITIZED): valgrind cannot run it"
  command -v valgrind >/dev/null || skip "valgrind not installed"
  [ -x "$(dirname "$SIMDGRAD")/../perf/simdgrad-icount" ] || skip "perf/simdgrad-icount not built (no valgrind/callgrind.h)"
}
