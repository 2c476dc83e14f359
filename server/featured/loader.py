"""Featured-system templates as data: one TOML file per template, validated on load.

The built-in templates live in server/featured/templates/; a county adds its own without code in
the folder named by ZHIBU_FEATURED_TEMPLATES_DIR (config FEATURED_TEMPLATES_DIR). docs/featured-
templates.md describes the format. A bad file fails loudly with the file and the field named.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
from pathlib import Path

from server.core.enums import EventKind, Sector

BUILTIN_DIR = Path(__file__).parent / "templates"
CODE = re.compile(r"^[a-z][a-z0-9-]{1,47}$")
RULE_ID = re.compile(r"^X-[A-Za-z0-9-]{2,40}$")
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
EVERY = ("month", "quarter", "year")
CADENCES = ("month", "quarter", "year")
SERVICE_POST_KINDS = ("responsibility_zone", "vanguard_post", "model_household", "commitment", "set_post",
                      "pairing_support", "volunteering")
# The requirement kinds a template's rule may state (server/featured/rules.py judges them).
EVENTS_HELD, SERVICE_RECORDS = "events_held", "service_records"
REQUIREMENTS = (EVENTS_HELD, SERVICE_RECORDS)
# Points keys a template may give: attendance at its events, or a confirmed record of a kind.
POINTS_KEYS = re.compile(r"^(featured|record:(study|service))$")


class TemplateError(ValueError):
    """A template file that cannot be used: names the file and the field."""

    def __init__(self, path: Path | str, field: str, problem: str):
        super().__init__(f"{Path(path).name}: {field}: {problem}")
        self.path, self.field, self.problem = str(path), field, problem


@dataclasses.dataclass(frozen=True)
class Schedule:
    every: str  # month | quarter | year
    month: int | None = None  # the month of the year (year) or of the quarter, 1-3 (quarter)
    day: int | None = None  # the day of the month; or
    weekday: int | None = None  # ISO weekday 1-7 with `week` (1-4: the n-th of the month)
    week: int | None = None

    def dates(self, year: int) -> list[dt.date]:
        """The rule's dates in `year`, before moving off rest days."""
        if self.every == "month":
            months = range(1, 13)
        elif self.every == "quarter":
            months = [3 * q + self.month for q in range(4)]
        else:
            months = [self.month]
        return [self._in_month(year, m) for m in months]

    def describe_zh(self) -> str:
        """"每月20日", "每季度第2个月第2个星期六", "每年12月10日"."""
        if self.day is not None:
            day = f"{self.day}日"
        else:
            day = f"第{self.week}个星期{'一二三四五六日'[self.weekday - 1]}"
        if self.every == "month":
            return f"每月{day}"
        if self.every == "quarter":
            return f"每季度第{self.month}个月{day}" if self.day is None else f"每季度第{self.month}个月的{day}"
        return f"每年{self.month}月{day}"

    def _in_month(self, year: int, month: int) -> dt.date:
        if self.day is not None:
            return dt.date(year, month, self.day)
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(self.weekday - first.isoweekday()) % 7 + 7 * (self.week - 1))


@dataclasses.dataclass(frozen=True)
class EventSpec:
    title: str
    kind: EventKind
    schedule: Schedule
    time: str  # local "HH:MM"
    duration_minutes: int
    place: str | None = None
    keep_rest_days: bool = False  # a date on a rest day stays (a Saturday volunteering day); else the next working day


@dataclasses.dataclass(frozen=True)
class AssignmentSpec:
    kind: str
    title: str
    description: str | None
    cadence: str


@dataclasses.dataclass(frozen=True)
class PointsItem:
    key: str  # "featured" (attendance at its events) or "record:<kind>"
    title: str
    points: int
    cap_per_period: int | None

    def key_for(self, code: str) -> str:
        return f"featured:{code}" if self.key == "featured" else self.key


@dataclasses.dataclass(frozen=True)
class RuleSpec:
    id: str
    title: str
    period: str
    requirement: str
    min: int = 1


@dataclasses.dataclass(frozen=True)
class Template:
    code: str
    sector: Sector
    title: str
    summary: str
    events: tuple[EventSpec, ...] = ()
    assignments: tuple[AssignmentSpec, ...] = ()
    points: tuple[PointsItem, ...] = ()
    rules: tuple[RuleSpec, ...] = ()
    builtin: bool = True

    @property
    def source(self) -> str:
        return f"template:{self.code}"


