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
from klaster.model.group import Group, Membership, Role
from klaster.model.member import Member, Sex
from klaster.testing._drawing import (
    _DIGITS,
    _MIN_DATE,
    _PLACE_NAME,
    _check_size,
    _later,
    _maybe,
    _on_or_after,
    _pick,
)
from klaster.testing.basic_strategies import DEFAULT_SECTORS, _any_ids, dates, ids, texts

__all__ = ["cooperatives", "groups", "legal_statuses", "members", "memberships"]

_NIK = st.text(_DIGITS, min_size=16, max_size=16)
_PHONE = st.builds(
    "{}{}{}{}".format,
    st.sampled_from(["", "+"]),
    st.sampled_from(_DIGITS),
    st.text(_DIGITS + " -", min_size=6, max_size=12),
    st.sampled_from(_DIGITS),
)


@st.composite
def _members(
    draw: st.DrawFn,
    id_strategy: st.SearchStrategy[str],
    sectors: st.SearchStrategy[str],
    villages: st.SearchStrategy[str],
    joined_after: _dt.date,
) -> Member:
    joined = _on_or_after(draw, joined_after)
    today = _dt.date.today().year
    return Member(
        id=draw(id_strategy),
        name=draw(texts()),
        sex=draw(st.sampled_from(Sex)),
        household_size=draw(st.integers(1, 12)),
        village=draw(villages),
        sector=draw(sectors),
        joined=joined,
        business_type=draw(st.none() | texts(max_size=12)),
        left=_later(draw, joined) if draw(st.booleans()) else None,
        national_id=_maybe(draw, _NIK),
        phone=_maybe(draw, _PHONE),
        birth_year=draw(st.none() | st.integers(1930, min(2010, today))),
    )


def members(
    *,
    ids: st.SearchStrategy[str] | None = None,
    sectors: Sequence[str] | None = None,
    villages: Sequence[str] | None = None,
    joined_after: _dt.date = _MIN_DATE,
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
    return _members(
        ids if ids is not None else _any_ids(),
        _pick(sectors, st.sampled_from(DEFAULT_SECTORS)),
        _pick(villages, _PLACE_NAME),
        joined_after,
    )


@st.composite
def _memberships(
    draw: st.DrawFn, member_ids: st.SearchStrategy[str], joined_after: _dt.date
) -> Membership:
    joined = _on_or_after(draw, joined_after)
    return Membership(
        member_id=draw(member_ids),
        joined=joined,
        left=_later(draw, joined) if draw(st.booleans()) else None,
        role=draw(st.sampled_from(Role)),
    )


def memberships(
    *, member_ids: Sequence[str] | None = None, joined_after: _dt.date = _MIN_DATE
) -> st.SearchStrategy[Membership]:
    """One membership spell of a member in a group.

    Args:
        member_ids: IDs to choose the member from (default: any ID).
        joined_after: Earliest joining date (a group's ``formed`` date).

    Returns:
        A strategy of valid :class:`~klaster.Membership` records.
    """
    return _memberships(_pick(member_ids, ids()), joined_after)


def _spells(draw: st.DrawFn, member_ids: Sequence[str], formed: _dt.date) -> list[Membership]:
    """Spells of the given members from ``formed`` on: some leave, some rejoin, none overlap."""
    spells: list[Membership] = []
    for member_id in member_ids:
        start = _later(draw, formed, max_days=400)
        for _ in range(draw(st.integers(1, 2))):
            left = _later(draw, start) if draw(st.booleans()) else None
            spells.append(Membership(member_id, start, left, draw(st.sampled_from(Role))))
            if left is None:
                break
            start = _later(draw, left, max_days=400)
    return draw(st.permutations(spells))


@st.composite
def _groups(
    draw: st.DrawFn,
    id_strategy: st.SearchStrategy[str],
    sectors: st.SearchStrategy[str],
    candidates: Sequence[Member] | None,
    max_members: int,
    formed_after: _dt.date,
) -> Group:
    sector = draw(sectors)
    if candidates is None:
        member_ids = draw(st.lists(ids(), max_size=max_members, unique=True))
    else:
        pool = [m.id for m in candidates if m.sector == sector]
        member_ids = (
            draw(st.lists(st.sampled_from(pool), max_size=max_members, unique=True)) if pool else []
        )
    formed = _on_or_after(draw, formed_after)
    return Group(
        id=draw(id_strategy),
        name=draw(texts()),
        sector=sector,
        formed=formed,
        memberships=_spells(draw, member_ids, formed),
        dissolved=_later(draw, formed) if draw(st.booleans()) else None,
    )


def groups(
    *,
    ids: st.SearchStrategy[str] | None = None,
    sector: str | None = None,
    members: Sequence[Member] | None = None,
    max_members: int = 4,
    formed_after: _dt.date = _MIN_DATE,
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
    _check_size(max_members=max_members)
    if sector is not None:
        sectors = st.just(sector)
    elif members:
        sectors = st.sampled_from(sorted({m.sector for m in members}))
    else:
        sectors = st.sampled_from(DEFAULT_SECTORS)
    return _groups(
        ids if ids is not None else _any_ids(),
        sectors,
        members,
        max_members,
        formed_after,
    )


@st.composite
def _legal_statuses(draw: st.DrawFn, registered_after: _dt.date) -> LegalStatus:
    return LegalStatus(
        registration_number=draw(
            st.builds("{}/BH/{}/{}".format, st.integers(1, 9999), st.sampled_from("IVX"), dates())
            | texts()
        ),
        registered_on=_on_or_after(draw, registered_after),
        form=draw(
            st.none()
            | st.sampled_from(["Koperasi Serba Usaha", "Koperasi Syariah", "Koperasi Produsen"])
        ),
    )


def legal_statuses(*, registered_after: _dt.date = _MIN_DATE) -> st.SearchStrategy[LegalStatus]:
    """Legal registrations (*badan hukum*) of a cooperative.

    Args:
        registered_after: Earliest registration date (the cooperative's ``founded`` date).

    Returns:
        A strategy of valid :class:`~klaster.LegalStatus` records.
    """
    return _legal_statuses(registered_after)


@st.composite
def _cooperatives(
    draw: st.DrawFn,
    id_strategy: st.SearchStrategy[str],
    sectors: Sequence[str] | None,
    member_ids: Sequence[str] | None,
    max_members: int,
) -> Cooperative:
    pool = list(sectors) if sectors is not None else list(DEFAULT_SECTORS)
    chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=len(pool), unique=True))
    if member_ids is None:
        listed = draw(st.lists(ids(), max_size=max_members, unique=True))
    elif member_ids:
        listed = draw(
            st.lists(st.sampled_from(list(member_ids)), max_size=max_members, unique=True)
        )
    else:
        listed = []
    founded = draw(st.none() | dates())
    return Cooperative(
        id=draw(id_strategy),
        name=draw(texts()),
        sectors=chosen,
        member_ids=listed,
        founded=founded,
        legal=draw(st.none() | legal_statuses(registered_after=founded or _MIN_DATE)),
    )


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
    _check_size(max_members=max_members)
    if sectors is not None and not sectors:
        raise ValueError("a cooperative serves at least one sector: give one or more sectors")
    return _cooperatives(ids if ids is not None else _any_ids(), sectors, member_ids, max_members)
