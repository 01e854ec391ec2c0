#!/usr/bin/env bash
# How soon a long file's first route is durable: the time from `waybill submit`'s start to the
# batch's first route stored, for W3's file (50,000,000 jobs from 100 depots on NY, 1.6 GB),
# with the file hashed as it is sent (the default) and, as the baseline in the same run, hashed
# whole before its first byte is sent (`--hash-first`, as every submit did before 0015).
# Rounds alternate the two (A B A B ...). Each round's file is W3's with one line of its own
# after the header, so that no round's file starts as another's; each submit is stopped once its
# first route is durable (the client killed, the batch cancelled).
# Usage:
#   ops/first-route.sh                       # 5 rounds each
#   ROUNDS=3 JOBS=10000000 ops/first-route.sh
# Prints each round, then the median and worst of each and their ratio; also appended to
# $RUN_DIR/first-route/results.txt.
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "$0")/lib.sh"

JOBS=${JOBS:-50000000}
ROUNDS=${ROUNDS:-5}

require_data
BUILD_TARGETS="waybill waybill-dispatcher waybill-worker" "$ROOT/ops/build.sh" >/dev/null
waybill=$BUILD_DIR/bin/waybill
graph=$DATA/dimacs/USA-road-d.NY.gr.gz
out=$RUN_DIR/first-route
mkdir -p "$out"
file=$out/batch-$JOBS.csv
run_file=$out/round.csv

cleanup() {
  stop_procs
  pg_stop
  rm -f "$run_file"
}
trap cleanup EXIT
pg_start >/dev/null
db=$(fresh_db waybill_first_route)
"$waybill" graph import --db "$db" --name ny --dimacs "$graph" >/dev/null
if [[ ! -s $file ]]; then
  step "generating $JOBS jobs (W3's file: the same seed and depots)"
  "$waybill" gen --graph "$graph" --jobs "$JOBS" --depots 100 --seed 1 --out "$file.tmp"
  mv "$file.tmp" "$file"
fi

rm -rf "$RUN_DIR/worker-cache/trees"
start_local_pipeline "$db" "$out"

sql() { psql "$db" -qtAc "$1"; }

# round N MODE [submit options]: one submit of round N's file; prints the seconds from its start
# to its first route durable.
round() {
  local n=$1 mode=$2
  shift 2
  { head -1 "$file"; sed -n 2p "$file" | sed "s/^/round$n-$mode-/"; tail -n +2 "$file"; } >"$run_file"
  local last t0 pid id= first=
  last=$(sql "select coalesce(max(id), 0) from batches")
  t0=$(now)
  "$waybill" submit --dispatcher "$WAYBILL_CLIENTS" --graph ny "$run_file" "$@" \
    >"$out/submit-$n-$mode.log" 2>&1 &
  pid=$!
  for _ in $(seq 1200); do
    [[ -n $id ]] || id=$(sql "select id from batches where id > $last")
    [[ -z $id ]] || first=$(sql "select extract(epoch from min(routed_at)) from route_blocks
                                 where batch_id = $id and worker_id is not null")
    [[ -z $first ]] || break
    kill -0 "$pid" 2>/dev/null || die "round $n ($mode): submit ended first: $(tail -3 "$out/submit-$n-$mode.log")"
    sleep 0.1
  done
  [[ -n $first ]] || die "round $n ($mode): no route within 120 s"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  "$waybill" cancel --dispatcher "$WAYBILL_CLIENTS" "$id" >/dev/null
  settle
  python3 -c "print(f'{$first - $t0:.2f}')"
}

# Waits (up to 30 s) until the workers hold no lease: the chunks a cancelled batch's workers
# took before the cancel are still computed, and a round begun meanwhile would wait for them.
settle() {
  local leases
  for _ in $(seq 300); do
    leases=$("$waybill" status --dispatcher "$WAYBILL_CLIENTS" |
      awk '$1 == "worker" { on = 1; next } on && NF >= 5 { n += $3 } END { print n + 0 }')
    ((leases == 0)) && return
    sleep 0.1
  done
}

results=$out/results.txt
printf '# %s, %s jobs, %s\n' "$(date -u '+%F %T UTC')" "$JOBS" "$(git -C "$ROOT" rev-parse --short HEAD)" >>"$results"
# A round first, not counted: the first batch of a dispatcher's and its workers' lives finds
# their caches and connections cold.
round 0 warm-up >/dev/null
streamed=() whole=()
for n in $(seq "$ROUNDS"); do
  # Each mode goes first every other round.
  if ((n % 2)); then
    s=$(round "$n" streamed)
    w=$(round "$n" whole-first --hash-first)
  else
    w=$(round "$n" whole-first --hash-first)
    s=$(round "$n" streamed)
  fi
  streamed+=("$s")
  whole+=("$w")
  printf 'round %s: first route %s s hashed while sent, %s s hashed first\n' "$n" "$s" "$w" | tee -a "$results"
done
python3 - "${streamed[*]}" "${whole[*]}" <<'PY' | tee -a "$results"
import statistics, sys
s = [float(x) for x in sys.argv[1].split()]
w = [float(x) for x in sys.argv[2].split()]
ms, mw = statistics.median(s), statistics.median(w)
print(f"first route: hashed while sent median {ms:.2f} s (best {min(s):.2f}, worst {max(s):.2f}); "
      f"hashed first median {mw:.2f} s (best {min(w):.2f}, worst {max(w):.2f}); "
      f"ratio {mw / ms:.2f}")
PY
