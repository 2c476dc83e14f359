"""The secretary's annual review (述职评议): generated from the year's compliance, written by the
branch secretary, graded or returned by the committee over the branch. Domain code only flushes;
the request commits."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from flask_smorest import abort

from server.audit.operations import log_action
from server.calendar.operations import current_calendar
from server.compliance.facts import load_facts
from server.compliance.messages import STATE_ZH as RULE_STATE_ZH
from server.compliance.operations import evaluate
from server.compliance.registry import REGISTRY, SYSTEM_NAMES, State
from server.core.db import db
from server.core.enums import BranchRoleKind
from server.corrections.operations import year_summary as corrections_summary
from server.org.models import Branch, BranchRole, Member
from server.secretary_review.models import (
    GRADE_ZH,
    SECTION_KEYS,
    SECTIONS,
    STATE_ZH,
    ReviewGrade,
    ReviewState,
    SecretaryReview,
)
from sync import clock

FIRST_YEAR = 2000
EDITABLE = (ReviewState.draft, ReviewState.returned)


# --- the generated facts ---------------------------------------------------------------------------

def _year_rows(branch: Branch, year: int, today: dt.date) -> list[dict]:
    """Every judgement of the year so far: each rule over each of its months, quarters and the year
    (a rule judged per group once per group), from one load of the year's facts."""
    facts = load_facts([branch], year, current_calendar(), today)[branch.id]
    last_month = 12 if year < today.year else today.month
    rows, seen = [], set()
    for month in range(1, last_month + 1):
        for row in evaluate(facts, year, month, today):
            key = (row["rule"], row["period"], row["scope"]["group_id"])
            if key not in seen:
                seen.add(key)
                rows.append(row)
    return rows


def _where(row: dict) -> str:
    group = row["scope"]["group_name"]
    return f"{row['period_zh']}" + (f"（{group}）" if group else "")


def generate_facts(branch: Branch, year: int, today: dt.date, secretary: Member | None) -> dict:
    """The year's compliance as the review's facts: counts, each rule's tally, what was missed or late
    with its reason, the evaluation meeting, the quarters' dues remittances, the correction requests
    the committee sent in the year (requested, closed, one line each: server/corrections), and the
    generated lines of each section."""
    rows = [r for r in _year_rows(branch, year, today) if r["state"] != State.not_applicable.value]
    tally: dict[str, dict] = {}
    for r in rows:
        t = tally.setdefault(r["rule"], {"rule": r["rule"], "title": r["title"],
                                         "system_name": SYSTEM_NAMES[REGISTRY[r["rule"]].system],
                                         **{s.value: 0 for s in (State.met, State.late, State.missed, State.due)}})
        t[r["state"]] += 1
    summary = {s.value: sum(1 for r in rows if r["state"] == s.value)
               for s in (State.met, State.late, State.missed, State.due)}
    problems = [{"rule": r["rule"], "title": r["title"], "where": _where(r), "state": r["state"],
                 "state_zh": RULE_STATE_ZH[State(r["state"])],
                 "reason": r["next_step"]["text"] if r["next_step"] else "",
                 "details": r["evidence"]["details"]}
                for r in rows if r["state"] in (State.missed.value, State.late.value)]
    due = [{"title": r["title"], "where": _where(r), "next": r["next_step"]["text"] if r["next_step"] else ""}
           for r in rows if r["state"] == State.due.value]
    evaluation = [{"where": _where(r), "state": r["state"], "state_zh": RULE_STATE_ZH[State(r["state"])],
                   "note": r["next_step"]["text"] if r["next_step"] else ""}
                  for r in rows if r["rule"] == "EVAL-held"]
    remittances = [{"where": _where(r), "state": r["state"], "state_zh": RULE_STATE_ZH[State(r["state"])]}
                   for r in rows if r["rule"] == "DUES-remit"]
    corrections = corrections_summary(branch.id, year)
    return {
        "generated_on": today.isoformat(), "year": year, "branch_name": branch.name,
        "secretary_name": secretary.name if secretary else None,
        "summary": summary, "rules": list(tally.values()), "problems": problems, "due": due,
        "evaluation": evaluation, "dues_remit": remittances, "corrections": corrections,
        "lines": _lines(year, summary, tally, problems, due, evaluation, remittances, corrections),
    }


