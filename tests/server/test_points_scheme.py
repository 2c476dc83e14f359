"""The points computation, pure: keys, caps, absences, rule precedence, traceable lines."""
from __future__ import annotations

import datetime as dt

from server.points.scheme import (
    ABSENCE,
    SUGGESTED_RULES,
    EventFact,
    MemberFact,
    RecordFact,
    RuleFact,
    attendance_key,
    compute,
    earnings_of,
    effective_rules,
    is_expected,
    is_known_key,
    key_catalogue,
)

D = dt.date
Q3 = (D(2026, 7, 1), D(2026, 9, 30))
TODAY = D(2026, 10, 10)
LI = MemberFact(1, "李明", branch_id=10, group_id=100)


def rules(*facts):
    return effective_rules(facts)


def lines_of(member, records=(), events=(), attended=(), excused=(), dues=(), rule_set=None, deduction=2, today=TODAY):
    earned = earnings_of(member, records, events, set(attended), set(excused), dues, *Q3, today)
    return compute(earned, rule_set if rule_set is not None else effective_rules(
        RuleFact(**r) for r in SUGGESTED_RULES), deduction)


def test_attendance_earns_by_event_kind_and_a_featured_system_takes_precedence():
    assert attendance_key("activity_day", None) == "event:activity_day"
    assert attendance_key("activity_day", "village_disclosure") == "featured:village_disclosure"
    events = [EventFact(5, 10, "activity_day", D(2026, 8, 5), "8月主题党日"),
              EventFact(6, 10, "featured_activity", D(2026, 8, 9), "党务公开日", featured_system="disclosure")]
    records = [RecordFact(50, 1, "attendance", D(2026, 8, 5), "出席", event_id=5),
               RecordFact(60, 1, "attendance", D(2026, 8, 9), "出席", event_id=6)]
    rule_set = rules(RuleFact("event:activity_day", "参加主题党日", 2), RuleFact("featured:disclosure", "参加公开日", 3,
                                                                              source="template:disclosure"))
    result = lines_of(LI, records, events, attended={5, 6}, rule_set=rule_set)
    assert [(l["key"], l["points"], l["record_id"], l["event_id"]) for l in result["lines"]] == [
        ("event:activity_day", 2, 50, 5), ("featured:disclosure", 3, 60, 6)]
    assert result["total"] == 5


def test_only_the_given_confirmed_records_of_the_period_count_and_each_line_names_its_record():
    records = [RecordFact(1, 1, "study", D(2026, 7, 2), "学习党章"),
               RecordFact(2, 1, "reward", D(2026, 9, 30), "优秀党员"),
               RecordFact(3, 1, "punishment", D(2026, 8, 1), "警告"),
               RecordFact(4, 1, "study", D(2026, 10, 1), "下一季度"),  # outside the period
               RecordFact(5, 2, "study", D(2026, 7, 3), "别人的")]  # another member's
    result = lines_of(LI, records)
    assert [(l["record_id"], l["points"], l["title"]) for l in result["lines"]] == [
        (1, 1, "学习党章"), (3, -10, "警告"), (2, 5, "优秀党员")]
    assert result["total"] == sum(l["points"] for l in result["lines"]) == -4


def test_a_cap_limits_a_key_per_period_and_the_lines_beyond_show_zero_and_capped():
    records = [RecordFact(i, 1, "service", D(2026, 7, i), f"服务{i}") for i in range(1, 9)]  # 8 × 2, cap 12
    result = lines_of(LI, records)
    points = [(l["points"], l["capped"]) for l in result["lines"]]
    assert points == [(2, False)] * 6 + [(0, True)] * 2
    assert result["total"] == 12


def test_a_cap_gives_the_line_reaching_it_what_is_left():
    records = [RecordFact(i, 1, "study", D(2026, 7, i), f"学习{i}") for i in range(1, 4)]
    result = lines_of(LI, records, rule_set=rules(RuleFact("record:study", "学习", 3, cap_per_period=7)))
    assert [(l["points"], l["capped"]) for l in result["lines"]] == [(3, False), (3, False), (1, True)]
    assert result["total"] == 7


