"""Correction requests: send, answer, accept or return; attachments; who is told. Only flushes:
the request commits."""
from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from server.audit.operations import log_action
from server.calendar.days import local_day
from server.core.api import abort
from server.core.db import db
from server.core.enums import MANAGING_ROLES
from server.corrections.models import CorrectionAnswer, CorrectionAttachment, CorrectionRequest, CorrectionState
from server.compliance.registry import REGISTRY
from server.events.models import Event
from server.filings.models import Filing
from server.minutes import storage
from server.notifications.models import NotificationKind
from server.notifications.operations import notify_members
from server.org.models import Branch, BranchRole, Committee
from server.records.models import Record
from sync import clock

EVIDENCE_MODELS = {"event": Event, "record": Record, "filing": Filing}
PDF = ("application/pdf", "pdf")


def request_url(request: CorrectionRequest) -> str:
    return f"/corrections/{request.id}"


def _managers(branch_id: int, today: dt.date) -> list[int]:
    roles = db.session.scalars(sa.select(BranchRole).where(BranchRole.branch_id == branch_id,
                                                           BranchRole.role.in_(MANAGING_ROLES)))
    return sorted({r.member_id for r in roles if r.is_current(today)})


def _tell_branch(request: CorrectionRequest, title: str, body: str) -> None:
    """The branch's secretary, deputy and organizer hear of it (in the app, and by push when on)."""
    notify_members(_managers(request.branch_id, clock.today()), NotificationKind.correction, title, body,
                   lambda _member: request_url(request))


def _what(request: CorrectionRequest) -> str:
    if request.rule_id:
        rule = REGISTRY.get(request.rule_id)
        name = rule.title if rule else request.rule_id
        return f"{name}（{request.period}）" if request.period else name
    return (request.finding or "")[:60]


def send(committee: Committee, branch: Branch, data: dict, actor_id: int) -> CorrectionRequest:
    """A committee asks a branch under it for a correction: a rule and/or a finding, a deadline."""
    rule_id, finding = data.get("rule_id"), (data.get("finding") or "").strip() or None
    if rule_id is None and finding is None:
        abort(422, message="Name the rule or write the finding.", errors={"json": {"finding": ["Rule or finding required."]}})
    if rule_id is not None and rule_id not in REGISTRY:
        abort(422, message="No such compliance rule.", errors={"json": {"rule_id": ["Unknown rule."]}})
    if data["deadline"] < clock.today():
        abort(422, message="The deadline is in the past.", errors={"json": {"deadline": ["In the past."]}})
    now = clock.now()
    request = CorrectionRequest(committee_id=committee.id, branch_id=branch.id, rule_id=rule_id,
                                period=data.get("period"), finding=finding, deadline=data["deadline"],
                                state=CorrectionState.sent, created_by_id=actor_id, created_at=now, updated_at=now)
    db.session.add(request)
    db.session.flush()
    log_action(actor_id, "correction.sent", request, branch_id=branch.id, committee_id=committee.id,
               rule_id=rule_id, period=request.period, deadline=request.deadline.isoformat())
    _tell_branch(request, f"整改通知：{_what(request)}",
                 f"{committee.name}要求整改，请于{request.deadline.month}月{request.deadline.day}日前答复整改情况。")
    return request


def _check_evidence(branch_id: int, evidence: list[dict]) -> list[dict]:
    seen, cleaned = set(), []
    for item in evidence:
        key = (item["type"], item["id"])
        if key in seen:
            continue
        seen.add(key)
        obj = db.session.get(EVIDENCE_MODELS[item["type"]], item["id"])
        if obj is None or obj.branch_id != branch_id:
            abort(422, message="Evidence must be the branch's own events, records or filings.",
                  errors={"json": {"evidence": [f"{item['type']} {item['id']} is not this branch's."]}})
        # The title as it reads when answered: the committee reads the answer as it was sent.
        cleaned.append({"type": item["type"], "id": item["id"], "title": obj.title})
    return cleaned


def answer(request: CorrectionRequest, data: dict, actor_id: int) -> CorrectionRequest:
    """The branch says what it did, with its evidence; only when the request waits for an answer."""
    if request.state not in (CorrectionState.sent, CorrectionState.returned):
        abort(409, message="This request is not waiting for an answer.")
    text = data["text"].strip()
    if len(text) < 2:
        abort(422, message="Say what was done.", errors={"json": {"text": ["Too short."]}})
    now = clock.now()
    row = CorrectionAnswer(request_id=request.id, text=text, evidence=_check_evidence(request.branch_id, data["evidence"]),
                           answered_by_id=actor_id, answered_at=now)
    db.session.add(row)
    request.state = CorrectionState.answered
    request.updated_at = now
    db.session.flush()
    log_action(actor_id, "correction.answered", request, branch_id=request.branch_id, answer_id=row.id,
               evidence=row.evidence)
    return request


