"""A small Zhibu sync client: a durable outbox of mutations, push with retries, pull.

Standard library only (urllib, json, sqlite3), so tests, benchmarks and the kiosk use it anywhere.

- `Outbox` keeps queued mutations in a sqlite3 file (or in memory) with the username they were
  queued under: scans queued by one user are never sent under another user's login.
- A transport is any callable ``transport(method, url, headers, data, timeout) -> Response`` that
  never raises for network problems: `Response.status` is None for a network failure (refused,
  reset, timed out) and the HTTP status otherwise, with the JSON body.
- `SyncClient.push_pending()` sends the user's outbox in batches. Each batch gets a fresh
  idempotency key that is reused on every retry of that batch, so a retry after a lost answer
  returns the first answer. Items answered applied/duplicate/rejected leave the outbox; network
  failures, 5xx, 408, 409 and 429 are retried with capped exponential backoff and jitter; any
  other 4xx raises `SyncError` and keeps the outbox.
"""
from __future__ import annotations

import dataclasses
import http.client
import json
import os
import random
import re
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sync import PROTOCOL_VERSION, clock

MAX_BATCH = 500  # sync.messages.MAX_BATCH (not imported: that module needs marshmallow)
FINAL_STATUSES = frozenset({"applied", "duplicate", "rejected"})
# Answers worth retrying, besides any 5xx and network failures. A push is idempotent (nonces and
# the request key), so a 409 from a race with a concurrent retry is retried too.
RETRY_STATUSES = frozenset({408, 425, 429})
RETRY_PUSH_STATUSES = RETRY_STATUSES | {409}
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")


def now_ms() -> int:
    return clock.now_ms()


def new_nonce() -> str:
    return uuid.uuid4().hex


# ---------------------------------------------------------------------------------- builders


def checkin_event_code(event_qr: str, claimed_at_ms: int | None = None, *, nonce: str | None = None) -> dict:
    """A member's scan of the rotating event code shown on the secretary's screen."""
    return {"id": nonce or new_nonce(), "type": "checkin_event_code", "event_qr": event_qr,
            "claimed_at_ms": now_ms() if claimed_at_ms is None else claimed_at_ms}


def checkin_card(event_id: int, card_qr: str, claimed_at_ms: int | None = None, *, nonce: str | None = None) -> dict:
    """A secretary's scan of a member's card QR."""
    return {"id": nonce or new_nonce(), "type": "checkin_card", "event_id": event_id, "card_qr": card_qr,
            "claimed_at_ms": now_ms() if claimed_at_ms is None else claimed_at_ms}


def checkin_manual(event_id: int, member_id: int, reason: str, claimed_at_ms: int | None = None, *,
                   nonce: str | None = None) -> dict:
    """A check-in a secretary enters by hand, with the reason (forgot the phone, ...)."""
    return {"id": nonce or new_nonce(), "type": "checkin_manual", "event_id": event_id, "member_id": member_id,
            "reason": reason, "claimed_at_ms": now_ms() if claimed_at_ms is None else claimed_at_ms}


# ---------------------------------------------------------------------------------- outbox


@dataclasses.dataclass(frozen=True)
class OutboxItem:
    id: str  # the mutation's nonce
    username: str
    mutation: dict
    queued_at_ms: int


