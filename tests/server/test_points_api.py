"""The points scheme through the API: who may see and do what, the suggested scheme, the featured
systems' rules, computation (confirmed records only, caps, absences, dues), publication and its
snapshot, each member's own view, and no ranking anywhere."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from server.core.db import db
from server.core.enums import EventKind, LeaveStatus, RecordKind
from server.dues.models import DuesPayment, DuesPaymentMonth
from server.events.models import Event, LeaveRequest
from server.org.models import Branch, Member
from server.points import operations
from server.points.models import PointsRule
from tests.server.factories import china_time, create_meeting, create_record

D = dt.date
API = "/api/v1"
CONFIRMED = china_time(D(2026, 10, 2))


@pytest.fixture
def q3(app, clock, world):
    """Branch A's third quarter of 2026 (the world is registered on 1 June): a general assembly on
    10 July (李明 confirmed, 王芳 unconfirmed, 赵书记 absent without leave), an activity day on 5 August
    (王芳 and 赵书记 confirmed, 李明 on approved leave), twelve confirmed study records of 李明 and one
    unconfirmed, and 李明's dues of July and August paid in full. Today: 20 October."""
    with app.test_request_context():
        a = db.session.get(Branch, world.branch_a)
        li, wang, zhao = (db.session.get(Member, i) for i in (world.member, world.member2, world.secretary_a))
        assembly = create_meeting(a, EventKind.general_assembly, D(2026, 7, 10), title="7月党员大会")
        day = create_meeting(a, EventKind.activity_day, D(2026, 8, 5), title="8月统一活动日")
        records = {"li_assembly": create_record(li, event=assembly, occurred_on=D(2026, 7, 10), confirmed_at=CONFIRMED),
                   "wang_assembly": create_record(wang, event=assembly, occurred_on=D(2026, 7, 10)),
                   "wang_day": create_record(wang, event=day, occurred_on=D(2026, 8, 5), confirmed_at=CONFIRMED),
                   "zhao_day": create_record(zhao, event=day, occurred_on=D(2026, 8, 5), confirmed_at=CONFIRMED)}
        db.session.add(LeaveRequest(event_id=day.id, member_id=li.id, reason="出差", status=LeaveStatus.approved))
        for i in range(12):
            records[f"study{i}"] = create_record(li, kind=RecordKind.study, occurred_on=D(2026, 7, 1 + i),
                                                 title=f"学习{i}", confirmed_at=CONFIRMED)
        records["study_pending"] = create_record(li, kind=RecordKind.study, occurred_on=D(2026, 9, 1), title="未确认")
        payment = DuesPayment(nonce="points-dues-1", member_id=li.id, branch_id=a.id, months="2026-07,2026-08",
                              amount_fen=200, due_fen=200, paid_at=china_time(D(2026, 7, 5)), paid_on=D(2026, 7, 5))
        db.session.add(payment)
        db.session.flush()
        db.session.add_all([DuesPaymentMonth(payment_id=payment.id, member_id=li.id, month=D(2026, m, 1),
                                             due_fen=100, amount_fen=100) for m in (7, 8)])
        db.session.commit()
        ids = {k: r.id for k, r in records.items()} | {"assembly": assembly.id, "day": day.id}
    clock.set_now(D(2026, 10, 20))
    return ids


@pytest.fixture
def in_june(clock):
    clock.set_now(D(2026, 6, 1))


def suggested(client, auth, world, who="secretary_a"):
    return client.post(f"{API}/branches/{world.branch_a}/points/scheme/suggested", headers=auth.headers(who))


def period(client, auth, world, label="2026-Q3", who="secretary_a"):
    return client.get(f"{API}/branches/{world.branch_a}/points/periods/{label}", headers=auth.headers(who))


def publish(client, auth, world, label="2026-Q3", who="secretary_a"):
    return client.post(f"{API}/branches/{world.branch_a}/points/periods/{label}/publish", headers=auth.headers(who))


def mine(client, auth, who="member"):
    response = client.get(f"{API}/me/points", headers=auth.headers(who))
    assert response.status_code == 200, response.json
    return response.json


