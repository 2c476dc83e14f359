"""Tuning of the Python runtime for a long-running server worker (server/wsgi.py).

A push of 500 check-ins allocates some hundred thousand short-lived objects (rows, dicts, results);
with the default thresholds (700 allocations) the cyclic garbage collector ran dozens of times per
push, and its full collections walked every object of the loaded app (Flask, SQLAlchemy's mappers,
marshmallow schemas: several hundred thousand): about two fifths of a batch's CPU on SQLite in the
profile. `gc.freeze()` moves what exists once the app is made into a permanent generation that
collections skip, and a larger first threshold makes collections rarer; reference counting still
frees almost everything at once, so memory does not grow. Not applied in tests, which make
hundreds of apps in one process (frozen objects are never collected).
"""
from __future__ import annotations

import gc
import os

# Allocations between collections of the youngest generation (Python's default: 700).
GC_THRESHOLD = (50_000, 20, 20)


def tune_garbage_collector() -> None:
    """Freeze the objects that live as long as the process and make collections rarer.
    ZHIBU_GC_TUNING=0 keeps Python's defaults (to compare)."""
    if os.environ.get("ZHIBU_GC_TUNING", "1") == "0":
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
