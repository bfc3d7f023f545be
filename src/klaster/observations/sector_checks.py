"""The sector plugins' checks across one unit's values in one round (``klaster_validate_values``).

A value is checked alone by its variable (type, bounds, categories); some rules need several
values of the same unit and round at once, like the livestock herd balance (start + births +
purchases - deaths - sales = end). Those rules are the plugins' ``klaster_validate_values`` hooks,
and every data path runs them on what a unit holds in a round once the data is in:

- recording (:meth:`Observations.record_many <klaster.observations.values.Observations.record_many>`
  and the methods built on it) and loading the sidecar, before anything is stored: the stored
  values of the unit and round merged with the batch's (a correction is checked with what it
  corrects);
- the store's ``save_observations`` (every round) and ``apply_import`` (the units and rounds the
  batch touched, as they would stand after it); ``klaster import`` and its ``--dry-run`` (each
  row, before the store is touched; with ``--keep-valid`` a refused row's submission is set
  aside in the rejects file like any bad row); ``klaster validate`` (every stored round).

Loading a store does not run them again: its values were checked when they went in, and a
plugin that gained a rule later must not make an existing store unreadable (``klaster validate``
reports what such a rule finds). A plugin whose hook raises is reported once per batch as a
:class:`~klaster.plugins.info.PluginWarning` naming it (strict mode: a
:class:`~klaster.errors.PluginError`); the other plugins still run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from klaster.catalogue.variable import Level
from klaster.observations._batch import LevelBatch, finder, sectors
from klaster.observations._messages import PLURAL
from klaster.observations.rounds import Round

if TYPE_CHECKING:
    from klaster.model.cluster import Cluster
    from klaster.model.program import Program
    from klaster.plugins.host import PluginHost, RecordedValues


class _Table(Protocol):
    @property
    def present(self) -> bytearray: ...
    @property
    def columns(self) -> Any: ...


class _Numbering(Protocol):
    @property
    def ids(self) -> Sequence[str]: ...
    @property
    def index(self) -> Any: ...


class ObservationStorage(Protocol):
    """What the checks read of :class:`~klaster.observations.storage.ObservationStorage`."""

    @property
    def program(self) -> Program:
        """The observed program."""

    @property
    def host(self) -> PluginHost:
        """The plugins that check recorded values."""

    def added_rounds(self) -> tuple[Round, ...]:
        """Every round."""

    def table(self, round_id: str, level: Level) -> _Table | None:
        """One round and level's stored table."""

    def numbering(self, cluster_id: str, level: Level) -> _Numbering | None:
        """How one cluster's units of a level are numbered."""


class Observations(Protocol):
    """What :func:`observation_problems` reads of :class:`~klaster.observations.Observations`."""

    @property
    def storage(self) -> ObservationStorage:
        """The stored rounds and values."""


__all__ = [
    "ObservationStorage",
    "Observations",
    "batch_problems",
    "observation_problems",
    "unit_location",
    "unit_of",
    "unit_sectors",
]


def unit_of(cluster: Cluster, level: Level, unit_id: str) -> Any:
    """The member, group or cooperative (or the cluster) ``unit_id`` names, or ``None``."""
    return finder(cluster, level)(unit_id)


def unit_sectors(cluster: Cluster, level: Level, unit: Any) -> tuple[str, ...]:
    """The sectors whose plugins check a unit's values: its own, or its cooperative's/cluster's."""
    return sectors(cluster, level, unit)


def unit_location(round_id: str, level: Level, unit_id: str) -> str:
    """Where a unit's values of a round are, in messages: ``rounds[R1].members[BTG-0001]``."""
    return f"rounds[{round_id}].{PLURAL[level]}[{unit_id}]"


def batch_problems(
    storage: ObservationStorage, rnd: Round, batches: dict[Level, LevelBatch]
) -> list[tuple[int, str]]:
    """The plugins' problems with a prepared batch, as ``(row of the batch, message)``.

    Each unit is checked with its stored values of the round merged with the batch's.
    """
    host = storage.host
    cluster = storage.program.clusters[rnd.cluster_id]
    if not host.checks_values(cluster.sector_codes):
        return []
    found: list[tuple[int, str]] = []
    for level, batch in batches.items():
        units = list(_batch_units(storage, cluster, rnd, level, batch))
        rows = {unit[0]: row for unit, row in units}
        for problem in host.validate_recorded(unit for unit, _ in units):
            where = problem.split(": ", 1)[0]
            found.append((rows.get(where, 0), problem))
    return found


def _batch_units(
    storage: ObservationStorage, cluster: Cluster, rnd: Round, level: Level, batch: LevelBatch
) -> Iterator[tuple[RecordedValues, int]]:
    find = finder(cluster, level)
    new: list[dict[str, Any]] = [{} for _ in batch.unit_ids]
    for code, positions in batch.positions.items():
        for slot, value in zip(positions, batch.values[code], strict=True):
            new[slot][code] = value
    for slot, unit_id in enumerate(batch.unit_ids):
        unit_sectors = sectors(cluster, level, find(unit_id))
        values = _stored_row(storage, rnd, level, unit_id)
        values.update(new[slot])
        values = {code: value for code, value in values.items() if value is not None}
        yield (unit_location(rnd.id, level, unit_id), unit_sectors, level, values), batch.rows[slot]


def _stored_row(
    storage: ObservationStorage, rnd: Round, level: Level, unit_id: str
) -> dict[str, Any]:
    table = storage.table(rnd.id, level)
    numbering = storage.numbering(rnd.cluster_id, level)
    if table is None or numbering is None:
        return {}
    index = numbering.index.get(unit_id)
    if index is None or index >= len(table.present) or not table.present[index]:
        return {}
    return {
        code: column[index]
        for code, column in table.columns.items()
        if index < len(column) and column[index] is not None
    }


def observation_problems(
    observations: Observations, host: PluginHost | None = None, *, limit: int = 100
) -> tuple[str, ...]:
    """The plugins' problems with every unit of every round ``observations`` hold.

    Args:
        observations: The survey data.
        host: The plugins to ask (default: the observations' host).
        limit: Most problems returned.

    Returns:
        Located messages, ``rounds[R1].members[BTG-0001]: herd does not add up ... (plugin
        'livestock')``.
    """
    storage = observations.storage
    found = host if host is not None else storage.host
    problems: list[str] = []
    for rnd in storage.added_rounds():
        cluster = storage.program.clusters[rnd.cluster_id]
        if not found.checks_values(cluster.sector_codes):
            continue
        units = (
            (unit_location(rnd.id, level, unit_id), sectors(cluster, level, unit), level, values)
            for level in Level
            for unit_id, unit, values in _stored_units(storage, cluster, rnd, level)
        )
        problems += found.validate_recorded(units)
        if len(problems) >= limit:
            break
    return tuple(problems[:limit])


def _stored_units(
    storage: ObservationStorage, cluster: Cluster, rnd: Round, level: Level
) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    numbering = storage.numbering(rnd.cluster_id, level)
    table = storage.table(rnd.id, level)
    if numbering is None or table is None:
        return
    find = finder(cluster, level)
    for unit_id in numbering.ids:
        if unit_id in numbering.index and _present(table.present, numbering.index[unit_id]):
            yield unit_id, find(unit_id), _stored_row(storage, rnd, level, unit_id)


def _present(mask: bytearray, index: int) -> bool:
    return index < len(mask) and bool(mask[index])
