"""The rulebook PDFs: the A4 handbook with the branch's own details and adopted featured systems,
the A3 poster; Chinese text extractable (the font embedded); who may download them."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

D = dt.date
API = "/api/v1"


@pytest.fixture(autouse=True)
def _october(clock):
    clock.set_now(D(2026, 10, 15))


def text_of(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "".join(page.extract_text() for page in reader.pages).replace("\n", "")


def test_the_handbook_carries_the_branch_its_details_and_adopted_systems(client, auth, world):
    adopted = client.post(f"{API}/branches/{world.branch_a}/featured-systems",
                          json={"template_code": "village-remote-study"}, headers=auth.headers("secretary_a"))
    assert adopted.status_code == 201
    response = client.get(f"{API}/branches/{world.branch_a}/rulebook.pdf", headers=auth.headers("member"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    reader, text = text_of(response.data)
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4
    for expected in ("红旗村党支部", "党支部工作“8+X”制度手册", "“三会一课”制度", "党费收缴、使用和管理制度",
                     "第一党小组（2名党员）", "2026年统一活动日", "书记：赵书记",
                     "远程教育固定学习日", "每月固定一天组织党员", "远程教育学习日：每月20日"):
        assert expected in text, expected
    fonts = {str(f) for page in reader.pages for f in (page["/Resources"].get("/Font") or {}).values()}
    assert fonts  # text is drawn with an embedded font, not images


def test_the_poster_is_one_a3_page_with_the_eight_systems_and_the_featured_ones(client, auth, world):
    client.post(f"{API}/branches/{world.branch_a}/featured-systems", json={"template_code": "village-affairs-disclosure"},
                headers=auth.headers("secretary_a"))
    response = client.get(f"{API}/branches/{world.branch_a}/poster.pdf", headers=auth.headers("secretary_a"))
    assert response.status_code == 200
    reader, text = text_of(response.data)
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (842, 1191)  # A3
    for expected in ("红旗村党支部", "每月召开一次支委会", "每年至少公布一次收缴情况", "特色制度", "党务公开"):
        assert expected in text, expected


def test_a_branch_without_featured_systems_says_so(client, auth, world):
    _, text = text_of(client.get(f"{API}/branches/{world.branch_a}/rulebook.pdf", headers=auth.headers("committee")).data)
    assert "本支部尚未采用特色制度" in text


@pytest.mark.parametrize("who, status", [("member", 200), ("secretary_a", 200), ("committee", 200),
                                         ("member_b", 403), ("secretary_b", 403), ("other_committee", 403),
                                         ("floating", 403)])
@pytest.mark.parametrize("name", ["rulebook.pdf", "poster.pdf"])
def test_who_may_download(client, auth, world, who, status, name):
    assert client.get(f"{API}/branches/{world.branch_a}/{name}", headers=auth.headers(who)).status_code == status
