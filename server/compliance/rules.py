"""The rules of SPEC's systems 1 (三会一课), 3 (组织生活会), 4 (统一活动日) and EVAL-held (system 2).

Each rule is one registered function over `BranchFacts` (facts.py); none reads the clock or the
database: "today" is passed in. A meeting counts as evidence when it was held and attendance was
taken (at least one attendance record). Its minutes are judged once, by 3M1-minutes, so that a
meeting without minutes is one miss, not two; the activity day's record (DAY-attendance) and the
org-life meeting (OLM-held) still need them.
"""
from __future__ import annotations

import datetime as dt

from server.compliance.facts import BranchFacts, EventFact
from server.compliance.registry import (
    GROUP,
    MONTH,
    QUARTER,
    YEAR,
    Evidence,
    NextStep,
    Period,
    Result,
    Scope,
    State,
    rule,
)
from server.core.enums import EventKind, EventStatus, FilingKind

# DAY-notice: the notice goes out at least this many days before the activity day.
NOTICE_DAYS = 3
# DAY-plan: the year's plan is filed by this day of January.
PLAN_FILED_BY = (1, 31)
# OLM: the usual time of the org-life meeting ("一般安排在年底"); elsewhen it needs approval.
OLM_USUAL_MONTHS = frozenset({11, 12})
# OLM-report: report and minutes reach the committee within this many days after the meeting.
OLM_REPORT_DAYS = 15
# An approved postponement may carry the meeting into the first quarter of the next year.
OLM_POSTPONE_UNTIL = (3, 31)
# OLM-report: one evidence line per missing piece (the rectification items not announced are named).
OLM_MISSING_DETAILS = {"report": "尚未报送组织生活会情况报告", "minutes": "尚未报送会议记录",
                       "rectification_items": "尚未明确整改事项"}

# What 3M1-minutes judges: every meeting a 3M1 rule counts (the evaluation meeting is a general assembly).
MEETING_KINDS = (EventKind.branch_committee_meeting, EventKind.group_meeting, EventKind.general_assembly,
                 EventKind.party_lecture, EventKind.evaluation_meeting)


def evidence_of(events: list[EventFact], **extra) -> Evidence:
    return Evidence(events=[e.id for e in events], records=sum(e.attendance for e in events),
                    minutes=[e.minutes_id for e in events if e.minutes_id is not None], **extra)


def _open_or_missed(period: Period, today: dt.date, step: NextStep, evidence: Evidence | None = None) -> Result:
    if period.is_over(today):
        return Result(State.missed, evidence or Evidence(), step, period.end)
    return Result(State.due, evidence or Evidence(), step, period.end)


def meeting_rule(facts: BranchFacts, period: Period, today: dt.date, kinds, what: str,
                 group_id: int | None = None, group_name: str | None = None, *, minutes: bool = False) -> Result:
    """At least one meeting of `kinds` held in the period with attendance taken (and minutes, when
    `minutes`): met, else due until the period ends, then missed."""
    events = [e for e in facts.events_of(kinds, period.start, period.end, group_id) if e.status != EventStatus.cancelled]
    counted = [e for e in events if e.counts(today, minutes=minutes)]
    if counted:
        return Result(State.met, evidence_of(counted))
    params = {"what": what, "period": period.label, "current": period.contains(today)}
    if group_name is not None:
        params["group"] = group_name
    held = [e for e in events if e.happened(today)]
    planned = [e for e in events if not e.happened(today)]
    if held:
        e = held[0]
        step = NextStep("meeting.incomplete", {**params, "event_id": e.id, "date": e.day,
                                               "missing": e.missing(minutes=minutes)})
    elif planned and not period.is_over(today):
        step = NextStep("meeting.planned", {**params, "event_id": planned[0].id, "date": planned[0].day})
    else:
        step = NextStep("meeting.not_held" if period.is_over(today) else "meeting.none", params)
    return _open_or_missed(period, today, step, evidence_of(held + planned))


# --- 1. Three meetings and one lecture ---------------------------------------------------------

@rule("3M1-committee", system=1, period=MONTH, title="每月召开一次支委会")
def committee_meeting(scope: Scope, period: Period, today: dt.date, facts: BranchFacts) -> Result:
    return meeting_rule(facts, period, today, EventKind.branch_committee_meeting, "branch_committee_meeting")


