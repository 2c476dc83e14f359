"""Committees in a tree (county → township → branch): each level sees its whole subtree, aggregated
per sub-committee, and drills down; a committee account sees only its own subtree. Today frozen at
20 October 2026.

The tree: 县委组织部 (county) over the cast's committee (township 1: branches A and B) and
柳林镇党委 (township 2: 柳林村党支部), and one branch directly under the county (县直机关党支部).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from server.auth.operations import create_user
from server.core.db import db
from server.core.enums import EventKind, Sector
from server.org.models import Branch, Committee, Member
from tests.server import factories
from tests.server.querycount import statements_run

D = dt.date
TODAY = D(2026, 10, 20)
LONG_AGO = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


@dataclasses.dataclass
class Tree:
    county: int
    township: int  # the cast's committee (branches A and B)
    township2: int
    branch_c: int  # under township 2
    branch_county: int  # directly under the county


@pytest.fixture
def tree(app, world, clock) -> Tree:
    """Branch A held its committee meeting this month; B's last event was in August (silent);
    C (township 2) held its committee meeting this month; the county's own branch has held nothing."""
    clock.set_now(TODAY)
    with app.app_context():
        county = factories.create_committee("青山县委组织部")
        township = db.session.get(Committee, world.committee_id)
        township.parent = county
        township2 = factories.create_committee("柳林镇党委", parent=county)
        c = factories.create_branch(township2, "柳林村党支部", Sector.village)
        own = factories.create_branch(county, "县直机关党支部", Sector.agency)
        a, b = db.session.get(Branch, world.branch_a), db.session.get(Branch, world.branch_b)
        for branch in (a, b, c, own):
            branch.created_at = LONG_AGO
        secretary_c = factories.create_member(c, "柳书记", username="secretary_c")
        factories.create_role(secretary_c, branch=c)
        create_user("county", factories.PASSWORD, committee_id=county.id)
        create_user("township2", factories.PASSWORD, committee_id=township2.id)
        factories.create_meeting(a, EventKind.branch_committee_meeting, D(2026, 10, 8),
                                 attendees=[db.session.get(Member, world.secretary_a)])
        factories.create_meeting(b, EventKind.branch_committee_meeting, D(2026, 8, 3),
                                 attendees=[db.session.get(Member, world.secretary_b)])
        factories.create_meeting(c, EventKind.branch_committee_meeting, D(2026, 10, 9), attendees=[secretary_c])
        own.created_at = LONG_AGO
        db.session.commit()
        return Tree(county.id, township.id, township2.id, c.id, own.id)


def get(client, auth, url, who):
    response = client.get(url, headers=auth.headers(who))
    assert response.status_code == 200, response.json
    return response.json


def level(client, auth, committee_id, who):
    return get(client, auth, f"/api/v1/committees/{committee_id}/compliance?year=2026&month=10", who)


def test_the_county_sees_its_townships_aggregated_and_its_own_branches(client, auth, world, tree):
    data = level(client, auth, tree.county, "county")
    assert data["path"] == [{"committee_id": tree.county, "committee_name": "青山县委组织部"}]
    assert [b["branch_name"] for b in data["branches"]] == ["县直机关党支部"]
    townships = {c["committee_name"]: c for c in data["committees"]}
    assert list(townships) == ["县委组织部", "柳林镇党委"]  # in the order they were registered
    first, second = townships["县委组织部"], townships["柳林镇党委"]
    assert (first["branch_count"], first["silent_count"]) == (2, 1)  # B has been silent since August
    assert (second["branch_count"], second["silent_count"]) == (1, 0)
    # Per rule, how many branches are in each state: A met 3M1-committee, B has not yet this month.
    assert first["states"]["3M1-committee"] == {"met": 1, "due": 1, "late": 0, "missed": 0, "not-applicable": 0}
    assert second["states"]["3M1-committee"]["met"] == 1
    # The aggregate is the sum of the township's own branch rows.
    rows = level(client, auth, tree.township, "county")["branches"]
    for rule_id, counts in first["states"].items():
        for state, n in counts.items():
            assert n == sum(1 for r in rows if r["states"][rule_id] == state), (rule_id, state)
    assert first["summary"] == {s: sum(r["summary"][s] for r in rows) for s in first["summary"]}
    assert first["behind_count"] == sum(1 for r in rows if r["summary"]["missed"] or r["summary"]["late"])


