#!/usr/bin/env bash
# Regions: two road graphs, each with a dispatcher of its own and a database of its own of which
# that dispatcher is the only writer, and a coordinating database where postgres_fdw presents
# every region's batches, batch_progress and job_routes as one, the region's name in a column.
#
#   ops/regions.sh          # the run below; its last line is "regions: OK" or "regions: FAIL"
#   ops/regions.sh up       # the regions and the coordinator, left running; prints the regions
#                           # file and the coordinator's conninfo
#   ops/regions.sh down     # stops what `up` started
#   ops/regions.sh sql NAME=CONNINFO...   # the coordinator's SQL for these regions, on stdout
#
# The regions: ny (DIMACS New York, jobs by node id) and monaco (the OpenStreetMap extract, jobs
# in coordinate form), in the databases NAME_ny and NAME_monaco of the private PostgreSQL
# (ops/lib.sh), the coordinator in NAME_coordinator; a dispatcher each, on client ports PORT and
# PORT+10 (their workers' ports one above), a worker each; the regions file is
# .run/regions-NAME/regions.conf.
#
# The run: a batch submitted to each region with `waybill submit --graph G` and no --dispatcher
# (the regions file says where), after a warm-up batch to NY; NY's goes in once Monaco's routes.
# When Monaco has routed for WINDOW_S seconds (less if NY's batch is three tenths routed first),
# NY's dispatcher is killed with kill -9 and, WINDOW_S seconds later, started again. It prints
# Monaco's routes/s in as long before and after the kill, whether Monaco's worker ever lost its
# dispatcher, what the coordinator shows meanwhile, and when NY routed again; the coordinator's
# batch_progress; what a query over every region does with NY's database away (its foreign
# server pointed at a port where nothing listens) and one over Monaco alone; a lookup by order
# id through the coordinator against the region's own answer; then every route of each region
# is checked (check_routes: one route a job, equal to `waybill route`'s).
# Environment: NY_JOBS (2,000,000), MONACO_JOBS (4,000,000), WINDOW_S (10), REGIONS_NAME
# (regions), REGIONS_PORT (7440), SKIP_BUILD, BUILD_DIR, WAYBILL_DATA.
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "$0")/lib.sh"

NAME=${REGIONS_NAME:-regions}
PORT=${REGIONS_PORT:-7440}
NY_JOBS=${NY_JOBS:-2000000}
MONACO_JOBS=${MONACO_JOBS:-4000000}
WINDOW_S=${WINDOW_S:-10}
WARM_JOBS=30000 # 300 a depot: enough for a worker to keep each depot's tree
((WINDOW_S >= 2)) || die "WINDOW_S must be at least 2 (seconds)"
dir=$RUN_DIR/regions-$NAME
waybill=$BUILD_DIR/bin/waybill
REGIONS=(ny monaco)
declare -A CLIENT_PORT=([ny]=$PORT [monaco]=$((PORT + 10)))
declare -A DISPATCHER_PIDS=()
# The role the coordinator's foreign servers log in as, in every region: it reads what
# waybill_reader reads.
FDW_ROLE=waybill_coordinator

# ---- the coordinator's SQL -----------------------------------------------------------------