@rule("3M1-group", system=1, period=MONTH, scope=GROUP, title="每个党小组每月至少召开一次党小组会")
def group_meeting(scope: Scope, period: Period, today: dt.date, facts: BranchFacts) -> Result:
    if scope.group_id is None:
        return Result(State.not_applicable, next_step=NextStep("group.none_in_branch"))
    return meeting_rule(facts, period, today, EventKind.group_meeting, "group_meeting",
                        scope.group_id, scope.group_name)


@rule("3M1-assembly", system=1, period=QUARTER, title="每季度召开一次党员大会")
def general_assembly(scope: Scope, period: Period, today: dt.date, facts: BranchFacts) -> Result:
    # The evaluation meeting is a general assembly too (SPEC: "a general assembly for evaluation").
    return meeting_rule(facts, period, today, (EventKind.general_assembly, EventKind.evaluation_meeting),
                        "general_assembly")


@rule("3M1-lecture", system=1, period=QUARTER, title="每季度至少上一次党课")
def party_lecture(scope: Scope, period: Period, today: dt.date, facts: BranchFacts) -> Result:
    return meeting_rule(facts, period, today, EventKind.party_lecture, "party_lecture")


@rule("3M1-minutes", system=1, period=MONTH, title="“三会一课”严格考勤，健全会议记录")
def meeting_minutes(scope: Scope, period: Period, today: dt.date, facts: BranchFacts) -> Result:
    """Every meeting held in the month has attendance taken and minutes kept: the one rule that
    judges the minutes of the 3M1 meetings (and of the evaluation meeting, a general assembly)."""
    held = [e for e in facts.events_of(MEETING_KINDS, period.start, period.end) if e.happened(today)]
    if not held:
        return Result(State.not_applicable, next_step=NextStep("minutes.no_meeting", {"period": period.label}))
    lacking = [e for e in held if not e.counts(today)]
    evidence = evidence_of(held)
    if not lacking:
        return Result(State.met, evidence)
    e = lacking[0]
    step = NextStep("minutes.incomplete", {"what": e.kind.value, "event_id": e.id, "date": e.day,
                                           "missing": e.missing(), "count": len(lacking)})
    return _open_or_missed(period, today, step, evidence)


# --- 4. Unified activity day -------------------------------------------------------------------

def _activity_day(facts: BranchFacts, period: Period, rule_day: dt.date) -> EventFact | None:
    """The month's activity day: the one on the rule's date if any, else the first of the month."""
    events = [e for e in facts.events_of(EventKind.activity_day, period.start, period.end)
              if e.status != EventStatus.cancelled]
    return next((e for e in events if e.day == rule_day), events[0] if events else None)


@rule("DAY-date", system=4, period=MONTH, title="每月第一个星期三开展统一活动日（遇法定假日顺延一周）")
def activity_day_date(scope: Scope, period: Period, today: dt.date, facts: BranchFacts) -> Result:
    rule_day = facts.calendar.activity_day_for(period.year, period.index)
    event = _activity_day(facts, period, rule_day)
    params = {"date": rule_day, "notice_by": rule_day - dt.timedelta(days=NOTICE_DAYS)}
    if event is None:
        if today <= rule_day:
            return Result(State.due, next_step=NextStep("day.schedule", params), deadline=rule_day)
        if period.is_over(today):
            return Result(State.missed, next_step=NextStep("day.not_held", params), deadline=rule_day)
        return Result(State.late, next_step=NextStep("day.not_held", params), deadline=rule_day)
    evidence = evidence_of([event])
    params["event_id"] = event.id
    if event.day == rule_day:
        if event.happened(today):
            return Result(State.met, evidence, deadline=rule_day)
        return Result(State.due, evidence, NextStep("day.planned", params), rule_day)
    params["held_on"] = event.day
    if event.happened(today):
        return Result(State.late, evidence, NextStep("day.off_date", params), rule_day)
    return Result(State.due, evidence, NextStep("day.planned_off_date", params), rule_day)


