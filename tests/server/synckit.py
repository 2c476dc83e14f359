"""Helpers for sync tests: build mutations the way a phone would, and push/pull them."""
from __future__ import annotations

import datetime as dt
import itertools
import uuid

from server.core.db import db
from server.events.models import Event
from sync import clock
from sync.eventcode import event_qr_payload

_seq = itertools.count()


def now_ms() -> int:
    return clock.now_ms()


def nonce() -> str:
    return uuid.uuid4().hex


def live_event(app, branch_id: int, *, started_minutes_ago=10, hours=2, **kw) -> dict:
    """An event happening now, with its id and code secret."""
    from server.org.models import Branch
    from tests.server.factories import create_event_for

    with app.app_context():
        starts = clock.now().replace(microsecond=0) - dt.timedelta(minutes=started_minutes_ago)
        event = create_event_for(db.session.get(Branch, branch_id), starts_at=starts,
                                 title=kw.pop("title", f"活动{next(_seq)}"), **kw)
        event.ends_at = starts + dt.timedelta(hours=hours)
        event.checkin_closes_at = event.ends_at + dt.timedelta(minutes=30)
        db.session.commit()
        return {"id": event.id, "secret": event.code_secret}


def event_secret(app, event_id: int) -> str:
    with app.app_context():
        return db.session.get(Event, event_id).code_secret


def code_scan(event: dict, *, at_ms: int | None = None, code_at_ms: int | None = None, **kw) -> dict:
    at_ms = now_ms() if at_ms is None else at_ms
    qr = event_qr_payload(event["id"], event["secret"], (code_at_ms if code_at_ms is not None else at_ms) / 1000)
    return {"id": kw.pop("id", nonce()), "type": "checkin_event_code", "event_qr": qr, "claimed_at_ms": at_ms, **kw}


def card_scan(event_id: int, card_qr: str, *, at_ms: int | None = None, **kw) -> dict:
    return {"id": kw.pop("id", nonce()), "type": "checkin_card", "event_id": event_id, "card_qr": card_qr,
            "claimed_at_ms": now_ms() if at_ms is None else at_ms, **kw}


def manual(event_id: int, member_id: int, reason="忘带手机", **kw) -> dict:
    return {"id": kw.pop("id", nonce()), "type": "checkin_manual", "event_id": event_id, "member_id": member_id,
            "reason": reason, "claimed_at_ms": kw.pop("at_ms", now_ms()), **kw}


def push(client, headers, mutations, *, device="device-0001", client_time_ms=None, version=1, **extra):
    body = {"protocol_version": version, "device_id": device,
            "client_time_ms": now_ms() if client_time_ms is None else client_time_ms,
            "mutations": mutations, **extra}
    return client.post("/api/v1/sync/push", json=body, headers=headers)


def pull_all(client, headers, cursor=None, limit=200):
    """Pull pages until has_more is false; returns (changes, cursor, pages)."""
    changes, pages = [], 0
    while True:
        query = {"protocol_version": 1, "limit": limit}
        if cursor:
            query["cursor"] = cursor
        response = client.get("/api/v1/sync/pull", query_string=query, headers=headers)
        assert response.status_code == 200, response.json
        pages += 1
        changes.extend(response.json["changes"])
        cursor = response.json["cursor"]
        if not response.json["has_more"]:
            return changes, cursor, pages
