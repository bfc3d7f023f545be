"""Change since the previous round and since a named round, on both backends.

``previous(x)``, ``change_prev(x)``, ``pct_change_prev(x)``, ``at_round(x, 'R')``,
``change_since(x, 'R')`` and ``pct_change_since(x, 'R')``: compiled once, resolved per cluster by
``klaster.measurement.round_refs``, executed by the Python and the polars backends alike.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klaster import (
    Cluster,
    ClusterSector,
    DocumentError,
    Label,
    Member,
    Organisation,
    Program,
    Region,
    Sex,
)
from klaster.catalogue import Aggregation, Direction, Indicator, Level
from klaster.catalogue.formula import FormulaError, parse
from klaster.measurement._frames import frames_of
from klaster.measurement.compiler import Kind, Load, Shift, compile_formula
from klaster.measurement.engine import Measurement
from klaster.observations.core_variables import variable_catalogue
from klaster.observations.rounds import Round
from klaster.observations.values import Observations
from klaster.plugins.sectorfile import read_sector_toml

D = Decimal
START = dt.date(2011, 1, 1)
CATALOGUE = variable_catalogue()


def _cluster(c: int, size: int = 4) -> Cluster:
    desa = Region.desa(f"Desa {c}", f"7{c}.01.01.2001")
    region = Region.province(
        f"Provinsi {c}",
        f"7{c}",
        [
            Region.kabupaten(
                f"Kab {c}", f"7{c}.01", [Region.kecamatan("Kec", f"7{c}.01.01", [desa])]
            )
        ],
    )
    members = [
        Member(
            id=f"c{c}-m{n}",
            name=f"Mitra {n}",
            sex=Sex.FEMALE if n % 2 else Sex.MALE,
            household_size=1 + n % 4,
            village=desa.name,
            sector="umkm",
            joined=START,
            business_type=None,
        )
        for n in range(1, size + 1)
    ]
    return Cluster(
        id=f"c{c}",
        name=f"Klaster {c}",
        region=region,
        sectors=[ClusterSector("umkm", "dd")],
        members=members,
    )


def _program(clusters: int = 1) -> Program:
    return Program(
        id="p",
        name="Program",
        organisation_id="dd",
        organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")],
        clusters=[_cluster(c) for c in range(clusters)],
    )


def _indicator(code: str, formula: str, how: str = "sum") -> Indicator:
    return Indicator(
        code, "umkm", Label(code, code), Level.MEMBER, formula, Aggregation(how), Direction.HIGHER
    )


# The hand-computed example: one cluster, three rounds; member 2 not surveyed at the midline,
# member 3's revenue zero at the baseline and the endline, member 4 not surveyed at the baseline.
REVENUE = {
    "R1": {"c0-m1": 100, "c0-m2": 200, "c0-m3": 0},
    "R2": {"c0-m1": 150, "c0-m3": 50, "c0-m4": 80},
    "R3": {"c0-m1": 120, "c0-m2": 300, "c0-m3": 0, "c0-m4": 100},
}
HAND = [
    _indicator("prev", "previous(monthly_revenue)"),
    _indicator("chg_prev", "change_prev(monthly_revenue)"),
    _indicator("pct_prev", "pct_change_prev(monthly_revenue)"),
    _indicator("at_r1", "at_round(monthly_revenue, 'R1')"),
    _indicator("chg_r1", "change_since(monthly_revenue, 'R1')"),
    _indicator("pct_r1", "pct_change_since(monthly_revenue, 'R1')"),
    _indicator("at_mid", "at_round(monthly_revenue, 'midline')"),  # a round key
]


@pytest.fixture(scope="module")
def three_rounds() -> Observations:
    obs = Observations(_program(), CATALOGUE)
    kinds = {"R1": ("baseline", "2012-01-10"), "R2": ("midline", "2013-01-10")}
    kinds["R3"] = ("endline", "2014-01-10")
    for round_id, (kind, on) in kinds.items():
        obs.add_round(Round(round_id, "c0", kind, on))
        obs.record_many(
            round_id, [(u, {"monthly_revenue": v}) for u, v in REVENUE[round_id].items()]
        )
    return obs


def _values(engine: Measurement, code: str, round_id: str) -> dict[str, Any]:
    units, values = engine.unit_values(code, round_id)
    return dict(zip(units, values, strict=True))


def test_hand_computed_unit_values(three_rounds: Observations) -> None:
    engine = Measurement(three_rounds.program, three_rounds, indicators=HAND)
    assert set(_values(engine, "prev", "R1").values()) == {None}  # the first round has none
    assert _values(engine, "prev", "R2") == {"c0-m1": 100, "c0-m3": 0, "c0-m4": None}
    assert _values(engine, "prev", "R3") == {"c0-m1": 150, "c0-m2": None, "c0-m3": 50, "c0-m4": 80}
    assert _values(engine, "chg_prev", "R3") == {
        "c0-m1": -30, "c0-m2": None, "c0-m3": -50, "c0-m4": 20,
    }  # fmt: skip
    # A zero denominator is missing, as pct_change's.
    assert _values(engine, "pct_prev", "R2") == {"c0-m1": 50, "c0-m3": None, "c0-m4": None}
    assert _values(engine, "pct_prev", "R3") == {
        "c0-m1": -20, "c0-m2": None, "c0-m3": -100, "c0-m4": 25,
    }  # fmt: skip
    assert _values(engine, "at_r1", "R3") == {
        "c0-m1": 100, "c0-m2": 200, "c0-m3": 0, "c0-m4": None,
    }  # fmt: skip
    assert _values(engine, "chg_r1", "R3") == {
        "c0-m1": 20, "c0-m2": 100, "c0-m3": 0, "c0-m4": None,
    }  # fmt: skip
    assert _values(engine, "pct_r1", "R3") == {
        "c0-m1": 20, "c0-m2": 50, "c0-m3": None, "c0-m4": None,
    }  # fmt: skip
    assert _values(engine, "chg_r1", "R1") == {"c0-m1": 0, "c0-m2": 0, "c0-m3": 0}
    assert _values(engine, "at_mid", "R3") == {
        "c0-m1": 150, "c0-m2": None, "c0-m3": 50, "c0-m4": 80,
    }  # fmt: skip
    # Divisions keep 18 decimals, exactly as the division rule says.
    assert _values(engine, "pct_r1", "R3")["c0-m1"] == D("20.000000000000000000")


@pytest.mark.parametrize("backend", ["python", "polars"])
def test_hand_computed_figures_on_both_backends(three_rounds: Observations, backend: str) -> None:
    if backend == "polars":
        pytest.importorskip("polars")
    engine = Measurement(three_rounds.program, three_rounds, indicators=HAND, backend=backend)
    found = engine.report([i.code for i in HAND], by=[()])
    expected = {  # (code, round key): (sum, units with a value)
        ("prev", "midline"): (100, 2),
        ("prev", "endline"): (280, 3),
        ("chg_prev", "midline"): (100, 2),
        ("chg_prev", "endline"): (-60, 3),
        ("pct_prev", "midline"): (50, 1),
        ("pct_prev", "endline"): (-95, 3),
        ("at_r1", "endline"): (300, 3),
        ("chg_r1", "endline"): (120, 3),
        ("pct_r1", "endline"): (70, 2),
        ("pct_r1", "midline"): (50, 1),
        ("at_mid", "endline"): (280, 3),
    }
    for (code, key), (total, n) in expected.items():
        row = found.row(code, key)
        assert row.value == D(total), (code, key)
        assert row.n == n, (code, key)
    assert found.row("prev", "baseline").n == 0
    if backend == "polars":  # computed there, not left to the Python path
        from klaster.measurement._backends.polars import path as _polars

        frames = frames_of(engine.program, three_rounds, engine.poverty_lines)
        done, _ = _polars.blocks(engine, HAND, frames, [()])
        assert {code for code, _ in done} == {i.code for i in HAND}


def test_the_first_round_says_why_there_is_no_previous_value(three_rounds: Observations) -> None:
    engine = Measurement(three_rounds.program, three_rounds, indicators=HAND)
    found = engine.report(["chg_prev", "chg_r1"], by=[()])
    assert str(found.row("chg_prev", "baseline").value) == (
        "n/a (chg_prev compares with the previous round; this is the first round)"
    )
    assert found.row("chg_r1", "baseline").value == 0  # R1 compared with itself


def test_the_innermost_round_function_wins() -> None:
    kinds = {"x": Kind.NUMBER}
    assert compile_formula(parse("baseline(previous(x))"), kinds) == Load(
        "x", Kind.NUMBER, Shift.PREVIOUS
    )
    assert compile_formula(parse("previous(at_round(x, 'R1'))"), kinds) == Load(
        "x", Kind.NUMBER, "R1"
    )


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("previous(x, 'R1')", r"previous\(\) takes 1 argument\(s\), got 2"),
        ("change_prev()", r"change_prev\(\) takes 1 argument\(s\), got 0"),
        ("at_round(x)", r"at_round\(\) takes 2 argument\(s\), got 1"),
        ("change_since(x, 'R1', 'R2')", r"takes 2 argument\(s\), got 3"),
        ("at_round(x, crop)", r"second argument must be a round ID or key written in quotes"),
        ("change_since(x, '')", r"second argument must be a round ID or key written in quotes"),
        ("pct_change_since(x, 1)", r"second argument must be a round ID or key"),
        ("change_prev(crop)", r"change_prev\(\) needs number values, got text"),
        ("pct_change_since(crop, 'R1')", r"needs number values, got text"),
    ],
)
def test_bad_calls_are_located(formula: str, message: str) -> None:
    kinds = {"x": Kind.NUMBER, "crop": Kind.TEXT}
    with pytest.raises(FormulaError, match=message) as caught:
        compile_formula(parse(formula), kinds)
    assert caught.value.position == 0  # under the function's name


def test_an_unknown_round_is_refused_when_evaluated(three_rounds: Observations) -> None:
    typo = _indicator("since_mid", "1 + change_since(monthly_revenue, 'midlien')")
    engine = Measurement(three_rounds.program, three_rounds, indicators=[typo])
    for backend in ("python", "polars"):
        engine.backend = backend
        with pytest.raises(FormulaError) as caught:
            engine.report(["since_mid"])
        error = caught.value
        assert error.path == "indicators[since_mid].formula"
        assert error.position == 4
        assert "unknown round 'midlien'; did you mean 'midline'?" in str(error)
        assert "by ID (R1, R2, R3) or key (baseline, midline, endline)" in str(error)
    with pytest.raises(FormulaError, match="unknown round"):
        engine.unit_values("since_mid", "R3")
    # A round added since is known at once (the program's round names are not kept stale).
    later = Observations(three_rounds.program, CATALOGUE)
    for found in three_rounds.rounds():
        later.add_round(found)
    engine = Measurement(later.program, later, indicators=[typo])
    with pytest.raises(FormulaError, match="unknown round"):
        engine.report(["since_mid"])
    later.add_round(Round("midlien", "c0", "monitoring", "2015-01-10"))
    engine.report(["since_mid"])  # no longer refused
    # An indicator reading it is refused too.
    reader = _indicator("reader", "since_mid * 2")
    engine = Measurement(three_rounds.program, three_rounds, indicators=[typo, reader])
    with pytest.raises(FormulaError, match=r"indicators\[reader\].formula: unknown round"):
        engine.report(["reader"])


def test_a_round_of_another_cluster_gives_missing_values() -> None:
    obs = Observations(_program(2), CATALOGUE)
    for c in (0, 1):
        for kind, on in (("baseline", "2012-01-10"), ("endline", "2014-01-10")):
            round_id = f"c{c}-{kind}"
            obs.add_round(Round(round_id, f"c{c}", kind, on))
            obs.record_many(round_id, [(f"c{c}-m1", {"monthly_revenue": 10 * (c + 1)})])
    since = [_indicator("by_id", "change_since(monthly_revenue, 'c0-baseline')")]
    since.append(_indicator("by_key", "change_since(monthly_revenue, 'baseline')"))
    engine = Measurement(obs.program, obs, indicators=since)
    assert _values(engine, "by_id", "c0-endline") == {"c0-m1": 0}
    assert _values(engine, "by_id", "c1-endline") == {"c1-m1": None}
    assert _values(engine, "by_key", "c1-endline") == {"c1-m1": 0}


def test_a_sector_file_locates_a_bad_call() -> None:
    text = """