def test_drilling_down_from_the_county_to_a_township_and_a_branch(client, auth, world, tree):
    township = level(client, auth, tree.township, "county")
    assert [p["committee_name"] for p in township["path"]] == ["青山县委组织部", "县委组织部"]
    assert township["committees"] == []
    assert {b["branch_id"] for b in township["branches"]} == {world.branch_a, world.branch_b}
    assert all(b["committee_id"] == tree.township for b in township["branches"])
    branch = get(client, auth, f"/api/v1/branches/{world.branch_a}/compliance?year=2026&month=10", "county")
    assert branch["branch_name"] == "红旗村党支部"


def test_a_township_account_sees_only_its_own_subtree(client, auth, world, tree):
    own = level(client, auth, tree.township2, "township2")
    # Its breadcrumbs start at itself: the county above it is not its to see.
    assert own["path"] == [{"committee_id": tree.township2, "committee_name": "柳林镇党委"}]
    assert [b["branch_id"] for b in own["branches"]] == [tree.branch_c]
    refused = [
        f"/api/v1/committees/{tree.county}/compliance",
        f"/api/v1/committees/{tree.township}/compliance",
        f"/api/v1/committees/{tree.township}/compliance.xlsx",
        f"/api/v1/committees/{tree.township}/filings",
        f"/api/v1/committees/{tree.township}/dues/remittances",
        f"/api/v1/committees/{tree.township}/recruitment",
        f"/api/v1/committees/{tree.township}/evaluations",
        f"/api/v1/committees/{tree.township}/org-life-meetings",
        f"/api/v1/branches/{world.branch_a}/compliance",
        f"/api/v1/branches/{world.branch_a}/members",
        f"/api/v1/branches/{tree.branch_county}/compliance",
    ]
    for url in refused:
        assert client.get(url, headers=auth.headers("township2")).status_code in (403, 404), url
    # The other township's account is refused the second township and the county alike.
    for url in (f"/api/v1/committees/{tree.township2}/compliance", f"/api/v1/committees/{tree.county}/compliance",
                f"/api/v1/branches/{tree.branch_c}/compliance"):
        assert client.get(url, headers=auth.headers("committee")).status_code == 403, url
    # The county reads every one of them.
    for url in refused:
        assert client.get(url, headers=auth.headers("county")).status_code == 200, url


def test_the_county_workbook_lists_every_branch_of_its_subtree(client, auth, tree):
    response = client.get(f"/api/v1/committees/{tree.county}/compliance.xlsx?year=2026&month=10",
                          headers=auth.headers("county"))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.data)).active
    names = {ws.cell(row=r, column=2).value for r in range(4, ws.max_row + 1)} - {None}
    assert {"红旗村党支部", "县财政局机关党支部", "柳林村党支部", "县直机关党支部"} <= names
    assert "星火科技党支部" not in names  # the other committee's branch


