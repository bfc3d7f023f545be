"""Program documents: one JSON document per program, versioned, migrated, written atomically.

A document looks like ``{"klaster": "program", "schema_version": 1, "program": {...}}``. Dates are
ISO strings, amounts and rates are decimal strings (``"38.20"``), fields equal to their default are
left out. Reading is strict: unknown fields, wrong types and documents from a newer klaster are
refused with every problem located (``clusters[0].members[3].household_size: ...``).

Reading is built for large documents (a million members): each cluster's members, groups and
spells are checked a column at a time and built without re-running their validators
(:mod:`klaster.documents._column_read`, through :mod:`klaster.model.bulk`); a document that road
refuses or does not take is structured with the fast converter and, only if that fails, again
with the detailed one for the located messages.
When msgspec is installed (``pip install msgspec``; it is in the ``bench`` and ``dev`` extras),
it parses the JSON, one cluster at a time, so the parsed text of the whole document never sits in
memory next to the objects built from it. Anything msgspec would read differently from
:func:`json.loads` (or refuses) takes the plain road: the result and the errors are the same
either way.
"""

from __future__ import annotations

import codecs
import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
from cattrs.errors import BaseValidationError

from klaster._support.gc import gc_paused as _gc_paused
from klaster._support.gc import settle_long_lived as _settle_long_lived
from klaster.documents import _program_parquet as parquet_form
from klaster.documents._column_read import cluster_decoder
from klaster.documents._column_read import structure_program as by_columns
from klaster.documents._scalars import LazyItems
from klaster.documents.converter import detailed_converter, fast_converter, problems
from klaster.documents.files import atomic_write
from klaster.documents.json_text import json_problem, parse_json
from klaster.documents.migrations import Migration, migrate
from klaster.errors import DocumentError, KlasterError
from klaster.model.activity_kinds import unknown_kinds_kept
from klaster.model.program import Program
from klaster.model.sector_rules import report_unprovided_sectors

try:  # optional: a faster JSON parser
    import msgspec as _msgspec
except ImportError:  # pragma: no cover - depends on the environment
    _msgspec = None  # type: ignore[assignment]


def _envelope_decoder() -> Any:
    # One pass over the document: the envelope and the program's fields as plain JSON values,
    # except "clusters", kept as a list of unparsed texts. Unknown or missing keys fail here.
    if _msgspec is None:  # pragma: no cover - depends on the environment
        return None
    fields = [
        (a.name, list[_msgspec.Raw] if a.name == "clusters" else Any, _msgspec.UNSET)
        for a in attrs.fields(Program)
        if a.init
    ]
    program = _msgspec.defstruct("ProgramFields", fields, forbid_unknown_fields=True)
    envelope = _msgspec.defstruct(
        "Envelope",
        [("klaster", Any), ("schema_version", Any), ("program", program)],
        forbid_unknown_fields=True,
    )
    return _msgspec.json.Decoder(envelope)


_ENVELOPE = _envelope_decoder()

__all__ = ["DOCUMENT_KIND", "SCHEMA_VERSION", "dumps", "load", "loads", "save"]

SCHEMA_VERSION = 3
"""The schema version this klaster writes; documents of older versions are migrated on load.

History: 1 — first release; 2 — a cluster's ``lifecycle`` is an object ``{"history": [...]}``
instead of the bare list of changes (room for more lifecycle data without another break);
3 — the program's ``people`` and ``fieldwork`` (activities, assignments, visits, plans,
commitments), its ``results`` (every version of the results framework: ``{"versions": [...]}``),
its ``locations`` (every recorded choice of locations with its evidence), its ``intake``
(applicants with their screening answers and the decisions on them; a member's
``application_id``, a group's ``capacity``), a cooperative's ``board``, and where sectors work
(a sector's ``areas``, a cluster's ``area_overrides``, a group's ``village``), each left out
when empty.
"""

DOCUMENT_KIND = "program"
"""The value of the ``"klaster"`` key in a program document."""


# _MIGRATIONS[n] turns a version-n document into a version-(n + 1) one. Each schema change adds
# one entry and bumps SCHEMA_VERSION; old documents then load through the chain.
def _lifecycle_object(document: dict[str, Any]) -> dict[str, Any]:
    """Version 1 → 2: ``"lifecycle": [...]`` becomes ``"lifecycle": {"history": [...]}``."""
    program = document.get("program")
    clusters = program.get("clusters") if isinstance(program, dict) else None
    for cluster in clusters if isinstance(clusters, list) else ():
        if isinstance(cluster, dict) and isinstance(cluster.get("lifecycle"), list):
            cluster["lifecycle"] = {"history": cluster["lifecycle"]}
    return document


def _no_fieldwork(document: dict[str, Any]) -> dict[str, Any]:
    """Version 2 → 3: nothing to change; a version-2 program has no people, fieldwork, boards...

    ...or results framework.

    Version 3 leaves those out when empty, so a version-2 document already reads as a program
    with none of them.
    """
    return document


