"""The national standard of party dues (党费收缴标准), as pure functions over integer fen.

"Monthly income after tax" is the basis of employed and retired members; the rate applies to the
WHOLE income (not progressively, bracket by bracket): 4,200 yuan at 1% is 42.00 yuan.

| basis       | monthly dues                                                               |
|-------------|-----------------------------------------------------------------------------|
| employed    | 0.5% up to 3,000 yuan (inclusive), 1% from 3,000.01 to 5,000, 1.5% from 5,000.01 to 10,000, 2% above |
| retired     | 0.5% up to 5,000 yuan (inclusive), 1% above                                  |
| student, unemployed, rural | a fixed 0.20 to 1.00 yuan a month, chosen by the branch (default 0.50, 0.50, 1.00) |
| exempt      | nothing, by a recorded decision of the branch                                |
| branch_set  | the amount the branch decided (recorded), 0.01 to 2,000.00 yuan              |

Money is integer fen (1/100 yuan) everywhere. Rates are Decimals; the product is rounded to the
fen half-up (ROUND_HALF_UP: 30.015 yuan is 30.02), then an int. Never a float.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from server.core.enums import DuesCategory
from sync.messages import DUES_MAX_MONTHS, DUES_MAX_PAYMENT_FEN

FEN_PER_YUAN = 100
# The highest monthly income the app accepts: 100,000 yuan. Above it, an entry is surely a typo
# (an extra zero); a branch with such a member decides a branch-set amount instead.
MAX_INCOME_FEN = 100_000 * FEN_PER_YUAN
# The highest monthly amount: 2% of the highest income, 2,000 yuan (a branch-set amount too).
MAX_MONTHLY_FEN = 2_000 * FEN_PER_YUAN
# One payment covers at most 12 months and at most 12 months of the highest amount (24,000 yuan);
# more than the months owe is voluntary (自愿多交) within that cap.
MAX_MONTHS_PER_PAYMENT = DUES_MAX_MONTHS
MAX_PAYMENT_FEN = MAX_MONTHS_PER_PAYMENT * MAX_MONTHLY_FEN
assert MAX_PAYMENT_FEN == DUES_MAX_PAYMENT_FEN, "sync/messages.py and the standard disagree on the cap"

# Students, the unemployed and rural members: a fixed amount in this range (0.20–1.00 yuan).
FIXED_MIN_FEN = 20
FIXED_MAX_FEN = 100
FIXED_CATEGORIES = frozenset({DuesCategory.student, DuesCategory.unemployed, DuesCategory.rural})
FIXED_DEFAULT_FEN = {DuesCategory.student: 50, DuesCategory.unemployed: 50, DuesCategory.rural: 100}
INCOME_CATEGORIES = frozenset({DuesCategory.employed, DuesCategory.retired})
# A decision of the branch, recorded with its note: exemptions and branch-set amounts.
DECIDED_CATEGORIES = frozenset({DuesCategory.exempt, DuesCategory.branch_set})

# (income up to, inclusive, in fen; rate) — None: no upper bound.
BRACKETS = {
    DuesCategory.employed: ((300_000, Decimal("0.005")), (500_000, Decimal("0.01")),
                            (1_000_000, Decimal("0.015")), (None, Decimal("0.02"))),
    DuesCategory.retired: ((500_000, Decimal("0.005")), (None, Decimal("0.01"))),
}

CATEGORY_ZH = {
    DuesCategory.employed: "在职党员", DuesCategory.retired: "离退休党员", DuesCategory.student: "学生党员",
    DuesCategory.unemployed: "下岗失业党员", DuesCategory.rural: "农民党员", DuesCategory.exempt: "免交党费",
    DuesCategory.branch_set: "支部核定",
}


class StandardError(ValueError):
    """An input the standard cannot take; `field` names it (income_fen, amount_fen, category)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclasses.dataclass(frozen=True)
