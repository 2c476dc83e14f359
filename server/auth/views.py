from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import current_user, get_jwt, jwt_required

from server.auth import operations
from server.auth.access import principal
from server.auth.schemas import AccessTokenSchema, LoginSchema, LogoutSchema, MeSchema, TokenPairSchema
from server.core.api import FeatureBlueprint, abort
from server.core.limiter import limiter, login_account_key, per_account_limit, per_address_limit

blp = FeatureBlueprint("auth", __name__, url_prefix="/auth", description="Login, token refresh and logout")


@blp.route("/login")
class Login(MethodView):
    decorators = [
        limiter.limit(per_address_limit),
        limiter.limit(per_account_limit, key_func=login_account_key),
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
        """Exchange the refresh token (as the bearer token) for a new access token."""
        return {"access_token": operations.issue_access_token(current_user)}


@blp.route("/logout")
class Logout(MethodView):
    @jwt_required()
    @blp.arguments(LogoutSchema)
    @blp.response(204)
    def post(self, body):
        """Revoke the access token, and the refresh token when it is sent too."""
        operations.revoke(get_jwt())
        if "refresh_token" in body:
            payload = operations.decode_own_refresh_token(body["refresh_token"], current_user.id)
            if payload is None:
                abort(422, message="That is not a refresh token of this account.")
            operations.revoke(payload)


@blp.route("/me")
class Me(MethodView):
    @jwt_required()
    @blp.response(200, MeSchema)
    def get(self):
        """Who is logged in, and what they may manage or oversee."""
        p = principal()
        member = current_user.member
        return {
            "user_id": current_user.id,
            "username": current_user.username,
            "locale": current_user.locale,
            "member_id": p.member_id,
            "member_name": member.name if member else None,
            "home_branch_id": p.home_branch_id,
            "committee_id": current_user.committee_id,
            "managed_branch_ids": sorted(p.managed_branch_ids),
            "overseen_branch_ids": sorted(p.overseen_branch_ids),
            "host_branch_ids": sorted(p.host_branch_ids),
        }
