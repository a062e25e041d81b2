#!/usr/bin/env bash
# Executed AArch64 instructions per kernel call, counted by qemu-user (one instruction per
# translation block, every block execution logged). EMULATED — NOT A TIMING: it measures how much
# work a kernel does, not how fast a real core runs it.
#   cross/qemu-icount.sh [build-arm] [reps]       (QEMU_CPU picks the emulated CPU, default 'max')
set -euo pipefail
build="${1:-build-arm}"
reps="${2:-5}"
drv="$build/tests/arm/arm_icount"
[ -x "$drv" ] || { echo "qemu-icount: $drv not built (meson compile -C $build)"; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
count() { # isa workload reps -> executed instructions
  qemu-aarch64 -L /usr/aarch64-linux-gnu -singlestep -d exec,nochain -D "$log" "$drv" "$1" "$2" "$3"
  wc -l <"$log"
}
isas=$(qemu-aarch64 -L /usr/aarch64-linux-gnu "$drv" list)
printf '%-19s' "workload"; for isa in $isas; do printf '%12s' "$isa"; done; echo "   (QEMU_CPU=${QEMU_CPU:-max})"
for w in train step step_unfused matmul64 relu4096 relu_grad4096 relu_mask4096 relu_grad_mask4096; do
  printf '%-19s' "$w"
  for isa in $isas; do
    base=$(count "$isa" "$w" 0)
    full=$(count "$isa" "$w" "$reps")
    printf '%12d' $(( (full - base) / reps ))
  done
  echo
done
echo "instructions per call, emulated — not a timing"
