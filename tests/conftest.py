"""Shared fixtures. Database-facing tests take `app` (or anything built on it) and run once per
backend: SQLite always, PostgreSQL when it is reachable (a clear skip, and a banner at the end,
when it is not). Each test gets a fresh database built by the real migrations: a copy of a
migrated SQLite file, or a PostgreSQL database cloned from a migrated template.

Time is an input (sync/clock.py). Every test starts on the suite's clock (the real time, or
`ZHIBU_TODAY` when it is set) and gets it back afterwards, whatever it did with the `clock`
fixture. A test marked `dated` depends on the day it runs: it runs at the suite's today and
again at each of SUITE_DATES, the days on which date bugs show (see docs/testing.md).
"""
from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import shutil
import uuid

import pytest
import sqlalchemy as sa

from sync import clock as _clock

PG_SERVER_URL = os.environ.get("ZHIBU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = [b for b in os.environ.get("ZHIBU_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]

TEST_CONFIG = {
    "TESTING": True,
    "PASSWORD_HASH_PROFILE": "cheapest",
    "SECRET_KEY": "test-secret-key",
    "JWT_SECRET_KEY": "test-jwt-secret-key-that-is-long-enough-for-hs256",
    # TEST ONLY key (32 bytes hex); production keys live in the instance folder or the environment.
    "CARD_SIGNING_KEY": "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    "LOGIN_RATE_LIMIT_PER_ADDRESS": "1000 per minute",
    "LOGIN_RATE_LIMIT_PER_ACCOUNT_AND_ADDRESS": "1000 per minute",
    "BALLOT_RATE_LIMIT_PER_ADDRESS": "1000 per minute",
}


def _pg_url(database: str) -> str:
    return sa.make_url(PG_SERVER_URL).set(database=database).render_as_string(hide_password=False)


def _pg_admin():
    return sa.create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


def _migrate(url: str, instance_path: str, revision: str = "head") -> None:
    from flask_migrate import upgrade

    from server import create_app

    os.environ["ZHIBU_INSTANCE_PATH"] = instance_path
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision=revision)
        from server.core.db import db

        db.engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    _migrate(f"sqlite:///{path}", str(path.parent))
    return path


def pytest_configure(config):
    """Whether PostgreSQL answers, asked once per process (under xdist, the controller too, so that
    its summary can say so)."""
    config.zhibu_pg_unreachable = None
    if "postgresql" not in BACKENDS:
        return
    try:
        engine = _pg_admin()
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "not reachable"
        config.zhibu_pg_unreachable = (
            f"PostgreSQL not reachable at {sa.make_url(PG_SERVER_URL).render_as_string()}: {type(exc).__name__}")


@pytest.fixture(scope="session")
def _pg_template(request, tmp_path_factory):
    reason = request.config.zhibu_pg_unreachable
    if reason:
        pytest.skip(reason + " - PostgreSQL suite skipped")
    engine = _pg_admin()
    name = f"zhibu_tpl_{uuid.uuid4().hex[:8]}"
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    _migrate(_pg_url(name), str(tmp_path_factory.mktemp("pg-template")))
    yield engine, name
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


_counter = itertools.count()

# The fixed days every `dated` test also runs on, at ten in the morning in China: a day between
# October's holidays and its activity day (the first Wednesday was a holiday), the last day of a
# year and the first of the next (a holiday, next year's schedule not loaded), the last day of a
# quarter and the first of the next, a day in the week after the October holidays, a leap day.
SUITE_DATES = ("2026-10-08", "2026-12-31", "2027-01-01", "2027-03-31", "2027-04-01", "2027-10-08", "2028-02-29")
SUITE_HOUR = 10
TODAY = "today"  # the suite's own today: the real date, or ZHIBU_TODAY


def pytest_generate_tests(metafunc):
    """A `dated` test runs on the suite's today and on each of SUITE_DATES (the `suite_date` fixture)."""
    if metafunc.definition.get_closest_marker("dated") and "suite_date" not in metafunc.fixturenames:
        metafunc.fixturenames.append("suite_date")
    if "suite_date" in metafunc.fixturenames:
        dates = [TODAY, *SUITE_DATES]
        # Module scope: a module's date-dependent fixtures (a demo server) are built once per date.
        metafunc.parametrize("suite_date", dates, ids=[f"on-{d}" for d in dates], indirect=True, scope="module")


def _suite_moment(name: str):
    import datetime as dt

    if name == TODAY:
        return None
    return _clock.china_time(dt.date.fromisoformat(name), SUITE_HOUR)


@pytest.fixture(scope="module")
def suite_date(request):
    """The day a `dated` test runs on: the clock travels there (10:00 in China) and runs on."""
    moment = _suite_moment(request.param)
    if moment is not None:
        _clock.travel_to(moment)
    yield request.param
    _clock.reset()


@pytest.fixture(autouse=True)
def _clock_per_test(request):
    """Each test starts on its date (the suite's today, or its `suite_date`) and leaves the clock as it found it."""
    name = request.node.callspec.params.get("suite_date") if hasattr(request.node, "callspec") else None
    moment = _suite_moment(name) if name else None
    if moment is not None:
        _clock.travel_to(moment)
    yield
    _clock.reset()