def _get(table: dict, key: str, kind, where: str, path, *, required=True, default=None):
    if key not in table:
        if required:
            raise TemplateError(path, f"{where}{key}", "missing")
        return default
    value = table[key]
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise TemplateError(path, f"{where}{key}", f"must be {getattr(kind, '__name__', kind)}")
    if isinstance(value, str) and not value.strip():
        raise TemplateError(path, f"{where}{key}", "empty")
    return value


def _choice(value, choices, field: str, path):
    if value not in choices:
        raise TemplateError(path, field, f"{value!r} is not one of {', '.join(map(str, choices))}")
    return value


def _unknown(table: dict, allowed: set[str], where: str, path) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise TemplateError(path, f"{where}{extra[0]}", "unknown field")


def _range(value: int | None, lo: int, hi: int, field: str, path) -> None:
    if value is not None and not lo <= value <= hi:
        raise TemplateError(path, field, f"must be between {lo} and {hi}")


def _schedule(table, where: str, path) -> Schedule:
    if not isinstance(table, dict):
        raise TemplateError(path, f"{where}schedule", "must be a table")
    _unknown(table, {"every", "month", "day", "weekday", "week"}, f"{where}schedule.", path)
    every = _choice(_get(table, "every", str, f"{where}schedule.", path), EVERY, f"{where}schedule.every", path)
    s = Schedule(every, *(_get(table, k, int, f"{where}schedule.", path, required=False)
                          for k in ("month", "day", "weekday", "week")))
    if (s.day is None) == (s.weekday is None or s.week is None):
        raise TemplateError(path, f"{where}schedule.day", "give either day, or weekday and week")
    _range(s.day, 1, 28, f"{where}schedule.day", path)  # every month has it
    _range(s.weekday, 1, 7, f"{where}schedule.weekday", path)
    _range(s.week, 1, 4, f"{where}schedule.week", path)
    if every == "month" and s.month is not None:
        raise TemplateError(path, f"{where}schedule.month", "not used when every = month")
    if every != "month" and s.month is None:
        raise TemplateError(path, f"{where}schedule.month", "missing")
    _range(s.month, 1, 3 if every == "quarter" else 12, f"{where}schedule.month", path)
    return s


def _list(data: dict, key: str, path) -> list[dict]:
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise TemplateError(path, key, "must be an array of tables ([[%s]])" % key)
    return items


