"""The indicator formula language: a small expression language parsed into a tree, never ``eval``.

Formulas read like arithmetic over variable codes::

    profit / revenue
    (herd_end - herd_start) / herd_start
    income_per_capita < poverty_line
    harvest_kg / land_ha if land_ha > 0 else missing()

Grammar (lowest precedence first)::

    expr        := or_expr [ "if" or_expr "else" expr ]
    or_expr     := and_expr { "or" and_expr }
    and_expr    := not_expr { "and" not_expr }
    not_expr    := "not" not_expr | comparison
    comparison  := additive [ ("<" | "<=" | ">" | ">=" | "==" | "!=") additive ]
    additive    := term { ("+" | "-") term }
    term        := unary { ("*" | "/") unary }
    unary       := "-" unary | atom
    atom        := NUMBER | STRING | "true" | "false" | NAME | NAME "(" [ expr { "," expr } ] ")"
                 | "(" expr ")"

Numbers are decimals (``0.5``, ``1000``), strings are quoted category codes (``"goat"``), names
are variable or indicator codes, and ``name(...)`` calls one of :data:`FUNCTIONS`. Parse errors
point at the position; formulas are bounded in length, depth and size so that hostile input
cannot exhaust the parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Final

from attrs import field, frozen

from klaster.errors import KlasterError

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NODES",
    "Binary",
    "Boolean",
    "Call",
    "Conditional",
    "Expr",
    "FormulaError",
    "Name",
    "Number",
    "String",
    "Unary",
    "parse",
    "references",
    "to_text",
    "walk",
]

MAX_LENGTH: Final = 2_000
"""Longest formula accepted, in characters."""
MAX_DEPTH: Final = 40
"""Deepest nesting of the tree accepted."""
MAX_NODES: Final = 400
"""Most nodes a formula's tree may have."""

FUNCTIONS: Final[dict[str, tuple[int, int]]] = {
    # name: (fewest, most) arguments
    "abs": (1, 1),
    "min": (2, 8),
    "max": (2, 8),
    "round": (1, 2),
    "missing": (0, 0),
    "is_missing": (1, 1),
    "coalesce": (2, 8),
    "baseline": (1, 1),
    "change": (1, 1),
    "pct_change": (1, 1),
}
"""Functions a formula may call, with their number of arguments.

``baseline(x)`` is ``x`` in the baseline round of the same unit; ``change(x)`` is
``x - baseline(x)``; ``pct_change(x)`` is ``change(x) / baseline(x) * 100``; ``missing()`` is a
missing value and ``is_missing(x)`` tests for one; ``coalesce(a, b, ...)`` is the first
non-missing argument.
"""


class FormulaError(KlasterError, ValueError):
    """A formula does not parse, is too large, or calls an unknown function.

    Attributes:
        formula: The formula text.
        position: 0-based character offset of the problem.
    """

    def __init__(self, message: str, *, formula: str, position: int, path: str | None = None):
        self.formula = formula
        self.position = position
        caret = f"\n    {formula}\n    {' ' * position}^" if len(formula) <= 120 else ""
        super().__init__(f"{message} at position {position}{caret}", path=path)


@frozen
class Number:
    """A decimal literal."""

    value: Decimal


@frozen
class String:
    """A quoted category code, e.g. ``"goat"``."""

    value: str


@frozen
class Boolean:
    """``true`` or ``false``."""

    value: bool


@frozen
class Name:
    """A reference to a variable or indicator by code (``position``: where it stands, 0-based)."""

    code: str
    position: int = field(default=-1, eq=False, repr=False)


@frozen
class Call:
    """A call of one of :data:`FUNCTIONS` (``position``: where its name stands, 0-based)."""

    function: str
    args: tuple[Expr, ...]
    position: int = field(default=-1, eq=False, repr=False)


@frozen
class Unary:
    """``-x`` or ``not x``."""

    op: str
    operand: Expr


@frozen
class Binary:
    """An arithmetic, comparison or logical operation."""

    op: str
    left: Expr
    right: Expr


@frozen
class Conditional:
    """``then if condition else otherwise``."""

    condition: Expr
    then: Expr
    otherwise: Expr


Expr = Number | String | Boolean | Name | Call | Unary | Binary | Conditional
"""Any node of a parsed formula."""

