"""Cooperative boards (pengurus): members of the cooperative, one holder of a single seat."""

from __future__ import annotations

import attrs
import pytest
from tests.model.fieldwork_builders import D, program, snapshot

from klaster import BoardRole, BoardTerm, KlasterError, ValidationError


def _coop(board: list[BoardTerm]) -> None:
    p = program()
    attrs.evolve(p.clusters["bantaeng"].cooperatives["irman"], board=board)


class TestBoard:
    def test_seats_on_a_day(self) -> None:
        coop = program().clusters["bantaeng"].cooperatives["irman"]
        assert {t.role for t in coop.board_on(D(2014, 1, 1))} == {
            BoardRole.CHAIR,
            BoardRole.TREASURER,
        }
        assert [t.role for t in coop.board_on(D(2016, 1, 1))] == [BoardRole.TREASURER]

    def test_one_chair_at_a_time(self) -> None:
        with pytest.raises(ValidationError, match="one chair at a time") as exc:
            _coop(
                [
                    BoardTerm("BTG-1", "chair", D(2013, 1, 1), D(2014, 12, 31)),
                    BoardTerm("BTG-3", "chair", D(2014, 12, 31)),
                ]
            )
        assert exc.value.path == "board[1].start"
        _coop(
            [
                BoardTerm("BTG-1", "chair", D(2013, 1, 1), D(2014, 12, 31)),
                BoardTerm("BTG-3", "chair", D(2015, 1, 1)),
            ]
        )

    def test_several_supervisors_at_a_time(self) -> None:
        _coop(
            [
                BoardTerm("BTG-1", "supervisor", D(2013, 1, 1)),
                BoardTerm("BTG-3", "supervisor", D(2013, 1, 1)),
            ]
        )

    def test_board_members_are_cooperative_members(self) -> None:
        with pytest.raises(ValidationError, match="not a member of the cooperative") as exc:
            _coop([BoardTerm("BTG-2", "secretary", D(2013, 1, 1))])
        assert exc.value.path == "board[0].member_id"

    def test_term_dates_in_order(self) -> None:
        with pytest.raises(KlasterError) as exc:
            BoardTerm("BTG-1", "chair", D(2013, 1, 1), D(2012, 1, 1))
        assert exc.value.path == "end"

    def test_replacing_with_a_bad_board_changes_nothing(self) -> None:
        p = program()
        cluster = p.clusters["bantaeng"]
        coop = cluster.cooperatives["irman"]
        before = snapshot(p)
        with pytest.raises(KlasterError):
            cluster.replace_cooperative(
                attrs.evolve(coop, board=[*coop.board, BoardTerm("BTG-3", "chair", D(2014, 1, 1))])
            )
        assert snapshot(p) == before
