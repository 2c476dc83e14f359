"""Holiday calendars for tests that must not change meaning with the next `holidays` release.

The package learns each year's official schedule when the State Council publishes it (late in
the year before); a test that says "2027 is still an estimate" would fail the day a new release
knows 2027. These stand-ins fix what the package knows.
"""
from __future__ import annotations

import datetime as dt

from server.calendar.days import PackageYear, package_year

D = dt.date


def package_without_notice(year: int) -> PackageYear:
    """A year as the package knows it before the notice: an estimate, with New Year's Day and the
    first three days of October as its only rest days."""
    return PackageYear({D(year, 1, 1): "元旦", D(year, 10, 1): "国庆节", D(year, 10, 2): "国庆节",
                        D(year, 10, 3): "国庆节"}, frozenset(), official=False)


def published_until(last_year: int):
    """The installed package up to `last_year` (2026 and earlier are official in it), estimates after."""
    def package(year: int) -> PackageYear:
        return package_year(year) if year <= last_year else package_without_notice(year)
    return package
