"""Observation sidecar files: a program's survey data beside its program document.

Observations of a large program are too big for the program document, so they live in a
sidecar file: UTF-8 JSON Lines, one JSON value per line, written atomically (temporary file,
fsync, rename) and read strictly. The layout::

    {"klaster": "observations", "schema_version": 1, "program": "km",
     "variables": {"monthly_income": {"type": "decimal", "level": "member"}, ...},
     "rounds": [{"id": "btg-bl", "cluster_id": "bantaeng", "kind": "baseline",
                 "on": "2011-06-15"}, ...]}
    {"units": {"cluster": "bantaeng", "level": "member", "ids": ["BTG-0001", ...]}}
    {"table": {"round": "btg-bl", "level": "member", "columns": ["monthly_income", ...],
               "rows": 2}}
    ["BTG-0001", "1250000.00", 4]
    ["BTG-0002", null, 5]
    {"end": {"tables": 1, "rows": 2}}

The first line is the header (shown wrapped here; it is one line in the file). A ``units`` line
gives the order of a cluster's units at a level (so a file read back numbers units as the
store that wrote it did); a ``table`` line opens one round and level, followed by exactly
``rows`` row lines: the unit ID then one value per column, ``null`` where missing. Decimals are
strings in plain notation (``"1250000.00"``, exact), integers and booleans JSON numbers and
``true``/``false``, categories and text strings, dates ISO strings. The ``end`` line proves the
file is complete.

Reading goes through the same checks as :meth:`Observations.record_many
<klaster.observations.values.Observations.record_many>`, so a file can never hold what the
API would refuse; every error names the file and line. Reading builds a new store: a bad file
changes nothing. With polars and numpy installed, a file is first read column-wise
(:mod:`klaster.observations._sidecar_bulk`); anything that reader does not recognise or would
refuse is read again line by line by the exact reader, which locates the problem. The
header's ``schema_version`` is checked and older versions migrated by
:func:`klaster.documents.migrations.migrate`, as for program and finance documents.

A path ending in ``.parquet`` (any case) is the same document as one Parquet file instead
(:mod:`klaster.observations._sidecar_parquet` describes the layout: the header, units parts and
tables in the key-value metadata ``klaster``, the rows as typed columns ``unit``,
``unit_number`` and one per variable): :func:`save` writes and :func:`load` reads it by its
name, with the same checks, ``only=`` reading only those variables' columns, and errors located
by row and column (``x.parquet row 17 column 'workers': ...``). It needs polars (the
``columnar`` extra); a misnamed file of either kind is refused with a message that says so.

The verbs are those of program documents (``klaster.dumps/loads/save/load``): :func:`dumps` and
:func:`loads` for text, :func:`save` (atomic, the whole file replaced) and :func:`load` (a new
:class:`~klaster.observations.values.Observations` rebuilt through its checks) for files.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import EllipsisType

from klaster._support.aliases import warn_moved
from klaster._support.gc import gc_paused as _gc_paused
from klaster.catalogue.variable import Variable
from klaster.documents.files import atomic_write
from klaster.errors import DocumentError
from klaster.model.program import Program
from klaster.observations._sidecar_bulk import read_fast
from klaster.observations._sidecar_format import SIDECAR_KIND, SIDECAR_SCHEMA_VERSION
from klaster.observations._sidecar_parquet import (
    MAGIC,
    is_parquet,
    read_parquet,
    undeclared_in_parquet,
)
from klaster.observations._sidecar_parquet_ahead import Ahead, catalogue_of, read_ahead
from klaster.observations._sidecar_parquet_write import write_parquet
from klaster.observations._sidecar_prefetch import Prefetched, read_and_cut, read_stamped
from klaster.observations._sidecar_reader import Reader
from klaster.observations._sidecar_writer import write
from klaster.observations.selection import checked_only
from klaster.observations.set_aside import lost_on_save, undeclared_in_sidecar
from klaster.observations.values import Observations

__all__ = [
    "SIDECAR_KIND",
    "SIDECAR_SCHEMA_VERSION",
    "ReadAhead",
    "dumps",
    "load",
    "load_observations",
    "loads",
    "save",
    "save_observations",
]

Catalogue = Mapping[str, Variable] | Iterable[Variable] | None


def dumps(observations: Observations) -> str:
    """The sidecar text of ``observations`` (JSON Lines, see the module's layout).

    Raises:
        DocumentError: ``observations`` is not :class:`Observations`.
    """
    _check(observations, "<string>")
    buffer = io.StringIO()
    write(observations, buffer)
    return buffer.getvalue()


def loads(
    text: str | bytes,
    program: Program,
    variables: Catalogue = None,
    *,
    source: str = "<string>",
) -> Observations:
    """Read sidecar text into a new :class:`Observations` of ``program`` (see :func:`load`).

    Args:
        text: What :func:`dumps` wrote (``str``, or UTF-8 ``bytes``).
        program: The program the observations are about.
        variables: The variable catalogue (default: the core variables).
        source: Name of the text in messages.

    Raises:
        DocumentError, SchemaVersionError: As :func:`load`.
    """
    if not isinstance(text, (str, bytes)):
        raise DocumentError(
            f"{source}: sidecar text must be str or bytes, got {type(text).__name__}"
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DocumentError(
                f"{source}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
            ) from None
    with _gc_paused():
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: the exact reader locates the line
            data = None
        fast = None if data is None else read_fast(data, source, program, variables)
        if fast is not None:
            return fast
        return Reader(source, program, variables).read(io.StringIO(text, newline=""))


def save(observations: Observations, path: str | os.PathLike[str]) -> None:
    """Write observations to a sidecar file, atomically: the whole file is replaced, or nothing.

    Args:
        observations: The store to write.
        path: Destination (conventionally ``<program>.observations.jsonl``; a name ending in
            ``.parquet`` writes the Parquet form).

    Raises:
        DocumentError: ``observations`` is not :class:`Observations`, the file cannot be
            written, or it holds values of variables no loaded plugin declares that the
            observations lack (set aside when it was read: saving would lose them).
        KlasterError: A ``.parquet`` path without polars installed (the ``columnar`` extra).
    """
    _check(observations, str(path))
    parquet = is_parquet(path)
    held = (undeclared_in_parquet if parquet else undeclared_in_sidecar)(Path(path))
    lost = lost_on_save(held, observations.variables, str(path))
    if lost is not None:
        raise DocumentError(lost)
    if parquet:
        write_parquet(observations, path)
    else:
        atomic_write(path, lambda handle: write(observations, handle))


def load(
    path: str | os.PathLike[str],
    program: Program,
    variables: Catalogue = None,
    *,
    only: Iterable[str] | None = None,
) -> Observations:
    """Read a sidecar file into a new :class:`Observations` of ``program``.

    Args:
        path: The file written by :func:`save` (JSON Lines, or Parquet when its name ends in
            ``.parquet``).
        program: The program the observations are about (its ID must match the file's).
        variables: The variable catalogue (default: the core variables). Every variable in the
            file must be in it with the same type and level.
        only: Only these variables' values (see :func:`klaster.measurement.variables_needed`;
            the others are neither parsed nor checked); every round and surveyed unit still
            comes, and the observations are marked ``selected``: :func:`save` refuses them.

    Returns:
        A new store holding the file's rounds and values.

    Raises:
        DocumentError: The file cannot be read, is malformed or truncated, or holds a value,
            unit or round the API would refuse; the message names the file and line.
        SchemaVersionError: The file's schema version is missing, malformed or newer.
        KlasterError: A ``.parquet`` file without polars installed (the ``columnar`` extra).
    """
    return _load(Path(path), program, variables, only, None)


def _load(
    target: Path,
    program: Program,
    variables: Catalogue,
    only: Iterable[str] | None,
    ahead: Prefetched | Ahead | None,
) -> Observations:
    wanted = (
        None
        if only is None
        else checked_only(only, Reader(str(target), program, variables).obs.variables)
    )
    if is_parquet(target):
        with _gc_paused():
            found = read_parquet(
                target, program, variables, wanted, ahead if isinstance(ahead, Ahead) else None
            )
        found.storage.selected = wanted
        return found
    if not isinstance(ahead, Prefetched):
        ahead = None
    try:
        data, stamp = read_stamped(target)
    except OSError as exc:
        raise DocumentError(f"{target}: cannot read the file ({exc.strerror})") from None
    if data.startswith(MAGIC):
        raise DocumentError(
            f"{target}: a Parquet file; a Parquet sidecar is read by its name: call it "
            f"{target.stem}.parquet"
        )
    if ahead is not None and (ahead.only != wanted or ahead.stamp != stamp):
        ahead = None  # cut for other variables, or from another file: the reader cuts its own
    with _gc_paused():
        # Columnar first; anything it does not recognise is read (and located) line by line.
        fast = read_fast(data, str(target), program, variables, wanted, ahead)
        if fast is None:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DocumentError(
                    f"{target}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
                ) from None
            del data
            reader = Reader(str(target), program, variables)
            reader.only = wanted
            fast = reader.read(io.StringIO(text, newline=""))
        fast.storage.selected = wanted
        return fast


class ReadAhead:
    """A sidecar read ahead in a thread while its program is still being read.

    Reading a large program document keeps one core busy; meanwhile a read-ahead reads the
    sidecar and cuts its row lines into cells (polars, on the other core), for ``only`` these
    variables. :meth:`load` then reads the sidecar as :func:`load` does, checking everything,
    with the cuts made ahead taken instead of made again. It keeps the cuts, not the file's
    bytes: :meth:`load` reads the file again and takes them only if it is the file that was
    cut (the same inode, size and times). The result is the one :func:`load` gives; so are
    the errors, raised by :meth:`load`, never by the thread.

    A Parquet sidecar is read ahead further: all the work its reading needs no program for
    (the file's metadata, the ``only`` variables' columns, where each table's rows are, the
    units' numbers checked against their IDs, the values converted to typed arrays).
    :meth:`load` takes that work only while the file is the one read (the same inode, size
    and times), for the same variables and the same catalogue, and does what needs the
    program (the header's program and rounds, the units found among its records, their
    sectors, the values checked and stored, the plugins' checks); else it reads the file
    afresh. The bytes are let go once the work is done (a reader that gives up reads the file
    again), and the work is taken once: a second :meth:`load` reads the file.

    Args:
        path: The sidecar file.
        variables: The variable catalogue, as for :func:`load`.
        only: The variables :meth:`load` will be asked for (as for :func:`load`).

    Example:
        >>> import klaster
        >>> from klaster.examples import path
        >>> from klaster.observations import ReadAhead, variable_catalogue
        >>> ahead = ReadAhead(
        ...     path("bantaeng.observations.jsonl"), variable_catalogue(), only=["monthly_income"]
        ... )
        >>> observations = ahead.load(klaster.load(path("bantaeng.json")))
        >>> [r.id for r in observations.rounds()]
        ['btg-baseline', 'btg-endline']

    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        variables: Catalogue = None,
        *,
        only: Iterable[str] | None = None,
    ) -> None:
        import threading

        self.path = Path(path)
        self.variables = variables
        # As given (load() checks it as load does and names what is wrong); the codes to cut.
        self.only: Iterable[str] | None = only
        try:
            only = None if only is None else tuple((only,) if isinstance(only, str) else only)
            self.only = only
            checked = None if only is None else frozenset(only)
        except TypeError:  # not a list of codes: nothing cut, load() says why
            checked = frozenset()
        self._found: list[Prefetched | Ahead] = []
        self._thread: threading.Thread | None = None
        # A Parquet sidecar's work needs the catalogue: taken here, not read by the thread.
        held = catalogue_of(variables) if is_parquet(self.path) else None
        if held is None and is_parquet(self.path):
            return  # a catalogue given otherwise (an iterator...): load() reads it all
        # A daemon: a command that fails before load() does not wait for it to end.
        self._thread = threading.Thread(
            target=self._read,
            args=(checked, held),
            name="klaster-sidecar-read-ahead",
            daemon=True,
        )
        self._thread.start()

    def _read(self, only: frozenset[str] | None, held: Mapping[str, Variable] | None) -> None:
        """The thread's work (never raises): the sidecar read ahead, kept for :meth:`load`."""
        found = read_and_cut(self.path, only) if held is None else read_ahead(self.path, held, only)
        if found is not None:
            self._found.append(found)

    def load(
        self, program: Program, *, only: Iterable[str] | EllipsisType | None = ...
    ) -> Observations:
        """The observations of ``program`` in the file, as :func:`load` reads them.

        Args:
            program: The program (read meanwhile).
            only: The variables to read, ``None`` for all (default ``...``: those given when
                the read-ahead started; others are read as well, only without the work done
                ahead).

        Raises:
            DocumentError: As :func:`load`.
            SchemaVersionError: As :func:`load`.
            NotFoundError: ``only`` names an unknown variable.
        """
        if self._thread is not None:
            self._thread.join()
        wanted = self.only if only is ... else only
        ahead = self._found[0] if self._found else None
        if isinstance(ahead, Ahead):
            self._found.clear()  # (its work is taken once: a second load reads the file)
        return _load(self.path, program, self.variables, wanted, ahead)


def save_observations(observations: Observations, path: str | os.PathLike[str]) -> None:
    """Deprecated alias of :func:`save` (removed in the next release)."""
    warn_moved("klaster.observations.save_observations", "klaster.observations.save")
    save(observations, path)


def load_observations(
    path: str | os.PathLike[str], program: Program, variables: Catalogue = None
) -> Observations:
    """Deprecated alias of :func:`load` (removed in the next release)."""
    warn_moved("klaster.observations.load_observations", "klaster.observations.load")
    return load(path, program, variables)


def _check(observations: object, where: str) -> None:
    if not isinstance(observations, Observations):
        raise DocumentError(
            f"can only write Observations, got {type(observations).__name__}", path=where
        )
    partial = observations.storage.refuse_partial(where)
    if partial is not None:
        raise DocumentError(partial)
