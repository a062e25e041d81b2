#!/usr/bin/env python3
"""The progress line (src/progress.h) under a pseudo-terminal (standard library only; no timing is
asserted: SIMDGRAD_PROGRESS_DELAY=0 removes the first second of silence, so a line appears however
fast this machine finishes).

  test_progress.py bench <simdgrad>     `simdgrad bench` (ad hoc, small): a line on a terminal stderr, none
                                        when stderr is a pipe or with --quiet; stdout (a pipe, or the very
                                        same terminal) keeps its tables and JSON intact
  test_progress.py ci-check <simdgrad>  `ci-check --mode time`: the benchmark's line reaches our terminal
  test_progress.py train <simdgrad>     `simdgrad train`: the same three cases
  test_progress.py study <simdgrad>     `simdgrad study`: the same three cases (the line is drawn by the
                                        caller's thread while the workers run)
"""
import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import tempfile
import termios
import threading

ENV = dict(os.environ, SIMDGRAD_PROGRESS_DELAY="0", SIMDGRAD_ISA="")
BENCH = ["bench", "--matmul", "8x8x8", "--elementwise", "1000", "--no-peers", "--benchmark_min_time=0.001",
         "--benchmark_repetitions=2", "--benchmark_color=false"]
TRAIN = ["train", "--isa", "scalar", "--grad-at-zero", "1", "--steps", "20000"]
STUDY = ["study", "--data", "xor", "--seeds", "40", "--precision", "f32,bf16", "--threads", "2"]
LINE = re.compile(r"simdgrad (bench|train|study): \d+%, \d+:\d\d elapsed, (estimating|~\d+:\d\d left)")


def fail(msg):
    sys.exit("FAIL: " + msg)


def pump(master, p):
    data = b""
    while True:
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            data += chunk
        elif p.poll() is not None:
            break
    p.wait(timeout=600)
    return data.decode("utf-8", "replace")


def on_pty(args, both=False):
    """Runs simdgrad with stderr (and with both, stdout too) on a new terminal; (rc, stdout, terminal)."""
    master, slave = pty.openpty()
    # 200 columns: the line is cut to the terminal's width, and the test reads all of it.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=slave if both else subprocess.PIPE,
                         stderr=slave, env=ENV)
    os.close(slave)
    out = "" if both else None
    if not both:
        # stdout is a pipe: read it on the side so a large output cannot block the child.
        chunks = []
        t = threading.Thread(target=lambda: chunks.append(p.stdout.read()))
        t.start()
    term = pump(master, p)
    os.close(master)
    if not both:
        t.join()
        out = chunks[0].decode()
    if p.returncode != 0:
        fail(f"{args} exited {p.returncode}:\n{term[-2000:]}")
    return out, term


def piped(args):
    p = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=ENV, text=True, timeout=600)
    if p.returncode != 0:
        fail(f"{args} exited {p.returncode}:\n{p.stderr[-2000:]}")
    return p.stdout, p.stderr


