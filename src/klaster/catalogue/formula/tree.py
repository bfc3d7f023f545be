"""The tree of a parsed formula: its nodes, and walking them."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Final

from attrs import field, frozen

__all__ = [
    "COMPARISONS",
    "PRECEDENCE",
    "Binary",
    "Boolean",
    "Call",
    "Conditional",
    "Expr",
    "Name",
    "Number",
    "String",
    "Unary",
    "references",
    "walk",
]


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
    """A call of a function of the language (``position``: where its name stands, 0-based)."""

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
PRECEDENCE: Final = {
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
COMPARISONS: Final = frozenset({"<", "<=", ">", ">=", "==", "!="})


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
