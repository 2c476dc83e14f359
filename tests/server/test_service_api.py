"""Education and service (system 6): service posts and assignments, members' own study and service
records submitted from the phone (idempotent, limited, with a photo), confirmed or refused by the branch."""
from __future__ import annotations

import datetime as dt
import io

import pytest

from server.core.db import db

API = "/api/v1"
D = dt.date
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


@pytest.fixture
def app_config(tmp_path):
    return {"UPLOAD_FOLDER": str(tmp_path / "uploads"), "MINUTES_PHOTO_MAX_BYTES": 1024, "OWN_RECORDS_PER_DAY": 3}


@pytest.fixture
def today(clock):
    clock.set_now(D(2026, 10, 20))
    return D(2026, 10, 20)


def submit(client, auth, who="member", photo=None, **fields):
    data = {"client_id": "rec-000001", "kind": "study", "occurred_on": "2026-10-18", "title": "学习党章", **fields}
    if photo is not None:
        data["file"] = (io.BytesIO(photo), "photo.jpg")
    return client.post(f"{API}/me/service-records", data=data, headers=auth.headers(who),
                       content_type="multipart/form-data")


def create_post(client, auth, world, **fields):
    body = {"kind": "responsibility_zone", "title": "村东片区环境卫生", "cadence": "month", **fields}
    response = client.post(f"{API}/branches/{world.branch_a}/service-posts", json=body,
                           headers=auth.headers("secretary_a"))
    assert response.status_code == 201, response.json
    return response.json


def assign(client, auth, post_id, member_id, **fields):
    return client.post(f"{API}/service-posts/{post_id}/assignments", json={"member_id": member_id, **fields},
                       headers=auth.headers("secretary_a"))


def my_service(client, auth, who="member"):
    response = client.get(f"{API}/me/service", headers=auth.headers(who))
    assert response.status_code == 200, response.json
    return response.json


def test_a_member_submits_a_study_record_that_waits_for_the_branch_and_counts_once_confirmed(today, client, auth,
                                                                                            world):
    created = submit(client, auth, detail="自学党章第一至三章")
    assert created.status_code == 201, created.json
    record = created.json
    assert record["status"] == "acknowledged" and record["acknowledged_at"] and record["confirmed_at"] is None
    assert record["member_id"] == world.member and record["branch_id"] == world.branch_a
    assert record["detail"] == "自学党章第一至三章" and record["has_photo"] is False
    mine = my_service(client, auth)
    assert mine["counted"] == {"study": 0, "service": 0} and mine["waiting"] == 1
    assert [r["id"] for r in mine["records"]] == [record["id"]]
    # The secretary's confirmation list (records of the branch not confirmed yet) has it.
    waiting = client.get(f"{API}/records?branch_id={world.branch_a}&status=acknowledged",
                         headers=auth.headers("secretary_a")).json
    assert record["id"] in [r["id"] for r in waiting]
    confirmed = client.post(f"{API}/records/confirm", json={"record_ids": [record["id"]]},
                            headers=auth.headers("secretary_a"))
    assert confirmed.status_code == 200
    mine = my_service(client, auth)
    assert mine["counted"] == {"study": 1, "service": 0} and mine["waiting"] == 0
    assert mine["records"][0]["status"] == "confirmed"


def test_a_resend_of_the_same_submission_creates_nothing_new(today, client, auth, world):
    first = submit(client, auth, photo=JPEG)
    again = submit(client, auth, photo=JPEG)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json["id"] == first.json["id"]
    assert len(my_service(client, auth)["records"]) == 1
    other = submit(client, auth, title="另一件事")
    assert other.status_code == 409
    # The same client id is another member's own business.
    assert submit(client, auth, who="member2").status_code == 201


