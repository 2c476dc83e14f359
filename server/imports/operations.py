"""Checking and applying an import: validation first, every problem named by sheet, row and column;
nothing is written until the whole file is clean, and then everything in the request's one
transaction (the request commits once; any failure rolls all of it back).

Members are recognised on a re-import (so the same file changes nothing) by the keyed hash of
their citizen ID number when the row has one, else by branch + name + date of birth. The ID
number itself is never stored, logged or returned: only `110101********1234` and the hash
(docs/decisions.md, "Imports").
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import re
from collections import defaultdict

import sqlalchemy as sa
from flask import current_app

from server.audit.operations import log_action
from server.calendar.days import local_day
from server.core.collector import collector_paused
from server.core.db import db
from server.core.enums import EventKind, EventStatus, MemberStatus, Sector
from server.events.models import Event
from server.imports import workbook
from server.imports.models import ImportedMeeting, ImportRun
from server.imports.workbook import BRANCHES, MEETINGS, ROSTER
from server.org.models import Branch, Committee, Group, Member
from server.sync_api.changes import emit_rows
from sync import clock

MAX_PROBLEMS = 1000  # listed; all are counted
INSERT_CHUNK = 1000
LOOKUP_CHUNK = 500

STATUSES = {"正式党员": MemberStatus.full, "正式": MemberStatus.full,
            "预备党员": MemberStatus.probationary, "预备": MemberStatus.probationary}
GENDERS = {"男": "男", "男性": "男", "女": "女", "女性": "女"}
MEETING_KINDS = {
    "支委会": EventKind.branch_committee_meeting, "支部委员会": EventKind.branch_committee_meeting,
    "支部委员会会议": EventKind.branch_committee_meeting,
    "党员大会": EventKind.general_assembly, "支部党员大会": EventKind.general_assembly,
    "党小组会": EventKind.group_meeting, "党小组会议": EventKind.group_meeting,
    "党课": EventKind.party_lecture,
    "主题党日": EventKind.activity_day, "统一活动日": EventKind.activity_day, "主题党日活动": EventKind.activity_day,
    "组织生活会": EventKind.org_life_meeting,
    "民主评议": EventKind.evaluation_meeting, "民主评议党员": EventKind.evaluation_meeting,
    "其他": EventKind.other,
}
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{9,11})$")
ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
MEETING_HOURS = (9, 11)  # a historical meeting's row has a date only: 09:00-11:00 China time
LENGTHS = {"姓名": 100, "民族": 32, "学历": 32, "所在党支部": 200, "党支部": 200, "党小组": 200,
           "上级党委": 200, "主题": 200, "参会人员": 2000}
# What a member row may change on an existing member (a blank cell changes nothing).
MEMBER_FIELDS = ("group_id", "status", "admitted_on", "full_since", "phone", "gender", "ethnicity", "birth_date",
                 "education", "id_number_masked", "id_number_hash")


@dataclasses.dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str | None
    message: str

    @property
    def text(self) -> str:
        where = self.sheet + (f" 第{self.row}行" if self.row else "")
        return f"{where}「{self.column}」：{self.message}" if self.column else f"{where}：{self.message}"


class ImportProblems(Exception):
    def __init__(self, problems: list[Problem], count: int):
        super().__init__(f"{count} problems")
        self.problems, self.count = problems, count


def sector_of(text: str) -> Sector | None:
    if "村" in text or "社区" in text:
        return Sector.village
    if "机关" in text or "事业" in text:
        return Sector.agency
    if "企业" in text or "社会组织" in text or "非公" in text:
        return Sector.enterprise
    return None


def id_number_valid(number: str) -> bool:
    if not ID_NUMBER.match(number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS))
    return ID_CHECK[total % 11] == number[17]


def mask_id_number(number: str) -> str:
    return number[:6] + "*" * 8 + number[-4:]


def hash_id_number(number: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"zhibu-id-number:" + number.encode(), hashlib.sha256).hexdigest()


@dataclasses.dataclass
class Plan:
    """What the file would do: checked in full before anything is written."""

    file_sha256: str
    problems: list[Problem] = dataclasses.field(default_factory=list)
    problem_count: int = 0
    new_branches: dict[str, tuple[int, Sector]] = dataclasses.field(default_factory=dict)  # name → committee, sector
    # (branch, group name): the branch's id, or its name when the file creates it too
    new_groups: set[tuple[int | str, str]] = dataclasses.field(default_factory=set)
    new_members: list[dict] = dataclasses.field(default_factory=list)
    member_updates: dict[int, dict] = dataclasses.field(default_factory=dict)
    members_unchanged: int = 0
    new_meetings: list[dict] = dataclasses.field(default_factory=list)
    meetings_unchanged: int = 0
    branch_names_touched: set[str] = dataclasses.field(default_factory=set)

    def add(self, sheet, row, column, message) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(sheet, row, column, message))

    @property
    def summary(self) -> dict:
        return {"branches_new": len(self.new_branches), "groups_new": len(self.new_groups),
                "members_new": len(self.new_members), "members_updated": len(self.member_updates),
                "members_unchanged": self.members_unchanged, "meetings_new": len(self.new_meetings),
                "meetings_unchanged": self.meetings_unchanged}


class _Scope:
    """The branches, groups and committees the caller may import into, loaded once."""

    def __init__(self, who):
        branch_ids = set(who.managed_branch_ids) | set(who.overseen_branch_ids)
        self.committees: dict[str, list[int]] = defaultdict(list)
        for cid, name in db.session.execute(
                sa.select(Committee.id, Committee.name).where(Committee.id.in_(who.overseen_committee_ids))):
            self.committees[name].append(cid)
        self.branches: dict[str, list[int]] = defaultdict(list)
        for bid, name in db.session.execute(sa.select(Branch.id, Branch.name).where(Branch.id.in_(branch_ids))):
            self.branches[name].append(bid)
        self.groups: dict[tuple[int, str], int] = {
            (bid, name): gid for gid, bid, name in db.session.execute(
                sa.select(Group.id, Group.branch_id, Group.name).where(Group.branch_id.in_(branch_ids)))}
        self.branch_ids = branch_ids


def _text(plan, sheet, row, column, required=False):
    value = workbook.text_of(row.cells.get(column))
    if value is None:
        if required:
            plan.add(sheet.title, row.number, column, "必填项为空")
        return None
    limit = LENGTHS.get(column)
    if limit and len(value) > limit:
        plan.add(sheet.title, row.number, column, f"内容过长（最多{limit}个字）")
        return None
    return value


def _date(plan, sheet, row, column, today, required=False):
    value = row.cells.get(column)
    if value is None:
        if required:
            plan.add(sheet.title, row.number, column, "必填项为空")
        return None
    try:
        day = workbook.parse_date(value)
    except ValueError:
        plan.add(sheet.title, row.number, column, "日期格式不正确（应为 2020-01-05）")
        return None
    if day > today:
        plan.add(sheet.title, row.number, column, "日期晚于今天")
        return None
    if day.year < 1900:
        plan.add(sheet.title, row.number, column, "日期早于1900年")
        return None
    return day


def _branch(plan, scope, sheet, row, column):
    """The branch a row names: an existing one in scope (its id) or one the file creates (its name)."""
    name = _text(plan, sheet, row, column, required=True)
    if name is None:
        return None
    ids = scope.branches.get(name, [])
    if len(ids) > 1:
        plan.add(sheet.title, row.number, column, f"有多个名为「{name}」的党支部，无法确定是哪一个")
        return None
    if ids:
        return ids[0]
    if name in plan.new_branches:
        return name
    plan.add(sheet.title, row.number, column, f"没有名为「{name}」的党支部（或不在您的管辖范围内）")
    return None


def _group(plan, scope, sheet, row, branch, branch_name):
    name = _text(plan, sheet, row, "党小组")
    if name is None or branch is None:
        return None
    if isinstance(branch, int) and (branch, name) in scope.groups:
        return scope.groups[(branch, name)]
    if (branch, name) in plan.new_groups:
        return (branch, name)
    plan.add(sheet.title, row.number, "党小组", f"「{branch_name}」没有名为「{name}」的党小组")
    return None


def _check_branch_sheet(plan, scope, sheet, who):
    for row in sheet.rows:
        name = _text(plan, sheet, row, "党支部", required=True)
        if name is None:
            continue
        plan.branch_names_touched.add(name)
        ids = scope.branches.get(name, [])
        if len(ids) > 1:
            plan.add(sheet.title, row.number, "党支部", f"有多个名为「{name}」的党支部，无法确定是哪一个")
            continue
        if not ids and name not in plan.new_branches:
            if not who.overseen_committee_ids:
                plan.add(sheet.title, row.number, "党支部", f"没有名为「{name}」的党支部；新建党支部须由上级党委导入")
                continue
            committee_name = _text(plan, sheet, row, "上级党委")
            if committee_name is None and len(who.overseen_committee_ids) == 1:
                committee_id = next(iter(who.overseen_committee_ids))
            elif committee_name is None:
                plan.add(sheet.title, row.number, "上级党委", "新建党支部须填写上级党委")
                continue
            else:
                committees = scope.committees.get(committee_name, [])
                if len(committees) != 1:
                    plan.add(sheet.title, row.number, "上级党委",
                             f"没有名为「{committee_name}」的党委（或不在您的管辖范围内）" if not committees
                             else f"有多个名为「{committee_name}」的党委，无法确定是哪一个")
                    continue
                committee_id = committees[0]
            sector_text = _text(plan, sheet, row, "领域", required=True)
            if sector_text is None:
                continue
            sector = sector_of(sector_text)
            if sector is None:
                plan.add(sheet.title, row.number, "领域", "应为 农村社区、机关事业单位 或 企业社会组织")
                continue
            plan.new_branches[name] = (committee_id, sector)
        group = _text(plan, sheet, row, "党小组")
        if group is not None and not (ids and (ids[0], group) in scope.groups):
            plan.new_groups.add((ids[0] if ids else name, group))


def _existing_members(plan, scope, hashes: set[str]):
    """Existing members by hash (any branch: a member registered elsewhere is a transfer, not a new
    member) and by (branch, name, birth date) within scope."""
    by_hash, by_key = {}, {}
    columns = (Member.id, Member.branch_id, Member.name, *(getattr(Member, f) for f in MEMBER_FIELDS))
    hashes = sorted(hashes)
    for start in range(0, len(hashes), LOOKUP_CHUNK):
        for m in db.session.execute(sa.select(*columns).where(
                Member.id_number_hash.in_(hashes[start:start + LOOKUP_CHUNK]), Member.left_on.is_(None))):
            by_hash[m.id_number_hash] = m
    for m in db.session.execute(sa.select(*columns).where(
            Member.branch_id.in_(scope.branch_ids), Member.left_on.is_(None))):
        by_key.setdefault((m.branch_id, m.name, m.birth_date), m)
    return by_hash, by_key


def _check_roster(plan, scope, sheet, today):
    parsed = []
    for row in sheet.rows:
        t = sheet.title
        name = _text(plan, sheet, row, "姓名", required=True)
        branch_name = workbook.text_of(row.cells.get("所在党支部"))
        branch = _branch(plan, scope, sheet, row, "所在党支部")
        group = _group(plan, scope, sheet, row, branch, branch_name)
        status_text = _text(plan, sheet, row, "人员类别", required=True)
        status = STATUSES.get(status_text) if status_text else None
        if status_text and status is None:
            plan.add(t, row.number, "人员类别", "应为 正式党员 或 预备党员")
        gender = _text(plan, sheet, row, "性别")
        if gender is not None and gender not in GENDERS:
            plan.add(t, row.number, "性别", "应为 男 或 女")
        birth = _date(plan, sheet, row, "出生日期", today)
        admitted = _date(plan, sheet, row, "入党日期", today)
        full_since = _date(plan, sheet, row, "转正日期", today)
        phone = _text(plan, sheet, row, "联系电话")
        if phone is not None:
            phone = re.sub(r"[\s\-－()（）]", "", phone)
            if not PHONE.match(phone):
                plan.add(t, row.number, "联系电话", "电话号码不正确（应为11位手机号或带区号的固定电话）")
                phone = None
        id_hash = id_masked = None
        id_number = workbook.text_of(row.cells.get("公民身份号码"))
        if id_number is not None:
            id_number = id_number.upper().replace(" ", "")
            if not id_number_valid(id_number):
                plan.add(t, row.number, "公民身份号码", "公民身份号码不正确（18位，校验位不符）")
            else:
                try:
                    id_birth = dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
                except ValueError:
                    id_birth = None
                    plan.add(t, row.number, "公民身份号码", "公民身份号码中的出生日期不存在")
                if id_birth and birth and id_birth != birth:
                    plan.add(t, row.number, "出生日期", "与公民身份号码中的出生日期不一致")
                birth = birth or id_birth
                id_hash, id_masked = hash_id_number(id_number), mask_id_number(id_number)
        if birth is None and id_number is None and row.cells.get("出生日期") is None:
            plan.add(t, row.number, "出生日期", "出生日期与公民身份号码至少填一项")
        if status == MemberStatus.probationary:
            if admitted is None and row.cells.get("入党日期") is None:
                plan.add(t, row.number, "入党日期", "预备党员须填写入党日期")
            if row.cells.get("转正日期") is not None:
                plan.add(t, row.number, "转正日期", "预备党员不应有转正日期")
        if birth and admitted and admitted <= birth:
            plan.add(t, row.number, "入党日期", "入党日期早于出生日期")
        if admitted and full_since and full_since < admitted:
            plan.add(t, row.number, "转正日期", "转正日期早于入党日期")
        values = {"name": name, "status": status, "admitted_on": admitted, "full_since": full_since,
                  "phone": phone, "gender": GENDERS.get(gender), "ethnicity": _text(plan, sheet, row, "民族"),
                  "birth_date": birth, "education": _text(plan, sheet, row, "学历"),
                  "id_number_masked": id_masked, "id_number_hash": id_hash}
        parsed.append((row.number, branch, branch_name, group, values))
    return parsed


def _plan_members(plan, scope, sheet_title, parsed):
    by_hash, by_key = _existing_members(plan, scope, {v["id_number_hash"] for *_, v in parsed if v["id_number_hash"]})
    seen_hash: dict[str, int] = {}
    seen_key: dict[tuple, int] = {}
    for number, branch, branch_name, group, values in parsed:
        h = values["id_number_hash"]
        key = (branch, values["name"], values["birth_date"])
        if h and h in seen_hash:
            plan.add(sheet_title, number, "公民身份号码", f"与第{seen_hash[h]}行的公民身份号码重复")
            continue
        if key in seen_key:
            plan.add(sheet_title, number, "姓名", f"与第{seen_key[key]}行重复（同一党支部、姓名和出生日期）")
            continue
        if h:
            seen_hash[h] = number
        seen_key[key] = number
        existing = by_hash.get(h) if h else None
        if existing is not None and existing.branch_id != branch:
            plan.add(sheet_title, number, "所在党支部", "该党员已在另一个党支部登记；请办理组织关系转接，不要重复导入")
            continue
        if existing is None and isinstance(branch, int):
            candidate = by_key.get(key)
            if candidate is not None and (h is None or candidate.id_number_hash in (None, h)):
                existing = candidate
        if existing is None:
            plan.new_members.append({"branch": branch, "group": group, **values})
            continue
        if plan.problem_count:
            continue  # the file will be refused; no need to work out updates
        changes = {}
        for field in MEMBER_FIELDS:
            new = group if field == "group_id" else values[field]
            if new is not None and not isinstance(new, tuple) and new != getattr(existing, field):
                changes[field] = new
            elif isinstance(new, tuple):  # a group the file creates
                changes[field] = new
        if changes:
            plan.member_updates[existing.id] = changes
        else:
            plan.members_unchanged += 1


def _check_meetings(plan, scope, sheet, today):
    existing = set()
    if scope.branch_ids:
        for branch_id, kind, title, starts_at in db.session.execute(
                sa.select(Event.branch_id, Event.kind, Event.title, Event.starts_at).where(
                    Event.branch_id.in_(scope.branch_ids))):
            existing.add((branch_id, kind, title, local_day(starts_at)))
    seen: dict[tuple, int] = {}
    for row in sheet.rows:
        t = sheet.title
        branch_name = workbook.text_of(row.cells.get("党支部"))
        branch = _branch(plan, scope, sheet, row, "党支部")
        kind_text = _text(plan, sheet, row, "会议类型", required=True)
        kind = MEETING_KINDS.get(workbook._norm(kind_text)) if kind_text else None
        if kind_text and kind is None:
            plan.add(t, row.number, "会议类型", "应为 支委会、党员大会、党小组会、党课、主题党日、组织生活会、民主评议 或 其他")
        day = _date(plan, sheet, row, "日期", today, required=True)
        group = _group(plan, scope, sheet, row, branch, branch_name)
        if kind == EventKind.group_meeting and row.cells.get("党小组") is None:
            plan.add(t, row.number, "党小组", "党小组会须填写党小组")
        title = _text(plan, sheet, row, "主题") or (kind_text if kind else None)
        count = row.cells.get("参会人数")
        if count is not None:
            try:
                count = int(str(count).strip().removesuffix("人"))
                if count < 0:
                    raise ValueError
            except ValueError:
                plan.add(t, row.number, "参会人数", "应为不小于0的整数")
                count = None
        names = _text(plan, sheet, row, "参会人员")
        if None in (branch, kind, day):
            continue
        key = (branch, kind, title, day)
        if key in seen:
            plan.add(t, row.number, "日期", f"与第{seen[key]}行重复（同一党支部、会议类型、主题和日期）")
            continue
        seen[key] = row.number
        if isinstance(branch, int) and key in existing:
            plan.meetings_unchanged += 1
            continue
        plan.new_meetings.append({"branch": branch, "group": group, "kind": kind, "title": title[:200], "day": day,
                                  "attendee_count": count, "attendee_names": names})


def check(data: bytes, who, today: dt.date | None = None) -> Plan:
    """Read and validate the whole file against what the caller may import; write nothing. The
    garbage collector is paused meanwhile (server/core/collector.py: a third of a 50,000-row check)."""
    with collector_paused():
        return _check(data, who, today)


def _check(data: bytes, who, today: dt.date | None) -> Plan:
    today = today or clock.today()
    plan = Plan(file_sha256=hashlib.sha256(data).hexdigest())
    scope = _Scope(who)
    try:
        book = workbook.open_workbook(data)
    except workbook.WorkbookError as exc:
        plan.add("文件", None, None, str(exc))
        return plan
    try:
        found = {kind: [] for kind in (BRANCHES, ROSTER, MEETINGS)}
        for sheet in workbook.sheets(book):
            found[sheet.kind].append(sheet)
        if not any(found.values()):
            plan.add("文件", None, None, "没有找到可导入的工作表（花名册须有「姓名」列，历史会议须有「会议类型」列，"
                                       "支部和党小组须有「党支部」列）；请使用导入模板")
            return plan
        # Branches first: the other sheets may name the branches and groups they create.
        for kind in (BRANCHES, ROSTER, MEETINGS):
            for sheet in found[kind]:
                for column in sheet.missing:
                    plan.add(sheet.title, sheet.header_row, column, "缺少该列")
                if sheet.missing:
                    continue
                if kind == BRANCHES:
                    _check_branch_sheet(plan, scope, sheet, who)
                elif kind == ROSTER:
                    _plan_members(plan, scope, sheet.title, _check_roster(plan, scope, sheet, today))
                else:
                    _check_meetings(plan, scope, sheet, today)
    finally:
        book.close()
    order = {name: i for i, name in enumerate(dict.fromkeys(p.sheet for p in plan.problems))}
    plan.problems.sort(key=lambda p: (order[p.sheet], p.row or 0))  # stable: a row's problems keep their order
    return plan


def apply(plan: Plan, actor_id: int) -> ImportRun | None:
    """Write a clean plan. Only flushes; the request's one commit makes it all or nothing."""
    with collector_paused():
        return _apply(plan, actor_id)


