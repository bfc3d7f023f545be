"""The collector pause: scoped, re-entrant and shared safely by threads."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klaster._support.gc import gc_paused


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    """Every test starts with the collector on and leaves it as it found it."""
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


class TestScope:
    def test_paused_in_the_block_and_restored_after(self) -> None:
        with gc_paused():
            assert not gc.isenabled()
        assert gc.isenabled()

    def test_restored_after_an_exception(self) -> None:
        inside: list[bool] = []

        def fail() -> None:
            with gc_paused():
                inside.append(gc.isenabled())
                raise ValueError("boom")

        with pytest.raises(ValueError, match="boom"):
            fail()
        assert inside == [False]
        assert gc.isenabled()

    def test_nested_pauses_keep_it_off_until_the_outer_ends(self) -> None:
        with gc_paused():
            with gc_paused():
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled()

    def test_a_collector_switched_off_stays_off(self) -> None:
        gc.disable()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()

    @given(st.lists(st.booleans(), max_size=12))
    def test_any_nesting_restores_the_state_before(self, raises: list[bool]) -> None:
        """Nested pauses, some ending with an error, restore the collector's state exactly."""

        def nest(depth: int) -> None:
            if depth == len(raises):
                return
            try:
                with gc_paused():
                    nest(depth + 1)
                    assert not gc.isenabled()
                    if raises[depth]:
                        raise LookupError(depth)
            except LookupError:
                pass
            assert gc.isenabled() == (depth == 0)

        nest(0)
        assert gc.isenabled()


class TestThreads:
    def test_overlapping_pauses_in_two_threads(self) -> None:
        """A pause that ends while another thread's is running leaves the collector off.

        The old pause turned the collector on when the first thread's block ended (and a pause
        started while another was running, seeing it off, never turned it back on).
        """
        first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
        seen: dict[str, bool] = {}

        def first() -> None:
            with gc_paused():
                first_in.set()
                second_in.wait(5)
            first_out.set()

        def second() -> None:
            first_in.wait(5)
            with gc_paused():
                second_in.set()
                first_out.wait(5)
                seen["after the first ended"] = gc.isenabled()

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert seen == {"after the first ended": False}
        assert gc.isenabled()

    @settings(max_examples=20, deadline=None)
    @given(st.lists(st.integers(min_value=0, max_value=3), min_size=2, max_size=6))
    def test_many_threads_restore_the_collector(self, depths: list[int]) -> None:
        """Threads pausing (nested) in any overlap: off while any runs, on after all end."""
        barrier = threading.Barrier(len(depths))
        off: list[bool] = []

        def work(depth: int) -> None:
            def nest(level: int) -> None:
                with gc_paused():
                    if level < depth:
                        nest(level + 1)
                    else:
                        barrier.wait(5)  # every thread is inside its pause here
                        off.append(not gc.isenabled())
                        barrier.wait(5)

            nest(0)

        threads = [threading.Thread(target=work, args=(d,)) for d in depths]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert off == [True] * len(depths)
        assert gc.isenabled()
