"""The formula compiler: a formula tree is type-checked once and lowered to typed operations.

:func:`compile_formula` walks a tree from :func:`klaster.catalogue.formula.parse` once: it checks
every name and type (with the position of a problem) and lowers the tree to a small frozen
intermediate form, :data:`Op`. Exactly two backends execute it: the exact pure-Python reference
(:mod:`klaster.measurement._backends.python.formulas`, on scaled integers) and the polars
columnar backend (:mod:`klaster.measurement._backends.polars.formulas`).

The intermediate form has four kinds of node:

- :class:`Const`: a literal (``missing()`` is ``Const(None, Kind.ANY)``);
- :class:`Load`: a variable of the current round, or of the baseline round (``baseline=True``);
- :class:`Apply`: one of :data:`OPERATIONS` applied to its arguments;
- :class:`Divide`: a division per unit, with its rule explicit: the exact quotient rounded
  half-even to ``scale`` (:data:`~klaster.measurement.division.DIVISION_SCALE`) decimals.

The functions about rounds are lowered away: ``baseline(x)`` is ``x`` with its loads in the
baseline round, ``change(x)`` is ``x - baseline(x)`` and ``pct_change(x)`` is
``(x - baseline(x)) * 100 / baseline(x)``. A name of another indicator is replaced by that
indicator's operations (inlined), so backends only ever load variables.

Missing values propagate (``missing + 1`` is missing); logic is three-valued (``false and
missing`` is false); a division by zero is missing.

**Adding a function to the formula language** touches one table per place:

1. its number of arguments in :data:`klaster.catalogue.formula.FUNCTIONS` (the parser);
2. how its result kind follows from its arguments' in :data:`SIGNATURES` (here);
3. its column implementation in ``OPERATIONS`` of
   :mod:`klaster.measurement._backends.python.formulas` and of
   :mod:`klaster.measurement._backends.polars.formulas` (the polars one may raise
   ``Unsupported``, and the report falls back to the Python backend for that indicator).

``tests/measurement/backends/test_formulas.py`` checks that each backend's table covers every
operation the compiler emits.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Final

from attrs import evolve, frozen

from klaster.catalogue.formula import (
    MAX_ROUND_PLACES,
    Binary,
    Boolean,
    Call,
    Conditional,
    Expr,
    FormulaError,
    Name,
    Number,
    String,
    Unary,
    to_text,
)
from klaster.measurement.division import DIVISION_SCALE

__all__ = [
    "OPERATIONS",
    "ROUND_FUNCTIONS",
    "SIGNATURES",
    "Apply",
    "Const",
    "Divide",
    "Kind",
    "Load",
    "Op",
    "compile_formula",
    "in_baseline",
    "infer_kind",
    "loads",
]


class Kind(enum.StrEnum):
    """The type of a formula's value."""

    NUMBER = "number"
    """Decimal or integer."""
    BOOLEAN = "boolean"
    """True or false."""
    TEXT = "text"
    """A category code or text."""
    DATE = "date"
    """A day."""
    ANY = "any"
    """Only ``missing()``: fits anywhere."""


@frozen(cache_hash=True)
class Const:
    """A literal: a number, a boolean, a text, or ``None`` (missing)."""

    value: Decimal | bool | str | None
    kind: Kind


@frozen(cache_hash=True)
class Load:
    """The values of variable ``code`` (read in the baseline round if ``baseline``)."""

    code: str
    kind: Kind
    baseline: bool = False


@frozen(cache_hash=True)
class Apply:
    """Operation ``op`` (one of :data:`OPERATIONS`) on ``args``, giving values of ``kind``."""

    op: str
    args: tuple[Op, ...]
    kind: Kind


@frozen(cache_hash=True)
class Divide:
    """``top / bottom`` per unit: the exact quotient rounded half-even to ``scale`` decimals.

    Missing where either side is missing or ``bottom`` is zero.
    """

    top: Op
    bottom: Op
    scale: int = DIVISION_SCALE

    @property
    def kind(self) -> Kind:
        """Always :attr:`Kind.NUMBER`."""
        return Kind.NUMBER


Op = Const | Load | Apply | Divide
"""Any node of a compiled formula."""

OPERATIONS: Final = frozenset(
    {
        # operators
        "neg", "not", "+", "-", "*", "<", "<=", ">", ">=", "==", "!=", "and", "or", "if",
        # functions that stay functions
        "abs", "min", "max", "round", "coalesce", "is_missing",
    }
)  # fmt: skip
"""Every ``Apply.op`` the compiler emits: each backend implements exactly these."""

ROUND_FUNCTIONS: Final = frozenset({"missing", "baseline", "change", "pct_change"})
"""Functions lowered to :class:`Const`, loads in the baseline round and :class:`Divide`."""

