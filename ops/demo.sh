#!/usr/bin/env bash
# The demo: on a fresh machine, one command. Installs and builds, starts a private PostgreSQL,
# imports the New York road graph, starts a dispatcher and two workers, generates a
# 1,000,000-job batch from 100 depots, submits it and waits until every job is routed, shows
# the result through psql, then plans the vans' tours of a few depots (waybill plan), shows them
# and draws one depot's tours (waybill render --plan), and stops everything it started.
#   JOBS=200000 ops/demo.sh      # a smaller day
#   PLAN_DEPOTS=5 ops/demo.sh    # tours for five depots (default 3; each takes a while)
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "$0")/lib.sh"

JOBS=${JOBS:-1000000}
DEPOTS=${DEPOTS:-100}
PLAN_DEPOTS=${PLAN_DEPOTS:-3}
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
# The day the vans drive: the plan's shift times (06:00, 22:00) are times of this day.
"$waybill" submit --dispatcher "$WAYBILL_CLIENTS" --graph ny "$demo/batch.csv" \
  --depart-at 2026-12-07T06:00:00Z --wait

step "batch_progress"
psql "$db" -c "select batch_id, file_name, accepted, rejected, routed, unreachable, percent,
                      elapsed_s, jobs_per_s from batch_progress"
step "ten rows of job_routes"
psql "$db" -c "select * from job_routes limit 10"
step "workers"
"$waybill" status --dispatcher "$WAYBILL_CLIENTS"

# The tours of the first PLAN_DEPOTS depots: every depot has JOBS/DEPOTS deliveries, planned in
# parts of about 1,000 for --time-limit seconds each, two at a time (one per worker), so planning
# all 100 depots of the full day would take some 40 minutes. The depots left out of the fleet
# file are listed in plan_summary with their jobs unassigned (no_fleet).
per_depot=$(((JOBS + DEPOTS - 1) / DEPOTS))
vans=$(((per_depot + 99) / 100)) # 150 parcels a van: room to spare in a 06:00-22:00 shift
mapfile -t depots < <(awk -F, -v n="$PLAN_DEPOTS" \
  'NR > 1 && !seen[$2]++ { print $2; if (++k == n) exit }' "$demo/batch.csv")
{
  echo "depot,vehicles,capacity_kg,capacity_parcels,shift_start,shift_end"
  for d in "${depots[@]}"; do echo "$d,$vans,2500,150,06:00,22:00"; done
} >"$demo/fleet.csv"
step "planning the tours of ${#depots[@]} depots, $vans vans each (fleet file $demo/fleet.csv)"
"$waybill" plan --dispatcher "$WAYBILL_CLIENTS" --batch 1 --fleet "$demo/fleet.csv" \
  --time-limit 5 --wait
plan=$(psql "$db" -qtAc "select max(id) from plans where batch_id = 1")

step "plan_summary, the depots with vans"
psql "$db" -c "select * from plan_summary where plan_id = $plan and vehicles_used > 0
               order by depot"
step "ten rows of tour_plan, depot ${depots[0]}"
psql "$db" -c "select * from tour_plan where plan_id = $plan and depot = ${depots[0]}
               order by vehicle, seq limit 10"
step "drawing the tours of depot ${depots[0]}"
"$waybill" render --db "$db" --plan "$plan" --depot "${depots[0]}" --out "$demo/tours.png"
echo "tours of depot ${depots[0]}: $demo/tours.png"
