"""Where minutes photos live: files under the upload folder, named by a random id, outside the database.

The type of a file is read from its first bytes (JPEG, PNG or WebP), never from what the client
claims, and files are served back with that type and `nosniff`.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

from flask import current_app

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
