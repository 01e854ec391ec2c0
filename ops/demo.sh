#!/usr/bin/env bash
# The demo: on a fresh machine, one command. Installs and builds, starts a private PostgreSQL,
# imports the New York road graph, starts a dispatcher and two workers, generates a
# 1,000,000-job batch from 100 depots, submits it and waits until every job is routed, shows
# the result through psql, and stops everything it started.
#   JOBS=200000 ops/demo.sh      # a smaller day
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "$0")/lib.sh"

JOBS=${JOBS:-1000000}
DEPOTS=${DEPOTS:-100}
require_data # fail fast, before a long build
"$ROOT/ops/build.sh"
waybill=$BUILD_DIR/bin/waybill
demo=$RUN_DIR/demo
mkdir -p "$demo"
rm -f "$demo"/*.log

cleanup() {
  stop_procs
  pg_stop
}
trap cleanup EXIT
pg_start
db=$(fresh_db waybill_demo)

step "importing the NY road graph"
"$waybill" graph import --db "$db" --name ny --dimacs "$DATA/dimacs/USA-road-d.NY.gr.gz" \
  --coords "$DATA/dimacs/USA-road-d.NY.co.gz"

step "starting the dispatcher and two workers (logs in $demo)"
start_dispatcher "$db" "$demo/dispatcher.log"
start_worker "$demo/worker1.log"
start_worker "$demo/worker2.log"

step "generating $JOBS jobs from $DEPOTS depots"
"$waybill" gen --graph "$DATA/dimacs/USA-road-d.NY.gr.gz" --jobs "$JOBS" --depots "$DEPOTS" \
  --seed 2020 --out "$demo/batch.csv"

step "submitting, and waiting until every job is routed"
"$waybill" submit --dispatcher "$WAYBILL_CLIENTS" --graph ny "$demo/batch.csv" --wait

step "batch_progress"
psql "$db" -c "select batch_id, file_name, accepted, rejected, routed, unreachable, percent,
                      elapsed_s, jobs_per_s from batch_progress"
step "ten rows of job_routes"
psql "$db" -c "select * from job_routes limit 10"
step "workers"
"$waybill" status --dispatcher "$WAYBILL_CLIENTS"
