"""A member's archive (党员手册): every record of their party life kept in Zhibu, grouped as a
branch office files it, and the register of its printings (ArchivePrint).

Who reads it (docs/decisions.md, "Archive"): the member; the managers (secretary, deputy
secretary, organizer) of the member's HOME branch; the committees over the home branch. A host
branch sees what its own events recorded through the records list, not the whole archive.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from server.audit.operations import log_action
from server.archive.models import ArchivePrint
from server.calendar.days import local_day
from server.core.db import db
from server.core.enums import EvaluationGrade, EventKind, MemberStatus, RecordKind
from server.dues.models import DuesPayment
from server.evaluation.models import Evaluation, EvaluationMember, EvaluationStage, ReviewState
from server.events.models import Event
from server.org.models import FloatingMembership, Member
from server.records.models import Record
from sync import clock

# Organizational life: the meetings of 三会一课, the activity day, the org-life meeting, evaluation.
ORG_LIFE_KINDS = frozenset({
    EventKind.branch_committee_meeting.value, EventKind.group_meeting.value, EventKind.general_assembly.value,
    EventKind.party_lecture.value, EventKind.activity_day.value, EventKind.org_life_meeting.value,
    EventKind.evaluation_meeting.value,
})
# Two capitals per kind: what a page's QR carries (sync/archive.py); the PWA names them (i18n/archive.js).
EVENT_CODES = {
    "branch_committee_meeting": "BC", "group_meeting": "GM", "general_assembly": "GA", "party_lecture": "PL",
    "activity_day": "AD", "org_life_meeting": "OL", "evaluation_meeting": "EM", "training": "TR",
    "lecture": "LE", "report_meeting": "RM", "discussion": "DI", "online_study": "OS",
    "featured_activity": "FA", "other": "OT",
}
UNKNOWN_EVENT_CODE = "EV"  # an event kind added later: named by its label, coded as "an activity"
RECORD_CODES = {
    "study": "ST", "service": "SV", "dues": "DU", "reward": "RW", "punishment": "PU",
    "role_performance": "RP", "outstanding_deed": "OD",
}
UNKNOWN_RECORD_CODE = "RC"
EVALUATION_CODE = "EG"

KIND_ZH = {
    "branch_committee_meeting": "支委会", "group_meeting": "党小组会", "general_assembly": "党员大会",
    "party_lecture": "党课", "activity_day": "主题党日", "org_life_meeting": "组织生活会",
    "evaluation_meeting": "民主评议党员大会", "training": "培训班", "lecture": "专题讲座",
    "report_meeting": "报告会", "discussion": "专题研讨", "online_study": "网上学习",
    "featured_activity": "特色活动", "other": "其他活动",
    "study": "学习", "service": "服务", "dues": "党费", "reward": "奖励", "punishment": "处分",
    "role_performance": "发挥作用", "outstanding_deed": "突出事迹", "evaluation": "民主评议",
}
STATE_ZH = {"pending": "待核实", "acknowledged": "本人已核实", "confirmed": "支部已确认"}
STATE_CODES = {"pending": "p", "acknowledged": "a", "confirmed": "c"}
GRADE_ZH = {EvaluationGrade.excellent: "优秀", EvaluationGrade.qualified: "合格",
            EvaluationGrade.basically_qualified: "基本合格", EvaluationGrade.unqualified: "不合格"}
STATUS_ZH = {MemberStatus.full: "正式党员", MemberStatus.probationary: "预备党员"}

# (key, title), in the order of the archive.
SECTIONS = (
    ("org_life", "组织生活"),
    ("education", "教育培训与服务"),
    ("dues", "党费交纳"),
    ("rewards", "奖惩情况"),
    ("role", "发挥作用情况"),
    ("deeds", "突出事迹"),
    ("evaluation", "民主评议结果"),
)
_RECORD_SECTIONS = {"study": "education", "service": "education", "dues": "dues", "reward": "rewards",
                    "punishment": "rewards", "role_performance": "role", "outstanding_deed": "deeds"}


def may_read(p, member: Member) -> bool:
    """The member, their home branch's managers, the committees over their home branch."""
    return member.id == p.member_id or p.manages(member.branch_id) or p.oversees(member.branch_id)


def may_export_branch(p, branch_id: int) -> bool:
    return p.manages(branch_id) or p.oversees(branch_id)


def _yuan(fen: int) -> str:
    return f"{(Decimal(fen) / 100).quantize(Decimal('0.01'))}元"


def _months_text(months: str) -> str:
    parts = [m for m in (months or "").split(",") if m]
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else f"{parts[0]}至{parts[-1]}"


def _item(section, code, kind, day, title, state, *, kept_by=None, ident=None) -> dict:
    return {"id": ident, "section": section, "code": code, "kind": kind,
            "kind_label": KIND_ZH.get(kind, kind), "date": day, "title": title, "state": state,
            "state_label": STATE_ZH[state], "kept_by": kept_by}


