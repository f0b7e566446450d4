#!/bin/sh
# Creates and migrates Temporal's two PostgreSQL databases. Idempotent (temporal-sql-tool 1.30.1: `create` of an
# existing database and `setup-schema -v 0.0` of a set-up one succeed), so nothing is hidden with `|| true`: a wrong
# password or an unreachable server stops here. One script for both deployments: docker-compose.yml runs it in
# temporalio/admin-tools, and `npm run cluster -- up` runs it with the temporal-sql-tool it built.
#   POSTGRES_SEEDS, POSTGRES_USER, POSTGRES_PWD   where and as whom to connect
#   DB_PORT      default 5432
#   SCHEMA_DIR   default /etc/temporal/schema/postgresql/v12 (where admin-tools keeps it)
set -eu
SQL="temporal-sql-tool --plugin postgres12 --ep ${POSTGRES_SEEDS} -u ${POSTGRES_USER} -pw ${POSTGRES_PWD} -p ${DB_PORT:-5432}"
SCHEMA="${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"
for db in temporal temporal_visibility; do
  $SQL --db "$db" create
done
$SQL --db temporal setup-schema -v 0.0
$SQL --db temporal update-schema -d "$SCHEMA/temporal/versioned"
$SQL --db temporal_visibility setup-schema -v 0.0
$SQL --db temporal_visibility update-schema -d "$SCHEMA/visibility/versioned"
