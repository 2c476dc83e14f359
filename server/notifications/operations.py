"""Notifications to members (in the app, and by Web Push when enabled), notice read receipts,
push subscriptions and the day-before reminders. Operations only flush; the request commits."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from server.auth.models import User
from server.core.api import abort
from server.core.db import db
from server.core.enums import EventStatus, LeaveStatus
from server.events.attendance import expected_members
from server.events.models import Event, LeaveRequest
from server.notifications import push
from server.notifications.models import NoticeRead, Notification, NotificationKind, PushSubscription
from sync import clock
from sync.clock import CHINA

__all__ = ["NotificationKind", "notice_published", "notify", "notify_expected"]

TITLE_MAX, BODY_MAX, NOTICE_EXCERPT = 250, 600, 120
WEEKDAYS = "一二三四五六日"


# --- what a notification says (Chinese, like the push) ------------------------------------------

def _when(moment: dt.datetime) -> str:
    local = moment.astimezone(CHINA)
    return f"{local.month}月{local.day}日（周{WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def compose(event: Event, kind: NotificationKind) -> tuple[str, str]:
    """(title, body) of a notification of `kind` about `event`."""
    place = f"，地点：{event.place}" if event.place else ""
    end = event.ends_at.astimezone(CHINA).strftime("%H:%M")
    if kind == NotificationKind.notice:
        title, body = f"活动通知：{event.title}", _clip(event.notice or "", NOTICE_EXCERPT)
    elif kind == NotificationKind.cancelled:
        title = f"活动取消：{event.title}"
        body = f"原定{_when(event.starts_at)}的活动已取消。原因：{event.cancel_reason or '未说明'}"
    elif kind == NotificationKind.rescheduled:
        title, body = f"活动时间调整：{event.title}", f"时间改为{_when(event.starts_at)}–{end}{place}。"
    else:
        start = event.starts_at.astimezone(CHINA).strftime("%H:%M")
        title, body = f"明天：{event.title}", f"{start}–{end}{place}，请准时参加。"
    return _clip(title, TITLE_MAX), _clip(body, BODY_MAX)


def event_url(event: Event) -> str:
    return f"/events/{event.id}"


# --- notify --------------------------------------------------------------------------------------

def notify(event: Event, kind: NotificationKind, member_ids) -> list[Notification]:
    """One in-app notification per member about `event`; with Web Push enabled, a push to each
    of their subscriptions, sent after the commit (server/notifications/push.py)."""
    ids = sorted(set(member_ids))
    if not ids:
        return []
    title, body = compose(event, kind)
    rows = [Notification(member_id=m, event_id=event.id, kind=kind, title=title, body=body) for m in ids]
    db.session.add_all(rows)
    db.session.flush()
    if push.enabled():
        subscriptions = db.session.scalars(
            sa.select(PushSubscription).join(User, User.id == PushSubscription.user_id)
            .where(User.member_id.in_(ids), User.is_active.is_(True)).order_by(PushSubscription.id)).all()
        data = push.payload(title, body, event_url(event))
        push.queue([push.PushMessage(s.id, s.endpoint, s.p256dh, s.auth, data) for s in subscriptions])
    return rows


def notify_members(member_ids, kind: NotificationKind, title: str, body: str, url_for) -> list[Notification]:
    """One in-app notification per member about no event (recruitment, evaluation...); with Web
    Push enabled, a push to each of their subscriptions once the caller has committed.
    `url_for(member_id)` is where tapping it leads."""
    ids = sorted(set(member_ids))
    rows = [Notification(member_id=m, event_id=None, kind=kind, title=title[:250], body=body[:600]) for m in ids]
    db.session.add_all(rows)
    db.session.flush()
    if push.enabled() and ids:
        subscriptions = db.session.execute(
            sa.select(PushSubscription, User.member_id).join(User, User.id == PushSubscription.user_id)
            .where(User.member_id.in_(ids), User.is_active.is_(True)).order_by(PushSubscription.id)).all()
        push.queue([push.PushMessage(s.id, s.endpoint, s.p256dh, s.auth, push.payload(title, body, url_for(member_id)))
                    for s, member_id in subscriptions])
    return rows


def _member_of(user_id: int | None) -> int | None:
    if user_id is None:
        return None
    return db.session.scalar(sa.select(User.member_id).where(User.id == user_id))


def notify_expected(event: Event, kind: NotificationKind, actor_id: int | None) -> list[Notification]:
    """Notify the members expected at `event` (server/events/attendance.py), except the one who
    acted: nobody needs to be told what they just did."""
    actor = _member_of(actor_id)
    return notify(event, kind, [m.id for m in expected_members(event) if m.id != actor])


def notice_published(event: Event, actor_id: int | None) -> list[Notification]:
    actor = _member_of(actor_id)
    if actor is not None:
        _note_read(event, actor)  # the author has read it
    return notify_expected(event, NotificationKind.notice, actor_id)


# --- the member's list ---------------------------------------------------------------------------

def my_notifications(member_id: int | None, unread: bool | None):
    """The statement selecting a member's notifications, newest first."""
    stmt = sa.select(Notification).where(Notification.member_id == member_id if member_id is not None else sa.false())
    if unread is True:
        stmt = stmt.where(Notification.read_at.is_(None))
    elif unread is False:
        stmt = stmt.where(Notification.read_at.is_not(None))
    return stmt


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = clock.now()


