"""sync.client against a fake transport: no network, no Flask."""
from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

import sync
from sync import client as sc
from sync.client import Outbox, Response, SyncClient, SyncError, checkin_card, checkin_event_code, checkin_manual

NETWORK_DOWN = Response(error="ConnectionRefusedError: [Errno 111] Connection refused")


class FakeServer:
    """Answers like the real API; `script` holds canned answers (or None: answer normally) for pushes."""

    def __init__(self, script=(), status_for=lambda m: ("applied", None)):
        self.script = list(script)
        self.status_for = status_for
        self.requests: list[dict] = []
        self.tokens = {}  # access token -> username
        self.expired: set[str] = set()
        self.counter = 0

    def __call__(self, method, url, headers, data, timeout):
        parts = urllib.parse.urlsplit(url)
        path = parts.path.removeprefix("/api/v1")
        body = json.loads(data) if data else None
        auth = headers.get("Authorization", "").removeprefix("Bearer ")
        self.requests.append({"method": method, "path": path, "headers": dict(headers), "body": body,
                              "query": dict(urllib.parse.parse_qsl(parts.query)), "user": self.tokens.get(auth)})
        if path == "/auth/login":
            if body["password"] != "pw":
                return Response(401, {"message": "Wrong username or password."})
            self.counter += 1
            access, refresh = f"acc-{body['username']}-{self.counter}", f"ref-{body['username']}-{self.counter}"
            self.tokens[access] = body["username"]
            self.tokens[refresh] = body["username"]
            return Response(200, {"access_token": access, "refresh_token": refresh})
        if path == "/auth/refresh":
            if auth not in self.tokens or auth in self.expired:
                return Response(401, {"message": "The token has expired; refresh it or log in again."})
            self.counter += 1
            access = f"acc-{self.tokens[auth]}-{self.counter}"
            self.tokens[access] = self.tokens[auth]
            return Response(200, {"access_token": access})
        if auth not in self.tokens or auth in self.expired:
            return Response(401, {"message": "The token has expired; refresh it or log in again."})
        if path == "/sync/push":
            canned = self.script.pop(0) if self.script else None
            if canned is not None:
                return canned
            results = []
            for m in body["mutations"]:
                status, code = self.status_for(m)
                results.append({"id": m["id"], "status": status, "code": code,
                                "message": f"message for {code}" if code else None, "record_id": 1, "flags": []})
            return Response(200, {"protocol_version": 1, "server_time_ms": 0, "clock_offset_ms": 5,
                                  "client_update_required": False, "message": None, "results": results})
        raise AssertionError(f"unexpected {method} {path}")

    def pushes(self):
        return [r for r in self.requests if r["path"] == "/sync/push"]


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def make_client(server, outbox, username="secretary", **kw):
    kw.setdefault("sleep", Sleeps())
    return SyncClient("http://zhibu.test", username, "pw", "kiosk-0001", outbox, transport=server, **kw)


def fill(outbox, n, username="secretary"):
    mutations = [checkin_manual(7, 100 + i, "忘带手机") for i in range(n)]
    for m in mutations:
        assert outbox.add(m, username)
    return mutations


def test_network_failures_are_retried_with_the_same_idempotency_key():
    server = FakeServer(script=[NETWORK_DOWN, NETWORK_DOWN, Response(error="TimeoutError: timed out")])
    outbox = Outbox()
    mutations = fill(outbox, 3)
    client = make_client(server, outbox)
    summary = client.push_pending()
    pushes = server.pushes()
    assert len(pushes) == 4 and summary.attempts == 4 and summary.batches == 1
    keys = {p["body"]["idempotency_key"] for p in pushes} | {p["headers"]["Idempotency-Key"] for p in pushes}
    assert len(keys) == 1
    assert all(p["body"]["mutations"] == mutations for p in pushes)
    assert (summary.applied, summary.duplicate, summary.rejected) == (3, 0, 0)
    assert len(outbox) == 0
    # Exponential backoff with jitter, all through the injected sleep.
    assert len(client.sleep) == 3
    for attempt, delay in enumerate(client.sleep, start=1):
        ceiling = 0.5 * 2 ** (attempt - 1)
        assert ceiling / 2 <= delay <= ceiling


@pytest.mark.parametrize("status", [500, 502, 503, 429, 409])
def test_temporary_http_errors_then_success(status):
    server = FakeServer(script=[Response(status, {"message": "busy"}, {"Retry-After": "3"})])
    outbox = Outbox()
    fill(outbox, 2)
    client = make_client(server, outbox)
    summary = client.push_pending()
    assert summary.applied == 2 and summary.attempts == 2 and len(outbox) == 0
    assert client.sleep == [pytest.approx(3.0)]  # Retry-After honoured (over a shorter backoff)
    assert len({p["body"]["idempotency_key"] for p in server.pushes()}) == 1


