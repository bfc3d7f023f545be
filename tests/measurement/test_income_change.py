"""The paired income change is a percentage of the baseline, per member and in total, on both
backends: baseline 100 and endline 150 is +50%, not +33.3% (which is what dividing by the
follow-up would give)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import klaster
from klaster.catalogue.criterion import Operator, ReadinessCriterion
from klaster.catalogue.variable import Level
from klaster.label import Label
from klaster.measurement.engine import Measurement
from klaster.measurement.readiness import Evidence
from klaster.observations.rounds import Round
from klaster.observations.values import Observations

DATA = Path(__file__).resolve().parents[2] / "examples" / "data" / "bantaeng.json"
BACKENDS = ["python", "polars"]
# Two members, each twice (a member's change and the ratio of sums of two members).
INCOMES = {"BTG-0002": (Decimal(100), Decimal(150)), "BTG-0003": (Decimal(300), Decimal(450))}


@pytest.fixture(scope="module")
def observations() -> Observations:
    program = klaster.load(DATA)
    obs = Observations(program)
    obs.add_round(Round("bl", "bantaeng", "baseline", "2011-06-15"))
    obs.add_round(Round("el", "bantaeng", "endline", "2014-03-01"))
    obs.record_many("bl", [(m, {"monthly_income": v[0]}) for m, v in INCOMES.items()])
    obs.record_many("el", [(m, {"monthly_income": v[1]}) for m, v in INCOMES.items()])
    return obs


def engine(observations: Observations, backend: str) -> Measurement:
    if backend == "polars":
        pytest.importorskip("polars")
    return Measurement(observations.program, observations, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_cluster_figure_is_over_the_baseline(observations: Observations, backend: str) -> None:
    row = (
        engine(observations, backend)
        .report(["income_change_pct"])
        .row("income_change_pct", "endline")
    )
    assert row.value == 50  # (750 - 400) / 400, not (750 - 400) / 600
    assert row.n == 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_members_value_is_over_the_baseline(observations: Observations, backend: str) -> None:
    measured = engine(observations, backend)
    units, values = measured.unit_values("income_change_pct", "el")
    found = dict(zip(units, values, strict=True))
    for member, (before, after) in INCOMES.items():
        top, bottom = found[member]
        assert bottom == before  # the baseline, not the follow-up
        assert top / bottom == (after - before) * 100 / before == 50
    # A member criterion reads the same per-member value.
    criterion = ReadinessCriterion(
        "income_up_member",
        "umkm",
        Level.MEMBER,
        Label("Pendapatan naik", "Income up"),
        "income_change_pct",
        Operator.GT,
        40,
    )
    lookup = measured.lookup("el", Level.MEMBER)
    for member in INCOMES:
        evidence = lookup(criterion, member)
        assert isinstance(evidence, Evidence)
        assert evidence.value == 50
