"""The report's charts, each written as <stem>.png and <stem>.svg (matplotlib, Agg backend).

SVG text stays text (svg.fonttype 'none') so series names can be searched and tested, and the
files carry no date, so re-rendering the same run gives the same SVG.
"""
import io
import math
import os
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after use("Agg"): headless)
import matplotlib.ticker  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

import sgr_run  # noqa: E402
from sgr_match import families_only_in, pair_order, row_order  # noqa: E402
from sgr_run import LEVELS, MATMUL_FORMS, eltwise_pattern, is_hand  # noqa: E402

DPI = 100
plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "simdgrad-report", "font.size": 9,
                     "axes.titlesize": 10, "legend.fontsize": 8, "figure.dpi": DPI})

COLORS = {"scalar": "#555555", "avx2": "#1f77b4", "avx512": "#d62728", "neon": "#2ca02c", "sve": "#9467bd",
          "auto_avx2": "#7fb3de", "auto_avx512": "#f08a8a", "auto_neon": "#8fd18f", "auto_sve": "#c5a8e0",
          "openblas": "#8c564b", "openblas_skx": "#e377c2", "onednn": "#bcbd22"}
EXTRA = ["#17becf", "#ff7f0e", "#7f7f7f", "#aec7e8"]


def color(impl):
    if impl not in COLORS:
        COLORS[impl] = EXTRA[len(COLORS) % len(EXTRA)]
    return COLORS[impl]


def style(impl):
    if impl.startswith("auto_"):
        return "--"
    if impl in sgr_run.PEERS:
        return ":"
    return "-"


def save(fig, out_dir, stem):
    png, svg = os.path.join(out_dir, f"{stem}.png"), os.path.join(out_dir, f"{stem}.svg")
    fig.savefig(svg, metadata={"Date": None})
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    try:
        # A 256-colour palette: the charts are flat colours and anti-aliased text, and the files
        # (committed under results/) shrink about 5x with no visible change.
        from PIL import Image
        buf.seek(0)
        Image.open(buf).convert("RGB").quantize(colors=256).save(png, optimize=True)
    except ImportError:
        with open(png, "wb") as f:
            f.write(buf.getvalue())
    return [png, svg]


def fmt_bytes(b):
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= scale:
            v = b / scale
            return f"{v:.0f} {unit}" if v == int(v) else f"{v:.1f} {unit}"
    return f"{b:.0f} B"


def eltwise_families(run):
    """Every elementwise family of the run (with its swept parameter: relu_grad/g0:0.5), in the
    run's order: whatever families the bench timed, not a list kept here."""
    rows = sorted((r for r in run.rows.values() if r.eltwise), key=row_order)
    return list(dict.fromkeys(r.family for r in rows))


def grid(count):
    """(rows, columns) of a panel grid: one column for one panel, two up to four, then three, so
    ten panels (six families, two of them with three g0 values) stay a readable 4 x 3 grid."""
    cols = 1 if count == 1 else 2 if count <= 4 else 3
    return math.ceil(count / cols), cols


def pattern_note(fams):
    """Which families each ceiling bounds, for the legend: 'copy: relu, round_bf16; add: relu_grad'."""
    by = {}
    for fam in dict.fromkeys(f.split("/")[0] for f in fams):
        by.setdefault(eltwise_pattern(fam), []).append(fam)
    return "; ".join(f"{p}: {', '.join(k)}" for p, k in by.items())


