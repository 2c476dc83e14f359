"""SQL statements of the hot paths, built once per database dialect instead of once per request.

Building a Core statement (coercing each column and comparison, then deriving its cache key) cost
more than sending it: about 0.1 ms per statement, ten of them per check-in. A statement with
bind parameters built once is reused with new values; SQLAlchemy's compiled cache then finds it
at once. Executed on the session's connection: the ORM's layer adds nothing to a Core statement
but time.
"""
from __future__ import annotations

import datetime as dt
import enum
import functools
import json
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from server.core.db import UTCDateTime, db


def dialect_name() -> str:
    return db.session.get_bind().dialect.name


def prepared(build: Callable[[str], object]) -> Callable[[], object]:
    """Decorates build(dialect_name) -> statement: calling the result gives the statement for
    the session's dialect, built on first use."""
    built: dict[str, object] = {}

    @functools.wraps(build)
    def get(dialect: str | None = None):
        dialect = dialect or dialect_name()
        stmt = built.get(dialect)
        if stmt is None:
            stmt = built[dialect] = build(dialect)
        return stmt

    return get


def execute(stmt, params=None):
    """Run a Core statement on the session's connection (in its transaction)."""
    return db.session.connection().execute(stmt, params)


_INSERTS: dict[tuple, object] = {}
SMALL_INSERT = 10  # rows up to which PostgreSQL gets a VALUES list rather than arrays


def insert_rows(table: sa.Table, rows: list[dict], *, conflict: list[str] | None = None, returning=(), session=None):
    """INSERT rows [ON CONFLICT (conflict) DO NOTHING] [RETURNING returning]: the rows written.

    On PostgreSQL the rows travel as one array per column (INSERT ... SELECT FROM unnest(...)):
    a multi-row VALUES of 500 scans binds 7,500 parameters, and converting those in the driver
    cost more than the insert itself; the statement text is also the same for any batch size.
    Each array is sent as the text of an array literal (`array_literal`), which the server casts
    to the column's type: the driver's own list adaptation inspected every element in Python and
    was a third of a batch's CPU. Statements are built once per shape. Rows must name every
    column that has a Python-side default (the array path leaves them to the database).
    """
    session = session or db.session
    names = list(rows[0])
    dialect = session.get_bind().dialect.name
    # A few rows (an online phone's single scan) go as plain VALUES.
    as_arrays = dialect == "postgresql" and len(rows) > SMALL_INSERT
    key = (dialect, as_arrays, table.name, tuple(names), tuple(conflict or ()), tuple(c.name for c in returning))
    stmt = _INSERTS.get(key)
    if stmt is None:
        if not as_arrays:
            stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
            if conflict:
                stmt = stmt.on_conflict_do_nothing(index_elements=conflict)
            if returning:
                stmt = stmt.returning(*(table.c[c.name] for c in returning))
        else:
            pg = postgresql.dialect()
            casts = ", ".join(f"CAST(:c{i} AS {table.c[name].type.compile(dialect=pg)}[])"
                              for i, name in enumerate(names))
            # WITH ORDINALITY ... ORDER BY: rows are inserted in the given order (callers sort by key).
            sql = (f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(names)} "
                   f"FROM unnest({casts}) WITH ORDINALITY AS given ({', '.join(names)}, ordinality) "
                   f"ORDER BY ordinality")
            if conflict:
                sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
            if returning:
                sql += f" RETURNING {', '.join(column.name for column in returning)}"
            stmt = sa.text(sql).bindparams(*(sa.bindparam(f"c{i}", type_=sa.Text) for i in range(len(names))))
            if returning:
                stmt = stmt.columns(*returning)
        _INSERTS[key] = stmt
    if not as_arrays:
        return session.connection().execute(stmt, rows)
    return session.connection().execute(stmt, {
        f"c{i}": array_literal([row[name] for row in rows], table.c[name].type) for i, name in enumerate(names)})


def _quoted(text: str) -> str:
    if "\\" in text or '"' in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text + '"'


def _utc_text(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
    return value.astimezone(dt.timezone.utc).isoformat()


def _element_writer(column_type):
    """How one non-null value of a column of this type is written in an array literal (chosen once
    per column, not per value: this runs for every cell of a batch)."""
    if isinstance(column_type, sa.JSON):
        return lambda v: _quoted(json.dumps(v))
    if isinstance(column_type, sa.Boolean):
        return lambda v: "t" if v else "f"
    if isinstance(column_type, sa.Integer):  # BigInteger too
        return str
    if isinstance(column_type, UTCDateTime | sa.DateTime):
        return _utc_text  # digits, dashes, colons, a dot and a plus: nothing to quote
    if isinstance(column_type, sa.Date):
        return dt.date.isoformat
    if isinstance(column_type, sa.Enum):
        return lambda v: _quoted(v.value if isinstance(v, enum.Enum) else v)
    return lambda v: _quoted(str(v))


def array_literal(values: list, column_type) -> str:
    """A PostgreSQL array literal ('{1,NULL,"text"}') of the values, as its column stores them."""
    write = _element_writer(column_type)
    if None not in values:
        return "{" + ",".join(map(write, values)) + "}"
    return "{" + ",".join("NULL" if v is None else write(v) for v in values) + "}"
