from __future__ import annotations

import sqlalchemy as sa

from server.audit.operations import log_action
from server.calendar.days import local_day
from server.core.api import abort
from server.core.db import db
from server.core.enums import EventKind, FilingDecision
from server.events.models import Event
from server.filings.models import Filing, RectificationItem
from server.org.models import Branch
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
    if filing.decision is not None:
        abort(409, message="This filing has already been decided.")
    filing.decision = FilingDecision.approved if approve else FilingDecision.declined
    filing.decided_at = clock.now()
    filing.decided_by_id = actor_id
    filing.decision_note = note
    db.session.flush()
    log_action(actor_id, "filing.decided", filing, branch_id=filing.branch_id, approved=approve)
    return filing


def filings_query(branch_ids, query: dict):
    stmt = sa.select(Filing).where(Filing.branch_id.in_(branch_ids))
    if "year" in query:
        stmt = stmt.where(Filing.year == query["year"])
    if "kind" in query:
        stmt = stmt.where(Filing.kind == query["kind"])
    if query.get("pending"):
        stmt = stmt.where(Filing.decision.is_(None))
    return db.session.scalars(stmt.order_by(Filing.filed_at.desc(), Filing.id.desc())).all()


def add_rectification_item(branch: Branch, data: dict, actor_id: int) -> RectificationItem:
    _check_event(branch.id, data.get("event_id"))
    item = RectificationItem(branch_id=branch.id, created_by_id=actor_id, **data)
    db.session.add(item)
    db.session.flush()
    log_action(actor_id, "rectification.added", item, branch_id=branch.id, year=item.year)
    return item


def update_rectification_item(item: RectificationItem, changes: dict, actor_id: int) -> RectificationItem:
    for key, value in changes.items():
        setattr(item, key, value)
    db.session.flush()
    log_action(actor_id, "rectification.updated", item, branch_id=item.branch_id, fields=sorted(changes))
    return item


def rectification_items(branch_id: int, year: int | None = None) -> list[RectificationItem]:
    stmt = sa.select(RectificationItem).where(RectificationItem.branch_id == branch_id)
    if year is not None:
        stmt = stmt.where(RectificationItem.year == year)
    return db.session.scalars(stmt.order_by(RectificationItem.year, RectificationItem.id)).all()


def org_life_review(event: Event) -> dict:
    """An org-life meeting reviews the rectification items set at the previous year's meeting."""
    if event.kind != EventKind.org_life_meeting:
        abort(409, message="Only an org-life meeting reviews rectification items.")
    year = local_day(event.starts_at).year
    return {"event_id": event.id, "year": year, "reviewed_year": year - 1,
            "items": rectification_items(event.branch_id, year - 1)}

