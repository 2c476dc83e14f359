"""Correction requests (整改通知): a committee sends, the branch answers, the committee accepts or
returns; out-of-order steps are refused; overdue shows on both sides; every step audited; the
branch's managers are told."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.core.db import db
from server.notifications.models import Notification, NotificationKind

TODAY = dt.date(2030, 3, 1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set_now(clock.china_time(TODAY, 10))


def send(client, auth, world, who="committee", **body):
    body = {"branch_id": world.branch_a, "rule_id": "3M1-group", "period": "2030-02",
            "deadline": (TODAY + dt.timedelta(days=15)).isoformat(), **body}
    return client.post(f"/api/v1/committees/{world.committee_id}/correction-requests", json=body,
                       headers=auth.headers(who))


def answer(client, auth, request_id, who="secretary_a", **body):
    body = {"text": "已补开党小组会并上传会议记录", "evidence": [], **body}
    return client.post(f"/api/v1/correction-requests/{request_id}/answers", json=body, headers=auth.headers(who))


def decide(client, auth, request_id, accept, reason=None, who="committee"):
    return client.post(f"/api/v1/correction-requests/{request_id}/decision", json={"accept": accept, "reason": reason},
                       headers=auth.headers(who))


def actions(app, request_id):
    with app.app_context():
        return db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.target_type == "correction_request",
                                                                     AuditEntry.target_id == request_id)
                                  .order_by(AuditEntry.id)).all()


def test_sent_answered_returned_answered_again_accepted(app, client, auth, world):
    created = send(client, auth, world)
    assert created.status_code == 201, created.json
    req = created.json
    assert req["state"] == "sent" and req["branch_name"] == "红旗村党支部" and req["overdue"] is False
    first = answer(client, auth, req["id"], evidence=[{"type": "event", "id": world.event_a},
                                                      {"type": "record", "id": world.record_member}])
    assert first.status_code == 201, first.json
    assert first.json["state"] == "answered" and first.json["answers"][0]["evidence"][0] == {"type": "event", "id": world.event_a, "title": "党员大会"}
    returned = decide(client, auth, req["id"], False, "会议记录缺少签到")
    assert returned.status_code == 200 and returned.json["state"] == "returned"
    # The branch sees the reason on its list.
    mine = client.get(f"/api/v1/branches/{world.branch_a}/correction-requests", headers=auth.headers("secretary_a")).json
    assert mine[0]["answers"][0]["decision_reason"] == "会议记录缺少签到" and mine[0]["answers"][0]["accepted"] is False
    assert answer(client, auth, req["id"], text="已补签到表").status_code == 201
    accepted = decide(client, auth, req["id"], True)
    assert accepted.status_code == 200 and accepted.json["state"] == "accepted" and accepted.json["closed_at"]
    assert [a["accepted"] for a in accepted.json["answers"]] == [False, True]
    assert actions(app, req["id"]) == ["correction.sent", "correction.answered", "correction.returned",
                                      "correction.answered", "correction.accepted"]


def test_steps_out_of_order_are_refused(client, auth, world):
    req = send(client, auth, world).json
    assert decide(client, auth, req["id"], True).status_code == 409  # nothing answered yet
    answer(client, auth, req["id"])
    assert answer(client, auth, req["id"]).status_code == 409  # already answered: waits for the committee
    assert decide(client, auth, req["id"], False).status_code == 422  # a return says why
    assert decide(client, auth, req["id"], True).status_code == 200
    assert decide(client, auth, req["id"], True).status_code == 409
    assert answer(client, auth, req["id"]).status_code == 409  # closed


def test_what_a_request_must_name(client, auth, world):
    assert send(client, auth, world, rule_id=None, period=None).status_code == 422  # neither rule nor finding
    assert send(client, auth, world, rule_id="NOPE").status_code == 422
    assert send(client, auth, world, deadline="2030-02-28").status_code == 422  # in the past
    assert send(client, auth, world, branch_id=world.branch_b + 1).status_code in (404, 422)  # another committee's
    finding = send(client, auth, world, rule_id=None, period=None, finding="党员档案未及时更新")
    assert finding.status_code == 201 and finding.json["finding"] == "党员档案未及时更新"


def test_evidence_must_be_the_branchs_own(client, auth, world):
    req = send(client, auth, world).json
    assert answer(client, auth, req["id"], evidence=[{"type": "event", "id": world.event_b}]).status_code == 422
    assert answer(client, auth, req["id"], evidence=[{"type": "record", "id": world.record_b}]).status_code == 422
    assert answer(client, auth, req["id"], evidence=[{"type": "minutes", "id": 1}]).status_code == 422


def test_who_may_send_see_answer_and_decide(client, auth, world):
    for who in ("secretary_a", "member", "other_committee"):
        assert send(client, auth, world, who=who).status_code == 403, who
    req = send(client, auth, world).json
    for who in ("member", "secretary_b", "floating", "other_committee"):
        assert client.get(f"/api/v1/correction-requests/{req['id']}", headers=auth.headers(who)).status_code == 403, who
        assert answer(client, auth, req["id"], who=who).status_code == 403, who
    for who in ("member", "secretary_b", "other_committee"):
        assert client.get(f"/api/v1/branches/{world.branch_a}/correction-requests", headers=auth.headers(who)).status_code == 403
    for who in ("secretary_a", "other_committee"):
        assert client.get(f"/api/v1/committees/{world.committee_id}/correction-requests",
                          headers=auth.headers(who)).status_code == 403
    assert answer(client, auth, req["id"], who="committee").status_code == 403
    assert answer(client, auth, req["id"]).status_code == 201
    for who in ("secretary_a", "member", "other_committee"):
        assert decide(client, auth, req["id"], True, who=who).status_code == 403, who


def test_overdue_first_on_both_sides(client, auth, world, clock):
    later = send(client, auth, world, deadline="2030-03-20").json
    soon = send(client, auth, world, deadline="2030-03-05").json
    done = send(client, auth, world, deadline="2030-03-03").json
    answer(client, auth, done["id"])
    decide(client, auth, done["id"], True)
    clock.set_now(clock.china_time(dt.date(2030, 3, 10), 10))
    for who, path in (("committee", f"/committees/{world.committee_id}"), ("secretary_a", f"/branches/{world.branch_a}")):
        rows = client.get(f"/api/v1{path}/correction-requests", headers=auth.headers(who)).json
        assert [(r["id"], r["overdue"]) for r in rows] == [(soon["id"], True), (later["id"], False), (done["id"], False)]
    answered = client.get(f"/api/v1/committees/{world.committee_id}/correction-requests?state=accepted",
                          headers=auth.headers("committee")).json
    assert [r["id"] for r in answered] == [done["id"]]


def test_the_branchs_managers_are_told_when_it_arrives_and_when_returned(app, client, auth, world):
    req = send(client, auth, world).json
    answer(client, auth, req["id"])
    decide(client, auth, req["id"], False, "证据不足")
    with app.app_context():
        rows = db.session.execute(sa.select(Notification.member_id, Notification.title).where(
            Notification.kind == NotificationKind.correction).order_by(Notification.id)).all()
    assert [m for m, _ in rows] == [world.secretary_a, world.secretary_a]  # not the members, not branch B
    assert rows[0][1].startswith("整改通知") and rows[1][1].startswith("整改答复被退回")


def test_attachments_are_sniffed_and_kept_for_those_who_see_the_request(app, client, auth, world):
    req = send(client, auth, world).json
    url = f"/api/v1/correction-requests/{req['id']}/attachments"

    def upload(who, data, name="a.png"):
        return client.post(url, data={"file": (io.BytesIO(data), name)}, headers=auth.headers(who),
                           content_type="multipart/form-data")

    assert upload("committee", b"<html>not a photo</html>").status_code == 415
    sent = upload("committee", PNG)
    assert sent.status_code == 201 and sent.json["content_type"] == "image/png" and sent.json["answer_id"] is None
    assert upload("secretary_a", PNG).status_code == 409  # the branch attaches to its answer
    answer(client, auth, req["id"])
    pdf = upload("secretary_a", b"%PDF-1.4\n%...", "evidence.pdf")
    assert pdf.status_code == 201 and pdf.json["answer_id"] is not None and pdf.json["content_type"] == "application/pdf"
    assert upload("member", PNG).status_code == 403
    got = client.get(f"{url}/{sent.json['id']}", headers=auth.headers("secretary_a"))
    assert got.status_code == 200 and got.data == PNG and got.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"{url}/{sent.json['id']}", headers=auth.headers("secretary_b")).status_code == 403
    assert len(client.get(f"/api/v1/correction-requests/{req['id']}", headers=auth.headers("committee")).json["attachments"]) == 2


def test_the_year_in_the_secretarys_review(app, client, auth, world, clock):
    from server.corrections.operations import year_summary

    closed = send(client, auth, world, rule_id=None, period=None, finding="党员活动室制度未上墙").json
    answer(client, auth, closed["id"])
    clock.set_now(clock.china_time(dt.date(2030, 3, 5), 10))
    decide(client, auth, closed["id"], True)
    open_one = send(client, auth, world, deadline="2030-03-10").json
    send(client, auth, world, branch_id=world.branch_b)  # another branch's
    clock.set_now(clock.china_time(dt.date(2030, 3, 12), 10))
    with app.app_context():
        summary = year_summary(world.branch_a, 2030)
        assert year_summary(world.branch_a, 2029) == {"requested": 0, "closed": 0, "lines": []}
    assert summary["requested"] == 2 and summary["closed"] == 1
    assert summary["lines"][0] == "3月1日通知整改“党员活动室制度未上墙”，已于3月5日整改销号。"
    assert summary["lines"][1].startswith("3月5日通知整改“") and summary["lines"][1].endswith("待答复（期限3月10日，已逾期）。")
    assert open_one["id"] != closed["id"]
    # The review reads it (server/secretary_review's hook).
    review = client.get(f"/api/v1/branches/{world.branch_a}/secretary-reviews/2030", headers=auth.headers("secretary_a"))
    assert review.status_code == 200, review.json
    assert review.json["facts"]["corrections"]["requested"] == 2
