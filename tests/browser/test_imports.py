"""Importing a roster on the phone (390×844), through the UI against the real server: the committee
picks a roster with errors, every error is named by sheet, row and column and nothing is imported;
it picks the corrected file, sees the preview, confirms, and the members are there."""
from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import live
from tests.browser.test_secretary_month import small_tap_targets
from tests.server.importkit import roster_row, workbook_bytes

expect.set_options(timeout=15_000)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def members_of(app, branch_id: int, names) -> list[str]:
    from server.core.db import db
    from server.org.models import Member

    with app.app_context():
        return sorted(db.session.scalars(sa.select(Member.name).where(Member.branch_id == branch_id,
                                                                      Member.name.in_(names))))


def test_a_roster_with_errors_is_refused_with_every_error_named_and_the_corrected_file_imports(phones, live_server,
                                                                                                cast):
    url, app = live_server.url, live_server.app
    names = [f"导入甲{cast.tag}", f"导入乙{cast.tag}", f"导入丙{cast.tag}"]
    branch = "红旗村党支部"
    bad = workbook_bytes(roster=[
        roster_row(names[0], branch, group="第一党小组", admitted="2005-13-01"),
        roster_row(names[1], branch, status="预备党员", admitted=None, full=None),
        roster_row(names[2], branch, phone="12345", group="第九党小组"),
    ])
    good = workbook_bytes(roster=[
        roster_row(names[0], branch, group="第一党小组", admitted="2005-12-01"),
        roster_row(names[1], branch, status="预备党员", admitted="2026-03-01", full=None, birth="2000-01-02"),
        roster_row(names[2], branch, phone="13900001111", group="第一党小组"),
    ])
    page = phones.phone()
    live.login(page, url, cast.committee, wait_synced=False)
    page.get_by_test_id("home-imports").click()
    expect(page.get_by_test_id("imports-view")).to_be_visible()

    page.get_by_test_id("imports-file").set_input_files({"name": "花名册.xlsx", "mimeType": XLSX, "buffer": bad})
    expect(page.get_by_test_id("imports-chosen")).to_contain_text("花名册.xlsx")
    assert small_tap_targets(page) == []
    page.get_by_test_id("imports-check").click()
    problems = page.get_by_test_id("imports-problem")
    expect(problems).to_have_count(4)
    expect(page.get_by_test_id("imports-problems")).to_contain_text("发现 4 处问题，未导入任何数据")
    for sentence in ("花名册 第2行「入党日期」：日期格式不正确",
                     "花名册 第3行「入党日期」：预备党员须填写入党日期",
                     "花名册 第4行「党小组」：「红旗村党支部」没有名为「第九党小组」的党小组",
                     "花名册 第4行「联系电话」：电话号码不正确"):
        expect(problems.filter(has_text=sentence)).to_have_count(1)
    expect(page.get_by_test_id("imports-confirm")).to_have_count(0)
    assert members_of(app, cast.branch_a, names) == []
    assert small_tap_targets(page) == []

    page.get_by_test_id("imports-again").click()
    page.get_by_test_id("imports-file").set_input_files({"name": "花名册-改.xlsx", "mimeType": XLSX, "buffer": good})
    page.get_by_test_id("imports-check").click()
    preview = page.get_by_test_id("imports-preview")
    expect(preview.locator('[data-key="members_new"]')).to_contain_text("新增党员 3 名")
    assert members_of(app, cast.branch_a, names) == []  # the check saves nothing
    assert small_tap_targets(page) == []
    page.get_by_test_id("imports-confirm").click()
    result = page.get_by_test_id("imports-result")
    expect(result).to_have_attribute("data-changed", "1")
    expect(result).to_contain_text("导入完成")
    assert members_of(app, cast.branch_a, names) == sorted(names)
