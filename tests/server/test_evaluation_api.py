"""Democratic evaluation through its API: every stage's refusals, self-assessments (offline retries,
on a member's behalf), ballots (phone, paper by two tellers, invited non-members), double voting,
the tally, grades and their review, handling of an unqualified grade, feedback, the member's year
beside the self-assessment, and who may read what."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from server.core.db import db
from server.core.enums import EventKind
from server.org.models import Branch
from tests.server import factories
from tests.server.evaluationkit import (
    DAY,
    Phone,
    advance,
    call,
    create,
    meeting,
    to_balloting,
    vote,
    write,
)


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set_now(DAY)


def detail(client, auth, eid, who="secretary_a"):
    response = call(client, auth, who, "GET", f"/evaluations/{eid}")
    assert response.status_code == 200, response.json
    return response.json


def grade(client, auth, eid, member_id, value, who="secretary_a", note=None):
    return call(client, auth, who, "PUT", f"/evaluations/{eid}/members/{member_id}/grade",
                json={"grade": value, "note": note})


def handling(client, auth, eid, member_id, who="secretary_a", **body):
    return call(client, auth, who, "PUT", f"/evaluations/{eid}/members/{member_id}/handling", json=body)


def close(client, auth, evaluation, world, marks=None):
    for who in ("member", "member2"):
        vote(client, auth, evaluation, who, marks or {world.member: "excellent", world.member2: "qualified"})
    closed = advance(client, auth, evaluation["id"], "grading")
    assert closed.status_code == 200, closed.json
    return closed.json


def grade_all(client, auth, world, eid, grades=None):
    grades = grades or {world.member: "excellent", world.member2: "qualified", world.secretary_a: "qualified"}
    for member_id, value in grades.items():
        assert grade(client, auth, eid, member_id, value).status_code == 200


# --- stages and their refusals ----------------------------------------------------------------------

def test_the_stages_go_forward_one_at_a_time_each_refused_with_what_is_missing(app, client, auth, world):
    event_id = meeting(app, world, minutes=False)
    evaluation = create(client, auth, world)
    eid = evaluation["id"]
    assert evaluation["stage"] == "preparing" and [s["stage"] for s in evaluation["stages"]] == ["preparing"]
    assert evaluation["next_stage"] == "self_assessment" and evaluation["missing"] == []
    # Skipping ahead: balloting cannot close before it opened; grades not submitted before the ballot closed.
    refused = advance(client, auth, eid, "grading")
    assert refused.status_code == 409 and "not opened" in refused.json["message"]
    refused = advance(client, auth, eid, "review")
    assert refused.status_code == 409 and "after the ballot closed" in refused.json["message"]
    assert advance(client, auth, eid, "feedback").status_code == 409
    assert advance(client, auth, eid, "balloting").status_code == 409

    started = advance(client, auth, eid, "self_assessment")
    assert started.status_code == 200
    assert {m["name"] for m in started.json["members"]} == {"李明", "王芳", "赵书记"}  # A's roll, not the floating guest
    assert write(client, auth, eid, world.member, "member").status_code == 200
    refused = advance(client, auth, eid, "peer_assessment")
    assert refused.status_code == 409
    assert "王芳" in refused.json["message"] and "赵书记" in refused.json["message"] and "李明" not in refused.json["message"]
    assert refused.json["errors"]["missing"] == detail(client, auth, eid)["missing"]
    for who, member_id in (("member2", world.member2), ("secretary_a", world.secretary_a)):
        assert write(client, auth, eid, member_id, who).status_code == 200
    assert advance(client, auth, eid, "peer_assessment").status_code == 200

    refused = advance(client, auth, eid, "balloting")
    assert refused.status_code == 409 and "Link the evaluation meeting" in refused.json["message"]
    with app.test_request_context():  # a meeting still to come
        later = factories.create_event_for(db.session.get(Branch, world.branch_a), kind=EventKind.evaluation_meeting,
                                           starts_at=factories.china_time(DAY + dt.timedelta(days=3), 14))
        db.session.commit()
        later_id = later.id
    assert call(client, auth, "secretary_a", "PATCH", f"/evaluations/{eid}",
                json={"meeting_event_id": later_id}).status_code == 200
    refused = advance(client, auth, eid, "balloting")
    assert refused.status_code == 409 and "not begun" in refused.json["message"]
    assert call(client, auth, "secretary_a", "PATCH", f"/evaluations/{eid}",
                json={"meeting_event_id": event_id}).status_code == 200
    opened = advance(client, auth, eid, "balloting")
    assert opened.status_code == 200 and opened.json["ballot_key"]["e"] == 65537
    assert call(client, auth, "secretary_a", "PATCH", f"/evaluations/{eid}",
                json={"basic_grade_enabled": True}).status_code == 409  # the form is fixed now

    refused = advance(client, auth, eid, "grading")
    assert refused.status_code == 409 and "No ballot" in refused.json["message"]
    refused = grade(client, auth, eid, world.member, "excellent")
    assert refused.status_code == 409 and "once the ballot closed" in refused.json["message"]
    vote(client, auth, opened.json, "member", {world.member: "excellent"})
    closed = advance(client, auth, eid, "grading")
    assert closed.status_code == 200 and closed.json["ballot_key"] is None

    refused = call(client, auth, "committee", "POST", f"/evaluations/{eid}/review", json={"approve": True})
    assert refused.status_code == 409 and "not submitted" in refused.json["message"]
    grade(client, auth, eid, world.member, "excellent")
    refused = advance(client, auth, eid, "review")
    assert refused.status_code == 409
    assert "王芳" in refused.json["message"] and "minutes" in refused.json["message"]
    grade_all(client, auth, world, eid)
    with app.test_request_context():
        from server.events.models import Event

        factories.create_minutes(db.session.get(Event, event_id), "民主评议党员大会记录：逐一开展互评……")
        db.session.commit()
    assert advance(client, auth, eid, "review").status_code == 200
    reviewed = call(client, auth, "committee", "POST", f"/evaluations/{eid}/review", json={"approve": True})
    assert reviewed.status_code == 200 and reviewed.json["stage"] == "feedback"
    assert advance(client, auth, eid, "closed").status_code == 200
    final = detail(client, auth, eid)
    assert [s["stage"] for s in final["stages"]] == ["preparing", "self_assessment", "peer_assessment", "balloting",
                                                      "grading", "review", "feedback", "closed"]
    assert all(s["at"] for s in final["stages"])
    assert call(client, auth, "secretary_a", "PATCH", f"/evaluations/{eid}", json={"title": "x"}).status_code == 409


def test_one_evaluation_per_branch_and_year_and_its_meeting_is_the_branchs(client, auth, world):
    create(client, auth, world)
    again = call(client, auth, "secretary_a", "POST", f"/branches/{world.branch_a}/evaluations", json={"year": 2026})
    assert again.status_code == 409
    wrong = call(client, auth, "secretary_a", "POST", f"/branches/{world.branch_a}/evaluations",
                 json={"year": 2027, "meeting_event_id": world.event_b})
    assert wrong.status_code == 422 and "meeting_event_id" in wrong.json["errors"]["json"]
    tellers = call(client, auth, "secretary_a", "POST", f"/branches/{world.branch_a}/evaluations",
                   json={"year": 2027, "teller_member_ids": [world.member_b]})
    assert tellers.status_code == 422


# --- self-assessment ----------------------------------------------------------------------------------

def test_self_assessment_retries_are_idempotent_and_the_secretary_may_write_for_a_member(app, client, auth, world):
    eid = create(client, auth, world)["id"]
    assert write(client, auth, eid, world.member, "member").status_code == 409  # not before the stage
    advance(client, auth, eid, "self_assessment")
    first = write(client, auth, eid, world.member, "member", "初稿", nonce="phone-nonce-1")
    assert first.status_code == 200 and first.json["self_assessment"] == "初稿"
    second = write(client, auth, eid, world.member, "member", "修改后的自评：认真履行党员义务。", nonce="phone-nonce-2")
    assert second.json["self_assessment"].startswith("修改后")
    replay = write(client, auth, eid, world.member, "member", "修改后的自评：认真履行党员义务。", nonce="phone-nonce-2")
    assert replay.status_code == 200 and replay.json["self_assessment"].startswith("修改后")
    assert second.json["written_on_behalf"] is False
    # 王芳 has no phone: the secretary records what she said.
    behalf = write(client, auth, eid, world.member2, "secretary_a", "口述：本人按时交纳党费。")
    assert behalf.status_code == 200 and behalf.json["written_on_behalf"] is True
    assert write(client, auth, eid, world.member2, "member", "别人的").status_code == 403
    assert write(client, auth, eid, world.member2, "member2", " ").status_code == 422
    row = next(m for m in detail(client, auth, eid)["members"] if m["member_id"] == world.member2)
    assert row["has_self_assessment"] and row["written_on_behalf"]
    assert "self_assessment" not in row  # the branch's list names who wrote, the texts are on each sheet


def test_the_members_year_is_beside_the_self_assessment(app, client, auth, world):
    with app.test_request_context():
        from server.org.models import Member

        branch = db.session.get(Branch, world.branch_a)
        member = db.session.get(Member, world.member)
        factories.create_meeting(branch, EventKind.general_assembly, dt.date(2026, 3, 18), attendees=[member])
        factories.create_meeting(branch, EventKind.party_lecture, dt.date(2026, 6, 10), attendees=[])
        db.session.commit()
    eid = create(client, auth, world)["id"]
    advance(client, auth, eid, "self_assessment")
    sheet = call(client, auth, "member", "GET", f"/evaluations/{eid}/members/{world.member}").json
    year = sheet["year_summary"]
    assert year["year"] == 2026 and year["events_expected"] >= 2 and year["events_attended"] >= 1
    assert year["events_attended"] < year["events_expected"]
    assert year["records"] >= 1 and "attendance" in year["records_by_kind"]
    # Dues: a basis from September; of September to December (this month) only September is paid.
    assert year["dues"] == {"months_due": 0, "months_paid": 0, "paid_fen": 0}
    headers = auth.headers("secretary_a")
    assert client.post(f"/api/v1/members/{world.member}/dues/bases", headers=headers, json={
        "category": "employed", "income_fen": 420_000, "effective_from": "2026-09"}).status_code == 201
    assert client.post(f"/api/v1/branches/{world.branch_a}/dues/payments", headers=headers, json={
        "member_id": world.member, "months": ["2026-09"], "amount_fen": 4200}).status_code == 201
    year = call(client, auth, "member", "GET", f"/evaluations/{eid}/members/{world.member}").json["year_summary"]
    assert year["dues"] == {"months_due": 4, "months_paid": 1, "paid_fen": 4200}


# --- ballots -----------------------------------------------------------------------------------------

def test_double_voting_is_refused_same_token_twice_and_token_and_paper(app, client, auth, world):
    evaluation = to_balloting(app, client, auth, world)
    eid = evaluation["id"]
    phone = Phone(client, auth, evaluation, "member")
    assert phone.draw().status_code == 200
    again = phone.draw()  # the answer was lost: the same blinded token gets the same signature
    assert again.status_code == 200
    other = Phone(client, auth, evaluation, "member")  # a second phone, or a second try with a new token
    assert other.draw().status_code == 409
    assert phone.cast({world.member2: "qualified"}).status_code == 201
    assert phone.cast({world.member2: "excellent"}).status_code == 409
    # Token + paper: a member who drew a ballot on the phone gets no paper form, and vice versa.
    refused = call(client, auth, "secretary_a", "POST", f"/evaluations/{eid}/members/{world.member}/paper-form")
    assert refused.status_code == 409 and "phone" in refused.json["message"]
    assert call(client, auth, "secretary_a", "POST",
                f"/evaluations/{eid}/members/{world.member2}/paper-form").status_code == 200
    on_paper = Phone(client, auth, evaluation, "member2").draw()
    assert on_paper.status_code == 409 and "paper" in on_paper.json["message"]
    assert call(client, auth, "secretary_a", "POST",
                f"/evaluations/{eid}/members/{world.member2}/paper-form").status_code == 409
    # Forged: a token with another's signature, a made-up guest token.
    forged = Phone(client, auth, evaluation, "secretary_a")
    forged.signature = phone.signature
    assert forged.cast({world.member: "excellent"}).status_code == 403
    forged.signature = None
    assert forged.cast({world.member: "excellent"}).status_code == 403
    progress = detail(client, auth, eid)["progress"]
    assert progress["ballots_cast"] == 1 and progress["ballots_issued_phone"] == 1 and progress["paper_handed"] == 1


def test_a_ballot_is_checked_against_the_roll_and_the_grades(app, client, auth, world):
    evaluation = to_balloting(app, client, auth, world)
    phone = Phone(client, auth, evaluation, "member")
    phone.draw()
    assert phone.cast({world.member_b: "excellent"}).status_code == 422  # not on the roll
    assert phone.cast({world.member: "basically_qualified"}).status_code == 422  # not enabled
    body = {"evaluation_id": evaluation["id"], "token": "AAAA", "signature": None, "marks": []}
    assert client.post("/api/v1/ballots", json=body).status_code == 422
    assert phone.cast({world.member: "qualified"}).status_code == 201  # the refusals did not use it up


def test_paper_forms_are_entered_by_one_teller_and_confirmed_by_another(app, client, auth, world):
    evaluation = to_balloting(app, client, auth, world, teller_member_ids=[])
    eid = evaluation["id"]
    assert call(client, auth, "secretary_a", "PATCH", f"/evaluations/{eid}",
                json={"teller_member_ids": [world.member]}).status_code == 200
    printed = call(client, auth, "secretary_a", "POST", f"/evaluations/{eid}/paper-forms", json={"count": 2})
    assert printed.status_code == 201
    forms = printed.json["forms"]
    assert [f["number"] for f in forms] == [1, 2] and len({f["code"] for f in forms}) == 2
    assert {m["name"] for m in printed.json["form"]["members"]} == {"李明", "王芳", "赵书记"}
    call(client, auth, "secretary_a", "POST", f"/evaluations/{eid}/members/{world.member2}/paper-form")
    marks = [{"member_id": world.member, "grade": "excellent"}, {"member_id": world.member2, "grade": "qualified"}]
    code = forms[0]["code"]
    assert call(client, auth, "member2", "POST", f"/evaluations/{eid}/paper-entries",
                json={"code": code, "marks": marks}).status_code == 403  # not a teller
    bad = call(client, auth, "secretary_a", "POST", f"/evaluations/{eid}/paper-entries",
               json={"code": "ABCD-EFGH", "marks": marks})
    assert bad.status_code == 422
    entered = call(client, auth, "secretary_a", "POST", f"/evaluations/{eid}/paper-entries",
                   json={"code": code.lower().replace("-", " "), "marks": marks})
    assert entered.status_code == 201 and entered.json["mine"]
    entry = entered.json["id"]
    assert call(client, auth, "secretary_a", "POST", f"/evaluations/{eid}/paper-entries",
                json={"code": code, "marks": marks}).status_code == 409  # entered once
    same = call(client, auth, "secretary_a", "POST", f"/evaluations/{eid}/paper-entries/{entry}/confirm",
                json={"code": code})
    assert same.status_code == 409 and "second teller" in same.json["message"]
    refused = advance(client, auth, eid, "grading")
    assert refused.status_code == 409 and "second teller" in refused.json["message"]
    listed = call(client, auth, "member", "GET", f"/evaluations/{eid}/paper-entries").json
    assert listed[0]["marks"] == marks and listed[0]["entered_by"] == "赵书记" and not listed[0]["mine"]
    wrong = call(client, auth, "member", "POST", f"/evaluations/{eid}/paper-entries/{entry}/confirm",
                 json={"code": forms[1]["code"]})
    assert wrong.status_code == 422
    assert call(client, auth, "member", "POST", f"/evaluations/{eid}/paper-entries/{entry}/confirm",
                json={"code": code}).status_code == 204
    assert call(client, auth, "secretary_a", "POST", f"/evaluations/{eid}/paper-entries",
                json={"code": code, "marks": marks}).status_code == 409  # counted
    # Only one form was handed out: a second one cannot be counted.
    second = call(client, auth, "secretary_a", "POST", f"/evaluations/{eid}/paper-entries",
                  json={"code": forms[1]["code"], "marks": marks}).json["id"]
    refused = call(client, auth, "member", "POST", f"/evaluations/{eid}/paper-entries/{second}/confirm",
                   json={"code": forms[1]["code"]})
    assert refused.status_code == 409 and "handed out" in refused.json["message"]
    assert call(client, auth, "member", "DELETE", f"/evaluations/{eid}/paper-entries/{second}").status_code == 204
    assert call(client, auth, "member", "DELETE", f"/evaluations/{eid}/paper-entries/{second}").status_code == 404
    progress = detail(client, auth, eid)["progress"]
    assert progress["ballots_cast"] == 1 and progress["paper_used"] == 1 and progress["pending_paper_entries"] == 0


def test_invited_non_members_vote_with_printed_tokens_once(app, client, auth, world):
    evaluation = to_balloting(app, client, auth, world)
    eid = evaluation["id"]
    tokens = call(client, auth, "secretary_a", "POST", f"/evaluations/{eid}/guest-tokens", json={"count": 2})
    assert tokens.status_code == 201 and len(tokens.json["tokens"]) == 2
    token = tokens.json["tokens"][0]
    form = client.post("/api/v1/ballots/form", json={"evaluation_id": eid, "token": token})
    assert form.status_code == 200 and {m["name"] for m in form.json["members"]} == {"李明", "王芳", "赵书记"}
    body = {"evaluation_id": eid, "token": token, "marks": [{"member_id": world.member, "grade": "qualified"}]}
    assert client.post("/api/v1/ballots", json=body).status_code == 201
    assert client.post("/api/v1/ballots", json=body).status_code == 409
    assert client.post("/api/v1/ballots/form", json={"evaluation_id": eid, "token": token}).status_code == 409
    assert call(client, auth, "member", "POST", f"/evaluations/{eid}/guest-tokens",
                json={"count": 1}).status_code == 403


def test_the_tally_is_sealed_until_balloting_closes_then_counts_per_member_and_grade(app, client, auth, world):
    evaluation = to_balloting(app, client, auth, world, basic_grade_enabled=True)
    eid = evaluation["id"]
    vote(client, auth, evaluation, "member", {world.member: "excellent", world.member2: "qualified",
                                              world.secretary_a: "excellent"})
    vote(client, auth, evaluation, "member2", {world.member: "excellent", world.member2: "basically_qualified"})
    vote(client, auth, evaluation, "secretary_a", {world.member: "qualified", world.member2: "unqualified",
                                                   world.secretary_a: "excellent"})
    for who in ("secretary_a", "committee"):
        sealed = call(client, auth, who, "GET", f"/evaluations/{eid}/tally")
        assert sealed.status_code == 409 and "sealed" in sealed.json["message"]
    assert call(client, auth, "secretary_a", "GET", f"/evaluations/{eid}/results.xlsx").status_code == 409
    assert call(client, auth, "secretary_a", "GET", f"/evaluations/{eid}/members/{world.member}").json["tally"] is None
    assert advance(client, auth, eid, "grading").status_code == 200
    tally = call(client, auth, "committee", "GET", f"/evaluations/{eid}/tally").json
    assert tally["ballots"] == 3 and tally["grades"] == ["excellent", "qualified", "basically_qualified", "unqualified"]
    lines = {line["name"]: line for line in tally["members"]}
    assert lines["李明"]["counts"] == {"excellent": 2, "qualified": 1, "basically_qualified": 0, "unqualified": 0}
    assert lines["王芳"]["counts"] == {"excellent": 0, "qualified": 1, "basically_qualified": 1, "unqualified": 1}
    assert lines["赵书记"]["counts"]["excellent"] == 2 and lines["赵书记"]["blank"] == 1
    sheet = call(client, auth, "secretary_a", "GET", f"/evaluations/{eid}/members/{world.member}").json
    assert sheet["tally"]["counts"]["excellent"] == 2  # the tally beside the grade to propose
    assert call(client, auth, "member", "GET", f"/evaluations/{eid}/tally").status_code == 403
    # The export: aggregates only, and text that would be a formula stays text.
    workbook = call(client, auth, "secretary_a", "GET", f"/evaluations/{eid}/results.xlsx")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4, max_row=6)]
    assert rows[0][1] == "李明" and rows[0][2:6] == [2, 1, 0, 0]


# --- grades, review, handling, feedback --------------------------------------------------------------

def test_grades_are_proposed_reviewed_returned_reproposed_and_fed_back(app, client, auth, world):
    evaluation = to_balloting(app, client, auth, world)
    eid = evaluation["id"]
    close(client, auth, evaluation, world)
    grade_all(client, auth, world, eid)
    assert advance(client, auth, eid, "review").status_code == 200
    assert grade(client, auth, eid, world.member, "qualified").status_code == 409  # with the committee now
    no_reason = call(client, auth, "committee", "POST", f"/evaluations/{eid}/review",
                     json={"approve": False, "member_ids": [world.member]})
    assert no_reason.status_code == 422
    returned = call(client, auth, "committee", "POST", f"/evaluations/{eid}/review",
                    json={"approve": False, "member_ids": [world.member], "reason": "优秀等次须有突出事迹材料"})
    assert returned.status_code == 200 and returned.json["stage"] == "review"
    approved = call(client, auth, "committee", "POST", f"/evaluations/{eid}/review", json={"approve": True})
    assert approved.status_code == 200 and approved.json["stage"] == "review"  # 李明's still to redo
    rows = {m["name"]: m for m in approved.json["members"]}
    assert rows["李明"]["review"] == "returned" and rows["李明"]["review_reason"] == "优秀等次须有突出事迹材料"
    assert rows["王芳"]["review"] == "approved"
    again = call(client, auth, "committee", "POST", f"/evaluations/{eid}/review",
                 json={"approve": True, "member_ids": [world.member2]})
    assert again.status_code == 409 and "not awaiting review" in again.json["message"]
    # The member does not see any grade before the review is done.
    mine = call(client, auth, "member2", "GET", "/me/evaluations").json
    assert mine[0]["me"]["grade"] is None
    assert grade(client, auth, eid, world.member2, "excellent").status_code == 409  # approved: fixed
    assert grade(client, auth, eid, world.member, "qualified", note="按测评结果评定").status_code == 200
    told = lambda who: [n for n in call(client, auth, who, "GET", "/me/notifications").json  # noqa: E731
                        if n["kind"] == "evaluation"]
    assert told("member") == []  # nobody is told before every grade is reviewed
    done = call(client, auth, "committee", "POST", f"/evaluations/{eid}/review", json={"approve": True})
    assert done.json["stage"] == "feedback"
    # Each member is told the result is ready, without the grade (a push can show on a locked screen).
    for who in ("member", "member2"):
        [note] = told(who)
        assert note["title"] == "民主评议结果已反馈" and "合格" not in note["body"] and "优秀" not in note["body"]
    assert call(client, auth, "secretary_a", "PUT", f"/evaluations/{eid}/members/{world.member}/feedback",
                json={"text": "希望继续发挥先锋模范作用。"}).status_code == 200
    mine = call(client, auth, "member", "GET", "/me/evaluations").json[0]["me"]
    assert mine["grade"] == "qualified" and mine["feedback"] == "希望继续发挥先锋模范作用。"
    assert mine["tally"] is None and mine["review"] is None  # the tally and the review stay with the branch


def test_an_unqualified_grade_needs_a_handling_decision_the_rules_allow(app, client, auth, world):
    evaluation = to_balloting(app, client, auth, world, basic_grade_enabled=True)
    eid = evaluation["id"]
    close(client, auth, evaluation, world)
    grade_all(client, auth, world, eid, {world.member: "unqualified", world.member2: "basically_qualified",
                                         world.secretary_a: "qualified"})
    refused = advance(client, auth, eid, "review")
    assert refused.status_code == 409 and "李明" in refused.json["message"] and "handling" in refused.json["message"]
    education = handling(client, auth, eid, world.member, kind="education")
    assert education.status_code == 422 and "kind" in education.json["errors"]["json"]
    no_date = handling(client, auth, eid, world.member, kind="deadline_improvement")
    assert no_date.status_code == 422 and "improve_by" in no_date.json["errors"]["json"]
    too_far = handling(client, auth, eid, world.member, kind="deadline_improvement", improve_by="2028-06-30")
    assert too_far.status_code == 422
    # 劝退 and 除名 follow an earlier decision and are the assembly's.
    persuade = handling(client, auth, eid, world.member, kind="persuade_to_leave")
    assert persuade.status_code == 422 and "previous_decision_on" in persuade.json["errors"]["json"]
    no_assembly = handling(client, auth, eid, world.member, kind="persuade_to_leave", previous_decision_on="2025-12-20")
    assert no_assembly.status_code == 422 and "event_id" in no_assembly.json["errors"]["json"]
    assembly = evaluation["meeting"]["id"]
    assert handling(client, auth, eid, world.member, kind="removal", previous_decision_on="2025-12-20",
                    event_id=assembly).status_code == 200  # after a persuasion (before Zhibu) the member refused
    ok = handling(client, auth, eid, world.member, kind="deadline_improvement", improve_by="2027-06-30",
                  note="限期半年改正，党小组长帮带")
    assert ok.status_code == 200
    assert ok.json["handling"]["kind"] == "deadline_improvement" and ok.json["handling"]["improve_by"] == "2027-06-30"
    assert ok.json["handling"]["event_id"] is None and ok.json["handling"]["previous_decision_on"] is None
    assert handling(client, auth, eid, world.member2, kind="deadline_improvement",
                    improve_by="2027-06-30").status_code == 422  # basically qualified: education
    assert handling(client, auth, eid, world.member2, kind="education").status_code == 200
    assert handling(client, auth, eid, world.secretary_a, kind="education").status_code == 409  # qualified
    # A grade changed to one the handling does not fit drops the handling.
    grade(client, auth, eid, world.member2, "qualified")
    assert call(client, auth, "secretary_a", "GET",
                f"/evaluations/{eid}/members/{world.member2}").json["handling"] is None
    assert advance(client, auth, eid, "review").status_code == 200
    approved = call(client, auth, "committee", "POST", f"/evaluations/{eid}/review", json={"approve": True})
    assert approved.json["stage"] == "feedback"
    mine = call(client, auth, "member", "GET", f"/evaluations/{eid}/members/{world.member}").json
    assert mine["grade"] == "unqualified" and mine["handling"]["kind"] == "deadline_improvement"


def test_a_persuasion_follows_a_deadline_for_improvement_on_record(app, client, auth, world):
    """Last year 限期改正 (approved); this year, still unqualified: 劝退 needs no date, the record is there."""
    def unqualified(year, event_day):
        evaluation = to_balloting_year(year, event_day)
        close(client, auth, evaluation, world)
        grade_all(client, auth, world, evaluation["id"], {world.member: "unqualified", world.member2: "qualified",
                                                         world.secretary_a: "qualified"})
        return evaluation

    def to_balloting_year(year, day):
        event_id = meeting(app, world, day=day)
        evaluation = create(client, auth, world, year=year, meeting_event_id=event_id)
        eid = evaluation["id"]
        advance(client, auth, eid, "self_assessment")
        for who, member_id in (("member", world.member), ("member2", world.member2),
                               ("secretary_a", world.secretary_a)):
            write(client, auth, eid, member_id, who)
        advance(client, auth, eid, "peer_assessment")
        return advance(client, auth, eid, "balloting").json

    last = unqualified(2025, dt.date(2025, 12, 10))
    assert handling(client, auth, last["id"], world.member, kind="deadline_improvement", decided_on="2025-12-11",
                    improve_by="2026-06-30").status_code == 200
    advance(client, auth, last["id"], "review")
    call(client, auth, "committee", "POST", f"/evaluations/{last['id']}/review", json={"approve": True})
    this = unqualified(2026, dt.date(2026, 12, 9))
    persuade = handling(client, auth, this["id"], world.member, kind="persuade_to_leave",
                        event_id=this["meeting"]["id"])
    assert persuade.status_code == 200, persuade.json
    removal = handling(client, auth, this["id"], world.member, kind="removal", event_id=this["meeting"]["id"])
    assert removal.status_code == 422  # no persuasion on record before


# --- who may read and do what ------------------------------------------------------------------------

def test_a_member_reads_only_their_own_sheet_and_another_branch_nothing(app, client, auth, world):
    evaluation = to_balloting(app, client, auth, world)
    eid = evaluation["id"]
    own = call(client, auth, "member", "GET", f"/evaluations/{eid}/members/{world.member}")
    assert own.status_code == 200 and own.json["self_assessment"]
    for who in ("member", "floating", "secretary_b", "member_b", "other_committee"):
        assert call(client, auth, who, "GET", f"/evaluations/{eid}/members/{world.member2}").status_code == 403, who
    for who in ("member", "secretary_b", "other_committee"):
        assert call(client, auth, who, "GET", f"/evaluations/{eid}").status_code == 403, who
        assert call(client, auth, who, "GET", f"/branches/{world.branch_a}/evaluations").status_code == 403, who
    assert call(client, auth, "committee", "GET", f"/evaluations/{eid}/members/{world.member2}").status_code == 200
    assert call(client, auth, "member_b", "POST", f"/evaluations/{eid}/ballot-signature",
                json={"blinded": Phone(client, auth, evaluation, "member_b").blinded}).status_code == 403
    assert call(client, auth, "secretary_a", "POST", f"/evaluations/{eid}/review",
                json={"approve": True}).status_code == 403
    assert call(client, auth, "committee", "POST", f"/evaluations/{eid}/stage",
                json={"stage": "grading"}).status_code == 403
    mine = call(client, auth, "member", "GET", "/me/evaluations").json
    assert [e["id"] for e in mine] == [eid] and mine[0]["me"]["member_id"] == world.member
    assert mine[0]["form"]["members"] and "members" not in mine[0]  # the form's names, nobody's sheet
    assert call(client, auth, "member_b", "GET", "/me/evaluations").json == []
    listed = call(client, auth, "committee", "GET", f"/committees/{world.committee_id}/evaluations").json
    assert [e["id"] for e in listed] == [eid]
    assert call(client, auth, "other_committee", "GET",
                f"/committees/{world.committee_id}/evaluations").status_code == 403


def test_every_change_is_audited(app, client, auth, world):
    evaluation = to_balloting(app, client, auth, world)
    eid = evaluation["id"]
    close(client, auth, evaluation, world)
    audit = call(client, auth, "secretary_a", "GET", f"/branches/{world.branch_a}/audit?page_size=100").json
    actions = {e["action"] for e in audit}
    assert {"evaluation.created", "evaluation.stage", "evaluation.self_assessment_written"} <= actions
    closing = next(e for e in audit if e["action"] == "evaluation.stage" and e["data"]["stage"] == "grading")
    assert closing["data"]["ballots_cast"] == 2 and closing["target_id"] == eid
