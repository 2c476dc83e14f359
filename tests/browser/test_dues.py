"""Dues on the phone (390×844), through the UI against the real server: the secretary takes a
month of dues from the branch's members, one of them with no signal (saved on the phone, then on
the server once back online), clears a member's arrears, remits the collection; the committee
confirms it; a member reads their own dues.

With ZHIBU_SCREENSHOTS=1 the pictures of docs/guide-secretary.md's dues section go to
docs/screenshots/ (guide-dues-*.png). Runs on SQLite only (see conftest.py).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from playwright.sync_api import expect

from sync import clock
from tests.browser import live
from tests.browser.test_secretary_month import shot, small_tap_targets

expect.set_options(timeout=15_000)


def months_back(n: int) -> str:
    month = clock.today().replace(day=1)
    for _ in range(n):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return f"{month:%Y-%m}"


def set_bases(app, cast) -> None:
    """The secretary employed (4,200 yuan a month), 李明 too but from two months ago (so in
    arrears), 王芳 a rural member (1.00 yuan) from this month."""
    from server.core.db import db
    from server.org.models import Branch

    with app.app_context():
        db.session.get(Branch, cast.branch_a).created_at = clock.now() - dt.timedelta(days=400)
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    headers = live.api_login(app, cast.secretary)
    for member_id, body in ((cast.secretary_id, {"category": "employed", "income_fen": 420_000,
                                                 "effective_from": months_back(0)}),
                            (cast.member_id, {"category": "employed", "income_fen": 420_000,
                                              "effective_from": months_back(2)}),
                            (cast.member2_id, {"category": "rural", "effective_from": months_back(0)})):
        response = client.post(f"/api/v1/members/{member_id}/dues/bases", json=body, headers=headers)
        assert response.status_code == 201, response.json


def payments_of(app, member_id: int) -> list[dict]:
    from server.core.db import db
    from server.dues.models import DuesPayment

    with app.app_context():
        rows = db.session.scalars(sa.select(DuesPayment).where(DuesPayment.member_id == member_id)).all()
        result = [{"months": p.months, "amount_fen": p.amount_fen} for p in rows]
        db.session.remove()
        return result


def member_row(page, member_id: int):
    return page.locator(f'[data-testid="dues-member"][data-member-id="{member_id}"]')


def test_the_secretary_collects_offline_too_remits_and_the_committee_confirms(phones, live_server, cast,
                                                                              screenshot_dir):
    url, app = live_server.url, live_server.app
    set_bases(app, cast)
    page = phones.phone()
    live.login(page, url, cast.secretary)
    page.goto(f"{url}/manage")
    page.get_by_test_id("desk-dues").click()
    expect(page.get_by_test_id("dues-list")).to_be_visible()
    assert small_tap_targets(page) == []

    # The secretary's own dues: one tap, on the server at once.
    mine = member_row(page, cast.secretary_id)
    expect(mine).to_have_attribute("data-state", "unpaid")
    expect(mine.get_by_test_id("dues-collect")).to_contain_text("42.00")
    mine.get_by_test_id("dues-collect").click()
    expect(page.get_by_test_id("dues-message")).to_have_attribute("data-kind", "sent")
    expect(mine).to_have_attribute("data-state", "paid")
    assert payments_of(app, cast.secretary_id) == [{"months": months_back(0), "amount_fen": 4_200}]

    # 李明 is two months in arrears.
    arrears = page.locator(f'[data-testid="dues-arrear"][data-member-id="{cast.member_id}"]')
    expect(arrears).to_contain_text("84.00")
    shot(page, screenshot_dir, "guide-dues-01-collect.png")

    # No signal: 王芳's 1.00 yuan is saved on the phone, then reaches the server when back online.
    context = page.context
    live.go_offline(context)
    wang = member_row(page, cast.member2_id)
    wang.get_by_test_id("dues-collect").click()
    expect(page.get_by_test_id("dues-message")).to_have_attribute("data-kind", "saved")
    expect(page.get_by_test_id("dues-message")).to_contain_text("已保存在本机")
    expect(wang).to_have_attribute("data-state", "queued")
    expect(wang.get_by_test_id("dues-state")).to_contain_text("已保存在本机")
    live.wait_sync_state(page, "offline")
    assert payments_of(app, cast.member2_id) == []
    shot(page, screenshot_dir, "guide-dues-02-offline.png")
    live.go_online(context)
    live.wait_sync_state(page, "synced", pending=0)
    expect(wang).to_have_attribute("data-state", "paid")
    assert payments_of(app, cast.member2_id) == [{"months": months_back(0), "amount_fen": 100}]

    # 李明 pays his arrears and this month at once (three months): the arrears list empties.
    li = member_row(page, cast.member_id)
    expect(li.get_by_test_id("dues-collect")).to_contain_text("126.00")
    li.get_by_test_id("dues-collect").click()
    expect(li).to_have_attribute("data-state", "paid")
    expect(page.get_by_test_id("dues-no-arrears")).to_be_visible()
    expect(arrears).to_have_count(0)
    [paid] = payments_of(app, cast.member_id)
    assert paid == {"months": ",".join(months_back(n) for n in (2, 1, 0)), "amount_fen": 12_600}

    # Remit what was collected this quarter (42 + 1 + 126 yuan), nothing kept back.
    page.get_by_test_id("dues-to-remittances").click()
    expect(page.get_by_test_id("dues-remit-amount")).to_have_value("169.00")
    assert small_tap_targets(page) == []
    page.get_by_test_id("dues-remit-note").fill("银行转账 凭证号 0001")
    page.get_by_test_id("dues-remit-save").click()
    expect(page.get_by_test_id("dues-remit-done")).to_be_visible()
    expect(page.get_by_test_id("dues-remittance").first).to_have_attribute("data-state", "awaiting")
    quarter = page.locator(f'[data-testid="dues-quarter"][data-quarter="{(clock.today().month - 1) // 3 + 1}"]')
    expect(quarter).to_have_attribute("data-difference", "0")
    shot(page, screenshot_dir, "guide-dues-03-remit.png")

    # The committee confirms receipt on its own phone.
    committee = phones.phone()
    live.login(committee, url, cast.committee)
    committee.get_by_test_id("home-committee-dues").click()
    pending = committee.get_by_test_id("dues-pending")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("169.00")
    pending.get_by_test_id("dues-confirm").click()
    expect(committee.get_by_test_id("dues-confirm-done")).to_contain_text("169.00")
    expect(committee.get_by_test_id("dues-none-awaiting")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("dues-remittance").first).to_have_attribute("data-state", "confirmed")

    # A member reads their own dues: the rule with its figure, this month paid.
    member = phones.phone()
    live.login(member, url, cast.member)
    member.get_by_test_id("home-dues").click()
    expect(member.get_by_test_id("dues-mine-rule")).to_have_text("按月收入4,200.00元的1%计缴：42.00元")
    expect(member.locator(f'[data-testid="dues-mine-months"] [data-month="{months_back(0)}"]')).to_have_attribute(
        "data-state", "paid")
    assert small_tap_targets(member) == []


def test_several_months_ahead_with_a_voluntary_extra_and_the_basis_form(phones, live_server, cast):
    url, app = live_server.url, live_server.app
    set_bases(app, cast)
    page = phones.phone()
    live.login(page, url, cast.secretary)
    page.goto(f"{url}/manage/dues")
    wang = member_row(page, cast.member2_id)
    wang.get_by_test_id("dues-more").click()
    page.get_by_test_id("dues-more-count").select_option("3")
    expect(page.get_by_test_id("dues-more-amount")).to_have_value("3.00")
    page.get_by_test_id("dues-more-amount").fill("2.99")
    page.get_by_test_id("dues-more-confirm").click()
    expect(page.get_by_test_id("dues-more-error")).to_contain_text("3.00")
    page.get_by_test_id("dues-more-amount").fill("5")
    page.get_by_test_id("dues-more-confirm").click()
    expect(wang).to_have_attribute("data-state", "paid")
    [paid] = payments_of(app, cast.member2_id)
    assert paid["amount_fen"] == 500 and len(paid["months"].split(",")) == 3

    # The profile: 王芳 becomes exempt from next month, by a recorded decision.
    wang.get_by_test_id("dues-profile").click()
    expect(page.get_by_test_id("dues-basis-rule")).to_have_text("农民党员每月交纳1.00元")
    page.get_by_test_id("dues-category").select_option("exempt")
    page.get_by_test_id("dues-basis-save").click()
    expect(page.get_by_test_id("dues-basis-error")).to_be_visible()  # the decision is required
    page.get_by_test_id("dues-decision").fill("因病长期住院，支委会研究同意免交")
    page.get_by_test_id("dues-basis-save").click()
    # The months ahead were paid already: a change applies from the first month not yet paid.
    expect(page.get_by_test_id("dues-basis-error")).to_contain_text("paid")
    assert small_tap_targets(page) == []
