"""Versioned JSON documents.

The program document, the one cattrs converter, the schema-version and migration routine, and
the atomic file writer.
"""

from klaster.documents.program import (
    DOCUMENT_KIND,
    SCHEMA_VERSION,
    dumps,
    load,
    loads,
    save,
)

__all__ = [
    "DOCUMENT_KIND",
    "SCHEMA_VERSION",
    "dumps",
    "load",
    "loads",
    "save",
]
