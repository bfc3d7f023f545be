"""Spark's SQL dialect and runner: the division rule exact on Spark, as on DuckDB and in Python.

The conformance suite (test_engine_conformance.py) compares whole reports; here the dialect's
arithmetic is compared directly, value by value, on the integers where engines differ: negative
operands (truncation vs floor), ties of the half-even quotient, zero divisors, and values up to
the dialect's ``wide_max`` (``DECIMAL(38,0)`` on Spark, ``HUGEINT`` on DuckDB). These queries run
with Spark's code generation on (the runner's default), unlike the conformance suite's session.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klaster.errors import KlasterError
from klaster.measurement.division import quotient

pa = pytest.importorskip("pyarrow")

WIDE = 10**34 - 1  # SPARK.wide_max


@pytest.fixture(scope="module")
def runner(spark: Any) -> Iterator[Any]:
    from klaster.measurement._backends.sql.spark import SparkRunner

    compiled = {
        "spark.sql.codegen.wholeStage": "true",
        "spark.sql.codegen.factoryMode": "FALLBACK",
        "spark.sql.adaptive.enabled": "true",
    }
    before = {key: spark.conf.get(key) for key in compiled}
    for key, value in compiled.items():
        spark.conf.set(key, value)
    run = SparkRunner(spark)
    yield run
    run.close()
    for key, value in before.items():
        spark.conf.set(key, value)


def _truncated(a: int, b: int) -> tuple[int, int]:
    q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
    return q, a - q * b


def _pairs_table(pairs: list[tuple[int, int]]) -> Any:
    column = pa.decimal128(38, 0)
    return pa.table(
        {
            "a": pa.array([Decimal(a) for a, _ in pairs], column),
            "b": pa.array([Decimal(b) for _, b in pairs], column),
        }
    )


def _division(run: Any, pairs: list[tuple[int, int]]) -> list[tuple[Any, ...]]:
    """Per pair: truncated quotient and remainder, floor quotient and modulo, half-even."""
    sql = run.dialect
    run.register("pairs", _pairs_table(pairs))
    # The SQL backend hands the dialect integers (BIGINT or the wide type), never decimals:
    # DuckDB's `//` on a DECIMAL column goes through DOUBLE.
    a = sql.widen("a")
    nonzero = sql.widen("CASE WHEN b = 0 THEN 1 ELSE b END")  # the truncating rules need one
    positive = f"abs({nonzero})"
    text = (
        f"SELECT {sql.trunc_div(a, nonzero)} AS td, {sql.trunc_mod(a, nonzero)} AS tm,"
        f" {sql.floor_div(a, positive)} AS fd, {sql.floor_mod(a, positive)} AS fm,"
        f" {sql.quotient('a', 'b')} AS q FROM pairs"
    )
    found = run.query(text).to_pydict()
    return [
        tuple(None if v is None else int(v) for v in row)
        for row in zip(*(found[k] for k in ("td", "tm", "fd", "fm", "q")), strict=True)
    ]


def _expected(pairs: list[tuple[int, int]]) -> list[tuple[Any, ...]]:
    rows = []
    for a, b in pairs:
        divisor = b or 1
        rows.append(
            (*_truncated(a, divisor), *divmod(a, abs(divisor)), quotient(a, b) if b else None)
        )
    return rows


EDGES = [
    (WIDE, 1), (-WIDE, 1), (WIDE, -1), (-WIDE, -1), (WIDE, WIDE), (-WIDE, WIDE), (WIDE, 3),
    (WIDE, 2), (-WIDE, 2), (WIDE, 10**5 - 1), (WIDE, 10**5), (-WIDE, 10**5 + 1),
    (WIDE, 10**18 - 1), (-WIDE, 10**18), (WIDE, -(10**18) - 1), (5, 2), (7, 2), (-5, 2),
    (-7, 2), (10, -4), (-10, -4), (1, 2 * 10**18), (3, 2 * 10**18), (-1, 2 * 10**18),
    (0, 7), (7, 0), (-WIDE, 0), (2**63, 2), (-(2**63), 3), (2**63 - 1, -(2**63)),
]  # fmt: skip
"""Both signs, ties, the divisor's type boundaries (10**5, 10**18), zero, 64-bit edges."""

whole = st.one_of(
    st.integers(-WIDE, WIDE),
    st.integers(-(2**64), 2**64),
    st.integers(-1000, 1000),
    st.sampled_from([WIDE, -WIDE, 2**63, -(2**63), 10**18, 10**5, 0]),
)


