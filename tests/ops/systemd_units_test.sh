#!/usr/bin/env bash
# The service units of ops/systemd/ (docs/operations.md):
#   1. `systemd-analyze verify` accepts both units without a word of warning (it exits 0 on an
#      unknown key or a bad value, so any output fails the test), with ExecStart pointed at the
#      binaries of the build; and it is shown to catch a broken copy (a misspelt key, a missing
#      binary), so a silent verifier cannot pass the test;
#   2. the hardening settings are there, and `systemd-analyze security --offline` rates each
#      unit's exposure at most 2.5 (of 10);
#   3. every option ExecStart and the environment file give is one the binaries accept: the
#      ExecStart lines, expanded as systemd would with waybill.env, are run with --help appended
#      (boost refuses an unknown option or a malformed value before printing the help), and each
#      --option named is listed by --help; every ${VAR} used is set in waybill.env, and every
#      variable set there is used.
# Needs no running systemd (this works in a container) and no database.
#
# Usage: tests/ops/systemd_units_test.sh BIN_DIR    (BIN_DIR: the build's bin/, e.g. build/bin)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
units=$(cd "$here/../../ops/systemd" && pwd)
bin=${1:?usage: systemd_units_test.sh BIN_DIR (the bin/ folder of a build)}

failures=0
fail() {
  printf 'FAIL: %s\n' "$@" >&2
  failures=$((failures + 1))
}
pass() { printf 'ok: %s\n' "$*"; }

if ! command -v systemd-analyze >/dev/null; then
  echo "FAIL: systemd-analyze not found: install the Debian package 'systemd' (ops/install-deps.sh does)" >&2
  exit 1
fi
for b in waybill-dispatcher waybill-worker; do
  [[ -x $bin/$b ]] || { echo "FAIL: $bin/$b not found or not executable (build it first)" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

dispatcher_unit=$units/waybill-dispatcher.service
worker_unit=$units/waybill-worker@.service
env_file=$units/waybill.env

# ---- 1. systemd-analyze verify -----------------------------------------------------------------
# Copies with ExecStart's /usr/local/bin/ turned into a folder of links to the built binaries.
mkdir -p "$tmp/ok/bin" "$tmp/broken/bin"
for b in waybill-dispatcher waybill-worker; do
  ln -s "$(cd "$bin" && pwd)/$b" "$tmp/ok/bin/$b"
  ln -s "$(cd "$bin" && pwd)/$b" "$tmp/broken/bin/$b"
done
for u in "$dispatcher_unit" "$worker_unit"; do
  sed "s#/usr/local/bin/#$tmp/ok/bin/#g" "$u" >"$tmp/ok/$(basename "$u")"
done
grep -q "^ExecStart=$tmp/ok/bin/waybill-dispatcher " "$tmp/ok/waybill-dispatcher.service" ||
  fail "waybill-dispatcher.service: ExecStart does not start /usr/local/bin/waybill-dispatcher"
grep -q "^ExecStart=$tmp/ok/bin/waybill-worker " "$tmp/ok/waybill-worker@.service" ||
  fail "waybill-worker@.service: ExecStart does not start /usr/local/bin/waybill-worker"

# verify UNIT...: passes when systemd-analyze exits 0 and says nothing. A template is verified
# as its instance 1 (systemd-analyze finds waybill-worker@.service beside it).
verify() {
  local out status=0
  out=$(cd "$(dirname "$1")" && systemd-analyze verify "$@" 2>&1) || status=$?
  [[ $status == 0 && -z $out ]] && return 0
  printf '%s\n' "systemd-analyze verify $* (exit $status):" "$out" >&2
  return 1
}
if verify "$tmp/ok/waybill-dispatcher.service" "$tmp/ok/waybill-worker@1.service"; then
  pass "systemd-analyze verify: both units, no warnings"
else
  fail "systemd-analyze verify rejects the units (above)"
fi

# The same verifier must reject broken copies: a misspelt key (systemd only warns and exits 0),
# and an ExecStart binary that does not exist (exit 1).
sed "s#/usr/local/bin/#$tmp/broken/bin/#g; s/^ProtectSystem=/ProtectSytem=/" "$dispatcher_unit" \
  >"$tmp/broken/waybill-dispatcher.service"
sed "s#/usr/local/bin/waybill-worker#$tmp/broken/bin/waybill-wroker#g" "$worker_unit" \
  >"$tmp/broken/waybill-worker@.service"
for u in waybill-dispatcher.service waybill-worker@1.service; do
  if verify "$tmp/broken/$u" 2>/dev/null; then
    fail "systemd-analyze verify passes a broken copy of $u: the check proves nothing"
  else
    pass "systemd-analyze verify rejects a broken copy of $u"
  fi
done

# ---- 2. hardening --------------------------------------------------------------------------------
# has UNIT LINE: the unit holds LINE exactly (a whole line).
has() { grep -qxF -- "$2" "$1" || fail "$(basename "$1"): missing '$2'"; }
for u in "$dispatcher_unit" "$worker_unit"; do
  for line in User=waybill Group=waybill EnvironmentFile=/etc/waybill/waybill.env \
    StateDirectory=waybill NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
    PrivateTmp=yes PrivateDevices=yes ProtectKernelTunables=yes ProtectKernelModules=yes \
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' KillSignal=SIGTERM Restart=on-failure \
    RestartPreventExitStatus=2 WantedBy=multi-user.target; do
    has "$u" "$line"
  done
  for key in LimitNOFILE RestartSec TimeoutStopSec; do
    grep -qE "^$key=[0-9]+$" "$u" || fail "$(basename "$u"): missing $key=<number>"
  done
  # The drain must have time: the dispatcher's write attempts, the worker's chunks and plan parts.
  stop_s=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)$/\1/p' "$u")
  ((${stop_s:-0} >= 60)) || fail "$(basename "$u"): TimeoutStopSec=${stop_s:-unset} is under 60 s"
  ! grep -qE '^DynamicUser=' "$u" || fail "$(basename "$u"): DynamicUser would lose keys and cache"
  ! grep -qE '^ExecStart=.*--insecure' "$u" || fail "$(basename "$u"): ExecStart uses --insecure"
