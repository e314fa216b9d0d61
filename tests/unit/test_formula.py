from __future__ import annotations

import pytest

from liquidity.catalog.formula import (
    PURE,
    BinOp,
    FormulaError,
    Neg,
    Num,
    Ref,
    compile_formula,
    measure,
    names,
    parse,
)
from liquidity.registry.units import Unit

UNITS = {
    "WALCL": Unit.USD_MILLIONS.value,
    "RRPONTSYD": Unit.USD_BILLIONS.value,
    "SOFR": Unit.PERCENT.value,
    "IORB": Unit.PERCENT.value,
}


def test_precedence_and_parentheses() -> None:
    assert parse("A - B * 2") == BinOp("-", Ref("A"), BinOp("*", Ref("B"), Num(2.0)))
    assert parse("(A - B) * 1e2") == BinOp("*", BinOp("-", Ref("A"), Ref("B")), Num(100.0))
    assert parse("-A + .5") == BinOp("+", Neg(Ref("A")), Num(0.5))
    assert names(parse("A - B - A / C")) == ["A", "B", "C"]


@pytest.mark.parametrize(
    "text", ["", "A -", "(A - B", "A B", "A ** B", "A - __import__('os')", "A; B", "A)"]
)
def test_syntax_errors_are_refused(text: str) -> None:
    with pytest.raises(FormulaError):
        parse(text)


def test_money_scales_convert_to_the_first_operand() -> None:
    tree = parse("WALCL - RRPONTSYD")
    assert measure(tree, UNITS) == Unit.USD_MILLIONS.value
    fn = compile_formula(tree, UNITS)
    assert fn({"WALCL": 7000.0, "RRPONTSYD": 2.5}) == 4500.0
    billions = compile_formula(parse("RRPONTSYD + WALCL"), UNITS)
    assert billions({"WALCL": 7000.0, "RRPONTSYD": 2.5}) == 9.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("WALCL + SOFR", "cannot add percent and usd"),
        ("SOFR - WALCL", "cannot subtract usd and percent"),
        ("WALCL * RRPONTSYD", "cannot multiply usd by usd"),
        ("2 / WALCL", "cannot divide a number by usd"),
    ],
)
def test_units_that_do_not_combine_are_refused(text: str, message: str) -> None:
    with pytest.raises(FormulaError, match=message):
        measure(parse(text), UNITS)


def test_numbers_and_ratios() -> None:
    assert measure(parse("(SOFR - IORB) * 100"), UNITS) == Unit.PERCENT.value
    assert measure(parse("WALCL / RRPONTSYD"), UNITS) == PURE
    ratio = compile_formula(parse("WALCL / RRPONTSYD"), UNITS)
    assert ratio({"WALCL": 5000.0, "RRPONTSYD": 2.5}) == 2.0
    assert measure(parse("1 + SOFR"), UNITS) == Unit.PERCENT.value
