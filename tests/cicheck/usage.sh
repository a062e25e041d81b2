#!/usr/bin/env bash
# Everything that must stop with exit 2 and one clear line, before any measuring: bad flags, a missing
# baseline, a baseline recorded by another compiler, a malformed baseline.
. "$(dirname "$0")/common.sh"
expect2() { # expect2 <grep pattern> <args...>
  local pat=$1; shift
  run "$@"
  [ $rc -eq 2 ] || fail "'simdgrad $*' exited $rc, want 2"
  grep -q -- "$pat" "$WORK/out" || fail "'simdgrad $*' does not say '$pat'"
}
run ci-check --help
[ $rc -eq 0 ] && grep -q -- '--update-baseline' "$WORK/out" || fail "--help"
expect2 "unknown option '--frobnicate'" ci-check --frobnicate
expect2 "--mode must be icount, model or time" ci-check --mode wallclock
expect2 "--threshold: expected a finite number" ci-check --threshold abc
expect2 "--threshold wants a number" ci-check --threshold -1
expect2 "--baseline needs a value" ci-check --baseline
expect2 "no instruction-count baseline $WORK/none.json" ci-check --baseline "$WORK/none.json"
expect2 "needs --baseline FILE" ci-check --mode time
expect2 "are for --mode time" ci-check --contender x.json
expect2 "--reps wants a whole number" ci-check --reps 2.5
expect2 "--threshold given more than once" ci-check --threshold 1 --threshold 2
expect2 "--metric must be real or cpu" ci-check --mode time --metric wall --baseline x.json

# A baseline from another compiler: refused with both identities named, nothing measured.
cat >"$WORK/clang.json" <<'JSON'
{
  "format": "simdgrad-icount-1",
  "compiler": "othercc 1.0",
  "buildtype": "release",
  "cpu_family": "x86_64",
  "calls_per_case": 3,
  "counts": {
    "relu/scalar/n:7": 100
  }
}
JSON
expect2 "is for othercc 1.0, release, x86_64 but this build is" ci-check --baseline "$WORK/clang.json"
grep -q "not comparable across compilers" "$WORK/out" || fail "mismatch message does not say why"
grep -q "running .* under valgrind" "$WORK/out" && fail "measured despite the mismatch"

echo '{"format": "simdgrad-icount-1", "compiler": ' >"$WORK/broken.json"
expect2 "is not valid JSON" ci-check --baseline "$WORK/broken.json"
echo '[1, 2]' >"$WORK/array.json"
expect2 "is not a simdgrad-icount-1 baseline" ci-check --baseline "$WORK/array.json"

# A build without simdgrad-icount (cross builds, no <valgrind/callgrind.h>; here: simdgrad copied
# away from its perf/): one line saying what works here, not advice to run --update-baseline, which
# used to fail next with "simdgrad-icount not found".
mkdir "$WORK/nodriver"
cp "$SIMDGRAD" "$WORK/nodriver/simdgrad"
for update in "" --update-baseline; do
  (cd "$WORK" && env -u SIMDGRAD_ICOUNT_DRIVER "$WORK/nodriver/simdgrad" ci-check $update >"$WORK/out" 2>"$WORK/err")
  rc=$?
  cat "$WORK/err"
  [ $rc -eq 2 ] && [ "$(wc -l <"$WORK/err")" -eq 1 ] && [ ! -s "$WORK/out" ] || fail "no driver ($update): exit $rc"
  grep -q "this build has no simdgrad-icount" "$WORK/err" || fail "no driver ($update): not said"
  grep -q "what works here: --mode time" "$WORK/err" || fail "no driver ($update): alternative not said"
  grep -q "create it with" "$WORK/err" && fail "no driver ($update): still advises --update-baseline"
done
echo PASS
