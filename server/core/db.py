"""The database handle and the engine settings each backend needs.

SQLite is the embedded default, so it gets the pragmas that make it behave under a few
concurrent writers: WAL (readers never block the writer), foreign keys on, a busy timeout,
and `BEGIN IMMEDIATE` for requests that may write. A deferred transaction that later upgrades
to a write lock fails at once with "database is locked" when another writer holds it, and the
busy timeout cannot help there; taking the write lock up front makes the second writer wait.
Writers wait their turn in a queue (`WriterQueue`) rather than in SQLite's busy handler, which
polls in growing sleeps and starves some writers under load.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import fcntl
import os
import sqlite3
import threading
import time

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

# Constraint names that Alembic can reproduce on every backend (SQLite needs named constraints
# for batch migrations to drop or alter them).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# Set per request: whether the transaction should take SQLite's write lock at BEGIN.
sqlite_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "sqlite_write_intent", default=True
)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python, on SQLite and PostgreSQL alike."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            # datetime.replace(tzinfo=...) costs four times more (keyword parsing), and this runs
            # for every timestamp SQLite returns (a committee's judgement reads hundreds of thousands).
            return dt.datetime.combine(value.date(), value.time(), dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # isolation_level=None turns off pysqlite's own BEGIN handling so ours is used.
        return {"connect_args": {"isolation_level": None, "timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True}


WRITER_WAIT_SECONDS = 30  # as long as SQLite's busy timeout
_WRITER = "zhibu_sqlite_writer"  # key in a pooled connection's info: the writer slot it holds


class WriterQueue:
    """Makes a SQLite database's writers wait their turn in a queue, not in SQLite's busy handler.

    `BEGIN IMMEDIATE` alone is correct but unfair and slow under contention: a writer that finds
    the database locked sleeps in SQLite's busy handler in growing steps (1, 2, 5, ... 100 ms) and
    retries, so with a few threads in a couple of gunicorn workers some requests wait seconds while
    others get in again and again. Here each writer first takes this process's lock (the threads
    of a worker queue on it without spinning), then an exclusive `flock` on a file next to the
    database (the workers take turns), then begins. Both are released when the connection goes
    back to the pool, after its COMMIT or ROLLBACK (a process that dies loses its flock with it).
    Waiting is bounded by WRITER_WAIT_SECONDS; past that the writer goes on to BEGIN IMMEDIATE and
    SQLite's busy timeout, as before. The lock file is `<database>-writers.lock`; writers that do
    not take it (another program, the sqlite3 shell) are still kept out by SQLite's own lock, but
    under a steady stream of queued writers they may wait up to their busy timeout: a tool that
    writes while the server runs should take the same flock first (`writer_lock_path()`).
    """

    def __init__(self, lock_path: str | None):
        self.local = threading.Lock()
        self.lock_path = lock_path

    def acquire(self, info: dict) -> None:
        if info.get(_WRITER) is not None:
            return  # this connection already holds the slot (a second transaction in one checkout)
        deadline = time.monotonic() + WRITER_WAIT_SECONDS
        if not self.local.acquire(timeout=WRITER_WAIT_SECONDS):
            return
        try:
            fd = self._lock_file(deadline)
        except BaseException:
            self.local.release()
            raise
        info[_WRITER] = -1 if fd is None else fd

    def _lock_file(self, deadline: float) -> int | None:
        """The lock file's descriptor, holding its flock; None when there is none or it took too long."""
        if not self.lock_path:
            return None
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:  # a read-only folder, say: SQLite's own locking still applies
            return None
        delay = 0.0002
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return None
                time.sleep(delay)  # short polls: only one thread per process waits here
                delay = min(delay * 2, 0.001)
            except BaseException:
                os.close(fd)
                raise

    def release(self, info: dict) -> None:
        fd = info.pop(_WRITER, None)
        if fd is None:
            return
        if fd >= 0:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        self.local.release()


def writer_lock_path(url: sa.URL) -> str | None:
    """The lock file SQLite writers queue on (see WriterQueue); None for an in-memory database."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:") or url.query.get("mode") == "memory":
        return None
    return os.path.abspath(database) + "-writers.lock"


def install_sqlite_hooks(engine: sa.Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    queue = WriterQueue(writer_lock_path(engine.url))

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        if sqlite_write_intent.get():
            queue.acquire(conn.info)
            sql = "BEGIN IMMEDIATE"
        else:
            sql = "BEGIN"
        # On the driver's connection: SQLAlchemy's execution of a statement (its context, events
        # and result) costs more than SQLite's BEGIN, and every request that touches the database begins.
        try:
            conn.connection.dbapi_connection.execute(sql)
        except sqlite3.Error as error:
            raise sa.exc.DBAPIError.instance(sql, (), error, sqlite3.Error, dialect=conn.dialect) from error

    # The connection is back in the pool: its transaction is over (committed or rolled back).
    @sa.event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        if record is not None:
            queue.release(record.info)

    @sa.event.listens_for(engine, "invalidate")
    def _on_invalidate(_dbapi_connection, record, _exception):
        if record is not None:
            queue.release(record.info)

    @sa.event.listens_for(engine, "detach")
    def _on_detach(_dbapi_connection, record):
        if record is not None:
            queue.release(record.info)
