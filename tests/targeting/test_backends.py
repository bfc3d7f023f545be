"""The python and polars screening backends give the same decisions (hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

import klaster.examples
from klaster.catalogue import Band, EligibilityCriterion, LineRef, Scorecard, ScoreItem
from klaster.label import Label
from klaster.measurement.methods.poverty_lines import PovertyLine, PovertyLines
from klaster.model.applicant import Applicant
from klaster.targeting import ASNAF, EligibilityRules, screen

L = Label("x", "x")
ASNAF_CODES = [c.code for c in ASNAF]
FLOORS = ["earth", "bamboo", "wood", "cement", "tile"]
LINES = sorted({line.rupiah for line in PovertyLines.bps_national()})
ROUND = [Decimal(n * 100_000) for n in range(1, 8)] + [Decimal("250000.50"), Decimal(210_000)]
DAYS = [dt.date(2012, 3, 1), dt.date(2012, 9, 15), dt.date(2013, 3, 1), dt.date(2023, 3, 15)]


def _money(places: int) -> st.SearchStrategy[Decimal]:
    return st.integers(0, 6_000_000 * 10**places).map(lambda n: Decimal(n).scaleb(-places))


@st.composite
def applicant(draw: st.DrawFn, number: int) -> Applicant:
    answers: dict[str, Any] = {}
    size = draw(st.integers(1, 12))
    if draw(st.integers(0, 5)):
        # Often exactly on a boundary: a line or a round threshold times the household.
        boundary = st.sampled_from([*LINES, *ROUND]).map(lambda v: v * size)
        answers["monthly_income"] = draw(_money(draw(st.sampled_from([0, 2]))) | boundary)
    if draw(st.integers(0, 4)):
        answers["asnaf"] = draw(st.sampled_from(ASNAF_CODES))
    if draw(st.integers(0, 4)):
        answers["house_floor"] = draw(st.sampled_from(FLOORS))
    if draw(st.integers(0, 3)):
        answers["land_area"] = Decimal(draw(st.integers(0, 3000))).scaleb(-3)
    if draw(st.integers(0, 3)):
        answers["has_animal_space"] = draw(st.booleans())
    if draw(st.booleans()):
        answers["debt"] = Decimal(draw(st.integers(0, 10**7)))
    return Applicant(
        f"A{number}",
        "c1",
        "N",
        "female",
        size,
        draw(st.sampled_from(["73.03.01.2001", "Gaji", "35.23.08.2001"])),
        draw(st.sampled_from(["umkm", "livestock", "farming"])),
        draw(st.sampled_from(DAYS) | st.dates(dt.date(2010, 1, 1), dt.date(2024, 12, 31))),
        answers=answers,
    )


def _pool(draw: st.DrawFn) -> list[Any]:
    essential = st.booleans()
    weight = st.integers(0, 300).map(lambda n: Decimal(n).scaleb(-2))
    threshold = _money(draw(st.sampled_from([0, 2]))) | st.sampled_from(ROUND)
    cut = draw(threshold) + 1
    pool: list[Any] = [
        EligibilityCriterion(
            "poor",
            L,
            "monthly_income",
            draw(st.sampled_from(["<=", "<"])),
            LineRef("poverty_line", draw(st.sampled_from(["1", "1.5", "0.75"]))),
            per_capita=True,
            essential=draw(essential),
            weight=draw(weight),
        ),
        EligibilityCriterion(
            "income_cap",
            L,
            "monthly_income",
            draw(st.sampled_from([">=", ">", "<=", "<", "==", "!="])),
            draw(threshold),
            per_capita=draw(st.booleans()),
            essential=draw(essential),
            weight=draw(weight),
            synthetic=True,
        ),
        EligibilityCriterion(
            "asnaf_ok",
            L,
            "asnaf",
            draw(st.sampled_from(["in", "not in"])),
            tuple(
                draw(st.lists(st.sampled_from(ASNAF_CODES), min_size=1, max_size=4, unique=True))
            ),
            essential=draw(essential),
            weight=draw(weight),
        ),
        EligibilityCriterion(
            "floor_earth",
            L,
            "house_floor",
            draw(st.sampled_from(["==", "!="])),
            draw(st.sampled_from(FLOORS)),
            essential=draw(essential),
            weight=draw(weight),
        ),
        EligibilityCriterion(
            "space",
            L,
            "has_animal_space",
            "==",
            draw(st.booleans()),
            essential=draw(essential),
            weight=draw(weight),
            sector=draw(st.sampled_from([None, "livestock"])),
        ),
        EligibilityCriterion(
            "big_household",
            L,
            "household_size",
            ">=",
            draw(st.integers(1, 8)),
            essential=draw(essential),
            weight=draw(weight),
            synthetic=True,
        ),
        Scorecard(
            "card",
            L,
            [
                ScoreItem("f", L, "house_floor", points={"earth": draw(weight), "bamboo": 1}),
                ScoreItem("s", L, "has_animal_space", points={True: draw(weight)}),
                ScoreItem(
                    "l",
                    L,
                    "land_area",
                    bands=[
                        Band(2, below=Decimal("0.5")),
                        Band(1, at_least=Decimal("0.5"), below=1),
                    ],
                ),
                ScoreItem(
                    "i",
                    L,
                    "monthly_income",
                    per_capita=True,
                    bands=[Band(3, below=cut), Band("0.5", at_least=cut)],
                ),
            ],
            draw(st.integers(0, 8)),
            eligible=draw(st.sampled_from(["at_least", "at_most"])),
            essential=draw(essential),
            weight=draw(weight),
            synthetic=True,
        ),
    ]
    return pool


@st.composite
def rule_sets(draw: st.DrawFn) -> EligibilityRules:
    pool = _pool(draw)
    chosen = draw(st.lists(st.sampled_from(range(len(pool))), min_size=1, unique=True))
    items = [pool[i] for i in chosen]
    criteria = [i for i in items if isinstance(i, EligibilityCriterion)]
    cards = [i for i in items if isinstance(i, Scorecard)]
    form = draw(st.sampled_from(["all_of", "k_of_n", "essential_plus_conditional", "weighted"]))
    extra: dict[str, Any] = {}
    if form == "k_of_n":
        extra["k"] = draw(st.integers(1, len(items)))
    if form == "weighted":
        if sum(i.weight for i in items) == 0:
            form = "all_of"
        else:
            extra["score"] = Decimal(draw(st.integers(0, 100))).scaleb(-2)
    return EligibilityRules(form, criteria, cards, sector_criteria=draw(st.booleans()), **extra)


@st.composite
def applicant_lists(draw: st.DrawFn) -> list[Applicant]:
    size = draw(st.integers(1, 12))
    return [draw(applicant(n)) for n in range(size)]


# Bantaeng's own lines (SYNTHETIC figures, for the test only): its applicants' lines then differ
# from the others', which take the national ones.
KABUPATEN = PovertyLines.bps_national().extend(
    PovertyLine("73.03", year, month, rupiah, "synthetic, for the test")
    for year, month, rupiah in [
        (2012, "march", 200_000),
        (2013, "march", 210_000),
        (2023, "march", 400_000),
    ]
)


@settings(max_examples=80, deadline=None)
@given(
    rules=rule_sets(),
    people=applicant_lists(),
    on=st.none() | st.just(dt.date(2013, 3, 1)),
    lines=st.sampled_from([None, KABUPATEN]),
)
def test_python_and_polars_decide_the_same(
    rules: EligibilityRules,
    people: list[Applicant],
    on: dt.date | None,
    lines: PovertyLines | None,
) -> None:
    exact = screen(rules, people, backend="python", on=on, lines=lines)
    columnar = screen(rules, people, backend="polars", on=on, lines=lines)
    assert list(exact.ids) == list(columnar.ids)
    assert list(exact.eligible) == list(columnar.eligible)
    for mine, theirs in zip(exact, columnar, strict=True):
        assert mine == theirs
    assert exact.summary() == columnar.summary()


# The bundled intake program: UMKM in Kecamatan Bantaeng and Bissappu, farming in Eremerasa,
# livestock in Pajukukang; its 16 desa, so applicants fall inside and outside their areas.
PROGRAM = klaster.examples.intake()
DESA = [d.name for d in PROGRAM.clusters["bantaeng"].region.villages()]


@st.composite
def placed_applicants(draw: st.DrawFn) -> list[Applicant]:
    people = draw(applicant_lists())
    return [
        attrs.evolve(
            one,
            # Now and then of a cluster the program does not have: its area is not checked.
            cluster_id=draw(st.sampled_from(["bantaeng"] * 5 + ["c1"])),
            village=draw(st.sampled_from(DESA)),
        )
        for one in people
    ]


@settings(max_examples=60, deadline=None)
@given(rules=rule_sets(), people=placed_applicants(), on=st.none() | st.just(dt.date(2013, 3, 1)))
def test_python_and_polars_agree_on_sector_areas(
    rules: EligibilityRules, people: list[Applicant], on: dt.date | None
) -> None:
    exact = screen(rules, people, backend="python", on=on, program=PROGRAM)
    columnar = screen(rules, people, backend="polars", on=on, program=PROGRAM)
    assert list(exact.eligible) == list(columnar.eligible)
    for mine, theirs in zip(exact, columnar, strict=True):
        assert mine == theirs
    assert exact.summary() == columnar.summary()
    # Outside its sector's area (in the program's cluster) is never eligible.
    areas = PROGRAM.clusters["bantaeng"].areas
    for person, ok in zip(people, exact.eligible, strict=True):
        in_program = person.cluster_id == "bantaeng"
        outside = in_program and not areas.inside(person.sector, person.village)
        assert not (outside and ok)
        assert ("sector_area" in exact.decision(person.id).failed_codes) == outside