def test_a_branch_without_a_scheme_has_none_and_cannot_publish(in_june, q3, client, auth, world):
    view = client.get(f"{API}/branches/{world.branch_a}/points/scheme", headers=auth.headers("member")).json
    assert view["scheme"] is None and view["rules"] == []
    assert any(k["key"] == "event:activity_day" and k["label"] == "参加统一活动日" for k in view["keys"])
    assert mine(client, auth)["preview"] is None
    refused = publish(client, auth, world)
    assert refused.status_code == 409 and refused.json["errors"]["reason"] == "no_scheme"


def test_the_suggested_scheme_once_then_the_secretary_edits_it(in_june, client, auth, world):
    created = suggested(client, auth, world)
    assert created.status_code == 201, created.json
    assert created.json["scheme"] == {**created.json["scheme"], "publish_every": "quarter", "absence_deduction": 2}
    rules = {r["key"]: r for r in created.json["rules"]}
    assert rules["record:study"]["points"] == 1 and rules["record:study"]["cap_per_period"] == 10
    assert rules["record:punishment"]["points"] == -10 and rules["dues:month"]["points"] == 1
    assert suggested(client, auth, world).json["errors"]["reason"] == "scheme_exists"
    body = {"publish_every": "year", "absence_deduction": 0,
            "rules": [{"key": "record:service", "title": "志愿服务", "points": 3, "cap_per_period": None}]}
    saved = client.put(f"{API}/branches/{world.branch_a}/points/scheme", json=body, headers=auth.headers("secretary_a"))
    assert saved.status_code == 200, saved.json
    assert saved.json["scheme"]["publish_every"] == "year"
    assert [(r["key"], r["points"]) for r in saved.json["rules"]] == [("record:service", 3)]
    for bad in ({"key": "record:attendance", "title": "x", "points": 1}, {"key": "record:sleep", "title": "x", "points": 1}):
        refused = client.put(f"{API}/branches/{world.branch_a}/points/scheme", headers=auth.headers("secretary_a"),
                             json={**body, "rules": [bad]})
        assert refused.status_code == 422
    twice = client.put(f"{API}/branches/{world.branch_a}/points/scheme", headers=auth.headers("secretary_a"),
                       json={**body, "rules": body["rules"] * 2})
    assert twice.status_code == 422


def test_featured_system_rules_are_added_idempotently_and_the_branch_rule_of_a_key_wins(app, client, auth, world):
    items = [{"key": "featured:disclosure", "title": "党务公开", "points": 3, "cap_per_period": None},
             {"key": "record:service", "title": "模板服务", "points": 4, "cap_per_period": 8}]
    with app.test_request_context():
        operations.add_points_rules(world.branch_a, items, "template:disclosure")
        operations.add_points_rules(world.branch_a, items, "template:disclosure")
        operations.use_suggested(db.session.get(Branch, world.branch_a), None)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PointsRule).where(
            PointsRule.source == "template:disclosure")) == 2
    view = client.get(f"{API}/branches/{world.branch_a}/points/scheme", headers=auth.headers("secretary_a")).json
    service = {r["source"]: r["applies"] for r in view["rules"] if r["key"] == "record:service"}
    assert service == {"branch": True, "template:disclosure": False}
    assert any(r["key"] == "featured:disclosure" and r["applies"] for r in view["rules"])
    # The branch's own edits leave the template's rules alone.
    client.put(f"{API}/branches/{world.branch_a}/points/scheme", headers=auth.headers("secretary_a"),
               json={"publish_every": "quarter", "absence_deduction": 2, "rules": []})
    view = client.get(f"{API}/branches/{world.branch_a}/points/scheme", headers=auth.headers("secretary_a")).json
    assert {(r["key"], r["applies"]) for r in view["rules"]} == {("featured:disclosure", True), ("record:service", True)}
    with app.test_request_context():
        assert operations.remove_points_rules(world.branch_a, "template:disclosure") == 2
        assert operations.remove_points_rules(world.branch_a, "template:disclosure") == 0
        db.session.commit()


