#!/usr/bin/env bash
# Shared settings and helpers for the ops/ scripts.
#
# Sourced by the scripts, which set `set -euo pipefail` themselves; this file sets no shell
# options, so it can also be run as a command for interactive use:
#   ops/lib.sh pg_start       # start (or reuse) the private PostgreSQL under .run/pg
#   ops/lib.sh pg_psql        # psql into it
#   ops/lib.sh pg_stop
#
# Environment read: BUILD_DIR, WAYBILL_DATA, WAYBILL_PGPORT.
# Environment set by pg_start: WAYBILL_DB (a libpq connection string).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
RUN_DIR=$ROOT/.run                      # runtime state, gitignored
DATA=${WAYBILL_DATA:-$ROOT/../shared/data}

PG_DIR=$RUN_DIR/pg                      # unix socket dir; also holds data/ and log
PG_DATA=$PG_DIR/data
PG_PORT=${WAYBILL_PGPORT:-5488}
# shellcheck disable=SC2012 # version-sorted list of installed server versions
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

# Print a one-line step banner.
step() { printf '==> %s\n' "$*"; }

# Print an error (one argument per line) and exit with status 2 (environment/usage errors).
die() {
  printf 'error: %s\n' "$1" >&2
  shift
  (($# == 0)) || printf '       %s\n' "$@" >&2
  exit 2
}

# Check that the road data is present and make DATA absolute.
require_data() {
  local gr=$DATA/dimacs/USA-road-d.NY.gr.gz
  [[ -f $gr ]] || die "road graph not found: $gr" \
    "Set WAYBILL_DATA to the folder holding dimacs/ if the data lives elsewhere." \
    "The files come from the 9th DIMACS Challenge download page" \
    "  http://www.diag.uniroma1.it/challenge9/download.shtml" \
    "  (USA-road-d.NY.gr.gz and USA-road-d.NY.co.gz, into \$WAYBILL_DATA/dimacs/)."
  DATA=$(cd "$DATA" && pwd)
}

# Run a PostgreSQL server program. initdb and postgres refuse to run as root, so as root they run
# as the `postgres` system user; otherwise as the current user.
as_pg() {
  if ((EUID == 0)); then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_user() { if ((EUID == 0)); then echo postgres; else id -un; fi; }

# Create the cluster once: trust auth on the unix socket only, tuned for a throughput-oriented
# dev box. Durability stays on (fsync, synchronous_commit).
pg_init() {
  [[ -n $PG_BIN ]] || die "no PostgreSQL server found under /usr/lib/postgresql (run ops/install-deps.sh)"
  mkdir -p "$PG_DIR"
  if ((EUID == 0)); then
    # postgres must be able to reach $PG_DIR: RUN_DIR is ours to open; the folders above it
    # (e.g. a CI clone under /tmp/ci-try/repo) must already be traversable.
    chmod o+x "$RUN_DIR"
    chown postgres: "$PG_DIR"
    runuser -u postgres -- test -w "$PG_DIR" ||
      die "user postgres cannot write $PG_DIR: make its parent folders traversable (chmod o+x)"
  fi
  # A unix socket path is limited to 107 bytes.
  ((${#PG_DIR} + 16 <= 107)) || die "socket path too long, move the checkout: $PG_DIR"
  [[ -f $PG_DATA/PG_VERSION ]] && return 0

  as_pg "$PG_BIN/initdb" -D "$PG_DATA" --auth=trust --encoding=UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1 ||
    die "initdb failed, see $PG_DIR/initdb.log"
  cat >>"$PG_DATA/postgresql.conf" <<'EOF'

# --- Waybill dev settings (ops/lib.sh) ---
shared_buffers = 512MB
max_wal_size = 4GB
# Keep 2 GB of used WAL segments for reuse through quiet spells: making new ones (zero-filled,
# fsynced) slowed the first large submit after a pause by up to 1.6x.
min_wal_size = 2GB
wal_compression = lz4
checkpoint_timeout = 15min
max_connections = 100
synchronous_commit = on
EOF
}

# The libpq connection string of the private cluster (the port it really listens on, if it is up).
pg_conninfo() {
  local port=$PG_PORT
  [[ -f $PG_DATA/postmaster.pid ]] && port=$(sed -n 4p "$PG_DATA/postmaster.pid")
  echo "host=$PG_DIR port=$port user=$(pg_user) dbname=postgres"
}

pg_running() { as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

# Start the private cluster, or reuse it if it is already running, and export WAYBILL_DB.
pg_start() {
  pg_init
  if pg_running; then
    step "PostgreSQL already running in $PG_DIR, reusing it"
    "$PG_BIN/pg_isready" -q -d "$(pg_conninfo)" ||
      die "the PostgreSQL in $PG_DIR does not answer (crashed? see $PG_DIR/log; ops/lib.sh pg_stop)"
  else
    step "starting PostgreSQL in $PG_DIR, port $PG_PORT (log: $PG_DIR/log)"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/log" -w -t 60 \
      -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=''" start >/dev/null ||
      die "PostgreSQL did not start, see $PG_DIR/log"
  fi
  WAYBILL_DB=$(pg_conninfo)
  export WAYBILL_DB
  # Tests create the extension themselves; here we only warn early if they cannot.
  [[ $(pg_psql -qtAc "select count(*) from pg_available_extensions where name = 'pgrouting'") == 1 ]] ||
    echo "warning: pgRouting is not available to PostgreSQL (install postgresql-15-pgrouting)" >&2
}

# Stop the private cluster if it is running (fast: open transactions are rolled back). Never
# fails, so it is safe in an EXIT trap.
pg_stop() {
  [[ -n $PG_BIN ]] && pg_running || return 0
  step "stopping PostgreSQL"
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null ||
    echo "warning: PostgreSQL did not stop, see $PG_DIR/log" >&2
}

# psql into the private cluster; extra arguments go to psql.
pg_psql() { "$PG_BIN/psql" "$(pg_conninfo)" -v ON_ERROR_STOP=1 "$@"; }

# ---- the pipeline's processes ----------------------------------------------------------------
WAYBILL_CLIENTS=${WAYBILL_CLIENTS:-tcp://127.0.0.1:7410}
WAYBILL_WORKERS=${WAYBILL_WORKERS:-tcp://127.0.0.1:7411}
PROCS=() # pids started by start_dispatcher/start_worker

# A fresh database NAME in the private cluster; prints its conninfo.
fresh_db() {
  pg_psql -q -c "drop database if exists $1" -c "create database $1" >/dev/null
  echo "host=$PG_DIR port=$(sed -n 4p "$PG_DATA/postmaster.pid") user=$(pg_user) dbname=$1"
}

# CurveZMQ keys under .run/keys, made once: the dispatcher's pair, one pair shared by the local
# workers, one for the operator's client; the allow-list admits the last two. Exports
# WAYBILL_KEY and WAYBILL_DISPATCHER_KEY, which `waybill submit` and `waybill status` read.
setup_keys() {
  local keys=$RUN_DIR/keys
  mkdir -p "$keys"
  local who
  for who in dispatcher worker client; do
    [[ -f $keys/$who.key ]] || "$BUILD_DIR/bin/waybill" keygen "$keys/$who" >/dev/null
  done
  # Replaced atomically: a dispatcher starting now must never read a half-written list.
  cat "$keys/worker.pub" "$keys/client.pub" >"$keys/allow.tmp.$$"
  mv -f "$keys/allow.tmp.$$" "$keys/allow"
  export WAYBILL_KEY=$keys/client.key WAYBILL_DISPATCHER_KEY=$keys/dispatcher.pub
}

# start_dispatcher CONNINFO LOG [extra args]: starts waybill-dispatcher in the background, with
# CurveZMQ (setup_keys), on WAYBILL_CLIENTS and WAYBILL_WORKERS, with the key pair
# DISPATCHER_KEY (default: setup_keys' dispatcher.key).
start_dispatcher() {
  local db=$1 log=$2
  shift 2
  setup_keys
  "$BUILD_DIR/bin/waybill-dispatcher" --db "$db" --clients "$WAYBILL_CLIENTS" \
    --workers "$WAYBILL_WORKERS" --key "${DISPATCHER_KEY:-$RUN_DIR/keys/dispatcher.key}" \
    --allow "$RUN_DIR/keys/allow" "$@" >>"$log" 2>&1 &
  PROCS+=($!)
  DISPATCHER_PID=$!
}

# start_worker LOG [extra args]: starts a waybill-worker in the background, joining
# WAYBILL_WORKERS, whose public key is DISPATCHER_KEY's .pub (default: setup_keys' dispatcher's).
start_worker() {
  local log=$1 key=${DISPATCHER_KEY:-$RUN_DIR/keys/dispatcher.key}
  shift
  setup_keys
  "$BUILD_DIR/bin/waybill-worker" --dispatcher "$WAYBILL_WORKERS" \
    --cache-dir "$RUN_DIR/worker-cache" --key "$RUN_DIR/keys/worker.key" \
    --dispatcher-key "${key%.key}.pub" "$@" >>"$log" 2>&1 &
  PROCS+=($!)
}

# wait_workers_ready DIR [N]: waits until N (2) workers logging to DIR/worker*.log hold their
# graph (fetched, or from their cache); dies after 60 s.
wait_workers_ready() {
  local dir=$1 n=${2:-2}
  for _ in $(seq 600); do
    (($(cat "$dir"/worker*.log | grep -c ' ready: ') >= n)) && return
    sleep 0.1
  done
  die "workers not ready after 60 s: see $dir/worker*.log"
}

# start_local_pipeline CONNINFO DIR: a dispatcher and two workers of one routing thread each
# (two cores, no thread waiting for one), logging to DIR; returns once the workers are ready.
start_local_pipeline() {
  local db=$1 dir=$2
  start_dispatcher "$db" "$dir/dispatcher.log"
  start_worker "$dir/worker1.log" --threads 1
  start_worker "$dir/worker2.log" --threads 1
  wait_workers_ready "$dir"
}

# Stops every process started above: SIGTERM (they drain), then SIGKILL after 10 s.
stop_procs() {
  local p deadline=$((SECONDS + 10))
  for p in "${PROCS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PROCS[@]}"; do
    while kill -0 "$p" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  PROCS=()
}

# ---- measuring (ops/bench, ops/day) ----------------------------------------------------------

now() { date +%s.%N; }

# Peak resident memory (VmHWM) of a process, in MiB.
peak_mib() { awk '/^VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo '?'; }

# pg_peak_mib DBNAME CONNINFO: the largest peak among the PostgreSQL backends serving database
# DBNAME (shared buffers they touched count too).
pg_peak_mib() {
  local pid max=0 m
  for pid in $(psql "$2" -qtAc "select pid from pg_stat_activity where datname = '$1'"); do
    m=$(peak_mib "$pid")
    [[ $m =~ ^[0-9]+$ ]] && ((m > max)) && max=$m
  done
  echo "$max"
}

# CPU seconds (user + system) a process has used so far.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$1/stat" 2>/dev/null || echo '?'; }

# pg_cpu_s DBNAME CONNINFO: the CPU seconds of the PostgreSQL backends serving DBNAME, together.
pg_cpu_s() {
  local pid total=0 c
  for pid in $(psql "$2" -qtAc "select pid from pg_stat_activity where datname = '$1'"); do
    c=$(cpu_s "$pid")
    [[ $c =~ ^[0-9.]+$ ]] && total=$(python3 -c "print($total + $c)")
  done
  printf '%.1f' "$total"
}

# Bytes that went each way over the established TCP connections whose local end is ENDPOINT's
# port (tcp://HOST:PORT: the dispatcher's side of them), as "SENT RECEIVED", from the kernel's
# counters (ss -i). Counts the connections open now only.
tcp_bytes() {
  ss -tinH state established "( sport = :${1##*:} )" | awk '
    { for (i = 1; i <= NF; ++i) {
        if ($i ~ /^bytes_sent:/) { split($i, f, ":"); sent += f[2] }
        if ($i ~ /^bytes_received:/) { split($i, f, ":"); received += f[2] } } }
    END { printf "%d %d\n", sent, received }'
}

# PostgreSQL's write-ahead log position (bytes since the cluster began) on conninfo $1: the
# difference of two is what a streaming standby is sent.
wal_lsn_bytes() { psql "$1" -qtAc "select pg_current_wal_lsn() - '0/0'::pg_lsn"; }

# ---- checking (ops/chaos.sh, ops/hosts.sh) -------------------------------------------------

# check_routes CONNINFO OUT [BAD_LINES [OSM_FILE]]: every accepted job of every batch in the
# database has exactly one route, equal to `waybill route`'s answer on NY (node ids), or with
# OSM_FILE on that extract (jobs in coordinate form); with BAD_LINES (a file of line numbers;
# may be ""), the rejects are exactly those lines. Prints the counts and "routes: OK" (status 0)
# or "routes: FAIL" (status 1). Leaves stored.csv, expected.csv and rejected.txt in OUT.
check_routes() {
  local db=$1 out=$2 bad=${3:-} osm=${4:-} ends='origin, destination' graph cost_field=2
  graph=(--graph "$DATA/dimacs/USA-road-d.NY.gr.gz")
  if [[ -n $osm ]]; then
    ends='origin_lat, origin_lon, dest_lat, dest_lon' graph=(--osm "$osm") cost_field=4
  fi
  psql "$db" -qc "\copy (select $ends, coalesce(cost::text, status), order_id from job_routes order by batch_id, seq) to '$out/stored.csv' csv"
  # Status 1: some points unsnappable (answered so, in their lines).
  cut -d, -f"1-$cost_field" "$out/stored.csv" | "$BUILD_DIR/bin/waybill" route "${graph[@]}" \
    >"$out/expected.csv" 2>"$out/route.err" || (($? == 1)) || die "waybill route failed: $(tail -2 "$out/route.err")"
  psql "$db" -qc "\copy (select line from rejects order by line) to '$out/rejected.txt' csv"
  # Routes stored (the elements of the blocks) and jobs routed (the view routes, a job a row).
  local counts
  counts=$(psql "$db" -qtA -F' ' -c "select (select coalesce(sum(accepted), 0) from batches),
    (select coalesce(sum(cardinality(status)), 0) from route_blocks), (select count(*) from routes),
    (select count(*) from jobs j where not exists (select 1 from routes r where r.batch_id = j.batch_id and r.seq = j.seq))")
  # shellcheck disable=SC2086 # four numbers
  python3 - "$out" "$bad" "$cost_field" $counts <<'PY'
import sys
out, bad, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
accepted, routes, distinct, missing = map(int, sys.argv[4:8])
stored = [l.rstrip('\n').split(',') for l in open(f'{out}/stored.csv')]
expected = [l.rstrip('\n').split(',') for l in open(f'{out}/expected.csv')]
wrong = sum(1 for s, e in zip(stored, expected) if s[k] != e[k]) + abs(len(stored) - len(expected))
rejected = open(f'{out}/rejected.txt').read().split()
lost, duplicated = missing, routes - distinct
line = f"jobs: {accepted}; routes: {routes}; lost: {lost}; duplicated: {duplicated}; wrong: {wrong}"
ok = lost == 0 and duplicated == 0 and wrong == 0 and len(stored) == len(expected) == accepted
if bad:
    bad_lines = open(bad).read().split()
    line += f"; rejects: {len(rejected)}/{len(bad_lines)}"
    ok = ok and rejected == bad_lines
print(line)
print('routes: OK' if ok else 'routes: FAIL')
sys.exit(0 if ok else 1)
PY
}

# Run as a command: `ops/lib.sh FUNCTION [ARGS...]`.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  (($# > 0)) || die "usage: ops/lib.sh pg_start|pg_stop|pg_psql [psql args...]"
  "$@"
fi
