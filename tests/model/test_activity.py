"""Activities: participants of the cluster, attendance only once held, no future held dates."""

from __future__ import annotations

import attrs
import pytest
from tests.model.fieldwork_builders import TOMORROW, D, program, refused

from klaster import (
    Activity,
    ActivityStatus,
    DuplicateIdError,
    KlasterError,
    Participant,
    ValidationError,
)


def _training(**changes: object) -> Activity:
    base = Activity(
        "t-1",
        "training",
        "Pelatihan pembukuan",
        "planned",
        cluster_id="bantaeng",
        planned_on=D(2012, 5, 1),
        participants=[Participant("member", "BTG-1")],
    )
    return attrs.evolve(base, **changes)  # type: ignore[arg-type]


class TestRecord:
    def test_held_needs_its_date(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Activity("a", "workshop", "W", "held")
        assert exc.value.path == "held_on"

    def test_planned_needs_its_date(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Activity("a", "workshop", "W", "planned")
        assert exc.value.path == "planned_on"

    @pytest.mark.parametrize("status", ["planned", "cancelled", "postponed"])
    def test_attendance_for_an_activity_that_did_not_happen(self, status: str) -> None:
        with pytest.raises(ValidationError, match="did not happen") as exc:
            Activity(
                "a",
                "workshop",
                "W",
                status,
                planned_on=D(2012, 1, 1),
                participants=[Participant("member", "M"), Participant("member", "N", False)],
            )
        assert exc.value.path == "participants[1].attended"

    def test_participant_listed_twice(self) -> None:
        with pytest.raises(ValidationError, match="listed twice") as exc:
            Activity(
                "a",
                "workshop",
                "W",
                "cancelled",
                participants=[Participant("member", "M"), Participant("member", "M")],
            )
        assert exc.value.path == "participants[1]"

    def test_attendance_count(self) -> None:
        held = program().fieldwork.activities["btg-opening"]
        assert held.happened
        assert [p.id for p in held.attendees()] == ["bupati-btg", "BTG-1", "BTG-K01"]
        assert held.attendance_count() == 60  # the reported headcount is larger
        assert program().fieldwork.activities["btg-board-training"].attendance_count() is None


class TestInContext:
    @pytest.mark.parametrize(
        ("changes", "where", "match"),
        [
            (
                {"participants": [Participant("member", "BTG-1"), Participant("member", "X-9")]},
                "participants[1].id",
                "member 'X-9' is not a member of cluster 'bantaeng'",
            ),
            (
                {"participants": [Participant("group", "G-9")]},
                "participants[0].id",
                "group 'G-9' is not a group of cluster 'bantaeng'",
            ),
            (
                {"participants": [Participant("board", "nope")]},
                "participants[0].id",
                "cooperative 'nope'",
            ),
            (
                {"participants": [Participant("person", "nobody")]},
                "participants[0].id",
                "person 'nobody' is not in the program's people",
            ),
            ({"status": "held", "held_on": TOMORROW}, "held_on", "after today"),
            ({"kind": "party"}, "kind", "unknown activity kind 'party'"),
            ({"cluster_id": "lebak"}, "cluster_id", "cluster 'lebak' is not in the program"),
            ({"sector": "farming"}, "sector", "sector 'farming' is not a sector"),
            ({"village": "Gaji"}, "village", "village 'Gaji' is not a desa"),
            ({"organiser_ids": ["dinas"]}, "organiser_ids[0]", "organisation 'dinas'"),
            ({"facilitator_ids": ["nobody"]}, "facilitator_ids[0]", "person 'nobody'"),
        ],
    )
    def test_refused_and_nothing_changes(
        self, changes: dict[str, object], where: str, match: str
    ) -> None:
        p = program()
        refused(
            p,
            p.fieldwork.add_activity,
            _training(**changes),
            where=f"fieldwork.activities[2].{where}",
            match=match,
        )

    def test_participant_of_another_cluster_in_a_program_wide_activity(self) -> None:
        p = program()
        p.fieldwork.add_activity(_training(cluster_id=None))
        assert p.fieldwork.activities["t-1"].cluster_id is None

    def test_duplicate_id(self) -> None:
        p = program()
        err = refused(
            p,
            p.fieldwork.add_activity,
            _training(id="btg-opening"),
            where="fieldwork.activities[2].id",
            match="duplicate ID",
        )
        assert isinstance(err, DuplicateIdError)

    def test_not_an_activity(self) -> None:
        p = program()
        refused(
            p,
            p.fieldwork.add_activity,
            "t-1",
            where="fieldwork.activities[2]",
            match="must be a Activity",
        )


class TestHolding:
    def test_hold_records_attendance(self) -> None:
        p = program()
        p.fieldwork.add_activity(_training())
        held = p.fieldwork.hold(
            "t-1",
            D(2012, 5, 2),
            attendance=[
                Participant("member", "BTG-1", True),
                Participant("member", "BTG-3", False),
            ],
        )
        assert held.status is ActivityStatus.HELD
        assert held.planned_on == D(2012, 5, 1)
        assert [(x.id, x.attended) for x in held.participants] == [
            ("BTG-1", True),
            ("BTG-3", False),
        ]
        assert p.fieldwork.activities["t-1"] == held

    def test_holding_in_the_future_is_refused(self) -> None:
        p = program()
        refused(
            p,
            p.fieldwork.hold,
            "btg-board-training",
            TOMORROW,
            where="fieldwork.activities[1].held_on",
            match="after today",
        )

    def test_attendance_of_someone_outside_the_cluster(self) -> None:
        p = program()

        def hold() -> None:
            p.fieldwork.hold(
                "btg-board-training",
                D(2013, 9, 10),
                attendance=[Participant("member", "X-1", True)],
            )

        refused(p, hold, where="fieldwork.activities[1].participants[1].id", match="member 'X-1'")

    def test_attendance_on_a_cancelled_activity_update(self) -> None:
        p = program()
        old = p.fieldwork.activities["btg-board-training"]
        with pytest.raises(KlasterError, match="did not happen"):
            attrs.evolve(
                old, status="cancelled", participants=[Participant("board", "irman", True)]
            )

    def test_an_import_holds_it_as_hold_does(self) -> None:
        """Activity.held_as (imports) merges as Fieldwork.hold: one rule in one place."""
        invited = [Participant("member", "BTG-1"), Participant("member", "BTG-2")]
        planned = _training(note="undangan", participants=invited)
        came = [Participant("member", "BTG-2", True), Participant("member", "BTG-3", False)]
        imported = Activity("t-1", "training", "Pelatihan kas", "held", cluster_id="bantaeng",
                            held_on=D(2012, 5, 2), participants=came)  # fmt: skip
        merged = planned.held_as(imported)
        p = program()
        p.fieldwork.add_activity(planned)
        by_hold = p.fieldwork.hold("t-1", D(2012, 5, 2), attendance=came)
        assert merged == attrs.evolve(by_hold, title="Pelatihan kas")
        assert (merged.note, merged.planned_on) == ("undangan", D(2012, 5, 1))
        assert merged.held_as(imported) is merged  # the same import again: unchanged
        assert planned.held_as(planned) is planned
        assert attrs.evolve(planned, status="postponed").held_as(imported).happened

    @pytest.mark.parametrize(
        "stored",
        [
            _training(status="cancelled"),  # cancelled: never held by an import
            _training(status="held", held_on=D(2012, 5, 3), planned_on=None),  # held: other day
            _training(title="Pelatihan lain"),  # the import does not say it was held
        ],
    )
    def test_other_updates_are_refused(self, stored: Activity) -> None:
        with pytest.raises(ValidationError, match="already in the program") as exc:
            stored.held_as(_training())
        assert exc.value.path == "id"
        with pytest.raises(ValidationError):
            stored.held_as(_training(status="held", held_on=D(2012, 5, 2), id="t-2"))

    def test_activities_of(self) -> None:
        work = program().fieldwork
        assert [a.id for a in work.activities_of("bantaeng")] == [
            "btg-opening",
            "btg-board-training",
        ]
        assert [a.id for a in work.activities_of(kind="training")] == ["btg-board-training"]
        assert [a.id for a in work.activities_of(status="held")] == ["btg-opening"]
        assert work.activities_of(start=D(2012, 1, 1), end=D(2012, 12, 31)) == ()