# coordinator_sql NAME=CONNINFO...: the SQL that makes a database the coordinator of these
# regions, in one transaction. Per region: a postgres_fdw server "region_NAME" and a user mapping
# from CONNINFO (key=value words separated by blanks, values without blanks; user= and password=
# go to the mapping, the rest to the server), and a schema NAME holding batches, batch_progress
# and job_routes imported from the region as foreign tables. Then views of those three names in
# public: every region's rows, the region's name in the first column. A `where region = '...'`
# reaches that region alone, and a lookup by batch_id and order_id is sent to the region whole
# (an index lookup there). Rerunnable: adding a region is a line more and a rerun; a rerun that
# fails (a region that does not answer the import) changes nothing. Without a password, the
# mapping may log in without one: only for a local trust setup, as here.
coordinator_sql() {
  (($# > 0)) || die "coordinator_sql: no regions given (NAME=CONNINFO ...)"
  local spec region conninfo words word key value opts mapping regions=() servers=() maps=()
  # Every spec is checked before a line is written: a half-written script is never run.
  for spec in "$@"; do
    region=${spec%%=*} conninfo=${spec#*=}
    [[ $spec == *=* && $region =~ ^[a-z][a-z0-9_]*$ && $region != public && $region != pg_* &&
      $region != information_schema ]] ||
      die "region '$region': a name of lower-case letters, digits and _ (not public, pg_*, information_schema), then =CONNINFO"
    opts="connect_timeout '2'" mapping="user '$FDW_ROLE'"
    local password=
    read -ra words <<<"$conninfo"
    for word in "${words[@]}"; do
      key=${word%%=*} value=${word#*=}
      [[ $word == *=* && $key =~ ^[a-z_]+$ ]] || die "region $region: '$word' is not KEY=VALUE"
      value=${value//\'/\'\'} # a literal's quotes, doubled
      case $key in
        user) mapping="user '$value'" ;;
        password) password=$value ;;
        *) opts+=", $key '$value'" ;;
      esac
    done
    if [[ -n $password ]]; then mapping+=", password '$password'"; else mapping+=", password_required 'false'"; fi
    regions+=("$region") servers+=("$opts") maps+=("$mapping")
  done
  echo "begin;"
  echo "create extension if not exists postgres_fdw;"
  echo "do \$\$ begin if not exists (select from pg_roles where rolname = 'waybill_reader') then"
  echo "  create role waybill_reader nologin; end if; end \$\$;"
  for table in batches batch_progress job_routes; do echo "drop view if exists public.$table;"; done
  local i
  for i in "${!regions[@]}"; do
    region=${regions[$i]}
    cat <<SQL
drop schema if exists "$region" cascade;
drop server if exists "region_$region" cascade;
create server "region_$region" foreign data wrapper postgres_fdw options (${servers[$i]});
create user mapping for public server "region_$region" options (${maps[$i]});
create schema "$region";
import foreign schema public limit to (batches, batch_progress, job_routes)
  from server "region_$region" into "$region";
grant usage on schema "$region" to waybill_reader;
grant select on all tables in schema "$region" to waybill_reader;
SQL
  done
  for table in batches batch_progress job_routes; do
    echo "create view public.$table as"
    for i in "${!regions[@]}"; do
      ((i == 0)) || echo "  union all"
      echo "  select '${regions[$i]}'::text as region, * from \"${regions[$i]}\".$table"
    done
    echo ";"
    echo "comment on view public.$table is 'The $table of every region (postgres_fdw), the region first';"
    echo "grant select on public.$table to waybill_reader;"
  done
  echo "commit;"
}

# ---- the regions --------------------------------------------------------------------------------

db_of() { echo "host=$PG_DIR port=$(sed -n 4p "$PG_DATA/postmaster.pid") user=$(pg_user) dbname=${NAME}_$1"; }

# start_region REGION: its dispatcher (on its own ports and key) in the background.
start_dispatcher_of() {
  local p=${CLIENT_PORT[$1]}
  WAYBILL_CLIENTS=tcp://127.0.0.1:$p WAYBILL_WORKERS=tcp://127.0.0.1:$((p + 1)) \
    DISPATCHER_KEY=$dir/keys/$1-dispatcher.key start_dispatcher "$(db_of "$1")" "$dir/$1-dispatcher.log"
  DISPATCHER_PIDS[$1]=$DISPATCHER_PID
  disown "$DISPATCHER_PID" # no "Killed" line from bash for the kill -9
  echo "$DISPATCHER_PID" >>"$dir/pids"
}

regions_down() {
  local p pids
  if [[ -f $dir/pids ]]; then
    mapfile -t pids <"$dir/pids"
    local ours=()
    for p in "${pids[@]}"; do # only those still waybill's (a pid of a dead one may be reused)
      grep -qa waybill "/proc/$p/cmdline" 2>/dev/null && ours+=("$p")
    done
    pids=("${ours[@]}")
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do
      for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$p" 2>/dev/null || true
    done
    rm -f "$dir/pids"
  fi
  if [[ -f $dir/pg-started ]]; then rm -f "$dir/pg-started"; pg_stop; fi
}

regions_up() {
  regions_down
  mkdir -p "$dir/keys"
  rm -f "$dir"/*.log
  pg_running || touch "$dir/pg-started"
  pg_start >/dev/null
  pg_psql -q -c "do \$\$ begin if not exists (select from pg_roles where rolname = '$FDW_ROLE') then
                   create role $FDW_ROLE login; end if; end \$\$;"
  local coordinator region threads
  coordinator=$(fresh_db "${NAME}_coordinator")
  for region in "${REGIONS[@]}"; do fresh_db "${NAME}_$region" >/dev/null; done
  step "importing the graphs: ny (DIMACS) into ${NAME}_ny, monaco (OpenStreetMap) into ${NAME}_monaco"
  "$waybill" graph import --db "$(db_of ny)" --name ny --dimacs "$DATA/dimacs/USA-road-d.NY.gr.gz" >/dev/null
  "$waybill" graph import --db "$(db_of monaco)" --name monaco --osm "$MONACO_OSM" >/dev/null
  pg_psql -q -c "grant waybill_reader to $FDW_ROLE"

  step "a dispatcher and a worker a region; the regions file $dir/regions.conf"
  : >"$dir/regions.conf.tmp"
  for region in "${REGIONS[@]}"; do
    [[ -f $dir/keys/$region-dispatcher.key ]] || "$waybill" keygen "$dir/keys/$region-dispatcher" >/dev/null
    start_dispatcher_of "$region"
    # NY's worker on one thread: with its trees, it would route NY's batch in a few seconds.
    threads=()
    [[ $region != ny ]] || threads=(--threads 1)
    WAYBILL_WORKERS=tcp://127.0.0.1:$((CLIENT_PORT[$region] + 1)) DISPATCHER_KEY=$dir/keys/$region-dispatcher.key \
      start_worker "$dir/$region-worker.log" "${threads[@]}"
    echo "$!" >>"$dir/pids"
    printf '%-8s tcp://127.0.0.1:%-6s %s\n' "$region" "${CLIENT_PORT[$region]}" \
      "$dir/keys/$region-dispatcher.pub" >>"$dir/regions.conf.tmp"
  done
  mv "$dir/regions.conf.tmp" "$dir/regions.conf"

  step "the coordinator: postgres_fdw views over both regions in ${NAME}_coordinator"
  local specs=()
  for region in "${REGIONS[@]}"; do
    specs+=("$region=host=$PG_DIR port=$(sed -n 4p "$PG_DATA/postmaster.pid") dbname=${NAME}_$region user=$FDW_ROLE")
  done
  coordinator_sql "${specs[@]}" | psql "$coordinator" -v ON_ERROR_STOP=1 -q
  COORDINATOR=$coordinator
}

MONACO_OSM=$DATA/osm/monaco-2025-02-11.osm.pbf

case ${1:-run} in
  sql)
    shift
    coordinator_sql "$@"
    exit 0
    ;;
  down)
    regions_down
    exit 0
    ;;
  up | run) ;;
  *) die "usage: ops/regions.sh [up|down|sql NAME=CONNINFO...]" ;;
esac

require_data
[[ -f $MONACO_OSM ]] || die "OpenStreetMap extract not found: $MONACO_OSM"
[[ ${SKIP_BUILD:-0} == 1 ]] || "$ROOT/ops/build.sh" >/dev/null
mkdir -p "$dir"

if [[ ${1:-run} == up ]]; then
  regions_up
  echo "regions file: $dir/regions.conf"
  echo "clients: export WAYBILL_REGIONS=$dir/regions.conf WAYBILL_KEY=$RUN_DIR/keys/client.key"
  echo "coordinator: $COORDINATOR"
  exit 0
fi

# ---- the run ------------------------------------------------------------------------------

submits=() # the background submits (subshells), whose clients the cleanup stops
cleanup() {
  [[ -z ${sampler:-} ]] || kill "$sampler" 2>/dev/null || true
  local p
  for p in "${submits[@]}"; do pkill -P "$p" 2>/dev/null || true; done
  regions_down
}
trap cleanup EXIT
step "generating $NY_JOBS jobs on NY (100 depots) and $MONACO_JOBS on Monaco (20 depots, coordinates)"
"$waybill" gen --graph "$DATA/dimacs/USA-road-d.NY.gr.gz" --jobs "$NY_JOBS" --depots 100 --seed 21 \
  --out "$dir/ny.csv"
"$waybill" gen --osm "$MONACO_OSM" --jobs "$MONACO_JOBS" --depots 20 --seed 22 --out "$dir/monaco.csv"
"$waybill" gen --graph "$DATA/dimacs/USA-road-d.NY.gr.gz" --jobs "$WARM_JOBS" --depots 100 --seed 21 \
  --out "$dir/ny-warm.csv"
regions_up
coordinator=$COORDINATOR
export WAYBILL_REGIONS=$dir/regions.conf

# Jobs routed in a region: those of its durable chunks (each stored with its routes in one
# transaction). Cheap: a row a chunk, where counting the routes themselves reads every block.
# 0 when the database does not answer (the watching loops and the sampler go on).
done_in() { psql "$(db_of "$1")" -qtAc "select coalesce(sum(jobs), 0) from chunks_done" 2>/dev/null || echo 0; }
# Routes stored in a region, counted in the blocks.
routes_in() { psql "$(db_of "$1")" -qtAc "select coalesce(sum(cardinality(status)), 0) from route_blocks" 2>/dev/null; }
# Jobs routed in each region, about five times a second: "TIME NY MONACO", stamped once both
# counts are read (a count is of its stamp's time or a little before).
(while :; do r="$(done_in ny) $(done_in monaco)"; echo "$(now) $r"; sleep 0.2; done) >"$dir/routes.txt" &
sampler=$!

# submit REGION: `waybill submit --graph REGION` in the background, no --dispatcher: the regions
# file says where. The client retries while a dispatcher is away.
submit() {
  rm -f "$dir/$1-submit.status"
  (rc=0
   "$waybill" submit --graph "$1" --attempts 30 "$dir/$1.csv" >"$dir/$1-submit.log" 2>&1 || rc=$?
   echo "$rc" >"$dir/$1-submit.status") &
  submits+=($!)
}
# NY's worker first computes its depots' trees, for a while with a cold cache: a warm-up batch
# of the same depots (the same seed) has that done first. Then, with its trees, NY routes a
# batch within seconds, so Monaco's batch goes in first, and NY's once Monaco routes. NY's
# dispatcher dies when Monaco has routed for WINDOW_S seconds, or sooner, once NY's batch is
# three tenths routed.
deadline=$((SECONDS + 600))
ok=1
step "a warm-up batch of $((WARM_JOBS)) jobs to region ny: waybill submit --graph ny --wait (no --dispatcher)"
"$waybill" submit --graph ny --wait "$dir/ny-warm.csv" >"$dir/ny-warm.log" 2>&1 ||
  die "the warm-up submit failed: $(tail -2 "$dir/ny-warm.log")"
warm=$(done_in ny)
step "a batch to each region: waybill submit --graph G (no --dispatcher), NY's once Monaco routes"
submit monaco
until (($(done_in monaco) > 0)); do
  ((SECONDS < deadline)) || die "region monaco routed nothing in 600 s"
  sleep 0.05
done
t_monaco=$(now)
submit ny
now_ms() { date +%s%3N; }
end=$(($(now_ms) + WINDOW_S * 1000))
while (($(done_in ny) - warm < NY_JOBS * 3 / 10 && $(now_ms) < end)); do sleep 0.05; done
t_kill=$(now)
ny=$(($(done_in ny) - warm)) mc=$(done_in monaco)
step "kill -9 NY's dispatcher ($ny NY routes, $mc Monaco routes stored)"
kill -KILL "${DISPATCHER_PIDS[ny]}"
# Writes the dispatcher had in flight commit or roll back within moments; after that, nothing
# may be stored in NY until its dispatcher is back.
sleep 1
ny_dead=$(routes_in ny)
(($(done_in ny) - warm < NY_JOBS)) || die "NY's batch was routed before the kill: give it more jobs (NY_JOBS)"
(($(done_in monaco) < MONACO_JOBS)) || die "Monaco's batch was routed before the kill: give it more jobs (MONACO_JOBS)"
sleep "$((WINDOW_S - 1))"
ny_dead_end=$(routes_in ny)
# The coordinator goes on answering for both: NY's database is up, only its dispatcher is dead.
shown=$(psql "$coordinator" -qtAc "select string_agg(region || ' batch ' || batch_id || ' ' || state, ', '
                                   order by region, batch_id) from batch_progress") || shown=
echo "the coordinator while NY's dispatcher is dead: ${shown:-no answer}"
[[ $shown == *monaco* && $shown == *ny* ]] || ok=0
echo "ny: $((ny_dead_end - ny_dead)) routes stored from 1 s after the kill until its dispatcher started again"
((ny_dead_end == ny_dead)) || ok=0
step "starting NY's dispatcher again"
t_restart=$(now)
start_dispatcher_of ny
while (($(routes_in ny) <= ny_dead_end)); do
  ((SECONDS < deadline)) || die "NY's restarted dispatcher stored no route"
  sleep 0.1
done
echo "ny: the first new route stored $(python3 -c "print(f'{$(now) - $t_restart:.1f}')") s after its dispatcher started again (which loads its graph first)"

# finished REGION: every batch of the region is finished.
finished() { [[ $(psql "$(db_of "$1")" -qtAc "select count(*) from batches where finished_at is null" 2>/dev/null) == 0 ]]; }
for region in "${REGIONS[@]}"; do
  while ! finished "$region"; do
    ((SECONDS < deadline + 600)) || die "region $region's batch did not finish"
    if [[ -f $dir/$region-submit.status ]] && (($(cat "$dir/$region-submit.status") > 1)); then
      die "the submit to $region failed: $(tail -2 "$dir/$region-submit.log")"
    fi
    sleep 0.5
  done
done
wait "${submits[@]}"
kill "$sampler" 2>/dev/null || true
sampler=

step "what the run measured"
for region in "${REGIONS[@]}"; do
  status=$(cat "$dir/$region-submit.status")
  ((status <= 1)) || { echo "submit to $region failed: $(tail -2 "$dir/$region-submit.log")"; ok=0; }
done
# Monaco's routes/s in the windows around the kill, from the samples.
python3 - "$dir/routes.txt" "$t_monaco" "$t_kill" "$MONACO_JOBS" <<'PY' || ok=0
import sys
samples = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 3]
t_monaco, t_kill, total = map(float, sys.argv[2:5])
def at(t, k):  # routes of column k (1 NY, 2 Monaco) at time t: the last sample before it
    return max((s[k] for s in samples if s[0] <= t), default=0)
w = t_kill - t_monaco  # WINDOW_S, or less if NY's batch was three tenths routed first
before = (at(t_kill, 2) - at(t_monaco, 2)) / w
after = (at(t_kill + w, 2) - at(t_kill, 2)) / w
note = " (its batch finished within it)" if at(t_kill + w, 2) >= total else ""
print(f"monaco, NY's dispatcher killed: {before:,.0f} routes/s in the {w:.1f} s before the kill, "
      f"{after:,.0f} routes/s in the {w:.1f} s after{note}")
sys.exit(0 if after > 0 else 1)
PY
lost=$(grep -c ' silent for ' "$dir/monaco-worker.log" || true)
echo "monaco's worker took its dispatcher for dead: $lost times (NY's worker: $(grep -c ' silent for ' "$dir/ny-worker.log" || true))"
((lost == 0)) || ok=0

step "the coordinator: select region, batch_id, state, accepted, routed from batch_progress"
psql "$coordinator" -c "select region, batch_id, graph_name, state, accepted, routed, jobs_per_s
                        from batch_progress order by region"
shown=$(psql "$coordinator" -qtA -F' ' -c "select count(distinct region), count(*) filter (where state <> 'finished' or routed <> accepted)
                                          from batch_progress")
[[ $shown == "2 0" ]] || { echo "the coordinator shows (regions, batches not finished): $shown, not 2 0"; ok=0; }

# A region's database away (here its server pointed at a port where nothing listens): a query
# over every region fails naming that region's server; one over the others still answers.
psql "$coordinator" -qc "alter server region_ny options (set port '1')"
away=$(psql "$coordinator" -qtAc "select count(*) from batch_progress" 2>&1) && away="answered: $away"
others=$(psql "$coordinator" -qtAc "select count(*) from batch_progress where region = 'monaco'" 2>&1) || others="failed: $others"
psql "$coordinator" -qc "alter server region_ny options (set port '$(sed -n 4p "$PG_DATA/postmaster.pid")')"
echo "NY's database away: every region: $(head -1 <<<"$away"); where region = 'monaco': $others batch(es)"
[[ $away == *'could not connect to server "region_ny"'* && $others =~ ^[0-9]+$ ]] || ok=0

# One order looked up through the coordinator and in its region: the same route.
order=$(sed -n 1001p "$dir/monaco.csv" | cut -d, -f1)
lookup="select order_id, cost, status from job_routes where batch_id = 1 and order_id = '$order'"
t0=$(now)
through=$(psql "$coordinator" -qtAc "$lookup and region = 'monaco'")
t1=$(now)
direct=$(psql "$(db_of monaco)" -qtAc "$lookup")
echo "order $order through the coordinator: $through ($(python3 -c "print(f'{($t1 - $t0) * 1000:.0f}')") ms with psql's start); in its region: $direct"
[[ -n $through && $through == "$direct" ]] || ok=0

for region in "${REGIONS[@]}"; do
  step "checking every route of region $region"
  mkdir -p "$dir/check-$region"
  osm=
  [[ $region == ny ]] || osm=$MONACO_OSM
  check_routes "$(db_of "$region")" "$dir/check-$region" "" "$osm" || ok=0
done
if ((ok)); then echo "regions: OK"; else echo "regions: FAIL"; exit 1; fi
