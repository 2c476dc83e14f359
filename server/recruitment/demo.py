"""The demo's road to membership (`flask demo`), built relative to today through the real operations.

- 红旗村: 王芳 (the demo's probationary member, `wangfang`) with her whole history; her probation
  ended 17 days ago and the assembly has not discussed her conversion: overdue (REC-timeline late).
  张伟, an activist whose half-yearly assessment is due within the next five weeks, with two
  contacts (who, with the organizer, have been told); 刘洋, an applicant whose letter came ten days
  ago (the talk is due); 陈晨, a candidate with the political review done and the training to come.
- 县财政局 胡静 and 星火科技 梁燕, probationary members: histories ending in the assembly's vote
  on the day they were admitted (their `admitted_on`) and the committee's approval 20 days later.
"""
from __future__ import annotations

import datetime as dt

from server.core.db import db
from server.recruitment import operations
from server.recruitment.models import Gender, RecruitmentCase
from server.recruitment.pipeline import Body, StepKind, add_months, add_years
from sync import clock

# Whose probation ended OVERDUE_DAYS ago with no conversion discussion yet (demo/operations.py asks).
OVERDUE_CONVERSION = "wangfang"
OVERDUE_DAYS = 17

PROBATIONARY = {  # username → (gender, birth date, contacts' usernames)
    "wangfang": (Gender.female, dt.date(1996, 5, 12), ("liujianjun", "chenyumei")),
    "hujing": (Gender.female, dt.date(1993, 9, 3), ("sunlijuan", "guomin")),
    "liangyan": (Gender.female, dt.date(1995, 11, 21), ("hanmei", "tangliang")),
}
BRANCH_OF = {"wangfang": "hongqi", "hujing": "caizheng", "liangyan": "xinghuo"}


def overdue_admission(today: dt.date) -> dt.date:
    """王芳's admission: one year before the day OVERDUE_DAYS ago (so her probation ended then)."""
    return add_years(today - dt.timedelta(days=OVERDUE_DAYS), -1)


class _Road:
    """Records one person's steps in date order, as the branch's organizer and the committee."""

    def __init__(self, builder, branch_key: str, today: dt.date):
        self.b = builder
        self.branch = builder.branches[branch_key]
        self.organizer = next(builder.users[m.username] for m in self._spec(branch_key).members
                              if any(r.value == "organizer" for r in m.roles))
        self.committee = builder.committee_user
        self.today = today
        self.case: RecruitmentCase | None = None

    def _spec(self, key):
        from server.demo.operations import BRANCHES

        return next(s for s in BRANCHES if s.key == key)

    def apply(self, name: str, on: dt.date, *, gender=None, birth_date=None, group=None, phone=None):
        self.case = operations.create_case(self.branch, {
            "name": name, "gender": gender, "birth_date": birth_date, "phone": phone,
            "group_id": group.id if group else None, "applied_on": on,
            "note": "本人递交入党申请书，要求加入中国共产党。"}, self.organizer.id, self.today)
        return self

    def step(self, kind: StepKind, on: dt.date, note: str | None = None, **data):
        committee = kind in (StepKind.pre_review, StepKind.admission_approval, StepKind.conversion_approval)
        actor = (self.committee if committee else self.organizer).id
        operations.record_step(self.case, {"kind": kind, "on": on, "note": note, **data}, actor, self.today)
        return self

    def contacts(self, usernames, on: dt.date):
        operations.set_contacts(self.case, [self.b.members[u].id for u in usernames], on, self.organizer.id,
                                self.today)
        return self

    def backdate(self) -> None:
        """Each step recorded, and filed, on its own day (not on the day the demo was loaded)."""
        for step in self.case.steps:
            step.recorded_at = clock.china_time(step.on, 18)
            if step.filing is not None:
                step.filing.filed_at = clock.china_time(step.on, 18, 30)
        for step in self.case.steps:
            asking = next((s for s in self.case.steps if s.kind == operations.ANSWERS.get(step.kind)), None)
            if asking is not None and asking.filing is not None and asking.filing.decided_at is not None:
                asking.filing.decided_at = clock.china_time(step.on, 11)
        db.session.flush()


def _vote(entitled: int, *, absent: int = 1) -> dict:
    present = entitled - absent
    return {"votes_for": present, "votes_against": 0, "abstentions": 0, "present": present, "entitled": entitled}


def _full_members(builder, branch_key: str) -> int:
    from server.core.enums import MemberStatus

    branch = builder.branches[branch_key]
    return sum(1 for m in builder.members.values() if m.branch_id == branch.id and m.status == MemberStatus.full)


