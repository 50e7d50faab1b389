#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs. Idempotent and quick when
# everything is present (one dpkg-query per package); uses sudo when not root.
#   scripts/deps.sh           what `make run` and `make test` need
#   scripts/deps.sh dev       also lint, coverage and fuzzing tools
#   scripts/deps.sh bench     also what `make bench` draws its plot with
#   scripts/deps.sh --list build|servers|browser|dev|bench   print one group, one per line
# Then the JavaScript tools the tests use (package.json, pinned in
# package-lock.json) with npm ci, when node_modules is missing or older.
# deploy/docker/Dockerfile installs BUILD_PACKAGES verbatim (a test checks it).
set -euo pipefail

BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config git openssl ca-certificates
  libgrpc++-dev libgrpc-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  golang-github-grpc-ecosystem-grpc-gateway-dev
  libssl-dev libcpp-jwt-dev libboost-dev libboost-system-dev
  libspdlog-dev libyaml-cpp-dev nlohmann-json3-dev prometheus-cpp-dev
  librdkafka-dev libpqxx-dev libpq-dev libhiredis-dev libqrencode-dev libpng-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev libcurl4-openssl-dev libcli11-dev libjemalloc-dev
)
# Servers and clients the local run, the tests and the benchmarks start.
SERVER_PACKAGES=(postgresql redis-server haproxy kcat wrk nghttp2-client curl)
# The floor page's browser test: Debian's chromium, driven from node by
# playwright-core (package.json).
BROWSER_PACKAGES=(chromium)
# make lint, make coverage, make fuzz.
DEV_PACKAGES=(clang-format clang-tidy-16 clang-16 libclang-rt-16-dev cppcheck lcov ccache)
# make bench: gnuplot draws the latency-vs-throughput plot (SVG) into docs/images.
BENCH_PACKAGES=(gnuplot-nox)

if [ "${1:-}" = "--list" ]; then
  case "${2:-}" in
    build) printf '%s\n' "${BUILD_PACKAGES[@]}" ;;
    servers) printf '%s\n' "${SERVER_PACKAGES[@]}" ;;
    browser) printf '%s\n' "${BROWSER_PACKAGES[@]}" ;;
    dev) printf '%s\n' "${DEV_PACKAGES[@]}" ;;
    bench) printf '%s\n' "${BENCH_PACKAGES[@]}" ;;
    *) echo "usage: $0 --list build|servers|browser|dev|bench" >&2; exit 2 ;;
  esac
  exit 0
fi

wanted=("${BUILD_PACKAGES[@]}" "${SERVER_PACKAGES[@]}" "${BROWSER_PACKAGES[@]}")
if [ "${1:-}" = "dev" ]; then wanted+=("${DEV_PACKAGES[@]}"); fi
if [ "${1:-}" = "bench" ]; then wanted+=("${BENCH_PACKAGES[@]}"); fi

missing=()
for package in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
# Node.js may come from elsewhere (its own package bundles npm); Debian's
# nodejs and npm only when there is none.
if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
