"""Importing a county's roster workbook: 50,000 members in one file (ZHIBU_BENCH_SIZE=small: 5,000)
over 40 branches, through the real request (POST /imports with the .xlsx as multipart).

Figures per backend:
- `check`: POST /imports/check, the file read (openpyxl, read-only, streamed) and every row
  validated against the database, nothing written; rows per second;
- `import`: POST /imports, checked again and written in one transaction (set-based inserts of
  1,000 rows, the change feed noted); rows per second, against the baseline of a raw `executemany`
  INSERT of the same rows' values into `member` in the same process (no reading, no validation:
  what the database alone costs);
- `re-import`: the same file again (recognised, nothing written);
- the peak resident memory of the process after the run (the file is streamed, rows are kept
  as small dicts: it must not grow like the workbook unpacked).
"""
from __future__ import annotations

import datetime as dt
import io
import resource
import time
from pathlib import Path

import sqlalchemy as sa
from openpyxl import Workbook

from bench import fixtures
from bench.common import FULL, Report, new_database

MEMBERS = 50_000 if FULL else 5_000
BRANCHES = 40
TODAY = dt.date(2026, 11, 20)
HEADERS = ("姓名", "性别", "民族", "出生日期", "学历", "入党日期", "转正日期", "人员类别", "所在党支部", "党小组", "联系电话",
           "公民身份号码")


def id_number(n: int) -> str:
    # The birth date repeats every 2,100 rows (lcm of 50, 12 and 28): the sequence number counts the
    # repeats, so that every number is unique up to 2.1 million rows (n % 1000 repeated from row 21,001).
    prefix = f"110101{1950 + n % 50:04d}{1 + n % 12:02d}{1 + n % 28:02d}{n // 2100 % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return prefix + "10X98765432"[sum(int(d) * w for d, w in zip(prefix, weights)) % 11]


def rows(branch_names: list[str]):
    for n in range(MEMBERS):
        birth = dt.date(1950 + n % 50, 1 + n % 12, 1 + n % 28)
        # Every 7th member without an ID number: matched by branch + name + birth date instead.
        yield (f"党员{n:06d}", "男" if n % 2 else "女", "汉族", birth.isoformat(), "大学本科",
               dt.date(birth.year + 25, 7, 1).isoformat(), dt.date(birth.year + 26, 7, 1).isoformat(), "正式党员",
               branch_names[n % len(branch_names)], "第一党小组", f"139{n:08d}",
               None if n % 7 == 0 else id_number(n))


def workbook(branch_names: list[str]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append(HEADERS)
    for row in rows(branch_names):
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _baseline(app, branch_ids: list[int]) -> float:
    """A raw executemany INSERT of the same number of member rows, rolled back: seconds."""
    from server.core.db import db

    now = fixtures.clock.now()
    values = [{"branch_id": branch_ids[n % len(branch_ids)], "name": f"基准{n:06d}", "status": "full",
               "dues_category": "employed", "phone": f"139{n:08d}", "gender": "男", "ethnicity": "汉族",
               "birth_date": dt.date(1950 + n % 50, 1 + n % 12, 1 + n % 28), "education": "大学本科",
               "created_at": now} for n in range(MEMBERS)]
    columns = list(values[0])
    statement = sa.text(f"INSERT INTO member ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})")
    with app.app_context():
        with db.engine.connect() as conn:
            started = time.perf_counter()
            with conn.begin() as transaction:
                conn.execute(statement, values)
                seconds = time.perf_counter() - started
                transaction.rollback()
    return seconds


def run(report: Report, workdir: Path, backends: list[str]) -> None:
    from server.auth.models import User
    from server.core.db import db
    from server.org.models import Branch, Group, Member

    for kind in backends:
        url, drop = new_database(kind, workdir)
        try:
            world = fixtures.build_world(url, branches=BRANCHES, members_per_branch=1, events_per_branch=0,
                                         member_accounts=False)
            app = fixtures.app_for(world)
            app.config.update(MAX_CONTENT_LENGTH=64 * 1024 * 1024, IMPORT_MAX_BYTES=64 * 1024 * 1024,
                              IMPORT_RATE_LIMIT_PER_ADDRESS="1000 per minute")
            with app.app_context():
                names = list(db.session.scalars(sa.select(Branch.name).where(Branch.id.in_(world.branch_ids))))
                for b in world.branch_ids:
                    db.session.add(Group(branch_id=b, name="第一党小组"))
                user = User(username="county", password_hash="-", committee_id=world.committee_id)
                db.session.add(user)
                db.session.commit()
                user_id = user.id
            data = workbook(names)
            print(f"   {kind}: {MEMBERS} members over {BRANCHES} branches, workbook {len(data) / 1e6:.1f} MB", flush=True)
            headers = fixtures.bearer(app, user_id)
            client = app.test_client()
            fixtures.clock.set_now(TODAY)

            def post(path):
                started = time.perf_counter()
                response = client.post(f"/api/v1/imports{path}", data={"file": (io.BytesIO(data), "roster.xlsx")},
                                       content_type="multipart/form-data", headers=headers)
                return response, time.perf_counter() - started

            group = f"import ({kind})"
            try:
                checked, check_seconds = post("/check")
                assert checked.status_code == 200 and checked.json["ok"], checked.json["problems"][:3]
                assert checked.json["summary"]["members_new"] == MEMBERS
                report.add(group, f"check ({MEMBERS} rows)", MEMBERS / check_seconds, "rows/s",
                           note=f"{check_seconds:.1f} s; nothing written")
                baseline = MEMBERS / _baseline(app, world.branch_ids)
                imported, import_seconds = post("")
                assert imported.status_code == 201, imported.json
                report.add(group, f"import ({MEMBERS} rows, one transaction)", MEMBERS / import_seconds, "rows/s",
                           baseline=baseline, baseline_name="raw executemany INSERT",
                           note=f"{import_seconds:.1f} s for the request: read, validate, write")
                again, again_seconds = post("")
                assert again.status_code == 201 and again.json["changed"] is False
                report.add(group, "re-import of the same file", MEMBERS / again_seconds, "rows/s",
                           note=f"{again_seconds:.1f} s; recognised, nothing written")
                with app.app_context():
                    count = db.session.scalar(sa.select(sa.func.count()).select_from(Member))
                assert count == MEMBERS + BRANCHES
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                report.add(group, "peak resident memory of the process", peak, "MB", higher_is_better=False,
                           note=f"workbook {len(data) / 1e6:.1f} MB")
            finally:
                fixtures.clock.reset()
                with app.app_context():
                    db.engine.dispose()
        finally:
            drop()
