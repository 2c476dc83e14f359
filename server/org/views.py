from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_jwt_extended import jwt_required

from server.auth.access import principal
from server.core.api import FeatureBlueprint, load_or_404, require
from server.core.db import db
from server.org import operations
from server.org.models import Branch, BranchRole, Committee, FloatingMembership, Member
from server.org.schemas import (
    BranchDirectorySchema,
    BranchRoleSchema,
    BranchSchema,
    EndFloatingSchema,
    EndRoleSchema,
    FloatingMembershipSchema,
    GroupSchema,
    MemberCreateSchema,
    MemberFloatingSchema,
    MemberSchema,
    MemberUpdateSchema,
    RosterMemberSchema,
)
from sync import clock

blp = FeatureBlueprint("org", __name__, description="Branches, groups, members, floating members and posts")


@blp.route("/branches")
class Branches(MethodView):
    @jwt_required()
    @blp.response(200, BranchSchema(many=True))
    def get(self):
        """Branches the caller belongs to, hosts them, manages or oversees."""
        p = principal()
        ids = p.managed_branch_ids | p.overseen_branch_ids | p.host_branch_ids
        if p.home_branch_id:
            ids |= {p.home_branch_id}
        return db.session.scalars(sa.select(Branch).where(Branch.id.in_(ids)).order_by(Branch.id)).all()


@blp.route("/branch-directory")
class BranchDirectory(MethodView):
    @jwt_required()
    @blp.response(200, BranchDirectorySchema(many=True))
    def get(self):
        """Every branch's id and name, for a secretary registering a member floating to another
        branch (its host) and for committees; names only, nothing of their members."""
        p = principal()
        require(bool(p.managed_branch_ids) or p.is_committee, "Only branch managers and committees use the directory.")
        rows = db.session.execute(sa.select(Branch.id, Branch.name, Committee.name.label("committee_name"))
                                  .join(Committee, Branch.committee_id == Committee.id).order_by(Branch.id))
        return [dict(r._mapping) for r in rows]


@blp.route("/branches/<int:branch_id>")
class BranchItem(MethodView):
    @jwt_required()
    @blp.response(200, BranchSchema)
    def get(self, branch_id):
        branch = load_or_404(Branch, branch_id)
        require(principal().can_view_branch(branch.id))
        return branch


@blp.route("/branches/<int:branch_id>/groups")
class Groups(MethodView):
    @jwt_required()
    @blp.response(200, GroupSchema(many=True))
    def get(self, branch_id):
        branch = load_or_404(Branch, branch_id)
        require(principal().can_view_branch(branch.id))
        return branch.groups

    @jwt_required()
    @blp.arguments(GroupSchema)
    @blp.response(201, GroupSchema)
    def post(self, data, branch_id):
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id))
        return operations.create_group(branch, data["name"])


@blp.route("/branches/<int:branch_id>/members")
class Members(MethodView):
    @jwt_required()
    @blp.response(200, RosterMemberSchema(many=True))
    def get(self, branch_id):
        """The branch's roster: its own members, those who left included (`left_on`), each with their
        group's name and whether they hold an active card and have a login (floating members hosted
        here: see floating-members)."""
        branch = load_or_404(Branch, branch_id)
        p = principal()
        require(p.manages(branch.id) or p.oversees(branch.id))
        return operations.roster(branch)

    @jwt_required()
    @blp.arguments(MemberCreateSchema)
    @blp.response(201, MemberSchema)
    def post(self, data, branch_id):
        branch = load_or_404(Branch, branch_id)
        require(principal().manages(branch.id))
        return operations.create_member(branch, data, principal().user_id)


@blp.route("/branches/<int:branch_id>/floating-members")
class HostedFloatingMembers(MethodView):
    @jwt_required()
    @blp.response(200, MemberSchema(many=True))
    def get(self, branch_id):
        """Floating members this branch hosts today."""
        branch = load_or_404(Branch, branch_id)
        p = principal()
        require(p.manages(branch.id) or p.oversees(branch.id))
        rows = db.session.scalars(
            sa.select(FloatingMembership).where(FloatingMembership.host_branch_id == branch.id)
        ).all()
        on = clock.today()
        return sorted({fm.member for fm in rows if fm.is_current(on)}, key=lambda m: m.id)


@blp.route("/members/<int:member_id>")
class MemberItem(MethodView):
    @jwt_required()
    @blp.response(200, MemberSchema)
    def get(self, member_id):
        member = load_or_404(Member, member_id)
        require(principal().can_view_member(member))
        return member

    @jwt_required()
    @blp.arguments(MemberUpdateSchema)
    @blp.response(200, MemberSchema)
    def patch(self, changes, member_id):
        member = load_or_404(Member, member_id)
        require(principal().manages(member.branch_id))
        return operations.update_member(member, changes, principal().user_id)


@blp.route("/members/<int:member_id>/floating")
class MemberFloating(MethodView):
    @jwt_required()
    @blp.response(200, MemberFloatingSchema(many=True))
    def get(self, member_id):
        """The member's floating memberships, past and present, oldest first (the member, the home
        branch's managers and committee, and the managers and committee of a branch that hosts or
        hosted them)."""
        member = load_or_404(Member, member_id)
        require(principal().can_view_floating(member))
        return member.floating_memberships

    @jwt_required()
    @blp.arguments(FloatingMembershipSchema)
    @blp.response(201, FloatingMembershipSchema)
    def post(self, data, member_id):
        """Register the member as floating to a host branch (by the home branch)."""
        member = load_or_404(Member, member_id)
        require(principal().manages(member.branch_id))
        return operations.add_floating_membership(member, data, principal().user_id)


@blp.route("/floating-memberships/<int:floating_id>/end")
class EndFloatingMembership(MethodView):
    @jwt_required()
    @blp.arguments(EndFloatingSchema)
    @blp.response(200, MemberFloatingSchema)
    def post(self, data, floating_id):
        """End a floating membership on `ends_on`, its last day (the home or the host branch's managers)."""
        fm = load_or_404(FloatingMembership, floating_id)
        p = principal()
        require(p.manages(fm.member.branch_id) or p.manages(fm.host_branch_id))
        return operations.end_floating_membership(fm, data["ends_on"], p.user_id)


@blp.route("/branches/<int:branch_id>/roles")
class Roles(MethodView):
    @jwt_required()
    @blp.response(200, BranchRoleSchema(many=True))
    def get(self, branch_id):
        branch = load_or_404(Branch, branch_id)
        require(principal().can_view_branch(branch.id))
        return db.session.scalars(sa.select(BranchRole).where(BranchRole.branch_id == branch.id)
                                  .order_by(BranchRole.id)).all()

    @jwt_required()
    @blp.arguments(BranchRoleSchema)
    @blp.response(201, BranchRoleSchema)
    def post(self, data, branch_id):
        """Appoint a member to a post (by the branch's managers or its committee; the secretary's and
        deputy secretary's posts only by the secretary or the committee)."""
        branch = load_or_404(Branch, branch_id)
        p = principal()
        require(p.may_appoint(branch.id, data["role"]))
        return operations.assign_role(branch, data, p.user_id)


@blp.route("/roles/<int:role_id>/end")
class EndRole(MethodView):
    @jwt_required()
    @blp.arguments(EndRoleSchema)
    @blp.response(200, BranchRoleSchema)
    def post(self, data, role_id):
        role = load_or_404(BranchRole, role_id)
        p = principal()
        require(p.may_appoint(role.branch_id, role.role))
        return operations.end_role(role, data["ends_on"], p.user_id)
