"""Pairs the rows of two runs for the before/after (or machine A / machine B) comparison.

Elementwise rows are matched by kernel, g0, implementation and cache level, never by n: the
working sets are fractions of each machine's caches (bench/sizes.c: 1/2 L1d, 1/2 L2, 1/2 L3,
4 L3), so the "L2" relu is n = 65536 on a 1 MiB-L2 Zen 4 and n = 32768 on a 512 KiB-L2 Zen 3.
Matmul rows are matched by form and shape, train rows by steps. Rows only one run has are
returned as unmatched, and the geometric mean is taken over matched rows only.
"""
import math
import re

import sgr_run


def match_key(row):
    if row.n is not None:
        return (row.family, row.impl, row.level)
    if row.shape is not None:
        return (row.family, row.impl, row.shape)
    return (row.family, row.impl, row.steps)


class Pair:
    __slots__ = ("key", "a", "b", "a_clock", "b_clock")

    def __init__(self, key, a, b, a_clock=None, b_clock=None):
        self.key, self.a, self.b = key, a, b
        self.a_clock, self.b_clock = a_clock, b_clock

    @property
    def ratio(self):
        """Speed of b relative to a (> 1: b is faster): b's rate / a's rate. Rates, not times: the
        two rows of a level can have different n, so a time ratio would compare different work."""
        ra, rb = self.a.rate(), self.b.rate()
        if ra and rb:
            return rb / ra
        return self.a.best / self.b.best

    @property
    def cycle_ratio(self):
        """The same ratio per cycle (each rate over its run's measured clock): what is left of the
        difference once the clock speeds are taken out. None unless both runs measured a clock."""
        ca, cb = self.a.per_cycle(self.a_clock), self.b.per_cycle(self.b_clock)
        return cb / ca if ca and cb else None

    @property
    def noise(self):
        """Relative noise band of the ratio: each run's repetition spread (cv), combined."""
        ca, cb = self.a.cv or 0.0, self.b.cv or 0.0
        return math.sqrt(ca * ca + cb * cb)

    @property
    def within_noise(self):
        return abs(math.log(self.ratio)) <= math.log1p(self.noise)


class Comparison:
    def __init__(self, run_a, run_b):
        self.a, self.b = run_a, run_b
        ka, kb = index(run_a), index(run_b)
        self.pairs = [Pair(k, ka[k], kb[k], run_a.clock_hz, run_b.clock_hz) for k in ka if k in kb]
        self.only_a = [ka[k] for k in ka if k not in kb]
        self.only_b = [kb[k] for k in kb if k not in ka]

    def geomean(self, pairs=None):
        pairs = self.pairs if pairs is None else pairs
        if not pairs:
            return None
        return math.exp(sum(math.log(p.ratio) for p in pairs) / len(pairs))


def level_name(row):
    """The benchmark's name with the level in place of n (relu/avx2/n:2048 -> relu/avx2/L1): the name
    two machines share. Matmul and train names are shared as they are."""
    if row.n is None:
        return row.name
    return re.sub(r"n:\d+$", row.level, row.name)


def text_table(comp, label_a, label_b):
    """Google Benchmark compare.py's shape, over matched rows only: one line per pair, then the
    geomean of the ratios and what was left unmatched (and so not in it)."""
    both_clocks = bool(comp.a.clock_hz and comp.b.clock_hz)
    width = max([len(level_name(p.a)) for p in comp.pairs] + [20])
    head = f"{'Benchmark':<{width}}  {'n (a -> b)':>21}  {'rate a':>16}  {'rate b':>16}  {'b/a':>6}  {'noise':>6}"
    if both_clocks:
        head += f"  {'b/a per cycle':>13}"
    out = [f"{label_b} (b) vs {label_a} (a): rate of b / rate of a, > 1: b is faster. Matched by kernel, "
           "implementation and cache level (elementwise), shape (matmul), steps (train); never by n.",
           head, "-" * len(head)]
    for p in sorted(comp.pairs, key=pair_order):
        a, b = p.a, p.b
        ns = f"{a.n} -> {b.n}" if a.n is not None else ""
        line = (f"{level_name(a):<{width}}  {ns:>21}  {a.rate():>8.2f} {a.rate_unit():<7}  "
                f"{b.rate():>8.2f} {b.rate_unit():<7}  {p.ratio:>6.3f}  {'±' + format(100 * p.noise, '.0f') + '%':>6}")
        if both_clocks:
            line += f"  {p.cycle_ratio:>13.3f}" if p.cycle_ratio else f"  {'-':>13}"
        out.append(line)
    g = comp.geomean()
    out.append("-" * len(head))
    gc = ""
    if both_clocks:
        cr = [p.cycle_ratio for p in comp.pairs if p.cycle_ratio]
        if cr:
            gc = f"; per cycle {math.exp(sum(math.log(r) for r in cr) / len(cr)):.3f} (clocks " \
                 f"{comp.a.clock_hz / 1e9:.2f} and {comp.b.clock_hz / 1e9:.2f} GHz)"
    out.append(f"OVERALL_GEOMEAN over the {len(comp.pairs)} matched rows: "
               + (f"{g:.3f}" if g else "-") + gc)
    fams = dict(zip((label_a, label_b), families_only_in(comp)))
    for lab, rows in ((label_a, comp.only_a), (label_b, comp.only_b)):
        by_impl = {}
        for r in rows:
            by_impl[r.impl] = by_impl.get(r.impl, 0) + 1
        detail = ", ".join(f"{i} {n}" for i, n in sorted(by_impl.items()))
        out.append(f"Unmatched, not in the geomean: {len(rows)} only in {lab}" + (f" ({detail})" if detail else ""))
        if fams[lab]:
            out.append(f"  families only in {lab}: {', '.join(fams[lab])}")
    return out


def pair_order(p):
    """Harness order: the elementwise families as the run has them, matmul, train; cache level,
    shape or steps; implementation."""
    return row_order(p.a)


def row_order(r):
    kind = 0 if r.eltwise else 2 if r.kernel == "train" else 1
    return (kind, r.seq, sgr_run.LEVELS.index(r.level) if r.eltwise else 0,
            r.shape or (), r.steps or 0, sgr_run.impl_order(r.impl))


def families_only_in(comp):
    """(families only run a has, families only run b has): a family one run never timed (a newer
    bench, a --benchmark_filter) is named as such, not only counted row by row."""
    fa = {r.family for r in comp.a.rows.values()}
    fb = {r.family for r in comp.b.rows.values()}
    order = lambda fams, run: sorted(fams, key=lambda f: min(row_order(r) for r in run.rows.values()  # noqa: E731
                                                             if r.family == f))
    return order(fa - fb, comp.a), order(fb - fa, comp.b)


def index(run):
    """key -> row; a key seen twice (not produced by simdgrad bench) keeps the first row."""
    out = {}
    for row in run.rows.values():
        if row.best is not None:
            out.setdefault(match_key(row), row)
    return out