def _apply(plan: Plan, actor_id: int) -> ImportRun | None:
    if plan.problem_count:
        raise ImportProblems(plan.problems, plan.problem_count)
    summary = plan.summary
    if not any(v for k, v in summary.items() if not k.endswith("unchanged")):
        return None  # the same file again: nothing to do, nothing recorded
    branch_ids: dict[str, int] = {}
    for name, (committee_id, sector) in plan.new_branches.items():
        branch = Branch(committee_id=committee_id, name=name, sector=sector)
        db.session.add(branch)
        db.session.flush()
        branch_ids[name] = branch.id
        log_action(actor_id, "branch.imported", branch, branch_id=branch.id)

    def branch_id(ref):
        return branch_ids[ref] if isinstance(ref, str) else ref

    group_ids: dict[tuple[int | str, str], int] = {}
    for ref, group_name in sorted(plan.new_groups, key=str):
        group = Group(branch_id=branch_id(ref), name=group_name)
        db.session.add(group)
        db.session.flush()
        group_ids[(ref, group_name)] = group.id

    def group_id(ref):
        return group_ids[ref] if isinstance(ref, tuple) else ref

    insert_members(plan.new_members, branch_id, group_id)
    for member_id, changes in plan.member_updates.items():
        member = db.session.get(Member, member_id)
        for field, value in changes.items():
            setattr(member, field, group_id(value) if field == "group_id" else value)
    db.session.flush()

    run = ImportRun(actor_id=actor_id, file_sha256=plan.file_sha256, summary=summary)
    db.session.add(run)
    db.session.flush()
    create_meetings(plan.new_meetings, branch_id, group_id, run, actor_id)
    touched = {branch_id(m["branch"]) for m in plan.new_members} | set(branch_ids.values())
    log_action(actor_id, "import.applied", run, branch_id=touched.pop() if len(touched) == 1 else None, **summary)
    return run