@rule("DAY-notice", system=4, period=MONTH, title="提前3天预告当月活动主要内容和要求")
def activity_day_notice(scope: Scope, period: Period, today: dt.date, facts: BranchFacts) -> Result:
    rule_day = facts.calendar.activity_day_for(period.year, period.index)
    event = _activity_day(facts, period, rule_day)
    day = event.day if event else rule_day
    deadline = day - dt.timedelta(days=NOTICE_DAYS)
    params = {"date": day, "notice_by": deadline}
    evidence = Evidence(events=[event.id]) if event else Evidence()
    if event is not None:
        params["event_id"] = event.id
        if event.notice_published_on is not None:
            params["published_on"] = event.notice_published_on
            if event.notice_published_on <= deadline:
                return Result(State.met, evidence, deadline=deadline)
            params["days_ahead"] = (day - event.notice_published_on).days
            return Result(State.late, evidence, NextStep("day.notice_late", params), deadline)
    if today <= deadline:
        return Result(State.due, evidence, NextStep("day.notice_send_by", params), deadline)
    if period.is_over(today):
        return Result(State.missed, evidence, NextStep("day.notice_missing", params), deadline)
    return Result(State.late, evidence, NextStep("day.notice_overdue", params), deadline)


@rule("DAY-attendance", system=4, period=MONTH, title="记录活动内容形式、时间地点及党员出勤情况")
def activity_day_attendance(scope: Scope, period: Period, today: dt.date, facts: BranchFacts) -> Result:
    # The designated person's record: who came (attendance) and content, time and place (minutes).
    return meeting_rule(facts, period, today, EventKind.activity_day, "activity_day", minutes=True)


@rule("DAY-plan", system=4, period=YEAR, title="年初制定年度统一活动日计划，报上级党组织备案")
def activity_day_plan(scope: Scope, period: Period, today: dt.date, facts: BranchFacts) -> Result:
    deadline = dt.date(period.year, *PLAN_FILED_BY)
    filings = facts.filings_of(FilingKind.activity_day_plan, period.year)
    params = {"year": period.year, "deadline": deadline}
    if filings:
        first = filings[0]
        evidence = Evidence(filings=[f.id for f in filings])
        if first.filed_on <= deadline:
            return Result(State.met, evidence, deadline=deadline)
        params["filed_on"] = first.filed_on
        return Result(State.late, evidence, NextStep("plan.filed_late", params), deadline)
    step = NextStep("plan.file_by", params)
    if today <= deadline:
        return Result(State.due, next_step=step, deadline=deadline)
    return Result(State.missed if period.is_over(today) else State.late, next_step=step, deadline=deadline)


# --- 3. Org-life meeting -----------------------------------------------------------------------

def _postponement_end(year: int) -> dt.date:
    return dt.date(year + 1, *OLM_POSTPONE_UNTIL)


def org_life_meeting(facts: BranchFacts, year: int, today: dt.date):
    """The org-life meeting of `year`, the approved date changes of that year, and all its candidates.

    A meeting held in the year counts for the year. One held in January to March of the next
    year counts for the year only when a date change for the year was approved (a postponement);
    otherwise it is the next year's meeting, held early."""
    approvals = [f for f in facts.filings_of(FilingKind.org_life_date_change, year) if f.approved]
    start = dt.date(year, 1, 1)
    end = _postponement_end(year) if approvals else dt.date(year, 12, 31)
    candidates = [e for e in facts.events_of(EventKind.org_life_meeting, start, end) if e.status != EventStatus.cancelled]
    # Last year's approved postponement claims this year's first-quarter meeting.
    previous = [f for f in facts.filings_of(FilingKind.org_life_date_change, year - 1) if f.approved]
    if previous:
        claimed_until = _postponement_end(year - 1)
        candidates = [e for e in candidates if e.day > claimed_until]
    counted = [e for e in candidates if e.counts(today)]
    usual = [e for e in counted if e.day.year == year and e.day.month in OLM_USUAL_MONTHS]
    meeting = (usual or counted or [None])[0]
    return meeting, approvals, candidates


