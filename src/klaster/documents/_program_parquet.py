"""The program document as one Parquet file (internal: :mod:`klaster.documents.program`).

:func:`klaster.save` writes this form when the file's name ends in ``.parquet`` (any case);
:func:`klaster.load` reads it whatever the name (a file that starts with ``PAR1``). It holds the
same document as the JSON form, exactly (``load(save(p)) == p``, personal fields included):

* **the rows** are the program's members in program order (the clusters in order, each
  cluster's members in order): a ``cluster`` column (the cluster's ID) and one typed column per
  :class:`~klaster.model.member.Member` field: ``id``, ``name``, ``sex`` (its value,
  ``"female"``/``"male"``), ``village``, ``sector``, ``business_type``, ``national_id``,
  ``phone``, ``application_id`` as String; ``household_size``, ``birth_year`` as Int64;
  ``joined``, ``left`` as Date; null where a member has no value;
* **a member's group spells**: ``memberships``, a list of structs ``{group, position, joined,
  left, role}``: the group's ID, the spell's index in that group's ``memberships`` (so each
  group's order comes back exactly), its dates and role value;
* **the cooperatives a member is listed in**: ``cooperatives``, a list of structs
  ``{cooperative, position}``: the cooperative's ID and the member's index in its
  ``member_ids``;
* **everything else**, in the Parquet file's key-value metadata under the key ``klaster``: the
  JSON text of the usual document (``{"klaster": "program", "schema_version": 3, "program":
  {...}}``) without each cluster's ``members``, each group's ``memberships`` and each
  cooperative's ``member_ids``. It is checked and migrated as a JSON document is
  (:mod:`klaster.documents.migrations`), and read by the same converter.

A valid file is read with no Python work per member
(:mod:`klaster.documents._program_parquet_fast`): the model's acceptance test judges every rule
over the whole file at once and the columns are handed to the clusters unread, each turned into
Python values on first need. Anything that test does not accept takes the JSON form's column
road (:mod:`klaster.documents._column_read`): the columns are handed to it cluster by cluster,
checked column-wise by :mod:`klaster.model.bulk` with every check of the record constructors.
Only what the columns alone can get wrong is checked here first, located by row (counted from 0,
as polars and pyarrow number them) and column: a column of the wrong type, an unknown or missing
column, a cluster, group or cooperative the metadata does not have, positions that are not 0, 1,
2... in a group or cooperative. Anything else the road refuses (a duplicate member ID, a bad
date, an unknown sex...) is worded as the JSON form words it: the document is rebuilt from the
columns and read by the converter, and each
member's or spell's path is given as its row (``row 17 column 'sex'``).

polars (the ``columnar`` extra) reads and writes the file; without it, a :class:`KlasterError`
names the extra. A later schema version that changes a member's or a spell's fields will have
to migrate these columns too: the metadata's migrations see no member.
"""

from __future__ import annotations

import itertools
import json
import operator
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from klaster._support.dataframes import require
from klaster.documents import _program_parquet_columns as columns
from klaster.documents import _program_parquet_fast as accepted_road
from klaster.documents import _program_parquet_read as columns_read
from klaster.documents._column_read import structure_program
from klaster.documents._scalars import LazyItems
from klaster.documents.files import atomic_write_stream
from klaster.documents.json_text import parse_json
from klaster.errors import DocumentError
from klaster.model.bulk import judge_members
from klaster.model.program import Program
from klaster.model.sector_rules import ready_member_check

__all__ = [
    "MAGIC",
    "METADATA_KEY",
    "is_parquet_name",
    "read",
    "refuse_misnamed",
    "without_members",
    "write",
]

MAGIC = b"PAR1"
"""The first (and last) four bytes of every Parquet file."""

METADATA_KEY = "klaster"
"""The key-value metadata key holding the document's JSON text (without the members)."""

_WHAT = "a Parquet program document"
_MEMBER_ID = operator.attrgetter("member_id")
_JOINED = operator.attrgetter("joined")
_LEFT = operator.attrgetter("left")
_ROLE = operator.attrgetter("role")
# An enum member's value (``Enum._value_``, its documented attribute): ``.value`` is a Python
# descriptor, a noticeable cost for two million members and spells.
_VALUE = operator.attrgetter("_value_")


