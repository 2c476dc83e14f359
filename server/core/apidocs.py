"""Serves the Swagger UI assets from the swagger-ui-bundle package, so /api/v1/docs needs no CDN,
and the page's start-up script as a file (server/templates/swagger_ui.html), so the page needs no
inline script under the Content-Security-Policy."""
from __future__ import annotations

import swagger_ui_bundle
from flask import Blueprint, send_from_directory

ASSETS = swagger_ui_bundle.swagger_ui_path


def init_app(app) -> None:
    bp = Blueprint("apidocs_assets", __name__)

    @bp.get("/api/v1/docs/assets/<path:filename>")
    def asset(filename: str):
        return send_from_directory(ASSETS, filename, max_age=86400)

    @bp.get("/api/v1/docs/start.js")
    def start():
        response = app.response_class(START_JS, mimetype="text/javascript")
        response.headers["Cache-Control"] = "no-cache"
        return response

    app.register_blueprint(bp)


START_JS = """window.addEventListener('load', function () {
  var container = document.getElementById('swagger-ui-container');
  window.ui = SwaggerUIBundle({ url: container.dataset.specUrl, dom_id: '#swagger-ui-container' });
});
"""