_MIGRATIONS: dict[int, Migration] = {1: _lifecycle_object, 2: _no_fieldwork}


def dumps(program: Program, *, indent: int | None = 2) -> str:
    """Serialise a program to a JSON document string.

    The program is validated first (:meth:`Program.validate`), so nothing invalid is written.

    Args:
        program: The program.
        indent: JSON indentation; ``None`` for the most compact form.

    Returns:
        The JSON text.

    Example:
        >>> import klaster
        >>> p = klaster.Program(id="km", name="Klaster Mandiri", organisation_id="dd",
        ...     organisations=[klaster.Organisation("dd", "Dompet Dhuafa", "ngo")])
        >>> klaster.loads(klaster.dumps(p)) == p
        True
    """
    return json.dumps(_to_document(program), ensure_ascii=False, indent=indent)


def loads(text: str | bytes, *, source: str = "<string>") -> Program:
    """Read a program from a JSON document string.

    Args:
        text: The JSON text (``str`` or UTF-8 ``bytes``).
        source: Name used in error messages (a file name).

    Returns:
        The program, checked like one built in Python.

    Raises:
        DocumentError: Malformed JSON, an unknown field, a wrong type or an invalid value; the
            message lists every problem with its path.
        SchemaVersionError: The schema version is missing, or newer than this klaster.
        PluginError: Strict plugin mode, and a sector of the program has no loaded plugin
            (otherwise a ``PluginWarning`` names it; its members and groups are kept).
    """
    return _finished(lambda: _read(text, source), source)


def _finished(read: Callable[[], Program], source: str) -> Program:
    with _gc_paused():
        with unknown_kinds_kept() as kinds:
            program = read()
        if not report_unprovided_sectors(program, source, kinds) and kinds:
            program = read()  # no plugin is missing: the unknown kind is an error
        # The records out of the young generations' passes (as a store load), settled before
        # the collector runs again: else its first pass walks every object the read made.
        _settle_long_lived()
    return program


def _read(text: str | bytes, source: str) -> Program:
    with _gc_paused():
        if _msgspec is not None and type(text) in (str, bytes):
            if (problem := json_problem(text)) is not None:  # msgspec's own limit is deeper
                raise DocumentError(f"{source}: {problem}")
            # Clusters parsed straight into records' fields for the columns (no dict each).
            raw = _program_by_cluster(text, cluster_decoder())
            if raw is not None:
                try:
                    return by_columns(raw)
                except Exception:  # not for the columns: the converter decides
                    pass
                raw = _program_by_cluster(text)  # (as plain JSON values, for the converter)
                try:
                    return fast_converter().structure(raw, Program)
                except Exception:  # read again below, for the located messages
                    pass
                return _loads_json(text, source, fast=False)
        return _loads_json(text, source, fast=True)


def _loads_json(text: str | bytes, source: str, *, fast: bool) -> Program:
    raw = parse_json(text, source)
    return _from_document(raw, source, fast=fast)


def _program_by_cluster(
    text: str | bytes, decode: Callable[[bytes], Any] | None = None
) -> dict[str, Any] | None:
    """The ``"program"`` of a current-version document, parsed by msgspec; else ``None``.

    Its ``"clusters"`` is an iterator that parses each cluster only when the converter gets to it
    (with ``decode``: the columns' parser; by default as plain JSON values).
    ``None`` means "read it with :func:`json.loads`": the document is malformed, needs a migration,
    or holds something msgspec reads differently or refuses (NaN, lone surrogates, UTF-16...).
    """
    if _ENVELOPE is None or (isinstance(text, bytes) and not _is_utf8(text)):
        return None
    try:
        document = _ENVELOPE.decode(text)
    except Exception:  # malformed, or not what json.loads would read: json.loads decides
        return None
    version = document.schema_version
    if document.klaster != DOCUMENT_KIND or type(version) is not int or version != SCHEMA_VERSION:
        return None
    program = document.program
    raw = {name: getattr(program, name) for name in program.__struct_fields__}
    raw = {name: value for name, value in raw.items() if value is not _msgspec.UNSET}
    if "clusters" in raw:
        raw["clusters"] = LazyItems(_each_decoded(raw["clusters"], decode))
    return raw


def _each_decoded(raws: list[Any], decode: Callable[[bytes], Any] | None) -> Iterator[Any]:
    # Parse each cluster only when the converter gets to it, and let go of its text then.
    assert _msgspec is not None
    decode = decode or _msgspec.json.decode
    for index in range(len(raws)):
        raw, raws[index] = raws[index], None
        yield decode(raw)


