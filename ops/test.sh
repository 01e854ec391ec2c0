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
exit "$status"
