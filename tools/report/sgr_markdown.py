"""report.md: the run's context, the headline best-ISA table, the charts, one table per kernel
(size x implementation) and, for two runs, the matched comparison with its unmatched rows."""
import os

import sgr_run
from sgr_match import families_only_in, pair_order, row_order
from sgr_run import eltwise_pattern, is_hand


# bench/summary.c's SGB_ROOF_SLACK: more above the roof than run-to-run noise.
ROOF_SLACK = 1.05


def fmt_rate(v):
    return "–" if v is None else (f"{v:.1f}" if v >= 10 else f"{v:.2f}")


def fmt_ratio(v):
    return "–" if v is None else f"{v:.2f}"


def fmt_pct(v):
    return "–" if v is None else f"{100 * v:.0f}%"


def image(lines, stem, alt):
    lines.append(f"![{alt}]({stem}.png)  \n[SVG]({stem}.svg)\n")


def context_lines(run):
    c = run.context
    l1, l2, l3 = run.caches
    kib = lambda b: f"{b >> 10} KiB" if b < (1 << 20) else f"{b >> 20} MiB"  # noqa: E731
    return [f"- run: `{os.path.relpath(run.path)}` ({c.get('date', '?')}, mode {c.get('mode', '?')}, "
            f"git {c.get('git_revision', '?')})",
            f"- CPU: {c.get('cpu_model', '?')}; ISAs available: {c.get('isas_available', '?')}; "
            f"caches: L1d {kib(l1)}, L2 {kib(l2)}, L3 {kib(l3)} "
            + ("(levels below: each row's own label, made from these)" if run.labelled else
               "(levels below are derived from these)")
            + (f"; measured clock {run.clock_hz / 1e9:.3f} GHz" if run.clock_hz else ""),
            f"- compiler: {c.get('compiler', '?')} ({c.get('build_flags', '?')}); pinned PU "
            f"{c.get('pinned_pu', '?')}; load average at start {c.get('load_average_at_start', '?')}",
            "- peak FMA GFLOP/s: " + ", ".join(f"{k} {v / 1e9:.1f}" for k, v in
                                                sorted(run.peak.items(), key=lambda kv: kv[1]))]


def groups(run):
    """(kernel family, size key, label) in the harness's order: elementwise by level, matmul, train."""
    out = []
    for r in run.rows.values():
        key = (r.family, sgr_run.key_size(r))
        if key not in [(g[0], g[1]) for g in out]:
            out.append((r.family, sgr_run.key_size(r), r.size_label))
    return out


def patterns(run):
    """Which measured loop bounds which kernel, in words (sgr_run.eltwise_pattern, as the bench): copy
    for the families with one input array, add for two or more and for matmul."""
    by = {}
    for k in dict.fromkeys(r.kernel for r in sorted(run.rows.values(), key=row_order) if r.eltwise):
        by.setdefault(eltwise_pattern(k), []).append(k)
    if any(r.shape for r in run.rows.values()):
        by.setdefault("add", []).append("matmul")
    return " and ".join(f"{p} for {', '.join(k)}" for p, k in by.items()) or "–"


def headline(run, lines):
    # Runs that measured their clock (issue 12 on) get the rate per cycle too; older ones render as before.
    cyc = bool(run.clock_hz)
    lines += ["| kernel / size | best ISA | rate |" + (" per cycle |" if cyc else "") + " × scalar | × auto | % roofline |",
              "|---|---|---|" + ("---|" if cyc else "") + "---|---|---|"]
    above = False
    for fam, size, label in groups(run):
        g = run.find(fam, size)
        hand = [r for r in g.values() if is_hand(r.impl) and r.best]
        if not hand:
            continue
        best = min(hand, key=lambda r: r.best)
        autos = [r for r in g.values() if r.impl.startswith("auto_") and r.best]
        autob = min(autos, key=lambda r: r.best) if autos else None
        sc = g.get("scalar")
        frac = run.roofline_fraction(best)
        pc = best.per_cycle(run.clock_hz)
        lines.append(f"| {fam} {label} | {best.impl} | {fmt_rate(best.rate())} {best.rate_unit()} | "
                     + (f"{fmt_rate(pc)} {best.per_cycle_unit()} | " if cyc else "") +
                     f"{fmt_ratio(sc.best / best.best if sc else None)} | "
                     f"{fmt_ratio(autob.best / best.best if autob else None)} | "
                     f"{fmt_pct(frac)}{' †' if frac and frac > ROOF_SLACK else ''} |")
        above |= bool(frac and frac > ROOF_SLACK)
    lines.append("\nbest ISA: the fastest of simdgrad's own kernels (best of the repetitions, CPU time); "
                 "× X: X's time / its time (> 1: simdgrad faster; auto = the faster auto_*); % roofline as in "
                 "the bench summary: max(FLOPs / that ISA's FMA peak, bytes / the best loop of the family's "
                 f"pattern at that level) / time, the pattern being {patterns(run)}.\n")
    if above:
        lines.append(f"† above its ceiling by more than {100 * (ROOF_SLACK - 1):.0f}% (bench/summary.c marks "
                     "the same): the ceiling loops were timed at a worse moment than the kernel; read it as "
                     "about 100%. The roofline chart shows these points above their roof.\n")