def test_the_secretary_checks_each_members_points_by_name_from_confirmed_records(in_june, q3, client, auth, world):
    suggested(client, auth, world)
    response = period(client, auth, world)
    assert response.status_code == 200, response.json
    data = response.json
    assert data["published"] is False and data["can_publish"] is True and data["publish_deadline"] == "2026-10-15"
    # Name order (李, 王, 赵), never by points: 李明 has the most and comes first only by name.
    assert [m["name"] for m in data["members"]] == ["李明", "王芳", "赵书记"]
    li, wang, zhao = data["members"]
    assert li["total"] == 2 + 10 + 2  # assembly; study capped at 10; two months of dues
    study = [l for l in li["lines"] if l["key"] == "record:study"]
    assert len(study) == 12 and sum(l["capped"] for l in study) == 2
    assert {l["record_id"] for l in study} == {q3[f"study{i}"] for i in range(12)}  # not the unconfirmed one
    assert [l["month"] for l in li["lines"] if l["key"] == "dues:month"] == ["2026-07", "2026-08"]
    assert not [l for l in li["lines"] if l["key"] == "absence"]  # excused from the activity day
    assert wang["total"] == 2 and [l["record_id"] for l in wang["lines"]] == [q3["wang_day"]]  # assembly unconfirmed
    assert [(l["key"], l["event_id"], l["points"]) for l in zhao["lines"]] == [
        ("absence", q3["assembly"], -2), ("event:activity_day", q3["day"], 2)]
    assert all(m["total"] == sum(l["points"] for l in m["lines"]) for m in data["members"])


def test_absences_agree_with_the_attendance_sheet(in_june, q3, app, client, auth, world):
    from server.compliance.registry import QUARTER, Period
    from server.events.attendance import attendance_sheet

    suggested(client, auth, world)
    with app.test_request_context():
        q = Period(QUARTER, 2026, 3)
        computed = operations.compute_branch(world.branch_a, q, D(2026, 10, 20))
        computed |= operations.compute_branch(world.branch_b, q, D(2026, 10, 20))  # B has no scheme: nothing
        for key in ("assembly", "day"):
            sheet = attendance_sheet(db.session.get(Event, q3[key]))
            absent = {r["member_id"] for r in sheet if r["state"] == "absent" and r["expected"]}
            from_points = {mid for mid, row in computed.items()
                           if any(l["key"] == "absence" and l["event_id"] == q3[key] for l in row["lines"])}
            assert from_points == absent - {world.floating}
        operations.use_suggested(db.session.get(Branch, world.branch_b), None)
        floating = operations.compute_branch(world.branch_b, q, D(2026, 10, 20))[world.floating]
        # The member floating to A is expected at A's assembly and activity day (the host's), like the sheet says.
        assert {l["event_id"] for l in floating["lines"] if l["key"] == "absence"} == {q3["assembly"], q3["day"]}
        db.session.rollback()


def test_publishing_waits_for_the_period_to_end_and_happens_once(in_june, q3, app, client, auth, world, clock):
    suggested(client, auth, world)
    clock.set_now(D(2026, 9, 30))
    early = publish(client, auth, world)
    assert early.status_code == 409 and early.json["errors"]["reason"] == "period_open"
    assert "2026-10-01" in early.json["message"]
    assert period(client, auth, world).json["cannot_publish_because"]
    clock.set_now(D(2026, 10, 20))
    assert publish(client, auth, world, "2026").json["errors"]["reason"] == "period_kind"
    done = publish(client, auth, world)
    assert done.status_code == 201, done.json
    assert done.json["period"] == "2026-Q3" and done.json["period_zh"] == "2026年第3季度"
    again = publish(client, auth, world)
    assert again.status_code == 409 and again.json["errors"]["reason"] == "already_published"
    notes = client.get(f"{API}/me/notifications", headers=auth.headers("member")).json
    note = next(n for n in (notes["items"] if isinstance(notes, dict) else notes) if n["kind"] == "points")
    assert note["title"] == "积分已公示" and "14" not in note["body"] and "分：" not in note["body"]
    periods = client.get(f"{API}/branches/{world.branch_a}/points/periods", headers=auth.headers("secretary_a")).json
    assert periods["current_period"] == "2026-Q4"
    q = next(p for p in periods["periods"] if p["period"] == "2026-Q3")
    assert q["ended"] and q["published_at"] and "members" not in q


