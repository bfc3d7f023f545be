"""Bound methods held weakly: an object handing its methods to a helper it owns makes no cycle.

A report runs with the cyclic collector paused (:func:`klaster._support.gc.gc_paused`): an object
kept alive only by a cycle is then freed at the end of the report, not when it is dropped. A round
key's member table hands ``self.value`` and ``self.derive`` to its formula translator; held
strongly, each round key's columns (~250 MB at a million members) would stay to the end.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

__all__ = ["weak_method"]

P = ParamSpec("P")
R = TypeVar("R")


def weak_method(method: Callable[P, R]) -> Callable[P, R]:
    """``method`` (a bound method) without a strong reference to its object.

    Raises:
        ReferenceError: On a call once the object is gone (a helper outliving its owner).
    """
    held: weakref.WeakMethod[Any] = weakref.WeakMethod(method)
    name = method.__qualname__  # (the name only: the method itself holds its object)

    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        bound = held()
        if bound is None:
            raise ReferenceError(f"{name}: its object is gone")
        result: R = bound(*args, **kwargs)
        return result

    return call
