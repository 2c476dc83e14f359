"""Helpers for the evaluation tests: an evaluation of branch A (tests/server/factories.py: 李明
`member`, 王芳 `member2`, 赵书记 `secretary_a`) taken to the stage a test needs, and a phone's
half of the blind-signed ballot (server/evaluation/blind.py), as the PWA does it."""
from __future__ import annotations

import datetime as dt

from server.core.db import db
from server.core.enums import EventKind
from server.evaluation import blind
from server.org.models import Branch, Member
from tests.server import factories

API = "/api/v1"
DAY = dt.date(2026, 12, 10)  # the tests' today: the meeting was the day before
MEETING_DAY = dt.date(2026, 12, 9)


def call(client, auth, who, method, path, **kw):
    return client.open(API + path, method=method, headers=auth.headers(who), **kw)


def meeting(app, world, *, day=MEETING_DAY, minutes=True):
    """A held evaluation meeting of branch A (with minutes unless told otherwise)."""
    with app.test_request_context():
        branch = db.session.get(Branch, world.branch_a)
        members = [db.session.get(Member, m) for m in (world.member, world.member2, world.secretary_a)]
        event = factories.create_meeting(branch, EventKind.evaluation_meeting, day, attendees=members, minutes=minutes,
                                         title="2026年度民主评议党员大会")
        db.session.commit()
        return event.id


def create(client, auth, world, **body):
    body = {"year": 2026, **body}
    response = call(client, auth, "secretary_a", "POST", f"/branches/{world.branch_a}/evaluations", json=body)
    assert response.status_code == 201, response.json
    return response.json


def advance(client, auth, evaluation_id, stage, who="secretary_a"):
    return call(client, auth, who, "POST", f"/evaluations/{evaluation_id}/stage", json={"stage": stage})


def write(client, auth, evaluation_id, member_id, who, text="一年来认真学习，按时参加组织生活。", nonce=None):
    return call(client, auth, who, "PUT", f"/evaluations/{evaluation_id}/members/{member_id}/self-assessment",
                json={"text": text, "nonce": nonce or f"nonce-{member_id}-{len(text)}-{who}"})


WRITERS = (("member", "member"), ("member2", "member2"), ("secretary_a", "secretary_a"))


def to_balloting(app, client, auth, world, **body):
    """An evaluation of A with every self-assessment written, its meeting held, balloting open."""
    event_id = meeting(app, world)
    evaluation = create(client, auth, world, meeting_event_id=event_id, **body)
    eid = evaluation["id"]
    assert advance(client, auth, eid, "self_assessment").status_code == 200
    for who, field in WRITERS:
        assert write(client, auth, eid, getattr(world, field), who).status_code == 200
    assert advance(client, auth, eid, "peer_assessment").status_code == 200
    opened = advance(client, auth, eid, "balloting")
    assert opened.status_code == 200, opened.json
    return opened.json


class Phone:
    """A member's phone: makes a token, blinds it, has it signed, unblinds, casts without login."""

    def __init__(self, client, auth, evaluation: dict, who: str):
        self.client, self.auth, self.evaluation, self.who = client, auth, evaluation, who
        key = evaluation["ballot_key"]
        self.key = blind.PublicKey(int(key["n"], 16), key["e"])
        self.token = blind.new_token()
        self.r = blind.random_r(self.key)
        self.blinded = blind.int_to_b64(blind.blind(self.token, self.key, self.r), self.key.size)
        self.signature = None

    def draw(self):
        response = call(self.client, self.auth, self.who, "POST",
                        f"/evaluations/{self.evaluation['id']}/ballot-signature", json={"blinded": self.blinded})
        if response.status_code == 200:
            signed = blind.b64_to_int(response.json["signature"], self.key.size)
            s = blind.unblind(signed, self.key, self.r)
            assert blind.verify(self.token, s, self.key)
            self.signature = blind.int_to_b64(s, self.key.size)
        return response

    def cast(self, marks: dict[int, str]):
        return self.client.post(f"{API}/ballots", json={
            "evaluation_id": self.evaluation["id"], "token": blind.b64url(self.token), "signature": self.signature,
            "marks": [{"member_id": m, "grade": g} for m, g in marks.items()]})


