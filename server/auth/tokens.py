"""flask-jwt-extended wiring: identity, user loading, revocation and the error shape."""
from __future__ import annotations

from flask_jwt_extended import JWTManager

from server.auth.models import User
from server.auth.operations import session_is_live
from server.core.api import error_response
from server.core.db import db

jwt = JWTManager()


@jwt.user_identity_loader
def _identity(user: User) -> str:
    return str(user.id)


@jwt.user_lookup_loader
def _load_user(_header, payload) -> User | None:
    user = db.session.get(User, int(payload["sub"]))
    return user if user is not None and user.is_active else None


@jwt.token_in_blocklist_loader
def _is_revoked(_header, payload) -> bool:
    """A token is good only while its session is: logout, "log out on all devices" and a password
    change end sessions, and so both tokens of each."""
    return not session_is_live(int(payload["sub"]), payload.get("sid"))


@jwt.unauthorized_loader
def _missing(reason: str):
    return error_response(401, "Log in first (no access token was sent).")


@jwt.invalid_token_loader
def _invalid(reason: str):
    return error_response(401, "The access token is not valid; log in again.")


@jwt.expired_token_loader
def _expired(_header, _payload):
    return error_response(401, "The token has expired; refresh it or log in again.")


@jwt.revoked_token_loader
def _revoked(_header, _payload):
    return error_response(401, "The token was revoked; log in again.")


@jwt.user_lookup_error_loader
def _no_user(_header, _payload):
    return error_response(401, "This account no longer exists or is disabled.")


@jwt.needs_fresh_token_loader
def _needs_fresh(_header, _payload):
    return error_response(401, "Log in again to do this.")


@jwt.token_verification_failed_loader
def _verification_failed(_header, _payload):
    return error_response(401, "The access token is not valid; log in again.")
