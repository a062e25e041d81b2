#!/usr/bin/env python3
"""Functional tests of simdgrad-bench (standard library only; nothing here asserts a timing).

  test_bench.py shim  <simdgrad-bench>  counters of C-registered benchmarks reach the JSON
  test_bench.py sizes <simdgrad-bench>  working sets from a synthetic hwloc topology
  test_bench.py quick <simdgrad>        `simdgrad bench --quick --save` end to end
  test_bench.py noclobber <simdgrad>    `--save` never replaces a saved run; SIMDGRAD_ISA restricts the ISAs
  test_bench.py adhoc <simdgrad>        `--matmul` / `--elementwise` time exactly the requested benchmarks
"""
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from sg_lists import known_isas  # noqa: E402

SKIP = 77



def run(cmd, env=None, timeout=240):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(cmd, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {p.returncode}\nstdout:\n{p.stdout[-3000:]}\nstderr:\n{p.stderr[-3000:]}")
    return p


def check(cond, msg):
    if not cond:
        sys.exit("FAIL: " + msg)


def rel(a, b):
    return abs(a - b) / abs(b) if b else abs(a)


def seconds(b):
    """A run's CPU time per iteration in seconds (what Google Benchmark's rates divide by)."""
    return b["cpu_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]


def level_of(nbytes, caches):
    """bench/sizes.c sgb_level_of, with (L1d, L2, L3 reported, L3 used) from hwloc_caches."""
    l1, l2, l3 = caches[0], caches[1], caches[3] if len(caches) > 3 else caches[2]
    return "L1" if nbytes <= l1 else "L2" if nbytes <= l2 else "L3" if nbytes <= l3 else "DRAM"


def test_shim(exe):
    # relu on the scalar reference (always available) and one training-task matmul shape.
    p = run([exe, "--quick", "--no-peers", "--benchmark_format=json", "--benchmark_min_time=0.001",
             "--benchmark_filter=^(relu/scalar/|matmul_nt/scalar/m:4/n:30/k:1$|ceiling_fma/|ceiling_copy/)"])
    doc = json.loads(p.stdout)
    ctx = doc["context"]
    for key in ("cpu_model", "isas_available", "hwloc_caches", "compiler", "build_flags", "git_revision",
                "pinned_pu", "scalar_baseline"):
        check(key in ctx and ctx[key] != "", f"context lacks {key}: {sorted(ctx)}")
    runs = {b["name"]: b for b in doc["benchmarks"] if b.get("run_type") == "iteration"}
    relu = [n for n in runs if n.startswith("relu/scalar/n:")]
    check(len(relu) == 2, f"expected relu at the L1 and L2 sizes, got {relu}")
    caches = [int(x) for x in re.match(r"L1d (\d+), L2 (\d+), L3 (\d+) \(used (\d+)", ctx["hwloc_caches"]).groups()]
    ghz = float(ctx["clock_ghz_measured"]) if "clock_ghz_measured" in ctx else None
    check(ghz is not None or not re.search(r"avx2|neon", ctx["isas_available"]),
          f"no measured clock in the context: {sorted(ctx)}")
    copy_bw = {}
    for name, b in runs.items():
        if name.startswith("ceiling_copy/"):
            copy_bw[b["label"]] = max(copy_bw.get(b["label"], 0), b["bytes_per_second"])
    for name in relu:
        b = runs[name]
        n = int(name.rsplit(":", 1)[1])
        check(n % 16 == 0, f"{name}: n not a multiple of 16")
        check(b["iterations"] > 0 and b["bytes_per_second"] > 0 and b["items_per_second"] > 0, f"{name}: counters {b}")
        check("bytes/s" not in b and "elements/s" not in b and "roofline" not in b, f"{name}: old counters {b}")
        # Google Benchmark's standard counters are per-iteration amounts over the same CPU time: relu
        # moves 8 bytes per element, and bytes_per_second × the time of one call is one call's bytes.
        check(abs(b["bytes_per_second"] / b["items_per_second"] - 8.0) < 1e-9, f"{name}: bytes / items != 8")
        check(rel(b["bytes_per_second"] * seconds(b), 8.0 * n) < 1e-6, f"{name}: bytes_per_second × time != 8n")
        # The level is the working set's cache level with this run's own cache sizes (bench/sizes.c).
        check(b["label"] == level_of(8 * n, caches), f"{name}: label {b.get('label')} for {8 * n} bytes, {caches}")
        if ghz:
            check(rel(b["bytes/cycle"], b["bytes_per_second"] / (ghz * 1e9)) < 1e-3,
                  f"{name}: bytes/cycle {b['bytes/cycle']} != bytes_per_second / {ghz} GHz")
        # The copy ceilings ran first in the same process, so the roofline percentage is known: relu's
        # bound is the best copy loop of its level.
        if b["label"] in copy_bw:
            check(rel(b.get("roofline_%", 0), 100 * b["bytes_per_second"] / copy_bw[b["label"]]) < 1e-6,
                  f"{name}: roofline_% {b.get('roofline_%')} != 100 × rate / copy ceiling {copy_bw[b['label']]}")
    mm = runs.get("matmul_nt/scalar/m:4/n:30/k:1")
    check(mm is not None, f"matmul_nt/scalar/m:4/n:30/k:1 missing: {sorted(runs)}")
    # FLOP/s over C elements/s = 2·m·n·k / (m·n) = 2k = 2; bytes: A, B and C once, 4·(4 + 30 + 120).
    check(abs(mm["FLOP/s"] / mm["items_per_second"] - 2.0) < 1e-9, f"matmul counters inconsistent: {mm}")
    check(rel(mm["bytes_per_second"] * seconds(mm), 4.0 * (4 + 30 + 120)) < 1e-6, f"matmul bytes: {mm}")
    check(mm["label"] == "L1", f"matmul_nt 4x30x1 not labelled L1: {mm}")
    if ghz:
        # Per cycle = per second / the clock recorded in the context (3 decimals there).
        check(rel(mm["FLOP/cycle"], mm["FLOP/s"] / (ghz * 1e9)) < 1e-3, f"FLOP/cycle != FLOP/s / {ghz} GHz: {mm}")
        for name, b in runs.items():
            if name.startswith("ceiling_fma/"):
                check(rel(b["FLOP/cycle"], b["FLOP/s"] / (ghz * 1e9)) < 1e-3, f"{name}: FLOP/cycle {b}")
    check(any(n.startswith("ceiling_fma/") for n in runs) or "avx2" not in ctx["isas_available"],
          "no FMA ceiling on an AVX2 machine")
    if "hwloc" in ctx.get("topology_source", ""):
        # Pinning: an explicit PU is honoured and recorded; one outside the cpuset is refused.
        p = run([exe, "--cpu", "0", "--no-peers", "--benchmark_format=json", "--benchmark_min_time=0.001",
                 "--benchmark_filter=^relu/scalar/"])
        check(json.loads(p.stdout)["context"]["pinned_pu"] == "0", "--cpu 0 not recorded as pinned_pu 0")
        bad = subprocess.run([exe, "--cpu", "100000", "--benchmark_filter=^$"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        check(bad.returncode == 2 and "cpuset" in bad.stderr, f"--cpu 100000 accepted: {bad.returncode}")
    print(f"shim: {len(runs)} runs, counters and context present")


def test_sizes(exe):
    env = {"HWLOC_SYNTHETIC": "pack:1 l3:1(size=33554432) l2:2(size=1048576) l1d:1(size=49152) core:1 pu:1",
           "SIMDGRAD_L3_BYTES": ""}
    out = run([exe, "--list-sizes"], env).stdout
    if "source=hwloc" not in out:
        print("SKIP: built without hwloc, the synthetic topology cannot be read")
        sys.exit(SKIP)
    vals = dict(re.findall(r"^(\w+)=(\d+)", out, re.M))
    check(vals.get("l1d") == "49152" and vals.get("l2") == "1048576" and vals.get("l3") == "33554432",
          f"caches not from the synthetic topology:\n{out}")
    ws = {m[0]: (int(m[1]), int(m[2]), int(m[3]))
          for m in re.findall(r"^(\w+): working_set=(\d+) relu_n=(\d+) relu_grad_n=(\d+)", out, re.M)}

    def expect(level, working_set):
        relu = working_set // 8 // 16 * 16         # x and y
        grad = working_set // 12 // 16 * 16        # h, dy and dx
        check(ws[level] == (working_set, relu, grad), f"{level}: got {ws[level]}, want {(working_set, relu, grad)}")

    expect("L1", 24576)
    expect("L2", 524288)
    expect("L3", 16777216)
    expect("DRAM", 4 * 33554432)
    # The override flag and the environment variable, and the clamp of an absurd L3.
    out = run([exe, "--list-sizes", "--l3-bytes", "8M"], env).stdout
    check("l3_used=8388608 (--l3-bytes)" in out and "L3: working_set=4194304 " in out, f"--l3-bytes:\n{out}")
    out = run([exe, "--list-sizes"], dict(env, SIMDGRAD_L3_BYTES="4194304")).stdout
    check("l3_used=4194304 (SIMDGRAD_L3_BYTES)" in out, f"SIMDGRAD_L3_BYTES:\n{out}")
    big = dict(env, HWLOC_SYNTHETIC=env["HWLOC_SYNTHETIC"].replace("size=33554432", "size=536870912"))
    out = run([exe, "--list-sizes"], big).stdout
    check("l3=536870912" in out and "(clamped)" in out and "L3: working_set=33554432 " in out,
          f"clamp of a 512 MiB L3 to 64 MiB:\n{out}")
    # The cache-level labels follow the run's caches: with a 48 KiB L1d, 64³ (48 KiB of A, B and C) is
    # an L1 product, where a 32 KiB L1d makes it L2; relu's ½·L1d and ½·L2 sizes are L1 and L2.
    p = run([exe, "--quick", "--no-peers", "--no-pin", "--benchmark_format=json", "--benchmark_min_time=0.001",
             "--benchmark_filter=^(relu/scalar/|matmul_nn/scalar/m:(16|64|128)/)"], env)
    labels = {b["name"]: b.get("label") for b in json.loads(p.stdout)["benchmarks"]}
    want = {"relu/scalar/n:3072": "L1", "relu/scalar/n:65536": "L2", "matmul_nn/scalar/m:16/n:16/k:16": "L1",
            "matmul_nn/scalar/m:64/n:64/k:64": "L1", "matmul_nn/scalar/m:128/n:128/k:128": "L2"}
    check(labels == want, f"cache-level labels {labels}, want {want}")
    print("sizes: synthetic topology, override flag, environment override, clamp and level labels as expected")


def check_ratios(doc, md):
    """The summary's "x scalar" and "x auto" columns are ratios of the JSON's CPU times."""
    cpu = {b["name"]: b["cpu_time"] for b in doc["benchmarks"] if b.get("run_type") == "iteration"}
    hand = [i for i in doc["context"]["isas_available"].split(", ") if i != "scalar"]
    if not hand:
        return
    rows = 0
    for line in md.splitlines():
        m = re.match(r"^\| (relu/n:\d+|matmul_nn/m:\d+/n:\d+/k:\d+) \| L[123] \| (\w+) \| [^|]+ \| [^|]+ \| ([\d.]+) \| "
                     r"([\d.]+) \|", line)
        if not m:
            continue
        kernel, args = m.group(1).split("/", 1)
        t = {impl: cpu.get(f"{kernel}/{impl}/{args}") for impl in ["scalar"] + hand}
        autos = [v for k, v in cpu.items() if k.startswith(f"{kernel}/auto_") and k.endswith("/" + args)]
        best = min(t[i] for i in hand if t[i])
        check(t[m.group(2)] == best, f"{line}: best ISA is not the fastest in the JSON")
        for printed, ref in ((float(m.group(3)), t["scalar"] / best), (float(m.group(4)), min(autos) / best)):
            check(abs(printed - ref) <= 0.006 + 1e-3 * ref, f"{line}: {printed} but the JSON gives {ref:.4f}")
        rows += 1
    check(rows >= 3, f"only {rows} relu/matmul_nn rows checked")


def check_isa_tables(doc, md):
    """The per-kernel size × implementation tables: one per kernel, a column per implementation that
    ran it, a row per size with its level, and the rates those of the JSON."""
    check("### Per kernel: size × implementation" in md, "no per-ISA tables in the summary")
    runs = [b for b in doc["benchmarks"] if b.get("run_type") == "iteration" and not b.get("error_occurred")]
    impls = [n.split("/")[1] for n in (b["name"] for b in runs) if n.startswith("relu/")]
    header = re.search(r"^#### relu \(GB/s\)\n\n\| size \| level \| (.*) \|$", md, re.M)
    check(header is not None, "no relu table")
    cols = header.group(1).split(" | ")
    check(cols[0] == "scalar" and set(cols) == set(impls), f"relu table columns {cols}, implementations {impls}")
    for t in ("relu_grad/g0:0.5 (GB/s)", "matmul_nn (GFLOP/s)", "matmul_tn (GFLOP/s)", "train (GFLOP/s)"):
        check(f"#### {t}\n" in md, f"no {t} table")
    rows = re.findall(r"^\| (n:\d+) \| (L\d) \| (.*) \|$", md[header.start():md.index("####", header.end())], re.M)
    check(len(rows) == 2, f"relu table rows {rows}")
    for size, level, cells in rows:
        for impl, cell in zip(cols, cells.split(" | ")):
            b = next(b for b in runs if b["name"] == f"relu/{impl}/{size}")
            check(b["label"] == level, f"relu/{impl}/{size}: level {level} in the table, {b['label']} in the JSON")
            want = b["bytes_per_second"] / 1e9
            check(abs(float(cell.strip("*")) - want) <= 0.051 + 1e-3 * want, f"relu/{impl}/{size}: {cell} vs {want}")


def test_quick(simdgrad):
    with tempfile.TemporaryDirectory() as d:
        p = run([simdgrad, "bench", "--quick", "--save", "--results-dir", d, "--benchmark_min_time=0.001"],
                timeout=280)
        hosts = os.listdir(d)
        check(len(hosts) == 1, f"expected one host directory in {d}: {hosts}")
        files = sorted(os.listdir(os.path.join(d, hosts[0])))
        check(len(files) == 2 and files[0].endswith(".json") and files[1].endswith(".md")
              and files[0][:-5] == files[1][:-3], f"expected <date>.json and <date>.md, got {files}")
        with open(os.path.join(d, hosts[0], files[0])) as f:
            doc = json.load(f)
        names = [b["name"] for b in doc["benchmarks"]]
        for want in ("relu/scalar/n:", "relu_grad/scalar/g0:0.5/n:", "matmul_tn/scalar/m:3/n:30/k:4",
                     "train/scalar/steps:200"):
            check(any(n.startswith(want) for n in names), f"{want} missing from the JSON")
        with open(os.path.join(d, hosts[0], files[1])) as f:
            md = f.read()
        check("| kernel / size | level | best ISA | rate | per cycle |" in md, "summary table header missing")
        if doc["context"]["isas_available"] != "scalar":
            check(re.search(r"^\| relu/n:\d+ \| L1 \| \w+ \| [\d.]+ GB/s \| [\d.]+ B \| [\d.]+ \|", md, re.M)
                  is not None, "no relu row with bytes/cycle and a speed-up over scalar in the summary")
            check(re.search(r"^\| matmul_nn/m:4/n:30/k:3 \| L1 \| \w+ \| [\d.]+ GFLOP/s \| [\d.]+ FLOP \| ", md, re.M)
                  is not None, "training shape row (with FLOP/cycle) missing")
        check_isa_tables(doc, md)
        check("## simdgrad bench (quick" in p.stdout, "the summary was not printed")
        check_ratios(doc, md)
    print(f"quick: {len(names)} benchmarks, JSON and Markdown summary written")


def test_noclobber(simdgrad):
    tiny = ["bench", "--save", "--quick", "--no-peers", "--benchmark_filter=^relu/", "--benchmark_min_time=0.001"]
    with tempfile.TemporaryDirectory() as d:
        run([simdgrad] + tiny + ["--results-dir", d], timeout=120)
        hosts = os.listdir(d)
        check(len(hosts) == 1, f"expected one host directory: {hosts}")
        host = os.path.join(d, hosts[0])
        first = sorted(os.listdir(host))
        check(len(first) == 2 and re.fullmatch(r"\d{4}-\d\d-\d\dT\d{6}Z\.json", first[0]) is not None,
              f"expected <YYYY-MM-DDTHHMMSSZ>.json and .md, got {first}")
        # Every name the next run could take for the coming 20 s is taken (only the .json for some
        # seconds, only the .md for others): it must pick the -1 suffix and replace nothing.
        now = datetime.datetime.now(datetime.timezone.utc)
        taken = {}
        for s in range(-1, 20):
            stamp = (now + datetime.timedelta(seconds=s)).strftime("%Y-%m-%dT%H%M%SZ")
            for ext in ((".json", ".md") if s % 3 == 0 else (".json",) if s % 3 == 1 else (".md",)):
                path = os.path.join(host, stamp + ext)
                if not os.path.exists(path):
                    with open(path, "w") as f:
                        f.write("placeholder " + stamp + ext)
                with open(path) as f:
                    taken[path] = f.read()
        env = {"SIMDGRAD_ISA": "scalar"}
        p = run([simdgrad] + tiny + ["--results-dir", d], env=env, timeout=120)
        for path, text in taken.items():
            with open(path) as f:
                check(f.read() == text, f"{path} was replaced")
        new = sorted(set(os.listdir(host)) - set(first) - {os.path.basename(p) for p in taken})
        check(len(new) == 2 and new[0].endswith("Z-1.json") and new[1] == new[0][:-5] + ".md",
              f"expected <stamp>-1.json and .md beside the taken names, got {new}")
        check(not [f for f in os.listdir(host) if ".tmp." in f], "a temporary file was left behind")
        # SIMDGRAD_ISA=scalar: no hand-written kernel of another ISA ran, the baselines did.
        with open(os.path.join(host, new[0])) as f:
            doc = json.load(f)
        impls = {b["name"].split("/")[1] for b in doc["benchmarks"]}
        check(doc["context"]["isas_timed"].startswith("SIMDGRAD_ISA=scalar") and "scalar" in impls
              and not impls & set(known_isas()) - {"scalar"}, f"SIMDGRAD_ISA=scalar ran {sorted(impls)}")
        check("wrote " in p.stderr, "no 'wrote' line")
    print(f"noclobber: {len(taken)} taken names kept, the run saved as {new[0]}")


def listing(simdgrad, *args):
    env = {"SIMDGRAD_ISA": ""}
    out = run([simdgrad, "bench", *args, "--benchmark_list_tests=true"], env).stdout.split()
    check(len(out) == len(set(out)), f"{args}: a benchmark listed twice")
    return [re.sub(r"/manual_time$", "", n) for n in out]


def test_adhoc(simdgrad):
    """The ad-hoc flags register exactly the requested shapes and sizes for every implementation that a
    normal run times (taken from the --quick listing: scalar, auto_*, each ISA, the peers), plus the
    ceilings, and nothing else (no training step, no cache-derived size)."""
    mm, elt = "64x64x64,NT,TT,4x30x3", "1000,32kB"
    shapes = [("nt", 64, 64, 64), ("tt", 64, 64, 64), ("nn", 4, 30, 3)]
    # What each family makes of the sizes, from the same program: a count is used as is; 32kB is 32000
    # bytes of all the family's arrays (relu: x, y = 8 bytes an element -> 4000; relu_grad: 12 -> 2666).
    sizes = run([simdgrad, "bench", "--list-sizes", "--elementwise", elt]).stdout
    per_size = {}
    for text in ("1000", "32kB"):
        m = re.search(r"^%s: (.*)$" % text, sizes, re.M)
        check(m, f"--list-sizes lacks the ad-hoc size {text}:\n{sizes}")
        per_size[text] = {k: int(v) for k, v in re.findall(r"(\w+)_n=(\d+)", m.group(1))}
    check(all(v == 1000 for v in per_size["1000"].values()), f"a count is not used as is: {per_size}")
    check(per_size["32kB"].get("relu") == 4000 and per_size["32kB"].get("relu_grad") == 2666,
          f"32kB is not 32000 bytes of arrays: {per_size['32kB']}")

    quick = listing(simdgrad, "--quick")
    want = set()
    for name in quick:
        parts = name.split("/")
        kernel = parts[0]
        if kernel in per_size["32kB"]:      # elementwise: <kernel>/<impl>[/<param>]/n:<n>
            prefix = "/".join(parts[:-1])
            for text in per_size:
                want.add(f"{prefix}/n:{per_size[text][kernel]}")
        elif kernel.startswith("matmul_"):  # matmul_<form>/<impl>/m:/n:/k:
            for form, m_, n_, k_ in shapes:
                want.add(f"matmul_{form}/{parts[1]}/m:{m_}/n:{n_}/k:{k_}")
    got = listing(simdgrad, "--matmul", mm, "--elementwise", elt)
    kernels = {n for n in got if not n.startswith("ceiling_")}
    check(kernels == want, f"ad-hoc benchmarks differ from the request:\n  missing {sorted(want - kernels)}"
          f"\n  extra {sorted(kernels - want)}")
    check(any(n.startswith("ceiling_fma/") for n in got) or "ceiling_fma/" not in " ".join(quick),
          "no FMA ceiling in an ad-hoc run")
    reruns = [n for n in got if "/rerun:" in n]
    check(all(re.sub(r"/rerun:1", "", n) in got for n in reruns),
          f"a ceiling rerun at a level this ad-hoc run does not measure: {reruns}")
    # Only one flag: only that kind.
    only_mm = listing(simdgrad, "--matmul", "4x30x3")
    check(all(n.startswith(("matmul_nn/", "ceiling_")) and "/m:4/n:30/k:3" in n or n.startswith("ceiling_")
              for n in only_mm), f"--matmul alone ran more: {only_mm}")

    # A real run: the JSON holds exactly the listed benchmarks, says it is ad hoc, and the console
    # summary has the requested rows.
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "run.json")
        p = run([simdgrad, "bench", "--matmul", "16x8x4,TN", "--elementwise", "32kB", "--quiet",
                 "--benchmark_min_time=0.001", "--benchmark_repetitions=1", f"--benchmark_out={out}"],
                {"SIMDGRAD_ISA": ""})
        with open(out) as f:
            doc = json.load(f)
        listed = listing(simdgrad, "--matmul", "16x8x4,TN", "--elementwise", "32kB")
        ran = [re.sub(r"/manual_time$", "", b["name"]) for b in doc["benchmarks"] if b.get("run_type") == "iteration"]
        check(sorted(ran) == sorted(listed), f"the run differs from the listing: {sorted(set(ran) ^ set(listed))}")
        ctx = doc["context"]
        check(ctx.get("mode") == "adhoc" and ctx.get("adhoc_matmul") == "16x8x4,TN"
              and ctx.get("adhoc_elementwise") == "32kB", f"context: {ctx}")
        check("matmul_tn/scalar/m:16/n:8/k:4" in ran and "relu/scalar/n:4000" in ran, f"ran {ran}")
        check("| matmul_tn/m:16/n:8/k:4 |" in p.stdout and "| relu/n:4000 |" in p.stdout,
              f"summary rows missing:\n{p.stdout[-3000:]}")
        check(p.stderr.count("\r") == 0, "progress on a stderr that is not a terminal")
    print(f"adhoc: {len(kernels)} benchmarks exactly as requested; a run saved them all")


if __name__ == "__main__":
    {"shim": test_shim, "sizes": test_sizes, "quick": test_quick,
     "noclobber": test_noclobber, "adhoc": test_adhoc}[sys.argv[1]](sys.argv[2])
