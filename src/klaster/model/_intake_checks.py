"""The intake's checks in the context of its program, and enrolment's changes to a cluster.

Each check takes the program through :class:`ProgramView` (this module does not import the
program) and raises a located :class:`~klaster.errors.KlasterError`; the path is relative to the
record checked unless it says otherwise. :class:`~klaster.model.intake.Intake` adds where the
record is. No check repeats a name, a NIK, a phone number or a screening answer.

An applicant is checked like a member for its cluster, sector and village, but not against a
sector's area: an applicant may live outside it (enrolment, which adds the member to the
cluster, is where the area rule applies).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import attrs

from klaster.errors import DuplicateIdError, InvalidReferenceError, KlasterError
from klaster.model.applicant import Applicant, StatusChange
from klaster.model.cluster import Cluster
from klaster.model.group import Group, Membership, Role
from klaster.model.member import Member
from klaster.model.records import Records, drop_record, field_of
from klaster.model.region import Region

__all__ = ["ProgramView", "Villages", "admit", "check_applicant", "check_enrolment"]

_SHOWN = 12

Villages = dict[str, dict[str, list[Region]]]
"""Each cluster's desa by case-folded name and by code (built once per check of an intake)."""


class ProgramView(Protocol):
    """What the checks read of a program."""

    @property
    def clusters(self) -> Records[Cluster]: ...

    def cluster_of_member(self, member_id: str) -> Cluster | None: ...


def _villages_of(cluster: Cluster, cache: Villages) -> dict[str, list[Region]]:
    found = cache.get(cluster.id)
    if found is None:
        found = {}
        for desa in cluster.region.villages():
            found.setdefault(desa.name.casefold(), []).append(desa)
            if desa.code:
                found.setdefault(desa.code, []).append(desa)
        cache[cluster.id] = found
    return found


def _cluster(program: ProgramView, cluster_id: str, path: str) -> Cluster:
    cluster = program.clusters.get(cluster_id)
    if cluster is None:
        ids = program.clusters.ids()
        known = ", ".join(repr(i) for i in ids[:_SHOWN]) or "none"
        raise InvalidReferenceError(
            f"unknown cluster {cluster_id!r}; the program's clusters are {known}", path=path
        )
    return cluster


def check_applicant(program: ProgramView, applicant: Applicant, cache: Villages) -> None:
    """Check the applicant's cluster, sector and village against the program.

    Raises:
        InvalidReferenceError: An unknown cluster (``cluster_id``), a sector that is not one of
            the cluster's (``sector``), or a village that is not (or names more than one) desa
            of the cluster's region (``village``).
    """
    cluster = _cluster(program, applicant.cluster_id, "cluster_id")
    if applicant.sector not in cluster.sector_codes:
        raise InvalidReferenceError(
            f"unknown sector {applicant.sector!r} for cluster {cluster.id!r}; its sectors are "
            + ", ".join(repr(c) for c in cluster.sector_codes),
            path="sector",
        )
    villages = _villages_of(cluster, cache)
    if not villages:
        return  # the region lists no desa: nothing to check against (as for members)
    village = applicant.village
    found = villages.get(village) or villages.get(village.casefold())
    if not found:
        names = sorted({d.name for ds in villages.values() for d in ds})
        raise InvalidReferenceError(
            f"village {village!r} is not a desa of cluster {cluster.id!r}; use the name or "
            "Kemendagri code of one of: " + ", ".join(names),
            path="village",
        )
    if len(found) > 1:
        raise InvalidReferenceError(
            f"village {village!r} names {len(found)} desa of cluster {cluster.id!r}; use the "
            "Kemendagri code instead",
            path="village",
        )


def check_enrolment(program: ProgramView, applicant: Applicant, change: StatusChange) -> None:
    """Check that an enrolment's member (and group) exist in the applicant's cluster and link back.

    Raises:
        InvalidReferenceError: The member is not in the applicant's cluster or its
            ``application_id`` names another application (``member_id``); the group is not in
            the cluster or the member was never in it (``group_id``).
    """
    cluster = _cluster(program, applicant.cluster_id, "applicant_id")
    member = cluster.members.get(change.member_id or "")
    if member is None:
        raise InvalidReferenceError(
            f"member {change.member_id!r} is not a member of cluster {cluster.id!r}, the "
            f"cluster applicant {applicant.id!r} applied to",
            path="member_id",
        )
    if member.application_id != applicant.id:
        raise InvalidReferenceError(
            f"member {member.id!r} does not link back to applicant {applicant.id!r} (its "
            f"application_id is {member.application_id!r}); set it to the application's ID",
            path="member_id",
        )
    if change.group_id is None:
        return
    group = cluster.groups.get(change.group_id)
    if group is None or member.id not in group.member_ids():
        raise InvalidReferenceError(
            f"group {change.group_id!r} is not a group of cluster {cluster.id!r}"
            if group is None
            else f"member {member.id!r} was never in group {group.id!r}",
            path="group_id",
        )