_ORDER: Final = frozenset({"<", "<=", ">", ">="})
_EQUALITY: Final = frozenset({"==", "!="})


def _numbers(check: _Checker, node: Expr, args: Sequence[Kind], name: str) -> Kind:
    for arg in args:
        check.need(node, arg, {Kind.NUMBER}, f"{name}()")
    return Kind.NUMBER


def _unified(check: _Checker, node: Expr, args: Sequence[Kind], name: str) -> Kind:
    return check.unify(node, args, f"{name}()")


SIGNATURES: Final[dict[str, Callable[[_Checker, Expr, Sequence[Kind], str], Kind]]] = {
    "abs": _numbers,
    "min": _numbers,
    "max": _numbers,
    "round": _numbers,
    "coalesce": _unified,
    "is_missing": lambda check, node, args, name: Kind.BOOLEAN,
    "missing": lambda check, node, args, name: Kind.ANY,
    "baseline": _unified,
    "change": _numbers,
    "pct_change": _numbers,
}
"""Per function of the formula language: its result kind from its arguments' (checking them)."""


def compile_formula(
    tree: Expr,
    kinds: Mapping[str, Kind],
    *,
    inline: Mapping[str, Op] | None = None,
    formula: str | None = None,
) -> Op:
    """Type-check ``tree`` and lower it to operations.

    Args:
        tree: The parsed formula.
        kinds: Kind of every variable or indicator code the formula may name.
        inline: Compiled formulas of the indicators it may name (replaced by their operations);
            a name not here is a variable, loaded.
        formula: The formula text, for error positions (printed from the tree if omitted).

    Returns:
        The root operation; its ``kind`` is the formula's result kind.

    Raises:
        FormulaError: An unknown name (listing close known ones) or a type that does not fit.

    Example:
        >>> from klaster.catalogue.formula import parse
        >>> op = compile_formula(parse("x / 2"), {"x": Kind.NUMBER})
        >>> op.top, op.scale
        (Load(code='x', kind=<Kind.NUMBER: 'number'>, baseline=False), 18)
    """
    text = formula if formula is not None else to_text(tree)
    return _Checker(text, kinds, inline or {}).lower(tree, False)


def infer_kind(tree: Expr, kinds: Mapping[str, Kind], *, formula: str | None = None) -> Kind:
    """Check a formula against the kinds of the names it may use and return its result kind.

    Args:
        tree: The parsed formula.
        kinds: Kind of every variable or indicator code the formula may name.
        formula: The formula text, for error positions (printed from the tree if omitted).

    Raises:
        FormulaError: An unknown name (listing close known ones) or a type that does not fit.

    Example:
        >>> from klaster.catalogue.formula import parse
        >>> infer_kind(parse("profit / revenue > 0.1"), {"profit": Kind.NUMBER,
        ...                                              "revenue": Kind.NUMBER})
        <Kind.BOOLEAN: 'boolean'>
    """
    return compile_formula(tree, kinds, formula=formula).kind


def in_baseline(op: Op) -> Op:
    """``op`` with every load read in the baseline round.

    Idempotent: ``baseline(baseline(x))`` is ``baseline(x)``.
    """
    if isinstance(op, Load):
        return op if op.baseline else evolve(op, baseline=True)
    if isinstance(op, Apply):
        return evolve(op, args=tuple(in_baseline(a) for a in op.args))
    if isinstance(op, Divide):
        return evolve(op, top=in_baseline(op.top), bottom=in_baseline(op.bottom))
    return op


def loads(op: Op) -> list[Load]:
    """Every load of ``op``, in order (repeated as often as it occurs)."""
    found: list[Load] = []
    stack = [op]
    while stack:
        node = stack.pop()
        if isinstance(node, Load):
            found.append(node)
        elif isinstance(node, Apply):
            stack.extend(reversed(node.args))
        elif isinstance(node, Divide):
            stack += [node.bottom, node.top]
    return found


