#!/usr/bin/python3
"""simdgrad model: a static throughput model of the hand-written kernels' hot loops, per target core.

For every kernel (relu, relu_grad, relu_mask and relu_grad_mask on x86, the matmul microkernels and small-shape paths of each ISA) this
disassembles the *compiled object* of the build (llvm-objdump), finds the kernel's steady-state inner
loop, runs llvm-mca on it for a list of cores and reports cycles per iteration, work (elements or
FLOPs) per cycle, the bottleneck resource and the fraction of that core's peak. Peaks come from
llvm-mca itself, run on synthetic loops (independent FMAs; load/store-only copies), so numerator and
denominator share one machine model. This is a MODEL, not a measurement: see docs/model.md.

Why the objects are disassembled instead of marking loops with LLVM-MCA-BEGIN/END inline asm: the
markers need `__asm__ volatile`, which gcc treats as a scheduling barrier and never moves or
duplicates, so a marked loop can be scheduled (and unrolled) differently from the shipped one. Reading
the objects models exactly the code that runs and leaves the kernels untouched. A loop is a backward
branch whose range contains no other branch (a single basic block, which is what llvm-mca can
simulate); each kernel names its function and a selector (FMA count, instructions that must or must
not be present) that picks one of those loops.

Exit codes: 0 ok, 2 bad usage or missing tools/objects (one line on stderr).
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

SCHEMA = "simdgrad-model/1"
NOTE = ("model, not a measurement: llvm-mca steady-state throughput of each kernel's inner loop "
        "(L1-resident data, no cache misses, no frontend effects beyond dispatch width)")

# ---- Target cores ------------------------------------------------------------------------------
# name: llvm -mcpu; arch; the ISAs of this project the core runs; SVE vector length assumed (bits).
# llvm-mca's scheduling models do not depend on the vector length, so SVE work per instruction is
# VL/32 floats with VL the core's native length (Neoverse N2/V2 and Cortex-A710: 128, V1: 256,
# A64FX: 512).
CORES = [
    ("skylake-avx512", "x86_64", ("avx2", "avx512"), None),
    ("icelake-server", "x86_64", ("avx2", "avx512"), None),
    ("sapphirerapids", "x86_64", ("avx2", "avx512"), None),
    ("znver3", "x86_64", ("avx2",), None),
    ("znver4", "x86_64", ("avx2", "avx512"), None),
    ("neoverse-n1", "aarch64", ("neon",), None),
    ("neoverse-v1", "aarch64", ("neon", "sve"), 256),
    ("neoverse-n2", "aarch64", ("neon", "sve"), 128),
    ("neoverse-v2", "aarch64", ("neon", "sve"), 128),
    ("a64fx", "aarch64", ("neon", "sve"), 512),
    ("apple-m1", "aarch64", ("neon",), None),
    ("cortex-a76", "aarch64", ("neon",), None),
    ("cortex-a710", "aarch64", ("neon", "sve"), 128),
]
CORE = {c[0]: c for c in CORES}
ISA_ARCH = {"avx2": "x86_64", "avx512": "x86_64", "neon": "aarch64", "sve": "aarch64"}

# ---- Kernels -----------------------------------------------------------------------------------
# name, isa, family (object simd_<isa>_<family>.c.o), function, selector, kind, what it serves.
#   selector: pick = "stores" (the loop with the most vector stores) or "first" (lowest address among
#   matches); fma = exact FMA count; has / hasnot = regexes over "mnemonic operands" lines.
#   kind: "elementwise" (work = elements = lanes stored per iteration) or "matmul" (work = FLOPs =
#   2 x lanes of every FMA). useful_lanes: lanes per FMA that produce an output when fewer than the
#   register holds (the n = 1 row path loads one B float per step with vmovss).
KERNELS = [
    dict(name="avx2/relu", isa="avx2", family="relu", func="relu_large", pick="stores", hasnot=[r"^vmovnt"],
         kind="elementwise", serves="relu main loop (4 ymm per iteration)"),
    dict(name="avx2/relu_grad", isa="avx2", family="relu_grad", func="relu_grad_large", pick="stores",
         side_exits=True, hasnot=[r"^vmovnt", r"^vmulps"], kind="elementwise",
         serves="relu_grad fast main loop (4 ymm per iteration; h without zeros or NaNs)"),
    dict(name="avx2/relu_mask", isa="avx2", family="relu_mask", func="relu_mask_large", pick="stores",
         hasnot=[r"^vmovnt"], kind="elementwise", serves="relu_mask main loop (4 ymm + 8 code bytes per iteration)"),
    dict(name="avx2/relu_grad_mask", isa="avx2", family="relu_grad_mask", func="relu_grad_mask_large",
         pick="stores", side_exits=True, hasnot=[r"^vmovnt", r"^vmulps"], kind="elementwise",
         serves="relu_grad_mask fast main loop (4 ymm per iteration; codes all NEG or POS)"),
    dict(name="avx2/matmul.ukernel_6x16", isa="avx2", family="matmul", func="ukernel_6x16", fma=48,
         kind="matmul", serves="packed microkernel, 4 k steps (unrolled 4x; op(A) > L2/4 NN/TN, > L1d NT/TT)"),
    dict(name="avx2/matmul.rows_4x16", isa="avx2", family="matmul", func="direct_rows", fma=8,
         kind="matmul", serves="unpacked 4x16 block, one k step (n >= 8, below the packing threshold)"),
    dict(name="avx2/matmul.rows_4x1", isa="avx2", family="matmul", func="direct_rows", fma=4,
         has=[r"^vmovss "], kind="matmul", useful_lanes=1,
         serves="unpacked n = 1 path (h_relu*w2: 4x30*30x1), one k step; 1 useful lane per FMA"),
    dict(name="avx512/relu", isa="avx512", family="relu", func="sg_avx512_relu", pick="stores",
         kind="elementwise", serves="relu main loop (4 zmm per iteration)"),
    dict(name="avx512/relu_grad", isa="avx512", family="relu_grad", func="sg_avx512_relu_grad",
         pick="stores", kind="elementwise", serves="relu_grad main loop (2 zmm per iteration)"),
    dict(name="avx512/relu_mask", isa="avx512", family="relu_mask", func="sg_avx512_relu_mask", pick="stores",
         kind="elementwise", serves="relu_mask main loop (4 zmm + 16 code bytes per iteration)"),
    dict(name="avx512/relu_grad_mask", isa="avx512", family="relu_grad_mask", func="sg_avx512_relu_grad_mask",
         pick="stores", side_exits=True, kind="elementwise",
         serves="relu_grad_mask main loop (4 zmm per iteration; codes without NAN)"),
    dict(name="avx512/matmul.ukernel_12x32", isa="avx512", family="matmul", func="ukernel_12x32", fma=24,
         kind="matmul", serves="packed microkernel, one k step (op(A) > L2/2)"),
    dict(name="avx512/matmul.rows_4x32", isa="avx512", family="matmul", func="direct_rows", fma=8,
         kind="matmul", serves="unpacked 4x32 block, one k step (n > 16, op(A) <= L2/2)"),
    dict(name="avx512/matmul.rows_4x16m", isa="avx512", family="matmul", func="direct_rows", fma=4,
         kind="matmul", serves="unpacked masked 4x16 block (n <= 16, also n = 1); full-mask FLOPs"),
    dict(name="avx512/matmul.cols_32", isa="avx512", family="matmul", func="direct_cols", fma=2,
         kind="matmul", serves="unpacked TN n = 1 path (grad_w2: 30x4'*4x1), one k step, full masks"),
    dict(name="neon/relu", isa="neon", family="relu", func="sg_neon_relu", pick="stores",
         kind="elementwise", serves="relu main loop (4 q per iteration)"),
    dict(name="neon/relu_grad", isa="neon", family="relu_grad", func="sg_neon_relu_grad", pick="stores",
         kind="elementwise", serves="relu_grad main loop (2 q per iteration)"),
    dict(name="neon/matmul.tile_4x8", isa="neon", family="matmul", func="sg_neon_matmul", fma=32,
         kind="matmul", serves="4x8 tile, A not transposed: 4 k steps per iteration"),
    dict(name="neon/matmul.tile_4x8_at", isa="neon", family="matmul", func="sg_neon_matmul", fma=8,
         hasnot=[r"^ld1r "], kind="matmul", serves="4x8 tile, A transposed: 1 k step per iteration"),
    dict(name="neon/matmul.column4", isa="neon", family="matmul", func="sg_neon_matmul", fma=1,
         has=[r"^ld1\s+\{ ?v\d+\.s ?\}\["], kind="matmul",
         serves="n % 4 columns, A not transposed (4x30*30x1): 4 lane loads, 1 k step"),
    dict(name="neon/matmul.column4_at", isa="neon", family="matmul", func="sg_neon_matmul", fma=1,
         has=[r"^ld1r "], hasnot=[r"^ld1\s+\{ ?v\d+\.s ?\}\["], kind="matmul",
         serves="n % 4 columns, A transposed (30x4'*4x1): 1 k step"),
    dict(name="sve/relu", isa="sve", family="relu", func="sg_sve_relu", pick="stores",
         kind="elementwise", serves="relu main loop (2 z per iteration)"),
    dict(name="sve/relu_grad", isa="sve", family="relu_grad", func="sg_sve_relu_grad", pick="stores",
         kind="elementwise", serves="relu_grad main loop (2 z per iteration)"),
    dict(name="sve/matmul.tile_4x2v", isa="sve", family="matmul", func="by_columns", fma=32,
         kind="matmul", serves="4 x 2VL tile, A not transposed: 4 k steps per iteration"),
    dict(name="sve/matmul.by_rows", isa="sve", family="matmul", func="sg_sve_matmul", fma=1,
         has=[r"^ld1w .*z\d+\.s, uxtw"], kind="matmul",
         serves="narrow n < VL, A not transposed (4x30*30x1): gather of A, 1 k step, full predicate"),
]

BRANCH_X86 = re.compile(r"^(j[a-z]+|loop[a-z]*|jmp|call[a-z]*|ret[a-z]*)$")
BRANCH_ARM = re.compile(r"^(b|bl|br|blr|ret|b\.[a-z]+|cbn?z|tbn?z)$")
FMA_X86 = re.compile(r"^vf(n)?m(add|sub)(132|213|231)(ps|ss)$")
FMA_ARM = re.compile(r"^(fmla|fmadd)$")


class UsageError(Exception):
    pass


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, check=True, **kw).stdout


# ---- Tools --------------------------------------------------------------------------------------
def find_llvm(explicit):
    """llvm-mca (and the llvm-objdump of the same release): --llvm-mca, $SIMDGRAD_LLVM_MCA, else the
    newest versioned one on PATH, else plain llvm-mca."""
    cands = [explicit] if explicit else []
    if os.environ.get("SIMDGRAD_LLVM_MCA"):
        cands.append(os.environ["SIMDGRAD_LLVM_MCA"])
    if not cands:
        for v in range(20, 13, -1):
            cands.append(f"llvm-mca-{v}")
        cands.append("llvm-mca")
    for c in cands:
        path = shutil.which(c)
        if path:
            break
    else:
        raise UsageError("llvm-mca not found (Debian: apt-get install llvm-16; or --llvm-mca PATH)")
    ver_out = run([path, "--version"])
    m = re.search(r"LLVM version (\d+)\.(\d+)\.(\d+)", ver_out)
    if not m:
        raise UsageError(f"cannot read the LLVM version of {path}")
    version = m.group(0).split()[-1]
    major = m.group(1)
    objdump = None
    for c in (os.path.join(os.path.dirname(os.path.realpath(path)), "llvm-objdump"), f"llvm-objdump-{major}",
              "llvm-objdump"):
        if shutil.which(c):
            objdump = shutil.which(c)
            break
    if not objdump:
        raise UsageError(f"llvm-objdump for LLVM {major} not found next to {path}")
    return path, objdump, version, major


def known_cpus(mca, triple):
    p = subprocess.run([mca, f"-mtriple={triple}", "-mcpu=help"], input="", capture_output=True, text=True)
    out = p.stdout + p.stderr  # the list goes to stdout or stderr depending on the LLVM release
    return set(re.findall(r"^\s+([a-z0-9][a-z0-9.\-_]*)\s+- Select the", out, re.M))


# ---- Objects ------------------------------------------------------------------------------------
def find_object(build, isa, family):
    hits = sorted(glob.glob(os.path.join(build, "**", f"libsg_{isa}.a.p", f"simd_{isa}_{family}.c.o"),
                            recursive=True))
    return hits[0] if hits else None


def object_compiler(path):
    """The producer recorded in .comment ("GCC: (Debian 12.2.0-14) 12.2.0"): the model belongs to the
    code one compiler generated, like the icount baseline."""
    try:
        data = open(path, "rb").read()
    except OSError:
        return "unknown"
    m = re.search(rb"(GCC: \([^)]*\) [0-9.]+|clang version [0-9.]+)", data)
    return m.group(1).decode() if m else "unknown"


_DISASM = {}


def disassemble(objdump, path, arch):
    """{function: [(offset, mnemonic, operands)]} from llvm-objdump, comments stripped."""
    if path in _DISASM:
        return _DISASM[path]
    args = [objdump, "-d", "--no-show-raw-insn"]
    if arch == "aarch64":
        args.append("--mattr=+sve")
    out = run(args + [path])
    funcs, cur = {}, None
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if m:
            cur = funcs.setdefault(m.group(1), [])
            continue
        m = re.match(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$", line)
        if m and cur is not None:
            ops = m.group(3)
            ops = ops.split("//")[0] if arch == "aarch64" else ops.split("#")[0]
            cur.append((int(m.group(1), 16), m.group(2), " ".join(ops.split())))
    _DISASM[path] = funcs
    return funcs


def single_block_loops(ins, arch, side_exits=False):
    """Innermost loops that are one basic block: a backward branch at the end, no other branch in
    between. With side_exits, branches in between that leave the loop (target outside it) are allowed:
    a fast path that bails out to a slow one (avx2 relu_grad); llvm-mca models them as not taken.
    Returns [(start_index, end_index)] into ins."""
    is_branch = BRANCH_X86 if arch == "x86_64" else BRANCH_ARM
    index = {off: i for i, (off, _, _) in enumerate(ins)}

    def target_of(ops):
        m = re.search(r"0x([0-9a-f]+) <", ops)
        return int(m.group(1), 16) if m else None

    loops = []
    for i, (off, mn, ops) in enumerate(ins):
        if not is_branch.match(mn):
            continue
        target = target_of(ops)
        if target is None or target > off or target not in index:
            continue
        s = index[target]

        def inner_ok(x):
            if not is_branch.match(x[1]):
                return True
            t = target_of(x[2])
            return side_exits and t is not None and (t < target or t > off)

        if not all(inner_ok(x) for x in ins[s:i]):
            continue
        loops.append((s, i))
    return loops


def lanes(arch, mn, ops, vl_bits):
    """Floats one instruction operates on / stores, from its register operands."""
    if arch == "x86_64":
        if mn.endswith("ss"):
            return 1
        for reg, n in (("%zmm", 16), ("%ymm", 8), ("%xmm", 4)):
            if reg in ops:
                return n
        return 0
    if re.search(r"\bz\d+\.s\b", ops):
        return vl_bits // 32 if vl_bits else 0
    if re.match(r"^\{ ?v\d+\.s ?\}\[", ops):  # single-lane st1/ld1
        return 1
    m = re.search(r"\bv\d+\.(\d+)s\b", ops)
    if m:
        return int(m.group(1))
    regs = re.findall(r"\b([qds])\d+\b", ops.split("[")[0])
    return sum({"q": 4, "d": 2, "s": 1}[r] for r in regs)


def is_vector_store(arch, mn, ops):
    if arch == "x86_64":
        # AT&T: a store's destination (last operand) is memory; ignore the trailing {%k} mask.
        o = re.sub(r"\s*\{%k\d\}(\{z\})?$", "", ops)
        return bool(re.match(r"^v?mov(u|a|nt)?p[sd]$|^vmovss$|^vmovnt", mn)) and o.endswith(")")
    return mn.startswith(("st1", "str", "stp", "stur", "stnp")) and bool(re.search(r"\b([qs]|z|v)\d+", ops))


def loop_features(arch, body, vl_bits):
    fma = [x for x in body if (FMA_X86 if arch == "x86_64" else FMA_ARM).match(x[1])]
    stores = [x for x in body if is_vector_store(arch, x[1], x[2])]
    return {
        "fma": len(fma),
        "fma_lanes": sum(lanes(arch, x[1], x[2], vl_bits) for x in fma),
        "stores": len(stores),
        "store_lanes": sum(lanes(arch, x[1], x[2], vl_bits) for x in stores),
    }


def extract(kernel, build, objdump):
    """The kernel's loop: {"object", "function", "offset", "lines": ["mn ops", ...]} or raises."""
    arch = ISA_ARCH[kernel["isa"]]
    obj = find_object(build, kernel["isa"], kernel["family"])
    if not obj:
        raise LookupError(f"no object simd_{kernel['isa']}_{kernel['family']}.c.o under {build}")
    funcs = disassemble(objdump, obj, arch)
    # The static helpers may be inlined into the exported entry point (clang inlines ukernel_6x16 into
    # sg_avx2_matmul, gcc keeps it), so the entry point is searched next.
    tried = []
    for want in (kernel["func"], f"sg_{kernel['isa']}_{kernel['family']}"):
        fname = next((f for f in sorted(funcs) if re.match(rf"^{re.escape(want)}(\.|$)", f)), None)
        if fname is None or fname in tried:
            continue
        tried.append(fname)
        try:
            return pick_loop(kernel, arch, obj, fname, funcs[fname])
        except LookupError as e:
            err = e
    if not tried:
        raise LookupError(f"function {kernel['func']} not in {os.path.basename(obj)}")
    raise err


