"""Concurrent writers through the real request path must never fail, SQLite included.

On SQLite a deferred transaction that reads and then writes fails at once with "database is
locked" when another writer committed meanwhile; the server takes the write lock at BEGIN for
unsafe methods, so these requests wait their turn instead of failing.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from server.core.db import db
from server.org.models import Group

THREADS = 12
PER_THREAD = 8


def test_concurrent_writes_and_reads_all_succeed(app, auth, world):
    headers = auth.headers("secretary_a")

    def worker(n: int) -> list[int]:
        client = app.test_client()
        codes = []
        for i in range(PER_THREAD):
            codes.append(client.post(f"/api/v1/branches/{world.branch_a}/groups",
                                     json={"name": f"小组-{n}-{i}"}, headers=headers).status_code)
            codes.append(client.get(f"/api/v1/branches/{world.branch_a}/groups", headers=headers).status_code)
        return codes

    with ThreadPoolExecutor(THREADS) as pool:
        codes = [c for result in pool.map(worker, range(THREADS)) for c in result]
    assert sorted(set(codes)) == [200, 201]
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Group).where(Group.branch_id == world.branch_a))
    assert count == 1 + THREADS * PER_THREAD
