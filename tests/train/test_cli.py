#!/usr/bin/env python3
"""Runs the simdgrad CLI end to end (suite 'train'): `train --isa all --grad-at-zero all
--loss-csv`, checking the CSV (header, row count, %.9g round trip, agreement across ISAs and
conventions, consistency with the printed table); a crafted-zeros run from .npy files where the
conventions must differ; --save-weights; and `info`. Standard library only.

usage: test_cli.py SIMDGRAD_EXE
"""
import csv
import os
import shutil
import struct
import subprocess
import sys
import tempfile

FAILS = []


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
        print("FAIL: " + msg)


def run(exe, *args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k not in ("SIMDGRAD_ISA", "SIMDGRAD_L3_BYTES")}
    env.update(env_extra or {})
    return subprocess.run([exe] + list(args), capture_output=True, text=True, env=env, timeout=120)


def write_f4(path, rows, cols, values):
    d = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
    hlen = len(d) + 1
    hlen += (64 - (10 + hlen) % 64) % 64
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", hlen) + d.encode() + b" " * (hlen - len(d) - 1) + b"\n")
        f.write(struct.pack("<%df" % len(values), *values))


def read_f4(path):
    with open(path, "rb") as f:
        data = f.read()
    check(data[:8] == b"\x93NUMPY\x01\x00", "%s: magic/version" % path)
    hlen = struct.unpack("<H", data[8:10])[0]
    header = data[10:10 + hlen].decode()
    body = data[10 + hlen:]
    return header, struct.unpack("<%df" % (len(body) // 4), body)


def f32_repr(s):
    """The float32 nearest to s, printed back with %.9g: equal to s when s is such a print."""
    return "%.9g" % struct.unpack("<f", struct.pack("<f", float(s)))[0]


def available_isas(exe):
    p = run(exe, "info")
    check(p.returncode == 0, "info exits 0")
    for line in p.stdout.splitlines():
        if line.startswith("ISAs available:"):
            return [s.strip() for s in line.split(":", 1)[1].split(",")]
    check(False, "info prints 'ISAs available:'")
    return ["scalar"]


def test_info(exe):
    p = run(exe, "info")
    for key in ("simdgrad 0.", "cpu:", "ISAs compiled:", "ISAs available:", "ISA selected:", "topology:",
                "caches:"):
        check(key in p.stdout, "info prints %r" % key)
    p = run(exe, "info", env_extra={"SIMDGRAD_ISA": "scalar"})
    check("ISA selected:   scalar (forced by SIMDGRAD_ISA)" in p.stdout, "info honours SIMDGRAD_ISA")
    p = run(exe, "info", env_extra={"SIMDGRAD_L3_BYTES": "8M"})
    check("L3 8 MiB" in p.stdout and "SIMDGRAD_L3_BYTES" in p.stdout, "info honours SIMDGRAD_L3_BYTES")


def test_default_csv(exe, tmp, isas):
    path = os.path.join(tmp, "loss.csv")
    p = run(exe, "train", "--isa", "all", "--grad-at-zero", "all", "--loss-csv", path)
    print(p.stdout)
    check(p.returncode == 0, "train --isa all exits 0 (got %d, stderr %r)" % (p.returncode, p.stderr))
    check("ISAs: %s agree bit for bit for every convention" % ", ".join(isas) in p.stdout, "ISA verdict")
    check("conventions: all agree bit for bit" in p.stdout, "convention verdict on default data")
    check(os.listdir(tmp) == ["loss.csv"], "only loss.csv written (no temporary left): %s" % os.listdir(tmp))
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    check(rows[0] == ["isa", "grad_at_zero", "step", "loss"], "CSV header: %s" % rows[0])
    body = rows[1:]
    check(len(body) == len(isas) * 3 * 200, "CSV rows: %d, want %d" % (len(body), len(isas) * 3 * 200))
    curves = {}
    for isa, g0, step, loss in body:
        check(f32_repr(loss) == loss, "loss %r is a float32 printed with %%.9g" % loss)
        curves.setdefault((isa, g0), []).append((int(step), loss))
    check(sorted({k[0] for k in curves}) == sorted(isas), "CSV covers every available ISA")
    check(sorted({k[1] for k in curves}) == ["0", "0.5", "1"], "CSV covers conventions 1, 0, 0.5")
    ref = curves[("scalar", "1")]
    check([s for s, _ in ref] == list(range(200)), "steps 0..199 in order")
    for key, curve in curves.items():
        check(curve == ref, "%s g0=%s: curve identical to scalar g0=1 (default data has no exact zero)" % key)
    # The table's first/last loss are the curve's ends.
    for line in p.stdout.splitlines():
        cols = line.split()
        if len(cols) == 5 and cols[0] in isas:
            c = curves[(cols[0], cols[1])]
            check(cols[2] == c[0][1] and cols[3] == c[-1][1] and cols[4] == "0", "table row %r matches CSV" % line)
    os.remove(path)


def test_selection(exe):
    """Without --isa the selected ISA runs (SIMDGRAD_ISA honoured); one convention, one verdict each."""
    p = run(exe, "train", "--steps", "3", "--grad-at-zero", "0.5", env_extra={"SIMDGRAD_ISA": "scalar"})
    rows = [l.split() for l in p.stdout.splitlines() if l.split()[:1] and l.split()[0] in ("scalar", "avx2",
                                                                                          "avx512", "neon", "sve")]
    check(p.returncode == 0 and [r[:2] for r in rows] == [["scalar", "0.5"]], "SIMDGRAD_ISA=scalar, g0=0.5: %s" % rows)
    check("ISAs: only scalar run" in p.stdout and "conventions: only ReLU'(0)=0.5 run" in p.stdout, "single verdicts")
    p = run(exe, "train", "--data", "xor", "--hidden", "8", "--steps", "5", "--isa", "scalar")
    check(p.returncode == 0 and "data: xor, seed 0; N=4 D=3 H=8 O=1, 5 steps" in p.stdout, "xor data: %r" % p.stdout)


def test_crafted_files(exe, tmp):
    """x 4x3 with bias, y 4x1, w1 3x4 whose column 2 is zero, w2 4x1: h[:, 2] == 0 exactly."""
    x = [0.5, -1.0, 1.0, 1.5, 0.25, 1.0, -0.75, 2.0, 1.0, 1.0, -1.25, 1.0]
    y = [1.0, -0.5, 0.25, 2.0]
    w1 = [0.5, -0.25, 0.0, 1.0, -1.0, 0.75, 0.0, 0.5, 0.25, 0.5, 0.0, -0.5]
    w2 = [1.0, -0.5, 0.75, 0.25]
    for name, r, c, v in (("x", 4, 3, x), ("y", 4, 1, y), ("w1", 3, 4, w1), ("w2", 4, 1, w2)):
        write_f4(os.path.join(tmp, name + ".npy"), r, c, v)
    wdir = os.path.join(tmp, "weights")
    os.mkdir(wdir)
    p = run(exe, "train", "--isa", "all", "--x", os.path.join(tmp, "x.npy"), "--y", os.path.join(tmp, "y.npy"),
            "--w1", os.path.join(tmp, "w1.npy"), "--w2", os.path.join(tmp, "w2.npy"), "--steps", "50",
            "--save-weights", wdir)
    print(p.stdout)
    check(p.returncode == 0, "crafted run exits 0 (conventions differing is a finding): %d %r" % (p.returncode,
                                                                                                 p.stderr))
    check("conventions: differ" in p.stdout, "crafted zero column: conventions reported as differing")
    check("agree bit for bit for every convention" in p.stdout, "crafted zero column: ISAs still agree")
    check("N=4 D=3 H=4 O=1" in p.stdout, "no bias column added to file data")
    header, w1_g0 = read_f4(os.path.join(wdir, "w1_scalar_g0.npy"))
    check("'shape': (3, 4)" in header, "saved w1 shape: %s" % header)
    check(all(w1_g0[p * 4 + 2] == 0.0 for p in range(3)), "g0=0: zero column stays 0: %s" % (w1_g0,))
    _, w1_g1 = read_f4(os.path.join(wdir, "w1_scalar_g1.npy"))
    check(any(w1_g1[p * 4 + 2] != 0.0 for p in range(3)), "g0=1: zero column moves: %s" % (w1_g1,))
    check(not any(".tmp." in f for f in os.listdir(wdir)), "no temporaries in the weights dir")


def main():
    exe = os.path.abspath(sys.argv[1])
    isas = available_isas(exe)
    tmp = tempfile.mkdtemp(prefix="sg-test-cli-")
    try:
        test_info(exe)
        test_default_csv(exe, tmp, isas)
        test_selection(exe)
        test_crafted_files(exe, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("test_cli: %d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
