"""An inspector's phone (390×844) checks a printed 党员手册 page offline: the QR of a real page of
the member's archive PDF is genuine and lists the records on the page; the same QR with one
character changed (a forged or altered page) is refused."""
from __future__ import annotations

from playwright.sync_api import expect

from server.archive import pdf as archive_pdf
from tests.browser import live

expect.set_options(timeout=15_000)


def printed_page_qrs(app, username: str, member_id: int, monkeypatch) -> list[str]:
    """The QR texts of the pages of the member's archive PDF, as printed (captured while rendering)."""
    texts: list[str] = []
    sign = archive_pdf.sign_archive_page
    monkeypatch.setattr(archive_pdf, "sign_archive_page", lambda claims, key: texts.append(sign(claims, key)) or texts[-1])
    response = app.test_client().get(f"/api/v1/members/{member_id}/archive.pdf", headers=live.api_login(app, username))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return texts


def verify_offline(phones, url, username, qr_text):
    page = phones.phone(phones.video(qr_text))
    live.login(page, url, username)  # pulls the signing keys once
    live.wait_service_worker(page)
    live.go_offline(page.context)
    live.wait_sync_state(page, "offline")
    page.goto(f"{url}/verify-archive")
    return page


def test_a_printed_archive_page_verifies_offline_and_an_altered_one_does_not(phones, live_server, cast, monkeypatch):
    url, app = live_server.url, live_server.app
    live.api_get(app, cast.member, "/api/v1/me/card")  # the member exists with a card and a record to print
    qrs = printed_page_qrs(app, cast.member, cast.member_id, monkeypatch)
    assert qrs

    page = verify_offline(phones, url, cast.secretary, qrs[0])
    verdict = page.get_by_test_id("archive-verdict")
    expect(verdict).to_have_attribute("data-ok", "1")
    expect(page.get_by_test_id("archive-verdict-title")).to_contain_text("真实有效")
    expect(page.get_by_test_id("archive-verdict-name")).to_have_text("李明")
    expect(page.get_by_test_id("archive-verdict-pageno")).to_contain_text(f"第 1 页 共 {len(qrs)} 页")

    prefix, payload, signature = qrs[0].split(".")
    altered = ".".join((prefix, payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1], signature))
    forged = verify_offline(phones, url, cast.secretary, altered)
    expect(forged.get_by_test_id("archive-verdict")).to_have_attribute("data-ok", "0")
    expect(forged.get_by_test_id("archive-verdict-title")).to_have_text("无法证明真实")
