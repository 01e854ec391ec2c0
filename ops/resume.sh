#!/usr/bin/env bash
# An interrupted submit at full size, resumed: NY, a dispatcher and two workers; a batch of JOBS
# depot jobs (default 50,000,000, W3's size) is submitted, the client is killed with SIGKILL once
# half of the file is durable, and the same file is submitted again. Reports what was durable and
# routed at the kill, how long the dispatcher took to pick the batch up again (reading its stored
# order ids), the resumed submit's time against the whole, and checks that every job has
# exactly one route (lost, doubled).
# Usage: ops/resume.sh [JOBS]        FILE=path reuses a batch file made by `waybill gen`
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "$0")/lib.sh"

jobs=${1:-50000000}
require_data
BUILD_TARGETS="waybill waybill-dispatcher waybill-worker" "$ROOT/ops/build.sh" >/dev/null
waybill=$BUILD_DIR/bin/waybill
graph=$DATA/dimacs/USA-road-d.NY.gr.gz
out=$RUN_DIR/resume
mkdir -p "$out"
rm -f "$out"/*.log
cleanup() {
  stop_procs
  pg_stop
}
trap cleanup EXIT
pg_start >/dev/null
db=$(fresh_db waybill_resume)
"$waybill" graph import --db "$db" --name ny --dimacs "$graph" >/dev/null
file=${FILE:-$out/batch.csv}
[[ -n ${FILE:-} ]] || "$waybill" gen --graph "$graph" --jobs "$jobs" --depots 100 --seed 1 --out "$file"

start_local_pipeline "$db" "$out"

step "submitting $jobs jobs; the client is killed once half of them are durable"
t0=$(now)
"$waybill" submit --dispatcher "$WAYBILL_CLIENTS" --graph ny "$file" >"$out/submit1.log" 2>&1 &
client=$!
durable=0
while ((durable < jobs / 2)); do
  sleep 0.2
  kill -0 "$client" 2>/dev/null || die "the submit ended before half was durable: $(tail -2 "$out/submit1.log")"
  durable=$(psql "$db" -qtAc "select coalesce(sum(jobs), 0) from batch_segments")
done
kill -KILL "$client"
t_kill=$(now)
read -r state accepted routed segments < <(psql "$db" -qtAF ' ' -c \
  "select state, accepted, routed, (select count(*) from batch_segments) from batch_progress")
[[ $state == receiving ]] || die "after the kill the batch is '$state', not receiving"

step "submitting the same file again"
t1=$(now)
"$waybill" submit --dispatcher "$WAYBILL_CLIENTS" --graph ny "$file" --wait >"$out/submit2.log" 2>&1 ||
  die "the resumed submit failed: $(tail -3 "$out/submit2.log")"
t2=$(now)
grep -q 'resuming after line' "$out/submit2.log" || die "the second submit did not resume"
# From the dispatcher's "resuming '<file>'" to its "batch N: resuming ... after line": the order
# ids read back.
picked_up=$(python3 - "$out/dispatcher.log" <<'PY'
import sys, datetime
def at(line): return datetime.datetime.fromisoformat(line.split()[0].replace('Z', '+00:00')).timestamp()
lines = open(sys.argv[1]).read().splitlines()
a = [at(l) for l in lines if "dispatcher: resuming '" in l][-1]
b = [at(l) for l in lines if "resuming '" in l and "after line" in l][-1]
print(f"{b - a:.1f}")
PY
)
# Routes stored (the elements of the blocks) and jobs routed (the view routes, a job a row).
read -r total distinct < <(psql "$db" -qtAF ' ' -c "select (select sum(cardinality(status)) from route_blocks),
                                                      (select count(*) from routes)")
lost=$((jobs - distinct))
doubled=$((total - distinct))
python3 - <<PY
t0, t_kill, t1, t2 = $t0, $t_kill, $t1, $t2
print(f"resume: {$jobs:,} jobs; killed after {t_kill - t0:.1f} s with {$accepted:,} jobs durable in {$segments} segments, {$routed:,} routed")
print(f"  resumed submit: batch picked up in $picked_up s (stored order ids read), done after {t2 - t1:.1f} s")
print(f"  routes: {$total:,}; lost: $lost; doubled: $doubled")
PY
((lost == 0 && doubled == 0)) || die "lost $lost, doubled $doubled"
echo "resume: OK"
