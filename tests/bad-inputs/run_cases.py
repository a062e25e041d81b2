#!/usr/bin/env python3
"""Table-driven bad-input tests for the simdgrad CLI (suite 'cli').

usage: run_cases.py SIMDGRAD_EXE CASES_TSV

Each non-comment line of the cases file is tab-separated:
    name  argv  env  exit  stderr-substring
argv is split like a shell would (shlex); {fx} is the fixture directory, {out} an output
directory that must stay empty, {nl} a newline (the error must still be one line), {long} 5,000
characters (the echoed value is cut, the reason must survive), {unavailable_isa} an ISA this
build/CPU lacks (the case is skipped when there is none), {known_isas} the ISA list of src/simdgrad.h
as the error messages spell it ("scalar, avx2, ..."). env is '-' or KEY=VALUE pairs separated by ';'.
Every `train` case without its own --loss-csv runs with `--loss-csv {out}/loss.csv` prepended, so a bad input that leaves a
CSV (or its temporary file) behind fails. `bench` cases (simdgrad-bench behind `simdgrad bench`) give
`--results-dir {out}` themselves where they save; they are skipped when simdgrad-bench is not built.
Each case must also print nothing on stdout and exactly
one line on stderr, finish within 20 s (a blocking open is a failure), and leave the fixture directory
exactly as it was (names, types, sizes, contents, link targets): a refused output must not replace
a FIFO, symlink or input there. The .npy fixtures are generated here with struct, so they are
reviewable.
Standard library only (the python3 first on PATH may lack numpy).
"""
import json
import os
import shlex
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from sg_lists import known_isas  # noqa: E402


def npy(dict_text, data=b"", major=1):
    """A .npy file: magic, version, header length, dict padded to 64 bytes, then data."""
    pre = 10 if major == 1 else 12
    body = dict_text.encode("latin1")
    hlen = len(body) + 1
    hlen += (64 - (pre + hlen) % 64) % 64
    head = b"\x93NUMPY" + bytes([major, 0])
    head += struct.pack("<H", hlen) if major == 1 else struct.pack("<I", hlen)
    return head + body + b" " * (hlen - len(body) - 1) + b"\n" + data


def f4(rows, cols, values=None):
    values = values or [0.5 * (i + 1) for i in range(rows * cols)]
    d = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
    return npy(d, struct.pack("<%df" % len(values), *values))


def icount_baseline(count_text):
    """A simdgrad-icount-1 baseline whose one count is count_text, verbatim (for damaged counts)."""
    return ('{"format": "simdgrad-icount-1", "compiler": "gcc 12.2.0", "buildtype": "release", '
            '"cpu_family": "x86_64", "calls_per_case": 3, "counts": {"relu/scalar/n:7": %s}}\n' % count_text).encode()


def gbench_run(entry_overrides=None, drop=(), top=None):
    """A one-benchmark Google Benchmark JSON run, with fields of the entry replaced or dropped."""
    entry = {"name": "relu/avx2/n:4096", "run_type": "iteration", "repetitions": 1, "repetition_index": 0,
             "threads": 1, "iterations": 1000, "real_time": 100.5, "cpu_time": 100.25, "time_unit": "ns"}
    entry.update(entry_overrides or {})
    for k in drop:
        entry.pop(k)
    run = top if top is not None else {"context": {"date": "2026-11-26T00:00:00+00:00", "num_cpus": 2},
                                       "benchmarks": [entry]}
    return (json.dumps(run) + "\n").encode()
def f8(rows, cols, values):
    d = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
    return npy(d, struct.pack("<%dd" % len(values), *values))


def sparse(path, dtype, rows, cols, item):
    """A header for a rows x cols array and a hole for its data: gigabytes on paper, no disk blocks."""
    with open(path, "wb") as f:
        f.write(npy("{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }" % (dtype, rows, cols)))
        f.truncate(f.tell() + rows * cols * item)

LONG = "a" * 5000
INF, NAN = float("inf"), float("nan")