def kernel_tables(run, lines):
    impls = run.impls()
    fams = list(dict.fromkeys(g[0] for g in groups(run)))
    for fam in fams:
        rows = [g for g in groups(run) if g[0] == fam]
        unit = "GB/s" if any(r.eltwise for r in run.rows.values() if r.family == fam) else "GFLOP/s"
        present = [i for i in impls if any(i in run.find(fam, s) for _, s, _ in rows)]
        lines.append(f"#### {fam} ({unit})\n")
        lines.append("| size | " + " | ".join(present) + " |")
        lines.append("|---|" + "---|" * len(present))
        for _, size, label in rows:
            g = run.find(fam, size)
            best_hand = min((r.best for r in g.values() if is_hand(r.impl) and r.best), default=None)
            cells = []
            for i in present:
                r = g.get(i)
                v = fmt_rate(r.rate()) if r else "–"
                cells.append(f"**{v}**" if r and r.best == best_hand else v)
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
    lines.append("Bold: the best of simdgrad's own ISAs in that row. Elementwise sizes are ½·L1d, ½·L2, "
                 "½·L3 and 4·L3 of this run's machine (bench/sizes.c).\n")


def run_section(run, lines, prefix, drawn, level=2):
    h = "#" * level
    lines.append(f"{h} {run.label}\n")
    lines += context_lines(run)
    lines.append("")
    lines.append(f"{h}# Headline: best ISA per kernel and size\n")
    headline(run, lines)
    charts = (
        ("throughput", "Throughput vs working-set size", "throughput vs working set",
         "One line per implementation (dashed: auto-vectorized reference; dotted: peers); dotted verticals: the "
         "cache sizes; dash-dot segments: the measured ceiling of each level."),
        ("roofline", "Roofline", "roofline",
         "Roofs: each ISA's measured FMA peak (`ceiling_fma`) and each level's best streaming bandwidth (copy or "
         "add loops, including non-temporal stores at L3/DRAM). The harness counts the elementwise kernels by "
         "bytes only; here they are credited one operation per element, so each sits at 1 / its bytes per "
         "element (relu 1/8, relu_grad 1/12 FLOP/byte); a family swept over g0 is shown at its last value, "
         "g0 = 0.5, the general case."),
        ("speedup", "Speed-up over scalar and over the auto-vectorized build", "speed-up bars", None))
    for stem, title, alt, note in charts:
        if prefix + stem in drawn:  # a run without e.g. elementwise rows has no throughput chart
            lines.append(f"{h}# {title}\n")
            if note:
                lines.append(note + "\n")
            image(lines, prefix + stem, alt)
    lines.append(f"{h}# Per-kernel tables: size × implementation\n")
    kernel_tables(run, lines)


