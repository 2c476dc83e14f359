"""述职评议 through the API: the material generated from the year's compliance (a dated world), the
secretary's sections, submit / return / resubmit / grade with their refusals, who may do what,
the committee's list, and the PDF (text extracted with pypdf) and Word (.docx opened with
python-docx) exports."""
from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from server.audit.models import AuditEntry
from server.core.db import db
from server.core.enums import EventKind
from server.org.models import Branch, Member
from tests.server.factories import china_time, create_meeting

D = dt.date
API = "/api/v1"
TODAY = D(2026, 1, 15)  # the review of 2025, written in January
SECTIONS = {"performance": "全年组织召开支委会，推进村级集体经济发展。", "problems": "党小组会召开不够经常。",
            "measures": "建立党小组会提醒制度。", "plans": "2026年按月召开党小组会。"}


@pytest.fixture(autouse=True)
def _january(clock):
    clock.set_now(TODAY)


@pytest.fixture
def year_2025(app, world):
    """Branch A registered in 2024; in 2025 a branch committee meeting in March and the evaluation
    meeting in December, both held with attendance and minutes; nothing else."""
    with app.test_request_context():
        a = db.session.get(Branch, world.branch_a)
        a.created_at = china_time(D(2024, 12, 1))
        member = db.session.get(Member, world.member)
        create_meeting(a, EventKind.branch_committee_meeting, D(2025, 3, 12), attendees=[member])
        create_meeting(a, EventKind.evaluation_meeting, D(2025, 12, 10), attendees=[member])
        db.session.commit()
    return world


def url(world, suffix="", year=2025):
    return f"{API}/branches/{world.branch_a}/secretary-reviews/{year}{suffix}"


def write(client, auth, world, sections=SECTIONS, who="secretary_a"):
    return client.put(url(world), json={"sections": sections}, headers=auth.headers(who))


@pytest.mark.db
def test_the_material_is_generated_from_the_years_compliance(client, auth, year_2025):
    page = client.get(url(year_2025), headers=auth.headers("secretary_a")).json
    assert page["state"] == "none" and page["id"] is None and page["may_edit"] and not page["may_submit"]
    assert page["secretary_name"] == "赵书记"
    facts = page["facts"]
    committee = next(r for r in facts["rules"] if r["rule"] == "3M1-committee")
    # Twelve months judged, met in March only (the year is over: nothing is still due).
    assert (committee["met"], committee["missed"], committee["due"]) == (1, 11, 0)
    assert facts["summary"]["met"] >= 2 and sum(facts["summary"].values()) == sum(
        r["met"] + r["late"] + r["missed"] + r["due"] for r in facts["rules"])
    assert facts["evaluation"] == [{"where": "2025年度", "state": "met", "state_zh": "已落实", "note": ""}]
    assert [r["where"] for r in facts["dues_remit"]] == ["2025年第1季度", "2025年第2季度", "2025年第3季度", "2025年第4季度"]
    april = next(p for p in facts["problems"] if p["rule"] == "3M1-committee" and p["where"] == "2025年4月")
    assert april["state_zh"] == "未落实" and "支委会" in april["reason"]
    assert not any(p["where"] == "2025年3月" and p["rule"] == "3M1-committee" for p in facts["problems"])
    performance, problems = page["sections"][0], page["sections"][1]
    assert (performance["title"], problems["title"]) == ("履职情况", "存在问题")
    assert "民主评议党员大会（2025年度）：已落实。" in performance["generated"]
    assert any(line.startswith("2025年4月每月召开一次支委会") or "2025年4月" in line for line in problems["generated"])
    assert [s["title"] for s in page["sections"]] == ["履职情况", "存在问题", "整改措施", "下一步打算"]


