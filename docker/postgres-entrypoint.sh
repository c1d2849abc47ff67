#!/usr/bin/env bash
# First start: initialise the cluster and create the hotline's role and database with the password
# from POSTGRES_PASSWORD or the file named by POSTGRES_PASSWORD_FILE (a Docker secret), and, with
# EDGE_DB_PASSWORD_FILE, the SIP edge's own role (hotline_edge: `hotline-edge db-role` grants it
# what it reads once the tables exist). Then run PostgreSQL in the foreground, listening on
# POSTGRES_LISTEN (default 127.0.0.1), port PGPORT.
set -euo pipefail
if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
  POSTGRES_PASSWORD=$(cat "$POSTGRES_PASSWORD_FILE")
fi
db=${POSTGRES_DB:-hotline}
user=${POSTGRES_USER:-hotline}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "postgres: set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE for the first start" >&2
    exit 1
  fi
  initdb -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/tmp" -w start >/dev/null
  psql -h /tmp -U postgres -v ON_ERROR_STOP=1 -q -v user="$user" -v db="$db" -v pw="$POSTGRES_PASSWORD" <<'SQL'
CREATE ROLE :"user" LOGIN PASSWORD :'pw';
CREATE DATABASE :"db" OWNER :"user";
SQL
  if [ -n "${EDGE_DB_PASSWORD_FILE:-}" ] && [ -s "$EDGE_DB_PASSWORD_FILE" ]; then
    psql -h /tmp -U postgres -v ON_ERROR_STOP=1 -q -v pw="$(cat "$EDGE_DB_PASSWORD_FILE")" <<'SQL'
CREATE ROLE hotline_edge LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'pw';
SQL
  fi
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "postgres: cluster initialised; database $db, role $user"
fi
exec postgres -D "$PGDATA" -c listen_addresses="${POSTGRES_LISTEN:-127.0.0.1}" -c port="$PGPORT" \
  -c unix_socket_directories=/tmp -c log_destination=stderr -c logging_collector=off
