"""Screening: the worked example's hand-computed decisions, evidence, changes, bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.targeting.screening_builders import AREAS, DAY, LINE, applicants, rules

from klaster.errors import KlasterError, ValidationError
from klaster.model.applicant import Applicant
from klaster.model.intake import Intake
from klaster.targeting import HadKifayah, screen


@pytest.fixture(params=["python", "polars"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class TestWorkedExample:
    def test_hand_computed_decisions(self, backend: str) -> None:
        screening = screen(rules(), applicants(), areas=AREAS, backend=backend)  # type: ignore[arg-type]
        # APL-01: 1,800,000 / 4 = 450,000 <= 550,458; miskin; 0.3 ha; 2 + 1 + 0 = 3 >= 2.
        # APL-02: 1,800,000 / 3 = 600,000 > 550,458: the essential 'poor' fails.
        # APL-03: 500,000 per head, gharim, land not answered (does not apply), housing 0 < 2.
        # APL-04: eligible by the rules (450,000; fakir; 0.25 ha; 1 + 1 + 1 = 3), but a
        #         livestock applicant without space for animals.
        # APL-05: 3,300,000 / 6 = 550,000 <= 550,458; 2 + 0 + 0 = 2 >= 2; has space.
        assert dict(zip(screening.ids, screening.eligible, strict=True)) == {
            "APL-01": True,
            "APL-02": False,
            "APL-03": False,
            "APL-04": False,
            "APL-05": True,
        }
        assert screening.decision("APL-02").failed_codes == ("poor",)
        assert screening.decision("APL-03").failed_codes == ("housing",)
        assert screening.decision("APL-04").failed_codes == ("livestock_has_animal_space",)
        assert screening.eligible_ids() == ("APL-01", "APL-05")

    def test_evidence_keeps_values_and_lines(self, backend: str) -> None:
        screening = screen(rules(), applicants(), areas=AREAS, backend=backend)  # type: ignore[arg-type]
        first = screening.decision("APL-01")
        poor = first.results[0]
        assert (poor.value, poor.threshold, poor.passed) == (Decimal(450000), LINE, True)
        assert first.results[3].value == Decimal(3)  # the housing total
        assert "poor: monthly_income / household_size = 450000 <= 550458: met" in first.evidence
        assert "No poverty line for kabupaten 73.03" in first.evidence  # fell back, and says so
        assert "Applicant 1" not in first.evidence
        third = screening.decision("APL-03")
        assert third.results[2].passed is None  # land not answered: does not apply
        assert third.reason == "not met where it applies: housing"

    def test_changes_follow_the_intake(self) -> None:
        intake = Intake()
        for applicant in applicants():
            intake.add_applicant(applicant)
        intake.decide("APL-05", "declined", DAY, reason="moved away")
        screening = screen(rules(), intake.applicants, areas=AREAS)
        changes = screening.changes(dt.date(2023, 3, 20), "tim seleksi", intake=intake)
        assert [c.applicant_id for c in changes] == ["APL-01", "APL-02", "APL-03", "APL-04"]
        for change in changes:
            intake.record(change)
        assert intake.status("APL-01").value == "eligible"
        assert intake.history("APL-02")[-1].failed == ("poor",)
        assert str(intake.history("APL-02")[-1].evidence).startswith("poor: monthly_income")


class TestBadInput:
    def test_answer_of_the_wrong_kind_is_located(self, backend: str) -> None:
        people = applicants()
        bad = Applicant(
            "APL-09",
            "bantaeng",
            "X",
            "male",
            3,
            "Gaji",
            "umkm",
            DAY,
            answers={
                "monthly_income": 1,
                "asnaf": "poor",
                "house_floor": "earth",
                "house_wall": "wood",
                "house_roof": "zinc",
            },
        )
        with pytest.raises(ValidationError) as caught:
            screen(rules(), [*people, bad], backend=backend)  # type: ignore[arg-type]
        assert caught.value.path == "applicants[5].answers.asnaf"
        assert "'poor'" not in str(caught.value)

    def test_unknown_backend(self) -> None:
        with pytest.raises(ValidationError, match="unknown backend"):
            screen(rules(), applicants(), backend="duck")  # type: ignore[arg-type]

    def test_not_rules(self) -> None:
        with pytest.raises(ValidationError, match="must be EligibilityRules"):
            screen("rules.toml", applicants())  # type: ignore[arg-type]

    def test_kifayah_basis_must_fit(self) -> None:
        from klaster.targeting import read_rules

        per_head = read_rules(
            'version = 1\nform = "all_of"\n[[criteria]]\ncode = "k"\n'
            'label = { id = "K", en = "K" }\nreads = "monthly_income"\nper_capita = true\n'
            'operator = "<"\nline = "had_kifayah"\n'
        )
        with pytest.raises(KlasterError) as caught:
            screen(per_head, applicants(), kifayah=HadKifayah.bundled())
        assert caught.value.path == "rules.criteria[0].per_capita"


class TestTables:
    def test_records_and_frames(self, backend: str) -> None:
        screening = screen(rules(), applicants(), areas=AREAS, backend=backend)  # type: ignore[arg-type]
        records = screening.to_records()
        assert [r["eligible"] for r in records] == [True, False, False, False, True]
        assert records[1]["failed"] == "poor"
        assert screening.to_polars()["applicant_id"].to_list() == list(screening.ids)
        pandas = pytest.importorskip("pandas")
        frame = screening.to_pandas()
        assert isinstance(frame, pandas.DataFrame)
        assert list(frame["failed"]) == ["", "poor", "housing", "livestock_has_animal_space", ""]
        assert "Applicant" not in " ".join(frame["evidence"])
