"""Loading the official holiday schedule from the PWA: the preview (what saving would move, changing
nothing), validation named by line, who may, and the branches' managers told what moved."""
from __future__ import annotations

import datetime as dt
import random

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.core.db import db
from server.events.models import Event
from server.notifications.models import Notification
from server.org.models import Branch
from tests.server import factories
from tests.server.calendars import published_until

D = dt.date
URL = "/api/v1/calendar/years/2027"


@pytest.fixture
def planned(app, client, auth, world, clock, monkeypatch):
    """2027 an estimate; on 10 December 2026 both branches of the committee generated their 2027
    plan (activity days on the first Wednesdays, 14:30), and branch A moved October's by hand."""
    from server.calendar import days

    monkeypatch.setattr(days, "package_year", published_until(2026))
    clock.set_now(D(2026, 12, 10))
    plans = {}
    for branch, who in ((world.branch_a, "secretary_a"), (world.branch_b, "secretary_b")):
        generated = client.post(f"/api/v1/branches/{branch}/activity-day-plan", json={"year": 2027, "place": "会议室"},
                                headers=auth.headers(who))
        assert generated.status_code == 200, generated.json
        plans[branch] = {m["month"]: m["event"]["id"] for m in generated.json["months"]}
    patched = client.patch(f"/api/v1/events/{plans[world.branch_a][10]}", json={
        "starts_at": "2027-10-06T01:00:00+00:00", "ends_at": "2027-10-06T03:00:00+00:00"},
        headers=auth.headers("secretary_a"))
    assert patched.status_code == 200, patched.json
    return plans


def starts(app) -> dict[int, str]:
    with app.app_context():
        return {e.id: e.starts_at.isoformat() for e in db.session.scalars(sa.select(Event))}


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_the_preview_lists_per_branch_what_would_move_and_changes_nothing(app, client, auth, world, planned):
    a, b = planned[world.branch_a], planned[world.branch_b]
    body = {"days": [{"date": "2027-03-01", "kind": "rest", "name": "调休"},
                     {"date": "2027-03-03", "kind": "rest", "name": "调休"},
                     {"date": "2027-10-06", "kind": "rest", "name": "国庆节"},
                     {"date": "2027-10-09", "kind": "work", "name": "调休上班"}]}
    before, audits = starts(app), count(app, AuditEntry)
    preview = client.post(f"{URL}/preview", json=body, headers=auth.headers("committee"))
    assert preview.status_code == 200, preview.json
    p = preview.json
    assert (p["year"], p["source"], p["rest_days"], p["workdays"]) == (2027, "estimated", 3, 1)
    assert p["activity_days"] == [{"month": 3, "from": "2027-03-03", "to": "2027-03-10"},
                                  {"month": 10, "from": "2027-10-06", "to": "2027-10-13"}]
    by_branch = {x["branch_id"]: x for x in p["branches"]}
    assert by_branch[world.branch_a]["branch_name"] == "红旗村党支部"
    assert by_branch[world.branch_a]["events"] == [
        {"event_id": a[3], "title": "3月主题党日活动", "from": "2027-03-03", "to": "2027-03-10",
         "starts_at": "2027-03-10T06:30:00+00:00", "moved": True, "reason": None},
        {"event_id": a[10], "title": "10月主题党日活动", "from": "2027-10-06", "to": "2027-10-13",
         "starts_at": "2027-10-06T01:00:00+00:00", "moved": False, "reason": "edited_by_hand"}]
    assert [(e["event_id"], e["moved"]) for e in by_branch[world.branch_b]["events"]] == [(b[3], True), (b[10], True)]
    assert (p["moved"], p["not_moved"], p["other_branches"]) == (3, 1, 0)
    # Nothing changed: no event, no schedule, no audit entry, nobody told.
    assert starts(app) == before and count(app, AuditEntry) == audits
    assert count(app, Notification, Notification.kind == "calendar") == 0
    assert client.get(URL, headers=auth.headers("member")).json["source"] == "estimated"
    # Another top-level committee sees the same moves counted, not its neighbours' branches and events.
    other = client.post(f"{URL}/preview", json=body, headers=auth.headers("other_committee")).json
    assert (other["branches"], other["moved"], other["other_branches"]) == ([], 3, 2)