def test_protocol_fields_are_sent():
    server = FakeServer()
    outbox = Outbox()
    fill(outbox, 1)
    make_client(server, outbox).push_pending()
    [push] = server.pushes()
    assert push["body"]["protocol_version"] == sync.PROTOCOL_VERSION
    assert push["body"]["device_id"] == "kiosk-0001"
    assert abs(push["body"]["client_time_ms"] - sc.now_ms()) < 5000


def test_rejected_items_leave_the_outbox_and_are_reported():
    bad_member = 101
    server = FakeServer(status_for=lambda m: ("rejected", "not_expected") if m["member_id"] == bad_member
                        else ("duplicate", None) if m["member_id"] == 102 else ("applied", None))
    outbox = Outbox()
    mutations = fill(outbox, 4)
    client = make_client(server, outbox)
    summary = client.push_pending()
    assert (summary.applied, summary.duplicate, summary.rejected, summary.sent) == (2, 1, 1, 4)
    assert len(outbox) == 0
    [rejection] = client.rejections
    assert rejection == summary.rejections[0]
    assert (rejection.id, rejection.code, rejection.message) == (mutations[1]["id"], "not_expected",
                                                                 "message for not_expected")
    assert rejection.mutation == mutations[1]


def test_a_422_raises_and_keeps_the_outbox():
    server = FakeServer(script=[Response(422, {
        "code": 422, "message": "The request is not valid; see errors.", "status": "Unprocessable Entity",
        "errors": {"json": {"mutations": ["At most 500 mutations per push; send the rest in another."]}}})])
    outbox = Outbox()
    fill(outbox, 3)
    client = make_client(server, outbox)
    with pytest.raises(SyncError, match="not valid.*mutations: At most 500 mutations") as info:
        client.push_pending()
    assert info.value.status == 422 and not info.value.temporary
    assert len(outbox) == 3 and client.sleep == [] and len(server.pushes()) == 1


def test_giving_up_after_max_attempts_keeps_the_outbox():
    server = FakeServer(script=[NETWORK_DOWN] * 10)
    outbox = Outbox()
    fill(outbox, 2)
    client = make_client(server, outbox, max_attempts=5, backoff_cap=4)
    with pytest.raises(SyncError) as info:
        client.push_pending()
    assert info.value.temporary and info.value.summary.attempts == 5
    assert len(outbox) == 2 and len(client.sleep) == 4 and max(client.sleep) <= 4


def test_batches_get_their_own_keys():
    server = FakeServer(script=[None, NETWORK_DOWN])
    outbox = Outbox()
    mutations = fill(outbox, 25)
    summary = make_client(server, outbox, batch_size=10).push_pending()
    pushes = server.pushes()
    assert summary.batches == 3 and summary.attempts == 4 and summary.applied == 25
    assert [len(p["body"]["mutations"]) for p in pushes] == [10, 10, 10, 5]
    keys = [p["body"]["idempotency_key"] for p in pushes]
    assert keys[1] == keys[2] and len(set(keys)) == 3
    assert [m for p in pushes[:1] + pushes[2:] for m in p["body"]["mutations"]] == mutations


