"""A committee account reads and acts on its own subtree only (server/auth/access.py: branches_under,
Principal): for every committee-facing endpoint of issue 16's features (correction requests, the
filings inbox, 述职评议 secretary reviews, the committee tree's compliance views, the org views a
committee uses, exports, imports, the holiday schedule), a township's account is refused its sibling
township's branches, requests, filings and reviews, while the county over both reads and acts on
both. The refusal is 403, as everywhere else (tests/server/test_role_matrix.py,
tests/server/test_committee_tree.py); an import naming a branch out of scope is refused as a whole
with the row named (422), as imports refuse every out-of-scope name.

The tree (tests/server/test_committee_tree.py's, with the cast's committee renamed): 青山县委组织部
(county, account `county`) over 城关镇党委 (township 1: the cast's branches A and B, account
`committee`) and 柳林镇党委 (township 2: 柳林村党支部, account `township2`), and 县直机关党支部
directly under the county. Each cell is called on township 1's objects and on township 2's, by
each of the three accounts: a township's own objects are allowed (so a refusal is never a broken
row), the sibling's refused, the county allowed both. The world is built once per backend for the
module; each cell runs in a transaction rolled back afterwards (tests/conftest.py: rolled_back).
"""
from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from sync import clock
from tests.conftest import Auth, rolled_back, shared_app
from tests.server.factories import fill, send
from tests.server.importkit import roster_row, workbook_bytes

API = "/api/v1"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)  # what the server sniffs for
REVIEW_YEAR = clock.today().year - 1
NEXT_YEAR = clock.today().year + 1
REVIEW_TEXT = {"performance": "履职", "problems": "问题", "measures": "措施", "plans": "打算"}

T1, T2 = "township1", "township2"
COUNTY, TOWNSHIP1, TOWNSHIP2 = "county", "committee", "township2"  # the accounts
ACCOUNTS = (COUNTY, TOWNSHIP1, TOWNSHIP2)
HOME = {TOWNSHIP1: T1, TOWNSHIP2: T2}  # the township each township account runs


@dataclasses.dataclass(frozen=True)
class Side:
    """A township and the objects of one of its branches a cell is called on."""

    committee: int
    committee_name: str
    branch: int
    branch_name: str
    secretary: int  # member ids
    member: int
    role: int  # the secretary's post


@dataclasses.dataclass
class Tree:
    app: object
    auth: Auth
    county: int
    county_branch: int
    sides: dict[str, Side]
    other_branches: dict[str, list[int]]  # every branch of each township

    def headers(self, who: str) -> dict:
        return self.auth.headers(who)


@pytest.fixture(scope="module")
def tree(backend, request, tmp_path_factory) -> Tree:
    from server.auth.operations import create_user
    from server.core.db import db
    from server.core.enums import EventKind, Sector
    from server.org.models import Committee, Member
    from tests.server import factories

    # Imports are rate-limited per address; the module imports more often than an office would.
    app = shared_app(backend, request, tmp_path_factory, IMPORT_RATE_LIMIT_PER_ADDRESS="10000 per minute")
    with app.test_request_context():
        world = factories.build_world()
        county = factories.create_committee("青山县委组织部")
        township1 = db.session.get(Committee, world.committee_id)
        township1.name, township1.parent = "城关镇党委", county
        township2 = factories.create_committee("柳林镇党委", parent=county)
        c = factories.create_branch(township2, "柳林村党支部", Sector.village)
        own = factories.create_branch(county, "县直机关党支部", Sector.agency)
        secretary_c = factories.create_member(c, "柳书记", username="secretary_c")
        role_c = factories.create_role(secretary_c, branch=c)
        member_c = factories.create_member(c, "柳党员", group=factories.create_group(c, "柳林第一党小组"))
        factories.create_meeting(c, EventKind.branch_committee_meeting, clock.today().replace(day=1),
                                 attendees=[secretary_c, member_c])
        create_user(COUNTY, factories.PASSWORD, committee_id=county.id)
        create_user(TOWNSHIP2, factories.PASSWORD, committee_id=township2.id)
        db.session.commit()
        sides = {
            T1: Side(township1.id, township1.name, world.branch_a, "红旗村党支部", world.secretary_a, world.member,
                     world.role_secretary_a),
            T2: Side(township2.id, township2.name, c.id, c.name, secretary_c.id, member_c.id, role_c.id),
        }
        assert db.session.get(Member, world.member).branch_id == world.branch_a
        tree = Tree(app, Auth(app.test_client()), county.id, own.id, sides,
                    {T1: [world.branch_a, world.branch_b], T2: [c.id]})
    for who in ACCOUNTS:  # logged in here, committed, valid in every test of the module
        tree.auth.tokens(who)
    return tree


