"""The member's archive (党员手册): who may read it, what it holds, the PDF with its signed page
QRs, the branch's zip, the print register and LOG-archive's facts."""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from tests.server.factories import china_time, create_event_for, create_record

API = "/api/v1"
PRINTED = dt.date(2026, 12, 10)


@dataclasses.dataclass
class Cast:
    world: object
    study: int
    reward: int
    hosted: int


@pytest.fixture
def cast(app, clock):
    """The world on 10 December 2026, and the member's year: the world's assembly (tomorrow, at
    the branch), a confirmed study record, an acknowledged reward, a dues payment, an approved
    evaluation grade (and a grade still under review, which the archive must not show)."""
    from server.auth.access import load_principal
    from server.auth.models import User
    from server.core.db import db
    from server.core.enums import DuesCategory, EvaluationGrade, EventKind, RecordKind
    from server.dues.models import DuesBasis
    from server.dues.operations import PaymentAttempt, record_payment
    from server.evaluation.models import Evaluation, EvaluationMember, EvaluationStage, ReviewState
    from server.org.models import Branch, Member
    from tests.server.factories import build_world

    clock.travel_to(china_time(PRINTED, 10))
    with app.test_request_context():
        w = build_world()
        member = db.session.get(Member, w.member)
        member.phone = "13800138000"
        member.admitted_on = dt.date(2015, 7, 1)
        study = create_record(member, kind=RecordKind.study, title="网上学习：党的二十届四中全会精神",
                              occurred_on=dt.date(2026, 3, 5), acknowledged_at=clock.now(), confirmed_at=clock.now())
        reward = create_record(member, kind=RecordKind.reward, title="优秀共产党员", occurred_on=dt.date(2026, 7, 1),
                               acknowledged_at=clock.now())
        create_record(member, kind=RecordKind.role_performance, title="带头参加村庄环境整治",
                      occurred_on=dt.date(2025, 6, 1))
        floating = db.session.get(Member, w.floating)
        lecture = create_event_for(db.session.get(Branch, w.branch_a), kind=EventKind.training,
                                   title="农村党员冬训班", starts_at=china_time(dt.date(2026, 11, 20), 9))
        hosted = create_record(floating, event=lecture)
        db.session.add(DuesBasis(member_id=w.member, category=DuesCategory.rural, monthly_fen=100,
                                 effective_from=dt.date(2026, 12, 1)))
        secretary = db.session.get(Member, w.secretary_a)
        user = db.session.query(User).filter_by(member_id=secretary.id).one()
        record_payment(load_principal(user), PaymentAttempt("archive-dues-1", w.member, ["2026-12"], 100, clock.now()))
        graded = Evaluation(branch_id=w.branch_a, year=2025, title="2025年度民主评议党员", stage=EvaluationStage.closed)
        reviewing = Evaluation(branch_id=w.branch_a, year=2026, title="2026年度民主评议党员",
                               stage=EvaluationStage.review)
        db.session.add_all([graded, reviewing])
        db.session.flush()
        db.session.add_all([
            EvaluationMember(evaluation_id=graded.id, member_id=w.member, grade=EvaluationGrade.excellent,
                             review=ReviewState.approved, reviewed_at=china_time(dt.date(2026, 1, 20)),
                             feedback_at=china_time(dt.date(2026, 1, 25))),
            EvaluationMember(evaluation_id=reviewing.id, member_id=w.member, grade=EvaluationGrade.unqualified,
                             review=ReviewState.pending),
        ])
        db.session.commit()
        return Cast(w, study.id, reward.id, hosted.id)


def section(body, key):
    return next(s for s in body["sections"] if s["key"] == key)["items"]


@pytest.mark.parametrize("who,status", [("member", 200), ("secretary_a", 200), ("committee", 200),
                                        ("member2", 403), ("floating", 403), ("secretary_b", 403),
                                        ("other_committee", 403), (None, 401)])
def test_who_reads_a_members_archive(client, auth, cast, who, status):
    response = client.get(f"{API}/members/{cast.world.member}/archive", headers=auth.headers(who))
    assert response.status_code == status
    pdf = client.get(f"{API}/members/{cast.world.member}/archive.pdf", headers=auth.headers(who))
    assert pdf.status_code == status


@pytest.mark.parametrize("who,status", [("floating", 200), ("secretary_b", 200), ("committee", 200),
                                        ("secretary_a", 403), ("member", 403)])
