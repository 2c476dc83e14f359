"""Per-process caches of what nearly every request reads and rarely changes, kept exact by
generations that the database itself moves.

A check-in used to load the caller's account, member, posts and floating memberships, and the
event, on every request: six statements of the nineteen a single scan cost. They change rarely,
so each worker keeps them, keyed by a *generation* read in the one statement that every
authenticated request makes anyway (the session's revocation check, server/auth/tokens.py).

The generations are rows of `cache_generation`, moved by database triggers (migration 0029), not
by Python hooks, so that no write can forget them: Core inserts (the roster import), raw SQL and
other programs included. `access` moves when anything a Principal is made of changes (accounts,
members, posts, floating memberships, branches' committees, the committee tree); `event` when an
event is changed or deleted (a new event cannot be in a cache yet). A trigger sets a random value
rather than adding one, so a value never comes back: after a rolled-back transaction, a counter
would return to a number whose cached entries describe data that no longer exists.

A stale entry can therefore only be used within one transaction that began before the change
committed, which is what reading the rows themselves would have given.
"""
from __future__ import annotations

import collections
import threading

import sqlalchemy as sa
from flask import current_app, g
from sqlalchemy.orm import Mapped, mapped_column

from server.core.db import db

ACCESS = 1  # cache_generation.id of the principals' generation
EVENTS = 2  # ... and of the events'


class CacheGeneration(db.Model):
    """Two rows (ACCESS, EVENTS) whose values change, by trigger, whenever what they guard changes.

    Note for migrations: SQLite's batch mode recreates a table and drops its triggers; a batch
    operation on a guarded table must create them again (tests/server/test_cache_generation.py
    checks every guarded table on the head schema)."""

    __tablename__ = "cache_generation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


def generations() -> tuple[int, int]:
    """(access, events) generations as this request's transaction sees them: read with the session
    check when there is one, otherwise here (a CLI, a benchmark calling operations directly)."""
    seen = g.get("cache_generations")
    if seen is None:
        rows = dict(db.session.execute(sa.select(CacheGeneration.id, CacheGeneration.value)).all())
        seen = g.cache_generations = (rows.get(ACCESS), rows.get(EVENTS))
    return seen


class LRUCache:
    """A bounded, thread-safe mapping that forgets the least recently used entries."""

    def __init__(self, size: int):
        self.size = size
        self._items: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


def app_cache(name: str) -> LRUCache:
    """The app's cache of that name (one per app: tests run several apps in one process)."""
    caches = current_app.extensions.setdefault("zhibu_caches", {})
    cache = caches.get(name)
    if cache is None:
        cache = caches.setdefault(name, LRUCache(current_app.config.get("CACHE_ENTRIES", 20_000)))
    return cache
