"""The observations sidecar as one Parquet file: the same document, in typed columns.

:func:`klaster.observations.save` writes this form when the path ends in ``.parquet`` (any
case), :func:`klaster.observations.load` reads it (polars: the ``columnar`` extra). It holds
what the JSON Lines sidecar holds, laid out for columnar readers::

    key-value metadata "klaster" (JSON, small: no unit IDs, no values; 680 KB at 1,000
    clusters of 1,000 members, most of it the rounds):
      {"klaster": "observations", "schema_version": 1, "program": "km",
       "variables": {"monthly_income": {"type": "decimal", "level": "member"}, ...},
       "rounds": [{"id": "btg-bl", "cluster_id": "bantaeng", ...}, ...],
       "units": {"cluster": ["bantaeng", ...], "level": ["member", ...], "rows": [190, ...]},
       "tables": {"round": ["btg-bl", ...], "level": ["member", ...], "columns": [0, ...],
                  "rows": [188, ...]},
       "column_lists": [["monthly_income", "workers", ...], ...]}

    rows (columns "unit", "unit_number", then one per declared variable, in its order):
      unit        unit_number  monthly_income   workers  ...
      BTG-0001    0            null             null      <- units part: 190 rows
      BTG-0002    1            null             null
      ...
      BTG-0001    0            1660000.00       1         <- table btg-bl / member: 188 rows
      BTG-0003    2            null             2
      ...

The metadata's keys but ``units``, ``tables`` and ``column_lists`` are the JSON Lines
header, checked and migrated the same way (:func:`klaster.documents.migrations.migrate`);
those three list the units parts and tables column-wise (entry *i* of each list is part *i*;
a table's ``columns`` is the index of its list of columns in ``column_lists``), so that the
metadata stays small. The rows come in that order: first each units part (the order of a
cluster's units at a level, which fixes their numbering as a JSON Lines ``units`` line does;
the variables are null there), then each table's rows, one per unit surveyed in the round,
in the numbering's order. ``unit_number`` is a row's unit's place (from 0) in its units part:
a hint the readers check against ``unit`` (the ID is what counts), so the column-wise reader
places rows without looking IDs up. Row *N* in messages counts from 0 at the file's first row
(as polars and DuckDB number rows, and as the program's Parquet form does).
A table's columns say which variables it has: a null there is a value recorded as missing;
in a column the table does not list every row is null (not in this table). Column types:
decimals a Parquet decimal of 38 digits at the largest scale the variable needs (exact; each
table's column keeps the decimals its values need, as the JSON Lines reader keeps them),
integers Int64, booleans Boolean, categories and texts strings, dates Date. Any other tool
reads it (``SELECT unit, monthly_income FROM 'x.parquet' WHERE monthly_income IS NOT NULL``).

Reading goes through the checks of :meth:`Observations.record_many
<klaster.observations.values.Observations.record_many>`, as the JSON Lines readers do: first
column-wise (this module, through :class:`~klaster.observations._sidecar_bulk.BulkReader`,
the JSON Lines columnar reader's own placing and checking of typed columns); anything it
does not recognise or would refuse is read again by
:mod:`klaster.observations._sidecar_parquet_exact`, row by row through
:meth:`ObservationStorage.load_rows
<klaster.observations.storage.ObservationStorage.load_rows>`, which locates the problem
(``x.parquet row 17 column 'workers': ...``). ``only=`` reads only those variables' columns.
"""

from __future__ import annotations

import io
import json
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from klaster._support.dataframes import require
from klaster._support.huge_pages import huge_pages_paused
from klaster.catalogue.variable import Level, Variable
from klaster.errors import DocumentError
from klaster.model.program import Program
from klaster.model.records import columns_of, field_of
from klaster.observations._numbering import placed_ids
from klaster.observations._sidecar_bulk import BulkReader
from klaster.observations._sidecar_columns import GiveUp, Layout, typed_columns
from klaster.observations._sidecar_parquet_ahead import (
    Ahead,
    Group,
    Prepared,
    prepare,
    stamp_of,
)
from klaster.observations._sidecar_parquet_exact import (
    MAGIC,
    META_KEY,
    ExactParquetReader,
    metadata_of,
)
from klaster.observations._sidecar_parquet_units import member_rows
from klaster.observations.set_aside import undeclared
from klaster.observations.values import Observations

