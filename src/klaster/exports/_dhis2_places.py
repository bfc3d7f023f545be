"""Where and when a DHIS2 value is: a report row's org unit and period (internal to dhis2).

A row names its place (``kabupaten``: ``"Bantaeng"``) and its round key (``endline``); DHIS2
wants the place's code and a period. The period is the round's date when every cluster
surveyed the key on one day (:attr:`~klaster.measurement.Row.on`); otherwise it is the period
of the dates of the clusters that hold the place (:func:`~klaster.measurement.round_dates`),
refused when they fall in different periods.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from attrs import frozen

from klaster.exports.dhis2_mapping import PeriodType, period_string
from klaster.measurement import round_dates

if TYPE_CHECKING:
    from klaster.measurement import Row
    from klaster.model.cluster import Cluster
    from klaster.model.program import Program
    from klaster.observations import Observations

__all__ = ["Periods", "Places", "coded_places"]


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
            for name, code in coded_places(cluster, level):
                found.setdefault(name, {}).setdefault(cluster.id, set()).add(code)
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
    """The days of each round key in each place of the mapping's level (its clusters' days)."""

    period_type: PeriodType
    in_place: dict[tuple[str, str], set[_dt.date]]  # (round key, place code) -> days

    @classmethod
    def of(
        cls, program: Program, observations: Observations, level: str, period_type: PeriodType
    ) -> Periods:
        codes = {c.id: [code for _, code in coded_places(c, level)] for c in program.clusters}
        in_place: dict[tuple[str, str], set[_dt.date]] = {}
        for key, days in round_dates(observations).items():
            for cluster_id, on in days.items():
                for code in codes.get(cluster_id, ()):
                    in_place.setdefault((key, code), set()).add(on)
        return cls(period_type, in_place)

    def period(self, row: Row, code: str) -> str | list[str]:
        """The row's period; the several periods its clusters' days fall in, if they differ.

        A row of one cluster, or of a round every cluster surveyed on one day, has its date
        (``Row.on``); a row over clusters of different days takes the days of the clusters
        that hold its place.
        """
        if row.on is not None:
            return period_string(row.on, self.period_type)
        days = self.in_place.get((str(row.round_id), code), set())
        periods = sorted({period_string(on, self.period_type) for on in days})
        return periods[0] if len(periods) == 1 else periods


def coded_places(cluster: Cluster, level: str) -> Iterator[tuple[str, str]]:
    """The name and code of each place of ``level`` in the cluster's region tree (with a code)."""
    stack = [cluster.region]
    while stack:
        region = stack.pop()
        if region.level.value == level and region.code is not None:
            yield region.name, region.code
        stack.extend(region.children)
