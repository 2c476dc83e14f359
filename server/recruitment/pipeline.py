"""The road to membership (发展党员, SPEC system 5) as pure functions: no database, no clock.

A case is its steps. `replay` reads them into where the case stands; `check` says whether one
more step may be recorded, and refuses with the rule it breaks (`Refused`); `obligations` lists
every step the rules give a deadline or a minimum wait, and `judge` / `obligation_state` say
whether each is met, due, late or missed. The rules' numbers are constants here, named after the
rule (中国共产党发展党员工作细则), and `RULES` words each rule for people; docs/decisions.md
says how the deadlines the rules leave open were read.

    applicant ─talk─ activist ─(assessments every half year, ≥ 1 year)─ candidate ─ political review,
    training ─ committee review ─ pre-review (committee) ─ admission vote ─ approval (committee)
    ─ probationary (1 year) ─ conversion discussion: convert | extend (once, 6–12 months) | cancel
    ─ approval (committee) ─ full | probationary again | cancelled
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt

from server.core.enums import RecruitmentStage as Stage
from server.core.enums import StrEnum

# --- the rules' numbers ---------------------------------------------------------------------------

APPLICANT_MIN_AGE_YEARS = 18  # applicant_age_18: 年满十八岁
TALK_WITHIN_MONTHS = 1  # talk_one_month: 收到入党申请书后一个月内派人谈话
ACTIVIST_MIN_YEARS = 1  # activist_one_year: 经过一年以上培养教育和考察，方可列为发展对象
ASSESSMENT_EVERY_MONTHS = 6  # assessment_half_year: 每半年对入党积极分子进行一次考察
CONTACTS_MIN, CONTACTS_MAX = 1, 2  # contacts_one_or_two: 指定一至两名正式党员作培养联系人
APPROVAL_WITHIN_MONTHS = 3  # approval_three_months: 上级党委在三个月内审批
PROBATION_YEARS = 1  # probation_one_year: 预备期为一年，从支部党员大会通过之日算起
CONVERSION_DISCUSSION_DAYS = 14  # conversion_promptly: 预备期满，党支部及时讨论（here: within 14 days）
EXTENSION_MIN_MONTHS, EXTENSION_MAX_MONTHS = 6, 12  # extension_length: 不能少于半年，最长不超过一年
EXTENSIONS_ALLOWED = 1  # extension_once: 预备期只能延长一次
# A step whose deadline is this close shows as due in the compliance view (REC-timeline).
DUE_HORIZON_DAYS = 42
# The contacts and the organizer are told this many days before an assessment is due.
ASSESSMENT_REMINDER_DAYS = 30


class StepKind(StrEnum):
    application = "application"  # 递交入党申请书 (the date of the letter)
    talk = "talk"  # 派人谈话
    activist = "activist"  # 确定为入党积极分子
    assessment = "assessment"  # 培养考察（每半年）
    candidate = "candidate"  # 确定为发展对象
    political_review = "political_review"  # 政治审查
    training = "training"  # 集中培训
    committee_review = "committee_review"  # 支部委员会审查
    pre_review = "pre_review"  # 上级党委预审
    admission_vote = "admission_vote"  # 支部党员大会讨论接收预备党员
    admission_approval = "admission_approval"  # 上级党委审批（接收预备党员）
    conversion_discussion = "conversion_discussion"  # 支部党员大会讨论转正（或延长、取消）
    conversion_approval = "conversion_approval"  # 上级党委审批（转正、延长或取消）
    discontinued = "discontinued"  # 停止培养


class Body(StrEnum):
    """Who decided (or did) a step."""

    applicant = "applicant"
    branch = "branch"  # 党支部（派人谈话、政治审查）
    contacts = "contacts"  # 培养联系人
    branch_committee = "branch_committee"  # 支部委员会
    general_assembly = "general_assembly"  # 支部党员大会
    superior_committee = "superior_committee"  # 上级党委


class Outcome(StrEnum):
    """What the assembly decides when probation ends."""

    convert = "convert"  # 按期转为正式党员
    extend = "extend"  # 延长预备期
    cancel = "cancel"  # 取消预备党员资格


BRANCH, COMMITTEE = "branch", "committee"  # who records a step: the branch's managers, or its committee


@dataclasses.dataclass(frozen=True)
class StepSpec:
    stages: frozenset[Stage]  # where the case must stand
    actor: str  # BRANCH or COMMITTEE
    bodies: tuple[Body, ...]  # who may have decided it; the first is the default
    to_stage: Stage | None = None  # the stage it moves the case to (None: stays)
    once: bool = False  # at most once per case
    votes: bool = False  # a vote with its count
    files: bool = False  # filed with (or sent for approval to) the superior committee
    title_zh: str = ""


PRE_MEMBER = frozenset({Stage.applicant, Stage.activist, Stage.candidate})
STEPS: dict[StepKind, StepSpec] = {
    StepKind.application: StepSpec(frozenset(), BRANCH, (Body.applicant,), Stage.applicant, once=True,
                                   title_zh="递交入党申请书"),
    StepKind.talk: StepSpec(frozenset({Stage.applicant}), BRANCH, (Body.branch,), once=True, title_zh="派人谈话"),
    StepKind.activist: StepSpec(frozenset({Stage.applicant}), BRANCH, (Body.branch_committee, Body.general_assembly),
                                Stage.activist, once=True, files=True, title_zh="确定为入党积极分子"),
    StepKind.assessment: StepSpec(frozenset({Stage.activist}), BRANCH, (Body.contacts, Body.branch_committee),
                                  title_zh="培养考察"),
    StepKind.candidate: StepSpec(frozenset({Stage.activist}), BRANCH, (Body.branch_committee,), Stage.candidate,
                                 once=True, files=True, title_zh="确定为发展对象"),
    StepKind.political_review: StepSpec(frozenset({Stage.candidate}), BRANCH, (Body.branch,), once=True,
                                        title_zh="政治审查"),
    StepKind.training: StepSpec(frozenset({Stage.candidate}), BRANCH, (Body.superior_committee, Body.branch),
                                once=True, title_zh="集中培训"),
    StepKind.committee_review: StepSpec(frozenset({Stage.candidate}), BRANCH, (Body.branch_committee,), once=True,
                                        files=True, title_zh="支部委员会审查"),
    StepKind.pre_review: StepSpec(frozenset({Stage.candidate}), COMMITTEE, (Body.superior_committee,), once=True,
                                  title_zh="上级党委预审"),
    StepKind.admission_vote: StepSpec(frozenset({Stage.candidate}), BRANCH, (Body.general_assembly,), once=True,
                                      votes=True, files=True, title_zh="支部党员大会讨论接收预备党员"),
    StepKind.admission_approval: StepSpec(frozenset({Stage.candidate}), COMMITTEE, (Body.superior_committee,),
                                          Stage.probationary, once=True, title_zh="上级党委审批接收预备党员"),
    StepKind.conversion_discussion: StepSpec(frozenset({Stage.probationary}), BRANCH, (Body.general_assembly,),
                                             votes=True, files=True, title_zh="支部党员大会讨论转正"),
    StepKind.conversion_approval: StepSpec(frozenset({Stage.probationary}), COMMITTEE, (Body.superior_committee,),
                                           title_zh="上级党委审批转正"),
    StepKind.discontinued: StepSpec(PRE_MEMBER, BRANCH, (Body.branch_committee, Body.general_assembly),
                                    Stage.discontinued, once=True, title_zh="停止培养"),
}
# The order a case's steps are offered in, and replayed in when two share a date.
ORDER = tuple(StepKind)

# The rules a step can break: id → how the national rules word it (shown to the user with the
# refusal, and listed in docs/decisions.md).
RULES: dict[str, str] = {
    "applicant_age_18": "年满十八岁方可申请入党（需登记出生日期以核对年龄）",
    "step_order": "发展党员须按程序逐步进行，不能颠倒或跳过",
    "step_once": "该环节已经记录，不能重复",
    "not_before_previous": "环节日期不能早于前一环节的日期",
    "not_in_future": "环节日期不能晚于今天",
    "talk_before_activist": "确定入党积极分子前，党组织应派人同入党申请人谈话",
    "contacts_required": "列为发展对象前，须为入党积极分子指定培养联系人",
    "contacts_one_or_two": "每名入党积极分子指定一至两名培养联系人",
    "contacts_full_members": "培养联系人须为本支部的正式党员",
    "activist_one_year": "入党积极分子经过一年以上培养教育和考察，方可列为发展对象",
    "review_and_training_first": "支部委员会审查前，须完成政治审查和集中培训",
    "committee_review_first": "报上级党委预审前，须经支部委员会审查",
    "pre_review_first": "支部党员大会讨论前，须经上级党委预审",
    "vote_quorum": "有表决权的到会人数须超过应到会有表决权人数的半数",
    "vote_majority": "赞成人数须超过应到会有表决权的正式党员的半数",
    "vote_first": "上级党委审批前，须经支部党员大会讨论表决",
    "probation_one_year": "预备期满方可讨论转正（预备期一年，从支部党员大会通过之日算起）",
    "approval_pending": "支部党员大会的决议尚待上级党委审批",
    "extension_length": "延长预备期不能少于半年，最长不超过一年",
    "extension_once": "预备期只能延长一次",
}


class Refused(Exception):
    """A step the rules do not allow now: the rule's id and the facts the message needs."""

    def __init__(self, rule: str, **params):
        super().__init__(rule)
        self.rule = rule
        self.params = params

    @property
    def text(self) -> str:
        return RULES[self.rule]


