#!/usr/bin/env bash
# Replicated PostgreSQL with automatic failover, on this machine, with pg_auto_failover
# (Debian's postgresql-15-auto-failover): a monitor, a primary and a synchronous standby, each a
# server of its own under $RUN_DIR/ha, listening on localhost. A commit is acknowledged once the
# standby has it too (synchronous_standby_names = 'ANY 1 (...)', set by the monitor), so a route
# acknowledged as durable is on two servers. When the primary dies, the monitor promotes the
# standby on its own; the old primary, back, rejoins as the new standby.
#   ops/ha.sh up        # start (or reuse) them; the last line printed is the dispatcher's conninfo
#   ops/ha.sh status    # the nodes, their roles and WAL positions; the writer's and a reader's conninfo
#   ops/ha.sh failover  # a planned switchover: the standby becomes the primary
#   ops/ha.sh kill      # the primary's host dies: kill -9 its postmaster and its keeper (which
#                       # would restart it); the monitor promotes the standby
#   ops/ha.sh up        # ... again: restarts the dead node's keeper, it rejoins as the standby
#   ops/ha.sh wait      # wait until a primary and a standby are in place again
#   ops/ha.sh down      # stop everything and delete $RUN_DIR/ha
# Environment: HA_PORT (5590: the monitor; the nodes on the next two ports).
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "$0")/lib.sh"

HA_DIR=$RUN_DIR/ha
HA_PORT=${HA_PORT:-5590}
MONITOR=$HA_DIR/monitor

# pg_autoctl keeps its state and configuration under XDG folders: ours, not the user's.
autoctl() {
  as_pg env XDG_CONFIG_HOME="$HA_DIR/config" XDG_DATA_HOME="$HA_DIR/share" \
    PG_CONFIG="$PG_BIN/pg_config" pg_autoctl "$@"
}

# The conninfo of the writer: whichever node is the primary (libpq tries them in turn).
writer_conninfo() {
  echo "host=localhost,localhost port=$((HA_PORT + 1)),$((HA_PORT + 2)) dbname=waybill" \
    "user=$(pg_user) target_session_attrs=read-write connect_timeout=2"
}

# The state of the nodes, a line each: "NAME REPORTED ASSIGNED".
states() {
  psql "host=localhost port=$HA_PORT dbname=pg_auto_failover user=$(pg_user)" -qtA -F' ' \
    -c "select nodename, reportedstate, goalstate from pgautofailover.node order by nodeid" 2>/dev/null
}

# Waits (up to $1 s) until one node is primary and another secondary, as reported and assigned.
wait_healthy() {
  local s
  for _ in $(seq $(($1 * 2))); do
    s=$(states || true)
    if grep -q '^node[12] primary primary$' <<<"$s" && grep -q '^node[12] secondary secondary$' <<<"$s"; then
      return 0
    fi
    sleep 0.5
  done
  die "the nodes did not reach primary + secondary within $1 s:" "$s" "logs: $HA_DIR/*.log"
}

# Runs pg_autoctl ARGS in the background, in a session and process group of its own (with the
# runuser that starts it as root): `ops/ha.sh kill` kills that group, and nothing in it may
# reach the caller's.
detached() {
  local env=(env XDG_CONFIG_HOME="$HA_DIR/config" XDG_DATA_HOME="$HA_DIR/share" PG_CONFIG="$PG_BIN/pg_config")
  if ((EUID == 0)); then
    setsid runuser -u postgres -- "${env[@]}" pg_autoctl "$@" </dev/null &
  else
    setsid "${env[@]}" pg_autoctl "$@" </dev/null &
  fi
}

# Starts a node's keeper (pg_autoctl run), which starts and watches its PostgreSQL.
run_keeper() { detached run --pgdata "$1" >>"$2" 2>&1; }

