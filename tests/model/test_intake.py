"""Intake in a program: applicants checked in context, enrolment all or nothing (issue 13)."""

from __future__ import annotations

import attrs
import pytest
from tests.model.builders import assert_error, cluster, member, organisations
from tests.model.intake_builders import (
    SECRETS,
    D,
    applicant,
    intake_program,
    snapshot,
)

from klaster import (
    DuplicateIdError,
    Group,
    InvalidReferenceError,
    KlasterError,
    Membership,
    Program,
    ValidationError,
)
from klaster.model import Intake, StatusChange


def _no_secrets(exc: pytest.ExceptionInfo[KlasterError]) -> None:
    for secret in SECRETS:
        assert secret not in str(exc.value)


class TestApplicantsInContext:
    @pytest.mark.parametrize(
        ("changes", "path", "fragment"),
        [
            ({"cluster_id": "lebak"}, "intake.applicants[4].cluster_id", "unknown cluster"),
            ({"sector": "farming"}, "intake.applicants[4].sector", "'umkm', 'livestock'"),
            ({"village": "Bacem"}, "intake.applicants[4].village", "Gaji, Hargoretno"),
        ],
    )
    def test_add_refuses_what_the_cluster_does_not_have(
        self, changes: dict[str, str], path: str, fragment: str
    ) -> None:
        p = intake_program()
        before = snapshot(p)
        with pytest.raises(InvalidReferenceError) as exc:
            p.intake.add_applicant(applicant("A-9", **changes))
        assert_error(exc, InvalidReferenceError, path, fragment)
        _no_secrets(exc)
        assert snapshot(p) == before

    def test_the_village_by_code_and_any_case(self) -> None:
        p = intake_program()
        p.intake.add_applicant(applicant("A-8", village="35.23.08.2001"))
        p.intake.add_applicant(applicant("A-9", village="GAJI"))
        assert len(p.intake.applicants) == 6

    def test_the_same_checks_when_a_program_is_built(self) -> None:
        bad = Intake([applicant("A-1"), applicant("A-2", village="Bacem")])
        with pytest.raises(InvalidReferenceError) as exc:
            Program("km", "KM", "dd", organisations(), [cluster()], intake=bad)
        assert_error(exc, InvalidReferenceError, "intake.applicants[1].village", "Bacem")

    def test_a_duplicate_applicant_id(self) -> None:
        p = intake_program()
        with pytest.raises(DuplicateIdError) as exc:
            p.intake.add_applicant(applicant("A-2"))
        assert_error(exc, DuplicateIdError, "intake.applicants[4].id", "'A-2'")

    def test_an_applicant_id_may_equal_a_member_id(self) -> None:
        p = intake_program()
        p.clusters["tuban"].add_member(member("A-9"))
        p.intake.add_applicant(applicant("A-9"))
        assert "A-9" in p.intake.applicants

    def test_repr_hides_personal_data_and_answers(self) -> None:
        text = repr(intake_program().intake) + repr(applicant())
        for secret in SECRETS:
            assert secret not in text