@pytest.fixture
def cell(tree):
    """The module's shared tree, everything the test does rolled back at its end."""
    with rolled_back(tree.app):
        yield tree


# --- state a row needs, made in the target branch ------------------------------------------------

def _branch(side: Side):
    from server.core.db import db
    from server.org.models import Branch

    return db.session.get(Branch, side.branch)


def a_correction(side: Side, answered: bool = False) -> dict:
    """A correction request from the township's committee to its branch (answered by the branch)."""
    import datetime as dt

    from server.core.db import db
    from server.corrections import operations
    from server.org.models import Committee

    request = operations.send(db.session.get(Committee, side.committee), _branch(side),
                              {"rule_id": "3M1-group", "period": None,
                               "deadline": clock.today() + dt.timedelta(days=15)}, None)
    if answered:
        operations.answer(request, {"text": "已整改", "evidence": []}, None)
    db.session.commit()
    return {"correction": request.id}


def an_answered_correction(side: Side) -> dict:
    return a_correction(side, answered=True)


def a_correction_attachment(side: Side) -> dict:
    from werkzeug.datastructures import FileStorage

    from server.core.db import db
    from server.corrections import operations
    from server.corrections.models import CorrectionRequest

    ids = a_correction(side)
    row = operations.attach(db.session.get(CorrectionRequest, ids["correction"]), FileStorage(io.BytesIO(PNG), "a.png"),
                            None, by_committee=True)
    db.session.commit()
    return ids | {"attachment": row.id}


def a_filing(side: Side) -> dict:
    from server.core.db import db
    from server.core.enums import FilingKind
    from tests.server.factories import create_filing

    filing = create_filing(_branch(side), FilingKind.other, REVIEW_YEAR, title="情况报告")
    db.session.commit()
    return {"filing": filing.id}


def an_org_life_meeting(side: Side) -> dict:
    from server.core.db import db
    from server.core.enums import EventKind
    from tests.server.factories import create_event_for

    event = create_event_for(_branch(side), kind=EventKind.org_life_meeting, title="组织生活会")
    db.session.commit()
    return {"olm": event.id}


def a_review(side: Side, submitted: bool = False) -> dict:
    """Last year's review, written (and submitted) by the branch's secretary."""
    from server.core.db import db
    from server.org.models import Member
    from server.secretary_review import operations

    review = operations.save(_branch(side), REVIEW_YEAR, REVIEW_TEXT, db.session.get(Member, side.secretary), None,
                             clock.today())
    if submitted:
        operations.submit(review, None, clock.today())
    db.session.commit()
    return {}


def a_submitted_review(side: Side) -> dict:
    return a_review(side, submitted=True)


# --- what a refused call must leave as it was ----------------------------------------------------

def correction_state(side: Side, ids: dict):
    from server.core.db import db
    from server.corrections.models import CorrectionRequest

    request = db.session.get(CorrectionRequest, ids["correction"])
    return request.state, len(request.attachments)


def filing_decision(side: Side, ids: dict):
    from server.core.db import db
    from server.filings.models import Filing

    return db.session.get(Filing, ids["filing"]).decision


def review_state(side: Side, ids: dict):
    from server.secretary_review import operations

    review = operations.review_of(side.branch, REVIEW_YEAR)
    return review.state, review.grade


def requests_sent(side: Side, ids: dict):
    from server.core.db import db
    from server.corrections.models import CorrectionRequest

    return db.session.scalar(sa.select(sa.func.count()).where(CorrectionRequest.branch_id == side.branch))


def posts(side: Side, ids: dict):
    from server.core.db import db
    from server.org.models import BranchRole

    return sorted((r.id, r.ends_on) for r in db.session.scalars(
        sa.select(BranchRole).where(BranchRole.branch_id == side.branch)))


