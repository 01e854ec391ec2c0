#!/usr/bin/env bash
# Install the Debian packages Waybill needs, and any named as arguments (ops/bench adds its
# plotter). Idempotent: silent and quick when all are present.
# We never use the system PostgreSQL cluster ("main") that the Debian package may create; the
# scripts run a private one under .run/pg (see lib.sh), so it does not matter if "main" is up.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config g++ zlib1g-dev
  libboost-graph-dev libboost-program-options-dev libboost-iostreams1.74-dev libzstd-dev
  libpqxx-dev libosmium2-dev
  libzmq3-dev cppzmq-dev capnproto libcapnp-dev libssl-dev libcsv-dev libabsl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcairo2-dev nlohmann-json3-dev libcpp-httplib-dev
  prometheus chromium
  postgresql-15 postgresql-15-pgrouting
  postgresql-15-auto-failover # pg_autoctl: ops/ha.sh, the failover chaos run
  python3 ca-certificates
  iproute2 # ip, ss, tc: ops/hosts.sh's namespaces and links, ops/bench's byte counters
  systemd # systemd-analyze: tests/ops checks ops/systemd/ with it (no running systemd needed)
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
done
((${#missing[@]} > 0)) || exit 0

if ((EUID == 0)); then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  echo "error: missing packages: ${missing[*]}" >&2
  echo "       run ops/install-deps.sh as root, or install sudo" >&2
  exit 1
fi

echo "==> installing: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
