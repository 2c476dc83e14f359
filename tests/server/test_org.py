from __future__ import annotations


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