@pytest.mark.parametrize(("fields", "field"), [
    ({"occurred_on": "2026-10-21"}, "occurred_on"),  # tomorrow
    ({"occurred_on": "2025-10-19"}, "occurred_on"),  # more than a year back
    ({"title": ""}, "title"),
    ({"title": "长" * 201}, "title"),
    ({"detail": "长" * 2001}, "detail"),
    ({"kind": "reward"}, "kind"),
    ({"client_id": "short"}, "client_id"),
])
def test_submissions_are_validated(today, client, auth, world, fields, field):
    response = submit(client, auth, **fields)
    assert response.status_code == 422
    assert field in response.json["errors"]["files"]


def test_a_year_back_is_still_accepted(today, client, auth, world):
    assert submit(client, auth, occurred_on="2025-10-20").status_code == 201


def test_submissions_are_limited_per_member_and_day(today, client, auth, world, clock):
    for i in range(3):
        assert submit(client, auth, client_id=f"rec-limit-{i}").status_code == 201
    refused = submit(client, auth, client_id="rec-limit-9")
    assert refused.status_code == 429  # the phone keeps it and tries again later
    # A resend of one already stored is still answered.
    assert submit(client, auth, client_id="rec-limit-0").status_code == 200
    clock.set_now(D(2026, 10, 21))
    assert submit(client, auth, client_id="rec-limit-9").status_code == 201


@pytest.mark.parametrize(("data", "status"), [(WEBP, 415), (b"GIF89a" + b"\x00" * 20, 415), (JPEG + b"\x00" * 1024, 413)])
def test_photos_are_jpeg_or_png_and_size_limited(today, client, auth, world, data, status):
    assert submit(client, auth, photo=data).status_code == status
    assert my_service(client, auth)["records"] == []


def test_the_photo_is_a_file_seen_by_the_member_and_the_branch_not_by_others(today, client, auth, world, tmp_path):
    record = submit(client, auth, photo=PNG).json
    assert record["has_photo"] is True
    files = list((tmp_path / "uploads" / "records").rglob("*.png"))
    assert len(files) == 1 and files[0].read_bytes() == PNG
    url = f"{API}/records/{record['id']}/photo"
    for who in ("member", "secretary_a", "committee"):
        response = client.get(url, headers=auth.headers(who))
        assert response.status_code == 200 and response.data == PNG
        assert response.mimetype == "image/png" and response.headers["X-Content-Type-Options"] == "nosniff"
    for who in ("member2", "secretary_b", "other_committee"):
        assert client.get(url, headers=auth.headers(who)).status_code == 403
    without = submit(client, auth, client_id="rec-nophoto").json
    assert client.get(f"{API}/records/{without['id']}/photo", headers=auth.headers("member")).status_code == 404


def test_the_branch_refuses_with_a_reason_the_member_sees_and_it_never_counts(today, client, auth, world):
    record = submit(client, auth).json
    refused = client.post(f"{API}/records/{record['id']}/refuse", json={"reason": "与本人实际不符"},
                          headers=auth.headers("secretary_a"))
    assert refused.status_code == 200
    assert refused.json["status"] == "refused" and refused.json["refused_reason"] == "与本人实际不符"
    mine = my_service(client, auth)
    assert mine["records"][0]["status"] == "refused" and mine["records"][0]["refused_reason"] == "与本人实际不符"
    assert mine["counted"]["study"] == 0 and mine["waiting"] == 0
    # No longer waiting for confirmation; listed as refused.
    waiting = client.get(f"{API}/records?branch_id={world.branch_a}&status=acknowledged",
                         headers=auth.headers("secretary_a")).json
    assert record["id"] not in [r["id"] for r in waiting]
    listed = client.get(f"{API}/records?status=refused", headers=auth.headers("member")).json
    assert [r["id"] for r in listed] == [record["id"]]
    # The member's year summary does not count it.
    from server.evaluation.operations import year_summary
    from server.org.models import Member
    with client.application.app_context():
        assert year_summary(db.session.get(Member, world.member), 2026)["records_by_kind"].get("study") is None
    # A secretary changing their mind confirms it: the refusal is taken back.
    client.post(f"{API}/records/confirm", json={"record_ids": [record["id"]]}, headers=auth.headers("secretary_a"))
    again = my_service(client, auth)["records"][0]
    assert again["status"] == "confirmed" and again["refused_reason"] is None


