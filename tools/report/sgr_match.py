"""Pairs the rows of two runs for the before/after (or machine A / machine B) comparison.

Elementwise rows are matched by kernel, g0, implementation and cache level, never by n: the
working sets are fractions of each machine's caches (bench/sizes.c: 1/2 L1d, 1/2 L2, 1/2 L3,
4 L3), so the "L2" relu is n = 65536 on a 1 MiB-L2 Zen 4 and n = 32768 on a 512 KiB-L2 Zen 3.
Matmul rows are matched by form and shape, train rows by steps. Rows only one run has are
returned as unmatched, and the geometric mean is taken over matched rows only.
"""
import math


def match_key(row):
    if row.n is not None:
        return (row.family, row.impl, row.level)
    if row.shape is not None:
        return (row.family, row.impl, row.shape)
    return (row.family, row.impl, row.steps)


class Pair:
    __slots__ = ("key", "a", "b")

    def __init__(self, key, a, b):
        self.key, self.a, self.b = key, a, b

    @property
    def ratio(self):
        """Speed of b relative to a (> 1: b is faster): b's rate / a's rate. Rates, not times: the
        two rows of a level can have different n, so a time ratio would compare different work."""
        ra, rb = self.a.rate(), self.b.rate()
        if ra and rb:
            return rb / ra
        return self.a.best / self.b.best

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
        self.pairs = [Pair(k, ka[k], kb[k]) for k in ka if k in kb]
        self.only_a = [ka[k] for k in ka if k not in kb]
        self.only_b = [kb[k] for k in kb if k not in ka]

    def geomean(self, pairs=None):
        pairs = self.pairs if pairs is None else pairs
        if not pairs:
            return None
        return math.exp(sum(math.log(p.ratio) for p in pairs) / len(pairs))


def pair_order(p):
    """Harness order: relu, relu_grad, matmul, train; cache level, shape or steps; implementation."""
    import sgr_run
    r = p.a
    rank = ("relu", "relu_grad", "matmul", "train")
    kind = next((i for i, k in enumerate(rank) if r.kernel.startswith(k)), len(rank))
    return (kind, r.family, sgr_run.LEVELS.index(r.level) if r.n is not None else 0,
            r.shape or (), r.steps or 0, sgr_run.impl_order(r.impl))


def index(run):
    """key -> row; a key seen twice (not produced by simdgrad bench) keeps the first row."""
    out = {}
    for row in run.rows.values():
        if row.best is not None:
            out.setdefault(match_key(row), row)
    return out
