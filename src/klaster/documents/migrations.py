"""The one schema-version mechanism: program and finance documents, sidecars and the store.

Everything klaster persists carries a schema version. Older versions are migrated one step at a
time (``steps[n]`` turns version *n* into *n + 1*); newer ones are refused rather than guessed
at; a missing step is refused before anything runs; a step that fails on damaged data becomes a
located error. :class:`Migrations` is that chain; :func:`migrate` applies it to a parsed JSON
document (``{"klaster": <kind>, "schema_version": <n>, ...}``), and the store runs its own chain
of SQL steps through :meth:`Migrations.check` and :meth:`Migrations.run`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from attrs import frozen

from klaster.errors import DocumentError, KlasterError, SchemaVersionError

__all__ = ["Migration", "Migrations", "migrate"]

S = TypeVar("S")

Migration = Callable[[dict[str, Any]], dict[str, Any]]
"""One step of a document chain: the version-*n* document in, the version-*n + 1* one out."""


@frozen
class Migrations(Generic[S]):
    """A chain of schema migrations, ``steps[n]`` turning version *n* of a subject into *n + 1*.

    Args:
        current: The version this klaster writes.
        steps: Version *n* → the step to *n + 1*. A step returns the migrated subject, or
            ``None`` when it changed the subject in place (the store's SQL steps).
        noun: What is versioned, for messages (``"document"``, ``"store"``).
        version_name: How messages name a version (``"schema version"``,
            ``"store schema version"``).
        verb: What this klaster does with a supported version (``"read"``, ``"open"``).
        first: The lowest well-formed version (a store's count starts at 0).
    """

    current: int
    steps: Mapping[int, Callable[[S], S | None]]
    noun: str = "document"
    version_name: str = "schema version"
    verb: str = "read"
    first: int = 1

    def check(self, version: object, source: str) -> int:
        """The version, once known to be one this klaster can bring to :attr:`current`.

        Raises:
            SchemaVersionError: Not a whole number from :attr:`first`, newer than
                :attr:`current`, or no chain of steps from it.
        """
        if type(version) is not int or version < self.first:
            raise SchemaVersionError(
                f"{source}: 'schema_version' must be a whole number from {self.first} to "
                f"{self.current}, "
                f"got {version!r}; the {self.noun} is damaged"
            )
        if version > self.current:
            raise SchemaVersionError(
                f"{source}: the {self.noun} has {self.version_name} {version}, newer than this "
                f"klaster supports ({self.current}); upgrade klaster to {self.verb} it"
            )
        missing = [v for v in range(version, self.current) if v not in self.steps]
        if missing:
            oldest = min([*self.steps, self.current])
            raise SchemaVersionError(
                f"{source}: no migration from {self.version_name} {missing[0]}; this klaster "
                f"{self.verb}s versions {oldest} to {self.current}"
            )
        return version

    def run(
        self,
        subject: S,
        version: int,
        source: str,
        *,
        failed: Callable[[int, Exception], KlasterError] | None = None,
    ) -> S:
        """Bring ``subject`` from ``version`` (see :meth:`check`) to :attr:`current`.

        Args:
            subject: What is migrated (a parsed document, a store connection).
            version: Its version.
            source: Its name in messages (a file name).
            failed: Builds the error for a step that raised (given the step's version and the
                exception); default: a :class:`~klaster.errors.DocumentError` saying the
                {noun} is damaged.

        Raises:
            KlasterError: A step failed (as ``failed`` builds it).
        """
        while version < self.current:
            try:
                result = self.steps[version](subject)
            except Exception as exc:  # old data missing what its migration expects
                if failed is not None:
                    raise failed(version, exc) from None
                raise DocumentError(
                    f"{source}: cannot migrate the {self.noun} from {self.version_name} "
                    f"{version} to {version + 1} ({type(exc).__name__}); the {self.noun} is "
                    "damaged"
                ) from None
            if result is not None:
                subject = result
            version += 1
        return subject


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
    chain: Migrations[dict[str, Any]] = Migrations(current, _stamped(migrations))
    version = chain.check(document.get("schema_version"), source)
    return chain.run(document, version, source)


def _stamped(steps: Mapping[int, Migration]) -> dict[int, Migration]:
    # A document records its version: each step's result is stamped with the one it reached.
    def stamp(version: int, step: Migration) -> Migration:
        def stamped(document: dict[str, Any]) -> dict[str, Any]:
            result = step(document)
            result["schema_version"] = version + 1
            return result

        return stamped

    return {version: stamp(version, step) for version, step in steps.items()}
