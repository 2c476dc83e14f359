"""The demo's democratic evaluation (`flask demo`), built relative to today through the real operations.

红旗村党支部 has its evaluation of the year under way (in January: last year's, still running):
- before its evaluation meeting (民主评议党员大会): stage `self_assessment`, six of the ten members
  have written theirs (王芳, 张桂兰, 杨志强, 周福生 not yet: 张桂兰 has no smartphone, the secretary
  will record hers), the meeting is the one in the season, or one planned ten days ahead;
- once the meeting has begun: stage `balloting`, every self-assessment written, four members have
  voted on their phones, two paper forms printed and handed to the members without smartphones,
  刘建军 named as a teller.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from server.core.enums import EvaluationGrade, EventKind, EventStatus
from server.core.db import db
from server.evaluation import ballots, blind, operations
from server.evaluation.models import EvaluationStage
from server.events.models import Event
from server.events.operations import create_event
from sync import clock
from sync.clock import CHINA

BRANCH = "hongqi"
WRITERS = ("hongqi_shuji", "hongqi_zuzhi", "liujianjun", "chenyumei", "liming", "zhaolei")
PHONE_VOTERS = ("hongqi_shuji", "liujianjun", "chenyumei", "liming")
PAPER = ("zhangguilan", "zhoufusheng")  # no smartphone (printed cards)
TELLER = "liujianjun"
TEXTS = (
    "一年来，我认真学习党的理论，按时参加“三会一课”和主题党日活动，按月交纳党费。在村里产业发展中带头试种高产品种，"
    "帮助三户群众解决销售难题。不足是理论学习还不够系统，联系群众的主动性有待加强。今后我将坚持每周学习，多到群众家中走访。",
    "本人按时参加组织生活，积极参与村里环境整治和防汛值守。存在的问题是有时工作方法简单，今后要多听群众意见。",
    "作为党小组长，我组织小组会十一次，带领组内党员开展志愿服务。对照党员标准，在带头致富方面做得还不够，明年要在合作社发展上多出力。",
    "我在外务工期间通过手机参加支部学习，按时交纳党费，主动向流入地党组织报到。不足是参加支部活动次数少，今后要多与支部联系。",
)


def evaluation_year(today: dt.date) -> int:
    """The year under evaluation: this year's, or in January last year's (it runs into January)."""
    return today.year - 1 if today.month == 1 else today.year


def _meeting(builder, branch, year: int) -> Event:
    """The season's evaluation meeting of the year (or of January after it), else one planned ten days ahead."""
    lo = clock.china_time(dt.date(year, 1, 1))
    hi = clock.china_time(dt.date(year + 1, 2, 1))
    event = db.session.scalars(
        sa.select(Event).where(Event.branch_id == branch.id, Event.kind == EventKind.evaluation_meeting,
                               Event.status != EventStatus.cancelled, Event.starts_at >= lo, Event.starts_at < hi)
        .order_by(Event.starts_at.desc())).first()
    if event is not None:
        return event
    day = builder.today + dt.timedelta(days=10)
    starts = dt.datetime(day.year, day.month, day.day, 14, 30, tzinfo=CHINA).astimezone(dt.timezone.utc)
    secretary = builder._secretary(BRANCH)
    local = starts.astimezone(CHINA)
    return create_event(branch, {
        "kind": EventKind.evaluation_meeting, "title": f"{year}年度民主评议党员大会",
        "theme": "对照党员标准开展自评、互评和民主测评", "place": "红旗村党群服务中心会议室",
        "starts_at": starts, "ends_at": starts + dt.timedelta(minutes=150), "status": EventStatus.planned,
        "notice": f"定于{local.month}月{local.day}日14:30召开{year}年度民主评议党员大会，请全体党员提前写好个人自评。",
    }, secretary.id)


def build_demo(builder) -> None:
    branch = builder.branches[BRANCH]
    secretary = builder._secretary(BRANCH)
    year = evaluation_year(builder.today)
    event = _meeting(builder, branch, year)
    begun = event.starts_at <= builder.now
    teller = builder.members[TELLER].id
    evaluation = operations.create_evaluation(branch, {
        "year": year, "meeting_event_id": event.id, "teller_member_ids": [teller],
        "self_assessment_due": event.starts_at.astimezone(CHINA).date() - dt.timedelta(days=3),
    }, secretary.id)
    operations.advance(evaluation, EvaluationStage.self_assessment, secretary.id)
    writers = {builder.members[u].id: u for u in WRITERS}
    for index, row in enumerate(evaluation.members):
        username = writers.get(row.member_id) or builder.usernames[row.member_id]
        if row.member_id in writers or begun:
            # Who has not written by the meeting says it there: the secretary records it for them.
            author = builder.users[username] if row.member_id in writers else secretary
            operations.write_self_assessment(evaluation, row, TEXTS[index % len(TEXTS)], f"demo-{row.id}", author.id,
                                             on_behalf=author is secretary)
    if not begun:
        return
    operations.advance(evaluation, EvaluationStage.peer_assessment, secretary.id)
    operations.advance(evaluation, EvaluationStage.balloting, secretary.id)
    key = ballots.public_key(evaluation)
    grades = (EvaluationGrade.excellent, EvaluationGrade.qualified, EvaluationGrade.qualified)
    for n, username in enumerate(PHONE_VOTERS):  # their phones: a token each, blind-signed, cast without login
        row = operations.row_of(evaluation, builder.members[username].id)
        token, r = blind.new_token(), blind.random_r(key)
        signed = ballots.issue_signature(evaluation, row, blind.int_to_b64(blind.blind(token, key, r), key.size))
        signature = blind.unblind(blind.b64_to_int(signed, key.size), key, r)
        marks = [{"member_id": other.member_id, "grade": grades[(n + i) % len(grades)]}
                 for i, other in enumerate(evaluation.members)]
        ballots.cast(evaluation, blind.b64url(token), blind.int_to_b64(signature, key.size), marks)
    ballots.print_paper_forms(evaluation, len(PAPER), secretary.id)
    for username in PAPER:
        ballots.hand_paper(evaluation, operations.row_of(evaluation, builder.members[username].id), secretary.id)
    db.session.flush()
