"""The anonymous assessment forms are anonymous: nothing the server keeps, answers, exports, audits
or logs links a ballot to the member who cast it (docs/decisions.md, "Anonymous assessment forms").

Checked here: every column of the ballot box's tables; the rows written when a member draws their
ballot against the rows written when it is cast; every answer of the API to the branch and the
committee; the Excel export; the audit log; every log line emitted meanwhile. And the blind
signatures themselves, against the vectors shared with the PWA (sync/vectors/ballot_blind.json).
"""
from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from server.core.db import db
from server.evaluation import blind
from server.evaluation.models import Ballot, BallotToken, EvaluationMember
from tests.server.evaluationkit import DAY, Phone, advance, call, to_balloting

VECTORS = Path(__file__).resolve().parents[2] / "sync" / "vectors" / "ballot_blind.json"
BOX = {"evaluation_ballot": {"id", "evaluation_id", "marks"},
       "evaluation_ballot_token": {"token_hash", "evaluation_id", "kind", "used"},
       "evaluation_paper_entry": {"id", "evaluation_id", "code_hash", "marks", "entered_by_id"}}


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set_now(DAY)


def test_the_ballot_box_tables_have_no_voter_no_time_and_no_order(app):
    with app.app_context(), db.engine.connect() as conn:
        inspector = sa.inspect(conn)
        for table, expected in BOX.items():
            columns = {c["name"]: c for c in inspector.get_columns(table)}
            assert set(columns) == expected, table
            assert not any(isinstance(c["type"], (sa.DateTime, sa.Date)) for c in columns.values()), table
            targets = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
            # The only person a box row names is the teller who typed a paper form in, never a voter.
            assert targets <= {"evaluation", "user_account"} and ("user_account" not in targets
                                                                  or table == "evaluation_paper_entry"), table
            pk = inspector.get_pk_constraint(table)["constrained_columns"]
            assert len(pk) == 1 and not isinstance(columns[pk[0]]["type"], sa.Integer), table  # no sequence
            if db.engine.dialect.name == "sqlite":  # stored in key order, not in the order rows came
                sql = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}).scalar()
                assert "WITHOUT ROWID" in sql, table


def _everything_the_branch_and_committee_can_read(client, auth, world, eid) -> str:
    paths = [f"/evaluations/{eid}", f"/branches/{world.branch_a}/evaluations", f"/evaluations/{eid}/tally",
             f"/committees/{world.committee_id}/evaluations", f"/branches/{world.branch_a}/audit?page_size=100",
             f"/evaluations/{eid}/paper-entries"]
    paths += [f"/evaluations/{eid}/members/{m}" for m in (world.member, world.member2, world.secretary_a)]
    texts = []
    for who in ("secretary_a", "committee"):
        for path in paths:
            response = call(client, auth, who, "GET", path)
            if response.status_code == 200:
                texts.append(response.get_data(as_text=True))
    for who in ("member", "member2"):
        texts.append(call(client, auth, who, "GET", "/me/evaluations").get_data(as_text=True))
    return "\n".join(texts)


