"""Members, groups and cooperatives drawn in a given context (internal to klaster.testing).

The composites behind :mod:`klaster.testing.member_strategies`, shared with
:mod:`klaster.testing.program_strategies`; plain names are this module's internal interface.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence

from hypothesis import strategies as st

from klaster.model.cooperative import Cooperative, LegalStatus
from klaster.model.group import Group, Membership, Role
from klaster.model.member import Member, Sex
from klaster.plugins.default import get_host
from klaster.testing._drawing import (
    DIGITS,
    MIN_DATE,
    later,
    maybe,
    on_or_after,
)
from klaster.testing.basic_strategies import DEFAULT_SECTORS, dates, ids, texts

NIK = st.text(DIGITS, min_size=16, max_size=16)


PHONE = st.builds(
    "{}{}{}{}".format,
    st.sampled_from(["", "+"]),
    st.sampled_from(DIGITS),
    st.text(DIGITS + " -", min_size=6, max_size=12),
    st.sampled_from(DIGITS),
)


def _known(sector: str) -> bool:
    return any(s.code == sector for s in get_host().sectors())


@st.composite
def member_records(
    draw: st.DrawFn,
    id_strategy: st.SearchStrategy[str],
    sectors: st.SearchStrategy[str],
    villages: st.SearchStrategy[str],
    joined_after: _dt.date,
) -> Member:
    joined = on_or_after(draw, joined_after)
    today = _dt.date.today().year
    sector = draw(sectors)
    # A sector an installed plugin declares business types for accepts only those.
    declared = get_host().sector(sector).business_type_codes() if _known(sector) else ()
    kinds = st.sampled_from(declared) if declared else texts(max_size=12)
    return Member(
        id=draw(id_strategy),
        name=draw(texts()),
        sex=draw(st.sampled_from(Sex)),
        household_size=draw(st.integers(1, 12)),
        village=draw(villages),
        sector=sector,
        joined=joined,
        business_type=draw(st.none() | kinds),
        left=later(draw, joined) if draw(st.booleans()) else None,
        national_id=maybe(draw, NIK),
        phone=maybe(draw, PHONE),
        birth_year=draw(st.none() | st.integers(1930, min(2010, today))),
    )


@st.composite
def membership_records(
    draw: st.DrawFn, member_ids: st.SearchStrategy[str], joined_after: _dt.date
) -> Membership:
    joined = on_or_after(draw, joined_after)
    return Membership(
        member_id=draw(member_ids),
        joined=joined,
        left=later(draw, joined) if draw(st.booleans()) else None,
        role=draw(st.sampled_from(Role)),
    )


def spells(draw: st.DrawFn, member_ids: Sequence[str], formed: _dt.date) -> list[Membership]:
    """Spells of the given members from ``formed`` on: some leave, some rejoin, none overlap."""
    spells: list[Membership] = []
    for member_id in member_ids:
        start = later(draw, formed, max_days=400)
        for _ in range(draw(st.integers(1, 2))):
            left = later(draw, start) if draw(st.booleans()) else None
            spells.append(Membership(member_id, start, left, draw(st.sampled_from(Role))))
            if left is None:
                break
            start = later(draw, left, max_days=400)
    return draw(st.permutations(spells))


@st.composite
def group_records(
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
    formed = on_or_after(draw, formed_after)
    return Group(
        id=draw(id_strategy),
        name=draw(texts()),
        sector=sector,
        formed=formed,
        memberships=spells(draw, member_ids, formed),
        dissolved=later(draw, formed) if draw(st.booleans()) else None,
        # Never below the distinct members listed: the spells always fit.
        capacity=draw(st.none() | st.integers(max(1, len(member_ids)), len(member_ids) + 3)),
    )


@st.composite
def legal_status_records(draw: st.DrawFn, registered_after: _dt.date) -> LegalStatus:
    return LegalStatus(
        registration_number=draw(
            st.builds("{}/BH/{}/{}".format, st.integers(1, 9999), st.sampled_from("IVX"), dates())
            | texts()
        ),
        registered_on=on_or_after(draw, registered_after),
        form=draw(
            st.none()
            | st.sampled_from(["Koperasi Serba Usaha", "Koperasi Syariah", "Koperasi Produsen"])
        ),
    )


@st.composite
def cooperative_records(
    draw: st.DrawFn,
    id_strategy: st.SearchStrategy[str],
    sectors: Sequence[str] | None,
    member_ids: Sequence[str] | None,
    max_members: int,
    sector_of: Mapping[str, str] | None = None,
) -> Cooperative:
    pool = list(sectors) if sectors is not None else list(DEFAULT_SECTORS)
    chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=len(pool), unique=True))
    if member_ids is not None and sector_of is not None:  # members of the sectors it serves
        member_ids = [m for m in member_ids if sector_of.get(m) in chosen]
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
        legal=draw(st.none() | legal_status_records(founded or MIN_DATE)),
    )
