"""One saved `simdgrad bench --save` run (Google Benchmark JSON) as rows the report can plot.

A row is one benchmark (all its repetitions): the kernel, the implementation, its size, the cache
level its working set falls in, the best (fastest) repetition's CPU time -- the same choice
bench/summary.c makes -- and the repetitions' spread. The level is the row's Google Benchmark label
("L1".."DRAM", written by simdgrad bench since issue 12), or for older runs derived from n and the
run's own cache sizes exactly as bench/sizes.c does, so runs from machines with different caches can
be matched by level (sgr_match.py).

Both generations of counter names are read: bytes_per_second / items_per_second / roofline_% (Google
Benchmark's standard counters, a percentage) and the older bytes/s / elements/s / roofline (a
fraction); FLOP/s is the same in both.
"""
import json
import math
import os
import re
import statistics

LEVELS = ("L1", "L2", "L3", "DRAM")
# The ceiling loops' arrays (bench/ceilings.c): read reads one, copy reads one and writes one, add
# reads two and writes one.
ARRAYS = {"read": 1, "copy": 2, "add": 3}
# Each elementwise family's arrays, mirroring src/eltwise.c's table: (inputs, outputs), each "f32"
# (4 bytes an element) or "mask2" (a 2-bit code, four to a byte). The report takes a row's bytes
# from the run itself (bytes_per_second x its time) and uses this only when a row has no byte rate
# and for the ceiling that bounds the family (eltwise_pattern). tests/report checks that it lists
# every elementwise family of src/simdgrad.h and agrees with the bytes the bench counted.
ELTWISE_ARRAYS = {
    "relu": (("f32",), ("f32",)),
    "relu_grad": (("f32", "f32"), ("f32",)),
    "relu_mask": (("f32",), ("f32", "mask2")),
    "relu_grad_mask": (("mask2", "f32 rare", "f32"), ("f32",)),  # y: read for NaN codes only
    "round_bf16": (("f32",), ("f32",)),
    "round_fp16": (("f32",), ("f32",)),
}


