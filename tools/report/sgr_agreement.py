"""The cross-ISA agreement matrix (kernel x ISA: bit-identical to scalar?).

It comes from simdgrad-agreement (tools/report/agreement.c, built with the library), run by the
report on this machine, or from an agreement.json that program wrote earlier (--agreement FILE).
Either way it describes the build and CPU that ran the check, not the machine of the benchmark
run; ISAs that CPU lacks are 'unavailable' (not run), never counted as agreeing.
"""
import json
import os
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = "simdgrad-agreement"


class Matrix:
    def __init__(self, data, source):
        self.data, self.source = data, source
        self.results = [r for r in data.get("results", []) if isinstance(r, dict)]
        self.kernels = list(dict.fromkeys(r["kernel"] for r in self.results))
        self.isas = list(dict.fromkeys(r["isa"] for r in self.results))
        self.where = (f"checked on {data.get('cpu_model', '?')} with {data.get('isas_available', '?')}, "
                      f"simdgrad {data.get('simdgrad_version', '?')}")

    def cell(self, kernel, isa):
        for r in self.results:
            if r["kernel"] == kernel and r["isa"] == isa:
                return r
        return None

    def disagreements(self):
        return [r for r in self.results if r.get("status") == "differs"]


def find_helper():
    """$SIMDGRAD_AGREEMENT; beside this script (meson copies the scripts into build/tools/report
    next to the program); the installed bin/ (scripts in <prefix>/share/simdgrad/report); a
    source checkout's build/ tree; PATH."""
    env = os.environ.get("SIMDGRAD_AGREEMENT")
    if env:
        return env
    for cand in (os.path.join(HERE, NAME),
                 os.path.normpath(os.path.join(HERE, "..", "..", "..", "bin", NAME)),
                 os.path.normpath(os.path.join(HERE, "..", "..", "build", "tools", "report", NAME))):
        if os.access(cand, os.X_OK) and os.path.isfile(cand):
            return cand
    return shutil.which(NAME)


def produce(out_path):
    """Runs the helper into out_path. Returns (Matrix or None, a sentence on how it was produced)."""
    helper = find_helper()
    if not helper:
        return None, (f"{NAME} was not found (built as build/tools/report/{NAME}; or set "
                      "SIMDGRAD_AGREEMENT, or pass --agreement FILE), so no matrix was produced.")
    try:
        proc = subprocess.run([helper, out_path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"running {helper} failed ({e}), so no matrix was produced."
    # Exit 1 means an ISA disagrees: that is a result to show, not a failure of the report.
    if proc.returncode not in (0, 1):
        return None, (f"{helper} exited {proc.returncode}: "
                      f"{proc.stderr.decode(errors='replace').strip()}; no matrix.")
    m = load(out_path)
    return m, (f"produced by running `{os.path.relpath(helper)}` (tools/report/agreement.c) when this report was "
               f"generated, on the machine that generated it; "
               f"its JSON is `{os.path.basename(out_path)}`.")


def load(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ValueError(f"{path}: not a {NAME} JSON file (no 'results' list)")
    return Matrix(data, path)
