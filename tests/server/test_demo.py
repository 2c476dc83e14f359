"""The demo data set (`flask demo`): complete, consistent with the invariants, and idempotent."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from server.cards.models import Card
from server.core.db import db
from server.core.enums import (
    CardKind,
    CardStatus,
    CheckinMethod,
    EventKind,
    EventStatus,
    MemberStatus,
    RecordKind,
    Sector,
)
from server.demo.operations import CHINA, COMMITTEE_NAME, DEMO_LOGINS, DEMO_PASSWORD, load_demo
from server.events.models import Event
from server.org.models import Branch, Committee, FloatingMembership, Member
from server.records.models import Record
from sync import clock
from tests.conftest import rolled_back, shared_app


@dataclasses.dataclass
class Demo:
    app: object
    client: object
    logins: list[tuple[str, str]]


def _load(backend, request, tmp_path_factory) -> Demo:
    app = shared_app(backend, request, tmp_path_factory)
    with app.app_context():
        created, logins = load_demo()
        db.session.commit()
    assert created
    return Demo(app, app.test_client(), logins)


# The demo is loaded once per backend for this module (and once per date for the `dated` tests);
# each test reads it, and anything a test changes is rolled back (tests/conftest.py `rolled_back`).
@pytest.fixture(scope="module")
def _demo_today(backend, request, tmp_path_factory) -> Demo:
    return _load(backend, request, tmp_path_factory)


@pytest.fixture(scope="module")
def _demo_on_date(suite_date, backend, request, tmp_path_factory) -> Demo:
    return _load(backend, request, tmp_path_factory)


@pytest.fixture
def demo(request, backend):
    dated = request.node.get_closest_marker("dated") is not None
    loaded = request.getfixturevalue("_demo_on_date" if dated else "_demo_today")
    with rolled_back(loaded.app):
        yield loaded


def row_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def login(client, username):
    return client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})


def township_branches():
    """The township's three branches (the second township's new branch aside)."""
    return db.session.scalars(sa.select(Branch).join(Committee).where(Committee.name == COMMITTEE_NAME)).all()


def test_three_branches_one_per_sector_with_two_groups_and_about_thirty_members(demo):
    with demo.app.app_context():
        branches = township_branches()
        assert {b.sector for b in branches} == {Sector.village, Sector.agency, Sector.enterprise}
        assert {b.name for b in branches} == {"红旗村党支部", "县财政局机关党支部", "星火科技有限公司党支部"}
        assert all(len(b.groups) == 2 for b in branches)
        assert len({b.committee_id for b in branches}) == 1
        members = db.session.scalars(sa.select(Member).where(Member.branch_id.in_([b.id for b in branches]))).all()
        assert 27 <= len(members) <= 33
        probationary = [m for m in members if m.status == MemberStatus.probationary]
        assert probationary and all(m.admitted_on and m.full_since is None for m in probationary)
        assert len({m.dues_category for m in members}) >= 4


@pytest.mark.dated
def test_every_member_has_exactly_one_active_card_and_floating_members_a_floating_one(demo):
    with demo.app.app_context():
        member_ids = set(db.session.scalars(sa.select(Member.id)))
        active = db.session.execute(
            sa.select(Card.member_id, Card.kind).where(Card.status == CardStatus.active)
        ).all()
        assert sorted(m for m, _ in active) == sorted(member_ids)
        floating = db.session.scalars(sa.select(FloatingMembership)).all()
        assert len(floating) == 3
        floating_ids = {fm.member_id for fm in floating}
        assert all(fm.host_branch_id != fm.member.branch_id for fm in floating)
        assert all(fm.is_current(clock.today()) or fm.ends_on is None for fm in floating)
        assert {m for m, kind in active if kind == CardKind.floating} == floating_ids


@pytest.mark.dated
def test_past_events_are_held_with_attendance_and_upcoming_events_exist(demo):
    now = clock.now()
    with demo.app.app_context():
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


def test_attendance_records_are_unique_per_member_and_event_and_partly_signed_off(demo):
    with demo.app.app_context():
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
        # Dues are payments now (server/dues, tests/server/test_dues_demo.py), not records.
        assert RecordKind.service in kinds and RecordKind.dues not in kinds


def test_every_demo_record_and_event_is_in_the_change_feed_for_phones(demo):
    from server.sync_api.models import ChangeEntry

    with demo.app.app_context():
        for entity, model in (("record", Record), ("event", Event), ("card", Card), ("member", Member)):
            fed = set(db.session.scalars(sa.select(ChangeEntry.entity_id).where(ChangeEntry.entity == entity)))
            assert fed == set(db.session.scalars(sa.select(model.id))), entity


def test_demo_logins_work_and_the_secretary_manages_a_branch(demo):
    usernames = [u for u, _ in demo.logins]
    assert {"hongqi_shuji", "caizheng_shuji", "xinghuo_shuji", "chengguan"} <= set(usernames)
    assert demo.logins == DEMO_LOGINS
    tokens = login(demo.client, "hongqi_shuji")
    assert tokens.status_code == 200, tokens.json
    me = demo.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {tokens.json['access_token']}"})
    assert me.status_code == 200
    assert me.json["managed_branch_ids"] == [me.json["home_branch_id"]]
    committee = login(demo.client, "chengguan")
    me = demo.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {committee.json['access_token']}"})
    assert len(me.json["overseen_branch_ids"]) == 3
    floating = login(demo.client, "zhaolei")
    me = demo.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {floating.json['access_token']}"})
    assert len(me.json["host_branch_ids"]) == 1 and me.json["managed_branch_ids"] == []
    for username in usernames:
        assert login(demo.client, username).status_code == 200, username


def test_loading_twice_changes_nothing(demo):
    with demo.app.app_context():
        before = row_counts()
        created, logins = load_demo()
        db.session.commit()
        assert not created and logins == demo.logins
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


def _previous_month(day: dt.date) -> tuple[int, int]:
    return (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)


@pytest.mark.dated
def test_the_demo_gives_a_realistic_compliance_picture(demo):
    """What the demo promises a newcomer, on every day of the period (docs/compliance.md, "The demo"):
    last month, Xinghuo's production group missed its meeting and the finance bureau sent the
    activity-day notice late; Hongqi has not written up its latest committee meeting, so the
    minutes rule (3M1-minutes) of that meeting's month is not met until it has minutes: this month
    once this month's meeting was held, last month on the days before it. The meeting itself was
    held with attendance: 3M1-committee is met (a meeting without minutes is one miss, not two)."""
    from server.minutes.models import Minutes

    today, now = clock.today(), clock.now()
    year, month = _previous_month(today)
    token = login(demo.client, "chengguan").json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    committee_id = demo.client.get("/api/v1/auth/me", headers=headers).json["committee_id"]

    def branch_rows(y, m):
        data = demo.client.get(f"/api/v1/committees/{committee_id}/compliance?year={y}&month={m}", headers=headers).json
        return {r["branch_name"]: r for r in data["branches"]}

    rows = branch_rows(year, month)
    assert rows["星火科技有限公司党支部"]["states"]["3M1-group"] == "missed"
    assert rows["县财政局机关党支部"]["states"]["DAY-notice"] == "late"
    assert all(not r["silent"] for r in rows.values())
    assert sum(state == "met" for r in rows.values() for state in r["states"].values()) >= 15

    with demo.app.app_context():
        hongqi = db.session.scalar(sa.select(Branch.id).where(Branch.name == "红旗村党支部"))
        meetings = db.session.scalars(
            sa.select(Event).where(Event.branch_id == hongqi, Event.kind == EventKind.branch_committee_meeting,
                                   Event.ends_at <= now).order_by(Event.starts_at)).all()
        latest = meetings[-1]
        latest_month = latest.starts_at.astimezone(CHINA).date().replace(day=1)
        written = set(db.session.scalars(sa.select(Minutes.event_id)))
        assert latest.id not in written and all(m.id in written for m in meetings[:-1])
        held = db.session.scalars(sa.select(Event.id).where(Event.status == EventStatus.held)).all()
        assert 0.9 * len(held) <= len(written & set(held)) < len(held)
    secretary = login(demo.client, "hongqi_shuji").json["access_token"]
    query = f"year={latest_month.year}&month={latest_month.month}"
    unwritten = demo.client.get(f"/api/v1/branches/{hongqi}/compliance?{query}",
                                headers={"Authorization": f"Bearer {secretary}"}).json
    results = {r["rule"]: r for r in unwritten["results"] if r["scope"]["kind"] == "branch"}
    assert results["3M1-committee"]["state"] == "met"
    assert results["3M1-committee"]["evidence"]["events"] == [latest.id]
    rule = results["3M1-minutes"]
    assert rule["next_step"]["key"] == "minutes.incomplete" and rule["next_step"]["params"]["event_id"] == latest.id
    assert rule["next_step"]["params"]["missing"] == ["minutes"] and rule["next_step"]["params"]["count"] == 1
    assert not any(r["next_step"] and r["next_step"]["params"].get("event_id") == latest.id
                   for r in unwritten["results"] if r["rule"] != "3M1-minutes")
    assert rows["红旗村党支部"]["states"]["3M1-committee"] == "met"
    if latest_month == today.replace(day=1):
        # This month's meeting was held: it waits for its minutes, and last month is met.
        assert rule["state"] == "due"
        assert rows["红旗村党支部"]["states"]["3M1-minutes"] == "met"
    else:
        # Before this month's meeting: last month's is the one without minutes, and the month is over.
        assert (latest_month.year, latest_month.month) == (year, month)
        assert rule["state"] == "missed" and rows["红旗村党支部"]["states"]["3M1-minutes"] == "missed"
    if today >= dt.date(today.year, 1, 20):
        filings = demo.client.get(f"/api/v1/committees/{committee_id}/filings?kind=activity_day_plan&year={today.year}",
                             headers=headers).json
        assert len(filings) >= 2 and all(len(f["details"]["days"]) == 12 for f in filings)


@pytest.mark.dated
def test_the_demo_road_to_membership(demo):
    """server/recruitment/demo.py: 王芳's probation ended 17 days ago with no conversion discussion
    (REC-timeline late for Hongqi, naming her); 张伟's assessment is due within five weeks (his two
    contacts and the organizer have been told); an applicant with a recent letter; a candidate; the
    other probationary members' histories end on the day they were admitted."""
    from server.notifications.models import Notification
    from server.recruitment.models import RecruitmentCase
    from server.recruitment.pipeline import add_years

    today = clock.today()
    with demo.app.app_context():
        cases = {c.name: c for c in db.session.scalars(sa.select(RecruitmentCase))}
        assert {c.stage.value for c in cases.values()} == {"applicant", "activist", "candidate", "probationary"}
        for name in ("王芳", "胡静", "梁燕"):
            case = cases[name]
            assert case.member.name == name and case.member.status == MemberStatus.probationary
            assert case.probation_ends_on == add_years(case.member.admitted_on, 1)
            vote = next(s for s in case.steps if s.kind.value == "admission_vote")
            assert vote.on == case.member.admitted_on and vote.votes_for * 2 > vote.entitled
        assert (today - cases["王芳"].probation_ends_on).days in (17, 18)  # 18 only when 17 days ago was 29 Feb
        assert all(cases[n].probation_ends_on > today for n in ("胡静", "梁燕"))
        applicant = next(c for c in cases.values() if c.stage.value == "applicant")
        assert 0 <= (today - applicant.applied_on).days <= 30
        zhang = cases["张伟"]
        assert len([c for c in zhang.contacts if c.ended_on is None]) == 2
        told = set(db.session.scalars(sa.select(Notification.member_id).where(Notification.kind == "recruitment")))
        organizer = db.session.scalar(sa.select(Member.id).where(Member.name == "李秀英"))
        assert told == {c.member_id for c in zhang.contacts} | {organizer}
        hongqi = zhang.branch_id
    headers = {"Authorization": f"Bearer {login(demo.client, 'hongqi_zuzhi').json['access_token']}"}
    listed = demo.client.get(f"/api/v1/branches/{hongqi}/recruitment", headers=headers).json["cases"]
    assert listed[0]["name"] == "王芳" and listed[0]["overdue"]
    activist = next(c for c in listed if c["name"] == "张伟")
    assert 0 < (dt.date.fromisoformat(activist["next_deadline"]) - today).days <= 35
    data = demo.client.get(f"/api/v1/branches/{hongqi}/compliance", headers=headers).json
    [rec] = [r for r in data["results"] if r["rule"] == "REC-timeline"]
    assert rec["state"] == "late" and rec["next_step"]["key"] == "rec.conversion.overdue"
    assert rec["next_step"]["params"]["name"] == "王芳"
    assert any("张伟" in line for line in rec["evidence"]["details"])
    mine = demo.client.get("/api/v1/me/recruitment",
                           headers={"Authorization": f"Bearer {login(demo.client, 'wangfang').json['access_token']}"})
    assert mine.json["stage"] == "probationary" and mine.json["awaiting"] == "conversion_discussion"


