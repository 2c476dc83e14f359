"""Rate limiting (Flask-Limiter): in memory by default, Redis when ZHIBU_REDIS_URL is set, so
that all gunicorn workers share one count. Behind a reverse proxy (ZHIBU_PROXY_FIX) the client's
address comes from X-Forwarded-For through werkzeug's ProxyFix."""
from __future__ import annotations

import flask_limiter
from flask import current_app, request
from flask_limiter.util import get_remote_address


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter, without its before-request check where it has nothing to check.

    Zhibu's limits are all declared on their views (`limit`, `shared_limit`), which check them
    when called. The before-request check only applies default, application, meta and blueprint
    limits, which Zhibu has none of; yet it resolved them for every request (a twentieth of a
    single scan's CPU). It still runs whenever any of those exists (for instance set through
    RATELIMIT_DEFAULT), or when the extension's internals are not the ones this was written for."""

    def _check_request_limit(self, callable_name=None, in_middleware=True):
        if in_middleware and callable_name is None and not self._limits_every_request():
            return None
        return super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def _limits_every_request(self) -> bool:
        manager = getattr(self, "limit_manager", None)
        try:
            return bool(manager._application_limits or manager._default_limits or self._meta_limits
                        or manager._blueprint_limits or manager._endpoint_hints)
        except AttributeError:  # another Flask-Limiter: check as it does
            return True


limiter = Limiter(key_func=get_remote_address, default_limits=[])


def login_pair_key() -> str:
    """The username and the client's address: one address failing for a username slows only itself."""
    # The key function only reads the username to count attempts; the view validates the body.
    body = request.get_json(silent=True)
    username = body.get("username") if isinstance(body, dict) else None
    return f"login:{str(username)[:64].strip().lower()}@{get_remote_address()}"


def login_failed(response) -> bool:
    """Only failed logins count against the limits: a member who types well is never slowed."""
    return response.status_code == 401


def per_address_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"]


def per_pair_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT_AND_ADDRESS"]


def ballot_limit() -> str:
    return current_app.config["BALLOT_RATE_LIMIT_PER_ADDRESS"]


def refused(response) -> bool:
    """A request the server refused (not a limit it already hit): what guessing produces."""
    return 400 <= response.status_code < 500 and response.status_code != 429
