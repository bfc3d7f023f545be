"""variables_needed: which observation variables a report reads (issue 18).

The test is an equality: for every indicator of the catalogue (core and the three sector
plugins) and several disaggregations, the report computed from observations holding only the
needed variables equals the report from all of them, on the python and polars backends, for the
Bantaeng example and the benchmark's synthetic program.
"""

from __future__ import annotations

import importlib.util
import random
import tempfile
import warnings
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import klaster
from klaster.catalogue import Indicator
from klaster.catalogue.indicator import Aggregation, Direction
from klaster.catalogue.variable import Level
from klaster.errors import NotFoundError, ValidationError
from klaster.label import Label
from klaster.measurement import Measurement, variables_needed
from klaster.model.program import Program
from klaster.observations import (
    CIBEST_ITEMS,
    SOCIAL_CAPITAL_ITEMS,
    Observations,
    load,
    save,
    variable_catalogue,
)
from klaster.store import Store

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "examples" / "data" / "bantaeng.json"
SIDECAR = PROGRAM.with_name("bantaeng.observations.jsonl")
BENCH_DATA = ROOT / "bench" / "_measurement_data.py"
BYS = ["cluster", "cluster,sector", "sex,group", "kabupaten,business_type"]
BACKENDS = ["python", "polars"]


def enriched(program: Program, whole: Observations, seed: int) -> Observations:
    """``whole`` plus what makes a wrong answer show: household sizes recorded unlike the
    member records, CIBEST and social-capital answers with gaps, ``group_active`` for some
    groups, and members surveyed only through a variable no indicator reads."""
    rng = random.Random(seed)
    out = Observations(program, variable_catalogue())
    items = (*CIBEST_ITEMS, *SOCIAL_CAPITAL_ITEMS)
    for rnd in whole.rounds():
        out.add_round(rnd)
        cluster = program.clusters[rnd.cluster_id]
        for level in (Level.MEMBER, Level.GROUP, Level.COOPERATIVE):
            rows = {u: whole.row(rnd.id, u, level) or {} for u in whole.units(rnd.id, level)}
            if level is Level.MEMBER:
                for member in cluster.members:
                    row = rows.get(member.id)
                    if row is None:
                        if rng.random() < 0.3:  # surveyed, but only through another variable
                            rows[member.id] = {"monthly_expenditure": Decimal(500_000)}
                        continue
                    if rng.random() < 0.7:
                        row["household_size"] = member.household_size + rng.randrange(3)
                    row.update({i: rng.randint(1, 5) for i in items if rng.random() < 0.9})
            elif level is Level.GROUP:
                for group in cluster.groups:
                    if rng.random() < 0.6:
                        rows.setdefault(group.id, {})["group_active"] = rng.random() < 0.6
            if rows:
                out.record_many(rnd.id, list(rows.items()))
    return out


@cache
def bantaeng() -> tuple[Program, Observations, Path]:
    program = klaster.load(PROGRAM)
    whole = enriched(program, load(SIDECAR, program, variable_catalogue()), 18)
    path = Path(tempfile.mkdtemp()) / "bantaeng.observations.jsonl"
    save(whole, path)
    return program, whole, path


@cache
def bantaeng_only(needed: frozenset[str]) -> Observations:
    program, _, path = bantaeng()
    return load(path, program, variable_catalogue(), only=needed)


def records(program: Program, observations: Observations, code: Any, by: str, backend: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        engine = Measurement(program, observations, backend=backend)
        return engine.report(code, by=by).to_records()


def every_code() -> tuple[str, ...]:
    program, observations, _ = bantaeng()
    return Measurement(program, observations).codes()


class TestAnswer:
    def test_the_bench_indicators_read_income_and_household_size(self) -> None:
        codes = "members,income_per_capita,income_change_pct,poverty_headcount"
        assert variables_needed(codes, by="cluster,sector") == {"monthly_income", "household_size"}

    def test_counts_from_the_records_read_nothing(self) -> None:
        assert variables_needed(["members", "groups", "legal_cooperatives"]) == frozenset()

    def test_active_groups_read_what_the_field_team_recorded(self) -> None:
        assert variables_needed("active_groups") == {"group_active"}

    def test_a_formula_reads_through_the_indicators_it_names_in_any_round(self) -> None:
        def indicator(code: str, formula: str) -> Indicator:
            label = Label(code, code)
            return Indicator(
                code, "umkm", label, Level.MEMBER, formula, Aggregation.MEAN, Direction.HIGHER
            )

        catalogue = [
            indicator("margin", "monthly_revenue - baseline(monthly_costs)"),
            indicator("margin_up", "margin - previous(workers)"),
        ]
        found = variables_needed("margin_up", catalogue=catalogue)
        assert found == {"monthly_revenue", "monthly_costs", "workers"}

    def test_every_indicator_by_default(self) -> None:
        assert {"monthly_income", "group_active", "herd_end"} <= variables_needed()

    def test_an_unknown_indicator_is_named_with_the_closest(self) -> None:
        with pytest.raises(NotFoundError, match="income_per_capita") as caught:
            variables_needed(["members", "income_per_capita_"])
        assert "indicators[1]" in str(caught.value)

    def test_an_unknown_dimension_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="secter"):
            variables_needed("members", by="cluster,secter")

    def test_a_catalogue_of_something_else_is_refused(self) -> None:
        with pytest.raises(ValidationError, match=r"catalogue\[0\]"):
            variables_needed("members", catalogue=["x"])  # type: ignore[list-item]


