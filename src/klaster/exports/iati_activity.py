"""The descriptive part of an IATI activity: who, what status, when, where, which sectors.

A cluster's activity status comes from its lifecycle phase through the settings' map (a phase
missing there is a located error); the program's from its clusters'. Dates: the actual start is
the move to growth, the actual end the move to independence (or the cancellation); the planned
ones are the current plans (``program.fieldwork.plans``) for the milestones ``growth`` and
``independence``. Sectors are the DAC purpose codes of the sector records, in equal shares adding
up to exactly 100. Locations are the kecamatan and desa the sectors work in (or the region the
cluster covers), with their Kemendagri code as the location's ``ref``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_DOWN, Decimal
from xml.etree.ElementTree import Element

from attrs import frozen

from klaster.catalogue.sector import Sector
from klaster.errors import ValidationError
from klaster.exports.iati_settings import IatiSettings, OrgIdentity
from klaster.exports.iati_xml import date_text, decimal_text, element, label_narratives, narrative
from klaster.label import Label
from klaster.model.cluster import Cluster
from klaster.model.organisation import OrgKind
from klaster.model.phases import Phase
from klaster.model.program import Program
from klaster.model.region import Region, RegionLevel

__all__ = [
    "ActivityDates",
    "activity_dates",
    "cluster_status",
    "dac_codes",
    "identity_of",
    "locations",
    "participants",
    "place_context",
    "program_dates",
    "program_status",
    "sector_shares",
    "write_head",
]

_TYPE_OF_KIND: Mapping[OrgKind, str] = {
    OrgKind.NGO: "22",  # national NGO (a lembaga amil zakat is one)
    OrgKind.IMPLEMENTING_PARTNER: "22",
    OrgKind.GOVERNMENT: "10",
    OrgKind.FUNDER: "90",  # unknown: a foundation, a company, a government... say it in settings
    OrgKind.PRIVATE: "70",
    OrgKind.OTHER: "90",
}
_LEVEL: Mapping[RegionLevel, int] = {
    RegionLevel.PROVINCE: 1,
    RegionLevel.KABUPATEN: 2,
    RegionLevel.KECAMATAN: 3,
    RegionLevel.DESA: 4,
}
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


@frozen
class ActivityDates:
    """An activity's dates (IATI ActivityDateType 1 to 4); ``None`` when not known."""

    planned_start: _dt.date | None
    actual_start: _dt.date | None
    planned_end: _dt.date | None
    actual_end: _dt.date | None

    @property
    def start(self) -> _dt.date | None:
        """The actual start, else the planned one."""
        return self.actual_start or self.planned_start

    @property
    def end(self) -> _dt.date | None:
        """The actual end, else the planned one."""
        return self.actual_end or self.planned_end


def cluster_status(cluster: Cluster, settings: IatiSettings, path: str) -> str:
    """The ActivityStatus code of a cluster's current phase.

    Raises:
        ValidationError: At ``path``: the cluster has no phase yet, or its phase has no status in
            ``settings.status``.
    """
    phase = cluster.phase
    if phase is None:
        raise ValidationError(
            "the lifecycle has no phase yet, so there is no IATI activity status; start it "
            "(cluster.lifecycle.start) before exporting",
            path=f"{path}.lifecycle",
        )
    code = settings.status.get(phase)
    if code is None:
        mapped = ", ".join(f"{p.value} → {c}" for p, c in settings.status.items()) or "none"
        raise ValidationError(
            f"phase {phase.value!r} has no IATI activity status in the settings (mapped: "
            f"{mapped}); add it to IatiSettings.status, e.g. {{'{phase.value}': '2'}}",
            path=f"{path}.lifecycle",
        )
    return code


def program_status(statuses: Sequence[str]) -> str:
    """The program's status from its clusters': implementing while any cluster is.

    All cancelled: cancelled (5). Otherwise, of the clusters not cancelled: any implementing (2)
    → 2; all suspended → 6; any suspended beside others → 2; all in pipeline → 1; pipeline
    beside finished ones → 2; all finished → closed (4) if all are closed, else finalisation (3).
    """
    live = [s for s in statuses if s != "5"]
    if not live:
        return "5"
    kinds = set(live)
    if kinds == {"6"}:
        return "6"
    if kinds == {"1"}:
        return "1"
    if kinds <= {"3", "4"}:
        return "4" if kinds == {"4"} else "3"
    return "2"


