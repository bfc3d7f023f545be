"""Small-scale capture fisheries (*perikanan tangkap skala kecil*) as a klaster sector.

Started with ``klaster plugin new fisheries`` and filled in following klaster's docs/plugins.md.
Mitra fish from small boats (*perahu motor tempel* or *jukung*) near the coast with gill nets,
hand lines or traps. Field staff record per member and month whether the member owns a boat,
the fishing trips, the catch and its price, and the costs of going to sea (fuel, ice, bait,
food); the plugin derives boat ownership, catch per trip, the fuel share of trip costs and the
fishing income.

It is klaster's second example of a third-party plugin: klaster finds it through the
``klaster`` entry point in ``pyproject.toml``, never by importing it by name.

Where the numbers come from: two trips a day make at most 62 trips a month; the other bounds are
plausibility limits for a program household, not standards, and the readiness thresholds are
this example's defaults.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from klaster import Label, Member, hookimpl
from klaster.catalogue import (
    Aggregation,
    BusinessType,
    Condition,
    Direction,
    Indicator,
    Level,
    Operator,
    ReadinessCriterion,
    Sector,
    ValueType,
    Variable,
)

__version__ = "0.1.0"

SECTOR = "fisheries"

_MEMBER = Level.MEMBER

VARIABLES = (
    Variable(
        code="boat_owned",
        sector=SECTOR,
        level=_MEMBER,
        type=ValueType.BOOLEAN,
        label=Label("Memiliki perahu sendiri", "Owns a boat"),
        required=True,
    ),
    Variable(
        code="fishing_trips",
        sector=SECTOR,
        level=_MEMBER,
        type=ValueType.INTEGER,
        label=Label("Trip melaut per bulan", "Fishing trips per month"),
        unit="trip/month",
        minimum=0,
        maximum=62,
        required=True,
    ),
    Variable(
        code="catch_kg",
        sector=SECTOR,
        level=_MEMBER,
        type=ValueType.DECIMAL,
        label=Label("Hasil tangkapan per bulan", "Catch per month"),
        unit="kg/month",
        minimum=0,
        maximum=20_000,
        required=True,
    ),
    Variable(
        code="fish_price_per_kg",
        sector=SECTOR,
        level=_MEMBER,
        type=ValueType.DECIMAL,
        label=Label("Harga ikan per kg", "Price of fish per kg"),
        unit="IDR/kg",
        minimum=0,
        maximum=500_000,
    ),
    Variable(
        code="fuel_costs",
        sector=SECTOR,
        level=_MEMBER,
        type=ValueType.DECIMAL,
        label=Label("Biaya BBM per bulan", "Fuel costs per month"),
        unit="IDR/month",
        minimum=0,
        maximum=100_000_000,
    ),
    Variable(
        code="trip_costs",
        sector=SECTOR,
        level=_MEMBER,
        type=ValueType.DECIMAL,
        label=Label("Biaya melaut per bulan (BBM, es, umpan, bekal)", "Trip costs per month"),
        unit="IDR/month",
        minimum=0,
        maximum=200_000_000,
        description=Label(
            "Semua biaya melaut: BBM, es, umpan dan bekal.",
            "Every cost of going to sea: fuel, ice, bait and food.",
        ),
    ),
)
"""What field staff record per member and month."""


@hookimpl
def klaster_sectors() -> Sequence[Sector]:
    """The fisheries sector and its kinds of fishing."""
    return [
        Sector(
            code=SECTOR,
            name=Label("Perikanan tangkap skala kecil", "Small-scale capture fisheries"),
            description=Label(
                "Nelayan kecil yang melaut dengan perahu motor tempel atau jukung.",
                "Small-scale fishers going to sea in outboard or outrigger boats.",
            ),
            business_types=[
                BusinessType("gill_net", Label("Jaring insang", "Gill-net fishing")),
                BusinessType("hand_line", Label("Pancing ulur", "Hand-line fishing")),
                BusinessType("fish_trap", Label("Bubu", "Trap fishing")),
            ],
            dac_code="31320",  # OECD DAC: fishery development
        )
    ]


@hookimpl
def klaster_variables() -> Sequence[Variable]:
    """Boat, trips, catch, price, fuel and trip costs."""
    return VARIABLES


@hookimpl
def klaster_indicators() -> Sequence[Indicator]:
    """Boat ownership, catch per trip and its change, fuel share of trip costs, fishing income."""
    return [
        Indicator(
            "boat_ownership",
            SECTOR,
            Label("Bagian nelayan yang memiliki perahu", "Share of fishers owning a boat"),
            _MEMBER,
            "boat_owned",
            Aggregation.SHARE_MEETING,
            Direction.HIGHER,
            unit="ratio",
        ),
        Indicator(
            "catch_per_trip",
            SECTOR,
            Label("Hasil tangkapan per trip", "Catch per trip"),
            _MEMBER,
            "catch_kg / fishing_trips",
            Aggregation.RATIO_OF_SUMS,
            Direction.HIGHER,
            unit="kg/trip",
        ),
        Indicator(
            "catch_change",
            SECTOR,
            Label("Perubahan tangkapan sejak survei sebelumnya", "Catch change since last round"),
            _MEMBER,
            "change_prev(catch_kg)",  # this round's catch less the unit's previous round's
            Aggregation.MEAN,
            Direction.HIGHER,
            unit="kg/month",
        ),
        Indicator(
            "fuel_share",
            SECTOR,
            Label("Bagian BBM dalam biaya melaut", "Fuel share of trip costs"),
            _MEMBER,
            "fuel_costs / trip_costs",
            Aggregation.RATIO_OF_SUMS,
            Direction.LOWER,
            unit="ratio",
        ),
        Indicator(
            "fishing_income",
            SECTOR,
            Label("Pendapatan melaut per bulan", "Fishing income per month"),
            _MEMBER,
            "catch_kg * fish_price_per_kg - trip_costs",
            Aggregation.MEAN,
            Direction.HIGHER,
            unit="IDR/month",
        ),
    ]


@hookimpl
def klaster_readiness_criteria() -> Sequence[ReadinessCriterion]:
    """Fishing pays (members); most own a boat and fuel does not eat the trip (cluster)."""
    return [
        ReadinessCriterion(
            "fisheries_income_positive",
            SECTOR,
            _MEMBER,
            Label("Pendapatan melaut positif", "Fishing income positive"),
            "fishing_income",
            Operator.GT,
            Decimal(0),
            weight=Decimal(2),
        ),
        # One criterion of two conditions, each judged and shown with its own evidence.
        ReadinessCriterion(
            "fisheries_boats_and_fuel",
            SECTOR,
            Level.CLUSTER,
            Label(
                "Minimal 70% nelayan memiliki perahu dan BBM kurang dari 40% biaya melaut",
                "At least 70% of fishers own a boat and fuel is below 40% of trip costs",
            ),
            all_of=[
                Condition("boat_ownership", Operator.GE, Decimal("0.7")),
                Condition("fuel_share", Operator.LT, Decimal("0.4")),
            ],
            essential=True,
        ),
    ]


@hookimpl
def klaster_validate_member(member: Member) -> Sequence[str]:
    """Fishers say how they fish."""
    if member.business_type is None:
        return ["business_type is required for fishers (e.g. 'gill_net')"]
    return []


@hookimpl
def klaster_validate_values(
    sector: str, level: Level, values: Mapping[str, object]
) -> Sequence[str]:
    """Fuel is part of the trip costs, and a catch needs trips."""
    problems = []
    fuel, trip = values.get("fuel_costs"), values.get("trip_costs")
    if isinstance(fuel, Decimal) and isinstance(trip, Decimal) and fuel > trip:
        problems.append("fuel_costs is more than trip_costs; fuel is part of the trip costs")
    catch = values.get("catch_kg")
    if isinstance(catch, Decimal) and catch > 0 and values.get("fishing_trips") == 0:
        problems.append("catch_kg is recorded but fishing_trips is 0")
    return problems