def test_a_floating_members_archive_is_their_home_branchs_not_the_hosts(client, auth, cast, who, status):
    response = client.get(f"{API}/members/{cast.world.floating}/archive", headers=auth.headers(who))
    assert response.status_code == status


def test_the_archive_groups_the_members_records_with_their_state(client, auth, cast):
    body = client.get(f"{API}/members/{cast.world.member}/archive", headers=auth.headers("member")).json
    assert body["member"]["name"] == "李明" and body["member"]["branch_name"] == "红旗村党支部"
    assert body["member"]["admitted_on"] == "2015-07-01" and body["member"]["status_label"] == "正式党员"
    assert "13800138000" not in str(body)  # contacts are not part of the archive
    assert [i["title"] for i in section(body, "org_life")] == ["党员大会"]
    assert section(body, "org_life")[0]["code"] == "GA" and section(body, "org_life")[0]["state"] == "pending"
    study = section(body, "education")
    assert [(i["title"], i["code"], i["state_label"]) for i in study] == [
        ("网上学习：党的二十届四中全会精神", "ST", "支部已确认")]
    assert [(i["title"], i["state"]) for i in section(body, "rewards")] == [("优秀共产党员", "acknowledged")]
    assert [i["title"] for i in section(body, "role")] == ["带头参加村庄环境整治"]
    dues = section(body, "dues")
    assert len(dues) == 1 and dues[0]["title"] == "交纳党费 2026-12 1.00元" and dues[0]["state"] == "confirmed"
    # only the reviewed and fed-back grade: not the one still under review
    assert [i["title"] for i in section(body, "evaluation")] == ["2025年度民主评议：优秀"]


def test_the_year_filter_and_records_kept_at_a_host_branch(client, auth, cast):
    body = client.get(f"{API}/members/{cast.world.member}/archive?year=2025", headers=auth.headers("member")).json
    assert [i["title"] for s in body["sections"] for i in s["items"]] == ["带头参加村庄环境整治", "2025年度民主评议：优秀"]
    floating = client.get(f"{API}/members/{cast.world.floating}/archive", headers=auth.headers("floating")).json
    items = section(floating, "org_life") + section(floating, "education")
    kept = {i["title"]: i["kept_by"] for i in items}
    assert kept["农村党员冬训班"] == "红旗村党支部"  # kept by the host branch, shown in the home archive
    assert kept["党员大会"] == "红旗村党支部"
    assert client.get(f"{API}/members/{cast.world.member}/archive?year=1999",
                      headers=auth.headers("member")).status_code == 422


def _collect_qrs(monkeypatch):
    from server.archive import pdf

    texts = []
    original = pdf.sign_archive_page

    def sign(page, key):
        texts.append(original(page, key))
        return texts[-1]
    monkeypatch.setattr(pdf, "sign_archive_page", sign)
    return texts


def test_the_pdf_is_text_with_a_signed_qr_on_every_page_and_is_logged(app, client, auth, cast, monkeypatch):
    from server.archive.models import ArchivePrint
    from server.audit.models import AuditEntry
    from server.cards.signing import trusted_public_keys
    from server.core.db import db
    from sync.archive import verify_archive_page

    texts = _collect_qrs(monkeypatch)
    response = client.get(f"{API}/members/{cast.world.member}/archive.pdf", headers=auth.headers("secretary_a"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    pages = len(reader.pages)
    text = "\n".join(p.extract_text() for p in reader.pages)
    for words in ("党员手册", "李明", "红旗村党支部", "网上学习：党的二十届四中全会精神", "优秀共产党员", "支部已确认",
                  "2025年度民主评议：优秀", f"第 1 页 共 {pages} 页", f"第 {pages} 页 共 {pages} 页", "打印日期"):
        assert words in text, words
    assert "13800138000" not in text and "不合格" not in text

    assert len(texts) == pages
    with app.app_context():
        keys = trusted_public_keys()
        verdicts = [verify_archive_page(t, keys) for t in texts]
        assert all(v.ok for v in verdicts)
        assert [(v.page.page, v.page.pages) for v in verdicts] == [(n, pages) for n in range(1, pages + 1)]
        assert {(v.page.member_id, v.page.name, v.page.branch, v.page.printed_on, v.page.year)
                for v in verdicts} == {(cast.world.member, "李明", "红旗村党支部", PRINTED, None)}
        rows = [r for v in verdicts for r in v.page.rows]
        assert verdicts[0].page.rows == ()  # the cover
        assert [(r.code, r.title, r.state) for r in rows if r.code in ("ST", "RW")] == [
            ("ST", "网上学习：党的二十…", "c"), ("RW", "优秀共产党员", "a")]
        assert len(rows) == 6  # assembly, study, dues, reward, role, evaluation
        logged = db.session.scalars(sa.select(ArchivePrint)).all()
        assert [(p.member_id, p.year, p.pages) for p in logged] == [(cast.world.member, None, pages)]
        audit = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "archive.printed")).all()
        assert [(a.target_id, a.data["member_id"]) for a in audit] == [(logged[0].id, cast.world.member)]
        assert "李明" not in str(audit[0].data)


