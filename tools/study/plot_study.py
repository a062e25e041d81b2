#!/usr/bin/python3
"""Plots of `simdgrad study` (issue 11), each as <out>/<name>.png (100 dpi) and .svg (text kept as text,
no date, so re-rendering the same input gives the same SVG):

  divergence   per precision, the fraction of seeds whose ReLU'(0) conventions diverge, with its 95%
               Wilson score interval, one bar group per --json study (data set); the NumPy prototype's
               prediction quoted in issue 11 (xor task) as markers
  curves       one diverging seed of the first --json study: its loss curves for ReLU'(0) = 1, 0, 0.5
               per precision (log scale), and below them each convention's relative loss gap to
               ReLU'(0) = 1; the study's first divergence step as a vertical line. The curves come from
               `simdgrad train --loss-csv -` with the study's data, seed, steps, lr and ISA.

usage: /usr/bin/python3 tools/study/plot_study.py --simdgrad build/src/simdgrad --out DIR \\
           --json results/study/study-xor-2000.json [--json results/study/study-random-2000.json] [--seed S]
Needs matplotlib (python3-matplotlib). Bad input: one 'plot_study: ...' line on stderr, exit 2.
"""
import argparse
import csv
import io
import json
import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "simdgrad-study", "font.size": 9,
                     "axes.titlesize": 10, "legend.fontsize": 8, "figure.dpi": 100})
PRECISIONS = ["f32", "bf16", "fp16"]
CONV_COLORS = {"1": "#1f77b4", "0": "#d62728", "0.5": "#2ca02c"}
# Issue 11: "A quick NumPy prototype of this task predicted: f64 0% of seeds diverge, f32 ≈ 2–3%,
# bf16 ≈ 86%, fp16 ≈ 76%" (the middle of the f32 range is plotted).
PROTOTYPE = {"f32": 0.025, "bf16": 0.86, "fp16": 0.76}


def fail(msg):
    sys.stderr.write("plot_study: %s\n" % msg.replace("\n", " "))
    sys.exit(2)


def save(fig, out, name):
    for ext in ("png", "svg"):
        fig.savefig(os.path.join(out, name + "." + ext), metadata={"Date": None} if ext == "svg" else None)
    plt.close(fig)


def load(path):
    try:
        with open(path) as f:
            j = json.load(f)
        return j if {"config", "summary", "cells"} <= set(j) else fail("%s: not a simdgrad study JSON" % path)
    except (OSError, ValueError) as e:
        fail("%s: %s" % (path, e))


def plot_divergence(studies, out):
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    width = 0.8 / len(studies)
    for i, (path, j) in enumerate(studies):
        rows = {s["precision"]: s for s in j["summary"]}
        xs, ys, lo, hi = [], [], [], []
        for k, p in enumerate(PRECISIONS):
            if p in rows:
                s = rows[p]
                xs.append(k + (i - (len(studies) - 1) / 2) * width)
                ys.append(100 * s["fraction"])
                lo.append(100 * (s["fraction"] - s["interval"]["low"]))
                hi.append(100 * (s["interval"]["high"] - s["fraction"]))
        c = j["config"]
        label = "%s data, %d seeds, %d steps" % (c["data"], c["seeds"], c["steps"])
        bars = ax.bar(xs, ys, width * 0.9, yerr=[lo, hi], capsize=3, label=label)
        for x, y in zip(xs, ys):
            # Inside tall bars, so the prototype's marker near their top stays readable.
            inside = y > 15
            ax.annotate("%.1f%%" % y, (x, y), textcoords="offset points", xytext=(0, -12 if inside else 4),
                        ha="center", fontsize=7, color="white" if inside else "black")
        del bars
    # Over the first study's bars (the xor study in the README's command), which the prototype modelled.
    x0 = -(len(studies) - 1) / 2 * width
    ax.plot([k + x0 for k in range(len(PRECISIONS))], [100 * PROTOTYPE[p] for p in PRECISIONS], "k_",
            markersize=22, markeredgewidth=2, label="NumPy prototype (issue 11, xor)")
    ax.set_xticks(range(len(PRECISIONS)))
    ax.set_xticklabels(["f32", "bf16 operands", "fp16 operands"])
    ax.set_ylabel("seeds whose conventions diverge (%)")
    ax.set_ylim(0, 122)
    ax.set_title("Does ReLU'(0) matter? Fraction of seeds where 1, 0, 0.5 give different runs\n"
                 "(95% Wilson score intervals)")
    ax.legend(loc="upper center", ncol=2, fontsize=7)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    save(fig, out, "divergence")


