"""An import's reason for keeping a record outside its sector's area (``outside_area``).

A registration or roster row may map ``outside_area`` (and a roster ``group_outside_area``): the
reason to record as the cluster's :class:`~klaster.model.sector_areas.AreaOverride` when the
member's (or group's) village lies outside the area of its sector. The reason is used only where
it is needed, so a row inside its area records nothing and importing again changes nothing;
without a reason a row outside its area is refused as before. The reason is free text that may
describe a household: messages never repeat it.
"""

from __future__ import annotations

from klaster.model.cluster import Cluster
from klaster.model.member import Member
from klaster.model.sector_areas import AreaOverride, AreaRecord


class _Checked(Exception):
    """Ends a check made with a pending override, so the override is taken back."""


def needed(
    cluster: Cluster,
    kind: AreaRecord,
    record_id: str,
    sector: str,
    village: str | None,
    reason: object,
) -> str | None:
    """The reason to record for a record, or ``None`` (no reason, inside its area, or held).

    Args:
        cluster: The record's cluster.
        kind: Member or group.
        record_id: The record's ID.
        sector: Its sector.
        village: Its village (``None``: a group that names none, never outside).
        reason: The mapped cell (``None`` when empty or not mapped).
    """
    if not isinstance(reason, str) or not reason.strip() or village is None:
        return None
    if cluster.area_override(kind, record_id) is not None:
        return None  # recorded already (an earlier import): nothing to add
    return None if cluster.areas.inside(sector, village) else reason


def check_member(cluster: Cluster, member: Member, reason: str | None) -> None:
    """:meth:`Cluster.check_member`, as if ``reason`` were recorded for the member.

    Raises:
        KlasterError: As :meth:`Cluster.check_member`; the reason is never in the message.
    """
    if reason is None:
        cluster.check_member(member)
        return
    try:
        with cluster.overriding_area(AreaOverride(AreaRecord.MEMBER, member.id, reason)):
            cluster.check_member(member)
            raise _Checked
    except _Checked:
        pass
