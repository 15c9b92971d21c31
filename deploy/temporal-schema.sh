#!/bin/sh
# One-shot (compose service `temporal-schema`, and the cluster suite before it starts the server): creates
# Temporal's two PostgreSQL databases and brings their schemas to the version of the tool. Every step is safe to
# repeat, so it runs on every `up`; after an image upgrade it applies the new schema versions. Connection settings
# come from SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER and SQL_PASSWORD, which the tool reads itself (the password
# stays off the command line). Where the tool and the schemas are (defaults: the temporalio/admin-tools image):
#   TEMPORAL_SQL_TOOL_PATH   the schema tool (the server module's cmd/tools/sql)
#   TEMPORAL_SCHEMA_DIR      the server's schema/postgresql/v12 folder
set -eu

sql_tool=${TEMPORAL_SQL_TOOL_PATH:-temporal-sql-tool}
schema_root=${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}

prepare() {
  database=$1
  schema=$2
  # `create` fails once the database exists, i.e. on every start after the first; a real connection
  # problem still stops the script at setup-schema, the next step.
  "$sql_tool" --db "$database" create || echo "database $database exists"
  # No-op when the recorded version is already past 0.0.
  "$sql_tool" --db "$database" setup-schema -v 0.0
  "$sql_tool" --db "$database" update-schema -d "$schema_root/$schema/versioned"
}

prepare temporal temporal
prepare temporal_visibility visibility
echo "Temporal schemas are up to date"
