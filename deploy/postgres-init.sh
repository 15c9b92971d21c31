#!/bin/sh
# Mounted into /docker-entrypoint-initdb.d by docker-compose.yml: the postgres image runs it once, when the data
# volume is first initialised. It gives the worker its own role and database (jobs and bill lines); the worker
# creates its tables itself on start. Values go through psql variables, so a password is never parsed as SQL.
# Later password changes are not picked up from .env: run ALTER ROLE (see the README, "Deploy").
set -eu

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v role="$KLING_DB_USER" -v password="$KLING_DB_PASSWORD" -v database="$KLING_DB_NAME" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"database" OWNER :"role";
SQL
