#!/usr/bin/env python3
"""Runs the simdgrad CLI end to end (suite 'train'): `train --isa all --grad-at-zero all
--loss-csv`, checking the CSV (header, row count, %.9g round trip, agreement across ISAs and
conventions, consistency with the printed table); a crafted-zeros run from .npy files where the
conventions must differ; --save-weights; and `info`. Plus the issue-13 hardening cases that need
setup the bad-input table cannot express: closed standard fds, stdout on /dev/full, --loss-csv -,
--loss-every, divergence (exit 3), --save-weights replaced as one set (also by concurrent runs),
signals during a run, the stale-temporary sweep, and the peak RSS for a huge sparse input.
Standard library only.

usage: test_cli.py SIMDGRAD_EXE
"""
import csv
import glob
import os
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from sg_lists import families, known_isas  # noqa: E402

FAILS = []


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
        print("FAIL: " + msg)


def clean_env(env_extra=None):
    env = {k: v for k, v in os.environ.items() if k not in ("SIMDGRAD_ISA", "SIMDGRAD_L3_BYTES")}
    env.update(env_extra or {})
    return env


def run(exe, *args, env_extra=None, **kw):
    kw.setdefault("capture_output", True)
    return subprocess.run([exe] + list(args), text=True, env=clean_env(env_extra), timeout=120, **kw)


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


def emulated_isas(exe):
    """The ISAs info marks '(emulated)' in its compiled list: avx512 in the avx512_emulation build
    (tools/stages/25-avx512-emu.sh), none elsewhere."""
    p = run(exe, "info")
    for line in p.stdout.splitlines():
        if line.startswith("ISAs compiled:"):
            return [s.strip().split()[0] for s in line.split(":", 1)[1].split(",") if "(emulated)" in s]
    return []


def test_info(exe):
    p = run(exe, "info")
    for key in ("simdgrad 0.", "cpu:", "ISAs compiled:", "ISAs available:", "ISA selected:", "topology:",
                "caches:"):
        check(key in p.stdout, "info prints %r" % key)
    p = run(exe, "info", env_extra={"SIMDGRAD_ISA": "scalar"})
    check("ISA selected:   scalar (forced by SIMDGRAD_ISA)" in p.stdout, "info honours SIMDGRAD_ISA")
    # Per family whose code runs: under SIMDGRAD_ISA=scalar every family of the list is the reference.
    kernels = [line for line in p.stdout.splitlines() if line.startswith("kernels:")]
    check(len(kernels) == 1 and kernels[0].split(":", 1)[1].strip()
          == ", ".join("%s scalar" % f for f in families()), "info's kernels line under scalar: %r" % kernels)
    # Dispatch's choice and its reason. The emulated setups say what it must be (SIMDGRAD_EXPECT_BEST;
    # tests/arm/meson.build: neon at 128-bit SVE, where info must say on one line why sve is passed over).
    p = run(exe, "info")
    want = os.environ.get("SIMDGRAD_EXPECT_BEST")
    sel = [line for line in p.stdout.splitlines() if line.startswith("ISA selected:")]
    passed_over = [line for line in p.stdout.splitlines() if "not preferred" in line and ":" in line
                   and line.split(":", 1)[0] in known_isas()]
    if want:
        check(sel and sel[0].split()[2] == want, "info selects %s (SIMDGRAD_EXPECT_BEST): %r" % (want, sel))
    avail = available_isas(exe)
    if want == "neon" and "sve" in avail:
        check(len(passed_over) == 1 and passed_over[0].startswith("sve:")
              and "available, not preferred at 128-bit vectors" in passed_over[0]
              and "docs/model.md" in passed_over[0], "info says why sve is passed over: %r" % passed_over)
        check(sel and "not preferred" in sel[0], "info's selected line names the reason: %r" % sel)
    else:
        # An emulated ISA is passed over, saying so, and nothing else is.
        emulated = emulated_isas(exe)
        check(sorted(l.split(":", 1)[0] for l in passed_over) == sorted(i for i in emulated if i in avail)
              and all("not preferred (emulated with SIMDe" in l for l in passed_over),
              "only emulated ISAs (%r) are passed over here: %r" % (emulated, passed_over))
    # Passed over is not unavailable: every available ISA can still be forced.
    for isa in avail:
        p = run(exe, "info", env_extra={"SIMDGRAD_ISA": isa})
        check("ISA selected:   %s (forced by SIMDGRAD_ISA)" % isa in p.stdout, "SIMDGRAD_ISA=%s forces it" % isa)
        p = run(exe, "train", "--steps", "2", "--grad-at-zero", "1", "--isa", isa)
        rows = [line.split() for line in p.stdout.splitlines() if line.split()[:1] == [isa]]
        check(p.returncode == 0 and len(rows) == 1, "--isa %s trains with it: rc %d, %r" % (isa, p.returncode, rows))
    p = run(exe, "info", env_extra={"SIMDGRAD_L3_BYTES": "8M"})
    check("L3 8 MiB" in p.stdout and "SIMDGRAD_L3_BYTES" in p.stdout, "info honours SIMDGRAD_L3_BYTES")


