#!/usr/bin/env bash
# Fails when git tracks anything that looks like a private key, a certificate
# or a secret: by file name (keys, certificates, keystores, .env, dev secret
# files) and by content (PEM private keys and certificates, OpenSSH keys).
# Dev keys belong in the gitignored internal/config/keys/dev/ (make keys),
# production keys are mounted (internal/config/keys/prod/, also gitignored).
#
#   tests/no_secrets_test.sh [REPO_DIR]
set -euo pipefail

repo="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
cd "${repo}"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "no_secrets_test: ${repo} is not a git checkout" >&2; exit 2; }

failed=0

# By name. The patterns are assembled so this file does not match itself.
names='\.(key|pem|crt|cer|der|p12|pfx|jks|keystore|secret|pkcs8)$|(^|/)id_(rsa|dsa|ecdsa|ed25519)(\.pub)?$|(^|/)\.env$|(^|/)internal/config/keys/(dev|prod)/'
while IFS= read -r file; do
  echo "no_secrets_test: tracked file looks like key material: ${file}"
  failed=1
done < <(git ls-files | grep -iE "${names}" || true)

# By content.
dashes='-----'
patterns=(
  "BEGIN [A-Z ]*PRIVATE KEY${dashes}" # PKCS#1/#8, EC, encrypted, OpenSSH
  "BEGIN CERTIFICATE${dashes}"
  "BEGIN PGP PRIVATE KEY BLOCK${dashes}"
)
for pattern in "${patterns[@]}"; do
  while IFS= read -r file; do
    echo "no_secrets_test: tracked file contains '${pattern}': ${file}"
    failed=1
  done < <(git ls-files -z | xargs -0 grep -lIE -- "${pattern}" 2>/dev/null || true)
done

if [[ ${failed} -ne 0 ]]; then
  echo "no_secrets_test: FAILED: remove these from git (git rm --cached) and keep them in gitignored folders"
  exit 1
fi
echo "no_secrets_test: $(git ls-files | wc -l) tracked files, no private key, certificate or secret"
