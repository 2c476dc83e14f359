"""The web-security baseline (docs/security.md): headers, sessions, passwords, posts, spreadsheets."""
from __future__ import annotations

import io

import openpyxl
import pytest

from tests.server.factories import PASSWORD

API = "/api/v1"


def login(client, username, password=PASSWORD):
    response = client.post(f"{API}/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.json
    return response.json


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# --- headers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/records", f"{API}/docs", f"{API}/openapi.json", f"{API}/auth/me"])
def test_every_answer_carries_the_security_headers(client, world, path):
    response = client.get(path)
    response.close()  # the app shell is a streamed file
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: no HSTS


def test_api_answers_with_personal_data_are_not_stored_by_caches(client, auth, world):
    response = client.get(f"{API}/branches/{world.branch_a}/members", headers=auth.headers("secretary_a"))
    assert response.status_code == 200 and any(m["name"] == "李明" for m in response.json)
    assert response.headers["Cache-Control"] == "no-store"
    for path in (f"{API}/auth/me", f"{API}/records"):
        assert client.get(path, headers=auth.headers("member")).headers["Cache-Control"] == "no-store"
    assert client.post(f"{API}/auth/login", json={"username": "member", "password": PASSWORD}) \
        .headers["Cache-Control"] == "no-store"


def test_hsts_over_https(client, world):
    response = client.get("/", base_url="https://zhibu.example")
    response.close()
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_api_documents_page_has_no_inline_script(client, world):
    page = client.get(f"{API}/docs").get_data(as_text=True)
    assert "<script>" not in page and 'src="/api/v1/docs/start.js"' in page
    start = client.get(f"{API}/docs/start.js")
    assert start.status_code == 200 and "SwaggerUIBundle" in start.get_data(as_text=True)
    assert start.headers["Content-Type"].startswith("text/javascript")


# --- sessions ------------------------------------------------------------------------------------

def test_logout_without_the_refresh_token_in_the_body_ends_the_refresh_token_too(client, world):
    """Finding: a logout that did not send the refresh token left it working for 30 days."""
    tokens = login(client, "member")
    assert client.post(f"{API}/auth/logout", json={}, headers=bearer(tokens["access_token"])).status_code == 204
    assert client.get(f"{API}/auth/me", headers=bearer(tokens["access_token"])).status_code == 401
    assert client.post(f"{API}/auth/refresh", headers=bearer(tokens["refresh_token"])).status_code == 401


def test_a_refreshed_access_token_belongs_to_its_session(client, world):
    tokens = login(client, "member")
    fresh = client.post(f"{API}/auth/refresh", headers=bearer(tokens["refresh_token"])).json["access_token"]
    other = login(client, "member")  # the same member on another phone
    assert client.post(f"{API}/auth/logout", json={}, headers=bearer(fresh)).status_code == 204
    for token in (tokens["access_token"], fresh, tokens["refresh_token"]):
        assert client.get(f"{API}/auth/me", headers=bearer(token)).status_code == 401
    assert client.get(f"{API}/auth/me", headers=bearer(other["access_token"])).status_code == 200


def test_log_out_on_all_devices(client, world):
    phone, tablet = login(client, "member"), login(client, "member")
    somebody_else = login(client, "member2")
    assert client.post(f"{API}/auth/logout-all", headers=bearer(phone["access_token"])).status_code == 204
    for tokens in (phone, tablet):
        assert client.get(f"{API}/auth/me", headers=bearer(tokens["access_token"])).status_code == 401
        assert client.post(f"{API}/auth/refresh", headers=bearer(tokens["refresh_token"])).status_code == 401
    assert client.get(f"{API}/auth/me", headers=bearer(somebody_else["access_token"])).status_code == 200
    assert client.post(f"{API}/auth/login", json={"username": "member", "password": PASSWORD}).status_code == 200


def test_a_token_without_a_session_is_refused(app, client, world):
    from flask_jwt_extended import create_access_token

    from server.auth.models import User
    from server.core.db import db

    with app.app_context():
        token = create_access_token(identity=db.session.query(User).filter_by(username="member").one())
    assert client.get(f"{API}/auth/me", headers=bearer(token)).status_code == 401


# --- passwords -----------------------------------------------------------------------------------

STRONG = "red flag village tea 2026"


def test_password_change_checks_the_current_one_and_ends_the_other_sessions(client, world):
    here, elsewhere = login(client, "member"), login(client, "member")
    wrong = client.post(f"{API}/auth/password", json={"current_password": "nope", "new_password": STRONG},
                        headers=bearer(here["access_token"]))
    assert wrong.status_code == 422 and "current_password" in wrong.json["errors"]["json"]
    changed = client.post(f"{API}/auth/password", json={"current_password": PASSWORD, "new_password": STRONG},
                          headers=bearer(here["access_token"]))
    assert changed.status_code == 204, changed.json
    assert client.get(f"{API}/auth/me", headers=bearer(here["access_token"])).status_code == 200
    assert client.get(f"{API}/auth/me", headers=bearer(elsewhere["access_token"])).status_code == 401
    assert client.post(f"{API}/auth/login", json={"username": "member", "password": PASSWORD}).status_code == 401
    login(client, "member", STRONG)


@pytest.mark.parametrize("weak", ["12345678", "password", "11111111", "qwertyuiop", "member2026", "abc"])
def test_common_and_trivial_passwords_are_refused_with_a_message_in_chinese(client, auth, world, weak):
    """Finding: any 8-character password was accepted (12345678)."""
    changed = client.post(f"{API}/auth/password", json={"current_password": PASSWORD, "new_password": weak},
                          headers=auth.headers("member"))
    assert changed.status_code == 422
    assert "密码" in changed.json["message"] and changed.json["errors"]["json"]["new_password"]
    created = client.post(f"{API}/branches/{world.branch_a}/members",
                          json={"name": "新党员", "status": "full", "username": "xin", "password": weak},
                          headers=auth.headers("secretary_a"))
    assert created.status_code == 422 and "密码" in created.json["errors"]["json"]["password"][0]


# --- posts ---------------------------------------------------------------------------------------

def test_an_organizer_cannot_make_herself_secretary(app, client, auth, world):
    """Finding: an organizer could make herself secretary."""
    from server.core.db import db
    from server.core.enums import BranchRoleKind
    from server.org.models import Member
    from tests.server.factories import create_role

    with app.app_context():
        create_role(db.session.get(Member, world.member2), BranchRoleKind.organizer)
        db.session.commit()
    organizer = auth.headers("member2")
    for role in ("secretary", "deputy_secretary"):
        response = client.post(f"{API}/branches/{world.branch_a}/roles",
                               json={"member_id": world.member2, "role": role, "starts_on": "2026-01-01"},
                               headers=organizer)
        assert response.status_code == 403, response.json
    assert client.post(f"{API}/roles/{world.role_secretary_a}/end", json={"ends_on": "2026-06-30"},
                       headers=organizer).status_code == 403
    # She still appoints a group leader; the secretary and the committee appoint a deputy.
    assert client.post(f"{API}/branches/{world.branch_a}/roles",
                       json={"member_id": world.member, "role": "group_leader", "starts_on": "2026-01-01"},
                       headers=organizer).status_code == 201
    for who in ("secretary_a", "committee"):
        assert client.post(f"{API}/branches/{world.branch_a}/roles",
                           json={"member_id": world.member2, "role": "deputy_secretary", "starts_on": "2026-01-01"},
                           headers=auth.headers(who)).status_code == 201


# --- spreadsheets --------------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1)"]


def test_user_text_never_becomes_a_formula_in_a_workbook(app, client, auth, world):
    """Finding: a member name starting with "=" became a live formula in attendance.xlsx."""
    from server.core.db import db
    from server.events.models import Event
    from server.org.models import Branch
    from tests.server.factories import create_member, create_record

    with app.app_context():
        branch = db.session.get(Branch, world.branch_a)
        event = db.session.get(Event, world.event_a)
        for i, name in enumerate(FORMULAS):
            create_record(create_member(branch, name), event=event)
        db.session.commit()
    response = client.get(f"{API}/events/{world.event_a}/attendance.xlsx", headers=auth.headers("secretary_a"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    cells = {c.value: c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    for text in FORMULAS:
        assert text in cells, text
        assert cells[text].data_type == "s" and cells[text].quotePrefix, text


def test_the_shared_writer_keeps_text_as_text():
    from openpyxl import Workbook

    from server.core.xlsx import put

    ws = Workbook().active
    assert put(ws, 1, 1, "=1+1").data_type == "s"
    assert put(ws, 1, 2, "党员大会").data_type == "s" and not ws.cell(1, 2).quotePrefix
    assert put(ws, 1, 3, 12).data_type == "n"
