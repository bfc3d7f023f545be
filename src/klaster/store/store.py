"""The :class:`Store`: one SQLite file per program, read and written in transactions.

See ``docs/store.md`` for the tables, concurrency and fault guarantees and migration policy.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from klaster._support.aliases import warn_moved
from klaster._support.gc import gc_paused
from klaster.catalogue.variable import Variable
from klaster.errors import StoreError, ValidationError
from klaster.importing.batch import ImportBatch
from klaster.model.cluster import Cluster
from klaster.model.lifecycle import Guard, Override, Phase, PhaseChange
from klaster.model.program import Program
from klaster.model.records import Records
from klaster.observations.rounds import Round
from klaster.observations.values import Observations
from klaster.store import _books, _imports, _keys, _loading, _observations, _program, _schema
from klaster.store._connection import connect, reading, translate, use_wal, writing
from klaster.store._creation import create_file
from klaster.store._import_run import Progress
from klaster.store._integrity import check_integrity
from klaster.store.status import StoreStatus, read_status
from klaster.store.summary import ImportSummary

if TYPE_CHECKING:  # the finance package loads when books are read or written (_books.py)
    from klaster.finance.book import Finance

__all__ = ["Store"]


class Store:
    """A program's embedded store: one SQLite file with the program, observations and finance.

    Everything is held in real tables (see ``docs/store.md``). Build one with :meth:`create` or
    :meth:`open`, never directly. Every write is one transaction that takes the store's write
    lock (``BEGIN IMMEDIATE``): a second writer waits up to ``timeout`` seconds, then gets
    :class:`~klaster.errors.StoreBusyError`; readers never see half a write, and a process
    killed mid-write leaves the store as it was. Use it as a context manager, or call
    :meth:`close`.

    Example:
        >>> import klaster, tempfile, pathlib
        >>> program = klaster.Program(id="km", name="Klaster Mandiri", organisation_id="dd",
        ...     organisations=[klaster.Organisation("dd", "Dompet Dhuafa", "ngo")])
        >>> folder = tempfile.mkdtemp()
        >>> with Store.create(pathlib.Path(folder) / "km.klaster", program) as store:
        ...     store.load_program() == program
        True
    """

    def __init__(
        self, path: Path, connection: sqlite3.Connection, schema_version: int, readonly: bool
    ) -> None:
        self._path = path
        self._conn: sqlite3.Connection | None = connection
        self._schema_version = schema_version
        self._readonly = readonly
        self._snapshot = False  # inside snapshot(): reads join its transaction

    # -- opening and closing --------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        program: Program,
        *,
        observations: Observations | None = None,
        finance: Finance | Iterable[Finance] | None = None,
    ) -> Store:
        """Create a store file holding ``program`` (and its observations and finance books).

        The store is built beside ``path`` under a temporary name and put in place only when
        complete: a failure leaves no file.

        Args:
            path: Where the store goes; nothing may be there yet.
            program: The program.
            observations: Its survey rounds and values, if any.
            finance: Its finance books (one :class:`~klaster.finance.Finance` or several).

        Returns:
            The new store, open for reading and writing.

        Raises:
            StoreError: A file is already at ``path``, the folder cannot be written, or the
                observations or books do not fit the program.
            KlasterError: The program is invalid (as :meth:`Program.validate`).
        """
        target = Path(path)
        create_file(target, program, observations, finance)
        return cls.open(target)

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], *, timeout: float = 5.0, readonly: bool = False
    ) -> Store:
        """Open an existing store, migrating an older schema in one transaction.

        Args:
            path: The store file.
            timeout: Seconds a write waits for another process's write to finish.
            readonly: Open for reading only (the file is never changed; no migration).

        Raises:
            StoreError: No file there, not a klaster store, or a store that needs a migration
                opened read-only.
            SchemaVersionError: The store was written by a newer klaster.
        """
        target = Path(path)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0:
            raise ValidationError(
                f"must be a number of seconds from 0, got {timeout!r}", path="timeout"
            )
        if not target.is_file():
            raise StoreError(f"{target}: no store there; create one with Store.create")
        conn = connect(target, timeout=float(timeout), readonly=readonly)
        try:
            version = _schema.open_version(conn, target, readonly)
            if not readonly:
                use_wal(conn, target)
        except BaseException:
            conn.close()
            raise
        return cls(target, conn, version, readonly)

    def close(self) -> None:
        """Close the store (further calls raise :class:`StoreError`)."""
        if self._conn is not None:
            with translate(self._path, "close the store"):
                self._conn.close()
            self._conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._conn is None else f"schema {self._schema_version}"
        return f"<Store {str(self._path)!r} ({state})>"

    @property
    def path(self) -> Path:
        """The store file."""
        return self._path

    @property
    def schema_version(self) -> int:
        """The store's schema version (the current one once opened and migrated)."""
        return self._schema_version

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"{self._path}: the store is closed; open it again with Store.open")
        return self._conn

    def _read(self, action: str) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        if self._snapshot:
            return contextlib.nullcontext(self._live())
        return reading(self._live(), self._path, action)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Store]:
        """Read several things from one committed state of the store.

        Each read method is its own read transaction, so two calls can straddle another
        process's commit. Inside ``with store.snapshot():`` every read sees the same state (WAL
        keeps it for the reader while writers go on); writes are refused until it ends.

        Raises:
            StoreError: Nested snapshots, or a write inside one.

        Example:
            >>> import pathlib, tempfile, klaster
            >>> program = klaster.Program("km", "Klaster Mandiri", "dd",
            ...     organisations=[klaster.Organisation("dd", "Dompet Dhuafa", "ngo")])
            >>> store = Store.create(pathlib.Path(tempfile.mkdtemp()) / "km.klaster", program)
            >>> with store.snapshot():
            ...     store.cluster_ids(), len(store.rounds())
            ((), 0)
            >>> store.close()
        """
        if self._snapshot:
            raise StoreError(f"{self._path}: a snapshot is already open on this store")
        with reading(self._live(), self._path, "read a snapshot"):
            self._snapshot = True
            try:
                yield self
            finally:
                self._snapshot = False

    def _write(self, action: str) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        if self._snapshot:
            raise StoreError(f"{self._path}: cannot {action} inside snapshot(); end it first")
        return writing(self._live(), self._path, action)

    # -- the program ----------------------------------------------------------------------------
    def load_program(self) -> Program:
        """The whole program, rebuilt through the model's constructors."""
        with self._read("load the program") as conn, gc_paused():
            return _loading.load_program(conn, self._path)

    def save_program(self, program: Program) -> None:
        """Replace the stored program's records with ``program``'s, in one transaction.

        Raises:
            StoreError: ``program`` is another program, rewrites (rather than extends) a
                cluster's lifecycle history, or drops a record that observations or finance
                records refer to.
        """
        _program.check_program(program, self._path)
        with self._write("save the program") as conn, gc_paused():
            _program.replace_program(conn, program, self._path)

    def cluster_ids(self) -> tuple[str, ...]:
        """The IDs of the stored clusters, in program order."""
        with self._read("list the clusters") as conn:
            return _loading.cluster_ids(conn)

    def load_cluster(self, cluster_id: str) -> Cluster:
        """One cluster with its members, groups, cooperatives and history (nothing else).

        Raises:
            NotFoundError: No such cluster.
        """
        with self._read("load a cluster") as conn, gc_paused():
            return _loading.load_cluster(conn, self._path, cluster_id)

    def advance(
        self,
        cluster_id: str,
        phase: Phase | str,
        *,
        on: _dt.date,
        reason: str,
        decided_by: str,
        guard: Guard | None = None,
        override: Override | None = None,
    ) -> PhaseChange:
        """Move a cluster's lifecycle to ``phase`` by the model's rules, in one transaction.

        The cluster is loaded under the store's write lock, moved with
        :meth:`Cluster.move <klaster.Cluster.move>` (``guard`` checks it for guarded moves), and
        the new :class:`~klaster.PhaseChange` is appended to the stored history.

        Raises:
            LifecycleError: The move is not allowed now (nothing is written).
            ReadinessError: A guard check failed and no override was given.
            NotFoundError: No such cluster.
        """
        with self._write("record the phase change") as conn:
            return _program.move_cluster(
                conn, self._path, cluster_id, phase, on, reason, decided_by, guard, override
            )

    # -- rounds and observations ----------------------------------------------------------------
    def rounds(self, cluster_id: str | None = None) -> tuple[Round, ...]:
        """The stored survey rounds (of one cluster), ordered by date then kind."""
        with self._read("list the rounds") as conn:
            if cluster_id is not None:
                _loading.require_cluster(conn, cluster_id)
            return _keys.rounds(conn, self._path, cluster_id)

    def add_round(self, round: Round) -> Round:
        """Add a survey round after checking it against the stored rounds; return it.

        Raises:
            DuplicateIdError, ValidationError: As
                :meth:`Observations.add_round <klaster.measurement.Observations.add_round>`.
            InvalidReferenceError: Its cluster is not in the store.
        """
        if not isinstance(round, Round):
            raise ValidationError(f"must be a Round, got {type(round).__name__}", path="round")
        with self._write("add the round") as conn:
            _keys.add_round(conn, self._path, round)
        return round

    def load_observations(
        self,
        program: Program | None = None,
        variables: Mapping[str, Variable] | Iterable[Variable] | None = None,
        *,
        cluster_id: str | None = None,
        round_id: str | None = None,
        only: Iterable[str] | None = None,
    ) -> Observations:
        """The stored observations (of one cluster or one round), rebuilt through their checks.

        Args:
            program: The program the observations are of (default: the stored one, or only the
                clusters asked for).
            variables: The variable catalogue (default: the core variables and the loaded
                plugins' variables); every stored variable must be in it, unchanged.
            cluster_id: Only this cluster's rounds.
            round_id: Only this round.
            only: Only these variables' values (see :func:`klaster.measurement.variables_needed`);
                every round and surveyed unit still comes; marked ``selected``, never saved.

        Raises:
            NotFoundError: No such cluster or round, or an unknown code in ``only``.
            StoreError: Another ``program``; a stored variable not in ``variables`` or unlike it.
        """
        if program is not None and not isinstance(program, Program) and variables is None:
            warn_moved("Store.load_observations(variables)", "load_observations(variables=...)")
            program, variables = None, program
        catalogue = _keys.default_catalogue() if variables is None else variables
        with self._read("load the observations") as conn, gc_paused():
            return _observations.load_selected(
                conn, self._path, catalogue, program, cluster_id, round_id, only=only
            )

    def save_observations(self, observations: Observations) -> None:
        """Replace every stored round and value with those of ``observations``, all or nothing."""
        _observations.check_observations(observations, self._path)
        with self._write("save the observations") as conn, gc_paused():
            _observations.replace_observations(conn, observations, self._path)

    # -- finance --------------------------------------------------------------------------------
    def load_finance(self, program: Program | None = None) -> Records[Finance]:
        """The finance books, by cluster ID, each replayed through the finance rules.

        Args:
            program: Also check against it (they always are against the stored program, as in
                :mod:`klaster.finance.program_fit`).
        """
        with self._read("load the finance books") as conn, gc_paused():
            books = _books.load_books(conn, self._path)
        return books if program is None else _books.check_fit(books, program, self._path)

    def save_finance(self, books: Finance | Iterable[Finance]) -> None:
        """Make the stored books those of ``books``, all or nothing.

        Books are append-only, so the stored ones may only be extended: what is new is added.

        Raises:
            StoreError: A book that does not fit the stored program (as in
                :mod:`klaster.finance.program_fit`), or a stored record the book changed.
        """
        with self._write("save the finance books") as conn:
            _books.save_finance(conn, self._path, _books.as_books(books))

    # -- imports --------------------------------------------------------------------------------
    def apply_import(
        self, batch: ImportBatch, *, progress: Progress | None = None, on_conflict: str = "refuse"
    ) -> ImportSummary:
        """Write an import batch in one transaction: all of it or none of it.

        Submissions held already (same ``_uuid``) are skipped. An answer given twice (unit, round)
        is refused naming both, unless ``on_conflict="replace"`` (later wins) or it is an edit.

        Args:
            batch: What :func:`klaster.importing.read_submissions` read.
            progress: Called as ``progress(done, total)`` while writing.
            on_conflict: ``"refuse"`` (the default) or ``"replace"`` (docs/importing.md).

        Raises:
            ImportDataError: Something in the batch does not fit the store (an unknown unit or
                round, an answer given twice, a bad value); every problem located, nothing written.
            StoreBusyError: Another process held the write lock for longer than the timeout.
        """
        with self._write("apply the import") as conn, gc_paused():
            return _imports.apply_import(conn, self._path, batch, progress, on_conflict)

    def known_submissions(self, ids: Iterable[str]) -> frozenset[str]:
        """Which of ``ids`` (submission ``_uuid`` s) the store already holds."""
        with self._read("look up submissions") as conn:
            return _imports.known_submissions(conn, ids)

    # -- checks ---------------------------------------------------------------------------------
    def status(self, *, on: _dt.date | None = None) -> StoreStatus:
        """Counts per cluster, from SQL (the program is not loaded).

        Args:
            on: The day ``active_members`` counts (default: today).
        """
        with self._read("read the store's status") as conn:
            return read_status(conn, self._path, self._schema_version, on or _dt.date.today())

    def integrity_check(self) -> None:
        """Run SQLite's integrity check and foreign-key check.

        Raises:
            StoreError: Naming what failed (pages, indexes, tables); restore from a backup.
        """
        with self._read("check the store") as conn:
            check_integrity(conn, self._path, self._schema_version)