def _record_items(member: Member, year: int | None) -> list[dict]:
    query = (sa.select(Record, Event.kind)
             .outerjoin(Event, Event.id == Record.event_id)
             .where(Record.member_id == member.id)
             .order_by(Record.occurred_on, Record.id))
    if year is not None:
        query = query.where(Record.occurred_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    linked = set(db.session.scalars(sa.select(DuesPayment.record_id).where(
        DuesPayment.member_id == member.id, DuesPayment.record_id.is_not(None))))
    items = []
    for record, event_kind in db.session.execute(query):
        state = record.status.value
        if state not in STATE_CODES:  # refused by the branch: not part of the member's record
            continue
        kept_by = record.branch.name if record.branch_id != member.branch_id else None
        kind = RecordKind(record.kind).value
        if kind == RecordKind.attendance.value:
            ek = event_kind.value if hasattr(event_kind, "value") else (event_kind or "other")
            section = "org_life" if ek in ORG_LIFE_KINDS else "education"
            code = EVENT_CODES.get(ek, UNKNOWN_EVENT_CODE)
            items.append(_item(section, code, ek, record.occurred_on, record.title, state, kept_by=kept_by,
                               ident=record.id))
        else:
            if kind == RecordKind.dues.value and record.id in linked:
                continue  # shown as its payment
            section = _RECORD_SECTIONS.get(kind, "education")
            items.append(_item(section, RECORD_CODES.get(kind, UNKNOWN_RECORD_CODE), kind, record.occurred_on,
                               record.title, state, kept_by=kept_by, ident=record.id))
    return items


def _dues_items(member: Member, year: int | None) -> list[dict]:
    query = (sa.select(DuesPayment).where(DuesPayment.member_id == member.id, DuesPayment.voided_at.is_(None))
             .order_by(DuesPayment.paid_on, DuesPayment.id))
    if year is not None:
        query = query.where(DuesPayment.paid_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    # A payment is recorded by the branch's secretary or organizer when handed over: confirmed.
    return [_item("dues", "DU", "dues", p.paid_on, f"交纳党费 {_months_text(p.months)} {_yuan(p.amount_fen)}",
                  "confirmed", ident=p.id) for p in db.session.scalars(query)]


def _evaluation_items(member: Member, year: int | None) -> list[dict]:
    """Only a grade the superior committee approved and fed back (what EvaluationMemberView shows)."""
    query = (sa.select(EvaluationMember, Evaluation)
             .join(Evaluation, Evaluation.id == EvaluationMember.evaluation_id)
             .where(EvaluationMember.member_id == member.id,
                    Evaluation.stage.in_([EvaluationStage.feedback, EvaluationStage.closed]),
                    EvaluationMember.review == ReviewState.approved, EvaluationMember.grade.is_not(None))
             .order_by(Evaluation.year))
    if year is not None:
        query = query.where(Evaluation.year == year)
    items = []
    for row, evaluation in db.session.execute(query):
        moment = row.feedback_at or row.reviewed_at
        day = local_day(moment) if moment else dt.date(evaluation.year, 12, 31)
        items.append(_item("evaluation", EVALUATION_CODE, "evaluation", day,
                           f"{evaluation.year}年度民主评议：{GRADE_ZH[EvaluationGrade(row.grade)]}", "confirmed",
                           ident=row.id))
    return items


def member_data(member: Member) -> dict:
    """The cover: what the Member model holds, never contacts (the archive is party life)."""
    floating = db.session.scalars(sa.select(FloatingMembership).where(FloatingMembership.member_id == member.id)
                                  .order_by(FloatingMembership.starts_on)).all()
    return {
        "id": member.id, "name": member.name, "branch_id": member.branch_id, "branch_name": member.branch.name,
        "group_name": member.group.name if member.group else None,
        "status": MemberStatus(member.status).value, "status_label": STATUS_ZH[MemberStatus(member.status)],
        "admitted_on": member.admitted_on, "full_since": member.full_since, "work_sector": member.work_sector,
        "left_on": member.left_on,
        "floating": [{"host_branch_name": f.host_branch.name, "starts_on": f.starts_on, "ends_on": f.ends_on}
                     for f in floating],
    }


def archive(member: Member, year: int | None = None) -> dict:
    items = _record_items(member, year) + _dues_items(member, year) + _evaluation_items(member, year)
    sections = []
    for key, title in SECTIONS:
        rows = sorted((i for i in items if i["section"] == key), key=lambda i: (i["date"], i["code"], i["id"] or 0))
        sections.append({"key": key, "title": title, "items": rows})
    prints = db.session.scalars(sa.select(ArchivePrint).where(ArchivePrint.member_id == member.id)
                                .order_by(ArchivePrint.printed_at.desc(), ArchivePrint.id.desc()).limit(1)).all()
    return {"member": member_data(member), "year": year, "generated_on": clock.today(), "sections": sections,
            "last_print": prints[0] if prints else None}


def log_print(member: Member, year: int | None, pages: int, digest: str, actor_id: int | None) -> ArchivePrint:
    row = ArchivePrint(member_id=member.id, year=year, printed_at=clock.now(), printed_by_id=actor_id, pages=pages,
                       digest=digest)
    db.session.add(row)
    db.session.flush()
    log_action(actor_id, "archive.printed", row, branch_id=member.branch_id, member_id=member.id, year=year,
               pages=pages)
    return row


def branch_members(branch_id: int, year: int | None) -> list[Member]:
    """The branch's members for its export: those on the roll during the year (all who have not
    left, without a year), in the roster's order."""
    query = sa.select(Member).where(Member.branch_id == branch_id).order_by(Member.group_id, Member.id)
    if year is None:
        query = query.where(Member.left_on.is_(None))
    else:
        query = query.where(sa.or_(Member.left_on.is_(None), Member.left_on >= dt.date(year, 1, 1)))
    return list(db.session.scalars(query))