def test_after_saving_the_events_moved_exactly_as_previewed(app, client, auth, world, planned):
    """The property, over random schedules loaded one after another: every event the preview lists
    starts where it said, every other event stays where it was, and the counts agree."""
    rng = random.Random(16)
    wednesdays = [D(2027, 1, 6) + dt.timedelta(weeks=w) for w in range(51)]
    saturdays = [D(2027, 1, 2) + dt.timedelta(weeks=w) for w in range(52)]
    moved = 0
    for round_ in range(6):
        days = [{"date": d.isoformat(), "kind": "rest", "name": "假日"} for d in rng.sample(wednesdays, rng.randint(1, 12))]
        days += [{"date": d.isoformat(), "kind": "work"} for d in rng.sample(saturdays, rng.randint(0, 3))]
        body = {"days": days}
        if round_ == 3:  # the same through the CSV upload
            body = {"csv": "\n".join(f"{d['date']},{'休' if d['kind'] == 'rest' else '班'}" for d in days)}
        before = starts(app)
        preview = client.post(f"{URL}/preview", json=body, headers=auth.headers("committee"))
        assert preview.status_code == 200, preview.json
        listed = {e["event_id"]: e for x in preview.json["branches"] for e in x["events"]}
        saved = client.put(URL, json=body, headers=auth.headers("committee"))
        assert saved.status_code == 200, saved.json
        after = starts(app)
        for event_id, start in after.items():
            expected = listed[event_id]["starts_at"] if event_id in listed else before[event_id]
            assert dt.datetime.fromisoformat(start) == dt.datetime.fromisoformat(expected), (round_, event_id)
        assert (saved.json["plan_events_moved"], saved.json["plan_events_not_moved"]) == (
            preview.json["moved"], preview.json["not_moved"])
        assert [m["to"] for m in preview.json["activity_days"]] == [
            saved.json["activity_days"][m["month"] - 1] for m in preview.json["activity_days"]]
        moved += preview.json["moved"]
    assert moved >= 6  # the rounds did move days (and back)


def test_every_bad_line_is_named_in_chinese_and_nothing_is_saved(app, client, auth, world, planned):
    csv = ("日期,类型,名称\n"
           "2027-02-06,休,春节\n"
           "2027-13-01,休,春节\n"  # no such month
           "2027-02-08,放个假\n"  # kind
           "2027-02-10,班,调休上班\n"  # a Wednesday
           "2028-01-01,休,元旦\n"  # another year
           "2027/2/6,休,春节\n"  # the same day as line 2, written as a spreadsheet writes it
           "\n"
           "2027-02-20,班\n")
    before, audits = starts(app), count(app, AuditEntry)
    for method, path in (("put", URL), ("post", f"{URL}/preview")):
        refused = getattr(client, method)(path, json={"csv": csv}, headers=auth.headers("committee"))
        assert refused.status_code == 422, refused.json
        assert "未保存" in refused.json["message"]
        errors = refused.json["errors"]["json"]["csv"]
        # Lines that cannot be read are named first; once they are fixed, the dates are checked.
        assert sorted(errors) == ["3", "4"]
        assert errors["3"][0].startswith("第3行：日期“2027-13-01”无法识别")
        assert errors["4"] == ["第4行：类型应为“休”（放假）或“班”（调休上班）。"]
    fixed_lines = csv.replace("2027-13-01,休,春节\n", "2027-02-07,休,春节\n").replace("放个假", "休")
    refused = client.put(URL, json={"csv": fixed_lines}, headers=auth.headers("committee"))
    assert refused.status_code == 422
    errors = refused.json["errors"]["json"]["csv"]
    assert errors == {"5": ["第5行：2027-02-10是星期三，调休上班日应是周六或周日。"],
                      "6": ["第6行：2028-01-01不在2027年的安排内（只可含上一年12月最后两周的调休上班日）。"],
                      "7": ["第7行：2027-02-06与第2行重复。"]}
    days = client.put(URL, json={"days": [{"date": "2027-02-10", "kind": "work"}]}, headers=auth.headers("committee"))
    assert days.json["errors"]["json"]["days"] == {"2027-02-10": ["2027-02-10：2027-02-10是星期三，调休上班日应是周六或周日。"]}
    empty = client.put(URL, json={"csv": "日期,类型,名称\n"}, headers=auth.headers("committee"))
    assert empty.status_code == 422 and empty.json["errors"]["json"]["csv"] == {"0": ["安排中没有任何日期。"]}
    assert starts(app) == before and count(app, AuditEntry) == audits
    assert client.get(URL, headers=auth.headers("member")).json["source"] == "estimated"
    good = fixed_lines.replace("2027-02-10,班", "2027-02-21,班").replace("2028-01-01", "2027-01-01").replace("2027/2/6", "2026-12-26")
    good = good.replace("2026-12-26,休", "2026-12-26,班")
    assert client.put(URL, json={"csv": "\ufeff" + good}, headers=auth.headers("committee")).status_code == 200