def test_dues_earn_a_point_per_month_paid_in_full_within_the_period():
    result = lines_of(LI, dues=[D(2026, 6, 1), D(2026, 7, 1), D(2026, 8, 1)])
    assert [(l["key"], l["month"], l["points"]) for l in result["lines"]] == [
        ("dues:month", "2026-07", 1), ("dues:month", "2026-08", 1)]


def test_an_unexcused_absence_costs_the_deduction_but_attendance_or_approved_leave_do_not():
    events = [EventFact(1, 10, "general_assembly", D(2026, 7, 10), "7月党员大会"),
              EventFact(2, 10, "party_lecture", D(2026, 8, 10), "党课"),
              EventFact(3, 10, "activity_day", D(2026, 9, 5), "主题党日"),
              EventFact(4, 10, "activity_day", D(2026, 9, 20), "取消的", status="cancelled")]
    records = [RecordFact(11, 1, "attendance", D(2026, 8, 10), "党课", event_id=2)]
    result = lines_of(LI, records, events, attended={2}, excused={3})
    absences = [l for l in result["lines"] if l["key"] == ABSENCE]
    assert [(l["event_id"], l["points"]) for l in absences] == [(1, -2)]
    assert absences[0]["title"] == "未请假缺席：7月党员大会"
    assert result["total"] == 2 - 2
    # An unconfirmed attendance record is still attendance: no deduction, and no points either.
    result = lines_of(LI, (), events, attended={2}, excused={3})
    assert [l["event_id"] for l in result["lines"]] == [1]
    # No deduction set: absences are not listed.
    assert lines_of(LI, (), events, attended={2}, excused={3}, deduction=0)["lines"] == []


def test_an_event_not_yet_held_is_no_absence():
    events = [EventFact(1, 10, "activity_day", D(2026, 9, 25), "主题党日", status="planned")]
    assert lines_of(LI, events=events, today=D(2026, 9, 20))["lines"] == []
    assert [l["key"] for l in lines_of(LI, events=events, today=D(2026, 9, 26))["lines"]] == [ABSENCE]


def test_who_is_expected_mirrors_the_attendance_sheet():
    day = D(2026, 8, 1)
    committee = EventFact(1, 10, "branch_committee_meeting", day, "支委会")
    own_group, other_group = (EventFact(2, 10, "group_meeting", day, "小组会", group_id=100),
                              EventFact(3, 10, "group_meeting", day, "小组会", group_id=101))
    assembly, host_assembly = EventFact(4, 10, "general_assembly", day, "大会"), EventFact(5, 20, "general_assembly",
                                                                                           day, "大会")
    assert not is_expected(LI, committee)
    assert is_expected(MemberFact(1, "李明", 10, posts=((D(2025, 1, 1), None),)), committee)
    assert is_expected(LI, own_group) and not is_expected(LI, other_group)
    assert is_expected(LI, assembly) and not is_expected(LI, host_assembly)
    floating = MemberFact(1, "李明", 10, floating=((20, D(2026, 1, 1), None),))
    assert not is_expected(floating, assembly) and is_expected(floating, host_assembly)
    assert not is_expected(MemberFact(1, "李明", 10, left_on=D(2026, 7, 31)), assembly)


def test_the_branch_rule_of_a_key_wins_over_a_template_rule():
    chosen = effective_rules([RuleFact("record:service", "模板", 4, source="template:a"),
                              RuleFact("record:service", "本支部", 1)])
    assert chosen["record:service"].title == "本支部"
    assert effective_rules([RuleFact("featured:x", "模板", 4, source="template:x")])["featured:x"].points == 4


def test_entries_without_a_rule_earn_nothing_and_are_left_out():
    records = [RecordFact(1, 1, "role_performance", D(2026, 7, 2), "发挥作用")]
    assert lines_of(LI, records)["lines"] == []


def test_the_catalogue_names_every_kind_in_chinese_and_featured_keys_are_allowed():
    keys = {k["key"]: k["label"] for k in key_catalogue()}
    assert keys["event:activity_day"] == "参加统一活动日" and keys["record:study"] == "学习"
    assert "record:attendance" not in keys and "record:dues" not in keys
    assert is_known_key("featured:village_disclosure") and not is_known_key("featured:")
    assert not is_known_key("record:attendance")
    assert all(is_known_key(r["key"]) for r in SUGGESTED_RULES)
