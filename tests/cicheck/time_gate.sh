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

# Runs simdgrad with stderr kept apart in $WORK/err: ci-check's errors must be exactly one line.
run_err() { "$SIMDGRAD" "$@" >"$WORK/out" 2>"$WORK/err"; rc=$?; cat "$WORK/out" "$WORK/err"; }
one_line_err() { # one_line_err <pattern>: exit 2 and one stderr line saying pattern
  [ $rc -eq 2 ] || fail "exit $rc, want 2"
  [ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "stderr is not one line: $(cat "$WORK/err")"
  grep -q -- "$1" "$WORK/err" || fail "stderr does not say '$1'"
}
# derive <in> <out> <python statement on run r>: a fixture edited in place (r is the parsed JSON).
derive() { /usr/bin/python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(r, open(sys.argv[2], "w"), indent=1)' "$1" "$2" "$3"; }

# Single repetitions: no median, no U test, so nothing can be gated. That used to end "no significant
# regression", exit 0; a gate that checked nothing must not pass.
one_rep='r["benchmarks"] = [b for b in r["benchmarks"] if b["run_type"] == "iteration" and b["repetition_index"] == 0]'
derive "$DIR/time-baseline.json" "$WORK/b1.json" "$one_rep"
derive "$DIR/time-contender.json" "$WORK/c1.json" "$one_rep"
run_err ci-check --mode time --baseline "$WORK/b1.json" --contender "$WORK/c1.json"
one_line_err "none of the 4 benchmarks could be gated"
grep -q "no significant regression" "$WORK/out" && fail "single repetitions reported as passing"
# One benchmark with a single repetition among gated ones: reported as not gated, the rest decide.
derive "$DIR/time-contender.json" "$WORK/c_mixed.json" 'r["benchmarks"] = [b for b in r["benchmarks"]
    if not b["name"].startswith("relu/avx2/") or b.get("repetition_index") == 0]'
run ci-check --mode time --baseline "$DIR/time-baseline.json" --contender "$WORK/c_mixed.json"
[ $rc -eq 0 ] || fail "3 gated benchmarks, 1 single-repetition: exit $rc, want 0"
grep -q '^relu/avx2/n:4096 .*not gated' "$WORK/out" || fail "the single-repetition row is not marked"
grep -q '3 benchmarks gated, 1 not gated, no significant regression' "$WORK/out" || fail "mixed summary"

# A baseline from another CPU, ISA set or compiler: refused naming the field, nothing compared.
ctx() { echo "r[\"context\"].update(cpu_model=\"$1\", isas_available=\"$2\", compiler=\"gcc 12.2.0\")"; }
derive "$DIR/time-baseline.json" "$WORK/b_zen4.json" "$(ctx "AMD EPYC" "scalar, avx2, avx512")"
derive "$DIR/time-contender.json" "$WORK/c_zen3.json" "$(ctx "AMD EPYC" "scalar, avx2")"
derive "$DIR/time-contender.json" "$WORK/c_xeon.json" "$(ctx "Intel Xeon" "scalar, avx2, avx512")"
derive "$DIR/time-contender.json" "$WORK/c_same.json" "$(ctx "AMD EPYC" "scalar, avx2, avx512")"
run_err ci-check --mode time --baseline "$WORK/b_zen4.json" --contender "$WORK/c_zen3.json"
one_line_err 'context differs (isas_available): isas_available is "scalar, avx2, avx512" in the baseline but "scalar, avx2" in the contender'
run_err ci-check --mode time --baseline "$WORK/b_zen4.json" --contender "$WORK/c_xeon.json"
one_line_err 'context differs (cpu_model): cpu_model is "AMD EPYC" in the baseline but "Intel Xeon"'
grep -q REGRESSION "$WORK/out" && fail "compared despite another CPU"
run ci-check --mode time --baseline "$WORK/b_zen4.json" --contender "$WORK/c_same.json"
[ $rc -eq 1 ] || fail "the same context with the usual fixtures: exit $rc, want 1"

# A corrupt time baseline: one line naming the problem, before compare.py could print a traceback
# (and before simdgrad blamed scipy for it).
derive "$DIR/time-baseline.json" "$WORK/b_bad.json" 'r["benchmarks"][3]["real_time"] = "slow"'
run_err ci-check --mode time --baseline "$WORK/b_bad.json" --contender "$DIR/time-contender.json"
one_line_err 'benchmarks\[3\] "relu/avx2/n:4096": "real_time" is not a finite non-negative number'
grep -q -e Traceback -e scipy "$WORK/out" "$WORK/err" && fail "compare.py ran on a corrupt baseline"

# Names with a quote and a backslash and a number of 70 significant digits are valid JSON: accepted,
# stored unchanged and compared (the hand-written reader refused numbers over 63 characters).
derive "$DIR/time-baseline.json" "$WORK/b_odd.json" 'import re
for b in r["benchmarks"]:
    b["name"] = b["name"].replace("relu/avx2", "relu/\"q\"\\avx2")
    b["run_name"] = b["run_name"].replace("relu/avx2", "relu/\"q\"\\avx2")'
long=99.5$(printf '0%.0s' $(seq 68))1 # 72 characters: 99.5, 68 zeros, 1
sed -i "0,/\"real_time\": 99.5,/s//\"real_time\": $long,/" "$WORK/b_odd.json"
grep -q "\"real_time\": $long," "$WORK/b_odd.json" || fail "could not write the long number"
run ci-check --mode time --update-baseline --baseline "$WORK/odd.json" --contender "$WORK/b_odd.json"
[ $rc -eq 0 ] && cmp -s "$WORK/odd.json" "$WORK/b_odd.json" || fail "a valid run with odd names refused"
run ci-check --mode time --baseline "$WORK/odd.json" --contender "$WORK/b_odd.json"
[ $rc -eq 0 ] || fail "a run with odd names against itself: exit $rc"
grep -qF 'relu/"q"\avx2/n:4096 ' "$WORK/out" || fail "the quoted name is not in the table"
echo PASS