# --- the rows ------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Row:
    method: str
    url: str  # under /api/v1; {names} are the Side's fields or ids the row's setup returns
    body: dict | None = None  # {names} in string values become ids too
    files: dict | None = None  # a multipart body instead: {field: (bytes, filename)}
    ok: int = 200
    setup: Callable | None = None  # (side) -> extra ids, run in an app context before the call
    unchanged: Callable | None = None  # (side, ids) -> what a refused call must not change
    note: str = ""

    @property
    def id(self) -> str:
        return f"{self.method} {self.url}" + (f" ({self.note})" if self.note else "")


R = Row

ROWS = [
    # correction requests (整改通知): read, sent, accepted or returned, attached to by the committee
    R("GET", "/committees/{committee}/correction-requests"),
    R("POST", "/committees/{committee}/correction-requests",
      {"branch_id": "{branch}", "finding": "党员档案未及时更新", "deadline": f"{NEXT_YEAR}-06-30"}, ok=201,
      unchanged=requests_sent),
    R("GET", "/branches/{branch}/correction-requests"),
    R("GET", "/correction-requests/{correction}", setup=a_correction),
    R("POST", "/correction-requests/{correction}/decision", {"accept": True}, setup=an_answered_correction,
      unchanged=correction_state, note="accept the answer"),
    R("POST", "/correction-requests/{correction}/decision", {"accept": False, "reason": "证据不足"},
      setup=an_answered_correction, unchanged=correction_state, note="return the answer"),
    R("POST", "/correction-requests/{correction}/attachments", files={"file": (PNG, "a.png")}, ok=201,
      setup=a_correction, unchanged=correction_state),
    R("GET", "/correction-requests/{correction}/attachments/{attachment}", setup=a_correction_attachment),
    # the filings inbox: read, accepted or returned by the committee; rectification items read
    R("GET", "/committees/{committee}/filings"),
    R("GET", "/committees/{committee}/filings?pending=true", note="the inbox"),
    R("GET", "/branches/{branch}/filings"),
    R("GET", "/filings/{filing}", setup=a_filing),
    R("POST", "/filings/{filing}/decision", {"approve": True}, setup=a_filing, unchanged=filing_decision,
      note="accept"),
    R("POST", "/filings/{filing}/decision", {"approve": False, "note": "请补充材料"}, setup=a_filing,
      unchanged=filing_decision, note="return"),
    R("GET", "/branches/{branch}/rectification-items"),
    R("GET", "/events/{olm}/rectification-review", setup=an_org_life_meeting),
    # 述职评议: read, graded or returned by the committee, exported
    R("GET", f"/committees/{{committee}}/secretary-reviews?year={REVIEW_YEAR}"),
    R("GET", f"/branches/{{branch}}/secretary-reviews/{REVIEW_YEAR}", setup=a_review),
    R("POST", f"/branches/{{branch}}/secretary-reviews/{REVIEW_YEAR}/grade", {"grade": "good", "comment": "较好"},
      setup=a_submitted_review, unchanged=review_state),
    R("POST", f"/branches/{{branch}}/secretary-reviews/{REVIEW_YEAR}/return", {"reason": "请补充"},
      setup=a_submitted_review, unchanged=review_state),
    R("GET", f"/branches/{{branch}}/secretary-reviews/{REVIEW_YEAR}.pdf", setup=a_review),
    R("GET", f"/branches/{{branch}}/secretary-reviews/{REVIEW_YEAR}.docx", setup=a_review),
    # the committee tree's compliance views and workbooks
    R("GET", "/committees/{committee}/compliance"),
    R("GET", "/committees/{committee}/compliance.xlsx"),
    R("GET", "/branches/{branch}/compliance"),
    R("GET", "/branches/{branch}/compliance.xlsx"),
    # the org views a committee uses: the branch, its roster, groups and posts; appointing and ending posts
    R("GET", "/branches/{branch}"),
    R("GET", "/branches/{branch}/members"),
    R("GET", "/branches/{branch}/floating-members"),
    R("GET", "/branches/{branch}/groups"),
    R("GET", "/branches/{branch}/roles"),
    R("POST", "/branches/{branch}/roles", {"member_id": "{member}", "role": "organizer", "starts_on": "2026-01-01"},
      ok=201, unchanged=posts),
    R("POST", "/roles/{role}/end", {"ends_on": "2026-06-30"}, unchanged=posts),
    R("GET", "/members/{member}"),
    R("GET", "/members/{member}/floating"),
    # exports
    R("GET", "/branches/{branch}/roster.xlsx"),
    R("GET", "/branches/{branch}/attendance.xlsx?year=2026&quarter=4"),
    R("GET", "/branches/{branch}/archives.xlsx"),
]



