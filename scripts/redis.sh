#!/usr/bin/env bash
# A project-local Redis for development and tests.
#
#   scripts/redis.sh start DATA_DIR [PORT]   start (or find running) and print redis://127.0.0.1:PORT
#   scripts/redis.sh stop DATA_DIR           stop the server whose PID is in DATA_DIR/redis.pid
#   scripts/redis.sh url DATA_DIR            print the URL of the server in DATA_DIR
#
# Only the URL goes to stdout (callers capture it); everything else to stderr.
# The port is PORT if given, else the one recorded in DATA_DIR/port (so a
# restarted server comes back where its clients expect it), else a free one.
#
# Dev/test settings: no persistence at all (`save ""`, `appendonly no`):
# presence is a cache with a 1 h TTL that the PostgreSQL visit ledger can
# rebuild, so a restart losing it is acceptable here. Production runs a
# managed Redis (Cluster) with its own persistence and replication policy.
set -euo pipefail
# shellcheck source=scripts/lib/server_pids.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/server_pids.sh"

usage() {
  echo "usage: $0 start DATA_DIR [PORT] | stop DATA_DIR | url DATA_DIR" >&2
  exit 2
}

log() { echo "redis.sh: $*" >&2; }

[ $# -ge 2 ] || usage
command=$1
case "$command" in
  start) mkdir -p "$2" ;;
  stop | url) ;;
  *) usage ;;
esac
if [ ! -d "$2" ]; then
  log "no data directory $2: not running"
  [ "$command" = stop ] && exit 0
  exit 1
fi
data_dir=$(cd "$2" && pwd)
pidfile="$data_dir/redis.pid"
portfile="$data_dir/port"
logfile="$data_dir/redis.log"

running_pid() { pid_of "$pidfile" redis-server; }

random_port() {
  echo $((20000 + RANDOM % 40000))
}

ping_ok() {
  [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = "PONG" ]
}

# Starts redis-server on $1; succeeds once our own process answers PING.
try_start() {
  local port=$1 pid process_id
  cat >"$data_dir/redis.conf" <<EOF
bind 127.0.0.1
protected-mode yes
port $port
daemonize yes
dir $data_dir
pidfile $pidfile
logfile $logfile
save ""
appendonly no
EOF
  rm -f "$pidfile"
  redis-server "$data_dir/redis.conf" >&2 || return 1
  for _ in $(seq 1 100); do
    if pid=$(running_pid) && ping_ok "$port"; then
      # The answer must come from the process we started, not from a server
      # that grabbed the port first.
      process_id=$(redis-cli -h 127.0.0.1 -p "$port" info server 2>/dev/null | tr -d '\r' |
        sed -n 's/^process_id://p')
      [ "$process_id" = "$pid" ] && return 0
      return 1
    fi
    # Daemonized: the parent exits at once; a bind failure shows as a child
    # that died without answering.
    if [ -f "$pidfile" ] && ! running_pid >/dev/null; then return 1; fi
    if grep -q 'Address already in use\|Could not create server TCP' "$logfile" 2>/dev/null &&
      ! running_pid >/dev/null; then
      return 1
    fi
    sleep 0.05
  done
  return 1
}

start() {
  local requested=${1:-} port
  if running_pid >/dev/null && [ -f "$portfile" ]; then
    echo "redis://127.0.0.1:$(cat "$portfile")"
    return 0
  fi
  command -v redis-server >/dev/null || {
    log "redis-server not found (apt-get install redis-server)"
    exit 1
  }
  : >"$logfile"
  if [ -n "$requested" ]; then
    if port_in_use "$requested" || ! try_start "$requested"; then
      log "cannot start on port $requested; see $logfile"
      exit 1
    fi
    port=$requested
  else
    port=""
    if [ -f "$portfile" ]; then
      local previous
      previous=$(tr -dc '0-9' <"$portfile")
      if [ -n "$previous" ] && ! port_in_use "$previous" && try_start "$previous"; then port=$previous; fi
    fi
    # Choosing a port and binding it are two steps; another process may win
    # the race, so try a few.
    for _ in $(seq 1 20); do
      [ -z "$port" ] || break
      local candidate
      candidate=$(random_port)
      port_in_use "$candidate" && continue
      if try_start "$candidate"; then port=$candidate; fi
    done
    if [ -z "$port" ]; then
      log "could not start redis-server on a free port; see $logfile"
      exit 1
    fi
  fi
  echo "$port" >"$portfile"
  log "redis-server pid $(running_pid) on 127.0.0.1:$port (data dir $data_dir, no persistence)"
  echo "redis://127.0.0.1:$port"
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    log "not running (no live pid in $pidfile)"
    rm -f "$pidfile"
    return 0
  fi
  stop_pid "$pid"  # SIGTERM makes redis close its listener and exit
  rm -f "$pidfile"
  log "stopped pid $pid"
}

url() {
  if ! running_pid >/dev/null || [ ! -f "$portfile" ]; then
    log "not running in $data_dir"
    exit 1
  fi
  echo "redis://127.0.0.1:$(cat "$portfile")"
}

case "$command" in
  start) start "${3:-}" ;;
  stop) stop ;;
  url) url ;;
  *) usage ;;
esac
