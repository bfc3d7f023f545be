"""Observations: the values of variables per member, group or cooperative per survey round.

:class:`Observations` holds a program's survey data column-wise: for each round and level
(member, group, cooperative, cluster) one compact column per variable
(:class:`~klaster.observations.columns.factory.Column`), all aligned on the cluster's units.
Every value is checked against its :class:`~klaster.catalogue.variable.Variable` (type, bounds,
categories; floats are refused for decimals) and every row against the program (the round
exists, the unit is a member/group/cooperative of the round's cluster, the variable is of the
unit's level and is a core variable or one of the unit's sector). A batch is all or nothing:
one bad row raises a located :class:`~klaster.errors.KlasterError` and changes nothing.

Layout (why it is small and fast):

- Units are numbered once per cluster and level, in the order they are first recorded; every
  round of the cluster uses the same numbering, so a unit's baseline and endline values sit at
  the same index of two columns and pairing rounds is a zip, not a join.
- Each round and level has a ``present`` mask (the units surveyed in that round) and one column
  per variable recorded. A unit surveyed in the round but without a value for a variable, and a
  value recorded as ``None``, are both *missing*; neither is ever read as zero.

Where the parts live: the checks a batch goes through in ``klaster.observations._batch``, the
rounds, tables and unit numbering in :mod:`klaster.observations.storage` (also the internal
interface the engines, the sidecar and the store use, through :attr:`Observations.storage`), the
reading side (and :class:`Paired`) in :mod:`klaster.observations.queries`; this module holds the
:class:`Observations` facade.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from attrs import define, field, setters

from klaster._support.gc import gc_paused as _gc_paused
from klaster.catalogue.variable import Level, Variable
from klaster.errors import InvalidReferenceError, KlasterError, ValidationError
from klaster.model.program import Program
from klaster.observations._batch import Row, RowRefused
from klaster.observations._columnar_batch import columns_of, ids_of, rows_of_columns, store_columns
from klaster.observations._messages import listing
from klaster.observations.columns.factory import Column
from klaster.observations.core_variables import core_variables
from klaster.observations.queries import (
    Paired,
    aligned_column,
    aligned_columns,
    incomplete,
    pair,
    row_of,
    same_observations,
    surveyed_units,
    value_of,
)
from klaster.observations.rounds import Round, RoundKind, check_round, ordered
from klaster.observations.storage import ObservationStorage
from klaster.plugins.host import PluginHost

__all__ = ["Observations", "Paired", "Row"]


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
        host: The plugins whose ``klaster_validate_values`` hooks check each unit's values of
            a round when they are recorded (the livestock herd balance...). Default:
            :func:`klaster.plugins.get_host`, looked up on first use.

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
    host: PluginHost | None = field(default=None, kw_only=True, on_setattr=setters.frozen, eq=False)
    _storage: ObservationStorage = field(init=False)

    def __attrs_post_init__(self) -> None:
        self._storage = ObservationStorage(self.program, self.variables, self.host)

    @property
    def storage(self) -> ObservationStorage:
        """The rounds, unit numberings and value buffers: the internal interface.

        For the measurement engines, the sidecar and the store (see
        :mod:`klaster.observations.storage`); everyone else reads through the methods below.
        """
        return self._storage

    @property
    def selected(self) -> frozenset[str] | None:
        """The variables loaded when a reader took only some (``only=``), else ``None``."""
        return self._storage.selected

    # -- rounds ---------------------------------------------------------------------------------
    def add_round(self, round: Round) -> Round:
        """Add a survey round after checking it against the program and the cluster's rounds.

        Raises:
            InvalidReferenceError: The round's cluster is not in the program.
            DuplicateIdError: A round with the same ID exists.
            ValidationError: A second baseline or endline, or a date out of order (see
                :mod:`klaster.observations.rounds`).
        """
        where = f"rounds[{self._storage.round_count()}]"
        try:
            check_round(self._storage.rounds_to_check(round), round)
        except KlasterError as exc:
            raise exc.at(where) from None
        if round.cluster_id not in self.program.clusters:
            raise InvalidReferenceError(
                f"cluster {round.cluster_id!r} is not in program {self.program.id!r}; known: "
                + listing(self.program.clusters.ids()),
                path=f"{where}.cluster_id",
            )
        self._storage.add_round(round)
        return round

    def rounds(self, cluster_id: str | None = None) -> tuple[Round, ...]:
        """The rounds (of one cluster, if given), ordered by date then kind."""
        rounds = self._storage.added_rounds()
        return ordered(r for r in rounds if cluster_id in (None, r.cluster_id))

    def round(self, round_id: str) -> Round:
        """The round with ID ``round_id``.

        Raises:
            NotFoundError: No such round; the message lists some that exist.
        """
        return self._storage.round(round_id)

    def baseline(self, cluster_id: str) -> Round | None:
        """The cluster's baseline round, if it has one."""
        return self._of_kind(cluster_id, RoundKind.BASELINE)

    def endline(self, cluster_id: str) -> Round | None:
        """The cluster's endline round, if it has one."""
        return self._of_kind(cluster_id, RoundKind.ENDLINE)

    def _of_kind(self, cluster_id: str, kind: RoundKind) -> Round | None:
        for found in self._storage.added_rounds():
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
            self._storage.store(self._storage.prepare(round_id, [(unit_id, values)]))
        except RowRefused as refused:
            raise refused.error from None

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
                self._storage.store(self._storage.prepare(round_id, batch))
            except RowRefused as refused:
                raise refused.located() from None
        return len(batch)

    def record_columns(
        self,
        round_id: str,
        unit_ids: Sequence[str] | Any,
        values: Mapping[str, Any] | Any,
        *,
        skip_nulls: bool = False,
    ) -> int:
        """Record column-shaped data (a data frame's columns), checked column-wise, all or nothing.

        The bulk path: each variable's column is checked at once (type, bounds, categories,
        ``required``, level and sector) and stored whole. Numbers as numpy/polars integers or a
        polars ``Decimal`` column (exact), categories as text and yes/no as booleans never become
        a Python object per value; Python sequences are read as :meth:`record_many` reads them.
        The sector plugins' ``klaster_validate_values`` run when a plugin of the cluster
        implements it. Other batches (cooperatives, the cluster) and refused ones go through
        :meth:`record_many`: the error is the one recording row by row raises.

        Args:
            round_id: ID of a round.
            unit_ids: The units, one per row (a sequence, numpy array or polars Series of IDs).
            values: Per variable code, one value per unit: a mapping of code to a sequence,
                numpy array or polars Series, or a polars/pandas data frame whose columns are
                variable codes. ``None`` (null) is a missing value.
            skip_nulls: Read a null as "not recorded" instead of "recorded as missing": the
                unit's value is left out (a stored one is kept, and a ``required`` variable does
                not refuse it), so one frame can hold the variables of several sectors.

        Returns:
            The number of rows recorded.

        Raises:
            ValidationError: A column's length differs from ``unit_ids``; otherwise as
                :meth:`record_many` (the row named is the unit's position in ``unit_ids``).

        """
        ids, columns = ids_of(unit_ids), columns_of(values)
        with _gc_paused():
            stored = store_columns(self._storage, round_id, ids, columns, skip_nulls=skip_nulls)
        if stored is not None:
            return stored
        return self.record_many(round_id, rows_of_columns(ids, columns, skip_nulls=skip_nulls))

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
            self._storage.prepare(round_id, batch, problems, max(1, limit))
        except RowRefused as refused:
            problems.append(str(refused.located()))
        return tuple(problems[: max(1, limit)])

    # -- reading --------------------------------------------------------------------------------
    def variable(self, code: str) -> Variable:
        """The catalogue's variable with this code.

        Raises:
            NotFoundError: Not in the catalogue.
        """
        return self._storage.variable(code)

    def units(self, round_id: str, level: Level | str = Level.MEMBER) -> tuple[str, ...]:
        """IDs of the units surveyed in a round at ``level``, in the cluster's unit order.

        Columns returned by :meth:`column` and :meth:`columns` are aligned with this tuple.
        """
        return surveyed_units(self._storage, round_id, level)

    def column(self, round_id: str, code: str) -> Column[Any]:
        """A copy of a variable's values in a round, aligned with :meth:`units` of its level.

        Units surveyed in the round without a value for ``code`` hold ``None``.

        Raises:
            NotFoundError: Unknown round or variable.
        """
        return aligned_column(self._storage, round_id, code)

    def columns(self, round_id: str, level: Level | str = Level.MEMBER) -> dict[str, Column[Any]]:
        """Copies of every column recorded in a round at ``level``, aligned with :meth:`units`."""
        return aligned_columns(self._storage, round_id, level)

    def value(self, round_id: str, unit_id: str, code: str) -> Any:
        """One recorded value, or ``None`` when it is missing or the unit was not surveyed.

        Raises:
            NotFoundError: Unknown round or variable.
        """
        return value_of(self._storage, round_id, unit_id, code)

    def row(
        self, round_id: str, unit_id: str, level: Level | str = Level.MEMBER
    ) -> dict[str, Any] | None:
        """The values recorded for a unit in a round (missing ones left out).

        Returns:
            Code to value, or ``None`` when the unit was not surveyed in the round.
        """
        return row_of(self._storage, round_id, unit_id, level)

    def paired(self, code: str, first_round: str, second_round: str) -> Paired:
        """The values of ``code`` for the units with a value in both rounds (see :class:`Paired`).

        Raises:
            NotFoundError: Unknown round or variable.
            ValidationError: The rounds are of different clusters, or are the same round.
        """
        return pair(self._storage, code, first_round, second_round)

    def incomplete(self, round_id: str) -> dict[str, tuple[str, ...]]:
        """Units surveyed in a round that lack a value of a required variable.

        A variable is required of a unit when it is ``required``, of the unit's level, and a
        core variable or one of the unit's sector(s). Recording checks each value given; this
        checks what a round's rows left out.

        Returns:
            Unit ID to the codes missing, for the units missing any (IDs of different levels
            are listed together).
        """
        return incomplete(self._storage, round_id)

    def nbytes(self) -> int:
        """Bytes held by the value buffers and masks (IDs and Python objects not counted)."""
        return sum(
            len(t.present) + sum(c.nbytes() for c in t.columns.values())
            for t in self._storage.tables()
        )

    def __len__(self) -> int:
        """Number of (round, unit) rows recorded, all levels together."""
        return sum(t.present.count(1) for t in self._storage.tables())

    def __repr__(self) -> str:
        return (
            f"<Observations of program {self.program.id!r}: {len(self._storage.added_rounds())} "
            f"rounds, "
            f"{len(self)} rows, {len(self.variables)} variables>"
        )

    def __eq__(self, other: object) -> bool:
        """Same program ID, variables, rounds, and the same units and values in every round."""
        if not isinstance(other, Observations):
            return NotImplemented
        return same_observations(self._storage, other._storage)

    __hash__ = None  # type: ignore[assignment]