def call(tree: Tree, row: Row, side: Side, who: str, ids: dict):
    client = tree.app.test_client()
    headers = tree.headers(who)
    return send(client, row, headers, ids)


def allowed(who: str, target: str) -> bool:
    return who == COUNTY or HOME[who] == target


@pytest.mark.parametrize("who", ACCOUNTS)
@pytest.mark.parametrize("target", (T1, T2))
@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_a_township_is_refused_its_siblings_subtree_and_the_county_sees_both(cell, row, target, who):
    side = cell.sides[target]
    ids = dataclasses.asdict(side)
    if row.setup:
        with cell.app.app_context():
            ids |= row.setup(side)
    before = None
    if row.unchanged:
        with cell.app.app_context():
            before = row.unchanged(side, ids)
    response = call(cell, row, side, who, ids)
    if allowed(who, target):
        assert response.status_code == row.ok, f"{who} on {target}: {response.status_code} {response.json}"
        return
    assert response.status_code == 403, f"{who} on {target}: {response.status_code} {response.json}"
    assert response.json["code"] == 403 and response.json["message"]
    if row.unchanged:
        with cell.app.app_context():
            assert row.unchanged(side, ids) == before


# Endpoints of the features that no committee account calls: the branch's own work (its managers
# write, answer, file, submit), a member's own things, and anyone's reading of the calendar.
BRANCH_OR_MEMBER_ONLY = {
    ("POST", "/correction-requests/<int:request_id>/answers"),
    ("POST", "/branches/<int:branch_id>/filings"),
    ("POST", "/filings/<int:filing_id>/refile"),
    ("POST", "/branches/<int:branch_id>/rectification-items"),
    ("PATCH", "/rectification-items/<int:item_id>"),
    ("POST", "/rectification-items/<int:item_id>/announce"),
    ("PUT", "/branches/<int:branch_id>/secretary-reviews/<int:year>"),
    ("POST", "/branches/<int:branch_id>/secretary-reviews/<int:year>/submit"),
    ("POST", "/branches/<int:branch_id>/groups"),
    ("POST", "/branches/<int:branch_id>/members"),
    ("PATCH", "/members/<int:member_id>"),
    ("POST", "/members/<int:member_id>/floating"),
    ("POST", "/floating-memberships/<int:floating_id>/end"),
    ("GET", "/me/calendar-feed"),
    ("POST", "/me/calendar-feed"),
    ("GET", "/calendar/<string:token>.ics"),
    ("GET", "/calendar/status"),
    ("GET", "/calendar/years/<int:year>"),
    # Every branch's name, for every committee and branch manager by design (names only): no subtree.
    ("GET", "/branch-directory"),
    # Each caller's own list: test_each_list_holds_the_callers_subtree_only.
    ("GET", "/branches"),
}
# Covered by the tests below: imports, and the holiday schedule (top-level committees only).
COVERED_BELOW = {
    ("GET", "/imports/template"), ("POST", "/imports/check"), ("POST", "/imports"),
    ("PUT", "/calendar/years/<int:year>"), ("DELETE", "/calendar/years/<int:year>"),
    ("POST", "/calendar/years/<int:year>/preview"),
}
FEATURES = ("corrections", "filings", "calendar", "secretary_review", "compliance", "org", "imports", "exports")


