#!/usr/bin/env bash
# ci-check --mode model's logic with a stand-in for the model tool (fake_model.py), against edited
# copies of the committed results/baseline/model-llvm-16.json: the same outcomes as the icount gate
# (pass on equal, exit 1 naming the regressed kernel, threshold, improvements, a measured case the
# baseline lacks is exit 2), --update-baseline replacing the file atomically with the tool's bytes,
# and every way the comparison cannot be made (damaged baseline, another LLVM release or compiler,
# the tool failing) as one stderr line and exit 2, found before the model runs where possible.
# The real model on this build's objects, and the injected slowdown, are tools/stages/65-model.sh.
. "$(dirname "$0")/common.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
COMMITTED=$HERE/../../results/baseline/model-llvm-16.json
[ -f "$COMMITTED" ] || fail "no $COMMITTED"
export SIMDGRAD_MODEL_TOOL=$HERE/fake_model.py FAKE_MODEL_LOG=$WORK/log
# edit IN OUT PYTHON-STATEMENTS: d is the parsed file, c its cycles_per_iteration.
edit() {
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); c=d['cycles_per_iteration']; $3
json.dump(d, open(sys.argv[2], 'w'), indent=1, sort_keys=True)" "$1" "$2" || fail "edit $3"
}
# gate ARGS...: runs ci-check --mode model with the fake tool's output in $FAKE_MODEL_JSON; stdout in
# $WORK/out, stderr in $WORK/err, exit code in $rc.
gate() {
  : >"$WORK/log"
  "$SIMDGRAD" ci-check --mode model "$@" >"$WORK/out" 2>"$WORK/err"
  rc=$?
  cat "$WORK/out" "$WORK/err"
}
one_line_exit2() { # what
  [ $rc -eq 2 ] || fail "$1: exit $rc, want 2"
  [ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "$1: stderr is not one line"
  grep -q '^simdgrad ci-check: ' "$WORK/err" || fail "$1: stderr does not start with 'simdgrad ci-check: '"
}
model_not_run() { # what: only the --llvm-version probe ran
  [ "$(cat "$WORK/log")" = "--llvm-version" ] || fail "$1: the model ran: $(cat "$WORK/log")"
}
victim=avx512/relu@skylake-avx512
n=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['cycles_per_iteration']))" "$COMMITTED")
cp "$COMMITTED" "$WORK/base.json"
export FAKE_MODEL_JSON=$WORK/base.json

# Equal: passes, and without --cpu the baseline's cores are the ones asked for (a core whose objects
# are missing is then the tool's error, not a smaller gate).
gate --baseline "$WORK/base.json"
[ $rc -eq 0 ] || fail "unchanged model: exit $rc"
grep -q "ci-check model: $n unchanged, 0 changed, 0 not measured; no regression" "$WORK/out" || fail "summary"
grep -q -- "--cpu a64fx,apple-m1,.*skylake-avx512,znver3" "$WORK/log" || fail "baseline's cores not passed: $(cat "$WORK/log")"

