"""Zhibu's Flask application factory."""
from __future__ import annotations

import os

from flask import Flask, request
from flask.sessions import SessionInterface
from flask_migrate import Migrate

from server import config as zconfig
from server.core.db import db, engine_options, install_sqlite_hooks, sqlite_write_intent

migrate = Migrate()
MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NoCookieSession(SessionInterface):
    """Zhibu keeps no state in cookies (the API authenticates with JWTs in a header): Flask's
    default session signed and parsed a cookie on every request for nothing. `flask.session` is
    an empty, unsaved NullSession that refuses writes."""

    def open_session(self, app, request):
        return None  # Flask then makes the null session

    def save_session(self, app, session, response):
        return None


class ZhibuFlask(Flask):
    session_interface = NoCookieSession()

    def dispatch_request(self):
        """One commit per request, here and nowhere else; any exception rolls back."""
        try:
            rv = super().dispatch_request()
            db.session.commit()
            return rv
        except BaseException:
            db.session.rollback()
            raise


def create_app(config: dict | None = None) -> Flask:
    app = ZhibuFlask(__name__, instance_path=os.environ.get("ZHIBU_INSTANCE_PATH") or None,
                     instance_relative_config=True, static_folder=None)
    app.config.from_mapping(zconfig.DEFAULTS)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "zhibu.sqlite3")
    app.config.update(zconfig.from_environment())
    if config:
        app.config.update(config)
    missing = [name for name in zconfig.SECRET_NAMES if not app.config.get(name)]
    if missing:
        app.config.update(zconfig.load_instance_secrets(app.instance_path, missing))
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )

    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    _init_extensions(app)
    _register_features(app)
    return app


def _init_extensions(app: Flask) -> None:
    from server.auth.tokens import jwt
    from server.core import headers
    from server.core.api import api, register_error_handlers
    from server.core.limiter import limiter

    db.init_app(app)
    with app.app_context():
        install_sqlite_hooks(db.engine)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    jwt.init_app(app)
    limiter.init_app(app)
    api.init_app(app)
    register_error_handlers(app)
    headers.init_app(app)

    @app.before_request
    def _declare_write_intent():
        # Tells the SQLite BEGIN hook whether to take the write lock up front: for unsafe methods,
        # and for a read whose view says it writes too (`write_intent`, e.g. a pull marking a device).
        view = app.view_functions.get(request.endpoint)
        reads_and_writes = getattr(getattr(view, "view_class", None), "write_intent", None)
        sqlite_write_intent.set(request.method not in SAFE_METHODS or bool(reads_and_writes and reads_and_writes()))


def _register_features(app: Flask) -> None:
    from server.activity_plan.views import blp as activity_plan_blp
    from server.archive.views import blp as archive_blp
    from server.audit.views import blp as audit_blp
    from server.auth.views import blp as auth_blp
    from server.calendar.views import blp as calendar_blp
    from server.cards.views import blp as cards_blp
    from server.compliance.views import blp as compliance_blp
    from server.corrections.views import blp as corrections_blp
    from server.core import apidocs
    from server.core.api import api
    from server.core.serve import serve_command
    from server.demo.cli import demo_command
    from server.dues.views import blp as dues_blp
    from server.imports.views import blp as imports_blp
    from server.featured.views import blp as featured_blp
    from server.rulebook.views import blp as rulebook_blp
    from server.evaluation.views import blp as evaluation_blp
    from server.events.views import blp as events_blp
    from server.exports.views import blp as exports_blp
    from server.filings.views import blp as filings_blp
    from server.minutes.views import blp as minutes_blp
    from server.notifications.cli import reminders_command
    from server.notifications.views import blp as notifications_blp
    from server.org.views import blp as org_blp
    from server.org_life.views import blp as org_life_blp
    from server.points.views import blp as points_blp
    from server.records.views import blp as records_blp
    from server.recruitment.views import blp as recruitment_blp
    from server.secretary_review.views import blp as secretary_review_blp
    from server.spa.views import blp as spa_blp
    from server.service.views import blp as service_blp
    from server.sync_api.views import blp as sync_blp
    from server.sync_api.views import scans_blp

    for blp in (auth_blp, org_blp, cards_blp, events_blp, records_blp, audit_blp, sync_blp, scans_blp,
                calendar_blp, filings_blp, minutes_blp, activity_plan_blp, compliance_blp, recruitment_blp):
        api.register_blueprint(blp, url_prefix="/api/v1" + (blp.url_prefix or ""))
    api.register_blueprint(notifications_blp, url_prefix="/api/v1")
    api.register_blueprint(dues_blp, url_prefix="/api/v1")
    api.register_blueprint(imports_blp, url_prefix="/api/v1")
    api.register_blueprint(evaluation_blp, url_prefix="/api/v1")
    api.register_blueprint(org_life_blp, url_prefix="/api/v1")
    api.register_blueprint(archive_blp, url_prefix="/api/v1")
    api.register_blueprint(points_blp, url_prefix="/api/v1")
    api.register_blueprint(service_blp, url_prefix="/api/v1")
    api.register_blueprint(featured_blp, url_prefix="/api/v1")
    api.register_blueprint(rulebook_blp, url_prefix="/api/v1")
    api.register_blueprint(corrections_blp, url_prefix="/api/v1")
    api.register_blueprint(exports_blp, url_prefix="/api/v1")
    api.register_blueprint(secretary_review_blp, url_prefix="/api/v1")
    _register_featured_templates(app)
    apidocs.init_app(app)
    # Last: its catch-all route serves the PWA for every path the API does not own.
    app.register_blueprint(spa_blp)
    app.cli.add_command(demo_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(reminders_command)


def _register_featured_templates(app: Flask) -> None:
    """The county's own featured-system templates (ZHIBU_FEATURED_TEMPLATES_DIR): read at start,
    a bad file stops the start naming the file and field; their rules join the compliance view."""
    if not app.config.get("FEATURED_TEMPLATES_DIR"):
        return
    from server.compliance import operations as _compliance  # noqa: F401  (the built-in rules first)
    from server.featured.loader import catalogue
    from server.featured.rules import register_templates

    register_templates(t for t in catalogue(app.config).values() if not t.builtin)

