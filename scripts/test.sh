#!/usr/bin/env bash
# The whole suite, as `make test` and CI run it. The database-facing tests run on SQLite and,
# when it answers, on PostgreSQL (127.0.0.1:5432 unless ZHIBU_TEST_POSTGRES_URL says otherwise).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

if $BIN/python - <<'PY'
import os, sys
import psycopg
url = os.environ.get("ZHIBU_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres").replace("+psycopg", "")
try:
    psycopg.connect(url, connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL is NOT reachable ({type(exc).__name__}): the PostgreSQL suite will be SKIPPED.")
    sys.exit(1)
print("PostgreSQL is reachable: the database suite runs on SQLite and PostgreSQL.")
PY
then :; fi

$BIN/python -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure of the test command." >&2
  exit 1
fi
exit "$status"
