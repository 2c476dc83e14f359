"""Dues: the members' bases, payments (online and through the sync push), arrears, remittances,
publications. Domain rules only; views check who calls. Only flushes: the request commits.

A payment is refused with one of these codes, the same through the sync push (a `rejected`
result) and the online API (an HTTP error, the code in `errors.reason`):
- `unknown_member` (422): no such member;
- `not_allowed` (403): the caller is not a secretary or organizer of the member's home branch;
- `no_dues_basis` (409): the branch has not set the member's dues basis yet;
- `month_not_owed` (422): a month before the member's ledger starts (admission, first basis),
  after they left, or more than 11 months ahead;
- `month_already_paid` (409): a month named was paid already (the database's unique
  (member, month) decides, whatever number of pushes race);
- `amount_short` (422): less than the months named owe.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from server.audit.operations import log_action
from server.auth.access import Principal
from server.core.api import abort
from server.core.db import db
from server.core.enums import DuesCategory
from server.dues import standard
from server.dues.models import (
    DuesBasis,
    DuesPayment,
    DuesPaymentCorrection,
    DuesPaymentMonth,
    DuesPublication,
    DuesRemittance,
    PublicationMode,
)
from server.dues.standard import (
    BasisFact,
    MemberDues,
    PaidFact,
    add_months,
    month_end,
    month_label,
    month_of,
    month_range,
    month_zh,
    remit_deadline,
    yuan,
)
from server.org.models import Branch, Member
from server.sync_api.models import MutationLog
from sync import clock
from sync.clock import CHINA

REJECTIONS = {
    "unknown_member": "No such member.",
    "not_allowed": "Only a secretary or organizer of the member's home branch records their dues.",
    "no_dues_basis": "The member's dues basis is not set yet: set it first (their category and income).",
    "month_not_owed": "A month named is not owed: before the member's dues start, after they left, "
                      "or more than 11 months ahead.",
    "month_already_paid": "A month named was already paid.",
    "amount_short": "The amount is less than the months named owe.",
}
HTTP_STATUS = {"unknown_member": 422, "not_allowed": 403, "no_dues_basis": 409, "month_not_owed": 422,
               "month_already_paid": 409, "amount_short": 422}
# Months ahead a payment may cover (the current month and the next 11).
MONTHS_AHEAD = 11
# A remittance: at most this much (1,000,000 yuan), a typo's guard; the collection bounds it too.
MAX_REMITTANCE_FEN = 100_000_000
EARLIEST_CLAIM_MS = 946_684_800_000  # 2000-01-01


def _field_error(field: str, message: str, status: int = 422):
    abort(status, message=message, errors={"json": {field: [message]}})


def current_month() -> dt.date:
    return month_of(clock.today())


# ------------------------------------------------------------------------------- loading facts

def _basis_fact(b: DuesBasis) -> BasisFact:
    return BasisFact(b.id, b.effective_from, b.category, b.monthly_fen, b.income_fen)


def ledgers(members: list[Member], *, year: int | None = None) -> dict[int, MemberDues]:
    """Each member's bases and paid months (of `year` only, when given), in two queries."""
    ids = [m.id for m in members]
    out = {m.id: MemberDues(m.id, m.name, m.admitted_on, m.left_on) for m in members}
    if not ids:
        return out
    bases = defaultdict(list)
    for b in db.session.scalars(sa.select(DuesBasis).where(DuesBasis.member_id.in_(ids))):
        bases[b.member_id].append(_basis_fact(b))
    stmt = (sa.select(DuesPaymentMonth.member_id, DuesPaymentMonth.month, DuesPaymentMonth.amount_fen,
                      DuesPaymentMonth.due_fen, DuesPayment.id, DuesPayment.paid_on)
            .join(DuesPayment, DuesPayment.id == DuesPaymentMonth.payment_id)
            .where(DuesPaymentMonth.member_id.in_(ids)))
    if year is not None:
        stmt = stmt.where(DuesPaymentMonth.month.between(dt.date(year, 1, 1), dt.date(year, 12, 1)))
    for member_id, month, amount, due, payment_id, paid_on in db.session.execute(stmt):
        out[member_id].paid[month] = PaidFact(payment_id, paid_on, amount, due)
    for member_id, rows in bases.items():
        out[member_id].bases = sorted(rows, key=lambda b: (b.effective_from, b.id))
    return out


