"""Notices and reminders that reach the members: in-app notifications for exactly the members
expected at an event (a notice, a cancellation, a new time, the day-before reminder), notice read
receipts, push subscriptions, and Web Push delivered to a local fake push service over TLS,
checked as a browser's push service would (the VAPID JWT) and decrypted as the phone would."""
from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import http_ece
import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import NameOID

from server.core.db import db
from server.core.enums import EventKind, EventStatus, LeaveStatus
from server.events.models import LeaveRequest
from server.notifications.models import NoticeRead, Notification, PushSubscription
from server.org.models import Branch, Member
from sync import clock as _clock
from tests.server import factories

API = "/api/v1"
CONTACT = "mailto:admin@example.org"
PUSH_ON = {"PUSH_CONTACT": CONTACT, "PUSH_ENDPOINT_HOSTS": ["127.0.0.1"]}
PUSH_OFF = {"PUSH_ENDPOINT_HOSTS": ["127.0.0.1"]}  # a push service we would accept, but no contact


@pytest.fixture
def app_config(request):
    """Push is off unless a test asks (`@pytest.mark.parametrize("app_config", [PUSH_ON], indirect=True)`)."""
    return getattr(request, "param", {})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def notified(app, **where) -> dict[int, list[Notification]]:
    """member id → their notifications matching `where` (kind=…, event_id=…)."""
    with app.app_context():
        stmt = sa.select(Notification).order_by(Notification.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(Notification, key) == value)
        result: dict[int, list[Notification]] = {}
        for n in db.session.scalars(stmt):
            result.setdefault(n.member_id, []).append(n)
        db.session.expunge_all()
        return result


def expected_at_a(world) -> set[int]:
    """A's general assembly expects A's members and the member floating to A."""
    return {world.member, world.member2, world.secretary_a, world.floating}


def publish(client, auth, event_id, text="请全体党员于上午9点准时到村委会参加党员大会。", who="secretary_a"):
    with client.post(f"{API}/events/{event_id}/notice", json={"notice": text}, headers=auth.headers(who)) as response:
        assert response.status_code == 200, response.json
        return response.json


# --- who is told ---------------------------------------------------------------------------------

def test_a_published_notice_reaches_exactly_the_members_expected(app, client, auth, world):
    publish(client, auth, world.event_a)
    got = notified(app, kind="notice")
    # The secretary who published it is not told; the member floating in from B is; B's own are not.
    assert set(got) == expected_at_a(world) - {world.secretary_a}
    [n] = got[world.member]
    assert n.event_id == world.event_a and n.read_at is None
    assert n.title == "活动通知：党员大会"
    assert n.body.startswith("请全体党员于上午9点")


def test_a_group_meeting_tells_only_the_groups_members(app, client, auth, world):
    with app.app_context():
        event = factories.create_event_for(db.session.get(Branch, world.branch_a), kind=EventKind.group_meeting,
                                           title="党小组会", group_id=world.group_a)
        db.session.commit()
        event_id = event.id
    publish(client, auth, event_id)
    assert set(notified(app, event_id=event_id)) == {world.member, world.member2}


def test_cancelling_tells_the_expected_members_and_keeps_the_reason(app, client, auth, world):
    url = f"{API}/events/{world.event_a}/cancel"
    assert client.post(url, json={"reason": "台风"}, headers=auth.headers("member")).status_code == 403
    assert client.post(url, json={"reason": " "}, headers=auth.headers("secretary_a")).status_code == 422
    assert client.post(url, json={"reason": "台风", "notify": False},
                       headers=auth.headers("secretary_a")).status_code == 422
    response = client.post(url, json={"reason": "台风预警，改期举行"}, headers=auth.headers("secretary_a"))
    assert response.status_code == 200, response.json
    assert response.json["status"] == "cancelled"
    assert response.json["cancel_reason"] == "台风预警，改期举行"
    assert response.json["cancelled_at"] is not None
    got = notified(app, kind="cancelled")
    assert set(got) == expected_at_a(world) - {world.secretary_a}
    [n] = got[world.floating]
    assert n.title == "活动取消：党员大会" and n.body.endswith("原因：台风预警，改期举行")
    # Once is enough; the reason stays; everyone sees it on the event.
    again = client.post(url, json={"reason": "再次取消"}, headers=auth.headers("secretary_a"))
    assert again.status_code == 409
    shown = client.get(f"{API}/events/{world.event_a}", headers=auth.headers("member")).json
    assert shown["status"] == "cancelled" and shown["cancel_reason"] == "台风预警，改期举行"
    # A notice cannot go out for a cancelled event.
    assert client.post(f"{API}/events/{world.event_a}/notice", json={"notice": "x"},
                       headers=auth.headers("secretary_a")).status_code == 409