class _Checker:
    """Checks and lowers one formula (``baseline``: inside ``baseline(...)``)."""

    def __init__(self, formula: str, kinds: Mapping[str, Kind], inline: Mapping[str, Op]) -> None:
        self.formula = formula
        self.kinds = kinds
        self.inline = inline

    def fail(self, node: Expr, message: str) -> FormulaError:
        position = getattr(node, "position", -1)
        return FormulaError(message, formula=self.formula, position=max(position, 0))

    def unify(self, node: Expr, kinds: Sequence[Kind], what: str) -> Kind:
        found = {k for k in kinds if k is not Kind.ANY}
        if len(found) > 1:
            names = " and ".join(sorted(k.value for k in found))
            raise self.fail(node, f"{what} mixes {names} values")
        return found.pop() if found else Kind.ANY

    def need(self, node: Expr, kind: Kind, wanted: set[Kind], what: str) -> None:
        if kind is not Kind.ANY and kind not in wanted:
            allowed = " or ".join(sorted(k.value for k in wanted))
            raise self.fail(node, f"{what} needs {allowed} values, got {kind.value}")

    def lower(self, node: Expr, baseline: bool) -> Op:
        if isinstance(node, Number):
            return Const(node.value, Kind.NUMBER)
        if isinstance(node, String):
            return Const(node.value, Kind.TEXT)
        if isinstance(node, Boolean):
            return Const(node.value, Kind.BOOLEAN)
        if isinstance(node, Name):
            return self.name(node, baseline)
        if isinstance(node, Unary):
            inner = self.lower(node.operand, baseline)
            if node.op == "not":
                self.need(node, inner.kind, {Kind.BOOLEAN}, "'not'")
                return Apply("not", (inner,), Kind.BOOLEAN)
            self.need(node, inner.kind, {Kind.NUMBER}, "'-'")
            return Apply("neg", (inner,), Kind.NUMBER)
        if isinstance(node, Binary):
            return self.binary(node, baseline)
        if isinstance(node, Conditional):
            condition = self.lower(node.condition, baseline)
            self.need(node, condition.kind, {Kind.BOOLEAN}, "'if'")
            then, otherwise = self.lower(node.then, baseline), self.lower(node.otherwise, baseline)
            kind = self.unify(node, [then.kind, otherwise.kind], "'if ... else'")
            return Apply("if", (condition, then, otherwise), kind)
        return self.call(node, baseline)

    def name(self, node: Name, baseline: bool) -> Op:
        found = self.kinds.get(node.code)
        if found is None:
            close = difflib.get_close_matches(node.code, list(self.kinds), n=3, cutoff=0.75)
            near = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise self.fail(node, f"unknown variable {node.code!r}{near}")
        compiled = self.inline.get(node.code)
        if compiled is None:
            return Load(node.code, found, baseline)
        return in_baseline(compiled) if baseline else compiled

    def binary(self, node: Binary, baseline: bool) -> Op:
        left, right = self.lower(node.left, baseline), self.lower(node.right, baseline)
        op = node.op
        if op in ("and", "or"):
            for side in (left, right):
                self.need(node, side.kind, {Kind.BOOLEAN}, f"'{op}'")
            return Apply(op, (left, right), Kind.BOOLEAN)
        if op in _EQUALITY:
            self.unify(node, [left.kind, right.kind], f"'{op}'")
            return Apply(op, (left, right), Kind.BOOLEAN)
        if op in _ORDER:
            kind = self.unify(node, [left.kind, right.kind], f"'{op}'")
            self.need(node, kind, {Kind.NUMBER, Kind.DATE}, f"'{op}'")
            return Apply(op, (left, right), Kind.BOOLEAN)
        for side in (left, right):
            self.need(node, side.kind, {Kind.NUMBER}, f"'{op}'")
        if op == "/":
            return Divide(left, right)
        return Apply(op, (left, right), Kind.NUMBER)

    def call(self, node: Call, baseline: bool) -> Op:
        name = node.function
        if name == "baseline":
            args = [self.lower(node.args[0], True)]
        else:
            args = [self.lower(a, baseline) for a in node.args]
        kind = SIGNATURES[name](self, node, [a.kind for a in args], name)
        if name == "round" and len(node.args) == 2:
            self.places(node, node.args[1])
        if name == "missing":
            return Const(None, Kind.ANY)
        if name == "baseline":
            return args[0]
        if name in ("change", "pct_change"):
            now, before = args[0], in_baseline(args[0])
            change = Apply("-", (now, before), Kind.NUMBER)
            if name == "change":
                return change
            return Divide(
                Apply("*", (change, Const(Decimal(100), Kind.NUMBER)), Kind.NUMBER), before
            )
        return Apply(name, tuple(args), kind)

    def places(self, call: Call, node: Expr) -> None:
        # Bounded here, not per value: round(x, 30) would need more digits than a Decimal
        # holds, and round(x, 10**9) a power of ten of a billion digits.
        literal = node.operand if isinstance(node, Unary) and node.op == "-" else node
        value = literal.value if isinstance(literal, Number) else None
        if value is None or value != value.to_integral_value() or abs(value) > MAX_ROUND_PLACES:
            raise self.fail(
                node if getattr(node, "position", -1) >= 0 else call,
                f"round()'s places must be a whole number from -{MAX_ROUND_PLACES} to "
                f"{MAX_ROUND_PLACES} written in the formula",
            )