def test_only_the_branch_refuses_and_only_unconfirmed_own_records(today, client, auth, world):
    record = submit(client, auth).json
    body = {"reason": "不符"}
    for who in ("member", "secretary_b", "committee"):
        assert client.post(f"{API}/records/{record['id']}/refuse", json=body,
                           headers=auth.headers(who)).status_code == 403
    # An attendance record is not refused (it is corrected once confirmed).
    assert client.post(f"{API}/records/{world.record_member}/refuse", json=body,
                       headers=auth.headers("secretary_a")).status_code == 409
    client.post(f"{API}/records/confirm", json={"record_ids": [record["id"]]}, headers=auth.headers("secretary_a"))
    assert client.post(f"{API}/records/{record['id']}/refuse", json=body,
                       headers=auth.headers("secretary_a")).status_code == 409


def test_the_secretary_runs_posts_and_assignments_and_sees_each_assignments_records(today, client, auth, world):
    post = create_post(client, auth, world, description="每月清扫一次")
    assert post["starts_on"] == "2026-10-20" and post["ends_on"] is None and post["source"] is None
    assert assign(client, auth, post["id"], world.member).status_code == 201
    assert assign(client, auth, post["id"], world.member).status_code == 409  # already on it
    assert assign(client, auth, post["id"], world.member_b).status_code == 422  # another branch's member
    record = submit(client, auth, kind="service", title="清扫村东道路", service_post_id=post["id"],
                    occurred_on="2026-10-20")
    assert record.status_code == 201, record.json
    assert record.json["service_post_id"] == post["id"]
    listing = client.get(f"{API}/branches/{world.branch_a}/service-posts", headers=auth.headers("secretary_a")).json
    [row] = listing
    assert row["post"]["id"] == post["id"] and row["period"] == "2026-10" and row["period_end"] == "2026-10-31"
    [a] = row["assignments"]
    assert a["member_name"] == "李明" and [r["id"] for r in a["records"]] == [record.json["id"]] and a["met"] is False
    # The member sees the post as theirs.
    mine = my_service(client, auth)
    assert [p["post"]["title"] for p in mine["posts"]] == ["村东片区环境卫生"]
    assert mine["posts"][0]["waiting"] == 1 and mine["posts"][0]["confirmed"] == 0
    patched = client.patch(f"{API}/service-posts/{post['id']}", json={"cadence": "quarter"},
                           headers=auth.headers("secretary_a"))
    assert patched.status_code == 200 and patched.json["cadence"] == "quarter"
    ended = client.post(f"{API}/service-posts/{post['id']}/end", json={}, headers=auth.headers("secretary_a"))
    assert ended.status_code == 200 and ended.json["ends_on"] == "2026-10-20"
    assert my_service(client, auth)["posts"][0]["post"]["ends_on"] == "2026-10-20"  # still today
    assert client.get(f"{API}/branches/{world.branch_a}/service-posts?include_ended=true",
                      headers=auth.headers("committee")).status_code == 200


def test_a_service_record_names_only_a_post_its_member_was_assigned_to_that_day(today, client, auth, world):
    post = create_post(client, auth, world)
    refused = submit(client, auth, kind="service", service_post_id=post["id"], occurred_on="2026-10-20")
    assert refused.status_code == 422 and "service_post_id" in refused.json["errors"]["files"]
    assign(client, auth, post["id"], world.member)
    before = submit(client, auth, kind="service", service_post_id=post["id"], occurred_on="2026-10-19")
    assert before.status_code == 422  # the day before the assignment began
    study = submit(client, auth, kind="study", service_post_id=post["id"], occurred_on="2026-10-20")
    assert study.status_code == 422