def test_a_published_snapshot_never_changes(in_june, q3, app, client, auth, world):
    suggested(client, auth, world)
    assert publish(client, auth, world).status_code == 201
    before_branch, before_member = period(client, auth, world).json, mine(client, auth, "member2")["published"]
    with app.test_request_context():  # 王芳's assembly record is confirmed after the publication; a rule changes
        from server.records.models import Record

        db.session.get(Record, q3["wang_assembly"]).confirmed_at = china_time(D(2026, 10, 21))
        db.session.commit()
    client.put(f"{API}/branches/{world.branch_a}/points/scheme", headers=auth.headers("secretary_a"),
               json={"publish_every": "quarter", "absence_deduction": 5, "rules": []})
    assert period(client, auth, world).json["members"] == before_branch["members"]
    assert mine(client, auth, "member2")["published"] == before_member
    assert before_member[0]["total"] == 2


def test_a_member_sees_the_rules_their_own_points_and_a_preview_and_nobody_else(in_june, q3, client, auth, world,
                                                                                clock):
    suggested(client, auth, world)
    publish(client, auth, world)
    clock.set_now(D(2026, 11, 5))
    with client.application.test_request_context():
        li = db.session.get(Member, world.member)
        create_record(li, kind=RecordKind.reward, occurred_on=D(2026, 11, 1), title="优秀党员", confirmed_at=CONFIRMED)
        db.session.commit()
    data = mine(client, auth)
    assert data["member_id"] == world.member and any(r["key"] == "record:study" for r in data["rules"])
    assert [(p["period"], p["total"]) for p in data["published"]] == [("2026-Q3", 14)]
    line = next(l for l in data["published"][0]["lines"] if l["key"] == "event:general_assembly")
    assert line["record_id"] == q3["li_assembly"] and line["title"] == "7月党员大会" and line["date"] == "2026-07-10"
    assert data["preview"]["period"] == "2026-Q4" and data["preview"]["published"] is False
    assert [l["title"] for l in data["preview"]["lines"]] == ["优秀党员"]
    text = str(data)
    assert "王芳" not in text and "赵书记" not in text
    assert str(world.member2) not in [str(v) for v in _ids(data)]


def _ids(value):
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("member_id",):
                yield v
            yield from _ids(v)
    elif isinstance(value, list):
        for v in value:
            yield from _ids(v)


def test_the_committee_and_members_never_see_a_periods_points(in_june, q3, client, auth, world):
    suggested(client, auth, world)
    for who in ("committee", "member", "member2"):
        assert period(client, auth, world, who=who).status_code == 403
        assert publish(client, auth, world, who=who).status_code == 403
    assert client.get(f"{API}/me/points", headers=auth.headers("committee")).status_code == 404


def test_the_api_offers_no_sorting_by_points_and_no_rank(client):
    spec = client.get(f"{API}/openapi.json").json
    points_paths = {path: ops for path, ops in spec["paths"].items() if "/points" in path}
    assert len(points_paths) == 6
    for ops in points_paths.values():
        for op in ops.values():
            if not isinstance(op, dict):
                continue
            names = {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
            assert not names, names  # no sort, order, top or rank parameter: nothing to sort by points
    words = str({name: s for name, s in spec["components"]["schemas"].items() if name.startswith(("Points", "MyPoints"))})
    for word in ("rank", "sort", "order", "average", "top"):
        assert word not in words.lower()


def test_unknown_periods_are_404(client, auth, world):
    for label in ("2026Q3", "2026-Q5", "26", "last"):
        assert period(client, auth, world, label).status_code == 404
