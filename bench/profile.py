"""Where the hot path's time goes: pyinstrument profiles of pushes of 500 check-ins (a secretary's
manual entries; 3 pushes), of 100 single-scan pushes (each a member's first request with a fresh
token, as on an activity day) and of a pull of the latest 100 changes (10 pulls, for samples), each
through the whole request (app.test_client(), JWT, schemas), after a warm-up request, on each
backend, over a 100k-record history.

The profiles sample this thread's CPU time, not wall time: on a shared, busy machine a wall-clock
sampler charges whatever frame was running when the process was descheduled. So time waiting for
the database server does not appear in them; the one figure reported per backend gives it
instead: the share of a push's wall time spent in SQL statements (2 more pushes, unprofiled).

Writes bench/results/profile-push.txt, profile-scan.txt and profile-pull.txt (pyinstrument's text trees, one
section per backend) and prints the functions with the most self time (summed over the tree).
"""
from __future__ import annotations

import collections
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from bench import fixtures
from bench.common import FULL, RESULTS_DIR, Report, new_database

HISTORY = 100_000 if FULL else 10_000
PUSH_REPEATS = 3
PULL_REPEATS = 10  # one pull is a few milliseconds: profile several for enough samples
SCAN_REPEATS = 100


def self_times(frame, out=None) -> collections.Counter:
    """Self seconds per function, summed over every place it appears in the tree."""
    out = collections.Counter() if out is None else out
    if not frame.is_synthetic:
        out[f"{frame.function}  {frame.file_path_short}:{frame.line_no}"] += frame.total_self_time
    for child in frame.children:
        self_times(child, out)
    return out


def sql_share(app, fn) -> float:
    """The share of fn's wall time spent inside cursor executions (statement sent to result)."""
    from server.core.db import db

    with app.app_context():
        engine = db.engine
    spent = [0.0]

    def before(conn, *_):
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, *_):
        spent[0] += time.perf_counter() - conn.info.pop("bench_started")

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        started = time.perf_counter()
        fn()
        total = time.perf_counter() - started
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
    return spent[0] / total


def profile(fn, title: str, *, interval: float = 0.0005):
    """Run fn under pyinstrument, sampling this thread's CPU time; (text tree, root frame, seconds),
    and print the top self times."""
    from pyinstrument import Profiler
    from pyinstrument.stack_sampler import get_stack_sampler

    sampler = get_stack_sampler()
    previous, sampler.timer_func = sampler.timer_func, time.thread_time
    try:
        profiler = Profiler(interval=interval)
        profiler.start()
        fn()
        session = profiler.stop()
    finally:
        sampler.timer_func = previous
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    root = session.root_frame()
    total = root.time if root else 0.0
    print(f"   {title}: {total * 1000:.0f} ms profiled; top self time:")
    for name, seconds in self_times(root).most_common(10):
        print(f"     {seconds / total:6.1%}  {name}")
    return f"# {title}\n{text}", root, total


def run(report: Report, workdir: Path, backends: list[str]) -> None:
    push_texts, pull_texts, scan_texts = [], [], []
    for kind in backends:
        push_text, pull_text, scan_text = _profile_backend(report, kind, workdir)
        push_texts.append(push_text)
        pull_texts.append(pull_text)
        scan_texts.append(scan_text)
    RESULTS_DIR.mkdir(exist_ok=True)
    for name, texts in (("profile-push.txt", push_texts), ("profile-pull.txt", pull_texts),
                        ("profile-scan.txt", scan_texts)):
        (RESULTS_DIR / name).write_text("\n\n".join(texts))
        print(f"   written: bench/results/{name}")


def _profile_backend(report: Report, kind: str, workdir: Path) -> tuple[str, str]:
    from bench.ingest import Batches, envelope
    from bench.pull import LATEST, latest_cursor
    from server.core.db import db

    url, drop = new_database(kind, workdir)
    app = None
    try:
        world = fixtures.build_world(url, branches=4, members_per_branch=250, events_per_branch=0)
        fixtures.add_events(world, HISTORY // 1000 + 1, live=False)
        fixtures.grow_history(world, HISTORY)  # past events only: the live ones come next
        events = fixtures.add_events(world, 12)
        app = fixtures.app_for(world)
        client = app.test_client()
        batches = Batches(world, events, 500)
        user_id, _, warm = batches.batch(0)
        headers = fixtures.bearer(app, user_id)

        def push(mutations):
            response = client.post("/api/v1/sync/push", json=envelope(mutations, uuid.uuid4().hex), headers=headers)
            assert response.status_code == 200, response.json
            assert all(r["status"] == "applied" for r in response.json["results"]), response.json["results"][:3]

        push(warm[:50])  # warm-up: connections, statement caches
        # The same branch's next secretary batches: 500 fresh manual check-ins each. Several
        # pushes in one profile, so that a moment the process was descheduled weighs less.
        pushes = []
        for k in range(8, 8 * (PUSH_REPEATS + 3), 8):
            user_again, _, mutations = batches.batch(k)
            assert user_again == user_id
            pushes.append(mutations)
        push_text, _, _ = profile(lambda: [push(m) for m in pushes[:PUSH_REPEATS]],
                                  f"{PUSH_REPEATS} pushes of 500 check-ins (checkin_manual, {kind}, whole request)")
        # Unprofiled: how much of a push's wall time the database statements take.
        share = sql_share(app, lambda: [push(m) for m in pushes[PUSH_REPEATS:]])
        report.add(f"profile ({kind})", "push 500: share of wall time in SQL statements", 100 * share, "%",
                   note="informational: cursor execute to result, summed over a push's statements")

        query = {"protocol_version": 1, "cursor": latest_cursor(app, user_id), "limit": LATEST}

        def pulls():
            for _ in range(PULL_REPEATS):
                response = client.get("/api/v1/sync/pull", query_string=query, headers=headers)
                assert response.status_code == 200 and len(response.json["changes"]) == LATEST

        pulls()
        pull_text, _, _ = profile(pulls, f"{PULL_REPEATS} pulls of the latest {LATEST} changes "
                                         f"({kind}, {HISTORY} records, whole request)", interval=0.0002)

        # Single scans as on an activity day: each member's phone sends one event-code scan, with
        # its own token used for the first time (nothing of theirs cached yet in the worker).
        single = Batches(world, fixtures.add_events(world, 1), 1)  # an event nobody has scanned yet
        scans = []
        for k in range(1, 2 * (SCAN_REPEATS + 10), 2):
            user, _, mutations = single.batch(k)
            scans.append((fixtures.bearer(app, user), mutations))

        def scan(headers, mutations):
            response = client.post("/api/v1/sync/push", json=envelope(mutations, uuid.uuid4().hex), headers=headers)
            assert response.status_code == 200 and response.json["results"][0]["status"] == "applied", response.json

        for headers, mutations in scans[:10]:
            scan(headers, mutations)  # warm-up
        scan_text, _, _ = profile(lambda: [scan(h, m) for h, m in scans[10:]],
                                  f"{SCAN_REPEATS} single event-code scans, each a member's first request "
                                  f"({kind}, whole request)", interval=0.0002)
        return push_text, pull_text, scan_text
    finally:
        if app is not None:
            with app.app_context():
                db.engine.dispose()
        drop()
