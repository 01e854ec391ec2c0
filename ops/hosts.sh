#!/usr/bin/env bash
# Hosts with real links: PostgreSQL, the dispatcher and two workers, each in a network namespace
# of its own on this machine, joined by veth pairs to a switch (a bridge in a fifth namespace).
# Only the namespaces' addresses are used (NET.1 PostgreSQL, .2 the dispatcher, .3 and .4 the
# workers, .254 the switch). A link is cut by taking its port on the switch down: the packets
# vanish, nobody is told, as when a cable is pulled.
#
#   ops/hosts.sh            # the scenarios below, a batch of JOBS (2,000,000) each; a line each at the end
#   ops/hosts.sh up         # only the rig: namespaces, links, PostgreSQL (then: ip netns exec ...)
#   ops/hosts.sh down       # stop everything, delete the namespaces
#
# The scenarios, each a new batch on NY with the dispatcher and both workers running:
#   baseline   nothing happens;
#   worker     worker 1's link is cut for CUT_S (30) seconds once a tenth of the batch is routed;
#   database   the dispatcher's link to PostgreSQL is cut for CUT_S seconds, likewise;
#   slow       every link delays 50 ms each way and loses 1% of the packets (DELAY_MS, LOSS):
#              with tc netem where the kernel has it, else through ops/relay.py in the switch.
# Then every job of every batch is checked: exactly one route, equal to `waybill route`'s. Per
# scenario it prints the batch's jobs/s (from the submit's start to its last route stored), and
# for a cut: when the cut worker was given up and when it was back; when the dispatcher saw the
# database lost, the routes stored while cut, the first route after the link came back, and how
# many times a worker took the dispatcher for dead.
# Needs root (namespaces). Exit status 77 when namespaces cannot be made here (a test skips).
# A scenario in which no route is stored for STALL_S (300) seconds fails then, naming how far
# the batch got, rather than running on until whatever called the rig gives up.
# Environment: JOBS, DEPOTS (100), CUT_S, STALL_S, DELAY_MS, LOSS, SCENARIOS ("baseline worker
# database slow"), HOSTS_NS (wbh: the namespaces' prefix), HOSTS_NET (10.77.0), DISPATCHER_ARGS
# (more options, e.g. -v), SKIP_BUILD, BUILD_DIR.
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "$0")/lib.sh"

NS=${HOSTS_NS:-wbh}
NET=${HOSTS_NET:-10.77.0}
JOBS=${JOBS:-2000000}
DEPOTS=${DEPOTS:-100}
CUT_S=${CUT_S:-30}
STALL_S=${STALL_S:-300}
DELAY_MS=${DELAY_MS:-50}
LOSS=${LOSS:-0.01}
SCENARIOS=${SCENARIOS:-baseline worker database slow}
HOSTS=(db disp w1 w2)
declare -A ADDR=([db]=$NET.1 [disp]=$NET.2 [w1]=$NET.3 [w2]=$NET.4)
PG_PORT=5432
CLIENTS=tcp://$NET.2:7410
WORKERS=tcp://$NET.2:7411
out=$RUN_DIR/hosts-$NS
# The rig's PostgreSQL: a cluster of its own, listening in its namespace (and on a unix socket
# under $out, which the checks outside the namespaces use).
PG_DIR=$out/pg
PG_DATA=$PG_DIR/data

# in_ns HOST COMMAND...: runs COMMAND in HOST's namespace. A process started in the background
# is started with `ip netns exec` itself, which becomes COMMAND, so that $! is COMMAND's pid
# (a shell function in the background would be a subshell, and a kill would miss COMMAND).
in_ns() { local host=$1; shift; ip netns exec "$NS-$host" "$@"; }

# ---- the rig ---------------------------------------------------------------------------------

net_down() {
  local h pids
  for h in sw "${HOSTS[@]}"; do
    # Whatever still runs there (a namespace outlives its deletion while a process is in it).
    pids=$(ip netns pids "$NS-$h" 2>/dev/null || true)
    # shellcheck disable=SC2086 # a list of pids
    [[ -z $pids ]] || kill -KILL $pids 2>/dev/null || true
    ip netns del "$NS-$h" 2>/dev/null || true
  done
}

net_up() {
  net_down
  ip netns add "$NS-sw" || return 1
  ip -n "$NS-sw" link add br0 type bridge
  ip -n "$NS-sw" link set lo up
  ip -n "$NS-sw" link set br0 up
  ip -n "$NS-sw" addr add "$NET.254/24" dev br0
  local h
  for h in "${HOSTS[@]}"; do
    ip netns add "$NS-$h"
    # Made in the switch's namespace, the host's end moved into its own and named eth0.
    ip -n "$NS-sw" link add "p-$h" type veth peer name "$NS-$h"
    ip -n "$NS-sw" link set "$NS-$h" netns "$NS-$h"
    ip -n "$NS-$h" link set "$NS-$h" name eth0
    ip -n "$NS-$h" addr add "${ADDR[$h]}/24" dev eth0
    ip -n "$NS-$h" link set lo up
    ip -n "$NS-$h" link set eth0 up
    ip -n "$NS-sw" link set "p-$h" master br0
    ip -n "$NS-sw" link set "p-$h" up
  done
}

