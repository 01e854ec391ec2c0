#!/usr/bin/env bash
# Configure and build Waybill (Release, Ninja) into $BUILD_DIR (default: build/).
# Usage: ops/build.sh [extra cmake args]    e.g. ops/build.sh -DBUILD_BENCHMARKS=ON
# BUILD_TARGETS="a b" builds only those targets (ops/bench: the three programs).
# Warnings are errors only in CI (CI=true).
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "$0")/lib.sh"

"$ROOT/ops/install-deps.sh"

werror=OFF
[[ ${CI:-} == true ]] && werror=ON
# Keep the generator of an existing build folder; a fresh one gets Ninja.
generator=()
[[ -f $BUILD_DIR/CMakeCache.txt ]] || generator=(-G Ninja)

step "configuring $BUILD_DIR (Release, WAYBILL_WERROR=$werror)"
mkdir -p "$BUILD_DIR"
cmake -S "$ROOT" -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DWAYBILL_WERROR=$werror "$@" >"$BUILD_DIR/configure.log" 2>&1 || {
  cat "$BUILD_DIR/configure.log" >&2
  die "cmake configure failed (log: $BUILD_DIR/configure.log)"
}

step "building"
targets=()
for t in ${BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$BUILD_DIR" -j2 "${targets[@]}"