def parse(data: dict, path: Path | str, *, builtin: bool = True) -> Template:
    """A template from a TOML file's content, or TemplateError naming the field."""
    _unknown(data, {"code", "sector", "title", "summary", "events", "assignments", "points", "rules"}, "", path)
    code = _get(data, "code", str, "", path)
    if not CODE.match(code):
        raise TemplateError(path, "code", "lower-case letters, digits and hyphens, 2-48 characters")
    sector = Sector(_choice(_get(data, "sector", str, "", path), [s.value for s in Sector], "sector", path))
    title = _get(data, "title", str, "", path)
    if len(title) > 60:
        raise TemplateError(path, "title", "at most 60 characters")
    summary = _get(data, "summary", str, "", path).strip()

    events = []
    for i, e in enumerate(_list(data, "events", path)):
        w = f"events[{i}]."
        _unknown(e, {"title", "kind", "schedule", "time", "duration_minutes", "place", "keep_rest_days"}, w, path)
        kind = _choice(_get(e, "kind", str, w, path, required=False, default="featured_activity"),
                       [k.value for k in EventKind], f"{w}kind", path)
        time = _get(e, "time", str, w, path, required=False, default="09:00")
        if not TIME.match(time):
            raise TemplateError(path, f"{w}time", "must be HH:MM")
        duration = _get(e, "duration_minutes", int, w, path, required=False, default=90)
        _range(duration, 15, 720, f"{w}duration_minutes", path)
        events.append(EventSpec(_get(e, "title", str, w, path)[:200], EventKind(kind), _schedule(e.get("schedule"), w, path),
                                time, duration, _get(e, "place", str, w, path, required=False),
                                _get(e, "keep_rest_days", bool, w, path, required=False, default=False)))

    assignments = []
    for i, a in enumerate(_list(data, "assignments", path)):
        w = f"assignments[{i}]."
        _unknown(a, {"kind", "title", "description", "cadence"}, w, path)
        assignments.append(AssignmentSpec(
            _choice(_get(a, "kind", str, w, path), SERVICE_POST_KINDS, f"{w}kind", path),
            _get(a, "title", str, w, path)[:200], _get(a, "description", str, w, path, required=False),
            _choice(_get(a, "cadence", str, w, path), CADENCES, f"{w}cadence", path)))

    points = []
    for i, p in enumerate(_list(data, "points", path)):
        w = f"points[{i}]."
        _unknown(p, {"key", "title", "points", "cap_per_period"}, w, path)
        key = _get(p, "key", str, w, path)
        if not POINTS_KEYS.match(key):
            raise TemplateError(path, f"{w}key", "must be featured, record:study or record:service")
        value = _get(p, "points", int, w, path)
        _range(value, 1, 100, f"{w}points", path)
        cap = _get(p, "cap_per_period", int, w, path, required=False)
        _range(cap, 1, 1000, f"{w}cap_per_period", path)
        points.append(PointsItem(key, _get(p, "title", str, w, path), value, cap))
    if any(p.key == "featured" for p in points) and not events:
        raise TemplateError(path, "points", "key featured needs events")

    rules = []
    for i, r in enumerate(_list(data, "rules", path)):
        w = f"rules[{i}]."
        _unknown(r, {"id", "title", "period", "requirement", "min"}, w, path)
        rule_id = _get(r, "id", str, w, path)
        if not RULE_ID.match(rule_id):
            raise TemplateError(path, f"{w}id", "must look like X-<letters, digits, hyphens>")
        requirement = _choice(_get(r, "requirement", str, w, path), REQUIREMENTS, f"{w}requirement", path)
        minimum = _get(r, "min", int, w, path, required=False, default=1)
        _range(minimum, 1, 31, f"{w}min", path)
        if requirement == EVENTS_HELD and not events:
            raise TemplateError(path, f"{w}requirement", "events_held needs events")
        if requirement == SERVICE_RECORDS and not assignments:
            raise TemplateError(path, f"{w}requirement", "service_records needs assignments")
        rules.append(RuleSpec(rule_id, _get(r, "title", str, w, path),
                              _choice(_get(r, "period", str, w, path), CADENCES, f"{w}period", path),
                              requirement, minimum))
    if not events and not assignments:
        raise TemplateError(path, "events", "a template needs events or assignments")
    return Template(code, sector, title, summary, tuple(events), tuple(assignments), tuple(points), tuple(rules),
                    builtin)


def load_file(path: Path, *, builtin: bool = True) -> Template:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(path, "(file)", f"not valid TOML: {exc}") from exc
    return parse(data, path, builtin=builtin)


def load_dir(folder: Path | str, *, builtin: bool = True) -> list[Template]:
    folder = Path(folder)
    if not folder.is_dir():
        raise TemplateError(folder, "(folder)", "not a folder")
    return [load_file(p, builtin=builtin) for p in sorted(folder.glob("*.toml"))]


def merge(builtin: list[Template], extra: list[Template]) -> dict[str, Template]:
    """Built-in first; codes and rule ids unique across both (an extra file may not replace one)."""
    out: dict[str, Template] = {}
    rule_ids: set[str] = set()
    for t in [*builtin, *extra]:
        if t.code in out:
            raise TemplateError(f"{t.code}.toml", "code", f"{t.code!r} defined twice")
        for r in t.rules:
            if r.id in rule_ids:
                raise TemplateError(f"{t.code}.toml", "rules.id", f"{r.id!r} defined twice")
            rule_ids.add(r.id)
        out[t.code] = t
    return out


_BUILTIN: dict[str, Template] | None = None


def builtin_templates() -> dict[str, Template]:
    global _BUILTIN
    if _BUILTIN is None:
        _BUILTIN = merge(load_dir(BUILTIN_DIR), [])
    return _BUILTIN


def catalogue(config) -> dict[str, Template]:
    """Every template this installation offers: the built-in ones, then the county's folder."""
    folder = config.get("FEATURED_TEMPLATES_DIR")
    builtin = list(builtin_templates().values())
    if not folder:
        return builtin_templates()
    return merge(builtin, load_dir(folder, builtin=False))
