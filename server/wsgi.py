"""The WSGI entry point of a production server: `gunicorn 'server.wsgi:app'` (docs/deployment.md).

It makes the app from the environment (server/config.py), then tunes the garbage collector for a
long-running worker (server/core/runtime.py)."""
from __future__ import annotations

from server import create_app
from server.core.runtime import tune_garbage_collector

app = create_app()
tune_garbage_collector()
