"""Rate limiting (Flask-Limiter): in memory by default, Redis when ZHIBU_REDIS_URL is set, so
that all gunicorn workers share one count."""
from __future__ import annotations

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[])


def login_account_key() -> str:
    # The key function only reads the username to count attempts; the view validates the body.
    body = request.get_json(silent=True)
    username = body.get("username") if isinstance(body, dict) else None
    return f"login-account:{str(username)[:64].strip().lower()}"


def per_address_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"]


def per_account_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"]
