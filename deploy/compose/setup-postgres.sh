#!/bin/sh
# Creates and migrates Temporal's two PostgreSQL databases. Idempotent: safe on every `docker compose up`.
set -eu
SQL="temporal-sql-tool --plugin postgres12 --ep ${POSTGRES_SEEDS} -u ${POSTGRES_USER} -pw ${POSTGRES_PWD} -p 5432"
SCHEMA=/etc/temporal/schema/postgresql/v12
for db in temporal temporal_visibility; do
  $SQL --db "$db" create || true
done
$SQL --db temporal setup-schema -v 0.0 || true
$SQL --db temporal update-schema -d "$SCHEMA/temporal/versioned"
$SQL --db temporal_visibility setup-schema -v 0.0 || true
$SQL --db temporal_visibility update-schema -d "$SCHEMA/visibility/versioned"
