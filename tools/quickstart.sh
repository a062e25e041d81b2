#!/usr/bin/env bash
# One command on a fresh Debian/Ubuntu machine: install what is missing, build, run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh || echo "quickstart: some packages are missing (see above); building what can be built"
[ -d build ] || meson setup build
meson compile -C build
./build/src/simdgrad info
./build/src/simdgrad bench --quick
