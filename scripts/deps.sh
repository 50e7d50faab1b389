#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs. Idempotent and quick when
# everything is present (one dpkg-query per package); uses sudo when not root.
#   scripts/deps.sh           what `make run` and `make test` need
#   scripts/deps.sh dev       also lint, coverage and fuzzing tools
#   scripts/deps.sh --list build|servers|browser|dev   print one group, one per line
# Also fetches the browser test's npm packages (tests/browser/package-lock.json).
# deploy/docker/Dockerfile installs BUILD_PACKAGES verbatim (a test checks it).
set -euo pipefail

BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config git openssl ca-certificates
  libgrpc++-dev libgrpc-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  golang-github-grpc-ecosystem-grpc-gateway-dev
  libssl-dev libcpp-jwt-dev libboost-dev libboost-system-dev
  libspdlog-dev libyaml-cpp-dev nlohmann-json3-dev prometheus-cpp-dev
  librdkafka-dev libpqxx-dev libpq-dev libhiredis-dev libqrencode-dev libpng-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev libcurl4-openssl-dev
)
# Servers and clients the local run, the tests and the benchmarks start.
SERVER_PACKAGES=(postgresql redis-server kcat wrk nghttp2-client curl)
# The floor page's browser test: Debian's chromium, driven from node by
# playwright-core (pinned in tests/browser/package-lock.json).
BROWSER_PACKAGES=(chromium)
# make lint, make coverage, make fuzz.
DEV_PACKAGES=(clang-format clang-tidy-16 clang-16 libclang-rt-16-dev cppcheck lcov ccache)

if [ "${1:-}" = "--list" ]; then
  case "${2:-}" in
    build) printf '%s\n' "${BUILD_PACKAGES[@]}" ;;
    servers) printf '%s\n' "${SERVER_PACKAGES[@]}" ;;
    browser) printf '%s\n' "${BROWSER_PACKAGES[@]}" ;;
    dev) printf '%s\n' "${DEV_PACKAGES[@]}" ;;
    *) echo "usage: $0 --list build|servers|browser|dev" >&2; exit 2 ;;
  esac
  exit 0
fi

wanted=("${BUILD_PACKAGES[@]}" "${SERVER_PACKAGES[@]}" "${BROWSER_PACKAGES[@]}")
if [ "${1:-}" = "dev" ]; then wanted+=("${DEV_PACKAGES[@]}"); fi

missing=()
for package in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
# Node and npm from Debian unless a node with npm is there already (another
# packaging of node conflicts with Debian's npm package).
if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The browser test's packages, exactly as locked; again only when the lock
# file changed since the last install.
browser_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
stamp="$browser_dir/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$browser_dir/package-lock.json" -nt "$stamp" ]; then
  echo "deps: npm ci in tests/browser"
  (cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
