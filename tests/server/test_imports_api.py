"""Imports (server/imports): every problem named by sheet, row and column; all or nothing; the same
file twice changes nothing; ID numbers never stored or returned whole; who may import what."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from server.core.db import db
from server.core.enums import EventKind, MemberStatus
from server.events.models import Event
from server.imports import operations
from server.imports.models import ImportedMeeting, ImportRun
from server.org.models import Branch, Group, Member
from tests.server.importkit import id_number, roster_row, workbook_bytes

TODAY = dt.date(2026, 12, 1)
A = "红旗村党支部"
ID1 = id_number("11010119800501123")
ID2 = id_number("32010219750312456")


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set_now(TODAY)


def post(client, auth, path, data, who="committee"):
    return client.post(f"/api/v1/imports{path}", data={"file": (io.BytesIO(data), "roster.xlsx")},
                       content_type="multipart/form-data", headers=auth.headers(who))


def members_named(app, *names):
    with app.app_context():
        return db.session.scalars(sa.select(Member).where(Member.name.in_(names)).order_by(Member.id)).all()


def count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


GOOD = workbook_bytes(
    branches=[("县委组织部", "新村党支部", "农村社区", "第一党小组"), ("县委组织部", "新村党支部", "农村社区", "第二党小组")],
    roster=[roster_row("陈一", "新村党支部", group="第一党小组", id_no=ID1),
            roster_row("陈二", "新村党支部", group="第二党小组", status="预备党员", full=None, birth="1999-02-03",
                       admitted="2026-06-01", gender="女"),
            roster_row("陈三", A, group="第一党小组", id_no=ID2, birth="1975-03-12")],
    meetings=[("新村党支部", "支委会", "2026-11-05", "研究十一月工作", None, 5, None),
              (A, "党小组会", "2026-11-10", "学习", "第一党小组", None, "李明、王芳")],
)


def test_a_clean_workbook_previews_then_imports_branches_groups_members_and_meetings(app, client, auth, world):
    before = count(app, Member)
    check = post(client, auth, "/check", GOOD)
    assert check.status_code == 200, check.json
    assert check.json["ok"] and check.json["problems"] == []
    assert check.json["summary"] == {"branches_new": 1, "groups_new": 2, "members_new": 3, "members_updated": 0,
                                     "members_unchanged": 0, "meetings_new": 2, "meetings_unchanged": 0}
    assert count(app, Member) == before  # the check wrote nothing
    done = post(client, auth, "", GOOD)
    assert done.status_code == 201, done.json
    assert done.json["changed"] and done.json["summary"]["members_new"] == 3
    with app.app_context():
        branch = db.session.scalar(sa.select(Branch).where(Branch.name == "新村党支部"))
        assert branch.committee_id == world.committee_id and branch.sector.value == "village"
        assert [g.name for g in branch.groups] == ["第一党小组", "第二党小组"]
        chen2 = db.session.scalar(sa.select(Member).where(Member.name == "陈二"))
        assert chen2.status == MemberStatus.probationary and chen2.admitted_on == dt.date(2026, 6, 1)
        assert chen2.gender == "女" and chen2.group.name == "第二党小组" and chen2.phone == "13800138000"
        chen3 = db.session.scalar(sa.select(Member).where(Member.name == "陈三"))
        assert chen3.branch_id == world.branch_a and chen3.group_id == world.group_a
        meeting = db.session.scalar(sa.select(Event).where(Event.kind == EventKind.group_meeting,
                                                           Event.title == "学习"))
        assert meeting.branch_id == world.branch_a and meeting.group_id == world.group_a
        assert meeting.status.value == "held"
        imported = db.session.scalar(sa.select(ImportedMeeting).where(ImportedMeeting.event_id == meeting.id))
        assert imported.attendee_names == "李明、王芳"


def test_every_problem_is_named_by_sheet_row_and_column_and_nothing_is_imported(app, client, auth, world):
    bad = workbook_bytes(roster=[
        roster_row("甲", A, admitted="2020-13-45"),                       # row 2: bad date
        roster_row("乙", A, admitted="2027-01-01"),                       # row 3: future
        roster_row("丙", A, status="预备党员", admitted=None, full=None),  # row 4: probationary, no admitted date
        roster_row("丁", A, phone="12345"),                               # row 5: bad phone
        roster_row("戊", "不存在党支部"),                                   # row 6: unknown branch
        roster_row("己", A, group="第九党小组"),                             # row 7: unknown group
        roster_row("庚", A, id_no=ID1),                                   # row 8
        roster_row("辛", A, id_no=ID1),                                   # row 9: duplicate ID number
        roster_row("甲", A, admitted="2005-08-01"),                       # row 10: same branch+name+birth as row 2
        roster_row("壬", A, id_no="110101198005011230"),                  # row 11: wrong check digit
        roster_row("癸", A, status="群众"),                                 # row 12: bad status
    ] + [roster_row(None, A)])                                            # row 13: no name
    before = count(app, Member)
    check = post(client, auth, "/check", bad)
    texts = [p["text"] for p in check.json["problems"]]
    assert not check.json["ok"]
    expected = [
        "花名册 第2行「入党日期」：日期格式不正确（应为 2020-01-05）",
        "花名册 第3行「入党日期」：日期晚于今天",
        "花名册 第4行「入党日期」：预备党员须填写入党日期",
        "花名册 第5行「联系电话」：电话号码不正确（应为11位手机号或带区号的固定电话）",
        "花名册 第6行「所在党支部」：没有名为「不存在党支部」的党支部（或不在您的管辖范围内）",
        "花名册 第7行「党小组」：「红旗村党支部」没有名为「第九党小组」的党小组",
        "花名册 第9行「公民身份号码」：与第8行的公民身份号码重复",
        "花名册 第10行「姓名」：与第2行重复（同一党支部、姓名和出生日期）",
        "花名册 第11行「公民身份号码」：公民身份号码不正确（18位，校验位不符）",
        "花名册 第12行「人员类别」：应为 正式党员 或 预备党员",
        "花名册 第13行「姓名」：必填项为空",
    ]
    for sentence in expected:
        assert sentence in texts, (sentence, texts)
    assert len(texts) == len(expected), texts[6:]
    assert check.json["problem_count"] == len(texts) == len(expected)
    refused = post(client, auth, "", bad)
    assert refused.status_code == 422
    assert refused.json["errors"]["file"] == texts
    assert count(app, Member) == before and count(app, ImportRun) == 0


def test_headers_are_matched_through_spacing_and_aliases_below_a_title_row(app, client, auth, world):
    headers = ("姓 名", "性别", "民族", "出生年月日", "文化程度", "入党时间", "转正时间", "党员状态", "所在支部", "党小组",
               "手机号码", "身份证号")
    data = workbook_bytes(roster=[roster_row("赵甲", A, id_no=ID1)], roster_headers=headers,
                          roster_title="党员信息", title_row="红旗村党支部党员花名册（2026年）")
    check = post(client, auth, "/check", data)
    assert check.json["ok"], check.json["problems"]
    assert check.json["summary"]["members_new"] == 1
    missing = workbook_bytes(roster=[("赵乙", A)], roster_headers=("姓名", "所在党支部"))
    problems = post(client, auth, "/check", missing).json["problems"]
    assert [p["text"] for p in problems] == ["花名册 第1行「人员类别」：缺少该列"]


def test_a_sheet_of_meetings_names_its_problems_too(app, client, auth, world):
    data = workbook_bytes(roster=None, meetings=[
        (A, "茶话会", "2026-11-01", "聊天", None, None, None),
        (A, "党小组会", "2026-11-02", "学习", None, None, None),
        (A, "党课", "明天", "党课", None, "很多", None),
    ])
    texts = [p["text"] for p in post(client, auth, "/check", data).json["problems"]]
    assert texts == [
        "历史会议 第2行「会议类型」：应为 支委会、党员大会、党小组会、党课、主题党日、组织生活会、民主评议 或 其他",
        "历史会议 第3行「党小组」：党小组会须填写党小组",
        "历史会议 第4行「日期」：日期格式不正确（应为 2020-01-05）",
        "历史会议 第4行「参会人数」：应为不小于0的整数",
    ]


def test_a_file_that_is_not_a_workbook_is_refused_in_chinese(client, auth, world):
    response = post(client, auth, "/check", b"name,branch\n")
    assert response.json["problems"][0]["text"] == "文件：文件不是 Excel 工作簿（.xlsx）。"


def test_importing_the_same_file_again_changes_nothing(app, client, auth, world):
    assert post(client, auth, "", GOOD).status_code == 201
    with app.app_context():
        before = [(m.id, m.name, m.group_id, m.status, m.phone) for m in
                  db.session.scalars(sa.select(Member).order_by(Member.id))]
    counts = (count(app, Branch), count(app, Group), count(app, Event), count(app, ImportRun))
    again = post(client, auth, "", GOOD)
    assert again.status_code == 201
    assert again.json["changed"] is False and again.json["run_id"] is None
    assert again.json["summary"]["members_unchanged"] == 3 and again.json["summary"]["meetings_unchanged"] == 2
    assert again.json["summary"]["members_new"] == again.json["summary"]["groups_new"] == 0
    with app.app_context():
        after = [(m.id, m.name, m.group_id, m.status, m.phone) for m in
                 db.session.scalars(sa.select(Member).order_by(Member.id))]
    assert after == before
    assert (count(app, Branch), count(app, Group), count(app, Event), count(app, ImportRun)) == counts
    # The member converted to full membership since: the next file updates them, keeps their id.
    changed = workbook_bytes(roster=[roster_row("陈二", "新村党支部", group="第二党小组", birth="1999-02-03",
                                                admitted="2026-06-01", full="2026-11-30", gender="女")])
    result = post(client, auth, "", changed)
    assert result.json["summary"]["members_updated"] == 1 and result.json["summary"]["members_new"] == 0
    chen2 = members_named(app, "陈二")
    assert len(chen2) == 1 and chen2[0].status == MemberStatus.full and chen2[0].full_since == dt.date(2026, 11, 30)


def test_a_failure_in_the_middle_of_an_import_leaves_nothing_behind(app, client, auth, world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(operations, "create_meetings", broken)  # after branches, groups and members
    counts = (count(app, Branch), count(app, Group), count(app, Member), count(app, Event), count(app, ImportRun))
    with pytest.raises(RuntimeError):
        post(client, auth, "", GOOD)
    assert (count(app, Branch), count(app, Group), count(app, Member), count(app, Event),
            count(app, ImportRun)) == counts


def test_id_numbers_are_stored_masked_with_a_keyed_hash_and_never_returned_whole(app, client, auth, world,
                                                                                caplog):
    result = post(client, auth, "", GOOD)
    assert ID1 not in json.dumps(result.json)
    (chen1,) = members_named(app, "陈一")
    assert chen1.id_number_masked == ID1[:6] + "********" + ID1[-4:]
    assert chen1.birth_date == dt.date(1980, 5, 1)
    assert ID1 not in chen1.id_number_hash and len(chen1.id_number_hash) == 64
    with app.app_context():
        stored = json.dumps([list(r) for r in db.session.execute(sa.text("SELECT * FROM member")).all()], default=str)
        audit = json.dumps([list(r) for r in db.session.execute(sa.text("SELECT * FROM audit_entry")).all()],
                           default=str)
    assert ID1 not in stored and ID1 not in audit and ID1 not in caplog.text
    # A bad ID number's problem does not repeat the number either.
    bad = workbook_bytes(roster=[roster_row("某", A, id_no=ID1[:-1] + "0")])
    assert ID1[:-1] not in json.dumps(post(client, auth, "/check", bad).json)


def test_a_member_registered_in_another_branch_is_not_imported_twice(app, client, auth, world):
    assert post(client, auth, "", GOOD).status_code == 201
    moved = workbook_bytes(roster=[roster_row("陈一", "县财政局机关党支部", id_no=ID1)])
    texts = [p["text"] for p in post(client, auth, "/check", moved).json["problems"]]
    assert texts == ["花名册 第2行「所在党支部」：该党员已在另一个党支部登记；请办理组织关系转接，不要重复导入"]


def test_a_secretary_imports_only_their_own_branch(app, client, auth, world):
    own = workbook_bytes(roster=[roster_row("刘一", A)])
    assert post(client, auth, "", own, who="secretary_a").status_code == 201
    other = workbook_bytes(roster=[roster_row("刘二", "县财政局机关党支部")])
    texts = [p["text"] for p in post(client, auth, "/check", other, who="secretary_a").json["problems"]]
    assert texts == ["花名册 第2行「所在党支部」：没有名为「县财政局机关党支部」的党支部（或不在您的管辖范围内）"]
    new_branch = workbook_bytes(roster=None, branches=[("县委组织部", "私设党支部", "企业", None)])
    texts = [p["text"] for p in post(client, auth, "/check", new_branch, who="secretary_a").json["problems"]]
    assert texts == ["支部和党小组 第2行「党支部」：没有名为「私设党支部」的党支部；新建党支部须由上级党委导入"]
    # Another committee does not see this committee's branches.
    texts = [p["text"] for p in post(client, auth, "/check", own, who="other_committee").json["problems"]]
    assert texts == [f"花名册 第2行「所在党支部」：没有名为「{A}」的党支部（或不在您的管辖范围内）"]


@pytest.mark.parametrize("who", [None, "member", "floating"])
def test_members_and_guests_may_not_import(client, auth, world, who):
    data = workbook_bytes(roster=[roster_row("刘三", A)])
    assert post(client, auth, "", data, who=who).status_code == (401 if who is None else 403)
    assert post(client, auth, "/check", data, who=who).status_code == (401 if who is None else 403)
    template = client.get("/api/v1/imports/template", headers=auth.headers(who))
    assert template.status_code == (401 if who is None else 403)


def test_the_template_has_the_headers_the_import_reads(client, auth, world):
    response = client.get("/api/v1/imports/template", headers=auth.headers("secretary_a"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    assert book.sheetnames[:3] == ["支部和党小组", "花名册", "历史会议"]
    headers = [c.value for c in next(book["花名册"].iter_rows(max_row=1))]
    assert headers == ["姓名", "性别", "民族", "出生日期", "学历", "入党日期", "转正日期", "人员类别", "所在党支部",
                       "党小组", "联系电话", "公民身份号码"]
    # The template's example row names a branch that does not exist: left in, the check says so.
    problems = post(client, auth, "/check", response.data).json["problems"]
    assert any(p["text"].startswith("花名册 第2行「所在党支部」") for p in problems)


def test_formula_cells_are_read_as_values_never_evaluated(app, client, auth, world):
    data = workbook_bytes(roster=[roster_row("=HYPERLINK(\"http://x\",\"点\")", A)])
    # openpyxl stores a formula with no cached value: read as blank, never run, never kept as a name.
    texts = [p["text"] for p in post(client, auth, "/check", data).json["problems"]]
    assert texts == ["花名册 第2行「姓名」：必填项为空"]


def test_an_oversized_file_is_refused(app, client, auth, world):
    app.config["IMPORT_MAX_BYTES"] = 1000
    response = post(client, auth, "/check", GOOD)
    assert response.status_code == 413


def test_a_new_group_goes_to_the_branch_in_scope_not_a_namesake_elsewhere(app, client, auth, world):
    from tests.server.factories import create_branch, create_committee

    with app.app_context():
        create_branch(create_committee("邻县党委"), A, "village")  # the same name, another county
        db.session.commit()
    data = workbook_bytes(branches=[("县委组织部", A, "农村社区", "第二党小组")],
                          roster=[roster_row("周新", A, group="第二党小组")])
    result = post(client, auth, "", data, who="secretary_a")
    assert result.status_code == 201, result.json
    assert result.json["summary"]["groups_new"] == 1 and result.json["summary"]["branches_new"] == 0
    (member,) = members_named(app, "周新")
    with app.app_context():
        group = db.session.get(Group, member.group_id)
        assert (group.branch_id, group.name) == (world.branch_a, "第二党小组") == (member.branch_id, group.name)
