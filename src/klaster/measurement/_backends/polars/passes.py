"""Frames taken in passes of one round per cluster, for queries that read a date per cluster."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import numpy as np
import numpy.typing as npt

from klaster.measurement.unit_frame import UnitFrame


def round_passes(
    frames: Iterable[UnitFrame], number: Mapping[str, int]
) -> Iterator[tuple[dict[str, UnitFrame], npt.NDArray[np.int64]]]:
    """Yield the frames a pass at a time, at most one per cluster, with each cluster's date.

    Args:
        frames: The frames to compute (several rounds of a cluster go to different passes).
        number: Each cluster's position in the program's cluster arrays.

    Yields:
        The pass's frames by cluster ID, and the round date (a proleptic ordinal) of each
        cluster position (-1 where the pass has no frame of that cluster).
    """
    pending = list(frames)
    while pending:
        taken: dict[str, UnitFrame] = {}
        rest = []
        for frame in pending:
            if frame.cluster.id in taken:
                rest.append(frame)
            else:
                taken[frame.cluster.id] = frame
        on = np.full(len(number), -1, dtype=np.int64)
        for cid, frame in taken.items():
            on[number[cid]] = frame.round.on.toordinal()
        yield taken, on
        pending = rest