def screen(text):
    """What a terminal shows: \\r returns to column 0, ESC[K erases to the end of the line, colours are
    ignored. Returns the finished lines and the line the cursor is on."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text).replace("\r\n", "\n")
    lines, cur, col = [], [], 0
    i = 0
    while i < len(text):
        if text.startswith("\x1b[K", i):
            del cur[col:]
            i += 3
            continue
        c = text[i]
        if c == "\r":
            col = 0
        elif c == "\n":
            lines.append("".join(cur))
            cur, col = [], 0
        else:
            if col < len(cur):
                cur[col] = c
            else:
                cur.append(c)
            col += 1
        i += 1
    return lines, "".join(cur)


def check_line(term, what):
    if not LINE.search(term):
        fail(f"{what}: no progress line on the terminal:\n{term[-1500:]!r}")
    lines, last = screen(term)
    if last.strip():
        fail(f"{what}: the progress line was left on the screen: {last!r}")
    left = [l for l in lines if "elapsed" in l]
    if left:
        fail(f"{what}: a progress line became part of the output: {left[:3]}")


def test_bench(simdgrad):
    cmd = [simdgrad] + BENCH
    out, term = on_pty(cmd)
    check_line(term, "bench, stderr a terminal")
    if "\r" in out or "elapsed" in out or "| matmul_nn/m:8/n:8/k:8 |" not in out:
        fail(f"bench: stdout (a pipe) is not the plain table:\n{out[-1500:]}")
    m = re.search(r"family (\d+) of (\d+) \((\w+)\), (\d+) of (\d+) runs", term)
    if not m or int(m.group(1)) > int(m.group(2)) or int(m.group(4)) > int(m.group(5)):
        fail(f"bench: no 'family k of n, r of N runs' in {term[-500:]!r}")
    # Piped stderr, or --quiet on a terminal: no line at all.
    _, err = piped(cmd)
    if "elapsed" in err or "\r" in err:
        fail(f"bench: progress on a piped stderr: {err[-500:]!r}")
    _, term = on_pty(cmd + ["--quiet"])
    if "elapsed" in term or "\r" in term.replace("\r\n", "\n"):
        fail(f"bench --quiet: progress shown: {term[-500:]!r}")
    # stdout and stderr on the same terminal: the screen holds Google Benchmark's table and the
    # summary, and no trace of the progress line.
    _, term = on_pty(cmd, both=True)
    check_line(term, "bench, stdout and stderr on one terminal")
    lines, _ = screen(term)
    rows = [l for l in lines if l.startswith("matmul_nn/") or l.startswith("| matmul_nn/m:8/n:8/k:8 |")]
    if len(rows) < 3:
        fail("bench on one terminal: the console rows and the summary row are not on the screen intact:\n"
             + "\n".join(lines[-40:]))
    # JSON on stdout while the line runs on stderr: still one valid document.
    out, term = on_pty(cmd + ["--benchmark_format=json"])
    check_line(term, "bench --benchmark_format=json")
    names = {b["name"] for b in json.loads(out)["benchmarks"]}
    if "matmul_nn/scalar/m:8/n:8/k:8" not in names:
        fail(f"bench json: {sorted(names)[:10]}")
    print("bench: progress on a terminal only; stdout tables and JSON intact")


def test_ci_check(simdgrad):
    with tempfile.TemporaryDirectory() as d:
        base = os.path.join(d, "base.json")
        cmd = [simdgrad, "ci-check", "--mode", "time", "--update-baseline", "--baseline", base,
               "--filter", "^relu/scalar/", "--repetitions", "2"]
        out, term = on_pty(cmd)
        check_line(term, "ci-check --mode time")
        if "elapsed" in out or "wrote baseline" not in out:
            fail(f"ci-check: stdout {out!r}")
        with open(base) as f:
            json.load(f)
        _, err = piped(cmd)
        if "elapsed" in err:
            fail(f"ci-check: progress on a piped stderr: {err!r}")
        _, term = on_pty(cmd + ["--quiet"])
        if "elapsed" in term:
            fail(f"ci-check --quiet: progress shown: {term[-500:]!r}")
    print("ci-check: the benchmark's progress reaches the terminal; none piped or with --quiet")


def test_train(simdgrad):
    cmd = [simdgrad] + TRAIN
    out, term = on_pty(cmd)
    check_line(term, "train")
    if "run 1 of 1 (scalar" not in term:
        fail(f"train: stage missing: {term[-300:]!r}")
    plain, err = piped(cmd)
    if out != plain:  # stdout identical with and without the line
        fail("train: stdout differs when stderr is a terminal")
    if err:
        fail(f"train: stderr not empty when piped: {err!r}")
    _, term = on_pty(cmd + ["--quiet"])
    if term:
        fail(f"train --quiet: {term!r}")
    print("train: progress on a terminal only; the report unchanged")


def test_study(simdgrad):
    cmd = [simdgrad] + STUDY
    out, term = on_pty(cmd)
    check_line(term, "study")
    if not re.search(r"seed \d+ of 40", term):
        fail(f"study: stage missing: {term[-300:]!r}")
    plain, err = piped(cmd)
    # The last line reports the measured time and rate, which differ between any two runs.
    rate = re.compile(r"^\d+ seeds x .* training steps in .*$", re.M)
    if rate.sub("", out) != rate.sub("", plain) or not rate.search(plain):
        fail("study: stdout differs when stderr is a terminal")
    if err:
        fail(f"study: stderr not empty when piped: {err!r}")
    _, term = on_pty(cmd + ["--quiet"])
    if term:
        fail(f"study --quiet: {term!r}")
    print("study: progress on a terminal only; the table unchanged")


if __name__ == "__main__":
    {"bench": test_bench, "ci-check": test_ci_check, "train": test_train, "study": test_study}[sys.argv[1]](sys.argv[2])
