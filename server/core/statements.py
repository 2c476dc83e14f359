"""SQL statements of the hot paths, built once per database dialect and run on the driver's cursor.

Building a Core statement (coercing each column and comparison, then deriving its cache key) cost
more than sending it: about 0.1 ms per statement, ten of them per check-in. So the hot statements
are built once (`prepared`) and compiled once per driver; `execute` then runs them on the DB-API
cursor of the session's connection, inside its transaction (`DriverStatement`). SQLAlchemy's own
execution of an already compiled statement (the execution context, parameter and result
processing, events, the result object) cost 30-60 µs of Python per statement, more than SQLite
takes to run it, and a single check-in makes a dozen. Values are converted by the type processors
SQLAlchemy itself would apply (chosen once per statement); driver errors are raised as
SQLAlchemy's, and a connection the database dropped is invalidated as SQLAlchemy would.
"""
from __future__ import annotations

import collections
import datetime as dt
import enum
import functools
import json
import operator
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import postgresql, sqlite

from server.core.db import UTCDateTime, db


def dialect_name() -> str:
    session = db.session()
    found = session.info.get(_DRIVER)  # the transaction's own, when it has begun (cheaper)
    return found[2].name if found is not None else session.get_bind().dialect.name


class Prepared:
    """A statement built by build(dialect_name) once per dialect, on first use. `execute` takes it
    as it is and runs the form of the transaction's dialect (looking the dialect up apart cost as
    much as a statement's parameters); calling it gives the statement for the session's dialect."""

    def __init__(self, build: Callable[[str], object]):
        self.build = build
        self.built: dict[str, object] = {}
        functools.update_wrapper(self, build)

    def __call__(self, dialect: str | None = None):
        return self.for_dialect(dialect or dialect_name())

    def for_dialect(self, dialect: str):
        stmt = self.built.get(dialect)
        if stmt is None:
            stmt = self.built[dialect] = self.build(dialect)
            _DRIVER_FORMS[id(stmt)] = (stmt, {})  # built once and kept for good: its id stays its own
        return stmt


def prepared(build: Callable[[str], object]) -> Prepared:
    """Decorates build(dialect_name) -> statement (see `Prepared`): `execute(that, params)` runs it
    on the driver."""
    return Prepared(build)


class Rows(list):
    """The rows a driver statement returned (named tuples), with the Result methods callers use."""

    def one(self):
        if len(self) != 1:
            raise (sa.exc.NoResultFound if not self else sa.exc.MultipleResultsFound)(
                f"Expected one row, got {len(self)}")
        return self[0]

    def first(self):
        return self[0] if self else None

    def scalar_one(self):
        return self.one()[0]

    def scalar(self):
        return self[0][0] if self else None

    def all(self) -> list:
        return list(self)


class DriverStatement:
    """A Core statement compiled once for one driver, run on the DB-API cursor.

    The SQL text and the order of its parameters come from SQLAlchemy's compiler, and so do the
    value processors (`_bind_processors`, `_cached_result_processor`: what SQLAlchemy's execution
    applies to the same statement). Parameters with fixed values (literals in the statement) are
    processed once. A statement must not have expanding (IN list) parameters: list values go as
    one text value (see `_among_param` in server/sync_api/operations.py)."""

    def __init__(self, stmt, dialect, column_keys=None):
        compiled = stmt.compile(dialect=dialect, column_keys=column_keys)
        if any(bind.expanding for bind in compiled.binds.values()):
            raise ValueError("a driver statement cannot expand a list parameter; send it as one value")
        self.sql = compiled.string
        processors = compiled._bind_processors
        fixed = {name: bind.value for bind, name in compiled.bind_names.items()
                 if not bind.required and bind.callable is None}
        self.positional = compiled.positional
        self.names = list(compiled.positiontup) if self.positional else list(dict.fromkeys(
            compiled.bind_names.values()))
        self.processors = [(name, processors.get(name)) for name in self.names]
        self.fixed = {name: (value if processors.get(name) is None else processors[name](value))
                      for name, value in fixed.items() if value is not None}
        columns = compiled._result_columns
        self.returns_rows = bool(columns)  # known here: psycopg builds its `description` anew on each read
        self.row_processors = [column[3]._cached_result_processor(dialect, None) for column in columns]
        self.any_row_processor = any(self.row_processors)
        self.row_type = collections.namedtuple("Row", [str(column[0]) for column in columns] or ["none"],
                                               rename=True)

    def values(self, params: dict):
        """The parameters as the driver takes them: a tuple (SQLite's ?) or a dict (psycopg's %(name)s)."""
        out = []
        fixed = self.fixed
        for name, process in self.processors:
            if name in params:
                value = params[name]
                if process is not None and value is not None:
                    value = process(value)
            elif name in fixed:
                value = fixed[name]
            else:  # as SQLAlchemy: a parameter without a value is an error, not a NULL
                raise sa.exc.ArgumentError(f"A value is required for bind parameter {name!r}")
            out.append(value)
        return tuple(out) if self.positional else dict(zip(self.names, out))

    def rows(self, raw: list) -> Rows:
        make = self.row_type._make
        if not self.any_row_processor:
            return Rows(map(make, raw))
        processors = self.row_processors
        return Rows(make([value if process is None or value is None else process(value)
                          for process, value in zip(processors, row)]) for row in raw)


