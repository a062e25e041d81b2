#!/usr/bin/env python3
"""Writes the two crafted Google Benchmark runs (10 repetitions each) that tests/cicheck/time_gate.sh
feeds to `simdgrad ci-check --mode time --contender`. Plain stdlib; rerun only to change the fixtures:
    python3 tests/cicheck/make_time_fixtures.py tests/cicheck
The four cases, each one verdict of the gate (median change > threshold AND U-test p < alpha):
  relu/avx2/n:4096            +25%, clean separation            -> REGRESSION
  relu/scalar/n:4096          +1%                               -> ok (below the 5% threshold)
  matmul_nn/avx2/m:64/n:64/k:64  bimodal noise, median +200%    -> slower, but not significant
  relu_grad/avx2/g0:0.5/n:4096   -20%                           -> ok (faster)
"""
import json
import statistics
import sys

CONTEXT = {"date": "2026-11-26T00:00:00+00:00", "host_name": "fixture", "executable": "crafted",
           "num_cpus": 2, "mhz_per_cpu": 3000, "cpu_scaling_enabled": False, "caches": [],
           "load_avg": [0.0], "library_build_type": "release"}

def jitter(i):
    # deterministic +-0.5% pattern instead of random noise
    return 1.0 + ((i * 7) % 11 - 5) / 1000.0

BASE = {
    "relu/avx2/n:4096": [100.0 * jitter(i) for i in range(10)],
    "relu/scalar/n:4096": [1000.0 * jitter(i) for i in range(10)],
    "matmul_nn/avx2/m:64/n:64/k:64": [100.0] * 6 + [300.0] * 4,
    "relu_grad/avx2/g0:0.5/n:4096": [200.0 * jitter(i) for i in range(10)],
}
CONTENDER = {
    "relu/avx2/n:4096": [125.0 * jitter(i + 3) for i in range(10)],
    "relu/scalar/n:4096": [1010.0 * jitter(i + 3) for i in range(10)],
    "matmul_nn/avx2/m:64/n:64/k:64": [100.0] * 4 + [300.0] * 6,
    "relu_grad/avx2/g0:0.5/n:4096": [160.0 * jitter(i + 3) for i in range(10)],
}

def run(times):
    benchmarks = []
    for family, (name, ts) in enumerate(times.items()):
        common = {"family_index": family, "per_family_instance_index": 0, "run_name": name,
                  "repetitions": len(ts), "threads": 1, "time_unit": "ns"}
        for rep, t in enumerate(ts):
            benchmarks.append(dict(common, name=name, run_type="iteration", repetition_index=rep,
                                   iterations=1000, real_time=t, cpu_time=t))
        aggs = {"mean": statistics.mean(ts), "median": statistics.median(ts), "stddev": statistics.stdev(ts)}
        for agg, v in aggs.items():
            benchmarks.append(dict(common, name=name + "_" + agg, run_type="aggregate", aggregate_name=agg,
                                   aggregate_unit="time", iterations=len(ts), real_time=v, cpu_time=v))
    return {"context": CONTEXT, "benchmarks": benchmarks}

out = sys.argv[1] if len(sys.argv) > 1 else "."
for fname, times in (("time-baseline.json", BASE), ("time-contender.json", CONTENDER)):
    with open(f"{out}/{fname}", "w") as f:
        json.dump(run(times), f, indent=1)
        f.write("\n")
