"""The national dues standard as a pure function (server/dues/standard.py): every bracket's
boundary, the fixed range, rounding to the fen, the words of the rule; and who owes which month."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from server.core.enums import DuesCategory as C
from server.dues import standard
from server.dues.standard import BasisFact, MemberDues, PaidFact, StandardError, assess

YUAN = 100
D = dt.date


@pytest.mark.parametrize(("income_fen", "monthly_fen"), [
    (0, 0),
    (300_000, 1_500),  # 3,000.00 at 0.5%: 15.00
    (300_001, 3_000),  # 3,000.01 at 1% of the WHOLE income: 30.0001 → 30.00
    (500_000, 5_000),  # 5,000.00 at 1%: 50.00
    (500_001, 7_500),  # 5,000.01 at 1.5%: 75.00015 → 75.00
    (1_000_000, 15_000),  # 10,000.00 at 1.5%: 150.00
    (1_000_001, 20_000),  # 10,000.01 at 2%: 200.0002 → 200.00
    (420_000, 4_200),  # the example: 4,200.00 at 1% is 42.00
    (standard.MAX_INCOME_FEN, 200_000),  # 100,000 at 2%: 2,000.00, the highest monthly amount
])
def test_employed_brackets_apply_to_the_whole_income(income_fen, monthly_fen):
    assert assess(C.employed, income_fen=income_fen).monthly_fen == monthly_fen


@pytest.mark.parametrize(("income_fen", "rate"), [
    (300_000, "0.005"), (300_001, "0.01"), (500_000, "0.01"), (500_001, "0.015"),
    (1_000_000, "0.015"), (1_000_001, "0.02"),
])
def test_employed_rate_changes_exactly_past_each_boundary(income_fen, rate):
    assert standard.rate_for(C.employed, income_fen) == Decimal(rate)


@pytest.mark.parametrize(("income_fen", "monthly_fen", "rate"), [
    (500_000, 2_500, "0.005"),  # retired, 5,000.00 at 0.5%: 25.00
    (500_001, 5_000, "0.01"),  # 5,000.01 at 1%: 50.0001 → 50.00
    (280_000, 1_400, "0.005"),
])
def test_retired_brackets(income_fen, monthly_fen, rate):
    a = assess(C.retired, income_fen=income_fen)
    assert (a.monthly_fen, a.rate) == (monthly_fen, Decimal(rate))


@pytest.mark.parametrize(("income_fen", "monthly_fen"), [
    (300_250, 3_003),  # 3,002.50 at 1% = 30.025 yuan = 3002.5 fen: half-up 3003 (banker's rounding would give 3002)
    (300_249, 3_002),  # 3002.49 fen → 3002
    (300_350, 3_004),  # 3003.5 → 3004
    (100_100, 501),  # 1,001.00 at 0.5% = 500.5 fen → 501
    (100_099, 500),  # 500.495 fen → 500
])
def test_rounding_is_half_up_to_the_fen(income_fen, monthly_fen):
    assert assess(C.employed, income_fen=income_fen).monthly_fen == monthly_fen
    assert isinstance(assess(C.employed, income_fen=income_fen).monthly_fen, int)


@pytest.mark.parametrize("category", [C.student, C.unemployed, C.rural])
@pytest.mark.parametrize("amount_fen", [20, 50, 100])  # 0.20 and 1.00 yuan are the range's ends
def test_fixed_amounts_from_0_20_to_1_00_yuan_are_accepted(category, amount_fen):
    assert assess(category, amount_fen=amount_fen).monthly_fen == amount_fen


@pytest.mark.parametrize("category", [C.student, C.unemployed, C.rural])
@pytest.mark.parametrize("amount_fen", [19, 101, 0, -50])  # 0.19 and 1.01 yuan are outside
def test_fixed_amounts_outside_the_range_are_refused(category, amount_fen):
    with pytest.raises(StandardError) as err:
        assess(category, amount_fen=amount_fen)
    assert err.value.field == "amount_fen" and "0.20 to 1.00" in err.value.message


def test_fixed_amounts_default_to_what_the_demo_uses():
    assert assess(C.student).monthly_fen == 50
    assert assess(C.unemployed).monthly_fen == 50
    assert assess(C.rural).monthly_fen == 100


def test_exempt_pays_nothing_and_branch_set_pays_the_amount_decided():
    assert assess(C.exempt).monthly_fen == 0
    with pytest.raises(StandardError):
        assess(C.exempt, amount_fen=100)
    assert assess(C.branch_set, amount_fen=2_000).monthly_fen == 2_000
    for bad in (None, 0, standard.MAX_MONTHLY_FEN + 1):
        with pytest.raises(StandardError):
            assess(C.branch_set, amount_fen=bad)


@pytest.mark.parametrize("bad", [-1, standard.MAX_INCOME_FEN + 1, None, 4200.0, "4200", True])
def test_incomes_that_are_negative_absurd_missing_or_not_integer_fen_are_refused(bad):
    with pytest.raises(StandardError) as err:
        assess(C.employed, income_fen=bad)
    assert err.value.field == "income_fen"


def test_an_income_only_goes_with_employed_and_retired_members():
    with pytest.raises(StandardError):
        assess(C.rural, income_fen=100_000)


def test_the_rule_in_words_with_the_figure():
    assert assess(C.employed, income_fen=420_000).rule_zh == "按月收入4,200.00元的1%计缴：42.00元"
    assert assess(C.employed, income_fen=1_200_000).rule_zh == "按月收入12,000.00元的2%计缴：240.00元"
    assert assess(C.employed, income_fen=600_000).rule_zh == "按月收入6,000.00元的1.5%计缴：90.00元"
    assert assess(C.retired, income_fen=280_000).rule_zh == "离退休党员按月收入2,800.00元的0.5%计缴：14.00元"
    assert assess(C.rural).rule_zh == "农民党员每月交纳1.00元"
    assert assess(C.student, amount_fen=20).rule_zh == "学生党员每月交纳0.20元"
    assert assess(C.exempt).rule_zh == "经支部研究免交党费：0.00元"
    assert assess(C.branch_set, amount_fen=2_000).rule_zh == "经支部研究核定每月交纳：20.00元"


def test_yuan_text():
    assert [standard.yuan(v) for v in (0, 5, 4200, 420_000, 1_234_567_89, -150)] == \
        ["0.00", "0.05", "42.00", "4,200.00", "1,234,567.89", "-1.50"]


def test_the_payment_cap_is_twelve_months_of_the_highest_amount():
    assert standard.MAX_PAYMENT_FEN == 12 * standard.MAX_MONTHLY_FEN == 2_400_000


# --- who owes which month ------------------------------------------------------------------------

def basis(effective_from, monthly_fen, category=C.employed, id=1):
    return BasisFact(id, effective_from, category, monthly_fen)


def test_a_probationary_member_owes_from_the_month_the_assembly_admitted_them():
    m = MemberDues(1, "王芳", admitted_on=D(2026, 5, 20), bases=[basis(D(2026, 1, 1), 100, C.rural)])
    assert not m.owes(D(2026, 4, 1)) and m.owes(D(2026, 5, 1))
    assert m.first_month() == D(2026, 5, 1)
    assert [x for x, _ in m.arrears(D(2026, 7, 1))] == [D(2026, 5, 1), D(2026, 6, 1), D(2026, 7, 1)]


def test_a_basis_change_applies_from_its_month_and_never_rewrites_the_months_before():
    m = MemberDues(1, "韩梅", bases=[basis(D(2026, 1, 1), 4_300, id=1), basis(D(2026, 7, 1), 4_600, id=2)])
    assert m.due(D(2026, 6, 1)) == 4_300 and m.due(D(2026, 7, 1)) == 4_600 and m.due(D(2027, 1, 1)) == 4_600
    assert m.due(D(2025, 12, 1)) is None  # before the ledger starts: nothing owed
    # Two bases of one month: the later one applies.
    m = MemberDues(1, "韩梅", bases=[basis(D(2026, 1, 1), 4_300, id=5), basis(D(2026, 1, 1), 4_400, id=6)])
    assert m.due(D(2026, 3, 1)) == 4_400


def test_arrears_leave_out_paid_and_exempt_months_and_stop_when_the_member_left():
    m = MemberDues(1, "李明", left_on=D(2026, 8, 10), bases=[basis(D(2026, 1, 1), 100, C.rural)],
                   paid={D(2026, 2, 1): PaidFact(9, D(2026, 2, 5), 100, 100)})
    assert [x.month for x, _ in m.arrears(D(2026, 12, 1))] == [1, 3, 4, 5, 6, 7, 8]
    exempt = MemberDues(2, "周福生", bases=[basis(D(2026, 1, 1), 0, C.exempt)])
    assert exempt.arrears(D(2026, 12, 1)) == [] and not exempt.owes(D(2026, 3, 1))


def test_paid_on_time_means_by_the_months_last_day_or_ahead():
    m = MemberDues(1, "李明", bases=[basis(D(2026, 1, 1), 100, C.rural)], paid={
        D(2026, 3, 1): PaidFact(1, D(2026, 3, 31), 100, 100),
        D(2026, 4, 1): PaidFact(2, D(2026, 5, 1), 100, 100),
        D(2026, 6, 1): PaidFact(3, D(2026, 5, 20), 100, 100),
    })
    assert m.paid_on_time(D(2026, 3, 1)) and not m.paid_on_time(D(2026, 4, 1)) and m.paid_on_time(D(2026, 6, 1))


def test_months():
    assert standard.parse_month("2026-10") == D(2026, 10, 1)
    for bad in ("2026-1", "2026-13", "202610", "２０２６-10", "2026-10\n", None):
        with pytest.raises((ValueError, TypeError)):
            standard.parse_month(bad)
    assert standard.add_months(D(2026, 11, 1), 3) == D(2027, 2, 1)
    assert standard.add_months(D(2026, 1, 1), -1) == D(2025, 12, 1)
    assert standard.month_end(D(2028, 2, 1)) == D(2028, 2, 29)
    assert standard.month_range(D(2026, 11, 1), D(2027, 1, 1)) == [D(2026, 11, 1), D(2026, 12, 1), D(2027, 1, 1)]