class Assessment:
    """The monthly amount of one basis, and the rule it follows in words."""

    category: DuesCategory
    monthly_fen: int
    income_fen: int | None = None
    rate: Decimal | None = None

    @property
    def rule_zh(self) -> str:
        return rule_text(self)


def round_fen(amount: Decimal) -> int:
    """Half-up to a whole fen: 3002.5 fen → 3003 (not the banker's 3002)."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def rate_for(category: DuesCategory, income_fen: int) -> Decimal:
    """The rate that applies to the whole income (employed and retired members)."""
    for ceiling, rate in BRACKETS[category]:
        if ceiling is None or income_fen <= ceiling:
            return rate
    raise AssertionError("unreachable: the last bracket has no ceiling")


def assess(category: DuesCategory | str, *, income_fen: int | None = None, amount_fen: int | None = None) -> Assessment:
    """The monthly dues of a basis: `income_fen` for employed and retired members, `amount_fen`
    for the fixed and branch-set amounts (a fixed one defaults to the category's usual amount).
    Raises StandardError for what the standard does not allow."""
    category = DuesCategory(category)
    if category in INCOME_CATEGORIES:
        if income_fen is None:
            raise StandardError("income_fen", "The monthly income after tax is needed for this basis.")
        _check_int("income_fen", income_fen)
        if income_fen < 0:
            raise StandardError("income_fen", "The income cannot be negative.")
        if income_fen > MAX_INCOME_FEN:
            raise StandardError("income_fen", f"An income above {yuan(MAX_INCOME_FEN)} yuan a month is not accepted: "
                                              "check it, or let the branch set the amount.")
        rate = rate_for(category, income_fen)
        return Assessment(category, round_fen(Decimal(income_fen) * rate), income_fen, rate)
    if income_fen is not None:
        raise StandardError("income_fen", "Only employed and retired members' dues follow their income.")
    if category in FIXED_CATEGORIES:
        amount = FIXED_DEFAULT_FEN[category] if amount_fen is None else amount_fen
        _check_int("amount_fen", amount)
        if not FIXED_MIN_FEN <= amount <= FIXED_MAX_FEN:
            raise StandardError("amount_fen", "Students, the unemployed and rural members pay a fixed "
                                              "0.20 to 1.00 yuan a month.")
        return Assessment(category, amount)
    if category == DuesCategory.exempt:
        if amount_fen not in (None, 0):
            raise StandardError("amount_fen", "An exempt member pays nothing.")
        return Assessment(category, 0)
    # branch_set
    if amount_fen is None:
        raise StandardError("amount_fen", "Say the amount the branch decided.")
    _check_int("amount_fen", amount_fen)
    if not 1 <= amount_fen <= MAX_MONTHLY_FEN:
        raise StandardError("amount_fen", f"A branch-set amount is 0.01 to {yuan(MAX_MONTHLY_FEN)} yuan a month.")
    return Assessment(category, amount_fen)


def _check_int(field: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise StandardError(field, "Amounts are whole numbers of fen.")


def yuan(fen: int) -> str:
    """4200000 → "42,000.00" (grouped, two decimals), for the rule's words and the ledger."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole:,}.{cents:02d}"


def percent(rate: Decimal) -> str:
    """Decimal("0.015") → "1.5%"."""
    text = format((rate * 100).normalize(), "f")
    return f"{text}%"


def rule_text(a: Assessment) -> str:
    """The figure and the rule, as the branch says it: "按月收入4,200.00元的1%计缴：42.00元"."""
    amount = yuan(a.monthly_fen)
    if a.category == DuesCategory.employed:
        return f"按月收入{yuan(a.income_fen)}元的{percent(a.rate)}计缴：{amount}元"
    if a.category == DuesCategory.retired:
        return f"离退休党员按月收入{yuan(a.income_fen)}元的{percent(a.rate)}计缴：{amount}元"
    if a.category in FIXED_CATEGORIES:
        return f"{CATEGORY_ZH[a.category]}每月交纳{amount}元"
    if a.category == DuesCategory.exempt:
        return "经支部研究免交党费：0.00元"
    return f"经支部研究核定每月交纳：{amount}元"


# --- who owes which month (pure; used by the operations, the rules and the demo alike) -----------

def month_of(day: dt.date) -> dt.date:
    """The month of a day, as the date of its first day."""
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from `first` to `last`, inclusive (empty when last < first)."""
    out, month = [], month_of(first)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


def month_label(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def parse_month(text: str) -> dt.date:
    """"2026-10" → 2026-10-01; ValueError for anything else."""
    if not isinstance(text, str) or len(text) != 7 or text[4] != "-" or not (text[:4] + text[5:]).isdigit() \
            or not text.isascii():
        raise ValueError(f"not a month: {text!r}")
    return dt.date(int(text[:4]), int(text[5:]), 1)


def remit_deadline(year: int, quarter: int) -> dt.date:
    """When a quarter's collection is remitted by (DUES-remit): the last day of the month after the
    quarter (Q4: 31 January of the next year)."""
    return month_end(add_months(dt.date(year, 3 * quarter - 2, 1), 3))


def month_zh(month: dt.date) -> str:
    return f"{month.year}年{month.month}月"


@dataclasses.dataclass(frozen=True)
class BasisFact:
    id: int
    effective_from: dt.date
    category: DuesCategory
    monthly_fen: int
    income_fen: int | None = None


@dataclasses.dataclass(frozen=True)
class PaidFact:
    payment_id: int
    paid_on: dt.date
    amount_fen: int  # counted for this month (its due, plus the voluntary extra on a payment's last month)
    due_fen: int


@dataclasses.dataclass
class MemberDues:
    """One member's obligations and payments: which months they owe, what, and what they paid.

    A member owes a month when they belong to the branch in it (admitted by the end of the month —
    a probationary member from the month the assembly admitted them — and not left before it
    starts) and a basis applies to it (the ledger starts with the member's first basis) whose
    amount is not zero (an exempt member owes nothing)."""

    member_id: int
    name: str
    admitted_on: dt.date | None = None
    left_on: dt.date | None = None
    bases: list[BasisFact] = dataclasses.field(default_factory=list)
    paid: dict[dt.date, PaidFact] = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        self.bases = sorted(self.bases, key=lambda b: (b.effective_from, b.id))

    def basis_for(self, month: dt.date) -> BasisFact | None:
        found = None
        for basis in self.bases:
            if basis.effective_from <= month:
                found = basis
        return found

    def active_in(self, month: dt.date) -> bool:
        if self.admitted_on is not None and self.admitted_on > month_end(month):
            return False
        return self.left_on is None or self.left_on >= month

    def first_month(self) -> dt.date | None:
        """The first month of the ledger: the first basis, or the admission if later."""
        if not self.bases:
            return None
        first = self.bases[0].effective_from
        if self.admitted_on is not None:
            first = max(first, month_of(self.admitted_on))
        return first

    def due(self, month: dt.date) -> int | None:
        """What the month owes (0 when exempt), or None when the member owes nothing for it
        (not a member then, or no basis yet)."""
        if not self.active_in(month):
            return None
        basis = self.basis_for(month)
        return None if basis is None else basis.monthly_fen

    def owes(self, month: dt.date) -> bool:
        return (self.due(month) or 0) > 0

    def arrears(self, through: dt.date) -> list[tuple[dt.date, int]]:
        """Months owed and not paid, from the first month of the ledger to `through` (a month)."""
        first = self.first_month()
        if first is None:
            return []
        return [(m, self.due(m)) for m in month_range(first, through) if self.owes(m) and m not in self.paid]

    def paid_on_time(self, month: dt.date) -> bool:
        """Paid by the end of the month (or in advance)."""
        paid = self.paid.get(month)
        return paid is not None and paid.paid_on <= month_end(month)
