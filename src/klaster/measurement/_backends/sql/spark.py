"""Spark SQL for the SQL backend: :data:`SPARK` (its dialect) and :class:`SparkRunner` (internal).

``Measurement(backend="spark")`` runs the same SQL the DuckDB engine runs, written for Spark:

- **No 128-bit integer.** Wide scaled integers are ``DECIMAL(38,0)``, and
  :attr:`Dialect.wide_max` is ``10**34 - 1`` (about 113 bits), not ``10**38 - 1``: Spark
  (4.3) negates and takes ``abs`` of a decimal through Scala's ``BigDecimal`` with its default
  34-digit context, so ``-x`` of a 35- to 38-digit value comes back *silently rounded* to 34
  digits (``+``, ``-``, ``*``, ``%``, ``/`` and ``sum`` are exact to 38). The compiler's bounds
  send anything larger to the polars or Python path (``Unsupported``), never rounded.
- **Integer division.** Spark's ``div`` truncates toward zero but *returns BIGINT*: on decimals
  whose quotient leaves 64 bits it wraps around silently, even with ANSI mode on. Its ``%`` on
  decimals is exact (truncating, the sign of the dividend), and its decimal ``/`` keeps at most
  38 - scale integral digits. So :meth:`SparkDialect.trunc_div` divides exactly by subtracting
  the remainder first (the division is then exact, nothing to round), the divisor cast to the
  narrowest type that holds it so the quotient fits the result type: exact up to ``wide_max``.
- **ANSI mode** (``spark.sql.ansi.enabled``): an overflow or a division by zero is an error, not
  a wrapped value or a silent ``NULL``; decimal arithmetic never loses precision
  (``spark.sql.decimalOperations.allowPrecisionLoss=false``). The runner sets both on its session
  (and restores them on :meth:`SparkRunner.close`).
- Identifiers are quoted with backticks.

pyspark (4.0 or later: Arrow in and out; its Arrow path imports pandas) is imported on use:
``pip install 'klaster[spark]'``, with a Java 17+ runtime.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Final

from attrs import frozen

from klaster.errors import KlasterError
from klaster.measurement._backends.sql.dialect import Dialect

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["SESSION_CONF", "SPARK", "SparkDialect", "SparkRunner", "local_session"]

SESSION_CONF: Final = {
    "spark.sql.ansi.enabled": "true",
    "spark.sql.decimalOperations.allowPrecisionLoss": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}
"""The runtime settings a :class:`SparkRunner` needs on its session (set on open)."""


@frozen
class SparkDialect(Dialect):
    """Spark SQL's dialect: ``DECIMAL(38,0)`` for wide values, an exact truncating division."""

    def trunc_div(self, a: str, b: str) -> str:
        """``a / b`` truncated toward zero, exact for ``|a|`` up to :attr:`wide_max` (``b`` not 0).

        ``(x - x % d) / d`` is an exact decimal division (nothing left to round); Spark gives
        its result ``38 - s`` integral digits, ``s`` growing with the divisor's declared
        precision, so the divisor is cast to the narrowest of ``DECIMAL(5,0)`` (36 digits),
        ``DECIMAL(18,0)`` (29: the quotient of a 34-digit value by ``10**5`` or more) and
        ``DECIMAL(38,0)`` (20: by ``10**18`` or more) that holds it.
        """
        x, d = self.widen(a), self.widen(b)
        narrow = [(10**5, self.cast(d, "DECIMAL(5,0)")), (10**18, self.cast(d, "DECIMAL(18,0)"))]
        whens = [(f"abs({d}) < {most}", _exact_div(x, typed)) for most, typed in narrow]
        return self.case(whens, _exact_div(x, d))

    def quotient(self, top: str, bottom: str) -> str:
        """``top / bottom`` rounded half-even to an integer; ``NULL`` where ``bottom`` is 0.

        The rule of :func:`klaster.measurement.division.quotient`: ``q`` truncated, ``r`` its
        remainder (Spark's ``%``: exact, the sign of ``top``); ``q`` moves one away from zero
        (the sign of the quotient) when ``2|r| > |bottom|``, or on a tie when ``q`` is odd.
        Shorter than the generic text (each operand written fewer times: Spark's planning time
        grows with the text), and no unary minus on a wide value (see the module's docstring).
        """
        a, b = self.widen(top), self.widen(bottom)
        q = self.trunc_div(a, b)
        twice, d = f"(2 * abs({a} % {b}))", f"abs({b})"
        sign = f"(CASE WHEN ({a} < 0) = ({b} < 0) THEN 1 ELSE -1 END)"
        odd = f"{q} % 2 <> 0"
        away = f"(CASE WHEN {twice} > {d} OR ({twice} = {d} AND {odd}) THEN {sign} ELSE 0 END)"
        return f"(CASE WHEN ({bottom}) = 0 THEN NULL ELSE {q} + {away} END)"


