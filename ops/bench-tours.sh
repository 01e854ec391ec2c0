#!/usr/bin/env bash
# Tour quality and the time limit, on the standard sets and on generated large instances, with
# `waybill solve`. Each figure is a ratio against a baseline measured the same way:
#   x [EVERY]       CVRPLIB set X (every EVERY-th of its 100 instances, default all), n/20 s each,
#                   2 threads: gap to the best-known value, mean and worst, and time over the limit.
#   solomon [S]     the 56 Solomon instances with the best-known solution's fleet size, S s each
#                   (default 10): instances with every customer served in its window, distance gap.
#   scale [SIZES]   generated instances (default 2000 10000 30000 stops; uniform and clustered,
#                   or KINDS="uniform"), limit n/200 s (at least 20 s): time used against the
#                   limit, peak memory, and the gap to a good plan: the same instance given three
#                   times the limit (REFERENCE=0 skips it).
# Every plan is re-checked by ops/tours_check.py (capacity, windows, each customer once, cost
# recomputed with the set's own convention). Results: $RUN_DIR/bench/tours/results.txt.
# Usage: ops/bench-tours.sh x 10; ops/bench-tours.sh solomon 5; ops/bench-tours.sh scale 10000
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "$0")/lib.sh"

mode=${1:-x}
OUT=$RUN_DIR/bench/tours
mkdir -p "$OUT"
WAYBILL=$BUILD_DIR/bin/waybill
[[ -x $WAYBILL ]] || "$ROOT/ops/build.sh" >/dev/null
V=$DATA/vrp
[[ -f $V/bks.csv ]] || die "no $V/bks.csv: set WAYBILL_DATA to the folder holding vrp/"
CHECK=$ROOT/ops/tours_check.py
RESULTS=$OUT/results.txt

# solve NAME FILE LIMIT [ARGS...]: prints "seconds peak_kb"; the plan goes to $OUT/NAME.json
solve() {
  local name=$1 file=$2 limit=$3
  shift 3
  /usr/bin/time -f '%e %M' -o "$OUT/$name.time" \
    "$WAYBILL" solve "$file" --time-limit "$limit" --threads 2 --seed 1 -o "$OUT/$name.json" "$@" \
    2>"$OUT/$name.log" || die "$name: waybill solve failed: $(tail -1 "$OUT/$name.log")"
  cat "$OUT/$name.time"
}

summarise() {  # reads "name gap over_pct" lines
  python3 -c '
import sys
rows = [l.split() for l in sys.stdin if l.strip()]
g = [float(r[1]) for r in rows]; o = [float(r[2]) for r in rows]
print(f"{len(g)} instances: mean gap {sum(g) / len(g):.2f}%, worst {max(g):.2f}%; worst time over the limit {max(o):+.1f}%")'
}

case $mode in
  x)
    every=${2:-1}
    echo "== X, n/20 s each, every ${every}th instance ($(date -u +%FT%TZ))" | tee -a "$RESULTS"
    lines=()
    k=0
    while IFS=, read -r set name file _ n _ bks _; do
      [[ $set == X ]] || continue
      k=$((k + 1)); (( (k - 1) % every == 0 )) || continue
      limit=$(( (n + 19) / 20 ))
      read -r secs kb < <(solve "$name" "$V/$file" "$limit")
      r=$(python3 "$CHECK" "$V/$file" "$OUT/$name.json" "$bks")
      [[ $r == INVALID* ]] && die "$name: $r"
      read -r cost gap _ <<<"$r"
      over=$(python3 -c "print(f'{100 * ($secs - $limit) / $limit:.1f}')")
      printf '  %-14s cost %8s  gap %6s%%  %5.1f s of %3d s  %6d MB\n' "$name" "$cost" "$gap" "$secs" "$limit" $((kb / 1024)) | tee -a "$RESULTS"
      lines+=("$name $gap $over")
    done <"$V/bks.csv"
    printf '%s\n' "${lines[@]}" | summarise | tee -a "$RESULTS"
    ;;
  solomon)
    limit=${2:-10}
    echo "== Solomon, best-known fleet, $limit s each ($(date -u +%FT%TZ))" | tee -a "$RESULTS"
    lines=()
    full=0; total=0
    while IFS=, read -r set name file _ n _ bks _ routes _; do
      [[ $set == Solomon ]] || continue
      read -r secs _ < <(solve "$name" "$V/$file" "$limit" --vehicles "$routes")
      r=$(python3 "$CHECK" "$V/$file" "$OUT/$name.json" "$bks")
      [[ $r == INVALID* ]] && die "$name: $r"
      read -r cost gap served _ <<<"$r"
      total=$((total + 1))
      mark=""
      if [[ ${served%/*} == "${served#*/}" ]]; then
        full=$((full + 1))
        lines+=("$name $gap $(python3 -c "print(f'{100 * ($secs - $limit) / $limit:.1f}')")")
      else
        mark="  NOT FULLY SERVED"
      fi
      printf '  %-6s %2d vans  distance %8s  gap %6s%%  served %s%s\n' "$name" "$routes" "$cost" "$gap" "$served" "$mark" | tee -a "$RESULTS"
    done <"$V/bks.csv"
    echo "$full of $total instances fully served with the best-known fleet" | tee -a "$RESULTS"
    printf '%s\n' "${lines[@]}" | summarise | sed 's/^/fully served: /' | tee -a "$RESULTS"
    ;;
  scale)
    shift
    sizes=("$@")
    ((${#sizes[@]} > 0)) || sizes=(2000 10000 30000)
    read -r -a kinds <<<"${KINDS:-uniform clustered}"
    echo "== Scale: generated instances, limit n/200 s (at least 20), reference 3x ($(date -u +%FT%TZ))" | tee -a "$RESULTS"
    for n in "${sizes[@]}"; do
      for kind in "${kinds[@]}"; do
        name=$kind-$n
        python3 "$ROOT/ops/tours_generate.py" "$kind" "$n" >"$OUT/$name.vrp"
        limit=$(( n / 200 > 20 ? n / 200 : 20 ))
        read -r secs kb < <(solve "$name" "$OUT/$name.vrp" "$limit")
        r=$(python3 "$CHECK" "$OUT/$name.vrp" "$OUT/$name.json" 1)
        [[ $r == INVALID* ]] && die "$name: $r"
        against=""
        if [[ ${REFERENCE:-1} != 0 ]]; then
          solve "$name-ref" "$OUT/$name.vrp" $((3 * limit)) >/dev/null
          ref=$(python3 "$CHECK" "$OUT/$name.vrp" "$OUT/$name-ref.json" 1)
          [[ $ref == INVALID* ]] && die "$name (reference): $ref"
          r=$(python3 "$CHECK" "$OUT/$name.vrp" "$OUT/$name.json" "${ref%% *}")
          against=$(printf ', %+.2f%% against %s in %d s' "$(cut -d' ' -f2 <<<"$r")" "${ref%% *}" $((3 * limit)))
        fi
        printf '  %-16s limit %4d s: %6.1f s (%+.1f%%), peak %5d MB; cost %s%s\n' \
          "$name" "$limit" "$secs" "$(python3 -c "print(100 * ($secs - $limit) / $limit)")" $((kb / 1024)) \
          "${r%% *}" "$against" | tee -a "$RESULTS"
      done
    done
    ;;
  *) die "unknown mode '$mode' (x, solomon or scale)" ;;
esac
