"""Where minutes photos live: files under the upload folder, named by a random id, outside the database.

The type of a file is read from its first bytes (JPEG, PNG or WebP), never from what the client
claims, and files are served back with that type and `nosniff`.
"""
from __future__ import annotations

import io
import os
import uuid
from pathlib import Path

from flask import current_app, send_file

from server.core.api import abort

# content type, extension, and a test on the first bytes
IMAGE_TYPES = (
    ("image/jpeg", "jpg", lambda b: b[:3] == b"\xff\xd8\xff"),
    ("image/png", "png", lambda b: b[:8] == b"\x89PNG\r\n\x1a\n"),
    ("image/webp", "webp", lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP"),
)


def sniff(data: bytes) -> tuple[str, str] | None:
    for content_type, ext, test in IMAGE_TYPES:
        if test(data):
            return content_type, ext
    return None


def upload_root() -> Path:
    return Path(current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads"))


def save(folder: int | str, data: bytes, ext: str) -> str:
    """Write the file (atomically: a temporary name, then a rename) and return its relative path."""
    relative = f"{folder}/{uuid.uuid4().hex}.{ext}"
    target = upload_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return relative


def path_of(relative: str) -> Path:
    root = upload_root().resolve()
    path = (root / relative).resolve()
    if root not in path.parents:  # never outside the folder, whatever the row says
        raise FileNotFoundError(relative)
    return path


def read_upload(upload, noun: str = "A photo") -> bytes:
    """The uploaded file's bytes, at most MINUTES_PHOTO_MAX_BYTES (413 above, 422 when empty)."""
    limit = current_app.config["MINUTES_PHOTO_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        abort(413, message=f"{noun} may be at most {limit // (1024 * 1024)} MB.")
    if not data:
        abort(422, message="The file is empty.", errors={"files": {"file": ["Empty file."]}})
    return data


def file_response(relative: str, content_type: str, etag: str, filename: str):
    """Serve a stored file with the type sniffed when it was stored, `nosniff`, private caching;
    404 when its file is missing."""
    try:
        path = path_of(relative)
        data = path.read_bytes()  # at most a few MB; no open file outlives the request
    except FileNotFoundError:
        abort(404, message="The file is missing on the server.")
    response = send_file(io.BytesIO(data), mimetype=content_type, etag=etag, conditional=True, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}{path.suffix}"'
    return response
