#!/usr/bin/python3
"""Writes the report tests' fixtures: trimmed copies of the two committed runs, so the tests see real
contexts and real repetitions (and their cv aggregates), only fewer benchmarks. Rerun only to change
them:  /usr/bin/python3 tests/report/make_fixtures.py [--quick RUN.json]
  zen4.json  results/amd-epyc_avx2-avx512_4049c22c/2026-11-26T1321Z.json  (L2 1 MiB, avx512)
  zen3.json  results/amd-epyc_avx2_4049c22c/2026-11-29T2232Z.json          (L2 512 KiB, avx2 only)
  zen3-quick.json  with --quick: a `simdgrad bench --quick --save` run (not committed; the fixture was
             made from one taken on the Zen 3 under load, 2026-11-30), in the counters of issue 12:
             bytes_per_second, items_per_second, roofline_%, FLOP/cycle, bytes/cycle, the level label and
             clock_ghz_measured. Its rates are not evidence of anything; its fields are what it tests.
             Since the report charts every elementwise family, it was remade (2026-11-30) from a run
             with all six of them (relu, relu_grad, relu_mask, relu_grad_mask, round_bf16, round_fp16).
Kept: every ceiling's first round, relu and relu_grad g0:0.5 at every level (scalar, auto_*, ISAs, onednn, so
the relu L2 row is n:65536 in one and n:32768 in the other), two matmul_nn shapes, train steps:1; in the
quick fixture every elementwise family the run has, with every g0 (the report must chart each of them).
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCES = {"zen4.json": "results/amd-epyc_avx2-avx512_4049c22c/2026-11-26T1321Z.json",
           "zen3.json": "results/amd-epyc_avx2_4049c22c/2026-11-29T2232Z.json"}
KEEP = re.compile(r"^(ceiling_|relu/(scalar|auto_avx2|auto_avx512|avx2|avx512|onednn)/"
                  r"|relu_grad/(scalar|auto_avx2|auto_avx512|avx2|avx512)/g0:0\.5/"
                  r"|matmul_nn/[^/]+/m:(4/n:30/k:3|64/n:64/k:64)(/|$)|train/[^/]+/steps:1$)")
# The quick fixture: any elementwise family (<family>/<impl>[/g0:<v>]/n:<n>), not a list of names.
KEEP_QUICK = re.compile(r"^(ceiling_|(?!matmul|train|ceiling)[a-z0-9_]+/(scalar|auto_avx2|auto_avx512|avx2|avx512|onednn)/"
                        r"(g0:[^/]+/)?n:\d+$|matmul_nn/[^/]+/m:(4/n:30/k:3|64/n:64/k:64)(/|$)|train/[^/]+/steps:1$)")
# Fields the report does not read: dropped to keep the fixtures small. items_per_second stays: with
# bytes_per_second it gives each row's bytes per element, which the tests check the report's table against.
DROP = ("family_index", "per_family_instance_index", "threads", "iterations", "elements/s")


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    sources, keep = dict(SOURCES), KEEP
    if argv[:1] == ["--quick"] and len(argv) == 2:
        sources, keep = {"zen3-quick.json": os.path.abspath(argv[1])}, KEEP_QUICK
    for out, src in sources.items():
        with open(os.path.join(ROOT, src), encoding="utf-8") as f:
            doc = json.load(f)
        # Aggregates: only cv (the comparison's noise band) is read. Ceilings: their repetitions only (the report takes the best), not the second round.
        kept = [{k: v for k, v in b.items() if k not in DROP} for b in doc["benchmarks"]
                if keep.match(b["run_name"]) and b.get("aggregate_name") in (None, "cv") and not (b["run_name"].startswith("ceiling_") and
                                                      (b["run_type"] != "iteration" or "/rerun:" in b["run_name"]))]
        doc = {"context": doc["context"], "benchmarks": kept}
        with open(os.path.join(here, out), "w", encoding="utf-8") as f:
            # One benchmark per line: small, and a diff shows which rows changed.
            f.write('{"context": ' + json.dumps(doc["context"], indent=1) + ',\n"benchmarks": [\n')
            f.write(",\n".join(json.dumps(b) for b in kept) + "\n]}\n")
        print(f"{out}: {len(kept)} entries from {src}")


if __name__ == "__main__":
    main(sys.argv[1:])
