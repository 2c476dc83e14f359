"""Who may see and do what (SPEC's roles), decided in one place.

Every view loads its objects, then asks one of these questions, then acts. A member acts on
their own card and records; a secretary or organizer manages their branch; a host branch sees a
floating member only through what they attend there, while the home branch sees all of that
member's records; a committee sees the branches under it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
from flask import g
from flask_jwt_extended import get_jwt

from server.auth.models import User
from server.core.cache import app_cache, generations
from server.core.db import db
from server.core.statements import execute, prepared
from server.core.enums import MANAGING_ROLES, BranchRoleKind
from server.org.models import Branch, BranchRole, Committee, FloatingMembership, Member
from sync import clock


SECRETARY_POSTS = frozenset({BranchRoleKind.secretary, BranchRoleKind.deputy_secretary})


@dataclasses.dataclass(frozen=True)
class Principal:
    user_id: int
    member_id: int | None
    home_branch_id: int | None
    # Branches where the user is secretary, deputy secretary or organizer today.
    managed_branch_ids: frozenset[int]
    # Branches under the user's committee (and its sub-committees).
    overseen_branch_ids: frozenset[int]
    # Host branches of the user's current floating membership.
    host_branch_ids: frozenset[int]
    # The user's committee and every committee under it (committee accounts only).
    overseen_committee_ids: frozenset[int] = frozenset()
    # A committee with no parent: its accounts maintain settings shared by everyone (the holiday calendar).
    is_top_committee: bool = False
    # Branches where the user is the secretary today (a subset of managed_branch_ids).
    secretary_branch_ids: frozenset[int] = frozenset()
    # The day the user's member left the Party or the branch (None: still a member).
    home_left_on: dt.date | None = None

    @property
    def is_committee(self) -> bool:
        return bool(self.overseen_branch_ids)

    def manages(self, branch_id: int | None) -> bool:
        return branch_id in self.managed_branch_ids

    def oversees(self, branch_id: int | None) -> bool:
        return branch_id in self.overseen_branch_ids

    def may_appoint(self, branch_id: int, role) -> bool:
        """Who appoints to (or ends) a post: the branch's managers, but the secretary's and the
        deputy secretary's posts only the secretary or the committee (an organizer cannot make
        herself secretary)."""
        if self.oversees(branch_id):
            return True
        if role in SECRETARY_POSTS:
            return branch_id in self.secretary_branch_ids
        return self.manages(branch_id)

    def oversees_committee(self, committee_id: int | None) -> bool:
        return committee_id in self.overseen_committee_ids

    def can_view_branch(self, branch_id: int) -> bool:
        return (
            self.manages(branch_id)
            or self.oversees(branch_id)
            or branch_id == self.home_branch_id
            or branch_id in self.host_branch_ids
        )

    def can_view_member(self, member: Member) -> bool:
        """Own profile, the home branch's managers and committee, or a host branch's managers."""
        if member.id == self.member_id:
            return True
        if self.manages(member.branch_id) or self.oversees(member.branch_id):
            return True
        return any(self.manages(b) for b in hosting_branch_ids(member.id))

    def can_view_floating(self, member: Member) -> bool:
        """A member's floating memberships: the member, the home branch's managers and committee, and
        the managers and committee of any branch that hosts or hosted them."""
        if member.id == self.member_id or self.manages(member.branch_id) or self.oversees(member.branch_id):
            return True
        return any(self.manages(fm.host_branch_id) or self.oversees(fm.host_branch_id)
                   for fm in member.floating_memberships)

    def can_view_record(self, record) -> bool:
        return (
            record.member_id == self.member_id
            or self.manages(record.branch_id)
            or self.manages(record.member.branch_id)
            or self.oversees(record.branch_id)
            or self.oversees(record.member.branch_id)
        )

    def record_scope(self, record_cls):
        """A SQL condition selecting exactly the records `can_view_record` allows."""
        visible = self.managed_branch_ids | self.overseen_branch_ids
        member_branch = sa.select(Member.branch_id).where(Member.id == record_cls.member_id).scalar_subquery()
        conditions = [record_cls.branch_id.in_(visible), member_branch.in_(visible)]
        if self.member_id is not None:
            conditions.append(record_cls.member_id == self.member_id)
        return sa.or_(*conditions)


def hosting_branch_ids(member_id: int, on: dt.date | None = None) -> set[int]:
    on = on or clock.today()
    rows = db.session.scalars(
        sa.select(FloatingMembership).where(FloatingMembership.member_id == member_id)
    ).all()
    return {fm.host_branch_id for fm in rows if fm.is_current(on)}


def committees_under(committee_id: int) -> set[int]:
    """The committee and every committee nested under it."""
    committee_ids = {committee_id}
    frontier = {committee_id}
    while frontier:
        frontier = set(
            db.session.scalars(sa.select(Committee.id).where(Committee.parent_id.in_(frontier)))
        ) - committee_ids
        committee_ids |= frontier
    return committee_ids


def branches_under(committee_id: int, committee_ids: set[int] | None = None) -> set[int]:
    committee_ids = committee_ids or committees_under(committee_id)
    return set(db.session.scalars(sa.select(Branch.id).where(Branch.committee_id.in_(committee_ids))))


def load_principal(user) -> Principal:
    return principal_of(user.id)


def account_facts() -> tuple[list, sa.Join]:
    """What `principal_of` reads of an account first (its member and committee, the member's branch
    and the day they left, the committee's parent, whether the member has any post or floating
    membership at all), and the join of `user_account` it comes from."""
    user, member, committee = User.__table__, Member.__table__, Committee.__table__
    role, floating = BranchRole.__table__, FloatingMembership.__table__
    # Most members have neither: their principal then needs no statement of its own.
    posts_or_floating = sa.or_(
        sa.exists().where(role.c.member_id == user.c.member_id,
                          role.c.role.in_([sa.literal(r.value) for r in MANAGING_ROLES])),
        sa.exists().where(floating.c.member_id == user.c.member_id))
    return ([user.c.member_id, user.c.committee_id, member.c.branch_id, member.c.left_on, committee.c.parent_id,
             posts_or_floating.label("posts_or_floating")],
            user.outerjoin(member, member.c.id == user.c.member_id)
            .outerjoin(committee, committee.c.id == user.c.committee_id))


@prepared
def _account_of(_dialect):
    columns, accounts = account_facts()
    return sa.select(*columns).select_from(accounts).where(User.__table__.c.id == sa.bindparam("user_id"))


@prepared
def _posts_and_floating(_dialect):
    role, floating = BranchRole.__table__, FloatingMembership.__table__
    posts = sa.select(sa.literal("post"), role.c.branch_id, role.c.role, role.c.starts_on, role.c.ends_on).where(
        role.c.member_id == sa.bindparam("member_id"), role.c.role.in_([sa.literal(r.value) for r in MANAGING_ROLES]))
    hosts = sa.select(sa.literal("floating"), floating.c.host_branch_id, sa.null(), floating.c.starts_on,
                      floating.c.ends_on).where(floating.c.member_id == sa.bindparam("member_id"))
    return sa.union_all(posts, hosts)


def principal_of(user_id: int, account: tuple | None = None) -> Principal:
    """Who the account is, today: the account with its member and committee (unless `account`
    gives them, as the request's session check read them), then the member's posts and floating
    memberships together when there are any."""
    on = clock.today()
    managed: set[int] = set()
    secretary: set[int] = set()
    hosts: set[int] = set()
    member_id, committee_id, home, left_on, parent_id, posts_or_floating = account or execute(
        _account_of, {"user_id": user_id}).one()
    if member_id is not None and posts_or_floating:
        for kind, branch_id, role, starts_on, ends_on in execute(_posts_and_floating, {"member_id": member_id}):
            if not (starts_on <= on and (ends_on is None or on <= ends_on)):
                continue
            if kind == "floating":
                hosts.add(branch_id)
            else:
                managed.add(branch_id)
                if role in (BranchRoleKind.secretary, BranchRoleKind.secretary.value):
                    secretary.add(branch_id)
    committees: set[int] = set()
    overseen: set[int] = set()
    if committee_id is not None:
        committees = committees_under(committee_id)
        overseen = branches_under(committee_id, committees)
    return Principal(
        user_id=user_id,
        member_id=member_id,
        home_branch_id=home,
        managed_branch_ids=frozenset(managed),
        overseen_branch_ids=frozenset(overseen),
        host_branch_ids=frozenset(hosts),
        overseen_committee_ids=frozenset(committees),
        is_top_committee=committee_id is not None and parent_id is None,
        secretary_branch_ids=frozenset(secretary),
        home_left_on=left_on,
    )


def principal() -> Principal:
    """The caller of this request (requires a verified JWT).

    Made once per token and day, and kept while the access generation stands
    (server/core/cache.py): the token's id is in the key, so a refreshed token starts afresh,
    and the session's revocation is checked on every request before this is reached."""
    if "principal" not in g:
        claims = get_jwt()
        key = (int(claims["sub"]), claims.get("sid"), claims.get("jti"), clock.today(), generations()[0])
        cache = app_cache("principals")
        found = cache.get(key) if key[-1] is not None else None
        if found is None:
            found = principal_of(key[0], g.get("account_facts"))
            if key[-1] is not None:
                cache.put(key, found)
        g.principal = found
    return g.principal


def account() -> User:
    """The caller's account row, for the few views that read or change the account itself."""
    return db.session.get(User, principal().user_id)
