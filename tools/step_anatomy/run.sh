#!/usr/bin/env bash
# Where the fused AVX2 training step's time goes (docs/training-step.md): the shipped step against copies
# of it with parts removed, timed alternately in one process (driver.c), pinned to the last CPU.
#   V0 w1 not stored: the next step's forward no longer waits for this step's backward
#   V1 neither w1 nor w2 stored: no dependency between steps at all
#   V2 no backward: forward, y_pred's chain and the loss only
# The variants compute wrong weights on purpose; they exist only to be timed. Usage (after a native build):
#   tools/step_anatomy/run.sh [build-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc=${CC:-cc}
flags=(-O3 -mavx2 -mfma -mf16c -I"$root/src" -I"$root" -I"$build/src" -I"$tmp")
libs=("$build/src/libsg_task.a" "$build/src/libsimdgrad.a" "$build/src/libsg_util.a" -lm -lpthread)
cpu=$(($(nproc) - 1))

sed 's|#include "simd/avx2/train_step_fused.h"|#include "fused.h"|' "$root/simd/avx2/train_step.c" >"$tmp/step.c"
cp "$root/simd/avx2/train_step_fused.h" "$tmp/fused.h"
"$cc" "${flags[@]}" -Dsg_avx2_train_step=A_step -c "$tmp/step.c" -o "$tmp/a.o"

variant() { # name, python edit of the fused header
    python3 - "$root/simd/avx2/train_step_fused.h" "$tmp/fused.h" "$2" <<'PYEOF'
import sys
src, dst, edit = sys.argv[1], sys.argv[2], sys.argv[3]
s = open(src).read()
keep = '{ const __m256 nw = %s; __asm__ volatile("" ::"x"(nw)); }'
w1 = 'store_row(w1 + p * TH, v, _mm256_sub_ps(load_row(w1 + p * TH, v), _mm256_mul_ps(lrv, acc[v])));'
w2 = 'store_row(w2, v, _mm256_sub_ps(load_row(w2, v), _mm256_mul_ps(lrv, acc)));'
bw = '''    if (special)
        backward_exact(x, w1, w2, g, lr, g0, counts);
    else
        backward(x, w1, w2, hr, g, lr, g0, 0, counts);'''
for part in (w1, w2, bw):
    assert part in s, part
if edit in ('V0', 'V1'):
    s = s.replace(w1, keep % '_mm256_sub_ps(load_row(w1 + p * TH, v), _mm256_mul_ps(lrv, acc[v]))')
if edit == 'V1':
    s = s.replace(w2, keep % '_mm256_sub_ps(load_row(w2, v), _mm256_mul_ps(lrv, acc))')
if edit == 'V2':
    s = s.replace(bw, '    (void)g, (void)lr, (void)g0, (void)backward_exact, (void)backward;')
open(dst, 'w').write(s)
PYEOF
    "$cc" "${flags[@]}" -Dsg_avx2_train_step=V_step -c "$tmp/step.c" -o "$tmp/v.o"
    "$cc" -O2 -I"$root/src" -I"$build/src" "$root/tools/step_anatomy/driver.c" "$tmp/a.o" "$tmp/v.o" \
        -o "$tmp/driver" "${libs[@]}"
    taskset -c "$cpu" "$tmp/driver" "$1"
}
variant "V0 (w1 not stored)" V0
variant "V1 (no weight stored)" V1
variant "V2 (no backward)" V2