def test_ending_an_assignment_removes_the_post_from_the_members_screen(today, client, auth, world, clock):
    post = create_post(client, auth, world)
    a = assign(client, auth, post["id"], world.member).json
    ended = client.post(f"{API}/service-assignments/{a['id']}/end", json={"on": "2026-10-20"},
                        headers=auth.headers("secretary_a"))
    assert ended.status_code == 200 and ended.json["ends_on"] == "2026-10-20"
    clock.set_now(D(2026, 10, 21))
    assert my_service(client, auth)["posts"] == []


def test_featured_templates_create_and_end_posts_through_the_contract(today, app, world):
    from server.records.models import Record
    from server.service.models import ServiceAssignment, ServicePost
    from server.service.operations import assign as assign_member, create_service_post, end_service_posts
    from tests.server.factories import create_record
    from server.org.models import Member

    with app.test_request_context():
        post = create_service_post(world.branch_a, kind="commitment", title="公开承诺", description=None,
                                   cadence="year", source="template:village-commitment")
        other = create_service_post(world.branch_a, kind="volunteering", title="志愿服务", description=None,
                                    cadence="month")
        assert post.id and post.starts_on == D(2026, 10, 20) and post.source == "template:village-commitment"
        a = assign_member(post, world.member, None, actor_id=None)
        record = create_record(db.session.get(Member, world.member), service_post_id=post.id)
        assert end_service_posts(world.branch_a, "template:village-commitment", D(2026, 12, 31)) == 1
        assert end_service_posts(world.branch_a, "template:village-commitment", D(2026, 12, 31)) == 0
        db.session.commit()
        assert db.session.get(ServicePost, post.id).ends_on == D(2026, 12, 31)
        assert db.session.get(ServiceAssignment, a.id).ends_on == D(2026, 12, 31)
        assert db.session.get(ServicePost, other.id).ends_on is None
        assert db.session.get(Record, record.id) is not None  # records stay


def test_the_pull_tells_the_member_of_a_refusal(today, client, auth, world):
    from sync import PROTOCOL_VERSION

    record = submit(client, auth, photo=JPEG).json
    client.post(f"{API}/records/{record['id']}/refuse", json={"reason": "照片与内容不符"},
                headers=auth.headers("secretary_a"))
    changes = client.get(f"{API}/sync/pull?protocol_version={PROTOCOL_VERSION}&limit=500",
                         headers=auth.headers("member")).json["changes"]
    mine = [c["data"] for c in changes if c["entity"] == "record" and c["id"] == record["id"]]
    assert mine and mine[-1]["status"] == "refused" and mine[-1]["refused_reason"] == "照片与内容不符"
    assert mine[-1]["has_photo"] is True


def test_managing_posts_is_for_the_branchs_managers(today, client, auth, world):
    body = {"kind": "vanguard_post", "title": "先锋岗", "cadence": "quarter"}
    for who in ("member", "secretary_b", "committee"):
        assert client.post(f"{API}/branches/{world.branch_a}/service-posts", json=body,
                           headers=auth.headers(who)).status_code == 403
    for who in ("member", "secretary_b", "other_committee"):
        assert client.get(f"{API}/branches/{world.branch_a}/service-posts",
                          headers=auth.headers(who)).status_code == 403
    assert client.get(f"{API}/me/service", headers=auth.headers("committee")).status_code == 403


@pytest.mark.parametrize("kind", ["training", "lecture", "report_meeting", "discussion", "online_study"])
def test_education_events_are_planned_like_any_event(today, client, auth, world, kind):
    body = {"kind": kind, "title": "学习", "starts_at": "2026-10-22T01:00:00+00:00", "ends_at": "2026-10-22T03:00:00+00:00"}
    created = client.post(f"{API}/branches/{world.branch_a}/events", json=body, headers=auth.headers("secretary_a"))
    assert created.status_code == 201, created.json
    assert created.json["kind"] == kind
    # Its branch's members are expected at it (and so check in like at any event).
    sheet = client.get(f"{API}/events/{created.json['id']}/attendance", headers=auth.headers("secretary_a")).json
    assert any(row["member_id"] == world.member and row["expected"] for row in sheet)