def mark_all_read(member_id: int) -> int:
    result = db.session.execute(
        sa.update(Notification).where(Notification.member_id == member_id, Notification.read_at.is_(None))
        .values(read_at=clock.now()).execution_options(synchronize_session=False))
    return result.rowcount


# --- notice read receipts -----------------------------------------------------------------------

def _note_read(event: Event, member_id: int) -> None:
    now = clock.now()
    existing = db.session.scalar(
        sa.select(NoticeRead).where(NoticeRead.event_id == event.id, NoticeRead.member_id == member_id))
    if existing is None:
        try:
            with db.session.begin_nested():  # two taps at once: the second finds the first
                db.session.add(NoticeRead(event_id=event.id, member_id=member_id, read_at=now))
        except sa.exc.IntegrityError:
            return
    elif event.notice_published_at is not None and existing.read_at < event.notice_published_at:
        existing.read_at = now  # the notice was published again since


def mark_notice_read(event: Event, member_id: int) -> None:
    """The member opened the event's notice (idempotent); their notice notifications of it are read too."""
    if not event.notice:
        abort(409, message="This event has no notice.")
    _note_read(event, member_id)
    db.session.execute(
        sa.update(Notification).where(Notification.member_id == member_id, Notification.event_id == event.id,
                                      Notification.kind == NotificationKind.notice, Notification.read_at.is_(None))
        .values(read_at=clock.now()).execution_options(synchronize_session=False))


def notice_reads(event: Event) -> dict:
    """Who of the members expected at `event` has read its current notice, and who has not."""
    published = event.notice_published_at
    reads = dict(db.session.execute(
        sa.select(NoticeRead.member_id, NoticeRead.read_at).where(NoticeRead.event_id == event.id)).all())
    read, unread = [], []
    for member in expected_members(event):
        at = reads.get(member.id)
        if published is not None and at is not None and at >= published:
            read.append({"member_id": member.id, "member_name": member.name, "read_at": at})
        else:
            unread.append({"member_id": member.id, "member_name": member.name})
    return {"published_at": published, "read": read, "unread": unread}


# --- push subscriptions -------------------------------------------------------------------------

def subscribe(user_id: int, data: dict) -> PushSubscription:
    """Store a browser's subscription for the caller; the same endpoint again updates it. A user
    keeps the most recently refreshed PUSH_SUBSCRIPTIONS_PER_USER; older ones are dropped."""
    if not push.endpoint_allowed(data["endpoint"]):
        abort(422, message="This push service is not accepted.",
              errors={"json": {"endpoint": ["Not a push service this server sends to."]}})
    now = clock.now()
    subscription = db.session.scalar(sa.select(PushSubscription).where(PushSubscription.endpoint == data["endpoint"]))
    if subscription is None:
        subscription = PushSubscription(endpoint=data["endpoint"], created_at=now)
        db.session.add(subscription)
    subscription.user_id = user_id
    subscription.p256dh = data["keys"]["p256dh"]
    subscription.auth = data["keys"]["auth"]
    subscription.device_id = data.get("device_id")
    subscription.updated_at = now
    db.session.flush()
    keep = current_app.config["PUSH_SUBSCRIPTIONS_PER_USER"]
    older = db.session.scalars(
        sa.select(PushSubscription.id).where(PushSubscription.user_id == user_id)
        .order_by(PushSubscription.updated_at.desc(), PushSubscription.id.desc()).offset(keep)).all()
    if older:
        db.session.execute(sa.delete(PushSubscription).where(PushSubscription.id.in_(older))
                           .execution_options(synchronize_session=False))
    return subscription


def unsubscribe(user_id: int, endpoint: str) -> None:
    db.session.execute(sa.delete(PushSubscription).where(PushSubscription.user_id == user_id,
                                                         PushSubscription.endpoint == endpoint)
                       .execution_options(synchronize_session=False))


# --- the day-before reminders -------------------------------------------------------------------

def send_reminders(today: dt.date) -> tuple[int, int]:
    """Remind the members expected at each planned event starting tomorrow (China's date), once
    per member and event however often this runs; members excused by an approved leave request
    are not reminded. → (events, notifications made)."""
    tomorrow = today + dt.timedelta(days=1)
    start, end = clock.china_time(tomorrow), clock.china_time(tomorrow + dt.timedelta(days=1))
    events = db.session.scalars(
        sa.select(Event).where(Event.status == EventStatus.planned, Event.starts_at >= start, Event.starts_at < end)
        .order_by(Event.starts_at, Event.id)).all()
    made = 0
    for event in events:
        skip = set(db.session.scalars(sa.select(Notification.member_id).where(
            Notification.event_id == event.id, Notification.kind == NotificationKind.reminder)))
        skip |= set(db.session.scalars(sa.select(LeaveRequest.member_id).where(
            LeaveRequest.event_id == event.id, LeaveRequest.status == LeaveStatus.approved)))
        made += len(notify(event, NotificationKind.reminder, [m.id for m in expected_members(event) if m.id not in skip]))
    return len(events), made