def member_links(program: ProgramView) -> Iterator[tuple[str, Member]]:
    """Every member that names an application, with its absolute path."""
    for c_index, cluster in enumerate(program.clusters):
        links = field_of(cluster.members, "application_id")  # (the records not built)
        if links.count(None) == len(links):  # in C: most clusters' members name none
            continue
        for m_index, member in enumerate(cluster.members):
            if member.application_id is not None:
                yield f"clusters[{c_index}].members[{m_index}].application_id", member


def admit(
    program: ProgramView, applicant: Applicant, change: StatusChange, **extra: object
) -> Member:
    """Add the member an enrolment creates to its cluster (and group): all or nothing.

    ``extra`` holds ``business_type`` (the applicant's if ``None``), ``role`` in the group and
    ``outside_area`` (the reason, or the cluster's area override, for a member outside its
    sector's area).
    Everything is checked before the cluster is changed; paths are absolute
    (``clusters[0].members[12].village``, ``clusters[0].groups[3].memberships[9]``).

    Raises:
        KlasterError: The member is refused (a member ID used in the program, the sector's
            business types or area), the group is unknown, of another sector or full.
    """
    cluster = _cluster(program, applicant.cluster_id, "applicant_id")
    where = f"clusters[{program.clusters.index_of(cluster.id)}]"
    new_at = f"{where}.members[{len(cluster.members)}]"
    member = _member(applicant, change, extra.get("business_type"), new_at)
    if program.cluster_of_member(member.id) is not None:
        raise DuplicateIdError(
            f"duplicate ID {member.id!r}: a member with that ID is already in the program; "
            "member IDs are unique in the program",
            path=f"{new_at}.id",
        )
    group = _group_after(cluster, member, change, extra.get("role") or Role.MEMBER, where)
    try:
        # sector, village, business type and sector-area checks (an override recorded there)
        cluster.add_member(member, outside_area=extra.get("outside_area"))  # type: ignore[arg-type]
    except KlasterError as exc:
        raise exc.at(where) from None
    if group is not None:
        try:
            cluster.join_group(group.id, member.id, change.on, group.memberships[-1].role)
        except KlasterError as exc:  # checked above: only a change made meanwhile gets here
            drop_record(cluster.members, member.id)  # undo the refused enrolment's member
            raise exc.at(f"{where}.groups[{cluster.groups.index_of(group.id)}]") from None
    return member


def _member(applicant: Applicant, change: StatusChange, business_type: object, at: str) -> Member:
    try:
        return Member(
            id=change.member_id or "",
            name=applicant.name,
            sex=applicant.sex,
            household_size=applicant.household_size,
            village=applicant.village,
            sector=applicant.sector,
            joined=change.on,
            business_type=business_type or applicant.business_type,  # type: ignore[arg-type]
            national_id=applicant.national_id,
            phone=applicant.phone,
            application_id=applicant.id,
        )
    except KlasterError as exc:
        raise exc.at(at) from None


def _group_after(
    cluster: Cluster, member: Member, change: StatusChange, role: object, where: str
) -> Group | None:
    """The group with the new member's spell, checked (capacity, sector), not yet stored."""
    if change.group_id is None:
        return None
    group = cluster.groups.get(change.group_id)
    if group is None:
        known = ", ".join(repr(i) for i in cluster.groups.ids()[:_SHOWN]) or "none"
        raise InvalidReferenceError(
            f"unknown group {change.group_id!r} in cluster {cluster.id!r}; its groups are {known}",
            path=f"{where}.groups",
        )
    at = f"{where}.groups[{cluster.groups.index_of(group.id)}]"
    if group.sector != member.sector:
        raise InvalidReferenceError(
            f"group {group.id!r} is in sector {group.sector!r}, the applicant in "
            f"{member.sector!r}; choose a group of the applicant's sector",
            path=f"{at}.sector",
        )
    try:
        spell = Membership(member.id, change.on, role=role)  # type: ignore[arg-type]
        return attrs.evolve(group, memberships=(*group.memberships, spell))
    except KlasterError as exc:  # a full group, or a spell before the group was formed
        raise exc.at(at) from None