def pick_loop(kernel, arch, obj, fname, ins):
    cands = []
    for s, e in single_block_loops(ins, arch, kernel.get("side_exits", False)):
        body = ins[s:e + 1]
        text = [f"{mn} {ops}".strip() for _, mn, ops in body]
        feat = loop_features(arch, body, 128)
        if "fma" in kernel and feat["fma"] != kernel["fma"]:
            continue
        if any(not any(re.search(p, t) for t in text) for p in kernel.get("has", [])):
            continue
        if any(any(re.search(p, t) for t in text) for p in kernel.get("hasnot", [])):
            continue
        cands.append((s, e, body, feat))
    if kernel.get("pick") == "stores":
        cands = [c for c in cands if c[3]["stores"] > 0]
        cands.sort(key=lambda c: (-c[3]["stores"], ins[c[0]][0]))
    if not cands:
        raise LookupError(f"no single-block loop matching the selector in {fname}")
    s, e, body, _ = cands[0]
    return {"object": obj, "function": fname, "offset": ins[s][0] - ins[0][0], "body": body}


def mca_source(body):
    """Assembly llvm-mca can parse: the backward branch gets a label at the loop top."""
    lines = [".Lsg_loop:"]
    for _, mn, ops in body:
        ops = re.sub(r"0x[0-9a-f]+ <[^>]*>", ".Lsg_loop", ops)
        lines.append(f"\t{mn}\t{ops}" if ops else f"\t{mn}")
    return "\n".join(lines) + "\n"


