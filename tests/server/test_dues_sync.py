"""The `dues_payment` mutation of the sync push: recorded at once on the phone, offline too, and
delivered later; idempotent by nonce; one payment per member and month whatever number of phones
push at once (the database's unique (member, month) decides)."""
from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from server.core.db import db
from server.dues.models import DuesPayment, DuesPaymentMonth
from server.sync_api.models import MutationLog
from sync import clock as sync_clock
from tests.server.synckit import nonce, now_ms, push

D = dt.date
API = "/api/v1"


@pytest.fixture(autouse=True)
def _october(clock):
    clock.set_now(dt.datetime(2026, 10, 15, 10, 0))


@pytest.fixture
def bases(client, auth, world):
    for member_id, body in ((world.member, {"category": "employed", "income_fen": 420_000}),
                            (world.member_b, {"category": "rural"})):
        who = "secretary_a" if member_id == world.member else "secretary_b"
        response = client.post(f"{API}/members/{member_id}/dues/bases", json={**body, "effective_from": "2026-09"},
                               headers=auth.headers(who))
        assert response.status_code == 201, response.json


def dues(member_id, months="2026-10", amount_fen=4_200, **kw):
    return {"id": kw.pop("id", nonce()), "type": "dues_payment", "member_id": member_id, "months": months,
            "amount_fen": amount_fen, "claimed_at_ms": kw.pop("at_ms", now_ms()), **kw}


def payments(app, member_id):
    with app.app_context():
        return db.session.scalars(sa.select(DuesPayment).where(DuesPayment.member_id == member_id)
                                  .order_by(DuesPayment.id)).all()


def test_a_payment_pushed_is_applied_and_a_retry_answers_the_same(app, client, auth, world, bases):
    item = dues(world.member, "2026-09,2026-10", 8_400)
    first = push(client, auth.headers("secretary_a"), [item]).json["results"]
    assert first[0]["status"] == "applied" and first[0]["code"] is None and first[0]["payment_id"]
    [payment] = payments(app, world.member)
    assert (payment.id, payment.months, payment.amount_fen) == (first[0]["payment_id"], "2026-09,2026-10", 8_400)
    assert payment.nonce == item["id"]
    # The same item again (a retry after a timeout), alone and in a batch: the same answer, nothing new.
    again = push(client, auth.headers("secretary_a"), [item]).json["results"]
    batch = push(client, auth.headers("secretary_a"), [dues(world.member, "2026-11"), item]).json["results"]
    assert again == first and batch[1] == first[0] and batch[0]["status"] == "applied"
    assert len(payments(app, world.member)) == 2
    with app.app_context():
        assert db.session.scalar(sa.select(MutationLog.result).where(MutationLog.nonce == item["id"])) == first[0]


def test_a_second_payment_of_a_paid_month_is_rejected_and_stays_rejected(app, client, auth, world, bases):
    push(client, auth.headers("secretary_a"), [dues(world.member)])
    second = dues(world.member, "2026-09,2026-10", 8_400)
    [result] = push(client, auth.headers("secretary_a"), [second]).json["results"]
    assert (result["status"], result["code"]) == ("rejected", "month_already_paid") and result["message"]
    # Retried after the first payment was voided, the nonce still answers what it answered.
    [paid] = payments(app, world.member)
    client.post(f"{API}/dues-payments/{paid.id}/corrections", json={"reason": "误录", "changes": {"void": True}},
                headers=auth.headers("secretary_a"))
    assert push(client, auth.headers("secretary_a"), [second]).json["results"] == [result]


@pytest.mark.parametrize("who,member,code", [
    ("member", "member", "not_allowed"),  # a plain member, even for themselves
    ("secretary_b", "member", "not_allowed"),  # a member of another branch
    ("secretary_a", "member_b", "not_allowed"),
    ("secretary_a", "floating", "not_allowed"),  # the host branch does not collect a floating member's dues
])
def test_only_the_home_branchs_managers_record_a_members_dues(app, client, auth, world, bases, who, member, code):
    [result] = push(client, auth.headers(who), [dues(getattr(world, member), amount_fen=4_200)]).json["results"]
    assert (result["status"], result["code"]) == ("rejected", code)
    assert payments(app, getattr(world, member)) == []