def branch_members(branch_id: int, since: dt.date | None = None) -> list[Member]:
    """The branch's members, those who left before `since` left out, by name."""
    stmt = sa.select(Member).where(Member.branch_id == branch_id)
    if since is not None:
        stmt = stmt.where(sa.or_(Member.left_on.is_(None), Member.left_on >= since))
    return sorted(db.session.scalars(stmt), key=lambda m: (m.name, m.id))


# ------------------------------------------------------------------------------------- bases

def set_basis(member: Member, data: dict, actor_id: int | None) -> DuesBasis:
    """A member's basis from a named month on (a change never rewrites the months before)."""
    category = data["category"]
    try:
        assessment = standard.assess(category, income_fen=data.get("income_fen"), amount_fen=data.get("amount_fen"))
    except standard.StandardError as err:
        _field_error(err.field, err.message)
    note = (data.get("decision_note") or "").strip() or None
    if category in standard.DECIDED_CATEGORIES and (note is None or len(note) < 2):
        _field_error("decision_note", "An exemption or a branch-set amount is a decision of the branch: "
                                      "record it (who decided, when, why).")
    effective_from = data["effective_from"]
    if member.admitted_on is not None and effective_from < month_of(member.admitted_on):
        _field_error("effective_from", "The member owes dues from the month of their admission, not before.")
    if effective_from > add_months(current_month(), 12):
        _field_error("effective_from", "A basis is set at most 12 months ahead.")
    if member.left_on is not None and effective_from > member.left_on:
        _field_error("effective_from", "The member left the branch before that month.")
    has_bases = db.session.scalar(sa.select(sa.func.count()).select_from(DuesBasis)
                                  .where(DuesBasis.member_id == member.id)) > 0
    if has_bases:
        paid_since = db.session.scalar(
            sa.select(sa.func.max(DuesPaymentMonth.month)).where(DuesPaymentMonth.member_id == member.id,
                                                                  DuesPaymentMonth.month >= effective_from))
        if paid_since is not None:
            _field_error("effective_from", f"{month_zh(paid_since)} is already paid under the present basis: "
                                           "a change applies from the first month not yet paid.", 409)
    basis = DuesBasis(member_id=member.id, category=assessment.category, income_fen=assessment.income_fen,
                      monthly_fen=assessment.monthly_fen, effective_from=effective_from, decision_note=note,
                      set_by_id=actor_id, created_at=clock.now())
    db.session.add(basis)
    if effective_from <= current_month():
        # The roster's category follows the basis in force (the profile is the truth; see decisions.md).
        member.dues_category = assessment.category
    db.session.flush()
    log_action(actor_id, "dues.basis_set", basis, branch_id=member.branch_id, member_id=member.id,
               category=basis.category.value, income_fen=basis.income_fen, monthly_fen=basis.monthly_fen,
               effective_from=month_label(effective_from), decision_note=note)
    return basis


def basis_view(basis: BasisFact | DuesBasis | None, note: str | None = None) -> dict | None:
    if basis is None:
        return None
    assessment = standard.Assessment(basis.category, basis.monthly_fen, basis.income_fen,
                                     standard.rate_for(basis.category, basis.income_fen)
                                     if basis.category in standard.INCOME_CATEGORIES else None)
    out = {"id": basis.id, "category": basis.category.value, "income_fen": basis.income_fen,
           "monthly_fen": basis.monthly_fen, "effective_from": month_label(basis.effective_from),
           "rule": assessment.rule_zh, "category_zh": standard.CATEGORY_ZH[basis.category]}
    if isinstance(basis, DuesBasis):
        out |= {"decision_note": basis.decision_note, "created_at": basis.created_at, "set_by_id": basis.set_by_id}
    return out


# ----------------------------------------------------------------------------------- payments

