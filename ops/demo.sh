#!/usr/bin/env bash
# The demo command: build, then route 20 sample deliveries on the New York road graph with
# `waybill route` and print them as a table. (It grows into the full pipeline demo later.)
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "$0")/lib.sh"

require_data # fail fast, before a long build
"$ROOT/ops/build.sh"
graph=$DATA/dimacs/USA-road-d.NY.gr.gz
waybill=$BUILD_DIR/dispatcher/waybill
[[ -x $waybill ]] || die "no waybill binary at $waybill"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step "sample: 10 deliveries from depot node 1, plus 10 random origin-destination pairs"
python3 - >"$tmp/deliveries.csv" <<'PY'
import random
rng = random.Random(2020)   # fixed seed: the same sample every run
n = 264346                  # nodes in USA-road-d.NY, ids 1..n
for _ in range(10):
    print(f"1,{rng.randint(1, n)}")
for _ in range(10):
    print(f"{rng.randint(1, n)},{rng.randint(1, n)}")
PY

step "routing on $graph (time includes loading the graph)"
TIMEFORMAT='==> waybill route took %R s'
time "$waybill" route --graph "$graph" <"$tmp/deliveries.csv" >"$tmp/routes.csv"

echo
{ echo "origin,destination,cost,hops"; cat "$tmp/routes.csv"; } | column -t -s,
