"""The demo's org-life meeting (server/org_life/demo.py), built relative to today: 红旗村's meeting
in preparation while its December day is ahead, complete once it is past, none when the demo's
months hold no December."""
from __future__ import annotations

import datetime as dt

import pytest

from server.core.db import db
from server.demo.operations import DEMO_PASSWORD, load_demo
from sync import clock
from tests.conftest import rolled_back, shared_app


def _load(backend, request, tmp_path_factory):
    app = shared_app(backend, request, tmp_path_factory)
    with app.app_context():
        created, _ = load_demo()
        db.session.commit()
    assert created
    return app


@pytest.fixture(scope="module")
def _demo_on_date(suite_date, backend, request, tmp_path_factory):
    return _load(backend, request, tmp_path_factory)


@pytest.fixture
def demo(_demo_on_date):
    with rolled_back(_demo_on_date):
        yield _demo_on_date.test_client()


def _headers(client, username):
    login = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    assert login.status_code == 200
    return {"Authorization": f"Bearer {login.json['access_token']}"}


@pytest.mark.dated
def test_the_demo_org_life_meeting(demo):
    today = clock.today()
    secretary = _headers(demo, "hongqi_shuji")
    branch = demo.get("/api/v1/auth/me", headers=secretary).json["managed_branch_ids"][0]
    meetings = demo.get(f"/api/v1/branches/{branch}/org-life-meetings", headers=secretary).json
    months = {((today.month - 1 + d) % 12) + 1 for d in range(-3, 3)}
    if 12 not in months:
        assert meetings == []
        return
    [summary] = meetings
    page = demo.get(f"/api/v1/org-life-meetings/{summary['id']}", headers=secretary).json
    checklist = {i["key"]: i for i in page["checklist"]["items"]}
    day = dt.date.fromisoformat(page["event"]["day"])
    assert page["year"] == day.year and page["theme"] and len(page["problems"]) == 2
    assert checklist["theme"]["done"] and checklist["study"]["done"] and checklist["opinions"]["done"]
    mine = demo.get("/api/v1/me/org-life", headers=_headers(demo, "liming")).json
    assert mine["exists"] and mine["meeting_id"] == page["id"]
    if day >= today and not page["held"]:
        # In preparation: half the members have had a talk; four analyses on the phone, one on paper.
        assert checklist["talks"]["count"] == 5 and checklist["talks"]["total"] == 10
        assert {m["name"]: m["analysis"] for m in page["members"] if m["analysis"]} == {
            "王建国": "phone", "李秀英": "phone", "刘建军": "phone", "陈玉梅": "phone", "张桂兰": "paper"}
        assert "李明" in [w["name"] for w in checklist["analyses"]["missing"]]
        assert not page["checklist"]["preparation_complete"] and page["analysis_open"]
        assert mine["analysis_open"] and mine["analysis"] is None and mine["talks"][0]["with_name"] == "刘建军"
        if today.month == 12:
            assert today <= day <= dt.date(today.year, 12, 31)  # later this month
    else:
        assert page["checklist"]["preparation_complete"] and page["checklist"]["meeting_complete"]
        assert not mine["analysis_open"] and mine["analysis"]["version"] == 1
        olm_report = next(r for r in page["compliance"] if r["rule"] == "OLM-report")
        assert olm_report["state"] != "met"  # the report is still to be filed
