#!/usr/bin/env bash
# Build the libFuzzer targets of tests/fuzz with clang (ASan + UBSan, asserts on) into
# build-fuzz/, replay the saved crash inputs of tests/fuzz/regressions/, then run each target
# for SECONDS (default 30). Exits 1 when any target crashes, leaks, times out or runs out of
# memory, and prints the input that did it; 2 on a usage or build error.
#
# Usage: ops/fuzz.sh [SECONDS]        e.g. ops/fuzz.sh 20 in CI, ops/fuzz.sh 600 by hand
# Environment: FUZZ_BUILD_DIR (default build-fuzz/), FUZZ_TARGETS (default: all three).
#
# Each target's corpus grows in .run/fuzz/<target>/corpus, seeded with copies of the committed
# corpora (tests/fuzz/corpus/, and tests/data/batches/ for the batch parser), which are never
# written to; `rm -rf .run/fuzz` starts over. Logs and crash inputs
# (crash-*, leak-*, timeout-*, oom-*) land in .run/fuzz/<target>/. To replay one input:
#   build-fuzz/tests/fuzz/<target> FILE
# To keep it as a regression test, copy it to tests/fuzz/regressions/<target>/.
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "$0")/lib.sh"

seconds=${1:-30}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || die "usage: ops/fuzz.sh [SECONDS per target, default 30]"
FUZZ_BUILD_DIR=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
FUZZ_DIR=$ROOT/tests/fuzz
read -r -a targets <<<"${FUZZ_TARGETS:-batch_parser_fuzz message_decode_fuzz graph_decode_fuzz}"

# Per target: its committed seed folder, and the largest input to try, in bytes. Batch inputs
# go past BatchParser::kMaxRawBytes (1024), so long rejected lines are cut.
declare -A seeds=(
  [batch_parser_fuzz]="$FUZZ_DIR/corpus/batch"
  [message_decode_fuzz]="$FUZZ_DIR/corpus/messages"
  [graph_decode_fuzz]="$FUZZ_DIR/corpus/graph"
)
declare -A max_len=([batch_parser_fuzz]=8192 [message_decode_fuzz]=4096 [graph_decode_fuzz]=4096)
declare -A extra=([batch_parser_fuzz]="-dict=$FUZZ_DIR/batch.dict")
for t in "${targets[@]}"; do
  [[ -n ${seeds[$t]:-} ]] || die "unknown fuzz target '$t'" "known: ${!seeds[*]}"
done

# ---- packages: the project's, plus clang and its sanitizer/libFuzzer runtimes ---------------
"$ROOT/ops/install-deps.sh"
fuzz_packages=(clang libclang-rt-14-dev)
missing=()
for p in "${fuzz_packages[@]}"; do
  [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "missing packages: ${missing[*]}" "install them as root"
    sudo=(sudo)
  fi
  step "installing: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---- build ------------------------------------------------------------------------------------
generator=()
[[ -f $FUZZ_BUILD_DIR/CMakeCache.txt ]] || generator=(-G Ninja)
step "configuring $FUZZ_BUILD_DIR (clang, ENABLE_FUZZING, RelWithDebInfo with asserts)"
mkdir -p "$FUZZ_BUILD_DIR"
# RelWithDebInfo's flags without -DNDEBUG: a failed assert is a finding too. clang does not know
# GCC's -Wshadow=local (waybill_warnings): silence that one complaint.
cmake -S "$ROOT" -B "$FUZZ_BUILD_DIR" "${generator[@]}" \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS=-Wno-unknown-warning-option \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g" \
  -DENABLE_FUZZING=ON -DBUILD_TESTING=OFF -DBUILD_BENCHMARKS=OFF \
  >"$FUZZ_BUILD_DIR/configure.log" 2>&1 || {
  cat "$FUZZ_BUILD_DIR/configure.log" >&2
  die "cmake configure failed (log: $FUZZ_BUILD_DIR/configure.log)"
}
step "building ${targets[*]}"
cmake --build "$FUZZ_BUILD_DIR" -j2 --target "${targets[@]}" || die "fuzz build failed"

