# shellcheck shell=bash
# Sourced by scripts/redis.sh and scripts/redis_cluster.sh: how a server
# script finds its own server by the PID file it wrote and probes a port. A
# server is stopped by that PID, never by name.

# A process that exited but is not reaped yet (a zombie, waiting for PID 1
# in a container) still answers kill -0; it holds no port and no memory.
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$state" ] && [ "$state" != "Z" ]
}

# pid_of PIDFILE PROGRAM: the PID in PIDFILE, if that process is alive and is
# PROGRAM (a stale pidfile may name a recycled PID of something else).
pid_of() {
  local pidfile=$1 program=$2 pid
  [ -f "$pidfile" ] || return 1
  pid=$(tr -dc '0-9' <"$pidfile")
  [ -n "$pid" ] || return 1
  alive "$pid" || return 1
  grep -q "^$program" "/proc/$pid/comm" 2>/dev/null || return 1
  echo "$pid"
}

# stop_pid PID: SIGTERM, 10 s to exit, then SIGKILL, so a stop never hangs a
# test run; returns once the process is gone.
stop_pid() {
  local pid=$1
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 200); do
    alive "$pid" || return 0
    sleep 0.05
  done
  echo "$(basename "$0"): pid $pid ignored SIGTERM; sending SIGKILL" >&2
  kill -9 "$pid" 2>/dev/null || true
  while alive "$pid"; do sleep 0.05; done
}

# Succeeds when something accepts connections on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
