"""Education and service (SPEC system 6): service posts as standing assignments, and the study and
service records members submit themselves from the phone.

A member's own record lands as a Record (kind study or service) that the member has already
acknowledged (they wrote it) and that counts — in the year summary, in compliance, in points —
only once the branch confirms it; the branch may refuse it instead, with a reason the member sees.
"""
from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from server.audit.operations import log_action
from server.compliance.registry import MONTH, QUARTER, YEAR, Period
from server.core.api import abort
from server.core.db import db
from server.core.enums import RecordKind, ServiceCadence, ServicePostKind
from server.minutes import storage
from server.org.models import Branch, Member
from server.records.models import Record
from server.service.models import ServiceAssignment, ServicePost
from sync import clock

OWN_KINDS = (RecordKind.study, RecordKind.service)
# A member's own record tells of something done within the last year, never of the future.
OWN_RECORD_MAX_AGE_DAYS = 365
# Photos of a member's own record: JPEG or PNG only (what phones' cameras and file pickers give).
OWN_PHOTO_TYPES = ("image/jpeg", "image/png")

_PERIOD_KIND = {ServiceCadence.month: MONTH, ServiceCadence.quarter: QUARTER, ServiceCadence.year: YEAR}


def cadence_period(cadence: ServiceCadence | str, day: dt.date) -> Period:
    """The period of a post's cadence that contains `day` (calendar months, quarters, years)."""
    kind = _PERIOD_KIND[ServiceCadence(cadence)]
    index = {MONTH: day.month, QUARTER: (day.month - 1) // 3 + 1, YEAR: 1}[kind]
    return Period(kind, day.year, index)


def _field_error(field: str, message: str, status: int = 422, location: str = "json"):
    abort(status, message=message, errors={location: {field: [message]}})


# --- service posts ------------------------------------------------------------------------------

def create_service_post(branch_id: int, *, kind: str, title: str, description: str | None, cadence: str,
                        source: str | None = None, created_by_id: int | None = None,
                        starts_on: dt.date | None = None) -> ServicePost:
    """A new post of the branch (flushes only). Used by the secretary's screen and by featured
    systems' templates (`source="template:<code>"`)."""
    post = ServicePost(branch_id=branch_id, kind=ServicePostKind(kind), title=title, description=description,
                       cadence=ServiceCadence(cadence), source=source, created_by_id=created_by_id,
                       starts_on=starts_on or clock.today())
    db.session.add(post)
    db.session.flush()
    log_action(created_by_id, "service_post.created", post, branch_id=branch_id, kind=post.kind.value,
               cadence=post.cadence.value, source=source)
    return post


def update_service_post(post: ServicePost, data: dict, actor_id: int) -> ServicePost:
    changed = {k: v for k, v in data.items() if getattr(post, k) != v}
    for key, value in changed.items():
        setattr(post, key, value)
    if changed:
        db.session.flush()
        log_action(actor_id, "service_post.updated", post, branch_id=post.branch_id, fields=sorted(changed))
    return post


def _end_post(post: ServicePost, on: dt.date) -> None:
    if post.ends_on is None or post.ends_on > on:
        post.ends_on = on
    for a in post.assignments:
        if a.ends_on is None or a.ends_on > on:
            a.ends_on = on


def end_service_post(post: ServicePost, on: dt.date, actor_id: int) -> ServicePost:
    """End the post and its assignments on `on` (inclusive); its records stay."""
    _end_post(post, on)
    db.session.flush()
    log_action(actor_id, "service_post.ended", post, branch_id=post.branch_id, on=on.isoformat())
    return post


def end_service_posts(branch_id: int, source: str, on: dt.date) -> int:
    """End the branch's open posts made by `source` (a featured template being dropped) and their
    open assignments on `on`; records stay. Flushes only; → how many posts were ended."""
    posts = db.session.scalars(sa.select(ServicePost).where(
        ServicePost.branch_id == branch_id, ServicePost.source == source,
        sa.or_(ServicePost.ends_on.is_(None), ServicePost.ends_on > on))).all()
    for post in posts:
        _end_post(post, on)
        log_action(None, "service_post.ended", post, branch_id=branch_id, on=on.isoformat(), source=source)
    db.session.flush()
    return len(posts)


def assign(post: ServicePost, member_id: int, starts_on: dt.date | None, actor_id: int) -> ServiceAssignment:
    """Put a member of the post's branch on it (one open assignment per member and post)."""
    member = db.session.get(Member, member_id)
    today = clock.today()
    if member is None or member.branch_id != post.branch_id:
        _field_error("member_id", "Only members of the post's branch are assigned to it.")
    if member.left_on is not None and member.left_on < today:
        _field_error("member_id", "This member has left the branch.")
    if post.ends_on is not None and post.ends_on < today:
        abort(409, message="This post has ended.")
    starts_on = starts_on or max(today, post.starts_on)
    if starts_on < post.starts_on:
        _field_error("starts_on", "An assignment starts on or after its post's first day.")
    if any(a.member_id == member.id and (a.ends_on is None or a.ends_on >= starts_on) for a in post.assignments):
        abort(409, message="This member is already assigned to this post.")
    assignment = ServiceAssignment(post=post, member_id=member.id, starts_on=starts_on, ends_on=post.ends_on)
    db.session.add(assignment)
    db.session.flush()
    log_action(actor_id, "service_assignment.created", assignment, branch_id=post.branch_id, member_id=member.id,
               post_id=post.id)
    return assignment


def end_assignment(assignment: ServiceAssignment, on: dt.date | None, actor_id: int) -> ServiceAssignment:
    on = on or clock.today()
    if on < assignment.starts_on - dt.timedelta(days=1):
        _field_error("on", "An assignment cannot end before it starts.")
    if assignment.ends_on is None or assignment.ends_on > on:
        assignment.ends_on = on
        db.session.flush()
        log_action(actor_id, "service_assignment.ended", assignment, branch_id=assignment.post.branch_id,
                   member_id=assignment.member_id, on=on.isoformat())
    return assignment


def _period_records(member_ids: list[int], post_ids: list[int], first: dt.date, last: dt.date) -> list[Record]:
    if not member_ids or not post_ids:
        return []
    return db.session.scalars(sa.select(Record).where(
        Record.kind == RecordKind.service, Record.member_id.in_(member_ids), Record.service_post_id.in_(post_ids),
        Record.occurred_on.between(first, last)).order_by(Record.occurred_on, Record.id)).all()


def branch_posts(branch: Branch, today: dt.date, include_ended: bool = False) -> list[dict]:
    """The branch's posts (open ones, or all), each assignment with its records of the current
    cadence period: what the secretary's screen shows."""
    stmt = sa.select(ServicePost).where(ServicePost.branch_id == branch.id)
    if not include_ended:
        stmt = stmt.where(sa.or_(ServicePost.ends_on.is_(None), ServicePost.ends_on >= today))
    posts = db.session.scalars(stmt.order_by(ServicePost.starts_on.desc(), ServicePost.id.desc())).all()
    year_records = _period_records(
        sorted({a.member_id for p in posts for a in p.assignments}), [p.id for p in posts],
        dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))
    out = []
    for post in posts:
        period = cadence_period(post.cadence, today)
        assignments = []
        for a in post.assignments:
            if a.ends_on is not None and a.ends_on < today and not include_ended:
                continue
            records = [r for r in year_records if r.service_post_id == post.id and r.member_id == a.member_id
                       and period.contains(r.occurred_on)]
            assignments.append({"id": a.id, "member_id": a.member_id, "member_name": a.member.name,
                                "starts_on": a.starts_on, "ends_on": a.ends_on, "records": records,
                                "met": any(r.confirmed_at is not None for r in records)})
        out.append({"post": post, "period": period.label, "period_end": period.end, "assignments": assignments})
    return out


