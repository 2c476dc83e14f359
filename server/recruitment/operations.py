"""Recruitment cases: new applicants, the next step (checked by pipeline.check), contacts,
assessment reminders, and the views of the organizer, the committee and the person themself.
Operations only flush; the request commits. Every change is in the audit log."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from server.audit.operations import log_action
from server.auth.models import User
from server.compliance.messages import render
from server.core.api import abort
from server.core.db import db
from server.core.enums import MANAGING_ROLES, BranchRoleKind, FilingKind, MemberStatus, RecruitmentStage
from server.filings import operations as filings
from server.filings.models import Filing
from server.notifications.models import Notification, NotificationKind
from server.notifications.operations import notify_members
from server.org import operations as org
from server.org.models import Branch, BranchRole, Group, Member
from server.recruitment import pipeline
from server.recruitment.models import RecruitmentCase, RecruitmentContact, RecruitmentReminder, RecruitmentStep
from server.recruitment.pipeline import COMMITTEE, STEPS, Outcome, Refused, StepKind
from server.recruitment.rules import next_step, to_contact, to_step
from sync import clock

Stage = RecruitmentStage
ACTIVE = frozenset({Stage.applicant, Stage.activist, Stage.candidate, Stage.probationary})
STAGE_ORDER = tuple(Stage)


def refuse(refusal: Refused):
    """409, naming the rule: `errors.rule` (its id), `errors.rule_text` (the rule in Chinese) and
    `errors.params` (the dates and numbers behind the refusal)."""
    params = {k: (v.isoformat() if isinstance(v, dt.date) else getattr(v, "value", v))
              for k, v in refusal.params.items()}
    if isinstance(params.get("missing"), list):
        params["missing"] = [getattr(m, "value", m) for m in params["missing"]]
    abort(409, message=f"Refused by rule {refusal.rule}: {refusal.text}",
          errors={"rule": refusal.rule, "rule_text": refusal.text, "params": params})


def case_facts(case: RecruitmentCase) -> pipeline.Case:
    steps = [to_step(s) for s in case.steps]
    contacts = [to_contact(c, c.member.name) for c in case.contacts]
    return pipeline.Case(case.name, tuple(steps), case.id, case.birth_date, tuple(contacts), case.member_id)


def _check_group(branch_id: int, group_id: int | None) -> None:
    org.check_group_in_branch(branch_id, group_id)


# --- a new applicant, corrections ------------------------------------------------------------------

def create_case(branch: Branch, data: dict, actor_id: int | None, today: dt.date) -> RecruitmentCase:
    """A new applicant: the case and its first step, the letter (入党申请书) with its date."""
    _check_group(branch.id, data.get("group_id"))
    note = data.pop("note", None)
    applied_on = data["applied_on"]
    try:
        pipeline.check(pipeline.Case(data["name"], (), birth_date=data.get("birth_date")),
                       pipeline.Step(StepKind.application, applied_on), today)
    except Refused as refusal:
        refuse(refusal)
    case = RecruitmentCase(branch_id=branch.id, stage=Stage.applicant, **data)
    db.session.add(case)
    db.session.flush()
    step = RecruitmentStep(case_id=case.id, kind=StepKind.application, on=applied_on,
                           decided_by=pipeline.Body.applicant, note=note, from_stage=None,
                           to_stage=Stage.applicant, recorded_by_id=actor_id, recorded_at=clock.now())
    db.session.add(step)
    db.session.flush()
    log_action(actor_id, "recruitment.case_created", case, branch_id=branch.id, applied_on=applied_on.isoformat())
    db.session.refresh(case)
    return case


def update_case(case: RecruitmentCase, changes: dict, actor_id: int | None) -> RecruitmentCase:
    if "group_id" in changes:
        _check_group(case.branch_id, changes["group_id"])
    old = {k: org._plain(getattr(case, k)) for k in changes}
    for key, value in changes.items():
        setattr(case, key, value)
    db.session.flush()
    log_action(actor_id, "recruitment.case_updated", case, branch_id=case.branch_id, old=old,
               new={k: org._plain(v) for k, v in changes.items()})
    return case


# --- the next step ---------------------------------------------------------------------------------

def may_record(p, case: RecruitmentCase, kind: StepKind) -> bool:
    """Branch steps: the branch's secretary, deputy or organizer; the superior committee's steps
    (pre-review, approvals): accounts of a committee over the branch."""
    return p.oversees(case.branch_id) if STEPS[kind].actor == COMMITTEE else p.manages(case.branch_id)


def _field_error(field: str, message: str):
    abort(422, message=message, errors={"json": {field: [message]}})


def _check_shape(kind: StepKind, data: dict) -> None:
    """What the step carries: who decided (one of its bodies), a vote for the assembly's steps, an
    outcome (and an extension's length) for the conversion discussion."""
    spec = STEPS[kind]
    if data.get("decided_by") is None:
        data["decided_by"] = spec.bodies[0]
    elif data["decided_by"] not in spec.bodies:
        _field_error("decided_by", f"Decided by one of: {', '.join(b.value for b in spec.bodies)}.")
    if spec.votes and data.get("votes") is None:
        _field_error("votes", "A vote of the general assembly needs its count.")
    if not spec.votes and data.get("votes") is not None:
        _field_error("votes", "Only the general assembly's steps have a vote.")
    if kind == StepKind.conversion_discussion:
        if data.get("outcome") is None:
            _field_error("outcome", "Say what the assembly decided: convert, extend or cancel.")
        if (data["outcome"] == Outcome.extend) != (data.get("extension_months") is not None):
            _field_error("extension_months", "An extension, and only an extension, has a length in months.")
    elif data.get("outcome") is not None or data.get("extension_months") is not None:
        _field_error("outcome", "Only the conversion discussion has an outcome.")
    if kind == StepKind.discontinued and not (data.get("note") or "").strip():
        _field_error("note", "Say why the branch stops (the decision is recorded).")


FILING_TITLES = {
    StepKind.activist: "关于确定{name}为入党积极分子的备案",
    StepKind.candidate: "关于确定{name}为发展对象的备案",
    StepKind.committee_review: "关于{name}发展对象预审的请示",
    StepKind.admission_vote: "关于接收{name}为预备党员的请示",
    (StepKind.conversion_discussion, Outcome.convert): "关于{name}同志预备党员转正的请示",
    (StepKind.conversion_discussion, Outcome.extend): "关于延长{name}同志预备期的请示",
    (StepKind.conversion_discussion, Outcome.cancel): "关于取消{name}预备党员资格的请示",
}
BODY_ZH = {pipeline.Body.applicant: "本人", pipeline.Body.branch: "党支部", pipeline.Body.contacts: "培养联系人",
           pipeline.Body.branch_committee: "支部委员会", pipeline.Body.general_assembly: "支部党员大会",
           pipeline.Body.superior_committee: "上级党委"}
# The committee's step answers the filing of the branch's step before it.
ANSWERS = {StepKind.pre_review: StepKind.committee_review, StepKind.admission_approval: StepKind.admission_vote,
           StepKind.conversion_approval: StepKind.conversion_discussion}


def _file(case: RecruitmentCase, step: RecruitmentStep, actor_id: int | None) -> Filing:
    key = (step.kind, step.outcome) if step.kind == StepKind.conversion_discussion else step.kind
    title = FILING_TITLES[key].format(name=case.name)
    lines = [f"{step.on.year}年{step.on.month}月{step.on.day}日，{BODY_ZH[step.decided_by]}{STEPS[step.kind].title_zh}。"]
    if step.votes_for is not None:
        lines.append(f"应到会有表决权的正式党员{step.entitled}人，到会{step.present}人；"
                     f"赞成{step.votes_for}票，反对{step.votes_against}票，弃权{step.abstentions}票。")
    if step.extension_months:
        lines.append(f"延长预备期{step.extension_months}个月。")
    if step.note:
        lines.append(step.note)
    return filings.submit_filing(case.branch, {
        "kind": FilingKind.recruitment, "year": step.on.year, "period": None, "title": title[:200],
        "body": "\n".join(lines), "event_id": None, "requested_on": None,
    }, actor_id, details={"recruitment_case_id": case.id, "step": step.kind.value})


def record_step(case: RecruitmentCase, data: dict, actor_id: int | None, today: dt.date) -> RecruitmentStep:
    """Record the case's next step, if the rules allow it today (else 409 naming the rule); its
    effects: the stage, the filing, and the member (created probationary on the committee's
    approval, made full, or marked as having left when probation is cancelled)."""
    data = dict(data)
    kind = StepKind(data.pop("kind"))
    _check_shape(kind, data)
    votes = data.pop("votes", None)
    file = data.pop("file", True)
    filing_id = data.get("filing_id")
    if filing_id is not None:
        filing = db.session.get(Filing, filing_id)
        if filing is None or filing.branch_id != case.branch_id:
            _field_error("filing_id", "Not a filing of this branch.")
    proposed = pipeline.Step(kind, data["on"], decided_by=data["decided_by"],
                             votes=pipeline.Votes(**votes) if votes else None, outcome=data.get("outcome"),
                             extension_months=data.get("extension_months"))
    try:
        after = pipeline.check(case_facts(case), proposed, today)
    except Refused as refusal:
        refuse(refusal)
    step = RecruitmentStep(case_id=case.id, kind=kind, from_stage=case.stage, to_stage=after.stage,
                           recorded_by_id=actor_id, recorded_at=clock.now(), **(votes or {}), **data)
    db.session.add(step)
    case.stage = after.stage
    case.probation_ends_on = after.probation_ends_on
    case.updated_at = clock.now()
    db.session.flush()
    if STEPS[kind].files and step.filing_id is None and file:
        step.filing_id = _file(case, step, actor_id).id
    if kind in ANSWERS:
        _answer_filing(case, ANSWERS[kind], step, actor_id)
    _effects(case, step, after, actor_id)
    db.session.flush()
    log_action(actor_id, "recruitment.step", step, branch_id=case.branch_id, case_id=case.id, kind=kind.value,
               on=step.on.isoformat(), from_stage=org._plain(step.from_stage), to_stage=step.to_stage.value,
               decided_by=org._plain(step.decided_by), votes=votes, outcome=org._plain(step.outcome),
               extension_months=step.extension_months, filing_id=step.filing_id)
    db.session.expire(case, ["steps"])
    return step


def _answer_filing(case: RecruitmentCase, asked: StepKind, step: RecruitmentStep, actor_id: int | None) -> None:
    """The committee's step accepts the branch's filing that asked for it (when still undecided)."""
    asking = next((s for s in reversed(case.steps) if s.kind == asked and s.id != step.id), None)
    if asking is not None and asking.filing is not None and asking.filing.decision is None:
        filings.decide(asking.filing, True, step.note, actor_id)


def _effects(case: RecruitmentCase, step: RecruitmentStep, after: pipeline.Standing, actor_id: int | None) -> None:
    if step.kind == StepKind.admission_approval:
        # A probationary member of the branch from the day the assembly voted: dues start then (SPEC system 8).
        if case.member_id is None:
            member = org.create_member(case.branch, {
                "name": case.name, "status": MemberStatus.probationary, "group_id": case.group_id,
                "admitted_on": after.admitted_on, "full_since": None, "phone": case.phone,
            }, actor_id)
            case.member_id = member.id
        else:
            _update_member(case.member, {"status": MemberStatus.probationary, "admitted_on": after.admitted_on},
                           actor_id)
    elif step.kind == StepKind.conversion_approval and case.member is not None:
        if after.stage == Stage.full:
            # 转正时间: the day probation ended, whenever the assembly met and the committee approved.
            _update_member(case.member, {"status": MemberStatus.full, "full_since": after.full_since}, actor_id)
        elif after.stage == Stage.cancelled:
            _update_member(case.member, {"left_on": step.on}, actor_id)


def _update_member(member: Member, changes: dict, actor_id: int | None) -> None:
    changes = {k: v for k, v in changes.items() if getattr(member, k) != v}
    if changes:
        org.update_member(member, changes, actor_id)


# --- contacts ---------------------------------------------------------------------------------------

def set_contacts(case: RecruitmentCase, member_ids: list[int], on: dt.date, actor_id: int | None,
                 today: dt.date) -> RecruitmentCase:
    """The activist's contacts from `on`: 1–2 current full members of the branch (not the person
    themself); contacts not named again stop on `on`."""
    standing = pipeline.replay(case_facts(case).steps)
    try:
        if case.stage not in (Stage.activist, Stage.candidate):
            raise Refused("step_order", kind="contacts", stage=case.stage)
        if on > today:
            raise Refused("not_in_future", on=on, today=today)
        if on < standing.activist_on:
            raise Refused("not_before_previous", earliest=standing.activist_on)
        members = {m.id: m for m in db.session.scalars(sa.select(Member).where(Member.id.in_(member_ids)))}
        eligible = [(m, _is_full_member(members.get(m), case.branch_id, on)) for m in member_ids]
        problem = pipeline.contacts_problem(eligible, case.member_id)
        if problem:
            raise Refused(problem, member_ids=member_ids)
    except Refused as refusal:
        refuse(refusal)
    current = {c.member_id: c for c in case.contacts if c.ended_on is None}
    for member_id, contact in current.items():
        if member_id not in member_ids:
            contact.ended_on = on
    for member_id in member_ids:
        if member_id not in current:
            db.session.add(RecruitmentContact(case_id=case.id, member_id=member_id, assigned_on=on,
                                              assigned_by_id=actor_id))
    case.updated_at = clock.now()
    db.session.flush()
    log_action(actor_id, "recruitment.contacts", case, branch_id=case.branch_id, member_ids=member_ids,
               on=on.isoformat(), ended=[m for m in current if m not in member_ids])
    db.session.expire(case, ["contacts"])
    return case


def _is_full_member(member: Member | None, branch_id: int, on: dt.date) -> bool:
    return (member is not None and member.branch_id == branch_id and member.status == MemberStatus.full
            and (member.left_on is None or member.left_on > on))


# --- views ----------------------------------------------------------------------------------------

def _obligation_rows(facts: pipeline.Case, today: dt.date) -> list[dict]:
    rows = []
    for ob in pipeline.obligations(facts):
        state = pipeline.obligation_state(ob, today)
        key = f"rec.{ob.key}.{state.value}"
        step = next_step(facts, ob, key)
        rows.append({"key": ob.key, "rule": ob.rule, "since": ob.since, "opens_on": ob.opens_on,
                     "deadline": ob.deadline, "done_on": ob.done_on, "step_id": ob.step_id, "state": state.value,
                     "text": render(step)})
    return rows


def _summary(case: RecruitmentCase, facts: pipeline.Case, today: dt.date) -> dict:
    standing = pipeline.replay(facts.steps)
    obligations = _obligation_rows(facts, today)
    overdue = [o for o in obligations if o["state"] == "overdue"]
    due = sorted((o for o in obligations if o["state"] == "due"), key=lambda o: o["deadline"])
    upcoming = (overdue or due or [None])[0]
    awaiting = any(o.actor == COMMITTEE and o.blocked is None for o in pipeline.options(facts, today))
    return {
        "id": case.id, "branch_id": case.branch_id, "branch_name": case.branch.name, "name": case.name,
        "gender": case.gender, "group_id": case.group_id, "group_name": case.group.name if case.group else None,
        "stage": case.stage, "stage_since": standing.since, "active": case.stage in ACTIVE,
        "applied_on": case.applied_on, "member_id": case.member_id, "probation_ends_on": case.probation_ends_on,
        "contacts": [c.name for c in facts.contacts if c.ended_on is None],
        "overdue": [o["text"] for o in overdue],
        "next_text": upcoming["text"] if upcoming else None,
        "next_deadline": upcoming["deadline"] if upcoming else None,
        "awaiting_committee": awaiting,
    }


def _sort_key(row: dict):
    return (not row["active"], not row["overdue"], not row["awaiting_committee"],
            row["next_deadline"] or dt.date.max, STAGE_ORDER.index(row["stage"]), row["name"])


def _load(stmt) -> list[RecruitmentCase]:
    return db.session.scalars(stmt.options(
        selectinload(RecruitmentCase.steps),
        selectinload(RecruitmentCase.contacts).selectinload(RecruitmentContact.member),
        selectinload(RecruitmentCase.branch), selectinload(RecruitmentCase.group))).all()


def branch_view(branch: Branch, today: dt.date) -> dict:
    """Everyone on the road to membership in the branch (and those who finished it), overdue first."""
    cases = _load(sa.select(RecruitmentCase).where(RecruitmentCase.branch_id == branch.id))
    rows = sorted((_summary(c, case_facts(c), today) for c in cases), key=_sort_key)
    counts = {s.value: sum(1 for r in rows if r["stage"] == s) for s in Stage}
    groups = db.session.scalars(sa.select(Group).where(Group.branch_id == branch.id).order_by(Group.id)).all()
    return {"branch_id": branch.id, "branch_name": branch.name, "committee_name": branch.committee.name,
            "today": today, "counts": counts, "cases": rows, "groups": [{"id": g.id, "name": g.name} for g in groups]}


def committee_view(committee, branch_ids, today: dt.date, everything: bool) -> dict:
    """The active cases of the branches under the committee: those awaiting its decision first
    (only those unless `everything`)."""
    cases = _load(sa.select(RecruitmentCase).where(RecruitmentCase.branch_id.in_(branch_ids),
                                                   RecruitmentCase.stage.in_(ACTIVE))) if branch_ids else []
    rows = [_summary(c, case_facts(c), today) for c in cases]
    if not everything:
        rows = [r for r in rows if r["awaiting_committee"]]
    return {"committee_id": committee.id, "committee_name": committee.name, "today": today,
            "cases": sorted(rows, key=_sort_key)}


def full_members(branch_id: int, today: dt.date) -> list[Member]:
    return db.session.scalars(sa.select(Member).where(
        Member.branch_id == branch_id, Member.status == MemberStatus.full,
        sa.or_(Member.left_on.is_(None), Member.left_on > today)).order_by(Member.id)).all()


def _step_row(step: RecruitmentStep, users: dict[int, str]) -> dict:
    return {
        "id": step.id, "kind": step.kind, "title": STEPS[step.kind].title_zh, "on": step.on,
        "decided_by": step.decided_by, "document": step.document, "filing_id": step.filing_id,
        "filing_state": step.filing.state if step.filing else None, "note": step.note,
        "votes_for": step.votes_for, "votes_against": step.votes_against, "abstentions": step.abstentions,
        "present": step.present, "entitled": step.entitled, "outcome": step.outcome,
        "extension_months": step.extension_months, "from_stage": step.from_stage, "to_stage": step.to_stage,
        "recorded_by": users.get(step.recorded_by_id), "recorded_at": step.recorded_at,
    }


def case_view(case: RecruitmentCase, today: dt.date, p) -> dict:
    """A case's page: its timeline, contacts, assessments, timed steps and what may come next."""
    facts = case_facts(case)
    standing = pipeline.replay(facts.steps)
    user_ids = {s.recorded_by_id for s in case.steps if s.recorded_by_id}
    users = dict(db.session.execute(sa.select(User.id, User.username).where(User.id.in_(user_ids))).all()) \
        if user_ids else {}
    steps = [_step_row(s, users) for s in pipeline_order(case.steps)]
    options = []
    for o in pipeline.options(facts, today):
        spec = STEPS[o.kind]
        options.append({
            "kind": o.kind, "title": spec.title_zh, "actor": o.actor, "yours": may_record(p, case, o.kind),
            "earliest": o.earliest, "deadline": o.deadline, "blocked": o.blocked,
            "blocked_text": pipeline.RULES.get(o.blocked) if o.blocked else None, "bodies": list(spec.bodies),
            "votes": spec.votes, "files": spec.files,
            "outcomes": ([Outcome.convert, Outcome.cancel] if standing.extensions >= pipeline.EXTENSIONS_ALLOWED
                         else list(Outcome)) if o.kind == StepKind.conversion_discussion else [],
        })
    members = full_members(case.branch_id, today)
    return {
        **_summary(case, facts, today),
        "birth_date": case.birth_date, "phone": case.phone, "admitted_on": standing.admitted_on,
        "full_since": standing.full_since, "extended": standing.extensions > 0,
        "committee_name": case.branch.committee.name,
        "steps": steps,
        "contact_history": [{"member_id": c.member_id, "name": c.member.name, "assigned_on": c.assigned_on,
                             "ended_on": c.ended_on, "current": c.ended_on is None} for c in case.contacts],
        "assessments": [s for s in steps if s["kind"] == StepKind.assessment],
        "obligations": _obligation_rows(facts, today),
        "options": options,
        "full_members": [{"id": m.id, "name": m.name} for m in members] if p.manages(case.branch_id) else [],
        "entitled": len(members),
    }


def pipeline_order(steps: list[RecruitmentStep]) -> list[RecruitmentStep]:
    """By date, then by their place on the road (as pipeline.ordered)."""
    return sorted(steps, key=lambda s: (s.on, pipeline.ORDER.index(s.kind), s.id))


def my_view(member_id: int | None) -> dict:
    """The caller's own case: their stage, dates and steps (no notes, votes or documents)."""
    case = db.session.scalar(sa.select(RecruitmentCase).where(RecruitmentCase.member_id == member_id)) \
        if member_id is not None else None
    if case is None:
        return {"exists": False, "stage": None, "extended": False, "steps": [], "contacts": []}
    facts = case_facts(case)
    standing = pipeline.replay(facts.steps)
    awaiting = None
    if standing.stage == Stage.probationary:
        awaiting = "conversion_approval" if standing.pending is not None else "conversion_discussion"
    return {
        "exists": True, "stage": case.stage, "stage_since": standing.since, "applied_on": case.applied_on,
        "admitted_on": standing.admitted_on, "probation_ends_on": standing.probation_ends_on,
        "full_since": standing.full_since, "extended": standing.extensions > 0, "awaiting": awaiting,
        "steps": [{"kind": s.kind, "title": STEPS[s.kind].title_zh, "on": s.on, "decided_by": s.decided_by}
                  for s in pipeline_order(case.steps)],
        "contacts": [c.name for c in facts.contacts if c.ended_on is None],
    }


# --- assessment reminders --------------------------------------------------------------------------

def _notified_members(branch_id: int, contact_ids: list[int], today: dt.date) -> list[int]:
    """The contacts, and the branch's organizers (its secretaries when it has no organizer)."""
    roles = [r for r in db.session.scalars(sa.select(BranchRole).where(
        BranchRole.branch_id == branch_id, BranchRole.role.in_(MANAGING_ROLES))) if r.is_current(today)]
    organizers = [r.member_id for r in roles if r.role == BranchRoleKind.organizer] or \
        [r.member_id for r in roles if r.role != BranchRoleKind.organizer]
    return sorted(set(contact_ids) | set(organizers))


def send_assessment_reminders(today: dt.date) -> tuple[int, int]:
    """Tell the contacts and the organizer of every activist whose half-yearly assessment is due
    within ASSESSMENT_REMINDER_DAYS (or overdue): once per case and due date, however often this
    runs (`recruitment_reminder`). In-app notifications, and Web Push where enabled. → (cases, notifications)."""
    cases = _load(sa.select(RecruitmentCase).where(RecruitmentCase.stage == Stage.activist))
    told, made = 0, 0
    for case in cases:
        facts = case_facts(case)
        option = next((o for o in pipeline.options(facts, today) if o.kind == StepKind.assessment), None)
        if option is None or (option.deadline - today).days > pipeline.ASSESSMENT_REMINDER_DAYS:
            continue
        try:
            with db.session.begin_nested():
                db.session.add(RecruitmentReminder(case_id=case.id, due_on=option.deadline))
        except sa.exc.IntegrityError:
            continue  # told already (or by a run at the same moment)
        contacts = [c for c in facts.contacts if c.is_current(today)]
        recipients = _notified_members(case.branch_id, [c.member_id for c in contacts], today)
        names = "、".join(c.name for c in contacts) or "尚未指定"
        overdue = today > option.deadline
        title = f"培养考察{'已逾期' if overdue else '提醒'}：{case.name}"
        body = (f"入党积极分子{case.name}的半年培养考察应于{option.deadline.year}年{option.deadline.month}月"
                f"{option.deadline.day}日前进行{'，现已逾期' if overdue else ''}。培养联系人：{names}。")
        managers = {r.member_id for r in db.session.scalars(sa.select(BranchRole).where(
            BranchRole.branch_id == case.branch_id, BranchRole.role.in_(MANAGING_ROLES))) if r.is_current(today)}
        rows = _notify(recipients, title, body,
                       lambda member_id, case_id=case.id: f"/recruitment/{case_id}" if member_id in managers
                       else "/notifications")
        log_action(None, "recruitment.assessment_reminder", case, branch_id=case.branch_id,
                   due_on=option.deadline.isoformat(), member_ids=recipients)
        told += 1
        made += len(rows)
    return told, made


def _notify(member_ids: list[int], title: str, body: str, url_for) -> list[Notification]:
    return notify_members(member_ids, NotificationKind.recruitment, title, body, url_for)
