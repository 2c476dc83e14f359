from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import selectinload, with_expression

from server.audit.operations import log_action
from server.auth.models import User
from server.auth.operations import create_user
from server.cards.models import Card
from server.core.api import abort
from server.core.db import db
from server.core.security import check_password_policy
from server.core.enums import MANAGING_ROLES, CardStatus
from server.org.models import Branch, BranchRole, FloatingMembership, Group, Member
from sync import clock


def check_group_in_branch(branch_id: int, group_id: int | None) -> None:
    if group_id is None:
        return
    group = db.session.get(Group, group_id)
    if group is None or group.branch_id != branch_id:
        abort(422, message="That group is not in this branch.", errors={"json": {"group_id": ["Unknown group."]}})


def create_group(branch: Branch, name: str) -> Group:
    group = Group(branch=branch, name=name)
    db.session.add(group)
    db.session.flush()  # the response carries the new id
    return group


def create_member(branch: Branch, data: dict, actor_id: int) -> Member:
    username = data.pop("username", None)
    password = data.pop("password", None)
    if password is not None:
        problems = check_password_policy(password, user_inputs=[username, data.get("name")])
        if problems:
            abort(422, message=problems[0], errors={"json": {"password": problems}})
    check_group_in_branch(branch.id, data.get("group_id"))
    member = Member(branch_id=branch.id, **data)
    db.session.add(member)
    db.session.flush()
    if username:
        create_user(username, password, member_id=member.id)
    log_action(actor_id, "member.created", member, branch_id=branch.id)
    return member


def update_member(member: Member, changes: dict, actor_id: int) -> Member:
    check_group_in_branch(member.branch_id, changes.get("group_id"))
    old = {key: _plain(getattr(member, key)) for key in changes}
    for key, value in changes.items():
        setattr(member, key, value)
    log_action(actor_id, "member.updated", member, branch_id=member.branch_id,
               old=old, new={k: _plain(v) for k, v in changes.items()})
    return member


def add_floating_membership(member: Member, data: dict, actor_id: int) -> FloatingMembership:
    host = db.session.get(Branch, data["host_branch_id"])
    if host is None or host.id == member.branch_id:
        abort(422, message="The host branch must be another existing branch.",
              errors={"json": {"host_branch_id": ["Unknown or same as home branch."]}})
    fm = FloatingMembership(member=member, **data)
    db.session.add(fm)
    db.session.flush()
    log_action(actor_id, "floating.started", fm, branch_id=member.branch_id, host_branch_id=host.id)
    return fm


def end_floating_membership(fm: FloatingMembership, ends_on: dt.date, actor_id: int) -> FloatingMembership:
    """The member stops floating at the host branch on `ends_on` (the last day there). An end date
    still to come may be moved; one already past may not."""
    if fm.ends_on is not None and fm.ends_on < clock.today():
        abort(409, message="This floating membership has already ended.")
    if ends_on < fm.starts_on:
        abort(422, message="A floating membership cannot end before it starts.",
              errors={"json": {"ends_on": ["Before start."]}})
    old = fm.ends_on
    fm.ends_on = ends_on
    log_action(actor_id, "floating.ended", fm, branch_id=fm.member.branch_id, member_id=fm.member_id,
               host_branch_id=fm.host_branch_id, ends_on=ends_on.isoformat(), old_ends_on=_plain(old))
    return fm


def roster(branch: Branch) -> list[Member]:
    """The branch's own members with their group, floating memberships, and whether each holds an
    active card and has a login: a fixed number of queries, whatever the branch's size."""
    has_card = sa.exists().where(Card.member_id == Member.id, Card.status == CardStatus.active)
    has_login = sa.exists().where(User.member_id == Member.id)
    stmt = (sa.select(Member).where(Member.branch_id == branch.id)
            .options(with_expression(Member.has_card, has_card), with_expression(Member.has_login, has_login),
                     selectinload(Member.group), selectinload(Member.floating_memberships))
            # The caller's own member row is already loaded: fill the expressions on it too.
            .execution_options(populate_existing=True)
            .order_by(Member.id))
    return db.session.scalars(stmt).all()


def assign_role(branch: Branch, data: dict, actor_id: int) -> BranchRole:
    member = db.session.get(Member, data["member_id"])
    if member is None or member.branch_id != branch.id:
        abort(422, message="Only a member of this branch can hold one of its posts.",
              errors={"json": {"member_id": ["Not a member of this branch."]}})
    check_group_in_branch(branch.id, data.get("group_id"))
    role = BranchRole(branch_id=branch.id, **data)
    db.session.add(role)
    db.session.flush()
    log_action(actor_id, "role.assigned", role, branch_id=branch.id, member_id=member.id, role=role.role.value)
    return role


def end_role(role: BranchRole, ends_on: dt.date, actor_id: int) -> BranchRole:
    if role.ends_on is not None:
        abort(409, message="This post has already ended.")
    if ends_on < role.starts_on:
        abort(422, message="A post cannot end before it starts.", errors={"json": {"ends_on": ["Before start."]}})
    role.ends_on = ends_on
    log_action(actor_id, "role.ended", role, branch_id=role.branch_id, member_id=role.member_id,
               role=role.role.value, ends_on=ends_on.isoformat())
    return role


def current_managers(branch_id: int, on: dt.date) -> list[BranchRole]:
    roles = db.session.scalars(
        sa.select(BranchRole).where(BranchRole.branch_id == branch_id, BranchRole.role.in_(MANAGING_ROLES))
    )
    return [r for r in roles if r.is_current(on)]


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return getattr(value, "value", value)
