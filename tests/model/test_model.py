#!/usr/bin/python3
"""Suite 'model': `simdgrad model` (tools/model/simdgrad_model.py) on this build's x86 objects.

usage: test_model.py TOOL SIMDGRAD BUILD_DIR CASE
  extractor     every kernel of every x86 ISA built here yields a non-empty single-block loop, and the
                work one iteration does is what the source's unrolling says (relu: 4 vectors, ...)
  table         `simdgrad model --cpu A,B --kernel ^avx2/` prints one row per kernel x core and the
                JSON has the same cases, each with cycles > 0 and a bottleneck
  unknown-cpu   an unknown --cpu is one stderr line, nothing on stdout, exit 2
  deterministic two runs give byte-identical JSON
  gate          ci-check --mode model passes against a baseline the model wrote for this build and
                flags the one case made 10% cheaper in it (exit 1)
Exit 77 (skipped) when llvm-mca or llvm-objdump is missing: the model needs LLVM, the library does not.
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

SKIP = 77


def load_tool(path):
    spec = importlib.util.spec_from_file_location("simdgrad_model", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def built_x86_isas(tool, build):
    return [isa for isa in ("avx2", "avx512") if tool.find_object(build, isa, "relu")]


def case_extractor(tool, simdgrad, build):
    _, objdump, _, _ = tool.find_llvm(None)
    isas = built_x86_isas(tool, build)
    if not isas:
        print("SKIP: this build has no x86 kernel objects")
        return SKIP
    # The work per iteration follows from the source: relu stores 4 vectors per iteration, relu_grad 2;
    # the avx2 microkernel does 6x2 ymm FMAs per k step, 4 k steps per iteration (unrolled), the avx512 one
    # 12x2 zmm FMAs per k step; ...
    want = {"avx2/relu": 32, "avx2/relu_grad": 32, "avx2/relu_mask": 32, "avx2/relu_grad_mask": 32,
            "avx512/relu_mask": 64, "avx512/relu_grad_mask": 64, "avx2/matmul.ukernel_6x16": 768,
            "avx2/matmul.rows_4x16": 128, "avx2/matmul.rows_4x1": 8,
            "avx512/relu": 64, "avx512/relu_grad": 32, "avx512/matmul.ukernel_12x32": 768,
            "avx512/matmul.rows_4x32": 256, "avx512/matmul.rows_4x16m": 128, "avx512/matmul.cols_32": 64}
    n = 0
    for k in tool.KERNELS:
        if k["isa"] not in isas:
            continue
        try:
            loop = tool.extract(k, build, objdump)
        except LookupError as e:
            fail(f"{k['name']}: {e}")
        body = loop["body"]
        if len(body) < 2:
            fail(f"{k['name']}: loop of {len(body)} instructions")
        feat = tool.loop_features("x86_64", body, None)
        if k["kind"] == "matmul":
            work = 2 * (feat["fma"] * k["useful_lanes"] if k.get("useful_lanes") else feat["fma_lanes"])
        else:
            work = feat["store_lanes"]
        if k["name"] in want and work != want[k["name"]]:
            fail(f"{k['name']}: {work} per iteration, want {want[k['name']]}")
        print(f"ok {k['name']}: {loop['function']}+0x{loop['offset']:x}, {len(body)} instructions, "
              f"{work} {'FLOP' if k['kind'] == 'matmul' else 'elements'} per iteration")
        n += 1
    print(f"extractor: {n} kernels ({', '.join(isas)})")
    return 0


def run_model(simdgrad, args):
    return subprocess.run([simdgrad, "model"] + args, capture_output=True, text=True)


def case_table(tool, simdgrad, build):
    if "avx2" not in built_x86_isas(tool, build):
        print("SKIP: no avx2 objects in this build")
        return SKIP
    cpus = ["znver3", "skylake-avx512"]
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "m.json")
        p = run_model(simdgrad, ["--cpu", ",".join(cpus), "--kernel", "^avx2/", "--json", out])
        if p.returncode != 0:
            fail(f"exit {p.returncode}: {p.stderr.strip()}")
        doc = json.load(open(out))
    kernels = [k["name"] for k in tool.KERNELS if k["name"].startswith("avx2/")]
    rows = [l for l in p.stdout.splitlines() if l.startswith("| avx2/")]
    for k in kernels:
        for c in cpus:
            hit = [r for r in rows if r.startswith(f"| {k} | {c} ")]
            if len(hit) != 1:
                fail(f"{len(hit)} table rows for {k} x {c}")
            case = doc["cases"].get(f"{k}@{c}")
            if not case or case["status"] != "ok" or not case["cycles_per_iter"] > 0 or not case["bottleneck"]:
                fail(f"JSON case {k}@{c}: {case}")
            if doc["cycles_per_iteration"][f"{k}@{c}"] != case["cycles_per_iter"]:
                fail(f"{k}@{c}: baseline map disagrees with the case")
    if len(rows) != len(kernels) * len(cpus) or len(doc["cases"]) != len(kernels) * len(cpus):
        fail(f"{len(rows)} rows / {len(doc['cases'])} cases, want {len(kernels) * len(cpus)}")
    print(f"table: {len(rows)} rows = {len(kernels)} kernels x {len(cpus)} cores")
    return 0


def case_unknown_cpu(tool, simdgrad, build):
    p = run_model(simdgrad, ["--cpu", "znver3,pentium-pro-9000"])
    lines = p.stderr.splitlines()
    if p.returncode != 2 or len(lines) != 1 or p.stdout or "unknown --cpu 'pentium-pro-9000'" not in lines[0]:
        fail(f"exit {p.returncode}, stdout {p.stdout!r}, stderr {p.stderr!r}")
    print(f"unknown-cpu: exit 2, {lines[0]}")
    return 0


def case_deterministic(tool, simdgrad, build):
    if "avx2" not in built_x86_isas(tool, build):
        print("SKIP: no avx2 objects in this build")
        return SKIP
    texts = []
    with tempfile.TemporaryDirectory() as d:
        for i in range(2):
            out = os.path.join(d, f"m{i}.json")
            p = run_model(simdgrad, ["--cpu", "znver3", "--kernel", "^avx2/(relu|matmul.rows_4x16)", "--json", out])
            if p.returncode != 0:
                fail(f"exit {p.returncode}: {p.stderr.strip()}")
            texts.append(open(out, "rb").read())
    if texts[0] != texts[1]:
        fail("two runs wrote different JSON")
    print(f"deterministic: {len(texts[0])} bytes, identical")
    return 0


def case_gate(tool, simdgrad, build):
    """ci-check --mode model with the real tool on this build's objects, against a baseline the model
    just wrote for the same cores and kernels: nothing changed (exit 0); the same baseline with one
    loop 10% cheaper: exit 1 naming exactly that case."""
    isa = "avx512" if "avx512" in built_x86_isas(tool, build) else "avx2"
    if isa not in built_x86_isas(tool, build):
        print("SKIP: no x86 kernel objects in this build")
        return SKIP
    sel = ["--cpu", "skylake-avx512,znver3", "--kernel", f"^{isa}/(relu|matmul.rows)"]
    victim = f"{isa}/relu@skylake-avx512"
    with tempfile.TemporaryDirectory() as d:
        base = os.path.join(d, "b.json")
        p = run_model(simdgrad, sel + ["--json", base])
        if p.returncode != 0:
            fail(f"simdgrad model: exit {p.returncode}: {p.stderr.strip()}")
        g = subprocess.run([simdgrad, "ci-check", "--mode", "model", "--baseline", base] + sel,
                           capture_output=True, text=True, timeout=600)
        print(g.stdout + g.stderr)
        if g.returncode != 0 or " 0 changed, 0 not measured; no regression" not in g.stdout:
            fail(f"the gate against this build's own model: exit {g.returncode}")
        doc = json.load(open(base))
        doc["cycles_per_iteration"][victim] = round(doc["cycles_per_iteration"][victim] * 0.9, 3)
        json.dump(doc, open(base, "w"))
        g = subprocess.run([simdgrad, "ci-check", "--mode", "model", "--baseline", base] + sel,
                           capture_output=True, text=True, timeout=600)
        print(g.stdout + g.stderr)
        flagged = [line.split()[0] for line in g.stdout.splitlines() if line.endswith("REGRESSION")]
        if g.returncode != 1 or flagged != [victim]:
            fail(f"a baseline 10% below {victim}: exit {g.returncode}, flagged {flagged}")
    print(f"gate: passes on this build, flags {victim} against a 10% cheaper baseline")
    return 0


def main():
    tool_path, simdgrad, build, case = sys.argv[1:5]
    tool = load_tool(tool_path)
    try:
        tool.find_llvm(None)
    except tool.UsageError as e:
        print(f"SKIP: {e}")
        return SKIP
    os.environ.setdefault("SIMDGRAD_MODEL_TOOL", tool_path)
    return {"extractor": case_extractor, "table": case_table, "unknown-cpu": case_unknown_cpu,
            "deterministic": case_deterministic, "gate": case_gate}[case](tool, simdgrad, build)


if __name__ == "__main__":
    sys.exit(main())