done
has "$dispatcher_unit" 'Wants=network-online.target postgresql.service'
has "$dispatcher_unit" 'After=network-online.target postgresql.service'
has "$worker_unit" 'Wants=network-online.target'
grep -qE '^After=network-online\.target( |$)' "$worker_unit" ||
  fail "waybill-worker@.service: not After=network-online.target"
has "$worker_unit" CacheDirectory=waybill
grep -qE '^ExecStart=.* --name [^ ]*%i( |$)' "$worker_unit" ||
  fail "waybill-worker@.service: --name does not carry the instance name %i"
grep -qE '^ExecStart=.* --cache-dir \$\{WAYBILL_CACHE_DIR\}( |$)' "$worker_unit" ||
  fail "waybill-worker@.service: --cache-dir is not \${WAYBILL_CACHE_DIR}"
grep -qx 'WAYBILL_CACHE_DIR=/var/cache/waybill' "$env_file" ||
  fail "waybill.env: WAYBILL_CACHE_DIR is not the units' CacheDirectory, /var/cache/waybill"

for u in waybill-dispatcher.service waybill-worker@1.service; do
  if out=$(cd "$tmp/ok" && systemd-analyze security --offline=true --threshold=25 --no-pager \
    "./$u" 2>&1); then
    pass "$(grep -o 'Overall exposure level.*' <<<"$out" || echo "$u: security")"
  else
    fail "$u: systemd-analyze security rates it above 2.5: $(grep -o 'Overall.*' <<<"$out")"
  fi
done
if [[ $failures == 0 ]]; then pass "hardening settings present"; fi

