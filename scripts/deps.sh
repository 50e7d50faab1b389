#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs. Idempotent and quick when
# everything is present (one dpkg-query); uses sudo when not root.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git openssl ca-certificates
  libgrpc++-dev libgrpc-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  golang-github-grpc-ecosystem-grpc-gateway-dev
  libssl-dev libcpp-jwt-dev libboost-dev libboost-system-dev
  libspdlog-dev libyaml-cpp-dev nlohmann-json3-dev prometheus-cpp-dev
  librdkafka-dev kcat libpqxx-dev libpq-dev libhiredis-dev libqrencode-dev libpng-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev libcurl4-openssl-dev
  postgresql redis-server wrk nghttp2-client
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
