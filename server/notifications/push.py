"""Web Push: the VAPID key pair, and delivery after the request's commit.

The VAPID private key (RFC 8292) is a secret like the others (server/config.py: the environment,
or generated once into instance/secrets.json); only its public half, the application server key,
is ever sent to a browser. Push is enabled only when `PUSH_CONTACT` is set (the JWT's `sub`).

Messages are queued during the request and sent once its transaction committed: after the
response went out (`call_on_close`), with a short timeout per message and a few in parallel, so a
slow push service never delays or fails a request. A CLI command delivers after its own commit.
A 404 or 410 from the push service means the subscription is gone: it is deleted (in its own
small transaction, the request's is over). Failures are logged with the subscription's id and
the status only: no endpoint, no name, no text.
"""
from __future__ import annotations

import base64
import concurrent.futures
import dataclasses
import datetime as dt
import json
import logging
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import after_this_request, current_app, g, has_request_context

from sync import clock

log = logging.getLogger(__name__)

VAPID_TOKEN_LIFETIME = dt.timedelta(hours=12)  # RFC 8292 allows at most 24 hours
PARALLEL_SENDS = 4


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_vapid_private_key() -> str:
    """A new P-256 private key as its raw 32-byte scalar, base64url (how py_vapid reads it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def _private_key(app=None) -> ec.EllipticCurvePrivateKey:
    raw = b64url_decode((app or current_app).config["VAPID_PRIVATE_KEY"])
    return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())


def application_server_key(app=None) -> str:
    """The VAPID public key as browsers want it: the uncompressed P-256 point, base64url."""
    point = _private_key(app).public_key().public_bytes(serialization.Encoding.X962,
                                                       serialization.PublicFormat.UncompressedPoint)
    return b64url(point)


def enabled(app=None) -> bool:
    return bool((app or current_app).config.get("PUSH_CONTACT"))


def endpoint_allowed(endpoint: str, hosts: list[str] | None = None) -> bool:
    """Whether `endpoint` is an https URL on one of the push services of PUSH_ENDPOINT_HOSTS."""
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    if parts.scheme != "https" or not host:
        return False
    hosts = current_app.config["PUSH_ENDPOINT_HOSTS"] if hosts is None else hosts
    return any(host == allowed or host.endswith("." + allowed) for allowed in hosts)


@dataclasses.dataclass(frozen=True)
class PushMessage:
    subscription_id: int
    endpoint: str
    p256dh: str
    auth: str
    payload: bytes  # UTF-8 JSON {"title", "body", "url"}


def queue(messages: list[PushMessage]) -> None:
    """Send `messages` once the current unit of work has committed.

    In a request: after the response, if the request succeeded (its commit is in
    `ZhibuFlask.dispatch_request`, so a response below 400 means it committed). Elsewhere (the
    CLI): the caller commits, then calls `deliver_queued()`.
    """
    if not messages:
        return
    outbox = g.setdefault("push_outbox", [])
    if has_request_context() and not outbox:
        after_this_request(_deliver_after_response)
    outbox.extend(messages)


def _deliver_after_response(response):
    messages = g.pop("push_outbox", [])
    if messages and response.status_code < 400:
        app = current_app._get_current_object()
        response.call_on_close(lambda: deliver(app, messages))
    return response


def deliver_queued() -> int:
    """For code outside requests, after its commit: send what was queued. → messages sent."""
    messages = g.pop("push_outbox", [])
    return deliver(current_app._get_current_object(), messages) if messages else 0


def discard_queued() -> None:
    g.pop("push_outbox", None)


def deliver(app, messages: list[PushMessage]) -> int:
    """Send each message (a few at a time), delete the subscriptions the push service says are
    gone, log the other failures. Never raises. → the number accepted by the push services."""
    if not messages or not enabled(app):
        return 0
    try:
        claims_for = _claims_maker(app)
        hosts, timeout, ttl = (app.config[k] for k in ("PUSH_ENDPOINT_HOSTS", "PUSH_TIMEOUT_SECONDS", "PUSH_TTL_SECONDS"))
        with concurrent.futures.ThreadPoolExecutor(max_workers=min(PARALLEL_SENDS, len(messages))) as pool:
            outcomes = list(pool.map(lambda m: _send(m, claims_for, hosts, timeout, ttl), messages))
    except Exception as exc:  # noqa: BLE001 - a bad key or contact must not break anything else
        log.error("web push not sent: %s", type(exc).__name__)
        return 0
    gone = [m for m, outcome in zip(messages, outcomes, strict=True) if outcome == "gone"]
    if gone:
        _forget(app, gone)
    return sum(outcome == "sent" for outcome in outcomes)


def _claims_maker(app):
    from py_vapid import Vapid02

    vapid = Vapid02(_private_key(app))
    contact = app.config["PUSH_CONTACT"]
    # The push service checks `exp` against its own clock, as phones check TLS certificates:
    # the machine's real time, never the shifted clock of tests and demos.
    expires = int((clock.real_now() + VAPID_TOKEN_LIFETIME).timestamp())

    def headers(endpoint: str) -> dict:
        parts = urlsplit(endpoint)
        return vapid.sign({"aud": f"{parts.scheme}://{parts.netloc}", "sub": contact, "exp": expires})
    return headers


def _send(message: PushMessage, claims_for, hosts: list[str], timeout: float, ttl: int) -> str:
    """→ 'sent' | 'gone' | 'failed'"""
    import requests
    from pywebpush import WebPusher

    if not endpoint_allowed(message.endpoint, hosts):  # the list may have changed since it subscribed
        log.warning("web push to subscription %s not sent: its push service is not allowed", message.subscription_id)
        return "failed"
    try:
        subscription = {"endpoint": message.endpoint, "keys": {"p256dh": message.p256dh, "auth": message.auth}}
        headers = {**claims_for(message.endpoint), "Urgency": "normal"}
        response = WebPusher(subscription).send(message.payload, headers, ttl=ttl, timeout=timeout)
    except requests.RequestException as exc:
        log.warning("web push to subscription %s failed: %s", message.subscription_id, type(exc).__name__)
        return "failed"
    except Exception as exc:  # noqa: BLE001 - never let one subscription stop the others
        log.warning("web push to subscription %s not sent: %s", message.subscription_id, type(exc).__name__)
        return "failed"
    if response.status_code in (404, 410):
        return "gone"
    if response.status_code >= 300:
        log.warning("web push to subscription %s refused: HTTP %s", message.subscription_id, response.status_code)
        return "failed"
    return "sent"


def _forget(app, gone: list[PushMessage]) -> None:
    """Delete the subscriptions the push service no longer knows (unless re-posted since)."""
    import sqlalchemy as sa

    from server.core.db import db, sqlite_write_intent
    from server.notifications.models import PushSubscription

    token = sqlite_write_intent.set(True)
    try:
        with app.app_context():
            try:
                for message in gone:
                    db.session.execute(sa.delete(PushSubscription).where(
                        PushSubscription.id == message.subscription_id, PushSubscription.endpoint == message.endpoint,
                        PushSubscription.p256dh == message.p256dh))
                db.session.commit()  # its own unit of work: the request that sent these is over
                log.info("forgot %d web push subscription(s) the push service no longer knows", len(gone))
            except Exception as exc:  # noqa: BLE001
                db.session.rollback()
                log.error("could not forget gone web push subscriptions: %s", type(exc).__name__)
    finally:
        sqlite_write_intent.reset(token)


def payload(title: str, body: str, url: str) -> bytes:
    return json.dumps({"title": title, "body": body, "url": url}, ensure_ascii=False).encode("utf-8")
