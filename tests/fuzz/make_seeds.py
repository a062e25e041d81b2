#!/usr/bin/env python3
"""Writes the seed corpus for fuzz_kernels (tests/fuzz/corpus/kernels/). Re-run after changing
the input layout of fuzz_kernels.c; the output is checked in so the replay test is stable."""
import os
import struct
import sys

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "kernels")
os.makedirs(out, exist_ok=True)
specials = [0.0, -0.0, 1.0, -1.0, float("inf"), float("-inf"), float("nan"), 1e-45, -1e-45, 3.4e38, 2.5, -7.0]


def floats(count, start=0):
    return b"".join(struct.pack("<f", specials[(start + i) % len(specials)]) for i in range(count))


def elementwise(kernel, n, ox, oy, oz, in_place, g0):
    # selector, n (lo, hi%4), offsets, in-place flag (0 => in place), g0, then x and dy values
    head = bytes([kernel, n & 0xFF, (n >> 8) & 3, ox, oy, oz, 0 if in_place else 1]) + struct.pack("<f", g0)
    return head + floats(n) + floats(n, 5)


def matmul(ta, tb, m, n, k, pads, offs):
    head = bytes([2, ta, tb, m, n, k] + list(pads) + list(offs))
    return head + floats(m * k + 8) + floats(k * n + 8, 3)


seeds = {}
for n in (0, 1, 7, 8, 15, 16, 17, 31, 33, 64, 100, 257):
    seeds[f"relu-n{n}"] = elementwise(0, n, n % 16, (n * 3) % 16, (n * 5) % 16, n % 2 == 0, 1.0)
    for g0 in (1.0, 0.0, 0.5):
        seeds[f"relu_grad-n{n}-g{g0}"] = elementwise(1, n, n % 16, (n * 7) % 16, 3, n % 3 == 0, g0)
for ta in (0, 1):
    for tb in (0, 1):
        for (m, n, k) in ((4, 30, 3), (4, 1, 30), (30, 1, 4), (4, 30, 1), (3, 30, 4), (0, 5, 3), (5, 5, 0), (17, 33, 9)):
            seeds[f"matmul-{ta}{tb}-{m}x{n}x{k}"] = matmul(ta, tb, m, n, k, (1, 0, 3), (1, 2, 3, 0))

for name, blob in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(blob)
print(f"wrote {len(seeds)} seeds to {out}", file=sys.stderr)
