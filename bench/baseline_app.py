"""The ceiling the HTTP benchmarks compare Zhibu with: the least a sync endpoint can do.

A minimal Flask app with one endpoint, `POST /api/v1/sync/push` (the same path and body as
Zhibu's, so the same clients drive it): it parses the JSON body, inserts one row per mutation
(a single-scan push is one row, one INSERT, one commit) into `bench_baseline_scan` in the same
database, and acknowledges every mutation as `applied`. No authentication, no rules, no change
feed: whatever Zhibu spends beyond this is the price of its work.

Fairness: the engine is built with Zhibu's own `engine_options()` and, on SQLite, Zhibu's hooks
from `server/core/db.py` (WAL, foreign keys, busy timeout, synchronous=NORMAL, `BEGIN IMMEDIATE`
for writes); it is served by the same gunicorn set-up (bench/serving.py) on the same database.

The table is created by `prepare(url)` before the server starts (not by the workers, which
would race each other to create it).
"""
from __future__ import annotations

import json
import os

import sqlalchemy as sa
from flask import Flask, abort, request
from sqlalchemy.dialects import postgresql, sqlite

from server.core.db import UTCDateTime, engine_options, install_sqlite_hooks
from sync import clock

metadata = sa.MetaData()
baseline_scan = sa.Table(
    "bench_baseline_scan", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("nonce", sa.String(64), nullable=False, unique=True),
    sa.Column("mutation", sa.Text, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
)


def make_engine(url: str) -> sa.Engine:
    engine = sa.create_engine(url, **engine_options(url))
    install_sqlite_hooks(engine)  # a no-op on PostgreSQL
    return engine


def prepare(url: str) -> None:
    """Create the baseline's table (idempotent)."""
    engine = make_engine(url)
    try:
        metadata.create_all(engine)
    finally:
        engine.dispose()


def count(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(baseline_scan)).scalar_one()
    finally:
        engine.dispose()


def create_app(database_url: str | None = None) -> Flask:
    url = database_url or os.environ["ZHIBU_DATABASE_URL"]
    engine = make_engine(url)
    app = Flask(__name__)

    @app.get("/health")
    def health():
        return {"ok": True}

    @app.post("/api/v1/sync/push")
    def push():
        body = request.get_json(silent=True)
        mutations = body.get("mutations") if isinstance(body, dict) else None
        if not isinstance(mutations, list) or not mutations:
            abort(422)
        now = clock.now()
        rows = [{"nonce": m["id"], "mutation": json.dumps(m, separators=(",", ":")), "received_at": now}
                for m in mutations]
        # The same insert-or-ignore on the nonce as Zhibu's scans, so a retried batch is harmless.
        insert = (postgresql.insert if engine.dialect.name == "postgresql"
                  else sqlite.insert)(baseline_scan).on_conflict_do_nothing(index_elements=["nonce"])
        with engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE, as Zhibu's POSTs
            conn.execute(insert, rows)
        return {"protocol_version": 1, "results": [
            {"id": m["id"], "status": "applied", "code": None, "message": None, "record_id": None, "flags": []}
            for m in mutations]}

    return app


def tuned_app() -> Flask:
    """The app with the same runtime tuning as Zhibu's production entry point (server/wsgi.py)."""
    from server.core.runtime import tune_garbage_collector

    app = create_app()
    tune_garbage_collector()
    return app
