"""Loading the official holiday schedule on the phone (390×844), through the UI against the real
server: the top-level committee's administrator enters a holiday covering the first Wednesday of a
month of next year, sees that month's activity day (and the branch's planned one) move in the
preview, confirms; the branch's secretary finds the notification listing the move. The schedule is
removed at the end (the live server's database is shared by the session's tests)."""
from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from sync import clock
from tests.browser import live
from tests.browser.test_secretary_month import small_tap_targets

expect.set_options(timeout=15_000)


def a_plain_month(app, year: int) -> tuple[int, dt.date]:
    """A month of `year` whose activity day today is its first Wednesday (no holiday on it)."""
    from server.calendar.days import WEDNESDAY, first_weekday
    from server.calendar.operations import load_calendar

    with app.app_context():
        calendar = load_calendar()
    for month in (5, 6, 9, 3, 4, 7, 8, 11):
        day = first_weekday(year, month, WEDNESDAY)
        if calendar.activity_day_for(year, month) == day:
            return month, day
    raise AssertionError("no month of next year has its activity day on its first Wednesday")


def test_the_administrator_loads_a_holiday_and_the_secretary_is_told_what_moved(phones, live_server, cast):
    url, app = live_server.url, live_server.app
    year = clock.today().year + 1
    month, wednesday = a_plain_month(app, year)
    client = app.test_client()
    planned = client.post(f"/api/v1/branches/{cast.branch_a}/activity-day-plan", json={"year": year, "place": "村委会"},
                          headers=live.api_login(app, cast.secretary))
    assert planned.status_code == 200, planned.json
    try:
        page = phones.phone()
        live.login(page, url, cast.committee, wait_synced=False)
        page.get_by_test_id("home-holidays").click()
        page.get_by_test_id("holidays-year").select_option(str(year))
        page.get_by_test_id("holidays-range-name").fill("劳动节")
        page.get_by_test_id("holidays-range-start").fill((wednesday - dt.timedelta(days=2)).isoformat())
        page.get_by_test_id("holidays-range-end").fill(wednesday.isoformat())
        assert small_tap_targets(page) == []
        page.get_by_test_id("holidays-preview").click()

        result = page.get_by_test_id("holidays-preview-result")
        expect(result).to_be_visible()
        later = wednesday + dt.timedelta(days=7)
        expect(result.locator(f'[data-testid="holidays-month"][data-month="{month}"]')).to_contain_text(
            f"{month}月{later.day}日")
        branch = result.locator(f'[data-testid="holidays-branch"][data-branch-id="{cast.branch_a}"]')
        expect(branch).to_contain_text("红旗村党支部")
        expect(branch.locator('[data-testid="holidays-event"][data-moved="1"]', has_text=f"{month}月主题党日活动")).to_contain_text(
            f"{month}月{later.day}日")
        assert small_tap_targets(page) == []
        page.get_by_test_id("holidays-confirm").click()
        expect(page.get_by_test_id("holidays-done")).to_contain_text(f"已载入{year}年节假日安排")
        expect(page.get_by_test_id("holidays-source")).to_have_attribute("data-source", "override")

        secretary = phones.phone()
        live.login(secretary, url, cast.secretary)
        secretary.goto(f"{url}/notifications")
        told = secretary.locator('[data-kind="calendar"]')
        expect(told).to_have_count(1)
        expect(told).to_contain_text(f"{year}年节假日安排调整")
        expect(told).to_contain_text(f"{month}月主题党日活动：{month}月{wednesday.day}日（星期三）→{month}月{later.day}日（星期三）")
        assert small_tap_targets(secretary) == []
        told.click()
        expect(secretary).to_have_url(f"{url}/manage/plan")
    finally:
        removed = client.delete(f"/api/v1/calendar/years/{year}", headers=live.api_login(app, cast.committee))
        assert removed.status_code in (204, 404)
