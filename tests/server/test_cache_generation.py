"""The per-worker caches (server/core/cache.py) never serve what the database no longer says.

Each worker keeps a caller's Principal (posts, floating memberships, committee subtree) and the
events it judged, checked against generations that database triggers move (migration 0029). A
change made any way at all (ORM, Core, raw SQL, another program) must take effect on the very
next request, with the same token."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from server.core.cache import ACCESS, EVENTS
from server.core.db import db


def generation(app, which: int) -> int:
    with app.app_context():
        return db.session.execute(sa.text("SELECT value FROM cache_generation WHERE id = :id"), {"id": which}).scalar()


def run_sql(app, sql: str, **params) -> None:
    with app.app_context():
        db.session.execute(sa.text(sql), params)
        db.session.commit()


def test_an_ended_post_stops_managing_on_the_next_request_with_the_same_token(app, client, world, auth):
    headers = auth.headers("secretary_a")
    scans = f"/api/v1/events/{world.event_a}/scans"
    assert client.get(scans, headers=headers).status_code == 200
    assert client.get(scans, headers=headers).status_code == 200  # served from the cache
    run_sql(app, "DELETE FROM branch_role WHERE id = :id", id=world.role_secretary_a)
    assert client.get(scans, headers=headers).status_code == 403


def test_a_committee_sees_a_new_branch_at_once(app, client, world, auth):
    headers = auth.headers("committee")
    assert client.get("/api/v1/auth/me", headers=headers).json["overseen_branch_ids"] == sorted(
        [world.branch_a, world.branch_b])
    with app.app_context():
        from server.core.enums import Sector
        from server.org.models import Branch

        branch = Branch(committee_id=world.committee_id, name="新建党支部", sector=Sector.village)
        db.session.add(branch)
        db.session.commit()
        new_id = branch.id
    assert new_id in client.get("/api/v1/auth/me", headers=headers).json["overseen_branch_ids"]


def test_a_disabled_account_is_refused_at_once(app, client, world, auth):
    headers = auth.headers("member")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    run_sql(app, "UPDATE user_account SET is_active = :no WHERE username = 'member'", no=False)
    response = client.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.json["message"] == "This account no longer exists or is disabled."


# (guarded table, a statement changing it, the generation it must move)
GUARDED = [
    ("user_account", "UPDATE user_account SET committee_id = NULL WHERE username = 'committee'", ACCESS),
    ("member (branch)", "UPDATE member SET branch_id = :branch_b WHERE id = :member", ACCESS),
    ("member (left)", "UPDATE member SET left_on = '2026-01-01' WHERE id = :member", ACCESS),
    ("branch (new)", "INSERT INTO branch (committee_id, name, sector, created_at) "
                     "SELECT committee_id, 'x', sector, created_at FROM branch WHERE id = :branch_b", ACCESS),
    ("branch (moved)", "UPDATE branch SET committee_id = committee_id WHERE id = :branch_b", ACCESS),
    ("committee (new)", "INSERT INTO committee (name, parent_id, created_at) "
                        "SELECT 'y', id, created_at FROM committee WHERE id = :committee", ACCESS),
    ("branch_role", "DELETE FROM branch_role WHERE id = :role", ACCESS),
    ("floating_membership", "UPDATE floating_membership SET ends_on = '2026-01-02' WHERE member_id = :floating", ACCESS),
    ("event", "UPDATE event SET title = 'moved' WHERE id = :event", EVENTS),
]


@pytest.mark.parametrize("sql,which", [(sql, which) for _, sql, which in GUARDED],
                         ids=[name for name, _, _ in GUARDED])
def test_every_guarded_change_moves_its_generation(app, world, sql, which):
    before = {g: generation(app, g) for g in (ACCESS, EVENTS)}
    run_sql(app, sql, branch_b=world.branch_b, member=world.member, committee=world.committee_id,
            role=world.role_secretary_a, floating=world.floating, event=world.event_a)
    assert generation(app, which) != before[which]
    other = EVENTS if which == ACCESS else ACCESS
    assert generation(app, other) == before[other]


def test_what_no_cache_holds_leaves_the_generations_alone(app, world):
    """A member's phone number or a new event is not in a Principal or an event cache."""
    before = (generation(app, ACCESS), generation(app, EVENTS))
    run_sql(app, "UPDATE member SET phone = '13900000000' WHERE id = :member", member=world.member)
    with app.test_request_context():
        from tests.server.factories import create_event_for
        from server.org.models import Branch

        create_event_for(db.session.get(Branch, world.branch_a))
        db.session.commit()
    assert (generation(app, ACCESS), generation(app, EVENTS)) == before