def fixtures(fx):
    """Good inputs (x 4x3, y 4x1, w1 3x5, w2 5x1) and one broken file per failure mode."""
    files = {
        "x.npy": f4(4, 3),
        "y.npy": f4(4, 1),
        "w1.npy": f4(3, 5),
        "w2.npy": f4(5, 1),
        "y_5rows.npy": f4(5, 1),
        "w1_4rows.npy": f4(4, 5),
        "w2_wrong.npy": f4(4, 1),
        "garbled.npy": b"\x93NUMPX\x01\x00garbage",
        "text.npy": b"just some text, not numpy\n",
        "empty.npy": b"",
        "trunc_header.npy": b"\x93NUMPY\x01\x00\x76\x00{'descr': '<f4', 'fortran",
        "trunc_data.npy": f4(4, 3)[:-5],
        "extra_data.npy": f4(4, 3) + b"\0\0\0\0",
        "version9.npy": npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3), }").replace(
            b"NUMPY\x01", b"NUMPY\x09", 1),
        "descr_newline.npy": npy("{'descr': '<f\n4', 'fortran_order': False, 'shape': (4, 3), }", b"\0" * 48),
        "int32.npy": npy("{'descr': '<i4', 'fortran_order': False, 'shape': (4, 3), }", b"\0" * 48),
        "bigendian.npy": npy("{'descr': '>f4', 'fortran_order': False, 'shape': (4, 3), }", b"\0" * 48),
        "float16.npy": npy("{'descr': '<f2', 'fortran_order': False, 'shape': (4, 3), }", b"\0" * 24),
        "oned.npy": npy("{'descr': '<f4', 'fortran_order': False, 'shape': (12,), }", b"\0" * 48),
        "threed.npy": npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 3), }", b"\0" * 48),
        "fortran.npy": npy("{'descr': '<f4', 'fortran_order': True, 'shape': (4, 3), }", b"\0" * 48),
        "zero_rows.npy": npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }"),
        "huge_shape.npy": npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }",
                              b"\0" * 48),
        "big_shape.npy": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (10000, 10000), }", b"\0" * 48),
        "huge_header_len.npy": b"\x93NUMPY\x02\x00\xff\xff\xff\xff{",
        "no_shape.npy": npy("{'descr': '<f4', 'fortran_order': False, }", b"\0" * 48),
        # ci-check: damaged icount baselines (each used to drop the case silently or cast garbage)
        "ic_string.json": icount_baseline('"93"'),
        "ic_nan.json": icount_baseline("NaN"),
        "ic_negative.json": icount_baseline("-93"),
        "ic_object.json": icount_baseline("{}"),
        "ic_huge.json": icount_baseline("1e300"),
        "ic_infinity.json": icount_baseline("Infinity"),
        "ic_fraction.json": icount_baseline("93.5"),
        "ic_2pow64.json": icount_baseline("18446744073709551616"),
        "ic_no_counts.json": icount_baseline("0").replace(b'{"relu/scalar/n:7": 0}', b"{}"),
        "ic_trailing.json": icount_baseline("93") + b"{}",
        "ic_comment.json": b"/* c */" + icount_baseline("93"),
        "ic_null.json": b"null\n",
        "ic_nul.json": icount_baseline("93").replace(b"x86_64", b"x86\x0064"),
        # ci-check --mode time: files that are JSON but not Google Benchmark runs
        "gb_good.json": gbench_run(),
        "gb_benchmarks5.json": gbench_run(top={"benchmarks": 5}),
        "gb_ctx_benchmarks5.json": gbench_run(top={"context": {}, "benchmarks": 5}),
        "gb_empty.json": gbench_run(top={"context": {}, "benchmarks": []}),
        "gb_entry_number.json": gbench_run(top={"context": {}, "benchmarks": [5]}),
        "gb_no_name.json": gbench_run(drop=("name",)),
        "gb_no_real_time.json": gbench_run(drop=("real_time",)),
        "gb_string_time.json": gbench_run({"cpu_time": "fast"}),
        "gb_nan_time.json": gbench_run({"real_time": float("nan")}),
        "gb_negative_time.json": gbench_run({"real_time": -1}),
        "gb_bad_unit.json": gbench_run({"time_unit": "weeks"}),
        "gb_index_string.json": gbench_run({"repetition_index": "0"}),
        "gb_truncated.json": gbench_run()[:40],
        "x_nan.npy": f4(4, 3, [1.0, 2.0, 3.0, 4.0, 5.0, NAN, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
        "y_inf.npy": f4(4, 1, [INF, 1.0, 1.0, 1.0]),
        "w2_neginf.npy": f4(5, 1, [1.0, 1.0, 1.0, 1.0, -INF]),
        "w1_f8_overflow.npy": f8(3, 5, [0.5, 1e300] + [0.25] * 13),
        "w1_f8_nan.npy": f8(3, 5, [0.5] * 14 + [NAN]),
        "w1_f8_ok.npy": f8(3, 5, [0.5] * 15),
    }
    for name, data in files.items():
        with open(os.path.join(fx, name), "wb") as f:
            f.write(data)
    os.mkdir(os.path.join(fx, "a_directory.npy"))
    os.mkfifo(os.path.join(fx, "fifo.npy"))
    os.symlink("x.npy", os.path.join(fx, "link_to_x.npy"))
    os.symlink("nowhere.csv", os.path.join(fx, "dangling.csv"))
    os.symlink("/dev/stdout", os.path.join(fx, "stdout_link"))
    os.link(os.path.join(fx, "x.npy"), os.path.join(fx, "x_hardlink.npy"))
    os.mkdir(os.path.join(fx, "empty_dir"))
    os.mkdir(os.path.join(fx, "foreign_dir"))
    with open(os.path.join(fx, "foreign_dir", "notes.txt"), "w") as f:
        f.write("not simdgrad's\n")
    # 16384 x 16384 '<f8' = 2 GiB and '<f4' = 1 GiB, both sparse: refused from their headers.
    sparse(os.path.join(fx, "big_f8.npy"), "<f8", 16384, 16384, 8)
    sparse(os.path.join(fx, "big_x.npy"), "<f4", 16384, 16384, 4)
    for name, rows, cols in (("big_y.npy", 16384, 1), ("big_w1.npy", 16384, 1), ("big_w2.npy", 1, 1)):
        with open(os.path.join(fx, name), "wb") as f:
            f.write(f4(rows, cols, [1.0] * (rows * cols)))


def snapshot(root):
    """Everything a case could change under root: type, size, content hash, link target."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            if os.path.islink(path):
                state[path] = ("link", os.readlink(path))
            elif os.path.isfile(path) and st.st_size < (1 << 20):
                with open(path, "rb") as f:
                    state[path] = ("file", st.st_size, hash(f.read()), st.st_ino)
            else:
                state[path] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_ino)
    return state


def available_isas(exe):
    out = subprocess.run([exe, "info"], capture_output=True, text=True, env=clean_env(), check=True).stdout
    for line in out.splitlines():
        if line.startswith("ISAs available:"):
            return [s.strip() for s in line.split(":", 1)[1].split(",")]
    raise SystemExit("could not find 'ISAs available:' in simdgrad info output")


def bench_built(exe):
    """`simdgrad bench --help` is simdgrad-bench's usage when it is built, an error when it is not."""
    return subprocess.run([exe, "bench", "--help"], capture_output=True, text=True, env=clean_env()).returncode == 0


def clean_env():
    env = dict(os.environ)
    for k in ("SIMDGRAD_ISA", "SIMDGRAD_L3_BYTES", "BENCHMARK_LIST_TESTS", "BENCHMARK_FILTER"):
        env.pop(k, None)
    return env


def load_cases(path):
    cases = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 5:
                raise SystemExit("%s:%d: expected 5 tab-separated columns, got %d" % (path, lineno, len(cols)))
            name, argv, env, code, want = cols
            cases.append((lineno, name, argv, env, int(code), want))
    return cases


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    exe, cases_path = os.path.abspath(sys.argv[1]), sys.argv[2]
    cases = load_cases(cases_path)
    names = [c[1] for c in cases]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise SystemExit("duplicate case names: %s" % ", ".join(sorted(dup)))
    avail = available_isas(exe)
    known = known_isas()
    unavailable = next((i for i in known if i not in avail), None)
    root = tempfile.mkdtemp(prefix="sg-bad-inputs-")
    fx, out = os.path.join(root, "fx"), os.path.join(root, "out")
    os.mkdir(fx)
    os.mkdir(out)
    fixtures(fx)
    before = snapshot(fx)
    failures, skipped = [], 0
    try:
        # Positive control: the same prefix on good input does write the CSV, so "no file left
        # behind" below is not vacuous.
        good = subprocess.run([exe, "train", "--loss-csv", os.path.join(out, "loss.csv"), "--steps", "2"],
                              capture_output=True, text=True, env=clean_env())
        if good.returncode != 0 or os.listdir(out) != ["loss.csv"]:
            failures.append("control: good run exit %d, out dir %s" % (good.returncode, os.listdir(out)))
        os.remove(os.path.join(out, "loss.csv"))
        have_bench = bench_built(exe)
        if have_bench:
            # The same for `bench --save`: one tiny benchmark lands as <fingerprint>/<stamp>.json + .md.
            good = subprocess.run([exe, "bench", "--save", "--results-dir", out, "--quick", "--no-peers",
                                   "--benchmark_filter=^relu/scalar/", "--benchmark_min_time=0.001"],
                                  capture_output=True, text=True, env=clean_env(), timeout=60)
            saved = [os.listdir(os.path.join(out, d)) for d in os.listdir(out)]
            if good.returncode != 0 or len(saved) != 1 or len(saved[0]) != 2:
                failures.append("control: good bench --save exit %d, wrote %s\n     stderr: %r" % (
                    good.returncode, saved, good.stderr[-2000:]))
            for d in os.listdir(out):
                shutil.rmtree(os.path.join(out, d))
        for lineno, name, argv_t, env_t, code, want in cases:
            if argv_t.split(" ", 1)[0] == "bench" and not have_bench:
                print("SKIP %s: simdgrad-bench is not built" % name)
                skipped += 1
                continue
            if "{unavailable_isa}" in argv_t + env_t and unavailable is None:
                print("SKIP %s: every ISA is available here" % name)
                skipped += 1
                continue
            subst = lambda s: s.replace("{fx}", fx).replace("{out}", out).replace(
                "{known_isas}", ", ".join(known)).replace(
                "{unavailable_isa}", unavailable or "").replace("{nl}", "\n").replace("{long}", LONG)
            argv = [subst(a) for a in shlex.split(argv_t)]
            want = subst(want)
            env = clean_env()
            if env_t != "-":
                for kv in env_t.split(";"):
                    k, v = kv.split("=", 1)
                    env[k] = subst(v)
            if argv and argv[0] == "train" and "--loss-csv" not in argv:
                argv[1:1] = ["--loss-csv", os.path.join(out, "loss.csv")]
            problems = []
            try:
                p = subprocess.run([exe] + argv, capture_output=True, text=True, env=env, timeout=20)
            except subprocess.TimeoutExpired as e:
                p = subprocess.CompletedProcess(argv, -1, e.stdout or "", e.stderr or "")
                p.stdout = p.stdout.decode() if isinstance(p.stdout, bytes) else p.stdout
                p.stderr = p.stderr.decode() if isinstance(p.stderr, bytes) else p.stderr
                problems.append("timed out (blocked?)")
            if p.returncode != code:
                problems.append("exit %d, want %d" % (p.returncode, code))
            if want not in p.stderr:
                problems.append("stderr lacks %r" % want)
            lines = p.stderr.splitlines()
            if len(lines) != 1 or not lines[0].startswith("simdgrad"):
                problems.append("stderr is not one 'simdgrad ...' line")
            if p.stdout:
                problems.append("stdout not empty")
            left = os.listdir(out)
            if left:
                problems.append("left files behind: %s" % left)
                for f in left:
                    path = os.path.join(out, f)
                    shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.remove(path)
            now = snapshot(fx)
            if now != before:
                changed = sorted(k for k in set(now) | set(before) if now.get(k) != before.get(k))
                problems.append("fixtures changed: %s" % [os.path.relpath(c, fx) for c in changed])
            status = "ok" if not problems else "FAIL"
            shown = lines[0] if lines else "(no stderr)"
            print("%-4s %-28s exit %d  %s" % (status, name, p.returncode, shown[:300]))
            if problems:
                failures.append("%s (cases line %d): %s\n     argv: %s\n     stderr: %r" % (
                    name, lineno, "; ".join(problems), " ".join(argv)[:500], p.stderr[:500]))
            if now != before:
                failures.append("stopped after %s: the later cases would run on changed fixtures" % name)
                break
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("\n%d cases, %d failed, %d skipped" % (len(cases), len(failures), skipped))
    for f in failures:
        print("FAILED: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
