#!/usr/bin/env python3
"""Before/after of the large-shape matmul against the peers, interleaved in one session.

usage: matmul_compare.py ROUNDS LABEL=BENCH [LABEL=BENCH ...]

Runs each simdgrad-bench binary in turn, ROUNDS times (A B A B ...), each run timing the avx2 FMA
ceiling and matmul NN/TN/NT 256..2048 for avx2, OpenBLAS and oneDNN with 3 repetitions, and prints a
markdown table per label: the best (lowest) CPU time of every benchmark over all its runs, its
GFLOP/s, % of the best measured FMA ceiling of that label's runs, and x peer = peer's best time /
avx2's best time (peers are timed in the same runs). Interleaving keeps slow drifts in the machine's
load from favouring one binary."""
import json
import os
import subprocess
import sys

FILTER = r"ceiling_fma/avx2$|matmul_(nn|tn|nt)/(avx2|openblas|onednn)/m:(256|512|1024|2048)/"


def run(bench):
    out = subprocess.run([bench, f"--benchmark_filter={FILTER}", "--benchmark_repetitions=3",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    rounds = int(argv[1])
    bins = [a.split("=", 1) for a in argv[2:]]
    best = {label: {} for label, _ in bins}  # label -> name -> (cpu_time, flops per second)
    loads = []
    for _ in range(rounds):
        for label, path in bins:
            loads.append(os.getloadavg()[0])
            doc = run(path)
            for b in doc["benchmarks"]:
                if b.get("run_type") != "iteration":
                    continue
                t = b["cpu_time"]
                prev = best[label].get(b["name"])
                if prev is None or t < prev[0]:
                    best[label][b["name"]] = (t, b.get("FLOP/s", 0.0))
    print(f"load average (1 min) at the start of each run: {min(loads):.1f}..{max(loads):.1f}\n")
    for label, _ in bins:
        res = best[label]
        peak = res.get("ceiling_fma/avx2", (0, 0))[1]
        print(f"### {label}: FMA ceiling avx2 {peak / 1e9:.1f} GFLOP/s\n")
        print("| shape | avx2 GFLOP/s | % of FMA ceiling | x OpenBLAS | x oneDNN |")
        print("|---|---|---|---|---|")
        for s in (256, 512, 1024, 2048):
            for form in ("nn", "tn", "nt"):
                args = f"m:{s}/n:{s}/k:{s}"
                own = res.get(f"matmul_{form}/avx2/{args}")
                if not own:
                    continue
                cells = []
                for peer in ("openblas", "onednn"):
                    p = res.get(f"matmul_{form}/{peer}/{args}")
                    cells.append(f"{p[0] / own[0]:.2f}" if p else "–")
                pct = f"{100 * own[1] / peak:.0f}%" if peak else "–"
                print(f"| {form.upper()} {s}³ | {own[1] / 1e9:.1f} | {pct} | {cells[0]} | {cells[1]} |")
        print()


if __name__ == "__main__":
    main(sys.argv)
