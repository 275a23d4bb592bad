#!/usr/bin/env bash
# Stops everything `scripts/up.sh` started (regions, leaves, WAN links, hub,
# Postgres, in that order) and checks that no recorded pid is left alive.
# Flags go to the CLI (e.g. --state-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/node ]; then
  echo "node_modules/.bin/node is missing: nothing was started by scripts/up.sh here" >&2
  exit 1
fi
echo "==> stopping the topology"
exec node_modules/.bin/node packages/topology/src/cli.ts down "$@"
