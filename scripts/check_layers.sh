#!/usr/bin/env bash
# The layers' include directions (CONTRIBUTING.md): fails on an include that
# points outward. Usage: scripts/check_layers.sh [root]  (default: the repo)
#   internal/domain          the standard library and domain/ only
#   internal/application     domain/ and application/ only
#   internal/auth, config    no adapter and no composition root
#   internal/infrastructure  no composition root (service/)
#   pkg/util                 util/ only
#   infrastructure/<folder>  only the adapter folders its CMake library links
# The project's own headers are included with quotes, from the source root
# ("infrastructure/db/pg_pool.h"): the rules read that spelling, so <domain/...>
# and "../..." are findings too. tests/check_layers_test.sh plants a bad
# include of each kind and expects this script to fail.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

failures=0
# forbid DIR REGEX WHY: every #include line under DIR matching REGEX is a finding.
forbid() {
  local dir=$1 pattern=$2 why=$3 found
  [ -d "$dir" ] || return 0
  found=$(grep -rnE --include='*.h' --include='*.cpp' "^[[:space:]]*#[[:space:]]*include[[:space:]]*$pattern" "$dir" || true)
  if [ -n "$found" ]; then
    printf 'layers: %s\n%s\n' "$why" "$found" >&2
    failures=$((failures + 1))
  fi
}

# only DIR PREFIXES WHY: every quoted #include under DIR that does not start
# with one of the folders PREFIXES (an alternation) is a finding.
only() {
  local dir=$1 prefixes=$2 why=$3 found
  [ -d "$dir" ] || return 0
  found=$(grep -rnE --include='*.h' --include='*.cpp' '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$dir" |
    grep -vE "#[[:space:]]*include[[:space:]]*\"($prefixes)/" || true)
  if [ -n "$found" ]; then
    printf 'layers: %s\n%s\n' "$why" "$found" >&2
    failures=$((failures + 1))
  fi
}

# The rules below read the quoted, root-relative spelling; any other spelling
# of a project header is a finding by itself.
own='(domain|application|infrastructure|auth|config|service|util)/'
for dir in internal pkg cmd; do
  forbid "$dir" "<$own" 'a project header included with <>: use quotes, from the source root'
  forbid "$dir" '"\.\.?/' 'a relative include: name the header from the source root'
done

# The domain: quoted includes only of domain/, angle includes only of the
# standard library (no extension, no folder).
only internal/domain 'domain' 'the domain includes something outside itself'
forbid internal/domain '<[^>]*[./][^>]*>' 'the domain includes a third-party or system header'
# Use cases and ports: the domain and each other, nothing generated (protobuf).
only internal/application 'domain|application' 'a use case or port includes something but ports and the domain'
forbid internal/application '<[^>]*[./][^>]*>' 'the application includes a third-party or system header'
forbid internal/auth '"(infrastructure|service)/' 'auth includes an adapter or the composition root'
forbid internal/config '"(infrastructure|service)/' 'config includes an adapter or the composition root'
forbid internal/infrastructure '"service/' 'an adapter includes the composition root'
only pkg 'util' 'pkg/util includes the service or generated code'

# Between adapters: each folder includes only the folders its CMake library
# links (CMakeLists.txt, cid_adapter). Keep the two lists in step.
declare -A may_use=(
  [logging]='' [codec]='' [crypto]='' [floorplan]='' [health]='' [local]='' [ratelimit]='' [metrics]='' [qr]=''
  [system]='logging' [live]='logging' [db]='codec' [kafka]='db codec logging' [redis]='codec local logging'
  [grpc]='logging' [http]='grpc health logging'
)
for dir in internal/infrastructure/*/; do
  folder=$(basename "$dir")
  if [ -z "${may_use[$folder]+set}" ]; then
    printf 'layers: adapter folder %s has no entry in scripts/check_layers.sh (nor, likely, CMakeLists.txt)\n' "$folder" >&2
    failures=$((failures + 1))
    continue
  fi
  allowed="$folder ${may_use[$folder]}"
  pattern="\"infrastructure/($(echo "$allowed" | xargs | tr ' ' '|'))/"
  found=$(grep -rnE --include='*.h' --include='*.cpp' '^[[:space:]]*#[[:space:]]*include[[:space:]]*"infrastructure/' "$dir" |
    grep -vE "$pattern" || true)
  if [ -n "$found" ]; then
    printf 'layers: adapter %s includes an adapter it does not link (allowed: %s)\n%s\n' "$folder" "${may_use[$folder]:-none}" "$found" >&2
    failures=$((failures + 1))
  fi
done

if [ "$failures" -gt 0 ]; then
  echo "layers: $failures rule(s) broken" >&2
  exit 1
fi
echo "layers: every include points inward"