@pytest.mark.dated
def test_the_demo_evaluation_under_way(demo):
    """server/evaluation/demo.py: Hongqi's evaluation of the year (in January, last year's) is under
    way: before its meeting six of ten self-assessments are written; once the meeting began, balloting
    is open with four phone ballots in and two paper forms handed out. EVAL-feedback is due."""
    from server.evaluation.demo import evaluation_year

    today = clock.today()
    secretary = {"Authorization": f"Bearer {login(demo.client, 'hongqi_shuji').json['access_token']}"}
    with demo.app.app_context():
        hongqi = db.session.scalar(sa.select(Branch.id).where(Branch.name == "红旗村党支部"))
    [evaluation] = demo.client.get(f"/api/v1/branches/{hongqi}/evaluations", headers=secretary).json
    assert evaluation["year"] == evaluation_year(today) and evaluation["progress"]["roll"] == 10
    progress = evaluation["progress"]
    if evaluation["stage"] == "self_assessment":
        assert progress["self_assessments"] == 6
        assert dt.datetime.fromisoformat(evaluation["meeting"]["starts_at"]) > clock.now()
        full = demo.client.get(f"/api/v1/evaluations/{evaluation['id']}", headers=secretary).json
        assert full["next_stage"] == "peer_assessment" and "王芳" in full["missing"][0]
    else:
        assert evaluation["stage"] == "balloting" and progress["self_assessments"] == 10
        assert progress["ballots_cast"] == 4 and progress["ballots_issued_phone"] == 4 and progress["paper_handed"] == 2
        assert demo.client.get(f"/api/v1/evaluations/{evaluation['id']}/tally", headers=secretary).status_code == 409
    mine = demo.client.get("/api/v1/me/evaluations",
                           headers={"Authorization": f"Bearer {login(demo.client, 'liming').json['access_token']}"}).json
    assert mine[0]["me"]["self_assessment"] and mine[0]["me"]["year_summary"]["events_expected"] > 0
    rule = next(r for r in demo.client.get(
        f"/api/v1/branches/{hongqi}/compliance?year={evaluation['year']}&month=12", headers=secretary).json["results"]
        if r["rule"] == "EVAL-feedback")
    assert rule["state"] == "due" and len(rule["evidence"]["details"]) == 10