# link_cut HOST: its link goes down (its port on the switch); link_mend HOST: up again.
link_cut() { ip -n "$NS-sw" link set "p-$1" down; }
link_mend() { ip -n "$NS-sw" link set "p-$1" up; }

rig_pg_start() {
  pg_init
  grep -q "^host all all $NET.0/24 trust" "$PG_DATA/pg_hba.conf" ||
    echo "host all all $NET.0/24 trust" >>"$PG_DATA/pg_hba.conf"
  in_ns db runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=$NET.1" start >/dev/null ||
    die "the rig's PostgreSQL did not start, see $PG_DIR/log"
}

rig_down() {
  stop_procs
  [[ -z ${RELAY_PID:-} ]] || { kill "$RELAY_PID" 2>/dev/null || true; wait "$RELAY_PID" 2>/dev/null || true; }
  RELAY_PID=
  pg_stop
  net_down
}

rig_up() {
  ((EUID == 0)) || { echo "skipped: the hosts rig needs root (network namespaces)"; exit 77; }
  net_up 2>"$out/net.log" || {
    echo "skipped: cannot make network namespaces here: $(head -1 "$out/net.log")"
    exit 77
  }
  rig_pg_start
}

# ---- the pipeline in the rig -----------------------------------------------------------------

# Delay and loss on every path, DELAY_MS and LOSS each way, or else the relay; sets SLOW (netem,
# relay). netem delays what leaves an interface: the ports of the workers and of PostgreSQL on
# the switch (towards them) and their own eth0 (from them); the dispatcher's link is left as it
# is, so that each path (worker - dispatcher, dispatcher - PostgreSQL) crosses one delay each way.
SLOW=none
slow_links_on() {
  local h loss_pct
  loss_pct=$(python3 -c "print($LOSS * 100)")
  if tc -n "$NS-sw" qdisc add dev p-db root netem delay "${DELAY_MS}ms" loss "$loss_pct%" 2>/dev/null; then
    for h in db w1 w2; do
      tc -n "$NS-sw" qdisc replace dev "p-$h" root netem delay "${DELAY_MS}ms" loss "$loss_pct%"
      tc -n "$NS-$h" qdisc replace dev eth0 root netem delay "${DELAY_MS}ms" loss "$loss_pct%"
    done
    SLOW=netem
  else
    # The relay in the switch: workers reach the dispatcher, and the dispatcher PostgreSQL, through it.
    ip netns exec "$NS-sw" python3 "$ROOT/ops/relay.py" --delay-ms "$DELAY_MS" --loss "$LOSS" \
      "$NET.254:7411=$NET.2:7411" "$NET.254:$PG_PORT=$NET.1:$PG_PORT" 2>>"$out/relay.log" &
    RELAY_PID=$!
    for _ in $(seq 50); do in_ns sw ss -ltnH | grep -q "$NET.254:7411" && break; sleep 0.1; done
    SLOW=relay
  fi
}

slow_links_off() {
  local h
  if [[ $SLOW == netem ]]; then
    for h in "${HOSTS[@]}"; do
      tc -n "$NS-sw" qdisc del dev "p-$h" root 2>/dev/null || true
      tc -n "$NS-$h" qdisc del dev eth0 root 2>/dev/null || true
    done
  elif [[ $SLOW == relay ]]; then
    kill "$RELAY_PID" 2>/dev/null || true
    wait "$RELAY_PID" 2>/dev/null || true
    RELAY_PID=
  fi
  SLOW=none
}

db_conninfo() { echo "host=$1 port=$PG_PORT dbname=waybill user=postgres"; }
# Outside the namespaces: the unix socket.
local_db="host=$PG_DIR port=$PG_PORT dbname=waybill user=postgres"
sql() { psql "$local_db" -qtAc "$1"; }

