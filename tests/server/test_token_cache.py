"""Access tokens are verified once per worker (server/auth/tokens.py) and still refused the moment
they expire, are altered or their session ends."""
from __future__ import annotations

import datetime as dt
import time

import pytest


@pytest.fixture
def app_config():
    return {"JWT_ACCESS_TOKEN_EXPIRES": dt.timedelta(seconds=2)}


def test_a_verified_token_is_refused_once_it_expires(client, world, auth):
    headers = auth.headers("member")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200  # from the cache
    time.sleep(3.1)  # PyJWT checks expiry against the machine's own time: it has to pass
    response = client.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.json["message"] == "The token has expired; refresh it or log in again."


def test_an_altered_token_is_not_taken_for_the_verified_one(client, world, auth):
    token = auth.tokens("member")["access_token"]
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_a_verified_token_stops_working_at_logout(client, world, auth):
    headers = auth.headers("member")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", json={}, headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_the_header_kept_for_a_verified_token_is_pyjwts(app, client, world, auth):
    import jwt as pyjwt

    from server.auth.tokens import _header_of_verified_token

    token = auth.tokens("member")["access_token"]
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with app.app_context():
        assert _header_of_verified_token(token) == pyjwt.get_unverified_header(token)
        # A token this worker never verified is read by PyJWT itself (and a malformed one refused).
        with pytest.raises(pyjwt.DecodeError):
            _header_of_verified_token("not-a-token")
