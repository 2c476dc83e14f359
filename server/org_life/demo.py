"""The demo's org-life meeting (`flask demo`): 红旗村's meeting of the year, built relative to today.

When the meeting (the demo's December event, third Friday) is still ahead, it is in preparation:
the theme set with its two problems, the latest party lecture (else activity day) counted as
study, a symposium for opinions, five talks (the secretary with each committee member, a group
leader with 李明: half the members have had one), four analyses written on the phone and 张桂兰's
handed in on paper (she has no smartphone); 李明 (`liming`) has not written his yet. When the
meeting is already past (the demo built on a later date), its preparation is complete and last
year's items were reviewed and every member's criticism recorded at it; the report is still to
be filed. No meeting is built when the demo's months hold no December.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from server.audit.operations import log_action
from server.calendar.days import CHINA, local_day
from server.core.db import db
from server.core.enums import EventKind, EventStatus
from server.events.models import Event
from server.filings.models import RectificationItem
from server.org_life import operations
from server.org_life.models import OpinionMethod, OrgLifeAnalysis, OrgLifeAnalysisRevision, ReviewStatus

BRANCH = "hongqi"
PROBLEMS = ["联系服务群众不够经常，为民办实事的办法不多",
            "理论学习不够系统，运用党的创新理论推动乡村振兴的本领不足"]
# Talks of the secretary with the committee members, and one between a group leader and a member.
TALKS = (("hongqi_shuji", "hongqi_zuzhi", 12), ("hongqi_shuji", "liujianjun", 11), ("hongqi_shuji", "chenyumei", 10),
         ("hongqi_zuzhi", "liujianjun", 8), ("liujianjun", "liming", 6))
WRITTEN = ("hongqi_shuji", "hongqi_zuzhi", "liujianjun", "chenyumei")  # analyses written on the phone
ON_PAPER = ("zhangguilan",)
ANALYSIS = ("对照党章党规和入党誓词，我深入查找了自身在理想信念、学习、工作作风和纪律方面的差距：一是理论学习"
            "不够深入，满足于读原文、记笔记，联系实际思考不多；二是联系群众不够经常，{focus}；三是工作中有"
            "求稳怕难思想，创新办法不多。今后我将坚持每周集中学习，主动上门走访群众，带头落实支部整改措施。")
FOCUS = {"hongqi_shuji": "走访困难群众次数偏少", "hongqi_zuzhi": "对流动党员的联系不够及时",
         "liujianjun": "宣传惠农政策主要靠微信群，面对面讲解少", "chenyumei": "对小组里老党员的生活关心不够",
         "liming": "参加村里志愿服务次数不多", "wangfang": "作为预备党员主动向组织汇报思想不够"}


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA).astimezone(dt.timezone.utc)


def build_demo(builder) -> None:
    branch = builder.branches[BRANCH]
    event = db.session.scalar(sa.select(Event).where(Event.branch_id == branch.id,
                                                     Event.kind == EventKind.org_life_meeting)
                              .order_by(Event.starts_at.desc()).limit(1))
    if event is None:
        return
    today, users, members = builder.today, builder.users, builder.members
    secretary = users[f"{BRANCH}_shuji"].id
    day = local_day(event.starts_at)
    meeting = operations.create_meeting(branch, {"year": day.year, "event_id": event.id, "problems": PROBLEMS},
                                        secretary)
    held = operations.is_held(meeting, today)
    last = min(today, day)  # preparation is dated up to here
    for kind in (EventKind.party_lecture, EventKind.activity_day):  # the latest lecture, else activity day
        study = db.session.scalar(sa.select(Event).where(
            Event.branch_id == branch.id, Event.kind == kind, Event.status == EventStatus.held,
            Event.starts_at <= _at(last, 0)).order_by(Event.starts_at.desc()).limit(1))
        if study is not None:
            operations.link_study(meeting, study.id, secretary, today)
            break
    operations.add_opinion(meeting, {"method": OpinionMethod.symposium, "held_on": last - dt.timedelta(days=9),
                                     "summary": "召开村民代表和党员代表座谈会，征求到对支部班子的意见建议9条，"
                                                "主要集中在走访群众不够、村务公开不及时两方面。"}, secretary, today)
    talks = TALKS if not held else TALKS + tuple(
        ("hongqi_zuzhi", username, 5) for username in ("wangfang", "zhangguilan", "yangzhiqiang", "zhoufusheng",
                                                       "zhaolei"))
    for a, b, ago in talks:
        operations.add_talk(meeting, {"member_a_id": members[a].id, "member_b_id": members[b].id,
                                      "held_on": last - dt.timedelta(days=ago), "note": None}, secretary, today)
    written = WRITTEN if not held else tuple(u for u in builder.specs
                                             if members[u].branch_id == branch.id and u not in ON_PAPER)
    for username in written:
        _analysis(meeting, members[username], username, users[username].id, last, held, today)
    for username in ON_PAPER:
        operations.note_paper_analysis(meeting, members[username].id, secretary)
    if held:
        for item in db.session.scalars(sa.select(RectificationItem).where(
                RectificationItem.branch_id == branch.id, RectificationItem.year == meeting.year - 1)):
            done = item.completed_on is not None
            operations.record_review(meeting, item.id, {
                "status": ReviewStatus.done if done else ReviewStatus.ongoing,
                "note": "经对照检查，已按期完成整改" if done else "已取得阶段性成效，需持续推进"}, secretary, today)
        for member in operations.members_of([branch.id], day)[branch.id]:
            operations.record_criticism(meeting, member.id, {
                "self_criticism": "理论学习不够深入，联系群众不够经常，今后加强学习、主动走访。",
                "criticism_received": "希望在村务工作中多听取群众意见，带头参加志愿服务。"}, secretary, today)
    db.session.flush()


def _analysis(meeting, member, username: str, user_id: int, last: dt.date, held: bool, today: dt.date) -> None:
    text = ANALYSIS.format(focus=FOCUS.get(username, "主动为群众办实事不够"))
    if not held:
        operations.write_analysis(meeting, member, text, f"demo-analysis-{member.id}", user_id, today)
        return
    # The meeting is past: analyses can no longer be written through the app, so the demo sets
    # down the ones written before it, as the app would have kept them.
    at = _at(last - dt.timedelta(days=3), 20)
    analysis = OrgLifeAnalysis(meeting_id=meeting.id, member_id=member.id, text=text, version=1, submitted_at=at,
                               updated_at=at)
    db.session.add(analysis)
    db.session.flush()
    db.session.add(OrgLifeAnalysisRevision(analysis_id=analysis.id, nonce=f"demo-analysis-{member.id}", text=text,
                                           written_by_id=user_id, written_at=at))
    entry = log_action(user_id, "org_life.analysis_written", analysis, branch_id=meeting.branch_id,
                       meeting_id=meeting.id, member_id=member.id, version=1)
    entry.at = at

