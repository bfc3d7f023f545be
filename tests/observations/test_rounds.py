"""Survey rounds: Round, RoundKind, check_round and ordered, and adding rounds to a store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.observations.builders import CATALOGUE, JOINED, PROGRAM, D, new_store, rounds

from klaster import (
    DuplicateIdError,
    InvalidReferenceError,
    KlasterError,
    NotFoundError,
    ValidationError,
)
from klaster.observations.rounds import Round, RoundKind, check_round, ordered
from klaster.observations.values import Observations


class TestRounds:
    def test_kinds_have_bilingual_labels(self) -> None:
        for kind in RoundKind:
            assert kind.label.id
            assert kind.label.en
            assert (kind.label_id, kind.label_en) == (kind.label.id, kind.label.en)
        assert RoundKind.BASELINE.label.en == "Baseline survey"

    def test_round_reads_strings(self) -> None:
        rnd = Round("r", "btg", "midline", "2012-05-01", label=("Survei tengah", "Midline"))
        assert (rnd.kind, rnd.on) == (RoundKind.MIDLINE, D(2012, 5, 1))
        assert rnd.title("id") == "Survei tengah"
        assert Round("r", "btg", "endline", "2013-01-01").title("en") == "Endline survey 2013-01-01"

    @pytest.mark.parametrize(
        ("fields", "path"),
        [
            ({"kind": "census"}, "kind"),
            ({"on": "2012-13-01"}, "on"),
            ({"id": " r"}, "id"),
            ({"note": "  "}, "note"),
        ],
    )
    def test_round_fields_are_checked(self, fields: dict[str, Any], path: str) -> None:
        args: dict[str, Any] = {"id": "r", "cluster_id": "btg", "kind": "baseline", "on": JOINED}
        with pytest.raises(ValidationError) as caught:
            Round(**{**args, **fields})
        assert caught.value.path == path

    def test_unknown_cluster(self) -> None:
        obs = Observations(PROGRAM, CATALOGUE)
        with pytest.raises(InvalidReferenceError, match="'btg', 'blr'") as caught:
            obs.add_round(Round("r", "lebak", "baseline", JOINED))
        assert caught.value.path == "rounds[0].cluster_id"

    def test_duplicate_id(self) -> None:
        obs = new_store()
        with pytest.raises(DuplicateIdError):
            obs.add_round(Round("btg-bl", "blr", "monitoring", D(2014, 1, 1)))

    @pytest.mark.parametrize(
        ("new", "message"),
        [
            (Round("x", "btg", "baseline", D(2011, 1, 1)), "at most one baseline"),
            (Round("x", "btg", "endline", D(2014, 1, 1)), "at most one endline"),
            (Round("x", "btg", "monitoring", D(2010, 1, 1)), "before the baseline"),
            (Round("x", "btg", "midline", D(2014, 1, 1)), "after the endline"),
        ],
    )
    def test_order_rules(self, new: Round, message: str) -> None:
        obs = new_store()
        with pytest.raises(ValidationError, match=message):
            obs.add_round(new)
        assert len(obs.rounds()) == 3

    def test_baseline_after_other_rounds_is_refused(self) -> None:
        existing = [Round("m", "btg", "monitoring", D(2011, 5, 1))]
        with pytest.raises(ValidationError, match="baseline comes first"):
            check_round(existing, Round("b", "btg", "baseline", D(2011, 6, 1)))

    def test_endline_before_midline_is_refused(self) -> None:
        existing = [Round("m", "btg", "midline", D(2012, 5, 1))]
        with pytest.raises(ValidationError, match="endline comes after"):
            check_round(existing, Round("e", "btg", "endline", D(2012, 4, 1)))

    def test_allowed_shapes(self) -> None:
        obs = new_store()
        obs.add_round(Round("btg-mon-1", "btg", "monitoring", D(2012, 1, 1)))  # during
        obs.add_round(Round("btg-mid", "btg", "midline", D(2012, 6, 1)))
        obs.add_round(Round("btg-mon-2", "btg", "monitoring", D(2014, 6, 1)))  # after exit
        obs.add_round(Round("btg-mon-3", "btg", "monitoring", D(2014, 6, 1)))  # same day
        assert [r.id for r in obs.rounds("btg")] == [
            "btg-bl",
            "btg-mon-1",
            "btg-mid",
            "btg-el",
            "btg-mon-2",
            "btg-mon-3",
        ]
        assert obs.baseline("btg") == rounds()[0]
        assert obs.endline("btg") == rounds()[1]
        assert obs.endline("blr") is None

    def test_ordered_sorts_by_date_then_kind(self) -> None:
        same_day = [
            Round("m", "c", "monitoring", JOINED),
            Round("b", "c", "baseline", JOINED),
        ]
        assert [r.id for r in ordered(same_day)] == ["b", "m"]

    def test_unknown_round_lists_known(self) -> None:
        with pytest.raises(NotFoundError, match="'btg-bl'"):
            new_store().round("nope")


_KINDS = st.sampled_from(list(RoundKind))
_DAYS = st.integers(min_value=0, max_value=40).map(lambda n: D(2011, 1, 1) + dt.timedelta(n))
_ROUNDS = st.lists(
    st.builds(
        Round,
        st.sampled_from(["r1", "r2", "r3", "r4", "r5"]),
        st.sampled_from(["btg", "blr"]),
        _KINDS,
        _DAYS,
    ),
    max_size=8,
)


def _refusal(existing: list[Round], new: Round) -> KlasterError | None:
    try:
        check_round(existing, new)
    except KlasterError as exc:
        return exc
    return None


class TestAddRoundChecksItsCluster:
    """``add_round`` checks a round against its cluster's rounds only: the same outcome."""

    @settings(max_examples=200, deadline=None)
    @given(candidates=_ROUNDS)
    def test_same_outcome_as_checking_every_round(self, candidates: list[Round]) -> None:
        obs = Observations(PROGRAM, CATALOGUE)
        accepted: list[Round] = []
        for index, rnd in enumerate(candidates):
            expected = _refusal(accepted, rnd)
            if expected is None:
                obs.add_round(rnd)
                accepted.append(rnd)
            else:
                with pytest.raises(type(expected)) as caught:
                    obs.add_round(rnd)
                assert str(caught.value) == str(expected.at(f"rounds[{len(accepted)}]"))
            assert obs.storage.added_rounds() == tuple(accepted), index

    def test_other_clusters_rounds_are_not_read(self, monkeypatch: pytest.MonkeyPatch) -> None:
        obs = Observations(PROGRAM, CATALOGUE)
        obs.add_round(Round("btg-bl", "btg", "baseline", D(2011, 1, 1)))
        obs.add_round(Round("blr-bl", "blr", "baseline", D(2011, 1, 1)))
        seen: list[tuple[str, ...]] = []

        def check(existing: Iterable[Round], new: Round) -> None:
            seen.append(tuple(r.id for r in existing))
            check_round(existing, new)

        monkeypatch.setattr("klaster.observations.values.check_round", check)
        obs.add_round(Round("btg-el", "btg", "endline", D(2012, 1, 1)))
        assert seen == [("btg-bl",)]
        with pytest.raises(DuplicateIdError, match="duplicate ID 'blr-bl'"):
            obs.add_round(Round("blr-bl", "btg", "midline", D(2011, 6, 1)))
        assert seen[-1] == ("btg-bl", "blr-bl", "btg-el")  # a taken ID: named as ever
