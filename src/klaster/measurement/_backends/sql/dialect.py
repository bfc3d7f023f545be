"""How the SQL engine writes SQL: one :class:`Dialect` per engine (internal).

The SQL backend (:mod:`klaster.measurement._backends.sql`) compiles the formula IR of
:mod:`klaster.measurement.compiler` to SQL on exact scaled integers, as the polars fast path does
to polars expressions; everything engine-specific in the text it writes goes through a
:class:`Dialect`: the 64- and 128-bit integer types, casts, the half-even quotient of two scaled
integers (``NULL`` where the divisor is 0: engines disagree on division by zero, so every
divisor is guarded here), truncating integer division and modulo, ``CASE``, the null-safe sums
and counts, literals and quoted identifiers.

:data:`DUCKDB` is DuckDB's (embedded, in-process). Spark SQL's ``SPARK`` and its runner
``SparkRunner`` live in :mod:`klaster.measurement._backends.sql.spark` (helper of the Spark
path): a dialect is a :class:`Dialect` built with other fields, or a subclass overriding the
methods whose text differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from attrs import frozen

__all__ = ["DUCKDB", "INT64_MAX", "Dialect"]

INT64_MAX = 2**63 - 1
"""The largest 64-bit integer: values bounded by it stay in :attr:`Dialect.int64`."""


@frozen
class Dialect:
    """What differs between SQL engines in the text the SQL backend writes.

    Attributes:
        name: The engine's name (``"duckdb"``, ``"spark"``), as ``Measurement(backend=...)``
            takes it.
        int64: The 64-bit integer type (``BIGINT``).
        wide: The 128-bit integer type (``HUGEINT``; ``DECIMAL(38,0)`` where there is none).
        wide_max: The largest value :attr:`wide` holds exactly: bounds above it make the
            backend leave the indicator to the polars or Python path.
        quote: The identifier quote character.
        div: Truncating integer division of two integers (toward zero), with ``{a}``/``{b}``.
        mod: The remainder of :attr:`div` (the sign of ``a``), with ``{a}``/``{b}``.
    """

    name: str
    int64: str = "BIGINT"
    wide: str = "HUGEINT"
    wide_max: int = 10**38 - 1
    quote: str = '"'
    div: str = "(({a}) // ({b}))"
    mod: str = "(({a}) % ({b}))"

    # -- names and values ----------------------------------------------------------------------
    def ident(self, name: str) -> str:
        """``name`` quoted as an identifier (a quote inside doubled)."""
        q = self.quote
        return q + name.replace(q, q + q) + q

    def literal(self, value: int | bool | str | Decimal | None) -> str:
        """A literal: integers typed 64- or 128-bit by size, booleans, text, ``NULL``."""
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int):
            if -INT64_MAX <= value <= INT64_MAX:
                return self.cast(str(value), self.int64)
            return self.cast(f"'{value}'", self.wide)  # from text: no engine reads it as a float
        if isinstance(value, Decimal):
            return f"'{value}'"
        return "'" + value.replace("'", "''") + "'"

    def cast(self, expr: str, type_: str) -> str:
        """``expr`` cast to ``type_``."""
        return f"CAST({expr} AS {type_})"

    def widen(self, expr: str) -> str:
        """``expr`` as the 128-bit integer type."""
        return self.cast(expr, self.wide)

    # -- arithmetic ------------------------------------------------------------------------------
    def trunc_div(self, a: str, b: str) -> str:
        """``a / b`` truncated toward zero (integers; ``b`` not zero)."""
        return self.div.format(a=a, b=b)

    def trunc_mod(self, a: str, b: str) -> str:
        """The remainder of :meth:`trunc_div` (sign of ``a``)."""
        return self.mod.format(a=a, b=b)

    def floor_div(self, a: str, b: str) -> str:
        """``a / b`` rounded toward minus infinity (``b`` > 0)."""
        q, r = self.trunc_div(a, b), self.trunc_mod(a, b)
        return f"({q} - CASE WHEN {r} < 0 THEN 1 ELSE 0 END)"

    def floor_mod(self, a: str, b: str) -> str:
        """``a - b·floor(a / b)``, between 0 and ``b`` (``b`` > 0)."""
        r = self.trunc_mod(a, b)
        return f"({r} + CASE WHEN {r} < 0 THEN ({b}) ELSE 0 END)"

    def quotient(self, top: str, bottom: str) -> str:
        """``top / bottom`` rounded half-even to an integer; ``NULL`` where ``bottom`` is 0.

        The rule of :func:`klaster.measurement.division.quotient` (and of the polars path's
        ``quotient``), written with truncating division so no intermediate exceeds ``|top|``
        or ``|bottom|``: ``q = a div d``, ``r = a mod d`` with ``a = ±top`` and ``d = |bottom|``;
        ``q`` moves one away from zero when ``|r| > d - |r|``, or on a tie when ``q`` is odd.
        ``top`` and ``bottom`` are repeated: pass column names or small expressions.
        """
        a = f"(CASE WHEN ({bottom}) < 0 THEN -{self.widen(top)} ELSE {self.widen(top)} END)"
        d = f"abs({self.widen(bottom)})"
        q, r = self.trunc_div(a, d), self.trunc_mod(a, d)
        away = (
            f"CASE WHEN abs({r}) > {d} - abs({r})"
            f" OR (abs({r}) = {d} - abs({r}) AND {self.trunc_mod(q, '2')} <> 0)"
            f" THEN CASE WHEN {r} < 0 THEN -1 ELSE 1 END ELSE 0 END"
        )
        return f"(CASE WHEN ({bottom}) = 0 THEN NULL ELSE {q} + {away} END)"

    # -- conditions and aggregates ---------------------------------------------------------------
    def case(self, whens: Sequence[tuple[str, str]], otherwise: str = "NULL") -> str:
        """``CASE WHEN c THEN v ... ELSE otherwise END``."""
        parts = " ".join(f"WHEN {c} THEN {v}" for c, v in whens)
        return f"(CASE {parts} ELSE {otherwise} END)"

    def sum(self, expr: str, *, wide: bool = False) -> str:
        """The sum of the non-null values of ``expr`` (128-bit when ``wide``; ``NULL`` for none)."""
        return f"sum({self.widen(expr) if wide else expr})"

    def count(self, expr: str = "*") -> str:
        """The number of rows (``*``) or of non-null values of ``expr``."""
        return f"count({expr})"

    def count_true(self, condition: str) -> str:
        """The number of rows where ``condition`` is true (null counts as not)."""
        return f"sum(CASE WHEN {condition} THEN 1 ELSE 0 END)"


DUCKDB = Dialect("duckdb")
"""DuckDB: ``HUGEINT`` for 128 bits, ``//`` and ``%`` truncate toward zero on integers."""
