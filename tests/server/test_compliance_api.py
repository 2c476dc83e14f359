"""The compliance endpoints and exports over real data (today frozen at 20 October 2026)."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from server.auth.operations import create_user
from server.core.db import db
from server.core.enums import EventKind, EventStatus, FilingDecision, FilingKind, Sector
from server.events.models import Event
from server.filings.models import RectificationItem
from server.org.models import Branch, Committee, Group, Member
from tests.server import factories
from tests.server.querycount import statements_run

D = dt.date
TODAY = D(2026, 10, 20)


@pytest.fixture
def frozen(clock):
    clock.set_now(TODAY)
    return TODAY


@pytest.fixture
def october(app, world, frozen):
    """Branch A in October 2026: a committee meeting, group 1's meeting, the activity day on the
    14th (notice on the 10th), a lecture without minutes; group 2 has not met. Branch B is silent."""
    with app.app_context():
        a = db.session.get(Branch, world.branch_a)
        b = db.session.get(Branch, world.branch_b)
        a.created_at = b.created_at = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
        group1 = db.session.get(Group, world.group_a)
        group2 = factories.create_group(a, "第二党小组")
        members = db.session.scalars(sa.select(Member).where(Member.branch_id == a.id)).all()
        secretary = db.session.get(Member, world.secretary_a)
        ids = {"group2": group2.id}
        ids["committee"] = factories.create_meeting(a, EventKind.branch_committee_meeting, D(2026, 10, 8),
                                                    attendees=[secretary]).id
        ids["group1"] = factories.create_meeting(a, EventKind.group_meeting, D(2026, 10, 13), group_id=group1.id,
                                                 attendees=[m for m in members if m.group_id == group1.id]).id
        day = factories.create_meeting(a, EventKind.activity_day, D(2026, 10, 14), attendees=members, hour=14)
        day.notice, day.notice_published_at = "10月14日主题党日", factories.china_time(D(2026, 10, 10), 10)
        ids["day"] = day.id
        ids["lecture"] = factories.create_meeting(a, EventKind.party_lecture, D(2026, 10, 16), attendees=members,
                                                  minutes=False).id
        factories.create_filing(a, FilingKind.activity_day_plan, 2026,
                                filed_at=factories.china_time(D(2026, 1, 20), 10))
        factories.create_meeting(b, EventKind.branch_committee_meeting, D(2026, 8, 3),
                                 attendees=[db.session.get(Member, world.secretary_b)])
        db.session.commit()
    return ids


def get(client, auth, url, who="secretary_a"):
    response = client.get(url, headers=auth.headers(who))
    assert response.status_code == 200, response.json
    return response.json


def by_rule(results):
    out = {}
    for r in results:
        key = r["rule"] if r["scope"]["kind"] == "branch" else (r["rule"], r["scope"]["group_name"])
        out[key] = r
    return out


def test_branch_compliance_reports_each_rule_with_state_evidence_and_next_step(client, auth, world, october):
    data = get(client, auth, f"/api/v1/branches/{world.branch_a}/compliance?year=2026&month=10")
    assert data["periods"]["quarter"]["label"] == "2026-Q4" and data["today"] == "2026-10-20"
    rules = by_rule(data["results"])
    assert rules["3M1-committee"]["state"] == "met"
    assert rules["3M1-committee"]["evidence"]["events"] == [october["committee"]]
    assert rules["3M1-committee"]["evidence"]["minutes"] and rules["3M1-committee"]["evidence"]["records"] == 1
    assert rules[("3M1-group", "第一党小组")]["state"] == "met"
    second = rules[("3M1-group", "第二党小组")]
    assert second["state"] == "due" and second["next_step"]["text"] == "第二党小组本月尚未召开党小组会"
    assert rules["DAY-date"]["state"] == "met" and rules["DAY-date"]["deadline"] == "2026-10-14"
    assert rules["DAY-notice"]["state"] == "met"
    assert rules["DAY-attendance"]["state"] == "met"
    assert rules["DAY-plan"]["state"] == "met" and len(rules["DAY-plan"]["evidence"]["filings"]) == 1
    # The lecture has no minutes: it was held with attendance, so it counts for 3M1-lecture, and the
    # minutes rule (the only one judging minutes) names it.
    assert rules["3M1-lecture"]["state"] == "met" and rules["3M1-lecture"]["evidence"]["events"] == [october["lecture"]]
    assert rules["3M1-minutes"]["state"] == "due" and rules["3M1-minutes"]["next_step"]["key"] == "minutes.incomplete"
    assert rules["3M1-minutes"]["next_step"]["params"] == {
        "what": "party_lecture", "event_id": october["lecture"], "date": "2026-10-16", "missing": ["minutes"],
        "count": 1}
    assert rules["OLM-held"]["state"] == "due" and rules["OLM-report"]["state"] == "not-applicable"
    assert data["silent"] is False and data["last_event_on"] == "2026-10-16"
    assert sum(data["summary"].values()) == len(data["results"])


def test_adding_the_minutes_makes_the_minutes_rule_met(app, client, auth, world, october):
    with app.app_context():
        factories.create_minutes(db.session.get(Event, october["lecture"]))
        db.session.commit()
    rules = by_rule(get(client, auth, f"/api/v1/branches/{world.branch_a}/compliance?year=2026&month=10")["results"])
    assert rules["3M1-lecture"]["state"] == "met" and rules["3M1-minutes"]["state"] == "met"


def test_a_past_month_shows_missed_and_defaults_to_today(client, auth, world, october):
    september = by_rule(get(client, auth, f"/api/v1/branches/{world.branch_a}/compliance?year=2026&month=9")["results"])
    assert september["3M1-committee"]["state"] == "missed" and september["DAY-date"]["state"] == "missed"
    default = get(client, auth, f"/api/v1/branches/{world.branch_a}/compliance")
    assert (default["year"], default["month"]) == (2026, 10)


def test_who_may_see_a_branchs_compliance(client, auth, world, october):
    url = f"/api/v1/branches/{world.branch_a}/compliance"
    for who in ("secretary_a", "committee"):
        assert client.get(url, headers=auth.headers(who)).status_code == 200
    for who in ("member", "floating", "secretary_b", "other_committee"):
        assert client.get(url, headers=auth.headers(who)).status_code == 403, who
    assert client.get(url).status_code == 401
    assert client.get(url + "?month=13", headers=auth.headers("secretary_a")).status_code == 422


def test_committee_compliance_one_row_per_branch_with_silent_warning(client, auth, world, october):
    data = get(client, auth, f"/api/v1/committees/{world.committee_id}/compliance?year=2026&month=10", "committee")
    rows = {r["branch_name"]: r for r in data["branches"]}
    assert set(rows) == {"红旗村党支部", "县财政局机关党支部"}  # not the other committee's branch
    a, b = rows["红旗村党支部"], rows["县财政局机关党支部"]
    assert a["states"]["3M1-committee"] == "met"
    assert a["states"]["3M1-group"] == "due"  # the worst of its two groups
    assert b["states"]["3M1-group"] == "not-applicable"  # B has no groups
    assert a["silent"] is False
    assert b["silent"] is True and b["last_event_on"] == "2026-08-03" and b["days_since_last_event"] == 78
    assert [r["id"] for r in data["rules"]][:2] == ["3M1-committee", "3M1-group"]
    for who in ("secretary_a", "member", "other_committee"):
        assert client.get(f"/api/v1/committees/{world.committee_id}/compliance",
                          headers=auth.headers(who)).status_code == 403, who


def test_a_past_planned_event_nobody_attended_does_not_break_the_silence(app, client, auth, world, october):
    """Only an event that happened (held, or with attendance) is activity for the silent-branch warning."""
    url = f"/api/v1/committees/{world.committee_id}/compliance?year=2026&month=10"
    with app.app_context():
        b = db.session.get(Branch, world.branch_b)
        factories.create_event_for(b, kind=EventKind.party_lecture, title="无人到场的党课",
                                   starts_at=factories.china_time(D(2026, 10, 12)))
        db.session.commit()
    rows = {r["branch_name"]: r for r in get(client, auth, url, "committee")["branches"]}
    assert rows["县财政局机关党支部"]["silent"] is True
    assert rows["县财政局机关党支部"]["last_event_on"] == "2026-08-03"
    branch = get(client, auth, f"/api/v1/branches/{world.branch_b}/compliance?year=2026&month=10", "secretary_b")
    assert branch["silent"] is True and branch["last_event_on"] == "2026-08-03"
    # Attendance taken at a meeting nobody marked held: it happened.
    with app.app_context():
        b = db.session.get(Branch, world.branch_b)
        attended = factories.create_event_for(b, kind=EventKind.group_meeting, title="有人签到的会议",
                                              starts_at=factories.china_time(D(2026, 10, 15)))
        factories.create_record(db.session.get(Member, world.member_b), event=attended, occurred_on=D(2026, 10, 15))
        db.session.commit()
    rows = {r["branch_name"]: r for r in get(client, auth, url, "committee")["branches"]}
    assert rows["县财政局机关党支部"]["silent"] is False
    assert rows["县财政局机关党支部"]["last_event_on"] == "2026-10-15"


def test_an_org_life_meeting_postponed_into_january_is_seen_from_december(app, client, auth, world, clock):
    """An approved postponement carries the year's org-life meeting into the next year (until
    31 March): the year's view, from any of its months, shows it planned and then held."""
    clock.set_now(D(2026, 12, 10))
    with app.app_context():
        a = db.session.get(Branch, world.branch_a)
        a.created_at = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
        approval = factories.create_filing(
            a, FilingKind.org_life_date_change, 2026, requested_on=D(2027, 1, 20),
            filed_at=factories.china_time(D(2026, 11, 20)), decision=FilingDecision.approved,
            decided_at=factories.china_time(D(2026, 11, 25)))
        meeting = factories.create_event_for(a, kind=EventKind.org_life_meeting, title="2026年度组织生活会",
                                             starts_at=factories.china_time(D(2027, 1, 20), 14))
        db.session.commit()
        meeting_id, approval_id = meeting.id, approval.id
    url = f"/api/v1/branches/{world.branch_a}/compliance?year=2026&month="
    for month in (12, 6):
        held = by_rule(get(client, auth, url + str(month))["results"])["OLM-held"]
        assert held["state"] == "due" and held["deadline"] == "2027-01-20"
        assert held["evidence"]["events"] == [meeting_id] and held["evidence"]["filings"] == [approval_id]
        assert held["next_step"]["key"] == "meeting.planned" and held["next_step"]["params"]["date"] == "2027-01-20"
        assert held["next_step"]["params"]["event_id"] == meeting_id

    # Held on the day with attendance and minutes; the report (linked to the meeting) and the
    # rectification items within 15 days.
    clock.set_now(D(2027, 1, 28))
    with app.app_context():
        a = db.session.get(Branch, world.branch_a)
        meeting = db.session.get(Event, meeting_id)
        meeting.status = EventStatus.held
        factories.create_record(db.session.get(Member, world.member), event=meeting, occurred_on=D(2027, 1, 20))
        factories.create_minutes(meeting)
        report = factories.create_filing(a, FilingKind.org_life_report, 2026, event_id=meeting_id,
                                         filed_at=factories.china_time(D(2027, 1, 26)))
        db.session.add(RectificationItem(branch_id=a.id, year=2026, event_id=meeting_id, problem="联系群众不够紧密",
                                         announced_at=factories.china_time(D(2027, 1, 27))))
        db.session.commit()
        report_id = report.id
    for month in (12, 6):
        rules = by_rule(get(client, auth, url + str(month))["results"])
        assert rules["OLM-held"]["state"] == "met" and rules["OLM-held"]["evidence"]["events"] == [meeting_id]
        assert rules["OLM-report"]["state"] == "met" and rules["OLM-report"]["evidence"]["events"] == [meeting_id]
        assert rules["OLM-report"]["evidence"]["filings"] == [report_id]
    # It is 2026's meeting, not 2027's held early.
    january = by_rule(get(client, auth, f"/api/v1/branches/{world.branch_a}/compliance?year=2027&month=1")["results"])
    assert january["OLM-held"]["state"] == "due" and meeting_id not in january["OLM-held"]["evidence"]["events"]


