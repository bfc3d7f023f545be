"""The formula compiler: a formula tree is type-checked once and lowered to typed operations.

:func:`compile_formula` walks a tree from :func:`klaster.catalogue.formula.parse` once: it checks
every name and type (with the position of a problem) and lowers the tree to a small frozen
intermediate form, :data:`Op`. Exactly two backends execute it: the exact pure-Python reference
(:mod:`klaster.measurement._backends.python.formulas`, on scaled integers) and the polars
columnar backend (:mod:`klaster.measurement._backends.polars.formulas`).

The intermediate form has four kinds of node:

- :class:`Const`: a literal (``missing()`` is ``Const(None, Kind.ANY)``);
- :class:`Load`: a variable of the current round, or of another round of the same unit
  (``at``: :attr:`Shift.BASELINE`, :attr:`Shift.PREVIOUS`, or a round named in the formula);
- :class:`Apply`: one of :data:`OPERATIONS` applied to its arguments;
- :class:`Divide`: a division per unit, with its rule explicit: the exact quotient rounded
  half-even to ``scale`` (:data:`~klaster.measurement.division.DIVISION_SCALE`) decimals.

The functions about rounds are lowered away: ``baseline(x)`` is ``x`` with its loads in the
baseline round, ``change(x)`` is ``x - baseline(x)`` and ``pct_change(x)`` is
``(x - baseline(x)) * 100 / baseline(x)``; ``previous(x)``, ``change_prev(x)`` and
``pct_change_prev(x)`` the same with the unit's previous round of its cluster (by date), and
``at_round(x, 'R')``, ``change_since(x, 'R')`` and ``pct_change_since(x, 'R')`` with round ``R``
(a round ID or a round key such as ``'midline'``, a string literal). A load already in another
round stays there: the innermost round function wins (``baseline(previous(x))`` is
``previous(x)``). A name of another indicator is replaced by that
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

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Final

from klaster._support.suggest import did_you_mean
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
from klaster.measurement.operations import (
    OPERATIONS,
    Apply,
    Const,
    Divide,
    Kind,
    Load,
    Op,
    Shift,
    in_baseline,
    loads,
    round_names,
    shifted,
)

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
    "Shift",
    "compile_formula",
    "in_baseline",
    "infer_kind",
    "loads",
    "round_names",
    "shifted",
]


ROUND_FUNCTIONS: Final = frozenset(
    {
        "missing", "baseline", "change", "pct_change", "previous", "change_prev",
        "pct_change_prev", "at_round", "change_since", "pct_change_since",
    }
)  # fmt: skip
"""Functions lowered to :class:`Const`, loads in another round and :class:`Divide`."""

# Round function -> (which round its loads read, what it gives: the value, change, pct).
_SHIFTS: Final[dict[str, tuple[Shift | None, str]]] = {
    "baseline": (Shift.BASELINE, "value"),
    "change": (Shift.BASELINE, "change"),
    "pct_change": (Shift.BASELINE, "pct"),
    "previous": (Shift.PREVIOUS, "value"),
    "change_prev": (Shift.PREVIOUS, "change"),
    "pct_change_prev": (Shift.PREVIOUS, "pct"),
    "at_round": (None, "value"),  # None: the round named by the second argument
    "change_since": (None, "change"),
    "pct_change_since": (None, "pct"),
}

_ORDER: Final = frozenset({"<", "<=", ">", ">="})
_EQUALITY: Final = frozenset({"==", "!="})


def _numbers(check: _Checker, node: Expr, args: Sequence[Kind], name: str) -> Kind:
    for arg in args:
        check.need(node, arg, {Kind.NUMBER}, f"{name}()")
    return Kind.NUMBER


def _unified(check: _Checker, node: Expr, args: Sequence[Kind], name: str) -> Kind:
    return check.unify(node, args, f"{name}()")


def _first(
    check: Callable[[_Checker, Expr, Sequence[Kind], str], Kind],
) -> Callable[[_Checker, Expr, Sequence[Kind], str], Kind]:
    # The round's name (a string literal, checked by the lowering) is no value to type.
    return lambda checker, node, args, name: check(checker, node, args[:1], name)


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
    "previous": _unified,
    "change_prev": _numbers,
    "pct_change_prev": _numbers,
    "at_round": _first(_unified),
    "change_since": _first(_numbers),
    "pct_change_since": _first(_numbers),
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
        (Load(code='x', kind=<Kind.NUMBER: 'number'>, at=None), 18)
    """
    text = formula if formula is not None else to_text(tree)
    return _Checker(text, kinds, inline or {}).lower(tree)


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


class _Checker:
    """Checks and lowers one formula."""

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

    def lower(self, node: Expr) -> Op:
        if isinstance(node, Number):
            return Const(node.value, Kind.NUMBER)
        if isinstance(node, String):
            return Const(node.value, Kind.TEXT)
        if isinstance(node, Boolean):
            return Const(node.value, Kind.BOOLEAN)
        if isinstance(node, Name):
            return self.name(node)
        if isinstance(node, Unary):
            inner = self.lower(node.operand)
            if node.op == "not":
                self.need(node, inner.kind, {Kind.BOOLEAN}, "'not'")
                return Apply("not", (inner,), Kind.BOOLEAN)
            self.need(node, inner.kind, {Kind.NUMBER}, "'-'")
            return Apply("neg", (inner,), Kind.NUMBER)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Conditional):
            condition = self.lower(node.condition)
            self.need(node, condition.kind, {Kind.BOOLEAN}, "'if'")
            then, otherwise = self.lower(node.then), self.lower(node.otherwise)
            kind = self.unify(node, [then.kind, otherwise.kind], "'if ... else'")
            return Apply("if", (condition, then, otherwise), kind)
        return self.call(node)

    def name(self, node: Name) -> Op:
        found = self.kinds.get(node.code)
        if found is None:
            hint = did_you_mean(node.code, self.kinds)
            near = f"; {hint}" if hint else ""
            raise self.fail(node, f"unknown variable {node.code!r}{near}")
        compiled = self.inline.get(node.code)
        return Load(node.code, found) if compiled is None else compiled

    def binary(self, node: Binary) -> Op:
        left, right = self.lower(node.left), self.lower(node.right)
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

    def call(self, node: Call) -> Op:
        name = node.function
        shift = _SHIFTS.get(name)
        values = node.args[:1] if shift is not None else node.args
        args = [self.lower(a) for a in values]
        kind = SIGNATURES[name](self, node, [a.kind for a in args], name)
        if name == "round" and len(node.args) == 2:
            self.places(node, node.args[1])
        if name == "missing":
            return Const(None, Kind.ANY)
        if shift is None:
            return Apply(name, tuple(args), kind)
        at, gives = shift
        now, before = args[0], shifted(args[0], at or self.round_name(node))
        if gives == "value":
            return before
        change = Apply("-", (now, before), Kind.NUMBER)
        if gives == "change":
            return change
        return Divide(Apply("*", (change, Const(Decimal(100), Kind.NUMBER)), Kind.NUMBER), before)

    def round_name(self, call: Call) -> str:
        # The round must be written in the formula: what it names is checked against the
        # program's rounds when the indicator is evaluated (klaster.measurement.round_refs).
        if len(call.args) == 2 and isinstance(call.args[1], String) and call.args[1].value:
            return call.args[1].value
        raise self.fail(
            call,
            f"{call.function}()'s second argument must be a round ID or key written in quotes, "
            f"e.g. {call.function}(x, 'midline')",
        )

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
