"""Graduated households (poor at baseline, not poor at endline, paired), and the cost per one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klaster import (
    Cluster,
    ClusterSector,
    Lifecycle,
    Member,
    NotFoundError,
    Organisation,
    Program,
    Region,
    ValidationError,
)
from klaster.finance import Finance, Fund, Party, budget_vs_actual
from klaster.measurement import Measurement, graduated_households
from klaster.measurement.methods.poverty_lines import PovertyLine, PovertyLines
from klaster.observations import Observations, Round, variable_catalogue
from klaster.plugins import get_host

D = dt.date
# Per-capita lines: Lebak 300,000 at baseline, 400,000 at endline; Blora 250,000 and 350,000.
LINES = [
    PovertyLine("36.02", 2011, "march", 300_000, "test"),
    PovertyLine("36.02", 2014, "march", 400_000, "test"),
    PovertyLine("33.16", 2011, "march", 250_000, "test"),
    PovertyLine("33.16", 2014, "march", 350_000, "test"),
]
# member: (baseline income, size), (endline income, size); None: not surveyed / no income.
LEBAK = {
    "L1": ((1_000_000, 4), (1_800_000, 4)),  # 250k -> 450k: graduated
    "L2": ((1_000_000, 4), (1_600_000, 4)),  # 250k -> 400k, on the line (not poor): graduated
    "L3": ((1_200_000, 4), (2_000_000, 4)),  # 300k, on the line at baseline: not poor then
    "L4": ((1_000_000, 4), (1_500_000, 4)),  # 375k < 400k: still poor
    "L5": ((1_000_000, 4), None),  # not surveyed at endline: not paired
    "L6": ((1_000_000, 4), (2_100_000, 5)),  # the endline's household size: 420k: graduated
}
BLORA = {
    "B1": ((900_000, 4), (1_500_000, 4)),  # 225k -> 375k (>= Blora's 350k): graduated
    "B2": ((None, 4), (1_500_000, 4)),  # no baseline income: not paired
    "B3": ((900_000, None), (1_500_000, 4)),  # size not asked: the registered 4, as P0: graduated
}


def _cluster(cluster_id: str, province: tuple[str, str], kabupaten: tuple[str, str]) -> Cluster:
    return Cluster(
        cluster_id,
        f"Klaster {cluster_id}",
        Region.province(
            *province,
            [
                Region.kabupaten(
                    *kabupaten,
                    [Region.kecamatan("Kecamatan", f"{kabupaten[1]}.01", [Region.desa("Desa")])],
                )
            ],
        ),
        [ClusterSector("umkm")],
        lifecycle=Lifecycle.start(D(2011, 1, 3), phase="growth", reason="s", decided_by="DD"),
    )


def _program() -> tuple[Program, Observations]:
    program = Program("km", "Klaster Mandiri", "dd", [Organisation("dd", "Dompet Dhuafa", "ngo")])
    observations_of = {}
    for cluster, members in (
        (_cluster("lebak", ("Banten", "36"), ("Lebak", "36.02")), LEBAK),
        (_cluster("blora", ("Jawa Tengah", "33"), ("Blora", "33.16")), BLORA),
    ):
        program.add_cluster(cluster)
        for member_id in members:
            cluster.add_member(
                Member(member_id, "Nama", "female", 4, "Desa", "umkm", D(2011, 2, 1))
            )
        observations_of[cluster.id] = members
    observations = Observations(program, variable_catalogue(get_host()))
    for cluster_id, members in observations_of.items():
        for kind, on, at in (("baseline", D(2011, 6, 1), 0), ("endline", D(2014, 3, 1), 1)):
            round_id = f"{cluster_id}-{kind}"
            observations.add_round(Round(round_id, cluster_id, kind, on))
            rows = []
            for member_id, answers in members.items():
                answered = answers[at]
                if answered is None:
                    continue
                income, size = answered
                values: dict[str, object] = {} if size is None else {"household_size": size}
                if income is not None:
                    values["monthly_income"] = Decimal(income)
                rows.append((member_id, values))
            observations.record_many(round_id, rows)
    return program, observations


@pytest.fixture
def engine() -> Measurement:
    program, observations = _program()
    return Measurement(program, observations, poverty_lines=PovertyLines(LINES))


def test_counts_by_hand(engine: Measurement) -> None:
    assert graduated_households(engine) == {"lebak": 3, "blora": 2}
    assert graduated_households(engine, "baseline", "endline", by=()) == 5
    # From the endline back to the baseline nobody was poor at the start and then not.
    assert graduated_households(engine, "endline", "baseline") == {"lebak": 0, "blora": 0}


def test_each_cluster_and_round_has_its_own_line(engine: Measurement) -> None:
    # B1's 375k at endline is above Blora's 350k, though below Lebak's 400k.
    same_line = Measurement(
        engine.program,
        engine.observations,
        poverty_lines=PovertyLines([LINES[0], LINES[1], *(
            PovertyLine("33.16", x.year, "march", x.rupiah, "test") for x in LINES[:2]
        )]),
    )  # fmt: skip
    assert graduated_households(same_line) == {"lebak": 3, "blora": 0}
    # Against the P0 the engine reports: the poor at baseline are the graduated and the rest.
    p0 = engine.report(["poverty_headcount"], by=[("cluster",)])
    assert p0.value("poverty_headcount", "baseline", cluster="blora") == 1


def test_bad_arguments(engine: Measurement) -> None:
    with pytest.raises(ValidationError) as exc:
        graduated_households(engine, by=("sex",))  # type: ignore[arg-type]
    assert exc.value.path == "by"
    with pytest.raises(NotFoundError) as missing:
        graduated_households(engine, endline="midline")
    assert missing.value.path == "endline"
    assert "rounds: baseline, endline" in missing.value.message
    no_line = Measurement(engine.program, engine.observations, poverty_lines=PovertyLines([]))
    with pytest.raises(ValidationError) as line:
        graduated_households(no_line)
    assert line.value.path == "poverty_lines"
    assert "no poverty line" in line.value.message


def _book(cluster_id: str, spent: int) -> Finance:
    book = Finance(cluster_id, "km")
    book.add_fund(Fund(f"F-{cluster_id}", "Dana", "zakat", Party.program("km"), D(2012, 1, 2)))
    book.receive(f"F-{cluster_id}", D(2012, 1, 9), spent)  # capital
    return book


def test_cost_per_graduated_household(engine: Measurement) -> None:
    books = [_book("lebak", 900_000_000), _book("blora", 100_000_000)]
    counts = graduated_households(engine)
    total = budget_vs_actual(books, by=(), program=engine.program, graduated=counts)
    assert (total.graduated, total.cost_per_graduate) == (5, Decimal(200_000_000))
    assert total.graduated_by_cluster == (("lebak", 3), ("blora", 2))
    by_cluster = budget_vs_actual(books, by=("cluster",), program=engine.program, graduated=counts)
    assert by_cluster.cost_per_graduate_in("lebak") == Decimal(300_000_000)
    assert by_cluster.cost_per_graduate_in("blora") == Decimal(50_000_000)
    one = budget_vs_actual(books[1], program=engine.program, graduated=counts)
    assert (one.graduated, one.cost_per_graduate) == (2, Decimal(50_000_000))
    with pytest.raises(ValidationError) as not_by_cluster:
        total.cost_per_graduate_in("lebak")
    assert not_by_cluster.value.path == "cluster"
    with pytest.raises(NotFoundError):
        by_cluster.cost_per_graduate_in("tuban")


@pytest.mark.parametrize(
    ("graduated", "path", "said"),
    [
        ({"lebak": 3}, "graduated", "no count for cluster 'blora'"),
        ({"lebak": 3, "blora": -1}, "graduated['blora']", "0 or more"),
        ({"lebak": 3, "blora": True}, "graduated['blora']", "whole number"),
    ],
)
def test_a_count_per_cluster_is_checked(
    engine: Measurement, graduated: dict[str, int], path: str, said: str
) -> None:
    books = [_book("lebak", 900_000_000), _book("blora", 100_000_000)]
    with pytest.raises(ValidationError) as exc:
        budget_vs_actual(books, program=engine.program, graduated=graduated)
    assert exc.value.path == path
    assert said in exc.value.message


incomes = st.one_of(st.none(), st.integers(0, 3_000_000), st.sampled_from([1_200_000, 1_600_000]))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(incomes, incomes, st.integers(1, 8)), min_size=6, max_size=6))
def test_the_count_is_the_rule(answers: list[tuple[int | None, int | None, int]]) -> None:
    program, _ = _program()
    observations = Observations(program, variable_catalogue(get_host()))
    lebak = list(LEBAK)
    for round_id, on, at in (("b", D(2011, 6, 1), 0), ("e", D(2014, 3, 1), 1)):
        observations.add_round(Round(round_id, "lebak", "baseline" if at == 0 else "endline", on))
        rows = [
            (member, {"monthly_income": Decimal(income), "household_size": a[2]})
            for member, a in zip(lebak, answers, strict=True)
            if (income := a[at]) is not None
        ]
        observations.record_many(round_id, rows)
    engine = Measurement(program, observations, poverty_lines=PovertyLines(LINES))
    expected = sum(
        1
        for before, after, size in answers
        if before is not None and after is not None
        and Decimal(before) / size < 300_000  # Lebak's baseline line
        and Decimal(after) / size >= 400_000  # and its endline line
    )  # fmt: skip
    assert graduated_households(engine) == {"lebak": expected}