@dataclasses.dataclass
class PaymentAttempt:
    """A payment to judge: from the sync push (nonce, claimed time) or the online API."""

    nonce: str
    member_id: int
    months: list[str]
    amount_fen: int
    paid_at: dt.datetime
    note: str | None = None


def _judge(p: Principal, attempt: PaymentAttempt) -> tuple[str | None, Member | None, dict[dt.date, int]]:
    """(refusal code or None, the member, what each month owes)."""
    member = db.session.get(Member, attempt.member_id)
    if member is None:
        return "unknown_member", None, {}
    if not p.manages(member.branch_id):
        return "not_allowed", member, {}
    ledger = ledgers([member])[member.id]
    if not ledger.bases:
        return "no_dues_basis", member, {}
    months = sorted(standard.parse_month(m) for m in attempt.months)
    first, last = ledger.first_month(), add_months(current_month(), MONTHS_AHEAD)
    dues = {}
    for month in months:
        due = ledger.due(month)
        if month < first or month > last or due is None:
            return "month_not_owed", member, {}
        dues[month] = due
    if any(month in ledger.paid for month in months):
        return "month_already_paid", member, dues
    if attempt.amount_fen < sum(dues.values()):
        return "amount_short", member, dues
    return None, member, dues


def record_payment(p: Principal, attempt: PaymentAttempt) -> tuple[DuesPayment | None, str | None]:
    """Record a payment, or say why not: (payment, None) | (None, code). The months are inserted
    under the (member, month) unique constraint inside a savepoint, so that of two pushes paying
    the same month at once exactly one is applied and the other refused `month_already_paid`."""
    code, member, dues = _judge(p, attempt)
    if code:
        return None, code
    now = clock.now()
    paid_at = min(attempt.paid_at, now)
    months = sorted(dues)
    due_total = sum(dues.values())
    extra = attempt.amount_fen - due_total
    try:
        with db.session.begin_nested():
            payment = DuesPayment(
                nonce=attempt.nonce, member_id=member.id, branch_id=member.branch_id,
                months=",".join(month_label(m) for m in months), amount_fen=attempt.amount_fen, due_fen=due_total,
                paid_at=paid_at, paid_on=paid_at.astimezone(CHINA).date(), received_at=now,
                recorded_by_id=p.user_id, source="app", note=attempt.note, updated_at=now)
            db.session.add(payment)
            db.session.flush()
            for month in months:
                db.session.add(DuesPaymentMonth(payment_id=payment.id, member_id=member.id, month=month,
                                                 due_fen=dues[month],
                                                 amount_fen=dues[month] + (extra if month == months[-1] else 0)))
            db.session.flush()
    except sa.exc.IntegrityError:
        # Another request got there first: with this nonce (a retry racing itself), or a month.
        if payment_by_nonce(attempt.nonce) is not None:
            return payment_by_nonce(attempt.nonce), None
        return None, "month_already_paid"
    log_action(p.user_id, "dues.paid", payment, branch_id=member.branch_id, member_id=member.id,
               months=payment.months, amount_fen=payment.amount_fen, due_fen=payment.due_fen,
               paid_on=payment.paid_on.isoformat())
    return payment, None


def payment_by_nonce(nonce: str) -> DuesPayment | None:
    return db.session.scalar(sa.select(DuesPayment).where(DuesPayment.nonce == nonce))


def push_result(nonce, status, code=None, payment_id=None) -> dict:
    return {"id": nonce, "status": status, "code": code, "message": REJECTIONS.get(code) if code else None,
            "record_id": None, "payment_id": payment_id, "flags": []}


def _insert(model):
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model.__table__)