class Outbox:
    """Durable FIFO of mutations per username: a sqlite3 file, or memory when `path` is None.

    Every `add` is committed before it returns, so a scan survives a crash or a flat battery.
    Safe to share between threads.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = None if path is None else os.fspath(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path or ":memory:", check_same_thread=False, isolation_level=None)
        with self._lock:
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, nonce TEXT NOT NULL UNIQUE,"
                " username TEXT NOT NULL, mutation TEXT NOT NULL, queued_at_ms INTEGER NOT NULL)")
            self._db.execute("CREATE INDEX IF NOT EXISTS outbox_user ON outbox (username, seq)")
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    def add(self, mutation: Mapping, username: str) -> bool:
        """Queue `mutation` under `username`; False when its nonce is already queued."""
        nonce = mutation.get("id") if isinstance(mutation, Mapping) else None
        if not isinstance(nonce, str) or not _TOKEN_RE.fullmatch(nonce) or not isinstance(mutation.get("type"), str):
            raise ValueError("a mutation is a dict with an 'id' nonce (8-64 of A-Z a-z 0-9 _ -) and a 'type'")
        if not username:
            raise ValueError("username is required")
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO outbox (nonce, username, mutation, queued_at_ms) VALUES (?, ?, ?, ?)",
                (nonce, username, json.dumps(dict(mutation), ensure_ascii=False, separators=(",", ":")), now_ms()))
            return cur.rowcount == 1

    def pending(self, username: str, limit: int | None = None) -> list[OutboxItem]:
        """The oldest items queued under `username` (never anyone else's)."""
        sql = "SELECT nonce, username, mutation, queued_at_ms FROM outbox WHERE username = ? ORDER BY seq"
        args: tuple = (username,)
        if limit is not None:
            sql += " LIMIT ?"
            args += (int(limit),)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [OutboxItem(nonce, user, json.loads(text), at) for nonce, user, text, at in rows]

    def remove(self, ids: Iterable[str]) -> int:
        ids = list(ids)
        with self._lock:
            removed = 0
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                removed += self._db.execute(f"DELETE FROM outbox WHERE nonce IN ({marks})", chunk).rowcount
            return removed

    def count(self, username: str | None = None) -> int:
        with self._lock:
            if username is None:
                return self._db.execute("SELECT count(*) FROM outbox").fetchone()[0]
            return self._db.execute("SELECT count(*) FROM outbox WHERE username = ?", (username,)).fetchone()[0]

    def __len__(self) -> int:
        return self.count()

    @property
    def device_id(self) -> str:
        """A random device id, made once and kept with the outbox."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('device_id', ?)",
                             ("dev-" + uuid.uuid4().hex[:20],))
            return self._db.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---------------------------------------------------------------------------------- transport


@dataclasses.dataclass(frozen=True)
class Response:
    """What came back: an HTTP status with its body, or (status None) a network failure."""

    status: int | None = None
    body: Any = None  # parsed JSON, or the text when it was not JSON
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    error: str | None = None  # the network failure, when status is None

    @property
    def network_error(self) -> bool:
        return self.status is None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def message(self) -> str:
        if self.status is None:
            return f"network failure: {self.error}"
        text = f"HTTP {self.status}"
        if isinstance(self.body, dict):
            if self.body.get("message"):
                text += f": {self.body['message']}"
            errors = self.body.get("errors")
            if isinstance(errors, dict):  # {"json": {"field": ["message", ...]}}: name the fields
                details = [f"{name}: {'; '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
                           for where in errors.values() if isinstance(where, dict) for name, msgs in where.items()]
                text += f" ({', '.join(details)})" if details else ""
        return text

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lower), None)


Transport = Callable[[str, str, Mapping[str, str], bytes | None, float], Response]


def _decode(raw: bytes) -> Any:
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


class UrllibTransport:
    """HTTP with urllib; never raises for network problems."""

    def __call__(self, method: str, url: str, headers: Mapping[str, str], data: bytes | None,
                 timeout: float) -> Response:
        request = urllib.request.Request(url, data=data, headers=dict(headers), method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return Response(answer.status, _decode(answer.read()), dict(answer.headers.items()))
        except urllib.error.HTTPError as err:
            with err:
                try:
                    body = _decode(err.read())
                except (OSError, http.client.HTTPException) as exc:
                    return Response(error=f"{type(exc).__name__}: {exc}")
                return Response(err.code, body, dict(err.headers.items()) if err.headers else {})
        except urllib.error.URLError as err:
            return Response(error=f"{type(err.reason).__name__}: {err.reason}")
        except (OSError, http.client.HTTPException, ValueError) as exc:
            # Refused, reset, remote disconnected, incomplete read, timed out...
            return Response(error=f"{type(exc).__name__}: {exc}")


# ---------------------------------------------------------------------------------- client


class SyncError(Exception):
    """A sync request failed. `temporary`: worth trying later (offline, server down); the outbox is kept."""

    def __init__(self, message: str, *, status: int | None = None, body: Any = None, temporary: bool = False,
                 client_update_required: bool = False, summary: PushSummary | None = None):
        super().__init__(message)
        self.status = status
        self.body = body
        self.temporary = temporary
        self.client_update_required = client_update_required
        self.summary = summary


@dataclasses.dataclass(frozen=True)
class Rejection:
    id: str
    code: str | None
    message: str | None
    mutation: dict


@dataclasses.dataclass
class PushSummary:
    applied: int = 0
    duplicate: int = 0
    rejected: int = 0
    batches: int = 0  # batches answered
    attempts: int = 0  # push requests sent, retries included
    client_update_required: bool = False
    message: str | None = None  # the server's word to the user, if any
    clock_offset_ms: int | None = None
    results: list[tuple[dict, dict]] = dataclasses.field(default_factory=list)  # (mutation, result)
    rejections: list[Rejection] = dataclasses.field(default_factory=list)

    @property
    def sent(self) -> int:
        return self.applied + self.duplicate + self.rejected


def backoff_delay(attempt: int, *, base: float = 0.5, cap: float = 30.0, rng: random.Random | None = None) -> float:
    """Delay before retry number `attempt` (1, 2, ...): exponential, capped, half of it jittered."""
    ceiling = min(cap, base * 2 ** (attempt - 1))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


class SyncClient:
    def __init__(self, base_url: str, username: str, password: str, device_id: str, outbox: Outbox | None = None,
                 *, timeout: float = 30, batch_size: int = MAX_BATCH, sleep: Callable[[float], Any] = time.sleep,
                 max_attempts: int = 8, transport: Transport | None = None, backoff_base: float = 0.5,
                 backoff_cap: float = 30.0, rng: random.Random | None = None, tokens: Mapping | None = None):
        if not _TOKEN_RE.fullmatch(device_id or ""):
            raise ValueError("device_id must be 8-64 characters among A-Z a-z 0-9 _ -")
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be between 1 and {MAX_BATCH}")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        base_url = base_url.rstrip("/")
        self.api = base_url if base_url.endswith("/api/v1") else base_url + "/api/v1"
        self.username, self.password, self.device_id = username, password, device_id
        self.outbox = outbox if outbox is not None else Outbox()
        self.timeout, self.batch_size, self.sleep, self.max_attempts = timeout, batch_size, sleep, max_attempts
        self.transport = transport or UrllibTransport()
        self.backoff_base, self.backoff_cap, self.rng = backoff_base, backoff_cap, rng or random.Random()
        self.access_token: str | None = (tokens or {}).get("access_token")
        self.refresh_token: str | None = (tokens or {}).get("refresh_token")
        self.rejections: list[Rejection] = []  # every rejection so far, for the user to read
        self.client_update_required = False
        self.clock_offset_ms: int | None = None
        self.pull_reset = False

    # -- plumbing

    @property
    def tokens(self) -> dict:
        return {"access_token": self.access_token, "refresh_token": self.refresh_token}

    def _send(self, method: str, path: str, body: Any = None, query: Mapping | None = None,
              headers: Mapping[str, str] | None = None, token: str | None = None) -> Response:
        url = self.api + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        all_headers = {"Accept": "application/json", **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        return self.transport(method, url, all_headers, data, self.timeout)

    def _login_once(self) -> Response:
        resp = self._send("POST", "/auth/login", {"username": self.username, "password": self.password})
        if resp.ok:
            self.access_token, self.refresh_token = resp.body["access_token"], resp.body.get("refresh_token")
        return resp

    def _reauthenticate(self) -> Response:
        """Refresh the access token, or log in again when the refresh token is no good."""
        if self.refresh_token:
            resp = self._send("POST", "/auth/refresh", token=self.refresh_token)
            if resp.ok:
                self.access_token = resp.body["access_token"]
                return resp
            if resp.network_error or resp.status >= 500 or resp.status in RETRY_STATUSES:
                return resp
        self.access_token = self.refresh_token = None
        return self._login_once()

    def _send_authed(self, method, path, body, query, headers) -> Response:
        if self.access_token is None:
            login = self._login_once()
            if not login.ok:
                return login
        resp = self._send(method, path, body, query, headers, self.access_token)
        if resp.status == 401:
            again = self._reauthenticate()
            if not again.ok:
                return again
            resp = self._send(method, path, body, query, headers, self.access_token)
        return resp

    def _delay(self, attempt: int, resp: Response) -> float:
        delay = backoff_delay(attempt, base=self.backoff_base, cap=self.backoff_cap, rng=self.rng)
        retry_after = resp.header("Retry-After")
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, min(float(retry_after), 2 * self.backoff_cap))
        return delay

    def _call(self, method: str, path: str, *, body: Any = None, query: Any = None,
              headers: Mapping[str, str] | None = None, auth: bool = True,
              retry_statuses: frozenset = RETRY_STATUSES, retry: bool = True,
              on_attempt: Callable[[], None] | None = None) -> Response:
        """Send with auth and retries; the 2xx answer, else SyncError. Callable body/query are rebuilt per attempt."""
        attempt = 0
        while True:
            attempt += 1
            if on_attempt:
                on_attempt()
            b = body() if callable(body) else body
            q = query() if callable(query) else query
            resp = self._send_authed(method, path, b, q, headers) if auth else self._send(method, path, b, q, headers)
            if resp.ok:
                return resp
            if resp.status == 426:
                self.client_update_required = True
                raise SyncError(f"{method} {path}: {resp.message}", status=426, body=resp.body,
                                client_update_required=True)
            temporary = resp.network_error or resp.status >= 500 or resp.status in retry_statuses
            if not temporary:
                raise SyncError(f"{method} {path} refused: {resp.message}", status=resp.status, body=resp.body)
            if not retry or attempt >= self.max_attempts:
                raise SyncError(f"{method} {path}: gave up after {attempt} attempt(s); last: {resp.message}",
                                status=resp.status, body=resp.body, temporary=True)
            self.sleep(self._delay(attempt, resp))

    # -- API

    def login(self) -> dict:
        """Log in (retrying temporary failures); the tokens. SyncError on a wrong password."""
        resp = self._call("POST", "/auth/login", body={"username": self.username, "password": self.password},
                          auth=False)
        self.access_token, self.refresh_token = resp.body["access_token"], resp.body.get("refresh_token")
        return self.tokens

    def request(self, method: str, path: str, *, body: Any = None, query: Mapping | None = None,
                retry: bool | None = None) -> Response:
        """Any other API call, authenticated (e.g. GET /me/card). Retries GETs only, unless told."""
        return self._call(method, path, body=body, query=query, retry=(method == "GET") if retry is None else retry)

    def queue(self, mutation: Mapping) -> bool:
        """Put a mutation in the outbox under this client's username."""
        return self.outbox.add(mutation, self.username)

    def push_pending(self) -> PushSummary:
        """Push this user's outbox, batch by batch, until it is empty (see the module docstring)."""
        summary = PushSummary()
        while True:
            items = self.outbox.pending(self.username, self.batch_size)
            if not items:
                return summary
            key = new_nonce()  # one key per batch, the same on every retry of it
            mutations = [item.mutation for item in items]

            def body(mutations=mutations, key=key):
                return {"protocol_version": PROTOCOL_VERSION, "device_id": self.device_id,
                        "client_time_ms": now_ms(), "idempotency_key": key, "mutations": mutations}

            def count_attempt():
                summary.attempts += 1

            try:
                resp = self._call("POST", "/sync/push", body=body, headers={"Idempotency-Key": key},
                                  retry_statuses=RETRY_PUSH_STATUSES, on_attempt=count_attempt)
            except SyncError as err:
                err.summary = summary
                raise
            self._take_results(items, resp.body, summary)

    def _take_results(self, items: list[OutboxItem], answer: Any, summary: PushSummary) -> None:
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list) or len(results) != len(items):
            raise SyncError("the server's push answer does not match the batch; nothing was removed",
                            body=answer, summary=summary)
        summary.batches += 1
        if answer.get("client_update_required"):
            summary.client_update_required = self.client_update_required = True
        if answer.get("message"):
            summary.message = answer["message"]
        if isinstance(answer.get("clock_offset_ms"), int):
            summary.clock_offset_ms = self.clock_offset_ms = answer["clock_offset_ms"]
        done, odd = [], 0
        for item, result in zip(items, results):
            status = result.get("status") if isinstance(result, dict) else None
            if status not in FINAL_STATUSES or result.get("id") != item.id:
                odd += 1  # stays queued
                continue
            done.append(item.id)
            summary.results.append((item.mutation, result))
            setattr(summary, status, getattr(summary, status) + 1)
            if status == "rejected":
                rejection = Rejection(item.id, result.get("code"), result.get("message"), item.mutation)
                summary.rejections.append(rejection)
                self.rejections.append(rejection)
        self.outbox.remove(done)
        if odd:
            raise SyncError(f"the server gave {odd} unexpected item result(s); those items stay queued",
                            body=answer, summary=summary)

    def pull(self, cursor: str | None = None, *, limit: int = 200) -> tuple[list[dict], str, dict]:
        """All changes after `cursor`, page by page: (changes, new cursor, card_keys).

        When the server answers `reset` (scope changed, bad cursor) the changes start from scratch
        and `pull_reset` is set: drop cached data first.
        """
        changes: list[dict] = []
        card_keys: dict = {}
        self.pull_reset = False
        while True:
            def query(cursor=cursor):
                return {"protocol_version": PROTOCOL_VERSION, "limit": limit, "device_id": self.device_id,
                        "client_time_ms": now_ms(), "cursor": cursor or None}

            page = self._call("GET", "/sync/pull", query=query).body
            if page.get("reset"):
                self.pull_reset = True
                changes = []
            changes.extend(page.get("changes") or [])
            card_keys.update(page.get("card_keys") or {})
            if page.get("clock_offset_ms") is not None:
                self.clock_offset_ms = page["clock_offset_ms"]
            cursor = page["cursor"]
            if not page.get("has_more"):
                return changes, cursor, card_keys
