from __future__ import annotations

import pytest

from tests.server.factories import PASSWORD


def login(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_login_returns_token_pair_and_me_names_the_member(client, world):
    response = login(client, "member")
    assert response.status_code == 200
    assert set(response.json) == {"access_token", "refresh_token"}
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {response.json['access_token']}"})
    assert me.status_code == 200
    assert me.json["member_name"] == "李明"
    assert me.json["managed_branch_ids"] == []


def test_wrong_password_and_unknown_user_get_the_same_answer(client, world):
    wrong = login(client, "member", "nope")
    unknown = login(client, "nobody", "nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["message"] == unknown.json["message"]
    assert wrong.json["code"] == 401


def test_passwords_are_stored_as_argon2id_hashes(app, world):
    import sqlalchemy as sa

    from server.auth.models import User
    from server.core.db import db

    with app.app_context():
        stored = db.session.scalar(sa.select(User.password_hash).where(User.username == "member"))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_refresh_gives_a_working_access_token_and_access_token_cannot_refresh(client, world):
    tokens = login(client, "member").json
    refreshed = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert refreshed.status_code == 200
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {refreshed.json['access_token']}"})
    assert me.status_code == 200
    wrong_kind = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert wrong_kind.status_code in (401, 422)
    assert "message" in wrong_kind.json


def test_logout_revokes_access_and_refresh_token_in_the_database(app, client, world):
    tokens = login(client, "member").json
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    out = client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}, headers=bearer)
    assert out.status_code == 204
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 401
    again = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert again.status_code == 401
    # Another worker (a second app on the same database) sees the revocation too.
    from server import create_app

    from server.core.db import db

    other = create_app({**app.config})
    assert other.test_client().get("/api/v1/auth/me", headers=bearer).status_code == 401
    with other.app_context():
        db.engine.dispose()


def test_logout_refuses_someone_elses_refresh_token(client, world):
    mine = login(client, "member").json
    theirs = login(client, "member2").json
    response = client.post("/api/v1/auth/logout", json={"refresh_token": theirs["refresh_token"]},
                           headers={"Authorization": f"Bearer {mine['access_token']}"})
    assert response.status_code == 422
    still = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {theirs['refresh_token']}"})
    assert still.status_code == 200


def test_expired_access_token_is_refused(app, client, world):
    import datetime as dt

    from flask_jwt_extended import create_access_token

    from server.auth.models import User
    from server.core.db import db

    with app.app_context():
        user = db.session.query(User).filter_by(username="member").one()
        token = create_access_token(identity=user, expires_delta=dt.timedelta(seconds=-1))
    response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "expired" in response.json["message"]


@pytest.mark.parametrize("body", [{}, {"username": "member"}, {"username": "", "password": "x"},
                                  {"username": "member", "password": "x", "admin": True}, [], "text"])
def test_bad_login_bodies_get_422_with_field_errors(client, world, body):
    response = client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 422
    assert response.json["code"] == 422
    assert "errors" in response.json


def login_from(client, address, username, password=PASSWORD, **headers):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


class TestRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"LOGIN_RATE_LIMIT_PER_ACCOUNT_AND_ADDRESS": "3 per minute; 4 per hour",
                "LOGIN_RATE_LIMIT_PER_ADDRESS": "5 per minute"}

    def test_failed_logins_are_limited_per_username_and_address_then_per_address(self, client, world):
        codes = [login_from(client, "10.0.0.9", "member", "wrong").status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        # Another account from the same address still has attempts left, until the address limit.
        codes = [login_from(client, "10.0.0.9", "member2", "wrong").status_code for _ in range(3)]
        assert codes == [401, 401, 429]
        limited = login_from(client, "10.0.0.9", "member2", "wrong")
        assert limited.json["code"] == 429 and limited.json["message"]

    def test_someone_failing_on_purpose_does_not_lock_the_member_out(self, client, world):
        """Finding: five wrong passwords for a username locked its owner out for a minute."""
        for _ in range(6):
            login_from(client, "203.0.113.66", "member", "guess")
        assert login_from(client, "203.0.113.66", "member", "guess").status_code == 429
        assert login_from(client, "192.0.2.10", "member").status_code == 200  # the member, elsewhere

    def test_successful_logins_do_not_count(self, client, world):
        assert all(login_from(client, "10.0.0.7", "member").status_code == 200 for _ in range(8))

    def test_the_windows_grow_a_backoff(self, app, client, world, clock):
        # Flask-Limiter counts in the machine's time (windows are durations, not dates): freezegun
        # moves that time for code Zhibu does not own. It starts a day ahead of the machine's time:
        # the in-memory storage expires counts from a thread, which freezegun leaves on the real
        # time, and which must never see them as already over.
        import datetime as dt

        from freezegun import freeze_time

        from server.core.limiter import limiter

        with app.app_context():
            limiter.reset()
        with freeze_time(clock.real_now() + dt.timedelta(days=1)) as frozen:
            codes = [login_from(client, "10.0.0.8", "member", "wrong").status_code for _ in range(4)]
            assert codes == [401, 401, 401, 429]
            frozen.tick(61)  # the minute's window is over; the hour's holds one more try
            codes = [login_from(client, "10.0.0.8", "member", "wrong").status_code for _ in range(2)]
            assert codes == [401, 429]
            frozen.tick(120)
            assert login_from(client, "10.0.0.8", "member", "wrong").status_code == 429
            frozen.tick(3600)
            assert login_from(client, "10.0.0.8", "member", "wrong").status_code == 401


class TestBehindAProxy:
    @pytest.fixture
    def app_config(self):
        return {"PROXY_FIX": True, "LOGIN_RATE_LIMIT_PER_ACCOUNT_AND_ADDRESS": "2 per minute"}

    def test_each_forwarded_client_has_its_own_count(self, client, world):
        proxy = "127.0.0.1"
        for _ in range(2):
            login_from(client, proxy, "member", "wrong", **{"X-Forwarded-For": "198.51.100.1"})
        assert login_from(client, proxy, "member", "wrong", **{"X-Forwarded-For": "198.51.100.1"}).status_code == 429
        assert login_from(client, proxy, "member", **{"X-Forwarded-For": "198.51.100.2"}).status_code == 200
