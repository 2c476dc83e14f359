"""The committee tree at phone size on the demo: the county's account (青山县委组织部) sees its two
townships aggregated, drills down to 城关镇党委 and on to a branch, and comes back up level by level
(docs/decisions.md, committee tree). The demo goes into a database of its own, like test_compliance.py.
Runs on SQLite only."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import live
from tests.browser.test_compliance import serving_the_demo

expect.set_options(timeout=15_000)

COUNTY = "qingshan"
PASSWORD = "zhibu-demo"


@pytest.fixture(scope="module")
def demo_server(_sqlite_template, tmp_path_factory):
    with serving_the_demo(_sqlite_template, tmp_path_factory) as server:
        yield server


def test_the_county_drills_down_two_levels_and_back(phones, demo_server):
    url = demo_server.url
    page = phones.phone()
    live.login(page, url, COUNTY, PASSWORD)
    page.get_by_test_id("home-committee").click()
    expect(page.get_by_test_id("committee-name")).to_have_text("青山县委组织部")
    subs = page.get_by_test_id("committee-sub")
    expect(subs).to_have_count(2)
    expect(subs.nth(0)).to_contain_text("城关镇党委")
    expect(subs.nth(0).get_by_test_id("committee-sub-counts")).to_contain_text("3个党支部")
    expect(subs.nth(1)).to_contain_text("柳林镇党委")
    expect(subs.nth(1).get_by_test_id("committee-sub-counts")).to_contain_text("1个党支部")
    # Each rule of a township: the worst state among its branches, and how many met it.
    chip = subs.nth(0).locator('[data-rule="3M1-committee"]')
    expect(chip).to_have_attribute("aria-label", re.compile(r"支委会 [0-3]/3"))
    expect(page.get_by_test_id("committee-branch")).to_have_count(0)  # no branch directly under the county
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Level two: the township, with the breadcrumbs 县 › 镇.
    subs.nth(0).click()
    expect(page.get_by_test_id("committee-name")).to_have_text("城关镇党委")
    expect(page.get_by_test_id("committee-crumb")).to_have_text(["青山县委组织部", "城关镇党委"])
    rows = page.get_by_test_id("committee-branch")
    expect(rows).to_have_count(3)
    expect(page.get_by_test_id("committee-sub")).to_have_count(0)

    # Level three: a branch's own view.
    rows.filter(has_text="红旗村党支部").click()
    expect(page.get_by_test_id("compliance-branch")).to_have_text("红旗村党支部")
    expect(page.get_by_test_id("compliance-rule").first).to_be_visible()

    # Back up, one level at a time.
    page.get_by_test_id("back").click()
    expect(page.get_by_test_id("committee-name")).to_have_text("城关镇党委")
    page.get_by_test_id("back").click()
    expect(page.get_by_test_id("committee-name")).to_have_text("青山县委组织部")
    # And by the breadcrumbs: down to the second township, up to the county.
    page.get_by_test_id("committee-sub").nth(1).click()
    expect(page.get_by_test_id("committee-crumb")).to_have_text(["青山县委组织部", "柳林镇党委"])
    expect(page.get_by_test_id("committee-branch")).to_have_count(1)
    expect(page.get_by_test_id("committee-branch")).to_contain_text("柳林村党支部")
    page.get_by_test_id("committee-crumb").first.click()
    expect(page.get_by_test_id("committee-name")).to_have_text("青山县委组织部")
