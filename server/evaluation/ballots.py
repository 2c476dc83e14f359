"""The ballot box of the anonymous assessment forms (民主测评表); docs/decisions.md, "Anonymous
assessment forms", says why it is built so.

- A member on the roll gets one ballot: either their phone's blind-signed token (`issue_signature`,
  logged in; the roll records "phone", never the token) or a numbered paper form handed to them
  (`hand_paper`: the roll records "paper", never the number). Never both.
- Invited non-members get printed tokens (`guest_tokens`), paper forms are printed with a code each
  (`print_paper_forms`): only the hashes are kept, the texts are shown once.
- `cast` takes a ballot with no login: a token with its signature, or a printed guest token. It
  keeps the marks under a random id, with no time, no voter and no token, and marks the token used
  in the same transaction. Nothing is audited or logged for it.
- Two tellers enter a paper form: one types it (`enter_paper`), a different one confirms it with
  the form's code in hand (`confirm_paper`).
- Closing (`close_balloting`) erases the signing key and rewrites the ballots in a shuffled order
  under new ids; only then is the tally (`tally`) readable.
"""
from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa

from server.audit.operations import log_action
from server.core.api import abort
from server.core.db import db
from server.core.enums import EvaluationGrade
from server.evaluation import blind
from server.evaluation.models import (
    Ballot,
    BallotIssue,
    BallotToken,
    Evaluation,
    EvaluationMember,
    EvaluationStage,
    PaperEntry,
    TokenKind,
)

# Paper codes: no 0/O, 1/I/L, so that a teller reads them off paper without doubt.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
MAX_PRINTED = 500  # per kind and evaluation
_rng = secrets.SystemRandom()


def _field(field: str, message: str, status: int = 422):
    abort(status, message=message, errors={"json": {field: [message]}})


def _open(evaluation: Evaluation) -> None:
    if evaluation.stage != EvaluationStage.balloting:
        abort(409, message=f"Balloting is not open (stage: {evaluation.stage.value}).")


def token_hash(evaluation_id: int, token: bytes) -> str:
    return hashlib.sha256(b"zhibu-ballot-token:%d:" % evaluation_id + token).hexdigest()


def normalize_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def public_key(evaluation: Evaluation) -> blind.PublicKey:
    return blind.PublicKey(int(evaluation.ballot_key_n, 16), evaluation.ballot_key_e)


def random_id() -> str:
    return secrets.token_hex(16)


# --- opening and closing -------------------------------------------------------------------------------

def open_balloting(evaluation: Evaluation) -> None:
    key, d = blind.generate_key()
    evaluation.ballot_key_n = format(key.n, "x")
    evaluation.ballot_key_e = key.e
    evaluation.ballot_key_d = format(d, "x")


def close_balloting(evaluation: Evaluation) -> dict:
    """Erase the signing key, rewrite the ballots shuffled under new ids (whatever order or ids they
    came in with is gone), and drop the printed tokens nobody used. Returns the counts for the audit."""
    evaluation.ballot_key_d = None
    marks = list(db.session.scalars(sa.select(Ballot.marks).where(Ballot.evaluation_id == evaluation.id)))
    db.session.execute(sa.delete(Ballot).where(Ballot.evaluation_id == evaluation.id))
    _rng.shuffle(marks)
    for m in marks:
        db.session.add(Ballot(id=random_id(), evaluation_id=evaluation.id, marks=m))
    counts = box_counts(evaluation)
    db.session.execute(sa.delete(BallotToken).where(BallotToken.evaluation_id == evaluation.id,
                                                    BallotToken.used.is_(False)))
    return {"ballots_cast": len(marks), "guest_tokens": counts["guest_tokens"], "guest_used": counts["guest_used"],
            "paper_forms": counts["paper_forms"], "paper_used": counts["paper_used"]}


def ballot_count(evaluation: Evaluation) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)
                             .where(Ballot.evaluation_id == evaluation.id))


def pending_paper_count(evaluation: Evaluation) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PaperEntry)
                             .where(PaperEntry.evaluation_id == evaluation.id))


def box_counts(evaluation: Evaluation) -> dict:
    """How many ballots are in; printed tokens and paper codes, and how many were used. No tally."""
    counts = {(kind, used): n for kind, used, n in db.session.execute(
        sa.select(BallotToken.kind, BallotToken.used, sa.func.count())
        .where(BallotToken.evaluation_id == evaluation.id).group_by(BallotToken.kind, BallotToken.used))}
    def count(kind, used=None):
        return sum(n for (k, u), n in counts.items() if k == kind and used in (None, u))

    return {"ballots_cast": ballot_count(evaluation), "pending_paper_entries": pending_paper_count(evaluation),
            "guest_tokens": count(TokenKind.guest), "guest_used": count(TokenKind.guest, True),
            "paper_forms": count(TokenKind.paper), "paper_used": count(TokenKind.paper, True)}