@pytest.mark.parametrize(("day", "counts"), [(D(2027, 3, 31), True), (D(2027, 4, 1), False)])
def test_a_postponed_org_life_meeting_counts_up_to_31_march_of_the_next_year(app, client, auth, world, clock,
                                                                              day, counts):
    clock.set_now(D(2027, 4, 2))
    with app.app_context():
        a = db.session.get(Branch, world.branch_a)
        a.created_at = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
        factories.create_filing(a, FilingKind.org_life_date_change, 2026, requested_on=D(2027, 3, 31),
                                filed_at=factories.china_time(D(2026, 11, 20)), decision=FilingDecision.approved,
                                decided_at=factories.china_time(D(2026, 11, 25)))
        meeting = factories.create_meeting(a, EventKind.org_life_meeting, day, hour=23,
                                           attendees=[db.session.get(Member, world.member)])
        db.session.commit()
        meeting_id = meeting.id
    held = by_rule(get(client, auth, f"/api/v1/branches/{world.branch_a}/compliance?year=2026&month=12")["results"])
    assert (held["OLM-held"]["state"], meeting_id in held["OLM-held"]["evidence"]["events"]) == \
        (("met", True) if counts else ("missed", False))


def test_a_parent_committee_sees_the_branches_of_its_sub_committees(app, client, auth, world, october):
    with app.app_context():
        from server.auth.operations import create_user

        county = factories.create_committee("县委组织部")
        db.session.get(Committee, world.committee_id).parent = county
        create_user("county", factories.PASSWORD, committee_id=county.id)
        db.session.commit()
        county_id = county.id
    data = get(client, auth, f"/api/v1/committees/{county_id}/compliance?year=2026&month=10", "county")
    # The township's two branches, aggregated on its line (tests/server/test_committee_tree.py).
    assert data["branches"] == [] and [c["branch_count"] for c in data["committees"]] == [2]
    assert client.get(f"/api/v1/committees/{county_id}/compliance", headers=auth.headers("committee")).status_code == 403
    assert client.get(f"/api/v1/committees/{world.committee_id}/compliance",
                      headers=auth.headers("county")).status_code == 200