def _exact_div(x: str, d: str) -> str:
    """``x`` truncated toward zero by ``d``: the remainder taken off, then an exact division."""
    return f"CAST(({x} - {x} % {d}) / {d} AS DECIMAL(38,0))"


SPARK: Final = SparkDialect(
    "spark", int64="BIGINT", wide="DECIMAL(38,0)", wide_max=10**34 - 1, quote="`"
)
"""Spark SQL: ``DECIMAL(38,0)`` for wide values (up to 34 digits), exact division, backticks."""


def local_session(cores: int | str = "*", memory: str = "2g") -> Any:
    """A Spark session in local mode (this machine), or the active one if there is one.

    Args:
        cores: Worker threads (``local[cores]``).
        memory: The driver's memory (only when this starts the JVM).

    Raises:
        KlasterError: pyspark is not installed, or Java cannot start.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise KlasterError(
            "backend='spark' needs pyspark 4 and a Java 17+ runtime: pip install 'klaster[spark]'"
        ) from None
    builder = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("klaster")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", memory)
        .config("spark.sql.shuffle.partitions", "1" if cores == 1 else "4")
    )
    for key, value in SESSION_CONF.items():
        builder = builder.config(key, value)
    try:
        return builder.getOrCreate()
    except Exception as error:  # pyspark raises plain exceptions when Java is missing
        raise KlasterError(f"backend='spark': Spark could not start ({error})") from None


class SparkRunner:
    """Spark SQL: the active Spark session (a cluster's, if the caller made one), else local mode.

    Tables are registered as temporary views (dropped on :meth:`close`); queries come back as
    Arrow.

    Args:
        session: A ``pyspark.sql.SparkSession`` (default: the active one, or
            :func:`local_session`).

    Raises:
        KlasterError: pyspark is not installed, or Spark cannot start.
    """

    def __init__(self, session: Any | None = None) -> None:
        if session is None:
            try:
                from pyspark.sql import SparkSession
            except ImportError:
                session = local_session()  # raises the missing-extra message
            else:
                session = SparkSession.getActiveSession() or local_session()
        self._session: Any = session
        self._views: list[str] = []
        self._previous = {key: session.conf.get(key, None) for key in SESSION_CONF}
        for key, value in SESSION_CONF.items():
            session.conf.set(key, value)

    @property
    def dialect(self) -> Dialect:
        """Spark SQL's dialect."""
        return SPARK

    @property
    def session(self) -> Any:
        """The Spark session the queries run in."""
        return self._session

    def register(self, name: str, table: pa.Table) -> None:
        """Make ``table`` queryable as the temporary view ``name`` (sent to Spark as Arrow)."""
        with warnings.catch_warnings():
            # pyspark 4.3 warns that pandas 3 is "not yet fully supported" on every Arrow
            # conversion (it imports pandas there); the Arrow-to-Spark path is tested here.
            warnings.filterwarnings("ignore", "PySpark does not yet fully", FutureWarning)
            frame = self._session.createDataFrame(_spark_types(table))
        frame.createOrReplaceTempView(name)
        self._views.append(name)

    def query(self, sql: str) -> pa.Table:
        """The result of ``sql`` as an Arrow table (wide values as ``decimal128(38, 0)``).

        Raises:
            KlasterError: Spark refused the query or a value overflowed (ANSI mode).
        """
        from pyspark.errors import PySparkException

        try:
            result: pa.Table = self._session.sql(sql).toArrow()
        except PySparkException as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error)
            raise KlasterError(f"backend='spark': the query failed: {first}") from None
        return result

    def close(self) -> None:
        """Drop the views registered and restore the session's settings (it keeps running)."""
        for name in dict.fromkeys(self._views):
            self._session.catalog.dropTempView(name)
        self._views.clear()
        for key, value in self._previous.items():
            if value is None:
                self._session.conf.unset(key)
            else:
                self._session.conf.set(key, value)

    def __enter__(self) -> SparkRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _spark_types(table: pa.Table) -> pa.Table:
    """``table`` with ``string_view`` columns (polars' newer Arrow export) as plain strings.

    pyspark 4.3 refuses ``string_view`` (``UNSUPPORTED_DATA_TYPE_FOR_ARROW_CONVERSION``);
    ``large_string`` and dictionaries it reads as they are.
    """
    import pyarrow as pa

    fields = [
        pa.field(f.name, pa.string(), f.nullable) if pa.types.is_string_view(f.type) else f
        for f in table.schema
    ]
    wanted = pa.schema(fields)
    return table if wanted == table.schema else table.cast(wanted)
