"""The application shell: schema from migrations, database settings, configuration, API docs."""
from __future__ import annotations

import json
import os
import stat

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.core.db import db


def test_migrations_and_models_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app, backend):
    if backend != "sqlite":
        pytest.skip("SQLite pragmas only apply to the SQLite backend")
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_foreign_keys_are_enforced(app, world):
    from server.org.models import Group

    with app.app_context():
        db.session.add(Group(branch_id=999_999, name="nowhere"))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()


def test_openapi_document_and_docs_ui_are_served_without_a_cdn(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert spec.json["openapi"].startswith("3.")
    assert "/api/v1/auth/login" in spec.json["paths"]
    ui = client.get("/api/v1/docs")
    assert ui.status_code == 200
    html = ui.get_data(as_text=True)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    with client.get("/api/v1/docs/assets/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200 and len(asset.get_data()) > 100_000


@pytest.mark.parametrize("method,url,status", [
    ("get", "/api/v1/nowhere", 404),
    ("delete", "/api/v1/auth/login", 405),
    ("get", "/api/v1/members/999999", 401),
])
def test_errors_share_one_json_shape(client, method, url, status):
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert response.is_json
    assert response.json["code"] == status and "status" in response.json


def test_unknown_fields_are_rejected_with_field_messages(client, auth, world):
    response = client.post(f"/api/v1/branches/{world.branch_a}/groups", json={"name": "三组", "colour": "red"},
                           headers=auth.headers("secretary_a"))
    assert response.status_code == 422
    assert response.json["errors"]["json"]["colour"] == ["Unknown field."]


@pytest.mark.parametrize("path", ["/api/v1/me/notifications", "/api/v1/records", "/api/v1/branches/{branch}/audit"])
def test_a_page_far_beyond_any_list_is_refused_not_a_server_error(client, auth, world, path):
    # The offset (page - 1) × page_size overflowed the databases' 64-bit integers: a 500 (found by the fuzzer).
    url = path.format(branch=world.branch_a)
    assert client.get(f"{url}?page=1000000", headers=auth.headers("secretary_a")).status_code == 200
    response = client.get(f"{url}?page=922337203685477581", headers=auth.headers("secretary_a"))
    assert response.status_code == 422, response.json
    assert response.json["errors"]["query"]["page"]


def test_secrets_are_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    from server import create_app

    for name in ("SECRET_KEY", "JWT_SECRET_KEY", "CARD_SIGNING_KEY", "VAPID_PRIVATE_KEY"):
        monkeypatch.delenv(f"ZHIBU_{name}", raising=False)
    monkeypatch.setenv("ZHIBU_INSTANCE_PATH", str(tmp_path))
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    first = create_app(config)
    second = create_app(config)
    path = tmp_path / "secrets.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert set(stored) == {"SECRET_KEY", "JWT_SECRET_KEY", "CARD_SIGNING_KEY", "VAPID_PRIVATE_KEY"}
    assert first.config["JWT_SECRET_KEY"] == second.config["JWT_SECRET_KEY"] == stored["JWT_SECRET_KEY"]
    assert len(bytes.fromhex(stored["CARD_SIGNING_KEY"])) == 32
    assert first.config["VAPID_PRIVATE_KEY"] == second.config["VAPID_PRIVATE_KEY"] == stored["VAPID_PRIVATE_KEY"]
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()


def test_environment_overrides_defaults(tmp_path, monkeypatch):
    from server import create_app

    monkeypatch.setenv("ZHIBU_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("ZHIBU_JWT_SECRET_KEY", "from-the-environment-and-long-enough-0123456789")
    monkeypatch.setenv("ZHIBU_ACCESS_TOKEN_SECONDS", "120")
    monkeypatch.setenv("ZHIBU_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    app = create_app()
    assert app.config["JWT_SECRET_KEY"].startswith("from-the-environment")
    assert app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds() == 120
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite3")
    assert "JWT_SECRET_KEY" not in json.loads((tmp_path / "secrets.json").read_text())
    with app.app_context():
        db.engine.dispose()


def test_the_app_shell_is_served_at_root_and_for_client_routes(client):
    for path in ("/", "/records/12"):
        with client.get(path) as response:
            assert response.status_code == 200
            assert "支部" in response.get_data(as_text=True)
    assert client.get("/api/v1/not-a-route").is_json


class TestPrecompressedAssets:
    @pytest.fixture
    def app_config(self, tmp_path):
        import gzip

        dist = tmp_path / "dist"
        (dist / "assets").mkdir(parents=True)
        (dist / "index.html").write_text("<!doctype html><title>支部</title>")
        script = "console.log('zhibu');" * 200
        (dist / "assets" / "app-1234.js").write_text(script)
        (dist / "assets" / "app-1234.js.gz").write_bytes(gzip.compress(script.encode()))
        return {"PWA_DIST": str(dist)}

    def test_assets_are_sent_gzipped_when_accepted_and_cached_for_a_year(self, client):
        with client.get("/assets/app-1234.js", headers={"Accept-Encoding": "gzip, br"}) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert response.mimetype == "text/javascript"
            assert "immutable" in response.headers["Cache-Control"]
            assert len(response.data) < 200
        with client.get("/assets/app-1234.js") as plain:
            assert "Content-Encoding" not in plain.headers
            assert plain.get_data(as_text=True).startswith("console.log")
        with client.get("/records") as shell:
            assert shell.headers["Cache-Control"] == "no-cache" and "支部" in shell.get_data(as_text=True)

    def test_a_revalidated_file_is_304_and_leaves_no_file_open(self, client):
        """A 304 sends no body; the file send_from_directory opened was left for the garbage
        collector (a ResourceWarning, an error in this suite) until it was closed at once."""
        import gc

        with client.get("/assets/app-1234.js") as first:
            etag = first.headers["ETag"]
        again = client.get("/assets/app-1234.js", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
        del again
        gc.collect()  # an unclosed file would be reported here

    def test_no_file_outside_the_app_is_served(self, client):
        for path in ("/../pyproject.toml", "/assets/../../pyproject.toml", "/%2e%2e/pyproject.toml"):
            with client.get(path) as response:
                assert "[project]" not in response.get_data(as_text=True), path


def test_no_cookie_session_is_kept(app):
    """The API authenticates with tokens in a header: Flask's signed-cookie session is not even opened."""
    import flask
    from flask.sessions import NullSession

    with app.test_request_context("/api/v1/auth/me", headers={"Cookie": "session=forged"}):
        app.preprocess_request()
        assert isinstance(flask.session, NullSession)
        with pytest.raises(RuntimeError):
            flask.session["user_id"] = 1
