"""Migration 0017 converts existing `dues` records into payments by month: never failing on two
records of one member and month (the first kept, the rest noted on it), the records left as they are."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import _migrate, _pg_admin, _pg_url


@pytest.fixture
def empty_database(backend, request, tmp_path):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
    if request.config.zhibu_pg_unreachable:
        # Said again in the run's summary (tests/conftest.py): never a silent skip.
        pytest.skip(request.config.zhibu_pg_unreachable + " - PostgreSQL suite skipped")
    engine = _pg_admin()
    name = f"zhibu_mig_{uuid.uuid4().hex[:8]}"
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
    request.addfinalizer(drop)
    return _pg_url(name)


def test_dues_records_become_payments_and_duplicates_are_noted_not_fatal(empty_database, tmp_path, monkeypatch):
    monkeypatch.setenv("ZHIBU_INSTANCE_PATH", str(tmp_path / "instance"))
    _migrate(empty_database, str(tmp_path / "instance"), "0016")
    engine = sa.create_engine(empty_database)
    created = dt.datetime(2026, 3, 20, 2, 0, tzinfo=dt.timezone.utc)
    stamp = created.replace(tzinfo=None) if empty_database.startswith("sqlite") else created
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO committee (id, name, created_at) VALUES (1, '城关镇党委', :t)"), {"t": stamp})
        conn.execute(sa.text("INSERT INTO branch (id, committee_id, name, sector, created_at) "
                             "VALUES (1, 1, '红旗村党支部', 'village', :t)"), {"t": stamp})
        for member_id, name in ((1, "李明"), (2, "王芳")):
            conn.execute(sa.text("INSERT INTO member (id, branch_id, name, status, dues_category, created_at) "
                                 "VALUES (:id, 1, :name, 'full', 'rural', :t)"),
                         {"id": member_id, "name": name, "t": stamp})
        records = [  # id, member, kind, occurred_on, amount
            (1, 1, "dues", dt.date(2026, 2, 10), 100),
            (2, 1, "dues", dt.date(2026, 3, 5), 100),
            (3, 1, "dues", dt.date(2026, 3, 18), 150),  # the same member and month again
            (4, 2, "dues", dt.date(2026, 3, 9), None),  # no amount
            (5, 2, "service", dt.date(2026, 3, 9), None),  # not dues
        ]
        for rid, member_id, kind, on, amount in records:
            conn.execute(sa.text(
                "INSERT INTO record (id, member_id, branch_id, kind, occurred_on, title, amount_fen, review_flags, "
                "created_at, updated_at, version) VALUES (:id, :m, 1, :kind, :on, :title, :amount, '[]', :t, :t, 1)"),
                {"id": rid, "m": member_id, "kind": kind, "on": on, "title": f"{on.month}月党费", "amount": amount,
                 "t": stamp})
    engine.dispose()
    _migrate(empty_database, str(tmp_path / "instance"), "0017")
    engine = sa.create_engine(empty_database)
    with engine.connect() as conn:
        payments = conn.execute(sa.text("SELECT record_id, member_id, months, amount_fen, due_fen, paid_on, source, "
                                        "note FROM dues_payment ORDER BY record_id")).all()
        months = conn.execute(sa.text("SELECT member_id, month, amount_fen FROM dues_payment_month "
                                      "ORDER BY member_id, month")).all()
        kept_records = conn.execute(sa.text("SELECT count(*) FROM record WHERE kind = 'dues'")).scalar()
    engine.dispose()
    assert [(p.record_id, p.member_id, p.months, p.amount_fen, p.source) for p in payments] == [
        (1, 1, "2026-02", 100, "migrated"), (2, 1, "2026-03", 100, "migrated"), (4, 2, "2026-03", 0, "migrated")]
    assert str(payments[1].paid_on) == "2026-03-05" and payments[1].due_fen == 100
    assert "同月另有党费记实#3（1.50元，2026-03-18）未计入" in payments[1].note
    assert payments[0].note == "由党费记实#1转换：2月党费"
    assert [(m.member_id, str(m.month), m.amount_fen) for m in months] == [
        (1, "2026-02-01", 100), (1, "2026-03-01", 100), (2, "2026-03-01", 0)]
    assert kept_records == 4  # the records stay: the member's archive
