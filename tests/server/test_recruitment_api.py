"""Recruitment through the API (server/recruitment/views.py): the whole road, refusals naming the
rule, who may see and record what, the member made on approval, contacts, reminders, the
member's own view and REC-timeline in the compliance view. SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.core.db import db
from server.core.enums import BranchRoleKind
from server.filings.models import Filing
from server.notifications.models import Notification
from server.org.models import Branch
from tests.server import factories

API = "/api/v1"
D = dt.date
TODAY = D(2027, 12, 1)
VOTE = {"votes_for": 2, "votes_against": 0, "abstentions": 0, "present": 2, "entitled": 3}


@pytest.fixture
def today(clock):
    clock.set_now(TODAY)
    return TODAY


class Road:
    """One applicant of branch A, recorded step by step as the secretary and the committee would."""

    def __init__(self, client, auth, world, **person):
        self.client, self.auth, self.world = client, auth, world
        body = {"name": "张伟", "gender": "male", "birth_date": "1995-06-01", "applied_on": "2024-01-10",
                "group_id": world.group_a, **person}
        created = client.post(f"{API}/branches/{world.branch_a}/recruitment", json=body,
                              headers=auth.headers("secretary_a"))
        assert created.status_code == 201, created.json
        self.case = created.json
        self.id = self.case["id"]

    def step(self, kind, on, who="secretary_a", status=201, **body):
        response = self.client.post(f"{API}/recruitment/{self.id}/steps", json={"kind": kind, "on": on, **body},
                                    headers=self.auth.headers(who))
        assert response.status_code == status, response.json
        if status == 201:
            self.case = response.json
        return response.json

    def contacts(self, member_ids, on, status=201):
        response = self.client.post(f"{API}/recruitment/{self.id}/contacts", json={"member_ids": member_ids, "on": on},
                                    headers=self.auth.headers("secretary_a"))
        assert response.status_code == status, response.json
        return response.json

    def assess(self, on, note="表现良好"):
        response = self.client.post(f"{API}/recruitment/{self.id}/assessments", json={"on": on, "note": note},
                                    headers=self.auth.headers("secretary_a"))
        assert response.status_code == 201, response.json
        self.case = response.json
        return response.json

    def get(self, who="secretary_a"):
        return self.client.get(f"{API}/recruitment/{self.id}", headers=self.auth.headers(who))

    def to_candidate(self):
        self.step("talk", "2024-01-20", note="书记谈话")
        self.step("activist", "2024-03-01", decided_by="branch_committee")
        self.contacts([self.world.member, self.world.secretary_a], "2024-03-01")
        self.assess("2024-08-20")
        self.assess("2025-02-15")
        self.step("candidate", "2025-03-01")
        return self

    def to_vote(self):
        self.to_candidate()
        self.step("political_review", "2025-04-01")
        self.step("training", "2025-04-10")
        self.step("committee_review", "2025-05-06")
        self.step("pre_review", "2025-05-20", who="committee")
        self.step("admission_vote", "2025-06-10", votes=VOTE)
        return self

    def to_probation(self):
        self.to_vote()
        self.step("admission_approval", "2025-07-01", who="committee", note="同意接收")
        return self


def stages(case):
    return [(s["kind"], s["to_stage"]) for s in case["steps"]]


def test_the_whole_road_from_the_letter_to_full_membership(app, client, auth, world, today):
    road = Road(client, auth, world)
    assert road.case["stage"] == "applicant" and road.case["member_id"] is None
    assert road.case["steps"][0]["kind"] == "application" and road.case["steps"][0]["on"] == "2024-01-10"
    road.to_probation()
    case = road.case
    assert case["stage"] == "probationary"
    assert case["admitted_on"] == "2025-06-10" and case["probation_ends_on"] == "2026-06-10"
    assert [s["kind"] for s in case["assessments"]] == ["assessment", "assessment"]
    assert [c["name"] for c in case["contact_history"]] == ["李明", "赵书记"]
    # Each step keeps its date, who decided and the stage before.
    activist = next(s for s in case["steps"] if s["kind"] == "activist")
    assert (activist["from_stage"], activist["to_stage"], activist["decided_by"]) == ("applicant", "activist",
                                                                                      "branch_committee")
    vote = next(s for s in case["steps"] if s["kind"] == "admission_vote")
    assert (vote["votes_for"], vote["present"], vote["entitled"]) == (2, 2, 3)
    # The person is now a probationary member of the branch, admitted on the day of the vote.
    member = client.get(f"{API}/members/{case['member_id']}", headers=auth.headers("secretary_a")).json
    assert (member["name"], member["status"], member["admitted_on"], member["group_id"]) == (
        "张伟", "probationary", "2025-06-10", world.group_a)

    road.step("conversion_discussion", "2026-06-15", votes=VOTE, outcome="convert")
    assert road.case["stage"] == "probationary"
    road.step("conversion_approval", "2026-07-01", who="committee")
    assert road.case["stage"] == "full" and road.case["full_since"] == "2026-06-10" and road.case["options"] == []
    member = client.get(f"{API}/members/{case['member_id']}", headers=auth.headers("secretary_a")).json
    assert (member["status"], member["full_since"]) == ("full", "2026-06-10")
    assert {o["state"] for o in road.case["obligations"]} == {"met"}
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.branch_id == world.branch_a)).all()
    assert actions.count("recruitment.step") == 13  # every step but the letter (recruitment.case_created)
    assert actions.count("recruitment.case_created") == 1 and actions.count("recruitment.contacts") == 1
    assert "member.created" in actions and "member.updated" in actions


def test_filed_steps_reach_the_committee_and_its_decision_accepts_them(app, client, auth, world, today):
    road = Road(client, auth, world).to_vote()
    filed = {s["kind"]: s for s in road.case["steps"] if s["filing_id"]}
    assert set(filed) == {"activist", "candidate", "committee_review", "admission_vote"}
    assert filed["committee_review"]["filing_state"] == "accepted"  # the committee's pre-review answered it
    assert filed["admission_vote"]["filing_state"] == "sent"
    inbox = client.get(f"{API}/committees/{world.committee_id}/filings?kind=recruitment&pending=true",
                       headers=auth.headers("committee")).json
    assert {f["title"] for f in inbox} >= {"关于接收张伟为预备党员的请示"}
    assert "赞成2票" in next(f["body"] for f in inbox if f["title"] == "关于接收张伟为预备党员的请示")
    road.step("admission_approval", "2025-07-01", who="committee")
    with app.app_context():
        filing = db.session.get(Filing, filed["admission_vote"]["filing_id"])
        assert filing.decision.value == "approved"
    # A document already filed may be named instead, and a step need not be filed at once.
    other = Road(client, auth, world, name="李四")
    other.step("talk", "2024-01-20")
    own = factories_filing(app, world)
    other.step("activist", "2024-03-01", filing_id=own, document="红支发〔2024〕3号")
    assert other.case["steps"][-1]["filing_id"] == own and other.case["steps"][-1]["document"] == "红支发〔2024〕3号"
    third = Road(client, auth, world, name="王五")
    third.step("talk", "2024-01-20")
    third.step("activist", "2024-03-01", file=False)
    assert third.case["steps"][-1]["filing_id"] is None
    stranger = factories_filing(app, world, branch=world.branch_b)
    assert third.step("candidate", "2025-03-01", status=422, filing_id=stranger)["errors"]["json"]["filing_id"]


def factories_filing(app, world, branch=None):
    from server.core.enums import FilingKind

    with app.app_context():
        filing = factories.create_filing(db.session.get(Branch, branch or world.branch_a), FilingKind.recruitment, 2024)
        db.session.commit()
        return filing.id


@pytest.mark.parametrize(("kind", "on", "extra", "rule", "params"), [
    ("candidate", "2025-02-28", {}, "activist_one_year", {"activist_on": "2024-03-01", "earliest": "2025-03-01"}),
    ("admission_vote", "2025-03-05", {"votes": VOTE}, "step_order", {"kind": "admission_vote", "stage": "activist"}),
    ("pre_review", "2025-03-05", {}, "step_order", {"kind": "pre_review", "stage": "activist"}),
    ("assessment", "2027-12-02", {}, "not_in_future", {"on": "2027-12-02", "today": "2027-12-01"}),
    ("assessment", "2025-02-14", {}, "not_before_previous", {"earliest": "2025-02-15"}),
])
def test_a_step_out_of_order_or_too_early_is_refused_naming_the_rule(client, auth, world, today, kind, on, extra,
                                                                     rule, params):
    road = Road(client, auth, world)
    road.step("talk", "2024-01-20")
    road.step("activist", "2024-03-01")
    road.contacts([world.member], "2024-03-01")
    road.assess("2024-08-20")
    road.assess("2025-02-15")
    who = "committee" if kind == "pre_review" else "secretary_a"
    body = road.step(kind, on, who=who, status=409, **extra)
    assert body["code"] == 409 and rule in body["message"]
    assert body["errors"]["rule"] == rule and body["errors"]["rule_text"]
    assert body["errors"]["params"] == params
    assert road.get().json["steps"] == road.case["steps"]  # nothing recorded


def test_the_committee_reviews_a_candidate_after_the_political_review_and_the_training(client, auth, world, today):
    road = Road(client, auth, world).to_candidate()
    road.step("training", "2025-04-10")
    body = road.step("committee_review", "2025-05-06", status=409)
    assert body["errors"]["rule"] == "review_and_training_first"
    assert body["errors"]["params"] == {"missing": ["political_review"]}
    assert body["errors"]["rule_text"] == "支部委员会审查前，须完成政治审查和集中培训"
    blocked = next(o for o in road.case["options"] if o["kind"] == "committee_review")
    assert blocked["blocked"] == "review_and_training_first" and blocked["blocked_text"] == body["errors"]["rule_text"]


def test_the_vote_needs_a_majority_of_the_full_members_entitled(client, auth, world, today):
    road = Road(client, auth, world).to_candidate()
    for kind in ("political_review", "training", "committee_review"):
        road.step(kind, "2025-05-06")
    road.step("pre_review", "2025-05-20", who="committee")
    short = {**VOTE, "votes_for": 1, "abstentions": 1}
    assert road.step("admission_vote", "2025-06-10", status=409, votes=short)["errors"]["params"] == {
        "votes_for": 1, "entitled": 3, "needed": 2}
    few = {**VOTE, "present": 1, "votes_for": 1}
    assert road.step("admission_vote", "2025-06-10", status=409, votes=few)["errors"]["rule"] == "vote_quorum"
    # The count must add up, and a vote step needs it.
    bad = {**VOTE, "votes_against": 1}
    assert road.step("admission_vote", "2025-06-10", status=422, votes=bad)["errors"]["json"]["votes"]
    assert road.step("admission_vote", "2025-06-10", status=422)["errors"]["json"]["votes"]
    assert road.step("admission_vote", "2025-06-10", status=422, votes=VOTE, decided_by="branch_committee")
    road.step("admission_vote", "2025-06-10", votes=VOTE)


def test_an_applicant_under_18_is_refused_and_a_letter_from_the_future_too(client, auth, world, today):
    url = f"{API}/branches/{world.branch_a}/recruitment"
    young = client.post(url, json={"name": "小明", "birth_date": "2006-06-02", "applied_on": "2024-06-01"},
                        headers=auth.headers("secretary_a"))
    assert young.status_code == 409 and young.json["errors"]["rule"] == "applicant_age_18"
    assert young.json["errors"]["params"]["eighteen_on"] == "2024-06-02"
    of_age = client.post(url, json={"name": "小明", "birth_date": "2006-06-01", "applied_on": "2024-06-01"},
                         headers=auth.headers("secretary_a"))
    assert of_age.status_code == 201
    future = client.post(url, json={"name": "小红", "applied_on": "2027-12-02"}, headers=auth.headers("secretary_a"))
    assert future.status_code == 409 and future.json["errors"]["rule"] == "not_in_future"
    wrong_group = client.post(url, json={"name": "小红", "applied_on": "2027-11-02", "group_id": 999},
                              headers=auth.headers("secretary_a"))
    assert wrong_group.status_code == 422


def test_without_a_birth_date_the_activist_step_is_refused_until_it_is_recorded(app, client, auth, world, today):
    road = Road(client, auth, world, birth_date=None)
    road.step("talk", "2024-01-20")
    assert road.step("activist", "2024-03-01", status=409)["errors"]["rule"] == "applicant_age_18"
    patched = client.patch(f"{API}/recruitment/{road.id}", json={"birth_date": "1990-02-03", "phone": "13800138000"},
                           headers=auth.headers("secretary_a"))
    assert patched.status_code == 200 and patched.json["birth_date"] == "1990-02-03"
    road.step("activist", "2024-03-01")
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "recruitment.case_updated"))
        assert entry.data["old"] == {"birth_date": None, "phone": None}
        assert entry.data["new"]["birth_date"] == "1990-02-03"


def test_contacts_are_one_or_two_full_members_of_the_branch(client, auth, world, today):
    road = Road(client, auth, world)
    road.step("talk", "2024-01-20")
    assert road.contacts([world.member], "2024-03-01", status=409)["errors"]["rule"] == "step_order"
    road.step("activist", "2024-03-01")
    assert road.contacts([world.member2], "2024-03-01", status=409)["errors"]["rule"] == "contacts_full_members"
    assert road.contacts([world.member_b], "2024-03-01", status=409)["errors"]["rule"] == "contacts_full_members"
    assert road.contacts([world.member, world.secretary_a, world.member2], "2024-03-01", status=422)
    assert road.contacts([world.member], "2024-02-01", status=409)["errors"]["rule"] == "not_before_previous"
    road.contacts([world.member, world.secretary_a], "2024-03-01")
    case = road.contacts([world.member], "2024-09-01")  # the secretary stops being a contact
    history = {c["name"]: c for c in case["contact_history"]}
    assert history["赵书记"]["ended_on"] == "2024-09-01" and not history["赵书记"]["current"]
    assert history["李明"]["current"] and case["contacts"] == ["李明"]


def test_an_extension_then_a_cancellation_marks_the_member_as_left(client, auth, world, today):
    road = Road(client, auth, world).to_probation()
    assert road.step("conversion_discussion", "2026-06-15", status=409, votes=VOTE, outcome="extend",
                     extension_months=3)["errors"]["rule"] == "extension_length"
    assert road.step("conversion_discussion", "2026-06-15", status=422, votes=VOTE, outcome="extend")
    road.step("conversion_discussion", "2026-06-15", votes=VOTE, outcome="extend", extension_months=6,
              note="入党动机仍需端正，延长预备期半年")
    assert road.step("conversion_approval", "2026-06-30", who="secretary_a", status=403)
    road.step("conversion_approval", "2026-07-01", who="committee")
    assert road.case["probation_ends_on"] == "2026-12-10" and road.case["extended"]
    discussion = next(o for o in road.case["options"] if o["kind"] == "conversion_discussion")
    assert discussion["outcomes"] == ["convert", "cancel"] and discussion["earliest"] == "2026-12-10"
    assert road.step("conversion_discussion", "2026-12-10", status=409, votes=VOTE, outcome="extend",
                     extension_months=6)["errors"]["rule"] == "extension_once"
    road.step("conversion_discussion", "2026-12-12", votes=VOTE, outcome="cancel", note="经教育仍不具备党员条件")
    road.step("conversion_approval", "2027-01-08", who="committee")
    assert road.case["stage"] == "cancelled"
    member = client.get(f"{API}/members/{road.case['member_id']}", headers=auth.headers("secretary_a")).json
    assert member["left_on"] == "2027-01-08" and member["status"] == "probationary"


def test_the_branch_may_stop_with_a_recorded_decision(client, auth, world, today):
    road = Road(client, auth, world)
    assert road.step("discontinued", "2024-02-01", status=422)["errors"]["json"]["note"]
    road.step("discontinued", "2024-02-01", note="本人申请撤回入党申请书", decided_by="branch_committee")
    assert road.case["stage"] == "discontinued" and not road.case["active"]
    assert road.step("talk", "2024-02-02", status=409)["errors"]["rule"] == "step_order"


# --- who may see and record what ------------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [
    (None, 401), ("member", 403), ("member2", 403), ("floating", 403), ("secretary_b", 403), ("member_b", 403),
    ("other_committee", 403), ("secretary_a", 200), ("committee", 200)])
def test_a_case_is_seen_by_the_branchs_managers_and_its_committee_only(client, auth, world, today, who, status):
    road = Road(client, auth, world)
    assert road.get(who).status_code == status
    listed = client.get(f"{API}/branches/{world.branch_a}/recruitment", headers=auth.headers(who))
    assert listed.status_code == status
    if status == 200:
        assert [c["name"] for c in listed.json["cases"]] == ["张伟"]


def test_the_branch_records_its_steps_and_the_committee_its_own(client, auth, world, today):
    road = Road(client, auth, world)
    assert road.step("talk", "2024-01-20", who="committee", status=403)
    assert road.step("talk", "2024-01-20", who="member", status=403)
    assert road.step("talk", "2024-01-20", who="secretary_b", status=403)
    road.step("talk", "2024-01-20")
    road.step("activist", "2024-03-01")
    road.contacts([world.member], "2024-03-01")
    road.step("candidate", "2025-03-01")
    for kind in ("political_review", "training", "committee_review"):
        road.step(kind, "2025-04-01")
    assert road.step("pre_review", "2025-04-02", who="secretary_a", status=403)
    assert road.step("pre_review", "2025-04-02", who="other_committee", status=403)
    road.step("pre_review", "2025-04-02", who="committee")
    options = {o["kind"]: o for o in road.get("committee").json["options"]}
    assert options["admission_vote"]["yours"] is False and options["discontinued"]["yours"] is False
    assert road.get("committee").json["full_members"] == []  # the contacts list is the branch's business
    assert {m["name"] for m in road.get().json["full_members"]} == {"李明", "赵书记"}
    for who in ("member", "committee", None):
        expected = 401 if who is None else 403
        applicant = {"name": "甲", "applied_on": "2027-01-01"}
        assert client.post(f"{API}/branches/{world.branch_a}/recruitment", json=applicant,
                           headers=auth.headers(who)).status_code == expected
        contacts = {"member_ids": [world.member], "on": "2025-04-01"}
        assert client.post(f"{API}/recruitment/{road.id}/contacts", json=contacts,
                           headers=auth.headers(who)).status_code == expected
        assert client.patch(f"{API}/recruitment/{road.id}", json={"phone": "13800138000"},
                            headers=auth.headers(who)).status_code == expected


def test_the_committee_lists_what_awaits_its_decision(client, auth, world, today):
    waiting = Road(client, auth, world)
    waiting.step("talk", "2024-01-20")
    waiting.step("activist", "2024-03-01")
    waiting.contacts([world.member], "2024-03-01")
    waiting.step("candidate", "2025-03-01")
    for kind in ("political_review", "training", "committee_review"):
        waiting.step(kind, "2025-04-01")
    Road(client, auth, world, name="李四")
    url = f"{API}/committees/{world.committee_id}/recruitment"
    listed = client.get(url, headers=auth.headers("committee"))
    assert listed.status_code == 200
    assert [(c["name"], c["awaiting_committee"], c["branch_name"]) for c in listed.json["cases"]] == [
        ("张伟", True, "红旗村党支部")]
    everything = client.get(url + "?all=true", headers=auth.headers("committee")).json["cases"]
    assert [(c["name"], bool(c["overdue"])) for c in everything] == [("李四", True), ("张伟", False)]  # overdue first
    assert client.get(url, headers=auth.headers("other_committee")).status_code == 403
    assert client.get(url, headers=auth.headers("secretary_a")).status_code == 403


# --- the member's own view -------------------------------------------------------------------------

def test_a_probationary_member_sees_their_own_stage_and_nobody_elses(app, client, auth, world, today):
    road = Road(client, auth, world).to_probation()
    with app.app_context():
        from server.auth.operations import create_user

        create_user("zhangwei", factories.PASSWORD, member_id=road.case["member_id"])
        db.session.commit()
    mine = client.get(f"{API}/me/recruitment", headers=auth.headers("zhangwei")).json
    assert mine["exists"] and mine["stage"] == "probationary"
    assert (mine["admitted_on"], mine["probation_ends_on"], mine["awaiting"]) == (
        "2025-06-10", "2026-06-10", "conversion_discussion")
    assert mine["contacts"] == ["李明", "赵书记"]
    assert [s["kind"] for s in mine["steps"]][:3] == ["application", "talk", "activist"]
    assert not {"note", "document", "votes_for", "filing_id"} & set().union(*mine["steps"])
    for who in ("member", "member2", "secretary_a", "committee"):
        other = client.get(f"{API}/me/recruitment", headers=auth.headers(who))
        assert other.status_code == 200 and other.json["exists"] is False and other.json["steps"] == []
    assert client.get(f"{API}/recruitment/{road.id}", headers=auth.headers("zhangwei")).status_code == 403
    road.step("conversion_discussion", "2026-06-15", votes=VOTE, outcome="convert")
    mine = client.get(f"{API}/me/recruitment", headers=auth.headers("zhangwei")).json
    assert mine["awaiting"] == "conversion_approval"


# --- reminders and compliance ----------------------------------------------------------------------

def test_the_contacts_and_the_organizer_are_told_once_when_an_assessment_comes_due(app, client, auth, world, clock):
    clock.set_now(D(2026, 10, 1))
    with app.app_context():
        organizer = factories.create_member(db.session.get(Branch, world.branch_a), "组织委员", username="organizer_a")
        factories.create_role(organizer, BranchRoleKind.organizer)
        db.session.commit()
        organizer_id = organizer.id
    road = Road(client, auth, world, applied_on="2026-01-10")
    road.step("talk", "2026-01-20")
    road.step("activist", "2026-03-01")
    road.contacts([world.member], "2026-03-01")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reminders"])  # due 2026-09-01: already overdue
    assert result.exit_code == 0 and "Assessment reminders: 2 for 1 activist(s)." in result.output
    with app.app_context():
        rows = db.session.scalars(sa.select(Notification).order_by(Notification.member_id)).all()
        assert sorted(n.member_id for n in rows) == sorted([world.member, organizer_id])
        assert all(n.kind.value == "recruitment" and n.event_id is None for n in rows)
        assert rows[0].title == "培养考察已逾期：张伟" and "2026年9月1日" in rows[0].body and "李明" in rows[0].body
    assert "Assessment reminders: 0 for 0 activist(s)." in runner.invoke(args=["reminders"]).output
    listed = client.get(f"{API}/me/notifications", headers=auth.headers("member")).json
    assert [(n["kind"], n["event_id"]) for n in listed] == [("recruitment", None)]

    road.assess("2026-10-01")  # the next is due 2027-04-01: told 30 days ahead, not 31
    clock.set_now(D(2027, 3, 1))
    assert "Assessment reminders: 0 for 0" in runner.invoke(args=["reminders"]).output
    clock.set_now(D(2027, 3, 2))
    assert "Assessment reminders: 2 for 1" in runner.invoke(args=["reminders"]).output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 4


def test_a_branch_without_an_organizer_tells_its_secretary(app, client, auth, world, clock):
    from server.recruitment.operations import send_assessment_reminders

    clock.set_now(D(2026, 8, 15))
    road = Road(client, auth, world, applied_on="2026-01-10")
    road.step("talk", "2026-01-20")
    road.step("activist", "2026-03-01")
    with app.app_context():
        assert send_assessment_reminders(D(2026, 8, 15)) == (1, 1)  # no contacts yet: the secretary alone
        db.session.commit()
        assert db.session.scalar(sa.select(Notification.member_id)) == world.secretary_a


def test_the_compliance_view_flags_an_ended_probation_not_yet_discussed(app, client, auth, world, clock):
    clock.set_now(D(2026, 6, 27))
    road = Road(client, auth, world).to_probation()  # probation ended on 2026-06-10
    with app.app_context():
        db.session.get(Branch, world.branch_a).created_at = factories.china_time(D(2024, 1, 1))
        db.session.commit()
    data = client.get(f"{API}/branches/{world.branch_a}/compliance?year=2026&month=6",
                      headers=auth.headers("secretary_a")).json
    [rec] = [r for r in data["results"] if r["rule"] == "REC-timeline"]
    assert rec["state"] == "late" and rec["deadline"] == "2026-06-24"
    assert rec["next_step"]["key"] == "rec.conversion.overdue"
    assert rec["next_step"]["params"]["case_id"] == road.id
    assert rec["next_step"]["text"].startswith("张伟的预备期已于6月10日")
    assert rec["evidence"]["members"] == [road.case["member_id"]]
    road.step("conversion_discussion", "2026-06-27", votes=VOTE, outcome="convert")
    results = client.get(f"{API}/branches/{world.branch_a}/compliance?year=2026&month=6",
                         headers=auth.headers("secretary_a")).json["results"]
    rec = next(r for r in results if r["rule"] == "REC-timeline")
    assert rec["state"] == "late" and rec["next_step"]["key"] == "rec.conversion.late"
    committee = client.get(f"{API}/committees/{world.committee_id}/compliance?year=2026&month=6",
                           headers=auth.headers("committee")).json
    row = next(b for b in committee["branches"] if b["branch_id"] == world.branch_a)
    assert row["states"]["REC-timeline"] == "late"


def test_the_list_puts_overdue_cases_first(client, auth, world, clock):
    clock.set_now(D(2026, 3, 20))
    Road(client, auth, world, name="甲", applied_on="2026-03-10")  # the talk is due by 2026-04-10
    late = Road(client, auth, world, name="乙", applied_on="2026-01-10")  # the talk was due by 2026-02-10
    listed = client.get(f"{API}/branches/{world.branch_a}/recruitment", headers=auth.headers("secretary_a")).json
    assert [c["name"] for c in listed["cases"]] == ["乙", "甲"]
    assert listed["cases"][0]["overdue"] == ["乙于1月10日（星期六）递交入党申请书，应在2月10日（星期二）前派人谈话，现已逾期"]
    assert listed["counts"]["applicant"] == 2 and listed["cases"][1]["next_deadline"] == "2026-04-10"
    late.step("talk", "2026-03-20")
    listed = client.get(f"{API}/branches/{world.branch_a}/recruitment", headers=auth.headers("secretary_a")).json
    assert [c["overdue"] for c in listed["cases"]] == [[], []]