def _lines(year, summary, tally, problems, due, evaluation, remittances, corrections) -> dict[str, list[str]]:
    """The generated facts of each section, in Chinese, as the material prints them."""
    judged = sum(summary.values())
    performance = [f"{year}年度共评判制度要求{judged}项次：按时落实{summary['met']}项次，逾期落实{summary['late']}项次，"
                   f"未落实{summary['missed']}项次，尚在期限内{summary['due']}项次。"]
    by_system: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for t in tally.values():
        by_system[t["system_name"]][0] += t["met"] + t["late"]
        by_system[t["system_name"]][1] += t["met"] + t["late"] + t["missed"] + t["due"]
    performance += [f"{name}：落实{done}/{total}项次。" for name, (done, total) in by_system.items()]
    performance += [f"民主评议党员大会（{e['where']}）：{e['state_zh']}" + (f"，{e['note']}" if e["note"] else "") + "。"
                    for e in evaluation]
    if remittances:
        performance.append("党费按季度上缴：" + "；".join(f"{r['where']}{r['state_zh']}" for r in remittances) + "。")
    problem_lines = [f"{p['where']}{p['title']}：{p['state_zh']}" + (f"（{p['reason']}）" if p["reason"] else "") + "。"
                     for p in problems] or ["全年各项制度要求均按时落实。"]
    measures = []
    if corrections["requested"]:
        measures.append(f"上级党委下发整改通知{corrections['requested']}件，已整改销号{corrections['closed']}件。")
        measures += corrections["lines"]
    plans = [f"{d['title']}（{d['where']}）：{d['next']}" if d["next"] else f"{d['title']}（{d['where']}）" for d in due]
    return {"performance": performance, "problems": problem_lines, "measures": measures, "plans": plans}


# --- reading ---------------------------------------------------------------------------------------

def check_year(year: int, today: dt.date) -> None:
    if not FIRST_YEAR <= year <= today.year:
        abort(404, message=f"A review is for a year from {FIRST_YEAR} to this year.")


def review_of(branch_id: int, year: int) -> SecretaryReview | None:
    return db.session.scalar(sa.select(SecretaryReview).where(SecretaryReview.branch_id == branch_id,
                                                              SecretaryReview.year == year))


def current_secretary(branch_id: int, today: dt.date) -> Member | None:
    roles = db.session.scalars(sa.select(BranchRole).where(BranchRole.branch_id == branch_id,
                                                           BranchRole.role == BranchRoleKind.secretary)
                               .order_by(BranchRole.starts_on.desc(), BranchRole.id.desc())).all()
    return next((r.member for r in roles if r.is_current(today)), None)


def detail(branch: Branch, year: int, review: SecretaryReview | None, today: dt.date, *,
           writes: bool, grades: bool) -> dict:
    """The review's page: its facts (the frozen snapshot once submitted, else generated afresh), the
    sections, the state and what the caller may do with it."""
    if review is not None and review.state not in EDITABLE:
        facts = review.facts
    else:
        secretary = review.secretary if review is not None else current_secretary(branch.id, today)
        facts = generate_facts(branch, year, today, secretary)
    state = review.state if review is not None else None
    return {
        "id": review.id if review else None, "branch_id": branch.id, "branch_name": branch.name,
        "committee_name": branch.committee.name, "year": year,
        "state": state.value if state else "none", "state_zh": STATE_ZH[state] if state else "未开始",
        "grade": review.grade.value if review and review.grade else None,
        "grade_zh": GRADE_ZH[review.grade] if review and review.grade else None,
        "comment": review.comment if review else None,
        "return_reason": review.return_reason if review else None,
        "secretary_name": facts.get("secretary_name"),
        "submitted_at": review.submitted_at if review else None,
        "reviewed_at": review.reviewed_at if review else None,
        "facts": facts,
        "sections": [{"key": key, "title": title, "generated": facts["lines"][key],
                      "text": (review.sections.get(key, "") if review else "")} for key, title in SECTIONS],
        "may_edit": writes and (state is None or state in EDITABLE),
        "may_submit": writes and state in EDITABLE,
        "may_grade": grades and state == ReviewState.submitted,
    }


