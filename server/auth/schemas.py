from __future__ import annotations

from marshmallow import Schema, fields, validate


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))


class TokenPairSchema(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)


class AccessTokenSchema(Schema):
    access_token = fields.String(required=True)


class LogoutSchema(Schema):
    # Optional and no longer needed: logout ends the whole session (this token's and the refresh
    # token's). A refresh token of another session of the same account sent here is ended too.
    refresh_token = fields.String(validate=validate.Length(max=4096))


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))
    # The policy (length, strength) is checked by the operation, which words the refusal.
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))


class BranchRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class MeSchema(Schema):
    user_id = fields.Integer()
    username = fields.String()
    locale = fields.String()
    member_id = fields.Integer(allow_none=True)
    member_name = fields.String(allow_none=True)
    home_branch_id = fields.Integer(allow_none=True)
    committee_id = fields.Integer(allow_none=True)
    managed_branch_ids = fields.List(fields.Integer())
    overseen_branch_ids = fields.List(fields.Integer())
    host_branch_ids = fields.List(fields.Integer())
    is_top_committee = fields.Boolean(metadata={
        "description": "An account of a top-level committee: it loads the official holiday schedule."})
