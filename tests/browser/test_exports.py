"""The branch's spreadsheets on a phone, on the demo data: the secretary downloads the roster (花名册)
and a quarter's attendance from the roster screen; the committee downloads the branch's archives
workbook from the branch's archives screen. Each file is opened and its title checked. SQLite only."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import live
from tests.browser.test_compliance import COMMITTEE, PASSWORD, SECRETARY, check_download, serving_the_demo

expect.set_options(timeout=15_000)


@pytest.fixture(scope="module")
def demo(_sqlite_template, tmp_path_factory):
    with serving_the_demo(_sqlite_template, tmp_path_factory) as server:
        yield server


def test_secretary_downloads_the_roster_and_a_quarters_attendance(phones, demo, tmp_path):
    page = phones.phone(accept_downloads=True)
    live.login(page, demo.url, SECRETARY, PASSWORD)
    page.goto(f"{demo.url}/manage/members")
    roster = check_download(page, page.get_by_test_id("export-roster"), "红旗村党支部党员花名册", tmp_path)
    assert [c.value for c in roster[3]][:3] == ["序号", "姓名", "性别"]
    assert roster.cell(row=4, column=2).value  # a member's name
    period = page.get_by_test_id("export-attendance-period")
    period.select_option(index=2)  # this quarter
    label = period.evaluate("el => el.options[el.selectedIndex].text")
    assert "季度" in label, label
    sheet = check_download(page, page.get_by_test_id("export-attendance"), "出勤统计表", tmp_path)
    assert sheet["A1"].value == f"红旗村党支部{label}党员参加组织生活出勤统计表"


def test_committee_downloads_the_branch_archives_workbook(phones, demo, tmp_path):
    import sqlalchemy as sa

    from server.core.db import db
    from server.org.models import Branch

    with demo.app.app_context():
        branch_id = db.session.scalar(sa.select(Branch.id).where(Branch.name == "红旗村党支部"))
    page = phones.phone(accept_downloads=True)
    live.login(page, demo.url, COMMITTEE, PASSWORD)
    page.goto(f"{demo.url}/archive/branches/{branch_id}")
    sheet = check_download(page, page.get_by_test_id("export-archives"), "红旗村党支部党员档案", tmp_path)
    assert sheet["J3"].value == "记录单位"