def test_outbox_survives_reopening(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    with Outbox(path) as outbox:
        mutations = fill(outbox, 3)
        fill(outbox, 1, username="member")
        device = outbox.device_id
        assert not outbox.add(mutations[0], "secretary")  # same nonce: queued once
    with Outbox(path) as outbox:
        assert len(outbox) == 4 and outbox.device_id == device
        assert [i.mutation for i in outbox.pending("secretary")] == mutations
        assert [i.id for i in outbox.pending("secretary", 2)] == [m["id"] for m in mutations[:2]]
        make_client(FakeServer(), outbox).push_pending()
    with Outbox(path) as outbox:
        assert len(outbox) == 1 and outbox.pending("secretary") == []


def test_one_users_items_are_never_sent_under_another_login():
    server = FakeServer()
    outbox = Outbox()
    mine = fill(outbox, 3, username="bob")
    theirs = fill(outbox, 2, username="alice")
    summary = make_client(server, outbox, username="bob").push_pending()
    assert summary.applied == 3
    sent = [m for p in server.pushes() for m in p["body"]["mutations"]]
    assert sent == mine and all(p["user"] == "bob" for p in server.pushes())
    assert [i.mutation for i in outbox.pending("alice")] == theirs and len(outbox) == 2
    make_client(server, outbox, username="alice").push_pending()
    assert server.pushes()[-1]["user"] == "alice" and server.pushes()[-1]["body"]["mutations"] == theirs
    assert len(outbox) == 0


def test_expired_access_token_is_refreshed_then_login_is_redone():
    server = FakeServer()
    outbox = Outbox()
    fill(outbox, 1)
    client = make_client(server, outbox)
    client.login()
    server.expired.add(client.access_token)
    assert client.push_pending().applied == 1
    assert [r["path"] for r in server.requests] == ["/auth/login", "/sync/push", "/auth/refresh", "/sync/push"]
    # Both tokens expired: log in again.
    server.expired |= {client.access_token, client.refresh_token}
    fill(outbox, 1)
    assert client.push_pending().applied == 1
    assert [r["path"] for r in server.requests[4:]] == ["/sync/push", "/auth/refresh", "/auth/login", "/sync/push"]


def test_wrong_password_is_a_clear_error():
    client = SyncClient("http://zhibu.test", "bob", "nope", "kiosk-0001", transport=FakeServer(), sleep=Sleeps())
    client.queue(checkin_manual(1, 2, "忘带手机"))
    with pytest.raises(SyncError, match="Wrong username or password") as info:
        client.push_pending()
    assert info.value.status == 401 and len(client.outbox) == 1


def test_client_update_required_is_exposed():
    answer = {"protocol_version": 1, "client_update_required": True, "message": "please update the app",
              "results": []}

    def transport(method, url, headers, data, timeout):
        if url.endswith("/auth/login"):
            return Response(200, {"access_token": "a", "refresh_token": "r"})
        body = json.loads(data)
        return Response(200, {**answer, "results": [{"id": m["id"], "status": "applied"} for m in body["mutations"]]})

    client = SyncClient("http://zhibu.test", "bob", "pw", "kiosk-0001", transport=transport)
    client.queue(checkin_card(3, "ZC1.x.y"))
    summary = client.push_pending()
    assert summary.client_update_required and client.client_update_required
    assert summary.message == "please update the app"


def test_pull_follows_pages():
    pages = [{"cursor": "1.1.s", "has_more": True, "reset": False, "card_keys": {"k1": "p1"},
              "changes": [{"entity": "event", "id": 1}]},
             {"cursor": "2.5.s", "has_more": False, "reset": False, "card_keys": {"k1": "p1"},
              "changes": [{"entity": "card", "id": 2}]}]
    seen = []

    def transport(method, url, headers, data, timeout):
        if url.endswith("/auth/login"):
            return Response(200, {"access_token": "a", "refresh_token": "r"})
        seen.append(dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query)))
        return Response(200, pages[len(seen) - 1])

    client = SyncClient("http://zhibu.test/", "bob", "pw", "kiosk-0001", transport=transport)
    changes, cursor, keys = client.pull()
    assert [c["id"] for c in changes] == [1, 2] and cursor == "2.5.s" and keys == {"k1": "p1"}
    assert "cursor" not in seen[0] and seen[1]["cursor"] == "1.1.s" and seen[0]["protocol_version"] == "1"


def test_builders_make_valid_mutations():
    from sync.messages import MAX_BATCH, parse_mutation

    assert sc.MAX_BATCH == MAX_BATCH
    built = [checkin_event_code("ZE1.1.2.12345678"), checkin_card(1, "ZC1.a.b"), checkin_manual(1, 2, "忘带手机")]
    for m in built:
        assert parse_mutation(m)[1] is None
        assert len(m["id"]) == 32 and abs(m["claimed_at_ms"] - sc.now_ms()) < 5000
    assert len({m["id"] for m in built}) == 3


def test_urllib_transport_reports_a_refused_connection():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    resp = sc.UrllibTransport()("GET", f"http://127.0.0.1:{port}/api/v1/auth/me", {}, None, 2)
    assert resp.network_error and not resp.ok and "refused" in resp.message.lower()


def test_kiosk_reports_each_scan_and_keeps_scans_while_offline(tmp_path):
    from sync import kiosk

    argv = ["--server", "http://zhibu.test", "--username", "secretary", "--password", "pw", "--event-id", "7",
            "--outbox", str(tmp_path / "kiosk.sqlite3")]
    def offline(method, url, headers, data, timeout):
        return NETWORK_DOWN

    out = io.StringIO()
    assert kiosk.main(argv, io.StringIO("ZC1.good.sig\n\nZC1.bad.sig\n"), out, offline, Sleeps()) == 0
    assert "离线" in out.getvalue() and "2 scans are saved" in out.getvalue()
    with Outbox(tmp_path / "kiosk.sqlite3") as outbox:
        assert len(outbox) == 2

    server = FakeServer(status_for=lambda m: ("rejected", "card_invalid") if "bad" in m["card_qr"]
                        else ("applied", None))
    out = io.StringIO()
    assert kiosk.main(argv, io.StringIO("ZC1.again.sig\n"), out, server, Sleeps()) == 0
    text = out.getvalue()
    assert "2 scans queued from before" in text
    assert text.count("已签到 / checked in") == 2 and "被拒绝 / rejected" in text and "message for card_invalid" in text
    assert "3 scans" not in text and "1 scans" in text  # this run's scans
    with Outbox(tmp_path / "kiosk.sqlite3") as outbox:
        assert len(outbox) == 0


def test_client_imports_only_the_standard_library():
    code = ("import sys, sync.client, sync.kiosk\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy', 'server', 'marshmallow',"
            " 'cryptography'}))")
    root = Path(sync.__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "[]"
