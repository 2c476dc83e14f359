"""The demo's correction requests (整改通知), built relative to today like the rest of the demo
(server/demo/operations.py): the township committee asked 星火科技 five days ago to correct last
month's missed group meeting (open, due in ten days); and 红旗村 closed one last quarter (its
activity room's rules not on the wall, answered with the photo's filing, accepted)."""
from __future__ import annotations

import datetime as dt

from server.corrections import operations
from server.corrections.models import CorrectionRequest
from server.dues.standard import add_months, month_label, month_of
from sync.clock import CHINA


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=CHINA).astimezone(dt.timezone.utc)


def _dated(request: CorrectionRequest, sent: dt.date, deadline: dt.date) -> None:
    request.created_at = request.updated_at = _at(sent, 10)
    request.deadline = deadline
    for n, answer in enumerate(request.answers):
        answer.answered_at = _at(sent + dt.timedelta(days=7 + n), 16)
        if answer.decided_at is not None:
            answer.decided_at = request.updated_at = request.closed_at = _at(sent + dt.timedelta(days=9 + n), 9)


def build_demo(self) -> None:
    committee = self.branches["xinghuo"].committee
    actor = self.committee_user.id
    today = self.today
    last_month = month_label(add_months(month_of(today), -1))
    open_one = operations.send(committee, self.branches["xinghuo"], {
        "rule_id": "3M1-group", "period": last_month, "deadline": today,
        "finding": "生产党小组上月未召开党小组会，请补开并报送会议记录。"}, actor)
    _dated(open_one, today - dt.timedelta(days=5), today + dt.timedelta(days=10))
    hongqi = self.branches["hongqi"]
    closed = operations.send(committee, hongqi, {
        "rule_id": None, "period": None, "deadline": today,
        "finding": "党员活动室“8+X”制度未上墙，请整改。"}, actor)
    operations.answer(closed, {"text": "已在党员活动室张贴“8+X”工作制度和支部制度手册，见照片。", "evidence": []},
                      self._secretary("hongqi").id)
    operations.decide(closed, True, None, actor)
    _dated(closed, today - dt.timedelta(days=80), today - dt.timedelta(days=60))
