"""The demo data set (`flask demo`): complete, consistent with the invariants, and idempotent."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from server.cards.models import Card
from server.core.db import db, utcnow
from server.core.enums import (
    CardKind, CardStatus, CheckinMethod, EventKind, EventStatus, MemberStatus, RecordKind, Sector,
)
from server.demo.operations import CHINA, DEMO_LOGINS, DEMO_PASSWORD, load_demo
from server.events.models import Event
from server.org.models import Branch, FloatingMembership, Member
from server.records.models import Record


@pytest.fixture
def demo(app):
    with app.app_context():
        created, logins = load_demo()
        db.session.commit()
    assert created
    return logins


def row_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def login(client, username):
    return client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})


def test_three_branches_one_per_sector_with_two_groups_and_about_thirty_members(app, demo):
    with app.app_context():
        branches = db.session.scalars(sa.select(Branch)).all()
        assert {b.sector for b in branches} == {Sector.village, Sector.agency, Sector.enterprise}
        assert {b.name for b in branches} == {"红旗村党支部", "县财政局机关党支部", "星火科技有限公司党支部"}
        assert all(len(b.groups) == 2 for b in branches)
        assert len({b.committee_id for b in branches}) == 1
        members = db.session.scalars(sa.select(Member)).all()
        assert 27 <= len(members) <= 33
        probationary = [m for m in members if m.status == MemberStatus.probationary]
        assert probationary and all(m.admitted_on and m.full_since is None for m in probationary)
        assert len({m.dues_category for m in members}) >= 4


def test_every_member_has_exactly_one_active_card_and_floating_members_a_floating_one(app, demo):
    with app.app_context():
        member_ids = set(db.session.scalars(sa.select(Member.id)))
        active = db.session.execute(
            sa.select(Card.member_id, Card.kind).where(Card.status == CardStatus.active)
        ).all()
        assert sorted(m for m, _ in active) == sorted(member_ids)
        floating = db.session.scalars(sa.select(FloatingMembership)).all()
        assert len(floating) == 3
        floating_ids = {fm.member_id for fm in floating}
        assert all(fm.host_branch_id != fm.member.branch_id for fm in floating)
        assert all(fm.is_current(dt.date.today()) or fm.ends_on is None for fm in floating)
        assert {m for m, kind in active if kind == CardKind.floating} == floating_ids


def test_past_events_are_held_with_attendance_and_upcoming_events_exist(app, demo):
    now = utcnow()
    with app.app_context():
        events = db.session.scalars(sa.select(Event)).all()
        past = [e for e in events if e.ends_at <= now]
        upcoming = [e for e in events if e.starts_at > now]
        assert past and upcoming
        assert all(e.status == EventStatus.held for e in past)
        assert all(e.status == EventStatus.planned for e in upcoming)
        attended = set(db.session.scalars(sa.select(Record.event_id).where(Record.kind == RecordKind.attendance)))
        assert all(e.id in attended for e in past)
        assert not any(e.id in attended for e in upcoming)
        kinds = {e.kind for e in events}
        assert {EventKind.branch_committee_meeting, EventKind.group_meeting, EventKind.activity_day,
                EventKind.general_assembly, EventKind.party_lecture} <= kinds
        for e in events:
            local = e.starts_at.astimezone(CHINA)
            assert 8 <= local.hour <= 20, (e.title, local)
            if e.kind == EventKind.activity_day:
                assert local.weekday() == 2 and (local.hour, local.minute) == (14, 30)


def test_attendance_records_are_unique_per_member_and_event_and_partly_signed_off(app, demo):
    with app.app_context():
        duplicates = db.session.execute(
            sa.select(Record.member_id, Record.event_id)
            .where(Record.event_id.is_not(None))
            .group_by(Record.member_id, Record.event_id)
            .having(sa.func.count() > 1)
        ).all()
        assert duplicates == []
        attendance = db.session.scalars(sa.select(Record).where(Record.kind == RecordKind.attendance)).all()
        assert {r.checkin_method for r in attendance} == {CheckinMethod.event_code, CheckinMethod.card_scan}
        confirmed = [r for r in attendance if r.confirmed_at is not None]
        assert confirmed and len(confirmed) < len(attendance)
        assert all(r.confirmed_by_id is not None for r in confirmed)
        assert any(r.acknowledged_at is not None for r in attendance)
        # Floating members' check-ins at the host are kept by the host branch.
        hosted = [r for r in attendance if r.branch_id != r.member.branch_id]
        assert hosted
        kinds = set(db.session.scalars(sa.select(Record.kind)))
        assert {RecordKind.dues, RecordKind.service} <= kinds


def test_every_demo_record_and_event_is_in_the_change_feed_for_phones(app, demo):
    from server.sync_api.models import ChangeEntry

    with app.app_context():
        for entity, model in (("record", Record), ("event", Event), ("card", Card), ("member", Member)):
            fed = set(db.session.scalars(sa.select(ChangeEntry.entity_id).where(ChangeEntry.entity == entity)))
            assert fed == set(db.session.scalars(sa.select(model.id))), entity


def test_demo_logins_work_and_the_secretary_manages_a_branch(client, demo):
    usernames = [u for u, _ in demo]
    assert {"hongqi_shuji", "caizheng_shuji", "xinghuo_shuji", "chengguan"} <= set(usernames)
    assert demo == DEMO_LOGINS
    tokens = login(client, "hongqi_shuji")
    assert tokens.status_code == 200, tokens.json
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {tokens.json['access_token']}"})
    assert me.status_code == 200
    assert me.json["managed_branch_ids"] == [me.json["home_branch_id"]]
    committee = login(client, "chengguan")
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {committee.json['access_token']}"})
    assert len(me.json["overseen_branch_ids"]) == 3
    floating = login(client, "zhaolei")
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {floating.json['access_token']}"})
    assert len(me.json["host_branch_ids"]) == 1 and me.json["managed_branch_ids"] == []
    for username in usernames:
        assert login(client, username).status_code == 200, username


def test_loading_twice_changes_nothing(app, demo):
    with app.app_context():
        before = row_counts()
        created, logins = load_demo()
        db.session.commit()
        assert not created and logins == demo
        assert row_counts() == before


def test_cli_loads_and_prints_the_logins(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded." in result.output
    assert DEMO_PASSWORD in result.output
    for username, _ in DEMO_LOGINS:
        assert username in result.output
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "nothing changed" in again.output and "hongqi_shuji" in again.output


def test_cli_if_empty_loads_an_empty_database_and_skips_a_filled_one(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "--if-empty"])
    assert first.exit_code == 0 and "Demo data loaded." in first.output
    with app.app_context():
        before = row_counts()
    second = runner.invoke(args=["demo", "--if-empty"])
    assert second.exit_code == 0
    assert "skipped" in second.output
    with app.app_context():
        assert row_counts() == before


def test_the_demo_gives_a_realistic_compliance_picture(app, client, demo):
    from server.calendar.days import china_today
    from server.minutes.models import Minutes

    today = china_today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    token = login(client, "chengguan").json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    committee_id = client.get("/api/v1/auth/me", headers=headers).json["committee_id"]
    data = client.get(f"/api/v1/committees/{committee_id}/compliance?year={year}&month={month}", headers=headers).json
    rows = {r["branch_name"]: r for r in data["branches"]}
    assert rows["星火科技有限公司党支部"]["states"]["3M1-group"] == "missed"
    assert rows["县财政局机关党支部"]["states"]["DAY-notice"] == "late"
    assert rows["红旗村党支部"]["states"]["3M1-committee"] == "met"
    assert all(not r["silent"] for r in rows.values())
    assert sum(state == "met" for r in rows.values() for state in r["states"].values()) >= 15
    with app.app_context():
        held = db.session.scalars(sa.select(Event.id).where(Event.status == EventStatus.held)).all()
        written = set(db.session.scalars(sa.select(Minutes.event_id)))
        assert 0.9 * len(held) <= len(written & set(held)) < len(held)
    if today >= dt.date(today.year, 1, 20):
        filings = client.get(f"/api/v1/committees/{committee_id}/filings?kind=activity_day_plan&year={today.year}",
                             headers=headers).json
        assert len(filings) >= 2 and all(len(f["details"]["days"]) == 12 for f in filings)