# --- issuing ballots (the voter roll) -------------------------------------------------------------------

def _claim(row: EvaluationMember, how: BallotIssue, digest: str | None = None) -> bool:
    """Mark the roll: a ballot issued to this member, if none was (one statement, so two requests at
    once cannot both succeed)."""
    result = db.session.execute(
        sa.update(EvaluationMember)
        .where(EvaluationMember.id == row.id, EvaluationMember.ballot_issued.is_(None))
        .values(ballot_issued=how, ballot_request_digest=digest)
        .execution_options(synchronize_session=False))
    db.session.refresh(row)
    return result.rowcount == 1


def issue_signature(evaluation: Evaluation, row: EvaluationMember, blinded_text: str) -> str:
    """Sign the member's blinded token (their ballot, drawn on the phone). The same blinded number
    again (an answer lost on the way) is signed again; anything else after the first is refused."""
    _open(evaluation)
    key = public_key(evaluation)
    try:
        blinded = blind.b64_to_int(blinded_text, key.size)
    except ValueError:
        _field("blinded", f"The blinded token is {key.size} bytes in base64url.")
    if not 1 < blinded < key.n - 1:
        _field("blinded", "The blinded token is out of range.")
    digest = hashlib.sha256(blinded.to_bytes(key.size, "big")).hexdigest()
    if row.ballot_issued is None and _claim(row, BallotIssue.phone, digest):
        pass
    elif row.ballot_issued == BallotIssue.paper:
        abort(409, message="A paper form was handed to you: you vote on paper.")
    elif row.ballot_request_digest != digest:
        abort(409, message="Your ballot was already issued to a phone.")
    signature = blind.sign_blinded(blinded, key, int(evaluation.ballot_key_d, 16))
    return blind.int_to_b64(signature, key.size)


def hand_paper(evaluation: Evaluation, row: EvaluationMember, actor_id: int | None) -> EvaluationMember:
    """A paper form handed to a member without a phone (the roll records it, not the form's number)."""
    _open(evaluation)
    if not _claim(row, BallotIssue.paper):
        how = "on the phone" if row.ballot_issued == BallotIssue.phone else "on paper"
        abort(409, message=f"{row.member.name} already has a ballot ({how}).")
    log_action(actor_id, "evaluation.paper_form_handed", row, branch_id=evaluation.branch_id,
               evaluation_id=evaluation.id, member_id=row.member_id)
    return row


def _printable(evaluation: Evaluation) -> None:
    if evaluation.stage not in (EvaluationStage.peer_assessment, EvaluationStage.balloting):
        abort(409, message="Forms and invitations are printed just before or during balloting "
                           f"(stage: {evaluation.stage.value}).")


def _room(evaluation: Evaluation, kind: TokenKind, count: int) -> int:
    have = db.session.scalar(sa.select(sa.func.count()).select_from(BallotToken).where(
        BallotToken.evaluation_id == evaluation.id, BallotToken.kind == kind))
    if have + count > MAX_PRINTED:
        _field("count", f"At most {MAX_PRINTED} per evaluation ({have} already).")
    return have


def guest_tokens(evaluation: Evaluation, count: int, actor_id: int | None) -> list[str]:
    """Tokens for invited non-members (群众代表), shown once to print as QR codes; only hashes are kept."""
    _printable(evaluation)
    _room(evaluation, TokenKind.guest, count)
    tokens = [blind.b64url(secrets.token_bytes(blind.TOKEN_BYTES)) for _ in range(count)]
    for token in tokens:
        db.session.add(BallotToken(token_hash=token_hash(evaluation.id, blind.b64url_decode(token)),
                                   evaluation_id=evaluation.id, kind=TokenKind.guest, used=False))
    db.session.flush()
    log_action(actor_id, "evaluation.guest_tokens_issued", evaluation, branch_id=evaluation.branch_id, count=count)
    return tokens