@pytest.fixture
def clock():
    """The one clock (sync/clock.py), for a test to set: `clock.set_now(day)`, `clock.travel_to(moment)`."""
    return _clock


def new_database(backend: str, request, directory) -> str:
    """A fresh migrated database of `backend` for the requesting fixture's scope: a copy of the
    SQLite template in `directory`, or a PostgreSQL database cloned from its template and dropped
    when that scope ends."""
    if backend == "sqlite":
        template = request.getfixturevalue("_sqlite_template")
        path = directory / f"zhibu-{next(_counter)}.sqlite3"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    engine, template = request.getfixturevalue("_pg_template")
    name = f"zhibu_t{os.getpid()}_{next(_counter)}"
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

    def drop():
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    request.addfinalizer(drop)
    return _pg_url(name)


@pytest.fixture
def database_url(backend, request, tmp_path):
    return new_database(backend, request, tmp_path)


@pytest.fixture
def app_config():
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, monkeypatch, app_config):
    from server import create_app
    from server.core.db import db

    monkeypatch.setenv("ZHIBU_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **app_config})
    # No app context is held during the test: each request gets its own, as in production.
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def pytest_terminal_summary(terminalreporter, config):
    if config.zhibu_pg_unreachable:
        terminalreporter.write_sep("!", "POSTGRESQL SUITE SKIPPED", red=True, bold=True)
        terminalreporter.write_line(config.zhibu_pg_unreachable)
        terminalreporter.write_line("Start PostgreSQL (127.0.0.1:5432) or set ZHIBU_TEST_POSTGRES_URL to run it.")
    elif "postgresql" in BACKENDS:
        terminalreporter.write_line("Database suite ran on: " + ", ".join(BACKENDS))


@pytest.fixture
def world(app):
    from tests.server.factories import build_world

    with app.test_request_context():
        return build_world()


class Auth:
    """Logs in as a named user of the world and gives the Authorization header."""

    def __init__(self, client):
        self._client = client
        self._tokens: dict[str, dict] = {}

    def tokens(self, username: str) -> dict:
        from tests.server.factories import PASSWORD

        if username not in self._tokens:
            response = self._client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.json
            self._tokens[username] = response.json
        return self._tokens[username]

    def headers(self, username: str | None) -> dict:
        if username is None:
            return {}
        return {"Authorization": f"Bearer {self.tokens(username)['access_token']}"}


@pytest.fixture
def auth(client):
    return Auth(client)


# --- a database shared by a module's tests, each test rolled back --------------------------------

WORLD_USERS = ("member", "member2", "floating", "secretary_a", "secretary_b", "member_b", "committee",
               "other_committee")


def shared_app(backend: str, request, tmp_path_factory, **config):
    """An app on a migrated database of its own for the requesting (module-scoped) fixture."""
    from server import create_app
    from server.core.db import db

    directory = tmp_path_factory.mktemp(f"shared-{backend}")
    url = new_database(backend, request, directory)
    saved = os.environ.get("ZHIBU_INSTANCE_PATH")
    os.environ["ZHIBU_INSTANCE_PATH"] = str(directory / "instance")
    try:
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **config})
    finally:
        if saved is None:
            os.environ.pop("ZHIBU_INSTANCE_PATH", None)
        else:
            os.environ["ZHIBU_INSTANCE_PATH"] = saved

    def dispose():
        with app.app_context():
            db.engine.dispose()
    request.addfinalizer(dispose)
    return app


@contextlib.contextmanager
def rolled_back(app):
    """Everything done inside, requests included, happens in one transaction rolled back at the end.

    The app's engine is swapped for one connection holding that transaction, and sessions join it
    through savepoints (SQLAlchemy's "create_savepoint" mode): the commit at the end of each
    request, and a fixture's commits, release a savepoint instead of committing. For tests that
    read and act on shared data (who may call what, what the demo shows); the sync, concurrency
    and fault tests keep real databases and real commits.
    """
    from server.core.db import db

    engines = db._app_engines[app]
    engine = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    factory = db.session.session_factory
    saved = dict(factory.kw)
    engines[None] = connection
    factory.configure(join_transaction_mode="create_savepoint")
    try:
        yield app
    finally:
        factory.kw.clear()
        factory.kw.update(saved)
        engines[None] = engine
        outer.rollback()
        connection.close()


@dataclasses.dataclass
class SharedWorld:
    """The world (tests/server/factories.py) on a module's shared database, everyone logged in."""

    app: object
    world: object
    auth: Auth

    def headers(self, username: str | None) -> dict:
        return self.auth.headers(username)


@pytest.fixture(scope="module")
def shared_world(backend, request, tmp_path_factory):
    from tests.server.factories import build_world

    app = shared_app(backend, request, tmp_path_factory)
    with app.test_request_context():
        world = build_world()
    auth = Auth(app.test_client())
    for username in WORLD_USERS:  # logged in here, committed, valid in every test of the module
        auth.tokens(username)
    return SharedWorld(app, world, auth)