def test_a_held_event_cannot_be_cancelled_nor_cancelled_by_a_patch(app, client, auth, world):
    headers = auth.headers("secretary_a")
    patched = client.patch(f"{API}/events/{world.event_a}", json={"status": "cancelled"}, headers=headers)
    assert patched.status_code == 422 and "cancel" in patched.json["message"]
    assert client.patch(f"{API}/events/{world.event_a}", json={"status": "held"}, headers=headers).status_code == 200
    response = client.post(f"{API}/events/{world.event_a}/cancel", json={"reason": "没开成"}, headers=headers)
    assert response.status_code == 409
    assert notified(app, kind="cancelled") == {}
    assert client.post(f"{API}/events/999999/cancel", json={"reason": "没开成"}, headers=headers).status_code == 404


def test_a_new_time_tells_the_members_and_other_changes_do_not(app, client, auth, world):
    headers = auth.headers("secretary_a")
    assert client.patch(f"{API}/events/{world.event_a}", json={"place": "党群服务中心"}, headers=headers).status_code == 200
    assert notified(app) == {}
    moved = {"starts_at": "2030-03-06T06:30:00+00:00", "ends_at": "2030-03-06T08:30:00+00:00"}
    response = client.patch(f"{API}/events/{world.event_a}", json=moved, headers=headers)
    assert response.status_code == 200, response.json
    got = notified(app, kind="rescheduled")
    assert set(got) == expected_at_a(world) - {world.secretary_a}
    [n] = got[world.member]
    assert n.title == "活动时间调整：党员大会"
    assert n.body == "时间改为3月6日（周三）14:30–16:30，地点：党群服务中心。"  # China's time
    # Still audited as an update.
    audit = client.get(f"{API}/branches/{world.branch_a}/audit", headers=headers).json
    assert any(e["action"] == "event.updated" and "starts_at" in e["data"]["fields"] for e in audit)


# --- the member's notifications -----------------------------------------------------------------

def test_my_notifications_newest_first_unread_filter_and_marking_read(app, client, auth, world, clock):
    clock.set_now(dt.date(2030, 3, 1))
    publish(client, auth, world.event_a, "第一份通知")
    clock.advance(dt.timedelta(minutes=5))
    publish(client, auth, world.event_a, "第二份通知")
    me = auth.headers("member")
    listed = client.get(f"{API}/me/notifications", headers=me)
    assert listed.status_code == 200
    assert [n["body"] for n in listed.json] == ["第二份通知", "第一份通知"]
    assert set(listed.json[0]) == {"id", "kind", "event_id", "title", "body", "created_at", "read_at"}
    assert json.loads(listed.headers["X-Pagination"])["total"] == 2
    page = client.get(f"{API}/me/notifications?page_size=1&page=2", headers=me).json
    assert [n["body"] for n in page] == ["第一份通知"]
    newest, oldest = listed.json

    # Someone else's notification is not there for them.
    for other in ("member2", "secretary_a", "committee"):
        assert client.post(f"{API}/me/notifications/{newest['id']}/read", headers=auth.headers(other)).status_code == 404
    assert client.post(f"{API}/me/notifications/{newest['id']}/read", headers=me).status_code == 204
    assert client.post(f"{API}/me/notifications/{newest['id']}/read", headers=me).status_code == 204  # idempotent
    unread = client.get(f"{API}/me/notifications?unread=true", headers=me).json
    assert [n["id"] for n in unread] == [oldest["id"]]
    assert client.get(f"{API}/me/notifications?unread=false", headers=me).json[0]["read_at"].startswith("2030-03-01")

    assert client.post(f"{API}/me/notifications/read-all", headers=me).status_code == 204
    assert client.get(f"{API}/me/notifications?unread=true", headers=me).json == []
    # member2's stay unread; the committee has none.
    assert len(client.get(f"{API}/me/notifications?unread=true", headers=auth.headers("member2")).json) == 2
    assert client.get(f"{API}/me/notifications", headers=auth.headers("committee")).json == []
    assert client.post(f"{API}/me/notifications/read-all", headers=auth.headers("committee")).status_code == 204


