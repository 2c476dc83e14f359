"""China's holiday calendar (package + loaded official schedules), the activity day, and calendar feeds."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from server.calendar.days import HolidayCalendar, Override, package_year
from server.calendar.ical import fold
from server.core.db import db
from server.core.enums import EventKind, EventStatus
from server.events.models import Event
from server.org.models import Branch, Group, Member
from tests.server import factories
from tests.server.calendars import published_until

D = dt.date


# --- the calendar, pure --------------------------------------------------------------------------

def test_october_2026_the_first_wednesday_is_a_holiday_so_the_activity_day_is_the_14th():
    calendar = HolidayCalendar()
    assert calendar.is_rest_day(D(2026, 10, 7))
    assert calendar.activity_day_for(2026, 10) == D(2026, 10, 14)


def test_a_month_with_a_normal_first_wednesday():
    calendar = HolidayCalendar()
    assert calendar.activity_day_for(2026, 11) == D(2026, 11, 4)
    assert calendar.activity_day_for(2026, 3) == D(2026, 3, 4)


def test_swapped_working_days_on_weekends_are_working_days():
    calendar = HolidayCalendar()
    assert package_year(2026).official
    for saturday_or_sunday in (D(2026, 9, 20), D(2026, 10, 10), D(2026, 2, 14), D(2026, 2, 28)):
        assert saturday_or_sunday.weekday() >= 5
        assert not calendar.is_rest_day(saturday_or_sunday)
    assert calendar.is_rest_day(D(2026, 10, 11))  # an ordinary Sunday
    assert calendar.is_rest_day(D(2026, 2, 20))  # a Friday off, swapped from 14 February


def test_an_override_replaces_the_package_for_its_year():
    # The loaded schedule moves the day off from Wednesday 7 to Friday 9 October.
    rest = {D(2026, 10, d): "国庆节" for d in (1, 2, 3, 5, 6, 9)}
    calendar = HolidayCalendar([Override(2026, rest, {D(2026, 10, 10): "调休上班"})])
    assert calendar.source(2026) == "override"
    assert not calendar.is_rest_day(D(2026, 10, 7)) and calendar.is_rest_day(D(2026, 10, 9))
    assert calendar.is_rest_day(D(2026, 9, 20))  # the package's make-up day is not in the loaded schedule
    assert calendar.activity_day_for(2026, 10) == D(2026, 10, 7)
    assert calendar.is_rest_day(D(2026, 9, 27))  # weekends stay rest days unless listed as working


def test_a_late_december_make_up_day_of_next_years_schedule_applies():
    calendar = HolidayCalendar([Override(2032, {D(2032, 1, 2): "元旦"}, {D(2031, 12, 27): "调休上班"})])
    assert not calendar.is_rest_day(D(2031, 12, 27))
    assert {"date": D(2031, 12, 27), "name": "调休上班"} in calendar.year_days(2031)["workdays"]


def test_the_november_warning_when_next_years_schedule_is_not_loaded():
    calendar = HolidayCalendar([Override(2029, {D(2029, 1, 1): "元旦"}, {})])
    assert calendar.source(2030) == "estimated"
    assert calendar.schedule_warning(D(2029, 10, 31)) is None
    warning = calendar.schedule_warning(D(2029, 11, 1))
    assert warning["year"] == 2030 and "2030" in warning["text"]
    loaded = HolidayCalendar([Override(2029, {D(2029, 1, 1): "元旦"}, {}), Override(2030, {D(2030, 1, 1): "元旦"}, {})])
    assert loaded.schedule_warning(D(2029, 11, 1)) is None
    # A year running on estimates warns at any time.
    assert HolidayCalendar().schedule_warning(D(2035, 3, 1))["year"] == 2035


# --- loading the official schedule ---------------------------------------------------------------

SCHEDULE_2027 = """date,kind,name
2027-01-01,rest,元旦
2027-02-06,rest,春节
2027-02-07,rest,春节
2027-02-08,rest,春节
2027-02-09,rest,春节
2027-02-10,rest,春节
2027-02-11,rest,春节
2027-02-12,rest,春节
2027-02-20,work,调休上班
2027-10-01,rest,国庆节
2027-10-04,rest,国庆节
2027-10-05,rest,国庆节
2027-10-06,rest,国庆节
2027-10-07,rest,国庆节
2027-10-09,work,调休上班
"""


def test_a_top_level_committee_loads_the_schedule_and_it_overrides_the_package(client, auth, world, monkeypatch):
    from server.calendar import days

    # The package as it was before the 2027 notice (tests/server/calendars.py).
    monkeypatch.setattr(days, "package_year", published_until(2026))
    before = client.get("/api/v1/calendar/years/2027", headers=auth.headers("member"))
    assert before.status_code == 200 and before.json["source"] == "estimated"
    assert before.json["activity_days"][9] == "2027-10-06"
    loaded = client.put("/api/v1/calendar/years/2027", json={"csv": SCHEDULE_2027, "note": "国办发明电"},
                        headers=auth.headers("committee"))
    assert loaded.status_code == 200, loaded.json
    assert loaded.json["source"] == "override"
    assert loaded.json["activity_days"][9] == "2027-10-13"  # 6 October is now a day off
    assert {"date": "2027-02-20", "name": "调休上班"} in loaded.json["workdays"]
    again = client.put("/api/v1/calendar/years/2027", json={"csv": SCHEDULE_2027, "note": "国办发明电"},
                       headers=auth.headers("committee"))
    assert again.status_code == 200 and again.json["rest_days"] == loaded.json["rest_days"]
    removed = client.delete("/api/v1/calendar/years/2027", headers=auth.headers("committee"))
    assert removed.status_code == 204
    assert client.get("/api/v1/calendar/years/2027", headers=auth.headers("member")).json["source"] == "estimated"


def test_days_as_a_list_are_accepted_and_bad_days_refused(client, auth, world):
    ok = client.put("/api/v1/calendar/years/2028", json={"days": [{"date": "2028-01-01", "kind": "rest", "name": "元旦"}]},
                    headers=auth.headers("committee"))
    assert ok.status_code == 200, ok.json
    weekday_work = client.put("/api/v1/calendar/years/2028", json={"days": [{"date": "2028-01-05", "kind": "work"}]},
                              headers=auth.headers("committee"))
    assert weekday_work.status_code == 422
    other_year = client.put("/api/v1/calendar/years/2028", json={"csv": "2029-01-01,rest"},
                            headers=auth.headers("committee"))
    assert other_year.status_code == 422
    garbage = client.put("/api/v1/calendar/years/2028", json={"csv": "tomorrow,maybe"}, headers=auth.headers("committee"))
    assert garbage.status_code == 422 and "csv" in garbage.json["errors"]["json"]
    both = client.put("/api/v1/calendar/years/2028", json={"csv": "2028-01-01,rest", "days": []},
                      headers=auth.headers("committee"))
    assert both.status_code == 422


def test_only_top_level_committee_accounts_load_schedules(app, client, auth, world):
    with app.app_context():
        from server.auth.operations import create_user

        parent = factories.create_committee("市委组织部")
        child = factories.create_committee("镇党委", parent=parent)
        create_user("township", factories.PASSWORD, committee_id=child.id)
        db.session.commit()
    body = {"csv": "2030-01-01,rest,元旦"}
    for who in ("member", "secretary_a", "township"):
        assert client.put("/api/v1/calendar/years/2030", json=body, headers=auth.headers(who)).status_code == 403
    assert client.put("/api/v1/calendar/years/2030", json=body).status_code == 401
    assert client.put("/api/v1/calendar/years/2030", json=body, headers=auth.headers("committee")).status_code == 200
    assert client.delete("/api/v1/calendar/years/2030", headers=auth.headers("secretary_a")).status_code == 403


def test_calendar_status_warns_in_november_until_next_year_is_loaded(client, auth, world, clock):
    clock.set_now(D(2029, 11, 2))
    client.put("/api/v1/calendar/years/2029", json={"csv": "2029-01-01,rest"}, headers=auth.headers("committee"))
    status = client.get("/api/v1/calendar/status", headers=auth.headers("member"))
    assert status.status_code == 200
    assert status.json["warning"]["year"] == 2030
    assert status.json["years"] == [{"year": 2029, "source": "override"}, {"year": 2030, "source": "estimated"}]
    client.put("/api/v1/calendar/years/2030", json={"csv": "2030-01-01,rest"}, headers=auth.headers("committee"))
    assert client.get("/api/v1/calendar/status", headers=auth.headers("member")).json["warning"] is None
    clock.set_now(D(2029, 10, 30))
    client.delete("/api/v1/calendar/years/2030", headers=auth.headers("committee"))
    assert client.get("/api/v1/calendar/status", headers=auth.headers("member")).json["warning"] is None


def test_operations_is_rest_day_and_activity_day_for_read_the_loaded_schedule(app, client, auth, world):
    from server.calendar.operations import activity_day_for, is_rest_day

    client.put("/api/v1/calendar/years/2027", json={"csv": SCHEDULE_2027}, headers=auth.headers("committee"))
    with app.app_context():
        assert is_rest_day(D(2027, 10, 6)) and not is_rest_day(D(2027, 10, 9))
        assert activity_day_for(2027, 10) == D(2027, 10, 13)
        assert activity_day_for(2027, 2) == D(2027, 2, 3)


# --- the iCalendar feed --------------------------------------------------------------------------

def parse_ics(data: bytes) -> list[dict]:
    """A strict little reader: CRLF line ends, physical lines of at most 75 octets, balanced blocks."""
    assert data.endswith(b"\r\n")
    physical = data.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in physical), max(physical, key=len)
    assert not any(b"\n" in line or b"\r" in line for line in physical)
    logical: list[str] = []
    for line in physical:
        text = line.decode("utf-8")  # folding never splits a character
        if text.startswith(" "):
            logical[-1] += text[1:]
        else:
            logical.append(text)
    assert logical[0] == "BEGIN:VCALENDAR" and logical[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in logical and any(line.startswith("PRODID:") for line in logical)
    events, current, depth = [], None, 0
    for line in logical:
        name, _, value = line.partition(":")
        if name == "BEGIN":
            depth += 1
            if value == "VEVENT":
                current = {}
        elif name == "END":
            depth -= 1
            if value == "VEVENT":
                events.append(current)
                current = None
        elif current is not None:
            current[name] = value
    assert depth == 0
    for event in events:
        for key in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            assert key in event
        for key in ("DTSTAMP", "DTSTART", "DTEND"):
            assert re.fullmatch(r"\d{8}T\d{6}Z", event[key])
    return events


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def test_folding_never_splits_a_character_and_keeps_lines_short():
    line = "DESCRIPTION:" + "中国共产党" * 40
    folded = fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def feed_url(client, auth, who):
    created = client.post("/api/v1/me/calendar-feed", headers=auth.headers(who))
    assert created.status_code == 201, created.json
    return created.json["url"]


def test_members_feed_lists_their_events_with_notices_and_not_others(app, client, auth, world):
    with app.app_context():
        a = db.session.get(Branch, world.branch_a)
        group = db.session.get(Group, world.group_a)
        other_group = factories.create_group(a, "第二党小组")
        ours = factories.create_event_for(a, kind=EventKind.group_meeting, title="第一党小组会", group_id=group.id)
        theirs = factories.create_event_for(a, kind=EventKind.group_meeting, title="第二党小组会",
                                            group_id=other_group.id)
        committee = factories.create_event_for(a, kind=EventKind.branch_committee_meeting, title="支委会")
        cancelled = factories.create_event_for(a, title="取消的党课", kind=EventKind.party_lecture,
                                               status=EventStatus.cancelled)
        event_a = db.session.get(Event, world.event_a)
        event_a.notice = "请带好党员活动证; 准时参加, 谢谢\n第二行"
        db.session.commit()
        ids = {"ours": ours.id, "theirs": theirs.id, "committee": committee.id, "cancelled": cancelled.id}
    url = feed_url(client, auth, "member")
    response = client.get(url.replace("http://localhost", ""))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    events = {e["UID"]: e for e in parse_ics(response.data)}
    uid = lambda i: f"event-{i}@zhibu"  # noqa: E731
    assert uid(world.event_a) in events and uid(ids["ours"]) in events
    assert uid(ids["theirs"]) not in events and uid(ids["committee"]) not in events
    assert uid(world.event_b) not in events
    assert events[uid(ids["cancelled"])]["STATUS"] == "CANCELLED"
    assert unescape(events[uid(world.event_a)]["DESCRIPTION"]).endswith("请带好党员活动证; 准时参加, 谢谢\n第二行")
    # The floating member sees the host branch's events, not the home branch's.
    floating = {e["UID"] for e in parse_ics(client.get(feed_url(client, auth, "floating")).data)}
    assert uid(world.event_a) in floating and uid(world.event_b) not in floating
    # The secretary sits on the branch committee.
    secretary = {e["UID"] for e in parse_ics(client.get(feed_url(client, auth, "secretary_a")).data)}
    assert uid(ids["committee"]) in secretary


def test_feed_url_is_private_regenerable_and_needs_no_login(client, auth, world):
    # No feed yet: an empty state, not an error (the settings screen asked, and logged a 404).
    none = client.get("/api/v1/me/calendar-feed", headers=auth.headers("member"))
    assert none.status_code == 200 and none.json == {"exists": False, "url": None, "webcal_url": None, "created_at": None}
    first = feed_url(client, auth, "member")
    shown = client.get("/api/v1/me/calendar-feed", headers=auth.headers("member"))
    assert shown.status_code == 200 and shown.json["url"] == first
    assert shown.json["webcal_url"].startswith("webcal://")
    assert client.get(first).status_code == 200  # no Authorization header: the token is the credential
    second = feed_url(client, auth, "member")
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert client.get("/api/v1/calendar/" + "x" * 43 + ".ics").status_code == 404
    assert client.get("/api/v1/calendar/short.ics").status_code == 404
    assert client.post("/api/v1/me/calendar-feed", headers=auth.headers("committee")).status_code == 403
    assert client.get("/api/v1/me/calendar-feed").status_code == 401


def test_the_token_is_not_stored_in_the_clear(app, client, auth, world):
    url = feed_url(client, auth, "member")
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    with app.app_context():
        from server.calendar.models import CalendarFeed

        feed = db.session.query(CalendarFeed).one()
        assert token not in (feed.salt, feed.token_digest)
        assert db.session.get(Member, feed.member_id).id == world.member


# --- the plan's activity days follow a newly loaded schedule -------------------------------------

# Suppose the 2027 notice gave Wednesdays 3 March, 2 June and 6 October off: March, June and
# October's activity days move a week (to the 10th, the 9th and the 13th).
SCHEDULE_2027_MOVES = "2027-01-01,rest,元旦\n2027-03-03,rest,调休\n2027-06-02,rest,调休\n2027-10-06,rest,国庆节\n"


def test_loading_a_schedule_moves_the_plans_activity_days_except_those_edited_by_hand(
        app, client, auth, world, clock, monkeypatch):
    from server.audit.models import AuditEntry
    from server.calendar import days

    monkeypatch.setattr(days, "package_year", published_until(2026))  # 2027 is an estimate
    clock.set_now(D(2026, 12, 10))
    with app.app_context():
        # Branch B planned its March activity day itself, before generating the plan.
        own_march = factories.create_event_for(db.session.get(Branch, world.branch_b), kind=EventKind.activity_day,
                                               title="3月主题党日（自行安排）",
                                               starts_at=factories.china_time(D(2027, 3, 3), 9)).id
        db.session.commit()
    plans = {}
    for branch, who in ((world.branch_a, "secretary_a"), (world.branch_b, "secretary_b")):
        generated = client.post(f"/api/v1/branches/{branch}/activity-day-plan", json={"year": 2027, "place": "会议室"},
                                headers=auth.headers(who))
        assert generated.status_code == 200, generated.json
        plans[branch] = {m["month"]: m["event"] for m in generated.json["months"]}
    a, b = plans[world.branch_a], plans[world.branch_b]
    assert [a[m]["starts_at"] for m in (3, 6, 10)] == [
        "2027-03-03T06:30:00+00:00", "2027-06-02T06:30:00+00:00", "2027-10-06T06:30:00+00:00"]
    assert b[3]["id"] == own_march
    # A's secretary moves October's to the morning (by hand), and gives March a new place (not its time);
    # June's is cancelled.
    patched = client.patch(f"/api/v1/events/{a[10]['id']}", json={
        "starts_at": "2027-10-06T01:00:00+00:00", "ends_at": "2027-10-06T03:00:00+00:00"},
        headers=auth.headers("secretary_a"))
    assert patched.status_code == 200, patched.json
    assert client.patch(f"/api/v1/events/{a[3]['id']}", json={"place": "村史馆"},
                        headers=auth.headers("secretary_a")).status_code == 200
    with app.app_context():
        db.session.get(Event, a[6]["id"]).status = EventStatus.cancelled
        db.session.commit()

    loaded = client.put("/api/v1/calendar/years/2027", json={"csv": SCHEDULE_2027_MOVES},
                        headers=auth.headers("committee"))
    assert loaded.status_code == 200, loaded.json
    assert loaded.json["activity_days"][2] == "2027-03-10"
    assert (loaded.json["plan_events_moved"], loaded.json["plan_events_not_moved"]) == (3, 1)
    with app.app_context():
        def when(event_id):
            e = db.session.get(Event, event_id)
            return [t.isoformat() for t in (e.starts_at, e.ends_at, e.checkin_opens_at, e.checkin_closes_at)]

        # Moved a week, at the same time of day, with its check-in window.
        assert when(a[3]["id"]) == ["2027-03-10T06:30:00+00:00", "2027-03-10T08:30:00+00:00",
                                    "2027-03-10T06:00:00+00:00", "2027-03-10T09:00:00+00:00"]
        assert when(b[6]["id"])[0] == "2027-06-09T06:30:00+00:00"
        assert when(b[10]["id"])[0] == "2027-10-13T06:30:00+00:00"
        # Edited by hand, cancelled, not from the plan: where they were.
        assert when(a[10]["id"])[0] == "2027-10-06T01:00:00+00:00"
        assert when(a[6]["id"])[0] == "2027-06-02T06:30:00+00:00"
        assert when(own_march)[0] == "2027-03-03T01:00:00+00:00"
        # Every month that did not change stays.
        assert when(a[1]["id"])[0] == a[1]["starts_at"] and when(b[11]["id"])[0] == b[11]["starts_at"]
        audited = db.session.execute(sa.select(AuditEntry.action, AuditEntry.target_id, AuditEntry.branch_id)
                                     .where(AuditEntry.action.like("event.%calendar%"))
                                     .order_by(AuditEntry.id)).all()
        assert sorted(audited) == sorted([
            ("event.moved_by_calendar", a[3]["id"], world.branch_a),
            ("event.not_moved_by_calendar", a[10]["id"], world.branch_a),
            ("event.moved_by_calendar", b[6]["id"], world.branch_b),
            ("event.moved_by_calendar", b[10]["id"], world.branch_b)])
        # The members expected at a moved activity day are told, as for any reschedule.
        from server.notifications.models import Notification

        told = db.session.execute(sa.select(Notification.event_id, Notification.kind)).all()
        rescheduled = {e for e, k in told if str(k) == "rescheduled"}
        # (a[10] was told when the secretary moved it by hand, above.)
        assert rescheduled == {a[3]["id"], b[6]["id"], b[10]["id"], a[10]["id"]}

    # The secretary is told, in the branch's compliance view (whatever month it shows).
    def changes(branch, who):
        response = client.get(f"/api/v1/branches/{branch}/compliance?year=2026&month=11", headers=auth.headers(who))
        assert response.status_code == 200, response.json
        return [{k: v for k, v in c.items() if k != "at"} for c in response.json["calendar_changes"]]

    assert changes(world.branch_a, "secretary_a") == [
        {"event_id": a[3]["id"], "title": "3月主题党日活动", "from": "2027-03-03", "to": "2027-03-10", "moved": True,
         "reason": None},
        {"event_id": a[10]["id"], "title": "10月主题党日活动", "from": "2027-10-06", "to": "2027-10-13",
         "moved": False, "reason": "edited_by_hand"}]
    assert [(c["event_id"], c["moved"]) for c in changes(world.branch_b, "secretary_b")] == [
        (b[6]["id"], True), (b[10]["id"], True)]
    plan = client.get(f"/api/v1/branches/{world.branch_b}/activity-day-plan?year=2027", headers=auth.headers("member_b"))
    assert all(m["on_rule_date"] for m in plan.json["months"] if m["month"] != 3)

    # Loading the same schedule again moves nothing more.
    again = client.put("/api/v1/calendar/years/2027", json={"csv": SCHEDULE_2027_MOVES},
                       headers=auth.headers("committee"))
    assert (again.json["plan_events_moved"], again.json["plan_events_not_moved"]) == (0, 0)
    assert len(changes(world.branch_b, "secretary_b")) == 2

    # Removed after March's day: the year returns to the estimate; what is still ahead moves back.
    clock.set_now(D(2027, 3, 20))
    assert client.delete("/api/v1/calendar/years/2027", headers=auth.headers("committee")).status_code == 204
    with app.app_context():
        assert when(a[3]["id"])[0] == "2027-03-10T06:30:00+00:00"  # past: stays
        assert when(b[6]["id"])[0] == "2027-06-02T06:30:00+00:00"
        assert when(b[10]["id"])[0] == "2027-10-06T06:30:00+00:00"
        assert when(a[10]["id"])[0] == "2027-10-06T01:00:00+00:00"
    assert [(c["event_id"], c["from"], c["to"], c["moved"]) for c in changes(world.branch_b, "secretary_b")] == [
        (b[6]["id"], "2027-06-09", "2027-06-02", True), (b[10]["id"], "2027-10-13", "2027-10-06", True)]
    # A's October is on the rule date again: nothing to check there any more.
    assert changes(world.branch_a, "secretary_a") == []
    # The list covers the last 30 days.
    clock.set_now(D(2027, 4, 25))
    assert changes(world.branch_b, "secretary_b") == []


def test_a_past_rule_date_does_not_pull_a_planned_activity_day_into_the_past(app, client, auth, world, clock,
                                                                              monkeypatch):
    from server.calendar import days

    monkeypatch.setattr(days, "package_year", published_until(2026))
    clock.set_now(D(2027, 1, 2))
    generated = client.post(f"/api/v1/branches/{world.branch_a}/activity-day-plan", json={"year": 2027},
                            headers=auth.headers("secretary_a"))
    january = generated.json["months"][0]["event"]
    assert january["starts_at"] == "2027-01-06T06:30:00+00:00"
    # 6 January a day off, then the schedule is removed on the 8th: the rule date (6th) is past, the
    # event (13th) is not: it stays, and is listed as not moved.
    client.put("/api/v1/calendar/years/2027", json={"csv": "2027-01-01,rest\n2027-01-06,rest"},
               headers=auth.headers("committee"))
    clock.set_now(D(2027, 1, 8))
    assert client.delete("/api/v1/calendar/years/2027", headers=auth.headers("committee")).status_code == 204
    view = client.get(f"/api/v1/branches/{world.branch_a}/compliance", headers=auth.headers("secretary_a")).json
    last = view["calendar_changes"][-1]
    assert (last["event_id"], last["from"], last["to"], last["moved"], last["reason"]) == (
        january["id"], "2027-01-13", "2027-01-06", False, "past")
    with app.app_context():
        assert db.session.get(Event, january["id"]).starts_at.isoformat() == "2027-01-13T06:30:00+00:00"
