"""The org-life meeting's domain rules: what may be recorded when, and the checklist.

Time decides what is open (China's date, "today", passed in by the views):
- preparation (study, opinions, talks) is dated on or before the meeting's day and never in the future;
- a member writes their party-spirit analysis until the meeting is held: on the meeting's day
  itself too, until the event is marked held; a write arriving later is refused (409), unless it
  is a replay of one already accepted (same nonce), which changes nothing;
- the review of last year's rectification items and each member's criticism and self-criticism
  are recorded at the meeting: from its day on.
Only flushes; every change is in the audit log (analysis and criticism texts are not copied into
it: they are personal, the audit log is read more widely).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from server.audit.operations import log_action
from server.calendar.days import local_day
from server.core.api import abort
from server.core.db import db
from server.core.enums import EventKind, EventStatus, FilingDecision, FilingKind
from server.events.models import Event
from server.filings.models import Filing, RectificationItem
from server.minutes.models import Minutes, MinutesPhoto
from server.org.models import Branch, Member
from server.org_life.models import (
    OpinionMethod,
    OrgLifeAnalysis,
    OrgLifeAnalysisRevision,
    OrgLifeCriticism,
    OrgLifeMeeting,
    OrgLifeOpinion,
    OrgLifeReview,
    OrgLifeStudy,
    OrgLifeTalk,
    ReviewStatus,
)
from sync import clock

# The report and minutes reach the committee within this many days (OLM-report).
REPORT_DAYS = 15
# The usual months of the meeting ("一般安排在年底"); another date needs the committee's approval.
USUAL_MONTHS = frozenset({11, 12})
PREPARATION = ("theme", "study", "opinions", "talks", "analyses")
AT_MEETING = ("review", "criticism")
AFTER = ("rectification", "announcement", "report")


def _field_error(field: str, message: str, status: int = 422):
    abort(status, message=message, errors={"json": {field: [message]}})


def meeting_day(meeting: OrgLifeMeeting) -> dt.date:
    return local_day(meeting.event.starts_at)


def is_held(meeting: OrgLifeMeeting, today: dt.date) -> bool:
    """The meeting took place: marked held, or its day is past (never when cancelled)."""
    event = meeting.event
    if event.status == EventStatus.cancelled:
        return False
    return event.status == EventStatus.held or meeting_day(meeting) < today


def analysis_open(meeting: OrgLifeMeeting, today: dt.date) -> bool:
    return meeting.event.status != EventStatus.cancelled and not is_held(meeting, today)


def meeting_started(meeting: OrgLifeMeeting, today: dt.date) -> bool:
    return meeting.event.status != EventStatus.cancelled and (meeting.event.status == EventStatus.held
                                                               or meeting_day(meeting) <= today)


def members_of(branch_ids, on: dt.date) -> dict[int, list[Member]]:
    """The members of each branch on `on` (floating members of the branch included; members who
    left before it not): the people every talk, analysis and criticism is counted over."""
    out: dict[int, list[Member]] = defaultdict(list)
    rows = db.session.scalars(sa.select(Member).where(Member.branch_id.in_(list(branch_ids)),
                                                      sa.or_(Member.left_on.is_(None), Member.left_on >= on))
                              .order_by(Member.id))
    for m in rows:
        out[m.branch_id].append(m)
    return out


def _member_of_branch(meeting: OrgLifeMeeting, member_id: int, field: str) -> Member:
    member = db.session.get(Member, member_id)
    if member is None or member.branch_id != meeting.branch_id or (
            member.left_on is not None and member.left_on < min(meeting_day(meeting), clock.today())):
        _field_error(field, "Not a member of this branch.")
    return member


def _check_event(branch: Branch, event_id: int, year: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or event.branch_id != branch.id:
        _field_error("event_id", "Not an event of this branch.")
    if event.kind != EventKind.org_life_meeting:
        _field_error("event_id", "The event is not an org-life meeting.")
    if event.status == EventStatus.cancelled:
        _field_error("event_id", "The event was cancelled.")
    day = local_day(event.starts_at)
    if not dt.date(year, 1, 1) <= day <= dt.date(year + 1, 3, 31):
        _field_error("event_id", f"The meeting of {year} is held in {year} (or, postponed, by 31 March {year + 1}).")
    other = db.session.scalar(sa.select(OrgLifeMeeting).where(OrgLifeMeeting.event_id == event.id))
    if other is not None and other.year != year:
        abort(409, message=f"This event is already the org-life meeting of {other.year}.")
    return event


def _set_theme(event: Event, theme: str | None) -> None:
    """The meeting's theme is its event's (the notice and the minutes name it): one place, not two."""
    event.theme = (theme or "").strip() or None


def create_meeting(branch: Branch, data: dict, actor_id: int) -> OrgLifeMeeting:
    year = data["year"]
    if db.session.scalar(sa.select(OrgLifeMeeting.id).where(OrgLifeMeeting.branch_id == branch.id,
                                                            OrgLifeMeeting.year == year)) is not None:
        abort(409, message=f"The branch already has its org-life meeting of {year}.")
    event = _check_event(branch, data["event_id"], year)
    meeting = OrgLifeMeeting(branch_id=branch.id, year=year, event=event, problems=data.get("problems") or [],
                             created_by_id=actor_id)
    if "theme" in data:
        _set_theme(event, data["theme"])
    db.session.add(meeting)
    db.session.flush()
    log_action(actor_id, "org_life.created", meeting, branch_id=branch.id, year=year, event_id=event.id)
    return meeting


def update_meeting(meeting: OrgLifeMeeting, changes: dict, actor_id: int) -> OrgLifeMeeting:
    """The theme (the event's), the problems, or another event (the meeting was re-planned)."""
    if "event_id" in changes and changes["event_id"] != meeting.event_id:
        meeting.event = _check_event(meeting.branch, changes["event_id"], meeting.year)
    if "problems" in changes:
        meeting.problems = list(changes["problems"])
    if "theme" in changes:
        _set_theme(meeting.event, changes["theme"])
    meeting.updated_at = clock.now()
    db.session.flush()
    log_action(actor_id, "org_life.updated", meeting, branch_id=meeting.branch_id, fields=sorted(changes))
    return meeting


# --- preparation -----------------------------------------------------------------------------------

def _not_after_meeting(meeting: OrgLifeMeeting, day: dt.date, today: dt.date, field: str, what: str) -> None:
    if day > today:
        _field_error(field, f"{what} cannot be dated in the future.")
    if day > meeting_day(meeting):
        _field_error(field, f"{what} comes before the meeting ({meeting_day(meeting).isoformat()}).")


def link_study(meeting: OrgLifeMeeting, event_id: int, actor_id: int, today: dt.date) -> OrgLifeStudy:
    """Count a study event of the branch (a party lecture, a study session...) held before the meeting."""
    event = db.session.get(Event, event_id)
    if event is None or event.branch_id != meeting.branch_id:
        _field_error("event_id", "Not an event of this branch.")
    if event.id == meeting.event_id or event.kind == EventKind.org_life_meeting:
        _field_error("event_id", "The study is an event before the org-life meeting, not the meeting itself.")
    if event.status == EventStatus.cancelled:
        _field_error("event_id", "The event was cancelled.")
    _not_after_meeting(meeting, local_day(event.starts_at), today, "event_id", "The study")
    if any(s.event_id == event.id for s in meeting.studies):
        abort(409, message="This event is already counted as the meeting's study.")
    study = OrgLifeStudy(meeting=meeting, event=event, added_by_id=actor_id, added_at=clock.now())
    db.session.add(study)
    db.session.flush()
    log_action(actor_id, "org_life.study_linked", meeting, branch_id=meeting.branch_id, event_id=event.id)
    return study


def unlink_study(meeting: OrgLifeMeeting, event_id: int, actor_id: int) -> None:
    study = next((s for s in meeting.studies if s.event_id == event_id), None)
    if study is None:
        abort(404, message="This event is not counted as the meeting's study.")
    meeting.studies.remove(study)
    db.session.delete(study)
    db.session.flush()
    log_action(actor_id, "org_life.study_unlinked", meeting, branch_id=meeting.branch_id, event_id=event_id)


def add_opinion(meeting: OrgLifeMeeting, data: dict, actor_id: int, today: dt.date) -> OrgLifeOpinion:
    _not_after_meeting(meeting, data["held_on"], today, "held_on", "Soliciting opinions")
    opinion = OrgLifeOpinion(meeting=meeting, method=OpinionMethod(data["method"]), held_on=data["held_on"],
                             summary=data["summary"].strip(), recorded_by_id=actor_id, created_at=clock.now())
    db.session.add(opinion)
    db.session.flush()
    log_action(actor_id, "org_life.opinion_added", opinion, branch_id=meeting.branch_id, meeting_id=meeting.id,
               method=opinion.method.value, held_on=opinion.held_on.isoformat())
    return opinion


def remove_opinion(opinion: OrgLifeOpinion, actor_id: int) -> None:
    meeting = opinion.meeting
    log_action(actor_id, "org_life.opinion_removed", opinion, branch_id=meeting.branch_id, meeting_id=meeting.id,
               method=opinion.method.value, held_on=opinion.held_on.isoformat(), summary=opinion.summary)
    meeting.opinions.remove(opinion)
    db.session.delete(opinion)
    db.session.flush()


def add_talk(meeting: OrgLifeMeeting, data: dict, actor_id: int, today: dt.date) -> OrgLifeTalk:
    """A heart-to-heart talk between two members of the branch, on or before the meeting's day."""
    a_id, b_id = data["member_a_id"], data["member_b_id"]
    if a_id == b_id:
        _field_error("member_b_id", "A heart-to-heart talk takes two people.")
    _member_of_branch(meeting, a_id, "member_a_id")
    _member_of_branch(meeting, b_id, "member_b_id")
    _not_after_meeting(meeting, data["held_on"], today, "held_on", "A talk")
    if any({t.member_a_id, t.member_b_id} == {a_id, b_id} and t.held_on == data["held_on"] for t in meeting.talks):
        abort(409, message="This talk is already recorded.")
    talk = OrgLifeTalk(meeting=meeting, member_a_id=a_id, member_b_id=b_id, held_on=data["held_on"],
                       note=(data.get("note") or "").strip() or None, recorded_by_id=actor_id, created_at=clock.now())
    db.session.add(talk)
    db.session.flush()
    log_action(actor_id, "org_life.talk_added", talk, branch_id=meeting.branch_id, meeting_id=meeting.id,
               member_a_id=a_id, member_b_id=b_id, held_on=talk.held_on.isoformat())
    return talk


def remove_talk(talk: OrgLifeTalk, actor_id: int) -> None:
    meeting = talk.meeting
    log_action(actor_id, "org_life.talk_removed", talk, branch_id=meeting.branch_id, meeting_id=meeting.id,
               member_a_id=talk.member_a_id, member_b_id=talk.member_b_id, held_on=talk.held_on.isoformat())
    meeting.talks.remove(talk)
    db.session.delete(talk)
    db.session.flush()


# --- party-spirit analyses -------------------------------------------------------------------------

def analysis_of(meeting: OrgLifeMeeting, member_id: int) -> OrgLifeAnalysis | None:
    return db.session.scalar(sa.select(OrgLifeAnalysis).where(OrgLifeAnalysis.meeting_id == meeting.id,
                                                             OrgLifeAnalysis.member_id == member_id))


def write_analysis(meeting: OrgLifeMeeting, member: Member, text: str, nonce: str, actor_id: int,
                   today: dt.date) -> OrgLifeAnalysis:
    """The member's own analysis, written on the phone. Idempotent by the phone's nonce: a write
    already applied (even one a newer write overtook) is answered with the current text."""
    analysis = analysis_of(meeting, member.id)
    if analysis is not None:
        seen = db.session.scalar(sa.select(OrgLifeAnalysisRevision.id).where(
            OrgLifeAnalysisRevision.analysis_id == analysis.id, OrgLifeAnalysisRevision.nonce == nonce))
        if seen is not None:
            return analysis
    if not analysis_open(meeting, today):
        abort(409, message=f"The org-life meeting was held on {meeting_day(meeting).isoformat()}: party-spirit "
                           "analyses are written before it and can no longer be changed.")
    text = text.strip()
    if len(text) < 10:
        _field_error("text", "The analysis is too short (at least 10 characters).")
    now = clock.now()
    if analysis is None:
        analysis = OrgLifeAnalysis(meeting_id=meeting.id, member_id=member.id, version=0, submitted_at=now)
        db.session.add(analysis)
        db.session.flush()
    db.session.add(OrgLifeAnalysisRevision(analysis_id=analysis.id, nonce=nonce, text=text, written_by_id=actor_id,
                                           written_at=now))
    analysis.text = text
    analysis.on_paper = False
    analysis.version += 1
    analysis.updated_at = now
    db.session.flush()
    log_action(actor_id, "org_life.analysis_written", analysis, branch_id=meeting.branch_id, meeting_id=meeting.id,
               member_id=member.id, version=analysis.version)
    return analysis


def note_paper_analysis(meeting: OrgLifeMeeting, member_id: int, actor_id: int) -> OrgLifeAnalysis:
    """A member without a smartphone handed their analysis in on paper: the secretary notes it."""
    member = _member_of_branch(meeting, member_id, "member_id")
    analysis = analysis_of(meeting, member.id)
    if analysis is not None:
        abort(409, message="This member's analysis is already in" + (" (on paper)." if analysis.on_paper
                                                                     else ", written on the phone."))
    now = clock.now()
    analysis = OrgLifeAnalysis(meeting_id=meeting.id, member_id=member.id, text=None, on_paper=True, version=0,
                               submitted_at=now, updated_at=now)
    db.session.add(analysis)
    db.session.flush()
    log_action(actor_id, "org_life.analysis_on_paper", analysis, branch_id=meeting.branch_id, meeting_id=meeting.id,
               member_id=member.id)
    return analysis


def analyses(meeting: OrgLifeMeeting) -> list[OrgLifeAnalysis]:
    return db.session.scalars(sa.select(OrgLifeAnalysis).where(OrgLifeAnalysis.meeting_id == meeting.id)
                              .options(selectinload(OrgLifeAnalysis.member)).order_by(OrgLifeAnalysis.member_id)).all()


# --- at the meeting --------------------------------------------------------------------------------

def _at_the_meeting(meeting: OrgLifeMeeting, today: dt.date) -> None:
    if meeting.event.status == EventStatus.cancelled:
        abort(409, message="The meeting's event was cancelled; link the meeting to its new event first.")
    if not meeting_started(meeting, today):
        abort(409, message=f"This is recorded at the meeting, on {meeting_day(meeting).isoformat()} or after.")


def record_review(meeting: OrgLifeMeeting, item_id: int, data: dict, actor_id: int, today: dt.date) -> OrgLifeReview:
    """Last year's rectification item as the meeting reviewed it: its status and a note."""
    item = db.session.get(RectificationItem, item_id)
    if item is None or item.branch_id != meeting.branch_id or item.year != meeting.year - 1:
        abort(404, message=f"No such rectification item of {meeting.year - 1} in this branch.")
    _at_the_meeting(meeting, today)
    review = db.session.scalar(sa.select(OrgLifeReview).where(OrgLifeReview.meeting_id == meeting.id,
                                                             OrgLifeReview.item_id == item.id))
    if review is None:
        review = OrgLifeReview(meeting_id=meeting.id, item_id=item.id)
        db.session.add(review)
    review.status = ReviewStatus(data["status"])
    review.note = (data.get("note") or "").strip() or None
    review.recorded_by_id = actor_id
    review.recorded_at = clock.now()
    db.session.flush()
    log_action(actor_id, "org_life.review_recorded", review, branch_id=meeting.branch_id, meeting_id=meeting.id,
               item_id=item.id, status=review.status.value)
    return review


def record_criticism(meeting: OrgLifeMeeting, member_id: int, data: dict, actor_id: int,
                     today: dt.date) -> OrgLifeCriticism:
    """One member's self-criticism and the criticism they received, summarized at the meeting."""
    member = _member_of_branch(meeting, member_id, "member_id")
    _at_the_meeting(meeting, today)
    record = db.session.scalar(sa.select(OrgLifeCriticism).where(OrgLifeCriticism.meeting_id == meeting.id,
                                                                OrgLifeCriticism.member_id == member.id))
    if record is None:
        record = OrgLifeCriticism(meeting_id=meeting.id, member_id=member.id)
        db.session.add(record)
    record.self_criticism = data["self_criticism"].strip()
    record.criticism_received = data["criticism_received"].strip()
    record.recorded_by_id = actor_id
    record.recorded_at = clock.now()
    db.session.flush()
    log_action(actor_id, "org_life.criticism_recorded", record, branch_id=meeting.branch_id, meeting_id=meeting.id,
               member_id=member.id)
    return record


# --- the checklist ---------------------------------------------------------------------------------

@dataclasses.dataclass
class Loaded:
    """Everything the checklists of some meetings need, loaded with a fixed number of queries."""

    members: dict[int, list[Member]]  # branch id → its members on the meeting's day
    talks: dict[int, list[OrgLifeTalk]]
    analyses: dict[int, list[OrgLifeAnalysis]]
    criticisms: dict[int, list[OrgLifeCriticism]]
    reviews: dict[int, list[OrgLifeReview]]
    studies: dict[int, list[OrgLifeStudy]]
    opinions: dict[int, list[OrgLifeOpinion]]
    last_year_items: dict[int, list[RectificationItem]]  # meeting id → items of year - 1
    this_year_items: dict[int, list[RectificationItem]]
    filings: dict[int, list[Filing]]  # meeting id → the year's report, minutes and date-change filings
    minutes: set[int]  # event ids whose minutes have text or a photo


def _by(rows, key) -> dict[int, list]:
    out = defaultdict(list)
    for row in rows:
        out[key(row)].append(row)
    return out


def load(meetings: list[OrgLifeMeeting]) -> Loaded:
    ids = [m.id for m in meetings]
    branch_ids = {m.branch_id for m in meetings}
    members: dict[int, list[Member]] = {}
    if meetings:
        every = db.session.scalars(sa.select(Member).where(Member.branch_id.in_(branch_ids)).order_by(Member.id)).all()
        for m in meetings:
            day = meeting_day(m)
            members[m.id] = [x for x in every if x.branch_id == m.branch_id and (x.left_on is None or x.left_on >= day)]

    def rows(model, *options):
        if not ids:
            return {}
        return _by(db.session.scalars(sa.select(model).where(model.meeting_id.in_(ids)).options(*options)
                                      .order_by(model.id)), lambda r: r.meeting_id)

    years = {(m.branch_id, y) for m in meetings for y in (m.year - 1, m.year)}
    items = db.session.scalars(sa.select(RectificationItem).where(
        RectificationItem.branch_id.in_(branch_ids),
        RectificationItem.year.in_({y for _, y in years})).order_by(RectificationItem.id)).all() if meetings else []
    filings = db.session.scalars(sa.select(Filing).where(
        Filing.branch_id.in_(branch_ids), Filing.year.in_({m.year for m in meetings}),
        Filing.kind.in_([FilingKind.org_life_report, FilingKind.org_life_minutes, FilingKind.org_life_date_change]))
        .order_by(Filing.filed_at, Filing.id)).all() if meetings else []
    event_ids = [m.event_id for m in meetings]
    minutes = set()
    if event_ids:
        with_photo = set(db.session.scalars(sa.select(Minutes.event_id).join(MinutesPhoto)
                                            .where(Minutes.event_id.in_(event_ids))))
        for event_id, text in db.session.execute(sa.select(Minutes.event_id, Minutes.text)
                                                 .where(Minutes.event_id.in_(event_ids))):
            if (text or "").strip() or event_id in with_photo:
                minutes.add(event_id)
    return Loaded(
        members=members,
        talks=rows(OrgLifeTalk, selectinload(OrgLifeTalk.member_a), selectinload(OrgLifeTalk.member_b)),
        analyses=rows(OrgLifeAnalysis),
        criticisms=rows(OrgLifeCriticism),
        reviews=rows(OrgLifeReview),
        studies=rows(OrgLifeStudy, selectinload(OrgLifeStudy.event)),
        opinions=rows(OrgLifeOpinion),
        last_year_items={m.id: [i for i in items if i.branch_id == m.branch_id and i.year == m.year - 1]
                         for m in meetings},
        this_year_items={m.id: [i for i in items if i.branch_id == m.branch_id and i.year == m.year]
                         for m in meetings},
        filings={m.id: [f for f in filings if f.branch_id == m.branch_id and f.year == m.year] for m in meetings},
        minutes=minutes,
    )


def _who(members: list[Member]) -> list[dict]:
    return [{"member_id": m.id, "name": m.name} for m in members]


def checklist(meeting: OrgLifeMeeting, loaded: Loaded, today: dt.date) -> dict:
    """The meeting's checklist: preparation (theme, study, opinions, talks, analyses), at the
    meeting (last year's items reviewed, every member's criticism), after it (this year's items,
    announced to members, the report and minutes filed). Coverage rules: every member had at least
    one talk, handed in an analysis, and had their criticism recorded; `missing` names who has not."""
    members = loaded.members.get(meeting.id, [])
    talked = {x for t in loaded.talks.get(meeting.id, []) for x in (t.member_a_id, t.member_b_id)}
    analysed = {a.member_id for a in loaded.analyses.get(meeting.id, [])}
    criticized = {c.member_id for c in loaded.criticisms.get(meeting.id, [])}
    reviewed = {r.item_id for r in loaded.reviews.get(meeting.id, [])}
    last_year = loaded.last_year_items.get(meeting.id, [])
    this_year = loaded.this_year_items.get(meeting.id, [])
    filings = loaded.filings.get(meeting.id, [])
    reports = [f for f in filings if f.kind == FilingKind.org_life_report]
    minutes_filed = any(f.kind == FilingKind.org_life_minutes for f in filings) or any(
        f.event_id == meeting.event_id for f in reports)
    studies = loaded.studies.get(meeting.id, [])
    opinions = loaded.opinions.get(meeting.id, [])

    def item(key, phase, done, count=None, total=None, missing=None):
        return {"key": key, "phase": phase, "done": bool(done), "count": count, "total": total,
                "missing": _who(missing) if missing is not None else []}

    no_talk = [m for m in members if m.id not in talked]
    no_analysis = [m for m in members if m.id not in analysed]
    no_criticism = [m for m in members if m.id not in criticized]
    unannounced = [i for i in this_year if i.announced_at is None]
    items = [
        item("theme", "preparation", bool((meeting.event.theme or "").strip()) and bool(meeting.problems),
             len(meeting.problems)),
        item("study", "preparation", studies, len(studies)),
        item("opinions", "preparation", opinions, len(opinions)),
        item("talks", "preparation", members and not no_talk, len(members) - len(no_talk), len(members), no_talk),
        item("analyses", "preparation", members and not no_analysis, len(members) - len(no_analysis), len(members),
             no_analysis),
        item("review", "meeting", all(i.id in reviewed for i in last_year),
             sum(1 for i in last_year if i.id in reviewed), len(last_year)),
        item("criticism", "meeting", members and not no_criticism, len(members) - len(no_criticism), len(members),
             no_criticism),
        item("rectification", "after", this_year, len(this_year)),
        item("announcement", "after", this_year and not unannounced, len(this_year) - len(unannounced), len(this_year)),
        item("report", "after", reports and minutes_filed, len(reports)),
    ]
    preparation = [i for i in items if i["phase"] == "preparation"]
    return {
        "items": items,
        "preparation_done": sum(i["done"] for i in preparation),
        "preparation_total": len(preparation),
        "preparation_complete": all(i["done"] for i in preparation),
        "meeting_complete": all(i["done"] for i in items if i["phase"] == "meeting"),
    }


def _filing_row(f: Filing) -> dict:
    return {"id": f.id, "kind": f.kind.value, "title": f.title, "filed_at": f.filed_at, "requested_on": f.requested_on,
            "state": f.state, "decision_reason": f.decision_note, "event_id": f.event_id}


def _compliance(meeting: OrgLifeMeeting, today: dt.date) -> list[dict]:
    """OLM-held and OLM-report for the meeting's year, as the compliance view judges them."""
    from server.calendar.operations import current_calendar
    from server.compliance.facts import load_facts
    from server.compliance.messages import render
    from server.compliance.registry import REGISTRY, YEAR, Period, Scope

    facts = load_facts([meeting.branch], meeting.year, current_calendar(), today)[meeting.branch_id]
    out = []
    for rule_id in ("OLM-held", "OLM-report"):
        rule = REGISTRY[rule_id]
        result = rule.evaluate(Scope("branch"), Period(YEAR, meeting.year, 1), today, facts)
        step = result.next_step
        out.append({"rule": rule_id, "title": rule.title, "state": result.state.value, "deadline": result.deadline,
                    "details": result.evidence.details,
                    "next_step": None if step is None else {"key": step.key, "text": render(step)}})
    return out


def detail(meeting: OrgLifeMeeting, today: dt.date, *, manages: bool) -> dict:
    """The meeting's page: everything recorded, the checklist, the filings and the two rules. The
    committee reads it too (without the secretary's notes on talks); analyses' texts are not in it."""
    loaded = load([meeting])
    event = meeting.event
    day = meeting_day(meeting)
    members = loaded.members.get(meeting.id, [])
    talks = loaded.talks.get(meeting.id, [])
    analyses_in = {a.member_id: a for a in loaded.analyses.get(meeting.id, [])}
    criticisms = {c.member_id: c for c in loaded.criticisms.get(meeting.id, [])}
    reviews = {r.item_id: r for r in loaded.reviews.get(meeting.id, [])}
    filings = loaded.filings.get(meeting.id, [])
    changes = [f for f in filings if f.kind == FilingKind.org_life_date_change]
    needs_approval = not (day.year == meeting.year and day.month in USUAL_MONTHS)
    approved = [f for f in changes if f.decision == FilingDecision.approved and local_day(f.decided_at) <= day]
    talk_count = defaultdict(int)
    for t in talks:
        talk_count[t.member_a_id] += 1
        talk_count[t.member_b_id] += 1
    return {
        "id": meeting.id, "branch_id": meeting.branch_id, "branch_name": meeting.branch.name, "year": meeting.year,
        "event": {"id": event.id, "title": event.title, "theme": event.theme, "place": event.place,
                  "starts_at": event.starts_at, "status": event.status.value, "day": day},
        "theme": event.theme, "problems": meeting.problems,
        "held": is_held(meeting, today), "started": meeting_started(meeting, today),
        "analysis_open": analysis_open(meeting, today), "can_edit": manages,
        "checklist": checklist(meeting, loaded, today),
        "members": [{"member_id": m.id, "name": m.name, "talks": talk_count[m.id],
                     "analysis": (None if m.id not in analyses_in
                                  else "paper" if analyses_in[m.id].on_paper else "phone"),
                     "analysis_at": analyses_in[m.id].updated_at if m.id in analyses_in else None,
                     "criticism": m.id in criticisms} for m in members],
        "studies": [{"event_id": s.event_id, "title": s.event.title, "kind": s.event.kind.value,
                     "day": local_day(s.event.starts_at)} for s in loaded.studies.get(meeting.id, [])],
        "opinions": loaded.opinions.get(meeting.id, []),
        "talks": [{"id": t.id, "member_a_id": t.member_a_id, "member_a_name": t.member_a.name,
                   "member_b_id": t.member_b_id, "member_b_name": t.member_b.name, "held_on": t.held_on,
                   "note": t.note if manages else None} for t in sorted(talks, key=lambda t: (t.held_on, t.id))],
        "reviews": [{"item_id": i.id, "problem": i.problem, "measures": i.measures, "completed_on": i.completed_on,
                     "progress": i.progress,
                     "status": reviews[i.id].status.value if i.id in reviews else None,
                     "note": reviews[i.id].note if i.id in reviews else None,
                     "recorded_at": reviews[i.id].recorded_at if i.id in reviews else None}
                    for i in loaded.last_year_items.get(meeting.id, [])],
        "criticisms": [{"member_id": m.id, "name": m.name,
                        "self_criticism": criticisms[m.id].self_criticism if m.id in criticisms else None,
                        "criticism_received": criticisms[m.id].criticism_received if m.id in criticisms else None,
                        "recorded_at": criticisms[m.id].recorded_at if m.id in criticisms else None}
                       for m in members],
        "rectification": [{"id": i.id, "problem": i.problem, "announced_at": i.announced_at,
                           "completed_on": i.completed_on} for i in loaded.this_year_items.get(meeting.id, [])],
        "date_change": {"needed": needs_approval, "approved": bool(approved),
                        "filings": [_filing_row(f) for f in changes]},
        "report": {"deadline": day + dt.timedelta(days=REPORT_DAYS), "minutes_written": event.id in loaded.minutes,
                   "filings": [_filing_row(f) for f in filings if f.kind != FilingKind.org_life_date_change]},
        "compliance": _compliance(meeting, today),
    }


def branch_meetings(branch: Branch, today: dt.date) -> list[dict]:
    meetings = db.session.scalars(sa.select(OrgLifeMeeting).where(OrgLifeMeeting.branch_id == branch.id)
                                  .options(selectinload(OrgLifeMeeting.event), selectinload(OrgLifeMeeting.branch))
                                  .order_by(OrgLifeMeeting.year.desc())).all()
    return summaries(meetings, today)


def summaries(meetings: list[OrgLifeMeeting], today: dt.date) -> list[dict]:
    loaded = load(meetings)
    out = []
    for m in meetings:
        c = checklist(m, loaded, today)
        out.append({"id": m.id, "branch_id": m.branch_id, "branch_name": m.branch.name, "year": m.year,
                    "event_id": m.event_id, "day": meeting_day(m), "status": m.event.status.value,
                    "theme": m.event.theme, "held": is_held(m, today),
                    "preparation_done": c["preparation_done"], "preparation_total": c["preparation_total"],
                    "preparation_complete": c["preparation_complete"], "meeting_complete": c["meeting_complete"],
                    "open_items": [i["key"] for i in c["items"] if not i["done"]]})
    return out


def committee_view(branch_ids: set[int], year: int, today: dt.date) -> list[dict]:
    """Every branch under the committee with its meeting of `year` (or none yet): the checklist's state."""
    branches = db.session.scalars(sa.select(Branch).where(Branch.id.in_(branch_ids)).order_by(Branch.id)).all() \
        if branch_ids else []
    meetings = db.session.scalars(sa.select(OrgLifeMeeting).where(OrgLifeMeeting.branch_id.in_(branch_ids),
                                                                  OrgLifeMeeting.year == year)
                                  .options(selectinload(OrgLifeMeeting.event), selectinload(OrgLifeMeeting.branch))
                                  ).all() if branch_ids else []
    by_branch = {s["branch_id"]: s for s in summaries(meetings, today)}
    pending = _by(db.session.scalars(sa.select(Filing).where(
        Filing.branch_id.in_(branch_ids), Filing.year == year, Filing.kind == FilingKind.org_life_date_change,
        Filing.decision.is_(None))), lambda f: f.branch_id) if branch_ids else {}
    return [{"branch_id": b.id, "branch_name": b.name, "meeting": by_branch.get(b.id),
             "pending_date_changes": [_filing_row(f) for f in pending.get(b.id, [])]} for b in branches]


def my_view(member: Member | None, today: dt.date) -> dict:
    """The member's org-life meeting (their branch's latest): its theme and day, their own analysis
    and the talks they took part in (who and when)."""
    if member is None:
        return {"exists": False}
    meeting = db.session.scalar(sa.select(OrgLifeMeeting).where(OrgLifeMeeting.branch_id == member.branch_id)
                                .order_by(OrgLifeMeeting.year.desc()).limit(1))
    if meeting is None:
        return {"exists": False}
    talks = db.session.scalars(sa.select(OrgLifeTalk).where(
        OrgLifeTalk.meeting_id == meeting.id,
        sa.or_(OrgLifeTalk.member_a_id == member.id, OrgLifeTalk.member_b_id == member.id))
        .order_by(OrgLifeTalk.held_on, OrgLifeTalk.id)).all()
    event = meeting.event
    return {
        "exists": True, "meeting_id": meeting.id, "year": meeting.year, "theme": event.theme,
        "problems": meeting.problems, "day": meeting_day(meeting), "starts_at": event.starts_at, "place": event.place,
        "event_id": event.id, "held": is_held(meeting, today), "analysis_open": analysis_open(meeting, today),
        "analysis": analysis_of(meeting, member.id),
        "talks": [{"id": t.id, "held_on": t.held_on,
                   "with_name": (t.member_b if t.member_a_id == member.id else t.member_a).name} for t in talks],
    }
