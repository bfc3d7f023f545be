"""Candidate regions and rules for the location-targeting tests (the worked example of the docs)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from klaster.model import RegionStat
from klaster.targeting import CandidateRegion, RankingRule, RegionIndicator, Threshold, Weight

SOURCE = "synthetic example"


def kecamatan(
    code: str,
    name: str,
    poverty: str | None,
    distance: str | None = None,
    *,
    parent: str = "73.03",
    kind: str = "bps_headcount",
) -> CandidateRegion:
    """A kecamatan with a (synthetic) poverty rate and distance to market."""
    stats = (
        []
        if poverty is None
        else [RegionStat(2010, SOURCE, kind, poverty_rate=poverty, note="synthetic")]
    )
    indicators = (
        []
        if distance is None
        else [RegionIndicator("distance_market", distance, 2010, SOURCE, synthetic=True, unit="km")]
    )
    return CandidateRegion(code, name, "kecamatan", parent, stats, indicators)


def worked_candidates() -> list[CandidateRegion]:
    """The docs' worked example (docs/targeting.md, "Choosing locations")."""
    return [
        kecamatan("73.03.01", "Bissappu", "29", "10"),
        kecamatan("73.03.02", "Bantaeng", "20", "2"),
        kecamatan("73.03.03", "Eremerasa", "35", "18"),
        kecamatan("73.03.05", "Pajukukang", "12", "5"),  # below the 15% cut-off
        kecamatan("73.03.04", "Tompobulu", "40"),  # no distance: not ranked
    ]


def worked_rule(select: int = 2) -> RankingRule:
    """Poverty 0.6 (higher is better), distance 0.4 (lower is better), poverty >= 15."""
    return RankingRule(
        "worked example",
        "kecamatan",
        [Weight("poverty_rate", "0.6"), Weight("distance_market", "0.4", "lower")],
        select,
        thresholds=[Threshold("poverty_rate", ">=", 15, note="synthetic cut-off")],
    )


_FIGURES = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False)


@st.composite
def candidate_sets(draw: st.DrawFn, minimum: int = 1) -> list[CandidateRegion]:
    """Kecamatan of two kabupaten with random figures (some missing; the first has both)."""
    size = draw(st.integers(min_value=minimum, max_value=9))
    numbers = draw(st.lists(st.integers(1, 30), min_size=size, max_size=size, unique=True))
    found = []
    for index, number in enumerate(numbers):
        parent = draw(st.sampled_from(["73.03", "73.04"]))
        poverty = draw(_FIGURES if index == 0 else st.one_of(st.none(), _FIGURES))
        distance = draw(_FIGURES if index == 0 else st.one_of(_FIGURES, _FIGURES, st.none()))
        found.append(
            kecamatan(
                f"{parent}.{number:02d}",
                f"K{number}",
                None if poverty is None else str(poverty),
                None if distance is None else str(distance),
                parent=parent,
            )
        )
    return found


@st.composite
def rules(draw: st.DrawFn) -> RankingRule:
    """Rules over poverty and distance with random weights (adding up to 1) and a cut-off."""
    share = draw(st.decimals(min_value="0.01", max_value="0.99", places=2))
    weights = [
        Weight("poverty_rate", share, draw(st.sampled_from(["higher", "lower"]))),
        Weight("distance_market", Decimal(1) - share, draw(st.sampled_from(["higher", "lower"]))),
    ]
    cutoff = draw(st.one_of(st.none(), _FIGURES))
    return RankingRule(
        "random",
        "kecamatan",
        weights,
        draw(st.integers(1, 4)),
        per_parent=draw(st.booleans()),
        thresholds=[] if cutoff is None else [Threshold("poverty_rate", ">=", cutoff)],
    )