def test_mask_identical(exe, tmp):
    """--mask (relu_mask / relu_grad_mask backward) gives the same CSV byte for byte, on XOR data past
    step 707 where h is exactly 0 and the conventions diverge."""
    out = []
    for extra in ([], ["--mask"]):
        path = os.path.join(tmp, "mask%d.csv" % len(extra))
        p = run(exe, "train", "--data", "xor", "--isa", "all", "--steps", "800", "--loss-csv", path, *extra)
        check(p.returncode == 0, "train --data xor %s exits 0 (got %d, %r)" % (extra, p.returncode, p.stderr))
        check("first differ at step 707" in p.stdout, "xor conventions diverge at step 707 %s" % extra)
        out.append(open(path, "rb").read())
    check(out[0] == out[1] and len(out[0]) > 0, "train --mask writes the same loss CSV as without")


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


def one_error_line(p, want, what):
    lines = p.stderr.splitlines()
    check(len(lines) == 1 and lines[0].startswith("simdgrad") and want in lines[0],
          "%s: one stderr line containing %r, got %r" % (what, want, p.stderr))


def test_closed_std_fds(exe, tmp):
    """Item 6: with fd 1 (and 0, 2) closed the CSV's temporary must not become stdout. The inputs are
    named through 2,000-character paths ("./" repeated), so the report is longer than stdio's buffer
    and is written out before the CSV is committed: into the CSV, had the CSV taken fd 1."""
    names = []
    for name, r, c in (("x", 4, 3), ("y", 4, 1), ("w1", 3, 5), ("w2", 5, 1)):
        write_f4(os.path.join(tmp, name + ".npy"), r, c, [0.25 * (i % 7) - 0.5 for i in range(r * c)])
        names += ["--" + name, tmp + "/" + "./" * 1000 + name + ".npy"]
    for closed in ((1,), (0, 1, 2)):
        path = os.path.join(tmp, "closed.csv")
        p = subprocess.run([exe, "train", "--steps", "3", "--isa", "scalar", "--grad-at-zero", "1", "--loss-csv",
                            path] + names, env=clean_env(), timeout=60, capture_output=False,
                           preexec_fn=lambda c=closed: [os.close(fd) for fd in c])
        check(p.returncode == 0, "fds %s closed: exit %d" % (closed, p.returncode))
        with open(path) as f:
            lines = f.read().splitlines()
        check(len(lines) == 4 and lines[0] == "isa,grad_at_zero,step,loss" and
              all(l.startswith("scalar,1,") for l in lines[1:]),
              "fds %s closed: the CSV holds only CSV rows: %r" % (closed, [l[:80] for l in lines[:6]]))
        os.remove(path)


def test_stdout_full(exe, tmp):
    """Item 16: a failed write to stdout is exit 2 with one line, and no output is committed."""
    csv_path = os.path.join(tmp, "full.csv")
    for args in (["info"], ["--help"], ["--version"], ["train", "--help"],
                 ["train", "--steps", "2", "--loss-csv", csv_path]):
        with open("/dev/full", "w") as full:
            p = run(exe, *args, stdout=full, stderr=subprocess.PIPE, capture_output=False)
        check(p.returncode == 2, "%s >/dev/full: exit %d" % (" ".join(args), p.returncode))
        one_error_line(p, "cannot write to standard output: No space left on device", " ".join(args))
    check(not os.path.exists(csv_path), "train >/dev/full: the CSV is not committed")
    check(os.listdir(tmp) == [], "train >/dev/full: no temporary left: %s" % os.listdir(tmp))
    with open("/dev/full", "w") as full:
        p = run(exe, "train", "--steps", "2", "--loss-csv", "-", stdout=full, stderr=subprocess.PIPE,
                capture_output=False)
    check(p.returncode == 2 and "cannot write to standard output" in p.stderr.splitlines()[-1],
          "--loss-csv - >/dev/full: exit 2 and says so: %d %r" % (p.returncode, p.stderr[-200:]))


