"""Screening knows the program: an applicant outside its sector's area fails ``sector_area``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from tests.targeting.screening_builders import AREAS, DAY, applicants, rules

import klaster.examples
from klaster.errors import KlasterError, ValidationError
from klaster.model.program import Program
from klaster.targeting import screen

# In the bundled intake program (bantaeng_intake.json) UMKM works in Kecamatan Bantaeng and
# Bissappu, farming in Eremerasa, livestock in Pajukukang. APL-01 and APL-05 of the worked
# example pass every rule; here they live in Kampala (Eremerasa) and Letta (Bantaeng).
OUTSIDE, INSIDE = "Kampala", "Letta"


@pytest.fixture(params=["python", "polars"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _program() -> Program:
    return klaster.examples.intake()


def _people() -> list:  # type: ignore[type-arg]
    first, _, _, _, fifth = applicants()
    return [
        attrs.evolve(first, village=OUTSIDE),  # umkm, outside Bantaeng and Bissappu
        attrs.evolve(fifth, sector="umkm", village=INSIDE),
    ]


class TestScreenWithTheProgram:
    def test_outside_the_area_is_not_eligible(self, backend: str) -> None:
        program = _program()
        screening = screen(rules(), _people(), areas=AREAS, program=program, backend=backend)  # type: ignore[arg-type]
        assert screening.eligible_ids() == ("APL-05",)
        outside = screening.decision("APL-01")
        assert outside.failed_codes == ("sector_area",)
        assert "sector_area: village = Kampala in Bantaeng, Bissappu: not met" in outside.evidence
        assert outside.reason.endswith(
            "sector_area: village 'Kampala' is outside the area of sector 'umkm' "
            "(Bantaeng, Bissappu)"
        )
        assert "Applicant" not in outside.evidence + outside.reason  # never a name
        inside = screening.decision("APL-05")
        assert inside.results[-1].code == "sector_area"
        assert inside.results[-1].passed is True
        assert screening.summary()[0] == ("APL-01", "umkm", False, "sector_area")

    def test_a_village_of_no_desa_says_so(self, backend: str) -> None:
        program = _program()
        nowhere = attrs.evolve(_people()[0], village="Atlantis")
        screening = screen(rules(), [nowhere], areas=AREAS, program=program, backend=backend)  # type: ignore[arg-type]
        decision = screening.decision("APL-01")
        assert decision.failed_codes == ("sector_area",)
        (note,) = [n for n in decision.notes if n.startswith("sector_area")]
        assert note.startswith("sector_area: village 'Atlantis' is not a desa of cluster ")
        # A desa outside the area is only outside: no such note.
        outside = screen(rules(), _people(), areas=AREAS, program=program, backend=backend)  # type: ignore[arg-type]
        assert not [n for n in outside.decision("APL-01").notes if n.startswith("sector_area")]

    def test_without_the_program_areas_are_not_checked(self, backend: str) -> None:
        screening = screen(rules(), _people(), areas=AREAS, backend=backend)  # type: ignore[arg-type]
        assert screening.eligible_ids() == ("APL-01", "APL-05")
        assert all(r.code != "sector_area" for d in screening for r in d.results)

    def test_other_clusters_and_whole_region_sectors_are_not_checked(self, backend: str) -> None:
        program = _program()
        first = _people()[0]
        elsewhere = attrs.evolve(first, id="APL-07", cluster_id="blora")
        screening = screen(rules(), [elsewhere], areas=AREAS, program=program, backend=backend)  # type: ignore[arg-type]
        assert screening.eligible_ids() == ("APL-07",)
        assert all(r.code != "sector_area" for r in screening.decision("APL-07").results)

    def test_an_override_of_the_enrolled_member_keeps_it(self, backend: str) -> None:
        program = _program()
        first = _people()[0]
        program.intake.add_applicant(first)
        program.intake.decide("APL-01", "eligible", DAY)
        program.intake.enrol(
            "APL-01",
            member_id="BTG-0101",
            on=dt.date(2023, 4, 1),
            outside_area="sells in Bantaeng market, lives across the border",
        )
        screening = screen(rules(), [first], areas=AREAS, program=program, backend=backend)  # type: ignore[arg-type]
        decision = screening.decision("APL-01")
        assert decision.eligible
        assert decision.results[-1].passed is True
        assert "kept outside by the area override of member BTG-0101" in decision.evidence

    def test_not_a_program(self) -> None:
        with pytest.raises(ValidationError, match="program: must be a Program"):
            screen(rules(), _people(), program="bantaeng.json")  # type: ignore[arg-type]


class TestIntake:
    def test_changes_record_the_failed_area(self, backend: str) -> None:
        program = _program()
        for one in _people():
            program.intake.add_applicant(one)
        screening = screen(
            rules(),
            program.intake.applicants,
            areas=AREAS,
            program=program,
            backend=backend,  # type: ignore[arg-type]
        )
        for change in screening.changes(dt.date(2023, 3, 20), "tim seleksi"):  # its intake
            program.intake.record(change)
        assert program.intake.status("APL-01").value == "not_eligible"
        assert program.intake.history("APL-01")[-1].failed == ("sector_area",)
        assert program.intake.status("APL-05").value == "eligible"
        # Enrolment then needs both reasons: the rules' override and the area's.
        with pytest.raises(KlasterError, match="override"):
            program.intake.enrol("APL-01", member_id="BTG-0101", on=dt.date(2023, 4, 1))
        member = program.intake.enrol(
            "APL-01",
            member_id="BTG-0101",
            on=dt.date(2023, 4, 1),
            override="the committee kept her: she sells in Bantaeng market",
            outside_area="lives across the kecamatan border",
        )
        assert member.village == OUTSIDE
        assert program.intake.member_of("APL-01") == "BTG-0101"

    def test_changes_of_a_screening_without_program_need_the_intake(self) -> None:
        screening = screen(rules(), _people(), areas=AREAS)
        assert len(screening.changes(dt.date(2023, 3, 20))) == 2  # no intake: every decision
        assert screening.program is None


def test_income_is_still_checked_first() -> None:
    # A poor-rule failure and the area failure are both named, in that order.
    program = _program()
    first = attrs.evolve(
        _people()[0], answers={**_people()[0].answer_map, "monthly_income": Decimal(9_000_000)}
    )
    decision = screen(rules(), [first], areas=AREAS, program=program).decision("APL-01")
    assert decision.failed_codes == ("poor", "sector_area")