def throughput(run, out_dir, stem="throughput"):
    """GB/s vs working-set bytes per elementwise family, one line per implementation, the cache
    sizes as vertical markers and each level's measured ceiling as a horizontal segment: copy for
    a family with one input array, add for two or more (sgr_run.eltwise_pattern, as the bench)."""
    fams = eltwise_families(run)
    if not fams:
        return []
    rows, cols = grid(len(fams))
    fig, axes = plt.subplots(rows, cols, figsize=(5.4 * cols if cols > 2 else 6.2 * cols, 3.7 * rows),
                             squeeze=False)
    l1, l2, l3 = run.caches
    for ax, fam in zip(axes.flat, fams):
        rows_f = [r for r in run.rows.values() if r.family == fam and r.best]
        xs_all = sorted({r.bytes for r in rows_f})
        for impl in run.impls():
            pts = sorted((r.bytes, r.rate()) for r in rows_f if r.impl == impl)
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], style(impl), marker="o", ms=3.5,
                        color=color(impl), label=impl, lw=1.4)
        lo, hi = xs_all[0] / 2, xs_all[-1] * 2
        edges = {"L1": (lo, l1), "L2": (l1, l2), "L3": (l2, l3), "DRAM": (l3, hi)}
        pattern = eltwise_pattern(fam.split("/")[0])
        for lvl in LEVELS:
            bw = run.ceiling_bw(pattern, lvl)
            if bw and edges[lvl][0] < hi:
                x0, x1 = edges[lvl][0], min(edges[lvl][1], hi)
                ax.hlines(bw / 1e9, x0, x1, colors="black", linestyles="-.", lw=1.1)
                ax.annotate(f"{bw / 1e9:.0f}", (math.sqrt(x0 * x1), bw / 1e9), textcoords="offset points",
                            xytext=(0, 3), ha="center", fontsize=7)
        for name, size in (("L1d", l1), ("L2", l2), ("L3", l3)):
            if not lo < size <= hi:
                continue  # a --quick run stops at L2: an L3 marker far right would squash the panel
            ax.axvline(size, color="#999999", lw=0.8, ls=":")
            ax.annotate(f"{name} {fmt_bytes(size)}", (size, 0), xycoords=("data", "axes fraction"),
                        xytext=(-2, 3), textcoords="offset points", ha="right", fontsize=7, color="#555555")
        ax.set_xscale("log", base=2)
        ticks = [1 << e for e in range(10, 40, 2) if lo <= (1 << e) <= hi]
        ax.set_xticks(ticks)
        ax.set_xticklabels([fmt_bytes(t) for t in ticks])
        ax.set_yscale("log")
        ax.set_xlim(lo, hi)
        y0, y1 = ax.get_ylim()
        ax.set_ylim(y0, y1 * 1.5)  # room for the ceiling labels above the top segment
        ax.set_title(f"{fam} ({pattern} ceiling)")
        ax.set_xlabel("working set (bytes read + written per call)")
        ax.set_ylabel("GB/s")
        ax.grid(True, which="major", alpha=0.3)
    for ax in list(axes.flat)[len(fams):]:
        ax.axis("off")
    # One legend for every panel: the implementations of all of them (a peer may time only relu).
    seen = {}
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            seen.setdefault(lab, h)
    labels = sorted(seen, key=sgr_run.impl_order)
    handles = [seen[lab] for lab in labels]
    handles.append(Line2D([], [], color="black", ls="-.", lw=1.1))
    labels.append(f"measured ceiling ({pattern_note(fams)})")
    ncol = min(len(labels), 5 if cols < 3 else 7)
    legend_rows = math.ceil(len(labels) / ncol)
    height = fig.get_size_inches()[1]
    fig.legend(handles, labels, loc="lower center", ncol=ncol, frameon=False)
    fig.suptitle(f"{run.label}: elementwise throughput vs working set (best of repetitions, CPU time)")
    fig.tight_layout(rect=(0, (0.12 + 0.2 * legend_rows) / height, 1, 1 - 0.4 / height))
    return save(fig, out_dir, stem)


def roofline_variant(run):
    """kernel -> the one family shown on the roofline for it. A swept family is shown at its last
    value in the run (the bench sweeps g0 = 1, 0, 0.5: the last is the general case, a multiply);
    the others are the same kernel with a cheaper branch and would stack on the same spot."""
    out = {}
    for r in sorted((r for r in run.rows.values() if r.eltwise), key=row_order):
        out[r.kernel] = r.family
    return out


def roofline_points(run):
    """(kind, impl, name, intensity, GFLOP/s) for scalar and the hand-written ISAs."""
    pts = []
    shown = roofline_variant(run)
    for r in sorted(run.rows.values(), key=row_order):
        if not r.best or not (r.impl == "scalar" or is_hand(r.impl)):
            continue
        if r.eltwise and shown.get(r.kernel) == r.family:
            ops = float(r.n)  # one operation per element (see sgr_run.Row)
            pts.append((r.family, r.impl, r.name, ops / r.bytes, ops / r.best / 1e9))
        elif r.kernel in MATMUL_FORMS:
            m, n, k = r.shape
            if m == n == k and r.kernel != "matmul_nn":
                continue
            kind = "matmul square (NN)" if m == n == k else "matmul training shape"
            pts.append((kind, r.impl, r.name, r.flops / r.bytes, r.flops / r.best / 1e9))
    return pts


# Point shapes: matmul's two kinds fixed, the elementwise families in the run's order from the rest.
MATMUL_MARKERS = {"matmul training shape": "D", "matmul square (NN)": "s"}
ELTWISE_MARKERS = ["o", "^", "v", "P", "X", "<", ">", "*", "h", "p", "d", "8"]


