#!/usr/bin/env python3
"""Writes the hand-made seeds of the fuzz corpora (tests/fuzz/corpus/<target>/). Re-run after changing
a target's input layout. The corpora also hold inputs named by content hash: units that increased
coverage in long local runs, merged in with `fuzz-<target> -merge=1 tests/fuzz/corpus/<target> <run dir>`,
and crash-* inputs that once failed. All are replayed by every build (suite 'fuzz')."""
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "corpus", "kernels")
os.makedirs(out, exist_ok=True)
specials = [0.0, -0.0, 1.0, -1.0, float("inf"), float("-inf"), float("nan"), 1e-45, -1e-45, 3.4e38, 2.5, -7.0]


def floats(count, start=0):
    return b"".join(struct.pack("<f", specials[(start + i) % len(specials)]) for i in range(count))


# The family list, in the order of src/simdgrad.h (SG_FAMILY_ROWS), read the way meson.build reads it.
with open(os.path.join(here, "..", "..", "src", "simdgrad.h")) as f:
    families = [l.strip().split(",")[1].strip() for l in f if l.strip().startswith("X(ctx, ")]


def selector(family):
    # fuzz_kernels.c: family = first byte % family count; the index itself stays valid when families are
    # appended
    return families.index(family)


def elementwise(family, n, ox, oy, oz, in_place, g0):
    # selector, n (lo, hi%4), one offset per array (at least 3: inputs from the front, outputs from the
    # back), in-place flag (0 => in place), the parameter (one slot even without one), then the inputs
    head = bytes([selector(family), n & 0xFF, (n >> 8) & 3, ox, oy, oz, 0 if in_place else 1]) + struct.pack("<f", g0)
    return head + floats(n) + floats(n, 5)


def matmul(ta, tb, m, n, k, pads, offs):
    big = 31 if max(m, n, k) >= 70 else 0  # fuzz_kernels: a 31 here allows dimensions up to 160
    head = bytes([selector("matmul"), ta, tb, big, m, n, k] + list(pads) + list(offs))
    return head + floats(m * k + 8) + floats(k * n + 8, 3)


seeds = {}
for n in (0, 1, 7, 8, 15, 16, 17, 31, 33, 64, 100, 257):
    seeds[f"relu-n{n}"] = elementwise("relu", n, n % 16, (n * 3) % 16, (n * 5) % 16, n % 2 == 0, 1.0)
    for g0 in (1.0, 0.0, 0.5):
        seeds[f"relu_grad-n{n}-g{g0}"] = elementwise("relu_grad", n, n % 16, (n * 7) % 16, 3, n % 3 == 0, g0)
for ta in (0, 1):
    for tb in (0, 1):
        for (m, n, k) in ((4, 30, 3), (4, 1, 30), (30, 1, 4), (4, 30, 1), (3, 30, 4), (0, 5, 3), (5, 5, 0), (17, 33, 9),
                          (150, 140, 131)):
            seeds[f"matmul-{ta}{tb}-{m}x{n}x{k}"] = matmul(ta, tb, m, n, k, (1, 0, 3), (1, 2, 3, 0))

for name, blob in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(blob)
print(f"wrote {len(seeds)} seeds to {out}", file=sys.stderr)

# ---- .npy reader seeds (tests/fuzz/corpus/npy/) ----
npy_out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "npy")
os.makedirs(npy_out, exist_ok=True)


def npy(header, payload=b"", major=1, pad_to=64):
    h = header.encode("latin1")
    len_bytes = 2 if major == 1 else 4
    total = 6 + 2 + len_bytes + len(h) + 1
    h += b" " * ((pad_to - total % pad_to) % pad_to) + b"\n"
    size = struct.pack("<H", len(h)) if major == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([major, 0]) + size + h + payload


def dict_(descr="<f4", fortran="False", shape="(2, 3)"):
    return "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)


