"""Activities and sector areas: the checks :mod:`klaster.model.fieldwork` runs in context.

An activity with a cluster, a sector and a village must be held in that sector's area
(:mod:`klaster.model.sector_areas`) unless its cluster records an override for it; an override
for an activity must name an activity of that cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext

from klaster.errors import InvalidReferenceError, KlasterError, ValidationError
from klaster.model.activity import Activity
from klaster.model.cluster import Cluster
from klaster.model.sector_areas import AreaOverride, AreaRecord, override_for


def check_activity_area(cluster: Cluster, activity: Activity) -> None:
    """Check that the activity's village is in its sector's area (paths relative to it)."""
    if activity.sector is None or activity.village is None:
        return
    key = (AreaRecord.ACTIVITY, activity.id)
    allowed = cluster.area_override(*key) is not None
    cluster.areas.check(activity.sector, activity.village, key, allowed=allowed)


def check_activity_overrides(clusters: Iterable[Cluster], activities: Iterable[Activity]) -> None:
    """Check that each cluster's activity overrides name an activity of that cluster.

    Raises:
        InvalidReferenceError: At ``clusters[i].area_overrides[j].record_id``.
    """
    held = {(a.cluster_id, a.id) for a in activities if a.cluster_id is not None}
    for c_index, cluster in enumerate(clusters):
        for index, item in enumerate(cluster.area_overrides):
            if item.kind is AreaRecord.ACTIVITY and (cluster.id, item.record_id) not in held:
                raise InvalidReferenceError(
                    f"activity {item.record_id!r} is not an activity of cluster {cluster.id!r} "
                    "in fieldwork.activities; an override names a record of its cluster",
                    path=f"clusters[{c_index}].area_overrides[{index}].record_id",
                )


def outside_area(
    cluster: Cluster | None, activity: Activity, given: AreaOverride | str | None, where: str
) -> AbstractContextManager[None]:
    """The context recording an activity's ``outside_area=`` override on its cluster.

    Raises:
        ValidationError: At ``where.outside_area``: an override for an activity without a
            cluster, an empty reason, or one naming another record.
        DuplicateIdError: The activity already has one.
    """
    if given is None:
        return nullcontext()
    try:
        if cluster is None:
            raise ValidationError(
                "an activity without a cluster has no sector area to be outside of",
                path="outside_area",
            )
        return cluster.overriding_area(override_for(AreaRecord.ACTIVITY, activity.id, given))
    except KlasterError as exc:
        raise exc.at(where) from None


class _Checked(Exception):
    """Ends a check made with a pending override, so the override is taken back."""


def checked_as_if(pending: AbstractContextManager[None], check: Callable[[], None]) -> None:
    """Run ``check`` with a pending override (``pending``) recorded, then take it back.

    Raises:
        KlasterError: What ``check`` (or recording the override) raises.
    """
    try:
        with pending:
            check()
            raise _Checked
    except _Checked:
        pass
