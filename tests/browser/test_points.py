"""Points on the phone (390×844), through the UI against the real server: the secretary takes the
suggested scheme, checks last quarter's points listed by name and publishes them after a
confirmation; a member opens 我的积分 and sees their own published points, each line naming its
record, and nobody else's. Runs on SQLite only (see conftest.py)."""
from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from sync import clock
from tests.browser import live
from tests.browser.test_secretary_month import small_tap_targets

expect.set_options(timeout=15_000)


def last_quarter() -> tuple[str, dt.date]:
    today = clock.today()
    q = (today.month - 1) // 3
    year, q = (today.year, q) if q else (today.year - 1, 4)
    return f"{year}-Q{q}", dt.date(year, 3 * q - 2, 1)


def confirmed_studies(app, cast, start: dt.date) -> None:
    """Three confirmed study records of 李明 and one of 王芳, in last quarter."""
    from server.core.db import db
    from server.core.enums import RecordKind
    from server.org.models import Member
    from tests.server.factories import create_record

    with app.app_context():
        li, wang = db.session.get(Member, cast.member_id), db.session.get(Member, cast.member2_id)
        for i in range(3):
            create_record(li, kind=RecordKind.study, occurred_on=start + dt.timedelta(days=i), title=f"学习党章第{i + 1}章",
                          confirmed_at=clock.now())
        create_record(wang, kind=RecordKind.study, occurred_on=start, title="王芳的学习", confirmed_at=clock.now())
        db.session.commit()
        db.session.remove()


def test_the_secretary_publishes_by_name_and_a_member_sees_only_their_own(phones, live_server, cast):
    url, app = live_server.url, live_server.app
    label, start = last_quarter()
    confirmed_studies(app, cast, start)
    page = phones.phone()
    live.login(page, url, cast.secretary)
    page.goto(f"{url}/manage")
    page.get_by_test_id("desk-points").click()
    page.get_by_test_id("points-use-suggested").click()
    expect(page.get_by_test_id("points-scheme-form")).to_be_visible()
    expect(page.get_by_test_id("points-rule")).to_have_count(14)
    assert small_tap_targets(page) == []
    page.get_by_test_id("points-to-publish").click()
    expect(page.get_by_test_id("points-period")).to_have_value(label)
    names = page.get_by_test_id("points-member")
    expect(names).to_have_count(3)
    assert [n.split("\n")[0].strip() for n in names.all_inner_texts()] == sorted(["李明", "王芳", "赵书记"])
    page.get_by_test_id("points-publish").click()
    expect(page.get_by_test_id("points-publish-confirm")).to_be_visible()
    page.get_by_test_id("points-publish-yes").click()
    expect(page.get_by_test_id("points-publish-done")).to_be_visible()
    expect(page.get_by_test_id("points-publish")).to_have_count(0)

    member = phones.phone()
    live.login(member, url, cast.member)
    member.get_by_test_id("home-points").click()
    published = member.locator(f'[data-testid="points-mine-published"][data-period="{label}"]')
    expect(published.get_by_test_id("points-mine-total")).to_contain_text("3")
    expect(published.locator('[data-key="record:study"]')).to_have_count(3)
    expect(published).to_contain_text("学习党章第1章")
    expect(member.get_by_test_id("points-mine-rules")).to_contain_text("学习记实")
    text = member.locator("body").inner_text()
    assert "王芳" not in text and "赵书记" not in text
    assert small_tap_targets(member) == []
