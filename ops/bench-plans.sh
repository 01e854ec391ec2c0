#!/usr/bin/env bash
# A depot day planned through the pipeline: NY, 100,000 deliveries from 20 depots (each within
# 6 km of its depot; weights, a third with two-hour windows, 1-3 minutes at the door), vans of
# 150 parcels and 1,200 kg on an 08:00-16:00 shift. For each worker count (default "2 1", the
# second the baseline): a fresh database, the batch submitted and routed, then
# `waybill plan --wait` timed from the request to the last part stored. Every plan is checked in
# SQL (each job once in a tour or unassigned with its reason, capacities, stops, shift, windows,
# loads), and the summary gives tours, km, driving hours, unassigned, and the speed-up.
# With `osm`, the coordinate-form day: addresses on the OpenStreetMap extract of Monaco (waybill
# gen --osm: default 5,000 jobs from 3 depots, anywhere in the city), the depots named by
# depot_lat,depot_lon in the fleet file, travel times from the car profile.
#   ops/bench-plans.sh                       # NY: 100,000 jobs, 20 depots, 2 workers then 1
#   ops/bench-plans.sh osm                   # Monaco, coordinate form
#   JOBS=20000 DEPOTS=5 WORKERS="2" LIMIT=2 ops/bench-plans.sh
# Results: $RUN_DIR/bench/plans/results.txt.
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "$0")/lib.sh"

mode=${1:-ny}
[[ $mode == ny || $mode == osm ]] || die "usage: ops/bench-plans.sh [ny|osm]"
if [[ $mode == ny ]]; then
  JOBS=${JOBS:-100000} DEPOTS=${DEPOTS:-20}
else
  JOBS=${JOBS:-5000} DEPOTS=${DEPOTS:-3}
fi
WORKERS=${WORKERS:-2 1}
LIMIT=${LIMIT:-5} # seconds a part of about 1,000 jobs
DAY=2026-12-07
require_data
BUILD_TARGETS="waybill waybill-dispatcher waybill-worker" "$ROOT/ops/build.sh" >/dev/null
waybill=$BUILD_DIR/bin/waybill
out=$RUN_DIR/bench/plans
mkdir -p "$out"
results=$out/results.txt

cleanup() {
  stop_procs
  pg_stop
}
trap cleanup EXIT
pg_start >/dev/null

osm=$DATA/osm/monaco-2025-02-11.osm.pbf
step "generating the day ($mode): $JOBS jobs from $DEPOTS depots"
if [[ $mode == ny ]]; then
  python3 "$ROOT/ops/plan_day.py" --coords "$DATA/dimacs/USA-road-d.NY.co.gz" --jobs "$JOBS" \
    --depots "$DEPOTS" --day "$DAY" --batch "$out/day.csv" --fleet "$out/fleet.csv"
else
  "$waybill" gen --osm "$osm" --jobs "$JOBS" --depots "$DEPOTS" --seed 2020 --out "$out/gen.csv"
  python3 "$ROOT/ops/plan_day.py" --from "$out/gen.csv" --day "$DAY" --batch "$out/day.csv" \
    --fleet "$out/fleet.csv"
fi

# check_plan DB: prints the number of broken rules (0 for a valid plan).
check_plan() {
  psql "$1" -qtA <<'SQL'
with p as (select max(id) id from plans),
accepted as (select count(*) n from jobs where batch_id = 1),
placed as (select job_seq from tour_stops, p where plan_id = p.id
           union all select job_seq from plan_misses, p where plan_id = p.id)
select
  (select abs((select count(*) from placed) - (select n from accepted)))
+ (select count(*) - count(distinct job_seq) from placed)
+ (select count(*) from tours t join plan_fleets f using (plan_id, depot), p where t.plan_id = p.id
   and (t.load_parcels > f.capacity_parcels or t.load_kg > f.capacity_kg + 1e-6
        or t.departure < f.shift_start or t.arrival > f.shift_end or t.vehicle > f.vehicles))
+ (select count(*) from (select depot, vehicle, count(*) n, max(seq) m,
                               count(*) filter (where lateness_s > 0) late
                        from tour_stops, p where plan_id = p.id group by 1, 2) s
   where n <> m or late > 0)
+ (select count(*) from tour_stops s join jobs j on j.batch_id = s.batch_id and j.seq = s.job_seq, p
   where s.plan_id = p.id and ((j.due_at is not null
         and s.arrival + s.waiting_s * interval '1 second' > j.due_at)
         or (j.ready_at is not null and s.arrival + s.waiting_s * interval '1 second' < j.ready_at)))
+ (select count(*) from tours t join lateral (
     select count(*) n, sum(j.weight_kg) kg from tour_stops s
     join jobs j on j.batch_id = s.batch_id and j.seq = s.job_seq
     where s.plan_id = t.plan_id and s.depot = t.depot and s.vehicle = t.vehicle) x on true, p
   where t.plan_id = p.id and (x.n <> t.load_parcels or abs(x.kg - t.load_kg) > 1e-3))
SQL
}

