"""Observations: the values of variables per member, group or cooperative per survey round.

:class:`Observations` holds a program's survey data column-wise: for each round and level
(member, group, cooperative, cluster) one compact
:class:`~klaster.observations.columns.factory.Column`
per variable, all aligned on the cluster's units. Every value is checked against its
:class:`~klaster.catalogue.variable.Variable` (type, bounds, categories; floats are refused for
decimals)
and every row against the program (the round exists, the unit is a member/group/cooperative of
the round's cluster, the variable is of the unit's level and is a core variable or one of the
unit's sector). A batch is all or nothing: one bad row raises a located
:class:`~klaster.errors.KlasterError` and changes nothing.

Layout (why it is small and fast):

- Units are numbered once per cluster and level, in the order they are first recorded; every
  round of the cluster uses the same numbering, so a unit's baseline and endline values sit at
  the same index of two columns and pairing rounds is a zip, not a join.
- Each round and level has a ``present`` mask (the units surveyed in that round) and one column
  per variable recorded. A unit surveyed in the round but without a value for a variable, and a
  value recorded as ``None``, are both *missing*; neither is ever read as zero.

Where the parts live: the checks a batch goes through in ``_observation_batch``, the tables and
unit numbering in ``_observation_store``, the reading side (and :class:`Paired`) in
:mod:`klaster.observations.queries`; this module holds the :class:`Observations`
facade and its rounds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from attrs import define, field, setters

from klaster._support.gc import gc_paused as _gc_paused
from klaster.catalogue.variable import Level, Variable
from klaster.errors import InvalidReferenceError, KlasterError, NotFoundError, ValidationError
from klaster.model.program import Program

# Private names stay importable from here: the engines, the sidecar and tests import some of them.
from klaster.observations._batch import _PLURAL as _PLURAL
from klaster.observations._batch import _SHOWN as _SHOWN
from klaster.observations._batch import _VALUES_INDEX as _VALUES_INDEX
from klaster.observations._batch import _at_row as _at_row
from klaster.observations._batch import _BadRow as _BadRow
from klaster.observations._batch import _finder as _finder
from klaster.observations._batch import _LevelBatch as _LevelBatch
from klaster.observations._batch import _listing as _listing
from klaster.observations._batch import _rows_of as _rows_of
from klaster.observations._batch import _sectors as _sectors
from klaster.observations._batch import _values_index as _values_index
from klaster.observations._batch import prepare_batch
from klaster.observations._storage import _empty as _empty
from klaster.observations._storage import _Table as _Table
from klaster.observations._storage import _Units as _Units
from klaster.observations._storage import ensure_columns, register_units, store_batch
from klaster.observations.columns.factory import Column
from klaster.observations.core_variables import core_variables
from klaster.observations.queries import (
    Paired,
    _column,
    _columns,
    _incomplete,
    _paired,
    _row,
    _same_observations,
    _units,
    _value,
)
from klaster.observations.queries import _level as _level
from klaster.observations.rounds import Round, RoundKind, check_round, ordered

__all__ = ["Observations", "Paired", "Row"]

Row = tuple[str, Mapping[str, object]]
"""One row of a batch: a unit ID and its values by variable code (``None`` = missing)."""


def _to_catalogue(value: Mapping[str, Variable] | Iterable[Variable]) -> Mapping[str, Variable]:
    if isinstance(value, Mapping):
        return MappingProxyType(dict(value))
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        items = list(value)
        if all(isinstance(v, Variable) for v in items):
            return MappingProxyType({v.code: v for v in items})
    return value  # type: ignore[return-value]


def _check_catalogue(_inst: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"must be a mapping of code to Variable (or a list of Variables), got "
            f"{type(value).__name__}",
            path=attribute.name,
        )
    for code, variable in value.items():
        if not isinstance(variable, Variable):
            raise ValidationError(
                f"must be a Variable, got {type(variable).__name__}",
                path=f"{attribute.name}[{code}]",
            )
        if code != variable.code:
            raise ValidationError(
                f"is keyed {code!r} but the variable's code is {variable.code!r}",
                path=f"{attribute.name}[{code}]",
            )


def _check_program(_inst: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, Program):
        raise ValidationError(f"must be a Program, got {type(value).__name__}", path=attribute.name)


@define(eq=False, repr=False)
class Observations:
    """Survey rounds and the values recorded in them, for one program.

    Args:
        program: The program whose members, groups, cooperatives and clusters are observed.
            It is read, not copied: members added to it later can be observed.
        variables: The variable catalogue, by code (the plugin host's variables plus the
            :func:`~klaster.observations.core_variables.core_variables`); a list of variables
            is accepted too. Default: the core variables only.

    See ``docs/observations.md`` for a walk-through.
    """

    # Fixed once built: the stored columns were checked against this program and catalogue.
    program: Program = field(validator=_check_program, on_setattr=setters.frozen)
    variables: Mapping[str, Variable] = field(
        factory=core_variables,
        converter=_to_catalogue,
        validator=_check_catalogue,
        on_setattr=setters.frozen,
    )
    _rounds: dict[str, Round] = field(init=False, factory=dict)
    _units: dict[tuple[str, Level], _Units] = field(init=False, factory=dict)
    _tables: dict[tuple[str, Level], _Table] = field(init=False, factory=dict)

    # -- rounds ---------------------------------------------------------------------------------
    def add_round(self, round: Round) -> Round:
        """Add a survey round after checking it against the program and the cluster's rounds.

        Raises:
            InvalidReferenceError: The round's cluster is not in the program.
            DuplicateIdError: A round with the same ID exists.
            ValidationError: A second baseline or endline, or a date out of order (see
                :mod:`klaster.observations.rounds`).
        """
        where = f"rounds[{len(self._rounds)}]"
        try:
            check_round(self._rounds.values(), round)
        except KlasterError as exc:
            raise exc.at(where) from None
        if round.cluster_id not in self.program.clusters:
            raise InvalidReferenceError(
                f"cluster {round.cluster_id!r} is not in program {self.program.id!r}; known: "
                + _listing(self.program.clusters.ids()),
                path=f"{where}.cluster_id",
            )
        self._rounds[round.id] = round
        return round

    def rounds(self, cluster_id: str | None = None) -> tuple[Round, ...]:
        """The rounds (of one cluster, if given), ordered by date then kind."""
        return ordered(r for r in self._rounds.values() if cluster_id in (None, r.cluster_id))

    def round(self, round_id: str) -> Round:
        """The round with ID ``round_id``.

        Raises:
            NotFoundError: No such round; the message lists some that exist.
        """
        found = self._rounds.get(round_id)
        if found is None:
            known = _listing(self._rounds) if self._rounds else "no rounds were added yet"
            raise NotFoundError(f"no round with ID {round_id!r}; known: {known}", path="round_id")
        return found

    def baseline(self, cluster_id: str) -> Round | None:
        """The cluster's baseline round, if it has one."""
        return self._of_kind(cluster_id, RoundKind.BASELINE)

    def endline(self, cluster_id: str) -> Round | None:
        """The cluster's endline round, if it has one."""
        return self._of_kind(cluster_id, RoundKind.ENDLINE)

    def _of_kind(self, cluster_id: str, kind: RoundKind) -> Round | None:
        for found in self._rounds.values():
            if found.cluster_id == cluster_id and found.kind is kind:
                return found
        return None

    # -- recording ------------------------------------------------------------------------------
    def record(self, round_id: str, unit_id: str, values: Mapping[str, object]) -> None:
        """Record one unit's values in a round (see :meth:`record_many`).

        Raises:
            KlasterError: As :meth:`record_many`; nothing is recorded.
        """
        try:
            self._store(self._prepare(round_id, [(unit_id, values)], None, 0))
        except _BadRow as bad:
            raise bad.error from None

    def record_many(self, round_id: str, rows: Iterable[Row]) -> int:
        """Record many units' values in a round, all or nothing.

        Each row is ``(unit_id, {code: value, ...})``. Values are read as
        :meth:`Variable.check_value <klaster.catalogue.variable.Variable.check_value>` reads them
        (``"1250000"`` and ``1250000`` become ``Decimal``; floats are refused for decimals) and
        ``None`` records a missing value. A row holds one unit's values of one level (member
        variables for a member...). Recording a variable again for the same unit and round
        replaces the value (a correction); variables a row leaves out keep their values.

        Args:
            round_id: ID of a round added with :meth:`add_round`.
            rows: The rows; a unit may appear only once per level in a batch.

        Returns:
            The number of rows recorded.

        Raises:
            NotFoundError: Unknown round.
            InvalidReferenceError: An unknown variable, or a unit that is not a member/group/
                cooperative of the round's cluster (the message says if it is in another one).
            DuplicateIdError: A unit appears twice in the batch.
            ValidationError: A value of the wrong type, out of bounds or not a category; a
                variable of another level or sector than the unit's. The path is
                ``rounds[<round>].<members|groups|...>[<unit>].<code>`` and the message gives the
                row; values are never repeated. Nothing is recorded.
        """
        batch = rows if isinstance(rows, list | tuple) else list(rows)
        with _gc_paused():
            try:
                self._store(self._prepare(round_id, batch, None, 0))
            except _BadRow as bad:
                raise _at_row(bad) from None
        return len(batch)

    def record_columns(
        self, round_id: str, unit_ids: Sequence[str], values: Mapping[str, Sequence[object]]
    ) -> int:
        """Record column-shaped data (a data frame's columns), all or nothing.

        Args:
            round_id: ID of a round.
            unit_ids: The units, one per row.
            values: Per variable code, one value per unit (``None`` = missing).

        Returns:
            The number of rows recorded.

        Raises:
            ValidationError: A column's length differs from ``unit_ids``; otherwise as
                :meth:`record_many`.
        """
        return self.record_many(round_id, _rows_of(unit_ids, values))

    def validate_many(
        self, round_id: str, rows: Iterable[Row], *, limit: int = 100
    ) -> tuple[str, ...]:
        """Every problem :meth:`record_many` would find in ``rows`` (up to ``limit``), unrecorded.

        Use it to report all the bad rows of a survey file at once instead of one per attempt.

        Returns:
            One located message per problem; empty when :meth:`record_many` would accept the
            batch.
        """
        problems: list[str] = []
        batch = rows if isinstance(rows, list | tuple) else list(rows)
        try:
            self._prepare(round_id, batch, problems, max(1, limit))
        except _BadRow as bad:
            problems.append(str(_at_row(bad)))
        return tuple(problems[: max(1, limit)])

    # -- reading --------------------------------------------------------------------------------
    def variable(self, code: str) -> Variable:
        """The catalogue's variable with this code.

        Raises:
            NotFoundError: Not in the catalogue.
        """
        found = self.variables.get(code)
        if found is None:
            raise NotFoundError(
                f"unknown variable {code!r}; known: {_listing(self.variables)}", path="code"
            )
        return found

    def units(self, round_id: str, level: Level | str = Level.MEMBER) -> tuple[str, ...]:
        """IDs of the units surveyed in a round at ``level``, in the cluster's unit order.

        Columns returned by :meth:`column` and :meth:`columns` are aligned with this tuple.
        """
        return _units(self, round_id, level)

    def column(self, round_id: str, code: str) -> Column[Any]:
        """A copy of a variable's values in a round, aligned with :meth:`units` of its level.

        Units surveyed in the round without a value for ``code`` hold ``None``.

        Raises:
            NotFoundError: Unknown round or variable.
        """
        return _column(self, round_id, code)

    def columns(self, round_id: str, level: Level | str = Level.MEMBER) -> dict[str, Column[Any]]:
        """Copies of every column recorded in a round at ``level``, aligned with :meth:`units`."""
        return _columns(self, round_id, level)

    def value(self, round_id: str, unit_id: str, code: str) -> Any:
        """One recorded value, or ``None`` when it is missing or the unit was not surveyed.

        Raises:
            NotFoundError: Unknown round or variable.
        """
        return _value(self, round_id, unit_id, code)

    def row(
        self, round_id: str, unit_id: str, level: Level | str = Level.MEMBER
    ) -> dict[str, Any] | None:
        """The values recorded for a unit in a round (missing ones left out).

        Returns:
            Code to value, or ``None`` when the unit was not surveyed in the round.
        """
        return _row(self, round_id, unit_id, level)

    def paired(self, code: str, first_round: str, second_round: str) -> Paired:
        """The values of ``code`` for the units with a value in both rounds (see :class:`Paired`).

        Raises:
            NotFoundError: Unknown round or variable.
            ValidationError: The rounds are of different clusters, or are the same round.
        """
        return _paired(self, code, first_round, second_round)

    def incomplete(self, round_id: str) -> dict[str, tuple[str, ...]]:
        """Units surveyed in a round that lack a value of a required variable.

        A variable is required of a unit when it is ``required``, of the unit's level, and a
        core variable or one of the unit's sector(s). Recording checks each value given; this
        checks what a round's rows left out.

        Returns:
            Unit ID to the codes missing, for the units missing any (IDs of different levels
            are listed together).
        """
        return _incomplete(self, round_id)

    def nbytes(self) -> int:
        """Bytes held by the value buffers and masks (IDs and Python objects not counted)."""
        return sum(
            len(t.present) + sum(c.nbytes() for c in t.columns.values())
            for t in self._tables.values()
        )

    def __len__(self) -> int:
        """Number of (round, unit) rows recorded, all levels together."""
        return sum(t.present.count(1) for t in self._tables.values())

    def __repr__(self) -> str:
        return (
            f"<Observations of program {self.program.id!r}: {len(self._rounds)} rounds, "
            f"{len(self)} rows, {len(self.variables)} variables>"
        )

    def __eq__(self, other: object) -> bool:
        """Same program ID, variables, rounds, and the same units and values in every round."""
        if not isinstance(other, Observations):
            return NotImplemented
        return _same_observations(self, other)

    __hash__ = None  # type: ignore[assignment]

    # -- the store ------------------------------------------------------------------------------
    # The sidecar and the engines use these; the batch checks and the store itself live in
    # _observation_batch and _observation_store.
    def _prepare(
        self,
        round_id: str,
        rows: Sequence[Row],
        problems: list[str] | None,
        limit: int,
        surveyed: Level | None = None,
    ) -> tuple[Round, dict[Level, _LevelBatch]]:
        """Check a batch; return it ready to store. Raises :class:`_BadRow` (or collects).

        ``surveyed`` (for the sidecar reader) accepts rows without values as units of that
        level surveyed with every value missing.
        """
        return prepare_batch(self, round_id, rows, problems, limit, surveyed)

    def _store(self, prepared: tuple[Round, dict[Level, _LevelBatch]]) -> None:
        """Store a batch from :meth:`_prepare`; nothing raises, so it is stored all at once."""
        store_batch(self, prepared)

    def _register(self, cluster_id: str, level: Level, unit_ids: Iterable[str]) -> None:
        """For the sidecar reader: number units in the order the file lists them."""
        register_units(self, cluster_id, level, unit_ids)

    def _ensure_columns(self, round_id: str, level: Level, codes: Iterable[str]) -> None:
        """For the sidecar reader: a column written with only gaps still exists when read back."""
        ensure_columns(self, round_id, level, codes)

    def _unit_order(self) -> Iterator[tuple[str, Level, list[str]]]:
        for (cluster_id, level), units in self._units.items():
            yield cluster_id, level, units.ids

    # Package-internal accessors: the engines, the sidecar and the store read the stored
    # buffers through these two, never through the private dicts.
    def _stored(self, round_id: str, level: Level) -> _Table | None:
        """The stored table of one round and level, or None when nothing was recorded."""
        return self._tables.get((round_id, level))

    def _numbering(self, cluster_id: str, level: Level) -> _Units | None:
        """How the units of one cluster and level are numbered in every round's columns."""
        return self._units.get((cluster_id, level))

    def _table_codes(self, round_id: str, level: Level) -> tuple[str, ...]:
        table = self._tables.get((round_id, level))
        return () if table is None else tuple(table.columns)
