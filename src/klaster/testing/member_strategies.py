"""Strategies for members (*mitra*) and what they form: membership spells, groups, cooperatives.

Each takes its context (sectors, villages, member IDs, dates) as arguments, so that
:mod:`klaster.testing.program_strategies` can build consistent clusters from them.

Requires `hypothesis <https://hypothesis.readthedocs.io>`_ (``pip install klaster[test]``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

from hypothesis import strategies as st

from klaster.model.cooperative import Cooperative, LegalStatus
from klaster.model.group import Group, Membership
from klaster.model.member import Member
from klaster.testing._drawing import (
    MIN_DATE,
    PLACE_NAME,
    check_size,
    pick,
)
from klaster.testing._people import (
    cooperative_records,
    group_records,
    legal_status_records,
    member_records,
    membership_records,
)
from klaster.testing.basic_strategies import DEFAULT_SECTORS, ids
from klaster.testing.basic_strategies import ids as any_ids

__all__ = ["cooperatives", "groups", "legal_statuses", "members", "memberships"]


def members(
    *,
    ids: st.SearchStrategy[str] | None = None,
    sectors: Sequence[str] | None = None,
    villages: Sequence[str] | None = None,
    joined_after: _dt.date = MIN_DATE,
) -> st.SearchStrategy[Member]:
    """Members (*mitra*) with every optional field sometimes set, personal data included.

    Args:
        ids: Strategy for the member's ID (default :func:`ids`).
        sectors: Sector codes to choose from (default :data:`DEFAULT_SECTORS`).
        villages: Village names or codes to choose from (default: any place name).
        joined_after: Earliest joining date.

    Returns:
        A strategy of valid :class:`~klaster.Member` records (``left``, when set, is not before
        ``joined``).
    """
    return member_records(
        ids if ids is not None else any_ids(),
        pick(sectors, st.sampled_from(DEFAULT_SECTORS)),
        pick(villages, PLACE_NAME),
        joined_after,
    )


def memberships(
    *, member_ids: Sequence[str] | None = None, joined_after: _dt.date = MIN_DATE
) -> st.SearchStrategy[Membership]:
    """One membership spell of a member in a group.

    Args:
        member_ids: IDs to choose the member from (default: any ID).
        joined_after: Earliest joining date (a group's ``formed`` date).

    Returns:
        A strategy of valid :class:`~klaster.Membership` records.
    """
    return membership_records(pick(member_ids, ids()), joined_after)


def groups(
    *,
    ids: st.SearchStrategy[str] | None = None,
    sector: str | None = None,
    members: Sequence[Member] | None = None,
    max_members: int = 4,
    formed_after: _dt.date = MIN_DATE,
) -> st.SearchStrategy[Group]:
    """Business groups (*kelompok*) with non-overlapping membership spells (leaving, rejoining).

    Args:
        ids: Strategy for the group's ID (default :func:`ids`).
        sector: The group's sector (default: a sector of ``members``, else of
            :data:`DEFAULT_SECTORS`).
        members: Members the group may list: only those of the group's sector are used. Default:
            any member IDs (a group valid on its own, not in a cluster).
        max_members: Most distinct members in the group.
        formed_after: Earliest date the group is formed.

    Returns:
        A strategy of valid :class:`~klaster.Group` records.
    """
    check_size(max_members=max_members)
    if sector is not None:
        sectors = st.just(sector)
    elif members:
        sectors = st.sampled_from(sorted({m.sector for m in members}))
    else:
        sectors = st.sampled_from(DEFAULT_SECTORS)
    return group_records(
        ids if ids is not None else any_ids(),
        sectors,
        members,
        max_members,
        formed_after,
    )


def legal_statuses(*, registered_after: _dt.date = MIN_DATE) -> st.SearchStrategy[LegalStatus]:
    """Legal registrations (*badan hukum*) of a cooperative.

    Args:
        registered_after: Earliest registration date (the cooperative's ``founded`` date).

    Returns:
        A strategy of valid :class:`~klaster.LegalStatus` records.
    """
    return legal_status_records(registered_after)


def cooperatives(
    *,
    ids: st.SearchStrategy[str] | None = None,
    sectors: Sequence[str] | None = None,
    member_ids: Sequence[str] | None = None,
    max_members: int = 6,
) -> st.SearchStrategy[Cooperative]:
    """Cooperatives (*koperasi*), with or without legal status.

    Args:
        ids: Strategy for the cooperative's ID (default :func:`ids`).
        sectors: Sector codes it may serve (at least one is chosen; default
            :data:`DEFAULT_SECTORS`).
        member_ids: IDs it may list as members (default: any IDs).
        max_members: Most members listed.

    Returns:
        A strategy of valid :class:`~klaster.Cooperative` records.
    """
    check_size(max_members=max_members)
    if sectors is not None and not sectors:
        raise ValueError("a cooperative serves at least one sector: give one or more sectors")
    return cooperative_records(
        ids if ids is not None else any_ids(), sectors, member_ids, max_members
    )