# A slower loop: exit 1, the case named in the table and the summary, nothing else flagged.
edit "$WORK/base.json" "$WORK/slower.json" "c['$victim'] = 14.0"
FAKE_MODEL_JSON=$WORK/slower.json gate --baseline "$WORK/base.json"
[ $rc -eq 1 ] || fail "5 -> 14 cycles in $victim not flagged (exit $rc)"
grep -q "^$victim  *5.000  *14.000  *+180.00%  REGRESSION$" "$WORK/out" || fail "table row for $victim"
grep -q "1 REGRESSION(S) above +2.00%: $victim$" "$WORK/out" || fail "summary does not name $victim"
[ "$(grep -c REGRESSION "$WORK/out")" -eq 2 ] || fail "more than $victim flagged"
grep -q -- "--mode model --update-baseline' and commit $WORK/base.json" "$WORK/out" || fail "update hint"
FAKE_MODEL_JSON=$WORK/slower.json gate --baseline "$WORK/base.json" --threshold 200
[ $rc -eq 0 ] && grep -q "^$victim .*within threshold" "$WORK/out" || fail "--threshold 200 (exit $rc)"
edit "$WORK/base.json" "$WORK/faster.json" "c['$victim'] = 4.5"
FAKE_MODEL_JSON=$WORK/faster.json gate --baseline "$WORK/base.json"
[ $rc -eq 0 ] && grep -q "^$victim .*-10.00%  faster" "$WORK/out" || fail "an improvement (exit $rc)"
# A selection: only those cores and kernels are compared, the rest counted.
gate --baseline "$WORK/base.json" --cpu skylake-avx512 --kernel avx512
[ $rc -eq 0 ] || fail "--cpu/--kernel (exit $rc)"
grep -q -- "--cpu skylake-avx512 --kernel avx512" "$WORK/log" || fail "--cpu/--kernel not passed on"
# A case the baseline has but this run (same cores and kernels) did not produce: listed, not fatal.
edit "$WORK/base.json" "$WORK/fewer.json" "del c['$victim']"
FAKE_MODEL_JSON=$WORK/fewer.json gate --baseline "$WORK/base.json"
[ $rc -eq 0 ] && grep -q "^$victim .*not measured in this run" "$WORK/out" || fail "unmeasured case (exit $rc)"
# A measured case the baseline lacks: exit 2 naming it (a truncated baseline must not pass).
gate --baseline "$WORK/fewer.json"
one_line_exit2 "measured case missing from the baseline"
grep -q "1 measured case is not in baseline $WORK/fewer.json: $victim;" "$WORK/err" || fail "missing case not named"

# --update-baseline: the tool's bytes, replaced by rename (a hard link to the old file keeps it),
# no temporary left behind; refused with --cpu/--kernel, or when the run lacks the ARM objects.
cp "$WORK/base.json" "$WORK/upd.json"
ln "$WORK/upd.json" "$WORK/old-link.json"
FAKE_MODEL_JSON=$WORK/slower.json gate --update-baseline --baseline "$WORK/upd.json"
[ $rc -eq 0 ] || fail "--update-baseline: exit $rc"
cmp -s "$WORK/upd.json" "$WORK/slower.json" || fail "--update-baseline did not write the tool's output"
cmp -s "$WORK/old-link.json" "$WORK/base.json" || fail "--update-baseline wrote in place, not by rename"
grep -q "wrote $n cycle estimates to $WORK/upd.json (llvm-mca 16.0.6)" "$WORK/out" || fail "update message"
[ -z "$(ls -A "$WORK" | grep -v -e '\.json$' -e '^out$' -e '^err$' -e '^log$')" ] || fail "leftovers: $(ls -A "$WORK")"
grep -q -- "--cpu" "$WORK/log" && fail "--update-baseline narrowed the cores: $(cat "$WORK/log")"
gate --update-baseline --baseline "$WORK/upd.json" --cpu znver3
one_line_exit2 "--update-baseline --cpu"
grep -q "drop --cpu/--kernel" "$WORK/err" || fail "--update-baseline --cpu message"
edit "$WORK/base.json" "$WORK/x86only.json" "del d['compilers']['aarch64']"
FAKE_MODEL_JSON=$WORK/x86only.json gate --update-baseline --baseline "$WORK/upd.json"
one_line_exit2 "update without ARM objects"
grep -q "without aarch64 (build-arm) objects" "$WORK/err" || fail "update without ARM: message"
cmp -s "$WORK/upd.json" "$WORK/slower.json" || fail "a refused update changed the file"
gate --update-baseline --baseline /nonexistent-dir/m.json
one_line_exit2 "unwritable --update-baseline"
grep -q -- "--update-baseline: /nonexistent-dir/m.json: cannot create" "$WORK/err" || fail "unwritable target message"
model_not_run "unwritable --update-baseline"