def is_parquet_name(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a Parquet file (``.parquet``, any case): :func:`save`'s choice."""
    return Path(path).suffix.lower() == ".parquet"


def refuse_misnamed(path: Path, head: bytes) -> None:
    """Raise if ``path`` is named ``.parquet`` but does not start as a Parquet file.

    Raises:
        DocumentError: The name says Parquet, the first bytes do not.
    """
    if head[:4] != MAGIC and is_parquet_name(path):
        found = "JSON text" if head.lstrip()[:1] in (b"{", b"[") else "something else"
        raise DocumentError(
            f"{path}: named .parquet but not a Parquet file (it does not start with 'PAR1'; "
            f"it holds {found}); name a JSON program document .json"
        )


# -- writing -----------------------------------------------------------------------------------
def write(path: str | os.PathLike[str], program: Program, document: dict[str, Any]) -> None:
    """Write ``program`` as a Parquet file at ``path``, atomically.

    Args:
        path: The destination.
        program: The program (validated already).
        document: Its JSON document (the converter's) without members, spells and
            cooperatives' member IDs (of :func:`without_members`).

    Raises:
        KlasterError: polars is not installed.
        DocumentError: The file cannot be written.
    """
    pl = require("polars", _WHAT)
    frame = _member_frame(pl, program)
    shell = json.dumps(_shell(document), ensure_ascii=False, separators=(",", ":"))

    def write_to(handle: Any) -> None:
        try:
            frame.write_parquet(handle, metadata={METADATA_KEY: shell})
        except OSError:
            raise
        except Exception as exc:  # polars' own errors, never out of the public API
            raise DocumentError(
                f"{path}: cannot write the Parquet file ({type(exc).__name__})"
            ) from None

    atomic_write_stream(path, write_to)


class _Without:
    """A record seen with some fields empty (the converter's unstructuring reads attributes).

    The document's shell is the converter's own output for the program seen without members,
    spells and cooperatives' member IDs: the same text as the JSON form's, without turning a
    million members into objects only to drop them.
    """

    __slots__ = ("_empty", "_record")

    def __init__(self, record: Any, **empty: Any) -> None:
        self._record = record
        self._empty = empty

    def __getattr__(self, name: str) -> Any:
        empty = object.__getattribute__(self, "_empty")
        if name in empty:
            return empty[name]
        return getattr(object.__getattribute__(self, "_record"), name)


def without_members(program: Program) -> Any:
    """``program`` as the converter sees it for the metadata (see :class:`_Without`)."""
    clusters = [
        _Without(
            cluster,
            members=(),
            groups=[_Without(group, memberships=()) for group in cluster.groups],
            cooperatives=[_Without(c, member_ids=()) for c in cluster.cooperatives],
        )
        for cluster in program.clusters
    ]
    return _Without(program, clusters=clusters)


def _shell(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` without members, groups' spells and cooperatives' member IDs (in place)."""
    for cluster in document["program"].get("clusters", ()):
        cluster.pop("members", None)
        for group in cluster.get("groups", ()):
            group.pop("memberships", None)
        for cooperative in cluster.get("cooperatives", ()):
            cooperative.pop("member_ids", None)
    return document


def _member_frame(pl: Any, program: Program) -> Any:
    clusters = list(program.clusters)
    members = [member for cluster in clusters for member in cluster.members]
    data: dict[str, list[Any]] = {
        "cluster": [cluster.id for cluster in clusters for _ in range(len(cluster.members))]
    }
    for name in columns.MEMBER_TYPES:
        data[name] = list(map(operator.attrgetter(name), members))
    data["sex"] = list(map(_VALUE, data["sex"]))
    schema = {"cluster": pl.String} | {
        name: getattr(pl, kind) for name, kind in columns.MEMBER_TYPES.items()
    }
    frame = pl.DataFrame(data, schema=schema)
    row_of = {member.id: row for row, member in enumerate(members)}.__getitem__
    spells: dict[str, list[Any]] = {n: [] for n in ("row", "group", "position", "joined")}
    spells |= {"left": [], "role": []}
    listed: dict[str, list[Any]] = {"row": [], "cooperative": [], "position": []}
    for cluster in clusters:  # (a list at a time, at C speed: a million spells)
        for group in cluster.groups:
            held = group.memberships
            spells["row"] += map(row_of, map(_MEMBER_ID, held))
            spells["group"] += itertools.repeat(group.id, len(held))
            spells["position"] += range(len(held))
            spells["joined"] += map(_JOINED, held)
            spells["left"] += map(_LEFT, held)
            spells["role"] += map(_VALUE, map(_ROLE, held))
        for cooperative in cluster.cooperatives:
            ids = cooperative.member_ids
            listed["row"] += map(row_of, ids)
            listed["cooperative"] += itertools.repeat(cooperative.id, len(ids))
            listed["position"] += range(len(ids))
    spell_types = columns.SPELL_TYPES
    frame = _listed(pl, frame, "memberships", spells, spell_types)
    return _listed(pl, frame, "cooperatives", listed, columns.LISTED_TYPES)


def _listed(pl: Any, frame: Any, name: str, rows: dict[str, list[Any]], types: Any) -> Any:
    """``frame`` with a list-of-structs column ``name``: each row's entries of ``rows``."""
    schema = {"row": pl.UInt32} | {field: getattr(pl, kind) for field, kind in types.items()}
    entries = pl.DataFrame(rows, schema=schema)
    # (each row's entries stay in their order; the rows' order is the join's)
    lists = entries.group_by("row").agg(pl.struct(*types).alias(name))
    dtype = pl.List(pl.Struct({field: getattr(pl, kind) for field, kind in types.items()}))
    joined = (
        frame.with_row_index("row")
        .join(lists, on="row", how="left", maintain_order="left")
        .drop("row")
    )
    return joined.with_columns(pl.col(name).fill_null(pl.lit([], dtype=dtype)))


# -- reading -----------------------------------------------------------------------------------
def read(
    path: Path,
    source: str,
    *,
    program_document: Callable[[Any, str], dict[str, Any]],
    exact: Callable[[dict[str, Any]], Program],
) -> Program:
    """The program of the Parquet file at ``path``.

    Args:
        path: The file (it starts with ``PAR1``).
        source: Its name in messages.
        program_document: The JSON form's envelope check and migration: a parsed document in,
            the current-version document out (located errors).
        exact: The JSON form's converter road: a whole current-version document in, its
            program or the located error out.

    Raises:
        KlasterError: polars is not installed.
        DocumentError: The file is not a klaster program document or holds an invalid one.
    """
    pl = require("polars", _WHAT)
    text = _metadata(pl, path, source)
    # The pool's threads read the rows, check them and judge their own fields (polars: without
    # the GIL, on both cores) while this one parses the metadata and reads the clusters'
    # objects from it, then the rows' Python values the clusters need (Python). The members
    # are judged while the spells' and cooperatives' entries are taken. (A task waits only for
    # tasks submitted before it, which have a thread first: no deadlock.)
    with ThreadPoolExecutor(max_workers=3) as pool:
        reading = pool.submit(_frame, pl, path, source)
        where = f"{source} metadata {METADATA_KEY!r}"
        document = program_document(parse_json(text, where), source)  # (its error first)
        ordering = pool.submit(_ordered, pl, reading, document["program"], source)
        members = pool.submit(_members, pl, ordering)
        framing = pool.submit(_frames, pl, ordering)
        judging = pool.submit(_judged, pl, framing, members)
        prepared = accepted_road.prepare(document["program"])
        ready_member_check()  # (the plugins loaded while the rows are read: ahead judges types)
        reading.result()  # (a damaged file's error before the rows')
        ordered = ordering.result()
        early = None if ordered is None else accepted_road.ahead(pl, ordered, members)
        frames = framing.result()
        # (a valid file: no work per member)
        program = (
            None
            if frames is None
            else accepted_road.read(pl, frames, document, prepared, judging, early)
        )
    if frames is None:  # the metadata's clusters are not objects with IDs: the converter says
        return exact(document)
    if program is not None:
        return program
    layout = columns_read.Layout.of(pl, frames)
    raw = dict(document["program"])
    raw["clusters"] = LazyItems(layout.clusters())
    try:
        return structure_program(raw)
    except Exception:  # refused, or not for the columns: the converter decides and words it
        pass
    try:
        return exact(layout.document(document))
    except DocumentError as exc:
        raise layout.located(exc) from None


def _parquet(read: Callable[[Path], Any], path: Path, source: str) -> Any:
    """What polars' ``read`` gives for ``path``; an unreadable or damaged file, located."""
    try:
        return read(path)
    except OSError as exc:
        raise DocumentError(f"{source}: cannot read the file ({exc.strerror or exc})") from None
    except Exception as exc:  # polars' errors: a damaged file
        raise DocumentError(
            f"{source}: not a readable Parquet file ({type(exc).__name__}); the file is damaged"
        ) from None


def _metadata(pl: Any, path: Path, source: str) -> str:
    metadata = _parquet(pl.read_parquet_metadata, path, source)
    text = metadata.get(METADATA_KEY)
    if text is None:
        raise DocumentError(
            f"{source}: a Parquet file, but not a klaster program document (its metadata has "
            f"no {METADATA_KEY!r} key); write one with klaster.save(program, 'name.parquet')"
        )
    return str(text)


def _frame(pl: Any, path: Path, source: str) -> Any:
    return _parquet(pl.read_parquet, path, source)


def _ordered(pl: Any, reading: Any, program: Any, source: str) -> Any:
    """The file's rows checked and ordered (``Ordered.of``; ``None``: see :func:`_frames`)."""
    return columns_read.Ordered.of(pl, reading.result(), program, source)


def _members(pl: Any, ordering: Any) -> Any:
    """The rows' members judged (``bulk.judge_members``), if any: their entries not needed."""
    ordered = ordering.result()
    return None if ordered is None else judge_members(pl, ordered.members)


def _frames(pl: Any, ordering: Any) -> Any:
    """The file's frames (``Frames.of``; ``None``: the metadata's clusters are not for them)."""
    ordered = ordering.result()
    return None if ordered is None else columns_read.Frames.of_ordered(pl, ordered)


def _judged(pl: Any, framing: Any, members: Any) -> Any:
    """The frames' rows judged for the accepted road (:func:`accepted_road.judge`), if any."""
    frames = framing.result()
    return None if frames is None else accepted_road.judge(pl, frames, members.result())
