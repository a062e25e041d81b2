#!/usr/bin/env bash
# libFuzzer targets (clang, ASan+UBSan): replay the checked-in corpus, then fuzz each target for
# FUZZ_SECONDS. The stage's fuzzing time is bounded, not per target: by default FUZZ_BUDGET_SECONDS
# (240) is shared equally, so adding a target shortens each run instead of lengthening the stage
# (4 targets: 60 s each, as before the json target came). A crash leaves its input in
# build-fuzz/artifacts/ and fails the stage; add such an input to tests/fuzz/corpus/<target>/ once
# fixed so it stays a regression test. A target with a tests/fuzz/<target>.dict gets it as -dict.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -d build-fuzz ]; then
  CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fsanitize=fuzzer-no-link -Dbench=disabled -Dpeers=disabled --werror
fi
meson compile -C build-fuzz
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1
meson test -C build-fuzz --suite fuzz --print-errorlogs
mkdir -p build-fuzz/artifacts
bins=()
for bin in build-fuzz/tests/fuzz/fuzz-*; do
  [ -f "$bin" ] && [ -x "$bin" ] || continue # skip meson's fuzz-*.p object folders
  case "$bin" in *replay*) continue ;; esac
  bins+=("$bin")
done
[ ${#bins[@]} -gt 0 ] || { echo "70-fuzz: no fuzz targets built"; exit 1; }
secs="${FUZZ_SECONDS:-$(( ${FUZZ_BUDGET_SECONDS:-240} / ${#bins[@]} ))}"
for bin in "${bins[@]}"; do
  target=${bin##*/fuzz-}
  dict=()
  [ -f "tests/fuzz/$target.dict" ] && dict=(-dict="tests/fuzz/$target.dict")
  work=$(mktemp -d)
  echo "fuzzing $target for ${secs}s"
  # The CLI target prints a usage error per input: silence its stdout/stderr (crashes still leave
  # an artifact, which the check below turns into a failure).
  mask=1
  [ "$target" = cli ] && mask=3
  "$bin" "${dict[@]}" -close_fd_mask=$mask -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix=build-fuzz/artifacts/"$target"- "$work" "tests/fuzz/corpus/$target" 2>&1 |
    grep -E '^(stat::number_of_executed_units|stat::peak_rss|==|SUMMARY|Done)' || true
  rm -rf "$work"
  if ls build-fuzz/artifacts/"$target"-* >/dev/null 2>&1; then
    echo "fuzz target $target found a failing input: $(ls build-fuzz/artifacts/"$target"-*)"
    exit 1
  fi
done