# ---- run --------------------------------------------------------------------------------------
# Sanitizer findings abort, so libFuzzer saves the input; symbolize the stacks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
command -v llvm-symbolizer >/dev/null ||
  export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/lib/llvm-14/bin/llvm-symbolizer}

failed=()
summary=()

# report TARGET LOG WORK: prints the tail of the log and every artifact left in WORK.
report() {
  local target=$1 log=$2 work=$3 f
  echo "---- $target: last lines of $log" >&2
  tail -n 60 "$log" >&2
  for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [[ -f $f ]] || continue
    echo "---- $target: failing input $f ($(stat -c %s "$f") bytes), replay:" >&2
    echo "       $FUZZ_BUILD_DIR/tests/fuzz/$target $f" >&2
    od -A d -c "$f" | head -n 20 >&2
  done
}

for target in "${targets[@]}"; do
  bin=$FUZZ_BUILD_DIR/tests/fuzz/$target
  work=$RUN_DIR/fuzz/$target
  mkdir -p "$work/corpus"
  rm -f "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* "$work"/slow-unit-*

  # Saved crash inputs first: each must now pass.
  regressions=()
  if [[ -d $FUZZ_DIR/regressions/$target ]]; then
    mapfile -t regressions < <(find "$FUZZ_DIR/regressions/$target" -type f ! -name '.*' | sort)
  fi
  if ((${#regressions[@]} > 0)); then
    step "$target: replaying ${#regressions[@]} regression input(s)"
    if ! "$bin" -artifact_prefix="$work/" "${regressions[@]}" >"$work/regressions.log" 2>&1; then
      failed+=("$target (regressions)")
      summary+=("$(printf '%-20s' "$target") FAILED replaying tests/fuzz/regressions/$target/")
      report "$target" "$work/regressions.log" "$work"
      continue
    fi
  fi

  # Seeds go into the scratch corpus; the committed folders are never written to. A batch
  # input starts with the byte that picks the split point, so the batch files of the unit tests
  # (tests/data/batches/) get one in front: 0x80 splits them in the middle.
  for f in "${seeds[$target]}"/*; do
    if [[ -f $f ]]; then cp "$f" "$work/corpus/seed-$(basename "$f")"; fi
  done
  if [[ $target == batch_parser_fuzz ]]; then
    for f in "$ROOT"/tests/data/batches/*; do
      if [[ -f $f ]]; then
        { printf '\x80'; cat "$f"; } >"$work/corpus/seed-data-$(basename "$f")"
      fi
    done
  fi

  step "$target: fuzzing for ${seconds}s (log: $work/log)"
  status=0
  # shellcheck disable=SC2086 # ${extra[...]} is a word list
  "$bin" -max_total_time="$seconds" -max_len="${max_len[$target]}" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" ${extra[$target]:-} \
    "$work/corpus" >"$work/log" 2>&1 || status=$?

  # The last status line, e.g. "#123456 DONE cov: 812 ft: 2301 corp: 190/9Kb ... exec/s: 4100".
  last=$(grep -E '^#[0-9]+' "$work/log" | tail -n 1 || true)
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  corp=$(sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p' <<<"$last")
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$work/log")
  rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$work/log")
  rss=$(sed -nE 's/^stat::peak_rss_mb: *([0-9]+)/\1/p' "$work/log")
  line=$(printf '%-20s %10s runs %7s exec/s  cov %5s  ft %6s  corpus %5s  rss %5s MB' \
    "$target" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${rss:-?}")
  if ((status != 0)); then
    failed+=("$target")
    summary+=("$line  FAILED (exit $status)")
    report "$target" "$work/log" "$work"
  else
    summary+=("$line  ok")
  fi
done

step "fuzz summary (${seconds}s per target)"
for s in "${summary[@]}"; do echo "    $s"; done
if ((${#failed[@]} > 0)); then
  echo "error: fuzzing found problems in: ${failed[*]} (inputs and logs under $RUN_DIR/fuzz/)" >&2
  exit 1
fi
