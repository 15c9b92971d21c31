#!/bin/sh
# One-shot (compose service `temporal-namespace`): creates the namespace the workers poll and registers the
# custom search attributes the workflows upsert (src/temporal/search-attributes.ts). Safe to repeat: it only
# creates what is missing. TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE are also read by the temporal CLI itself.
# Run for real by the cluster suite too, with TEMPORAL_CLI_PATH naming the CLI (default: `temporal` on PATH).
set -eu

temporal() { command "${TEMPORAL_CLI_PATH:-temporal}" "$@"; }

address=${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}
namespace=${TEMPORAL_NAMESPACE:?TEMPORAL_NAMESPACE is required}
retention=${TEMPORAL_NAMESPACE_RETENTION:-72h}

# The port opens before the frontend serves; wait for the health check proper (up to two minutes).
tries=0
until temporal operator cluster health --address "$address" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "Temporal at $address is not serving after $tries tries" >&2
    exit 1
  fi
  sleep 2
done

if temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1; then
  echo "namespace $namespace exists"
else
  temporal operator namespace create --address "$address" --namespace "$namespace" --retention "$retention"
fi

# A namespace just created becomes visible to the search-attribute API only after the server's namespace
# cache refreshes (about 10 s).
tries=0
until attributes=$(temporal operator search-attribute list --address "$address" --namespace "$namespace"); do
  tries=$((tries + 1))
  if [ "$tries" -ge 30 ]; then
    echo "namespace $namespace has no search attributes view after $tries tries" >&2
    exit 1
  fi
  sleep 2
done

for name in KlingTaskId KlingModel; do
  if printf '%s\n' "$attributes" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create --address "$address" --namespace "$namespace" \
      --name "$name" --type Keyword
  fi
done
echo "namespace $namespace is ready"
