"""The SQL backend's dialect and runner: the integer rules every engine must write exactly.

Each dialect in :data:`DIALECTS` (with the runner that executes it) is checked against the
Python rules: the half-even quotient of :func:`klaster.measurement.division.quotient` (``NULL``
for a zero divisor), floor division and modulo, literals beyond 64 bits, quoted identifiers.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import klaster
from klaster.measurement.division import quotient

pa = pytest.importorskip("pyarrow")
pytest.importorskip("duckdb")

from klaster.measurement._backends.sql.dialect import DUCKDB, Dialect  # noqa: E402
from klaster.measurement._backends.sql.runner import DuckDBRunner, Runner  # noqa: E402

DIALECTS: dict[str, Callable[[], Runner]] = {"duckdb": DuckDBRunner}
"""A runner per dialect checked here."""


@pytest.fixture(scope="module", params=list(DIALECTS))
def runner(request: pytest.FixtureRequest) -> Any:
    made = DIALECTS[request.param]()
    yield made
    made.close()


def _evaluate(runner: Runner, pairs: list[tuple[int, int]], write: Callable[..., str]) -> list[Any]:
    """``write(a, b)`` over the pairs, in the runner's engine (``a``, ``b`` as wide integers)."""
    sql: Dialect = runner.dialect
    table = pa.table(
        {
            "i": list(range(len(pairs))),
            "a": [str(a) for a, _ in pairs],
            "b": [str(b) for _, b in pairs],
        }
    )
    runner.register("pairs", table)
    a, b = sql.cast(sql.ident("a"), sql.wide), sql.cast(sql.ident("b"), sql.wide)
    found = runner.query(f"SELECT i, {write(a, b)} AS r FROM pairs ORDER BY i")
    return [None if r is None else int(r) for r in found.column("r").to_pylist()]


WIDE = 10**37
wide = st.integers(-WIDE, WIDE)


class TestQuotient:
    def test_ties_and_signs(self, runner: Runner) -> None:
        pairs = [(a, b) for a in range(-13, 14) for b in (-4, -3, -2, -1, 0, 1, 2, 3, 4)]
        found = _evaluate(runner, pairs, runner.dialect.quotient)
        assert found == [None if b == 0 else quotient(a, b) for a, b in pairs]
        # Half-even: 5/2 and -5/2 go to 2 and -2, 7/2 to 4 (half-up would give 3, -2, 4).
        assert [found[pairs.index(p)] for p in ((5, 2), (-5, 2), (7, 2), (1, 2))] == [2, -2, 4, 0]

    @settings(max_examples=30, deadline=None)
    @given(pairs=st.lists(st.tuples(wide, wide), min_size=1, max_size=40))
    def test_any_wide_integers(self, runner: Runner, pairs: list[tuple[int, int]]) -> None:
        found = _evaluate(runner, pairs, runner.dialect.quotient)
        assert found == [None if b == 0 else quotient(a, b) for a, b in pairs]


class TestIntegerRules:
    @settings(max_examples=20, deadline=None)
    @given(pairs=st.lists(st.tuples(wide, st.integers(1, WIDE)), min_size=1, max_size=40))
    def test_floor_division_and_modulo(self, runner: Runner, pairs: list[tuple[int, int]]) -> None:
        sql = runner.dialect
        assert _evaluate(runner, pairs, sql.floor_div) == [a // b for a, b in pairs]
        assert _evaluate(runner, pairs, sql.floor_mod) == [a % b for a, b in pairs]

    def test_literals_and_identifiers(self, runner: Runner) -> None:
        sql = runner.dialect
        big, text = 2**100 + 1, "it's"
        found = runner.query(
            f"SELECT {sql.literal(big)} AS {sql.ident('a b')},"
            f" {sql.literal(-5)} AS {sql.ident('c')}, {sql.literal(text)} AS t,"
            f" {sql.literal(True)} AS f, {sql.literal(None)} AS n"
        ).to_pylist()[0]
        assert (int(found["a b"]), found["c"]) == (big, -5)
        assert (found["t"], found["f"], found["n"]) == (text, True, None)
        assert sql.literal(Decimal("1.5")) == "'1.5'"

    def test_null_safe_aggregates(self, runner: Runner) -> None:
        sql = runner.dialect
        runner.register("v", pa.table({"x": [1, None, 3], "y": [True, None, False]}))
        found = runner.query(
            f"SELECT {sql.sum('x', wide=True)} AS s, {sql.count()} AS rows,"
            f" {sql.count('x')} AS n, {sql.count_true('y')} AS t FROM v"
        ).to_pylist()[0]
        assert (int(found["s"]), found["rows"], found["n"], found["t"]) == (4, 3, 2, 1)


class TestEngineErrors:
    def test_an_overflow_is_a_located_klaster_error(self) -> None:
        with DuckDBRunner() as runner:
            big = 2**62
            with pytest.raises(klaster.KlasterError, match="backend='duckdb': the query failed"):
                runner.query(f"SELECT CAST({big} AS BIGINT) * CAST({big} AS BIGINT) AS r")


class TestMissingExtra:
    def test_duckdb_names_the_extra(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from klaster.examples import bantaeng
        from klaster.measurement import Measurement

        program, observations = bantaeng()
        monkeypatch.setitem(sys.modules, "duckdb", None)
        with pytest.raises(klaster.KlasterError, match=r"pip install 'klaster\[sql\]'"):
            Measurement(program, observations, backend="duckdb")
        with pytest.raises(klaster.KlasterError, match=r"klaster\[sql\]"):
            DuckDBRunner()

    def test_the_dialect_of_duckdb(self) -> None:
        assert DuckDBRunner().dialect is DUCKDB
        assert DUCKDB.name == "duckdb"


def test_import_klaster_does_not_import_duckdb() -> None:
    import subprocess

    code = (
        "import sys, klaster, klaster.measurement.engine;"
        "print('duckdb' in sys.modules, 'pyarrow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