def test_every_committee_facing_endpoint_of_the_features_has_a_row(tree):
    """A new endpoint of these features fails here until it has a row here (or a reason not to)."""
    ids = dict.fromkeys(("committee", "branch", "member", "role", "correction", "attachment", "filing", "olm"), 1)
    adapter = tree.app.url_map.bind("localhost")
    covered = set()
    for row in ROWS:
        rule, _ = adapter.match(API + fill(row.url, ids).partition("?")[0], method=row.method, return_rule=True)
        covered.add((row.method, rule.rule.removeprefix(API)))
    endpoints = {
        (method, rule.rule.removeprefix(API))
        for rule in tree.app.url_map.iter_rules()
        if rule.endpoint.partition(".")[0] in FEATURES
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert covered | BRANCH_OR_MEMBER_ONLY | COVERED_BELOW == endpoints, {
        "without a row": endpoints - covered - BRANCH_OR_MEMBER_ONLY - COVERED_BELOW,
        "not an endpoint": (covered | BRANCH_OR_MEMBER_ONLY | COVERED_BELOW) - endpoints}
    assert not covered & (BRANCH_OR_MEMBER_ONLY | COVERED_BELOW)


# --- lists: each holds the caller's subtree, the county's both townships' -------------------------

def test_each_list_holds_the_callers_subtree_only(cell):
    with cell.app.app_context():
        for side in cell.sides.values():
            a_correction(side)
            a_filing(side)
            a_submitted_review(side)
    a, c = cell.sides[T1].branch, cell.sides[T2].branch
    everything = {a, c}

    def branches_listed(who, url):
        response = cell.app.test_client().get(API + url, headers=cell.headers(who))
        assert response.status_code == 200, (who, url, response.json)
        rows = response.json if isinstance(response.json, list) else response.json["branches"]
        return {r.get("branch_id", r.get("id")) for r in rows} & everything

    for who, committee in ((COUNTY, cell.county), (TOWNSHIP1, cell.sides[T1].committee),
                           (TOWNSHIP2, cell.sides[T2].committee)):
        expected = everything if who == COUNTY else {cell.sides[HOME[who]].branch}
        for url in (f"/committees/{committee}/correction-requests", f"/committees/{committee}/filings",
                    f"/committees/{committee}/filings?pending=true",
                    f"/committees/{committee}/secretary-reviews?year={REVIEW_YEAR}", "/branches"):
            assert branches_listed(who, url) == expected, (who, url)
    # The compliance workbook of a township lists its own branches, never the sibling's.
    from openpyxl import load_workbook

    for who in (TOWNSHIP1, TOWNSHIP2):
        response = cell.app.test_client().get(f"{API}/committees/{cell.sides[HOME[who]].committee}/compliance.xlsx",
                                              headers=cell.headers(who))
        names = {c.value for c in load_workbook(io.BytesIO(response.data)).active["B"]}
        sibling = cell.sides[T2 if HOME[who] == T1 else T1].branch_name
        assert cell.sides[HOME[who]].branch_name in names and sibling not in names
    # The county's workbook lists the branches of both, and its own.
    response = cell.app.test_client().get(f"{API}/committees/{cell.county}/compliance.xlsx",
                                          headers=cell.headers(COUNTY))
    names = {c.value for c in load_workbook(io.BytesIO(response.data)).active["B"]}
    assert {"红旗村党支部", "县财政局机关党支部", "柳林村党支部", "县直机关党支部"} <= names


def test_a_request_sent_under_ones_own_committee_to_a_siblings_branch_is_refused(cell):
    """The committee in the URL is the caller's own; the branch in the body is the sibling's."""
    for who, home, other in ((TOWNSHIP2, T2, T1), (TOWNSHIP1, T1, T2)):
        before = _count_requests(cell)
        response = cell.app.test_client().post(
            f"{API}/committees/{cell.sides[home].committee}/correction-requests", headers=cell.headers(who),
            json={"branch_id": cell.sides[other].branch, "finding": "党员档案未及时更新",
                  "deadline": f"{NEXT_YEAR}-06-30"})
        assert response.status_code == 422 and "branch_id" in response.json["errors"]["json"], response.json
        assert _count_requests(cell) == before
    # The county sends to a branch of either township.
    for side in cell.sides.values():
        response = cell.app.test_client().post(
            f"{API}/committees/{cell.county}/correction-requests", headers=cell.headers(COUNTY),
            json={"branch_id": side.branch, "finding": "党员档案未及时更新", "deadline": f"{NEXT_YEAR}-06-30"})
        assert response.status_code == 201, response.json


def _count_requests(tree):
    from server.core.db import db
    from server.corrections.models import CorrectionRequest

    with tree.app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(CorrectionRequest))


# --- imports: into one's own subtree only ----------------------------------------------------------

def _post_import(tree, who, path, data):
    return tree.app.test_client().post(f"{API}/imports{path}", data={"file": (io.BytesIO(data), "r.xlsx")},
                                       content_type="multipart/form-data", headers=tree.headers(who))