def roofline(run, out_dir, stem="roofline"):
    pts = roofline_points(run)
    if not pts:
        return []
    fig, ax = plt.subplots(figsize=(10, 5.6))
    xs = [p[3] for p in pts] or [0.1, 100]
    x_lo, x_hi = min(xs) / 2, max(xs) * 3
    grid = [x_lo * (x_hi / x_lo) ** (i / 200) for i in range(201)]
    top = max(run.peak.values(), default=0) / 1e9
    by_peak = {}  # ISAs with the same measured peak (Zen 4: ymm and zmm) share one roof and label
    for isa, peak in sorted(run.peak.items(), key=lambda kv: sgr_run.isa_rank(kv[0])):
        by_peak.setdefault(round(peak / 1e9), []).append(isa)
    for peak, isas in by_peak.items():
        ax.axhline(peak, color=color(isas[-1]), lw=1.2, ls="-", alpha=0.8)
        ax.annotate(f"FMA peak {', '.join(isas)}: {peak:.0f} GFLOP/s", (x_hi, peak), xytext=(-4, 3),
                    textcoords="offset points", ha="right", fontsize=7, color=color(isas[-1]))
    for lvl in LEVELS:
        bw = max(run.ceiling_bw("copy", lvl) or 0, run.ceiling_bw("add", lvl) or 0) / 1e9
        if not bw:
            continue
        ys = [min(x * bw, top) if top else x * bw for x in grid]
        ax.plot(grid, ys, color="#444444", lw=0.9, ls="--")
        x_at = x_lo * 1.3
        ax.annotate(f"{lvl} {bw:.0f} GB/s", (x_at, x_at * bw), xytext=(2, 2), textcoords="offset points",
                    fontsize=7, color="#444444", rotation=0)
    kinds = list(dict.fromkeys(p[0] for p in pts if p[0] not in MATMUL_MARKERS))
    markers = {k: ELTWISE_MARKERS[i % len(ELTWISE_MARKERS)] for i, k in enumerate(kinds)}
    markers.update(MATMUL_MARKERS)
    for kind, impl, name, ai, rate in pts:
        ax.scatter([ai], [rate], marker=markers[kind], color=color(impl), s=28, edgecolors="black",
                   linewidths=0.4, zorder=3)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(x_lo, x_hi)
    ax.set_xlabel("arithmetic intensity (FLOP per byte read + written)")
    ax.set_ylabel("GFLOP/s")
    ax.grid(True, which="major", alpha=0.3)
    impls = sorted({p[1] for p in pts}, key=sgr_run.impl_order)
    handles = [Line2D([], [], ls="", marker="o", color=color(i), label=i) for i in impls]
    handles += [Line2D([], [], ls="", marker=m, color="white", markeredgecolor="black", label=k)
                for k, m in markers.items() if any(p[0] == k for p in pts)]
    handles.append(Line2D([], [], color="#444444", ls="--", label="bandwidth roof (best copy/add loop)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7, frameon=False)
    ax.set_title(f"{run.label}: roofline (elementwise: 1 op per element, every level; matmul: 2mnk)", fontsize=9)
    if len(handles) > 24:  # many families and ISAs: two legend columns rather than off the figure
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7, frameon=False, ncol=2)
    fig.tight_layout()
    return save(fig, out_dir, stem)


def speedup_groups(run):
    """(label, {impl: row}) for the bar charts: every elementwise row, the training matmuls, the NN
    squares and train."""
    groups = []
    for fam in eltwise_families(run):
        for lvl in LEVELS:
            g = {r.impl: r for r in run.rows.values() if r.eltwise and r.family == fam and r.level == lvl and r.best}
            if g:
                n = next(iter(g.values())).n
                groups.append((f"{fam} {lvl} (n:{n})", g))
    shapes = []
    for r in run.rows.values():
        if r.kernel in MATMUL_FORMS and (r.kernel, r.shape) not in shapes:
            m, n, k = r.shape
            if not (m == n == k) or r.kernel == "matmul_nn":
                shapes.append((r.kernel, r.shape))
    for kern, shape in shapes:
        g = {r.impl: r for r in run.rows.values() if r.kernel == kern and r.shape == shape and r.best}
        groups.append(("{} {}x{}x{}".format(kern, *shape), g))
    for steps in sorted({r.steps for r in run.rows.values() if r.kernel == "train"}):
        g = {r.impl: r for r in run.rows.values() if r.kernel == "train" and r.steps == steps and r.best}
        groups.append((f"train steps:{steps}", g))
    return groups


def speedup(run, out_dir, stem="speedup"):
    groups = speedup_groups(run)
    isas = [i for i in run.impls() if is_hand(i)]
    if not groups or not isas:
        return []
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.28 * len(groups) * max(1, len(isas)) / 1.6 + 1.6),
                             sharey=True)
    h = 0.8 / max(1, len(isas))
    for col, (ax, base_of, title) in enumerate((
            (axes[0], lambda isa: "scalar", "× scalar (scalar time / ISA time)"),
            (axes[1], lambda isa: "auto_" + isa, "× auto-vectorized (auto_<isa> time / <isa> time)"))):
        for j, isa in enumerate(isas):
            ys, vals = [], []
            for i, (_, g) in enumerate(groups):
                base = g.get(base_of(isa))
                if isa in g and base:
                    ys.append(i + (j - (len(isas) - 1) / 2) * h)
                    vals.append(base.best / g[isa].best)
            ax.barh(ys, vals, height=h, color=color(isa), label=isa, left=0)
            for y, v in zip(ys, vals):
                ax.annotate(f"{v:.2f}" if v < 10 else f"{v:.0f}", (v, y), xytext=(2, 0),
                            textcoords="offset points", va="center", fontsize=6)
        ax.axvline(1, color="black", lw=0.8)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_title(title)
        ax.grid(True, axis="x", which="major", alpha=0.3)
    axes[0].set_yticks(range(len(groups)))
    axes[0].set_yticklabels([g[0] for g in groups], fontsize=7)
    axes[0].invert_yaxis()
    axes[0].legend(loc="lower right")
    fig.suptitle(f"{run.label}: speed-up per kernel and ISA (> 1: the hand-written ISA is faster)")
    fig.tight_layout()
    return save(fig, out_dir, stem)


