"""Strategies for people who are not beneficiaries, their assignments, and cooperative boards.

Requires `hypothesis <https://hypothesis.readthedocs.io>`_ (``pip install klaster[test]``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

from hypothesis import strategies as st

from klaster.model.board import BoardRole, BoardTerm
from klaster.model.cluster import Cluster
from klaster.model.people import Assignment, Person, PersonRole, Position
from klaster.testing._drawing import MAX_DATE, MIN_DATE, later, maybe, pick
from klaster.testing.basic_strategies import ids as any_ids
from klaster.testing.basic_strategies import texts

__all__ = ["assignments", "board_terms", "boards", "persons", "positions"]

_START = _dt.date(2005, 1, 1)


def _past(draw: st.DrawFn, today: _dt.date) -> _dt.date:
    return draw(st.dates(min_value=min(_START, today), max_value=today))


def _subset(draw: st.DrawFn, values: Sequence[str], max_size: int = 3) -> list[str]:
    if not values:
        return []
    return draw(st.lists(st.sampled_from(list(values)), max_size=max_size, unique=True))


@st.composite
def _positions(draw: st.DrawFn, organisation_ids: st.SearchStrategy[str]) -> Position:
    start = maybe(draw, st.dates(min_value=MIN_DATE, max_value=_dt.date(2025, 12, 31)))
    if start is None:
        end = maybe(draw, st.dates(min_value=MIN_DATE, max_value=MAX_DATE))
    else:
        end = later(draw, start) if draw(st.booleans()) else None
    return Position(
        organisation_id=draw(organisation_ids),
        role=draw(st.sampled_from(PersonRole)),
        title=maybe(draw, texts()),
        start=start,
        end=end,
    )


def positions(*, organisation_ids: Sequence[str] | None = None) -> st.SearchStrategy[Position]:
    """A spell in which a person holds a role for an organisation.

    Args:
        organisation_ids: IDs to choose the organisation from (default: any ID).
    """
    return _positions(pick(organisation_ids, any_ids()))


@st.composite
def _persons(
    draw: st.DrawFn, ids_: st.SearchStrategy[str], organisation_ids: Sequence[str] | None
) -> Person:
    return Person(
        id=draw(ids_),
        name=draw(texts()),
        positions=draw(
            st.lists(positions(organisation_ids=organisation_ids), min_size=1, max_size=3)
        ),
        phone=maybe(draw, st.from_regex(r"08[0-9]{2} [0-9]{4} [0-9]{4}", fullmatch=True)),
        note=maybe(draw, texts()),
    )


def persons(
    *, ids: st.SearchStrategy[str] | None = None, organisation_ids: Sequence[str] | None = None
) -> st.SearchStrategy[Person]:
    """People who are not beneficiaries (facilitators, staff, officials), personal data included.

    Args:
        ids: Strategy for the person's ID (default: any ID).
        organisation_ids: IDs their positions may name (default: any ID).
    """
    return _persons(ids if ids is not None else any_ids(), organisation_ids)


@st.composite
def _assignments(
    draw: st.DrawFn, cluster: Cluster, person_ids: Sequence[str], today: _dt.date
) -> Assignment:
    start = _past(draw, today)
    end = later(draw, start) if draw(st.booleans()) else None
    whole = draw(st.booleans())
    return Assignment(
        person_id=draw(st.sampled_from(list(person_ids))),
        cluster_id=cluster.id,
        start=start,
        end=end,
        group_ids=[] if whole else _subset(draw, cluster.groups.ids()),
        member_ids=[] if whole else _subset(draw, cluster.members.ids()),
        note=maybe(draw, texts()),
    )


def assignments(
    cluster: Cluster, *, person_ids: Sequence[str], today: _dt.date | None = None
) -> st.SearchStrategy[Assignment]:
    """A facilitator's assignment to ``cluster``: groups and members of it, starting by ``today``.

    Args:
        cluster: The cluster.
        person_ids: People of the program to choose the facilitator from (at least one).
        today: The latest start (default: today), so that visits can be drawn inside it.
    """
    if not person_ids:
        raise ValueError("give at least one person ID to assign")
    return _assignments(cluster, person_ids, today if today is not None else _dt.date.today())


def board_terms(
    *, member_ids: Sequence[str] | None = None, start_after: _dt.date = MIN_DATE
) -> st.SearchStrategy[BoardTerm]:
    """One term in a seat of a cooperative's board.

    Args:
        member_ids: IDs to choose the member from (default: any ID).
        start_after: Earliest start.
    """

    @st.composite
    def term(draw: st.DrawFn) -> BoardTerm:
        start = later(draw, start_after, max_days=5_000)
        return BoardTerm(
            member_id=draw(pick(member_ids, any_ids())),
            role=draw(st.sampled_from(BoardRole)),
            start=start,
            end=later(draw, start) if draw(st.booleans()) else None,
        )

    return term()


@st.composite
def _boards(draw: st.DrawFn, member_ids: Sequence[str], start_after: _dt.date) -> list[BoardTerm]:
    terms: list[BoardTerm] = []
    for role in BoardRole:
        day = start_after
        for _ in range(draw(st.integers(0, 2))):
            start = later(draw, day)
            end = later(draw, start) if draw(st.booleans()) else None
            terms.append(BoardTerm(draw(st.sampled_from(list(member_ids))), role, start, end))
            if role.single:
                if end is None:
                    break
                day = end + _dt.timedelta(days=1)  # one holder of a single seat at a time
    return draw(st.permutations(terms)) if terms else []


def boards(
    member_ids: Sequence[str], *, start_after: _dt.date = MIN_DATE
) -> st.SearchStrategy[list[BoardTerm]]:
    """A valid board for a cooperative with ``member_ids``: one holder of a single seat at a time.

    Args:
        member_ids: The cooperative's members (at least one).
        start_after: Earliest start of a term.
    """
    if not member_ids:
        raise ValueError("a board is drawn from the cooperative's members: give at least one")
    return _boards(member_ids, start_after)
