"""Formulas over series: ``+ - * / ( )``, series ids and numbers, with their units.

Parsed by a small recursive-descent parser (never ``eval``) into a tree; the tree is
checked against the operands' units once, when the catalog loads, and compiled into
a function over aligned value arrays.

Units: every operand is first converted to the scale of the first operand of its
dimension in the formula (USD millions + USD billions: the billions become millions;
so the result is in the first operand's unit). ``+`` and ``-`` then need one dimension
on both sides (percent + USD is refused); a bare number in a sum takes the other side's
unit; ``*`` and ``/`` by a number keep the unit; a ratio of one dimension is a pure
number. Anything else (USD x USD, number / USD) is refused: no catalog needs it and its
unit has no name. Converting the operands, not each partial result, keeps the numbers
those of a computation in one unit (``WALCL - (RRPONTSYD + WTREGEN)`` is bit for bit
the registry's Net Liquidity).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeAlias

from liquidity.errors import ConfigError
from liquidity.registry.units import Measure, factor

PURE = Measure("", 1.0)  # a bare number, or a ratio of one dimension

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)|(?P<id>[A-Za-z_]\w*)|(?P<op>[-+*/()]))"
)


class FormulaError(ConfigError):
    """A formula that cannot be parsed or whose units do not combine."""


@dataclass(frozen=True, slots=True)
class Num:
    value: float


@dataclass(frozen=True, slots=True)
class Ref:
    name: str


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str
    left: Node
    right: Node


Node = Num | Ref | Neg | BinOp


def tokenize(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise FormulaError(f"unexpected {text[pos:].strip()[:10]!r} in {text!r}")
        out.append(match.group(match.lastgroup or "op"))
        pos = match.end()
    return out


def parse(text: str) -> Node:
    """The tree of ``text``; :class:`FormulaError` on a syntax error."""
    tokens = tokenize(text)
    if not tokens:
        raise FormulaError("empty formula")
    parser = _Parser(tokens, text)
    node = parser.sum()
    if parser.pos != len(tokens):
        raise FormulaError(f"unexpected {tokens[parser.pos]!r} in {text!r}")
    return node


class _Parser:
    def __init__(self, tokens: list[str], text: str) -> None:
        self.tokens, self.text, self.pos = tokens, text, 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise FormulaError(f"formula {self.text!r} ends too early")
        self.pos += 1
        return token

    def sum(self) -> Node:
        node = self.product()
        while self.peek() in ("+", "-"):
            op = self.take()
            node = BinOp(op, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()
            node = BinOp(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek() == "-":
            self.take()
            return Neg(self.unary())
        if self.peek() == "+":
            self.take()
            return self.unary()
        return self.atom()

    def atom(self) -> Node:
        token = self.take()
        if token == "(":
            node = self.sum()
            if self.take() != ")":
                raise FormulaError(f"missing ')' in {self.text!r}")
            return node
        if token[0].isdigit() or token[0] == ".":
            return Num(float(token))
        if token in "+-*/)":
            raise FormulaError(f"unexpected {token!r} in {self.text!r}")
        return Ref(token)


def names(node: Node) -> list[str]:
    """The series ids a formula reads, in order of first appearance."""
    if isinstance(node, Ref):
        return [node.name]
    if isinstance(node, Neg):
        return names(node.operand)
    if isinstance(node, BinOp):
        return list(dict.fromkeys([*names(node.left), *names(node.right)]))
    return []


def _label(m: Measure) -> str:
    return m.dimension or "a number"


def common_scales(node: Node, units: Mapping[str, Measure]) -> dict[str, Measure]:
    """Per operand, the measure it is converted to: the first operand's of its dimension."""
    first: dict[str, Measure] = {}
    for name in names(node):
        first.setdefault(units[name].dimension, units[name])
    return {name: first[units[name].dimension] for name in names(node)}


def measure(node: Node, units: Mapping[str, Measure]) -> Measure:
    """The unit ``node`` evaluates in; :class:`FormulaError` when units do not combine."""
    return _measure(node, common_scales(node, units))


def _measure(node: Node, units: Mapping[str, Measure]) -> Measure:
    if isinstance(node, Num):
        return PURE
    if isinstance(node, Ref):
        return units[node.name]
    if isinstance(node, Neg):
        return _measure(node.operand, units)
    left, right = _measure(node.left, units), _measure(node.right, units)
    if node.op in "+-":
        if isinstance(node.left, Num):
            return right
        if isinstance(node.right, Num) or left == right:
            return left
        word = "add" if node.op == "+" else "subtract"
        raise FormulaError(f"cannot {word} {_label(right)} and {_label(left)}")
    if right == PURE:
        return left
    if node.op == "*" and left == PURE:
        return right
    if node.op == "/" and left == right:
        return PURE
    raise FormulaError(
        f"cannot {'multiply' if node.op == '*' else 'divide'} {_label(left)} by {_label(right)}"
    )


# One date's operand values (each in its own unit) -> the formula's value. Plain floats:
# a formula is evaluated over a few thousand dates at most, as fast in Python as with
# numpy once numpy's import (~0.1 s) is counted. A zero divisor raises ZeroDivisionError.
Evaluator: TypeAlias = Callable[[Mapping[str, float]], float]


def compile_formula(node: Node, units: Mapping[str, Measure]) -> Evaluator:
    """A function of the operands' values (each in its own unit) giving the formula's
    value in ``measure(node, units)``: each operand is scaled once, on the way in."""
    measure(node, units)  # refuse units that do not combine before building anything
    to = common_scales(node, units)
    scales = {name: factor(units[name], to[name]) for name in to}
    return _compile(node, scales)


_OPS: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}


def _compile(node: Node, scales: Mapping[str, float]) -> Evaluator:
    if isinstance(node, Num):
        value = node.value
        return lambda env: value
    if isinstance(node, Ref):
        name, scale = node.name, scales[node.name]
        if scale == 1.0:
            return lambda env: env[name]
        return lambda env: env[name] * scale
    if isinstance(node, Neg):
        inner = _compile(node.operand, scales)
        return lambda env: -inner(env)
    left, right = _compile(node.left, scales), _compile(node.right, scales)
    fn = _OPS[node.op]
    return lambda env: fn(left(env), right(env))