def log_ticks(ax, lo, hi):
    """Plain-number ticks (0.5, 1, 2) on a log axis instead of 5x10^-1."""
    lo, hi = min(lo, 0.9), max(hi, 1.1)
    ticks = [t * 10.0 ** e for e in range(-3, 4) for t in (1, 2, 5) if lo <= t * 10.0 ** e <= hi]
    ax.set_xlim(lo / 1.1, hi * 1.1)
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def compare_rows(comp):
    """The pairs the comparison chart shows: every matched elementwise and train row, the training
    matmuls and the NN squares (every matched row is in report.md's table)."""
    elt, mm = [], []
    for p in comp.pairs:
        r = p.a
        if r.eltwise:
            elt.append(p)
        elif r.kernel == "train" or not (r.shape[0] == r.shape[1] == r.shape[2]) or r.kernel == "matmul_nn":
            mm.append(p)
    return sorted(elt, key=pair_order), sorted(mm, key=pair_order)


# Bars per comparison panel before the elementwise rows are split over several side by side: every
# family at four levels and three or four implementations is ~130 bars, too tall for one column.
PANEL_BARS = 72


def split_by_family(pairs, most):
    """The pairs in consecutive panels of about equal size, never splitting a family's rows."""
    if not pairs:
        return []
    count = math.ceil(len(pairs) / most)
    target = len(pairs) / count
    panels, cur = [], []
    for i, p in enumerate(pairs):
        if cur and p.a.family != pairs[i - 1].a.family and len(cur) >= target and len(panels) < count - 1:
            panels.append(cur)
            cur = []
        cur.append(p)
    return panels + [cur]


def pair_label(p):
    r = p.a
    if r.n is not None:
        return f"{r.family} {r.level} {r.impl}"
    if r.shape is not None:
        return "{} {}x{}x{} {}".format(r.kernel, *r.shape, r.impl)
    return f"train steps:{r.steps} {r.impl}"