# Binding power of each binary operator, for parsing and for printing minimal parentheses.
_PRECEDENCE: Final = {
    "or": 2,
    "and": 3,
    "<": 5,
    "<=": 5,
    ">": 5,
    ">=": 5,
    "==": 5,
    "!=": 5,
    "+": 6,
    "-": 6,
    "*": 7,
    "/": 7,
}
_COMPARISONS: Final = frozenset({"<", "<=", ">", ">=", "==", "!="})
_KEYWORDS: Final = frozenset({"and", "or", "not", "if", "else", "true", "false"})
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>"[^"\\\n]*"|'[^'\\\n]*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|==|!=|[-+*/<>(),])
    """,
    re.VERBOSE,
)


@frozen
class _Token:
    kind: str  # number, string, name, keyword, op, end
    text: str
    position: int


def _tokens(text: str) -> Iterator[_Token]:
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise FormulaError(
                f"unexpected character {text[position]!r}", formula=text, position=position
            )
        kind = match.lastgroup or ""
        if kind != "space":
            word = match.group()
            if kind == "name" and word in _KEYWORDS:
                kind = "keyword"
            yield _Token(kind, word, position)
        position = match.end()
    yield _Token("end", "", len(text))


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = list(_tokens(text))
        self.index = 0
        self.nodes = 0
        self.bracketed: set[int] = set()  # ids of nodes written inside "(...)"

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def fail(self, message: str, token: _Token | None = None) -> FormulaError:
        token = token or self.current
        return FormulaError(message, formula=self.text, position=token.position)

    def take(self, kind: str, text: str | None = None) -> _Token | None:
        token = self.current
        if token.kind == kind and (text is None or token.text == text):
            self.index += 1
            return token
        return None

    def expect(self, kind: str, text: str, what: str) -> _Token:
        token = self.take(kind, text)
        if token is None:
            found = repr(self.current.text) if self.current.text else "the end of the formula"
            raise self.fail(f"expected {what}, found {found}")
        return token

    def node(self, value: Expr, depth: int) -> Expr:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(f"formula too large (more than {MAX_NODES} parts)")
        if depth > MAX_DEPTH:
            raise self.fail(f"formula nested too deeply (more than {MAX_DEPTH} levels)")
        return value

    def expr(self, depth: int) -> Expr:
        if depth > MAX_DEPTH:
            raise self.fail(f"formula nested too deeply (more than {MAX_DEPTH} levels)")
        then = self.binary(0, depth + 1)
        if self.take("keyword", "if") is None:
            return then
        condition = self.binary(0, depth + 1)
        self.expect("keyword", "else", "'else' after 'if' condition")
        otherwise = self.expr(depth + 1)
        return self.node(Conditional(condition, then, otherwise), depth)

    def binary(self, floor: int, depth: int) -> Expr:
        # Precedence climbing over _PRECEDENCE; 'not' binds between 'and' and comparisons.
        if depth > MAX_DEPTH:
            raise self.fail(f"formula nested too deeply (more than {MAX_DEPTH} levels)")
        left = self.prefix(depth)
        while True:
            token = self.current
            power = _PRECEDENCE.get(token.text) if token.kind in ("op", "keyword") else None
            if power is None or power <= floor:
                return left
            self.index += 1
            right = self.binary(power, depth + 1)
            if (
                token.text in _COMPARISONS
                and isinstance(left, Binary)
                and left.op in _COMPARISONS
                and id(left) not in self.bracketed
            ):
                raise self.fail("comparisons cannot be chained; join them with 'and'", token)
            left = self.node(Binary(token.text, left, right), depth)

    def prefix(self, depth: int) -> Expr:
        if self.take("keyword", "not") is not None:
            return self.node(Unary("not", self.binary(4, depth + 1)), depth)
        if self.take("op", "-") is not None:
            return self.node(Unary("-", self.binary(7, depth + 1)), depth)
        return self.atom(depth)

    def atom(self, depth: int) -> Expr:
        token = self.current
        if self.take("number"):
            return self.node(Number(Decimal(token.text)), depth)
        if self.take("string"):
            return self.node(String(token.text[1:-1]), depth)
        if self.take("keyword", "true") or self.take("keyword", "false"):
            return self.node(Boolean(token.text == "true"), depth)
        if self.take("op", "("):
            inner = self.expr(depth + 1)
            self.expect("op", ")", "')'")
            self.bracketed.add(id(inner))
            return inner
        if self.take("name"):
            if self.take("op", "(") is None:
                return self.node(Name(token.text, token.position), depth)
            return self.call(token, depth)
        found = repr(token.text) if token.text else "the end of the formula"
        raise self.fail(f"expected a number, a name, a function call or '(', found {found}")

    def call(self, name: _Token, depth: int) -> Expr:
        if name.text not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise self.fail(f"unknown function {name.text!r}; known functions: {known}", name)
        args: list[Expr] = []
        if self.take("op", ")") is None:
            args.append(self.expr(depth + 1))
            while self.take("op", ","):
                args.append(self.expr(depth + 1))
            self.expect("op", ")", "',' or ')'")
        fewest, most = FUNCTIONS[name.text]
        if not fewest <= len(args) <= most:
            wanted = str(fewest) if fewest == most else f"{fewest} to {most}"
            raise self.fail(f"{name.text}() takes {wanted} argument(s), got {len(args)}", name)
        return self.node(Call(name.text, tuple(args), name.position), depth)


def parse(text: str) -> Expr:
    """Parse a formula into its tree.

    Args:
        text: The formula.

    Returns:
        The root :data:`Expr` node.

    Raises:
        FormulaError: The formula does not parse, is too long, too deep or too large, or calls
            an unknown function (or with the wrong number of arguments). The message shows the
            formula with a caret under the problem.

    Example:
        >>> tree = parse("(herd_end - herd_start) / herd_start")
        >>> references(tree)
        ('herd_end', 'herd_start')
        >>> to_text(tree)
        '(herd_end - herd_start) / herd_start'
    """
    if not isinstance(text, str):
        raise FormulaError(f"a formula is text, got {type(text).__name__}", formula="", position=0)
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            f"formula too long ({len(text)} characters, at most {MAX_LENGTH})",
            formula=text[:60] + "...",
            position=0,
        )
    parser = _Parser(text)
    if parser.current.kind == "end":
        raise parser.fail("empty formula")
    tree = parser.expr(0)
    if parser.current.kind != "end":
        raise parser.fail(f"unexpected {parser.current.text!r} after a complete formula")
    return tree


def references(tree: Expr) -> tuple[str, ...]:
    """The variable and indicator codes a formula reads, in order of first use."""
    return tuple(dict.fromkeys(n.code for n in walk(tree) if isinstance(n, Name)))


def walk(tree: Expr) -> Iterator[Expr]:
    """Every node of the tree, parents before children."""
    stack: list[Expr] = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, Call):
            stack.extend(reversed(node.args))
        elif isinstance(node, Unary):
            stack.append(node.operand)
        elif isinstance(node, Binary):
            stack += [node.right, node.left]
        elif isinstance(node, Conditional):
            stack += [node.otherwise, node.condition, node.then]


def to_text(tree: Expr) -> str:
    """Print a tree as a formula with only the parentheses it needs.

    ``parse(to_text(tree)) == tree`` for every tree :func:`parse` returns.
    """
    return _print(tree, 0)


def _print(node: Expr, floor: int) -> str:
    text: str
    power: int
    if isinstance(node, Number):
        text, power = format(node.value, "f"), 9
    elif isinstance(node, String):
        quote = "'" if '"' in node.value else '"'
        text, power = f"{quote}{node.value}{quote}", 9
    elif isinstance(node, Boolean):
        text, power = ("true" if node.value else "false"), 9
    elif isinstance(node, Name):
        text, power = node.code, 9
    elif isinstance(node, Call):
        text, power = f"{node.function}({', '.join(_print(a, 0) for a in node.args)})", 9
    elif isinstance(node, Unary):
        if node.op == "not":
            text, power = f"not {_print(node.operand, 4)}", 4
        else:
            text, power = f"-{_print(node.operand, 8)}", 8
    elif isinstance(node, Binary):
        power = _PRECEDENCE[node.op]
        # Left-associative: the right operand of an equal-precedence operator needs brackets;
        # comparisons do not chain, so both their operands do.
        left_floor = power + 1 if node.op in _COMPARISONS else power
        text = f"{_print(node.left, left_floor)} {node.op} {_print(node.right, power + 1)}"
    else:
        text = (
            f"{_print(node.then, 2)} if {_print(node.condition, 2)} else "
            f"{_print(node.otherwise, 1)}"
        )
        power = 1
    return f"({text})" if power < floor else text
