"""The compliance of one committee's 1,000 branches (ZHIBU_BENCH_SIZE=small: 100): how long a
county-wide judgement takes, per branch, and how many SQL statements it sends.

Data (bench.fixtures' bulk INSERT / COPY, not the API): one committee, its branches (6 members
each, one party group), and for January to October 2026 each branch's monthly branch committee
meeting, group meeting and activity day, and quarterly party lecture and general assembly, all
held, with minutes and the members' attendance records: 38 events, 38 minutes and 228 records
per branch (1,000 branches: 38,000 events, 228,000 records). Judged on 20 November 2026.

Figures per backend (median of REPEATS runs, after one warm-up):
- `judge all branches`: server.compliance.operations.committee_compliance over the whole
  committee, as the Excel export and the tree view call it (load the facts, judge every rule);
- the same per branch, and the SQL statements sent (the facts loaders promise a fixed number
  of queries whatever the number of branches: the figure must not grow with the branches);
- `GET /committees/{id}/compliance`: the whole request the committee's screen makes (JWT,
  schema serialisation of 1,000 rows);
- `compliance.xlsx`: the committee's workbook of 1,000 branches, built and saved.
"""
from __future__ import annotations

import datetime as dt
import io
import statistics
import time
from pathlib import Path

import sqlalchemy as sa

from bench import fixtures
from bench.common import FULL, Report, new_database

BRANCHES = 1_000 if FULL else 100
MEMBERS = 6
REPEATS = 5 if FULL else 3
YEAR, MONTH, TODAY = 2026, 11, dt.date(2026, 11, 20)
CHINA = fixtures.CHINA


def _day(month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(YEAR, month, day, hour, tzinfo=CHINA).astimezone(fixtures.UTC)


def _plan() -> list[tuple[str, dt.datetime, bool]]:
    """(kind, start, for the group?) of one branch's held events, January to October."""
    plan = []
    for month in range(1, 11):
        plan += [("branch_committee_meeting", _day(month, 3), False), ("group_meeting", _day(month, 8), True),
                 ("activity_day", _day(month, 15, 14), False)]
        if month % 3 == 1:
            plan += [("party_lecture", _day(month, 20), False), ("general_assembly", _day(month, 25), False)]
    return plan


def build(url: str) -> fixtures.World:
    world = fixtures.build_world(url, branches=BRANCHES, members_per_branch=MEMBERS, events_per_branch=0,
                                 member_accounts=False)
    kind, conn = fixtures.connect(url)
    now = fixtures.clock.now().replace(microsecond=0)
    plan = _plan()
    groups, events, minutes, records = [], [], [], []
    try:
        fixtures._catch_up(conn, world, ("event", "record"))
        fixtures._begin(kind, conn)
        for b in world.branch_ids:
            group = world.ids("party_group", 1)[0]
            groups.append((group, b, "第一党小组"))
            for kind_name, starts, for_group in plan:
                e = world.ids("event", 1)[0]
                ends = starts + dt.timedelta(hours=2)
                events.append((e, b, group if for_group else None, kind_name, f"{kind_name} {starts:%m-%d}", starts,
                               ends, starts - dt.timedelta(minutes=30), ends, "held", f"S{e:031d}", now))
                minutes.append((world.ids("minutes", 1)[0], e, "会议记录：学习传达上级精神。", 1, now, now))
                for m in world.members[b]:
                    r = world.ids("record", 1)[0]
                    records.append((r, m, b, "attendance", e, starts.astimezone(CHINA).date(), "参加活动", "event_code",
                                    starts, f"c{r:015d}", [], now, now, 1))
        fixtures.bulk_insert(kind, conn, "party_group", ("id", "branch_id", "name"), groups)
        fixtures.bulk_insert(kind, conn, "event", ("id", "branch_id", "group_id", "kind", "title", "starts_at",
                                                   "ends_at", "checkin_opens_at", "checkin_closes_at", "status",
                                                   "code_secret", "created_at"), events)
        fixtures.bulk_insert(kind, conn, "minutes", ("id", "event_id", "text", "version", "created_at", "updated_at"),
                             minutes)
        fixtures.bulk_insert(kind, conn, "record", ("id", "member_id", "branch_id", "kind", "event_id", "occurred_on",
                                                    "title", "checkin_method", "checked_in_at", "source_nonce",
                                                    "review_flags", "created_at", "updated_at", "version"), records)
        fixtures._commit(kind, conn, ("party_group", "event", "minutes", "record"))
        if kind == "postgresql":
            conn.autocommit = True
            for table in ("event", "record", "minutes", "branch"):
                conn.execute(f"VACUUM ANALYZE {table}")
    finally:
        conn.close()
    print(f"   {kind}: {len(world.branch_ids)} branches, {len(events)} events, {len(records)} records", flush=True)
    return world


def _statements(app):
    from server.core.db import db

    with app.app_context():
        engine = db.engine
    count = [0]

    def before(*_):
        count[0] += 1

    sa.event.listen(engine, "before_cursor_execute", before)
    return count, lambda: sa.event.remove(engine, "before_cursor_execute", before)


def _median(fn) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def run(report: Report, workdir: Path, backends: list[str]) -> None:
    from server.auth.access import branches_under
    from server.auth.models import User
    from server.compliance import export, operations
    from server.core.db import db
    from server.org.models import Committee

    size = f"{BRANCHES} branches"
    for kind in backends:
        url, drop = new_database(kind, workdir)
        try:
            world = build(url)
            app = fixtures.app_for(world)
            with app.app_context():
                user = User(username="county", password_hash="-", committee_id=world.committee_id)
                db.session.add(user)
                db.session.commit()
                user_id = user.id

            def judge():
                with app.app_context():
                    committee = db.session.get(Committee, world.committee_id)
                    data = operations.committee_compliance(committee, branches_under(committee.id), YEAR, MONTH, TODAY)
                    assert len(data["branches"]) == BRANCHES
                    db.session.rollback()
                    return data

            count, stop = _statements(app)
            judge()
            count[0] = 0
            judge()
            statements = count[0]
            stop()
            seconds = _median(judge)
            group = f"compliance ({kind})"
            report.add(group, f"judge all branches ({size})", seconds * 1000, "ms", higher_is_better=False)
            report.add(group, "judge per branch", seconds * 1000 / BRANCHES, "ms", higher_is_better=False)
            report.add(group, "SQL statements per judgement", statements, "queries", higher_is_better=False,
                       note="fixed whatever the number of branches (facts loaders)")

            headers = fixtures.bearer(app, user_id)
            client = app.test_client()

            def screen():
                response = client.get(f"/api/v1/committees/{world.committee_id}/compliance?year={YEAR}&month={MONTH}",
                                      headers=headers)
                assert response.status_code == 200, response.data[:200]

            report.add(group, f"GET committee compliance ({size})", _median(screen) * 1000, "ms",
                       higher_is_better=False)

            def workbook():
                data = judge()
                with app.app_context():
                    export.committee_workbook(data).save(io.BytesIO())

            report.add(group, f"compliance.xlsx ({size})", _median(workbook) * 1000, "ms", higher_is_better=False,
                       note="the judgement, then the workbook built and saved")
            with app.app_context():
                db.engine.dispose()
        finally:
            drop()
