"""Seaweed farming (*budidaya rumput laut*) as a klaster sector.

Mitra in Bantaeng (South Sulawesi) farm seaweed on long lines (*tali bentangan*) along the coast:
seedlings are tied to ropes, harvested wet after about 45 days, dried on racks and sold dry. This
plugin records lines planted, wet and dry harvest, cycles per year, price and costs per member,
and derives the dry yield per line and the seaweed income.

It is an example of a third-party plugin: klaster finds it through the ``klaster`` entry point in
``pyproject.toml``, never by importing it by name.

Where the numbers come from: a growing cycle of about 45 days allows at most 8 cycles a year
(365 / 45); the other bounds are plausibility limits for a program household, not standards, and
the readiness thresholds are this example's defaults.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from klaster import Label, Member, hookimpl
from klaster.catalogue import (
    Aggregation,
    BusinessType,
    Direction,
    Indicator,
    Level,
    Operator,
    ReadinessCriterion,
    ReportSection,
    Sector,
    ValueType,
    Variable,
)

__version__ = "0.1.0"

SECTOR = "seaweed"

_MEMBER = Level.MEMBER

VARIABLES = (
    Variable(
        code="seaweed_lines",
        sector=SECTOR,
        level=_MEMBER,
        type=ValueType.INTEGER,
        label=Label("Jumlah tali bentangan", "Long lines planted"),
        unit="line",
        minimum=0,
        maximum=5000,
        required=True,
    ),
    Variable(
        code="wet_harvest_kg",
        sector=SECTOR,
        level=_MEMBER,
        type=ValueType.DECIMAL,
        label=Label("Panen basah per siklus", "Wet harvest per cycle"),
        unit="kg",
        minimum=0,
        maximum=1_000_000,
        required=True,
    ),
    Variable(
        code="dry_harvest_kg",
        sector=SECTOR,
        level=_MEMBER,
        type=ValueType.DECIMAL,
        label=Label("Panen kering per siklus", "Dry harvest per cycle"),
        unit="kg",
        minimum=0,
        maximum=200_000,
        required=True,
    ),
    Variable(
        code="cycles_per_year",
        sector=SECTOR,
        level=_MEMBER,
        type=ValueType.INTEGER,
        label=Label("Siklus tanam per tahun", "Growing cycles per year"),
        unit="cycle/year",
        minimum=1,
        maximum=8,
        required=True,
    ),
    Variable(
        code="dry_price_per_kg",
        sector=SECTOR,
        level=_MEMBER,
        type=ValueType.DECIMAL,
        label=Label("Harga rumput laut kering", "Price of dry seaweed"),
        unit="IDR/kg",
        minimum=0,
        maximum=100_000,
    ),
    Variable(
        code="seaweed_costs",
        sector=SECTOR,
        level=_MEMBER,
        type=ValueType.DECIMAL,
        label=Label("Biaya bibit, tali dan pelampung", "Seedling, rope and float costs"),
        unit="IDR/cycle",
        minimum=0,
        maximum=1_000_000_000,
    ),
)
"""What field staff record per member and growing cycle."""


@hookimpl
def klaster_sectors() -> Sequence[Sector]:
    """The seaweed sector and the species farmed."""
    return [
        Sector(
            code=SECTOR,
            name=Label("Budidaya rumput laut", "Seaweed farming"),
            description=Label(
                "Budidaya rumput laut dengan metode tali panjang di pesisir.",
                "Long-line seaweed farming along the coast.",
            ),
            business_types=[
                BusinessType("cottonii", Label("Rumput laut cottonii", "Cottonii (Kappaphycus)")),
                BusinessType("spinosum", Label("Rumput laut spinosum", "Spinosum (Eucheuma)")),
                BusinessType("gracilaria", Label("Gracilaria di tambak", "Pond Gracilaria")),
            ],
            dac_code="31320",  # OECD DAC: fishery development
        )
    ]


@hookimpl
def klaster_variables() -> Sequence[Variable]:
    """Lines planted, wet and dry harvest, cycles per year, price and costs."""
    return VARIABLES


@hookimpl
def klaster_indicators() -> Sequence[Indicator]:
    """Dry yield per line, seaweed income per cycle and per year."""
    return [
        Indicator(
            "dry_yield_per_line",
            SECTOR,
            Label("Hasil kering per tali", "Dry yield per line"),
            _MEMBER,
            "dry_harvest_kg / seaweed_lines",
            Aggregation.RATIO_OF_SUMS,
            Direction.HIGHER,
            unit="kg/line",
        ),
        Indicator(
            "seaweed_income",
            SECTOR,
            Label("Pendapatan rumput laut per siklus", "Seaweed income per cycle"),
            _MEMBER,
            "dry_harvest_kg * dry_price_per_kg - seaweed_costs",
            Aggregation.MEAN,
            Direction.HIGHER,
            unit="IDR/cycle",
        ),
        Indicator(
            "annual_seaweed_income",
            SECTOR,
            Label("Pendapatan rumput laut per tahun", "Seaweed income per year"),
            _MEMBER,
            "seaweed_income * cycles_per_year",
            Aggregation.MEAN,
            Direction.HIGHER,
            unit="IDR/year",
        ),
    ]


@hookimpl
def klaster_report_sections() -> Sequence[ReportSection]:
    """The harvest in the program report: yield and income per round, by cluster, charted."""
    return [
        ReportSection(
            "seaweed_harvest",
            SECTOR,
            Label("Panen rumput laut", "Seaweed harvest"),
            ("dry_yield_per_line", "seaweed_income", "annual_seaweed_income"),
            description=Label(
                "Hasil kering per tali dan pendapatan mitra rumput laut.",
                "Dry yield per line and the income of the seaweed members.",
            ),
            by=("cluster",),
            chart=True,
        )
    ]


@hookimpl
def klaster_readiness_criteria() -> Sequence[ReadinessCriterion]:
    """Income positive (members, cluster), lines kept busy (members)."""
    return [
        ReadinessCriterion(
            "seaweed_income_positive",
            SECTOR,
            _MEMBER,
            Label("Pendapatan rumput laut positif", "Seaweed income positive"),
            "seaweed_income",
            Operator.GT,
            Decimal(0),
            weight=Decimal(2),
        ),
        ReadinessCriterion(
            "seaweed_cycles_kept",
            SECTOR,
            _MEMBER,
            Label("Minimal 4 siklus tanam setahun", "At least 4 growing cycles a year"),
            "cycles_per_year",
            Operator.GE,
            Decimal(4),
        ),
        ReadinessCriterion(
            "seaweed_cluster_income",
            SECTOR,
            Level.CLUSTER,
            Label("Rata-rata pendapatan rumput laut positif", "Mean seaweed income positive"),
            "seaweed_income",
            Operator.GT,
            Decimal(0),
            essential=True,
        ),
    ]


@hookimpl
def klaster_validate_member(member: Member) -> Sequence[str]:
    """Seaweed farmers say which seaweed they farm."""
    if member.business_type is None:
        return ["business_type is required for seaweed farmers (e.g. 'cottonii')"]
    return []


@hookimpl
def klaster_validate_values(
    sector: str, level: Level, values: Mapping[str, object]
) -> Sequence[str]:
    """Drying only loses weight, and a harvest needs lines."""
    problems = []
    wet, dry = values.get("wet_harvest_kg"), values.get("dry_harvest_kg")
    if isinstance(wet, Decimal) and isinstance(dry, Decimal) and dry > wet:
        problems.append("dry_harvest_kg is more than wet_harvest_kg; drying only loses weight")
    if isinstance(wet, Decimal) and wet > 0 and values.get("seaweed_lines") == 0:
        problems.append("wet_harvest_kg is recorded but seaweed_lines is 0")
    return problems