@pytest.mark.db
def test_corrections_requested_and_closed_in_the_year_go_to_the_measures(app, client, auth, clock, year_2025):
    from server.corrections import operations as corrections
    from server.org.models import Committee

    w = year_2025
    with app.test_request_context():
        branch, committee = db.session.get(Branch, w.branch_a), db.session.get(Committee, w.committee_id)
        clock.set_now(D(2025, 5, 6))
        closed = corrections.send(committee, branch, {"rule_id": "3M1-committee", "period": "2025-04",
                                                      "deadline": D(2025, 5, 31)}, None)
        clock.set_now(D(2025, 5, 20))
        corrections.answer(closed, {"text": "已补开支委会", "evidence": []}, None)
        corrections.decide(closed, True, None, None)
        clock.set_now(D(2025, 11, 3))
        corrections.send(committee, branch, {"finding": "党员档案未及时更新", "deadline": D(2025, 12, 15)}, None)
        db.session.commit()
    clock.set_now(TODAY)
    page = client.get(url(w), headers=auth.headers("secretary_a")).json
    assert (page["facts"]["corrections"]["requested"], page["facts"]["corrections"]["closed"]) == (2, 1)
    measures = next(s for s in page["sections"] if s["key"] == "measures")["generated"]
    assert measures[0] == "上级党委下发整改通知2件，已整改销号1件。"
    assert "5月20日整改销号" in measures[1] and "党员档案未及时更新" in measures[2] and "已逾期" in measures[2]


@pytest.mark.db
def test_draft_submit_return_resubmit_grade_and_the_audit(app, client, auth, year_2025):
    w = year_2025
    saved = write(client, auth, w, {**SECTIONS, "plans": "  "})
    assert saved.status_code == 200 and saved.json["state"] == "draft" and saved.json["may_submit"]
    refused = client.post(url(w, "/submit"), headers=auth.headers("secretary_a"))
    assert refused.status_code == 422 and list(refused.json["errors"]["sections"]) == ["plans"]
    assert write(client, auth, w).status_code == 200
    # The committee cannot grade a draft.
    assert client.post(url(w, "/grade"), json={"grade": "good"}, headers=auth.headers("committee")).status_code == 409
    submitted = client.post(url(w, "/submit"), headers=auth.headers("secretary_a"))
    assert submitted.status_code == 200 and submitted.json["state"] == "submitted"
    assert not submitted.json["may_edit"]
    assert write(client, auth, w).status_code == 409  # frozen while the committee reviews it
    assert client.post(url(w, "/return"), json={"reason": "  "}, headers=auth.headers("committee")).status_code == 422
    returned = client.post(url(w, "/return"), json={"reason": "存在问题要具体到党小组"}, headers=auth.headers("committee"))
    assert returned.json["state"] == "returned" and returned.json["return_reason"] == "存在问题要具体到党小组"
    seen = client.get(url(w), headers=auth.headers("secretary_a")).json
    assert seen["may_edit"] and seen["return_reason"] == "存在问题要具体到党小组"
    write(client, auth, w, {**SECTIONS, "problems": "第一党小组全年仅召开三次党小组会。"})
    again = client.post(url(w, "/submit"), headers=auth.headers("secretary_a")).json
    assert again["state"] == "submitted" and again["return_reason"] is None
    assert client.post(url(w, "/grade"), json={"grade": "excellent"}, headers=auth.headers("committee")).status_code == 422
    graded = client.post(url(w, "/grade"), json={"grade": "fairly_good", "comment": "整改及时"},
                         headers=auth.headers("committee"))
    assert graded.status_code == 200
    assert (graded.json["state"], graded.json["grade_zh"], graded.json["comment"]) == ("graded", "较好", "整改及时")
    assert client.post(url(w, "/return"), json={"reason": "再改"}, headers=auth.headers("committee")).status_code == 409
    assert next(s for s in graded.json["sections"] if s["key"] == "problems")["text"] == "第一党小组全年仅召开三次党小组会。"
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.target_type == "secretary_review")
                                     .order_by(AuditEntry.id)).all()
    assert actions == ["secretary_review.save", "secretary_review.save", "secretary_review.submit",
                       "secretary_review.return", "secretary_review.save", "secretary_review.submit",
                       "secretary_review.grade"]


