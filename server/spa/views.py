from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Blueprint, abort, current_app, request
from werkzeug.security import safe_join

PWA_DIR = Path(__file__).resolve().parents[2] / "pwa"

blp = Blueprint("spa", __name__)

MIMETYPES = {".webmanifest": "application/manifest+json", ".js": "text/javascript", ".mjs": "text/javascript"}
YEAR = 365 * 24 * 3600


def _root() -> Path:
    # The built app (pwa/dist, made by `npm run build`) when there is one, else the source folder.
    built = Path(current_app.config.get("PWA_DIST") or PWA_DIR / "dist")
    return built if (built / "index.html").exists() else PWA_DIR


def _send(root: Path, path: str, cache_control: str):
    """Send a file, its precompressed .gz twin when the browser accepts gzip (see
    pwa/scripts/precompress.mjs): a phone on a slow network gets a third of the bytes.

    The app's files are small (the largest is some 100 KB): they are read whole and sent from
    memory, so no file stays open while a phone that went away is still being answered."""
    mimetype = MIMETYPES.get(Path(path).suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    use_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    name = safe_join(str(root), f"{path}.gz") if use_gzip else None
    if not (name and Path(name).is_file()):
        use_gzip, name = False, safe_join(str(root), path)
    if name is None or not Path(name).is_file():
        abort(404)
    file = Path(name)
    stat = file.stat()
    response = current_app.response_class(file.read_bytes(), mimetype=mimetype)
    response.set_etag(f"{stat.st_mtime_ns:x}-{stat.st_size:x}{'-gz' if use_gzip else ''}")
    response.last_modified = stat.st_mtime
    response.make_conditional(request)
    if use_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = cache_control
    return response


@blp.get("/", defaults={"path": ""})
@blp.get("/<path:path>")
def app_shell(path: str):
    if path.startswith("api/"):
        abort(404)
    root = _root()
    if path and not path.endswith(".gz") and (root / path).is_file():
        # Vite puts a content hash in every file name under assets/: those never change. Every
        # other file (sw.js, manifest.webmanifest, icons) keeps its name across releases, so the
        # browser must revalidate it each time: a new service worker, hence a new version, is
        # then found at once.
        hashed = path.startswith("assets/")
        return _send(root, path, f"public, max-age={YEAR}, immutable" if hashed else "no-cache")
    # Any other path is a client-side route: answer with the shell, never cached.
    return _send(root, "index.html", "no-cache")