# --- notice read receipts -----------------------------------------------------------------------

def test_read_receipts_of_a_notice(app, client, auth, world, clock):
    clock.set_now(dt.date(2030, 3, 1))
    url = f"{API}/events/{world.event_a}/notice"
    sa_headers = auth.headers("secretary_a")
    assert client.post(f"{url}/read", headers=auth.headers("member")).status_code == 409  # no notice yet
    before = client.get(f"{url}/reads", headers=sa_headers).json
    assert before["published_at"] is None and before["read"] == []
    assert {m["member_id"] for m in before["unread"]} == expected_at_a(world)

    publish(client, auth, world.event_a)
    clock.advance(dt.timedelta(minutes=3))
    for who in ("member", "floating"):
        assert client.post(f"{url}/read", headers=auth.headers(who)).status_code == 204
    clock.advance(dt.timedelta(minutes=3))
    assert client.post(f"{url}/read", headers=auth.headers("member")).status_code == 204  # idempotent
    reads = client.get(f"{url}/reads", headers=sa_headers).json
    assert reads["published_at"].startswith("2030-03-01T02:00")
    # The secretary wrote it, so has read it; the member's first reading is the time kept.
    assert {r["member_id"]: r["read_at"][11:16] for r in reads["read"]} == {
        world.member: "02:03", world.floating: "02:03", world.secretary_a: "02:00"}
    assert {r["member_name"] for r in reads["read"]} == {"李明", "孙流动", "赵书记"}
    assert reads["unread"] == [{"member_id": world.member2, "member_name": "王芳"}]
    # Reading the notice reads its notification too.
    assert client.get(f"{API}/me/notifications?unread=true", headers=auth.headers("member")).json == []

    # Published again (changed): unread until opened again.
    clock.advance(dt.timedelta(hours=1))
    publish(client, auth, world.event_a, "时间不变，地点改在党群服务中心。")
    again = client.get(f"{url}/reads", headers=sa_headers).json
    assert {r["member_id"] for r in again["read"]} == {world.secretary_a}
    assert client.post(f"{url}/read", headers=auth.headers("member")).status_code == 204
    assert {r["member_id"] for r in client.get(f"{url}/reads", headers=sa_headers).json["read"]} == {
        world.secretary_a, world.member}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(NoticeRead)
                                 .where(NoticeRead.member_id == world.member)) == 1


def test_who_may_read_a_notice_and_see_the_receipts(app, client, auth, world):
    publish(client, auth, world.event_a)
    url = f"{API}/events/{world.event_a}/notice"
    for who, status in {"member": 204, "floating": 204, "secretary_a": 204, "member_b": 403, "secretary_b": 403,
                        "committee": 403}.items():
        assert client.post(f"{url}/read", headers=auth.headers(who)).status_code == status, who
    for who, status in {"secretary_a": 200, "member": 403, "floating": 403, "committee": 403, "secretary_b": 403}.items():
        assert client.get(f"{url}/reads", headers=auth.headers(who)).status_code == status, who
    assert client.post(f"{API}/events/999999/notice/read", headers=auth.headers("member")).status_code == 404


# --- the day-before reminders -------------------------------------------------------------------