# ---- llvm-mca -----------------------------------------------------------------------------------
def mca(mca_path, arch, cpu, src, sve, iters):
    triple = "x86_64-unknown-linux-gnu" if arch == "x86_64" else "aarch64-unknown-linux-gnu"
    args = [mca_path, f"-mtriple={triple}", f"-mcpu={cpu}", f"-iterations={iters}", "-bottleneck-analysis",
            "-resource-pressure", "-instruction-info=false"]
    if sve:
        args.append("-mattr=+sve")
    with tempfile.NamedTemporaryFile("w", suffix=".s", delete=False) as f:
        f.write(src)
        name = f.name
    try:
        p = subprocess.run(args + [name], capture_output=True, text=True)
    finally:
        os.unlink(name)
    if p.returncode != 0:
        raise RuntimeError(f"llvm-mca -mcpu={cpu}: " + (p.stderr.strip().splitlines() or ["failed"])[0])
    return p.stdout


def parse_mca(out):
    r = {}
    for key, pat in (("cycles", r"Total Cycles:\s+(\d+)"), ("uops", r"Total uOps:\s+(\d+)"),
                     ("iterations", r"Iterations:\s+(\d+)"), ("width", r"Dispatch Width:\s+(\d+)")):
        r[key] = int(re.search(pat, out).group(1))
    for key, pat in (("pressure_pct", r"Resource Pressure\s+\[\s*([\d.]+)%"),
                     ("regdep_pct", r"- Register Dependencies \[\s*([\d.]+)%"),
                     ("memdep_pct", r"- Memory Dependencies\s+\[\s*([\d.]+)%")):
        m = re.search(pat, out)
        r[key] = float(m.group(1)) if m else 0.0
    names = dict(re.findall(r"^\[([\d.]+)\]\s+- (\S+)", out, re.M))
    m = re.search(r"Resource pressure per iteration:\n(.*)\n(.*)\n", out)
    pressure = {}
    if m:
        heads = re.findall(r"\[([\d.]+)\]", m.group(1))
        vals = m.group(2).split()
        for h, v in zip(heads, vals):
            pressure[names.get(h, h) + ("" if "." not in h else "." + h.split(".")[1])] = \
                0.0 if v == "-" else float(v)
    r["pressure"] = pressure
    r["resources"] = sorted(set(names.values()))
    return r