@pytest.mark.dated
def test_every_demo_branch_is_judged_on_every_rule_of_spec_and_of_its_featured_systems(demo):
    """Issue 15's promise: the compliance view reports all 23 rule ids of SPEC for each demo branch,
    with a state (none silently left out), plus the rules of the featured systems it adopted —
    judged, not "not applicable" — and the other templates' rules as not applicable."""
    from server.compliance.registry import SPEC_ORDER
    from server.featured.models import BranchFeaturedSystem

    with demo.app.app_context():
        adopted = {}
        for row in db.session.scalars(sa.select(BranchFeaturedSystem).where(BranchFeaturedSystem.dropped_on.is_(None))):
            adopted.setdefault(row.branch_id, set()).add(row.template_code)
        branches = {b.id: b.name for b in township_branches()}
    assert len(SPEC_ORDER) == 23 and len(branches) == 3
    assert all(adopted.get(b) for b in branches)  # each sector's branch adopted its templates
    secretaries = {"红旗村党支部": "hongqi_shuji", "县财政局机关党支部": "caizheng_shuji", "星火科技有限公司党支部": "xinghuo_shuji"}
    today = clock.today()
    for branch_id, name in branches.items():
        token = login(demo.client, secretaries[name]).json["access_token"]
        view = demo.client.get(f"/api/v1/branches/{branch_id}/compliance?year={today.year}&month={today.month}",
                               headers={"Authorization": f"Bearer {token}"}).json
        states = {}
        for r in view["results"]:
            states.setdefault(r["rule"], set()).add(r["state"])
        assert set(SPEC_ORDER) <= set(states), (name, set(SPEC_ORDER) - set(states))
        featured = {rule for rule in states if rule.startswith("X-")}
        judged = {rule for rule in featured if states[rule] != {"not_applicable"}}
        assert judged, name  # the adopted templates' rules are judged this year


