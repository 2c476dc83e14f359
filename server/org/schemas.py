from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.core.api import ID_RANGE
from server.core.enums import BranchRoleKind, DuesCategory, MemberStatus, Sector
from sync import clock

Name = lambda: fields.String(required=True, validate=validate.Length(min=1, max=100))  # noqa: E731


class CommitteeSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    parent_id = fields.Integer(allow_none=True)


class BranchDirectorySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    committee_name = fields.String()


class BranchSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    sector = fields.Enum(Sector, by_value=True)
    committee_id = fields.Integer()


class GroupSchema(Schema):
    id = fields.Integer(dump_only=True)
    branch_id = fields.Integer(dump_only=True)
    name = Name()


class FloatingMembershipSchema(Schema):
    id = fields.Integer(dump_only=True)
    member_id = fields.Integer(dump_only=True)
    host_branch_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True, load_default=None)
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=500))

    @validates_schema
    def _period(self, data, **_):
        if data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("The period ends before it starts.", "ends_on")


class MemberSchema(Schema):
    id = fields.Integer(dump_only=True)
    branch_id = fields.Integer(dump_only=True)
    group_id = fields.Integer(allow_none=True, strict=True, validate=ID_RANGE)
    name = Name()
    status = fields.Enum(MemberStatus, by_value=True, required=True)
    admitted_on = fields.Date(allow_none=True)
    full_since = fields.Date(allow_none=True)
    dues_category = fields.Enum(DuesCategory, by_value=True)
    phone = fields.String(allow_none=True, validate=validate.Regexp(r"^\+?[0-9 -]{5,20}$"))
    # Sector of work, free text: 农业, 机关, 企业, 个体, 学生, 退休...
    work_sector = fields.String(allow_none=True, validate=validate.Length(max=50))
    left_on = fields.Date(allow_none=True)
    floating_memberships = fields.List(fields.Nested(FloatingMembershipSchema), dump_only=True)


class RosterMemberSchema(MemberSchema):
    """A row of the branch's roster: the member, their group's name, and whether they hold an
    active card and have a login."""

    group_name = fields.Function(lambda m: m.group.name if m.group else None, dump_only=True,
                                 metadata={"type": "string", "nullable": True})
    has_card = fields.Boolean(dump_only=True)
    has_login = fields.Boolean(dump_only=True)


class MemberCreateSchema(MemberSchema):
    # An optional login for the new member.
    username = fields.String(load_only=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{3,64}$"))
    # The policy (length, strength) is checked by the operation, which words the refusal.
    password = fields.String(load_only=True, validate=validate.Length(min=1, max=256))

    @validates_schema
    def _account(self, data, **_):
        if ("username" in data) != ("password" in data):
            raise ValidationError("Give both a username and a password, or neither.", "username")


class MemberUpdateSchema(MemberSchema):
    def __init__(self, *args, **kwargs):
        # A PATCH sends only what changes. (marshmallow has no `class Meta: partial`: it was ignored,
        # so every PATCH had to repeat all the required fields.)
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class BranchRoleSchema(Schema):
    id = fields.Integer(dump_only=True)
    branch_id = fields.Integer(dump_only=True)
    member_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    member_name = fields.Function(lambda r: r.member.name, dump_only=True)
    role = fields.Enum(BranchRoleKind, by_value=True, required=True)
    group_id = fields.Integer(allow_none=True, load_default=None, strict=True, validate=ID_RANGE)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(dump_only=True, allow_none=True)


class EndRoleSchema(Schema):
    ends_on = fields.Date(required=True)


class MemberFloatingSchema(FloatingMembershipSchema):
    """One of a member's floating memberships, as listed for the member."""

    host_branch_name = fields.String(attribute="host_branch.name", dump_only=True)
    current = fields.Function(lambda fm: fm.is_current(clock.today()), dump_only=True,
                              metadata={"type": "boolean", "description": "Whether the member floats there today."})


class EndFloatingSchema(Schema):
    ends_on = fields.Date(required=True)