class TestSameFiguresBantaeng:
    @pytest.mark.parametrize("backend", BACKENDS)
    @pytest.mark.parametrize("by", BYS)
    def test_every_indicator_from_only_the_needed_variables(self, backend: str, by: str) -> None:
        program, whole, _ = bantaeng()
        for code in every_code():
            needed = variables_needed(code, by=by)
            part = bantaeng_only(needed)
            assert part.selected == needed
            assert records(program, part, code, by, backend) == records(
                program, whole, code, by, backend
            ), code

    def test_the_check_fails_when_a_variable_is_dropped(self) -> None:
        program, whole, _ = bantaeng()
        needed = variables_needed("income_per_capita") - {"monthly_income"}
        part = bantaeng_only(needed)
        for code in ("income_per_capita", "poverty_headcount"):
            assert records(program, part, code, "cluster", "python") != records(
                program, whole, code, "cluster", "python"
            )

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def test_any_set_of_indicators(self, data: st.DataObject) -> None:
        codes = data.draw(st.lists(st.sampled_from(every_code()), min_size=1, max_size=6))
        by = data.draw(st.sampled_from(BYS))
        backend = data.draw(st.sampled_from(BACKENDS))
        program, whole, _ = bantaeng()
        part = bantaeng_only(variables_needed(codes, by=by))
        assert records(program, part, codes, by, backend) == records(
            program, whole, codes, by, backend
        )


@cache
def synthetic(folder: Path) -> tuple[Program, Observations, Path]:
    spec = importlib.util.spec_from_file_location("klaster_bench_measurement_data", BENCH_DATA)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    program, observations = module.build(2_000)
    observations = enriched(program, observations, 2011)
    path = folder / "bench.klaster"
    Store.create(path, program, observations=observations).close()
    return program, observations, path


class TestSameFiguresSynthetic:
    @pytest.mark.parametrize("backend", BACKENDS)
    def test_every_indicator_from_the_store(
        self, backend: str, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        program, _, path = synthetic(tmp_path_factory.getbasetemp())
        with Store.open(path, readonly=True) as store:
            whole = store.load_observations(program=program)
            loaded: dict[frozenset[str], Observations] = {}
            for code in Measurement(program, whole).codes():
                for by in ("cluster,sector", "sex"):
                    needed = variables_needed(code, by=by)
                    if needed not in loaded:
                        loaded[needed] = store.load_observations(program=program, only=needed)
                    part = loaded[needed]
                    assert records(program, part, code, by, backend) == records(
                        program, whole, code, by, backend
                    ), (code, by)

    def test_the_check_fails_when_the_recorded_household_size_is_dropped(self) -> None:
        # A household size recorded in the round replaces the member record's.
        program, whole, _ = bantaeng()
        needed = variables_needed(["income_per_capita", "household_members"])
        part = bantaeng_only(needed - {"household_size"})
        for code in ("income_per_capita", "household_members"):
            assert records(program, part, code, "cluster", "polars") != records(
                program, whole, code, "cluster", "polars"
            )

    def test_units_surveyed_through_other_variables_only_are_kept(self) -> None:
        # Such a member counts as missing in the figures: dropping it would change them.
        _, whole, _ = bantaeng()
        part = bantaeng_only(variables_needed("income_per_capita"))
        others = [
            (r.id, u)
            for r in whole.rounds()
            for u in whole.units(r.id)
            if not {"monthly_income", "household_size"} & set(whole.row(r.id, u) or {})
        ]
        assert others
        for rnd in whole.rounds():
            assert part.units(rnd.id) == whole.units(rnd.id)