def test_nothing_links_a_ballot_to_its_voter(app, client, auth, world, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, every level: a line naming a ballot would show here
    evaluation = to_balloting(app, client, auth, world)
    eid = evaluation["id"]
    with app.app_context():
        audit_before = db.session.execute(sa.text("SELECT count(*) FROM audit_entry")).scalar()
    # 李明 and 王芳 draw their ballots and cast them, each with a distinctive form.
    phones = {}
    for who, member_id, marks in (("member", world.member, {world.member2: "excellent"}),
                                  ("member2", world.member2,
                                   {world.member2: "unqualified", world.member: "excellent"})):
        phone = Phone(client, auth, evaluation, who)
        drawn = phone.draw()
        assert drawn.status_code == 200 and set(drawn.json) == {"signature"}
        cast = phone.cast(marks)
        assert cast.status_code == 201 and cast.json == {"accepted": True}
        phones[member_id] = (phone, marks)
    with app.app_context():
        # The cast added no audit line (the draws neither: the roll records them).
        assert db.session.execute(sa.text("SELECT count(*) FROM audit_entry")).scalar() == audit_before
        ballots_open = {b.id: b.marks for b in db.session.scalars(sa.select(Ballot))}
        rolls = {r.member_id: r for r in db.session.scalars(sa.select(EvaluationMember))}
        tokens = db.session.scalars(sa.select(BallotToken)).all()
        # What the draw wrote about each member (the roll) appears nowhere in the box, and the box
        # holds nothing of the member: the ballot rows are the marks and a random id.
        for member_id, (phone, marks) in phones.items():
            roll = rolls[member_id]
            assert roll.ballot_issued.value == "phone" and roll.ballot_request_digest
            box = json.dumps([ballots_open, [(t.token_hash, t.kind.value, t.used) for t in tokens]])
            assert roll.ballot_request_digest not in box
            assert str(roll.id) not in ballots_open and phone.blinded not in box
        roll_ids = {str(world.member), str(world.member2), str(world.secretary_a)}
        assert all(set(m) <= roll_ids for m in ballots_open.values())

    assert advance(client, auth, eid, "grading").status_code == 200
    with app.app_context():
        ballots_closed = {b.id: b.marks for b in db.session.scalars(sa.select(Ballot))}
        # Closing rewrote the ballots under new ids, in a new order: the ids seen while open are gone.
        assert not set(ballots_closed) & set(ballots_open)
        assert sorted(map(json.dumps, ballots_closed.values())) == sorted(map(json.dumps, ballots_open.values()))
        ballot_ids = set(ballots_closed) | set(ballots_open)
        token_hashes = {t.token_hash for t in db.session.scalars(sa.select(BallotToken))}
        assert len(token_hashes) == 2 and not token_hashes & {r.ballot_request_digest for r in rolls.values()}

    readable = _everything_the_branch_and_committee_can_read(client, auth, world, eid)
    for phone, _ in phones.values():
        for secret in (blind.b64url(phone.token), phone.signature, phone.blinded):
            assert secret not in readable
    for ballot_id in ballot_ids:
        assert ballot_id not in readable
    for token_hash in token_hashes:
        assert token_hash not in readable
    for roll in rolls.values():
        assert roll.ballot_request_digest is None or roll.ballot_request_digest not in readable

    workbook = call(client, auth, "secretary_a", "GET", f"/evaluations/{eid}/results.xlsx")
    cells = [str(c.value) for row in load_workbook(io.BytesIO(workbook.data)).active.iter_rows() for c in row
             if c.value is not None]
    exported = "\n".join(cells)
    assert not any(i in exported for i in ballot_ids) and "赵书记" in exported  # names, with aggregates only

    lines = "\n".join(r.getMessage() for r in caplog.records)
    for phone, _ in phones.values():
        assert blind.b64url(phone.token) not in lines and phone.signature not in lines and phone.blinded not in lines
    assert not any(i in lines for i in ballot_ids)


def test_the_audit_of_the_ballot_names_counts_and_tellers_never_marks(app, client, auth, world):
    evaluation = to_balloting(app, client, auth, world)
    eid = evaluation["id"]
    forms = call(client, auth, "secretary_a", "POST", f"/evaluations/{eid}/paper-forms",
                 json={"count": 1}).json["forms"]
    call(client, auth, "secretary_a", "POST", f"/evaluations/{eid}/members/{world.member2}/paper-form")
    marks = [{"member_id": world.member, "grade": "unqualified"}]
    entry = call(client, auth, "secretary_a", "POST", f"/evaluations/{eid}/paper-entries",
                 json={"code": forms[0]["code"], "marks": marks}).json["id"]
    with app.app_context():  # the second teller: an organizer
        from server.core.enums import BranchRoleKind
        from server.org.models import Member
        from tests.server.factories import create_role

        create_role(db.session.get(Member, world.member), BranchRoleKind.organizer)
        db.session.commit()
    assert call(client, auth, "member", "POST", f"/evaluations/{eid}/paper-entries/{entry}/confirm",
                json={"code": forms[0]["code"]}).status_code == 204
    audit = call(client, auth, "secretary_a", "GET", f"/branches/{world.branch_a}/audit?page_size=100").json
    ballot_lines = [e for e in audit if e["action"].startswith("evaluation.paper_form")]
    assert {e["action"] for e in ballot_lines} == {"evaluation.paper_form_handed", "evaluation.paper_form_entered",
                                                   "evaluation.paper_form_confirmed", "evaluation.paper_forms_printed"}
    text = json.dumps(audit, ensure_ascii=False)
    assert "unqualified" not in text and forms[0]["code"] not in text and entry not in text


# --- the blind signatures --------------------------------------------------------------------------

def test_the_shared_vectors_hold_for_the_server():
    doc = json.loads(VECTORS.read_text())
    key = blind.PublicKey(int(doc["key"]["n"], 16), doc["key"]["e"])
    d = int(doc["key"]["d"], 16)
    assert doc["domain"] == blind.DOMAIN.decode() and key.size == 256
    for case in doc["cases"]:
        token = blind.b64url_decode(case["token"])
        r = blind.b64_to_int(case["r"], key.size)
        assert blind.int_to_b64(blind.fdh(token, key), key.size) == case["fdh"]
        assert blind.int_to_b64(blind.blind(token, key, r), key.size) == case["blinded"]
        signed = blind.sign_blinded(blind.b64_to_int(case["blinded"], key.size), key, d)
        assert blind.int_to_b64(signed, key.size) == case["blind_signature"]
        signature = blind.unblind(signed, key, r)
        assert blind.int_to_b64(signature, key.size) == case["signature"]
        assert blind.verify(token, signature, key)
        assert not blind.verify(token + b"x", signature, key)
        assert not blind.verify(token, signature ^ 1, key)


def test_the_signed_number_tells_nothing_of_the_token():
    """Any token fits any blinded number for some blinding factor: a blinded number the server signed
    matches each token cast with it equally well (RSA blinding is a bijection)."""
    doc = json.loads(VECTORS.read_text())
    key = blind.PublicKey(int(doc["key"]["n"], 16), doc["key"]["e"])
    d = int(doc["key"]["d"], 16)
    first, second = doc["cases"]
    blinded = blind.b64_to_int(first["blinded"], key.size)
    other = blind.b64url_decode(second["token"])
    # r' = (blinded / fdh(other))^d: the factor that would have blinded the other token to the same number.
    r_other = pow(blinded * pow(blind.fdh(other, key), -1, key.n) % key.n, d, key.n)
    assert blind.blind(other, key, r_other) == blinded


def test_a_strict_encoding_and_a_range_check():
    with pytest.raises(ValueError):
        blind.b64url_decode("AAA=")
    with pytest.raises(ValueError):
        blind.b64url_decode("AB")  # not canonical: trailing bits set
    key = blind.PublicKey(int(json.loads(VECTORS.read_text())["key"]["n"], 16), 65537)
    with pytest.raises(ValueError):
        blind.b64_to_int(blind.b64url(b"\x01" * 10), key.size)
    with pytest.raises(ValueError):
        blind.sign_blinded(key.n, key, 3)


def test_the_server_refuses_a_blinded_number_out_of_range(app, client, auth, world):
    evaluation = to_balloting(app, client, auth, world)
    key = Phone(client, auth, evaluation, "member").key
    for value in (0, 1, key.n - 1):
        refused = call(client, auth, "member", "POST", f"/evaluations/{evaluation['id']}/ballot-signature",
                       json={"blinded": blind.int_to_b64(value, key.size)})
        assert refused.status_code == 422
    assert Phone(client, auth, evaluation, "member").draw().status_code == 200  # nothing was issued


def test_after_closing_nothing_can_be_signed_or_cast(app, client, auth, world):
    evaluation = to_balloting(app, client, auth, world)
    early = Phone(client, auth, evaluation, "member")
    assert early.draw().status_code == 200
    Phone(client, auth, evaluation, "member2").draw()
    late = Phone(client, auth, evaluation, "member2")
    late_phone = Phone(client, auth, evaluation, "secretary_a")
    assert late_phone.draw().status_code == 200
    assert late_phone.cast({world.member: "qualified"}).status_code == 201
    assert advance(client, auth, evaluation["id"], "grading").status_code == 200
    assert early.cast({world.member: "excellent"}).status_code == 409  # drawn, never cast: too late
    assert late.draw().status_code == 409
    with app.app_context():
        from server.evaluation.models import Evaluation

        assert db.session.get(Evaluation, evaluation["id"]).ballot_key_d is None


class TestGuessingIsLimited:
    @pytest.fixture
    def app_config(self):
        return {"BALLOT_RATE_LIMIT_PER_ADDRESS": "1 per minute"}

    def test_refused_ballots_and_guest_tokens_are_limited_per_address(self, app, client, auth, world):
        evaluation = to_balloting(app, client, auth, world)
        guess = {"evaluation_id": evaluation["id"], "token": "Z3Vlc3MtdG9rZW4"}

        def post(path, address):
            return client.post(f"/api/v1{path}", json=guess, environ_base={"REMOTE_ADDR": address}).status_code

        first, second = post("/ballots/form", "203.0.113.7"), post("/ballots", "203.0.113.7")
        assert 400 <= first < 500 and first != 429 and second == 429
        # Members voting from one address (the village office) are not slowed: accepted forms never
        # count, and the guesser's address is not theirs.
        for who in ("member", "member2"):
            phone = Phone(client, auth, evaluation, who)
            assert phone.draw().status_code == 200
            assert phone.cast({world.member: "qualified"}).status_code == 201
