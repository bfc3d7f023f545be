"""Printing a formula tree back as text, with only the parentheses it needs."""

from __future__ import annotations

from klaster.catalogue.formula.tree import (
    COMPARISONS,
    PRECEDENCE,
    Binary,
    Boolean,
    Call,
    Expr,
    Name,
    Number,
    String,
    Unary,
)

__all__ = ["to_text"]


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
        power = PRECEDENCE[node.op]
        # Left-associative: the right operand of an equal-precedence operator needs brackets;
        # comparisons do not chain, so both their operands do.
        left_floor = power + 1 if node.op in COMPARISONS else power
        text = f"{_print(node.left, left_floor)} {node.op} {_print(node.right, power + 1)}"
    else:
        text = (
            f"{_print(node.then, 2)} if {_print(node.condition, 2)} else "
            f"{_print(node.otherwise, 1)}"
        )
        power = 1
    return f"({text})" if power < floor else text
