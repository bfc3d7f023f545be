"""Checking IATI activity XML against the official 2.03 schema, with lxml (the ``iati`` extra).

klaster writes the XML without lxml; checking it needs lxml and the schema files of the standard
(``iati-activities-schema.xsd`` with ``iati-common.xsd`` and ``xml.xsd`` beside it, as IATI
publishes them). The schema checks structure and types, not codes: the settings and the export
only ever write codes of the 2.03 codelists.
"""

from __future__ import annotations

import os
from pathlib import Path

from klaster.errors import KlasterError, NotFoundError

__all__ = ["SCHEMA_FILE", "iati_schema_problems"]

SCHEMA_FILE = "iati-activities-schema.xsd"
"""The activity schema's file name in IATI's schema folder."""


def iati_schema_problems(xml: bytes, schema: str | os.PathLike[str]) -> list[str]:
    """The schema's complaints about ``xml``, each with its line; empty when it validates.

    Args:
        xml: An IATI activities document.
        schema: The schema file, or the folder holding :data:`SCHEMA_FILE` (and the files it
            includes).

    Raises:
        KlasterError: lxml is not installed (``pip install 'klaster[iati]'``); the schema
            cannot be read.
        NotFoundError: No schema file there.
    """
    try:
        from lxml import etree
    except ImportError:
        raise KlasterError(
            "checking IATI XML against the schema needs lxml: pip install 'klaster[iati]'"
        ) from None
    path = Path(schema)
    if path.is_dir():
        path = path / SCHEMA_FILE
    if not path.is_file():
        raise NotFoundError(
            f"no IATI schema at {path}: give {SCHEMA_FILE} or the folder holding it (with "
            "iati-common.xsd and xml.xsd beside it, as IATI publishes them)",
            path="schema",
        )
    try:
        checker = etree.XMLSchema(etree.parse(str(path)))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError) as err:
        raise KlasterError(f"{path}: not a readable XML schema ({err})", path="schema") from None
    try:
        document = etree.fromstring(xml)
    except etree.XMLSyntaxError as err:
        return [f"line {err.lineno}: not well-formed XML: {err.msg}"]
    if checker.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in checker.error_log]
