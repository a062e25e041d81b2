#!/usr/bin/env bash
# The unmodified build measured twice is never flagged: the second run must be identical to the first
# (0 changed at threshold 0), so any change the gate reports is a change in the code.
. "$(dirname "$0")/common.sh"
need_icount
run ci-check --update-baseline --baseline "$WORK/b.json"
[ $rc -eq 0 ] || fail "--update-baseline exited $rc"
grep -q '"relu/avx2/n:7"' "$WORK/b.json" || grep -q '"relu/scalar/n:7"' "$WORK/b.json" || fail "baseline lacks relu cases"
grep -q '"train_step/scalar"' "$WORK/b.json" || fail "baseline lacks the training step"
! ls "$WORK"/b.json.tmp.* >/dev/null 2>&1 || fail "temp file left behind"
run ci-check --baseline "$WORK/b.json" --threshold 0
[ $rc -eq 0 ] || fail "second run of the same build exited $rc"
grep -q ' 0 changed, 0 not measured; no regression' "$WORK/out" || fail "counts not identical run to run"
echo PASS
