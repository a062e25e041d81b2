#!/usr/bin/env bash
# The gate itself, on a baseline edited the way a regression or an improvement would look:
# a count 10% lower in the baseline must fail naming that kernel (exit 1); a count higher in the
# baseline (the code got faster) and a change under the threshold must pass.
. "$(dirname "$0")/common.sh"
need_icount
run ci-check --update-baseline --baseline "$WORK/b.json"
[ $rc -eq 0 ] || fail "--update-baseline exited $rc"
# Scale one count in the one-entry-per-line baseline: scale <name> <factor> <in> <out>
scale() { awk -v k="\"$1\":" -v f="$2" '$1 == k { sub(/[0-9]+/, int($2 * f), $2) } { print }' "$3" >"$4"; }
victim=relu/scalar/n:1000
grep -q "\"relu/avx2/n:1000\"" "$WORK/b.json" && victim=relu/avx2/n:1000

scale "$victim" 0.9 "$WORK/b.json" "$WORK/slower.json"
cmp -s "$WORK/b.json" "$WORK/slower.json" && fail "could not edit the baseline"
run ci-check --baseline "$WORK/slower.json"
[ $rc -eq 1 ] || fail "an 11% instruction growth in $victim was not flagged (exit $rc)"
grep -q "^$victim .*REGRESSION" "$WORK/out" || fail "the table does not name $victim as REGRESSION"
grep -q "1 REGRESSION(S) above +2.00%: $victim" "$WORK/out" || fail "summary does not name $victim"
[ "$(grep -c REGRESSION "$WORK/out")" -eq 2 ] || fail "more than $victim flagged"

scale "$victim" 0.9 "$WORK/b.json" "$WORK/slower.json"
run ci-check --baseline "$WORK/slower.json" --threshold 20
[ $rc -eq 0 ] || fail "an 11% growth failed with --threshold 20 (exit $rc)"
grep -q "^$victim .*within threshold" "$WORK/out" || fail "growth under the threshold not reported"

scale "$victim" 1.5 "$WORK/b.json" "$WORK/faster.json"
run ci-check --baseline "$WORK/faster.json"
[ $rc -eq 0 ] || fail "an improvement failed the gate (exit $rc)"
grep -q "^$victim .*faster" "$WORK/out" || fail "the improvement is not in the table"

# A case only in the baseline (removed benchmark) is reported, not fatal.
sed 's/^  "counts": {$/  "counts": {\n    "relu\/gone\/n:1": 5,/' "$WORK/b.json" >"$WORK/extra.json"
run ci-check --baseline "$WORK/extra.json"
[ $rc -eq 0 ] || fail "a baseline-only case failed the gate (exit $rc)"
grep -q "^relu/gone/n:1 .*not measured in this run" "$WORK/out" || fail "baseline-only case not reported"
# A measured case the baseline lacks (a truncated or hand-edited file) stops the gate naming the case;
# it used to show as "new" and pass.
grep -v "^    \"$victim\": " "$WORK/b.json" >"$WORK/lacking.json"
"$SIMDGRAD" ci-check --baseline "$WORK/lacking.json" >"$WORK/out" 2>"$WORK/err"
rc=$?
cat "$WORK/err"
[ $rc -eq 2 ] || fail "a measured case missing from the baseline: exit $rc, want 2"
[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "missing case: stderr is not one line"
grep -q "1 measured case is not in baseline $WORK/lacking.json: $victim;" "$WORK/err" || fail "missing case not named"
grep -q "no regression" "$WORK/out" && fail "a missing case passed"
# valgrind missing from PATH: a clear exit 2, not a crash or a pass.
PATH=/nonexistent "$SIMDGRAD" ci-check --baseline "$WORK/b.json" >"$WORK/out" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "without valgrind on PATH: exit $rc, want 2"
grep -q "could not run valgrind" "$WORK/out" || fail "without valgrind: $(cat "$WORK/out")"
echo PASS