def test_the_committee_view_costs_the_same_queries_for_many_branches(app, client, auth, world, october):
    def count_queries():
        return statements_run(app, lambda: get(
            client, auth, f"/api/v1/committees/{world.committee_id}/compliance?year=2026&month=10", "committee"))

    auth.tokens("committee")
    few = count_queries()
    with app.app_context():
        committee = db.session.get(Committee, world.committee_id)
        for n in range(12):
            branch = factories.create_branch(committee, f"第{n}党支部", Sector.enterprise)
            group = factories.create_group(branch, "一组")
            member = factories.create_member(branch, f"党员{n}", group=group)
            factories.create_meeting(branch, EventKind.group_meeting, D(2026, 10, 5 + n), group_id=group.id,
                                     attendees=[member])
        db.session.commit()
    many = count_queries()
    assert many == few


def test_the_calendar_warning_shows_on_the_compliance_views(client, auth, world, clock):
    clock.set_now(D(2029, 11, 2))
    client.put("/api/v1/calendar/years/2029", json={"csv": "2029-01-01,rest"}, headers=auth.headers("committee"))
    branch = get(client, auth, f"/api/v1/branches/{world.branch_a}/compliance")
    assert branch["calendar_warning"]["year"] == 2030
    committee = get(client, auth, f"/api/v1/committees/{world.committee_id}/compliance", "committee")
    assert committee["calendar_warning"]["year"] == 2030