# ---- 3. options ------------------------------------------------------------------------------------
# The environment file, read as systemd reads it: VAR=value or VAR="value with spaces".
declare -A env=()
n=0
while IFS= read -r line || [[ -n $line ]]; do
  n=$((n + 1))
  [[ -z ${line//[[:space:]]/} || $line =~ ^[[:space:]]*# ]] && continue
  if [[ $line =~ ^([A-Z_][A-Z0-9_]*)=\"([^\"]*)\"$ ]] || [[ $line =~ ^([A-Z_][A-Z0-9_]*)=([^\"\'[:space:]]*)$ ]]; then
    env[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
  else
    fail "waybill.env:$n: not VAR=value or VAR=\"value\": $line"
  fi
done <"$env_file"

used=() # the variables of waybill.env the units use
# expand UNIT INSTANCE: prints ExecStart's arguments as "arg WORD" lines, expanded as systemd
# does (%H, %i, %%; ${VAR} is one argument, $VAR alone is split at spaces into zero or more
# arguments), "use VAR" for each variable used and "err MESSAGE" for each problem.
expand() {
  local cmd word name value
  set -f # a value such as tcp://*:7411 is not a glob
  cmd=$(sed -n 's/^ExecStart=//p' "$1")
  [[ $cmd != *\"* && $cmd != *\'* && $cmd != *\\* ]] ||
    echo "err ExecStart uses quoting or escapes, which this test does not expand"
  cmd=${cmd//%H/$(hostname)}
  cmd=${cmd//%i/$2}
  cmd=${cmd//%%/%}
  for word in $cmd; do
    if [[ $word =~ ^\$([A-Z_][A-Z0-9_]*)$ ]]; then
      name=${BASH_REMATCH[1]}
      [[ -v env[$name] ]] || echo "err \$$name is not set in waybill.env"
      echo "use $name"
      for value in ${env[$name]:-}; do echo "arg $value"; done
      continue
    fi
    while [[ $word =~ \$\{([A-Z_][A-Z0-9_]*)\} ]]; do
      name=${BASH_REMATCH[1]}
      [[ -n ${env[$name]:-} ]] || echo "err \${$name} is empty or not set in waybill.env"
      echo "use $name"
      word=${word//"\${$name}"/"${env[$name]:-}"}
    done
    echo "arg $word"
  done
}

# check_options UNIT BINARY: ExecStart's options, with the extra options of waybill.env, are
# listed by the binary's --help and accepted by it.
check_options() {
  local unit=$1 binary=$2 l args=() help opt status=0
  while IFS= read -r l; do
    case $l in
      use\ *) used+=("${l#use }") ;;
      arg\ *) args+=("${l#arg }") ;;
      err\ *) fail "$(basename "$unit"): ${l#err }" ;;
    esac
  done < <(expand "$unit" 1)
  [[ ${args[0]:-} == /usr/local/bin/$binary ]] ||
    fail "$(basename "$unit"): ExecStart runs '${args[0]:-}', not /usr/local/bin/$binary"
  help=$("$bin/$binary" --help)
  for opt in "${args[@]:1}"; do
    [[ $opt == --* ]] || continue
    grep -qE -- "^ +(-[a-z] \[ )?${opt%%=*}( |\]|$)" <<<"$help" ||
      fail "$(basename "$unit"): $binary --help does not list $opt"
  done
  # The whole command line with --help appended exits 0 only if every option and value parses
  # (an unknown option or a malformed number is exit 2); nothing is started.
  "$bin/$binary" "${args[@]:1}" --help >/dev/null 2>"$tmp/stderr" || status=$?
  if [[ $status == 0 ]]; then
    pass "$(basename "$unit"): $binary accepts ${args[*]:1}"
  else
    fail "$(basename "$unit"): $binary refuses its ExecStart (exit $status): $(cat "$tmp/stderr")"
  fi
}
check_options "$dispatcher_unit" waybill-dispatcher
check_options "$worker_unit" waybill-worker

for name in "${!env[@]}"; do
  [[ " ${used[*]} " == *" $name "* ]] || fail "waybill.env sets $name, which no unit uses"
done

if [[ $failures == 0 ]]; then
  echo "systemd units: OK"
else
  echo "systemd units: $failures failure(s)" >&2
  exit 1
fi
