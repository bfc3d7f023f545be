"""The fast path builds its arrays without numpy's transparent huge pages, and restores them.

Skipped where the ``columnar`` extra (polars, numpy) is not installed, or where this numpy has
no switch for its huge pages.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

pytest.importorskip("polars")
pytest.importorskip("numpy")

from tests.measurement.backends.test_polars_records import SPECS, surveys

from klaster._support import huge_pages as pages
from klaster.measurement._backends.polars.program import Records
from klaster.measurement.engine import Measurement
from klaster.observations.values import Observations

SETTER = pages.huge_pages_setter()
pytestmark = pytest.mark.skipif(SETTER is None, reason="this numpy has no huge-page switch")


def huge_pages() -> bool:
    """numpy's current setting (read by setting it and putting it back)."""
    assert SETTER is not None
    before = SETTER(True)
    SETTER(before)
    return before


@contextmanager
def numpy_set(setting: bool) -> Iterator[None]:
    """numpy's setting before a test (a user may have switched it off), restored after it."""
    assert SETTER is not None
    original = SETTER(setting)
    try:
        yield
    finally:
        SETTER(original)


SETTINGS = settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BEFORE = pytest.mark.parametrize("setting", [True, False], ids=["on before", "off before"])


def _report(obs: Observations, backend: str) -> Any:
    engine = Measurement(obs.program, obs, backend=backend)
    return engine.report(["members", "income_per_capita", "poverty_headcount"], by=SPECS)


def _failing() -> None:
    with pages.huge_pages_paused():
        assert huge_pages() is False
        raise RuntimeError("boom")


def _seen_in(method: str) -> tuple[list[bool], Callable[..., Any]]:
    seen: list[bool] = []
    original = getattr(Records, method)

    def spy(records: Records, *args: Any, **kwargs: Any) -> Any:
        seen.append(huge_pages())
        return original(records, *args, **kwargs)

    return seen, spy


class TestHugePagesPaused:
    @pytest.mark.parametrize("backend", ["polars", "duckdb"])
    @BEFORE
    @SETTINGS
    @given(obs=surveys())
    def test_a_report_reads_its_records_without_them_and_restores_them(
        self, backend: str, setting: bool, obs: Observations
    ) -> None:
        if backend == "duckdb":
            pytest.importorskip("duckdb")
        seen, spy = _seen_in("members")
        with numpy_set(setting), pytest.MonkeyPatch.context() as patch:
            patch.setattr(Records, "members", spy)
            found = _report(obs, backend)
            assert seen
            assert not any(seen)
            assert huge_pages() is setting
        assert found == _report(obs, "python")

    @BEFORE
    @SETTINGS
    @given(obs=surveys())
    def test_the_transitions_table_too(self, setting: bool, obs: Observations) -> None:
        seen, spy = _seen_in("members")
        engine = Measurement(obs.program, obs, backend="polars")
        with numpy_set(setting), pytest.MonkeyPatch.context() as patch:
            patch.setattr(Records, "members", spy)
            engine.cibest_transitions("baseline", "endline", by=SPECS)
            assert seen
            assert not any(seen)
            assert huge_pages() is setting

    @BEFORE
    def test_restored_after_an_error(self, setting: bool) -> None:
        with numpy_set(setting):
            with pytest.raises(RuntimeError):
                _failing()
            assert huge_pages() is setting

    @BEFORE
    def test_nested_and_threaded_pauses_restore_only_at_the_last_end(self, setting: bool) -> None:
        with numpy_set(setting):
            self._nested(setting)

    def _nested(self, setting: bool) -> None:
        inside, outer_done, seen = threading.Event(), threading.Event(), []

        def other() -> None:
            with pages.huge_pages_paused():
                inside.set()
                outer_done.wait(timeout=10)
                seen.append(huge_pages())  # the main thread's pause ended; this one's has not

        with pages.huge_pages_paused():
            with pages.huge_pages_paused():
                assert huge_pages() is False
            assert huge_pages() is False  # the inner end does not restore
            thread = threading.Thread(target=other)
            thread.start()
            inside.wait(timeout=10)
        outer_done.set()
        thread.join()
        assert seen == [False]
        assert huge_pages() is setting
