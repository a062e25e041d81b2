#!/usr/bin/env bash
# Native build with warnings as errors, then the whole correctness harness on this CPU.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d build ] || meson setup build --werror
meson configure build -Dwerror=true >/dev/null
meson compile -C build
meson test -C build --print-errorlogs
