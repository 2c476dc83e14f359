from __future__ import annotations

import datetime as dt


def test_created_group_and_leave_request_come_back_with_their_ids(client, auth, world):
    group = client.post(f"/api/v1/branches/{world.branch_a}/groups", json={"name": "第三党小组"},
                        headers=auth.headers("secretary_a"))
    assert group.status_code == 201 and isinstance(group.json["id"], int)
    listed = client.get(f"/api/v1/branches/{world.branch_a}/groups", headers=auth.headers("member")).json
    assert {"id": group.json["id"], "branch_id": world.branch_a, "name": "第三党小组"} in listed
    leave = client.post(f"/api/v1/events/{world.event_a}/leave-requests", json={"reason": "家中有事"},
                        headers=auth.headers("member"))
    assert leave.status_code == 201 and isinstance(leave.json["id"], int)


def test_secretary_adds_a_member_with_a_login_and_registers_them_as_floating(client, auth, world):
    created = client.post(f"/api/v1/branches/{world.branch_a}/members",
                          json={"name": "新党员", "status": "probationary", "admitted_on": "2026-07-01",
                                "username": "xindangyuan", "password": "a-long-password"},
                          headers=auth.headers("secretary_a"))
    assert created.status_code == 201
    login = client.post("/api/v1/auth/login", json={"username": "xindangyuan", "password": "a-long-password"})
    assert login.status_code == 200
    floating = client.post(f"/api/v1/members/{created.json['id']}/floating",
                           json={"host_branch_id": world.branch_b, "starts_on": "2026-08-01"},
                           headers=auth.headers("secretary_a"))
    assert floating.status_code == 201
    hosted = client.get(f"/api/v1/branches/{world.branch_b}/floating-members", headers=auth.headers("secretary_b"))
    assert created.json["id"] in [m["id"] for m in hosted.json]
    duplicate = client.post(f"/api/v1/branches/{world.branch_a}/members",
                            json={"name": "重名", "status": "full", "username": "xindangyuan", "password": "tea kettle river seven"},
                            headers=auth.headers("secretary_a"))
    assert duplicate.status_code == 409


def test_role_changes_are_audited_and_take_effect_at_once(client, auth, world):
    headers = auth.headers("member2")
    assert client.get(f"/api/v1/branches/{world.branch_a}/members", headers=headers).status_code == 403
    role = client.post(f"/api/v1/branches/{world.branch_a}/roles",
                       json={"member_id": world.member2, "role": "organizer", "starts_on": "2026-01-01"},
                       headers=auth.headers("secretary_a"))
    assert role.status_code == 201
    assert client.get(f"/api/v1/branches/{world.branch_a}/members", headers=headers).status_code == 200
    ended = client.post(f"/api/v1/roles/{role.json['id']}/end", json={"ends_on": "2026-01-02"},
                        headers=auth.headers("committee"))
    assert ended.status_code == 200
    assert client.get(f"/api/v1/branches/{world.branch_a}/members", headers=headers).status_code == 403
    actions = [e["action"] for e in client.get(f"/api/v1/branches/{world.branch_a}/audit",
                                               headers=auth.headers("secretary_a")).json]
    assert actions[:2] == ["role.ended", "role.assigned"]


# --- the roster -----------------------------------------------------------------------------------

def test_the_roster_lists_each_members_group_card_login_and_work_sector(app, client, auth, world):
    import sqlalchemy as sa

    from server.core.db import db
    from server.org.models import Branch, Group
    from tests.server import factories

    created = client.post(f"/api/v1/branches/{world.branch_a}/members",
                          json={"name": "刘农", "status": "full", "work_sector": "农业", "phone": "138 0000 0001"},
                          headers=auth.headers("secretary_a"))
    assert created.status_code == 201 and created.json["work_sector"] == "农业"
    roster = client.get(f"/api/v1/branches/{world.branch_a}/members", headers=auth.headers("secretary_a"))
    assert roster.status_code == 200
    rows = {m["name"]: m for m in roster.json}
    assert set(rows) == {"李明", "王芳", "赵书记", "刘农"}
    assert {k: rows["李明"][k] for k in ("group_id", "group_name", "status", "has_card", "has_login")} == {
        "group_id": world.group_a, "group_name": "第一党小组", "status": "full", "has_card": True, "has_login": True}
    assert (rows["王芳"]["has_card"], rows["王芳"]["has_login"], rows["王芳"]["status"]) == (False, True, "probationary")
    assert (rows["赵书记"]["has_card"], rows["赵书记"]["has_login"], rows["赵书记"]["group_name"]) == (False, True, None)
    assert (rows["刘农"]["has_card"], rows["刘农"]["has_login"], rows["刘农"]["phone"]) == (False, False, "138 0000 0001")
    for key in ("admitted_on", "full_since", "left_on", "work_sector", "dues_category", "floating_memberships"):
        assert key in rows["李明"], key
    home = {m["name"]: m for m in client.get(f"/api/v1/branches/{world.branch_b}/members",
                                             headers=auth.headers("committee")).json}
    assert home["孙流动"]["has_card"] is True and home["孙流动"]["floating_memberships"][0]["host_branch_id"] == world.branch_a

    # A fixed number of queries, whatever the branch's size.
    with app.test_request_context():
        branch, group = db.session.get(Branch, world.branch_a), db.session.get(Group, world.group_a)
        for n in range(20):
            factories.create_member(branch, f"党员{n}", username=f"roster{n}", group=group)
        db.session.commit()
        engine = db.engine
    headers = auth.headers("secretary_a")
    statements = []

    def count(_conn, _cursor, statement, *_):
        statements.append(statement)
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        big = client.get(f"/api/v1/branches/{world.branch_a}/members", headers=headers)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(big.json) == 24 and all(m["has_login"] for m in big.json if m["name"].startswith("党员"))
    assert len(statements) < 12, statements


