#!/usr/bin/env bash
# `make run`: serves the demo store on the embedded defaults from the repo
# root: local PostgreSQL and Redis in .local/ on the project's ports (started
# here, stopped again when the service exits), config from the example on
# first run.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/devkafka.sh
source scripts/lib/devkafka.sh

if [ ! -f internal/config/config.yaml ]; then
  cp internal/config/config.yaml.example internal/config/config.yaml
  echo "run: created internal/config/config.yaml from config.yaml.example"
fi

BUILD_DIR=${BUILD_DIR:-build}
POSTGRES_PORT=${POSTGRES_PORT:-55432}
REDIS_PORT=${REDIS_PORT:-56379}
mkdir -p .local
chmod 755 .local  # PostgreSQL runs as its own user and must reach its data dir

devkafka_pid=""
stop_servers() {
  if [ -n "$devkafka_pid" ]; then kill "$devkafka_pid" 2>/dev/null || true; fi
  scripts/redis.sh stop .local/redis >/dev/null 2>&1 || true
  scripts/postgres.sh stop .local/postgres >/dev/null 2>&1 || true
}
trap stop_servers EXIT

CUSTOMER_ID_POSTGRES_URL=${CUSTOMER_ID_POSTGRES_URL:-$(scripts/postgres.sh start .local/postgres "$POSTGRES_PORT")}
CUSTOMER_ID_REDIS_URL=${CUSTOMER_ID_REDIS_URL:-$(scripts/redis.sh start .local/redis "$REDIS_PORT")}
if [ -z "${CUSTOMER_ID_KAFKA_BROKERS:-}" ]; then
  # The embedded broker: librdkafka's mock cluster, real Kafka protocol; the
  # trap stops it after the service. Several partitions, events keyed by
  # store: each store's events in order on one of them (docs/design.md,
  # "Partitioned ledger and relays").
  start_devkafka "$BUILD_DIR"/devkafka .local --partitions "${KAFKA_PARTITIONS:-6}"
  CUSTOMER_ID_KAFKA_BROKERS=$devkafka_bootstrap
fi
export CUSTOMER_ID_POSTGRES_URL CUSTOMER_ID_REDIS_URL CUSTOMER_ID_KAFKA_BROKERS
echo "run: PostgreSQL at $CUSTOMER_ID_POSTGRES_URL, Redis at $CUSTOMER_ID_REDIS_URL, Kafka at $CUSTOMER_ID_KAFKA_BROKERS"
echo "run: follow events with: kcat -C -b $CUSTOMER_ID_KAFKA_BROKERS -t tastesync.customer-id.events.v1 -f '%k %h\\n'"
# A development staff token in the fragment, as the platform's sign-in would hand it over.
staff_token=$("$BUILD_DIR"/customer-idctl token --customer waiter --role staff --store demo-bistro 2>/dev/null || true)
echo "run: the floor page of the demo store: https://localhost:8443/floor/#token=$staff_token"

# Not exec: the trap above stops the servers when the service exits (Ctrl-C).
"$BUILD_DIR"/customer-id --config internal/config/config.yaml "$@" &
service=$!
trap 'kill -TERM $service 2>/dev/null || true' INT TERM
wait $service || true
wait $service 2>/dev/null || true
