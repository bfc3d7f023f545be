"""Where the SQL backend's queries run: a :class:`Runner` per engine (internal).

A runner takes Arrow tables in (:meth:`Runner.register`) and gives Arrow tables back
(:meth:`Runner.query`); the SQL it runs is written in its :attr:`Runner.dialect`.
:class:`DuckDBRunner` runs DuckDB in-process, reading the registered tables zero-copy. Spark's
``SparkRunner`` (local mode or a cluster, with the ``SPARK`` dialect) lives in
:mod:`klaster.measurement._backends.sql.spark`.

duckdb and pyarrow are imported on use (the ``sql`` extra: ``pip install 'klaster[sql]'``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from klaster.errors import KlasterError
from klaster.measurement._backends.sql.dialect import DUCKDB, Dialect

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["DuckDBRunner", "Runner"]


class Runner(Protocol):
    """An SQL engine the backend hands tables to and runs queries on."""

    @property
    def dialect(self) -> Dialect:
        """How to write SQL for this engine."""
        ...

    def register(self, name: str, table: pa.Table) -> None:
        """Make ``table`` queryable as ``name`` (replacing any table of that name)."""
        ...

    def query(self, sql: str) -> pa.Table:
        """The result of ``sql`` as an Arrow table."""
        ...

    def close(self) -> None:
        """Release the engine's resources (the runner is unusable after)."""
        ...


class DuckDBRunner:
    """DuckDB embedded: an in-memory database in this process.

    Args:
        threads: DuckDB's worker threads (default: DuckDB's, one per core).

    Raises:
        KlasterError: duckdb or pyarrow is not installed.
    """

    def __init__(self, threads: int | None = None) -> None:
        try:
            import duckdb
            import pyarrow  # noqa: F401  (results come back as Arrow)
        except ImportError:
            raise KlasterError(
                "backend='duckdb' needs duckdb and pyarrow: pip install 'klaster[sql]'"
            ) from None
        self._connection: Any = duckdb.connect(":memory:")
        if threads is not None:
            self._connection.execute(f"SET threads TO {int(threads)}")

    @property
    def dialect(self) -> Dialect:
        """DuckDB's dialect."""
        return DUCKDB

    def register(self, name: str, table: pa.Table) -> None:
        """Make ``table`` queryable as ``name`` (scanned in place, not copied)."""
        self._connection.register(name, table)

    def query(self, sql: str) -> pa.Table:
        """The result of ``sql`` as an Arrow table (``HUGEINT`` as ``decimal128(38, 0)``).

        Raises:
            KlasterError: DuckDB refused the query or a value overflowed (never a raw duckdb
                error; the values are not repeated).
        """
        import duckdb

        try:
            result: pa.Table = self._connection.sql(sql).to_arrow_table()
        except duckdb.Error as error:
            text = str(error).strip()
            first = text.splitlines()[0] if text else type(error).__name__
            raise KlasterError(f"backend='duckdb': the query failed: {first}") from None
        return result

    def close(self) -> None:
        """Close the in-memory database."""
        self._connection.close()

    def __enter__(self) -> DuckDBRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