def run_reminders(app, *args):
    result = app.test_cli_runner().invoke(args=["reminders", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_reminders_go_once_to_the_expected_members_of_tomorrows_planned_events(app, world, clock):
    today = dt.date(2030, 3, 5)
    clock.set_now(clock.china_time(today, 9, 30))
    with app.app_context():
        a, b = db.session.get(Branch, world.branch_a), db.session.get(Branch, world.branch_b)
        tomorrow = factories.create_event_for(a, title="党课", kind=EventKind.party_lecture,
                                              starts_at=clock.china_time(today + dt.timedelta(days=1), 0, 0),
                                              place="村委会")
        late = factories.create_event_for(a, title="主题党日", kind=EventKind.activity_day,
                                          starts_at=clock.china_time(today + dt.timedelta(days=1), 23, 30))
        of_b = factories.create_event_for(b, title="B的党员大会", starts_at=clock.china_time(today + dt.timedelta(days=1), 15))
        # Not tomorrow, or not planned: no reminder.
        factories.create_event_for(a, title="今天的会", starts_at=clock.china_time(today, 20))
        factories.create_event_for(a, title="后天的会", starts_at=clock.china_time(today + dt.timedelta(days=2), 0, 0))
        factories.create_event_for(a, title="取消的会", starts_at=clock.china_time(today + dt.timedelta(days=1), 9),
                                   status=EventStatus.cancelled)
        # member2 is excused from the lecture.
        db.session.add(LeaveRequest(event_id=tomorrow.id, member_id=world.member2, reason="出差",
                                    status=LeaveStatus.approved))
        db.session.commit()
        ids = {"tomorrow": tomorrow.id, "late": late.id, "of_b": of_b.id}

    assert "Reminders: 9 for 3 event(s)" in run_reminders(app)
    first = notified(app, kind="reminder")
    by_event = {}
    for member_id, rows in first.items():
        for n in rows:
            by_event.setdefault(n.event_id, set()).add(member_id)
    assert by_event == {
        ids["tomorrow"]: expected_at_a(world) - {world.member2},
        ids["late"]: expected_at_a(world),
        ids["of_b"]: {world.secretary_b, world.member_b},  # the floating member is expected at A, not at home
    }
    [lecture] = [n for n in first[world.member] if n.event_id == ids["tomorrow"]]
    assert lecture.title == "明天：党课" and lecture.body == "00:00–02:00，地点：村委会，请准时参加。"

    # Run again, and again later that day: nothing new.
    assert "Reminders: 0 for 3 event(s)" in run_reminders(app)
    clock.set_now(clock.china_time(today, 21))
    run_reminders(app)
    assert sum(len(v) for v in notified(app, kind="reminder").values()) == sum(len(v) for v in first.values())


def test_no_reminders_in_the_night(app, world, clock):
    today = dt.date(2030, 3, 5)
    clock.set_now(clock.china_time(today, 6))
    with app.app_context():
        factories.create_event_for(db.session.get(Branch, world.branch_a),
                                   starts_at=clock.china_time(today + dt.timedelta(days=1), 9))
        db.session.commit()
    assert "no reminders sent" in run_reminders(app)
    assert notified(app) == {}
    assert "Reminders: 4 for 1 event(s)" in run_reminders(app, "--not-before", "6")


def test_the_reminders_command_is_idempotent_even_when_asked_directly_twice(app, world, clock):
    """The partial unique index holds the line if two runs raced."""
    from server.notifications.operations import NotificationKind, notify

    today = dt.date(2030, 3, 5)
    clock.set_now(today)
    with app.app_context():
        event = factories.create_event_for(db.session.get(Branch, world.branch_a),
                                           starts_at=clock.china_time(today + dt.timedelta(days=1), 9))
        notify(event, NotificationKind.reminder, [world.member])
        db.session.commit()
        with pytest.raises(sa.exc.IntegrityError):
            notify(event, NotificationKind.reminder, [world.member])
        db.session.rollback()
        notify(event, NotificationKind.notice, [world.member])  # other kinds may repeat
        notify(event, NotificationKind.notice, [world.member])
        db.session.commit()


# --- push subscriptions --------------------------------------------------------------------------

def browser_keys() -> tuple[ec.EllipticCurvePrivateKey, bytes, dict]:
    """What a browser makes when it subscribes: a P-256 key pair and a 16-byte auth secret."""
    key = ec.generate_private_key(ec.SECP256R1())
    point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    auth_secret = bytes(range(16, 32))
    return key, auth_secret, {"p256dh": b64(point), "auth": b64(auth_secret)}


def subscriptions(app) -> list[tuple[int, str]]:
    with app.app_context():
        return [(s.user_id, s.endpoint) for s in db.session.scalars(sa.select(PushSubscription).order_by(PushSubscription.id))]


def user_id(app, username) -> int:
    from server.auth.models import User

    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username))


