"""The one clock of Zhibu's Python code: the server, the sync client, the kiosk and the tests.

Nothing else reads the wall clock (`datetime.now()`, `date.today()`, `time.time()`): everything
asks this module, so that "today" is an input. A test sets it (`set_now`, `travel_to`), a
developer runs the whole program at another date with `ZHIBU_TODAY`, and production reads the
real time. Dates are China's (Asia/Shanghai, UTC+8 without daylight saving): `today()` is the
same day on every machine, whatever its own time zone.

- `ZHIBU_TODAY=2027-10-08` shifts the clock by whole days: the date is 8 October 2027 in China,
  at the real time of day, and the clock goes on running. `ZHIBU_TODAY=2027-10-08T09:30` starts
  at 09:30 China time on that day (read once, at the first reading) and runs on from there.
- `travel_to(moment)` does the same from code; `set_now(moment)` stops the clock at `moment`
  (until the next `set_now`, `travel_to` or `reset`).

Durations (timeouts, back-off, rate windows) use `time.monotonic()`, which is not a date and is
not shifted.
"""
from __future__ import annotations

import datetime as dt
import os
import threading

CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # no daylight saving since 1991
UTC = dt.timezone.utc
ENV = "ZHIBU_TODAY"

_lock = threading.Lock()
_frozen: dt.datetime | None = None  # set_now: the clock stands still here
_offset: dt.timedelta | None = None  # travel_to: real time plus this
_env: tuple[str, dt.timedelta] | None = None  # (ZHIBU_TODAY as read, the offset it gives)


def real_now() -> dt.datetime:
    """The machine's own time, never shifted: only for what other programs check against their own
    clocks (a TLS certificate's validity). Everything else uses `now()`."""
    return dt.datetime.now(UTC)


_real_now = real_now


def parse_moment(text: str, real_now: dt.datetime | None = None) -> tuple[dt.datetime, bool]:
    """A `ZHIBU_TODAY` value as (moment in UTC, whether it named a time of day).

    A date alone keeps the real time of day in China; a date and time is China's wall time
    unless it carries its own offset.
    """
    text = text.strip()
    real_now = real_now or _real_now()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            local = real_now.astimezone(CHINA)
            return local.replace(year=day.year, month=day.month, day=day.day).astimezone(UTC), False
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{ENV} must be a date (2027-10-08) or a date and time (2027-10-08T09:30): {text!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    return moment.astimezone(UTC), True


def _env_offset(real_now: dt.datetime) -> dt.timedelta:
    """The offset ZHIBU_TODAY asks for (zero when unset), computed once per value."""
    global _env
    value = os.environ.get(ENV, "").strip()
    if not value:
        return dt.timedelta(0)
    if _env is None or _env[0] != value:
        moment, _ = parse_moment(value, real_now)
        _env = (value, moment - real_now)
    return _env[1]


def now() -> dt.datetime:
    """The current moment, timezone-aware UTC."""
    frozen = _frozen
    if frozen is not None:
        return frozen
    real = _real_now()
    offset = _offset
    return real + (offset if offset is not None else _env_offset(real))


def today() -> dt.date:
    """Today's date in China."""
    return now().astimezone(CHINA).date()


def now_ms() -> int:
    """The current moment in Unix epoch milliseconds (what the sync protocol's wire carries)."""
    return int(now().timestamp() * 1000)


def china_time(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    """China's wall time `hour:minute` on `day`, as an aware UTC datetime."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA).astimezone(UTC)


def _as_moment(moment: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(moment, dt.datetime):
        return (moment if moment.tzinfo else moment.replace(tzinfo=CHINA)).astimezone(UTC)
    return china_time(moment, 10)  # a date alone: ten in the morning, a working hour in China


def set_now(moment: dt.datetime | dt.date) -> dt.datetime:
    """Stop the clock at `moment` (a naive datetime is China's wall time; a date is 10:00 China)."""
    global _frozen, _offset
    with _lock:
        _frozen, _offset = _as_moment(moment), None
        return _frozen


def travel_to(moment: dt.datetime | dt.date) -> dt.datetime:
    """Move the clock to `moment` and let it run on from there."""
    global _frozen, _offset
    target = _as_moment(moment)
    with _lock:
        _frozen, _offset = None, target - _real_now()
    return target


def advance(delta: dt.timedelta) -> dt.datetime:
    """Move the clock forward by `delta` (stopped or running)."""
    global _frozen, _offset
    with _lock:
        if _frozen is not None:
            _frozen = _frozen + delta
            return _frozen
        real = _real_now()
        base = _offset if _offset is not None else _env_offset(real)
        _offset = base + delta
        return real + _offset


def reset() -> None:
    """Back to the real time (shifted by ZHIBU_TODAY when it is set)."""
    global _frozen, _offset
    with _lock:
        _frozen = _offset = None


def child_environ() -> dict[str, str]:
    """What a child process (a gunicorn that tests or benchmarks start) needs in its environment to
    read this clock: ZHIBU_TODAY as given to this process, or this clock's moment when code moved it
    (the child's clock then starts there when it first reads it, a second or so behind ours)."""
    if _frozen is None and _offset is None:
        value = os.environ.get(ENV, "").strip()
        return {ENV: value} if value else {}
    return {ENV: now().isoformat()}


def is_shifted() -> bool:
    """Whether this clock is not the real time (set by a test, by code, or by ZHIBU_TODAY)."""
    return _frozen is not None or _offset is not None or bool(os.environ.get(ENV, "").strip())
