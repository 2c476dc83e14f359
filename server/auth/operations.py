from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token

from server.auth.models import RevokedToken, User
from server.core.db import db
from server.core.security import hash_password, needs_rehash, verify_password


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if not verify_password(user.password_hash if user else None, password):
        return None
    if not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def issue_tokens(user: User) -> dict:
    return {"access_token": create_access_token(identity=user), "refresh_token": create_refresh_token(identity=user)}


def issue_access_token(user: User) -> str:
    return create_access_token(identity=user)


def revoke(payload: dict) -> None:
    if db.session.get(RevokedToken, payload["jti"]) is not None:
        return
    db.session.add(
        RevokedToken(
            jti=payload["jti"],
            user_id=int(payload["sub"]),
            token_type=payload["type"],
            expires_at=dt.datetime.fromtimestamp(payload["exp"], dt.timezone.utc),
        )
    )


def decode_own_refresh_token(token: str, user_id: int) -> dict | None:
    """The payload of `token` when it is a valid refresh token of this user, else None."""
    try:
        payload = decode_token(token)
    except Exception:  # any malformed, expired or foreign token is simply not revocable here
        return None
    if payload.get("type") != "refresh" or payload.get("sub") != str(user_id):
        return None
    return payload


def create_user(username: str, password: str, **fields) -> User:
    user = User(username=username, password_hash=hash_password(password), **fields)
    db.session.add(user)
    return user