@pytest.mark.parametrize("app_config", [PUSH_OFF], indirect=True)
def test_subscribing_updating_moving_and_unsubscribing(app, client, auth, world):
    _, _, keys = browser_keys()
    endpoint = "https://127.0.0.1:9/push/phone-1"
    me = auth.headers("member")
    url = f"{API}/me/push-subscriptions"
    created = client.post(url, json={"endpoint": endpoint, "keys": keys, "device_id": "phone-device-1"}, headers=me)
    assert created.status_code == 201, created.json
    assert created.json["endpoint"] == endpoint and "keys" not in created.json
    _, _, new_keys = browser_keys()
    assert client.post(url, json={"endpoint": endpoint, "keys": new_keys}, headers=me).status_code == 201
    assert subscriptions(app) == [(user_id(app, "member"), endpoint)]
    with app.app_context():
        assert db.session.scalar(sa.select(PushSubscription.p256dh)) == new_keys["p256dh"]
    # The phone passes to another account: the subscription follows it.
    assert client.post(url, json={"endpoint": endpoint, "keys": new_keys}, headers=auth.headers("member2")).status_code == 201
    assert subscriptions(app) == [(user_id(app, "member2"), endpoint)]
    # Only one's own is removed; removing is idempotent.
    assert client.delete(url, json={"endpoint": endpoint}, headers=me).status_code == 204
    assert len(subscriptions(app)) == 1
    for _ in range(2):
        assert client.delete(url, json={"endpoint": endpoint}, headers=auth.headers("member2")).status_code == 204
    assert subscriptions(app) == []


@pytest.mark.parametrize("app_config", [PUSH_OFF], indirect=True)
def test_a_user_keeps_the_ten_latest_subscriptions(app, client, auth, world, clock):
    clock.set_now(dt.date(2030, 3, 1))
    _, _, keys = browser_keys()
    for n in range(12):
        clock.advance(dt.timedelta(minutes=1))
        response = client.post(f"{API}/me/push-subscriptions", json={"endpoint": f"https://127.0.0.1:9/push/{n}", "keys": keys},
                               headers=auth.headers("member"))
        assert response.status_code == 201
    assert [e for _, e in subscriptions(app)] == [f"https://127.0.0.1:9/push/{n}" for n in range(2, 12)]


def test_subscriptions_are_validated(app, client, auth, world):
    _, _, keys = browser_keys()
    me = auth.headers("member")
    url = f"{API}/me/push-subscriptions"
    good = {"endpoint": "https://fcm.googleapis.com/fcm/send/abc", "keys": keys}
    bad = [
        {**good, "endpoint": "http://fcm.googleapis.com/fcm/send/abc"},  # not https
        {**good, "endpoint": "https://internal.example/admin"},  # not a push service
        {**good, "endpoint": "https://fcm.googleapis.com/" + "a" * 1000},
        {**good, "keys": {**keys, "p256dh": b64(b"\x04" + bytes(64))}},  # not a point on the curve
        {**good, "keys": {**keys, "auth": b64(bytes(8))}},
        {**good, "keys": {"p256dh": keys["p256dh"]}},
        {**good, "expirationTime": None},  # unknown fields are refused
        {**good, "device_id": "x"},
        {"keys": keys},
    ]
    for body in bad:
        response = client.post(url, json=body, headers=me)
        assert response.status_code == 422, body
        assert response.json["errors"]
    assert client.post(url, json=good, headers=me).status_code == 201
    assert client.post(url, json=good).status_code == 401
    assert client.delete(url, json={}, headers=me).status_code == 422


def test_push_is_disabled_without_a_contact(app, client, auth, world):
    response = client.get(f"{API}/push/key", headers=auth.headers("member"))
    assert response.status_code == 200
    assert response.json == {"enabled": False, "public_key": None}
    assert client.get(f"{API}/push/key").status_code == 401


@pytest.mark.parametrize("app_config", [PUSH_ON], indirect=True)
def test_the_application_server_key_is_the_public_half_of_the_instance_key(app, client, auth, world):
    response = client.get(f"{API}/push/key", headers=auth.headers("committee"))
    assert response.json["enabled"] is True
    point = unb64(response.json["public_key"])
    assert len(point) == 65 and point[0] == 4
    private = unb64(app.config["VAPID_PRIVATE_KEY"])
    assert len(private) == 32
    derived = ec.derive_private_key(int.from_bytes(private, "big"), ec.SECP256R1()).public_key()
    assert derived.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint) == point
    assert app.config["VAPID_PRIVATE_KEY"] not in response.get_data(as_text=True)
    # Generated once into the instance folder, like the other secrets.
    secrets = json.loads((Path(app.instance_path) / "secrets.json").read_text())
    assert secrets["VAPID_PRIVATE_KEY"] == app.config["VAPID_PRIVATE_KEY"]


# --- Web Push, end to end, against a local fake push service --------------------------------------

