#!/bin/sh
# Starts Temporal's server from deploy/temporal-server.yaml with deploy/temporal-dynamicconfig.yaml: the compose
# service `temporal` runs it with no arguments (every service in one process); the cluster suite runs it once per
# `--service frontend|history|matching|worker`. `exec`, so a signal sent to this process reaches the server.
#   TEMPORAL_SERVER_PATH   the server binary (default: temporal-server, as in the temporalio/server image)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
DYNAMIC_CONFIG_FILE_PATH=${DYNAMIC_CONFIG_FILE_PATH:-$here/temporal-dynamicconfig.yaml}
export DYNAMIC_CONFIG_FILE_PATH

# Listening on every interface (a container) publishes no usable address of its own: peers are told the
# container's address instead, as the temporalio/server image's entrypoint does.
if [ -z "${TEMPORAL_BROADCAST_ADDRESS:-}" ]; then
  case "${BIND_ON_IP:-127.0.0.1}" in
    0.0.0.0 | ::) TEMPORAL_BROADCAST_ADDRESS=$(getent hosts "$(hostname)" | awk '{ print $1; exit }') ;;
  esac
fi
export TEMPORAL_BROADCAST_ADDRESS="${TEMPORAL_BROADCAST_ADDRESS:-}"

# `--config` is relative to `--root`; `--env` names the file (temporal-server.yaml).
exec "${TEMPORAL_SERVER_PATH:-temporal-server}" --root "$here" --config . --env temporal-server --allow-no-auth \
  start "$@"