@rule("OLM-held", system=3, period=YEAR, title="每年召开一次组织生活会（提前或延期须经上级党组织同意）")
def org_life_held(scope: Scope, period: Period, today: dt.date, facts: BranchFacts) -> Result:
    meeting, approvals, candidates = org_life_meeting(facts, period.year, today)
    params = {"year": period.year}
    if meeting is not None:
        usual = meeting.day.year == period.year and meeting.day.month in OLM_USUAL_MONTHS
        approved_before = [f for f in approvals if f.decided_on is not None and f.decided_on <= meeting.day]
        evidence = evidence_of([meeting], filings=[f.id for f in approved_before])
        if usual or approved_before:
            return Result(State.met, evidence)
        return Result(State.late, evidence, NextStep("olm.date_not_approved", {**params, "date": meeting.day}))
    # Not held yet (or held without attendance or minutes): the candidates are the evidence, a
    # meeting planned under an approved postponement (up to 31 March of the next year) included.
    held = [e for e in candidates if e.happened(today)]
    planned = [e for e in candidates if not e.happened(today)]
    evidence = evidence_of(held + planned, filings=[f.id for f in approvals])
    if held:
        e = held[0]
        step = NextStep("meeting.incomplete", {"what": "org_life_meeting", "event_id": e.id, "date": e.day,
                                               "missing": e.missing()})
    elif planned:
        step = NextStep("meeting.planned", {"what": "org_life_meeting", "event_id": planned[0].id,
                                            "date": planned[0].day})
    else:
        step = NextStep("olm.hold", params)
    deadline = dt.date(period.year, 12, 31)
    if approvals:
        deadline = max([f.requested_on for f in approvals if f.requested_on] + [deadline])
        deadline = min(deadline, _postponement_end(period.year))
    if today <= deadline:
        return Result(State.due, evidence, step, deadline)
    return Result(State.missed, evidence, step, deadline)


@rule("OLM-report", system=3, period=YEAR, title="会后15天内报送组织生活会情况报告及会议记录，明确整改措施")
def org_life_report(scope: Scope, period: Period, today: dt.date, facts: BranchFacts) -> Result:
    """Rectification items recorded; the report and the minutes filed within 15 days of the meeting;
    the progress of every item of the year announced to members (整改情况通报, whenever: SPEC sets
    no day for it, so it never makes the result late, but while it is missing the rule is not met).
    A report filed with a link to the meeting files its minutes too (the committee reads them in
    the app); a separate org_life_minutes filing also counts. Announcements come from the
    "org_life" facts (server/org_life/rules.py); the details name each item not yet announced."""
    meeting, _, _ = org_life_meeting(facts, period.year, today)
    if meeting is None:
        return Result(State.not_applicable, next_step=NextStep("olm.report_after_meeting", {"year": period.year}))
    deadline = meeting.day + dt.timedelta(days=OLM_REPORT_DAYS)
    reports = facts.filings_of(FilingKind.org_life_report, period.year)
    minutes_filings = facts.filings_of(FilingKind.org_life_minutes, period.year)
    report = reports[0] if reports else None
    minutes_dates = [f.filed_on for f in minutes_filings] + [f.filed_on for f in reports if f.event_id == meeting.id]
    items = facts.rectification.get(period.year, [])
    evidence = evidence_of([meeting], filings=[f.id for f in reports + minutes_filings], rectification_items=items)
    olm = facts.extra.get("org_life")
    unannounced = [i for i in items if olm is None or i not in olm.announced]
    missing = [what for what, ok in (("report", report is not None), ("minutes", bool(minutes_dates)),
                                     ("rectification_items", bool(items)), ("announcement", not unannounced))
               if not ok]
    evidence.details = [OLM_MISSING_DETAILS[what] for what in missing if what != "announcement"] + [
        f"整改事项“{olm.problems.get(i, i) if olm else i}”的整改进展尚未向党员通报" for i in unannounced]
    params = {"date": meeting.day, "deadline": deadline, "event_id": meeting.id}
    if not missing:
        filed_on = max(report.filed_on, min(minutes_dates))
        if filed_on <= deadline:
            return Result(State.met, evidence, deadline=deadline)
        return Result(State.late, evidence, NextStep("olm.report_filed_late", {**params, "filed_on": filed_on}),
                      deadline)
    step = NextStep("olm.report_missing", {**params, "missing": missing})
    if today <= deadline:
        return Result(State.due, evidence, step, deadline)
    return Result(State.missed if period.is_over(today) else State.late, evidence, step, deadline)


# --- 2. Democratic evaluation (the meeting) ----------------------------------------------------

@rule("EVAL-held", system=2, period=YEAR, title="每年召开党员大会开展民主评议党员")
def evaluation_held(scope: Scope, period: Period, today: dt.date, facts: BranchFacts) -> Result:
    return meeting_rule(facts, period, today, EventKind.evaluation_meeting, "evaluation_meeting")