def test_a_tampered_page_qr_does_not_verify(app, client, auth, cast, monkeypatch):
    import base64

    from server.cards.signing import trusted_public_keys
    from sync.archive import verify_archive_page
    from sync.cards import b64url

    texts = _collect_qrs(monkeypatch)
    client.get(f"{API}/members/{cast.world.member}/archive.pdf?year=2026", headers=auth.headers("member"))
    prefix, payload, sig = texts[1].split(".")
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert b'"p"]' in raw
    altered = raw.replace(b'"p"]', b'"c"]', 1)
    forged = f"{prefix}.{b64url(altered)}.{sig}"
    with app.app_context():
        assert verify_archive_page(forged, trusted_public_keys()).reason == "bad_signature"
        assert verify_archive_page(texts[1], trusted_public_keys()).ok


def test_a_long_archive_paginates_with_qrs_small_enough_to_scan(app, client, auth, cast, monkeypatch):
    import qrcode

    from server.core.db import db
    from server.core.enums import RecordKind
    from server.org.models import Member

    with app.app_context():
        member = db.session.get(Member, cast.world.member)
        for day in range(1, 41):
            create_record(member, kind=RecordKind.service, occurred_on=dt.date(2026, 1, 1) + dt.timedelta(days=day),
                          title=f"志愿服务：村头环境卫生整治第{day}次，清理垃圾与绿化补植")
        db.session.commit()
    texts = _collect_qrs(monkeypatch)
    response = client.get(f"{API}/members/{cast.world.member}/archive.pdf", headers=auth.headers("member"))
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == len(texts) > 5
    for text in texts:
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        code.add_data(text)
        code.make(fit=True)
        assert code.version <= 25
    assert "第40次" in "".join(p.extract_text() for p in reader.pages)


@pytest.mark.parametrize("who,status", [("secretary_a", 200), ("committee", 200), ("member", 403),
                                        ("secretary_b", 403), ("other_committee", 403)])
def test_the_branch_zip_holds_one_pdf_per_member_and_logs_each(app, client, auth, cast, who, status):
    from server.archive.models import ArchivePrint
    from server.core.db import db

    response = client.get(f"{API}/branches/{cast.world.branch_a}/archives.zip?year=2026", headers=auth.headers(who))
    assert response.status_code == status
    if status != 200:
        return
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = sorted(archive.namelist())
        w = cast.world
        assert names == sorted([f"{w.member}-李明.pdf", f"{w.member2}-王芳.pdf", f"{w.secretary_a}-赵书记.pdf"])
        text = PdfReader(io.BytesIO(archive.read(f"{w.member}-李明.pdf"))).pages[0].extract_text()
        assert "李明" in text and "2026年度" in text
    with app.app_context():
        logged = db.session.scalars(sa.select(ArchivePrint.member_id).where(ArchivePrint.year == 2026)).all()
        assert sorted(logged) == sorted([w.member, w.member2, w.secretary_a])


def test_the_print_register_feeds_log_archive(app, client, auth, cast, clock):
    from server.archive.rules import load_archive_facts

    w = cast.world
    client.get(f"{API}/members/{w.member}/archive.pdf?year=2026", headers=auth.headers("member"))
    client.get(f"{API}/members/{w.member2}/archive.pdf?year=2025", headers=auth.headers("secretary_a"))
    with app.app_context():
        facts = load_archive_facts([w.branch_a], 2026, PRINTED)[w.branch_a]
        printed = {m.name: m.printed_on for m in facts.members}
        assert printed == {"李明": [PRINTED], "王芳": [], "赵书记": []}
    body = client.get(f"{API}/members/{w.member}/archive", headers=auth.headers("member")).json
    assert body["last_print"]["year"] == 2026