def test_loss_csv_stdout(exe, tmp):
    """Item 4: --loss-csv - writes the CSV to stdout (the report moves to stderr), no file named '-'."""
    p = run(exe, "train", "--steps", "2", "--isa", "scalar", "--grad-at-zero", "1", "--loss-csv", "-", cwd=tmp)
    check(p.returncode == 0, "--loss-csv -: exit %d %r" % (p.returncode, p.stderr))
    check(p.stdout.splitlines() == ["isa,grad_at_zero,step,loss", "scalar,1,0,23.1220016", "scalar,1,1,12.6498222"],
          "--loss-csv -: stdout is the CSV alone: %r" % p.stdout)
    check("ISAs: only scalar run" in p.stderr, "--loss-csv -: the report is on stderr")
    check(os.listdir(tmp) == [], "--loss-csv -: no file created: %s" % os.listdir(tmp))


def test_loss_every(exe, tmp):
    """Item 22: --loss-every N keeps steps 0, N, 2N, ... and the last one."""
    path = os.path.join(tmp, "every.csv")
    p = run(exe, "train", "--steps", "10", "--isa", "scalar", "--loss-every", "4", "--loss-csv", path)
    check(p.returncode == 0, "--loss-every: exit %d %r" % (p.returncode, p.stderr))
    with open(path) as f:
        rows = list(csv.reader(f))[1:]
    steps = {}
    for isa, g0, step, _ in rows:
        steps.setdefault(g0, []).append(int(step))
    check(steps == {"1": [0, 4, 8, 9], "0": [0, 4, 8, 9], "0.5": [0, 4, 8, 9]}, "--loss-every 4 rows: %s" % steps)
    os.remove(path)
    p = run(exe, "train", "--loss-every", "4")
    check(p.returncode == 2, "--loss-every without --loss-csv: exit %d" % p.returncode)
    one_error_line(p, "--loss-every and --loss-csv-max apply to --loss-csv only", "--loss-every alone")


def test_divergence(exe, tmp):
    """Item 11: a diverging run is reported as diverged (exit 3), never as agreeing; nothing written."""
    out = os.path.join(tmp, "div")
    os.mkdir(out)
    p = run(exe, "train", "--lr", "3e38", "--isa", "all", "--loss-csv", os.path.join(out, "l.csv"),
            "--save-weights", os.path.join(out, "w"))
    check(p.returncode == 3, "--lr 3e38: exit 3, got %d" % p.returncode)
    # The first update overflows a weight: caught right after it, before a loss could hide it.
    check("ISAs: diverged (inf in the weights at step 0, run scalar/g0=1)" in p.stdout and "agree" not in p.stdout,
          "--lr 3e38: verdict says diverged, not agree: %r" % p.stdout)
    check("conventions: not compared, diverged (inf in the weights at step 0" in p.stdout,
          "--lr 3e38: the conventions verdict says diverged too: %r" % p.stdout)
    one_error_line(p, "training diverged (inf in the weights at step 0, run scalar/g0=1): no output written",
                   "--lr 3e38")
    check(os.listdir(out) == [], "--lr 3e38: nothing written: %s" % os.listdir(out))
    p = run(exe, "train", "--lr", "10", "--isa", "scalar", "--grad-at-zero", "1")
    check(p.returncode == 3 and "diverged (loss 3.98e+34 > 1e+30 at step 2, run scalar/g0=1)" in p.stderr,
          "--lr 10: the loss bound is reported: %d %r" % (p.returncode, p.stderr))


def weights_of(d):
    files = {}
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            files[name] = f.read()
    return files