up() {
  command -v pg_autoctl >/dev/null ||
    die "pg_autoctl not found: install postgresql-15-auto-failover (ops/install-deps.sh)"
  mkdir -p "$HA_DIR"
  if ((EUID == 0)); then
    chmod o+x "$RUN_DIR"
    chown postgres: "$HA_DIR"
  fi
  if [[ ! -f $MONITOR/PG_VERSION ]]; then
    step "creating the monitor (port $HA_PORT)"
    autoctl create monitor --pgdata "$MONITOR" --pgport "$HA_PORT" --hostname localhost \
      --auth trust --no-ssl --pgctl "$PG_BIN/pg_ctl" >>"$HA_DIR/monitor.log" 2>&1 ||
      die "pg_autoctl create monitor failed, see $HA_DIR/monitor.log"
  fi
  pgrep -f "^pg_autoctl run --pgdata $MONITOR\$" >/dev/null || run_keeper "$MONITOR" "$HA_DIR/monitor.log"
  for _ in $(seq 60); do
    "$PG_BIN/pg_isready" -q -h localhost -p "$HA_PORT" && break
    sleep 0.5
  done
  # Failover within about 20 s of a primary's death, not the defaults' 50: checked every 2 s,
  # unhealthy after 8 s, promoted 10 s later if it has not demoted itself. A primary cut off
  # from the monitor and its standby demotes itself after 8 s (the keepers' setting, below);
  # its commits meanwhile wait for a standby that no longer follows it, so none is acknowledged.
  psql "host=localhost port=$HA_PORT dbname=pg_auto_failover user=$(pg_user)" -q -v ON_ERROR_STOP=1 \
    -c "alter system set pgautofailover.health_check_period = 2000" \
    -c "alter system set pgautofailover.health_check_timeout = 2000" \
    -c "alter system set pgautofailover.node_considered_unhealthy_timeout = 8000" \
    -c "alter system set pgautofailover.primary_demote_timeout = 10000" \
    -c "select pg_reload_conf()" >/dev/null
  local n monitor_uri="postgres://autoctl_node@localhost:$HA_PORT/pg_auto_failover?sslmode=disable"
  for n in 1 2; do
    local dir=$HA_DIR/node$n
    if [[ ! -f $dir/PG_VERSION ]]; then
      step "creating node$n (port $((HA_PORT + n)))"
      # The second is made from the first (pg_basebackup) and becomes its synchronous standby.
      detached create postgres --pgdata "$dir" --pgport $((HA_PORT + n)) --hostname localhost \
        --name "node$n" --dbname waybill --monitor "$monitor_uri" --auth trust --no-ssl \
        --pgctl "$PG_BIN/pg_ctl" --run >>"$HA_DIR/node$n.log" 2>&1
      # The first must be primary before the second registers. Its buffers are written out
      # then: the second's pg_basebackup asks for a spread checkpoint, which paces even a few
      # hundred dirty buffers over minutes (checkpoint_completion_target of checkpoint_timeout).
      if ((n == 1)); then
        for _ in $(seq 120); do
          grep -q '^node1 single single$' <<<"$(states || true)" && break
          sleep 0.5
        done
        # And every later base backup (a dead node that cannot rewind is copied again) waits
        # for one spread checkpoint: a tenth of checkpoint_timeout at most, not nine tenths.
        # (postgresql.auto.conf goes with the base backup: the standby has it too.)
        psql "host=localhost port=$((HA_PORT + 1)) dbname=waybill user=$(pg_user)" -q \
          -c "alter system set checkpoint_completion_target = 0.1" -c "select pg_reload_conf()" \
          -c checkpoint >/dev/null
      fi
    elif ! pgrep -f "^pg_autoctl (run|create postgres) --pgdata $dir( |\$)" >/dev/null; then
      # A dead node (ops/ha.sh kill) comes back; its keeper makes it the standby (by pg_rewind,
      # or a new base backup, whose checkpoint is quicker with the primary's buffers written).
      step "restarting node$n's keeper"
      psql "$(writer_conninfo)" -qc checkpoint >/dev/null 2>&1 || true
      run_keeper "$dir" "$HA_DIR/node$n.log"
    fi
  done
  wait_healthy 300
  for n in 1 2; do
    autoctl config set --pgdata "$HA_DIR/node$n" timeout.network_partition_timeout 8 >/dev/null
  done
  step "primary and synchronous standby up (ops/ha.sh status); the dispatcher's conninfo:"
  writer_conninfo
}

status() {
  autoctl show state --pgdata "$MONITOR"
  echo "synchronous standby names on the primary: $(psql "$(writer_conninfo)" -qtAc 'show synchronous_standby_names')"
  echo "writer: $(writer_conninfo)"
  # waybill_reader is a group role: a person logs in as a role granted it (sql/0004_roles.sql).
  echo "reader (a role in waybill_reader): $(writer_conninfo | sed 's/target_session_attrs=read-write/target_session_attrs=prefer-standby/; s/ user=[^ ]*//')"
}

# The primary's data folder.
primary_dir() {
  local name
  name=$(states | awk '$2 == "primary" || $2 == "wait_primary" || $2 == "single" {print $1; exit}')
  [[ -n $name ]] || die "no primary" "$(states || true)"
  echo "$HA_DIR/$name"
}

case ${1:-} in
  up) up ;;
  status) status ;;
  failover)
    autoctl perform failover --pgdata "$MONITOR" >>"$HA_DIR/monitor.log" 2>&1 ||
      die "failover refused, see $HA_DIR/monitor.log"
    wait_healthy 120
    autoctl show state --pgdata "$MONITOR"
    ;;
  wait) wait_healthy "${2:-180}" ;;
  kill)
    # The keeper alone would restart its PostgreSQL within a second, often before the monitor
    # decides anything: that is a restart, not a failover. A host that dies takes both.
    dir=$(primary_dir)
    pid=$(head -1 "$dir/postmaster.pid")
    # The keeper itself (^: not the runuser that started it), a process group leader (setsid).
    keeper=$(pgrep -f "^pg_autoctl (run|create postgres) --pgdata $dir( |\$)" | head -1)
    group=$(ps -o pgid= -p "${keeper:-0}" | tr -d ' ' || true)
    [[ -z $group || $group == "$(ps -o pgid= -p $$ | tr -d ' ')" ]] || kill -9 -- "-$group"
    kill -9 "$pid" 2>/dev/null || true
    echo "killed the primary's postmaster and keeper ($(basename "$dir"), pid $pid)"
    ;;
  down)
    for dir in "$HA_DIR"/node1 "$HA_DIR"/node2 "$MONITOR"; do
      [[ -d $dir ]] || continue
      pkill -f "pg_autoctl run --pgdata $dir\$" 2>/dev/null || true
      pkill -f "pg_autoctl create postgres --pgdata $dir " 2>/dev/null || true
    done
    sleep 1
    for dir in "$HA_DIR"/node1 "$HA_DIR"/node2 "$MONITOR"; do
      [[ ! -f $dir/postmaster.pid ]] || as_pg "$PG_BIN/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null 2>&1 || true
    done
    rm -rf "$HA_DIR"
    ;;
  *) die "usage: ops/ha.sh up|status|failover|kill|wait|down" ;;
esac