def insert_members(rows: list[dict], branch_id, group_id) -> None:
    """Set-based inserts (a roster may hold tens of thousands), noted in the change feed by hand.

    `render_nulls`: a blank cell is sent as NULL instead of leaving its column out, so that every
    row has the same columns and a chunk goes as one batch (the ORM's bulk insert otherwise starts
    a new statement whenever the set of blank cells changes from one row to the next, and splices
    the RETURNING rows together: nearly half of the insert's time on SQLite). None of these
    columns has a default, so a NULL sent is what an omitted column got."""
    now = clock.now()
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = [{**{k: v for k, v in r.items() if k not in ("branch", "group")},
                  "branch_id": branch_id(r["branch"]), "group_id": group_id(r["group"]), "created_at": now}
                 for r in rows[start:start + INSERT_CHUNK]]
        ids = db.session.execute(sa.insert(Member).returning(Member.id, Member.branch_id, sort_by_parameter_order=True),
                                 chunk, execution_options={"render_nulls": True}).all()
        emit_rows(db.session, [{"entity": "member", "entity_id": mid, "op": "upsert", "branch_id": None,
                                "member_id": mid, "home_branch_id": bid} for mid, bid in ids])


def create_meetings(rows: list[dict], branch_id, group_id, run: ImportRun, actor_id: int) -> None:
    from server.events.operations import create_event

    for row in rows:
        branch = db.session.get(Branch, branch_id(row["branch"]))
        starts_at = clock.china_time(row["day"], MEETING_HOURS[0])
        event = create_event(branch, {"kind": row["kind"], "title": row["title"], "starts_at": starts_at,
                                      "ends_at": clock.china_time(row["day"], MEETING_HOURS[1]),
                                      "status": EventStatus.held, "group_id": group_id(row["group"])}, actor_id)
        db.session.add(ImportedMeeting(event_id=event.id, run_id=run.id, attendee_count=row["attendee_count"],
                                       attendee_names=row["attendee_names"]))
    db.session.flush()