def apply_payment_mutation(p: Principal, m: dict, offset_ms: int) -> dict:
    """A `dues_payment` mutation of a sync push. The same nonce always answers the same: its first
    result is kept in MutationLog (applied or rejected), as for record mutations."""
    nonce = m["id"]
    stored = db.session.scalar(sa.select(MutationLog).where(MutationLog.nonce == nonce))
    if stored is not None:
        return stored.result if stored.user_id == p.user_id else push_result(nonce, "rejected", "not_allowed")
    existing = payment_by_nonce(nonce)  # made through the online API with the same id
    if existing is not None:
        if existing.recorded_by_id != p.user_id:
            return push_result(nonce, "rejected", "not_allowed")
        out = push_result(nonce, "applied", payment_id=existing.id)
    else:
        # The claimed moment corrected by the phone's clock offset; a clock reading before 2000 or
        # after now is not believed (the server's own time is used: record_payment caps at now).
        corrected = m["claimed_at_ms"] + offset_ms
        claimed = dt.datetime.fromtimestamp(corrected / 1000, dt.timezone.utc) \
            if EARLIEST_CLAIM_MS <= corrected <= clock.now_ms() else clock.now()
        attempt = PaymentAttempt(nonce, m["member_id"], m["months"].split(","), m["amount_fen"], claimed)
        payment, code = record_payment(p, attempt)
        if code:
            out = push_result(nonce, "rejected", code)
        elif payment.recorded_by_id != p.user_id:  # a nonce someone else used at the same moment
            out = push_result(nonce, "rejected", "not_allowed")
        else:
            out = push_result(nonce, "applied", payment_id=payment.id)
    db.session.execute(_insert(MutationLog).values(nonce=nonce, user_id=p.user_id, result=out, created_at=clock.now())
                       .on_conflict_do_nothing())
    return out


def record_payment_online(p: Principal, branch: Branch, data: dict) -> tuple[DuesPayment, bool]:
    """POST /branches/<id>/dues/payments: the same operation, its refusals as HTTP errors.
    → (payment, created?) — a retry with the same nonce gets the first payment back."""
    nonce = data.get("nonce") or f"api-{secrets.token_hex(12)}"
    existing = payment_by_nonce(nonce)
    if existing is not None:
        if existing.recorded_by_id != p.user_id:
            abort(409, message="This id belongs to another payment.")
        return existing, False
    member = db.session.get(Member, data["member_id"])
    if member is not None and member.branch_id != branch.id:
        _field_error("member_id", "This member is not of this branch: dues are paid to the member's home branch.")
    paid_at = clock.now()
    if data.get("paid_on") is not None:
        if data["paid_on"] > clock.today():
            _field_error("paid_on", "The day the dues were handed over cannot be in the future.")
        if data["paid_on"].year < 2000:
            _field_error("paid_on", "The day the dues were handed over is after 2000.")
        if data["paid_on"] < clock.today():
            paid_at = dt.datetime.combine(data["paid_on"], dt.time(12), CHINA).astimezone(dt.timezone.utc)
    attempt = PaymentAttempt(nonce, data["member_id"], data["months"], data["amount_fen"], paid_at, data.get("note"))
    payment, code = record_payment(p, attempt)
    if code:
        message = REJECTIONS[code]
        if code == "amount_short":
            _, _, dues = _judge(p, attempt)
            message = f"The months named owe {yuan(sum(dues.values()))} yuan; the amount is less."
        field = {"unknown_member": "member_id", "month_not_owed": "months", "amount_short": "amount_fen",
                 "month_already_paid": "months"}.get(code)
        errors = {"reason": code}
        if field:
            errors["json"] = {field: [message]}
        abort(HTTP_STATUS[code], message=message, errors=errors)
    return payment, True


