#!/usr/bin/env bash
# Runs the whole test suite against a real PostgreSQL: installs what is missing, makes sure the
# private cluster is up (or uses $DATABASE_URL), then `cargo test`. Extra arguments go to cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ops/deps.sh
if [ -z "${DATABASE_URL:-}" ]; then
  bash ops/pg.sh start
  DATABASE_URL=$(bash ops/pg.sh url)
fi
# Integration tests create one database per test from a migrated template; they need CREATEDB.
export TEST_DATABASE_URL="$DATABASE_URL"
cargo test --locked "$@"
