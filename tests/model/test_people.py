"""People who are not beneficiaries: positions, privacy, facilitator caseloads over time."""

from __future__ import annotations

import pytest
from tests.model.fieldwork_builders import D, program, refused

from klaster import Assignment, KlasterError, Person, PersonRole, Position, ValidationError
from klaster.testing.samples import SAMPLE_FACILITATOR_NAME, SAMPLE_FACILITATOR_PHONE


class TestPerson:
    def test_role_on_a_day(self) -> None:
        person = Person(
            "p",
            "X",
            [
                Position("dd", "staff", end=D(2011, 12, 31)),
                Position("mm", "facilitator", start=D(2012, 1, 1)),
            ],
        )
        assert person.role_on(D(2011, 6, 1)) is PersonRole.STAFF
        assert person.role_on(D(2013, 6, 1)) is PersonRole.FACILITATOR
        assert person.organisation_ids() == ("dd", "mm")

    def test_at_least_one_position(self) -> None:
        with pytest.raises(ValidationError, match="at least one position") as exc:
            Person("p", "X", [])
        assert exc.value.path == "positions"

    def test_position_dates_in_order(self) -> None:
        with pytest.raises(KlasterError) as exc:
            Position("dd", "staff", start=D(2012, 1, 1), end=D(2011, 1, 1))
        assert exc.value.path == "end"


class TestPrivacy:
    def test_name_and_phone_not_in_repr(self) -> None:
        person = program().people["pd-1"]
        assert SAMPLE_FACILITATOR_NAME not in repr(person)
        assert SAMPLE_FACILITATOR_PHONE not in repr(person)
        assert SAMPLE_FACILITATOR_NAME not in repr(program().people)

    def test_not_in_errors(self) -> None:
        p = program()
        person = Person(
            "pd-2",
            SAMPLE_FACILITATOR_NAME,
            [Position("nope", "facilitator")],
            phone=SAMPLE_FACILITATOR_PHONE,
        )
        refused(
            p,
            p.add_person,
            person,
            where="people[2].positions[0].organisation_id",
            match="organisation 'nope'",
        )

    def test_duplicate_person(self) -> None:
        p = program()
        again = Person("pd-1", SAMPLE_FACILITATOR_NAME, [Position("dd", "facilitator")])
        refused(p, p.add_person, again, where="people[2].id", match="duplicate ID 'pd-1'")


class TestCaseload:
    def test_groups_and_members_over_time(self) -> None:
        work = program().fieldwork
        during = work.caseload("pd-1", D(2012, 1, 1))
        assert during.cluster_ids == ("bantaeng",)
        assert during.group_ids == ("BTG-K01",)
        # BTG-1 and BTG-2 through their group that day, BTG-3 listed individually.
        assert set(during.member_ids) == {"BTG-1", "BTG-2", "BTG-3"}
        later = work.caseload("pd-1", D(2013, 1, 1))  # BTG-2 left the group in October 2012
        assert set(later.member_ids) == {"BTG-1", "BTG-3"}
        after = work.caseload("pd-1", D(2014, 4, 1))  # the assignment ended
        assert after.cluster_ids == after.group_ids == after.member_ids == ()

    def test_index_follows_new_assignments(self) -> None:
        # caseload indexes the assignments by person: a later assign must show in the next call.
        p = program()
        assert p.fieldwork.caseload("bupati-btg", D(2013, 6, 1)).cluster_ids == ()
        p.fieldwork.assign(Assignment("bupati-btg", "bantaeng", D(2013, 1, 1)))
        assert p.fieldwork.caseload("bupati-btg", D(2013, 6, 1)).cluster_ids == ("bantaeng",)
        assert p.fieldwork.caseload("pd-1", D(2012, 1, 1)).group_ids == ("BTG-K01",)

    def test_whole_cluster(self) -> None:
        p = program()
        p.fieldwork.assign(Assignment("bupati-btg", "bantaeng", D(2013, 1, 1)))
        load = p.fieldwork.caseload("bupati-btg", D(2013, 6, 1))
        assert set(load.group_ids) == {"BTG-K01", "BTG-K02"}
        assert set(load.member_ids) == {"BTG-1", "BTG-3"}  # BTG-2 had left the program

    @pytest.mark.parametrize(
        ("assignment", "where", "match"),
        [
            (Assignment("nobody", "bantaeng", D(2012, 1, 1)), "person_id", "person 'nobody'"),
            (Assignment("pd-1", "lebak", D(2012, 1, 1)), "cluster_id", "cluster 'lebak'"),
            (
                Assignment("pd-1", "bantaeng", D(2012, 1, 1), group_ids=["G-X"]),
                "group_ids[0]",
                "group 'G-X' is not a group of cluster 'bantaeng'",
            ),
            (
                Assignment("pd-1", "bantaeng", D(2012, 1, 1), member_ids=["BTG-9"]),
                "member_ids[0]",
                "member 'BTG-9'",
            ),
        ],
    )
    def test_bad_assignment(self, assignment: Assignment, where: str, match: str) -> None:
        p = program()
        refused(
            p,
            p.fieldwork.assign,
            assignment,
            where=f"fieldwork.assignments[1].{where}",
            match=match,
        )
