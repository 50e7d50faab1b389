#!/usr/bin/env bash
# `make run`: serves the demo store on the embedded defaults from the repo root.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f internal/config/config.yaml ]; then
  cp internal/config/config.yaml.example internal/config/config.yaml
  echo "run: created internal/config/config.yaml from config.yaml.example"
fi
exec build/customer-id --config internal/config/config.yaml "$@"
