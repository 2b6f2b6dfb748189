#!/usr/bin/env bash
# Every check `make test` runs: lint, types, the suite on SQLite, then on PostgreSQL.
# PostgreSQL and Redis are required when CI is set; elsewhere they are skipped loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export LEADFLOW_VAR_DIR="${LEADFLOW_VAR_DIR:-$PWD/var/test}"
PG_URL="${LEADFLOW_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export LEADFLOW_TEST_REDIS_URL="${LEADFLOW_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"

banner() { printf '\n==== %s ====\n' "$*"; }
loud() { printf '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!! %s\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n' "$*"; }

banner "ruff"
$BIN/ruff check .
banner "mypy"
$BIN/mypy .

if ! $BIN/python -c "import redis,os; redis.Redis.from_url(os.environ['LEADFLOW_TEST_REDIS_URL']).ping()" 2>/dev/null; then
  if [ -n "${CI:-}" ]; then echo "Redis is required in CI and is unreachable at $LEADFLOW_TEST_REDIS_URL" >&2; exit 1; fi
  loud "Redis unreachable at $LEADFLOW_TEST_REDIS_URL: Redis-backed worker tests are SKIPPED"
  export LEADFLOW_TEST_REDIS_URL=""
fi

banner "pytest on SQLite"
env -u DATABASE_URL $BIN/pytest -q "$@"

if $BIN/python -c "import psycopg,sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$PG_URL" 2>/dev/null; then
  banner "pytest on PostgreSQL"
  DATABASE_URL="$PG_URL" $BIN/pytest -q "$@"
else
  if [ -n "${CI:-}" ]; then echo "PostgreSQL is required in CI and is unreachable at $PG_URL" >&2; exit 1; fi
  loud "PostgreSQL unreachable at $PG_URL: the PostgreSQL run is SKIPPED"
fi