class FakePushService:
    """A push service on 127.0.0.1 over TLS (a self-signed certificate the test trusts): it keeps
    every POST and answers 201, or what `answers` says for a path."""

    def __init__(self, directory):
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake push service")])
        now = _clock.real_now()  # a certificate is checked against the real time, like phones do
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
                .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                               critical=False)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))
        self.cert_path = directory / "push-cert.pem"
        key_path = directory / "push-key.pem"
        self.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        self.received: list[dict] = []
        self.answers: dict[str, int] = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                service.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(service.answers.get(self.path, 201))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, key_path)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.origin = f"https://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def push_service(tmp_path, monkeypatch):
    with FakePushService(tmp_path) as service:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(service.cert_path))
        for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        yield service


def subscribe(client, auth, username, endpoint):
    key, auth_secret, keys = browser_keys()
    response = client.post(f"{API}/me/push-subscriptions", json={"endpoint": endpoint, "keys": keys},
                           headers=auth.headers(username))
    assert response.status_code == 201, response.json
    return key, auth_secret


def verified_vapid_claims(authorization: str, public_key: str) -> dict:
    """RFC 8292: `vapid t=<JWT>, k=<key>`; the JWT is ES256, signed by the server's VAPID key."""
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid"
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    assert parts["k"] == public_key
    header, claims, signature = parts["t"].split(".")
    assert json.loads(unb64(header)) == {"typ": "JWT", "alg": "ES256"}
    raw = unb64(signature)
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(public_key))
    key.verify(utils.encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
               f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises when forged
    return json.loads(unb64(claims))


@pytest.mark.parametrize("app_config", [PUSH_ON], indirect=True)
def test_a_notice_is_pushed_encrypted_with_a_vapid_signature(app, client, auth, world, push_service, clock):
    clock.set_now(dt.date(2030, 3, 1))  # the app's clock moves; the VAPID expiry follows the real one
    member_key, member_auth = subscribe(client, auth, "member", push_service.origin + "/push/member-phone")
    floating_key, floating_auth = subscribe(client, auth, "floating", push_service.origin + "/push/floating-phone")
    subscribe(client, auth, "member_b", push_service.origin + "/push/b-phone")  # not expected at A's event
    subscribe(client, auth, "secretary_a", push_service.origin + "/push/secretary-phone")  # the author

    publish(client, auth, world.event_a)  # the pushes go once the response is closed
    assert sorted(r["path"] for r in push_service.received) == ["/push/floating-phone", "/push/member-phone"]
    public_key = client.get(f"{API}/push/key", headers=auth.headers("member")).json["public_key"]
    for request in push_service.received:
        headers = {k.lower(): v for k, v in request["headers"].items()}
        claims = verified_vapid_claims(headers["authorization"], public_key)
        assert claims["aud"] == push_service.origin
        assert claims["sub"] == CONTACT
        real_now = _clock.real_now().timestamp()
        assert real_now < claims["exp"] <= real_now + 24 * 3600
        assert headers["content-encoding"] == "aes128gcm"
        assert int(headers["ttl"]) > 0
        key, secret = ((member_key, member_auth) if request["path"] == "/push/member-phone"
                       else (floating_key, floating_auth))
        payload = json.loads(http_ece.decrypt(request["body"], private_key=key, auth_secret=secret,
                                              version="aes128gcm"))
        assert payload == {"title": "活动通知：党员大会", "body": "请全体党员于上午9点准时到村委会参加党员大会。",
                           "url": f"/events/{world.event_a}"}
    assert set(notified(app, kind="notice")) == expected_at_a(world) - {world.secretary_a}


@pytest.mark.parametrize("app_config", [PUSH_ON], indirect=True)
def test_a_subscription_the_push_service_calls_gone_is_forgotten(app, client, auth, world, push_service):
    subscribe(client, auth, "member", push_service.origin + "/push/gone")
    subscribe(client, auth, "member", push_service.origin + "/push/failing")
    subscribe(client, auth, "member", push_service.origin + "/push/fine")
    push_service.answers.update({"/push/gone": 410, "/push/failing": 500})
    cancelled = client.post(f"{API}/events/{world.event_a}/cancel", json={"reason": "台风预警"},
                            headers=auth.headers("secretary_a"))
    assert cancelled.status_code == 200
    cancelled.close()
    assert sorted(r["path"] for r in push_service.received) == ["/push/failing", "/push/fine", "/push/gone"]
    # Gone is forgotten; a failure is kept for next time; the notification is in the app whatever happened.
    assert sorted(e.rsplit("/", 1)[1] for _, e in subscriptions(app)) == ["failing", "fine"]
    assert world.member in notified(app, kind="cancelled")


@pytest.mark.parametrize("app_config", [PUSH_OFF], indirect=True)
def test_nothing_is_pushed_without_a_contact(app, client, auth, world, push_service):
    subscribe(client, auth, "member", push_service.origin + "/push/member-phone")
    publish(client, auth, world.event_a)
    assert push_service.received == []
    assert world.member in notified(app, kind="notice")  # in the app all the same


@pytest.mark.parametrize("app_config", [PUSH_ON], indirect=True)
def test_a_request_that_fails_after_notifying_pushes_nothing(app, client, auth, world, push_service, monkeypatch):
    from server.core.api import abort
    from server.notifications import operations

    real = operations.notify_expected

    def notify_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        abort(409, message="Something later in the request went wrong.")
    monkeypatch.setattr(operations, "notify_expected", notify_then_fail)
    subscribe(client, auth, "member", push_service.origin + "/push/member-phone")
    with client.post(f"{API}/events/{world.event_a}/cancel", json={"reason": "台风预警"},
                     headers=auth.headers("secretary_a")) as response:
        assert response.status_code == 409
    # Rolled back: no notification, no push, the event as it was.
    assert push_service.received == [] and notified(app) == {}
    assert client.get(f"{API}/events/{world.event_a}", headers=auth.headers("member")).json["status"] == "planned"


@pytest.mark.parametrize("app_config", [PUSH_ON], indirect=True)
def test_reminders_are_pushed_by_the_command(app, client, auth, world, push_service, clock):
    today = dt.date(2030, 3, 5)
    clock.set_now(today)
    key, secret = subscribe(client, auth, "member2", push_service.origin + "/push/member2-phone")
    with app.app_context():
        event = factories.create_event_for(db.session.get(Branch, world.branch_a), title="主题党日",
                                           kind=EventKind.activity_day,
                                           starts_at=clock.china_time(today + dt.timedelta(days=1), 14, 30))
        db.session.commit()
        event_id = event.id
    assert "1 push message(s) sent" in run_reminders(app)
    assert "0 push message(s) sent" in run_reminders(app)
    [request] = push_service.received
    payload = json.loads(http_ece.decrypt(request["body"], private_key=key, auth_secret=secret, version="aes128gcm"))
    assert payload == {"title": "明天：主题党日", "body": "14:30–16:30，请准时参加。", "url": f"/events/{event_id}"}


def test_members_who_left_are_not_told(app, client, auth, world):
    with app.app_context():
        db.session.get(Member, world.member2).left_on = dt.date(2000, 1, 1)
        db.session.commit()
    publish(client, auth, world.event_a)
    assert world.member2 not in notified(app)


def test_a_rescheduled_event_takes_its_check_in_window_along(app, client, auth, world):
    """Rescheduling (PATCH the times, not the window) left the old window: nobody could sign in
    at the new time. The window moves with the event unless it is given too."""
    import datetime as dt

    event = client.get(f"/api/v1/events/{world.event_a}", headers=auth.headers("secretary_a")).json
    starts = dt.datetime.fromisoformat(event["starts_at"])
    opens = dt.datetime.fromisoformat(event["checkin_opens_at"])
    closes = dt.datetime.fromisoformat(event["checkin_closes_at"])
    ends = dt.datetime.fromisoformat(event["ends_at"])
    later = dt.timedelta(days=3, hours=2)
    moved = client.patch(f"/api/v1/events/{world.event_a}", headers=auth.headers("secretary_a"),
                         json={"starts_at": (starts + later).isoformat(), "ends_at": (ends + later).isoformat()})
    assert moved.status_code == 200, moved.json
    assert dt.datetime.fromisoformat(moved.json["checkin_opens_at"]) == opens + later
    assert dt.datetime.fromisoformat(moved.json["checkin_closes_at"]) == closes + later
    # A window given with the new times is kept as given.
    chosen = (starts + later + dt.timedelta(minutes=-10)).isoformat()
    again = client.patch(f"/api/v1/events/{world.event_a}", headers=auth.headers("secretary_a"),
                         json={"starts_at": (starts + later).isoformat(), "checkin_opens_at": chosen})
    assert dt.datetime.fromisoformat(again.json["checkin_opens_at"]) == dt.datetime.fromisoformat(chosen)
