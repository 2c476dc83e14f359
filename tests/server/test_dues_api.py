"""Dues through the API: bases, payments and every refusal, corrections, arrears, remittances,
publication and the 台账 export; who may see and do what."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from server.core.db import db
from server.org.models import Member

D = dt.date
TODAY = D(2026, 10, 15)
API = "/api/v1"


@pytest.fixture(autouse=True)
def _october(clock):
    clock.set_now(TODAY)


def set_basis(client, auth, member_id, who="secretary_a", **body):
    body = {"category": "employed", "income_fen": 420_000, "effective_from": "2026-09", **body}
    return client.post(f"{API}/members/{member_id}/dues/bases", json=body, headers=auth.headers(who))


def pay(client, auth, branch_id, member_id, months, amount_fen, who="secretary_a", **body):
    return client.post(f"{API}/branches/{branch_id}/dues/payments",
                       json={"member_id": member_id, "months": months, "amount_fen": amount_fen, **body},
                       headers=auth.headers(who))


def collection(client, auth, branch_id, who="secretary_a", **query):
    response = client.get(f"{API}/branches/{branch_id}/dues", query_string=query, headers=auth.headers(who))
    assert response.status_code == 200, response.json
    return response.json


def row_of(data, member_id):
    return next(r for r in data["members"] if r["member_id"] == member_id)


def test_the_secretary_sets_a_basis_and_the_list_shows_the_amount_and_its_rule(client, auth, world):
    created = set_basis(client, auth, world.member)
    assert created.status_code == 201, created.json
    assert created.json["monthly_fen"] == 4_200 and created.json["rule"] == "按月收入4,200.00元的1%计缴：42.00元"
    data = collection(client, auth, world.branch_a)
    assert data["month"] == "2026-10"
    row = row_of(data, world.member)
    assert row["due_fen"] == 4_200 and row["owes"] and row["paid"] is None
    assert [a["month"] for a in row["arrears"]] == ["2026-09", "2026-10"] and row["arrears_fen"] == 8_400
    assert row["overdue_months"] == 1
    # What a phone needs to take a payment offline: the unpaid months and the year ahead, each with its due.
    assert [s["month"] for s in row["schedule"]][:3] == ["2026-09", "2026-10", "2026-11"]
    assert all(s["due_fen"] == 4_200 and not s["paid"] for s in row["schedule"])
    others = row_of(data, world.member2)
    assert others["has_basis"] is False and others["due_fen"] is None
    assert data["summary"]["without_basis"] >= 1
    with client.application.app_context():
        assert db.session.get(Member, world.member).dues_category.value == "employed"


def test_payment_of_a_month_then_several_months_at_once_and_the_arrears_shrink(client, auth, world):
    set_basis(client, auth, world.member)
    first = pay(client, auth, world.branch_a, world.member, ["2026-09"], 4_200)
    assert first.status_code == 201, first.json
    assert first.json["months"] == ["2026-09"] and first.json["due_fen"] == 4_200 and first.json["extra_fen"] == 0
    assert first.json["paid_on"] == "2026-10-15" and first.json["member_name"] == "李明"
    assert row_of(collection(client, auth, world.branch_a), world.member)["arrears_fen"] == 4_200
    several = pay(client, auth, world.branch_a, world.member, ["2026-11", "2026-10"], 10_000)
    assert several.status_code == 201, several.json
    assert several.json["months"] == ["2026-10", "2026-11"] and several.json["extra_fen"] == 1_600
    row = row_of(collection(client, auth, world.branch_a), world.member)
    assert row["paid"]["payment_id"] == several.json["id"] and row["arrears"] == []
    arrears = client.get(f"{API}/branches/{world.branch_a}/dues/arrears", headers=auth.headers("secretary_a")).json
    assert world.member not in [m["member_id"] for m in arrears["members"]]
    listed = client.get(f"{API}/branches/{world.branch_a}/dues/payments", headers=auth.headers("secretary_a")).json
    assert {p["id"] for p in listed} == {first.json["id"], several.json["id"]}


def test_a_second_payment_of_a_paid_month_is_refused(client, auth, world):
    set_basis(client, auth, world.member)
    assert pay(client, auth, world.branch_a, world.member, ["2026-10"], 4_200).status_code == 201
    again = pay(client, auth, world.branch_a, world.member, ["2026-09", "2026-10"], 8_400)
    assert again.status_code == 409 and again.json["errors"]["reason"] == "month_already_paid"
    assert "already paid" in again.json["message"]


def test_an_amount_below_what_the_months_owe_is_refused_and_more_is_voluntary(client, auth, world):
    set_basis(client, auth, world.member)
    short = pay(client, auth, world.branch_a, world.member, ["2026-09", "2026-10"], 8_399)
    assert short.status_code == 422 and short.json["errors"]["reason"] == "amount_short"
    assert "84.00" in short.json["message"] and short.json["errors"]["json"]["amount_fen"]


@pytest.mark.parametrize("body,field", [
    ({"amount_fen": -100}, "amount_fen"),
    ({"amount_fen": 0}, "amount_fen"),
    ({"amount_fen": 2_400_001}, "amount_fen"),  # more than 12 months of the highest amount
    ({"amount_fen": 42.0}, "amount_fen"),  # money is integer fen, never a float
    ({"months": []}, "months"),
    ({"months": [f"2026-{m:02d}" for m in range(1, 13)] + ["2027-01"]}, "months"),  # 13 months
    ({"months": ["2026-10", "2026-10"]}, "months"),
    ({"months": ["2026-13"]}, "months"),
    ({"months": ["10/2026"]}, "months"),
])
def test_negative_absurd_or_malformed_payments_are_refused_with_the_field(client, auth, world, body, field):
    set_basis(client, auth, world.member)
    base = {"months": ["2026-10"], "amount_fen": 4_200, **body}
    response = pay(client, auth, world.branch_a, world.member, base.pop("months"), base.pop("amount_fen"))
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"], response.json


@pytest.mark.parametrize("body,field", [
    ({"income_fen": -1}, "income_fen"),
    ({"income_fen": 10_000_001}, "income_fen"),  # above 100,000 yuan a month
    ({"income_fen": None}, "income_fen"),
    ({"category": "rural", "income_fen": None, "amount_fen": 19}, "amount_fen"),
    ({"category": "rural", "income_fen": None, "amount_fen": 101}, "amount_fen"),
    ({"category": "branch_set", "income_fen": None, "amount_fen": 2_000}, "decision_note"),
    ({"category": "exempt", "income_fen": None}, "decision_note"),
    ({"effective_from": "2028-01"}, "effective_from"),  # more than 12 months ahead
    ({"effective_from": "2026-9"}, "effective_from"),
])
def test_bases_the_standard_does_not_allow_are_refused(client, auth, world, body, field):
    response = set_basis(client, auth, world.member, **body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"], response.json


def test_fixed_exempt_and_branch_set_bases_with_the_decision_recorded(client, auth, world):
    rural = set_basis(client, auth, world.member, category="rural", income_fen=None, amount_fen=20)
    assert rural.status_code == 201 and rural.json["monthly_fen"] == 20
    exempt = set_basis(client, auth, world.member2, category="exempt", income_fen=None,
                       decision_note="年老体弱，支委会2026年8月研究同意免交")
    assert exempt.status_code == 201 and exempt.json["monthly_fen"] == 0
    assert exempt.json["decision_note"] == "年老体弱，支委会2026年8月研究同意免交"
    row = row_of(collection(client, auth, world.branch_a), world.member2)
    assert row["owes"] is False and row["due_fen"] == 0 and row["arrears"] == []


def test_payments_the_ledger_does_not_owe_are_refused(app, client, auth, world):
    no_basis = pay(client, auth, world.branch_a, world.member, ["2026-10"], 4_200)
    assert no_basis.status_code == 409 and no_basis.json["errors"]["reason"] == "no_dues_basis"
    set_basis(client, auth, world.member)
    for months in (["2026-08"], ["2027-10"]):  # before the ledger starts; more than 11 months ahead
        response = pay(client, auth, world.branch_a, world.member, months, 4_200)
        assert response.status_code == 422 and response.json["errors"]["reason"] == "month_not_owed", months
    assert pay(client, auth, world.branch_a, world.member, ["2027-09"], 4_200).status_code == 201


def test_a_basis_change_applies_from_a_named_month_and_keeps_the_history(client, auth, world):
    set_basis(client, auth, world.member)
    pay(client, auth, world.branch_a, world.member, ["2026-09", "2026-10"], 8_400)
    refused = set_basis(client, auth, world.member, income_fen=600_000, effective_from="2026-10")
    assert refused.status_code == 409 and "2026年10月" in refused.json["message"]
    changed = set_basis(client, auth, world.member, income_fen=600_000, effective_from="2026-11")
    assert changed.status_code == 201 and changed.json["monthly_fen"] == 9_000
    mine = client.get(f"{API}/me/dues", headers=auth.headers("member")).json
    assert [h["monthly_fen"] for h in mine["history"]] == [9_000, 4_200]
    assert mine["basis"]["monthly_fen"] == 4_200  # October is still under the first basis
    schedule = {s["month"]: s["due_fen"] for s in mine["schedule"]}
    assert schedule["2026-10"] == 4_200 and schedule["2026-11"] == 9_000
    short = pay(client, auth, world.branch_a, world.member, ["2026-11"], 4_200)
    assert short.json["errors"]["reason"] == "amount_short"


def test_a_member_of_another_branch_is_refused(client, auth, world):
    assert set_basis(client, auth, world.member_b, who="secretary_b").status_code == 201
    response = pay(client, auth, world.branch_a, world.member_b, ["2026-10"], 4_200)
    assert response.status_code == 422 and "member_id" in response.json["errors"]["json"]
    # Nor through B's endpoint by A's secretary, nor a floating member by the host branch.
    assert pay(client, auth, world.branch_b, world.member_b, ["2026-10"], 4_200).status_code == 403
    assert set_basis(client, auth, world.floating, who="secretary_a").status_code == 403


def test_a_plain_member_cannot_record_dues_nor_set_a_basis(client, auth, world):
    set_basis(client, auth, world.member)
    assert pay(client, auth, world.branch_a, world.member, ["2026-10"], 4_200, who="member").status_code == 403
    assert set_basis(client, auth, world.member, who="member").status_code == 403
    assert client.get(f"{API}/branches/{world.branch_a}/dues", headers=auth.headers("member")).status_code == 403


def test_a_member_sees_their_own_dues_and_nothing_of_anyone_elses(client, auth, world):
    set_basis(client, auth, world.member)
    set_basis(client, auth, world.member2, category="rural", income_fen=None)
    paid = pay(client, auth, world.branch_a, world.member2, ["2026-10"], 100).json
    mine = client.get(f"{API}/me/dues", headers=auth.headers("member"))
    assert mine.status_code == 200
    assert mine.json["member_id"] == world.member and mine.json["basis"]["rule"].startswith("按月收入4,200.00元")
    assert [a["month"] for a in mine.json["arrears"]] == ["2026-09", "2026-10"] and mine.json["payments"] == []
    assert client.get(f"{API}/members/{world.member2}/dues", headers=auth.headers("member")).status_code == 403
    assert client.get(f"{API}/dues-payments/{paid['id']}", headers=auth.headers("member")).status_code == 403
    assert client.get(f"{API}/dues-payments/{paid['id']}", headers=auth.headers("member2")).status_code == 200
    assert client.get(f"{API}/members/{world.member}/dues", headers=auth.headers("member")).status_code == 200
    for who in ("secretary_a", "committee"):
        assert client.get(f"{API}/members/{world.member}/dues", headers=auth.headers(who)).status_code == 200
    for who in ("secretary_b", "other_committee", "floating"):
        assert client.get(f"{API}/members/{world.member}/dues", headers=auth.headers(who)).status_code == 403
    assert client.get(f"{API}/me/dues", headers=auth.headers("committee")).status_code == 404


def test_the_same_nonce_returns_the_first_payment(client, auth, world):
    set_basis(client, auth, world.member)
    first = pay(client, auth, world.branch_a, world.member, ["2026-10"], 4_200, nonce="retry-0000-abcd")
    again = pay(client, auth, world.branch_a, world.member, ["2026-10"], 4_200, nonce="retry-0000-abcd")
    assert first.status_code == again.status_code == 201 and first.json["id"] == again.json["id"]


def test_a_correction_keeps_the_old_values_who_and_why_and_a_void_frees_the_months(client, auth, world):
    set_basis(client, auth, world.member)
    payment = pay(client, auth, world.branch_a, world.member, ["2026-10"], 4_200).json
    url = f"{API}/dues-payments/{payment['id']}/corrections"
    assert client.post(url, json={"reason": "金额记错", "changes": {"amount_fen": 5_000}},
                       headers=auth.headers("member")).status_code == 403
    secretary = auth.headers("secretary_a")
    short = client.post(url, json={"reason": "金额记错", "changes": {"amount_fen": 4_000}}, headers=secretary)
    assert short.status_code == 422
    fixed = client.post(url, json={"reason": "实收50元，多交部分为自愿", "changes": {"amount_fen": 5_000}},
                        headers=secretary)
    assert fixed.status_code == 201, fixed.json
    assert fixed.json["old_values"]["amount_fen"] == 4_200 and fixed.json["new_values"]["amount_fen"] == 5_000
    assert fixed.json["reason"] == "实收50元，多交部分为自愿" and fixed.json["corrected_by_id"]
    moved = client.post(url, json={"reason": "应为9月", "changes": {"months": ["2026-09"]}}, headers=secretary)
    assert moved.status_code == 201 and moved.json["new_values"]["months"] == "2026-09"
    row = row_of(collection(client, auth, world.branch_a), world.member)
    assert [a["month"] for a in row["arrears"]] == ["2026-10"]
    void = client.post(url, json={"reason": "误录，该党员本月尚未交纳", "changes": {"void": True}},
                       headers=auth.headers("secretary_a"))
    assert void.status_code == 201 and void.json["new_values"]["voided"] is True
    shown = client.get(f"{API}/dues-payments/{payment['id']}", headers=auth.headers("secretary_a")).json
    assert shown["voided_at"] and len(shown["corrections"]) == 3 and shown["months"] == ["2026-09"]
    assert pay(client, auth, world.branch_a, world.member, ["2026-09"], 4_200).status_code == 201
    assert client.post(url, json={"reason": "再改", "changes": {"amount_fen": 6_000}},
                       headers=auth.headers("secretary_a")).status_code == 409


def test_dues_are_no_longer_entered_as_records(client, auth, world):
    response = client.post(f"{API}/branches/{world.branch_a}/records", headers=auth.headers("secretary_a"), json={
        "member_id": world.member, "kind": "dues", "occurred_on": "2026-10-10", "title": "10月党费", "amount_fen": 4_200})
    assert response.status_code == 422
    assert "/dues/payments" in response.json["errors"]["json"]["kind"][0]


def test_arrears_per_member_and_for_the_branch(client, auth, world):
    set_basis(client, auth, world.member)
    set_basis(client, auth, world.member2, category="rural", income_fen=None, effective_from="2026-08")
    pay(client, auth, world.branch_a, world.member2, ["2026-08"], 100)
    data = client.get(f"{API}/branches/{world.branch_a}/dues/arrears", headers=auth.headers("committee")).json
    rows = {r["member_id"]: r for r in data["members"]}
    assert rows[world.member]["total_fen"] == 8_400 and rows[world.member]["overdue_months"] == 1
    assert [m["month"] for m in rows[world.member2]["months"]] == ["2026-09", "2026-10"]
    assert data["total_fen"] == 8_600 and data["members_count"] == 2
    forbidden = client.get(f"{API}/branches/{world.branch_a}/dues/arrears", headers=auth.headers("member"))
    assert forbidden.status_code == 403


# --- remittances ---------------------------------------------------------------------------------

def remit(client, auth, branch_id, who="secretary_a", **body):
    body = {"first_month": "2026-10", "last_month": "2026-10", "amount_fen": 4_300, "remitted_on": "2026-10-15", **body}
    return client.post(f"{API}/branches/{branch_id}/dues/remittances", json=body, headers=auth.headers(who))


def test_the_branch_remits_what_it_collected_and_the_committee_confirms(client, auth, world):
    set_basis(client, auth, world.member)
    set_basis(client, auth, world.member2, category="rural", income_fen=None)
    pay(client, auth, world.branch_a, world.member, ["2026-10"], 4_200)
    pay(client, auth, world.branch_a, world.member2, ["2026-10"], 100)
    too_much = remit(client, auth, world.branch_a, amount_fen=4_301)
    assert too_much.status_code == 422 and "43.00" in too_much.json["message"]
    assert remit(client, auth, world.branch_a, first_month="2026-09", last_month="2026-10").status_code == 422
    assert remit(client, auth, world.branch_a, last_month="2026-11").status_code == 422  # not begun
    assert remit(client, auth, world.branch_a, remitted_on="2026-10-16").status_code == 422  # future
    assert remit(client, auth, world.branch_a, who="member").status_code == 403
    part = remit(client, auth, world.branch_a, amount_fen=4_000)
    assert part.status_code == 201 and part.json["state"] == "awaiting" and part.json["collected_fen"] == 4_300
    book = client.get(f"{API}/branches/{world.branch_a}/dues/remittances?year=2026",
                      headers=auth.headers("secretary_a")).json
    q4 = book["quarters"][3]
    assert (q4["collected_fen"], q4["remitted_fen"], q4["difference_fen"]) == (4_300, 4_000, 300)
    assert q4["deadline"] == "2027-01-31"
    pending = client.get(f"{API}/committees/{world.committee_id}/dues/remittances?pending=true",
                         headers=auth.headers("committee")).json
    assert [r["id"] for r in pending] == [part.json["id"]] and pending[0]["branch_name"] == "红旗村党支部"
    url = f"{API}/dues-remittances/{part.json['id']}/confirm"
    for who in ("secretary_a", "member", "other_committee", "secretary_b"):
        assert client.post(url, json={}, headers=auth.headers(who)).status_code == 403, who
    confirmed = client.post(url, json={"note": "已收到"}, headers=auth.headers("committee"))
    assert confirmed.status_code == 200 and confirmed.json["state"] == "confirmed"
    assert confirmed.json["confirm_note"] == "已收到"
    assert client.post(url, json={}, headers=auth.headers("committee")).status_code == 409
    assert client.get(f"{API}/committees/{world.committee_id}/dues/remittances?pending=true",
                      headers=auth.headers("committee")).json == []
    assert client.get(f"{API}/committees/{world.committee_id}/dues/remittances",
                      headers=auth.headers("other_committee")).status_code == 403


# --- publication and the ledger --------------------------------------------------------------------

def test_publication_per_member_is_for_the_branchs_members_only(client, auth, world):
    set_basis(client, auth, world.member)
    pay(client, auth, world.branch_a, world.member, ["2026-09", "2026-10"], 8_400)
    assert client.post(f"{API}/branches/{world.branch_a}/dues/publications", json={"year": 2026, "mode": "per_member"},
                       headers=auth.headers("member")).status_code == 403
    assert client.post(f"{API}/branches/{world.branch_a}/dues/publications", json={"year": 2027, "mode": "totals"},
                       headers=auth.headers("secretary_a")).status_code == 422
    published = client.post(f"{API}/branches/{world.branch_a}/dues/publications",
                            json={"year": 2026, "mode": "per_member"}, headers=auth.headers("secretary_a"))
    assert published.status_code == 201, published.json
    table = published.json["table"]
    assert table["total_fen"] == 8_400 and table["month_totals"][8:10] == [4_200, 4_200]
    assert [r["name"] for r in table["rows"] if r["total_fen"]] == ["李明"]
    for who in ("member", "member2", "secretary_a", "committee"):
        seen = client.get(f"{API}/branches/{world.branch_a}/dues/publications", headers=auth.headers(who))
        assert seen.status_code == 200 and seen.json[0]["table"]["rows"], who
    for who in ("floating", "member_b", "secretary_b", "other_committee"):
        assert client.get(f"{API}/branches/{world.branch_a}/dues/publications",
                          headers=auth.headers(who)).status_code == 403, who
    assert client.get(f"{API}/me/dues", headers=auth.headers("member2")).json["publications"][0]["year"] == 2026
    totals = client.post(f"{API}/branches/{world.branch_a}/dues/publications", json={"year": 2026, "mode": "totals"},
                         headers=auth.headers("secretary_a")).json
    assert "rows" not in totals["table"]
    latest = client.get(f"{API}/branches/{world.branch_a}/dues/publications", headers=auth.headers("member")).json
    assert [p["id"] for p in latest] == [totals["id"]]  # the latest of the year


def test_the_ledger_workbook_is_a_dues_register_with_totals_and_no_formulas(app, client, auth, world):
    with app.app_context():
        db.session.get(Member, world.member2).name = "=HYPERLINK(\"http://x\",\"y\")"
        db.session.commit()
    set_basis(client, auth, world.member)
    set_basis(client, auth, world.member2, category="rural", income_fen=None)
    pay(client, auth, world.branch_a, world.member, ["2026-09", "2026-10"], 9_000)
    pay(client, auth, world.branch_a, world.member2, ["2026-09"], 100)
    response = client.get(f"{API}/branches/{world.branch_a}/dues/ledger.xlsx?year=2026",
                          headers=auth.headers("secretary_a"))
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.data)).active
    assert ws["A1"].value == "红旗村党支部2026年度党费收缴台账"
    header = [c.value for c in ws[3]]
    assert header == ["序号", "姓名", "类别/计缴基数", "月缴纳额", *[f"{m}月" for m in range(1, 13)], "合计", "备注"]
    rows = {r[1]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    li = rows["李明"]
    assert li[2] == "在职党员/月收入4,200.00元" and float(li[3]) == 42.0
    assert float(li[4 + 8]) == 42.0 and float(li[4 + 9]) == 48.0 and float(li[16]) == 90.0  # the extra on October
    assert "自愿多交6.00元" in li[17]
    evil = next(c for c in ws["B"] if c.value and str(c.value).startswith("=HYPERLINK"))
    assert evil.data_type == "s" and evil.quotePrefix
    total = rows["合计"]
    assert float(total[16]) == 91.0 and float(total[4 + 8]) == 43.0
    forbidden = client.get(f"{API}/branches/{world.branch_a}/dues/ledger.xlsx", headers=auth.headers("member"))
    assert forbidden.status_code == 403