def test_save_weights_set(exe, tmp):
    """Item 3: --save-weights DIR is replaced as one set, by sequential and by concurrent runs."""
    wdir = os.path.join(tmp, "set")
    p = run(exe, "train", "--isa", "all", "--seed", "1", "--steps", "5", "--save-weights", wdir)
    check(p.returncode == 0, "set 1: exit %d %r" % (p.returncode, p.stderr))
    first = weights_of(wdir)
    check(len(first) >= 6, "set 1: a file per run and matrix: %s" % sorted(first))
    p = run(exe, "train", "--isa", "scalar", "--grad-at-zero", "1", "--seed", "2", "--steps", "5",
            "--save-weights", wdir)
    second = weights_of(wdir)
    check(sorted(second) == ["w1_scalar_g1.npy", "w2_scalar_g1.npy"],
          "set 2 replaces set 1 as a whole (no stale files of set 1): %s" % sorted(second))
    check(second["w1_scalar_g1.npy"] != first["w1_scalar_g1.npy"], "set 2 holds seed 2's weights")
    p = run(exe, "train", "--lr", "3e38", "--isa", "scalar", "--save-weights", wdir)
    check(p.returncode == 3 and weights_of(wdir) == second, "a diverged run leaves the old set untouched")
    check(sorted(os.listdir(tmp)) == ["set"], "no temporary beside the set: %s" % os.listdir(tmp))
    # Concurrent runs with different seeds: the survivor is one run's complete set, never a mix.
    refs = {}
    for seed in range(4):
        ref = os.path.join(tmp, "ref%d" % seed)
        run(exe, "train", "--isa", "scalar", "--seed", str(seed), "--steps", "300", "--save-weights", ref)
        refs[seed] = weights_of(ref)
        shutil.rmtree(ref)
    shared = os.path.join(tmp, "shared")
    for _ in range(3):
        procs = [subprocess.Popen([exe, "train", "--isa", "scalar", "--seed", str(seed), "--steps", "300",
                                   "--save-weights", shared], env=clean_env(), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE) for seed in range(4)]
        for q in procs:
            q.wait(timeout=120)
            check(q.returncode == 0, "concurrent run: exit %d %r" % (q.returncode, q.stderr.read()))
            q.stderr.close()
        got = weights_of(shared)
        check(any(got == r for r in refs.values()), "concurrent runs: the set is one seed's: %s" % sorted(got))
        check(sorted(os.listdir(tmp)) == ["set", "shared"], "concurrent runs: no temporaries: %s" % os.listdir(tmp))
    shutil.rmtree(shared)
    shutil.rmtree(wdir)


