"""The ingest and pull benchmarks at a tiny size, through their run() functions, on SQLite:
their figures exist (with the same-run baseline and its ratio) and the database they leave is
exactly what the check-ins and the fixtures should have produced. No speed is asserted: these
machines are shared and noisy, and the benchmarks report ratios for people to read."""
from __future__ import annotations

import sqlite3

import sqlalchemy as sa

from bench import ingest, pull
from bench.common import Report


def _count(url: str, sql: str) -> int:
    conn = sqlite3.connect(sa.make_url(url).database)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def test_ingest_small(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHIBU_INSTANCE_PATH", str(tmp_path / "instance"))
    report = Report()
    out = ingest.run(report, tmp_path, ["sqlite"], sizes=(1, 50), plan={1: 12, 50: 2})["sqlite"]

    figures = {f.name: f for f in report.figures}
    assert len(figures) == 2
    for figure in figures.values():
        assert figure.group == "ingest (sqlite)" and figure.unit == "mut/s"
        assert figure.value > 0 and figure.baseline > 0 and figure.ratio is not None
    sizes = out["sizes"]
    assert sizes[1]["mutations"] == 12 and sizes[50]["mutations"] == 100

    # Batch 1, over 4 branches in turn (secretary, then a member): in branches 1 and 2 the
    # secretary enters members 0 and 1 at event 0, members 1 and 2 scan it themselves, so member
    # 1's second check-in is a duplicate (3 records each); branches 3 and 4 get one turn (2 each).
    # Batch 50: the secretary enters members 0..49 at event 0, then member 1 scans events 0..49.
    assert sizes[1]["records"] == 3 + 3 + 2 + 2
    assert sizes[50]["records"] == 50 + 49
    records = _count(out["url"], "SELECT count(*) FROM record")
    assert records == sizes[1]["records"] + sizes[50]["records"]
    assert _count(out["url"], "SELECT count(DISTINCT member_id || '-' || event_id) FROM record") == records
    assert _count(out["url"], "SELECT count(*) FROM scan") == 12 + 100
    assert _count(out["url"], "SELECT count(*) FROM scan WHERE status = 'applied'") == records
    assert _count(out["url"], "SELECT count(*) FROM scan WHERE status = 'rejected'") == 0
    assert _count(out["url"], "SELECT count(*) FROM change_entry WHERE entity = 'record'") == records
    # Nothing of the raw baseline's rows is left behind.
    assert _count(out["url"], f"SELECT count(*) FROM record WHERE id >= {ingest.RAW_ID_BASE}") == 0


def test_pull_small(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHIBU_INSTANCE_PATH", str(tmp_path / "instance"))
    report = Report()
    out = pull.run(report, tmp_path, ["sqlite"], sizes=(200, 500, 1000), pulls=3)["sqlite"]

    figures = [f for f in report.figures if f.group == "pull (sqlite)"]
    assert [f.name for f in figures] == [
        "pull latest 100 as secretary, 200 records", "pull latest 100 as secretary, 500 records",
        "pull latest 100 as secretary, 1k records", "member's first pull (1 own records), 1k",
        "member's next pull (nothing new), 1k"]
    base, middle, last = figures[:3]
    assert base.baseline is None and all(f.value > 0 for f in figures)
    for figure in (middle, last):
        assert figure.baseline == base.value and not figure.higher_is_better
        assert figure.ratio == base.value / figure.value
    assert last.met is (last.ratio >= 1 / 1.5)

    # Each size has its own database: N history records (unique pairs) plus the newcomer's one,
    # and a change row for each record, member (2000 + the newcomer) and event (500).
    for size in (200, 500, 1000):
        url, world = out["urls"][size], out["worlds"][size]
        assert _count(url, "SELECT count(*) FROM record") == size + 1
        assert _count(url, "SELECT count(DISTINCT member_id || '-' || event_id) FROM record") == size + 1
        assert _count(url, f"SELECT count(*) FROM record WHERE member_id = {world.newcomer_member_id}") == 1
        assert _count(url, "SELECT count(*) FROM change_entry") == size + 1 + 2001 + 500
        assert _count(url, "SELECT value FROM sync_clock") == world.version
