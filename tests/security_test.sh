#!/usr/bin/env bash
# The security suite: starts PostgreSQL, Redis, the embedded Kafka and the
# service on its own (free loopback ports, temporary directory), then tries
# every attack of tests/security/attack_probe.cpp against the live server plus
# a TLS 1.2 handshake, printing one line per attack with the status received
# and the one expected. Afterwards the server must still answer its health
# check and the database must be exactly as before the attacks (checksum of
# every table's contents). Exits non-zero on any mismatch.
#
#   tests/security_test.sh BUILD_DIR
#
# Run by `make test` (ctest label "security").
set -euo pipefail
# shellcheck source=scripts/lib/devkafka.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/devkafka.sh"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-${repo}/build}" && pwd)"
keys="${repo}/internal/config/keys/dev"
server_bin="${build}/customer-id"
probe_bin="${build}/tests/attack_probe"
devkafka_bin="${build}/devkafka"

for binary in "${server_bin}" "${probe_bin}" "${devkafka_bin}"; do
  [[ -x "${binary}" ]] || { echo "security_test: ${binary} is not built" >&2; exit 2; }
done
"${repo}/scripts/keys.sh" >/dev/null

work="$(mktemp -d "${TMPDIR:-/tmp}/cid-security-XXXXXX")"
# The unprivileged postgres user (when we are root) must reach its data dir.
chmod 755 "${work}"
server_pid=""
devkafka_pid=""
cleanup() {
  [[ -n "${server_pid}" ]] && kill "${server_pid}" 2>/dev/null && wait "${server_pid}" 2>/dev/null || true
  [[ -n "${devkafka_pid}" ]] && kill "${devkafka_pid}" 2>/dev/null && wait "${devkafka_pid}" 2>/dev/null || true
  "${repo}/scripts/postgres.sh" stop "${work}/postgres" >/dev/null 2>&1 || true
  "${repo}/scripts/redis.sh" stop "${work}/redis" >/dev/null 2>&1 || true
  rm -rf "${work}"
}
trap cleanup EXIT

mkdir -p "${work}/postgres" "${work}/redis"
postgres_url="$("${repo}/scripts/postgres.sh" start "${work}/postgres")"
redis_url="$("${repo}/scripts/redis.sh" start "${work}/redis")"
start_devkafka "${devkafka_bin}" "${work}/kafka" --partitions 3
kafka="${devkafka_bootstrap}"

# A retired table-QR key, whose validity window has ended: its codes are the
# "replayed QR of an expired key" attack.
openssl rand -hex 32 >"${work}/qr-old.secret"

cat >"${work}/config.yaml" <<EOF
grpc:
  listen: 127.0.0.1:0
  tls: true
  cert_file: ${keys}/server.crt
  key_file: ${keys}/server.key
auth:
  public_keys: dev-1=${keys}/jwt-dev-1.pub
table_qr:
  active_key_id: qr-dev-1
  secrets: qr-dev-1=${keys}/qr-dev-1.secret,qr-old=${work}/qr-old.secret
  key_validity: qr-old=2020-01-01T00:00:00Z/2021-01-01T00:00:00Z
http:
  listen: 127.0.0.1:0
customer_code:
  active_key_id: cc-dev-1
  secrets: cc-dev-1=${keys}/cc-dev-1.secret
floor_plan:
  file: ${repo}/internal/config/demo-store.yaml
postgres:
  url: ${postgres_url}
  migrations_dir: ${repo}/migrations
redis:
  url: ${redis_url}
kafka:
  brokers: ${kafka}
pii:
  active_key_id: pii-dev-1
  keys: pii-dev-1=${keys}/pii-dev-1.key
logging:
  level: warn
EOF

"${server_bin}" --config "${work}/config.yaml" --port-file "${work}/port" >"${work}/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do [[ -s "${work}/port" ]] && break; sleep 0.1; done
[[ -s "${work}/port" ]] || { echo "security_test: the server did not start" >&2; cat "${work}/server.log" >&2; exit 1; }
port="$(head -n 1 "${work}/port")"  # the gRPC port; the HTTPS port is line 2
echo "security_test: server on 127.0.0.1:${port} (PostgreSQL ${postgres_url##*@}, Redis ${redis_url##*//})"