_DRIVER_FORMS: dict = {}  # id(prepared statement) or a shape's key -> (statement, {driver: DriverStatement})
_DRIVER = "zhibu_driver_connection"  # in session.info: (Connection, DB-API cursor, dialect)


def _driver_connection(session):
    """The session's connection for this transaction (begun on first use, with its hooks: SQLite's
    BEGIN IMMEDIATE), a DB-API cursor on it and its dialect; kept until the transaction ends (one
    cursor for the transaction's statements: making one is a tenth of a psycopg execution)."""
    found = session.info.get(_DRIVER)
    if found is None:
        connection = session.connection()
        found = session.info[_DRIVER] = (connection, connection.connection.dbapi_connection.cursor(),
                                         connection.dialect)
    return found


@sa.event.listens_for(orm.Session, "after_transaction_end")  # every session class
def _forget_driver_connection(session, _transaction) -> None:
    found = session.info.pop(_DRIVER, None)
    if found is not None:
        try:
            found[1].close()
        except Exception:  # a connection already gone closes its cursors with it
            pass


def _driver_form(key, stmt, dialect, column_keys=None) -> DriverStatement:
    forms = _DRIVER_FORMS.setdefault(key, (stmt, {}))[1]
    form = forms.get(dialect.driver)
    if form is None:
        form = forms[dialect.driver] = DriverStatement(stmt, dialect, column_keys)
    return form


def run_on_driver(form: DriverStatement, params: dict | None, transaction: tuple) -> Rows:
    """Run a driver statement in the transaction (`_driver_connection`); driver errors raised as
    SQLAlchemy's."""
    if not form.returns_rows:
        _on_driver(transaction, form.sql, form.values(params or {}))
        return Rows()
    return form.rows(_on_driver(transaction, form.sql, form.values(params or {}), fetch=True))


def _on_driver(transaction: tuple, sql: str, values, *, fetch: bool = False, many: bool = False):
    """cursor.execute(sql, values) (executemany when `many`): the rows fetched when `fetch`, else
    the cursor's row count. Driver errors are raised as SQLAlchemy's."""
    connection, cursor, dialect = transaction
    # Listeners of the engine's cursor events (statement counters in tests and benches) see these
    # statements too; with none, this costs an attribute look-up.
    events = connection.dispatch
    if events.before_cursor_execute:
        events.before_cursor_execute(connection, cursor, sql, values, None, many)
    try:
        if many:
            cursor.executemany(sql, values)
        else:
            cursor.execute(sql, values)
        found = cursor.fetchall() if fetch else cursor.rowcount
    except dialect.loaded_dbapi.Error as error:
        dropped = dialect.is_disconnect(error, cursor.connection, cursor)
        if dropped:
            connection.invalidate(error)
        raise sa.exc.DBAPIError.instance(sql, values, error, dialect.loaded_dbapi.Error, dialect=dialect,
                                         connection_invalidated=dropped) from error
    if events.after_cursor_execute:
        events.after_cursor_execute(connection, cursor, sql, values, None, many)
    return found


def execute(stmt, params=None, session=None):
    """Run a statement in the session's transaction: on the driver's cursor when it is `prepared`
    (or one such built), see `DriverStatement`; else a Core statement through SQLAlchemy."""
    # The Session itself, not the scoped proxy (which finds it again on every attribute).
    session = session or db.session()
    if type(stmt) is not Prepared:
        entry = _DRIVER_FORMS.get(id(stmt))
        if entry is None or entry[0] is not stmt:
            return session.connection().execute(stmt, params)
    transaction = _driver_connection(session)
    if type(stmt) is Prepared:
        stmt = stmt.for_dialect(transaction[2].name)
    return run_on_driver(_driver_form(id(stmt), stmt, transaction[2]), params, transaction)


