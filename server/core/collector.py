"""Pausing Python's cyclic garbage collector around work that builds many objects which all stay alive.

A committee's compliance facts (server/compliance/facts.py: a year's records of every branch,
228,000 at 1,000 branches in bench/compliance.py) and an import's parsed roster (50,000 rows in
bench/imports.py) are hundreds of thousands of small objects that live until the request ends.
With the collector on, every 700 allocations (50,000 in a tuned worker, server/core/runtime.py)
start a collection that walks the young objects again, and the full collections walk the whole
heap: about two fifths of a committee's judgement and a third of an import's check, measured.
None of these objects is in a reference cycle, so reference counting frees them all the same;
whatever cyclic garbage is made meanwhile is collected at the next collection after.
"""
from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def collector_paused():
    """The cyclic collector off inside the block, back as it was after (a caller that disabled it
    keeps it disabled; with threads, the first to have turned it off turns it on again)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
