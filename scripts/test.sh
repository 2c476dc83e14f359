#!/usr/bin/env bash
# The whole suite, as `make test` and CI run it. The database-facing tests run on SQLite and,
# when it answers, on PostgreSQL (127.0.0.1:5432 unless ZHIBU_TEST_POSTGRES_URL says otherwise).
# Tests run in parallel on every core (pytest-xdist; ZHIBU_TEST_WORKERS=1 runs them in one
# process). The date-dependent tests (marked `dated`) also run on the fixed dates of
# tests/conftest.py; ZHIBU_TODAY=2027-10-08 runs the whole suite on that date (docs/testing.md).
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

if [ -n "${ZHIBU_TODAY:-}" ]; then
  echo "The clock is set: today is $ZHIBU_TODAY in China (ZHIBU_TODAY)."
fi
WORKERS="${ZHIBU_TEST_WORKERS:-auto}"
if [ "$WORKERS" = "1" ]; then
  $BIN/python -m pytest "$@"
else
  $BIN/python -m pytest -n "$WORKERS" "$@"
fi
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure of the test command." >&2
  exit 1
fi
exit "$status"