def pick_seed(j):
    """A seed diverging at every precision, with the largest f32 relative loss gap."""
    by_seed = {}
    for cell in j["cells"]:
        by_seed.setdefault(cell["seed"], {})[cell["precision"]] = cell
    best = None
    for seed, cells in sorted(by_seed.items()):
        if all(p in cells and not cells[p]["identical"] and not cells[p]["numerical"] for p in PRECISIONS):
            gap = cells["f32"]["max_rel_loss_gap"] or 0
            if best is None or gap > best[1]:
                best = (seed, gap)
    return best[0] if best else None


def curves(exe, c, seed, precision):
    args = [exe, "train", "--data", c["data"], "--seed", str(seed), "--steps", str(c["steps"]), "--lr",
            repr(c["lr"]), "--isa", c["isa"], "--precision", precision, "--grad-at-zero", "all", "--loss-csv", "-"]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        fail("%s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()))
    out = {}
    for r in csv.DictReader(io.StringIO(p.stdout)):
        out.setdefault(r["grad_at_zero"], []).append(float(r["loss"]))
    return out


def plot_curves(exe, j, seed, out):
    c = j["config"]
    cells = {cell["precision"]: cell for cell in j["cells"] if cell["seed"] == seed}
    if not cells:
        fail("seed %d is not in the study" % seed)
    precs = [p for p in PRECISIONS if p in cells]
    fig, axes = plt.subplots(2, len(precs), figsize=(3.6 * len(precs), 5.2), sharex=True, squeeze=False,
                             gridspec_kw={"height_ratios": [2, 1]})
    for k, p in enumerate(precs):
        loss = curves(exe, c, seed, p)
        top, bottom = axes[0][k], axes[1][k]
        for g in ("1", "0", "0.5"):
            top.plot(range(len(loss[g])), loss[g], color=CONV_COLORS[g], lw=1.2, label="ReLU'(0) = %s" % g,
                     linestyle={"1": "-", "0": "--", "0.5": ":"}[g])
            if g != "1":
                ref = loss["1"]
                gap = [abs(a - b) / max(abs(a), abs(b)) if max(abs(a), abs(b)) > 0 else 0
                       for a, b in zip(loss[g], ref)]
                bottom.plot(range(len(gap)), [v if v > 0 else float("nan") for v in gap], color=CONV_COLORS[g],
                            lw=1, label="%s vs 1" % g)
        f = cells[p]["first_divergence"]
        for ax in (top, bottom):
            if f is not None:
                ax.axvline(f, color="#888888", lw=0.8, linestyle="-.")
            ax.grid(alpha=0.3)
        top.set_yscale("log")
        bottom.set_yscale("log")
        top.set_title("%s, seed %d: first divergence at step %s" % (p, seed, f))
        bottom.set_xlabel("step")
        if k == 0:
            top.set_ylabel("loss (log)")
            bottom.set_ylabel("relative loss gap (log)")
        top.legend(loc="upper right")
        bottom.legend(loc="lower right")
    fig.suptitle("%s data: loss curves of one diverging seed for the three conventions" % c["data"])
    fig.tight_layout()
    save(fig, out, "curves")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="append", required=True, help="study JSON (repeatable)")
    ap.add_argument("--simdgrad", required=True, help="the simdgrad executable (for the loss curves)")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--seed", type=int, help="seed for the curves (default: picked, see pick_seed)")
    a = ap.parse_args()
    if not os.path.isdir(a.out):
        fail("--out %s: not a directory" % a.out)
    studies = [(p, load(p)) for p in a.json]
    plot_divergence(studies, a.out)
    seed = a.seed if a.seed is not None else pick_seed(studies[0][1])
    if seed is None:
        fail("%s: no seed diverges at every precision; give --seed" % a.json[0])
    plot_curves(a.simdgrad, studies[0][1], seed, a.out)
    print("plot_study: wrote divergence.{png,svg} and curves.{png,svg} (seed %d) to %s" % (seed, a.out))


if __name__ == "__main__":
    main()
