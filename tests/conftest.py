"""Shared fixtures. Database-facing tests take `app` (or anything built on it) and run once per
backend: SQLite always, PostgreSQL when it is reachable (a clear skip, and a banner at the end,
when it is not). Each test gets a fresh database built by the real migrations: a copy of a
migrated SQLite file, or a PostgreSQL database cloned from a migrated template.
"""
from __future__ import annotations

import itertools
import os
import shutil
import uuid

import pytest
import sqlalchemy as sa

PG_SERVER_URL = os.environ.get("ZHIBU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = [b for b in os.environ.get("ZHIBU_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
_pg_unreachable_reason: list[str] = []

TEST_CONFIG = {
    "TESTING": True,
    "PASSWORD_HASH_PROFILE": "cheapest",
    "SECRET_KEY": "test-secret-key",
    "JWT_SECRET_KEY": "test-jwt-secret-key-that-is-long-enough-for-hs256",
    # TEST ONLY key (32 bytes hex); production keys live in the instance folder or the environment.
    "CARD_SIGNING_KEY": "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    "LOGIN_RATE_LIMIT_PER_ADDRESS": "1000 per minute",
    "LOGIN_RATE_LIMIT_PER_ACCOUNT": "1000 per minute",
}


def _pg_url(database: str) -> str:
    return sa.make_url(PG_SERVER_URL).set(database=database).render_as_string(hide_password=False)


def _pg_admin():
    return sa.create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


def _migrate(url: str, instance_path: str) -> None:
    from flask_migrate import upgrade

    from server import create_app

    os.environ["ZHIBU_INSTANCE_PATH"] = instance_path
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
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


@pytest.fixture(scope="session")
def _pg_template(tmp_path_factory):
    try:
        engine = _pg_admin()
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "not reachable"
        reason = f"PostgreSQL not reachable at {sa.make_url(PG_SERVER_URL).render_as_string()}: {type(exc).__name__}"
        _pg_unreachable_reason.append(reason)
        pytest.skip(reason + " - PostgreSQL suite skipped")
    name = f"zhibu_tpl_{uuid.uuid4().hex[:8]}"
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    _migrate(_pg_url(name), str(tmp_path_factory.mktemp("pg-template")))
    created: list[str] = []
    yield engine, name, created
    with engine.connect() as conn:
        for db_name in [*created, name]:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
    engine.dispose()


_counter = itertools.count()


@pytest.fixture
def database_url(backend, request, tmp_path):
    if backend == "sqlite":
        template = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "zhibu.sqlite3"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    engine, template, created = request.getfixturevalue("_pg_template")
    name = f"zhibu_t{os.getpid()}_{next(_counter)}"
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    created.append(name)
    return _pg_url(name)


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


def pytest_terminal_summary(terminalreporter):
    if _pg_unreachable_reason:
        terminalreporter.write_sep("!", "POSTGRESQL SUITE SKIPPED", red=True, bold=True)
        terminalreporter.write_line(_pg_unreachable_reason[0])
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
