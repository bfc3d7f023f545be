"""Observation values in the store: saving and loading a whole :class:`Observations`.

Values are long-form: one ``observation_values`` row per (round, variable, unit), keyed by
integer surrogates (``rounds.key``, ``variables.key``, ``units.key``) in a ``WITHOUT ROWID``
table, the value typed as :mod:`klaster.store._values` describes. ``units`` numbers the units of
each cluster and level in the order they were first recorded, as
:class:`~klaster.measurement.Observations` does, so a loaded store numbers them the same way.

A unit is surveyed in a round when it has a row there (``NULL`` for a value recorded as
missing), and a variable is recorded in a round when it has a row there; saving writes one
``NULL`` row where nothing else would say so. ``round_units`` lists each round's surveyed units
(:mod:`klaster.store._round_units`: saving rewrites it with the values).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import compress, groupby, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.errors import KlasterError, NotFoundError, StoreError
from klaster.model.program import Program
from klaster.observations.rounds import Round
from klaster.observations.sector_checks import observation_problems
from klaster.observations.selection import checked_only
from klaster.observations.set_aside import lost_on_save, report_set_aside, undeclared
from klaster.observations.storage import RowRefused
from klaster.observations.values import Observations
from klaster.store import _loading, _round_units, _value_columns
from klaster.store._connection import insert_tuples
from klaster.store._keys import VariableKeys, add_round, add_units, orphan_units, stored_rounds
from klaster.store._values import BadValue, decoder, encode

_CHUNK = 20_000


# -- saving -------------------------------------------------------------------------------------


def check_observations(observations: object, source: Path) -> None:
    """Refuse what is not :class:`Observations`, or what the sector plugins refuse, before a save.

    Raises:
        StoreError: Not observations, observations loaded with only some variables (``only=``),
            or a unit's values of a round that a plugin's ``klaster_validate_values`` refuses
            (every problem listed, located by round and unit).
    """
    if not isinstance(observations, Observations):
        raise StoreError(f"{source}: can only save Observations, got {type(observations).__name__}")
    partial = observations.storage.refuse_partial(str(source))
    if partial is not None:
        raise StoreError(partial)
    from klaster.plugins.default import get_host  # the installed plugins, as apply_import

    problems = observation_problems(observations, get_host())
    if problems:
        raise StoreError(
            f"{source}: the sector plugins refuse values of the observations; nothing was "
            "saved:\n" + "\n".join(f"  - {p}" for p in problems)
        )


def replace_observations(conn: sqlite3.Connection, obs: Observations, source: Path) -> None:
    """Replace every stored round, unit and value with those of ``obs``."""
    stored = conn.execute("SELECT id FROM program").fetchone()
    if stored is not None and stored[0] != obs.program.id:
        raise StoreError(
            f"{source}: the observations are of program {obs.program.id!r}, but the store "
            f"holds program {stored[0]!r}"
        )
    held = [code for (code,) in conn.execute("SELECT code FROM variables")]
    lost = lost_on_save(held, obs.variables, str(source))
    if lost is not None:
        raise StoreError(lost)
    kept = _round_units.Kept(conn)  # one pair per surveyed unit, not a trigger per value
    kept.clear()
    for table in ("observation_values", "units", "rounds", "variables"):
        conn.execute(f"DELETE FROM {table}")
    variables = VariableKeys(conn, obs.variables)
    round_keys: dict[str, int] = {}
    storage = obs.storage
    for index, rnd in enumerate(storage.added_rounds()):
        try:
            round_keys[rnd.id] = add_round(conn, source, rnd)
        except KlasterError as exc:
            raise StoreError(
                f"{source}: cannot save the observations: {exc.at(f'rounds[{index}]')}"
            ) from None
    numbering: dict[tuple[str, Level], list[int]] = {}
    for cluster_id, level, ids in storage.numberings():
        numbering[(cluster_id, level)] = add_units(conn, cluster_id, level, ids)
    orphans = orphan_units(conn)
    if orphans:
        raise StoreError(
            f"{source}: the observations record units the stored program does not have "
            f"({orphans}); save the program first"
        )
    scales = _scales(obs)
    for rnd in storage.added_rounds():
        for level in Level:
            codes = storage.codes(rnd.id, level)
            if not codes:
                continue
            number = {u: i for i, u in enumerate(_ids(obs, rnd.cluster_id, level))}
            keys = numbering[(rnd.cluster_id, level)]
            present = [keys[number[u]] for u in obs.units(rnd.id, level)]
            columns = obs.columns(rnd.id, level)
            rows = _table_rows(conn, variables, scales, round_keys[rnd.id], present, columns)
            insert_tuples(conn, "observation_values", 4, rows)
            kept.add(round_keys[rnd.id], present)  # every unit present got a row
    kept.restore()


def _ids(obs: Observations, cluster_id: str, level: Level) -> Sequence[str]:
    numbering = obs.storage.numbering(cluster_id, level)
    return () if numbering is None else numbering.ids


def _scales(obs: Observations) -> dict[str, int]:
    scales: dict[str, int] = {}
    for rnd in obs.storage.added_rounds():
        for level in Level:
            for code, column in obs.columns(rnd.id, level).items():
                scale = getattr(column, "scale", 0)
                scales[code] = max(scales.get(code, 0), scale)
    return scales


def _table_rows(
    conn: sqlite3.Connection,
    variables: VariableKeys,
    scales: dict[str, int],
    round_key: int,
    units: list[int],
    columns: Mapping[str, Any],
) -> Iterator[tuple[Any, ...]]:
    seen = bytearray(len(units))
    first_key: int | None = None
    for code, column in columns.items():
        variable = variables.catalogue[code]
        key, stored = variables.key(variable)
        scale = max(stored, scales.get(code, 0))
        variables.rescale(code, scale)
        values = column.to_list()
        valid = [v is not None for v in values]
        try:
            encoded, _ = encode(variable, list(compress(values, valid)), scale)
        except BadValue as bad:  # pragma: no cover - Observations holds only checked values
            raise StoreError(f"variable {code!r}: {bad.message}") from None
        for i in compress(range(len(units)), valid):
            seen[i] = 1
        if not encoded and units:  # a column recorded with gaps only still exists
            yield round_key, key, units[0], None
            seen[0] = 1
        yield from zip(repeat(round_key), repeat(key), compress(units, valid), encoded)
        first_key = key if first_key is None else first_key
    if first_key is not None:
        for i in compress(range(len(units)), [not s for s in seen]):
            yield round_key, first_key, units[i], None  # surveyed, every value missing


# -- loading ------------------------------------------------------------------------------------


def load_selected(
    conn: sqlite3.Connection,
    source: Path,
    catalogue: Mapping[str, Variable] | Iterable[Variable],
    program: Program | None,
    cluster_id: str | None,
    round_id: str | None,
    *,
    only: Iterable[str] | None = None,
) -> Observations:
    """The stored rounds asked for (all, one cluster's or one round) of ``program``.

    ``program`` defaults to the stored one, or to only the clusters asked for; ``only`` keeps
    these variables' values (every round and surveyed unit is loaded all the same).

    Raises:
        NotFoundError: No such cluster or round.
        StoreError: ``program`` is another program; or as :func:`load_observations`.
    """
    selected = _selected(conn, source, cluster_id, round_id)
    if program is not None:
        stored = _loading.program_header(conn, source)[0]
        if not isinstance(program, Program) or program.id != stored:
            given = program.id if isinstance(program, Program) else type(program).__name__
            raise StoreError(f"{source}: the store holds program {stored!r}, not {given!r}")
    elif cluster_id is None and round_id is None:
        program = _loading.load_program(conn, source)
    else:
        wanted = {cluster_id} if cluster_id else {r.cluster_id for _, r in selected}
        clusters = [_loading.load_cluster(conn, source, c) for c in wanted]
        program = _loading.program_of(conn, source, clusters)
    return load_observations(conn, source, catalogue, program, selected, only=only)


def _selected(
    conn: sqlite3.Connection, source: Path, cluster_id: str | None, round_id: str | None
) -> list[tuple[int, Round]]:
    if cluster_id is not None:
        _loading.require_cluster(conn, cluster_id)
    found = stored_rounds(conn, source, cluster_id)
    if round_id is None:
        return found
    chosen = [(key, r) for key, r in found if r.id == round_id]
    if not chosen:
        where = f" of cluster {cluster_id!r}" if cluster_id else ""
        known = ", ".join(repr(r.id) for _, r in found[:5]) or "none"
        raise NotFoundError(
            f"no round {round_id!r}{where} in the store; known: {known}", path="round_id"
        )
    return chosen


def load_observations(
    conn: sqlite3.Connection,
    source: Path,
    catalogue: Mapping[str, Variable] | Iterable[Variable],
    program: Program,
    selected: list[tuple[int, Round]],
    *,
    only: Iterable[str] | None = None,
) -> Observations:
    """The stored values of the ``selected`` rounds, checked as :meth:`Observations.record_many`.

    With ``only``, the other variables' values are not read (the units they survey are) and
    the observations are marked :attr:`~Observations.selected`, so that no save takes them.

    Raises:
        NotFoundError: A code in ``only`` is not in the catalogue (with the closest ones).
        StoreError: A stored variable is missing from ``catalogue`` (though a loaded plugin
            declares it) or differs from it, or a stored round, unit or value is refused by
            the model.
        PluginError: Strict plugin mode, and the store holds values of variables no loaded
            plugin declares (otherwise they are set aside with a ``PluginWarning``).
    """
    if _value_columns.available():
        obs, variables, units = _numbered(conn, source, catalogue, program, selected, warn=True)
        wanted = checked_only(only, obs.variables)
        try:
            found = {k: v for k, (v, _) in variables.items() if wanted is None or v.code in wanted}
            skipped = {k: v for k, (v, _) in variables.items() if k not in found}
            _value_columns.load_rounds(conn, obs, found, selected, units, skipped)
        except _value_columns.Unreadable:
            pass  # something to judge row by row: start again on that path
        else:
            obs.storage.selected = wanted
            return obs
        obs, variables, units = _numbered(conn, source, catalogue, program, selected, warn=False)
    else:
        obs, variables, units = _numbered(conn, source, catalogue, program, selected, warn=True)
    wanted = checked_only(only, obs.variables)
    ids = {
        int(key): unit_id
        for keys, found in units.values()
        for key, unit_id in zip(keys, found, strict=True)
    }
    for round_key, rnd in selected:
        _load_round(conn, source, obs, variables, ids, round_key, rnd, wanted)
    obs.storage.selected = wanted
    return obs


def _numbered(
    conn: sqlite3.Connection,
    source: Path,
    catalogue: Mapping[str, Variable] | Iterable[Variable],
    program: Program,
    selected: list[tuple[int, Round]],
    *,
    warn: bool,
) -> tuple[Observations, dict[int, tuple[Variable, Any]], _value_columns.Units]:
    """New observations with the selected rounds and their clusters' units numbered by key.

    Also the stored units of each of these clusters and levels: their keys in order, and IDs.
    """
    try:
        obs = Observations(program, catalogue)
    except KlasterError as exc:
        raise StoreError(f"{source}: cannot hold observations of this program: {exc}") from None
    variables, set_aside = _stored_variables(conn, source, obs.variables)
    if warn:
        report_set_aside(program, set_aside, str(source))
    for _, rnd in selected:
        try:
            obs.add_round(rnd)
        except KlasterError as exc:
            raise StoreError(f"{source}: round {rnd.id!r}: {exc}") from None
    units: _value_columns.Units = {}
    for cluster_id in dict.fromkeys(rnd.cluster_id for _, rnd in selected):
        for level in Level:
            keys, ids = _value_columns.stored_units(conn, cluster_id, level)
            unknown = obs.storage.number_units(cluster_id, level, ids)
            if unknown is not None:
                raise StoreError(
                    f"{source}: stored unit {unknown!r} is not a {level.value} of cluster "
                    f"{cluster_id!r}; the store was changed outside klaster"
                )
            units[(cluster_id, level)] = (keys, ids)
    return obs, variables, units


def _stored_variables(
    conn: sqlite3.Connection, source: Path, catalogue: Mapping[str, Variable]
) -> tuple[dict[int, tuple[Variable, Any]], tuple[str, ...]]:
    """The stored variables by key, and those set aside (no loaded plugin declares them)."""
    found = {}
    rows = conn.execute("SELECT key, code, level, type, scale FROM variables").fetchall()
    set_aside = undeclared(code for _, code, *_ in rows if code not in catalogue)
    for key, code, level, kind, scale in rows:
        variable = catalogue.get(code)
        if code in set_aside:
            continue  # left in the store, untouched
        if variable is None:
            raise StoreError(
                f"{source}: the store holds values of variable {code!r}, which is not in the "
                "variable catalogue given, though an installed plugin declares it; pass "
                "klaster.observations.variable_catalogue()"
            )
        if (variable.level.value, variable.type.value) != (level, kind):
            raise StoreError(
                f"{source}: variable {code!r} is stored as a {level} {kind} but the catalogue's "
                f"is a {variable.level.value} {variable.type.value}; the variable changed since "
                "the store was written"
            )
        found[key] = (variable, decoder(ValueType(kind), scale))
    return found, set_aside


def _load_round(
    conn: sqlite3.Connection,
    source: Path,
    obs: Observations,
    variables: dict[int, tuple[Variable, Any]],
    units: dict[int, str],
    round_key: int,
    rnd: Round,
    only: frozenset[str] | None = None,
) -> None:
    tables: dict[Level, dict[int, dict[str, Any]]] = {}
    codes: dict[Level, dict[str, None]] = {}
    cursor = conn.execute(
        "SELECT variable_key, unit_key, value FROM observation_values WHERE round_key = ?",
        (round_key,),
    )
    # Rows come in key order, one variable after the other: look each variable up once.
    for variable_key, found in groupby(cursor, key=itemgetter(0)):
        if variable_key not in variables:
            continue  # set aside: no loaded plugin declares the variable
        variable, decode = variables[variable_key]
        code = variable.code
        table = tables.setdefault(variable.level, {})
        if only is not None and code not in only:  # its units are surveyed; its values unread
            for _, unit_key, _ in found:
                table.setdefault(unit_key, {})
            continue
        codes.setdefault(variable.level, {})[code] = None
        for _, unit_key, raw in found:
            row = table.get(unit_key)
            if row is None:
                row = table[unit_key] = {}
            if raw is not None:
                row[code] = decode(raw)
    for level, table in tables.items():
        try:
            rows = [(units[key], table[key]) for key in sorted(table)]
        except KeyError:
            raise StoreError(
                f"{source}: round {rnd.id!r} holds values of a unit of another cluster; the "
                "store was changed outside klaster"
            ) from None
        for start in range(0, len(rows), _CHUNK):
            try:
                obs.storage.load_rows(
                    rnd.id, level, rows[start : start + _CHUNK], sector_checks=False
                )
            except RowRefused as refused:
                raise StoreError(
                    f"{source}: a stored value of round {rnd.id!r} is refused ({refused.error}); "
                    "the store was changed outside klaster"
                ) from None
        obs.storage.ensure_columns(rnd.id, level, codes.get(level, {}))