def eltwise_traffic(kernel, n):
    """Bytes one call over n elements reads plus writes (src/eltwise.c sg_eltwise_traffic); None
    for a family the table above does not know."""
    arrays = ELTWISE_ARRAYS.get(kernel)
    if arrays is None:
        return None
    sizes = {"mask2": (n + 3) // 4, "f32": 4 * n, "f32 rare": 0}
    return float(sum(sizes[t] for t in arrays[0] + arrays[1]))


def eltwise_pattern(kernel):
    """The measured streaming loop that bounds a family, as bench/kernels_bench.c chooses it: copy
    (one stream in, one out) for a family with one input array (relu, relu_mask, round_*), add (two
    in, one out) for two or more (relu_grad, relu_grad_mask) and for a family not in the table."""
    arrays = ELTWISE_ARRAYS.get(kernel)
    return "copy" if arrays is not None and len(arrays[0]) <= 1 else "add"


PEERS = ("openblas", "openblas_skx", "onednn")
# Counter names: (current, before issue 12).
BYTES_RATE = ("bytes_per_second", "bytes/s")
ITEMS_RATE = ("items_per_second", "elements/s")


def counter(b, names):
    """The first of the names b has, as a float; None when it has none."""
    for k in names:
        if k in b:
            return float(b[k])
    return None


def level_label(b):
    """The level simdgrad bench wrote as the row's label, or None (older runs, other rows)."""
    lab = b.get("label")
    return lab if lab in LEVELS else None
MATMUL_FORMS = ("matmul_nn", "matmul_tn", "matmul_nt")


class RunError(Exception):
    """A file that is not a usable run; the message names the file and the problem."""


class Row:
    __slots__ = ("name", "kernel", "impl", "param", "n", "shape", "steps", "level", "flops", "bytes",
                 "times", "best", "cv", "counters", "seq")

    def __init__(self, name, kernel, impl):
        self.name, self.kernel, self.impl = name, kernel, impl
        self.param = self.n = self.shape = self.steps = self.level = None
        self.flops = self.bytes = 0.0
        self.times, self.cv, self.counters = [], None, {}
        self.best = None
        self.seq = 0             # the family's place in the run (the harness's order)

    @property
    def family(self):
        """relu, relu_grad/g0:X, relu_grad_mask/g0:X, matmul_nn, train: what one chart line or table
        is about (an elementwise kernel with its swept parameter, if it has one)."""
        return f"{self.kernel}/{self.param}" if self.param else self.kernel

    @property
    def eltwise(self):
        """An elementwise row: its size is n (matmul has a shape, train steps)."""
        return self.n is not None

    @property
    def size_label(self):
        if self.n is not None:
            return f"n:{self.n} ({self.level})"
        if self.shape is not None:
            return "{}x{}x{}".format(*self.shape)
        return f"steps:{self.steps}"

    def rate(self):
        """GFLOP/s for matmul and train, GB/s for the elementwise kernels (as the summary prints)."""
        if self.best is None:
            return None
        if self.flops > 0:
            return self.flops / self.best / 1e9
        if self.bytes > 0:
            return self.bytes / self.best / 1e9
        return None

    def rate_unit(self):
        return "GFLOP/s" if self.flops > 0 else "GB/s"

    def per_cycle(self, clock_hz):
        """FLOP/cycle (matmul, train) or bytes/cycle (elementwise) at the run's measured clock."""
        r = self.rate()
        return r * 1e9 / clock_hz if r is not None and clock_hz else None

    def per_cycle_unit(self):
        return "FLOP/cycle" if self.flops > 0 else "B/cycle"


def is_hand(impl):
    """simdgrad's own kernels: an ISA name (not scalar, auto_*, a peer)."""
    return impl != "scalar" and not impl.startswith("auto_") and impl not in PEERS


class Run:
    def __init__(self, path, data):
        self.path = path
        self.display = None      # a name given on the command line (--labels)
        self.context = data.get("context", {})
        self.rows = {}           # name -> Row (kernels and train)
        self.peak = {}           # isa -> FMA FLOP/s (ceiling_fma)
        self.bw = {}             # (pattern, level) -> best bytes/s of every ceiling loop
        self.caches = caches_of(self.context, path)
        self.clock_hz = clock_of(self.context)  # None for runs from before issue 12
        self.labelled = False    # the levels came from the run's own labels
        self.families = []       # Row.family values in the order the run has them
        self._read(data.get("benchmarks", []))
        if not self.rows:
            raise RunError(f"{path}: no kernel benchmarks (elementwise <family>/<impl>/n:N, matmul_*, train) in it")

    @property
    def label(self):
        return self.display or self.default_label

    @property
    def default_label(self):
        host = os.path.basename(os.path.dirname(os.path.abspath(self.path)))
        host = re.sub(r"_[0-9a-f]{8}$", "", host)  # the host directory's hash: not informative here
        stem = os.path.splitext(os.path.basename(self.path))[0]
        return f"{host} {stem}"

    def level_of(self, nbytes):
        """bench/sizes.c sgb_level_of: the smallest cache the working set fits in."""
        l1, l2, l3 = self.caches
        if nbytes <= l1:
            return "L1"
        if nbytes <= l2:
            return "L2"
        if nbytes <= l3:
            return "L3"
        return "DRAM"

    def _read(self, benchmarks):
        cv_of, labelled = {}, set()
        for b in benchmarks:
            run_name = strip_suffixes(b.get("run_name", b.get("name", "")))
            if b.get("error_occurred"):
                continue
            if b.get("run_type") == "aggregate":
                manual = b.get("run_name", "").endswith("/manual_time")
                field = "real_time" if manual else "cpu_time"
                if b.get("aggregate_name") == "cv" and field in b:
                    cv_of[run_name] = float(b[field])
                continue
            # Manual-time rows (openblas_skx: the work runs in a helper process) are timed by the
            # wall clock the benchmark set; elsewhere CPU time (bench/shim.cc does the same).
            manual = b.get("run_name", b.get("name", "")).endswith("/manual_time")
            seconds = to_seconds(b.get("real_time" if manual else "cpu_time"), b.get("time_unit", "ns"))
            if seconds is None or seconds <= 0:
                continue
            if run_name.startswith("ceiling_"):
                self._ceiling(run_name, b)
                continue
            row = self.rows.get(run_name) or self._parse(run_name)
            if row is None:
                continue
            self.rows[run_name] = row
            row.times.append(seconds)
            if row.best is None or seconds < row.best:
                row.best = seconds
                row.counters = {k: b[k] for k in ("FLOP/s", "FLOP/cycle", "bytes/cycle", "roofline_%") if k in b}
                bps = counter(b, BYTES_RATE)
                if bps is not None:
                    row.counters["bytes_per_second"] = bps
                    if row.eltwise:
                        # The bytes the bench counted for one call: its byte rate is over this very
                        # time, so the product is exact to rounding (mask arrays: (n+3)/4 bytes).
                        row.bytes = float(round(bps * seconds))
                if "roofline" in b and "roofline_%" not in b:
                    row.counters["roofline_%"] = 100 * float(b["roofline"])
            # The level the run itself recorded wins over the one derived from n and the caches.
            if level_label(b) and row.kernel != "train":
                row.level = level_label(b)
                labelled.add(run_name)
                self.labelled = True
        for name, row in list(self.rows.items()):
            if row.eltwise and not row.bytes:
                del self.rows[name]  # neither a byte rate nor a known family: nothing to plot
                continue
            if row.eltwise and name not in labelled:
                # Derived from the bytes the bench counted (bench/sizes.c's rule, this run's caches).
                row.level = self.level_of(row.bytes)
            # Google Benchmark's own cv aggregate when it wrote one, else the repetitions' spread.
            if row.name in cv_of:
                row.cv = cv_of[row.name]
            elif len(row.times) > 1:
                row.cv = statistics.stdev(row.times) / statistics.mean(row.times)

    def _ceiling(self, name, b):
        parts = name.split("/")
        what = parts[0][len("ceiling_"):]
        if what == "fma":
            if "FLOP/s" in b:
                self.peak[parts[1]] = max(self.peak.get(parts[1], 0.0), float(b["FLOP/s"]))
            return
        n = arg(parts, "n")
        bps = counter(b, BYTES_RATE)
        if what not in ARRAYS or n is None or bps is None:
            return
        key = (what, level_label(b) or self.level_of(n * ARRAYS[what] * 4))
        self.bw[key] = max(self.bw.get(key, 0.0), bps)

    def _parse(self, name):
        parts = name.split("/")
        if len(parts) < 2:
            return None
        kernel, impl = parts[0], parts[1]
        row = Row(name, kernel, impl)
        if kernel not in MATMUL_FORMS and kernel != "train":
            # Any other family with an n: is elementwise (the bench registers every family of
            # src/eltwise.c as <family>/<impl>[/<param>:<value>]/n:<n>), whether or not the
            # report has heard of it.
            row.n = arg(parts, "n")
            if row.n is None or arg(parts, "m") is not None:
                return None
            # A swept parameter (relu_grad's and relu_grad_mask's g0) is part of the family.
            params = [p for p in parts[2:] if ":" in p and not p.startswith("n:")]
            row.param = "/".join(params) or None
            # Until the row's byte rate is read: the table's count (0 for an unknown family).
            row.bytes = eltwise_traffic(kernel, row.n) or 0.0
            # The harness counts these kernels by bytes only; for the roofline chart one operation
            # per element (relu's max, relu_grad's select / g0 multiply, a rounding) is credited.
            row.flops = 0.0
        elif kernel in MATMUL_FORMS:
            m, n, k = arg(parts, "m"), arg(parts, "n"), arg(parts, "k")
            if None in (m, n, k):
                return None
            row.shape = (m, n, k)
            row.flops = 2.0 * m * n * k
            row.bytes = 4.0 * (m * k + k * n + m * n)
            row.level = self.level_of(row.bytes)
        elif kernel == "train":
            row.steps = arg(parts, "steps")
            if row.steps is None:
                return None
            # train rows report FLOP/s as a counter; per-call FLOPs come from it and the time.
        else:
            return None
        if row.family not in self.families:
            self.families.append(row.family)
        row.seq = self.families.index(row.family)
        return row

    def finish(self):
        """Fills in what needs the best repetition (train's FLOPs per call)."""
        for row in self.rows.values():
            if row.kernel == "train" and "FLOP/s" in row.counters and row.best:
                row.flops = float(row.counters["FLOP/s"]) * row.best
        return self

    # ---- queries ----
    def impls(self):
        """Implementations in a fixed, readable order: scalar, auto_*, ISAs, peers."""
        seen = {r.impl for r in self.rows.values()}
        return sorted(seen, key=impl_order)

    def find(self, family, size_key):
        return {r.impl: r for r in self.rows.values() if r.family == family and key_size(r) == size_key}

    def ceiling_bw(self, pattern, level):
        """The bandwidth bound: the best loop of that pattern and level (bench/summary.c bw_of)."""
        return self.bw.get((pattern, level))

    def roofline_fraction(self, row):
        """bench/summary.c: max(FLOPs / ISA peak, bytes / bandwidth) / time; None without a roof."""
        if row.best is None:
            return None
        isa = row.impl[len("auto_"):] if row.impl.startswith("auto_") else row.impl
        if row.impl in PEERS:
            peak = max(self.peak.values(), default=0)
        else:
            peak = self.peak.get(isa if isa in self.peak else "scalar", 0)
        pattern = eltwise_pattern(row.kernel) if row.eltwise else "add"
        bw = self.ceiling_bw(pattern, row.level) if row.level else None
        t = 0.0
        if row.kernel in MATMUL_FORMS:
            if not peak or not bw:
                return None
            t = max(row.flops / peak, row.bytes / bw)
        elif row.eltwise:
            if not bw:
                return None
            t = row.bytes / bw
        else:
            return None
        return t / row.best


def key_size(row):
    return row.n if row.n is not None else row.shape if row.shape is not None else row.steps


def impl_order(impl):
    if impl == "scalar":
        return (0, impl)
    if impl.startswith("auto_"):
        return (1, isa_rank(impl[5:]), impl)
    if impl in PEERS:
        return (3, PEERS.index(impl), impl)
    return (2, isa_rank(impl), impl)


def isa_rank(isa):
    order = ("scalar", "neon", "avx2", "sve", "avx512")
    return order.index(isa) if isa in order else len(order)


def strip_suffixes(name):
    """Suffixes Google Benchmark adds for manual time and own repetition counts (summary.c)."""
    return re.sub(r"/(repeats:\d+|manual_time)(?=/|$)", "", name)


def arg(parts, key):
    for p in parts:
        if p.startswith(key + ":"):
            try:
                return int(p[len(key) + 1:])
            except ValueError:
                return None
    return None


def to_seconds(value, unit):
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}.get(unit)
    if value is None or scale is None:
        return None
    try:
        v = float(value) * scale
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def caches_of(ctx, path):
    """(L1d, L2, L3 used) in bytes. simdgrad's own context line (hwloc, with the L3 clamp and
    override the sizes were made with) first; Google Benchmark's cache list as a fallback."""
    s = ctx.get("hwloc_caches", "")
    m = re.search(r"L1d (\d+), L2 (\d+), L3 (\d+)(?: \(used (\d+))?", s)
    if m:
        l1, l2, l3 = int(m.group(1)), int(m.group(2)), int(m.group(4) or m.group(3))
        if l1 and l2 and l3:
            return (l1, l2, l3)
    found = {}
    for c in ctx.get("caches", []):
        if c.get("type") in ("Data", "Unified") and c.get("level") in (1, 2, 3):
            found[c["level"]] = int(c["size"])
    if all(k in found for k in (1, 2, 3)):
        return (found[1], found[2], min(found[3], 64 << 20))
    raise RunError(f"{path}: no cache sizes in the context (hwloc_caches or caches): cannot tell the levels")


def clock_of(ctx):
    """The clock simdgrad bench measured at the start of the run (bench/clock.c), in Hz."""
    try:
        ghz = float(ctx.get("clock_ghz_measured", ""))
    except ValueError:
        return None
    return ghz * 1e9 if ghz > 0 else None


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise RunError(f"{path}: {e.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise RunError(f"{path}: not JSON ({e})") from None
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise RunError(f"{path}: not a Google Benchmark JSON run (no 'benchmarks' list)")
    return Run(path, data).finish()
