from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_jwt_extended import jwt_required
from sqlalchemy.orm import selectinload

from server.auth.access import principal
from server.core.api import FeatureBlueprint, load_or_404, require
from server.core.db import db
from server.core.xlsx import XLSX, xlsx_response
from server.events import operations
from server.events.attendance import attendance_sheet, is_expected
from server.events.export import attendance_workbook
from server.events.models import Event, LeaveRequest
from server.events.schemas import (
    AttendanceRowSchema,
    CancelEventSchema,
    EventQuerySchema,
    EventSchema,
    EventUpdateSchema,
    LeaveDecisionSchema,
    LeaveRequestSchema,
    NoticeSchema,
)
from server.org.models import Branch, Member

blp = FeatureBlueprint("events", __name__, description="Events, notices and leave requests")


@blp.route("/branches/<int:branch_id>/events")
class BranchEvents(MethodView):
    @jwt_required()
    @blp.arguments(EventQuerySchema, location="query")
    @blp.response(200, EventSchema(many=True))
    def get(self, query, branch_id):
        """The branch's events, soonest first (members of the branch and floating members it hosts)."""
        branch = load_or_404(Branch, branch_id)
        require(principal().can_view_branch(branch.id))
        stmt = sa.select(Event).where(Event.branch_id == branch.id)
        if "starts_from" in query:
            stmt = stmt.where(Event.starts_at >= query["starts_from"])
        if "starts_before" in query:
            stmt = stmt.where(Event.starts_at < query["starts_before"])
        if "kind" in query:
            stmt = stmt.where(Event.kind == query["kind"])
        return db.session.scalars(stmt.order_by(Event.starts_at, Event.id)).all()

    @jwt_required()
    @blp.arguments(EventSchema)
    @blp.response(201, EventSchema)
    def post(self, data, branch_id):
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id))
        return operations.create_event(branch, data, principal().user_id)


@blp.route("/events/<int:event_id>")
class EventItem(MethodView):
    @jwt_required()
    @blp.response(200, EventSchema)
    def get(self, event_id):
        event = load_or_404(Event, event_id)
        require(principal().can_view_branch(event.branch_id))
        return event

    @jwt_required()
    @blp.arguments(EventUpdateSchema)
    @blp.response(200, EventSchema)
    def patch(self, changes, event_id):
        event = load_or_404(Event, event_id)
        require(principal().manages(event.branch_id))
        return operations.update_event(event, changes, principal().user_id)


@blp.route("/events/<int:event_id>/cancel")
class EventCancel(MethodView):
    @jwt_required()
    @blp.arguments(CancelEventSchema)
    @blp.response(200, EventSchema)
    def post(self, data, event_id):
        """Call the event off with a reason; the members expected at it are told (409 when held or cancelled)."""
        event = load_or_404(Event, event_id)
        require(principal().manages(event.branch_id))
        return operations.cancel_event(event, data["reason"], principal().user_id)


@blp.route("/events/<int:event_id>/attendance")
class EventAttendance(MethodView):
    @jwt_required()
    @blp.response(200, AttendanceRowSchema(many=True))
    def get(self, event_id):
        """The attendance sheet: every expected member present, excused or absent, with duplicates."""
        event = load_or_404(Event, event_id)
        p = principal()
        require(p.manages(event.branch_id) or p.oversees(event.branch_id))
        return attendance_sheet(event)


@blp.route("/events/<int:event_id>/attendance.xlsx")
class EventAttendanceSheet(MethodView):
    @jwt_required()
    @blp.response(200, content_type=XLSX)
    def get(self, event_id):
        """The attendance sheet as an Excel workbook (签到表), for the branch's files."""
        event = load_or_404(Event, event_id)
        p = principal()
        require(p.manages(event.branch_id) or p.oversees(event.branch_id))
        rows = attendance_sheet(event)
        statuses = dict(db.session.execute(sa.select(Member.id, Member.status)
                                           .where(Member.id.in_([r["member_id"] for r in rows]))).all())
        return xlsx_response(attendance_workbook(event, rows, statuses), f"{event.title}签到表.xlsx",
                             f"attendance-event-{event.id}.xlsx")


@blp.route("/events/<int:event_id>/notice")
class EventNotice(MethodView):
    @jwt_required()
    @blp.arguments(NoticeSchema)
    @blp.response(200, EventSchema)
    def post(self, data, event_id):
        """Publish the event's notice to its members; the time it went out is kept (DAY-notice)."""
        event = load_or_404(Event, event_id)
        require(principal().manages(event.branch_id))
        return operations.publish_notice(event, data["notice"], principal().user_id)


@blp.route("/events/<int:event_id>/leave-requests")
class EventLeaveRequests(MethodView):
    @jwt_required()
    @blp.response(200, LeaveRequestSchema(many=True))
    def get(self, event_id):
        event = load_or_404(Event, event_id)
        p = principal()
        require(p.manages(event.branch_id) or p.oversees(event.branch_id))
        return db.session.scalars(sa.select(LeaveRequest).where(LeaveRequest.event_id == event.id)
                                  .options(selectinload(LeaveRequest.member))
                                  .order_by(LeaveRequest.id)).all()

    @jwt_required()
    @blp.arguments(LeaveRequestSchema)
    @blp.response(201, LeaveRequestSchema)
    def post(self, data, event_id):
        """Ask to be excused from an event one is expected at (its branch's members, the floating
        members it hosts that day; a group meeting: the group; a committee meeting: the committee)."""
        event = load_or_404(Event, event_id)
        p = principal()
        require(is_expected(event, p.member_id), "Only members expected at this event can ask for leave.")
        return operations.request_leave(event, db.session.get(Member, p.member_id), data["reason"], p.user_id)


@blp.route("/me/leave-requests")
class MyLeaveRequests(MethodView):
    @jwt_required()
    @blp.response(200, LeaveRequestSchema(many=True))
    def get(self):
        """The caller's own leave requests, newest first."""
        p = principal()
        if p.member_id is None:
            return []
        return db.session.scalars(sa.select(LeaveRequest).where(LeaveRequest.member_id == p.member_id)
                                  .options(selectinload(LeaveRequest.event))
                                  .order_by(LeaveRequest.id.desc())).all()


@blp.route("/leave-requests/<int:leave_id>/decision")
class LeaveDecision(MethodView):
    @jwt_required()
    @blp.arguments(LeaveDecisionSchema)
    @blp.response(200, LeaveRequestSchema)
    def post(self, data, leave_id):
        leave = load_or_404(LeaveRequest, leave_id)
        require(principal().manages(leave.event.branch_id))
        return operations.decide_leave(leave, data["approve"], principal().user_id, data["reason"])


@blp.route("/leave-requests/<int:leave_id>")
class LeaveRequestItem(MethodView):
    @jwt_required()
    @blp.response(204)
    def delete(self, leave_id):
        """Withdraw one's own request while it is still pending (only the member who asked)."""
        leave = load_or_404(LeaveRequest, leave_id)
        require(leave.member_id == principal().member_id, "Only the member who asked can withdraw this request.")
        operations.withdraw_leave(leave, principal().user_id)