def payments_of(branch_id: int | None = None, member_id: int | None = None,
                year: int | None = None) -> list[DuesPayment]:
    stmt = sa.select(DuesPayment).options(selectinload(DuesPayment.member), selectinload(DuesPayment.corrections))
    if branch_id is not None:
        stmt = stmt.where(DuesPayment.branch_id == branch_id)
    if member_id is not None:
        stmt = stmt.where(DuesPayment.member_id == member_id)
    if year is not None:
        stmt = stmt.where(DuesPayment.paid_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    return db.session.scalars(stmt.order_by(DuesPayment.paid_on.desc(), DuesPayment.id.desc())).all()


def correct_payment(payment: DuesPayment, reason: str, changes: dict, actor_id: int | None) -> DuesPaymentCorrection:
    """Change a payment (its amount, its months) or void it, keeping the old values, who and why."""
    if payment.voided_at is not None:
        abort(409, message="This payment was voided; record a new one instead.")
    old = {"amount_fen": payment.amount_fen, "months": payment.months, "due_fen": payment.due_fen, "voided": False}
    member = payment.member
    new = dict(old)
    if changes.get("void"):
        db.session.execute(sa.delete(DuesPaymentMonth).where(DuesPaymentMonth.payment_id == payment.id))
        payment.voided_at = clock.now()
        new["voided"] = True
    else:
        months = sorted(standard.parse_month(m) for m in changes.get("months", payment.month_list))
        amount = changes.get("amount_fen", payment.amount_fen)
        ledger = ledgers([member])[member.id]
        dues = {}
        for month in months:
            due = ledger.due(month)
            if due is None or month < ledger.first_month() or month > add_months(current_month(), MONTHS_AHEAD):
                _field_error("months", REJECTIONS["month_not_owed"])
            dues[month] = due
            paid = ledger.paid.get(month)
            if paid is not None and paid.payment_id != payment.id:
                _field_error("months", f"{month_zh(month)} is paid by another payment.", 409)
        if amount < sum(dues.values()):
            _field_error("amount_fen", f"The months named owe {yuan(sum(dues.values()))} yuan; the amount is less.")
        labels = ",".join(month_label(m) for m in months)
        if labels == payment.months and amount == payment.amount_fen:
            abort(422, message="The correction changes nothing.")
        try:
            with db.session.begin_nested():
                db.session.execute(sa.delete(DuesPaymentMonth).where(DuesPaymentMonth.payment_id == payment.id))
                extra = amount - sum(dues.values())
                for month in months:
                    db.session.add(DuesPaymentMonth(payment_id=payment.id, member_id=member.id, month=month,
                                                    due_fen=dues[month],
                                                    amount_fen=dues[month] + (extra if month == months[-1] else 0)))
                db.session.flush()
        except sa.exc.IntegrityError:
            abort(409, message=REJECTIONS["month_already_paid"])
        payment.months, payment.amount_fen, payment.due_fen = labels, amount, sum(dues.values())
        new = {"amount_fen": amount, "months": labels, "due_fen": payment.due_fen, "voided": False}
    db.session.expire(payment, ["month_rows"])
    correction = DuesPaymentCorrection(payment=payment, corrected_by_id=actor_id, reason=reason, old_values=old,
                                       new_values=new, corrected_at=clock.now())
    db.session.add(correction)
    db.session.flush()
    log_action(actor_id, "dues.payment_corrected", payment, branch_id=payment.branch_id, member_id=member.id,
               correction_id=correction.id, reason=reason, old=old, new=new)
    return correction


# ---------------------------------------------------------------------------- views of a ledger

def _member_row(member: Member, ledger: MemberDues, month: dt.date, today_month: dt.date) -> dict:
    basis = ledger.basis_for(month) or ledger.basis_for(today_month)
    paid = ledger.paid.get(month)
    arrears = ledger.arrears(today_month)
    ahead = month_range(today_month, add_months(today_month, MONTHS_AHEAD))
    schedule = [m for m, _ in arrears if m < today_month] + ahead
    return {
        "member_id": member.id, "name": member.name, "status": member.status.value,
        "basis": basis_view(basis), "has_basis": bool(ledger.bases),
        "first_month": month_label(ledger.first_month()) if ledger.first_month() else None,
        "month": month_label(month), "due_fen": ledger.due(month), "owes": ledger.owes(month),
        "paid": None if paid is None else {"payment_id": paid.payment_id, "paid_on": paid.paid_on,
                                           "amount_fen": paid.amount_fen},
        "arrears": [{"month": month_label(m), "due_fen": d} for m, d in arrears],
        "arrears_fen": sum(d for _, d in arrears),
        "overdue_months": sum(1 for m, _ in arrears if m < today_month),
        # What the phone needs to take a payment offline: each month it may name, what it owes.
        "schedule": [{"month": month_label(m), "due_fen": ledger.due(m), "paid": m in ledger.paid}
                     for m in schedule if ledger.due(m) is not None],
    }


def collection(branch: Branch, month: dt.date) -> dict:
    """The month's collection list: every member, what they owe for it, paid or not, their arrears."""
    today_month = current_month()
    members = branch_members(branch.id, since=month)
    books = ledgers(members)
    rows = [_member_row(m, books[m.id], month, today_month) for m in members]
    owing = [r for r in rows if r["owes"]]
    return {
        "branch_id": branch.id, "branch_name": branch.name, "month": month_label(month),
        "current_month": month_label(today_month), "members": rows,
        "summary": {"owing": len(owing), "paid": sum(1 for r in owing if r["paid"]),
                    "due_fen": sum(r["due_fen"] for r in owing),
                    "paid_fen": sum(r["paid"]["amount_fen"] for r in rows if r["paid"]),
                    "without_basis": sum(1 for r in rows if not r["has_basis"]),
                    "arrears_fen": sum(r["arrears_fen"] for r in rows),
                    "in_arrears": sum(1 for r in rows if r["overdue_months"])},
    }


def arrears(branch: Branch) -> dict:
    """Per member and for the branch: months owed and unpaid up to this month, and the amounts."""
    today_month = current_month()
    members = branch_members(branch.id, since=today_month)
    books = ledgers(members)
    rows = []
    for m in members:
        owed = books[m.id].arrears(today_month)
        if owed:
            rows.append({"member_id": m.id, "name": m.name,
                         "months": [{"month": month_label(x), "due_fen": d} for x, d in owed],
                         "total_fen": sum(d for _, d in owed),
                         "overdue_months": sum(1 for x, _ in owed if x < today_month)})
    return {"branch_id": branch.id, "month": month_label(today_month), "members": rows,
            "total_fen": sum(r["total_fen"] for r in rows), "members_count": len(rows)}


def member_dues(member: Member) -> dict:
    """One member's dues: basis and rule, history, payments, arrears, and the published tables of
    their branch (what a member sees of their own, and what the branch published to them)."""
    today_month = current_month()
    ledger = ledgers([member])[member.id]
    bases = db.session.scalars(sa.select(DuesBasis).where(DuesBasis.member_id == member.id)
                               .order_by(DuesBasis.effective_from, DuesBasis.id)).all()
    current = ledger.basis_for(today_month)
    current_row = next((b for b in bases if current and b.id == current.id), None)
    owed = ledger.arrears(today_month)
    return {
        "member_id": member.id, "name": member.name, "branch_id": member.branch_id,
        "current_month": month_label(today_month),
        "basis": basis_view(current_row), "history": [basis_view(b) for b in reversed(bases)],
        "first_month": month_label(ledger.first_month()) if ledger.first_month() else None,
        "arrears": [{"month": month_label(m), "due_fen": d} for m, d in owed],
        "arrears_fen": sum(d for _, d in owed),
        "payments": payments_of(member_id=member.id),
        "schedule": [{"month": month_label(m), "due_fen": ledger.due(m), "paid": m in ledger.paid}
                     for m in month_range(today_month.replace(month=1), today_month.replace(month=12))
                     if ledger.due(m) is not None],
        "publications": publications_of(member.branch_id),
    }


def year_of(member: Member, year: int) -> dict:
    """The member's dues of `year` up to this month (all of it for a past year): months owed, months
    paid of those, and what was paid for the year's months, in fen (the evaluation shows it)."""
    ledger = ledgers([member], year=year)[member.id]
    last = min(dt.date(year, 12, 1), current_month())
    owed = [m for m in month_range(dt.date(year, 1, 1), last) if ledger.owes(m)] if last.year == year else []
    return {"months_due": len(owed), "months_paid": sum(1 for m in owed if m in ledger.paid),
            "paid_fen": sum(p.amount_fen for p in ledger.paid.values())}


# --------------------------------------------------------------------------------- remittances

def collected_fen(branch_id: int, first: dt.date, last_month: dt.date) -> int:
    """What the branch collected (payments received, by the day handed over) in those months."""
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(DuesPayment.amount_fen), 0)).where(
        DuesPayment.branch_id == branch_id, DuesPayment.voided_at.is_(None),
        DuesPayment.paid_on.between(first, month_end(last_month)))) or 0


