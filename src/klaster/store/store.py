"""The :class:`Store`: one SQLite file per program, read and written in transactions.

See ``docs/store.md`` for the tables, the concurrency and fault guarantees and the migration
policy.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType

from klaster._support.gc import gc_paused
from klaster.catalogue.variable import Variable
from klaster.errors import NotFoundError, StoreError, ValidationError
from klaster.finance.book import Finance
from klaster.importing.batch import ImportBatch
from klaster.model.cluster import Cluster
from klaster.model.lifecycle import Guard, Override, Phase, PhaseChange
from klaster.model.program import Program
from klaster.model.records import Records
from klaster.observations.rounds import Round
from klaster.observations.values import Observations
from klaster.store import _finance, _imports, _keys, _loading, _observations, _program, _schema
from klaster.store._connection import connect, reading, translate, use_wal, writing
from klaster.store.status import StoreStatus, read_status
from klaster.store.summary import ImportSummary

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
        if not isinstance(program, Program):
            raise StoreError(f"{target}: a store holds a Program, got {type(program).__name__}")
        if observations is not None and not isinstance(observations, Observations):
            raise StoreError(
                f"{target}: observations must be Observations, got {type(observations).__name__}"
            )
        books = [] if finance is None else _finance.as_books(finance)
        if os.path.lexists(target):
            raise StoreError(
                f"{target}: a file is already there; Store.create makes a new store (open an "
                "existing one with Store.open)"
            )
        program.validate()
        tmp = _temporary(target)
        try:
            conn = connect(tmp, timeout=0, readonly=False, create=True)
            try:
                use_wal(conn, target)
                with writing(conn, target, "create the store"), gc_paused():
                    _schema.create_schema(conn, program.id)
                    _program.insert_program(conn, program)
                    if observations is not None:
                        _observations.replace_observations(conn, observations, target)
                    if books:
                        _finance.save_finance(conn, target, books)
            finally:
                conn.close()  # the last connection: SQLite folds the WAL into the file
            _put_in_place(tmp, target)
        finally:
            for leftover in (tmp, *(tmp.with_name(tmp.name + s) for s in ("-wal", "-shm"))):
                leftover.unlink(missing_ok=True)
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
            version = cls._checked_version(conn, target, readonly)
            if not readonly:
                use_wal(conn, target)
        except BaseException:
            conn.close()
            raise
        return cls(target, conn, version, readonly)

    @staticmethod
    def _checked_version(conn: sqlite3.Connection, target: Path, readonly: bool) -> int:
        with reading(conn, target, "open the store"):
            version = _schema.stored_version(conn, str(target))
        _schema.check_version(version, str(target))
        current = _schema.STORE_SCHEMA_VERSION
        if version == current:
            return version
        if readonly:
            raise StoreError(
                f"{target}: the store has schema version {version} and needs migrating to "
                f"{current}; open it once without readonly=True"
            )
        with writing(conn, target, "migrate the store"):
            version = _schema.stored_version(conn, str(target))  # another process may have
            if version < current:
                _schema.migrate(conn, version, str(target))
        return current

    def close(self) -> None:
        """Close the store (further calls raise :class:`StoreError`)."""
        if self._conn is not None:
            with translate(self._path, "close the store"):
                self._conn.close()
            self._conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
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
        if not isinstance(program, Program):
            raise StoreError(f"{self._path}: can only save a Program, got {type(program).__name__}")
        program.validate()
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
        guards = () if guard is None else (guard,)
        with self._write("record the phase change") as conn:
            cluster = _loading.load_cluster(conn, self._path, cluster_id)
            change = cluster.move(
                phase, on, reason=reason, decided_by=decided_by, guards=guards, override=override
            )
            seq = len(cluster.lifecycle.history) - 1
            _program.insert_changes(conn, cluster_id, seq, [change])
        return change

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
        variables: Mapping[str, Variable] | Iterable[Variable] | None = None,
        *,
        program: Program | None = None,
        cluster_id: str | None = None,
        round_id: str | None = None,
    ) -> Observations:
        """The stored observations (of one cluster or one round), checked as when recorded.

        Args:
            variables: The variable catalogue (default: the core variables and the loaded
                plugins' variables); every stored variable must be in it, unchanged.
            program: The program the observations are of (default: the stored one, or only the
                clusters asked for).
            cluster_id: Only this cluster's rounds.
            round_id: Only this round.

        Raises:
            NotFoundError: No such cluster or round.
            StoreError: A stored variable is not in ``variables`` or differs from it.
        """
        catalogue = _keys.default_catalogue() if variables is None else variables
        with self._read("load the observations") as conn, gc_paused():
            selected = self._selected(conn, cluster_id, round_id)
            if program is not None:
                _check_program(conn, self._path, program)
            elif cluster_id is None and round_id is None:
                program = _loading.load_program(conn, self._path)
            else:
                wanted = {cluster_id} if cluster_id else {r.cluster_id for _, r in selected}
                clusters = [_loading.load_cluster(conn, self._path, c) for c in wanted]
                program = _loading.program_of(conn, self._path, clusters)
            return _observations.load_observations(conn, self._path, catalogue, program, selected)

    def _selected(
        self, conn: sqlite3.Connection, cluster_id: str | None, round_id: str | None
    ) -> list[tuple[int, Round]]:
        if cluster_id is not None:
            _loading.require_cluster(conn, cluster_id)
        found = _keys.stored_rounds(conn, self._path, cluster_id)
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

    def save_observations(self, observations: Observations) -> None:
        """Replace every stored round and value with those of ``observations``."""
        if not isinstance(observations, Observations):
            raise StoreError(
                f"{self._path}: can only save Observations, got {type(observations).__name__}"
            )
        with self._write("save the observations") as conn, gc_paused():
            _observations.replace_observations(conn, observations, self._path)

    # -- finance --------------------------------------------------------------------------------
    def load_finance(self, program: Program | None = None) -> Records[Finance]:
        """The finance books, by cluster ID, each replayed through the finance rules.

        Args:
            program: If given, the books are checked against it (its ID, the cooperatives the
                books name) as :func:`klaster.finance.load_finance` does.
        """
        with self._read("load the finance books") as conn, gc_paused():
            books = _finance.load_books(conn, self._path)
        if program is not None:
            problems = [
                p
                for i, book in enumerate(books)
                for p in _finance.fit_problems(
                    book, program.id, _cooperatives(program, book.cluster_id), f"books[{i}]"
                )
            ]
            if problems:
                listing = "".join(f"\n  - {p}" for p in problems)
                raise StoreError(f"{self._path}: the stored books do not fit the program:{listing}")
        return books

    def save_finance(self, books: Finance | Iterable[Finance]) -> None:
        """Add what is new in ``books``, in one transaction (stored records never change).

        Raises:
            StoreError: A book of another program or cluster, a party that is not the program or
                one of the cluster's cooperatives, or a stored record the book changed.
        """
        listed = _finance.as_books(books)
        with self._write("save the finance books") as conn:
            _finance.save_finance(conn, self._path, listed)

    # -- imports --------------------------------------------------------------------------------
    def apply_import(
        self, batch: ImportBatch, *, progress: Callable[[int, int], None] | None = None
    ) -> ImportSummary:
        """Write an import batch in one transaction: all of it or none of it.

        Submissions the store already holds (same ``_uuid``) are skipped; new members join
        their groups; observation values are added (a value for a unit already recorded in the
        round replaces it, as a correction).

        Args:
            batch: What :func:`klaster.importing.read_submissions` read.
            progress: Called as ``progress(done, total)`` while writing, counting the members
                registered and the values written.

        Raises:
            ImportDataError: Something in the batch does not fit the store (an unknown unit or
                round, a member already stored, a wrong value); every problem is listed with
                its file and row, and nothing is written.
            StoreBusyError: Another process held the write lock for longer than the timeout.
        """
        with self._write("apply the import") as conn, gc_paused():
            return _imports.apply_import(conn, self._path, batch, progress)

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
            found = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
            broken = conn.execute("PRAGMA foreign_key_check").fetchall()
            units = _keys.orphan_units(conn)
            values = _keys.orphan_values(conn)
        if found != ["ok"]:
            shown = "; ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
            raise StoreError(
                f"{self._path}: the integrity check failed ({shown}); restore the store from a "
                "backup"
            )
        problems = sorted({f"{row[0]} → {row[2]}" for row in broken})
        if units:
            problems.append(f"units → members/groups/cooperatives ({units})")
        if values:
            problems.append(f"observation_values → rounds/variables/units ({values} rows)")
        if problems:
            raise StoreError(
                f"{self._path}: the foreign-key check failed: rows refer to missing records "
                f"({'; '.join(problems)}); the store was changed outside klaster"
            )


def _check_program(conn: sqlite3.Connection, path: Path, program: Program) -> None:
    stored = _loading.program_header(conn, path)[0]
    if not isinstance(program, Program) or program.id != stored:
        given = program.id if isinstance(program, Program) else type(program).__name__
        raise StoreError(f"{path}: the store holds program {stored!r}, not {given!r}")


def _cooperatives(program: Program, cluster_id: str) -> set[str]:
    cluster = program.clusters.get(cluster_id)
    return set() if cluster is None else set(cluster.cooperatives.ids())


def _temporary(target: Path) -> Path:
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise StoreError(f"{target}: cannot create the store ({exc.strerror or exc})") from None
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)  # mkstemp's 0600: give it an ordinary file's mode
    return Path(name)


def _put_in_place(tmp: Path, target: Path) -> None:
    # A hard link fails if something appeared at target meanwhile: never overwrite a store.
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise StoreError(
            f"{target}: a file appeared there while the store was being created; nothing was "
            "overwritten"
        ) from None
    except OSError:  # no hard links on this file system
        if os.path.lexists(target):
            raise StoreError(
                f"{target}: a file is already there; nothing was overwritten"
            ) from None
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise StoreError(f"{target}: cannot create the store ({exc.strerror or exc})") from None
