#!/usr/bin/env python3
"""tools/study/plot_study.py end to end (suite 'train'): a small xor study's JSON gives divergence and
curves as PNG and SVG, the SVGs name what they show (text kept as text), rendering twice gives the same
SVG, and a JSON that is not a study is one 'plot_study:' line and exit 2. Skipped (77) without
matplotlib for /usr/bin/python3.

usage: test_study_plots.py SIMDGRAD_EXE PLOT_STUDY_PY
"""
import os
import subprocess
import sys
import tempfile

PY = "/usr/bin/python3"


def main():
    exe, tool = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if subprocess.run([PY, "-c", "import matplotlib"], capture_output=True).returncode != 0:
        print("SKIP: /usr/bin/python3 has no matplotlib (python3-matplotlib)")
        return 77
    fails = []
    with tempfile.TemporaryDirectory(prefix="sg-test-plots-") as tmp:
        j = os.path.join(tmp, "s.json")
        p = subprocess.run([exe, "study", "--data", "xor", "--seeds", "12", "--json", j], capture_output=True, text=True)
        if p.returncode != 0:
            print("FAIL: study: %s" % p.stderr)
            return 1
        svgs = []
        for n in (1, 2):
            out = os.path.join(tmp, "out%d" % n)
            os.mkdir(out)
            p = subprocess.run([PY, tool, "--simdgrad", exe, "--out", out, "--json", j], capture_output=True,
                               text=True)
            if p.returncode != 0:
                fails.append("plot_study exit %d: %s" % (p.returncode, p.stderr))
                continue
            for name in ("divergence", "curves"):
                for ext in ("png", "svg"):
                    f = os.path.join(out, name + "." + ext)
                    if not os.path.getsize(f) > 1000:
                        fails.append("%s missing or empty" % f)
            with open(os.path.join(out, "divergence.svg")) as f:
                div = f.read()
            with open(os.path.join(out, "curves.svg")) as f:
                cur = f.read()
            for want in ("bf16 operands", "Wilson", "NumPy prototype"):
                if want not in div:
                    fails.append("divergence.svg lacks %r" % want)
            for want in ("ReLU'(0) = 0.5", "first divergence at step", "relative loss gap"):
                if want not in cur.replace("&#39;", "'"):
                    fails.append("curves.svg lacks %r" % want)
            svgs.append(div + cur)
        if len(svgs) == 2 and svgs[0] != svgs[1]:
            fails.append("two renderings of the same study differ")
        bad = os.path.join(tmp, "bad.json")
        with open(bad, "w") as f:
            f.write('{"a": 1}')
        p = subprocess.run([PY, tool, "--simdgrad", exe, "--out", tmp, "--json", bad], capture_output=True, text=True)
        if p.returncode != 2 or len(p.stderr.splitlines()) != 1 or not p.stderr.startswith("plot_study: "):
            fails.append("not-a-study JSON: exit %d, stderr %r" % (p.returncode, p.stderr))
    for f in fails:
        print("FAIL: " + f)
    print("test_study_plots: %d failure(s)" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
