from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from server.audit.operations import log_action
from server.calendar.days import local_day
from server.core.api import abort
from server.core.db import db
from server.core.enums import EventKind, FilingDecision
from server.events.models import Event
from server.filings.models import Filing, RectificationItem
from server.org.models import Branch, Member
from sync import clock


def _check_event(branch_id: int, event_id: int | None) -> None:
    if event_id is None:
        return
    event = db.session.get(Event, event_id)
    if event is None or event.branch_id != branch_id:
        abort(422, message="The event is not one of this branch's.", errors={"json": {"event_id": ["Not in this branch."]}})


def submit_filing(branch: Branch, data: dict, actor_id: int, details: dict | None = None) -> Filing:
    """Send a filing to the superior committee; its date is the server's clock, now."""
    _check_event(branch.id, data.get("event_id"))
    filing = Filing(branch_id=branch.id, filed_at=clock.now(), filed_by_id=actor_id, details=details, **data)
    db.session.add(filing)
    db.session.flush()
    log_action(actor_id, "filing.filed", filing, branch_id=branch.id, kind=filing.kind.value, year=filing.year)
    return filing


def decide(filing: Filing, approve: bool, note: str | None, actor_id: int) -> Filing:
    """Accept a filing, or return it to the branch with the reason (which the branch sees)."""
    if filing.decision is not None:
        abort(409, message="This filing has already been decided.")
    note = note.strip() if note else None
    if not approve and not note:
        abort(422, message="Say why the filing is returned; the branch sees the reason.",
              errors={"json": {"note": ["Required when returning a filing."]}})
    filing.decision = FilingDecision.approved if approve else FilingDecision.declined
    filing.decided_at = clock.now()
    filing.decided_by_id = actor_id
    filing.decision_note = note
    db.session.flush()
    log_action(actor_id, "filing.decided", filing, branch_id=filing.branch_id, approved=approve)
    return filing


def refile(returned: Filing, changes: dict, actor_id: int) -> Filing:
    """Send a returned filing again as a new filing (the returned one stays as it was sent):
    the same kind, year, period, event and date asked for; title, body and details as given or kept."""
    if returned.decision != FilingDecision.declined:
        abort(409, message="Only a filing the committee returned can be sent again.")
    if returned.refiled_as is not None:
        abort(409, message=f"This filing was already sent again (filing {returned.refiled_as.id}).")
    filing = Filing(branch_id=returned.branch_id, kind=returned.kind, year=returned.year, period=returned.period,
                    title=changes.get("title", returned.title), body=changes.get("body", returned.body),
                    details=changes.get("details", returned.details), event_id=returned.event_id,
                    requested_on=returned.requested_on, filed_at=clock.now(), filed_by_id=actor_id,
                    refiles=returned)
    db.session.add(filing)
    db.session.flush()
    log_action(actor_id, "filing.refiled", filing, branch_id=filing.branch_id, kind=filing.kind.value,
               year=filing.year, refiles_id=returned.id)
    return filing


def filings_query(branch_ids, query: dict):
    stmt = sa.select(Filing).where(Filing.branch_id.in_(branch_ids))
    if "year" in query:
        stmt = stmt.where(Filing.year == query["year"])
    if "kind" in query:
        stmt = stmt.where(Filing.kind == query["kind"])
    if query.get("pending"):
        stmt = stmt.where(Filing.decision.is_(None))
    stmt = stmt.options(selectinload(Filing.branch), selectinload(Filing.refiled_as))
    return db.session.scalars(stmt.order_by(Filing.filed_at.desc(), Filing.id.desc())).all()


def _check_assignee(branch_id: int, member_id: int | None) -> None:
    if member_id is None:
        return
    member = db.session.get(Member, member_id)
    if member is None or member.branch_id != branch_id or (member.left_on is not None
                                                           and member.left_on < clock.today()):
        abort(422, message="The item can only be assigned to a member of this branch.",
              errors={"json": {"assignee_member_id": ["Not a member of this branch."]}})


def add_rectification_item(branch: Branch, data: dict, actor_id: int) -> RectificationItem:
    _check_event(branch.id, data.get("event_id"))
    _check_assignee(branch.id, data.get("assignee_member_id"))
    item = RectificationItem(branch_id=branch.id, created_by_id=actor_id, **data)
    db.session.add(item)
    db.session.flush()
    log_action(actor_id, "rectification.added", item, branch_id=branch.id, year=item.year)
    return item


def update_rectification_item(item: RectificationItem, changes: dict, actor_id: int) -> RectificationItem:
    if changes.get("assignee_member_id") != item.assignee_member_id:
        _check_assignee(item.branch_id, changes.get("assignee_member_id"))
    for key, value in changes.items():
        setattr(item, key, value)
    db.session.flush()
    log_action(actor_id, "rectification.updated", item, branch_id=item.branch_id, fields=sorted(changes))
    return item


def announce_rectification(item: RectificationItem, text: str, actor_id: int) -> RectificationItem:
    """Announce the item's progress to the branch's members (整改情况通报): the item shows the
    latest announcement; every one, with its text, stays in the audit log."""
    text = text.strip()
    if len(text) < 2:
        abort(422, message="The announcement is empty.", errors={"json": {"text": ["Too short."]}})
    item.announcement = text
    item.announced_at = clock.now()
    db.session.flush()
    log_action(actor_id, "rectification.announced", item, branch_id=item.branch_id, text=text)
    return item


def rectification_items(branch_id: int, year: int | None = None) -> list[RectificationItem]:
    stmt = sa.select(RectificationItem).where(RectificationItem.branch_id == branch_id)
    if year is not None:
        stmt = stmt.where(RectificationItem.year == year)
    stmt = stmt.options(selectinload(RectificationItem.assignee))
    return db.session.scalars(stmt.order_by(RectificationItem.year, RectificationItem.id)).all()


def org_life_review(event: Event) -> dict:
    """An org-life meeting reviews the rectification items set at the previous year's meeting."""
    if event.kind != EventKind.org_life_meeting:
        abort(409, message="Only an org-life meeting reviews rectification items.")
    year = local_day(event.starts_at).year
    return {"event_id": event.id, "year": year, "reviewed_year": year - 1,
            "items": rectification_items(event.branch_id, year - 1)}

