"""Where and when a DHIS2 value is: a report row's org unit and period (internal to dhis2).

A row names its place (``kabupaten``: ``"Bantaeng"``) and its round key (``endline``); DHIS2
wants the place's code and a period. The period is the round's date when every cluster
surveyed the key on one day (:attr:`~klaster.measurement.Row.on`); otherwise it is the period
of the dates of the clusters that hold the place (:func:`~klaster.measurement.round_dates`),
refused when they fall in different periods.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

from attrs import frozen

from klaster.exports.dhis2_mapping import PeriodType, period_string
from klaster.measurement import round_dates

if TYPE_CHECKING:
    from klaster.measurement import Row
    from klaster.model.program import Program
    from klaster.observations import Observations

__all__ = ["Periods", "Places"]


@frozen(eq=False)
class Places:
    """The Kemendagri code of each place of the mapping's level, by name or by cluster and name.

    The report names places; a name that stands for one code is matched by name, a name of
    several codes (two kabupaten "Bantaeng" in two clusters) by cluster and name.
    """

    codes: frozenset[str]
    by_name: dict[str, str]
    by_cluster: dict[tuple[str, str], str | None]
    ambiguous: frozenset[str]

    @classmethod
    def of(cls, program: Program, level: str, problem: Any) -> Places:
        found: dict[str, dict[str, set[str]]] = {}  # name -> cluster ID -> codes
        for cluster in program.clusters:
            stack = [cluster.region]
            while stack:
                region = stack.pop()
                if region.level.value == level and region.code is not None:
                    found.setdefault(region.name, {}).setdefault(cluster.id, set()).add(region.code)
                stack.extend(region.children)
        by_name: dict[str, str] = {}
        by_cluster: dict[tuple[str, str], str | None] = {}  # None: refused, already said
        for name, clusters in found.items():
            codes = set().union(*clusters.values())
            if len(codes) == 1:
                by_name[name] = codes.pop()
                continue
            for cluster_id, own in sorted(clusters.items()):
                shared = [c for c, of in clusters.items() if c != cluster_id and of & own]
                if len(own) > 1 or shared:
                    # The report cannot split one cluster's places of one name, nor add up some
                    # clusters' figures of a name without the others'.
                    problem(
                        "org_unit_level",
                        f"the {level} {name!r} names the regions {', '.join(sorted(codes))}, "
                        f"which the figures by name cannot tell apart in cluster {cluster_id!r}"
                        f"; give the regions distinct names, or choose a higher org_unit_level",
                    )
                    by_cluster[cluster_id, name] = None
                    continue
                by_cluster[cluster_id, name] = next(iter(own))
        every = {code for clusters in found.values() for own in clusters.values() for code in own}
        return cls(frozenset(every), by_name, by_cluster, frozenset(found) - set(by_name))

    def code(self, row: Row, level: str) -> str | None:
        """The code of the row's place; ``None``: none known; ``""``: the row is not used."""
        name = row.dimension(level) or ""
        cluster = row.dimension("cluster")
        if cluster is None:
            return "" if name in self.ambiguous else self.by_name.get(name)
        if name not in self.ambiguous:
            return ""
        # A cluster whose place of that name has no code: None, said as for a name.
        return self.by_cluster.get((cluster, name)) or (
            "" if (cluster, name) in self.by_cluster else None
        )


@frozen(eq=False)
class Periods:
    """The dates of each round key in each place of the mapping's level and in each cluster."""

    period_type: PeriodType
    in_place: dict[tuple[str, str], set[_dt.date]]  # (round key, place code) -> dates
    in_cluster: dict[tuple[str, str], _dt.date]  # (round key, cluster ID) -> date

    @classmethod
    def of(
        cls, program: Program, observations: Observations, level: str, period_type: PeriodType
    ) -> Periods:
        in_cluster = {
            (key, cluster_id): on
            for key, dates in round_dates(observations).items()
            for cluster_id, on in dates.items()
        }
        in_place: dict[tuple[str, str], set[_dt.date]] = {}
        for cluster in program.clusters:
            codes = set()
            stack = [cluster.region]
            while stack:
                region = stack.pop()
                if region.level.value == level and region.code is not None:
                    codes.add(region.code)
                stack.extend(region.children)
            for (key, cluster_id), on in in_cluster.items():
                if cluster_id == cluster.id:
                    for code in codes:
                        in_place.setdefault((key, code), set()).add(on)
        return cls(period_type, in_place, in_cluster)

    def period(self, row: Row, code: str) -> str | list[str]:
        """The row's period; the several periods its clusters' dates fall in, if they differ."""
        if row.on is not None:
            return period_string(row.on, self.period_type)
        key = str(row.round_id)
        cluster = row.dimension("cluster")
        dates = (
            {self.in_cluster[key, cluster]}
            if cluster is not None and (key, cluster) in self.in_cluster
            else self.in_place.get((key, code), set())
        )
        periods = sorted({period_string(on, self.period_type) for on in dates})
        return periods[0] if len(periods) == 1 else periods
