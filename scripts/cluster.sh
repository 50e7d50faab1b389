#!/usr/bin/env bash
# `make cluster`: the several-instance setup on loopback, from the project's
# own pieces: PostgreSQL (scripts/postgres.sh), a Redis Cluster of 3 masters
# and 3 replicas (scripts/redis_cluster.sh; CLUSTER_REDIS=single: scripts/redis.sh), the
# embedded Kafka with 3 brokers (devkafka), 3 customer-id instances and HAProxy
# in front of them (deploy/haproxy/haproxy.cfg). Prints how to call it, then
# runs until Ctrl-C and stops everything it started (by PID).
#
#   scripts/cluster.sh            start, print the calls, wait for Ctrl-C
#   scripts/cluster.sh --check    start, make the README's call through HAProxy, stop;
#                                 exits 0 only if the call was answered
#
# Ports (all 127.0.0.1, override with the variables): HAProxy gRPC 21443 and
# HTTPS/JSON 9443; instance k gRPC 2144(3+k), HTTPS 944(3+k); PostgreSQL
# 25433; the Redis Cluster's six nodes 16381-16386 and their bus ports
# 26381-26386 (one Redis: 16380). Data in .local/cluster/.
# Every default lies below Linux's ephemeral range (32768-60999): a port there
# may be held at any moment by an outgoing connection or by a server another
# program started on port 0, and the start would then fail at random.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/devkafka.sh
source scripts/lib/devkafka.sh

BUILD_DIR=${BUILD_DIR:-build}
LB_GRPC_PORT=${LB_GRPC_PORT:-21443}
LB_HTTPS_PORT=${LB_HTTPS_PORT:-9443}
INSTANCE_GRPC_BASE=${INSTANCE_GRPC_BASE:-21443}
INSTANCE_HTTPS_BASE=${INSTANCE_HTTPS_BASE:-9443}
POSTGRES_PORT=${POSTGRES_PORT:-25433}
REDIS_PORT=${REDIS_PORT:-16380}
# Six nodes from here; each also listens on its port + 10000 (the cluster bus).
REDIS_CLUSTER_PORT=${REDIS_CLUSTER_PORT:-16381}
INSTANCES=3
DIR=.local/cluster
KEYS=internal/config/keys/dev
TOPIC=tastesync.customer-id.events.v1

check=false
case "${1:-}" in
  --check) check=true ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

say() { echo "cluster: $*" >&2; }

# Before anything starts: each port this script's own servers will listen on
# must be free, so a clash is named up front instead of as one instance's
# failed start halfway through. (PostgreSQL and Redis check their own.)
# shellcheck source=scripts/lib/server_pids.sh
source scripts/lib/server_pids.sh
for port in "$LB_GRPC_PORT" "$LB_HTTPS_PORT" \
  $(seq $((INSTANCE_GRPC_BASE + 1)) $((INSTANCE_GRPC_BASE + INSTANCES))) \
  $(seq $((INSTANCE_HTTPS_BASE + 1)) $((INSTANCE_HTTPS_BASE + INSTANCES))); do
  if port_in_use "$port"; then
    say "port $port on 127.0.0.1 is in use by another process (choose others: LB_GRPC_PORT, LB_HTTPS_PORT, INSTANCE_GRPC_BASE, INSTANCE_HTTPS_BASE)"
    exit 1
  fi
done

if [ ! -f internal/config/config.yaml ]; then
  cp internal/config/config.yaml.example internal/config/config.yaml
  say "created internal/config/config.yaml from config.yaml.example"
fi
mkdir -p "$DIR"
chmod 755 .local "$DIR" # PostgreSQL runs as its own user and must reach its data dir

# Everything started here, stopped by PID (the scripts stop their servers by
# the PID files in their data directories).
instance_pids=()
haproxy_pid=""
devkafka_pid=""
redis_mode=""
stop_all() {
  trap - EXIT INT TERM
  [ -z "$haproxy_pid" ] || kill "$haproxy_pid" 2>/dev/null || true
  for pid in "${instance_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${instance_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -z "$devkafka_pid" ] || kill "$devkafka_pid" 2>/dev/null || true
  case "$redis_mode" in
    cluster) scripts/redis_cluster.sh stop "$DIR/redis-cluster" >/dev/null 2>&1 || true ;;
    single) scripts/redis.sh stop "$DIR/redis" >/dev/null 2>&1 || true ;;
  esac
  scripts/postgres.sh stop "$DIR/postgres" >/dev/null 2>&1 || true
  say "stopped"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

postgres_url=$(scripts/postgres.sh start "$DIR/postgres" "$POSTGRES_PORT")

# Redis: the 6-node cluster (redis.cluster_nodes); CLUSTER_REDIS=single runs
# one server instead (redis.url), to tell a cluster problem from another.
redis_env=()
if [ "${CLUSTER_REDIS:-cluster}" = cluster ]; then
  redis_mode=cluster
  scripts/redis_cluster.sh start "$DIR/redis-cluster" "$REDIS_CLUSTER_PORT"
  redis_nodes=$(cat "$DIR/redis-cluster/nodes")
  redis_env=(CUSTOMER_ID_REDIS_CLUSTER_NODES="$redis_nodes")
  redis_text="Redis Cluster (3 masters, 3 replicas) $redis_nodes"
