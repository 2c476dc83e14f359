from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory

PWA_DIR = Path(__file__).resolve().parents[2] / "pwa"

blp = Blueprint("spa", __name__)


def _root() -> Path:
    # The built app when there is one (the PWA issue adds a Vite build), else the source folder.
    built = PWA_DIR / "dist"
    return built if (built / "index.html").exists() else PWA_DIR


@blp.get("/", defaults={"path": ""})
@blp.get("/<path:path>")
def app_shell(path: str):
    if path.startswith("api/"):
        abort(404)
    root = _root()
    if path and (root / path).is_file():
        return send_from_directory(root, path)
    # Any other path is a client-side route: answer with the shell, never cached.
    response = send_from_directory(root, "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
