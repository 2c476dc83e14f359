"""The real app on a real port, the people who use it, and Chromium to drive it.

Shared by the browser tests (tests/browser/conftest.py) and scripts/budgets.py: a live server
(werkzeug in a thread) on a freshly migrated SQLite database serving the built PWA (pwa/dist),
a `Cast` of branches, people, cards and a live event made through the test factories, and the
Chromium launch options (Debian's /usr/bin/chromium, never a downloaded browser).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import os
import shutil
import socket
import threading
import time
import uuid
from pathlib import Path

from sync import clock

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "pwa" / "dist"
CHROMIUM = os.environ.get("ZHIBU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 390, "height": 844}

_seq = itertools.count(1)


def camera_args(video: Path | str | None) -> list[str]:
    """Chromium's fake camera (granted without a prompt), playing `video` when given."""
    args = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
    if video:
        args.append(f"--use-file-for-fake-video-capture={video}")
    return args


def launch_options(video: Path | str | None = None, *, headless: bool = True) -> dict:
    return {"executable_path": CHROMIUM, "headless": headless, "args": [*CHROMIUM_ARGS, *camera_args(video)]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def migrated_sqlite(path: Path) -> str:
    """A SQLite database at `path` built by the real migrations; returns its URL."""
    from flask_migrate import upgrade

    from server import create_app
    from server.core.db import db
    from tests.conftest import TEST_CONFIG

    url = f"sqlite:///{path}"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


class LiveServer:
    """The Zhibu app served by werkzeug (threaded) on 127.0.0.1 and a free port."""

    def __init__(self, database_url: str, instance_path: Path):
        from werkzeug.serving import WSGIRequestHandler, make_server

        class QuietHandler(WSGIRequestHandler):
            def log_request(self, *args, **kwargs):  # one line per asset and API call is noise here
                pass

        from server import create_app
        from tests.conftest import TEST_CONFIG

        os.environ["ZHIBU_INSTANCE_PATH"] = str(instance_path)
        self.app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True,
                                   request_handler=QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="zhibu-live-server", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        from server.core.db import db

        self._server.shutdown()
        self._thread.join(10)
        self._server.server_close()
        with self.app.app_context():
            db.engine.dispose()


def start_live_server(workdir: Path) -> LiveServer:
    """A server on a fresh migrated SQLite database in `workdir` (a template copy when there is one)."""
    workdir.mkdir(parents=True, exist_ok=True)
    url = migrated_sqlite(workdir / "zhibu.sqlite3")
    return LiveServer(url, workdir / "instance")


def copy_template(template: Path, workdir: Path) -> str:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "zhibu.sqlite3"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


# --------------------------------------------------------------------------------------- the cast

@dataclasses.dataclass
class Cast:
    """Two branches of one committee, with their people; usernames are unique to this cast."""

    tag: str
    branch_a: int
    branch_b: int
    secretary: str  # usernames …
    member: str
    member2: str
    floating: str  # a member of B floating to A
    secretary_b: str
    secretary_id: int  # … and member ids
    member_id: int
    member2_id: int
    floating_id: int
    secretary_b_id: int
    event: dict  # A's event happening now: {"id", "secret"}
    committee: str = ""  # the username of the committee's account


def make_cast(app, *, names: dict | None = None, event_title: str | None = None) -> Cast:
    from server.cards.operations import issue_card
    from server.core.db import db
    from server.core.enums import BranchRoleKind, EventKind, MemberStatus, Sector
    from tests.server import factories as f

    tag = f"{next(_seq)}{uuid.uuid4().hex[:4]}"
    n = {"a": "红旗村党支部", "b": "县财政局机关党支部", "secretary": "赵书记", "member": "李明", "member2": "王芳",
         "floating": "孙流动", "secretary_b": "钱书记", **(names or {})}
    with app.app_context():
        committee = f.create_committee("城关镇党委")
        a = f.create_branch(committee, n["a"], Sector.village)
        b = f.create_branch(committee, n["b"], Sector.agency)
        group = f.create_group(a)
        member = f.create_member(a, n["member"], username=f"member{tag}", group=group)
        member2 = f.create_member(a, n["member2"], username=f"membertwo{tag}", group=group,
                                  status=MemberStatus.probationary)
        sec = f.create_member(a, n["secretary"], username=f"secretary{tag}")
        f.create_role(sec, BranchRoleKind.secretary)
        sec_b = f.create_member(b, n["secretary_b"], username=f"secretaryb{tag}")
        f.create_role(sec_b, BranchRoleKind.secretary)
        floating = f.create_member(b, n["floating"], username=f"floating{tag}")
        f.create_floating(floating, a)
        from server.auth.operations import create_user

        create_user(f"committee{tag}", f.PASSWORD, committee_id=committee.id)
        for person in (member, member2, floating):
            issue_card(person, None, actor_id=None)
        starts = clock.now().replace(microsecond=0) - dt.timedelta(minutes=10)
        event = f.create_event_for(a, EventKind.general_assembly, event_title or "党员大会", starts_at=starts,
                                   place="村委会会议室")
        event.ends_at = starts + dt.timedelta(hours=2)
        event.checkin_closes_at = event.ends_at + dt.timedelta(minutes=30)
        db.session.commit()
        return Cast(tag, a.id, b.id, f"secretary{tag}", f"member{tag}", f"membertwo{tag}", f"floating{tag}",
                    f"secretaryb{tag}", sec.id, member.id, member2.id, floating.id, sec_b.id,
                    {"id": event.id, "secret": event.code_secret}, f"committee{tag}")


def live_event(app, branch_id: int, **kw) -> dict:
    from tests.server.synckit import live_event as _live_event

    return _live_event(app, branch_id, **kw)


def event_code_now(event: dict, at: float | None = None) -> str:
    from sync.eventcode import event_qr_payload

    return event_qr_payload(event["id"], event["secret"], clock.now().timestamp() if at is None else at)


# ---------------------------------------------------------------------------- server-side truth

def records_of(app, event_id: int, member_id: int | None = None) -> list[dict]:
    import sqlalchemy as sa

    from server.core.db import db
    from server.records.models import Record

    with app.app_context():
        stmt = sa.select(Record).where(Record.event_id == event_id)
        if member_id is not None:
            stmt = stmt.where(Record.member_id == member_id)
        rows = db.session.scalars(stmt.order_by(Record.id)).all()
        result = [{"id": r.id, "member_id": r.member_id, "branch_id": r.branch_id, "status": str(r.status),
                   "method": str(r.checkin_method) if r.checkin_method else None,
                   "confirmed_at": r.confirmed_at} for r in rows]
        db.session.remove()
        return result


def scans_of(app, event_id: int) -> list[dict]:
    import sqlalchemy as sa

    from server.core.db import db
    from server.sync_api.models import Scan

    with app.app_context():
        rows = db.session.scalars(sa.select(Scan).where(Scan.event_id == event_id).order_by(Scan.id)).all()
        result = [{"nonce": s.nonce, "status": s.status, "reason": s.reason_code, "member_id": s.member_id,
                   "record_id": s.record_id} for s in rows]
        db.session.remove()
        return result


def api_login(app, username: str) -> dict:
    from tests.server.factories import PASSWORD

    client = app.test_client()
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def api_get(app, username: str, path: str, **query):
    client = app.test_client()
    response = client.get(path, headers=api_login(app, username), query_string=query)
    assert response.status_code == 200, (path, response.status_code, response.json)
    return response.json


# ------------------------------------------------------------------------------------- in the page

def login(page, base_url: str, username: str, password: str | None = None, *, wait_synced: bool = True) -> None:
    """Log in through the login screen and wait for the first sync to finish."""
    from tests.server.factories import PASSWORD

    page.goto(base_url + "/login")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password or PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("home-title").wait_for()
    if wait_synced:
        wait_sync_state(page, "synced")


def go_offline(context) -> None:
    """The phone loses its network. DevTools' offline emulation alone can miss requests (a sync
    that the service worker's Background Sync relays to the page, say), so the API is also cut at
    the context's network layer."""
    context.set_offline(True)
    context.route("**/api/**", _no_network)


def go_online(context) -> None:
    """The network comes back (the page's 'online' event starts a sync)."""
    context.unroute("**/api/**", _no_network)
    context.set_offline(False)


def _no_network(route) -> None:
    route.abort("internetdisconnected")


def wait_service_worker(page, timeout: float = 15.0) -> None:
    """Until the service worker is activated (the shell and every asset are precached by then)."""
    script = ("navigator.serviceWorker.getRegistration()"
              ".then((r) => Boolean(r && r.active && r.active.state === 'activated'))")
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):  # evaluate awaits the promise (wait_for_function would not)
        assert time.monotonic() < deadline, "the service worker did not activate"
        page.wait_for_timeout(100)


def wait_sync_state(page, state: str, pending: int | None = None, timeout: float = 15000) -> None:
    selector = f'[data-testid="sync-bar"][data-state="{state}"]'
    if pending is not None:
        selector += f'[data-pending="{pending}"]'
    page.wait_for_selector(selector, timeout=timeout)


def sync_bar(page) -> dict:
    bar = page.get_by_test_id("sync-bar")
    return {"state": bar.get_attribute("data-state"), "pending": int(bar.get_attribute("data-pending"))}
