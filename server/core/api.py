"""The API object, its blueprint class and the one error shape every failure uses.

Errors are `{code, status, message, errors?}` (flask-smorest's shape), whether they come from
validation, `abort()`, the JWT layer, the rate limiter, the database or an unexpected crash.
"""
from __future__ import annotations

import functools
from http import HTTPStatus

import sqlalchemy.exc
import sqlalchemy.orm.exc
from flask import jsonify, request
from flask_smorest import Api, Blueprint, abort  # noqa: F401  (abort re-exported for features)
from marshmallow import validate
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from server.core.pdf import FontMissing

VALIDATION_MESSAGE = "The request is not valid; see errors."

# Ids are `integer` columns, PostgreSQL's int4. A larger number names no row, and sent to the
# database it is an error there ("integer out of range"; beyond 2**63 in SQLite's driver too),
# so it is refused at the edge: a 404 in a URL, a 422 in a body or query.
MAX_ID = 2**31 - 1
ID_RANGE = validate.Range(min=1, max=MAX_ID)


class IdConverter(IntegerConverter):
    """`<int:...>` in every URL: a non-negative integer up to MAX_ID (documented as the maximum)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class ZhibuApi(Api):
    def init_app(self, app, **kwargs):
        # Before any blueprint is registered, so that every rule's <int:...> is an IdConverter.
        app.url_map.converters["int"] = IdConverter
        super().init_app(app, **kwargs)

    def handle_http_exception(self, error):
        """flask-smorest's JSON error, always with a `message`: webargs' validation errors, routing's
        404/405 and a bad JSON body come without one, so the exception's own description is used."""
        data = getattr(error, "data", None) or {}
        if "message" not in data:
            message = (VALIDATION_MESSAGE if "messages" in data or "errors" in data
                       else error.description or HTTPStatus(error.code).phrase)
            error.data = {**data, "message": message}
        return super().handle_http_exception(error)


api = ZhibuApi()

API_PREFIX = "/api/v1"


# Beyond this page, (page - 1) × page_size overflows the databases' 64-bit offsets; no list is that long.
MAX_PAGE = 1_000_000


class FeatureBlueprint(Blueprint):
    """A feature's blueprint, mounted under /api/v1."""

    def paginate(self, pager=None, **options):
        """flask-smorest's pagination with an upper bound on `page` (its schema has none)."""
        paginate = super().paginate(pager, **options)

        def decorator(func):
            @functools.wraps(func)
            def bounded(*args, **kwargs):
                if request.args.get("page", type=int, default=1) > MAX_PAGE:
                    abort(422, errors={"query": {"page": [f"Must be at most {MAX_PAGE}."]}}, message=VALIDATION_MESSAGE)
                return func(*args, **kwargs)
            return paginate(bounded)
        return decorator


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

    @app.errorhandler(FontMissing)
    def _font_missing(exc):
        # The deployment lacks the CJK font PDFs embed (server/core/pdf.py): say so, keep nothing.
        return error_response(503, str(exc))

    @app.errorhandler(sqlalchemy.exc.DataError)
    def _data_error(_exc):
        # The database cannot store a value it was given: PostgreSQL refuses text with NUL
        # characters (SQLite keeps them) and numbers beyond a column's range.
        return error_response(422, "A value in this request cannot be stored "
                                   "(a number out of range, or text with a NUL character).")


class UpgradeRequired(HTTPException):
    """426: the client speaks a protocol version the server no longer serves."""

    code = 426

    def __init__(self, message: str):
        super().__init__(message)
        self.data = {"message": message}  # where flask-smorest's error handler reads the message


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