def decide(request: CorrectionRequest, accept: bool, reason: str | None, actor_id: int) -> CorrectionRequest:
    """The committee accepts the latest answer (closing the request) or returns it with the reason."""
    if request.state != CorrectionState.answered:
        abort(409, message="Only an answered request can be accepted or returned.")
    reason = reason.strip() if reason else None
    if not accept and not reason:
        abort(422, message="Say why the answer is returned; the branch sees the reason.",
              errors={"json": {"reason": ["Required when returning."]}})
    now = clock.now()
    latest = request.answers[-1]
    latest.accepted, latest.decision_reason, latest.decided_by_id, latest.decided_at = accept, reason, actor_id, now
    request.state = CorrectionState.accepted if accept else CorrectionState.returned
    request.updated_at = now
    request.closed_at = now if accept else None
    db.session.flush()
    log_action(actor_id, "correction.accepted" if accept else "correction.returned", request,
               branch_id=request.branch_id, answer_id=latest.id)
    if not accept:
        _tell_branch(request, f"整改答复被退回：{_what(request)}", f"退回理由：{reason}")
    return request


def _sniff(data: bytes) -> tuple[str, str] | None:
    return storage.sniff(data) or (PDF if data[:5] == b"%PDF-" else None)


def attach(request: CorrectionRequest, upload, actor_id: int, *, by_committee: bool) -> CorrectionAttachment:
    """A photo (JPEG, PNG, WebP) or PDF: the committee's to the request while it is open, the
    branch's to its latest answer while that waits for the decision."""
    if request.state == CorrectionState.accepted:
        abort(409, message="This request is closed.")
    answer_id = None
    if not by_committee:
        if request.state != CorrectionState.answered:
            abort(409, message="Answer first, then attach the evidence to the answer.")
        answer_id = request.answers[-1].id
    data = storage.read_upload(upload, "An attachment")
    sniffed = _sniff(data)
    if sniffed is None:
        abort(415, message="Only JPEG, PNG and WebP photos and PDF files are accepted.")
    count = db.session.scalar(sa.select(sa.func.count()).where(CorrectionAttachment.request_id == request.id))
    if count >= current_app.config["MINUTES_PHOTOS_PER_EVENT"]:
        abort(409, message="This request has as many attachments as allowed.")
    content_type, ext = sniffed
    row = CorrectionAttachment(request_id=request.id, answer_id=answer_id, content_type=content_type, size=len(data),
                               path=storage.save(f"corrections/{request.id}", data, ext),
                               sha256=hashlib.sha256(data).hexdigest(), uploaded_by_id=actor_id)
    db.session.add(row)
    db.session.flush()
    db.session.expire(request, ["attachments"])
    log_action(actor_id, "correction.attached", request, branch_id=request.branch_id, attachment_id=row.id,
               answer_id=answer_id)
    return row


def requests_query(*, committee_ids=None, branch_ids=None, state: str | None = None) -> list[CorrectionRequest]:
    """Overdue first (earliest deadline first), then open ones by deadline, then the closed ones."""
    stmt = sa.select(CorrectionRequest).options(selectinload(CorrectionRequest.branch),
                                                selectinload(CorrectionRequest.committee),
                                                selectinload(CorrectionRequest.answers),
                                                selectinload(CorrectionRequest.attachments))
    if committee_ids is not None:
        stmt = stmt.where(CorrectionRequest.committee_id.in_(committee_ids))
    if branch_ids is not None:
        stmt = stmt.where(CorrectionRequest.branch_id.in_(branch_ids))
    if state is not None:
        stmt = stmt.where(CorrectionRequest.state == state)
    rows = db.session.scalars(stmt).all()
    today = clock.today()
    return sorted(rows, key=lambda r: (not r.overdue_on(today), r.state == CorrectionState.accepted,
                                       r.deadline, r.id))


STATE_ZH = {CorrectionState.sent: "待答复", CorrectionState.answered: "已答复待审核", CorrectionState.returned: "答复被退回"}


def year_summary(branch_id: int, year: int) -> dict:
    """The requests the committee sent the branch in `year` (China time), for the secretary's annual
    review (server/secretary_review): how many, how many closed, and one line each. One query."""
    start = clock.china_time(dt.date(year, 1, 1))
    end = clock.china_time(dt.date(year + 1, 1, 1))
    rows = db.session.scalars(sa.select(CorrectionRequest).where(
        CorrectionRequest.branch_id == branch_id, CorrectionRequest.created_at >= start,
        CorrectionRequest.created_at < end).order_by(CorrectionRequest.created_at, CorrectionRequest.id)).all()
    today = clock.today()
    lines = []
    for r in rows:
        sent = local_day(r.created_at)
        what = f"{sent.month}月{sent.day}日通知整改“{_what(r)}”"
        if r.state == CorrectionState.accepted:
            closed = local_day(r.closed_at)
            lines.append(f"{what}，已于{closed.month}月{closed.day}日整改销号。")
        else:
            late = "，已逾期" if r.overdue_on(today) else ""
            lines.append(f"{what}，{STATE_ZH[r.state]}（期限{r.deadline.month}月{r.deadline.day}日{late}）。")
    return {"requested": len(rows), "closed": sum(r.state == CorrectionState.accepted for r in rows), "lines": lines}
