"""Rate limiting (Flask-Limiter): in memory by default, Redis when ZHIBU_REDIS_URL is set, so
that all gunicorn workers share one count. Behind a reverse proxy (ZHIBU_PROXY_FIX) the client's
address comes from X-Forwarded-For through werkzeug's ProxyFix."""
from __future__ import annotations

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

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
