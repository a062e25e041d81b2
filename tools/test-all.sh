#!/usr/bin/env bash
# Runs every test suite: native, emulated x86 CPUs, sanitizers, valgrind, aarch64 under qemu,
# the instruction-count gate and the fuzz regressions. Each stage is one script in tools/stages/;
# `tools/test-all.sh arm` runs only the stages whose name contains "arm".
set -euo pipefail
cd "$(dirname "$0")/.."
filter="${1:-}"
# A fresh machine needs the packages first; on a ready one this is a quick no-op.
bash tools/install-deps.sh
failed=()
start_all=$(date +%s)
for stage in tools/stages/[0-9]*.sh; do
  name=$(basename "$stage" .sh)
  [ -z "$filter" ] || [[ "$name" == *"$filter"* ]] || continue
  echo "=== stage $name"
  t0=$(date +%s)
  if bash "$stage"; then
    echo "=== stage $name: ok ($(( $(date +%s) - t0 )) s)"
  else
    echo "=== stage $name: FAILED ($(( $(date +%s) - t0 )) s)"
    failed+=("$name")
  fi
done
echo "=== all stages done in $(( $(date +%s) - start_all )) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED stages: ${failed[*]}"
  exit 1
fi
echo "all stages passed"
