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
#
# With --failover, PostgreSQL is a primary and a synchronous standby under pg_auto_failover
# (ops/ha.sh), and the dispatcher is given both (host=a,b ... target_session_attrs=read-write).
# No worker is killed; the primary's host "dies" twice (ops/ha.sh kill: kill -9 of its
# postmaster and of the keeper that would restart it): while batch 1's file streams in with its
# first routes stored, and, once the dead node is back as the standby (ops/ha.sh up), while
# batch 2 (JOBS/4 jobs of 1,000 depots, whose routing outlasts their file) is routed after its
# file is stored. Nothing else is touched: the monitor promotes the standby, the dispatcher
# reconnects to whichever is primary, the client retries its submit. Prints, per kill, the time
# until the first route is stored by the new primary and the routes/s in the 10 s before the
# kill and after that first route; then the same checks over both batches.
#   ops/chaos.sh --failover          # 2,000,000 jobs
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "$0")/lib.sh"

FAILOVER=0
[[ ${1:-} != --failover ]] || FAILOVER=1

JOBS=${JOBS:-2000000}
DEPOTS=${DEPOTS:-20}
KILL_EVERY=${KILL_EVERY:-1}
WORKERS=${WORKERS:-3}
MIN_KILLS=${MIN_KILLS:-20}
require_data
# SKIP_BUILD=1: use the binaries in BUILD_DIR as they are (the suite's test runs so).
[[ ${SKIP_BUILD:-0} == 1 ]] || "$ROOT/ops/build.sh" >/dev/null
waybill=$BUILD_DIR/bin/waybill
out=$RUN_DIR/chaos
mkdir -p "$out"
rm -f "$out"/*.log "$out"/*.csv "$out"/*.txt "$out"/submit.status

cleanup() {
  stop_procs
  [[ -z ${sampler:-} ]] || kill "$sampler" 2>/dev/null || true
  if ((FAILOVER)); then "$ROOT/ops/ha.sh" down; else pg_stop; fi
}
trap cleanup EXIT
if ((FAILOVER)); then
  "$ROOT/ops/ha.sh" down
  db=$("$ROOT/ops/ha.sh" up | tail -1)
  step "PostgreSQL: a primary and a synchronous standby; the dispatcher connects to: $db"
else
  pg_start >/dev/null
  db=$(fresh_db waybill_chaos)
fi
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
finished() { [[ $(psql "$db" -qtAc "select count(*) from batches where finished_at is not null" 2>/dev/null) == 1 ]]; }

if ((FAILOVER)); then
  # Routes stored, every half second, through whichever server is primary: "TIME ROUTES PORT".
  routes_now() {
    psql "$db" -qtA -F' ' -c "select coalesce(sum(cardinality(status)), 0), inet_server_port()
                              from route_blocks" 2>/dev/null
  }
  (while :; do r=$(routes_now) && [[ -n $r ]] && echo "$(now) $r"; sleep 0.5; done) >"$out/routes.txt" &
  sampler=$!
  kill_primary() { # $1: when
    local before port t_kill
    read -r before port < <(routes_now)
    t_kill=$(now)
    step "kill -9 the primary's PostgreSQL and its keeper $1 ($before routes stored)"
    "$ROOT/ops/ha.sh" kill
    echo "$t_kill $before $port" >>"$out/kills.txt"
  }
  # submit FILE N: submits FILE in the background (the client retries), as batch N.
  submit() {
    rm -f "$out/submit$2.status"
    ("$waybill" submit --dispatcher "$WAYBILL_CLIENTS" --graph ny --attempts 30 "$1" \
      >"$out/submit$2.log" 2>&1; echo $? >"$out/submit$2.status") &
  }
  submitted() { # N: waits for submit N to end; dies unless it stored its batch
    while [[ ! -f $out/submit$1.status ]]; do sleep 0.2; done
    (($(cat "$out/submit$1.status") <= 1)) || die "submit $1 failed: $(tail -2 "$out/submit$1.log")"
  }
  batch_sql() { psql "$db" -qtAc "$1" 2>/dev/null || true; }
  routes_of() { batch_sql "select coalesce(sum(cardinality(status)), 0) from route_blocks where batch_id = $1"; }

  # Batch 1: the primary dies while the file streams in, as soon as routing has begun.
  step "batch 1: $JOBS jobs; the primary is killed while the file streams in and is routed"
  submit "$out/batch.csv" 1
  for _ in $(seq 1200); do
    grep -q 'routing has begun' "$out/submit1.log" 2>/dev/null && break
    sleep 0.05
  done
  # The timing is the box's: a file stored whole first makes this kill one more mid-routing.
  [[ $(batch_sql "select count(*) from batches where id = 1 and received_at is null") == 1 ]] ||
    echo "warning: batch 1 was stored whole before the kill (make JOBS larger for a mid-submit kill)"
  kill_primary "mid-submit"
  submitted 1
  # Batch 2, once the dead node is back (its host restarted: its keeper makes it the standby):
  # the primary dies after the file is stored, while the rest of it is routed.
  "$ROOT/ops/ha.sh" up >/dev/null
  "$ROOT/ops/ha.sh" wait 300
  # A thousand depots, a few jobs of each in a chunk: routed a hierarchy query a job (until a
  # depot has had 256), its routing outlasts its file.
  second_jobs=$((JOBS / 4))
  "$waybill" gen --graph "$graph" --jobs "$second_jobs" --depots 1000 --seed 10 --out "$out/second.csv"
  step "batch 2: $second_jobs jobs; the primary is killed once the file is stored, while it is routed"
  submit "$out/second.csv" 2
  submitted 2
  # Its id, as the client printed it (a begin rolled back by the first kill took a number).
  second=$(grep -o -m1 'batch [0-9]*' "$out/submit2.log" | cut -d' ' -f2)
  [[ $(batch_sql "select count(*) from batches where id = ${second:-0} and finished_at is null") == 1 ]] ||
    echo "warning: batch 2 was routed before the kill (make JOBS larger for a mid-routing kill)"
  kill_primary "mid-routing"
  t0=$SECONDS
  until [[ $(batch_sql "select count(*) from batches where finished_at is not null") == 2 ]]; do
    ((SECONDS - t0 < 1800)) || die "the batches did not finish within 30 minutes"
    sleep 1
  done
  kill "$sampler" 2>/dev/null || true
  sampler=
  kills=0 dispatcher_restarts=0 pg_restarts=$(wc -l <"$out/kills.txt")
  elapsed=$((SECONDS - t0))
  python3 - "$out" <<'PY'
import sys
out = sys.argv[1]
pts = [tuple(map(float, l.split())) for l in open(f'{out}/routes.txt') if len(l.split()) == 3]
def rate(t_from, t_to):
    inside = [(t, r) for t, r, _ in pts if t_from <= t <= t_to]
    if len(inside) < 2 or inside[-1][0] == inside[0][0]:
        return float('nan')
    return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])
for line in open(f'{out}/kills.txt'):
    t_kill, before, port = map(float, line.split())
    # A route stored by the new primary: commits of the old one's surviving backends (its
    # postmaster is dead, they are not yet) do not count.
    resumed = next((t for t, r, p in pts if t > t_kill and r > before and p != port), None)
    if resumed is None:
        print(f"kill at {before:,.0f} routes: no route stored after it")
        continue
    print(f"kill at {before:,.0f} routes: first route on the new primary {resumed - t_kill:.1f} s after"
          f" the kill; routes/s 10 s before {rate(t_kill - 10, t_kill):,.0f},"
          f" 10 s after resuming {rate(resumed, resumed + 10):,.0f}")
PY
else
step "submitting $JOBS jobs"
# Exit status 1: stored, with the bad lines above rejected.
status=0
"$waybill" submit --dispatcher "$WAYBILL_CLIENTS" --graph ny "$out/batch.csv" >"$out/submit.log" 2>&1 ||
  status=$?
((status <= 1)) || die "submit failed: $(tail -2 "$out/submit.log")"

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
fi

step "checking every route against waybill route"
echo "kills: $kills workers, $dispatcher_restarts dispatcher, $pg_restarts PostgreSQL restarts; $elapsed s"
check_routes "$db" "$out" "$out/bad_lines.txt"