def committee_rows(branch_ids: set[int], year: int) -> list[dict]:
    branches = db.session.scalars(sa.select(Branch).where(Branch.id.in_(branch_ids)).order_by(Branch.id)).all() \
        if branch_ids else []
    reviews = {r.branch_id: r for r in db.session.scalars(
        sa.select(SecretaryReview).where(SecretaryReview.year == year, SecretaryReview.branch_id.in_(branch_ids)))} \
        if branch_ids else {}
    rows = []
    for b in branches:
        r = reviews.get(b.id)
        rows.append({"branch_id": b.id, "branch_name": b.name, "year": year, "review_id": r.id if r else None,
                     "state": r.state.value if r else "none", "state_zh": STATE_ZH[r.state] if r else "未开始",
                     "grade": r.grade.value if r and r.grade else None,
                     "grade_zh": GRADE_ZH[r.grade] if r and r.grade else None,
                     "secretary_name": r.secretary.name if r else None,
                     "submitted_at": r.submitted_at if r else None})
    return rows


# --- changes ---------------------------------------------------------------------------------------

def save(branch: Branch, year: int, sections: dict, secretary: Member, actor_id: int, today: dt.date) -> SecretaryReview:
    """The secretary's text of the four sections (the whole text of each); the facts are taken again.
    Creates the year's review on first save; 409 once it is submitted or graded."""
    review = review_of(branch.id, year)
    if review is None:
        review = SecretaryReview(branch_id=branch.id, year=year, state=ReviewState.draft, sections={})
        db.session.add(review)
    elif review.state not in EDITABLE:
        abort(409, message="The review was submitted; it can be edited again only if the committee returns it.")
    review.secretary_id = secretary.id
    review.secretary = secretary
    review.sections = {key: (sections.get(key) or "").strip() for key in SECTION_KEYS}
    review.facts = generate_facts(branch, year, today, secretary)
    db.session.flush()
    log_action(actor_id, "secretary_review.save", review, branch_id=branch.id, year=year)
    return review


def submit(review: SecretaryReview, actor_id: int, today: dt.date) -> SecretaryReview:
    """Draft or returned → submitted, the facts frozen as of today; every section must have text."""
    if review.state not in EDITABLE:
        abort(409, message="The review is already submitted.")
    empty = [key for key in SECTION_KEYS if not (review.sections or {}).get(key)]
    if empty:
        abort(422, message="Every section needs the secretary's text before the review is submitted.",
              errors={"sections": {key: ["Write this section."] for key in empty}})
    review.facts = generate_facts(review.branch, review.year, today, review.secretary)
    review.state = ReviewState.submitted
    review.submitted_at = clock.now()
    review.return_reason = None
    db.session.flush()
    log_action(actor_id, "secretary_review.submit", review, branch_id=review.branch_id, year=review.year)
    return review


def _submitted(review: SecretaryReview) -> None:
    if review.state != ReviewState.submitted:
        abort(409, message="Only a submitted review is graded or returned.")


def grade(review: SecretaryReview, grade_value: ReviewGrade, comment: str | None, actor_id: int) -> SecretaryReview:
    _submitted(review)
    review.state = ReviewState.graded
    review.grade = grade_value
    review.comment = (comment or "").strip() or None
    review.reviewed_at = clock.now()
    review.reviewed_by_id = actor_id
    db.session.flush()
    log_action(actor_id, "secretary_review.grade", review, branch_id=review.branch_id, year=review.year,
               grade=grade_value.value)
    return review


def return_review(review: SecretaryReview, reason: str, actor_id: int) -> SecretaryReview:
    _submitted(review)
    review.state = ReviewState.returned
    review.return_reason = reason.strip()
    review.reviewed_at = clock.now()
    review.reviewed_by_id = actor_id
    db.session.flush()
    log_action(actor_id, "secretary_review.return", review, branch_id=review.branch_id, year=review.year)
    return review
