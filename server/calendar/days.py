"""China's working calendar, as pure code: rest days, make-up working days (调休) and the activity day.

The calendar comes from the maintained `holidays` package (its China calendar transcribes each
year's State Council notice, swapped working days included, and estimates years not yet
published) and from official schedules an administrator loads (`OfficialSchedule`), which
override the package for their year. Nothing here touches the database: `HolidayCalendar` is
built from the loaded schedules (server/calendar/operations.py) or, in tests, by hand.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping

from sync.clock import CHINA

WEDNESDAY = 2
# From this month on, next year's official schedule should be known (the State Council publishes
# it in November or December).
WARN_FROM_MONTH = 11

SOURCE_OVERRIDE = "override"  # loaded by an administrator
SOURCE_PACKAGE = "package"  # the official schedule as the installed `holidays` package transcribes it
SOURCE_ESTIMATED = "estimated"  # the package's estimate: the year's notice is not in it

WEEKDAYS_ZH = "一二三四五六日"


_CHINA_OFFSET = CHINA.utcoffset(None)


def local_day(moment: dt.datetime) -> dt.date:
    """The China date of an aware moment: `moment.astimezone(CHINA).date()`, computed as the wall
    time shifted by the difference of the offsets (CHINA is a fixed offset; astimezone costs several
    times more, and the compliance facts convert every record of a year)."""
    offset = moment.utcoffset()
    if offset is None:  # naive: astimezone's reading of it as the machine's local time
        return moment.astimezone(CHINA).date()
    return (moment + (_CHINA_OFFSET - offset)).date()


def is_weekend(day: dt.date) -> bool:
    return day.weekday() >= 5


def first_weekday(year: int, month: int, weekday: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7)


@dataclasses.dataclass(frozen=True)
class PackageYear:
    rest_days: Mapping[dt.date, str]  # holidays and days off (weekdays and weekends), with names
    workdays: frozenset[dt.date]  # weekend days that are working days (调休上班)
    official: bool  # the package holds the year's official notice (not an estimate)


@functools.lru_cache(maxsize=64)
def package_year(year: int) -> PackageYear:
    import holidays

    # Make-up working days are listed under the year of the holiday they serve, which may be the
    # next year (a late-December working day for New Year): ask for both years.
    calendar = holidays.country_holidays("CN", years=[year, year + 1], language="zh_CN")
    rest = {day: name for day, name in calendar.items() if day.year == year}
    workdays = frozenset(d for d in getattr(calendar, "weekend_workdays", ()) if d.year == year)
    return PackageYear(rest, workdays, _package_has_notice(year, workdays))


def _package_has_notice(year: int, workdays: frozenset[dt.date]) -> bool:
    try:
        from holidays.countries.china import ChinaStaticHolidays

        return year in ChinaStaticHolidays.special_public_holidays
    except (ImportError, AttributeError):  # a future layout of the package: swapped days mean a notice
        return bool(workdays)


@dataclasses.dataclass(frozen=True)
class Override:
    """An official schedule loaded for one year: its explicit days (rest or work), with names."""

    year: int
    rest_days: Mapping[dt.date, str]
    workdays: Mapping[dt.date, str]


class HolidayCalendar:
    """Rest days and working days: the loaded official schedules first, then the package.

    `package` gives a year as the `holidays` package knows it (`package_year`); tests pass their
    own, so that what they assert does not change when a new release of the package learns next
    year's official schedule."""

    def __init__(self, overrides: Iterable[Override] = (), package: Callable[[int], PackageYear] | None = None):
        self.package = package or package_year
        self.overrides = {o.year: o for o in overrides}
        # A schedule may name days of the neighbouring year (a make-up working day in late
        # December for the New Year holiday): explicit days apply wherever they fall.
        self._explicit: dict[dt.date, bool] = {}
        for o in sorted(self.overrides.values(), key=lambda o: o.year):
            self._explicit.update({d: True for d in o.rest_days})
            self._explicit.update({d: False for d in o.workdays})

    def source(self, year: int) -> str:
        if year in self.overrides:
            return SOURCE_OVERRIDE
        return SOURCE_PACKAGE if self.package(year).official else SOURCE_ESTIMATED

    def is_rest_day(self, day: dt.date) -> bool:
        """A statutory holiday, a day off of the schedule, or a weekend day that is not a make-up working day."""
        if day in self._explicit:
            return self._explicit[day]
        if day.year in self.overrides:
            return is_weekend(day)
        year = self.package(day.year)
        if day in year.workdays:
            return False
        return is_weekend(day) or day in year.rest_days

    def is_working_day(self, day: dt.date) -> bool:
        return not self.is_rest_day(day)

    def activity_day_for(self, year: int, month: int) -> dt.date:
        """DAY-date: the first Wednesday of the month; when that day is a statutory rest day, the
        Wednesday of the following week (and again, in the unlikely case that one is one too)."""
        day = first_weekday(year, month, WEDNESDAY)
        while self.is_rest_day(day):
            day += dt.timedelta(days=7)
        return day

    def year_days(self, year: int) -> dict:
        """The year's exceptions to the plain week: rest days on weekdays and working weekend days."""
        if year in self.overrides:
            o = self.overrides[year]
            rest = {d: n for d, n in o.rest_days.items() if d.year == year}
            work = {d: n for d, n in o.workdays.items() if d.year == year}
        else:
            p = self.package(year)
            rest = dict(p.rest_days)
            work = {d: "调休上班" for d in p.workdays}
        for d, name in self._neighbour_days(year):
            (rest if self._explicit[d] else work)[d] = name
        return {
            "rest_days": [{"date": d, "name": rest[d]} for d in sorted(rest) if not is_weekend(d)],
            "weekend_rest_days": [{"date": d, "name": rest[d]} for d in sorted(rest) if is_weekend(d)],
            "workdays": [{"date": d, "name": work[d]} for d in sorted(work)],
        }

    def _neighbour_days(self, year: int):
        for o in self.overrides.values():
            if o.year != year:
                for d, name in {**o.rest_days, **o.workdays}.items():
                    if d.year == year:
                        yield d, name

    def schedule_warning(self, today: dt.date) -> dict | None:
        """A warning when the official schedule the next months depend on is not loaded: this year's
        at any time, next year's from November on."""
        if self.source(today.year) == SOURCE_ESTIMATED:
            year = today.year
        elif today.month >= WARN_FROM_MONTH and self.source(today.year + 1) == SOURCE_ESTIMATED:
            year = today.year + 1
        else:
            return None
        return {
            "key": "calendar.schedule_not_loaded",
            "year": year,
            "text": f"{year}年国务院节假日安排尚未载入，统一活动日日期按估算的节假日计算；请上级党委管理员载入官方安排。",
        }


def zh_date(day: dt.date) -> str:
    return f"{day.month}月{day.day}日（星期{WEEKDAYS_ZH[day.weekday()]}）"
