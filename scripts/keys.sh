#!/usr/bin/env bash
# Generates development key material into internal/config/keys/dev/ (gitignored):
#   jwt-dev-1.key/.pub  RS256 signing pair for dev tokens (key id "dev-1")
#   ca.crt/ca.key       a throwaway dev CA
#   server.crt/.key     TLS server cert signed by that CA (localhost, 127.0.0.1, ::1)
#   client.crt/.key     TLS client cert signed by that CA, for mutual TLS (grpc.client_ca_file)
#   qr-dev-1.secret     HMAC-SHA256 key for table QR codes (key id "qr-dev-1"), hex
#   pii-dev-1.key       AES-256-GCM key for customers' personal data at rest (key id "pii-dev-1"), hex
#   cc-dev-1.secret     HMAC-SHA256 key for customers' entrance codes (key id "cc-dev-1"), hex
# Idempotent: anything that already exists is left alone, so re-running never
# invalidates tokens, QR codes or certificates that were already handed out.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out_dir="${repo_root}/internal/config/keys/dev"

command -v openssl >/dev/null 2>&1 || { echo "keys.sh: openssl CLI not found" >&2; exit 1; }

# Private material must never be readable by others, including while it is written.
umask 077
mkdir -p "${out_dir}"
cd "${out_dir}"

made=0
note() { echo "keys.sh: created ${out_dir}/$1"; made=1; }

# ---- JWT signing pair ---------------------------------------------------------
if [[ ! -f jwt-dev-1.key ]]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out jwt-dev-1.key.tmp 2>/dev/null
  mv jwt-dev-1.key.tmp jwt-dev-1.key
  chmod 600 jwt-dev-1.key
  note jwt-dev-1.key
  # A new private key makes any old public half useless.
  rm -f jwt-dev-1.pub
fi
if [[ ! -f jwt-dev-1.pub ]]; then
  openssl pkey -in jwt-dev-1.key -pubout -out jwt-dev-1.pub
  chmod 644 jwt-dev-1.pub
  note jwt-dev-1.pub
fi

# ---- TLS: dev CA ----------------------------------------------------------------
if [[ ! -f ca.key || ! -f ca.crt ]]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca.key.tmp 2>/dev/null
  openssl req -x509 -new -key ca.key.tmp -sha256 -days 3650 \
    -subj "/O=TasteSync Dev/CN=TasteSync Dev CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.crt.tmp
  mv ca.key.tmp ca.key
  mv ca.crt.tmp ca.crt
  chmod 600 ca.key
  chmod 644 ca.crt
  note ca.key
  note ca.crt
  # A new CA invalidates the old server certificate.
  rm -f server.crt
fi

# ---- TLS: server certificate -----------------------------------------------------
if [[ ! -f server.key ]]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out server.key.tmp 2>/dev/null
  mv server.key.tmp server.key
  chmod 600 server.key
  note server.key
  rm -f server.crt
fi
if [[ ! -f server.crt ]]; then
  ext_file="$(mktemp)"
  csr_file="$(mktemp)"
  trap 'rm -f "${ext_file}" "${csr_file}"' EXIT
  cat >"${ext_file}" <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EXT
  openssl req -new -key server.key -subj "/O=TasteSync Dev/CN=localhost" -out "${csr_file}"
  # 825 days: the longest validity Apple platforms accept for TLS server certs.
  openssl x509 -req -in "${csr_file}" -CA ca.crt -CAkey ca.key -CAcreateserial \
    -days 825 -sha256 -extfile "${ext_file}" -out server.crt.tmp 2>/dev/null
  mv server.crt.tmp server.crt
  chmod 644 server.crt
  rm -f ca.srl
  note server.crt
fi

# ---- TLS: client certificate for internal callers (mutual TLS) ----------------------
if [[ ! -f client.key ]]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out client.key.tmp 2>/dev/null
  mv client.key.tmp client.key
  chmod 600 client.key
  note client.key
  rm -f client.crt
fi
if [[ ! -f client.crt || client.crt -ot ca.crt ]]; then
  client_ext="$(mktemp)"
  client_csr="$(mktemp)"
  cat >"${client_ext}" <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
EXT
  openssl req -new -key client.key -subj "/O=TasteSync Dev/CN=internal-service" -out "${client_csr}"
  openssl x509 -req -in "${client_csr}" -CA ca.crt -CAkey ca.key -CAcreateserial \
    -days 825 -sha256 -extfile "${client_ext}" -out client.crt.tmp 2>/dev/null
  mv client.crt.tmp client.crt
  chmod 644 client.crt
  rm -f ca.srl "${client_ext}" "${client_csr}"
  note client.crt
fi

# ---- Table QR HMAC key -------------------------------------------------------------
if [[ ! -f qr-dev-1.secret ]]; then
  openssl rand -hex 32 >qr-dev-1.secret.tmp
  mv qr-dev-1.secret.tmp qr-dev-1.secret
  chmod 600 qr-dev-1.secret
  note qr-dev-1.secret
fi

if [[ ! -f pii-dev-1.key ]]; then
  openssl rand -hex 32 >pii-dev-1.key.tmp
  mv pii-dev-1.key.tmp pii-dev-1.key
  chmod 600 pii-dev-1.key
  note pii-dev-1.key
fi

if [[ ! -f cc-dev-1.secret ]]; then
  openssl rand -hex 32 >cc-dev-1.secret.tmp
  mv cc-dev-1.secret.tmp cc-dev-1.secret
  chmod 600 cc-dev-1.secret
  note cc-dev-1.secret
fi

if [[ ${made} -eq 0 ]]; then
  echo "keys.sh: all dev key material already present in ${out_dir}"
fi
