"""The polars backend of the portfolio figures (the ``columnar`` extra; internal).

Install it with ``pip install 'klaster[columnar]'``.

The ledger and the schedules already live in integer columns (``array.array``); they are handed to
polars as raw bytes reinterpreted in place of a Python-level conversion, so the cost of going
columnar is a memory copy. :func:`measures` builds one frame of per-loan measures, and
:func:`evaluate` runs a :class:`~klaster.finance._figures.Figure` on it with :data:`EXPRESSIONS`.
The figures are exactly those of the pure-Python backend (the test suite compares them).
"""

from __future__ import annotations

import datetime as _dt
import sys
from array import array
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from klaster.errors import ValidationError
from klaster.finance._figures import (
    And,
    Const,
    Figure,
    Ge,
    Gt,
    Measure,
    Min,
    Or,
    Param,
    Term,
    Where,
    measures_of,
)
from klaster.finance._loanbook import LoanBook
from klaster.finance.entry import Role
from klaster.finance.ledger import Ledger

__all__ = ["EXPRESSIONS", "evaluate", "figure", "measures", "polars", "series"]

Sums = dict[str | None, tuple[int, int, int, int]]


def polars() -> Any:
    """The polars module, or a located error naming the extra to install."""
    try:
        import polars as pl
    except ImportError:
        raise ValidationError(
            "engine='polars' needs polars: pip install 'klaster[columnar]'", path="engine"
        ) from None
    return pl


def series(pl: Any, name: str, column: array[int], end: int | None = None) -> Any:
    """A polars Series over ``column[:end]`` built from its bytes (one copy, no Python loop)."""
    dtypes = {("i", 4): pl.Int32, ("q", 8): pl.Int64, ("B", 1): pl.UInt8, ("l", 8): pl.Int64}
    dtype = dtypes[(column.typecode, column.itemsize)]
    count = len(column) if end is None else end
    if count == 0:
        return pl.Series(name, [], dtype=dtype)
    data = memoryview(column)[:count].tobytes()
    endian = "little" if sys.byteorder == "little" else "big"
    return (
        pl.Series(name, [data], dtype=pl.Binary)
        .bin.reinterpret(dtype=pl.Array(dtype, count), endianness=endian)
        .arr.explode()
    )


EXPRESSIONS: Mapping[type, Callable[[Any, Any, Any], Any]] = {
    Gt: lambda _pl, a, b: a > b,
    Ge: lambda _pl, a, b: a >= b,
    And: lambda _pl, a, b: a & b,
    Or: lambda _pl, a, b: a | b,
    Min: lambda pl, a, b: pl.min_horizontal(a, b),
    Where: lambda pl, condition, value: pl.when(condition).then(value).otherwise(0),
}
"""Node type → the polars expression it becomes."""


def _expr(pl: Any, term: Term, params: Mapping[str, Any]) -> Any:
    if isinstance(term, Measure):
        return pl.col(term.name)
    if isinstance(term, Const):
        return pl.lit(term.value)
    if isinstance(term, Param):
        return pl.lit(params[term.name])
    names = ("condition", "value") if isinstance(term, Where) else ("left", "right")
    left, right = (_expr(pl, getattr(term, n), params) for n in names)
    return EXPRESSIONS[type(term)](pl, left, right)


_OFF_THE_BOOKS = [int(Role.PRINCIPAL), int(Role.WRITE_OFF), int(Role.ZAKAT)]
_CLOSED = [int(Role.WRITE_OFF), int(Role.ZAKAT)]
_PAYMENTS = [int(Role.PRINCIPAL), int(Role.MARGIN)]


