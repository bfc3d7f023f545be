"""Wording shared by the observation messages: plural names of levels and short listings."""

from __future__ import annotations

from collections.abc import Iterable

from klaster.catalogue.variable import Level

PLURAL = {
    Level.MEMBER: "members",
    Level.GROUP: "groups",
    Level.COOPERATIVE: "cooperatives",
    Level.CLUSTER: "clusters",
}
SHOWN = 5


def listing(codes: Iterable[str]) -> str:
    """The first few of ``codes``, quoted, and how many more there are."""
    shown = list(codes)
    text = ", ".join(repr(c) for c in shown[:SHOWN])
    return text + (f" and {len(shown) - SHOWN} more" if len(shown) > SHOWN else "")
