"""Imported activities (attendance) and mentoring visits in the store: checked, all or nothing."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import attrs
import pytest

from klaster import ImportDataError, Program
from klaster.importing.batch import ImportBatch, NewActivity, NewVisit
from klaster.model.activity import Activity, Participant
from klaster.model.mentoring import Visit
from klaster.store import Store
from klaster.testing.samples import SAMPLE_FIELDWORK_SECRETS, sample_program_with_fieldwork

D = dt.date


def training(status: str = "held", **changes: object) -> Activity:
    fields: dict[str, object] = {
        "cluster_id": "bantaeng",
        "held_on": D(2012, 5, 2) if status == "held" else None,
        "planned_on": D(2012, 5, 2),
        "participants": [Participant("member", "BTG-1", True),
                         Participant("member", "BTG-3", False)],
    }  # fmt: skip
    fields.update(changes)
    return Activity("btg-pembukuan", "training", "Pelatihan pembukuan", status, **fields)  # type: ignore[arg-type]


def batch(*items: NewActivity | NewVisit) -> ImportBatch:
    return ImportBatch(
        "training.csv",
        activities=[i for i in items if isinstance(i, NewActivity)],
        visits=[i for i in items if isinstance(i, NewVisit)],
    )


def visit(vid: str = "v-9", on: dt.date | None = None, **changes: object) -> Visit:
    fields: dict[str, object] = {"member_ids": ["BTG-3"]}
    fields.update(changes)
    return Visit(vid, "bantaeng", "pd-1", on or D(2013, 1, 7), **fields)  # type: ignore[arg-type]


@pytest.fixture
def stored(store_path: Path) -> Path:
    Store.create(store_path, sample_program_with_fieldwork()).close()
    return store_path


def load(path: Path) -> Program:
    with Store.open(path) as store:
        return store.load_program()


class TestApplied:
    def test_activity_and_visit(self, stored: Path) -> None:
        with Store.open(stored) as store:
            summary = store.apply_import(
                batch(NewActivity("s-1", training(), "training.csv row 2"),
                      NewVisit("s-2", visit(), "visits.csv row 2"))
            )  # fmt: skip
        assert (summary.activities_added, summary.visits_added) == (1, 1)
        program = load(stored)
        assert program.fieldwork.activities["btg-pembukuan"] == training()
        assert program.fieldwork.visits["v-9"] == visit()

    def test_reimport_changes_nothing(self, stored: Path) -> None:
        items = batch(NewActivity("s-1", training()), NewVisit("s-2", visit()))
        with Store.open(stored) as store:
            store.apply_import(items)
            before = store.load_program()
            again = store.apply_import(items)
            assert (again.activities_added, again.visits_added) == (0, 0)
            assert again.submissions_skipped == 2
            # The same records under other submission IDs (a re-exported form): no change either.
            other = batch(NewActivity("s-8", training()), NewVisit("s-9", visit()))
            third = store.apply_import(other)
            assert (third.activities_added, third.visits_added) == (0, 0)
            assert store.load_program() == before

    def test_planned_activity_becomes_held(self, stored: Path) -> None:
        planned = training("planned", participants=[Participant("member", "BTG-1")])
        with Store.open(stored) as store:
            store.apply_import(batch(NewActivity("s-1", planned)))
            summary = store.apply_import(batch(NewActivity("s-2", training())))
        assert summary.activities_added == 1
        assert load(stored).fieldwork.activities["btg-pembukuan"] == training()

    @pytest.mark.parametrize("status", ["planned", "postponed"])
    def test_a_planned_activity_held_by_an_import_is_merged_as_hold_does(
        self, stored: Path, status: str
    ) -> None:
        """Invited participants kept, the attendance replaces or is added, given fields win."""
        invited = [Participant("member", "BTG-3"), Participant("member", "BTG-2"),
                   Participant("person", "pd-1", role="trainer")]  # fmt: skip
        planned = training(status, participants=invited, venue="Balai desa", note="undangan")
        with Store.open(stored) as store:
            program = store.load_program()
            program.fieldwork.add_activity(planned)
            store.save_program(program)
            imported = training(venue="Aula koperasi")  # BTG-1 attended, BTG-3 did not
            summary = store.apply_import(batch(NewActivity("s-1", imported, "training.csv row 2")))
            assert summary.activities_added == 1
            after = store.load_program()
            # The same import again, under another submission ID: nothing changes.
            again = store.apply_import(batch(NewActivity("s-2", imported, "training.csv row 2")))
            assert again.activities_added == 0
            assert store.load_program() == after
            # Other values for the activity now held: refused, located, nothing written.
            other = attrs.evolve(imported, title="Pelatihan lain")
            with pytest.raises(ImportDataError) as exc:
                store.apply_import(batch(NewActivity("s-3", other, "training.csv row 5")))
            assert exc.value.problems == (
                "training.csv row 5: id: activity 'btg-pembukuan' is already in the program "
                "(held) with other values; an import only records that a planned or postponed "
                "activity was held (change this one with Fieldwork.update_activity)",
            )
            assert store.load_program() == after
        held = after.fieldwork.activities["btg-pembukuan"]
        assert held == planned.held_as(imported)
        assert held.participants == (
            Participant("member", "BTG-3", False), invited[1], invited[2],
            Participant("member", "BTG-1", True),
        )  # fmt: skip
        assert (held.status.value, held.venue, held.note) == ("held", "Aula koperasi", "undangan")


class TestRefused:
    @pytest.mark.parametrize(
        ("item", "expected"),
        [
            (NewActivity("s-1", training(participants=[Participant("member", "nobody", True)]),
                         "training.csv row 3"),
             r"training\.csv row 3: participants\[0\]\.id: member 'nobody' is not a member of "
             r"cluster 'bantaeng'"),
            (NewActivity("s-1", training(held_on=D(2099, 1, 1)), "training.csv row 4"),
             r"training\.csv row 4: held_on: held on 2099-01-01, after today"),
            (NewActivity("s-1", training(facilitator_ids=["ghost"]), "training.csv row 5"),
             r"row 5: facilitator_ids\[0\]: person 'ghost' is not in the program's people"),
            (NewActivity("s-1", training(cluster_id="elsewhere"), "training.csv row 6"),
             r"row 6: cluster_id: cluster 'elsewhere' is not in the program"),
            (NewActivity("s-1", attrs.evolve(training(), id="btg-opening"), "training.csv row 7"),
             r"row 7: id: activity 'btg-opening' is already in the program \(held\) with other "
             r"values"),
            (NewVisit("s-1", visit(on=D(2015, 1, 5)), "visits.csv row 2"),
             r"visits\.csv row 2: on: facilitator 'pd-1' is not assigned to cluster 'bantaeng' "
             r"on 2015-01-05"),
            (NewVisit("s-1", visit(member_ids=["BTG-2"], group_ids=["nope"]), "visits.csv row 3"),
             r"visits\.csv row 3: group_ids\[0\]: group 'nope' is not a group of cluster"),
            (NewVisit("s-1", visit("v-1"), "visits.csv row 4"),
             r"row 4: visit 'v-1' is already in the mentoring log with other values"),
        ],
    )  # fmt: skip
    def test_nothing_is_stored(
        self, stored: Path, item: NewActivity | NewVisit, expected: str
    ) -> None:
        before = load(stored)
        good = NewVisit("s-0", visit("v-ok"))
        with Store.open(stored) as store, pytest.raises(ImportDataError) as exc:
            store.apply_import(batch(good, item))
        text = str(exc.value) + "\n".join(exc.value.problems)
        assert "nothing was imported" in text
        assert re.search(expected, text), text
        assert not any(secret in text for secret in SAMPLE_FIELDWORK_SECRETS)
        assert load(stored) == before
        with Store.open(stored) as store:
            assert store.known_submissions(["s-0", "s-1"]) == frozenset()

    def test_twice_in_one_batch(self, stored: Path) -> None:
        with Store.open(stored) as store, pytest.raises(ImportDataError) as exc:
            store.apply_import(
                batch(NewActivity("s-1", training(), "a.csv row 2"),
                      NewActivity("s-2", training(), "a.csv row 3"))
            )  # fmt: skip
        assert "a.csv row 3: activity 'btg-pembukuan' is also recorded at a.csv row 2" in "\n".join(
            exc.value.problems
        )
