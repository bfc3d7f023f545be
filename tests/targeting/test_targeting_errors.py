"""Inclusion and exclusion error: the hand-computed example, the boundary, n/a, bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.model.builders import NAME
from tests.targeting.errors_builders import (
    LINE_2012,
    SURVEY_ON,
    applicant,
    base_program,
    observations,
    program,
    verification,
)

from klaster import InvalidReferenceError, NotFoundError, ValidationError
from klaster.measurement import NotAvailable
from klaster.measurement.methods import PovertyLine, PovertyLines
from klaster.observations import Observations, Round
from klaster.targeting import (
    SCREENING_NOTE,
    Breakdown,
    TargetingErrors,
    TargetingMeasure,
    Verification,
    targeting_errors,
)

INCLUSION, EXCLUSION = TargetingMeasure.INCLUSION, TargetingMeasure.EXCLUSION


Figures = tuple[int, int, Decimal | NotAvailable, int]
Person = tuple[tuple[str, str], str, int | None, int | None]


def figures(table: TargetingErrors, measure: TargetingMeasure, by: Breakdown) -> dict[str, Figures]:
    return {
        row.part: (row.numerator, row.denominator, row.share, row.not_observed)
        for row in table.select(measure, by)
    }


@pytest.fixture(scope="module")
def table() -> TargetingErrors:
    p = program()
    return targeting_errors(p, observations(p), "midline", verification=verification())


class TestHandExample:
    """Every figure below is worked out by hand in tests/targeting/errors_builders.py."""

    def test_inclusion_total(self, table: TargetingErrors) -> None:
        # M-1 poor; M-2 above; M-3 exactly on the line (not poor); M-4 not surveyed.
        row = table.total(INCLUSION)
        assert (row.numerator, row.denominator, row.share, row.not_observed) == (
            2,
            3,
            Decimal("0.6667"),
            1,
        )
        assert table.unlinked_members == 1  # M-9 joined without an application: left out

    def test_inclusion_by_region_and_sector(self, table: TargetingErrors) -> None:
        assert figures(table, INCLUSION, Breakdown.KECAMATAN) == {
            "Bantaeng": (1, 2, Decimal("0.5000"), 0),
            "Pajukukang": (1, 1, Decimal("1.0000"), 1),
        }
        assert figures(table, INCLUSION, Breakdown.SECTOR) == {
            "umkm": (1, 2, Decimal("0.5000"), 0),
            "livestock": (1, 1, Decimal("1.0000"), 1),
        }
        desa = figures(table, INCLUSION, Breakdown.DESA)
        assert desa["Bantaeng / Lamalaka"] == (1, 2, Decimal("0.5000"), 0)
        assert desa["Pajukukang / Pa'jukukang"] == (1, 1, Decimal("1.0000"), 0)
        numerator, denominator, share, missing = desa["Pajukukang / Baruga"]
        assert (numerator, denominator, missing) == (0, 0, 1)
        assert isinstance(share, NotAvailable)
        assert "no member of this part" in share.reason
        assert set(figures(table, INCLUSION, Breakdown.DESA_SECTOR)) == {
            "Bantaeng / Lamalaka / umkm",
            "Pajukukang / Pa'jukukang / livestock",
            "Pajukukang / Baruga / livestock",
        }

    def test_exclusion(self, table: TargetingErrors) -> None:
        # Poor by the verification: A-1 (enrolled), A-5 (waitlisted), A-6 (not eligible),
        # A-7 (declined; one rupiah under the line). A-3 on the line is not poor; A-4 unverified.
        row = table.total(EXCLUSION)
        assert (row.numerator, row.denominator, row.share, row.not_observed) == (
            3,
            4,
            Decimal("0.7500"),
            1,
        )
        assert row.note is None
        assert table.exclusion_source == "verification"
        assert figures(table, EXCLUSION, Breakdown.DESA) == {
            "Bantaeng / Lamalaka": (0, 1, Decimal("0.0000"), 0),
            "Bantaeng / Letta": (2, 2, Decimal("1.0000"), 0),
            "Pajukukang / Pa'jukukang": (1, 1, Decimal("1.0000"), 0),
            "Pajukukang / Baruga": (0, 0, NotAvailable(
                "no applicant of this part was found poor by the verification"), 1),
        }  # fmt: skip
        assert figures(table, EXCLUSION, Breakdown.SECTOR)["umkm"][:3] == (
            2,
            3,
            Decimal("0.6667"),
        )

    def test_every_row_names_its_line_and_fallback(self, table: TargetingErrors) -> None:
        (line,) = table.total(INCLUSION).lines
        assert line.en.startswith("Rp 248.707 per capita per month: No poverty line for kabupaten")
        assert "Profil Kemiskinan di Indonesia Maret 2012" in line.en
        assert line.id.startswith("Rp 248.707 per kapita per bulan: Tidak ada garis")
        assert table.total(EXCLUSION).lines == (line,)
        baruga = table.select(INCLUSION, Breakdown.DESA)[1]
        assert baruga.desa == "Baruga"
        assert baruga.lines == ()  # no one compared there

    def test_the_kabupaten_line_when_there_is_one(self) -> None:
        lines = PovertyLines.bps_national().extend(
            [PovertyLine("73.03", 2012, "march", 200_000, "synthetic test line")]
        )
        p = program()
        table = targeting_errors(
            p, observations(p), "btg-ml", verification=verification(), poverty_lines=lines
        )
        (line,) = table.total(INCLUSION).lines
        assert line.en.startswith("Rp 200.000 per capita per month: Poverty line, kabupaten 73.03")
        assert "No poverty line" not in line.en
        # Against Rp 200,000: A-5 (200,000) is on the line and A-7 (248,706) above: not poor.
        row = table.total(EXCLUSION)
        assert (row.numerator, row.denominator) == (1, 2)  # A-6 left out; A-1 enrolled

    def test_round_by_id_or_key(self, table: TargetingErrors) -> None:
        p = program()
        by_id = targeting_errors(p, observations(p), "btg-ml", verification=verification())

        def counts(t: TargetingErrors) -> list[tuple[str, int, int, int]]:
            return [(r.part, r.numerator, r.denominator, r.not_observed) for r in t]

        assert counts(by_id) == counts(table)
        baseline = targeting_errors(p, observations(p), "baseline")
        # 500,000 for 4 = 125,000 a head against the March 2011 line: all four poor.
        assert baseline.total(INCLUSION).share == Decimal("0.0000")
        assert baseline.total(INCLUSION).denominator == 4

    def test_the_boundary_is_strictly_below(self) -> None:
        p = program()
        obs = observations(p)
        obs.record("btg-ml", "M-1", {"monthly_income": LINE_2012 * 4 - 1, "household_size": 4})
        assert targeting_errors(p, obs, "midline").total(INCLUSION).numerator == 2
        obs.record("btg-ml", "M-1", {"monthly_income": LINE_2012 * 4, "household_size": 4})
        assert targeting_errors(p, obs, "midline").total(INCLUSION).numerator == 3

    def test_records_and_frames(self, table: TargetingErrors) -> None:
        records = table.to_records()
        assert len(records) == len(table) == 24
        first = records[0]
        assert first["measure_id"] == "Kesalahan inklusi"
        assert first["measure_en"] == "Inclusion error"
        assert (first["numerator"], first["denominator"], first["share"]) == (
            2,
            3,
            Decimal("0.6667"),
        )
        baruga = next(r for r in records if r["desa"] == "Baruga")
        assert baruga["share"] is None
        assert "no member" in baruga["not_available"]
        assert table.to_polars().shape == (24, len(first))
        assert list(table.to_pandas().columns) == list(first)
        # No personal data in the table.
        assert NAME not in repr(records)


class TestNotAvailable:
    def test_no_verification_no_exclusion_error(self) -> None:
        p = program()
        table = targeting_errors(p, observations(p), "midline")
        row = table.total(EXCLUSION)
        assert isinstance(row.share, NotAvailable)
        assert "no later verification" in row.share.reason
        assert "use_screening_answers=True" in row.share.reason
        assert table.select(EXCLUSION, Breakdown.KECAMATAN) == ()
        assert table.exclusion_source is None

    def test_no_survey_no_inclusion_error(self) -> None:
        row = targeting_errors(program(), verification=verification()).total(INCLUSION)
        assert isinstance(row.share, NotAvailable)
        assert row.share.reason == "no later survey round was given"

    def test_screening_answers_only_when_asked_and_flagged(self) -> None:
        # Screening answers at application (1 March 2011, line Rp 233,740), households of 4:
        # A-1..A-5 poor (150,000 and 200,000 a head), A-6 not (500,000), A-7 no answer.
        table = targeting_errors(program(), use_screening_answers=True)
        row = table.total(EXCLUSION)
        assert (row.numerator, row.denominator, row.share, row.not_observed) == (
            1,
            5,
            Decimal("0.2000"),
            1,
        )
        assert table.exclusion_source == "screening answers"
        assert all(r.note == SCREENING_NOTE for r in table.rows if r.measure is EXCLUSION)
        assert "Rp 233.740" in row.lines[0].en

    def test_no_one_at_all(self) -> None:
        table = targeting_errors(base_program(), use_screening_answers=True)
        row = table.total(EXCLUSION)
        assert (row.numerator, row.denominator) == (0, 0)
        assert isinstance(row.share, NotAvailable)


class TestBadInput:
    def test_unknown_round(self) -> None:
        p = program()
        with pytest.raises(NotFoundError) as exc:
            targeting_errors(p, observations(p), "endline")
        assert exc.value.path == "survey_round"
        assert "keys: baseline, midline" in str(exc.value)

    def test_round_without_observations(self) -> None:
        with pytest.raises(ValidationError) as exc:
            targeting_errors(program(), None, "midline")
        assert exc.value.path == "observations"

    def test_verification_of_an_unknown_applicant(self) -> None:
        stranger = Verification(SURVEY_ON, {"A-99": 1}, "visit")
        with pytest.raises(InvalidReferenceError) as exc:
            targeting_errors(program(), verification=stranger)
        assert exc.value.path == "verification.incomes['A-99']"

    def test_verification_must_be_a_verification(self) -> None:
        with pytest.raises(ValidationError) as exc:
            targeting_errors(program(), verification={"A-1": 1})  # type: ignore[arg-type]
        assert exc.value.path == "verification"
        assert "Verification(on," in str(exc.value)

    def test_no_line_near_the_date(self) -> None:
        p = program()
        with pytest.raises(ValidationError) as exc:
            targeting_errors(p, observations(p), "midline", poverty_lines=PovertyLines())
        assert exc.value.path == "poverty_lines"
        assert "cluster 'btg' on 2012-03-15: no poverty line" in str(exc.value)


# -- invariants on random programs ------------------------------------------------------------

PLACES = [("umkm", "Lamalaka"), ("umkm", "Letta"), ("livestock", "Pa'jukukang"),
          ("livestock", "Baruga"), ("umkm", "Baruga")]  # fmt: skip
FATES = ["enrolled", "eligible", "waitlisted", "not_eligible", "declined"]
person = st.tuples(
    st.sampled_from(PLACES),
    st.sampled_from(FATES),
    st.none() | st.integers(0, 2_000_000),  # household income at the survey (4 people)
    st.none() | st.integers(0, 500_000),  # verified per-capita income
)


def random_case(people: list[Person]) -> tuple[TargetingErrors, tuple[int, int], tuple[int, int]]:
    p = base_program()
    obs = Observations(p)
    obs.add_round(Round("btg-ml", "btg", "midline", SURVEY_ON))
    on = dt.date(2011, 3, 8)
    verified: dict[str, int] = {}
    inclusion = [0, 0]
    exclusion = [0, 0]
    for index, ((sector, village), fate, income, checked) in enumerate(people):
        applicant_id = f"A-{index}"
        p.intake.add_applicant(applicant(applicant_id, sector, village))
        if fate == "not_eligible":
            p.intake.decide(applicant_id, fate, on, failed=["income_line"])
        else:
            p.intake.decide(applicant_id, "eligible", on)
        if fate == "waitlisted":
            p.intake.waitlist(applicant_id, on)
        elif fate == "declined":
            p.intake.decline(applicant_id, on, reason="moved")
        elif fate == "enrolled":
            p.intake.enrol(applicant_id, member_id=f"M-{index}", on=on)
            if income is not None:
                obs.record("btg-ml", f"M-{index}", {"monthly_income": Decimal(income)})
                inclusion[0] += income >= LINE_2012 * 4
                inclusion[1] += 1
        if checked is not None:
            verified[applicant_id] = checked
            poor = checked < LINE_2012
            exclusion[0] += poor and fate != "enrolled"
            exclusion[1] += poor
    table = targeting_errors(
        p, obs, "midline", verification=Verification(SURVEY_ON, verified, "synthetic")
    )
    return table, (inclusion[0], inclusion[1]), (exclusion[0], exclusion[1])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(person, max_size=10))
def test_invariants(people: list[Person]) -> None:
    table, inclusion, exclusion = random_case(people)
    for measure, expected in ((INCLUSION, inclusion), (EXCLUSION, exclusion)):
        total = table.total(measure)
        assert (total.numerator, total.denominator) == expected  # a plain count agrees
        for breakdown in Breakdown:
            parts = table.select(measure, breakdown)
            # The parts add up to the total, whichever way the program is cut.
            assert sum(r.numerator for r in parts) == total.numerator
            assert sum(r.denominator for r in parts) == total.denominator
            assert sum(r.not_observed for r in parts) == total.not_observed
            for row in parts:
                assert 0 <= row.numerator <= row.denominator
                if row.denominator == 0:
                    assert isinstance(row.share, NotAvailable)
                else:
                    assert isinstance(row.share, Decimal)
                    assert 0 <= row.share <= 1
                    exact = Decimal(row.numerator) / Decimal(row.denominator)
                    assert abs(row.share - exact) <= Decimal("0.00005")


def test_share_of_refuses_a_numerator_over_the_denominator() -> None:
    from klaster.targeting.error_table import share_of

    assert share_of(2, 3, "none") == Decimal("0.6667")
    assert share_of(1, 8, "none") == Decimal("0.1250")
    with pytest.raises(ValidationError, match="between 0 and the denominator 2"):
        share_of(3, 2, "none")


def test_poor_is_read_as_graduation_reads_it() -> None:
    # Every member is poor at the baseline (Rp 125,000 a head); those not poor at the later
    # round are both "graduated" and the inclusion error's numerator (M-9 has no application
    # and stays poor, so the two counts must agree).
    from klaster.measurement import Measurement, graduated_households

    p = program()
    obs = observations(p)
    graduated = graduated_households(Measurement(p, obs), "baseline", "midline", by=())
    assert graduated == targeting_errors(p, obs, "midline").total(INCLUSION).numerator == 2


def test_an_enrolment_whose_member_is_not_in_the_program_is_not_observed() -> None:
    # An intake passed explicitly may name members the program does not hold: they are counted
    # as not observed, in the applicant's place, never assumed poor or not.
    other = program()
    empty = base_program()
    obs = Observations(empty)
    obs.add_round(Round("btg-ml", "btg", "midline", SURVEY_ON))
    row = targeting_errors(empty, obs, "midline", intake=other.intake).total(INCLUSION)
    assert (row.numerator, row.denominator, row.not_observed) == (0, 0, 4)
    assert isinstance(row.share, NotAvailable)