def default_signals():
    """The child starts with the four signals at their default: simdgrad leaves an ignored signal
    ignored (nohup, or a background job of a non-interactive shell, which ignores SIGINT), so the
    test must not inherit such a disposition from whoever runs it."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)


def test_signals(exe, tmp):
    """Item 21: INT/TERM/HUP/PIPE during a run remove the temporaries and end the process by that signal."""
    out = os.path.join(tmp, "sig")
    os.mkdir(out)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        q = subprocess.Popen([exe, "train", "--steps", "10000000", "--isa", "scalar", "--grad-at-zero", "1",
                              "--loss-every", "1000", "--loss-csv", os.path.join(out, "l.csv"),
                              "--save-weights", os.path.join(out, "w")],
                             env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             preexec_fn=default_signals)
        deadline = time.time() + 30
        while time.time() < deadline and len(glob.glob(os.path.join(out, "*.tmp.*"))) < 2:
            time.sleep(0.02)
        check(len(glob.glob(os.path.join(out, "*.tmp.*"))) == 2, "%s: both temporaries created" % sig.name)
        time.sleep(0.2)
        q.send_signal(sig)
        q.wait(timeout=30)
        check(q.returncode == -sig, "%s: ends by the signal, got %d" % (sig.name, q.returncode))
        check(os.listdir(out) == [], "%s: temporaries removed: %s" % (sig.name, os.listdir(out)))
    shutil.rmtree(out)


def dead_pid():
    q = subprocess.Popen(["true"])
    q.wait()
    return q.pid


def test_stale_sweep(exe, tmp):
    """Item 21: stale temporaries of the same target from dead processes are swept; live ones stay."""
    out = os.path.join(tmp, "sweep")
    os.mkdir(out)
    dead, old = dead_pid(), time.time() - 3600
    stale_file = os.path.join(out, "l.csv.tmp.%d.abcdef" % dead)
    stale_dir = os.path.join(out, "w.tmp.%d.ghijkl" % dead)
    live_file = os.path.join(out, "l.csv.tmp.%d.zzzzzz" % os.getpid())
    other = os.path.join(out, "other.csv.tmp.%d.abcdef" % dead)
    for path in (stale_file, live_file, other):
        with open(path, "w") as f:
            f.write("x")
    os.mkdir(stale_dir)
    with open(os.path.join(stale_dir, "w1_scalar_g1.npy"), "w") as f:
        f.write("x")
    for path in (stale_file, stale_dir, live_file, other):
        os.utime(path, (old, old))
    p = run(exe, "train", "--steps", "2", "--loss-csv", os.path.join(out, "l.csv"), "--save-weights",
            os.path.join(out, "w"))
    check(p.returncode == 0, "sweep run: exit %d %r" % (p.returncode, p.stderr))
    left = sorted(os.listdir(out))
    check(left == sorted(["l.csv", "w", os.path.basename(live_file), os.path.basename(other)]),
          "stale temporaries of l.csv and w swept, a live one and another target's kept: %s" % left)
    shutil.rmtree(out)


def test_big_sparse_input(exe, tmp):
    """Item 17: a 2 GiB sparse '<f8' x whose shape does not chain is refused from its header alone."""
    path = os.path.join(tmp, "big.npy")
    d = "{'descr': '<f8', 'fortran_order': False, 'shape': (16384, 16384), }"
    hlen = len(d) + 1
    hlen += (64 - (10 + hlen) % 64) % 64
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", hlen) + d.encode() + b" " * (hlen - len(d) - 1) + b"\n")
        f.truncate(f.tell() + 16384 * 16384 * 8)
    y = os.path.join(tmp, "y.npy")
    write_f4(y, 4, 1, [1.0, 2.0, 3.0, 4.0])
    q = subprocess.Popen([exe, "train", "--x", path, "--y", y, "--w1", y, "--w2", y], env=clean_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(q.pid, 0)
    err = q.stderr.read().decode()
    q.stdout.close()
    q.stderr.close()
    check(os.waitstatus_to_exitcode(status) == 2 and "shapes do not chain: x is 16384x16384" in err,
          "big sparse x: refused: %r" % err)
    check(usage.ru_maxrss < 256 * 1024, "big sparse x: peak RSS %d KiB, want < 256 MiB" % usage.ru_maxrss)
    os.remove(path)
    os.remove(y)


def test_info_cpu_line(exe):
    """Item 25: the CPU model has no trailing blanks."""
    p = run(exe, "info")
    cpu = [l for l in p.stdout.splitlines() if l.startswith("cpu:")]
    check(len(cpu) == 1 and cpu[0] == cpu[0].rstrip() and cpu[0] != "cpu:", "cpu line trimmed: %r" % cpu)
    if emulated_isas(exe):  # the avx512_emulation build says so on its ISA lines, never on the CPU's
        check("emulated" not in cpu[0], "natively, info does not claim an emulated CPU: %r" % cpu)
    else:
        check("emulated" not in p.stdout, "natively, info does not claim emulation: %r" % cpu)


def test_info_emulated(exe):
    """Under qemu-user the CPU shown is the emulated one, and info says it is emulated."""
    qemu = shutil.which("qemu-x86_64")
    if not qemu or os.uname().machine != "x86_64":
        print("SKIP info under qemu-x86_64: not an x86-64 host with qemu-user")
        return
    if os.environ.get("SIMDGRAD_SANITIZED"):
        print("SKIP info under qemu-x86_64: ASan's shadow memory does not run under qemu-user")
        return
    p = subprocess.run([qemu, "-cpu", "Haswell", exe, "info"], capture_output=True, text=True, env=clean_env(),
                       timeout=120)
    cpu = [l for l in p.stdout.splitlines() if l.startswith("cpu:")]
    check(p.returncode == 0 and len(cpu) == 1 and "[emulated: CPUID says" in cpu[0],
          "info under qemu-x86_64 -cpu Haswell says emulated: %r" % cpu)


def main():
    exe = os.path.abspath(sys.argv[1])
    isas = available_isas(exe)
    tmp = tempfile.mkdtemp(prefix="sg-test-cli-")
    try:
        test_info(exe)
        test_default_csv(exe, tmp, isas)
        test_mask_identical(exe, tmp)
        test_selection(exe)
        test_crafted_files(exe, tmp)
        for t in (test_closed_std_fds, test_stdout_full, test_loss_csv_stdout, test_loss_every, test_divergence,
                  test_save_weights_set, test_signals, test_stale_sweep, test_big_sparse_input):
            scratch = tempfile.mkdtemp(prefix="sg-test-cli-", dir=tmp)
            t(exe, scratch)
            shutil.rmtree(scratch, ignore_errors=True)
        test_info_cpu_line(exe)
        test_info_emulated(exe)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("test_cli: %d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
