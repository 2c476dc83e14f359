from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import get_jwt, jwt_required

from server.auth import operations
from server.auth.access import account, principal
from server.auth.schemas import (
    AccessTokenSchema, LoginSchema, LogoutSchema, MeSchema, PasswordChangeSchema, TokenPairSchema,
)
from server.core.api import FeatureBlueprint, abort
from server.core.limiter import limiter, login_failed, login_pair_key, per_address_limit, per_pair_limit

blp = FeatureBlueprint("auth", __name__, url_prefix="/auth", description="Login, token refresh and logout")


@blp.route("/login")
class Login(MethodView):
    # Failed attempts are limited per address, and per username from one address with longer
    # windows after the first (a backoff). Nothing counts attempts per username alone: anyone
    # could then keep a member out by failing on purpose (docs/security.md).
    decorators = [
        limiter.limit(per_address_limit, deduct_when=login_failed),
        limiter.limit(per_pair_limit, key_func=login_pair_key, deduct_when=login_failed),
    ]

    @blp.doc(security=[])
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenPairSchema)
    def post(self, credentials):
        """Log in with a username and password; returns an access and a refresh token."""
        user = operations.authenticate(credentials["username"], credentials["password"])
        if user is None:
            abort(401, message="Wrong username or password.")
        return operations.issue_tokens(user)


@blp.route("/refresh")
class Refresh(MethodView):
    @jwt_required(refresh=True)
    @blp.response(200, AccessTokenSchema)
    def post(self):
        """Exchange the refresh token (as the bearer token) for a new access token of the same session."""
        return {"access_token": operations.issue_access_token(account(), get_jwt()["sid"])}


@blp.route("/logout")
class Logout(MethodView):
    @jwt_required()
    @blp.arguments(LogoutSchema)
    @blp.response(204)
    def post(self, body):
        """End this session: its access and refresh tokens stop working, whatever the body says."""
        user_id = principal().user_id
        operations.end_sessions(user_id, "logout", only=get_jwt()["sid"])
        if "refresh_token" in body:
            payload = operations.decode_own_refresh_token(body["refresh_token"], user_id)
            if payload is None:
                abort(422, message="That is not a refresh token of this account.")
            operations.end_sessions(user_id, "logout", only=payload.get("sid"))


@blp.route("/logout-all")
class LogoutEverywhere(MethodView):
    @jwt_required()
    @blp.response(204)
    def post(self):
        """Log out on all devices: every session of this account ends, this one included."""
        operations.end_sessions(principal().user_id, "logout_all")


@blp.route("/password")
class Password(MethodView):
    @jwt_required()
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    def post(self, body):
        """Change one's password (the current one is asked again); sessions on other devices end."""
        operations.change_password(account(), body["current_password"], body["new_password"], get_jwt()["sid"])


@blp.route("/me")
class Me(MethodView):
    @jwt_required()
    @blp.response(200, MeSchema)
    def get(self):
        """Who is logged in, and what they may manage or oversee."""
        p = principal()
        user = account()
        member = user.member
        return {
            "user_id": user.id,
            "username": user.username,
            "locale": user.locale,
            "member_id": p.member_id,
            "member_name": member.name if member else None,
            "home_branch_id": p.home_branch_id,
            "committee_id": user.committee_id,
            "managed_branch_ids": sorted(p.managed_branch_ids),
            "overseen_branch_ids": sorted(p.overseen_branch_ids),
            "host_branch_ids": sorted(p.host_branch_ids),
            "is_top_committee": p.is_top_committee,
        }
