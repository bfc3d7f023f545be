"""A program's rounds as a report reads them: round keys, and one frame per cluster and round.

Rounds are matched across clusters by kind (``baseline``, ``endline``; ``midline_2``,
``monitoring_3`` when a cluster has several of a kind), so a program-wide endline row combines
each cluster's endline.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from klaster.measurement.methods.poverty_lines import PovertyLines
from klaster.measurement.unit_frame import UnitFrame
from klaster.model.cluster import Cluster
from klaster.model.program import Program
from klaster.observations.rounds import Round, RoundKind
from klaster.observations.values import Observations

__all__ = ["Frames", "frame_of", "frames_of", "round_keys"]

Frames = list[tuple[str, _dt.date | None, list[UnitFrame]]]
"""Per round key, in date order: the key, its date if all clusters share it, and the frames."""


def round_keys(rounds: Sequence[Round]) -> dict[str, str]:
    """The key of each round (by ID): its kind, numbered from the second round of a kind on."""
    keys: dict[str, str] = {}
    seen: dict[str, int] = defaultdict(int)
    for rnd in sorted(rounds, key=lambda r: r.on):
        seen[rnd.kind.value] += 1
        count = seen[rnd.kind.value]
        keys[rnd.id] = rnd.kind.value if count == 1 else f"{rnd.kind.value}_{count}"
    return keys


def frame_of(
    cluster: Cluster,
    rnd: Round,
    observations: Observations,
    lines: PovertyLines,
    baseline: Round | None = None,
) -> UnitFrame:
    """The frame of one cluster in one round (``baseline``: the cluster's, if known)."""
    if baseline is None:
        baseline = observations.baseline(cluster.id)
    return UnitFrame(
        cluster=cluster,
        round=rnd,
        observations=observations,
        baseline=baseline if baseline is not None and baseline.id != rnd.id else None,
        lines=lines,
    )


def frames_of(program: Program, observations: Observations, lines: PovertyLines) -> Frames:
    """Every cluster's frames, grouped by round key (see :data:`Frames`)."""
    grouped: dict[str, list[UnitFrame]] = defaultdict(list)
    dates: dict[str, set[_dt.date]] = defaultdict(set)
    # All rounds in one pass (ordered by date then kind), not one scan per cluster.
    of_cluster: dict[str, list[Round]] = defaultdict(list)
    for found in observations.rounds():
        of_cluster[found.cluster_id].append(found)
    for cluster in program.clusters:
        rounds = of_cluster.get(cluster.id, [])
        by_id = {r.id: r for r in rounds}
        baseline = next((r for r in rounds if r.kind is RoundKind.BASELINE), None)
        shared: dict[Any, Any] = {}
        for round_id, key in round_keys(rounds).items():
            rnd = by_id[round_id]
            frame = frame_of(cluster, rnd, observations, lines, baseline)
            frame.shared = shared
            grouped[key].append(frame)
            dates[key].add(rnd.on)
    order = sorted(grouped, key=lambda k: min(dates[k]))
    return [(k, next(iter(dates[k])) if len(dates[k]) == 1 else None, grouped[k]) for k in order]
