"""The points scheme's domain operations: rules (the branch's own and the featured systems'),
the scheme, loading the facts of a period (a fixed number of queries per branch), previews and
publications. Only flushes; the request commits.

No ranking anywhere (SPEC: no leaderboards): lists of members are in name order, nothing is sorted
by points, and a member's own view carries nobody else's points.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa

from server.audit.operations import log_action
from server.calendar.days import CHINA, local_day
from server.compliance.registry import QUARTER, YEAR, Period
from server.core.api import abort
from server.core.db import db
from server.core.enums import LeaveStatus, RecordKind
from server.dues.models import DuesPayment, DuesPaymentMonth
from server.events.models import Event, LeaveRequest
from server.notifications.models import NotificationKind
from server.notifications.operations import notify_members
from server.org.models import Branch, BranchRole, FloatingMembership, Member
from server.points import scheme as pure
from server.points.models import BRANCH_SOURCE, PointsPublication, PointsRule, PointsScheme, PublishEvery
from server.records.models import Record
from sync import clock

# LOG-points: a period's points are published within this many days after it ends (docs/decisions.md).
PUBLISH_WITHIN_DAYS = 15


def _conflict(reason: str, message: str):
    abort(409, message=message, errors={"reason": reason})


# --- rules: the CONTRACT with the featured systems ---------------------------------------------------

def add_points_rules(branch_id: int, items: list[dict], source: str) -> None:
    """Set the rules `source` ("template:<code>") gives the branch: the same source's rows are
    replaced, so calling it again is harmless. items: {key, title, points, cap_per_period}. No commit."""
    remove_points_rules(branch_id, source)
    seen = set()
    for item in items:
        if item["key"] in seen:
            continue
        seen.add(item["key"])
        db.session.add(PointsRule(branch_id=branch_id, key=item["key"], title=item["title"][:100],
                                  points=int(item["points"]), cap_per_period=item.get("cap_per_period"),
                                  source=source))
    db.session.flush()


def remove_points_rules(branch_id: int, source: str) -> int:
    """Remove the rules `source` gave the branch; returns how many. No commit."""
    result = db.session.execute(sa.delete(PointsRule).where(PointsRule.branch_id == branch_id,
                                                            PointsRule.source == source))
    db.session.flush()
    return result.rowcount or 0


def rules_of(branch_id: int) -> list[PointsRule]:
    return list(db.session.scalars(sa.select(PointsRule).where(PointsRule.branch_id == branch_id)
                                   .order_by(PointsRule.source != BRANCH_SOURCE, PointsRule.source, PointsRule.key)))


def _facts(rules: list[PointsRule]) -> list[pure.RuleFact]:
    return [pure.RuleFact(r.key, r.title, r.points, r.cap_per_period, r.source) for r in rules]


def scheme_of(branch_id: int) -> PointsScheme | None:
    return db.session.scalar(sa.select(PointsScheme).where(PointsScheme.branch_id == branch_id))


def scheme_view(branch: Branch) -> dict:
    """The scheme, every rule (with whether it applies: a branch rule wins over a template's), and
    the keys a branch rule may name."""
    scheme = scheme_of(branch.id)
    rules = rules_of(branch.id)
    effective = pure.effective_rules(_facts(rules))
    return {
        "branch_id": branch.id, "branch_name": branch.name,
        "scheme": None if scheme is None else {
            "publish_every": scheme.publish_every.value, "absence_deduction": scheme.absence_deduction,
            "updated_at": scheme.updated_at},
        "rules": [{"key": r.key, "title": r.title, "points": r.points, "cap_per_period": r.cap_per_period,
                   "source": r.source, "applies": effective[r.key].source == r.source} for r in rules],
        "keys": pure.key_catalogue(),
        "publish_within_days": PUBLISH_WITHIN_DAYS,
    }


def save_scheme(branch: Branch, data: dict, actor_id: int | None) -> PointsScheme:
    """Set the scheme and replace the branch's own rules (the featured systems' rules stay)."""
    keys = [r["key"] for r in data["rules"]]
    unknown = [k for k in keys if not pure.is_known_key(k)]
    if unknown:
        abort(422, message=f"Unknown keys: {', '.join(unknown)}.", errors={"json": {"rules": ["unknown key"]}})
    if len(set(keys)) != len(keys):
        abort(422, message="A key is named twice.", errors={"json": {"rules": ["a key is named twice"]}})
    scheme = scheme_of(branch.id)
    if scheme is None:
        scheme = PointsScheme(branch_id=branch.id)
        db.session.add(scheme)
    scheme.publish_every = PublishEvery(data["publish_every"])
    scheme.absence_deduction = data["absence_deduction"]
    scheme.updated_by_id = actor_id
    scheme.updated_at = clock.now()
    add_points_rules(branch.id, data["rules"], BRANCH_SOURCE)
    db.session.flush()
    log_action(actor_id, "points.scheme_saved", scheme, branch_id=branch.id, publish_every=scheme.publish_every.value,
               absence_deduction=scheme.absence_deduction, rules=len(keys))
    return scheme


def use_suggested(branch: Branch, actor_id: int | None) -> PointsScheme:
    """Give a branch without a scheme the suggested one (server/points/scheme.py SUGGESTED_*)."""
    if scheme_of(branch.id) is not None:
        _conflict("scheme_exists", "The branch has a scheme already; edit it instead.")
    return save_scheme(branch, {"publish_every": pure.SUGGESTED_PUBLISH_EVERY,
                                "absence_deduction": pure.SUGGESTED_ABSENCE_DEDUCTION,
                                "rules": [dict(r) for r in pure.SUGGESTED_RULES]}, actor_id)


# --- periods -----------------------------------------------------------------------------------------

def period_of(label: str) -> Period | None:
    """"2026-Q3" or "2026" → the Period; None for anything else."""
    try:
        if "-Q" in label:
            year, quarter = label.split("-Q")
            if len(year) == 4 and quarter in {"1", "2", "3", "4"}:
                return Period(QUARTER, int(year), int(quarter))
        elif len(label) == 4 and label.isdigit():
            return Period(YEAR, int(label), 1)
    except ValueError:
        return None
    return None


def period_containing(kind: str, day: dt.date) -> Period:
    return Period(QUARTER, day.year, (day.month - 1) // 3 + 1) if kind == QUARTER else Period(YEAR, day.year, 1)


def previous(period: Period) -> Period:
    return period_containing(period.kind, period.start - dt.timedelta(days=1))


def publish_deadline(period: Period) -> dt.date:
    return period.end + dt.timedelta(days=PUBLISH_WITHIN_DAYS)


def _period_dict(period: Period) -> dict:
    return {"period": period.label, "period_zh": period.label_zh, "starts_on": period.start, "ends_on": period.end}


# --- loading and computing ---------------------------------------------------------------------------

def _utc_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=CHINA).astimezone(dt.timezone.utc)


def compute_branch(branch_id: int, period: Period, today: dt.date, member_id: int | None = None) -> dict[int, dict]:
    """{member id: {"name", "total", "lines"}} for the branch's members on the roll in the period
    (or only `member_id`), from confirmed records, full months of dues and unexcused absences up
    to today. Nine queries, whatever the number of members and entries."""
    scheme = scheme_of(branch_id)
    if scheme is None:
        return {}
    start, end = period.start, period.end
    rules = pure.effective_rules(_facts(rules_of(branch_id)))
    stmt = sa.select(Member).where(Member.branch_id == branch_id,
                                   sa.or_(Member.left_on.is_(None), Member.left_on >= start))
    if member_id is not None:
        stmt = stmt.where(Member.id == member_id)
    members = list(db.session.scalars(stmt))
    if not members:
        return {}
    ids = [m.id for m in members]
    posts = defaultdict(list)
    for r in db.session.scalars(sa.select(BranchRole).where(BranchRole.branch_id == branch_id,
                                                            BranchRole.member_id.in_(ids))):
        posts[r.member_id].append((r.starts_on, r.ends_on))
    floating = defaultdict(list)
    for fm in db.session.scalars(sa.select(FloatingMembership).where(FloatingMembership.member_id.in_(ids))):
        floating[fm.member_id].append((fm.host_branch_id, fm.starts_on, fm.ends_on))
    facts = [pure.MemberFact(m.id, m.name, m.branch_id, m.group_id, m.left_on, tuple(posts[m.id]),
                             tuple(floating[m.id])) for m in members]
    branch_ids = {branch_id} | {host for rows in floating.values() for host, _, _ in rows}

    def event_fact(e) -> pure.EventFact:
        return pure.EventFact(e.id, e.branch_id, e.kind.value, local_day(e.starts_at), e.title, e.status.value,
                              e.group_id, e.featured_system)

    events = {e.id: event_fact(e) for e in db.session.scalars(
        sa.select(Event).where(Event.branch_id.in_(branch_ids), Event.starts_at >= _utc_start(start),
                               Event.starts_at < _utc_start(end + dt.timedelta(days=1))))}
    records = defaultdict(list)
    attended = defaultdict(set)
    rows = db.session.execute(
        sa.select(Record, Event).outerjoin(Event, Event.id == Record.event_id)
        .where(Record.member_id.in_(ids), Record.kind != RecordKind.dues,
               sa.or_(Record.occurred_on.between(start, end), Record.event_id.in_(list(events) or [-1]))))
    for record, event in rows:
        if record.event_id is not None:
            attended[record.member_id].add(record.event_id)
            if event is not None and event.id not in events:
                events[event.id] = event_fact(event)
        if record.confirmed_at is not None:
            records[record.member_id].append(pure.RecordFact(record.id, record.member_id, record.kind.value,
                                                             record.occurred_on, record.title, record.event_id))
    excused = defaultdict(set)
    if events:
        for leave_member, leave_event in db.session.execute(
                sa.select(LeaveRequest.member_id, LeaveRequest.event_id).where(
                    LeaveRequest.member_id.in_(ids), LeaveRequest.event_id.in_(list(events)),
                    LeaveRequest.status == LeaveStatus.approved)):
            excused[leave_member].add(leave_event)
    dues = defaultdict(list)
    for dues_member, month in db.session.execute(
            sa.select(DuesPaymentMonth.member_id, DuesPaymentMonth.month)
            .join(DuesPayment, DuesPayment.id == DuesPaymentMonth.payment_id)
            .where(DuesPaymentMonth.member_id.in_(ids), DuesPaymentMonth.month.between(start, end),
                   DuesPayment.voided_at.is_(None), DuesPaymentMonth.amount_fen >= DuesPaymentMonth.due_fen)):
        dues[dues_member].append(month)
    out = {}
    for m in facts:
        earned = pure.earnings_of(m, records[m.id], events.values(), attended[m.id], excused[m.id], dues[m.id],
                                  start, end, today)
        out[m.id] = {"name": m.name, **pure.compute(earned, rules, scheme.absence_deduction)}
    return out


def _by_name(results: dict[int, dict]) -> list[dict]:
    """Members in name order (never by points: no ranking)."""
    return [{"member_id": mid, **row} for mid, row in sorted(results.items(), key=lambda kv: (kv[1]["name"], kv[0]))]


def publication_of(branch_id: int, label: str) -> PointsPublication | None:
    return db.session.scalar(sa.select(PointsPublication).where(PointsPublication.branch_id == branch_id,
                                                                PointsPublication.period == label))


def _publish_refusal(branch_id: int, period: Period, today: dt.date) -> tuple[str, str] | None:
    scheme = scheme_of(branch_id)
    if scheme is None:
        return "no_scheme", "The branch has no points scheme yet: set one up first."
    if period.kind != scheme.publish_every.value:
        return "period_kind", f"The branch publishes its points every {scheme.publish_every.value}."
    if not period.is_over(today):
        return "period_open", f"{period.label} has not ended: it can be published from {period.end + dt.timedelta(days=1)}."
    if publication_of(branch_id, period.label) is not None:
        return "already_published", f"{period.label} was published already."
    return None


def branch_period(branch: Branch, period: Period, today: dt.date) -> dict:
    """The secretary's check before publishing: each member's total and lines, by name; once
    published, the publication as it was."""
    publication = publication_of(branch.id, period.label)
    if publication is not None:
        members = [{"member_id": int(mid), **row} for mid, row in publication.snapshot["members"].items()]
        members.sort(key=lambda r: (r["name"], r["member_id"]))
    else:
        members = _by_name(compute_branch(branch.id, period, today))
    refusal = _publish_refusal(branch.id, period, today)
    return {**_period_dict(period), "branch_id": branch.id, "published": publication is not None,
            "published_at": publication.published_at if publication else None,
            "publish_deadline": publish_deadline(period), "can_publish": refusal is None,
            "cannot_publish_because": refusal[1] if refusal else None, "members": members}


def branch_periods(branch: Branch, today: dt.date) -> dict:
    """The periods of the scheme from last year on, newest first: ended or not, published or not (no points)."""
    scheme = scheme_of(branch.id)
    publications = {p.period: p for p in db.session.scalars(
        sa.select(PointsPublication).where(PointsPublication.branch_id == branch.id))}
    periods = []
    if scheme is not None:
        period = period_containing(scheme.publish_every.value, today)
        while period.year >= today.year - 1:
            periods.append(period)
            period = previous(period)
    labels = {p.label for p in periods}
    periods += [period_of(label) for label in publications if label not in labels and period_of(label)]
    periods.sort(key=lambda p: (p.start, p.kind), reverse=True)
    return {"branch_id": branch.id, "publish_every": scheme.publish_every.value if scheme else None,
            "current_period": periods[0].label if scheme else None,
            "periods": [{**_period_dict(p), "ended": p.is_over(today), "publish_deadline": publish_deadline(p),
                         "published_at": publications[p.label].published_at if p.label in publications else None}
                        for p in periods]}


def publish(branch: Branch, period: Period, actor_id: int | None, today: dt.date) -> PointsPublication:
    """Publish an ended period's points to the members (a snapshot), and tell them (without points)."""
    refusal = _publish_refusal(branch.id, period, today)
    if refusal:
        _conflict(*refusal)
    scheme = scheme_of(branch.id)
    results = compute_branch(branch.id, period, today)
    snapshot = {"rules": [{"key": r.key, "title": r.title, "points": r.points, "cap_per_period": r.cap_per_period}
                          for r in pure.effective_rules(_facts(rules_of(branch.id))).values()],
                "absence_deduction": scheme.absence_deduction,
                "members": {str(mid): row for mid, row in results.items()}}
    publication = PointsPublication(branch_id=branch.id, period=period.label, starts_on=period.start,
                                    ends_on=period.end, published_at=clock.now(), published_by_id=actor_id,
                                    snapshot=snapshot)
    db.session.add(publication)
    db.session.flush()
    log_action(actor_id, "points.published", publication, branch_id=branch.id, period=period.label,
               members=len(results))
    notify_members(list(results), NotificationKind.points, "积分已公示",
                   f"{period.label_zh}党员积分已公示，请在“我的积分”中查看本人积分及明细。", lambda member_id: "/points")
    return publication