def test_the_county_oversees_both_townships_and_the_township_only_its_own(demo):
    """The committee tree: 青山县委组织部 over 城关镇党委 (the three branches) and 柳林镇党委 (a branch
    onboarded three weeks ago, nothing held yet, so not silent and last year's rules not applicable)."""
    today = clock.today()
    county = {"Authorization": f"Bearer {login(demo.client, 'qingshan').json['access_token']}"}
    me = demo.client.get("/api/v1/auth/me", headers=county).json
    assert len(me["overseen_branch_ids"]) == 4
    top = demo.client.get(f"/api/v1/committees/{me['committee_id']}/compliance", headers=county).json
    assert top["committee_name"] == "青山县委组织部" and top["branches"] == []
    lines = {c["committee_name"]: c for c in top["committees"]}
    assert [(name, c["branch_count"]) for name, c in lines.items()] == [("城关镇党委", 3), ("柳林镇党委", 1)]
    assert lines["柳林镇党委"]["silent_count"] == 0
    down = demo.client.get(f"/api/v1/committees/{lines['柳林镇党委']['committee_id']}/compliance?year={today.year - 2}"
                           "&month=6", headers=county).json  # long before it registered
    assert [p["committee_name"] for p in down["path"]] == ["青山县委组织部", "柳林镇党委"]
    [branch] = down["branches"]
    assert branch["branch_name"] == "柳林村党支部" and set(branch["states"].values()) == {"not-applicable"}
    township = {"Authorization": f"Bearer {login(demo.client, 'chengguan').json['access_token']}"}
    assert demo.client.get(f"/api/v1/committees/{me['committee_id']}/compliance", headers=township).status_code == 403
    assert demo.client.get(f"/api/v1/committees/{lines['柳林镇党委']['committee_id']}/compliance",
                           headers=township).status_code == 403
    assert demo.client.get(f"/api/v1/branches/{branch['branch_id']}/compliance", headers=township).status_code == 403


