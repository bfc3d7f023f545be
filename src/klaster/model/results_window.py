"""Where a results framework meets its program: the program's dates and the checks in context."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from klaster.errors import InvalidReferenceError, ValidationError
from klaster.model.lifecycle import Lifecycle
from klaster.model.phases import Phase
from klaster.model.plans import Plan
from klaster.model.results_framework import ResultsHistory

__all__ = ["check_in_program", "program_window"]


def program_window(
    program: Any, as_of: _dt.date | None = None
) -> tuple[_dt.date | None, _dt.date | None]:
    """The program's dates: from the clusters' earliest start to their latest planned/actual end.

    A cluster starts with its lifecycle's first event; it ends when it moved into independence or
    was cancelled (actual) or on its latest current plan, or a program-wide one (planned): the
    later of the two. While a started cluster has neither, the program's end is open (``None``).
    A program with no started cluster has no dates (``(None, None)``): nothing is checked.

    With ``as_of``, only what was known that day counts (lifecycle events on or before it, plans
    recorded by then): a framework version is judged against the program as it stood when the
    version was recorded, so a later cancellation never makes a stored version invalid.
    """
    known: dict[tuple[str | None, str], Plan] = {}
    for plan in program.fieldwork.plans:
        if as_of is not None and plan.recorded_on > as_of:
            continue
        key = (plan.cluster_id, plan.milestone)
        if key not in known or plan.recorded_on >= known[key].recorded_on:
            known[key] = plan
    starts, ends, open_end = [], [], False
    for cluster in program.clusters:
        life: Lifecycle = cluster.lifecycle
        history = [c for c in life.history if as_of is None or c.on <= as_of]
        if not history:
            continue
        starts.append(history[0].on)
        actual = next(
            (c.on for c in history if c.phase in (Phase.INDEPENDENCE, Phase.CANCELLED)), None
        )
        planned = [p.on for p in known.values() if p.cluster_id in (None, cluster.id)]
        found = [d for d in (actual, *planned) if d is not None]
        if found:
            ends.append(max(found))
        else:
            open_end = True
    if not starts:
        return None, None
    return min(starts), None if open_end or not ends else max(ends)


def check_in_program(history: ResultsHistory, program: Any) -> None:
    """Check the current framework against ``program``: its clusters and its dates.

    Earlier versions are history, checked when they were recorded, and kept as they are.

    Raises:
        InvalidReferenceError: A target names a cluster the program does not have.
        ValidationError: A target's period lies outside the program (:func:`program_window`).
    """
    framework = history.current
    if framework is None:
        return
    start, end = program_window(program, as_of=framework.recorded_on)
    span = f"{start} to {end or 'open'}"
    base = f"results.versions[{len(history) - 1}]"
    for r_index, result in enumerate(framework.results):
        for i_index, indicator in enumerate(result.indicators):
            for t_index, target in enumerate(indicator.targets):
                where = f"{base}.results[{r_index}].indicators[{i_index}].targets[{t_index}]"
                if target.cluster_id is not None and target.cluster_id not in program.clusters:
                    known = ", ".join(c.id for c in program.clusters) or "none"
                    raise InvalidReferenceError(
                        f"unknown cluster {target.cluster_id!r}; clusters: {known}",
                        path=f"{where}.cluster_id",
                    )
                if target.start is None or target.end is None or start is None:
                    continue
                for name, day in (("start", target.start), ("end", target.end)):
                    if day < start or (end is not None and day > end):
                        raise ValidationError(
                            f"a period outside the program: {day} is not within {span} (the "
                            "clusters' earliest start to their latest planned or actual end)",
                            path=f"{where}.{name}",
                        )