def measures(
    pl: Any, ledger: Ledger, derived: LoanBook, on: _dt.date, names: frozenset[str]
) -> Any:
    """A frame of every loan disbursed by ``on`` (``loan`` number) with the measures ``names``."""
    end = ledger.position(on)
    day = on.toordinal()
    cols = ledger.columns()
    sch = derived.schedules
    role, amount = pl.col("role"), pl.col("amount")
    repayment = bool(names & {"due", "paid"})
    columns = ["role", "loan", "amount"] + (["on"] if repayment else [])
    postings = pl.DataFrame([series(pl, n, cols[n], end) for n in columns])
    # One pass over the postings: principal outstanding and everything paid, per loan.
    sums = [
        pl.when(role == int(Role.DISBURSEMENT))
        .then(amount)
        .when(role.is_in(_OFF_THE_BOOKS))
        .then(-amount)
        .otherwise(0)
        .sum()
        .alias("out"),
        pl.when(role.is_in(_PAYMENTS)).then(amount).otherwise(0).sum().alias("paid_all"),
    ]
    if repayment:  # a written-off loan stops falling due on its write-off day
        sums.append(pl.col("on").filter(role.is_in(_CLOSED)).min().alias("closed_on"))
    per_loan = postings.group_by("loan").agg(sums)
    segments = (
        pl.DataFrame([series(pl, n, getattr(sch, f"seg_{n}")) for n in _SEGMENT_COLUMNS])
        .with_row_index("segment")
        .filter(pl.col("day") <= day)
    )
    current = segments.sort("start").unique("loan", keep="last")
    loans = per_loan.join(current.select("loan", "segment", "number", "start"), on="loan")
    restructured = loans.filter(pl.col("number") > 0).select("loan", "start")
    if restructured.height:
        # Payments made before the schedule in force count under the one it replaced.
        before = (
            postings.with_row_index("pos")
            .join(restructured, on="loan")
            .filter((pl.col("pos") < pl.col("start")) & role.is_in(_PAYMENTS))
            .group_by("loan")
            .agg(amount.sum().alias("before"))
        )
        loans = loans.join(before, on="loan", how="left").with_columns(
            pl.col("before").fill_null(0)
        )
    else:
        loans = loans.with_columns(pl.lit(0, dtype=pl.Int64).alias("before"))
    loans = loans.with_columns(
        (pl.col("paid_all") - pl.col("before")).alias("paid_now"),
        (pl.col("number") > 0).alias("restructured"),
        pl.col("segment").cast(pl.Int32),
    )
    rows = pl.DataFrame(
        [
            series(pl, "segment", sch.row_segment),
            series(pl, "due", sch.due),
            series(pl, "cum", sch.cum),
        ]
    )
    if "late" in names:  # days since the oldest unpaid instalment fell due, while outstanding
        oldest = (
            rows.join(loans.filter(pl.col("out") > 0).select("segment", "paid_now"), on="segment")
            .filter(pl.col("cum") > pl.col("paid_now"))
            .group_by("segment")
            .agg(pl.col("due").min().alias("oldest"))
        )
        loans = loans.join(oldest, on="segment", how="left").with_columns(
            (pl.lit(day, dtype=pl.Int64) - pl.col("oldest"))
            .clip(lower_bound=0)
            .fill_null(0)
            .alias("late")
        )
    if repayment:
        loans = loans.with_columns(pl.col("closed_on").fill_null(day).alias("until"))
        fallen = (
            rows.join(loans.select("segment", "until"), on="segment")
            .filter(pl.col("due") <= pl.col("until"))
            .group_by("segment")
            .agg(pl.col("cum").max().alias("due_now"))
        )
        loans = (
            loans.join(fallen, on="segment", how="left")
            .with_columns(pl.col("due_now").fill_null(0))
            .with_columns(
                (pl.col("before") + pl.col("due_now")).alias("due"),
                (pl.col("before") + pl.min_horizontal("paid_now", "due_now")).alias("paid"),
            )
        )
    return loans.select("loan", *sorted(names))


_SEGMENT_COLUMNS = ("loan", "start", "number", "day")


def evaluate(
    pl: Any,
    fig: Figure,
    loans: Any,
    params: Mapping[str, Any],
    codes: array[int] | Sequence[int] | None,
    values: Sequence[str | None],
) -> Sums:
    """Key → (numerator, denominator, count, total) of ``fig`` over the frame ``loans``."""
    if codes is None:
        loans = loans.with_columns(pl.lit(0, dtype=pl.Int32).alias("key"))
    else:
        assert isinstance(codes, array)
        keys = series(pl, "key", codes).to_frame().with_row_index("loan")
        loans = loans.join(keys.with_columns(pl.col("loan").cast(pl.Int32)), on="loan")
    totals = (
        loans.filter(_expr(pl, fig.include, params))
        .group_by("key")
        .agg(
            _expr(pl, fig.numerator, params).sum().alias("numerator"),
            _expr(pl, fig.denominator, params).sum().alias("denominator"),
            _expr(pl, fig.hit, params).sum().alias("count"),
            pl.len().alias("total"),
        )
    )
    return {
        values[key]: (int(num), int(den), int(count), int(total))
        for key, num, den, count, total in totals.iter_rows()
    }


def figure(
    fig: Figure,
    ledger: Ledger,
    derived: LoanBook,
    on: _dt.date,
    params: Mapping[str, Any],
    codes: array[int] | Sequence[int] | None,
    values: Sequence[str | None],
) -> Sums:
    """``fig`` for one book on ``on``, by key, computed by polars from the book's columns."""
    pl = polars()
    loans = measures(pl, ledger, derived, on, measures_of(fig))
    return evaluate(pl, fig, loans, params, codes, values)
