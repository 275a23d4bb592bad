#!/usr/bin/env bash
# The test command (README "Quick start", called by .ci/run): installs what is
# missing, then type-checks, checks the dependency rules and runs every test
# against real nats-server processes and Postgres. Ends with "N passed, N failed".
# --repeat N: vitest N times after the static checks, a line per run and a
# summary (scripts/test.ts). Other arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
logimesh_prerequisites --postgres
exec node_modules/.bin/node scripts/test.ts "$@"