def _remitted_fen(branch_id: int, first: dt.date, last_month: dt.date) -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(DuesRemittance.amount_fen), 0)).where(
        DuesRemittance.branch_id == branch_id, DuesRemittance.first_month <= last_month,
        DuesRemittance.last_month >= first)) or 0


def quarter_of(month: dt.date) -> int:
    return (month.month - 1) // 3 + 1


def record_remittance(branch: Branch, data: dict, actor_id: int | None) -> DuesRemittance:
    first, last = data["first_month"], data["last_month"]
    if last < first:
        _field_error("last_month", "The last month comes after the first.")
    if first.year != last.year or quarter_of(first) != quarter_of(last):
        _field_error("last_month", "A remittance covers months of one quarter (the period DUES-remit judges).")
    if last > current_month():
        _field_error("last_month", "Only months already begun can be remitted.")
    if data["remitted_on"] > clock.today():
        _field_error("remitted_on", "The remittance date cannot be in the future.")
    if data["remitted_on"] < first:
        _field_error("remitted_on", "The remittance cannot be before the months it covers.")
    collected = collected_fen(branch.id, first, last)
    outstanding = collected - _remitted_fen(branch.id, first, last)
    if data["amount_fen"] > outstanding:
        _field_error("amount_fen", f"More than was collected and not yet remitted for those months "
                                   f"({yuan(max(outstanding, 0))} yuan).")
    remittance = DuesRemittance(branch_id=branch.id, first_month=first, last_month=last, amount_fen=data["amount_fen"],
                                collected_fen=collected, remitted_on=data["remitted_on"],
                                note=(data.get("note") or "").strip() or None, recorded_by_id=actor_id,
                                created_at=clock.now())
    db.session.add(remittance)
    db.session.flush()
    log_action(actor_id, "dues.remitted", remittance, branch_id=branch.id, amount_fen=remittance.amount_fen,
               first_month=month_label(first), last_month=month_label(last), collected_fen=collected)
    return remittance


