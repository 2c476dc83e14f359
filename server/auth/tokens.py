"""flask-jwt-extended wiring: identity, user loading, revocation and the error shape."""
from __future__ import annotations

import base64
import json

import jwt as pyjwt
from flask import g
from flask_jwt_extended import JWTManager
from flask_jwt_extended import view_decorators
from flask_jwt_extended.config import config
from flask_jwt_extended.default_callbacks import default_decode_key_callback
from flask_jwt_extended.tokens import _decode_jwt
from jwt import ExpiredSignatureError

from server.auth.models import User
from server.auth.operations import session_state
from server.core.api import error_response
from server.core.cache import app_cache
from sync import clock


class VerifyingOnceJWTManager(JWTManager):
    """Verifies each access token once per worker, not once per request.

    PyJWT decoded a token three times per request (claims, header, then verified), checking every
    character of each segment in Python: a tenth of a check-in's CPU. A token string that verified
    once is the same signed content every time, so its claims and header are kept (keyed by the
    whole string, signature included) until it expires; expiry and not-before are checked again on
    every use against the clock PyJWT uses, and an expired one goes back through PyJWT, which
    refuses it in its own words. Revocation is not cached: `_is_revoked` asks the database on every
    request."""

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value=None, allow_expired: bool = False) -> dict:
        if csrf_value is not None or allow_expired or self._decode_key_callback is not default_decode_key_callback:
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        cache = app_cache("verified_tokens")
        claims, _header = cache.get(encoded_token) or (None, None)
        if claims is not None:
            now = clock.real_now().timestamp()
            leeway = config.leeway.total_seconds() if hasattr(config.leeway, "total_seconds") else config.leeway
            if now < claims.get("exp", 0) + leeway and claims.get("nbf", 0) <= now + leeway:
                return dict(claims)  # a copy: callers may add to it
        try:
            # One verifying decode: the base class first decodes the token twice unverified, to
            # pick a key; Zhibu has one key (JWT_SECRET_KEY), so there is nothing to pick.
            claims = _decode_jwt(algorithms=config.decode_algorithms, allow_expired=False,
                                 audience=config.decode_audience, csrf_value=None, encoded_token=encoded_token,
                                 identity_claim_key=config.identity_claim_key, issuer=config.decode_issuer,
                                 leeway=config.leeway, secret=config.decode_key,
                                 verify_aud=config.decode_audience is not None, verify_sub=config.verify_sub)
        except ExpiredSignatureError:
            # The base class raises it with the token's header and claims attached, for the handler.
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        cache.put(encoded_token, (dict(claims), _verified_header(encoded_token)))
        return claims


def _verified_header(encoded_token: str) -> dict:
    """The header of a token PyJWT has just verified: the JSON of its first segment. (PyJWT's own
    reader would decode and check every character of the whole token once more.)"""
    segment = encoded_token.split(".", 1)[0]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _header_of_verified_token(encoded_token: str) -> dict:
    """flask-jwt-extended reads a token's header after verifying it, with PyJWT, which decodes and
    checks the whole token again: the header kept when this worker verified the token is the same."""
    _claims, header = app_cache("verified_tokens").get(encoded_token) or (None, None)
    return dict(header) if header is not None else pyjwt.get_unverified_header(encoded_token)


# The name flask-jwt-extended's view decorators call (flask_jwt_extended/view_decorators.py).
view_decorators.get_unverified_jwt_headers = _header_of_verified_token


jwt = VerifyingOnceJWTManager()


@jwt.user_identity_loader
def _identity(user: User) -> str:
    return str(user.id)


# No user_lookup_loader: loading the account on every request was one statement of a check-in's
# few. Views ask `server.auth.access.principal()` (cached, server/core/cache.py) or, the few that
# need the row itself, `access.account()`.


@jwt.token_in_blocklist_loader
def _is_revoked(_header, payload) -> bool:
    """A token is good only while its session is (logout, "log out on all devices" and a password
    change end sessions, and so both tokens of each) and its account is active. The same
    statement reads the cache generations the request's caches are checked against."""
    state = session_state(int(payload["sub"]), payload.get("sid"))
    if state is None:
        return True
    g.cache_generations = state.generations
    g.account_facts = state.account  # for `access.principal()` when this token's principal is not cached
    if not state.active:
        g.account_disabled = True
        return True
    return state.revoked


@jwt.revoked_token_loader
def _revoked(_header, _payload):
    if g.get("account_disabled"):
        return error_response(401, "This account no longer exists or is disabled.")
    return error_response(401, "The token was revoked; log in again.")


@jwt.unauthorized_loader
def _missing(reason: str):
    return error_response(401, "Log in first (no access token was sent).")


@jwt.invalid_token_loader
def _invalid(reason: str):
    return error_response(401, "The access token is not valid; log in again.")


@jwt.expired_token_loader
def _expired(_header, _payload):
    return error_response(401, "The token has expired; refresh it or log in again.")


@jwt.needs_fresh_token_loader
def _needs_fresh(_header, _payload):
    return error_response(401, "Log in again to do this.")


@jwt.token_verification_failed_loader
def _verification_failed(_header, _payload):
    return error_response(401, "The access token is not valid; log in again.")
