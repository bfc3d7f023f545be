"""Bound methods held weakly (``klaster._support.weak``): no cycle between owner and helper."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from klaster._support.weak import weak_method


@contextmanager
def _no_collector() -> Iterator[None]:
    """The cyclic collector off: only reference counts free anything (as during a report)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Owner:
    """Hands a method of its own to a helper it keeps, as a member table does."""

    def __init__(self, weak: bool) -> None:
        self.calls = 0
        held = weak_method(self.count) if weak else self.count
        self.helper: Callable[[int], int] = held

    def count(self, by: int) -> int:
        self.calls += by
        return self.calls


class TestWeakMethod:
    def test_the_call_reaches_the_method(self) -> None:
        owner = _Owner(weak=True)
        assert owner.helper(2) == 2
        assert owner.helper(3) == 5
        assert owner.calls == 5

    @pytest.mark.parametrize("weak", [True, False])
    def test_the_owner_is_freed_by_reference_counts_alone(self, weak: bool) -> None:
        with _no_collector():
            owner = _Owner(weak)
            gone = weakref.ref(owner)
            del owner
            # A strong bound method is a cycle: the owner outlives its last reference.
            assert (gone() is None) is weak
        gc.collect()

    def test_a_call_once_the_owner_is_gone_names_the_method(self) -> None:
        helper = _Owner(weak=True).helper
        with pytest.raises(ReferenceError, match=r"_Owner\.count: its object is gone"):
            helper(1)