# pipeline_up DB_HOST WORKERS_ENDPOINT: the dispatcher and both workers, each in its namespace.
pipeline_up() {
  setup_keys
  local listening
  listening=$(grep -c 'listening: clients' "$out/dispatcher.log" 2>/dev/null || true)
  # shellcheck disable=SC2086 # DISPATCHER_ARGS: words
  ip netns exec "$NS-disp" "$BUILD_DIR/bin/waybill-dispatcher" --db "$(db_conninfo "$1")" --clients "$CLIENTS" \
    --workers "$WORKERS" --key "$RUN_DIR/keys/dispatcher.key" --allow "$RUN_DIR/keys/allow" \
    ${DISPATCHER_ARGS:-} >>"$out/dispatcher.log" 2>&1 &
  PROCS+=($!)
  local w
  for w in w1 w2; do
    ip netns exec "$NS-$w" "$BUILD_DIR/bin/waybill-worker" --dispatcher "$2" --name "$w" --threads 1 \
      --cache-dir "$RUN_DIR/worker-cache" --key "$RUN_DIR/keys/worker.key" \
      --dispatcher-key "$RUN_DIR/keys/dispatcher.pub" >>"$out/$w.log" 2>&1 &
    PROCS+=($!)
  done
  # The batch is timed from a dispatcher that listens (it loads the graph from PostgreSQL first).
  for _ in $(seq 1200); do
    (($(grep -c 'listening: clients' "$out/dispatcher.log" || true) > listening)) && return 0
    sleep 0.1
  done
  die "the dispatcher did not listen within 120 s: $(tail -2 "$out/dispatcher.log")"
}

# Routes stored, every 0.2 s, "TIME ROUTES" (through the unix socket, unaffected by any cut).
sample_routes() {
  while :; do
    r=$(psql "$local_db" -qtAc "select coalesce(sum(cardinality(status)), 0) from route_blocks" 2>/dev/null) &&
      echo "$(now) $r"
    sleep 0.2
  done
}

# The routes stored of the batches numbered above $1 (the scenario's own).
batch_routes() {
  sql "select coalesce(sum(cardinality(status)), 0) from route_blocks where batch_id > $1" 2>/dev/null ||
    echo 0
}