def compare(comp, out_dir, label_a, label_b, stem="compare"):
    elt, mm = compare_rows(comp)
    title = "elementwise (matched by kernel, g0, implementation, cache level)"
    panels = [(chunk, title if i == 0 else "elementwise, continued")
              for i, chunk in enumerate(split_by_family(elt, PANEL_BARS))]
    panels += [(mm, "matmul (by form and shape) and train")] if mm else []
    if not panels:
        return []
    n_max = max((len(p[0]) for p in panels), default=1)
    fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), 0.15 * n_max + 2.3), squeeze=False)
    g = comp.geomean()
    for ax, (pairs, title) in zip(axes[0], panels):
        ys = list(range(len(pairs)))
        ratios = [p.ratio for p in pairs]
        lo = [r - r / (1 + p.noise) for r, p in zip(ratios, pairs)]
        hi = [r * p.noise for r, p in zip(ratios, pairs)]
        colors = [color(p.a.impl) for p in pairs]
        bars = ax.barh(ys, [r - 1 for r in ratios], left=1, height=0.75, color=colors)
        for bar, p in zip(bars, pairs):
            if p.within_noise:
                bar.set_alpha(0.35)
        ax.errorbar(ratios, ys, xerr=[lo, hi], fmt="none", ecolor="black", elinewidth=0.7, capsize=1.5)
        ax.axvline(1, color="black", lw=0.8)
        if g:
            ax.axvline(g, color="#d62728", lw=0.9, ls="--")
        ax.set_yticks(ys)
        ax.set_yticklabels([pair_label(p) for p in pairs], fontsize=6.5)
        ax.set_ylim(len(pairs) - 0.5, -0.5)
        ax.set_xscale("log")
        log_ticks(ax, min(r / (1 + p.noise) for r, p in zip(ratios, pairs)),
                  max(r * (1 + p.noise) for r, p in zip(ratios, pairs)))
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(f"rate ratio = {label_b} / {label_a}  (> 1: {label_b} faster)", fontsize=8)
        ax.grid(True, axis="x", which="both", alpha=0.3)
    impls = sorted({p.a.impl for p in comp.pairs}, key=sgr_run.impl_order)
    handles = [Line2D([], [], color=color(i), lw=6, label=i) for i in impls]
    handles.append(Line2D([], [], color="black", lw=0.7, marker="|", label="noise band: both runs' repetition cv"))
    handles.append(Line2D([], [], color="#d62728", ls="--", label=f"geomean of {len(comp.pairs)} matched rows"
                          + (f": {g:.2f}" if g else "")))
    fig.legend(handles=handles, loc="lower center", ncol=min(4, len(handles)), frameon=False, fontsize=7)
    # What is not in the chart is said on it: rows and whole families only one run has.
    fa, fb = families_only_in(comp)
    missing = [f"unmatched rows (not shown, not in the geomean): {len(comp.only_a)} only in {label_a}, "
               f"{len(comp.only_b)} only in {label_b}"]
    missing += [f"families only in {lab}: {', '.join(f)}" for lab, f in ((label_a, fa), (label_b, fb)) if f]
    note = textwrap.wrap("; ".join(missing), width=int(13 * fig.get_size_inches()[0]))
    fig.suptitle("\n".join([f"{label_b} vs {label_a} (faded bars: within the noise band)"] + note), fontsize=9)
    height = fig.get_size_inches()[1]
    fig.tight_layout(rect=(0, 0.5 / height, 1, 1 - (0.1 + 0.14 * len(note)) / height))
    return save(fig, out_dir, stem)


def agreement(matrix, out_dir, stem="agreement"):
    """matrix: sgr_agreement.Matrix. A table-like heat map: green identical, red differs, grey not run."""
    kernels, isas = matrix.kernels, matrix.isas
    fig, ax = plt.subplots(figsize=(1.3 * len(isas) + 2.2, 0.42 * len(kernels) + 1.3))
    fill = {"identical": "#b7e1b0", "differs": "#f4a4a4", "unavailable": "#e0e0e0"}
    for i, k in enumerate(kernels):
        for j, isa in enumerate(isas):
            cell = matrix.cell(k, isa)
            status = cell["status"] if cell else "unavailable"
            text = {"identical": "identical", "differs": "DIFFERS", "unavailable": "not run here\n(CPU lacks it)"}.get(status, status)
            if cell and status == "identical" and isa == "scalar":
                text = "reference"
            elif cell and status == "identical" and cell.get("code") == "scalar":
                text = "identical\n(scalar code)"
            if cell and status == "differs":
                text += f"\n{cell.get('mismatching_cases')}/{cell.get('cases')} cases"
            ax.add_patch(plt.Rectangle((j, i), 1, 1, color=fill.get(status, "#ffffff"), ec="white", lw=2))
            ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=7)
    ax.set_xlim(0, len(isas))
    ax.set_ylim(len(kernels), 0)
    ax.set_xticks([j + 0.5 for j in range(len(isas))])
    ax.set_xticklabels(isas)
    ax.xaxis.tick_top()
    ax.set_yticks([i + 0.5 for i in range(len(kernels))])
    ax.set_yticklabels(kernels)
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    ax.set_title(f"bit-identical to scalar? ({matrix.where})", fontsize=8, pad=18)
    fig.tight_layout()
    return save(fig, out_dir, stem)
