#!/usr/bin/env bash
# README's first command: installs what is missing (nats-server and PostgreSQL
# 15 via apt when root, node_modules via npm ci), then runs the demo: a fresh
# local topology from sites/ (hub, a WAN link + leaf per site, Postgres, the
# region) with the simulated ERP, WES per site, dispatch and carriers driving
# orders through it, progress every 2 s, one JSON line at the end.
# Flags go to scripts/demo.ts: --orders N (default 50), --seed S, --exit
# (tear down at the end; exit 0 only if every order completed or is an
# explained exception and nothing is parked), --attach, --state-dir DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
echo "==> checking prerequisites (nats-server, PostgreSQL 15, node_modules)" >&2
logimesh_prerequisites >&2 || exit 1
exec node_modules/.bin/node scripts/demo.ts "$@"