def activity_dates(program: Program, cluster: Cluster) -> ActivityDates:
    """A cluster's planned and actual start and end."""
    actual_start = actual_end = None
    for change in cluster.lifecycle.history:
        if actual_start is None and change.phase not in (Phase.PLANNING, Phase.CANCELLED):
            actual_start = change.on
        if actual_end is None and change.phase in (Phase.INDEPENDENCE, Phase.CANCELLED):
            actual_end = change.on
    plans = {p.milestone: p.on for p in program.fieldwork.current_plans(cluster.id)}
    return ActivityDates(
        plans.get(Phase.GROWTH.value), actual_start, plans.get(Phase.INDEPENDENCE.value), actual_end
    )


def program_dates(program: Program, clusters: Iterable[ActivityDates]) -> ActivityDates:
    """The program's dates: the earliest start and latest end of its clusters.

    The program's own plans (``cluster_id`` ``None``) for growth and independence come first; an
    actual end is given only when every cluster has ended.
    """
    every = list(clusters)
    own = {p.milestone: p.on for p in program.fieldwork.current_plans() if p.cluster_id is None}

    def first(days: Iterable[_dt.date | None]) -> _dt.date | None:
        return min((d for d in days if d is not None), default=None)

    def last(days: Iterable[_dt.date | None]) -> _dt.date | None:
        return max((d for d in days if d is not None), default=None)

    ended = all(d.actual_end is not None for d in every)
    return ActivityDates(
        own.get(Phase.GROWTH.value) or first(d.planned_start for d in every),
        first(d.actual_start for d in every),
        own.get(Phase.INDEPENDENCE.value) or last(d.planned_end for d in every),
        last(d.actual_end for d in every) if ended else None,
    )


def participants(
    program: Program, clusters: Sequence[Cluster], settings: IatiSettings
) -> list[tuple[str, str, OrgIdentity]]:
    """``(role, organisation ID, identity)`` of an activity's participating organisations.

    The program's organisation is accountable (2) and extending (3), and funding (1) when the
    program lists no funder (it funds the work from the zakat and infaq it collects); funders are
    funding (1); the clusters' implementing partners implementing (4). Governments and other
    stakeholders take no IATI role.
    """
    own = program.organisation_id
    funders = [o.id for o in program.organisations if o.kind is OrgKind.FUNDER]
    partners: list[str] = []
    for cluster in clusters:
        for sector in cluster.sectors:
            if sector.partner_id is not None and sector.partner_id not in partners:
                partners.append(sector.partner_id)
    roles = [("1", org) for org in (funders or [own])]
    roles += [("2", own), ("3", own)] + [("4", org) for org in partners]
    return [(role, org, identity_of(program, org, settings)) for role, org in roles]


def identity_of(program: Program, org_id: str, settings: IatiSettings) -> OrgIdentity:
    """An organisation's IATI identity: from the settings, else from its kind."""
    given = settings.organisations.get(org_id)
    if given is not None:
        return given
    if org_id == program.organisation_id:
        return OrgIdentity(settings.reporting_org_type, settings.reporting_org_ref)
    return OrgIdentity(_TYPE_OF_KIND[program.organisations[org_id].kind])


def sector_shares(codes: Sequence[str]) -> dict[str, Decimal]:
    """Equal shares of 100 per DAC code (two decimals), the rounding put on the first: exact sum.

    A code listed twice (two sectors with one DAC code) gets both shares.
    """
    if not codes:
        return {}
    each = (_HUNDRED / len(codes)).quantize(_CENT, rounding=ROUND_DOWN)
    shares: dict[str, Decimal] = {}
    for code in codes:
        shares[code] = shares.get(code, Decimal(0)) + each
    first = next(iter(shares))
    shares[first] += _HUNDRED - each * len(codes)
    return shares


def dac_codes(
    clusters: Sequence[tuple[int, Cluster]], sectors: Mapping[str, Sector]
) -> tuple[list[str], dict[str, Sector]]:
    """Every sector's DAC code, in order (one per sector per cluster), and the sector of each.

    Raises:
        ValidationError: At ``clusters[i].sectors[j]``: a sector no plugin provides, or one
            without a DAC code.
    """
    found: list[str] = []
    of: dict[str, Sector] = {}
    for index, cluster in clusters:
        for s_index, chosen in enumerate(cluster.sectors):
            path = f"clusters[{index}].sectors[{s_index}]"
            sector = sectors.get(chosen.sector)
            if sector is None:
                known = ", ".join(sorted(sectors)) or "none"
                raise ValidationError(
                    f"sector {chosen.sector!r} is provided by no loaded plugin (loaded: {known}); "
                    "install its plugin to export the cluster",
                    path=path,
                )
            if sector.dac_code is None:
                raise ValidationError(
                    f"sector {chosen.sector!r} has no OECD DAC purpose code; IATI needs one: "
                    "set dac_code in the sector's plugin (e.g. '31163' livestock)",
                    path=path,
                )
            found.append(sector.dac_code)
            of.setdefault(sector.dac_code, sector)
    return found, of