# --- dates ------------------------------------------------------------------------------------------

def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier); the month's last day when it has no such day
    (31 March + 1 month = 30 April; 29 February + 1 year = 28 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


def is_of_age(birth_date: dt.date, on: dt.date) -> bool:
    """18 years old on `on`: from the 18th birthday (a 29 February birthday: 28 February)."""
    return on >= add_years(birth_date, APPLICANT_MIN_AGE_YEARS)


# --- a case -------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Votes:
    votes_for: int
    votes_against: int
    abstentions: int
    present: int  # members with a vote at the meeting
    entitled: int  # full members entitled to vote (应到会有表决权的正式党员)


@dataclasses.dataclass(frozen=True)
class Step:
    kind: StepKind
    on: dt.date
    id: int | None = None
    decided_by: Body | None = None
    votes: Votes | None = None
    outcome: Outcome | None = None
    extension_months: int | None = None


@dataclasses.dataclass(frozen=True)
class Contact:
    member_id: int
    name: str
    assigned_on: dt.date
    ended_on: dt.date | None = None

    def is_current(self, on: dt.date) -> bool:
        return self.assigned_on <= on and (self.ended_on is None or on < self.ended_on)


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    steps: tuple[Step, ...]
    id: int | None = None
    birth_date: dt.date | None = None
    contacts: tuple[Contact, ...] = ()
    member_id: int | None = None


def ordered(steps) -> list[Step]:
    """Steps by date, then by their place on the road (then as recorded)."""
    return sorted(steps, key=lambda s: (s.on, ORDER.index(s.kind), s.id or 0))


@dataclasses.dataclass
class Standing:
    """Where a case stands after its steps."""

    stage: Stage | None = None
    since: dt.date | None = None  # the date of the step that moved it there
    last_on: dt.date | None = None  # the latest step's date
    done: dict[StepKind, Step] = dataclasses.field(default_factory=dict)  # the latest of each kind
    applied_on: dt.date | None = None
    activist_on: dt.date | None = None
    candidate_on: dt.date | None = None
    vote: Step | None = None  # the admission vote
    admitted_on: dt.date | None = None  # = the vote's date, once approved
    probation_ends_on: dt.date | None = None
    extensions: int = 0
    pending: Step | None = None  # a conversion discussion awaiting the committee's approval
    last_assessment_on: dt.date | None = None
    full_since: dt.date | None = None
    ended_on: dt.date | None = None  # discontinued, cancelled (the decision's date)


def replay(steps) -> Standing:
    s = Standing()
    for step in ordered(steps):
        spec = STEPS[step.kind]
        s.done[step.kind] = step
        s.last_on = step.on
        if spec.to_stage is not None:
            s.stage, s.since = spec.to_stage, step.on
        if step.kind == StepKind.application:
            s.applied_on = step.on
        elif step.kind == StepKind.activist:
            s.activist_on = step.on
        elif step.kind == StepKind.assessment:
            s.last_assessment_on = step.on
        elif step.kind == StepKind.candidate:
            s.candidate_on = step.on
        elif step.kind == StepKind.admission_vote:
            s.vote = step
        elif step.kind == StepKind.admission_approval and s.vote is not None:
            s.admitted_on = s.vote.on
            s.probation_ends_on = add_years(s.vote.on, PROBATION_YEARS)
        elif step.kind == StepKind.conversion_discussion:
            s.pending = step
        elif step.kind == StepKind.conversion_approval and s.pending is not None:
            decided = s.pending
            s.pending = None
            if decided.outcome == Outcome.convert:
                s.stage, s.since, s.full_since = Stage.full, step.on, s.probation_ends_on
            elif decided.outcome == Outcome.extend:
                s.extensions += 1
                s.probation_ends_on = add_months(s.probation_ends_on, decided.extension_months or 0)
            elif decided.outcome == Outcome.cancel:
                s.stage, s.since, s.ended_on = Stage.cancelled, step.on, step.on
        elif step.kind == StepKind.discontinued:
            s.ended_on = step.on
    return s


def check(case: Case, step: Step, today: dt.date) -> Standing:
    """Refuse (`Refused`) a step the rules do not allow after the case's steps, on `today`;
    return the standing it leads to. Votes and outcomes are assumed well-formed (the schema checks
    their shape); the rules on their numbers are checked here."""
    spec = STEPS[step.kind]
    s = replay(case.steps)
    if step.on > today:
        raise Refused("not_in_future", on=step.on, today=today)
    if step.kind == StepKind.application:
        if s.stage is not None:
            raise Refused("step_once", kind=step.kind)
        _check_age(case, step.on, required=False)
        return replay((*case.steps, step))
    if s.stage not in spec.stages:
        raise Refused("step_order", kind=step.kind, stage=s.stage)
    if spec.once and step.kind in s.done:
        raise Refused("step_once", kind=step.kind, on=s.done[step.kind].on)
    # Never before the step that opened the stage, nor before the steps this one follows.
    earliest = max(d for d in (s.since, *(s.done[k].on for k in _follows(step.kind) if k in s.done)) if d)
    if step.on < earliest:
        raise Refused("not_before_previous", earliest=earliest)
    _check_rules(case, s, step)
    return replay((*case.steps, step))


def _follows(kind: StepKind) -> tuple[StepKind, ...]:
    """The steps whose dates a step may not precede (besides the one that opened its stage)."""
    return {
        StepKind.activist: (StepKind.talk,),
        StepKind.assessment: (StepKind.assessment,),
        StepKind.candidate: (StepKind.assessment,),
        StepKind.committee_review: (StepKind.political_review, StepKind.training),
        StepKind.pre_review: (StepKind.committee_review,),
        StepKind.admission_vote: (StepKind.pre_review,),
        StepKind.admission_approval: (StepKind.admission_vote,),
        StepKind.conversion_discussion: (StepKind.conversion_approval,),
        StepKind.conversion_approval: (StepKind.conversion_discussion,),
        StepKind.discontinued: tuple(k for k in ORDER if k not in (StepKind.discontinued,)),
    }.get(kind, ())


def _check_age(case: Case, on: dt.date, *, required: bool) -> None:
    if case.birth_date is None:
        if required:
            raise Refused("applicant_age_18", birth_date=None)
        return
    if not is_of_age(case.birth_date, on):
        raise Refused("applicant_age_18", birth_date=case.birth_date,
                      eighteen_on=add_years(case.birth_date, APPLICANT_MIN_AGE_YEARS))


def _check_rules(case: Case, s: Standing, step: Step) -> None:
    kind = step.kind
    if kind == StepKind.activist:
        if StepKind.talk not in s.done:
            raise Refused("talk_before_activist")
        _check_age(case, s.applied_on, required=True)
    elif kind == StepKind.candidate:
        earliest = add_years(s.activist_on, ACTIVIST_MIN_YEARS)
        if step.on < earliest:
            raise Refused("activist_one_year", activist_on=s.activist_on, earliest=earliest)
        if not any(c.assigned_on <= step.on for c in case.contacts):
            raise Refused("contacts_required")
    elif kind == StepKind.committee_review:
        if StepKind.political_review not in s.done or StepKind.training not in s.done:
            raise Refused("review_and_training_first",
                          missing=[k for k in (StepKind.political_review, StepKind.training) if k not in s.done])
    elif kind == StepKind.pre_review:
        if StepKind.committee_review not in s.done:
            raise Refused("committee_review_first")
    elif kind == StepKind.admission_vote:
        if StepKind.pre_review not in s.done:
            raise Refused("pre_review_first")
        check_votes(step.votes)
    elif kind == StepKind.admission_approval:
        if s.vote is None:
            raise Refused("vote_first")
    elif kind == StepKind.conversion_discussion:
        if s.pending is not None:
            raise Refused("approval_pending", on=s.pending.on)
        if step.on < s.probation_ends_on:
            raise Refused("probation_one_year", ends_on=s.probation_ends_on)
        check_votes(step.votes)
        if step.outcome == Outcome.extend:
            if s.extensions >= EXTENSIONS_ALLOWED:
                raise Refused("extension_once")
            months = step.extension_months or 0
            if not EXTENSION_MIN_MONTHS <= months <= EXTENSION_MAX_MONTHS:
                raise Refused("extension_length", months=months)
    elif kind == StepKind.conversion_approval:
        if s.pending is None:
            raise Refused("vote_first")


def check_votes(votes: Votes | None) -> None:
    """The quorum and the majority of a vote of the general assembly (the count itself was checked
    for consistency by the schema: for + against + abstentions ≤ present ≤ entitled)."""
    if votes is None:
        raise Refused("vote_majority", votes_for=0, needed=1)
    if 2 * votes.present <= votes.entitled:
        raise Refused("vote_quorum", present=votes.present, entitled=votes.entitled,
                      needed=votes.entitled // 2 + 1)
    if 2 * votes.votes_for <= votes.entitled:
        raise Refused("vote_majority", votes_for=votes.votes_for, entitled=votes.entitled,
                      needed=votes.entitled // 2 + 1)


def contacts_problem(candidates: list[tuple[int, bool]], person_member_id: int | None) -> str | None:
    """The rule broken by a set of contacts, as (member id, is a current full member of the branch)."""
    if not CONTACTS_MIN <= len(candidates) <= CONTACTS_MAX or len({m for m, _ in candidates}) != len(candidates):
        return "contacts_one_or_two"
    if any(not full or member_id == person_member_id for member_id, full in candidates):
        return "contacts_full_members"
    return None


# --- what may come next ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Option:
    """A step that may be recorded next (now or from `earliest`), by whom, and what blocks it."""

    kind: StepKind
    actor: str
    earliest: dt.date | None = None
    deadline: dt.date | None = None
    blocked: str | None = None  # the rule that refuses it today


def options(case: Case, today: dt.date) -> list[Option]:
    """The steps the case's stage allows and that are not done yet, each checked against today."""
    s = replay(case.steps)
    result = []
    for kind in ORDER:
        spec = STEPS[kind]
        if s.stage not in spec.stages or (spec.once and kind in s.done):
            continue
        if kind == StepKind.conversion_discussion and s.pending is not None:
            continue
        if kind == StepKind.conversion_approval and s.pending is None:
            continue
        earliest, deadline = _window(s, kind)
        blocked = None
        try:
            trial = Step(kind, max(today, earliest or today), votes=_passing_vote() if spec.votes else None,
                         outcome=Outcome.convert if kind == StepKind.conversion_discussion else None)
            check(case, trial, max(today, earliest or today))
            if earliest and earliest > today:
                blocked = _wait_rule(kind)
        except Refused as refusal:
            blocked = refusal.rule
        result.append(Option(kind, spec.actor, earliest, deadline, blocked))
    return result


def _passing_vote() -> Votes:
    return Votes(1, 0, 0, 1, 1)


def _wait_rule(kind: StepKind) -> str:
    return {StepKind.candidate: "activist_one_year", StepKind.conversion_discussion: "probation_one_year"}.get(
        kind, "not_before_previous")


def _window(s: Standing, kind: StepKind) -> tuple[dt.date | None, dt.date | None]:
    """(earliest, deadline) of the next step of `kind`."""
    if kind == StepKind.talk:
        return s.applied_on, add_months(s.applied_on, TALK_WITHIN_MONTHS)
    if kind == StepKind.assessment:
        since = s.last_assessment_on or s.activist_on
        return since, add_months(since, ASSESSMENT_EVERY_MONTHS)
    if kind == StepKind.candidate:
        return add_years(s.activist_on, ACTIVIST_MIN_YEARS), None
    if kind == StepKind.admission_approval and s.vote is not None:
        return s.vote.on, add_months(s.vote.on, APPROVAL_WITHIN_MONTHS)
    if kind == StepKind.conversion_discussion:
        return s.probation_ends_on, s.probation_ends_on + dt.timedelta(days=CONVERSION_DISCUSSION_DAYS)
    if kind == StepKind.conversion_approval and s.pending is not None:
        return s.pending.on, add_months(s.pending.on, APPROVAL_WITHIN_MONTHS)
    return s.since, None


# --- deadlines and minimum waits: obligations -------------------------------------------------------

class Judgement(StrEnum):
    met = "met"  # done in time (or after its minimum wait)
    late = "late"  # done after its deadline
    due = "due"  # to do, deadline ahead
    overdue = "overdue"  # to do, deadline passed
    missed = "missed"  # never done, and the case moved on (or the period ended)
    waiting = "waiting"  # its minimum wait has not ended, nothing is due yet


@dataclasses.dataclass(frozen=True)
class Obligation:
    """A step the rules time: from `since` (the letter, the last assessment, the vote, the end of
    probation...), possible from `opens_on` (a minimum wait), due by `deadline` (None: no deadline,
    only a minimum wait)."""

    key: str  # talk | assessment | candidate | admission_approval | conversion | conversion_approval
    rule: str
    since: dt.date
    opens_on: dt.date
    deadline: dt.date | None
    done_on: dt.date | None = None
    step_id: int | None = None
    closed_on: dt.date | None = None  # the case moved on without it: it can no longer be done


def obligations(case: Case) -> list[Obligation]:
    """Every timed step of the case, done or not, from its steps alone (no "today")."""
    steps = ordered(case.steps)
    s = replay(steps)
    first = {}
    for step in steps:
        first.setdefault(step.kind, step)
    result: list[Obligation] = []

    def add(key, rule, since, opens_on, deadline, done: Step | None, closed_on):
        if done is None and closed_on is not None and deadline is not None and closed_on <= deadline:
            return  # moved on before it was due: nothing was missed
        if done is None and closed_on is not None and deadline is None:
            return
        result.append(Obligation(key, rule, since, opens_on, deadline, done.on if done else None,
                                 done.id if done else None, None if done else closed_on))

    ended = s.ended_on
    if s.applied_on is not None:
        talk = first.get(StepKind.talk)
        left = _first_on(steps, StepKind.activist) or ended
        add("talk", "talk_one_month", s.applied_on, s.applied_on, add_months(s.applied_on, TALK_WITHIN_MONTHS),
            talk, left)
    if s.activist_on is not None:
        left = s.candidate_on or ended
        since = s.activist_on
        for a in [x for x in steps if x.kind == StepKind.assessment]:
            add("assessment", "assessment_half_year", since, since, add_months(since, ASSESSMENT_EVERY_MONTHS), a, None)
            since = a.on
        if left is None or left > since:
            add("assessment", "assessment_half_year", since, since, add_months(since, ASSESSMENT_EVERY_MONTHS),
                None, left)
        opens = add_years(s.activist_on, ACTIVIST_MIN_YEARS)
        add("candidate", "activist_one_year", s.activist_on, opens, None, first.get(StepKind.candidate), ended)
    if s.vote is not None:
        add("admission_approval", "approval_three_months", s.vote.on, s.vote.on,
            add_months(s.vote.on, APPROVAL_WITHIN_MONTHS), first.get(StepKind.admission_approval), ended)
    if s.admitted_on is not None:
        end = add_years(s.admitted_on, PROBATION_YEARS)
        discussions = [x for x in steps if x.kind == StepKind.conversion_discussion]
        approvals = [x for x in steps if x.kind == StepKind.conversion_approval]
        # Each probation (the year, then an extension) ends in a discussion, then its approval.
        for index in range(len(discussions) + 1):
            discussion = discussions[index] if index < len(discussions) else None
            add("conversion", "conversion_promptly", end, end, end + dt.timedelta(days=CONVERSION_DISCUSSION_DAYS),
                discussion, None)
            if discussion is None:
                break
            approval = approvals[index] if index < len(approvals) else None
            add("conversion_approval", "approval_three_months", discussion.on, discussion.on,
                add_months(discussion.on, APPROVAL_WITHIN_MONTHS), approval, None)
            if approval is None or discussion.outcome != Outcome.extend:
                break
            end = add_months(end, discussion.extension_months or 0)
    return result


def _first_on(steps, kind) -> dt.date | None:
    return next((x.on for x in steps if x.kind == kind), None)


def obligation_state(ob: Obligation, today: dt.date) -> Judgement:
    """How an obligation stands today (the case's own page)."""
    if ob.done_on is not None and ob.done_on <= today:
        return Judgement.met if ob.deadline is None or ob.done_on <= ob.deadline else Judgement.late
    if ob.closed_on is not None and ob.closed_on <= today:
        return Judgement.missed
    if ob.deadline is None:
        return Judgement.waiting
    if today > ob.deadline:
        return Judgement.overdue
    return Judgement.due


def judge(ob: Obligation, start: dt.date, end: dt.date, today: dt.date) -> str | None:
    """The obligation's state in the period start..end as the compliance view reports it (met, due,
    late or missed), or None when the period has nothing to say about it.

    A period over (today after its end) is judged as it stood at its end: what was due in it, or
    overdue during it, and not done by its end was missed. The current period counts what was done
    in it, what is overdue (late) and what is due within DUE_HORIZON_DAYS."""
    over = today > end
    asof = end if over else today
    done = ob.done_on if ob.done_on is not None and ob.done_on <= asof else None
    if done is not None:
        if start <= done <= end or (ob.deadline is not None and start <= ob.deadline <= end and done <= ob.deadline):
            return "met" if ob.deadline is None or done <= ob.deadline else "late"
        return None
    if ob.deadline is None:
        return None  # a minimum wait still running: nothing due
    if ob.closed_on is not None and ob.closed_on <= asof:
        # Never done, and the case moved on: missed in the periods it was overdue in.
        if start <= ob.deadline <= end or (ob.deadline < start <= ob.closed_on):
            return "missed"
        return None
    if over:
        return "missed" if ob.deadline <= end else None
    if today > ob.deadline:
        return "late"
    return "due" if (ob.deadline - today).days <= DUE_HORIZON_DAYS else None