def print_paper_forms(evaluation: Evaluation, count: int, actor_id: int | None) -> list[dict]:
    """Numbered paper forms, each with a code the tellers type in; only the codes' hashes are kept."""
    _printable(evaluation)
    have = _room(evaluation, TokenKind.paper, count)
    forms = []
    for number in range(have + 1, have + count + 1):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        forms.append({"number": number, "code": f"{code[:4]}-{code[4:]}"})
    for form in _rng.sample(forms, len(forms)):  # stored in no particular order
        db.session.add(BallotToken(token_hash=token_hash(evaluation.id, normalize_code(form["code"]).encode()),
                                   evaluation_id=evaluation.id, kind=TokenKind.paper, used=False))
    db.session.flush()
    log_action(actor_id, "evaluation.paper_forms_printed", evaluation, branch_id=evaluation.branch_id, count=count)
    return forms


# --- casting ------------------------------------------------------------------------------------------

def check_marks(evaluation: Evaluation, marks: list[dict]) -> dict:
    """{member id (text): grade} for members on the roll, in the evaluation's grades; one mark per member."""
    from server.evaluation.operations import grades_of

    on_roll = {r.member_id for r in evaluation.members}
    allowed = set(grades_of(evaluation))
    result = {}
    for mark in marks:
        member_id, grade = mark["member_id"], mark["grade"]
        if member_id not in on_roll:
            _field("marks", "A mark names a member who is not on this evaluation's roll.")
        if grade not in allowed:
            _field("marks", "基本合格 is not a grade of this evaluation.")
        if str(member_id) in result:
            _field("marks", "One mark per member.")
        result[str(member_id)] = grade.value
    if not result:
        _field("marks", "The form is empty: mark at least one member.")
    return dict(sorted(result.items(), key=lambda kv: int(kv[0])))


