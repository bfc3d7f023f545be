"""The schema-version check and migration chain every klaster document shares.

A document carries ``{"klaster": <kind>, "schema_version": <n>}``. Older versions are migrated one
step at a time (``migrations[n]`` turns version *n* into *n + 1*); newer ones are refused rather
than guessed at; a migration that fails on a damaged document becomes a located error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from klaster.errors import DocumentError, SchemaVersionError

Migration = Callable[[dict[str, Any]], dict[str, Any]]


def migrate(
    document: dict[str, Any],
    *,
    kind: str,
    what: str,
    current: int,
    migrations: Mapping[int, Migration],
    source: str,
) -> dict[str, Any]:
    """Check the kind and version of ``document`` and bring it to version ``current``.

    Args:
        document: The parsed JSON object.
        kind: The expected value of its ``"klaster"`` key.
        what: What the document is, for messages (``"program"``, ``"finance"``).
        current: The schema version this klaster writes.
        migrations: Version *n* → the step to *n + 1*.
        source: Name of the document in messages (a file name).

    Raises:
        DocumentError: Wrong kind, or a migration step failed on a damaged document.
        SchemaVersionError: A missing, malformed or newer version, or no migration path.
    """
    found = document.get("klaster")
    if found != kind:
        raise DocumentError(
            f"{source}: not a klaster {what} document ('klaster' is {found!r}; expected {kind!r})"
        )
    version = document.get("schema_version")
    if type(version) is not int or version < 1:
        raise SchemaVersionError(
            f"{source}: 'schema_version' must be a whole number from 1 to {current}, "
            f"got {version!r}"
        )
    if version > current:
        raise SchemaVersionError(
            f"{source}: the document has schema version {version}, newer than this klaster "
            f"supports ({current}); upgrade klaster to read it"
        )
    while version < current:
        step = migrations.get(version)
        if step is None:
            raise SchemaVersionError(
                f"{source}: no migration from schema version {version}; this klaster reads "
                f"versions {min(migrations, default=current)} to {current}"
            )
        try:
            document = step(document)
        except Exception as exc:  # an old document missing what its migration expects
            raise DocumentError(
                f"{source}: cannot migrate the document from schema version {version} to "
                f"{version + 1} ({type(exc).__name__}); the document is damaged"
            ) from None
        version += 1
        document["schema_version"] = version
    return document
