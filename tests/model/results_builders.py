"""Results frameworks for tests: a fixed one for the sample program and a hypothesis strategy."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from klaster import Program, Result, ResultIndicator, Target

D = dt.date


def lebak_like(cluster_id: str = "bantaeng") -> list[Result]:
    """An outcome with two indicators and an output under it, targets of every kind."""
    return [
        Result("oc1", "outcome", "Pendapatan mitra naik", [
            ResultIndicator("income_change_pct", [
                Target("50", round_key="endline"),
                Target("40", round_key="endline", by={"sex": "female"}, cluster_id=cluster_id),
                Target("20.5", D(2012, 1, 1), D(2012, 12, 31)),
            ], baseline="0", baseline_round="baseline", baseline_on=D(2011, 6, 15),
               unit="%", level="member"),
        ], statement_en="Members' income rises"),
        Result("op1", "output", "Mitra dilatih", [
            ResultIndicator("members_trained_12m", [Target("0.8", round_key="endline")]),
        ], parent_id="oc1"),
    ]  # fmt: skip


_VALUES = st.decimals(min_value=-(10**9), max_value=10**12, places=3, allow_nan=False).map(str)
_DAYS = st.dates(min_value=D(2010, 9, 1), max_value=D(2016, 12, 31))


@st.composite
def _targets(draw: st.DrawFn, cluster_ids: tuple[str, ...]) -> Target:
    value = draw(_VALUES | st.integers(-5, 10**6))
    dims = st.sampled_from(["sex", "sector", "kabupaten"])
    by = draw(st.dictionaries(dims, st.sampled_from(["female", "umkm", "Lebak"]), max_size=2))
    cluster_id = draw(st.sampled_from((None, *cluster_ids)))
    if draw(st.booleans()):
        key = draw(st.sampled_from(["baseline", "endline", "midline_2", "monitoring"]))
        return Target(value, round_key=key, by=by, cluster_id=cluster_id)
    start, end = sorted([draw(_DAYS), draw(_DAYS)])
    return Target(value, start, end, by=by, cluster_id=cluster_id)


@st.composite
def frameworks(draw: st.DrawFn, program: Program) -> list[Result]:
    """Results (outcomes, outputs under them) whose targets fit ``program`` (started 2010-09-01,
    open-ended, as ``klaster.testing.samples.sample_program``)."""
    ids = tuple(program.clusters.ids())
    results = []
    for index in range(draw(st.integers(1, 3))):
        indicators = [
            ResultIndicator(
                code,
                draw(st.lists(_targets(ids), max_size=4, unique_by=lambda t: t.key)),
                baseline=draw(st.none() | _VALUES),
                baseline_round=draw(st.none() | st.just("baseline")),
            )
            for code in draw(st.lists(st.sampled_from(["members", "groups", "income_per_capita"]),
                                      max_size=2, unique=True))
        ]  # fmt: skip
        level = "outcome" if index == 0 else "output"
        parent = None if index == 0 else "r0"
        text = draw(st.sampled_from(["Pendapatan naik", "Mitra dilatih", "Koperasi berdiri"]))
        results.append(Result(f"r{index}", level, text, indicators, parent))
    return results