def _members(tree, name):
    from server.core.db import db
    from server.org.models import Member

    with tree.app.app_context():
        return db.session.scalars(sa.select(Member.branch_id).where(Member.name == name)).all()


def _events_titled(tree, title):
    from server.core.db import db
    from server.events.models import Event

    with tree.app.app_context():
        return db.session.scalars(sa.select(Event.branch_id).where(Event.title == title)).all()


def _branches_named(tree, name):
    from server.core.db import db
    from server.org.models import Branch

    with tree.app.app_context():
        return db.session.scalars(sa.select(Branch.committee_id).where(Branch.name == name)).all()


@pytest.mark.parametrize("who", ACCOUNTS)
@pytest.mark.parametrize("target", (T1, T2))
def test_a_township_imports_into_its_own_branches_only(cell, target, who):
    """A roster row and a historical meeting naming the target township's branch: imported for its
    own township and the county; refused as a whole for the sibling, the row named and nothing written."""
    side = cell.sides[target]
    workbook = workbook_bytes(roster=[roster_row("陈导入", side.branch_name)],
                              meetings=[(side.branch_name, "支委会", f"{REVIEW_YEAR}-11-05", "导入的支委会", None, 5, None)])
    check = _post_import(cell, who, "/check", workbook)
    assert check.status_code == 200, check.json
    imported = _post_import(cell, who, "", workbook)
    if allowed(who, target):
        assert check.json["ok"] and check.json["summary"]["members_new"] == 1, check.json
        assert imported.status_code == 201, imported.json
        assert _members(cell, "陈导入") == [side.branch] and _events_titled(cell, "导入的支委会") == [side.branch]
        return
    assert not check.json["ok"]
    problems = {(p["sheet"], p["column"]) for p in check.json["problems"]}
    assert problems == {("花名册", "所在党支部"), ("历史会议", "党支部")}, check.json
    assert all("不在您的管辖范围内" in p["text"] for p in check.json["problems"])
    assert imported.status_code == 422, imported.json
    assert _members(cell, "陈导入") == [] and _events_titled(cell, "导入的支委会") == []


@pytest.mark.parametrize("who", ACCOUNTS)
@pytest.mark.parametrize("target", (T1, T2))
def test_a_township_creates_branches_under_its_own_committee_only(cell, target, who):
    """A new branch whose 上级党委 is the target township: for its own account and the county only."""
    side = cell.sides[target]
    workbook = workbook_bytes(branches=[(side.committee_name, "新建村党支部", "农村社区", None)], roster=None)
    imported = _post_import(cell, who, "", workbook)
    if allowed(who, target):
        assert imported.status_code == 201, imported.json
        assert _branches_named(cell, "新建村党支部") == [side.committee]
        return
    assert imported.status_code == 422, imported.json
    assert any("上级党委" in text or "不在您的管辖范围内" in text for text in imported.json["errors"]["file"])
    assert _branches_named(cell, "新建村党支部") == []


@pytest.mark.parametrize("who", ACCOUNTS)
def test_the_import_template_is_for_every_committee(cell, who):
    assert cell.app.test_client().get(f"{API}/imports/template", headers=cell.headers(who)).status_code == 200


# --- the holiday schedule: shared by everyone, loaded by a top-level committee ---------------------

@pytest.mark.parametrize("who", ACCOUNTS)
def test_only_the_county_loads_and_previews_the_holiday_schedule(cell, who):
    """A township is not top-level: the schedule every branch of the county follows is the county's to load."""
    client = cell.app.test_client()
    body = {"days": [{"date": f"{NEXT_YEAR}-10-01", "kind": "rest", "name": "国庆节"}]}
    url = f"{API}/calendar/years/{NEXT_YEAR}"
    expected = 200 if who == COUNTY else 403
    assert client.post(f"{url}/preview", json=body, headers=cell.headers(who)).status_code == expected
    assert client.put(url, json=body, headers=cell.headers(who)).status_code == expected
    if who != COUNTY:
        assert client.put(url, json=body, headers=cell.headers(COUNTY)).status_code == 200
    assert client.delete(url, headers=cell.headers(who)).status_code == (204 if who == COUNTY else 403)
