#!/usr/bin/env bash
# Wall-clock mode end to end on two crafted Google Benchmark runs (make_time_fixtures.py): compare.py
# does the statistics, the gate fails only on "median slower than the threshold AND U test significant".
. "$(dirname "$0")/common.sh"
DIR=$(cd "$(dirname "$0")" && pwd)
[ -f /usr/share/benchmark/compare.py ] || skip "compare.py missing (Debian libbenchmark-tools)"
/usr/bin/python3 -c 'import scipy, numpy' 2>/dev/null || skip "/usr/bin/python3 lacks scipy/numpy (compare.py needs them)"
run ci-check --mode time --baseline "$DIR/time-baseline.json" --contender "$DIR/time-contender.json"
[ $rc -eq 1 ] || fail "a significant 25% slowdown did not fail (exit $rc)"
grep -q '^relu/avx2/n:4096 .*+25.00%.*REGRESSION' "$WORK/out" || fail "relu/avx2/n:4096 not flagged"
grep -q '^relu/scalar/n:4096 .*+1.00%.* ok' "$WORK/out" || fail "+1% not passed"
grep -q '^matmul_nn/avx2/m:64/n:64/k:64 .*+200.00%.*slower, but not significant' "$WORK/out" ||
  fail "a noisy, non-significant median jump was not spared"
grep -q '^relu_grad/avx2/g0:0.5/n:4096 .*-20.00%.*faster' "$WORK/out" || fail "the improvement not reported"
grep -q '1 REGRESSION(S): relu/avx2/n:4096$' "$WORK/out" || fail "summary"

run ci-check --mode time --baseline "$DIR/time-baseline.json" --contender "$DIR/time-contender.json" --threshold 30
[ $rc -eq 0 ] || fail "+25% failed with --threshold 30 (exit $rc)"
run ci-check --mode time --metric cpu --baseline "$DIR/time-baseline.json" --contender "$DIR/time-contender.json"
[ $rc -eq 1 ] && grep -q "gate = median CPU-time change" "$WORK/out" || fail "--metric cpu"

run ci-check --mode time --baseline "$DIR/time-baseline.json" --contender "$DIR/time-baseline.json"
[ $rc -eq 0 ] || fail "a run against itself failed (exit $rc)"

# --update-baseline from a saved run: atomic copy, validated.
run ci-check --mode time --update-baseline --baseline "$WORK/base.json" --contender "$DIR/time-contender.json"
[ $rc -eq 0 ] && cmp -s "$WORK/base.json" "$DIR/time-contender.json" || fail "time --update-baseline"
echo '{"not": "a benchmark run"}' >"$WORK/junk.json"
run ci-check --mode time --update-baseline --baseline "$WORK/base.json" --contender "$WORK/junk.json"
[ $rc -eq 2 ] && cmp -s "$WORK/base.json" "$DIR/time-contender.json" || fail "junk accepted as a baseline"
echo PASS
