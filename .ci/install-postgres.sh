#!/usr/bin/env bash
# Debian's PostgreSQL server binaries for the store tests. Idempotent: nothing happens when initdb is already
# there. No service is started: test/setup/postgres.ts runs its own throwaway cluster.
set -euo pipefail

if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  echo "PostgreSQL server binaries present: $(compgen -G '/usr/lib/postgresql/*/bin/initdb' | head -n1)"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi

"${sudo[@]}" apt-get update
# policy-rc.d answering 101 keeps the package's post-install step from starting the default cluster's service.
policy=/usr/sbin/policy-rc.d
created_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod +x "$policy"
  created_policy=true
fi
trap 'if $created_policy; then "${sudo[@]}" rm -f "$policy"; fi' EXIT
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends postgresql

compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || {
  echo 'apt-get install postgresql did not provide initdb under /usr/lib/postgresql/*/bin' >&2
  exit 1
}
