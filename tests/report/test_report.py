#!/usr/bin/python3
"""Tests of simdgrad report (suite 'report'), on the trimmed real runs zen4.json / zen3.json
(make_fixtures.py). Exit 77 (skipped) with a message when matplotlib is missing.

  test_report.py render    <simdgrad_report.py> <fixtures dir>   one run: files, PNG magic, SVG XML + series names
  test_report.py match     <simdgrad_report.py> <fixtures dir>   cross-level matching of Zen 4 vs Zen 3 rows
  test_report.py compare   <simdgrad_report.py> <fixtures dir>   two runs: comparison chart, unmatched rows listed
  test_report.py newformat <simdgrad_report.py> <fixtures dir>   issue 12's counters and labels (zen3-quick.json)
  test_report.py families  <simdgrad_report.py> <fixtures dir>   every elementwise family of src/simdgrad.h in every view
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


def rewrite(fixtures, name, tmp, edit):
    """A copy of a fixture with edit(doc) applied, in tmp; returns its path."""
    with open(os.path.join(fixtures, name), encoding="utf-8") as f:
        doc = json.load(f)
    edit(doc)
    path = os.path.join(tmp, f"{len(os.listdir(tmp))}-{name}")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    return path


def test_newformat(script, fixtures):
    """A run with Google Benchmark's standard counters, roofline_%, per-cycle counters, the measured
    clock and the level labels (simdgrad bench since issue 12), alone and against an older run."""
    sgr_run, sgr_match = load_modules(script)
    q = sgr_run.load(os.path.join(fixtures, "zen3-quick.json"))
    ghz = float(q.context["clock_ghz_measured"])
    check(q.labelled and q.clock_hz == ghz * 1e9, f"labels {q.labelled}, clock {q.clock_hz}")
    relu = q.rows["relu/avx2/n:32768"]
    check(relu.level == "L2" and abs(relu.counters["roofline_%"] - 100 * q.roofline_fraction(relu)) < 1e-6,
          f"relu L2: level {relu.level}, roofline_% {relu.counters.get('roofline_%')} vs "
          f"{q.roofline_fraction(relu)} from bytes_per_second of the ceilings")
    # bytes_per_second × time = the bytes the report counts for one call (8 per relu element).
    check(abs(relu.counters["bytes_per_second"] * relu.best - relu.bytes) < 1e-6 * relu.bytes, "relu bytes")
    mm = q.rows["matmul_nn/avx2/m:64/n:64/k:64"]
    check(abs(mm.per_cycle(q.clock_hz) - mm.counters["FLOP/cycle"]) < 1e-3 * mm.counters["FLOP/cycle"],
          f"FLOP/cycle {mm.counters['FLOP/cycle']} vs the rate over {ghz} GHz: {mm.per_cycle(q.clock_hz)}")
    check(mm.level == "L2", f"64^3 with a 32 KiB L1d is L2, got {mm.level}")
    with tempfile.TemporaryDirectory() as tmp:
        # The label wins: caches that would put every row elsewhere change no level.
        odd = rewrite(fixtures, "zen3-quick.json", tmp, lambda d: d["context"].update(
            hwloc_caches="L1d 1024, L2 2048, L3 4096 (used 4096: as reported)"))
        r = sgr_run.load(odd)
        check(all(r.rows[k].level == q.rows[k].level for k in q.rows), "levels not from the labels")
        # The old counter names still read (a run from before issue 12, simulated on this one).
        def old(doc):
            for b in doc["benchmarks"]:
                if "bytes_per_second" in b:
                    b["bytes/s"] = b.pop("bytes_per_second")
                if "roofline_%" in b:
                    b["roofline"] = b.pop("roofline_%") / 100
                b.pop("label", None)
            del doc["context"]["clock_ghz_measured"]
        r = sgr_run.load(rewrite(fixtures, "zen3-quick.json", tmp, old))
        check(r.bw == q.bw and not r.labelled and r.clock_hz is None, f"old names: bw {r.bw} vs {q.bw}")
        check(all(r.rows[k].level == q.rows[k].level for k in q.rows), "derived levels differ from the labels")
        check(abs(r.rows[relu.name].counters["roofline_%"] - relu.counters["roofline_%"]) < 1e-9, "roofline")
        # Per-cycle ratio: the same run against itself at twice the clock is 1 per second, 0.5 per cycle.
        fast = sgr_run.load(rewrite(fixtures, "zen3-quick.json", tmp, lambda d: d["context"].update(
            clock_ghz_measured=str(2 * ghz))))
        c = sgr_match.Comparison(q, fast)
        check(c.pairs and all(abs(p.ratio - 1) < 1e-12 and abs(p.cycle_ratio - 0.5) < 1e-12 for p in c.pairs),
              "per-cycle ratio")
    # Against the older Zen 4 run: matched by level, relu L2 n 65536 with 32768; the quick run has no
    # L3/DRAM rows and no AVX-512, so those are Zen 4's unmatched rows, and nothing is only in the quick run.
    z4 = sgr_run.load(os.path.join(fixtures, "zen4.json"))
    comp = sgr_match.Comparison(z4, q)
    by_key = {p.key: p for p in comp.pairs}
    p = by_key.get(("relu", "avx2", "L2"))
    check(p is not None and (p.a.n, p.b.n) == (65536, 32768), "relu/avx2 L2 pair")
    check(all(x.a.level == x.b.level for x in comp.pairs), "a pair across levels")
    # The quick run has families the trimmed Zen 4 run lacks (relu_mask, round_*, relu_grad g0:1 ...): all
    # their rows are unmatched and named, and nothing else is only in the quick run.
    fa, fb = sgr_match.families_only_in(comp)
    check(not fa and "round_fp16" in fb and "relu_grad/g0:0.5" not in fb, f"families only in one run: {fa} {fb}")
    check(comp.only_b and all(r.family in fb for r in comp.only_b),
          f"only in the quick run, of a family both have: {[r.name for r in comp.only_b if r.family not in fb]}")
    check(len(comp.pairs) + len(comp.only_b) == len(q.rows), "every quick row is matched or listed")
    lost = [r.name for r in comp.only_a
            if not (r.n is not None and r.level in ("L3", "DRAM")) and r.impl not in ("avx512", "auto_avx512", "openblas_skx")]
    check(not lost, f"Zen 4 rows the quick run has too went unmatched: {lost}")
    lines = sgr_match.text_table(comp, "Zen 4", "Zen 3")
    body = [x for x in lines if x.split(" ")[0].count("/") >= 2 or x.startswith("train/")]
    check(len(body) == len(comp.pairs), f"{len(body)} table lines for {len(comp.pairs)} pairs")
    check(any(x.startswith("relu/avx2/L2 ") and "65536 -> 32768" in x for x in body), "relu/avx2/L2 line")
    check(any(x.startswith(f"OVERALL_GEOMEAN over the {len(comp.pairs)} matched rows: {comp.geomean():.3f}")
              for x in lines), "geomean line")
    check(f"  families only in Zen 3: {', '.join(fb)}" in lines, "the table names the families only in one run")
    need_matplotlib()
    with tempfile.TemporaryDirectory() as out:
        run([PY, script, os.path.join(fixtures, "zen3-quick.json"), "--out", out, "--no-agreement"])
        with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
            md = f.read()
        check("| kernel / size | best ISA | rate | per cycle |" in md and f"measured clock {ghz:.3f} GHz" in md,
              "per-cycle column and clock in report.md")
        check_chart(out, "throughput", ["avx2", "L2"])
    print(f"ok: newformat ({len(comp.pairs)} pairs with zen4, {len(comp.only_a)} only in zen4)")


def sg_lists(fixtures):
    sys.path.insert(0, os.path.join(os.path.abspath(fixtures), "..", "common"))
    import sg_lists as lists
    return lists


def test_families(script, fixtures):
    """Every elementwise family of src/simdgrad.h's list is read, measured against the right ceiling,
    and charted and tabulated by every view; zen3-quick.json has all of them (make_fixtures.py)."""
    sgr_run, sgr_match = load_modules(script)
    elt = sg_lists(fixtures).elementwise_families()
    check(sorted(sgr_run.ELTWISE_ARRAYS) == sorted(elt),
          f"sgr_run.ELTWISE_ARRAYS lists {sorted(sgr_run.ELTWISE_ARRAYS)}, src/simdgrad.h's elementwise families are {elt}")
    path = os.path.join(fixtures, "zen3-quick.json")
    q = sgr_run.load(path)
    rows = sorted((r for r in q.rows.values() if r.eltwise), key=sgr_match.row_order)
    check(list(dict.fromkeys(r.kernel for r in rows)) == elt, f"the fixture's families, in order: "
          f"{list(dict.fromkeys(r.kernel for r in rows))}; want {elt}")
    with open(path, encoding="utf-8") as f:
        raw = {b["run_name"]: b for b in json.load(f)["benchmarks"] if b.get("run_type") == "iteration"}
    for r in rows:
        b = raw[r.name]
        # One call's bytes, three ways: the bench's byte rate x time (what the report uses), its bytes
        # per element (bytes_per_second / items_per_second) x n, and the table mirroring src/eltwise.c.
        per_elem = b["bytes_per_second"] / b["items_per_second"]
        check(r.bytes == sgr_run.eltwise_traffic(r.kernel, r.n) and abs(per_elem * r.n - r.bytes) < 1e-6 * r.bytes,
              f"{r.name}: bytes {r.bytes}, table {sgr_run.eltwise_traffic(r.kernel, r.n)}, "
              f"{per_elem} B/element x n {per_elem * r.n}")
        # Same bytes and the same ceiling as the bench: the report's roofline % is the bench's own.
        mine = 100 * q.roofline_fraction(r)
        check(abs(b["roofline_%"] - mine) < 1e-6 * mine, f"{r.name}: roofline_% {b['roofline_%']}, report {mine} "
              f"against the {sgr_run.eltwise_pattern(r.kernel)} ceiling")
    # The check above can tell the ceilings apart: at L1 copy and add differ by more than 5%.
    copy, add = q.ceiling_bw("copy", "L1"), q.ceiling_bw("add", "L1")
    check(abs(copy / add - 1) > 0.05, f"L1 copy {copy} and add {add} too close for the ceiling check to mean much")
    check([k for k in elt if sgr_run.eltwise_pattern(k) == "copy"] == ["relu", "relu_mask", "round_bf16", "round_fp16"],
          "copy bounds the families with one input array")
    with tempfile.TemporaryDirectory() as tmp:
        # A family the report has never heard of is still read and charted, by its own byte counter.
        def rename(doc):
            for b in doc["benchmarks"]:
                for k in ("name", "run_name"):
                    b[k] = b[k].replace("round_fp16/", "round_e4m3/")
        u = sgr_run.load(rewrite(fixtures, "zen3-quick.json", tmp, rename))
        r = u.rows.get("round_e4m3/avx2/n:2048")
        check(r is not None and r.eltwise and r.bytes == q.rows["round_fp16/avx2/n:2048"].bytes and r.level == "L1",
              f"unknown family: {r and (r.bytes, r.level)}")
    need_matplotlib()
    fams = list(dict.fromkeys(r.family for r in rows))
    with tempfile.TemporaryDirectory() as out:
        run([PY, script, path, "--out", out, "--no-agreement"])
        # One panel per family (and g0 value), titled with the ceiling drawn in it, in the run's order.
        titles = [f"{f} ({sgr_run.eltwise_pattern(f.split('/')[0])} ceiling)" for f in fams]
        check_chart(out, "throughput", titles + ["scalar", "auto_avx2", "avx2", "onednn"])
        texts = svg_texts(os.path.join(out, "throughput.svg"))
        check(texts.count(" ceiling)") == len(fams), f"{texts.count(' ceiling)')} panels for {len(fams)} families")
        check(texts.index(titles[1]) < texts.index(titles[2]), "panels not in the run's order (g0:1 before g0:0)")
        check("copy: relu, relu_mask, round_bf16, round_fp16; add: relu_grad, relu_grad_mask" in texts, "ceiling legend")
        # The roofline: each family once (a swept one at its last g0, 0.5).
        shown = [f for f in fams if "/" not in f or f.endswith("g0:0.5")]
        check_chart(out, "roofline", shown + ["matmul square (NN)"])
        check("relu_grad_mask/g0:1" not in svg_texts(os.path.join(out, "roofline.svg")), "one g0 per family on the roofline")
        first = {f: next(r for r in rows if r.family == f) for f in fams}
        check_chart(out, "speedup", [f"{f} {first[f].level} (n:{first[f].n})" for f in fams])
        with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
            md = f.read()
        for fam in fams:
            r = first[fam]
            check(f"#### {fam} (GB/s)" in md and f"| {fam} n:{r.n} ({r.level}) | " in md, f"report.md: {fam}")
        check("the pattern being copy for relu, relu_mask, round_bf16, round_fp16 and add for relu_grad, "
              "relu_grad_mask, matmul" in md, "report.md names each family's ceiling")
    with tempfile.TemporaryDirectory() as tmp:
        # The comparison by the rows' level labels: caches that would put every row elsewhere still pair
        # every row of every family with itself.
        odd = rewrite(fixtures, "zen3-quick.json", tmp, lambda d: d["context"].update(
            hwloc_caches="L1d 1024, L2 2048, L3 4096 (used 4096: as reported)"))
        comp = sgr_match.Comparison(q, sgr_run.load(odd))
        check(not comp.only_a and not comp.only_b and len(comp.pairs) == len(q.rows), "labels did not pair every row")
        out = os.path.join(tmp, "cmp")
        run([PY, script, path, odd, "--labels", "quick,odd caches", "--compare-only", "--out", out, "--no-agreement"])
        check_chart(out, "compare", [f"{f} {lvl} avx2" for f in fams for lvl in ("L1", "L2")])
        # A full run's ~130 elementwise pairs go to panels side by side, a family never cut in two.
        sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
        import sgr_charts
        elt = sgr_charts.compare_rows(comp)[0]
        panels = sgr_charts.split_by_family(elt, 16)
        check(1 < len(panels) <= math.ceil(len(elt) / 16) and sum(panels, []) == elt, f"{len(panels)} panels")
        check(all(len({p.a.family for p in a} & {p.a.family for p in b}) == 0
                  for i, a in enumerate(panels) for b in panels[i + 1:]), "a family split over two panels")
        # Families only one run has: named on the chart and in report.md, every row listed.
        out = os.path.join(tmp, "cmp4")
        run([PY, script, os.path.join(fixtures, "zen4.json"), path, "--labels", "Zen 4,Zen 3", "--compare-only",
             "--out", out, "--no-agreement"])
        check_chart(out, "compare", ["families only in Zen 3", "round_bf16", "relu_grad_mask/g0:0.5"])
        with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
            md = f.read()
        check("**Families only in Zen 3**" in md and "`round_fp16`" in md and "`round_fp16/avx2/n:32768`" in md,
              "report.md names the families only in Zen 3 and lists their rows")
    print(f"ok: families ({', '.join(fams)})")


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
    # The documented cross-machine command on the committed runs: every printed row is a matched pair
    # (never a row of one machine only), and the unmatched rows are only the Zen 4's AVX-512 ones.
    root = os.path.dirname(os.path.dirname(os.path.abspath(fixtures)))
    z4 = os.path.join(root, "results", "amd-epyc_avx2-avx512_4049c22c", "2026-11-26T1321Z.json")
    z3 = os.path.join(root, "results", "amd-epyc_avx2_4049c22c", "2026-11-29T2232Z.json")
    if os.path.exists(z4) and os.path.exists(z3):
        p = run([simdgrad, "report", z4, z3, "--table", "--labels", "Zen 4,Zen 3"])
        rows = [x for x in p.stdout.splitlines() if x.startswith(("relu", "matmul", "train"))]
        check(len(rows) > 100 and f"OVERALL_GEOMEAN over the {len(rows)} matched rows" in p.stdout,
              f"--table: {len(rows)} rows\n{p.stdout[-600:]}")
        check("0 only in Zen 3" in p.stdout and "only in Zen 4 (auto_avx512 44, avx512 44, openblas_skx 26)" in p.stdout,
              f"--table unmatched rows:\n{p.stdout[-400:]}")
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
    for fam in sg_lists(fixtures).families():
        check(any(k == fam or k.startswith(fam + " ") or k.startswith(fam + "_n") for k in kernels),
              f"family {fam} has no row in the agreement matrix ({sorted(kernels)})")
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
        check_chart(out, "agreement", ["relu", "matmul_nt", "relu_mask", "relu_grad_mask g0:0.5", "round_bf16",
                                       "round_fp16", "scalar", "identical", "reference"])
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
    {"render": test_render, "match": test_match, "compare": test_compare, "cli": test_cli, "newformat": test_newformat,
     "families": test_families, "agreement": test_agreement}[mode](*args)


if __name__ == "__main__":
    main()
