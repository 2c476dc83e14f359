"""The demo's dues (server/dues/demo.py), built relative to today: profiles matching the demo
members, this year's payments, a member two months in arrears, last quarter's remittance awaiting
the committee, last year's collection published; and the rules judging them."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from server.core.db import db
from server.demo.operations import BRANCHES, DEMO_PASSWORD, load_demo
from server.dues import standard
from server.dues.models import DuesBasis, DuesPayment, DuesPublication, DuesRemittance
from server.dues.operations import collected_fen
from server.dues.standard import add_months, month_of
from server.org.models import Branch, Member
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
def _demo_today(backend, request, tmp_path_factory):
    return _load(backend, request, tmp_path_factory)


@pytest.fixture(scope="module")
def _demo_on_date(suite_date, backend, request, tmp_path_factory):
    return _load(backend, request, tmp_path_factory)


@pytest.fixture
def demo(request, backend):
    dated = request.node.get_closest_marker("dated") is not None
    app = request.getfixturevalue("_demo_on_date" if dated else "_demo_today")
    with rolled_back(app):
        yield app


def login(app, username):
    response = app.test_client().post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def test_every_demo_member_has_a_basis_matching_their_category_and_income(demo):
    with demo.app_context():
        _bases_match_the_demo_members()


def _bases_match_the_demo_members():
    specs = {m.name: m for b in BRANCHES for m in b.members}
    # The township's members (the second township's new branch has no dues set up yet).
    members = db.session.scalars(sa.select(Member).where(Member.name.in_(specs))).all()
    assert len(members) == len(specs)
    for member in members:
        spec = specs[member.name]
        bases = db.session.scalars(sa.select(DuesBasis).where(DuesBasis.member_id == member.id)
                                   .order_by(DuesBasis.effective_from)).all()
        assert bases, member.name
        latest = bases[-1]
        assert latest.category == spec.dues == member.dues_category, member.name
        if spec.dues in standard.INCOME_CATEGORIES:
            assert latest.income_fen == spec.income * 100
            assert latest.monthly_fen == standard.assess(spec.dues, income_fen=spec.income * 100).monthly_fen
        if spec.dues in standard.DECIDED_CATEGORIES:
            assert latest.decision_note, member.name
    # One change of income this January, the earlier basis kept.
    hanmei = db.session.scalar(sa.select(Member).where(Member.name == "韩梅"))
    assert [b.income_fen for b in db.session.scalars(sa.select(DuesBasis).where(DuesBasis.member_id == hanmei.id)
                                                     .order_by(DuesBasis.effective_from))] == [430_000, 460_000]


@pytest.mark.dated
def test_payments_arrears_remittance_and_publication_relative_to_today(demo):
    today = clock.today()
    this_month = month_of(today)
    headers = login(demo, "hongqi_shuji")
    client = demo.test_client()
    with demo.app_context():
        hongqi = db.session.scalar(sa.select(Branch).where(Branch.name == "红旗村党支部"))
        hongqi_id, committee_id = hongqi.id, hongqi.committee_id
    arrears = client.get(f"/api/v1/branches/{hongqi_id}/dues/arrears", headers=headers).json
    yang = next(m for m in arrears["members"] if m["name"] == "杨志强")
    assert [m["month"] for m in yang["months"]] == [f"{add_months(this_month, d):%Y-%m}" for d in (-2, -1, 0)]
    assert yang["overdue_months"] == 2 and yang["total_fen"] == 150
    assert all(m["overdue_months"] == 0 for m in arrears["members"] if m["name"] != "杨志强")
    # This year's months are paid (about half of the members already this month).
    listed = client.get(f"/api/v1/branches/{hongqi_id}/dues", headers=headers).json
    assert 0 < listed["summary"]["paid"] < listed["summary"]["owing"]
    last_quarter = add_months(dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), -3)
    with demo.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DuesPayment)
                                 .where(DuesPayment.paid_on >= dt.date(today.year, 1, 1))) > 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DuesPayment)
                                 .where(DuesPayment.paid_on > today)) == 0
        # Each complete quarter remitted in full; the last one of 红旗村 awaits the committee.
        for branch in db.session.scalars(sa.select(Branch).where(Branch.name.in_([b.name for b in BRANCHES]))):
            remittances = db.session.scalars(
                sa.select(DuesRemittance).where(DuesRemittance.branch_id == branch.id)).all()
            for r in remittances:
                assert r.amount_fen == collected_fen(branch.id, r.first_month, r.last_month)
            last = next(r for r in remittances if r.first_month == last_quarter)
            assert (last.confirmed_at is None) == (branch.id == hongqi_id), branch.name
        # Last year's collection published.
        assert {p.year for p in db.session.scalars(sa.select(DuesPublication))} == {today.year - 1}
    committee = login(demo, "chengguan")
    pending = client.get(f"/api/v1/committees/{committee_id}/dues/remittances?pending=true", headers=committee)
    assert pending.status_code == 200, pending.json
    pending = pending.json
    assert [(r["branch_name"], r["first_month"]) for r in pending] == [("红旗村党支部", f"{last_quarter:%Y-%m}")]
    # Members see last year's publication.
    mine = client.get("/api/v1/me/dues", headers=login(demo, "liming")).json
    assert mine["publications"][0]["year"] == today.year - 1 and mine["publications"][0]["table"]["rows"]
    # The rules over it: last month missed at 红旗村 (杨志强), last year published in time.
    last_month = add_months(this_month, -1)
    data = client.get(f"/api/v1/branches/{hongqi_id}/compliance?year={last_month.year}&month={last_month.month}",
                      headers=headers).json
    rules = {r["rule"]: r for r in data["results"]}
    assert rules["DUES-paid"]["state"] == "missed"
    assert any("杨志强" in line for line in rules["DUES-paid"]["evidence"]["details"])
    quarter_month = add_months(last_quarter, 2)
    data = client.get(f"/api/v1/branches/{hongqi_id}/compliance?year={quarter_month.year}&month={quarter_month.month}",
                      headers=headers).json
    rules = {r["rule"]: r for r in data["results"]}
    assert rules["DUES-remit"]["state"] == "due"
    assert rules["DUES-remit"]["next_step"]["key"] == "dues.remit_unconfirmed"
    data = client.get(f"/api/v1/branches/{hongqi_id}/compliance?year={today.year - 1}&month=12", headers=headers).json
    assert {r["rule"]: r["state"] for r in data["results"]}["DUES-publish"] == "met"
