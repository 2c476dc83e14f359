"""Enumerations shared by several features, named as in SPEC.md's glossary.

Stored as plain strings (no native enum types), so that adding a value later is a code change,
not a schema migration on PostgreSQL.
"""
from __future__ import annotations

import enum

import sqlalchemy as sa


class StrEnum(str, enum.Enum):
    def __str__(self) -> str:
        return self.value


def enum_column_type(enum_cls: type[enum.Enum]) -> sa.Enum:
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
    )


class Sector(StrEnum):
    village = "village"
    agency = "agency"
    enterprise = "enterprise"


class MemberStatus(StrEnum):
    full = "full"
    probationary = "probationary"


class BranchRoleKind(StrEnum):
    """Branch committee posts. Secretaries and organizers manage the branch and confirm records."""

    secretary = "secretary"
    deputy_secretary = "deputy_secretary"
    organizer = "organizer"
    propaganda = "propaganda"
    discipline = "discipline"
    committee_member = "committee_member"
    group_leader = "group_leader"


MANAGING_ROLES = frozenset({BranchRoleKind.secretary, BranchRoleKind.deputy_secretary, BranchRoleKind.organizer})


class DuesCategory(StrEnum):
    """Which row of the national dues standard applies to a member (SPEC system 8)."""

    employed = "employed"
    retired = "retired"
    student = "student"
    unemployed = "unemployed"
    rural = "rural"
    exempt = "exempt"
    branch_set = "branch_set"


class CardKind(StrEnum):
    regular = "regular"
    floating = "floating"


class CardStatus(StrEnum):
    active = "active"
    revoked = "revoked"
    replaced = "replaced"


class EventKind(StrEnum):
    branch_committee_meeting = "branch_committee_meeting"
    group_meeting = "group_meeting"
    general_assembly = "general_assembly"
    party_lecture = "party_lecture"
    activity_day = "activity_day"
    org_life_meeting = "org_life_meeting"
    evaluation_meeting = "evaluation_meeting"
    training = "training"  # 培训班 (a training class)
    lecture = "lecture"  # 专题讲座
    report_meeting = "report_meeting"  # 报告会
    discussion = "discussion"  # 专题研讨
    online_study = "online_study"  # 网上学习 / 线上学习
    featured_activity = "featured_activity"
    other = "other"


class EventStatus(StrEnum):
    planned = "planned"
    held = "held"
    cancelled = "cancelled"


class RecordKind(StrEnum):
    attendance = "attendance"
    dues = "dues"
    reward = "reward"
    punishment = "punishment"
    role_performance = "role_performance"
    service = "service"
    outstanding_deed = "outstanding_deed"
    study = "study"


class RecordStatus(StrEnum):
    """pending → acknowledged (by the member) and/or confirmed (by the branch); a record the member
    submitted themselves (study, service) can be `refused` by the branch instead, with a reason."""

    pending = "pending"
    acknowledged = "acknowledged"
    confirmed = "confirmed"
    refused = "refused"


class ServicePostKind(StrEnum):
    """Standing service assignments of SPEC system 6 (server/service)."""

    responsibility_zone = "responsibility_zone"  # 党员责任区
    vanguard_post = "vanguard_post"  # 先锋岗
    model_household = "model_household"  # 示范户
    commitment = "commitment"  # 承诺践诺
    set_post = "set_post"  # 设岗定责
    pairing_support = "pairing_support"  # 结对帮扶
    volunteering = "volunteering"  # 志愿服务


class ServiceCadence(StrEnum):
    """How often each assigned member is expected to record something for a service post."""

    month = "month"
    quarter = "quarter"
    year = "year"


class CheckinMethod(StrEnum):
    event_code = "event_code"  # the member scanned the event's rotating code
    card_scan = "card_scan"  # a secretary scanned the member's card
    manual = "manual"  # a secretary entered it by hand, with a reason


class EvaluationGrade(StrEnum):
    """Democratic evaluation's grades (server/evaluation); `basically_qualified` (基本合格) only
    where the branch enables it for the evaluation."""

    excellent = "excellent"
    qualified = "qualified"
    basically_qualified = "basically_qualified"
    unqualified = "unqualified"


class RecruitmentStage(StrEnum):
    """applicant → activist → candidate → probationary → full (server/recruitment/pipeline.py);
    a case ends early as `discontinued` (停止培养) or `cancelled` (预备党员资格取消)."""

    applicant = "applicant"
    activist = "activist"
    candidate = "candidate"
    probationary = "probationary"
    full = "full"
    discontinued = "discontinued"
    cancelled = "cancelled"


class FilingKind(StrEnum):
    activity_day_plan = "activity_day_plan"
    org_life_report = "org_life_report"
    org_life_minutes = "org_life_minutes"
    org_life_date_change = "org_life_date_change"
    recruitment = "recruitment"
    evaluation = "evaluation"
    dues_remittance = "dues_remittance"
    other = "other"


class LeaveStatus(StrEnum):
    requested = "requested"
    approved = "approved"
    declined = "declined"


class FilingDecision(StrEnum):
    """The superior committee's answer to a filing (an approval request such as a date change)."""

    approved = "approved"
    declined = "declined"


class CalendarDayKind(StrEnum):
    """A day of an official holiday schedule: a rest day (放假) or a make-up working day (调休上班)."""

    rest = "rest"
    work = "work"
