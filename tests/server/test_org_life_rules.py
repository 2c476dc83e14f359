"""OLM-report with the announcement to members (pure: facts by hand, "today" passed in)."""
from __future__ import annotations

import datetime as dt

from server.compliance.registry import YEAR, Period, State
from server.core.enums import FilingKind
from server.core.enums import EventKind as K
from server.org_life.rules import OrgLifeFacts
from tests.server.test_compliance_rules import ev, facts, filing, judge

D = dt.date
Y26 = Period(YEAR, 2026, 1)


def _case(meeting_day=D(2026, 11, 10), announced=None, filed_on=None):
    """A meeting with attendance and minutes, its report linked to it (so its minutes are filed),
    two rectification items of the year, and the announcements given."""
    meeting = ev(K.org_life_meeting, meeting_day)
    filed_on = filed_on or meeting_day + dt.timedelta(days=5)
    report = filing(FilingKind.org_life_report, 2026, filed_on, event_id=meeting.id)
    f = facts([meeting], [report], rectification={2026: [7, 8]})
    f.extra["org_life"] = OrgLifeFacts(announced=announced or {}, problems={7: "走访群众偏少", 8: "村务公开不及时"})
    return f


def test_met_when_filed_in_time_and_every_item_announced():
    # The second after the 15 days: the announcement has no deadline of its own.
    f = _case(announced={7: D(2026, 11, 12), 8: D(2026, 11, 30)})
    result = judge("OLM-report", f, Y26, D(2026, 12, 1))
    assert result.state == State.met and result.evidence.details == []


def test_due_while_an_item_is_not_announced_naming_it():
    result = judge("OLM-report", _case(announced={7: D(2026, 11, 12)}), Y26, D(2026, 11, 20))
    assert result.state == State.due and result.deadline == D(2026, 11, 25)
    assert result.next_step.key == "olm.report_missing" and result.next_step.params["missing"] == ["announcement"]
    assert result.evidence.details == ["整改事项“村务公开不及时”的整改进展尚未向党员通报"]


def test_late_after_the_deadline_within_the_year_then_missed():
    f = _case()
    late = judge("OLM-report", f, Y26, D(2026, 11, 26))
    assert late.state == State.late and len(late.evidence.details) == 2
    assert judge("OLM-report", f, Y26, D(2027, 1, 1)).state == State.missed


def test_a_late_report_stays_late_once_announced():
    f = _case(announced={7: D(2026, 11, 12), 8: D(2026, 11, 12)}, filed_on=D(2026, 11, 30))
    result = judge("OLM-report", f, Y26, D(2026, 12, 1))
    assert result.state == State.late and result.next_step.key == "olm.report_filed_late"


def test_without_the_org_life_facts_no_item_counts_as_announced():
    f = _case()
    del f.extra["org_life"]
    result = judge("OLM-report", f, Y26, D(2026, 11, 20))
    assert result.state == State.due and result.evidence.details == ["整改事项“7”的整改进展尚未向党员通报",
                                                                     "整改事项“8”的整改进展尚未向党员通报"]


def test_other_missing_pieces_are_listed_too():
    meeting = ev(K.org_life_meeting, D(2026, 11, 10))
    result = judge("OLM-report", facts([meeting]), Y26, D(2026, 11, 20))
    assert result.next_step.params["missing"] == ["report", "minutes", "rectification_items"]
    assert result.evidence.details == ["尚未报送组织生活会情况报告", "尚未报送会议记录", "尚未明确整改事项"]
