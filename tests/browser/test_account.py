"""The account's safety in the settings screen: a weak password refused in Chinese, a new one
set, and "log out on all devices" ending the other phone's login too."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser import live
from tests.server.factories import PASSWORD

expect.set_options(timeout=15_000)
STRONG = "red flag village tea 2026"


def test_change_the_password_and_log_out_everywhere(phones, cast, live_server):
    url = live_server.url
    browser = phones.browser()
    phone = phones.phone(browser=browser)
    live.login(phone, url, cast.member)
    other = phones.phone(browser=browser)  # the same member on a second phone
    live.login(other, url, cast.member)

    phone.goto(f"{url}/settings")
    phone.get_by_test_id("password-current").fill(PASSWORD)
    phone.get_by_test_id("password-new").fill("12345678")
    phone.get_by_test_id("password-again").fill("12345678")
    phone.get_by_test_id("password-submit").click()
    expect(phone.get_by_test_id("password-error")).to_contain_text("太容易被猜到")

    phone.get_by_test_id("password-new").fill(STRONG)
    phone.get_by_test_id("password-again").fill(STRONG)
    phone.get_by_test_id("password-submit").click()
    expect(phone.get_by_test_id("password-done")).to_contain_text("密码已修改")

    # The other phone's login ended with the change: its next sync (on opening) asks to log in again.
    other.goto(f"{url}/records")
    expect(other.get_by_test_id("sync-login-required")).to_be_visible()

    phone.get_by_test_id("logout-everywhere").click()
    phone.locator(".van-dialog__confirm").click()
    expect(phone.get_by_test_id("login-username")).to_be_visible()
    live.login(phone, url, cast.member, STRONG)
