"""The results framework: records, versions, and the checks in the program's context."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.model.builders import cluster, program

from klaster import (
    Cluster,
    InvalidReferenceError,
    KlasterError,
    Lifecycle,
    Plan,
    Result,
    ResultIndicator,
    ResultsFramework,
    ResultsHistory,
    Target,
    ValidationError,
)
from klaster.model.results_framework import ROUND_KEY
from klaster.model.results_window import program_window
from klaster.observations import RoundKind

D = dt.date


def started(cluster_id: str, on: dt.date, **changes: object) -> Cluster:
    return cluster(
        cluster_id,
        lifecycle=Lifecycle.start(on, reason="mulai", decided_by="dd"),
        **changes,
    )


def one(*targets: Target, code: str = "members") -> list[Result]:
    return [Result("oc1", "outcome", "Mitra bertambah", [ResultIndicator(code, targets)])]


class TestRecords:
    def test_target_values_are_exact_and_never_float(self) -> None:
        assert Target("0.1", round_key="endline").value == Decimal("0.1")
        assert Target(3, round_key="endline").value == Decimal(3)
        with pytest.raises(ValidationError) as exc:
            Target(0.1, round_key="endline")  # type: ignore[arg-type]
        assert exc.value.path == "value"
        assert "float" in exc.value.message

    @pytest.mark.parametrize(
        ("kwargs", "path"),
        [
            ({}, "start"),
            ({"start": D(2012, 1, 1)}, "start"),
            ({"start": D(2012, 1, 1), "end": D(2012, 12, 31), "round_key": "endline"}, "round_key"),
            ({"start": D(2012, 1, 1), "end": D(2011, 12, 31)}, "end"),
            ({"round_key": "endlin"}, "round_key"),
            ({"round_key": "endline", "by": {"cluster": "tuban"}}, "by.cluster"),
            ({"round_key": "endline", "by": {"Sex": "female"}}, "by.Sex"),
            ({"round_key": "endline", "by": {"sex": " "}}, "by.sex"),
        ],
    )
    def test_bad_targets_are_located(self, kwargs: dict[str, object], path: str) -> None:
        with pytest.raises(ValidationError) as exc:
            Target(1, **kwargs)  # type: ignore[arg-type]
        assert exc.value.path == path

    def test_round_keys_follow_the_round_kinds(self) -> None:
        for kind in RoundKind:
            assert ROUND_KEY.match(kind.value)
            assert ROUND_KEY.match(f"{kind.value}_2")
        assert not ROUND_KEY.match("endline_0")

    def test_one_target_per_cell(self) -> None:
        with pytest.raises(ValidationError) as exc:
            ResultIndicator(
                "members", [Target(1, round_key="endline"), Target(2, round_key="endline")]
            )
        assert exc.value.path == "targets[1]"
        both = [Target(1, round_key="endline"), Target(2, round_key="endline", cluster_id="t")]
        ResultIndicator("members", both)

    def test_an_indicator_once_per_result(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Result("oc1", "outcome", "x", [ResultIndicator("members"), ResultIndicator("members")])
        assert exc.value.path == "indicators[1].indicator"

    def test_parents(self) -> None:
        outcome = Result("oc1", "outcome", "Pendapatan naik")
        output = Result("op1", "output", "Pelatihan", parent_id="oc1")
        ResultsFramework(1, D(2011, 1, 1), "awal", [outcome, output])
        with pytest.raises(InvalidReferenceError) as exc:
            ResultsFramework(
                1, D(2011, 1, 1), "awal", [Result("op1", "output", "x", parent_id="oc9")]
            )
        assert exc.value.path == "results[0].parent_id"
        assert "unknown parent result 'oc9'" in exc.value.message
        under = Result("oc2", "outcome", "x", parent_id="op1")
        with pytest.raises(ValidationError, match="an outcome cannot sit under an output"):
            ResultsFramework(1, D(2011, 1, 1), "awal", [outcome, output, under])
        with pytest.raises(ValidationError, match="cycle"):
            ResultsFramework(1, D(2011, 1, 1), "awal", [
                Result("a", "output", "x", parent_id="b"),
                Result("b", "output", "y", parent_id="a"),
            ])  # fmt: skip
        with pytest.raises(ValidationError) as dup:
            ResultsFramework(1, D(2011, 1, 1), "awal", [outcome, outcome])
        assert dup.value.path == "results[1].id"

    def test_versions_are_numbered_in_date_order(self) -> None:
        first = ResultsFramework(1, D(2011, 1, 1), "awal")
        with pytest.raises(ValidationError) as exc:
            ResultsHistory([first, ResultsFramework(3, D(2012, 1, 1), "x")])
        assert exc.value.path == "versions[1].version"
        with pytest.raises(ValidationError) as late:
            ResultsHistory([first, ResultsFramework(2, D(2010, 1, 1), "x")])
        assert late.value.path == "versions[1].recorded_on"


class TestInProgram:
    def test_revisions_are_appended(self) -> None:
        prog = program(started("tuban", D(2011, 1, 1)))
        first = prog.revise_framework(one(Target(10, round_key="endline")),
                                      recorded_on="2011-01-10", reason="awal")  # fmt: skip
        second = prog.revise_framework(one(Target(12, round_key="endline")),
                                       recorded_on="2012-06-01", reason="tinjauan")  # fmt: skip
        assert (first.version, second.version) == (1, 2)
        assert prog.results.versions == (first, second)
        assert prog.results.current == second

    def test_a_period_outside_the_program_is_refused_and_nothing_recorded(self) -> None:
        prog = program(started("tuban", D(2011, 1, 1)))
        prog.revise_framework(one(Target(10, round_key="endline")),
                              recorded_on="2011-01-10", reason="awal")  # fmt: skip
        targets = [Target(1, round_key="endline"), Target(2, round_key="midline"),
                   Target(3, D(2010, 6, 1), D(2011, 12, 31))]  # fmt: skip
        with pytest.raises(ValidationError) as exc:
            prog.revise_framework(one(*targets), recorded_on="2012-01-01", reason="x")
        assert exc.value.path == "results.versions[1].results[0].indicators[0].targets[2].start"
        assert "a period outside the program" in exc.value.message
        assert len(prog.results) == 1

    def test_unknown_cluster_and_bad_date_order_are_refused(self) -> None:
        prog = program(started("tuban", D(2011, 1, 1)))
        with pytest.raises(InvalidReferenceError) as exc:
            prog.revise_framework(one(Target(1, round_key="endline", cluster_id="gresik")),
                                  recorded_on="2011-01-10", reason="awal")  # fmt: skip
        assert (
            exc.value.path == "results.versions[0].results[0].indicators[0].targets[0].cluster_id"
        )
        prog.revise_framework(one(), recorded_on="2011-01-10", reason="awal")
        with pytest.raises(ValidationError) as late:
            prog.revise_framework(one(), recorded_on="2010-01-10", reason="x")
        assert late.value.path == "results.versions[1].recorded_on"
        with pytest.raises(ValidationError) as bad:
            prog.revise_framework([Result("oc1", "outcome", "x"), Result("oc1", "output", "y")],
                                  recorded_on="2011-02-01", reason="x")  # fmt: skip
        assert bad.value.path == "results.versions[1].results[1].id"

    def test_the_program_constructor_checks_the_current_version(self) -> None:
        early = one(Target(1, D(2009, 1, 1), D(2009, 12, 31)))
        history = ResultsHistory([ResultsFramework(1, D(2011, 1, 1), "awal", early)])
        prog = program(started("tuban", D(2011, 1, 1)))
        with pytest.raises(KlasterError) as exc:
            type(prog)(prog.id, prog.name, prog.organisation_id, prog.organisations,
                       prog.clusters, results=history)  # fmt: skip
        assert exc.value.path == "results.versions[0].results[0].indicators[0].targets[0].start"


class TestWindow:
    def test_from_the_earliest_start_to_the_latest_end(self) -> None:
        a = started("tuban", D(2011, 1, 1))
        b = started("lamongan", D(2010, 5, 1))
        prog = program(a, b)
        assert program_window(prog) == (D(2010, 5, 1), None)  # running, no plan: open
        prog.fieldwork.plan(Plan("independence", D(2014, 3, 1), recorded_on=D(2010, 1, 1),
                                 cluster_id="tuban"))  # fmt: skip
        assert program_window(prog) == (D(2010, 5, 1), None)  # lamongan still open
        b.lifecycle.cancel(D(2012, 2, 1), reason="banjir", decided_by="dd")
        assert program_window(prog) == (D(2010, 5, 1), D(2014, 3, 1))  # the later end
        prog.fieldwork.plan(Plan("independence", D(2014, 9, 1), recorded_on=D(2011, 1, 1),
                                 cluster_id="tuban"))  # fmt: skip
        assert program_window(prog) == (D(2010, 5, 1), D(2014, 9, 1))  # the current plan

    def test_a_version_is_judged_by_what_was_known_when_it_was_recorded(self) -> None:
        # Targets to 2014 set in 2011 while the cluster ran with no plan (an open end); its
        # cancellation in 2012 must not make the stored version invalid (nor the program
        # unsaveable): the window as of 2011 is open.
        a = started("tuban", D(2011, 1, 1))
        prog = program(a)
        late = one(Target(1, D(2013, 1, 1), D(2014, 12, 31)))
        prog.revise_framework(late, recorded_on="2011-06-01", reason="awal")
        a.lifecycle.cancel(D(2012, 2, 1), reason="banjir", decided_by="dd")
        assert program_window(prog) == (D(2011, 1, 1), D(2012, 2, 1))
        assert program_window(prog, as_of=D(2011, 6, 1)) == (D(2011, 1, 1), None)
        prog.validate()
        from klaster import dumps, loads

        assert loads(dumps(prog)) == prog

    def test_no_started_cluster_no_dates(self) -> None:
        prog = program(cluster("tuban"))
        assert program_window(prog) == (None, None)
        early = one(Target(1, D(1990, 1, 1), D(1990, 12, 31)))
        prog.revise_framework(early, recorded_on="2011-01-10", reason="nothing to check it by")
