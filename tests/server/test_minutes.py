"""Minutes (会议记录): idempotent text writes, photos stored outside the database, access."""
from __future__ import annotations

import hashlib
import io
import os

import pytest

from server.core.db import db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


@pytest.fixture
def app_config(tmp_path):
    return {"UPLOAD_FOLDER": str(tmp_path / "uploads"), "MINUTES_PHOTO_MAX_BYTES": 1024}


def put_minutes(client, auth, event_id, text, nonce, who="secretary_a", **extra):
    return client.put(f"/api/v1/events/{event_id}/minutes", json={"text": text, "nonce": nonce, **extra},
                      headers=auth.headers(who))


def upload(client, auth, event_id, data, photo_id="photo-0001", who="secretary_a", name="p.png"):
    return client.post(f"/api/v1/events/{event_id}/minutes/photos",
                       data={"photo_id": photo_id, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", headers=auth.headers(who))


def test_minutes_text_is_an_idempotent_upsert_by_nonce(client, auth, world):
    first = put_minutes(client, auth, world.event_a, "一、传达学习上级精神。", "phone-nonce-1")
    assert first.status_code == 200, first.json
    assert first.json["version"] == 1 and first.json["text"] == "一、传达学习上级精神。"
    second = put_minutes(client, auth, world.event_a, "一、传达学习上级精神。二、研究发展党员。", "phone-nonce-2")
    assert second.json["version"] == 2
    # The outbox retries the first write after the second landed: nothing changes.
    replay = put_minutes(client, auth, world.event_a, "一、传达学习上级精神。", "phone-nonce-1")
    assert replay.status_code == 200 and replay.json["version"] == 2
    assert replay.json["text"].endswith("二、研究发展党员。")
    got = client.get(f"/api/v1/events/{world.event_a}/minutes", headers=auth.headers("member"))
    assert got.status_code == 200 and got.json["version"] == 2


def test_a_write_based_on_an_older_version_is_a_conflict(client, auth, world):
    put_minutes(client, auth, world.event_a, "初稿", "nonce-aaaa-1")
    put_minutes(client, auth, world.event_a, "二稿", "nonce-bbbb-1", base_version=1)
    stale = put_minutes(client, auth, world.event_a, "另一个二稿", "nonce-cccc-1", base_version=1)
    assert stale.status_code == 409


def test_photos_are_stored_as_files_with_their_digest_and_served_to_those_who_see_the_event(app, client, auth,
                                                                                           world, tmp_path):
    created = upload(client, auth, world.event_a, PNG)
    assert created.status_code == 201, created.json
    photo = created.json
    assert photo["content_type"] == "image/png" and photo["size"] == len(PNG)
    assert photo["sha256"] == hashlib.sha256(PNG).hexdigest()
    files = [os.path.join(d, f) for d, _, fs in os.walk(tmp_path / "uploads") for f in fs]
    assert len(files) == 1 and files[0].endswith(".png") and f"{os.sep}{world.event_a}{os.sep}" in files[0]
    url = f"/api/v1/events/{world.event_a}/minutes/photos/{photo['id']}"
    for who in ("member", "secretary_a", "floating", "committee"):
        with client.get(url, headers=auth.headers(who)) as got:
            assert got.status_code == 200, who
            assert got.data == PNG and got.headers["Content-Type"] == "image/png"
            assert got.headers["X-Content-Type-Options"] == "nosniff"
    cached = client.get(url, headers={**auth.headers("member"), "If-None-Match": f'"{photo["sha256"]}"'})
    assert cached.status_code == 304
    for who in ("member_b", "secretary_b", "other_committee"):
        assert client.get(url, headers=auth.headers(who)).status_code == 403, who
    assert client.get(url).status_code == 401
    assert client.get(f"/api/v1/events/{world.event_b}/minutes/photos/{photo['id']}",
                      headers=auth.headers("secretary_b")).status_code == 404
    minutes = client.get(f"/api/v1/events/{world.event_a}/minutes", headers=auth.headers("member")).json
    assert [p["id"] for p in minutes["photos"]] == [photo["id"]]


def test_a_retried_upload_returns_the_stored_photo(client, auth, world, tmp_path):
    first = upload(client, auth, world.event_a, JPEG, photo_id="retry-photo-1")
    again = upload(client, auth, world.event_a, JPEG, photo_id="retry-photo-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json["id"] == first.json["id"]
    files = [f for _, _, fs in os.walk(tmp_path / "uploads") for f in fs]
    assert len(files) == 1
    other = upload(client, auth, world.event_a, WEBP, photo_id="retry-photo-1")
    assert other.status_code == 409


@pytest.mark.parametrize("data,status", [
    (b"GIF89a" + b"\x00" * 40, 415),  # not an accepted type
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", 415),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000, 413),  # over the configured 1 KB
    (b"", 422),
])
def test_photos_are_checked_by_their_bytes_and_size(client, auth, world, data, status):
    response = upload(client, auth, world.event_a, data, name="photo.png")
    assert response.status_code == status, response.json
    assert response.json["message"]


def test_webp_is_accepted_whatever_the_file_is_called(client, auth, world):
    response = upload(client, auth, world.event_a, WEBP, name="photo.exe")
    assert response.status_code == 201 and response.json["content_type"] == "image/webp"


def test_only_the_branchs_managers_write_minutes(client, auth, world):
    for who in ("member", "floating", "secretary_b", "committee"):
        assert put_minutes(client, auth, world.event_a, "记录", "nonce-deny-1", who=who).status_code == 403, who
        assert upload(client, auth, world.event_a, PNG, who=who).status_code == 403, who
    # Nothing was written: an empty state, not an error (the app opened every event with a 404).
    empty = client.get(f"/api/v1/events/{world.event_a}/minutes", headers=auth.headers("secretary_a"))
    assert empty.status_code == 200 and empty.json["text"] is None and empty.json["photos"] == []
    assert empty.json["exists"] is False and empty.json["version"] == 0


def test_a_cancelled_event_has_no_minutes(app, client, auth, world):
    from server.core.enums import EventStatus
    from server.events.models import Event

    with app.app_context():
        db.session.get(Event, world.event_a).status = EventStatus.cancelled
        db.session.commit()
    assert put_minutes(client, auth, world.event_a, "记录", "nonce-cancel-1").status_code == 409