# The probe is the attacker, not the service under test. Under the sanitizer
# tree a leak report at its exit is printed but does not fail the suite
# (exitcode=0; abort_on_error only acts when a report would end the process).
# CI once saw OpenSSL objects reported at the probe's exit (3 of 328 bytes, no
# stack past libcrypto), which about 400 local runs (80 in the same gcov+ASan
# tree) did not reproduce. The probe now waits for gRPC's own clean-up before
# it exits (grpc_released.h), and full allocation stacks
# (fast_unwind_on_malloc=0) make a report name whose objects they are. The
# server's own leaks are judged where it stops cleanly:
# tests/integration/drain_test.cpp expects its exit code 0.
probe=(env "ASAN_OPTIONS=${ASAN_OPTIONS:-}:fast_unwind_on_malloc=0" "LSAN_OPTIONS=${LSAN_OPTIONS:-}:exitcode=0"
  "${probe_bin}" --port "${port}" --keys "${keys}" --old-qr-secret "${work}/qr-old.secret")
"${probe[@]}" --phase setup

# Every table's rows, in a stable order, as one digest per table.
database_checksum() {
  local tables
  tables="$(psql "${postgres_url}" -Atc "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")"
  for table in ${tables}; do
    printf '%s %s\n' "${table}" \
      "$(psql "${postgres_url}" -Atc "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \"${table}\" t")"
  done
}
# The relay stamps outbox rows sent_at as Kafka acknowledges them, on its own
# time: wait until the setup's events are out, so only the attacks can change
# anything afterwards.
for _ in $(seq 100); do
  [[ "$(psql "${postgres_url}" -Atc "SELECT count(*) FROM outbox WHERE sent_at IS NULL")" == "0" ]] && break
  sleep 0.1
done
before="$(database_checksum)"

failed=0
"${probe[@]}" --phase attacks || failed=1

# TLS 1.2 must not get a handshake (TLS 1.3 only); TLS 1.3 must. Judged by
# the session s_client reports ("New, TLSv1.3, Cipher is ..." vs "New,
# (NONE), Cipher is (NONE)"), not its exit status, which depends on how the
# connection is closed after the handshake.
tls_session() {
  echo | timeout 10 openssl s_client -connect "127.0.0.1:${port}" "$1" -CAfile "${keys}/ca.crt" >"${work}/tls$1.log" 2>&1 || true
  grep -m1 -oE '^New, [^,]+, Cipher is [A-Z0-9_()-]+' "${work}/tls$1.log" || echo "New, (NONE), no session line"
}
tls12="$(tls_session -tls1_2)"
if [[ "${tls12}" == *"(NONE)"* ]]; then
  echo "attack tls_1_2_handshake: got NO_HANDSHAKE expected NO_HANDSHAKE ok (${tls12})"
else
  echo "attack tls_1_2_handshake: got HANDSHAKE expected NO_HANDSHAKE MISMATCH (${tls12})"
  failed=1
fi
tls13="$(tls_session -tls1_3)"
if [[ "${tls13}" == "New, TLSv1.3"* ]]; then
  echo "check tls_1_3_handshake: got HANDSHAKE expected HANDSHAKE ok (${tls13})"
else
  echo "check tls_1_3_handshake: got NO_HANDSHAKE expected HANDSHAKE MISMATCH (${tls13})"
  cat "${work}/tls-tls1_3.log"
  failed=1
fi

# Still up, and nothing written.
if kill -0 "${server_pid}" 2>/dev/null; then
  echo "check server_still_running: got RUNNING expected RUNNING ok"
else
  echo "check server_still_running: got EXITED expected RUNNING MISMATCH"
  failed=1
fi
health="$("${probe[@]}" --phase health 2>&1 || true)"
echo "check ${health}"
[[ "${health}" == *" ok"* ]] || failed=1
after="$(database_checksum)"
if [[ "${before}" == "${after}" ]]; then
  echo "check database_unchanged: got UNCHANGED expected UNCHANGED ok ($(echo "${after}" | wc -l) tables)"
else
  echo "check database_unchanged: got CHANGED expected UNCHANGED MISMATCH"
  diff <(echo "${before}") <(echo "${after}") || true
  failed=1
fi

if [[ ${failed} -ne 0 ]]; then
  echo "security_test: FAILED (server log: last lines below)"
  tail -20 "${work}/server.log"
  exit 1
fi
echo "security_test: all attacks got the expected answer"