printf '# %s: %s, %s jobs, %s depots, %s s a part\n' "$(date -u '+%F %T UTC')" "$mode" "$JOBS" \
  "$DEPOTS" "$LIMIT" | tee -a "$results"
declare -A seconds
for n in $WORKERS; do
  db=$(fresh_db "waybill_plans_$n")
  step "$n worker(s): importing the graph, routing the day"
  if [[ $mode == ny ]]; then
    "$waybill" graph import --db "$db" --name day --dimacs "$DATA/dimacs/USA-road-d.NY.gr.gz" \
      --coords "$DATA/dimacs/USA-road-d.NY.co.gz" >"$out/import.log" 2>&1
  else
    "$waybill" graph import --db "$db" --name day --osm "$osm" >"$out/import.log" 2>&1
  fi
  start_dispatcher "$db" "$out/dispatcher-$n.log"
  for ((w = 1; w <= n; w++)); do start_worker "$out/worker-$n-$w.log"; done
  "$waybill" submit --dispatcher "$WAYBILL_CLIENTS" --graph day "$out/day.csv" \
    --depart-at "${DAY}T08:00:00Z" --wait >"$out/submit-$n.log" 2>&1
  step "$n worker(s): planning"
  start=$(date +%s.%N)
  "$waybill" plan --dispatcher "$WAYBILL_CLIENTS" --batch 1 --fleet "$out/fleet.csv" \
    --time-limit "$LIMIT" --wait >"$out/plan-$n.log" 2>&1 || die "waybill plan failed: $(tail -3 "$out/plan-$n.log")"
  seconds[$n]=$(echo "$(date +%s.%N) - $start" | bc)
  broken=$(check_plan "$db")
  summary=$(psql "$db" -qtA -F ' ' -c "select count(distinct depot), sum(vehicles_used),
      round(sum(km)::numeric, 0), round(sum(driving_h)::numeric, 1), sum(stops), sum(unassigned),
      sum(late) from plan_summary where plan_id = (select max(id) from plans)")
  read -r depots vans km hours stops unassigned late <<<"$summary"
  reasons=$(psql "$db" -qtA -F ' ' -c "select coalesce(string_agg(reason || ' ' || n, ', '), 'none')
      from (select reason, count(*) n from plan_unassigned group by 1 order by 2 desc) r")
  parts=$(psql "$db" -qtAc "select count(*) from plan_parts")
  printf '%s worker(s): planned in %.1f s (%s parts, %s depots); %s tours, %s km, %s h driving, %s stops, %s unassigned (%s), %s late; broken rules: %s\n' \
    "$n" "${seconds[$n]}" "$parts" "$depots" "$vans" "$km" "$hours" "$stops" "$unassigned" \
    "$reasons" "$late" "$broken" | tee -a "$results"
  stop_procs
  ((broken == 0)) || die "the plan with $n worker(s) breaks $broken rules"
done
if [[ -n ${seconds[1]:-} && -n ${seconds[2]:-} ]]; then
  printf 'speed-up, 2 workers against 1: %.2fx\n' "$(echo "${seconds[1]} / ${seconds[2]}" | bc -l)" |
    tee -a "$results"
fi
