from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory

PWA_DIR = Path(__file__).resolve().parents[2] / "pwa"

blp = Blueprint("spa", __name__)

MIMETYPES = {".webmanifest": "application/manifest+json", ".js": "text/javascript", ".mjs": "text/javascript"}
YEAR = 365 * 24 * 3600


def _root() -> Path:
    # The built app (pwa/dist, made by `npm run build`) when there is one, else the source folder.
    built = PWA_DIR / "dist"
    return built if (built / "index.html").exists() else PWA_DIR


def _shell(root: Path):
    response = send_from_directory(root, "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@blp.get("/", defaults={"path": ""})
@blp.get("/<path:path>")
def app_shell(path: str):
    if path.startswith("api/"):
        abort(404)
    root = _root()
    if path and (root / path).is_file():
        # Vite puts a content hash in every file name under assets/: those never change. Every
        # other file (sw.js, manifest.webmanifest, icons) keeps its name across releases, so the
        # browser must revalidate it each time: a new service worker, hence a new version, is
        # then found at once.
        hashed = path.startswith("assets/")
        response = send_from_directory(root, path, max_age=YEAR if hashed else 0,
                                       mimetype=MIMETYPES.get(Path(path).suffix))
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable" if hashed else "no-cache"
        return response
    # Any other path is a client-side route: answer with the shell, never cached.
    return _shell(root)