@pytest.mark.db
@pytest.mark.dated
def test_hongqis_secretary_has_last_years_review_graded_good(demo):
    """述职评议 (server/secretary_review/demo.py): submitted for last year and graded 好."""
    from server.demo.operations import COMMITTEE_USERNAME

    client, last_year = demo.client, clock.today().year - 1
    secretary = {"Authorization": f"Bearer {login(client, 'hongqi_shuji').json['access_token']}"}
    branch_id = client.get("/api/v1/auth/me", headers=secretary).json["managed_branch_ids"][0]
    page = client.get(f"/api/v1/branches/{branch_id}/secretary-reviews/{last_year}", headers=secretary).json
    assert (page["branch_name"], page["state"], page["grade_zh"]) == ("红旗村党支部", "graded", "好")
    assert page["sections"][0]["text"].startswith("一年来") and not page["may_edit"]
    committee = {"Authorization": f"Bearer {login(client, COMMITTEE_USERNAME).json['access_token']}"}
    committee_id = client.get("/api/v1/auth/me", headers=committee).json["committee_id"]
    rows = client.get(f"/api/v1/committees/{committee_id}/secretary-reviews", headers=committee).json
    assert [(r["branch_name"], r["grade_zh"]) for r in rows if r["state"] != "none"] == [("红旗村党支部", "好")]
