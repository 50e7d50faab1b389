# shellcheck shell=bash disable=SC2034  # devkafka_pid, devkafka_bootstrap: read by the caller
# Sourced by scripts/run.sh, scripts/cluster.sh and tests/security_test.sh:
# the embedded Kafka (cmd/devkafka, librdkafka's mock cluster) in the
# background, the way tools/local_stack starts it for the C++ tests.
#
#   start_devkafka BINARY DIR [devkafka flags...]
#
# Its own session (setsid): Ctrl-C reaches the service first, which hands its
# last events over; the caller stops the broker afterwards by devkafka_pid.
# Sets devkafka_pid and devkafka_bootstrap (127.0.0.1:PORT); log in DIR/devkafka.log.
start_devkafka() {
  local binary=$1 dir=$2
  shift 2
  mkdir -p "$dir"
  rm -f "$dir/devkafka.bootstrap"
  setsid "$binary" --topic tastesync.customer-id.events.v1 --bootstrap-file "$dir/devkafka.bootstrap" "$@" \
    >"$dir/devkafka.log" 2>&1 &
  devkafka_pid=$!
  for _ in $(seq 100); do [ -s "$dir/devkafka.bootstrap" ] && break; sleep 0.05; done
  if [ ! -s "$dir/devkafka.bootstrap" ]; then
    echo "$(basename "$0"): the embedded Kafka did not start (see $dir/devkafka.log)" >&2
    return 1
  fi
  devkafka_bootstrap=$(cat "$dir/devkafka.bootstrap")
}
