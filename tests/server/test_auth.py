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


class TestRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"LOGIN_RATE_LIMIT_PER_ACCOUNT": "3 per minute", "LOGIN_RATE_LIMIT_PER_ADDRESS": "5 per minute"}

    def test_login_attempts_are_limited_per_account_then_per_address(self, client, world):
        codes = [login(client, "member", "wrong").status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        # Another account from the same address still has attempts left, until the address limit.
        codes = [login(client, "member2", "wrong").status_code for _ in range(2)]
        assert codes == [401, 429]
        limited = login(client, "member2", "wrong")
        assert limited.json["code"] == 429
