"""The mentoring log: visits inside the facilitator's assignment, all or nothing, in columns."""

from __future__ import annotations

from typing import Any

import pytest
from tests.model.fieldwork_builders import TOMORROW, D, program, refused

from klaster import Visit
from klaster.errors import ValidationError


def _visit(visit_id: str = "v-9", **changes: Any) -> Visit:
    fields: dict[str, object] = {
        "cluster_id": "bantaeng",
        "facilitator_id": "pd-1",
        "on": D(2013, 4, 2),
        "member_ids": ["BTG-1"],
    }
    fields.update(changes)
    return Visit(visit_id, **fields)  # type: ignore[arg-type]


class TestVisit:
    def test_to_someone(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Visit("v", "bantaeng", "pd-1", D(2012, 1, 1))
        assert exc.value.path == "member_ids"


class TestLogVisit:
    @pytest.mark.parametrize(
        ("changes", "where", "match"),
        [
            (
                {"on": D(2014, 4, 1)},
                "on",
                "facilitator 'pd-1' is not assigned to cluster 'bantaeng' on 2014-04-01; their "
                "assignments there: 2011-04-01 to 2014-03-31",
            ),
            ({"on": D(2011, 3, 31)}, "on", "is not assigned"),
            ({"facilitator_id": "bupati-btg"}, "on", "their assignments there: none"),
            ({"facilitator_id": "nobody"}, "facilitator_id", "person 'nobody'"),
            ({"on": TOMORROW}, "on", "after today"),
            ({"member_ids": ["X-1"]}, "member_ids[0]", "member 'X-1' is not a member"),
            ({"group_ids": ["G-X"]}, "group_ids[0]", "group 'G-X' is not a group"),
            ({"cluster_id": "lebak"}, "cluster_id", "cluster 'lebak'"),
        ],
    )
    def test_refused_and_nothing_changes(
        self, changes: dict[str, Any], where: str, match: str
    ) -> None:
        p = program()
        refused(
            p,
            p.fieldwork.log_visit,
            _visit(**changes),
            where=f"fieldwork.visits[2].{where}",
            match=match,
        )

    def test_duplicate_id(self) -> None:
        p = program()
        refused(
            p,
            p.fieldwork.log_visit,
            _visit("v-1"),
            where="fieldwork.visits[2].id",
            match="duplicate ID 'v-1'",
        )


class TestLogVisits:
    def test_all_or_nothing(self) -> None:
        p = program()
        batch = [
            _visit("v-a"),
            _visit("v-b", on=D(2013, 5, 1)),
            _visit("v-c", on=D(2015, 1, 1)),
            _visit("v-d"),
        ]
        refused(
            p, p.fieldwork.log_visits, batch, where="fieldwork.visits[4].on", match="not assigned"
        )
        assert "v-a" not in p.fieldwork.visits
        assert p.fieldwork.visits.columns().subject_ids == ["BTG-K01", "BTG-3"]  # the columns too

    def test_duplicate_inside_the_batch(self) -> None:
        p = program()
        refused(
            p,
            p.fieldwork.log_visits,
            [_visit("v-a"), _visit("v-a")],
            where="fieldwork.visits[3].id",
            match="duplicate ID 'v-a'",
        )

    def test_not_a_visit_in_the_batch(self) -> None:
        p = program()
        refused(
            p,
            p.fieldwork.log_visits,
            [_visit("v-a"), {"id": "v-b"}],
            where="fieldwork.visits[3]",
            match="must be a Visit",
        )

    def test_logged_then_read_back(self) -> None:
        p = program()
        assert p.fieldwork.log_visits([_visit("v-a"), _visit("v-b", group_ids=["BTG-K01"])]) == 2
        assert p.fieldwork.visits["v-b"] == _visit("v-b", group_ids=["BTG-K01"])
        assert [v.id for v in p.fieldwork.visits.of_cluster("bantaeng")] == [
            "v-1",
            "v-2",
            "v-a",
            "v-b",
        ]
        columns = p.fieldwork.visits.columns()
        assert columns.ids == ["v-1", "v-2", "v-a", "v-b"]
        assert list(columns.subject_visit) == [0, 1, 2, 3, 3]


class TestFromColumns:
    """The bulk path the store loads through checks what the records would."""

    def _log(self) -> Any:
        from klaster.model.mentoring import MentoringLog

        log = MentoringLog()
        log.append(Visit("v-1", "c", "p", D(2012, 1, 1), member_ids=["m-1"], topics=["kas"]))
        log.append(Visit("v-2", "c", "p", D(2012, 2, 1), group_ids=["g-1"]))
        return log

    def test_round_trip_with_extras(self) -> None:
        from klaster.model.mentoring import MentoringLog

        log = self._log()
        assert MentoringLog.from_columns(log.columns(), log.extras()) == log

    def test_repeated_subject_in_one_visit_is_refused(self) -> None:
        from array import array

        import attrs

        from klaster.model.mentoring import MentoringLog

        columns = attrs.evolve(
            self._log().columns(),
            subject_visit=array("i", [0, 0, 1]),
            subject_kind=bytearray([0, 0, 1]),
            subject_ids=["m-1", "m-1", "g-1"],
        )
        with pytest.raises(ValidationError, match="twice") as exc:
            MentoringLog.from_columns(columns)
        assert exc.value.path == "visits[0].member_ids"

    def test_blank_topic_is_refused(self) -> None:
        from klaster.model.mentoring import MentoringLog

        log = self._log()
        with pytest.raises(ValidationError) as exc:
            MentoringLog.from_columns(log.columns(), {0: ((" ",), (), None)})
        assert exc.value.path == "visits[0].topics"
