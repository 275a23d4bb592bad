#!/usr/bin/env bash
# Starts the whole local topology from sites/ (README, "The local mesh"; run
# from anywhere, it works from the repository root): installs what is missing
# (nats-server and PostgreSQL 15 via apt when root, node_modules via npm ci),
# then runs `cli.ts up`: NATS hub, one WAN link proxy + NATS leaf per enabled
# site, a private Postgres per region, one region process per region, each
# waited for, then a table of what runs where. State: .logimesh/topology/.
# Flags go to the CLI: --fresh (wipe state first), --no-regions, --sites DIR,
# --state-dir DIR. DATABASE_URL=postgres://... uses that server instead of
# private clusters.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
echo "==> checking prerequisites (nats-server, PostgreSQL 15, node_modules)"
logimesh_prerequisites || exit 1
echo "==> starting the topology from sites/"
exec node_modules/.bin/node packages/topology/src/cli.ts up "$@"