# --- exports -------------------------------------------------------------------------------------

def workbook(client, auth, url, who="secretary_a"):
    response = client.get(url, headers=auth.headers(who))
    assert response.status_code == 200, response.data[:200]
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data))


def assert_filed_layout(ws, headers):
    assert ws.freeze_panes == "A4"
    assert [c.value for c in ws[3]][:len(headers)] == headers
    assert all(ws.cell(row=3, column=i).border.bottom.style == "thin" for i in range(1, len(headers) + 1))
    assert all(ws.column_dimensions[chr(64 + i)].width >= 6 for i in range(1, min(len(headers), 26) + 1))
    assert ws.cell(row=4, column=1).border.left.style == "thin"


def test_branch_compliance_workbook(client, auth, world, october):
    wb = workbook(client, auth, f"/api/v1/branches/{world.branch_a}/compliance.xlsx?year=2026&month=10")
    ws = wb.active
    assert ws["A1"].value == "红旗村党支部“8+X”基本制度落实情况"
    assert "2026年10月" in ws["A2"].value and "2026年第4季度" in ws["A2"].value
    assert_filed_layout(ws, ["序号", "制度", "规则编号", "规则内容", "周期", "范围", "落实情况", "截止日期", "依据", "下一步"])
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=ws.max_row) if row[2].value]
    group2 = next(r for r in rows if r[2] == "3M1-group" and r[5] == "第二党小组")
    assert group2[6] == "待落实" and group2[9] == "第二党小组本月尚未召开党小组会"
    committee = next(r for r in rows if r[2] == "3M1-committee")
    assert committee[6] == "已落实" and "会议记录1份" in committee[8]
    assert client.get(f"/api/v1/branches/{world.branch_a}/compliance.xlsx",
                      headers=auth.headers("member")).status_code == 403


