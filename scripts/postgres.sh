#!/usr/bin/env bash
# A project-local PostgreSQL 15 for `make run` and the tests.
#
#   scripts/postgres.sh start DATA_DIR [PORT]   initdb on first use, start, print the URL
#   scripts/postgres.sh stop DATA_DIR           fast shutdown (by the server's PID file)
#   scripts/postgres.sh url DATA_DIR            print the URL of a started server
#
# stdout carries exactly one line (the URL) so callers can capture it;
# everything else goes to stderr.
#
# DEV/TEST ONLY: the server listens on 127.0.0.1 and trusts every local TCP
# connection without a password. Never point production at a server set up
# by this script.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DATABASE=customer_id

say() { echo "postgres.sh: $*" >&2; }
die() { say "$*"; exit 1; }

usage() {
  die "usage: $0 start DATA_DIR [PORT] | stop DATA_DIR | url DATA_DIR"
}

# PostgreSQL refuses to run as root, so root runs the server binaries as the
# unprivileged `postgres` user that the Debian package creates.
as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

url_for() { echo "postgresql://postgres@127.0.0.1:$1/${DATABASE}"; }

is_running() { as_server_user "$PG_BIN/pg_ctl" status -D "$DATA_DIR" >/dev/null 2>&1; }

port_is_free() {
  # A successful connect means someone listens there.
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

find_free_port() {
  local port
  if command -v python3 >/dev/null 2>&1 &&
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null) &&
    [ -n "$port" ]; then
    echo "$port"
    return
  fi
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 40000))
    if port_is_free "$port"; then
      echo "$port"
      return
    fi
  done
  die "found no free TCP port on 127.0.0.1"
}

# Every directory above DATA_DIR must be traversable by the server user, or
# initdb fails with a confusing "permission denied" deep inside.
check_parents_traversable() {
  local dir
  dir=$(dirname "$DATA_DIR")
  while [ "$dir" != "/" ]; do
    if ! as_server_user test -x "$dir"; then
      die "the server runs as user 'postgres', which cannot enter '$dir' (a parent of $DATA_DIR).
  Choose a DATA_DIR under a traversable path (e.g. /tmp/...), or run: chmod o+x '$dir'"
    fi
    dir=$(dirname "$dir")
  done
}

init_cluster() {
  check_parents_traversable
  mkdir -p "$DATA_DIR"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$DATA_DIR"; fi
  chmod 700 "$DATA_DIR"
  say "initdb $DATA_DIR"
  local log
  log=$(mktemp)
  as_server_user "$PG_BIN/initdb" -D "$DATA_DIR" -U postgres --auth=trust --encoding=UTF8 --no-locale \
    >"$log" 2>&1 || {
    cat "$log" >&2
    rm -f "$log"
    die "initdb failed"
  }
  rm -f "$log"
  # Only TCP on loopback; no socket line, so nothing but 127.0.0.1 gets in.
  # trust = no password: dev/test only (see the header).
  cat >"$DATA_DIR/pg_hba.conf" <<'EOF'
# Written by scripts/postgres.sh: DEV/TEST ONLY, loopback TCP without a password.
host all all 127.0.0.1/32 trust
EOF
  echo "include_if_exists = 'customer_id.conf'" >>"$DATA_DIR/postgresql.conf"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$DATA_DIR/pg_hba.conf"; fi
}

# Rewritten on every start: the port may change between starts.
write_local_conf() {
  local port=$1 socket_dir=${DATA_DIR//\'/\'\'}
  # A Unix socket path is limited to ~107 bytes; past that, TCP only.
  if [ ${#DATA_DIR} -gt 90 ]; then socket_dir=""; fi
  cat >"$DATA_DIR/customer_id.conf" <<EOF
# Written by scripts/postgres.sh on every start.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$socket_dir'
logging_collector = off
EOF
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$DATA_DIR/customer_id.conf"; fi
}

choose_port() {
  local requested=$1 previous=""
  if [ -n "$requested" ]; then
    port_is_free "$requested" || die "port $requested on 127.0.0.1 is already in use"
    echo "$requested"
    return
  fi
  # Reuse the previous port so clients holding the URL reconnect after a restart.
  if [ -f "$DATA_DIR/port" ]; then previous=$(cat "$DATA_DIR/port"); fi
  if [ -n "$previous" ] && port_is_free "$previous"; then
    echo "$previous"
    return
  fi
  [ -z "$previous" ] || say "previous port $previous is taken; picking another"
  find_free_port
}

ensure_database() {
  local port=$1 exists
  exists=$("$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '${DATABASE}'")
  if [ "$exists" != "1" ]; then
    say "creating database ${DATABASE}"
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DATABASE"
  fi
}

start() {
  local requested=${1:-} port
  if [ ! -f "$DATA_DIR/PG_VERSION" ]; then init_cluster; fi
  if is_running; then
    [ -f "$DATA_DIR/port" ] || die "a server runs on $DATA_DIR but its port file is missing"
    url_for "$(cat "$DATA_DIR/port")"
    return
  fi
  port=$(choose_port "$requested")
  write_local_conf "$port"
  echo "$port" >"$DATA_DIR/port"
  say "starting PostgreSQL on 127.0.0.1:$port (log: $DATA_DIR/server.log)"
  if ! as_server_user "$PG_BIN/pg_ctl" start -w -t 60 -D "$DATA_DIR" -l "$DATA_DIR/server.log" >&2; then
    tail -n 20 "$DATA_DIR/server.log" >&2 || true
    die "PostgreSQL did not start"
  fi
  ensure_database "$port"
  url_for "$port"
}

stop() {
  [ -f "$DATA_DIR/PG_VERSION" ] || die "$DATA_DIR is not a PostgreSQL data directory"
  if ! is_running; then
    say "not running ($DATA_DIR)"
    return
  fi
  # pg_ctl signals the postmaster named in DATA_DIR/postmaster.pid: only
  # this server stops, whatever else runs on the machine.
  as_server_user "$PG_BIN/pg_ctl" stop -w -t 60 -m fast -D "$DATA_DIR" >&2
}

url() {
  [ -f "$DATA_DIR/port" ] || die "no port file in $DATA_DIR: start the server first"
  is_running || die "the server of $DATA_DIR is not running"
  url_for "$(cat "$DATA_DIR/port")"
}

[ $# -ge 2 ] || usage
COMMAND=$1
DATA_DIR=$(realpath -m -- "$2")
case "$COMMAND" in
  start) [ $# -le 3 ] || usage; start "${3:-}" ;;
  stop) [ $# -eq 2 ] || usage; stop ;;
  url) [ $# -eq 2 ] || usage; url ;;
  *) usage ;;
esac
