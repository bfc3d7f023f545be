"""CIBEST transitions between rounds as an engine table (Measurement.cibest_transitions)."""

from __future__ import annotations

import datetime as dt
import importlib.util
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import klaster
from klaster.measurement import Measurement
from klaster.measurement.methods import (
    CibestConfig,
    MaterialLine,
    PovertyLines,
    Quadrant,
    cibest_transitions,
    place_households,
    spiritual_score,
)
from klaster.measurement.na import NotAvailable
from klaster.measurement.transitions import TransitionTable
from klaster.observations import Observations, Round, core_variables
from klaster.observations.core_variables import CIBEST_ITEMS

DATA = Path(__file__).resolve().parents[2] / "examples" / "data" / "bantaeng.json"
FAST = importlib.util.find_spec("polars") is not None  # the fast path is checked too
PROGRAM = klaster.load(DATA)
MEMBERS = [m for m in PROGRAM.clusters["bantaeng"].members if m.left is None][:60]
DATES = {"bl": dt.date(2011, 6, 15), "el": dt.date(2014, 3, 1)}
KINDS = {"bl": "baseline", "el": "endline"}

answer = st.fixed_dictionaries(
    {
        "surveyed": st.booleans(),
        "monthly_income": st.one_of(st.none(), st.integers(0, 4_000_000)),
        "household_size": st.one_of(st.none(), st.integers(1, 8)),
        "items": st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=5, max_size=5),
    }
)
surveys = st.lists(st.tuples(answer, answer), min_size=len(MEMBERS), max_size=len(MEMBERS))


def _observations(rounds: list[tuple[dict[str, Any], dict[str, Any]]]) -> Observations:
    obs = Observations(PROGRAM, core_variables())
    for number, round_id in enumerate(("bl", "el")):
        obs.add_round(Round(round_id, "bantaeng", KINDS[round_id], DATES[round_id]))
        rows = []
        for member, pair in zip(MEMBERS, rounds, strict=True):
            found = pair[number]
            if not found["surveyed"]:
                continue
            values: dict[str, Any] = {
                "monthly_income": found["monthly_income"],
                **{c: v for c, v in zip(CIBEST_ITEMS, found["items"], strict=True) if v},
            }
            if found["household_size"] is not None:
                values["household_size"] = found["household_size"]
            rows.append((member.id, values))
        obs.record_many(round_id, rows)
    return obs


def _by_hand(obs: Observations, round_id: str, units: set[str] | None = None) -> Any:
    """The round placed with the pure functions, as an analyst would without the engine."""
    line = PovertyLines.bps_national().lookup("national", DATES[round_id])
    assert not isinstance(line, NotAvailable)
    config = CibestConfig(MaterialLine.poverty_line(line.rupiah, "BPS"))
    ids = [u for u in obs.units(round_id) if units is None or u in units]
    incomes = [obs.value(round_id, u, "monthly_income") for u in ids]
    scores = [spiritual_score([obs.value(round_id, u, c) for c in CIBEST_ITEMS]) for u in ids]
    sizes = [
        obs.value(round_id, u, "household_size")
        or PROGRAM.clusters["bantaeng"].members[u].household_size
        for u in ids
    ]
    return place_households(ids, incomes, scores, config, household_sizes=sizes)