def confirm_remittance(remittance: DuesRemittance, note: str | None, actor_id: int | None) -> DuesRemittance:
    if remittance.confirmed_at is not None:
        abort(409, message="This remittance was already confirmed.")
    remittance.confirmed_at = clock.now()
    remittance.confirmed_by_id = actor_id
    remittance.confirm_note = (note or "").strip() or None
    db.session.flush()
    log_action(actor_id, "dues.remittance_confirmed", remittance, branch_id=remittance.branch_id,
               amount_fen=remittance.amount_fen)
    return remittance


def remittances_of(branch_ids, *, year: int | None = None, pending: bool = False) -> list[DuesRemittance]:
    stmt = sa.select(DuesRemittance).where(DuesRemittance.branch_id.in_(branch_ids)) \
        .options(selectinload(DuesRemittance.branch))
    if year is not None:
        stmt = stmt.where(DuesRemittance.first_month.between(dt.date(year, 1, 1), dt.date(year, 12, 1)))
    if pending:
        stmt = stmt.where(DuesRemittance.confirmed_at.is_(None))
    return db.session.scalars(stmt.order_by(DuesRemittance.remitted_on.desc(), DuesRemittance.id.desc())).all()


def remittance_book(branch: Branch, year: int) -> dict:
    """The year by quarter: collected, remitted, confirmed, the difference and the deadline."""
    remittances = remittances_of([branch.id], year=year)
    quarters = []
    for q in range(1, 5):
        first, last = dt.date(year, 3 * q - 2, 1), dt.date(year, 3 * q, 1)
        mine = [r for r in remittances if first <= r.first_month <= last]
        collected = collected_fen(branch.id, first, last)
        remitted = sum(r.amount_fen for r in mine)
        quarters.append({
            "quarter": q, "first_month": month_label(first), "last_month": month_label(last),
            "collected_fen": collected, "remitted_fen": remitted,
            "confirmed_fen": sum(r.amount_fen for r in mine if r.confirmed_at is not None),
            "difference_fen": collected - remitted, "deadline": remit_deadline(year, q),
            "started": first <= current_month(),
        })
    return {"branch_id": branch.id, "year": year, "quarters": quarters, "remittances": remittances}


