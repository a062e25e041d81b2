#!/usr/bin/env bash
# The AVX2 matmul's microkernel alone against the whole packed product and OpenBLAS (probe.c), pinned to
# the last CPU: where the large products lose against the FMA peak (docs/matmul.md). Needs libopenblas-dev.
#   tools/matmul_probe/run.sh            the microkernel at kc 64/256/512, then NN/TN/NT 1024^3 at kc
#                                        256/384/512 (mc 252, the Zen 3's derived blocking otherwise)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${CC:-cc}" -O3 -mavx2 -mfma -mf16c -I"$root/src" -I"$root" "$root/tools/matmul_probe/probe.c" -o "$tmp/probe" \
    -lopenblas -lm
cpu=$(($(nproc) - 1))
for kc in 64 256 512; do taskset -c "$cpu" "$tmp/probe" ukernel "$kc"; done
for form in NN TN NT; do
    for kc in 256 384 512; do taskset -c "$cpu" "$tmp/probe" product 1024 "$form" "$kc" 252 16384 12; done
done