def test_the_county_workbook_names_each_branchs_committee_and_sums_up_each_township(client, auth, tree):
    response = client.get(f"/api/v1/committees/{tree.county}/compliance.xlsx?year=2026&month=10",
                          headers=auth.headers("county"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["支部汇总", "县委组织部", "柳林镇党委"]  # the townships in the order registered
    ws = wb["支部汇总"]
    headers = [c.value for c in ws[3]]
    assert headers[:4] == ["序号", "党支部", "所属党委", "领域"]
    # Grouped by committee, read top-down: the county's own branch, then each township's.
    rows = [(ws.cell(row=r, column=2).value, ws.cell(row=r, column=3).value) for r in range(4, 8)]
    assert rows == [("县直机关党支部", "青山县委组织部"), ("红旗村党支部", "县委组织部"),
                    ("县财政局机关党支部", "县委组织部"), ("柳林村党支部", "柳林镇党委")]
    # Each township's sheet: its branches with how many rules each met or missed, and its totals,
    # the same as the county's screen shows for it.
    level = get(client, auth, f"/api/v1/committees/{tree.county}/compliance?year=2026&month=10", "county")
    townships = {c["committee_name"]: c for c in level["committees"]}
    states = ["met", "due", "late", "missed", "not-applicable"]
    for name, branches in (("县委组织部", ["红旗村党支部", "县财政局机关党支部"]), ("柳林镇党委", ["柳林村党支部"])):
        sheet = wb[name]
        assert sheet["A1"].value == f"{name}所属党支部“8+X”基本制度落实情况汇总"
        assert [c.value for c in sheet[3]] == ["序号", "党支部", "所属党委", "领域", "已落实（项）", "待落实（项）",
                                             "逾期（项）", "未落实（项）", "不适用（项）", "未落实或逾期的规则",
                                             "最近活动日期", "提示"]
        body = [[c.value for c in sheet[r]] for r in range(4, 4 + len(branches))]
        assert [r[1] for r in body] == branches and {r[2] for r in body} == {name}
        totals = [sum(r[4 + i] for r in body) for i in range(len(states))]
        township = townships[name]
        assert totals == [township["summary"][s] for s in states]
        footer = sheet.cell(row=4 + len(branches) + 1, column=1).value
        assert footer.startswith(f"合计：党支部{len(branches)}个，其中超过30天未开展活动{township['silent_count']}个、"
                                 f"有未落实或逾期规则{township['behind_count']}个；已落实{township['summary']['met']}项")
        behind = sheet.cell(row=4 + len(branches) + 2, column=1).value
        for rule_id, counts in township["states"].items():
            if counts["missed"] or counts["late"]:
                assert f"{rule_id} 未落实{counts['missed']}个、逾期{counts['late']}个" in behind
            else:
                assert f"{rule_id} " not in behind
    # B has been silent since August.
    b_row = next(r for r in range(4, 6) if wb["县委组织部"].cell(row=r, column=2).value == "县财政局机关党支部")
    assert wb["县委组织部"].cell(row=b_row, column=12).value == "超过30天未开展活动"


def test_a_township_workbook_has_no_sub_committee_sheets(client, auth, tree):
    response = client.get(f"/api/v1/committees/{tree.township2}/compliance.xlsx?year=2026&month=10",
                          headers=auth.headers("township2"))
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["支部汇总"]
    ws = wb.active
    assert [(ws.cell(row=r, column=2).value, ws.cell(row=r, column=3).value) for r in range(4, ws.max_row + 1)
            if isinstance(ws.cell(row=r, column=1).value, int)] == [("柳林村党支部", "柳林镇党委")]


def test_a_level_costs_the_same_queries_however_many_branches_its_subtree_has(app, client, auth, tree):
    def count_queries():
        return statements_run(app, lambda: level(client, auth, tree.county, "county"))

    auth.tokens("county")
    few = count_queries()
    with app.app_context():
        township2 = db.session.get(Committee, tree.township2)
        for n in range(8):
            branch = factories.create_branch(township2, f"柳林第{n}党支部", Sector.enterprise)
            member = factories.create_member(branch, f"党员{n}")
            factories.create_meeting(branch, EventKind.branch_committee_meeting, D(2026, 10, 5 + n),
                                     attendees=[member])
        db.session.commit()
    many = count_queries()
    assert many == few
    data = level(client, auth, tree.county, "county")
    assert next(c for c in data["committees"] if c["committee_id"] == tree.township2)["branch_count"] == 9
