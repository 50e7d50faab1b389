#!/usr/bin/env bash
# scripts/check_layers.sh must pass on the tree and fail on each kind of
# include that crosses a layer: planted, one at a time, into a copy of
# internal/ and pkg/. A case the check lets through fails this test.
#
#   tests/check_layers_test.sh SOURCE_DIR
set -euo pipefail
repo=$(cd "${1:-$(dirname "$0")/..}" && pwd)
check="$repo/scripts/check_layers.sh"
copy=$(mktemp -d "${TMPDIR:-/tmp}/cid-layers-XXXXXX")
trap 'rm -rf "$copy"' EXIT
cp -r "$repo/internal" "$repo/pkg" "$copy/"

failures=0
"$check" "$copy" >/dev/null 2>&1 || { echo "check_layers_test: the tree itself does not pass"; failures=1; }

# expect_caught WHAT: the check must fail on the copy as it is now.
expect_caught() {
  if "$check" "$copy" >/dev/null 2>&1; then
    echo "check_layers_test: not caught: $1"
    failures=$((failures + 1))
  else
    echo "check_layers_test: caught: $1"
  fi
}

# plant FILE LINE: the check must fail with LINE at the top of FILE.
plant() {
  local file=$1 line=$2
  cp "$copy/$file" "$copy/$file.orig"
  printf '%s\n' "$line" | cat - "$copy/$file.orig" >"$copy/$file"
  expect_caught "$file <- $line"
  mv "$copy/$file.orig" "$copy/$file"
}

plant internal/domain/entities/zone.h '#include <grpcpp/grpcpp.h>'
plant internal/domain/entities/zone.h '#include "customer_id.pb.h"'
plant internal/domain/entities/zone.h '#include "application/ports/clock_port.h"'
plant internal/application/ports/clock_port.h '#include "customer_id.grpc.pb.h"'
plant internal/application/ports/clock_port.h '#include "infrastructure/db/pg_pool.h"'
plant internal/application/ports/clock_port.h '#include <pqxx/pqxx>'
plant internal/auth/jwt.h '#include "infrastructure/grpc/worker_pool.h"'
plant internal/config/config.h '#include "service/wiring.h"'
plant internal/infrastructure/db/pg_pool.h '#include "service/wiring.h"'
plant internal/infrastructure/db/pg_pool.h '#include <service/wiring.h>'
# Adapter folders: kafka may use db, codec, logging; not grpc. codec uses none.
plant internal/infrastructure/kafka/kafka_publisher.h '#include "infrastructure/grpc/worker_pool.h"'
plant internal/infrastructure/kafka/kafka_publisher.h '#include <infrastructure/grpc/worker_pool.h>'
plant internal/infrastructure/kafka/kafka_publisher.h '#include "../grpc/worker_pool.h"'
plant internal/infrastructure/codec/event_codec.h '#include "infrastructure/db/pg_pool.h"'
plant pkg/util/hex.h '#include "domain/error.h"'
plant pkg/util/hex.h '#include "customer_id.pb.h"'
# A new adapter folder without its entry.
mkdir -p "$copy/internal/infrastructure/newengine"
touch "$copy/internal/infrastructure/newengine/adapter.cpp"
expect_caught "an adapter folder with no may_use entry"

[ "$failures" -eq 0 ] || { echo "check_layers_test: $failures case(s) failed"; exit 1; }
echo "check_layers_test: every planted include was caught"