def member_points(member: Member, today: dt.date) -> dict:
    """A member's own view: the branch's rules, their own points of each published period (every
    line naming its record), and the current period's preview, marked as not published."""
    branch = db.session.get(Branch, member.branch_id)
    view = scheme_view(branch)
    scheme = scheme_of(branch.id)
    published = []
    for pub in db.session.scalars(sa.select(PointsPublication).where(PointsPublication.branch_id == branch.id)
                                  .order_by(PointsPublication.starts_on.desc(), PointsPublication.id.desc())):
        mine = pub.snapshot["members"].get(str(member.id))
        if mine is None:
            continue
        period = period_of(pub.period)
        published.append({**_period_dict(period), "published_at": pub.published_at,
                          "total": mine["total"], "lines": mine["lines"]})
    preview = None
    if scheme is not None:
        period = period_containing(scheme.publish_every.value, today)
        mine = compute_branch(branch.id, period, today, member_id=member.id).get(member.id)
        if mine is not None:
            preview = {**_period_dict(period), "published": False, "total": mine["total"], "lines": mine["lines"]}
    return {"member_id": member.id, "member_name": member.name, "scheme": view["scheme"],
            "rules": [r for r in view["rules"] if r["applies"]], "absence_deduction":
            scheme.absence_deduction if scheme else None, "published": published, "preview": preview}
