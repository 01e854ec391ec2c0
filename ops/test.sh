#!/usr/bin/env bash
# The test command: install packages, build, start a private PostgreSQL under .run/pg, run ctest,
# stop PostgreSQL. Extra arguments go to ctest, e.g. `ops/test.sh -L unit` or `-R router`.
# Exits with ctest's status.
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "$0")/lib.sh"

require_data # fail fast, before a long build
"$ROOT/ops/build.sh"

trap pg_stop EXIT # also on failure
pg_start # exports WAYBILL_DB
export WAYBILL_DATA=$DATA

step "running tests (WAYBILL_DB=\"$WAYBILL_DB\" WAYBILL_DATA=$WAYBILL_DATA)"
status=0
# --no-tests=error: a filter or build that yields no test is a failure, not a silent pass.
ctest --test-dir "$BUILD_DIR" --output-on-failure --no-tests=error -j2 "$@" || status=$?
step "ctest exited with status $status"

# Sanitizers and fuzzing (in CI, or with WAYBILL_SANITIZERS=1): the whole suite under ASan +
# UBSan, the concurrent parts (router threads, tree cache, lease table) under TSan, then each
# libFuzzer target for a bounded time. Presets in
# CMakePresets.json; build folders build-asan/ and build-tsan/.
if [[ $status == 0 && (${CI:-} == true || ${WAYBILL_SANITIZERS:-} == 1) && $# == 0 ]]; then
  for preset in asan tsan; do
    dir=$ROOT/build-$preset
    step "configuring and building the $preset preset"
    cmake --preset "$preset" -S "$ROOT" >"$ROOT/configure-$preset.log" 2>&1 || {
      cat "$ROOT/configure-$preset.log" >&2
      die "cmake --preset $preset failed"
    }
    rm -f "$ROOT/configure-$preset.log"
    if [[ $preset == asan ]]; then
      cmake --build "$dir" -j2
      step "running the whole suite under ASan + UBSan"
      LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp ctest --test-dir "$dir" --output-on-failure --no-tests=error -j2 || status=$?
    else
      cmake --build "$dir" -j2 --target router_test dispatcher_unit_test store_test
      step "running the concurrent parts under TSan"
      TSAN_OPTIONS=halt_on_error=1 ctest --test-dir "$dir" --output-on-failure --no-tests=error \
        -j2 -R 'Thread|Cache|Concurren|Lease|AsyncStore' || status=$?
    fi
    step "$preset: status $status"
    [[ $status == 0 ]] || break
  done
  if [[ $status == 0 ]]; then
    step "fuzzing the batch parser and the decoders, 20 s each (ops/fuzz.sh)"
    "$ROOT/ops/fuzz.sh" 20 || status=$?
  fi
fi
exit "$status"