class TestTransitionTable:
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(rounds=surveys)
    def test_counts_add_up_and_match_the_function(
        self, rounds: list[tuple[dict[str, Any], dict[str, Any]]]
    ) -> None:
        obs = _observations(rounds)
        table = Measurement(PROGRAM, obs).cibest_transitions(by=[(), ("sex",)])
        if FAST:
            fast = Measurement(PROGRAM, obs, backend="polars")
            assert fast.cibest_transitions(by=[(), ("sex",)]) == table
        expected = cibest_transitions(_by_hand(obs, "bl"), _by_hand(obs, "el"))
        if not (expected.paired or expected.only_a or expected.only_b):
            assert table.cells == ()  # nobody placed in either round: no cell
            return
        assert table.transitions() == expected
        for combo, found in table.cells:
            assert sum(row.count for row in table if row.by == combo) == found.paired
            assert sum(map(sum, found.matrix)) == found.paired
        by_sex = [found for combo, found in table.cells if combo]
        assert sum(f.paired for f in by_sex) == expected.paired
        assert sum(f.only_a for f in by_sex) == expected.only_a
        for combo, found in table.cells:
            if combo:
                sex = dict(combo)["sex"]
                units = {m.id for m in MEMBERS if m.sex.value == sex}
                restricted = cibest_transitions(
                    _by_hand(obs, "bl", units), _by_hand(obs, "el", units)
                )
                assert found == restricted

    def test_rows_records_and_shares(self) -> None:
        rounds = [
            (
                {
                    "surveyed": True,
                    "monthly_income": 100_000,
                    "household_size": 4,
                    "items": [2] * 5,
                },
                {
                    "surveyed": n % 3 != 0,
                    "monthly_income": 9_000_000,
                    "household_size": 4,
                    "items": [5] * 5,
                },
            )
            for n in range(len(MEMBERS))
        ]
        table = Measurement(PROGRAM, _observations(rounds)).cibest_transitions()
        assert isinstance(table, TransitionTable)
        assert len(table) == 16
        moved = table.count(Quadrant.ABSOLUTE_POVERTY, Quadrant.WELFARE)
        gone = len([n for n in range(len(MEMBERS)) if n % 3 == 0])
        assert moved == len(MEMBERS) - gone
        found = table.transitions()
        assert (found.paired, found.only_a, found.only_b) == (moved, gone, 0)
        assert found.only_a_by_quadrant == (0, 0, 0, gone)
        records = table.to_records()
        line = next(r for r in records if r["count"])
        assert line["before_en"] == "Quadrant IV: absolute poverty"
        assert line["after_id"] == "Kuadran I: sejahtera"
        assert line["share"] == 1
        assert line["share_of_before"] == 1
        assert (line["paired"], line["only_before"], line["only_after"]) == (moved, gone, 0)
        empty = next(r for r in records if r["before"] == "welfare")
        assert empty["share_of_before"] is None  # nobody started in quadrant I
        for frame in (table.to_pandas(), table.to_polars()):
            assert len(frame) == 16
            assert int(frame["count"].sum()) == moved
            assert float(frame["share"].max()) == 1.0

    def test_clusters_add_up(self) -> None:
        path = Path(__file__).resolve().parents[2] / "bench" / "_measurement_data.py"
        spec = importlib.util.spec_from_file_location("measurement_data", path)
        assert spec is not None
        assert spec.loader is not None
        data = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(data)
        program, obs = data.build(2_000)
        engine = Measurement(program, obs)
        by = [(), ("cluster",), ("cluster", "sector"), ("kecamatan",), ("kabupaten", "sex")]
        table = engine.cibest_transitions("baseline", "midline", by=by)
        if FAST:
            fast = Measurement(program, obs, backend="polars")
            assert fast.cibest_transitions("baseline", "midline", by=by) == table
        total = table.transitions()
        parts = [f for combo, f in table.cells if len(combo) == 1 and combo[0][0] == "cluster"]
        assert len(parts) == 2
        assert sum(f.paired for f in parts) == total.paired > 0
        assert sum(f.only_b for f in parts) == total.only_b
        # Every member has one kabupaten and one sex: those cells add up too.
        regional = [f for combo, f in table.cells if combo and combo[0][0] == "kabupaten"]
        assert len(regional) > 2
        assert sum(f.paired for f in regional) == total.paired
        assert sum(f.only_a for f in regional) == total.only_a
        # The same placement as the report's quadrant shares.
        share = engine.report(["cibest_welfare"], by=[()]).row("cibest_welfare", "baseline")
        assert share.denominator == total.paired + total.only_a

    def test_errors_are_located(self) -> None:
        nobody: dict[str, Any] = {
            "surveyed": False,
            "monthly_income": None,
            "household_size": None,
            "items": [],
        }
        engine = Measurement(PROGRAM, _observations([(nobody, nobody)] * len(MEMBERS)))
        with pytest.raises(klaster.ValidationError, match="cannot split transitions by 'group'"):
            engine.cibest_transitions(by=[("group",)])
        for dim in ("cooperative", "kota"):
            with pytest.raises(klaster.ValidationError, match=f"by {dim!r}; use cluster") as found:
                engine.cibest_transitions(by=[("sex", dim)])
            assert found.value.path == "by"
            assert "kabupaten" in str(found.value)
            assert "cooperative," not in str(found.value)
        assert engine.cibest_transitions(by=[("kabupaten",)]).cells == ()  # nobody placed
        with pytest.raises(klaster.NotFoundError, match="no round 'midline'") as info:
            engine.cibest_transitions("midline", "endline")
        assert info.value.path == "from_round"
        table = engine.cibest_transitions()
        with pytest.raises(klaster.NotFoundError, match="no member was placed in either round"):
            table.transitions(sex="female")


def test_shares_are_decimal() -> None:
    rounds = [
        (
            {"surveyed": True, "monthly_income": 100, "household_size": 1, "items": [1] * 5},
            {"surveyed": True, "monthly_income": 100, "household_size": 1, "items": [1] * 5},
        )
    ] * len(MEMBERS)
    rows = list(Measurement(PROGRAM, _observations(rounds)).cibest_transitions())
    stayed = next(r for r in rows if r.count)
    assert stayed.share == Decimal(1)
    assert stayed.before is stayed.after is Quadrant.ABSOLUTE_POVERTY