def session_dialect(session) -> str:
    """The name of the database dialect of the session's transaction (beginning it if need be)."""
    return _driver_connection(session)[2].name


_INSERTS: dict[tuple, object] = {}
SMALL_INSERT = 10  # rows up to which PostgreSQL gets a VALUES list rather than arrays


def insert_rows(table: sa.Table, rows: list[dict], *, conflict: list[str] | None = None,
                returning: tuple[str, ...] = (), session=None):
    """INSERT rows [ON CONFLICT (conflict) DO NOTHING] [RETURNING returning]: the rows written.

    On PostgreSQL the rows travel as one array per column (INSERT ... SELECT FROM unnest(...)):
    a multi-row VALUES of 500 scans binds 7,500 parameters, and converting those in the driver
    cost more than the insert itself; the statement text is also the same for any batch size.
    Each array is sent as the text of an array literal (`array_literal`), which the server casts
    to the column's type: the driver's own list adaptation inspected every element in Python and
    was a third of a batch's CPU. On SQLite several rows go by the driver's executemany (see
    `_insert_many_sqlite`). Statements are built once per shape. Rows must name every column that
    has a Python-side default (these paths leave them to the database).
    """
    session = session or db.session()
    names = list(rows[0])
    transaction = _driver_connection(session)
    connection, driver_dialect = transaction[0], transaction[2]
    dialect = driver_dialect.name
    if dialect == "sqlite" and len(rows) > 1:
        return _insert_many_sqlite(table, rows, names, conflict, returning, transaction)
    # A few rows (an online phone's single scan) go as plain VALUES.
    as_arrays = dialect == "postgresql" and len(rows) > SMALL_INSERT
    key = (dialect, as_arrays, table.name, tuple(names), tuple(conflict or ()), tuple(returning))
    params = [f"c{i}" for i in range(len(names))]  # column names may not be valid parameter names
    stmt = _INSERTS.get(key)
    if stmt is None:
        if not as_arrays:
            stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
            if conflict:
                stmt = stmt.on_conflict_do_nothing(index_elements=conflict)
            if returning:
                stmt = stmt.returning(*(table.c[name] for name in returning))
        else:
            casts = column_arrays(table, names, params)
            # WITH ORDINALITY ... ORDER BY: rows are inserted in the given order (callers sort by key).
            sql = (f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(names)} "
                   f"FROM unnest({casts}) WITH ORDINALITY AS given ({', '.join(names)}, ordinality) "
                   f"ORDER BY ordinality")
            if conflict:
                sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
            if returning:
                sql += f" RETURNING {', '.join(returning)}"
            stmt = sa.text(sql).bindparams(*(sa.bindparam(param, type_=sa.Text) for param in params))
            if returning:
                stmt = stmt.columns(*(table.c[name] for name in returning))
        _INSERTS[key] = stmt
    if as_arrays:
        return run_on_driver(_driver_form(key, stmt, driver_dialect), column_array_values(table, rows, names, params),
                             transaction)
    if len(rows) == 1:
        return run_on_driver(_driver_form(key, stmt, driver_dialect, column_keys=names), rows[0], transaction)
    return connection.execute(stmt, rows)  # a few rows on PostgreSQL: SQLAlchemy's "insert many values"


_SQLITE_INSERTS: dict[tuple, tuple] = {}  # shape -> (INSERT text, value processors, key column, returned)


