"""Stakeholder commitments: status history appended only, overdue listing."""

from __future__ import annotations

import pytest
from tests.model.fieldwork_builders import TOMORROW, D, program, refused

from klaster import Commitment, CommitmentStatus, CommitmentUpdate, KlasterError


class TestCommitment:
    def test_status_over_time(self) -> None:
        c = program().fieldwork.commitments["btg-dinkop"]
        assert c.status_on(D(2011, 7, 5)) is None
        assert c.status_on(D(2012, 1, 1)) is CommitmentStatus.OPEN
        assert c.status is CommitmentStatus.IN_PROGRESS
        assert c.is_overdue(D(2013, 1, 1))
        assert not c.is_overdue(D(2012, 12, 31))

    def test_due_not_before_made(self) -> None:
        with pytest.raises(KlasterError) as exc:
            Commitment("c", "dd", "x", made_on=D(2012, 1, 1), due=D(2011, 1, 1))
        assert exc.value.path == "due"


class TestUpdates:
    def test_appended_never_rewritten(self) -> None:
        p = program()
        old = p.fieldwork.commitments["btg-dinkop"]
        new = p.fieldwork.update_commitment(
            "btg-dinkop", CommitmentUpdate(D(2013, 2, 1), "fulfilled", evidence="SK 5/2013")
        )
        assert new.updates[:-1] == old.updates
        assert new.status is CommitmentStatus.FULFILLED
        assert p.fieldwork.commitments.index_of("btg-dinkop") == 0  # keeps its place

    def test_out_of_order_update_refused(self) -> None:
        p = program()
        refused(
            p,
            p.fieldwork.update_commitment,
            "btg-dinkop",
            CommitmentUpdate(D(2012, 1, 1), "fulfilled"),
            where="fieldwork.commitments[0].updates[1].on",
            match="date order",
        )

    def test_future_update_refused(self) -> None:
        p = program()
        refused(
            p,
            p.fieldwork.update_commitment,
            "btg-dinkop",
            CommitmentUpdate(TOMORROW, "fulfilled"),
            where="fieldwork.commitments[0].updates[1].on",
            match="after today",
        )

    def test_not_an_update(self) -> None:
        p = program()
        refused(
            p,
            p.fieldwork.update_commitment,
            "btg-dinkop",
            "fulfilled",
            where="fieldwork.commitments[0]",
            match="must be a CommitmentUpdate",
        )


class TestInContext:
    @pytest.mark.parametrize(
        ("changes", "where", "match"),
        [
            ({"organisation_id": "dinas"}, "organisation_id", "organisation 'dinas'"),
            ({"cluster_id": "lebak"}, "cluster_id", "cluster 'lebak'"),
            ({"person_id": "nobody"}, "person_id", "person 'nobody'"),
            ({"activity_id": "nope"}, "activity_id", "activity 'nope'"),
            ({"made_on": TOMORROW}, "made_on", "after today"),
            ({"id": "btg-dinkop"}, "id", "duplicate ID 'btg-dinkop'"),
        ],
    )
    def test_refused(self, changes: dict[str, object], where: str, match: str) -> None:
        p = program()
        fields: dict[str, object] = {
            "id": "c-2",
            "organisation_id": "bupati",
            "promise": "Pelatihan",
            "made_on": D(2014, 3, 6),
        }
        fields.update(changes)
        refused(
            p,
            p.fieldwork.add_commitment,
            Commitment(**fields),  # type: ignore[arg-type]
            where=f"fieldwork.commitments[1].{where}",
            match=match,
        )


class TestOverdue:
    def test_listed_by_due_date_while_open(self) -> None:
        p = program()
        work = p.fieldwork
        work.add_commitment(Commitment("c-early", "dd", "x", D(2011, 1, 1), due=D(2011, 6, 1)))
        work.add_commitment(Commitment("c-none", "dd", "x", D(2011, 1, 1)))
        assert [c.id for c in work.overdue(D(2013, 1, 1))] == ["c-early", "btg-dinkop"]
        assert [c.id for c in work.overdue(D(2011, 7, 1))] == ["c-early"]
        work.update_commitment("btg-dinkop", CommitmentUpdate(D(2013, 2, 1), "fulfilled"))
        assert [c.id for c in work.overdue(D(2013, 3, 1))] == ["c-early"]
        # Fulfilled after the due date: it was overdue until then.
        assert [c.id for c in work.overdue(D(2013, 1, 15))] == ["c-early", "btg-dinkop"]
