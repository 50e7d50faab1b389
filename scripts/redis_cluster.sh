#!/usr/bin/env bash
# A project-local Redis Cluster (3 masters + 3 replicas) for development and tests.
#
#   scripts/redis_cluster.sh start DIR BASE_PORT   six nodes on 127.0.0.1:BASE_PORT..BASE_PORT+5
#   scripts/redis_cluster.sh stop DIR              stop every node whose PID is under DIR
#
# start prints nothing but errors; it returns once every node reports
# cluster_state:ok and every replica is in sync with its master, and writes the
# seed list `127.0.0.1:<p1>,...,127.0.0.1:<p6>` to DIR/nodes (the value of
# redis.cluster_nodes). Node N keeps its config, log and PID in DIR/<port>/, so
# a test can kill one master by the PID in DIR/<port>/redis.pid.
#
# Dev/test settings, as in scripts/redis.sh: no persistence (presence is a
# cache the PostgreSQL ledger can rebuild), loopback only, and a short
# cluster-node-timeout so a killed master's replica takes over in seconds.
# A start on a DIR whose nodes are not all running begins a fresh cluster.
set -euo pipefail
# shellcheck source=scripts/lib/server_pids.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/server_pids.sh"

NODE_COUNT=6
NODE_TIMEOUT_MS=${REDIS_CLUSTER_NODE_TIMEOUT_MS:-1500}

die() {
  echo "redis_cluster.sh: $*" >&2
  exit 1
}
usage() { die "usage: $0 start DIR BASE_PORT | stop DIR"; }

[ $# -ge 2 ] || usage
command=$1
case "$command" in
  start)
    [ $# -eq 3 ] || usage
    mkdir -p "$2"
    ;;
  stop) [ -d "$2" ] || exit 0 ;;
  *) usage ;;
esac
dir=$(cd "$2" && pwd)

# The PID recorded for the node in $1 (its directory), if it is a live redis-server.
node_pid() { pid_of "$1/redis.pid" redis-server; }

node_dirs() { find "$dir" -mindepth 1 -maxdepth 1 -type d -regex '.*/[0-9]+' | sort; }

stop_all() {
  local node pid
  for node in $(node_dirs); do
    pid=$(node_pid "$node") || continue
    kill "$pid" 2>/dev/null || true
  done
  for node in $(node_dirs); do
    pid=$(node_pid "$node") || continue
    stop_pid "$pid"
  done
  for node in $(node_dirs); do rm -f "$node/redis.pid"; done
}

cli() {
  local port=$1
  shift
  redis-cli -h 127.0.0.1 -p "$port" "$@" 2>/dev/null | tr -d '\r'
}

start_node() {
  local port=$1 node="$dir/$1"
  rm -rf "$node"
  mkdir -p "$node"
  cat >"$node/redis.conf" <<EOF
bind 127.0.0.1
protected-mode yes
port $port
daemonize yes
dir $node
pidfile $node/redis.pid
logfile $node/redis.log
save ""
appendonly no
cluster-enabled yes
cluster-config-file $node/nodes.conf
cluster-node-timeout $NODE_TIMEOUT_MS
EOF
  redis-server "$node/redis.conf" >/dev/null || die "redis-server on port $port did not start; see $node/redis.log"
}

# Every node answers, says cluster_state:ok, and every replica's link to its
# master is up (so a master killed right after start has a replica to take over).
cluster_ready() {
  local port info
  for port in "$@"; do
    [ "$(cli "$port" cluster info | sed -n 's/^cluster_state://p')" = ok ] || return 1
    info=$(cli "$port" info replication)
    if grep -q '^role:slave' <<<"$info"; then
      grep -q '^master_link_status:up' <<<"$info" || return 1
    fi
  done
}

wait_for() {
  local what=$1 tries=$2
  shift 2
  for _ in $(seq 1 "$tries"); do
    "$@" && return 0
    sleep 0.1
  done
  die "timed out waiting for $what"
}

answers_ping() {
  local port
  for port in "$@"; do [ "$(cli "$port" ping)" = PONG ] || return 1; done
}

start() {
  local base=$1 ports=() port seeds="" running=0
  # Each node also listens on its cluster bus port, port + 10000.
  local highest=$((65535 - 10000 - NODE_COUNT + 1))
  if ! [[ "$base" =~ ^[0-9]+$ ]] || [ "$base" -lt 1024 ] || [ "$base" -gt "$highest" ]; then
    die "BASE_PORT must be a number from 1024 to $highest, got '$base'"
  fi
  command -v redis-server >/dev/null || die "redis-server not found (apt-get install redis-server)"
  for i in $(seq 0 $((NODE_COUNT - 1))); do
    ports+=($((base + i)))
  done
  for port in "${ports[@]}"; do
    if node_pid "$dir/$port" >/dev/null; then running=$((running + 1)); fi
  done
  if [ "$running" -ne "$NODE_COUNT" ]; then
    # Partly running or not at all: start over from nothing (no persistence).
    stop_all
    for port in "${ports[@]}"; do
      port_in_use "$port" && die "port $port is in use by another process"
      port_in_use $((port + 10000)) && die "cluster bus port $((port + 10000)) is in use by another process"
    done
    for port in "${ports[@]}"; do start_node "$port"; done
    wait_for "nodes to answer PING" 100 answers_ping "${ports[@]}"
    local addresses=()
    for port in "${ports[@]}"; do addresses+=("127.0.0.1:$port"); done
    redis-cli --cluster create "${addresses[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 ||
      die "redis-cli --cluster create failed; see $dir/create.log"
  fi
  wait_for "cluster_state:ok on every node" 600 cluster_ready "${ports[@]}"
  for port in "${ports[@]}"; do seeds="${seeds:+$seeds,}127.0.0.1:$port"; done
  echo "$seeds" >"$dir/nodes"
}

case "$command" in
  start) start "$3" ;;
  stop) stop_all ;;
esac
