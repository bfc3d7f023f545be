"""The tests of klaster-fisheries: conformance, its checks, its indicators in a two-round report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import klaster_fisheries

from klaster import Cluster, ClusterSector, Lifecycle, Member, Organisation, Program, Region
from klaster.measurement import AllOf, Measurement, NotAvailable
from klaster.observations import Observations, Round, variable_catalogue
from klaster.testing.plugins import check_plugin, isolated_host

SECTOR = klaster_fisheries.SECTOR

# Per member: boat owned, trips, catch kg, price per kg, fuel costs, trip costs (a month).
BASELINE = {
    "M-1": (True, 20, 200, 25_000, 600_000, 1_500_000),
    "M-2": (False, 10, 80, 25_000, 300_000, 600_000),
    "M-3": (False, 12, 100, 25_000, 400_000, 800_000),
}
ENDLINE = {
    "M-1": (True, 22, 330, 27_000, 700_000, 2_000_000),
    "M-2": (True, 20, 240, 27_000, 600_000, 1_800_000),
    "M-3": (True, 18, 180, 27_000, 500_000, 1_400_000),
}
CODES = ("boat_owned", "fishing_trips", "catch_kg", "fish_price_per_kg", "fuel_costs", "trip_costs")


def test_conforms_to_klaster() -> None:
    # Everything klaster's host would refuse, beside the built-in sectors.
    check_plugin(klaster_fisheries)


def test_declares_its_sector() -> None:
    host = isolated_host(klaster_fisheries)
    assert [sector.code for sector in host.sectors()] == [SECTOR]
    assert host.indicator("catch_per_trip").references == ("catch_kg", "fishing_trips")
    (both,) = host.readiness_criteria(SECTOR, "cluster")
    assert both.combination == "all_of"
    assert [c.reads for c in both.conditions] == ["boat_ownership", "fuel_share"]


def test_fuel_is_part_of_the_trip_costs() -> None:
    host = isolated_host(klaster_fisheries)
    values = {"boat_owned": True, "fishing_trips": 8, "catch_kg": "60"}
    (problem,) = host.validate_values(
        SECTOR, "member", {**values, "fuel_costs": "900000", "trip_costs": "500000"}
    )
    assert "fuel_costs is more than trip_costs" in problem


def test_a_catch_needs_trips() -> None:
    host = isolated_host(klaster_fisheries)
    values = {"boat_owned": False, "fishing_trips": 0, "catch_kg": "15"}
    (problem,) = host.validate_values(SECTOR, "member", values)
    assert problem.startswith("catch_kg is recorded but fishing_trips is 0")


def test_trips_are_bounded_by_two_a_day() -> None:
    host = isolated_host(klaster_fisheries)
    values = {"boat_owned": True, "fishing_trips": 63, "catch_kg": "60"}
    assert host.validate_values(SECTOR, "member", values) == (
        "fishing_trips: Fishing trips per month is above the maximum 62 trip/month",
    )


def test_fishers_say_how_they_fish() -> None:
    host = isolated_host(klaster_fisheries)
    (member,) = tiny_program(1).clusters["c1"].members
    assert host.validate_member(member) == ()
    (problem,) = host.validate_member(_member(9, business_type=None))
    assert problem.startswith("business_type is required for fishers (e.g. 'gill_net')")


def _member(number: int, business_type: str | None = "gill_net") -> Member:
    return Member(
        id=f"M-{number}",
        name=f"Nelayan {number}",
        sex="male",
        household_size=4,
        village="Lumpangan",
        sector=SECTOR,
        business_type=business_type,
        joined=dt.date(2025, 1, 10),
    )


def tiny_program(members: int = 3) -> Program:
    """One fisheries cluster in one coastal desa."""
    region = Region.province(
        "Sulawesi Selatan",
        "73",
        [
            Region(
                level="kabupaten",
                name="Bantaeng",
                code="73.03",
                children=[Region.kecamatan("Pajukukang", "73.03.05", [Region.desa("Lumpangan")])],
            )
        ],
    )
    program = Program(
        id="nelayan",
        name="Klaster Nelayan",
        organisation_id="ngo",
        organisations=[Organisation("ngo", "An NGO", "ngo")],
    )
    cluster = Cluster(
        id="c1",
        name="Klaster Nelayan Pajukukang",
        region=region,
        sectors=[ClusterSector(SECTOR, "ngo")],
        lifecycle=Lifecycle.start(dt.date(2025, 1, 1), reason="assessment", decided_by="ngo"),
    )
    program.add_cluster(cluster)
    for number in range(1, members + 1):
        cluster.add_member(_member(number))
    return program


def two_rounds() -> tuple[Measurement, Program]:
    host = isolated_host(klaster_fisheries)
    program = tiny_program()
    observations = Observations(program, variable_catalogue(host), host=host)
    observations.add_round(Round("c1-bl", "c1", "baseline", dt.date(2025, 2, 1)))
    observations.add_round(Round("c1-el", "c1", "endline", dt.date(2026, 2, 1)))
    for round_id, answers in (("c1-bl", BASELINE), ("c1-el", ENDLINE)):
        observations.record_many(
            round_id,
            [(member, dict(zip(CODES, row, strict=True))) for member, row in answers.items()],
        )
    return Measurement(program, observations, indicators=host.indicators()), program


def test_indicators_in_a_two_round_report() -> None:
    engine, _ = two_rounds()
    codes = ["boat_ownership", "catch_per_trip", "catch_change", "fuel_share", "fishing_income"]
    results = engine.report(codes, by=[()])
    assert results.value("boat_ownership", "baseline") == Decimal(1) / 3
    assert results.value("boat_ownership", "endline") == 1
    assert results.value("catch_per_trip", "baseline") == Decimal(380) / 42
    assert results.value("catch_per_trip", "endline") == Decimal("12.5")
    assert isinstance(results.value("catch_change", "baseline"), NotAvailable)  # no round before
    assert results.value("catch_change", "endline") == Decimal(130 + 160 + 80) / 3
    fuel = results.row("fuel_share", "endline")
    assert (fuel.numerator, fuel.denominator) == (Decimal(1_800_000), Decimal(5_200_000))
    # (330 + 240 + 180) kg at Rp 27,000 less Rp 5.2 million of trip costs, over 3 fishers
    assert results.value("fishing_income", "endline") == Decimal(15_050_000) / 3


def test_the_cluster_is_ready_at_endline_not_at_baseline() -> None:
    engine, _ = two_rounds()
    host = isolated_host(klaster_fisheries)
    rule = AllOf(host.readiness_criteria(SECTOR, "cluster"))
    (before,) = engine.readiness(rule, "c1-bl")
    (after,) = engine.readiness(rule, "c1-el")
    (line,) = before.results
    assert (line.code, line.passed) == ("fisheries_boats_and_fuel", False)
    # Each condition with its own evidence: a third own a boat, fuel is 45% of trip costs.
    assert [(part.reads, part.value, part.passed) for part in line.parts] == [
        ("boat_ownership", Decimal(1) / 3, False),
        ("fuel_share", Decimal(1_300_000) / 2_900_000, False),
    ]
    assert after.ready
    assert [part.passed for part in after.results[0].parts] == [True, True]
