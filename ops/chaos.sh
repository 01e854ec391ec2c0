#!/usr/bin/env bash
# Chaos run: one batch of JOBS (default 2,000,000) jobs on NY while this script kill -9s a random
# worker every KILL_EVERY (1) seconds, starting a new one, kill -9s the dispatcher once and
# restarts it (after the 3rd worker kill), and restarts PostgreSQL once (fast shutdown, after
# the 6th). Then it checks that every accepted
# job has exactly one route, equal to `waybill route`'s answer, that every bad line is in rejects,
# and that the batch finished on its own. Prints kills, restarts, jobs, lost and duplicated.
# A new worker loads the graph from its cache and computes its depots' trees before it routes
# anything, so the depots are few (DEPOTS=20) and three workers run at once.
#   ops/chaos.sh                     # 2,000,000 jobs, at least 20 worker kills
#   JOBS=200000 MIN_KILLS=5 ops/chaos.sh
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "$0")/lib.sh"

JOBS=${JOBS:-2000000}
DEPOTS=${DEPOTS:-20}
KILL_EVERY=${KILL_EVERY:-1}
WORKERS=${WORKERS:-3}
MIN_KILLS=${MIN_KILLS:-20}
require_data
"$ROOT/ops/build.sh" >/dev/null
waybill=$BUILD_DIR/bin/waybill
out=$RUN_DIR/chaos
mkdir -p "$out"
rm -f "$out"/*.log "$out"/*.csv

cleanup() {
  stop_procs
  pg_stop
}
trap cleanup EXIT
pg_start >/dev/null
db=$(fresh_db waybill_chaos)
graph=$DATA/dimacs/USA-road-d.NY.gr.gz
"$waybill" graph import --db "$db" --name ny --dimacs "$graph" >/dev/null

# The batch: generated jobs with ten bad lines spread through it.
"$waybill" gen --graph "$graph" --jobs "$JOBS" --depots "$DEPOTS" --seed 9 --out "$out/good.csv"
python3 - "$out" <<'PY'
import sys
out = sys.argv[1]
bad = ['B1,5', 'B2,x,5,1,0', 'B3,1,999999999,1,0', 'D0,1,2,1,0', ',1,2,1,0', 'B6,1,2,-1,0',
       'B7,1,2,nan,0', 'B8,1,2,1,x', 'B9,1', 'B10,1,2,3,4,5,6']
lines = open(f'{out}/good.csv').read().splitlines()
step = len(lines) // (len(bad) + 1)
with open(f'{out}/batch.csv', 'w') as f, open(f'{out}/bad_lines.txt', 'w') as b:
    n = 0
    for i, line in enumerate(lines):
        f.write(line + '\n'); n += 1
        if i and i % step == 0 and bad:
            f.write(bad.pop(0) + '\n'); n += 1
            b.write(f'{n}\n')
PY

workers=()
new_worker() {
  start_worker "$out/workers.log" --threads 1 --landmarks 4
  workers+=($!)
  disown "$!" # no "Killed" line from bash for each kill -9
}
start_dispatcher "$db" "$out/dispatcher.log"
for _ in $(seq "$WORKERS"); do new_worker; done

step "submitting $JOBS jobs"
# Exit status 1: stored, with the bad lines above rejected.
status=0
"$waybill" submit --dispatcher "$WAYBILL_CLIENTS" --graph ny "$out/batch.csv" >"$out/submit.log" 2>&1 ||
  status=$?
((status <= 1)) || die "submit failed: $(tail -2 "$out/submit.log")"
finished() { [[ $(psql "$db" -qtAc "select count(*) from batches where finished_at is not null" 2>/dev/null) == 1 ]]; }

kills=0 dispatcher_restarts=0 pg_restarts=0
t0=$SECONDS
while ! finished; do
  ((SECONDS - t0 < 1800)) || die "the batch did not finish within 30 minutes"
  sleep "$KILL_EVERY"
  finished && break
  victim=$((RANDOM % ${#workers[@]}))
  kill -9 "${workers[$victim]}" 2>/dev/null || true
  unset "workers[$victim]"
  workers=("${workers[@]}")
  kills=$((kills + 1))
  new_worker
  if ((kills == 3 && dispatcher_restarts == 0)); then
    step "kill -9 the dispatcher, then start it again"
    kill -9 "$DISPATCHER_PID"
    wait "$DISPATCHER_PID" 2>/dev/null || true
    sleep 1
    start_dispatcher "$db" "$out/dispatcher.log"
    dispatcher_restarts=1
  fi
  if ((kills == 6 && pg_restarts == 0)); then
    step "restarting PostgreSQL (fast shutdown)"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w restart >/dev/null
    pg_restarts=1
  fi
done
elapsed=$((SECONDS - t0))
((kills >= MIN_KILLS)) || echo "warning: only $kills worker kills before the batch finished (MIN_KILLS=$MIN_KILLS)"

step "checking every route against waybill route"
psql "$db" -qc "\copy (select origin, destination, coalesce(cost::text, status), order_id from job_routes order by batch_id, seq) to '$out/stored.csv' csv"
cut -d, -f1,2 "$out/stored.csv" | "$waybill" route --graph "$graph" >"$out/expected.csv"
psql "$db" -qc "\copy (select line from rejects order by line) to '$out/rejected.txt' csv"
# Routes stored (the elements of the blocks) and jobs routed (the view routes, a job a row).
counts=$(psql "$db" -qtA -F' ' -c "select (select accepted from batches),
  (select coalesce(sum(cardinality(status)), 0) from route_blocks), (select count(*) from routes),
  (select count(*) from jobs j where not exists (select 1 from routes r where r.batch_id = j.batch_id and r.seq = j.seq))")
python3 - "$out" "$kills" "$dispatcher_restarts" "$pg_restarts" "$elapsed" $counts <<'PY'
import sys
out = sys.argv[1]
kills, d_restarts, pg_restarts, elapsed, accepted, routes, distinct, missing = map(int, sys.argv[2:10])
stored = [l.rstrip('\n').split(',') for l in open(f'{out}/stored.csv')]
expected = [l.rstrip('\n').split(',') for l in open(f'{out}/expected.csv')]
wrong = sum(1 for s, e in zip(stored, expected) if s[2] != e[2])
bad_lines = open(f'{out}/bad_lines.txt').read().split()
rejected = open(f'{out}/rejected.txt').read().split()
lost, duplicated = missing, routes - distinct
print(f"kills: {kills} workers, {d_restarts} dispatcher, {pg_restarts} PostgreSQL restarts; {elapsed} s")
print(f"jobs: {accepted}; routes: {routes}; lost: {lost}; duplicated: {duplicated}; "
      f"wrong: {wrong + abs(len(stored) - len(expected))}; rejects: {len(rejected)}/{len(bad_lines)}")
ok = lost == 0 and duplicated == 0 and wrong == 0 and len(stored) == len(expected) == accepted \
     and rejected == bad_lines
print('chaos: OK' if ok else 'chaos: FAIL')
sys.exit(0 if ok else 1)
PY
