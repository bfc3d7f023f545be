"""Raw data as frames for analysts: members, groups, memberships, observations, figures, ledger.

Every function returns a ``polars.DataFrame`` (:func:`to_pandas` turns one into pandas). Member
IDs (and applicant IDs) are **pseudonymised** wherever they appear (``p_`` and 16 hex digits,
:class:`~klaster.exports.pseudonym.Pseudonymiser`), the same in every frame so joins work, and
names, national ID numbers (NIK) and phone numbers are left out. ``personal=True`` asks for the
register as it is: real IDs and the personal columns (``name``, ``national_id``, ``phone``; the
ledger's ``memo``).

The pseudonymiser is the one given; without one, the secret in ``KLASTER_PSEUDONYM_SECRET``
when it is set, else a random secret of this Python session (:func:`session_pseudonymiser`):
pseudonyms then join across this session's frames but not with another session's. Files that
outlive the session are written by :func:`klaster.exports.write_tidy`, which needs a secret.

Values are exact: decimals are ``Decimal(38, scale)``, money whole Rupiah; dates are dates.
Polars is imported when a frame is made (``pip install 'klaster[columnar]'``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from klaster._support.dataframes import require
from klaster._support.gc import gc_paused
from klaster.catalogue.variable import Level
from klaster.errors import KlasterError
from klaster.exports import _frame_ledger, _frame_observations, _frame_program
from klaster.exports.pseudonym import SECRET_ENV, Pseudonymiser
from klaster.finance.book import Finance
from klaster.measurement.results import Results
from klaster.model.program import Program
from klaster.observations.queries import parse_level
from klaster.observations.values import Observations

__all__ = [
    "PERSONAL_COLUMNS",
    "figures",
    "groups",
    "ledger_entries",
    "members",
    "memberships",
    "observations_long",
    "observations_wide",
    "session_pseudonymiser",
    "to_pandas",
]

PERSONAL_COLUMNS = (*_frame_program.PERSONAL_COLUMNS, "memo")
"""Columns only a ``personal=True`` frame has."""

_SESSION: list[Pseudonymiser] = []


def session_pseudonymiser() -> Pseudonymiser:
    """The pseudonymiser frames use when none is given.

    From ``KLASTER_PSEUDONYM_SECRET`` when it is set (stable across sessions), else a random
    secret made once per Python process and kept in memory only.

    Raises:
        KlasterError: ``KLASTER_PSEUDONYM_SECRET`` is set but too short.
    """
    if os.environ.get(SECRET_ENV):
        return Pseudonymiser.from_env()
    if not _SESSION:
        _SESSION.append(Pseudonymiser(secrets.token_bytes(32)))
    return _SESSION[0]


def _ids(pseudonymiser: Pseudonymiser | None, personal: bool) -> _frame_program.Ids:
    if personal:
        if pseudonymiser is not None:
            raise KlasterError(
                "personal=True exports the register's own IDs; give a pseudonymiser or "
                "personal=True, not both"
            )
        return lambda ids, where: list(ids)
    chosen = pseudonymiser if pseudonymiser is not None else session_pseudonymiser()
    if not isinstance(chosen, Pseudonymiser):
        raise KlasterError(f"pseudonymiser: must be a Pseudonymiser, got {type(chosen).__name__}")
    pl = _polars()

    def shown(ids: Any, where: str) -> Any:
        column = ids if isinstance(ids, pl.Series) else pl.Series(list(ids), dtype=pl.String)
        return chosen.series(column, where=where)  # a column at a time, no Python call per ID

    return shown


def _polars() -> Any:
    return require("polars", "klaster.exports.frames")


def members(
    program: Program, *, pseudonymiser: Pseudonymiser | None = None, personal: bool = False
) -> Any:
    """One row per member, without the personal fields unless ``personal``.

    Columns: ``member_id``, ``cluster_id``, sex, household size, village, sector, business
    type, joined, left, birth year, ``application_id`` (+ name, NIK, phone if personal).

    Raises:
        KlasterError: polars is missing, or two IDs got one pseudonym (use another secret).
    """
    with gc_paused():  # a million records' columns: no collector passes over the program
        return _frame_program.members(_polars(), program, _ids(pseudonymiser, personal), personal)


def groups(program: Program) -> Any:
    """One row per group (no member IDs: :func:`memberships` links members and groups)."""
    with gc_paused():
        return _frame_program.groups(_polars(), program)


def memberships(
    program: Program, *, pseudonymiser: Pseudonymiser | None = None, personal: bool = False
) -> Any:
    """One row per spell of a member in a group: group, cluster, member, role, joined, left."""
    with gc_paused():
        return _frame_program.memberships(_polars(), program, _ids(pseudonymiser, personal))


def observations_long(
    observations: Observations,
    *,
    levels: Iterable[Level | str] = tuple(Level),
    pseudonymiser: Pseudonymiser | None = None,
    personal: bool = False,
) -> Any:
    """One row per recorded value, rounds in date order.

    Columns: ``cluster_id``, ``round_id``, ``round_kind``, ``round_on``, ``level``, ``unit_id``
    (a member's pseudonym), ``variable``, ``type`` and one value column per kind: ``number``
    (exact ``Decimal``; integers too), ``boolean``, ``text`` (categories and text), ``date``.
    Missing values have no row.
    """
    query, _ = observations_long_query(
        observations, levels=levels, pseudonymiser=pseudonymiser, personal=personal
    )
    return query.collect()


def observations_long_query(
    observations: Observations,
    *,
    levels: Iterable[Level | str] = tuple(Level),
    pseudonymiser: Pseudonymiser | None = None,
    personal: bool = False,
) -> tuple[Any, int]:
    """:func:`observations_long` as a polars ``LazyFrame`` and its number of rows; internal.

    The values are read and the IDs pseudonymised now; the query holds what is left, polars'
    own work, so :func:`klaster.exports.write_tidy` streams it into its file
    (``sink_parquet``) or collects it while the next table is built.
    """
    np = require("numpy", "klaster.exports.frames")
    chosen = [parse_level(level) for level in levels]
    ids = _ids(pseudonymiser, personal)
    with gc_paused():
        return _frame_observations.long_query(_polars(), np, observations, ids, chosen)


def observations_wide(
    observations: Observations,
    *,
    level: Level | str = Level.MEMBER,
    pseudonymiser: Pseudonymiser | None = None,
    personal: bool = False,
) -> Any:
    """One row per surveyed unit and round (rounds in date order), one column per variable.

    The keys are those of :func:`observations_long`; each variable keeps its type (categories
    as a polars ``Enum`` in the catalogue's order); a value not recorded is null.
    """
    np = require("numpy", "klaster.exports.frames")
    ids = _ids(pseudonymiser, personal)
    with gc_paused():
        return _frame_observations.wide(_polars(), np, observations, ids, parse_level(level))


def ledger_entries(
    books: Finance | Iterable[Finance],
    *,
    pseudonymiser: Pseudonymiser | None = None,
    personal: bool = False,
) -> Any:
    """One row per posting of the books' ledgers.

    Columns: ``cluster_id``, ``entry`` (its number in the book), ``on``, ``kind``, ``fund_id``,
    ``loan_id``, ``spending_id``, ``party_kind`` and ``party_id`` (the borrower or recipient; a
    member's pseudonym), ``debit``/``credit`` (account kinds) with their ``_ref`` (a savings
    account's member as a pseudonym), ``amount`` (whole Rupiah); ``memo`` only if personal.
    """
    chosen = [books] if isinstance(books, Finance) else list(books)
    ids = _ids(pseudonymiser, personal)
    with gc_paused():
        return _frame_ledger.ledger(_polars(), chosen, ids, personal)


def figures(results: Results) -> Any:
    """The indicator figures (:meth:`Results.to_records`), exact values as ``Decimal``.

    Figures are counts, sums and shares of groups of units, never one member's value: there is
    no member ID to pseudonymise.

    ``date`` is always a date column: a row's round date (:attr:`Row.on
    <klaster.measurement.Row.on>`: a row of one cluster its cluster's day; a row over clusters
    that surveyed the round on different days none, their days are the ``round_on`` of the
    observations table).
    """
    pl = _polars()
    records = results.to_records()
    exact = ("value", "numerator", "denominator", "target")
    scale = _scale(r.get(k) for r in records for k in exact)
    schema = {k: pl.Decimal(38, scale) for k in exact}
    schema["date"] = pl.Date  # typed even when no round has one date
    names = list(records[0]) if records else ["indicator", "round", *exact]
    rows = {name: [r.get(name) for r in records] for name in names}
    columns = {
        name: pl.Series(name, values, dtype=schema[name]) if name in schema else values
        for name, values in rows.items()
    }
    return pl.DataFrame(columns, infer_schema_length=None)


def _scale(values: Iterable[object]) -> int:
    # The fewest decimals that hold every figure exactly (division gives at most 18).
    top = 0
    for value in values:
        if isinstance(value, Decimal) and value.is_finite():
            exponent = value.normalize().as_tuple().exponent
            if isinstance(exponent, int):
                top = max(top, -exponent)
    return min(top, 18)


def to_pandas(frame: Any) -> Any:
    """A polars frame of this module as a ``pandas.DataFrame`` (decimals as ``float``).

    Raises:
        KlasterError: pandas is missing (``pip install 'klaster[pandas]'``).
    """
    require("pandas", "to_pandas()")
    pl = _polars()
    decimals = [pl.col(n).cast(pl.Float64) for n, t in frame.schema.items() if t == pl.Decimal]
    plain = frame.with_columns(decimals) if decimals else frame
    try:
        return plain.to_pandas()
    except ModuleNotFoundError:  # polars hands over through pyarrow when it is there
        pandas = require("pandas", "to_pandas()")
        return pandas.DataFrame({name: plain[name].to_list() for name in plain.columns})
