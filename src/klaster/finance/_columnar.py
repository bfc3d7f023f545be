"""The polars fast path for portfolio figures (the ``columnar`` extra).

Install it with ``pip install 'klaster[columnar]'``.

The ledger and the schedules already live in integer columns (``array.array``); they are handed to
polars as raw bytes reinterpreted in place of a Python-level conversion, so the cost of going
columnar is a memory copy. The figures are exactly those of the pure-Python path (the test suite
compares them).
"""

from __future__ import annotations

import datetime as _dt
import sys
from array import array
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from klaster.errors import ValidationError
from klaster.finance._state import KEY_DIMENSIONS
from klaster.finance.entry import Role

if TYPE_CHECKING:
    from klaster.finance.book import Finance
    from klaster.finance.portfolio import Ratio


def _polars() -> Any:
    try:
        import polars
    except ImportError:
        raise ValidationError(
            "engine='polars' needs polars: pip install 'klaster[columnar]'", path="engine"
        ) from None
    return polars


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


def par(
    book: Finance, n: int, on: _dt.date, by: str | None, restructured_at_risk: bool
) -> dict[str | None, Ratio]:
    """PAR(n) per key, computed by polars from the book's columns."""
    from klaster.finance.portfolio import Dimension, Ratio

    pl = _polars()
    end = book.ledger.position(on)
    cols = book.ledger.columns()
    sch = book._schedules
    role, amount = pl.col("role"), pl.col("amount")
    postings = pl.DataFrame(
        [
            series(pl, "role", cols["role"], end),
            series(pl, "loan", cols["loan"], end),
            series(pl, "amount", cols["amount"], end),
        ]
    )
    # One pass over the postings: principal outstanding and everything paid, per loan.
    per_loan = (
        postings.select(
            "loan",
            pl.when(role == int(Role.DISBURSEMENT))
            .then(amount)
            .when(role.is_in(_OFF_THE_BOOKS))
            .then(-amount)
            .otherwise(0)
            .alias("out"),
            pl.when(role.is_in(_PAYMENTS)).then(amount).otherwise(0).alias("paid"),
        )
        .group_by("loan")
        .sum()
        .filter(pl.col("out") > 0)
    )
    segments = (
        pl.DataFrame(
            [
                series(pl, "loan", sch.seg_loan),
                series(pl, "start", sch.seg_start),
                series(pl, "number", sch.seg_number),
                series(pl, "day", sch.seg_day),
            ]
        )
        .with_row_index("segment")
        .filter(pl.col("day") <= on.toordinal())
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
        loans = (
            loans.join(before, on="loan", how="left")
            .with_columns((pl.col("paid") - pl.col("before").fill_null(0)).alias("paid"))
            .drop("before")
        )
    cutoff = on.toordinal() - n  # more than n days late: due before this day
    rows = pl.DataFrame(
        [
            series(pl, "segment", sch.row_segment),
            series(pl, "due", sch.due),
            series(pl, "cum", sch.cum),
        ]
    )
    late = (
        rows.filter(pl.col("due") < cutoff)
        .join(loans.select(pl.col("segment").cast(pl.Int32), "paid"), on="segment")
        .filter(pl.col("cum") > pl.col("paid"))
        .select(pl.col("segment").unique().cast(pl.UInt32))
        .with_columns(pl.lit(True).alias("late"))
    )
    loans = loans.join(late, on="segment", how="left").with_columns(
        (
            pl.col("late").fill_null(False)
            | ((pl.col("number") > 0) & pl.lit(restructured_at_risk))
        ).alias("risk")
    )
    dim = None if by is None else Dimension(by)
    if dim is None or dim is Dimension.CLUSTER:
        key_values: list[str | None] = [None if dim is None else book.cluster_id]
        loans = loans.with_columns(pl.lit(0, dtype=pl.Int32).alias("key"))
    else:
        assert dim.value in KEY_DIMENSIONS
        key_values = book._keys.values[dim.value]
        codes = series(pl, "key", book._keys.codes[dim.value]).to_frame().with_row_index("loan")
        loans = loans.join(codes.with_columns(pl.col("loan").cast(pl.Int32)), on="loan")
    totals = loans.group_by("key").agg(
        pl.col("out").filter(pl.col("risk")).sum().alias("at_risk"),
        pl.col("out").sum().alias("outstanding"),
        pl.col("risk").sum().alias("count"),
        pl.len().alias("total"),
    )
    return {
        key_values[key]: Ratio(Decimal(at_risk), Decimal(out), int(count), int(total))
        for key, at_risk, out, count, total in totals.iter_rows()
    }


_OFF_THE_BOOKS = [int(Role.PRINCIPAL), int(Role.WRITE_OFF), int(Role.ZAKAT)]
_PAYMENTS = [int(Role.PRINCIPAL), int(Role.MARGIN)]
