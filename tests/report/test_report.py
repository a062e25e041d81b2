#!/usr/bin/python3
"""Tests of simdgrad report (suite 'report'), on the trimmed real runs zen4.json / zen3.json
(make_fixtures.py). Exit 77 (skipped) with a message when matplotlib is missing.

  test_report.py render    <simdgrad_report.py> <fixtures dir>   one run: files, PNG magic, SVG XML + series names
  test_report.py match     <simdgrad_report.py> <fixtures dir>   cross-level matching of Zen 4 vs Zen 3 rows
  test_report.py compare   <simdgrad_report.py> <fixtures dir>   two runs: comparison chart, unmatched rows listed
  test_report.py cli       <simdgrad>           <fixtures dir>   `simdgrad report` execs the renderer; bad input
  test_report.py agreement <simdgrad-agreement> <simdgrad_report.py> <fixtures dir> <its broken-relu build>
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SKIP = 77
PY = "/usr/bin/python3"


def check(cond, msg):
    if not cond:
        sys.exit("FAIL: " + msg)


def need_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("SKIP: matplotlib is missing (Debian: apt-get install python3-matplotlib)")
        sys.exit(SKIP)


def run(cmd, env=None, want=0):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(cmd, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=240)
    check(p.returncode == want, f"{' '.join(cmd)} exited {p.returncode}, want {want}\n"
                                f"stdout:\n{p.stdout[-2000:]}\nstderr:\n{p.stderr[-2000:]}")
    return p


def svg_texts(path):
    root = ET.parse(path).getroot()  # raises if the SVG is not well-formed XML
    return " ".join("".join(el.itertext()) for el in root.iter() if el.tag.endswith("text"))


def check_png(path):
    with open(path, "rb") as f:
        check(f.read(8) == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG")


def check_chart(out, stem, series):
    png, svg = os.path.join(out, stem + ".png"), os.path.join(out, stem + ".svg")
    check(os.path.isfile(png) and os.path.isfile(svg), f"{stem}.png/.svg missing in {os.listdir(out)}")
    check_png(png)
    texts = svg_texts(svg)
    for s in series:
        check(s in texts, f"{stem}.svg: series '{s}' not found as text")


def test_render(script, fixtures):
    need_matplotlib()
    with tempfile.TemporaryDirectory() as out:
        run([PY, script, os.path.join(fixtures, "zen4.json"), "--out", out, "--no-agreement"])
        impls = ["scalar", "auto_avx2", "auto_avx512", "avx2", "avx512"]
        check_chart(out, "throughput", impls + ["onednn", "relu", "relu_grad/g0:0.5", "L1d 32 KiB", "L2 1 MiB"])
        check_chart(out, "roofline", ["scalar", "avx2", "avx512", "FMA peak", "DRAM"])
        check_chart(out, "speedup", ["avx2", "avx512", "relu L2 (n:65536)", "matmul_nn 64x64x64"])
        with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
            md = f.read()
        for stem in ("throughput", "roofline", "speedup"):
            check(f"]({stem}.png)" in md and f"({stem}.svg)" in md, f"report.md does not embed {stem}")
        # The headline row of the committed summary (README): relu L1, avx2, 224.3 GB/s, x22.70 scalar.
        check("| relu n:2048 (L1) | avx2 | 224.3 GB/s | 22.70 | 1.37 | 96% |" in md, "relu L1 headline row")
        check("#### relu_grad/g0:0.5 (GB/s)" in md and "#### matmul_nn (GFLOP/s)" in md, "per-kernel tables")
        check("left out (--no-agreement)" in md, "report.md must say the agreement matrix was left out")
    # A run filtered to matmul (--benchmark_filter): no throughput chart, and report.md embeds none.
    with open(os.path.join(fixtures, "zen4.json"), encoding="utf-8") as f:
        doc = json.load(f)
    doc["benchmarks"] = [b for b in doc["benchmarks"] if not b["run_name"].startswith("relu")]
    with tempfile.TemporaryDirectory() as out:
        path = os.path.join(out, "matmul-only.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        run([PY, script, path, "--no-agreement"])
        rep = os.path.join(out, "report")
        check(not os.path.exists(os.path.join(rep, "throughput.png")), "throughput chart without elementwise rows")
        check_chart(rep, "roofline", ["matmul square (NN)"])
        with open(os.path.join(rep, "report.md"), encoding="utf-8") as f:
            md = f.read()
        check("throughput.png" not in md and "](roofline.png)" in md, "report.md embeds only the charts drawn")
    print("ok: render")


def load_modules(script):
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    import sgr_match
    import sgr_run
    return sgr_run, sgr_match


def test_match(script, fixtures):
    sgr_run, sgr_match = load_modules(script)
    z4 = sgr_run.load(os.path.join(fixtures, "zen4.json"))
    z3 = sgr_run.load(os.path.join(fixtures, "zen3.json"))
    check(z4.caches[1] == 1 << 20 and z3.caches[1] == 512 << 10, f"L2 sizes {z4.caches} {z3.caches}")
    comp = sgr_match.Comparison(z4, z3)
    by_key = {p.key: p for p in comp.pairs}
    # relu's L2 working set is 1/2 L2: n 65536 on Zen 4 and 32768 on Zen 3; they must pair.
    p = by_key.get(("relu", "avx2", "L2"))
    check(p is not None, f"relu/avx2 L2 not matched; keys {sorted(map(str, by_key))[:10]}")
    check((p.a.n, p.b.n) == (65536, 32768), f"relu/avx2 L2 paired n {p.a.n} with {p.b.n}")
    p = by_key.get(("relu_grad/g0:0.5", "scalar", "L2"))
    check(p is not None and (p.a.n, p.b.n) == (43680, 21840), "relu_grad g0:0.5 scalar L2 must pair 43680/21840")
    # Every elementwise pair is one level on both machines, never two different levels.
    for q in comp.pairs:
        check(q.a.level == q.b.level, f"{q.a.name} ({q.a.level}) paired with {q.b.name} ({q.b.level})")
    # Pairing by literal n would have missed the L2 rows: a negative control on the data itself.
    literal = {r.name for r in z4.rows.values()} & {r.name for r in z3.rows.values()}
    check("relu/avx2/n:65536" not in literal and len(comp.pairs) > len([n for n in literal if "/n:" in n]),
          "the fixtures no longer need level matching (n equal on both machines?)")
    # The ratio is of rates (work differs): relu L2 avx2 = 71.7 / 103.7 GB/s, not the time ratio.
    p = by_key[("relu", "avx2", "L2")]
    check(abs(p.ratio - p.b.rate() / p.a.rate()) < 1e-12 and 0.6 < p.ratio < 0.8, f"ratio {p.ratio}")
    # AVX-512 rows exist only on Zen 4: listed as unmatched, not dropped, not in the geomean.
    only_a = {r.name for r in comp.only_a}
    check("relu/avx512/n:65536" in only_a and "relu/auto_avx512/n:2048" in only_a, f"unmatched: {sorted(only_a)[:8]}")
    check(not comp.only_b, f"rows only in zen3: {[r.name for r in comp.only_b]}")
    check(len(comp.pairs) + len(comp.only_a) == len(z4.rows), "every Zen 4 row is matched or listed")
    g = math.exp(sum(math.log(q.ratio) for q in comp.pairs) / len(comp.pairs))
    check(abs(comp.geomean() - g) < 1e-12, "geomean over the matched rows")
    # Noise band: the runs' own cv aggregates (Google Benchmark's cv of cpu_time).
    p = by_key[("relu", "avx2", "L1")]
    check(p.a.cv and p.b.cv and abs(p.noise - math.hypot(p.a.cv, p.b.cv)) < 1e-12, "noise band from the cvs")
    # Without simdgrad's hwloc line the levels come from Google Benchmark's cache list.
    with open(os.path.join(fixtures, "zen3.json"), encoding="utf-8") as f:
        doc = json.load(f)
    del doc["context"]["hwloc_caches"]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "run.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        check(sgr_run.load(path).rows["relu/avx2/n:32768"].level == "L2", "levels from context.caches")
    print(f"ok: match ({len(comp.pairs)} pairs, {len(comp.only_a)} only in zen4, geomean {comp.geomean():.3f})")


def test_compare(script, fixtures):
    need_matplotlib()
    with tempfile.TemporaryDirectory() as out:
        run([PY, script, os.path.join(fixtures, "zen4.json"), os.path.join(fixtures, "zen3.json"),
             "--labels", "Zen 4,Zen 3", "--out", out, "--no-agreement"])
        check_chart(out, "compare", ["relu L2 avx2", "relu_grad/g0:0.5 DRAM scalar", "geomean", "Zen 3"])
        for stem in ("run1-throughput", "run2-throughput", "run1-roofline", "run2-speedup"):
            check_chart(out, stem, ["avx2"])
        with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
            md = f.read()
        check("## Comparison: Zen 3 vs Zen 4" in md, "comparison section")
        check("| relu | L2 | avx2 | 65536 → 32768 |" in md, "the L2 pair in the table")
        check("<b>Only in Zen 4</b>" in md and "`relu/avx512/n:65536`" in md, "unmatched rows listed")
        check("**Only in Zen 3**: none." in md, "nothing only in Zen 3")
        check("Geomean over the" in md and "matched rows" in md, "geomean stated")
    with tempfile.TemporaryDirectory() as out:
        run([PY, script, os.path.join(fixtures, "zen4.json"), os.path.join(fixtures, "zen3.json"),
             "--compare-only", "--out", out, "--no-agreement"])
        check(sorted(os.listdir(out)) == ["compare.png", "compare.svg", "report.md"],
              f"--compare-only wrote {sorted(os.listdir(out))}")
    print("ok: compare")


def test_cli(simdgrad, fixtures):
    need_matplotlib()
    with tempfile.TemporaryDirectory() as out:
        p = run([simdgrad, "report", os.path.join(fixtures, "zen3.json"), "--out", out, "--no-agreement"])
        check("wrote" in p.stdout, p.stdout)
        with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
            md = f.read()
        # The committed Zen 3 summary's row (2026-11-29T2232Z.md), its † (above the ceiling) included.
        check("| relu n:2048 (L1) | avx2 | 176.8 GB/s | 22.30 | 2.40 | 132% † |" in md, "Zen 3 relu L1 row")
        check_png(os.path.join(out, "throughput.png"))
        bad = os.path.join(out, "bad.json")
        with open(bad, "w") as f:
            f.write("{not json")
        for args in ([bad], [os.path.join(out, "missing.json")], ["--bogus"], []):
            p = run([simdgrad, "report"] + args + ["--out", out], want=2)
            lines = p.stderr.strip().split("\n")
            check(len(lines) == 1 and lines[0].startswith("simdgrad report: "),
                  f"report {args}: want one 'simdgrad report: ' line, got {p.stderr!r}")
    print("ok: cli")


def test_agreement(helper, script, fixtures, broken):
    # Negative control first: relu broken on every vector ISA must be reported, scalar must not.
    p = run([broken], want=1 if any_vector_isa(helper) else 0)
    bad = {(r["kernel"], r["isa"]) for r in json.loads(p.stdout)["results"] if r["status"] == "differs"}
    vec = {r["isa"] for r in json.loads(run([helper]).stdout)["results"]
           if r["status"] != "unavailable" and r["isa"] != "scalar"}
    check(bad == {("relu", isa) for isa in vec}, f"broken relu reported as {sorted(bad)}, vector ISAs {vec}")
    p = run([helper])
    doc = json.loads(p.stdout)
    res = doc["results"]
    kernels = {r["kernel"] for r in res}
    # The training task's kernels are always there; every other family of the list adds its rows.
    check({"relu", "relu_grad g0:1", "relu_grad g0:0", "relu_grad g0:0.5", "matmul_nn", "matmul_tn",
           "matmul_nt"} <= kernels, f"kernels {kernels}")
    ran = [r for r in res if r["status"] != "unavailable"]
    check(any(r["isa"] == "scalar" for r in ran), "scalar is always checked")
    for r in ran:
        check(r["status"] == "identical" and r["cases"] > 60 and r["mismatching_cases"] == 0,
              f"{r['kernel']}/{r['isa']}: {r}")
    print("checked:", sorted({r["isa"] for r in ran}), "not available:",
          sorted({r["isa"] for r in res if r["status"] == "unavailable"}))
    need_matplotlib()
    with tempfile.TemporaryDirectory() as out:
        run([PY, script, os.path.join(fixtures, "zen3.json"), "--out", out], env={"SIMDGRAD_AGREEMENT": helper})
        check_chart(out, "agreement", ["relu", "matmul_nt", "scalar", "identical", "reference"])
        with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
            md = f.read()
        check("produced by running" in md and "agreement.json" in md, "report.md says how the matrix was made")
        check(json.load(open(os.path.join(out, "agreement.json")))["results"], "agreement.json written beside it")
        # A saved matrix is rendered as given: one 'differs' cell must show as such.
        doc["results"][0]["status"] = "differs"
        doc["results"][0]["first_mismatch"] = "relu n=7 [3]: 0x00000000, scalar 0x80000000"
        saved = os.path.join(out, "saved.json")
        with open(saved, "w") as f:
            json.dump(doc, f)
        p = run([PY, script, os.path.join(fixtures, "zen3.json"), "--out", out, "--agreement", saved])
        with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
            md = f.read()
        check("**differs** (relu n=7 [3]" in md and "read from" in md, "a saved 'differs' cell is shown")
        check("differs from scalar" in p.stderr, "the report warns about a disagreement")
    print("ok: agreement")


def any_vector_isa(helper):
    res = json.loads(run([helper]).stdout)["results"]
    return any(r["isa"] != "scalar" and r["status"] != "unavailable" for r in res)


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    {"render": test_render, "match": test_match, "compare": test_compare, "cli": test_cli,
     "agreement": test_agreement}[mode](*args)


if __name__ == "__main__":
    main()