def test_the_home_branch_edits_a_members_details_and_each_change_is_audited(app, client, auth, world):
    from server.core.db import db
    from server.org.models import Branch
    from tests.server import factories

    with app.test_request_context():
        second = factories.create_group(db.session.get(Branch, world.branch_a), "第二党小组").id
        other = factories.create_group(db.session.get(Branch, world.branch_b), "B的小组").id
        db.session.commit()
    headers = auth.headers("secretary_a")
    url = f"/api/v1/members/{world.member2}"
    changes = {"status": "full", "group_id": second, "admitted_on": "2025-07-01", "full_since": "2026-07-01",
               "phone": "+86 139 0000 0002", "dues_category": "retired", "work_sector": "退休", "left_on": "2026-12-31"}
    patched = client.patch(url, json=changes, headers=headers)
    assert patched.status_code == 200, patched.json
    assert {k: patched.json[k] for k in changes} == changes
    entry = client.get(f"/api/v1/branches/{world.branch_a}/audit", headers=headers).json[0]
    assert entry["action"] == "member.updated" and entry["target_id"] == world.member2
    assert entry["data"]["new"] == changes
    assert entry["data"]["old"] == {"status": "probationary", "group_id": world.group_a, "admitted_on": None,
                                    "full_since": None, "phone": None, "dues_category": "employed",
                                    "work_sector": None, "left_on": None}
    moved_away = client.patch(url, json={"group_id": other}, headers=headers)
    assert moved_away.status_code == 422 and "group_id" in moved_away.json["errors"]["json"]
    assert client.patch(url, json={"work_sector": "农" * 51}, headers=headers).status_code == 422
    for who in ("secretary_b", "committee", "member2"):
        assert client.patch(url, json={"work_sector": "企业"}, headers=auth.headers(who)).status_code == 403, who


# --- floating memberships -------------------------------------------------------------------------

def floating_of(client, auth, member_id, who):
    return client.get(f"/api/v1/members/{member_id}/floating", headers=auth.headers(who))


def test_a_members_floating_memberships_are_seen_by_home_host_committee_and_themself(client, auth, world):
    for who in ("floating", "secretary_b", "secretary_a", "committee"):
        response = floating_of(client, auth, world.floating, who)
        assert response.status_code == 200, who
        (fm,) = response.json
        assert (fm["host_branch_id"], fm["host_branch_name"], fm["ends_on"], fm["current"]) == (
            world.branch_a, "红旗村党支部", None, True)
    for who in ("member", "member_b", "other_committee"):
        assert floating_of(client, auth, world.floating, who).status_code == 403, who
    assert floating_of(client, auth, world.member, "member").json == []


def test_home_or_host_branch_ends_a_floating_membership(client, auth, world, clock):
    clock.set_now(dt.date(2026, 10, 20))
    (fm,) = floating_of(client, auth, world.floating, "floating").json
    url = f"/api/v1/floating-memberships/{fm['id']}/end"
    for who in ("floating", "member", "committee", "member_b"):
        assert client.post(url, json={"ends_on": "2026-10-31"}, headers=auth.headers(who)).status_code == 403, who
    before = client.post(url, json={"ends_on": "2019-12-31"}, headers=auth.headers("secretary_a"))
    assert before.status_code == 422 and "ends_on" in before.json["errors"]["json"]
    ended = client.post(url, json={"ends_on": "2026-10-31"}, headers=auth.headers("secretary_a"))  # the host
    assert ended.status_code == 200 and ended.json["ends_on"] == "2026-10-31" and ended.json["current"] is True
    moved = client.post(url, json={"ends_on": "2026-10-25"}, headers=auth.headers("secretary_b"))  # the home branch
    assert moved.status_code == 200, moved.json  # an end still to come can be moved
    entry = client.get(f"/api/v1/branches/{world.branch_b}/audit", headers=auth.headers("secretary_b")).json[0]
    assert entry["action"] == "floating.ended" and entry["data"]["old_ends_on"] == "2026-10-31"
    clock.set_now(dt.date(2026, 11, 2))
    (after,) = floating_of(client, auth, world.floating, "secretary_b").json
    assert after["current"] is False
    again = client.post(url, json={"ends_on": "2026-11-30"}, headers=auth.headers("secretary_b"))
    assert again.status_code == 409
    # No longer hosted by A.
    assert client.get(f"/api/v1/branches/{world.branch_a}/floating-members",
                      headers=auth.headers("secretary_a")).json == []


def test_the_branch_directory_names_every_branch_for_choosing_a_host(client, auth, world):
    directory = client.get("/api/v1/branch-directory", headers=auth.headers("secretary_a"))
    assert directory.status_code == 200
    assert {b["name"] for b in directory.json} >= {"红旗村党支部", "县财政局机关党支部", "星火科技党支部"}
    assert set(directory.json[0]) == {"id", "name", "committee_name"}  # names only
    assert client.get("/api/v1/branch-directory", headers=auth.headers("member")).status_code == 403