def vote(client, auth, evaluation, who, marks):
    phone = Phone(client, auth, evaluation, who)
    assert phone.draw().status_code == 200
    response = phone.cast(marks)
    assert response.status_code == 201, response.json
    return phone


def close_and_grade(client, auth, world, evaluation):
    """One ballot in, balloting closed, every member of A graded `qualified` (李明 `excellent`)."""
    vote(client, auth, evaluation, "member", {world.member: "excellent", world.member2: "qualified"})
    eid = evaluation["id"]
    assert advance(client, auth, eid, "grading").status_code == 200
    grades = ((world.member, "excellent"), (world.member2, "qualified"), (world.secretary_a, "qualified"))
    for member_id, grade in grades:
        response = call(client, auth, "secretary_a", "PUT", f"/evaluations/{eid}/members/{member_id}/grade",
                        json={"grade": grade})
        assert response.status_code == 200, response.json



def evaluation_at(world, stage: str, *, unqualified: bool = False, discard: bool = False) -> dict:
    """Branch A's evaluation of this year taken to `stage` through the operations (inside an app
    context; committed), for the role matrix. Returns what its rows need: the evaluation's id, a
    blinded token for a member's phone, a printed paper form's code and an entry of it typed in by
    `member2` (so that the secretary may confirm it), and a date to improve by. At `self_assessment`
    李明 has not written yet; at `balloting` an invited non-member's ballot is in and a paper form was
    handed to 王芳 (`discard`: its entry discarded again)."""
    import sqlalchemy as sa

    from server.auth.models import User
    from server.core.enums import EvaluationGrade as G
    from server.evaluation import ballots
    from server.evaluation import operations as ops
    from server.evaluation.models import STAGES, PaperEntry
    from sync import clock

    order = [s.value for s in STAGES]
    reached = lambda s: order.index(stage) >= order.index(s)  # noqa: E731
    branch = db.session.get(Branch, world.branch_a)
    members = [db.session.get(Member, m) for m in (world.member, world.member2, world.secretary_a)]
    event = factories.create_meeting(branch, EventKind.evaluation_meeting, clock.today() - dt.timedelta(days=1),
                                     attendees=members, title="民主评议党员大会")
    evaluation = ops.create_evaluation(branch, {"year": clock.today().year, "meeting_event_id": event.id}, None)
    values = {"evaluation": evaluation.id, "improve_by": (clock.today() + dt.timedelta(days=180)).isoformat()}
    go = lambda target: ops.advance(evaluation, ops.S(target), None)  # noqa: E731
    if reached("self_assessment"):
        go("self_assessment")
        for row in evaluation.members:
            if stage != "self_assessment" or row.member_id != world.member:
                ops.write_self_assessment(evaluation, row, "一年来认真履行党员义务。", f"kit-nonce-{row.id}", None, False)
    if reached("peer_assessment"):
        go("peer_assessment")
    if reached("balloting"):
        go("balloting")
        key = ballots.public_key(evaluation)
        values["blinded"] = blind.int_to_b64(blind.blind(blind.new_token(), key, blind.random_r(key)), key.size)
        [guest] = ballots.guest_tokens(evaluation, 1, None)  # one ballot in, from an invited non-member
        ballots.cast(evaluation, guest, None, [{"member_id": world.member, "grade": G.qualified}])
        form = ballots.print_paper_forms(evaluation, 1, None)[0]
        values["code"] = form["code"]
        ballots.hand_paper(evaluation, ops.row_of(evaluation, world.member2), None)
        typist = db.session.scalar(sa.select(User.id).where(User.member_id == world.member2))
        marks = [{"member_id": world.member, "grade": G.excellent}]
        values["entry"] = ballots.enter_paper(evaluation, form["code"], marks, typist).id
    if reached("grading") or discard:
        ballots.discard_paper(evaluation, db.session.get(PaperEntry, values["entry"]), None)
    if reached("grading"):
        go("grading")
        for row in evaluation.members:
            bad = unqualified and row.member_id == world.member
            ops.propose_grade(evaluation, row, G.unqualified if bad else G.qualified, None, None)
    if reached("review"):
        go("review")
    if reached("feedback"):
        ops.review(evaluation, True, None, None, None)
    db.session.commit()
    return values