def comparison_section(comp, label_a, label_b, lines, drawn):
    g = comp.geomean()
    lines.append(f"## Comparison: {label_b} vs {label_a}\n")
    for lab, run in ((label_a, comp.a), (label_b, comp.b)):
        c = run.context
        l1, l2, l3 = (x >> 10 for x in run.caches)
        lines.append(f"- {lab}: `{os.path.relpath(run.path)}` — {c.get('cpu_model', '?')}, ISAs "
                     f"{c.get('isas_available', '?')}, L1d {l1} KiB, L2 {l2} KiB, L3 {l3 >> 10} MiB, "
                     f"{c.get('date', '?')}, git {c.get('git_revision', '?')}")
    lines.append("")
    lines.append(f"Ratio = {label_b}'s rate / {label_a}'s rate (GB/s or GFLOP/s of the best repetition each; "
                 f"> 1: {label_b} is faster). Rates, not times, because a level's n differs between machines. Elementwise rows are matched by kernel, g0, implementation and cache level — the "
                 "level each run's n falls in with that run's own cache sizes — never by n; matmul by form and "
                 "shape, train by steps. Noise band: both runs' repetition spread (Google Benchmark's cv of "
                 "the CPU time, else the repetitions' stdev / mean), combined as √(cv_a² + cv_b²).\n")
    fa, fb = families_only_in(comp)
    for lab, fams in ((label_a, fa), (label_b, fb)):
        if fams:
            lines.append(f"**Families only in {lab}** (every row of them unmatched, listed below): "
                         + ", ".join(f"`{f}`" for f in fams) + ".\n")
    lines.append(f"**Geomean over the {len(comp.pairs)} matched rows: "
                 f"{fmt_ratio(g)}**; per implementation: " +
                 ", ".join(f"{i} {fmt_ratio(comp.geomean([p for p in comp.pairs if p.a.impl == i]))}"
                           for i in sorted({p.a.impl for p in comp.pairs}, key=sgr_run.impl_order)) +
                 f". {sum(p.within_noise for p in comp.pairs)} of them are within their noise band. "
                 f"Unmatched (not in the geomean): {len(comp.only_a)} only in {label_a}, "
                 f"{len(comp.only_b)} only in {label_b}.\n")
    if "compare" in drawn:
        image(lines, "compare", "per-benchmark ratio")
        lines.append("The chart shows every matched elementwise and train row, the training matmuls and the NN "
                     "squares; the table has every matched row.\n")
    both_clocks = bool(comp.a.clock_hz and comp.b.clock_hz)
    if both_clocks:
        lines.append(f"Ratio per cycle: each rate over its run's measured clock ({comp.a.clock_hz / 1e9:.3f} and "
                     f"{comp.b.clock_hz / 1e9:.3f} GHz), so what remains is the difference per clock cycle.\n")
    lines += ["| kernel | level / shape | impl | n (a → b) | rate a | rate b | ratio |" + (" per cycle |" if both_clocks else "")
              + " cv a | cv b | within noise |",
              "|---|---|---|---|---|---|---|" + ("---|" if both_clocks else "") + "---|---|---|"]
    for p in sorted(comp.pairs, key=pair_order):
        a, b = p.a, p.b
        where = a.level if a.n is not None else ("{}x{}x{}".format(*a.shape) if a.shape else f"steps:{a.steps}")
        ns = f"{a.n} → {b.n}" if a.n is not None else ""
        lines.append(f"| {a.family} | {where} | {a.impl} | {ns} | {fmt_rate(a.rate())} {a.rate_unit()} | "
                     f"{fmt_rate(b.rate())} {b.rate_unit()} | {p.ratio:.2f} | "
                     + (f"{fmt_ratio(p.cycle_ratio)} | " if both_clocks else "") +
                     f"{fmt_pct(a.cv)} | {fmt_pct(b.cv)} | "
                     f"{'yes' if p.within_noise else 'no'} |")
    lines.append("")
    # Listed in full (folded, there can be a hundred): a row missing from one run is a finding too.
    for label, rows in ((label_a, comp.only_a), (label_b, comp.only_b)):
        if not rows:
            lines.append(f"**Only in {label}**: none.\n")
            continue
        by_impl = {}
        for r in rows:
            by_impl.setdefault(r.impl, []).append(r)
        summary = ", ".join(f"{i} {len(v)}" for i, v in sorted(by_impl.items(), key=lambda kv: sgr_run.impl_order(kv[0])))
        lines.append(f"<details><summary><b>Only in {label}</b>: {len(rows)} rows ({summary})</summary>\n")
        lines.append(", ".join(f"`{r.name}`" for r in rows) + "\n\n</details>\n")


def agreement_section(matrix, how, lines, stem):
    lines.append("## Cross-ISA agreement (bit-identical to scalar)\n")
    lines.append(f"How it was produced: {how}\n")
    if matrix is None:
        return
    lines.append(f"Method: {matrix.data.get('method', '?')}. It describes the build and CPU that ran the check "
                 f"({matrix.data.get('cpu_model', '?')}, ISAs available: {matrix.data.get('isas_available', '?')}), which need not be the benchmark run's machine: an ISA "
                 "that CPU lacks is shown as not run, never as agreeing. 'scalar code': that ISA's table uses "
                 "the scalar kernel for the family.\n")
    if stem:
        image(lines, stem, "agreement matrix")
    isas = matrix.isas
    lines += ["| kernel | " + " | ".join(isas) + " |", "|---|" + "---|" * len(isas)]
    for k in matrix.kernels:
        cells = []
        for isa in isas:
            c = matrix.cell(k, isa)
            s = c["status"] if c else "unavailable"
            text = {"identical": "identical", "differs": f"**differs** ({c and c.get('first_mismatch')})",
                    "unavailable": "not run here (CPU lacks it)"}.get(s, s)
            if s == "identical" and isa == "scalar":
                text = "reference"
            elif s == "identical" and c.get("code") == "scalar":
                text = "identical (scalar code)"
            cells.append(text)
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    lines.append("")
