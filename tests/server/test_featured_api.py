"""Featured systems through the API: the catalogue, adopting (events on the plan, service posts,
points rules), dropping (planned events cancelled with the reason, posts ended, points rules
removed, the past kept), adopting again, planning another year, and who may do what."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from server.calendar.days import local_day
from server.core.db import db
from server.core.enums import EventStatus
from server.events.models import Event
from server.points.models import PointsRule
from server.service.models import ServicePost

D = dt.date
TODAY = D(2026, 10, 15)  # a Thursday
API = "/api/v1"


@pytest.fixture(autouse=True)
def _october(clock):
    clock.set_now(TODAY)


def adopt(client, auth, branch_id, code, who="secretary_a"):
    return client.post(f"{API}/branches/{branch_id}/featured-systems", json={"template_code": code},
                       headers=auth.headers(who))


def drop(client, auth, branch_id, code, who="secretary_a"):
    return client.post(f"{API}/branches/{branch_id}/featured-systems/{code}/drop", headers=auth.headers(who))


def events_of(app, branch_id, code):
    with app.app_context():
        rows = db.session.scalars(sa.select(Event).where(Event.branch_id == branch_id, Event.featured_system == code)
                                  .order_by(Event.starts_at)).all()
        return [(local_day(e.starts_at), e.status, e.cancel_reason, e.title) for e in rows]


def test_the_catalogue_lists_every_sector_and_the_branch_view_puts_its_own_sector_first(client, auth, world):
    catalogue = client.get(f"{API}/featured-templates", headers=auth.headers("member")).json
    assert {t["sector"] for t in catalogue} == {"village", "agency", "enterprise"}
    titles = {t["title"] for t in catalogue}
    assert {"村党组织书记年度述职评议", "党务公开", "远程教育固定学习日", "对标承诺", "党员示范岗", "党员责任区"} <= titles
    remote = next(t for t in catalogue if t["code"] == "village-remote-study")
    assert remote["events"][0]["schedule"] == "每月20日" and remote["rules"][0]["id"] == "X-remote-study"
    # The agency branch (secretary_b) sees the agency templates first.
    view = client.get(f"{API}/branches/{world.branch_b}/featured-systems", headers=auth.headers("secretary_b")).json
    sectors = [t["template"]["sector"] for t in view["templates"]]
    assert sectors[:5] == ["agency"] * 5 and "agency" not in sectors[5:]
    assert all(t["adoption"] is None for t in view["templates"])


def test_adopting_plans_the_rest_of_the_year_creates_posts_and_points_rules(app, client, auth, world):
    response = adopt(client, auth, world.branch_a, "village-remote-study")
    assert response.status_code == 201, response.json
    body = response.json
    assert body["adoption"]["adopted_on"] == "2026-10-15" and body["adoption"]["dropped_on"] is None
    # The 20th of October is 5 days ahead (at least 3 for the notice), then November and December;
    # 2026-12-20 is a Sunday: the next working day.
    days = [e[0] for e in events_of(app, world.branch_a, "village-remote-study")]
    assert days == [D(2026, 10, 20), D(2026, 11, 20), D(2026, 12, 21)]
    assert [e["title"] for e in body["events"]] == ["远程教育学习日"] * 3
    assert all(e["status"] == "planned" and e["featured_system"] == "village-remote-study" for e in body["events"])
    with app.app_context():
        rules = db.session.scalars(sa.select(PointsRule).where(PointsRule.branch_id == world.branch_a)).all()
        assert [(r.key, r.points, r.cap_per_period, r.source) for r in rules] == [
            ("featured:village-remote-study", 1, 12, "template:village-remote-study")]
    again = adopt(client, auth, world.branch_a, "village-remote-study")
    assert again.status_code == 409
    posts = adopt(client, auth, world.branch_a, "village-set-posts")
    assert posts.status_code == 201 and posts.json["posts"] == ["无职党员岗位"] and posts.json["events"] == []
    with app.app_context():
        post = db.session.scalar(sa.select(ServicePost).where(ServicePost.source == "template:village-set-posts"))
        assert (post.branch_id, post.kind.value, post.cadence.value, post.starts_on) == (
            world.branch_a, "set_post", "quarter", TODAY)
    view = client.get(f"{API}/branches/{world.branch_a}/featured-systems", headers=auth.headers("member")).json
    adopted = {t["template"]["code"] for t in view["templates"] if t["adoption"]}
    assert adopted == {"village-remote-study", "village-set-posts"}


def test_an_event_closer_than_the_notice_period_is_not_planned(app, client, auth, world, clock):
    clock.set_now(D(2026, 10, 18))  # the 20th is 2 days ahead: too late to give notice
    adopt(client, auth, world.branch_a, "village-remote-study")
    assert [e[0] for e in events_of(app, world.branch_a, "village-remote-study")] == [D(2026, 11, 20), D(2026, 12, 21)]


def test_dropping_cancels_what_is_ahead_ends_posts_removes_points_and_keeps_the_past(app, client, auth, world, clock):
    adopt(client, auth, world.branch_a, "village-remote-study")
    adopt(client, auth, world.branch_a, "village-set-posts")
    with app.app_context():  # October's study day happened
        first = db.session.scalar(sa.select(Event).where(Event.featured_system == "village-remote-study")
                                  .order_by(Event.starts_at))
        first.status = EventStatus.held
        db.session.commit()
    clock.set_now(D(2026, 11, 2))
    response = drop(client, auth, world.branch_a, "village-remote-study")
    assert response.status_code == 200, response.json
    assert response.json["cancelled_events"] == 2 and response.json["adoption"]["dropped_on"] == "2026-11-02"
    assert events_of(app, world.branch_a, "village-remote-study") == [
        (D(2026, 10, 20), EventStatus.held, None, "远程教育学习日"),
        (D(2026, 11, 20), EventStatus.cancelled, "不再采用该特色制度", "远程教育学习日"),
        (D(2026, 12, 21), EventStatus.cancelled, "不再采用该特色制度", "远程教育学习日")]
    drop(client, auth, world.branch_a, "village-set-posts")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PointsRule)
                                 .where(PointsRule.branch_id == world.branch_a)) == 0
        post = db.session.scalar(sa.select(ServicePost).where(ServicePost.source == "template:village-set-posts"))
        assert post.ends_on == D(2026, 11, 2)
    assert drop(client, auth, world.branch_a, "village-remote-study").status_code == 409
    # Adopting it again plans what is ahead anew; the cancelled events stay cancelled.
    readopt = adopt(client, auth, world.branch_a, "village-remote-study")
    assert readopt.status_code == 201 and [e["starts_at"][:10] for e in readopt.json["events"]] == ["2026-11-20", "2026-12-21"]
    statuses = [e[1] for e in events_of(app, world.branch_a, "village-remote-study")]
    assert statuses.count(EventStatus.planned) == 2 and statuses.count(EventStatus.cancelled) == 2


def test_planning_next_year_is_idempotent(app, client, auth, world):
    adopt(client, auth, world.branch_a, "village-affairs-disclosure")
    url = f"{API}/branches/{world.branch_a}/featured-systems/village-affairs-disclosure/plan"
    first = client.post(url, json={"year": 2027}, headers=auth.headers("secretary_a"))
    assert first.status_code == 200, first.json
    assert [e["starts_at"][:10] for e in first.json["events"]] == ["2027-01-15", "2027-04-15", "2027-07-15", "2027-10-15"]
    assert client.post(url, json={"year": 2027}, headers=auth.headers("secretary_a")).json["events"] == []
    other = f"{API}/branches/{world.branch_a}/featured-systems/village-set-posts/plan"
    assert client.post(other, json={"year": 2027}, headers=auth.headers("secretary_a")).status_code == 409


@pytest.mark.parametrize("who, status", [("member", 403), ("secretary_b", 403), ("committee", 403), ("secretary_a", 201)])
def test_only_the_branch_managers_adopt(client, auth, world, who, status):
    assert adopt(client, auth, world.branch_a, "village-remote-study", who=who).status_code == status


def test_reading_and_unknown_templates(client, auth, world):
    assert client.get(f"{API}/branches/{world.branch_a}/featured-systems",
                      headers=auth.headers("member_b")).status_code == 403
    assert client.get(f"{API}/branches/{world.branch_a}/featured-systems",
                      headers=auth.headers("committee")).status_code == 200
    assert adopt(client, auth, world.branch_a, "no-such-template").status_code == 404
    assert adopt(client, auth, world.branch_a, "Bad Code!").status_code == 422
    assert drop(client, auth, world.branch_a, "village-remote-study", who="member").status_code == 403


COUNTY = '''
code = "county-river-chief"
sector = "village"
title = "党员河长"
summary = "党员认领河段，每月巡河一次。"

[[assignments]]
kind = "responsibility_zone"
title = "党员河段"
cadence = "month"
'''


class TestCountyFolder:
    @pytest.fixture
    def app_config(self, tmp_path):
        folder = tmp_path / "county"
        folder.mkdir()
        (folder / "river.toml").write_text(COUNTY, encoding="utf-8")
        return {"FEATURED_TEMPLATES_DIR": str(folder)}

    def test_a_county_template_is_offered_and_adoptable(self, app, client, auth, world):
        catalogue = client.get(f"{API}/featured-templates", headers=auth.headers("secretary_a")).json
        county = next(t for t in catalogue if t["code"] == "county-river-chief")
        assert county["builtin"] is False and county["assignments"][0]["title"] == "党员河段"
        response = adopt(client, auth, world.branch_a, "county-river-chief")
        assert response.status_code == 201 and response.json["posts"] == ["党员河段"]
