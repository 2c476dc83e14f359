"""The demo's points (built relative to today, like the rest of the demo: server/demo/operations.py):
every demo branch uses the suggested scheme (quarterly), and last quarter's points were published
five days after it ended (or today, when that is later than today)."""
from __future__ import annotations

import datetime as dt

from server.points import operations
from sync.clock import CHINA


def build_demo(builder) -> None:
    """Called once by the demo builder, after the records and dues."""
    from server.demo.operations import BRANCHES

    today = builder.today
    for spec in BRANCHES:
        branch = builder.branches[spec.key]
        secretary = builder._secretary(spec.key)
        scheme = operations.use_suggested(branch, secretary.id)
        last = operations.previous(operations.period_containing(scheme.publish_every.value, today))
        publication = operations.publish(branch, last, secretary.id, today)
        day = min(last.end + dt.timedelta(days=5), today)
        publication.published_at = dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=CHINA).astimezone(dt.timezone.utc)