@pytest.mark.parametrize("item,code", [
    ({"amount_fen": 4_199}, "amount_short"),
    ({"months": "2026-08"}, "month_not_owed"),
    ({"months": "2027-10"}, "month_not_owed"),
    ({"member_id": 999_999}, "unknown_member"),
    ({"member_id": "member2"}, "no_dues_basis"),
    ({"amount_fen": -1}, "malformed"),
    ({"amount_fen": 2_400_001}, "malformed"),
    ({"amount_fen": 42.0}, "malformed"),
    ({"months": "2026-10,2026-10"}, "malformed"),
    ({"months": ",".join(f"2026-{m:02d}" for m in range(1, 13)) + ",2027-01"}, "malformed"),
    ({"months": ["2026-10"]}, "malformed"),
    ({"record_id": 1}, "malformed"),
])
def test_refusals_come_back_with_their_code(app, client, auth, world, bases, item, code):
    if item.get("member_id") == "member2":
        item = {**item, "member_id": world.member2}
    body = {**dues(world.member), **item}
    [result] = push(client, auth.headers("secretary_a"), [body]).json["results"]
    assert (result["status"], result["code"]) == ("rejected", code), result
    if code == "malformed":
        assert result["errors"]


def test_a_payment_recorded_offline_keeps_the_day_it_was_handed_over(app, client, auth, world, bases, clock):
    # Recorded on the phone on 30 September with no signal, delivered on 2 October; the phone's clock
    # is 5 minutes slow (the measured offset corrects the claim).
    clock.set_now(dt.datetime(2026, 10, 2, 9, 0))
    slow = 5 * 60 * 1000
    claimed = int(sync_clock.china_time(D(2026, 9, 30), 20).timestamp() * 1000) - slow
    item = dues(world.member, "2026-09", 4_200, at_ms=claimed)
    [result] = push(client, auth.headers("secretary_a"), [item], client_time_ms=now_ms() - slow).json["results"]
    assert result["status"] == "applied"
    [payment] = payments(app, world.member)
    assert payment.paid_on == D(2026, 9, 30)
    assert payment.received_at.astimezone(sync_clock.CHINA).date() == D(2026, 10, 2)
    # A claim from the future is not believed: the payment is dated when received.
    future = dues(world.member, "2026-10", 4_200, at_ms=now_ms() + 86_400_000)
    push(client, auth.headers("secretary_a"), [future])
    assert payments(app, world.member)[1].paid_on == D(2026, 10, 2)


def test_someone_elses_nonce_is_not_theirs_to_replay(app, client, auth, world, bases):
    item = dues(world.member)
    push(client, auth.headers("secretary_a"), [item])
    [result] = push(client, auth.headers("secretary_b"), [item]).json["results"]
    assert (result["status"], result["code"]) == ("rejected", "not_allowed") and result["payment_id"] is None


def test_two_phones_paying_the_same_month_at_once_make_exactly_one_payment(app, auth, world, bases):
    """Threads over real connections (PostgreSQL runs them in parallel; SQLite serializes writers)."""
    headers = auth.headers("secretary_a")
    for round_, month in enumerate(("2026-10", "2026-11", "2026-12", "2027-01")):
        threads = 4
        barrier = threading.Barrier(threads)

        def one_phone(n: int, month=month, barrier=barrier):
            client = app.test_client()
            barrier.wait()
            response = push(client, headers, [dues(world.member, month)], device=f"phone-{round_}-{n:04d}")
            assert response.status_code == 200, response.json
            return response.json["results"][0]

        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(one_phone, range(threads)))
        assert sorted(r["status"] for r in results) == ["applied"] + ["rejected"] * (threads - 1), results
        assert {r["code"] for r in results if r["status"] == "rejected"} == {"month_already_paid"}
        with app.app_context():
            rows = db.session.scalars(sa.select(DuesPaymentMonth).where(
                DuesPaymentMonth.member_id == world.member,
                DuesPaymentMonth.month == dt.date.fromisoformat(f"{month}-01"))).all()
            assert len(rows) == 1
            assert rows[0].payment_id == next(r["payment_id"] for r in results if r["status"] == "applied")
    assert len(payments(app, world.member)) == 4
