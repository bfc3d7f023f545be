"""Which round a formula reads for a unit besides the one measured: baseline, previous, named.

The round functions of the formula language (``baseline(x)``, ``previous(x)``,
``at_round(x, 'R')`` and the changes built on them) compile to loads in another round of the
same unit (:class:`~klaster.measurement.operations.Load` with ``at``). Both backends resolve
that round here, per cluster, so they read the same values:

- :attr:`~klaster.measurement.operations.Shift.BASELINE`: the cluster's baseline round (none in
  the baseline itself);
- :attr:`~klaster.measurement.operations.Shift.PREVIOUS`: the cluster's round just before the
  one measured, by date (then kind, then the order they were added; none in its first round);
- a named round: the round with that ID if it is the cluster's, else the cluster's round with
  that key (``baseline``, ``midline``, ``midline_2``..., as reports name rounds); a round of
  another cluster gives that cluster's units nothing.

A unit without a value in that round, or a cluster without that round, gives a missing value.
A name that is no round ID or key of the program is refused, located, when an indicator naming
it is evaluated (:func:`check_round_names`).
"""

from __future__ import annotations

import functools
import weakref
from typing import Final

from klaster._support.suggest import did_you_mean
from klaster.catalogue.formula import Call, Expr, FormulaError, String, walk
from klaster.catalogue.indicator import Indicator
from klaster.measurement._frames import round_keys
from klaster.measurement._result_blocks import Block
from klaster.measurement.na import NotAvailable, bilingual
from klaster.measurement.operations import Op, Shift, round_names
from klaster.measurement.unit_frame import UnitFrame
from klaster.observations.rounds import Round
from klaster.observations.values import Observations

__all__ = ["check_round_names", "round_at"]

_SHOWN = 12  # round IDs listed in a message at most


def round_at(frame: UnitFrame, at: Shift | str) -> Round | None:
    """The round of ``frame``'s cluster that a load ``at`` reads (``None``: there is none).

    Args:
        frame: The cluster and round measured.
        at: :class:`~klaster.measurement.operations.Shift` or a round's ID or key.
    """
    if at is Shift.BASELINE:
        return frame.baseline
    key = ("round_at", at)
    if key in frame.cache:
        return frame.cache[key]  # type: ignore[no-any-return]
    rounds = frame.observations.rounds(frame.cluster.id)
    found: Round | None = None
    if at is Shift.PREVIOUS:
        ids = [r.id for r in rounds]
        index = ids.index(frame.round.id) if frame.round.id in ids else 0
        found = rounds[index - 1] if index > 0 else None
    else:
        found = next((r for r in rounds if r.id == at), None)
        if found is None:
            keys = round_keys(rounds)
            found = next((r for r in rounds if keys[r.id] == at), None)
    frame.cache[key] = found
    return found


# Called once per frame and indicator: the program's round IDs and keys are worked out once per
# set of rounds (rounds are only ever added), and forgotten with the observations.
_KNOWN: dict[int, tuple[weakref.ref[Observations], int, frozenset[str], list[str], list[str]]] = {}


def _known(observations: Observations) -> tuple[frozenset[str], list[str], list[str]]:
    """Every round ID and key of the program; the IDs; the keys."""
    count = len(observations.storage.added_rounds())
    entry = _KNOWN.get(id(observations))
    if entry is not None and entry[0]() is observations and entry[1] == count:
        return entry[2], entry[3], entry[4]
    rounds = observations.rounds()
    ids = [r.id for r in rounds]
    keys: dict[str, None] = {}
    for cluster in dict.fromkeys(r.cluster_id for r in rounds):
        keys.update(dict.fromkeys(round_keys(observations.rounds(cluster)).values()))
    known = frozenset(ids) | frozenset(keys)
    key = id(observations)
    ref = weakref.ref(observations, lambda _, key=key: _KNOWN.pop(key, None))  # type: ignore[misc]
    _KNOWN[key] = (ref, count, known, ids, list(keys))
    return known, ids, list(keys)


# The round functions that read the baseline or the previous round.
_READS: Final = {
    "baseline": Shift.BASELINE,
    "change": Shift.BASELINE,
    "pct_change": Shift.BASELINE,
    "previous": Shift.PREVIOUS,
    "change_prev": Shift.PREVIOUS,
    "pct_change_prev": Shift.PREVIOUS,
}


def explain(
    code: str, tree: Expr | None, needs_baseline: bool, frames: list[UnitFrame], block: Block
) -> Block:
    """Say why an indicator's figures are n/a where no cluster has the round it compares with.

    Args:
        code: The indicator's code.
        tree: Its formula (``None`` for a core indicator).
        needs_baseline: Whether a core indicator compares with the baseline.
        frames: The round key's frames.
        block: Its rows: the n/a ones get the reason.
    """
    nodes = walk(tree) if tree is not None else iter(())
    reads = {_READS[n.function] for n in nodes if isinstance(n, Call) and n.function in _READS}
    if tree is None and needs_baseline:
        reads.add(Shift.BASELINE)
    if Shift.BASELINE in reads and all(f.baseline is None for f in frames):
        reason = bilingual(
            f"{code} compares with the baseline; this is the baseline",
            f"{code} dibandingkan dengan baseline; ini baseline-nya",
        )
    elif Shift.PREVIOUS in reads and all(round_at(f, Shift.PREVIOUS) is None for f in frames):
        reason = bilingual(
            f"{code} compares with the previous round; this is the first round",
            f"{code} dibandingkan dengan putaran sebelumnya; ini putaran pertama",
        )
    else:
        return block
    block.value = [reason if isinstance(v, NotAvailable) else v for v in block.value]
    return block


@functools.lru_cache(maxsize=512)
def _names(op: Op) -> tuple[str, ...]:
    return round_names(op)


def check_round_names(observations: Observations, indicator: object, op: Op) -> None:
    """Refuse an indicator whose formula names a round the program does not have.

    Args:
        observations: The program's rounds.
        indicator: The indicator evaluated (a core indicator names no round).
        op: Its compiled formula (with the indicators it reads inlined).

    Raises:
        FormulaError: At ``indicators[code].formula``: the unknown name, the position of the
            call naming it, and the round IDs and keys that would be valid.
    """
    names = _names(op)
    if not names or not isinstance(indicator, Indicator):
        return
    known, ids, keys = _known(observations)
    for name in names:
        if name in known:
            continue
        hint = did_you_mean(name, [*ids, *keys])
        shown = ", ".join(ids[:_SHOWN]) + (
            f", ... ({len(ids)} in all)" if len(ids) > _SHOWN else ""
        )
        valid = (
            f"name one of the program's rounds by ID ({shown}) or key ({', '.join(keys)})"
            if ids
            else "the program has no survey rounds yet"
        )
        raise FormulaError(
            f"unknown round {name!r}{'; ' + hint if hint else ''}; {valid}",
            formula=indicator.formula,
            position=_position(indicator, name),
            path=f"indicators[{indicator.code}].formula",
        )


def _position(indicator: Indicator, name: str) -> int:
    """Where the formula names round ``name`` (0 if it reads it through another indicator)."""
    for node in walk(indicator.expression()):
        if isinstance(node, Call) and len(node.args) == 2:
            second = node.args[1]
            if isinstance(second, String) and second.value == name:
                return max(node.position, 0)
    return 0
