"""The spreadsheets a branch office files (server/exports): the roster, attendance over a period,
all members' archives. Today is frozen at 20 November 2026."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from server.core.db import db
from server.core.enums import EventKind, EventStatus, LeaveStatus
from server.org.models import Branch, Group, Member
from tests.server import factories

API = "/api/v1"
D = dt.date
TODAY = D(2026, 11, 20)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA = '=HYPERLINK("http://evil.example","点我")'


@pytest.fixture
def autumn(app, world, clock):
    """Branch A: group 1's meeting on 13 October (李明), the activity day on the 14th (李明, 赵书记;
    王芳 excused), a lecture on 5 November (everyone), a cancelled event and one still to come.
    A member named like a formula attends the activity day; a member who left is off the roll."""
    clock.set_now(TODAY)
    with app.test_request_context():
        from server.events.models import LeaveRequest

        a = db.session.get(Branch, world.branch_a)
        li, wang, zhao = (db.session.get(Member, i) for i in (world.member, world.member2, world.secretary_a))
        floating = db.session.get(Member, world.floating)
        evil = factories.create_member(a, FORMULA)
        left = factories.create_member(a, "离开者", left_on=D(2026, 3, 1))
        li.phone = "13800000001"
        factories.create_meeting(a, EventKind.group_meeting, D(2026, 10, 13), group_id=world.group_a, attendees=[li])
        day = factories.create_meeting(a, EventKind.activity_day, D(2026, 10, 14), attendees=[li, zhao, evil], hour=14)
        db.session.add(LeaveRequest(event_id=day.id, member_id=wang.id, reason="出差", status=LeaveStatus.approved))
        factories.create_meeting(a, EventKind.party_lecture, D(2026, 11, 5), attendees=[li, wang, zhao, evil, floating])
        factories.create_meeting(a, EventKind.general_assembly, D(2026, 10, 20), minutes=False,
                                 status=EventStatus.cancelled)
        factories.create_meeting(a, EventKind.general_assembly, D(2026, 11, 25), minutes=False,
                                 status=EventStatus.planned)
        db.session.commit()
        return {"left": left.id}


def workbook(client, auth, url, who="secretary_a"):
    response = client.get(API + url, headers=auth.headers(who))
    assert response.status_code == 200, response.data[:300]
    assert response.headers["Content-Type"] == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data)).active


def table(ws) -> dict[str, list]:
    """Data rows (numbered in column A) by the name in column B."""
    return {ws.cell(row=r, column=2).value: [c.value for c in ws[r]] for r in range(4, ws.max_row + 1)
            if isinstance(ws.cell(row=r, column=1).value, int)}


def assert_text(ws, text):
    cells = [c for row in ws.iter_rows() for c in row if c.value == text]
    assert cells, f"{text} missing"
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


ROSTER_HEADERS = ["序号", "姓名", "性别", "民族", "出生日期", "学历", "入党日期", "转正日期", "党员状态", "所在党支部",
                  "党小组", "联系电话"]


def test_roster_in_the_national_export_columns(client, auth, world, autumn):
    ws = workbook(client, auth, f"/branches/{world.branch_a}/roster.xlsx")
    assert ws["A1"].value == "红旗村党支部党员花名册"
    assert [c.value for c in ws[3]] == ROSTER_HEADERS
    assert ws.freeze_panes == "A4"
    rows = table(ws)
    li = rows["李明"]
    assert li[8:12] == ["正式党员", "红旗村党支部", "第一党小组", "13800000001"]
    assert li[2:6] == [None, None, None, None]  # the Member model keeps no gender, ethnicity, birth, education
    assert rows["王芳"][8] == "预备党员"
    assert "离开者" not in rows and "周B" not in rows and "孙流动" not in rows  # off the roll, or another branch's
    assert len(rows) == 4
    assert_text(ws, FORMULA)
    footer = [ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)]
    assert "合计：党员4名，其中正式党员3名，预备党员1名。" in footer


def test_roster_is_for_the_branch_managers_and_its_committee(client, auth, world, autumn):
    url = f"{API}/branches/{world.branch_a}/roster.xlsx"
    assert client.get(url, headers=auth.headers("committee")).status_code == 200
    for who in ("member", "secretary_b", "other_committee"):
        assert client.get(url, headers=auth.headers(who)).status_code == 403, who


def test_attendance_of_a_month_members_by_events(client, auth, world, autumn):
    ws = workbook(client, auth, f"/branches/{world.branch_a}/attendance.xlsx?year=2026&month=10")
    assert ws["A1"].value == "红旗村党支部2026年10月党员参加组织生活出勤统计表"
    assert "2026年10月01日至2026年10月31日" in ws["A2"].value
    # The cancelled assembly of the 20th is not a column.
    assert [c.value for c in ws[3]] == ["序号", "姓名", "身份", "10月13日\n党小组会", "10月14日\n主题党日（统一活动日）",
                                        "出席", "请假", "缺席", "出勤率"]
    rows = table(ws)
    assert rows["李明"][2:] == ["正式党员", "出席", "出席", 2, 0, 0, "100%"]
    assert rows["王芳"][2:] == ["预备党员", "缺席", "请假", 0, 1, 1, "0%"]
    assert rows["赵书记"][3:5] == ["—", "出席"]  # not in the group: not expected at its meeting
    assert rows["孙流动"][2:5] == ["流动党员", "—", "缺席"]
    assert "离开者" not in rows
    assert_text(ws, FORMULA)


def test_attendance_of_a_quarter_and_a_year_stop_at_today(client, auth, world, autumn):
    quarter = workbook(client, auth, f"/branches/{world.branch_a}/attendance.xlsx?year=2026&quarter=4", "committee")
    headers = [c.value for c in quarter[3]]
    # The lecture of 5 November joins; the assembly planned for the 25th has not happened yet.
    assert headers[3:6] == ["10月13日\n党小组会", "10月14日\n主题党日（统一活动日）", "11月5日\n党课"]
    assert headers[6] == "出席"
    assert table(quarter)["王芳"][2:] == ["预备党员", "缺席", "请假", "出席", 1, 1, 1, "33%"]
    year = workbook(client, auth, f"/branches/{world.branch_a}/attendance.xlsx?year=2026")
    assert [c.value for c in year[3]] == headers
    empty = workbook(client, auth, f"/branches/{world.branch_a}/attendance.xlsx?year=2026&quarter=1")
    assert [c.value for c in empty[3]] == ["序号", "姓名", "身份", "出席", "请假", "缺席", "出勤率"]


def test_attendance_period_is_validated_and_guarded(client, auth, world, autumn):
    url = f"{API}/branches/{world.branch_a}/attendance.xlsx"
    assert client.get(url + "?month=10&quarter=4", headers=auth.headers("secretary_a")).status_code == 422
    assert client.get(url + "?month=13", headers=auth.headers("secretary_a")).status_code == 422
    assert client.get(url, headers=auth.headers("member")).status_code == 403
    assert client.get(url, headers=auth.headers("other_committee")).status_code == 403


def test_archives_in_one_sheet_with_a_member_column(app, client, auth, world, autumn):
    ws = workbook(client, auth, f"/branches/{world.branch_a}/archives.xlsx?year=2026", "committee")
    assert ws["A1"].value == "红旗村党支部党员档案（2026年度）"
    assert [c.value for c in ws[3]] == ["序号", "姓名", "党员状态", "党小组", "栏目", "日期", "类别", "内容", "状态",
                                        "记录单位"]
    assert ws.auto_filter.ref.startswith("A3:J")
    entries = [[c.value for c in ws[r]] for r in range(4, ws.max_row + 1)]
    li = [e for e in entries if e[1] == "李明"]
    day = next(e for e in li if e[5] == "2026-10-14")
    assert day[2:5] == ["正式党员", "第一党小组", "组织生活"] and day[6] == "主题党日" and day[9] == "红旗村党支部"
    assert {e[5] for e in li} >= {"2026-10-13", "2026-10-14", "2026-11-05"}
    assert any(e[1] == "王芳" and e[5] == "2026-11-05" for e in entries)
    assert_text(ws, FORMULA)
    with app.app_context():
        from server.audit.models import AuditEntry

        logged = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "archive.exported")).all()
        assert [(e.branch_id, e.data["year"]) for e in logged] == [(world.branch_a, 2026)]


def test_archives_are_for_the_branch_managers_and_its_committee(client, auth, world, autumn):
    url = f"{API}/branches/{world.branch_a}/archives.xlsx"
    for who in ("member", "secretary_b", "other_committee"):
        assert client.get(url, headers=auth.headers(who)).status_code == 403, who
    assert client.get(url, headers=auth.headers("secretary_a")).status_code == 200
