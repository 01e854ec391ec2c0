#!/usr/bin/env bash
# The router benchmark command: a Release build with benchmarks in build-bench/, the private
# PostgreSQL (for the pgRouting comparison), tests/bench/shortest_path_benchmark on the DIMACS NY
# graph, then `waybill route` end to end on 1 origin x 10,000 destinations.
#
# Usage: ops/bench-router.sh [benchmark flags]   e.g. --benchmark_filter=OneToOne
# Environment: WAYBILL_DATA, WAYBILL_PGPORT (see lib.sh); WAYBILL_BENCH_MIN_TIME (seconds per
# benchmark, default 0.2: the whole run stays under about 2 minutes on 2 idle cores);
# WAYBILL_BENCH_SEED (the random pairs, default 2024).
# Numbers are only worth keeping from a quiet machine: the load average is printed before and
# after, with the machine, dataset and commit. The JSON report goes to build-bench/.
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "$0")/lib.sh"

BENCH_DIR=$ROOT/build-bench
MIN_TIME=${WAYBILL_BENCH_MIN_TIME:-0.2}

require_data # fail fast, before a long build
export WAYBILL_DATA=$DATA
graph=$DATA/dimacs/USA-road-d.NY.gr.gz

"$ROOT/ops/install-deps.sh"
# Keep the generator of an existing build folder; a fresh one gets Ninja.
generator=()
[[ -f $BENCH_DIR/CMakeCache.txt ]] || generator=(-G Ninja)
step "configuring $BENCH_DIR (Release, BUILD_BENCHMARKS=ON, BUILD_TESTING=OFF)"
mkdir -p "$BENCH_DIR"
cmake -S "$ROOT" -B "$BENCH_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_BENCHMARKS=ON -DBUILD_TESTING=OFF >"$BENCH_DIR/configure.log" 2>&1 || {
  cat "$BENCH_DIR/configure.log" >&2
  die "cmake configure failed (log: $BENCH_DIR/configure.log)"
}
step "building shortest_path_benchmark and waybill"
cmake --build "$BENCH_DIR" -j2 --target shortest_path_benchmark waybill
benchmark=$BENCH_DIR/tests/bench/shortest_path_benchmark
waybill=$BENCH_DIR/bin/waybill

tmp=$(mktemp -d)
started_pg=false
cleanup() {
  rm -rf "$tmp"
  # Stop PostgreSQL only if this script started it: a running one may be serving ops/test.sh.
  if $started_pg; then pg_stop; fi
}
trap cleanup EXIT
pg_running || started_pg=true
pg_start # exports WAYBILL_DB

step "machine: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), nproc $(nproc)"
step "load:$(uptime | sed 's/.*load average/ load average/')"
step "running $benchmark (min time ${MIN_TIME}s; JSON: $BENCH_DIR/bench-router.json)"
"$benchmark" --benchmark_min_time="$MIN_TIME" \
  --benchmark_out="$BENCH_DIR/bench-router.json" --benchmark_out_format=json "$@"

step "waybill route end to end: 1 origin x 10,000 destinations on $graph"
python3 - >"$tmp/queries.csv" <<'PY'
import random
rng = random.Random(2024)   # fixed seed: the same queries every run
n = 264346                  # nodes in USA-road-d.NY, ids 1..n
origin = rng.randint(1, n)
for _ in range(10000):
    print(f"{origin},{rng.randint(1, n)}")
PY
TIMEFORMAT='%R'
{ time "$waybill" route --graph "$graph" --stats <"$tmp/queries.csv" >"$tmp/routes.csv" \
  2>"$tmp/stats.txt"; } 2>"$tmp/wall.txt" || {
  cat "$tmp/stats.txt" >&2
  die "waybill route failed"
}
answered=$(wc -l <"$tmp/routes.csv")
((answered == 10000)) || die "waybill route answered $answered of 10000 queries"
sed 's/^/    /' "$tmp/stats.txt"
step "waybill route took $(cat "$tmp/wall.txt") s wall clock (load, parse, route, write)"
step "load:$(uptime | sed 's/.*load average/ load average/')"
