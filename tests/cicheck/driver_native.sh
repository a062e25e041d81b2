#!/usr/bin/env bash
# The driver outside valgrind would "measure" zeros: it must refuse (exit 2) instead.
DRIVER=$1
[ -x "$DRIVER" ] || { echo "SKIP: simdgrad-icount not built"; exit 77; }
out=$("$DRIVER" 2>&1); rc=$?
[ $rc -eq 2 ] || { echo "FAIL: exit $rc"; exit 1; }
echo "$out" | grep -q "must run under valgrind" || { echo "FAIL: message: $out"; exit 1; }
echo PASS