def test_committee_compliance_workbook(client, auth, world, october):
    wb = workbook(client, auth, f"/api/v1/committees/{world.committee_id}/compliance.xlsx?year=2026&month=10",
                  "committee")
    ws = wb.active
    assert ws["A1"].value == "县委组织部所属党支部“8+X”基本制度落实情况汇总"
    headers = [c.value for c in ws[3]]
    assert headers[:4] == ["序号", "党支部", "所属党委", "领域"] and "3M1-group" in headers and headers[-1] == "提示"
    assert_filed_layout(ws, headers)
    rows = {ws.cell(row=r, column=2).value: [c.value for c in ws[r]] for r in (4, 5)}
    assert rows["县财政局机关党支部"][-1] == "超过30天未开展活动"
    assert rows["红旗村党支部"][headers.index("3M1-committee")] == "已落实"
    # Each branch names its own committee; a committee without sub-committees has one sheet.
    assert {r[2] for r in rows.values()} == {"县委组织部"}
    assert wb.sheetnames == ["支部汇总"]


def test_committee_workbook_keeps_user_text_as_text(app, client, auth, world, october):
    """Branch and committee names are the users' text: one starting with "=" (or "+", "-", "@") is
    written as a string with the quote prefix, never as a formula, on every sheet."""
    evil_branch, evil_committee = '=HYPERLINK("http://evil.example","点击")', "+1-1镇党委"
    with app.app_context():
        db.session.get(Branch, world.branch_b).name = evil_branch
        parent = factories.create_committee("青山县委组织部")
        township = db.session.get(Committee, world.committee_id)
        township.parent, township.name = parent, evil_committee
        factories.create_committee("@SUM(A1)", parent=parent)
        create_user("county", factories.PASSWORD, committee_id=parent.id)
        db.session.commit()
        county = parent.id
    for url, who in ((f"/api/v1/committees/{world.committee_id}/compliance.xlsx", "committee"),
                     (f"/api/v1/committees/{county}/compliance.xlsx", "county")):
        wb = workbook(client, auth, url, who)
        cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
                 if isinstance(c.value, str) and c.value.startswith(("=", "+", "@"))]
        assert {c.value for c in cells} >= {evil_branch, evil_committee}
        assert all(c.data_type == "s" and c.quotePrefix for c in cells), [(c.coordinate, c.value) for c in cells]
    # The county's sheets: its table, then one per township, named after it (a tab's name is no cell).
    assert wb.sheetnames == ["支部汇总", evil_committee, "@SUM(A1)"]


def test_attendance_workbook(app, client, auth, world, october):
    wb = workbook(client, auth, f"/api/v1/events/{october['day']}/attendance.xlsx")
    ws = wb.active
    assert ws["A1"].value.startswith("红旗村党支部") and ws["A1"].value.endswith("签到表")
    assert "主题党日" in ws["A2"].value and "2026年10月14日 14:00" in ws["A2"].value
    assert_filed_layout(ws, ["序号", "姓名", "身份", "出勤情况", "签到时间", "签到方式", "记录状态", "备注"])
    names = {ws.cell(row=r, column=2).value: [c.value for c in ws[r]] for r in range(4, ws.max_row + 1)
             if isinstance(ws.cell(row=r, column=1).value, int)}
    assert names["王芳"][2] == "预备党员" and names["王芳"][3] == "出席"
    assert names["孙流动"][2] == "流动党员" and names["孙流动"][3] == "缺席"
    footer = [ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)]
    assert any(isinstance(v, str) and v.startswith("应到4人，实到3人") for v in footer)
    assert client.get(f"/api/v1/events/{october['day']}/attendance.xlsx",
                      headers=auth.headers("member")).status_code == 403
    assert client.get(f"/api/v1/events/{october['day']}/attendance.xlsx",
                      headers=auth.headers("committee")).status_code == 200


def test_sub_committee_tabs_are_names_excel_accepts():
    """A tab is named after its sub-committee: without the characters Excel refuses, at most 31
    characters, no apostrophe at either end, never the same as another tab (case aside)."""
    from types import SimpleNamespace as C

    from server.compliance.export import committee_workbook

    data = {"committee_id": 1, "committee_name": "县委", "today": TODAY, "branches": [],
            "periods": {k: {"label_zh": k} for k in ("month", "quarter", "year")}}
    committees = [C(id=1, name="县委", parent_id=None), C(id=2, name="'城关[镇]:党/委*?\\'", parent_id=1),
                  C(id=3, name="镇" * 40, parent_id=1), C(id=4, name="镇" * 40, parent_id=1),
                  C(id=5, name="支部汇总", parent_id=1), C(id=6, name="村委", parent_id=2)]
    wb = committee_workbook(data, committees)
    buffer = io.BytesIO()
    wb.save(buffer)
    assert load_workbook(buffer).sheetnames == ["支部汇总", "城关镇党委", "镇" * 31, "镇" * 28 + "（2）", "支部汇总（2）"]
