"""When each cluster surveyed each round a report names: the dates behind a row's round key.

A report matches rounds across clusters by key (``baseline``, ``endline``, ``midline_2``...;
:mod:`klaster.measurement`), so a program-wide row can stand on rounds of several dates. Its
:attr:`~klaster.measurement.Row.on` is that date only when every cluster surveyed the key on the
same day; otherwise it is ``None`` and the dates are here, cluster by cluster (a DHIS2 period,
a chart's time axis).
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict

from klaster.measurement._frames import round_keys
from klaster.observations.rounds import Round
from klaster.observations.values import Observations

__all__ = ["round_dates"]


def round_dates(observations: Observations) -> dict[str, dict[str, _dt.date]]:
    """Each round key's date in each cluster that has a round of that key.

    Args:
        observations: The program's rounds.

    Returns:
        ``{round key: {cluster ID: date}}``, keys in the order of their first date.

    Example:
        >>> from klaster.examples import bantaeng
        >>> dates = round_dates(bantaeng().observations)
        >>> dates["baseline"], dates["endline"]
        ({'bantaeng': datetime.date(2011, 6, 15)}, {'bantaeng': datetime.date(2014, 3, 1)})
    """
    of_cluster: dict[str, list[Round]] = defaultdict(list)
    for found in observations.rounds():
        of_cluster[found.cluster_id].append(found)
    dates: dict[str, dict[str, _dt.date]] = defaultdict(dict)
    for cluster_id, rounds in of_cluster.items():
        by_id = {r.id: r for r in rounds}
        for round_id, key in round_keys(rounds).items():
            dates[key][cluster_id] = by_id[round_id].on
    return dict(sorted(dates.items(), key=lambda item: min(item[1].values())))