def steady_state(mca_path, arch, cpu, src, sve):
    """Cycles per iteration without pipeline fill and drain: (T(200) - T(100)) / 100."""
    a = parse_mca(mca(mca_path, arch, cpu, src, sve, 100))
    b = parse_mca(mca(mca_path, arch, cpu, src, sve, 200))
    cpi = (b["cycles"] - a["cycles"]) / 100.0
    uops = b["uops"] / b["iterations"]
    top = max(b["pressure"].values()) if b["pressure"] else 0.0
    busiest = sorted(k for k, v in b["pressure"].items() if v >= top - 0.005 and top > 0)
    if top >= 0.9 * cpi:
        bottleneck = "+".join(busiest) + f" ({top:.2f} c/iter)"
        kind = "resource"
    elif uops / b["width"] >= 0.9 * cpi:
        bottleneck = f"dispatch ({uops:.0f} uops / {b['width']}-wide)"
        kind = "dispatch"
    else:
        bottleneck = f"latency (loop-carried dependency; busiest {'+'.join(busiest)} {top:.2f} c/iter)"
        kind = "latency"
    return {"cycles_per_iter": cpi, "uops_per_iter": uops, "bottleneck": bottleneck, "bottleneck_kind": kind,
            "resources": b["resources"], "regdep_pct": b["regdep_pct"], "pressure_pct": b["pressure_pct"]}


def llvm_model_name(resources):
    """The scheduling model behind an -mcpu, named by its resources' common prefix (A57Unit..., N2Unit...,
    SKX..., Zn3...): several -mcpu names share one model in LLVM, and the table must say so."""
    if not resources:
        return "?"
    p = os.path.commonprefix(resources)
    p = re.sub(r"(Unit|Port|Divider|AGU|ALU|IP)[A-Za-z0-9]*$", "", p)
    return p or resources[0]


