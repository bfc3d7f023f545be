"""The fast path queries only what a report's indicators read (issue 18).

Sums per poverty line only for P1 and P2; the round's household sizes only for
``household_members``; the members active on a round's date selected in the round key's plan.
Skipped where the ``columnar`` extra (polars, numpy) is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given

pytest.importorskip("polars")
pytest.importorskip("numpy")

import polars as pl
from tests.measurement.backends.test_polars_records import KINDS, SETTINGS, SPECS, surveys

from klaster.measurement._backends.polars import cells
from klaster.measurement._backends.polars.cells import Naming
from klaster.measurement._backends.polars.program import Records
from klaster.measurement._backends.polars.read import SurveyedUnits
from klaster.measurement.engine import Measurement
from klaster.measurement.methods.poverty_lines import PovertyLines
from klaster.observations.values import Observations

POVERTY = ("poverty_headcount", "poverty_gap", "poverty_severity")


def _report(obs: Observations, backend: str, codes: list[str]) -> Any:
    return Measurement(obs.program, obs, backend=backend).report(codes, by=SPECS)


class TestPovertyLines:
    @pytest.mark.parametrize(
        ("codes", "depth", "severity"),
        [
            (["poverty_headcount"], False, False),
            (["poverty_gap"], True, False),
            (["poverty_severity"], False, True),
            (list(POVERTY), True, True),
        ],
    )
    @SETTINGS
    @given(obs=surveys())
    def test_sums_per_line_are_queried_only_for_p1_and_p2(
        self, codes: list[str], depth: bool, severity: bool, obs: Observations
    ) -> None:
        queried: list[str] = []
        query = cells._per_line_query

        def counted(poor: Any, keys: Any, by: Any, value: str) -> Any:
            queried.append(value)
            return query(poor, keys, by, value)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(cells, "_per_line_query", counted)
            fast = _report(obs, "polars", codes)
        assert fast == _report(obs, "python", codes)
        assert ("_g" in queried) is depth
        assert ("_g2" in queried) is severity


class TestActiveMembers:
    @pytest.mark.parametrize(
        ("codes", "read"),
        [(["members", "groups"], False), (["members", "household_members"], True)],
    )
    @SETTINGS
    @given(obs=surveys())
    def test_the_rounds_household_sizes_are_read_only_for_household_members(
        self, codes: list[str], read: bool, obs: Observations
    ) -> None:
        columns: list[str] = []
        with _calls(SurveyedUnits, "column", columns):
            fast = _report(obs, "polars", codes)
        assert fast == _report(obs, "python", codes)
        assert ("household_size" in columns) is read

    @SETTINGS
    @given(obs=surveys())
    def test_the_members_active_on_a_date_are_a_query_of_the_round_keys_plan(
        self, obs: Observations
    ) -> None:
        program = obs.program
        engine = Measurement(program, obs, backend="polars")
        frames = {r.id: engine.frame(r.id) for r in obs.rounds()}
        naming = Naming([c.id for c in program.clusters])
        any_frame = {f.cluster.id: f for f in frames.values()}
        records = Records(program, any_frame, ["sector"], naming)
        for kind in KINDS:
            of_kind = [f for f in frames.values() if f.round.kind == kind]
            active = records.active_members(records.on(of_kind), records.surveyed([], []), None)
            assert isinstance(active, pl.LazyFrame)  # selected where the plan is collected
            found = active.collect()
            assert found.columns == ["_c", "size", "_d_sector"]
            expected = [
                (c, m.household_size, naming.codes("sector")[m.sector])
                for frame in of_kind
                for c in [naming.cluster_index[frame.cluster.id]]
                for m in frame.cluster.members
                if m.is_active(frame.round.on)
            ]
            assert sorted(found.rows()) == sorted(expected)


class TestLineSearch:
    @SETTINGS
    @given(obs=surveys())
    def test_the_area_searched_from_is_found_once_per_cluster_not_per_round_key(
        self, obs: Observations
    ) -> None:
        searched: list[str] = []
        with _calls(PovertyLines, "searched_from", searched):
            fast = _report(obs, "polars", ["poverty_headcount"])
        assert fast == _report(obs, "python", ["poverty_headcount"])
        assert len(searched) == len({r.cluster_id for r in obs.rounds()})


@contextmanager
def _calls(owner: Any, name: str, seen: list[Any]) -> Iterator[None]:
    """``owner.name`` spied on: each call's first argument after ``self`` kept in ``seen``."""
    real = getattr(owner, name)

    def spy(this: Any, first: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(first)
        return real(this, first, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(owner, name, spy)
        yield