def locations(cluster: Cluster) -> list[Region]:
    """The kecamatan and desa the cluster's sectors work in.

    A sector working in the whole region adds the region the cluster covers (the province's only
    kabupaten, and so on down).
    """
    found: list[Region] = []
    for sector in cluster.sectors:
        places = [_place(cluster.region, area) for area in sector.areas] or [
            _covered(cluster.region)
        ]
        found += [p for p in places if p is not None and all(p is not q for q in found)]
    return found


def _place(region: Region, area: str) -> Region | None:
    # The cluster checked every area names one kecamatan or desa (by code or name).
    folded = area.casefold()
    for level in (RegionLevel.KECAMATAN, RegionLevel.DESA):
        for place in region.at_level(level):
            if place.code == area or place.name.casefold() == folded:
                return place
    return None


def _covered(region: Region) -> Region:
    while len(region.children) == 1 and region.level is not RegionLevel.KABUPATEN:
        region = region.children[0]
    return region


def write_head(
    activity: Element,
    *,
    identifier: str,
    title: Label,
    description: Label,
    settings: IatiSettings,
    organisations: Sequence[tuple[str, str, OrgIdentity]],
    names: Mapping[str, str],
    status: str,
    dates: ActivityDates,
    places: Sequence[tuple[Region, str]],
    shares: Mapping[str, Decimal],
    sectors: Mapping[str, Sector],
    path: str,
) -> None:
    """Append the elements from ``iati-identifier`` to ``sector``, in the schema's order.

    Raises:
        ValidationError: At ``path``: no date at all to report (a cluster still in planning
            without a plan).
    """
    element(activity, "iati-identifier", identifier)
    reporting = element(
        activity, "reporting-org", ref=settings.reporting_org_ref, type=settings.reporting_org_type
    )
    label_narratives(reporting, settings.reporting_org_name)
    label_narratives(element(activity, "title"), title)
    label_narratives(element(activity, "description", type="1"), description)
    for role, org_id, identity in organisations:
        attributes = {"role": role, "type": identity.type}
        if identity.ref is not None:
            attributes["ref"] = identity.ref
        narrative(element(activity, "participating-org", **attributes), names[org_id])
    element(activity, "activity-status", code=status)
    written = 0
    for code, day in (
        ("1", dates.planned_start),
        ("2", dates.actual_start),
        ("3", dates.planned_end),
        ("4", dates.actual_end),
    ):
        if day is not None:
            element(activity, "activity-date", type=code, iso_date=date_text(day))
            written += 1
    if not written:
        raise ValidationError(
            "no start date to report: the cluster is still in planning and no plan for "
            "'growth' was recorded (program.fieldwork.plan(Plan('growth', ...)))",
            path=path,
        )
    element(activity, "recipient-country", code="ID")
    for region, context in places:
        _location(activity, region, context, settings)
    for code, share in shares.items():
        sector = element(
            activity, "sector", vocabulary="1", code=code, percentage=decimal_text(share)
        )
        label_narratives(sector, sectors[code].name)


def _location(activity: Element, region: Region, context: str, settings: IatiSettings) -> None:
    attributes = {} if region.code is None else {"ref": region.code}
    location = element(activity, "location", **attributes)
    element(location, "location-reach", code="1")
    level = region.level.label
    name = Label(f"{level.id} {region.name}{context}", f"{region.name} ({level.en}){context}")
    label_narratives(element(location, "name"), name)
    crosswalk = None if region.code is None else settings.admin_codes.get(region.code)
    if crosswalk is not None:
        element(
            location,
            "administrative",
            vocabulary=crosswalk.vocabulary,
            code=crosswalk.code,
            level=str(crosswalk.level),
        )
    element(location, "location-class", code="1")


def place_context(cluster: Cluster, region: Region) -> str:
    """``", Kabupaten Bantaeng, Sulawesi Selatan"``: the region's ancestors, for its name."""
    trail: list[str] = []

    def walk(node: Region, above: list[str]) -> bool:
        if node is region:
            trail.extend(reversed(above))
            return True
        return any(walk(child, [*above, node.name]) for child in node.children)

    walk(cluster.region, [])
    return "".join(f", {name}" for name in trail)
