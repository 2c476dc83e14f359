from __future__ import annotations

import sqlalchemy as sa
from flask import make_response, url_for
from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import principal
from server.calendar import operations
from server.calendar.models import CalendarFeed, OfficialSchedule
from server.calendar.schemas import (
    YEARS,
    CalendarFeedSchema,
    CalendarStatusSchema,
    CalendarYearSchema,
    ScheduleLoadSchema,
    SchedulePreviewSchema,
)
from server.core.api import FeatureBlueprint, abort, require
from server.core.db import db
from server.org.models import Member
from sync import clock

blp = FeatureBlueprint("calendar", __name__, description="China's holiday calendar and members' calendar feeds")

ADMIN_ONLY = "Only accounts of a top-level committee load the official holiday schedule."


def _year_or_404(year: int) -> int:
    if not YEARS.min <= year <= YEARS.max:
        abort(404, message="No calendar for this year (2000 to 2100).")
    return year


@blp.route("/calendar/status")
class CalendarStatus(MethodView):
    @jwt_required()
    @blp.response(200, CalendarStatusSchema)
    def get(self):
        """Where this year's and next year's calendar come from, and a warning when an official schedule is missing."""
        return operations.status_view(clock.today())


@blp.route("/calendar/years/<int:year>")
class CalendarYear(MethodView):
    @jwt_required()
    @blp.response(200, CalendarYearSchema)
    def get(self, year):
        """The year's rest days, make-up working days and the twelve activity days."""
        return operations.year_view(_year_or_404(year))

    @jwt_required()
    @blp.arguments(ScheduleLoadSchema)
    @blp.response(200, CalendarYearSchema)
    def put(self, data, year):
        """Load the official schedule of a year (replaces any loaded before); top-level committee accounts.
        The activity days the branches' plans generated for the year move to the new rule dates, unless
        edited by hand (each branch's compliance view lists them in `calendar_changes`)."""
        _year_or_404(year)
        require(principal().is_top_committee, ADMIN_ONLY)
        _, moves = operations.load_schedule(year, data, principal().user_id)
        return {**operations.year_view(year), "plan_events_moved": moves["moved"],
                "plan_events_not_moved": moves["not_moved"]}

    @jwt_required()
    @blp.response(204)
    def delete(self, year):
        """Remove a loaded schedule: the year falls back to the package's calendar (and the plans'
        activity days follow it, as when loading)."""
        _year_or_404(year)
        schedule = db.session.scalar(sa.select(OfficialSchedule).where(OfficialSchedule.year == year))
        if schedule is None:
            abort(404, message="No official schedule is loaded for this year.")
        require(principal().is_top_committee, ADMIN_ONLY)
        operations.remove_schedule(schedule, principal().user_id)


@blp.route("/calendar/years/<int:year>/preview")
class CalendarYearPreview(MethodView):
    @jwt_required()
    @blp.arguments(ScheduleLoadSchema)
    @blp.response(200, SchedulePreviewSchema)
    def post(self, data, year):
        """What loading this schedule (the body of PUT) would move, changing nothing: the months whose
        activity day moves and, per branch, its planned activity days with their new dates; top-level
        committee accounts. The same 422 as PUT names every bad line."""
        _year_or_404(year)
        require(principal().is_top_committee, ADMIN_ONLY)
        return operations.preview_schedule(year, data, principal().overseen_branch_ids)


def _feed_view(feed: CalendarFeed) -> dict:
    url = url_for("calendar.CalendarFeedFile", token=operations.feed_token(feed), _external=True)
    return {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[1], "created_at": feed.created_at}


@blp.route("/me/calendar-feed")
class MyCalendarFeed(MethodView):
    @jwt_required()
    @blp.response(200, CalendarFeedSchema)
    def get(self):
        """The caller's private calendar URL (subscribe to it in the phone's calendar)."""
        p = principal()
        require(p.member_id is not None, "Only members have a calendar feed.")
        feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.member_id == p.member_id))
        if feed is None:  # none yet (POST creates it): an empty state, not an error
            return {"exists": False, "url": None, "webcal_url": None, "created_at": None}
        return _feed_view(feed)

    @jwt_required()
    @blp.response(201, CalendarFeedSchema)
    def post(self):
        """Create the caller's calendar URL, or replace it (the old URL stops working)."""
        p = principal()
        require(p.member_id is not None, "Only members have a calendar feed.")
        return _feed_view(operations.regenerate_feed(db.session.get(Member, p.member_id), p.user_id))


@blp.route("/calendar/<string:token>.ics")
class CalendarFeedFile(MethodView):
    @blp.doc(security=[])
    @blp.response(200, content_type="text/calendar")
    def get(self, token):
        """A member's events as iCalendar; the unguessable token in the URL is the credential (no login)."""
        feed = operations.feed_by_token(token)
        if feed is None:
            abort(404, message="No such calendar feed (it may have been replaced).")
        response = make_response(operations.feed_ics(feed))
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
        response.headers["Content-Disposition"] = 'inline; filename="zhibu.ics"'
        response.headers["Cache-Control"] = "private, max-age=300"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
