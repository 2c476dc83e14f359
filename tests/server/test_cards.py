from __future__ import annotations

import pytest
import sqlalchemy as sa

from server.cards.models import Card
from server.core.db import db
from server.core.enums import CardStatus


def test_secretary_issues_a_card_and_a_second_active_card_is_refused(client, auth, world):
    headers = auth.headers("secretary_a")
    issued = client.post(f"/api/v1/members/{world.member2}/cards", json={}, headers=headers)
    assert issued.status_code == 201
    assert issued.json["status"] == "active" and issued.json["kind"] == "regular"
    again = client.post(f"/api/v1/members/{world.member2}/cards", json={}, headers=headers)
    assert again.status_code == 409
    assert "already has an active card" in again.json["message"]


def test_floating_member_gets_a_floating_card_by_default(app, client, auth, world):
    headers = auth.headers("secretary_b")
    with app.app_context():
        db.session.get(Card, world.card_floating).status = CardStatus.revoked
        db.session.commit()
    issued = client.post(f"/api/v1/members/{world.floating}/cards", json={}, headers=headers)
    assert issued.status_code == 201
    assert issued.json["kind"] == "floating"


def test_reissue_revokes_the_old_card_and_links_the_new_one(client, auth, world):
    headers = auth.headers("secretary_a")
    new = client.post(f"/api/v1/cards/{world.card_member}/reissue", json={"reason": "手机丢失"}, headers=headers)
    assert new.status_code == 201
    assert new.json["replaces_id"] == world.card_member
    cards = client.get(f"/api/v1/members/{world.member}/cards", headers=headers).json
    assert [c["status"] for c in cards] == ["active", "replaced"]
    assert cards[1]["revoked_reason"] == "手机丢失"
    mine = client.get("/api/v1/me/card", headers=auth.headers("member"))
    assert mine.json["id"] == new.json["id"]


def test_revoked_card_cannot_be_revoked_or_reissued_again(client, auth, world):
    headers = auth.headers("secretary_a")
    assert client.post(f"/api/v1/cards/{world.card_member}/revoke", json={"reason": "离开支部"},
                       headers=headers).status_code == 200
    assert client.post(f"/api/v1/cards/{world.card_member}/revoke", json={"reason": "再次"},
                       headers=headers).status_code == 409
    assert client.post(f"/api/v1/cards/{world.card_member}/reissue", json={"reason": "再次"},
                       headers=headers).status_code == 409
    assert client.get("/api/v1/me/card", headers=auth.headers("member")).status_code == 404


def test_database_refuses_two_active_cards_for_one_person(app, world):
    """One person, one card holds even for code that skips the operations layer."""
    with app.app_context():
        import datetime as dt

        db.session.add(Card(serial="DIRECTINSERT", member_id=world.member, kind="regular",
                            status=CardStatus.active, expires_on=dt.date(2030, 1, 1)))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()
        active = db.session.scalar(sa.select(sa.func.count()).select_from(Card).where(
            Card.member_id == world.member, Card.status == CardStatus.active))
        assert active == 1


def test_card_changes_are_in_the_audit_log(client, auth, world):
    headers = auth.headers("secretary_a")
    client.post(f"/api/v1/cards/{world.card_member}/reissue", json={"reason": "卡片损坏"}, headers=headers)
    actions = [e["action"] for e in client.get(f"/api/v1/branches/{world.branch_a}/audit", headers=headers).json]
    assert actions[:2] == ["card.issued", "card.replaced"]


def test_printable_card_sheet_lists_every_active_card_with_name_and_serial(app, client, auth, world):
    import io

    from pypdf import PdfReader

    with app.app_context():
        from server.cards.models import Card

        serial = db.session.get(Card, world.card_member).serial
    response = client.get(f"/api/v1/branches/{world.branch_a}/cards/sheet.pdf", headers=auth.headers("secretary_a"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert serial in text and "党员活动证" in text
    assert client.get(f"/api/v1/branches/{world.branch_a}/cards/sheet.pdf",
                      headers=auth.headers("member")).status_code == 403
    assert client.get(f"/api/v1/branches/{world.branch_b}/cards/sheet.pdf",
                      headers=auth.headers("secretary_a")).status_code == 403


def test_one_members_card_prints_alone_for_the_member_and_the_home_branch(app, client, auth, world):
    import io

    from pypdf import PdfReader

    with app.app_context():
        serial = db.session.get(Card, world.card_member).serial
    url = f"/api/v1/members/{world.member}/card.pdf"
    for who in ("secretary_a", "member"):
        response = client.get(url, headers=auth.headers(who))
        assert response.status_code == 200 and response.mimetype == "application/pdf", who
        assert f'filename="card-member-{world.member}.pdf"' in response.headers["Content-Disposition"]
        (page,) = PdfReader(io.BytesIO(response.data)).pages
        text = page.extract_text()
        assert serial in text and "党员活动证" in text and "李明" in text and "红旗村党支部" in text
        assert round(float(page.mediabox.width)) == 595  # A4, cut out to the card's size
    for who in ("member2", "secretary_b", "committee", "floating"):
        assert client.get(url, headers=auth.headers(who)).status_code == 403, who
    floating = client.get(f"/api/v1/members/{world.floating}/card.pdf", headers=auth.headers("secretary_b"))
    assert floating.status_code == 200 and "流动党员活动证" in PdfReader(io.BytesIO(floating.data)).pages[0].extract_text()


def test_a_member_without_an_active_card_has_nothing_to_print(client, auth, world):
    response = client.get(f"/api/v1/members/{world.member2}/card.pdf", headers=auth.headers("secretary_a"))
    assert response.status_code == 404 and "no active card" in response.json["message"]
