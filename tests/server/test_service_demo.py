"""The demo's service posts (server/service/demo.py): two per branch with members on them, last
month's gap shown by EDU-posts, and 李明's record of this month waiting for the branch."""
from __future__ import annotations

import datetime as dt

import pytest

from server.core.db import db
from server.demo.operations import DEMO_PASSWORD, load_demo
from sync import clock
from tests.conftest import rolled_back, shared_app


@pytest.fixture(scope="module")
def _demo_app(backend, request, tmp_path_factory):
    app = shared_app(backend, request, tmp_path_factory)
    with app.app_context():
        created, _ = load_demo()
        db.session.commit()
    assert created
    return app


@pytest.fixture
def demo(_demo_app):
    with rolled_back(_demo_app):
        yield _demo_app.test_client()


def _headers(client, username):
    login = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    assert login.status_code == 200
    return {"Authorization": f"Bearer {login.json['access_token']}"}


def test_each_branch_has_posts_with_members_and_limings_record_waits(demo):
    me = demo.get("/api/v1/auth/me", headers=_headers(demo, "hongqi_shuji")).json
    branch = me["managed_branch_ids"][0]
    posts = demo.get(f"/api/v1/branches/{branch}/service-posts", headers=_headers(demo, "hongqi_shuji")).json
    # The branch's own posts (featured templates it adopted add theirs: server/featured).
    assert {"村东片区环境卫生责任区", "结对帮扶困难户"} <= {p["post"]["title"] for p in posts}
    zone = next(p for p in posts if p["post"]["kind"] == "responsibility_zone")
    assert sorted(a["member_name"] for a in zone["assignments"]) == ["刘建军", "李明"]
    mine = demo.get("/api/v1/me/service", headers=_headers(demo, "liming")).json
    assert "村东片区环境卫生责任区" in [p["post"]["title"] for p in mine["posts"]]
    waiting = [r for r in mine["records"] if r["status"] == "acknowledged" and r["service_post_id"]]
    assert [r["title"] for r in waiting] == ["清扫村东道路沟渠"] and waiting[0]["has_photo"] is False
    assert waiting[0]["occurred_on"] == clock.today().isoformat()


def test_edu_posts_names_last_months_missing_member(demo):
    today = clock.today()
    last = (today.replace(day=1) - dt.timedelta(days=1))
    headers = _headers(demo, "hongqi_shuji")
    branch = demo.get("/api/v1/auth/me", headers=headers).json["managed_branch_ids"][0]
    data = demo.get(f"/api/v1/branches/{branch}/compliance?year={last.year}&month={last.month}", headers=headers).json
    result = next(r for r in data["results"] if r["rule"] == "EDU-posts")
    assert result["state"] == "missed"
    assert any(d.startswith("刘建军：党员责任区「村东片区环境卫生责任区」") for d in result["evidence"]["details"])
