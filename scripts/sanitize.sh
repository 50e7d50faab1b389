#!/usr/bin/env bash
# make sanitize: the suite under sanitizers, each instrumented build serving
# more than one gate so CI builds as few trees as it can:
#   1. build-coverage/: gcov + AddressSanitizer + UndefinedBehaviorSanitizer,
#      the whole suite (unit, integration, security; the server binaries the
#      integration tests start are instrumented too), then the coverage
#      report and its gate (scripts/coverage.sh --report-only).
#   2. build-tsan/: ThreadSanitizer, the unit tests (the integration tests'
#      servers would need every library rebuilt with TSan to mean anything).
# Any sanitizer report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
what=${1:-all}

# halt_on_error: the first report ends the process with a failure, so a test
# cannot pass over it. Leaks are reported at exit.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/sanitizers/tsan.supp}

if [ "$what" = all ] || [ "$what" = address ]; then
  started=$SECONDS
  scripts/coverage.sh --sanitize
  echo "sanitize: ASan/UBSan tree, suite and coverage gate took $((SECONDS - started)) s"
fi

if [ "$what" = all ] || [ "$what" = thread ]; then
  started=$SECONDS
  TSAN_DIR=${TSAN_BUILD_DIR:-build-tsan}
  # -Wno-tsan: g++ 12 warns (an error under -Werror) that TSan cannot model
  # the atomic_thread_fence inside Boost.Asio's headers; nothing of ours.
  cmake -S . -B "$TSAN_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan" -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread >/dev/null
  cmake --build "$TSAN_DIR" --target unit_tests -j "$JOBS"
  echo "sanitize: TSan build of the unit tests took $((SECONDS - started)) s"
  # Not the suites that drive gRPC's own threads in-process (a server and
  # client, or a channel's life and gRPC's clean-up):
  # Debian's libgrpc is not built with TSan, so every hand-off between its
  # threads (inline in grpcpp's headers, in our binary) reads as a race. They
  # run under ASan/UBSan above, and the integration suite drives the server.
  "$TSAN_DIR"/tests/unit_tests --gtest_brief=1 --gtest_filter='-AdminGrpcServiceTest.*:RpcRolesOverGrpcTest.*:GrpcReleased.*'
  echo "sanitize: unit tests clean under ThreadSanitizer ($((SECONDS - started)) s with the build)"
fi