# -------------------------------------------------------------------------------- publication

def ledger_table(branch: Branch, year: int) -> dict:
    """The year's 台账: one row per member of the branch in the year, the amounts counted for each
    month (its due; the voluntary extra on a payment's last month), totals, notes."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 1)
    members = [m for m in branch_members(branch.id, since=first)
               if m.admitted_on is None or m.admitted_on <= dt.date(year, 12, 31)]
    books = ledgers(members, year=year)
    through = min(last, current_month())
    rows = []
    month_totals = [0] * 12
    for m in members:
        ledger = books[m.id]
        basis = ledger.basis_for(through) or ledger.basis_for(first)
        if basis is None and not ledger.paid:
            continue
        cells = [ledger.paid[x].amount_fen if x in ledger.paid else None for x in month_range(first, last)]
        for i, value in enumerate(cells):
            month_totals[i] += value or 0
        notes = []
        extra = sum(p.amount_fen - p.due_fen for p in ledger.paid.values())
        if extra:
            notes.append(f"自愿多交{yuan(extra)}元")
        owed = [x for x in month_range(first, through) if ledger.owes(x) and x not in ledger.paid]
        if owed:
            notes.append(f"欠缴{len(owed)}个月")
        changes = [b for b in ledger.bases if first < b.effective_from <= last]
        for b in changes:
            notes.append(f"{b.effective_from.month}月起{standard.CATEGORY_ZH[b.category]}每月{yuan(b.monthly_fen)}元")
        if basis is not None and basis.category == DuesCategory.exempt:
            notes.append("经支部研究免交")
        rows.append({
            "member_id": m.id, "name": m.name,
            "basis": _basis_short(basis), "monthly_fen": basis.monthly_fen if basis else None,
            "months": cells, "total_fen": sum(v or 0 for v in cells), "note": "；".join(notes),
        })
    return {"branch_id": branch.id, "branch_name": branch.name, "year": year, "rows": rows,
            "month_totals": month_totals, "total_fen": sum(month_totals)}


def _basis_short(basis: BasisFact | None) -> str:
    if basis is None:
        return "未核定"
    name = standard.CATEGORY_ZH[basis.category]
    if basis.income_fen is not None:
        return f"{name}/月收入{yuan(basis.income_fen)}元"
    return name


def publish(branch: Branch, year: int, mode: PublicationMode, actor_id: int | None) -> DuesPublication:
    """Publish the year's collection to the branch's members, as it is now (a snapshot)."""
    if year > clock.today().year:
        _field_error("year", "A year's collection is published once the year has begun.")
    table = ledger_table(branch, year)
    snapshot = {"year": year, "branch_name": branch.name, "mode": mode.value,
                "month_totals": table["month_totals"], "total_fen": table["total_fen"],
                "payers": sum(1 for r in table["rows"] if r["total_fen"]), "members_count": len(table["rows"])}
    if mode == PublicationMode.per_member:
        snapshot["rows"] = [{"name": r["name"], "basis": r["basis"], "monthly_fen": r["monthly_fen"],
                             "months": r["months"], "total_fen": r["total_fen"], "note": r["note"]}
                            for r in table["rows"]]
    publication = DuesPublication(branch_id=branch.id, year=year, mode=mode, table=snapshot,
                                  published_at=clock.now(), published_by_id=actor_id)
    db.session.add(publication)
    db.session.flush()
    log_action(actor_id, "dues.published", publication, branch_id=branch.id, year=year, mode=mode.value,
               total_fen=snapshot["total_fen"])
    return publication


def publications_of(branch_id: int, year: int | None = None) -> list[DuesPublication]:
    """The latest publication of each year, newest year first."""
    stmt = sa.select(DuesPublication).where(DuesPublication.branch_id == branch_id)
    if year is not None:
        stmt = stmt.where(DuesPublication.year == year)
    latest = {}
    for pub in db.session.scalars(stmt.order_by(DuesPublication.published_at, DuesPublication.id)):
        latest[pub.year] = pub
    return [latest[y] for y in sorted(latest, reverse=True)]
