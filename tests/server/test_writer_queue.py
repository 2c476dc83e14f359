"""SQLite's writers queue on a flock next to the database (server/core/db.py, WriterQueue): a
writer waits while another process holds it and gets it soon after it is released; behind the
other threads of its own process it waits at most WRITER_WAIT_SECONDS. "Another process" is another open file description
of the lock file here, which flock treats the same way."""
from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest

from server.core import db as core_db


@pytest.fixture
def lock_path(tmp_path):
    return str(tmp_path / "zhibu.sqlite3-writers.lock")


class OtherWorker:
    """Holds the writers' flock as a writer of another worker would."""

    def __init__(self, path: str):
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def release(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _is_free(path: str) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _acquire_in_thread(queue: core_db.WriterQueue, info: dict) -> threading.Thread:
    thread = threading.Thread(target=queue.acquire, args=(info,), daemon=True)
    thread.start()
    return thread


def test_a_writer_waits_for_the_other_worker_and_gets_the_lock_when_it_is_released(lock_path):
    queue = core_db.WriterQueue(lock_path)
    other = OtherWorker(lock_path)
    info: dict = {}
    thread = _acquire_in_thread(queue, info)
    thread.join(0.3)
    assert thread.is_alive(), "the writer went on while another worker held the lock"
    released = time.monotonic()
    other.release()
    thread.join(5)
    assert not thread.is_alive()
    assert time.monotonic() - released < 1  # woken by the release, not by a timeout
    assert info[core_db._WRITER] >= 0 and not _is_free(lock_path)  # it holds the flock now
    queue.release(info)
    assert _is_free(lock_path)


def test_a_writer_waits_for_its_workers_turn_at_most_the_writer_wait(lock_path, monkeypatch):
    """Past WRITER_WAIT_SECONDS behind another thread of its worker, a writer goes on without the
    queue (SQLite's own lock and busy timeout still keep writers apart)."""
    monkeypatch.setattr(core_db, "WRITER_WAIT_SECONDS", 0.3)
    queue = core_db.WriterQueue(lock_path)
    first: dict = {}
    queue.acquire(first)
    second: dict = {}
    began = time.monotonic()
    queue.acquire(second)
    assert 0.25 < time.monotonic() - began < 5
    assert core_db._WRITER not in second
    queue.release(second)  # holds nothing: releases nothing
    assert not _is_free(lock_path)
    queue.release(first)
    assert _is_free(lock_path)
    again: dict = {}
    queue.acquire(again)  # and the queue serves the next writer
    assert again[core_db._WRITER] >= 0
    queue.release(again)


def test_writers_of_one_worker_take_turns(lock_path):
    queue = core_db.WriterQueue(lock_path)
    inside, most = [0], [0]
    guard = threading.Lock()

    def writer():
        for _ in range(20):
            info: dict = {}
            queue.acquire(info)
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.001)
            with guard:
                inside[0] -= 1
            queue.release(info)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert most[0] == 1 and _is_free(lock_path)
