"""Serves the Swagger UI assets from the swagger-ui-bundle package, so /api/v1/docs needs no CDN."""
from __future__ import annotations

import swagger_ui_bundle
from flask import Blueprint, send_from_directory

ASSETS = swagger_ui_bundle.swagger_ui_path


def init_app(app) -> None:
    bp = Blueprint("apidocs_assets", __name__)

    @bp.get("/api/v1/docs/assets/<path:filename>")
    def asset(filename: str):
        return send_from_directory(ASSETS, filename, max_age=86400)

    app.register_blueprint(bp)