# Baselines that cannot be compared: one line, exit 2, before the model runs.
printf '{"schema": "simdgrad-model/1",' >"$WORK/trunc.json"
gate --baseline "$WORK/trunc.json"
one_line_exit2 "truncated JSON"; model_not_run "truncated JSON"
grep -q "is not valid JSON" "$WORK/err" || fail "truncated JSON message"
edit "$WORK/base.json" "$WORK/schema.json" "d['schema'] = 'simdgrad-icount-1'"
gate --baseline "$WORK/schema.json"
one_line_exit2 "wrong schema"; model_not_run "wrong schema"
edit "$WORK/base.json" "$WORK/str.json" "c['$victim'] = '5.0'"
gate --baseline "$WORK/str.json"
one_line_exit2 "string cycles"; model_not_run "string cycles"
grep -q "cycles \"$victim\" is \"5.0\", not a number of cycles" "$WORK/err" || fail "string cycles message"
for bad in -1 0 1e300; do
  edit "$WORK/base.json" "$WORK/bad.json" "c['$victim'] = $bad"
  gate --baseline "$WORK/bad.json"
  one_line_exit2 "cycles $bad"
done
edit "$WORK/base.json" "$WORK/empty.json" "d['cycles_per_iteration'] = {}"
gate --baseline "$WORK/empty.json"
one_line_exit2 "no cycles"; grep -q "has no cycle estimates" "$WORK/err" || fail "empty baseline message"
edit "$WORK/base.json" "$WORK/ver.json" "d['llvm_mca'] = '16'"
gate --baseline "$WORK/ver.json"
one_line_exit2 "bad llvm_mca"; grep -q '"llvm_mca" is not an LLVM version' "$WORK/err" || fail "llvm_mca message"
gate --baseline "$WORK/nonexistent.json"
one_line_exit2 "missing baseline"; model_not_run "missing baseline"
grep -q "no model baseline $WORK/nonexistent.json for llvm-mca 16.0.6; create it with" "$WORK/err" || fail "missing baseline message"
# Another LLVM release: its own file by default (model-llvm-14.json, not committed), and a baseline
# of another release is refused.
FAKE_LLVM_VERSION=14.0.6 gate
one_line_exit2 "llvm 14 default baseline"; model_not_run "llvm 14 default baseline"
grep -q "no model baseline .*results/baseline/model-llvm-14.json for llvm-mca 14.0.6" "$WORK/err" || fail "llvm 14 message"
FAKE_LLVM_VERSION=14.0.6 gate --baseline "$WORK/base.json"
one_line_exit2 "llvm 16 baseline with llvm 14"
grep -q "is for llvm-mca 16.0.6 but this llvm-mca is 14.0.6" "$WORK/err" || fail "release mismatch message"
FAKE_LLVM_VERSION=garbage gate --baseline "$WORK/base.json"
one_line_exit2 "unreadable version"
# Objects from another compiler: refused after the run (the compiler is read from the objects).
edit "$WORK/base.json" "$WORK/clang.json" "d['compilers']['x86_64'] = 'clang version 14.0.6'"
FAKE_MODEL_JSON=$WORK/clang.json gate --baseline "$WORK/base.json"
one_line_exit2 "other compiler"; grep -q "not comparable across compilers" "$WORK/err" || fail "compiler message"
# The tool failing (no llvm-mca, no build-arm objects for a baseline core, ...): its reason, one line.
FAKE_MODEL_FAIL="--cpu 'neoverse-n2' needs aarch64 objects, none under build-arm" gate --baseline "$WORK/base.json"
one_line_exit2 "tool failure"
grep -q "failed: --cpu 'neoverse-n2' needs aarch64 objects" "$WORK/err" || fail "tool failure reason"
grep -q "no regression" "$WORK/out" && fail "a failed model run passed"
echo PASS