class TestEnrol:
    def test_creates_the_member_joins_the_group_and_records_the_decision(self) -> None:
        p = intake_program()
        m = p.intake.enrol("A-1", member_id="M-1", on=D(2011, 4, 1), group_id="G-1")
        c = p.clusters["tuban"]
        assert c.members["M-1"] == m
        assert (m.application_id, m.joined, m.village, m.sector) == (
            "A-1",
            D(2011, 4, 1),
            "Gaji",
            "umkm",
        )
        assert (m.name, m.national_id) == (applicant().name, applicant().national_id)
        assert c.groups["G-1"].member_ids(D(2011, 4, 1)) == ("M-1",)
        assert p.intake.status("A-1").value == "enrolled"
        assert p.intake.member_of("A-1") == "M-1"
        assert p.intake.applicant_of("M-1") == "A-1"
        Program.validate(p)  # the whole program still holds together

    def test_the_member_may_take_the_applicant_id(self) -> None:
        p = intake_program()
        assert p.intake.enrol("A-1", member_id="A-1", on=D(2011, 4, 1)).id == "A-1"

    def test_enrolled_twice_is_refused(self) -> None:
        p = intake_program()
        p.intake.enrol("A-1", member_id="M-1", on=D(2011, 4, 1))
        before = snapshot(p)
        with pytest.raises(ValidationError) as exc:
            p.intake.enrol("A-1", member_id="M-2", on=D(2011, 4, 2))
        assert_error(
            exc, ValidationError, "intake.decisions[4].status", "already enrolled", "'M-1'"
        )
        assert snapshot(p) == before

    def test_into_a_full_group_is_refused(self) -> None:
        p = intake_program(capacity=1)
        p.intake.enrol("A-1", member_id="M-1", on=D(2011, 4, 1), group_id="G-1")
        before = snapshot(p)
        with pytest.raises(ValidationError) as exc:
            p.intake.enrol("A-3", member_id="M-3", on=D(2011, 4, 2), group_id="G-1", override="x")
        assert_error(exc, ValidationError, "clusters[0].groups[0].memberships[1]", "capacity of 1")
        _no_secrets(exc)
        assert snapshot(p) == before
        assert "M-3" not in p.clusters["tuban"].members

    def test_a_place_freed_by_a_leaver_can_be_taken(self) -> None:
        p = intake_program(capacity=1)
        p.intake.enrol("A-1", member_id="M-1", on=D(2011, 4, 1), group_id="G-1")
        p.clusters["tuban"].leave_group("G-1", "M-1", D(2011, 5, 1))
        p.intake.enrol("A-3", member_id="M-3", on=D(2011, 5, 1), group_id="G-1", override="x")
        assert p.clusters["tuban"].groups["G-1"].member_ids(D(2011, 5, 1)) == ("M-3",)

    @pytest.mark.parametrize(
        ("applicant_id", "said"), [("A-2", "not eligible"), ("A-3", "not screened")]
    )
    def test_not_eligible_or_unscreened_without_override_is_refused(
        self, applicant_id: str, said: str
    ) -> None:
        p = intake_program()
        before = snapshot(p)
        with pytest.raises(ValidationError) as exc:
            p.intake.enrol(applicant_id, member_id="M-2", on=D(2011, 4, 1), group_id="G-1")
        assert_error(exc, ValidationError, "intake.decisions[3].override", said, "override")
        assert snapshot(p) == before

    def test_with_an_override_reason_it_is_recorded(self) -> None:
        p = intake_program()
        p.intake.enrol("A-2", member_id="M-2", on=D(2011, 4, 1), override="widow, income falls")
        assert p.intake.history("A-2")[-1].override == "widow, income falls"

    @pytest.mark.parametrize(
        ("kwargs", "error", "path"),
        [
            ({"group_id": "G-9"}, InvalidReferenceError, "clusters[0].groups"),
            ({"member_id": " M-1"}, ValidationError, "intake.decisions[3].member_id"),
            ({"on": D(2011, 2, 1)}, ValidationError, "intake.decisions[3].on"),
        ],
    )
    def test_other_refusals_change_nothing(
        self, kwargs: dict[str, object], error: type[KlasterError], path: str
    ) -> None:
        p = intake_program()
        before = snapshot(p)
        args: dict[str, object] = {"member_id": "M-1", "on": D(2011, 4, 1), **kwargs}
        with pytest.raises(error) as exc:
            p.intake.enrol("A-1", **args)  # type: ignore[arg-type]
        assert exc.value.path == path
        assert snapshot(p) == before

    def test_a_member_id_used_in_another_cluster(self) -> None:
        p = intake_program()
        other = cluster("tuban2")
        other.add_member(member("M-1"))
        p.add_cluster(other)
        before = snapshot(p)
        with pytest.raises(DuplicateIdError) as exc:
            p.intake.enrol("A-1", member_id="M-1", on=D(2011, 4, 1))
        assert_error(exc, DuplicateIdError, "clusters[0].members[0].id", "'M-1'")
        assert snapshot(p) == before

    def test_a_group_of_another_sector(self) -> None:
        p = intake_program()
        with pytest.raises(InvalidReferenceError) as exc:
            p.intake.enrol("A-4", member_id="M-4", on=D(2011, 4, 1), group_id="G-1")
        assert exc.value.path == "clusters[0].groups[0].sector"

    def test_a_member_refused_by_the_cluster_is_located(self) -> None:
        p = intake_program()
        before = snapshot(p)
        with pytest.raises(ValidationError) as exc:
            p.intake.enrol("A-1", member_id="M-1", on=D(2011, 4, 1), business_type=" ")
        assert str(exc.value.path).startswith("clusters[0].members[0]")
        assert snapshot(p) == before

    def test_an_unbound_intake_cannot_enrol(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Intake().enrol("A-1", member_id="M-1", on=D(2011, 4, 1))
        assert exc.value.path == "intake"


class TestWaitlistDecline:
    def test_waitlist_then_enrol(self) -> None:
        p = intake_program()
        p.intake.waitlist("A-1", D(2011, 3, 9), reason="group full")
        p.intake.enrol("A-1", member_id="M-1", on=D(2011, 6, 1))
        assert [c.status.value for c in p.intake.history("A-1")] == [
            "eligible",
            "waitlisted",
            "enrolled",
        ]

    def test_decline_needs_a_reason_and_is_final(self) -> None:
        p = intake_program()
        with pytest.raises(ValidationError) as exc:
            p.intake.decide("A-1", "declined", D(2011, 3, 9))
        assert exc.value.path == "intake.decisions[3].reason"
        p.intake.decline("A-1", D(2011, 3, 9), reason="moved away")
        with pytest.raises(ValidationError):
            p.intake.enrol("A-1", member_id="M-1", on=D(2011, 4, 1), override="x")


class TestLinksInContext:
    def _enrolled(self) -> Program:
        p = intake_program()
        p.intake.enrol("A-1", member_id="M-1", on=D(2011, 4, 1), group_id="G-1")
        return p

    def _rebuild(self, p: Program, **changes: object) -> Program:
        fields = {a.name: getattr(p, a.name) for a in attrs.fields(Program) if a.init}
        fields.update(changes)
        return Program(**fields)

    def test_a_member_naming_an_unknown_application(self) -> None:
        p = intake_program()
        p.clusters["tuban"].add_member(member("M-9", application_id="A-3"))
        with pytest.raises(InvalidReferenceError) as exc:
            Program.validate(p)
        assert exc.value.path == "clusters[0].members[0].application_id"

    def test_an_enrolment_naming_a_missing_member(self) -> None:
        p = self._enrolled()
        decisions = list(p.intake.decisions)
        decisions[-1] = attrs.evolve(decisions[-1], member_id="M-7")
        with pytest.raises(InvalidReferenceError) as exc:
            self._rebuild(p, intake=Intake(p.intake.applicants, decisions))
        assert exc.value.path == "intake.decisions[3].member_id"

    def test_an_enrolment_whose_member_does_not_link_back(self) -> None:
        p = intake_program()
        p.clusters["tuban"].add_member(member("M-1"))
        with pytest.raises(InvalidReferenceError) as exc:
            p.intake.record(StatusChange("A-1", "enrolled", D(2011, 4, 1), member_id="M-1"))
        assert exc.value.path == "intake.decisions[3].member_id"

    def test_an_enrolment_naming_a_group_the_member_never_joined(self) -> None:
        p = self._enrolled()
        decisions = list(p.intake.decisions)
        p.clusters["tuban"].add_group(Group("G-2", "Kelompok Melati", "umkm", D(2011, 1, 1)))
        decisions[-1] = attrs.evolve(decisions[-1], group_id="G-2")
        with pytest.raises(InvalidReferenceError) as exc:
            self._rebuild(p, intake=Intake(p.intake.applicants, decisions))
        assert exc.value.path == "intake.decisions[3].group_id"

    def test_a_program_with_an_enrolment_rebuilds(self) -> None:
        p = self._enrolled()
        assert self._rebuild(p) == p


class TestGroupCapacity:
    def test_the_group_refuses_more_active_members(self) -> None:
        spells = [Membership(m, D(2011, 7, 1)) for m in ("M-1", "M-2", "M-3")]
        with pytest.raises(ValidationError) as exc:
            Group("G-1", "Kelompok", "umkm", D(2011, 7, 1), spells, capacity=2)
        assert_error(exc, ValidationError, "memberships[2]", "3 active members", "capacity of 2")

    def test_spells_that_do_not_overlap_in_time_fit(self) -> None:
        spells = [
            Membership("M-1", D(2011, 7, 1), D(2012, 1, 1)),
            Membership("M-2", D(2012, 1, 1)),
        ]
        assert Group("G-1", "K", "umkm", D(2011, 7, 1), spells, capacity=1).capacity == 1

    def test_join_group_refuses_overfilling(self) -> None:
        c = cluster()
        c.add_members([member("M-1"), member("M-2")])
        c.add_group(Group("G-1", "K", "umkm", D(2011, 7, 1), capacity=1))
        c.join_group("G-1", "M-1", D(2011, 7, 1))
        with pytest.raises(ValidationError) as exc:
            c.join_group("G-1", "M-2", D(2011, 8, 1))
        assert exc.value.path == "memberships[1]"
        assert c.groups["G-1"].member_ids() == ("M-1",)

    def test_capacity_is_at_least_one(self) -> None:
        with pytest.raises(ValidationError):
            Group("G-1", "K", "umkm", D(2011, 7, 1), capacity=0)


class TestSectorArea:
    """Enrolment is where a sector's area applies (an applicant may live outside it)."""

    def _program(self) -> Program:
        from pathlib import Path

        import klaster

        examples = Path(__file__).resolve().parents[2] / "examples" / "data"
        p = klaster.load(examples / "bantaeng_intake.json")  # umkm: Bantaeng and Bissappu
        p.intake.add_applicant(
            applicant("A-1", cluster_id="bantaeng", village="Baruga", business_type="trading")
        )  # Baruga is in Pajukukang: livestock's area
        p.intake.decide("A-1", "eligible", D(2011, 5, 2))
        return p

    def test_outside_the_area_without_a_reason_is_refused(self) -> None:
        p = self._program()
        before = snapshot(p)
        with pytest.raises(KlasterError) as exc:
            p.intake.enrol("A-1", member_id="M-1", on=D(2011, 6, 1))
        assert str(exc.value.path).startswith("clusters[0].")
        assert snapshot(p) == before

    def test_with_a_reason_the_cluster_records_the_override(self) -> None:
        p = self._program()
        p.intake.enrol("A-1", member_id="M-1", on=D(2011, 6, 1), outside_area="sells in Letta")
        override = p.clusters["bantaeng"].area_override("member", "M-1")
        assert override is not None
        assert override.reason == "sells in Letta"