f4 = lambda n: b"".join(struct.pack("<f", specials[i % len(specials)]) for i in range(n))
f8 = lambda n: b"".join(struct.pack("<d", specials[i % len(specials)]) for i in range(n))
npy_seeds = {
    "ok-f4-2x3": npy(dict_(), f4(6)),
    "ok-f8-4x1": npy(dict_("<f8", shape="(4, 1)"), f8(4)),
    "ok-v2": npy(dict_(), f4(6), major=2),
    "ok-v3": npy(dict_(), f4(6), major=3),
    "ok-v1-16-aligned": npy(dict_(shape="(1, 1)"), f4(1), pad_to=16),
    "fortran": npy(dict_(fortran="True"), f4(6)),
    "one-d": npy(dict_(shape="(6,)"), f4(6)),
    "three-d": npy(dict_(shape="(1, 2, 3)"), f4(6)),
    "big-endian": npy(dict_(">f4"), f4(6)),
    "int32": npy(dict_("<i4"), f4(6)),
    "truncated-data": npy(dict_(), f4(5)),
    "extra-data": npy(dict_(), f4(7)),
    "huge-shape": npy(dict_(shape="(4294967296, 4294967296)"), f4(6)),
    "huge-but-under-limit": npy(dict_(shape="(16384, 16384)"), f4(6)),
    "empty-shape": npy(dict_(shape="(0, 3)")),
    "no-dict": npy("hello", f4(6)),
    "missing-key": npy("{'descr': '<f4', 'shape': (2, 3), }", f4(6)),
    "repeated-key": npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f4(6)),
    "bad-magic": b"\x93NUMPZ\x01\x00" + b"\x00" * 60,
    "header-len-past-eof": b"\x93NUMPY\x01\x00\xff\xff{'descr'",
    "bad-version": b"\x93NUMPY\x04\x00" + b"\x00" * 60,
    "short": b"\x93NUM",
}
for name, blob in npy_seeds.items():
    with open(os.path.join(npy_out, name), "wb") as f:
        f.write(blob)
print(f"wrote {len(npy_seeds)} seeds to {npy_out}", file=sys.stderr)

# ---- CLI seeds (tests/fuzz/corpus/cli/): the argv of every bad-input case, plus good runs ----
import shlex  # noqa: E402

cli_out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "cli")
os.makedirs(cli_out, exist_ok=True)
subcommands = ["train", "info", "bench", "help", "--version", "bogus", "ci-check", "report",
               "study"]  # order as in fuzz_cli.c
cases = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bad-inputs", "cases.tsv")
argvs = {"good-train": ["train", "--isa", "all", "--grad-at-zero", "all", "--steps", "3"],
         "good-xor": ["train", "--data", "xor", "--hidden", "8", "--lr", "0.01"],
         "good-files": ["train", "--x", "x.npy", "--y", "y.npy", "--w1", "w1.npy", "--w2", "w2.npy"],
         "info": ["info"], "bench-quick": ["bench", "--quick"], "help": ["train", "--help"],
         "ci-icount": ["ci-check", "--threshold", "2"], "ci-update": ["ci-check", "--update-baseline"],
         "study": ["study", "--seed-range", "3..9", "--precision", "bf16,f32", "--threads", "2", "--csv", "-"],
         "study-xor": ["study", "--data", "xor", "--seeds", "5", "--steps", "20", "--json", "s.json"],
         "ci-time": ["ci-check", "--mode", "time", "--baseline", "b.json", "--contender", "c.json", "--alpha", "0.01"]}
with open(cases) as f:
    for line in f:
        if line.startswith("#") or not line.strip():
            continue
        name, argv = line.split("\t")[:2]
        argvs["case-" + name] = shlex.split(argv)
written = 0
for name, argv in argvs.items():
    if not argv or argv[0] not in subcommands:
        continue
    blob = bytes([subcommands.index(argv[0])]) + b"\0".join(a.encode() for a in argv[1:])
    with open(os.path.join(cli_out, name), "wb") as f:
        f.write(blob)
    written += 1
print(f"wrote {written} seeds to {cli_out}", file=sys.stderr)

# ---- ci-check JSON seeds (tests/fuzz/corpus/json/): one file of each kind ci-check reads ----
import json  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
json_out = os.path.join(here, "corpus", "json")
os.makedirs(json_out, exist_ok=True)


def icount(counts_text):
    return ('{\n  "format": "simdgrad-icount-1",\n  "compiler": "gcc 12.2.0",\n  "buildtype": "release",\n'
            '  "cpu_family": "x86_64",\n  "calls_per_case": 3,\n  "unit": "instructions per call (callgrind Ir)",\n'
            '  "counts": {\n%s\n  }\n}\n' % counts_text).encode()


def gbench(entries, context=None):
    ctx = context or {"date": "2026-11-26T00:00:00+00:00", "host_name": "fixture", "num_cpus": 2,
                      "caches": [{"type": "Data", "level": 1, "size": 32768, "num_sharing": 1}],
                      "cpu_model": "AMD EPYC", "isas_available": "scalar, avx2", "compiler": "gcc 12.2.0"}
    return (json.dumps({"context": ctx, "benchmarks": entries}, indent=2) + "\n").encode()