def member_posts(member: Member, today: dt.date) -> list[dict]:
    """The posts the member is assigned to today, with the current period and whether a confirmed
    record of it exists."""
    assignments = db.session.scalars(sa.select(ServiceAssignment).join(ServicePost).where(
        ServiceAssignment.member_id == member.id, ServiceAssignment.starts_on <= today,
        sa.or_(ServiceAssignment.ends_on.is_(None), ServiceAssignment.ends_on >= today))
        .order_by(ServicePost.title, ServiceAssignment.id)).all()
    records = _period_records([member.id], [a.post_id for a in assignments],
                              dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))
    out = []
    for a in assignments:
        period = cadence_period(a.post.cadence, today)
        mine = [r for r in records if r.service_post_id == a.post_id and period.contains(r.occurred_on)]
        out.append({"assignment_id": a.id, "post": a.post, "period": period.label, "period_end": period.end,
                    "confirmed": sum(1 for r in mine if r.confirmed_at is not None),
                    "waiting": sum(1 for r in mine if r.confirmed_at is None and r.refused_at is None)})
    return out


def mine(member: Member, year: int, today: dt.date) -> dict:
    """The member's screen: their posts, their own study and service records of the year and the
    year's counted totals (confirmed records only)."""
    records = db.session.scalars(sa.select(Record).where(
        Record.member_id == member.id, Record.kind.in_(OWN_KINDS),
        Record.occurred_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        .order_by(Record.occurred_on.desc(), Record.id.desc())).all()
    counted = {k.value: sum(1 for r in records if r.kind == k and r.confirmed_at is not None) for k in OWN_KINDS}
    waiting = sum(1 for r in records if r.confirmed_at is None and r.refused_at is None)
    return {"year": year, "posts": member_posts(member, today), "records": records, "counted": counted,
            "waiting": waiting}


# --- a member's own records -----------------------------------------------------------------------

def _read_photo(upload) -> tuple[bytes, str, str]:
    limit = current_app.config["MINUTES_PHOTO_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        abort(413, message=f"A photo may be at most {limit // (1024 * 1024)} MB.")
    if not data:
        _field_error("file", "Empty file.", location="files")
    sniffed = storage.sniff(data)
    if sniffed is None or sniffed[0] not in OWN_PHOTO_TYPES:
        abort(415, message="Only JPEG and PNG photos are accepted.")
    return data, sniffed[0], sniffed[1]


def _same_submission(record: Record, data: dict) -> bool:
    return (record.kind == data["kind"] and record.occurred_on == data["occurred_on"]
            and record.title == data["title"])


def submit_own_record(member: Member, user_id: int, data: dict, upload=None) -> tuple[Record, bool]:
    """A study or service record the member writes about themselves; (record, created). The same
    client id sent again (the phone's upload queue retrying) returns the record already stored."""
    existing = db.session.scalar(sa.select(Record).where(Record.member_id == member.id,
                                                         Record.client_id == data["client_id"]))
    if existing is not None:
        if not _same_submission(existing, data):
            abort(409, message="Another record was already submitted under this id.")
        return existing, False
    today = clock.today()
    if member.left_on is not None and member.left_on < today:
        abort(403, message="You have left the branch.")
    if data["occurred_on"] > today:
        _field_error("occurred_on", "The day cannot be in the future.", location="files")
    if data["occurred_on"] < today - dt.timedelta(days=OWN_RECORD_MAX_AGE_DAYS):
        _field_error("occurred_on", "The day may be at most a year back.", location="files")
    post_id = data.get("service_post_id")
    if post_id is not None:
        if data["kind"] != RecordKind.service:
            _field_error("service_post_id", "Only service records name a service post.", location="files")
        assigned = db.session.scalar(sa.select(ServiceAssignment.id).where(
            ServiceAssignment.post_id == post_id, ServiceAssignment.member_id == member.id,
            ServiceAssignment.starts_on <= data["occurred_on"],
            sa.or_(ServiceAssignment.ends_on.is_(None), ServiceAssignment.ends_on >= data["occurred_on"])))
        if assigned is None:
            _field_error("service_post_id", "You were not assigned to this post on that day.", location="files")
    _within_daily_limit(user_id, today)
    photo = photo_type = None
    if upload is not None:
        bytes_, photo_type, ext = _read_photo(upload)
        photo = storage.save(f"records/{member.id}", bytes_, ext)
    record = Record(member_id=member.id, branch_id=member.branch_id, kind=RecordKind(data["kind"]),
                    occurred_on=data["occurred_on"], title=data["title"], detail=data.get("detail"),
                    client_id=data["client_id"], service_post_id=post_id, photo=photo, photo_type=photo_type,
                    created_by_id=user_id, acknowledged_at=clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()
    except IntegrityError:  # the same submission arrived twice at once: the first one stands
        existing = db.session.scalar(sa.select(Record).where(Record.member_id == member.id,
                                                             Record.client_id == data["client_id"]))
        if existing is None:
            raise
        return existing, False
    log_action(user_id, "record.submitted", record, branch_id=record.branch_id, member_id=member.id,
               kind=record.kind.value, service_post_id=post_id, photo=photo is not None)
    return record, True


def _within_daily_limit(user_id: int, today: dt.date) -> None:
    """At most OWN_RECORDS_PER_DAY submissions per member and day, so that a client cannot flood."""
    limit = current_app.config["OWN_RECORDS_PER_DAY"]
    start = clock.china_time(today)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Record).where(
        Record.created_by_id == user_id, Record.client_id.is_not(None), Record.created_at >= start,
        Record.created_at < start + dt.timedelta(days=1)))
    if count >= limit:
        abort(429, message=f"At most {limit} records a day; the rest are sent tomorrow.")


def photo_bytes(record: Record) -> bytes:
    if not record.photo:
        abort(404, message="This record has no photo.")
    try:
        return storage.path_of(record.photo).read_bytes()
    except FileNotFoundError:
        abort(404, message="The photo's file is missing on the server.")


def photo_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def refuse(record: Record, reason: str, actor_id: int) -> Record:
    """The branch will not confirm a member's own study or service record: refused, with a reason
    the member sees. A confirmed record is corrected instead, never refused."""
    if record.kind not in OWN_KINDS or record.client_id is None:
        abort(409, message="Only study and service records a member submitted can be refused.")
    if record.confirmed_at is not None:
        abort(409, message="This record is confirmed already; correct it instead.")
    if record.refused_at is None or record.refused_reason != reason:
        record.refused_at = clock.now()
        record.refused_by_id = actor_id
        record.refused_reason = reason
        db.session.flush()
        log_action(actor_id, "record.refused", record, branch_id=record.branch_id, member_id=record.member_id)
    return record
