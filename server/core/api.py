"""The API object, its blueprint class and the one error shape every failure uses.

Errors are `{code, status, message, errors?}` (flask-smorest's shape), whether they come from
validation, `abort()`, the JWT layer, the rate limiter, the database or an unexpected crash.
"""
from __future__ import annotations

from http import HTTPStatus

import sqlalchemy.exc
import sqlalchemy.orm.exc
from flask import jsonify
from flask_smorest import Api, Blueprint, abort  # noqa: F401  (abort re-exported for features)

api = Api()

API_PREFIX = "/api/v1"


class FeatureBlueprint(Blueprint):
    """A feature's blueprint, mounted under /api/v1."""


def error_response(status: int, message: str, errors: dict | None = None):
    body = {"code": status, "status": HTTPStatus(status).phrase, "message": message}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


def register_error_handlers(app) -> None:
    @app.errorhandler(sqlalchemy.exc.IntegrityError)
    def _integrity_error(_exc):
        # A uniqueness or foreign-key rule of the database refused the change.
        return error_response(409, "The change conflicts with existing data.")

    @app.errorhandler(sqlalchemy.orm.exc.StaleDataError)
    def _stale(_exc):
        return error_response(409, "Someone else changed this item first; reload and try again.")


def load_or_404(model, object_id: int):
    """Step one of every handler: load the object named in the URL, or 404."""
    from server.core.db import db

    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404, message=f"No such {model.__tablename__.replace('_', ' ')}.")
    return obj


def require(allowed: bool, message: str = "You may not do this.") -> None:
    """Step two: the access check, 403 when it fails."""
    if not allowed:
        abort(403, message=message)