class TestSparkDivision:
    def test_edges_equal_the_python_rule(self, runner: Any) -> None:
        assert _division(runner, EDGES) == _expected(EDGES)

    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(pairs=st.lists(st.tuples(whole, whole), min_size=1, max_size=60))
    def test_any_integers_equal_the_python_rule(
        self, runner: Any, pairs: list[tuple[int, int]]
    ) -> None:
        assert _division(runner, pairs) == _expected(pairs)

    @pytest.mark.parametrize("divisor", [2, -7, 10**5, 10**18, -(10**20)])
    def test_a_literal_divisor(self, runner: Any, divisor: int) -> None:
        # Spark folds constants while planning: the branches for other divisor sizes (a cast
        # that would overflow) must not be evaluated.
        sql = runner.dialect
        numerators = [7, -(10**18), 123456789012345678, 0]
        runner.register("tops", pa.table({"a": pa.array(numerators, pa.int64())}))
        literal = sql.literal(divisor)
        text = f"SELECT {sql.quotient('a', literal)} AS q FROM tops"
        found = [int(v) for v in runner.query(text).column("q").to_pylist()]
        assert found == [quotient(a, divisor) for a in numerators]

    def test_duckdb_gives_the_same_integers(self, runner: Any) -> None:
        duckdb = pytest.importorskip("duckdb")
        from klaster.measurement._backends.sql.runner import DuckDBRunner

        with DuckDBRunner() as other:
            assert _division(other, EDGES) == _division(runner, EDGES)
        assert duckdb is not None

    def test_spark_div_would_wrap_silently(self, runner: Any) -> None:
        # Why trunc_div never uses Spark's `div`: it returns BIGINT and wraps, ANSI mode or not.
        text = f"SELECT CAST('{-WIDE}' AS DECIMAL(38,0)) div CAST(3 AS DECIMAL(38,0)) AS x"
        assert runner.query(text).column("x")[0].as_py() != -WIDE // 3 + 1

    def test_wide_max_stays_below_sparks_rounded_negation(self, runner: Any) -> None:
        # Spark negates a decimal in a 34-digit context: a 38-digit value comes back rounded,
        # silently. Values up to wide_max (34 digits) are exact.
        from klaster.measurement._backends.sql.spark import SPARK

        big, fits = 12345678901234567890123456789012345678, SPARK.wide_max
        text = (
            f"SELECT -CAST('{big}' AS DECIMAL(38,0)) AS big,"
            f" -CAST('{fits}' AS DECIMAL(38,0)) AS fits"
        )
        row = runner.query(text).to_pylist()[0]
        assert int(row["big"]) != -big
        assert int(row["fits"]) == -fits
        assert fits == WIDE


class TestSparkRunner:
    def test_arrow_in_and_out(self, runner: Any) -> None:
        table = pa.table(
            {
                "k": pa.array(["a", "b", None], pa.string_view()),  # Spark refuses it as is
                "c": pa.array(["x", "y", "x"]).dictionary_encode(),
                "v": pa.array([2**62, None, -3], pa.int64()),
            }
        )
        runner.register("things", table)
        sql = runner.dialect
        wide = sql.sum(sql.ident("v"), wide=True)
        text = f"SELECT {sql.ident('c')} AS c, {wide} AS total FROM things GROUP BY c ORDER BY c"
        found = runner.query(text)
        assert found.to_pylist() == [
            {"c": "x", "total": Decimal(2**62 - 3)},
            {"c": "y", "total": None},
        ]

    def test_an_overflow_is_an_error_not_a_wrapped_value(self, runner: Any) -> None:
        runner.register("big", pa.table({"v": pa.array([2**63 - 1, 1], pa.int64())}))
        with pytest.raises(KlasterError, match=r"backend='spark'.*ARITHMETIC_OVERFLOW"):
            runner.query("SELECT sum(v) AS s FROM big")

    def test_close_drops_its_views_and_restores_the_settings(self, spark: Any) -> None:
        from klaster.measurement._backends.sql.spark import SparkRunner

        spark.conf.set("spark.sql.ansi.enabled", "false")
        try:
            run = SparkRunner(spark)
            assert spark.conf.get("spark.sql.ansi.enabled") == "true"
            run.register("gone_after_close", pa.table({"v": [1]}))
            assert spark.catalog.tableExists("gone_after_close")
            run.close()
            assert not spark.catalog.tableExists("gone_after_close")
            assert spark.conf.get("spark.sql.ansi.enabled") == "false"
        finally:
            spark.conf.set("spark.sql.ansi.enabled", "true")