# ---- Synthetic peak loops ("roofs") -----------------------------------------------------------
def roof_sources(arch, isa):
    """{roof: [(asm, work per iteration as a function of SVE VL), ...]}: the FMA peak and the load/store
    port peaks of the two elementwise patterns (copy: 1 load + 1 store per vector, as relu; add: 2 loads
    + 1 store, as relu_grad). The memory loops do no compute, so they are port bounds. Where the ISA has
    several forms (NEON/SVE: plain and by-element FMLA, ldr/str and ldp/stp) every form is a variant and
    the roof is the fastest one: some models send the forms to different units (LLVM's Cyclone model,
    used for apple-m1, runs by-element FMLA on 3 pipes and plain FMLA on 2)."""
    L = ".Lsg_loop:\n"
    if arch == "x86_64":
        reg, w = ("zmm", 16) if isa == "avx512" else ("ymm", 8)
        nacc, s1, s2 = (24, 30, 31) if isa == "avx512" else (12, 14, 15)
        fma = "".join(f"\tvfmadd231ps %{reg}{s1}, %{reg}{s2}, %{reg}{i}\n" for i in range(nacc))
        fma += "\tdecq %rcx\n\tjne .Lsg_loop\n"
        tail = lambda step: f"\taddq ${step}, %rax\n\tcmpq %rax, %r8\n\tjne .Lsg_loop\n"
        copy = "".join(f"\tvmovups {i * w * 4}(%rdi,%rax), %{reg}{i}\n\tvmovups %{reg}{i}, {i * w * 4}(%rdx,%rax)\n"
                       for i in range(4)) + tail(4 * w * 4)
        add = "".join(f"\tvmovups {i * w * 4}(%rdi,%rax), %{reg}{i}\n\tvmovups {i * w * 4}(%rsi,%rax), "
                      f"%{reg}{i + 4}\n\tvmovups %{reg}{i}, {i * w * 4}(%rdx,%rax)\n" for i in range(2)) + tail(2 * w * 4)
        return {"fma": [(L + fma, lambda vl: nacc * w * 2)], "copy": [(L + copy, lambda vl: 4 * w)],
                "add": [(L + add, lambda vl: 2 * w)]}
    tail = "\tadd x9, x9, #64\n\tcmp x9, x10\n\tb.ne .Lsg_loop\n"
    loopend = "\tsubs x11, x11, #1\n\tb.ne .Lsg_loop\n"
    if isa == "sve":
        fma = "".join(f"\tfmla z{i}.s, p0/m, z28.s, z29.s\n" for i in range(24)) + loopend
        fmai = "".join(f"\tfmla z{i}.s, z28.s, z7.s[{i % 4}]\n" for i in range(8, 24)) + loopend
        copy = "".join(f"\tld1w {{ z{i}.s }}, p0/z, [x0, #{i}, mul vl]\n\tst1w {{ z{i}.s }}, p0, [x2, #{i}, mul vl]\n"
                       for i in range(4)) + "\tincb x0, all, mul #4\n\tincb x2, all, mul #4\n" + tail
        add = "".join(f"\tld1w {{ z{i}.s }}, p0/z, [x0, #{i}, mul vl]\n\tld1w {{ z{i + 4}.s }}, p0/z, [x1, #{i}, mul vl]\n"
                      f"\tst1w {{ z{i}.s }}, p0, [x2, #{i}, mul vl]\n" for i in range(2)) + \
            "\tincb x0, all, mul #2\n\tincb x1, all, mul #2\n\tincb x2, all, mul #2\n" + tail
        return {"fma": [(L + fma, lambda vl: 24 * (vl // 32) * 2), (L + fmai, lambda vl: 16 * (vl // 32) * 2)],
                "copy": [(L + copy, lambda vl: 4 * (vl // 32))], "add": [(L + add, lambda vl: 2 * (vl // 32))]}
    fma = "".join(f"\tfmla v{i}.4s, v28.4s, v29.4s\n" for i in range(24)) + loopend
    fmai = "".join(f"\tfmla v{i}.4s, v28.4s, v29.s[{i % 4}]\n" for i in range(24)) + loopend
    copy = "".join(f"\tldr q{i}, [x0, #{16 * i}]\n\tstr q{i}, [x2, #{16 * i}]\n" for i in range(4)) + \
        "\tadd x0, x0, #64\n\tadd x2, x2, #64\n" + tail
    copyp = "\tldp q0, q1, [x0]\n\tldp q2, q3, [x0, #32]\n\tstp q0, q1, [x2]\n\tstp q2, q3, [x2, #32]\n" + \
        "\tadd x0, x0, #64\n\tadd x2, x2, #64\n" + tail
    add = "".join(f"\tldr q{i}, [x0, #{16 * i}]\n\tldr q{i + 4}, [x1, #{16 * i}]\n\tstr q{i}, [x2, #{16 * i}]\n"
                  for i in range(2)) + "\tadd x0, x0, #32\n\tadd x1, x1, #32\n\tadd x2, x2, #32\n" + tail
    addp = "\tldp q0, q1, [x0]\n\tldp q4, q5, [x1]\n\tstp q0, q1, [x2]\n" + \
        "\tadd x0, x0, #32\n\tadd x1, x1, #32\n\tadd x2, x2, #32\n" + tail
    return {"fma": [(L + fma, lambda vl: 24 * 4 * 2), (L + fmai, lambda vl: 24 * 4 * 2)],
            "copy": [(L + copy, lambda vl: 16), (L + copyp, lambda vl: 16)],
            "add": [(L + add, lambda vl: 8), (L + addp, lambda vl: 8)]}


def roof_rate_of(results, rkey, variants, vl):
    """Work per cycle of the fastest variant of a roof."""
    return max(work(vl) / results[("r", rkey, i)]["cycles_per_iter"] for i, (_, work) in enumerate(variants))


def roof_for(kernel):
    if kernel["kind"] == "matmul":
        return "fma"
    return "copy" if kernel["family"] in ("relu", "relu_mask") else "add"


# ---- Main ---------------------------------------------------------------------------------------
def fmt(x, nd=3):
    return float(f"{x:.{nd}f}")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit 2, like every simdgrad command
        raise UsageError(message)


def parse_args(argv):
    ap = _Parser(prog="simdgrad model", description=__doc__.split("\n\n")[0])
    ap.add_argument("--cpu", help="comma-separated llvm -mcpu names (default: every core in the table "
                                  "that this llvm-mca knows and whose objects are built)")
    ap.add_argument("--kernel", help="regex over kernel names, e.g. '^avx2/' or 'relu'")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON (deterministic)")
    ap.add_argument("--build", help="native build directory (default: ./build or the tool's ../../build)")
    ap.add_argument("--arm-build", help="aarch64 cross build directory (default: build-arm beside --build)")
    ap.add_argument("--llvm-mca", help="llvm-mca binary (default: $SIMDGRAD_LLVM_MCA or newest on PATH)")
    ap.add_argument("--measured", metavar="BENCH_JSON",
                    help="simdgrad bench --save JSON from this machine: adds a model/measured table")
    ap.add_argument("--measured-cpu", default="znver3", help="the model closest to the measured machine")
    ap.add_argument("--clock-ghz", type=float, help="this machine's core clock, for --measured (else only the "
                                                     "clock implied by the bench's FMA ceiling is used)")
    ap.add_argument("--measure-clock", action="store_true",
                    help="measure the clock with tools/model/clock.c (a dependent-add chain; needs cc)")
    ap.add_argument("--compare", metavar="ISA_A,ISA_B", action="append", default=[],
                    help="also print ISA_B vs ISA_A per core and kernel pair (neon,sve or avx2,avx512; repeatable)")
    ap.add_argument("--list-kernels", action="store_true", help="print the kernel names and exit")
    ap.add_argument("--llvm-version", action="store_true",
                    help="print the version of the llvm-mca that would be used and exit (ci-check --mode model "
                         "picks its baseline, model-llvm-<major>.json, by it)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel llvm-mca runs (default 2)")
    return ap.parse_args(argv)


def main(argv):
    a = parse_args(argv)
    if a.list_kernels:
        for k in KERNELS:
            print(f"{k['name']:30} {k['serves']}")
        return 0
    if a.llvm_version:
        print(find_llvm(a.llvm_mca)[2])
        return 0
    try:
        krx = re.compile(a.kernel) if a.kernel else None
    except re.error as e:
        raise UsageError(f"bad --kernel regex: {e}")
    kernels = [k for k in KERNELS if not krx or krx.search(k["name"])]
    if not kernels:
        raise UsageError(f"--kernel '{a.kernel}' matches no kernel (see --list-kernels)")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    build = a.build or next((d for d in ("build", os.path.join(root, "build")) if os.path.isdir(d)), None)
    if not build or not os.path.isdir(build):
        raise UsageError("native build directory not found (--build DIR)")
    arm_build = a.arm_build or os.path.join(os.path.dirname(os.path.abspath(build)), "build-arm")
    builds = {"x86_64": build, "aarch64": arm_build}

    mca_path, objdump, version, major = find_llvm(a.llvm_mca)
    known = known_cpus(mca_path, "x86_64") | known_cpus(mca_path, "aarch64")

    have_arch = {arch: any(find_object(builds[arch], k["isa"], k["family"]) for k in KERNELS
                           if ISA_ARCH[k["isa"]] == arch) for arch in builds}
    if a.cpu:
        cpus = [c.strip() for c in a.cpu.split(",") if c.strip()]
        for c in cpus:
            if c not in CORE:
                raise UsageError(f"unknown --cpu '{c}' (known: {', '.join(x[0] for x in CORES)})")
            if c not in known:
                raise UsageError(f"--cpu '{c}' is not known to {os.path.basename(mca_path)} {version}")
            if not have_arch[CORE[c][1]]:
                raise UsageError(f"--cpu '{c}' needs {CORE[c][1]} objects, none under {builds[CORE[c][1]]}"
                                 + (" (meson setup build-arm --cross-file cross/aarch64-linux-gnu.ini)"
                                    if CORE[c][1] == "aarch64" else ""))
    else:
        cpus = [c[0] for c in CORES if c[0] in known and have_arch[c[1]]]
        skipped = [c[0] for c in CORES if c[0] not in cpus]
        if skipped:
            print(f"simdgrad model: skipping {', '.join(skipped)} (not in this llvm-mca or no objects for "
                  "that architecture)", file=sys.stderr)
    kernels = [k for k in kernels if any(CORE[c][1] == ISA_ARCH[k["isa"]] for c in cpus)]
    if not kernels:
        raise UsageError("no selected kernel runs on the selected cores' architectures")

    # Extract every kernel's loop once.
    loops, compilers = {}, {}
    for k in kernels:
        arch = ISA_ARCH[k["isa"]]
        try:
            loops[k["name"]] = extract(k, builds[arch], objdump)
        except LookupError as e:
            raise UsageError(f"{k['name']}: {e}")
        compilers[arch] = object_compiler(loops[k["name"]]["object"])

    # Jobs: each kernel x applicable core, plus the roofs each needs.
    jobs, rows = {}, []
    for k in kernels:
        arch = ISA_ARCH[k["isa"]]
        for c in cpus:
            name, carch, isas, vl = CORE[c]
            if carch != arch:
                continue
            case = f"{k['name']}@{c}"
            if k["isa"] not in isas:
                rows.append((k, c, case, None))
                continue
            src = mca_source(loops[k["name"]]["body"])
            jobs[("k", case)] = (arch, c, src, k["isa"] == "sve")
            rf = roof_for(k)
            rkey = f"{k['isa']}:{rf}@{c}"
            for i, (rsrc, _) in enumerate(roof_sources(arch, k["isa"])[rf]):
                jobs[("r", rkey, i)] = (arch, c, rsrc, k["isa"] == "sve")
            rows.append((k, c, case, rkey))

    keys = sorted(jobs)
    with ThreadPoolExecutor(max(1, a.jobs)) as ex:
        results = dict(zip(keys, ex.map(lambda key: steady_state(mca_path, *jobs[key]), keys)))

    out_cases, models = {}, {}
    for k, c, case, rkey in rows:
        name, arch, isas, vl = CORE[c]
        if rkey is None:
            out_cases[case] = {"kernel": k["name"], "cpu": c, "status": f"n/a: {c} has no {k['isa']}"}
            continue
        r = results[("k", case)]
        models[c] = llvm_model_name(r["resources"])
        feat = loop_features(arch, loops[k["name"]]["body"], vl or 128)
        if k["kind"] == "matmul":
            per_fma = k.get("useful_lanes")
            work = 2 * (feat["fma"] * per_fma if per_fma else feat["fma_lanes"])
            unit = "FLOP"
        else:
            work, unit = feat["store_lanes"], "elements"
        rf = roof_for(k)
        roof_rate = roof_rate_of(results, rkey, roof_sources(arch, k["isa"])[rf], vl or 128)
        rate = work / r["cycles_per_iter"]
        out_cases[case] = {
            "kernel": k["name"], "cpu": c, "status": "ok",
            "sve_vl_bits": vl if k["isa"] == "sve" else None,
            "work_per_iter": work, "unit": unit,
            "cycles_per_iter": fmt(r["cycles_per_iter"]),
            "work_per_cycle": fmt(rate),
            "uops_per_iter": fmt(r["uops_per_iter"], 2),
            "bottleneck": r["bottleneck"], "bottleneck_kind": r["bottleneck_kind"],
            "roof": rf, "roof_work_per_cycle": fmt(roof_rate),
            "fraction_of_roof": fmt(rate / roof_rate, 3),
        }

    doc = {
        "schema": SCHEMA,
        "note": NOTE,
        "llvm_mca": version,
        "compilers": compilers,
        "cores": {c: {"arch": CORE[c][1], "llvm_model": models.get(c, "?"), "isas": list(CORE[c][2]),
                      "sve_vl_bits": CORE[c][3]} for c in cpus},
        "kernels": {k["name"]: {"isa": k["isa"], "function": loops[k["name"]]["function"],
                                "object": os.path.basename(loops[k["name"]]["object"]),
                                "loop_offset": f"{loops[k['name']]['function']}+0x{loops[k['name']]['offset']:x}",
                                "serves": k["serves"],
                                "loop": [f"{mn} {ops}".strip() for _, mn, ops in loops[k["name"]]["body"]]}
                    for k in kernels},
        "cases": out_cases,
        "cycles_per_iteration": {case: v["cycles_per_iter"] for case, v in sorted(out_cases.items())
                                 if v["status"] == "ok"},
    }
    print_table(doc, kernels, cpus)
    for spec in a.compare:
        print_compare(doc, spec, cpus)
    if a.measured:
        ghz = a.clock_ghz or (measure_clock() if a.measure_clock else None)
        print_validation(doc, a.measured, a.measured_cpu, results, ghz)
    if a.json:
        text = json.dumps(doc, indent=1, sort_keys=True) + "\n"
        tmp = a.json + ".tmp"
        try:
            with open(tmp, "w") as f:
                f.write(text)
            os.replace(tmp, a.json)
        except OSError as e:
            raise UsageError(f"cannot write {a.json}: {e.strerror}")
    return 0


def print_table(doc, kernels, cpus):
    print(f"simdgrad model — {NOTE}; llvm-mca {doc['llvm_mca']}; objects: "
          + "; ".join(f"{a}: {c}" for a, c in sorted(doc["compilers"].items())))
    print()
    print("| kernel | core (LLVM model) | work/iter | cycles/iter | work/cycle | bottleneck | peak (same model) | % of peak |")
    print("|---|---|---|---|---|---|---|---|")
    for k in kernels:
        for c in cpus:
            case = doc["cases"].get(f"{k['name']}@{c}")
            if not case:
                continue
            core = f"{c} ({doc['cores'][c]['llvm_model']})"
            if case["status"] != "ok":
                print(f"| {k['name']} | {core} | – | – | – | {case['status']} | – | – |")
                continue
            vl = f", VL {case['sve_vl_bits']}" if case["sve_vl_bits"] else ""
            unit = "FLOP" if case["unit"] == "FLOP" else "elem"
            print(f"| {k['name']} | {core}{vl} | {case['work_per_iter']} {unit} | {case['cycles_per_iter']:.2f} | "
                  f"{case['work_per_cycle']:.2f} {unit} | {case['bottleneck']} | "
                  f"{case['roof_work_per_cycle']:.2f} {unit} ({case['roof']}) | {100 * case['fraction_of_roof']:.0f}% |")


# Bench rows compared with the model (L1-resident or L1-blocked working sets): kernel -> (bench
# name prefix, counter). The smallest n of an elementwise family is its 1/2-L1d working set. Runs
# before Google Benchmark's standard counters named elements/s what is now items_per_second.
MEASURED = {
    "avx2/relu": ("relu/avx2/n:", "items_per_second"),
    "avx2/relu_grad": ("relu_grad/avx2/g0:0.5/n:", "items_per_second"),
    "avx2/matmul.rows_4x16": ("matmul_nn/avx2/m:64/n:64/k:64", "FLOP/s"),
    "avx2/matmul.rows_4x1": ("matmul_nn/avx2/m:4/n:1/k:30", "FLOP/s"),
    "avx2/matmul.ukernel_6x16": ("matmul_nn/avx2/m:256/n:256/k:256", "FLOP/s"),
}


# Kernels that do the same job in two ISAs (by suffix after "<isa>/"), for --compare.
PAIRS = {("neon", "sve"): [("relu", "relu"), ("relu_grad", "relu_grad"), ("matmul.tile_4x8", "matmul.tile_4x2v"),
                           ("matmul.column4", "matmul.by_rows")],
         ("avx2", "avx512"): [("relu", "relu"), ("relu_grad", "relu_grad"), ("relu_mask", "relu_mask"),
                              ("relu_grad_mask", "relu_grad_mask"),
                              ("matmul.ukernel_6x16", "matmul.ukernel_12x32"), ("matmul.rows_4x16", "matmul.rows_4x32")]}


def print_compare(doc, spec, cpus):
    isas = tuple(x.strip() for x in spec.split(","))
    if isas not in PAIRS:
        raise UsageError(f"--compare: one of {', '.join(','.join(p) for p in PAIRS)}")
    a, b = isas
    print()
    print(f"{b} vs {a} per core (work per cycle; ratio > 1: {b} faster) — model, not a measurement")
    print()
    print(f"| core | VL | kernel ({a} / {b}) | {a} /cycle | {b} /cycle | {b} / {a} | faster |")
    print("|---|---|---|---|---|---|---|")
    for c in cpus:
        for ka, kb in PAIRS[isas]:
            ca, cb = doc["cases"].get(f"{a}/{ka}@{c}"), doc["cases"].get(f"{b}/{kb}@{c}")
            if not ca or not cb or ca["status"] != "ok" or cb["status"] != "ok":
                continue
            r = cb["work_per_cycle"] / ca["work_per_cycle"]
            faster = b if r > 1.05 else a if r < 1 / 1.05 else "equal (within 5%)"
            vl = cb.get("sve_vl_bits") or "–"
            print(f"| {c} | {vl} | {ka} / {kb} | {ca['work_per_cycle']:.2f} | {cb['work_per_cycle']:.2f} | "
                  f"{r:.2f} | {faster} |")


def measure_clock():
    """GHz from tools/model/clock.c: one dependent add per cycle, timed in thread CPU time."""
    here = os.path.dirname(os.path.abspath(__file__))
    # tools/model/clock.c, or the copy meson puts beside the build tree's copy of this tool
    src = next((p for p in (os.path.join(here, "clock.c"), os.path.join(here, "simdgrad_model_clock.c"))
                if os.path.exists(p)), None)
    if not src:
        raise UsageError("--measure-clock: clock.c not found beside the tool; pass --clock-ghz")
    with tempfile.TemporaryDirectory() as d:
        exe = os.path.join(d, "clock")
        try:
            run(["cc", "-O2", "-std=c11", "-o", exe, src])
            return float(run([exe]).split()[0])
        except (OSError, subprocess.CalledProcessError) as e:
            raise UsageError(f"--measure-clock: {e}")


def print_validation(doc, path, cpu, results, ghz_clock):
    try:
        bench = json.load(open(path))
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read --measured {path}: {e}")
    rows = [b for b in bench.get("benchmarks", []) if b.get("run_type") == "iteration"]
    for b in rows:
        if "elements/s" in b:
            b.setdefault("items_per_second", b["elements/s"])
    measured_in_run = bench.get("context", {}).get("clock_ghz_measured")
    clock_b = "dependent-add chain, tools/model/clock.c"
    if not ghz_clock and measured_in_run:
        ghz_clock, clock_b = float(measured_in_run), "dependent-add chain measured in that run, bench/clock.c"
    peak = max((b["FLOP/s"] for b in rows if b["name"] == "ceiling_fma/avx2"), default=None)
    roof = results.get(("r", f"avx2:fma@{cpu}", 0))
    if peak is None or roof is None:
        raise UsageError("--measured needs a ceiling_fma/avx2 row and an avx2 matmul kernel modelled on "
                         f"--measured-cpu {cpu}")
    flop_per_cycle = 12 * 8 * 2 / roof["cycles_per_iter"]
    ghz_fma = peak / flop_per_cycle / 1e9
    print()
    print(f"Validation against {path} (model {cpu}). Clock A = best ceiling_fma/avx2 {peak / 1e9:.1f} GFLOP/s / "
          f"{flop_per_cycle:.0f} FLOP/cycle (llvm-mca, 12 independent ymm FMAs) = {ghz_fma:.2f} GHz"
          + (f"; clock B = {ghz_clock:.2f} GHz ({clock_b})" if ghz_clock else ""))
    print()
    head = "| kernel | bench row | measured (best of reps) | model /cycle | measured /cycle (A) | model / measured (A) |"
    sep = "|---|---|---|---|---|---|"
    if ghz_clock:
        head += " measured /cycle (B) | model / measured (B) |"
        sep += "---|---|"
    print(head)
    print(sep)
    for kname, (prefix, counter) in MEASURED.items():
        case = doc["cases"].get(f"{kname}@{cpu}")
        if not case or case["status"] != "ok":
            continue
        cand = [b for b in rows if b["name"].startswith(prefix) and counter in b]
        if not cand:
            continue
        if prefix.endswith(":"):
            nmin = min(int(b["name"][len(prefix):].split("/")[0]) for b in cand)
            cand = [b for b in cand if b["name"] == f"{prefix}{nmin}"]
        best = max(b[counter] for b in cand)
        unit = "FLOP" if counter == "FLOP/s" else "elem"
        line = f"| {kname} | {cand[0]['name']} | {best / 1e9:.2f} G{unit}/s | {case['work_per_cycle']:.2f} |"
        for ghz in (ghz_fma, ghz_clock) if ghz_clock else (ghz_fma,):
            per_cycle = best / (ghz * 1e9)
            line += f" {per_cycle:.2f} | {case['work_per_cycle'] / per_cycle:.2f} |"
        print(line)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except UsageError as e:
        print(f"simdgrad model: {e}", file=sys.stderr)
        sys.exit(2)
    except (subprocess.CalledProcessError, RuntimeError) as e:
        msg = str(e).splitlines()[0] if str(e) else "tool failed"
        print(f"simdgrad model: {msg}", file=sys.stderr)
        sys.exit(2)
