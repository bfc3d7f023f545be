"""A round key's member table is small and freed when done (issue 18: the 1M report's peak).

The values are kept as the store holds them (``Int8`` scores, ``Int32`` amounts) and widened to
``Int64`` where a formula reads them; a table is freed by reference counts alone (the report runs
with the cyclic collector paused), so at most two round keys' tables are alive at once.
Skipped where the ``columnar`` extra (polars, numpy) is not installed.
"""

from __future__ import annotations

import weakref
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("polars")
pytest.importorskip("numpy")

import polars as pl
from tests.measurement.backends.test_polars import (
    CATALOGUE,
    PROGRAM,
    ROUNDS,
    _indicator,
    answers,
)
from tests.measurement.backends.test_polars_records import KINDS, SETTINGS, SPECS
from tests.measurement.backends.test_polars_records import surveys as record_surveys

import klaster
from klaster.measurement._backends.polars import members as _members
from klaster.measurement._backends.polars.members import MemberTable
from klaster.measurement._backends.polars.path import Split
from klaster.measurement._frames import frames_of
from klaster.measurement.engine import Measurement
from klaster.observations.rounds import Round
from klaster.observations.values import Observations

# Small stored values times constants that do not fit their stored width: wrapped in 8 or 32
# bits unless widened first.
WIDE = [
    _indicator("workers_x100", "workers * 100 + cibest_prayer * 120", "sum"),
    _indicator("revenue_x3000", "monthly_revenue * 3000 - monthly_costs * 2999", "sum"),
    _indicator("workers_sq", "workers * workers * workers * 1000", "mean"),
]


def _engine(obs: Observations, backend: str) -> Measurement:
    indicators = [*klaster.plugins.get_host().indicators(), *WIDE]
    return Measurement(PROGRAM, obs, indicators=indicators, backend=backend)


def _table(obs: Observations, codes: list[str]) -> MemberTable:
    engine = _engine(obs, "polars")
    frames = frames_of(engine.program, engine.observations, engine.poverty_lines)
    split = Split.of(engine, frames, [()])
    assert split is not None
    table = MemberTable(engine, frames[0][2], split.records)
    for code in codes:
        table.value(code)
    return table


@st.composite
def small_values(draw: st.DrawFn) -> Observations:
    """Every umkm member's values small enough for 8-bit (scores) or 32-bit (amounts) storage."""
    obs = Observations(PROGRAM, CATALOGUE)
    for cluster in PROGRAM.clusters:
        kind, on = ROUNDS[0]
        round_id = f"{cluster.id}-{kind}"
        obs.add_round(Round(round_id, cluster.id, kind, on))
        rows = []
        for member in cluster.members:
            values = draw(answers(member.sector))
            if member.sector == "umkm":
                running = values.get("business_running") is not False
                values.update(
                    workers=draw(st.integers(1, 99)) if running else 0,
                    cibest_prayer=draw(st.integers(1, 5)),
                    monthly_revenue=draw(st.integers(200_000, 2_000_000)) if running else 0,
                    monthly_costs=draw(st.integers(0, 2_000_000)),
                )
            rows.append((member.id, values))
        obs.record_many(round_id, rows)
    return obs


class TestNarrowColumns:
    @SETTINGS
    @given(obs=small_values())
    def test_values_are_kept_as_stored_and_read_as_64_bits(self, obs: Observations) -> None:
        table = _table(obs, ["workers", "cibest_prayer", "monthly_revenue"])
        assert table.columns["v_workers"].dtype == pl.Int8
        assert table.columns["v_cibest_prayer"].dtype == pl.Int8
        read = table.frame().select(table.value("workers").expr, table.value("cibest_prayer").expr)
        assert read.dtypes == [pl.Int64, pl.Int64]
        wide = table.frame(wide=True)
        assert wide.schema["v_workers"] == pl.Int64
        assert wide.schema["v_monthly_revenue"] == pl.Int64  # (Int32 or wider as stored)
        assert wide.schema["_c"] == table.frame().schema["_c"]  # codes stay as they are
        assert wide.select(pl.col("v_workers").cast(pl.Int8)).equals(
            table.frame().select("v_workers")
        )

    @SETTINGS
    @given(obs=small_values())
    def test_formulas_beyond_the_stored_width_give_the_python_figures(
        self, obs: Observations
    ) -> None:
        # (Without the widening, 8-bit workers times 100 wrap around.)
        codes = [i.code for i in WIDE]
        python = _engine(obs, "python").report(codes, by=[(), ("cluster",)])
        fast = _engine(obs, "polars").report(codes, by=[(), ("cluster",)])
        assert list(fast) == list(python)
        assert any(r.value for r in fast if r.indicator == "workers_x100")

    @SETTINGS
    @given(obs=small_values())
    def test_the_sql_engine_is_handed_64_bit_numbers(self, obs: Observations) -> None:
        # An SQL engine reads the columns themselves: Spark multiplies a TINYINT by an INT
        # literal in 32 bits, so every number column reaches it as BIGINT, as polars reads it.
        pytest.importorskip("duckdb")
        from klaster.measurement._backends.sql.runner import DuckDBRunner

        handed: list[Any] = []
        register = DuckDBRunner.register

        def seen(runner: DuckDBRunner, name: str, table: Any) -> None:
            handed.append(table.schema)
            register(runner, name, table)

        codes = [i.code for i in WIDE]
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(DuckDBRunner, "register", seen)
            sql = _engine(obs, "duckdb").report(codes, by=[(), ("cluster",)])
        assert list(sql) == list(_engine(obs, "python").report(codes, by=[(), ("cluster",)]))
        (schema,) = handed
        for name in ("v_workers", "v_cibest_prayer", "v_monthly_revenue", "v_monthly_costs"):
            assert str(schema.field(name).type) == "int64", name


class TestTablesFreed:
    @SETTINGS
    @given(obs=record_surveys())
    def test_a_round_keys_table_is_gone_once_its_plan_is_made(self, obs: Observations) -> None:
        # Round key n's table is read while n-1's plan is collected; n-1's table is no longer
        # needed then (its plan holds the columns) and must be gone, freed by reference counts
        # alone (the report pauses the cyclic collector).
        alive: list[weakref.ref[Any]] = []
        seen: list[int] = []
        init = _members.MemberTable.__init__

        def reading(table: Any, *args: Any, **kwargs: Any) -> None:
            seen.append(sum(ref() is not None for ref in alive))
            alive.append(weakref.ref(table))
            init(table, *args, **kwargs)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_members.MemberTable, "__init__", reading)
            engine = Measurement(obs.program, obs, backend="polars")
            fast = engine.report(["members", "income_per_capita", "poverty_headcount"], by=SPECS)
        assert len(seen) == len(KINDS)
        assert seen == [0, 0, 0]
        python = Measurement(obs.program, obs, backend="python")
        assert fast == python.report(
            ["members", "income_per_capita", "poverty_headcount"], by=SPECS
        )
