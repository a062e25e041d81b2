#!/usr/bin/python3
"""A stand-in for tools/model/simdgrad_model.py (SIMDGRAD_MODEL_TOOL) so that model_gate.sh tests
ci-check --mode model's logic in milliseconds and without LLVM: --llvm-version prints
$FAKE_LLVM_VERSION (default 16.0.6); a run copies $FAKE_MODEL_JSON to its --json FILE, or fails like
the tool with $FAKE_MODEL_FAIL as the reason. Every call's arguments are appended to $FAKE_MODEL_LOG."""
import os
import shutil
import sys

if os.environ.get("FAKE_MODEL_LOG"):
    with open(os.environ["FAKE_MODEL_LOG"], "a") as f:
        f.write(" ".join(sys.argv[1:]) + "\n")
if "--llvm-version" in sys.argv:
    print(os.environ.get("FAKE_LLVM_VERSION", "16.0.6"))
    sys.exit(0)
if os.environ.get("FAKE_MODEL_FAIL"):
    print("simdgrad model: " + os.environ["FAKE_MODEL_FAIL"], file=sys.stderr)
    sys.exit(2)
print("| kernel | core | ... (the table, which ci-check does not read) |")
shutil.copyfile(os.environ["FAKE_MODEL_JSON"], sys.argv[sys.argv.index("--json") + 1])
