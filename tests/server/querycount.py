"""Counting the SQL statements a request runs (the compliance views' fixed-queries promise)."""
from __future__ import annotations

import sqlalchemy as sa

from server.core.db import db


def statements_run(app, call) -> int:
    """How many statements the database saw while `call()` ran."""
    statements = []
    with app.app_context():
        engine = db.engine

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return len(statements)
