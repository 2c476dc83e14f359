"""The secretary enters a member's role (发挥作用) on the phone (390×844), LOG-annual's record: it is
kept pending for the member and the branch, a refusal is said in words, and nothing is sent offline."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser import live

expect.set_options(timeout=15_000)


def test_a_secretary_records_a_members_role_for_the_year(phones, live_server, cast):
    url, app = live_server.url, live_server.app
    page = phones.phone()
    live.login(page, url, cast.secretary)
    page.goto(f"{url}/manage/members/{cast.member_id}")
    page.get_by_test_id("member-record-entry").click()
    expect(page.get_by_test_id("entry-member")).to_have_text("李明")
    expect(page.get_by_test_id("entry-none")).to_be_visible()

    page.get_by_test_id("entry-submit").click()  # nothing written yet: said, nothing sent
    expect(page.get_by_test_id("entry-error")).to_have_text("请填写内容")

    page.get_by_test_id("entry-title").fill("带头参加人居环境整治，承担村道保洁责任区")
    page.get_by_test_id("entry-submit").click()
    expect(page.get_by_test_id("entry-done")).to_contain_text("已保存")
    row = page.get_by_test_id("entry-recent").locator("li")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("发挥作用")
    expect(row).to_contain_text("待核实")

    page.get_by_test_id("entry-kind-outstanding_deed").click()
    expect(page.get_by_test_id("entry-hint")).to_contain_text("7天内")
    page.context.set_offline(True)
    page.get_by_test_id("entry-title").fill("抗洪抢险中救出两名群众")
    page.get_by_test_id("entry-submit").click()
    expect(page.get_by_test_id("entry-error")).to_be_visible()
    expect(page.get_by_test_id("entry-title")).to_have_value("抗洪抢险中救出两名群众")  # kept to try again
    page.context.set_offline(False)

    client = app.test_client()
    records = client.get(f"/api/v1/records?member_id={cast.member_id}&kind=role_performance",
                         headers=live.api_login(app, cast.secretary)).json
    assert [(r["title"], r["status"]) for r in records] == [("带头参加人居环境整治，承担村道保洁责任区", "pending")]
    deeds = client.get(f"/api/v1/records?member_id={cast.member_id}&kind=outstanding_deed",
                       headers=live.api_login(app, cast.secretary)).json
    assert deeds == []
