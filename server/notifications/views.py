from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import principal
from server.core.api import FeatureBlueprint, abort, load_or_404, require
from server.core.db import db
from server.events.models import Event
from server.notifications import operations, push
from server.notifications.models import Notification
from server.notifications.schemas import (
    NoticeReadsSchema,
    NotificationQuerySchema,
    NotificationSchema,
    PushKeySchema,
    PushSubscriptionSchema,
    PushUnsubscribeSchema,
)

blp = FeatureBlueprint("notifications", __name__,
                       description="Notifications to members, notice read receipts, Web Push subscriptions")


@blp.route("/events/<int:event_id>/notice/read")
class NoticeRead(MethodView):
    @jwt_required()
    @blp.response(204)
    def post(self, event_id):
        """The caller has read the event's notice (idempotent; 409 when the event has no notice)."""
        event = load_or_404(Event, event_id)
        p = principal()
        require(p.member_id is not None and p.can_view_branch(event.branch_id),
                "Only members who see this event read its notice.")
        operations.mark_notice_read(event, p.member_id)


@blp.route("/events/<int:event_id>/notice/reads")
class NoticeReads(MethodView):
    @jwt_required()
    @blp.response(200, NoticeReadsSchema)
    def get(self, event_id):
        """Who of the members expected at the event has read its current notice; the branch's managers."""
        event = load_or_404(Event, event_id)
        require(principal().manages(event.branch_id))
        return operations.notice_reads(event)


@blp.route("/me/notifications")
class MyNotifications(MethodView):
    @jwt_required()
    @blp.arguments(NotificationQuerySchema, location="query")
    @blp.response(200, NotificationSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """The caller's notifications, newest first (`unread=true`: only the unread ones)."""
        stmt = operations.my_notifications(principal().member_id, query.get("unread"))
        pagination_parameters.item_count = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
        return db.session.scalars(stmt.order_by(Notification.id.desc()).limit(pagination_parameters.page_size)
                                  .offset(pagination_parameters.first_item)).all()


@blp.route("/me/notifications/<int:notification_id>/read")
class MyNotificationRead(MethodView):
    @jwt_required()
    @blp.response(204)
    def post(self, notification_id):
        """Mark one of one's own notifications read (another's is 404: it is not there for the caller)."""
        notification = db.session.get(Notification, notification_id)
        if notification is None or notification.member_id != principal().member_id:
            abort(404, message="No such notification.")
        operations.mark_read(notification)


@blp.route("/me/notifications/read-all")
class MyNotificationsReadAll(MethodView):
    @jwt_required()
    @blp.response(204)
    def post(self):
        """Mark all of one's notifications read."""
        member_id = principal().member_id
        if member_id is not None:
            operations.mark_all_read(member_id)


@blp.route("/push/key")
class PushKey(MethodView):
    @jwt_required()
    @blp.response(200, PushKeySchema)
    def get(self):
        """Whether this server sends Web Push, and its VAPID application server key (public)."""
        if not push.enabled():
            return {"enabled": False, "public_key": None}
        return {"enabled": True, "public_key": push.application_server_key()}


@blp.route("/me/push-subscriptions")
class MyPushSubscriptions(MethodView):
    @jwt_required()
    @blp.arguments(PushSubscriptionSchema)
    @blp.response(201, PushSubscriptionSchema)
    def post(self, data):
        """Store this browser's push subscription for the caller (the same endpoint again updates it)."""
        return operations.subscribe(principal().user_id, data)

    @jwt_required()
    @blp.arguments(PushUnsubscribeSchema)
    @blp.response(204)
    def delete(self, data):
        """Forget one of the caller's push subscriptions (idempotent)."""
        operations.unsubscribe(principal().user_id, data["endpoint"])