def _use(evaluation: Evaluation, digest: str, kind: TokenKind) -> bool:
    result = db.session.execute(
        sa.update(BallotToken)
        .where(BallotToken.token_hash == digest, BallotToken.evaluation_id == evaluation.id,
               BallotToken.kind == kind, BallotToken.used.is_(False))
        .values(used=True).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _decode_token(text: str) -> bytes:
    try:
        token = blind.b64url_decode(text)
    except ValueError:
        _field("token", "Not a ballot token.")
    if len(token) != blind.TOKEN_BYTES:
        _field("token", "Not a ballot token.")
    return token


def cast(evaluation: Evaluation, token_text: str, signature_text: str | None, marks: list[dict]) -> None:
    """Put a ballot in the box. Its authority is the token, not a login: a phone's token with its
    blind signature, or a printed guest token. A token counts once."""
    _open(evaluation)
    values = check_marks(evaluation, marks)
    token = _decode_token(token_text)
    digest = token_hash(evaluation.id, token)
    if signature_text is not None:
        key = public_key(evaluation)
        try:
            signature = blind.b64_to_int(signature_text, key.size)
        except ValueError:
            _field("signature", "Not a signature of this evaluation's ballot.")
        if not blind.verify(token, signature, key):
            abort(403, message="The ballot's signature is not valid for this evaluation.")
        if db.session.get(BallotToken, digest) is not None:
            abort(409, message="This ballot was already cast.")
        db.session.add(BallotToken(token_hash=digest, evaluation_id=evaluation.id, kind=TokenKind.signed, used=True))
        db.session.flush()  # a second request with the same token fails here (primary key)
    elif not _use(evaluation, digest, TokenKind.guest):
        if db.session.get(BallotToken, digest) is not None:
            abort(409, message="This ballot was already cast.")
        abort(403, message="Not a ballot token of this evaluation.")
    db.session.add(Ballot(id=random_id(), evaluation_id=evaluation.id, marks=values))
    db.session.flush()


def guest_form(evaluation: Evaluation, token_text: str) -> dict:
    """The form an invited non-member fills in, for an unused guest token."""
    from server.evaluation.operations import ballot_form

    _open(evaluation)
    token = db.session.get(BallotToken, token_hash(evaluation.id, _decode_token(token_text)))
    if token is None or token.kind != TokenKind.guest or token.evaluation_id != evaluation.id:
        abort(403, message="Not a ballot token of this evaluation.")
    if token.used:
        abort(409, message="This ballot was already cast.")
    return ballot_form(evaluation)


# --- paper forms, two tellers ------------------------------------------------------------------------

def _paper_token(evaluation: Evaluation, code: str) -> tuple[str, BallotToken]:
    digest = token_hash(evaluation.id, normalize_code(code).encode())
    token = db.session.get(BallotToken, digest)
    if token is None or token.kind != TokenKind.paper or token.evaluation_id != evaluation.id:
        _field("code", "Not the code of a form printed for this evaluation.")
    if token.used:
        abort(409, message="This paper form was already counted.")
    return digest, token


def enter_paper(evaluation: Evaluation, code: str, marks: list[dict], actor_id: int) -> PaperEntry:
    _open(evaluation)
    values = check_marks(evaluation, marks)
    digest, _ = _paper_token(evaluation, code)
    if db.session.scalar(sa.select(PaperEntry.id).where(PaperEntry.code_hash == digest)):
        abort(409, message="This paper form was already entered; it waits for a second teller.")
    entry = PaperEntry(id=random_id(), evaluation_id=evaluation.id, code_hash=digest, marks=values,
                       entered_by_id=actor_id)
    db.session.add(entry)
    db.session.flush()
    log_action(actor_id, "evaluation.paper_form_entered", evaluation, branch_id=evaluation.branch_id)
    return entry


def confirm_paper(evaluation: Evaluation, entry: PaperEntry, code: str, actor_id: int) -> None:
    """The second teller, with the paper form in hand, types its code: the entry becomes a ballot."""
    _open(evaluation)
    if entry.entered_by_id == actor_id:
        abort(409, message="A second teller confirms the form: not the one who entered it.")
    digest, _ = _paper_token(evaluation, code)
    if digest != entry.code_hash:
        _field("code", "This code is not the one of the form entered.")
    handed = db.session.scalar(sa.select(sa.func.count()).select_from(EvaluationMember).where(
        EvaluationMember.evaluation_id == evaluation.id, EvaluationMember.ballot_issued == BallotIssue.paper))
    counted = box_counts(evaluation)["paper_used"]
    if counted + 1 > handed:
        abort(409, message=f"More paper forms than were handed out ({handed}): check the roll.")
    if not _use(evaluation, digest, TokenKind.paper):
        abort(409, message="This paper form was already counted.")
    db.session.add(Ballot(id=random_id(), evaluation_id=evaluation.id, marks=entry.marks))
    db.session.delete(entry)
    db.session.flush()
    log_action(actor_id, "evaluation.paper_form_confirmed", evaluation, branch_id=evaluation.branch_id)


def discard_paper(evaluation: Evaluation, entry: PaperEntry, actor_id: int) -> None:
    _open(evaluation)
    db.session.delete(entry)
    db.session.flush()
    log_action(actor_id, "evaluation.paper_form_discarded", evaluation, branch_id=evaluation.branch_id)


def paper_entries(evaluation: Evaluation, viewer_user_id: int) -> list[dict]:
    from server.auth.models import User

    rows = db.session.scalars(sa.select(PaperEntry).where(PaperEntry.evaluation_id == evaluation.id)
                              .order_by(PaperEntry.id)).all()
    names = {}
    for entry in rows:
        if entry.entered_by_id not in names:
            user = db.session.get(User, entry.entered_by_id)
            names[entry.entered_by_id] = (user.member.name if user and user.member else user.username if user else None)
    return [{"id": e.id, "marks": [{"member_id": int(k), "grade": v} for k, v in e.marks.items()],
             "entered_by": names[e.entered_by_id], "mine": e.entered_by_id == viewer_user_id} for e in rows]


# --- the tally ---------------------------------------------------------------------------------------

def tally(evaluation: Evaluation) -> dict:
    """Per member, how many forms gave each grade and how many left them blank. Sealed (409) until
    balloting closed."""
    from server.evaluation.operations import S, at_least, grades_of

    if not at_least(evaluation, S.grading):
        abort(409, message="The results stay sealed until balloting closes.")
    grades = [g.value for g in grades_of(evaluation)]
    forms = list(db.session.scalars(sa.select(Ballot.marks).where(Ballot.evaluation_id == evaluation.id)))
    by_member = {}
    rows = []
    for row in evaluation.members:
        counts = {g: 0 for g in grades}
        for marks in forms:
            grade = marks.get(str(row.member_id))
            if grade in counts:
                counts[grade] += 1
        entry = {"member_id": row.member_id, "name": row.member.name, "counts": counts,
                 "blank": len(forms) - sum(counts.values()), "ballots": len(forms)}
        by_member[row.member_id] = entry
        rows.append(entry)
    return {"evaluation_id": evaluation.id, "ballots": len(forms), "grades": grades, "members": rows,
            "by_member": by_member}


GRADE_ZH = {EvaluationGrade.excellent.value: "优秀", EvaluationGrade.qualified.value: "合格",
            EvaluationGrade.basically_qualified.value: "基本合格", EvaluationGrade.unqualified.value: "不合格"}
