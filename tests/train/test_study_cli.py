#!/usr/bin/env python3
"""`simdgrad study` end to end (suite 'train'):
 - the --csv file is byte-identical for every ISA of the ISA list this CPU runs (the others are
   reported as SKIP lines) and for --threads 1, 2 and 3;
 - the CSV's structure: one row per seed x precision x ReLU'(0), in that order; identical=0 only
   where some run had an effective zero (h == 0 with a non-zero upstream gradient), and the first
   divergence never before the first effective zero;
 - the printed table and the --json summary agree with counts recomputed from the CSV;
 - --csv - puts only the CSV on stdout (the report goes to stderr);
 - numerically diverged runs are counted as such (--lr 1e3), never as "identical".
Standard library only.

usage: test_study_cli.py SIMDGRAD_EXE
"""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from sg_lists import known_isas  # noqa: E402

FAILS = []


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
        print("FAIL: " + msg)


def run(exe, *args):
    env = {k: v for k, v in os.environ.items() if k != "SIMDGRAD_ISA"}
    return subprocess.run([exe, "study"] + list(args), capture_output=True, text=True, env=env, timeout=300)


def available(exe):
    p = subprocess.run([exe, "info"], capture_output=True, text=True, timeout=60)
    for line in p.stdout.splitlines():
        if line.startswith("ISAs available:"):
            return [s.strip() for s in line.split(":", 1)[1].split(",")]
    return ["scalar"]


def read(path):
    with open(path, "rb") as f:
        return f.read()


def test_identical(exe, tmp):
    avail = available(exe)
    ref = None
    args = ["--data", "xor", "--seed-range", "10..39", "--steps", "150"]
    for isa in known_isas():
        if isa not in avail:
            print("SKIP %s: not available on this CPU (its CSV is compared where it runs)" % isa)
            continue
        for threads in ("1", "2", "3"):
            out = os.path.join(tmp, "s_%s_%s.csv" % (isa, threads))
            p = run(exe, *args, "--isa", isa, "--threads", threads, "--csv", out)
            check(p.returncode == 0 and p.stderr == "", "%s/%s threads: exit %d, stderr %r" %
                  (isa, threads, p.returncode, p.stderr))
            data = read(out) if os.path.exists(out) else b""
            if ref is None:
                ref = (isa, threads, data)
            check(data == ref[2], "CSV of %s with %s threads differs from %s with %s threads" %
                  (isa, threads, ref[0], ref[1]))
    return ref[2].decode() if ref else ""


def test_structure(text):
    rows = list(csv.DictReader(io.StringIO(text)))
    check(len(rows) == 30 * 3 * 3, "rows: %d, want 270" % len(rows))
    order = [(int(r["seed"]), r["precision"], r["grad_at_zero"]) for r in rows]
    want = [(s, p, g) for s in range(10, 40) for p in ("f32", "bf16", "fp16") for g in ("1", "0", "0.5")]
    check(order == want, "row order is seed x precision x ReLU'(0)")
    diverging = {}
    for i in range(0, len(rows), 3):
        cell = rows[i:i + 3]
        same = {r["identical"] for r in cell}
        check(len(same) == 1, "identical is a per-seed fact: %r" % same)
        eff = [int(r["effective_zeros"]) for r in cell]
        first_eff = [int(r["first_effective"]) for r in cell if r["first_effective"]]
        key = (cell[0]["seed"], cell[0]["precision"])
        if cell[0]["identical"] == "0":
            diverging[cell[0]["precision"]] = diverging.get(cell[0]["precision"], 0) + 1
            check(any(eff), "%s: conventions differ without an effective zero" % (key,))
            check(cell[0]["first_divergence"] != "" and int(cell[0]["first_divergence"]) >= min(first_eff),
                  "%s: divergence before the first effective zero" % (key,))
        else:
            check(cell[0]["first_divergence"] == "" and len({r["final_loss"] for r in cell}) == 1,
                  "%s: identical runs with a divergence step or different losses" % (key,))
        for r in cell:
            check(int(r["effective_zeros"]) <= int(r["zeros"]), "%s: more effective zeros than zeros" % (key,))
    return diverging


def test_table_json(exe, tmp, diverging):
    out = os.path.join(tmp, "s.json")
    p = run(exe, "--data", "xor", "--seed-range", "10..39", "--steps", "150", "--json", out)
    check(p.returncode == 0, "json run exit %d: %s" % (p.returncode, p.stderr))
    with open(out) as f:
        j = json.load(f)
    for s in j["summary"]:
        prec = s["precision"]
        check(s["diverging"] == diverging.get(prec, 0), "%s: JSON says %d diverging, CSV %d" %
              (prec, s["diverging"], diverging.get(prec, 0)))
        check(s["interval"]["method"] == "wilson score" and s["interval"]["low"] <= s["fraction"] <=
              s["interval"]["high"], "%s: interval" % prec)
        line = [ln for ln in p.stdout.splitlines() if ln.startswith(prec + " ")]
        check(len(line) == 1 and line[0].split()[2] == str(s["diverging"]),
              "%s: the table's diverge column agrees with the JSON: %r" % (prec, line))
    check(len(j["cells"]) == 90 and j["config"]["seeds"] == 30, "JSON cells")


def test_csv_stdout(exe):
    p = run(exe, "--seeds", "3", "--precision", "bf16", "--csv", "-")
    check(p.returncode == 0 and p.stdout.startswith("seed,precision,") and len(p.stdout.splitlines()) == 10,
          "--csv -: stdout is the CSV only: %r" % p.stdout[:200])
    check("precision" in p.stderr and "training steps" in p.stderr, "--csv -: the report goes to stderr")


def test_numerical(exe):
    p = run(exe, "--seeds", "4", "--precision", "f32", "--lr", "1000", "--csv", "-")
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    check(p.returncode == 0 and rows and all(r["numerical"] != "ok" for r in rows),
          "--lr 1000: every run flagged numerical: %r" % [r["numerical"] for r in rows])
    line = [ln for ln in p.stderr.splitlines() if ln.startswith("f32 ")]
    check(len(line) == 1 and line[0].split()[-1] == "4", "--lr 1000: the table counts 4 numerical seeds: %r" % line)


def main():
    exe = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="sg-test-study-") as tmp:
        text = test_identical(exe, tmp)
        diverging = test_structure(text)
        test_table_json(exe, tmp, diverging)
        test_csv_stdout(exe)
        test_numerical(exe)
    print("test_study_cli: %d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