def test_only_top_level_committee_accounts_preview(app, client, auth, world):
    with app.app_context():
        from server.auth.operations import create_user

        child = factories.create_committee("镇党委", parent=db.session.get(Branch, world.branch_a).committee)
        create_user("township", factories.PASSWORD, committee_id=child.id)
        db.session.commit()
    body = {"csv": "2027-01-01,休,元旦"}
    for who in ("member", "secretary_a", "township"):
        assert client.post(f"{URL}/preview", json=body, headers=auth.headers(who)).status_code == 403
    assert client.post(f"{URL}/preview", json=body).status_code == 401
    assert client.post(f"{URL}/preview", json=body, headers=auth.headers("committee")).status_code == 200
    assert client.post("/api/v1/calendar/years/1999/preview", json=body, headers=auth.headers("committee")).status_code == 404
    # The PWA shows the loading screen to those the server lets load.
    me = {who: client.get("/api/v1/auth/me", headers=auth.headers(who)).json["is_top_committee"]
          for who in ("committee", "other_committee", "township", "secretary_a", "member")}
    assert me == {"committee": True, "other_committee": True, "township": False, "secretary_a": False, "member": False}


def test_the_branches_managers_are_told_what_moved_and_what_to_check(app, client, auth, world, planned):
    a = planned[world.branch_a]
    body = {"csv": "2027-03-03,休,调休\n2027-10-06,休,国庆节\n"}
    assert client.put(URL, json=body, headers=auth.headers("committee")).status_code == 200

    def calendar_notes(who):
        rows = client.get("/api/v1/me/notifications", headers=auth.headers(who)).json
        rows = rows["items"] if isinstance(rows, dict) else rows
        return [(n["title"], n["body"], n["event_id"]) for n in rows if n["kind"] == "calendar"]

    assert calendar_notes("secretary_a") == [(
        "2027年节假日安排调整：1个统一活动日已移动",
        "3月主题党日活动：3月3日（星期三）→3月10日（星期三）；"
        "10月主题党日活动：10月6日（星期三）→10月13日（星期三）（已手动改过时间，未移动，请核对）", None)]
    assert calendar_notes("secretary_b") == [(
        "2027年节假日安排调整：2个统一活动日已移动",
        "3月主题党日活动：3月3日（星期三）→3月10日（星期三）；10月主题党日活动：10月6日（星期三）→10月13日（星期三）", None)]
    assert calendar_notes("member") == []  # members hear of their own events (rescheduled), not the plan
    with app.app_context():
        told = db.session.scalars(sa.select(Notification.event_id).where(Notification.kind == "rescheduled")).all()
    assert a[3] in told
    # Loading the same schedule again moves nothing, and tells nobody again.
    assert client.put(URL, json=body, headers=auth.headers("committee")).status_code == 200
    assert len(calendar_notes("secretary_a")) == 1
    # Removing it moves the days back, and says so.
    assert client.delete(URL, headers=auth.headers("committee")).status_code == 204
    notes = calendar_notes("secretary_b")
    assert len(notes) == 2 and "3月10日（星期三）→3月3日（星期三）" in notes[0][1] + notes[1][1]
