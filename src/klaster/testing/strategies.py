"""Hypothesis strategies for every klaster model, for the tests of klaster, plugins and users.

Everything these strategies generate is *valid*: constructing it never raises, and programs,
clusters and lifecycles are consistent as a whole (members live in the cluster's villages and work
in its sectors, groups list members of their own cluster and sector, IDs are unique program-wide,
lifecycles are histories of legal moves). Sizes are small by default so that a property runs in
milliseconds; every collection strategy has ``max_*`` parameters to scale it up.

Requires `hypothesis <https://hypothesis.readthedocs.io>`_ (``pip install klaster[test]``).

Example:
    A round-trip property for a plugin that stores programs::

        >>> import klaster
        >>> from hypothesis import given, settings
        >>> @settings(max_examples=5, deadline=None, database=None)
        ... @given(programs(max_clusters=1))
        ... def test_round_trip(program):
        ...     assert klaster.loads(klaster.dumps(program)) == program
        >>> test_round_trip()

Strategies that build records from other records take the context as arguments (``sectors``,
``villages``, ``member_ids``, ``organisation_ids``...), so a custom cluster can reuse them::

    >>> strategy = members(sectors=["livestock"], villages=["Gaji"])
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Collection, Sequence
from decimal import Decimal
from typing import TypeVar

from hypothesis import strategies as st

from klaster.cluster import Cluster
from klaster.cooperative import Cooperative, LegalStatus
from klaster.group import Group, Membership, Role
from klaster.lifecycle import CheckResult, Lifecycle, Override, Phase, PhaseChange
from klaster.member import Member, Sex
from klaster.organisation import ClusterSector, Organisation, OrgKind, Stakeholder
from klaster.program import Program
from klaster.region import Region, RegionLevel, RegionStat, StatKind

__all__ = [
    "DEFAULT_SECTORS",
    "check_results",
    "cluster_sectors",
    "clusters",
    "codes",
    "cooperatives",
    "dates",
    "ids",
    "legal_statuses",
    "lifecycles",
    "members",
    "memberships",
    "organisations",
    "overrides",
    "phase_changes",
    "programs",
    "region_stats",
    "regions",
    "stakeholders",
    "texts",
    "village_keys",
]

DEFAULT_SECTORS: tuple[str, ...] = ("umkm", "farming", "livestock")
"""The sector codes of the bundled sector plugins, used when no ``sectors`` are given."""

_MIN_DATE = _dt.date(2000, 1, 1)
_MAX_DATE = _dt.date(2030, 12, 31)
_ID_CHARS = st.characters(exclude_categories=["Cs", "Cc"])
_TEXT_CHARS = st.characters(exclude_categories=["Cs"])
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"
_WORD = st.text(_LOWER, min_size=2, max_size=8).map(str.capitalize)
# "Bonto", "Bonto Manai", "Pa'jukukang": letters only, so a name is never mistaken for a code.
_PLACE_NAME = st.builds(
    "{}{}".format, _WORD, st.just("") | st.tuples(st.sampled_from(" '-"), _WORD).map("".join)
)
_READABLE_ID = st.builds(
    "{}-{:04d}".format, st.text("ABCDEFGHKLMNPRSTUW", min_size=1, max_size=3), st.integers(0, 9999)
)
_UNICODE_ID = st.text(_ID_CHARS, min_size=1, max_size=12).filter(lambda s: s == s.strip())
_ANY_ID = st.one_of(_READABLE_ID, _UNICODE_ID)
_CODE = st.builds(
    str.__add__, st.sampled_from(_LOWER), st.text(_LOWER + _DIGITS + "_", max_size=11)
)
_NIK = st.text(_DIGITS, min_size=16, max_size=16)
_PHONE = st.builds(
    "{}{}{}{}".format,
    st.sampled_from(["", "+"]),
    st.sampled_from(_DIGITS),
    st.text(_DIGITS + " -", min_size=6, max_size=12),
    st.sampled_from(_DIGITS),
)
_BPS_CODE = {
    level: st.text(_DIGITS, min_size=size, max_size=size)
    for level, size in {
        RegionLevel.PROVINCE: 2,
        RegionLevel.KABUPATEN: 4,
        RegionLevel.KECAMATAN: 7,
        RegionLevel.DESA: 10,
    }.items()
}
_STAT_KINDS = tuple(StatKind)
T = TypeVar("T")


# -- building blocks ------------------------------------------------------------------------------
def ids(*, avoid: Collection[str] = ()) -> st.SearchStrategy[str]:
    """IDs as an NGO might choose them: ``"BTG-0012"`` style ones and arbitrary Unicode.

    Args:
        avoid: IDs that must not be generated (those already taken).

    Returns:
        A strategy of valid IDs (1-64 printable characters, no surrounding blanks).
    """
    if not avoid:
        return _ANY_ID
    taken = frozenset(avoid)  # a copy: the caller's collection may change later
    return _ANY_ID.filter(lambda s: s not in taken)


_any_ids = ids  # the functions below take an ``ids`` argument that hides this one


def codes() -> st.SearchStrategy[str]:
    """Codes such as ``umkm`` or ``herd_size``: a lowercase letter then letters, digits or ``_``.

    Returns:
        A strategy of valid codes (short ones; the limit is 40 characters).
    """
    return _CODE


def texts(*, max_size: int = 20) -> st.SearchStrategy[str]:
    """Non-empty free text (names, reasons, notes), including any Unicode a JSON file can hold.

    Args:
        max_size: Longest text, in characters.

    Returns:
        A strategy of strings with at least one non-blank character.
    """
    if max_size == _TEXT_SIZE:
        return _TEXT
    return _text(max_size)


def _text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(_TEXT_CHARS, min_size=1, max_size=max_size).filter(lambda s: bool(s.strip()))


_TEXT_SIZE = 20
_TEXT = _text(_TEXT_SIZE)


def dates(
    *, min_value: _dt.date = _MIN_DATE, max_value: _dt.date = _MAX_DATE
) -> st.SearchStrategy[_dt.date]:
    """Dates (``datetime.date``, never ``datetime``) in a program's plausible range.

    Args:
        min_value: Earliest date.
        max_value: Latest date.

    Returns:
        A strategy of dates.
    """
    return st.dates(min_value=min_value, max_value=max_value)


def _maybe(draw: st.DrawFn, strategy: st.SearchStrategy[T]) -> T | None:
    """``None`` or a value of ``strategy`` (shrinking towards ``None``)."""
    return draw(strategy) if draw(st.booleans()) else None


def _pick(values: Sequence[str] | None, default: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    if values is None:
        return default
    if not values:
        raise ValueError("give at least one value to choose from, or None for any")
    return st.sampled_from(list(values))


def _check_size(**sizes: int) -> None:
    for name, size in sizes.items():
        if size < 0:
            raise ValueError(f"{name} must be at least 0, got {size}")


def _on_or_after(draw: st.DrawFn, start: _dt.date) -> _dt.date:
    """A date from ``start`` to the end of the default range (or ``start`` itself, if later)."""
    return draw(st.dates(min_value=start, max_value=max(start, _MAX_DATE)))


def _later(
    draw: st.DrawFn, start: _dt.date, *, max_days: int = 1_500, end: _dt.date = _MAX_DATE
) -> _dt.date:
    """A date on or after ``start`` (and no later than ``end`` unless ``start`` is)."""
    last = max(start, min(end, start + _dt.timedelta(days=max_days)))
    return draw(st.dates(min_value=start, max_value=last))


# -- members, groups, cooperatives -----------------------------------------------------------------
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


# -- regions ----------------------------------------------------------------------------------
@st.composite
def _region_stats(draw: st.DrawFn) -> RegionStat:
    population = draw(st.none() | st.integers(0, 5_000_000))
    poor = draw(st.none() | st.integers(0, population if population is not None else 5_000_000))
    rate: Decimal | None
    if poor is not None and population:
        # The rate printed with 0-3 decimals, rounded from poor/population as a report would.
        exact = Decimal(poor) * 100 / Decimal(population)
        places = draw(st.integers(0, 3))
        rate = draw(st.none() | st.just(exact.quantize(Decimal(1).scaleb(-places))))
    else:
        rate = draw(st.none() | st.decimals(0, 100, places=draw(st.integers(0, 2))))
    return RegionStat(
        year=draw(st.integers(1990, 2030)),
        source=draw(texts()),
        kind=draw(st.sampled_from(_STAT_KINDS)),
        population=population,
        poor=poor,
        poverty_rate=rate,
        note=draw(st.none() | texts()),
    )


def region_stats() -> st.SearchStrategy[RegionStat]:
    """Dated context statistics whose population, poor and rate agree (up to printed rounding).

    Returns:
        A strategy of valid :class:`~klaster.RegionStat` records; any of the three figures may be
        missing.
    """
    return _region_stats()


_REGION_STATS = _region_stats()


def _region(
    draw: st.DrawFn,
    level: RegionLevel,
    code: str,
    used_names: set[str],
    codes: bool | None,
    min_children: int,
    max_children: int,
    max_stats: int,
) -> Region:
    """One region with its subtree; ``code`` is its Kemendagri code, shown or not."""
    name = base = draw(_PLACE_NAME)
    suffix = 1
    while name.casefold() in used_names:  # keep names unique in the tree, without filtering
        suffix += 1
        name = f"{base} {suffix}"
    used_names.add(name.casefold())
    shown = codes if codes is not None else draw(st.booleans())
    children: list[Region] = []
    child_level = level.child
    if child_level is not None:
        count = draw(st.integers(min_children, max_children))
        top = 999 if child_level is RegionLevel.DESA else 99
        numbers = draw(st.lists(st.integers(1, top), min_size=count, max_size=count, unique=True))
        for number in numbers:
            if child_level is RegionLevel.DESA:
                child_code = f"{code}.{draw(st.sampled_from('12'))}{number:03d}"
            else:
                child_code = f"{code}.{number:02d}"
            children.append(
                _region(
                    draw,
                    child_level,
                    child_code,
                    used_names,
                    codes,
                    min_children,
                    max_children,
                    max_stats,
                )
            )
    return Region(
        level=level,
        name=name,
        code=code if shown else None,
        bps_code=_maybe(draw, _BPS_CODE[level]),
        children=children,
        stats=[draw(_REGION_STATS) for _ in range(draw(st.integers(0, max_stats)))],
    )


@st.composite
def _regions(
    draw: st.DrawFn,
    level: RegionLevel,
    codes: bool | None,
    min_children: int,
    max_children: int,
    max_stats: int,
) -> Region:
    # A root below province level gets a code of the right shape from made-up parents.
    parts = [f"{draw(st.integers(11, 99)):02d}"]
    for _ in list(RegionLevel)[1 : list(RegionLevel).index(level) + 1]:
        parts.append(f"{draw(st.integers(1, 99)):02d}")
    code = ".".join(parts)
    if level is RegionLevel.DESA:
        code = f"{'.'.join(parts[:3])}.{draw(st.sampled_from('12'))}{draw(st.integers(1, 999)):03d}"
    return _region(draw, level, code, set(), codes, min_children, max_children, max_stats)


def regions(
    level: RegionLevel | str = RegionLevel.PROVINCE,
    *,
    codes: bool | None = None,
    min_children: int = 1,
    max_children: int = 2,
    max_stats: int = 1,
) -> st.SearchStrategy[Region]:
    """Region trees from ``level`` down to desa, with consistent Kemendagri codes.

    Every code has the shape of its level and starts with its parent's code (even when the parent
    does not show its own); BPS codes are kept apart in ``bps_code``. Names are unique in the tree
    (case-insensitively), so members can name their village.

    Args:
        level: Level of the root (a cluster needs a province).
        codes: ``True``: every region has a Kemendagri code; ``False``: none has; ``None``: some.
        min_children: Fewest children of each region above desa (with 1 or more, every branch
            reaches desa).
        max_children: Most children of each region above desa.
        max_stats: Most :func:`region_stats` per region.

    Returns:
        A strategy of valid :class:`~klaster.Region` trees.
    """
    _check_size(min_children=min_children, max_children=max_children, max_stats=max_stats)
    if min_children > max_children:
        raise ValueError(f"min_children ({min_children}) exceeds max_children ({max_children})")
    return _regions(RegionLevel(level), codes, min_children, max_children, max_stats)


def village_keys(region: Region) -> list[str]:
    """The strings members can use to name a desa of ``region`` unambiguously.

    A desa's Kemendagri code always works (codes are unique in trees from :func:`regions`); its
    name works when no other desa has the same name (case-insensitively) or uses it as a code.
    Desa that have neither are left out.

    Args:
        region: A region tree.

    Returns:
        One key per usable desa, in tree order.
    """
    villages = region.villages()
    names = [d.name.casefold() for d in villages]
    codes_ = {d.code for d in villages if d.code is not None}
    keys = []
    for desa in villages:
        if names.count(desa.name.casefold()) == 1 and desa.name not in codes_:
            keys.append(desa.name)
        elif desa.code is not None:
            keys.append(desa.code)
    return keys


# -- organisations and lifecycle ------------------------------------------------------------------
@st.composite
def _organisations(draw: st.DrawFn, id_strategy: st.SearchStrategy[str]) -> Organisation:
    return Organisation(
        id=draw(id_strategy),
        name=draw(texts()),
        kind=draw(st.sampled_from(OrgKind)),
        note=draw(st.none() | texts()),
    )


def organisations(*, ids: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Organisation]:
    """Organisations: the NGO, implementing partners, government offices, funders.

    Args:
        ids: Strategy for the organisation's ID (default :func:`ids`).

    Returns:
        A strategy of valid :class:`~klaster.Organisation` records.
    """
    return _organisations(ids if ids is not None else _any_ids())


def cluster_sectors(
    *, sectors: Sequence[str] | None = None, partner_ids: Sequence[str] = ()
) -> st.SearchStrategy[ClusterSector]:
    """A sector of a cluster with its implementing partner (or none).

    Args:
        sectors: Sector codes to choose from (default :data:`DEFAULT_SECTORS`).
        partner_ids: Organisation IDs to choose the partner from; with none, no partner is named.

    Returns:
        A strategy of valid :class:`~klaster.ClusterSector` records.
    """
    partners = st.none() | st.sampled_from(list(partner_ids)) if partner_ids else st.none()
    return st.builds(ClusterSector, _pick(sectors, st.sampled_from(DEFAULT_SECTORS)), partners)


def stakeholders(*, organisation_ids: Sequence[str]) -> st.SearchStrategy[Stakeholder]:
    """An organisation's role in a cluster.

    Args:
        organisation_ids: Organisation IDs to choose from (at least one).

    Returns:
        A strategy of valid :class:`~klaster.Stakeholder` records.
    """
    return st.builds(Stakeholder, _pick(organisation_ids, ids()), texts())


def check_results(*, passed: bool | None = None) -> st.SearchStrategy[CheckResult]:
    """Results of a guard check (a readiness criterion) as kept in the history.

    Args:
        passed: Force the outcome; ``None`` for either.

    Returns:
        A strategy of valid :class:`~klaster.CheckResult` records.
    """
    return st.builds(
        CheckResult,
        name=codes(),
        passed=st.booleans() if passed is None else st.just(passed),
        detail=st.just("") | texts(),
    )


def overrides() -> st.SearchStrategy[Override]:
    """Overrides of failed guard checks, with the reason and approver they require.

    Returns:
        A strategy of valid :class:`~klaster.Override` records.
    """
    return st.builds(Override, reason=texts(), approved_by=texts())


@st.composite
def _phase_changes(draw: st.DrawFn, phase: Phase | None, on: _dt.date | None) -> PhaseChange:
    checks = draw(st.lists(check_results(), max_size=3))
    failed = any(not c.passed for c in checks)
    return PhaseChange(
        on=on if on is not None else draw(dates()),
        phase=phase if phase is not None else draw(st.sampled_from(Phase)),
        reason=draw(texts()),
        decided_by=draw(texts()),
        checks=checks,
        override=draw(overrides()) if failed else _maybe(draw, overrides()),
    )


def phase_changes(
    *, phase: Phase | str | None = None, on: _dt.date | None = None
) -> st.SearchStrategy[PhaseChange]:
    """Single lifecycle events; failed checks always come with an override.

    Use :func:`lifecycles` for whole histories: a sequence of these is not necessarily legal.

    Args:
        phase: The phase entered (default: any).
        on: The date (default: any).

    Returns:
        A strategy of valid :class:`~klaster.PhaseChange` records.
    """
    return _phase_changes(Phase(phase) if phase is not None else None, on)


def _returning(checks: list[CheckResult]) -> Callable[[object, _dt.date], list[CheckResult]]:
    """A guard that reports ``checks``, whatever it is asked."""

    def guard(_subject: object, _on: _dt.date) -> list[CheckResult]:
        return checks

    return guard


@st.composite
def _lifecycles(
    draw: st.DrawFn, min_moves: int, max_moves: int, started_after: _dt.date
) -> Lifecycle:
    life = Lifecycle()
    day = draw(dates(min_value=started_after, max_value=max(started_after, _dt.date(2025, 1, 1))))
    first = draw(st.sampled_from(life.allowed_moves()))
    life.move(first, day, reason=draw(texts()), decided_by=draw(texts()))
    for step in range(draw(st.integers(min_moves, max_moves))):
        allowed = life.allowed_moves()
        if not allowed:
            break
        target = draw(st.sampled_from(allowed))
        day = _later(draw, day, max_days=200 if step % 2 else 500)
        checks = draw(st.lists(check_results(), max_size=3)) if target is Phase.INDEPENDENCE else []
        failed = any(not c.passed for c in checks)
        override = draw(overrides()) if failed else _maybe(draw, overrides())
        life.move(
            target,
            day,
            reason=draw(texts()),
            decided_by=draw(texts()),
            guards=[_returning(checks)],
            override=override,
        )
    return life


def lifecycles(
    *, min_moves: int = 0, max_moves: int = 6, started_after: _dt.date = _dt.date(2005, 1, 1)
) -> st.SearchStrategy[Lifecycle]:
    """Lifecycle histories made by driving random legal moves from a random first phase.

    Moves include suspension and resumption, cancellation, and guarded moves to independence
    whose checks sometimes fail (then with an override). Several moves may fall on one day.

    Args:
        min_moves: Fewest moves after the first event (fewer when a final phase is reached).
        max_moves: Most moves after the first event.
        started_after: Earliest date of the first event.

    Returns:
        A strategy of non-empty, valid :class:`~klaster.Lifecycle` objects (replaying the
        history of each gives it back).
    """
    _check_size(min_moves=min_moves, max_moves=max_moves)
    if min_moves > max_moves:
        raise ValueError(f"min_moves ({min_moves}) exceeds max_moves ({max_moves})")
    return _lifecycles(min_moves, max_moves, started_after)


# -- clusters and programs --------------------------------------------------------------------
@st.composite
def _clusters(
    draw: st.DrawFn,
    avoid_ids: Collection[str],
    organisation_ids: Sequence[str],
    sectors: Sequence[str] | None,
    max_sectors: int,
    max_members: int,
    max_groups: int,
    max_cooperatives: int,
    region: st.SearchStrategy[Region] | None,
) -> Cluster:
    taken = set(avoid_ids)
    fresh = ids().filter(lambda s: s not in taken)

    def new_id() -> str:
        value = draw(fresh)
        taken.add(value)
        return value

    cluster_id = new_id()
    pool = list(sectors) if sectors is not None else list(DEFAULT_SECTORS)
    codes_ = draw(
        st.lists(
            st.sampled_from(pool), min_size=1, max_size=min(max_sectors, len(pool)), unique=True
        )
    )
    partners = (
        st.none() | st.sampled_from(list(organisation_ids)) if organisation_ids else st.none()
    )
    cluster_sectors_ = [ClusterSector(code, draw(partners)) for code in codes_]
    tree = draw(region if region is not None else regions())
    keys = village_keys(tree)
    villages = st.sampled_from(keys) if keys else _PLACE_NAME

    people: list[Member] = []
    for _ in range(draw(st.integers(0, max_members))):
        people.append(
            draw(_members(st.just(new_id()), st.sampled_from(codes_), villages, _MIN_DATE))
        )
    kelompok = [
        draw(_groups(st.just(new_id()), st.sampled_from(codes_), people, max_members, _MIN_DATE))
        for _ in range(draw(st.integers(0, max_groups)))
    ]
    koperasi = [
        draw(_cooperatives(st.just(new_id()), codes_, [m.id for m in people], max_members))
        for _ in range(draw(st.integers(0, max_cooperatives)))
    ]
    holders = (
        draw(st.lists(stakeholders(organisation_ids=organisation_ids), max_size=2))
        if organisation_ids
        else []
    )
    return Cluster(
        id=cluster_id,
        name=draw(texts()),
        region=tree,
        sectors=cluster_sectors_,
        lifecycle=draw(st.builds(Lifecycle) | lifecycles()),
        members=people,
        groups=kelompok,
        cooperatives=koperasi,
        stakeholders=holders,
        note=draw(st.none() | texts()),
    )


def clusters(
    *,
    avoid_ids: Collection[str] = (),
    organisation_ids: Sequence[str] = (),
    sectors: Sequence[str] | None = None,
    max_sectors: int = 2,
    max_members: int = 6,
    max_groups: int = 3,
    max_cooperatives: int = 2,
    region: st.SearchStrategy[Region] | None = None,
) -> st.SearchStrategy[Cluster]:
    """Consistent clusters: region, sectors, members, groups, cooperatives and a lifecycle.

    Members live in desa of the cluster's region and work in its sectors; groups list members of
    the cluster in their own sector (with leaving and rejoining); cooperatives list members of the
    cluster and serve its sectors. The lifecycle is empty or a history of legal moves.

    Args:
        avoid_ids: IDs the cluster and its records must not use (taken elsewhere in a program).
        organisation_ids: IDs of organisations partners and stakeholders may name; with none,
            no partner or stakeholder is named.
        sectors: Sector codes to choose the cluster's sectors from (default
            :data:`DEFAULT_SECTORS`).
        max_sectors: Most sectors.
        max_members: Most members (also the most members of one group or cooperative).
        max_groups: Most groups.
        max_cooperatives: Most cooperatives.
        region: Strategy for the province tree (default :func:`regions`).

    Returns:
        A strategy of valid :class:`~klaster.Cluster` objects.
    """
    _check_size(
        max_sectors=max_sectors,
        max_members=max_members,
        max_groups=max_groups,
        max_cooperatives=max_cooperatives,
    )
    if max_sectors < 1:
        raise ValueError("a cluster works in at least one sector: max_sectors must be 1 or more")
    if sectors is not None and not sectors:
        raise ValueError("give at least one sector code, or None for the default ones")
    return _clusters(
        avoid_ids,
        organisation_ids,
        sectors,
        max_sectors,
        max_members,
        max_groups,
        max_cooperatives,
        region,
    )


@st.composite
def _programs(
    draw: st.DrawFn,
    max_clusters: int,
    max_organisations: int,
    sectors: Sequence[str] | None,
    max_members: int,
    max_groups: int,
    max_cooperatives: int,
) -> Program:
    parties = draw(
        st.lists(organisations(), min_size=1, max_size=max_organisations, unique_by=lambda o: o.id)
    )
    party_ids = [o.id for o in parties]
    taken: set[str] = set()
    found: list[Cluster] = []
    for _ in range(draw(st.integers(0, max_clusters))):
        cluster = draw(
            clusters(
                avoid_ids=frozenset(taken),
                organisation_ids=party_ids,
                sectors=sectors,
                max_members=max_members,
                max_groups=max_groups,
                max_cooperatives=max_cooperatives,
            )
        )
        taken.add(cluster.id)
        for kind in (cluster.members, cluster.groups, cluster.cooperatives):
            taken.update(kind.ids())
        found.append(cluster)
    return Program(
        id=draw(ids()),
        name=draw(texts()),
        organisation_id=draw(st.sampled_from(party_ids)),
        organisations=parties,
        clusters=found,
        note=draw(st.none() | texts()),
    )


def programs(
    *,
    max_clusters: int = 2,
    max_organisations: int = 3,
    sectors: Sequence[str] | None = None,
    max_members: int = 4,
    max_groups: int = 2,
    max_cooperatives: int = 1,
) -> st.SearchStrategy[Program]:
    """Whole programs: organisations and consistent clusters with program-wide unique IDs.

    Every partner, stakeholder and the running organisation refer to a listed organisation.

    Args:
        max_clusters: Most clusters (0 is possible).
        max_organisations: Most organisations (at least one: the running one).
        sectors: Sector codes the clusters choose theirs from (default :data:`DEFAULT_SECTORS`);
            a sector plugin passes its own.
        max_members: Most members per cluster.
        max_groups: Most groups per cluster.
        max_cooperatives: Most cooperatives per cluster.

    Returns:
        A strategy of valid :class:`~klaster.Program` objects, ready for :func:`klaster.dumps`.
    """
    _check_size(
        max_clusters=max_clusters,
        max_members=max_members,
        max_groups=max_groups,
        max_cooperatives=max_cooperatives,
    )
    if max_organisations < 1:
        raise ValueError(
            "a program lists at least its running organisation: max_organisations >= 1"
        )
    if sectors is not None and not sectors:
        raise ValueError("give at least one sector code, or None for the default ones")
    return _programs(
        max_clusters, max_organisations, sectors, max_members, max_groups, max_cooperatives
    )
