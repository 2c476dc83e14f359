"""The demo's service posts (`flask demo`), built relative to today: two posts per branch, started
three months back, with members assigned. Each member on a monthly post recorded their service in
each of the last two months, confirmed by the branch — except one member per branch who skipped
last month (so EDU-posts shows a missed month with its evidence); quarterly posts have one
confirmed record last month. 李明 (`liming`) logged this month's service on his phone, without a
photo, and it waits for the branch's confirmation (待确认). Deterministic: no randomness.
"""
from __future__ import annotations

import datetime as dt

from server.calendar.days import CHINA
from server.core.db import db
from server.core.enums import RecordKind
from server.records.models import Record
from server.service.operations import assign, create_service_post
from sync import clock

# branch key → posts: (kind, title, description, cadence, members, the member who skipped last month)
POSTS = {
    "hongqi": (
        ("responsibility_zone", "村东片区环境卫生责任区", "每月至少清扫巡查一次村东片区道路和沟渠", "month",
         ("liming", "liujianjun"), "liujianjun"),
        ("pairing_support", "结对帮扶困难户", "每季度至少走访结对困难户一次，帮助解决实际困难", "quarter",
         ("chenyumei",), None),
    ),
    "caizheng": (
        ("volunteering", "到社区报到志愿服务", "每月参加居住地社区志愿服务至少一次", "month",
         ("guomin", "hexiaodong"), "hexiaodong"),
        ("pairing_support", "结对帮扶红旗村", "每季度到红旗村开展政策宣讲或帮扶活动", "quarter", ("sunlijuan",), None),
    ),
    "xinghuo": (
        ("vanguard_post", "研发党员先锋岗", "带头攻克技术难题，每月记实一次岗位作为", "month", ("luobin",), None),
        ("responsibility_zone", "生产车间安全责任区", "每月巡查责任区安全隐患并记实", "month",
         ("songtao", "tangliang"), "tangliang"),
    ),
}
PENDING = ("liming", "清扫村东道路沟渠", "和组里党员一起清理村东沟渠杂物约2小时。")


def _month_start(day: dt.date, back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def build_demo(builder) -> None:
    today = builder.today
    starts_on = _month_start(today, 3)
    first_post = {}  # username → the first post they were assigned to
    for key, posts in POSTS.items():
        branch = builder.branches[key]
        secretary = builder.users[f"{key}_shuji"]
        for kind, title, description, cadence, usernames, skipper in posts:
            post = create_service_post(branch.id, kind=kind, title=title, description=description, cadence=cadence,
                                       created_by_id=secretary.id, starts_on=starts_on)
            for username in usernames:
                member = builder.members[username]
                assign(post, member.id, starts_on, secretary.id)
                first_post.setdefault(username, post)
                months = (1, 2) if cadence == "month" else (1,)
                for back in months:
                    if back == 1 and username == skipper:
                        continue
                    day = _month_start(today, back) + dt.timedelta(days=9)
                    _record(builder, member, post, branch.id, day, f"{title}：{day.month}月记实",
                            confirmed_by=secretary.id)
    username, title, detail = PENDING
    member = builder.members[username]
    _record(builder, member, first_post[username], member.branch_id, today, title, detail=detail,
            at=min(clock.now(), _at(today, 8)))


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=CHINA).astimezone(dt.timezone.utc)


def _record(builder, member, post, branch_id: int, day: dt.date, title: str, *, detail: str | None = None,
            confirmed_by: int | None = None, at: dt.datetime | None = None) -> Record:
    done_at = at or _at(day, 18)
    user = builder.users[builder.usernames[member.id]]
    record = Record(member_id=member.id, branch_id=branch_id, kind=RecordKind.service, occurred_on=day, title=title,
                    detail=detail, service_post_id=post.id, client_id=f"demo-{member.id}-{day.isoformat()}",
                    created_by_id=user.id, created_at=done_at, updated_at=done_at, acknowledged_at=done_at)
    if confirmed_by is not None:
        record.confirmed_at = record.updated_at = done_at + dt.timedelta(days=2)
        record.confirmed_by_id = confirmed_by
    db.session.add(record)
    db.session.flush()
    builder._log_signoffs(record, branch_id)
    return record
