from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import current_app

from server.audit.operations import log_action
from server.core.api import abort
from server.core.db import db
from server.core.enums import EventStatus
from server.events.models import Event
from server.minutes import storage
from server.minutes.models import Minutes, MinutesPhoto, MinutesRevision
from sync import clock


def minutes_of(event: Event) -> Minutes | None:
    return db.session.scalar(sa.select(Minutes).where(Minutes.event_id == event.id))


def _minutes_for_writing(event: Event) -> Minutes:
    if event.status == EventStatus.cancelled:
        abort(409, message="This event was cancelled; it has no minutes.")
    minutes = minutes_of(event)
    if minutes is None:
        minutes = Minutes(event_id=event.id, text="", version=0)
        db.session.add(minutes)
        db.session.flush()
    return minutes


def write_minutes(event: Event, text: str, nonce: str, base_version: int | None, actor_id: int) -> Minutes:
    """Set the minutes' text. Idempotent by the client's nonce: a write already applied (even one
    overtaken by a newer write) is answered with the current minutes and changes nothing.
    With `base_version`, a write based on an older text is refused (409) instead of overwriting."""
    minutes = _minutes_for_writing(event)
    seen = db.session.scalar(sa.select(MinutesRevision.id).where(MinutesRevision.minutes_id == minutes.id,
                                                                MinutesRevision.nonce == nonce))
    if seen is not None:
        return minutes
    if base_version is not None and base_version != minutes.version:
        abort(409, message="The minutes were changed since this text was based on them; reload and merge.")
    now = clock.now()
    db.session.add(MinutesRevision(minutes_id=minutes.id, nonce=nonce, text=text, written_by_id=actor_id,
                                   written_at=now))
    minutes.text = text
    minutes.version += 1
    minutes.written_by_id = actor_id
    minutes.updated_at = now
    db.session.flush()
    log_action(actor_id, "minutes.written", minutes, branch_id=event.branch_id, event_id=event.id,
               version=minutes.version)
    return minutes


def add_photo(event: Event, client_photo_id: str, upload, actor_id: int) -> tuple[MinutesPhoto, bool]:
    """Store a photo of the minutes; (photo, created). The same photo id sent again (an outbox retry)
    returns the photo already stored; the same id with other bytes is a conflict."""
    data = storage.read_upload(upload)
    digest = hashlib.sha256(data).hexdigest()
    minutes = _minutes_for_writing(event)
    existing = db.session.scalar(sa.select(MinutesPhoto).where(MinutesPhoto.minutes_id == minutes.id,
                                                              MinutesPhoto.client_photo_id == client_photo_id))
    if existing is not None:
        if existing.sha256 != digest:
            abort(409, message="Another photo was already stored under this photo id.")
        return existing, False
    sniffed = storage.sniff(data)
    if sniffed is None:
        abort(415, message="Only JPEG, PNG and WebP photos are accepted.")
    count = db.session.scalar(sa.select(sa.func.count()).where(MinutesPhoto.minutes_id == minutes.id))
    if count >= current_app.config["MINUTES_PHOTOS_PER_EVENT"]:
        abort(409, message="This meeting's minutes have as many photos as allowed.")
    content_type, ext = sniffed
    photo = MinutesPhoto(minutes_id=minutes.id, client_photo_id=client_photo_id,
                         path=storage.save(event.id, data, ext), content_type=content_type, size=len(data),
                         sha256=digest, uploaded_by_id=actor_id)
    db.session.add(photo)
    minutes.updated_at = clock.now()
    db.session.flush()
    log_action(actor_id, "minutes.photo_added", photo, branch_id=event.branch_id, event_id=event.id)
    return photo, True