def entry(name, t, rep=0, run_type="iteration", **extra):
    e = {"name": name, "family_index": 0, "per_family_instance_index": 0, "run_name": name, "run_type": run_type,
         "repetitions": 3, "repetition_index": rep, "threads": 1, "iterations": 1000, "real_time": t, "cpu_time": t,
         "time_unit": "ns"}
    e.update(extra)
    return e


def report_row(name, change, p=None, run_type=""):
    m = {"real_time": 100.0, "cpu_time": 100.0, "real_time_other": 100.0 * (1 + change),
         "cpu_time_other": 100.0 * (1 + change), "time": change, "cpu": change}
    ut = {} if p is None else {"have_optimal_repetitions": True, "cpu_pvalue": p, "time_pvalue": p,
                               "nr_of_repetitions": 10, "nr_of_repetitions_other": 10}
    return {"name": name, "label": "", "measurements": [m], "time_unit": "ns", "run_type": run_type,
            "aggregate_name": "median" if run_type else "", "utest": ut}


json_seeds = {
    "icount-ok": icount('    "relu/avx2/n:7": 53,\n    "train_step/scalar": 24512'),
    "icount-odd-names": icount('    "relu/\\"q\\"\\\\avx2": 1,\n    "a\\u00e9\\ud83d\\ude00\\n": 18446744073709551614'),
    "icount-string": icount('    "relu/avx2/n:7": "53"'),
    "icount-nan": icount('    "relu/avx2/n:7": NaN'),
    "icount-negative": icount('    "relu/avx2/n:7": -53'),
    "icount-object": icount('    "relu/avx2/n:7": {}'),
    "icount-1e300": icount('    "relu/avx2/n:7": 1e300'),
    "icount-infinity": icount('    "relu/avx2/n:7": Infinity'),
    "icount-fraction": icount('    "relu/avx2/n:7": 53.5'),
    "icount-2pow64": icount('    "relu/avx2/n:7": 18446744073709551616'),
    "icount-empty": icount(""),
    "icount-duplicate": icount('    "a": 1,\n    "a": 2'),
    "gbench-ok": gbench([entry("relu/avx2/n:4096", 100.5, r) for r in range(3)] +
                        [entry("relu/avx2/n:4096_median", 100.5, run_type="aggregate", aggregate_name="median",
                               aggregate_unit="time")]),
    "gbench-long-number": gbench([entry("a", 1.0)]).replace(b'"real_time": 1.0',
                                                            b'"real_time": 1.' + b"0" * 70 + b"1"),
    "gbench-benchmarks-5": b'{"benchmarks": 5}\n',
    "gbench-empty": gbench([]),
    "gbench-bad-unit": gbench([entry("a", 1.0, time_unit="weeks")]),
    "gbench-string-index": gbench([entry("a", 1.0, repetition_index="0")]),
    "report-ok": (json.dumps([report_row("relu/avx2/n:4096", 0.25, 0.0002),
                              report_row("relu/avx2/n:4096_median", 0.25, run_type="aggregate"),
                              report_row("relu/scalar/n:4096", float("nan"))]) + "\n").encode(),
    "report-no-name": b'[{"measurements": []}]\n',
    "lenient-single-quote": b"{'a': 1}\n",
    "lenient-trailing-comma": b'{"a": [1, 2,]}\n',
    "lenient-comment": b'/* c */ {"a": 1}\n',
    "lenient-point": b"[1., 2.e5]\n",
    "lenient-control": b'["a\tb"]\n',
    "deep": b"[" * 40 + b"]" * 40,
    "bare-number": b"-0.5e-3",
    "specials": b'[NaN, Infinity, -Infinity, true, false, null, "\\u0000", "\\ud800"]',
}
for name, blob in json_seeds.items():
    with open(os.path.join(json_out, name), "wb") as f:
        f.write(blob)
for src, name in (("../../results/baseline/icount-gcc-12.2.0.json", "committed-icount-gcc-12.2.0"),
                  ("../cicheck/time-contender.json", "time-contender")):
    with open(os.path.join(here, src), "rb") as f, open(os.path.join(json_out, name), "wb") as g:
        g.write(f.read())
print(f"wrote {len(json_seeds) + 2} seeds to {json_out}", file=sys.stderr)
