from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, jsonify, request
from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import principal
from server.cards.signing import public_keys_for_clients
from server.core.api import FeatureBlueprint, UpgradeRequired, abort, load_or_404, require
from server.core.db import db
from server.events.models import Event
from server.sync_api import operations, pull
from server.sync_api.models import Scan, ScanTally
from server.sync_api.schemas import ScanQuerySchema, ScanSchema, ScanTallySchema
from sync import MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, clock
from sync.messages import PullQuerySchema, PullResponseSchema, PushRequestSchema, PushResponseSchema

blp = FeatureBlueprint("sync", __name__, url_prefix="/sync",
                       description="The offline sync protocol (see docs/sync-protocol.md)")


def _check_version(version: int) -> None:
    """A version newer than the server's: 400 (it will never work). Older than any the server
    still speaks (MIN_PROTOCOL_VERSION, or 0 and below): 426, the app must be updated."""
    if version > PROTOCOL_VERSION:
        abort(400, message=f"Unknown protocol version {version}; this server speaks version {PROTOCOL_VERSION}.")
    if version < MIN_PROTOCOL_VERSION:
        raise UpgradeRequired("This app is out of date: update it to keep syncing (your queued scans are kept).")


@blp.route("/push")
class Push(MethodView):
    @jwt_required()
    @blp.arguments(PushRequestSchema())  # an instance: given the class, webargs makes one per request
    @blp.response(200, PushResponseSchema)
    def post(self, body):
        """Deliver a batch of queued mutations; every item gets its own result."""
        _check_version(body["protocol_version"])
        key = request.headers.get("Idempotency-Key")
        if key is not None and not (8 <= len(key) <= 64):
            abort(422, message="The Idempotency-Key header must be 8 to 64 characters.")
        if key is not None and "idempotency_key" in body and body["idempotency_key"] != key:
            abort(422, message="The Idempotency-Key header and the body's idempotency_key differ; send one, or the same.")
        # Sent as built, not dumped through PushResponseSchema (which documents it): the answer is
        # made of plain values already, and dumping 500 results cost a fifth of a batch's CPU.
        # tests/server/test_sync_push.py checks that the two agree.
        return jsonify(operations.push(principal(), body, key))


@blp.route("/pull")
class Pull(MethodView):
    @staticmethod
    def write_intent() -> bool:
        """A pull naming its device records the device's sync mark (SQLite takes the write lock)."""
        return "device_id" in request.args

    @jwt_required()
    @blp.arguments(PullQuerySchema(), location="query")
    @blp.response(200, PullResponseSchema)
    def get(self, query):
        """Changes after the cursor that the caller may see, with the card keys to verify cards offline.

        `device_id`, sent only when the device has nothing left to push for this user, marks every
        scan it made before now as delivered: a later push claiming an earlier time is flagged."""
        _check_version(query["protocol_version"])
        if query["protocol_version"] < current_app.config["SYNC_MIN_PROTOCOL_VERSION"]:
            raise UpgradeRequired("This app is out of date: update it to keep syncing (your queued scans are kept).")
        now_ms = operations.to_ms(clock.now())
        p = principal()
        offset = now_ms - query["client_time_ms"] if "client_time_ms" in query else None
        if "device_id" in query:
            operations.register_device(p.user_id, query["device_id"], offset, query["protocol_version"], synced=True)
        page = pull.pull(p, query.get("cursor"), query["limit"])
        return {"protocol_version": PROTOCOL_VERSION, "server_time_ms": now_ms, "clock_offset_ms": offset,
                "card_keys": public_keys_for_clients(), **page}


scans_blp = FeatureBlueprint("scans", __name__, description="The scan log of an event, for review")


@scans_blp.route("/events/<int:event_id>/scans")
class EventScans(MethodView):
    @jwt_required()
    @scans_blp.arguments(ScanQuerySchema, location="query")
    @scans_blp.response(200, ScanSchema(many=True))
    @scans_blp.paginate()
    def get(self, query, event_id, pagination_parameters):
        """The scans delivered for the event, newest first, for its branch's secretaries and organizers:
        every accepted one and the first rejections of each kind (the rest are counted in /scan-tallies)."""
        event = load_or_404(Event, event_id)
        require(principal().manages(event.branch_id))
        stmt = sa.select(Scan).where(Scan.event_id == event.id)
        if "status" in query:
            stmt = stmt.where(Scan.status == query["status"])
        if "reason_code" in query:
            stmt = stmt.where(Scan.reason_code == query["reason_code"])
        pagination_parameters.item_count = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
        return db.session.scalars(stmt.order_by(Scan.id.desc()).limit(pagination_parameters.page_size)
                                  .offset(pagination_parameters.first_item)).all()


@scans_blp.route("/events/<int:event_id>/scan-tallies")
class EventScanTallies(MethodView):
    @jwt_required()
    @scans_blp.response(200, ScanTallySchema(many=True))
    def get(self, event_id):
        """Rejected scans of the event counted per account, phone and reason (first and last time):
        wrong codes, refusals after too many of them, stale codes... for the secretary to follow up."""
        event = load_or_404(Event, event_id)
        require(principal().manages(event.branch_id))
        return db.session.scalars(sa.select(ScanTally).where(ScanTally.event_id == event.id)
                                  .order_by(ScanTally.last_at.desc(), ScanTally.id)).all()