[sector]
code = "fisheries"
name = { id = "Perikanan", en = "Fisheries" }
description = { id = "Perikanan tangkap", en = "Capture fisheries" }

[[indicators]]
code = "catch_change"
name = { id = "Perubahan", en = "Change" }
level = "member"
formula = "change_prev(catch_kg, 'R1')"
aggregation = "mean"
direction = "higher"
"""
    with pytest.raises(DocumentError) as caught:
        read_sector_toml(text, source="fisheries.toml")
    assert "indicators[0]" in str(caught.value.problems)
    assert "change_prev() takes 1 argument(s), got 2" in str(caught.value.problems)


def test_a_sector_file_indicator_reads_the_previous_round(three_rounds: Observations) -> None:
    text = """
[sector]
code = "fisheries"
name = { id = "Perikanan", en = "Fisheries" }
description = { id = "Perikanan tangkap", en = "Capture fisheries" }

[[indicators]]
code = "revenue_up"
sector = "umkm"
name = { id = "Omzet naik", en = "Revenue up" }
level = "member"
formula = "change_prev(monthly_revenue) > 0"
aggregation = "share_meeting"
direction = "higher"
"""
    data = read_sector_toml(text, source="fisheries.toml")
    engine = Measurement(three_rounds.program, three_rounds, indicators=data.indicators)
    assert _values(engine, "revenue_up", "R2") == {"c0-m1": True, "c0-m3": True, "c0-m4": None}
    assert engine.report(["revenue_up"], by=[()]).row("revenue_up", "endline").n == 3


# -- both backends agree on random programs --------------------------------------------------

ALL = [
    *HAND[:3],
    _indicator("chg_first", "change_since(monthly_revenue, 'baseline')", "mean"),
    _indicator("pct_mid", "pct_change_since(monthly_revenue, 'c0-r1')", "mean"),
    _indicator("grew", "change_prev(monthly_revenue) > 0", "share_meeting"),
    _indicator("prev_costs", "coalesce(previous(monthly_costs), 0) / (monthly_costs + 1)", "mean"),
    _indicator(
        "ratio_prev", "change_prev(monthly_revenue) / previous(monthly_revenue)", "ratio_of_sums"
    ),
    _indicator("by_id", "at_round(monthly_revenue, 'c1-r0') + change(monthly_revenue)"),
]
KINDS = ["baseline", "midline", "monitoring", "endline"]
amounts = st.one_of(
    st.none(), st.just(0), st.integers(0, 2_000_000), st.decimals(0, 9999, places=2)
)


@st.composite
def surveys(draw: st.DrawFn) -> Observations:
    program = _program(2)
    obs = Observations(program, CATALOGUE)
    for cluster in program.clusters:
        count = draw(st.integers(2, 4))
        later = st.lists(st.sampled_from(KINDS[1:3]), min_size=count - 1, max_size=count - 1)
        first = "baseline" if cluster.id == "c0" else draw(st.sampled_from(KINDS[:3]))
        kinds = [first, *sorted(draw(later))]  # c1 may have no baseline
        if draw(st.booleans()):
            kinds[-1] = "endline"
        day = dt.date(2012, 1, 1)
        for r, kind in enumerate(kinds):
            day += dt.timedelta(days=draw(st.sampled_from([0, 30, 200])))  # rounds may share a day
            round_id = f"{cluster.id}-r{r}"
            obs.add_round(Round(round_id, cluster.id, kind, day))
            rows = []
            for member in cluster.members:
                if not draw(st.integers(0, 4)):
                    continue  # not surveyed in this round
                row = {"monthly_revenue": draw(amounts), "monthly_costs": draw(amounts)}
                rows.append((member.id, {k: v for k, v in row.items() if v is not None}))
            obs.record_many(round_id, [(u, v or {"monthly_income": None}) for u, v in rows])
    return obs


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obs=surveys())
def test_both_backends_give_equal_figures(obs: Observations) -> None:
    pytest.importorskip("polars")
    by = [(), ("cluster",), ("sex",)]
    python = Measurement(obs.program, obs, indicators=ALL).report([i.code for i in ALL], by=by)
    engine = Measurement(obs.program, obs, indicators=ALL, backend="polars")
    fast = engine.report([i.code for i in ALL], by=by)
    assert python.rows == fast.rows
