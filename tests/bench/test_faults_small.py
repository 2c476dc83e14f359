"""Faults under load, small: a reconnect storm (10 devices x 50 scans, pages of 10) against a
real gunicorn, with a worker SIGKILLed mid-push (SQLite and PostgreSQL) or every PostgreSQL
connection of the server terminated mid-push. The clients retry; nothing may be lost or doubled,
and the server must recover (workers respawned, pools reconnected). Shares bench/faults.py with
the benchmark, which runs the same at full size."""
from __future__ import annotations

import pytest

from bench.faults import run_faults

DEVICES, SCANS, BATCH = 10, 50, 10


def _assert_survived(result: dict) -> None:
    assert result["fault_info"]["mid_push"], result["fault_info"]
    mismatched = {name: pair for name, pair in result["checks"].items() if pair[0] != pair[1]}
    assert not mismatched, (mismatched, result["log_tail"])
    assert not result["client_failures"], result["client_failures"]
    assert not result["recovery_failures"], result["recovery_failures"]
    # The fault hit requests in flight and the clients retried them.
    assert result["retries"] >= 1, result
    assert result["ok"], result


def test_worker_killed_mid_storm_loses_nothing(backend, database_url, tmp_path):
    result = run_faults(backend, DEVICES, SCANS, workdir=tmp_path, fault="worker_kill", database_url=database_url,
                        batch_size=BATCH)
    assert result["network_errors"] >= 1, result
    _assert_survived(result)


def test_pg_connections_terminated_mid_push_loses_nothing(backend, database_url, tmp_path):
    if backend != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    result = run_faults(backend, DEVICES, SCANS, workdir=tmp_path, fault="pg_terminate", database_url=database_url,
                        batch_size=BATCH)
    assert result["fault_info"]["terminated"] >= 1 and result["fault_info"]["in_transaction"] >= 1, result
    assert result["server_errors"] + result["network_errors"] >= 1, result
    _assert_survived(result)
