from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, request
from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import principal
from server.cards.signing import public_keys_for_clients
from server.core.api import FeatureBlueprint, UpgradeRequired, abort, load_or_404, require
from server.core.db import db
from server.events.models import Event
from server.sync_api import operations, pull
from server.sync_api.models import Scan
from server.sync_api.schemas import ScanSchema
from sync import PROTOCOL_VERSION, clock
from sync.messages import PullQuerySchema, PullResponseSchema, PushRequestSchema, PushResponseSchema

blp = FeatureBlueprint("sync", __name__, url_prefix="/sync",
                       description="The offline sync protocol (see docs/sync-protocol.md)")


def _check_version(version: int) -> None:
    if version > PROTOCOL_VERSION or version < 1:
        abort(400, message=f"Unknown protocol version {version}; this server speaks version {PROTOCOL_VERSION}.")


@blp.route("/push")
class Push(MethodView):
    @jwt_required()
    @blp.arguments(PushRequestSchema)
    @blp.response(200, PushResponseSchema)
    def post(self, body):
        """Deliver a batch of queued mutations; every item gets its own result."""
        _check_version(body["protocol_version"])
        key = request.headers.get("Idempotency-Key")
        if key is not None and not (8 <= len(key) <= 64):
            abort(422, message="The Idempotency-Key header must be 8 to 64 characters.")
        return operations.push(principal(), body, key)


@blp.route("/pull")
class Pull(MethodView):
    @jwt_required()
    @blp.arguments(PullQuerySchema, location="query")
    @blp.response(200, PullResponseSchema)
    def get(self, query):
        """Changes after the cursor that the caller may see, with the card keys to verify cards offline."""
        _check_version(query["protocol_version"])
        if query["protocol_version"] < current_app.config["SYNC_MIN_PROTOCOL_VERSION"]:
            raise UpgradeRequired("This app is out of date: update it to keep syncing (your queued scans are kept).")
        now_ms = operations.to_ms(clock.now())
        page = pull.pull(principal(), query.get("cursor"), query["limit"])
        offset = now_ms - query["client_time_ms"] if "client_time_ms" in query else None
        return {"protocol_version": PROTOCOL_VERSION, "server_time_ms": now_ms, "clock_offset_ms": offset,
                "card_keys": public_keys_for_clients(), **page}


scans_blp = FeatureBlueprint("scans", __name__, description="The scan log of an event, for review")


@scans_blp.route("/events/<int:event_id>/scans")
class EventScans(MethodView):
    @jwt_required()
    @scans_blp.response(200, ScanSchema(many=True))
    def get(self, event_id):
        """Every scan delivered for the event, in order of arrival: applied, duplicates, rejections."""
        event = load_or_404(Event, event_id)
        p = principal()
        require(p.manages(event.branch_id) or p.oversees(event.branch_id))
        return db.session.scalars(sa.select(Scan).where(Scan.event_id == event.id).order_by(Scan.id)).all()