@pytest.mark.db
def test_the_submitted_facts_are_frozen(app, client, auth, year_2025):
    w = year_2025
    write(client, auth, w)
    client.post(url(w, "/submit"), headers=auth.headers("secretary_a"))
    before = client.get(url(w), headers=auth.headers("committee")).json["facts"]
    with app.test_request_context():
        create_meeting(db.session.get(Branch, w.branch_a), EventKind.branch_committee_meeting, D(2025, 4, 9),
                       attendees=[db.session.get(Member, w.member)])
        db.session.commit()
    assert client.get(url(w), headers=auth.headers("committee")).json["facts"] == before


@pytest.mark.db
def test_who_may_write_read_and_grade(client, auth, year_2025):
    w = year_2025
    # Only the secretary writes; the committee and the other branch's secretary neither write nor read...
    assert write(client, auth, w, who="committee").status_code == 403
    assert write(client, auth, w, who="secretary_b").status_code == 403
    assert client.get(url(w), headers=auth.headers("member")).status_code == 403
    assert client.get(url(w), headers=auth.headers("other_committee")).status_code == 403
    write(client, auth, w)
    assert client.post(url(w, "/submit"), headers=auth.headers("committee")).status_code == 403
    client.post(url(w, "/submit"), headers=auth.headers("secretary_a"))
    # ...and the secretary does not grade their own review.
    assert client.post(url(w, "/grade"), json={"grade": "good"}, headers=auth.headers("secretary_a")).status_code == 403
    assert client.get(url(w, year=2027), headers=auth.headers("secretary_a")).status_code == 404  # a future year
    assert client.get(url(w, "/submit", year=2024)[:-7], headers=auth.headers("secretary_a")).json["state"] == "none"


@pytest.mark.db
def test_the_committee_lists_its_branches_reviews(client, auth, year_2025):
    w = year_2025
    write(client, auth, w)
    client.post(url(w, "/submit"), headers=auth.headers("secretary_a"))
    rows = client.get(f"{API}/committees/{w.committee_id}/secretary-reviews?year=2025", headers=auth.headers("committee")).json
    assert [(r["branch_id"], r["state"], r["secretary_name"]) for r in rows] == [
        (w.branch_a, "submitted", "赵书记"), (w.branch_b, "none", None)]
    # Without a year: last year's.
    assert client.get(f"{API}/committees/{w.committee_id}/secretary-reviews", headers=auth.headers("committee")).json == rows


@pytest.mark.db
def test_the_pdf_and_the_word_document_carry_the_sections_and_escape_user_text(client, auth, year_2025):
    w = year_2025
    assert client.get(url(w, ".pdf"), headers=auth.headers("secretary_a")).status_code == 404  # nothing written yet
    write(client, auth, w, {**SECTIONS, "measures": "<b>加强</b> & 落实 <font size=40>整改</font>"})
    client.post(url(w, "/submit"), headers=auth.headers("secretary_a"))
    client.post(url(w, "/grade"), json={"grade": "good", "comment": "材料翔实"}, headers=auth.headers("committee"))
    pdf = client.get(url(w, ".pdf"), headers=auth.headers("committee"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    for expected in ("红旗村党支部书记2025年度述职报告", "述职人：赵书记", "一、履职情况", "二、存在问题", "三、整改措施",
                     "四、下一步打算", "民主评议党员大会", "<b>加强</b> & 落实 <font size=40>整改</font>", "评议等次：好"):
        assert expected in text, expected
    word = client.get(url(w, ".docx"), headers=auth.headers("secretary_a"))
    assert word.status_code == 200 and word.mimetype.endswith("wordprocessingml.document")
    paragraphs = [p.text for p in docx.Document(io.BytesIO(word.data)).paragraphs]
    assert paragraphs[0] == "红旗村党支部书记2025年度述职报告"
    assert ["一、履职情况", "二、存在问题", "三、整改措施", "四、下一步打算"] == [p for p in paragraphs if p[1:2] == "、"]
    assert SECTIONS["plans"] in paragraphs and "<b>加强</b> & 落实 <font size=40>整改</font>" in paragraphs
    assert "评议等次：好" in paragraphs and "材料翔实" in paragraphs