def _is_utf8(data: bytes) -> bool:
    # json.loads refuses bytes that are not UTF-8 anywhere, even in a value it then drops (a
    # repeated key); msgspec only decodes what it keeps. Checked in slices to stay small.
    if data.isascii():
        return True
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    step = 1 << 20
    try:
        for start in range(0, len(view), step):
            decoder.decode(view[start : start + step])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def save(program: Program, path: str | os.PathLike[str], *, indent: int | None = 2) -> None:
    """Write a program to a JSON file, or a Parquet file if its name ends in ``.parquet``.

    The document is written to a temporary file beside ``path``, flushed to disk and then renamed
    over ``path``: a failure at any point leaves the old file as it was. The Parquet form (any
    case of ``.parquet``; needs polars, the ``columnar`` extra) holds the same document: a row
    per member, the rest in its metadata (see docs/documents.md).

    Args:
        program: The program.
        path: Destination file.
        indent: JSON indentation; ``None`` for the most compact form (JSON only).

    Raises:
        DocumentError: The file cannot be written.
        KlasterError: A ``.parquet`` name, and polars is not installed.
    """
    if parquet_form.is_parquet_name(path):
        with _gc_paused():  # (millions of short-lived objects: no collector pass over them)
            document = _to_document(program, view=parquet_form.without_members)
            parquet_form.write(path, program, document)
        return
    text = dumps(program, indent=indent)
    atomic_write(path, lambda handle: handle.write(text))


def load(path: str | os.PathLike[str]) -> Program:
    """Read a program from a JSON or Parquet file written by :func:`save` (or by hand).

    A file that starts as a Parquet file (``PAR1``) is read as one, whatever its name.

    Raises:
        DocumentError: The file cannot be read or holds an invalid document (see :func:`loads`),
            or is named ``.parquet`` but is no Parquet file.
        KlasterError: A Parquet file, and polars is not installed.
    """
    target = Path(path)
    try:
        with target.open("rb") as handle:
            head = handle.read(len(parquet_form.MAGIC))
            data = head if head == parquet_form.MAGIC else head + handle.read()
    except OSError as exc:
        raise DocumentError(f"{target}: cannot read the file ({exc.strerror})") from None
    if head == parquet_form.MAGIC:
        return _finished(lambda: _read_parquet(target), str(target))
    parquet_form.refuse_misnamed(target, data[:64])
    return loads(data, source=str(target))


def _read_parquet(target: Path) -> Program:
    source = str(target)
    return parquet_form.read(
        target,
        source,
        program_document=_program_document,
        exact=lambda document: _from_document(document, source),
    )


def _to_document(
    program: Program, *, view: Callable[[Program], Any] | None = None
) -> dict[str, Any]:
    # ``view``: what the converter unstructures instead (the Parquet form's shell).
    if not isinstance(program, Program):
        raise DocumentError(f"can only write a Program, got {type(program).__name__}")
    program.validate()
    seen = program if view is None else view(program)
    return {
        "klaster": DOCUMENT_KIND,
        "schema_version": SCHEMA_VERSION,
        "program": detailed_converter().unstructure(seen, Program),
    }


def _from_document(raw: object, source: str, *, fast: bool = False) -> Program:
    document = _program_document(raw, source)
    if fast:
        try:
            return by_columns(document["program"])
        except Exception:  # the converter decides: the same program, or the located messages
            pass
        try:
            return fast_converter().structure(document["program"], Program)
        except Exception:  # structured again below, for the located messages
            pass
    try:
        return detailed_converter().structure(document["program"], Program)
    except BaseValidationError as exc:
        found = [_under_program(p) for p in problems(exc)]
        raise DocumentError(f"{source}: invalid program document", problems=found) from None
    except KlasterError as exc:
        # Raised outside any field (a whole-program check such as IDs unique across clusters).
        where = "program" + (f".{exc.path}" if exc.path else "")
        raise DocumentError(
            f"{source}: invalid program document", problems=[f"{where}: {exc.message}"]
        ) from None


def _program_document(raw: object, source: str) -> dict[str, Any]:
    """The current-version document of a parsed one, its envelope checked (located errors)."""
    if not isinstance(raw, Mapping):
        raise DocumentError(
            f"{source}: a klaster document is a JSON object, not {type(raw).__name__}"
        )
    document = _migrate(dict(raw), source)
    extra = sorted(set(document) - {"klaster", "schema_version", "program"})
    if extra:
        raise DocumentError(
            f"{source}: unknown top-level field {', '.join(map(repr, extra))}; valid fields are "
            "'klaster', 'schema_version', 'program'"
        )
    if "program" not in document:
        raise DocumentError(f"{source}: the document has no 'program' field")
    if not isinstance(document["program"], Mapping):
        raise DocumentError(
            f"{source}: program: must be an object, got {type(document['program']).__name__}"
        )
    return document


def _under_program(problem: str) -> str:
    # problems() says "(document)" for the object it was given: here that is the program.
    if problem.startswith("(document)"):
        return "program" + problem.removeprefix("(document)")
    return f"program.{problem}"


def _migrate(document: dict[str, Any], source: str) -> dict[str, Any]:
    # Module globals read at call time: tests (and future versions) change them.
    return migrate(
        document,
        kind=DOCUMENT_KIND,
        what="program",
        current=SCHEMA_VERSION,
        migrations=_MIGRATIONS,
        source=source,
    )
