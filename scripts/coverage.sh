#!/usr/bin/env bash
# make coverage: builds the project with gcov instrumentation in its own
# folder, runs the whole suite (the server binaries the integration tests
# start write their counts at exit too), and reports line coverage of
# internal/ and pkg/. Fails below COVERAGE_MIN percent (80, the PR policy).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${COVERAGE_BUILD_DIR:-build-coverage}
MIN=${COVERAGE_MIN:-80}
JOBS=${JOBS:-$(nproc)}

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS="--coverage -O0" -DCMAKE_EXE_LINKER_FLAGS=--coverage >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS"
find "$BUILD_DIR" -name '*.gcda' -delete
(cd "$BUILD_DIR" && ctest --output-on-failure)

gcovr --root . --object-directory "$BUILD_DIR" --filter 'internal/' --filter 'pkg/' \
  --exclude-unreachable-branches --print-summary --txt "$BUILD_DIR/coverage.txt" \
  --fail-under-line "$MIN" -j "$JOBS"
echo "coverage: per-file report in $BUILD_DIR/coverage.txt"
