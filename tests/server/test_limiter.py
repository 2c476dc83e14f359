"""Zhibu's Flask-Limiter (server/core/limiter.py) skips its before-request check only when there
is nothing for it to check: limits declared on views still apply, and so do default limits when
a deployment configures them. Each test uses its own Limiter on a small Flask app, so that no
limit leaks into the shared extension the other tests use."""
from __future__ import annotations

import flask
import flask_limiter

from server.core.limiter import Limiter


def _app(limiter: Limiter, *, decorated: str | None = None) -> flask.Flask:
    app = flask.Flask(__name__)
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"

    @app.get("/free")
    def free():
        return "ok"

    def limited():
        return "ok"

    app.add_url_rule("/limited", "limited", limiter.limit(decorated)(limited) if decorated else limited)
    limiter.init_app(app)
    return app


def _statuses(app, path: str, times: int) -> list[int]:
    client = app.test_client()
    return [client.get(path).status_code for _ in range(times)]


def test_a_limit_declared_on_a_view_applies():
    app = _app(Limiter(key_func=lambda: "one client", default_limits=[]), decorated="2/minute")
    assert _statuses(app, "/limited", 3) == [200, 200, 429]
    assert _statuses(app, "/free", 3) == [200, 200, 200]


def test_default_limits_still_apply_to_every_route():
    app = _app(Limiter(key_func=lambda: "one client", default_limits=["2/minute"]))
    assert _statuses(app, "/free", 3) == [200, 200, 429]


def test_without_any_default_limit_the_before_request_check_is_skipped(monkeypatch):
    checked = []
    original = flask_limiter.Limiter._check_request_limit

    def counting(self, *args, **kwargs):
        checked.append(kwargs.get("in_middleware", True))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(flask_limiter.Limiter, "_check_request_limit", counting)
    app = _app(Limiter(key_func=lambda: "one client", default_limits=[]), decorated="5/minute")
    _statuses(app, "/free", 2)
    assert checked == []  # nothing resolved for a route without limits
    _statuses(app, "/limited", 1)
    assert checked == [False]  # the view's own limit, checked by its decorator