def _to_probation(road: _Road, builder, branch_key: str, contacts, admitted: dt.date) -> None:
    """From the letter to the committee's approval, the assembly having voted on `admitted`."""
    candidate = admitted - dt.timedelta(days=75)
    activist = add_years(candidate, -1) - dt.timedelta(days=30)
    applied = add_months(activist, -6)
    (road.step(StepKind.talk, applied + dt.timedelta(days=14), "支部书记与其谈话，了解入党动机和对党的认识。")
     .step(StepKind.activist, activist, "经党员推荐、支部委员会研究，确定为入党积极分子。",
           decided_by=Body.branch_committee)
     .contacts(contacts, activist)
     .step(StepKind.assessment, add_months(activist, 5), "思想积极上进，学习认真，工作表现良好。")
     .step(StepKind.assessment, add_months(activist, 10), "能按时参加组织活动，群众评价较好。")
     .step(StepKind.candidate, candidate, "听取党小组、培养联系人、党员和群众意见，支部委员会研究同意。")
     .step(StepKind.political_review, admitted - dt.timedelta(days=60), "政治审查合格。")
     .step(StepKind.training, admitted - dt.timedelta(days=45), "参加镇党委组织的发展对象培训班，考试合格。")
     .step(StepKind.committee_review, admitted - dt.timedelta(days=30), "支部委员会审查合格，报镇党委预审。")
     .step(StepKind.pre_review, admitted - dt.timedelta(days=20), "预审合格，同意提交支部党员大会讨论。")
     .step(StepKind.admission_vote, admitted, "经支部党员大会讨论，同意接收为预备党员。",
           votes=_vote(_full_members(builder, branch_key)))
     .step(StepKind.admission_approval, admitted + dt.timedelta(days=20), "同意接收为预备党员，预备期一年。"))


def build_demo(builder) -> None:
    """Called by server/demo/operations.py once the branches, members and events exist."""
    today = builder.today
    for username, (gender, born, contacts) in PROBATIONARY.items():
        member = builder.members[username]
        road = _Road(builder, BRANCH_OF[username], today)
        admitted = member.admitted_on
        activist = add_years(admitted - dt.timedelta(days=75), -1) - dt.timedelta(days=30)
        road.apply(member.name, add_months(activist, -6), gender=gender, birth_date=born, group=member.group,
                   phone=member.phone)
        road.case.member_id = member.id  # she is the demo's member already
        _to_probation(road, builder, BRANCH_OF[username], contacts, admitted)
        road.backdate()

    hongqi = builder.groups["hongqi"]
    # 张伟: an activist; his second assessment is due in about three and a half weeks.
    assessed = add_months(today, -6) + dt.timedelta(days=24)
    activist = assessed - dt.timedelta(days=170)
    road = _Road(builder, "hongqi", today).apply("张伟", add_months(activist, -4), gender=Gender.male,
                                                 birth_date=dt.date(1998, 3, 17), group=hongqi[0],
                                                 phone="13900001101")
    (road.step(StepKind.talk, add_months(activist, -4) + dt.timedelta(days=10), "组织委员与其谈话。")
     .step(StepKind.activist, activist, "经群团组织推优、支部委员会研究，确定为入党积极分子。")
     .contacts(("liujianjun", "liming"), activist)
     .step(StepKind.assessment, assessed, "积极参加村里志愿服务，理论学习有进步。"))
    road.backdate()

    # 陈晨: a candidate; political review done, the training to come.
    candidate = today - dt.timedelta(days=40)
    activist = add_months(candidate, -15)
    road = _Road(builder, "hongqi", today).apply("陈晨", add_months(activist, -5), gender=Gender.female,
                                                 birth_date=dt.date(1999, 8, 8), group=hongqi[1],
                                                 phone="13900001102")
    (road.step(StepKind.talk, add_months(activist, -5) + dt.timedelta(days=12), "支部书记与其谈话。")
     .step(StepKind.activist, activist, "经党员推荐、支部党员大会讨论，确定为入党积极分子。",
           decided_by=Body.general_assembly)
     .contacts(("chenyumei", "liming"), activist)
     .step(StepKind.assessment, add_months(activist, 5), "表现良好。")
     .step(StepKind.assessment, add_months(activist, 10), "带头参加人居环境整治，群众认可。")
     .step(StepKind.candidate, candidate, "听取各方面意见，支部委员会研究同意列为发展对象。")
     .step(StepKind.political_review, today - dt.timedelta(days=20), "函调和政治审查合格。"))
    road.backdate()

    # 刘洋: a letter ten days ago; the branch has a month to talk with him.
    road = _Road(builder, "hongqi", today).apply("刘洋", today - dt.timedelta(days=10), gender=Gender.male,
                                                 birth_date=dt.date(2001, 1, 26), group=hongqi[0])
    road.backdate()

    # The contacts of an activist whose assessment is near, and the organizer, are told.
    operations.send_assessment_reminders(today)
