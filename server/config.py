"""Configuration: defaults here, then ZHIBU_* environment variables, then the test override.

Secrets never live in the repository: when not given through the environment they are generated
once into the instance folder (instance/secrets.json, mode 0600) and reused from then on.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from pathlib import Path

DEFAULTS = {
    "API_TITLE": "Zhibu API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    # Served by Zhibu itself (see server/core/apidocs.py): no CDN.
    "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
    "API_SPEC_OPTIONS": {
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
        },
        "security": [{"bearerAuth": []}],
    },
    "SQLALCHEMY_RECORD_QUERIES": False,
    "JWT_ACCESS_TOKEN_EXPIRES": dt.timedelta(minutes=15),
    "JWT_REFRESH_TOKEN_EXPIRES": dt.timedelta(days=30),
    "JWT_ERROR_MESSAGE_KEY": "message",
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    # Failed logins only. Per username from one address the windows grow: a backoff.
    "LOGIN_RATE_LIMIT_PER_ADDRESS": "30 per minute; 200 per hour",
    "LOGIN_RATE_LIMIT_PER_ACCOUNT_AND_ADDRESS": "5 per minute; 10 per 10 minutes; 20 per hour",
    # Refused ballots and guest-token look-ups (no login there), per address: guessing a printed
    # token is slowed; a member whose form is accepted is never counted.
    "BALLOT_RATE_LIMIT_PER_ADDRESS": "20 per minute; 100 per hour",
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    "CARD_VALIDITY_DAYS": 3 * 365,
    "PROXY_FIX": False,
    "PASSWORD_HASH_PROFILE": "rfc9106_low_memory",
    "CARD_PREVIOUS_PUBLIC_KEYS": [],
    # Sync protocol: clients older than this are told to update (their safe mutations still land).
    "SYNC_MIN_PROTOCOL_VERSION": 1,
    "EVENT_CODE_STEP_SECONDS": 30,
    "EVENT_CODE_TOLERANCE_STEPS": 2,
    "SYNC_LATE_DELIVERY_SECONDS": 6 * 3600,
    "SYNC_CLOCK_SKEW_SECONDS": 300,
    # Guessing event codes: wrong codes per event from one account and from one phone before its
    # event-code check-ins for that event are refused; and in all, before accepted ones are flagged.
    "WRONG_CODES_PER_MEMBER": 5,
    "WRONG_CODES_PER_DEVICE": 10,
    "WRONG_CODES_PER_EVENT": 100,
    # Minutes photos: files under this folder (default: <instance>/uploads), not in the database.
    "UPLOAD_FOLDER": None,
    "MINUTES_PHOTO_MAX_BYTES": 5 * 1024 * 1024,
    "MINUTES_PHOTOS_PER_EVENT": 30,
    # Imports (server/imports): the workbook's size, and checks plus imports per address.
    "IMPORT_MAX_BYTES": 8 * 1024 * 1024,
    "IMPORT_RATE_LIMIT_PER_ADDRESS": "20 per minute; 200 per hour",
    # Study and service records a member may submit per day (server/service); more wait for tomorrow.
    "OWN_RECORDS_PER_DAY": 20,
    # Web Push (server/notifications/push.py): sent only when a contact is set (the VAPID `sub`,
    # mailto: or https:); the VAPID key itself is a secret (SECRET_NAMES).
    "PUSH_CONTACT": None,
    # Endpoints are accepted only on these push services (a host or its subdomains), so that the
    # server never posts to an address a user made up.
    "PUSH_ENDPOINT_HOSTS": ["fcm.googleapis.com", "android.googleapis.com", "push.services.mozilla.com",
                            "push.apple.com", "notify.windows.com"],
    "PUSH_TIMEOUT_SECONDS": 5,
    "PUSH_TTL_SECONDS": 24 * 3600,
    "PUSH_SUBSCRIPTIONS_PER_USER": 10,
    # The TrueType CJK font embedded in generated PDFs (server/core/pdf.py); None: Debian's paths.
    "PDF_FONT": None,
    # A folder of the county's own featured-system templates (*.toml, docs/featured-templates.md),
    # offered after the built-in ones; None: the built-in templates only.
    "FEATURED_TEMPLATES_DIR": None,
}

# ZHIBU_<NAME> environment variable → config key, and how to read it.
_seconds = lambda v: dt.timedelta(seconds=int(v))  # noqa: E731
_flag = lambda v: v.strip().lower() in {"1", "true", "yes", "on"}  # noqa: E731
ENVIRONMENT = {
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "SECRET_KEY": ("SECRET_KEY", str),
    "JWT_SECRET_KEY": ("JWT_SECRET_KEY", str),
    "CARD_SIGNING_KEY": ("CARD_SIGNING_KEY", str),
    "ACCESS_TOKEN_SECONDS": ("JWT_ACCESS_TOKEN_EXPIRES", _seconds),
    "REFRESH_TOKEN_SECONDS": ("JWT_REFRESH_TOKEN_EXPIRES", _seconds),
    "REDIS_URL": ("RATELIMIT_STORAGE_URI", str),
    "LOGIN_RATE_LIMIT_PER_ADDRESS": ("LOGIN_RATE_LIMIT_PER_ADDRESS", str),
    "LOGIN_RATE_LIMIT_PER_ACCOUNT_AND_ADDRESS": ("LOGIN_RATE_LIMIT_PER_ACCOUNT_AND_ADDRESS", str),
    "BALLOT_RATE_LIMIT_PER_ADDRESS": ("BALLOT_RATE_LIMIT_PER_ADDRESS", str),
    "PROXY_FIX": ("PROXY_FIX", _flag),
    "CARD_PREVIOUS_PUBLIC_KEYS": ("CARD_PREVIOUS_PUBLIC_KEYS", lambda v: [k.strip() for k in v.split(",") if k.strip()]),
    "SYNC_MIN_PROTOCOL_VERSION": ("SYNC_MIN_PROTOCOL_VERSION", int),
    "EVENT_CODE_STEP_SECONDS": ("EVENT_CODE_STEP_SECONDS", int),
    "EVENT_CODE_TOLERANCE_STEPS": ("EVENT_CODE_TOLERANCE_STEPS", int),
    "SYNC_LATE_DELIVERY_SECONDS": ("SYNC_LATE_DELIVERY_SECONDS", int),
    "UPLOAD_FOLDER": ("UPLOAD_FOLDER", str),
    "MINUTES_PHOTO_MAX_BYTES": ("MINUTES_PHOTO_MAX_BYTES", int),
    "OWN_RECORDS_PER_DAY": ("OWN_RECORDS_PER_DAY", int),
    "IMPORT_MAX_BYTES": ("IMPORT_MAX_BYTES", int),
    "IMPORT_RATE_LIMIT_PER_ADDRESS": ("IMPORT_RATE_LIMIT_PER_ADDRESS", str),
    "VAPID_PRIVATE_KEY": ("VAPID_PRIVATE_KEY", str),
    "PUSH_CONTACT": ("PUSH_CONTACT", str),
    "PDF_FONT": ("PDF_FONT", str),
    "FEATURED_TEMPLATES_DIR": ("FEATURED_TEMPLATES_DIR", str),
    "PUSH_ENDPOINT_HOSTS": ("PUSH_ENDPOINT_HOSTS", lambda v: [h.strip().lower() for h in v.split(",") if h.strip()]),
}

SECRET_NAMES = ("SECRET_KEY", "JWT_SECRET_KEY", "CARD_SIGNING_KEY", "VAPID_PRIVATE_KEY")


def from_environment(environ=os.environ) -> dict:
    config = {}
    for name, (key, parse) in ENVIRONMENT.items():
        value = environ.get(f"ZHIBU_{name}")
        if value:
            config[key] = parse(value)
    return config


def _new_secret(name: str) -> str:
    if name == "CARD_SIGNING_KEY":
        return secrets.token_bytes(32).hex()  # raw Ed25519 private key, hex
    if name == "VAPID_PRIVATE_KEY":
        from server.notifications.push import new_vapid_private_key

        return new_vapid_private_key()  # raw P-256 private key, base64url
    return secrets.token_urlsafe(48)


def load_instance_secrets(instance_path: str | Path, missing: list[str]) -> dict:
    """Read secrets.json, generating the missing ones; safe when several workers start at once."""
    path = Path(instance_path) / "secrets.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    stored = json.loads(path.read_text()) if path.exists() else {}
    if all(name in stored for name in missing):
        return {name: stored[name] for name in missing}
    stored.update({name: _new_secret(name) for name in missing if name not in stored})
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(stored, fh, indent=2)
    try:
        # Link, not rename: if another worker won the race, its file stays and we read it.
        os.link(tmp, path)
    except FileExistsError:
        existing = json.loads(path.read_text())
        if all(name in existing for name in missing):
            stored = existing
        else:
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return {name: stored[name] for name in missing}