__all__ = ["MAGIC", "is_parquet", "read_parquet", "undeclared_in_parquet"]


def is_parquet(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a Parquet sidecar (its suffix is ``.parquet``, any case)."""
    return Path(path).suffix.lower() == ".parquet"


def _modules(what: str) -> tuple[ModuleType, ModuleType]:
    return require("polars", what), require("numpy", what)


def undeclared_in_parquet(path: Path) -> tuple[str, ...]:
    """The variables an existing Parquet sidecar declares that no loaded plugin declares.

    Anything unreadable (or polars missing) gives ``()``, as for a JSON Lines sidecar.
    """
    try:
        import polars as pl

        declared = json.loads(metadata_of(pl, io.BytesIO(path.read_bytes()))[META_KEY])["variables"]
    except BaseException as exc:  # (polars panics on some damaged files: a BaseException)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return ()  # a damaged file is about to be replaced: nothing to set aside
    return undeclared(declared) if isinstance(declared, dict) else ()


# -- reading ---------------------------------------------------------------------------------
def read_parquet(
    path: Path,
    program: Program,
    variables: Mapping[str, Variable] | Iterable[Variable] | None,
    only: frozenset[str] | None,
    ahead: Ahead | None = None,
) -> Observations:
    """Read a Parquet sidecar into a new store: column-wise, or row by row to locate a problem.

    ``ahead``: the file read ahead (``_sidecar_parquet_ahead.read_ahead``), its work taken only
    if the file is still the one read and for the same ``only``.

    Raises:
        KlasterError: polars (the ``columnar`` extra) is not installed.
        DocumentError: The file cannot be read, is not a klaster Parquet sidecar, is damaged,
            or holds what the API would refuse (located by row and column).
        SchemaVersionError: The metadata's schema version is missing, malformed or newer.
    """
    pl, _ = _modules("a Parquet observations sidecar")
    source = str(path)
    prepared: Prepared | None = None
    data: bytes | None = None
    if ahead is not None and ahead.only == only and ahead.stamp == stamp_of(path):
        data, prepared = ahead.data, ahead.prepared  # the very file read ahead
    if data is None and prepared is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DocumentError(f"{source}: cannot read the file ({exc.strerror})") from None
    if data is not None and (len(data) < 12 or data[:4] != MAGIC or data[-4:] != MAGIC):
        raise DocumentError(
            f"{source}: not a Parquet file (it does not start and end with {MAGIC!r}); it was "
            "probably cut short, or is a JSON Lines sidecar: name that one .jsonl"
        )
    with warnings.catch_warnings(record=True) as caught, huge_pages_paused():
        warnings.simplefilter("always")
        try:
            fast: Observations | None = _Fast(source, program, variables, only).read(data, prepared)
        # Anything (polars panics on some damaged files): the exact reader words the problem.
        except (Exception, pl.exceptions.PanicException):
            fast = None
    if fast is None:
        if data is None:  # prepared ahead, its bytes let go: read again, as without it
            return read_parquet(path, program, variables, only)
        exact = ExactParquetReader(source, program, variables)
        exact.only = only
        return exact.read_file(data)
    for warning in caught:  # the header's warnings (set-aside variables), said once
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return fast


class _Fast:
    """The column-wise reader: gives up (raises) on anything but a file as the writer writes it.

    The file's own work (:func:`~klaster.observations._sidecar_parquet_ahead.prepare`: its
    metadata, columns, units parts, hints and typed values) is done first, or was done ahead;
    this reader does what needs the program.
    """

    def __init__(
        self,
        source: str,
        program: Program,
        variables: Mapping[str, Variable] | Iterable[Variable] | None,
        only: frozenset[str] | None,
    ) -> None:
        self.bulk = BulkReader(source, program, variables)
        self.reader = self.bulk.reader
        self.reader.only = only
        self.pl, self.np = _modules("a Parquet observations sidecar")

    def read(self, data: bytes | None, prepared: Prepared | None = None) -> Observations:
        reader = self.reader
        catalogue = reader.obs.variables
        if prepared is not None and prepared.catalogue != dict(catalogue):
            prepared = None  # prepared for another catalogue: prepared again
        if prepared is None:
            if data is None:
                raise GiveUp  # (prepared for another catalogue, its bytes let go)
            prepared = prepare(self.pl, self.np, data, catalogue, reader.only)
        reader.header(prepared.header)
        if reader.set_aside:
            raise GiveUp
        storage = reader.obs.storage
        if {rnd.id: rnd.cluster_id for rnd in storage.added_rounds()} != prepared.rounds:
            raise GiveUp  # (the tables' parts were found by the header's rounds)
        self._number_units(prepared)
        for entry in prepared.tables:
            reader.open_table(entry)  # (its checks: the plan was made from the same entries)
        if not prepared.hinted:
            raise GiveUp  # a hint that is not its unit's place: the exact reader says where
        for group in prepared.groups:
            self._group(group)
        if self.bulk.sector_problems():
            raise GiveUp
        return self.bulk.obs

    def _number_units(self, prepared: Prepared) -> None:
        """Number each units part's units among the program's records, or give up.

        Member parts are found all at once among an accepted program's members
        (:func:`~klaster.observations._sidecar_parquet_units.member_rows`: their sectors
        numbered then too); other parts, or every part when the program's members are not one
        polars frame, among their cluster's records
        (:func:`~klaster.observations._numbering.placed_ids`: a dict a cluster, their places
        kept for the units' sectors). Each is numbered with the records' own strings.
        """
        storage = self.reader.obs.storage
        program = self.reader.obs.program
        clusters = program.clusters
        keys, sizes = prepared.keys, prepared.sizes
        if not all(cluster in clusters for cluster, _ in keys):
            raise GiveUp
        sectors = self.bulk.sectors
        places = sectors.places
        members = member_rows(self.pl, self.np, program, prepared.part, keys, sizes)
        numbers = None if members is None else sectors.numbers(Level.MEMBER, members.sectors)
        listed = prepared.listed_but(set() if members is None else members.parts)
        for at, ((cluster, level), rows) in enumerate(zip(keys, sizes, strict=True)):
            where: Any = None  # (the units' places: a list, or a numpy array of a member part)
            if members is not None and at in members.parts:
                # Found once each among the cluster's members: the program's own strings.
                where = members.place_array(at)
                ids: Sequence[str] = members.own_ids(at, field_of(clusters[cluster].members, "id"))
                sectors.preset(cluster, level, members.kinds(at, numbers))
            else:
                ids = listed[at]
                found = placed_ids(clusters[cluster], level, ids)
                if found is not None:  # (their sectors are then read by their places)
                    ids, where = found
                    places[(cluster, level)] = where
            if storage.number_units(cluster, level, ids) is not None:
                raise GiveUp
            numbering = storage.numbering(cluster, level)
            if numbering is None or len(numbering.ids) != rows:
                raise GiveUp  # an ID twice: the exact reader says which
            if where is not None and level is Level.MEMBER:  # (a report reads units by place)
                numbering.keep_places(columns_of(clusters[cluster].members), where)

    def _group(self, group: Group) -> None:
        """Place a group of tables of one level and codes read (their values converted)."""
        pl, np = self.pl, self.np

        def convert(code: str, variable: Variable, layout: Layout) -> tuple[Any, Any]:
            present, values, scale = group.converted.pop(code)  # (let go once built)
            if isinstance(values, np.ndarray) and values.dtype.kind == "i":
                values = values.astype(np.int64, copy=False)  # (held narrow until now)
            return present, lambda: typed_columns(pl, np, variable, values, present, layout, scale)

        self.bulk.place(group.level, group.tables, None, group.codes, convert, group.known)
