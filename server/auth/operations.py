from __future__ import annotations

import dataclasses
import uuid

import sqlalchemy as sa
from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token

from server.auth.access import account_facts
from server.auth.models import AuthSession, User
from server.core.api import abort
from server.core.cache import ACCESS, EVENTS, CacheGeneration
from server.core.db import db
from server.core.statements import execute, prepared
from server.core.security import check_password_policy, hash_password, needs_rehash, verify_password
from sync import clock


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    if not verify_password(user.password_hash if user else None, password):
        return None
    if not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def open_session(user: User) -> str:
    """A new session of the user; its id goes into each of its tokens (the `sid` claim)."""
    lifetime = current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    # The tokens expire on the machine's own time (PyJWT checks them against it): so does the row.
    session = AuthSession(id=uuid.uuid4().hex, user_id=user.id, created_at=clock.now(),
                          expires_at=clock.real_now() + lifetime)
    db.session.add(session)
    return session.id


def issue_tokens(user: User) -> dict:
    """A new session and its two tokens, both carrying the session's id."""
    claims = {"sid": open_session(user)}
    return {"access_token": create_access_token(identity=user, additional_claims=claims),
            "refresh_token": create_refresh_token(identity=user, additional_claims=claims)}


def issue_access_token(user: User, session_id: str) -> str:
    return create_access_token(identity=user, additional_claims={"sid": session_id})


@dataclasses.dataclass(frozen=True)
class SessionState:
    revoked: bool
    active: bool  # the account's
    generations: tuple[int, int]  # server/core/cache.py: (access, events)
    # `server.auth.access.account_facts()` of the account (member, committee, branch, left on, parent,
    # whether there are posts or floating memberships): what `server.auth.access.principal_of` would
    # read first, read here for a cold principal.
    account: tuple


@prepared
def _session_state(_dialect):
    access = sa.select(CacheGeneration.value).where(CacheGeneration.id == ACCESS).scalar_subquery()
    events = sa.select(CacheGeneration.value).where(CacheGeneration.id == EVENTS).scalar_subquery()
    account, accounts = account_facts()
    return (sa.select(AuthSession.revoked_at, User.__table__.c.is_active, access, events, *account)
            .select_from(accounts.join(AuthSession.__table__, AuthSession.user_id == User.__table__.c.id))
            .where(AuthSession.id == sa.bindparam("sid"), AuthSession.user_id == sa.bindparam("uid")))


def session_state(user_id: int, session_id: str | None) -> SessionState | None:
    """The session of a token, its account's state and the cache generations, in one statement
    (every authenticated request makes it); None when there is no such session."""
    if not session_id:
        return None  # tokens from before sessions existed: log in again
    row = execute(_session_state, {"sid": session_id, "uid": user_id}).first()
    if row is None:
        return None
    return SessionState(row[0] is not None, row[1], (row[2], row[3]), tuple(row[4:]))


def end_sessions(user_id: int, reason: str, *, only: str | None = None, keep: str | None = None) -> int:
    """End the user's live sessions (just `only`, or all but `keep`); returns how many ended."""
    stmt = sa.update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    if only is not None:
        stmt = stmt.where(AuthSession.id == only)
    if keep is not None:
        stmt = stmt.where(AuthSession.id != keep)
    ended = db.session.execute(stmt.values(revoked_at=clock.now(), revoked_reason=reason)
                               .execution_options(synchronize_session=False))
    return ended.rowcount


def change_password(user: User, current: str, new: str, session_id: str) -> None:
    """Set a new password after checking the current one; every other session ends."""
    if not verify_password(user.password_hash, current):
        abort(422, message="The current password is wrong.",
              errors={"json": {"current_password": ["The current password is wrong."]}})
    problems = check_password_policy(new, user_inputs=[user.username])
    if problems:
        abort(422, message=problems[0], errors={"json": {"new_password": problems}})
    user.password_hash = hash_password(new)
    end_sessions(user.id, "password_changed", keep=session_id)


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
    """An account. Passwords a person chooses are checked first (`check_password_policy`)."""
    user = User(username=username, password_hash=hash_password(password), **fields)
    db.session.add(user)
    return user