def _insert_many_sqlite(table: sa.Table, rows: list[dict], names: list[str], conflict, returning,
                        transaction) -> Rows:
    """SQLite: the driver's executemany of one prepared INSERT, the values through the columns' own
    bind processors (as SQLAlchemy would send them). SQLAlchemy's "insert many values" built and
    processed a parameter per cell in Python (a third of a 500-scan push), and a JSON text read by
    json_each cost SQLite twice executemany's time. executemany returns no rows, so RETURNING is
    done by hand, which is sound because a writing SQLite transaction holds the database's only
    write lock: the rows get ids above the table's largest, given here; when the row count says
    every row went in, what they return is known, else the rows above that largest id are read."""
    key = (table.name, tuple(names), tuple(conflict or ()), tuple(returning))
    found = _SQLITE_INSERTS.get(key)
    if found is None:
        pk = None
        if returning:
            pk = next(iter(table.primary_key.columns))
            if len(table.primary_key.columns) != 1 or not isinstance(pk.type, sa.Integer) or pk.name in names:
                raise ValueError("RETURNING on SQLite needs an integer key the rows leave to the insert")
        given = names + ([pk.name] if pk is not None else [])
        sql = f"INSERT INTO {table.name} ({', '.join(given)}) VALUES ({', '.join('?' * len(given))})"
        if conflict:
            sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
        processors = [table.c[name].type._cached_bind_processor(transaction[2]) for name in names]
        returned = None
        if returning:  # the row type; whether the rows given know every value; the read's processors
            returned = (collections.namedtuple("Row", returning, rename=True),
                        all(name == pk.name or name in names for name in returning),
                        [table.c[name].type._cached_result_processor(transaction[2], None) for name in returning])
        found = _SQLITE_INSERTS[key] = (sql, processors, pk, returned)
    sql, processors, pk, returned = found
    # Column by column: a batch's cells repeat (the moment it was received, created, updated; a
    # check-in's empty flags), so each distinct value goes through its processor once.
    columns = list(zip(*map(operator.itemgetter(*names), rows))) if len(names) > 1 else [[r[names[0]] for r in rows]]
    for i, process in enumerate(processors):
        if process is not None:
            columns[i] = _processed(columns[i], process)
    if pk is None:
        _on_driver(transaction, sql, list(zip(*columns)), many=True)
        return Rows()
    largest = _on_driver(transaction, f"SELECT max({pk.name}) FROM {table.name}", (), fetch=True)[0][0] or 0
    ids = range(largest + 1, largest + 1 + len(rows))
    columns.append(ids)
    written = _on_driver(transaction, sql, list(zip(*columns)), many=True)
    row_type, known, read_processors = returned
    if written == len(rows) and known:
        picked = [ids if name == pk.name else [row[name] for row in rows] for name in returning]
        return Rows(map(row_type._make, zip(*picked)))
    read = f"SELECT {', '.join(returning)} FROM {table.name} WHERE {pk.name} > ? ORDER BY {pk.name}"
    return Rows(row_type._make(value if process is None or value is None else process(value)
                               for process, value in zip(read_processors, row))
                for row in _on_driver(transaction, read, (largest,), fetch=True))


def _processed(values, process) -> list:
    """values through a bind processor, each distinct one once (None stays None)."""
    try:
        written = {value: process(value) for value in set(values) if value is not None}
    except TypeError:  # unhashable values (a JSON column's lists): the empty one, nearly always, once
        empty = process([])
        return [None if v is None else empty if v == [] else process(v) for v in values]
    return list(map(written.get, values))


def column_arrays(table: sa.Table, names: list[str], params: list[str]) -> str:
    """`CAST(:param AS type[]), ...` for each column named: the arguments of an `unnest` that turns
    one array literal per column (`column_array_values`) back into rows, on PostgreSQL."""
    pg = postgresql.dialect()
    return ", ".join(f"CAST(:{param} AS {table.c[name].type.compile(dialect=pg)}[])"
                     for name, param in zip(names, params))


def column_array_values(table: sa.Table, rows: list[dict], names: list[str], params: list[str]) -> dict:
    """The values of `column_arrays`' parameters: each column of the rows as an array literal."""
    return {param: array_literal([row[name] for row in rows], table.c[name].type) for name, param in zip(names, params)}


def _quoted(text: str) -> str:
    if "\\" in text or '"' in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text + '"'


def _utc_text(value: dt.datetime) -> str:
    if value.tzinfo is not dt.timezone.utc:
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        value = value.astimezone(dt.timezone.utc)
    return value.isoformat()


def _element_writer(column_type):
    """How one non-null value of a column of this type is written in an array literal (chosen once
    per column, not per value: this runs for every cell of a batch)."""
    if isinstance(column_type, sa.JSON):
        return _json_element
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


def _json_element(value) -> str:
    if value == []:  # a check-in's review flags, nearly always
        return '"[]"'
    return _quoted(json.dumps(value))


def _remembering(write):
    """`write`, each distinct value written once: a batch's timestamps repeat (the time it was
    received, created, updated). Not for other columns: for unique values (nonces) the look-up
    costs more than writing them."""
    written: dict = {}

    def remembered(value):
        text = written.get(value)
        if text is None:
            text = written[value] = write(value)
        return text

    return remembered


def array_literal(values: list, column_type) -> str:
    """A PostgreSQL array literal ('{1,NULL,"text"}') of the values, as its column stores them."""
    write = _element_writer(column_type)
    if write is _utc_text and len(values) > SMALL_INSERT:
        write = _remembering(write)
    if None not in values:
        return "{" + ",".join(map(write, values)) + "}"
    return "{" + ",".join("NULL" if v is None else write(v) for v in values) + "}"