else
  redis_mode=single
  redis_url=$(scripts/redis.sh start "$DIR/redis" "$REDIS_PORT")
  redis_env=(CUSTOMER_ID_REDIS_URL="$redis_url")
  redis_text="Redis $redis_url (one server: CLUSTER_REDIS=single)"
fi

# The embedded Kafka, 3 brokers; stopped after the instances (stop_all).
start_devkafka "$BUILD_DIR"/devkafka "$DIR" --brokers 3 --partitions 3
kafka_brokers=$devkafka_bootstrap

ready() { curl -sf --cacert "$KEYS/ca.crt" "https://localhost:$1/readyz" >/dev/null 2>&1; }
wait_ready() {
  local port=$1 pid=$2 log=$3
  for _ in $(seq 300); do
    ready "$port" && return 0
    kill -0 "$pid" 2>/dev/null || { say "instance on :$port exited; its log:"; tail -n 20 "$log" >&2; return 1; }
    sleep 0.1
  done
  say "instance on :$port not ready after 30 s (log: $log)"
  return 1
}

# One after another: the first applies the migrations and seeds the demo store.
for k in $(seq 1 $INSTANCES); do
  grpc_port=$((INSTANCE_GRPC_BASE + k))
  https_port=$((INSTANCE_HTTPS_BASE + k))
  log="$DIR/instance-$k.log"
  env CUSTOMER_ID_POSTGRES_URL="$postgres_url" "${redis_env[@]}" CUSTOMER_ID_KAFKA_BROKERS="$kafka_brokers" \
    CUSTOMER_ID_GRPC_LISTEN="127.0.0.1:$grpc_port" CUSTOMER_ID_HTTP_LISTEN="127.0.0.1:$https_port" \
    "$BUILD_DIR"/customer-id --config internal/config/config.yaml >"$log" 2>&1 &
  instance_pids+=($!)
  wait_ready "$https_port" "$!" "$log"
  say "instance $k: gRPC 127.0.0.1:$grpc_port, HTTPS 127.0.0.1:$https_port (log $log)"
done

# HAProxy terminates TLS with the dev certificate (certificate and key in one
# file, kept in the gitignored .local/) and re-encrypts to the instances.
(umask 077 && cat "$KEYS/server.crt" "$KEYS/server.key" >"$DIR/lb.pem")
lb_env=(CID_LB_GRPC="127.0.0.1:$LB_GRPC_PORT" CID_LB_HTTPS="127.0.0.1:$LB_HTTPS_PORT"
  CID_LB_CERT="$DIR/lb.pem" CID_LB_CA="$KEYS/ca.crt")
for k in $(seq 1 $INSTANCES); do
  lb_env+=("CID_INSTANCE_${k}_GRPC=127.0.0.1:$((INSTANCE_GRPC_BASE + k))"
    "CID_INSTANCE_${k}_HTTPS=127.0.0.1:$((INSTANCE_HTTPS_BASE + k))")
done
env "${lb_env[@]}" haproxy -db -f deploy/haproxy/haproxy.cfg >"$DIR/haproxy.log" 2>&1 &
haproxy_pid=$!
# Up once it passes a call on and its health checks have seen the instances.
admin_token=$("$BUILD_DIR"/customer-idctl token --customer cluster-admin --role admin)
for _ in $(seq 150); do
  curl -sf --cacert "$KEYS/ca.crt" -H "authorization: Bearer $admin_token" \
    "https://localhost:$LB_HTTPS_PORT/v1/stores/demo-bistro/presence" >/dev/null 2>&1 && break
  kill -0 "$haproxy_pid" 2>/dev/null || { say "haproxy exited:"; cat "$DIR/haproxy.log" >&2; exit 1; }
  sleep 0.1
done
sleep 1.5

say "PostgreSQL $postgres_url"
say "$redis_text"
say "Kafka (3 brokers) $kafka_brokers, topic $TOPIC"
say "HAProxy: gRPC localhost:$LB_GRPC_PORT, HTTPS/JSON https://localhost:$LB_HTTPS_PORT (log $DIR/haproxy.log)"
cat >&2 <<EOF
cluster: one call through HAProxy (x-routing-key picks the instance; without it, the token):
  $BUILD_DIR/customer-idctl identify --server localhost:$LB_GRPC_PORT --token "\$($BUILD_DIR/customer-idctl token --customer alice)" --beacons 100:3:-52,100:1:-78,100:0:-85
cluster: the same over HTTPS/JSON, a table QR this time:
  curl --cacert $KEYS/ca.crt -H "authorization: Bearer \$($BUILD_DIR/customer-idctl token --customer alice)" -H 'x-routing-key: alice' \\
    https://localhost:$LB_HTTPS_PORT/v1/identify -d "{\"requestId\":\"r-1\",\"tableQr\":\"\$($BUILD_DIR/customer-idctl qr --store demo-bistro --zone table-2)\"}"
EOF

if $check; then
  answer=$("$BUILD_DIR"/customer-idctl identify --server "localhost:$LB_GRPC_PORT" \
    --token "$("$BUILD_DIR"/customer-idctl token --customer alice)" --beacons 100:3:-52,100:1:-78,100:0:-85)
  echo "$answer"
  grep -q '"zoneId"' <<<"$answer"
  exit 0
fi
say "Ctrl-C stops everything"
wait "$haproxy_pid" || true
