#!/usr/bin/env bash
# End-to-end throughput on this box: NY graph, a dispatcher, two workers and PostgreSQL together.
# Times one batch from `waybill submit` to the last route durable in PostgreSQL, and, in the same
# run, the floor for any system that keeps every job and route: `psql \copy` of the very same job
# rows and route rows into tables of the same shape (with primary keys). Prints jobs/s and ratio.
#   ops/bench-pipeline.sh                 # 1,000,000 jobs from 100 depots
#   JOBS=200000 DEPOTS=50 ops/bench-pipeline.sh
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "$0")/lib.sh"

JOBS=${JOBS:-1000000}
DEPOTS=${DEPOTS:-100}
require_data
"$ROOT/ops/build.sh" >/dev/null
waybill=$BUILD_DIR/dispatcher/waybill
out=$RUN_DIR/bench
mkdir -p "$out"
rm -f "$out"/*.log "$out"/*.csv

cleanup() {
  stop_procs
  pg_stop
}
trap cleanup EXIT
pg_start >/dev/null
db=$(fresh_db waybill_bench)
"$waybill" graph import --db "$db" --name ny --dimacs "$DATA/dimacs/USA-road-d.NY.gr.gz" >/dev/null
"$waybill" gen --graph "$DATA/dimacs/USA-road-d.NY.gr.gz" --jobs "$JOBS" --depots "$DEPOTS" \
  --seed 1 --out "$out/batch.csv"

start_dispatcher "$db" "$out/dispatcher.log"
start_worker "$out/worker1.log"
start_worker "$out/worker2.log"
# Workers are ready once they hold the graph (fetched, or from their cache).
for _ in $(seq 600); do
  (($(grep -c ' ready: ' "$out"/worker*.log 2>/dev/null | awk -F: '{s+=$2} END {print s}') >= 2)) && break
  sleep 0.1
done

t0=$(date +%s.%N)
"$waybill" submit --dispatcher "$WAYBILL_CLIENTS" --graph ny "$out/batch.csv" --wait >"$out/submit.log" 2>&1 ||
  die "submit failed: $(tail -3 "$out/submit.log")"
t1=$(date +%s.%N)

# Baseline (a): the same rows, \copy'd into tables of the same shape.
psql "$db" -qc "\copy (select batch_id, seq, line, order_id, origin, destination, weight_kg, due_at, priority from jobs) to '$out/jobs.csv' csv"
psql "$db" -qc "\copy (select batch_id, seq, status, cost, hops, worker_id, routed_at from routes) to '$out/routes.csv' csv"
psql "$db" -q <<'SQL'
create table base_jobs (like jobs including defaults, primary key (batch_id, seq));
create table base_routes (like routes including defaults, primary key (batch_id, seq));
SQL
b0=$(date +%s.%N)
psql "$db" -qc "\copy base_jobs from '$out/jobs.csv' csv"
psql "$db" -qc "\copy base_routes from '$out/routes.csv' csv"
b1=$(date +%s.%N)

python3 - "$JOBS" "$t0" "$t1" "$b0" "$b1" "$(git -C "$ROOT" rev-parse --short HEAD)" <<'PY'
import sys, os
jobs = int(sys.argv[1]); t0, t1, b0, b1 = map(float, sys.argv[2:6]); commit = sys.argv[6]
w, b = jobs / (t1 - t0), jobs / (b1 - b0)
cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), '?')
print(f"machine: {os.cpu_count()} cores, {cpu}; dataset: USA-road-d.NY; commit {commit}")
print(f"waybill  submit -> last route durable: {jobs:,} jobs in {t1 - t0:6.1f} s = {w:9,.0f} jobs/s")
print(f"baseline psql \\copy jobs + routes:    {jobs:,} rows in {b1 - b0:6.1f} s = {b:9,.0f} jobs/s")
print(f"ratio waybill / copy baseline: {w / b:.2f}")
PY