# run_scenario NAME: one batch, submitted from the dispatcher's namespace, waited for.
run_scenario() {
  local name=$1 file=$out/batch-$1.csv t0 t_cut='' t_mend=''
  # A file of its own (another seed): the same file would be the same batch, routed already.
  "$BUILD_DIR/bin/waybill" gen --graph "$graph" --jobs "$JOBS" --depots "$DEPOTS" \
    --seed "$((100 + $(wc -l <"$out/scenarios.txt")))" --out "$file"
  local db_host=$NET.1 workers_at=$WORKERS
  if [[ $name == slow ]]; then
    slow_links_on
    [[ $SLOW == netem ]] || { db_host=$NET.254 workers_at=tcp://$NET.254:7411; }
  fi
  local before
  before=$(sql "select coalesce(max(id), 0) from batches")
  pipeline_up "$db_host" "$workers_at"
  step "$name: $JOBS jobs$([[ $name == slow ]] && echo " (${DELAY_MS} ms each way, loss $LOSS, by $SLOW)")"
  t0=$(now)
  ip netns exec "$NS-disp" "$BUILD_DIR/bin/waybill" submit --dispatcher "$CLIENTS" --graph ny --wait \
    --attempts 30 "$file" >"$out/submit-$name.log" 2>&1 &
  local submit=$!
  if [[ $name == worker || $name == database ]]; then
    local victim=w1
    [[ $name == worker ]] || victim=db
    # Mid-routing: once a tenth of the batch is routed (its file may still be streaming in).
    until (($(batch_routes "$before") >= JOBS / 10)); do
      kill -0 "$submit" 2>/dev/null || break
      sleep 0.1
    done
    t_cut=$(now)
    step "$name: the link of $victim cut for $CUT_S s"
    link_cut "$victim"
    sleep "$CUT_S"
    link_mend "$victim"
    t_mend=$(now)
  fi
  # Routes must keep coming (the cut above is over): a stalled pipeline fails here, named.
  local routed=-1 moved
  moved=$(now)
  while kill -0 "$submit" 2>/dev/null; do
    local r
    r=$(batch_routes "$before")
    if [[ $r != "$routed" ]]; then
      routed=$r
      moved=$(now)
    elif python3 -c "import sys; sys.exit(0 if $(now) - $moved >= $STALL_S else 1)"; then
      kill "$submit" 2>/dev/null || true
      die "$name: no route stored for $STALL_S s, $routed of $JOBS routed: $(tail -2 "$out/dispatcher.log")"
    fi
    sleep 1
  done
  local status=0
  wait "$submit" || status=$?
  local t_end
  t_end=$(now)
  ((status <= 1)) || die "$name: submit failed ($status): $(tail -3 "$out/submit-$name.log")"
  stop_procs
  slow_links_off
  echo "$name $t0 $t_end ${t_cut:-0} ${t_mend:-0}" >>"$out/scenarios.txt"
}

report() {
  python3 - "$out" "$JOBS" <<'PY'
import re, sys
from datetime import datetime, timezone
out, jobs = sys.argv[1], int(sys.argv[2])
# Routes stored (all batches), sampled: (time, routes).
pts = [tuple(map(float, l.split())) for l in open(f'{out}/routes.txt') if len(l.split()) == 2]
def routes_at(t):
    return next((r for tt, r in reversed(pts) if tt <= t), 0)
def first_time(pred, after):
    return next((t for t, r in pts if t > after and pred(r)), None)
def stamped(path, pattern):
    """The times of the log lines matching pattern (a line starts with its UTC time)."""
    times = []
    for line in open(path, errors='replace'):
        m = re.match(r'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z', line)
        if m and re.search(pattern, line):
            times.append(datetime.fromisoformat(m.group(1)).replace(tzinfo=timezone.utc).timestamp())
    return times
base = None
for name, t0, t_end, t_cut, t_mend in (l.split() for l in open(f'{out}/scenarios.txt')):
    t0, t_end, t_cut, t_mend = map(float, (t0, t_end, t_cut, t_mend))
    before = routes_at(t0)
    done = first_time(lambda r: r >= before + jobs, t0)
    took = (done or t_end) - t0  # the last route stored (the client may wait out a cut first)
    base = base or (took if name == 'baseline' else None)
    line = f"{name:9} {jobs:,} jobs in {took:.1f} s = {jobs / took:,.0f} jobs/s"
    if base and name != 'baseline':
        line += f" ({base / took:.2f} of the baseline's rate)"
    if t_cut:
        line += f"; cut at {(routes_at(t_cut) - before) / jobs:.0%} routed"
        if name == 'worker':
            lost = [t for t in stamped(f'{out}/dispatcher.log', r'worker w1 .*lost') if t >= t_cut]
            back = [t for t in stamped(f'{out}/dispatcher.log', r'worker w1 (re)?joined') if t >= t_mend]
            line += f"; w1 given up {lost[0] - t_cut:.1f} s after the cut" if lost else "; w1 never given up"
            if done and done <= t_mend:
                line += f", the rest routed by w2 alone {done - t_cut:.1f} s after the cut"
            line += f"; w1 back {back[0] - t_mend:.1f} s after its link" if back else "; w1 not back"
        else:
            stored = routes_at(t_mend) - routes_at(t_cut + 1)  # (the samples lag up to 0.5 s)
            resumed = first_time(lambda r: r > routes_at(t_mend), t_mend)
            lost = stamped(f'{out}/dispatcher.log', r'ERROR .*database: ')
            lost = [t for t in lost if t >= t_cut]
            silent = sum(1 for w in ('w1', 'w2')
                         for t in stamped(f'{out}/{w}.log', r' silent for ') if t_cut <= t <= t_mend + 10)
            line += (f"; the dispatcher saw it lost {lost[0] - t_cut:.1f} s after the cut" if lost else
                     "; the dispatcher never saw it lost")
            line += f"; {stored:,.0f} routes stored while cut (from its second second)"
            line += (f"; the first route {resumed - t_mend:.1f} s after the link came back" if resumed
                     else "; no route after the link came back")
            line += f"; workers that took the dispatcher for dead: {silent}"
    print(line)
PY
  [[ ! -f $out/relay.log ]] || tail -1 "$out/relay.log"
}

graph=$DATA/dimacs/USA-road-d.NY.gr.gz
case ${1:-run} in
up)
  mkdir -p "$out"
  rig_up
  step "the rig is up: ip netns exec $NS-{db,disp,w1,w2} ...; PostgreSQL at $NET.1:$PG_PORT"
  exit 0
  ;;
down)
  rig_down
  rm -rf "$out"
  exit 0
  ;;
run) ;;
*) die "usage: ops/hosts.sh [up|down]" ;;
esac

require_data
[[ ${SKIP_BUILD:-0} == 1 ]] || "$ROOT/ops/build.sh" >/dev/null
mkdir -p "$out"
rm -f "$out"/*.log "$out"/*.csv "$out"/*.txt
touch "$out/scenarios.txt"
trap 'rig_down; [[ -z ${sampler:-} ]] || kill "$sampler" 2>/dev/null || true' EXIT
rig_up
psql "host=$PG_DIR port=$PG_PORT dbname=postgres user=postgres" -qc "drop database if exists waybill" \
  -c "create database waybill" >/dev/null
"$BUILD_DIR/bin/waybill" graph import --db "$local_db" --name ny --dimacs "$graph" >/dev/null
sample_routes >"$out/routes.txt" &
sampler=$!
for s in $SCENARIOS; do run_scenario "$s"; done
kill "$sampler" 2>/dev/null || true
sampler=
step "checking every route against waybill route"
report
check_routes "$local_db" "$out"
